//! Temporal evidence: a sensor defect stays at the same pixel while the scene moves
//! over it, and a stuck or dead photosite does not carry the noise its neighbours carry.
//! Detail moves with the scene, and is consistent with its neighbours frame after frame.
//!
//! [`Evidence`] looks at *every* pixel of every frame as it arrived, before any repair:
//!
//! 1. **Motion** ([`motion`]): each 64×64 tile's displacement since the tile's key frame
//!    (a copy of an earlier frame, renewed per tile), by block matching to sub-pixel
//!    precision; flat tiles take the picture's median displacement.
//! 2. **Evidence** ([`rules`]): where a tile's scene has moved by a whole same-colour
//!    pitch (an *instant*), every pixel whose neighbourhood changed is compared with the
//!    key frame at its old scene position and with its neighbours; where a tile is at
//!    rest, every pixel's change since the key frame is compared with the noise; while
//!    a tile waits for its next instant (moved, by less than a pitch), its dark points
//!    are judged as at rest, every fourth frame. Each
//!    pixel keeps 2 bytes of evidence ([`rules::PixelState`]). A vectorised screen
//!    ([`cheap`]) passes over the pixels that the rules would leave as they are; the
//!    rules see the few it keeps.
//! 3. **Arrivals**: the single-frame detections of the frame, which the caller hands to
//!    [`Evidence::judge`], are checked against the key before it is renewed: a point
//!    that was not on its photosite in the key but stood where the scene came from
//!    arrived with the scene, and is detail whatever its brightness (a star, a glint,
//!    a texture peak); the caller spares it ([`Evidence::moved_points`]).
//! 4. **Key frames**: a tile's key is renewed from the frame after an instant, after a
//!    few frames at rest, and when its motion went out of reach.
//!
//! The same engine serves processed pictures (the luma of YUV video,
//! [`crate::video::evidence`]): there it works on a 2-pixel lattice as on a Bayer
//! sensor, and on motion evidence alone (see `ring`).
//!
//! Pixels whose evidence crosses the confirmation threshold are the *confirmed* defects,
//! which the engine repairs from that frame on like the map's; they are released when
//! the evidence fades (hysteresis). State: the key frame (one frame of samples), 2
//! bytes per pixel and a few numbers per tile; nothing is allocated per frame once the
//! first frames have sized the lists. Every phase runs in fixed row bands or tiles, so
//! the result does not depend on the number of threads.

pub mod cheap;
pub mod columns;
pub mod motion;
pub mod rules;

use crate::defect_map::{DefectMap, Entry};
use crate::detect::kernel::neighbour_offsets;
use crate::detect::{NoiseModel, spreads_like_a_lens};
use crate::exec::{self, BAND_ROWS, KernelPath, band_rows, run_bands};
use crate::frame::{Plane, PlaneRef, Position, SampleIo};
use columns::{ColumnEvidence, ColumnLine};

use cheap::Judgement;
use motion::{Tile, TileMotion};
use rules::{Observation, PixelState};

/// A tile at rest: displacement below this many pixels on both axes.
const REST_PX: f32 = 0.5;
/// A tile at rest renews its key after this many frames (fresh noise to compare with).
const REST_RENEW: u32 = 4;
/// Any tile renews its key after this many frames.
const MAX_AGE: u32 = 60;
/// A displacement this large (pixels, either axis) is an instant whatever its fraction.
const FORCE_PX: f32 = 3.5;
/// A picture whose reliable tiles last stepped by this much (pixels a frame, either
/// axis) is taken to move on while no tile can measure it: slower than the slowest
/// drift followed, faster than what noise makes of a still picture.
const MOVING_STEP_PX: f32 = 0.03;
/// An instant needs the displacement within this many pixels of a whole pitch.
const ON_GRID_PX: f32 = 0.75;

/// What changed in the confirmed set after a frame.
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

/// Time each phase of the last [`Evidence::observe`] took (for profiling; reading the
/// clock costs a few tens of nanoseconds a phase).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PhaseTimes {
    pub motion: std::time::Duration,
    pub columns: std::time::Duration,
    pub gather: std::time::Duration,
    pub keys: std::time::Duration,
    /// Pixels the cheap test looked at, and those it sent on to the rules.
    pub tested: usize,
    pub judged: usize,
}

/// What a tile's pixels do with this frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// Nothing: moving, but not yet by a whole pitch.
    #[default]
    Wait,
    /// At rest: noise evidence.
    Rest,
    /// Moved by (`dx`, `dy`) pixels, whole pitches: motion evidence.
    Instant { dx: i32, dy: i32 },
}

#[derive(Clone, Copy, Debug)]
struct TileState {
    tile: Tile,
    motion: TileMotion,
    phase: Phase,
    /// Whether the key of this tile is renewed after this frame.
    renew: bool,
    /// The picture's position ([`Evidence`]'s `position`) when the key was taken.
    key_at: [f32; 2],
}

/// What a row-major list of pixels holds for pixel `at`, if it lists it.
fn listed<T: Copy>(list: &[(Position, T)], at: Position) -> Option<T> {
    list.binary_search_by(|(p, _)| p.cmp(&at))
        .ok()
        .map(|i| list[i].1)
}

/// `model` with every σ multiplied by `ratio`.
fn scaled(model: &NoiseModel, ratio: f32) -> NoiseModel {
    let r2 = f64::from(ratio * ratio);
    NoiseModel {
        a: model.a.map(|a| a * r2),
        b: model.b.map(|b| b * r2),
        clip: model.clip,
        peak: model.peak,
    }
}

/// One band of rows: its pixels' evidence and the confirmation changes of the last
/// frame.
#[derive(Debug, Default)]
struct StateBand {
    y0: usize,
    y1: usize,
    state: Vec<PixelState>,
    /// Pixels whose confirmation changed, row-major, and whether they are confirmed now.
    changes: Vec<(Position, bool)>,
    /// Columns of the row segment in hand that the cheap test sends to the rules.
    pending: Vec<u32>,
    /// Pixels tested and judged in the last frame.
    tested: usize,
    judged: usize,
    /// Decoded frame rows around the row in hand ([`crate::detect::decode_row`]'s
    /// layout), and the cheap test's marks of one row.
    rows: Vec<u16>,
    marks: Vec<u8>,
    /// A processed picture's temporal prediction of the row in hand: the key frame
    /// interpolated where the scene at each pixel was (see [`GatherContext::band`]).
    moved: Vec<u16>,
}

/// One band of rows of the key frame (kept apart from the evidence: the evidence pass
/// reads keys across band edges while it writes its own band's state).
#[derive(Debug, Default)]
struct KeyBand {
    y0: usize,
    y1: usize,
    key: Vec<u16>,
}

/// Row `y` of a key frame held in `keys` (bands of rows `width` samples long).
fn key_row(keys: &[KeyBand], width: usize, y: usize) -> &[u16] {
    &keys[y / BAND_ROWS].key[(y % BAND_ROWS) * width..][..width]
}

/// Per-stream temporal evidence for frames of one plane layout.
#[derive(Debug)]
pub struct Evidence {
    plane: Plane,
    tiles: Vec<TileState>,
    across: usize,
    /// Side of a tile, pixels.
    side: usize,
    states: Vec<StateBand>,
    keys: Vec<KeyBand>,
    /// Pixels confirmed by the pixel rules ([`rules`]), row-major.
    confirmed_pixels: Vec<Position>,
    /// Column defects ([`columns`]).
    columns: ColumnEvidence,
    /// The confirmed defects and the pixels of the confirmed column lines, row-major,
    /// each once: what [`Evidence::confirmed`] gives.
    confirmed: Vec<Position>,
    frames: u64,
    /// Whether the key frame holds a frame.
    keyed: bool,
    scratch: Vec<f32>,
    /// Whether the picture's last measured step (the reliable tiles' median over one
    /// frame) was a motion ([`MOVING_STEP_PX`]).
    moving: bool,
    /// The picture's position since the stream's first key frame, as the reliable tiles
    /// last measured it (each tile's key records it, so that a displacement since one
    /// tile's key can be handed to another whose key is older or younger).
    position: [f32; 2],
    /// The picture's horizontal position when a processed picture's column lines were
    /// last judged ([`Evidence::column_instant`]).
    columns_at: f32,
    merged: Vec<Position>,
    /// [`Evidence::moved_points`], with the picture's position where each arrived.
    moved: Vec<(Position, [f32; 2])>,
    moved_before: Vec<(Position, [f32; 2])>,
    /// The single-frame candidates of this frame and the last (row-major; whether bright).
    candidates: Vec<(Position, bool)>,
    candidates_before: Vec<(Position, bool)>,
    times: PhaseTimes,
    /// A pixel's noise from frame to frame against the frame's own noise model, as the
    /// last frame measured it ([`Evidence::noise_ratio`]).
    noise_ratio: f32,
    /// The highest level the noise models' samples have shown in this stream
    /// ([`NoiseModel::peak`]; `None` before one was measured): stillness at or above
    /// it proves nothing (the few clipped pixels of a small highlight read the white
    /// level exactly, frame after frame).
    top: Option<u16>,
    /// The instruction set of the cheap test.
    path: KernelPath,
    /// One field of interlaced frames, or none: its rows lie two frame rows apart,
    /// beyond the reach of a demosaic's vertical spread ([`demosaiced`]).
    field: Option<Field>,
}

/// A picture that is one field of interlaced frames: its parity (0: the frame's even
/// rows) and the other field's rows of the frame in hand as it arrived, which lie
/// between this field's rows in the frame (row `r` of the other field, the plane's
/// width a row; empty where the caller gave none).
#[derive(Debug, Default)]
struct Field {
    parity: usize,
    other: Vec<u16>,
}

impl Evidence {
    pub fn new(plane: Plane) -> Self {
        let w = plane.width;
        let side = motion::tile_side(w, plane.height);
        let columns = ColumnEvidence::new(plane.cfa(), w, plane.height);
        let columns = if plane.sampling.is_processed() {
            columns.for_processed_picture()
        } else {
            columns
        };
        Evidence {
            plane,
            tiles: motion::tiles(w, plane.height, side)
                .into_iter()
                .map(|tile| TileState {
                    tile,
                    motion: TileMotion::default(),
                    phase: Phase::Wait,
                    renew: false,
                    key_at: [0.0; 2],
                })
                .collect(),
            across: w.div_ceil(side),
            side,
            states: band_rows(plane.height)
                .map(|(y0, y1)| StateBand {
                    y0,
                    y1,
                    state: vec![PixelState::default(); (y1 - y0) * w],
                    changes: Vec::new(),
                    pending: Vec::new(),
                    tested: 0,
                    judged: 0,
                    rows: Vec::new(),
                    marks: Vec::new(),
                    moved: Vec::new(),
                })
                .collect(),
            keys: band_rows(plane.height)
                .map(|(y0, y1)| KeyBand {
                    y0,
                    y1,
                    key: vec![0; (y1 - y0) * w],
                })
                .collect(),
            confirmed_pixels: Vec::new(),
            columns,
            confirmed: Vec::new(),
            frames: 0,
            keyed: false,
            scratch: Vec::new(),
            moving: false,
            position: [0.0; 2],
            columns_at: 0.0,
            merged: Vec::new(),
            moved: Vec::new(),
            moved_before: Vec::new(),
            candidates: Vec::new(),
            candidates_before: Vec::new(),
            times: PhaseTimes::default(),
            noise_ratio: 1.0,
            top: None,
            path: KernelPath::best(),
            field: None,
        }
    }

