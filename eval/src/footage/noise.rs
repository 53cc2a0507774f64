//! Sensor noise: photon shot noise (Poisson in electrons) plus Gaussian read noise, at
//! three gains, and the random draws behind it.
//!
//! The gain in DN per electron is chosen so that the noise at mid-grey (half the range
//! above black) is σ₈ · 2^(depth − 8) DN: σ₈ = 0.5, 1.5 and 4 DN, the 8-bit figures of a
//! low, a middle and a high analog gain, scaled for deeper data. Read noise is a quarter
//! of that σ (so it dominates in the shadows only); quantisation to whole DN comes on
//! top.

use gstdefectfix::sim::SplitMix64;

/// One of the three analog gains of the protocol.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gain {
    /// Short name for tables: `low`, `mid`, `high`.
    pub name: &'static str,
    /// Noise σ at 8-bit mid-grey, in DN (shot and read noise together).
    pub sigma8: f64,
}

/// The gains of the protocol, lowest first.
pub const GAINS: [Gain; 3] = [
    Gain {
        name: "low",
        sigma8: 0.5,
    },
    Gain {
        name: "mid",
        sigma8: 1.5,
    },
    Gain {
        name: "high",
        sigma8: 4.0,
    },
];

/// Read noise as a fraction of the mid-grey σ.
const READ_SHARE: f64 = 0.25;

/// The noise of one sensor at one gain, in DN of its own depth.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SensorNoise {
    /// Conversion gain: DN per photo-electron.
    pub dn_per_electron: f64,
    /// σ of the read noise, DN.
    pub read_sigma: f64,
}

impl SensorNoise {
    /// The model giving σ₈ · 2^(depth − 8) DN at half of `range` (white − black).
    pub fn new(gain: Gain, depth: u8, range: f64) -> Self {
        let sigma = gain.sigma8 * f64::from(1u32 << depth.saturating_sub(8));
        let read_sigma = READ_SHARE * sigma;
        let mid = (range / 2.0).max(1.0);
        SensorNoise {
            dn_per_electron: (sigma * sigma - read_sigma * read_sigma) / mid,
            read_sigma,
        }
    }

    /// σ in DN (before quantisation) of a pixel whose signal is `signal` DN above black.
    pub fn sigma(&self, signal: f64) -> f64 {
        (self.dn_per_electron * signal.max(0.0) + self.read_sigma * self.read_sigma).sqrt()
    }

    /// A shot-noise draw: the photo-electrons of a mean `signal` DN, converted to DN.
    pub fn shot(&self, draw: &mut Draw, signal: f64) -> f64 {
        self.dn_per_electron * draw.poisson(signal.max(0.0) / self.dn_per_electron)
    }

    /// A read-noise draw, DN.
    pub fn read(&self, draw: &mut Draw) -> f64 {
        self.read_sigma * draw.gaussian()
    }
}

/// Random draws on the project's one generator, SplitMix64: uniform, Gaussian
/// (Box–Muller, both values used) and Poisson (inversion of the distribution below a
/// mean of 64, a rounded normal above).
#[derive(Clone, Debug)]
pub struct Draw {
    rng: SplitMix64,
    spare: Option<f64>,
}

/// Below this mean Poisson draws invert the distribution; above, the normal
/// approximation is used (its skew error is under 1/(6·√64) ≈ 2 % there).
const POISSON_NORMAL_ABOVE: f64 = 64.0;

impl Draw {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Draw {
            rng: SplitMix64::new(seed),
            spare: None,
        }
    }

    /// Uniform in `[0, 1)`, 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.rng.below(n)
    }

    /// Standard normal (Box–Muller).
    pub fn gaussian(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        // 1 − unit is in (0, 1]: the logarithm stays finite.
        let r = (-2.0 * (1.0 - self.unit()).ln()).sqrt();
        let (s, c) = (std::f64::consts::TAU * self.unit()).sin_cos();
        self.spare = Some(r * s);
        r * c
    }

    /// Poisson with mean `mean` (≥ 0).
    pub fn poisson(&mut self, mean: f64) -> f64 {
        if mean <= 0.0 {
            0.0
        } else if mean > POISSON_NORMAL_ABOVE {
            (mean + mean.sqrt() * self.gaussian()).round().max(0.0)
        } else {
            let u = self.unit();
            let mut p = (-mean).exp();
            let mut cdf = p;
            let mut k = 0.0;
            // The tail past mean + 20·√mean + 20 is below 1e-30: stop there.
            let last = mean + 20.0 * mean.sqrt() + 20.0;
            while u > cdf && k < last {
                k += 1.0;
                p *= mean / k;
                cdf += p;
            }
            k
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(values: &[f64]) -> (f64, f64) {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
        (mean, var.sqrt())
    }

    #[test]
    fn sigma_at_mid_grey_matches_the_gain() {
        // 14-bit data: quantisation (σ = 0.29 DN) is negligible against 32–256 DN.
        for (depth, range) in [(8u8, 243.0), (10, 998.0), (14, 14920.0)] {
            for gain in GAINS {
                let model = SensorNoise::new(gain, depth, range);
                let want = gain.sigma8 * f64::from(1u32 << (depth - 8));
                let mut draw = Draw::new(11);
                let mid = range / 2.0;
                let values: Vec<f64> = (0..200_000)
                    .map(|_| model.shot(&mut draw, mid) + model.read(&mut draw))
                    .collect();
                let (mean, sigma) = moments(&values);
                assert!(
                    (sigma / want - 1.0).abs() < 0.1,
                    "{} at {depth} bits: σ {sigma:.3} DN, want {want:.3}",
                    gain.name
                );
                assert!((mean - mid).abs() < 0.05 * want, "mean {mean} vs {mid}");
                assert!((model.sigma(mid) / want - 1.0).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn poisson_has_its_mean_and_variance_on_both_branches() {
        let mut draw = Draw::new(3);
        for mean in [0.3, 5.0, 40.0, 63.0, 65.0, 1000.0] {
            let values: Vec<f64> = (0..100_000).map(|_| draw.poisson(mean)).collect();
            let (m, s) = moments(&values);
            assert!((m / mean - 1.0).abs() < 0.02, "mean {m} for {mean}");
            assert!(
                (s * s / mean - 1.0).abs() < 0.05,
                "variance {} for {mean}",
                s * s
            );
        }
    }
}
