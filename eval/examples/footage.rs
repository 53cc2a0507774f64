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
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use defectfix_eval::cli;
use defectfix_eval::footage::report;
use defectfix_eval::footage::run::{self, FootageArgs};

/// Real footage (Bayer): `defectfix` with its defaults on realistic raw video, scored
/// frame by frame against the clean video and against the oracle.
#[derive(Parser, Debug)]
#[command(name = "footage")]
struct Command {
    #[command(flatten)]
    footage: FootageArgs,
    #[command(flatten)]
    listing: cli::Listing,
    /// Write every frame of every sequence to FILE (CSV)
    #[arg(long, value_name = "FILE")]
    csv: Option<String>,
    /// Write the first, middle and last frames (clean, input, output) as PGM under DIR
    #[arg(long, value_name = "DIR")]
    dump: Option<PathBuf>,
}

fn main() {
    let command = Command::parse();
    let mut options = command.footage.options();
    if let Some(dir) = command.dump {
        if let Err(e) = std::fs::create_dir_all(&dir) {
            eprintln!("footage: {}: {e}", dir.display());
            std::process::exit(2);
        }
        options.dump = Some(dir);
    }
    let o = &options;
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_well_formed() {
        Command::command().debug_assert();
    }

    #[test]
    fn its_own_options_are_read() {
        let c = Command::parse_from([
            "footage",
            "--csv",
            "frames.csv",
            "--dump",
            "frames",
            "--all-frames",
            "--gains",
            "mid",
        ]);
        assert_eq!(c.csv.as_deref(), Some("frames.csv"));
        assert_eq!(c.dump, Some(PathBuf::from("frames")));
        assert!(c.listing.all_frames && !c.listing.quiet);
        assert_eq!(c.footage.options().gains.len(), 1);
    }
}
