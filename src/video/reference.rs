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

use super::layout::{Frame, FrameMut, Layout};
use super::repair::Write;

/// Furthest motion searched, in frame pixels per frame (each direction).
pub const SEARCH: i32 = 8;
/// Half-size of the window matched around a spot (a 9×9 window)…
const WINDOW: i32 = 4;
/// …without its centre, which the spot itself may cover (a 5×5 hole).
const HOLE: i32 = 2;
/// A match explains the window when its mean absolute difference is at most this many
/// noise standard deviations…
pub const MATCH_SIGMAS: f64 = 2.0;
/// …or this fraction of the range.
pub const MATCH_FLOOR: f64 = 0.01;

/// Where a spot's surroundings were in the previous frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Motion {
    /// Offset from the current position to the previous one, in frame pixels.
    pub dx: i32,
    pub dy: i32,
    /// Mean absolute difference of the window there (sample units)…
    pub cost: f64,
    /// …and at the same place (how much the picture moved around the spot).
    pub still: f64,
}

/// The previous frame, owned.
#[derive(Debug, Default)]
pub struct Reference {
    layout: Option<Layout>,
    planes: Vec<Vec<u8>>,
    strides: [usize; 3],
}

impl Reference {
    /// Forgets the stored frame.
    pub fn clear(&mut self) {
        self.layout = None;
    }

    /// The stored frame, if there is one of `layout`.
    pub fn view(&self, layout: &Layout) -> Option<Frame<'_>> {
        if self.layout.as_ref() != Some(layout) {
            return None;
        }
        let mut it = self.planes.iter();
        let mut next = || it.next().map_or(&[][..], |v| v.as_slice());
        let p = [next(), next(), next()];
        Frame::new(*layout, p, self.strides).ok()
    }

    /// Stores `frame` with `writes` applied (what the frame is, or would be, after this
    /// frame's repairs).
    pub fn store(&mut self, frame: &Frame<'_>, writes: &[Write]) {
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
        if let Ok(mut f) = FrameMut::from_vecs(layout, &mut self.planes, self.strides) {
            for w in writes {
                f.set(usize::from(w.c), w.x as usize, w.y as usize, w.value);
            }
        } else {
            self.layout = None;
        }
    }
}

/// Searches the previous frame `prev` for the surroundings of frame pixel (`x`, `y`)
/// of `cur`, in full-resolution component `c`: a 9×9 window without its 5×5 centre,
/// at offsets up to [`SEARCH`] pixels. Offsets whose 3×3 centre would overlap the
/// spot's own are not considered unless `overlap_ok` (the spot was repaired in `prev`).
/// Returns the offset with the smallest mean absolute difference, when that is at most
/// `accept` per sample; among equal ones, the shortest.
pub fn find(
    cur: &Frame<'_>,
    prev: &Frame<'_>,
    c: usize,
    x: u32,
    y: u32,
    accept: f64,
    overlap_ok: bool,
) -> Option<Motion> {
    let (w, h) = cur.layout().comp_size(c);
    let (w, h) = (w as i32, h as i32);
    let (x, y) = (x as i32, y as i32);
    // The window of the current frame, gathered once.
    let mut here = [(0i32, 0i32, 0i32); ((2 * WINDOW + 1) * (2 * WINDOW + 1)) as usize];
    let mut n = 0;
    for j in -WINDOW..=WINDOW {
        for i in -WINDOW..=WINDOW {
            let (sx, sy) = (x + i, y + j);
            if (i.abs() <= HOLE && j.abs() <= HOLE) || sx < 0 || sy < 0 || sx >= w || sy >= h {
                continue;
            }
            here[n] = (sx, sy, i32::from(cur.get(c, sx as usize, sy as usize)));
            n += 1;
        }
    }
    let here = &here[..n];
    if n < 24 {
        return None;
    }
    let still = here
        .iter()
        .map(|&(sx, sy, v)| u64::from(v.abs_diff(i32::from(prev.get(c, sx as usize, sy as usize)))))
        .sum::<u64>() as f64
        / n as f64;
    let mut best: Option<(u64, i32, (i32, i32))> = None;
    for dy in -SEARCH..=SEARCH {
        for dx in -SEARCH..=SEARCH {
            if !overlap_ok && dx.abs() <= 2 && dy.abs() <= 2 {
                continue;
            }
            let mut sad = 0u64;
            let mut counted = 0u64;
            let mut out_of_reach = false;
            for &(sx, sy, v) in here {
                let (px, py) = (sx + dx, sy + dy);
                if px < 0 || py < 0 || px >= w || py >= h {
                    out_of_reach = true;
                    break;
                }
                sad += u64::from(v.abs_diff(i32::from(prev.get(c, px as usize, py as usize))));
                counted += 1;
                // Already worse than the best: stop early.
                if let Some((b, _, _)) = best
                    && sad > b
                {
                    break;
                }
            }
            if out_of_reach || counted < n as u64 {
                continue;
            }
            let len = dx * dx + dy * dy;
            let better = match best {
                None => true,
                Some((b, l, _)) => sad < b || (sad == b && len < l),
            };
            if better {
                best = Some((sad, len, (dx, dy)));
            }
        }
    }
    let (sad, _, (dx, dy)) = best?;
    let cost = sad as f64 / n as f64;
    (cost <= accept).then_some(Motion {
        dx,
        dy,
        cost,
        still,
    })
}

