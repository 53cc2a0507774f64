//! The QC report (`report` property) and the `defectfix-qc` command: on generated clips
//! with pixel errors at known places and frames, the report lists each one with its
//! position, first and last frame and timecode, and nothing else; the page renders in
//! headless Chromium; the command's exit codes and messages.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{finish_at_eos, init, make_frame, panned_frame, video_info};
use gst::prelude::*;
use gstdefectfix::frame::FrameFormat;
use gstdefectfix::qc::json::{self, Report};

/// A fresh folder for one test's files.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("defectfix-qc-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs `frames` (timestamps `pts(i)`) through `appsrc ! defectfix PROPS ! fakesink`
/// to the end of the stream; returns the `defectfix-report` message.
fn run(
    caps: &gst::Caps,
    frames: Vec<gst::Buffer>,
    props: &str,
    pts: impl Fn(u64) -> gst::ClockTime,
) -> gst::Structure {
    init();
    let pipeline = gst::parse::launch(&format!(
        "appsrc name=src format=time caps=\"{caps}\" ! defectfix {props} ! fakesink sync=false"
    ))
    .expect("pipeline");
    let bin = pipeline.downcast_ref::<gst::Bin>().expect("bin");
    let src = bin
        .by_name("src")
        .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
        .expect("appsrc");
    pipeline.set_state(gst::State::Playing).expect("playing");
    for (i, mut buf) in frames.into_iter().enumerate() {
        {
            let b = buf.make_mut();
            b.set_pts(pts(i as u64));
            b.set_duration(pts(i as u64 + 1) - pts(i as u64));
        }
        src.push_buffer(buf).expect("pushed");
    }
    src.end_of_stream().expect("eos");
    let bus = pipeline.bus().expect("bus");
    let mut report = None;
    for msg in bus.iter_timed(gst::ClockTime::from_seconds(60)) {
        match msg.view() {
            gst::MessageView::Eos(_) => break,
            gst::MessageView::Error(e) => panic!("{} ({:?})", e.error(), e.debug()),
            gst::MessageView::Element(e) => {
                if let Some(s) = e.structure().filter(|s| s.name() == "defectfix-report") {
                    report = Some(s.to_owned());
                }
            }
            _ => {}
        }
    }
    pipeline.set_state(gst::State::Null).expect("null");
    report.expect("a defectfix-report message before the end of the stream")
}

fn at_25(i: u64) -> gst::ClockTime {
    gst::ClockTime::from_mseconds(40 * i)
}

fn read_report(path: &Path) -> Report {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    json::from_str(&text).expect("the report parses")
}

/// The errors of a report as (x, y, first frame, last frame, frames seen).
fn errors(r: &Report) -> Vec<(u32, u32, u64, u64, u64)> {
    let mut v: Vec<_> = r
        .errors
        .iter()
        .map(|e| (e.x, e.y, e.first.frame, e.last.frame, e.frames_seen))
        .collect();
    v.sort();
    v
}

