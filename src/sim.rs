//! The defect model behind the `defectsim` element: a reproducible set of sensor defects
//! for a frame size, and how each one changes a pixel.
//!
//! Nothing here knows GStreamer types, so the model can be used (and tested) alone.
//!
//! # Model
//!
//! * **Positions** depend only on the seed, the frame size, the density and the enabled
//!   kinds, never on the colour pattern, bit depth or byte order: the same seed puts the
//!   same defects on every format. They are fixed for the whole stream, like the defects
//!   of a real sensor.
//! * **Kinds** ([`Kinds`]):
//!   * `hot`: reads the white level (the largest sample value);
//!   * `dead`: reads the black level;
//!   * `stuck`: reads a constant between 30 % and 70 % of the range above black;
//!   * `weak`: reads a fraction (25 % to 60 %) of the true signal above black;
//!   * `pair`: two same-colour pixels two columns, two rows or two diagonal steps apart,
//!     both hot, dead or stuck at the same value — the case a one-pixel detector that
//!     compares with all same-colour neighbours misses;
//!   * `cluster`: 3 to 5 adjacent pixels inside a 3×3 block, hot or stuck;
//!   * `column` / `row`: one whole column / row, dead or stuck (not counted in the
//!     density);
//!   * `twinkle`: a pixel that is hot in about one frame in three and normal otherwise
//!     (not in the ground truth, which lists the fixed defects only).
//! * **Density** is the fraction of pixels made defective by the point kinds (single
//!   pixels, pairs, clusters, twinkling pixels). Every defect keeps two pixels of healthy
//!   margin from every other one, so each is what its kind says; when the frame is too
//!   crowded for that, fewer defects are placed than the density asks for.
//! * **Values** follow the format: the white level is the format's largest value, the
//!   black level a parameter (clamped to the range), and stuck and weak defects are
//!   fractions of the range, so they look alike at every bit depth.
//!
//! The random numbers come from SplitMix64, written out here so that a seed means the
//! same defects forever, whatever crates change.

use std::fmt;

use crate::correct::Mask;
use crate::defect_map::{DefectMap, Entry};
use crate::frame::{Plane, PlaneMut, Position};

/// The kinds of defect the simulator may place, as a bit set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Kinds(u32);

