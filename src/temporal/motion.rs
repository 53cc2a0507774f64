//! How far the scene in each tile of the frame has moved since the tile's key frame.
//!
//! The frame is cut into square tiles of [`TILE`] pixels. Each frame, every tile's
//! displacement against the key frame is measured by block matching on cells of one
//! colour-pattern period (2×2 pixels of a Bayer sensor summed, so that every colour
//! counts once; 2×2 pixels of a processed picture; a pixel of a monochrome sensor),
//! every fourth cell along each axis, searched around the displacement
//! predicted from the tile's last two measurements and refined to sub-pixel precision by
//! a parabola through the matching costs. The displacement is measured against the key
//! frame directly, never summed from frame to frame, so it does not drift.
//!
//! The match is robust: a cell that differs by far more than a good match leaves (its
//! noise, and a misregistration of up to a cell of the tile's texture) costs no more
//! than that. Fixed defects — a stuck or hot photosite every few hundred pixels, at high
//! gain on a dark scene — match themselves at no displacement and would otherwise hold
//! a dim, moving scene still.
//!
//! A tile whose content gives the match no shape along both axes and both diagonals
//! (flat sky, a clipped area, a straight edge, which matches as well anywhere along
//! itself) is *unreliable* and takes the picture's displacement since its own key (the
//! picture's position, [`median_position`], less where the picture was when the key was
//! taken): the camera moves the whole picture, and such a tile has nothing to
//! contradict it with.
//! When no tile is reliable, [`median_position`] has nothing to give and the evidence
//! store decides (a picture last seen moving waits, one last seen still rests).

use crate::detect::NoiseModel;
use crate::frame::PlaneRef;

/// Side of a tile at up to about 3 megapixels, in pixels; larger frames get tiles of a
/// multiple of it ([`tile_side`]), so that a frame has some 500 tiles whatever its size.
pub const TILE: usize = 64;
/// Cells skipped between matched cells along each axis (every fourth: 64 cells of a
/// Bayer tile are matched).
const SUBSAMPLE: usize = 4;
/// Most cells a tile matches (a monochrome tile of [`TILE`] pixels: 16 × 16).
const MAX_CELLS: usize = (TILE / SUBSAMPLE) * (TILE / SUBSAMPLE);
/// The search reaches this many grid steps around the prediction, then as far again
/// once when the best match lies on its edge.
const REACH: i32 = 1;
/// Largest displacement followed, in grid steps (farther: the tile's key is renewed).
const MAX_STEPS: i32 = 6;

/// One tile's motion since its key frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TileMotion {
    /// Displacement of the scene, pixels: the frame at `p` shows what the key frame
    /// showed at `p - shift`.
    pub shift: [f32; 2],
    /// The displacement of the frame before (for the prediction).
    last: [f32; 2],
    /// Whether the tile's own content fixed the displacement.
    pub reliable: bool,
    /// Frames since the tile's key frame was taken.
    pub age: u32,
    /// The match failed (displacement out of reach): the key must be renewed.
    pub lost: bool,
    /// The temporal noise seen at the best match, against what the noise model says
    /// (σ measured / σ modelled at the tile's level): an upper bound of the true ratio,
    /// since texture and misregistration add to the residual. `None`: not measured.
    pub noise_ratio: Option<f32>,
}

impl TileMotion {
    /// The displacement predicted for the next frame: the last plus the last step.
    fn predicted(&self) -> [f32; 2] {
        [
            2.0 * self.shift[0] - self.last[0],
            2.0 * self.shift[1] - self.last[1],
        ]
    }

    /// Forgets the motion: the key frame of the tile has just been renewed.
    pub fn renew(&mut self) {
        let step = [self.shift[0] - self.last[0], self.shift[1] - self.last[1]];
        // Keep the velocity: the prediction for the next frame is one step.
        *self = TileMotion {
            shift: [0.0; 2],
            last: [-step[0], -step[1]],
            ..TileMotion::default()
        };
    }
}

