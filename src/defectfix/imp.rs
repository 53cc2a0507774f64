use crate::lock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::prelude::BaseTransformExtManual;
use gst_base::subclass::prelude::*;

use super::video::{VideoParams, VideoState};
use super::{CalibrateMode, DetectionMode, RunMode};
use crate::calibrate::{CalibrationKind, Calibrator};
use crate::defect_map::{DefectMap, Entry};
use crate::engine::{self, Engine};
use crate::frame::FrameMut;
use crate::report::{self, Summary};
use crate::temporal::Learner;

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "defectfix",
        gst::DebugColorFlags::empty(),
        Some("Defective pixel correction"),
    )
});

const DEFAULT_SENSITIVITY: f64 = 1.0;
const DEFAULT_CALIBRATION_FRAMES: u32 = 32;
/// With `learn`, every this many frames a more sensitive detection seeds learning.
const SEED_EVERY: u64 = 2;
/// How much more sensitive that detection is than the repair's.
const SEED_SENSITIVITY: f64 = 3.0;
/// Positions carried by one per-frame message in detect mode.
const MESSAGE_POSITIONS: usize = 256;

#[derive(Debug, Clone)]
struct Settings {
    defect_map: Option<String>,
    map_offset_x: i32,
    map_offset_y: i32,
    detection: DetectionMode,
    n_threads: u32,
    sensitivity: f64,
    mode: RunMode,
    post_messages: bool,
    learn: bool,
    map_output: Option<String>,
    calibrate: CalibrateMode,
    calibration_frames: u32,
    hold_first_frame: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            defect_map: None,
            map_offset_x: 0,
            map_offset_y: 0,
            detection: DetectionMode::Dynamic,
            n_threads: 0,
            sensitivity: DEFAULT_SENSITIVITY,
            mode: RunMode::Correct,
            post_messages: false,
            learn: false,
            map_output: None,
            calibrate: CalibrateMode::Off,
            calibration_frames: DEFAULT_CALIBRATION_FRAMES,
            hold_first_frame: true,
        }
    }
}

/// Built in `set_caps` (so a caps change starts afresh), dropped in `stop`.
struct State {
    engine: Engine,
    learner: Learner,
    summary: Summary,
    /// Running calibration, and whether one has finished on this stream.
    calibrator: Option<Calibrator>,
    calibrated: bool,
    frames: u64,
    /// Map offsets of the last frame: learned maps are written in sensor coordinates.
    offset: (i64, i64),
}

impl State {
    fn new(format: crate::format::FrameFormat) -> Self {
        State {
            engine: Engine::new(format),
            learner: Learner::new(format),
            summary: Summary::new(),
            calibrator: None,
            calibrated: false,
            frames: 0,
            offset: (0, 0),
        }
    }
}

/// A map in frame coordinates moved to sensor coordinates.
fn to_sensor(map: &DefectMap, (ox, oy): (i64, i64)) -> DefectMap {
    DefectMap::from_entries(
        map.entries()
            .iter()
            .map(|e| match *e {
                Entry::Pixel { x, y } => Entry::Pixel {
                    x: x + ox,
                    y: y + oy,
                },
                Entry::Row { y } => Entry::Row { y: y + oy },
                Entry::Column { x } => Entry::Column { x: x + ox },
                Entry::Rect { x, y, w, h } => Entry::Rect {
                    x: x + ox,
                    y: y + oy,
                    w,
                    h,
                },
            })
            .collect(),
    )
}

#[derive(Default)]
pub struct DefectFix {
    settings: Mutex<Settings>,
    /// The loaded map; replaced as a whole, so a frame sees either the old or the new one.
    map: Mutex<Option<Arc<DefectMap>>>,
    state: Mutex<Option<State>>,
    /// The YUV/RGB path's state, when such caps are negotiated (`state` is then None).
    video: Mutex<Option<VideoState>>,
    /// Between `start` and `stop`: map load failures are then warnings, not errors.
    running: AtomicBool,
    /// Whether upstream is live (asked once, at the first buffer that could be held).
    live: Mutex<Option<bool>>,
    /// The held first frame, released by the frame being transformed: it goes out
    /// before that frame ([`BaseTransformImpl::generate_output`]).
    release: Mutex<Option<gst::Buffer>>,
    /// The frame that follows it out.
    follows: Mutex<Option<gst::Buffer>>,
    /// The buffer being transformed was held back (no output for it, and no DISCONT
    /// for the next).
    holding: AtomicBool,
    /// The `report` property and the QC report being collected ([`super::qc`]).
    pub(super) qc: Mutex<super::qc::Qc>,
}

