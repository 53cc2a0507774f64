//! Quality of dynamic detection on the real frames of `../shared/data/raw`, by the
//! protocol of the `defectfix_eval` crate: seeded defects (hot, dead, stuck, weak; 15 %
//! grown into same-colour pairs or 2×2 blocks) at densities 1e-4 and 5e-3 on every
//! natural frame at its real depth and pattern, scored against the clean frame, beside
//! the open-ISP rule and an oracle (perfect detection, this project's correction); then
//! the real hot pixels of the Flea3 frames.
//!
//! ```text
//! cargo run --release --example evaluate                 # the tables of EVALUATION.md
//! cargo run --release --example evaluate -- --curve      # sensitivity trade-off
//! cargo run --release --example evaluate -- --only Outdoor --sensitivity 2
//! ```
//! Options: `--data DIR` (default `../shared/data/raw`), `--only SUBSTRING`,
//! `--sensitivity S`, `--k K`, `--beta B`, `--floor F`, `--seed N`, `--no-reference`,
//! `--curve`, `--list-false` (positions of false corrections on the clean frames).

use std::path::PathBuf;

use clap::Parser;
use defectfix_eval::{
    self as eval, KINDS, Levels, NATURAL, RawFrame, Scores, false_per_mp, inject_copy, open_isp,
    oracle, run_engine_with, score,
};
use gstdefectfix::detect::{ColourReference, DetectTuning};
use gstdefectfix::engine::Engine;
use gstdefectfix::frame::FrameFormat;

/// Quality of dynamic detection on the real frames: seeded defects on every natural
/// frame, scored against the clean frame, beside the open-ISP rule and an oracle.
#[derive(Parser, Debug)]
#[command(name = "evaluate")]
struct Command {
    /// Directory of the raw frames
    #[arg(long, value_name = "DIR", default_value_os_t = default_data())]
    data: PathBuf,
    /// Only the frames whose path contains SUBSTRING
    #[arg(long, value_name = "SUBSTRING")]
    only: Option<String>,
    /// Detection sensitivity (larger finds fainter defects)
    #[arg(long, value_name = "S", value_parser = number)]
    #[arg(default_value_t = DetectTuning::default().sensitivity)]
    sensitivity: f64,
    /// Noise multiplier k (threshold k·σ at sensitivity 1)
    #[arg(long, value_name = "K", value_parser = number)]
    #[arg(default_value_t = DetectTuning::default().k)]
    k: f64,
    /// Texture factor β (share of the neighbours' spread)
    #[arg(long, value_name = "B", value_parser = number)]
    #[arg(default_value_t = DetectTuning::default().beta)]
    beta: f64,
    /// Texture factor of the dark side
    #[arg(long, value_name = "B", value_parser = number)]
    #[arg(default_value_t = DetectTuning::default().beta_cold)]
    beta_cold: f64,
    /// Least excess, as a share of the sample range
    #[arg(long, value_name = "F", value_parser = number)]
    #[arg(default_value_t = DetectTuning::default().floor)]
    floor: f64,
    /// Cross-colour reference: 0 all four, 1 middle two, 3 adaptive, else defect side [default: 3]
    #[arg(long, value_name = "N", value_parser = number)]
    colour_mode: Option<f64>,
    /// Texture factor of the cross-colour test
    #[arg(long, value_name = "B", value_parser = number)]
    #[arg(default_value_t = DetectTuning::default().beta_colour)]
    beta_colour: f64,
    /// Seed of the injected defects
    #[arg(long, value_name = "N", default_value = "2024", value_parser = number)]
    seed: f64,
    /// Leave out the open-ISP reference rule
    #[arg(long)]
    no_reference: bool,
    /// Print the sensitivity trade-off curve instead of the tables
    #[arg(long)]
    curve: bool,
    /// Curve sensitivities, comma-separated (implies --curve) [default: 0.5,0.7,0.85,1,1.2,1.5,2,3]
    #[arg(long, value_name = "S1,S2", value_delimiter = ',', value_parser = number)]
    sensitivities: Option<Vec<f64>>,
    /// Print the positions of false corrections on the clean frames
    #[arg(long)]
    list_false: bool,
    /// Print the injected defects that were missed
    #[arg(long)]
    list_missed: bool,
}

/// `../shared/data/raw` beside the repository.
fn default_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/raw")
}

/// A number as the options take it (`2`, `0.85`, `1e3`; spaces around it are ignored).
fn number(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .map_err(|e| format!("{text}: {e}"))
}

