//! Video frames: how a YUV or RGB `video/x-raw` format lays out its samples: which memory plane holds
//! each colour component, at which byte offset and step, with which subsampling and
//! sample encoding — and strided views of one frame that read and write component
//! samples as plain numbers whatever the layout.
//!
//! Every format is described the same way, as a set of *component planes*: a luma plane
//! and two chroma planes with their subsampling (`sx`, `sy` as powers of two), or three
//! full-resolution R, G, B planes. Detection, tracking and repair see only component
//! planes and never ask how the bytes are arranged; this module is the only place that
//! knows (8-bit and 10-bit samples, planar, semi-planar, packed 4:2:2 and v210).
//! A component that fills a memory plane alone with plain samples (the planar formats'
//! components, the luma of NV12, NV21 and NV16) can also be viewed as a
//! [`PlaneRef`]/[`PlaneMut`] ([`VideoFrame::plane`]), the view the Bayer/mono
//! algorithms take.
//!
//! Nothing here knows GStreamer types: the element hands over the format name, the
//! size, and the memory planes with their strides.

use std::fmt;

use super::plane::{PlaneMut, PlaneRef};
use super::sample::SampleEncoding;
use super::{Plane, Sampling};

/// What a component plane holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ComponentKind {
    /// Luma (Y').
    Y,
    /// Blue-difference chroma (Cb).
    U,
    /// Red-difference chroma (Cr).
    V,
    /// Red.
    R,
    /// Green.
    G,
    /// Blue.
    B,
}

impl ComponentKind {
    /// Whether this is a chroma (colour-difference) component, whose neutral level is
    /// the middle of the range rather than black.
    pub fn is_chroma(self) -> bool {
        matches!(self, ComponentKind::U | ComponentKind::V)
    }

    /// One-letter name.
    pub fn name(self) -> &'static str {
        match self {
            ComponentKind::Y => "Y",
            ComponentKind::U => "U",
            ComponentKind::V => "V",
            ComponentKind::R => "R",
            ComponentKind::G => "G",
            ComponentKind::B => "B",
        }
    }
}

/// One colour component: where its samples are and how densely they are sampled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Component {
    pub kind: ComponentKind,
    /// Memory plane that holds it.
    pub plane: u8,
    /// Bytes from the start of a row to its first sample (unused for v210).
    pub offset: u8,
    /// Bytes from one of its samples to the next in a row (unused for v210).
    pub step: u8,
    /// Horizontal subsampling, log2 (1 for 4:2:2 and 4:2:0 chroma).
    pub sx: u8,
    /// Vertical subsampling, log2 (1 for 4:2:0 chroma).
    pub sy: u8,
}

const fn comp(kind: ComponentKind, plane: u8, offset: u8, step: u8, sx: u8, sy: u8) -> Component {
    Component {
        kind,
        plane,
        offset,
        step,
        sx,
        sy,
    }
}

/// The `video/x-raw` YUV and RGB formats this module lays out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VideoFormat {
    Uyvy,
    Yuy2,
    Yvyu,
    V210,
    Nv12,
    Nv21,
    Nv16,
    I420,
    Yv12,
    Y42b,
    Y444,
    I420_10le,
    I422_10le,
    P010_10le,
    Ayuv,
    Bgrx,
    Rgbx,
    Xrgb,
    Xbgr,
    Bgra,
    Rgba,
    Argb,
    Abgr,
    Rgb,
    Bgr,
}

use ComponentKind::{B, G, R, U, V, Y};

impl VideoFormat {
    /// Every format, in the order of [`VIDEO_FORMATS`].
    pub const ALL: [VideoFormat; 25] = [
        VideoFormat::Uyvy,
        VideoFormat::Yuy2,
        VideoFormat::Yvyu,
        VideoFormat::V210,
        VideoFormat::Nv12,
        VideoFormat::Nv21,
        VideoFormat::Nv16,
        VideoFormat::I420,
        VideoFormat::Yv12,
        VideoFormat::Y42b,
        VideoFormat::Y444,
        VideoFormat::I420_10le,
        VideoFormat::I422_10le,
        VideoFormat::P010_10le,
        VideoFormat::Ayuv,
        VideoFormat::Bgrx,
        VideoFormat::Rgbx,
        VideoFormat::Xrgb,
        VideoFormat::Xbgr,
        VideoFormat::Bgra,
        VideoFormat::Rgba,
        VideoFormat::Argb,
        VideoFormat::Abgr,
        VideoFormat::Rgb,
        VideoFormat::Bgr,
    ];

