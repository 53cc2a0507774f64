//! Sensor frames: raw Bayer (`video/x-bayer`) and monochrome (`GRAY*` `video/x-raw`)
//! caps, one memory plane of 8- or 16-bit samples with a colour filter pattern.
//!
//! [`FrameFormat`] is the caps-level layout: the media type (which sets the default
//! stride), the pattern, the sample encoding and the size. The algorithms never see it:
//! they take the frame's one [`Plane`] ([`FrameFormat::plane`]) and views of it,
//! [`FrameFormat::view`] and [`FrameFormat::view_mut`] ([`PlaneRef`], [`PlaneMut`]).
//!
//! Nothing here knows GStreamer types: the element hands over the caps' strings.

use std::fmt;

use super::plane::{PlaneMut, PlaneRef};
use super::sample::SampleEncoding;
use super::{Plane, Sampling};

/// Colour filter array pattern, named by the 2×2 block at row 0, column 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cfa {
    Bggr,
    Gbrg,
    Grbg,
    Rggb,
    /// A monochrome sensor: every pixel samples the same colour.
    Mono,
}

/// The colour a photosite samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    Red,
    Green,
    Blue,
    Luma,
}

impl Cfa {
    /// Colour sampled at column `x`, row `y`.
    #[inline]
    pub fn channel(self, x: usize, y: usize) -> Channel {
        // Index of the site inside the 2×2 block: 0 = top-left, 1 = top-right,
        // 2 = bottom-left, 3 = bottom-right.
        let site = (y & 1) * 2 + (x & 1);
        let block = match self {
            Cfa::Mono => return Channel::Luma,
            Cfa::Bggr => [Channel::Blue, Channel::Green, Channel::Green, Channel::Red],
            Cfa::Gbrg => [Channel::Green, Channel::Blue, Channel::Red, Channel::Green],
            Cfa::Grbg => [Channel::Green, Channel::Red, Channel::Blue, Channel::Green],
            Cfa::Rggb => [Channel::Red, Channel::Green, Channel::Green, Channel::Blue],
        };
        block[site]
    }

    /// Distance between horizontally or vertically adjacent same-colour pixels.
    #[inline]
    pub fn pitch(self) -> usize {
        if self == Cfa::Mono { 1 } else { 2 }
    }

    /// Index 0..4 of a channel for per-channel statistics (the two greens of a Bayer
    /// block are kept apart: they often differ slightly in gain).
    #[inline]
    pub fn plane_index(self, x: usize, y: usize) -> usize {
        if self == Cfa::Mono {
            0
        } else {
            (y & 1) * 2 + (x & 1)
        }
    }

    /// Number of distinct sample planes (4 for Bayer, 1 for mono).
    pub fn planes(self) -> usize {
        if self == Cfa::Mono { 1 } else { 4 }
    }
}

/// Media type of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Media {
    /// `video/x-bayer`: stride rule `round_up_4(width) * bytes_per_sample`.
    Bayer,
    /// `video/x-raw`: stride rule `round_up_4(width * bytes_per_sample)`.
    Raw,
}

/// Bayer format names, 8-bit then 10/12/14/16-bit in both byte orders.
pub const BAYER_FORMATS: &[&str] = &[
    "bggr", "gbrg", "grbg", "rggb", "bggr10le", "gbrg10le", "grbg10le", "rggb10le", "bggr10be",
    "gbrg10be", "grbg10be", "rggb10be", "bggr12le", "gbrg12le", "grbg12le", "rggb12le", "bggr12be",
    "gbrg12be", "grbg12be", "rggb12be", "bggr14le", "gbrg14le", "grbg14le", "rggb14le", "bggr14be",
    "gbrg14be", "grbg14be", "rggb14be", "bggr16le", "gbrg16le", "grbg16le", "rggb16le", "bggr16be",
    "gbrg16be", "grbg16be", "rggb16be",
];

/// Monochrome `video/x-raw` format names.
pub const GRAY_FORMATS: &[&str] = &["GRAY8", "GRAY16_LE", "GRAY16_BE"];

/// Why caps could not be turned into a [`FrameFormat`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    Unsupported(String),
    BadSize {
        width: i64,
        height: i64,
    },
    /// The buffer holds fewer bytes than one frame needs.
    ShortBuffer {
        size: usize,
        needed: usize,
    },
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Unsupported(s) => write!(f, "unsupported format '{s}'"),
            FormatError::BadSize { width, height } => {
                write!(f, "invalid frame size {width}x{height}")
            }
            FormatError::ShortBuffer { size, needed } => write!(
                f,
                "buffer of {size} bytes is shorter than the {needed} bytes one frame needs"
            ),
        }
    }
}

