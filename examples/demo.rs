//! The defectfix demo: a detailed synthetic scene becomes an RGGB Bayer stream that pans
//! slowly (its stars drift with it) with fresh sensor noise in every frame, `defectsim`
//! gives it sensor defects, `defectfix` repairs them, and `bayer2rgb` shows the three
//! versions side by side.
//!
//! ```text
//! cargo run --release --example demo -- [--out DIR] [--size WxH] [--density D] [--seed N]
//!                                       [--kinds hot+dead+...] [--frames N]
//! ```
//!
//! Writes under `DIR` (default `out`): `clean.png`, `before.png` (with defects),
//! `after.png` (repaired), `crops.png` (a few defects enlarged ×8: clean | with defects |
//! repaired), `crop-N-before.png` / `crop-N-after.png`, and `truth.map` (the ground truth
//! from `defectsim`), all of the last frame. Prints, frame by frame, how many visible
//! defects were found and missed, how many good pixels `defectfix` touched and how many
//! stars it altered (a pixel within 1.5 px of a star's centre changed by more than 3 %),
//! counted on the raw Bayer frames against the clean frames and the ground truth; then
//! the last frame in detail.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use defectfix_eval::pipeline::run_pipeline;
use defectfix_eval::{RepairScore, score_repair};
use gst::prelude::*;
use gstdefectfix::defect_map::DefectMap;
use gstdefectfix::frame::FrameFormat;
use gstdefectfix::frame::{PlaneMut, PlaneRef};
use gstdefectfix::sim::{self, Class, Config, Fault, Kinds, SimDefectSet};

/// Crop size around a defect, in sensor pixels, and its enlargement.
const CROP: usize = 20;
const ZOOM: usize = 8;
/// How many defects the crops show.
const CROPS: usize = 6;

/// The defectfix demo: a panning synthetic Bayer scene with sensor defects, repaired by
/// `defectfix`, shown side by side (pictures under --out).
#[derive(Parser, Debug)]
#[command(name = "demo")]
struct Args {
    /// Directory the pictures and the true map are written to
    #[arg(long, value_name = "DIR", default_value = "out")]
    out: PathBuf,
    /// Frame size, from 64x64 to 8192x8192
    #[arg(long, value_name = "WxH", default_value = "1280x720", value_parser = frame_size)]
    size: (usize, usize),
    /// Defect sites per pixel, from 0 to 0.1
    #[arg(long, value_name = "D", default_value = "5e-4", value_parser = density)]
    density: f64,
    /// Seed of the scene, the noise and the defects
    #[arg(long, value_name = "N", default_value_t = 1)]
    seed: u64,
    /// Defect kinds, joined with +: hot, dead, stuck, weak, pair, cluster, column, row, twinkle
    #[arg(long, value_name = "K1+K2", default_value_t = Kinds::DEFAULT, value_parser = kinds)]
    kinds: Kinds,
    /// Frames of the stream (at least 1)
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = frame_count)]
    frames: usize,
}

/// A frame size `WxH` (`--size`), each side from 64 to 8192.
fn frame_size(text: &str) -> Result<(usize, usize), String> {
    let (w, h) = defectfix_eval::cli::size(text)?;
    if !(64..=8192).contains(&w) || !(64..=8192).contains(&h) {
        return Err("not a size between 64x64 and 8192x8192".to_string());
    }
    Ok((w, h))
}

/// A defect density (`--density`), from 0 to 0.1.
fn density(text: &str) -> Result<f64, String> {
    let d: f64 = text.parse().map_err(|_| "not a number".to_string())?;
    if !(0.0..=0.1).contains(&d) {
        return Err("not a density between 0 and 0.1".to_string());
    }
    Ok(d)
}

/// A frame count (`--frames`), at least 1.
fn frame_count(text: &str) -> Result<usize, String> {
    match text
        .parse::<usize>()
        .map_err(|_| "not a frame count".to_string())?
    {
        0 => Err("not at least 1".to_string()),
        n => Ok(n),
    }
}