    /// The GStreamer format name (`GST_VIDEO_FORMAT_*` string).
    pub fn name(self) -> &'static str {
        match self {
            VideoFormat::Uyvy => "UYVY",
            VideoFormat::Yuy2 => "YUY2",
            VideoFormat::Yvyu => "YVYU",
            VideoFormat::V210 => "v210",
            VideoFormat::Nv12 => "NV12",
            VideoFormat::Nv21 => "NV21",
            VideoFormat::Nv16 => "NV16",
            VideoFormat::I420 => "I420",
            VideoFormat::Yv12 => "YV12",
            VideoFormat::Y42b => "Y42B",
            VideoFormat::Y444 => "Y444",
            VideoFormat::I420_10le => "I420_10LE",
            VideoFormat::I422_10le => "I422_10LE",
            VideoFormat::P010_10le => "P010_10LE",
            VideoFormat::Ayuv => "AYUV",
            VideoFormat::Bgrx => "BGRx",
            VideoFormat::Rgbx => "RGBx",
            VideoFormat::Xrgb => "xRGB",
            VideoFormat::Xbgr => "xBGR",
            VideoFormat::Bgra => "BGRA",
            VideoFormat::Rgba => "RGBA",
            VideoFormat::Argb => "ARGB",
            VideoFormat::Abgr => "ABGR",
            VideoFormat::Rgb => "RGB",
            VideoFormat::Bgr => "BGR",
        }
    }

    /// The format called `name`, if it is one of these.
    pub fn from_name(name: &str) -> Option<VideoFormat> {
        VideoFormat::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Significant bits per sample.
    pub fn depth(self) -> u8 {
        match self.encoding() {
            SampleEncoding::U8 => 8,
            _ => 10,
        }
    }

    /// Largest sample value.
    pub fn max_value(self) -> u16 {
        (1u16 << self.depth()) - 1
    }

    /// Sample encoding (the same for every component of a format; never
    /// [`SampleEncoding::U16Be`]: no format here stores big-endian words).
    pub fn encoding(self) -> SampleEncoding {
        match self {
            VideoFormat::V210 => SampleEncoding::V210,
            VideoFormat::I420_10le | VideoFormat::I422_10le => SampleEncoding::U16Le,
            VideoFormat::P010_10le => SampleEncoding::U16LeMsb,
            _ => SampleEncoding::U8,
        }
    }

    /// Whether the components are Y'CbCr (else R'G'B').
    pub fn is_yuv(self) -> bool {
        self.components()[0].kind == Y
    }

    /// The colour components, luma (or R) first.
    #[rustfmt::skip]
    pub fn components(self) -> &'static [Component] {
        match self {
            // Packed 4:2:2, 8 bits: two pixels in four bytes.
            VideoFormat::Uyvy => const { &[comp(Y, 0, 1, 2, 0, 0), comp(U, 0, 0, 4, 1, 0), comp(V, 0, 2, 4, 1, 0)] },
            VideoFormat::Yuy2 => const { &[comp(Y, 0, 0, 2, 0, 0), comp(U, 0, 1, 4, 1, 0), comp(V, 0, 3, 4, 1, 0)] },
            VideoFormat::Yvyu => const { &[comp(Y, 0, 0, 2, 0, 0), comp(U, 0, 3, 4, 1, 0), comp(V, 0, 1, 4, 1, 0)] },
            VideoFormat::V210 => const { &[comp(Y, 0, 0, 0, 0, 0), comp(U, 0, 0, 0, 1, 0), comp(V, 0, 0, 0, 1, 0)] },
            // Semi-planar: luma plane, interleaved chroma plane.
            VideoFormat::Nv12 => const { &[comp(Y, 0, 0, 1, 0, 0), comp(U, 1, 0, 2, 1, 1), comp(V, 1, 1, 2, 1, 1)] },
            VideoFormat::Nv21 => const { &[comp(Y, 0, 0, 1, 0, 0), comp(U, 1, 1, 2, 1, 1), comp(V, 1, 0, 2, 1, 1)] },
            VideoFormat::Nv16 => const { &[comp(Y, 0, 0, 1, 0, 0), comp(U, 1, 0, 2, 1, 0), comp(V, 1, 1, 2, 1, 0)] },
            VideoFormat::P010_10le => const { &[comp(Y, 0, 0, 2, 0, 0), comp(U, 1, 0, 4, 1, 1), comp(V, 1, 2, 4, 1, 1)] },
            // Planar.
            VideoFormat::I420 => const { &[comp(Y, 0, 0, 1, 0, 0), comp(U, 1, 0, 1, 1, 1), comp(V, 2, 0, 1, 1, 1)] },
            VideoFormat::Yv12 => const { &[comp(Y, 0, 0, 1, 0, 0), comp(U, 2, 0, 1, 1, 1), comp(V, 1, 0, 1, 1, 1)] },
            VideoFormat::Y42b => const { &[comp(Y, 0, 0, 1, 0, 0), comp(U, 1, 0, 1, 1, 0), comp(V, 2, 0, 1, 1, 0)] },
            VideoFormat::Y444 => const { &[comp(Y, 0, 0, 1, 0, 0), comp(U, 1, 0, 1, 0, 0), comp(V, 2, 0, 1, 0, 0)] },
            VideoFormat::I420_10le => const { &[comp(Y, 0, 0, 2, 0, 0), comp(U, 1, 0, 2, 1, 1), comp(V, 2, 0, 2, 1, 1)] },
            VideoFormat::I422_10le => const { &[comp(Y, 0, 0, 2, 0, 0), comp(U, 1, 0, 2, 1, 0), comp(V, 2, 0, 2, 1, 0)] },
            // Packed 4:4:4 (alpha or padding bytes are never read or written).
            VideoFormat::Ayuv => const { &[comp(Y, 0, 1, 4, 0, 0), comp(U, 0, 2, 4, 0, 0), comp(V, 0, 3, 4, 0, 0)] },
            VideoFormat::Bgrx | VideoFormat::Bgra => const { &[comp(R, 0, 2, 4, 0, 0), comp(G, 0, 1, 4, 0, 0), comp(B, 0, 0, 4, 0, 0)] },
            VideoFormat::Rgbx | VideoFormat::Rgba => const { &[comp(R, 0, 0, 4, 0, 0), comp(G, 0, 1, 4, 0, 0), comp(B, 0, 2, 4, 0, 0)] },
            VideoFormat::Xrgb | VideoFormat::Argb => const { &[comp(R, 0, 1, 4, 0, 0), comp(G, 0, 2, 4, 0, 0), comp(B, 0, 3, 4, 0, 0)] },
            VideoFormat::Xbgr | VideoFormat::Abgr => const { &[comp(R, 0, 3, 4, 0, 0), comp(G, 0, 2, 4, 0, 0), comp(B, 0, 1, 4, 0, 0)] },
            VideoFormat::Rgb => const { &[comp(R, 0, 0, 3, 0, 0), comp(G, 0, 1, 3, 0, 0), comp(B, 0, 2, 3, 0, 0)] },
            VideoFormat::Bgr => const { &[comp(R, 0, 2, 3, 0, 0), comp(G, 0, 1, 3, 0, 0), comp(B, 0, 0, 3, 0, 0)] },
        }
    }

    /// Number of memory planes.
    pub fn planes(self) -> usize {
        self.components()
            .iter()
            .map(|c| usize::from(c.plane) + 1)
            .max()
            .unwrap_or(1)
    }

    /// Bytes of sample data in one row of memory plane `plane` for frames `width` wide
    /// (no padding; v210 counts whole 6-pixel groups).
    pub fn row_bytes(self, plane: usize, width: usize) -> usize {
        if self == VideoFormat::V210 {
            return width.div_ceil(6) * 16;
        }
        self.components()
            .iter()
            .filter(|c| usize::from(c.plane) == plane)
            .map(|c| {
                let n = sub(width, c.sx);
                if n == 0 {
                    0
                } else {
                    usize::from(c.offset) + (n - 1) * usize::from(c.step) + self.sample_bytes()
                }
            })
            .max()
            .unwrap_or(0)
    }

    /// Rows of memory plane `plane` for frames `height` high.
    pub fn plane_rows(self, plane: usize, height: usize) -> usize {
        self.components()
            .iter()
            .filter(|c| usize::from(c.plane) == plane)
            .map(|c| sub(height, c.sy))
            .max()
            .unwrap_or(0)
    }

    /// The stride GStreamer gives memory plane `plane` by default (rows rounded up to 4
    /// bytes; v210 rows to 128 bytes). Frames may use any larger stride.
    pub fn default_stride(self, plane: usize, width: usize) -> usize {
        if self == VideoFormat::V210 {
            return width.div_ceil(48) * 128;
        }
        let bytes = match self {
            // GStreamer rounds the width of the 4:2:2 packed formats up to even.
            VideoFormat::Uyvy | VideoFormat::Yuy2 | VideoFormat::Yvyu => width.div_ceil(2) * 4,
            _ => self.row_bytes(plane, width),
        };
        bytes.next_multiple_of(4)
    }

    fn sample_bytes(self) -> usize {
        match self.encoding() {
            SampleEncoding::U8 => 1,
            _ => 2,
        }
    }
}

