//! `defectfix-qc`: pixel-error quality control of a clip, from one command.
//!
//! ```text
//! defectfix-qc clip.mov --report qc.html
//! defectfix-qc frames.raw --raw 1920 1080 rggb12le --framerate 24 --report qc --fail-on moderate
//! ```
//!
//! Runs `filesrc ! decodebin ! videoconvert ! defectfix mode=detect report=… ! fakesink`
//! (or, with `--raw`, the frames straight into `defectfix`), shows progress on the
//! terminal, and exits with status 1 when an error at least as severe as `--fail-on`
//! was found, 2 when the clip could not be checked, 0 otherwise.

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::{Parser, ValueEnum};
use gst::prelude::*;
use gstdefectfix::frame::FrameFormat;
use gstdefectfix::qc::{Rate, Target};

/// Exit status when errors at or above `--fail-on` were found.
const FOUND: u8 = 1;
/// Exit status when the clip could not be checked.
const FAILED: u8 = 2;

/// When the command fails a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    /// Any severe error.
    Severe,
    /// Any moderate or severe error.
    Moderate,
    /// Any error at all.
    Minor,
    /// Never: only report.
    Never,
}

#[derive(Parser, Debug)]
#[command(
    name = "defectfix-qc",
    version,
    about = "Pixel-error quality control of a clip: where each defective pixel is, when it \
             appears and disappears, how visible it is, with pictures, and a defect map for \
             paint-out",
    after_help = "Exit status: 0 no error at or above --fail-on, 1 such errors found, \
                  2 the clip could not be checked."
)]
struct Args {
    /// The clip: any file GStreamer decodes, or headerless raw frames with --raw.
    input: PathBuf,

    /// Where the report goes: NAME.html a self-contained page, NAME.json the data, a
    /// NAME without extension both; NAME.map, a defect map of the confirmed errors for
    /// paint-out, is written beside it. [default: INPUT's name plus -qc.html, in the
    /// current folder]
    #[arg(short, long, value_name = "PATH")]
    report: Option<PathBuf>,

    /// The input is raw sensor frames, packed one after another: WIDTH HEIGHT FORMAT
    /// (a Bayer format such as rggb, grbg10le, rggb12le, or GRAY8, GRAY16_LE).
    #[arg(long, num_args = 3, value_names = ["WIDTH", "HEIGHT", "FORMAT"])]
    raw: Option<Vec<String>>,

    /// Frame rate of raw input, N or N/D (decoded clips carry their own).
    #[arg(long, value_name = "RATE", default_value = "25")]
    framerate: String,

    /// Exit with status 1 when an error at least this severe was found.
    #[arg(long, value_enum, default_value_t = FailOn::Severe)]
    fail_on: FailOn,

    /// A defect map of known positions (their errors are reported as from the map).
    #[arg(long, value_name = "FILE")]
    defect_map: Option<PathBuf>,

    /// Detection sensitivity (the element's default is 1.0; higher finds fainter
    /// errors).
    #[arg(long, value_name = "S")]
    sensitivity: Option<f64>,

    /// Raw input: also learn defects that come back frame after frame, and follow them
    /// in every frame.
    #[arg(long)]
    learn: bool,

    /// No progress on the terminal.
    #[arg(short, long)]
    quiet: bool,
}

/// A failure: the message to print.
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(Failure(message)) => {
            eprintln!("defectfix-qc: {message}");
            ExitCode::from(FAILED)
        }
    }
}

/// The frame rate `s` (`N` or `N/D`).
fn parse_rate(s: &str) -> Option<Rate> {
    let (n, d) = s.split_once('/').unwrap_or((s, "1"));
    Rate::new(n.trim().parse().ok()?, d.trim().parse().ok()?)
}

/// The default report path: the input's name plus `-qc.html`, in the current folder.
fn default_report(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "clip".to_string());
    PathBuf::from(format!("{stem}-qc.html"))
}

/// Caps and frame size of raw input.
fn raw_caps(raw: &[String], rate: Rate) -> Result<(gst::Caps, usize), Failure> {
    let [w, h, format] = raw else {
        return Err(Failure("--raw takes WIDTH HEIGHT FORMAT".into()));
    };
    let size = |s: &str, what: &str| {
        s.parse::<i64>()
            .map_err(|_| Failure(format!("--raw: {what} '{s}' is not a number")))
    };
    let (w, h) = (size(w, "width")?, size(h, "height")?);
    let media = if format.to_ascii_uppercase().starts_with("GRAY") {
        "video/x-raw"
    } else {
        "video/x-bayer"
    };
    let f = FrameFormat::parse(media, format, w, h).map_err(|e| Failure(format!("--raw: {e}")))?;
    let caps = gst::Caps::builder(media)
        .field("format", format.as_str())
        .field("width", f.width as i32)
        .field("height", f.height as i32)
        .field(
            "framerate",
            gst::Fraction::new(rate.num as i32, rate.den as i32),
        )
        .build();
    Ok((caps, f.row_bytes() * f.height))
}

