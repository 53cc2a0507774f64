use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;

use super::DetectionMode;
use crate::defect_map::DefectMap;
use crate::engine::{self, Engine, Mode};
use crate::frame::FrameMut;

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "defectfix",
        gst::DebugColorFlags::empty(),
        Some("Defective pixel correction"),
    )
});

/// Locks a mutex, also when another thread panicked while holding it: the data behind
/// these locks stays consistent at every point a panic could happen.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

const DEFAULT_SENSITIVITY: f64 = 1.0;

#[derive(Debug, Clone)]
struct Settings {
    defect_map: Option<String>,
    map_offset_x: i32,
    map_offset_y: i32,
    detection: DetectionMode,
    n_threads: u32,
    sensitivity: f64,
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
        }
    }
}

/// Built in `set_caps`, dropped in `stop`.
struct State {
    engine: Engine,
}

#[derive(Default)]
pub struct DefectFix {
    settings: Mutex<Settings>,
    /// The loaded map; replaced as a whole, so a frame sees either the old or the new one.
    map: Mutex<Option<Arc<DefectMap>>>,
    state: Mutex<Option<State>>,
    /// Between `start` and `stop`: map load failures are then warnings, not errors.
    running: AtomicBool,
}

fn load_map(path: Option<&str>) -> Result<Option<Arc<DefectMap>>, crate::defect_map::MapError> {
    match path {
        None | Some("") => Ok(None),
        Some(p) => DefectMap::load(std::path::Path::new(p)).map(|m| Some(Arc::new(m))),
    }
}

impl DefectFix {
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
            let caps = super::sensor_caps();
            [gst::PadDirection::Src, gst::PadDirection::Sink]
                .into_iter()
                .filter_map(|dir| {
                    let name = if dir == gst::PadDirection::Src {
                        "src"
                    } else {
                        "sink"
                    };
                    gst::PadTemplate::new(name, dir, gst::PadPresence::Always, &caps).ok()
                })
                .collect()
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
        self.running.store(true, Ordering::SeqCst);
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        self.running.store(false, Ordering::SeqCst);
        *lock(&self.state) = None;
        Ok(())
    }

    fn set_caps(&self, incaps: &gst::Caps, _outcaps: &gst::Caps) -> Result<(), gst::LoggableError> {
        let format = super::frame_format(incaps)
            .map_err(|e| gst::loggable_error!(CAT, "cannot use caps {incaps}: {e}"))?;
        gst::debug!(CAT, imp = self, "configured for {format:?}");
        *lock(&self.state) = Some(State {
            engine: Engine::new(format),
        });
        Ok(())
    }

    fn transform_ip(&self, buf: &mut gst::BufferRef) -> Result<gst::FlowSuccess, gst::FlowError> {
        let settings = lock(&self.settings).clone();
        let map = lock(&self.map).clone();
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

        let (offset, stride) = match buf.meta::<gst_video::VideoMeta>() {
            Some(meta) => (
                meta.offset().first().copied().unwrap_or(0),
                meta.stride()
                    .first()
                    .copied()
                    .and_then(|s| usize::try_from(s).ok()),
            ),
            None => (0, None),
        };
        let format = *state.engine.format();
        let mut data = buf.map_writable().map_err(|_| {
            gst::element_imp_error!(
                self,
                gst::CoreError::Failed,
                ("Cannot map the buffer writable")
            );
            gst::FlowError::Error
        })?;
        let bytes = data.as_mut_slice().get_mut(offset..).unwrap_or(&mut []);
        let frame = match stride {
            Some(stride) => FrameMut::new(bytes, format, stride),
            None => FrameMut::from_buffer(bytes, format),
        };
        let mut frame = frame.map_err(|e| {
            gst::element_imp_error!(self, gst::StreamError::Format, ("Bad buffer: {}", e));
            gst::FlowError::Error
        })?;
        let run = engine::Settings {
            detection: settings.detection.into(),
            sensitivity: settings.sensitivity,
            n_threads: settings.n_threads as usize,
        };
        let report = state.engine.process_with(&mut frame, Mode::Correct, &run);
        gst::trace!(CAT, imp = self, "frame: {report:?}");
        Ok(gst::FlowSuccess::Ok)
    }
}
