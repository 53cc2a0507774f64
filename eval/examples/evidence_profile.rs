//! Where the sensor path's time goes: the temporal evidence phase by phase and the
//! engine, per frame, on the benchmark's panning scene.
//! `cargo run --release -p defectfix-eval --example evidence_profile -- [W H FORMAT THREADS FRAMES [splitmix]]`
//!
//! `splitmix`: the scene's fine noise drawn from `sim::SplitMix64` instead of the bench
//! scene's own generator (same recipe; the content on which the evidence pass once took
//! 200–300 ms on the pan's jump back, BENCHMARKS.md).

use std::time::{Duration, Instant};

use defectfix_eval::synthetic::textured_scene;
use gstdefectfix::engine::{Engine, Mode, SensorSettings};
use gstdefectfix::frame::{FrameFormat, PlaneMut};
use gstdefectfix::sim::SplitMix64;
use gstdefectfix::temporal::Evidence;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, d: &str| args.get(i).cloned().unwrap_or_else(|| d.to_string());
    let w: i64 = arg(0, "3840").parse().expect("width");
    let h: i64 = arg(1, "2160").parse().expect("height");
    let name = arg(2, "rggb16le");
    let threads: usize = arg(3, "1").parse().expect("threads");
    let count: usize = arg(4, "24").parse().expect("frames");
    let format = FrameFormat::parse("video/x-bayer", &name, w, h).expect("format");
    let wide = FrameFormat::parse("video/x-bayer", &name, w + 64, h).expect("format");
    let scene = if arg(5, "") == "splitmix" {
        splitmix_scene(&wide)
    } else {
        textured_scene(&wide, true)
    };
    let bytes = format.bytes_per_sample();
    let frames: Vec<Vec<u8>> = (0..8usize)
        .map(|t| {
            let shift = (3 * t) / 2;
            let (sw, dw) = (wide.default_stride(), format.default_stride());
            let mut out = vec![0u8; format.default_size()];
            for y in 0..h as usize {
                out[y * dw..][..dw].copy_from_slice(&scene[y * sw + shift * bytes..][..dw]);
            }
            let mut frame = PlaneMut::new(&mut out, format.plane(), dw).expect("frame fits");
            let mut rng = SplitMix64::new(0x2545_F491 ^ t as u64);
            let (max, amp) = (
                i32::from(format.max_value()),
                if bytes == 1 { 3 } else { 17 },
            );
            for y in 0..h as usize {
                for x in 0..w as usize {
                    let n = rng.below(amp) as i32 - (amp / 2) as i32;
                    let v = (i32::from(frame.get(x, y)) + n).clamp(0, max);
                    frame.set(x, y, v as u16);
                }
            }
            out
        })
        .collect();
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

/// [`textured_scene`]'s recipe with its fine noise and dots drawn from `SplitMix64`.
fn splitmix_scene(format: &FrameFormat) -> Vec<u8> {
    let mut data = vec![0u8; format.default_size()];
    let stride = format.default_stride();
    let mut frame = PlaneMut::new(&mut data, format.plane(), stride).expect("frame fits");
    let mut rng = SplitMix64::new(0x2545_F491);
    let max = f64::from(format.max_value());
    for y in 0..format.height {
        for x in 0..format.width {
            let s = rng.below(1 << 32);
            let shade = 0.25 + 0.2 * ((x as f64) / 301.0).sin() * ((y as f64) / 197.0).cos();
            let texture = 0.08 * ((x as f64) / 3.7).sin() * ((y as f64) / 5.3).sin();
            let noise = ((s % 1024) as f64 / 1024.0 - 0.5) * 0.01;
            let mut v = (shade + texture + noise) * max;
            if s.is_multiple_of(10_000) {
                v = max;
            } else if s % 10_000 == 1 {
                v = 0.0;
            }
            frame.set(x, y, v.clamp(0.0, max) as u16);
        }
    }
    data
}
