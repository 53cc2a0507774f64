//! Column defects: a whole column of photosites that reads dark, bright or with the
//! wrong gain — a failed column amplifier or readout line of a CMOS sensor.
//!
//! Pixel by pixel a defective column hides from every other test: each of its pixels
//! has two defective same-colour neighbours (above and below), so it is never the
//! extreme of its neighbourhood. As a line it is plain: along the whole column a pixel
//! stands beyond *both* same-colour neighbours of its row (`x ± pitch`), always on the
//! same side. A scene's texture does that on a few rows of a column at most; a straight
//! vertical line of the scene can do it along a column, but a lens spreads such a line
//! into the adjacent columns (of the other colours), which then stand out the same way
//! from the columns beyond them — a failed column leaves its neighbours alone.
//!
//! Each *line* — a column's pixels of one colour, i.e. of one row parity on a Bayer
//! sensor — is judged on about [`JUDGED_ROWS`] of its rows, every frame. A frame votes
//! for a defect when, of the rows that can show one, at least [`DEFECT_SHARE`] stand
//! beyond both neighbours on the same side and few of those look like a lens's spread;
//! it votes against when at most [`GOOD_SHARE`] do. [`CONFIRM_VOTES`] votes net confirm a
//! line, and every pixel of it is repaired from then on (from its neighbours along the
//! row); a confirmed line whose votes fall to 0 is released.

use crate::detect::{LENS_SHARE, NoiseModel};
use crate::frame::Cfa;

/// Rows of a line judged per frame: about this many, evenly spread (all of them on
/// frames with fewer); enough for the shares below to be steady, few enough that the
/// test costs a small fraction of a pass over the frame.
const JUDGED_ROWS: usize = 128;
/// Least difference from both row neighbours, in noise σ of a difference of a pixel
/// and the mean of two others (√1.5 σ), for a row to count as beyond them.
const MARGIN_SIGMAS: f64 = 3.0;
/// Share of the judged rows beyond both neighbours on one side for a frame to vote for
/// a defect. A good column in textured scenes reaches a fraction of it (local extremes
/// of texture are rare along a whole column, and beyond a 3 σ margin rarer still).
const DEFECT_SHARE: f64 = 0.8;
/// Share at or below which a frame votes against a defect.
const GOOD_SHARE: f64 = 0.4;
/// Share of the rows beyond their neighbours whose adjacent columns rise (or fall) the
/// same way, from which the line is a lens-spread line of the scene.
const LENS_ROWS_SHARE: f64 = 0.3;
/// Least rows that can show a defect for a frame to vote at all (and at least an
/// eighth of the judged rows).
const MIN_ROWS: usize = 16;
/// Net votes that confirm a line; votes are capped at twice as many.
const CONFIRM_VOTES: u8 = 4;

/// One line's counts in one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineCounts {
    /// Rows judged.
    pub rows: usize,
    /// Rows that could show a dark defect (their neighbours stand above the noise floor
    /// by the margin) and that could show a bright one (below the clip level by it).
    pub can_dark: usize,
    pub can_bright: usize,
    /// Rows beyond both neighbours, below and above.
    pub dark: usize,
    pub bright: usize,
    /// Of those, rows whose adjacent columns stand beyond their own outer neighbours the
    /// same way (a lens's spread).
    pub dark_lens: usize,
    pub bright_lens: usize,
}

/// What one frame says of a line, on one side (dark or bright).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineVote {
    /// Beyond its row neighbours along the line, and not as a lens spreads a line.
    Defect,
    /// Rarely beyond them.
    Good,
    /// The frame cannot tell: too few rows could show it, or the share is in between.
    Unknown,
}

impl LineCounts {
    /// The frame's votes on the dark and the bright side.
    pub fn votes(&self) -> [LineVote; 2] {
        let least = MIN_ROWS.max(self.rows / 8);
        let judge = |beyond: usize, lens: usize, can: usize| {
            if can < least {
                return LineVote::Unknown;
            }
            let share = beyond as f64 / can as f64;
            let optical = lens as f64 > LENS_ROWS_SHARE * beyond as f64;
            if share >= DEFECT_SHARE && !optical {
                LineVote::Defect
            } else if share <= GOOD_SHARE {
                LineVote::Good
            } else {
                LineVote::Unknown
            }
        };
        [
            judge(self.dark, self.dark_lens, self.can_dark),
            judge(self.bright, self.bright_lens, self.can_bright),
        ]
    }
}

