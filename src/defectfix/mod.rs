//! The `defectfix` element: repairs defective pixels of raw Bayer and monochrome video
//! in place.
//!
//! ```text
//! gst-launch-1.0 v4l2src ! video/x-bayer,format=rggb ! defectfix defect-map=cam.map ! bayer2rgb ! autovideosink
//! ```

use std::sync::LazyLock;

use gst::glib;
use gst::prelude::*;

mod imp;
mod messages;
mod qc;
mod sensor;
mod settings;
mod stream;
mod video;

/// The element's debug category.
static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "defectfix",
        gst::DebugColorFlags::empty(),
        Some("Defective pixel correction"),
    )
});

/// The `detection` property: whether defects no map lists are looked for.
#[derive(Debug, Default, Eq, PartialEq, Ord, PartialOrd, Hash, Clone, Copy, glib::Enum)]
#[repr(u32)]
#[enum_type(name = "GstDefectFixDetection")]
pub enum DetectionMode {
    /// Correct the pixels of the defect map only.
    #[enum_value(name = "Off: correct map pixels only", nick = "off")]
    Off = 0,
    /// Also find defects in every frame from its own content.
    #[default]
    #[enum_value(
        name = "Dynamic: also find defects in each frame from its content",
        nick = "dynamic"
    )]
    Dynamic = 1,
}

impl From<DetectionMode> for crate::engine::Detection {
    fn from(m: DetectionMode) -> Self {
        match m {
            DetectionMode::Off => crate::engine::Detection::Off,
            DetectionMode::Dynamic => crate::engine::Detection::Dynamic,
        }
    }
}

/// The `mode` property: repair, or only find and report.
#[derive(Debug, Default, Eq, PartialEq, Ord, PartialOrd, Hash, Clone, Copy, glib::Enum)]
#[repr(u32)]
#[enum_type(name = "GstDefectFixMode")]
pub enum RunMode {
    /// Repair defects in place.
    #[default]
    #[enum_value(name = "Correct: repair defects in place", nick = "correct")]
    Correct = 0,
    /// Find and report; buffers pass unchanged.
    #[enum_value(
        name = "Detect: find and report, buffers pass unchanged",
        nick = "detect"
    )]
    Detect = 1,
}

impl From<RunMode> for crate::engine::Mode {
    fn from(m: RunMode) -> Self {
        match m {
            RunMode::Correct => crate::engine::Mode::Correct,
            RunMode::Detect => crate::engine::Mode::Detect,
        }
    }
}

/// The `calibrate` property: build a defect map from dark or flat frames.
#[derive(Debug, Default, Eq, PartialEq, Ord, PartialOrd, Hash, Clone, Copy, glib::Enum)]
#[repr(u32)]
#[enum_type(name = "GstDefectFixCalibrate")]
pub enum CalibrateMode {
    /// No calibration: repair (or detect).
    #[default]
    #[enum_value(name = "Off: no calibration", nick = "off")]
    Off = 0,
    /// Lens capped: hot and warm pixels.
    #[enum_value(name = "Dark: lens capped, finds hot and warm pixels", nick = "dark")]
    Dark = 1,
    /// Evenly lit white card: dead, weak and over-responsive pixels.
    #[enum_value(
        name = "Flat: evenly lit white card, finds dead, weak and bright pixels",
        nick = "flat"
    )]
    Flat = 2,
}

glib::wrapper! {
    /// Defective pixel correction for raw sensor video.
    pub struct DefectFix(ObjectSubclass<imp::DefectFix>)
        @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `defectfix` with `plugin`.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "defectfix",
        gst::Rank::NONE,
        DefectFix::static_type(),
    )
}

/// Caps every element of this plugin accepts: Bayer at 8 to 16 bits and monochrome.
pub(crate) fn sensor_caps() -> gst::Caps {
    use crate::frame::{BAYER_FORMATS, GRAY_FORMATS};
    let size = gst::IntRange::new(1, i32::MAX);
    let rate = gst::FractionRange::new(gst::Fraction::new(0, 1), gst::Fraction::new(i32::MAX, 1));
    let bayer = gst::Structure::builder("video/x-bayer")
        .field("format", gst::List::new(BAYER_FORMATS.iter().copied()))
        .field("width", size)
        .field("height", size)
        .field("framerate", rate)
        .build();
    let gray = gst::Structure::builder("video/x-raw")
        .field("format", gst::List::new(GRAY_FORMATS.iter().copied()))
        .field("width", size)
        .field("height", size)
        .field("framerate", rate)
        .build();
    gst::Caps::builder_full()
        .structure(bayer)
        .structure(gray)
        .build()
}