impl Kinds {
    pub const HOT: Kinds = Kinds(1);
    pub const DEAD: Kinds = Kinds(1 << 1);
    pub const STUCK: Kinds = Kinds(1 << 2);
    pub const WEAK: Kinds = Kinds(1 << 3);
    pub const PAIR: Kinds = Kinds(1 << 4);
    pub const CLUSTER: Kinds = Kinds(1 << 5);
    pub const COLUMN: Kinds = Kinds(1 << 6);
    pub const ROW: Kinds = Kinds(1 << 7);
    pub const TWINKLE: Kinds = Kinds(1 << 8);
    /// Everything.
    pub const ALL: Kinds = Kinds((1 << 9) - 1);
    /// The default mix: fixed point defects of every kind, no lines, no twinkling.
    pub const DEFAULT: Kinds = Kinds(
        Self::HOT.0 | Self::DEAD.0 | Self::STUCK.0 | Self::WEAK.0 | Self::PAIR.0 | Self::CLUSTER.0,
    );
    /// Nicks in bit order, as `gst-launch` writes them.
    pub const NAMES: [(Kinds, &'static str); 9] = [
        (Self::HOT, "hot"),
        (Self::DEAD, "dead"),
        (Self::STUCK, "stuck"),
        (Self::WEAK, "weak"),
        (Self::PAIR, "pair"),
        (Self::CLUSTER, "cluster"),
        (Self::COLUMN, "column"),
        (Self::ROW, "row"),
        (Self::TWINKLE, "twinkle"),
    ];

    /// The set of the given bits (unknown bits are dropped).
    pub const fn from_bits(bits: u32) -> Kinds {
        Kinds(bits & Self::ALL.0)
    }

    pub const fn bits(self) -> u32 {
        self.0
    }

    pub const fn contains(self, other: Kinds) -> bool {
        self.0 & other.0 == other.0
    }

    pub const fn union(self, other: Kinds) -> Kinds {
        Kinds(self.0 | other.0)
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Parses nicks joined by `+`, `|` or `,` (e.g. `hot+dead+column`).
    pub fn parse(text: &str) -> Option<Kinds> {
        let mut kinds = Kinds(0);
        for word in text.split(['+', '|', ',']).map(str::trim) {
            if word.is_empty() {
                continue;
            }
            let (k, _) = Self::NAMES.iter().find(|(_, n)| *n == word)?;
            kinds = kinds.union(*k);
        }
        Some(kinds)
    }
}

impl Default for Kinds {
    fn default() -> Self {
        Kinds::DEFAULT
    }
}

impl fmt::Display for Kinds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (k, name) in Self::NAMES {
            if self.contains(k) {
                if !first {
                    f.write_str("+")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

/// What the simulator is asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Config {
    /// Fraction of pixels made defective by point defects, 0 to 1.
    pub density: f64,
    /// Same seed (and size, density, kinds), same defects.
    pub seed: u64,
    pub kinds: Kinds,
    /// Value a dead pixel reads, in sample units (clamped to the format's range).
    pub black_level: u16,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            density: 1e-4,
            seed: 0,
            kinds: Kinds::DEFAULT,
            black_level: 0,
        }
    }
}

/// How a defect changes its pixel, independent of the bit depth. Fractions are Q16
/// fixed point (65536 = 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Reads the white level.
    Hot,
    /// Reads the black level.
    Dead,
    /// Reads black + fraction × (white − black).
    Stuck(u32),
    /// Reads black + fraction × (true value − black).
    Weak(u32),
}

/// Which kind of defect a pixel belongs to (for reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    Single,
    Pair,
    Cluster,
    Twinkle,
}

/// One defective pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SimDefect {
    pub x: u32,
    pub y: u32,
    pub fault: Fault,
    pub class: Class,
}

/// A whole defective row or column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Line {
    Row { y: u32, fault: Fault },
    Column { x: u32, fault: Fault },
}

/// The deterministic generator: SplitMix64 (Steele, Lea and Flood, 2014).
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// The generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64-bit output.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in `0..n` (`n` > 0), by multiply-shift (bias below 2^-32 for n < 2^32).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// In `0..n` by the remainder `next_u64() % n` (0, drawing nothing, when `n` is 0).
    /// Not the draw of [`below`](Self::below): the evaluation's seeds are defined through
    /// this one, so their frames stay the same.
    pub fn below_mod(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// Uniform in `[0, 1)`: the top 53 bits of the next output.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A Q16 fraction uniform in `[lo, hi)` (both in 1/100).
    fn fraction(&mut self, lo_percent: u32, hi_percent: u32) -> u32 {
        let lo = lo_percent * 65536 / 100;
        let hi = hi_percent * 65536 / 100;
        lo + self.below(u64::from(hi - lo)) as u32
    }
}

/// The SplitMix64 output function: a strong 64-bit mixer.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Relative weights of the point kinds when a site is drawn.
const WEIGHTS: [(Kinds, u64); 7] = [
    (Kinds::HOT, 4),
    (Kinds::DEAD, 3),
    (Kinds::STUCK, 2),
    (Kinds::WEAK, 2),
    (Kinds::PAIR, 1),
    (Kinds::CLUSTER, 1),
    (Kinds::TWINKLE, 1),
];

/// Healthy margin kept around every defect, in pixels.
const MARGIN: usize = 2;

/// Offsets of the partner of a same-colour pair: same colour in every Bayer pattern.
const PAIR_STEPS: [(isize, isize); 4] = [(2, 0), (0, 2), (2, 2), (2, -2)];

