//! How one sample is stored, and the readers and writers of the encodings that store one
//! sample per addressable word.
//!
//! [`SampleEncoding`] names every encoding a plane of this crate can use: 8-bit, 16-bit
//! little- or big-endian with the value in the low bits, 16-bit little-endian with the
//! value in the high bits, and v210's three 10-bit samples per 32-bit word. Sensor
//! frames (Bayer, GRAY) use the first three, which have a [`SampleIo`] type each so that
//! kernels can be compiled once per encoding ([`with_sample_io!`](crate::with_sample_io));
//! video frames gather whole rows through [`VideoFrame`](super::VideoFrame).

/// How one sample is stored in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SampleEncoding {
    /// One byte.
    U8,
    /// A little-endian 16-bit word, value in the low bits (`bggr12le`, `GRAY16_LE`,
    /// `I420_10LE`, `I422_10LE`).
    U16Le,
    /// A big-endian 16-bit word, value in the low bits (`bggr12be`, `GRAY16_BE`).
    U16Be,
    /// A little-endian 16-bit word, value in the high bits (`P010_10LE`: 10 bits << 6).
    U16LeMsb,
    /// v210: 4:2:2 10-bit, six pixels in four little-endian 32-bit words, three
    /// 10-bit samples per word (`Cb0 Y0 Cr0 | Y1 Cb1 Y2 | Cr1 Y3 Cb2 | Y4 Cr2 Y5`).
    V210,
}

impl SampleEncoding {
    /// Bytes of one sample word: 1 for 8-bit samples, 2 for 16-bit words, 4 for v210
    /// (one 32-bit word holds three samples there).
    #[inline]
    pub fn bytes(self) -> usize {
        match self {
            SampleEncoding::U8 => 1,
            SampleEncoding::U16Le | SampleEncoding::U16Be | SampleEncoding::U16LeMsb => 2,
            SampleEncoding::V210 => 4,
        }
    }

    /// Whether each sample sits alone in its own word with the value in the low bits:
    /// the encodings a [`SampleIo`] type reads and writes, and the only ones a plane
    /// view ([`PlaneRef`](super::PlaneRef)) may hold (every sensor frame's are).
    pub fn is_plain(self) -> bool {
        matches!(
            self,
            SampleEncoding::U8 | SampleEncoding::U16Le | SampleEncoding::U16Be
        )
    }
}

/// Reads and writes one sample encoding. Zero-sized types implement it so that kernels
/// can be compiled once per encoding.
pub trait SampleIo: Copy + Send + Sync + 'static {
    /// Bytes per sample.
    const BYTES: usize;
    /// Reads the sample that starts at byte `at`.
    fn read(data: &[u8], at: usize) -> u16;
    /// Writes `value` at byte `at`.
    fn write(data: &mut [u8], at: usize, value: u16);
}

/// 8-bit samples.
#[derive(Clone, Copy, Debug)]
pub struct U8;
/// 16-bit little-endian samples.
#[derive(Clone, Copy, Debug)]
pub struct U16Le;
/// 16-bit big-endian samples.
#[derive(Clone, Copy, Debug)]
pub struct U16Be;

impl SampleIo for U8 {
    const BYTES: usize = 1;
    #[inline(always)]
    fn read(data: &[u8], at: usize) -> u16 {
        u16::from(data[at])
    }
    #[inline(always)]
    fn write(data: &mut [u8], at: usize, value: u16) {
        data[at] = value.min(255) as u8;
    }
}

impl SampleIo for U16Le {
    const BYTES: usize = 2;
    #[inline(always)]
    fn read(data: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([data[at], data[at + 1]])
    }
    #[inline(always)]
    fn write(data: &mut [u8], at: usize, value: u16) {
        data[at..at + 2].copy_from_slice(&value.to_le_bytes());
    }
}

impl SampleIo for U16Be {
    const BYTES: usize = 2;
    #[inline(always)]
    fn read(data: &[u8], at: usize) -> u16 {
        u16::from_be_bytes([data[at], data[at + 1]])
    }
    #[inline(always)]
    fn write(data: &mut [u8], at: usize, value: u16) {
        data[at..at + 2].copy_from_slice(&value.to_be_bytes());
    }
}

/// Calls `$body` with `$io` bound to the [`SampleIo`] type of `$sample`.
///
/// Only the plain encodings ([`SampleEncoding::is_plain`]) have a reader of their own;
/// plane views ([`PlaneRef`](crate::frame::PlaneRef)) refuse the others when they are
/// made, and the macro binds the 16-bit little-endian reader for them only so that the
/// match stays total.
#[macro_export]
#[doc(hidden)]
macro_rules! with_sample_io {
    ($sample:expr, $io:ident => $body:expr) => {
        match $sample {
            $crate::frame::SampleEncoding::U8 => {
                type $io = $crate::frame::U8;
                $body
            }
            $crate::frame::SampleEncoding::U16Le
            | $crate::frame::SampleEncoding::U16LeMsb
            | $crate::frame::SampleEncoding::V210 => {
                type $io = $crate::frame::U16Le;
                $body
            }
            $crate::frame::SampleEncoding::U16Be => {
                type $io = $crate::frame::U16Be;
                $body
            }
        }
    };
}
