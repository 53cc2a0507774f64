//! Temporal learning: a sensor defect stays at the same pixel frame after frame while
//! the scene moves around it; a bright detail moves with the scene or, in a static
//! scene, never gives evidence either way.
//!
//! Every pixel that the spatial detector flags gets a *track*. A track gains or loses
//! evidence only in frames where the scene around the pixel actually changed (the mean
//! of its same-colour neighbours moved by more than the noise allows since the last
//! evidence): flagged again after such a change, it gains one point; not flagged after
//! one, it loses two. A track with [`PROMOTE`] points becomes a learned defect, which
//! the engine then repairs on every frame whether the spatial test fires or not; a
//! learned defect whose score falls to [`DEMOTE`] is forgotten (hysteresis, so a
//! defect does not flicker between fixed and unfixed). Tracks that stop gaining are
//! dropped, which bounds memory by the detector's output, not the frame size.

use std::collections::HashMap;

use crate::defect_map::{DefectMap, Entry};
use crate::detect::NoiseModel;
use crate::format::FrameFormat;
use crate::frame::FrameRef;

/// Points at which a track becomes a learned defect.
pub const PROMOTE: i16 = 8;
/// Score at or below which a learned defect is forgotten.
pub const DEMOTE: i16 = 2;
/// Highest score a track keeps (how long a learned defect survives without evidence).
const MAX_SCORE: i16 = 16;
/// Frames after which a track that is neither learned nor seen again is dropped.
const STALE_FRAMES: u64 = 120;
/// The most tracks kept; past it, new candidates are ignored until old ones go.
const MAX_TRACKS: usize = 1 << 20;
/// A scene change must move the neighbourhood mean by at least this fraction of the
/// range, whatever the noise (quantisation and compression never count as change).
const MIN_CHANGE: f64 = 0.02;
/// … and by at least this many noise standard deviations of that mean.
const CHANGE_SIGMAS: f64 = 6.0;

#[derive(Clone, Copy, Debug)]
struct Track {
    score: i16,
    /// Neighbourhood mean at the last evidence.
    context: u16,
    /// Frame number of the last time the detector flagged the pixel.
    last_flagged: u64,
    learned: bool,
}

/// What changed in the learned set after a frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LearnUpdate {
    pub promoted: usize,
    pub forgotten: usize,
}

impl LearnUpdate {
    pub fn changed(&self) -> bool {
        self.promoted + self.forgotten > 0
    }
}

/// Persistence counters and the learned set for one stream format.
#[derive(Debug)]
pub struct Learner {
    format: FrameFormat,
    tracks: HashMap<u32, Track>,
    frame: u64,
    /// Learned pixels, row-major.
    learned: Vec<(u32, u32)>,
}

impl Learner {
    pub fn new(format: FrameFormat) -> Self {
        Learner {
            format,
            tracks: HashMap::new(),
            frame: 0,
            learned: Vec::new(),
        }
    }

    /// Learned defects in frame coordinates, row-major.
    pub fn learned(&self) -> &[(u32, u32)] {
        &self.learned
    }

    /// Tracks currently followed (learned or candidates).
    pub fn tracks(&self) -> usize {
        self.tracks.len()
    }

    /// Frames observed so far.
    pub fn frames(&self) -> u64 {
        self.frame
    }

    /// Takes one frame's evidence: `flagged` are the pixels the spatial detector found
    /// in it (before any repair), `frame` the frame (the neighbourhood of a defect is
    /// healthy, so the repaired frame serves as well), `noise` the noise model the
    /// detector used.
    pub fn observe(
        &mut self,
        frame: &FrameRef<'_>,
        flagged: impl IntoIterator<Item = (u32, u32)>,
        noise: &NoiseModel,
    ) -> LearnUpdate {
        self.frame += 1;
        let now = self.frame;
        let width = self.format.width as u32;
        let format = self.format;

        // Flagged pixels: new tracks, or evidence for known ones.
        for (x, y) in flagged {
            let key = y * width + x;
            let context = neighbourhood_mean(frame, x as usize, y as usize);
            let room = self.tracks.len() < MAX_TRACKS;
            match self.tracks.get_mut(&key) {
                Some(t) => {
                    t.last_flagged = now;
                    if scene_changed(&format, noise, x, y, t.context, context) {
                        t.score = (t.score + 1).min(MAX_SCORE);
                        t.context = context;
                    }
                }
                None if room => {
                    self.tracks.insert(
                        key,
                        Track {
                            score: 1,
                            context,
                            last_flagged: now,
                            learned: false,
                        },
                    );
                }
                None => {}
            }
        }

        // Tracks not flagged this frame: evidence against them where the scene changed.
        let mut update = LearnUpdate::default();
        self.tracks.retain(|&key, t| {
            let (x, y) = (key % width, key / width);
            if t.last_flagged != now {
                let context = neighbourhood_mean(frame, x as usize, y as usize);
                if scene_changed(&format, noise, x, y, t.context, context) {
                    t.score -= 2;
                    t.context = context;
                }
            }
            if !t.learned && t.score >= PROMOTE {
                t.learned = true;
                update.promoted += 1;
            } else if t.learned && t.score <= DEMOTE {
                t.learned = false;
                update.forgotten += 1;
            }
            t.learned || (t.score > 0 && now - t.last_flagged <= STALE_FRAMES)
        });
        if update.changed() {
            self.learned = self
                .tracks
                .iter()
                .filter(|(_, t)| t.learned)
                .map(|(&k, _)| (k % width, k / width))
                .collect();
            self.learned.sort_unstable_by_key(|&(x, y)| (y, x));
        }
        update
    }