/// Positions listed by a defect map file.
fn map_positions(path: &Path) -> Vec<(i64, i64)> {
    let map = gstdefectfix::defect_map::DefectMap::load(path).expect("map loads");
    let mut v: Vec<(i64, i64)> = map
        .entries()
        .iter()
        .filter_map(|e| match *e {
            gstdefectfix::defect_map::Entry::Pixel { x, y } => Some((x, y)),
            _ => None,
        })
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------------
// Raw sensor frames.

/// Frames of a smooth picture with three pixel errors: a hot pixel at (10, 12) in
/// every frame, a bright one at (41, 31) in frames 5 to 9 only, a dead one at (50, 8)
/// in every frame.
const SENSOR_ERRORS: [(u32, u32, u64, u64, u64); 3] =
    [(10, 12, 0, 19, 20), (41, 31, 5, 9, 5), (50, 8, 0, 19, 20)];
const SENSOR_FRAMES: u64 = 20;

fn sensor_frames(format: &FrameFormat) -> Vec<Vec<u8>> {
    let max = u32::from(format.max_value());
    let scale = |v: u32| (v * max / 255) as u16;
    (0..SENSOR_FRAMES)
        .map(|t| {
            make_frame(format, |x, y| {
                let (x, y) = (x as u32, y as u32);
                match (x, y) {
                    (10, 12) => scale(255),
                    (41, 31) if (5..10).contains(&t) => scale(250),
                    (50, 8) => 0,
                    _ => scale(60 + x + y),
                }
            })
        })
        .collect()
}

fn sensor_caps(media: &str, format: &str, w: usize, h: usize) -> gst::Caps {
    gst::Caps::from_str(&format!(
        "{media},format={format},width={w},height={h},framerate=25/1"
    ))
    .expect("caps")
}

use std::str::FromStr as _;

#[test]
fn a_bayer_and_a_gray_report_list_each_error_with_its_frames_and_timecodes() {
    init();
    for (media, name) in [("video/x-bayer", "rggb"), ("video/x-raw", "GRAY16_LE")] {
        let (w, h) = (64, 48);
        let format = FrameFormat::parse(media, name, w as i64, h as i64).unwrap();
        let frames: Vec<gst::Buffer> = sensor_frames(&format)
            .into_iter()
            .map(gst::Buffer::from_mut_slice)
            .collect();
        let dir = temp_dir(&format!("sensor-{name}"));
        let path = dir.join("qc.json");
        let msg = run(
            &sensor_caps(media, name, w, h),
            frames,
            &format!("mode=detect report={}", path.display()),
            at_25,
        );
        assert_eq!(msg.get::<u64>("errors").unwrap(), 3, "{name}");
        assert_eq!(
            msg.get::<String>("html").unwrap(),
            "",
            "{name}: no page asked"
        );
        let r = read_report(&path);
        assert!(r.complete);
        assert_eq!(r.stream.frames, SENSOR_FRAMES);
        assert_eq!(r.stream.framerate.as_deref(), Some("25/1"));
        assert_eq!(r.stream.duration.as_deref(), Some("00:00:00:20"));
        assert_eq!(errors(&r), SENSOR_ERRORS, "{name}");
        let by_pos = |x, y| r.errors.iter().find(|e| (e.x, e.y) == (x, y)).unwrap();
        let transient = by_pos(41, 31);
        assert_eq!(transient.first.timecode, "00:00:00:05");
        assert_eq!(transient.last.timecode, "00:00:00:09");
        assert_eq!(transient.first.seconds, Some(0.2));
        assert!(!transient.persistent);
        let hot = by_pos(10, 12);
        assert_eq!(
            (hot.first.timecode.as_str(), hot.last.timecode.as_str()),
            ("00:00:00:00", "00:00:00:19")
        );
        assert!(hot.persistent);
        assert_eq!(hot.origin, "found");
        // The hot pixel on a dark ramp is far off its surroundings: severe.
        assert_eq!(hot.severity, "severe");
        assert_eq!(r.errors[0].severity, "severe");
        // Most severe first; ids in order.
        assert!(r.errors.iter().enumerate().all(|(i, e)| e.id == i + 1));
        // The paint-out map holds the persistent ones.
        assert_eq!(map_positions(&dir.join("qc.map")), vec![(10, 12), (50, 8)]);
    }
}

#[test]
fn a_mapped_error_in_correct_mode_is_from_the_map_and_both_files_are_written() {
    init();
    let (w, h) = (64, 48);
    let format = FrameFormat::parse("video/x-bayer", "grbg", w as i64, h as i64).unwrap();
    let frames: Vec<gst::Buffer> = sensor_frames(&format)
        .into_iter()
        .map(gst::Buffer::from_mut_slice)
        .collect();
    let dir = temp_dir("correct");
    let map = dir.join("cam.map");
    std::fs::write(&map, "10 12\n").unwrap();
    let base = dir.join("qc");
    let msg = run(
        &sensor_caps("video/x-bayer", "grbg", w, h),
        frames,
        &format!("defect-map={} report={}", map.display(), base.display()),
        at_25,
    );
    assert!(msg.get::<bool>("complete").unwrap());
    let r = read_report(&dir.join("qc.json"));
    assert_eq!(r.mode, "correct");
    assert_eq!(errors(&r), SENSOR_ERRORS);
    let origin = |x, y| {
        r.errors
            .iter()
            .find(|e| (e.x, e.y) == (x, y))
            .map(|e| e.origin.clone())
    };
    assert_eq!(origin(10, 12).as_deref(), Some("map"));
    assert_eq!(origin(50, 8).as_deref(), Some("found"));
    assert_eq!(r.counts.from_map, 1);
    let page = std::fs::read_to_string(dir.join("qc.html")).expect("page written");
    assert!(page.contains("data:image/png;base64,"));
    assert!(page.contains("x 41, y 31"));
    assert!(page.contains("00:00:00:05 (frame 5)"));
    assert!(!page.contains("<script"));
    assert!(!page.contains("http://") && !page.contains("https://"));
    // No temporary file is left beside the report.
    let left = temporary_files(&dir);
    assert!(left.is_empty(), "{left:?}");
}

/// `data`, a frame of `format` at its default stride, in a buffer where it starts at
/// byte `offset` with rows `stride` bytes apart (padding and the bytes around it 0xFF),
/// as its `GstVideoMeta` says.
fn padded_buffer(data: &[u8], format: &FrameFormat, offset: usize, stride: usize) -> gst::Buffer {
    let (row, packed) = (format.row_bytes(), format.default_stride());
    let mut bytes = vec![0xFFu8; offset + stride * format.height + 7];
    for y in 0..format.height {
        bytes[offset + y * stride..][..row].copy_from_slice(&data[y * packed..][..row]);
    }
    let mut buf = gst::Buffer::from_mut_slice(bytes);
    gst_video::VideoMeta::add_full(
        buf.get_mut().expect("writable"),
        gst_video::VideoFrameFlags::empty(),
        gst_video::VideoFormat::Gray8,
        format.width as u32,
        format.height as u32,
        &[offset],
        &[stride as i32],
    )
    .expect("video meta");
    buf
}

/// A sensor frame is read where its `GstVideoMeta` puts it (an offset, a padded
/// stride): the report and its page are those of the same frames packed.
#[test]
fn a_padded_sensor_frame_is_pictured_where_its_video_meta_puts_it() {
    init();
    let (w, h) = (64, 48);
    let format = FrameFormat::parse("video/x-raw", "GRAY8", w as i64, h as i64).unwrap();
    let frames = sensor_frames(&format);
    let mut pages = Vec::new();
    for padded in [false, true] {
        let buffers: Vec<gst::Buffer> = frames
            .iter()
            .map(|f| {
                if padded {
                    padded_buffer(f, &format, 40, 100)
                } else {
                    gst::Buffer::from_slice(f.clone())
                }
            })
            .collect();
        let dir = temp_dir(&format!("padded-{padded}"));
        let base = dir.join("qc");
        run(
            &sensor_caps("video/x-raw", "GRAY8", w, h),
            buffers,
            &format!("mode=detect report={}", base.display()),
            at_25,
        );
        let r = read_report(&dir.join("qc.json"));
        assert_eq!(errors(&r), SENSOR_ERRORS, "padded {padded}");
        let page = std::fs::read_to_string(dir.join("qc.html")).expect("page written");
        pages.push((r, page));
    }
    assert_eq!(pages[0].0, pages[1].0);
    assert!(pages[0].1 == pages[1].1, "the pictures differ");
}

#[test]
fn a_clean_clip_lists_nothing() {
    init();
    let (w, h) = (64, 48);
    let format = FrameFormat::parse("video/x-bayer", "bggr", w as i64, h as i64).unwrap();
    let frames: Vec<gst::Buffer> = (0..10)
        .map(|_| gst::Buffer::from_mut_slice(make_frame(&format, |x, y| (60 + x + y) as u16)))
        .collect();
    let dir = temp_dir("clean");
    let path = dir.join("qc.json");
    run(
        &sensor_caps("video/x-bayer", "bggr", w, h),
        frames,
        &format!("mode=detect report={}", path.display()),
        at_25,
    );
    let r = read_report(&path);
    assert_eq!(r.stream.frames, 10);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.counts, json::Counts::default());
    assert!(map_positions(&dir.join("qc.map")).is_empty());
}

