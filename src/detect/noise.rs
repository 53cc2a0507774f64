//! Noise of each colour plane as a function of signal level, measured on the frame.
//!
//! On a subsample of the frame (64 row pairs, about 125 positions each) the second
//! differences of same-colour pixels across each sample, horizontally and vertically,
//! `2·v(x) − v(x−p) − v(x+p)`, are binned by local level; the smaller of the two in
//! magnitude is kept (texture is mostly directional). In flat areas it is the minimum of
//! two `|N(0, √6·σ)|`; texture only adds to it, so the mean of the lower half of each bin
//! (robust to textured samples) gives `σ` at that level. A line `σ² = a + b·level` (the
//! Poisson–Gaussian model of a linear sensor) is then fitted to the bins, by weighted
//! least squares, once more without the bins that lie far above the first fit (texture).

use crate::frame::{PlaneRef, SampleIo};

/// Level bins per plane.
const BINS: usize = 16;
/// Samples wanted per frame, over all planes.
const TARGET_SAMPLES: usize = 1 << 14;
/// Fewest samples that make a bin count.
const MIN_BIN: usize = 24;

/// `σ²(level) = a + b·level` of each plane (level in DN), index by
/// [`Cfa::plane_index`](crate::frame::Cfa::plane_index).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoiseModel {
    pub a: [f64; 4],
    pub b: [f64; 4],
    /// The level at which the frame clips, when a noticeable share of the samples sits
    /// at the frame's maximum (`u16::MAX` when nothing seems clipped).
    pub clip: u16,
    /// The highest level among the samples (`u16::MAX` when not measured). A white
    /// level that only a few pixels reach (a small specular highlight) never makes a
    /// noticeable share of the samples; what lies at or above every sample may be
    /// clipped.
    pub peak: u16,
}

impl NoiseModel {
    /// A flat model with `sigma` DN at every level.
    pub fn flat(sigma: f64) -> Self {
        NoiseModel {
            a: [sigma * sigma; 4],
            b: [0.0; 4],
            clip: u16::MAX,
            peak: u16::MAX,
        }
    }

    /// `σ` of `plane` at `level`.
    pub fn sigma(&self, plane: usize, level: f64) -> f64 {
        self.sigma2(plane, level).sqrt()
    }

    /// `σ²` of `plane` at `level`.
    pub fn sigma2(&self, plane: usize, level: f64) -> f64 {
        (self.a[plane] + self.b[plane] * level).max(0.0)
    }
}

/// Reusable buffers of the estimator (no allocation once warm).
#[derive(Debug, Default)]
pub struct NoiseEstimator {
    bins: Vec<Vec<u32>>,
}

impl NoiseEstimator {
    pub fn new() -> Self {
        NoiseEstimator {
            bins: (0..4 * BINS).map(|_| Vec::new()).collect(),
        }
    }

    /// Measures the noise of `frame`. Deterministic: the samples depend only on the
    /// frame's size.
    pub fn estimate(&mut self, frame: &PlaneRef<'_>) -> NoiseModel {
        let f = *frame.plane();
        let cfa = f.cfa();
        if self.bins.len() != 4 * BINS {
            self.bins = (0..4 * BINS).map(|_| Vec::new()).collect();
        }
        for b in &mut self.bins {
            b.clear();
        }
        let pitch = cfa.pitch();
        let max = u32::from(f.max_value());
        let floor = QUANTISATION;
        if f.width < 2 * pitch + 1 || f.height < 2 {
            return NoiseModel::flat(floor.sqrt());
        }
        // Row pairs (both row phases of a Bayer pattern), spread evenly.
        let pairs_total = f.height / 2;
        let pairs = pairs_total.clamp(1, 64);
        let per_row = (TARGET_SAMPLES / (2 * pairs)).max(1);
        let span = f.width - 2 * pitch;
        // Column step, odd for Bayer so that both column phases are visited.
        let mut step = (span / per_row).max(1);
        if pitch == 2 && step.is_multiple_of(2) {
            step += 1;
        }
        if f.height < 2 * pitch + 2 {
            return NoiseModel::flat(floor.sqrt());
        }
        let (peak, at_peak, samples) = crate::with_sample_io!(f.encoding, Io => {
            self.collect::<Io>(frame, pairs, step)
        });
        let mut model = NoiseModel::flat(floor.sqrt());
        model.peak = peak;
        if at_peak * 1000 >= samples && peak > 0 {
            model.clip = peak;
        }
        for plane in 0..cfa.planes() {
            let mut points = [(0.0, 0.0, 0.0); BINS];
            let mut used = 0;
            for bin in 0..BINS {
                let v = &mut self.bins[plane * BINS + bin];
                if v.len() < MIN_BIN {
                    continue;
                }
                let mid = v.len() / 2;
                v.select_nth_unstable(mid);
                let low: u64 = v[..mid].iter().map(|&d| u64::from(d)).sum();
                let low_mean = low as f64 / mid.max(1) as f64;
                // For flat areas, d = min(|N(0, s)|, |N(0, s)|) with s² = 6σ²; the mean
                // of its lower half is 0.175 s. Texture sits in the upper half.
                let sigma2 = (low_mean / 0.175).powi(2) / 6.0;
                let level = (bin as f64 + 0.5) * (f64::from(max) + 1.0) / BINS as f64;
                points[used] = (level, sigma2, v.len() as f64);
                used += 1;
            }
            let (a, b) = fit(&points[..used], floor);
            model.a[plane] = a;
            model.b[plane] = b;
        }
        if cfa.planes() == 1 {
            for plane in 1..4 {
                model.a[plane] = model.a[0];
                model.b[plane] = model.b[0];
            }
        }
        model
    }
}

