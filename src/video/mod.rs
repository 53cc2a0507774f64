//! Pixel errors in processed video: YUV and RGB `video/x-raw` streams from broadcast,
//! OBS and delivery masters.
//!
//! By the time a picture is YUV or RGB, demosaicing, scaling and compression have spread
//! one bad photosite into a small spot of a few pixels, often coloured, that stays at the
//! same place on the frame while the picture moves. This module finds such spots by time
//! and repairs them, on any of the formats of [`VideoLayout`] — 8- and 10-bit, planar,
//! semi-planar, packed 4:2:2 and v210, RGB — without GStreamer types:
//!
//! 1. **evidence** ([`evidence`]): the temporal engine of the Bayer path
//!    ([`crate::temporal`]: tile motion to sub-pixel precision against key frames, the
//!    frame-to-frame noise, the evidence rules in 2 bytes per pixel) looks at every
//!    pixel of the picture's luma (G for RGB). A pixel error stays at its frame pixel
//!    while the picture moves over it, and deviates the same way from its surroundings
//!    and from where the picture came from, instant after instant; detail moves with
//!    the picture. The engine sees a processed picture on a 2-pixel lattice (its
//!    neighbours outside the 3×3 over which demosaicing spread a photosite), without
//!    the lens test and without stillness evidence (a demosaiced pixel carries its
//!    neighbours' noise, a codec copies unchanged blocks), so a still picture gains no
//!    evidence at all. One position per spot is confirmed (its arms are left out).
//! 2. **warm-up**: nothing can be confirmed before two instants; in the stream's first
//!    frames, and in a held-back first frame ([`Processor::revisit`], once the second
//!    frame is in: the element does so in pipelines that are not live), the pixels one
//!    instant showed blatant are repaired.
//! 3. **repair** ([`repair`]): every confirmed position and every position of the defect
//!    map is re-estimated in every component plane at once — luma and chroma together,
//!    so no coloured halo remains — from the previous frame where the spot's
//!    surroundings are found there (the picture the spot hides, moved into view by the
//!    motion), else from the ring of samples around it; estimates are all computed from
//!    the untouched frame before any is written, and a sample is replaced only where it
//!    stands out from its estimate. Defective columns (the map's, and the column lines
//!    the evidence confirmed) are repaired as lines, row by row across ([`lines`]).
//! 4. **report**: each repaired spot with its position, the component that shows it most,
//!    and its QC [`Severity`] ([`quality`]).
//!
//! Coordinates are frame pixels (the luma grid) everywhere: in the defect map, in the
//! confirmed set and in reports.

pub mod detect;
pub mod evidence;
pub mod fields;
pub mod lines;
pub mod quality;
pub mod reference;
pub mod repair;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::defect_map::{DefectMap, PlacedMap};
use crate::engine::Mode;
use crate::frame::{ComponentKind, Position, VideoFrame, VideoFrameMut, VideoLayout};
pub use detect::{PlaneParams, SpotTuning};
pub use evidence::PictureEvidence;
pub use quality::{Severity, Visibility};

use crate::temporal::LearnUpdate;

/// A sample is replaced when it stands out from its estimate by this many noise
/// standard deviations…
pub const REPAIR_SIGMAS: f64 = 3.0;
/// …and by this fraction of the range: about 2.5 steps of an 8-bit delivery, what the
/// quantiser and the demosaic's rounding leave even where the measured noise is nil.
/// The noise term decides wherever the camera's gain shows in the picture. With 2 %
/// (5 steps at 8 bits), a faint spot's shoulders — samples it raised by a quarter of
/// its peak, a few steps — stayed above a quarter of its peak: on real footage the
/// repair given the true map left 30 % of the visible spots unquartered, mostly those
/// under twice the visibility line (EVALUATION.md, "The repair's floor").
pub const REPAIR_FLOOR: f64 = 0.01;
/// The frames of a stream's start (its key frame and the two instants the most blatant
/// defect needs to be confirmed) in which the pixels one instant showed blatant are
/// repaired ([`PictureEvidence::first_look`]).
const WARM_UP_FRAMES: u64 = 3;
/// A window of the picture's motion search votes when its samples spread over this
/// fraction of the range.
pub const MOTION_STRUCTURE: f64 = 0.06;

use crate::exec::KernelPath;

/// Per-frame settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VideoSettings {
    /// Look for spots in every frame and confirm them over time (else: map only).
    pub detection: bool,
    /// 1 = defaults; larger finds fainter spots (see [`SpotTuning::sensitivity`]).
    pub sensitivity: f64,
    /// Worker threads at most (0 = the whole pool). The output does not depend on it.
    pub n_threads: usize,
    /// Repair, or only find and report.
    pub mode: Mode,
}

impl Default for VideoSettings {
    fn default() -> Self {
        VideoSettings {
            detection: true,
            sensitivity: 1.0,
            n_threads: 0,
            mode: Mode::Correct,
        }
    }
}

/// Why a spot was repaired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpotSource {
    /// Listed by the defect map.
    Map,
    /// Confirmed by the temporal stage.
    Confirmed,
}

/// One spot of the last frame that was repaired (or, in detect mode, would have been).
/// A column repaired as a line is one spot at its column's top pixel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spot {
    /// VideoFrame pixel (luma grid).
    pub x: u32,
    pub y: u32,
    pub source: SpotSource,
    /// Brighter than its surroundings in the component that shows it most.
    pub bright: bool,
    /// The component that shows it most (largest deviation).
    pub component: ComponentKind,
    /// That component's sample as it arrived, and its estimate from the surroundings.
    pub value: u16,
    pub expected: u16,
    /// What its severity was judged from.
    pub visibility: Visibility,
    pub severity: Severity,
    /// Samples replaced (over all components).
    pub changed: usize,
}

impl Spot {
    /// Its frame pixel.
    pub fn at(&self) -> Position {
        Position::new(self.x, self.y)
    }
}

/// Counts for one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VideoFrameReport {
    /// Spots repaired (or that would be) at positions the stream's evidence confirmed.
    pub found: usize,
    /// Confirmed positions (pixel errors).
    pub confirmed: usize,
    /// Map positions inside the frame.
    pub mapped: usize,
    /// Spots repaired (or that would be, in detect mode).
    pub spots: usize,
    /// Samples replaced (or that would be).
    pub samples: usize,
    pub promoted: usize,
    pub forgotten: usize,
}

