//! What quality control needs to know about the defects found: how visible each one is,
//! and, over a stream, which positions keep coming back.

use std::collections::HashMap;
use std::fmt;

use crate::engine::{FoundDefect, Source};
use crate::frame::Position;

/// How visible a defect is to a viewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Close to its surroundings: hard to see.
    Minor,
    /// Visible on a close look.
    Moderate,
    /// Stands out: a bright defect on a dark area, or far off its surroundings anywhere.
    Severe,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Moderate => "moderate",
            Severity::Severe => "severe",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Deviation (fraction of the range) that is severe on any background.
const SEVERE_DEVIATION: f64 = 0.25;
/// Deviation below which a defect is minor unless its background is dark.
const MODERATE_DEVIATION: f64 = 0.05;
/// The darkest background the contrast is measured against (fraction of the range):
/// below it the eye, and the display's black, no longer tell levels apart.
const DARK_FLOOR: f64 = 0.05;

/// Severity of a pixel at `value` whose surroundings say `expected`, on a scale whose
/// white is `white`: the deviation matters against the full range, and, as a
/// contrast, against the local level (a 5 % step is glaring on black, faint on white).
pub fn severity(value: u16, expected: u16, white: u16) -> Severity {
    let white = f64::from(white.max(1));
    let deviation = f64::from(value.abs_diff(expected)) / white;
    let level = f64::from(expected) / white;
    let contrast = deviation / level.max(DARK_FLOOR);
    if deviation >= SEVERE_DEVIATION || (deviation >= MODERATE_DEVIATION && contrast >= 1.0) {
        Severity::Severe
    } else if deviation >= MODERATE_DEVIATION || contrast >= 0.5 {
        Severity::Moderate
    } else {
        Severity::Minor
    }
}

/// Severity of a defect of the last frame (unrepairable ones count as severe: nothing
/// could be said about their surroundings).
pub fn defect_severity(d: &FoundDefect, white: u16) -> Severity {
    d.estimate
        .map_or(Severity::Severe, |e| severity(d.value, e, white))
}

/// Why a defect got its severity, in the words of a QC report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Far off its surroundings, on any background.
    FarOff,
    /// Brighter than a dark scene by at least the scene's own level.
    BrightOnDark,
    /// A dark hole in a dim area, as deep as the area is bright.
    DarkOnDim,
    /// Visible, and on the subject (the centre of the picture).
    OnSubject,
    /// No healthy neighbour to judge it against (left unrepaired).
    Unrepairable,
    /// Visible on a close look.
    Visible,
    /// Visible mostly as a colour error.
    Colour,
    /// A small step that still stands out on a dark area.
    OnDarkArea,
    /// Close to its surroundings.
    Faint,
}

impl Reason {
    /// The words of the report.
    pub fn text(self) -> &'static str {
        match self {
            Reason::FarOff => "far off its surroundings",
            Reason::BrightOnDark => "bright on a dark scene",
            Reason::DarkOnDim => "dark on a dim area",
            Reason::OnSubject => "on the subject",
            Reason::Unrepairable => "no healthy neighbour to repair it from",
            Reason::Visible => "visible on a close look",
            Reason::Colour => "a visible colour error",
            Reason::OnDarkArea => "stands out on a dark area",
            Reason::Faint => "faint",
        }
    }

    /// The severity this reason gives.
    pub fn severity(self) -> Severity {
        match self {
            Reason::FarOff
            | Reason::BrightOnDark
            | Reason::DarkOnDim
            | Reason::OnSubject
            | Reason::Unrepairable => Severity::Severe,
            Reason::Visible | Reason::Colour | Reason::OnDarkArea => Severity::Moderate,
            Reason::Faint => Severity::Minor,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// Why [`severity`] grades a pixel at `value` among surroundings at `expected` as it
/// does (`reason(..).severity() == severity(..)`).
pub fn severity_reason(value: u16, expected: u16, white: u16) -> Reason {
    let white = f64::from(white.max(1));
    let deviation = f64::from(value.abs_diff(expected)) / white;
    let level = f64::from(expected) / white;
    let contrast = deviation / level.max(DARK_FLOOR);
    let stands_out = deviation >= MODERATE_DEVIATION && contrast >= 1.0;
    if stands_out && value > expected {
        Reason::BrightOnDark
    } else if deviation >= SEVERE_DEVIATION {
        Reason::FarOff
    } else if stands_out {
        Reason::DarkOnDim
    } else if deviation >= MODERATE_DEVIATION {
        Reason::Visible
    } else if contrast >= 0.5 {
        Reason::OnDarkArea
    } else {
        Reason::Faint
    }
}

/// [`severity_reason`] of a defect of the last frame.
pub fn defect_reason(d: &FoundDefect, white: u16) -> Reason {
    d.estimate
        .map_or(Reason::Unrepairable, |e| severity_reason(d.value, e, white))
}

/// Whether a position seen in `seen` of `frames` frames is persistent: a defect in at
/// least half of the frames, and in at least 3 (a single frame's detail is not).
pub fn is_persistent(seen: u64, frames: u64) -> bool {
    seen >= 3 && seen * 2 >= frames
}

/// What is known of one position over the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositionStats {
    pub x: u32,
    pub y: u32,
    /// Frames in which it was a defect.
    pub frames: u64,
    pub first_frame: u64,
    pub last_frame: u64,
    pub worst: Severity,
    /// Whether the map or the learned set listed it (else only dynamic detection).
    pub listed: bool,
}

/// One position found in one frame, as a [`Summary`] takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SummarySighting {
    pub x: u32,
    pub y: u32,
    pub severity: Severity,
    /// Listed by the map or the learned set (else only found in this frame).
    pub listed: bool,
}

