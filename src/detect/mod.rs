//! Dynamic detection: per frame, find the pixels that no real image detail explains.
//!
//! Each pixel is compared with its 8 nearest same-colour neighbours in the mosaic (for a
//! green Bayer site the 4 diagonal greens at distance 1 and the 4 axial ones at distance
//! 2; for red and blue the 8 at distance 2; for monochrome the 8 adjacent pixels). A
//! pixel is *hot* when it exceeds the second largest neighbour, *cold* when it lies below
//! the second smallest, by more than a threshold (see [`kernel::decide`]):
//!
//! ```text
//! excess = v − max₂(n) − β·(max₂(n) − min₂(n))          (hot; mirrored for cold)
//! flag when excess > floor  and  excess² > k²·σ²(max₂(n))
//! ```
//!
//! - rank based (second extremes), so a same-colour pair or the green diagonal of a 2×2
//!   block of defects is found: the partner is the one neighbour the test ignores;
//! - `σ²(level) = a + b·level` is measured on the frame itself, per colour plane
//!   ([`noise`]), so the defaults hold on 8- to 16-bit data of any sensor;
//! - the texture margin `β·(max₂ − min₂)` follows the local spread of the neighbourhood,
//!   so edges and fine detail (foliage, text, stars) raise the bar where they are;
//! - one knob, [`DetectTuning::sensitivity`], scales every margin: 2 finds fainter defects and
//!   touches more real detail, 0.5 the opposite.
//!
//! Two stages:
//! 1. **row kernels** (every pixel, vectorised): [`kernel::prefilter`], a necessary
//!    condition in 16-bit lanes (excess over the second extreme > floor + texture
//!    margin), then the exact noise test [`kernel::decide`] on the few candidates;
//! 2. **second stage** ([`Detector::confirm`], candidates only, scalar):
//!    - a pixel that stands out only when its most extreme neighbour is ignored is kept
//!      only if that neighbour is itself isolated without the pixel (pairs and 2×2
//!      blocks pass, the tip of a thin line does not);
//!    - a dark pixel among clipped neighbours is kept only if far below the clip;
//!    - the cross-colour test: the pixel's difference to its 4 adjacent pixels of other
//!      colours must itself stand out from the same difference at its same-colour
//!      neighbours (texture shared by all colours cancels, a sensor defect does not);
//!      when the two most extreme adjacent pixels are defects too (a 2×2 block), the
//!      other two are the reference.
//!
//! Everything is integer arithmetic, so the scalar reference, the portable
//! (auto-vectorised) row kernel and its AVX2 and AVX-512 builds (chosen at run time)
//! give identical results; tests hold them so on random frames of every format.
//!
//! The quality protocol of `examples/evaluate.rs` and the CI guards is the `eval` crate
//! of the workspace (`defectfix_eval`), outside the plugin.

pub mod kernel;
pub mod noise;

use crate::exec::KernelPath;
use crate::frame::{Cfa, Channel, Plane, PlaneRef, SampleEncoding};
pub use kernel::{COLD, HOT, RowParams};
pub use noise::{NoiseEstimator, NoiseModel};

/// Smallest frame side on which detection runs (the neighbourhood reaches 2 pixels out).
pub const MIN_SIDE: usize = 5;

/// Default noise multiplier `k` (threshold = k·σ at sensitivity 1).
pub const DEFAULT_K: f64 = 5.0;
/// Default texture factor `β` (fraction of the neighbours' spread).
pub const DEFAULT_BETA: f64 = 0.75;
/// Default texture factor of the dark side.
pub const DEFAULT_BETA_COLD: f64 = 0.35;
/// Default texture factor of the cross-colour test.
pub const DEFAULT_BETA_COLOUR: f64 = 0.5;
/// Default least excess, as a fraction of the sample range.
pub const DEFAULT_FLOOR: f64 = 0.03;

/// The user-facing strength of detection and the constants it scales.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DetectTuning {
    /// 1 = defaults; larger finds fainter defects (all margins divided by it).
    pub sensitivity: f64,
    pub k: f64,
    pub beta: f64,
    /// Texture factor of the dark side.
    pub beta_cold: f64,
    pub floor: f64,
    /// Texture factor of the cross-colour test.
    pub beta_colour: f64,
    /// Reference of the cross-colour test.
    pub colour_mode: ColourReference,
}

impl Default for DetectTuning {
    fn default() -> Self {
        DetectTuning {
            sensitivity: 1.0,
            k: DEFAULT_K,
            beta: DEFAULT_BETA,
            beta_cold: DEFAULT_BETA_COLD,
            floor: DEFAULT_FLOOR,
            beta_colour: DEFAULT_BETA_COLOUR,
            colour_mode: ColourReference::Adaptive,
        }
    }
}

/// What the cross-colour test compares a pixel with: which of its 4 adjacent pixels of
/// other colours (sorted by value) make the reference.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ColourReference {
    /// The mean of all four.
    AllFour,
    /// The mean of the middle two.
    MiddleTwo,
    /// The mean of the two on the defect's side (the lower two for a hot pixel, the
    /// upper two for a cold one).
    DefectSide,
    /// The mean of all four, unless the two most extreme of them are defects of the same
    /// polarity too (a 2×2 block): then the two on the defect's side.
    #[default]
    Adaptive,
}

impl ColourReference {
    /// The reference numbered `n` on the command line of the evaluation tools: 0 all
    /// four, 1 the middle two, 3 adaptive, any other number the defect's side.
    pub fn from_number(n: u32) -> ColourReference {
        match n {
            0 => ColourReference::AllFour,
            1 => ColourReference::MiddleTwo,
            3 => ColourReference::Adaptive,
            _ => ColourReference::DefectSide,
        }
    }
}

/// The least share of a bright point's excess that three of its adjacent pixels must
/// receive for the point to count as optical detail ([`Detector::confirm`]). A Gaussian
/// spot of σ 0.5 px centred on a pixel gives each adjacent pixel 23 % of the centre's
/// light, 10–15 % at half a pixel off centre; a star's colour can scale that by a third
/// (a red star's light on blue pixels): 1/32 keeps every such spot.
pub const LENS_SHARE: f64 = 0.1;

