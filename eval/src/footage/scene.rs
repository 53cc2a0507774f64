//! The scene a camera films: a real raw frame turned into linear RGB at half resolution
//! (each 2×2 CFA cell one RGB pixel, black level subtracted), sampled anywhere with a
//! Catmull-Rom interpolator. Nothing is added to it: the texture, the noise floor and the
//! clipped highlights are the real frame's.
//!
//! Coordinates: a point of the scene is given in the original frame's sensor pixels
//! (pixel `i` spans `[i, i + 1)`, the active area's top-left corner at 0). Cell `k` covers
//! sensor pixels `2k` and `2k + 1`; its value sits at its centre, `2k + 1`.

use gstdefectfix::frame::{Cfa, Channel};

/// Linear half-resolution RGB, in DN above black of the frame's depth.
#[derive(Clone, Debug)]
pub struct Scene {
    /// Cells across and down.
    pub width: usize,
    pub height: usize,
    /// Red, green (mean of the two greens), blue; row-major.
    planes: [Vec<f32>; 3],
}

/// Plane index of a colour: red 0, green 1, blue 2 (luma reads green).
pub fn plane_of(channel: Channel) -> usize {
    match channel {
        Channel::Red => 0,
        Channel::Green | Channel::Luma => 1,
        Channel::Blue => 2,
    }
}

impl Scene {
    /// The scene of a raw frame `values` (`width × height`, pattern `cfa`), from its
    /// active area `(x0, y0, x1, y1)` (even corners keep the pattern's phase), black
    /// subtracted and values above `white` clipped there (they are saturated).
    pub fn from_raw(
        values: &[u16],
        width: usize,
        cfa: Cfa,
        black: u16,
        white: u16,
        active: (usize, usize, usize, usize),
    ) -> Scene {
        let (x0, y0, x1, y1) = active;
        let cw = (x1 - x0) / 2;
        let ch = (y1 - y0) / 2;
        let mut planes = [
            vec![0f32; cw * ch],
            vec![0f32; cw * ch],
            vec![0f32; cw * ch],
        ];
        let level = |x: usize, y: usize| -> f32 {
            f32::from(values[y * width + x].min(white)) - f32::from(black)
        };
        for cy in 0..ch {
            for cx in 0..cw {
                let mut sum = [0f32; 3];
                let mut count = [0f32; 3];
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let (x, y) = (x0 + 2 * cx + dx, y0 + 2 * cy + dy);
                    let p = plane_of(cfa.channel(x, y));
                    sum[p] += level(x, y);
                    count[p] += 1.0;
                }
                for p in 0..3 {
                    planes[p][cy * cw + cx] = if count[p] > 0.0 {
                        sum[p] / count[p]
                    } else {
                        sum[1] / count[1].max(1.0)
                    };
                }
            }
        }
        Scene {
            width: cw,
            height: ch,
            planes,
        }
    }

    /// A scene from given planes (red, green, blue; `width × height` cells each).
    pub fn from_planes(width: usize, height: usize, planes: [Vec<f32>; 3]) -> Scene {
        Scene {
            width,
            height,
            planes,
        }
    }

    /// Size of the scene in sensor pixels.
    pub fn sensor_size(&self) -> (f64, f64) {
        (2.0 * self.width as f64, 2.0 * self.height as f64)
    }

    /// The value of `plane` at sensor point `(px, py)`: Catmull-Rom on the cells, edges
    /// clamped, negative overshoot cut at 0 (a linear signal).
    pub fn sample(&self, plane: usize, px: f64, py: f64) -> f32 {
        let u = (px - 1.0) * 0.5;
        let v = (py - 1.0) * 0.5;
        let (iu, fu) = (u.floor(), (u - u.floor()) as f32);
        let (iv, fv) = (v.floor(), (v - v.floor()) as f32);
        let wu = catmull_rom(fu);
        let wv = catmull_rom(fv);
        let data = &self.planes[plane];
        let clamp = |c: f64, len: usize| -> usize { c.clamp(0.0, (len - 1) as f64) as usize };
        let mut acc = 0f32;
        for (j, wy) in wv.iter().enumerate() {
            let row = clamp(iv - 1.0 + j as f64, self.height) * self.width;
            let mut r = 0f32;
            for (i, wx) in wu.iter().enumerate() {
                r += wx * data[row + clamp(iu - 1.0 + i as f64, self.width)];
            }
            acc += wy * r;
        }
        acc.max(0.0)
    }
}

/// Catmull-Rom weights of the samples at −1, 0, 1, 2 for a point `t` ∈ [0, 1) past 0.
fn catmull_rom(t: f32) -> [f32; 4] {
    let t2 = t * t;
    let t3 = t2 * t;
    [
        0.5 * (-t3 + 2.0 * t2 - t),
        0.5 * (3.0 * t3 - 5.0 * t2 + 2.0),
        0.5 * (-3.0 * t3 + 4.0 * t2 + t),
        0.5 * (t3 - t2),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_reproduced_at_their_centres() {
        // A 4×4 GRBG frame: cells (G=10,R=20,B=30,G=12) and so on.
        let values: Vec<u16> = (0..64u16).map(|i| 10 + i).collect();
        let scene = Scene::from_raw(&values, 8, Cfa::Grbg, 10, 255, (0, 0, 8, 8));
        assert_eq!((scene.width, scene.height), (4, 4));
        // Cell (1, 1): pixels (2,2) G, (3,2) R, (2,3) B, (3,3) G.
        let at = |x: usize, y: usize| f32::from(values[y * 8 + x]) - 10.0;
        assert_eq!(scene.sample(0, 3.0, 3.0), at(3, 2));
        assert_eq!(scene.sample(2, 3.0, 3.0), at(2, 3));
        assert_eq!(scene.sample(1, 3.0, 3.0), 0.5 * (at(2, 2) + at(3, 3)));
        // Catmull-Rom is exact on a ramp: halfway between cells gives the mean.
        let mid = scene.sample(0, 4.0, 3.0);
        assert!((mid - 0.5 * (at(3, 2) + at(5, 2))).abs() < 1e-4);
    }
}
