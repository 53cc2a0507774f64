//! Quality of the video path (issue 7) on real frames: panned sequences cut from the
//! 8-bit Bayer frames of `../shared/data/raw/natural`, the same sensor defects injected
//! at the same sensor positions in every frame, clean and defective sequences both run
//! through `bayer2rgb ! videoconvert` to YUV (or RGB), then `defectfix`'s video path with
//! its defaults on the defective one, scored frame by frame against the clean one (the
//! protocol is `defectfix_eval::video`).
//!
//! ```text
//! cargo run --release --example evaluate_video                     # the EVALUATION.md table
//! cargo run --release --example evaluate_video -- --only Outdoor2 --formats NV12 --frames-table
//! ```
//! Options: `--data DIR`, `--only SUBSTRING` (scene), `--formats F1,F2`, `--size WxH`,
//! `--frames N`, `--step DX,DY` (pan per frame, even), `--density D`, `--seed N`,
//! `--kinds hot+dead+stuck+weak`, `--sensitivity S`, `--frames-table` (per-frame lines),
//! `--second-take` (run each sequence again with the map the first run learned),
//! `--live` (the first frame is not held back, as in a live pipeline).

use std::path::{Path, PathBuf};

use clap::Parser;
use defectfix_eval::pipeline;
use defectfix_eval::video::{self as eval, Pan, Planes, VideoFrameScore};
use gstdefectfix::frame::VideoLayout;
use gstdefectfix::sim::Kinds;
use gstdefectfix::video::VideoSettings;

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    pub data: PathBuf,
    pub only: Option<String>,
    pub formats: Vec<String>,
    pub width: usize,
    pub height: usize,
    pub frames: usize,
    pub dx: isize,
    pub dy: isize,
    pub density: f64,
    pub seed: u64,
    pub kinds: Kinds,
    pub settings: VideoSettings,
    pub frames_table: bool,
    /// Print, on the last frame, why each visible spot was missed and where the false
    /// changes are.
    pub diagnose: bool,
    /// Positions whose neighbourhood is printed on the last frame (clean / defective /
    /// repaired, every component).
    pub dump: Vec<(usize, usize)>,
    /// VideoFrame (1-based) the dump shows (default: the last).
    pub dump_at: Option<usize>,
    /// Positions whose track is printed frame by frame.
    pub trace: Vec<(u32, u32)>,
    /// Run each sequence twice: the second take starts with the map the first one
    /// learned (`learn=true map-output=…`, then `defect-map=…`).
    pub second_take: bool,
    /// Do not hold the first frame back (what a live pipeline gets: the first frame
    /// passes as it came).
    pub no_hold: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            data: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/raw"),
            only: None,
            formats: vec!["UYVY".into(), "NV12".into(), "I420".into()],
            width: 1280,
            height: 720,
            frames: 60,
            dx: 4,
            dy: 2,
            density: 2e-4,
            seed: 7,
            kinds: Kinds::HOT
                .union(Kinds::DEAD)
                .union(Kinds::STUCK)
                .union(Kinds::WEAK),
            settings: VideoSettings::default(),
            frames_table: false,
            diagnose: false,
            dump: Vec::new(),
            dump_at: None,
            trace: Vec::new(),
            second_take: false,
            no_hold: false,
        }
    }
}

/// The 8-bit natural frames: (name, file, width, height, CFA, black level).
pub const SCENES: [(&str, &str, usize, usize, &str, u16); 5] = [
    (
        "Indoor1",
        "natural/infiniteisp_Indoor1_2592x1536_8bit_GRBG.raw",
        2592,
        1536,
        "grbg",
        12,
    ),
    (
        "Outdoor1",
        "natural/infiniteisp_Outdoor1_2592x1536_8bit_GRBG.raw",
        2592,
        1536,
        "grbg",
        12,
    ),
    (
        "Outdoor2",
        "natural/infiniteisp_Outdoor2_2592x1536_8bit_GRBG.raw",
        2592,
        1536,
        "grbg",
        12,
    ),
    (
        "Outdoor3",
        "natural/infiniteisp_Outdoor3_2592x1536_8bit_GRBG.raw",
        2592,
        1536,
        "grbg",
        12,
    ),
    (
        "Outdoor4",
        "natural/infiniteisp_Outdoor4_2592x1536_8bit_GRBG.raw",
        2592,
        1536,
        "grbg",
        12,
    ),
];

