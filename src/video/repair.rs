//! Joint repair of a spot in every component plane, from the previous frame or from its
//! surroundings.
//!
//! Where the motion search of [`super::reference`] found the spot's surroundings in the
//! previous frame (`Shifted`), each box sample (below) is estimated by the sample the
//! motion brings to it from there, and replaced when it differs from that by more than
//! the component's threshold: the picture comes back as it was, texture included, and
//! what the spot did not reach is left as it is. Where this frame shows no spot at the
//! position, a sample must also stand out from its spatial estimate the same way: a
//! previous frame can differ for reasons of its own (a defect where the motion brings
//! it, a codec's block copied unmoved). Box samples whose source there was the spot
//! itself (motion slower than the spot is wide, before the spot was first repaired)
//! fall back to the spatial estimate, and a component whose motion is not a whole
//! number of its samples (odd motion in subsampled chroma) is estimated spatially
//! throughout.
//!
//! The spatial estimate: a spot at frame pixel (`x`, `y`) is repaired in each component plane around the
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

use crate::frame::{Position, VideoFrame, VideoLayout};

/// A box sample is replaced only when it stands out by more than the component's
/// threshold and by more than 1/`PEAK_FRACTION` of the spot's peak deviation: the
/// samples a spot reached carry a fair part of its peak, texture beside it does not.
const PEAK_FRACTION: i32 = 8;
/// … and by more than this many times the ring's departure from straight lines (the
/// interpolation error to expect in this texture).
const BEND_FACTOR: i32 = 2;

/// One sample write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Write {
    /// Index of the component written (into [`VideoLayout::components`]).
    pub c: u8,
    /// The sample's column in that component's own coordinates…
    pub x: u32,
    /// …and its row.
    pub y: u32,
    /// Its new value.
    pub value: u16,
}

/// What a probe found in one component.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CompProbe {
    /// Value minus estimate of the box sample that stands out most (signed).
    pub deviation: i32,
    /// That sample's value…
    pub value: u16,
    /// …and its estimate.
    pub estimate: u16,
    /// Number of samples replaced.
    pub changed: u8,
}

/// The probe of one spot: what each component showed and what was replaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Probe {
    /// Per component (in [`VideoLayout::components`] order).
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

/// What a box's estimates were taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Basis {
    /// The previous frame, moved by the motion found ([`box_from_reference`]).
    PreviousFrame,
    /// The ring of samples around the box ([`estimate_box`]).
    Ring,
}

/// The 3×3 box of one component around a spot's centre, re-estimated.
#[derive(Clone, Copy, Debug)]
struct BoxEstimate {
    basis: Basis,
    cx: isize,
    cy: isize,
    /// Estimates, `[row][column]`; `None` outside the plane or with no usable source.
    est: [[Option<i32>; 3]; 3],
    /// The samples as they are.
    value: [[i32; 3]; 3],
    /// The ring's departure from straight lines (expected interpolation error; 0 from
    /// the previous frame).
    bend: i32,
    /// How far the horizontal and the vertical estimate of the centre disagree (0 from
    /// the previous frame).
    spread: i32,
    /// Value minus estimate at the sample that shows the spot's side: the centre (or
    /// the strongest sample when the centre has no estimate) from the ring, the
    /// strongest sample from the previous frame.
    dev: i32,
    at_value: u16,
    at_estimate: u16,
}

impl BoxEstimate {
    /// The box of the estimates `est` of the samples `value`, whose sample (`i`, `j`)
    /// (column, row) deviates by `dev` and shows the spot's side.
    fn new(
        basis: Basis,
        (cx, cy): (isize, isize),
        est: [[Option<i32>; 3]; 3],
        value: [[i32; 3]; 3],
        (dev, i, j): (i32, usize, usize),
    ) -> Self {
        BoxEstimate {
            basis,
            cx,
            cy,
            est,
            value,
            bend: 0,
            spread: 0,
            dev,
            at_value: value[j][i].clamp(0, i32::from(u16::MAX)) as u16,
            at_estimate: (value[j][i] - dev).clamp(0, i32::from(u16::MAX)) as u16,
        }
    }

    /// Signed deviation of box sample (`i`, `j`) (column, row), if estimated.
    fn deviation(&self, i: usize, j: usize) -> Option<i32> {
        self.est[j][i].map(|e| self.value[j][i] - e)
    }

