//! Helpers shared by the integration tests: plugin registration, synthetic frames in
//! every sample encoding, and raw frames from `../shared/data/raw`.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Once;

use gstdefectfix::frame::FrameFormat;
use gstdefectfix::frame::{FrameMut, FrameRef};

/// Initialises GStreamer and registers the plugin's elements once per test binary.
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        gst::init().expect("GStreamer initialises");
        gstdefectfix::plugin_register_static().expect("plugin registers");
    });
}

/// Caps string of a frame format.
pub fn caps_string(media: &str, format: &str, width: usize, height: usize) -> String {
    format!("{media},format={format},width={width},height={height},framerate=30/1")
}

/// Synthetic frame: samples given by `value(x, y)`, padding bytes filled with 0xA5 so
/// tests can check they are never touched.
pub fn make_frame(format: &FrameFormat, mut value: impl FnMut(usize, usize) -> u16) -> Vec<u8> {
    let stride = format.default_stride();
    let mut data = vec![0xA5u8; format.default_size()];
    let mut frame = FrameMut::new(&mut data, *format, stride).expect("frame fits");
    for y in 0..format.height {
        for x in 0..format.width {
            frame.set(x, y, value(x, y));
        }
    }
    data
}

/// Sample value at (x, y) of a buffer in `format` at the default stride.
pub fn sample(data: &[u8], format: &FrameFormat, x: usize, y: usize) -> u16 {
    FrameRef::new(data, *format, format.default_stride())
        .expect("frame fits")
        .get(x, y)
}

/// Directory of the shared real raw frames.
pub fn raw_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/raw")
}

/// Reads a headerless raw frame as sample values (u8 or u16 LE).
pub fn read_raw(rel: &str, bytes_per_sample: usize) -> Vec<u16> {
    let path = raw_dir().join(rel);
    let data =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    if bytes_per_sample == 1 {
        data.iter().map(|&b| u16::from(b)).collect()
    } else {
        data.chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect()
    }
}

/// A temporary file with `contents`, removed on drop.
pub struct TempFile(pub PathBuf);

impl TempFile {
    pub fn new(name: &str, contents: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("defectfix-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, contents).expect("temp file written");
        TempFile(path)
    }

    pub fn path_str(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Every Bayer and GRAY format as (media type, format).
pub fn all_formats() -> Vec<(&'static str, &'static str)> {
    use gstdefectfix::frame::{BAYER_FORMATS, GRAY_FORMATS};
    BAYER_FORMATS
        .iter()
        .map(|f| ("video/x-bayer", *f))
        .chain(GRAY_FORMATS.iter().map(|f| ("video/x-raw", *f)))
        .collect()
}

/// The `appsrc` named `src` and the `appsink` named `sink` of a parsed pipeline.
pub fn app_elements(pipeline: &gst::Element) -> (gst_app::AppSrc, gst_app::AppSink) {
    use gst::prelude::*;
    let bin = pipeline.downcast_ref::<gst::Bin>().expect("bin");
    let src = bin
        .by_name("src")
        .expect("src")
        .downcast::<gst_app::AppSrc>()
        .expect("appsrc");
    let sink = bin
        .by_name("sink")
        .expect("sink")
        .downcast::<gst_app::AppSink>()
        .expect("appsink");
    (src, sink)
}

/// [`app_elements`], and every buffer reaching the sink is copied into the returned
/// list.
pub fn app_ends(
    pipeline: &gst::Element,
) -> (
    gst_app::AppSrc,
    gst_app::AppSink,
    std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
) {
    let (src, sink) = app_elements(pipeline);
    let frames = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let collected = std::sync::Arc::clone(&frames);
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |s| {
                let sample = s.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let buffer = sample.buffer().ok_or(gst::FlowError::Error)?;
                let data = buffer.map_readable().map_err(|_| gst::FlowError::Error)?;
                collected
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(data.to_vec());
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    (src, sink, frames)
}

/// Waits up to `seconds` for the end of `pipeline`'s stream, asserts it ended without
/// an error, and stops the pipeline.
#[allow(dead_code)]
pub fn finish_at_eos(pipeline: &gst::Element, seconds: u64) {
    use gst::prelude::*;
    let bus = pipeline.bus().expect("bus");
    let msg = bus.timed_pop_filtered(
        gst::ClockTime::from_seconds(seconds),
        &[gst::MessageType::Eos, gst::MessageType::Error],
    );
    assert!(
        matches!(msg.as_ref().map(|m| m.type_()), Some(gst::MessageType::Eos)),
        "{msg:?}"
    );
    pipeline.set_state(gst::State::Null).expect("stop");
}
