//! The evidence rules for one pixel, as pure functions of what the frame, the key frame
//! and the noise say about it, and the pixel's packed state ([`PixelState`], 2 bytes).
//!
//! Three pieces of evidence, each a physical property of a defective photosite that
//! scene detail lacks:
//!
//! 1. **It does not move with the scene** ([`at_instant`]). When the scene at a pixel
//!    has moved by at least a same-colour pitch since the key frame, the key frame's
//!    value at the pixel's old scene position (`p - shift`, rounded to the colour grid)
//!    predicts what a healthy pixel reads now; its own neighbours predict it too. A
//!    defect deviates from *both* predictions the same way, instant after instant;
//!    detail moved with the scene, so the temporal prediction carries it, and texture
//!    and interpolation errors move with the scene and change sign from one instant to
//!    the next. The deviation, in units of the noise and texture allowance, feeds a
//!    one-sided cumulative sum per polarity (a CUSUM: the sum of deviations above a
//!    reference, never below zero), which crosses [`CONFIRM`] only when the deviation
//!    persists.
//! 2. **It does not carry the scene's change** (also at an instant): a photosite whose
//!    value is exactly what it was while its neighbourhood changed is stuck.
//! 3. **It does not carry the noise its neighbours carry** ([`at_rest`], where the tile
//!    has not moved): a stuck photosite reads the same value frame after frame, a dead
//!    one only the read noise, where the neighbours at that level show shot noise too.
//! 4. **It is a dark point that light does not explain** ([`at_rest`], and between
//!    instants, while the scene has moved by less than a pitch, [`dark_point`]): far below
//!    every same-colour neighbour, judgement after judgement on fresh noise, with no
//!    spread into its adjacent pixels and no texture that the other colours share: a
//!    shadow behind a lens spreads as light does.
//!
//! Nothing else gives evidence: a static shot with healthy pixels accumulates none that
//! lasts (noise makes no point stay below its neighbours), and a pixel whose textured
//! neighbourhood did not change (a still object in a moving tile) gains nothing from the
//! tile's motion. A flat or smooth neighbourhood (a plane: a gradient and noise) shows
//! no change whether its scene moved or not, and predicts the pixel either way: it is
//! judged at every instant.

use crate::detect::NoiseModel;
use crate::detect::kernel::{extremes, middle_pair};

/// Score at which a pixel becomes a confirmed defect (half points).
pub const CONFIRM: u16 = 24;
/// Score at or below which a confirmed defect is released (hysteresis).
pub const RELEASE: u16 = 4;
/// Largest score (5 bits).
const MAX_SCORE: u16 = 31;
/// Points of an instant at which the pixel lies beyond *every* same-colour neighbour
/// (by the noise margin) and beyond its temporal prediction the same way: a healthy
/// pixel, at a fresh scene position, is the extreme of its 9 with odds of 1 in 9 at
/// most, a dead, stuck or hot one nearly always.
const EXTREME: f32 = 6.0;
/// Points when it lies beyond all but one neighbour (the other member of a pair).
const NEAR_EXTREME: f32 = 3.0;
/// Points lost at an instant where the pixel is neither.
const ORDINARY: f32 = -3.0;
/// Extra points per allowance by which the smaller of the two deviations exceeds
/// [`REFERENCE`], up to [`BONUS_MAX`] (a blatant deviation confirms sooner).
const REFERENCE: f32 = 2.0;
const BONUS_MAX: f32 = 8.0;
/// At rest, how many spatial allowances (noise and texture) the pixel must lie beyond
/// its neighbours' level for a judgement to give points: with no temporal prediction to
/// agree, the spatial deviation must be clear on its own.
const REST_AGREE: f32 = 3.0;
/// How many temporal allowances the pixel must lie beyond its temporal prediction for
/// the prediction to agree.
const AGREE: f32 = 1.0;
/// Noise margin of "beyond", in σ of the frame-to-frame noise.
pub(crate) const MARGIN_SIGMAS: f32 = 2.0;
/// Share of the neighbours' spread (second highest − second lowest) that texture adds
/// to the allowance of the spatial prediction.
const TEXTURE_SHARE: f32 = 0.5;
/// The same for the temporal prediction (the grid-rounded displacement leaves up to a
/// pixel of misregistration, which texture turns into error).
pub(crate) const MOTION_TEXTURE_SHARE: f32 = 0.5;
/// The neighbourhood changed when its mean absolute change exceeds this many σ (two
/// noisy samples differ by 1.13 σ √2 ≈ 1.6 σ on average).
const CHANGE_SIGMAS: f32 = 3.0;
/// … and by at least this share of its spread (second highest − second lowest).
const CHANGE_SHARE: f32 = 0.25;
/// The neighbourhood is flat when its spread is below this many σ, and smooth when its
/// spread about the plane through it is (a gradient with no texture).
const FLAT_SIGMAS: f32 = 3.0;
/// Vote of the stillness count at an instant: an unchanged value amid changed
/// neighbours.
const STILL_UP: u16 = 1;
/// Votes at rest, judged once per key frame (every few frames): a quiet value, and the
/// count's cost of a value that carried noise.
const REST_UP: u16 = 3;
const REST_DOWN: u16 = 6;
/// At rest, a change of at most this share of the neighbours' typical change counts as
/// carrying no noise, more than [`NOISY`] of it as carrying it.
pub(crate) const QUIET: f32 = 0.25;
const NOISY: f32 = 1.0;
/// Stillness is judged only where the neighbours' typical change is at least this many
/// DN (below it, quantisation makes unchanged values common on healthy pixels).
pub(crate) const MIN_SIGMA: f32 = 1.5;
/// Stillness count at which a pixel is confirmed.
const STILL_CONFIRM: u16 = 24;

