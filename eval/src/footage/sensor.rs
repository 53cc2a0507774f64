//! The sensor of a sequence (pattern, depth, black and white level, noise) and one
//! exposure of it: the noise-free signal turned into DN with fresh shot and read noise.
//!
//! An exposure keeps its noise terms apart so that the defects of
//! [`defects`](super::defects) can be applied to the very same draws: the clean frame and
//! the defective one differ at the defect pixels only.

use gstdefectfix::frame::FrameFormat;

use super::noise::{Draw, SensorNoise};

/// What a sensor is.
#[derive(Clone, Copy, Debug)]
pub struct Sensor {
    /// Pattern, depth and the window's size.
    pub format: FrameFormat,
    pub black: u16,
    /// Saturation: no value goes above it.
    pub white: u16,
    pub noise: SensorNoise,
}

impl Sensor {
    /// White minus black, DN.
    pub fn range(&self) -> f64 {
        f64::from(self.white.saturating_sub(self.black).max(1))
    }

    /// Pixels in a frame.
    pub fn pixels(&self) -> usize {
        self.format.width * self.format.height
    }

    /// The DN a pixel reads for `black + analog`: rounded, clipped at 0 and at white.
    pub fn quantise(&self, analog: f64) -> u16 {
        (f64::from(self.black) + analog)
            .round()
            .clamp(0.0, f64::from(self.white)) as u16
    }

    /// σ of the read value of a pixel at `signal` DN above black, quantisation included.
    pub fn sigma(&self, signal: f64) -> f64 {
        let s = self.noise.sigma(signal);
        (s * s + 1.0 / 12.0).sqrt()
    }

    /// One exposure of `signal` (DN above black per pixel), noise drawn from `seed`.
    pub fn expose(&self, signal: &[f32], seed: u64) -> Exposure {
        let mut draw = Draw::new(seed);
        let n = signal.len();
        let (mut shot, mut read, mut clean) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for &s in signal {
            let e = self.noise.shot(&mut draw, f64::from(s)) as f32;
            let r = self.noise.read(&mut draw) as f32;
            shot.push(e);
            read.push(r);
            clean.push(self.quantise(f64::from(e) + f64::from(r)));
        }
        Exposure {
            shot,
            read,
            clean,
            draw,
        }
    }
}

/// One exposure: the noise terms per pixel and the clean (defect-free) frame.
#[derive(Clone, Debug)]
pub struct Exposure {
    /// Photo-signal with its shot noise, DN.
    pub shot: Vec<f32>,
    /// Read noise, DN.
    pub read: Vec<f32>,
    /// `black + shot + read`, quantised.
    pub clean: Vec<u16>,
    /// The generator, to go on drawing for this frame (defects' dark-current noise).
    pub draw: Draw,
}