    /// The same for the field of parity `parity` (0: the frame's even rows) of
    /// interlaced frames (a processed picture): a point's spread above and below is
    /// read from the other field's rows ([`Self::other_field`]), or, without them, not
    /// asked (`demosaiced`).
    pub fn for_field(self, parity: usize) -> Self {
        Evidence {
            field: Some(Field {
                parity: parity & 1,
                other: Vec::new(),
            }),
            ..self
        }
    }

    /// For a field: the buffer the caller fills, before each frame, with the other
    /// field's rows of that frame as it arrived (row-major, the plane's width a row);
    /// `None` for a whole picture.
    pub fn other_field(&mut self) -> Option<&mut Vec<u16>> {
        self.field.as_mut().map(|f| &mut f.other)
    }

    /// Confirmed defects in frame coordinates, row-major: single pixels and the pixels
    /// of confirmed column lines.
    pub fn confirmed(&self) -> &[Position] {
        &self.confirmed
    }

    /// The pixels the rules confirmed (without the column lines'), row-major.
    pub fn confirmed_pixels(&self) -> &[Position] {
        &self.confirmed_pixels
    }

    /// Confirmed column lines, ascending ([`columns`]).
    pub fn column_lines(&self) -> &[ColumnLine] {
        self.columns.lines()
    }

    /// Chooses the instruction set of the vectorised tests (every path gives the same
    /// evidence; a path the CPU lacks is ignored).
    pub fn set_kernel_path(&mut self, path: KernelPath) {
        self.path = path.or_keep(self.path);
    }

    /// A pixel's noise from one frame to the next against the frame's own noise model
    /// (which the scene's fine texture inflates), as the last frame's tiles measured it:
    /// at most 1, and 1 before any measurement. The rules judge with the model scaled by
    /// it; so does the single-frame test's lens test after a field of points of light
    /// ([`crate::detect::Detector::note_points`]).
    pub fn noise_ratio(&self) -> f32 {
        self.noise_ratio
    }

    /// How long the phases of the last frame took.
    pub fn times(&self) -> PhaseTimes {
        self.times
    }

    /// Frames observed so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The evidence of pixel (`x`, `y`).
    pub fn state(&self, x: usize, y: usize) -> PixelState {
        let band = &self.states[y / BAND_ROWS];
        band.state[(y - band.y0) * self.plane.width + x]
    }

    /// The pixels the rules confirmed and those whose hot or cold score has reached
    /// `score` (not the column lines' pixels), row-major: one pass over every state.
    pub fn at_least(&self, score: u16) -> Vec<Position> {
        let w = self.plane.width;
        let mut out = Vec::new();
        for b in &self.states {
            for (i, s) in b.state.iter().enumerate() {
                if s.confirmed() || s.hot().max(s.cold()) >= score {
                    out.push(Position::new((i % w) as u32, (b.y0 + i / w) as u32));
                }
            }
        }
        out
    }

    /// Forgets the key frame (a discontinuity: the next frame is not a continuation of
    /// the last); the evidence gathered stays.
    pub fn discontinuity(&mut self) {
        self.keyed = false;
    }

    /// Takes the evidence of one frame, as it arrived (before any repair), with the noise
    /// model measured on it.
    pub fn observe(
        &mut self,
        frame: &PlaneRef<'_>,
        noise: &NoiseModel,
        n_threads: usize,
    ) -> LearnUpdate {
        if self.measure(frame, noise, n_threads) {
            self.judge(frame, noise, n_threads, std::iter::empty())
        } else {
            LearnUpdate::default()
        }
    }