fn element(factory: &str) -> Result<gst::Element, Failure> {
    gst::ElementFactory::make(factory).build().map_err(|_| {
        Failure(format!(
            "the GStreamer element '{factory}' is missing (install GStreamer's base plugins)"
        ))
    })
}

/// What the bus told.
#[derive(Default)]
struct Outcome {
    frames: u64,
    errors: u64,
    severe: u64,
    moderate: u64,
    minor: u64,
    files: Vec<String>,
    reported: bool,
}

fn run(args: &Args) -> Result<u8, Failure> {
    let input = &args.input;
    let shown = input.display();
    // The input must be a readable file.
    match std::fs::metadata(input) {
        Ok(m) if m.is_dir() => return Err(Failure(format!("'{shown}' is a folder, not a clip"))),
        Ok(_) => {
            std::fs::File::open(input)
                .map_err(|e| Failure(format!("cannot read '{shown}': {e}")))?;
        }
        Err(e) => return Err(Failure(format!("cannot read '{shown}': {e}"))),
    }
    let report = args.report.clone().unwrap_or_else(|| default_report(input));
    let report_str = report
        .to_str()
        .ok_or_else(|| {
            Failure(format!(
                "the report path '{}' is not UTF-8",
                report.display()
            ))
        })?
        .to_string();
    Target::for_path(&report)
        .check()
        .map_err(|e| Failure(format!("cannot write the report: {e}")))?;
    let rate = parse_rate(&args.framerate)
        .ok_or_else(|| Failure(format!("--framerate '{}' is not a rate", args.framerate)))?;
    gst::init()?;
    let raw = args.raw.as_deref().map(|r| raw_caps(r, rate)).transpose()?;
    // The elements built into this program, whether or not a plugin is installed: the
    // report is the one this version writes.
    gstdefectfix::plugin_register_static()?;

    let pipeline = gst::Pipeline::new();
    let src = element("filesrc")?;
    src.set_property(
        "location",
        input.to_str().ok_or("the input path is not UTF-8")?,
    );
    let fix = element("defectfix")?;
    fix.set_property_from_str("mode", "detect");
    fix.set_property("report", &report_str);
    if let Some(map) = &args.defect_map {
        let map = map.to_str().ok_or("the defect map path is not UTF-8")?;
        fix.set_property("defect-map", map);
    }
    if let Some(s) = args.sensitivity {
        fix.set_property("sensitivity", s);
    }
    fix.set_property("learn", args.learn);
    let sink = element("fakesink")?;
    sink.set_property("sync", false);
    pipeline.add_many([&src, &fix, &sink])?;
    fix.link(&sink)?;
    // Whether a video stream was found (decoded input).
    let video = Arc::new(AtomicBool::new(false));
    let total_frames = match &raw {
        Some((caps, frame_bytes)) => {
            src.set_property("blocksize", *frame_bytes as u32);
            let filter = element("capsfilter")?;
            filter.set_property("caps", caps);
            pipeline.add(&filter)?;
            gst::Element::link_many([&src, &filter, &fix])?;
            video.store(true, Ordering::SeqCst);
            let size = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
            Some(size / (*frame_bytes as u64).max(1))
        }
        None => {
            let decode = element("decodebin")?;
            let convert = element("videoconvert")?;
            pipeline.add_many([&decode, &convert])?;
            src.link(&decode)?;
            convert.link(&fix)?;
            link_decoded(&pipeline, &decode, &convert, &video);
            None
        }
    };

    let result = watch(args, &pipeline, &video, total_frames);
    let _ = pipeline.set_state(gst::State::Null);
    let outcome = result?;
    if !outcome.reported {
        return Err(Failure(format!("no report was written for '{shown}'")));
    }
    finish(args, &outcome)
}

/// Links decodebin's first video stream to `convert`; other streams go to fakesinks.
/// When all streams are known and none is video, an application message
/// `defectfix-qc-no-video` says so.
fn link_decoded(
    pipeline: &gst::Pipeline,
    decode: &gst::Element,
    convert: &gst::Element,
    video: &Arc<AtomicBool>,
) {
    let weak = pipeline.downgrade();
    let convert = convert.clone();
    let found = video.clone();
    decode.connect_pad_added(move |_, pad| {
        let Some(pipeline) = weak.upgrade() else {
            return;
        };
        let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
        let is_video = caps
            .structure(0)
            .is_some_and(|s| s.name().starts_with("video/"));
        if is_video
            && !found.load(Ordering::SeqCst)
            && let Some(sinkpad) = convert.static_pad("sink")
            && pad.link(&sinkpad).is_ok()
        {
            found.store(true, Ordering::SeqCst);
            return;
        }
        // Any other stream runs into a fakesink.
        if let Ok(sink) = gst::ElementFactory::make("fakesink")
            .property("sync", false)
            .build()
            && pipeline.add(&sink).is_ok()
        {
            let _ = sink.sync_state_with_parent();
            if let Some(sinkpad) = sink.static_pad("sink") {
                let _ = pad.link(&sinkpad);
            }
        }
    });
    let found = video.clone();
    decode.connect_no_more_pads(move |decode| {
        if !found.load(Ordering::SeqCst) {
            let s = gst::Structure::new_empty("defectfix-qc-no-video");
            let _ = decode.post_message(gst::message::Application::builder(s).src(decode).build());
        }
    });
}

