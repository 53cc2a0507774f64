//! Star fields: Gaussian stars on a dark sky, rendered on the sensor grid by integrating
//! the point-spread function over each pixel, fixed or drifting.
//!
//! A star's PSF has σ 0.5–1.5 px; its peak (the continuous PSF at its centre, in its
//! brightest colour) is 5–100 % of the range, drawn log-uniformly so faint stars
//! outnumber bright ones; its colour is a black body of 3000–10000 K seen through red,
//! green and blue filters (610, 540, 465 nm). The sky is a faint glow of 0.5 % of the
//! range above black; the sensor adds its noise on top.

use gstdefectfix::frame::Cfa;

use super::noise::Draw;
use super::scene::plane_of;

/// Stars per megapixel of the field.
const STARS_PER_MP: f64 = 600.0;
/// Sky glow above black, as a fraction of the range.
const SKY: f64 = 0.005;
/// Stars closer than this to the window's edge are not scored.
pub const EDGE: f64 = 3.0;

/// One star.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Star {
    /// Centre at frame 0, window pixels (pixel `i` spans `[i, i + 1)`).
    pub x: f64,
    pub y: f64,
    /// Peak of the PSF in its brightest colour, DN above black.
    pub peak: f64,
    /// PSF σ, pixels.
    pub sigma: f64,
    /// Red, green, blue response relative to the brightest (which is 1).
    pub colour: [f64; 3],
}

impl Star {
    /// Total signal of the star in colour `plane`, DN·pixels.
    pub fn flux(&self, plane: usize) -> f64 {
        self.peak * std::f64::consts::TAU * self.sigma * self.sigma * self.colour[plane]
    }
}

/// A field of stars, moving together at `velocity` px/frame.
#[derive(Clone, Debug)]
pub struct StarField {
    pub stars: Vec<Star>,
    pub velocity: (f64, f64),
    /// Sky glow, DN above black.
    pub sky: f64,
}

/// The pixels of one star that are watched in one frame.
#[derive(Clone, Debug)]
pub struct Watched {
    /// Index into [`StarField::stars`].
    pub star: usize,
    /// The star's brightest pixel and every pixel whose centre is within 2 σ of the
    /// star's centre (indices into the frame).
    pub pixels: Vec<usize>,
}

impl StarField {
    /// A field for a `width × height` window of a sensor with `range` DN, drifting at a
    /// drawn 0.03–0.3 px/frame when `drift` (else fixed), with enough stars around the
    /// window that it stays filled over `frames` frames.
    pub fn new(
        width: usize,
        height: usize,
        range: f64,
        frames: usize,
        drift: bool,
        seed: u64,
    ) -> StarField {
        let mut draw = Draw::new(seed);
        let velocity = if drift {
            let speed = draw.range(0.03, 0.3);
            let dir = draw.range(0.0, std::f64::consts::TAU);
            (speed * dir.cos(), speed * dir.sin())
        } else {
            (0.0, 0.0)
        };
        let travel = velocity.0.hypot(velocity.1) * frames as f64 + 8.0;
        let (x0, x1) = (-travel, width as f64 + travel);
        let (y0, y1) = (-travel, height as f64 + travel);
        let count = (STARS_PER_MP * (x1 - x0) * (y1 - y0) / 1e6).round() as usize;
        let stars = (0..count)
            .map(|_| {
                let kelvin = draw.range(3000.0, 10000.0);
                Star {
                    x: draw.range(x0, x1),
                    y: draw.range(y0, y1),
                    peak: range * 0.05 * 20f64.powf(draw.unit()),
                    sigma: draw.range(0.5, 1.5),
                    colour: colour_of(kelvin),
                }
            })
            .collect();
        StarField {
            stars,
            velocity,
            sky: SKY * range,
        }
    }

    /// Centre of `star` at `frame`.
    pub fn centre(&self, star: &Star, frame: usize) -> (f64, f64) {
        let t = frame as f64;
        (star.x + self.velocity.0 * t, star.y + self.velocity.1 * t)
    }

    /// What the sequence header says about the field.
    pub fn description(&self) -> String {
        let speed = self.velocity.0.hypot(self.velocity.1);
        if speed == 0.0 {
            format!("{} stars, fixed", self.stars.len())
        } else {
            format!(
                "{} stars drifting ({:+.3}, {:+.3}) px/frame",
                self.stars.len(),
                self.velocity.0,
                self.velocity.1
            )
        }
    }

    /// The noise-free signal (DN above black) of frame `frame` on a `width × height`
    /// window of `cfa`: sky plus every star, each integrated over each pixel.
    pub fn render(&self, cfa: Cfa, width: usize, height: usize, frame: usize, out: &mut [f32]) {
        out.fill(self.sky as f32);
        for star in &self.stars {
            let (cx, cy) = self.centre(star, frame);
            let Some(bx) = Footprint::new(cx, star.sigma, width) else {
                continue;
            };
            let Some(by) = Footprint::new(cy, star.sigma, height) else {
                continue;
            };
            let flux = [star.flux(0), star.flux(1), star.flux(2)];
            for (j, fy) in by.weights.iter().enumerate() {
                let y = by.first + j;
                for (i, fx) in bx.weights.iter().enumerate() {
                    let x = bx.first + i;
                    let plane = plane_of(cfa.channel(x, y));
                    out[y * width + x] += (flux[plane] * fx * fy) as f32;
                }
            }
        }
    }

