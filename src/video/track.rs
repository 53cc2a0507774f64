//! Temporal confirmation of spots: a pixel error stays at the same frame position while
//! the picture around it changes; detail moves with the picture (or, in a still
//! picture, gives no evidence either way).
//!
//! The idea is the one of [`crate::temporal`], applied to spots in frame pixels rather
//! than to Bayer photosites. Every spot the spatial test finds gets a *track* at its
//! frame position (a spot seen within one pixel of a track belongs to it: chroma
//! subsampling and the spot's own shape can move its peak by one). A track's
//! *context* is the 8 luma samples at distance 3 around it — outside any spot of up to
//! 5×5 — and evidence counts only in frames where that context changed by more than
//! noise and quantisation explain since the last evidence:
//!
//! - seen again after such a change: +1;
//! - not seen after such a change: −2.
//!
//! At [`PROMOTE`] points a track is *confirmed* (a pixel error: repaired on every frame
//! from then on, whether the spatial test fires or not); a confirmed track whose score
//! falls to [`DEMOTE`] is forgotten. Scores are capped at [`MAX_SCORE`], so a confirmed
//! error survives a few frames in which it happens to match its background. Tracks that
//! stop being seen are dropped, so memory follows the detector's output, not the frame
//! size ([`MAX_TRACKS`] bounds it on any input).

use std::collections::HashMap;

use super::layout::Frame;

/// Points at which a track is confirmed.
pub const PROMOTE: i16 = 4;
/// Score at or below which a confirmed track is forgotten.
pub const DEMOTE: i16 = 0;
/// Highest score a track keeps.
pub const MAX_SCORE: i16 = 12;
/// Frames after which an unconfirmed track not seen again is dropped.
pub const STALE_FRAMES: u64 = 60;
/// The most tracks followed; past it new candidates wait until old ones go.
pub const MAX_TRACKS: usize = 1 << 18;
/// The context must move by at least this fraction of the range (mean absolute change
/// of its 8 samples) to count as a change of the picture…
pub const MIN_CHANGE: f64 = 0.015;
/// …and by at least this many noise standard deviations.
pub const CHANGE_SIGMAS: f64 = 3.0;

/// Distance of the context samples from the track position (luma pixels).
const CONTEXT_DISTANCE: isize = 3;

#[derive(Clone, Copy, Debug)]
struct Track {
    score: i16,
    context: [u16; 8],
    last_seen: u64,
    confirmed: bool,
}

/// What changed in the confirmed set after a frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrackUpdate {
    pub promoted: usize,
    pub forgotten: usize,
}

/// Tracks and the confirmed set for one stream layout.
#[derive(Debug)]
pub struct Tracker {
    width: u32,
    height: u32,
    /// Component whose samples form the context (luma, or G for RGB).
    context_comp: usize,
    tracks: HashMap<(u32, u32), Track>,
    frame: u64,
    confirmed: Vec<(u32, u32)>,
}

impl Tracker {
    /// A tracker for frames `width`×`height` whose context is read from component
    /// `context_comp` (which must be full resolution).
    pub fn new(width: usize, height: usize, context_comp: usize) -> Self {
        Tracker {
            width: width as u32,
            height: height as u32,
            context_comp,
            tracks: HashMap::new(),
            frame: 0,
            confirmed: Vec::new(),
        }
    }

    /// Confirmed positions (frame pixels), row-major.
    pub fn confirmed(&self) -> &[(u32, u32)] {
        &self.confirmed
    }

    /// Tracks followed (confirmed or not).
    pub fn tracks(&self) -> usize {
        self.tracks.len()
    }

    /// Frames observed.
    pub fn frames(&self) -> u64 {
        self.frame
    }

    /// Whether a confirmed track lies within one pixel of (`x`, `y`).
    pub fn is_confirmed_near(&self, x: u32, y: u32) -> bool {
        self.find(x, y)
            .and_then(|k| self.tracks.get(&k))
            .is_some_and(|t| t.confirmed)
    }

    /// Forgets everything (a new stream, or a scene that cannot be followed).
    pub fn clear(&mut self) {
        self.tracks.clear();
        self.confirmed.clear();
    }

    /// The track within one pixel of (`x`, `y`), the nearest first.
    fn find(&self, x: u32, y: u32) -> Option<(u32, u32)> {
        if self.tracks.contains_key(&(x, y)) {
            return Some((x, y));
        }
        const NEAR: [(i32, i32); 8] = [
            (-1, 0),
            (1, 0),
            (0, -1),
            (0, 1),
            (-1, -1),
            (1, -1),
            (-1, 1),
            (1, 1),
        ];
        NEAR.iter().find_map(|&(dx, dy)| {
            let k = (x.checked_add_signed(dx)?, y.checked_add_signed(dy)?);
            self.tracks.contains_key(&k).then_some(k)
        })
    }

    fn context(&self, frame: &Frame<'_>, x: u32, y: u32) -> [u16; 8] {
        const DIRS: [(isize, isize); 8] = [
            (-1, -1),
            (0, -1),
            (1, -1),
            (-1, 0),
            (1, 0),
            (-1, 1),
            (0, 1),
            (1, 1),
        ];
        let (w, h) = (self.width as isize, self.height as isize);
        DIRS.map(|(dx, dy)| {
            let cx = (x as isize + dx * CONTEXT_DISTANCE).clamp(0, w - 1);
            let cy = (y as isize + dy * CONTEXT_DISTANCE).clamp(0, h - 1);
            frame.get(self.context_comp, cx as usize, cy as usize)
        })
    }