/// The 8 neighbours of a cluster's centre pixel.
const RING: [(isize, isize); 8] = crate::frame::NEIGHBOURS;

/// Where the defects of one sensor are, for one frame size: independent of the format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefectLayout {
    width: usize,
    height: usize,
    seed: u64,
    /// The density asked for, as `f64` bits.
    density_bits: u64,
    kinds: Kinds,
    /// Fixed defective pixels, sorted by row then column.
    defects: Vec<SimDefect>,
    /// Pixels that come and go between frames.
    twinkles: Vec<SimDefect>,
    lines: Vec<Line>,
}

impl DefectLayout {
    /// Places the defects of `config` on a `width`×`height` sensor.
    pub fn generate(width: usize, height: usize, config: &Config) -> DefectLayout {
        let density = if config.density.is_finite() {
            config.density.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let kinds = config.kinds;
        let mut layout = DefectLayout {
            width,
            height,
            seed: config.seed,
            density_bits: density.to_bits(),
            kinds,
            defects: Vec::new(),
            twinkles: Vec::new(),
            lines: Vec::new(),
        };
        if width == 0 || height == 0 {
            return layout;
        }
        // Lines draw from their own stream, so where they lie does not depend on the
        // mix of point kinds. Point defects keep their margin from lines too.
        let size_key = (width as u64) << 32 | height as u64;
        let mut rng = SplitMix64::new(config.seed ^ mix64(size_key));
        let mut line_rng = SplitMix64::new(mix64(config.seed ^ 0x6c69_6e65) ^ size_key);
        let mut taken = Mask::new(width, height);

        // A column, then a row: where, what fault, and every pixel of it taken.
        for (kind, along, across) in [(Kinds::COLUMN, width, height), (Kinds::ROW, height, width)] {
            if !kinds.contains(kind) {
                continue;
            }
            let at = line_rng.below(along as u64) as usize;
            let fault = line_fault(&mut line_rng);
            for i in 0..across {
                if kind == Kinds::COLUMN {
                    taken.set(at, i);
                } else {
                    taken.set(i, at);
                }
            }
            layout.lines.push(if kind == Kinds::COLUMN {
                Line::Column {
                    x: at as u32,
                    fault,
                }
            } else {
                Line::Row {
                    y: at as u32,
                    fault,
                }
            });
        }

        let weights: Vec<(Kinds, u64)> = WEIGHTS
            .iter()
            .copied()
            .filter(|(k, _)| kinds.contains(*k))
            .collect();
        let total_weight: u64 = weights.iter().map(|(_, w)| w).sum();
        let pixels = width as f64 * height as f64;
        let target = (density * pixels).round() as usize;
        if total_weight == 0 || target == 0 {
            return layout;
        }
        let mut placed = 0usize;
        let max_attempts = target.saturating_mul(20).saturating_add(100);
        let mut shape: Vec<(usize, usize)> = Vec::with_capacity(5);
        for _ in 0..max_attempts {
            if placed >= target {
                break;
            }
            let mut pick = rng.below(total_weight);
            let kind = weights
                .iter()
                .find(|(_, w)| {
                    if pick < *w {
                        true
                    } else {
                        pick -= *w;
                        false
                    }
                })
                .map_or(Kinds::HOT, |(k, _)| *k);
            let x = rng.below(width as u64) as usize;
            let y = rng.below(height as u64) as usize;
            shape.clear();
            shape.push((x, y));
            let (fault, class) = match kind {
                Kinds::HOT => (Fault::Hot, Class::Single),
                Kinds::DEAD => (Fault::Dead, Class::Single),
                Kinds::STUCK => (Fault::Stuck(rng.fraction(30, 70)), Class::Single),
                Kinds::WEAK => (Fault::Weak(rng.fraction(25, 60)), Class::Single),
                Kinds::TWINKLE => (Fault::Hot, Class::Twinkle),
                Kinds::PAIR => {
                    let (dx, dy) = PAIR_STEPS[rng.below(PAIR_STEPS.len() as u64) as usize];
                    match (x.checked_add_signed(dx), y.checked_add_signed(dy)) {
                        (Some(px), Some(py)) => shape.push((px, py)),
                        _ => shape.push((usize::MAX, usize::MAX)),
                    }
                    let fault = match rng.below(4) {
                        0 | 1 => Fault::Hot,
                        2 => Fault::Stuck(rng.fraction(30, 70)),
                        _ => Fault::Dead,
                    };
                    (fault, Class::Pair)
                }
                _ => {
                    // Cluster: the centre and 2 to 4 of its 8 neighbours.
                    let extra = 2 + rng.below(3) as usize;
                    let mut ring = RING;
                    for i in 0..extra {
                        let j = i + rng.below((RING.len() - i) as u64) as usize;
                        ring.swap(i, j);
                    }
                    for &(dx, dy) in &ring[..extra] {
                        match (x.checked_add_signed(dx), y.checked_add_signed(dy)) {
                            (Some(px), Some(py)) => shape.push((px, py)),
                            _ => shape.push((usize::MAX, usize::MAX)),
                        }
                    }
                    let fault = if rng.below(2) == 0 {
                        Fault::Hot
                    } else {
                        Fault::Stuck(rng.fraction(30, 70))
                    };
                    (fault, Class::Cluster)
                }
            };
            if !shape
                .iter()
                .all(|&(sx, sy)| sx < width && sy < height && free_around(&taken, sx, sy))
            {
                continue;
            }
            for &(sx, sy) in &shape {
                taken.set(sx, sy);
                let d = SimDefect {
                    x: sx as u32,
                    y: sy as u32,
                    fault,
                    class,
                };
                if class == Class::Twinkle {
                    layout.twinkles.push(d);
                } else {
                    layout.defects.push(d);
                }
            }
            placed += shape.len();
        }
        layout.defects.sort_by_key(|d| (d.y, d.x));
        layout.twinkles.sort_by_key(|d| (d.y, d.x));
        layout
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    pub fn kinds(&self) -> Kinds {
        self.kinds
    }

    /// Fixed defective pixels (not counting lines), sorted by row then column.
    pub fn defects(&self) -> &[SimDefect] {
        &self.defects
    }

    /// Twinkling pixels, sorted by row then column.
    pub fn twinkles(&self) -> &[SimDefect] {
        &self.twinkles
    }

    /// Whole defective rows and columns.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// Whether twinkling pixel `index` (into [`DefectLayout::twinkles`]) is defective in frame
    /// `frame_index` (counted from 0 at the start of the stream).
    pub fn twinkle_on(&self, index: usize, frame_index: u64) -> bool {
        let h =
            mix64(self.seed ^ 0x0074_7769_6e6b_6c65 ^ mix64((index as u64) << 32 ^ frame_index));
        h.is_multiple_of(3)
    }

    /// Number of fixed defective pixels, lines included.
    pub fn fixed_pixels(&self) -> usize {
        let line_pixels: usize = self
            .lines
            .iter()
            .map(|l| match l {
                Line::Row { .. } => self.width,
                Line::Column { .. } => self.height,
            })
            .sum();
        let crossing = usize::from(
            self.lines.iter().any(|l| matches!(l, Line::Row { .. }))
                && self.lines.iter().any(|l| matches!(l, Line::Column { .. })),
        );
        self.defects.len() + line_pixels - crossing
    }

    /// The ground truth of the fixed defects as a defect map: one `X Y` line per pixel
    /// (sorted by row, then column), then `col X` / `row Y` lines. Twinkling pixels are
    /// not listed.
    pub fn ground_truth(&self) -> DefectMap {
        let mut map = DefectMap::new();
        for d in &self.defects {
            map.push(Entry::Pixel {
                x: i64::from(d.x),
                y: i64::from(d.y),
            });
        }
        for line in &self.lines {
            map.push(match *line {
                Line::Row { y, .. } => Entry::Row { y: i64::from(y) },
                Line::Column { x, .. } => Entry::Column { x: i64::from(x) },
            });
        }
        map
    }

    /// The comment written at the top of the ground-truth map. It names nothing that
    /// depends on the format, so the same seed gives byte-identical files.
    pub fn header(&self) -> String {
        format!(
            "defectsim ground truth: the fixed defects of a {w}x{h} sensor\n\
             seed {seed}, density {density}, kinds {kinds}\n\
             {n} defective pixels listed: {px} single, pair and cluster pixels; whole rows/columns: {l}\n\
             twinkling pixels (not listed, they come and go): {t}",
            w = self.width,
            h = self.height,
            seed = self.seed,
            density = f64::from_bits(self.density_bits),
            kinds = self.kinds,
            n = self.fixed_pixels(),
            px = self.defects.len(),
            l = self.lines.len(),
            t = self.twinkles.len(),
        )
    }
}

fn line_fault(rng: &mut SplitMix64) -> Fault {
    if rng.below(3) == 0 {
        Fault::Dead
    } else {
        Fault::Stuck(rng.fraction(30, 70))
    }
}

/// Whether no pixel within [`MARGIN`] of (`x`, `y`) is taken.
fn free_around(taken: &Mask, x: usize, y: usize) -> bool {
    let (x0, y0) = (x.saturating_sub(MARGIN), y.saturating_sub(MARGIN));
    let x1 = (x + MARGIN).min(taken.width() - 1);
    let y1 = (y + MARGIN).min(taken.height() - 1);
    (y0..=y1).all(|ny| (x0..=x1).all(|nx| !taken.get(nx, ny)))
}

/// What a fault does at one bit depth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Set(u16),
    /// black + (v − black) × gain / 65536.
    Scale(u32),
}

/// Why a defect set cannot be used on a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeMismatch {
    pub layout: (usize, usize),
    pub frame: (usize, usize),
}

