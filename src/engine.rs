//! One frame through the pipeline of phases, in horizontal bands on the one pool of
//! [`exec`] that every engine, processor and calibrator of the process shares:
//!
//! 1. **detect** (parallel, bands): measure the noise on a subsample, then each band reads
//!    the frame (its rows and 2 rows of halo) and appends the pixels it flags to its own
//!    list. Nothing is written to the frame.
//! 2. **mask** (serial): the map's pixels are in the mask already; the dynamic detections
//!    join them. Now every known defect is marked.
//! 3. **estimate** (parallel, bands): each defect's value is computed from healthy
//!    same-colour neighbours of the still untouched frame ([`estimate`] never reads a
//!    masked pixel).
//! 4. **write** (serial, O(defects)): the estimates are written.
//!
//! Reads all happen before the first write, and a band only appends to its own lists,
//! so no phase can race and the result does not depend on the number of threads: the
//! bands are fixed by the frame height, not by the thread count.

use std::sync::Arc;

use crate::correct::{Mask, estimate};
use crate::defect_map::{DefectMap, PlacedMap};
use crate::detect::{
    COLD, DetectScratch, DetectTuning, Detector, Found, HOT, NoiseModel, PointTally,
};
use crate::exec::{self, KernelPath, PerThread, band_rows, run_bands};
use crate::frame::{Plane, PlaneMut, PlaneRef, Position};

/// What the element does with the defects it finds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Repair defects in place.
    #[default]
    Correct,
    /// Find and report only; the frame is not changed.
    Detect,
}

/// Whether and how defects that no map lists are looked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Detection {
    /// Map pixels only.
    Off,
    /// Per-frame spatial detection ([`crate::detect`]).
    #[default]
    Dynamic,
}

/// Per-frame settings of the engine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SensorSettings {
    pub detection: Detection,
    /// Strength of dynamic detection (1 = default; see [`DetectTuning::sensitivity`]).
    pub sensitivity: f64,
    /// Worker threads at most (0 = every thread of the shared pool).
    pub n_threads: usize,
}

impl Default for SensorSettings {
    fn default() -> Self {
        SensorSettings {
            detection: Detection::Dynamic,
            sensitivity: 1.0,
            n_threads: 0,
        }
    }
}

/// Counts for one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SensorFrameReport {
    /// Pixels listed by the defect map that lie inside the frame.
    pub mapped: usize,
    /// Pixels found by dynamic detection that neither the map nor the learned set lists.
    pub dynamic: usize,
    /// Learned defects ([`Engine::set_learned`]) that the map does not list.
    pub learned: usize,
    /// Pixels whose value the repair changed (or would change, in detect mode).
    pub corrected: usize,
    /// Defects with no healthy same-colour pixel in reach, left as they were.
    pub unrepairable: usize,
}

/// Where a defect of the last frame came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// Listed by the defect map.
    Map,
    /// Learned over time ([`crate::temporal`]).
    Learned,
    /// Found by dynamic detection: too bright for its neighbourhood.
    Hot,
    /// Found by dynamic detection: too dark for its neighbourhood.
    Cold,
}

impl Source {
    pub fn is_dynamic(self) -> bool {
        matches!(self, Source::Hot | Source::Cold)
    }
}

/// One defect of the last frame, with what the repair made of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FoundDefect {
    pub x: u32,
    pub y: u32,
    pub source: Source,
    /// The pixel's value as it arrived.
    pub value: u16,
    /// The repaired value; `None` when no healthy neighbour was in reach.
    pub estimate: Option<u16>,
}

impl FoundDefect {
    /// How far the repair moved the pixel (0 when it could not be repaired).
    pub fn severity(&self) -> u16 {
        self.estimate.map_or(0, |e| e.abs_diff(self.value))
    }
}

pub use crate::defect_map::MapPlacement;

/// One horizontal band's lists, reused from frame to frame.
#[derive(Debug, Default)]
struct Band {
    y0: usize,
    y1: usize,
    found: Vec<Found>,
    /// The lens test's tally of the band's bright points.
    points: PointTally,
    defects: Vec<FoundDefect>,
    /// Candidates of [`Engine::candidates`].
    probe: Vec<Found>,
}

