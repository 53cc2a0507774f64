//! The real frames of the shared data set (`../shared/data/raw`): where each one is, its
//! size, colour pattern, depth and levels, and how to read a headerless raw file.

use std::path::Path;

use gstdefectfix::frame::FrameFormat;

/// Black and white level of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Levels {
    /// The value a pixel with no light reads.
    pub black: u16,
    /// The largest value a pixel reads (the clip).
    pub white: u16,
}

impl Levels {
    /// White minus black, at least 1.
    pub fn range(&self) -> f64 {
        f64::from(self.white.saturating_sub(self.black).max(1))
    }
}

/// A real frame of `../shared/data/raw/natural` (or elsewhere) and how to read it.
#[derive(Clone, Copy, Debug)]
pub struct RawFrame {
    /// Path relative to the raw data directory.
    pub path: &'static str,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `video/x-bayer` format name (depth and pattern).
    pub format: &'static str,
    /// The frame's real black and white levels.
    pub levels: Levels,
}

/// One row of a frame table: path, size, format name, black and white level.
const fn raw(
    path: &'static str,
    width: usize,
    height: usize,
    format: &'static str,
    black: u16,
    white: u16,
) -> RawFrame {
    RawFrame {
        path,
        width,
        height,
        format,
        levels: Levels { black, white },
    }
}

/// The natural frames of the shared data set with their real depth, pattern and levels.
#[rustfmt::skip]
pub const NATURAL: &[RawFrame] = &[
    raw("natural/infiniteisp_Indoor1_2592x1536_8bit_GRBG.raw", 2592, 1536, "grbg", 12, 255),
    raw("natural/infiniteisp_Outdoor1_2592x1536_8bit_GRBG.raw", 2592, 1536, "grbg", 12, 255),
    raw("natural/infiniteisp_Outdoor2_2592x1536_8bit_GRBG.raw", 2592, 1536, "grbg", 12, 255),
    raw("natural/infiniteisp_Outdoor3_2592x1536_8bit_GRBG.raw", 2592, 1536, "grbg", 12, 255),
    raw("natural/infiniteisp_Outdoor4_2592x1536_8bit_GRBG.raw", 2592, 1536, "grbg", 12, 255),
    raw("natural/openisp_test_1920x1080_10bit_RGGB.raw", 1920, 1080, "rggb10le", 0, 1023),
    raw("natural/halide_bayer_small_256x344_10bit_GRBG.raw", 256, 344, "grbg10le", 25, 1023),
    raw("natural/mushfiqulalam_DSC_1339_768x512_14bit_RGGB.raw", 768, 512, "rggb14le", 600, 15520),
    raw("natural/canon550d_colorchart_1888x1182_14bit_RGGB.raw", 1888, 1182, "rggb14le", 2056, 15000),
];

impl RawFrame {
    /// The frame's format, `None` when its format name does not parse.
    pub fn frame_format(&self) -> Option<FrameFormat> {
        FrameFormat::parse(
            "video/x-bayer",
            self.format,
            self.width as i64,
            self.height as i64,
        )
        .ok()
    }

    /// Reads the frame's values from `dir` (headerless u8 or u16 LE).
    pub fn read(&self, dir: &Path) -> std::io::Result<Vec<u16>> {
        read_raw(
            &dir.join(self.path),
            self.width,
            self.height,
            self.format.len() > 4,
        )
    }

    /// Short name for tables.
    pub fn name(&self) -> &'static str {
        let file = self.path.rsplit('/').next().unwrap_or(self.path);
        file.split('_').take(2).last().unwrap_or(file)
    }
}

/// Reads a headerless raw file of `width × height` samples (u16 LE when `wide`).
pub fn read_raw(path: &Path, width: usize, height: usize, wide: bool) -> std::io::Result<Vec<u16>> {
    let data = std::fs::read(path)?;
    let n = width * height;
    let values: Vec<u16> = if wide {
        data.chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect()
    } else {
        data.iter().map(|&b| u16::from(b)).collect()
    };
    if values.len() < n {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("{}: {} samples, {} needed", path.display(), values.len(), n),
        ));
    }
    Ok(values[..n].to_vec())
}
