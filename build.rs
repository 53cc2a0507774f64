//! Gives the plugin its release date and commit id.
//!
//! The date is, in this order: the UTC day of `SOURCE_DATE_EPOCH` (reproducible builds
//! set it), the committer date of `HEAD` when the source is a git checkout, else the
//! day of the build. The commit id comes from git, or is `unknown`.
//!
//! Cargo reruns this script when `SOURCE_DATE_EPOCH` changes, when `HEAD` moves to
//! another branch, and when the branch it names gets a new commit (the branch's ref
//! file, and `packed-refs` where refs are packed), so the id never goes stale.

use std::path::PathBuf;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's
/// days-to-civil algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DD` of a Unix time in seconds, in UTC.
fn date_of(seconds: i64) -> String {
    let (y, m, d) = civil_from_days(seconds.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The files whose change means a new commit or another branch: `HEAD`, the ref it
/// points to, and `packed-refs`.
fn git_watch_list() -> Vec<PathBuf> {
    let (Some(git_dir), Some(common)) = (
        git(&["rev-parse", "--git-dir"]),
        git(&["rev-parse", "--git-common-dir"]),
    ) else {
        return Vec::new();
    };
    let (git_dir, common) = (PathBuf::from(git_dir), PathBuf::from(common));
    let mut files = vec![git_dir.join("HEAD"), common.join("packed-refs")];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        files.push(common.join(branch));
    }
    files.into_iter().filter(|f| f.exists()).collect()
}

fn main() {
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-changed=build.rs");
    for file in git_watch_list() {
        println!("cargo:rerun-if-changed={}", file.display());
    }

    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    let date = match epoch.as_deref().map(str::trim).map(str::parse::<i64>) {
        Some(Ok(seconds)) => date_of(seconds),
        Some(Err(_)) => {
            println!("cargo:warning=SOURCE_DATE_EPOCH is not a number of seconds; ignored");
            fallback_date()
        }
        None => fallback_date(),
    };
    println!("cargo:rustc-env=COMMIT_ID={commit}");
    println!("cargo:rustc-env=BUILD_REL_DATE={date}");
}

/// The committer date of `HEAD`, else today.
fn fallback_date() -> String {
    git(&["log", "-1", "--format=%cs"]).unwrap_or_else(|| {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        date_of(now)
    })
}
