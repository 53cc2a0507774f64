//! Joint repair of a spot in every component plane, from its surroundings.
//!
//! A spot at frame pixel (`x`, `y`) is repaired in each component plane around the
//! sample that covers it (`x >> sx`, `y >> sy`): the 3×3 *box* of samples there is
//! re-estimated from the 16-sample *ring* at distance 2, which a spot of up to 3×3
//! samples does not reach. For every box sample, two estimates are formed — the linear
//! interpolation between the ring samples left and right of it, and between those above
//! and below — and blended by the direction of least gradient: the horizontal estimate
//! weighs by the vertical differences across the box and the other way round, so an
//! edge through the box is continued, not smeared.
//!
//! Only box samples that stand out from the estimate on the spot's side (brighter for a
//! bright spot, darker for a dark one) by more than the component's threshold are
//! replaced; the rest of the box, which the spot did not reach, keeps its value. Every
//! component is treated, luma and chroma (or R, G and B) alike, so a coloured spot
//! leaves no coloured halo. Ring samples that are outside the plane or belong to
//! another spot are not used.

use super::layout::Frame;

/// A box sample is replaced only when it stands out by more than the component's
/// threshold and by more than 1/`PEAK_FRACTION` of the spot's peak deviation.
pub const PEAK_FRACTION: i32 = 8;
/// … and by more than this many times the ring's departure from straight lines (the
/// interpolation error to expect in this texture).
pub const BEND_FACTOR: i32 = 2;

/// One sample write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Write {
    pub c: u8,
    pub x: u32,
    pub y: u32,
    pub value: u16,
}

/// What a probe found in one component.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompProbe {
    /// Value minus estimate of the box sample that stands out most (signed).
    pub deviation: i32,
    pub value: u16,
    pub estimate: u16,
    /// Samples replaced.
    pub changed: u8,
}

/// The probe of one spot: what each component showed and what was replaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Probe {
    pub comps: [CompProbe; 3],
    /// Whether any box sample could be estimated at all.
    pub estimated: bool,
}

impl Probe {
    /// Samples replaced over all components.
    pub fn changed(&self) -> usize {
        self.comps.iter().map(|c| usize::from(c.changed)).sum()
    }
}

