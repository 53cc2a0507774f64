//! A synthetic frame for speed measurements, where the content only needs to look
//! like a picture to the detector.

use gstdefectfix::frame::{FrameFormat, PlaneMut};
use gstdefectfix::sim::SplitMix64;

/// A natural-looking frame: smooth shading with fine texture and mild noise, and
/// hot pixels at a density of 1e-4, and as many dead ones when `dead` (the frames of
/// the benches and of the throughput example).
///
/// Its noise comes from a small xorshift of its own, not from `sim::SplitMix64`: the
/// benchmarks' recorded figures were measured on exactly this content. (Drawn from
/// SplitMix64 instead, the same recipe makes the temporal evidence's pass cost up to
/// 300 ms on the frames where the benchmark's pan jumps back: see BENCHMARKS.md.)
pub fn textured_scene(format: &FrameFormat, dead: bool) -> Vec<u8> {
    let mut s = 0x2545_F491u32;
    scene_drawn(format, dead, || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s
    })
}

/// [`textured_scene`]'s recipe with its fine noise and dots drawn from `draw` (one draw
/// a pixel, row-major).
pub fn scene_drawn(format: &FrameFormat, dead: bool, mut draw: impl FnMut() -> u32) -> Vec<u8> {
    let mut data = vec![0u8; format.default_size()];
    let stride = format.default_stride();
    let Ok(mut frame) = PlaneMut::new(&mut data, format.plane(), stride) else {
        return data;
    };
    let max = f64::from(format.max_value());
    for y in 0..format.height {
        for x in 0..format.width {
            let s = draw();
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

/// `count` frames of `format` cut from `scene` (a frame of `wide`, as wide as the frame
/// plus the pan's reach) panning right by 1.5 px a frame (whole pixels, alternately 1
/// and 2), each with its own noise (uniform, 3 levels wide at 8 bits, 17 at 16): the
/// moving content of the engine bench and of `evidence_profile`.
pub fn panning_frames(
    format: &FrameFormat,
    wide: &FrameFormat,
    scene: &[u8],
    count: usize,
) -> Vec<Vec<u8>> {
    moving_frames(format, wide, scene, count, 3)
}

/// [`panning_frames`] of a camera on a tripod: the same view in every frame, each with
/// its own noise.
pub fn still_frames(
    format: &FrameFormat,
    wide: &FrameFormat,
    scene: &[u8],
    count: usize,
) -> Vec<Vec<u8>> {
    moving_frames(format, wide, scene, count, 0)
}

/// Frames cut from `scene` `half_steps` half pixels further right each frame (whole
/// pixels, rounded down), each with its own noise.
fn moving_frames(
    format: &FrameFormat,
    wide: &FrameFormat,
    scene: &[u8],
    count: usize,
    half_steps: usize,
) -> Vec<Vec<u8>> {
    let bytes = format.bytes_per_sample();
    let (sw, dw) = (wide.default_stride(), format.default_stride());
    let (max, amp) = (
        i32::from(format.max_value()),
        if bytes == 1 { 3 } else { 17 },
    );
    (0..count)
        .map(|t| {
            let shift = (half_steps * t) / 2;
            let mut out = vec![0u8; format.default_size()];
            for (y, row) in out.chunks_exact_mut(dw).enumerate() {
                if let Some(from) = scene.get(y * sw + shift * bytes..y * sw + shift * bytes + dw) {
                    row.copy_from_slice(from);
                }
            }
            if let Ok(mut frame) = PlaneMut::new(&mut out, format.plane(), dw) {
                let mut rng = SplitMix64::new(0x2545_F491 ^ t as u64);
                for y in 0..format.height {
                    for x in 0..format.width {
                        let n = rng.below(amp) as i32 - (amp / 2) as i32;
                        let v = (i32::from(frame.get(x, y)) + n).clamp(0, max);
                        frame.set(x, y, v as u16);
                    }
                }
            }
            out
        })
        .collect()
}