/// What the video path did with one buffer.
#[derive(Default)]
struct VideoDone {
    /// The buffer was held back (the element drops it; a copy goes out later).
    held: bool,
    /// Its per-frame message.
    message: Option<gst::Structure>,
    /// A held frame to push before it, with its message.
    released: Option<(gst::Buffer, Option<gst::Structure>)>,
}

/// The video path's parameters from the element's settings.
fn video_params(settings: &Settings, map: Option<Arc<DefectMap>>) -> VideoParams {
    VideoParams {
        detection: settings.detection == DetectionMode::Dynamic,
        sensitivity: settings.sensitivity,
        n_threads: settings.n_threads as usize,
        mode: settings.mode.into(),
        map,
        offset_x: settings.map_offset_x.into(),
        offset_y: settings.map_offset_y.into(),
        post_messages: settings.post_messages,
    }
}

fn load_map(path: Option<&str>) -> Result<Option<Arc<DefectMap>>, crate::defect_map::MapError> {
    match path {
        None | Some("") => Ok(None),
        Some(p) => DefectMap::load(std::path::Path::new(p)).map(|m| Some(Arc::new(m))),
    }
}

impl DefectFix {
    fn post(&self, structure: gst::Structure) {
        let obj = self.obj();
        let _ = obj.post_message(gst::message::Element::builder(structure).src(&*obj).build());
    }

    /// Writes the learned map to `map-output`, if learning and a path are set.
    fn write_learned_map(&self, state: &State) {
        let (learn, path) = {
            let s = lock(&self.settings);
            (s.learn, s.map_output.clone())
        };
        let (true, Some(path)) = (learn, path) else {
            return;
        };
        let map = state.learner.to_map(state.offset.0, state.offset.1);
        let header = format!(
            "defect map learned by defectfix over {} frames of {}x{}: {} pixels",
            state.learner.frames(),
            state.engine.format().width,
            state.engine.format().height,
            map.len()
        );
        match map.save(std::path::Path::new(&path), &header) {
            Ok(()) => gst::info!(
                CAT,
                imp = self,
                "learned map ({} pixels) written to {path}",
                map.len()
            ),
            Err(e) => gst::element_imp_warning!(
                self,
                gst::ResourceError::OpenWrite,
                ("Cannot write the learned map to '{}': {}", path, e)
            ),
        }
    }

    /// Writes the video path's confirmed spots to `map-output`, if learning and a path
    /// are set.
    fn write_video_learned_map(&self, video: &VideoState) {
        let (learn, path) = {
            let s = lock(&self.settings);
            (s.learn, s.map_output.clone())
        };
        let (true, Some(path)) = (learn, path) else {
            return;
        };
        let (map, header) = video.learned_map();
        if let Err(e) = map.save(std::path::Path::new(&path), &header) {
            gst::element_imp_warning!(
                self,
                gst::ResourceError::OpenWrite,
                ("Cannot write the learned map to '{}': {}", path, e)
            );
        }
    }

    /// End of stream: the learned map to disk, the summary on the bus.
    fn end_of_stream(&self) {
        self.qc_write(true);
        let (post, detect) = {
            let s = lock(&self.settings);
            (s.post_messages, s.mode == RunMode::Detect)
        };
        let video_summary = lock(&self.video).as_ref().map(|v| {
            self.write_video_learned_map(v);
            v.summary_message()
        });
        if let Some(s) = video_summary {
            if post || detect {
                self.post(s);
            }
            return;
        }
        let summary = {
            let state = lock(&self.state);
            let Some(state) = state.as_ref() else { return };
            self.write_learned_map(state);
            (post || detect).then(|| summary_message(state))
        };
        if let Some(s) = summary {
            self.post(s);
        }
    }