/// The 2-byte state of one pixel: hot and cold CUSUMs (5 bits each, half units), a
/// stillness count (5 bits) and whether the pixel is a confirmed defect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(transparent)]
pub struct PixelState(u16);

impl PixelState {
    pub fn hot(self) -> u16 {
        self.0 & 31
    }
    pub fn cold(self) -> u16 {
        (self.0 >> 5) & 31
    }
    pub fn still(self) -> u16 {
        (self.0 >> 10) & 31
    }
    pub fn confirmed(self) -> bool {
        self.0 & 0x8000 != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    fn with(hot: u16, cold: u16, still: u16, confirmed: bool) -> Self {
        PixelState(
            hot.min(MAX_SCORE)
                | (cold.min(MAX_SCORE) << 5)
                | (still.min(MAX_SCORE) << 10)
                | (u16::from(confirmed) << 15),
        )
    }

    /// The state with confirmation decided afresh (with hysteresis).
    pub(crate) fn settle(hot: u16, cold: u16, still: u16, was: bool) -> Self {
        let confirmed = if was {
            hot.max(cold) > RELEASE || still > RELEASE
        } else {
            hot.max(cold) >= CONFIRM || still >= STILL_CONFIRM
        };
        Self::with(hot, cold, still, confirmed)
    }
}

/// What one pixel looks like in the frame and in the key frame.
#[derive(Clone, Copy, Debug)]
pub struct Observation {
    /// The pixel's value now, and in the key frame at the same position.
    pub value: u16,
    pub key_value: u16,
    /// The key frame's value where the scene at the pixel was then (`None` when that
    /// lies outside the frame).
    pub moved_from: Option<u16>,
    /// The 8 same-colour neighbours now and in the key frame, row by row (above left,
    /// above, above right, left, right, below left, below, below right).
    pub neighbours: [u16; 8],
    pub key_neighbours: [u16; 8],
    /// The colour plane (for the noise model).
    pub plane: usize,
    /// The level at which the sensor clips: a clipped photosite carries no noise, and
    /// stillness there proves nothing. 0 where no value's stillness proves anything (a
    /// processed picture, whose pixels carry their neighbours' noise).
    pub clip: u16,
}

impl Observation {
    /// Whether the pixel may be clipped: at the sensor's clip level, or on a plateau at
    /// the top of its neighbourhood (as high as every neighbour, and exactly as high as
    /// one of them, now or in the key frame), where a white level below the sample range
    /// flattens the noise as clipping does. Stillness there proves nothing.
    fn clipped(&self) -> bool {
        let highest = self.neighbours.iter().copied().max().unwrap_or(0);
        clipped(
            self.value,
            self.clip,
            highest,
            (&self.neighbours, &self.key_neighbours),
        )
    }
}

/// [`Observation::clipped`] of a value `v` whose highest neighbour is `highest`, with
/// these neighbours now and in the key frame, in a frame that clips at `clip` (the
/// screen, [`super::cheap`], asks it too, with the highest neighbour it has at hand).
#[inline(always)]
pub(crate) fn clipped(
    v: u16,
    clip: u16,
    highest: u16,
    (neighbours, key_neighbours): (&[u16; 8], &[u16; 8]),
) -> bool {
    (v >= clip) | ((highest <= v) & (neighbours.contains(&v) | key_neighbours.contains(&v)))
}

/// Twice the neighbours' typical change since the key frame, exactly: the sum of the two
/// middle values of their 8 absolute changes (the screen, [`super::cheap`], counts
/// stillness with it too).
#[inline(always)]
pub(crate) fn middle_change((neighbours, key_neighbours): (&[u16; 8], &[u16; 8])) -> u32 {
    let changes: [u16; 8] = std::array::from_fn(|i| neighbours[i].abs_diff(key_neighbours[i]));
    let (m4, m5) = middle_pair(changes);
    u32::from(m4) + u32::from(m5)
}

/// Order statistics of 8 neighbours: the mean without the highest and lowest, the
/// lowest two and the highest two.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ranks {
    pub(crate) level: f32,
    lo1: f32,
    pub(crate) lo2: f32,
    pub(crate) hi2: f32,
    hi1: f32,
}