/// Whether a point `excess` above (`bright`) or below its same-colour neighbours
/// spreads into its adjacent pixels the way a lens spreads a point of light (see
/// [`Detector::confirm`]): `at(dx, dy)` reads the pixel at that offset from the point,
/// `sigma` is the noise of one pixel at the point's surroundings' level.
///
/// A pixel's *rise* is how far it stands above the pixel of its own colour two steps
/// further out (offset ±3 from the point). Rises must exceed what the surroundings
/// vary by: the difference between those outer pixels on opposite sides (left against
/// right, top against bottom, the smaller; the same colour on both sides, so their
/// difference is the local noise and texture whatever the noise model says). Where
/// something at least as bright as the point lies beyond on both axes (a neighbouring
/// star, a defect), the diagonal pairs at offset ±3 measure it instead.
///
/// A lens puts light on the adjacent pixels whatever the point's place on its pixel:
/// - **centred**: three of the four adjacent pixels rise by [`LENS_SHARE`] of the
///   excess;
/// - **off centre**: the adjacent pixel on the near side of each axis rises by
///   [`LENS_SHARE`] of the excess, and the two on the far sides still by
///   `FAR_SHARE` of it, together by more than their noise (`FAR_SIGMAS`);
/// - **near a corner**: a 2×2 quad is lit nearly evenly, and six of the eight pixels
///   around it rise (see `QUAD_SHARE`); a pixel with something at least
///   `BEYOND_SHARE` of the point's excess brighter beyond it says nothing, and the
///   others must then make up the six, four at least.
///
/// A hot photosite spreads nowhere (its neighbours see only the scene); a 2×2 block of
/// defects lights its quad and nothing around it.
pub fn spreads_like_a_lens(
    at: impl Fn(isize, isize) -> u16,
    excess: f64,
    bright: bool,
    sigma: f64,
) -> bool {
    point_spread(at, excess, bright, sigma) == Spread::Lens
}

/// What one frame tells of how a point spreads into its surroundings
/// ([`point_spread`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spread {
    /// As a lens spreads a point of light ([`spreads_like_a_lens`]): optical detail.
    Lens,
    /// It lights its near surroundings as a lens does, and what would settle it stays
    /// within the noise: the ring around a lit 2×2 quad, whose light summed stands
    /// above the noise of the sum though no six of its pixels do, or where the light a
    /// lens would put stays below that noise; the far sides of an off-centre point,
    /// where a lens's light would. A star of σ 0.5 px on a pixel corner and a 2×2
    /// block of warm defects look alike here, as a faint star off centre at high gain
    /// and a warm pixel beside two brighter neighbours.
    Unsettled,
    /// Not as a lens spreads light: a defect, as far as one frame tells.
    Unlike,
}

/// How a point `excess` above (`bright`) or below its same-colour neighbours spreads
/// into its surroundings: the tests of [`spreads_like_a_lens`], which says
/// [`Spread::Lens`]; a point that lights a 2×2 quad and fails them is
/// [`Spread::Unsettled`] when the ring around the quad cannot tell (see there).
pub fn point_spread(
    at: impl Fn(isize, isize) -> u16,
    excess: f64,
    bright: bool,
    sigma: f64,
) -> Spread {
    let sign = if bright { 1 } else { -1 };
    let at = |dx: isize, dy: isize| sign * i32::from(at(dx, dy));
    let outer = outer_variation(&at, excess);
    let directions = [(-1isize, 0isize), (1, 0), (0, -1), (0, 1)];
    let rises = directions.map(|(dx, dy)| at(dx, dy) - at(3 * dx, 3 * dy));
    let rises_by = |r: i32, share: f64| r >= outer && f64::from(r) >= share * excess;
    // Centred.
    let mut sorted = rises;
    sorted.sort_unstable();
    // The second smallest: three of the four.
    if rises_by(sorted[1], LENS_SHARE) {
        return Spread::Lens;
    }
    // Off centre.
    let (near_h, far_h) = (rises[0].max(rises[1]), rises[0].min(rises[1]));
    let (near_v, far_v) = (rises[2].max(rises[3]), rises[2].min(rises[3]));
    // (A rise is a difference of two pixels, so the sum of two has noise 2σ.)
    let far_noise = FAR_SIGMAS * 2.0 * sigma;
    let far_lit = f64::from(far_h + far_v) > far_noise;
    let near_lit = rises_by(near_h, LENS_SHARE) && rises_by(near_v, LENS_SHARE);
    if near_lit && rises_by(far_h, FAR_SHARE) && rises_by(far_v, FAR_SHARE) && far_lit {
        return Spread::Lens;
    }
    // Near a corner: the quad is the point, the adjacent pixel horizontally and the one
    // vertically that share its light, and the pixel diagonal to it.
    let strong = |i: usize| f64::from(rises[i]) >= QUAD_SHARE * excess;
    let horizontal = [0, 1].into_iter().find(|&i| strong(i));
    let vertical = [2, 3].into_iter().find(|&i| strong(i));
    match (horizontal, vertical) {
        (Some(h), Some(v)) => {
            let quad = (directions[h].0, directions[v].1);
            lit_around_quad(&at, quad, excess, outer, sigma)
        }
        // Off centre, lit on the near sides as a lens lights them, where the light a
        // lens puts on the far sides would stay within the noise of their sum.
        _ if near_lit && 2.0 * FAR_SHARE * excess < far_noise => Spread::Unsettled,
        _ => Spread::Unlike,
    }
}

/// How much the surroundings of a point vary, from the same-colour pixels at offset ±3
/// (`at`): the smaller difference of the opposite pairs along the axes; where something
/// at least as bright as the point's `excess` lies beyond on both axes, the diagonal
/// pairs too. At least 1.
fn outer_variation(at: &impl Fn(isize, isize) -> i32, excess: f64) -> i32 {
    let axes = at(-3, 0)
        .abs_diff(at(3, 0))
        .min(at(0, -3).abs_diff(at(0, 3)));
    let outer = if f64::from(axes) > excess {
        axes.min(at(-3, -3).abs_diff(at(3, 3)))
            .min(at(3, -3).abs_diff(at(-3, 3)))
    } else {
        axes
    };
    (outer as i32).max(1)
}