    /// Takes one frame's evidence: `seen` are the spot positions the spatial test found
    /// in it (frame pixels), `sigma` the noise of the context component, `max` the
    /// largest sample value.
    pub fn observe(
        &mut self,
        frame: &Frame<'_>,
        seen: impl IntoIterator<Item = (u32, u32)>,
        sigma: f64,
        max: u16,
    ) -> TrackUpdate {
        self.frame += 1;
        let now = self.frame;
        let limit = (CHANGE_SIGMAS * sigma).max(MIN_CHANGE * f64::from(max)) * 8.0;
        let changed = |a: &[u16; 8], b: &[u16; 8]| {
            let sad: u32 = a.iter().zip(b).map(|(&p, &q)| u32::from(p.abs_diff(q))).sum();
            f64::from(sad) > limit
        };
        for (x, y) in seen {
            if x >= self.width || y >= self.height {
                continue;
            }
            let context = self.context(frame, x, y);
            match self.find(x, y) {
                Some(k) => {
                    if let Some(t) = self.tracks.get_mut(&k) {
                        if t.last_seen == now {
                            continue;
                        }
                        t.last_seen = now;
                        if changed(&t.context, &context) {
                            t.score = (t.score + 1).min(MAX_SCORE);
                            t.context = context;
                        }
                    }
                }
                None if self.tracks.len() < MAX_TRACKS => {
                    self.tracks.insert(
                        (x, y),
                        Track {
                            score: 1,
                            context,
                            last_seen: now,
                            confirmed: false,
                        },
                    );
                }
                None => {}
            }
        }
        let mut update = TrackUpdate::default();
        let mut tracks = std::mem::take(&mut self.tracks);
        tracks.retain(|&(x, y), t| {
            if t.last_seen != now {
                let context = self.context(frame, x, y);
                if changed(&t.context, &context) {
                    t.score -= 2;
                    t.context = context;
                }
            }
            if !t.confirmed && t.score >= PROMOTE {
                t.confirmed = true;
                update.promoted += 1;
            } else if t.confirmed && t.score <= DEMOTE {
                t.confirmed = false;
                update.forgotten += 1;
            }
            t.confirmed || (t.score > 0 && now - t.last_seen <= STALE_FRAMES)
        });
        self.tracks = tracks;
        if update.promoted + update.forgotten > 0 {
            self.confirmed = self
                .tracks
                .iter()
                .filter(|(_, t)| t.confirmed)
                .map(|(&k, _)| k)
                .collect();
            self.confirmed.sort_unstable_by_key(|&(x, y)| (y, x));
        }
        update
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::layout::{FrameMut, Layout};

    fn frame_of(layout: Layout, f: impl Fn(usize, usize) -> u16) -> (Vec<Vec<u8>>, [usize; 3]) {
        let (mut planes, strides) = layout.alloc();
        let mut frame = FrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        for y in 0..layout.height {
            for x in 0..layout.width {
                frame.set(0, x, y, f(x, y));
            }
        }
        (planes, strides)
    }

    #[test]
    fn a_fixed_spot_in_a_moving_picture_is_confirmed_a_moving_one_is_not() {
        let layout = Layout::parse("Y444", 48, 32).unwrap();
        let mut tracker = Tracker::new(48, 32, 0);
        let mut promoted_at = None;
        for t in 0..12u32 {
            let (planes, strides) =
                frame_of(layout, |x, y| ((x as u32 + 3 * t) * 9 % 200 + y as u32) as u16);
            let p: Vec<&[u8]> = planes.iter().map(|v| v.as_slice()).collect();
            let frame = Frame::new(layout, [p[0], p[1], p[2]], strides).unwrap();
            // (10,10) stays; the detail at (20 + 3t, 12) moves with the picture.
            let u = tracker.observe(&frame, [(10, 10), (20 + 3 * t, 12)], 0.5, 255);
            if u.promoted > 0 {
                promoted_at.get_or_insert(t);
            }
        }
        assert_eq!(promoted_at, Some(PROMOTE as u32 - 1));
        assert_eq!(tracker.confirmed(), &[(10, 10)]);
        assert!(tracker.is_confirmed_near(11, 9));
    }

    #[test]
    fn a_still_picture_confirms_nothing() {
        let layout = Layout::parse("Y444", 32, 32).unwrap();
        let (planes, strides) = frame_of(layout, |x, y| (x * 5 + y) as u16);
        let p: Vec<&[u8]> = planes.iter().map(|v| v.as_slice()).collect();
        let frame = Frame::new(layout, [p[0], p[1], p[2]], strides).unwrap();
        let mut tracker = Tracker::new(32, 32, 0);
        for _ in 0..50 {
            tracker.observe(&frame, [(8, 8)], 0.5, 255);
        }
        assert!(tracker.confirmed().is_empty());
        for _ in 0..=STALE_FRAMES {
            tracker.observe(&frame, [], 0.5, 255);
        }
        assert_eq!(tracker.tracks(), 0);
    }
}