    /// One frame through the engine and, with `learn`, the learner. Returns the
    /// per-frame message when `post-messages` asks for it.
    fn repair(
        &self,
        state: &mut State,
        frame: &mut FrameMut<'_>,
        settings: &Settings,
    ) -> Option<gst::Structure> {
        let run = engine::Settings {
            detection: settings.detection.into(),
            sensitivity: settings.sensitivity,
            n_threads: settings.n_threads as usize,
        };
        let report = state.engine.process_with(frame, settings.mode.into(), &run);
        gst::trace!(CAT, imp = self, "frame: {report:?}");

        if settings.learn {
            // Every few frames, a more sensitive look seeds tracks for faint defects
            // (a dead pixel in a dark area) that the repair's own test misses.
            let seeds: Vec<(u32, u32)> = if state.frames.is_multiple_of(SEED_EVERY) {
                state
                    .engine
                    .candidates(
                        &frame.as_ref(),
                        settings.sensitivity * SEED_SENSITIVITY,
                        run.n_threads,
                    )
                    .collect()
            } else {
                Vec::new()
            };
            // The values as they arrived: repaired pixels are among the defects.
            let defects = state.engine.defects();
            let view = frame.as_ref();
            let raw = |x: u32, y: u32| match defects.binary_search_by_key(&(y, x), |d| (d.y, d.x)) {
                Ok(i) => defects[i].value,
                Err(_) => view.get(x as usize, y as usize),
            };
            let model = state.engine.detector().model();
            let update = state
                .learner
                .observe(&view, state.engine.flagged(), raw, model);
            state.learner.seed(&view, seeds, raw);
            if update.changed() {
                gst::debug!(
                    CAT,
                    imp = self,
                    "learned set: {update:?}, now {}",
                    state.learner.learned().len()
                );
                state.engine.set_learned(state.learner.learned());
            }
        } else if !state.engine.learned_pixels().is_empty() {
            state.engine.set_learned(&[]);
        }
        let white = state.engine.format().max_value();
        state.summary.add_frame(state.engine.defects(), white);
        settings
            .post_messages
            .then(|| frame_message(state, &report, settings.mode))
    }

    /// One calibration frame: accumulate; at the last one write the map. Returns the
    /// message to post (progress, or the result).
    fn calibrate(
        &self,
        state: &mut State,
        frame: &crate::frame::FrameRef<'_>,
        settings: &Settings,
    ) -> Option<gst::Structure> {
        if state.calibrated {
            return None;
        }
        let kind = match settings.calibrate {
            CalibrateMode::Dark => CalibrationKind::Dark,
            _ => CalibrationKind::Flat,
        };
        let format = *state.engine.format();
        let calibrator = match &mut state.calibrator {
            Some(c) if c.kind() == kind => c,
            slot => slot.insert(Calibrator::new(kind, format)),
        };
        if let Err(e) = calibrator.add_frame(frame) {
            gst::element_imp_warning!(
                self,
                gst::StreamError::Failed,
                ("Calibration stopped: {}", e)
            );
        }
        let done = calibrator.frames();
        let total = settings.calibration_frames as usize;
        if done < total {
            return Some(
                gst::Structure::builder("defectfix-calibration")
                    .field("kind", kind.to_string())
                    .field("frames", done as u32)
                    .field("total", total as u32)
                    .build(),
            );
        }
        let result = calibrator.finish();
        state.calibrated = true;
        state.calibrator = None;
        let map = to_sensor(&result.map, state.offset);
        let written = match &settings.map_output {
            Some(path) => match map.save(std::path::Path::new(path), &result.header()) {
                Ok(()) => Some(path.clone()),
                Err(e) => {
                    gst::element_imp_error!(
                        self,
                        gst::ResourceError::OpenWrite,
                        ("Cannot write the calibrated map to '{}': {}", path, e)
                    );
                    None
                }
            },
            None => {
                gst::element_imp_warning!(
                    self,
                    gst::ResourceError::Settings,
                    ("Calibration finished but map-output is not set: the map was not written")
                );
                None
            }
        };
        let c = result.counts;
        Some(
            gst::Structure::builder("defectfix-calibration-done")
                .field("kind", kind.to_string())
                .field("frames", result.frames as u32)
                .field("defects", map.len() as u32)
                .field("hot", c.hot as u32)
                .field("warm", c.warm as u32)
                .field("dead", c.dead as u32)
                .field("weak", c.weak as u32)
                .field("bright", c.bright as u32)
                .field("map-output", written.unwrap_or_default())
                .build(),
        )
    }