impl Ranks {
    pub(crate) fn of(n: &[u16; 8]) -> Ranks {
        let (hi1, hi2, lo2, lo1) = extremes(*n);
        let all: u32 = n.iter().map(|&v| u32::from(v)).sum();
        let sum = all - u32::from(hi1) - u32::from(lo1);
        Ranks {
            level: sum as f32 / 6.0,
            lo1: f32::from(lo1),
            lo2: f32::from(lo2),
            hi2: f32::from(hi2),
            hi1: f32::from(hi1),
        }
    }

    fn spread(&self) -> f32 {
        self.hi2 - self.lo2
    }
}

/// The points of one instant for one polarity: `beyond_all` / `beyond_all_but_one` say
/// where the pixel lies among its neighbours, `agrees` whether the temporal prediction
/// says the same, `deviation` the smaller of the two deviations in allowances.
fn points(beyond_all: bool, beyond_all_but_one: bool, agrees: bool, deviation: f32) -> f32 {
    let bonus = 2.0 * (deviation - REFERENCE).clamp(0.0, BONUS_MAX / 2.0);
    match (agrees, beyond_all, beyond_all_but_one) {
        (true, true, _) => EXTREME + bonus,
        (true, false, true) => NEAR_EXTREME + bonus,
        _ => ORDINARY,
    }
}

/// The spread of a neighbourhood about the plane through it (as [`Ranks::spread`] is
/// about its level: second highest less second lowest): the least-squares plane through
/// the 8 neighbours (in the order of [`Observation::neighbours`], one pitch from the
/// pixel) is their mean plus a gradient along each axis, and a gradient alone leaves
/// nothing about it.
fn plane_spread(n: &[u16; 8]) -> f32 {
    const AT: [(f32, f32); 8] = [
        (-1.0, -1.0),
        (0.0, -1.0),
        (1.0, -1.0),
        (-1.0, 0.0),
        (1.0, 0.0),
        (-1.0, 1.0),
        (0.0, 1.0),
        (1.0, 1.0),
    ];
    let v = n.map(f32::from);
    let mean = v.iter().sum::<f32>() / 8.0;
    // Six of the eight lie one pitch off each axis: Σx² = Σy² = 6, Σxy = 0.
    let gx = AT.iter().zip(&v).map(|(a, v)| a.0 * v).sum::<f32>() / 6.0;
    let gy = AT.iter().zip(&v).map(|(a, v)| a.1 * v).sum::<f32>() / 6.0;
    let mut r = [0.0f32; 8];
    for ((r, a), v) in r.iter_mut().zip(&AT).zip(&v) {
        *r = v - mean - gx * a.0 - gy * a.1;
    }
    let (hi2, lo2) = second_extremes(r);
    hi2 - lo2
}