/// Names of every format this module lays out, for caps.
pub const VIDEO_FORMATS: &[&str] = &[
    "UYVY",
    "YUY2",
    "YVYU",
    "v210",
    "NV12",
    "NV21",
    "NV16",
    "I420",
    "YV12",
    "Y42B",
    "Y444",
    "I420_10LE",
    "I422_10LE",
    "P010_10LE",
    "AYUV",
    "BGRx",
    "RGBx",
    "xRGB",
    "xBGR",
    "BGRA",
    "RGBA",
    "ARGB",
    "ABGR",
    "RGB",
    "BGR",
];

/// `n` subsampled by `2^s`, rounded up (GStreamer's `GST_VIDEO_SUB_SCALE`).
#[inline]
pub fn sub(n: usize, s: u8) -> usize {
    (n + (1 << s) - 1) >> s
}

/// Why a frame could not be laid out or viewed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// Not one of [`VIDEO_FORMATS`].
    Unsupported(String),
    BadSize {
        width: i64,
        height: i64,
    },
    /// A memory plane is missing, or its stride or length is too small.
    ShortPlane {
        plane: usize,
        len: usize,
        stride: usize,
        needed: usize,
    },
    /// A frame of `height` lines of this format does not split into two fields (each
    /// field needs a line, and the chroma lines of 4:2:0 must alternate between the
    /// fields evenly: a height that is a multiple of 4).
    NoFields {
        height: usize,
    },
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayoutError::Unsupported(s) => write!(f, "unsupported video format '{s}'"),
            LayoutError::BadSize { width, height } => {
                write!(f, "invalid frame size {width}x{height}")
            }
            LayoutError::ShortPlane {
                plane,
                len,
                stride,
                needed,
            } => write!(
                f,
                "plane {plane} of {len} bytes with stride {stride} is shorter than the {needed} bytes the frame needs"
            ),
            LayoutError::NoFields { height } => {
                write!(
                    f,
                    "a frame of {height} lines does not split into two fields"
                )
            }
        }
    }
}

impl std::error::Error for LayoutError {}

/// A format at a frame size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VideoLayout {
    pub format: VideoFormat,
    pub width: usize,
    pub height: usize,
    /// Whether horizontally subsampled chroma is co-sited with the even luma columns
    /// (each chroma sample then sees columns `2x − 1 … 2x + 1`), rather than centred
    /// between two columns (seeing `2x … 2x + 1`). [`VideoLayout::new`] takes GStreamer's
    /// default (co-sited above 576 lines); [`VideoLayout::with_cosited_chroma`] sets what
    /// the caps' `chroma-site` says.
    pub cosited_chroma: bool,
}

impl VideoLayout {
    /// The layout of `format` (a GStreamer format name) at `width`×`height`.
    pub fn parse(format: &str, width: i64, height: i64) -> Result<VideoLayout, LayoutError> {
        let format =
            VideoFormat::from_name(format).ok_or(LayoutError::Unsupported(format.to_string()))?;
        VideoLayout::new(format, width, height)
    }

    /// The layout of `format` at `width`×`height` (1 to 2^20 each).
    pub fn new(format: VideoFormat, width: i64, height: i64) -> Result<VideoLayout, LayoutError> {
        if !(1..=1 << 20).contains(&width) || !(1..=1 << 20).contains(&height) {
            return Err(LayoutError::BadSize { width, height });
        }
        Ok(VideoLayout {
            format,
            width: width as usize,
            height: height as usize,
            cosited_chroma: height > 576,
        })
    }

    /// The same layout with horizontally co-sited chroma or not.
    pub fn with_cosited_chroma(self, cosited: bool) -> VideoLayout {
        VideoLayout {
            cosited_chroma: cosited,
            ..self
        }
    }