/// Whether the light of a point lighting the 2×2 quad towards (`sx`, `sy`) (the point,
/// its adjacent pixels that way along each axis, and the pixel diagonal to it) reaches
/// the eight pixels around the quad: six of them rise above the pixel two steps further
/// out by `QUAD_RING_SHARE` of the point's `excess` and by `outer`; a pixel with
/// something `BEYOND_SHARE` of the excess brighter beyond it says nothing, and the
/// others must then make up the six, four at least. Then it is [`Spread::Lens`].
///
/// Otherwise the ring is weighed whole, against `sigma` (the noise of one pixel): it is
/// [`Spread::Unsettled`] when the rises of the pixels that say something add up to more than
/// three times the noise of their sum (and to `QUAD_RING_SHARE` of the excess each),
/// or when fewer than four say something, or when the light a lens puts on each
/// (`QUAD_RING_LENS` of the excess) would add up to less than that noise: the frame
/// cannot tell. A quad whose ring a lens would light visibly, and that is dark, is
/// [`Spread::Unlike`].
fn lit_around_quad(
    at: &impl Fn(isize, isize) -> i32,
    (sx, sy): (isize, isize),
    excess: f64,
    outer: i32,
    sigma: f64,
) -> Spread {
    // Around the quad, with the outward direction of each.
    let around = [
        ((-sx, 0), (-sx, 0)),
        ((-sx, sy), (-sx, 0)),
        ((2 * sx, 0), (sx, 0)),
        ((2 * sx, sy), (sx, 0)),
        ((0, -sy), (0, -sy)),
        ((sx, -sy), (0, -sy)),
        ((0, 2 * sy), (0, sy)),
        ((sx, 2 * sy), (0, sy)),
    ];
    let needed = (QUAD_RING_SHARE * excess).max(f64::from(outer));
    let (mut lit, mut hidden) = (0, 0);
    let (mut sum, mut seen) = (0.0, 0u32);
    for &((x, y), (ox, oy)) in &around {
        let rise = f64::from(at(x, y) - at(x + 2 * ox, y + 2 * oy));
        if rise >= needed {
            lit += 1;
        } else if -rise > BEYOND_SHARE * excess {
            hidden += 1;
            continue;
        }
        sum += rise;
        seen += 1;
    }
    if lit >= 6 || (lit >= 4 && lit + hidden >= 6) {
        return Spread::Lens;
    }
    if seen < 4 {
        return Spread::Unsettled;
    }
    let n = f64::from(seen);
    // (Each rise is a difference of two pixels: the sum of n has noise σ·√(2n).)
    let noise = FAR_SIGMAS * sigma * (2.0 * n).sqrt();
    let summed = sum >= noise.max(n * QUAD_RING_SHARE * excess);
    let unseen = n * QUAD_RING_LENS * excess < noise;
    if summed || unseen {
        Spread::Unsettled
    } else {
        Spread::Unlike
    }
}

/// The least share of an off-centre point's excess that the adjacent pixels on the far
/// sides receive: a spot of σ 0.5 px half a pixel off centre gives the far one 4.8 % of
/// its own pixel's light, 9 % at 0.3 px; the star's colour scales that.
const FAR_SHARE: f64 = 0.03;
/// … and that the two far pixels' rises together must exceed, in units of the noise of
/// their sum: the light there is faint, and a 2×2 block of defects leaves only noise.
const FAR_SIGMAS: f64 = 3.0;
/// A pixel adjacent to a point that rises by this share of the point's excess shares
/// the point's light: the point sits near their common corner. A spot of σ 0.5 px 0.3 px
/// from the corner gives the adjacent pixel across the nearer border 56 % of the
/// point's light, and a star's colour can scale that by two thirds.
const QUAD_SHARE: f64 = 0.3;
/// The least share of the point's excess that the pixels around a lit quad must receive
/// (a spot of σ 0.5 px centred on a pixel corner gives them 3–5 % of the quad's level).
const QUAD_RING_SHARE: f64 = 0.015;
/// The share of the point's excess that a lens puts on each pixel around a lit quad, at
/// least: 3–5 % for a spot of σ 0.5 px on the quad's centre, more on the near sides as
/// the spot moves off it (and on every side for a wider spot).
const QUAD_RING_LENS: f64 = 0.03;
/// Something this share of the point's excess brighter than a pixel around the quad,
/// beyond it, hides whether the point's light reaches that pixel (a neighbouring star).
const BEYOND_SHARE: f64 = 0.25;

/// Integer parameters of one frame's decision (see [`kernel::decide`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Params {
    /// Texture margin in 1/16384 of 4 times the neighbours' spread (see
    /// [`kernel::texture`]).
    pub beta: u16,
    /// The same for the dark side (dark texture is rarer than bright glints).
    pub beta_cold: u16,
    /// Least excess, DN.
    pub floor: u16,
    /// The level enters the noise term as `level >> shift` (keeps it within 12 bits).
    pub shift: u32,
    /// Squared threshold constant per plane.
    pub a: [u32; 4],
    /// Squared threshold slope per plane (per `level >> shift`).
    pub b: [u32; 4],
    /// Level at which the frame clips (`u16::MAX`: none seen).
    pub clip: u16,
    /// Texture margin of the cross-colour test, 1/64 of the spread.
    pub beta_colour: u16,
    /// Reference of the cross-colour test.
    pub colour_mode: ColourReference,
}

impl Params {
    /// Parameters for frames of `plane` with noise `model` and `tuning`.
    pub fn new(plane: &Plane, model: &NoiseModel, tuning: &DetectTuning) -> Self {
        let s = if tuning.sensitivity.is_finite() {
            tuning.sensitivity.clamp(0.05, 20.0)
        } else {
            1.0
        };
        let k = tuning.k / s;
        let shift = u32::from(plane.depth.saturating_sub(12));
        let range = f64::from(plane.max_value());
        let mut a = [0u32; 4];
        let mut b = [0u32; 4];
        for p in 0..4 {
            let ka = (k * k * model.a[p]).clamp(0.0, f64::from(1u32 << 31));
            let kb =
                (k * k * model.b[p] * f64::from(1u32 << shift)).clamp(0.0, f64::from(1u32 << 19));
            a[p] = ka.round() as u32;
            b[p] = kb.round() as u32;
        }
        Params {
            beta: (tuning.beta * 16384.0 / s).round().clamp(0.0, 65535.0) as u16,
            beta_cold: (tuning.beta_cold * 16384.0 / s).round().clamp(0.0, 65535.0) as u16,
            floor: (tuning.floor * range / s).round().clamp(1.0, 65535.0) as u16,
            shift,
            a,
            b,
            clip: model.clip,
            beta_colour: (tuning.beta_colour * 64.0 / s).round().clamp(0.0, 4096.0) as u16,
            colour_mode: tuning.colour_mode,
        }
    }