/// Counts line (`x`, `parity`) of a `width`×`height` frame of pattern `cfa`, read by
/// `read(x, y)`, with `noise`; `floor` is the lowest level a pixel reads (black, or the
/// frame's least value) and `clip` the highest.
#[allow(clippy::too_many_arguments)]
pub fn count_line(
    read: &impl Fn(usize, usize) -> u16,
    cfa: Cfa,
    x: usize,
    parity: usize,
    height: usize,
    noise: &NoiseModel,
    floor: u16,
    clip: u16,
) -> LineCounts {
    let pitch = cfa.pitch();
    let step = judged_step(pitch, height);
    let mut n = LineCounts::default();
    let mut y = parity;
    let spread = |c: i32, a: i32, b: i32| c - (a + b) / 2;
    while y < height {
        let (l, c, r) = (
            i32::from(read(x - pitch, y)),
            i32::from(read(x, y)),
            i32::from(read(x + pitch, y)),
        );
        let level = f64::from((l + r) / 2);
        let sigma = noise.sigma(cfa.plane_index(x, y), level) * 1.5f64.sqrt();
        let margin = (MARGIN_SIGMAS * sigma).ceil().max(1.0) as i32;
        n.rows += 1;
        // The lens test reads the adjacent columns (the other colours) against the
        // columns beyond them, on the same side as the line's pixel.
        let adjacent = |sign: i32, least: i32| {
            let (a, b) = (
                i32::from(read(x - 1, y)) - i32::from(read(x - 3, y)),
                i32::from(read(x + 1, y)) - i32::from(read(x + 3, y)),
            );
            sign * a >= least && sign * b >= least
        };
        if l.min(r) - i32::from(floor) >= 2 * margin {
            n.can_dark += 1;
            if c <= l.min(r) - margin {
                n.dark += 1;
                let least = (LENS_SHARE * f64::from(-spread(c, l, r))).ceil() as i32;
                if adjacent(-1, least.max(margin)) {
                    n.dark_lens += 1;
                }
            }
        }
        if i32::from(clip) - l.max(r) >= 2 * margin {
            n.can_bright += 1;
            if c >= l.max(r) + margin {
                n.bright += 1;
                let least = (LENS_SHARE * f64::from(spread(c, l, r))).ceil() as i32;
                if adjacent(1, least.max(margin)) {
                    n.bright_lens += 1;
                }
            }
        }
        y += step;
    }
    n
}

/// Rows between the judged rows of a line (a multiple of the pattern's pitch, so a
/// line keeps its colour).
fn judged_step(pitch: usize, height: usize) -> usize {
    pitch * (height / pitch / JUDGED_ROWS).max(1)
}

/// The evidence of every line of a frame: a vote count per line, and the confirmed
/// lines.
#[derive(Debug)]
pub struct ColumnEvidence {
    cfa: Cfa,
    width: usize,
    height: usize,
    /// Net votes per line and side (dark, bright), index `x · pitch + parity`.
    votes: Vec<[u8; 2]>,
    confirmed: Vec<bool>,
    /// Confirmed lines as (column, parity), ascending.
    lines: Vec<(u32, u32)>,
}

impl ColumnEvidence {
    pub fn new(cfa: Cfa, width: usize, height: usize) -> Self {
        let lines = width * cfa.pitch();
        ColumnEvidence {
            cfa,
            width,
            height,
            votes: vec![[0; 2]; lines],
            confirmed: vec![false; lines],
            lines: Vec::new(),
        }
    }

    /// Confirmed lines as (column, row parity: 0 for a monochrome sensor's column),
    /// ascending.
    pub fn lines(&self) -> &[(u32, u32)] {
        &self.lines
    }

    /// Judges every line of one frame (`read` its samples, `noise` its model, `clip`
    /// its highest level; its lowest is the least value on the rows judged, which a
    /// dead photosite or a shadow brings down to black). Returns whether the confirmed
    /// lines changed.
    pub fn observe(
        &mut self,
        read: &impl Fn(usize, usize) -> u16,
        noise: &NoiseModel,
        clip: u16,
    ) -> bool {
        let pitch = self.cfa.pitch();
        // The lens test reads 3 columns out.
        if self.width < 7 || self.height < pitch {
            return false;
        }
        let step = judged_step(pitch, self.height);
        let floor = (0..self.height)
            .step_by(step)
            .flat_map(|y| (0..self.width).map(move |x| (x, y)))
            .map(|(x, y)| read(x, y))
            .min()
            .unwrap_or(0);
        let mut changed = false;
        for x in 3..self.width - 3 {
            for parity in 0..pitch {
                let counts = count_line(read, self.cfa, x, parity, self.height, noise, floor, clip);
                let i = x * pitch + parity;
                let votes = &mut self.votes[i];
                for (side, vote) in counts.votes().into_iter().enumerate() {
                    let v = &mut votes[side];
                    match vote {
                        LineVote::Defect => *v = (*v + 1).min(2 * CONFIRM_VOTES),
                        LineVote::Good => *v = v.saturating_sub(2),
                        LineVote::Unknown => {}
                    }
                }
                let most = votes[0].max(votes[1]);
                let now = if self.confirmed[i] {
                    most > 0
                } else {
                    most >= CONFIRM_VOTES
                };
                changed |= now != self.confirmed[i];
                self.confirmed[i] = now;
            }
        }
        if changed {
            self.lines = (0..self.votes.len())
                .filter(|&i| self.confirmed[i])
                .map(|i| ((i / pitch) as u32, (i % pitch) as u32))
                .collect();
        }
        changed
    }

