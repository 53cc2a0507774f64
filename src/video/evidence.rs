//! The picture's temporal evidence: the Bayer path's engine ([`crate::temporal`]) on the
//! picture's context component (luma, or G of RGB), so that both paths share one motion
//! estimator, one noise model and one evidence store.
//!
//! A pixel error of processed video is a photosite's error spread by demosaicing and
//! chroma resampling over a few pixels; in luma its centre is the extreme of its
//! neighbourhood, and it stays at the same frame pixel while the picture moves. That is
//! what the engine's rules confirm (its tiles' sub-pixel motion, its frame-to-frame
//! noise and texture allowances). What differs on a processed plane
//! ([`crate::frame::Sampling::is_processed`]), all decided in [`crate::temporal`]: the
//! engine works on a 2-pixel lattice, as on a Bayer sensor (a pixel's neighbours two
//! pixels away, outside the 3×3 its defect spreads over; 2×2 cells in the motion
//! search; instants at whole 2-pixel steps); a point's shape tells nothing (an error is
//! spread by the interpolation as a star is by the lens: no lens test); and a pixel's
//! stillness tells nothing either (it carries its neighbours' noise, and a codec copies
//! unchanged blocks exactly): motion alone decides.
//!
//! The engine may confirm the adjacent pixels of a spot with its centre; this module
//! gives one position per spot ([`spot_centres`]). The pixels of confirmed column
//! lines are left out of the spots (see `spots_of`): the lines have a repair of their
//! own ([`super::lines`]).
//!
//! Components that a [`PlaneRef`] can view in place (the planar formats' luma, NV12's)
//! are read where they are; the others are unpacked into one copy per frame: of bytes
//! where the format's samples are bytes (packed 4:2:2 and 4:4:4, 8-bit RGB), of 16-bit
//! words otherwise (v210, 10-bit words in pairs).

use crate::detect::NoiseEstimator;
use crate::exec::{self, KernelPath, PerThread};
use crate::frame::{Plane, PlaneRef, Position, SampleEncoding, VideoFrame, VideoLayout};
use crate::temporal::{Evidence, LearnUpdate};

/// An adjacent pixel standing out by at most this share of a defect's standout is an
/// arm of it (bilinear demosaicing gives the adjacent pixels half the photosite's error
/// in its colour, and luma mixes in the unchanged colours).
const ARM_SHARE: f64 = 0.6;

/// Score ([`crate::temporal::rules`]) that one instant gives a pixel lying beyond all
/// its neighbours and beyond its temporal prediction by at least three allowances
/// (noise and texture) each: enough to repair a held first frame, not to confirm.
const FIRST_LOOK: u16 = 8;

/// The least picture, in pixels, whose unpacking runs on the shared pool (below it,
/// handing the bands out costs more than it saves: measured on 320×240 UYVY footage,
/// 0.3 ms a frame more; a 1080p UYVY frame spends about a tenth of its time there).
const PARALLEL_UNPACK: usize = 1 << 20;

/// Temporal evidence of one picture layout's context component.
#[derive(Debug)]
pub struct PictureEvidence {
    comp: usize,
    /// The plane the engine sees: the component in place, or its unpacked copy.
    plane: Plane,
    /// The unpacked copy (bytes, or little-endian 16-bit samples: `plane.encoding`; rows
    /// one after the other), and each worker's row of it as numbers.
    unpacked: Vec<u8>,
    rows: PerThread<Vec<u16>>,
    estimator: NoiseEstimator,
    evidence: Evidence,
    /// The spots of the confirmed pixels ([`spot_centres`]), as of the last frame.
    spots: Vec<Position>,
}

impl PictureEvidence {
    /// Evidence on component `comp` of frames of `layout`.
    pub fn new(layout: &VideoLayout, comp: usize) -> Self {
        let direct = layout.plane(comp);
        // A component in place is read there; one of bytes is unpacked into bytes,
        // which the engine reads as it reads a planar 8-bit luma; the others (v210,
        // words in pairs) into little-endian words.
        let plane = if layout.viewable(comp).is_some() || direct.encoding == SampleEncoding::U8 {
            direct
        } else {
            Plane {
                encoding: SampleEncoding::U16Le,
                ..direct
            }
        };
        PictureEvidence {
            comp,
            plane,
            unpacked: Vec::new(),
            rows: PerThread::new(),
            estimator: NoiseEstimator::new(),
            evidence: Evidence::new(plane),
            spots: Vec::new(),
        }
    }

    /// The same for the field of parity `parity` of interlaced frames
    /// ([`Evidence::for_field`]).
    pub fn for_field(self, parity: usize) -> Self {
        PictureEvidence {
            evidence: self.evidence.for_field(parity),
            ..self
        }
    }

