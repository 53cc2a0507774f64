//! Quality-control report of defective pixels in raw footage: runs `defectfix
//! mode=detect post-messages=true` over a raw file or any pipeline, and prints what a
//! delivery QC operator acts on — per-frame counts, then the positions that keep coming
//! back, most visible first. `--json FILE` also writes every message as JSON Lines.
//!
//! ```text
//! cargo run --release --example qc -- --raw frames.raw 1920 1080 rggb12le [--json report.jsonl]
//! cargo run --release --example qc -- --pipeline "v4l2src num-buffers=300 ! video/x-bayer,format=grbg" [--json r.jsonl]
//! ```

use std::fmt::Write as _;
use std::io::Write as _;

use gst::glib;
use gst::prelude::*;

struct Args {
    source: String,
    json: Option<String>,
    learn: bool,
}

fn usage() -> String {
    "usage: qc (--raw FILE WIDTH HEIGHT FORMAT | --pipeline 'SOURCE ! CAPS') [--json FILE] [--no-learn]"
        .to_string()
}

fn parse_args() -> Result<Args, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut source = None;
    let mut json = None;
    let mut learn = true;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--raw" => {
                let [file, w, h, format] = args
                    .get(i + 1..i + 5)
                    .and_then(|a| <&[String; 4]>::try_from(a).ok())
                    .ok_or_else(usage)?;
                let (w, h): (usize, usize) = (
                    w.parse().map_err(|_| usage())?,
                    h.parse().map_err(|_| usage())?,
                );
                let fmt = gstdefectfix::frame::FrameFormat::parse(
                    if format.starts_with("GRAY") {
                        "video/x-raw"
                    } else {
                        "video/x-bayer"
                    },
                    format,
                    w as i64,
                    h as i64,
                )
                .map_err(|e| e.to_string())?;
                let media = if format.starts_with("GRAY") {
                    "video/x-raw"
                } else {
                    "video/x-bayer"
                };
                // Raw files are usually tightly packed: one frame is width * height samples.
                source = Some(format!(
                    "filesrc location=\"{file}\" blocksize={} ! {media},format={format},width={w},height={h},framerate=25/1",
                    fmt.row_bytes() * h
                ));
                i += 5;
            }
            "--pipeline" => {
                source = Some(args.get(i + 1).ok_or_else(usage)?.clone());
                i += 2;
            }
            "--json" => {
                json = Some(args.get(i + 1).ok_or_else(usage)?.clone());
                i += 2;
            }
            "--no-learn" => {
                learn = false;
                i += 1;
            }
            _ => return Err(usage()),
        }
    }
    Ok(Args {
        source: source.ok_or_else(usage)?,
        json,
        learn,
    })
}

/// A GStreamer value as JSON (numbers, strings, booleans, arrays, structures).
fn json_value(v: &glib::SendValue, out: &mut String) {
    if let Ok(s) = v.get::<&str>() {
        let _ = write!(out, "\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    } else if let Ok(b) = v.get::<bool>() {
        let _ = write!(out, "{b}");
    } else if let Ok(n) = v.get::<u64>() {
        let _ = write!(out, "{n}");
    } else if let Ok(n) = v.get::<u32>() {
        let _ = write!(out, "{n}");
    } else if let Ok(n) = v.get::<i32>() {
        let _ = write!(out, "{n}");
    } else if let Ok(n) = v.get::<f64>() {
        let _ = write!(out, "{n}");
    } else if let Ok(a) = v.get::<gst::Array>() {
        out.push('[');
        for (i, item) in a.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_value(item, out);
        }
        out.push(']');
    } else if let Ok(s) = v.get::<gst::Structure>() {
        json_structure(&s, out);
    } else {
        out.push_str("null");
    }
}

fn json_structure(s: &gst::StructureRef, out: &mut String) {
    let _ = write!(out, "{{\"message\":\"{}\"", s.name());
    for (name, value) in s.iter() {
        let _ = write!(out, ",\"{name}\":");
        json_value(value, out);
    }
    out.push('}');
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    gst::init()?;
    gstdefectfix::plugin_register_static()?;
    let description = format!(
        "{} ! defectfix name=qc mode=detect post-messages=true learn={} ! fakesink",
        args.source, args.learn
    );
    let pipeline = gst::parse::launch(&description)?;
    let mut json = match &args.json {
        Some(path) => Some(std::io::BufWriter::new(std::fs::File::create(path)?)),
        None => None,
    };
    pipeline.set_state(gst::State::Playing)?;
    let bus = pipeline.bus().ok_or("pipeline without a bus")?;
    let (mut frames, mut with_defects, mut total) = (0u64, 0u64, 0u64);
    let mut summary: Option<gst::Structure> = None;
    for msg in bus.iter_timed(gst::ClockTime::NONE) {
        match msg.view() {
            gst::MessageView::Eos(_) => break,
            gst::MessageView::Error(e) => {
                pipeline.set_state(gst::State::Null)?;
                return Err(format!("{}: {:?}", e.error(), e.debug()).into());
            }
            gst::MessageView::Warning(w) => eprintln!("warning: {}", w.error()),
            gst::MessageView::Element(e) => {
                let Some(s) = e.structure() else { continue };
                if let Some(out) = json.as_mut() {
                    let mut line = String::new();
                    json_structure(s, &mut line);
                    writeln!(out, "{line}")?;
                }
                match s.name().as_str() {
                    "defectfix" => {
                        frames += 1;
                        let n = s.get::<u64>("defects").unwrap_or(0);
                        total += n;
                        with_defects += u64::from(n > 0);
                    }
                    "defectfix-summary" => summary = Some(s.to_owned()),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    pipeline.set_state(gst::State::Null)?;
    if let Some(out) = json.as_mut() {
        out.flush()?;
    }

    println!("defective pixel QC: {}", args.source);
    println!(
        "frames: {frames}, frames with defects: {with_defects}, defects (all frames): {total}"
    );
    let Some(summary) = summary else {
        println!("no summary (the stream ended before the first frame?)");
        return Ok(());
    };
    let get = |f: &str| summary.get::<u64>(f).unwrap_or(0);
    println!(
        "distinct positions: {}, persistent: {}, learned: {}; worst severity per position: {} severe, {} moderate, {} minor",
        get("distinct"),
        get("persistent"),
        get("learned"),
        get("severe"),
        get("moderate"),
        get("minor")
    );
    if let Ok(list) = summary.get::<gst::Array>("positions") {
        println!("\n  x      y      frames  severity  persistent  listed");
        for item in list.iter() {
            let Ok(p) = item.get::<gst::Structure>() else {
                continue;
            };
            println!(
                "  {:<6} {:<6} {:<7} {:<9} {:<11} {}",
                p.get::<u32>("x").unwrap_or(0),
                p.get::<u32>("y").unwrap_or(0),
                p.get::<u64>("frames").unwrap_or(0),
                p.get::<&str>("severity").unwrap_or("?"),
                p.get::<bool>("persistent").unwrap_or(false),
                p.get::<bool>("listed").unwrap_or(false),
            );
        }
        if get("positions-truncated") > 0 {
            println!("  … (list cut at {} positions)", list.len());
        }
    }
    if let Some(path) = &args.json {
        println!("\nJSON Lines written to {path}");
    }
    Ok(())
}
