//! Temporal learning: a sensor defect stays at the same pixel frame after frame while
//! the scene moves around it; a bright detail moves with the scene or, in a static
//! scene, never gives evidence either way.
//!
//! Every pixel that the spatial detector flags gets a *track*. A track gains or loses
//! evidence only in frames where the scene around the pixel actually changed: its 8
//! same-colour neighbours moved, on average, by more than the noise allows since the
//! last evidence. After such a change it gains one point when the detector flags it
//! again, or when its own value did not follow its surroundings (a stuck, dead or
//! saturated photosite keeps its value while the scene moves, even where it happens to
//! match its surroundings and is not flagged); it loses two points when its value
//! followed the scene and the detector no longer flags it.
//!
//! Where the neighbourhood is too even to show any change (a dark, flat area), a pixel
//! that the detector keeps flagging also gains a point in frames where the picture as a
//! whole moved — most of its textured blocks changed, as in a pan or a camera move —
//! since a real detail there would have moved with the picture.
//!
//! A track with [`PROMOTE`] points becomes a learned defect, which the engine then
//! repairs on every frame whether the spatial test fires or not; a learned defect whose
//! score falls to [`DEMOTE`] is forgotten (hysteresis, so a defect does not flicker
//! between fixed and unfixed). Tracks that stop gaining are dropped, which bounds memory
//! by the detector's output, not the frame size.

use std::collections::HashMap;

use crate::defect_map::{DefectMap, Entry};
use crate::detect::NoiseModel;
use crate::frame::FrameFormat;
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
/// A scene change must move the neighbours by at least this fraction of the range on
/// average, whatever the noise (quantisation and compression never count as change).
const MIN_CHANGE: f64 = 0.01;
/// … and by at least this many noise standard deviations (the mean absolute difference
/// of two noisy samples of one value is about 1.13 σ).
const CHANGE_SIGMAS: f64 = 3.0;
#[derive(Clone, Copy, Debug)]
struct Track {
    score: i16,
    /// The 8 same-colour neighbours at the last evidence.
    context: [u16; 8],
    /// The pixel's own value (as it arrived) at the last evidence.
    value: u16,
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
    /// Samples of the previous frame on a coarse grid, for the whole-picture motion test.
    grid: Vec<[u16; GRID_SAMPLES]>,
    /// Whether the picture as a whole moved in the last observed frame.
    moved: bool,
    /// Learned pixels, row-major.
    learned: Vec<(u32, u32)>,
}