/// Per-stream state of the defect repair: built for one plane layout, reused every
/// frame.
pub struct Engine {
    plane: Plane,
    /// Every pixel currently known to be defective (the map's, plus during a frame the
    /// dynamic detections).
    mask: Mask,
    /// Map pixels in frame coordinates, row-major order.
    mapped: PlacedMap,
    /// Learned pixels, row-major order.
    learned: Vec<Position>,
    /// Map and learned pixels merged, row-major, each once (the map's source wins).
    listed: Vec<(Position, Source)>,
    detector: Detector,
    bands: Vec<Band>,
    /// Decoding buffers, one per worker thread of the pool.
    scratch: PerThread<DetectScratch>,
    /// The defects of the last frame, row-major: map and dynamic.
    defects: Vec<FoundDefect>,
    /// Dynamic detections of the current frame that were not in the mask before.
    added: Vec<Position>,
    path: KernelPath,
    fixed_model: Option<NoiseModel>,
    tuning: DetectTuning,
    /// [`Engine::spare`]'s list.
    spared: Vec<Position>,
}

impl Engine {
    /// A fresh engine for frames that are views of `plane`.
    pub fn new(plane: Plane) -> Self {
        let bands = band_rows(plane.height)
            .map(|(y0, y1)| Band {
                y0,
                y1,
                ..Band::default()
            })
            .collect();
        Engine {
            plane,
            mask: Mask::new(plane.width, plane.height),
            mapped: PlacedMap::default(),
            learned: Vec::new(),
            listed: Vec::new(),
            detector: Detector::new(plane),
            bands,
            scratch: PerThread::new(),
            defects: Vec::new(),
            added: Vec::new(),
            path: KernelPath::best(),
            fixed_model: None,
            tuning: DetectTuning::default(),
            spared: Vec::new(),
        }
    }

    /// The plane the engine was built for.
    pub fn plane(&self) -> &Plane {
        &self.plane
    }

    /// Map pixels in frame coordinates.
    pub fn mapped_pixels(&self) -> &[Position] {
        self.mapped.pixels()
    }

    /// The defects of the last processed frame (map and dynamic, see
    /// [`FoundDefect::source`]), in row-major order.
    pub fn defects(&self) -> &[FoundDefect] {
        &self.defects
    }

    /// The detector (its noise model and parameters of the last frame).
    pub fn detector(&self) -> &Detector {
        &self.detector
    }

    /// Forces a kernel path (tests and benchmarks); one this CPU lacks is ignored.
    pub fn set_kernel_path(&mut self, path: KernelPath) {
        self.path = path.or_keep(self.path);
    }

    /// Replaces the detection constants (experiments; the element uses the defaults and
    /// only its `sensitivity`, which overrides `tuning.sensitivity`).
    pub fn set_tuning(&mut self, tuning: DetectTuning) {
        self.tuning = tuning;
    }

    /// Uses a fixed noise model instead of measuring each frame (`None`: measure).
    pub fn set_noise_model(&mut self, model: Option<NoiseModel>) {
        self.fixed_model = model;
    }

    /// The noise of a pixel from frame to frame as a share of the frame's noise model,
    /// for the lens test ([`Detector::set_point_noise`]).
    pub fn set_point_noise(&mut self, share: f64) {
        self.detector.set_point_noise(share);
    }

    /// Installs `map`, placed so that frame pixel (0, 0) is sensor pixel
    /// (`offset_x`, `offset_y`). Builds the index only when the map or the offset
    /// changed; returns the placement when it did.
    pub fn set_map(
        &mut self,
        map: Option<&Arc<DefectMap>>,
        offset_x: i64,
        offset_y: i64,
    ) -> Option<MapPlacement> {
        let placement =
            self.mapped
                .place(map, self.plane.width, self.plane.height, offset_x, offset_y)?;
        self.relist();
        Some(placement)
    }

    /// Replaces the learned defects (frame coordinates, row-major): they are repaired on
    /// every frame like the map's, whether the spatial test fires or not.
    pub fn set_learned(&mut self, learned: &[Position]) {
        self.learned.clear();
        self.learned.extend(
            learned.iter().filter(|p| {
                (p.x as usize) < self.plane.width && (p.y as usize) < self.plane.height
            }),
        );
        self.relist();
    }

    /// Learned pixels in frame coordinates.
    pub fn learned_pixels(&self) -> &[Position] {
        &self.learned
    }

