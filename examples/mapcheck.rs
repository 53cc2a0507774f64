//! Checks a defect map file: parses it, places it on a frame and prints what it covers.
//!
//! ```text
//! cargo run --release --example mapcheck -- cam.map 1920 1080 [OFFSET_X OFFSET_Y]
//! ```
//!
//! Exits with status 1 and the file:line message when the map is malformed.

use std::process::ExitCode;
use std::time::Instant;

use gstdefectfix::defect_map::{DefectMap, Entry};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: i64| {
        args.get(i)
            .and_then(|a| a.parse::<i64>().ok())
            .unwrap_or(default)
    };
    let Some(path) = args.first() else {
        eprintln!("usage: mapcheck MAP WIDTH HEIGHT [OFFSET_X OFFSET_Y]");
        return ExitCode::from(2);
    };
    let (width, height) = (number(1, 1920), number(2, 1080));
    let (Ok(width), Ok(height)) = (u32::try_from(width), u32::try_from(height)) else {
        eprintln!("width and height must be positive");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let map = match DefectMap::load(std::path::Path::new(path)) {
        Ok(map) => map,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let loaded = start.elapsed();
    let placed = map.resolve(width, height, number(3, 0), number(4, 0));
    let (mut pixels, mut rows, mut cols, mut rects) = (0, 0, 0, 0);
    for e in map.entries() {
        match e {
            Entry::Pixel { .. } => pixels += 1,
            Entry::Row { .. } => rows += 1,
            Entry::Column { .. } => cols += 1,
            Entry::Rect { .. } => rects += 1,
        }
    }
    println!(
        "{path}: {} entries ({pixels} pixels, {rows} rows, {cols} columns, {rects} rectangles)",
        map.len()
    );
    println!(
        "on a {width}x{height} frame: {} distinct pixels, {} entries outside the frame",
        placed.pixels.len(),
        placed.outside
    );
    println!(
        "loaded in {:.3} s, placed in {:.3} s",
        loaded.as_secs_f64(),
        (start.elapsed() - loaded).as_secs_f64()
    );
    ExitCode::SUCCESS
}
