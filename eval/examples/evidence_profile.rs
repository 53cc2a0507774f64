//! Where the sensor path's time goes: the temporal evidence phase by phase and the
//! engine, per frame, on the benchmark's panning scene.
//! `cargo run --release -p defectfix-eval --example evidence_profile -- [W H FORMAT THREADS FRAMES [splitmix,still]]`
//!
//! `splitmix`: the scene's fine noise drawn from `sim::SplitMix64` instead of the bench
//! scene's own generator (same recipe; the content on which the evidence pass once took
//! 200–300 ms on the pan's jump back, BENCHMARKS.md). `still`: a camera on a tripod (the
//! same view, fresh noise in every frame; the evidence at rest) instead of the pan.

use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use defectfix_eval::synthetic::{panning_frames, scene_drawn, still_frames, textured_scene};
use gstdefectfix::engine::{Engine, Mode, SensorSettings};
use gstdefectfix::frame::{FrameFormat, PlaneMut};
use gstdefectfix::sim::SplitMix64;
use gstdefectfix::temporal::Evidence;

/// Where the sensor path's time goes: the temporal evidence phase by phase and the
/// engine, per frame, on the benchmark's panning scene.
#[derive(Parser, Debug)]
#[command(name = "evidence_profile")]
struct Command {
    /// Frame width
    #[arg(value_name = "W", default_value_t = 3840)]
    width: i64,
    /// Frame height
    #[arg(value_name = "H", default_value_t = 2160)]
    height: i64,
    /// Bayer caps format (rggb, rggb16le, ...)
    #[arg(default_value = "rggb16le")]
    format: String,
    /// Threads of the evidence and the engine
    #[arg(default_value_t = 1)]
    threads: usize,
    /// Frames measured
    #[arg(default_value_t = 24)]
    frames: usize,
    /// What the frames show instead of the bench's pan, comma-separated
    #[arg(value_name = "MODES", value_delimiter = ',')]
    modes: Vec<Variant>,
}

/// What the measured frames show instead of the bench's pan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Variant {
    /// The scene's fine noise drawn from `sim::SplitMix64`.
    Splitmix,
    /// A camera on a tripod: the same view, fresh noise in every frame.
    Still,
}

fn main() {
    let command = Command::parse();
    let (w, h, name) = (command.width, command.height, command.format.as_str());
    let (threads, count) = (command.threads, command.frames);
    let format = FrameFormat::parse("video/x-bayer", name, w, h).expect("format");
    let wide = FrameFormat::parse("video/x-bayer", name, w + 64, h).expect("format");
    let scene = if command.modes.contains(&Variant::Splitmix) {
        let mut rng = SplitMix64::new(0x2545_F491);
        scene_drawn(&wide, true, || rng.below(1 << 32) as u32)
    } else {
        textured_scene(&wide, true)
    };
    let frames = if command.modes.contains(&Variant::Still) {
        still_frames(&format, &wide, &scene, 8)
    } else {
        panning_frames(&format, &wide, &scene, 8)
    };
    let mut engine = Engine::new(format.plane());
    let mut evidence = Evidence::new(format.plane());
    let settings = SensorSettings {
        n_threads: threads,
        ..SensorSettings::default()
    };
    let mut dst = frames[0].clone();
    let stride = format.default_stride();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mut copy_best = f64::MAX;
    let mut sums = [0.0f64; 6];
    println!(
        "frame  memcpy  motion columns gather  keys  engine  total(ms)  confirmed  tested  judged"
    );
    for t in 0..count {
        let c = Instant::now();
        dst.copy_from_slice(&frames[t % frames.len()]);
        let copy = ms(c.elapsed());
        copy_best = copy_best.min(copy);
        let mut frame = PlaneMut::new(&mut dst, format.plane(), stride).expect("frame fits");
        let noise = *engine.detector().model();
        evidence.observe(&frame.as_ref(), &noise, threads);
        let p = evidence.times();
        let c = Instant::now();
        engine.process_with(&mut frame, Mode::Correct, &settings);
        let e = ms(c.elapsed());
        let row = [
            ms(p.motion),
            ms(p.columns),
            ms(p.gather),
            ms(p.keys),
            e,
            ms(p.motion + p.columns + p.gather + p.keys) + e,
        ];
        if t >= 8 {
            for (s, v) in sums.iter_mut().zip(row) {
                *s += v;
            }
        }
        println!(
            "{t:5} {copy:7.2} {:7.2} {:7.2} {:6.2} {:5.2} {:7.2} {:9.2}  {:9} {:7} {:7}",
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            evidence.confirmed().len(),
            p.tested,
            p.judged
        );
    }
    if std::env::var_os("PROFILE_SHOW").is_some() {
        let last = &frames[(count - 1) % frames.len()];
        let frame =
            gstdefectfix::frame::PlaneRef::new(last, format.plane(), stride).expect("frame");
        for p in evidence.confirmed().iter().step_by(97).take(12) {
            let (x, y) = (p.x as usize, p.y as usize);
            let row: Vec<u16> = (x.saturating_sub(4)..(x + 5).min(w as usize))
                .map(|x| frame.get(x, y))
                .collect();
            println!(
                "confirmed ({x}, {y}) state {:?} row {row:?}",
                evidence.state(x, y)
            );
        }
    }
    let n = count.saturating_sub(8).max(1) as f64;
    let px = (w * h) as f64;
    println!(
        "mean from frame 8: motion {:.2} columns {:.2} gather {:.2} keys {:.2} engine {:.2} total {:.2} ms; best memcpy {:.3} ms; total {:.1}x memcpy, {:.2} ns/px",
        sums[0] / n,
        sums[1] / n,
        sums[2] / n,
        sums[3] / n,
        sums[4] / n,
        sums[5] / n,
        copy_best,
        sums[5] / n / copy_best,
        sums[5] / n * 1e6 / px
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_well_formed() {
        Command::command().debug_assert();
        let c = Command::parse_from(["evidence_profile"]);
        assert_eq!(
            (c.width, c.height, c.format.as_str()),
            (3840, 2160, "rggb16le")
        );
        assert_eq!((c.threads, c.frames), (1, 24));
        assert!(c.modes.is_empty());
        let c = Command::parse_from([
            "evidence_profile",
            "1920",
            "1080",
            "rggb",
            "2",
            "24",
            "splitmix,still",
        ]);
        assert_eq!(
            (c.width, c.height, c.format.as_str(), c.threads),
            (1920, 1080, "rggb", 2)
        );
        assert_eq!(c.modes, [Variant::Splitmix, Variant::Still]);
    }
}
