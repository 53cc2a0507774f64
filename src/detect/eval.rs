//! The quality protocol of dynamic detection, shared by `examples/evaluate.rs` and the
//! quality tests: seeded defect injection on a clean frame (the FixPix kinds, some grown
//! into same-colour pairs and 2×2 blocks), the open-ISP reference rule, an oracle, and
//! the scores.
//!
//! Frames here are plain `Vec<u16>` of `width × height` values, row-major.

use crate::correct::{Mask, estimate};
use crate::engine::{Detection, Engine, Mode, Settings};
use crate::format::{Cfa, Channel, FrameFormat, Sample};
use crate::frame::{FrameMut, FrameRef};

/// Kind of an injected defect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// At the white level.
    Hot,
    /// At the black level.
    Dead,
    /// A constant at 30–70 % of the range.
    Stuck,
    /// Moved by at least 70 % of its value above black (×0–0.3 or ×1.7–3).
    Weak,
}

pub const KINDS: [Kind; 4] = [Kind::Hot, Kind::Dead, Kind::Stuck, Kind::Weak];

/// Black and white level of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Levels {
    pub black: u16,
    pub white: u16,
}

impl Levels {
    pub fn range(&self) -> f64 {
        f64::from(self.white.saturating_sub(self.black).max(1))
    }
}

/// One injected pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Injected {
    pub x: u32,
    pub y: u32,
    pub kind: Kind,
    pub truth: u16,
    pub value: u16,
    /// Differs from the truth by more than 5 % of the range: counted for recall.
    pub counted: bool,
}