impl std::ops::AddAssign for VideoFrameReport {
    /// Adds the counts of another picture of the same frame (the fields of an
    /// interlaced frame).
    fn add_assign(&mut self, other: VideoFrameReport) {
        self.found += other.found;
        self.confirmed += other.confirmed;
        self.mapped += other.mapped;
        self.spots += other.spots;
        self.samples += other.samples;
        self.promoted += other.promoted;
        self.forgotten += other.forgotten;
    }
}

pub use crate::defect_map::MapPlacement;

/// Per-stream state of the video path: built for one layout, reused every frame.
pub struct Processor {
    layout: VideoLayout,
    /// The component the temporal evidence and the motion searches look at: luma, or G.
    context_comp: usize,
    /// The stream's temporal evidence on that component ([`evidence`]).
    evidence: PictureEvidence,
    mapped: PlacedMap,
    /// The map's pixels inside the frame, as [`Self::mapped`] placed them, but for its
    /// whole columns…
    map_pixels: Vec<Position>,
    /// …which are repaired as lines ([`lines`]), ascending.
    map_columns: Vec<u32>,
    tuning: SpotTuning,
    sigma: [f64; 3],
    /// The buffers of the noise measurement, kept from frame to frame.
    noise_scratch: detect::NoiseScratch,
    spots: Vec<Spot>,
    writes: Vec<repair::Write>,
    last_update: LearnUpdate,
    /// The picture's motion from the previous frame to the last one, where measured.
    global: Option<(i32, i32)>,
    /// The previous frame as repaired, for motion-compensated repairs.
    reference: reference::Reference,
    /// Targets probed in the previous frame: their samples there were repaired, or
    /// showed nothing to repair.
    probed: HashSet<Position>,
    /// Targets repaired in the previous frame (samples changed).
    repaired: HashSet<Position>,
    /// The instruction set of the motion searches' vectorised sums.
    path: KernelPath,
}

impl Processor {
    /// A fresh processor for frames of `layout`.
    pub fn new(layout: VideoLayout) -> Self {
        // The context is luma, or G for RGB.
        let context_comp = layout
            .components()
            .iter()
            .position(|k| matches!(k.kind, ComponentKind::Y | ComponentKind::G))
            .unwrap_or(0);
        Processor {
            layout,
            context_comp,
            evidence: PictureEvidence::new(&layout, context_comp),
            mapped: PlacedMap::default(),
            map_pixels: Vec::new(),
            map_columns: Vec::new(),
            tuning: SpotTuning::default(),
            sigma: [0.0; 3],
            noise_scratch: detect::NoiseScratch::default(),
            spots: Vec::new(),
            writes: Vec::new(),
            last_update: LearnUpdate::default(),
            global: None,
            reference: reference::Reference::default(),
            probed: HashSet::new(),
            repaired: HashSet::new(),
            path: KernelPath::best(),
        }
    }

    /// The same for the field of parity `parity` of interlaced frames (`layout` the
    /// field's): its rows lie two frame rows apart ([`PictureEvidence::for_field`]).
    pub fn for_field(layout: VideoLayout, parity: usize) -> Self {
        let p = Processor::new(layout);
        Processor {
            evidence: p.evidence.for_field(parity),
            ..p
        }
    }

    /// For a field, before each frame: the other field's rows of `frame` (the whole
    /// interlaced frame, as it arrived), of parity `other_parity`
    /// ([`PictureEvidence::set_other_field`]).
    pub fn set_other_field(&mut self, frame: &VideoFrame<'_>, other_parity: usize) {
        self.evidence.set_other_field(frame, other_parity);
    }

    pub fn layout(&self) -> &VideoLayout {
        &self.layout
    }

    /// Forces the instruction set of the temporal evidence's vectorised screen and of
    /// the motion searches (tests and benchmarks; every path gives the same output); one
    /// this CPU lacks is ignored.
    pub fn set_kernel_path(&mut self, path: KernelPath) {
        self.evidence.set_kernel_path(path);
        self.path = path.or_keep(self.path);
    }

    /// Replaces the constants of the spatial test that decides whether a confirmed
    /// position shows a spot in a frame (experiments; `sensitivity` of the per-frame
    /// [`VideoSettings`] overrides `tuning.sensitivity`).
    pub fn set_tuning(&mut self, tuning: SpotTuning) {
        self.tuning = tuning;
    }

    /// The spots repaired in the last frame (or that would have been, in detect mode),
    /// row-major.
    pub fn spots(&self) -> &[Spot] {
        &self.spots
    }

    /// The samples the last frame's repair wrote (or would have written, in detect
    /// mode): component, position in that component's grid, new value.
    pub(crate) fn writes(&self) -> &[repair::Write] {
        &self.writes
    }

    /// Confirmed positions (frame pixels), row-major.
    pub fn confirmed(&self) -> &[Position] {
        self.evidence.confirmed()
    }

    /// The temporal evidence.
    pub fn evidence(&self) -> &PictureEvidence {
        &self.evidence
    }

    /// Noise standard deviation per component measured on the last frame.
    pub fn sigma(&self) -> [f64; 3] {
        self.sigma
    }

    /// What the temporal evidence promoted and forgot in the last frame.
    pub fn last_update(&self) -> LearnUpdate {
        self.last_update
    }

    /// The confirmed positions and column lines as a defect map (a line as a `col`
    /// entry), in frame pixels plus an offset (pass the element's `map-offset-x`/`-y` to
    /// write a map that reads back the same way).
    pub fn confirmed_map(&self, offset_x: i64, offset_y: i64) -> DefectMap {
        let mut map = DefectMap::from_pixels(self.confirmed_pixels(), offset_x, offset_y);
        let mut columns: Vec<u32> = self.confirmed_columns().collect();
        columns.dedup();
        for x in columns {
            map.push(crate::defect_map::Entry::Column {
                x: i64::from(x) + offset_x,
            });
        }
        map
    }

