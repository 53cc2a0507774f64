//! A synthetic frame for speed measurements, where the content only needs to look
//! like a picture to the detector.

use gstdefectfix::frame::{FrameFormat, PlaneMut};

/// A natural-looking frame: smooth shading with fine texture and mild noise, and
/// hot pixels at a density of 1e-4, and as many dead ones when `dead` (the frames of
/// the benches and of the throughput example).
///
/// Its noise comes from a small xorshift of its own, not from `sim::SplitMix64`: the
/// benchmarks' recorded figures were measured on exactly this content. (Drawn from
/// SplitMix64 instead, the same recipe makes the temporal evidence's pass cost up to
/// 300 ms on the frames where the benchmark's pan jumps back: see BENCHMARKS.md.)
pub fn textured_scene(format: &FrameFormat, dead: bool) -> Vec<u8> {
    let mut data = vec![0u8; format.default_size()];
    let stride = format.default_stride();
    let Ok(mut frame) = PlaneMut::new(&mut data, format.plane(), stride) else {
        return data;
    };
    let mut s = 0x2545_F491u32;
    let max = f64::from(format.max_value());
    for y in 0..format.height {
        for x in 0..format.width {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let shade = 0.25 + 0.2 * ((x as f64) / 301.0).sin() * ((y as f64) / 197.0).cos();
            let texture = 0.08 * ((x as f64) / 3.7).sin() * ((y as f64) / 5.3).sin();
            let noise = (f64::from(s % 1024) / 1024.0 - 0.5) * 0.01;
            let mut v = (shade + texture + noise) * max;
            if s.is_multiple_of(10_000) {
                v = max;
            } else if dead && s % 10_000 == 1 {
                v = 0.0;
            }
            frame.set(x, y, v.clamp(0.0, max) as u16);
        }
    }
    data
}
