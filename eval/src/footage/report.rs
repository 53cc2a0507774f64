//! The tables `make footage` prints: per sequence a compact per-frame table and a summary
//! line; at the end the pooled rows; and the per-frame CSV.

use std::fmt::Write as _;

use super::defects::CATEGORIES;
use super::run::SequenceResult;
use super::score::{FALSE_FROM, FrameScore, N, Pool, RECALL_FROM, STATIC_RECALL_FROM};

/// Frames shown in the compact per-sequence table (1-based); the last and the worst
/// frame (most false changes from frame 5) are added.
const SHOWN: [usize; 10] = [1, 2, 3, 5, 10, 15, 20, 30, 45, 60];

/// The per-sequence block: header, per-frame rows (every frame when `all`), summary.
pub fn sequence_block(r: &SequenceResult, all: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "== {} / {} / gain {}: {}",
        r.scene,
        r.path.name(),
        r.gain.name,
        r.header
    );
    let _ = write!(out, "  frame");
    for c in CATEGORIES {
        let _ = write!(out, " {c:>9}");
    }
    let _ = writeln!(out, "  false/MP  >3%/MP  stars alt  PSNR in    out  oracle");
    let worst = r
        .frames
        .iter()
        .filter(|s| s.frame >= FALSE_FROM)
        .max_by(|a, b| a.false_per_mp().total_cmp(&b.false_per_mp()))
        .map(|s| s.frame);
    let last = r.frames.len();
    for s in &r.frames {
        if all || SHOWN.contains(&s.frame) || s.frame == last || Some(s.frame) == worst {
            out.push_str(&frame_row(s, r.stars));
        }
    }
    let mut pool = Pool::default();
    pool.add_sequence(&r.frames);
    out.push_str(&pool_row("  seq", &pool, r.stars));
    out
}

fn frame_row(s: &FrameScore, stars: bool) -> String {
    let mut row = format!("  {:>5}", s.frame);
    for c in 0..N {
        if s.visible[c] == 0 {
            let _ = write!(row, " {:>9}", "-");
        } else {
            let _ = write!(row, " {:>9}", format!("{}/{}", s.repaired[c], s.visible[c]));
        }
    }
    let star = if stars {
        format!("{}/{}", s.stars_altered, s.stars)
    } else {
        "-".to_string()
    };
    let _ = writeln!(
        row,
        "  {:>8.1}  {:>6.1}  {:>9}  {:>7.2} {:>6.2}  {:>6.2}",
        s.false_per_mp(),
        s.large_per_mp(),
        star,
        s.psnr_in,
        s.psnr_out,
        s.psnr_oracle
    );
    row
}

/// Header of the pooled table.
pub fn pool_header() -> String {
    let mut h = format!("{:<24}", "pool");
    for c in CATEGORIES {
        let _ = write!(h, " {c:>6}");
    }
    h.push_str("  worst false/MP (>3%)  stars alt (frames)  PSNR in   out  oracle  <=in  <orc-1dB");
    h
}

/// One pooled row: recall by category from frame 10 (static path: also from frame 31),
/// worst false changes from frame 5, altered stars, mean PSNR, frames not above the
/// input and frames more than 1 dB below the oracle (from frame 10).
pub fn pool_row(label: &str, p: &Pool, stars: bool) -> String {
    let mut row = recall_cells(label, |c| p.recall(c));
    let (i, o, q) = p.mean_psnr();
    let star = if stars {
        format!("{}/{} ({})", p.stars_altered, p.stars, p.frames_altering)
    } else {
        "-".to_string()
    };
    let _ = writeln!(
        row,
        "  {:>8.1} ({:>6.1})  {:>18}  {:>7.2} {:>5.2} {:>6.2}  {:>4}  {:>8}",
        p.worst_false,
        p.worst_large,
        star,
        i,
        o,
        q,
        format!("{}/{}", p.not_above_input, p.frames),
        format!("{}/{}", p.behind_oracle, p.late_frames),
    );
    row
}

/// The oracle's recall row of a pool (perfect detection, this project's repair).
pub fn oracle_row(label: &str, p: &Pool) -> String {
    recall_cells(label, |c| p.oracle_recall(c)) + "\n"
}

/// Recall of the static path from frame 31.
pub fn late_row(label: &str, p: &Pool) -> String {
    recall_cells(label, |c| p.late_recall(c)) + "\n"
}

