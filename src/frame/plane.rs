//! Strided views of one [`Plane`] over bytes: [`PlaneRef`] reads and [`PlaneMut`] reads
//! and writes its samples as `u16`, whatever the (plain) sample encoding.
//!
//! These are what the Bayer/mono algorithms (detection, noise model, repair, temporal
//! evidence, calibration) take: a plane says what its samples hold and how they are
//! stored, so the algorithms never see caps. A sensor frame is one plane
//! ([`FrameFormat::view`](super::FrameFormat::view)); a YUV frame's planar components
//! are planes too ([`VideoFrame::plane`](super::VideoFrame::plane)).
//!
//! Only plain encodings ([`SampleEncoding::is_plain`]: one sample per 8- or 16-bit word,
//! value in the low bits) can be viewed, so that the readers never meet a packed word.
//! Padding bytes at the end of a row are outside every view: nothing here reads or
//! writes them.

use super::sample::{SampleEncoding, SampleIo, U8, U16Be, U16Le};
use super::sensor::{Cfa, FormatError};
use super::{Plane, Sampling};

impl Plane {
    /// The colour filter pattern of the plane: the Bayer pattern of a Bayer plane, and
    /// [`Cfa::Mono`] for every other sampling (each of those planes holds one colour).
    #[inline]
    pub fn cfa(&self) -> Cfa {
        match self.sampling {
            Sampling::Bayer(cfa) => cfa,
            Sampling::Mono | Sampling::Luma | Sampling::Chroma(_) | Sampling::Primary(_) => {
                Cfa::Mono
            }
        }
    }

    /// Largest sample value (`2^depth − 1`).
    #[inline]
    pub fn max_value(&self) -> u16 {
        ((1u32 << self.depth.min(16)) - 1) as u16
    }

    /// Bytes of one sample word.
    #[inline]
    pub fn bytes_per_sample(&self) -> usize {
        self.encoding.bytes()
    }

    /// Bytes of sample data in one row (without padding).
    #[inline]
    pub fn row_bytes(&self) -> usize {
        self.width * self.bytes_per_sample()
    }
}

/// Read-only view of one plane: `plane.height` rows of `plane.width` samples, rows
/// `stride` bytes apart.
#[derive(Clone, Copy)]
pub struct PlaneRef<'a> {
    data: &'a [u8],
    stride: usize,
    plane: Plane,
}

impl<'a> PlaneRef<'a> {
    /// A view of `data` with rows `stride` bytes apart; fails when `data` is too short
    /// or the plane's samples are not plain.
    pub fn new(data: &'a [u8], plane: Plane, stride: usize) -> Result<Self, FormatError> {
        check(data.len(), &plane, stride)?;
        Ok(PlaneRef {
            data,
            stride,
            plane,
        })
    }

    /// What the view holds.
    pub fn plane(&self) -> &Plane {
        &self.plane
    }

    /// Bytes from the start of one row to the next.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The underlying bytes, padding included.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Sample value at column `x`, row `y` (both must be inside the plane).
    #[inline]
    pub fn get(&self, x: usize, y: usize) -> u16 {
        read(self.data, self.stride, &self.plane, x, y)
    }
}

/// Writable view of one plane.
pub struct PlaneMut<'a> {
    data: &'a mut [u8],
    stride: usize,
    plane: Plane,
}

impl<'a> PlaneMut<'a> {
    /// A view of `data` with rows `stride` bytes apart; fails when `data` is too short
    /// or the plane's samples are not plain.
    pub fn new(data: &'a mut [u8], plane: Plane, stride: usize) -> Result<Self, FormatError> {
        check(data.len(), &plane, stride)?;
        Ok(PlaneMut {
            data,
            stride,
            plane,
        })
    }

    /// Read-only view of the same plane.
    pub fn as_ref(&self) -> PlaneRef<'_> {
        PlaneRef {
            data: self.data,
            stride: self.stride,
            plane: self.plane,
        }
    }

    /// What the view holds.
    pub fn plane(&self) -> &Plane {
        &self.plane
    }

    /// Bytes from the start of one row to the next.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The underlying bytes, padding included.
    pub fn data(&self) -> &[u8] {
        self.data
    }

    /// The underlying bytes, padding included.
    pub fn data_mut(&mut self) -> &mut [u8] {
        self.data
    }

    /// Sample value at column `x`, row `y` (both must be inside the plane).
    #[inline]
    pub fn get(&self, x: usize, y: usize) -> u16 {
        read(self.data, self.stride, &self.plane, x, y)
    }

    /// Writes `value` (clamped to the sample's range) at column `x`, row `y`.
    #[inline]
    pub fn set(&mut self, x: usize, y: usize, value: u16) {
        let at = y * self.stride + x * self.plane.bytes_per_sample();
        let value = value.min(self.plane.max_value());
        match self.plane.encoding {
            SampleEncoding::U8 => U8::write(self.data, at, value),
            // Views hold plain samples only (`check`): the other arms are never taken.
            SampleEncoding::U16Le | SampleEncoding::U16LeMsb | SampleEncoding::V210 => {
                U16Le::write(self.data, at, value)
            }
            SampleEncoding::U16Be => U16Be::write(self.data, at, value),
        }
    }
}

