//! Spatial spot detection on one component plane: find the samples that stand out, as
//! a small bright or dark spot, from everything around them.
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
//! Real detail passes this test too (a specular glint, a star, the dot of an i): it is
//! the temporal stage ([`super::track`]) that tells a pixel error, which stays at the
//! same frame position while the picture around it changes, from detail.
//!
//! The cost is one pass over the plane: a branch-free row prefilter (an 8-sample subset
//! of the ring, a necessary condition of the full test) that the compiler vectorises,
//! and the full test on the few samples the prefilter keeps.

use crate::exec::KernelPath;
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

/// One sample the test flagged, in its component's coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Component index.
    pub c: u8,
    pub x: u32,
    pub y: u32,
    /// Brighter than its ring (else darker).
    pub bright: bool,
    /// The sample.
    pub value: u16,
    /// The ring's second extreme on the spot's side (what the spot is measured against).
    pub ring: u16,
    /// The ring's median: the level of the surroundings.
    pub level: u16,
}

impl Hit {
    /// How far the spot stands from its surroundings' level, in sample units.
    pub fn deviation(&self) -> u16 {
        self.value.abs_diff(self.level)
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

/// Prefilter of one row: `rows` are the plane rows y−2 … y+2 (all `w` samples);
/// `out[i]` for column `i + 2` gets bit 1 when the sample exceeds the second largest of
/// the 8 ring samples at (±2, 0), (0, ±2), (±2, ±2) by more than `base`, bit 2 when it
/// is below the second smallest by more than `base`. Since those 8 are a subset of the
/// ring, a sample the full test flags always passes. `out` must hold `w − 4` bytes.
#[inline(always)]
pub fn prefilter_row(rows: [&[u16]; 5], base: i32, out: &mut [u8]) {
    let n = out.len();
    let base = base.clamp(0, i32::from(i16::MAX)) as i16;
    let [t, _, m, _, b] = rows;
    let (t, m, b) = (&t[..n + 4], &m[..n + 4], &b[..n + 4]);
    for i in 0..n {
        let s = [
            t[i] as i16,
            t[i + 2] as i16,
            t[i + 4] as i16,
            m[i] as i16,
            m[i + 4] as i16,
            b[i] as i16,
            b[i + 2] as i16,
            b[i + 4] as i16,
        ];
        let c = m[i + 2] as i16;
        let (mut hi1, mut hi2) = (s[0].max(s[1]), s[0].min(s[1]));
        let (mut lo1, mut lo2) = (hi2, hi1);
        for &v in &s[2..] {
            hi2 = hi2.max(hi1.min(v));
            hi1 = hi1.max(v);
            lo2 = lo2.min(lo1.max(v));
            lo1 = lo1.min(v);
        }
        let bright = (c - hi2 > base) as u8;
        let dark = (lo2 - c > base) as u8;
        out[i] = bright | (dark << 1);
    }
}

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

/// How far sample (`x`, `y`) of component `c` stands from the median of its 16-sample
/// ring (signed; ring samples outside the plane are left out). `None` outside the plane.
pub fn stand_out(frame: &VideoFrame<'_>, c: usize, x: usize, y: usize) -> Option<i32> {
    let (w, h) = frame.layout().comp_size(c);
    if x >= w || y >= h {
        return None;
    }
    let mut r = [0u16; 16];
    let mut n = 0;
    for &(dx, dy) in &RING {
        if let (Some(sx), Some(sy)) = (x.checked_add_signed(dx), y.checked_add_signed(dy))
            && sx < w
            && sy < h
        {
            r[n] = frame.get(c, sx, sy);
            n += 1;
        }
    }
    if n == 0 {
        return Some(0);
    }
    let r = &mut r[..n];
    r.sort_unstable();
    let m = (i32::from(r[(n - 1) / 2]) + i32::from(r[n / 2]) + 1) / 2;
    Some(i32::from(frame.get(c, x, y)) - m)
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

/// Scratch memory of one worker: unpacked rows and prefilter flags.
#[derive(Debug, Default)]
pub struct SpotScratch {
    rows: Vec<u16>,
    flags: Vec<u8>,
}

/// Runs the test on rows `y0..y1` of component `c` (component coordinates) and appends
/// the hits to `out`. Samples within 2 of the plane's border are not tested (they have no
/// complete ring).
///
/// `path` picks the build ([`KernelPath`]): the unpacking and the prefilter are compiled
/// for the baseline target and with AVX2 (which AVX-512 CPUs run too: there is no
/// AVX-512 build), and [`detect_rows_scalar`] is their scalar twin; all give the same
/// hits.
#[allow(clippy::too_many_arguments)] // the rows, their plane's parameters, the path, the buffers
pub fn detect_rows(
    frame: &VideoFrame<'_>,
    c: usize,
    y0: usize,
    y1: usize,
    p: &PlaneParams,
    path: KernelPath,
    scratch: &mut SpotScratch,
    out: &mut Vec<Hit>,
) {
    match path {
        KernelPath::Scalar => detect_rows_scalar(frame, c, y0, y1, p, out),
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx2 | KernelPath::Avx512 if KernelPath::Avx2.available() => {
            // SAFETY: the CPU has AVX2 (checked on the line above); the body is safe code.
            unsafe { detect_rows_avx2(frame, c, y0, y1, p, scratch, out) }
        }
        _ => detect_rows_body(frame, c, y0, y1, p, scratch, out),
    }
}

/// [`detect_rows`] compiled with AVX2.
///
/// # Safety
/// The CPU must support AVX2 (`KernelPath::Avx2.available()`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn detect_rows_avx2(
    frame: &VideoFrame<'_>,
    c: usize,
    y0: usize,
    y1: usize,
    p: &PlaneParams,
    scratch: &mut SpotScratch,
    out: &mut Vec<Hit>,
) {
    detect_rows_body(frame, c, y0, y1, p, scratch, out);
}

/// The scalar twin of [`detect_rows`]: every sample of the rows on its own, read
/// straight from the frame, through the prefilter's condition (in the same 16-bit
/// arithmetic as [`prefilter_row`]) and then the full test. Written for clarity; the
/// tests hold every vectorised build to it.
pub fn detect_rows_scalar(
    frame: &VideoFrame<'_>,
    c: usize,
    y0: usize,
    y1: usize,
    p: &PlaneParams,
    out: &mut Vec<Hit>,
) {
    let (w, h) = frame.layout().comp_size(c);
    if w < 5 || h < 5 {
        return;
    }
    for y in y0.max(2)..y1.min(h - 2) {
        for x in 2..w - 2 {
            if prefilter_sample(frame, c, x, y, p.base) == 0 {
                continue;
            }
            let mut window = [[0u16; 5]; 5];
            for (dy, row) in window.iter_mut().enumerate() {
                for (dx, v) in row.iter_mut().enumerate() {
                    *v = frame.get(c, x + dx - 2, y + dy - 2);
                }
            }
            let rows = window.each_ref().map(|r| &r[..]);
            if let Some((bright, ring, level)) = full_test(rows, 2, p) {
                out.push(Hit {
                    c: c as u8,
                    x: x as u32,
                    y: y as u32,
                    bright,
                    value: frame.get(c, x, y),
                    ring,
                    level,
                });
            }
        }
    }
}

/// [`prefilter_row`]'s flags for the one sample (`x`, `y`) of component `c`
/// (2 ≤ `x` < w − 2, 2 ≤ `y` < h − 2).
fn prefilter_sample(frame: &VideoFrame<'_>, c: usize, x: usize, y: usize, base: i32) -> u8 {
    let subset = [
        (x - 2, y - 2),
        (x, y - 2),
        (x + 2, y - 2),
        (x - 2, y),
        (x + 2, y),
        (x - 2, y + 2),
        (x, y + 2),
        (x + 2, y + 2),
    ];
    prefilter_of(
        frame.get(c, x, y),
        subset.map(|(sx, sy)| frame.get(c, sx, sy)),
        base,
    )
}

/// The prefilter's flags of a sample `centre` against the 8 ring samples `subset`: bit 1
/// when it exceeds their second largest by more than `base`, bit 2 when it lies below
/// their second smallest by more than `base`, in the 16-bit arithmetic of
/// [`prefilter_row`] (exact for samples of up to 15 bits).
fn prefilter_of(centre: u16, subset: [u16; 8], base: i32) -> u8 {
    let base = base.clamp(0, i32::from(i16::MAX)) as i16;
    let centre = centre as i16;
    let mut sorted = subset.map(|v| v as i16);
    sorted.sort_unstable();
    let (second_smallest, second_largest) = (sorted[1], sorted[6]);
    let bright = centre.wrapping_sub(second_largest) > base;
    let dark = second_smallest.wrapping_sub(centre) > base;
    u8::from(bright) | (u8::from(dark) << 1)
}

#[inline(always)]
fn detect_rows_body(
    frame: &VideoFrame<'_>,
    c: usize,
    y0: usize,
    y1: usize,
    p: &PlaneParams,
    scratch: &mut SpotScratch,
    out: &mut Vec<Hit>,
) {
    let (w, h) = frame.layout().comp_size(c);
    if w < 5 || h < 5 {
        return;
    }
    let first = y0.max(2);
    let last = y1.min(h - 2);
    if first >= last {
        return;
    }
    // Rows first-2 .. last+2, unpacked once.
    let r0 = first - 2;
    let nrows = last + 2 - r0;
    scratch.rows.resize(nrows * w, 0);
    for (i, row) in scratch.rows.chunks_exact_mut(w).enumerate() {
        frame.unpack_row(c, r0 + i, row);
    }
    scratch.flags.resize(w - 4, 0);
    for y in first..last {
        let at = |k: usize| {
            let s = (y - 2 + k - r0) * w;
            &scratch.rows[s..s + w]
        };
        let rows = [at(0), at(1), at(2), at(3), at(4)];
        prefilter_row(rows, p.base, &mut scratch.flags);
        // Skip runs of zero flags eight at a time.
        let flags = &scratch.flags;
        let mut i = 0;
        while i < flags.len() {
            if i + 8 <= flags.len() {
                let word = u64::from_ne_bytes([
                    flags[i],
                    flags[i + 1],
                    flags[i + 2],
                    flags[i + 3],
                    flags[i + 4],
                    flags[i + 5],
                    flags[i + 6],
                    flags[i + 7],
                ]);
                if word == 0 {
                    i += 8;
                    continue;
                }
            }
            if flags[i] != 0 {
                let x = i + 2;
                if let Some((bright, ring, level)) = full_test(rows, x, p) {
                    out.push(Hit {
                        c: c as u8,
                        x: x as u32,
                        y: y as u32,
                        bright,
                        value: rows[2][x],
                        ring,
                        level,
                    });
                }
            }
            i += 1;
        }
    }
}

/// Noise of component `c`: a low percentile of the horizontal second difference
/// `|2v − l − r|` on up to 64 rows spread over the plane, scaled to a standard
/// deviation (for white Gaussian noise the 25th percentile of that difference is
/// 0.78 σ). The low percentile keeps texture and edges, which fill the upper tail, out.
pub fn estimate_sigma(frame: &VideoFrame<'_>, c: usize) -> f64 {
    let (w, h) = frame.layout().comp_size(c);
    if w < 3 || h == 0 {
        return 0.0;
    }
    let rows = h.min(64);
    let mut hist = vec![0u32; 4 * 1024 + 1];
    let mut row = vec![0u16; w];
    let mut n = 0u64;
    for i in 0..rows {
        let y = i * h / rows;
        frame.unpack_row(c, y, &mut row);
        for x in 1..w - 1 {
            let d = (2 * i32::from(row[x]) - i32::from(row[x - 1]) - i32::from(row[x + 1]))
                .unsigned_abs() as usize;
            hist[d.min(4 * 1024)] += 1;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{VIDEO_FORMATS, VideoFrameMut, VideoLayout};

    fn rows_of(plane: &[u16], w: usize, y: usize) -> [&[u16]; 5] {
        [0, 1, 2, 3, 4].map(|k| &plane[(y - 2 + k) * w..(y - 1 + k) * w])
    }

    #[test]
    fn prefilter_is_necessary_for_the_full_test() {
        // Random planes: wherever the full test flags, the prefilter flags too.
        let (w, h) = (40, 30);
        let mut rng = crate::sim::SplitMix64::new(12345);
        let p = PlaneParams { base: 6, beta: 64 };
        for round in 0..20 {
            let plane: Vec<u16> = (0..w * h)
                .map(|_| rng.below(40 + round as u64 * 10) as u16)
                .collect();
            let mut flags = vec![0u8; w - 4];
            for y in 2..h - 2 {
                let rows = rows_of(&plane, w, y);
                prefilter_row(rows, p.base, &mut flags);
                for x in 2..w - 2 {
                    if let Some((bright, _, _)) = full_test(rows, x, &p) {
                        let bit = if bright { 1 } else { 2 };
                        assert!(flags[x - 2] & bit != 0, "({x},{y})");
                    }
                }
            }
        }
    }

    /// A xorshift generator for the random planes.
    struct Rng(u32);

    impl Rng {
        fn next(&mut self) -> u32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 17;
            self.0 ^= self.0 << 5;
            self.0
        }

        fn below(&mut self, n: u32) -> u32 {
            self.next() % n.max(1)
        }
    }

    /// The planes of a random frame of `layout`: `fill` 0 random bytes (stray bits in
    /// padding and in the unused bits of 10-bit words included), 1 random samples over
    /// the whole range, 2 a level of low noise with rare spots of either sign (many
    /// samples near the margins).
    fn random_planes(layout: VideoLayout, fill: u32, rng: &mut Rng) -> (Vec<Vec<u8>>, [usize; 3]) {
        let (mut planes, strides) = layout.alloc();
        if fill == 0 {
            for b in planes.iter_mut().flatten() {
                *b = rng.next() as u8;
            }
            return (planes, strides);
        }
        let max = u32::from(layout.max_value());
        let mut f = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        for c in 0..layout.components().len() {
            let (w, h) = layout.comp_size(c);
            let level = rng.below(max + 1);
            for y in 0..h {
                for x in 0..w {
                    let v = if fill == 1 {
                        rng.below(max + 1)
                    } else {
                        let noise = rng.below(max / 64 + 2);
                        match rng.below(40) {
                            0 => level.saturating_add(rng.below(max / 4 + 1)),
                            1 => level.saturating_sub(rng.below(max / 4 + 1)),
                            _ => (level + noise).saturating_sub(max / 128),
                        }
                    };
                    f.set(c, x, y, v.min(max) as u16);
                }
            }
        }
        (planes, strides)
    }

    #[test]
    fn every_cpu_path_finds_the_hits_of_the_scalar_twin() {
        let paths: Vec<KernelPath> = KernelPath::available_paths().collect();
        let mut total = 0;
        for (i, format) in VIDEO_FORMATS.iter().enumerate() {
            for (w, h) in [(97, 41), (5, 5), (6, 9), (64, 18), (133, 70)] {
                for seed in 0..3u32 {
                    let layout = VideoLayout::parse(format, w, h).unwrap();
                    let mut rng = Rng(0x9E37_79B9 ^ (i as u32 * 7919 + seed * 104_729 + w as u32));
                    let fill = seed % 3;
                    let (planes, strides) = random_planes(layout, fill, &mut rng);
                    let plane = |k: usize| planes.get(k).map_or(&[][..], |v| v.as_slice());
                    let frame =
                        VideoFrame::new(layout, [plane(0), plane(1), plane(2)], strides).unwrap();
                    let max = i32::from(layout.max_value());
                    for params in [
                        PlaneParams { base: 1, beta: 0 },
                        PlaneParams {
                            base: max / 40,
                            beta: 64,
                        },
                        PlaneParams {
                            base: max / 8,
                            beta: 300,
                        },
                    ] {
                        for c in 0..layout.components().len() {
                            let (_, ch) = layout.comp_size(c);
                            let mut twin = Vec::new();
                            detect_rows_scalar(&frame, c, 0, ch, &params, &mut twin);
                            total += twin.len();
                            for &path in &paths {
                                // Uneven bands, one scratch for all of them.
                                let mut scratch = SpotScratch::default();
                                let mut hits = Vec::new();
                                for y0 in (0..ch).step_by(13) {
                                    let y1 = (y0 + 13).min(ch);
                                    detect_rows(
                                        &frame,
                                        c,
                                        y0,
                                        y1,
                                        &params,
                                        path,
                                        &mut scratch,
                                        &mut hits,
                                    );
                                }
                                assert_eq!(
                                    hits, twin,
                                    "{format} {w}x{h} seed {seed} c{c} {params:?} {path:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
        assert!(
            total > 10_000,
            "the random planes give too few hits to compare: {total}"
        );
    }

    #[test]
    fn the_row_prefilter_matches_its_sample_twin_up_to_15_bits() {
        // The prefilter works in 16-bit lanes: samples of up to 15 bits (every layout has
        // at most 10) are compared exactly. Random rows of 8, 10 and 15 bits.
        let mut rng = Rng(2024);
        for bits in [8u32, 10, 15] {
            let max = (1u32 << bits) - 1;
            for w in [5usize, 6, 17, 40, 71] {
                let plane: Vec<u16> = (0..5 * w)
                    .map(|_| match rng.below(8) {
                        0 => rng.below(max + 1) as u16,
                        _ => (max / 2 + rng.below(max / 16 + 1)) as u16,
                    })
                    .collect();
                let rows = rows_of(&plane, w, 2);
                for base in [-3, 0, 1, (max / 64) as i32, (max / 4) as i32, i32::MAX] {
                    let mut flags = vec![0u8; w - 4];
                    prefilter_row(rows, base, &mut flags);
                    for x in 2..w - 2 {
                        let subset = [
                            (0, x - 2),
                            (0, x),
                            (0, x + 2),
                            (2, x - 2),
                            (2, x + 2),
                            (4, x - 2),
                            (4, x),
                            (4, x + 2),
                        ]
                        .map(|(r, i)| rows[r][i]);
                        let expected = prefilter_of(rows[2][x], subset, base);
                        assert_eq!(
                            flags[x - 2],
                            expected,
                            "{bits} bits w {w} base {base} x {x}"
                        );
                    }
                }
            }
        }
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