    /// For a field, before each frame: takes the other field's rows of the frame as it
    /// arrived (`frame`, the whole interlaced frame), which the evidence reads between
    /// this field's rows ([`Evidence::other_field`]).
    pub fn set_other_field(&mut self, frame: &VideoFrame<'_>, other_parity: usize) {
        let comp = self.comp;
        let (w, h) = frame.layout().comp_size(comp);
        let Some(rows) = self.evidence.other_field() else {
            return;
        };
        let lines = (other_parity..h).step_by(2);
        rows.resize(lines.len() * w, 0);
        for (y, row) in lines.zip(rows.chunks_exact_mut(w.max(1))) {
            frame.unpack_row(comp, y, row);
        }
    }

    /// Takes the evidence of `view` as it arrived (before any repair).
    pub fn observe(&mut self, view: &VideoFrame<'_>, n_threads: usize) -> LearnUpdate {
        let (w, h) = (self.plane.width, self.plane.height);
        let in_place = view.plane(self.comp).filter(|p| p.plane() == &self.plane);
        let frame = match in_place {
            Some(p) => p,
            None => {
                // Unpacked in bands of rows, on the shared pool where the picture is
                // large enough to repay handing the bands out.
                let row_bytes = self.plane.row_bytes();
                self.unpacked.resize(row_bytes * h, 0);
                let (comp, rows) = (self.comp, &self.rows);
                let threads = if w * h >= PARALLEL_UNPACK {
                    exec::threads(n_threads)
                } else {
                    1
                };
                let mut bands: Vec<(usize, &mut [u8])> =
                    exec::row_bands(&mut self.unpacked, row_bytes).collect();
                exec::run_bands(&mut bands, threads, |(y0, band)| {
                    let mut row = rows.get();
                    for (y, dst) in (*y0..).zip(band.chunks_exact_mut(row_bytes)) {
                        if view.unpack_row_bytes(comp, y, dst) {
                            continue;
                        }
                        row.resize(w, 0);
                        view.unpack_row(comp, y, &mut row);
                        for (d, &v) in dst.chunks_exact_mut(2).zip(row.iter()) {
                            d.copy_from_slice(&v.to_le_bytes());
                        }
                    }
                });
                match PlaneRef::new(&self.unpacked, self.plane, row_bytes) {
                    Ok(p) => p,
                    Err(_) => return LearnUpdate::default(),
                }
            }
        };
        let noise = self.estimator.estimate(&frame);
        let update = self.evidence.observe(&frame, &noise, n_threads);
        self.spots = self.spots_of(view, self.evidence.confirmed_pixels());
        update
    }

    /// Chooses the instruction set of the engine's vectorised screen (every path gives
    /// the same evidence).
    pub fn set_kernel_path(&mut self, path: KernelPath) {
        self.evidence.set_kernel_path(path);
    }

    /// The spots of the confirmed pixels and of those that one instant already showed
    /// beyond every neighbour and their temporal prediction by `FIRST_LOOK` points'
    /// worth, centred as `view` shows them, row-major: what a stream's held first frame
    /// (`view`) is repaired with once the second frame has been seen.
    pub fn first_look(&self, view: &VideoFrame<'_>) -> Vec<Position> {
        self.spots_of(view, &self.evidence.at_least(FIRST_LOOK))
    }

    /// The spots of `pixels` ([`spot_centres`]), row-major, without the pixels of
    /// confirmed column lines: the spot repair re-estimates a spot of up to 3×3 pixels
    /// from the ring around it, and a demosaiced dead column is a line three pixels
    /// wide whose ring lies on the line too (measured: repairing its pixels one by one
    /// left the line visible, changed good samples beside it and cost PSNR on star
    /// fields). The lines are repaired as lines ([`super::lines`]), from the evidence
    /// ([`Self::evidence`]).
    fn spots_of(&self, view: &VideoFrame<'_>, pixels: &[Position]) -> Vec<Position> {
        let lines = self.evidence.column_lines();
        let on_line = |p: &Position| lines.iter().any(|l| l.x.abs_diff(p.x) <= 1);
        let singles: Vec<Position> = pixels.iter().copied().filter(|p| !on_line(p)).collect();
        spot_centres(view, self.comp, &singles)
    }

    /// The stream jumped: the next frame does not continue the last.
    pub fn discontinuity(&mut self) {
        self.evidence.discontinuity();
    }

    /// The confirmed pixel errors, one position per spot ([`spot_centres`]: frame
    /// pixels of the component's grid), row-major.
    pub fn confirmed(&self) -> &[Position] {
        &self.spots
    }

    /// The engine itself.
    pub fn evidence(&self) -> &Evidence {
        &self.evidence
    }
}

