//! Many streams, one process: `N` live Bayer streams (default 8 × 1920×1080 `rggb` at 30
//! frames/s), each `appsrc ! defectfix ! fakesink` in a pipeline of its own, all in one
//! process, pushed in real time; whether every stream keeps up, the CPU share the
//! process takes, its threads (the plugin's one shared pool) and memory per stream.
//!
//! ```text
//! cargo run --release --example multistream -- [--streams 8] [--width 1920] [--height 1080]
//!     [--format rggb] [--fps 30] [--seconds 10] [--warmup 1] [--n-threads 0]
//!     [--set PROP=VALUE]... [--frames 16] [--buffers 8] [--stagger]
//! ```
//! `make multistream` runs the defaults.
//!
//! Each stream plays a few distinct frames (`--frames`, default 16) of a textured scene
//! panning 1–2 whole pixels a frame, each with fresh noise (the recipe of the engine
//! bench's `defaults`), offset and seeded per stream, played forwards then backwards so
//! that the pan never jumps. One thread per stream waits until frame `i` is due (`i / fps`
//! after the start, its timestamp; a frame already due goes at once and counts as late),
//! copies it into a buffer of a recycled `gst::BufferPool` of `--buffers` buffers (the
//! copy is the source's cost, not the element's) and pushes it; when every buffer is
//! still downstream the frame is dropped, as a capture device drops it. Latency is from
//! the push to `fakesink`'s handoff. By default the frames of all the streams are
//! due at the same instants (genlocked cameras, the worst case); `--stagger` spreads the
//! streams over one frame interval.
//!
//! The same streams run twice, each in a child process of its own so that threads,
//! resident memory and CPU time are the run's alone: with `identity` in place of the
//! element, then with `defectfix` (`--n-threads` and `--set` go to every `defectfix`);
//! defectfix's own share is the difference. `--only identity|defectfix` makes one run in
//! this process. Linux only: CPU time, threads and memory come from `/proc/self`.

use std::collections::BTreeMap;
use std::error::Error;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use gst::glib;
use gst::prelude::*;
use gstdefectfix::frame::{FrameFormat, PlaneMut};
use gstdefectfix::sim::SplitMix64;

type Res<T> = Result<T, Box<dyn Error>>;

/// Clock ticks per second of the CPU times in `/proc/<pid>/stat` (`getconf CLK_TCK`):
/// 100 on every Linux this runs on (USER_HZ is fixed at 100 in the kernel's ABI), read
/// as that constant rather than through `sysconf`.
const CLK_TCK: f64 = 100.0;

/// The line that carries a child run's figures to the parent.
const SUMMARY: &str = "@summary ";

const MIB: f64 = 1024.0 * 1024.0;

#[derive(Parser, Debug)]
#[command(about = "Many live Bayer streams through defectfix in one process")]
struct Args {
    /// Streams, each its own pipeline and element.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    streams: u32,
    #[arg(long, default_value_t = 1920, value_parser = clap::value_parser!(u32).range(2..=16384))]
    width: u32,
    #[arg(long, default_value_t = 1080, value_parser = clap::value_parser!(u32).range(2..=16384))]
    height: u32,
    /// Bayer caps format: rggb, bggr, ..., rggb16le, rggb12le, ...
    #[arg(long, default_value = "rggb")]
    format: String,
    /// Frames per second of every stream.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=1000))]
    fps: u32,
    /// Seconds measured.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=3600))]
    seconds: u32,
    /// Seconds streamed before the measured interval (set-up, first frames); their
    /// frames are counted as pushed and delivered but not in the latencies.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=600))]
    warmup: u32,
    /// The `n-threads` property of every defectfix (0 = the whole shared pool).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1024))]
    n_threads: u32,
    /// Another defectfix property, as gst-launch would take it (repeatable).
    #[arg(long = "set", value_name = "PROP=VALUE")]
    set: Vec<String>,
    /// Distinct frames per stream (played forwards, then backwards).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(2..=256))]
    frames: u32,
    /// Buffers of each stream's source pool: a frame that finds them all still
    /// downstream is dropped, as a capture device drops it.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(2..=1024))]
    buffers: u32,
    /// Spread the streams' due times evenly over one frame interval.
    #[arg(long)]
    stagger: bool,
    /// Make one run, in this process, instead of both in child processes.
    #[arg(long, value_parser = ["identity", "defectfix"])]
    only: Option<String>,
}

