//! The spatial test of a spot on one component plane: whether a sample stands out, as a
//! small bright or dark spot, from everything around it.
//!
//! A sample `c` is a *bright spot centre* when
//!
//! 1. it is the largest sample of its 3×3 neighbourhood (ties allowed), and
//! 2. it exceeds the second largest sample of the 16 at distance 2 (the ring around the
//!    3×3 core) by more than a margin:
//!
//! ```text
//! c − max₂(ring) − β·(max₂(ring) − min₂(ring)) > floor + k·σ
//! ```
//!
//! and mirrored for a dark spot. A spot up to 3×3 samples centred on `c` leaves the
//! ring untouched, so the test sees it whole; anything larger, a line through `c` (two
//! ring samples), an edge or a corner (many ring samples) does not pass, because the
//! second largest ring sample already belongs to it. `β·spread` raises the bar in
//! texture, `σ` (measured per plane and frame, [`estimate_sigma`]) in noise, and `floor`
//! (a fraction of the range) keeps quantisation and faint structure out.
//!
//! Real detail passes this test too (a specular glint, a star, the dot of an i): which
//! positions are pixel errors is the temporal evidence's call ([`super::evidence`]).
//! The repair asks this test, at half its margins, whether a confirmed position shows a
//! spot in a given frame at all.

use crate::frame::VideoFrame;

/// The constants of the spatial test; [`SpotTuning::sensitivity`] divides every margin.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpotTuning {
    /// 1 = defaults; 2 finds fainter spots (and more detail for the tracker to reject).
    pub sensitivity: f64,
    /// Noise multiple `k`.
    pub k: f64,
    /// Texture factor `β` (fraction of the ring's spread).
    pub beta: f64,
    /// Least excess, as a fraction of the sample range.
    pub floor: f64,
}

/// Default noise multiple.
pub const DEFAULT_K: f64 = 5.0;
/// Default texture factor.
pub const DEFAULT_BETA: f64 = 0.25;
/// Default least excess (fraction of range).
pub const DEFAULT_FLOOR: f64 = 0.02;

impl Default for SpotTuning {
    fn default() -> Self {
        SpotTuning {
            sensitivity: 1.0,
            k: DEFAULT_K,
            beta: DEFAULT_BETA,
            floor: DEFAULT_FLOOR,
        }
    }
}

/// Integer parameters of one plane's test for one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PlaneParams {
    /// `floor + k·σ`, in sample units.
    pub base: i32,
    /// `β` in 1/256.
    pub beta: i32,
}

impl PlaneParams {
    /// Parameters for a plane with noise `sigma` and largest value `max`.
    pub fn new(tuning: &SpotTuning, sigma: f64, max: u16) -> Self {
        let s = if tuning.sensitivity.is_finite() {
            tuning.sensitivity.clamp(0.05, 20.0)
        } else {
            1.0
        };
        let base = (tuning.floor * f64::from(max) + tuning.k * sigma.max(0.0)) / s;
        PlaneParams {
            base: base.round().clamp(1.0, f64::from(max)) as i32,
            beta: (tuning.beta * 256.0 / s).round().clamp(0.0, 65535.0) as i32,
        }
    }
}

/// Offsets of the 16 ring samples at Chebyshev distance 2.
pub const RING: [(isize, isize); 16] = [
    (-2, -2),
    (-1, -2),
    (0, -2),
    (1, -2),
    (2, -2),
    (-2, -1),
    (2, -1),
    (-2, 0),
    (2, 0),
    (-2, 1),
    (2, 1),
    (-2, 2),
    (-1, 2),
    (0, 2),
    (1, 2),
    (2, 2),
];

/// The full test at column `x` of the middle row of `rows` (y−2 … y+2); `x` must be at
/// least 2 and at most `w − 3`. Returns `(bright, ring extreme, ring median)` of a spot.
pub fn full_test(rows: [&[u16]; 5], x: usize, p: &PlaneParams) -> Option<(bool, u16, u16)> {
    let c = i32::from(rows[2][x]);
    let mut core_max = 0i32;
    let mut core_min = i32::MAX;
    for row in &rows[1..4] {
        for &v in &row[x - 1..=x + 1] {
            core_max = core_max.max(i32::from(v));
            core_min = core_min.min(i32::from(v));
        }
    }
    let bright_center = c >= core_max;
    let dark_center = c <= core_min;
    if !bright_center && !dark_center {
        return None;
    }
    let mut ring = [0u16; 16];
    for (r, &(dx, dy)) in ring.iter_mut().zip(&RING) {
        *r = rows[(2 + dy) as usize][(x as isize + dx) as usize];
    }
    ring.sort_unstable();
    let hi2 = i32::from(ring[14]);
    let lo2 = i32::from(ring[1]);
    let median = (u32::from(ring[7]) + u32::from(ring[8])).div_ceil(2) as u16;
    let texture = (p.beta * (hi2 - lo2)) >> 8;
    if bright_center && c - hi2 - texture > p.base {
        return Some((true, hi2 as u16, median));
    }
    if dark_center && lo2 - c - texture > p.base {
        return Some((false, lo2 as u16, median));
    }
    None
}