    /// Per-column parameters of rows with parity `row_parity`.
    pub fn row_params(&self, plane: &Plane, row_parity: usize, rp: &mut RowParams) {
        let w = plane.width;
        let cfa = plane.cfa();
        rp.green.clear();
        rp.a.clear();
        rp.b.clear();
        for x in 0..w {
            let plane = cfa.plane_index(x, row_parity);
            let green = cfa.channel(x, row_parity) == Channel::Green;
            rp.green.push(if green { 0xFFFF } else { 0 });
            rp.a.push(self.a[plane]);
            rp.b.push(self.b[plane]);
        }
    }
}

/// A pixel flagged by dynamic detection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Found {
    pub y: u32,
    pub x: u32,
    /// [`HOT`] or [`COLD`].
    pub flags: u8,
}

/// Per-worker buffers: five decoded rows and one row of flags.
#[derive(Debug, Default)]
pub struct DetectScratch {
    ring: Vec<u16>,
    ring_rows: [usize; 5],
    flags: Vec<u8>,
}

/// The bright points of a frame that one frame's lens test judged ([`point_spread`]):
/// those that spread as a lens spreads light, and those it could not settle
/// ([`Spread::Unsettled`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PointTally {
    pub points: u32,
    pub unsettled: u32,
}

impl PointTally {
    /// Both counts of `self` and `other`.
    pub fn add(&mut self, other: PointTally) {
        self.points += other.points;
        self.unsettled += other.unsettled;
    }

    /// Whether the frame shows a field of points of light: the points that spread as a
    /// lens spreads light outnumber the points the test could not settle, by more than
    /// three times the counts' own spread (√ of their sum). Stars over a sky give
    /// hundreds of clear points; a daylight scene gives a few glints, against its 2×2
    /// defect blocks.
    pub fn shows_a_field(&self) -> bool {
        let (p, q) = (f64::from(self.points), f64::from(self.unsettled));
        p > q + 3.0 * (p + q).sqrt()
    }
}

/// The frame-wide state of detection: noise model, parameters, per-row parameters.
#[derive(Debug)]
pub struct Detector {
    plane: Plane,
    estimator: NoiseEstimator,
    model: NoiseModel,
    params: Params,
    rows: [RowParams; 2],
    /// A pixel's noise from frame to frame against the model's ([`Detector::set_point_noise`]).
    point_noise: f64,
    /// Whether the last frame showed a field of points of light
    /// ([`Detector::note_points`]).
    field: bool,
}

impl Detector {
    pub fn new(plane: Plane) -> Self {
        Detector {
            plane,
            estimator: NoiseEstimator::new(),
            point_noise: 1.0,
            field: false,
            model: NoiseModel::flat(1.0),
            params: Params::default(),
            rows: [RowParams::default(), RowParams::default()],
        }
    }

    /// Whether frames of this plane layout are large enough for detection.
    pub fn applicable(&self) -> bool {
        self.plane.width >= MIN_SIDE && self.plane.height >= MIN_SIDE
    }

    /// Measures the noise of `frame` and derives this frame's parameters.
    pub fn prepare(&mut self, frame: &PlaneRef<'_>, tuning: &DetectTuning) {
        let model = self.estimator.estimate(frame);
        self.set_model(model, tuning);
    }

    /// Uses `model` (instead of measuring) for the next frames.
    pub fn set_model(&mut self, model: NoiseModel, tuning: &DetectTuning) {
        self.model = model;
        let params = Params::new(&self.plane, &model, tuning);
        if params != self.params || self.rows[0].a.len() != self.plane.width {
            self.params = params;
            for parity in 0..2 {
                self.params
                    .row_params(&self.plane, parity, &mut self.rows[parity]);
            }
        }
    }

    pub fn model(&self) -> &NoiseModel {
        &self.model
    }

    /// The noise of a pixel from one frame to the next, as a share (at most 1) of what
    /// the frame's model says: a stream's temporal evidence measures it where the
    /// model, read within one frame, takes fine texture (stars' wings over a dark sky)
    /// for noise. The lens test judges a point's faint spread against the noise of the
    /// pixels it lights, so it takes the model scaled by this share; 1 (the model as it
    /// is) without temporal evidence.
    pub fn set_point_noise(&mut self, share: f64) {
        self.point_noise = if share.is_finite() {
            share.clamp(0.0, 1.0)
        } else {
            1.0
        };
    }

    /// Takes the tally of a frame's bright points ([`PointTally`]) as the prior for
    /// the next frame. In a frame that follows a field of points of light (a star
    /// field, [`PointTally::shows_a_field`]), a point that the frame cannot settle
    /// ([`Spread::Unsettled`]) is more likely one more point of light than a defect (a
    /// 2×2 block of warm ones, a warm pixel beside brighter neighbours), and is left
    /// alone; the lens test there also weighs a point's faint
    /// spread against the noise of a pixel from frame to frame
    /// ([`Detector::set_point_noise`]), not against the frame's model, which the
    /// stars' wings inflate over a dark sky. Elsewhere (and in a stream's first frame)
    /// such a point is repaired. The temporal evidence judges with the strict test
    /// always: a block that stays while a drifting field moves is found there.
    pub fn note_points(&mut self, tally: PointTally) {
        self.field = tally.shows_a_field();
    }