/// The second highest and second lowest of eight finite values (what a sort would put
/// at 6 and 1), without a sort's branches.
#[inline(always)]
pub(crate) fn second_extremes(v: [f32; 8]) -> (f32, f32) {
    let (mut hi1, mut hi2) = (f32::NEG_INFINITY, f32::NEG_INFINITY);
    let (mut lo1, mut lo2) = (f32::INFINITY, f32::INFINITY);
    for x in v {
        hi2 = hi2.max(hi1.min(x));
        hi1 = hi1.max(x);
        lo2 = lo2.min(lo1.max(x));
        lo1 = lo1.min(x);
    }
    (hi2, lo2)
}

fn add(score: u16, points: f32) -> u16 {
    (f32::from(score) + points)
        .round()
        .clamp(0.0, f32::from(MAX_SCORE)) as u16
}

/// The contrast of a pixel's neighbourhood as the scene draws it, now or in the key
/// frame, whichever is larger, for the flat test of [`at_instant`]: the spread of its
/// eight neighbours (second highest less second lowest, [`Ranks::spread`]).
///
/// On a processed picture (a clip level of 0) the neighbours two pixels away can lie on
/// the pixel's own defect: demosaicing spreads a 2×2 block of photosites over 4×4
/// pixels, so three of a block pixel's eight neighbours (those on the side of the
/// block's other photosites) carry part of its error, fixed to the sensor as the pixel
/// is. On a flat patch that spread would pass for texture that stood still, and the
/// block would never be judged (measured: 21 % of the blocks' spots corrected on pans,
/// against 79 % of single hot pixels'). So for a point beyond every neighbour, the
/// three neighbours on its side are left out: the spread of the other five (from their
/// second lowest to their highest for a bright point, from their lowest to their
/// second highest for a dark one). A sensor plane's neighbours are of the pixel's
/// own colour, outside such a block: its spread is taken whole. (The change test keeps
/// the whole spread: measured with this contrast there too, hand-held and drifting
/// texture was confirmed in places for little more recall.)
fn scene_contrast(o: &Observation, (now, key): (&Ranks, &Ranks)) -> f32 {
    if o.clip != 0 {
        // A sensor plane's: both spreads whole, as the ranks hold them (no sort).
        return now.spread().max(key.spread());
    }
    let spread = |n: &[u16; 8]| -> f32 {
        let mut s = *n;
        s.sort_unstable();
        let (lowest, highest) = (s[0], s[7]);
        let (lo, hi) = if o.value > highest {
            (s[1], s[4])
        } else if o.value < lowest {
            (s[3], s[6])
        } else {
            (s[1], s[6])
        };
        f32::from(hi - lo)
    };
    spread(&o.neighbours).max(spread(&o.key_neighbours))
}