    /// The deviation of box sample (`i`, `j`) where it is on the spot's side (else 0),
    /// as a magnitude.
    fn on_side(&self, i: usize, j: usize) -> i32 {
        self.deviation(i, j)
            .filter(|d| d.signum() == self.dev.signum())
            .map_or(0, i32::abs)
    }
}

/// The four sides of the 16-sample ring at distance 2 around a box, each from offset
/// −2 to 2 along it; `None` where a sample is outside the plane or unusable.
struct Ring {
    left: [Option<i32>; 5],
    right: [Option<i32>; 5],
    top: [Option<i32>; 5],
    bottom: [Option<i32>; 5],
}

impl Ring {
    /// The ring through `sample(dx, dy)`, which reads the sample at offset (`dx`, `dy`)
    /// from the centre.
    fn read(sample: impl Fn(isize, isize) -> Option<i32>) -> Self {
        const ALONG: [isize; 5] = [-2, -1, 0, 1, 2];
        Ring {
            left: ALONG.map(|j| sample(-2, j)),
            right: ALONG.map(|j| sample(2, j)),
            top: ALONG.map(|i| sample(i, -2)),
            bottom: ALONG.map(|i| sample(i, 2)),
        }
    }

    /// How far the ring departs from straight lines along its four sides: the error an
    /// interpolation across the box can be expected to make here.
    fn bend(&self) -> i32 {
        let mut b = [0i32; 12];
        let mut n = 0;
        for side in [&self.left, &self.right, &self.top, &self.bottom] {
            for t in side.windows(3) {
                if let [Some(a), Some(m), Some(z)] = *t {
                    b[n] = (2 * m - a - z).abs() / 2;
                    n += 1;
                }
            }
        }
        median(&mut b[..n]).unwrap_or(0)
    }

    /// The estimate of box sample (`i`, `j`) (column, row): the interpolations between
    /// the ring samples left and right of it and above and below it, blended by the
    /// direction of least gradient (weights `gh` across the box horizontally, `gv`
    /// vertically); also the two interpolations themselves.
    #[inline]
    fn estimate(
        &self,
        i: usize,
        j: usize,
        (gh, gv): (Option<i32>, Option<i32>),
    ) -> (Option<i32>, Option<i32>, Option<i32>) {
        let hz = interpolate(self.left[j + 1], self.right[j + 1], i as i32);
        let vt = interpolate(self.top[i + 1], self.bottom[i + 1], j as i32);
        let blended = match (hz, vt) {
            (Some(a), Some(b)) => {
                let (wa, wb) = (gv.unwrap_or(0), gh.unwrap_or(0));
                if wa + wb == 0 {
                    Some((a + b + 1) / 2)
                } else {
                    Some((a * wa + b * wb + (wa + wb) / 2) / (wa + wb))
                }
            }
            (Some(a), None) | (None, Some(a)) => Some(a),
            (None, None) => None,
        };
        (blended, hz, vt)
    }
}

/// The median of the usable samples of the ring at distance 2 (`sample(dx, dy)` reads
/// the one at offset (`dx`, `dy`) from the centre).
fn ring_median(sample: impl Fn(isize, isize) -> Option<i32>) -> Option<i32> {
    let mut all = [0i32; 16];
    let mut n = 0;
    for &(dx, dy) in &crate::video::detect::RING {
        if let Some(v) = sample(dx, dy) {
            all[n] = v;
            n += 1;
        }
    }
    median(&mut all[..n])
}

/// Linear interpolation over the 4-sample gap between `a` and `z` at box position `k`
/// (0…2): weights 3:1, 2:2, 1:3.
#[inline]
fn interpolate(a: Option<i32>, z: Option<i32>, k: i32) -> Option<i32> {
    match (a, z) {
        (Some(a), Some(z)) => Some((a * (3 - k) + z * (1 + k) + 2) / 4),
        _ => None,
    }
}

/// Differences across the box between two opposite sides of the ring (the
/// least-gradient weights), scaled to three pairs; `None` with no usable pair.
fn across(a: &[Option<i32>; 5], b: &[Option<i32>; 5]) -> Option<i32> {
    let (mut s, mut n) = (0i32, 0i32);
    for (p, q) in a[1..4].iter().zip(&b[1..4]) {
        if let (Some(p), Some(q)) = (p, q) {
            s += (p - q).abs();
            n += 1;
        }
    }
    (n > 0).then(|| s * 3 / n)
}