/// The tiles of a frame: rectangles in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tile {
    pub x0: usize,
    pub y0: usize,
    pub x1: usize,
    pub y1: usize,
}

/// The side of the tiles of a `width`×`height` frame: [`TILE`] times the square root of
/// the frame's size in units of 2 megapixels, rounded (64 px to 1080p, 128 at 2160p, 256
/// at 4320p).
pub fn tile_side(width: usize, height: usize) -> usize {
    let scale = ((width * height) as f64 / f64::from(1u32 << 21))
        .sqrt()
        .round();
    TILE * (scale as usize).max(1)
}

/// Tiles of `side` pixels covering a `width`×`height` frame, row-major.
pub fn tiles(width: usize, height: usize, side: usize) -> Vec<Tile> {
    let mut out = Vec::new();
    for y0 in (0..height).step_by(side) {
        for x0 in (0..width).step_by(side) {
            out.push(Tile {
                x0,
                y0,
                x1: (x0 + side).min(width),
                y1: (y0 + side).min(height),
            });
        }
    }
    out
}

/// Measures the displacement of `tile` in `frame` against the key frame (`key_row(y)`,
/// the key's row `y`) and updates `m`. Matches cells of one colour-pattern
/// period (2×2 pixels on a Bayer sensor, summed: every colour once, so the match sees
/// the scene's brightness and not the mosaic; one pixel on a monochrome one), every
/// other cell along each axis, by the sum of squared differences, whose minimum a
/// parabola locates between the cells.
pub fn measure<'k>(
    key_row: &impl Fn(usize) -> &'k [u16],
    now: &impl Fn(usize, usize) -> u16,
    frame: &PlaneRef<'_>,
    tile: &Tile,
    noise: &NoiseModel,
    m: &mut TileMotion,
) {
    let f = frame.plane();
    let (w, h) = (f.width, f.height);
    let cfa = f.cfa();
    // Cells of a Bayer pattern's period, and of 2×2 pixels in a processed picture too
    // (a step of the search then spans two pixels, as on a sensor).
    let pitch = super::ring(f);
    // Larger tiles skip more cells: the same number is matched in every tile.
    let step = pitch * SUBSAMPLE * (tile.x1 - tile.x0).div_ceil(TILE).max(1);
    let margin = pitch as i32 * (MAX_STEPS + 1);
    // Matched cells (top-left pixel): the tile's cells that stay inside the frame for
    // every shift.
    let xs = || {
        (tile.x0..tile.x1)
            .step_by(step)
            .filter(move |&x| x as i32 >= margin && x as i32 + margin + (pitch as i32) < w as i32)
    };
    let ys = || {
        (tile.y0..tile.y1)
            .step_by(step)
            .filter(move |&y| y as i32 >= margin && y as i32 + margin + (pitch as i32) < h as i32)
    };
    // (Never more than `MAX_CELLS`: larger tiles skip more cells.)
    let samples = (xs().count() * ys().count()).min(MAX_CELLS);
    m.age += 1;
    m.lost = false;
    m.last = m.shift;
    m.noise_ratio = None;
    if samples < 16 {
        m.reliable = false;
        return;
    }
    // The matched cells' positions, row-major.
    let mut positions = [(0usize, 0usize); MAX_CELLS];
    for (p, xy) in positions
        .iter_mut()
        .zip(ys().flat_map(|y| xs().map(move |x| (x, y))))
    {
        *p = xy;
    }
    let positions = &positions[..samples];
    // The frame's cells, read once.
    let mut cells_now = [0i64; MAX_CELLS];
    for (c, &(x, y)) in cells_now.iter_mut().zip(positions) {
        *c = cell(now, pitch, x, y);
    }
    let cells_now = &cells_now[..samples];
    // The noise of a cell difference: the variance of a difference of two cells of `n`
    // pixels is 2·n·σ².
    let cells: i64 = cells_now.iter().sum();
    let level = cells as f64 / (samples * pitch * pitch) as f64;
    let sigma = noise.sigma(cfa.plane_index(tile.x0, tile.y0), level);
    let cell_var = 2.0 * (pitch * pitch) as f64 * sigma * sigma;
    // A cell differing by more than `cap` (squared) is an outlier, which costs no
    // more: what does not move with the scene (fixed defects, a hot pixel at high gain
    // on a dark scene) would otherwise hold the match at zero, and what appears or
    // vanishes (an occlusion) would pull it; nor is it noise, which the best match's
    // residual measures. The cap follows what a good match leaves: the noise of a cell
    // difference and a misregistration of up to a cell of this tile's texture (capping
    // those would flatten the costs and pull the sub-cell fit towards whole cells).
    let cap = if sigma > 0.0 {
        let spread = cell_var + texture_var(now, pitch, positions, cells_now, (w, h));
        (OUTLIER_SPREADS * OUTLIER_SPREADS * spread).max(1.0) as u64
    } else {
        u64::MAX
    };
    // Cost of the scene having moved by (sx, sy) cells: frame(p) against key(p - s).
    // The cells come in rows of `across`: the key's rows are looked up once a row.
    let across = xs().count();
    let cost = |sx: i32, sy: i32| -> u64 {
        let (dx, dy) = (sx as isize * pitch as isize, sy as isize * pitch as isize);
        let mut ssd = 0u64;
        for (row, at) in cells_now.chunks(across).zip(positions.chunks(across)) {
            let ky = at[0].1.wrapping_add_signed(-dy);
            let top = key_row(ky);
            let below = if pitch == 1 { top } else { key_row(ky + 1) };
            for (&c, &(x, _)) in row.iter().zip(at) {
                // (The key's cell, as `cell` reads it.)
                let kx = x.wrapping_add_signed(-dx);
                let k = if pitch == 1 {
                    i64::from(top[kx])
                } else {
                    i64::from(top[kx])
                        + i64::from(top[kx + 1])
                        + i64::from(below[kx])
                        + i64::from(below[kx + 1])
                };
                let d = c - k;
                ssd += ((d * d) as u64).min(cap);
            }
        }
        ssd
    };
    let predicted = m.predicted();
    let mut centre = [
        (predicted[0] / pitch as f32).round() as i32,
        (predicted[1] / pitch as f32).round() as i32,
    ];
    let mut costs = [[0u64; 3]; 3];
    // Costs already computed (a search around a moved centre shares shifts with the
    // last): at most three searches of nine.
    let mut known = [(0i32, 0i32, 0u64); 27];
    let mut count = 0;
    let mut cost_of = |sx: i32, sy: i32| -> u64 {
        if let Some(&(_, _, c)) = known[..count].iter().find(|k| (k.0, k.1) == (sx, sy)) {
            return c;
        }
        let c = cost(sx, sy);
        if count < known.len() {
            known[count] = (sx, sy, c);
            count += 1;
        }
        c
    };
    let mut searched = 0;
    loop {
        centre = centre.map(|c| c.clamp(-MAX_STEPS + REACH, MAX_STEPS - REACH));
        // The centre wins ties: a flat tile, which costs the same at every shift, stays
        // where it is (and takes the picture's motion: it has no shape).
        let mut best = (cost_of(centre[0], centre[1]), 0, 0);
        for dy in -REACH..=REACH {
            for dx in -REACH..=REACH {
                let c = cost_of(centre[0] + dx, centre[1] + dy);
                costs[(dy + 1) as usize][(dx + 1) as usize] = c;
                if c < best.0 {
                    best = (c, dx, dy);
                }
            }
        }
        searched += 1;
        if best.1 == 0 && best.2 == 0 {
            break;
        }
        if searched > 2 {
            // Still on the edge after the second search: out of reach.
            m.lost = true;
            m.reliable = false;
            return;
        }
        centre = [centre[0] + best.1, centre[1] + best.2];
    }
    let c0 = costs[1][1] as f64;
    let fit = |lo: u64, hi: u64| -> Option<f64> {
        let (lo, hi) = (lo as f64, hi as f64);
        let curve = lo + hi - 2.0 * c0;
        (curve > 0.0).then(|| (0.5 * (lo - hi) / curve).clamp(-0.5, 0.5))
    };
    // Shape: moving by one cell must cost clearly more than the noise of a cell
    // difference does.
    if sigma > 0.0 {
        // The cost at the parabolas' vertex: the residual once the sub-cell part of the
        // displacement is accounted for (outliers capped: they are not noise; fixed
        // defects alone would make a moving picture's residual many times its noise).
        let dip = |lo: u64, hi: u64| {
            let (lo, hi) = (lo as f64, hi as f64);
            let curve = lo + hi - 2.0 * c0;
            if curve > 0.0 {
                (lo - hi).powi(2) / (8.0 * curve)
            } else {
                0.0
            }
        };
        let floor =
            (c0 - dip(costs[1][0], costs[1][2]) - dip(costs[0][1], costs[2][1])).max(0.25 * c0);
        m.noise_ratio = Some(((floor / samples as f64 / cell_var).sqrt()) as f32);
    }
    // … and more than the best match's own residual (what noise and misregistration
    // leave there, measured: a noise model read within one frame understates the noise
    // of a processed picture, whose interpolated pixels share their noise).
    let needed = (samples as f64 * cell_var * SHAPE_SIGMAS).max(SHAPE_RESIDUAL * c0);
    let shaped = |lo: u64, hi: u64| (lo.min(hi) as f64 - c0) > needed;
    match (fit(costs[1][0], costs[1][2]), fit(costs[0][1], costs[2][1])) {
        (Some(fx), Some(fy)) => {
            m.shift = [
                (centre[0] as f32 + fx as f32) * pitch as f32,
                (centre[1] as f32 + fy as f32) * pitch as f32,
            ];
            // Along both diagonals too: a straight edge at 45° has shape across both
            // axes but costs the same at every shift along itself, and noise would walk
            // the match along it (the aperture problem; on a still shot that walk
            // reached a whole-pixel "instant" and confirmed what it should not).
            m.reliable = shaped(costs[1][0], costs[1][2])
                && shaped(costs[0][1], costs[2][1])
                && shaped(costs[0][0], costs[2][2])
                && shaped(costs[0][2], costs[2][0]);
        }
        _ => m.reliable = false,
    }
}