    /// Pixels the detector flags in `frame` at `sensitivity` with the noise model of the
    /// last processed frame, row-major: candidates for temporal learning, which, unlike
    /// a repair, checks every candidate over many frames before it acts, and so can
    /// start from a more sensitive test. Changes nothing in the frame or the mask.
    pub fn candidates(
        &mut self,
        frame: &PlaneRef<'_>,
        sensitivity: f64,
        n_threads: usize,
    ) -> impl Iterator<Item = Position> + '_ {
        let applicable = self.detector.applicable() && frame.plane() == &self.plane;
        if applicable {
            let model = *self.detector.model();
            let tuning = DetectTuning {
                sensitivity,
                ..self.tuning
            };
            // The next frame's `process_with` sets the parameters afresh.
            self.detector.set_model(model, &tuning);
        }
        let threads = exec::threads(n_threads);
        let detector = &self.detector;
        let scratch = &self.scratch;
        let path = self.path;
        run_bands(&mut self.bands, threads, |band| {
            band.probe.clear();
            if applicable {
                let mut s = scratch.get();
                detector.detect_rows(frame, band.y0, band.y1, path, &mut s, &mut band.probe);
            }
        });
        self.bands
            .iter()
            .flat_map(|b| b.probe.iter().map(|f| Position::new(f.x, f.y)))
    }

    /// Every pixel the spatial detector flagged in the last frame, listed or not,
    /// row-major (the evidence temporal learning feeds on).
    pub fn flagged(&self) -> impl Iterator<Item = Position> + '_ {
        self.bands
            .iter()
            .flat_map(|b| b.found.iter().map(|f| Position::new(f.x, f.y)))
    }

    /// Rebuilds the merged list of map and learned pixels and their mask bits.
    fn relist(&mut self) {
        for &(p, _) in &self.listed {
            self.mask.clear(p.x as usize, p.y as usize);
        }
        self.listed.clear();
        let (mut i, mut j) = (0, 0);
        let (map, learned) = (self.mapped.pixels(), &self.learned);
        while i < map.len() || j < learned.len() {
            let m = map.get(i).copied();
            let l = learned.get(j).copied();
            let (at, source) = match (m, l) {
                (Some(mk), Some(lk)) if mk == lk => {
                    i += 1;
                    j += 1;
                    (mk, Source::Map)
                }
                (Some(mk), Some(lk)) if mk < lk => {
                    i += 1;
                    (mk, Source::Map)
                }
                (Some(mk), None) => {
                    i += 1;
                    (mk, Source::Map)
                }
                (_, Some(lk)) => {
                    j += 1;
                    (lk, Source::Learned)
                }
                (None, None) => break,
            };
            self.listed.push((at, source));
        }
        for &(p, _) in &self.listed {
            self.mask.set(p.x as usize, p.y as usize);
        }
    }

    /// Processes one frame in place (or only inspects it, in [`Mode::Detect`]) with the
    /// default settings.
    pub fn process(&mut self, frame: &mut PlaneMut<'_>, mode: Mode) -> SensorFrameReport {
        self.process_with(frame, mode, &SensorSettings::default())
    }

    /// Processes one frame in place (or only inspects it, in [`Mode::Detect`]).
    pub fn process_with(
        &mut self,
        frame: &mut PlaneMut<'_>,
        mode: Mode,
        settings: &SensorSettings,
    ) -> SensorFrameReport {
        self.detect(&frame.as_ref(), settings);
        self.repair(frame, mode, settings)
    }

    /// The single-frame detections of the last [`Engine::detect`], row-major, and whether
    /// each is bright.
    pub fn detections(&self) -> impl Iterator<Item = (Position, bool)> + '_ {
        self.bands.iter().flat_map(|b| {
            b.found
                .iter()
                .map(|f| (Position::new(f.x, f.y), f.flags & COLD == 0))
        })
    }

    /// Drops the detections at `spared` (row-major) before [`Engine::repair`].
    pub fn spare(&mut self, spared: impl Iterator<Item = Position>) {
        self.spared.clear();
        self.spared.extend(spared);
        if self.spared.is_empty() {
            return;
        }
        let spared = &self.spared;
        for b in &mut self.bands {
            b.found
                .retain(|f| spared.binary_search(&Position::new(f.x, f.y)).is_err());
        }
    }

    /// Phase 1 of [`Engine::process_with`]: detection (reads the frame only).
    pub fn detect(&mut self, view: &PlaneRef<'_>, settings: &SensorSettings) {
        let detect = settings.detection == Detection::Dynamic
            && self.detector.applicable()
            && view.plane() == &self.plane;
        let threads = exec::threads(settings.n_threads);
        if detect {
            let view = *view;
            let tuning = DetectTuning {
                sensitivity: settings.sensitivity,
                ..self.tuning
            };
            match self.fixed_model {
                Some(model) => self.detector.set_model(model, &tuning),
                None => self.detector.prepare(&view, &tuning),
            }
            let detector = &self.detector;
            let scratch = &self.scratch;
            let path = self.path;
            run_bands(&mut self.bands, threads, |band| {
                band.found.clear();
                let mut s = scratch.get();
                band.points =
                    detector.detect_rows(&view, band.y0, band.y1, path, &mut s, &mut band.found);
            });
            // The prior of the next frame's lens test (every band's count: the same
            // whatever the threads).
            let mut points = PointTally::default();
            for band in &self.bands {
                points.add(band.points);
            }
            self.detector.note_points(points);
        } else {
            for band in &mut self.bands {
                band.found.clear();
            }
            self.detector.note_points(PointTally::default());
        }
    }

    /// Phases 2–4 of [`Engine::process_with`], after [`Engine::detect`].
    pub fn repair(
        &mut self,
        frame: &mut PlaneMut<'_>,
        mode: Mode,
        settings: &SensorSettings,
    ) -> SensorFrameReport {
        debug_assert_eq!(frame.plane(), &self.plane);
        let mut report = SensorFrameReport {
            mapped: self.mapped.pixels().len(),
            learned: self.listed.len() - self.mapped.pixels().len(),
            ..SensorFrameReport::default()
        };
        self.defects.clear();
        let threads = exec::threads(settings.n_threads);

        // Phase 2: every defect into the mask.
        self.added.clear();
        for band in &self.bands {
            for f in &band.found {
                if self.mask.set(f.x as usize, f.y as usize) {
                    self.added.push(Position::new(f.x, f.y));
                }
            }
        }
        report.dynamic = self.added.len();

        // Phase 3: estimates from the untouched frame, healthy neighbours only.
        {
            let view = frame.as_ref();
            let mask = &self.mask;
            let listed = &self.listed;
            run_bands(&mut self.bands, threads, |band| {
                band.defects.clear();
                collect_estimates(&view, mask, listed, band);
            });
        }

        // Phase 4: write.
        for band in &self.bands {
            for d in &band.defects {
                match d.estimate {
                    Some(v) if v != d.value => {
                        report.corrected += 1;
                        if mode == Mode::Correct {
                            frame.set(d.x as usize, d.y as usize, v);
                        }
                    }
                    Some(_) => {}
                    None => report.unrepairable += 1,
                }
            }
            self.defects.extend_from_slice(&band.defects);
        }

        // The dynamic detections leave the mask: the next frame finds its own.
        for &p in &self.added {
            self.mask.clear(p.x as usize, p.y as usize);
        }
        report
    }
}

