//! Engine benchmarks, each beside a memcpy of the same frame so that results read as a
//! ratio that survives a noisy machine. `cargo bench` or `make bench`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gstdefectfix::defect_map::{DefectMap, Entry};
use gstdefectfix::engine::{Engine, Mode};
use gstdefectfix::format::FrameFormat;
use gstdefectfix::frame::FrameMut;

/// Deterministic textured content (xorshift noise on a gradient).
fn content(format: &FrameFormat) -> Vec<u8> {
    let mut data = vec![0u8; format.default_size()];
    let stride = format.default_stride();
    let mut frame = FrameMut::new(&mut data, *format, stride).expect("frame fits");
    let mut s = 0x9E37_79B9u32;
    let max = u32::from(format.max_value());
    for y in 0..format.height {
        for x in 0..format.width {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let v = (x as u32 * max / format.width as u32 / 2) + (s % (max / 8 + 1));
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
        let mut engine = Engine::new(format);
        engine.set_map(Some(&map), 0, 0);
        let stride = format.default_stride();
        group.bench_function(format!("{id}/1000-mapped"), |b| {
            b.iter(|| {
                let mut frame = FrameMut::new(&mut dst, format, stride).expect("frame fits");
                black_box(engine.process(&mut frame, Mode::Correct))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, map_only);
criterion_main!(benches);