    /// Whether the last frame noted showed a field of points of light.
    pub fn follows_a_field(&self) -> bool {
        self.field
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Flags of pixel (`x`, `y`) by the scalar reference.
    #[inline]
    pub fn reference_pixel(&self, frame: &PlaneRef<'_>, x: usize, y: usize) -> u8 {
        self.pixel_flags(Px::of(frame), x, y)
    }

    #[inline]
    fn pixel_flags(&self, px: Px<'_>, x: usize, y: usize) -> u8 {
        let f = &self.plane;
        let cfa = f.cfa();
        let plane = cfa.plane_index(x, y);
        let green = cfa != Cfa::Mono && cfa.channel(x, y) == Channel::Green;
        kernel::reference_pixel(
            |x, y| px.get(x, y),
            f.width,
            f.height,
            x,
            y,
            cfa.pitch() as isize,
            green,
            self.params.a[plane],
            self.params.b[plane],
            &self.params,
        )
    }

    /// Positions of the 8 same-colour neighbours of (`x`, `y`) (reflected at borders).
    #[inline]
    fn neighbour_positions(&self, x: usize, y: usize) -> [(usize, usize); 8] {
        let f = &self.plane;
        let cfa = f.cfa();
        let green = cfa != Cfa::Mono && cfa.channel(x, y) == Channel::Green;
        let offsets = kernel::neighbour_offsets(cfa.pitch() as isize, green);
        offsets.map(|(dx, dy)| {
            (
                kernel::reflect(x, dx, f.width),
                kernel::reflect(y, dy, f.height),
            )
        })
    }

    /// Whether an excess `e` over a neighbourhood at `level` in `plane` passes the
    /// noise test of [`kernel::decide`].
    #[inline]
    fn passes(&self, e: u16, level: u16, plane: usize) -> bool {
        let p = &self.params;
        let noise2 = p.a[plane].wrapping_add(p.b[plane].wrapping_mul(u32::from(level >> p.shift)));
        e > p.floor && u32::from(e) * u32::from(e) > noise2
    }

    /// Second stage, on the few pixels the row test flagged (same code on every path):
    /// - a pixel that stands out only when its most extreme neighbour is ignored (a
    ///   pair, or the green diagonal of a 2×2 block) is kept only when that neighbour
    ///   is itself an outlier among *its* neighbours without the pixel: the end of a
    ///   thin line or the corner of a bright region is not;
    /// - a pixel darker than neighbours that are all clipped is kept only when it is
    ///   far below the clip level (near the clip, sensors are non-linear and the true
    ///   level of the neighbours is unknown).
    pub fn confirm(&self, frame: &PlaneRef<'_>, x: usize, y: usize, flags: u8) -> u8 {
        self.confirm_counting(frame, x, y, flags, &mut PointTally::default())
    }

    /// [`Detector::confirm`], adding what the lens test made of a bright point to
    /// `tally`.
    fn confirm_counting(
        &self,
        frame: &PlaneRef<'_>,
        x: usize,
        y: usize,
        flags: u8,
        tally: &mut PointTally,
    ) -> u8 {
        let frame = Px::of(frame);
        let p = &self.params;
        let plane = self.plane.cfa().plane_index(x, y);
        let v = frame.get(x, y);
        let pos = self.neighbour_positions(x, y);
        let n = pos.map(|(nx, ny)| frame.get(nx, ny));
        let stats = Stats::of(&n);
        let tex = p.texture(stats.hi2 - stats.lo2);
        let tex_cold = kernel::texture(stats.hi2 - stats.lo2, p.beta_cold);
        let mut out = 0;
        if flags & HOT != 0 {
            if self.passes(
                v.saturating_sub(stats.hi1).saturating_sub(tex),
                stats.hi2,
                plane,
            ) {
                out |= HOT;
            } else {
                let (qx, qy) = pos[stats.hi1_at];
                if self.isolated(frame, qx, qy, (x, y), true) {
                    out |= HOT;
                }
            }
            if out & HOT != 0 && !self.colour_outlier(frame, x, y, &pos, stats.hi2, true) {
                out &= !HOT;
            }
            if out & HOT != 0 && self.optical_point(frame, x, y, v, stats.hi2, tally) {
                out &= !HOT;
            }
        }
        if flags & COLD != 0 {
            let clipped = stats.lo2 >= p.clip.saturating_sub(p.floor)
                && stats.lo2.saturating_sub(v) < p.clip / 4;
            if !clipped {
                if self.passes(
                    stats.lo1.saturating_sub(v).saturating_sub(tex_cold),
                    stats.hi2,
                    plane,
                ) {
                    out |= COLD;
                } else {
                    let (qx, qy) = pos[stats.lo1_at];
                    if self.isolated(frame, qx, qy, (x, y), false) {
                        out |= COLD;
                    }
                }
                if out & COLD != 0 && !self.colour_outlier(frame, x, y, &pos, stats.hi2, false) {
                    out &= !COLD;
                }
            }
        }
        out
    }

    /// Twice the difference between a pixel and its 4 adjacent pixels of other colours
    /// (the mean of the lower two for `hot`, of the upper two otherwise: in a 2×2 block
    /// of defects two of the four adjacent pixels are defects too).
    #[inline]
    fn colour_difference(
        &self,
        frame: Px<'_>,
        x: usize,
        y: usize,
        hot: bool,
        mode: ColourReference,
    ) -> i32 {
        let f = &self.plane;
        let mut a = [(0isize, -1isize), (0, 1), (-1, 0), (1, 0)].map(|(dx, dy)| {
            i32::from(frame.get(
                kernel::reflect(x, dx, f.width),
                kernel::reflect(y, dy, f.height),
            ))
        });
        a.sort_unstable();
        let v = 2 * i32::from(frame.get(x, y));
        match mode {
            ColourReference::AllFour => (2 * v - a[0] - a[1] - a[2] - a[3]) / 2,
            ColourReference::MiddleTwo => v - a[1] - a[2],
            // Adaptive reaches here only as its fallback, the defect's side.
            ColourReference::DefectSide | ColourReference::Adaptive if hot => v - a[0] - a[1],
            ColourReference::DefectSide | ColourReference::Adaptive => v - a[2] - a[3],
        }
    }

    /// The cross-colour test: texture that all colours share cancels in the colour
    /// difference, a defect does not. The pixel's colour difference must stand out from
    /// its same-colour neighbours' (rank 2 again, with the texture margin).
    fn colour_outlier(
        &self,
        frame: Px<'_>,
        x: usize,
        y: usize,
        pos: &[(usize, usize); 8],
        level: u16,
        hot: bool,
    ) -> bool {
        if self.plane.cfa() == Cfa::Mono {
            return true;
        }
        let test = |mode: ColourReference| {
            let sign = if hot { 1 } else { -1 };
            let c = sign * self.colour_difference(frame, x, y, hot, mode);
            let mut n = pos.map(|(nx, ny)| sign * self.colour_difference(frame, nx, ny, hot, mode));
            n.sort_unstable();
            let (hi2, lo2) = (n[6], n[1]);
            let tex = (i64::from(hi2 - lo2) * i64::from(self.params.beta_colour)) >> 6;
            let e = (i64::from(c) - i64::from(hi2) - tex) / 2;
            let e = e.clamp(0, 65535) as u16;
            self.passes(e, level, self.plane.cfa().plane_index(x, y))
        };
        let mode = self.params.colour_mode;
        if mode != ColourReference::Adaptive {
            return test(mode);
        }
        // Adaptive: against all four adjacent pixels, unless the two most extreme of them
        // are defects of the same polarity themselves (a 2×2 block): then against the
        // other two only.
        if test(ColourReference::AllFour) {
            return true;
        }
        let f = &self.plane;
        let want = if hot { HOT } else { COLD };
        let mut adj = [(0isize, -1isize), (0, 1), (-1, 0), (1, 0)].map(|(dx, dy)| {
            let (ax, ay) = (
                kernel::reflect(x, dx, f.width),
                kernel::reflect(y, dy, f.height),
            );
            (frame.get(ax, ay), ax, ay)
        });
        adj.sort_unstable();
        let extreme = if hot {
            [adj[2], adj[3]]
        } else {
            [adj[0], adj[1]]
        };
        if extreme
            .iter()
            .all(|&(_, ax, ay)| self.pixel_flags(frame, ax, ay) & want != 0)
        {
            test(ColourReference::DefectSide)
        } else {
            false
        }
    }

    /// Whether the bright point at (`x`, `y`), `v` against its same-colour neighbours at
    /// `level`, is optical detail: it spreads into its adjacent pixels the way a lens
    /// spreads a point ([`point_spread`], with this frame's noise at `level`), as a star
    /// or any other optical detail does (a lens never focuses light onto one photosite
    /// alone) and a hot photosite does not (its neighbours see only the scene), nor a
    /// 2×2 block of defects, which lights its quad and nothing around it. After a field
    /// of points of light, a point that the frame cannot settle is one too
    /// ([`Detector::note_points`]). Counts the point in `tally`.
    fn optical_point(
        &self,
        frame: Px<'_>,
        x: usize,
        y: usize,
        v: u16,
        level: u16,
        tally: &mut PointTally,
    ) -> bool {
        let f = &self.plane;
        let sigma = self
            .model
            .sigma(f.cfa().plane_index(x, y), f64::from(level));
        let excess = f64::from(v.saturating_sub(level));
        let spread = |sigma: f64| {
            point_spread(
                |dx, dy| {
                    frame.get(
                        kernel::reflect(x, dx, f.width),
                        kernel::reflect(y, dy, f.height),
                    )
                },
                excess,
                true,
                sigma,
            )
        };
        // The tally judges with the model as it is, so that the prior does not feed
        // itself.
        match spread(sigma) {
            Spread::Lens => {
                tally.points += 1;
                true
            }
            judged => {
                if judged == Spread::Unsettled {
                    tally.unsettled += 1;
                }
                self.field && spread(self.point_noise * sigma) != Spread::Unlike
            }
        }
    }

    /// Whether (`x`, `y`) stands out (bright when `hot`) from all its same-colour
    /// neighbours except `skip`.
    fn isolated(&self, frame: Px<'_>, x: usize, y: usize, skip: (usize, usize), hot: bool) -> bool {
        let p = &self.params;
        let plane = self.plane.cfa().plane_index(x, y);
        let v = frame.get(x, y);
        let pos = self.neighbour_positions(x, y);
        let mut n = [0u16; 8];
        let mut k = 0;
        for &q in &pos {
            if q != skip {
                n[k] = frame.get(q.0, q.1);
                k += 1;
            }
        }
        if k < 3 {
            return false;
        }
        let stats = Stats::of(&n[..k]);
        let tex = if hot {
            p.texture(stats.hi2 - stats.lo2)
        } else {
            kernel::texture(stats.hi2 - stats.lo2, p.beta_cold)
        };
        if hot {
            self.passes(
                v.saturating_sub(stats.hi1).saturating_sub(tex),
                stats.hi2,
                plane,
            )
        } else {
            self.passes(
                stats.lo1.saturating_sub(v).saturating_sub(tex),
                stats.hi2,
                plane,
            )
        }
    }

    /// Detects the defects of rows `y0..y1` of `frame` into `out` (appended, row-major),
    /// and returns what the lens test made of the rows' bright points. Reads rows
    /// `y0-2..y1+2`; writes nothing but `scratch` and `out`.
    pub fn detect_rows(
        &self,
        frame: &PlaneRef<'_>,
        y0: usize,
        y1: usize,
        path: KernelPath,
        scratch: &mut DetectScratch,
        out: &mut Vec<Found>,
    ) -> PointTally {
        let mut tally = PointTally::default();
        let f = &self.plane;
        if !self.applicable() || frame.plane() != f {
            return tally;
        }
        let (w, h) = (f.width, f.height);
        let y1 = y1.min(h);
        let stride = w + 4;
        if scratch.ring.len() != 5 * stride {
            scratch.ring.clear();
            scratch.ring.resize(5 * stride, 0);
            scratch.flags.clear();
            scratch.flags.resize(w, 0);
        }
        scratch.ring_rows = [usize::MAX; 5];
        let mono = f.cfa() == Cfa::Mono;
        let emit = |x: usize, y: usize, fl: u8, out: &mut Vec<Found>, tally: &mut PointTally| {
            let fl = self.confirm_counting(frame, x, y, fl, tally);
            if fl != 0 {
                out.push(Found {
                    x: x as u32,
                    y: y as u32,
                    flags: fl,
                });
            }
        };
        for y in y0..y1 {
            if path == KernelPath::Scalar {
                for x in 0..w {
                    let flags = self.reference_pixel(frame, x, y);
                    if flags != 0 {
                        emit(x, y, flags, out, &mut tally);
                    }
                }
                continue;
            }
            // Rows y-2..=y+2, reflected at the top and bottom; 5 consecutive rows never
            // share a slot.
            let rows_at = [-2isize, -1, 0, 1, 2].map(|d| kernel::reflect(y, d, h));
            for &r in &rows_at {
                let slot = r % 5;
                if scratch.ring_rows[slot] != r {
                    decode_row(
                        frame,
                        r,
                        &mut scratch.ring[slot * stride..(slot + 1) * stride],
                        path,
                    );
                    scratch.ring_rows[slot] = r;
                }
            }
            let DetectScratch { ring, flags, .. } = scratch;
            let rows = rows_at.map(|r| &ring[(r % 5) * stride..(r % 5 + 1) * stride]);
            let rp = &self.rows[y & 1];
            kernel::row(path, rows, rp, &self.params, mono, flags);
            scan_flags(flags, |x, fl| {
                // The row kernel ran the prefilter, a necessary condition; now the full
                // test (on the same decoded rows), then the second stage.
                let nb = kernel::neighbours_in_rows(&rows, x, rp.green[x] != 0, mono);
                let full = kernel::decide(rows[2][x + 2], nb, rp.a[x], rp.b[x], &self.params);
                let fl = fl & full;
                if fl != 0 {
                    emit(x, y, fl, out, &mut tally);
                }
            });
        }
        tally
    }

    /// Scalar reference over a whole frame (tests and tools).
    pub fn detect_reference(&self, frame: &PlaneRef<'_>, out: &mut Vec<Found>) {
        let mut scratch = DetectScratch::default();
        self.detect_rows(
            frame,
            0,
            self.plane.height,
            KernelPath::Scalar,
            &mut scratch,
            out,
        );
    }
}

/// Direct sample reads for the second stage (inlined; the encoding is matched per read,
/// a perfectly predicted branch).
#[derive(Clone, Copy)]
struct Px<'a> {
    data: &'a [u8],
    stride: usize,
    sample: SampleEncoding,
}

