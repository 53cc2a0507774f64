//! The scores: of a method on an injected still frame against the clean frame and the
//! injected pixels ([`score`], [`Scores`], [`false_per_mp`] on a clean frame, [`psnr`]),
//! and of a repair of a `defectsim` frame against its ground truth ([`score_repair`],
//! [`RepairScore`], the demo's and the simulator tests' measure).

use gstdefectfix::correct::Mask;
use gstdefectfix::frame::PlaneRef;

use crate::data::Levels;
use crate::inject::{Injected, KINDS};
use crate::methods::Outcome;

/// Scores of one method on one injected frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct Scores {
    /// Per kind (order of [`KINDS`]): counted defects (see [`Injected::counted`]).
    pub counted: [usize; 4],
    /// Per kind: counted defects the method flagged.
    pub found: [usize; 4],
    /// Flagged pixels.
    pub flagged: usize,
    /// Flagged pixels that were injected.
    pub flagged_injected: usize,
    /// Pixels changed that were not injected, per megapixel.
    pub false_per_mp: f64,
    /// PSNR (dB) of the injected frame against the clean one.
    pub psnr_before: f64,
    /// PSNR (dB) of the method's output against the clean one.
    pub psnr_after: f64,
}

impl Scores {
    /// Found / counted for kind index `kind` (order of [`KINDS`]), 1 when none counted.
    pub fn recall(&self, kind: usize) -> f64 {
        if self.counted[kind] == 0 {
            1.0
        } else {
            self.found[kind] as f64 / self.counted[kind] as f64
        }
    }

    /// Flagged and injected / flagged, 1 when nothing is flagged.
    pub fn precision(&self) -> f64 {
        if self.flagged == 0 {
            1.0
        } else {
            self.flagged_injected as f64 / self.flagged as f64
        }
    }
}

/// PSNR of `a` against `b`, peak `peak`.
pub fn psnr(a: &[u16], b: &[u16], peak: f64) -> f64 {
    let se: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = f64::from(x) - f64::from(y);
            d * d
        })
        .sum();
    if se == 0.0 {
        return f64::INFINITY;
    }
    let mse = se / a.len() as f64;
    10.0 * (peak * peak / mse).log10()
}

/// Scores `outcome` of a method run on `injected_frame` (the clean frame with the
/// `injected` defects).
pub fn score(
    clean: &[u16],
    injected_frame: &[u16],
    injected: &[Injected],
    outcome: &Outcome,
    width: usize,
    levels: Levels,
) -> Scores {
    let mut s = Scores::default();
    let mut is_injected = vec![false; clean.len()];
    for d in injected {
        let i = d.y as usize * width + d.x as usize;
        is_injected[i] = true;
        if d.counted {
            let k = KINDS.iter().position(|&k| k == d.kind).unwrap_or(0);
            s.counted[k] += 1;
            if outcome.flagged[i] {
                s.found[k] += 1;
            }
        }
    }
    let mut false_changes = 0usize;
    for i in 0..clean.len() {
        if outcome.flagged[i] {
            s.flagged += 1;
            if is_injected[i] {
                s.flagged_injected += 1;
            }
        }
        if !is_injected[i] && outcome.output[i] != injected_frame[i] {
            false_changes += 1;
        }
    }
    s.false_per_mp = false_changes as f64 * 1e6 / clean.len() as f64;
    let peak = f64::from(levels.white);
    s.psnr_before = psnr(injected_frame, clean, peak);
    s.psnr_after = psnr(&outcome.output, clean, peak);
    s
}

/// Pixels a method changed on a clean frame, per megapixel.
pub fn false_per_mp(clean: &[u16], outcome: &Outcome) -> f64 {
    let changed = clean
        .iter()
        .zip(&outcome.output)
        .filter(|(a, b)| a != b)
        .count();
    changed as f64 * 1e6 / clean.len() as f64
}

/// How well a repair did on one frame, judged against the clean frame and the ground
/// truth (see [`score_repair`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RepairScore {
    /// Defective pixels in the frame (ground truth).
    pub injected: usize,
    /// Defective pixels whose value the defect actually changed (a stuck pixel can
    /// happen to read its true value; a weak one in black reads black anyway).
    pub visible: usize,
    /// Visible defects the repair changed.
    pub found: usize,
    /// Visible defects the repair left as they were.
    pub missed: usize,
    /// Found defects now closer to the true value than half their original error.
    pub repaired: usize,
    /// Good pixels (not defective) the repair changed.
    pub good_touched: usize,
    /// Sum over touched good pixels of |repaired − original|.
    pub good_change: u64,
    /// Sum over visible defects of |defective − true|.
    pub error_before: u64,
    /// Sum over visible defects of |repaired − true|.
    pub error_after: u64,
}

impl RepairScore {
    /// Found / visible, 1 when nothing is visible.
    pub fn recall(&self) -> f64 {
        if self.visible == 0 {
            1.0
        } else {
            self.found as f64 / self.visible as f64
        }
    }
}

/// Compares three views of one frame: `clean` (before defects), `before` (with
/// defects), `after` (repaired), with `truth` marking the defective pixels.
pub fn score_repair(
    clean: &PlaneRef<'_>,
    before: &PlaneRef<'_>,
    after: &PlaneRef<'_>,
    truth: &Mask,
) -> RepairScore {
    let f = clean.plane();
    let mut s = RepairScore::default();
    for y in 0..f.height {
        for x in 0..f.width {
            let (c, b, a) = (clean.get(x, y), before.get(x, y), after.get(x, y));
            if truth.get(x, y) {
                s.injected += 1;
                if b != c {
                    s.visible += 1;
                    s.error_before += u64::from(b.abs_diff(c));
                    s.error_after += u64::from(a.abs_diff(c));
                    if a != b {
                        s.found += 1;
                        if 2 * a.abs_diff(c) < b.abs_diff(c) {
                            s.repaired += 1;
                        }
                    } else {
                        s.missed += 1;
                    }
                }
            } else if a != b {
                s.good_touched += 1;
                s.good_change += u64::from(a.abs_diff(b));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use gstdefectfix::frame::FrameFormat;

    #[test]
    fn score_counts_found_missed_and_touched() {
        let f = FrameFormat::parse("video/x-raw", "GRAY8", 4, 1).unwrap();
        const CLEAN: [u8; 4] = [10, 10, 10, 10];
        const BEFORE: [u8; 4] = [255, 10, 255, 10];
        const AFTER: [u8; 4] = [10, 10, 255, 12];
        let mut truth = Mask::new(4, 1);
        truth.set(0, 0);
        truth.set(1, 0);
        truth.set(2, 0);
        let r = |d: &'static [u8; 4]| PlaneRef::new(d, f.plane(), 4).unwrap();
        let s = score_repair(&r(&CLEAN), &r(&BEFORE), &r(&AFTER), &truth);
        assert_eq!(
            (
                s.injected,
                s.visible,
                s.found,
                s.missed,
                s.repaired,
                s.good_touched
            ),
            (3, 2, 1, 1, 1, 1)
        );
        assert_eq!(
            (s.error_before, s.error_after, s.good_change),
            (490, 245, 2)
        );
    }
}