fn main() -> Res<()> {
    if !cfg!(target_os = "linux") || std::fs::metadata("/proc/self/stat").is_err() {
        return Err("multistream measures through /proc/self (Linux only)".into());
    }
    let args = Args::parse();
    gst::init()?;
    gstdefectfix::plugin_register_static()?;
    // The properties are checked on an element of their own before any run starts.
    let probe = gst::ElementFactory::make("defectfix").build()?;
    for kv in &args.set {
        let (name, value) = kv
            .split_once('=')
            .ok_or_else(|| format!("--set {kv}: expected PROP=VALUE"))?;
        set_property(&probe, name, value)?;
    }
    drop(probe);
    format_of(&args)?;
    match args.only.as_deref() {
        Some(element) => {
            let summary = run(&args, element)?;
            println!("{SUMMARY}{summary}");
            Ok(())
        }
        None => both(&args),
    }
}

/// The identity run, then the defectfix run, each in a child process; then the
/// difference.
fn both(args: &Args) -> Res<()> {
    let exe = std::env::current_exe()?;
    let mut summaries = Vec::new();
    for element in ["identity", "defectfix"] {
        let out = Command::new(&exe)
            .args(std::env::args_os().skip(1))
            .args(["--only", element])
            .stderr(std::process::Stdio::inherit())
            .output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let mut summary = None;
        for line in text.lines() {
            match line.strip_prefix(SUMMARY) {
                Some(json) => summary = Some(serde_json::from_str::<serde_json::Value>(json)?),
                None => println!("{line}"),
            }
        }
        if !out.status.success() {
            return Err(format!("the {element} run failed ({})", out.status).into());
        }
        summaries.push(summary.ok_or_else(|| format!("the {element} run gave no summary"))?);
    }
    let num = |s: &serde_json::Value, key: &str| -> Res<f64> {
        s[key]
            .as_f64()
            .ok_or_else(|| format!("summary without {key}").into())
    };
    let (id, fix) = (&summaries[0], &summaries[1]);
    let cores = num(fix, "machine_cores")?;
    let own = num(fix, "cores_busy")? - num(id, "cores_busy")?;
    let per_frame = num(fix, "cpu_per_frame_s")? - num(id, "cpu_per_frame_s")?;
    let needed = per_frame * f64::from(args.fps) * f64::from(args.streams);
    println!("### defectfix's own share (defectfix run − identity run)\n");
    println!(
        "- CPU: {:.2} − {:.2} = **{own:.2} cores busy**, {:.0} % of the machine's {cores:.0} cores \
         ({:.1} % of one core per stream)",
        num(fix, "cores_busy")?,
        num(id, "cores_busy")?,
        100.0 * own / cores,
        100.0 * own / f64::from(args.streams),
    );
    println!(
        "- CPU per frame: {:.2} − {:.2} = **{:.2} ms** ({:.0} and {:.0} frames through in the \
         measured interval); every frame of the {} streams at {} frames/s would take \
         **{needed:.2} cores** of the machine's {cores:.0}",
        1000.0 * num(fix, "cpu_per_frame_s")?,
        1000.0 * num(id, "cpu_per_frame_s")?,
        1000.0 * per_frame,
        num(fix, "frames_done")?,
        num(id, "frames_done")?,
        args.streams,
        args.fps,
    );
    println!(
        "- threads while streaming: {:.0} against {:.0} (defectfix-* pool threads: {:.0} against {:.0})",
        num(fix, "threads")?,
        num(id, "threads")?,
        num(fix, "pool_threads")?,
        num(id, "pool_threads")?,
    );
    println!(
        "- resident memory per stream: {:.1} MiB against {:.1} MiB; without the source's pool \
         buffers {:.1} MiB against {:.1} MiB: **{:.1} MiB** for defectfix",
        num(fix, "rss_per_stream_mib")?,
        num(id, "rss_per_stream_mib")?,
        num(fix, "rest_per_stream_mib")?,
        num(id, "rest_per_stream_mib")?,
        num(fix, "rest_per_stream_mib")? - num(id, "rest_per_stream_mib")?,
    );
    println!(
        "- real time: {:.0} of {} streams with identity, {:.0} of {} with defectfix",
        num(id, "realtime_streams")?,
        args.streams,
        num(fix, "realtime_streams")?,
        args.streams,
    );
    Ok(())
}