impl Learner {
    pub fn new(format: FrameFormat) -> Self {
        Learner {
            format,
            tracks: HashMap::new(),
            frame: 0,
            grid: Vec::new(),
            moved: false,
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
    /// in it, `frame` the frame (the neighbourhood of a defect is healthy, so the
    /// repaired frame serves as well), `raw(x, y)` a pixel's value as it arrived (before
    /// any repair), `noise` the noise model the detector used.
    pub fn observe(
        &mut self,
        frame: &FrameRef<'_>,
        flagged: impl IntoIterator<Item = (u32, u32)>,
        raw: impl Fn(u32, u32) -> u16,
        noise: &NoiseModel,
    ) -> LearnUpdate {
        self.frame += 1;
        let now = self.frame;
        let width = self.format.width as u32;
        let format = self.format;
        let grid = sample_grid(frame);
        let moved = picture_moved(&format, noise, &self.grid, &grid);
        self.grid = grid;
        self.moved = moved;

        // Flagged pixels: new tracks, or evidence for known ones.
        for (x, y) in flagged {
            let key = y * width + x;
            let context = neighbours(frame, x as usize, y as usize);
            let room = self.tracks.len() < MAX_TRACKS;
            match self.tracks.get_mut(&key) {
                Some(t) => {
                    t.last_flagged = now;
                    if moved || scene_change(&format, noise, x, y, &t.context, &context).is_some() {
                        t.score = (t.score + 1).min(MAX_SCORE);
                        t.context = context;
                        t.value = raw(x, y);
                    }
                }
                None if room => {
                    self.tracks.insert(
                        key,
                        Track {
                            score: 1,
                            context,
                            value: raw(x, y),
                            last_flagged: now,
                            learned: false,
                        },
                    );
                }
                None => {}
            }
        }

        // Tracks not flagged this frame, where the scene changed: for them if their value
        // stayed put, against them if it followed the scene.
        let mut update = LearnUpdate::default();
        self.tracks.retain(|&key, t| {
            let (x, y) = (key % width, key / width);
            if t.last_flagged != now {
                let context = neighbours(frame, x as usize, y as usize);
                if let Some(change) = scene_change(&format, noise, x, y, &t.context, &context) {
                    let value = raw(x, y);
                    // A scene pixel moves about as much as its surroundings; a stuck one
                    // by less than a third of that.
                    if 3.0 * f64::from(value.abs_diff(t.value)) < change {
                        t.score = (t.score + 1).min(MAX_SCORE);
                    } else {
                        t.score -= 2;
                    }
                    t.context = context;
                    t.value = value;
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

    /// Takes candidates from a more sensitive detection than the repair's, after
    /// [`Learner::observe`] of the same frame: new ones start tracks, which gain
    /// evidence only over the next frames by the same rules (so real detail is dropped
    /// again); a followed one that is a candidate again at the same place while the
    /// whole picture moved gains a point, as a flagged one does.
    pub fn seed(
        &mut self,
        frame: &FrameRef<'_>,
        candidates: impl IntoIterator<Item = (u32, u32)>,
        raw: impl Fn(u32, u32) -> u16,
    ) {
        let width = self.format.width as u32;
        for (x, y) in candidates {
            if self.tracks.len() >= MAX_TRACKS {
                break;
            }
            let now = self.frame;
            let moved = self.moved;
            match self.tracks.entry(y * width + x) {
                std::collections::hash_map::Entry::Occupied(mut t) => {
                    let t = t.get_mut();
                    if moved && t.last_flagged != now {
                        t.score = (t.score + 1).min(MAX_SCORE);
                        t.last_flagged = now;
                    }
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(Track {
                        score: 1,
                        context: neighbours(frame, x as usize, y as usize),
                        value: raw(x, y),
                        last_flagged: now,
                        learned: false,
                    });
                }
            }
        }
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

/// Samples per block of the motion grid (a 4×4 pattern on one colour plane).
const GRID_SAMPLES: usize = 16;
/// Side of a motion-grid block, in pixels.
const GRID_BLOCK: usize = 32;
/// Fraction of the textured blocks that must change for the picture to count as moved.
const MOVED_FRACTION: f64 = 0.5;

/// A 4×4 pattern of same-colour samples from every 32×32 block.
fn sample_grid(frame: &FrameRef<'_>) -> Vec<[u16; GRID_SAMPLES]> {
    let f = frame.format();
    let step = GRID_BLOCK / 4;
    let mut out = Vec::with_capacity((f.width / GRID_BLOCK) * (f.height / GRID_BLOCK));
    for by in 0..f.height / GRID_BLOCK {
        for bx in 0..f.width / GRID_BLOCK {
            let mut block = [0u16; GRID_SAMPLES];
            for (i, v) in block.iter_mut().enumerate() {
                // Even offsets keep every sample on the same Bayer site.
                *v = frame.get(
                    bx * GRID_BLOCK + (i % 4) * step,
                    by * GRID_BLOCK + (i / 4) * step,
                );
            }
            out.push(block);
        }
    }
    out
}

/// Whether most textured blocks changed between two grids (a pan or camera move). A
/// block is textured when its samples spread beyond noise; it changed when its samples
/// moved by more than noise on average.
fn picture_moved(
    format: &FrameFormat,
    noise: &NoiseModel,
    before: &[[u16; GRID_SAMPLES]],
    now: &[[u16; GRID_SAMPLES]],
) -> bool {
    if before.len() != now.len() || now.is_empty() {
        return false;
    }
    let floor = MIN_CHANGE * f64::from(format.max_value());
    let (mut textured, mut changed) = (0usize, 0usize);
    for (a, b) in before.iter().zip(now) {
        let mean = b.iter().map(|&v| f64::from(v)).sum::<f64>() / GRID_SAMPLES as f64;
        let limit = (CHANGE_SIGMAS * noise.sigma(0, mean)).max(floor);
        let spread =
            b.iter().map(|&v| (f64::from(v) - mean).abs()).sum::<f64>() / GRID_SAMPLES as f64;
        if spread <= limit {
            continue;
        }
        textured += 1;
        let diff = a
            .iter()
            .zip(b)
            .map(|(p, q)| f64::from(p.abs_diff(*q)))
            .sum::<f64>()
            / GRID_SAMPLES as f64;
        changed += usize::from(diff > limit);
    }
    textured > 0 && changed as f64 >= MOVED_FRACTION * textured as f64
}

/// How much the neighbours moved from `before` to `now` (mean absolute difference),
/// when that is more than noise and quantisation explain.
fn scene_change(
    format: &FrameFormat,
    noise: &NoiseModel,
    x: u32,
    y: u32,
    before: &[u16; 8],
    now: &[u16; 8],
) -> Option<f64> {
    let plane = format.cfa.plane_index(x as usize, y as usize);
    let level = now.iter().map(|&v| f64::from(v)).sum::<f64>() / 8.0;
    let change = before
        .iter()
        .zip(now)
        .map(|(a, b)| f64::from(a.abs_diff(*b)))
        .sum::<f64>()
        / 8.0;
    let limit =
        (CHANGE_SIGMAS * noise.sigma(plane, level)).max(MIN_CHANGE * f64::from(format.max_value()));
    (change > limit).then_some(change)
}

/// The 8 same-colour neighbours at the pitch; one outside the frame is replaced by its
/// mirror image across the pixel.
fn neighbours(frame: &FrameRef<'_>, x: usize, y: usize) -> [u16; 8] {
    let f = frame.format();
    let p = f.cfa.pitch() as isize;
    let inside = |c: usize, d: isize, n: usize| {
        c.checked_add_signed(d)
            .filter(|&v| v < n)
            .or_else(|| c.checked_add_signed(-d).filter(|&v| v < n))
            .unwrap_or(c)
    };
    let mut out = [0u16; 8];
    let mut i = 0;
    for dy in [-p, 0, p] {
        for dx in [-p, 0, p] {
            if dx == 0 && dy == 0 {
                continue;
            }
            out[i] = frame.get(inside(x, dx, f.width), inside(y, dy, f.height));
            i += 1;
        }
    }
    out
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
            let update = learner.observe(
                &frame,
                [(10, 10)],
                |x, y| frame.get(x as usize, y as usize),
                &noise,
            );
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
            learner.observe(&frame, [(4, 4), (8, 8)], |_, _| 0, &noise);
        }
        assert!(learner.learned().is_empty());
        assert_eq!(learner.tracks(), 2);
        for _ in 0..=STALE_FRAMES {
            learner.observe(&frame, [], |_, _| 0, &noise);
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
            learner.observe(
                &frame,
                [(6, 6)],
                |x, y| frame.get(x as usize, y as usize),
                &noise,
            );
            t += 1;
        }
        assert_eq!(learner.learned(), &[(6, 6)]);
        let mut forgotten_at = None;
        for i in 0..12 {
            let data = frame_at(t);
            let frame = FrameRef::new(&data, format, format.default_stride()).unwrap();
            if learner
                .observe(&frame, [], |x, y| frame.get(x as usize, y as usize), &noise)
                .forgotten
                == 1
            {
                forgotten_at = Some(i);
            }
            t += 1;
        }
        // Score 12 loses 2 per changed frame: at 2 after 5 frames.
        assert_eq!(forgotten_at, Some(4));
        assert!(learner.learned().is_empty());
    }
}