    /// The columns of the confirmed column lines, ascending (a column may come twice,
    /// once per row parity).
    fn confirmed_columns(&self) -> impl Iterator<Item = u32> + '_ {
        self.evidence.evidence().column_lines().iter().map(|l| l.x)
    }

    /// The pixels of the confirmed positions, row-major, each once: what
    /// [`Self::confirmed_map`] lists.
    pub fn confirmed_pixels(&self) -> Vec<Position> {
        self.evidence.confirmed().to_vec()
    }

    /// Map pixels in frame coordinates, row-major, that the spot repair treats (the
    /// map's whole columns are repaired as lines: [`Self::mapped_columns`]).
    pub fn mapped_pixels(&self) -> &[Position] {
        &self.map_pixels
    }

    /// The map's whole columns in frame pixels, ascending.
    pub fn mapped_columns(&self) -> &[u32] {
        &self.map_columns
    }

    /// Installs `map` (frame pixel (0, 0) is map pixel (`offset_x`, `offset_y`)); the
    /// index is rebuilt only when the map or the offset changed, and then the placement
    /// is returned.
    pub fn set_map(
        &mut self,
        map: Option<&Arc<DefectMap>>,
        offset_x: i64,
        offset_y: i64,
    ) -> Option<MapPlacement> {
        let placement = self.mapped.place(
            map,
            self.layout.width,
            self.layout.height,
            offset_x,
            offset_y,
        )?;
        (self.map_pixels, self.map_columns) =
            split_columns(self.mapped.pixels(), self.layout.height);
        Some(placement)
    }

    /// The stream jumped (a seek, a flush, a dropped stretch): the previous frame no
    /// longer shows what came just before the next one, and is forgotten. What was
    /// confirmed stays.
    pub fn discontinuity(&mut self) {
        self.evidence.discontinuity();
        self.reference.clear();
        self.global = None;
        self.probed.clear();
        self.repaired.clear();
    }

    /// Motions for a search to try first: the picture's last measured motion (times
    /// `direction`: −1 looks from the previous frame to the next), and none.
    fn hints(&self, direction: i32) -> Vec<(i32, i32)> {
        self.global
            .map(|(dx, dy)| (dx * direction, dy * direction))
            .into_iter()
            .chain([(0, 0)])
            .collect()
    }

    /// The margins of this stream's tests, from the noise last measured.
    fn limits(&self, sensitivity: f64) -> Limits {
        let max = self.layout.max_value();
        let tuning = SpotTuning {
            sensitivity,
            ..self.tuning
        };
        // A spot is there at all when it passes the spatial test with half the margins.
        let relaxed = std::array::from_fn(|c| {
            let p = PlaneParams::new(&tuning, self.sigma[c], max);
            PlaneParams {
                base: (p.base + 1) / 2,
                beta: p.beta / 2,
            }
        });
        Limits {
            relaxed,
            // The least deviation of a sample that is not noise, per component.
            threshold: std::array::from_fn(|c| {
                (REPAIR_SIGMAS * self.sigma[c])
                    .max(REPAIR_FLOOR * f64::from(max))
                    .round() as i32
            }),
            // How well a window must match the previous frame.
            accept: (reference::MATCH_SIGMAS * self.sigma[self.context_comp])
                .max(reference::MATCH_FLOOR * f64::from(max)),
            structure: (MOTION_STRUCTURE * f64::from(max)).round() as u16,
        }
    }

    /// Repairs `frame`, the frame that came just *before* the last one processed — the
    /// first frame of a stream, held back until the second arrived — with what the
    /// second taught: the map's positions, the confirmed ones, and the pixels the
    /// evidence saw stand out blatantly at the same place in both while the picture
    /// moved ([`PictureEvidence::first_look`]), taken from the second frame as repaired,
    /// moved by the motion found. Nothing of the processor's state changes but the
    /// spots of the last frame ([`Self::spots`] then lists this frame's).
    pub fn revisit(
        &mut self,
        frame: &mut VideoFrameMut<'_>,
        settings: &VideoSettings,
    ) -> VideoFrameReport {
        let mut report = VideoFrameReport {
            confirmed: self.evidence.confirmed().len(),
            ..self.start_frame()
        };
        if frame.layout() != &self.layout {
            return report;
        }
        let limits = self.limits(settings.sensitivity);
        let view = frame.as_ref();
        let seen = if settings.detection {
            self.evidence.first_look(&view)
        } else {
            Vec::new()
        };
        self.repair(&view, &seen, &limits, (true, settings.n_threads));
        self.fill_report(&mut report);
        self.write(frame, settings.mode);
        report
    }

    /// Processes one frame in place (or only inspects it, in detect mode): the steps of
    /// the module's description — with detection, the temporal evidence of the frame as
    /// it arrived; then repair and write. The frame, as repaired, is kept as the next
    /// one's reference.
    pub fn process(
        &mut self,
        frame: &mut VideoFrameMut<'_>,
        settings: &VideoSettings,
    ) -> VideoFrameReport {
        self.last_update = LearnUpdate::default();
        let mut report = self.start_frame();
        if frame.layout() != &self.layout {
            return report;
        }
        let view = frame.as_ref();
        // The noise is measured for detection; without it (map only: cost follows the
        // map) the last measurement, or none, stands.
        if settings.detection {
            self.measure_noise(&view);
            self.last_update = self.evidence.observe(&view, settings.n_threads);
        }
        report.promoted = self.last_update.promoted;
        report.forgotten = self.last_update.forgotten;
        report.confirmed = self.evidence.confirmed().len();
        let limits = self.limits(settings.sensitivity);
        let confirmed = if !settings.detection {
            Vec::new()
        } else if self.evidence.evidence().frames() <= WARM_UP_FRAMES {
            // Before the evidence can have confirmed anything, what the first instants
            // showed blatant is repaired, as in the held first frame.
            self.evidence.first_look(&view)
        } else {
            self.evidence.confirmed().to_vec()
        };
        let outcome = self.repair(&view, &confirmed, &limits, (false, settings.n_threads));
        self.fill_report(&mut report);
        self.keep_reference(&view, outcome, settings.detection);
        self.write(frame, settings.mode);
        report
    }

    /// Measures the noise of every component of `view` ([`Self::sigma`]).
    fn measure_noise(&mut self, view: &VideoFrame<'_>) {
        for c in 0..self.layout.components().len() {
            self.sigma[c] = detect::estimate_sigma(view, c, &mut self.noise_scratch);
        }
    }

    /// Keeps `view` with this frame's repairs as the next frame's reference, and which
    /// targets step 3 probed and repaired in it. Without detection and with no target,
    /// nothing will look at a reference: none is kept.
    fn keep_reference(&mut self, view: &VideoFrame<'_>, outcome: RepairOutcome, detection: bool) {
        if detection || outcome.targets > 0 {
            self.reference.store(view, &self.writes);
        } else {
            self.reference.clear();
        }
        self.probed = outcome.probed;
        self.repaired = outcome.repaired;
    }

    /// Forgets the last frame's spots and writes, and gives the report of a frame before
    /// its stages run.
    fn start_frame(&mut self) -> VideoFrameReport {
        self.spots.clear();
        self.writes.clear();
        VideoFrameReport {
            mapped: self.mapped.pixels().len(),
            ..VideoFrameReport::default()
        }
    }

    /// The counts of the spots and writes of the last repair.
    fn fill_report(&self, report: &mut VideoFrameReport) {
        report.spots = self.spots.len();
        report.found = self
            .spots
            .iter()
            .filter(|s| s.source == SpotSource::Confirmed)
            .count();
        report.samples = self.writes.len();
    }

    /// The repair of `view`: probes every target ([`repair_targets`]: the map's
    /// positions and `confirmed`); the replacements go to [`Self::writes`] and the
    /// spots repaired to [`Self::spots`]. The picture's motion since the previous frame
    /// is measured first where there is something to repair. When `revisiting` the
    /// frame before the reference, the motion hints point forward. A target's own
    /// samples in the reference are used only where the reference's repair probed it.
    /// The targets are probed on `n_threads` of the shared pool.
    fn repair(
        &mut self,
        view: &VideoFrame<'_>,
        confirmed: &[Position],
        limits: &Limits,
        (revisiting, n_threads): (bool, usize),
    ) -> RepairOutcome {
        let previous = self.reference.view(&self.layout);
        let has_targets = !self.map_pixels.is_empty() || !confirmed.is_empty();
        if !revisiting {
            self.global = match (&previous, has_targets) {
                (Some(prev), true) => reference::global(
                    view,
                    prev,
                    self.context_comp,
                    limits.accept,
                    limits.structure,
                    &self.hints(1),
                    self.path,
                )
                .map(|m| (m.dx, m.dy)),
                _ => None,
            };
        }
        let hints = self.hints(if revisiting { -1 } else { 1 });
        let probed_last = &self.probed;
        let outcome = repair_targets(
            view,
            &RepairInput {
                mapped: &self.map_pixels,
                confirmed,
                context_comp: self.context_comp,
                previous,
                hints,
                accept: limits.accept,
                threshold: limits.threshold,
                relaxed: limits.relaxed,
                own_samples_ok: &|at| probed_last.contains(&at),
                path: self.path,
            },
            crate::exec::threads(n_threads),
            &mut self.writes,
            &mut self.spots,
        );
        // Each line repaired is reported as one spot ([`lines::Line::position`]), with
        // its samples that stood out most.
        let layout = self.layout;
        for line in self.lines() {
            let done = lines::repair(
                view,
                line,
                self.context_comp,
                &limits.threshold,
                &mut self.writes,
            );
            if done.changed > 0 {
                let mapped = self
                    .map_columns
                    .iter()
                    .any(|&x| (line.x0..=line.x1).contains(&x));
                let source = if mapped {
                    SpotSource::Map
                } else {
                    SpotSource::Confirmed
                };
                self.spots.push(describe(
                    &layout,
                    line.position(),
                    source,
                    &done.probe,
                    done.changed,
                ));
            }
        }
        outcome
    }

    /// The lines to repair: the map's whole columns and the column lines the evidence
    /// confirmed.
    fn lines(&self) -> Vec<lines::Line> {
        let mut columns = self.map_columns.clone();
        columns.extend(self.confirmed_columns());
        columns.sort_unstable();
        columns.dedup();
        lines::join(columns)
    }

    /// Step 4: in correct mode, writes the repairs into `frame`; the spots are listed
    /// row-major.
    fn write(&mut self, frame: &mut VideoFrameMut<'_>, mode: Mode) {
        if mode == Mode::Correct {
            for w in &self.writes {
                frame.set(usize::from(w.c), w.x as usize, w.y as usize, w.value);
            }
        }
        self.spots.sort_by_key(Spot::at);
    }
}

