//! The per-pixel decision and the row kernels that apply it.
//!
//! [`decide`] is the whole row test for one pixel, in integer arithmetic; [`prefilter`]
//! is its cheap necessary condition in 16-bit lanes. They are used these ways, all
//! bit-identical by construction and held so by tests:
//! - [`reference_pixel`]: the scalar reference, one pixel at a time through a frame view,
//!   with neighbours outside the frame reflected about the edge (`-k → k`,
//!   `w-1+k → w-1-k`, which keeps the colour of a Bayer site);
//! - [`row_portable`]: a row of pixels over decoded, padded `u16` rows, written as a
//!   plain loop over equal-length slices so that the compiler vectorises it (SSE2 on the
//!   baseline x86-64 target);
//! - [`row_avx2`], [`row_avx512`]: the same loop body compiled with AVX2 / AVX-512 BW
//!   enabled, chosen at run time ([`KernelPath`], the crate's one choice of
//!   instruction set).
//!
//! The row kernels compute [`prefilter`] for every pixel; the caller runs [`decide`] on
//! the pixels it lets through (about 0.02 % on natural frames).

use super::Params;
use crate::exec::KernelPath;

/// Flag bit: the pixel is too bright for its neighbourhood.
pub const HOT: u8 = 1;
/// Flag bit: the pixel is too dark for its neighbourhood.
pub const COLD: u8 = 2;

/// Per-column parameters of one row: which lanes are green Bayer sites (whose diagonal
/// same-colour neighbours are at distance 1) and the noise curve of each column's plane.
#[derive(Clone, Debug, Default)]
pub struct RowParams {
    /// 0xFFFF where the column's pixel is green on a Bayer sensor, else 0.
    pub green: Vec<u16>,
    /// Constant term of the squared noise threshold, per column.
    pub a: Vec<u32>,
    /// Slope of the squared noise threshold per (level >> shift), per column.
    pub b: Vec<u32>,
}

/// The decision for one pixel of value `v` with same-colour neighbours `n` (in any
/// order), `a` and `b` the noise curve of its plane.
///
/// Rank based, so that a second defect among the neighbours (a pair, the green
/// diagonal of a 2×2 block) does not hide the first: a pixel is hot when it exceeds the
/// *second* largest neighbour by more than the threshold, cold when it lies below the
/// second smallest by more than the threshold. The threshold is the larger of a floor
/// and `k·σ(level)` (compared as squares: `e² > a + b·(level >> shift)`, the Poisson–
/// Gaussian noise model, `level` = the second largest neighbour), on top of a texture
/// margin `beta · (second largest − second smallest)`, the spread of the neighbours
/// with one outlier on each side discounted.
#[inline(always)]
pub fn decide(v: u16, n: [u16; 8], a: u32, b: u32, p: &Params) -> u8 {
    let mut hi1 = n[0].max(n[1]);
    let mut hi2 = n[0].min(n[1]);
    let mut lo1 = hi2;
    let mut lo2 = hi1;
    for &x in &n[2..] {
        hi2 = hi2.max(hi1.min(x));
        hi1 = hi1.max(x);
        lo2 = lo2.min(lo1.max(x));
        lo1 = lo1.min(x);
    }
    // Of 8 values the second largest is never below the second smallest.
    let tex = texture(hi2.wrapping_sub(lo2), p.beta);
    let tex_cold = texture(hi2.wrapping_sub(lo2), p.beta_cold);
    let noise2 = a.wrapping_add(b.wrapping_mul(u32::from(hi2 >> p.shift)));
    let e_hot = v.saturating_sub(hi2).saturating_sub(tex);
    let e_cold = lo2.saturating_sub(v).saturating_sub(tex_cold);
    let hot = e_hot > p.floor && u32::from(e_hot) * u32::from(e_hot) > noise2;
    let cold = e_cold > p.floor && u32::from(e_cold) * u32::from(e_cold) > noise2;
    u8::from(hot) | (u8::from(cold) << 1)
}