/// The pixels of `pixels` (row-major) that are defects of their own, not the arms of
/// one: a demosaiced defect raises its adjacent pixels too (by at most half its own
/// deviation, bilinear interpolation), and the evidence may confirm them with it. A
/// listed pixel whose standout from its surroundings (its distance from the mean of the
/// 8 pixels two away) is at most `ARM_SHARE` of a listed neighbour's is such an arm
/// and is left out; the photosites of a pair or a 2×2 block, each as far out as the
/// others, all stay.
pub fn spot_centres(view: &VideoFrame<'_>, comp: usize, pixels: &[Position]) -> Vec<Position> {
    let (w, h) = view.layout().comp_size(comp);
    let standout = |p: Position| -> u32 {
        let (x, y) = (p.x as usize, p.y as usize);
        if x < 2 || y < 2 || x + 2 >= w || y + 2 >= h {
            return 0;
        }
        let ring: u32 = [
            (-2isize, -2isize),
            (0, -2),
            (2, -2),
            (-2, 0),
            (2, 0),
            (-2, 2),
            (0, 2),
            (2, 2),
        ]
        .iter()
        .map(|&(dx, dy)| {
            u32::from(view.get(comp, x.wrapping_add_signed(dx), y.wrapping_add_signed(dy)))
        })
        .sum();
        (8 * u32::from(view.get(comp, x, y))).abs_diff(ring)
    };
    let strengths: Vec<u32> = pixels.iter().map(|&p| standout(p)).collect();
    // The standout of listed pixel `q`, `None` when `q` is not listed.
    let listed = |q: Position| pixels.binary_search(&q).ok().map(|j| strengths[j]);
    pixels
        .iter()
        .zip(&strengths)
        .filter(|&(&p, &d)| {
            (-1i32..=1).all(|dy| {
                (-1i32..=1).all(|dx| {
                    let Some(e) = p.offset(dx, dy).filter(|&q| q != p).and_then(listed) else {
                        return true;
                    };
                    f64::from(d) > ARM_SHARE * f64::from(e)
                })
            })
        })
        .map(|(&p, _)| p)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::VideoFrameMut;

    /// A frame of `layout` whose luma is `luma(x, y)` and chroma mid-grey.
    fn frame_of(layout: VideoLayout, luma: impl Fn(usize, usize) -> u16) -> Vec<Vec<u8>> {
        let (mut planes, strides) = layout.alloc();
        let mut f = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        f.fill(|c, x, y| if c == 0 { luma(x, y) } else { 128 });
        planes
    }

    #[test]
    fn one_position_per_spot_and_every_photosite_of_a_block() {
        let layout = VideoLayout::parse("I420", 64, 32).unwrap();
        // A demosaiced hot photosite at (20, 12): +120, its four arms +40; a 2×2 block
        // of photosites at (40..42, 12..14), +90 each, with arms of +30.
        let luma = |x: usize, y: usize| -> u16 {
            let plus = match (x.abs_diff(20), y.abs_diff(12)) {
                (0, 0) => 120,
                (1, 0) | (0, 1) => 40,
                _ => 0,
            };
            let block = if (40..42).contains(&x) && (12..14).contains(&y) {
                90
            } else if (39..43).contains(&x) && (11..15).contains(&y) {
                30
            } else {
                0
            };
            60 + plus + block
        };
        let planes = frame_of(layout, luma);
        let strides = layout.default_strides();
        let view = VideoFrame::new(layout, [&planes[0], &planes[1], &planes[2]], strides).unwrap();
        // The evidence confirmed every raised pixel.
        let mut listed: Vec<Position> = (0..32)
            .flat_map(|y| (0..64).map(move |x| Position::new(x, y)))
            .filter(|p| luma(p.x as usize, p.y as usize) > 60)
            .collect();
        listed.sort_unstable();
        let centres = spot_centres(&view, 0, &listed);
        let expected: Vec<Position> = [(20, 12), (40, 12), (41, 12), (40, 13), (41, 13)]
            .map(|(x, y)| Position::new(x, y))
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(centres, expected);
    }

    #[test]
    fn a_packed_format_gives_the_evidence_of_its_planar_twin() {
        // The same luma as UYVY (unpacked into the engine's copy) and I420 (viewed in
        // place): a smooth texture panning 4 pixels a frame and a fixed demosaiced
        // spot (+100, its four arms +35) on it.
        let luma = |t: usize| {
            move |x: usize, y: usize| -> u16 {
                let spot = match (x.abs_diff(50), y.abs_diff(40)) {
                    (0, 0) => 100.0,
                    (1, 0) | (0, 1) => 35.0,
                    _ => 0.0,
                };
                let u = (x + 4 * t) as f64;
                (100.0 + 40.0 * (u * 0.21).sin() * (y as f64 * 0.17).cos() + spot).round() as u16
            }
        };
        let confirmed = |format: &str| {
            let layout = VideoLayout::parse(format, 128, 96).unwrap();
            let mut e = PictureEvidence::new(&layout, 0);
            for t in 0..6 {
                let planes = frame_of(layout, luma(t));
                let p = |i: usize| planes.get(i).map_or(&[][..], |v| v.as_slice());
                let view =
                    VideoFrame::new(layout, [p(0), p(1), p(2)], layout.default_strides()).unwrap();
                e.observe(&view, 1);
            }
            e.confirmed().to_vec()
        };
        let planar = confirmed("I420");
        assert_eq!(planar, vec![Position::new(50, 40)]);
        assert_eq!(confirmed("UYVY"), planar);
    }
}
