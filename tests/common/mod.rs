//! Helpers shared by the integration tests: plugin registration, synthetic frames in
//! every sample encoding, and raw frames from `../shared/data/raw`.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Once;

use gstdefectfix::frame::FrameFormat;
use gstdefectfix::frame::{PlaneMut, PlaneRef, VideoFrameMut, VideoLayout};

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
    let mut frame = PlaneMut::new(&mut data, format.plane(), stride).expect("frame fits");
    for y in 0..format.height {
        for x in 0..format.width {
            frame.set(x, y, value(x, y));
        }
    }
    data
}

/// Sample value at (x, y) of a buffer in `format` at the default stride.
pub fn sample(data: &[u8], format: &FrameFormat, x: usize, y: usize) -> u16 {
    PlaneRef::new(data, format.plane(), format.default_stride())
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

// ---------------------------------------------------------------------------------
// YUV and RGB video frames.

/// The video info of `format` at `width`×`height` and `rate` frames per second
/// (GStreamer is initialised first).
pub fn video_info(
    format: &str,
    width: u32,
    height: u32,
    rate: gst::Fraction,
) -> gst_video::VideoInfo {
    init();
    gst_video::VideoInfo::builder(gst_video::VideoFormat::from_string(format), width, height)
        .fps(rate)
        .build()
        .expect("video info")
}

/// The frame layout of `info`, with the chroma siting it says.
pub fn layout_of(info: &gst_video::VideoInfo) -> VideoLayout {
    VideoLayout::parse(
        info.format().to_str(),
        i64::from(info.width()),
        i64::from(info.height()),
    )
    .expect("layout")
    .with_cosited_chroma(
        info.chroma_site()
            .contains(gst_video::VideoChromaSite::H_COSITED),
    )
}

/// Runs `f` on a writable view of `buf` laid out as `info`.
pub fn with_video_frame(
    info: &gst_video::VideoInfo,
    buf: &mut gst::BufferRef,
    f: impl FnOnce(&mut VideoFrameMut<'_>),
) {
    use gst_video::prelude::*;
    let layout = layout_of(info);
    let mut vf = gst_video::VideoFrameRef::from_buffer_ref_writable(buf, info).expect("map");
    let strides: Vec<usize> = vf.plane_stride().iter().map(|&s| s as usize).collect();
    let s = |i: usize| strides.get(i).copied().unwrap_or(0);
    let strides = [s(0), s(1), s(2)];
    let [a, b, c, _] = vf.planes_data_mut();
    let mut frame = VideoFrameMut::new(layout, [a, b, c], strides).expect("frame");
    f(&mut frame);
}

/// A buffer whose bytes are 0xA5 (so that alpha, padding and unused bits can be checked)
/// and whose samples are `value(component, x, y)`, in component coordinates.
pub fn make_video(
    info: &gst_video::VideoInfo,
    value: impl FnMut(usize, usize, usize) -> u16,
) -> gst::Buffer {
    let mut buf = gst::Buffer::with_size(info.size()).expect("buffer");
    {
        let b = buf.get_mut().expect("writable");
        b.map_writable().expect("map").as_mut_slice().fill(0xA5);
        with_video_frame(info, b, |f| f.fill(value));
    }
    buf
}

/// A textured picture that pans by 2 pixels a frame (`t` is the frame number): the
/// sample of component `c` (subsampled by `sub`) at (`x`, `y`), before rounding.
/// Component 0 carries the texture (luma, or R), the others a smoother version of it
/// (as chroma is in real pictures).
pub fn panned_texture(c: usize, x: usize, y: usize, t: usize, sub: (u8, u8)) -> f64 {
    let (fx, fy) = ((x << sub.0) as f64 + 2.0 * t as f64, (y << sub.1) as f64);
    let detail = if c == 0 { 1.0 } else { 0.3 };
    110.0
        + detail * 45.0 * (fx * 0.41).sin() * (fy * 0.29).cos()
        + 25.0 * ((fx + fy) * 0.13).sin()
        + 10.0 * c as f64
}

/// Frame `t` of the panned picture ([`panned_texture`]) as `info`; with `dot`, a bright
/// 1-pixel detail at that picture position (it moves with the picture), and with
/// `spot`, a fixed stuck photosite after demosaicing there ([`add_stuck_spot`]).
pub fn panned_frame(
    info: &gst_video::VideoInfo,
    t: usize,
    dot: Option<(usize, usize)>,
    spot: Option<(usize, usize)>,
) -> gst::Buffer {
    let layout = layout_of(info);
    let subs: Vec<(u8, u8)> = layout.components().iter().map(|k| (k.sx, k.sy)).collect();
    let mut buf = make_video(info, |c, x, y| {
        let sub = subs[c];
        let at = ((x << sub.0) + 2 * t, y << sub.1);
        let v = if c == 0 && dot == Some(at) {
            250.0
        } else {
            panned_texture(c, x, y, t, sub)
        };
        v.round().clamp(0.0, 255.0) as u16
    });
    if let Some((x, y)) = spot {
        with_video_frame(info, buf.make_mut(), |f| add_stuck_spot(f, x, y));
    }
    buf
}

/// A hot photosite after demosaicing at frame pixel (`x`, `y`) of an 8-bit frame: a
/// peak with a falloff in component 0, and a colour shift in component 1 (with the
/// same falloff where that component is at full resolution, as in RGB: demosaicing
/// spreads every colour it fills in).
pub fn add_stuck_spot(f: &mut VideoFrameMut<'_>, x: usize, y: usize) {
    let peak = [
        (0, 0, 120i32),
        (-1, 0, 40),
        (1, 0, 40),
        (0, -1, 40),
        (0, 1, 40),
    ];
    for (dx, dy, add) in peak {
        let (px, py) = ((x as i32 + dx) as usize, (y as i32 + dy) as usize);
        let v = i32::from(f.get(0, px, py)) + add;
        f.set(0, px, py, v.clamp(0, 255) as u16);
    }
    let k = f.layout().components()[1];
    let (cx, cy) = (x >> k.sx, y >> k.sy);
    let v = i32::from(f.get(1, cx, cy)) - 40;
    f.set(1, cx, cy, v.clamp(0, 255) as u16);
    if (k.sx, k.sy) == (0, 0) {
        for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
            let (px, py) = ((x as i32 + dx) as usize, (y as i32 + dy) as usize);
            let v = i32::from(f.get(1, px, py)) - 13;
            f.set(1, px, py, v.clamp(0, 255) as u16);
        }
    }
}