impl<'a> Px<'a> {
    #[inline(always)]
    fn of(frame: &PlaneRef<'a>) -> Self {
        Px {
            data: frame.data(),
            stride: frame.stride(),
            sample: frame.plane().encoding,
        }
    }

    #[inline(always)]
    fn get(&self, x: usize, y: usize) -> u16 {
        let at = y * self.stride;
        match self.sample {
            SampleEncoding::U8 => u16::from(self.data[at + x]),
            // Plane views hold plain samples only (`SampleEncoding::is_plain`).
            SampleEncoding::U16Le | SampleEncoding::U16LeMsb | SampleEncoding::V210 => {
                let at = at + 2 * x;
                u16::from_le_bytes([self.data[at], self.data[at + 1]])
            }
            SampleEncoding::U16Be => {
                let at = at + 2 * x;
                u16::from_be_bytes([self.data[at], self.data[at + 1]])
            }
        }
    }
}

/// Calls `hit(x, flags)` for the flagged pixels of a row of flags. Flags are rare:
/// 64-byte chunks are OR-reduced first (vectorised), and only non-zero ones looked into.
#[inline]
pub(crate) fn scan_flags(flags: &[u8], mut hit: impl FnMut(usize, u8)) {
    const CHUNK: usize = 64;
    let mut chunks = flags.chunks_exact(CHUNK);
    let mut base = 0usize;
    for chunk in &mut chunks {
        if chunk.iter().fold(0u8, |a, &b| a | b) != 0 {
            for (i, &fl) in chunk.iter().enumerate() {
                if fl != 0 {
                    hit(base + i, fl);
                }
            }
        }
        base += CHUNK;
    }
    for (i, &fl) in chunks.remainder().iter().enumerate() {
        if fl != 0 {
            hit(base + i, fl);
        }
    }
}