/// The box sample that shows the spot's side from the ring: the centre, or the
/// strongest estimated sample when the centre has no estimate.
fn centre_or_strongest(
    est: &[[Option<i32>; 3]; 3],
    value: &[[i32; 3]; 3],
) -> Option<(i32, usize, usize)> {
    let mut best: Option<(i32, usize, usize)> = est[1][1].map(|e| (value[1][1] - e, 1, 1));
    if best.is_none() {
        for (j, row) in est.iter().enumerate() {
            for (i, e) in row.iter().enumerate() {
                let Some(e) = *e else { continue };
                let d = value[j][i] - e;
                if best.is_none_or(|(bd, _, _)| d.abs() > bd.abs()) {
                    best = Some((d, i, j));
                }
            }
        }
    }
    best
}

/// Estimates the box of component `c` around (`cx`, `cy`) from its ring.
fn estimate_box(
    frame: &VideoFrame<'_>,
    c: usize,
    cx: isize,
    cy: isize,
    usable: &dyn Fn(usize, usize, usize) -> bool,
) -> Option<BoxEstimate> {
    let (w, h) = frame.layout().comp_size(c);
    if cx < 0 || cy < 0 || cx >= w as isize || cy >= h as isize {
        return None;
    }
    let inside = |sx: isize, sy: isize| sx >= 0 && sy >= 0 && sx < w as isize && sy < h as isize;
    // Ring samples, by offset from the centre; None when unusable.
    let ring_at = |dx: isize, dy: isize| -> Option<i32> {
        let (sx, sy) = (cx + dx, cy + dy);
        (inside(sx, sy) && usable(c, sx as usize, sy as usize))
            .then(|| i32::from(frame.get(c, sx as usize, sy as usize)))
    };
    let ring = Ring::read(ring_at);
    let gradients = (
        across(&ring.left, &ring.right),
        across(&ring.top, &ring.bottom),
    );
    // Median of the usable ring, for box samples with no usable pair (computed only
    // when one needs it).
    let mut fallback: Option<Option<i32>> = None;
    let mut fallback_median = || *fallback.get_or_insert_with(|| ring_median(ring_at));
    let mut est = [[None::<i32>; 3]; 3];
    let mut value = [[0i32; 3]; 3];
    let mut spread = 0;
    for (j, row) in est.iter_mut().enumerate() {
        for (i, e) in row.iter_mut().enumerate() {
            let (sx, sy) = (cx + i as isize - 1, cy + j as isize - 1);
            if !inside(sx, sy) {
                continue;
            }
            value[j][i] = i32::from(frame.get(c, sx as usize, sy as usize));
            let (blended, hz, vt) = ring.estimate(i, j, gradients);
            if (i, j) == (1, 1)
                && let (Some(a), Some(b)) = (hz, vt)
            {
                spread = (a - b).abs();
            }
            *e = blended.or_else(&mut fallback_median);
        }
    }
    // The centre decides the spot's side in this component (the strongest sample when
    // the centre cannot be estimated).
    let side = centre_or_strongest(&est, &value)?;
    Some(BoxEstimate {
        bend: ring.bend(),
        spread,
        ..BoxEstimate::new(Basis::Ring, (cx, cy), est, value, side)
    })
}

/// The previous frame, moved so that it lines up with this one around a spot (see
/// [`super::reference`]).
#[derive(Clone, Copy)]
pub(crate) struct Shifted<'a> {
    /// The previous frame (as repaired).
    pub frame: VideoFrame<'a>,
    /// Offset from a position in this frame to the same content in `frame` (frame
    /// pixels), column…
    pub dx: i32,
    /// …and row.
    pub dy: i32,
    /// The spot was repaired in `frame`, so its own samples there may be used.
    pub repaired: bool,
}