    /// The components of the format.
    pub fn components(&self) -> &'static [Component] {
        self.format.components()
    }

    /// Samples per row and rows of component `c`.
    pub fn comp_size(&self, c: usize) -> (usize, usize) {
        let k = self.components()[c];
        (sub(self.width, k.sx), sub(self.height, k.sy))
    }

    /// Largest sample value.
    pub fn max_value(&self) -> u16 {
        self.format.max_value()
    }

    /// Component `c` as a [`Plane`]: its sampling (luma, chroma or a primary), the
    /// format's sample encoding and depth, and the component's size.
    pub fn plane(&self, c: usize) -> Plane {
        let (width, height) = self.comp_size(c);
        Plane {
            sampling: match self.components()[c].kind {
                ComponentKind::Y => Sampling::Luma,
                kind if kind.is_chroma() => Sampling::Chroma(kind),
                kind => Sampling::Primary(kind),
            },
            encoding: self.format.encoding(),
            width,
            height,
            depth: self.format.depth(),
        }
    }

    /// The memory plane that component `c` fills alone, one plain sample
    /// ([`SampleEncoding::is_plain`]) after the other from the start of each row, and the
    /// component as a plane: what a [`PlaneRef`] can view. `None` for interleaved
    /// components (packed 4:2:2 and 4:4:4, RGB, semi-planar chroma), v210 and the
    /// high-bit samples of P010.
    pub(crate) fn viewable(&self, c: usize) -> Option<(usize, Plane)> {
        let all = self.components();
        let k = all.get(c)?;
        let encoding = self.format.encoding();
        let alone = all.iter().filter(|o| o.plane == k.plane).count() == 1;
        (alone && encoding.is_plain() && k.offset == 0 && usize::from(k.step) == encoding.bytes())
            .then(|| (usize::from(k.plane), self.plane(c)))
    }

    /// Default strides of the memory planes (unused planes 0).
    pub fn default_strides(&self) -> [usize; 3] {
        let mut s = [0; 3];
        for (p, s) in s.iter_mut().enumerate().take(self.format.planes()) {
            *s = self.format.default_stride(p, self.width);
        }
        s
    }

    /// The layout of one field of an interlaced frame of this layout: the frame's lines
    /// of `parity` (0: the top field, the even lines; 1: the bottom field, the odd ones)
    /// in every memory plane — in interlaced 4:2:0 the chroma lines alternate between the
    /// fields as the luma lines do.
    pub fn field(&self, parity: usize) -> Result<VideoLayout, LayoutError> {
        let parity = parity.min(1);
        let field = VideoLayout {
            height: (self.height + 1 - parity) / 2,
            ..*self
        };
        let fits = field.height > 0
            && (0..self.format.planes()).all(|p| {
                let frame_rows = self.format.plane_rows(p, self.height);
                (frame_rows + 1 - parity) / 2 == self.format.plane_rows(p, field.height)
            });
        if fits {
            Ok(field)
        } else {
            Err(LayoutError::NoFields {
                height: self.height,
            })
        }
    }

    /// Bytes of memory plane `plane` at `stride`.
    pub fn plane_size(&self, plane: usize, stride: usize) -> usize {
        stride * self.format.plane_rows(plane, self.height)
    }

    /// A zeroed frame at the default strides, one `Vec` per memory plane (tests and
    /// tools).
    pub fn alloc(&self) -> (Vec<Vec<u8>>, [usize; 3]) {
        let strides = self.default_strides();
        let planes = (0..self.format.planes())
            .map(|p| vec![0u8; self.plane_size(p, strides[p])])
            .collect();
        (planes, strides)
    }

    fn check(&self, lens: [usize; 3], strides: [usize; 3]) -> Result<(), LayoutError> {
        for p in 0..self.format.planes() {
            let row = self.format.row_bytes(p, self.width);
            let rows = self.format.plane_rows(p, self.height);
            let needed = strides[p].saturating_mul(rows.saturating_sub(1)) + row;
            if strides[p] < row || lens[p] < needed {
                return Err(LayoutError::ShortPlane {
                    plane: p,
                    len: lens[p],
                    stride: strides[p],
                    needed: needed.max(row),
                });
            }
        }
        Ok(())
    }
}

/// Read-only view of one frame: up to three memory planes with their strides.
#[derive(Clone, Copy)]
pub struct VideoFrame<'a> {
    layout: VideoLayout,
    planes: [&'a [u8]; 3],
    strides: [usize; 3],
}

/// Writable view of one frame.
pub struct VideoFrameMut<'a> {
    layout: VideoLayout,
    planes: [&'a mut [u8]; 3],
    strides: [usize; 3],
}

impl<'a> VideoFrame<'a> {
    /// A view of `planes` (unused ones may be empty) with `strides`; fails when a plane
    /// is too short for the layout.
    pub fn new(
        layout: VideoLayout,
        planes: [&'a [u8]; 3],
        strides: [usize; 3],
    ) -> Result<Self, LayoutError> {
        layout.check(planes.map(|p| p.len()), strides)?;
        Ok(VideoFrame {
            layout,
            planes,
            strides,
        })
    }

    pub fn layout(&self) -> &VideoLayout {
        &self.layout
    }

    /// Sample of component `c` at (`x`, `y`) in that component's own coordinates.
    #[inline]
    pub fn get(&self, c: usize, x: usize, y: usize) -> u16 {
        read_sample(&self.layout, &self.planes, &self.strides, c, x, y)
    }

    /// Component `c` as a plane view, where it fills a memory plane alone with plain
    /// samples (the components of the planar formats, the luma of NV12, NV21 and NV16);
    /// `None` for interleaved or packed components and for P010 (see
    /// [`VideoLayout::plane`] for the plane's description). The view reads the same
    /// numbers as [`VideoFrame::get`] on every well-formed frame; it reads a 16-bit
    /// word whole, as a view of a sensor frame does, where `get` keeps the low 10 bits.
    pub fn plane(&self, c: usize) -> Option<PlaneRef<'a>> {
        let (p, plane) = self.layout.viewable(c)?;
        PlaneRef::new(self.planes[p], plane, self.strides[p]).ok()
    }

    /// Copies memory plane `p` (its rows' bytes, without padding) into `dst`, whose rows
    /// are `stride` bytes apart.
    pub fn copy_plane(&self, p: usize, dst: &mut [u8], stride: usize) {
        let row = self.layout.format.row_bytes(p, self.layout.width);
        let rows = self.layout.format.plane_rows(p, self.layout.height);
        let src = self.planes[p];
        for y in 0..rows {
            let (s, d) = (y * self.strides[p], y * stride);
            if let (Some(from), Some(to)) = (src.get(s..s + row), dst.get_mut(d..d + row)) {
                to.copy_from_slice(from);
            }
        }
    }

    /// Unpacks row `y` of component `c` into `out` (`out.len()` samples from column 0;
    /// at most the component's width).
    #[inline(always)]
    pub fn unpack_row(&self, c: usize, y: usize, out: &mut [u16]) {
        let k = self.layout.components()[c];
        let n = out.len().min(self.layout.comp_size(c).0);
        let out = &mut out[..n];
        let row = &self.planes[usize::from(k.plane)][y * self.strides[usize::from(k.plane)]..];
        match self.layout.format.encoding() {
            SampleEncoding::V210 => unpack_v210_row(row, k.kind, out),
            encoding => gather_samples(encoding, &row[usize::from(k.offset)..], k.step, out),
        }
    }

    /// Unpacks row `y` of component `c` into `out` as bytes (`out.len()` samples from
    /// column 0; at most the component's width), where the layout stores its samples
    /// as bytes ([`SampleEncoding::U8`]): the same numbers as [`Self::unpack_row`], in
    /// half the memory. `false`, with `out` untouched, where it does not.
    #[inline(always)]
    pub fn unpack_row_bytes(&self, c: usize, y: usize, out: &mut [u8]) -> bool {
        if self.layout.format.encoding() != SampleEncoding::U8 {
            return false;
        }
        let k = self.layout.components()[c];
        let n = out.len().min(self.layout.comp_size(c).0);
        let out = &mut out[..n];
        let p = usize::from(k.plane);
        let row = &self.planes[p][y * self.strides[p] + usize::from(k.offset)..];
        match k.step {
            1 => gather_u8::<1, u8>(row, out),
            2 => gather_even_bytes(row, out),
            3 => gather_u8::<3, u8>(row, out),
            _ => gather_u8::<4, u8>(row, out),
        }
        true
    }

