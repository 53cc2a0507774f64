//! Seeded defect injection on a clean frame: the FixPix kinds (hot, dead, stuck, weak),
//! some grown into same-colour pairs and 2×2 blocks.
//!
//! Frames here are plain `Vec<u16>` of `width × height` values, row-major. The draws come
//! from the plugin's [`SplitMix64`], through [`SplitMix64::below_mod`] and
//! [`SplitMix64::unit`], so a seed places the same defects as it always has.

use gstdefectfix::frame::{Cfa, Channel, FrameFormat};
use gstdefectfix::sim::SplitMix64;

use crate::data::Levels;

/// What an injected defect does to its pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InjectedKind {
    /// At the white level.
    Hot,
    /// At the black level.
    Dead,
    /// A constant at 30–70 % of the range.
    Stuck,
    /// Moved by at least 70 % of its value above black (×0–0.3 or ×1.7–3).
    Weak,
}

/// The kinds in the order of the score tables.
pub const KINDS: [InjectedKind; 4] = [
    InjectedKind::Hot,
    InjectedKind::Dead,
    InjectedKind::Stuck,
    InjectedKind::Weak,
];

/// One injected pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Injected {
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
    /// What the defect does.
    pub kind: InjectedKind,
    /// The clean frame's value.
    pub truth: u16,
    /// The value the defect reads.
    pub value: u16,
    /// Differs from the truth by more than 5 % of the range: counted for recall.
    pub counted: bool,
}

/// A copy of `clean`, a frame of `format` with `levels`, with defects injected at
/// `density` from `seed` ([`inject`]), and the injected pixels.
pub fn inject_copy(
    clean: &[u16],
    format: &FrameFormat,
    levels: Levels,
    density: f64,
    seed: u64,
) -> (Vec<u16>, Vec<Injected>) {
    let mut frame = clean.to_vec();
    let injected = inject(
        &mut frame,
        format.width,
        format.height,
        format.cfa,
        levels,
        density,
        seed,
    );
    (frame, injected)
}

/// Injects defects at `density` (fraction of pixels) into `values`, reproducibly from
/// `seed`: kinds equally likely; 15 % of the seeds grown into a same-colour pair (7.5 %)
/// or the 2×2 raw block they start (7.5 %), the grown pixels of the same kind and value
/// rule. Returns the injected pixels (each once).
pub fn inject(
    values: &mut [u16],
    width: usize,
    height: usize,
    cfa: Cfa,
    levels: Levels,
    density: f64,
    seed: u64,
) -> Vec<Injected> {
    let mut rng = SplitMix64::new(seed);
    let n = width * height;
    // Expected pixels per seed: 0.85·1 + 0.075·2 + 0.075·4 = 1.3.
    let seeds = ((density * n as f64) / 1.3).round() as usize;
    let mut taken = vec![false; n];
    let mut out = Vec::with_capacity(seeds * 2);
    let range = levels.range();
    let black = f64::from(levels.black);
    for _ in 0..seeds {
        let x = rng.below_mod(width as u64) as usize;
        let y = rng.below_mod(height as u64) as usize;
        if taken[y * width + x] {
            continue;
        }
        let kind = KINDS[rng.below_mod(4) as usize];
        let stuck = (black + range * (0.3 + 0.4 * rng.unit())).round() as u16;
        let factor = if rng.below_mod(2) == 0 {
            0.3 * rng.unit()
        } else {
            1.7 + 1.3 * rng.unit()
        };
        let grow = rng.unit();
        let mut pixels = vec![(x, y)];
        if grow < 0.075 {
            // Same-colour pair: a nearest same-colour neighbour.
            let green = cfa != Cfa::Mono && cfa.channel(x, y) == Channel::Green;
            let p = cfa.pitch() as isize;
            let dirs: [(isize, isize); 4] = if green {
                [(1, 1), (1, -1), (-1, 1), (-1, -1)]
            } else {
                [(p, 0), (-p, 0), (0, p), (0, -p)]
            };
            let (dx, dy) = dirs[rng.below_mod(4) as usize];
            pixels.push((x.wrapping_add_signed(dx), y.wrapping_add_signed(dy)));
        } else if grow < 0.15 {
            pixels.extend([(x + 1, y), (x, y + 1), (x + 1, y + 1)]);
        }
        for (px, py) in pixels {
            if px >= width || py >= height || taken[py * width + px] {
                continue;
            }
            let i = py * width + px;
            taken[i] = true;
            let truth = values[i];
            let value = match kind {
                InjectedKind::Hot => levels.white,
                InjectedKind::Dead => levels.black,
                InjectedKind::Stuck => stuck,
                InjectedKind::Weak => {
                    let above = f64::from(truth) - black;
                    (black + above.max(0.0) * factor)
                        .round()
                        .clamp(black, f64::from(levels.white)) as u16
                }
            };
            values[i] = value;
            out.push(Injected {
                x: px as u32,
                y: py as u32,
                kind,
                truth,
                value,
                counted: f64::from(truth.abs_diff(value)) > 0.05 * range,
            });
        }
    }
    out
}