/// The box of component `c` around (`cx`, `cy`) as the previous frame shows it, moved
/// by (`vx`, `vy`) component samples; `None` when a box sample's source is outside the
/// plane. Unless the spot was `repaired` in the previous frame, a box sample whose
/// source lies in the box itself (where the spot was) has no estimate, and a box whose
/// centre would come from there has none at all.
fn box_from_reference(
    frame: &VideoFrame<'_>,
    reference: &VideoFrame<'_>,
    c: usize,
    (cx, cy): (isize, isize),
    (vx, vy): (isize, isize),
    repaired: bool,
) -> Option<BoxEstimate> {
    let (w, h) = frame.layout().comp_size(c);
    let inside = |sx: isize, sy: isize| sx >= 0 && sy >= 0 && sx < w as isize && sy < h as isize;
    let from_spot = |i: isize, j: isize| !repaired && (i + vx).abs() <= 1 && (j + vy).abs() <= 1;
    if !inside(cx, cy) || from_spot(0, 0) {
        return None;
    }
    let mut est = [[None::<i32>; 3]; 3];
    let mut value = [[0i32; 3]; 3];
    for (j, row) in est.iter_mut().enumerate() {
        for (i, e) in row.iter_mut().enumerate() {
            let (sx, sy) = (cx + i as isize - 1, cy + j as isize - 1);
            if !inside(sx, sy) {
                continue;
            }
            if !inside(sx + vx, sy + vy) {
                return None;
            }
            value[j][i] = i32::from(frame.get(c, sx as usize, sy as usize));
            if !from_spot(i as isize - 1, j as isize - 1) {
                *e = Some(i32::from(reference.get(
                    c,
                    (sx + vx) as usize,
                    (sy + vy) as usize,
                )));
            }
        }
    }
    // With the picture itself as the estimate, the sample that stands out most shows
    // the spot's side.
    let side = strongest(&est, &value);
    Some(BoxEstimate::new(
        Basis::PreviousFrame,
        (cx, cy),
        est,
        value,
        side,
    ))
}

/// The estimated box sample that stands out most from its estimate (the first in
/// row-major order among equals; the centre, with no deviation, when none does).
fn strongest(est: &[[Option<i32>; 3]; 3], value: &[[i32; 3]; 3]) -> (i32, usize, usize) {
    let mut best = (0i32, 1usize, 1usize);
    for (j, row) in est.iter().enumerate() {
        for (i, e) in row.iter().enumerate() {
            if let Some(e) = *e
                && (value[j][i] - e).abs() > best.0.abs()
            {
                best = (value[j][i] - e, i, j);
            }
        }
    }
    best
}

/// The box of component `c` around its centre `centre`: from the previous frame where
/// the motion found there is a whole number of this component's samples and the box's
/// sources are in the plane, else from the ring.
fn component_box(
    frame: &VideoFrame<'_>,
    c: usize,
    centre: Position,
    usable: &dyn Fn(usize, usize, usize) -> bool,
    reference: Option<&Shifted<'_>>,
) -> Option<BoxEstimate> {
    let k = frame.layout().components().get(c)?;
    let centre = (centre.x as isize, centre.y as isize);
    let shifted = reference.and_then(|r| {
        // The motion in this component's samples: whole samples only.
        let (mx, my) = (1i32 << k.sx, 1i32 << k.sy);
        if r.dx % mx != 0 || r.dy % my != 0 {
            return None;
        }
        let v = ((r.dx / mx) as isize, (r.dy / my) as isize);
        box_from_reference(frame, &r.frame, c, centre, v, r.repaired)
    });
    shifted.or_else(|| estimate_box(frame, c, centre.0, centre.1, usable))
}

/// The frame pixel a spot is centred on, judged from a subsampled component's box:
/// towards the neighbour sample that shares the spot's deviation most (a photosite's
/// 3×3 footprint reaches two chroma samples on the side it lies towards).
fn anchor_from(b: &BoxEstimate, sx: u8, sy: u8, cosited: bool) -> Position {
    // The photosite lies in the pixels of the centre sample, on the side of the
    // neighbour that shares the deviation more.
    let x = if sx == 0 {
        b.cx
    } else if cosited {
        // Co-sited: the centre sample sits on column 2cx; a photosite there reaches
        // both neighbours alike, one at 2cx ± 1 reaches that side's neighbour as much
        // as the centre.
        let (l, r) = (b.on_side(0, 1), b.on_side(2, 1));
        let base = b.cx << sx;
        if r > 2 * l {
            base + 1
        } else if l > 2 * r {
            base - 1
        } else {
            base
        }
    } else {
        let (l, r) = (b.on_side(0, 1), b.on_side(2, 1));
        (b.cx << sx) + isize::from(r > l)
    };
    let y = if sy == 0 {
        b.cy
    } else {
        let (u, d) = (b.on_side(1, 0), b.on_side(1, 2));
        (b.cy << sy) + isize::from(d > u)
    };
    Position::new(x.max(0) as u32, y.max(0) as u32)
}

