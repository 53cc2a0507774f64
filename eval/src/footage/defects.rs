//! Fixed sensor defects: drawn once per sequence at sensor positions, applied to every
//! exposure in the sensor domain, in the order the physics gives.
//!
//! | kind | what the photosite does |
//! |---|---|
//! | hot | a dark current of 1.2–2 × the range, with its shot noise: clipped at white |
//! | warm | a dark current of 5–30 % of the range, with its shot noise |
//! | dead | no photo-signal: black level plus read noise |
//! | stuck | one fixed value, 30–70 % of the range above black |
//! | weak | a gain of 0.2–0.5 on the photo-signal (and its shot noise) |
//!
//! 80 % of the drawn sites are single pixels, 10 % same-colour pairs (two pixels of one
//! colour, the nearest apart: 2 px along a row or column for red and blue, one diagonal
//! step for green), 10 % 2×2 blocks, each of one kind; and one whole column is dead.
//! Sites keep 2 px of free sensor around them, so a single defect is single.

use std::fmt::Write as _;

use gstdefectfix::frame::{Cfa, Channel};

use super::noise::Draw;
use super::sensor::{Exposure, Sensor};

/// What a defective photosite does (see the module's table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Hot,
    Warm,
    Dead,
    Stuck,
    Weak,
}

/// The kinds, in table order.
pub const KINDS: [Kind; 5] = [Kind::Hot, Kind::Warm, Kind::Dead, Kind::Stuck, Kind::Weak];

/// How a defect is grouped with others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    Single,
    Pair,
    Block,
    Column,
}

/// The categories scores are kept by: single pixels by kind, then pairs, blocks and the
/// column (whatever their kind).
pub const CATEGORIES: [&str; 8] = [
    "hot", "warm", "dead", "stuck", "weak", "pair", "block", "col",
];

/// One defective photosite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Defect {
    pub x: u32,
    pub y: u32,
    pub kind: Kind,
    pub group: Group,
    /// Hot and warm: the dark-current offset, DN; stuck: the value read, DN; weak: the
    /// gain; dead: unused.
    pub level: f64,
}

impl Defect {
    /// Index into [`CATEGORIES`].
    pub fn category(&self) -> usize {
        match self.group {
            Group::Single => KINDS.iter().position(|&k| k == self.kind).unwrap_or(0),
            Group::Pair => 5,
            Group::Block => 6,
            Group::Column => 7,
        }
    }
}

/// The defects of one sensor.
#[derive(Clone, Debug)]
pub struct DefectSet {
    pub defects: Vec<Defect>,
    /// The dead column.
    pub column: Option<u32>,
    width: usize,
    /// Per pixel: index into `defects`, or `u32::MAX`.
    index: Vec<u32>,
}

/// Free sensor kept around each site, pixels.
const GUARD: isize = 2;

impl DefectSet {
    /// Draws the defects of `sensor`: `density` sites per pixel (of the kinds and groups
    /// of the module's table) and, when `column`, one dead column, from `seed`.
    pub fn generate(sensor: &Sensor, density: f64, column: bool, seed: u64) -> DefectSet {
        let (w, h) = (sensor.format.width, sensor.format.height);
        let cfa = sensor.format.cfa;
        let range = sensor.range();
        let mut draw = Draw::new(seed);
        let mut set = DefectSet {
            defects: Vec::new(),
            column: None,
            width: w,
            index: vec![u32::MAX; w * h],
        };
        // Drawn either way, so that the other sites stay where they are without it.
        let x = 8 + draw.below(w.saturating_sub(16).max(1) as u64) as usize;
        if column && x < w {
            set.column = Some(x as u32);
            for y in 0..h {
                set.push(x, y, Kind::Dead, Group::Column, 0.0);
            }
        }
        let sites = (density * (w * h) as f64).round() as usize;
        for _ in 0..sites {
            let kind = KINDS[draw.below(5) as usize];
            let level = match kind {
                Kind::Hot => range * draw.range(1.2, 2.0),
                Kind::Warm => range * draw.range(0.05, 0.30),
                Kind::Dead => 0.0,
                Kind::Stuck => f64::from(sensor.black) + range * draw.range(0.3, 0.7),
                Kind::Weak => draw.range(0.2, 0.5),
            };
            let x = draw.below(w as u64) as usize;
            let y = draw.below(h as u64) as usize;
            let grow = draw.unit();
            let (group, pixels) = if grow < 0.8 {
                (Group::Single, vec![(x, y)])
            } else if grow < 0.9 {
                let (dx, dy) = pair_step(cfa, x, y, draw.below(4) as usize);
                let other = (x as isize + dx, y as isize + dy);
                if other.0 < 0 || other.1 < 0 {
                    continue;
                }
                (
                    Group::Pair,
                    vec![(x, y), (other.0 as usize, other.1 as usize)],
                )
            } else {
                (
                    Group::Block,
                    vec![(x, y), (x + 1, y), (x, y + 1), (x + 1, y + 1)],
                )
            };
            if pixels.iter().all(|&(px, py)| set.free(px, py, w, h)) {
                for (px, py) in pixels {
                    set.push(px, py, kind, group, level);
                }
            }
        }
        set
    }

    fn push(&mut self, x: usize, y: usize, kind: Kind, group: Group, level: f64) {
        self.index[y * self.width + x] = self.defects.len() as u32;
        self.defects.push(Defect {
            x: x as u32,
            y: y as u32,
            kind,
            group,
            level,
        });
    }