    /// The single-frame detections that arrived with the scene, as the last
    /// [`Evidence::judge`] found them among its candidates (row-major): the caller
    /// leaves them as they are.
    pub fn moved_points(&self) -> impl Iterator<Item = Position> + '_ {
        self.moved.iter().map(|&(p, _)| p)
    }

    /// The tile that holds pixel `at`.
    fn tile_at(&self, at: Position) -> &TileState {
        &self.tiles[(at.y as usize / self.side) * self.across + at.x as usize / self.side]
    }

    /// Where the picture is at `at` (its tile's key position plus the tile's shift).
    fn scene_position(&self, at: Position) -> [f32; 2] {
        let t = self.tile_at(at);
        [
            t.key_at[0] + t.motion.shift[0],
            t.key_at[1] + t.motion.shift[1],
        ]
    }

    /// Of `candidates` (row-major), the points that arrived with the scene
    /// ([`Evidence::moved_points`]), judged before the keys are renewed:
    /// - a point that [`Evidence::moved_with_scene`];
    /// - a point spared in the last frame at the same pixel, while the scene there has
    ///   moved by less than a pitch since it arrived (its key, renewed meanwhile, shows
    ///   it in place);
    /// - a point that was not a candidate in the last frame, a pitch from one that was
    ///   spared then and is no candidate now: the point moved on by a pitch (a defect
    ///   neither appears beside a vanishing point nor leaves its photosite).
    fn find_arrivals(
        &mut self,
        frame: &PlaneRef<'_>,
        candidates: impl Iterator<Item = (Position, bool)>,
        noise: &NoiseModel,
    ) {
        let pitch = ring(&self.plane) as isize;
        std::mem::swap(&mut self.moved, &mut self.moved_before);
        std::mem::swap(&mut self.candidates, &mut self.candidates_before);
        let mut moved = std::mem::take(&mut self.moved);
        moved.clear();
        self.candidates.clear();
        self.candidates.extend(candidates);
        for &(at, bright) in &self.candidates {
            let here = self.scene_position(at);
            let stays = listed(&self.moved_before, at).filter(|then| {
                let far = (here[0] - then[0]).abs().max((here[1] - then[1]).abs());
                far < pitch as f32
            });
            let moved_on = || {
                listed(&self.candidates_before, at).is_none()
                    && neighbour_offsets(pitch, false).iter().any(|&(dx, dy)| {
                        let q =
                            at.x.checked_add_signed(dx as i32)
                                .zip(at.y.checked_add_signed(dy as i32));
                        q.is_some_and(|(qx, qy)| {
                            let q = Position::new(qx, qy);
                            listed(&self.moved_before, q).is_some()
                                && listed(&self.candidates, q).is_none()
                        })
                    })
            };
            if let Some(then) = stays {
                moved.push((at, then));
            } else if self.moved_with_scene(frame, at, bright, noise) || moved_on() {
                moved.push((at, here));
            }
        }
        self.moved = moved;
    }

    /// Whether the point at `at` (a single-frame detection, bright or dark) arrived with
    /// the scene: the sensor pixel itself was ordinary in the key frame (by at least a
    /// quarter of the point's excess over its neighbours, and the noise margin twice),
    /// while at the place the scene came from (`at - shift`, the same-colour pixels
    /// around it, the pixel itself left out) the key frame held a point of the same
    /// polarity: beyond all its neighbours but one by the noise margin, and within half
    /// the excess of the value now (and the noise margin twice). A defect stays on its
    /// photosite and shows in the key as it does now; a star, a glint or a texture peak
    /// of the scene moves with it.
    fn moved_with_scene(
        &self,
        frame: &PlaneRef<'_>,
        at: Position,
        bright: bool,
        noise: &NoiseModel,
    ) -> bool {
        let (w, h) = (self.plane.width as isize, self.plane.height as isize);
        let (x, y) = (at.x as isize, at.y as isize);
        let p = ring(&self.plane) as isize;
        let t = self.tile_at(at);
        if t.motion.lost {
            return false;
        }
        let now = |x: isize, y: isize| frame.get(x as usize, y as usize);
        let key =
            |x: isize, y: isize| key_row(&self.keys, self.plane.width, y as usize)[x as usize];
        // The 8 same-colour neighbours of (x, y) in `image`, if all lie in the frame.
        let around = |image: &dyn Fn(isize, isize) -> u16, x: isize, y: isize| {
            if x < p || y < p || x >= w - p || y >= h - p {
                return None;
            }
            let offsets = neighbour_offsets(p, false);
            Some(offsets.map(|(dx, dy)| image(x + dx, y + dy)))
        };
        let Some(near) = around(&now, x, y) else {
            return false;
        };
        let ranks = rules::Ranks::of(&near);
        let plane = self.plane.cfa().plane_index(at.x as usize, at.y as usize);
        let sigma = (noise.sigma(plane, f64::from(ranks.level)) as f32).max(0.5);
        let margin = rules::MARGIN_SIGMAS * sigma;
        let sign = if bright { 1.0 } else { -1.0 };
        // How far `v` lies beyond `u` in the point's direction.
        let beyond = |v: f32, u: f32| sign * (v - u);
        let v = f32::from(now(x, y));
        let excess = beyond(v, ranks.level);
        // A change of a photosite's value that no defect makes.
        let left = (2.0 * margin).max(excess / 4.0);
        if excess <= 0.0 || beyond(v, f32::from(key(x, y))) < left {
            return false;
        }
        // The key's same-colour pixels around where the scene was, on the colour grid.
        let [sx, sy] = t.motion.shift.map(|s| -s / p as f32);
        let (i0, j0) = (sx.floor() as isize, sy.floor() as isize);
        [(i0, j0), (i0 + 1, j0), (i0, j0 + 1), (i0 + 1, j0 + 1)]
            .into_iter()
            .filter(|&ij| ij != (0, 0))
            .any(|(i, j)| {
                let (qx, qy) = (x + i * p, y + j * p);
                let Some(key_near) = around(&key, qx, qy) else {
                    return false;
                };
                let r = rules::Ranks::of(&key_near);
                let kv = f32::from(key(qx, qy));
                let edge = if bright { r.hi2 } else { r.lo2 };
                beyond(kv, edge) > margin
                    && beyond(v, kv) < (2.0 * margin).max(excess / 2.0)
                    && beyond(kv, f32::from(now(qx, qy))) >= left
            })
    }

    /// The first half of [`Evidence::observe`]: every tile's motion since its key and
    /// the frame-to-frame noise ([`Evidence::noise_ratio`]). Whether the frame is then
    /// to be judged ([`Evidence::judge`]): not the stream's first (it becomes the key),
    /// nor one of another layout.
    pub fn measure(&mut self, frame: &PlaneRef<'_>, noise: &NoiseModel, n_threads: usize) -> bool {
        if frame.plane() != &self.plane {
            return false;
        }
        self.frames += 1;
        if noise.peak < u16::MAX {
            self.top = Some(self.top.map_or(noise.peak, |t| t.max(noise.peak)));
        }
        let threads = exec::threads(n_threads);
        if !self.keyed {
            self.noise_ratio = 1.0;
            self.position = [0.0; 2];
            self.columns_at = 0.0;
            for t in &mut self.tiles {
                t.motion = TileMotion::default();
                t.renew = true;
                t.phase = Phase::Wait;
            }
            self.renew_keys(frame, threads);
            self.keyed = true;
            return false;
        }
        let clock = std::time::Instant::now();
        self.measure_motion(frame, noise, threads);
        // The rules judge changes between frames: they need the noise of a pixel from
        // one frame to the next, which the model (measured within one frame, where the
        // scene's own fine texture looks like noise) can overstate many times. The
        // column test needs a pixel's own noise too (texture is what its shares judge).
        self.noise_ratio =
            motion::noise_ratio(self.tiles.iter().map(|t| &t.motion), &mut self.scratch)
                .unwrap_or(1.0);
        self.times.motion = clock.elapsed();
        true
    }

    /// The second half of [`Evidence::observe`], after [`Evidence::measure`] said the
    /// frame is to be judged (with the same `noise`): every pixel's evidence, then the
    /// keys. Of `candidates` (single-frame detections, row-major, and whether each is
    /// bright) it keeps the points that moved with the scene
    /// ([`Evidence::moved_points`]).
    pub fn judge(
        &mut self,
        frame: &PlaneRef<'_>,
        noise: &NoiseModel,
        n_threads: usize,
        candidates: impl Iterator<Item = (Position, bool)>,
    ) -> LearnUpdate {
        let threads = exec::threads(n_threads);
        let clock = std::time::Instant::now();
        let spatial = noise;
        let noise = &scaled(noise, self.noise_ratio);
        let lines = if self.column_instant() {
            self.observe_columns(frame, noise, threads)
        } else {
            LearnUpdate::default()
        };
        let t_columns = clock.elapsed();
        // The rules' stillness proves nothing at or above the highest level sampled.
        let judged = NoiseModel {
            clip: noise.clip.min(self.top.unwrap_or(u16::MAX)),
            ..*noise
        };
        let mut update = self.gather(frame, (&judged, spatial), threads);
        update.promoted += lines.promoted;
        update.forgotten += lines.forgotten;
        if update.changed() {
            self.merge_all();
        }
        let t_gather = clock.elapsed();
        self.find_arrivals(frame, candidates, &judged);
        self.renew_keys(frame, threads);
        self.times = PhaseTimes {
            motion: self.times.motion,
            columns: t_columns,
            gather: t_gather - t_columns,
            keys: clock.elapsed() - t_gather,
            tested: self.states.iter().map(|b| b.tested).sum(),
            judged: self.states.iter().map(|b| b.judged).sum(),
        };
        update
    }

    /// The column lines' evidence of `frame` (judged against `noise`, a pixel's noise
    /// from frame to frame); the lines confirmed and released.
    fn observe_columns(
        &mut self,
        frame: &PlaneRef<'_>,
        noise: &NoiseModel,
        threads: usize,
    ) -> LearnUpdate {
        let (data, stride) = (frame.data(), frame.stride());
        let clip = noise.clip.min(self.plane.max_value());
        crate::with_sample_io!(self.plane.encoding, Io => {
            let read = |x: usize, y: usize| Io::read(data, y * stride + x * Io::BYTES);
            self.columns.observe(&read, noise, clip, threads)
        })
    }

    /// Whether this frame judges the column lines. A sensor plane's every frame does.
    /// On a processed picture, demosaicing spreads a defective column into its adjacent
    /// columns as a lens spreads a vertical line of the scene, so only motion tells them
    /// apart: its lines are judged at the frames where the picture has moved across the
    /// columns by a pixel since the last judged one (a line of the scene has left its
    /// column by then, a defective column has not), never at rest. (Measured: a 2-pixel
    /// step, the lattice's, left a hand-held shot's column unconfirmed; EVALUATION.md.)
    fn column_instant(&mut self) -> bool {
        if !self.plane.sampling.is_processed() {
            return true;
        }
        let moved = (self.position[0] - self.columns_at).abs() >= 1.0;
        if moved {
            self.columns_at = self.position[0];
        }
        moved
    }

    /// Rebuilds [`Self::confirmed`]'s list: the confirmed pixels and the column lines'.
    fn merge_all(&mut self) {
        self.confirmed.clear();
        self.confirmed.extend_from_slice(&self.confirmed_pixels);
        self.columns.pixels(&mut self.confirmed);
        self.confirmed.sort_unstable();
        self.confirmed.dedup();
    }

    /// Phase 1: every tile's motion since its key, and what its pixels do this frame.
    fn measure_motion(&mut self, frame: &PlaneRef<'_>, noise: &NoiseModel, threads: usize) {
        let width = self.plane.width;
        let keys = &self.keys;
        let key_row = |y: usize| key_row(keys, width, y);
        let (data, stride) = (frame.data(), frame.stride());
        crate::with_sample_io!(self.plane.encoding, Io => {
            let now = |x: usize, y: usize| Io::read(data, y * stride + x * Io::BYTES);
            run_bands(&mut self.tiles, threads, |t| {
                motion::measure(&key_row, &now, frame, &t.tile, noise, &mut t.motion);
            });
        });
        // Flat tiles follow the picture. With no tile to measure it, a picture that was
        // last seen moving is taken to move still (its flat tiles wait, keeping their
        // keys), one that was not, to rest.
        let measured = motion::median_position(
            self.tiles.iter().map(|t| (&t.motion, t.key_at)),
            &mut self.scratch,
        );
        if let Some((position, step)) = measured {
            self.moving = step[0].abs().max(step[1].abs()) >= MOVING_STEP_PX;
            self.position = position;
        }
        let global = measured.map(|(position, _)| position);
        let pitch = ring(&self.plane) as f32;
        // A processed picture judges nothing at rest (see `ring`): its key is kept, so
        // that a slow drift adds up to an instant instead of being renewed away.
        let rest_renew = if self.plane.sampling.is_processed() {
            MAX_AGE
        } else {
            REST_RENEW
        };
        for t in &mut self.tiles {
            let m = &mut t.motion;
            if !m.reliable && !m.lost {
                match global {
                    Some(g) => m.shift = [g[0] - t.key_at[0], g[1] - t.key_at[1]],
                    None if self.moving => {
                        (t.phase, t.renew) = (Phase::Wait, m.age >= MAX_AGE);
                        continue;
                    }
                    None => m.shift = [0.0; 2],
                }
            }
            let s = m.shift;
            let grid = s.map(|v| (v / pitch).round() * pitch);
            let frac = (s[0] - grid[0]).abs().max((s[1] - grid[1]).abs());
            let far = s[0].abs().max(s[1].abs());
            (t.phase, t.renew) = if m.lost {
                (Phase::Wait, true)
            } else if far < REST_PX {
                (Phase::Rest, m.age >= rest_renew)
            } else if grid != [0.0, 0.0] && (frac <= ON_GRID_PX || far >= FORCE_PX) {
                let (dx, dy) = (grid[0] as i32, grid[1] as i32);
                (Phase::Instant { dx, dy }, true)
            } else {
                (Phase::Wait, m.age >= MAX_AGE)
            };
        }
    }

    /// Phase 2: every pixel's evidence (bands in parallel; reads the frame and the keys,
    /// writes each band's own state). Tiles waiting for their next instant are judged
    /// for dark points only, every fourth frame; tiles at rest are judged once per key,
    /// just before it is renewed; in a
    /// judged tile, the screen ([`cheap`]) passes over the pixels whose evidence the
    /// rules would leave as it is.
    /// `noise`: the frame-to-frame noise model and the frame's own (see
    /// [`GatherContext::spatial`]).
    fn gather(
        &mut self,
        frame: &PlaneRef<'_>,
        models: (&NoiseModel, &NoiseModel),
        threads: usize,
    ) -> LearnUpdate {
        let grid = (self.across, self.side);
        let cx = GatherContext {
            field: self.field.as_ref().map(|f| (f.parity, &f.other[..])),
            ..GatherContext::new(
                &self.plane,
                models,
                &self.tiles,
                grid,
                &self.keys,
                self.path,
                // As often as a tile at rest is judged.
                self.frames.is_multiple_of(u64::from(REST_RENEW)),
            )
        };
        crate::with_sample_io!(self.plane.encoding, Io => {
            run_bands(&mut self.states, threads, |b| cx.band::<Io>(frame, b));
        });
        self.apply_changes()
    }

    /// Merges the bands' confirmation changes into the confirmed list.
    fn apply_changes(&mut self) -> LearnUpdate {
        let mut update = LearnUpdate::default();
        for b in &self.states {
            for &(_, on) in &b.changes {
                if on {
                    update.promoted += 1;
                } else {
                    update.forgotten += 1;
                }
            }
        }
        if !update.changed() {
            return update;
        }
        // Both lists are row-major: merge.
        self.merged.clear();
        let mut old = self.confirmed_pixels.iter().peekable();
        let changes = self.states.iter().flat_map(|b| b.changes.iter());
        for &(at, on) in changes {
            while let Some(&&p) = old.peek() {
                if p < at {
                    self.merged.push(p);
                    old.next();
                } else {
                    break;
                }
            }
            if old.peek() == Some(&&at) {
                old.next();
            }
            if on {
                self.merged.push(at);
            }
        }
        self.merged.extend(old);
        std::mem::swap(&mut self.merged, &mut self.confirmed_pixels);
        update
    }

    /// Phase 3: the tiles marked for renewal take this frame as their key.
    fn renew_keys(&mut self, frame: &PlaneRef<'_>, threads: usize) {
        let w = self.plane.width;
        let tiles = &self.tiles;
        let (across, side) = (self.across, self.side);
        let (data, stride) = (frame.data(), frame.stride());
        crate::with_sample_io!(self.plane.encoding, Io => {
            run_bands(&mut self.keys, threads, |b| {
                for y in b.y0..b.y1 {
                    let row = &mut b.key[(y - b.y0) * w..(y - b.y0 + 1) * w];
                    let first = (y / side) * across;
                    for t in tiles[first..first + across].iter().filter(|t| t.renew) {
                        let (x0, x1) = (t.tile.x0, t.tile.x1);
                        let from = &data[y * stride + x0 * Io::BYTES..][..(x1 - x0) * Io::BYTES];
                        for (k, s) in row[x0..x1].iter_mut().zip(from.chunks_exact(Io::BYTES)) {
                            *k = Io::read(s, 0);
                        }
                    }
                }
            });
        });
        for t in &mut self.tiles {
            if t.renew {
                t.motion.renew();
                t.renew = false;
                t.key_at = self.position;
            }
        }
    }

    /// The confirmed defects as a map in sensor coordinates (frame pixel plus offset).
    /// A column whose every line (both colours of a Bayer column) is confirmed is one
    /// `col` entry; a line of one colour alone, its pixels.
    pub fn to_map(&self, offset_x: i64, offset_y: i64) -> DefectMap {
        let pitch = self.plane.cfa().pitch() as u32;
        let lines = self.columns.lines();
        let whole = |x: u32| lines.iter().filter(|l| l.x == x).count() as u32 == pitch;
        let columns = lines
            .iter()
            .filter(|l| l.parity == 0 && whole(l.x))
            .map(|l| Entry::Column {
                x: i64::from(l.x) + offset_x,
            });
        let pixel = |p: Position| Entry::Pixel {
            x: i64::from(p.x) + offset_x,
            y: i64::from(p.y) + offset_y,
        };
        let line_pixels = lines
            .iter()
            .filter(|l| !whole(l.x))
            .flat_map(|&l| self.columns.line_pixels(l));
        let pixels = self
            .confirmed_pixels
            .iter()
            .copied()
            .filter(|p| !whole(p.x))
            .chain(line_pixels)
            .map(pixel);
        DefectMap::from_entries(columns.chain(pixels).collect())
    }
}