/// Evidence at an instant: the scene at the pixel has moved by at least a same-colour
/// pitch since the key frame.
///
/// `lens(bright, excess, σ)` says whether the point spreads into its adjacent pixels the way
/// a lens spreads light ([`crate::detect::spreads_like_a_lens`]): then it is optical
/// detail, whatever else it does (a moving star, matched to the key frame only to the
/// nearest pitch, can look as if it stayed), and gains nothing.
pub fn at_instant(
    state: PixelState,
    o: &Observation,
    noise: &NoiseModel,
    lens: impl Fn(bool, f32, f32) -> bool,
) -> PixelState {
    let now = Ranks::of(&o.neighbours);
    let key = Ranks::of(&o.key_neighbours);
    let sigma = (noise.sigma(o.plane, f64::from(now.level)) as f32).max(0.5);
    // (Summed as integers: exact, as the sum of the same values as `f32` is, without a
    // chain of dependent float additions.)
    let change = o
        .neighbours
        .iter()
        .zip(&o.key_neighbours)
        .map(|(&a, &b)| u32::from(a.abs_diff(b)))
        .sum::<u32>() as f32
        / 8.0;
    // Changed: by more than noise, and by a good part of the neighbourhood's own
    // contrast (a scene sliding along a line or a periodic pattern hardly changes).
    let changed =
        change > (CHANGE_SIGMAS * sigma).max(CHANGE_SHARE * now.spread().max(key.spread()));
    // (Smoothness is read only where it decides.)
    let smooth = || {
        scene_contrast(o, (&now, &key)) < FLAT_SIGMAS * sigma
            || plane_spread(&o.neighbours).max(plane_spread(&o.key_neighbours))
                < FLAT_SIGMAS * sigma
    };
    // Stillness asks only whether the neighbours changed while the pixel did not: it
    // needs no motion, so it is counted whatever the scene did.
    let still = if o.clipped() {
        state.still()
    } else {
        instant_still_step(
            state.still(),
            o.value.abs_diff(o.key_value),
            middle_change((&o.neighbours, &o.key_neighbours)),
        )
    };
    let unmoved = || {
        if still == state.still() {
            state
        } else {
            PixelState::settle(state.hot(), state.cold(), still, state.confirmed())
        }
    };
    if !changed && !smooth() {
        // The textured neighbourhood stood still: this pixel's scene did not move.
        return unmoved();
    }
    let Some(from) = o.moved_from.map(f32::from) else {
        return unmoved();
    };
    let v = f32::from(o.value);
    let margin = MARGIN_SIGMAS * sigma;
    // The deviations in allowances matter only beyond all neighbours but one (elsewhere
    // an instant is ordinary whatever they are).
    let (spatial, temporal) = if v > now.hi2 + margin || v < now.lo2 - margin {
        let spatial_allowance = (sigma * sigma + (TEXTURE_SHARE * now.spread()).powi(2)).sqrt();
        let texture = MOTION_TEXTURE_SHARE * now.spread().max(key.spread());
        let temporal_allowance = (2.0 * sigma * sigma + texture.powi(2)).sqrt();
        (
            (v - now.level) / spatial_allowance,
            (v - from) / temporal_allowance,
        )
    } else {
        (0.0, 0.0)
    };
    // The temporal prediction agrees when it too is left behind by more than its own
    // allowance (noise of two frames and the texture a misregistered match turns into
    // error): a periodic texture that a shift of one pitch maps onto itself does not.
    let mut hot = points(
        v > now.hi1 + margin,
        v > now.hi2 + margin,
        temporal > AGREE,
        spatial.min(temporal),
    );
    if hot > 0.0 && lens(true, v - now.hi2, sigma) {
        hot = 0.0;
    }
    let mut cold = points(
        v < now.lo1 - margin,
        v < now.lo2 - margin,
        temporal < -AGREE,
        -spatial.max(temporal),
    );
    if cold > 0.0 && lens(false, now.lo2 - v, sigma) {
        cold = 0.0;
    }
    PixelState::settle(
        add(state.hot(), hot),
        add(state.cold(), cold),
        still,
        state.confirmed(),
    )
}

/// Evidence at rest: the tile has not moved since the key frame, so the pixel and its
/// neighbours differ from the key frame by noise alone.
///
/// Stillness: the pixel's change is judged against its neighbours' (their median), not
/// against a noise model: at the same level a healthy pixel's change is one more draw of
/// theirs, while a stuck photosite does not change and a dead one carries only the read
/// noise.
///
/// Cold points: with no motion there is no temporal prediction, and a single frame's
/// test leaves alone what lies within its least excess (a share of the range). But a
/// pixel that lies below *every* same-colour neighbour by far more than noise and texture
/// allow (`REST_AGREE` allowances of the frame's own noise model, in which the scene's
/// fine texture counts), judgement after judgement on fresh noise, and that
/// `detail(false, excess, σ)` does not explain as scene detail (a dark point spread into
/// the adjacent pixels as a lens spreads it, or texture that the other colours share),
/// is a photosite that does not see the scene. Hot points are left as they are.
pub fn at_rest(
    state: PixelState,
    o: &Observation,
    noise: &NoiseModel,
    detail: impl Fn(bool, f32, f32) -> bool,
) -> PixelState {
    let still = rest_stillness(state.still(), o);
    let cold = cold_points(state.cold(), o, noise, detail);
    PixelState::settle(state.hot(), cold, still, state.confirmed())
}

