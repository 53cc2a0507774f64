//! Running a pipeline description to its end with frames pushed in and every
//! `appsink`'s buffers collected: what the demo, the `defectsim` tests and the
//! processed-video protocols do; and the step between a YUV/RGB sample and the
//! [`Planes`] the video scores read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use gst::prelude::*;
use gst_video::prelude::*;

use crate::video::Planes;

/// Frames each `appsink` received, by sink name.
pub type Captured = HashMap<String, Vec<Vec<u8>>>;

/// Samples (buffer and caps) each `appsink` received, by sink name.
pub type Samples = HashMap<String, Vec<gst::Sample>>;

/// Initialises GStreamer and registers the plugin's elements statically, once per
/// process (safe to call from many threads: registering twice at the same time is
/// not). Every later call returns the first call's outcome.
pub fn init() -> Result<(), String> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| {
        gst::init().map_err(|e| e.to_string())?;
        gstdefectfix::plugin_register_static().map_err(|e| e.to_string())
    })
    .clone()
}

/// How long a pipeline may take to reach its end.
const EOS_TIMEOUT_S: u64 = 300;

/// Runs `desc` to EOS: every `appsink` collects its buffers, an `appsrc` named `src` is
/// fed `frames`. Returns the first error on the bus.
pub fn run_pipeline(desc: &str, frames: Vec<Vec<u8>>) -> Result<Captured, String> {
    let buffers = frames
        .into_iter()
        .map(gst::Buffer::from_mut_slice)
        .collect();
    let samples = run_samples(desc, None, buffers)?;
    samples
        .into_iter()
        .map(|(name, samples)| {
            let frames = samples
                .iter()
                .map(|s| {
                    s.buffer()
                        .and_then(|b| b.map_readable().ok().map(|m| m.to_vec()))
                        .ok_or_else(|| format!("{name}: a sample without a readable buffer"))
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok((name, frames))
        })
        .collect()
}

/// Runs `desc` to EOS: an `appsrc` named `src` (given `caps` when some) is fed
/// `buffers`, timestamped at 30 frames/s, then the end of the stream; every `appsink`
/// keeps the samples it receives. Returns the first error on the bus.
pub fn run_samples(
    desc: &str,
    caps: Option<&gst::Caps>,
    buffers: Vec<gst::Buffer>,
) -> Result<Samples, String> {
    let pipeline = gst::parse::launch(desc)
        .map_err(|e| format!("cannot build '{desc}': {e}"))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| format!("'{desc}' is not a pipeline"))?;
    let captured: Arc<Mutex<Samples>> = Arc::default();
    for element in pipeline.iterate_recurse().into_iter().flatten() {
        if element.factory().is_none_or(|f| f.name() != "appsink") {
            continue;
        }
        element.set_property("emit-signals", true);
        element.set_property("sync", false);
        let name = element.name().to_string();
        let store = Arc::clone(&captured);
        element.connect("new-sample", false, move |args| {
            let sample = args[0]
                .get::<gst::Element>()
                .ok()
                .and_then(|sink| sink.emit_by_name::<Option<gst::Sample>>("pull-sample", &[]));
            match sample {
                Some(sample) if sample.buffer().is_some() => {
                    let mut store = store.lock().unwrap_or_else(|e| e.into_inner());
                    store.entry(name.clone()).or_default().push(sample);
                    Some(gst::FlowReturn::Ok.to_value())
                }
                _ => Some(gst::FlowReturn::Error.to_value()),
            }
        });
    }
    let src = pipeline.by_name("src");
    if let (Some(src), Some(caps)) = (&src, caps) {
        src.set_property("caps", caps);
    }
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| format!("cannot play '{desc}': {e}"))?;
    if let Some(src) = src {
        let period = gst::ClockTime::from_nseconds(1_000_000_000 / 30);
        for (i, mut buffer) in buffers.into_iter().enumerate() {
            if let Some(b) = buffer.get_mut() {
                b.set_pts(period * i as u64);
                b.set_duration(period);
            }
            let _ = src.emit_by_name::<gst::FlowReturn>("push-buffer", &[&buffer]);
        }
        let _ = src.emit_by_name::<gst::FlowReturn>("end-of-stream", &[]);
    }
    let bus = pipeline.bus().ok_or("pipeline without a bus")?;
    let result = match bus.timed_pop_filtered(
        gst::ClockTime::from_seconds(EOS_TIMEOUT_S),
        &[gst::MessageType::Eos, gst::MessageType::Error],
    ) {
        Some(msg) => match msg.view() {
            gst::MessageView::Error(err) => Err(format!(
                "{}: {}{}",
                err.src()
                    .map(|s| s.path_string().to_string())
                    .unwrap_or_default(),
                err.error(),
                err.debug().map(|d| format!(" ({d})")).unwrap_or_default()
            )),
            _ => Ok(()),
        },
        None => Err(format!("'{desc}' did not finish in {EOS_TIMEOUT_S} s")),
    };
    let _ = pipeline.set_state(gst::State::Null);
    result?;
    let captured = std::mem::take(&mut *captured.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(captured)
}

/// What came out of [`through`]: the frames of the `appsink` named `sink`, their caps,
/// and the samples of any other `appsink` of the chain.
pub struct Converted {
    pub planes: Vec<Planes>,
    pub caps: gst::Caps,
    pub others: Samples,
}

/// Pushes `buffers` (of `caps`) through `appsrc ! CHAIN ! appsink name=sink` and
/// returns what came out: as many frames as went in, or an error. `chain` may branch
/// off to other `appsink`s (their samples are in [`Converted::others`]).
pub fn through(
    caps: &gst::Caps,
    buffers: Vec<gst::Buffer>,
    chain: &str,
) -> Result<Converted, String> {
    let desc = format!("appsrc name=src format=time ! {chain} ! appsink name=sink sync=false");
    let n = buffers.len();
    let mut others = run_samples(&desc, Some(caps), buffers)?;
    let samples = others.remove("sink").unwrap_or_default();
    if samples.len() != n {
        return Err(format!("'{desc}': {n} frames in, {} out", samples.len()));
    }
    let caps = samples
        .last()
        .and_then(|s| s.caps_owned())
        .ok_or_else(|| format!("'{desc}': no caps on the frames that came out"))?;
    let planes = samples.iter().map(planes_of).collect::<Result<_, _>>()?;
    Ok(Converted {
        planes,
        caps,
        others,
    })
}

/// Runs 8-bit Bayer frames (`cfa` = `bggr`, `grbg`, `gbrg` or `rggb`,
/// `width`×`height`, no padding, 30 frames/s) through `bayer2rgb ! CHAIN` (`chain`
/// e.g. `videoconvert ! video/x-raw,format=NV12`); see [`through`].
pub fn convert_bayer(
    frames: &[Vec<u8>],
    width: usize,
    height: usize,
    cfa: &str,
    chain: &str,
) -> Result<Converted, String> {
    let caps = gst::Caps::builder("video/x-bayer")
        .field("format", cfa)
        .field("width", i32::try_from(width).map_err(|e| e.to_string())?)
        .field("height", i32::try_from(height).map_err(|e| e.to_string())?)
        .field("framerate", gst::Fraction::new(30, 1))
        .build();
    let buffers = frames
        .iter()
        .map(|f| gst::Buffer::from_slice(f.clone()))
        .collect();
    through(&caps, buffers, &format!("bayer2rgb ! {chain}"))
        .map_err(|e| format!("{e} (bayer2rgb, videoconvert or an encoder missing?)"))
}

/// Pushes YUV/RGB frames of `caps` through `CHAIN`; see [`through`].
pub fn planes_through(
    planes: &[Planes],
    caps: &gst::Caps,
    chain: &str,
) -> Result<Converted, String> {
    let info = gst_video::VideoInfo::from_caps(caps).map_err(|e| e.to_string())?;
    let buffers = planes
        .iter()
        .map(|p| buffer_of(p, &info))
        .collect::<Result<_, _>>()?;
    through(caps, buffers, chain)
}

/// Whether the chroma of `caps` is horizontally co-sited with the luma (what
/// [`gstdefectfix::frame::VideoLayout::with_cosited_chroma`] takes).
pub fn chroma_cosited(caps: &gst::CapsRef) -> bool {
    gst_video::VideoInfo::from_caps(caps).is_ok_and(|info| {
        info.chroma_site()
            .contains(gst_video::VideoChromaSite::H_COSITED)
    })
}

/// The planes of a YUV/RGB sample, each with its stride.
pub fn planes_of(sample: &gst::Sample) -> Result<Planes, String> {
    let caps = sample.caps().ok_or("sample without caps")?;
    let info = gst_video::VideoInfo::from_caps(caps).map_err(|e| e.to_string())?;
    let buffer = sample.buffer().ok_or("sample without buffer")?;
    let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info)
        .map_err(|e| e.to_string())?;
    let mut strides = [0usize; 3];
    let mut data = Vec::new();
    for p in 0..frame.n_planes().min(3) {
        strides[p as usize] =
            usize::try_from(frame.plane_stride()[p as usize]).map_err(|e| e.to_string())?;
        data.push(frame.plane_data(p).map_err(|e| e.to_string())?.to_vec());
    }
    Ok(Planes { data, strides })
}

/// A buffer of `info`'s default layout holding `planes` (row by row, so their strides
/// may differ from the buffer's).
pub fn buffer_of(planes: &Planes, info: &gst_video::VideoInfo) -> Result<gst::Buffer, String> {
    let buffer = gst::Buffer::with_size(info.size()).map_err(|e| e.to_string())?;
    let mut frame = gst_video::VideoFrame::from_buffer_writable(buffer, info)
        .map_err(|_| "cannot map a new buffer writable".to_string())?;
    let n = frame.n_planes();
    if planes.data.len() < n as usize {
        return Err(format!("{} planes for a format of {n}", planes.data.len()));
    }
    for p in 0..n {
        let to_stride =
            usize::try_from(frame.plane_stride()[p as usize]).map_err(|e| e.to_string())?;
        let from_stride = planes.strides[p as usize];
        let row = to_stride.min(from_stride);
        let from = &planes.data[p as usize];
        let to = frame.plane_data_mut(p).map_err(|e| e.to_string())?;
        for (dst, src) in to.chunks_mut(to_stride).zip(from.chunks(from_stride)) {
            let len = row.min(dst.len()).min(src.len());
            dst[..len].copy_from_slice(&src[..len]);
        }
    }
    Ok(frame.into_buffer())
}