/// Re-estimates a spot in every component, and appends the replacements to `writes`
/// (nothing is written to the frame). `centres[c]` is the spot's centre in component
/// `c`'s own coordinates (for a position known only in frame pixels, `(x >> sx, y >>
/// sy)`); `threshold[c]` is the least deviation, in sample units, a sample of component
/// `c` must show to be replaced; `usable(c, sx, sy)` says whether ring sample (`sx`,
/// `sy`) of component `c` may be used (it is only asked about samples inside the plane).
///
/// `anchor`, when known, is the frame pixel at the centre of the spot: then only the
/// samples that can have seen the 3×3 pixels around it are replaced — a subsampled
/// chroma sample (`cx`, `cy`) is taken to cover frame columns `2cx − 1 … 2cx + 1` (the
/// 3-tap filter of co-sited chroma) and rows `2cy … 2cy + 1` — so the repair of a spot
/// stays inside what the spot can have touched.
pub fn probe(
    frame: &Frame<'_>,
    centres: [(u32, u32); 3],
    anchor: Option<(u32, u32)>,
    threshold: [i32; 3],
    usable: &dyn Fn(usize, usize, usize) -> bool,
    writes: &mut Vec<Write>,
) -> Probe {
    let layout = *frame.layout();
    let mut out = Probe::default();
    for (c, k) in layout.components().iter().enumerate() {
        let (w, h) = layout.comp_size(c);
        // Whether sample (sx, sy) can have seen the anchor's 3×3 pixels.
        let reach = |sx: isize, sy: isize| -> bool {
            let Some((ax, ay)) = anchor else { return true };
            let (ax, ay) = (ax as isize, ay as isize);
            let (x0, x1) = if k.sx == 0 {
                (sx, sx)
            } else {
                ((sx << k.sx) - 1, ((sx + 1) << k.sx) - 1)
            };
            let (y0, y1) = ((sy << k.sy), ((sy + 1) << k.sy) - 1);
            x0 <= ax + 1 && x1 >= ax - 1 && y0 <= ay + 1 && y1 >= ay - 1
        };
        let (cx, cy) = (centres[c].0 as isize, centres[c].1 as isize);
        if cx >= w as isize || cy >= h as isize {
            continue;
        }
        let inside =
            |sx: isize, sy: isize| sx >= 0 && sy >= 0 && sx < w as isize && sy < h as isize;
        // Ring samples, by offset from the centre; None when unusable.
        let ring = |dx: isize, dy: isize| -> Option<i32> {
            let (sx, sy) = (cx + dx, cy + dy);
            (inside(sx, sy) && usable(c, sx as usize, sy as usize))
                .then(|| i32::from(frame.get(c, sx as usize, sy as usize)))
        };
        let left: [Option<i32>; 5] = [-2, -1, 0, 1, 2].map(|j| ring(-2, j));
        let right: [Option<i32>; 5] = [-2, -1, 0, 1, 2].map(|j| ring(2, j));
        let top: [Option<i32>; 5] = [-2, -1, 0, 1, 2].map(|i| ring(i, -2));
        let bottom: [Option<i32>; 5] = [-2, -1, 0, 1, 2].map(|i| ring(i, 2));
        // Differences across the box in each direction (the least-gradient weights).
        let across = |a: &[Option<i32>; 5], b: &[Option<i32>; 5]| {
            let (mut s, mut n) = (0i32, 0i32);
            for (p, q) in a[1..4].iter().zip(&b[1..4]) {
                if let (Some(p), Some(q)) = (p, q) {
                    s += (p - q).abs();
                    n += 1;
                }
            }
            (n > 0).then(|| s * 3 / n)
        };
        let gh = across(&left, &right);
        let gv = across(&top, &bottom);
        // How far the ring departs from straight lines along its four sides: the error
        // an interpolation across the box can be expected to make here.
        let bend = {
            let mut b = [0i32; 12];
            let mut n = 0;
            for side in [&left, &right, &top, &bottom] {
                for t in side.windows(3) {
                    if let [Some(a), Some(m), Some(z)] = *t {
                        b[n] = (2 * m - a - z).abs() / 2;
                        n += 1;
                    }
                }
            }
            median(&mut b[..n]).unwrap_or(0)
        };
        // Median of the usable ring, for box samples with no usable pair (computed
        // only when one needs it).
        let mut fallback: Option<Option<i32>> = None;
        let mut ring_median = || {
            *fallback.get_or_insert_with(|| {
                let mut all = [0i32; 16];
                let mut n = 0;
                for &(dx, dy) in &crate::video::detect::RING {
                    if let Some(v) = ring(dx, dy) {
                        all[n] = v;
                        n += 1;
                    }
                }
                median(&mut all[..n])
            })
        };
        let mut est = [[None::<i32>; 3]; 3];
        for (j, row) in est.iter_mut().enumerate() {
            for (i, e) in row.iter_mut().enumerate() {
                if !inside(cx + i as isize - 1, cy + j as isize - 1) {
                    continue;
                }
                // Linear interpolation over the 4-sample gap: weights 3:1, 2:2, 1:3.
                let hz = match (left[j + 1], right[j + 1]) {
                    (Some(l), Some(r)) => Some((l * (3 - i as i32) + r * (1 + i as i32) + 2) / 4),
                    _ => None,
                };
                let vt = match (top[i + 1], bottom[i + 1]) {
                    (Some(t), Some(b)) => Some((t * (3 - j as i32) + b * (1 + j as i32) + 2) / 4),
                    _ => None,
                };
                *e = match (hz, vt) {
                    (Some(a), Some(b)) => {
                        let (wa, wb) = (gv.unwrap_or(0), gh.unwrap_or(0));
                        if wa + wb == 0 {
                            Some((a + b + 1) / 2)
                        } else {
                            Some((a * wa + b * wb + (wa + wb) / 2) / (wa + wb))
                        }
                    }
                    (Some(a), None) | (None, Some(a)) => Some(a),
                    (None, None) => ring_median(),
                };
            }
        }
        // The centre decides the spot's side in this component (the strongest sample
        // when the centre cannot be estimated).
        let sample = |i: usize, j: usize| {
            frame.get(
                c,
                (cx + i as isize - 1) as usize,
                (cy + j as isize - 1) as usize,
            )
        };
        let mut best: Option<(i32, u16, u16)> = est[1][1].map(|e| {
            let v = sample(1, 1);
            (i32::from(v) - e, v, e.clamp(0, i32::from(u16::MAX)) as u16)
        });
        if best.is_none() {
            for (j, row) in est.iter().enumerate() {
                for (i, e) in row.iter().enumerate() {
                    let Some(e) = *e else { continue };
                    let v = sample(i, j);
                    let d = i32::from(v) - e;
                    if best.is_none_or(|(bd, _, _)| d.abs() > bd.abs()) {
                        best = Some((d, v, e.clamp(0, i32::from(u16::MAX)) as u16));
                    }
                }
            }
        }
        let Some((dev, value, estimate)) = best else {
            continue;
        };
        out.estimated = true;
        let probe = &mut out.comps[c];
        *probe = CompProbe {
            deviation: dev,
            value,
            estimate,
            changed: 0,
        };
        if dev.abs() <= threshold[c].max(BEND_FACTOR * bend).max(1) {
            continue;
        }
        // Samples the spot reached stand out by a fair part of its peak and by more than
        // the interpolation error here; texture next to it does not.
        let t = threshold[c]
            .max(dev.abs() / PEAK_FRACTION)
            .max(BEND_FACTOR * bend)
            .max(1);
        for (j, row) in est.iter().enumerate() {
            for (i, e) in row.iter().enumerate() {
                let Some(e) = *e else { continue };
                let v = i32::from(sample(i, j));
                let d = v - e;
                let (sx, sy) = (cx + i as isize - 1, cy + j as isize - 1);
                if d.signum() == dev.signum() && (d.abs() > t || (i, j) == (1, 1)) && reach(sx, sy)
                {
                    writes.push(Write {
                        c: c as u8,
                        x: sx as u32,
                        y: sy as u32,
                        value: e.clamp(0, i32::from(layout.max_value())) as u16,
                    });
                    probe.changed += 1;
                }
            }
        }
    }
    out
}

