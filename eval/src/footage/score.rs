//! Scores of one frame, and their pooling over frames and sequences.
//!
//! Everything is compared with the clean frame (the same exposure without defects):
//! - a defect pixel is *visible* when the input is more than 3 σ (the frame's noise at
//!   that level, quantisation included) away from the clean frame, and *repaired* when
//!   the output is at most half as far from it as the input was;
//! - a *false change* is a pixel with no defect whose output differs from the input
//!   (counted per megapixel, all of them and those by more than 3 % of the range);
//! - a star is *altered* when one of its watched pixels (its brightest, and those
//!   within 2 σ of its centre), not being a defect, changed by more than 3 % of the
//!   range;
//! - PSNR (peak = white − black) of the input, the output and the oracle's output.

use super::defects::{CATEGORIES, DefectSet};
use super::sensor::Sensor;
use super::stars::Watched;

/// Categories of [`CATEGORIES`].
pub const N: usize = CATEGORIES.len();

/// A change counted as large: 3 % of the range.
pub const LARGE: f64 = 0.03;

/// PSNR reported for identical frames.
const PSNR_CAP: f64 = 99.0;

/// The scores of one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FrameScore {
    /// 1-based.
    pub frame: usize,
    /// Visible defect pixels per category, and of those the repaired ones (by the
    /// element, by the oracle).
    pub visible: [u32; N],
    pub repaired: [u32; N],
    pub oracle_repaired: [u32; N],
    /// Pixels with no defect that the element changed, and those by more than 3 %.
    pub false_changes: u32,
    pub false_large: u32,
    pub pixels: u32,
    /// Stars scored, and of those the altered ones.
    pub stars: u32,
    pub stars_altered: u32,
    pub psnr_in: f64,
    pub psnr_out: f64,
    pub psnr_oracle: f64,
}

impl FrameScore {
    /// False changes per megapixel.
    pub fn false_per_mp(&self) -> f64 {
        f64::from(self.false_changes) * 1e6 / f64::from(self.pixels.max(1))
    }

    /// False changes by more than 3 % of the range, per megapixel.
    pub fn large_per_mp(&self) -> f64 {
        f64::from(self.false_large) * 1e6 / f64::from(self.pixels.max(1))
    }
}

/// The frames one frame is scored from.
pub struct Frames<'a> {
    pub clean: &'a [u16],
    pub input: &'a [u16],
    pub output: &'a [u16],
    pub oracle: &'a [u16],
}

/// Scores frame `frame` (1-based).
pub fn score_frame(
    frame: usize,
    sensor: &Sensor,
    defects: &DefectSet,
    f: &Frames<'_>,
    watched: &[Watched],
) -> FrameScore {
    let mut s = FrameScore {
        frame,
        pixels: f.clean.len() as u32,
        ..FrameScore::default()
    };
    let black = f64::from(sensor.black);
    let large = LARGE * sensor.range();
    let dist = |a: u16, b: u16| f64::from(a.abs_diff(b));
    for d in &defects.defects {
        let i = d.y as usize * sensor.format.width + d.x as usize;
        let error = dist(f.input[i], f.clean[i]);
        if error <= 3.0 * sensor.sigma(f64::from(f.clean[i]) - black) {
            continue;
        }
        let c = d.category();
        s.visible[c] += 1;
        if dist(f.output[i], f.clean[i]) <= 0.5 * error {
            s.repaired[c] += 1;
        }
        if dist(f.oracle[i], f.clean[i]) <= 0.5 * error {
            s.oracle_repaired[c] += 1;
        }
    }
    for (i, (&a, &b)) in f.input.iter().zip(f.output).enumerate() {
        if a != b && defects.at(i).is_none() {
            s.false_changes += 1;
            if dist(a, b) > large {
                s.false_large += 1;
            }
        }
    }
    s.stars = watched.len() as u32;
    s.stars_altered = watched
        .iter()
        .filter(|w| {
            w.pixels
                .iter()
                .any(|&i| defects.at(i).is_none() && dist(f.input[i], f.output[i]) > large)
        })
        .count() as u32;
    let peak = sensor.range();
    s.psnr_in = psnr(f.input, f.clean, peak);
    s.psnr_out = psnr(f.output, f.clean, peak);
    s.psnr_oracle = psnr(f.oracle, f.clean, peak);
    s
}