/// One sequence's result.
#[derive(Clone, Debug)]
pub struct SeqResult {
    pub scene: String,
    pub format: String,
    pub injected: usize,
    pub scores: Vec<VideoFrameScore>,
}

impl SeqResult {
    /// The last frame's score.
    pub fn last(&self) -> VideoFrameScore {
        self.scores.last().copied().unwrap_or_default()
    }

    /// First frame (1-based) from which the recall stays at or above `r`.
    pub fn recall_from(&self, r: f64) -> Option<usize> {
        let n = self.scores.len();
        let bad = self.scores.iter().rposition(|s| s.recall() < r);
        match bad {
            None => Some(1),
            Some(i) if i + 1 < n => Some(i + 2),
            _ => None,
        }
    }

    /// Largest false changes per megapixel of any frame.
    pub fn worst_false_per_mp(&self) -> f64 {
        self.scores
            .iter()
            .map(|s| s.false_per_mp())
            .fold(0.0, f64::max)
    }

    /// Mean false changes per megapixel.
    pub fn mean_false_per_mp(&self) -> f64 {
        self.scores.iter().map(|s| s.false_per_mp()).sum::<f64>() / self.scores.len().max(1) as f64
    }

    /// Smallest PSNR gain of any frame (dB).
    pub fn min_gain(&self) -> f64 {
        self.scores
            .iter()
            .map(|s| s.psnr_out - s.psnr_in)
            .fold(f64::INFINITY, f64::min)
    }

    /// First frame (1-based) from which every frame's PSNR improves.
    pub fn gain_from(&self) -> Option<usize> {
        let n = self.scores.len();
        match self.scores.iter().rposition(|s| s.psnr_out <= s.psnr_in) {
            None => Some(1),
            Some(i) if i + 1 < n => Some(i + 2),
            _ => None,
        }
    }

    /// Frames whose PSNR did not improve.
    pub fn frames_without_gain(&self) -> usize {
        self.scores
            .iter()
            .filter(|s| s.psnr_out <= s.psnr_in)
            .count()
    }
}

/// Runs 8-bit Bayer frames (`cfa`, `width`×`height`, no padding) through
/// `appsrc ! bayer2rgb ! videoconvert ! video/x-raw,format=FORMAT ! appsink` and
/// returns the converted frames.
pub fn convert(
    frames: &[Vec<u8>],
    width: usize,
    height: usize,
    cfa: &str,
    format: &str,
) -> Result<Vec<Planes>, String> {
    convert_with_site(frames, width, height, cfa, format).map(|(p, _)| p)
}

/// [`convert`], also saying whether the output's chroma is horizontally co-sited.
pub fn convert_with_site(
    frames: &[Vec<u8>],
    width: usize,
    height: usize,
    cfa: &str,
    format: &str,
) -> Result<(Vec<Planes>, bool), String> {
    let chain = format!("videoconvert ! video/x-raw,format={format}");
    let c = pipeline::convert_bayer(frames, width, height, cfa, &chain)?;
    Ok((c.planes, pipeline::chroma_cosited(&c.caps)))
}

