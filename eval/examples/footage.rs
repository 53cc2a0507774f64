//! Real footage (Bayer): `defectfix` with its defaults on realistic raw video made from
//! every natural frame of `../shared/data/raw` (camera paths, sensor noise at three
//! gains, fixed sensor defects) and on star fields, scored frame by frame against the
//! clean video and against the oracle (the true map, `detection=off`). The protocol is
//! in `defectfix_eval::footage`.
//!
//! ```text
//! make footage                                                  # the EVALUATION.md tables
//! cargo run --release -p defectfix-eval --example footage -- --only Outdoor2 --paths pan --gains high --all-frames
//! ```
//! Options: `--data DIR`, `--only SUBSTRING` (scene; `stars` = the star fields),
//! `--paths pan,handheld,drift,static,local`, `--gains low,mid,high`, `--frames N`
//! (default 60), `--size WxH` (window, default 640x480), `--seed N`, `--density D`
//! (defect sites per pixel, default 5e-4), `--no-column` (no dead column), `--set PROP=VALUE` (on the element under
//! test; repeatable), `--all-frames` (every frame in the per-sequence tables),
//! `--csv FILE` (every frame of every sequence), `--quiet` (pooled tables only),
//! `--dump DIR` (the first, middle and last frame of every sequence, clean, input and output,
//! as PGM).

use std::io::Write as _;
use std::time::Instant;

use defectfix_eval::footage::camera::PathKind;
use defectfix_eval::footage::noise::GAINS;
use defectfix_eval::footage::report;
use defectfix_eval::footage::run::{self, Options};

struct Command {
    options: Options,
    all_frames: bool,
    csv: Option<String>,
    quiet: bool,
}

fn parse(args: &[String]) -> Result<Command, String> {
    let mut c = Command {
        options: Options::default(),
        all_frames: false,
        csv: None,
        quiet: false,
    };
    let o = &mut c.options;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--data" => o.data = value()?.into(),
            "--only" => o.only = Some(value()?),
            "--paths" => {
                o.paths = value()?
                    .split(',')
                    .map(|p| PathKind::parse(p).ok_or(format!("unknown path {p}")))
                    .collect::<Result<_, _>>()?;
            }
            "--gains" => {
                o.gains = value()?
                    .split(',')
                    .map(|g| {
                        GAINS
                            .into_iter()
                            .find(|x| x.name == g)
                            .ok_or(format!("unknown gain {g}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--frames" => o.frames = value()?.parse().map_err(|e| format!("--frames: {e}"))?,
            "--size" => {
                let v = value()?;
                let (w, h) = v.split_once('x').ok_or("--size WxH")?;
                o.width = w.parse().map_err(|e| format!("--size: {e}"))?;
                o.height = h.parse().map_err(|e| format!("--size: {e}"))?;
            }
            "--seed" => o.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--density" => o.density = value()?.parse().map_err(|e| format!("--density: {e}"))?,
            "--set" => {
                let v = value()?;
                let (k, val) = v.split_once('=').ok_or("--set PROP=VALUE")?;
                o.set.push((k.to_string(), val.to_string()));
            }
            "--dump" => {
                let dir = std::path::PathBuf::from(value()?);
                std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                o.dump = Some(dir);
            }
            "--no-column" => o.column = false,
            "--all-frames" => c.all_frames = true,
            "--csv" => c.csv = Some(value()?),
            "--quiet" => c.quiet = true,
            other => return Err(format!("unknown option {other} (see the file's header)")),
        }
    }
    if c.options.frames == 0 {
        return Err("--frames must be at least 1".into());
    }
    Ok(c)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("footage: {e}");
            std::process::exit(2);
        }
    };
    let o = &command.options;
    let mut csv = match &command.csv {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => {
                let mut f = std::io::BufWriter::new(f);
                let _ = writeln!(f, "{}", report::csv_header());
                Some(f)
            }
            Err(e) => {
                eprintln!("footage: {path}: {e}");
                std::process::exit(2);
            }
        },
        None => None,
    };
    println!(
        "Real footage (Bayer): {} frames, window {}x{} (or the largest the path keeps inside a smaller scene), \
         seed {}, defect density {}, element properties: {}",
        o.frames,
        o.width,
        o.height,
        o.seed,
        o.density,
        if o.set.is_empty() {
            "defaults".to_string()
        } else {
            o.set
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        }
    );
    let start = Instant::now();
    let outcome = run::run(o, |r| {
        if !command.quiet {
            println!("{}", report::sequence_block(r, command.all_frames));
        }
        if let Some(f) = csv.as_mut() {
            let _ = f.write_all(report::csv_rows(r).as_bytes());
        }
    });
    match outcome {
        Ok((results, timing)) => {
            println!("{}", report::pooled(&results));
            let frames: usize = results.iter().map(|r| r.frames.len()).sum();
            println!(
                "{} sequences, {frames} frames in {:.0} s (generation {:.0} s, element {:.0} s, oracle {:.0} s, scoring {:.0} s)",
                results.len(),
                start.elapsed().as_secs_f64(),
                timing.generate.as_secs_f64(),
                timing.element.as_secs_f64(),
                timing.oracle.as_secs_f64(),
                timing.score.as_secs_f64(),
            );
        }
        Err(e) => {
            eprintln!("footage: {e}");
            std::process::exit(1);
        }
    }
}
