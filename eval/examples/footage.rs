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

use defectfix_eval::cli;
use defectfix_eval::footage::report;
use defectfix_eval::footage::run::{self, Options};

struct Command {
    options: Options,
    csv: Option<String>,
    listing: cli::Listing,
}

fn parse(args: &[String]) -> Result<Command, String> {
    let mut c = Command {
        options: Options::default(),
        csv: None,
        listing: cli::Listing::default(),
    };
    cli::parse_args(args, |a, value| {
        if c.listing.take_arg(a) || c.options.take_arg(a, &mut *value)? {
            return Ok(true);
        }
        match a {
            "--dump" => {
                let dir = std::path::PathBuf::from(value()?);
                std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                c.options.dump = Some(dir);
            }
            "--csv" => c.csv = Some(value()?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(c)
}

fn main() {
    let command = cli::parsed_or_exit("footage", parse);
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
        o.properties()
    );
    let start = Instant::now();
    let outcome = run::run(o, |r| {
        if !command.listing.quiet {
            println!("{}", report::sequence_block(r, command.listing.all_frames));
        }
        if let Some(f) = csv.as_mut() {
            let _ = f.write_all(report::csv_rows(r).as_bytes());
        }
    });
    let (results, timing) = cli::or_exit("footage", outcome);
    println!("{}", report::pooled(&results));
    let frames: usize = results.iter().map(|r| r.frames.len()).sum();
    println!("{}", timing.summary(results.len(), frames, start.elapsed()));
}