    /// The learned defects as a map in sensor coordinates (frame pixel plus offset).
    pub fn to_map(&self, offset_x: i64, offset_y: i64) -> DefectMap {
        DefectMap::from_entries(
            self.learned
                .iter()
                .map(|&(x, y)| Entry::Pixel {
                    x: i64::from(x) + offset_x,
                    y: i64::from(y) + offset_y,
                })
                .collect(),
        )
    }
}

/// Whether the neighbourhood mean of (`x`, `y`) moved from `before` to `now` by more
/// than noise and quantisation explain.
fn scene_changed(
    format: &FrameFormat,
    noise: &NoiseModel,
    x: u32,
    y: u32,
    before: u16,
    now: u16,
) -> bool {
    let plane = format.cfa.plane_index(x as usize, y as usize);
    // The mean of about 8 neighbours has a third of one pixel's noise.
    let sigma = noise.sigma(plane, f64::from(now)) / 8f64.sqrt();
    let limit = (CHANGE_SIGMAS * sigma).max(MIN_CHANGE * f64::from(format.max_value()));
    f64::from(before.abs_diff(now)) > limit
}

/// Mean of the same-colour neighbours at the pitch (8 of them inside the frame, fewer
/// at the border), the pixel itself left out.
fn neighbourhood_mean(frame: &FrameRef<'_>, x: usize, y: usize) -> u16 {
    let f = frame.format();
    let p = f.cfa.pitch() as isize;
    let (mut sum, mut n) = (0u32, 0u32);
    for dy in [-p, 0, p] {
        for dx in [-p, 0, p] {
            if dx == 0 && dy == 0 {
                continue;
            }
            let (Some(nx), Some(ny)) = (x.checked_add_signed(dx), y.checked_add_signed(dy)) else {
                continue;
            };
            if nx < f.width && ny < f.height {
                sum += u32::from(frame.get(nx, ny));
                n += 1;
            }
        }
    }
    if n == 0 {
        frame.get(x, y)
    } else {
        (sum / n) as u16
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::FrameMut;

    fn frame_with(format: &FrameFormat, f: impl Fn(usize, usize) -> u16) -> Vec<u8> {
        let mut data = vec![0u8; format.default_size()];
        let mut frame = FrameMut::new(&mut data, *format, format.default_stride()).unwrap();
        for y in 0..format.height {
            for x in 0..format.width {
                frame.set(x, y, f(x, y));
            }
        }
        data
    }

    #[test]
    fn a_fixed_pixel_in_a_moving_scene_is_learned_after_promote_frames() {
        let format = FrameFormat::parse("video/x-bayer", "rggb", 32, 32).unwrap();
        let noise = NoiseModel::flat(1.0);
        let mut learner = Learner::new(format);
        for t in 0..20u32 {
            // The scene: a ramp of 3 DN per pixel that moves by 2 pixels a frame, so the
            // neighbourhood of (10,10) changes by 6 DN a frame: more than 2 % of range.
            let data = frame_with(&format, |x, y| {
                ((x as u32 + 2 * t) * 3 % 200 + y as u32) as u16
            });
            let frame = FrameRef::new(&data, format, format.default_stride()).unwrap();
            // (10,10) is flagged every frame: a defect.
            let update = learner.observe(&frame, [(10, 10)], &noise);
            assert_eq!(
                update.promoted,
                usize::from(t + 1 == PROMOTE as u32),
                "frame {t}"
            );
        }
        assert_eq!(learner.learned(), &[(10, 10)]);
        let map = learner.to_map(100, 50);
        assert_eq!(map.entries(), &[Entry::Pixel { x: 110, y: 60 }]);
    }

    #[test]
    fn a_static_scene_teaches_nothing_and_stale_tracks_go() {
        let format = FrameFormat::parse("video/x-bayer", "rggb", 16, 16).unwrap();
        let data = frame_with(&format, |x, y| (x * 5 + y) as u16);
        let frame = FrameRef::new(&data, format, format.default_stride()).unwrap();
        let noise = NoiseModel::flat(1.0);
        let mut learner = Learner::new(format);
        for _ in 0..100 {
            learner.observe(&frame, [(4, 4), (8, 8)], &noise);
        }
        assert!(learner.learned().is_empty());
        assert_eq!(learner.tracks(), 2);
        for _ in 0..=STALE_FRAMES {
            learner.observe(&frame, [], &noise);
        }
        assert_eq!(learner.tracks(), 0);
    }

    #[test]
    fn a_learned_defect_that_heals_is_forgotten() {
        let format = FrameFormat::parse("video/x-bayer", "grbg", 24, 24).unwrap();
        let noise = NoiseModel::flat(0.5);
        let mut learner = Learner::new(format);
        let mut t = 0u32;
        let frame_at = |t: u32| {
            frame_with(&format, move |x, y| {
                ((x as u32 * 7 + y as u32 * 3 + t * 20) % 250) as u16
            })
        };
        for _ in 0..12 {
            let data = frame_at(t);
            let frame = FrameRef::new(&data, format, format.default_stride()).unwrap();
            learner.observe(&frame, [(6, 6)], &noise);
            t += 1;
        }
        assert_eq!(learner.learned(), &[(6, 6)]);
        let mut forgotten_at = None;
        for i in 0..12 {
            let data = frame_at(t);
            let frame = FrameRef::new(&data, format, format.default_stride()).unwrap();
            if learner.observe(&frame, [], &noise).forgotten == 1 {
                forgotten_at = Some(i);
            }
            t += 1;
        }
        // Score 12 loses 2 per changed frame: at 2 after 5 frames.
        assert_eq!(forgotten_at, Some(4));
        assert!(learner.learned().is_empty());
    }
}