/// First and second extremes of a neighbourhood, with where the extremes are.
#[derive(Clone, Copy, Debug)]
struct Stats {
    hi1: u16,
    hi2: u16,
    lo1: u16,
    lo2: u16,
    hi1_at: usize,
    lo1_at: usize,
}

impl Stats {
    fn of(n: &[u16]) -> Stats {
        let mut hi1_at = 0;
        let mut lo1_at = 0;
        for (i, &v) in n.iter().enumerate() {
            if v > n[hi1_at] {
                hi1_at = i;
            }
            if v < n[lo1_at] {
                lo1_at = i;
            }
        }
        let others = |skip: usize| n.iter().enumerate().filter(move |&(i, _)| i != skip);
        let hi2 = others(hi1_at).map(|(_, &v)| v).max().unwrap_or(n[hi1_at]);
        let lo2 = others(lo1_at).map(|(_, &v)| v).min().unwrap_or(n[lo1_at]);
        Stats {
            hi1: n[hi1_at],
            hi2,
            lo1: n[lo1_at],
            lo2: lo2.min(hi2),
            hi1_at,
            lo1_at,
        }
    }
}

impl Params {
    /// Texture margin for a neighbourhood spread, as in [`kernel::decide`].
    #[inline]
    pub fn texture(&self, spread: u16) -> u16 {
        kernel::texture(spread, self.beta)
    }
}

/// Decodes row `y` of `frame` into `dst` (`width + 4` values: the row at 2..width+2,
/// two pixels reflected about each end before and after it), with the instruction set of
/// `path`.
pub(crate) fn decode_row(frame: &PlaneRef<'_>, y: usize, dst: &mut [u16], path: KernelPath) {
    match path {
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx2 if path.available() => {
            // SAFETY: AVX2 is present (checked on the line above); the body is safe code.
            unsafe { decode_row_avx2(frame, y, dst) }
        }
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx512 if path.available() => {
            // SAFETY: AVX-512F/BW is present (checked on the line above); safe body.
            unsafe { decode_row_avx512(frame, y, dst) }
        }
        _ => decode_row_body(frame, y, dst),
    }
}

/// [`decode_row_body`] compiled with AVX2.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn decode_row_avx2(frame: &PlaneRef<'_>, y: usize, dst: &mut [u16]) {
    decode_row_body(frame, y, dst)
}

/// [`decode_row_body`] compiled with AVX-512.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512BW.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn decode_row_avx512(frame: &PlaneRef<'_>, y: usize, dst: &mut [u16]) {
    decode_row_body(frame, y, dst)
}

