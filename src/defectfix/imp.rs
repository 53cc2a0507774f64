//! The `defectfix` element: properties, caps, and the one path every buffer takes.
//!
//! The element keeps four things: the [`Settings`] (copied at the start of each
//! buffer; the lock is never held while a frame is processed), the loaded map (an
//! `Arc` replaced as a whole, so a frame sees either the old or the new one), the
//! [`Stream`] of the negotiated caps, and what [`Outgoing`] waits to go out around a
//! held first frame. Bus messages are built in [`super::messages`].

use crate::lock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::prelude::BaseTransformExtManual;
use gst_base::subclass::base_transform::GenerateOutputSuccess;
use gst_base::subclass::prelude::*;

use super::messages::{self, CalibrationStep};
use super::settings::{DEFAULT_CALIBRATION_FRAMES, DEFAULT_SENSITIVITY, Settings};
use super::stream::{Done, Outgoing, Stream, StreamProcessor};
use super::{CAT, CalibrateMode, DetectionMode, RunMode};
use crate::defect_map::{DefectMap, MapPlacement};

/// The instance data of `defectfix`.
#[derive(Default)]
pub struct DefectFix {
    settings: Mutex<Settings>,
    /// The loaded map; replaced as a whole, so a frame sees either the old or the new one.
    map: Mutex<Option<Arc<DefectMap>>>,
    /// Built in `set_caps` (so a caps change starts afresh), dropped in `stop`.
    state: Mutex<Option<Stream>>,
    /// What waits to go out around a held first frame.
    outgoing: Mutex<Outgoing>,
    /// Between `start` and `stop`: map load failures are then warnings, not errors.
    running: AtomicBool,
    /// The `report` property and the QC report being collected ([`super::qc`]).
    pub(super) qc: Mutex<super::qc::Qc>,
}

/// The map a `defect-map` value names (none for no path or an empty one).
fn load_map(path: Option<&str>) -> Result<Option<Arc<DefectMap>>, crate::defect_map::MapError> {
    match path {
        None | Some("") => Ok(None),
        Some(p) => DefectMap::load(std::path::Path::new(p)).map(|m| Some(Arc::new(m))),
    }
}

impl DefectFix {
    /// Posts `structure` as an element message.
    fn post(&self, structure: gst::Structure) {
        let obj = self.obj();
        let _ = obj.post_message(gst::message::Element::builder(structure).src(&*obj).build());
    }