    /// Whether `(x, y)` is on the sensor with no defect within [`GUARD`] pixels.
    fn free(&self, x: usize, y: usize, w: usize, h: usize) -> bool {
        if x >= w || y >= h {
            return false;
        }
        for dy in -GUARD..=GUARD {
            for dx in -GUARD..=GUARD {
                let (nx, ny) = (x as isize + dx, y as isize + dy);
                if nx >= 0
                    && ny >= 0
                    && (nx as usize) < w
                    && (ny as usize) < h
                    && self.index[ny as usize * w + nx as usize] != u32::MAX
                {
                    return false;
                }
            }
        }
        true
    }

    /// The defect at pixel index `i` (row-major), if any.
    pub fn at(&self, i: usize) -> Option<&Defect> {
        self.index
            .get(i)
            .and_then(|&d| self.defects.get(d as usize))
    }

    /// The defective frame of `exposure`: its clean frame with every defect applied to
    /// the same noise draws (hot and warm pixels draw the shot noise of their dark
    /// current from the exposure's generator).
    pub fn apply(&self, sensor: &Sensor, exposure: &mut Exposure) -> Vec<u16> {
        let mut out = exposure.clean.clone();
        for d in &self.defects {
            let i = d.y as usize * self.width + d.x as usize;
            let shot = f64::from(exposure.shot[i]);
            let read = f64::from(exposure.read[i]);
            out[i] = match d.kind {
                Kind::Hot | Kind::Warm => {
                    let dark = sensor.noise.shot(&mut exposure.draw, d.level);
                    sensor.quantise(shot + dark + read)
                }
                Kind::Dead => sensor.quantise(read),
                Kind::Stuck => d.level.round().clamp(0.0, f64::from(sensor.white)) as u16,
                Kind::Weak => sensor.quantise(d.level * shot + read),
            };
        }
        out
    }

    /// The true map in the defect map format: the column as `col X`, every other
    /// defect as `x y`.
    pub fn map_text(&self) -> String {
        let mut text = String::from("# the true defects of a footage sequence\n");
        if let Some(x) = self.column {
            let _ = writeln!(text, "col {x}");
        }
        for d in self.defects.iter().filter(|d| d.group != Group::Column) {
            let _ = writeln!(text, "{} {}", d.x, d.y);
        }
        text
    }

    /// Defective pixels per category.
    pub fn counts(&self) -> [usize; 8] {
        let mut counts = [0; 8];
        for d in &self.defects {
            counts[d.category()] += 1;
        }
        counts
    }
}

/// One of the four steps to the nearest same-colour pixel of `(x, y)`.
fn pair_step(cfa: Cfa, x: usize, y: usize, which: usize) -> (isize, isize) {
    let green = cfa != Cfa::Mono && cfa.channel(x, y) == Channel::Green;
    let p = cfa.pitch() as isize;
    let steps: [(isize, isize); 4] = if green {
        [(1, 1), (1, -1), (-1, 1), (-1, -1)]
    } else {
        [(p, 0), (-p, 0), (0, p), (0, -p)]
    };
    steps[which % 4]
}

#[cfg(test)]
mod tests {
    use super::super::noise::{GAINS, SensorNoise};
    use super::*;
    use gstdefectfix::frame::FrameFormat;

    fn sensor() -> Sensor {
        let format = FrameFormat::parse("video/x-bayer", "grbg10le", 256, 192).expect("format");
        Sensor {
            format,
            black: 64,
            white: 1023,
            noise: SensorNoise::new(GAINS[1], 10, 959.0),
        }
    }

    #[test]
    fn defects_stay_at_their_sensor_positions_across_frames() {
        let sensor = sensor();
        let set = DefectSet::generate(&sensor, 2e-3, true, 4);
        assert!(set.counts().iter().all(|&c| c > 0), "{:?}", set.counts());
        let n = sensor.pixels();
        let mut changed_before: Option<Vec<usize>> = None;
        for frame in 0..4u64 {
            // A different scene and fresh noise each frame.
            let signal: Vec<f32> = (0..n)
                .map(|i| 100.0 + ((i as u64 * 7 + frame * 13) % 500) as f32)
                .collect();
            let mut exposure = sensor.expose(&signal, 100 + frame);
            let defective = set.apply(&sensor, &mut exposure);
            let changed: Vec<usize> = (0..n)
                .filter(|&i| defective[i] != exposure.clean[i])
                .collect();
            // Only defect pixels differ from the clean frame.
            assert!(changed.iter().all(|&i| set.at(i).is_some()));
            // Hot, dead and stuck pixels differ in every frame at the same positions.
            for d in &set.defects {
                let i = d.y as usize * 256 + d.x as usize;
                if matches!(d.kind, Kind::Hot | Kind::Dead) {
                    assert!(changed.contains(&i), "{d:?} frame {frame}");
                }
                if d.kind == Kind::Stuck {
                    assert_eq!(defective[i], d.level.round() as u16);
                }
            }
            if let Some(before) = &changed_before {
                let common = changed.iter().filter(|i| before.contains(i)).count();
                assert!(common as f64 > 0.9 * before.len() as f64);
            }
            changed_before = Some(changed);
        }
        assert!(set.map_text().lines().any(|l| l.starts_with("col ")));
    }
}
