//! Strided views of one frame over 8- or 16-bit samples.
//!
//! A view knows the frame's size, stride and sample encoding; it reads and writes sample
//! values as `u16` whatever the encoding. Padding bytes at the end of a row are outside
//! every view: nothing here reads or writes them.

use crate::format::{FormatError, FrameFormat, Sample};

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
#[macro_export]
#[doc(hidden)]
macro_rules! with_sample_io {
    ($sample:expr, $io:ident => $body:expr) => {
        match $sample {
            $crate::format::Sample::U8 => {
                type $io = $crate::frame::U8;
                $body
            }
            $crate::format::Sample::U16Le => {
                type $io = $crate::frame::U16Le;
                $body
            }
            $crate::format::Sample::U16Be => {
                type $io = $crate::frame::U16Be;
                $body
            }
        }
    };
}

/// Read-only view of a frame.
#[derive(Clone, Copy)]
pub struct FrameRef<'a> {
    data: &'a [u8],
    stride: usize,
    format: FrameFormat,
}

impl<'a> FrameRef<'a> {
    /// A view of `data` with the given stride; fails when `data` is too short.
    pub fn new(data: &'a [u8], format: FrameFormat, stride: usize) -> Result<Self, FormatError> {
        check_size(data.len(), &format, stride)?;
        Ok(FrameRef {
            data,
            stride,
            format,
        })
    }

    /// A view with the stride that the buffer size implies (see
    /// [`FrameFormat::stride_for_size`]).
    pub fn from_buffer(data: &'a [u8], format: FrameFormat) -> Result<Self, FormatError> {
        let stride = format.stride_for_size(data.len())?;
        Self::new(data, format, stride)
    }

    pub fn format(&self) -> &FrameFormat {
        &self.format
    }

    pub fn stride(&self) -> usize {
        self.stride
    }

    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Sample value at column `x`, row `y` (both must be inside the frame).
    #[inline]
    pub fn get(&self, x: usize, y: usize) -> u16 {
        let at = y * self.stride + x * self.format.bytes_per_sample();
        match self.format.sample {
            Sample::U8 => U8::read(self.data, at),
            Sample::U16Le => U16Le::read(self.data, at),
            Sample::U16Be => U16Be::read(self.data, at),
        }
    }
}

/// Writable view of a frame.
pub struct FrameMut<'a> {
    data: &'a mut [u8],
    stride: usize,
    format: FrameFormat,
}

impl<'a> FrameMut<'a> {
    /// A view of `data` with the given stride; fails when `data` is too short.
    pub fn new(
        data: &'a mut [u8],
        format: FrameFormat,
        stride: usize,
    ) -> Result<Self, FormatError> {
        check_size(data.len(), &format, stride)?;
        Ok(FrameMut {
            data,
            stride,
            format,
        })
    }

    /// A view with the stride that the buffer size implies.
    pub fn from_buffer(data: &'a mut [u8], format: FrameFormat) -> Result<Self, FormatError> {
        let stride = format.stride_for_size(data.len())?;
        Self::new(data, format, stride)
    }

    /// Read-only view of the same frame.
    pub fn as_ref(&self) -> FrameRef<'_> {
        FrameRef {
            data: self.data,
            stride: self.stride,
            format: self.format,
        }
    }

    pub fn format(&self) -> &FrameFormat {
        &self.format
    }

    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The underlying bytes, padding included.
    pub fn data_mut(&mut self) -> &mut [u8] {
        self.data
    }

    #[inline]
    pub fn get(&self, x: usize, y: usize) -> u16 {
        self.as_ref().get(x, y)
    }

    /// Writes `value` (clamped to the sample's range) at column `x`, row `y`.
    #[inline]
    pub fn set(&mut self, x: usize, y: usize, value: u16) {
        let at = y * self.stride + x * self.format.bytes_per_sample();
        let value = value.min(self.format.max_value());
        match self.format.sample {
            Sample::U8 => U8::write(self.data, at, value),
            Sample::U16Le => U16Le::write(self.data, at, value),
            Sample::U16Be => U16Be::write(self.data, at, value),
        }
    }
}

fn check_size(len: usize, format: &FrameFormat, stride: usize) -> Result<(), FormatError> {
    let needed = stride * (format.height - 1) + format.row_bytes();
    if stride < format.row_bytes() || len < needed {
        return Err(FormatError::ShortBuffer {
            size: len,
            needed: needed.max(format.row_bytes()),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
            let mut frame = FrameMut::new(&mut data, f, stride).unwrap();
            let expected = if f.depth == 8 { 7 } else { 0x234 };
            assert_eq!(frame.get(0, 1), expected);
            frame.set(1, 1, 0xffff);
            assert_eq!(frame.get(1, 1), f.max_value());
        }
    }

    #[test]
    fn refuses_short_buffers() {
        let f = FrameFormat::parse("video/x-bayer", "bggr16le", 4, 4).unwrap();
        let data = vec![0u8; 31];
        assert!(FrameRef::new(&data, f, 8).is_err());
        assert!(FrameRef::new(&data, f, 6).is_err());
    }
}