/// One cell of `get` at (`x`, `y`): the pixel, or the 2×2 cell of a Bayer pattern (or
/// of a processed picture).
#[inline(always)]
fn cell(get: &impl Fn(usize, usize) -> u16, pitch: usize, x: usize, y: usize) -> i64 {
    if pitch == 1 {
        i64::from(get(x, y))
    } else {
        i64::from(get(x, y))
            + i64::from(get(x + 1, y))
            + i64::from(get(x, y + 1))
            + i64::from(get(x + 1, y + 1))
    }
}

/// The typical squared difference between the cells `cells` at `positions` and their
/// next cells along each axis (the median over the cells and both axes): what a
/// misregistration of up to a cell leaves at the best match, on top of the noise. A
/// median, so sparse outliers (the defects the cap is for) do not raise it.
fn texture_var(
    now: &impl Fn(usize, usize) -> u16,
    pitch: usize,
    positions: &[(usize, usize)],
    cells: &[i64],
    (w, h): (usize, usize),
) -> f64 {
    let mut d2 = [0i64; 2 * MAX_CELLS];
    let mut n = 0;
    for (&here, &(x, y)) in cells.iter().zip(positions) {
        if x + 2 * pitch <= w {
            d2[n] = (cell(now, pitch, x + pitch, y) - here).pow(2);
            n += 1;
        }
        if y + 2 * pitch <= h {
            d2[n] = (cell(now, pitch, x, y + pitch) - here).pow(2);
            n += 1;
        }
    }
    if n == 0 {
        return 0.0;
    }
    let mid = n / 2;
    let (_, m, _) = d2[..n].select_nth_unstable(mid);
    *m as f64
}