/// The largest difference between the 3×3 box of component `c` around (`cx`, `cy`)
/// (component samples) and the previous frame's box moved by `motion`: how far the spot
/// stands out from what the picture showed there. `None` when the motion is not a whole
/// number of this component's samples or the box leaves the plane.
pub fn standout(
    cur: &Frame<'_>,
    prev: &Frame<'_>,
    c: usize,
    (cx, cy): (u32, u32),
    motion: &Motion,
) -> Option<i32> {
    let layout = cur.layout();
    let k = layout.components().get(c)?;
    let (mx, my) = (1i32 << k.sx, 1i32 << k.sy);
    if motion.dx % mx != 0 || motion.dy % my != 0 {
        return None;
    }
    let (vx, vy) = (motion.dx / mx, motion.dy / my);
    let (w, h) = layout.comp_size(c);
    let inside = |x: i32, y: i32| x >= 0 && y >= 0 && (x as usize) < w && (y as usize) < h;
    let mut peak = 0;
    for j in -1..=1 {
        for i in -1..=1 {
            let (x, y) = (cx as i32 + i, cy as i32 + j);
            if !inside(x, y) || !inside(x + vx, y + vy) {
                return None;
            }
            let a = i32::from(cur.get(c, x as usize, y as usize));
            let b = i32::from(prev.get(c, (x + vx) as usize, (y + vy) as usize));
            peak = peak.max((a - b).abs());
        }
    }
    Some(peak)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn textured(layout: Layout, shift: (usize, usize)) -> (Vec<Vec<u8>>, [usize; 3]) {
        let (mut planes, strides) = layout.alloc();
        let mut f = FrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        for c in 0..layout.components().len() {
            let (w, h) = layout.comp_size(c);
            for y in 0..h {
                for x in 0..w {
                    let (u, v) = (x + shift.0, y + shift.1);
                    let t = (u * 37 + v * 91 + (u * v) % 13 * 7) % 200;
                    f.set(c, x, y, (20 + t) as u16);
                }
            }
        }
        (planes, strides)
    }

    #[test]
    fn the_motion_of_a_pan_is_found_and_a_still_spot_is_not_matched_with_itself() {
        let layout = Layout::parse("Y444", 48, 48).unwrap();
        let (p0, s0) = textured(layout, (4, 2));
        let (p1, s1) = textured(layout, (0, 0));
        let prev = Frame::new(layout, [&p0[0], &p0[1], &p0[2]], s0).unwrap();
        let cur = Frame::new(layout, [&p1[0], &p1[1], &p1[2]], s1).unwrap();
        // The picture moved by (4, 2): what is at p now was at p − (4, 2).
        let m = find(&cur, &prev, 0, 24, 24, 0.5, false).unwrap();
        assert_eq!((m.dx, m.dy, m.cost), (-4, -2, 0.0));
        assert!(m.still > 10.0, "{m:?}");
        // The same picture twice: only the spot's own place matches, and it is not
        // taken unless allowed.
        let same = Frame::new(layout, [&p1[0], &p1[1], &p1[2]], s1).unwrap();
        assert_eq!(find(&cur, &same, 0, 24, 24, 0.5, false), None);
        let m = find(&cur, &same, 0, 24, 24, 0.5, true).unwrap();
        assert_eq!((m.dx, m.dy, m.cost, m.still), (0, 0, 0.0, 0.0));
    }

    #[test]
    fn the_stored_frame_carries_the_repairs() {
        let layout = Layout::parse("NV12", 16, 8).unwrap();
        let (mut planes, strides) = textured(layout, (0, 0));
        let f = FrameMut::from_vecs(layout, &mut planes, strides).unwrap();
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
        assert!(r.view(&Layout::parse("NV12", 16, 10).unwrap()).is_none());
    }
}