/// Runs the measurement.
pub fn run(o: &Options) -> Result<Vec<SeqResult>, String> {
    gst::init().map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    for &(name, file, rw, rh, cfa, black) in &SCENES {
        if o.only.as_deref().is_some_and(|s| !name.contains(s)) {
            continue;
        }
        let path: &Path = &o.data.join(file);
        let raw = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let pan = Pan {
            width: o.width,
            height: o.height,
            frames: o.frames,
            x0: (rw - o.width) / 4,
            y0: (rh - o.height) / 4,
            dx: o.dx,
            dy: o.dy,
        };
        let clean = eval::pan_sequence(&raw, rw, rh, &pan)?;
        let mut defective = clean.clone();
        let set = eval::inject(
            &mut defective,
            &eval::Injection {
                cfa,
                width: o.width,
                height: o.height,
                density: o.density,
                seed: o.seed,
                kinds: o.kinds,
                black,
            },
        )?;
        for format in &o.formats {
            let layout = VideoLayout::parse(format, o.width as i64, o.height as i64)
                .map_err(|e| e.to_string())?;
            let (c, cosited) = convert_with_site(&clean, o.width, o.height, cfa, format)?;
            let layout = layout.with_cosited_chroma(cosited);
            let d = convert(&defective, o.width, o.height, cfa, format)?;
            let n = c.len();
            if !o.dump.is_empty() {
                let at = o.dump_at.unwrap_or(n).clamp(1, n);
                let mut out = d[at - 1].clone();
                let mut p = gstdefectfix::video::Processor::new(layout);
                for (i, f) in d.iter().enumerate().take(at) {
                    let mut work = f.clone();
                    p.process(
                        &mut work.frame_mut(layout).map_err(|e| e.to_string())?,
                        &o.settings,
                    );
                    if i + 1 == at {
                        out = work;
                    }
                }
                for &(x, y) in &o.dump {
                    dump(layout, [&c[at - 1], &d[at - 1], &out], x, y)?;
                }
            }
            let map = if o.second_take {
                Some(std::sync::Arc::new(eval::learn_map(
                    layout,
                    &d,
                    &o.settings,
                )?))
            } else {
                None
            };
            let scores = eval::run_sequence_mapped(
                layout,
                &c,
                &d,
                &o.settings,
                map,
                !o.no_hold,
                |i, p, score, detail| {
                    for &(x, y) in &o.trace {
                        eprintln!(
                            "trace ({x},{y}) frame {}: evidence {:?}",
                            i + 1,
                            evidence_near(p, x, y)
                        );
                    }
                    if o.diagnose && (i + 1 == n || score.false_per_mp() > 10.0) {
                        eprintln!("-- {name} {format} frame {}", i + 1);
                        let mut d = detail.clone();
                        if i + 1 != n {
                            d.missed.clear();
                        }
                        diagnose(name, format, set.layout().defects(), p, &d);
                    }
                },
            )?;
            results.push(SeqResult {
                scene: name.to_string(),
                format: format.clone(),
                injected: set.layout().defects().len(),
                scores,
            });
        }
    }
    Ok(results)
}