impl Command {
    /// The options of the measurement.
    fn options(self) -> Options {
        let mut tuning = DetectTuning {
            sensitivity: self.sensitivity,
            k: self.k,
            beta: self.beta,
            beta_cold: self.beta_cold,
            floor: self.floor,
            beta_colour: self.beta_colour,
            ..DetectTuning::default()
        };
        if let Some(n) = self.colour_mode {
            tuning.colour_mode = ColourReference::from_number(n as u32);
        }
        Options {
            data: self.data,
            only: self.only,
            tuning,
            seed: self.seed as u64,
            reference: !self.no_reference,
            curve: self.curve || self.sensitivities.is_some(),
            sensitivities: self
                .sensitivities
                .unwrap_or_else(|| vec![0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0, 3.0]),
            list_false: self.list_false,
            list_missed: self.list_missed,
        }
    }
}

struct Options {
    data: PathBuf,
    only: Option<String>,
    tuning: DetectTuning,
    seed: u64,
    reference: bool,
    curve: bool,
    sensitivities: Vec<f64>,
    list_false: bool,
    list_missed: bool,
}

fn recall_cells(s: &Scores) -> String {
    (0..4)
        .map(|k| {
            if s.counted[k] == 0 {
                "–".to_string()
            } else {
                format!("{:.1} ({})", 100.0 * s.recall(k), s.counted[k])
            }
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn db(v: f64) -> String {
    if v.is_infinite() {
        "∞".into()
    } else {
        format!("{v:.1}")
    }
}

struct Loaded {
    raw: RawFrame,
    format: FrameFormat,
    clean: Vec<u16>,
}

fn load(o: &Options) -> Vec<Loaded> {
    NATURAL
        .iter()
        .filter(|r| o.only.as_ref().is_none_or(|s| r.path.contains(s.as_str())))
        .filter_map(|raw| {
            let format = raw.frame_format()?;
            match raw.read(&o.data) {
                Ok(clean) => Some(Loaded {
                    raw: *raw,
                    format,
                    clean,
                }),
                Err(e) => {
                    eprintln!("skipping {}: {e}", raw.path);
                    None
                }
            }
        })
        .collect()
}

fn main() {
    let o = Command::parse().options();
    let frames = load(&o);
    if o.curve {
        curve(&o, &frames);
        return;
    }
    println!(
        "Tuning: sensitivity {}, k {}, beta {}, beta-cold {}, beta-colour {}, floor {} of range; seed {}\n",
        o.tuning.sensitivity,
        o.tuning.k,
        o.tuning.beta,
        o.tuning.beta_cold,
        o.tuning.beta_colour,
        o.tuning.floor,
        o.seed
    );
    println!(
        "| frame | density | method | recall hot % (n) | dead | stuck | weak | precision % | false/MP clean | false/MP injected | PSNR before | PSNR after |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (fi, l) in frames.iter().enumerate() {
        let mut engine = Engine::new(l.format.plane());
        engine.set_tuning(o.tuning);
        let ours_clean = run_engine_with(&mut engine, &l.clean, &l.format, o.tuning.sensitivity);
        let ours_fp = false_per_mp(&l.clean, &ours_clean);
        if o.list_false {
            let m = engine.detector().model();
            let max = f64::from(l.format.max_value());
            let sig: Vec<String> = (0..4)
                .map(|p| {
                    format!(
                        "p{p}: {:.2}/{:.2}/{:.2}",
                        m.sigma(p, 0.05 * max),
                        m.sigma(p, 0.3 * max),
                        m.sigma(p, 0.8 * max)
                    )
                })
                .collect();
            eprintln!("{} sigma at 5/30/80 %: {}", l.raw.name(), sig.join("  "));
        }
        if o.list_false {
            let w = l.format.width;
            let list: Vec<String> = ours_clean
                .output
                .iter()
                .zip(&l.clean)
                .enumerate()
                .filter(|(_, (a, b))| a != b)
                .map(|(i, (a, b))| format!("({},{}) {}→{}", i % w, i / w, b, a))
                .collect();
            eprintln!("{}: {} false: {}", l.raw.name(), list.len(), list.join(" "));
        }
        let isp_fp = o.reference.then(|| {
            false_per_mp(
                &l.clean,
                &open_isp(&l.clean, l.format.width, l.format.height, l.raw.levels),
            )
        });
        for (di, density) in [1e-4, 5e-3].into_iter().enumerate() {
            let seed = o.seed ^ ((fi as u64) << 32) ^ (di as u64) << 48;
            let (frame, injected) = inject_copy(&l.clean, &l.format, l.raw.levels, density, seed);
            let w = l.format.width;
            let levels: Levels = l.raw.levels;
            let ours = run_engine_with(&mut engine, &frame, &l.format, o.tuning.sensitivity);
            let s = score(&l.clean, &frame, &injected, &ours, w, levels);
            if o.list_missed {
                let buf = eval::to_buffer(&frame, &l.format);
                let view = gstdefectfix::frame::PlaneRef::new(
                    &buf,
                    l.format.plane(),
                    l.format.default_stride(),
                )
                .expect("frame");
                let det = engine.detector();
                for d in &injected {
                    let i = d.y as usize * w + d.x as usize;
                    if d.counted && !ours.flagged[i] {
                        let near = injected
                            .iter()
                            .filter(|e| {
                                (e.x, e.y) != (d.x, d.y)
                                    && e.x.abs_diff(d.x) <= 2
                                    && e.y.abs_diff(d.y) <= 2
                            })
                            .count();
                        let k = det.reference_pixel(&view, d.x as usize, d.y as usize);
                        let c = det.confirm(&view, d.x as usize, d.y as usize, k);
                        eprintln!(
                            "missed {} {density:.0e} {:?} ({},{}) {}->{} injected-near {near} kernel {k} confirm {c}",
                            l.raw.name(),
                            d.kind,
                            d.x,
                            d.y,
                            d.truth,
                            d.value
                        );
                    }
                }
            }
            let row = |method: &str, s: &Scores, clean_fp: Option<f64>| {
                println!(
                    "| {} | {:.0e} | {} | {} | {:.2} | {} | {:.1} | {} | {} |",
                    l.raw.name(),
                    density,
                    method,
                    recall_cells(s),
                    100.0 * s.precision(),
                    clean_fp.map_or("–".into(), |v| format!("{v:.1}")),
                    s.false_per_mp,
                    db(s.psnr_before),
                    db(s.psnr_after),
                );
            };
            row("**defectfix**", &s, Some(ours_fp));
            if o.reference {
                let isp = open_isp(&frame, w, l.format.height, levels);
                row(
                    "open-ISP",
                    &score(&l.clean, &frame, &injected, &isp, w, levels),
                    isp_fp,
                );
                let orc = oracle(&frame, &l.format, &injected);
                row(
                    "oracle",
                    &score(&l.clean, &frame, &injected, &orc, w, levels),
                    Some(0.0),
                );
            }
        }
    }
    if o.only.is_none() {
        flea3(&o);
        flea3_wavelengths(&o);
        upstream_bpc(&o);
    }
}

/// Every Flea3 light frame (400–700 nm, mostly one CFA channel lit, some saturated): the
/// pixels defectfix changes, and how many of them are warm in both matching dark frames
/// (≥ 5 DN: real, if faint, sensor defects).
fn flea3_wavelengths(o: &Options) {
    let dir = o.data.join("flea3_icx655");
    let (w, h) = (408usize, 344usize);
    let Ok(format) = FrameFormat::parse("video/x-bayer", "gbrg", w as i64, h as i64) else {
        return;
    };
    let list = |sub: &str| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join(sub))
            .map(|r| {
                r.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.to_string_lossy().ends_with(".raw"))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let darks = list("dark");
    let lights = list("light");
    println!(
        "\nAll Flea3 light frames: pixels changed, and of them warm in both darks (≥ 5 DN):\n"
    );
    println!("| frame | pixels changed | of them warm in both darks | changed per MP not warm |");
    println!("|---|---|---|---|");
    for light in &lights {
        let name = light
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let exp = if name.contains("_2000ms_") {
            "_2000ms_"
        } else {
            "_3916ms_"
        };
        let pair: Vec<&PathBuf> = darks
            .iter()
            .filter(|d| d.to_string_lossy().contains(exp))
            .collect();
        let (Some(d3), Some(d4)) = (pair.first(), pair.get(1)) else {
            continue;
        };
        let (Ok(a), Ok(b), Ok(l)) = (
            eval::read_raw(d3, w, h, false),
            eval::read_raw(d4, w, h, false),
            eval::read_raw(light, w, h, false),
        ) else {
            continue;
        };
        let mut engine = Engine::new(format.plane());
        engine.set_tuning(o.tuning);
        let out = run_engine_with(&mut engine, &l, &format, o.tuning.sensitivity);
        let changed: Vec<usize> = (0..w * h).filter(|&i| out.output[i] != l[i]).collect();
        let warm = changed.iter().filter(|&&i| a[i] >= 5 && b[i] >= 5).count();
        let short: String = name
            .split('_')
            .skip(2)
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        println!(
            "| {short} | {} | {warm} | {:.0} |",
            changed.len(),
            (changed.len() - warm) as f64 * 1e6 / (w * h) as f64
        );
    }
}

/// The DSLR frame with the 400 defects its upstream author injected (200 at 600 = black,
/// 200 at 65535): ground truth = pixels that differ from the clean frame.
fn upstream_bpc(o: &Options) {
    let clean_path = o
        .data
        .join("natural/mushfiqulalam_DSC_1339_768x512_14bit_RGGB.raw");
    let bpc_path = o
        .data
        .join("natural/mushfiqulalam_DSC_1339_768x512_14bit_RGGB_bpc_test.raw");
    let (w, h) = (768usize, 512usize);
    let (Ok(clean), Ok(bad), Ok(format)) = (
        eval::read_raw(&clean_path, w, h, true),
        eval::read_raw(&bpc_path, w, h, true),
        FrameFormat::parse("video/x-bayer", "rggb14le", w as i64, h as i64),
    ) else {
        eprintln!("bpc_test frame missing");
        return;
    };
    let levels = Levels {
        black: 600,
        white: 15520,
    };
    let truth: Vec<usize> = (0..w * h).filter(|&i| clean[i] != bad[i]).collect();
    println!("\nUpstream-injected defects (mushfiqulalam DSC_1339 bpc_test, 14-bit):\n");
    let range = levels.range();
    let counted = |i: usize| f64::from(clean[i].abs_diff(bad[i].min(levels.white))) > 0.05 * range;
    let hot: Vec<usize> = truth
        .iter()
        .copied()
        .filter(|&i| bad[i] > clean[i])
        .collect();
    let dead: Vec<usize> = truth
        .iter()
        .copied()
        .filter(|&i| bad[i] < clean[i])
        .collect();
    println!(
        "| method | found hot (of {}) | found dark (of {}; {} of them > 5 % of range below the truth) | other pixels changed | PSNR before | PSNR after |",
        hot.len(),
        dead.len(),
        dead.iter().filter(|&&i| counted(i)).count()
    );
    println!("|---|---|---|---|---|---|");
    let mut engine = Engine::new(format.plane());
    engine.set_tuning(o.tuning);
    let ours = run_engine_with(&mut engine, &bad, &format, o.tuning.sensitivity);
    let isp = open_isp(&bad, w, h, levels);
    for (name, out) in [("**defectfix**", &ours), ("open-ISP", &isp)] {
        let found_hot = hot.iter().filter(|&&i| out.flagged[i]).count();
        let found_dead = dead.iter().filter(|&&i| out.flagged[i]).count();
        let found_counted = dead
            .iter()
            .filter(|&&i| counted(i) && out.flagged[i])
            .count();
        let other = (0..w * h)
            .filter(|&i| clean[i] == bad[i] && out.output[i] != bad[i])
            .count();
        // The hot ones are at 65535, outside the 14-bit range: PSNR on values clamped to
        // the white level.
        let clamp = |v: &[u16]| v.iter().map(|&x| x.min(levels.white)).collect::<Vec<_>>();
        let peak = f64::from(levels.white);
        println!(
            "| {name} | {found_hot} | {found_dead} ({found_counted}) | {other} | {} | {} |",
            db(eval::psnr(&clamp(&bad), &clean, peak)),
            db(eval::psnr(&clamp(&out.output), &clean, peak)),
        );
    }
}

/// Sensitivity sweep: false corrections on the clean frames against recall at 5e-3.
fn curve(o: &Options, frames: &[Loaded]) {
    println!(
        "| sensitivity | worst false/MP clean | mean false/MP clean | worst recall hot | dead | stuck | weak | mean recall hot | dead | stuck | weak |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for &s in &o.sensitivities {
        let tuning = DetectTuning {
            sensitivity: s,
            ..o.tuning
        };
        let mut worst_fp: f64 = 0.0;
        let mut sum_fp = 0.0;
        let mut worst = [1.0f64; 4];
        let mut mean = [0.0f64; 4];
        for (fi, l) in frames.iter().enumerate() {
            let mut engine = Engine::new(l.format.plane());
            engine.set_tuning(tuning);
            let fp = false_per_mp(
                &l.clean,
                &run_engine_with(&mut engine, &l.clean, &l.format, s),
            );
            worst_fp = worst_fp.max(fp);
            sum_fp += fp;
            let seed = o.seed ^ ((fi as u64) << 32) ^ (1u64 << 48);
            let (frame, injected) = inject_copy(&l.clean, &l.format, l.raw.levels, 5e-3, seed);
            let out = run_engine_with(&mut engine, &frame, &l.format, s);
            let sc = score(
                &l.clean,
                &frame,
                &injected,
                &out,
                l.format.width,
                l.raw.levels,
            );
            for (k, w) in worst.iter_mut().enumerate() {
                *w = w.min(sc.recall(k));
                mean[k] += sc.recall(k) / frames.len() as f64;
            }
        }
        println!(
            "| {s} | {worst_fp:.1} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            sum_fp / frames.len().max(1) as f64,
            100.0 * worst[0],
            100.0 * worst[1],
            100.0 * worst[2],
            100.0 * worst[3],
            100.0 * mean[0],
            100.0 * mean[1],
            100.0 * mean[2],
            100.0 * mean[3]
        );
    }
    let _ = KINDS;
}

/// Real hot pixels: every pixel at ≥ 20 DN in both matching dark frames must be
/// corrected in the 400 nm light frame of the same exposure.
fn flea3(o: &Options) {
    let dir = o.data.join("flea3_icx655");
    let (w, h) = (408usize, 344usize);
    let Ok(format) = FrameFormat::parse("video/x-bayer", "gbrg", w as i64, h as i64) else {
        return;
    };
    println!("\nReal hot pixels (Flea3 / ICX655, 400 nm light frames):\n");
    println!(
        "| exposure | hot in both darks (≥ 20 DN) | flagged of them | corrected of them | missed (x, y) | other pixels changed |"
    );
    println!("|---|---|---|---|---|---|");
    for exp in ["2000ms", "3916ms"] {
        let find = |sub: &str, part: &str| -> Option<PathBuf> {
            let d = dir.join(sub);
            let mut names: Vec<PathBuf> = std::fs::read_dir(&d)
                .ok()?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let n = p.to_string_lossy();
                    n.contains(exp) && n.contains(part) && n.ends_with(".raw")
                })
                .collect();
            names.sort();
            names.into_iter().next()
        };
        let (Some(d3), Some(d4), Some(light)) = (
            find("dark", "-0003_"),
            find("dark", "-0004_"),
            find("light", "400nm"),
        ) else {
            eprintln!("Flea3 {exp}: files missing");
            continue;
        };
        let (Ok(a), Ok(b), Ok(l)) = (
            eval::read_raw(&d3, w, h, false),
            eval::read_raw(&d4, w, h, false),
            eval::read_raw(&light, w, h, false),
        ) else {
            continue;
        };
        let hot: Vec<usize> = (0..w * h).filter(|&i| a[i] >= 20 && b[i] >= 20).collect();
        let mut engine = Engine::new(format.plane());
        engine.set_tuning(o.tuning);
        let out = run_engine_with(&mut engine, &l, &format, o.tuning.sensitivity);
        let flagged = hot.iter().filter(|&&i| out.flagged[i]).count();
        let corrected = hot.iter().filter(|&&i| out.output[i] != l[i]).count();
        let other = (0..w * h)
            .filter(|i| !hot.contains(i) && out.output[*i] != l[*i])
            .count();
        let missed: Vec<String> = hot
            .iter()
            .filter(|&&i| out.output[i] == l[i])
            .map(|&i| format!("({}, {})", i % w, i / w))
            .collect();
        println!(
            "| {exp} | {} | {flagged} | {corrected} | {} | {other} |",
            hot.len(),
            missed.join(" ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_well_formed() {
        Command::command().debug_assert();
        let o = Command::parse_from(["evaluate"]).options();
        assert_eq!(o.tuning, DetectTuning::default());
        assert_eq!((o.seed, o.reference, o.curve), (2024, true, false));
        let o = Command::parse_from([
            "evaluate",
            "--only",
            "Outdoor",
            "--sensitivity",
            "2",
            "--colour-mode",
            "1",
            "--sensitivities",
            "1, 2",
            "--no-reference",
        ])
        .options();
        assert_eq!(o.tuning.sensitivity, 2.0);
        assert_eq!(o.tuning.colour_mode, ColourReference::MiddleTwo);
        assert_eq!(o.sensitivities, [1.0, 2.0]);
        assert!(o.curve && !o.reference);
    }
}
