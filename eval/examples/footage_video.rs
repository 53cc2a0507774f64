//! Real footage through the YUV/RGB path (issue 13): the raw sequences of the footage
//! generator (every natural scene, five camera paths, three gains, star fields)
//! through `bayer2rgb ! videoconvert` into UYVY, NV12, I420, v210 and I422_10LE
//! (optionally through VP8 or VP9 and back, or woven into interlaced frames), then
//! `defectfix` with its defaults, scored frame by frame against the clean sequence
//! taken through the same chain. The protocol is `defectfix_eval::footage::video`.
//!
//! ```text
//! make footage-video                                            # the EVALUATION.md tables
//! cargo run --release -p defectfix-eval --example footage_video -- --only Outdoor1 --paths handheld --formats NV12 --all-frames
//! cargo run --release -p defectfix-eval --example footage_video -- --codec vp8 --formats I420 --quiet
//! ```
//! Options: `--data DIR`, `--only SUBSTRING` (scene; `stars` = the star fields),
//! `--paths pan,handheld,drift,static,local`, `--gains low,mid,high`,
//! `--formats UYVY,NV12,I420,v210,I422_10LE` (any format `videoconvert` and `defectfix`
//! both take), `--frames N` (default 60), `--size WxH` (default 640x480), `--seed N`,
//! `--density D` (defect sites per pixel, default 5e-4), `--no-column`,
//! `--codec none|vp8|vp9` (or a list: each sequence once per codec), `--bpp B` (coded bits per pixel, default 1: contribution
//! grade), `--interlaced` (fields of consecutive generator frames woven into one
//! frame), `--touch F` (a pixel is touched by the defects when it differs by more than
//! F × the range; default 0, compressed 0.02), `--oracle` (the element is given the
//! true defect map: the repair's own shortfall), `--set PROP=VALUE` (on `defectfix`; repeatable), `--all-frames` (every
//! frame of every sequence), `--quiet` (pooled tables only).

use std::time::Instant;

use defectfix_eval::cli;
use defectfix_eval::footage::video::{self, Codec, Options};
use defectfix_eval::footage::video_report as report;

struct Command {
    options: Options,
    listing: cli::Listing,
}

fn parse(args: &[String]) -> Result<Command, String> {
    let mut c = Command {
        options: Options::default(),
        listing: cli::Listing::default(),
    };
    cli::parse_args(args, |a, value| {
        let o = &mut c.options;
        if c.listing.take_arg(a) || o.footage.take_arg(a, &mut *value)? {
            return Ok(true);
        }
        match a {
            "--formats" => o.formats = value()?.split(',').map(str::to_string).collect(),
            "--codec" => {
                o.codecs = value()?
                    .split(',')
                    .map(|c| Codec::parse(c).ok_or(format!("unknown codec {c}")))
                    .collect::<Result<_, _>>()?;
            }
            "--bpp" => o.bits_per_pixel = value()?.parse().map_err(|e| format!("--bpp: {e}"))?,
            "--interlaced" => o.interlaced = true,
            "--touch" => o.touch = Some(value()?.parse().map_err(|e| format!("--touch: {e}"))?),
            "--oracle" => o.oracle = true,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(c)
}

fn main() {
    let command = cli::parsed_or_exit("footage_video", parse);
    let o = &command.options;
    let g = &o.footage;
    println!(
        "Real footage, processed video: {} frames{}, window {}x{} (or the largest the path keeps inside a smaller scene), \
         seed {}, defect density {}{}, formats {}, codec {}{}, element properties: {}{}",
        g.frames,
        if o.interlaced {
            " (interlaced: two generator frames a frame)"
        } else {
            ""
        },
        g.width,
        g.height,
        g.seed,
        g.density,
        if g.column { "" } else { ", no column" },
        o.formats.join(","),
        o.codecs
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join(","),
        if o.codecs.iter().all(|&c| c == Codec::None) {
            String::new()
        } else {
            format!(" at {} bit/pixel", o.bits_per_pixel)
        },
        g.properties(),
        if o.oracle {
            " + the true defect map (oracle)"
        } else {
            ""
        }
    );
    if !command.listing.quiet {
        println!("{}", report::sequence_header());
    }
    let start = Instant::now();
    let outcome = video::run(o, |r| {
        if command.listing.quiet {
            return;
        }
        println!("{}", report::sequence_line(r));
        if command.listing.all_frames {
            println!("    {}", r.header);
            for (i, s) in r.frames.iter().enumerate() {
                println!(
                    "    frame {:>3}: spots {:>4} visible {:>4} quartered {:>4} under 5% {:>4} false {:>4} ({:.1}/MP) PSNR {:.2} -> {:.2}",
                    i + 1,
                    s.spots,
                    s.visible,
                    s.quartered,
                    s.corrected,
                    s.false_changes,
                    s.false_per_mp(),
                    s.psnr_in,
                    s.psnr_out
                );
            }
        }
    });
    let (results, timing) = cli::or_exit("footage_video", outcome);
    println!("\n{}", report::pooled(&results));
    println!("{}", report::breakdown(&results));
    println!("{}", report::strengths(&results));
    println!("{}", report::targets(&results));
    let frames: usize = results.iter().map(|r| r.frames.len()).sum();
    println!("{}", timing.summary(results.len(), frames, start.elapsed()));
}