/// Defect kinds joined with `+` (`--kinds`).
fn kinds(text: &str) -> Result<Kinds, String> {
    Kinds::parse(text).ok_or("not a list of kinds".to_string())
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    gst::init().map_err(|e| format!("cannot initialise GStreamer: {e}"))?;
    gstdefectfix::plugin_register_static().map_err(|e| format!("cannot register: {e}"))?;
    for needed in [
        "appsrc",
        "appsink",
        "tee",
        "queue",
        "bayer2rgb",
        "pngenc",
        "filesink",
    ] {
        if gst::ElementFactory::find(needed).is_none() {
            return Err(format!(
                "GStreamer element '{needed}' is missing: install gstreamer1.0-plugins-base, \
                 -good and -bad (scripts/deps.sh does)"
            ));
        }
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let (w, h) = args.size;
    let format = FrameFormat::parse("video/x-bayer", "rggb", w as i64, h as i64)
        .map_err(|e| e.to_string())?;
    let caps = format!("video/x-bayer,format=rggb,width={w},height={h},framerate=30/1");
    // The camera pans slowly; every frame has its own sensor noise.
    let cleans: Vec<Vec<u8>> = (0..args.frames)
        .map(|t| mosaic(&scene(w, h, t), &format))
        .collect();
    let clean = cleans
        .last()
        .cloned()
        .ok_or("--frames must be at least 1")?;
    let truth_path = args.out.join("truth.map");
    let truth_str = truth_path
        .to_str()
        .ok_or("the output directory must be a UTF-8 path")?;

    let sim_props = format!(
        "density={} seed={} kinds={} map-output=\"{truth_str}\"",
        args.density, args.seed, args.kinds
    );
    println!(
        "defectfix demo: a {w}x{h} RGGB 8-bit scene (sky, stars, mountains, grass, a \
         resolution chart) panning {PAN_X}, {PAN_Y} px per frame with fresh noise, {} frames",
        args.frames
    );
    println!("  appsrc ! defectsim {sim_props} ! defectfix ... ! bayer2rgb ! pngenc");

    // defectfix reads a map when it starts, before defectsim knows the caps: write the
    // ground truth with a one-frame run first (same seed, same defects).
    run_pipeline(
        &format!("appsrc name=src format=time caps={caps} ! defectsim {sim_props} ! fakesink"),
        vec![cleans[0].clone()],
    )?;
    let truth_map = DefectMap::load(&truth_path).map_err(|e| e.to_string())?;

    let dynamic = gst::ElementFactory::make("defectfix")
        .build()
        .map_err(|e| e.to_string())?
        .find_property("detection")
        .is_some();
    // Each run: a label, the defectfix element, the file its repaired picture goes to.
    let mut runs: Vec<(&str, String, &str)> = Vec::new();
    if dynamic {
        runs.push((
            "defectfix (default settings: dynamic detection, no map)",
            "defectfix".into(),
            "after.png",
        ));
    }
    runs.push((
        "defectfix defect-map=truth.map (the ground truth as a calibration map)",
        format!("defectfix defect-map=\"{truth_str}\""),
        if dynamic {
            "after-map.png"
        } else {
            "after.png"
        },
    ));

    let config = Config {
        density: args.density,
        seed: args.seed,
        kinds: args.kinds,
        black_level: 0,
    };
    let set = SimDefectSet::generate(&format.plane(), &config);
    let last = args.frames - 1;
    let truth = set.mask(last as u64);
    // The library's model and the element's file agree.
    let listed = truth_map.resolve(w as u32, h as u32, 0, 0).pixels;
    if listed.len() != set.layout().fixed_pixels()
        || listed
            .iter()
            .any(|p| !truth.get(p.x as usize, p.y as usize))
    {
        return Err("defectsim's map differs from the defect model".into());
    }
    let twinkling_on = twinkling_on(&set, &truth);
    println!(
        "\ninjected: {} defective pixels (ground truth in {}){}",
        listed.len() + twinkling_on,
        truth_path.display(),
        if twinkling_on > 0 {
            format!(", {twinkling_on} of them twinkling (not in the map)")
        } else {
            String::new()
        }
    );
    describe_mix(&set, &truth);

    // Every run sees the same clean and defective frames (same seed); the detailed scores
    // use the last frame.
    let mut before = None;
    let mut afters = Vec::new();
    for (label, fix, _) in &runs {
        let captured = run_pipeline(
            &format!(
                "appsrc name=src format=time caps={caps} ! tee name=c ! queue ! appsink name=clean \
                 c. ! queue ! defectsim {sim_props} ! tee name=b ! queue ! appsink name=before \
                 b. ! queue ! {fix} ! appsink name=after"
            ),
            cleans.clone(),
        )?;
        let frames = |name: &str| -> Result<&Vec<Vec<u8>>, String> {
            captured
                .get(name)
                .filter(|f| f.len() == args.frames)
                .ok_or_else(|| {
                    format!(
                        "appsink '{name}' received fewer than {} frames",
                        args.frames
                    )
                })
        };
        let (cs, bs, afs) = (frames("clean")?, frames("before")?, frames("after")?);
        println!("\n{label}, frame by frame:");
        println!("  frame   found / visible   missed   good pixels touched   stars altered");
        for t in 0..args.frames {
            let (fc, fb, fa) = (
                view(&cs[t], format)?,
                view(&bs[t], format)?,
                view(&afs[t], format)?,
            );
            let truth_t = set.mask(t as u64);
            let s = score_repair(&fc, &fb, &fa, &truth_t);
            let (altered, stars) = stars_altered(&fb, &fa, &truth_t, t);
            if t < 3 || (t + 1) % 5 == 0 || t == last {
                println!(
                    "  {:>5}   {:>5} / {:<7}   {:>6}   {:>19}   {altered:>6} of {stars}",
                    t + 1,
                    s.found,
                    s.visible,
                    s.missed,
                    s.good_touched
                );
            }
        }
        let (c, b, a) = (&cs[last], &bs[last], &afs[last]);
        let (fc, fb, fa) = (view(c, format)?, view(b, format)?, view(a, format)?);
        print_score(label, &score_repair(&fc, &fb, &fa, &truth), w * h);
        print_by_kind(&set, &fc, &fb, &fa);
        before.get_or_insert(b.clone());
        afters.push(a.clone());
    }
    let before = before.ok_or("no run")?;

    // Pictures: demosaic each raw frame with bayer2rgb, then write PNGs.
    let out = |name: &str| args.out.join(name);
    let clean_rgba = demosaic(&clean, &caps, w, h)?;
    let before_rgba = demosaic(&before, &caps, w, h)?;
    write_png(&clean_rgba, w, h, &out("clean.png"))?;
    write_png(&before_rgba, w, h, &out("before.png"))?;
    let mut pictures = vec![clean_rgba, before_rgba];
    for (after, (_, _, file)) in afters.iter().zip(&runs) {
        let rgba = demosaic(after, &caps, w, h)?;
        write_png(&rgba, w, h, &out(file))?;
        pictures.push(rgba);
    }

    let spots = pick_crops(&set, &clean, &before, &format);
    let gap = 8;
    let cell = CROP * ZOOM;
    let columns = pictures.len();
    let (mw, mh) = (
        columns * (cell + gap) + gap,
        spots.len() * (cell + gap) + gap,
    );
    let mut montage: Vec<u8> = [0x30u8, 0x30, 0x30, 0xff].repeat(mw * mh);
    println!();
    for (i, &(x, y, what)) in spots.iter().enumerate() {
        let top = gap + i * (cell + gap);
        for (col, image) in pictures.iter().enumerate() {
            let crop = enlarge(image, w, h, x, y);
            let left = gap + col * (cell + gap);
            blit(&mut montage, mw, &crop, cell, left, top);
            // Ticks in the gutters point at the defect (the crop's centre pixel).
            let centre = (CROP / 2) * ZOOM;
            for t in 0..ZOOM {
                for g in 2..gap - 1 {
                    for (px, py) in [(left + centre + t, top - g), (left - g, top + centre + t)] {
                        montage[(py * mw + px) * 4..][..4].copy_from_slice(&[0xff, 0xff, 0, 0xff]);
                    }
                }
            }
            let name = match col {
                0 => continue,
                1 => "before".to_string(),
                _ => runs[col - 2].2.trim_end_matches(".png").to_string(),
            };
            write_png(
                &crop,
                cell,
                cell,
                &out(&format!("crop-{}-{name}.png", i + 1)),
            )?;
        }
        println!("crop {}: {what} at x={x} y={y}", i + 1);
    }
    write_png(&montage, mw, mh, &out("crops.png"))?;

    let shown = std::fs::canonicalize(&args.out).unwrap_or_else(|_| args.out.clone());
    println!("\nwrote to {}/:", shown.display());
    println!("  clean.png      the scene without defects");
    println!("  before.png     with defectsim's defects");
    for (label, _, file) in &runs {
        println!("  {file:<14} repaired by {label}");
    }
    let mut legend = vec!["clean", "with defects"];
    legend.extend(runs.iter().map(|(_, _, file)| *file));
    println!(
        "  crops.png      {} defects enlarged x{ZOOM}, one per row ({}), the yellow ticks \
         point at the defect; crop-N-*.png the same one by one",
        spots.len(),
        legend.join(" | ")
    );
    println!("  truth.map      the ground truth (defect map format)");
    Ok(())
}

/// Stars of frame `t` whose centre pixel or a pixel within 1.5 px of it (not a defect)
/// `defectfix` changed by more than 3 % of the range, and the stars in the frame.
fn stars_altered(
    before: &PlaneRef<'_>,
    after: &PlaneRef<'_>,
    truth: &gstdefectfix::correct::Mask,
    t: usize,
) -> (usize, usize) {
    let f = before.plane();
    let (w, h) = (f.width as f32, f.height as f32);
    let s = h;
    let (ox, oy) = camera(t);
    let (mut altered, mut stars) = (0, 0);
    for cy in star_cells(oy, oy + h) {
        for cx in star_cells(ox, ox + w) {
            let Some((px, py, _)) = star_in_sky(cx, cy, s) else {
                continue;
            };
            let (fx, fy) = (px - ox, py - oy);
            if fx < 2.0 || fy < 2.0 || fx > w - 3.0 || fy > h - 3.0 {
                continue;
            }
            stars += 1;
            let changed = (fy as usize - 2..=fy as usize + 2).any(|y| {
                (fx as usize - 2..=fx as usize + 2).any(|x| {
                    let near = (x as f32 + 0.5 - fx).hypot(y as f32 + 0.5 - fy) <= 1.5;
                    near && !truth.get(x, y)
                        && f32::from(after.get(x, y).abs_diff(before.get(x, y))) > 0.03 * 255.0
                })
            });
            altered += usize::from(changed);
        }
    }
    (altered, stars)
}

fn view(data: &[u8], format: FrameFormat) -> Result<PlaneRef<'_>, String> {
    format.view(data).map_err(|e| e.to_string())
}

