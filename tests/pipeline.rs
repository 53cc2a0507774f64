//! `defectfix` in real pipelines: parse-launch with videotestsrc and bayer2rgb, live
//! sources and latency, a real raw frame through filesrc/filesink, map errors on the
//! bus, and map reloads while buffers flow.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{TempFile, init, raw_dir, read_raw};
use gst::prelude::*;

/// Turns dynamic detection off where the element has it, so that only the map acts.
fn map_only(element: &gst::Element) {
    if element.find_property("detection").is_some() {
        element.set_property_from_str("detection", "off");
    }
}

/// Runs a pipeline to EOS; returns the error message text if one was posted.
fn run_to_end(pipeline: &gst::Element) -> Result<Vec<String>, String> {
    let bus = pipeline.bus().expect("pipeline bus");
    if pipeline.set_state(gst::State::Playing).is_err() {
        let error = first_error(&bus);
        let _ = pipeline.set_state(gst::State::Null);
        return Err(error);
    }
    let mut warnings = Vec::new();
    let result = loop {
        let Some(msg) = bus.timed_pop(gst::ClockTime::from_seconds(60)) else {
            break Err("timeout".to_string());
        };
        match msg.view() {
            gst::MessageView::Eos(_) => break Ok(warnings),
            gst::MessageView::Error(e) => {
                break Err(e.error().to_string() + " / " + &format!("{:?}", e.debug()));
            }
            gst::MessageView::Warning(w) => warnings.push(w.error().to_string()),
            _ => {}
        }
    };
    let _ = pipeline.set_state(gst::State::Null);
    result
}

fn first_error(bus: &gst::Bus) -> String {
    while let Some(msg) = bus.timed_pop(gst::ClockTime::from_seconds(5)) {
        if let gst::MessageView::Error(e) = msg.view() {
            return e.error().to_string();
        }
    }
    "state change failed without an error message".to_string()
}

#[test]
fn videotestsrc_through_defectfix_and_bayer2rgb() {
    init();
    let map = TempFile::new("pipe.map", "10 10\nrow 5\ncol 7\nrect 20 20 3 3\n");
    let pipeline = gst::parse::launch(&format!(
        "videotestsrc num-buffers=5 pattern=zone-plate ! video/x-raw,format=ARGB,width=320,height=240 \
         ! rgb2bayer ! video/x-bayer,format=rggb ! defectfix defect-map={} ! bayer2rgb ! fakesink",
        map.path_str()
    ))
    .expect("pipeline parses");
    run_to_end(&pipeline).expect("reaches EOS");
}

#[test]
fn live_source_adds_no_latency() {
    init();
    let latency_of = |with_defectfix: bool| {
        let middle = if with_defectfix { "defectfix !" } else { "" };
        let pipeline = gst::parse::launch(&format!(
            "videotestsrc is-live=true ! video/x-raw,format=ARGB,width=64,height=48,framerate=30/1 \
             ! rgb2bayer ! {middle} fakesink sync=true"
        ))
        .expect("pipeline parses");
        pipeline.set_state(gst::State::Playing).expect("plays");
        let (_, state, _) = pipeline.state(gst::ClockTime::from_seconds(10));
        assert_eq!(state, gst::State::Playing);
        let mut q = gst::query::Latency::new();
        assert!(pipeline.query(&mut q));
        let _ = pipeline.set_state(gst::State::Null);
        q.result()
    };
    let (live, min, max) = latency_of(true);
    assert!(live);
    assert_eq!((live, min, max), latency_of(false));
}

#[test]
fn live_pipeline_streams_to_the_end() {
    init();
    let pipeline = gst::parse::launch(
        "videotestsrc is-live=true num-buffers=15 ! video/x-raw,format=ARGB,width=64,height=48,framerate=60/1 \
         ! rgb2bayer ! defectfix ! bayer2rgb ! fakesink sync=true",
    )
    .expect("pipeline parses");
    run_to_end(&pipeline).expect("reaches EOS");
}

#[test]
fn missing_map_file_is_an_error_naming_the_path() {
    init();
    let pipeline = gst::parse::launch(
        "videotestsrc num-buffers=1 ! rgb2bayer ! defectfix defect-map=/nonexistent/cam.map ! fakesink",
    )
    .expect("pipeline parses");
    let err = run_to_end(&pipeline).expect_err("fails");
    assert!(err.contains("/nonexistent/cam.map"), "{err}");
}

#[test]
fn malformed_map_is_an_error_naming_file_and_line() {
    init();
    let map = TempFile::new("bad.map", "# fine\n1 2\nrect 1 2 three 4\n");
    let pipeline = gst::parse::launch(&format!(
        "videotestsrc num-buffers=1 ! rgb2bayer ! defectfix defect-map={} ! fakesink",
        map.path_str()
    ))
    .expect("pipeline parses");
    let err = run_to_end(&pipeline).expect_err("fails");
    assert!(err.contains(&format!("{}:3:", map.path_str())), "{err}");
}

#[test]
fn out_of_frame_entries_are_counted_in_a_warning() {
    init();
    let map = TempFile::new("outside.map", "1 1\n500 1\n1 500\nrow 900\n");
    let pipeline = gst::parse::launch(&format!(
        "videotestsrc num-buffers=2 ! video/x-raw,format=ARGB,width=64,height=48 ! rgb2bayer ! defectfix defect-map={} ! fakesink",
        map.path_str()
    ))
    .expect("pipeline parses");
    let warnings = run_to_end(&pipeline).expect("reaches EOS");
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("3 defect map entries lie outside the 64x48 frame")),
        "{warnings:?}"
    );
}