    /// The pixels of the confirmed lines, appended to `out` (unordered).
    pub fn pixels(&self, out: &mut Vec<(u32, u32)>) {
        let pitch = self.cfa.pitch();
        for &(x, parity) in &self.lines {
            out.extend(
                (parity as usize..self.height)
                    .step_by(pitch)
                    .map(|y| (x, y as u32)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A textured Bayer-like scene: smooth gradients plus fine texture of ±`texture`.
    fn scene(x: usize, y: usize, texture: i32) -> u16 {
        let base = 300 + (x as i32 * 3 + y as i32 * 2) % 400;
        let fine = ((x * 7919 + y * 104729) % 17) as i32 - 8;
        (base + fine * texture / 8).clamp(0, 4095) as u16
    }

    #[test]
    fn a_dead_column_votes_dark_a_textured_scene_good() {
        let (w, h) = (64, 256);
        let noise = NoiseModel::flat(2.0);
        let dead = 21;
        let read = |x: usize, y: usize| if x == dead { 0 } else { scene(x, y, 40) };
        for x in 3..w - 3 {
            for parity in 0..2 {
                let n = count_line(&read, Cfa::Rggb, x, parity, h, &noise, 0, 4095);
                let [dark, bright] = n.votes();
                if x == dead {
                    assert_eq!(dark, LineVote::Defect, "column {x} parity {parity}: {n:?}");
                } else {
                    // Beside the dead column only one side can be judged.
                    assert_ne!(dark, LineVote::Defect, "column {x} parity {parity}: {n:?}");
                    if x.abs_diff(dead) != 2 {
                        assert_eq!(dark, LineVote::Good, "column {x} parity {parity}: {n:?}");
                    }
                }
                assert_ne!(
                    bright,
                    LineVote::Defect,
                    "column {x} parity {parity}: {n:?}"
                );
            }
        }
    }

    #[test]
    fn a_bright_column_votes_bright_and_a_lens_spread_line_does_not() {
        let (h, noise) = (256, NoiseModel::flat(2.0));
        // A column 150 DN brighter than the scene.
        let read = |x: usize, y: usize| scene(x, y, 20) + if x == 30 { 150 } else { 0 };
        let n = count_line(&read, Cfa::Grbg, 30, 1, h, &noise, 0, 4095);
        assert_eq!(n.votes()[1], LineVote::Defect, "{n:?}");
        // A bright vertical line of the scene, spread by the lens over the adjacent
        // columns (40 % of its light) and a little beyond (5 %).
        let spread = |x: usize| match x.abs_diff(30) {
            0 => 150,
            1 => 60,
            2 => 8,
            _ => 0,
        };
        let read = |x: usize, y: usize| scene(x, y, 20) + spread(x);
        let n = count_line(&read, Cfa::Grbg, 30, 1, h, &noise, 0, 4095);
        assert_ne!(n.votes()[1], LineVote::Defect, "{n:?}");
    }

    #[test]
    fn a_dark_frame_cannot_tell_and_votes_nothing() {
        let read = |x: usize, _y: usize| if x == 20 { 0 } else { 3 };
        let n = count_line(&read, Cfa::Mono, 20, 0, 256, &NoiseModel::flat(2.0), 0, 255);
        assert_eq!(n.votes()[0], LineVote::Unknown, "{n:?}");
    }

    #[test]
    fn four_frames_confirm_a_line_and_good_frames_release_it() {
        let (w, h) = (40, 128);
        let noise = NoiseModel::flat(2.0);
        let mut e = ColumnEvidence::new(Cfa::Rggb, w, h);
        let dead = |x: usize, y: usize| {
            if x == 12 && y % 2 == 1 {
                0
            } else {
                scene(x, y, 30)
            }
        };
        for frame in 1..=4 {
            let changed = e.observe(&dead, &noise, 4095);
            assert_eq!(changed, frame == 4, "frame {frame}");
        }
        assert_eq!(e.lines(), [(12, 1)]);
        let mut pixels = Vec::new();
        e.pixels(&mut pixels);
        assert_eq!(pixels.len(), h / 2);
        assert!(pixels.iter().all(|&(x, y)| x == 12 && y % 2 == 1));
        // Healthy again (repaired upstream): released after a few good frames.
        let healthy = |x: usize, y: usize| scene(x, y, 30);
        let released = (0..8).position(|_| e.observe(&healthy, &noise, 4095));
        assert!(released.is_some());
        assert!(e.lines().is_empty());
    }
}
