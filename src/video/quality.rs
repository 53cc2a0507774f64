//! How a pixel error reads to delivery quality control: how visible it is.
//!
//! QC reports grade a pixel error by what a viewer sees: a spot bright against a dark
//! scene jumps out (the eye judges contrast against the local level, and a display's
//! black hides nothing), and so does one on the subject — the centre of the picture,
//! where framing puts the action and the viewer looks; a faint spot close to its
//! surroundings, or one in a corner of a bright busy picture, is minor.

use std::collections::HashMap;

use super::{Spot, SpotSource};

/// The same three grades as the Bayer path's QC report.
pub use crate::report::Severity;

/// A deviation (fraction of the range) that is severe anywhere.
pub const SEVERE_DEVIATION: f64 = 0.25;
/// The deviation from which a spot is at least moderate (the "visible" line of the
/// evaluation: 5 % of the range).
pub const VISIBLE_DEVIATION: f64 = 0.05;
/// The darkest level contrast is measured against (fraction of the range).
const DARK_FLOOR: f64 = 0.05;

/// What the severity of one spot is judged from (all fractions of the sample range).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Visibility {
    /// Luma deviation from the surroundings (absolute).
    pub luma: f64,
    /// Largest chroma deviation (absolute; for RGB, how far the colour channels depart
    /// from the luma change).
    pub chroma: f64,
    /// Luma level of the surroundings.
    pub level: f64,
    /// Brighter than its surroundings.
    pub bright: bool,
    /// In the central quarter of the picture (middle half of width and height).
    pub central: bool,
}

/// Whether frame pixel (`x`, `y`) lies on the subject: the middle half of the width and
/// of the height.
pub fn is_central(x: u32, y: u32, width: usize, height: usize) -> bool {
    let (x, y) = (x as usize * 4, y as usize * 4);
    x >= width && x < 3 * width && y >= height && y < 3 * height
}

/// The QC severity of a spot.
pub fn severity(v: &Visibility) -> Severity {
    let deviation = v.luma.max(v.chroma);
    // Contrast of a bright spot against its (dark) surroundings.
    let contrast = if v.bright {
        v.luma / v.level.max(DARK_FLOOR)
    } else {
        0.0
    };
    if deviation >= SEVERE_DEVIATION
        || (deviation >= VISIBLE_DEVIATION && (contrast >= 1.0 || v.central))
    {
        Severity::Severe
    } else if deviation >= VISIBLE_DEVIATION || contrast >= 0.5 {
        Severity::Moderate
    } else {
        Severity::Minor
    }
}

/// What is known of one spot position over a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositionStats {
    /// Frame pixel.
    pub x: u32,
    pub y: u32,
    /// Frames in which it was repaired (or would have been, in detect mode).
    pub frames: u64,
    pub first_frame: u64,
    pub last_frame: u64,
    pub worst: Severity,
    /// Whether the defect map lists it (else the temporal stage confirmed it).
    pub listed: bool,
}

/// The most positions a summary follows (bounded memory on any input).
pub const MAX_POSITIONS: usize = 1 << 20;

/// Spot positions over a stream, for the end-of-stream QC report.
#[derive(Debug, Default)]
pub struct Summary {
    frames: u64,
    positions: HashMap<(u32, u32), PositionStats>,
    dropped: u64,
}

impl Summary {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one frame's spots.
    pub fn add_frame(&mut self, spots: &[Spot]) {
        self.frames += 1;
        let frame = self.frames;
        for s in spots {
            let room = self.positions.len() < MAX_POSITIONS;
            match self.positions.get_mut(&(s.x, s.y)) {
                Some(p) => {
                    p.frames += 1;
                    p.last_frame = frame;
                    p.worst = p.worst.max(s.severity);
                    p.listed |= s.source == SpotSource::Map;
                }
                None if room => {
                    self.positions.insert(
                        (s.x, s.y),
                        PositionStats {
                            x: s.x,
                            y: s.y,
                            frames: 1,
                            first_frame: frame,
                            last_frame: frame,
                            worst: s.severity,
                            listed: s.source == SpotSource::Map,
                        },
                    );
                }
                None => self.dropped += 1,
            }
        }
    }

    /// Frames added.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Distinct positions seen.
    pub fn distinct(&self) -> usize {
        self.positions.len()
    }

    /// Spots not followed because [`MAX_POSITIONS`] were followed already.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Positions, worst severity first, then by frame count, then row-major.
    pub fn positions(&self) -> Vec<PositionStats> {
        let mut all: Vec<PositionStats> = self.positions.values().copied().collect();
        all.sort_by(|a, b| (b.worst, b.frames, a.y, a.x).cmp(&(a.worst, a.frames, b.y, b.x)));
        all
    }

    /// Distinct positions per worst severity: (minor, moderate, severe).
    pub fn severity_counts(&self) -> (usize, usize, usize) {
        self.positions
            .values()
            .fold((0, 0, 0), |(mi, mo, se), p| match p.worst {
                Severity::Minor => (mi + 1, mo, se),
                Severity::Moderate => (mi, mo + 1, se),
                Severity::Severe => (mi, mo, se + 1),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vis(luma: f64, chroma: f64, level: f64, bright: bool, central: bool) -> Visibility {
        Visibility {
            luma,
            chroma,
            level,
            bright,
            central,
        }
    }

    #[test]
    fn follows_the_delivery_qc_reading() {
        // Bright on a dark scene: severe, even off-centre.
        assert_eq!(
            severity(&vis(0.08, 0.0, 0.06, true, false)),
            Severity::Severe
        );
        // The same step on a bright area off-centre: moderate; on the subject: severe.
        assert_eq!(
            severity(&vis(0.08, 0.0, 0.6, true, false)),
            Severity::Moderate
        );
        assert_eq!(severity(&vis(0.08, 0.0, 0.6, true, true)), Severity::Severe);
        // A faint spot close to its surroundings: minor, wherever it is.
        assert_eq!(severity(&vis(0.02, 0.01, 0.5, true, true)), Severity::Minor);
        assert_eq!(
            severity(&vis(0.02, 0.0, 0.5, false, false)),
            Severity::Minor
        );
        // A strong colour error with little luma change is still visible.
        assert_eq!(
            severity(&vis(0.01, 0.12, 0.5, false, false)),
            Severity::Moderate
        );
        // Far off anything: severe.
        assert_eq!(
            severity(&vis(0.4, 0.0, 0.9, false, false)),
            Severity::Severe
        );
        assert!(is_central(50, 50, 100, 100) && !is_central(10, 50, 100, 100));
    }
}
