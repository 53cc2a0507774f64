//! Pipeline throughput: frames per second of `appsrc ! defectfix ! fakesink` against
//! `appsrc ! identity ! fakesink`, same frames, same buffers (a recycled pool, so the
//! source costs next to nothing and page faults do not count).
//!
//! ```text
//! cargo run --release --example throughput -- [WIDTH HEIGHT FORMAT FRAMES]
//! ```
//! Default: 3840 2160 rggb16le 200, then 1920 1080 rggb and 7680 4320 rggb16le.

use std::time::Instant;

use clap::Parser;
use gst::prelude::*;
use gstdefectfix::frame::FrameFormat;

/// Pipeline throughput: frames per second of `appsrc ! defectfix ! fakesink` against
/// `appsrc ! identity ! fakesink`. Without arguments: 1920x1080 rggb (400 frames),
/// 3840x2160 rggb16le (200) and 7680x4320 rggb16le (50).
#[derive(Parser, Debug)]
#[command(name = "throughput")]
struct Command {
    /// Frame width (measure this one case only; HEIGHT and FORMAT are then needed)
    #[arg(requires = "format")]
    width: Option<i64>,
    /// Frame height
    height: Option<i64>,
    /// Bayer caps format (rggb, rggb16le, ...)
    format: Option<String>,
    /// Frames measured [default: 200]
    frames: Option<u32>,
}

/// A textured frame with a few hot pixels (the same generator as the benches).
fn scene(format: &FrameFormat) -> Vec<u8> {
    defectfix_eval::synthetic::textured_scene(format, false)
}

/// Frames per second of `element` on `frames` frames of `format`.
fn run(
    element: &str,
    format: &FrameFormat,
    name: &str,
    frames: u32,
) -> Result<f64, Box<dyn std::error::Error>> {
    let caps = gst::Caps::builder("video/x-bayer")
        .field("format", name)
        .field("width", format.width as i32)
        .field("height", format.height as i32)
        .field("framerate", gst::Fraction::new(0, 1))
        .build();
    let pipeline = gst::Pipeline::new();
    let src = gst::ElementFactory::make("appsrc")
        .property("caps", &caps)
        .property("block", true)
        .property("max-buffers", 2u64)
        .property_from_str("format", "time")
        .build()?;
    let mid = gst::ElementFactory::make(element).build()?;
    let sink = gst::ElementFactory::make("fakesink")
        .property("sync", false)
        .build()?;
    pipeline.add_many([&src, &mid, &sink])?;
    gst::Element::link_many([&src, &mid, &sink])?;

    let size = format.default_size();
    let pool = gst::BufferPool::new();
    let mut config = pool.config();
    config.set_params(Some(&caps), size as u32, 4, 4);
    pool.set_config(config)?;
    pool.set_active(true)?;
    let content = scene(format);
    // Fill the pool's buffers once.
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut buf = pool.acquire_buffer(None)?;
        {
            let b = buf.get_mut().ok_or("pool buffer not writable")?;
            let mut map = b.map_writable()?;
            map.as_mut_slice().copy_from_slice(&content);
        }
        held.push(buf);
    }
    drop(held);

    pipeline.set_state(gst::State::Playing)?;
    let start = Instant::now();
    for _ in 0..frames {
        let buf = pool.acquire_buffer(None)?;
        let ret = src.emit_by_name::<gst::FlowReturn>("push-buffer", &[&buf]);
        if ret != gst::FlowReturn::Ok {
            return Err(format!("push-buffer: {ret:?}").into());
        }
    }
    let _ = src.emit_by_name::<gst::FlowReturn>("end-of-stream", &[]);
    let bus = pipeline.bus().ok_or("no bus")?;
    for msg in bus.iter_timed(gst::ClockTime::NONE) {
        match msg.view() {
            gst::MessageView::Eos(..) => break,
            gst::MessageView::Error(e) => return Err(format!("{}", e.error()).into()),
            _ => {}
        }
    }
    let secs = start.elapsed().as_secs_f64();
    pipeline.set_state(gst::State::Null)?;
    pool.set_active(false)?;
    Ok(f64::from(frames) / secs)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let command = Command::parse();
    gst::init()?;
    gstdefectfix::plugin_register_static()?;
    let cases: Vec<(i64, i64, String, u32)> = if let Command {
        width: Some(w),
        height: Some(h),
        format: Some(name),
        frames,
    } = command
    {
        vec![(w, h, name, frames.unwrap_or(200))]
    } else {
        vec![
            (1920, 1080, "rggb".into(), 400),
            (3840, 2160, "rggb16le".into(), 200),
            (7680, 4320, "rggb16le".into(), 50),
        ]
    };
    println!(
        "| frame | identity frames/s | defectfix frames/s | defectfix ms/frame | identity ms/frame |"
    );
    println!("|---|---|---|---|---|");
    for (w, h, name, frames) in cases {
        let format = FrameFormat::parse("video/x-bayer", &name, w, h)?;
        // Warm up both, then measure.
        run("identity", &format, &name, 5)?;
        run("defectfix", &format, &name, 5)?;
        let id = run("identity", &format, &name, frames)?;
        let fix = run("defectfix", &format, &name, frames)?;
        println!(
            "| {w}x{h} {name} | {id:.0} | {fix:.0} | {:.2} | {:.2} |",
            1000.0 / fix,
            1000.0 / id
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_well_formed() {
        Command::command().debug_assert();
        let c = Command::parse_from(["throughput", "3840", "2160", "rggb16le"]);
        assert_eq!((c.width, c.height), (Some(3840), Some(2160)));
        assert_eq!((c.format.as_deref(), c.frames), (Some("rggb16le"), None));
        assert!(Command::parse_from(["throughput"]).width.is_none());
        assert!(Command::try_parse_from(["throughput", "3840", "2160"]).is_err());
    }
}