/// A cell difference beyond this many times the spread of a match's residual (the
/// noise of a cell difference and a cell's misregistration of the tile's texture) is
/// an outlier (see [`measure`]).
const OUTLIER_SPREADS: f64 = 6.0;
/// How much more than the noise (its variance per matched cell) a one-cell move must
/// cost for the tile to have shape.
const SHAPE_SIGMAS: f64 = 1.0;
/// How much more than the best match's residual a one-cell move must cost: on a tile
/// with no shape every shift costs about the same, and noise picks the best.
const SHAPE_RESIDUAL: f64 = 1.0;

/// The picture's position: the median over the reliable tiles of where their key
/// showed the picture (`key_at`, paired with each tile's motion) plus their displacement
/// since; and the median of their last steps (displacement over the last frame). `None`
/// when no tile is reliable. Tiles renew their keys at different frames, so their
/// displacements alone are measured from different origins. `scratch` is reused.
pub fn median_position<'a>(
    motion: impl Iterator<Item = (&'a TileMotion, [f32; 2])> + Clone,
    scratch: &mut Vec<f32>,
) -> Option<([f32; 2], [f32; 2])> {
    let mut median = |of: &dyn Fn(&TileMotion, [f32; 2]) -> f32| -> Option<f32> {
        scratch.clear();
        scratch.extend(
            motion
                .clone()
                .filter(|(m, _)| m.reliable)
                .map(|(m, at)| of(m, at)),
        );
        if scratch.is_empty() {
            return None;
        }
        let mid = scratch.len() / 2;
        scratch.select_nth_unstable_by(mid, f32::total_cmp);
        Some(scratch[mid])
    };
    let position = [
        median(&|m, at| at[0] + m.shift[0])?,
        median(&|m, at| at[1] + m.shift[1])?,
    ];
    let step = [
        median(&|m, _| m.shift[0] - m.last[0])?,
        median(&|m, _| m.shift[1] - m.last[1])?,
    ];
    Some((position, step))
}