impl NoiseEstimator {
    /// Bins the samples of `pairs` row pairs, every `step` columns; returns the largest
    /// value seen, how many samples had it, and the number of samples.
    fn collect<Io: SampleIo>(
        &mut self,
        frame: &PlaneRef<'_>,
        pairs: usize,
        step: usize,
    ) -> (u16, usize, usize) {
        let f = *frame.plane();
        let cfa = f.cfa();
        let (data, stride) = (frame.data(), frame.stride());
        let pitch = cfa.pitch();
        let max = usize::from(f.max_value());
        let at = |x: usize, y: usize| u32::from(Io::read(data, y * stride + x * Io::BYTES));
        // Row pairs start at pitch..h-pitch-2 so that both rows have neighbours above
        // and below.
        let first = pitch;
        let last = f.height - pitch - 2;
        let sites = || {
            (0..pairs).flat_map(move |i| {
                let y0 = ((first + (last - first) * i / pairs.max(1)) & !1).max(first);
                (y0..y0 + 2).flat_map(move |y| {
                    (0..)
                        .map(move |k| pitch + k * step)
                        .take_while(move |&x| x + pitch < f.width)
                        .map(move |x| (x, y))
                })
            })
        };
        // First the level at which the frame clips, if it does: samples that touch it
        // say nothing about noise (clipped pixels do not vary).
        let (mut peak, mut at_peak, mut samples) = (0u16, 0usize, 0usize);
        for (x, y) in sites() {
            let c = at(x, y) as u16;
            if c > peak {
                peak = c;
                at_peak = 0;
            }
            if c == peak {
                at_peak += 1;
            }
            samples += 1;
        }
        let clipped = at_peak * 1000 >= samples && peak > 0;
        let ceiling = if clipped { u32::from(peak) } else { u32::MAX };
        for (x, y) in sites() {
            let c = at(x, y);
            let l = at(x - pitch, y);
            let r = at(x + pitch, y);
            let u = at(x, y - pitch);
            let d = at(x, y + pitch);
            if c.max(l).max(r).max(u).max(d) >= ceiling {
                continue;
            }
            let level = (l + r + u + d + 4 * c) as usize / 8;
            // The flatter of the two directions: texture is mostly directional.
            let diff = (2 * c).abs_diff(l + r).min((2 * c).abs_diff(u + d));
            let bin = (level * BINS / (max + 1)).min(BINS - 1);
            let plane = cfa.plane_index(x, y);
            self.bins[plane * BINS + bin].push(diff);
        }
        (peak, at_peak, samples)
    }
}

/// Noise variance of quantisation alone (1/12 DN²): the least a model may say.
const QUANTISATION: f64 = 1.0 / 12.0;

/// Weighted least squares of `σ² = a + b·level`, refitted without the points far above
/// the first fit; `b` kept ≥ 0 and `a` ≥ `floor`.
fn fit(points: &[(f64, f64, f64)], floor: f64) -> (f64, f64) {
    let solve = |pts: &mut dyn Iterator<Item = &(f64, f64, f64)>| -> Option<(f64, f64)> {
        let (mut sw, mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for &(x, y, w) in pts {
            sw += w;
            sx += w * x;
            sy += w * y;
            sxx += w * x * x;
            sxy += w * x * y;
        }
        if sw <= 0.0 {
            return None;
        }
        let det = sw * sxx - sx * sx;
        if det.abs() < 1e-9 * sw * sxx.max(1.0) {
            return Some((sy / sw, 0.0));
        }
        let b = (sw * sxy - sx * sy) / det;
        let a = (sy - b * sx) / sw;
        if b < 0.0 {
            // Falling noise with level is texture in the dark bins: use the mean.
            return Some((sy / sw, 0.0));
        }
        Some((a, b))
    };
    let Some((a, b)) = solve(&mut points.iter()) else {
        return (floor, 0.0);
    };
    let first = |x: f64| (a + b * x).max(floor);
    let (a, b) = solve(&mut points.iter().filter(|p| p.1 <= 2.0 * first(p.0))).unwrap_or((a, b));
    // Never below the smallest measured bin variance at level 0 and the floor.
    (a.max(floor), b.max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_a_line_through_poisson_gaussian_points() {
        let pts: Vec<_> = (0..10)
            .map(|i| {
                let x = i as f64 * 100.0;
                (x, 4.0 + 0.5 * x, 100.0)
            })
            .collect();
        let (a, b) = fit(&pts, 0.1);
        assert!((a - 4.0).abs() < 1e-6 && (b - 0.5).abs() < 1e-9, "{a} {b}");
    }

    #[test]
    fn measures_gaussian_noise_on_a_flat_frame() {
        let f = crate::frame::FrameFormat::parse("video/x-bayer", "rggb16le", 256, 128).unwrap();
        let mut data = vec![0u8; f.default_size()];
        let mut rng = crate::sim::SplitMix64::new(12345);
        {
            let stride = f.default_stride();
            let mut fm = crate::frame::PlaneMut::new(&mut data, f.plane(), stride).unwrap();
            for y in 0..f.height {
                for x in 0..f.width {
                    // Sum of 12 uniforms: ~Gaussian, σ = 20.
                    let mut acc = 0.0;
                    for _ in 0..12 {
                        acc += rng.unit();
                    }
                    fm.set(x, y, (10000.0 + (acc - 6.0) * 20.0) as u16);
                }
            }
        }
        let frame = PlaneRef::new(&data, f.plane(), f.default_stride()).unwrap();
        let m = NoiseEstimator::new().estimate(&frame);
        for p in 0..4 {
            let s = m.sigma(p, 10000.0);
            assert!((17.0..23.0).contains(&s), "plane {p}: {s}");
        }
    }
}