/// Why the visible spots of the last frame were missed, and where false changes are.
fn diagnose(
    scene: &str,
    format: &str,
    defects: &[gstdefectfix::sim::SimDefect],
    p: &gstdefectfix::video::Processor,
    detail: &eval::ScoreDetail,
) {
    let near = |x: u32, y: u32, r: u32| {
        defects
            .iter()
            .filter(|d| d.x.abs_diff(x) <= r && d.y.abs_diff(y) <= r)
            .map(|d| format!("{:?}@({},{})", d.fault, d.x, d.y))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for &(x, y, before, after) in &detail.missed {
        let confirmed = p
            .confirmed()
            .iter()
            .any(|c| c.x.abs_diff(x) <= 2 && c.y.abs_diff(y) <= 2);
        eprintln!(
            "{scene} {format} missed ({x},{y}) err {before} -> {after}: confirmed {confirmed}, evidence {:?}, defects {}",
            evidence_near(p, x, y),
            near(x, y, 2)
        );
    }
    let mut groups: Vec<(u32, u32, usize)> = Vec::new();
    for &(x, y) in &detail.false_pixels {
        match groups
            .iter_mut()
            .find(|g| g.0.abs_diff(x) <= 6 && g.1.abs_diff(y) <= 6)
        {
            Some(g) => g.2 += 1,
            None => groups.push((x, y, 1)),
        }
    }
    for (x, y, n) in groups {
        let spot = p
            .spots()
            .iter()
            .find(|s| s.x.abs_diff(x) <= 6 && s.y.abs_diff(y) <= 6);
        eprintln!(
            "{scene} {format} false {n} px near ({x},{y}): spot {:?}, defects {}",
            spot.map(|s| (s.x, s.y, s.component, s.value, s.expected, s.changed)),
            near(x, y, 6)
        );
    }
}

/// Prints the neighbourhood of (`x`, `y`) in every component of the three frames.
fn dump(layout: VideoLayout, frames: [&Planes; 3], x: usize, y: usize) -> Result<(), String> {
    for (c, k) in layout.components().iter().enumerate() {
        let (w, h) = layout.comp_size(c);
        let (cx, cy) = (x >> k.sx, y >> k.sy);
        let r = if k.sx == 0 { 4 } else { 3 };
        eprintln!("{:?} at ({cx},{cy}): clean | defective | repaired", k.kind);
        for yy in cy.saturating_sub(r)..(cy + r + 1).min(h) {
            let mut line = String::new();
            for f in frames {
                let fr = f.frame(layout).map_err(|e| e.to_string())?;
                for xx in cx.saturating_sub(r)..(cx + r + 1).min(w) {
                    let mark = if (xx, yy) == (cx, cy) { '*' } else { ' ' };
                    line += &format!("{:>4}{mark}", fr.get(c, xx, yy));
                }
                line += "  |";
            }
            eprintln!("{line}");
        }
    }
    Ok(())
}

/// The temporal evidence of the pixels within 2 of (`x`, `y`) that hold any: position
/// and state.
fn evidence_near(
    p: &gstdefectfix::video::Processor,
    x: u32,
    y: u32,
) -> Vec<((u32, u32), gstdefectfix::temporal::rules::PixelState)> {
    let layout = p.layout();
    let e = p.evidence().evidence();
    let (x0, y0) = (x.saturating_sub(2), y.saturating_sub(2));
    let (x1, y1) = (
        (x + 2).min(layout.width as u32 - 1),
        (y + 2).min(layout.height as u32 - 1),
    );
    (y0..=y1)
        .flat_map(|yy| (x0..=x1).map(move |xx| (xx, yy)))
        .map(|(xx, yy)| ((xx, yy), e.state(xx as usize, yy as usize)))
        .filter(|(_, s)| !s.is_empty())
        .collect()
}

/// Quality of the video path on real frames: panned sequences with fixed sensor
/// defects through `bayer2rgb ! videoconvert`, then `defectfix`, scored frame by frame.
#[derive(Parser, Debug)]
#[command(name = "evaluate_video")]
struct Command {
    /// Directory of the raw frames
    #[arg(long, value_name = "DIR", default_value_os_t = Options::default().data)]
    data: PathBuf,
    /// Only the scenes whose name contains SUBSTRING
    #[arg(long, value_name = "SUBSTRING")]
    only: Option<String>,
    /// Formats, comma-separated
    #[arg(
        long,
        value_name = "F1,F2",
        value_delimiter = ',',
        default_value = "UYVY,NV12,I420"
    )]
    formats: Vec<String>,
    /// Frame size
    #[arg(long, value_name = "WxH", default_value = "1280x720", value_parser = size)]
    size: (f64, f64),
    /// Frames of every sequence
    #[arg(long, value_name = "N", value_parser = number)]
    #[arg(default_value_t = Options::default().frames as f64)]
    frames: f64,
    /// Pan per frame, in pixels (even)
    #[arg(long, value_name = "DX,DY", default_value = "4,2", value_parser = step)]
    #[arg(allow_hyphen_values = true)]
    step: (f64, f64),
    /// Defect sites per pixel
    #[arg(long, value_name = "D", default_value = "2e-4", value_parser = number)]
    density: f64,
    /// Seed of the defects
    #[arg(long, value_name = "N", value_parser = number)]
    #[arg(default_value_t = Options::default().seed as f64)]
    seed: f64,
    /// Defect kinds, joined with + (hot, dead, stuck, weak, ...)
    #[arg(long, value_name = "K1+K2", value_parser = kinds)]
    #[arg(default_value_t = Options::default().kinds)]
    kinds: Kinds,
    /// Detection sensitivity of the element (larger finds fainter spots)
    #[arg(long, value_name = "S", value_parser = number)]
    #[arg(default_value_t = VideoSettings::default().sensitivity)]
    sensitivity: f64,
    /// Print every frame's scores (on stderr)
    #[arg(long)]
    frames_table: bool,
    /// Print, on the last frame, why each visible spot was missed and where false changes are
    #[arg(long)]
    diagnose: bool,
    /// Run each sequence again with the map the first run learned
    #[arg(long)]
    second_take: bool,
    /// Do not hold the first frame back, as in a live pipeline
    #[arg(long)]
    live: bool,
    /// Print the track of the pixel at X,Y frame by frame (repeatable)
    #[arg(long, value_name = "X,Y", value_parser = position)]
    trace: Vec<(f64, f64)>,
    /// Print the neighbourhood of X,Y: clean, defective, repaired (repeatable)
    #[arg(long, value_name = "X,Y", value_parser = position)]
    dump: Vec<(f64, f64)>,
    /// Frame (from 1) that --dump shows [default: the last]
    #[arg(long, value_name = "N", value_parser = number)]
    dump_at: Option<f64>,
}