/// Found / visible for each kind of defect.
fn print_by_kind(
    set: &SimDefectSet,
    clean: &PlaneRef<'_>,
    before: &PlaneRef<'_>,
    after: &PlaneRef<'_>,
) {
    let mut tally: Vec<(&str, usize, usize)> = Vec::new();
    for d in set.layout().defects() {
        let (x, y) = (d.x as usize, d.y as usize);
        if before.get(x, y) == clean.get(x, y) {
            continue;
        }
        let name = kind_name(d);
        let found = usize::from(after.get(x, y) != before.get(x, y));
        match tally.iter_mut().find(|t| t.0 == name) {
            Some(t) => {
                t.1 += found;
                t.2 += 1;
            }
            None => tally.push((name, found, 1)),
        }
    }
    let f = clean.plane();
    for line in set.layout().lines() {
        let pixels: Vec<(usize, usize)> = match *line {
            sim::Line::Row { y, .. } => (0..f.width).map(|x| (x, y as usize)).collect(),
            sim::Line::Column { x, .. } => (0..f.height).map(|y| (x as usize, y)).collect(),
        };
        for (x, y) in pixels {
            if before.get(x, y) != clean.get(x, y) {
                let found = usize::from(after.get(x, y) != before.get(x, y));
                match tally.iter_mut().find(|t| t.0 == "line pixels") {
                    Some(t) => {
                        t.1 += found;
                        t.2 += 1;
                    }
                    None => tally.push(("line pixels", found, 1)),
                }
            }
        }
    }
    tally.sort_by_key(|t| KIND_ORDER.iter().position(|k| *k == t.0));
    let parts: Vec<String> = tally
        .iter()
        .map(|(name, found, visible)| format!("{name} {found}/{visible}"))
        .collect();
    if !parts.is_empty() {
        println!("  found by kind  {}", parts.join(", "));
    }
}

