//! The evidence pass's cheap test: which pixels of a row segment the rules ([`super::rules`])
//! must see. Most pixels of a judged tile gain no evidence in a frame; this test finds
//! them with a few comparisons per pixel in plain loops over `u16` slices that the
//! compiler vectorises (built for the baseline target and, chosen at run time, with
//! AVX2 or AVX-512, like the detection kernel), and marks the rest.
//!
//! It passes a pixel over only where the rules would leave its state as it is, or
//! would change only what the test can change itself:
//! - at an instant, a state without hot or cold points gains some only where the pixel
//!   lies beyond all its same-colour neighbours but one by the noise margin, and beyond
//!   its temporal prediction by more than its allowance; every other such pixel's only
//!   evidence is its stillness count, which the test counts itself
//!   (`rules::instant_still_step`) and writes — unless the pixel's confirmation
//!   changes, which goes to the rules (at 8 bits about one pixel in fifteen has a value
//!   unchanged since the key, or a count to lose: the rules saw all of those before);
//! - at rest, cold points come only below all its same-colour neighbours but one by the
//!   noise margin, and go only from a state that has some; every other pixel's only
//!   evidence is its stillness count, which the test counts itself, in whole numbers
//!   as the rules do (`rules::still_step`), and writes — unless the pixel's
//!   confirmation changes, which goes to the rules (on a still shot about one pixel in
//!   seven has a quiet value and its count moves: the rules saw all of those before);
//! - between instants (dark points only), the same cold-point bound.
//!
//! (Empty states are also passed over by an older, coarser test of the temporal
//! prediction, which is a choice of what the rules see, not a bound.)

use crate::exec::KernelPath;

use super::rules;
use super::rules::PixelState;
use crate::detect::kernel::extremes;

/// The rules' share of the neighbours' spread in the temporal allowance, and their
/// noise margin (σ).
const TEXTURE_SHARE: f32 = super::rules::MOTION_TEXTURE_SHARE;
const MARGIN: f32 = super::rules::MARGIN_SIGMAS;

/// What a judged tile's pixels are judged for (see [`super::rules`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// The scene moved by a whole pitch since the key: [`super::rules::at_instant`].
    Instant,
    /// The scene stood still since the key: [`super::rules::at_rest`].
    Rest,
    /// The scene moved, by less than a pitch: dark points only
    /// ([`super::rules::dark_point`]), which need no key.
    Dark,
}

/// One row segment of `n` pixels and what the test reads about it. Every slice holds
/// exactly `n` values, the segment's pixels in order.
pub struct Segment<'a> {
    /// The pixels now.
    pub centre: &'a [u16],
    /// Their same-colour neighbours now: the eight directions, as four opposite pairs
    /// (up/down, left/right, up-left/down-right, up-right/down-left).
    pub pairs: [(&'a [u16], &'a [u16]); 4],
    /// The same neighbours in the key frame.
    pub key_pairs: [(&'a [u16], &'a [u16]); 4],
    /// The key frame at the same positions.
    pub key: &'a [u16],
    /// The key frame where the scene at each pixel was then (instants only; rest: the
    /// same as `key`).
    pub from: &'a [u16],
}

/// The noise figures of the test for one row (the smaller plane coefficients of the
/// row's two colours, so that it never passes over more than the rules would).
#[derive(Clone, Copy, Debug)]
pub struct RowNoise {
    /// σ² = `a` + `b`·value.
    pub a: f32,
    pub b: f32,
    /// The rules' own noise model of the row (σ² = `rules_a` + `rules_b`·level, the
    /// smaller coefficients of the two colours).
    pub rules_a: f32,
    pub rules_b: f32,
    /// The frame's own noise model of the row, which the rules' cold points at rest
    /// are judged against (the smaller coefficients of the two colours).
    pub spatial_a: f32,
    pub spatial_b: f32,
    /// The level at which the frame clips (the rules' [`rules::Observation::clip`]).
    pub clip: u16,
}

/// The eight values of four pairs of rows at `i`.
#[inline(always)]
fn at(rows: &[(&[u16], &[u16]); 4], i: usize) -> [(u16, u16); 4] {
    rows.map(|(a, b)| (a[i], b[i]))
}