/// Estimates of the band's defects: the listed (map and learned) pixels in its rows and
/// its dynamic detections, merged in row-major order.
fn collect_estimates(
    view: &PlaneRef<'_>,
    mask: &Mask,
    listed: &[(Position, Source)],
    band: &mut Band,
) {
    let (y0, y1) = (band.y0 as u32, band.y1 as u32);
    let start = listed.partition_point(|(p, _)| p.y < y0);
    let end = listed.partition_point(|(p, _)| p.y < y1);
    let map = &listed[start..end];
    let (mut i, mut j) = (0, 0);
    let found = &band.found;
    let out = &mut band.defects;
    let make = |x: u32, y: u32, source: Source| FoundDefect {
        x,
        y,
        source,
        value: view.get(x as usize, y as usize),
        estimate: estimate(view, mask, x as usize, y as usize),
    };
    while i < map.len() || j < found.len() {
        let m = map.get(i).copied();
        let d = found.get(j).map(|f| Position::new(f.x, f.y));
        match (m, d) {
            (Some((mk, source)), Some(dk)) if mk == dk => {
                out.push(make(mk.x, mk.y, source));
                i += 1;
                j += 1;
            }
            (Some((mk, source)), Some(dk)) if mk < dk => {
                out.push(make(mk.x, mk.y, source));
                i += 1;
            }
            (Some((mk, source)), None) => {
                out.push(make(mk.x, mk.y, source));
                i += 1;
            }
            (_, Some(_)) => {
                let f = found[j];
                let source = if f.flags & HOT != 0 {
                    Source::Hot
                } else if f.flags & COLD != 0 {
                    Source::Cold
                } else {
                    Source::Hot
                };
                out.push(make(f.x, f.y, source));
                j += 1;
            }
            (None, None) => break,
        }
    }
}