/// What the sink saw of one stream.
#[derive(Default)]
struct SinkStats {
    /// Every frame that reached the sink.
    delivered: u64,
    /// Latencies of the frames of the measured interval.
    measured: u64,
    sum_ns: u64,
    max_ns: u64,
    /// Measured frames later than one frame interval.
    over: u64,
    /// Largest latency during the warm-up.
    warm_max_ns: u64,
    /// Buffers whose timestamp names no pushed frame.
    unknown: u64,
}

/// State one stream's pusher and sink share.
struct Shared {
    epoch: Instant,
    fps: u64,
    interval_ns: u64,
    first_measured: u64,
    /// When each frame was pushed, in ns after `epoch`, plus one (0: not pushed).
    pushed_at: Vec<AtomicU64>,
    /// Frames that reached the sink so far (the pusher reads it).
    delivered: AtomicU64,
    stats: Mutex<SinkStats>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn pts(&self, i: u64) -> gst::ClockTime {
        gst::ClockTime::from_nseconds(i * 1_000_000_000 / self.fps)
    }

    /// The handoff of a buffer at `now` (ns after `epoch`).
    fn arrived(&self, buffer: &gst::BufferRef, now: u64) {
        let mut stats = lock(&self.stats);
        stats.delivered += 1;
        self.delivered.fetch_add(1, Ordering::Release);
        // pts = floor(i * 1e9 / fps), so this rounding gives i back.
        let index = buffer
            .pts()
            .map(|t| (t.nseconds() * self.fps + 500_000_000) / 1_000_000_000);
        let pushed = index
            .and_then(|i| self.pushed_at.get(i as usize).map(|p| (i, p)))
            .map(|(i, p)| (i, p.load(Ordering::Acquire)));
        let Some((i, pushed)) = pushed.filter(|&(_, p)| p > 0) else {
            stats.unknown += 1;
            return;
        };
        let latency = now.saturating_sub(pushed - 1);
        if i < self.first_measured {
            stats.warm_max_ns = stats.warm_max_ns.max(latency);
            return;
        }
        stats.measured += 1;
        stats.sum_ns += latency;
        stats.max_ns = stats.max_ns.max(latency);
        if latency > self.interval_ns {
            stats.over += 1;
        }
    }
}

/// What one pusher did.
#[derive(Default, Clone, Copy)]
struct PushStats {
    pushed: u64,
    late: u64,
    max_late_ns: u64,
    /// Frames dropped because every buffer of the pool was still downstream.
    dropped: u64,
    /// The most frames pushed and not yet at the sink, seen just after a push.
    max_in_flight: u64,
}

struct Stream {
    pipeline: gst::Pipeline,
    src: gst_app::AppSrc,
    pool: gst::BufferPool,
    shared: Arc<Shared>,
}