/// `pixels` (row-major) split into those of columns not whole on a frame `height` rows
/// high, and the whole columns (ascending).
fn split_columns(pixels: &[Position], height: usize) -> (Vec<Position>, Vec<u32>) {
    let mut count: HashMap<u32, usize> = HashMap::new();
    for p in pixels {
        *count.entry(p.x).or_default() += 1;
    }
    let mut whole: Vec<u32> = count
        .into_iter()
        .filter(|&(_, n)| n >= height)
        .map(|(x, _)| x)
        .collect();
    whole.sort_unstable();
    let rest = pixels
        .iter()
        .copied()
        .filter(|p| whole.binary_search(&p.x).is_err())
        .collect();
    (rest, whole)
}

/// The margins of one frame's tests.
struct Limits {
    relaxed: [PlaneParams; 3],
    threshold: [i32; 3],
    accept: f64,
    /// Least spread of a window that can show the picture's motion.
    structure: u16,
}

/// What step 3 (repair) needs besides the frame.
struct RepairInput<'a> {
    /// Map pixels in frame coordinates.
    mapped: &'a [Position],
    /// Positions the stream's evidence confirmed (frame pixels).
    confirmed: &'a [Position],
    context_comp: usize,
    /// The frame to take the picture a spot hides from (moved by the motion found).
    previous: Option<VideoFrame<'a>>,
    /// Motions to try first in the search.
    hints: Vec<(i32, i32)>,
    /// Largest mean absolute difference of a matching window.
    accept: f64,
    /// Per component, the least deviation that is not noise.
    threshold: [i32; 3],
    /// Per component, the spatial test with half its margins.
    relaxed: [PlaneParams; 3],
    /// Whether the target at a frame pixel was repaired (or clean) in `previous`, so its
    /// own samples there may be used.
    own_samples_ok: &'a (dyn Fn(Position) -> bool + Sync),
    /// The instruction set of the motion searches.
    path: KernelPath,
}

/// What step 3 did.
struct RepairOutcome {
    targets: usize,
    /// Targets probed (their samples are now repaired or showed nothing to repair)…
    probed: HashSet<Position>,
    /// …and those with samples changed.
    repaired: HashSet<Position>,
}

/// Targets a worker probes at a time…
const TARGET_CHUNK: usize = 16;
/// …and the fewest targets probed on the shared pool (a probe takes a few µs: below
/// this, handing the chunks out costs about as much as it saves).
const PARALLEL_TARGETS: usize = 128;

/// One chunk of targets probed by a worker: the first target and the end of its range,
/// each target's probe, and their replacements in target order.
type ProbedChunk = (usize, usize, Vec<repair::Probe>, Vec<repair::Write>);

