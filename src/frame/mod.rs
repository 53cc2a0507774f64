//! The frame model: a frame is a set of planes, each with a sampling pattern and a
//! sample encoding.
//!
//! - The **sampling pattern** ([`Sampling`]) says what each sample of a plane holds: a
//!   colour filter site of a Bayer pattern, the one colour of a monochrome sensor, luma,
//!   chroma at its subsampling, or one of R, G, B.
//! - The **sample encoding** ([`SampleEncoding`], [`sample`]) says how a sample is
//!   stored: 8-bit, 16-bit little- or big-endian, 16-bit with the value in the high
//!   bits, or v210's three 10-bit samples per 32-bit word.
//!
//! Caps are layouts of this model, and [`FrameLayout::parse`] is the one entry point
//! from them: raw Bayer and `GRAY*` caps become a [`FrameFormat`] ([`sensor`]: one
//! memory plane, one colour filter pattern), YUV and RGB caps a [`VideoLayout`]
//! ([`video`]: luma and chroma, or R, G, B component planes in up to three memory
//! planes). [`FrameLayout::planes`] describes either one as planes.
//!
//! The Bayer/mono algorithms see planes, not caps: they take a [`Plane`] and strided
//! views of one, [`PlaneRef`] and [`PlaneMut`] ([`plane`]), which read and write its
//! samples as `u16`. A sensor frame is viewed whole ([`FrameFormat::view`]); a video
//! frame's component that fills a memory plane alone with plain samples (the planar
//! formats' components, the luma of the semi-planar 8-bit ones) can be viewed the same
//! way ([`VideoFrame::plane`]), so the same algorithms can run on it. Interleaved and
//! packed components are read and written through [`VideoFrame`] only.
//!
//! Nothing here knows GStreamer types: the element hands over the caps' strings.

pub mod plane;
pub mod sample;
pub mod sensor;
pub mod video;

pub use plane::{PlaneMut, PlaneRef};
pub use sample::{SampleEncoding, SampleIo, U8, U16Be, U16Le};
pub use sensor::{BAYER_FORMATS, Cfa, Channel, FormatError, FrameFormat, GRAY_FORMATS, Media};
pub use video::{
    Component, ComponentKind, LayoutError, VIDEO_FORMATS, VideoFormat, VideoFrame, VideoFrameMut,
    VideoLayout,
};

/// A position on a grid of samples: column `x`, row `y`. A frame pixel (for YUV and RGB
/// frames, a pixel of the luma grid) unless what holds it says it is a sample of one
/// component plane.
///
/// Positions are ordered row-major: by row, then by column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Position {
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
}

impl Position {
    /// Column `x`, row `y`.
    pub const fn new(x: u32, y: u32) -> Self {
        Position { x, y }
    }

    /// The position `dx` columns and `dy` rows away, if neither is negative.
    pub fn offset(self, dx: i32, dy: i32) -> Option<Position> {
        Some(Position {
            x: self.x.checked_add_signed(dx)?,
            y: self.y.checked_add_signed(dy)?,
        })
    }

    /// The sample covering this frame pixel in a plane subsampled by 2^`sx` columns
    /// and 2^`sy` rows.
    pub const fn subsampled(self, sx: u8, sy: u8) -> Position {
        Position {
            x: self.x >> sx,
            y: self.y >> sy,
        }
    }
}

impl Ord for Position {
    /// Row-major: the row first, then the column.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.y.cmp(&other.y).then(self.x.cmp(&other.x))
    }
}

impl PartialOrd for Position {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The 8 neighbours of a pixel, as (dx, dy) steps in row-major order.
pub const NEIGHBOURS: [(isize, isize); 8] = [
    (-1, -1),
    (0, -1),
    (1, -1),
    (-1, 0),
    (1, 0),
    (-1, 1),
    (0, 1),
    (1, 1),
];

/// What the samples of one plane hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sampling {
    /// A Bayer colour filter array: each sample holds the colour its site of the 2×2
    /// pattern filters ([`Cfa::channel`]).
    Bayer(Cfa),
    /// A monochrome sensor: every sample holds the same colour.
    Mono,
    /// Luma (Y') of a YUV frame, at full resolution.
    Luma,
    /// One chroma component (Cb or Cr) of a YUV frame, at its plane's subsampling.
    Chroma(ComponentKind),
    /// One primary (R, G or B) of an RGB frame, at full resolution.
    Primary(ComponentKind),
}

impl Sampling {
    /// Whether the plane belongs to a processed picture (YUV or RGB): demosaicing and
    /// resampling have spread each photosite into its adjacent pixels, as a lens spreads
    /// light, so a point's shape there says nothing of where it came from.
    pub fn is_processed(self) -> bool {
        matches!(
            self,
            Sampling::Luma | Sampling::Chroma(_) | Sampling::Primary(_)
        )
    }
}

