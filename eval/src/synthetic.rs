//! A synthetic frame for speed measurements, where the content only needs to look
//! like a picture to the detector.

use gstdefectfix::frame::{FrameFormat, PlaneMut};
use gstdefectfix::sim::SplitMix64;

/// A natural-looking frame: smooth shading with fine texture and mild noise, and
/// hot pixels at a density of 1e-4, and as many dead ones when `dead` (the frames of
/// the benches and of the throughput example).
pub fn textured_scene(format: &FrameFormat, dead: bool) -> Vec<u8> {
    let mut data = vec![0u8; format.default_size()];
    let stride = format.default_stride();
    let Ok(mut frame) = PlaneMut::new(&mut data, format.plane(), stride) else {
        return data;
    };
    let mut rng = SplitMix64::new(0x2545_F491);
    let max = f64::from(format.max_value());
    for y in 0..format.height {
        for x in 0..format.width {
            let shade = 0.25 + 0.2 * ((x as f64) / 301.0).sin() * ((y as f64) / 197.0).cos();
            let texture = 0.08 * ((x as f64) / 3.7).sin() * ((y as f64) / 5.3).sin();
            let noise = (rng.unit() - 0.5) * 0.01;
            let mut v = (shade + texture + noise) * max;
            match rng.below(10_000) {
                0 => v = max,
                1 if dead => v = 0.0,
                _ => {}
            }
            frame.set(x, y, v.clamp(0.0, max) as u16);
        }
    }
    data
}
