//! Repair of defective pixels from healthy same-colour neighbours.
//!
//! A defect is replaced by the mean of the pair of opposite same-colour neighbours that
//! differ least (the direction of least gradient, so edges are not smeared across), using
//! only pairs whose two pixels are inside the frame and not themselves defective. Where no
//! such pair exists (clusters, frame borders), the value is the median of the nearest
//! healthy same-colour pixels. Either way the result lies within the range of the healthy
//! pixels it was computed from.

use crate::frame::{Cfa, Channel, PlaneRef, SampleIo};

/// One bit per pixel: set where a pixel is known to be defective.
#[derive(Clone, Debug, Default)]
pub struct Mask {
    width: usize,
    height: usize,
    words: Vec<u64>,
}

impl Mask {
    /// An empty mask for a `width`×`height` frame.
    pub fn new(width: usize, height: usize) -> Self {
        Mask {
            width,
            height,
            words: vec![0; (width * height).div_ceil(64)],
        }
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// Whether pixel (`x`, `y`) is marked; pixels outside the frame are not.
    #[inline]
    pub fn get(&self, x: usize, y: usize) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let i = y * self.width + x;
        self.words[i / 64] >> (i % 64) & 1 != 0
    }

    /// Marks pixel (`x`, `y`); returns whether it was unmarked before.
    #[inline]
    pub fn set(&mut self, x: usize, y: usize) -> bool {
        let i = y * self.width + x;
        let bit = 1u64 << (i % 64);
        let was = self.words[i / 64] & bit;
        self.words[i / 64] |= bit;
        was == 0
    }

    /// Unmarks pixel (`x`, `y`).
    #[inline]
    pub fn clear(&mut self, x: usize, y: usize) {
        let i = y * self.width + x;
        self.words[i / 64] &= !(1u64 << (i % 64));
    }
}

/// Pair directions (dx, dy) for red and blue Bayer sites: horizontal, vertical and the
/// two diagonals; the partner of (dx, dy) is (-dx, -dy).
const RED_BLUE_PAIRS: &[(isize, isize)] = &[(2, 0), (0, 2), (2, 2), (2, -2)];
/// Green Bayer sites also have same-colour neighbours on the diagonals at distance 1,
/// the nearest ones, so those come first.
const GREEN_PAIRS: &[(isize, isize)] = &[(1, 1), (1, -1), (2, 0), (0, 2), (2, 2), (2, -2)];
/// Monochrome: the 8 direct neighbours.
const MONO_PAIRS: &[(isize, isize)] = &[(1, 0), (0, 1), (1, 1), (1, -1)];

/// How far (in same-colour steps) the fallback looks for healthy pixels.
const MAX_RING: usize = 16;

/// Estimates the true value of pixel (`x`, `y`) from healthy same-colour neighbours.
/// Returns `None` when none lies within reach (a defect cluster larger than the search).
pub fn estimate(frame: &PlaneRef<'_>, mask: &Mask, x: usize, y: usize) -> Option<u16> {
    crate::with_sample_io!(frame.plane().encoding, Io => estimate_io::<Io>(frame, mask, x, y))
}

/// [`estimate`] for one sample encoding (reads inlined).
#[inline]
fn estimate_io<Io: SampleIo>(frame: &PlaneRef<'_>, mask: &Mask, x: usize, y: usize) -> Option<u16> {
    let (data, stride) = (frame.data(), frame.stride());
    let cfa = frame.plane().cfa();
    let pairs = match cfa.channel(x, y) {
        Channel::Green => GREEN_PAIRS,
        Channel::Luma => MONO_PAIRS,
        Channel::Red | Channel::Blue => RED_BLUE_PAIRS,
    };
    let healthy = |dx: isize, dy: isize| -> Option<u16> {
        let nx = x.checked_add_signed(dx)?;
        let ny = y.checked_add_signed(dy)?;
        let f = frame.plane();
        if nx >= f.width || ny >= f.height || mask.get(nx, ny) {
            return None;
        }
        Some(Io::read(data, ny * stride + nx * Io::BYTES))
    };
    let mut best: Option<(u16, u32)> = None;
    for &(dx, dy) in pairs {
        if let (Some(a), Some(b)) = (healthy(dx, dy), healthy(-dx, -dy)) {
            let gradient = a.abs_diff(b);
            if best.is_none_or(|(g, _)| gradient < g) {
                best = Some((gradient, u32::from(a) + u32::from(b)));
            }
        }
    }
    if let Some((_, sum)) = best {
        return Some(sum.div_ceil(2) as u16);
    }
    nearest_healthy(frame, mask, x, y, cfa)
}

