//! Gives the plugin its release date and commit id, from git when the source is a
//! checkout, else from SOURCE_DATE_EPOCH or the build time.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn main() {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let date = git(&["log", "-1", "--format=%cs"])
        .or_else(|| {
            std::env::var("SOURCE_DATE_EPOCH")
                .ok()
                .map(|_| "1970-01-01".into())
        })
        .unwrap_or_else(|| "2026-01-01".into());
    println!("cargo:rustc-env=COMMIT_ID={commit}");
    println!("cargo:rustc-env=BUILD_REL_DATE={date}");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
}