/// The texture margin `spread · beta / 16384 · 4` (beta in 1/16384 of 4, so β < 4),
/// saturated to `u16`: one high-half 16-bit product, so it vectorises without widening.
#[inline(always)]
pub fn texture(spread: u16, beta: u16) -> u16 {
    let m = ((u32::from(spread) * u32::from(beta)) >> 16) as u16;
    m.min(0x3FFF) << 2
}

/// The cheap necessary condition of [`decide`], in 16-bit lanes only: the excess over
/// the second extreme and the texture margin must exceed the floor. [`decide`] flags a
/// pixel only where this does, so the row kernels run this on every pixel and
/// [`decide`] on the few it lets through.
#[inline(always)]
pub fn prefilter(v: u16, n: [u16; 8], p: &Params) -> u8 {
    let (_, hi2, lo2, _) = extremes(n);
    let margin = texture(hi2.wrapping_sub(lo2), p.beta).saturating_add(p.floor);
    let margin_cold = texture(hi2.wrapping_sub(lo2), p.beta_cold).saturating_add(p.floor);
    let hot = v > hi2.saturating_add(margin);
    let cold = v.saturating_add(margin_cold) < lo2;
    u8::from(hot) | (u8::from(cold) << 1)
}

/// The two largest and the two smallest of eight values, as (`hi1`, `hi2`, `lo2`,
/// `lo1`), by a min/max tournament without branches (it vectorises): the pairs
/// (0, 1), (2, 3), (4, 5), (6, 7) ordered, then the top two and bottom two of pair 0 ∪
/// pair 1 and of pair 2 ∪ pair 3 merged.
#[inline(always)]
pub fn extremes(n: [u16; 8]) -> (u16, u16, u16, u16) {
    let pair = |i: usize| (n[i].max(n[i + 1]), n[i].min(n[i + 1]));
    let [(a0, b0), (a1, b1), (a2, b2), (a3, b3)] = [pair(0), pair(2), pair(4), pair(6)];
    let top = |(x1, x2): (u16, u16), (y1, y2): (u16, u16)| (x1.max(y1), x1.min(y1).max(x2.max(y2)));
    let bottom =
        |(x1, x2): (u16, u16), (y1, y2): (u16, u16)| (x1.min(y1), x1.max(y1).min(x2.min(y2)));
    let (hi1, hi2) = top(top((a0, b0), (a1, b1)), top((a2, b2), (a3, b3)));
    let (lo1, lo2) = bottom(bottom((b0, a0), (b1, a1)), bottom((b2, a2), (b3, a3)));
    (hi1, hi2, lo2, lo1)
}

/// The fourth and fifth smallest of eight values (the two middle ones, whose mean is
/// the median), by the 19-comparator sorting network for eight inputs, without
/// branches.
#[inline(always)]
pub fn middle_pair(mut n: [u16; 8]) -> (u16, u16) {
    const LAYERS: [&[(usize, usize)]; 6] = [
        &[(0, 2), (1, 3), (4, 6), (5, 7)],
        &[(0, 4), (1, 5), (2, 6), (3, 7)],
        &[(0, 1), (2, 3), (4, 5), (6, 7)],
        &[(2, 4), (3, 5)],
        &[(1, 4), (3, 6)],
        &[(1, 2), (3, 4), (5, 6)],
    ];
    for layer in LAYERS {
        for &(i, j) in layer {
            let (a, b) = (n[i], n[j]);
            n[i] = a.min(b);
            n[j] = a.max(b);
        }
    }
    (n[3], n[4])
}

/// The 8 same-colour neighbours of column `x` of the centre row of `rows` (five padded
/// rows as the row kernels take them), in the order of [`neighbour_offsets`].
#[inline]
pub fn neighbours_in_rows(rows: &[&[u16]; 5], x: usize, green: bool, mono: bool) -> [u16; 8] {
    let i = x + 2;
    if mono {
        let (r1, r2, r3) = (rows[1], rows[2], rows[3]);
        [
            r1[i],
            r3[i],
            r2[i - 1],
            r2[i + 1],
            r1[i - 1],
            r1[i + 1],
            r3[i - 1],
            r3[i + 1],
        ]
    } else {
        let (r0, r2, r4) = (rows[0], rows[2], rows[4]);
        let axial = [r0[i], r4[i], r2[i - 2], r2[i + 2]];
        let diag = if green {
            let (r1, r3) = (rows[1], rows[3]);
            [r1[i - 1], r1[i + 1], r3[i - 1], r3[i + 1]]
        } else {
            [r0[i - 2], r0[i + 2], r4[i - 2], r4[i + 2]]
        };
        [
            axial[0], axial[1], axial[2], axial[3], diag[0], diag[1], diag[2], diag[3],
        ]
    }
}