/// Evidence while the scene moves by less than a pitch between instants: the dark
/// points of [`at_rest`] (which compare the pixel with its neighbours in this frame
/// only), and nothing else (a stillness count needs the key frame in register).
pub fn dark_point(
    state: PixelState,
    o: &Observation,
    noise: &NoiseModel,
    detail: impl Fn(bool, f32, f32) -> bool,
) -> PixelState {
    let cold = cold_points(state.cold(), o, noise, detail);
    PixelState::settle(state.hot(), cold, state.still(), state.confirmed())
}

/// The cold score `cold` after one judgement of a dark point (see [`at_rest`]).
fn cold_points(
    cold: u16,
    o: &Observation,
    noise: &NoiseModel,
    detail: impl Fn(bool, f32, f32) -> bool,
) -> u16 {
    let lowest = o.neighbours.iter().copied().min().unwrap_or(0);
    if cold == 0 && o.value >= lowest {
        // Not below every neighbour, and no cold points to lose.
        return 0;
    }
    let now = Ranks::of(&o.neighbours);
    let sigma = (noise.sigma(o.plane, f64::from(now.level)) as f32).max(0.5);
    let v = f32::from(o.value);
    let margin = MARGIN_SIGMAS * sigma;
    let allowance = (sigma * sigma + (TEXTURE_SHARE * now.spread()).powi(2)).sqrt();
    let below = (now.level - v) / allowance;
    // Dark points only: a star whose spread lies within one frame's noise looks like a
    // hot pixel in that frame, and at rest it is judged again and again in the same
    // place (a dark point has no such twin: the scene cannot be darker than black, and
    // a dark speck spreads as light does). Evidence for: beyond every neighbour by far
    // more than noise and texture allow, and not detail; against: a judgement that
    // finds it detail, or no darker than its neighbours' level; a point below that
    // level but not that far neither gains nor loses (a faint dead photosite confirmed
    // while the scene moved keeps its score while it rests).
    let gained = if v < now.lo1 - margin && below > REST_AGREE {
        if detail(false, now.lo2 - v, sigma) {
            ORDINARY
        } else {
            points(true, true, true, below)
        }
    } else if v >= now.level {
        ORDINARY
    } else {
        0.0
    };
    add(cold, gained)
}

/// One judgement of the stillness count `still` at an instant, for a value that is not
/// clipped: `own` is the pixel's change since the key, `middle` the sum of the two middle
/// values of its neighbours' eight changes (twice their typical change). Stuck: not even
/// the noise changed while the neighbourhood did, by well above what quantisation can
/// hide (a typical change of twice [`MIN_SIGMA`]); a value that followed half as far
/// counts against it. In whole numbers, so that the screen ([`super::cheap`]) can take it
/// over for the pixels whose only evidence at an instant is this count.
#[inline(always)]
pub(crate) fn instant_still_step(still: u16, own: u16, middle: u32) -> u16 {
    // typical = middle / 2 (exact): typical < 2 · MIN_SIGMA ⟺ middle < 6, own > typical
    // / 2 ⟺ 4 · own > middle.
    const { assert!(MIN_SIGMA == 1.5) };
    let own = u32::from(own);
    if middle < 6 {
        still
    } else if own == 0 {
        still + STILL_UP
    } else if 4 * own > middle {
        still.saturating_sub(STILL_UP)
    } else {
        still
    }
}