/// Median of the healthy same-colour pixels nearest to (`x`, `y`).
fn nearest_healthy(frame: &PlaneRef<'_>, mask: &Mask, x: usize, y: usize, cfa: Cfa) -> Option<u16> {
    let f = frame.plane();
    let pitch = cfa.pitch();
    let channel = cfa.channel(x, y);
    // Candidates at the smallest squared distance seen so far.
    let mut best_d2 = usize::MAX;
    let mut values = [0u16; 32];
    let mut count = 0usize;
    let mut last_ring = MAX_RING;
    let mut ring = 1;
    while ring <= last_ring {
        let reach = ring * pitch;
        let (x0, x1) = (x.saturating_sub(reach), (x + reach).min(f.width - 1));
        let (y0, y1) = (y.saturating_sub(reach), (y + reach).min(f.height - 1));
        for ny in y0..=y1 {
            for nx in x0..=x1 {
                // Only the ring itself: inner pixels were seen at a smaller ring.
                if nx.abs_diff(x).max(ny.abs_diff(y)) + pitch <= reach
                    || cfa.channel(nx, ny) != channel
                    || mask.get(nx, ny)
                    || (nx == x && ny == y)
                {
                    continue;
                }
                let d2 = nx.abs_diff(x).pow(2) + ny.abs_diff(y).pow(2);
                if d2 < best_d2 {
                    best_d2 = d2;
                    count = 0;
                }
                if d2 == best_d2 && count < values.len() {
                    values[count] = frame.get(nx, ny);
                    count += 1;
                }
            }
        }
        if count > 0 && last_ring == MAX_RING {
            // A pixel of a later ring can still be nearer (a ring's corners are
            // √2 times as far as its edge centres): look that far, no further.
            let limit = (ring * 3).div_ceil(2);
            last_ring = limit.min(MAX_RING);
        }
        ring += 1;
    }
    if count == 0 {
        return None;
    }
    let values = &mut values[..count];
    values.sort_unstable();
    let mid = count / 2;
    Some(if count % 2 == 1 {
        values[mid]
    } else {
        (u32::from(values[mid - 1]) + u32::from(values[mid])).div_ceil(2) as u16
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{FrameFormat, PlaneMut};

    fn frame_from(values: &[u16], w: usize, h: usize, name: &str) -> (Vec<u8>, FrameFormat) {
        let f = FrameFormat::parse("video/x-bayer", name, w as i64, h as i64).unwrap();
        let stride = f.default_stride();
        let mut data = vec![0u8; f.default_size()];
        let mut frame = PlaneMut::new(&mut data, f.plane(), stride).unwrap();
        for y in 0..h {
            for x in 0..w {
                frame.set(x, y, values[y * w + x]);
            }
        }
        (data, f)
    }

    #[test]
    fn chooses_the_flattest_direction() {
        // Vertical edge through a red site: left half 100, right half 900.
        let (w, h) = (8, 8);
        let vals: Vec<u16> = (0..w * h)
            .map(|i| if i % w < 4 { 100 } else { 900 })
            .collect();
        let (data, f) = frame_from(&vals, w, h, "rggb16le");
        let frame = PlaneRef::new(&data, f.plane(), f.default_stride()).unwrap();
        let mut mask = Mask::new(w, h);
        mask.set(2, 2);
        // Horizontal pair (0,2)/(4,2) straddles the edge; vertical pair is flat.
        assert_eq!(estimate(&frame, &mask, 2, 2), Some(100));
    }

    #[test]
    fn skips_defective_neighbours_and_falls_back_to_nearest() {
        let (w, h) = (8, 8);
        let vals: Vec<u16> = (0..w * h).map(|i| (i as u16) * 10).collect();
        let (data, f) = frame_from(&vals, w, h, "rggb16le");
        let frame = PlaneRef::new(&data, f.plane(), f.default_stride()).unwrap();
        let mut mask = Mask::new(w, h);
        // Corner red pixel: no complete pair; nearest healthy reds are (2,0) and (0,2).
        mask.set(0, 0);
        assert_eq!(estimate(&frame, &mask, 0, 0), Some((20 + 160) / 2));
        // With (2,0) also defective, (0,2) is the only nearest one left.
        mask.set(2, 0);
        assert_eq!(estimate(&frame, &mask, 0, 0), Some(160));
        let mut all = Mask::new(w, h);
        for y in 0..h {
            for x in 0..w {
                all.set(x, y);
            }
        }
        assert_eq!(estimate(&frame, &all, 3, 3), None);
    }
}