impl std::error::Error for FormatError {}

/// The layout of a sensor stream's frames, as its caps say: media type, colour filter
/// pattern, sample encoding, depth and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameFormat {
    pub media: Media,
    pub cfa: Cfa,
    pub sample: SampleEncoding,
    /// Significant bits per sample (values sit in the low bits).
    pub depth: u8,
    pub width: usize,
    pub height: usize,
}

impl FrameFormat {
    /// Parses a media type (`video/x-bayer` or `video/x-raw`), a format name and a size.
    pub fn parse(media: &str, format: &str, width: i64, height: i64) -> Result<Self, FormatError> {
        if width < 1 || height < 1 || width > (1 << 20) || height > (1 << 20) {
            return Err(FormatError::BadSize { width, height });
        }
        let unsupported = || FormatError::Unsupported(format!("{media}, format={format}"));
        let (media, cfa, sample, depth) = match media {
            "video/x-bayer" => {
                let cfa = match format.get(..4) {
                    Some("bggr") => Cfa::Bggr,
                    Some("gbrg") => Cfa::Gbrg,
                    Some("grbg") => Cfa::Grbg,
                    Some("rggb") => Cfa::Rggb,
                    _ => return Err(unsupported()),
                };
                let rest = &format[4..];
                let (sample, depth) = if rest.is_empty() {
                    (SampleEncoding::U8, 8)
                } else {
                    let (digits, order) = rest.split_at(rest.len().saturating_sub(2));
                    let sample = match order {
                        "le" => SampleEncoding::U16Le,
                        "be" => SampleEncoding::U16Be,
                        _ => return Err(unsupported()),
                    };
                    match digits {
                        "10" | "12" | "14" | "16" => {}
                        _ => return Err(unsupported()),
                    }
                    let depth: u8 = digits.parse().map_err(|_| unsupported())?;
                    (sample, depth)
                };
                (Media::Bayer, cfa, sample, depth)
            }
            "video/x-raw" => match format {
                "GRAY8" => (Media::Raw, Cfa::Mono, SampleEncoding::U8, 8),
                "GRAY16_LE" => (Media::Raw, Cfa::Mono, SampleEncoding::U16Le, 16),
                "GRAY16_BE" => (Media::Raw, Cfa::Mono, SampleEncoding::U16Be, 16),
                _ => return Err(unsupported()),
            },
            _ => return Err(unsupported()),
        };
        Ok(FrameFormat {
            media,
            cfa,
            sample,
            depth,
            width: width as usize,
            height: height as usize,
        })
    }

    /// The frame's one plane: a Bayer plane of the pattern, or a mono plane.
    pub fn plane(&self) -> Plane {
        Plane {
            sampling: match self.cfa {
                Cfa::Mono => Sampling::Mono,
                cfa => Sampling::Bayer(cfa),
            },
            encoding: self.sample,
            width: self.width,
            height: self.height,
            depth: self.depth,
        }
    }