// ---------------------------------------------------------------------------------
// YUV video.

/// 20 frames of a panned picture with a stuck pixel at (40, 30) at 29.97 frames per
/// second, as `format`.
fn video_clip(format: &str) -> (gst_video::VideoInfo, Vec<gst::Buffer>) {
    let info = video_info(format, 160, 96, gst::Fraction::new(30000, 1001));
    let frames = (0..20)
        .map(|t| panned_frame(&info, t, None, Some((40, 30))))
        .collect();
    (info, frames)
}

fn at_2997(i: u64) -> gst::ClockTime {
    gst::ClockTime::from_nseconds(i * 1_001_000_000_000 / 30_000)
}

#[test]
fn a_yuv_report_lists_the_stuck_pixel_from_the_first_frame_to_the_last() {
    init();
    for (format, mode) in [("I420", "detect"), ("NV12", "correct"), ("UYVY", "detect")] {
        let (info, frames) = video_clip(format);
        let dir = temp_dir(&format!("video-{format}"));
        let path = dir.join("qc.json");
        run(
            &info.to_caps().unwrap(),
            frames,
            &format!("mode={mode} report={}", path.display()),
            at_2997,
        );
        let r = read_report(&path);
        assert_eq!(r.stream.media, "video");
        assert_eq!(r.stream.framerate.as_deref(), Some("30000/1001"));
        assert_eq!(r.stream.frames, 20, "{format}");
        // The spot, confirmed by the second frame, is followed from the first (held
        // back and revisited) to the last; the moving detail is not an error.
        assert_eq!(errors(&r), vec![(40, 30, 0, 19, 20)], "{format} {mode}");
        let e = &r.errors[0];
        assert_eq!(e.last.timecode, "00:00:00;19");
        assert!(e.persistent);
        // Bright, on the subject (the middle of the picture).
        assert_eq!(e.severity, "severe", "{format}");
        assert_eq!(map_positions(&dir.join("qc.map")), vec![(40, 30)]);
    }
}