impl fmt::Display for SizeMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "defects were placed for {}x{} but the frame is {}x{}",
            self.layout.0, self.layout.1, self.frame.0, self.frame.1
        )
    }
}

impl std::error::Error for SizeMismatch {}

/// A [`DefectLayout`] with its values worked out for one plane (its depth sets the
/// values): what `defectsim` applies to every frame.
#[derive(Clone, Debug)]
pub struct SimDefectSet {
    layout: DefectLayout,
    plane: Plane,
    black: u16,
    fixed: Vec<(Position, Op)>,
    twinkles: Vec<(Position, Op)>,
    lines: Vec<(Line, Op)>,
}

impl SimDefectSet {
    /// Places the defects of `config` on frames of `plane`.
    pub fn generate(plane: &Plane, config: &Config) -> SimDefectSet {
        let layout = DefectLayout::generate(plane.width, plane.height, config);
        SimDefectSet::from_layout(layout, plane, config.black_level)
    }

    /// Works out the values of `layout`'s defects for `plane`. The layout's size should
    /// be the plane's; [`SimDefectSet::apply`] refuses frames of another size.
    pub fn from_layout(layout: DefectLayout, plane: &Plane, black_level: u16) -> SimDefectSet {
        let max = plane.max_value();
        let black = black_level.min(max);
        let op = |fault: Fault| match fault {
            Fault::Hot => Op::Set(max),
            Fault::Dead => Op::Set(black),
            Fault::Stuck(f) => {
                let range = u64::from(max - black);
                Op::Set(black + ((range * u64::from(f)) >> 16) as u16)
            }
            Fault::Weak(g) => Op::Scale(g),
        };
        let fixed = layout
            .defects
            .iter()
            .map(|d| (Position::new(d.x, d.y), op(d.fault)))
            .collect();
        let twinkles = layout
            .twinkles
            .iter()
            .map(|d| (Position::new(d.x, d.y), op(d.fault)))
            .collect();
        let lines = layout.lines.iter().map(|&l| (l, op(line_of(l)))).collect();
        SimDefectSet {
            layout,
            plane: *plane,
            black,
            fixed,
            twinkles,
            lines,
        }
    }