/// PSNR of `a` against `b` with peak `peak`, capped at 99 dB (identical frames).
pub fn psnr(a: &[u16], b: &[u16], peak: f64) -> f64 {
    crate::score::psnr(a, b, peak).min(PSNR_CAP)
}

/// Frame (1-based) from which recall is pooled on moving paths.
pub const RECALL_FROM: usize = 10;
/// Frame from which the static path's recall is pooled.
pub const STATIC_RECALL_FROM: usize = 31;
/// Frame from which false changes are held to their targets.
pub const FALSE_FROM: usize = 5;

/// Scores pooled over frames (and sequences).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pool {
    pub sequences: usize,
    pub frames: usize,
    /// From frame [`RECALL_FROM`] on: visible and repaired per category.
    pub visible: [u64; N],
    pub repaired: [u64; N],
    pub oracle_repaired: [u64; N],
    /// Same from frame [`STATIC_RECALL_FROM`] on.
    pub late_visible: [u64; N],
    pub late_repaired: [u64; N],
    /// Largest false changes per MP from frame [`FALSE_FROM`] on (all, large).
    pub worst_false: f64,
    pub worst_large: f64,
    /// Star scores over every frame: stars scored, altered, frames with any altered.
    pub stars: u64,
    pub stars_altered: u64,
    pub frames_altering: usize,
    /// PSNR sums over every frame.
    pub psnr_in: f64,
    pub psnr_out: f64,
    pub psnr_oracle: f64,
    /// Frames whose output is not above the input in PSNR.
    pub not_above_input: usize,
    /// Frames from [`RECALL_FROM`] on, and of those the ones more than 1 dB below the
    /// oracle.
    pub late_frames: usize,
    pub behind_oracle: usize,
}

impl Pool {
    /// Adds one frame.
    pub fn add(&mut self, s: &FrameScore) {
        self.frames += 1;
        if s.frame >= RECALL_FROM {
            for c in 0..N {
                self.visible[c] += u64::from(s.visible[c]);
                self.repaired[c] += u64::from(s.repaired[c]);
                self.oracle_repaired[c] += u64::from(s.oracle_repaired[c]);
            }
            self.late_frames += 1;
            if s.psnr_out < s.psnr_oracle - 1.0 {
                self.behind_oracle += 1;
            }
        }
        if s.frame >= STATIC_RECALL_FROM {
            for c in 0..N {
                self.late_visible[c] += u64::from(s.visible[c]);
                self.late_repaired[c] += u64::from(s.repaired[c]);
            }
        }
        if s.frame >= FALSE_FROM {
            self.worst_false = self.worst_false.max(s.false_per_mp());
            self.worst_large = self.worst_large.max(s.large_per_mp());
        }
        self.stars += u64::from(s.stars);
        self.stars_altered += u64::from(s.stars_altered);
        if s.stars_altered > 0 {
            self.frames_altering += 1;
        }
        self.psnr_in += s.psnr_in;
        self.psnr_out += s.psnr_out;
        self.psnr_oracle += s.psnr_oracle;
        if s.psnr_out <= s.psnr_in {
            self.not_above_input += 1;
        }
    }

    /// Adds a whole sequence.
    pub fn add_sequence(&mut self, frames: &[FrameScore]) {
        self.sequences += 1;
        for s in frames {
            self.add(s);
        }
    }

    /// Share of visible defects of category `c` repaired from frame 10 (None if none
    /// were visible).
    pub fn recall(&self, c: usize) -> Option<f64> {
        ratio(self.repaired[c], self.visible[c])
    }

    /// Same for the oracle.
    pub fn oracle_recall(&self, c: usize) -> Option<f64> {
        ratio(self.oracle_repaired[c], self.visible[c])
    }

    /// Same from frame 31 (for the static path).
    pub fn late_recall(&self, c: usize) -> Option<f64> {
        ratio(self.late_repaired[c], self.late_visible[c])
    }

    /// Mean PSNR of the input, the output and the oracle.
    pub fn mean_psnr(&self) -> (f64, f64, f64) {
        let n = self.frames.max(1) as f64;
        (self.psnr_in / n, self.psnr_out / n, self.psnr_oracle / n)
    }
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psnr_is_capped_and_falls_with_error() {
        let a = vec![10u16; 100];
        assert_eq!(psnr(&a, &a, 255.0), PSNR_CAP);
        let mut b = a.clone();
        b[0] = 20;
        let one = psnr(&b, &a, 255.0);
        b[1] = 20;
        assert!(psnr(&b, &a, 255.0) < one);
    }
}
