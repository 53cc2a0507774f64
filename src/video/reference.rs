//! The previous frame as a motion-compensated reference for repairs.
//!
//! A pixel error stays at its frame position while the picture moves, so the picture
//! it hides is usually visible in the previous frame, a little further along the
//! motion. Where the surroundings of a spot can be found in the previous frame, the
//! samples under the spot are taken from there: texture, edges and fine detail come
//! back as they were, which no interpolation from a ring of neighbours can do. Where
//! they cannot be found (a still picture, an occlusion, motion the search does not
//! cover), the repair falls back to the spatial estimate of [`super::repair`].
//!
//! The reference holds the previous frame *as repaired* (in detect mode, as it would
//! have been), so a spot that was repaired there does not leak back into this frame
//! when the motion is too slow to carry its samples clear of it.

use super::repair::Write;
use crate::exec::KernelPath;
use crate::frame::{Position, VideoFrame, VideoFrameMut, VideoLayout};

/// Furthest motion searched, in frame pixels per frame (each direction).
const SEARCH: i32 = 8;
/// Half-size of the window matched around a spot (a 9×9 window)…
const WINDOW: i32 = 4;
/// …without its centre, which the spot itself may cover (a 5×5 hole).
const HOLE: i32 = 2;
/// The window's side, and its samples whole (the 9×9 square, hole included: the room
/// to gather it).
const SIDE: usize = (2 * WINDOW + 1) as usize;
const WINDOW_AREA: usize = SIDE * SIDE;
/// The fewest window samples inside the plane (of 56) that can show a motion: near a
/// corner of the plane, where the window is cut on two sides, nothing is searched.
const MIN_WINDOW_SAMPLES: usize = 24;
/// A hint is taken without a search when it explains the window to this fraction of
/// what a match allows (a steady pan, or a still picture, needs no scan).
const HINT_FRACTION: f64 = 0.5;
/// A match explains the window when its mean absolute difference is at most this many
/// noise standard deviations…
pub(crate) const MATCH_SIGMAS: f64 = 2.0;
/// …or this fraction of the range.
pub(crate) const MATCH_FLOOR: f64 = 0.01;

/// Where a spot's surroundings were in the previous frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Motion {
    /// Offset from the current position to the previous one, in frame pixels: columns…
    pub dx: i32,
    /// …and rows.
    pub dy: i32,
    /// Mean absolute difference of the window there (sample units)…
    pub cost: f64,
    /// …and at the same place (how much the picture moved around the spot).
    pub still: f64,
}

/// The previous frame, owned.
#[derive(Debug, Default)]
pub(crate) struct Reference {
    layout: Option<VideoLayout>,
    planes: Vec<Vec<u8>>,
    strides: [usize; 3],
}

impl Reference {
    /// Forgets the stored frame.
    pub fn clear(&mut self) {
        self.layout = None;
    }

    /// The stored frame, if there is one of `layout`.
    pub fn view(&self, layout: &VideoLayout) -> Option<VideoFrame<'_>> {
        if self.layout.as_ref() != Some(layout) {
            return None;
        }
        let mut it = self.planes.iter();
        let mut next = || it.next().map_or(&[][..], |v| v.as_slice());
        let p = [next(), next(), next()];
        VideoFrame::new(*layout, p, self.strides).ok()
    }

    /// Stores `frame` with `writes` applied (what the frame is, or would be, after this
    /// frame's repairs).
    pub fn store(&mut self, frame: &VideoFrame<'_>, writes: &[Write]) {
        let layout = *frame.layout();
        if self.layout != Some(layout) {
            let (planes, strides) = layout.alloc();
            self.planes = planes;
            self.strides = strides;
        }
        for (p, dst) in self.planes.iter_mut().enumerate() {
            frame.copy_plane(p, dst, self.strides[p]);
        }
        self.layout = Some(layout);
        if let Ok(mut f) = VideoFrameMut::from_vecs(layout, &mut self.planes, self.strides) {
            for w in writes {
                f.set(usize::from(w.c), w.x as usize, w.y as usize, w.value);
            }
        } else {
            self.layout = None;
        }
    }
}