    /// Reads `out.len()` samples of row `y` of component `c` from column `x0` on (all
    /// inside the component): what [`Self::get`] reads there, in one pass where the
    /// samples are bytes or words.
    #[inline]
    pub(crate) fn read_span(&self, c: usize, y: usize, x0: usize, out: &mut [u16]) {
        let k = self.layout.components()[c];
        let encoding = self.layout.format.encoding();
        let row = &self.planes[usize::from(k.plane)][y * self.strides[usize::from(k.plane)]..];
        if encoding != SampleEncoding::V210 {
            let from = usize::from(k.offset) + x0 * usize::from(k.step);
            gather_samples(encoding, &row[from..], k.step, out);
            return;
        }
        // v210: whole groups of 16 bytes (6 luma or 3 chroma samples) from the one that
        // holds column `x0`, the first one cut to the span.
        let per = if k.kind == ComponentKind::Y { 6 } else { 3 };
        let (row, skip) = (&row[x0 / per * 16..], x0 % per);
        if skip == 0 {
            unpack_v210_row(row, k.kind, out);
            return;
        }
        let mut first = [0u16; 6];
        unpack_v210_row(row, k.kind, &mut first[..per]);
        let head = (per - skip).min(out.len());
        out[..head].copy_from_slice(&first[skip..skip + head]);
        if head < out.len() {
            unpack_v210_row(&row[16..], k.kind, &mut out[head..]);
        }
    }
}

/// `out[i]` = the sample `i` steps of `step` bytes into `row` (byte and word
/// encodings; not v210).
#[inline(always)]
fn gather_samples(encoding: SampleEncoding, row: &[u8], step: u8, out: &mut [u16]) {
    match encoding {
        // Steps are constants per format: one loop per step lets the compiler turn the
        // gathers into vector shuffles.
        SampleEncoding::U8 => match step {
            1 => gather_u8::<1, u16>(row, out),
            2 => gather_u8::<2, u16>(row, out),
            3 => gather_u8::<3, u16>(row, out),
            _ => gather_u8::<4, u16>(row, out),
        },
        // No video format stores big-endian words (see `VideoFormat::encoding`).
        SampleEncoding::U16Le | SampleEncoding::U16Be => match step {
            2 => gather_u16::<2, false>(row, out),
            _ => gather_u16::<4, false>(row, out),
        },
        SampleEncoding::U16LeMsb => match step {
            2 => gather_u16::<2, true>(row, out),
            _ => gather_u16::<4, true>(row, out),
        },
        SampleEncoding::V210 => {}
    }
}

impl<'a> VideoFrameMut<'a> {
    /// A writable view of `planes` with `strides`; fails when a plane is too short.
    pub fn new(
        layout: VideoLayout,
        planes: [&'a mut [u8]; 3],
        strides: [usize; 3],
    ) -> Result<Self, LayoutError> {
        layout.check([planes[0].len(), planes[1].len(), planes[2].len()], strides)?;
        Ok(VideoFrameMut {
            layout,
            planes,
            strides,
        })
    }

    /// A writable view of `planes` (one `Vec` per memory plane, as [`VideoLayout::alloc`]
    /// gives) with `strides`.
    pub fn from_vecs(
        layout: VideoLayout,
        planes: &'a mut [Vec<u8>],
        strides: [usize; 3],
    ) -> Result<Self, LayoutError> {
        let mut it = planes.iter_mut();
        let mut next = || it.next().map_or(&mut [][..], |v| v.as_mut_slice());
        let p = [next(), next(), next()];
        VideoFrameMut::new(layout, p, strides)
    }

    pub fn layout(&self) -> &VideoLayout {
        &self.layout
    }

    /// A writable view of one field of this (interlaced) frame: its lines of `parity` in
    /// every memory plane ([`VideoLayout::field`]), at twice the strides.
    pub fn field(&mut self, parity: usize) -> Result<VideoFrameMut<'_>, LayoutError> {
        let layout = self.layout.field(parity)?;
        let parity = parity.min(1);
        let strides = self.strides.map(|s| 2 * s);
        let [a, b, c] = &mut self.planes;
        fn skip(plane: &mut [u8], lines: usize) -> &mut [u8] {
            let start = lines.min(plane.len());
            &mut plane[start..]
        }
        let planes = [
            skip(a, parity * self.strides[0]),
            skip(b, parity * self.strides[1]),
            skip(c, parity * self.strides[2]),
        ];
        VideoFrameMut::new(layout, planes, strides)
    }

    /// Read-only view of the same frame.
    pub fn as_ref(&self) -> VideoFrame<'_> {
        VideoFrame {
            layout: self.layout,
            planes: [&*self.planes[0], &*self.planes[1], &*self.planes[2]],
            strides: self.strides,
        }
    }

    /// Sample of component `c` at (`x`, `y`) in component coordinates.
    #[inline]
    pub fn get(&self, c: usize, x: usize, y: usize) -> u16 {
        self.as_ref().get(c, x, y)
    }

    /// Component `c` as a writable plane view, where [`VideoFrame::plane`] has one.
    /// Its writes clamp to the range and write the whole sample word.
    pub fn plane_mut(&mut self, c: usize) -> Option<PlaneMut<'_>> {
        let (p, plane) = self.layout.viewable(c)?;
        let stride = self.strides[p];
        PlaneMut::new(&mut *self.planes[p], plane, stride).ok()
    }

    /// Writes `value(c, x, y)` to every sample of every component `c` (component
    /// coordinates), as [`Self::set`] does.
    pub fn fill(&mut self, mut value: impl FnMut(usize, usize, usize) -> u16) {
        for c in 0..self.layout.components().len() {
            let (w, h) = self.layout.comp_size(c);
            for y in 0..h {
                for x in 0..w {
                    self.set(c, x, y, value(c, x, y));
                }
            }
        }
    }

    /// Writes `value` (clamped to the range) to component `c` at (`x`, `y`). Touches
    /// only that sample's bits: other components, padding and alpha stay as they were.
    #[inline]
    pub fn set(&mut self, c: usize, x: usize, y: usize, value: u16) {
        let layout = self.layout;
        let k = layout.components()[c];
        let p = usize::from(k.plane);
        let value = value.min(layout.max_value());
        let row = &mut self.planes[p][y * self.strides[p]..];
        let at = usize::from(k.offset) + x * usize::from(k.step);
        match layout.format.encoding() {
            SampleEncoding::U8 => row[at] = value as u8,
            SampleEncoding::U16Le | SampleEncoding::U16Be => {
                let old = u16::from_le_bytes([row[at], row[at + 1]]);
                let v = (old & !0x3ff) | value;
                row[at..at + 2].copy_from_slice(&v.to_le_bytes());
            }
            SampleEncoding::U16LeMsb => {
                let old = u16::from_le_bytes([row[at], row[at + 1]]);
                let v = (old & 0x3f) | (value << 6);
                row[at..at + 2].copy_from_slice(&v.to_le_bytes());
            }
            SampleEncoding::V210 => {
                let (byte, shift) = v210_position(k.kind, x);
                let mut w =
                    u32::from_le_bytes([row[byte], row[byte + 1], row[byte + 2], row[byte + 3]]);
                w = (w & !(0x3ff << shift)) | (u32::from(value) << shift);
                row[byte..byte + 4].copy_from_slice(&w.to_le_bytes());
            }
        }
    }
}