/// At an instant: `out[i]` = 1 where the rules must see pixel `i`, else 0; the states
/// of the pixels whose only evidence is their stillness count are brought up to date
/// (see the module documentation). `STILL`: whether the stillness count can move at all
/// (not in a frame whose every value counts as clipped, a clip level of 0: a processed
/// picture's), so that a processed picture's loop reads neither the key's neighbours
/// nor counts their changes.
#[inline(always)]
fn instant_body<const STILL: bool>(
    s: &Segment<'_>,
    noise: RowNoise,
    state: &mut [PixelState],
    out: &mut [u8],
) {
    let n = s.centre.len();
    let (centre, key, from, state) = (s.centre, &s.key[..n], &s.from[..n], &mut state[..n]);
    let pairs = s.pairs.map(|(a, b)| (&a[..n], &b[..n]));
    let key_pairs = s.key_pairs.map(|(a, b)| (&a[..n], &b[..n]));
    let out = &mut out[..n];
    let m2 = MARGIN * MARGIN;
    let (a, b, ra, rb) = (noise.a, noise.b, noise.rules_a, noise.rules_b);
    for i in 0..n {
        let v = centre[i];
        let around = at(&pairs, i);
        let (hi1, hi2, lo2, _) = extremes(eight(around));
        let vf = f32::from(v);
        let fr = f32::from(from[i]);
        // The least σ² the rules can use: their noise at a level between the second
        // lowest and second highest neighbour (the model is linear in the level).
        let s2 = (ra + rb * f32::from(lo2))
            .min(ra + rb * f32::from(hi2))
            .max(0.25);
        // The least temporal allowance (their texture term takes the larger of two
        // spreads, this one's among them).
        let t = TEXTURE_SHARE * f32::from(hi2 - lo2);
        let allow2 = 2.0 * s2 + t * t;
        let bright = vf > f32::from(hi2)
            && (vf - f32::from(hi2)).powi(2) > m2 * s2
            && vf > fr
            && (vf - fr).powi(2) > allow2;
        let dark = vf < f32::from(lo2)
            && (f32::from(lo2) - vf).powi(2) > m2 * s2
            && vf < fr
            && (fr - vf).powi(2) > allow2;
        // The older, coarser test of the temporal prediction (kept: it decides what
        // the rules see).
        let d = f32::from(v.abs_diff(from[i]));
        let predicted = d * d <= m2 * (a + b * vf);
        let st = state[i];
        let (empty, scoreless) = (st.is_empty(), st.hot() | st.cold() == 0);
        let changed = v != key[i];
        // A scoreless pixel that cannot gain points has only its stillness count to
        // judge, which the test counts itself as the rules do (`rules::clipped`,
        // `rules::instant_still_step`; a processed picture's values all count as
        // clipped) and writes, unless the pixel's confirmation changes.
        let only_still = scoreless & !(bright | dark);
        let next = if STILL {
            let key_near = eight(at(&key_pairs, i));
            let near = eight(around);
            let clipped = rules::clipped(v, noise.clip, hi1, (&near, &key_near));
            let still = if clipped {
                st.still()
            } else {
                let middle = rules::middle_change((&near, &key_near));
                rules::instant_still_step(st.still(), v.abs_diff(key[i]), middle)
            };
            if still == st.still() {
                st
            } else {
                PixelState::settle(st.hot(), st.cold(), still, st.confirmed())
            }
        } else {
            st
        };
        let settled = only_still & (next.confirmed() == st.confirmed());
        if settled {
            state[i] = next;
        }
        let quiet = (empty & changed & predicted) | settled;
        out[i] = u8::from(!quiet);
    }
}

/// At rest: `out[i]` = 1 where the rules must see pixel `i`, else 0 (see the module
/// documentation). Where the only evidence is the stillness count and the pixel's
/// confirmation does not change, the test takes the rules' place: it writes the new
/// state itself (`rules::clipped`, `rules::still_step`: what the rules count with),
/// the same the rules would.
#[inline(always)]
fn rest_body(s: &Segment<'_>, noise: RowNoise, state: &mut [PixelState], out: &mut [u8]) {
    let n = s.centre.len();
    let (centre, key, state) = (s.centre, &s.key[..n], &mut state[..n]);
    let pairs = s.pairs.map(|(a, b)| (&a[..n], &b[..n]));
    let key_pairs = s.key_pairs.map(|(a, b)| (&a[..n], &b[..n]));
    let out = &mut out[..n];
    let q2 = rules::QUIET * rules::QUIET;
    let (a, b, sa, sb, clip) = (
        noise.a,
        noise.b,
        noise.spatial_a,
        noise.spatial_b,
        noise.clip,
    );
    for i in 0..n {
        let v = centre[i];
        let own = v.abs_diff(key[i]);
        let (near, key_near) = (eight(at(&pairs, i)), eight(at(&key_pairs, i)));
        let st = state[i];
        // Cold points (see `dark_bound`) go to the rules.
        let (hi1, hi2, lo2, _) = extremes(near);
        let dark = dark_bound(v, (hi2, lo2), (sa, sb));
        // The stillness count, as the rules count it, but for the older, coarser test
        // that passes an empty state over when its own change exceeds a quarter of the
        // noise (a choice of what the rules see, kept).
        let d = f32::from(own);
        let coarse = st.is_empty() & (d * d > q2 * (a + b * f32::from(v)).max(2.25));
        let clipped = rules::clipped(v, clip, hi1, (&near, &key_near));
        let still = if clipped | coarse {
            st.still()
        } else {
            rules::still_step(st.still(), own, rules::middle_change((&near, &key_near)))
        };
        let next = PixelState::settle(st.hot(), st.cold(), still, st.confirmed());
        let rules = dark | (st.cold() > 0) | (next.confirmed() != st.confirmed());
        if !rules {
            state[i] = next;
        }
        out[i] = u8::from(rules);
    }
}