const KIND_ORDER: [&str; 7] = [
    "hot",
    "dead",
    "stuck",
    "weak",
    "pair pixels",
    "cluster pixels",
    "line pixels",
];

fn kind_name(d: &sim::SimDefect) -> &'static str {
    match (d.class, d.fault) {
        (Class::Pair, _) => "pair pixels",
        (Class::Cluster, _) => "cluster pixels",
        (_, Fault::Hot) => "hot",
        (_, Fault::Dead) => "dead",
        (_, Fault::Stuck(_)) => "stuck",
        (_, Fault::Weak(_)) => "weak",
    }
}

/// The twinkling pixels of `set` that are on in the frame whose defects `truth` marks.
fn twinkling_on(set: &SimDefectSet, truth: &gstdefectfix::correct::Mask) -> usize {
    set.layout()
        .twinkles()
        .iter()
        .filter(|d| truth.get(d.x as usize, d.y as usize))
        .count()
}

fn describe_mix(set: &SimDefectSet, truth: &gstdefectfix::correct::Mask) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for d in set.layout().defects() {
        *counts.entry(kind_name(d)).or_default() += 1;
    }
    let mut parts: Vec<String> = KIND_ORDER
        .iter()
        .filter_map(|k| counts.get(k).map(|n| format!("{n} {k}")))
        .collect();
    for line in set.layout().lines() {
        parts.push(match line {
            sim::Line::Row { y, .. } => format!("row {y}"),
            sim::Line::Column { x, .. } => format!("column {x}"),
        });
    }
    let twinkles = twinkling_on(set, truth);
    if twinkles > 0 {
        parts.push(format!("{twinkles} twinkling"));
    }
    println!("  {}", parts.join(", "));
}