/// SplitMix64: small, seedable, good enough for placing defects.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
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
    let mut rng = Rng::new(seed);
    let n = width * height;
    // Expected pixels per seed: 0.85·1 + 0.075·2 + 0.075·4 = 1.3.
    let seeds = ((density * n as f64) / 1.3).round() as usize;
    let mut taken = vec![false; n];
    let mut out = Vec::with_capacity(seeds * 2);
    let range = levels.range();
    let black = f64::from(levels.black);
    for _ in 0..seeds {
        let x = rng.below(width as u64) as usize;
        let y = rng.below(height as u64) as usize;
        if taken[y * width + x] {
            continue;
        }
        let kind = KINDS[rng.below(4) as usize];
        let stuck = (black + range * (0.3 + 0.4 * rng.unit())).round() as u16;
        let factor = if rng.below(2) == 0 {
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
            let (dx, dy) = dirs[rng.below(4) as usize];
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
                Kind::Hot => levels.white,
                Kind::Dead => levels.black,
                Kind::Stuck => stuck,
                Kind::Weak => {
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

/// A frame buffer (default stride) of `format` holding `values`.
pub fn to_buffer(values: &[u16], format: &FrameFormat) -> Vec<u8> {
    let mut data = vec![0u8; format.default_size()];
    let stride = format.default_stride();
    if let Ok(mut frame) = FrameMut::new(&mut data, *format, stride) {
        for y in 0..format.height {
            for x in 0..format.width {
                frame.set(x, y, values[y * format.width + x]);
            }
        }
    }
    data
}

/// The values of a frame buffer (default stride).
pub fn from_buffer(data: &[u8], format: &FrameFormat) -> Vec<u16> {
    let mut out = Vec::with_capacity(format.width * format.height);
    if let Ok(frame) = FrameRef::new(data, *format, format.default_stride()) {
        for y in 0..format.height {
            for x in 0..format.width {
                out.push(frame.get(x, y));
            }
        }
    }
    out
}

/// What a method did to a frame: its output and the pixels it flagged.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub output: Vec<u16>,
    pub flagged: Vec<bool>,
}

/// This project's engine with default settings (plus `sensitivity`).
pub fn run_engine(values: &[u16], format: &FrameFormat, sensitivity: f64) -> Outcome {
    let mut engine = Engine::new(*format);
    run_engine_with(&mut engine, values, format, sensitivity)
}

/// Same as [`run_engine`] with a caller's engine (to vary its tuning).
pub fn run_engine_with(
    engine: &mut Engine,
    values: &[u16],
    format: &FrameFormat,
    sensitivity: f64,
) -> Outcome {
    let mut data = to_buffer(values, format);
    let stride = format.default_stride();
    let mut flagged = vec![false; values.len()];
    if let Ok(mut frame) = FrameMut::new(&mut data, *format, stride) {
        let settings = Settings {
            detection: Detection::Dynamic,
            sensitivity,
            n_threads: 0,
        };
        engine.process_with(&mut frame, Mode::Correct, &settings);
        for d in engine.defects() {
            flagged[d.y as usize * format.width + d.x as usize] = true;
        }
    }
    Outcome {
        output: from_buffer(&data, format),
        flagged,
    }
}

/// The open-ISP rule: flag a pixel when all 8 same-colour neighbours at distance 2 differ
/// from it by more than 30/1023 of the range; replace it with the mean of the pair along
/// the direction of least second difference. Borders mirrored.
pub fn open_isp(values: &[u16], width: usize, height: usize, levels: Levels) -> Outcome {
    let thr = (30.0 / 1023.0 * levels.range()).round() as i32;
    let mirror = |c: isize, len: usize| -> usize {
        let len = len as isize;
        let m = if c < 0 {
            -c
        } else if c >= len {
            2 * (len - 1) - c
        } else {
            c
        };
        m.clamp(0, len - 1) as usize
    };
    let at = |x: isize, y: isize| -> i32 {
        i32::from(values[mirror(y, height) * width + mirror(x, width)])
    };
    let mut output = values.to_vec();
    let mut flagged = vec![false; values.len()];
    for y in 0..height as isize {
        for x in 0..width as isize {
            let p0 = at(x, y);
            let n = [
                at(x - 2, y - 2),
                at(x, y - 2),
                at(x + 2, y - 2),
                at(x - 2, y),
                at(x + 2, y),
                at(x - 2, y + 2),
                at(x, y + 2),
                at(x + 2, y + 2),
            ];
            if n.iter().all(|&v| (v - p0).abs() > thr) {
                let i = y as usize * width + x as usize;
                flagged[i] = true;
                // Pairs: vertical, horizontal, left diagonal, right diagonal.
                let pairs = [(n[1], n[6]), (n[3], n[4]), (n[0], n[7]), (n[2], n[5])];
                let mut best = (i32::MAX, 0);
                for (a, b) in pairs {
                    let g = (2 * p0 - a - b).abs();
                    if g < best.0 {
                        best = (g, (a + b + 1) / 2);
                    }
                }
                output[i] = best.1.clamp(0, 65535) as u16;
            }
        }
    }
    Outcome { output, flagged }
}

/// Perfect detection (exactly the injected pixels) with this project's correction.
pub fn oracle(values: &[u16], format: &FrameFormat, injected: &[Injected]) -> Outcome {
    let data = to_buffer(values, format);
    let mut output = values.to_vec();
    let mut flagged = vec![false; values.len()];
    let mut mask = Mask::new(format.width, format.height);
    for d in injected {
        mask.set(d.x as usize, d.y as usize);
        flagged[d.y as usize * format.width + d.x as usize] = true;
    }
    if let Ok(frame) = FrameRef::new(&data, *format, format.default_stride()) {
        for d in injected {
            if let Some(v) = estimate(&frame, &mask, d.x as usize, d.y as usize) {
                output[d.y as usize * format.width + d.x as usize] = v;
            }
        }
    }
    Outcome { output, flagged }
}

/// Scores of one method on one injected frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct Scores {
    /// Per kind (order of [`KINDS`]): counted defects and the ones flagged.
    pub counted: [usize; 4],
    pub found: [usize; 4],
    /// Flagged pixels, and of those the injected ones.
    pub flagged: usize,
    pub flagged_injected: usize,
    /// Pixels changed that were not injected, per megapixel.
    pub false_per_mp: f64,
    pub psnr_before: f64,
    pub psnr_after: f64,
}

impl Scores {
    pub fn recall(&self, kind: usize) -> f64 {
        if self.counted[kind] == 0 {
            1.0
        } else {
            self.found[kind] as f64 / self.counted[kind] as f64
        }
    }
    pub fn precision(&self) -> f64 {
        if self.flagged == 0 {
            1.0
        } else {
            self.flagged_injected as f64 / self.flagged as f64
        }
    }
}

/// PSNR of `a` against `b`, peak `peak`.
pub fn psnr(a: &[u16], b: &[u16], peak: f64) -> f64 {
    let se: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = f64::from(x) - f64::from(y);
            d * d
        })
        .sum();
    if se == 0.0 {
        return f64::INFINITY;
    }
    let mse = se / a.len() as f64;
    10.0 * (peak * peak / mse).log10()
}

/// Scores `outcome` of a method run on `injected_frame` (the clean frame with the
/// `injected` defects).
pub fn score(
    clean: &[u16],
    injected_frame: &[u16],
    injected: &[Injected],
    outcome: &Outcome,
    width: usize,
    levels: Levels,
) -> Scores {
    let mut s = Scores::default();
    let mut is_injected = vec![false; clean.len()];
    for d in injected {
        let i = d.y as usize * width + d.x as usize;
        is_injected[i] = true;
        if d.counted {
            let k = KINDS.iter().position(|&k| k == d.kind).unwrap_or(0);
            s.counted[k] += 1;
            if outcome.flagged[i] {
                s.found[k] += 1;
            }
        }
    }
    let mut false_changes = 0usize;
    for i in 0..clean.len() {
        if outcome.flagged[i] {
            s.flagged += 1;
            if is_injected[i] {
                s.flagged_injected += 1;
            }
        }
        if !is_injected[i] && outcome.output[i] != injected_frame[i] {
            false_changes += 1;
        }
    }
    s.false_per_mp = false_changes as f64 * 1e6 / clean.len() as f64;
    let peak = f64::from(levels.white);
    s.psnr_before = psnr(injected_frame, clean, peak);
    s.psnr_after = psnr(&outcome.output, clean, peak);
    s
}