/// The stillness count at rest (see [`at_rest`]).
fn rest_stillness(still: u16, o: &Observation) -> u16 {
    if o.clipped() {
        return still;
    }
    still_step(
        still,
        o.value.abs_diff(o.key_value),
        middle_change((&o.neighbours, &o.key_neighbours)),
    )
}

/// One judgement of the stillness count `still` at rest, for a value that is not
/// clipped: `own` is the pixel's change since the key, `middle` the sum of the two
/// middle values of its neighbours' eight changes (twice their typical change, the
/// median). In whole numbers, so that the screen ([`super::cheap`]) can take it over
/// for the many pixels whose only evidence at rest is this count.
#[inline(always)]
pub(crate) fn still_step(still: u16, own: u16, middle: u32) -> u16 {
    // typical = middle / 2 (exact), own ≤ QUIET · typical ⟺ 8 · own ≤ middle, own >
    // NOISY · typical ⟺ 2 · own > middle: the rules' shares, as whole numbers.
    const { assert!(QUIET == 0.25 && NOISY == 1.0 && MIN_SIGMA == 1.5) };
    let own = u32::from(own);
    if middle < 3 {
        // The neighbours hardly change (typical < MIN_SIGMA: quantisation, clipping):
        // stillness proves nothing.
        still
    } else if own == 0 {
        // Not even one step: a healthy pixel whose neighbours change by `typical` is
        // unchanged a few times in a hundred at most.
        still + REST_UP
    } else if 8 * own <= middle {
        still + 1
    } else if 2 * own > middle {
        still.saturating_sub(REST_DOWN)
    } else {
        still
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A state holding hot and cold scores and a stillness count, confirmed as the
    /// rules would have it on the way up.
    pub(crate) fn state_with(hot: u16, cold: u16, still: u16) -> PixelState {
        PixelState::settle(hot, cold, still, false)
    }

    /// An instant's observation of a pixel `excess` DN above a neighbourhood that reads
    /// `around(column, row)` now (columns and rows −1, 0, 1 in pitches) and `before`
    /// in the key frame; the temporal prediction is the neighbourhood's centre then.
    fn seen(
        excess: u16,
        around: impl Fn(i32, i32) -> u16,
        before: impl Fn(i32, i32) -> u16,
    ) -> Observation {
        let ring = |f: &dyn Fn(i32, i32) -> u16| {
            let mut n = [0u16; 8];
            let mut i = 0;
            for r in -1..=1 {
                for c in -1..=1 {
                    if (r, c) != (0, 0) {
                        n[i] = f(c, r);
                        i += 1;
                    }
                }
            }
            n
        };
        Observation {
            value: around(0, 0) + excess,
            key_value: before(0, 0) + excess,
            moved_from: Some(before(0, 0)),
            neighbours: ring(&around),
            key_neighbours: ring(&before),
            plane: 0,
            clip: u16::MAX,
        }
    }

    #[test]
    fn the_second_extremes_are_those_of_a_sort() {
        let mut rng = crate::sim::SplitMix64::new(3);
        for _ in 0..20_000 {
            // Few distinct values (ties), negative zeros and wide ranges alike.
            let v: [f32; 8] = std::array::from_fn(|_| match rng.below(3) {
                0 => rng.below(4) as f32 - 2.0,
                1 => -0.0,
                _ => (rng.below(1 << 20) as f32 - 524_288.0) / 7.0,
            });
            let mut sorted = v;
            sorted.sort_unstable_by(f32::total_cmp);
            assert_eq!(second_extremes(v), (sorted[6], sorted[1]), "{v:?}");
        }
    }

    #[test]
    fn an_instant_on_a_smooth_gradient_gives_evidence_and_one_on_still_texture_none() {
        // σ 2. A ramp of 8 DN a pitch that slid half a pitch down its slope: the
        // neighbours changed by 4 DN (under the 6 of a changed neighbourhood), and their
        // spread (16) is no flat patch's; but a plane predicts the pixel as well as a
        // flat patch does, and one 60 DN above it gains points.
        let noise = NoiseModel::flat(2.0);
        let ramp = |c: i32, _r: i32| (500 + 8 * c) as u16;
        let moved = |c: i32, _r: i32| (496 + 8 * c) as u16;
        let st = at_instant(
            PixelState::default(),
            &seen(60, ramp, moved),
            &noise,
            |_, _, _| false,
        );
        assert!(st.hot() >= 6, "{st:?}");
        // Texture that stood still (the same values then and now, a still object in a
        // moving tile) gives nothing, whatever the pixel does.
        let texture = |c: i32, r: i32| (500 + 30 * ((c * c + r * r) % 2)) as u16;
        let st = at_instant(
            PixelState::default(),
            &seen(60, texture, texture),
            &noise,
            |_, _, _| false,
        );
        assert_eq!(st, PixelState::default());
    }

    #[test]
    fn stillness_at_an_instant_asks_only_whether_the_neighbours_changed() {
        // σ 2. Texture that stood still (a still object in a moving tile), each
        // neighbour read `by` DN higher than in the key, the pixel `own` DN higher: the
        // neighbourhood did not change as a moving scene changes it (3 DN against 6),
        // so no points, but a pixel that did not change at all while its neighbours
        // changed by 3 DN (twice the least σ) gains a stillness vote all the same.
        let noise = NoiseModel::flat(2.0);
        let texture = |by: u16, own: u16| {
            move |c: i32, r: i32| -> u16 {
                let base = (500 + 30 * ((c * c + r * r) % 2)) as u16;
                base + if (c, r) == (0, 0) { own } else { by }
            }
        };
        let judge = |state, by, own| {
            let o = seen(0, texture(by, own), texture(0, 0));
            at_instant(state, &o, &noise, |_, _, _| false)
        };
        assert_eq!(judge(PixelState::default(), 3, 0), state_with(0, 0, 1));
        // A value that followed by more than half the neighbours' change loses a vote;
        // one that followed by half or less keeps the count.
        assert_eq!(judge(state_with(0, 0, 3), 3, 2), state_with(0, 0, 2));
        assert_eq!(judge(state_with(0, 0, 3), 4, 2), state_with(0, 0, 3));
        // Neighbours that changed by a DN prove nothing.
        assert_eq!(judge(state_with(0, 0, 3), 1, 0), state_with(0, 0, 3));
    }

    #[test]
    fn a_demosaiced_block_on_a_flat_patch_is_judged_and_still_texture_is_not() {
        // σ 2, a flat patch at 500 that noise moves by a DN or two between the key and
        // now (no change a textured neighbourhood would show). A processed picture's
        // pixel of a demosaiced 2×2 block, 100 DN up: the three neighbours two pixels
        // away towards the block's other photosites (right, below, below right) carry
        // 40 DN of its error, in both frames.
        let noise = NoiseModel::flat(2.0);
        let patch = |jitter: i32| {
            move |c: i32, r: i32| -> u16 {
                let raised = if (c, r) == (1, 0) || (c, r) == (0, 1) || (c, r) == (1, 1) {
                    40
                } else {
                    0
                };
                (500 + raised + jitter * ((c + 2 * r).rem_euclid(3) - 1)) as u16
            }
        };
        let processed = |o: Observation| Observation { clip: 0, ..o };
        let block = processed(seen(100, patch(1), patch(-1)));
        let st = at_instant(PixelState::default(), &block, &noise, |_, _, _| false);
        assert!(st.hot() >= 6, "{st:?}");
        // On a sensor plane the neighbours are of the pixel's own colour, outside any
        // block: raised ones are the scene's, a textured neighbourhood that stood
        // still, and the pixel gains nothing.
        let sensor = seen(100, patch(1), patch(-1));
        let st = at_instant(PixelState::default(), &sensor, &noise, |_, _, _| false);
        assert_eq!(st, PixelState::default());
        // A processed picture's still texture with bright neighbours all round (not
        // three on one side) gives nothing either.
        let texture = |c: i32, r: i32| (500 + 30 * ((c * c + r * r) % 2)) as u16;
        let still = processed(seen(60, texture, texture));
        let st = at_instant(PixelState::default(), &still, &noise, |_, _, _| false);
        assert_eq!(st, PixelState::default());
    }
}