/// One plane of a frame, as [`FrameLayout::planes`] describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Plane {
    /// What its samples hold.
    pub sampling: Sampling,
    /// How its samples are stored.
    pub encoding: SampleEncoding,
    /// Samples per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Significant bits per sample.
    pub depth: u8,
}

/// The layout of a stream's frames, from its caps: a sensor frame or a video frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameLayout {
    /// Raw Bayer (`video/x-bayer`) or monochrome (`GRAY*` `video/x-raw`) frames.
    Sensor(FrameFormat),
    /// YUV or RGB `video/x-raw` frames ([`VIDEO_FORMATS`]).
    Video(VideoLayout),
}

impl FrameLayout {
    /// The layout of caps with media type `media`, format name `format` and size
    /// `width`×`height`. Video layouts take GStreamer's default chroma siting
    /// ([`VideoLayout::new`]); the caller sets what the caps' `chroma-site` says.
    pub fn parse(
        media: &str,
        format: &str,
        width: i64,
        height: i64,
    ) -> Result<FrameLayout, FormatError> {
        match VideoFormat::from_name(format) {
            Some(video) if media == "video/x-raw" => VideoLayout::new(video, width, height)
                .map(FrameLayout::Video)
                .map_err(|e| match e {
                    LayoutError::BadSize { width, height } => {
                        FormatError::BadSize { width, height }
                    }
                    e => FormatError::Unsupported(e.to_string()),
                }),
            _ => FrameFormat::parse(media, format, width, height).map(FrameLayout::Sensor),
        }
    }

    /// Frame width and height in pixels.
    pub fn size(&self) -> (usize, usize) {
        match self {
            FrameLayout::Sensor(f) => (f.width, f.height),
            FrameLayout::Video(l) => (l.width, l.height),
        }
    }

    /// The planes of a frame: the one plane of a sensor frame, or the component planes
    /// of a video frame (luma first, or R, G, B).
    pub fn planes(&self) -> Vec<Plane> {
        match self {
            FrameLayout::Sensor(f) => vec![f.plane()],
            FrameLayout::Video(l) => (0..l.components().len()).map(|c| l.plane(c)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_ordered_row_major() {
        let mut v = vec![
            Position::new(5, 1),
            Position::new(0, 2),
            Position::new(9, 0),
            Position::new(1, 1),
        ];
        v.sort();
        assert_eq!(
            v,
            [
                Position::new(9, 0),
                Position::new(1, 1),
                Position::new(5, 1),
                Position::new(0, 2),
            ]
        );
        assert_eq!(Position::new(3, 4).offset(-1, 2), Some(Position::new(2, 6)));
        assert_eq!(Position::new(0, 4).offset(-1, 0), None);
        assert_eq!(Position::new(7, 5).subsampled(1, 1), Position::new(3, 2));
    }

    #[test]
    fn caps_become_planes() {
        let bayer = FrameLayout::parse("video/x-bayer", "grbg12le", 8, 6).unwrap();
        assert_eq!(
            bayer.planes(),
            [Plane {
                sampling: Sampling::Bayer(Cfa::Grbg),
                encoding: SampleEncoding::U16Le,
                width: 8,
                height: 6,
                depth: 12,
            }]
        );
        let gray = FrameLayout::parse("video/x-raw", "GRAY8", 3, 2).unwrap();
        assert_eq!(gray.planes()[0].sampling, Sampling::Mono);
        let v210 = FrameLayout::parse("video/x-raw", "v210", 7, 5).unwrap();
        let planes = v210.planes();
        assert_eq!(planes.len(), 3);
        assert_eq!(planes[0].sampling, Sampling::Luma);
        assert_eq!(planes[1].sampling, Sampling::Chroma(ComponentKind::U));
        assert_eq!((planes[1].width, planes[1].height), (4, 5));
        assert_eq!(
            (planes[2].encoding, planes[2].depth),
            (SampleEncoding::V210, 10)
        );
        let rgb = FrameLayout::parse("video/x-raw", "RGBx", 4, 4).unwrap();
        assert_eq!(
            rgb.planes()[2].sampling,
            Sampling::Primary(ComponentKind::B)
        );
        assert!(matches!(v210, FrameLayout::Video(l) if !l.cosited_chroma));
        assert!(FrameLayout::parse("video/x-bayer", "v210", 4, 4).is_err());
        assert!(FrameLayout::parse("video/x-raw", "I420", 0, 4).is_err());
        assert!(FrameLayout::parse("video/x-raw", "NV99", 4, 4).is_err());
    }
}