/// The lattice the evidence works on: the distance of the 8 neighbours a pixel is judged
/// against, the side of the motion search's cells and the step of an instant's
/// displacement. On a sensor frame, the same-colour pitch. A processed picture has no
/// colour pattern, but demosaicing and resampling spread each photosite over its
/// adjacent pixels, which carry part of a defect and move with it: its neighbours are
/// taken two pixels away, outside that 3×3, and the rest follows as on a Bayer sensor.
fn ring(plane: &Plane) -> usize {
    if plane.sampling.is_processed() {
        2
    } else {
        plane.cfa().pitch()
    }
}

/// On a processed picture, a demosaiced defect's share of its error in each pixel beside
/// it, at least: bilinear demosaicing fills a green photosite's colour in the four
/// pixels beside it from four greens, one of them the defect (a quarter of its error
/// there, in luma too), a red or blue one's from two (a half); the pixels around a 2×2
/// block of photosites take its colours but not its whole luma, about a fifth of it.
/// (Measured: a quarter left 2×2 blocks unrepaired, 45.3 → 42.5 % on pans.)
pub(crate) const DEMOSAIC_SHARE: f32 = 0.125;
/// Noise margin (σ of a difference of two pixels) of "no share at all".
const DEMOSAIC_SIGMAS: f32 = 3.0;

/// Whether a pixel beside a point (or a column beside a line) that rose by `rise`,
/// against the pixel beyond it, carries a demosaiced share of the point's own rise
/// `own` over that pixel, less `margin` (the noise): the test of [`demosaiced`] and of
/// a processed picture's lines ([`columns::LineCounts::unspread`]).
#[inline]
pub(crate) fn carries_demosaic_share(rise: f32, own: f32, margin: f32) -> bool {
    rise >= DEMOSAIC_SHARE * own - margin
}

/// What lies above and below a point of a processed picture in the frame.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Vertical {
    /// The picture's own rows: it is the frame.
    Picture,
    /// The point lies in one field of interlaced frames, and the other field gives
    /// the frame pixels right above and below it; the field's own rows lie two frame
    /// rows out.
    OtherField { above: u16, below: u16 },
    /// A field whose other field is not known.
    Unknown,
}

/// Whether a point of a processed picture (`at(dx, dy)` reading the picture around it,
/// `bright` its side, `sigma` the noise, `vertical` the frame's pixels above and below)
/// spread into every pixel beside it as demosaicing spreads a photosite's error: each of
/// the four, against the pixel two out on the same side, rises (falls) by at least
/// [`DEMOSAIC_SHARE`] of the point's own rise over that pixel, less the noise. A point
/// that left a pixel beside it untouched was never a photosite: it was composited over
/// the picture after the camera (a graphic's dot or the edge of a stroke one pixel
/// wide).
///
/// In a field of interlaced frames the pixels above and below are the other field's
/// (their rows were exposed a field period apart: a still graphic shows there as it
/// does in the field, a defect as its demosaic spread it), and the field's own rows
/// are the pixels two out. A spot centred in the other field shows in this one only as
/// its spread above or below (beside a green photosite's arms nothing rises: measured,
/// asking them to spread sideways took hot spots on interlaced pans from 65.1 to 50.9
/// % corrected): a point with a frame neighbour above or below beyond it by more than
/// the noise is such an arm, not a graphic. Without the other field a field cannot
/// tell, and every point counts as demosaiced.
fn demosaiced(
    at: impl Fn(isize, isize) -> u16,
    bright: bool,
    sigma: f32,
    vertical: Vertical,
) -> bool {
    let s = if bright { 1.0 } else { -1.0 };
    let v = f32::from(at(0, 0));
    let margin = DEMOSAIC_SIGMAS * std::f32::consts::SQRT_2 * sigma;
    // Whether `near` (beside the point) carries its share against `beyond` (two out).
    let spread = |near: u16, beyond: u16| {
        let beyond = f32::from(beyond);
        carries_demosaic_share(s * (f32::from(near) - beyond), s * (v - beyond), margin)
    };
    let sideways = spread(at(1, 0), at(2, 0)) && spread(at(-1, 0), at(-2, 0));
    match vertical {
        Vertical::Picture => sideways && spread(at(0, 1), at(0, 2)) && spread(at(0, -1), at(0, -2)),
        Vertical::OtherField { above, below } => {
            let beyond_it = |n: u16| s * (f32::from(n) - v) > margin;
            (sideways && spread(above, at(0, -1)) && spread(below, at(0, 1)))
                || beyond_it(above)
                || beyond_it(below)
        }
        Vertical::Unknown => true,
    }
}

/// A pixel's same-colour neighbours as four opposite pairs (up/down, left/right, the two
/// diagonals, as [`cheap::Segment`] takes them), `at(r, o)` reading row `r` (0 above,
/// 1 the pixel's, 2 below) at offset `o`, `q` the pitch.
fn opposite_pairs<'r>(
    at: impl Fn(usize, isize) -> &'r [u16],
    q: isize,
) -> [(&'r [u16], &'r [u16]); 4] {
    [
        (at(0, 0), at(2, 0)),
        (at(1, -q), at(1, q)),
        (at(0, -q), at(2, q)),
        (at(0, q), at(2, -q)),
    ]
}

/// Least excess of a point's colour difference over its same-colour neighbours' (beyond
/// the second most extreme, less [`COLOUR_TEXTURE_SHARE`] of their spread), in σ of the
/// pixel, for the point to stand out from texture that every colour shares.
const COLOUR_SIGMAS: f32 = 3.0;
/// Share of the neighbours' colour-difference spread that the texture of colour adds.
const COLOUR_TEXTURE_SHARE: f32 = 0.5;

/// Whether a point stands out in its colour difference (the pixel less the mean of two of
/// its 4 adjacent pixels, of other colours on a Bayer sensor: the two on the far side
/// from the point's, see below) from the same difference at its
/// 8 same-colour neighbours (`q` pixels away), beyond the second most extreme of them
/// by [`COLOUR_SIGMAS`] σ and [`COLOUR_TEXTURE_SHARE`] of their spread, on the side of
/// `bright`: luminance texture, which every colour shares, cancels in the difference; a
/// photosite that does not see the scene does not. `at(dx, dy)` reads the pixel at that
/// offset from the point. On a monochrome sensor the adjacent pixels are the same
/// colour, and the test compares the point's contrast with its neighbours' contrast.
fn colour_stands_out(at: impl Fn(isize, isize) -> u16, q: isize, bright: bool, sigma: f32) -> bool {
    let sign = if bright { 1.0 } else { -1.0 };
    let difference = |cx: isize, cy: isize| {
        let mut adjacent = [(-1, 0), (1, 0), (0, -1), (0, 1)].map(|(dx, dy)| at(cx + dx, cy + dy));
        adjacent.sort_unstable();
        // The two adjacent pixels on the far side from the point's (the two lowest for a
        // bright point, the two highest for a dark one): in a 2×2 block of defects the
        // other two are defects too.
        let (a, b) = if bright {
            (adjacent[0], adjacent[1])
        } else {
            (adjacent[2], adjacent[3])
        };
        sign * (f32::from(at(cx, cy)) - (f32::from(a) + f32::from(b)) / 2.0)
    };
    // (The evidence pass's neighbours: `q` away along both axes and both diagonals.)
    let around = neighbour_offsets(q, false).map(|(dx, dy)| difference(dx, dy));
    let (hi2, lo2) = rules::second_extremes(around);
    difference(0, 0) - hi2 - COLOUR_TEXTURE_SHARE * (hi2 - lo2) > COLOUR_SIGMAS * sigma
}

/// Bilinear interpolation of the four samples `[top left, top right, bottom left,
/// bottom right]` at fractions `wx`, `wy` (each in `[0, 1)`) of the way across and
/// down, rounded to the nearest integer, halves up. The value is never negative, so the
/// rounding is the truncation plus one where the fraction left is at least a half —
/// exactly `f32::round` there, in operations the compiler vectorises (`round` itself is
/// a library call on the baseline target).
#[inline(always)]
fn bilinear([t0, t1, b0, b1]: [u16; 4], wx: f32, wy: f32) -> u16 {
    let (t0, t1, b0, b1) = (f32::from(t0), f32::from(t1), f32::from(b0), f32::from(b1));
    let t = t0 + wx * (t1 - t0);
    let b = b0 + wx * (b1 - b0);
    // With weights in [0, 1) `v` lies between the smallest and the largest of the four
    // values; the bounds (which `max` and `min` also give a NaN) hold whatever the
    // weights are.
    #[allow(clippy::manual_clamp)] // `clamp` would pass a NaN through.
    let v = (t + wy * (b - t)).max(0.0).min(65535.0);
    // SAFETY: `v` is finite and within `i32` (the line above). The checked cast would
    // be scalar.
    let whole: i32 = unsafe { v.to_int_unchecked() };
    (whole + i32::from(v - whole as f32 >= 0.5)) as u16
}

/// `out[i]` = [`bilinear`] of `top[i]`, `top[i + 1]`, `bottom[i]`, `bottom[i + 1]` at
/// `weights` (both rows hold at least `out.len() + 1` samples). No bounds to check
/// inside the loop: the compiler vectorises it, as wide as the instruction set of the
/// build allows.
#[inline(always)]
fn bilinear_row(top: &[u16], bottom: &[u16], (wx, wy): (f32, f32), out: &mut [u16]) {
    let n = out.len();
    let (Some(t), Some(b)) = (top.get(..n + 1), bottom.get(..n + 1)) else {
        return;
    };
    let corners = t.iter().zip(&t[1..]).zip(b.iter().zip(&b[1..]));
    for (o, ((&a, &b), (&c, &d))) in out.iter_mut().zip(corners) {
        *o = bilinear([a, b, c, d], wx, wy);
    }
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn bilinear_row_avx2(top: &[u16], bottom: &[u16], weights: (f32, f32), out: &mut [u16]) {
    bilinear_row(top, bottom, weights, out)
}

/// # Safety
/// The CPU must support AVX-512F and AVX-512BW.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn bilinear_row_avx512(top: &[u16], bottom: &[u16], weights: (f32, f32), out: &mut [u16]) {
    bilinear_row(top, bottom, weights, out)
}

