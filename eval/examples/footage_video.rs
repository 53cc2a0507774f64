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
//! true defect map: the repair's own shortfall), `--overlay` (graphics burned into
//! both sequences after the camera: a station bug in small text, a box border, a
//! divider down the frame; the report counts the graphic's pixels changed), `--set PROP=VALUE` (on `defectfix`; repeatable), `--all-frames` (every
//! frame of every sequence), `--quiet` (pooled tables only).

use std::time::Instant;

use clap::Parser;
use defectfix_eval::cli;
use defectfix_eval::footage::run::FootageArgs;
use defectfix_eval::footage::video::{self, CONTRIBUTION_BITS_PER_PIXEL, Codec, Options};
use defectfix_eval::footage::video_report as report;

/// Real footage through the YUV/RGB path: the raw footage through `bayer2rgb !
/// videoconvert` (optionally a codec), then `defectfix`, scored frame by frame.
#[derive(Parser, Debug)]
#[command(name = "footage_video")]
struct Command {
    #[command(flatten)]
    footage: FootageArgs,
    #[command(flatten)]
    listing: cli::Listing,
    /// Formats to convert the footage to, comma-separated (any `videoconvert` and `defectfix` take)
    #[arg(
        long,
        value_name = "F1,F2",
        value_delimiter = ',',
        default_value = "UYVY,NV12,I420,v210,I422_10LE"
    )]
    formats: Vec<String>,
    /// Codecs, comma-separated: none, vp8, vp9 (each sequence once per codec)
    #[arg(long, value_name = "C1,C2", value_delimiter = ',', value_parser = codec)]
    #[arg(default_value = "none")]
    codec: Vec<Codec>,
    /// Coded bits per pixel of compressed footage
    #[arg(long, value_name = "B", default_value_t = CONTRIBUTION_BITS_PER_PIXEL)]
    bpp: f64,
    /// Weave the fields of consecutive generator frames into interlaced frames
    #[arg(long)]
    interlaced: bool,
    /// Touched pixels: those the defects change by over F × the range [default: 0; coded: 0.02]
    #[arg(long, value_name = "F")]
    touch: Option<f64>,
    /// Give the element the true defect map (the repair's own shortfall)
    #[arg(long)]
    oracle: bool,
    /// Burn graphics into both sequences after the camera (a station bug, a box border, a divider)
    #[arg(long)]
    overlay: bool,
}

/// The codec named `name` (`--codec`).
fn codec(name: &str) -> Result<Codec, String> {
    Codec::parse(name).ok_or(format!("unknown codec {name}"))
}

impl Command {
    /// The options of the protocol.
    fn options(&self) -> Options {
        Options {
            footage: self.footage.clone().options(),
            formats: self.formats.clone(),
            codecs: self.codec.clone(),
            bits_per_pixel: self.bpp,
            interlaced: self.interlaced,
            touch: self.touch,
            oracle: self.oracle,
            overlay: self.overlay,
        }
    }
}

fn main() {
    let command = Command::parse();
    let options = command.options();
    let o = &options;
    let g = &o.footage;
    println!(
        "Real footage, processed video: {} frames{}, window {}x{} (or the largest the path keeps inside a smaller scene), \
         seed {}, defect density {}{}, formats {}, codec {}{}, element properties: {}{}{}",
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
        },
        if o.overlay {
            ", graphics burned in after the camera"
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
    if o.overlay {
        println!("{}", report::overlay(&results));
    }
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
    fn no_option_gives_the_defaults() {
        let o = Command::parse_from(["footage_video"]).options();
        assert_eq!(format!("{o:?}"), format!("{:?}", Options::default()));
    }

    #[test]
    fn the_options_of_the_protocol_are_read() {
        let c = Command::parse_from([
            "footage_video",
            "--formats",
            "I420",
            "--codec",
            "vp8,vp9",
            "--bpp",
            "0.5",
            "--interlaced",
            "--touch",
            "0.01",
            "--oracle",
            "--overlay",
            "--quiet",
            "--size",
            "320x240",
        ]);
        let o = c.options();
        assert_eq!(o.formats, ["I420"]);
        assert_eq!(o.codecs, [Codec::Vp8, Codec::Vp9]);
        assert_eq!(o.bits_per_pixel, 0.5);
        assert!(o.interlaced && o.oracle && o.overlay && c.listing.quiet);
        assert_eq!(o.touch, Some(0.01));
        assert_eq!((o.footage.width, o.footage.height), (320, 240));
        assert!(Command::try_parse_from(["footage_video", "--codec", "h264"]).is_err());
        assert!(Command::try_parse_from(["footage_video", "--dump", "d"]).is_err());
    }
}