/// Offsets of the 8 same-colour neighbours: the 4 axial ones at the pattern pitch, then
/// the 4 diagonal ones (at distance 1 for green Bayer sites, the pitch otherwise).
#[inline]
pub fn neighbour_offsets(pitch: isize, green: bool) -> [(isize, isize); 8] {
    let d = if green { 1 } else { pitch };
    [
        (0, -pitch),
        (0, pitch),
        (-pitch, 0),
        (pitch, 0),
        (-d, -d),
        (d, -d),
        (-d, d),
        (d, d),
    ]
}

/// Coordinate `c + d` reflected into `0..len` about the edge pixels (`-k → k`,
/// `len-1+k → len-1-k`): the parity, so the Bayer colour, is kept. Needs `len > |d|`.
#[inline]
pub fn reflect(c: usize, d: isize, len: usize) -> usize {
    let v = c as isize + d;
    let last = len as isize - 1;
    let r = if v < 0 {
        -v
    } else if v > last {
        2 * last - v
    } else {
        v
    };
    r.clamp(0, last.max(0)) as usize
}

/// Scalar reference for one pixel at (`x`, `y`) of a frame read through `get`.
/// A neighbour outside the frame is reflected about the frame's edge ([`reflect`]), so
/// the frame must be at least 3×3.
#[inline]
#[allow(clippy::too_many_arguments)] // the pixel, its frame and its plane's parameters
pub fn reference_pixel(
    get: impl Fn(usize, usize) -> u16,
    width: usize,
    height: usize,
    x: usize,
    y: usize,
    pitch: isize,
    green: bool,
    a: u32,
    b: u32,
    p: &Params,
) -> u8 {
    let offsets = neighbour_offsets(pitch, green);
    let mut n = [0u16; 8];
    for (slot, &(dx, dy)) in n.iter_mut().zip(offsets.iter()) {
        *slot = get(reflect(x, dx, width), reflect(y, dy, height));
    }
    decide(get(x, y), n, a, b, p)
}

/// The body shared by the portable and AVX2 row kernels: [`prefilter`] flags of the `w`
/// pixels of the centre row of `rows` go to `out[..w]`. `rows` are the five decoded rows
/// y-2..=y+2, each `w + 4` long: the row's pixels at 2..w+2 with 2 reflected pixels on
/// either side (see [`reflect`]), so borders need no special case.
/// For a monochrome frame the neighbours are the 8 adjacent pixels.
#[inline(always)]
fn row_body(rows: [&[u16]; 5], rp: &RowParams, p: &Params, mono: bool, out: &mut [u8]) {
    let n = rows[2].len().saturating_sub(4);
    if n == 0 || out.len() < n || rp.green.len() < n || rows.iter().any(|r| r.len() != n + 4) {
        return;
    }
    let out = &mut out[..n];
    let centre = &rows[2][2..2 + n];
    if mono {
        let (r1, r2, r3) = (rows[1], rows[2], rows[3]);
        let up = &r1[2..2 + n];
        let dn = &r3[2..2 + n];
        let lf = &r2[1..1 + n];
        let rt = &r2[3..3 + n];
        let ul = &r1[1..1 + n];
        let ur = &r1[3..3 + n];
        let dl = &r3[1..1 + n];
        let dr = &r3[3..3 + n];
        for i in 0..n {
            let nb = [up[i], dn[i], lf[i], rt[i], ul[i], ur[i], dl[i], dr[i]];
            out[i] = prefilter(centre[i], nb, p);
        }
    } else {
        let (r0, r1, r2, r3, r4) = (rows[0], rows[1], rows[2], rows[3], rows[4]);
        let gm = &rp.green[..n];
        let up = &r0[2..2 + n];
        let dn = &r4[2..2 + n];
        let lf = &r2[0..n];
        let rt = &r2[4..4 + n];
        let gul = &r1[1..1 + n];
        let gur = &r1[3..3 + n];
        let gdl = &r3[1..1 + n];
        let gdr = &r3[3..3 + n];
        let cul = &r0[0..n];
        let cur = &r0[4..4 + n];
        let cdl = &r4[0..n];
        let cdr = &r4[4..4 + n];
        for i in 0..n {
            let m = gm[i];
            let sel = |g: u16, c: u16| (g & m) | (c & !m);
            let nb = [
                up[i],
                dn[i],
                lf[i],
                rt[i],
                sel(gul[i], cul[i]),
                sel(gur[i], cur[i]),
                sel(gdl[i], cdl[i]),
                sel(gdr[i], cdr[i]),
            ];
            out[i] = prefilter(centre[i], nb, p);
        }
    }
}