/// Defect positions over a stream, for the end-of-stream summary (Bayer defects and
/// video spots alike).
#[derive(Debug, Default)]
pub struct Summary {
    frames: u64,
    positions: HashMap<Position, PositionStats>,
    /// Defects not followed because the table was full.
    dropped: u64,
}

/// The most positions a summary follows (bounded memory on any input).
pub const MAX_POSITIONS: usize = 1 << 20;

impl Summary {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one frame's defects.
    pub fn add_frame(&mut self, defects: &[FoundDefect], white: u16) {
        self.add(defects.iter().map(|d| SummarySighting {
            x: d.x,
            y: d.y,
            severity: defect_severity(d, white),
            listed: matches!(d.source, Source::Map | Source::Learned),
        }));
    }

    /// Adds one frame, with what was found in it.
    pub fn add(&mut self, sightings: impl IntoIterator<Item = SummarySighting>) {
        self.frames += 1;
        let frame = self.frames;
        for SummarySighting {
            x,
            y,
            severity,
            listed,
        } in sightings
        {
            let room = self.positions.len() < MAX_POSITIONS;
            match self.positions.get_mut(&Position::new(x, y)) {
                Some(p) => {
                    p.frames += 1;
                    p.last_frame = frame;
                    p.worst = p.worst.max(severity);
                    p.listed |= listed;
                }
                None if room => {
                    self.positions.insert(
                        Position::new(x, y),
                        PositionStats {
                            x,
                            y,
                            frames: 1,
                            first_frame: frame,
                            last_frame: frame,
                            worst: severity,
                            listed,
                        },
                    );
                }
                None => self.dropped += 1,
            }
        }
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Distinct positions seen.
    pub fn distinct(&self) -> usize {
        self.positions.len()
    }

    /// Defects not followed because [`MAX_POSITIONS`] were followed already.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Whether a position is persistent: a defect in at least half of the frames, and
    /// in at least 3 (a single frame's detail is not).
    pub fn is_persistent(&self, p: &PositionStats) -> bool {
        is_persistent(p.frames, self.frames)
    }

    /// Positions, persistent first, then by worst severity and frame count.
    pub fn positions(&self) -> Vec<PositionStats> {
        let mut all: Vec<PositionStats> = self.positions.values().copied().collect();
        all.sort_by(|a, b| {
            (self.is_persistent(b), b.worst, b.frames, a.y, a.x).cmp(&(
                self.is_persistent(a),
                a.worst,
                a.frames,
                b.y,
                b.x,
            ))
        });
        all
    }

    /// Positions that are persistent.
    pub fn persistent(&self) -> usize {
        self.positions
            .values()
            .filter(|p| self.is_persistent(p))
            .count()
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

    #[test]
    fn severity_follows_visibility() {
        // Bright pixel on black: severe.
        assert_eq!(severity(200, 10, 255), Severity::Severe);
        // The same step on a bright area: 190/255 > 0.25 still severe.
        assert_eq!(severity(255, 65, 255), Severity::Severe);
        // A 6 % step on mid-grey: moderate; on black: severe.
        assert_eq!(severity(143, 128, 255), Severity::Moderate);
        assert_eq!(severity(20, 5, 255), Severity::Severe);
        // A 2 % step on mid-grey: minor; on near-black it is a 50 %+ contrast.
        assert_eq!(severity(133, 128, 255), Severity::Minor);
        assert_eq!(severity(12, 5, 255), Severity::Moderate);
        // 16-bit scale behaves the same.
        assert_eq!(severity(133 * 257, 128 * 257, 65535), Severity::Minor);
    }

    #[test]
    fn the_reason_gives_the_severity() {
        for white in [255u16, 4095, 65535] {
            let step = (usize::from(white) / 97).max(1);
            for expected in (0..=white).step_by(step) {
                for value in (0..=white).step_by(step) {
                    assert_eq!(
                        severity_reason(value, expected, white).severity(),
                        severity(value, expected, white),
                        "{value} among {expected} of {white}"
                    );
                }
            }
        }
        assert_eq!(severity_reason(200, 10, 255), Reason::BrightOnDark);
        assert_eq!(severity_reason(250, 180, 255), Reason::FarOff);
        assert_eq!(severity_reason(0, 200, 255), Reason::FarOff);
        assert_eq!(severity_reason(25, 10, 255), Reason::BrightOnDark);
        assert_eq!(severity_reason(0, 20, 255), Reason::DarkOnDim);
        assert_eq!(severity_reason(133, 128, 255), Reason::Faint);
    }

    fn defect(x: u32, y: u32, value: u16, estimate: u16, source: Source) -> FoundDefect {
        FoundDefect {
            x,
            y,
            source,
            value,
            estimate: Some(estimate),
        }
    }

    #[test]
    fn summary_counts_positions_persistence_and_severity() {
        let mut s = Summary::new();
        for f in 0..10 {
            let mut defects = vec![defect(5, 5, 250, 20, Source::Map)];
            if f % 5 == 0 {
                defects.push(defect(9, 1, 140, 128, Source::Hot));
            }
            if f == 3 {
                defects.push(defect(2, 7, 40, 128, Source::Cold));
            }
            s.add_frame(&defects, 255);
        }
        assert_eq!(s.frames(), 10);
        assert_eq!(s.distinct(), 3);
        assert_eq!(s.persistent(), 1);
        assert_eq!(s.severity_counts(), (1, 0, 2));
        let positions = s.positions();
        assert_eq!(
            (positions[0].x, positions[0].y, positions[0].frames),
            (5, 5, 10)
        );
        assert!(positions[0].listed);
        assert_eq!((positions[1].x, positions[1].y), (2, 7));
        assert_eq!(
            (positions[2].x, positions[2].y, positions[2].frames),
            (9, 1, 2)
        );
    }
}
