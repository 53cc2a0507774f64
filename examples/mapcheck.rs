//! Checks a defect map file: parses it, places it on a frame and prints what it covers.
//!
//! ```text
//! cargo run --release --example mapcheck -- cam.map 1920 1080 [OFFSET_X OFFSET_Y]
//! ```
//!
//! Exits with status 1 and the file:line message when the map is malformed.

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use gstdefectfix::defect_map::{DefectMap, Entry};

/// Checks a defect map file: parses it, places it on a frame and prints what it covers.
#[derive(Parser, Debug)]
#[command(name = "mapcheck", allow_negative_numbers = true)]
struct Command {
    /// The defect map file
    map: String,
    /// Frame width
    #[arg(default_value_t = 1920)]
    width: u32,
    /// Frame height
    #[arg(default_value_t = 1080)]
    height: u32,
    /// Horizontal offset of the frame on the sensor
    #[arg(default_value_t = 0)]
    offset_x: i64,
    /// Vertical offset of the frame on the sensor
    #[arg(default_value_t = 0)]
    offset_y: i64,
}

fn main() -> ExitCode {
    let Command {
        map: path,
        width,
        height,
        offset_x,
        offset_y,
    } = Command::parse();
    let start = Instant::now();
    let map = match DefectMap::load(std::path::Path::new(&path)) {
        Ok(map) => map,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let loaded = start.elapsed();
    let placed = map.resolve(width, height, offset_x, offset_y);
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_well_formed() {
        Command::command().debug_assert();
        let c = Command::parse_from(["mapcheck", "big.map", "7680", "4320", "-8", "4"]);
        assert_eq!(c.map, "big.map");
        assert_eq!(
            (c.width, c.height, c.offset_x, c.offset_y),
            (7680, 4320, -8, 4)
        );
        let c = Command::parse_from(["mapcheck", "cam.map"]);
        assert_eq!(
            (c.width, c.height, c.offset_x, c.offset_y),
            (1920, 1080, 0, 0)
        );
        assert!(Command::try_parse_from(["mapcheck"]).is_err());
        assert!(Command::try_parse_from(["mapcheck", "cam.map", "-1920", "1080"]).is_err());
    }
}