/// Step 3: every target ([`repair_target_list`]) is probed in `view`; the replacements
/// go to `writes` and each spot that had samples replaced to `spots`. A probe reads the
/// frame as it arrived and writes nothing but its own replacements, so the targets are
/// probed in chunks on `threads` workers of the shared pool and merged in target order:
/// the same writes for any number of threads.
fn repair_targets(
    view: &VideoFrame<'_>,
    input: &RepairInput<'_>,
    threads: usize,
    writes: &mut Vec<repair::Write>,
    spots: &mut Vec<Spot>,
) -> RepairOutcome {
    let layout = *view.layout();
    let targets = repair_target_list(input);
    let neighbours = neighbour_lists(&targets);
    let mut chunks: Vec<ProbedChunk> = (0..targets.len())
        .step_by(TARGET_CHUNK)
        .map(|i| {
            (
                i,
                (i + TARGET_CHUNK).min(targets.len()),
                Vec::new(),
                Vec::new(),
            )
        })
        .collect();
    let threads = if targets.len() >= PARALLEL_TARGETS {
        threads
    } else {
        1
    };
    crate::exec::run_bands(&mut chunks, threads, |(i0, i1, probes, out)| {
        for (&(at, source), near) in targets[*i0..*i1].iter().zip(&neighbours[*i0..*i1]) {
            probes.push(probe_target(view, input, at, source, near, out));
        }
    });
    let probes = chunks.iter().flat_map(|(_, _, probes, _)| probes);
    for (_, _, _, out) in &chunks {
        writes.extend_from_slice(out);
    }
    let mut probed = HashSet::new();
    let mut repaired = HashSet::new();
    for (&(at, source), probe) in targets.iter().zip(probes) {
        let changed = probe.changed();
        // Its samples in this frame as stored for the next are now either repaired
        // or showed nothing to repair.
        probed.insert(at);
        if changed == 0 {
            continue;
        }
        repaired.insert(at);
        spots.push(describe(&layout, at, source, probe, changed));
    }
    RepairOutcome {
        targets: targets.len(),
        probed,
        repaired,
    }
}

/// The positions step 3 repairs: the map's pixels, then (with detection) the confirmed
/// positions no map pixel lies within one pixel of.
fn repair_target_list(input: &RepairInput<'_>) -> Vec<(Position, SpotSource)> {
    let mut targets: Vec<(Position, SpotSource)> = input
        .mapped
        .iter()
        .map(|&at| (at, SpotSource::Map))
        .collect();
    let near_map: HashSet<Position> = input.mapped.iter().copied().collect();
    for &at in input.confirmed {
        let listed = (-1i32..=1).any(|dy| {
            (-1i32..=1).any(|dx| at.offset(dx, dy).is_some_and(|p| near_map.contains(&p)))
        });
        if !listed {
            targets.push((at, SpotSource::Confirmed));
        }
    }
    targets
}

/// Probes the target at frame pixel `at` ([`repair::probe`]), appending its
/// replacements to `writes`. Ring samples within a sample of another target in `near`
/// are not used: that target's spot may reach into them.
fn probe_target(
    view: &VideoFrame<'_>,
    input: &RepairInput<'_>,
    at: Position,
    source: SpotSource,
    near: &[Position],
    writes: &mut Vec<repair::Write>,
) -> repair::Probe {
    let comps = view.layout().components();
    let usable = |c: usize, sx: usize, sy: usize| {
        let k = comps[c];
        !near.iter().any(|t| {
            let t = t.subsampled(k.sx, k.sy);
            (t.x as usize).abs_diff(sx) <= 1 && (t.y as usize).abs_diff(sy) <= 1
        })
    };
    // The map and the evidence both name the spot's pixel.
    let centres: [Position; 3] = std::array::from_fn(|c| {
        let k = comps.get(c).copied().unwrap_or(comps[0]);
        at.subsampled(k.sx, k.sy)
    });
    let anchor = Some(at);
    let margin = if spot_present(view, input, source, &centres) {
        1
    } else {
        2
    };
    let shifted = shifted_previous(view, input, at, centres[input.context_comp]);
    repair::probe(
        view,
        centres,
        anchor,
        input.threshold,
        margin,
        &usable,
        shifted.as_ref(),
        writes,
    )
}

/// Whether a spot is there at all in this frame. A map position always has one. A
/// confirmed position is repaired in the frames where a spot is there: one that passes
/// the spatial test with half the margins, or (on an edge, where that test cannot see
/// it) one that stands out from its directional estimate by twice the usual margin
/// (the probe's margin then doubles). Where it matches its background, nothing is
/// touched.
fn spot_present(
    view: &VideoFrame<'_>,
    input: &RepairInput<'_>,
    source: SpotSource,
    centres: &[Position; 3],
) -> bool {
    source == SpotSource::Map
        || (0..view.layout().components().len()).any(|c| {
            let (cx, cy) = (centres[c].x as usize, centres[c].y as usize);
            detect::spot_at(view, c, cx, cy, &input.relaxed[c]).is_some()
        })
}

/// Where the surroundings of the spot at frame pixel `at` (centred on `centre` in the
/// context component) were in the previous frame: the picture the spot hides is there.
fn shifted_previous<'a>(
    view: &VideoFrame<'_>,
    input: &RepairInput<'a>,
    at: Position,
    centre: Position,
) -> Option<repair::Shifted<'a>> {
    let prev = input.previous?;
    let m = reference::find(
        view,
        &prev,
        input.context_comp,
        centre,
        input.accept,
        &input.hints,
        input.path,
    )?;
    Some(repair::Shifted {
        frame: prev,
        dx: m.dx,
        dy: m.dy,
        repaired: (input.own_samples_ok)(at),
    })
}