/// The spot's centre judged from the component that shows it most clearly (deviation
/// over the threshold): a faint luma bump beside a strong colour error does not place
/// it.
fn strongest_anchor(
    boxes: &[Option<BoxEstimate>; 3],
    threshold: &[i32; 3],
    layout: &VideoLayout,
) -> Option<Position> {
    let comps = layout.components();
    boxes
        .iter()
        .enumerate()
        .filter_map(|(c, b)| b.map(|b| (c, b)))
        .max_by_key(|(c, b)| i64::from(b.dev.abs()) * 1024 / i64::from(threshold[*c].max(1)))
        .map(|(c, b)| anchor_from(&b, comps[c].sx, comps[c].sy, layout.cosited_chroma))
}

/// Which samples of one component can have seen the 3×3 frame pixels around a spot's
/// centre `anchor` (any sample, when it is not known): a subsampled sample covers the
/// frame pixels it is filtered from.
#[derive(Clone, Copy)]
struct Reach {
    anchor: Option<Position>,
    /// The component's subsampling (log2), columns and rows.
    sub: (u8, u8),
    /// Co-sited chroma ([`VideoLayout::cosited_chroma`]).
    cosited: bool,
}

impl Reach {
    /// Whether sample (`sx`, `sy`) can have seen the anchor's 3×3 pixels.
    #[inline]
    fn covers(&self, sx: isize, sy: isize) -> bool {
        let Some(anchor) = self.anchor else {
            return true;
        };
        let (ax, ay) = (anchor.x as isize, anchor.y as isize);
        let (kx, ky) = self.sub;
        let (x0, x1) = if kx > 0 && self.cosited {
            ((sx << kx) - 1, (sx << kx) + 1)
        } else {
            ((sx << kx), ((sx + 1) << kx) - 1)
        };
        let (y0, y1) = ((sy << ky), ((sy + 1) << ky) - 1);
        x0 <= ax + 1 && x1 >= ax - 1 && y0 <= ay + 1 && y1 >= ay - 1
    }
}

/// The repair of one component's box: its terms, and where its replacements go.
struct CompRepair<'w> {
    c: usize,
    /// The least deviation, in sample units, of a sample that is replaced.
    threshold: i32,
    reach: Reach,
    /// Largest sample value.
    max: u16,
    writes: &'w mut Vec<Write>,
    probe: &'w mut CompProbe,
}