    pub fn layout(&self) -> &DefectLayout {
        &self.layout
    }

    /// The plane the values were worked out for.
    pub fn plane(&self) -> &Plane {
        &self.plane
    }

    /// The value a defect at (`x`, `y`) with `fault` reads when the true value is
    /// `value`.
    pub fn faulty_value(&self, fault: Fault, value: u16) -> u16 {
        let max = self.plane.max_value();
        match fault {
            Fault::Hot => max,
            Fault::Dead => self.black,
            Fault::Stuck(f) => {
                self.black + ((u64::from(max - self.black) * u64::from(f)) >> 16) as u16
            }
            Fault::Weak(g) => self.scale(value, g),
        }
    }

    #[inline]
    fn scale(&self, value: u16, gain: u32) -> u16 {
        if value <= self.black {
            value
        } else {
            self.black + ((u64::from(value - self.black) * u64::from(gain)) >> 16) as u16
        }
    }

    #[inline]
    fn apply_op(&self, frame: &mut PlaneMut<'_>, x: usize, y: usize, op: Op) {
        let value = match op {
            Op::Set(v) => v,
            Op::Scale(g) => self.scale(frame.get(x, y), g),
        };
        frame.set(x, y, value);
    }

    /// Gives frame number `frame_index` (0 at the start of the stream) its defects, in
    /// place. Costs O(defective pixels). Only pixel samples are written, never padding.
    pub fn apply(&self, frame: &mut PlaneMut<'_>, frame_index: u64) -> Result<(), SizeMismatch> {
        let f = frame.plane();
        if (f.width, f.height) != (self.layout.width, self.layout.height) {
            return Err(SizeMismatch {
                layout: (self.layout.width, self.layout.height),
                frame: (f.width, f.height),
            });
        }
        for &(p, op) in &self.fixed {
            self.apply_op(frame, p.x as usize, p.y as usize, op);
        }
        for (i, &(p, op)) in self.twinkles.iter().enumerate() {
            if self.layout.twinkle_on(i, frame_index) {
                self.apply_op(frame, p.x as usize, p.y as usize, op);
            }
        }
        for &(line, op) in &self.lines {
            match line {
                Line::Row { y, .. } => {
                    for x in 0..self.layout.width {
                        self.apply_op(frame, x, y as usize, op);
                    }
                }
                Line::Column { x, .. } => {
                    for y in 0..self.layout.height {
                        self.apply_op(frame, x as usize, y, op);
                    }
                }
            }
        }
        Ok(())
    }