fn print_score(label: &str, s: &RepairScore, pixels: usize) {
    let mean = |sum: u64| {
        if s.visible == 0 {
            0.0
        } else {
            sum as f64 / s.visible as f64
        }
    };
    println!("\n{label}, the last frame:");
    println!(
        "  found    {} of {} visible defects ({:.1} %)",
        s.found,
        s.visible,
        100.0 * s.recall()
    );
    println!("  missed   {}", s.missed);
    println!(
        "  good pixels touched  {} of {} ({:.4} %){}",
        s.good_touched,
        pixels - s.injected,
        100.0 * s.good_touched as f64 / (pixels - s.injected).max(1) as f64,
        if s.good_touched > 0 {
            format!(
                ", changed by {:.1} levels on average",
                s.good_change as f64 / s.good_touched as f64
            )
        } else {
            String::new()
        }
    );
    println!(
        "  mean error at defects  {:.1} before, {:.1} after (8-bit levels)",
        mean(s.error_before),
        mean(s.error_after)
    );
    if s.injected > s.visible {
        println!(
            "  ({} defects read their true value on this picture and are not counted)",
            s.injected - s.visible
        );
    }
}

/// An 8-bit Bayer frame as RGBA, through `bayer2rgb`.
fn demosaic(raw: &[u8], caps: &str, w: usize, h: usize) -> Result<Vec<u8>, String> {
    let captured = run_pipeline(
        &format!(
            "appsrc name=src format=time caps={caps} ! bayer2rgb ! video/x-raw,format=RGBA \
             ! appsink name=rgb"
        ),
        vec![raw.to_vec()],
    )?;
    let frame = captured
        .get("rgb")
        .and_then(|f| f.first())
        .ok_or("bayer2rgb gave no frame")?;
    if frame.len() < w * h * 4 {
        return Err(format!("bayer2rgb gave {} bytes", frame.len()));
    }
    Ok(frame[..w * h * 4].to_vec())
}

/// Writes an RGBA image as a PNG file through `pngenc`.
fn write_png(rgba: &[u8], w: usize, h: usize, path: &Path) -> Result<(), String> {
    let location = path.to_str().ok_or("non-UTF-8 output path")?;
    run_pipeline(
        &format!(
            "appsrc name=src format=time caps=video/x-raw,format=RGBA,width={w},height={h},\
             framerate=1/1 ! pngenc ! filesink location=\"{location}\""
        ),
        vec![rgba.to_vec()],
    )
    .map(|_| ())
}

/// A `CROP`×`CROP` piece of an RGBA image centred on (`cx`, `cy`), enlarged `ZOOM`×
/// with nearest-neighbour sampling.
fn enlarge(rgba: &[u8], w: usize, h: usize, cx: usize, cy: usize) -> Vec<u8> {
    let x0 = cx.saturating_sub(CROP / 2).min(w - CROP);
    let y0 = cy.saturating_sub(CROP / 2).min(h - CROP);
    let size = CROP * ZOOM;
    let mut out = vec![0u8; size * size * 4];
    for y in 0..size {
        for x in 0..size {
            let src = ((y0 + y / ZOOM) * w + x0 + x / ZOOM) * 4;
            out[(y * size + x) * 4..][..4].copy_from_slice(&rgba[src..src + 4]);
        }
    }
    out
}

fn blit(dst: &mut [u8], dw: usize, src: &[u8], size: usize, left: usize, top: usize) {
    for y in 0..size {
        let d = ((top + y) * dw + left) * 4;
        dst[d..d + size * 4].copy_from_slice(&src[y * size * 4..(y + 1) * size * 4]);
    }
}