impl CompRepair<'_> {
    /// The least deviation of a sample the spot reached: the threshold, a fair part of
    /// the spot's `peak` deviation, and more than the interpolation error (`bend`).
    #[inline]
    fn reached(&self, peak: i32, bend: i32) -> i32 {
        self.threshold
            .max(peak.abs() / PEAK_FRACTION)
            .max(BEND_FACTOR * bend)
            .max(1)
    }

    /// From the previous frame `b`: it shows what the spot hides, so every sample the
    /// spot can have reached that stands out from it by more than the threshold is
    /// replaced, and nothing else. Samples whose source there was the spot itself
    /// (slow motion, first repair) take the spatial estimate, on its stricter terms: on
    /// the spot's side, by a fair part of its peak. Where this frame shows no spot at
    /// the position (`margin` above 1: the spatial test does not see one), a sample is
    /// replaced only where it also stands out from its spatial estimate, the same way
    /// and by more than the threshold: otherwise what differs is the previous frame (a
    /// defect of its own where the motion brings it, a codec's block copied unmoved).
    fn repair_from_previous(
        &mut self,
        frame: &VideoFrame<'_>,
        b: &BoxEstimate,
        margin: i32,
        usable: &dyn Fn(usize, usize, usize) -> bool,
    ) {
        let spatial = estimate_box(frame, self.c, b.cx, b.cy, usable);
        let least = self.threshold.max(1);
        let seen_here = |i: usize, j: usize, d: i32| {
            margin <= 1
                || spatial
                    .and_then(|sp| sp.deviation(i, j))
                    .is_some_and(|s| s.signum() == d.signum() && s.abs() > least)
        };
        for j in 0..3 {
            for i in 0..3 {
                let (sx, sy) = (b.cx + i as isize - 1, b.cy + j as isize - 1);
                let estimate = match (b.est[j][i], b.deviation(i, j)) {
                    (Some(e), Some(d)) => (d.abs() > least && seen_here(i, j, d)).then_some(e),
                    _ => spatial.and_then(|sp| {
                        let (e, d) = (sp.est[j][i]?, sp.deviation(i, j)?);
                        let t = self.reached(b.dev, sp.bend);
                        (d.signum() == b.dev.signum() && d.abs() > t).then_some(e)
                    }),
                };
                if let Some(e) = estimate
                    && self.reach.covers(sx, sy)
                {
                    self.replace((sx, sy), e);
                }
            }
        }
    }

    /// From the ring `b`: the component is repaired only when the spot stands out from
    /// its estimate by more than `margin` times what that estimate can be trusted to
    /// (the threshold, the ring's bend, and the disagreement of the two directions at
    /// the centre); then the samples the spot reached, shaped like a spot.
    fn repair_from_ring(&mut self, b: &BoxEstimate, margin: i32) {
        let trust = self
            .threshold
            .max(BEND_FACTOR * b.bend)
            .max(b.spread)
            .max(1);
        if b.dev.abs() <= trust * margin {
            return;
        }
        // Samples the spot reached stand out by a fair part of its peak and by more than
        // the interpolation error here; texture next to it does not.
        let t = self.reached(b.dev, b.bend);
        // A spot falls off from its centre: a corner sample counts only if it deviates
        // no more than one of the side samples next to it, give or take `t` (texture
        // beside a spot rarely follows that shape).
        for j in 0..3 {
            for i in 0..3 {
                let (Some(e), Some(d)) = (b.est[j][i], b.deviation(i, j)) else {
                    continue;
                };
                let (sx, sy) = (b.cx + i as isize - 1, b.cy + j as isize - 1);
                let a = b.on_side(i, j);
                let shaped = match (i == 1, j == 1) {
                    (true, true) => true,
                    (true, false) | (false, true) => a > t,
                    (false, false) => a > t && a <= b.on_side(1, j).max(b.on_side(i, 1)) + t,
                };
                if d.signum() == b.dev.signum() && shaped && self.reach.covers(sx, sy) {
                    self.replace((sx, sy), e);
                }
            }
        }
    }

    /// Appends the replacement of sample (`sx`, `sy`) by `estimate` (clamped to the
    /// range) and counts it.
    fn replace(&mut self, (sx, sy): (isize, isize), estimate: i32) {
        self.writes.push(Write {
            c: self.c as u8,
            x: sx as u32,
            y: sy as u32,
            value: estimate.clamp(0, i32::from(self.max)) as u16,
        });
        self.probe.changed += 1;
    }
}