    /// Every pixel that is defective in frame `frame_index`: the fixed ones, lines and
    /// the twinkling pixels that are on, as a mask.
    pub fn mask(&self, frame_index: u64) -> Mask {
        let (w, h) = (self.layout.width, self.layout.height);
        let mut mask = Mask::new(w, h);
        for d in &self.layout.defects {
            mask.set(d.x as usize, d.y as usize);
        }
        for (i, d) in self.layout.twinkles.iter().enumerate() {
            if self.layout.twinkle_on(i, frame_index) {
                mask.set(d.x as usize, d.y as usize);
            }
        }
        for line in &self.layout.lines {
            match *line {
                Line::Row { y, .. } => (0..w).for_each(|x| {
                    mask.set(x, y as usize);
                }),
                Line::Column { x, .. } => (0..h).for_each(|y| {
                    mask.set(x as usize, y);
                }),
            }
        }
        mask
    }
}

fn line_of(l: Line) -> Fault {
    match l {
        Line::Row { fault, .. } | Line::Column { fault, .. } => fault,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{FrameFormat, PlaneRef};

    fn format(name: &str, w: usize, h: usize) -> FrameFormat {
        let media = if name.starts_with("GRAY") {
            "video/x-raw"
        } else {
            "video/x-bayer"
        };
        FrameFormat::parse(media, name, w as i64, h as i64).unwrap()
    }

    #[test]
    fn splitmix_matches_the_reference() {
        // First outputs of SplitMix64 seeded with 0 (reference C implementation).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        for n in [1u64, 2, 7, 1000] {
            assert!((0..100).all(|_| r.below(n) < n));
        }
    }

    #[test]
    fn below_mod_and_unit_are_the_remainder_and_the_top_bits() {
        let (mut a, mut b) = (SplitMix64::new(5), SplitMix64::new(5));
        assert_eq!(a.below_mod(0), 0);
        assert_eq!(a.below_mod(1000), b.next_u64() % 1000);
        assert_eq!(a.unit(), (b.next_u64() >> 11) as f64 / (1u64 << 53) as f64);
        assert!((0..100).all(|_| (0.0..1.0).contains(&a.unit())));
    }

    #[test]
    fn kinds_parse_and_print() {
        assert_eq!(
            Kinds::parse("hot+dead"),
            Some(Kinds::HOT.union(Kinds::DEAD))
        );
        assert_eq!(Kinds::parse("bogus"), None);
        assert_eq!(
            Kinds::DEFAULT.to_string(),
            "hot+dead+stuck+weak+pair+cluster"
        );
        assert_eq!(Kinds::parse(&Kinds::ALL.to_string()), Some(Kinds::ALL));
        assert_eq!(Kinds::from_bits(0).to_string(), "none");
    }

    #[test]
    fn same_seed_same_positions_whatever_the_format() {
        let config = Config {
            density: 1e-3,
            seed: 42,
            kinds: Kinds::ALL,
            black_level: 16,
        };
        let a = SimDefectSet::generate(&format("rggb", 320, 240).plane(), &config);
        for name in ["bggr12le", "gbrg16be", "grbg10le", "GRAY8", "GRAY16_BE"] {
            let b = SimDefectSet::generate(&format(name, 320, 240).plane(), &config);
            assert_eq!(a.layout(), b.layout(), "{name}");
        }
        let other = DefectLayout::generate(320, 240, &Config { seed: 43, ..config });
        assert_ne!(a.layout(), &other);
    }

    #[test]
    fn density_and_kinds_are_respected() {
        let (w, h) = (1000, 500);
        for kinds in [Kinds::DEFAULT, Kinds::HOT, Kinds::PAIR, Kinds::CLUSTER] {
            let config = Config {
                density: 2e-3,
                seed: 7,
                kinds,
                black_level: 0,
            };
            let l = DefectLayout::generate(w, h, &config);
            let n = l.defects().len();
            assert!((1000..=1004).contains(&n), "{kinds}: {n}");
            assert!(l.lines().is_empty() && l.twinkles().is_empty());
            // Sorted, unique, inside the frame, and at least MARGIN + 1 apart between
            // different sites.
            assert!(
                l.defects()
                    .windows(2)
                    .all(|p| (p[0].y, p[0].x) < (p[1].y, p[1].x))
            );
            assert!(
                l.defects()
                    .iter()
                    .all(|d| (d.x as usize) < w && (d.y as usize) < h)
            );
            if kinds == Kinds::HOT {
                assert!(l.defects().iter().all(|d| d.fault == Fault::Hot));
                for (i, a) in l.defects().iter().enumerate() {
                    for b in &l.defects()[i + 1..] {
                        let far =
                            a.x.abs_diff(b.x) > MARGIN as u32 || a.y.abs_diff(b.y) > MARGIN as u32;
                        assert!(far, "{a:?} {b:?}");
                    }
                }
            }
            if kinds == Kinds::PAIR {
                assert!(l.defects().iter().all(|d| d.class == Class::Pair));
                assert_eq!(n % 2, 0);
            }
        }
        let none = DefectLayout::generate(
            w,
            h,
            &Config {
                density: 0.0,
                ..Config::default()
            },
        );
        assert!(none.defects().is_empty());
        // A tiny frame that cannot hold the density does not loop forever.
        let tiny = DefectLayout::generate(
            3,
            2,
            &Config {
                density: 1.0,
                ..Config::default()
            },
        );
        assert!(tiny.defects().len() <= 6);
    }

    #[test]
    fn values_follow_the_format_and_only_defects_change() {
        let config = Config {
            density: 5e-3,
            seed: 3,
            kinds: Kinds::ALL,
            black_level: 64,
        };
        for name in ["rggb", "rggb10le", "rggb16be", "GRAY16_LE"] {
            let f = format(name, 101, 67);
            let set = SimDefectSet::generate(&f.plane(), &config);
            assert!(!set.layout().defects().is_empty());
            let stride = f.default_stride();
            let clean_value = |x: usize, y: usize| ((x * 37 + y * 11) % 200 + 100) as u16;
            let mut clean = vec![0x5Au8; f.default_size()];
            {
                let mut fm = PlaneMut::new(&mut clean, f.plane(), stride).unwrap();
                for y in 0..f.height {
                    for x in 0..f.width {
                        fm.set(x, y, clean_value(x, y) << (f.depth - 8));
                    }
                }
            }
            for frame_index in 0..4 {
                let mut data = clean.clone();
                let mut fm = PlaneMut::new(&mut data, f.plane(), stride).unwrap();
                set.apply(&mut fm, frame_index).unwrap();
                let out = PlaneRef::new(&data, f.plane(), stride).unwrap();
                let cref = PlaneRef::new(&clean, f.plane(), stride).unwrap();
                let mask = set.mask(frame_index);
                let black = 64.min(f.max_value());
                for y in 0..f.height {
                    for x in 0..f.width {
                        if !mask.get(x, y) {
                            assert_eq!(out.get(x, y), cref.get(x, y), "{name} {x},{y}");
                        }
                    }
                }
                for d in set.layout().defects() {
                    let (x, y) = (d.x as usize, d.y as usize);
                    let v = out.get(x, y);
                    match d.fault {
                        Fault::Hot => assert_eq!(v, f.max_value()),
                        Fault::Dead => assert_eq!(v, black),
                        Fault::Stuck(_) => {
                            let range = u32::from(f.max_value() - black);
                            let (v, black) = (u32::from(v), u32::from(black));
                            assert!(v + 1 >= black + range * 3 / 10, "{name}: {v}");
                            assert!(v <= black + range * 7 / 10, "{name}: {v}");
                        }
                        Fault::Weak(_) => assert!(v < cref.get(x, y) && v >= black),
                    }
                }
                // Padding bytes untouched.
                for y in 0..f.height {
                    assert!(
                        data[y * stride + f.row_bytes()..(y + 1) * stride]
                            .iter()
                            .all(|&b| b == 0x5A)
                    );
                }
            }
            // Twinkling pixels are on in some frames, off in others, and not in the map.
            let on: usize = (0..30).filter(|&i| set.layout().twinkle_on(0, i)).count();
            assert!((3..=20).contains(&on), "{on}");
            let map = set.layout().ground_truth();
            let resolved = map.resolve(f.width as u32, f.height as u32, 0, 0);
            assert_eq!(resolved.pixels.len(), set.layout().fixed_pixels());
            for t in set.layout().twinkles() {
                let at = Position::new(t.x, t.y);
                assert!(resolved.pixels.binary_search(&at).is_err());
            }
        }
    }

    #[test]
    fn apply_refuses_another_size() {
        let set = SimDefectSet::generate(&format("rggb", 16, 16).plane(), &Config::default());
        let f = format("rggb", 16, 8);
        let mut data = vec![0u8; f.default_size()];
        let mut fm = PlaneMut::new(&mut data, f.plane(), f.default_stride()).unwrap();
        assert!(set.apply(&mut fm, 0).is_err());
    }
}