/// Side of the square of the previous frame a search reads.
const REACH: usize = (2 * (SEARCH + WINDOW) + 1) as usize;

/// The window around a spot in the current frame: a 9×9 square without its 5×5
/// centre, cut to the plane.
struct Window {
    /// Offsets from the centre, and the samples there.
    samples: [(i32, i32, i32); WINDOW_AREA],
    n: usize,
    /// The centre, and the plane's size.
    at: (i32, i32),
    size: (i32, i32),
    /// The offsets' bounding box: x0, x1, y0, y1.
    bounds: (i32, i32, i32, i32),
}

impl Window {
    fn gather(cur: &VideoFrame<'_>, c: usize, at: Position) -> Window {
        let (w, h) = cur.layout().comp_size(c);
        let (w, h) = (w as i32, h as i32);
        let (x, y) = (at.x as i32, at.y as i32);
        let mut win = Window {
            samples: [(0, 0, 0); WINDOW_AREA],
            n: 0,
            at: (x, y),
            size: (w, h),
            bounds: (i32::MAX, i32::MIN, i32::MAX, i32::MIN),
        };
        // Each row's columns inside the plane, read in one span.
        let (i0, i1) = ((-WINDOW).max(-x), WINDOW.min(w - 1 - x));
        let mut span = [0u16; SIDE];
        for j in -WINDOW..=WINDOW {
            let sy = y + j;
            if sy < 0 || sy >= h || i0 > i1 {
                continue;
            }
            let span = &mut span[..(i1 - i0 + 1) as usize];
            cur.read_span(c, sy as usize, (x + i0) as usize, span);
            for (i, &v) in (i0..=i1).zip(span.iter()) {
                if i.abs() <= HOLE && j.abs() <= HOLE {
                    continue;
                }
                win.samples[win.n] = (i, j, i32::from(v));
                win.n += 1;
                let (x0, x1, y0, y1) = win.bounds;
                win.bounds = (x0.min(i), x1.max(i), y0.min(j), y1.max(j));
            }
        }
        win
    }

    fn samples(&self) -> &[(i32, i32, i32)] {
        &self.samples[..self.n]
    }

    /// Whether the window moved by (`dx`, `dy`) stays inside the plane.
    fn fits(&self, dx: i32, dy: i32) -> bool {
        let ((x, y), (w, h), (x0, x1, y0, y1)) = (self.at, self.size, self.bounds);
        x + x0 + dx >= 0 && x + x1 + dx < w && y + y0 + dy >= 0 && y + y1 + dy < h
    }

    /// Sum of absolute differences against `prev` moved by (`dx`, `dy`), which must
    /// [`fit`](Self::fits).
    fn sad(&self, prev: &VideoFrame<'_>, c: usize, dx: i32, dy: i32) -> u64 {
        let (x, y) = self.at;
        let mut span = [0u16; SIDE];
        // The samples come row by row (`gather`): each row's stretch of `prev`, from its
        // first sample's column to its last, is read in one span.
        self.samples()
            .chunk_by(|a, b| a.1 == b.1)
            .map(|row| {
                let (i0, j) = (row[0].0, row[0].1);
                let i1 = row[row.len() - 1].0;
                let span = &mut span[..(i1 - i0 + 1) as usize];
                prev.read_span(c, (y + j + dy) as usize, (x + i0 + dx) as usize, span);
                row.iter()
                    .map(|&(i, _, v)| u64::from(v.abs_diff(i32::from(span[(i - i0) as usize]))))
                    .sum::<u64>()
            })
            .sum()
    }
}

/// The best offset so far: its sum of absolute differences, its squared length, and
/// the offset itself.
type Best = (u64, i32, (i32, i32));

/// Whether a sum of absolute differences `s` at an offset of squared length `len`
/// beats `best` (smaller, or as small and shorter).
fn beats(s: u64, len: i32, best: Option<Best>) -> bool {
    best.is_none_or(|(b, l, _)| s < b || (s == b && len < l))
}