/// A number as the options take it (`60`, `2e-4`; whole-number options drop any fraction).
fn number(text: &str) -> Result<f64, String> {
    text.parse::<f64>().map_err(|e| format!("{text}: {e}"))
}

/// Two numbers joined by `separator` (`1280x720`, `4,2`); `syntax` names the form.
fn pair(text: &str, separator: char, syntax: &str) -> Result<(f64, f64), String> {
    let (a, b) = text
        .split_once(separator)
        .ok_or(format!("expected {syntax}"))?;
    Ok((number(a)?, number(b)?))
}

/// A frame size `WxH` (`--size`).
fn size(text: &str) -> Result<(f64, f64), String> {
    pair(text, 'x', "WxH")
}

/// A pan step `DX,DY` (`--step`).
fn step(text: &str) -> Result<(f64, f64), String> {
    pair(text, ',', "DX,DY")
}

/// A position `X,Y` (`--trace`, `--dump`).
fn position(text: &str) -> Result<(f64, f64), String> {
    pair(text, ',', "X,Y")
}

/// Defect kinds joined with `+` (`--kinds`).
fn kinds(text: &str) -> Result<Kinds, String> {
    Kinds::parse(text).ok_or("bad --kinds".to_string())
}

impl Command {
    /// The options of the measurement.
    fn options(self) -> Options {
        Options {
            data: self.data,
            only: self.only,
            formats: self.formats,
            width: self.size.0 as usize,
            height: self.size.1 as usize,
            frames: self.frames as usize,
            dx: self.step.0 as isize,
            dy: self.step.1 as isize,
            density: self.density,
            seed: self.seed as u64,
            kinds: self.kinds,
            settings: VideoSettings {
                sensitivity: self.sensitivity,
                ..VideoSettings::default()
            },
            frames_table: self.frames_table,
            diagnose: self.diagnose,
            dump: self
                .dump
                .into_iter()
                .map(|(x, y)| (x as usize, y as usize))
                .collect(),
            dump_at: self.dump_at.map(|n| n as usize),
            trace: self
                .trace
                .into_iter()
                .map(|(x, y)| (x as u32, y as u32))
                .collect(),
            second_take: self.second_take,
            no_hold: self.live,
        }
    }
}