    /// `transform_ip` on YUV/RGB caps (see [`super::video`]); returns the message to
    /// post once the state is unlocked.
    fn transform_video(
        &self,
        video: &mut VideoState,
        buf: &mut gst::BufferRef,
        settings: &Settings,
        map: Option<Arc<DefectMap>>,
        hold: bool,
    ) -> Result<VideoDone, gst::FlowError> {
        if settings.calibrate != CalibrateMode::Off {
            if video.first_calibrate_request() {
                gst::element_imp_warning!(
                    self,
                    gst::StreamError::Format,
                    (
                        "calibrate needs raw sensor (Bayer or GRAY) caps; {} frames pass unchanged",
                        video.layout().format.name()
                    )
                );
            }
            return Ok(VideoDone::default());
        }
        let params = video_params(settings, map);
        let bad = |e: String| {
            gst::element_imp_error!(self, gst::StreamError::Format, ("Bad buffer: {}", e));
            gst::FlowError::Error
        };
        let release = |video: &mut VideoState, revisit: bool| {
            video
                .release(&params, revisit)
                .map(|r| r.map(|(buf, outcome)| (buf, outcome.message)))
                .map_err(bad)
        };
        let mut done = VideoDone::default();
        let fresh = video.is_fresh(buf);
        let repairs = settings.mode == RunMode::Correct;
        let before = self.qc_video_before(buf, repairs);
        // A frame still held when another fresh one comes (a discontinuity) goes as it
        // is; one held before this frame is revisited with it.
        if fresh {
            done.released = release(video, false)?;
        }
        let placement = if hold && fresh {
            done.held = true;
            let placement = video.hold(buf, &params).map_err(bad)?;
            self.qc_video_held(before);
            placement
        } else {
            let outcome = video.process(buf, &params).map_err(bad)?;
            self.qc_video_frame(buf, before, video.processor(), repairs, false);
            if done.released.is_none() {
                done.released = release(video, true)?;
                if let Some((held, _)) = &done.released {
                    self.qc_video_frame(held, None, video.processor(), repairs, true);
                }
            }
            gst::trace!(CAT, imp = self, "frame: {:?}", outcome.report);
            done.message = outcome.message;
            outcome.placement
        };
        if let Some(p) = placement
            && p.outside > 0
        {
            gst::element_imp_warning!(
                self,
                gst::StreamError::Format,
                (
                    "{} defect map entries lie outside the {}x{} frame (offset {},{}) and are ignored",
                    p.outside,
                    video.layout().width,
                    video.layout().height,
                    settings.map_offset_x,
                    settings.map_offset_y
                )
            );
        }
        Ok(done)
    }

    /// Pushes the held first frame downstream as it is, if there is one (end of
    /// stream, caps change).
    fn push_held(&self) -> Result<gst::FlowSuccess, gst::FlowError> {
        let (params, post) = {
            let s = lock(&self.settings);
            (video_params(&s, lock(&self.map).clone()), s.post_messages)
        };
        let released = lock(&self.video)
            .as_mut()
            .map(|v| v.release(&params, false));
        match released {
            Some(Ok(Some((buf, outcome)))) => {
                if post && let Some(m) = outcome.message {
                    self.post(m);
                }
                self.obj().src_pad().push(buf)
            }
            Some(Err(e)) => {
                gst::warning!(CAT, imp = self, "held frame: {e}");
                Ok(gst::FlowSuccess::Ok)
            }
            _ => Ok(gst::FlowSuccess::Ok),
        }
    }

    /// Drops what was waiting to go out (a flush, a stop).
    fn forget_outgoing(&self) {
        *lock(&self.release) = None;
        *lock(&self.follows) = None;
        self.holding.store(false, Ordering::SeqCst);
    }

    /// Whether upstream is live (its latency query says so); asked once.
    fn upstream_is_live(&self) -> bool {
        if let Some(live) = *lock(&self.live) {
            return live;
        }
        let mut q = gst::query::Latency::new();
        // No answer: take it as live, and never hold.
        let live = !self.obj().sink_pad().peer_query(&mut q) || q.result().0;
        *lock(&self.live) = Some(live);
        live
    }

    /// Loads the map named by the property while streaming; on failure the previous
    /// map stays and a warning says why.
    fn reload_map(&self, path: Option<&str>) {
        match load_map(path) {
            Ok(map) => {
                gst::info!(
                    CAT,
                    imp = self,
                    "defect map now {:?} ({} entries)",
                    path,
                    map.as_ref().map_or(0, |m| m.len())
                );
                *lock(&self.map) = map;
            }
            Err(e) => {
                gst::element_imp_warning!(
                    self,
                    gst::ResourceError::OpenRead,
                    ("Keeping the previous defect map: {}", e)
                );
            }
        }
    }
}