#[inline]
fn read_sample(
    layout: &VideoLayout,
    planes: &[&[u8]; 3],
    strides: &[usize; 3],
    c: usize,
    x: usize,
    y: usize,
) -> u16 {
    let k = layout.components()[c];
    let p = usize::from(k.plane);
    let row = &planes[p][y * strides[p]..];
    let at = usize::from(k.offset) + x * usize::from(k.step);
    match layout.format.encoding() {
        SampleEncoding::U8 => u16::from(row[at]),
        SampleEncoding::U16Le | SampleEncoding::U16Be => {
            u16::from_le_bytes([row[at], row[at + 1]]) & 0x3ff
        }
        SampleEncoding::U16LeMsb => u16::from_le_bytes([row[at], row[at + 1]]) >> 6,
        SampleEncoding::V210 => {
            let (byte, shift) = v210_position(k.kind, x);
            let w = u32::from_le_bytes([row[byte], row[byte + 1], row[byte + 2], row[byte + 3]]);
            ((w >> shift) & 0x3ff) as u16
        }
    }
}

/// `out[i] = row[i * S]`, as 16-bit numbers or as the bytes themselves.
#[inline(always)]
fn gather_u8<const S: usize, T: From<u8>>(row: &[u8], out: &mut [T]) {
    let n = out.len();
    if n == 0 {
        return;
    }
    // Whole groups of S bytes, then the last sample (its group may be cut short).
    let whole = if row.len() >= n * S { n } else { n - 1 };
    for (o, g) in out[..whole].iter_mut().zip(row.chunks_exact(S)) {
        *o = T::from(g[0]);
    }
    if whole < n {
        out[n - 1] = T::from(row[(n - 1) * S]);
    }
}

/// `out[i] = row[2 * i]`: [`gather_u8`] with a step of 2 (the luma of packed 4:2:2),
/// eight samples at a time read as little-endian words whose low bytes they are, which
/// the compiler turns into a mask and a pack (the plain loop stays a byte at a time).
#[inline(always)]
fn gather_even_bytes(row: &[u8], out: &mut [u8]) {
    const LANES: usize = 8;
    let blocks = (out.len() / LANES).min(row.len() / (2 * LANES));
    let (head, tail) = out.split_at_mut(blocks * LANES);
    for (o, g) in head
        .chunks_exact_mut(LANES)
        .zip(row.chunks_exact(2 * LANES))
    {
        let words: [u16; LANES] =
            std::array::from_fn(|i| u16::from_le_bytes([g[2 * i], g[2 * i + 1]]));
        for (o, w) in o.iter_mut().zip(words) {
            *o = w as u8;
        }
    }
    gather_u8::<2, u8>(&row[blocks * 2 * LANES..], tail);
}

/// `out[i]` = the little-endian word at `row[i * S]`, its low 10 bits (or, `MSB`, its
/// high 10 bits).
#[inline(always)]
fn gather_u16<const S: usize, const MSB: bool>(row: &[u8], out: &mut [u16]) {
    let n = out.len();
    if n == 0 {
        return;
    }
    let word = |a: u8, b: u8| {
        let v = u16::from_le_bytes([a, b]);
        if MSB { v >> 6 } else { v & 0x3ff }
    };
    let whole = if row.len() >= n * S { n } else { n - 1 };
    for (o, g) in out[..whole].iter_mut().zip(row.chunks_exact(S)) {
        *o = word(g[0], g[1]);
    }
    if whole < n {
        let a = (n - 1) * S;
        out[n - 1] = word(row[a], row[a + 1]);
    }
}

/// Byte offset (of its 32-bit word) and bit shift of sample `x` of a v210 component.
#[inline]
fn v210_position(kind: ComponentKind, x: usize) -> (usize, u32) {
    let group = x / 6 * 16;
    // (word, shift) for Y0..Y5, then Cb0..Cb2 / Cr0..Cr2 within a group.
    const Y_POS: [(usize, u32); 6] = [(0, 10), (1, 0), (1, 20), (2, 10), (3, 0), (3, 20)];
    const U_POS: [(usize, u32); 3] = [(0, 0), (1, 10), (2, 20)];
    const V_POS: [(usize, u32); 3] = [(0, 20), (2, 0), (3, 10)];
    let (word, shift) = match kind {
        ComponentKind::Y => Y_POS[x % 6],
        // Chroma sample x covers pixels 2x and 2x+1: group x/3.
        ComponentKind::U => return chroma_v210(U_POS, x),
        _ => return chroma_v210(V_POS, x),
    };
    (group + word * 4, shift)
}

#[inline]
fn chroma_v210(pos: [(usize, u32); 3], x: usize) -> (usize, u32) {
    let (word, shift) = pos[x % 3];
    (x / 3 * 16 + word * 4, shift)
}