    /// Writes what `stream` learned to `map-output`, if learning and a path are set.
    fn write_learned_map(&self, stream: &Stream) {
        let path = match lock(&self.settings).learned_map_output() {
            Some(path) => path.to_owned(),
            None => return,
        };
        let (map, header) = stream.processor().learned_map();
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

    /// Drops the stream, keeping what it learned on disk first.
    fn close_stream(&self) {
        let old = lock(&self.state).take();
        if let Some(old) = old {
            self.write_learned_map(&old);
        }
    }

    /// End of stream: the learned map to disk, the summary on the bus.
    fn end_of_stream(&self) {
        self.qc_write(true);
        let settings = lock(&self.settings).clone();
        let summary = {
            let state = lock(&self.state);
            let Some(stream) = state.as_ref() else { return };
            self.write_learned_map(stream);
            settings
                .posts_summary()
                .then(|| messages::summary(&stream.processor().summary()))
        };
        if let Some(s) = summary {
            self.post(s);
        }
    }

    /// Warns when map entries lie outside the frame.
    fn check_placement(&self, placement: MapPlacement, size: (usize, usize), settings: &Settings) {
        gst::debug!(CAT, imp = self, "map placed: {placement:?}");
        if placement.outside > 0 {
            gst::element_imp_warning!(
                self,
                gst::StreamError::Format,
                (
                    "{} defect map entries lie outside the {}x{} frame (offset {},{}) and are ignored",
                    placement.outside,
                    size.0,
                    size.1,
                    settings.map_offset_x,
                    settings.map_offset_y
                )
            );
        }
    }

    /// Whether this buffer, if it is the first of the stream or after a jump, is held
    /// until the next one arrives.
    fn holds_first_frames(&self, settings: &Settings) -> bool {
        if !settings.may_hold() {
            return false;
        }
        let revisits = lock(&self.state)
            .as_ref()
            .is_some_and(|s| s.processor().revisits());
        revisits && !self.upstream_is_live()
    }

    /// One buffer through the stream: the map placed, then the frame processed (or
    /// passed unchanged, on a stream that cannot calibrate while `calibrate` is set).
    fn process(
        &self,
        stream: &mut Stream,
        buf: &mut gst::BufferRef,
        settings: &Settings,
        map: Option<Arc<DefectMap>>,
        hold: bool,
    ) -> Result<Done, gst::ErrorMessage> {
        if settings.calibrating()
            && let Some(format) = stream.processor().uncalibratable()
        {
            if stream.first_calibration_refusal() {
                gst::element_imp_warning!(
                    self,
                    gst::StreamError::Format,
                    (
                        "calibrate needs raw sensor (Bayer or GRAY) caps; {} frames pass unchanged",
                        format
                    )
                );
            }
            return Ok(Done::default());
        }
        if let Some(placement) = stream.set_map(map.as_ref(), settings.offset()) {
            self.check_placement(placement, stream.processor().size(), settings);
        }
        let repairs = settings.mode == RunMode::Correct;
        let mut before = self.qc_video_before(buf, repairs);
        let calibrating = settings.calibrating();
        let mut observe = |processor: &dyn StreamProcessor, buf: &gst::BufferRef, stage| {
            if !calibrating {
                self.qc_frame(processor.qc_view(), buf, &mut before, stage, repairs);
            }
        };
        stream.frame(buf, settings, hold, &mut observe)
    }

    /// Acts on what a buffer did, the stream unlocked: warnings and messages, the
    /// calibrated map to disk, a released frame queued to go out before this one.
    fn deliver(&self, done: Done, settings: &Settings) -> gst::FlowSuccess {
        let Done {
            held,
            released,
            processed,
        } = done;
        if let Some(e) = processed.calibration_error {
            gst::element_imp_warning!(
                self,
                gst::StreamError::Failed,
                ("Calibration stopped: {}", e)
            );
        }
        if let Some(step) = processed.calibration {
            let message = self.calibration_message(step, settings);
            self.post(message);
        }
        // The held first frame goes out first, then this one (generate_output).
        if let Some((buf, counts)) = released {
            if let Some(c) = counts {
                self.post(messages::frame(&c));
            }
            lock(&self.outgoing).release = Some(buf);
        }
        if let Some(c) = processed.counts {
            self.post(messages::frame(&c));
        }
        lock(&self.outgoing).holding = held;
        if held {
            gst_base::BASE_TRANSFORM_FLOW_DROPPED
        } else {
            gst::FlowSuccess::Ok
        }
    }

    /// The message of a calibration step; a finished calibration's map is written to
    /// `map-output` first.
    fn calibration_message(&self, step: CalibrationStep, settings: &Settings) -> gst::Structure {
        match step {
            CalibrationStep::Progress {
                kind,
                frames,
                total,
            } => messages::calibration_progress(kind, frames, total),
            CalibrationStep::Finished {
                kind,
                frames,
                counts,
                map,
                header,
            } => {
                let written = self.write_calibrated_map(&map, &header, settings);
                messages::calibration_done(kind, frames, map.len(), &counts, written)
            }
        }
    }

    /// Writes a calibrated map to `map-output`; returns the path when it was written.
    fn write_calibrated_map<'a>(
        &self,
        map: &DefectMap,
        header: &str,
        settings: &'a Settings,
    ) -> Option<&'a str> {
        let Some(path) = settings.map_output.as_deref() else {
            gst::element_imp_warning!(
                self,
                gst::ResourceError::Settings,
                ("Calibration finished but map-output is not set: the map was not written")
            );
            return None;
        };
        match map.save(std::path::Path::new(path), header) {
            Ok(()) => Some(path),
            Err(e) => {
                gst::element_imp_error!(
                    self,
                    gst::ResourceError::OpenWrite,
                    ("Cannot write the calibrated map to '{}': {}", path, e)
                );
                None
            }
        }
    }

    /// Pushes the held first frame downstream as it is, if there is one (end of
    /// stream, caps change).
    fn push_held(&self) -> Result<gst::FlowSuccess, gst::FlowError> {
        let settings = lock(&self.settings).clone();
        let released = lock(&self.state)
            .as_mut()
            .map(|s| s.release(&settings, false));
        match released {
            Some(Ok(Some((buf, counts)))) => {
                if let Some(c) = counts {
                    self.post(messages::frame(&c));
                }
                self.obj().src_pad().push(buf)
            }
            Some(Err(e)) => {
                gst::warning!(CAT, imp = self, "held frame: {e:?}");
                Ok(gst::FlowSuccess::Ok)
            }
            _ => Ok(gst::FlowSuccess::Ok),
        }
    }

    /// Whether upstream is live (its latency query says so); asked once.
    fn upstream_is_live(&self) -> bool {
        let known = lock(&self.outgoing).live;
        if let Some(live) = known {
            return live;
        }
        let mut q = gst::query::Latency::new();
        // No answer: take it as live, and never hold.
        let live = !self.obj().sink_pad().peer_query(&mut q) || q.result().0;
        lock(&self.outgoing).live = Some(live);
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
                glib::ParamSpecBoolean::builder("temporal")
                    .nick("Temporal evidence")
                    .blurb(
                        "Bayer/GRAY with detection=dynamic: gather temporal evidence for every \
                         pixel (tile motion, a pixel that stays an extreme while the scene moves \
                         over it, a stuck pixel's missing noise) and repair the defects it \
                         confirms on every frame. Off: each frame is judged alone (about 4x \
                         faster at 3840x2160 16-bit). Not used on YUV/RGB caps",
                    )
                    .default_value(true)
                    .mutable_playing()
                    .build(),
                glib::ParamSpecBoolean::builder("learn")
                    .nick("Learn")
                    .blurb(
                        "Write the defects that the stream's temporal evidence confirmed to \
                         map-output at end of stream and on stop (Bayer/GRAY: the evidence of \
                         the temporal property, gathered with detection=dynamic whatever this \
                         says; YUV/RGB: pixel errors confirmed over frames). Resets on a caps \
                         change",
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
            "temporal" => lock(&self.settings).temporal = value.get().unwrap_or(true),
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
            "temporal" => settings.temporal.to_value(),
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
        *lock(&self.outgoing) = Outgoing::default();
        self.close_stream();
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
                if let Some(stream) = lock(&self.state).as_mut() {
                    stream.flushed();
                }
                lock(&self.outgoing).forget();
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
        // A caps change starts afresh; what was learned so far is kept on disk first.
        self.close_stream();
        let repairs = lock(&self.settings).mode == RunMode::Correct;
        self.qc_caps(incaps, repairs);
        let stream = Stream::for_caps(incaps).map_err(|e| {
            // Said on the bus too: a failed negotiation alone reads "not-negotiated".
            gst::element_imp_error!(
                self,
                gst::CoreError::Negotiation,
                ["defectfix cannot process {}: {}", incaps, e]
            );
            gst::loggable_error!(CAT, "cannot use caps {incaps}: {e}")
        })?;
        gst::debug!(
            CAT,
            imp = self,
            "configured for {}",
            stream.processor().describe()
        );
        *lock(&self.state) = Some(stream);
        Ok(())
    }

    fn generate_output(&self) -> Result<GenerateOutputSuccess, gst::FlowError> {
        // The frame that followed a released held frame out of the last call.
        let follows = lock(&self.outgoing).follows.take();
        if let Some(buf) = follows {
            return Ok(GenerateOutputSuccess::Buffer(buf));
        }
        match self.parent_generate_output()? {
            GenerateOutputSuccess::Dropped => {
                let held = std::mem::take(&mut lock(&self.outgoing).holding);
                // Held back: nothing goes out now, and the next frame is no discontinuity.
                Ok(if held {
                    GenerateOutputSuccess::NoOutput
                } else {
                    GenerateOutputSuccess::Dropped
                })
            }
            GenerateOutputSuccess::Buffer(buf) => Ok(GenerateOutputSuccess::Buffer(
                lock(&self.outgoing).hand_over(buf),
            )),
            other => Ok(other),
        }
    }

    fn transform_ip(&self, buf: &mut gst::BufferRef) -> Result<gst::FlowSuccess, gst::FlowError> {
        let settings = lock(&self.settings).clone();
        let map = lock(&self.map).clone();
        let hold = self.holds_first_frames(&settings);
        let done = {
            let mut state = lock(&self.state);
            let stream = state.as_mut().ok_or(gst::FlowError::NotNegotiated)?;
            self.process(stream, buf, &settings, map, hold)
        };
        let done = done.map_err(|e| {
            self.post_error_message(e);
            gst::FlowError::Error
        })?;
        Ok(self.deliver(done, &settings))
    }
}