// ---------------------------------------------------------------------------------
// The page in headless Chromium.

const CHROMIUM: &str = "/usr/bin/chromium";

#[test]
fn the_page_renders_in_headless_chromium_with_no_console_error() {
    init();
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "{CHROMIUM} is missing: scripts/deps.sh installs it for the tests"
        );
        eprintln!("skipped: {CHROMIUM} is not installed");
        return;
    }
    let (info, frames) = video_clip("I420");
    let dir = temp_dir("chromium");
    let page = dir.join("qc.html");
    run(
        &info.to_caps().unwrap(),
        frames,
        &format!("mode=detect report={}", page.display()),
        at_2997,
    );
    // Self-contained: every picture is embedded, nothing else is referred to.
    let html = std::fs::read_to_string(&page).expect("page written");
    assert!(html.matches("src=\"").count() >= 3);
    assert_eq!(
        html.matches("src=\"").count(),
        html.matches("src=\"data:image/png;base64,").count()
    );
    assert!(!html.contains("<script") && !html.contains("url(") && !html.contains("@import"));
    let shot = dir.join("shot.png");
    let profile = dir.join("profile");
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1200,1600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {log}");
    // Console messages of the page are logged as CONSOLE lines; a failed load of
    // anything the page refers to as a net error.
    let problems: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("net::ERR") || l.contains("Uncaught"))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");

    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&shot).expect("screenshot written"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let frame = reader.next_frame(&mut buf).expect("decodes");
    let (w, h) = (frame.width as usize, frame.height as usize);
    let bpp = frame.line_size / w;
    let px = |x: usize, y: usize| {
        let i = y * frame.line_size + x * bpp;
        [buf[i], buf[i + 1], buf[i + 2]]
    };
    assert!(w >= 1000 && h >= 1000, "{w}x{h}");
    // The thumbnail: the picture's texture in the upper right part of the page (many
    // colours), with the red mark of the severe error.
    let mut colours = std::collections::HashSet::new();
    let mut red = 0;
    for y in 80..h.min(600) {
        for x in w / 3..w {
            let p = px(x, y);
            colours.insert(p);
            red += usize::from(p[0] > 200 && p[1] < 120 && p[2] < 120);
        }
    }
    assert!(
        colours.len() > 200,
        "thumbnail region nearly uniform: {} colours",
        colours.len()
    );
    assert!(red > 20, "no mark on the thumbnail ({red} red pixels)");
    // The crops: their outline (#00e5ff), drawn around the error in both.
    let cyan = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| px(x, y) == [0x00, 0xe5, 0xff])
        .count();
    assert!(cyan > 100, "no crop outline ({cyan} pixels)");
    if let Ok(keep) = std::env::var("DEFECTFIX_QC_SCREENSHOT") {
        std::fs::copy(&shot, keep).expect("screenshot kept");
    }
}

// ---------------------------------------------------------------------------------
// The command.

fn qc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_defectfix-qc"))
}