    /// The stars scored in frame `frame` (centre at least [`EDGE`] inside the window) and
    /// their watched pixels.
    pub fn watched(&self, cfa: Cfa, width: usize, height: usize, frame: usize) -> Vec<Watched> {
        let mut out = Vec::new();
        let (w, h) = (width as f64, height as f64);
        for (index, star) in self.stars.iter().enumerate() {
            let (cx, cy) = self.centre(star, frame);
            if cx < EDGE || cy < EDGE || cx > w - EDGE || cy > h - EDGE {
                continue;
            }
            let (Some(bx), Some(by)) = (
                Footprint::new(cx, star.sigma, width),
                Footprint::new(cy, star.sigma, height),
            ) else {
                continue;
            };
            let reach = 2.0 * star.sigma;
            let mut pixels = Vec::new();
            let mut brightest = (f64::MIN, 0usize);
            for (j, fy) in by.weights.iter().enumerate() {
                let y = by.first + j;
                for (i, fx) in bx.weights.iter().enumerate() {
                    let x = bx.first + i;
                    let at = y * width + x;
                    let v = star.colour[plane_of(cfa.channel(x, y))] * fx * fy;
                    if v > brightest.0 {
                        brightest = (v, at);
                    }
                    let (dx, dy) = (x as f64 + 0.5 - cx, y as f64 + 0.5 - cy);
                    if dx * dx + dy * dy <= reach * reach {
                        pixels.push(at);
                    }
                }
            }
            if !pixels.contains(&brightest.1) {
                pixels.push(brightest.1);
            }
            out.push(Watched {
                star: index,
                pixels,
            });
        }
        out
    }
}

/// The pixels along one axis that a star's PSF reaches (± 5 σ), with the share of the
/// PSF each receives.
struct Footprint {
    first: usize,
    weights: Vec<f64>,
}

impl Footprint {
    fn new(centre: f64, sigma: f64, len: usize) -> Option<Footprint> {
        let lo = (centre - 5.0 * sigma).floor().max(0.0);
        let hi = (centre + 5.0 * sigma).ceil().min(len as f64);
        if hi <= lo {
            return None;
        }
        let (first, last) = (lo as usize, hi as usize);
        let cdf = |edge: f64| normal_cdf((edge - centre) / sigma);
        let weights = (first..last)
            .map(|i| cdf(i as f64 + 1.0) - cdf(i as f64))
            .collect();
        Some(Footprint { first, weights })
    }
}

/// The standard normal distribution function, via erf (Abramowitz and Stegun 7.1.26,
/// error below 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Red, green, blue of a black body at `kelvin` through filters at 610, 540 and 465 nm,
/// the brightest scaled to 1.
fn colour_of(kelvin: f64) -> [f64; 3] {
    // Planck's law up to a constant: λ⁻⁵ / (exp(hc / λkT) − 1), hc/k = 0.014388 m·K.
    let planck = |nm: f64| {
        let l = nm * 1e-9;
        1.0 / (l.powi(5) * ((0.014_388 / (l * kelvin)).exp() - 1.0))
    };
    let rgb = [planck(610.0), planck(540.0), planck(465.0)];
    let max = rgb.iter().copied().fold(f64::MIN, f64::max);
    rgb.map(|v| v / max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_flux_is_conserved_on_the_sensor() {
        let (w, h) = (64, 64);
        for (x, y, sigma) in [(31.3, 30.8, 0.5), (20.0, 40.5, 1.0), (44.7, 22.1, 1.5)] {
            let star = Star {
                x,
                y,
                peak: 100.0,
                sigma,
                colour: [1.0, 1.0, 1.0],
            };
            let field = StarField {
                stars: vec![star],
                velocity: (0.0, 0.0),
                sky: 0.0,
            };
            let mut out = vec![0f32; w * h];
            field.render(Cfa::Rggb, w, h, 0, &mut out);
            let total: f64 = out.iter().map(|&v| f64::from(v)).sum();
            assert!(
                (total / star.flux(1) - 1.0).abs() < 1e-4,
                "σ {sigma}: {total} vs {}",
                star.flux(1)
            );
        }
    }

    #[test]
    fn a_drifting_field_moves_and_a_fixed_one_does_not() {
        let field = StarField::new(128, 96, 4000.0, 30, true, 5);
        let speed = field.velocity.0.hypot(field.velocity.1);
        assert!((0.03..0.3).contains(&speed));
        let fixed = StarField::new(128, 96, 4000.0, 30, false, 5);
        let (mut a, mut b) = (vec![0f32; 128 * 96], vec![0f32; 128 * 96]);
        fixed.render(Cfa::Grbg, 128, 96, 0, &mut a);
        fixed.render(Cfa::Grbg, 128, 96, 29, &mut b);
        assert_eq!(a, b);
        field.render(Cfa::Grbg, 128, 96, 0, &mut a);
        field.render(Cfa::Grbg, 128, 96, 29, &mut b);
        assert_ne!(a, b);
        assert!(!field.watched(Cfa::Grbg, 128, 96, 0).is_empty());
    }
}