    /// A view of a frame of this format in `data`, at the stride that the buffer size
    /// implies ([`FrameFormat::stride_for_size`]).
    pub fn view<'a>(&self, data: &'a [u8]) -> Result<PlaneRef<'a>, FormatError> {
        let stride = self.stride_for_size(data.len())?;
        PlaneRef::new(data, self.plane(), stride)
    }

    /// A writable view of a frame of this format in `data`, at the stride that the
    /// buffer size implies ([`FrameFormat::stride_for_size`]).
    pub fn view_mut<'a>(&self, data: &'a mut [u8]) -> Result<PlaneMut<'a>, FormatError> {
        let stride = self.stride_for_size(data.len())?;
        PlaneMut::new(data, self.plane(), stride)
    }

    /// Bytes of one sample.
    pub fn bytes_per_sample(&self) -> usize {
        self.sample.bytes()
    }

    /// Bytes of pixel data in one row (without padding).
    pub fn row_bytes(&self) -> usize {
        self.width * self.bytes_per_sample()
    }

    /// Largest sample value.
    pub fn max_value(&self) -> u16 {
        ((1u32 << self.depth) - 1) as u16
    }

    /// The stride GStreamer uses for this media type when nothing says otherwise.
    pub fn default_stride(&self) -> usize {
        match self.media {
            Media::Bayer => self.width.next_multiple_of(4) * self.bytes_per_sample(),
            Media::Raw => self.row_bytes().next_multiple_of(4),
        }
    }

    /// Bytes of a frame at the default stride.
    pub fn default_size(&self) -> usize {
        self.default_stride() * self.height
    }

    /// The stride of a buffer of `size` bytes: the default one when the buffer is at
    /// least that large, else `size / height` when that divides evenly and holds a row
    /// (tightly packed frames, e.g. raw files read with `blocksize` = frame size).
    pub fn stride_for_size(&self, size: usize) -> Result<usize, FormatError> {
        let stride = self.default_stride();
        if size == stride * self.height {
            return Ok(stride);
        }
        if size.is_multiple_of(self.height) && size / self.height >= self.row_bytes() {
            return Ok(size / self.height);
        }
        let needed = stride * (self.height - 1) + self.row_bytes();
        if size >= needed {
            return Ok(stride);
        }
        Err(FormatError::ShortBuffer {
            size,
            needed: self.default_size(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_bayer_format() {
        for name in BAYER_FORMATS {
            let f = FrameFormat::parse("video/x-bayer", name, 7, 5).unwrap();
            assert_eq!(f.media, Media::Bayer);
            if name.len() == 4 {
                assert_eq!((f.sample, f.depth), (SampleEncoding::U8, 8));
                assert_eq!(f.default_stride(), 8);
            } else {
                assert_eq!(f.depth.to_string(), name[4..6]);
                assert_eq!(
                    f.sample,
                    if name.ends_with("le") {
                        SampleEncoding::U16Le
                    } else {
                        SampleEncoding::U16Be
                    }
                );
                assert_eq!(f.default_stride(), 16);
            }
        }
        assert!(FrameFormat::parse("video/x-bayer", "rggb11le", 4, 4).is_err());
        assert!(FrameFormat::parse("video/x-bayer", "xyzw", 4, 4).is_err());
        assert!(FrameFormat::parse("video/x-bayer", "rggb16", 4, 4).is_err());
    }

    #[test]
    fn gray_formats_use_video_raw_stride() {
        let f = FrameFormat::parse("video/x-raw", "GRAY16_BE", 5, 3).unwrap();
        assert_eq!(
            (f.cfa, f.sample, f.depth),
            (Cfa::Mono, SampleEncoding::U16Be, 16)
        );
        assert_eq!(f.default_stride(), 12);
        let b = FrameFormat::parse("video/x-bayer", "rggb16be", 5, 3).unwrap();
        assert_eq!(b.default_stride(), 16);
        assert!(FrameFormat::parse("video/x-raw", "I420", 4, 4).is_err());
    }

    #[test]
    fn channels_follow_the_pattern() {
        use Channel::*;
        let at = |cfa: Cfa| {
            [
                cfa.channel(0, 0),
                cfa.channel(1, 0),
                cfa.channel(0, 1),
                cfa.channel(1, 1),
            ]
        };
        assert_eq!(at(Cfa::Rggb), [Red, Green, Green, Blue]);
        assert_eq!(at(Cfa::Bggr), [Blue, Green, Green, Red]);
        assert_eq!(at(Cfa::Grbg), [Green, Red, Blue, Green]);
        assert_eq!(at(Cfa::Gbrg), [Green, Blue, Red, Green]);
        assert_eq!(Cfa::Rggb.channel(4, 6), Red);
        assert_eq!(Cfa::Mono.channel(3, 1), Luma);
    }

    #[test]
    fn stride_follows_buffer_size() {
        let f = FrameFormat::parse("video/x-bayer", "grbg", 5, 4).unwrap();
        assert_eq!(f.stride_for_size(32), Ok(8));
        assert_eq!(f.stride_for_size(20), Ok(5)); // tightly packed
        assert_eq!(f.stride_for_size(40), Ok(10)); // larger padding
        assert_eq!(f.stride_for_size(30), Ok(8)); // trailing bytes after the last row
        assert_eq!(
            f.stride_for_size(19),
            Err(FormatError::ShortBuffer {
                size: 19,
                needed: 32
            })
        );
        assert!(FrameFormat::parse("video/x-bayer", "grbg", 0, 4).is_err());
    }
}