/// Re-estimates a spot in every component, and appends the replacements to `writes`
/// (nothing is written to the frame). `centres[c]` is the spot's centre in component
/// `c`'s own coordinates (for a position known only in frame pixels,
/// [`Position::subsampled`]); `threshold[c]` is the least deviation, in sample units, a sample of component
/// `c` must show to be replaced (its centre, `margin` times that); `usable(c, sx, sy)`
/// says whether ring sample (`sx`, `sy`) of component `c` may be used (it is only asked
/// about samples inside the plane).
///
/// Only the samples that can have seen the 3×3 frame pixels around the spot's centre
/// are replaced — a subsampled chroma sample (`cx`, `cy`) is taken to cover the frame
/// pixels it is filtered from: rows `2cy … 2cy + 1`, and columns `2cx − 1 … 2cx + 1`
/// for co-sited chroma or `2cx … 2cx + 1` for centred chroma ([`VideoLayout::cosited_chroma`];
/// this is what `videoconvert` does, measured) — so the repair stays inside what the
/// spot can have touched. That centre is
/// `anchor` when given (a full-resolution plane saw it, or the map names it), else it
/// is judged from the subsampled component that shows the spot most.
#[allow(clippy::too_many_arguments)]
pub(crate) fn probe(
    frame: &VideoFrame<'_>,
    centres: [Position; 3],
    anchor: Option<Position>,
    threshold: [i32; 3],
    margin: i32,
    usable: &dyn Fn(usize, usize, usize) -> bool,
    reference: Option<&Shifted<'_>>,
    writes: &mut Vec<Write>,
) -> Probe {
    let layout = *frame.layout();
    let boxes: [Option<BoxEstimate>; 3] =
        std::array::from_fn(|c| component_box(frame, c, centres[c], usable, reference));
    let anchor = anchor.or_else(|| strongest_anchor(&boxes, &threshold, &layout));
    let mut out = Probe::default();
    for (c, k) in layout.components().iter().enumerate() {
        let Some(b) = boxes[c] else { continue };
        out.estimated = true;
        let probe = &mut out.comps[c];
        *probe = CompProbe {
            deviation: b.dev,
            value: b.at_value,
            estimate: b.at_estimate,
            changed: 0,
        };
        let mut comp = CompRepair {
            c,
            threshold: threshold[c],
            reach: Reach {
                anchor,
                sub: (k.sx, k.sy),
                cosited: layout.cosited_chroma,
            },
            max: layout.max_value(),
            writes,
            probe,
        };
        match b.basis {
            Basis::PreviousFrame => comp.repair_from_previous(frame, &b, margin, usable),
            Basis::Ring => comp.repair_from_ring(&b, margin),
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
    use crate::frame::{VideoFrameMut, VideoLayout};

    #[test]
    fn a_previous_frame_that_differs_where_this_one_shows_no_spot_changes_nothing() {
        // This frame is flat where the position was confirmed; the previous frame, where
        // the motion (2, 0) brings it, holds a bright defect of its own. With no spot
        // here (margin 2) nothing is written; with one (margin 1), the samples that
        // stand out from the previous frame are (the spot is believed).
        let layout = VideoLayout::parse("I420", 32, 32).unwrap();
        let (mut now, strides) = layout.alloc();
        let mut f = VideoFrameMut::from_vecs(layout, &mut now, strides).unwrap();
        f.fill(|c, _, _| if c == 0 { 40 } else { 128 });
        let (mut before, _) = layout.alloc();
        let mut g = VideoFrameMut::from_vecs(layout, &mut before, strides).unwrap();
        g.fill(|c, _, _| if c == 0 { 40 } else { 128 });
        g.set(0, 18, 16, 200);
        let previous = g.as_ref();
        let shifted = Shifted {
            frame: previous,
            dx: 2,
            dy: 0,
            repaired: true,
        };
        let at = Position::new(16, 16);
        let written = |margin: i32| {
            let mut writes = Vec::new();
            probe(
                &f.as_ref(),
                [at, Position::new(8, 8), Position::new(8, 8)],
                Some(at),
                [4, 4, 4],
                margin,
                &|_, _, _| true,
                Some(&shifted),
                &mut writes,
            );
            writes
        };
        assert_eq!(written(2), vec![]);
        assert_eq!(
            written(1),
            vec![Write {
                c: 0,
                x: 16,
                y: 16,
                value: 200
            }]
        );
    }

    #[test]
    fn a_spot_on_a_ramp_comes_back_exactly_in_every_component() {
        let layout = VideoLayout::parse("I420", 32, 32).unwrap();
        let (mut planes, strides) = layout.alloc();
        let mut f = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        let truth = |c: usize, x: usize, y: usize| (40 + c * 10 + x * 4 + y * 2) as u16;
        f.fill(truth);
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
            [(16, 16), (8, 8), (8, 8)].map(|(x, y)| Position::new(x, y)),
            Some(Position::new(16, 16)),
            [4, 4, 4],
            1,
            &|_, _, _| true,
            None,
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
        let layout = VideoLayout::parse("Y444", 16, 16).unwrap();
        let (mut planes, strides) = layout.alloc();
        let mut f = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        for y in 0..16 {
            for x in 0..16 {
                f.set(0, x, y, if y < 8 { 30 } else { 200 });
            }
        }
        f.set(0, 8, 7, 255);
        let mut writes = Vec::new();
        probe(
            &f.as_ref(),
            [Position::new(8, 7); 3],
            None,
            [4, 4, 4],
            1,
            &|_, _, _| true,
            None,
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