/// [`bilinear_row`] with the instruction set of `path` (every path gives the same
/// values: floating-point products and sums are not fused on any of them).
fn interpolate_row(
    path: KernelPath,
    top: &[u16],
    bottom: &[u16],
    weights: (f32, f32),
    out: &mut [u16],
) {
    match path {
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx2 if path.available() => {
            // SAFETY: AVX2 is present (checked on the line above); the body is safe code.
            unsafe { bilinear_row_avx2(top, bottom, weights, out) }
        }
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx512 if path.available() => {
            // SAFETY: AVX-512F/BW is present (checked on the line above); safe body.
            unsafe { bilinear_row_avx512(top, bottom, weights, out) }
        }
        _ => bilinear_row(top, bottom, weights, out),
    }
}

/// What every band of the evidence pass reads.
struct GatherContext<'a> {
    plane: Plane,
    noise: &'a NoiseModel,
    /// The noise model measured within the frame, where the scene's own fine texture
    /// counts as noise: what a spatial deviation is judged against at rest, where it
    /// has no temporal prediction to agree (a static scene's texture does not change
    /// from one frame to the next, and the frame-to-frame noise would take it for a
    /// deviation).
    spatial: &'a NoiseModel,
    tiles: &'a [TileState],
    across: usize,
    side: usize,
    keys: &'a [KeyBand],
    /// The frame-to-frame noise model's coefficients (σ² = a + b·level) per plane, with
    /// σ never below half a step of 8-bit data.
    coef: ([f32; 4], [f32; 4]),
    /// The same coefficients as the rules see them (no floor).
    rules_coef: ([f32; 4], [f32; 4]),
    /// The frame's own model's coefficients (the rules' cold points at rest).
    spatial_coef: ([f32; 4], [f32; 4]),
    /// The level at which the rules take a value as clipped: the frame's; 0 in a
    /// processed picture, where every value counts as clipped (see `band`).
    clip: u16,
    path: KernelPath,
    /// Whether tiles waiting for their next instant are judged for dark points this
    /// frame ([`rules::dark_point`]).
    judge_waits: bool,
    /// For one field of interlaced frames ([`Evidence::for_field`]): its parity and
    /// the other field's rows.
    field: Option<(usize, &'a [u16])>,
}

impl<'a> GatherContext<'a> {
    /// `noise`: the frame-to-frame noise model and the frame's own; `grid`: tiles
    /// across the frame, and a tile's side.
    fn new(
        plane: &Plane,
        (noise, spatial): (&'a NoiseModel, &'a NoiseModel),
        tiles: &'a [TileState],
        (across, side): (usize, usize),
        keys: &'a [KeyBand],
        path: KernelPath,
        judge_waits: bool,
    ) -> Self {
        let floor = 0.5 * f64::from(1u32 << plane.depth.saturating_sub(8));
        let coef = (
            noise.a.map(|a| a.max(floor * floor) as f32),
            noise.b.map(|b| b as f32),
        );
        GatherContext {
            plane: *plane,
            noise,
            spatial,
            tiles,
            across,
            side,
            keys,
            coef,
            rules_coef: (noise.a.map(|a| a as f32), noise.b.map(|b| b as f32)),
            spatial_coef: (spatial.a.map(|a| a as f32), spatial.b.map(|b| b as f32)),
            clip: if plane.sampling.is_processed() {
                0
            } else {
                noise.clip.min(plane.max_value())
            },
            path,
            judge_waits,
            field: None,
        }
    }

    /// Row `y` of the key frame.
    #[inline(always)]
    fn key_row(&self, y: usize) -> &[u16] {
        key_row(self.keys, self.plane.width, y)
    }

    /// The cheap test ([`cheap`]) over columns `x0..x1` of row `y`: the columns that
    /// the rules must see go to `pending`. `rows` are the decoded frame rows `y - p`,
    /// `y`, `y + p` (pixel `x` at index `x + 2`), `key_rows` the key frame's same rows;
    /// the key frame at (`x - dx`) of `moved_row` is where the scene was (at rest, the
    /// key's row `y` and `dx` 0).
    #[allow(clippy::too_many_arguments)]
    fn cheap_test(
        &self,
        (rows, key_rows, moved_row): ([&[u16]; 3], [&[u16]; 3], &[u16]),
        y: usize,
        (x0, x1): (usize, usize),
        dx: isize,
        judgement: Judgement,
        state: &mut [PixelState],
        marks: &mut [u8],
        pending: &mut Vec<u32>,
    ) {
        pending.clear();
        let n = x1 - x0;
        let cfa = self.plane.cfa();
        let p = ring(&self.plane);
        let planes = [cfa.plane_index(0, y), cfa.plane_index(1, y)];
        // The smaller of the row's two colours' coefficients.
        let least = |c: &[f32; 4]| c[planes[0]].min(c[planes[1]]);
        let noise = cheap::RowNoise {
            a: least(&self.coef.0),
            b: least(&self.coef.1),
            rules_a: least(&self.rules_coef.0),
            rules_b: least(&self.rules_coef.1),
            spatial_a: least(&self.spatial_coef.0),
            spatial_b: least(&self.spatial_coef.1),
            clip: self.clip,
        };
        // Pixel x + o of row r (0: y - p, 1: y, 2: y + p), decoded and of the key.
        let at = |r: usize, o: isize| &rows[r][(x0 as isize + 2 + o) as usize..][..n];
        let key_at = |r: usize, o: isize| &key_rows[r][(x0 as isize + o) as usize..][..n];
        let q = p as isize;
        let segment = cheap::Segment {
            centre: at(1, 0),
            pairs: opposite_pairs(at, q),
            key_pairs: opposite_pairs(key_at, q),
            key: key_at(1, 0),
            from: &moved_row[(x0 as isize - dx) as usize..][..n],
        };
        cheap::mark(
            self.path,
            &segment,
            noise,
            judgement,
            &mut state[x0..x1],
            &mut marks[..n],
        );
        crate::detect::scan_flags(&marks[..n], |i, _| pending.push((x0 + i) as u32));
    }

    /// The key frame bilinearly interpolated where the scene at pixels `x0..x1` of row
    /// `y` was, `shift` pixels back, into `out[x]` (`out` is the frame's width; the
    /// positions are clamped to the frame). The columns whose two key samples lie inside
    /// the frame take a loop without clamps, vectorised for the instruction set of the
    /// evidence's path ([`interpolate_row`]); both loops compute the same value
    /// ([`bilinear`]).
    fn interpolated_key(
        &self,
        shift: [f32; 2],
        y: usize,
        (x0, x1): (usize, usize),
        out: &mut Vec<u16>,
    ) {
        let (w, h) = (self.plane.width, self.plane.height);
        out.resize(w, 0);
        let (sx, sy) = (-shift[0], y as f32 - shift[1]);
        let (ox, wx) = (sx.floor(), sx - sx.floor());
        let (ry, wy) = (sy.floor(), sy - sy.floor());
        let row = |r: f32| self.key_row((r.max(0.0) as usize).min(h - 1));
        let (top, bottom) = (row(ry), row(ry + 1.0));
        let ox = ox as isize;
        // Columns x with x + ox and x + ox + 1 both inside the frame.
        let inner0 = (-ox).clamp(x0 as isize, x1 as isize) as usize;
        let inner1 = (w as isize - 1 - ox).clamp(inner0 as isize, x1 as isize) as usize;
        if inner0 < inner1 {
            let from = (inner0 as isize + ox) as usize;
            let (top, bottom) = (&top[from..], &bottom[from..]);
            interpolate_row(self.path, top, bottom, (wx, wy), &mut out[inner0..inner1]);
        }
        let at = |k: &[u16], x: isize| k[x.clamp(0, w as isize - 1) as usize];
        for x in (x0..inner0).chain(inner1..x1) {
            let xi = x as isize + ox;
            let corners = [
                at(top, xi),
                at(top, xi + 1),
                at(bottom, xi),
                at(bottom, xi + 1),
            ];
            out[x] = bilinear(corners, wx, wy);
        }
    }

    /// One band of rows: the tiles judged in each row, in runs ([`Run`]).
    fn band<Io: SampleIo>(&self, frame: &PlaneRef<'_>, b: &mut StateBand) {
        let f = &self.plane;
        let (w, h) = (f.width, f.height);
        let p = ring(f);
        // In a processed picture motion alone decides. The lens test reads its spread
        // as light, which its defects have too (demosaicing spread them): there the
        // test asks the opposite, whether a point spread into every pixel beside it as
        // demosaicing spreads a photosite's error (`demosaiced`; a graphic composited
        // after the camera does not). A pixel there carries no photosite's own noise
        // (demosaicing mixes its neighbours' in, a codec copies unchanged blocks
        // exactly), so its stillness proves nothing: tiles at rest are not judged, and
        // every value counts as clipped (the rules' stillness votes then stand still).
        let processed = f.sampling.is_processed();
        b.changes.clear();
        (b.tested, b.judged) = (0, 0);
        // The decoded rows y - p ..= y + p, each in slot `y % slots` (decoded when a row
        // first needs them).
        let slots = 2 * p + 1;
        let padded = w + 4;
        b.rows.resize(slots * padded, 0);
        b.marks.resize(w, 0);
        let mut holds = [usize::MAX; 5];
        // A pixel within a pitch of the edge has neighbours on one side only, where the
        // scene's gradient alone makes it an extreme: it is judged by one frame only.
        for y in b.y0.max(p)..b.y1.min(h.saturating_sub(p)) {
            let first = (y / self.side) * self.across;
            let mut decoded = false;
            // Adjacent tiles judged alike form one run, screened in one pass.
            let mut run: Option<Run> = None;
            for t in &self.tiles[first..first + self.across] {
                let x0 = t.tile.x0.max(p);
                let x1 = t.tile.x1.min(w.saturating_sub(p));
                let (judgement, (dx, dy)) = match t.phase {
                    Phase::Wait if !self.judge_waits || processed => continue,
                    Phase::Wait => (Judgement::Dark, (0, 0)),
                    Phase::Rest if !t.renew || processed => continue,
                    Phase::Rest => (Judgement::Rest, (0, 0)),
                    Phase::Instant { dx, dy } => (Judgement::Instant, (dx as isize, dy as isize)),
                };
                let instant = judgement == Judgement::Instant;
                let sy = y as isize - dy;
                // Instants need the key frame at the old scene position inside the frame.
                let (x0, x1) = if instant {
                    if !(0..h as isize).contains(&sy) {
                        continue;
                    }
                    (
                        (x0 as isize).max(dx) as usize,
                        (x1 as isize).min(w as isize + dx).max(0) as usize,
                    )
                } else {
                    (x0, x1)
                };
                if x0 >= x1 {
                    continue;
                }
                if !decoded {
                    for r in [y - p, y, y + p] {
                        let slot = r % slots;
                        if holds[slot] != r {
                            let dst = &mut b.rows[slot * padded..][..padded];
                            crate::detect::decode_row(frame, r, dst, self.path);
                            holds[slot] = r;
                        }
                    }
                    decoded = true;
                }
                // Where the scene at each pixel was: on a sensor, the key frame's
                // same-colour pixel a whole number of pitches away (row `y - dy`, at `x -
                // dx`); in a processed picture, which has no colour pattern, the key frame
                // interpolated at the tile's own sub-pixel displacement, into one row
                // (`StateBand::moved`) that a run of such tiles shares.
                let interpolated = processed && instant;
                let tile = if interpolated {
                    Run::new(judgement, (0, 0), true, (x0, x1))
                } else {
                    Run::new(judgement, (dx, dy), false, (x0, x1))
                };
                match &mut run {
                    Some(r) if r.continues_with(&tile) => r.x1 = x1,
                    _ => {
                        if let Some(r) = run.take() {
                            self.judge_run::<Io>(frame, b, y, &r);
                        }
                        run = Some(tile);
                    }
                }
                if interpolated {
                    self.interpolated_key(t.motion.shift, y, (x0, x1), &mut b.moved);
                }
            }
            if let Some(r) = run {
                self.judge_run::<Io>(frame, b, y, &r);
            }
        }
    }