/// The frame upstream injected 400 synthetic defects into a real 14-bit DSLR frame; the
/// map lists exactly those pixels (clean != defective).
#[test]
fn real_frame_through_filesrc_is_repaired_and_nothing_else_changes() {
    init();
    let (w, h) = (768usize, 512usize);
    let clean = read_raw("natural/mushfiqulalam_DSC_1339_768x512_14bit_RGGB.raw", 2);
    let bad = read_raw(
        "natural/mushfiqulalam_DSC_1339_768x512_14bit_RGGB_bpc_test.raw",
        2,
    );
    let listed: Vec<usize> = (0..w * h).filter(|&i| clean[i] != bad[i]).collect();
    assert_eq!(listed.len(), 400);
    let text: String = listed
        .iter()
        .map(|i| format!("{} {}\n", i % w, i / w))
        .collect();
    let map = TempFile::new("dsc1339.map", &text);
    let out = TempFile::new("dsc1339.out", "");
    let src = raw_dir().join("natural/mushfiqulalam_DSC_1339_768x512_14bit_RGGB_bpc_test.raw");
    let pipeline = gst::parse::launch(&format!(
        "filesrc location={} blocksize={} ! video/x-bayer,format=rggb14le,width={w},height={h},framerate=1/1 \
         ! defectfix name=fix defect-map={} ! filesink location={}",
        src.display(),
        w * h * 2,
        map.path_str(),
        out.path_str()
    ))
    .expect("pipeline parses");
    let bin = pipeline.downcast_ref::<gst::Bin>().expect("bin");
    map_only(&bin.by_name("fix").expect("fix"));
    run_to_end(&pipeline).expect("reaches EOS");
    let fixed: Vec<u16> = std::fs::read(&out.0)
        .expect("output written")
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    assert_eq!(fixed.len(), w * h);
    let mut sq_err = 0f64;
    for i in 0..w * h {
        if clean[i] == bad[i] {
            assert_eq!(
                fixed[i],
                bad[i],
                "unlisted pixel {} {} changed",
                i % w,
                i / w
            );
        } else {
            assert_ne!(
                fixed[i],
                bad[i],
                "listed pixel {} {} not repaired",
                i % w,
                i / w
            );
            sq_err += (f64::from(fixed[i]) - f64::from(clean[i])).powi(2);
        }
    }
    // PSNR over the whole frame against the clean one, peak = white level 15520 - 600.
    let mse = sq_err / (w * h) as f64;
    let psnr = 10.0 * (14920f64.powi(2) / mse).log10();
    assert!(psnr > 60.0, "PSNR {psnr:.1} dB");
}

/// A thread keeps swapping the map between two files while frames flow: every output
/// frame is repaired with exactly one of the two maps, never a mix, never neither.
#[test]
fn map_reload_while_streaming_is_atomic() {
    init();
    let (w, h) = (32usize, 24usize);
    let map_a = TempFile::new("reload-a.map", "4 4\n");
    let map_b = TempFile::new("reload-b.map", "20 12\n");
    let bad_map = TempFile::new("reload-bad.map", "4 4\nnonsense\n");
    let pipeline = gst::parse::launch(&format!(
        "appsrc name=src format=time caps=video/x-bayer,format=rggb,width={w},height={h},framerate=30/1 \
         ! defectfix name=fix defect-map={} ! appsink name=sink sync=false",
        map_a.path_str()
    ))
    .expect("pipeline parses");
    let bin = pipeline.downcast_ref::<gst::Bin>().expect("bin").clone();
    let fix = bin.by_name("fix").expect("fix");
    map_only(&fix);
    let (src, _sink, outputs) = common::app_ends(&pipeline);
    pipeline.set_state(gst::State::Playing).expect("plays");

    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = Arc::clone(&stop);
        let fix = fix.clone();
        let paths = [
            map_a.path_str().to_string(),
            map_b.path_str().to_string(),
            bad_map.path_str().to_string(),
        ];
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                fix.set_property("defect-map", &paths[i % 3]);
                i += 1;
                std::thread::sleep(Duration::from_micros(200));
            }
            i
        })
    };
    let stride = w.next_multiple_of(4);
    let mut frame = vec![50u8; stride * h];
    frame[4 * stride + 4] = 255;
    frame[12 * stride + 20] = 255;
    for _ in 0..400 {
        src.push_buffer(gst::Buffer::from_slice(frame.clone()))
            .expect("pushed");
        std::thread::sleep(Duration::from_micros(300));
    }
    src.end_of_stream().expect("eos");
    let bus = pipeline.bus().expect("bus");
    let mut warnings = 0;
    for msg in bus.iter_timed(gst::ClockTime::from_seconds(30)) {
        match msg.view() {
            gst::MessageView::Eos(_) => break,
            gst::MessageView::Error(e) => panic!("error: {}", e.error()),
            gst::MessageView::Warning(_) => warnings += 1,
            _ => {}
        }
    }
    stop.store(true, Ordering::SeqCst);
    let swaps = swapper.join().expect("swapper ran");
    let _ = pipeline.set_state(gst::State::Null);
    let outputs = outputs.lock().unwrap();
    assert_eq!(outputs.len(), 400);
    let (mut with_a, mut with_b) = (0, 0);
    for out in outputs.iter() {
        match (out[4 * stride + 4], out[12 * stride + 20]) {
            (50, 255) => with_a += 1,
            (255, 50) => with_b += 1,
            other => panic!("frame repaired with neither or both maps: {other:?}"),
        }
    }
    assert!(swaps > 10, "only {swaps} swaps");
    assert!(warnings > 0, "the malformed map gave no warning");
    assert_eq!(with_a + with_b, 400);
}
