use std::sync::{LazyLock, Mutex};

use crate::lock;
use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;

use super::DefectKinds;
use crate::sim::{Config, Kinds, SimDefectSet};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "defectsim",
        gst::DebugColorFlags::empty(),
        Some("Sensor defect simulator"),
    )
});

const DEFAULT_DENSITY: f64 = 1e-4;
const MAX_DENSITY: f64 = 0.1;

#[derive(Debug, Clone)]
struct Settings {
    density: f64,
    seed: u64,
    kinds: Kinds,
    black_level: u32,
    map_output: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            density: DEFAULT_DENSITY,
            seed: 0,
            kinds: Kinds::DEFAULT,
            black_level: 0,
            map_output: None,
        }
    }
}

impl Settings {
    fn config(&self) -> Config {
        Config {
            density: self.density,
            seed: self.seed,
            kinds: self.kinds,
            black_level: self.black_level.min(u32::from(u16::MAX)) as u16,
        }
    }
}

/// Built in `set_caps`, dropped in `stop`.
struct State {
    /// The caps' layout (the stride a buffer without video meta has).
    format: crate::frame::FrameFormat,
    set: SimDefectSet,
}

#[derive(Default)]
pub struct DefectSim {
    settings: Mutex<Settings>,
    state: Mutex<Option<State>>,
    /// Frames seen since `start`: decides which twinkling pixels are on.
    frame_index: Mutex<u64>,
}

#[glib::object_subclass]
impl ObjectSubclass for DefectSim {
    const NAME: &'static str = "GstDefectSim";
    type Type = super::DefectSim;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for DefectSim {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecDouble::builder("density")
                    .nick("Density")
                    .blurb(
                        "Fraction of pixels made defective by single, pair, cluster and \
                         twinkling defects (1e-4 = 100 per megapixel); whole rows and columns \
                         come on top",
                    )
                    .minimum(0.0)
                    .maximum(MAX_DENSITY)
                    .default_value(DEFAULT_DENSITY)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt64::builder("seed")
                    .nick("Seed")
                    .blurb(
                        "Seed of the defect positions: the same seed, size, density and kinds \
                         give the same defects on every format",
                    )
                    .default_value(0)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecFlags::builder::<DefectKinds>("kinds")
                    .nick("Kinds")
                    .blurb(
                        "Kinds of defect to place, joined by '+': hot, dead, stuck, weak, pair, \
                         cluster, column, row, twinkle",
                    )
                    .default_value(Kinds::DEFAULT.into())
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("black-level")
                    .nick("Black level")
                    .blurb(
                        "Value a dead pixel reads, in the stream's sample units (clamped to \
                         its range); stuck and weak values are placed above it",
                    )
                    .maximum(u32::from(u16::MAX))
                    .default_value(0)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecString::builder("map-output")
                    .nick("Ground truth map")
                    .blurb(
                        "Where to write the fixed defects in the defect map format (one 'X Y' \
                         line per pixel, 'col X' / 'row Y' for lines; twinkling pixels are not \
                         listed), written when the caps are known",
                    )
                    .mutable_ready()
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut settings = lock(&self.settings);
        match pspec.name() {
            "density" => settings.density = value.get().unwrap_or(DEFAULT_DENSITY),
            "seed" => settings.seed = value.get().unwrap_or(0),
            "kinds" => {
                settings.kinds = value
                    .get::<DefectKinds>()
                    .map_or(Kinds::DEFAULT, Kinds::from)
            }
            "black-level" => settings.black_level = value.get().unwrap_or(0),
            "map-output" => settings.map_output = value.get().unwrap_or(None),
            other => gst::warning!(CAT, imp = self, "unknown property {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let settings = lock(&self.settings);
        match pspec.name() {
            "density" => settings.density.to_value(),
            "seed" => settings.seed.to_value(),
            "kinds" => DefectKinds::from(settings.kinds).to_value(),
            "black-level" => settings.black_level.to_value(),
            "map-output" => settings.map_output.to_value(),
            _ => glib::Value::from_type(pspec.value_type()),
        }
    }
}

impl GstObjectImpl for DefectSim {}

impl ElementImpl for DefectSim {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Sensor defect simulator",
                "Filter/Effect/Video",
                "Gives raw Bayer and monochrome video reproducible sensor defects (hot, dead, \
                 stuck, weak, pairs, clusters, lines, twinkling) and writes their ground truth",
                "defectfix developers",
            )
        });
        Some(&*META)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            let caps = crate::defectfix::sensor_caps();
            crate::defectfix::pad_templates(&caps)
        });
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for DefectSim {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.frame_index) = 0;
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.state) = None;
        Ok(())
    }

    fn set_caps(&self, incaps: &gst::Caps, _outcaps: &gst::Caps) -> Result<(), gst::LoggableError> {
        let format = crate::defectfix::frame_format(incaps)
            .map_err(|e| gst::loggable_error!(CAT, "cannot use caps {incaps}: {e}"))?;
        let settings = lock(&self.settings).clone();
        let set = SimDefectSet::generate(&format.plane(), &settings.config());
        let layout = set.layout();
        gst::info!(
            CAT,
            imp = self,
            "{}x{}: {} fixed defective pixels ({} in lines), {} twinkling",
            format.width,
            format.height,
            layout.fixed_pixels(),
            layout.fixed_pixels() - layout.defects().len(),
            layout.twinkles().len()
        );
        if let Some(path) = settings.map_output.as_deref().filter(|p| !p.is_empty()) {
            let map = layout.ground_truth();
            if let Err(e) = map.save(std::path::Path::new(path), &layout.header()) {
                gst::element_imp_error!(
                    self,
                    gst::ResourceError::OpenWrite,
                    ("Cannot write the ground truth map '{}': {}", path, e)
                );
                return Err(gst::loggable_error!(
                    CAT,
                    "cannot write the ground truth map '{path}': {e}"
                ));
            }
            gst::debug!(CAT, imp = self, "ground truth written to {path}");
        }
        *lock(&self.state) = Some(State { format, set });
        Ok(())
    }

    fn transform_ip(&self, buf: &mut gst::BufferRef) -> Result<gst::FlowSuccess, gst::FlowError> {
        let state_guard = lock(&self.state);
        let state = state_guard.as_ref().ok_or(gst::FlowError::NotNegotiated)?;
        let frame_index = {
            let mut n = lock(&self.frame_index);
            let current = *n;
            *n = n.wrapping_add(1);
            current
        };

        crate::defectfix::with_frame(buf, state.format, |frame| {
            state.set.apply(frame, frame_index)
        })
        .and_then(|applied| {
            applied.map_err(|e| gst::error_msg!(gst::StreamError::Format, ("{}", e)))
        })
        .map_err(|e| {
            self.post_error_message(e);
            gst::FlowError::Error
        })?;
        Ok(gst::FlowSuccess::Ok)
    }
}
