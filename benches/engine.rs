//! Engine benchmarks, each beside a memcpy of the same frame so that results read as a
//! ratio that survives a noisy machine. `cargo bench` or `make bench`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::BatchSize;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gstdefectfix::defect_map::{DefectMap, Entry};
use gstdefectfix::engine::{Detection, Engine, Mode, SensorSettings};
use gstdefectfix::exec::KernelPath;
use gstdefectfix::frame::FrameFormat;
use gstdefectfix::frame::PlaneMut;
use gstdefectfix::sim::SplitMix64;
use gstdefectfix::temporal::Evidence;

/// Deterministic textured content (xorshift noise on a gradient).
fn content(format: &FrameFormat) -> Vec<u8> {
    let mut data = vec![0u8; format.default_size()];
    let stride = format.default_stride();
    let mut frame = PlaneMut::new(&mut data, format.plane(), stride).expect("frame fits");
    let mut rng = SplitMix64::new(0x9E37_79B9);
    let max = u32::from(format.max_value());
    for y in 0..format.height {
        for x in 0..format.width {
            let v = (x as u32 * max / format.width as u32 / 2)
                + rng.below(u64::from(max / 8 + 1)) as u32;
            frame.set(x, y, v.min(max) as u16);
        }
    }
    data
}

fn map_only(c: &mut Criterion) {
    let mut group = c.benchmark_group("map-only");
    group.sample_size(20);
    for (w, h, name) in [
        (1920, 1080, "rggb"),
        (3840, 2160, "rggb16le"),
        (7680, 4320, "rggb16le"),
    ] {
        let format = FrameFormat::parse("video/x-bayer", name, w, h).expect("format");
        let src = content(&format);
        let mut dst = src.clone();
        group.throughput(Throughput::Bytes(src.len() as u64));
        let id = format!("{w}x{h}-{name}");
        group.bench_function(format!("{id}/memcpy"), |b| {
            b.iter(|| dst.copy_from_slice(black_box(&src)))
        });
        // 1000 defects spread over the frame: cost follows the map, not the pixels.
        let entries = (0..1000u32)
            .map(|i| Entry::Pixel {
                x: i64::from(i * 7919 % w as u32),
                y: i64::from(i * 104_729 % h as u32),
            })
            .collect();
        let map = Arc::new(DefectMap::from_entries(entries));
        let mut engine = Engine::new(format.plane());
        engine.set_map(Some(&map), 0, 0);
        let stride = format.default_stride();
        // Detection off: the cost follows the map, not the pixels.
        let settings = SensorSettings {
            detection: Detection::Off,
            ..SensorSettings::default()
        };
        group.bench_function(format!("{id}/1000-mapped"), |b| {
            b.iter(|| {
                let mut frame =
                    PlaneMut::new(&mut dst, format.plane(), stride).expect("frame fits");
                black_box(engine.process_with(&mut frame, Mode::Correct, &settings))
            })
        });
    }
    group.finish();
}

/// A natural-looking frame: smooth shading with fine texture and mild noise, and
/// defects at a density of 1e-4 (hot and dead).
fn scene(format: &FrameFormat) -> Vec<u8> {
    defectfix_eval::synthetic::textured_scene(format, true)
}