/// The sample at column `x`, row `y` of a plane stored in `data` at `stride`.
#[inline]
fn read(data: &[u8], stride: usize, plane: &Plane, x: usize, y: usize) -> u16 {
    let at = y * stride + x * plane.bytes_per_sample();
    match plane.encoding {
        SampleEncoding::U8 => U8::read(data, at),
        // Views hold plain samples only (`check`): the other arms are never taken.
        SampleEncoding::U16Le | SampleEncoding::U16LeMsb | SampleEncoding::V210 => {
            U16Le::read(data, at)
        }
        SampleEncoding::U16Be => U16Be::read(data, at),
    }
}

/// Whether a view of `len` bytes at `stride` holds `plane`: a non-empty plane of plain
/// samples ([`SampleEncoding::is_plain`], so that the readers never meet a packed
/// encoding) whose rows all fit.
fn check(len: usize, plane: &Plane, stride: usize) -> Result<(), FormatError> {
    if !plane.encoding.is_plain() {
        return Err(FormatError::Unsupported(format!(
            "{:?} samples in a plane view",
            plane.encoding
        )));
    }
    if plane.width == 0 || plane.height == 0 {
        return Err(FormatError::BadSize {
            width: plane.width as i64,
            height: plane.height as i64,
        });
    }
    let row = plane.row_bytes();
    let needed = stride
        .checked_mul(plane.height - 1)
        .and_then(|n| n.checked_add(row));
    match needed {
        Some(needed) if stride >= row && len >= needed => Ok(()),
        _ => Err(FormatError::ShortBuffer {
            size: len,
            needed: needed.unwrap_or(usize::MAX).max(row),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::FrameFormat;

    #[test]
    fn reads_and_writes_every_encoding() {
        for (name, bytes) in [
            ("rggb", [7u8, 0]),
            ("rggb12le", [0x34, 0x02]),
            ("rggb12be", [0x02, 0x34]),
        ] {
            let f = FrameFormat::parse("video/x-bayer", name, 2, 2).unwrap();
            let stride = f.default_stride();
            let mut data = vec![0u8; f.default_size()];
            data[stride..stride + f.bytes_per_sample()]
                .copy_from_slice(&bytes[..f.bytes_per_sample()]);
            let mut frame = PlaneMut::new(&mut data, f.plane(), stride).unwrap();
            let expected = if f.depth == 8 { 7 } else { 0x234 };
            assert_eq!(frame.get(0, 1), expected);
            frame.set(1, 1, 0xffff);
            assert_eq!(frame.get(1, 1), f.max_value());
        }
    }

    #[test]
    fn refuses_short_buffers_empty_planes_and_packed_samples() {
        let f = FrameFormat::parse("video/x-bayer", "bggr16le", 4, 4).unwrap();
        let data = vec![0u8; 31];
        assert!(PlaneRef::new(&data, f.plane(), 8).is_err());
        assert!(PlaneRef::new(&data, f.plane(), 6).is_err());
        assert!(PlaneRef::new(&data[..], f.plane(), usize::MAX).is_err());
        let empty = Plane {
            height: 0,
            ..f.plane()
        };
        assert!(PlaneRef::new(&data, empty, 8).is_err());
        let packed = Plane {
            encoding: SampleEncoding::U16LeMsb,
            ..f.plane()
        };
        assert!(PlaneRef::new(&[0u8; 64], packed, 8).is_err());
    }

    #[test]
    fn plane_helpers() {
        let bayer = FrameFormat::parse("video/x-bayer", "gbrg10be", 6, 2)
            .unwrap()
            .plane();
        assert_eq!(bayer.cfa(), Cfa::Gbrg);
        assert_eq!(
            (
                bayer.max_value(),
                bayer.bytes_per_sample(),
                bayer.row_bytes()
            ),
            (1023, 2, 12)
        );
        let gray = FrameFormat::parse("video/x-raw", "GRAY8", 5, 1)
            .unwrap()
            .plane();
        assert_eq!(
            (gray.cfa(), gray.max_value(), gray.row_bytes()),
            (Cfa::Mono, 255, 5)
        );
        let luma = Plane {
            sampling: Sampling::Luma,
            ..gray
        };
        assert_eq!(luma.cfa(), Cfa::Mono);
    }
}