/// One run: `args.streams` pipelines with `element`, measured. Prints its tables and
/// returns its summary (JSON) for the parent.
fn run(args: &Args, element: &str) -> Res<serde_json::Value> {
    let format = format_of(args)?;
    let streams = args.streams as usize;
    let fps = u64::from(args.fps);
    let interval_ns = 1_000_000_000 / fps;
    let first_measured = u64::from(args.warmup) * fps;
    let total = first_measured + u64::from(args.seconds) * fps;
    let load_start = loadavg()?;

    let frame_bytes = format.default_size() * args.frames as usize * streams;
    if frame_bytes as u64 > mem_available()? / 2 {
        return Err(format!(
            "{streams} streams × {} frames of {} bytes need {:.0} MiB: more than half of the \
             memory available; use fewer --frames or --streams",
            args.frames,
            format.default_size(),
            frame_bytes as f64 / MIB
        )
        .into());
    }
    let rss_before = vm_rss()?;
    let frames = make_frames(&format, streams, args.frames as usize)?;
    let rss_frames = vm_rss()?;

    let caps = gst::Caps::builder("video/x-bayer")
        .field("format", args.format.as_str())
        .field("width", args.width as i32)
        .field("height", args.height as i32)
        .field("framerate", gst::Fraction::new(args.fps as i32, 1))
        .build();
    let epoch = Instant::now();
    let mut built = Vec::with_capacity(streams);
    for _ in 0..streams {
        built.push(stream(
            args,
            element,
            &format,
            &caps,
            epoch,
            total,
            first_measured,
        )?);
    }
    // Live pipelines: PLAYING completes with their first buffer, so no waiting for it.
    for s in &built {
        s.pipeline.set_state(gst::State::Playing)?;
    }

    // Pushers: the first frames are due a little after every thread has started.
    let start = Instant::now() + Duration::from_millis(300);
    let mut pushers = Vec::with_capacity(streams);
    for (k, (s, frames)) in built.iter().zip(frames).enumerate() {
        let offset = if args.stagger {
            Duration::from_nanos(interval_ns * k as u64 / streams as u64)
        } else {
            Duration::ZERO
        };
        let (src, pool, shared) = (s.src.clone(), s.pool.clone(), s.shared.clone());
        let pusher = thread::Builder::new()
            .name(format!("push-{k}"))
            .spawn(move || push(&src, &pool, &shared, &frames, start + offset, total))?;
        pushers.push(pusher);
    }

    // The measured interval: CPU time, threads and memory.
    let window_start = start + Duration::from_secs(u64::from(args.warmup));
    let window_end = window_start + Duration::from_secs(u64::from(args.seconds));
    sleep_until(window_start);
    let done = || -> u64 {
        built
            .iter()
            .map(|s| s.shared.delivered.load(Ordering::Acquire))
            .sum()
    };
    let (cpu0, pool0, t0, done0) = (process_cpu()?, pool_cpu(), Instant::now(), done());
    let mut threads = ThreadSample::default();
    let mut rss_streaming = 0u64;
    loop {
        let sample = thread_sample();
        if sample.total >= threads.total {
            threads = sample;
        }
        rss_streaming = rss_streaming.max(vm_rss()?);
        let now = Instant::now();
        if now >= window_end {
            break;
        }
        thread::sleep((window_end - now).min(Duration::from_millis(250)));
    }
    let (cpu1, pool1, t1, done1) = (process_cpu()?, pool_cpu(), Instant::now(), done());
    let frames_done = done1 - done0;
    let wall = (t1 - t0).as_secs_f64();
    let cpu = cpu1 - cpu0;
    let pool_cpu_s = pool1
        .iter()
        .map(|(tid, t)| t - pool0.get(tid).copied().unwrap_or(0.0))
        .fold(0.0, |a, b| a + b);

    let mut pushed = Vec::with_capacity(streams);
    let mut failures = Vec::new();
    for (k, p) in pushers.into_iter().enumerate() {
        match p.join() {
            Ok(Ok(stats)) => pushed.push(stats),
            Ok(Err(e)) => {
                failures.push(format!("stream {k}: {e}"));
                pushed.push(PushStats::default());
            }
            Err(_) => return Err(format!("the pusher of stream {k} panicked").into()),
        }
    }
    // Drain: every pipeline's EOS (or error), within a generous limit.
    let deadline = Instant::now() + Duration::from_secs(30 + u64::from(args.seconds));
    for (k, s) in built.iter().enumerate() {
        let bus = s.pipeline.bus().ok_or("pipeline without a bus")?;
        let left = deadline.saturating_duration_since(Instant::now());
        match bus.timed_pop_filtered(
            gst::ClockTime::from_nseconds(left.as_nanos() as u64),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        ) {
            None => failures.push(format!(
                "stream {k}: no end of stream within the time limit"
            )),
            Some(msg) => {
                if let gst::MessageView::Error(e) = msg.view() {
                    failures.push(format!("stream {k}: {}", e.error()));
                }
            }
        }
    }
    // The pools keep every buffer they made, so after the drain they still hold as
    // many as a stream that fell behind needed.
    let rss_drained = vm_rss()?;
    rss_streaming = rss_streaming.max(rss_drained);
    for s in &built {
        s.pipeline.set_state(gst::State::Null)?;
        s.pool.set_active(false)?;
    }
    let load_end = loadavg()?;

    // The report.
    let machine_cores = thread::available_parallelism().map_or(1, |n| n.get());
    let interval_ms = interval_ns as f64 / 1e6;
    let extra = if element == "defectfix" {
        let mut e = format!(", n-threads {}", args.n_threads);
        for kv in &args.set {
            e.push_str(&format!(", {kv}"));
        }
        e
    } else {
        String::new()
    };
    println!(
        "### {element}: {streams} × {}×{} {} at {} frames/s{extra}{}\n",
        args.width,
        args.height,
        args.format,
        args.fps,
        if args.stagger { ", staggered" } else { "" },
    );
    println!(
        "{} s measured after {} s of warm-up, {} frames per stream in all; latency = push to \
         fakesink handoff, over the measured frames; the other counts are over every frame. \
         A push is late when its frame was already due before the pusher slept for it; the \
         push delay (from the due time) includes copying the frame into its buffer. Real \
         time: every frame delivered and none over one frame interval.\n",
        args.seconds, args.warmup, total
    );
    println!(
        "| stream | pushed | dropped (no free buffer) | late pushes | max push delay | most in flight | delivered | mean latency | max latency | over {interval_ms:.1} ms | real time |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let mut all = SinkStats::default();
    let mut all_push = PushStats::default();
    let mut realtime = 0;
    let mut warm_max = 0u64;
    let mut pool_bytes = 0u64;
    for (k, (s, p)) in built.iter().zip(&pushed).enumerate() {
        let st = lock(&s.shared.stats);
        let missing = total.saturating_sub(st.delivered);
        let verdict = if missing == 0 && st.over == 0 && st.unknown == 0 {
            realtime += 1;
            "yes".to_string()
        } else {
            format!("**no**: {} over, {missing} missing", st.over)
        };
        println!("{}", stream_row(&k.to_string(), p, &st, &verdict));
        all.delivered += st.delivered;
        all.measured += st.measured;
        all.sum_ns += st.sum_ns;
        all.max_ns = all.max_ns.max(st.max_ns);
        all.over += st.over;
        all.unknown += st.unknown;
        warm_max = warm_max.max(st.warm_max_ns);
        all_push.pushed += p.pushed;
        all_push.late += p.late;
        all_push.dropped += p.dropped;
        all_push.max_late_ns = all_push.max_late_ns.max(p.max_late_ns);
        all_push.max_in_flight = all_push.max_in_flight.max(p.max_in_flight);
        // The pool holds its first 4 buffers, or as many as were out at once (one
        // being filled besides those in flight) when that is more, up to its limit.
        let made = (p.max_in_flight + 1).min(u64::from(args.buffers));
        pool_bytes += made.max(u64::from(args.buffers.min(4))) * format.default_size() as u64;
    }
    let verdict = format!("**{realtime} of {streams}**");
    println!("{}\n", stream_row("**all**", &all_push, &all, &verdict));
    let cores_busy = cpu / wall;
    let due = streams as u64 * u64::from(args.seconds) * fps;
    let cpu_per_frame = cpu / frames_done.max(1) as f64;
    println!(
        "- frames through the element in the measured interval: {frames_done} of the {due} due \
         ({:.0} frames/s of {}); CPU time per frame (whole process): {:.2} ms",
        frames_done as f64 / wall,
        streams as u64 * fps,
        1000.0 * cpu_per_frame,
    );
    println!(
        "- CPU time (user + system, the whole process) over {wall:.2} s: {cpu:.2} s = **{cores_busy:.2} \
         cores busy**, {:.0} % of the machine's {machine_cores} cores; in the defectfix-* pool \
         threads: {pool_cpu_s:.2} s",
        100.0 * cores_busy / machine_cores as f64,
    );
    println!(
        "- threads while streaming (most seen): **{}**, of them defectfix-* (the shared \
         pool): **{}**; by name: {}",
        threads.total,
        threads.pool,
        threads
            .names
            .iter()
            .map(|(n, c)| format!("{n} ×{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let per_stream =
        (rss_streaming as f64 - rss_before as f64 - frame_bytes as f64) / streams as f64 / MIB;
    let pool_per_stream = pool_bytes as f64 / streams as f64 / MIB;
    let rest_per_stream = per_stream - pool_per_stream;
    println!(
        "- resident memory (VmRSS): {:.1} MiB before the frames, {:.1} MiB with them, {:.1} MiB \
         streaming (most seen, the drained pipelines included); the frames this example \
         holds: {:.1} MiB; per stream (streaming − before − frames) / {streams} = \
         **{per_stream:.1} MiB**, of it the source's pool buffers ≈ {pool_per_stream:.1} MiB \
         (max(4, most in flight + 1) frames), the rest **{rest_per_stream:.1} MiB**",
        rss_before as f64 / MIB,
        rss_frames as f64 / MIB,
        rss_streaming as f64 / MIB,
        frame_bytes as f64 / MIB,
    );
    println!(
        "- warm-up (first {} s, not in the latencies above): max latency {:.1} ms",
        args.warmup,
        warm_max as f64 / 1e6
    );
    println!(
        "- load average (1, 5, 15 min): {} at the start, {} at the end",
        load_start, load_end
    );
    if all.unknown > 0 {
        println!(
            "- {} buffers reached a sink with an unknown timestamp",
            all.unknown
        );
    }
    for f in &failures {
        println!("- **failure**: {f}");
    }
    println!();
    Ok(serde_json::json!({
        "element": element,
        "cpu_s": cpu,
        "wall_s": wall,
        "cores_busy": cores_busy,
        "machine_cores": machine_cores,
        "pool_cpu_s": pool_cpu_s,
        "threads": threads.total,
        "pool_threads": threads.pool,
        "rss_per_stream_mib": per_stream,
        "rest_per_stream_mib": rest_per_stream,
        "realtime_streams": realtime,
        "frames_done": frames_done,
        "cpu_per_frame_s": cpu_per_frame,
    }))
}

/// The frames' format, as the options give it.
fn format_of(args: &Args) -> Res<FrameFormat> {
    FrameFormat::parse(
        "video/x-bayer",
        &args.format,
        i64::from(args.width),
        i64::from(args.height),
    )
    .map_err(|e| {
        format!(
            "--format {} at {}×{}: {e}",
            args.format, args.width, args.height
        )
        .into()
    })
}

/// One stream's pipeline, `appsrc ! element ! fakesink`, its buffer pool and the state
/// its pusher and sink share.
fn stream(
    args: &Args,
    element: &str,
    format: &FrameFormat,
    caps: &gst::Caps,
    epoch: Instant,
    total: u64,
    first_measured: u64,
) -> Res<Stream> {
    let pipeline = gst::Pipeline::new();
    let src = gst_app::AppSrc::builder()
        .caps(caps)
        .is_live(true)
        .format(gst::Format::Time)
        .do_timestamp(false)
        .max_bytes(0)
        .build();
    let mid = gst::ElementFactory::make(element).build()?;
    if element == "defectfix" {
        set_property(&mid, "n-threads", &args.n_threads.to_string())?;
        for kv in &args.set {
            let (name, value) = kv.split_once('=').ok_or("--set takes PROP=VALUE")?;
            set_property(&mid, name, value)?;
        }
    }
    let sink = gst::ElementFactory::make("fakesink")
        .property("sync", false)
        .property("signal-handoffs", true)
        .build()?;
    pipeline.add_many([src.upcast_ref(), &mid, &sink])?;
    gst::Element::link_many([src.upcast_ref(), &mid, &sink])?;

    let fps = u64::from(args.fps);
    let shared = Arc::new(Shared {
        epoch,
        fps,
        interval_ns: 1_000_000_000 / fps,
        first_measured,
        pushed_at: (0..total).map(|_| AtomicU64::new(0)).collect(),
        delivered: AtomicU64::new(0),
        stats: Mutex::new(SinkStats::default()),
    });
    let at_sink = shared.clone();
    sink.connect("handoff", false, move |values| {
        let now = at_sink.epoch.elapsed().as_nanos() as u64;
        if let Some(Ok(buffer)) = values.get(1).map(|v| v.get::<gst::Buffer>()) {
            at_sink.arrived(&buffer, now);
        }
        None
    });

    // Recycled buffers, at most `--buffers` of them.
    let pool = gst::BufferPool::new();
    let mut config = pool.config();
    let min = args.buffers.min(4);
    config.set_params(Some(caps), format.default_size() as u32, min, args.buffers);
    pool.set_config(config)?;
    pool.set_active(true)?;
    Ok(Stream {
        pipeline,
        src,
        pool,
        shared,
    })
}

/// Sets a property from its text (as gst-launch takes it), with an error where the
/// element has no such property, cannot take the value or would refuse it.
fn set_property(element: &gst::Element, name: &str, value: &str) -> Res<()> {
    let factory = element.factory().map_or("element".into(), |f| f.name());
    let pspec = element
        .find_property(name)
        .ok_or_else(|| format!("{factory} has no property {name}"))?;
    if !pspec.flags().contains(glib::ParamFlags::WRITABLE)
        || pspec.flags().contains(glib::ParamFlags::CONSTRUCT_ONLY)
    {
        return Err(format!("{factory}: property {name} cannot be set").into());
    }
    let v = glib::Value::deserialize(value, pspec.value_type())
        .map_err(|_| format!("{factory}: {name} cannot take the value {value}"))?;
    if !in_range(&pspec, &v) {
        return Err(format!("{factory}: {value} is out of the range of {name}").into());
    }
    element.set_property_from_value(name, &v);
    Ok(())
}

/// One row of the per-stream table: what the pusher and the sink counted.
fn stream_row(label: &str, p: &PushStats, st: &SinkStats, verdict: &str) -> String {
    format!(
        "| {label} | {} | {} | {} | {:.1} ms | {} | {} | {:.2} ms | {:.2} ms | {} | {verdict} |",
        p.pushed,
        p.dropped,
        p.late,
        p.max_late_ns as f64 / 1e6,
        p.max_in_flight,
        st.delivered,
        st.sum_ns as f64 / st.measured.max(1) as f64 / 1e6,
        st.max_ns as f64 / 1e6,
        st.over,
    )
}

/// Whether a numeric value lies in its property's range (other kinds: true).
fn in_range(pspec: &glib::ParamSpec, v: &glib::Value) -> bool {
    // One check per numeric kind of property: its spec's range against the value.
    macro_rules! within {
        ($($spec:ty => $value:ty),*) => {
            $(
                if let (Some(p), Ok(x)) = (pspec.downcast_ref::<$spec>(), v.get::<$value>()) {
                    return (p.minimum()..=p.maximum()).contains(&x);
                }
            )*
        };
    }
    within!(
        glib::ParamSpecUInt => u32,
        glib::ParamSpecInt => i32,
        glib::ParamSpecUInt64 => u64,
        glib::ParamSpecInt64 => i64,
        glib::ParamSpecDouble => f64,
        glib::ParamSpecFloat => f32
    );
    true
}

/// The pusher of one stream: at `start + i / fps`, frame `i` copied into a buffer of the
/// pool and pushed (dropped when the pool has none free); then the end of the stream.
fn push(
    src: &gst_app::AppSrc,
    pool: &gst::BufferPool,
    shared: &Shared,
    frames: &[Vec<u8>],
    start: Instant,
    total: u64,
) -> Result<PushStats, String> {
    let mut stats = PushStats::default();
    let dont_wait = gst::BufferPoolAcquireParams::with_flags(gst::BufferPoolAcquireFlags::DONTWAIT);
    // Forwards, then backwards without repeating the ends: the pan never jumps.
    let period = 2 * (frames.len() - 1);
    for i in 0..total {
        let due = start + Duration::from_nanos(shared.pts(i).nseconds());
        let now = Instant::now();
        if now < due {
            thread::sleep(due - now);
        } else {
            stats.late += 1;
        }
        let mut buffer = match pool.acquire_buffer(Some(&dont_wait)) {
            Ok(buffer) => buffer,
            // No free buffer: the frame is lost, as a capture device loses it.
            Err(gst::FlowError::Eos) => {
                stats.dropped += 1;
                continue;
            }
            Err(e) => return Err(format!("buffer for frame {i}: {e:?}")),
        };
        let k = i as usize % period;
        let frame = &frames[if k < frames.len() { k } else { period - k }];
        {
            let b = buffer.get_mut().ok_or("pool buffer not writable")?;
            b.set_pts(shared.pts(i));
            b.set_duration(shared.pts(i + 1) - shared.pts(i));
            let mut map = b.map_writable().map_err(|e| e.to_string())?;
            map.as_mut_slice().copy_from_slice(frame);
        }
        let at = shared.epoch.elapsed();
        let late_ns = at.saturating_sub(due - shared.epoch).as_nanos() as u64;
        stats.max_late_ns = stats.max_late_ns.max(late_ns);
        shared.pushed_at[i as usize].store(at.as_nanos() as u64 + 1, Ordering::Release);
        src.push_buffer(buffer)
            .map_err(|e| format!("push of frame {i}: {e:?}"))?;
        stats.pushed += 1;
        let delivered = shared.delivered.load(Ordering::Acquire).min(stats.pushed);
        stats.max_in_flight = stats.max_in_flight.max(stats.pushed - delivered);
    }
    src.end_of_stream()
        .map_err(|e| format!("end of stream: {e:?}"))?;
    Ok(stats)
}

/// `count` frames per stream of a textured scene (with hot and dead pixels) panning
/// right 1.5 px a frame (whole pixels, alternately 1 and 2), each with fresh noise (a few
/// DN at 16 bits, one at 8): the recipe of the engine bench's `defaults`, with each
/// stream starting at its own place in the scene and drawing its own noise.
fn make_frames(format: &FrameFormat, streams: usize, count: usize) -> Res<Vec<Vec<Vec<u8>>>> {
    let offset = |s: usize| (s * 7) % 32;
    let max_shift = 31 + (3 * (count - 1)) / 2;
    let (w, h) = (format.width, format.height);
    let wide = FrameFormat {
        width: w + max_shift + 4,
        ..*format
    };
    let scene = defectfix_eval::synthetic::textured_scene(&wide, true);
    let bytes = format.bytes_per_sample();
    let (sw, dw) = (wide.default_stride(), format.default_stride());
    let (max, amp) = (
        i32::from(format.max_value()),
        if bytes == 1 { 3u64 } else { 17 },
    );
    let mut all = Vec::with_capacity(streams);
    for s in 0..streams {
        let mut frames = Vec::with_capacity(count);
        for t in 0..count {
            let shift = offset(s) + (3 * t) / 2;
            let mut out = vec![0u8; format.default_size()];
            for y in 0..h {
                out[y * dw..][..dw].copy_from_slice(&scene[y * sw + shift * bytes..][..dw]);
            }
            let mut frame = PlaneMut::new(&mut out, format.plane(), dw)?;
            let mut rng = SplitMix64::new(0x2545_F491 ^ t as u64 ^ ((s as u64) << 32));
            for y in 0..h {
                for x in 0..w {
                    let n = rng.below(amp) as i32 - (amp / 2) as i32;
                    let v = (i32::from(frame.get(x, y)) + n).clamp(0, max);
                    frame.set(x, y, v as u16);
                }
            }
            frames.push(out);
        }
        all.push(frames);
    }
    Ok(all)
}

fn sleep_until(t: Instant) {
    let now = Instant::now();
    if t > now {
        thread::sleep(t - now);
    }
}

/// utime + stime (fields 14 and 15) of a `/proc/.../stat` text, in seconds.
fn stat_cpu(stat: &str) -> Option<f64> {
    // The command name (field 2) may hold spaces and parentheses: count after its end.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / CLK_TCK)
}

/// CPU time of the whole process so far (every thread, living or ended), in seconds.
fn process_cpu() -> Res<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    Ok(stat_cpu(&stat).ok_or("cannot read /proc/self/stat")?)
}

/// Name and CPU time (s) of every thread of the process, by thread id.
fn tasks() -> Vec<(u64, String, f64)> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        let tid: u64 = e.file_name().to_str()?.parse().ok()?;
        let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
        let cpu = std::fs::read_to_string(e.path().join("stat"))
            .ok()
            .and_then(|s| stat_cpu(&s))
            .unwrap_or(0.0);
        Some((tid, comm.trim().to_string(), cpu))
    })
    .collect()
}