/// A label and one recall column per defect class (`-` where there is none).
fn recall_cells(label: &str, recall: impl Fn(usize) -> Option<f64>) -> String {
    let mut row = format!("{label:<24}");
    for c in 0..N {
        let cell = recall(c).map_or_else(|| "-".to_string(), percent);
        let _ = write!(row, " {cell:>6}");
    }
    row
}

/// A share as a percentage with one decimal, `100` when whole.
fn percent(r: f64) -> String {
    if r >= 1.0 {
        "100".to_string()
    } else {
        format!("{:.1}", 100.0 * r)
    }
}

/// The pooled tables of a run: by path and gain over the natural scenes, every natural
/// scene, the star fields, the oracle's rows, and the static path from frame 31.
pub fn pooled(results: &[SequenceResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Pooled: recall = visible defect pixels repaired (error at least halved), frames {RECALL_FROM}+; \
         worst false changes per MP over frames {FALSE_FROM}+; stars altered / scored (frames with any); \
         mean PSNR; frames not above the input; frames {RECALL_FROM}+ more than 1 dB below the oracle."
    );
    out.push_str(&pool_header());
    out.push('\n');
    let mut groups: Vec<(String, bool, Pool, bool)> = Vec::new();
    let mut add = |label: String, stars: bool, r: &SequenceResult, late: bool| {
        if let Some(g) = groups.iter_mut().find(|g| g.0 == label) {
            g.2.add_sequence(&r.frames);
        } else {
            let mut p = Pool::default();
            p.add_sequence(&r.frames);
            groups.push((label, stars, p, late));
        }
    };
    for r in results.iter().filter(|r| !r.stars) {
        add(
            format!("natural {}", r.path.name()),
            false,
            r,
            r.path.name() == "static",
        );
    }
    for r in results.iter().filter(|r| !r.stars) {
        add(format!("natural gain {}", r.gain.name), false, r, false);
    }
    for r in results.iter().filter(|r| !r.stars) {
        add(format!("scene {}", r.scene), false, r, false);
    }
    for r in results.iter().filter(|r| !r.stars) {
        add("natural all".to_string(), false, r, false);
    }
    for r in results.iter().filter(|r| r.stars) {
        add(format!("{} {}", r.scene, r.path.name()), true, r, false);
    }
    for r in results.iter().filter(|r| r.stars) {
        add("stars all".to_string(), true, r, false);
    }
    for (label, stars, p, _) in &groups {
        out.push_str(&pool_row(label, p, *stars));
    }
    let _ = writeln!(
        out,
        "\nOracle (true map, detection=off), same visible pixels:"
    );
    for (label, _, p, _) in &groups {
        out.push_str(&oracle_row(label, p));
    }
    let late: Vec<_> = groups.iter().filter(|g| g.3).collect();
    if !late.is_empty() {
        let _ = writeln!(
            out,
            "\nStatic path, recall from frame {STATIC_RECALL_FROM}:"
        );
        for (label, _, p, _) in late {
            out.push_str(&late_row(label, p));
        }
    }
    out
}

/// Header of the per-frame CSV.
pub fn csv_header() -> String {
    let mut h = String::from("scene,path,gain,frame");
    for c in CATEGORIES {
        let _ = write!(h, ",{c}_visible,{c}_repaired,{c}_oracle");
    }
    h.push_str(",false_per_mp,large_per_mp,stars,stars_altered,psnr_in,psnr_out,psnr_oracle");
    h
}

/// The per-frame CSV rows of a sequence.
pub fn csv_rows(r: &SequenceResult) -> String {
    let mut out = String::new();
    for s in &r.frames {
        let _ = write!(
            out,
            "{},{},{},{}",
            r.scene,
            r.path.name(),
            r.gain.name,
            s.frame
        );
        for c in 0..N {
            let _ = write!(
                out,
                ",{},{},{}",
                s.visible[c], s.repaired[c], s.oracle_repaired[c]
            );
        }
        let _ = writeln!(
            out,
            ",{:.2},{:.2},{},{},{:.3},{:.3},{:.3}",
            s.false_per_mp(),
            s.large_per_mp(),
            s.stars,
            s.stars_altered,
            s.psnr_in,
            s.psnr_out,
            s.psnr_oracle
        );
    }
    out
}