/// The sensor path's defaults on a moving stream, as the element runs them: temporal
/// evidence, then detection + correction; frames of a pan of 1.5 px per frame, beside a
/// memcpy of one frame and the engine alone on the same frames.
fn defaults(c: &mut Criterion) {
    let mut group = c.benchmark_group("defaults");
    group.sample_size(20);
    for (w, h, name) in [
        (3840, 2160, "rggb16le"),
        (3840, 2160, "rggb"),
        (7680, 4320, "rggb16le"),
    ] {
        let format = FrameFormat::parse("video/x-bayer", name, w, h).expect("format");
        let wide = FrameFormat::parse("video/x-bayer", name, w + 64, h).expect("format");
        let scene = scene(&wide);
        // Eight frames panning right by 1.5 px a frame, each with its own noise.
        let frames = defectfix_eval::synthetic::panning_frames(&format, &wide, &scene, 8);
        let mut dst = frames[0].clone();
        group.throughput(Throughput::Bytes(dst.len() as u64));
        let id = format!("{w}x{h}-{name}");
        group.bench_function(format!("{id}/memcpy"), |b| {
            b.iter(|| dst.copy_from_slice(black_box(&frames[0])))
        });
        let stride = format.default_stride();
        let settings = SensorSettings::default();
        for temporal in [false, true] {
            let mut engine = Engine::new(format.plane());
            let mut evidence = Evidence::new(format.plane());
            let mut t = 0usize;
            let label = if temporal {
                "evidence+detect+correct"
            } else {
                "detect+correct"
            };
            group.bench_function(format!("{id}/{label}"), |b| {
                b.iter(|| {
                    dst.copy_from_slice(&frames[t % frames.len()]);
                    t += 1;
                    let mut frame =
                        PlaneMut::new(&mut dst, format.plane(), stride).expect("frame fits");
                    if !temporal {
                        return black_box(engine.process_with(
                            &mut frame,
                            Mode::Correct,
                            &settings,
                        ));
                    }
                    // The element's order (`defectfix/sensor.rs`): motion, detection,
                    // evidence with the detections' arrivals, repair.
                    let noise = *engine.detector().model();
                    let judge = evidence.measure(&frame.as_ref(), &noise, 0);
                    engine.set_point_noise(f64::from(evidence.noise_ratio()));
                    engine.detect(&frame.as_ref(), &settings);
                    if judge
                        && evidence
                            .judge(&frame.as_ref(), &noise, 0, engine.detections())
                            .changed()
                    {
                        engine.set_learned(evidence.confirmed());
                    }
                    engine.spare(evidence.moved_points());
                    black_box(engine.repair(&mut frame, Mode::Correct, &settings))
                })
            });
        }
    }
    group.finish();
}

/// Full dynamic detection + correction, beside a memcpy of the same frame.
fn dynamic(c: &mut Criterion) {
    let mut group = c.benchmark_group("dynamic");
    group.sample_size(20);
    for (w, h) in [(1920, 1080), (3840, 2160), (7680, 4320)] {
        for name in ["rggb", "rggb16le"] {
            let format = FrameFormat::parse("video/x-bayer", name, w, h).expect("format");
            let src = scene(&format);
            let mut dst = src.clone();
            group.throughput(Throughput::Bytes(src.len() as u64));
            let id = format!("{w}x{h}-{name}");
            group.bench_function(format!("{id}/memcpy"), |b| {
                b.iter(|| dst.copy_from_slice(black_box(&src)))
            });
            let mut engine = Engine::new(format.plane());
            let stride = format.default_stride();
            let settings = SensorSettings::default();
            group.bench_function(format!("{id}/detect+correct"), |b| {
                b.iter_batched_ref(
                    || src.clone(),
                    |data| {
                        let mut frame =
                            PlaneMut::new(data, format.plane(), stride).expect("frame fits");
                        black_box(engine.process_with(&mut frame, Mode::Correct, &settings))
                    },
                    BatchSize::LargeInput,
                )
            });
        }
    }
    group.finish();
}

/// The kernel paths on one frame (scalar reference, portable, AVX2), one thread.
fn paths(c: &mut Criterion) {
    let mut group = c.benchmark_group("paths");
    group.sample_size(10);
    let format = FrameFormat::parse("video/x-bayer", "rggb16le", 3840, 2160).expect("format");
    let src = scene(&format);
    let stride = format.default_stride();
    let settings = SensorSettings {
        n_threads: 1,
        ..SensorSettings::default()
    };
    for path in KernelPath::available_paths() {
        let mut engine = Engine::new(format.plane());
        engine.set_kernel_path(path);
        let mut data = src.clone();
        group.bench_function(format!("3840x2160-rggb16le/1-thread/{path:?}"), |b| {
            b.iter(|| {
                let mut frame =
                    PlaneMut::new(&mut data, format.plane(), stride).expect("frame fits");
                black_box(engine.process_with(&mut frame, Mode::Detect, &settings))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, defaults, dynamic, paths, map_only);
criterion_main!(benches);