/// CPU time (s) of each thread of the shared pool, by thread id.
fn pool_cpu() -> BTreeMap<u64, f64> {
    tasks()
        .into_iter()
        .filter(|(_, name, _)| name.starts_with("defectfix-"))
        .map(|(tid, _, cpu)| (tid, cpu))
        .collect()
}

#[derive(Default)]
struct ThreadSample {
    total: usize,
    pool: usize,
    /// Thread names without their digits, and how many threads have each.
    names: BTreeMap<String, usize>,
}

fn thread_sample() -> ThreadSample {
    let tasks = tasks();
    let mut names = BTreeMap::new();
    for (_, name, _) in &tasks {
        let key: String = name.chars().filter(|c| !c.is_ascii_digit()).collect();
        *names.entry(key).or_insert(0) += 1;
    }
    ThreadSample {
        total: tasks.len(),
        pool: tasks
            .iter()
            .filter(|(_, n, _)| n.starts_with("defectfix-"))
            .count(),
        names,
    }
}

/// A `Key:   value kB` line of a `/proc` file, in bytes.
fn proc_kb(path: &str, key: &str) -> Res<u64> {
    let text = std::fs::read_to_string(path)?;
    let kb = text
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| format!("no {key} in {path}"))?;
    Ok(kb * 1024)
}

fn vm_rss() -> Res<u64> {
    proc_kb("/proc/self/status", "VmRSS:")
}

fn mem_available() -> Res<u64> {
    proc_kb("/proc/meminfo", "MemAvailable:")
}

fn loadavg() -> Res<String> {
    let text = std::fs::read_to_string("/proc/loadavg")?;
    Ok(text
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" "))
}