/// Searches the previous frame `prev` for the surroundings of frame pixel `at` of
/// `cur`, in full-resolution component `c`: a 9×9 window without its 5×5 centre,
/// at offsets up to [`SEARCH`] pixels. Returns the offset with the smallest mean
/// absolute difference, when that is at most `accept` per sample; among equal ones,
/// the shortest. The offsets in `hints` (the motion of the last frame, none at all)
/// are tried first: one that fits well is taken as it is, and otherwise the best of
/// them is what the exhaustive scan ([`scan`], built for `path`) must beat.
pub(crate) fn find(
    cur: &VideoFrame<'_>,
    prev: &VideoFrame<'_>,
    c: usize,
    at: Position,
    accept: f64,
    hints: &[(i32, i32)],
    path: KernelPath,
) -> Option<Motion> {
    let win = Window::gather(cur, c, at);
    let n = win.n;
    if n < MIN_WINDOW_SAMPLES {
        return None;
    }
    let still_sad = win.sad(prev, c, 0, 0);
    let still = still_sad as f64 / n as f64;
    let hinted = best_hint(&win, prev, c, hints, still_sad);
    if let Some((sad, _, (dx, dy))) = hinted
        && (sad as f64) <= accept * HINT_FRACTION * n as f64
    {
        return Some(Motion {
            dx,
            dy,
            cost: sad as f64 / n as f64,
            still,
        });
    }
    let (sad, _, (dx, dy)) = scan(&win, prev, c, hinted, path)?;
    let cost = sad as f64 / n as f64;
    (cost <= accept).then_some(Motion {
        dx,
        dy,
        cost,
        still,
    })
}

/// The best of the offsets in `hints` that are searched and keep the window in the
/// plane (`still_sad`: the window's sum of absolute differences at no offset).
fn best_hint(
    win: &Window,
    prev: &VideoFrame<'_>,
    c: usize,
    hints: &[(i32, i32)],
    still_sad: u64,
) -> Option<Best> {
    let mut hinted: Option<Best> = None;
    for &(dx, dy) in hints {
        if dx.abs() > SEARCH || dy.abs() > SEARCH || !win.fits(dx, dy) {
            continue;
        }
        let s = if (dx, dy) == (0, 0) {
            still_sad
        } else {
            win.sad(prev, c, dx, dy)
        };
        let len = dx * dx + dy * dy;
        if beats(s, len, hinted) {
            hinted = Some((s, len, (dx, dy)));
        }
    }
    hinted
}

/// Offsets searched along each axis…
const SPAN: usize = (2 * SEARCH + 1) as usize;
/// …and the sums a row of the scan keeps, [`SPAN`] rounded up to whole vectors (the
/// extra ones are never read).
const LANES: usize = 32;
/// Row length of the square of the previous frame a scan reads: room for the
/// window's furthest column plus every lane.
const REACH_ROW: usize = 2 * WINDOW as usize + LANES;

/// The exhaustive scan of every offset up to [`SEARCH`] that keeps the window in the
/// plane, against `best`: the offset with the smallest sum of absolute differences
/// (among equal ones the shortest, then the first in row order), if it beats `best`.
/// The sums of all offsets are taken at once ([`offset_sums`], built for `path`).
fn scan(
    win: &Window,
    prev: &VideoFrame<'_>,
    c: usize,
    best: Option<Best>,
    path: KernelPath,
) -> Option<Best> {
    // The square of the previous frame any offset can reach, gathered once (0 outside
    // the plane, where no fitting offset reads).
    let ((x, y), (w, h)) = (win.at, win.size);
    let r = SEARCH + WINDOW;
    let mut there = [0u16; REACH * REACH_ROW];
    let (x0, x1) = ((x - r).max(0), (x + r + 1).min(w));
    for j in -r..=r {
        let py = y + j;
        if py < 0 || py >= h || x0 >= x1 {
            continue;
        }
        let row = &mut there[((j + r) as usize) * REACH_ROW..];
        let row = &mut row[(x0 - (x - r)) as usize..(x1 - (x - r)) as usize];
        prev.read_span(c, py as usize, x0 as usize, row);
    }
    let sums = offset_sums(path, win.samples(), &there);
    let mut best = best;
    for (dy, sum) in (-SEARCH..=SEARCH).zip(&sums) {
        for (dx, &s) in (-SEARCH..=SEARCH).zip(sum) {
            let len = dx * dx + dy * dy;
            if win.fits(dx, dy) && beats(u64::from(s), len, best) {
                best = Some((u64::from(s), len, (dx, dy)));
            }
        }
    }
    best
}