/// The full test at sample (`x`, `y`) of component `c`, read straight from the frame
/// (for single positions; `None` also within 2 of the plane's border).
pub fn spot_at(
    frame: &VideoFrame<'_>,
    c: usize,
    x: usize,
    y: usize,
    p: &PlaneParams,
) -> Option<(bool, u16, u16)> {
    let (w, h) = frame.layout().comp_size(c);
    if x < 2 || y < 2 || x + 2 >= w || y + 2 >= h {
        return None;
    }
    let mut win = [[0u16; 5]; 5];
    for (j, row) in win.iter_mut().enumerate() {
        for (i, v) in row.iter_mut().enumerate() {
            *v = frame.get(c, x + i - 2, y + j - 2);
        }
    }
    let rows = [
        &win[0][..],
        &win[1][..],
        &win[2][..],
        &win[3][..],
        &win[4][..],
    ];
    full_test(rows, 2, p)
}

/// Noise of component `c`: a low percentile of the horizontal second difference
/// `|2v − l − r|` on up to 64 rows spread over the plane, scaled to a standard
/// deviation (for white Gaussian noise the 25th percentile of that difference is
/// 0.78 σ). The low percentile keeps texture and edges, which fill the upper tail, out.
pub fn estimate_sigma(frame: &VideoFrame<'_>, c: usize, scratch: &mut NoiseScratch) -> f64 {
    let (w, h) = frame.layout().comp_size(c);
    if w < 3 || h == 0 {
        return 0.0;
    }
    let rows = h.min(64);
    let NoiseScratch { hist, row } = scratch;
    hist.clear();
    hist.resize(HIST_BINS, 0);
    row.resize(w, 0);
    let mut n = 0u64;
    for i in 0..rows {
        let y = i * h / rows;
        frame.unpack_row(c, y, row);
        for x in 1..w - 1 {
            let d = (2 * i32::from(row[x]) - i32::from(row[x - 1]) - i32::from(row[x + 1]))
                .unsigned_abs() as usize;
            hist[d.min(HIST_BINS - 1)] += 1;
            n += 1;
        }
    }
    let target = n / 4;
    let mut acc = 0u64;
    for (d, &count) in hist.iter().enumerate() {
        acc += u64::from(count);
        if acc > target {
            return (d as f64 / 0.78).max(0.25);
        }
    }
    0.25
}

/// Bins of [`estimate_sigma`]'s histogram of second differences (the last one holds
/// every larger difference).
const HIST_BINS: usize = 4 * 1024 + 1;

/// The buffers [`estimate_sigma`] reuses from frame to frame: its histogram and one
/// unpacked row (no allocation per frame once they have grown to the frame's width).
#[derive(Debug, Default)]
pub struct NoiseScratch {
    hist: Vec<u32>,
    row: Vec<u16>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(plane: &[u16], w: usize, y: usize) -> [&[u16]; 5] {
        [0, 1, 2, 3, 4].map(|k| &plane[(y - 2 + k) * w..(y - 1 + k) * w])
    }

    #[test]
    fn spots_up_to_3x3_pass_lines_and_edges_do_not() {
        let (w, h) = (20, 20);
        let p = PlaneParams { base: 10, beta: 64 };
        let flat = vec![100u16; w * h];
        let test = |plane: &Vec<u16>, x: usize, y: usize| full_test(rows_of(plane, w, y), x, &p);
        // 1×1 bright, 3×3 dark.
        let mut a = flat.clone();
        a[10 * w + 10] = 140;
        assert_eq!(test(&a, 10, 10), Some((true, 100, 100)));
        let mut b = flat.clone();
        for dy in 0..3 {
            for dx in 0..3 {
                b[(9 + dy) * w + 9 + dx] = 60;
            }
        }
        b[10 * w + 10] = 50;
        assert_eq!(test(&b, 10, 10), Some((false, 100, 100)));
        // A vertical line through the centre.
        let mut c = flat.clone();
        for y in 0..h {
            c[y * w + 10] = 160;
        }
        assert_eq!(test(&c, 10, 10), None);
        // An edge.
        let d: Vec<u16> = (0..w * h)
            .map(|i| if i % w >= 10 { 200 } else { 100 })
            .collect();
        assert_eq!(test(&d, 10, 10), None);
        // A faint spot below the margin.
        let mut e = flat.clone();
        e[10 * w + 10] = 108;
        assert_eq!(test(&e, 10, 10), None);
    }
}