#[glib::object_subclass]
impl ObjectSubclass for DefectFix {
    const NAME: &'static str = "GstDefectFix";
    type Type = super::DefectFix;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for DefectFix {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecString::builder("defect-map")
                    .nick("Defect map")
                    .blurb(
                        "Path of a defect map file whose pixels are corrected on every frame \
                         ('X Y' lines, 'row Y', 'col X', 'rect X Y W H', '#' comments; dcraw -P \
                         and RawTherapee .badpixels files load unchanged). May change while \
                         playing: the new map applies from the next frame, a map that fails to \
                         load keeps the previous one",
                    )
                    .mutable_playing()
                    .build(),
                glib::ParamSpecInt::builder("map-offset-x")
                    .nick("Map offset X")
                    .blurb(
                        "Sensor column of the frame's left edge, for a map written for the full \
                         sensor used on a cropped sensor mode",
                    )
                    .minimum(i32::MIN)
                    .maximum(i32::MAX)
                    .default_value(0)
                    .mutable_playing()
                    .build(),
                glib::ParamSpecInt::builder("map-offset-y")
                    .nick("Map offset Y")
                    .blurb("Sensor row of the frame's top edge (see map-offset-x)")
                    .minimum(i32::MIN)
                    .maximum(i32::MAX)
                    .default_value(0)
                    .mutable_playing()
                    .build(),
                glib::ParamSpecEnum::builder_with_default("detection", DetectionMode::Dynamic)
                    .nick("Detection")
                    .blurb(
                        "off: correct the defect map's pixels only; dynamic: also find, in \
                         every frame, pixels that stand out from their same-colour \
                         neighbourhood by more than its noise and texture explain (hot, \
                         dead, stuck, weak; also in pairs and 2x2 blocks)",
                    )
                    .mutable_playing()
                    .build(),
                glib::ParamSpecDouble::builder("sensitivity")
                    .nick("Sensitivity")
                    .blurb(
                        "Strength of dynamic detection: every margin (noise multiple, \
                         texture allowance, least deviation) is divided by it. 1 is tuned \
                         for few false corrections on textured natural scenes; 2 also finds \
                         fainter defects and touches more real detail; 0.5 keeps only \
                         blatant ones",
                    )
                    .minimum(0.1)
                    .maximum(10.0)
                    .default_value(DEFAULT_SENSITIVITY)
                    .mutable_playing()
                    .build(),
                glib::ParamSpecEnum::builder_with_default("mode", RunMode::Correct)
                    .nick("Mode")
                    .blurb(
                        "correct: repair defects in place; detect: find and report them \
                         (see post-messages), buffers pass unchanged",
                    )
                    .mutable_playing()
                    .build(),
                glib::ParamSpecBoolean::builder("post-messages")
                    .nick("Post messages")
                    .blurb(
                        "Post an element message named 'defectfix' on the bus for every frame \
                         (counts: mapped, learned, dynamic, defects, corrected, unrepairable; in \
                         detect mode also up to 256 positions with severity), and a \
                         'defectfix-summary' message at end of stream",
                    )
                    .default_value(false)
                    .mutable_playing()
                    .build(),
                glib::ParamSpecBoolean::builder("hold-first-frame")
                    .nick("Hold first frame")
                    .blurb(
                        "YUV/RGB caps with detection=dynamic, in a pipeline that is not live: \
                         hold the first frame of the stream (and the first after a flush or a \
                         discontinuity) until the next one arrives, so that the pixel errors \
                         the two frames confirm are repaired in it too. Live pipelines never \
                         wait: there the first frame passes as it came",
                    )
                    .default_value(true)
                    .mutable_playing()
                    .build(),
                glib::ParamSpecBoolean::builder("learn")
                    .nick("Learn")
                    .blurb(
                        "Promote pixels that dynamic detection finds at the same place while \
                         the scene around them changes into a learned map, repaired on every \
                         frame; written to map-output at end of stream and on stop. A static \
                         bright detail is never learned. Resets on a caps change",
                    )
                    .default_value(false)
                    .mutable_playing()
                    .build(),
                glib::ParamSpecString::builder("map-output")
                    .nick("Map output")
                    .blurb(
                        "Where the learned map (learn=true) or the calibrated map (calibrate) \
                         is written, in the defect map format, in sensor coordinates (frame \
                         pixel plus map-offset-x/y)",
                    )
                    .mutable_playing()
                    .build(),
                glib::ParamSpecString::builder("report")
                    .nick("QC report")
                    .blurb(
                        "Where the quality-control report is written at the end of the stream \
                         (and on stop): .html a self-contained page with a picture of each \
                         pixel error before and after the repair, .json the same data, no \
                         extension both; a defect map of the confirmed errors (.map) is \
                         written beside it for paint-out",
                    )
                    .mutable_ready()
                    .build(),
                glib::ParamSpecEnum::builder_with_default("calibrate", CalibrateMode::Off)
                    .nick("Calibrate")
                    .blurb(
                        "dark: accumulate lens-capped frames and map hot and warm pixels; flat: \
                         accumulate frames of an evenly lit white card and map dead, weak and \
                         over-responsive pixels. Frames pass unchanged while calibrating; \
                         progress and the result are posted on the bus; the map goes to \
                         map-output",
                    )
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("calibration-frames")
                    .nick("Calibration frames")
                    .blurb("Frames accumulated by a calibration before its map is written")
                    .minimum(1)
                    .maximum(crate::calibrate::MAX_FRAMES as u32)
                    .default_value(DEFAULT_CALIBRATION_FRAMES)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("n-threads")
                    .nick("Threads")
                    .blurb(
                        "Worker threads at most for one frame (0 = all cores); the plugin \
                         shares one pool across instances. The output does not depend on it",
                    )
                    .minimum(0)
                    .maximum(1024)
                    .default_value(0)
                    .mutable_playing()
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        match pspec.name() {
            "defect-map" => {
                let path: Option<String> = value.get().unwrap_or(None);
                lock(&self.settings).defect_map = path.clone();
                if self.running.load(Ordering::SeqCst) {
                    self.reload_map(path.as_deref());
                }
            }
            "map-offset-x" => lock(&self.settings).map_offset_x = value.get().unwrap_or(0),
            "map-offset-y" => lock(&self.settings).map_offset_y = value.get().unwrap_or(0),
            "detection" => {
                lock(&self.settings).detection = value.get().unwrap_or(DetectionMode::Dynamic)
            }
            "sensitivity" => {
                lock(&self.settings).sensitivity = value.get().unwrap_or(DEFAULT_SENSITIVITY)
            }
            "n-threads" => lock(&self.settings).n_threads = value.get().unwrap_or(0),
            "mode" => lock(&self.settings).mode = value.get().unwrap_or(RunMode::Correct),
            "post-messages" => lock(&self.settings).post_messages = value.get().unwrap_or(false),
            "learn" => lock(&self.settings).learn = value.get().unwrap_or(false),
            "hold-first-frame" => {
                lock(&self.settings).hold_first_frame = value.get().unwrap_or(true)
            }
            "map-output" => lock(&self.settings).map_output = value.get().unwrap_or(None),
            "report" => lock(&self.qc).set_path(value.get().unwrap_or(None)),
            "calibrate" => {
                lock(&self.settings).calibrate = value.get().unwrap_or(CalibrateMode::Off)
            }
            "calibration-frames" => {
                lock(&self.settings).calibration_frames =
                    value.get().unwrap_or(DEFAULT_CALIBRATION_FRAMES)
            }
            other => gst::warning!(CAT, imp = self, "unknown property {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let settings = lock(&self.settings);
        match pspec.name() {
            "defect-map" => settings.defect_map.to_value(),
            "map-offset-x" => settings.map_offset_x.to_value(),
            "map-offset-y" => settings.map_offset_y.to_value(),
            "detection" => settings.detection.to_value(),
            "sensitivity" => settings.sensitivity.to_value(),
            "n-threads" => settings.n_threads.to_value(),
            "mode" => settings.mode.to_value(),
            "post-messages" => settings.post_messages.to_value(),
            "learn" => settings.learn.to_value(),
            "hold-first-frame" => settings.hold_first_frame.to_value(),
            "map-output" => settings.map_output.to_value(),
            "report" => lock(&self.qc).path().to_value(),
            "calibrate" => settings.calibrate.to_value(),
            "calibration-frames" => settings.calibration_frames.to_value(),
            _ => glib::Value::from_type(pspec.value_type()),
        }
    }
}

impl GstObjectImpl for DefectFix {}

impl ElementImpl for DefectFix {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Defective pixel correction",
                "Filter/Effect/Video",
                "Finds and repairs dead, hot, stuck and weak sensor pixels in raw Bayer and \
                 monochrome video, in place",
                "defectfix developers",
            )
        });
        Some(&*META)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            let caps = super::defectfix_caps();
            super::pad_templates(&caps)
        });
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for DefectFix {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        let path = lock(&self.settings).defect_map.clone();
        let map = load_map(path.as_deref())
            .map_err(|e| gst::error_msg!(gst::ResourceError::OpenRead, ("{}", e)))?;
        *lock(&self.map) = map;
        self.qc_start()?;
        self.running.store(true, Ordering::SeqCst);
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        self.running.store(false, Ordering::SeqCst);
        self.forget_outgoing();
        *lock(&self.live) = None;
        if let Some(state) = lock(&self.state).take() {
            self.write_learned_map(&state);
        }
        if let Some(video) = lock(&self.video).take() {
            self.write_video_learned_map(&video);
        }
        self.qc_stop();
        Ok(())
    }

    fn sink_event(&self, event: gst::Event) -> bool {
        match event.view() {
            gst::EventView::Eos(_) => {
                // A stream of one frame: the held frame goes as it is.
                if let Err(e) = self.push_held() {
                    gst::debug!(CAT, imp = self, "held frame not pushed: {e:?}");
                }
                self.end_of_stream()
            }
            // After a flush (a seek) the last frame is not the one before the next, and
            // a held frame is discarded with the rest.
            gst::EventView::FlushStop(_) => {
                if let Some(video) = lock(&self.video).as_mut() {
                    video.flushed();
                }
                self.forget_outgoing();
            }
            _ => {}
        }
        self.parent_sink_event(event)
    }

    fn set_caps(&self, incaps: &gst::Caps, _outcaps: &gst::Caps) -> Result<(), gst::LoggableError> {
        // A frame held under the old caps goes out under them.
        if let Err(e) = self.push_held() {
            gst::debug!(CAT, imp = self, "held frame not pushed: {e:?}");
        }
        if let Some(old) = lock(&self.video).take() {
            self.write_video_learned_map(&old);
        }
        let repairs = lock(&self.settings).mode == RunMode::Correct;
        self.qc_caps(incaps, repairs);
        if super::video::is_video_caps(incaps) {
            let video = VideoState::new(incaps)
                .map_err(|e| gst::loggable_error!(CAT, "cannot use caps {incaps}: {e}"))?;
            if let Some(old) = lock(&self.state).take() {
                self.write_learned_map(&old);
            }
            gst::debug!(CAT, imp = self, "configured for {:?}", video.layout());
            *lock(&self.video) = Some(video);
            return Ok(());
        }
        let format = super::frame_format(incaps)
            .map_err(|e| gst::loggable_error!(CAT, "cannot use caps {incaps}: {e}"))?;
        gst::debug!(CAT, imp = self, "configured for {format:?}");
        let mut state = lock(&self.state);
        // A caps change starts afresh; what was learned so far is kept on disk first.
        if let Some(old) = state.take() {
            self.write_learned_map(&old);
        }
        *state = Some(State::new(format));
        Ok(())
    }

    fn generate_output(
        &self,
    ) -> Result<gst_base::subclass::base_transform::GenerateOutputSuccess, gst::FlowError> {
        use gst_base::subclass::base_transform::GenerateOutputSuccess as Out;
        // The frame that followed a released held frame out of the last call.
        if let Some(buf) = lock(&self.follows).take() {
            return Ok(Out::Buffer(buf));
        }
        match self.parent_generate_output()? {
            // Held back: nothing goes out now, and the next frame is no discontinuity.
            Out::Dropped if self.holding.swap(false, Ordering::SeqCst) => Ok(Out::NoOutput),
            Out::Buffer(buf) => match lock(&self.release).take() {
                Some(held) => {
                    *lock(&self.follows) = Some(buf);
                    Ok(Out::Buffer(held))
                }
                None => Ok(Out::Buffer(buf)),
            },
            other => Ok(other),
        }
    }

    fn transform_ip(&self, buf: &mut gst::BufferRef) -> Result<gst::FlowSuccess, gst::FlowError> {
        let settings = lock(&self.settings).clone();
        let map = lock(&self.map).clone();
        let may_hold = settings.hold_first_frame
            && settings.detection == DetectionMode::Dynamic
            && settings.calibrate == CalibrateMode::Off
            && lock(&self.video).is_some();
        let hold = may_hold && !self.upstream_is_live();
        let video = lock(&self.video)
            .as_mut()
            .map(|video| self.transform_video(video, buf, &settings, map.clone(), hold));
        if let Some(result) = video {
            let done = result?;
            // The held first frame goes out first, then this one (generate_output).
            if let Some((held, message)) = done.released {
                if let Some(m) = message {
                    self.post(m);
                }
                *lock(&self.release) = Some(held);
            }
            if let Some(m) = done.message {
                self.post(m);
            }
            self.holding.store(done.held, Ordering::SeqCst);
            return Ok(if done.held {
                gst_base::BASE_TRANSFORM_FLOW_DROPPED
            } else {
                gst::FlowSuccess::Ok
            });
        }
        let mut state_guard = lock(&self.state);
        let state = state_guard.as_mut().ok_or(gst::FlowError::NotNegotiated)?;

        let placed = state.engine.set_map(
            map.as_ref(),
            settings.map_offset_x.into(),
            settings.map_offset_y.into(),
        );
        if let Some(placement) = placed {
            gst::debug!(CAT, imp = self, "map placed: {placement:?}");
            if placement.outside > 0 {
                gst::element_imp_warning!(
                    self,
                    gst::StreamError::Format,
                    (
                        "{} defect map entries lie outside the {}x{} frame (offset {},{}) and are ignored",
                        placement.outside,
                        state.engine.format().width,
                        state.engine.format().height,
                        settings.map_offset_x,
                        settings.map_offset_y
                    )
                );
            }
        }

        state.offset = (settings.map_offset_x.into(), settings.map_offset_y.into());
        state.frames += 1;
        let format = *state.engine.format();
        let pts = buf.pts();
        let message = super::with_frame(buf, format, |frame| {
            if settings.calibrate != CalibrateMode::Off {
                self.calibrate(state, &frame.as_ref(), &settings)
            } else {
                let message = self.repair(state, frame, &settings);
                let (defects, repairs) =
                    (state.engine.defects(), settings.mode == RunMode::Correct);
                self.qc_sensor_frame(pts, &frame.as_ref(), defects, repairs);
                message
            }
        })
        .map_err(|e| {
            self.post_error_message(e);
            gst::FlowError::Error
        })?;
        drop(state_guard);
        if let Some(m) = message {
            self.post(m);
        }
        Ok(gst::FlowSuccess::Ok)
    }
}