/// The spot record of a probe: the component that shows it most, and its severity.
fn describe(
    layout: &VideoLayout,
    at: Position,
    source: SpotSource,
    probe: &repair::Probe,
    changed: usize,
) -> Spot {
    let comps = layout.components();
    let range = f64::from(layout.max_value().max(1));
    let (c, p) = probe
        .comps
        .iter()
        .enumerate()
        .take(comps.len())
        .max_by_key(|(_, p)| p.deviation.abs())
        .map(|(c, p)| (c, *p))
        .unwrap_or_default();
    let dev = |k: ComponentKind| {
        comps
            .iter()
            .position(|q| q.kind == k)
            .map_or(0.0, |i| f64::from(probe.comps[i].deviation) / range)
    };
    let est = |k: ComponentKind| {
        comps
            .iter()
            .position(|q| q.kind == k)
            .map_or(0.0, |i| f64::from(probe.comps[i].estimate) / range)
    };
    let (luma, chroma, level) = if layout.format.is_yuv() {
        (
            dev(ComponentKind::Y),
            dev(ComponentKind::U).abs().max(dev(ComponentKind::V).abs()),
            est(ComponentKind::Y),
        )
    } else {
        // BT.709 luma of the colour deviations; chroma as the channels' departure from it.
        let (r, g, b) = (
            dev(ComponentKind::R),
            dev(ComponentKind::G),
            dev(ComponentKind::B),
        );
        let l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let level = 0.2126 * est(ComponentKind::R)
            + 0.7152 * est(ComponentKind::G)
            + 0.0722 * est(ComponentKind::B);
        (
            l,
            (r - l).abs().max((g - l).abs()).max((b - l).abs()),
            level,
        )
    };
    let visibility = Visibility {
        luma: luma.abs(),
        chroma,
        level,
        bright: if luma.abs() > 0.0 {
            luma > 0.0
        } else {
            p.deviation > 0
        },
        central: quality::is_central(at.x, at.y, layout.width, layout.height),
    };
    Spot {
        x: at.x,
        y: at.y,
        source,
        bright: p.deviation > 0,
        component: comps.get(c).map_or(ComponentKind::Y, |k| k.kind),
        value: p.value,
        expected: p.estimate,
        severity: quality::severity(&visibility),
        visibility,
        changed,
    }
}