/// Unpacks one v210 row's component `kind` into `out` (whole 16-byte groups at a time,
/// then the last, partly used group).
#[inline(always)]
fn unpack_v210_row(row: &[u8], kind: ComponentKind, out: &mut [u16]) {
    #[inline(always)]
    fn words(g: &[u8; 16]) -> [u32; 4] {
        [
            u32::from_le_bytes([g[0], g[1], g[2], g[3]]),
            u32::from_le_bytes([g[4], g[5], g[6], g[7]]),
            u32::from_le_bytes([g[8], g[9], g[10], g[11]]),
            u32::from_le_bytes([g[12], g[13], g[14], g[15]]),
        ]
    }
    #[inline(always)]
    fn values(kind: ComponentKind, w: [u32; 4]) -> [u16; 6] {
        let v: [u32; 6] = match kind {
            ComponentKind::Y => [w[0] >> 10, w[1], w[1] >> 20, w[2] >> 10, w[3], w[3] >> 20],
            ComponentKind::U => [w[0], w[1] >> 10, w[2] >> 20, 0, 0, 0],
            _ => [w[0] >> 20, w[2], w[3] >> 10, 0, 0, 0],
        };
        v.map(|v| (v & 0x3ff) as u16)
    }
    let per = if kind == ComponentKind::Y { 6 } else { 3 };
    let whole = out.len() / per;
    let (full, tail) = out.split_at_mut(whole * per);
    // One loop per group size, so the copies have constant lengths.
    if kind == ComponentKind::Y {
        for (o, g) in full.chunks_exact_mut(6).zip(row.chunks_exact(16)) {
            if let (Ok(o), Ok(g)) = (<&mut [u16; 6]>::try_from(o), <&[u8; 16]>::try_from(g)) {
                *o = values(kind, words(g));
            }
        }
    } else {
        for (o, g) in full.chunks_exact_mut(3).zip(row.chunks_exact(16)) {
            if let (Ok(o), Ok(g)) = (<&mut [u16; 3]>::try_from(o), <&[u8; 16]>::try_from(g)) {
                let v = values(kind, words(g));
                *o = [v[0], v[1], v[2]];
            }
        }
    }
    if !tail.is_empty()
        && let Some(g) = row.get(whole * 16..whole * 16 + 16)
        && let Ok(g) = <&[u8; 16]>::try_from(g)
    {
        let v = values(kind, words(g));
        tail.copy_from_slice(&v[..tail.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_every_second_line_of_every_plane() {
        for format in VIDEO_FORMATS {
            let layout = VideoLayout::parse(format, 24, 12).unwrap();
            let (mut planes, strides) = layout.alloc();
            let mut frame = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
            let value = |c: usize, x: usize, y: usize| ((c * 97 + x * 13 + y * 7) % 200) as u16;
            frame.fill(value);
            for parity in 0..2 {
                let field = frame.field(parity).unwrap();
                let fl = *field.layout();
                assert_eq!((fl.width, fl.height), (24, 6), "{format}");
                for c in 0..layout.components().len() {
                    let (w, h) = fl.comp_size(c);
                    assert_eq!(2 * h, layout.comp_size(c).1, "{format} c{c}");
                    for y in 0..h {
                        for x in 0..w {
                            let want = value(c, x, 2 * y + parity);
                            assert_eq!(field.get(c, x, y), want, "{format} c{c} ({x},{y})");
                        }
                    }
                }
            }
            // Writing a field writes the frame's line.
            frame.field(1).unwrap().set(0, 3, 2, 150);
            assert_eq!(frame.get(0, 3, 5), 150, "{format}");
            assert_eq!(frame.get(0, 3, 4), value(0, 3, 4), "{format}");
        }
        // 4:2:0 chroma lines alternate between the fields: 6 lines (3 chroma lines)
        // do not split evenly, odd heights of 4:2:2 and 4:4:4 do.
        let i420 = VideoLayout::parse("I420", 8, 6).unwrap();
        assert_eq!(i420.field(1), Err(LayoutError::NoFields { height: 6 }));
        assert_eq!(
            VideoLayout::parse("I420", 8, 1)
                .unwrap()
                .field(1)
                .map(|l| l.height),
            Err(LayoutError::NoFields { height: 1 })
        );
        let uyvy = VideoLayout::parse("UYVY", 8, 5).unwrap();
        assert_eq!(uyvy.field(0).map(|l| l.height), Ok(3));
        assert_eq!(uyvy.field(1).map(|l| l.height), Ok(2));
    }

    #[test]
    fn every_format_round_trips_every_sample() {
        for format in VideoFormat::ALL {
            for (w, h) in [(1, 1), (7, 5), (13, 4), (48, 3)] {
                let layout = VideoLayout::new(format, w, h).unwrap();
                let (mut planes, strides) = layout.alloc();
                // Fill the bytes with a pattern so that writes must keep their neighbours.
                for (p, v) in planes.iter_mut().enumerate() {
                    for (i, b) in v.iter_mut().enumerate() {
                        *b = (i * 31 + p * 7) as u8;
                    }
                }
                let max = layout.max_value();
                let value =
                    |c: usize, x: usize, y: usize| ((c * 97 + x * 13 + y * 29) as u16) % (max + 1);
                {
                    let mut frame = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
                    frame.fill(value);
                    for c in 0..3 {
                        let (cw, ch) = layout.comp_size(c);
                        let mut row = vec![0u16; cw];
                        for y in 0..ch {
                            frame.as_ref().unpack_row(c, y, &mut row);
                            for (x, &r) in row.iter().enumerate() {
                                assert_eq!(r, value(c, x, y), "{format:?} {w}x{h} c{c} ({x},{y})");
                                assert_eq!(frame.get(c, x, y), r);
                            }
                            // Spans from every column, to the row's end and short.
                            for x0 in 0..cw {
                                for n in [cw - x0, (cw - x0).min(3)] {
                                    let mut span = vec![0u16; n];
                                    frame.as_ref().read_span(c, y, x0, &mut span);
                                    assert_eq!(span, row[x0..x0 + n], "{format:?} c{c} {x0}+{n}");
                                }
                            }
                            // As bytes, where the format's samples are bytes.
                            let mut bytes = vec![0u8; cw];
                            let as_bytes = frame.as_ref().unpack_row_bytes(c, y, &mut bytes);
                            assert_eq!(as_bytes, layout.format.encoding() == SampleEncoding::U8);
                            if as_bytes {
                                let wide: Vec<u16> = bytes.iter().map(|&b| u16::from(b)).collect();
                                assert_eq!(wide, row, "{format:?} {w}x{h} c{c} row {y} as bytes");
                            }
                        }
                    }
                }
                // Writing back what is there changes no byte.
                let before = planes.clone();
                {
                    let mut frame = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
                    for c in 0..3 {
                        let (cw, ch) = layout.comp_size(c);
                        for y in 0..ch {
                            for x in 0..cw {
                                let v = frame.get(c, x, y);
                                frame.set(c, x, y, v);
                            }
                        }
                    }
                }
                assert_eq!(planes, before, "{format:?} {w}x{h}");
            }
        }
    }

    #[test]
    fn writes_touch_only_their_sample() {
        for format in VideoFormat::ALL {
            let layout = VideoLayout::new(format, 12, 4).unwrap();
            let (mut planes, strides) = layout.alloc();
            for v in planes.iter_mut() {
                for (i, b) in v.iter_mut().enumerate() {
                    *b = (i * 57 + 11) as u8;
                }
            }
            let before = planes.clone();
            {
                let mut frame = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
                let old = frame.get(1, 2, 1);
                frame.set(1, 2, 1, old ^ 1);
                frame.set(1, 2, 1, old);
            }
            assert_eq!(planes, before, "{format:?}");
        }
    }

    #[test]
    fn known_byte_layouts() {
        // UYVY: U0 Y0 V0 Y1.
        let l = VideoLayout::parse("UYVY", 2, 1).unwrap();
        let mut p = vec![vec![10u8, 20, 30, 40]];
        let f = VideoFrameMut::from_vecs(l, &mut p, l.default_strides()).unwrap();
        assert_eq!(
            (
                f.get(0, 0, 0),
                f.get(0, 1, 0),
                f.get(1, 0, 0),
                f.get(2, 0, 0)
            ),
            (20, 40, 10, 30)
        );
        // v210: word0 = Cb0 | Y0 << 10 | Cr0 << 20.
        let l = VideoLayout::parse("v210", 6, 1).unwrap();
        let mut p = vec![vec![0u8; 128]];
        let w0: u32 = 100 | (200 << 10) | (300 << 20);
        p[0][..4].copy_from_slice(&w0.to_le_bytes());
        let f = VideoFrameMut::from_vecs(l, &mut p, l.default_strides()).unwrap();
        assert_eq!(
            (f.get(0, 0, 0), f.get(1, 0, 0), f.get(2, 0, 0)),
            (200, 100, 300)
        );
        // P010: value in the high bits.
        let l = VideoLayout::parse("P010_10LE", 2, 2).unwrap();
        let (mut p, s) = l.alloc();
        p[0][..2].copy_from_slice(&(1023u16 << 6).to_le_bytes());
        let f = VideoFrameMut::from_vecs(l, &mut p, s).unwrap();
        assert_eq!(f.get(0, 0, 0), 1023);
        // Strides as GStreamer computes them.
        assert_eq!(
            VideoLayout::parse("v210", 1920, 1)
                .unwrap()
                .default_strides()[0],
            5120
        );
        assert_eq!(
            VideoLayout::parse("UYVY", 7, 1).unwrap().default_strides()[0],
            16
        );
        assert_eq!(
            VideoLayout::parse("I420", 7, 5).unwrap().default_strides(),
            [8, 4, 4]
        );
        assert_eq!(
            VideoLayout::parse("RGB", 5, 1).unwrap().default_strides()[0],
            16
        );
    }

    #[test]
    fn plane_views_read_what_get_reads() {
        use VideoFormat as F;
        // Which components a plane view exists for: those alone in their memory plane
        // with plain samples.
        let viewable = |format: VideoFormat, c: usize| match format {
            F::I420 | F::Yv12 | F::Y42b | F::Y444 | F::I420_10le | F::I422_10le => true,
            F::Nv12 | F::Nv21 | F::Nv16 => c == 0,
            _ => false,
        };
        let mut rng = crate::sim::SplitMix64::new(0x9e37_79b9_7f4a_7c15);
        let mut random = move || rng.next_u64();
        for format in VideoFormat::ALL {
            for (w, h) in [(1, 1), (7, 5), (13, 4), (50, 9)] {
                let layout = VideoLayout::new(format, w, h).unwrap();
                // Strides wider than the default, so that rows do not follow each other.
                let strides = layout
                    .default_strides()
                    .map(|s| if s > 0 { s + 12 } else { 0 });
                let mut planes: Vec<Vec<u8>> = (0..format.planes())
                    .map(|p| vec![0u8; layout.plane_size(p, strides[p])])
                    .collect();
                let max = u64::from(layout.max_value());
                let mut frame = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
                frame.fill(|_, _, _| (random() % (max + 1)) as u16);
                for c in 0..3 {
                    let name = format!("{format:?} {w}x{h} c{c}");
                    let read = frame.as_ref();
                    let Some(view) = read.plane(c) else {
                        assert!(!viewable(format, c), "{name}: no view");
                        continue;
                    };
                    assert!(viewable(format, c), "{name}: a view");
                    assert_eq!(*view.plane(), layout.plane(c), "{name}");
                    assert_eq!(
                        crate::frame::FrameLayout::Video(layout).planes()[c],
                        layout.plane(c)
                    );
                    let (cw, ch) = layout.comp_size(c);
                    for y in 0..ch {
                        for x in 0..cw {
                            assert_eq!(view.get(x, y), read.get(c, x, y), "{name} ({x},{y})");
                        }
                    }
                }
                // Writes through a view are what `get` reads back; views exist exactly
                // where read-only ones do.
                for c in 0..3 {
                    let (cw, ch) = layout.comp_size(c);
                    let (x, y) = (cw - 1, ch / 2);
                    let v = (random() % (max + 1)) as u16;
                    match frame.plane_mut(c) {
                        Some(mut view) => {
                            view.set(x, y, v);
                            assert_eq!(view.get(x, y), v);
                        }
                        None => {
                            assert!(!viewable(format, c));
                            continue;
                        }
                    }
                    assert_eq!(frame.get(c, x, y), v, "{format:?} c{c}");
                }
                assert!(frame.as_ref().plane(3).is_none());
            }
        }
        // A 10-bit planar view reads the whole 16-bit word, as a sensor view of a 10-bit
        // Bayer format does; `get` keeps the low 10 bits. GStreamer leaves the high bits
        // clear, so the two agree on every well-formed frame (above).
        let layout = VideoLayout::parse("I420_10LE", 2, 2).unwrap();
        let (mut planes, strides) = layout.alloc();
        planes[0][..2].copy_from_slice(&0x8005u16.to_le_bytes());
        let frame = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        assert_eq!(frame.get(0, 0, 0), 5);
        assert_eq!(frame.as_ref().plane(0).map(|p| p.get(0, 0)), Some(0x8005));
    }

    #[test]
    fn refuses_short_planes_and_unknown_formats() {
        let l = VideoLayout::parse("NV12", 8, 8).unwrap();
        let a = vec![0u8; 64];
        let b = vec![0u8; 31];
        assert!(matches!(
            VideoFrame::new(l, [&a, &b, &[]], [8, 8, 0]),
            Err(LayoutError::ShortPlane { plane: 1, .. })
        ));
        assert!(VideoLayout::parse("GRAY8", 4, 4).is_err());
        assert!(VideoLayout::parse("I420", 0, 4).is_err());
    }
}