/// The per-frame `defectfix` message.
fn frame_message(state: &State, report: &engine::FrameReport, mode: RunMode) -> gst::Structure {
    let defects = state.engine.defects();
    let mut b = gst::Structure::builder("defectfix")
        .field("frame", state.frames)
        .field("mapped", report.mapped as u64)
        .field("learned", report.learned as u64)
        .field("dynamic", report.dynamic as u64)
        .field("defects", defects.len() as u64)
        .field("corrected", report.corrected as u64)
        .field("unrepairable", report.unrepairable as u64);
    if mode == RunMode::Detect {
        let white = state.engine.format().max_value();
        let positions = defects.iter().take(MESSAGE_POSITIONS).map(|d| {
            gst::Structure::builder("defect")
                .field("x", d.x)
                .field("y", d.y)
                .field("source", source_name(d.source))
                .field("value", u32::from(d.value))
                .field("expected", d.estimate.map_or(u32::from(d.value), u32::from))
                .field("severity", report::defect_severity(d, white).name())
                .build()
                .to_send_value()
        });
        b = b
            .field("positions", gst::Array::from_values(positions))
            .field("positions-truncated", defects.len() > MESSAGE_POSITIONS);
    }
    b.build()
}

fn source_name(source: engine::Source) -> &'static str {
    match source {
        engine::Source::Map => "map",
        engine::Source::Learned => "learned",
        engine::Source::Hot => "hot",
        engine::Source::Cold => "cold",
    }
}

/// The end-of-stream `defectfix-summary` message.
fn summary_message(state: &State) -> gst::Structure {
    super::summary_structure(&state.summary, state.learner.learned().len() as u64, false)
}