/// Row kernel for the baseline target (auto-vectorised with SSE2 on x86-64).
pub fn row_portable(rows: [&[u16]; 5], rp: &RowParams, p: &Params, mono: bool, out: &mut [u8]) {
    row_body(rows, rp, p, mono, out)
}

/// The same row kernel compiled with AVX2 enabled.
///
/// # Safety
/// The CPU must support AVX2 (`KernelPath::Avx2.available()`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub unsafe fn row_avx2(rows: [&[u16]; 5], rp: &RowParams, p: &Params, mono: bool, out: &mut [u8]) {
    row_body(rows, rp, p, mono, out)
}

/// The same row kernel compiled with AVX-512 (BW) enabled.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512BW (`KernelPath::Avx512.available()`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
pub unsafe fn row_avx512(
    rows: [&[u16]; 5],
    rp: &RowParams,
    p: &Params,
    mono: bool,
    out: &mut [u8],
) {
    row_body(rows, rp, p, mono, out)
}

/// Runs the row kernel of `path` (the vectorised paths; `Scalar` falls back to portable,
/// callers handle the scalar reference themselves, and so does a path the CPU lacks).
#[inline]
pub fn row(
    path: KernelPath,
    rows: [&[u16]; 5],
    rp: &RowParams,
    p: &Params,
    mono: bool,
    out: &mut [u8],
) {
    match path {
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx2 if path.available() => {
            // SAFETY: the CPU supports AVX2, checked on the line above; the kernel is
            // otherwise safe code.
            unsafe { row_avx2(rows, rp, p, mono, out) }
        }
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx512 if path.available() => {
            // SAFETY: the CPU supports AVX-512F/BW, checked on the line above; the kernel
            // is otherwise safe code.
            unsafe { row_avx512(rows, rp, p, mono, out) }
        }
        _ => row_portable(rows, rp, p, mono, out),
    }
}

#[cfg(test)]
mod tests {
    use super::{extremes, middle_pair};
    use crate::sim::SplitMix64;

    fn sorted(n: [u16; 8]) -> [u16; 8] {
        let mut s = n;
        s.sort_unstable();
        s
    }

    #[test]
    fn the_order_networks_agree_with_a_sort() {
        // Every 0/1 input (a comparator network that sorts them all sorts any input),
        // then random values with ties.
        let mut inputs: Vec<[u16; 8]> = (0u16..256)
            .map(|bits| std::array::from_fn(|i| (bits >> i) & 1))
            .collect();
        let mut rng = SplitMix64::new(7);
        inputs.extend((0..2000).map(|_| std::array::from_fn(|_| rng.below(40) as u16)));
        for n in inputs {
            let s = sorted(n);
            assert_eq!(middle_pair(n), (s[3], s[4]), "{n:?}");
            assert_eq!(extremes(n), (s[7], s[6], s[1], s[0]), "{n:?}");
        }
    }
}
