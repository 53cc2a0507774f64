//! Video path benchmarks (YUV `video/x-raw`): frames per second of `defectfix`'s default
//! processing (the temporal evidence on luma, repair) on 1080p and 2160p UYVY, NV12 and
//! v210 frames of a picture that pans 1.5 pixels a frame with fresh noise in every frame,
//! each beside a memcpy of the same frame, and the map-only cost (detection off, 1000
//! mapped spots).
//! `cargo bench --bench video`; criterion's `thrpt` line is in frames per second.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gstdefectfix::defect_map::{DefectMap, Entry};
use gstdefectfix::frame::{VideoFrameMut, VideoLayout};
use gstdefectfix::sim::SplitMix64;
use gstdefectfix::video::{Processor, VideoSettings};

/// Frames a case cycles through.
const FRAMES: usize = 8;

/// Frame `t` of a natural-looking picture panning 1.5 pixels a frame: smooth shading,
/// fine texture, fresh noise in luma, smooth chroma; and a few fixed hot spots (3×3,
/// at a density of 1e-4) that stay where they are.
fn scene(layout: VideoLayout, t: usize) -> (Vec<Vec<u8>>, [usize; 3]) {
    let (mut planes, strides) = layout.alloc();
    {
        let mut f = VideoFrameMut::from_vecs(layout, &mut planes, strides).expect("frame");
        let max = f64::from(layout.max_value());
        let mut rng = SplitMix64::new(0x2545_F491 ^ t as u64);
        let pan = 1.5 * t as f64;
        for (c, k) in layout.components().iter().enumerate() {
            let (w, h) = layout.comp_size(c);
            for y in 0..h {
                for x in 0..w {
                    let (fx, fy) = ((x << k.sx) as f64 + pan, (y << k.sy) as f64);
                    let v = if c == 0 {
                        let shade = 0.35 + 0.2 * (fx / 301.0).sin() * (fy / 197.0).cos();
                        let texture = 0.08 * (fx / 3.7).sin() * (fy / 5.3).sin();
                        let noise = (rng.unit() - 0.5) * 0.01;
                        shade + texture + noise
                    } else {
                        0.5 + 0.05 * (fx / 251.0 + c as f64).sin()
                    };
                    f.set(c, x, y, (v * max).clamp(0.0, max) as u16);
                }
            }
        }
        let (w, h) = layout.comp_size(0);
        for i in 0..(w * h / 10_000) {
            let (x, y) = (2 + i * 7919 % (w - 4), 2 + i * 104_729 % (h - 4));
            for dy in 0..3 {
                for dx in 0..3 {
                    f.set(0, x + dx - 1, y + dy - 1, layout.max_value());
                }
            }
        }
    }
    (planes, strides)
}

/// Copies `src` into `dst`, plane by plane.
fn copy(dst: &mut [Vec<u8>], src: &[Vec<u8>]) {
    for (d, s) in dst.iter_mut().zip(src) {
        d.copy_from_slice(black_box(s));
    }
}

fn video(c: &mut Criterion) {
    let mut group = c.benchmark_group("video");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1));
    for (w, h) in [(1920, 1080), (3840, 2160)] {
        for name in ["UYVY", "NV12", "v210"] {
            let layout = VideoLayout::parse(name, w, h).expect("layout");
            let frames: Vec<_> = (0..FRAMES).map(|t| scene(layout, t).0).collect();
            let strides = layout.default_strides();
            let id = format!("{w}x{h}-{name}");
            let mut work = frames[0].clone();
            // Each iteration copies the next frame in (in every case, the memcpy alone
            // included) and processes it.
            let mut next = 0;
            group.bench_function(format!("{id}/memcpy"), |b| {
                b.iter(|| {
                    next = (next + 1) % FRAMES;
                    copy(&mut work, &frames[next]);
                })
            });
            let mut processor = Processor::new(layout);
            let settings = VideoSettings::default();
            group.bench_function(format!("{id}/defectfix"), |b| {
                b.iter(|| {
                    next = (next + 1) % FRAMES;
                    copy(&mut work, &frames[next]);
                    let mut frame =
                        VideoFrameMut::from_vecs(layout, &mut work, strides).expect("frame");
                    black_box(processor.process(&mut frame, &settings))
                })
            });
            // Detection off, 1000 mapped spots: the cost follows the map.
            let off = VideoSettings {
                detection: false,
                ..VideoSettings::default()
            };
            let mut idle = Processor::new(layout);
            let entries = (0..1000i64)
                .map(|i| Entry::Pixel {
                    x: i * 7919 % w,
                    y: i * 104_729 % h,
                })
                .collect();
            idle.set_map(Some(&Arc::new(DefectMap::from_entries(entries))), 0, 0);
            group.bench_function(format!("{id}/1000-mapped"), |b| {
                b.iter(|| {
                    next = (next + 1) % FRAMES;
                    copy(&mut work, &frames[next]);
                    let mut frame =
                        VideoFrameMut::from_vecs(layout, &mut work, strides).expect("frame");
                    black_box(idle.process(&mut frame, &off))
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, video);
criterion_main!(benches);