/// A window's sums of absolute differences at every offset: `sums[dy][dx]` for offset
/// (dx − SEARCH, dy − SEARCH). A video sample has at most 10 bits, so a window's sum fits
/// 16 bits (twice the lanes of a vector of 32-bit sums).
type Sums = [[u16; LANES]; SPAN];
const _: () = assert!((WINDOW_AREA - (2 * HOLE as usize + 1).pow(2)) * 1023 <= u16::MAX as usize);

/// The [`Sums`] of the window `samples` (offset from its centre, value) against `there`,
/// the square of the previous frame the offsets reach ([`REACH`] rows of
/// [`REACH_ROW`]): each window sample meets a row of [`LANES`] samples of `there` for
/// each dy, in loops the compiler vectorises.
#[inline(always)]
fn offset_sums_body(samples: &[(i32, i32, i32)], there: &[u16; REACH * REACH_ROW]) -> Sums {
    let mut sums = [[0u16; LANES]; SPAN];
    for &(i, j, v) in samples {
        let v = v as u16;
        let x0 = (i + WINDOW) as usize;
        for (dy, sum) in sums.iter_mut().enumerate() {
            let row = &there[((j + WINDOW) as usize + dy) * REACH_ROW + x0..][..LANES];
            for (s, &t) in sum.iter_mut().zip(row) {
                *s += v.abs_diff(t);
            }
        }
    }
    sums
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn offset_sums_avx2(samples: &[(i32, i32, i32)], there: &[u16; REACH * REACH_ROW]) -> Sums {
    offset_sums_body(samples, there)
}

/// # Safety
/// The CPU must support AVX-512F and AVX-512BW.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn offset_sums_avx512(
    samples: &[(i32, i32, i32)],
    there: &[u16; REACH * REACH_ROW],
) -> Sums {
    offset_sums_body(samples, there)
}

/// [`offset_sums_body`] with the instruction set of `path` (every path gives the same
/// sums; the scalar and portable paths share the baseline build).
fn offset_sums(
    path: KernelPath,
    samples: &[(i32, i32, i32)],
    there: &[u16; REACH * REACH_ROW],
) -> Sums {
    match path {
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx2 if path.available() => {
            // SAFETY: AVX2 is present (checked on the line above); the body is safe code.
            unsafe { offset_sums_avx2(samples, there) }
        }
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx512 if path.available() => {
            // SAFETY: AVX-512F/BW is present (checked on the line above); safe body.
            unsafe { offset_sums_avx512(samples, there) }
        }
        _ => offset_sums_body(samples, there),
    }
}

/// Points of the grid [`global`] looks for structure at (columns × rows)…
const GLOBAL_GRID: (usize, usize) = (16, 12);
/// …and the most structured of them it measures.
const GLOBAL_POINTS: usize = 24;
/// The fewest points that must agree on the motion of the whole picture (and at least
/// half of those that matched).
const MIN_AGREEING: usize = 3;

/// The motion of the picture as a whole: [`find`] at the [`GLOBAL_POINTS`] points of a
/// grid where the picture has the most structure (a window spread of at least
/// `structure`), and the offset most of them agree on — when at least
/// [`MIN_AGREEING`] and at least half of the points that matched do. Spots on flat
/// backgrounds, whose own surroundings cannot show a motion, are judged by it.
pub(crate) fn global(
    cur: &VideoFrame<'_>,
    prev: &VideoFrame<'_>,
    c: usize,
    accept: f64,
    structure: u16,
    hints: &[(i32, i32)],
    path: KernelPath,
) -> Option<Motion> {
    let points = structured_points(cur, c, structure)?;
    let found: Vec<Motion> = points
        .iter()
        .take(GLOBAL_POINTS)
        .filter_map(|&(_, at)| find(cur, prev, c, at, accept, hints, path))
        .collect();
    agreed(&found)
}