fn main() {
    let o = Command::parse().options();
    let t0 = std::time::Instant::now();
    let results = match run(&o) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("evaluate_video: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "{}x{}, {} frames, pan {},{} px/frame, density {:e}, kinds {}, seed {}, sensitivity {}",
        o.width, o.height, o.frames, o.dx, o.dy, o.density, o.kinds, o.seed, o.settings.sensitivity
    );
    println!();
    println!(
        "| scene | format | injected | visible (last frame) | corrected (last frame) | recall ≥ 95 % from frame | false px/MP mean / worst frame | PSNR in → out, frame 1 | last frame | PSNR gains on every frame from | frames without gain (none loses) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &results {
        let first = r.scores.first().copied().unwrap_or_default();
        let last = r.last();
        if o.frames_table {
            for (i, s) in r.scores.iter().enumerate() {
                eprintln!(
                    "{} {} frame {:>3}: visible {:>3} corrected {:>3} false {:>3} ({:.1}/MP) psnr {:.2} -> {:.2}",
                    r.scene,
                    r.format,
                    i + 1,
                    s.visible,
                    s.corrected,
                    s.false_changes,
                    s.false_per_mp(),
                    s.psnr_in,
                    s.psnr_out
                );
            }
        }
        println!(
            "| {} | {} | {} | {} | {} ({:.1} %) | {} | {:.1} / {:.1} | {:.2} → {:.2} | {:.2} → {:.2} | {} | {}{} |",
            r.scene,
            r.format,
            r.injected,
            last.visible,
            last.corrected,
            100.0 * last.recall(),
            r.recall_from(0.95)
                .map_or("never".to_string(), |f| f.to_string()),
            r.mean_false_per_mp(),
            r.worst_false_per_mp(),
            first.psnr_in,
            first.psnr_out,
            last.psnr_in,
            last.psnr_out,
            r.gain_from().map_or("never".to_string(), |f| f.to_string()),
            r.frames_without_gain(),
            if r.min_gain() < 0.0 {
                " (some lose!)"
            } else {
                ""
            },
        );
    }
    let (vis, cor): (usize, usize) = results
        .iter()
        .map(|r| (r.last().visible, r.last().corrected))
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!();
    println!(
        "all: {cor}/{vis} visible spots corrected on the last frame ({:.1} %); false changes {:.1}/MP on average, {:.1}/MP in the worst frame; {} frames without PSNR gain; {:.0} s",
        100.0 * cor as f64 / vis.max(1) as f64,
        results
            .iter()
            .map(SeqResult::mean_false_per_mp)
            .sum::<f64>()
            / results.len().max(1) as f64,
        results
            .iter()
            .map(SeqResult::worst_false_per_mp)
            .fold(0.0, f64::max),
        results
            .iter()
            .map(SeqResult::frames_without_gain)
            .sum::<usize>(),
        t0.elapsed().as_secs_f64()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_well_formed() {
        Command::command().debug_assert();
        let o = Command::parse_from(["evaluate_video"]).options();
        assert_eq!(format!("{o:?}"), format!("{:?}", Options::default()));
        let o = Command::parse_from([
            "evaluate_video",
            "--size",
            "640x360",
            "--step",
            "-2,4",
            "--density",
            "5e-4",
            "--formats",
            "NV12,UYVY",
            "--kinds",
            "hot+dead",
            "--live",
            "--trace",
            "10,20",
            "--dump",
            "3,4",
            "--dump-at",
            "2",
        ])
        .options();
        assert_eq!((o.width, o.height, o.dx, o.dy), (640, 360, -2, 4));
        assert_eq!(o.density, 5e-4);
        assert_eq!(o.formats, ["NV12", "UYVY"]);
        assert_eq!(o.kinds, Kinds::HOT.union(Kinds::DEAD));
        assert!(o.no_hold);
        assert_eq!(
            (o.trace, o.dump, o.dump_at),
            (vec![(10, 20)], vec![(3, 4)], Some(2))
        );
    }
}