/// Caps of `defectfix`: the sensor caps, and the YUV and RGB `video/x-raw` formats of
/// capture and delivery chains ([`video::video_caps`]).
pub(crate) fn defectfix_caps() -> gst::Caps {
    let mut caps = sensor_caps();
    caps.merge(video::video_caps());
    caps
}

/// The frame layout of fixed caps: the element's one step from caps to a layout. Video
/// layouts take GStreamer's default chroma siting here; the video processor sets what
/// the caps' `chroma-site` says.
pub(crate) fn frame_layout(caps: &gst::CapsRef) -> Result<crate::frame::FrameLayout, String> {
    let s = caps.structure(0).ok_or("empty caps")?;
    let format = s
        .get::<&str>("format")
        .map_err(|e| format!("caps without format: {e}"))?;
    let width = s
        .get::<i32>("width")
        .map_err(|e| format!("caps without width: {e}"))?;
    let height = s
        .get::<i32>("height")
        .map_err(|e| format!("caps without height: {e}"))?;
    crate::frame::FrameLayout::parse(s.name().as_str(), format, width.into(), height.into())
        .map_err(|e| e.to_string())
}

/// The sensor frame format of fixed caps (Bayer or `GRAY*`); other layouts are refused.
pub(crate) fn frame_format(caps: &gst::CapsRef) -> Result<crate::frame::FrameFormat, String> {
    match frame_layout(caps)? {
        crate::frame::FrameLayout::Sensor(format) => Ok(format),
        crate::frame::FrameLayout::Video(layout) => Err(format!(
            "unsupported format '{}' for a sensor stream",
            layout.format.name()
        )),
    }
}

/// Where a sensor frame lies in `buf`: the offset and stride of its `GstVideoMeta`;
/// without one, at the start with the stride its size implies (`None`).
fn frame_placement(buf: &gst::BufferRef) -> (usize, Option<usize>) {
    match buf.meta::<gst_video::VideoMeta>() {
        Some(meta) => (
            meta.offset().first().copied().unwrap_or(0),
            meta.stride()
                .first()
                .copied()
                .and_then(|s| usize::try_from(s).ok()),
        ),
        None => (0, None),
    }
}

/// The `Bad buffer` error of a buffer too short for one frame.
fn bad_frame(e: crate::frame::FormatError) -> gst::ErrorMessage {
    gst::error_msg!(gst::StreamError::Format, ("Bad buffer: {}", e))
}

/// Maps `buf` writable, views it as a frame of `format` where it lies
/// ([`frame_placement`]; the format's one plane) and runs `f` on the view. A buffer that cannot be mapped or
/// is too short for one frame is an error message for the bus, never a panic.
pub(crate) fn with_frame<R>(
    buf: &mut gst::BufferRef,
    format: crate::frame::FrameFormat,
    f: impl FnOnce(&mut crate::frame::PlaneMut<'_>) -> R,
) -> Result<R, gst::ErrorMessage> {
    let (offset, stride) = frame_placement(buf);
    let mut data = buf
        .map_writable()
        .map_err(|_| gst::error_msg!(gst::CoreError::Failed, ("Cannot map the buffer writable")))?;
    let bytes = data.as_mut_slice().get_mut(offset..).unwrap_or(&mut []);
    let frame = match stride {
        Some(stride) => crate::frame::PlaneMut::new(bytes, format.plane(), stride),
        None => format.view_mut(bytes),
    };
    let mut frame = frame.map_err(bad_frame)?;
    Ok(f(&mut frame))
}

/// [`with_frame`] for reading: maps `buf` readable and runs `f` on a read-only view of
/// the frame of `format` where it lies.
pub(crate) fn with_frame_ref<R>(
    buf: &gst::BufferRef,
    format: crate::frame::FrameFormat,
    f: impl FnOnce(&crate::frame::PlaneRef<'_>) -> R,
) -> Result<R, gst::ErrorMessage> {
    let (offset, stride) = frame_placement(buf);
    let data = buf
        .map_readable()
        .map_err(|_| gst::error_msg!(gst::CoreError::Failed, ("Cannot map the buffer readable")))?;
    let bytes = data.as_slice().get(offset..).unwrap_or(&[]);
    let frame = match stride {
        Some(stride) => crate::frame::PlaneRef::new(bytes, format.plane(), stride),
        None => format.view(bytes),
    };
    let frame = frame.map_err(bad_frame)?;
    Ok(f(&frame))
}

/// An always-present `src` and `sink` pad template with the same `caps`.
pub(crate) fn pad_templates(caps: &gst::Caps) -> Vec<gst::PadTemplate> {
    [
        ("src", gst::PadDirection::Src),
        ("sink", gst::PadDirection::Sink),
    ]
    .into_iter()
    .filter_map(|(name, dir)| gst::PadTemplate::new(name, dir, gst::PadPresence::Always, caps).ok())
    .collect()
}
