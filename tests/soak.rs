//! Soak: many 1920x1080 frames through `defectsim ! defectfix` (or `defectfix` alone
//! where `defectsim` is not built), resident memory sampled as it goes. The default is a
//! short run for CI; the long one is
//!
//! ```text
//! DEFECTFIX_SOAK_FRAMES=100000 cargo test --release --test soak -- --nocapture
//! ```
//!
//! Memory must be flat after warm-up: no growth per frame.

mod common;

use common::{caps_string, init, make_frame};
use gst::prelude::*;
use gstdefectfix::frame::FrameFormat;

/// Resident set size of this process in bytes (Linux).
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

#[test]
fn memory_is_flat_over_a_long_stream() {
    init();
    let frames: usize = std::env::var("DEFECTFIX_SOAK_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let (w, h) = (1920usize, 1080usize);
    let sim = if gst::ElementFactory::find("defectsim").is_some() {
        "defectsim density=0.0005 seed=3 !"
    } else {
        ""
    };
    let pipeline = gst::parse::launch(&format!(
        "appsrc name=src format=time caps={} ! {sim} defectfix ! fakesink sync=false",
        caps_string("video/x-bayer", "rggb", w, h)
    ))
    .expect("pipeline parses");
    let bin = pipeline.downcast_ref::<gst::Bin>().expect("bin").clone();
    let src = bin
        .by_name("src")
        .expect("src")
        .downcast::<gst_app::AppSrc>()
        .expect("appsrc");
    src.set_max_bytes(4 * (w * h) as u64);
    src.set_block(true);
    pipeline.set_state(gst::State::Playing).expect("plays");

    let format = FrameFormat::parse("video/x-bayer", "rggb", w as i64, h as i64).expect("format");
    let frame = gst::Buffer::from_slice(make_frame(&format, |x, y| {
        ((x / 3 + y / 5) % 180 + 20) as u16
    }));
    let warm_up = frames / 10;
    let mut after_warm_up = 0;
    let mut peak_after = 0;
    let start = std::time::Instant::now();
    for i in 0..frames {
        // A copy per frame, as a capture source would hand over a fresh buffer.
        let buffer = frame.copy_deep().expect("copied");
        src.push_buffer(buffer).expect("pushed");
        if i == warm_up {
            after_warm_up = rss_bytes();
        }
        if i > warm_up && i % 100 == 0 {
            peak_after = peak_after.max(rss_bytes());
            if i % (frames / 10).max(1) == 0 {
                eprintln!("frame {i}: rss {:.1} MiB", rss_bytes() as f64 / 1048576.0);
            }
        }
    }
    src.end_of_stream().expect("eos");
    let bus = pipeline.bus().expect("bus");
    for msg in bus.iter_timed(gst::ClockTime::from_seconds(60)) {
        match msg.view() {
            gst::MessageView::Eos(_) => break,
            gst::MessageView::Error(e) => panic!("error: {} {:?}", e.error(), e.debug()),
            _ => {}
        }
    }
    let _ = pipeline.set_state(gst::State::Null);
    let growth = peak_after.saturating_sub(after_warm_up);
    eprintln!(
        "{frames} frames of {w}x{h} in {:.1} s; rss after warm-up {:.1} MiB, peak later {:.1} MiB, growth {:.2} MiB",
        start.elapsed().as_secs_f64(),
        after_warm_up as f64 / 1048576.0,
        peak_after as f64 / 1048576.0,
        growth as f64 / 1048576.0
    );
    // A few frames in flight (appsrc's queue of 4 and one in each element) bound what
    // may come and go; a leak of one frame-sized buffer per 100 frames would already
    // exceed this over the short CI run.
    assert!(
        growth < 8 * 1048576,
        "resident memory grew by {growth} bytes"
    );
}