/// The points of the [`GLOBAL_GRID`] of component `c` whose window spreads over at
/// least `structure`, with that spread, the most structured first (the position, in
/// its order, breaks ties); `None` when the plane is too small for a search.
fn structured_points(
    cur: &VideoFrame<'_>,
    c: usize,
    structure: u16,
) -> Option<Vec<(u16, Position)>> {
    let (w, h) = cur.layout().comp_size(c);
    let margin = (SEARCH + WINDOW) as usize;
    if w <= 2 * margin || h <= 2 * margin {
        return None;
    }
    let (gx, gy) = GLOBAL_GRID;
    let mut points: Vec<(u16, Position)> = Vec::with_capacity(gx * gy);
    for j in 0..gy {
        for i in 0..gx {
            let x = margin + (w - 2 * margin) * (2 * i + 1) / (2 * gx);
            let y = margin + (h - 2 * margin) * (2 * j + 1) / (2 * gy);
            let (mut lo, mut hi) = (u16::MAX, 0u16);
            for yy in y - WINDOW as usize..=y + WINDOW as usize {
                for xx in x - WINDOW as usize..=x + WINDOW as usize {
                    let v = cur.get(c, xx, yy);
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
            let spread = hi.saturating_sub(lo);
            if spread >= structure {
                points.push((spread, Position::new(x as u32, y as u32)));
            }
        }
    }
    points.sort_unstable_by_key(|&(spread, at)| (std::cmp::Reverse(spread), at));
    Some(points)
}

/// The motion most of `found` agree on (the first found among equals), when at least
/// [`MIN_AGREEING`] and at least half of them do.
fn agreed(found: &[Motion]) -> Option<Motion> {
    let mut best: Option<(usize, Motion)> = None;
    for m in found {
        let votes = found
            .iter()
            .filter(|o| (o.dx, o.dy) == (m.dx, m.dy))
            .count();
        if best.is_none_or(|(b, _)| votes > b) {
            best = Some((votes, *m));
        }
    }
    let (votes, m) = best?;
    (votes >= MIN_AGREEING && 2 * votes >= found.len()).then_some(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SplitMix64;

    /// The path the tests search with (every path finds the same: see
    /// `every_instruction_set_finds_the_same_motion`).
    const PATH: KernelPath = KernelPath::Scalar;

    fn textured(layout: VideoLayout, shift: (usize, usize)) -> (Vec<Vec<u8>>, [usize; 3]) {
        let (mut planes, strides) = layout.alloc();
        let mut f = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        f.fill(|_, x, y| {
            let (u, v) = (x + shift.0, y + shift.1);
            let t = (u * 37 + v * 91 + (u * v) % 13 * 7) % 200;
            (20 + t) as u16
        });
        (planes, strides)
    }

    #[test]
    fn the_motion_of_a_pan_is_found_and_a_still_picture_shows_none() {
        let layout = VideoLayout::parse("Y444", 48, 48).unwrap();
        let (p0, s0) = textured(layout, (4, 2));
        let (p1, s1) = textured(layout, (0, 0));
        let prev = VideoFrame::new(layout, [&p0[0], &p0[1], &p0[2]], s0).unwrap();
        let cur = VideoFrame::new(layout, [&p1[0], &p1[1], &p1[2]], s1).unwrap();
        // The picture moved by (4, 2): what is at p now was at p − (4, 2).
        let m = find(&cur, &prev, 0, Position::new(24, 24), 0.5, &[], PATH).unwrap();
        assert_eq!((m.dx, m.dy, m.cost), (-4, -2, 0.0));
        assert!(m.still > 10.0, "{m:?}");
        // The same picture twice: it did not move.
        let same = VideoFrame::new(layout, [&p1[0], &p1[1], &p1[2]], s1).unwrap();
        let m = find(&cur, &same, 0, Position::new(24, 24), 0.5, &[(3, 1)], PATH).unwrap();
        assert_eq!((m.dx, m.dy, m.cost, m.still), (0, 0, 0.0, 0.0));
    }

    #[test]
    fn the_motion_of_the_whole_picture_is_found() {
        let layout = VideoLayout::parse("I420", 160, 96).unwrap();
        let (p0, s0) = textured(layout, (6, 4));
        let (p1, s1) = textured(layout, (0, 0));
        let prev = VideoFrame::new(layout, [&p0[0], &p0[1], &p0[2]], s0).unwrap();
        let cur = VideoFrame::new(layout, [&p1[0], &p1[1], &p1[2]], s1).unwrap();
        let m = global(&cur, &prev, 0, 0.5, 10, &[], PATH).unwrap();
        assert_eq!((m.dx, m.dy), (-6, -4));
        // A flat picture shows no motion at all.
        let (f, fs) = layout.alloc();
        let flat = VideoFrame::new(layout, [&f[0], &f[1], &f[2]], fs).unwrap();
        assert!(global(&flat, &flat, 0, 0.5, 10, &[], PATH).is_none());
    }

    #[test]
    fn the_stored_frame_carries_the_repairs() {
        let layout = VideoLayout::parse("NV12", 16, 8).unwrap();
        let (mut planes, strides) = textured(layout, (0, 0));
        let f = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        let mut r = Reference::default();
        r.store(
            &f.as_ref(),
            &[Write {
                c: 1,
                x: 3,
                y: 2,
                value: 99,
            }],
        );
        let v = r.view(&layout).unwrap();
        assert_eq!(v.get(1, 3, 2), 99);
        assert_eq!(v.get(0, 5, 5), f.get(0, 5, 5));
        assert!(
            r.view(&VideoLayout::parse("NV12", 16, 10).unwrap())
                .is_none()
        );
    }

    #[test]
    fn every_instruction_set_finds_the_same_motion() {
        // Noisy 10-bit texture moved by every offset of the search and beyond, read
        // at points near the edges too (windows cut by the plane).
        let layout = VideoLayout::parse("v210", 48, 40).unwrap();
        let mut rng = SplitMix64::new(3);
        let mut found = 0;
        for _ in 0..60 {
            let shift = (rng.below(20) as usize, rng.below(20) as usize);
            let noise: Vec<u16> = (0..48 * 40 * 2).map(|_| rng.below(60) as u16).collect();
            let frame = |s: (usize, usize), k: usize| {
                let (mut planes, strides) = layout.alloc();
                let mut f = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
                f.fill(|_, x, y| {
                    let (u, v) = (x + s.0, y + s.1);
                    ((u * 37 + v * 91 + (u * v) % 13 * 7) % 900) as u16
                        + noise[k * 1920 + y * 48 + x]
                });
                (planes, strides)
            };
            let ((p0, s0), (p1, s1)) = (frame(shift, 0), frame((10, 10), 1));
            let (prev, cur) = (view(layout, &p0, s0), view(layout, &p1, s1));
            let at = Position::new(rng.below(48) as u32, rng.below(40) as u32);
            let expected = find(&cur, &prev, 0, at, 1e9, &[], KernelPath::Scalar);
            found += usize::from(expected.is_some());
            for path in KernelPath::available_paths() {
                assert_eq!(
                    find(&cur, &prev, 0, at, 1e9, &[], path),
                    expected,
                    "{path:?}"
                );
            }
        }
        assert!(found > 30, "{found}");
    }

    fn view<'a>(layout: VideoLayout, planes: &'a [Vec<u8>], strides: [usize; 3]) -> VideoFrame<'a> {
        let plane = |i: usize| planes.get(i).map_or(&[][..], |v| v.as_slice());
        VideoFrame::new(layout, [plane(0), plane(1), plane(2)], strides).unwrap()
    }
}