    /// What lies above and below pixel (`x`, `y`) of a processed picture in the frame
    /// ([`demosaiced`]): in a field, the other field's rows `y + parity - 1` and `y +
    /// parity`.
    fn vertical(&self, x: usize, y: usize) -> Vertical {
        let Some((parity, other)) = self.field else {
            return Vertical::Picture;
        };
        let w = self.plane.width;
        let at = |r: Option<usize>| r.and_then(|r| other.get(r * w + x).copied());
        match (at((y + parity).checked_sub(1)), at(Some(y + parity))) {
            (Some(above), Some(below)) => Vertical::OtherField { above, below },
            _ => Vertical::Unknown,
        }
    }

    /// Judges the pixels of `run` in row `y` (its frame rows decoded into the band's
    /// slots): the screen, then the rules on the pixels it keeps.
    fn judge_run<Io: SampleIo>(
        &self,
        frame: &PlaneRef<'_>,
        b: &mut StateBand,
        y: usize,
        run: &Run,
    ) {
        let f = &self.plane;
        let (w, h) = (f.width, f.height);
        let (data, stride) = (frame.data(), frame.stride());
        let read = |x: usize, y: usize| Io::read(data, y * stride + x * Io::BYTES);
        let cfa = f.cfa();
        let p = ring(f);
        let processed = f.sampling.is_processed();
        let (slots, padded) = (2 * p + 1, w + 4);
        let StateBand {
            y0,
            state,
            changes,
            pending,
            tested,
            judged,
            rows,
            marks,
            moved,
            ..
        } = b;
        let state = &mut state[(y - *y0) * w..(y - *y0 + 1) * w];
        let planes = [cfa.plane_index(0, y), cfa.plane_index(1, y)];
        let (judgement, (x0, x1)) = (run.judgement, (run.x0, run.x1));
        let instant = judgement == Judgement::Instant;
        // The frame's rows (decoded: pixel x at x + 2) and the key's around y, and the
        // key's row where the scene was (see `band`).
        let rows = [y - p, y, y + p].map(|r| &rows[(r % slots) * padded..][..padded]);
        let key_rows = [y - p, y, y + p].map(|r| self.key_row(r));
        let (moved_row, dx) = if run.interpolated {
            (&moved[..], 0)
        } else {
            (self.key_row((y as isize - run.dy) as usize), run.dx)
        };
        self.cheap_test(
            (rows, key_rows, moved_row),
            y,
            (x0, x1),
            dx,
            judgement,
            state,
            marks,
            pending,
        );
        *tested += x1 - x0;
        *judged += pending.len();
        for &x in pending.iter() {
            let x = x as usize;
            let st = &mut state[x];
            let value = rows[1][x + 2];
            let key_value = key_rows[1][x];
            let plane = planes[x & 1];
            let moved_from = instant.then(|| moved_row[(x as isize - dx) as usize]);
            let mut neighbours = [0u16; 8];
            let mut key_neighbours = [0u16; 8];
            let mut i = 0;
            for r in 0..3 {
                for nx in [x - p, x, x + p] {
                    if r == 1 && nx == x {
                        continue;
                    }
                    neighbours[i] = rows[r][nx + 2];
                    key_neighbours[i] = key_rows[r][nx];
                    i += 1;
                }
            }
            let o = Observation {
                value,
                key_value,
                moved_from,
                neighbours,
                key_neighbours,
                plane,
                clip: self.clip,
            };
            let before = *st;
            let reflect = crate::detect::kernel::reflect;
            let at = |ox, oy| read(reflect(x, ox, w), reflect(y, oy, h));
            let lens = |bright: bool, excess: f32, sigma: f32| {
                if processed {
                    !demosaiced(at, bright, sigma, self.vertical(x, y))
                } else {
                    spreads_like_a_lens(at, f64::from(excess), bright, f64::from(sigma))
                }
            };
            // A dark point is also texture that the other colours share.
            let shared =
                |bright: bool, sigma: f32| !colour_stands_out(at, p as isize, bright, sigma);
            let detail = |bright: bool, excess: f32, sigma: f32| {
                lens(bright, excess, sigma) || shared(bright, sigma)
            };
            *st = match judgement {
                Judgement::Instant => rules::at_instant(before, &o, self.noise, lens),
                Judgement::Rest => rules::at_rest(before, &o, self.spatial, detail),
                Judgement::Dark => rules::dark_point(before, &o, self.spatial, detail),
            };
            if st.confirmed() != before.confirmed() {
                changes.push((Position::new(x as u32, y as u32), st.confirmed()));
            }
        }
    }
}

/// Adjacent tiles of one row judged alike — the same judgement and the same move, or,
/// on a processed picture's instants, a prediction interpolated into the band's row —
/// which the evidence pass screens as one segment (every pixel's evidence is its own:
/// one segment or several give the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    judgement: Judgement,
    dx: isize,
    dy: isize,
    interpolated: bool,
    x0: usize,
    x1: usize,
}

impl Run {
    fn new(
        judgement: Judgement,
        (dx, dy): (isize, isize),
        interpolated: bool,
        (x0, x1): (usize, usize),
    ) -> Self {
        Run {
            judgement,
            dx,
            dy,
            interpolated,
            x0,
            x1,
        }
    }