/// Pixels a method changed on a clean frame, per megapixel.
pub fn false_per_mp(clean: &[u16], outcome: &Outcome) -> f64 {
    let changed = clean
        .iter()
        .zip(&outcome.output)
        .filter(|(a, b)| a != b)
        .count();
    changed as f64 * 1e6 / clean.len() as f64
}

/// A real frame of `../shared/data/raw/natural` (or elsewhere) and how to read it.
#[derive(Clone, Copy, Debug)]
pub struct RawFrame {
    /// Path relative to the raw data directory.
    pub path: &'static str,
    pub width: usize,
    pub height: usize,
    /// `video/x-bayer` format name (depth and pattern).
    pub format: &'static str,
    pub levels: Levels,
}

/// The natural frames of the shared data set with their real depth, pattern and levels.
pub const NATURAL: &[RawFrame] = &[
    RawFrame {
        path: "natural/infiniteisp_Indoor1_2592x1536_8bit_GRBG.raw",
        width: 2592,
        height: 1536,
        format: "grbg",
        levels: Levels {
            black: 12,
            white: 255,
        },
    },
    RawFrame {
        path: "natural/infiniteisp_Outdoor1_2592x1536_8bit_GRBG.raw",
        width: 2592,
        height: 1536,
        format: "grbg",
        levels: Levels {
            black: 12,
            white: 255,
        },
    },
    RawFrame {
        path: "natural/infiniteisp_Outdoor2_2592x1536_8bit_GRBG.raw",
        width: 2592,
        height: 1536,
        format: "grbg",
        levels: Levels {
            black: 12,
            white: 255,
        },
    },
    RawFrame {
        path: "natural/infiniteisp_Outdoor3_2592x1536_8bit_GRBG.raw",
        width: 2592,
        height: 1536,
        format: "grbg",
        levels: Levels {
            black: 12,
            white: 255,
        },
    },
    RawFrame {
        path: "natural/infiniteisp_Outdoor4_2592x1536_8bit_GRBG.raw",
        width: 2592,
        height: 1536,
        format: "grbg",
        levels: Levels {
            black: 12,
            white: 255,
        },
    },
    RawFrame {
        path: "natural/openisp_test_1920x1080_10bit_RGGB.raw",
        width: 1920,
        height: 1080,
        format: "rggb10le",
        levels: Levels {
            black: 0,
            white: 1023,
        },
    },
    RawFrame {
        path: "natural/halide_bayer_small_256x344_10bit_GRBG.raw",
        width: 256,
        height: 344,
        format: "grbg10le",
        levels: Levels {
            black: 25,
            white: 1023,
        },
    },
    RawFrame {
        path: "natural/mushfiqulalam_DSC_1339_768x512_14bit_RGGB.raw",
        width: 768,
        height: 512,
        format: "rggb14le",
        levels: Levels {
            black: 600,
            white: 15520,
        },
    },
    RawFrame {
        path: "natural/canon550d_colorchart_1888x1182_14bit_RGGB.raw",
        width: 1888,
        height: 1182,
        format: "rggb14le",
        levels: Levels {
            black: 2056,
            white: 15000,
        },
    },
];

impl RawFrame {
    pub fn frame_format(&self) -> Option<FrameFormat> {
        FrameFormat::parse(
            "video/x-bayer",
            self.format,
            self.width as i64,
            self.height as i64,
        )
        .ok()
    }

    /// Reads the frame's values from `dir` (headerless u8 or u16 LE).
    pub fn read(&self, dir: &std::path::Path) -> std::io::Result<Vec<u16>> {
        read_raw(
            &dir.join(self.path),
            self.width,
            self.height,
            self.format.len() > 4,
        )
    }

    /// Short name for tables.
    pub fn name(&self) -> &'static str {
        let file = self.path.rsplit('/').next().unwrap_or(self.path);
        file.split('_').take(2).last().unwrap_or(file)
    }
}

/// Reads a headerless raw file of `width × height` samples (u16 LE when `wide`).
pub fn read_raw(
    path: &std::path::Path,
    width: usize,
    height: usize,
    wide: bool,
) -> std::io::Result<Vec<u16>> {
    let data = std::fs::read(path)?;
    let n = width * height;
    let values: Vec<u16> = if wide {
        data.chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect()
    } else {
        data.iter().map(|&b| u16::from(b)).collect()
    };
    if values.len() < n {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("{}: {} samples, {} needed", path.display(), values.len(), n),
        ));
    }
    Ok(values[..n].to_vec())
}

/// Sample encoding check for callers building formats by hand.
pub fn is_wide(format: &FrameFormat) -> bool {
    format.sample != Sample::U8
}