/// For every target, the other targets within 8 frame pixels (whose spots may reach
/// into its ring).
fn neighbour_lists(targets: &[(Position, SpotSource)]) -> Vec<Vec<Position>> {
    const REACH: u32 = 8;
    // Targets by cell of REACH×REACH pixels (column, row of the cell).
    let mut grid: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
    for (i, (at, _)) in targets.iter().enumerate() {
        grid.entry((at.x / REACH, at.y / REACH))
            .or_default()
            .push(i);
    }
    targets
        .iter()
        .enumerate()
        .map(|(i, &(at, _))| {
            let (gx, gy) = (at.x / REACH, at.y / REACH);
            let mut near = Vec::new();
            for cy in gy.saturating_sub(1)..=gy + 1 {
                for cx in gx.saturating_sub(1)..=gx + 1 {
                    for &j in grid.get(&(cx, cy)).map_or(&[][..], |v| v.as_slice()) {
                        let (t, _) = targets[j];
                        if j != i && t.x.abs_diff(at.x) <= REACH && t.y.abs_diff(at.y) <= REACH {
                            near.push(t);
                        }
                    }
                }
            }
            near
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pan over a picture whose lower half is flat: a textured band on top (where the
    /// motion shows), a star on the flat part that moves with the picture, and a fixed
    /// spot on the flat part (a demosaiced hot photosite: 140 up, a quarter of it in
    /// the four pixels beside it).
    fn frame(layout: VideoLayout, t: usize, fixed: bool) -> (Vec<Vec<u8>>, [usize; 3]) {
        let (mut planes, strides) = layout.alloc();
        let mut f = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        f.fill(|c, x, y| {
            let k = layout.components()[c];
            let (u, v) = ((x << k.sx) + 4 * t, y << k.sy);
            if c > 0 {
                128
            } else if u.abs_diff(150) <= 1 && v.abs_diff(70) <= 1 {
                // The star: 3×3 pixels at picture position (150, 70).
                220
            } else if v < 40 {
                // Texture as a lens passes it (smooth), where the motion shows.
                let (u, v) = (u as f64, v as f64);
                (110.0 + 35.0 * ((u * 0.23).sin() + (v * 0.31 + u * 0.07).cos())).round() as u16
            } else {
                60
            }
        });
        if fixed {
            f.set(0, 100, 70, 200);
            for (x, y) in [(99, 70), (101, 70), (100, 69), (100, 71)] {
                f.set(0, x, y, 95);
            }
        }
        (planes, strides)
    }

    fn view<'a>(layout: VideoLayout, planes: &'a [Vec<u8>], strides: [usize; 3]) -> VideoFrame<'a> {
        let plane = |i: usize| planes.get(i).map_or(&[][..], |v| v.as_slice());
        VideoFrame::new(layout, [plane(0), plane(1), plane(2)], strides).unwrap()
    }

    /// Processes frame `t` of the pan (with the fixed spot) and returns the output, the
    /// input and the clean frame.
    fn step(p: &mut Processor, layout: VideoLayout, t: usize) -> [Vec<Vec<u8>>; 3] {
        let (clean, _) = frame(layout, t, false);
        let (input, strides) = frame(layout, t, true);
        let mut out = input.clone();
        p.process(
            &mut VideoFrameMut::from_vecs(layout, &mut out, strides).unwrap(),
            &VideoSettings::default(),
        );
        [out, input, clean]
    }

    #[test]
    fn a_fixed_spot_in_a_pan_is_repaired_from_the_first_instant_exactly_a_star_never() {
        let layout = VideoLayout::parse("NV12", 192, 96).unwrap();
        let strides = layout.default_strides();
        let mut p = Processor::new(layout);
        for t in 0..10 {
            let [out, input, clean] = step(&mut p, layout, t);
            // Frame 0 is the key, frames 1 and 2 the first two instants (4 px each):
            // the spot's 140 DN over a flat background earn the most points an instant
            // gives: the first repairs it (the stream's warm-up), the second confirms it.
            let (f, expected) = (
                view(layout, &out, strides),
                if t >= 1 { &clean } else { &input },
            );
            let e = view(layout, expected, strides);
            for comp in 0..layout.components().len() {
                let (w, h) = layout.comp_size(comp);
                for y in 0..h {
                    for x in 0..w {
                        assert_eq!(
                            f.get(comp, x, y),
                            e.get(comp, x, y),
                            "frame {t} c{comp} ({x},{y})"
                        );
                    }
                }
            }
            let confirmed: &[Position] = if t >= 2 {
                &[Position::new(100, 70)]
            } else {
                &[]
            };
            assert_eq!(p.confirmed(), confirmed, "frame {t}");
        }
    }

    #[test]
    fn graphics_composited_over_a_moving_picture_are_left_alone() {
        // Over the pan with its fixed demosaiced spot: a white divider one pixel wide
        // down the whole frame, a clock's colon (two dots) and a stroke three pixels
        // long on the texture, all fixed to the frame as a defect is, none demosaiced.
        let layout = VideoLayout::parse("NV12", 192, 96).unwrap();
        let strides = layout.default_strides();
        let mut graphic: Vec<(usize, usize)> = (0..96).map(|y| (150, y)).collect();
        graphic.extend([(60, 14), (60, 18), (70, 30), (71, 30), (72, 30)]);
        let mut p = Processor::new(layout);
        for t in 0..12 {
            let (clean, _) = frame(layout, t, false);
            let (mut input, _) = frame(layout, t, true);
            let mut f = VideoFrameMut::from_vecs(layout, &mut input, strides).unwrap();
            for &(x, y) in &graphic {
                f.set(0, x, y, 235);
            }
            let mut out = input.clone();
            p.process(
                &mut VideoFrameMut::from_vecs(layout, &mut out, strides).unwrap(),
                &VideoSettings::default(),
            );
            let (out, input, clean) = (
                view(layout, &out, strides),
                view(layout, &input, strides),
                view(layout, &clean, strides),
            );
            for &(x, y) in &graphic {
                assert_eq!(out.get(0, x, y), 235, "frame {t} ({x},{y})");
            }
            // Nothing else changes but the spot, repaired from the first instant.
            for y in 0..layout.height {
                for x in 0..layout.width {
                    let expected = if t >= 1 && x.abs_diff(100) <= 1 && y.abs_diff(70) <= 1 {
                        clean.get(0, x, y)
                    } else {
                        input.get(0, x, y)
                    };
                    assert_eq!(out.get(0, x, y), expected, "frame {t} ({x},{y})");
                }
            }
            assert!(
                p.evidence().evidence().column_lines().is_empty(),
                "frame {t}"
            );
        }
        assert_eq!(p.confirmed(), [Position::new(100, 70)]);
    }

    #[test]
    fn after_a_discontinuity_the_next_frame_is_a_new_key() {
        let layout = VideoLayout::parse("NV12", 192, 96).unwrap();
        for jump in [false, true] {
            let mut p = Processor::new(layout);
            for t in 0..3 {
                if jump && t == 1 {
                    p.discontinuity();
                }
                step(&mut p, layout, t);
            }
            // Without the jump the second instant (frame 2) confirms the spot; after it
            // frame 1 only renews the key, and frame 2 is the first instant.
            assert_eq!(p.confirmed().is_empty(), jump);
        }
    }

    #[test]
    fn a_still_flat_picture_confirms_nothing() {
        let layout = VideoLayout::parse("NV12", 192, 96).unwrap();
        let mut p = Processor::new(layout);
        for _ in 0..8 {
            let (mut input, strides) = frame(layout, 0, true);
            let before = input.clone();
            p.process(
                &mut VideoFrameMut::from_vecs(layout, &mut input, strides).unwrap(),
                &VideoSettings::default(),
            );
            assert_eq!(input, before);
        }
        assert!(p.confirmed().is_empty());
    }

    #[test]
    fn the_repair_does_not_depend_on_the_number_of_threads() {
        use crate::defect_map::Entry;
        // 150 mapped spots (enough for the shared pool, several workers' chunks) over
        // the pan, on its texture and on its flat part, each a bright pixel in the input.
        let layout = VideoLayout::parse("NV12", 320, 160).unwrap();
        let strides = layout.default_strides();
        let spots: Vec<(usize, usize)> = (0..150)
            .map(|i| (4 + i * 37 % 312, 4 + i * 13 % 152))
            .collect();
        let map = Arc::new(DefectMap::from_entries(
            spots
                .iter()
                .map(|&(x, y)| Entry::Pixel {
                    x: x as i64,
                    y: y as i64,
                })
                .collect(),
        ));
        let run = |n_threads: usize| {
            let mut p = Processor::new(layout);
            p.set_map(Some(&map), 0, 0);
            // Enough targets for the repair to hand them out.
            assert!(p.mapped_pixels().len() >= PARALLEL_TARGETS);
            let settings = VideoSettings {
                n_threads,
                ..VideoSettings::default()
            };
            (0..4)
                .map(|t| {
                    let (mut planes, _) = frame(layout, t, true);
                    let mut f = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
                    for &(x, y) in &spots {
                        f.set(0, x, y, 250);
                    }
                    let report = p.process(&mut f, &settings);
                    (planes, report.spots, p.writes().to_vec())
                })
                .collect::<Vec<_>>()
        };
        let one = run(1);
        // The spots are there to repair: most frames replace samples of most of them.
        assert!(
            one.iter()
                .all(|(_, spots, writes)| *spots >= 130 && writes.len() >= 130)
        );
        for n_threads in [2, 3, 0] {
            assert_eq!(run(n_threads), one, "{n_threads} threads");
        }
    }

    /// Frame `t` of the pan of [`frame`] (no spot), with a dark demosaiced line three
    /// pixels wide in luma: the column of frame pixel `dead` (its luma a quarter of the
    /// picture's there, the other colours being filled from the columns beside it; the
    /// columns beside it half-way there), or, with `scene`, a line of the picture at
    /// picture column 120, which moves with it.
    fn line_frame(layout: VideoLayout, t: usize, line: Option<usize>, scene: bool) -> Vec<Vec<u8>> {
        let (mut planes, strides) = frame(layout, t, false);
        let mut f = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        let x = match (line, scene) {
            (Some(x), _) => Some(x),
            (None, true) => 120usize.checked_sub(4 * t),
            (None, false) => None,
        };
        if let Some(x) = x.filter(|&x| (1..layout.width - 1).contains(&x)) {
            for y in 0..layout.height {
                let dark = f.get(0, x, y) / 4;
                f.set(0, x, y, dark);
                for side in [x - 1, x + 1] {
                    let v = f.get(0, side, y);
                    f.set(0, side, y, (v + dark) / 2);
                }
            }
        }
        planes
    }

    /// A frame's output planes and the columns of the lines confirmed after it.
    type LineStep = (Vec<Vec<u8>>, Vec<u32>);

    /// Runs `frames` frames of [`line_frame`] (frame 0 again and again when `still`)
    /// through a processor; the processor, and the outputs and the lines confirmed after
    /// each frame.
    fn run_lines(
        frames: usize,
        line: Option<usize>,
        scene: bool,
        still: bool,
    ) -> (Processor, Vec<LineStep>) {
        let layout = VideoLayout::parse("NV12", 192, 96).unwrap();
        let strides = layout.default_strides();
        let mut p = Processor::new(layout);
        let runs = (0..frames)
            .map(|t| {
                let mut out = line_frame(layout, if still { 0 } else { t }, line, scene);
                p.process(
                    &mut VideoFrameMut::from_vecs(layout, &mut out, strides).unwrap(),
                    &VideoSettings::default(),
                );
                let lines = p.evidence().evidence().column_lines();
                (out, lines.iter().map(|l| l.x).collect())
            })
            .collect();
        (p, runs)
    }

    #[test]
    fn a_dead_column_in_a_pan_is_confirmed_and_repaired_as_a_line() {
        let layout = VideoLayout::parse("NV12", 192, 96).unwrap();
        let strides = layout.default_strides();
        let (p, runs) = run_lines(8, Some(60), false, false);
        // Every frame of a 4 px/frame pan is an instant: the key, then three votes.
        for (t, (_, lines)) in runs.iter().enumerate() {
            let expected: &[u32] = if t >= 3 { &[60] } else { &[] };
            assert_eq!(lines, expected, "frame {t}");
        }
        // The line is reported as one spot: dark, in luma, every row of the line's three
        // columns replaced on the flat part at least.
        let spots = p.spots();
        assert_eq!(spots.len(), 1, "{spots:?}");
        let s = spots[0];
        assert_eq!(
            (s.source, s.bright, s.component),
            (SpotSource::Confirmed, false, ComponentKind::Y)
        );
        assert_eq!((s.x, s.y), (60, 0));
        assert!(s.changed >= 3 * 56, "{s:?}");
        // A map written from what was learned names the column.
        assert_eq!(
            p.confirmed_map(5, 0).entries(),
            [crate::defect_map::Entry::Column { x: 65 }]
        );
        for (t, (out, _)) in runs.iter().enumerate().skip(3) {
            let (clean, _) = frame(layout, t, false);
            let input = line_frame(layout, t, Some(60), false);
            let (out, clean, input) = (
                view(layout, out, strides),
                view(layout, &clean, strides),
                view(layout, &input, strides),
            );
            // On the texture, linear across the line: its largest error quartered at
            // least (the footage protocol's "corrected").
            let (mut before, mut after) = (0, 0);
            for y in 0..layout.height {
                for x in 0..layout.width {
                    let (o, c, i) = (out.get(0, x, y), clean.get(0, x, y), input.get(0, x, y));
                    if y >= 40 || !(59..=61).contains(&x) {
                        // The flat part comes back exactly, and nothing off the line
                        // changes.
                        assert_eq!(o, c, "frame {t} ({x},{y})");
                    } else {
                        before = before.max(i.abs_diff(c));
                        after = after.max(o.abs_diff(c));
                    }
                }
            }
            assert!(4 * after <= before, "frame {t}: {before} → {after}");
            // Chroma had nothing wrong and keeps its values.
            for c in 1..3 {
                let (w, h) = layout.comp_size(c);
                for y in 0..h {
                    for x in 0..w {
                        assert_eq!(out.get(c, x, y), clean.get(c, x, y));
                    }
                }
            }
        }
    }

    #[test]
    fn a_column_is_not_confirmed_at_rest_nor_a_line_of_the_picture_that_moves() {
        for (line, scene, still) in [(Some(60), false, true), (None, true, false)] {
            for (t, (out, lines)) in run_lines(12, line, scene, still).1.iter().enumerate() {
                assert!(lines.is_empty(), "{line:?} {scene} frame {t}");
                let layout = VideoLayout::parse("NV12", 192, 96).unwrap();
                let input = line_frame(layout, if still { 0 } else { t }, line, scene);
                assert_eq!(out, &input, "{line:?} {scene} frame {t}");
            }
        }
    }

    #[test]
    fn a_mapped_column_is_repaired_as_a_line_from_the_first_frame() {
        use crate::defect_map::Entry;
        let layout = VideoLayout::parse("NV12", 192, 96).unwrap();
        let strides = layout.default_strides();
        let map = Arc::new(DefectMap::from_entries(vec![
            Entry::Column { x: 60 },
            Entry::Pixel { x: 100, y: 70 },
        ]));
        let mut p = Processor::new(layout);
        p.set_map(Some(&map), 0, 0);
        // The column goes to the line repair, the pixel to the spot repair.
        assert_eq!(p.mapped_pixels(), [Position::new(100, 70)]);
        assert_eq!(p.mapped_columns(), [60]);
        let settings = VideoSettings {
            detection: false,
            ..VideoSettings::default()
        };
        let mut out = line_frame(layout, 0, Some(60), false);
        p.process(
            &mut VideoFrameMut::from_vecs(layout, &mut out, strides).unwrap(),
            &settings,
        );
        // Reported as the map's.
        assert!(
            p.spots()
                .iter()
                .any(|s| s.source == SpotSource::Map && (s.x, s.y) == (60, 0))
        );
        let (clean, _) = frame(layout, 0, false);
        let (out, clean) = (view(layout, &out, strides), view(layout, &clean, strides));
        for y in 40..layout.height {
            for x in 0..layout.width {
                assert_eq!(out.get(0, x, y), clean.get(0, x, y), "({x},{y})");
            }
        }
    }

    #[test]
    fn a_faint_mapped_spot_loses_its_shoulders_too() {
        // A faint demosaiced photosite on a flat, noise-free patch: 16 levels up at its
        // pixel, 5 in the four beside it (more than a quarter of its peak). Every
        // sample comes back, the shoulders included: with a floor of 2 % of the range
        // (5 levels at 8 bits) they stayed, and the spot's error was not quartered.
        use crate::defect_map::Entry;
        let layout = VideoLayout::parse("NV12", 64, 48).unwrap();
        let strides = layout.default_strides();
        let map = Arc::new(DefectMap::from_entries(vec![Entry::Pixel { x: 30, y: 20 }]));
        let mut p = Processor::new(layout);
        p.set_map(Some(&map), 0, 0);
        let (mut planes, _) = layout.alloc();
        let mut f = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        f.fill(|c, _, _| if c == 0 { 60 } else { 128 });
        f.set(0, 30, 20, 76);
        for (x, y) in [(29, 20), (31, 20), (30, 19), (30, 21)] {
            f.set(0, x, y, 65);
        }
        let settings = VideoSettings {
            detection: false,
            ..VideoSettings::default()
        };
        p.process(&mut f, &settings);
        let out = view(layout, &planes, strides);
        for y in 0..layout.height {
            for x in 0..layout.width {
                assert_eq!(out.get(0, x, y), 60, "({x},{y})");
            }
        }
    }
}