    /// Whether `next` is judged alike and begins where this run ends.
    fn continues_with(&self, next: &Run) -> bool {
        (self.judgement, self.dx, self.dy, self.interpolated)
            == (next.judgement, next.dx, next.dy, next.interpolated)
            && self.x1 == next.x0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{FrameFormat, PlaneMut};
    use crate::sim::SplitMix64;

    const W: usize = 192;
    const H: usize = 160;

    fn format() -> FrameFormat {
        FrameFormat::parse("video/x-bayer", "rggb12le", W as i64, H as i64).unwrap()
    }

    /// A smooth texture of a few hundred DN (sines of 5–20 px periods) seen at `(x, y)`.
    fn texture(x: f64, y: f64) -> f64 {
        1200.0
            + 300.0 * (x * 0.31 + y * 0.17).sin()
            + 200.0 * (x * 0.11 - y * 0.29).cos()
            + 150.0 * ((x + y) * 0.53).sin()
    }

    /// Gaussian stars of σ 0.8 px on a dark sky.
    fn stars(x: f64, y: f64) -> f64 {
        let mut v = 300.0;
        for sy in (12..H).step_by(23) {
            for sx in (9..W).step_by(19) {
                let (dx, dy) = (x - sx as f64 - 0.3, y - sy as f64 - 0.6);
                v += 2500.0 * (-(dx * dx + dy * dy) / (2.0 * 0.8 * 0.8)).exp();
            }
        }
        v
    }

    /// A sensor defect: what the photosite reads instead of `scene`.
    #[derive(Clone, Copy)]
    enum Defect {
        Dead,
        Stuck(u16),
        Warm(f64),
    }

    /// Renders frame `t` of `scene` in frames of `f`, moved by `velocity` px per frame,
    /// with fresh noise of `sigma` DN and the given defects.
    fn render(
        f: &FrameFormat,
        scene: impl Fn(f64, f64) -> f64,
        t: usize,
        velocity: (f64, f64),
        sigma: f64,
        defects: &[(usize, usize, Defect)],
        rng: &mut SplitMix64,
    ) -> Vec<u8> {
        let mut data = vec![0u8; f.default_size()];
        let mut frame = PlaneMut::new(&mut data, f.plane(), f.default_stride()).unwrap();
        let (ox, oy) = (velocity.0 * t as f64, velocity.1 * t as f64);
        for y in 0..H {
            for x in 0..W {
                // Box–Muller from two uniforms.
                let (u1, u2) = (rng.unit().max(1e-12), rng.unit());
                let n = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                let mut v = scene(x as f64 - ox, y as f64 - oy) + sigma * n;
                for &(dx, dy, d) in defects {
                    if (dx, dy) == (x, y) {
                        v = match d {
                            Defect::Dead => 256.0 + n,
                            Defect::Stuck(s) => f64::from(s),
                            Defect::Warm(offset) => v + offset,
                        };
                    }
                }
                frame.set(x, y, v.round().clamp(0.0, 4095.0) as u16);
            }
        }
        data
    }

    /// Runs `frames` frames through fresh evidence; the confirmed set after each frame.
    fn run(
        frames: usize,
        n_threads: usize,
        make: impl Fn(usize, &mut SplitMix64) -> Vec<u8>,
    ) -> (Evidence, Vec<Vec<Position>>) {
        let f = format();
        let mut evidence = Evidence::new(f.plane());
        let mut rng = SplitMix64::new(7);
        let noise = NoiseModel::flat(4.0);
        let mut history = Vec::new();
        for t in 0..frames {
            let data = make(t, &mut rng);
            let frame = PlaneRef::new(&data, f.plane(), f.default_stride()).unwrap();
            evidence.observe(&frame, &noise, n_threads);
            history.push(evidence.confirmed().to_vec());
        }
        (evidence, history)
    }

    const DEFECTS: [(usize, usize, Defect); 3] = [
        (60, 50, Defect::Dead),
        (101, 80, Defect::Stuck(1500)),
        (140, 121, Defect::Warm(400.0)),
    ];

    #[test]
    fn still_defects_in_a_moving_scene_are_confirmed_and_nothing_else() {
        let (_, history) = run(40, 0, |t, rng| {
            render(&format(), texture, t, (1.3, 0.4), 4.0, &DEFECTS, rng)
        });
        let expected: Vec<Position> = DEFECTS
            .iter()
            .map(|d| Position::new(d.0 as u32, d.1 as u32))
            .collect();
        assert_eq!(history[39], expected);
        // Confirmed early, and never anything else on the way.
        let first = history.iter().position(|c| c == &expected).unwrap();
        assert!(first < 20, "confirmed only at frame {first}");
        assert!(
            history
                .iter()
                .all(|c| c.iter().all(|p| expected.contains(p)))
        );
    }

    /// Frames of `scene` moving at `velocity` with a dead column at `x` (it reads 256,
    /// the black level of the scene, without noise).
    fn with_dead_column(
        scene: impl Fn(f64, f64) -> f64,
        velocity: (f64, f64),
        x: usize,
    ) -> impl Fn(usize, &mut SplitMix64) -> Vec<u8> {
        move |t, rng| {
            let mut data = render(&format(), &scene, t, velocity, 4.0, &[], rng);
            let f = format();
            let mut frame = PlaneMut::new(&mut data, f.plane(), f.default_stride()).unwrap();
            for y in 0..H {
                frame.set(x, y, 256);
            }
            data
        }
    }

    #[test]
    fn a_dead_column_is_confirmed_whole_moving_or_not_and_mapped_as_a_column() {
        for velocity in [(1.3, 0.4), (0.0, 0.0)] {
            let (evidence, history) = run(12, 0, with_dead_column(texture, velocity, 77));
            let column: Vec<Position> = (0..H as u32).map(|y| Position::new(77, y)).collect();
            // Confirmed after four judged frames, and nothing else.
            assert!(history[3].is_empty(), "{velocity:?}");
            assert_eq!(history[4], column, "{velocity:?}");
            assert_eq!(history[11], column, "{velocity:?}");
            assert_eq!(
                evidence.column_lines(),
                [
                    ColumnLine { x: 77, parity: 0 },
                    ColumnLine { x: 77, parity: 1 }
                ]
            );
            assert_eq!(evidence.to_map(0, 0).entries(), [Entry::Column { x: 77 }]);
        }
    }

    /// `frames` frames of `scene` moving at `velocity`, without defects: nothing is ever
    /// confirmed. The evidence after the last.
    fn confirms_nothing(
        frames: usize,
        scene: impl Fn(f64, f64) -> f64,
        velocity: (f64, f64),
    ) -> Evidence {
        let (evidence, history) = run(frames, 0, |t, rng| {
            render(&format(), &scene, t, velocity, 4.0, &[], rng)
        });
        let confirmed: Vec<&Position> = history.iter().flatten().collect();
        assert!(confirmed.is_empty(), "{confirmed:?}");
        evidence
    }

    /// The reliable tiles' displacements in each of frames 1..`frames` of `scene`
    /// moving at `velocity` with noise of 4 DN and `defects`, all measured against the
    /// key of frame 0 (motion only: no evidence gathered, no key renewed).
    fn reliable_shifts(
        scene: impl Fn(f64, f64) -> f64 + Copy,
        velocity: (f64, f64),
        defects: &[(usize, usize, Defect)],
        frames: usize,
        seed: u64,
    ) -> Vec<Vec<[f32; 2]>> {
        let f = format();
        let noise = NoiseModel::flat(4.0);
        let mut evidence = Evidence::new(f.plane());
        let mut rng = SplitMix64::new(seed);
        let first = render(&f, scene, 0, velocity, 4.0, defects, &mut rng);
        evidence.observe(
            &PlaneRef::new(&first, f.plane(), f.default_stride()).unwrap(),
            &noise,
            1,
        );
        (1..frames)
            .map(|t| {
                let next = render(&f, scene, t, velocity, 4.0, defects, &mut rng);
                let frame = PlaneRef::new(&next, f.plane(), f.default_stride()).unwrap();
                evidence.measure_motion(&frame, &noise, 1);
                evidence
                    .tiles
                    .iter()
                    .filter(|t| t.motion.reliable)
                    .map(|t| t.motion.shift)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_motion_follows_a_faint_scene_not_its_fixed_defects() {
        // A dim, low-contrast scene panning by (1.3, 0.4) px a frame and a stuck
        // photosite every 195 pixels, which match themselves at no displacement.
        let faint = |x: f64, y: f64| 300.0 + (texture(x, y) - 1200.0) / 8.0;
        let stuck: Vec<(usize, usize, Defect)> = (3..H)
            .step_by(13)
            .flat_map(|y| {
                (0..W - 5)
                    .step_by(15)
                    .map(move |x| (x + y % 5, y, Defect::Stuck(4000)))
            })
            .collect();
        let measured = reliable_shifts(faint, (1.3, 0.4), &stuck, 2, 5).remove(0);
        // Without the outlier cap most tiles take their fixed defects for a scene at
        // rest (or nearly) and call it reliable; with it, the few tiles that can tell
        // find the scene's motion.
        assert!(!measured.is_empty());
        for s in measured {
            assert!(
                (s[0] - 1.3).abs() < 0.7 && (s[1] - 0.4).abs() < 0.6,
                "{s:?}"
            );
        }
    }

    #[test]
    fn a_still_diagonal_edge_gives_no_motion_along_itself() {
        // Stripes at 45°: every shift along them matches as well as none, so only the
        // noise would choose; a tile with shape across both axes alone must not take
        // the noise's choice for a motion.
        let stripes =
            |x: f64, y: f64| 1200.0 + 500.0 * (std::f64::consts::TAU * (x + y) / 23.0).sin();
        for (t, shifts) in reliable_shifts(stripes, (0.0, 0.0), &[], 12, 9)
            .into_iter()
            .enumerate()
        {
            for s in shifts {
                assert!(s[0].abs().max(s[1].abs()) < 1.0, "frame {}: {s:?}", t + 1);
            }
        }
    }

    /// Frames of the texture with one sharp red point of the scene (a glint of σ 0.7 px
    /// that only the red photosites see) at (90.3, 70.6) and a stuck photosite at (41,
    /// 31), moving at `velocity`; each frame is judged with both as single-frame
    /// candidates (the point at its brightest pixel of the frame). For each frame from
    /// the second: whether each was found to have arrived with the scene.
    fn arrivals(velocity: (f64, f64)) -> Vec<(bool, bool)> {
        let f = format();
        let stuck = Position::new(41, 31);
        let mut evidence = Evidence::new(f.plane());
        let mut rng = SplitMix64::new(11);
        let noise = NoiseModel::flat(4.0);
        let mut out = Vec::new();
        for t in 0..40 {
            let defects = [(41, 31, Defect::Stuck(3900))];
            let mut data = render(&f, texture, t, velocity, 4.0, &defects, &mut rng);
            let (cx, cy) = (90.3 + velocity.0 * t as f64, 70.6 + velocity.1 * t as f64);
            let mut frame = PlaneMut::new(&mut data, f.plane(), f.default_stride()).unwrap();
            // Red photosites: even rows and columns (RGGB).
            for y in (0..H).step_by(2) {
                for x in (0..W).step_by(2) {
                    let (dx, dy) = (x as f64 - cx, y as f64 - cy);
                    let glint = 2000.0 * (-(dx * dx + dy * dy) / (2.0 * 0.7 * 0.7)).exp();
                    frame.set(x, y, frame.get(x, y) + glint.round() as u16);
                }
            }
            let frame = PlaneRef::new(&data, f.plane(), f.default_stride()).unwrap();
            let window = (-3..=3).flat_map(|dy| (-3..=3).map(move |dx| (dx, dy)));
            let brightest = window
                .map(|(dx, dy)| {
                    (
                        (cx.round() as i64 + dx) as u32,
                        (cy.round() as i64 + dy) as u32,
                    )
                })
                .max_by_key(|&(x, y)| frame.get(x as usize, y as usize))
                .map(|(x, y)| Position::new(x, y))
                .unwrap();
            let mut candidates = vec![(stuck, true), (brightest, true)];
            candidates.sort_by_key(|c| c.0);
            if evidence.measure(&frame, &noise, 1) {
                evidence.judge(&frame, &noise, 1, candidates.into_iter());
                let moved: Vec<Position> = evidence.moved_points().collect();
                out.push((moved.contains(&stuck), moved.contains(&brightest)));
            }
        }
        out
    }

    #[test]
    fn a_point_that_moves_with_the_scene_is_spared_and_a_stuck_photosite_is_not() {
        for velocity in [(0.45, 0.2), (1.3, -0.6), (0.12, 0.05)] {
            let found = arrivals(velocity);
            assert_eq!(found.len(), 39);
            assert!(
                found.iter().all(|&(stuck, _)| !stuck),
                "{velocity:?}: {found:?}"
            );
            // Once the scene has moved by 3 px (the point off its first photosites).
            let speed = velocity.0.abs().max(velocity.1.abs());
            let after = &found[(3.0 / speed) as usize..];
            let spared = after.iter().filter(|&&(_, point)| point).count();
            assert!(
                10 * spared >= 9 * after.len(),
                "{velocity:?}: the point spared in {spared} of {} frames",
                after.len()
            );
        }
    }

    #[test]
    fn a_point_of_a_still_scene_is_not_spared() {
        let found = arrivals((0.0, 0.0));
        assert!(
            found.iter().all(|&(stuck, point)| !stuck && !point),
            "{found:?}"
        );
    }

    #[test]
    fn moving_stars_are_never_confirmed() {
        confirms_nothing(40, stars, (0.7, 0.3));
    }

    #[test]
    fn a_static_shot_confirms_nothing_and_gains_no_motion_evidence() {
        let evidence = confirms_nothing(60, texture, (0.0, 0.0));
        for y in 0..H {
            for x in 0..W {
                let s = evidence.state(x, y);
                assert_eq!((s.hot(), s.cold()), (0, 0), "({x}, {y})");
            }
        }
    }

    #[test]
    fn a_stuck_pixel_in_a_static_shot_is_confirmed_by_its_missing_noise() {
        let stuck = [(101, 80, Defect::Stuck(1500))];
        let (_, history) = run(40, 0, |t, rng| {
            render(&format(), texture, t, (0.0, 0.0), 4.0, &stuck, rng)
        });
        let stuck_at = [Position::new(101, 80)];
        assert_eq!(history[39], stuck_at);
        assert!(history.iter().all(|c| c.is_empty() || c == &stuck_at));
    }

    #[test]
    fn a_dark_point_in_a_static_shot_is_confirmed_and_a_bright_one_is_left_to_one_frame() {
        // 40 DN below (above) what a gently shaded scene reads there: 10 σ of the noise,
        // but a third of what one frame's test asks of a dark point (3 % of the range):
        // a photosite that does not see the scene, judged at rest every few frames on
        // fresh noise. Bright points at rest stay with the single-frame test (a faint
        // star looks the same in one frame).
        let shading = |x: f64, y: f64| 900.0 + 2.0 * x + y;
        let defects = [(101, 80, Defect::Warm(-40.0)), (61, 40, Defect::Warm(40.0))];
        let (evidence, history) = run(40, 0, |t, rng| {
            render(&format(), shading, t, (0.0, 0.0), 4.0, &defects, rng)
        });
        let dark = [Position::new(101, 80)];
        assert_eq!(history[39], dark);
        assert!(history.iter().all(|c| c.is_empty() || c == &dark));
        assert_eq!(evidence.state(61, 40).hot(), 0);
    }

    #[test]
    fn a_dark_point_gains_evidence_while_a_slow_pan_waits_for_its_next_instant() {
        // 0.3 px a frame: from the third frame on the tiles wait (moved, but not yet
        // by a pitch) until the fifth; the fourth frame judges waiting tiles for dark
        // points, as a tile at rest is judged. A point 120 DN under a gentle texture
        // gains cold points; its stillness count, which needs the key in register,
        // stays as it was; a healthy pixel gains nothing.
        let gentle = |x: f64, y: f64| 900.0 + 0.2 * (texture(x, y) - 1200.0);
        let defects = [(101, 80, Defect::Warm(-120.0))];
        let (evidence, history) = run(4, 0, |t, rng| {
            render(&format(), gentle, t, (0.3, 0.0), 4.0, &defects, rng)
        });
        assert!(history.iter().all(|c| c.is_empty()));
        let dark = evidence.state(101, 80);
        assert!(dark.cold() >= 6, "{dark:?}");
        assert_eq!((dark.hot(), dark.still()), (0, 0));
        let healthy = (0..W)
            .flat_map(|x| (0..H).map(move |y| (x, y)))
            .filter(|&(x, y)| (x, y) != (101, 80) && evidence.state(x, y).cold() > 0)
            .count();
        assert_eq!(healthy, 0);
    }

    #[test]
    fn a_clipped_highlight_in_a_static_shot_is_not_stuck() {
        // A white level below the sample range: the brightest part of the scene reads
        // exactly 1400, noise and all.
        let f = format();
        let (_, history) = run(60, 0, |t, rng| {
            let mut data = render(&format(), texture, t, (0.0, 0.0), 4.0, &[], rng);
            let mut frame = PlaneMut::new(&mut data, f.plane(), f.default_stride()).unwrap();
            for y in 0..H {
                for x in 0..W {
                    let v = frame.get(x, y).min(1400);
                    frame.set(x, y, v);
                }
            }
            data
        });
        assert!(history.iter().all(|c| c.is_empty()), "{:?}", history[59]);
    }

    #[test]
    fn a_lone_white_pixel_above_every_sample_in_a_static_shot_is_not_stuck() {
        // A small specular highlight: one photosite reads the white level, 2000, exactly
        // in every frame, among neighbours below 1850 that carry their noise; too few
        // pixels clip for the noise model's samples to show it, but none of them reads
        // as high (the model's peak, 1870). Its stillness proves nothing.
        let f = format();
        let confirmed = |peak: u16| {
            let mut evidence = Evidence::new(f.plane());
            let mut rng = SplitMix64::new(7);
            let noise = NoiseModel {
                peak,
                ..NoiseModel::flat(4.0)
            };
            for t in 0..60 {
                let mut data = render(&f, texture, t, (0.0, 0.0), 4.0, &[], &mut rng);
                let mut frame = PlaneMut::new(&mut data, f.plane(), f.default_stride()).unwrap();
                frame.set(90, 70, 2000);
                let frame = PlaneRef::new(&data, f.plane(), f.default_stride()).unwrap();
                evidence.observe(&frame, &noise, 0);
            }
            evidence.confirmed().to_vec()
        };
        assert_eq!(confirmed(1870), Vec::<Position>::new());
        // With no peak measured, its stillness confirms it as stuck.
        assert_eq!(confirmed(u16::MAX), vec![Position::new(90, 70)]);
    }

    /// A monochrome sensor (pitch 1) and every instruction set of the screen: the same
    /// evidence, the defects confirmed and nothing else.
    #[test]
    fn a_monochrome_pan_confirms_its_defects_alike_on_every_instruction_set() {
        let f = FrameFormat::parse("video/x-raw", "GRAY16_LE", W as i64, H as i64).unwrap();
        let expected: Vec<Position> = DEFECTS
            .iter()
            .map(|d| Position::new(d.0 as u32, d.1 as u32))
            .collect();
        let mut reference: Option<Vec<Vec<Position>>> = None;
        for path in KernelPath::available_paths() {
            let mut evidence = Evidence::new(f.plane());
            evidence.set_kernel_path(path);
            let mut rng = SplitMix64::new(3);
            let noise = NoiseModel::flat(4.0);
            let mut history = Vec::new();
            for t in 0..40 {
                let data = render(&f, texture, t, (0.6, 0.25), 4.0, &DEFECTS, &mut rng);
                let frame = PlaneRef::new(&data, f.plane(), f.default_stride()).unwrap();
                evidence.observe(&frame, &noise, 0);
                history.push(evidence.confirmed().to_vec());
            }
            assert_eq!(history[39], expected, "{path:?}");
            assert!(
                history.iter().flatten().all(|p| expected.contains(p)),
                "{path:?}"
            );
            match &reference {
                Some(r) => assert_eq!(&history, r, "{path:?}"),
                None => reference = Some(history),
            }
        }
    }

    #[test]
    fn the_result_does_not_depend_on_the_number_of_threads() {
        let make = |t: usize, rng: &mut SplitMix64| {
            render(&format(), texture, t, (1.1, -0.7), 4.0, &DEFECTS, rng)
        };
        let (one, h1) = run(24, 1, make);
        for threads in [2, 3, 0] {
            let (many, h) = run(24, threads, make);
            assert_eq!(h, h1, "{threads} threads");
            for y in 0..H {
                for x in 0..W {
                    assert_eq!(
                        many.state(x, y),
                        one.state(x, y),
                        "({x}, {y}), {threads} threads"
                    );
                }
            }
        }
    }

    #[test]
    fn frames_of_another_format_are_ignored() {
        let mut evidence = Evidence::new(format().plane());
        let other = FrameFormat::parse("video/x-bayer", "rggb12le", 64, 64).unwrap();
        let data = vec![0u8; other.default_size()];
        let frame = PlaneRef::new(&data, other.plane(), other.default_stride()).unwrap();
        assert_eq!(
            evidence.observe(&frame, &NoiseModel::flat(1.0), 0),
            LearnUpdate::default()
        );
        assert_eq!(evidence.frames(), 0);
    }

    #[test]
    fn the_bilinear_key_rounds_exactly_as_f32_round_does() {
        let mut rng = SplitMix64::new(7);
        let mut draw = || rng.below(1 << 16) as u16;
        // Extremes, equal corners and random ones, at weights that land on halves too.
        let mut corners = vec![
            [0u16; 4],
            [u16::MAX; 4],
            [0, u16::MAX, u16::MAX, 0],
            [3, 4, 3, 4],
        ];
        corners.extend((0..2000).map(|_| [draw(), draw(), draw(), draw()]));
        for c in corners {
            for (wx, wy) in [
                (0.0, 0.0),
                (0.5, 0.5),
                (0.25, 0.75),
                (0.999_999_9, 0.1),
                (0.3, 0.0),
            ] {
                let f = c.map(f32::from);
                let t = f[0] + wx * (f[1] - f[0]);
                let b = f[2] + wx * (f[3] - f[2]);
                let expected = (t + wy * (b - t)).round() as u16;
                assert_eq!(bilinear(c, wx, wy), expected, "{c:?} at {wx}, {wy}");
            }
        }
        // Weights that are not numbers give a value in range, not undefined behaviour.
        assert_eq!(bilinear([7; 4], f32::NAN, f32::NAN), 0);
        assert_eq!(bilinear([7, 9, 7, 9], 1e30, 0.0), 65535);
    }

    #[test]
    fn the_key_row_is_interpolated_alike_on_every_instruction_set() {
        let mut rng = SplitMix64::new(11);
        // Lengths around every vector width, and random samples and weights.
        for n in [0usize, 1, 7, 8, 15, 16, 17, 31, 33, 64, 100, 257] {
            let top: Vec<u16> = (0..=n).map(|_| rng.below(1 << 16) as u16).collect();
            let bottom: Vec<u16> = (0..=n).map(|_| rng.below(1 << 16) as u16).collect();
            let weights = (rng.unit() as f32, rng.unit() as f32);
            let expected: Vec<u16> = (0..n)
                .map(|i| {
                    bilinear(
                        [top[i], top[i + 1], bottom[i], bottom[i + 1]],
                        weights.0,
                        weights.1,
                    )
                })
                .collect();
            for path in KernelPath::available_paths() {
                let mut out = vec![0u16; n];
                interpolate_row(path, &top, &bottom, weights, &mut out);
                assert_eq!(out, expected, "{path:?}, {n} samples");
            }
        }
    }

    fn demosaiced_frame(at: impl Fn(isize, isize) -> u16, bright: bool, sigma: f32) -> bool {
        demosaiced(at, bright, sigma, Vertical::Picture)
    }

    #[test]
    fn a_demosaiced_point_spreads_into_every_pixel_beside_it_a_graphic_does_not() {
        // σ 2 on a flat 60; `spot(centre, beside, line)`: a point, the four pixels
        // beside it, and (with `line`) a row of the point's value through it.
        let spot = |centre: u16, beside: u16, line: bool| {
            move |dx: isize, dy: isize| match (dx, dy) {
                (0, 0) => centre,
                (-1 | 1, 0) | (0, -1 | 1) if !line => beside,
                (_, 0) if line => centre,
                _ => 60,
            }
        };
        // A green photosite 140 DN up, demosaiced: a quarter of it beside (luma too).
        assert!(demosaiced_frame(spot(200, 95, false), true, 2.0));
        // A red one: half.
        assert!(demosaiced_frame(spot(200, 130, false), true, 2.0));
        // A dead one, dark: the pixels beside it darker by a quarter.
        assert!(demosaiced_frame(spot(20, 50, false), false, 2.0));
        // A graphic's dot leaves the pixels beside it as they were.
        assert!(!demosaiced_frame(spot(200, 60, false), true, 2.0));
        // So does a stroke one pixel wide, above and below it.
        assert!(!demosaiced_frame(spot(235, 60, true), true, 2.0));
        // Within the noise nothing can be told: a faint point counts as demosaiced.
        assert!(demosaiced_frame(spot(70, 60, false), true, 2.0));
        // An eighth of the rise less 3 σ of a difference (17.5 − 8.5 DN) is enough: the
        // share of a demosaiced 2×2 block's colours in the pixels beside it.
        assert!(demosaiced_frame(spot(200, 70, false), true, 2.0));
        assert!(!demosaiced_frame(spot(200, 68, false), true, 2.0));
        // In a field of interlaced frames the field's rows above and below are two frame
        // rows away (here the flat 60 around a point), and the frame pixels right above
        // and below it are the other field's.
        let in_field = |centre: u16, beside: u16| {
            move |dx: isize, dy: isize| match (dx, dy) {
                (0, 0) => centre,
                (-1 | 1, 0) => beside,
                _ => 60,
            }
        };
        let other = |above: u16, below: u16| Vertical::OtherField { above, below };
        // A defect centred in this field spread sideways and into the other field.
        assert!(demosaiced(in_field(200, 95), true, 2.0, other(95, 95)));
        // A graphic's stroke along a row: stroke beside it, nothing above or below.
        assert!(!demosaiced(in_field(200, 200), true, 2.0, other(60, 60)));
        // A graphic's dot.
        assert!(!demosaiced(in_field(200, 60), true, 2.0, other(60, 60)));
        // The arm of a spot centred in the other field (a green photosite's: nothing
        // beside it), the frame pixel below it beyond it.
        assert!(demosaiced(in_field(95, 60), true, 2.0, other(60, 200)));
        // The row of a vertical stroke, whose frame pixel below is the stroke too, at
        // the same value: not beyond it.
        assert!(!demosaiced(in_field(200, 60), true, 2.0, other(60, 200)));
        // Without the other field a field cannot tell.
        assert!(demosaiced(in_field(200, 60), true, 2.0, Vertical::Unknown));
    }
}
