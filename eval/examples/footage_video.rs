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
//! frame), `--set PROP=VALUE` (on `defectfix`; repeatable), `--all-frames` (every
//! frame of every sequence), `--quiet` (pooled tables only).

use std::time::Instant;

use defectfix_eval::footage::camera::PathKind;
use defectfix_eval::footage::noise::GAINS;
use defectfix_eval::footage::video::{self, Codec, Options};
use defectfix_eval::footage::video_report as report;

struct Command {
    options: Options,
    all_frames: bool,
    quiet: bool,
}

fn parse(args: &[String]) -> Result<Command, String> {
    let mut c = Command {
        options: Options::default(),
        all_frames: false,
        quiet: false,
    };
    let o = &mut c.options;
    let g = &mut o.footage;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--data" => g.data = value()?.into(),
            "--only" => g.only = Some(value()?),
            "--paths" => {
                g.paths = value()?
                    .split(',')
                    .map(|p| PathKind::parse(p).ok_or(format!("unknown path {p}")))
                    .collect::<Result<_, _>>()?;
            }
            "--gains" => {
                g.gains = value()?
                    .split(',')
                    .map(|n| {
                        GAINS
                            .into_iter()
                            .find(|x| x.name == n)
                            .ok_or(format!("unknown gain {n}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--formats" => o.formats = value()?.split(',').map(str::to_string).collect(),
            "--frames" => g.frames = value()?.parse().map_err(|e| format!("--frames: {e}"))?,
            "--size" => {
                let v = value()?;
                let (w, h) = v.split_once('x').ok_or("--size WxH")?;
                g.width = w.parse().map_err(|e| format!("--size: {e}"))?;
                g.height = h.parse().map_err(|e| format!("--size: {e}"))?;
            }
            "--seed" => g.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--density" => g.density = value()?.parse().map_err(|e| format!("--density: {e}"))?,
            "--no-column" => g.column = false,
            "--codec" => {
                o.codecs = value()?
                    .split(',')
                    .map(|c| Codec::parse(c).ok_or(format!("unknown codec {c}")))
                    .collect::<Result<_, _>>()?;
            }
            "--bpp" => o.bits_per_pixel = value()?.parse().map_err(|e| format!("--bpp: {e}"))?,
            "--interlaced" => o.interlaced = true,
            "--touch" => o.touch = Some(value()?.parse().map_err(|e| format!("--touch: {e}"))?),
            "--set" => {
                let v = value()?;
                let (k, val) = v.split_once('=').ok_or("--set PROP=VALUE")?;
                g.set.push((k.to_string(), val.to_string()));
            }
            "--all-frames" => c.all_frames = true,
            "--quiet" => c.quiet = true,
            other => return Err(format!("unknown option {other} (see the file's header)")),
        }
    }
    if c.options.footage.frames == 0 {
        return Err("--frames must be at least 1".into());
    }
    Ok(c)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("footage_video: {e}");
            std::process::exit(2);
        }
    };
    let o = &command.options;
    let g = &o.footage;
    println!(
        "Real footage, processed video: {} frames{}, window {}x{} (or the largest the path keeps inside a smaller scene), \
         seed {}, defect density {}{}, formats {}, codec {}{}, element properties: {}",
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
        if g.set.is_empty() {
            "defaults".to_string()
        } else {
            g.set
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        }
    );
    if !command.quiet {
        println!("{}", report::sequence_header());
    }
    let start = Instant::now();
    let outcome = video::run(o, |r| {
        if command.quiet {
            return;
        }
        println!("{}", report::sequence_line(r));
        if command.all_frames {
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
    match outcome {
        Ok((results, timing)) => {
            println!("\n{}", report::pooled(&results));
            println!("{}", report::targets(&results));
            let frames: usize = results.iter().map(|r| r.frames.len()).sum();
            println!(
                "{} sequences, {frames} frames in {:.0} s (generation {:.0} s, conversion {:.0} s, codec {:.0} s, element {:.0} s, scoring {:.0} s)",
                results.len(),
                start.elapsed().as_secs_f64(),
                timing.generate.as_secs_f64(),
                timing.convert.as_secs_f64(),
                timing.code.as_secs_f64(),
                timing.element.as_secs_f64(),
                timing.score.as_secs_f64(),
            );
        }
        Err(e) => {
            eprintln!("footage_video: {e}");
            std::process::exit(1);
        }
    }
}