/// Dark points only: `out[i]` = 1 where the rules must see pixel `i` (below all its
/// neighbours but one by the noise margin of the frame's own model, or a state with
/// cold points, which may lose some), else 0.
#[inline(always)]
fn dark_body(s: &Segment<'_>, noise: RowNoise, state: &[PixelState], out: &mut [u8]) {
    let n = s.centre.len();
    let (centre, state) = (s.centre, &state[..n]);
    let pairs = s.pairs.map(|(a, b)| (&a[..n], &b[..n]));
    let out = &mut out[..n];
    let spatial = (noise.spatial_a, noise.spatial_b);
    for i in 0..n {
        let (_, hi2, lo2, _) = extremes(eight(at(&pairs, i)));
        let dark = dark_bound(centre[i], (hi2, lo2), spatial);
        out[i] = u8::from(dark | (state[i].cold() > 0));
    }
}

/// The eight values of four pairs.
#[inline(always)]
fn eight([p0, p1, p2, p3]: [(u16, u16); 4]) -> [u16; 8] {
    [p0.0, p0.1, p1.0, p1.1, p2.0, p2.1, p3.0, p3.1]
}

/// Whether a pixel reading `v` can gain cold points from its same-colour neighbours,
/// whose second highest and second lowest are `hi2` and `lo2` (at rest and between
/// instants): only below all of them but one by the noise margin, at the least σ² the
/// rules can use (the frame's own model, σ² = `sa` + `sb` · level, at a level between
/// the two).
#[inline(always)]
fn dark_bound(v: u16, (hi2, lo2): (u16, u16), (sa, sb): (f32, f32)) -> bool {
    let (vf, h, l) = (f32::from(v), f32::from(hi2), f32::from(lo2));
    let s2 = (sa + sb * l).min(sa + sb * h).max(0.25);
    (vf < l) & ((l - vf).powi(2) > MARGIN * MARGIN * s2)
}

#[inline(always)]
fn body(
    s: &Segment<'_>,
    noise: RowNoise,
    judgement: Judgement,
    state: &mut [PixelState],
    out: &mut [u8],
) {
    match judgement {
        Judgement::Instant if noise.clip == 0 => instant_body::<false>(s, noise, state, out),
        Judgement::Instant => instant_body::<true>(s, noise, state, out),
        Judgement::Rest => rest_body(s, noise, state, out),
        Judgement::Dark => dark_body(s, noise, state, out),
    }
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn body_avx2(
    s: &Segment<'_>,
    noise: RowNoise,
    judgement: Judgement,
    state: &mut [PixelState],
    out: &mut [u8],
) {
    body(s, noise, judgement, state, out)
}

/// # Safety
/// The CPU must support AVX-512F and AVX-512BW.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn body_avx512(
    s: &Segment<'_>,
    noise: RowNoise,
    judgement: Judgement,
    state: &mut [PixelState],
    out: &mut [u8],
) {
    body(s, noise, judgement, state, out)
}