fn median(v: &mut [i32]) -> Option<i32> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2] + 1) / 2
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::layout::{FrameMut, Layout};

    #[test]
    fn a_spot_on_a_ramp_comes_back_exactly_in_every_component() {
        let layout = Layout::parse("I420", 32, 32).unwrap();
        let (mut planes, strides) = layout.alloc();
        let mut f = FrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        let truth = |c: usize, x: usize, y: usize| (40 + c * 10 + x * 4 + y * 2) as u16;
        for c in 0..3 {
            let (w, h) = layout.comp_size(c);
            for y in 0..h {
                for x in 0..w {
                    f.set(c, x, y, truth(c, x, y));
                }
            }
        }
        // A coloured 3×3 spot at (16, 16): bright luma, dark U, bright V.
        for dy in 0..3 {
            for dx in 0..3 {
                f.set(0, 15 + dx, 15 + dy, 250);
            }
        }
        f.set(1, 8, 8, 5);
        f.set(2, 8, 8, 240);
        let mut writes = Vec::new();
        let p = probe(
            &f.as_ref(),
            [(16, 16), (8, 8), (8, 8)],
            Some((16, 16)),
            [4, 4, 4],
            &|_, _, _| true,
            &mut writes,
        );
        assert_eq!(p.comps[0].changed, 9);
        assert_eq!((p.comps[1].changed, p.comps[2].changed), (1, 1));
        assert!(p.comps[1].deviation < 0 && p.comps[2].deviation > 0);
        for w in &writes {
            f.set(usize::from(w.c), w.x as usize, w.y as usize, w.value);
        }
        for c in 0..3 {
            let (w, h) = layout.comp_size(c);
            for y in 0..h {
                for x in 0..w {
                    assert_eq!(f.get(c, x, y), truth(c, x, y), "c{c} ({x},{y})");
                }
            }
        }
    }

    #[test]
    fn an_edge_through_the_box_is_continued() {
        let layout = Layout::parse("Y444", 16, 16).unwrap();
        let (mut planes, strides) = layout.alloc();
        let mut f = FrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        for y in 0..16 {
            for x in 0..16 {
                f.set(0, x, y, if y < 8 { 30 } else { 200 });
            }
        }
        f.set(0, 8, 7, 255);
        let mut writes = Vec::new();
        probe(
            &f.as_ref(),
            [(8, 7); 3],
            None,
            [4, 4, 4],
            &|_, _, _| true,
            &mut writes,
        );
        assert_eq!(
            writes,
            vec![Write {
                c: 0,
                x: 8,
                y: 7,
                value: 30
            }]
        );
    }
}