/// The frame's temporal noise against the noise model: a low quantile of the tiles'
/// ratios (each an upper bound; the flattest, best-matched tiles come closest), within
/// [1/64, 1] (the model, measured within one frame, sees texture as noise and never
/// less than the noise). `None` when no tile measured one.
pub fn noise_ratio<'a>(
    motion: impl Iterator<Item = &'a TileMotion>,
    scratch: &mut Vec<f32>,
) -> Option<f32> {
    scratch.clear();
    scratch.extend(
        motion
            .filter_map(|m| m.noise_ratio)
            .filter(|r| r.is_finite()),
    );
    if scratch.is_empty() {
        return None;
    }
    let at = scratch.len() / NOISE_QUANTILE;
    scratch.select_nth_unstable_by(at, f32::total_cmp);
    Some(scratch[at].clamp(1.0 / 64.0, 1.0))
}

/// The quantile of [`noise_ratio`]: one in this many tiles lies below it.
const NOISE_QUANTILE: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picture_position_adds_each_tile_s_key_position_to_its_displacement() {
        // Three tiles see the picture 3 px from where the stream began, their keys taken
        // at 0, 2 and 4 px: their displacements since their keys differ (3, 1, −1), the
        // position they measure does not. A fourth, unreliable, tile has no say.
        let tile = |key_at: f32, shift: f32, reliable: bool| {
            (
                TileMotion {
                    shift: [shift, 0.5],
                    last: [shift - 0.25, 0.5],
                    reliable,
                    ..TileMotion::default()
                },
                [key_at, 0.0],
            )
        };
        let tiles = [
            tile(0.0, 3.0, true),
            tile(2.0, 1.0, true),
            tile(4.0, -1.0, true),
            tile(0.0, -5.0, false),
        ];
        let mut scratch = Vec::new();
        let got = median_position(tiles.iter().map(|(m, at)| (m, *at)), &mut scratch);
        assert_eq!(got, Some(([3.0, 0.5], [0.25, 0.0])));
        let none = median_position(tiles[3..].iter().map(|(m, at)| (m, *at)), &mut scratch);
        assert_eq!(none, None);
    }
}