/// Runs the command; its exit code, stdout and stderr.
fn run_qc(args: &[&str]) -> (i32, String, String) {
    let out = qc().args(args).output().expect("defectfix-qc runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes the Bayer test frames as a headerless raw file.
fn raw_clip(dir: &Path) -> PathBuf {
    let format = FrameFormat::parse("video/x-bayer", "rggb", 64, 48).unwrap();
    let path = dir.join("clip.raw");
    std::fs::write(&path, sensor_frames(&format).concat()).unwrap();
    path
}

/// Encodes `frames` of `info` into a file with `pipeline` (after the appsrc).
fn encode(info: &gst_video::VideoInfo, frames: Vec<gst::Buffer>, tail: &str, path: &Path) {
    init();
    let caps = info.to_caps().unwrap();
    let pipeline = gst::parse::launch(&format!(
        "appsrc name=src format=time caps=\"{caps}\" ! {tail} ! filesink location={}",
        path.display()
    ))
    .expect("pipeline");
    let bin = pipeline.downcast_ref::<gst::Bin>().unwrap();
    let src = bin
        .by_name("src")
        .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
        .unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    for (i, mut buf) in frames.into_iter().enumerate() {
        buf.make_mut().set_pts(at_2997(i as u64));
        src.push_buffer(buf).unwrap();
    }
    src.end_of_stream().unwrap();
    finish_at_eos(&pipeline, 30);
}

#[test]
fn the_command_reports_a_decoded_clip_and_gates_on_severity() {
    init();
    let dir = temp_dir("cli-decoded");
    let (info, frames) = video_clip("I420");
    let clip = dir.join("clip.y4m");
    encode(&info, frames, "y4menc", &clip);
    let report = dir.join("qc.json");
    let (code, stdout, stderr) = run_qc(&[
        clip.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(code, 1, "severe error found: {stdout} {stderr}");
    assert!(
        stdout.contains("20 frames, 1 pixel error: 1 severe"),
        "{stdout}"
    );
    assert!(stderr.contains("FAIL"), "{stderr}");
    let r = read_report(&report);
    assert_eq!(errors(&r), vec![(40, 30, 0, 19, 20)]);
    assert_eq!(r.source.as_deref(), Some(clip.to_str().unwrap()));
    assert!(dir.join("qc.map").exists());
    let (code, ..) = run_qc(&[
        clip.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--fail-on",
        "never",
        "--quiet",
    ]);
    assert_eq!(code, 0);
}

#[test]
fn the_command_checks_raw_bayer_frames() {
    init();
    let dir = temp_dir("cli-raw");
    let clip = raw_clip(&dir);
    let base = dir.join("qc");
    let args = |fail_on: &'static str| {
        vec![
            clip.to_str().unwrap().to_string(),
            "--raw".into(),
            "64".into(),
            "48".into(),
            "rggb".into(),
            "--framerate".into(),
            "25".into(),
            "--report".into(),
            base.to_str().unwrap().to_string(),
            "--fail-on".into(),
            fail_on.into(),
        ]
    };
    let out = qc().args(args("severe")).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    for name in ["qc.html", "qc.json", "qc.map"] {
        assert!(dir.join(name).exists(), "{name}");
    }
    let r = read_report(&dir.join("qc.json"));
    assert_eq!(errors(&r), SENSOR_ERRORS);
    assert_eq!(r.stream.media, "bayer");
    let out = qc().args(args("never")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // A wrong frame description is a usage error.
    let (code, _, stderr) = run_qc(&[clip.to_str().unwrap(), "--raw", "64", "x", "rggb"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("height 'x'"), "{stderr}");
}

#[test]
fn the_command_names_the_file_when_it_cannot_check() {
    init();
    let dir = temp_dir("cli-errors");
    let report = dir.join("qc.html");
    let report_s = report.to_str().unwrap();

    // An input that does not exist.
    let missing = dir.join("missing.webm");
    let (code, _, stderr) = run_qc(&[missing.to_str().unwrap(), "--report", report_s]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read") && stderr.contains("missing.webm"),
        "{stderr}"
    );

    // A file that is no media.
    let text = dir.join("notes.txt");
    std::fs::write(&text, "not a clip\n".repeat(100)).unwrap();
    let (code, _, stderr) = run_qc(&[text.to_str().unwrap(), "--report", report_s, "-q"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("notes.txt"), "{stderr}");

    // A report in a folder that does not exist.
    let clip = raw_clip(&dir);
    let nowhere = dir.join("no-such-folder").join("qc.html");
    let (code, _, stderr) = run_qc(&[
        clip.to_str().unwrap(),
        "--raw",
        "64",
        "48",
        "rggb",
        "--report",
        nowhere.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot write") && stderr.contains("no-such-folder/qc.html"),
        "{stderr}"
    );

    // Sound only.
    init();
    let wav = dir.join("tone.wav");
    let pipeline = gst::parse::launch(&format!(
        "audiotestsrc num-buffers=20 ! wavenc ! filesink location={}",
        wav.display()
    ))
    .unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    finish_at_eos(&pipeline, 30);
    let (code, _, stderr) = run_qc(&[wav.to_str().unwrap(), "--report", report_s, "-q"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("tone.wav") && stderr.contains("no video"),
        "{stderr}"
    );

    // No report was left behind by any of these.
    for name in ["qc.html", "qc.map"] {
        assert!(!dir.join(name).exists(), "{name} left behind");
    }
    let left = temporary_files(&dir);
    assert!(left.is_empty(), "{left:?}");
}

/// Names of the temporary files left in `dir`.
fn temporary_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}