/// A few defects to enlarge: one of each kind where possible, the most visible first,
/// apart from each other and from the frame's edges.
fn pick_crops(
    set: &SimDefectSet,
    clean: &[u8],
    before: &[u8],
    format: &FrameFormat,
) -> Vec<(usize, usize, &'static str)> {
    let (Ok(c), Ok(b)) = (format.view(clean), format.view(before)) else {
        return Vec::new();
    };
    // Visibility: how far the defect is from the true value, against how much the
    // clean picture varies among the pixel's same-colour neighbours.
    let texture = |x: usize, y: usize| -> u32 {
        let v = c.get(x, y);
        [(2isize, 0isize), (-2, 0), (0, 2), (0, -2)]
            .iter()
            .map(|&(dx, dy)| {
                let (nx, ny) = (x.wrapping_add_signed(dx), y.wrapping_add_signed(dy));
                u32::from(c.get(nx, ny).abs_diff(v))
            })
            .max()
            .unwrap_or(0)
    };
    let mut candidates: Vec<(u32, usize, usize, &'static str)> = set
        .layout()
        .defects()
        .iter()
        .filter(|d| {
            let (x, y) = (d.x as usize, d.y as usize);
            x >= CROP && y >= CROP && x + CROP < format.width && y + CROP < format.height
        })
        .map(|d| {
            let (x, y) = (d.x as usize, d.y as usize);
            let what = match (d.class, d.fault) {
                (Class::Pair, _) => "a same-colour pair",
                (Class::Cluster, _) => "a cluster",
                (_, Fault::Hot) => "a hot pixel",
                (_, Fault::Dead) => "a dead pixel",
                (_, Fault::Stuck(_)) => "a stuck pixel",
                (_, Fault::Weak(_)) => "a weak pixel",
            };
            let diff = u32::from(c.get(x, y).abs_diff(b.get(x, y)));
            (diff * 100 / (10 + texture(x, y)), x, y, what)
        })
        .filter(|&(visibility, ..)| visibility >= 150)
        .collect();
    candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
    let mut picked: Vec<(usize, usize, &'static str)> = Vec::new();
    // First pass one per kind, second pass fill up with the most visible.
    for pass in 0..2 {
        for &(_, x, y, what) in &candidates {
            if picked.len() == CROPS {
                break;
            }
            let near = picked
                .iter()
                .any(|&(px, py, _)| px.abs_diff(x) < 3 * CROP && py.abs_diff(y) < 3 * CROP);
            let seen = picked.iter().any(|&(_, _, k)| k == what);
            if !near && (pass == 1 || !seen) {
                picked.push((x, y, what));
            }
        }
    }
    picked
}

/// Hash of a lattice point to [0, 1).
fn hash01(x: i64, y: i64, salt: u64) -> f32 {
    let h = sim::mix64((x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (y as u64) ^ salt << 40);
    (h >> 40) as f32 / (1u64 << 24) as f32
}

/// Smooth value noise at (x, y) in lattice units.
fn value_noise(x: f32, y: f32, salt: u64) -> f32 {
    let (xi, yi) = (x.floor(), y.floor());
    let (fx, fy) = (x - xi, y - yi);
    let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
    let (xi, yi) = (xi as i64, yi as i64);
    let a = hash01(xi, yi, salt);
    let b = hash01(xi + 1, yi, salt);
    let c = hash01(xi, yi + 1, salt);
    let d = hash01(xi + 1, yi + 1, salt);
    let top = a + (b - a) * sx;
    let bottom = c + (d - c) * sx;
    top + (bottom - top) * sy
}

/// Fractal noise: four octaves of value noise, in [0, 1).
fn fbm(x: f32, y: f32, salt: u64) -> f32 {
    let (mut sum, mut amp, mut freq, mut norm) = (0.0, 0.5, 1.0, 0.0);
    for octave in 0..4 {
        sum += amp * value_noise(x * freq, y * freq, salt + octave);
        norm += amp;
        amp *= 0.5;
        freq *= 2.0;
    }
    sum / norm
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// How far the camera pans per frame, pixels (the scene moves the other way).
const PAN_X: f32 = 0.6;
const PAN_Y: f32 = 0.25;
/// Stars: at most one per cell of this many pixels.
const STAR_CELL: f32 = 14.0;

/// The resolution chart's rectangle in the scene (left, top, width, height; picture
/// heights), drawn over the sky and its stars.
const CHART: (f32, f32, f32, f32) = (0.06, 0.06, 0.42, 0.36);

/// Whether scene position (`u`, `v`) (picture heights) lies on the resolution chart.
fn in_chart(u: f32, v: f32) -> bool {
    let (x0, y0, w, h) = CHART;
    (x0..x0 + w).contains(&u) && (y0..y0 + h).contains(&v)
}

/// Where frame `t`'s pixel (0, 0) lies in the scene, pixels.
fn camera(t: usize) -> (f32, f32) {
    (PAN_X * t as f32, PAN_Y * t as f32)
}

/// The star of the scene's cell (`cx`, `cy`), if it has one: its centre in scene pixels
/// and its brightness.
fn star(cx: i64, cy: i64) -> Option<(f32, f32, f32)> {
    (hash01(cx, cy, 5) < 0.35).then(|| {
        (
            cx as f32 * STAR_CELL + 2.0 + 10.0 * hash01(cx, cy, 6),
            cy as f32 * STAR_CELL + 2.0 + 10.0 * hash01(cx, cy, 7),
            0.3 + 0.7 * hash01(cx, cy, 8),
        )
    })
}

/// Pixels from its centre within which a star is drawn (its light there is below half a
/// level of 8-bit data).
const STAR_REACH: f32 = 5.0;

/// The star cells that scene coordinates `lo..=hi` (pixels, along one axis) cross.
fn star_cells(lo: f32, hi: f32) -> std::ops::RangeInclusive<i64> {
    (lo / STAR_CELL).floor() as i64..=(hi / STAR_CELL).floor() as i64
}

/// The star of cell (`cx`, `cy`) if it has one and its centre lies high enough in the sky
/// (`s`: pixels per picture height), off the resolution chart.
fn star_in_sky(cx: i64, cy: i64, s: f32) -> Option<(f32, f32, f32)> {
    star(cx, cy).filter(|&(px, py, _)| {
        let (u, v) = (px / s, py / s);
        sky(u, v).is_some_and(|t| t < 0.45) && !in_chart(u, v)
    })
}

/// Whether scene position (`u`, `v`) (in picture heights) is high enough in the sky for
/// stars, and the sky's gradient parameter there.
fn sky(u: f32, v: f32) -> Option<f32> {
    let ridge = ridge(u);
    (v < ridge).then(|| (v / ridge).powf(1.6))
}

/// Height of the mountain ridge at `u` (picture heights from the top).
fn ridge(u: f32) -> f32 {
    0.52 + 0.06 * (u * 5.0).sin()
        + 0.03 * (u * 13.0 + 1.0).sin()
        + 0.12 * (fbm(u * 3.0, 0.0, 11) - 0.5)
}

/// A detailed picture in display RGB (0 to 1) as frame `t` sees it: an evening sky with
/// stars, a sun, a mountain range with rock texture and snow, grass in front, and a
/// resolution chart (bar groups of 4 to 12 pixel periods and a zone plate); a little
/// sensor noise, new in every frame.
fn scene(w: usize, h: usize, t: usize) -> Vec<[f32; 3]> {
    let mut img = vec![[0.0f32; 3]; w * h];
    let s = h as f32; // one scene unit = the picture height
    let (ox, oy) = camera(t);
    for y in 0..h {
        for x in 0..w {
            let (sx, sy) = (x as f32 + ox, y as f32 + oy);
            let (u, v) = (sx / s, sy / s);
            let ridge = ridge(u);
            let ground = 0.78 + 0.02 * (u * 9.0).sin();
            let mut c = if v < ridge {
                // Sky: deep blue at the top to warm orange at the ridge, with thin clouds.
                let t = sky(u, v).unwrap_or(1.0);
                let mut c = mix([0.04, 0.07, 0.25], [0.95, 0.55, 0.30], t);
                let cloud = (fbm(u * 2.5, v * 14.0, 3) - 0.55).max(0.0) * 1.6;
                c = mix(c, [0.95, 0.85, 0.80], cloud.min(0.6));
                let (dx, dy) = (u - 1.25, v - 0.38);
                let sun = (-(dx * dx + dy * dy) / 0.002).exp();
                c = mix(c, [1.0, 0.93, 0.75], sun.min(1.0));
                // Stars: at most one per cell, a small Gaussian spot, whole wherever it
                // lies (its light crosses cell borders and the line below which no star
                // is placed, as a lens spreads it).
                for cy in star_cells(sy - STAR_REACH, sy + STAR_REACH) {
                    for cx in star_cells(sx - STAR_REACH, sx + STAR_REACH) {
                        if let Some((px, py, b)) = star_in_sky(cx, cy, s) {
                            let d2 = (sx - px).powi(2) + (sy - py).powi(2);
                            c = mix(c, [0.95, 0.95, 1.0], b * (-d2 / 2.4).exp());
                        }
                    }
                }
                c
            } else if v < ground {
                // Rock: textured, shaded by depth below the ridge, snow near the top.
                let depth = (v - ridge) / (ground - ridge).max(1e-3);
                let tex = fbm(sx / 6.0, sy / 3.0, 21);
                let fine = value_noise(sx / 1.7, sy / 1.7, 22);
                let rock = [0.42, 0.36, 0.33];
                let shade = 0.45 + 0.55 * tex + 0.15 * (fine - 0.5);
                let mut c = [rock[0] * shade, rock[1] * shade, rock[2] * shade * 1.05];
                let snow = ((0.18 - depth) * 8.0 + (tex - 0.5) * 2.0).clamp(0.0, 1.0);
                c = mix(c, [0.92, 0.93, 0.97], snow);
                mix(c, [0.25, 0.27, 0.35], 0.35 * depth)
            } else {
                // Grass: blades as vertical streaks of high-frequency noise.
                let blades = fbm(sx / 1.3, sy / 9.0, 31);
                let patches = fbm(u * 6.0, v * 6.0, 32);
                let g = 0.25 + 0.85 * blades * (0.6 + 0.6 * patches);
                [0.18 * g, 0.52 * g, 0.12 * g + 0.03]
            };
            // Resolution chart on the left.
            let (px0, py0, pw, ph) = CHART;
            if in_chart(u, v) {
                let (lx, ly) = (sx - px0 * s, sy - py0 * s);
                let (cw, ch) = (pw * s, ph * s);
                c = if ly < ch * 0.5 {
                    // Five groups of bars, periods 4, 5, 6, 8 and 12 pixels.
                    let group = ((lx / cw) * 5.0) as usize;
                    let period = [4.0, 5.0, 6.0, 8.0, 12.0][group.min(4)];
                    let on = (lx / period).fract() < 0.5;
                    let horizontal = ly > ch * 0.25;
                    let on = if horizontal {
                        (ly / period).fract() < 0.5
                    } else {
                        on
                    };
                    if on {
                        [0.85, 0.82, 0.78]
                    } else {
                        [0.12, 0.12, 0.14]
                    }
                } else {
                    let (zx, zy) = (lx - cw * 0.5, ly - ch * 0.75);
                    let r2 = zx * zx + zy * zy;
                    // Local period 2.2·ch/r pixels: about 3.5 at the corners.
                    let z = 0.5 + 0.42 * (r2 * std::f32::consts::PI / (ch * 2.2)).cos();
                    [z, z * 0.97, z * 0.92]
                };
            }
            // A little sensor noise, new in every frame.
            let n = (hash01(x as i64, y as i64, 99 + t as u64) - 0.5) * 0.012;
            img[y * w + x] = [c[0] + n, c[1] + n, c[2] + n];
        }
    }
    img
}

/// The scene as an 8-bit RGGB Bayer frame at the default stride.
fn mosaic(img: &[[f32; 3]], format: &FrameFormat) -> Vec<u8> {
    let stride = format.default_stride();
    let mut data = vec![0u8; format.default_size()];
    if let Ok(mut frame) = PlaneMut::new(&mut data, format.plane(), stride) {
        for y in 0..format.height {
            for x in 0..format.width {
                let c = img[y * format.width + x];
                let channel = match (y & 1, x & 1) {
                    (0, 0) => 0,
                    (1, 1) => 2,
                    _ => 1,
                };
                let v = (c[channel].clamp(0.0, 1.0) * 255.0).round() as u16;
                frame.set(x, y, v);
            }
        }
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_well_formed() {
        Args::command().debug_assert();
        let a = Args::parse_from(["demo"]);
        assert_eq!(
            (a.out, a.size, a.seed, a.frames),
            ("out".into(), (1280, 720), 1, 30)
        );
        assert_eq!((a.density, a.kinds), (5e-4, Kinds::DEFAULT));
        let a = Args::parse_from([
            "demo",
            "--size",
            "1920x1080",
            "--density",
            "0.001",
            "--seed",
            "7",
            "--kinds",
            "hot+dead+column",
            "--frames",
            "5",
            "--out",
            "dir",
        ]);
        assert_eq!(
            (a.size, a.density, a.seed, a.frames),
            ((1920, 1080), 0.001, 7, 5)
        );
        assert_eq!(a.kinds, Kinds::HOT.union(Kinds::DEAD).union(Kinds::COLUMN));
        for bad in [
            ["--size", "32x32"],
            ["--density", "0.5"],
            ["--frames", "0"],
            ["--kinds", "blue"],
        ] {
            assert!(
                Args::try_parse_from(["demo", bad[0], bad[1]]).is_err(),
                "{bad:?}"
            );
        }
    }
}