#[inline(always)]
fn decode_row_body(frame: &PlaneRef<'_>, y: usize, dst: &mut [u16]) {
    let f = frame.plane();
    let w = f.width;
    let start = y * frame.stride();
    let bytes = &frame.data()[start..start + f.row_bytes()];
    let row = &mut dst[2..2 + w];
    match f.encoding {
        SampleEncoding::U8 => {
            for (d, &s) in row.iter_mut().zip(bytes) {
                *d = u16::from(s);
            }
        }
        // Plane views hold plain samples only (`SampleEncoding::is_plain`).
        SampleEncoding::U16Le | SampleEncoding::U16LeMsb | SampleEncoding::V210 => {
            for (d, s) in row.iter_mut().zip(bytes.chunks_exact(2)) {
                *d = u16::from_le_bytes([s[0], s[1]]);
            }
        }
        SampleEncoding::U16Be => {
            for (d, s) in row.iter_mut().zip(bytes.chunks_exact(2)) {
                *d = u16::from_be_bytes([s[0], s[1]]);
            }
        }
    }
    // Index i of dst is column i - 2.
    dst[1] = dst[3];
    dst[0] = dst[4];
    dst[w + 2] = dst[w];
    dst[w + 3] = dst[w - 1];
}

#[cfg(test)]
mod scan_tests {
    use super::scan_flags;

    #[test]
    fn flags_are_visited_in_order_across_chunks() {
        let mut flags = vec![0u8; 150];
        for (i, f) in [(0, 1), (63, 2), (64, 1), (127, 3), (149, 2)] {
            flags[i] = f;
        }
        let mut seen = Vec::new();
        scan_flags(&flags, |x, f| seen.push((x, f)));
        assert_eq!(seen, [(0, 1), (63, 2), (64, 1), (127, 3), (149, 2)]);
    }
}

#[cfg(test)]
mod point_tests {
    use super::{PointTally, Spread, point_spread};

    /// A 9×9 neighbourhood around the point (at its centre) on a flat sky of 280, with
    /// `lit` pixels set (offsets from the point, value).
    fn around(lit: &[((isize, isize), u16)]) -> impl Fn(isize, isize) -> u16 + '_ {
        move |dx, dy| {
            lit.iter()
                .find(|(at, _)| *at == (dx, dy))
                .map_or(280, |&(_, v)| v)
        }
    }

    /// A 2×2 quad towards (+1, +1) at `level`, the pixels around it raised by `ring`.
    fn quad(level: u16, ring: [u16; 8]) -> Vec<((isize, isize), u16)> {
        let mut lit = vec![
            ((0, 0), level),
            ((1, 0), level),
            ((0, 1), level),
            ((1, 1), level),
        ];
        let around = [
            (-1, 0),
            (-1, 1),
            (2, 0),
            (2, 1),
            (0, -1),
            (1, -1),
            (0, 2),
            (1, 2),
        ];
        for (at, r) in around.into_iter().zip(ring) {
            lit.push((at, 280 + r));
        }
        lit
    }

    #[test]
    fn a_field_needs_clear_points_beyond_the_counts_spread() {
        let field = |points, unsettled| PointTally { points, unsettled }.shows_a_field();
        // Stars over a sky: hundreds of clear points, tens of unsettled ones.
        assert!(field(143, 45));
        // 30 > 0 + 3·√30 = 16.4; 4 < 0 + 3·√4 = 6.
        assert!(field(30, 0));
        assert!(!field(4, 0));
        assert!(!field(0, 0));
        assert!(!field(100, 80));
        let mut t = PointTally {
            points: 2,
            unsettled: 1,
        };
        t.add(PointTally {
            points: 3,
            unsettled: 4,
        });
        assert_eq!(
            t,
            PointTally {
                points: 5,
                unsettled: 5
            }
        );
    }

    #[test]
    fn a_lit_quad_is_unsettled_only_where_a_lens_s_ring_would_hide_in_the_noise() {
        // A faint quad, 100 above the sky, nothing around it: a lens would put 3 DN on
        // each of the eight pixels around (24 together), within 3 σ of the sum's noise
        // at σ 6 (3·6·√16 = 72): the frame cannot tell.
        let faint = quad(380, [0; 8]);
        let white = quad(4095, [0; 8]);
        let half = quad(380, [0, 0, 10, 10, 0, 0, 10, 10]);
        let ringed = quad(380, [6; 8]);
        let cases = [
            (&faint, 100.0, 6.0, Spread::Unsettled),
            // At σ 0.5 the lens's ring would show (24 > 6): the dark ring makes it a
            // block.
            (&faint, 100.0, 0.5, Spread::Unlike),
            // A white 2×2 block: its ring would carry 8·114 DN.
            (&white, 3815.0, 6.0, Spread::Unlike),
            // The ring's far sides lit by 10, the near ones not: no six lit, but the
            // sum (40) stands above its noise at σ 2 (3·2·√16 = 24).
            (&half, 100.0, 2.0, Spread::Unsettled),
            // The whole ring lit: a lens.
            (&ringed, 100.0, 2.0, Spread::Lens),
        ];
        for (i, (lit, excess, sigma, expected)) in cases.into_iter().enumerate() {
            assert_eq!(
                point_spread(around(lit), excess, true, sigma),
                expected,
                "case {i}"
            );
        }
    }

    #[test]
    fn an_off_centre_point_is_unsettled_only_where_its_far_light_would_hide_in_the_noise() {
        // 230 above the sky, its left and upper neighbours lit by 50 and 90 (a faint
        // star off centre towards them), nothing on the far sides. A lens would put
        // 3 % of the excess on each far pixel (14 DN together): within 3 σ of the
        // noise of their sum at σ 16 (96), beyond it at σ 2 (12).
        let star = [((0, 0), 510), ((-1, 0), 330), ((0, -1), 370)];
        assert_eq!(
            point_spread(around(&star), 230.0, true, 16.0),
            Spread::Unsettled
        );
        assert_eq!(
            point_spread(around(&star), 230.0, true, 2.0),
            Spread::Unlike
        );
        // The far sides lit too: a lens, whatever the noise.
        let lit = [
            ((0, 0), 510),
            ((-1, 0), 330),
            ((0, -1), 370),
            ((1, 0), 300),
            ((0, 1), 300),
        ];
        assert_eq!(point_spread(around(&lit), 230.0, true, 2.0), Spread::Lens);
        // A lone hot pixel: nothing lit around it.
        let hot = [((0, 0), 510)];
        assert_eq!(
            point_spread(around(&hot), 230.0, true, 16.0),
            Spread::Unlike
        );
    }
}