/// Marks in `out[..n]` the pixels of the segment (whose states are `state[..n]`) that
/// the rules must see for `judgement`, with the instruction set of `path` (every path
/// gives the same marks). At rest and at an instant, the states of the pixels it does
/// not mark are brought up to date where their stillness count moves (see `rest_body`
/// and `instant_body`); between instants they are left as they are.
pub fn mark(
    path: KernelPath,
    s: &Segment<'_>,
    noise: RowNoise,
    judgement: Judgement,
    state: &mut [PixelState],
    out: &mut [u8],
) {
    match path {
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx2 if path.available() => {
            // SAFETY: AVX2 is present (checked on the line above); the body is safe code.
            unsafe { body_avx2(s, noise, judgement, state, out) }
        }
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx512 if path.available() => {
            // SAFETY: AVX-512F/BW is present (checked on the line above); safe body.
            unsafe { body_avx512(s, noise, judgement, state, out) }
        }
        _ => body(s, noise, judgement, state, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::NoiseModel;
    use crate::sim::SplitMix64;
    use crate::temporal::rules::{self, Observation};

    const JUDGEMENTS: [Judgement; 3] = [Judgement::Instant, Judgement::Rest, Judgement::Dark];

    /// Random rows: a level (one for all rows in one call of three, its own per row in
    /// the others), texture of up to `spread` DN, and some outliers.
    fn rows(rng: &mut SplitMix64, n: usize, spread: u64) -> Vec<Vec<u16>> {
        let level = 200 + rng.below(3000) as u16;
        let shared = rng.below(3) == 0;
        (0..11)
            .map(|_| {
                let base = if shared {
                    level
                } else {
                    200 + rng.below(3000) as u16
                };
                (0..n)
                    .map(|_| match rng.below(20) {
                        0 => 4095,
                        1 => 0,
                        _ => base + rng.below(spread + 1) as u16,
                    })
                    .collect()
            })
            .collect()
    }

    /// The key frame's rows: the centre's and neighbours' rows changed by up to `change`
    /// DN (the key at the centre equal to the centre now in one pixel of eight, within
    /// half that change in two).
    fn key_rows(rng: &mut SplitMix64, r: &mut [Vec<u16>], change: u64) -> Vec<Vec<u16>> {
        let centre = r[0].clone();
        for (k, &v) in r[9].iter_mut().zip(&centre) {
            match rng.below(8) {
                0 => *k = v,
                1 | 2 => *k = v.saturating_sub(rng.below(change / 2 + 1) as u16),
                _ => {}
            }
        }
        r[1..9]
            .iter()
            .map(|row| {
                row.iter()
                    .map(|&v| {
                        let d = rng.below(2 * change + 1) as i32 - change as i32;
                        (i32::from(v) + d).clamp(0, 4095) as u16
                    })
                    .collect()
            })
            .collect()
    }

    /// States: half empty, the rest with hot or cold points, a stillness count, or both.
    fn states(rng: &mut SplitMix64, n: usize) -> Vec<PixelState> {
        (0..n)
            .map(|_| {
                let kind = rng.below(8);
                let mut score = || rng.below(31) as u16;
                match kind {
                    0 => rules::tests::state_with(score(), score(), 0),
                    1 | 2 => rules::tests::state_with(0, 0, score()),
                    3 => rules::tests::state_with(score(), 0, score()),
                    _ => PixelState::default(),
                }
            })
            .collect()
    }

    /// A segment of rows `r` (centre, four pairs, key, key where the scene was) with
    /// key neighbours `k`.
    fn segment<'a>(r: &'a [Vec<u16>], k: &'a [Vec<u16>]) -> Segment<'a> {
        Segment {
            centre: &r[0],
            pairs: [
                (&r[1], &r[2]),
                (&r[3], &r[4]),
                (&r[5], &r[6]),
                (&r[7], &r[8]),
            ],
            key_pairs: [
                (&k[0], &k[1]),
                (&k[2], &k[3]),
                (&k[4], &k[5]),
                (&k[6], &k[7]),
            ],
            key: &r[9],
            from: &r[10],
        }
    }

    /// The rules' observation of pixel `i` of a segment.
    fn observation(r: &[Vec<u16>], k: &[Vec<u16>], i: usize, clip: u16) -> Observation {
        // The neighbours in the order the evidence pass gives them (rows above, level,
        // below; left to right).
        let order = [4, 0, 6, 2, 3, 7, 1, 5];
        Observation {
            value: r[0][i],
            key_value: r[9][i],
            moved_from: Some(r[10][i]),
            neighbours: order.map(|j| r[1 + j][i]),
            key_neighbours: order.map(|j| k[j][i]),
            plane: 0,
            clip,
        }
    }

    #[test]
    fn every_instruction_set_marks_the_same_pixels() {
        let mut rng = SplitMix64::new(11);
        let n = 1000;
        // Pixels passed over and kept, for each judgement.
        let mut seen = [[0; 2]; 3];
        // A sensor frame's clip level, and a processed picture's.
        let cases = [(0, 0), (3, 2), (40, 5), (900, 100)]
            .into_iter()
            .flat_map(|c| [(c, 4095), (c, 0)]);
        for ((spread, change), clip) in cases {
            let mut r = rows(&mut rng, n, spread);
            let k = key_rows(&mut rng, &mut r, change);
            let st = states(&mut rng, n);
            let s = segment(&r, &k);
            let noise = RowNoise {
                a: 9.0,
                b: 0.4,
                rules_a: 2.0,
                rules_b: 0.1,
                spatial_a: 5.0,
                spatial_b: 0.2,
                clip,
            };
            for (j, judgement) in JUDGEMENTS.into_iter().enumerate() {
                let mut expected = vec![0u8; n];
                let mut expected_states = st.clone();
                mark(
                    KernelPath::Scalar,
                    &s,
                    noise,
                    judgement,
                    &mut expected_states,
                    &mut expected,
                );
                seen[j][0] += expected.iter().filter(|&&m| m == 0).count();
                seen[j][1] += expected.iter().filter(|&&m| m == 1).count();
                for path in KernelPath::available_paths() {
                    let mut marks = vec![9u8; n];
                    let mut states = st.clone();
                    mark(path, &s, noise, judgement, &mut states, &mut marks);
                    assert_eq!(marks, expected, "{path:?}, spread {spread}, {judgement:?}");
                    assert_eq!(states, expected_states, "{path:?}, {judgement:?}");
                }
            }
        }
        assert!(seen.iter().flatten().all(|&c| c > 100), "{seen:?}");
    }

    /// Where the test passes a pixel over, the rules leave its state as it is, or, at an
    /// instant and at rest, make it what the test made it (with the older coarse tests
    /// off: they are a choice, not a bound).
    #[test]
    fn a_pixel_passed_over_gains_nothing_from_the_rules() {
        let mut rng = SplitMix64::new(5);
        let n = 4000;
        let mut passed = [0; 3];
        // Pixels whose state the test brought up to date, at an instant and at rest.
        let mut updated = [0; 3];
        // A sensor frame's clip level, and a processed picture's (every value clipped).
        let cases = [(0, 0), (3, 1), (3, 4), (40, 5), (900, 100)]
            .into_iter()
            .flat_map(|c| [(c, 4095), (c, 0)]);
        for ((spread, change), clip) in cases {
            for sigma in [0.3, 2.0, 15.0] {
                let mut r = rows(&mut rng, n, spread);
                let k = key_rows(&mut rng, &mut r, change);
                let st = states(&mut rng, n);
                let s = segment(&r, &k);
                let model = NoiseModel::flat(sigma);
                for (j, judgement) in JUDGEMENTS.into_iter().enumerate() {
                    // The coarse tests off: at an instant no change is within it, at
                    // rest every change is.
                    let noise = RowNoise {
                        a: if judgement == Judgement::Instant {
                            0.0
                        } else {
                            1e12
                        },
                        b: 0.0,
                        rules_a: (sigma * sigma) as f32,
                        rules_b: 0.0,
                        spatial_a: (sigma * sigma) as f32,
                        spatial_b: 0.0,
                        clip,
                    };
                    let mut marks = vec![0u8; n];
                    let mut states = st.clone();
                    mark(
                        KernelPath::best(),
                        &s,
                        noise,
                        judgement,
                        &mut states,
                        &mut marks,
                    );
                    for i in (0..n).filter(|&i| marks[i] == 0) {
                        passed[j] += 1;
                        let o = observation(&r, &k, i, clip);
                        let no = |_, _, _| false;
                        let after = match judgement {
                            Judgement::Instant => rules::at_instant(st[i], &o, &model, no),
                            Judgement::Rest => rules::at_rest(st[i], &o, &model, no),
                            Judgement::Dark => rules::dark_point(st[i], &o, &model, no),
                        };
                        assert_eq!(after, states[i], "{o:?}, σ {sigma}, {judgement:?}");
                        if judgement == Judgement::Dark {
                            assert_eq!(states[i], st[i], "{judgement:?}");
                        } else if states[i] != st[i] {
                            updated[j] += 1;
                        }
                    }
                    // Marked pixels are left to the rules.
                    for i in (0..n).filter(|&i| marks[i] == 1) {
                        assert_eq!(states[i], st[i]);
                    }
                }
            }
        }
        assert!(passed.iter().all(|&p| p > 10_000), "{passed:?}");
        assert!(updated[0] > 1000 && updated[1] > 1000, "{updated:?}");
    }
}
