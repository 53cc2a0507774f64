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

/// The natural frames of the shared data set with their real depth, pattern and levels.
pub const NATURAL: &[RawFrame] = &[
    RawFrame {
        path: "natural/infiniteisp_Indoor1_2592x1536_8bit_GRBG.raw",
        width: 2592,
        height: 1536,
        format: "grbg",
        levels: Levels {
            black: 12,
            white: 255,
        },
    },
    RawFrame {
        path: "natural/infiniteisp_Outdoor1_2592x1536_8bit_GRBG.raw",
        width: 2592,
        height: 1536,
        format: "grbg",
        levels: Levels {
            black: 12,
            white: 255,
        },
    },
    RawFrame {
        path: "natural/infiniteisp_Outdoor2_2592x1536_8bit_GRBG.raw",
        width: 2592,
        height: 1536,
        format: "grbg",
        levels: Levels {
            black: 12,
            white: 255,
        },
    },
    RawFrame {
        path: "natural/infiniteisp_Outdoor3_2592x1536_8bit_GRBG.raw",
        width: 2592,
        height: 1536,
        format: "grbg",
        levels: Levels {
            black: 12,
            white: 255,
        },
    },
    RawFrame {
        path: "natural/infiniteisp_Outdoor4_2592x1536_8bit_GRBG.raw",
        width: 2592,
        height: 1536,
        format: "grbg",
        levels: Levels {
            black: 12,
            white: 255,
        },
    },
    RawFrame {
        path: "natural/openisp_test_1920x1080_10bit_RGGB.raw",
        width: 1920,
        height: 1080,
        format: "rggb10le",
        levels: Levels {
            black: 0,
            white: 1023,
        },
    },
    RawFrame {
        path: "natural/halide_bayer_small_256x344_10bit_GRBG.raw",
        width: 256,
        height: 344,
        format: "grbg10le",
        levels: Levels {
            black: 25,
            white: 1023,
        },
    },
    RawFrame {
        path: "natural/mushfiqulalam_DSC_1339_768x512_14bit_RGGB.raw",
        width: 768,
        height: 512,
        format: "rggb14le",
        levels: Levels {
            black: 600,
            white: 15520,
        },
    },
    RawFrame {
        path: "natural/canon550d_colorchart_1888x1182_14bit_RGGB.raw",
        width: 1888,
        height: 1182,
        format: "rggb14le",
        levels: Levels {
            black: 2056,
            white: 15000,
        },
    },
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