/// Plays the pipeline to its end, showing progress; what the bus said.
fn watch(
    args: &Args,
    pipeline: &gst::Pipeline,
    video: &AtomicBool,
    total_frames: Option<u64>,
) -> Result<Outcome, Failure> {
    let shown = args.input.display();
    let bus = pipeline.bus().ok_or("the pipeline has no bus")?;
    let progress = !args.quiet && std::io::stderr().is_terminal();
    let start = Instant::now();
    let mut outcome = Outcome::default();
    let mut line = false;
    if let Err(e) = pipeline.set_state(gst::State::Playing) {
        // The reason is on the bus.
        let reason = bus
            .timed_pop_filtered(gst::ClockTime::ZERO, &[gst::MessageType::Error])
            .and_then(|m| match m.view() {
                gst::MessageView::Error(err) => Some(err.error().to_string()),
                _ => None,
            })
            .unwrap_or_else(|| e.to_string());
        return Err(Failure(format!("cannot check '{shown}': {reason}")));
    }
    for msg in bus.iter_timed(gst::ClockTime::NONE) {
        match msg.view() {
            gst::MessageView::Eos(_) => break,
            gst::MessageView::Error(e) => {
                if line {
                    eprintln!();
                }
                let no_video = !video.load(Ordering::SeqCst);
                let why = e.error().to_string();
                return Err(Failure(if no_video {
                    format!("'{shown}': no video stream GStreamer can decode ({why})")
                } else {
                    format!("cannot check '{shown}': {why}")
                }));
            }
            gst::MessageView::Application(a)
                if a.structure()
                    .is_some_and(|s| s.name() == "defectfix-qc-no-video") =>
            {
                return Err(Failure(format!("'{shown}' has no video stream")));
            }
            gst::MessageView::Element(e) => {
                let Some(s) = e.structure() else { continue };
                let get = |f: &str| s.get::<u64>(f).unwrap_or(0);
                match s.name().as_str() {
                    "defectfix-report-progress" if progress => {
                        let left = time_left(
                            pipeline,
                            start,
                            get("frames"),
                            get("position"),
                            total_frames,
                        );
                        eprint!(
                            "\r{} frames, {} errors so far ({} severe){}   ",
                            get("frames"),
                            get("errors"),
                            get("severe"),
                            left.map(|l| format!(", {l} left")).unwrap_or_default()
                        );
                        let _ = std::io::stderr().flush();
                        line = true;
                    }
                    "defectfix-report" => {
                        outcome.reported = true;
                        outcome.frames = get("frames");
                        outcome.errors = get("errors");
                        outcome.severe = get("severe");
                        outcome.moderate = get("moderate");
                        outcome.minor = get("minor");
                        outcome.files = ["html", "json", "map"]
                            .iter()
                            .filter_map(|&f| s.get::<String>(f).ok())
                            .filter(|f| !f.is_empty())
                            .collect();
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if line {
        eprintln!();
    }
    if !video.load(Ordering::SeqCst) || (outcome.reported && outcome.frames == 0) {
        return Err(Failure(format!("'{shown}' has no video frames")));
    }
    Ok(outcome)
}

/// Time left, from the progress so far: frames of a raw file, else the position in
/// the clip's duration.
fn time_left(
    pipeline: &gst::Pipeline,
    start: Instant,
    frames: u64,
    position: u64,
    total_frames: Option<u64>,
) -> Option<String> {
    let elapsed = start.elapsed().as_secs_f64();
    let done = match total_frames {
        Some(total) => frames as f64 / total.max(1) as f64,
        None => {
            let duration = pipeline.query_duration::<gst::ClockTime>()?.nseconds();
            position as f64 / duration.max(1) as f64
        }
    };
    if done <= 0.0 || elapsed <= 0.0 {
        return None;
    }
    let left = (elapsed / done.min(1.0) - elapsed).max(0.0) as u64;
    Some(format!(
        "{:02}:{:02}:{:02}",
        left / 3600,
        left / 60 % 60,
        left % 60
    ))
}

/// Prints the result; the exit status.
fn finish(args: &Args, o: &Outcome) -> Result<u8, Failure> {
    println!(
        "{}: {} frames, {} pixel error{}: {} severe, {} moderate, {} minor",
        args.input.display(),
        o.frames,
        o.errors,
        if o.errors == 1 { "" } else { "s" },
        o.severe,
        o.moderate,
        o.minor
    );
    for f in &o.files {
        println!("written: {f}");
    }
    let failed = match args.fail_on {
        FailOn::Severe => o.severe > 0,
        FailOn::Moderate => o.severe + o.moderate > 0,
        FailOn::Minor => o.errors > 0,
        FailOn::Never => false,
    };
    if failed {
        eprintln!(
            "defectfix-qc: FAIL: pixel errors at or above '{}' found",
            args.fail_on
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default()
        );
        Ok(FOUND)
    } else {
        Ok(0)
    }
}
