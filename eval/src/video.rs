//! The measurement of the video path, without GStreamer: panned sequences cut from a real
//! Bayer frame, fixed sensor defects injected at the same sensor positions in every
//! frame, and the scoring of a processed (YUV or RGB) sequence against the clean one.
//!
//! The protocol (`examples/evaluate_video.rs` runs it through `bayer2rgb ! videoconvert`,
//! `tests/video.rs` guards it on one sequence):
//!
//! 1. [`pan_sequence`]: crop windows of an 8-bit Bayer frame that move by even offsets
//!    (so the CFA phase stays) frame after frame — the camera pans, the sensor does not;
//! 2. [`inject`]: the same sensor defects (the [`gstdefectfix::sim`] model: hot, dead, stuck,
//!    weak) at the same positions of every crop;
//! 3. the clean and the defective sequences go through the same demosaic and colour
//!    conversion; the clean one is the truth;
//! 4. [`score_frame`]: on each processed frame, a pixel is *touched* where the defective
//!    frame differs from the clean one in any component covering it; connected groups
//!    of touched pixels are the *spots* the defects made; a spot is *visible* when some
//!    sample of it is off by more than 5 % of the range, and *corrected* when, after
//!    `defectfix`, no sample of it is; a *false change* is an untouched pixel that
//!    `defectfix` changed; PSNR is over every sample of every component.

use std::sync::Arc;

use gstdefectfix::defect_map::DefectMap;
use gstdefectfix::frame::FrameFormat;
use gstdefectfix::frame::PlaneMut;
use gstdefectfix::frame::{LayoutError, VideoFrame, VideoFrameMut, VideoLayout};
use gstdefectfix::sim::{Config, Kinds, SimDefectSet};
use gstdefectfix::video::{Processor, VideoSettings};

/// A frame's memory planes with their strides (as [`VideoLayout::alloc`] gives).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planes {
    /// One buffer per plane (up to three).
    pub data: Vec<Vec<u8>>,
    /// Bytes per row of each plane.
    pub strides: [usize; 3],
}

impl Planes {
    /// A read-only view in `layout`.
    pub fn frame(&self, layout: VideoLayout) -> Result<VideoFrame<'_>, LayoutError> {
        let mut it = self.data.iter().map(|v| v.as_slice());
        let mut next = || it.next().unwrap_or(&[]);
        VideoFrame::new(layout, [next(), next(), next()], self.strides)
    }

    /// A writable view in `layout`.
    pub fn frame_mut(&mut self, layout: VideoLayout) -> Result<VideoFrameMut<'_>, LayoutError> {
        VideoFrameMut::from_vecs(layout, &mut self.data, self.strides)
    }
}

/// A camera pan over a still frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pan {
    /// Window width in pixels.
    pub width: usize,
    /// Window height in pixels.
    pub height: usize,
    /// Number of windows (frames of the sequence).
    pub frames: usize,
    /// Column of the first window.
    pub x0: usize,
    /// Row of the first window.
    pub y0: usize,
    /// Columns moved per frame (made even); the window bounces off the frame's edges.
    pub dx: isize,
    /// Rows moved per frame, likewise.
    pub dy: isize,
}

/// Windows of `raw` (8-bit Bayer, `raw_w`×`raw_h`, one byte per sample, no padding)
/// along `pan`, each `pan.width`×`pan.height` with no padding. Offsets stay even, so
/// every window has the CFA pattern of the full frame.
pub fn pan_sequence(
    raw: &[u8],
    raw_w: usize,
    raw_h: usize,
    pan: &Pan,
) -> Result<Vec<Vec<u8>>, String> {
    if raw.len() < raw_w * raw_h {
        return Err(format!(
            "raw frame of {} bytes is shorter than {raw_w}x{raw_h}",
            raw.len()
        ));
    }
    if pan.width > raw_w || pan.height > raw_h || pan.width == 0 || pan.height == 0 {
        return Err(format!(
            "window {}x{} does not fit the {raw_w}x{raw_h} frame",
            pan.width, pan.height
        ));
    }
    let even = |v: isize| v & !1;
    let bounce = |start: usize, step: isize, t: usize, room: usize| -> usize {
        if room == 0 {
            return 0;
        }
        // Position on a path of length 2·room folded back into 0..=room.
        let p = (start as isize + even(step) * t as isize).rem_euclid(2 * room as isize) as usize;
        let p = if p > room { 2 * room - p } else { p };
        p & !1
    };
    let (room_x, room_y) = ((raw_w - pan.width) & !1, (raw_h - pan.height) & !1);
    Ok((0..pan.frames)
        .map(|t| {
            let x = bounce(pan.x0.min(room_x), pan.dx, t, room_x);
            let y = bounce(pan.y0.min(room_y), pan.dy, t, room_y);
            let mut out = Vec::with_capacity(pan.width * pan.height);
            for row in y..y + pan.height {
                out.extend_from_slice(&raw[row * raw_w + x..row * raw_w + x + pan.width]);
            }
            out
        })
        .collect())
}

/// Fixed sensor defects to inject into 8-bit Bayer frames.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Injection<'a> {
    /// CFA pattern (`"grbg"` …).
    pub cfa: &'a str,
    /// VideoFrame width in pixels.
    pub width: usize,
    /// VideoFrame height in pixels.
    pub height: usize,
    /// Fraction of the pixels.
    pub density: f64,
    /// Seed of the defect layout.
    pub seed: u64,
    /// The kinds of defect placed.
    pub kinds: Kinds,
    /// The value dead pixels read.
    pub black: u16,
}

/// Gives every frame (8-bit Bayer, no padding) the same sensor defects (the
/// [`gstdefectfix::sim`] model). Returns the defect set (its layout lists the positions).
pub fn inject(frames: &mut [Vec<u8>], i: &Injection<'_>) -> Result<SimDefectSet, String> {
    let format = FrameFormat::parse("video/x-bayer", i.cfa, i.width as i64, i.height as i64)
        .map_err(|e| e.to_string())?;
    let set = SimDefectSet::generate(
        &format.plane(),
        &Config {
            density: i.density,
            seed: i.seed,
            kinds: i.kinds,
            black_level: i.black,
        },
    );
    for (n, f) in frames.iter_mut().enumerate() {
        let mut frame = PlaneMut::new(f, format.plane(), i.width).map_err(|e| e.to_string())?;
        set.apply(&mut frame, n as u64).map_err(|e| e.to_string())?;
    }
    Ok(set)
}

/// Every component of a frame unpacked, component-major.
fn unpack(layout: VideoLayout, planes: &Planes) -> Result<Vec<Vec<u16>>, String> {
    let frame = planes.frame(layout).map_err(|e| e.to_string())?;
    Ok((0..layout.components().len())
        .map(|c| {
            let (w, h) = layout.comp_size(c);
            let mut out = vec![0u16; w * h];
            for (y, row) in out.chunks_exact_mut(w).enumerate() {
                frame.unpack_row(c, y, row);
            }
            out
        })
        .collect())
}

/// The score of one processed frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct VideoFrameScore {
    /// Spots the defects made (connected groups of touched pixels).
    pub spots: usize,
    /// Spots with a sample off by more than 5 % of the range.
    pub visible: usize,
    /// Visible spots with no sample off by more than 5 % after `defectfix`.
    pub corrected: usize,
    /// Visible spots whose largest error after `defectfix` is at most a quarter of the
    /// largest before (the real-footage protocol's "corrected", issue 13).
    pub quartered: usize,
    /// Pixels untouched by the defects that `defectfix` changed.
    pub false_changes: usize,
    /// Pixels touched by the defects.
    pub touched: usize,
    /// Pixels of the frame.
    pub pixels: usize,
    /// PSNR (dB) of the defective frame against the clean one.
    pub psnr_in: f64,
    /// PSNR (dB) of the repaired frame against the clean one.
    pub psnr_out: f64,
}

impl VideoFrameScore {
    /// False changes per megapixel.
    pub fn false_per_mp(&self) -> f64 {
        self.false_changes as f64 * 1e6 / self.pixels.max(1) as f64
    }

    /// Fraction of the visible spots corrected (1 when none is visible).
    pub fn recall(&self) -> f64 {
        self.share(self.corrected)
    }

    /// Fraction of the visible spots whose error was at least quartered (1 when none is
    /// visible).
    pub fn quartered_recall(&self) -> f64 {
        self.share(self.quartered)
    }

    fn share(&self, spots: usize) -> f64 {
        if self.visible == 0 {
            1.0
        } else {
            spots as f64 / self.visible as f64
        }
    }
}

/// The visibility line: 5 % of the range.
pub const VISIBLE: f64 = 0.05;

/// Where a frame's score came from: the visible spots left uncorrected and the false
/// changes, in frame pixels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScoreDetail {
    /// Visible spots still visible after `defectfix`: (x, y) of their worst pixel,
    /// largest error before and after.
    pub missed: Vec<(u32, u32, u16, u16)>,
    /// Every visible spot, the same way.
    pub visible: Vec<(u32, u32, u16, u16)>,
    /// Untouched pixels that `defectfix` changed.
    pub false_pixels: Vec<(u32, u32)>,
}

/// Scores `output` (the repaired `defective`) against `clean`, all in `layout`.
pub fn score_frame(
    layout: VideoLayout,
    clean: &Planes,
    defective: &Planes,
    output: &Planes,
) -> Result<VideoFrameScore, String> {
    score_frame_detail(layout, clean, defective, output, None)
}

/// [`score_frame`], also filling `detail` when given.
pub fn score_frame_detail(
    layout: VideoLayout,
    clean: &Planes,
    defective: &Planes,
    output: &Planes,
    detail: Option<&mut ScoreDetail>,
) -> Result<VideoFrameScore, String> {
    score_frame_with(layout, clean, defective, output, 0.0, detail)
}

/// [`score_frame_detail`] where a pixel is touched by the defects only when a sample
/// covering it differs from the clean one by more than `touch` × the range (0: by
/// anything). Compressed footage needs it: two encodes of sequences that differ at a
/// few pixels differ by a little everywhere the encoder decided otherwise.
pub fn score_frame_with(
    layout: VideoLayout,
    clean: &Planes,
    defective: &Planes,
    output: &Planes,
    touch: f64,
    mut detail: Option<&mut ScoreDetail>,
) -> Result<VideoFrameScore, String> {
    let c0 = unpack(layout, clean)?;
    let d0 = unpack(layout, defective)?;
    let o0 = unpack(layout, output)?;
    let (w, h) = (layout.width, layout.height);
    let comps = layout.components();
    let max = f64::from(layout.max_value());
    let line = (VISIBLE * max) as u16;
    let touch = (touch * max) as u16;
    // Per pixel: touched, changed by defectfix, largest error before and after.
    let mut touched = vec![false; w * h];
    let mut changed = vec![false; w * h];
    let mut err_in = vec![0u16; w * h];
    let mut err_out = vec![0u16; w * h];
    let (mut se_in, mut se_out, mut n) = (0f64, 0f64, 0usize);
    for (ci, k) in comps.iter().enumerate() {
        let (cw, ch) = layout.comp_size(ci);
        for cy in 0..ch {
            for cx in 0..cw {
                let i = cy * cw + cx;
                let (c, d, o) = (c0[ci][i], d0[ci][i], o0[ci][i]);
                se_in += f64::from(c.abs_diff(d)).powi(2);
                se_out += f64::from(c.abs_diff(o)).powi(2);
                n += 1;
                for y in (cy << k.sy)..((cy + 1) << k.sy).min(h) {
                    for x in (cx << k.sx)..((cx + 1) << k.sx).min(w) {
                        let p = y * w + x;
                        touched[p] |= c.abs_diff(d) > touch;
                        changed[p] |= d != o;
                        err_in[p] = err_in[p].max(c.abs_diff(d));
                        err_out[p] = err_out[p].max(c.abs_diff(o));
                    }
                }
            }
        }
    }
    let psnr = |se: f64| psnr_of(se, n, max);
    let mut score = VideoFrameScore {
        pixels: w * h,
        psnr_in: psnr(se_in),
        psnr_out: psnr(se_out),
        ..VideoFrameScore::default()
    };
    // Connected groups (8-neighbour) of touched pixels.
    let mut seen = vec![false; w * h];
    let mut stack = Vec::new();
    for start in 0..w * h {
        if !touched[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut peak_in, mut peak_out, mut worst) = (0u16, 0u16, start);
        while let Some(p) = stack.pop() {
            if err_in[p] > peak_in {
                peak_in = err_in[p];
                worst = p;
            }
            peak_out = peak_out.max(err_out[p]);
            let (x, y) = (p % w, p / w);
            for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                for nx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                    let q = ny * w + nx;
                    if touched[q] && !seen[q] {
                        seen[q] = true;
                        stack.push(q);
                    }
                }
            }
        }
        score.spots += 1;
        if peak_in > line {
            score.visible += 1;
            let at = ((worst % w) as u32, (worst / w) as u32);
            if let Some(d) = detail.as_deref_mut() {
                d.visible.push((at.0, at.1, peak_in, peak_out));
            }
            if peak_out.saturating_mul(4) <= peak_in {
                score.quartered += 1;
            }
            if peak_out <= line {
                score.corrected += 1;
            } else if let Some(d) = detail.as_deref_mut() {
                d.missed.push((at.0, at.1, peak_in, peak_out));
            }
        }
    }
    score.touched = touched.iter().filter(|&&t| t).count();
    score.false_changes = touched
        .iter()
        .zip(&changed)
        .filter(|&(&t, &c)| !t && c)
        .count();
    if let Some(d) = detail {
        d.false_pixels = (0..w * h)
            .filter(|&p| !touched[p] && changed[p])
            .map(|p| ((p % w) as u32, (p / w) as u32))
            .collect();
    }
    Ok(score)
}

/// PSNR (dB) of `n` samples whose squared errors sum to `se`, peak `max`.
fn psnr_of(se: f64, n: usize, max: f64) -> f64 {
    if se == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (max * max * n as f64 / se).log10()
    }
}

/// PSNR (dB) of `a` against `b` over every sample of every component, peak = the
/// range of `layout`.
pub fn psnr(layout: VideoLayout, a: &Planes, b: &Planes) -> Result<f64, String> {
    let (a, b) = (unpack(layout, a)?, unpack(layout, b)?);
    let (mut se, mut n) = (0f64, 0usize);
    for (x, y) in a.iter().flatten().zip(b.iter().flatten()) {
        se += f64::from(x.abs_diff(*y)).powi(2);
        n += 1;
    }
    Ok(psnr_of(se, n, f64::from(layout.max_value())))
}

/// Runs `defectfix`'s video path over a defective sequence with `settings` and scores
/// every frame against the clean sequence.
pub fn run_sequence(
    layout: VideoLayout,
    clean: &[Planes],
    defective: &[Planes],
    settings: &VideoSettings,
) -> Result<Vec<VideoFrameScore>, String> {
    run_sequence_with(layout, clean, defective, settings, |_, _, _, _| {})
}

/// [`run_sequence`], calling `inspect(frame index, processor, score, detail)` after
/// every frame. The first frame is held back and repaired once the second is in, as
/// the element does by default in a pipeline that is not live (`hold-first-frame`).
pub fn run_sequence_with(
    layout: VideoLayout,
    clean: &[Planes],
    defective: &[Planes],
    settings: &VideoSettings,
    inspect: impl FnMut(usize, &Processor, &VideoFrameScore, &ScoreDetail),
) -> Result<Vec<VideoFrameScore>, String> {
    run_sequence_mapped(layout, clean, defective, settings, None, true, inspect)
}

/// What a first pass over `defective` learns: the confirmed positions at its end, as
/// a defect map in frame pixels (what `learn=true map-output=…` writes).
pub fn learn_map(
    layout: VideoLayout,
    defective: &[Planes],
    settings: &VideoSettings,
) -> Result<DefectMap, String> {
    let mut processor = Processor::new(layout);
    for d in defective {
        let mut out = d.clone();
        let mut frame = out.frame_mut(layout).map_err(|e| e.to_string())?;
        processor.process(&mut frame, settings);
    }
    Ok(processor.confirmed_map(0, 0))
}

/// [`run_sequence_with`] with `map` installed from the first frame on (a second take
/// with the map a first one learned), and the first frame held back for
/// [`Processor::revisit`] when `hold_first` (else it goes out as the causal path
/// leaves it: unchanged but for the map).
#[allow(clippy::too_many_arguments)]
pub fn run_sequence_mapped(
    layout: VideoLayout,
    clean: &[Planes],
    defective: &[Planes],
    settings: &VideoSettings,
    map: Option<Arc<DefectMap>>,
    hold_first: bool,
    mut inspect: impl FnMut(usize, &Processor, &VideoFrameScore, &ScoreDetail),
) -> Result<Vec<VideoFrameScore>, String> {
    let mut processor = Processor::new(layout);
    processor.set_map(map.as_ref(), 0, 0);
    let mut scores = Vec::with_capacity(clean.len());
    let mut held: Option<Planes> = None;
    let mut score = |i: usize, out: &Planes, p: &Processor| -> Result<(), String> {
        let mut detail = ScoreDetail::default();
        let s = score_frame_detail(layout, &clean[i], &defective[i], out, Some(&mut detail))?;
        inspect(i, p, &s, &detail);
        scores.push(s);
        Ok(())
    };
    for (i, d) in defective.iter().enumerate().take(clean.len()) {
        let mut out = d.clone();
        processor.process(
            &mut out.frame_mut(layout).map_err(|e| e.to_string())?,
            settings,
        );
        if hold_first && i == 0 && defective.len() > 1 {
            held = Some(out);
            continue;
        }
        if let Some(mut first) = held.take() {
            processor.revisit(
                &mut first.frame_mut(layout).map_err(|e| e.to_string())?,
                settings,
            );
            score(0, &first, &processor)?;
        }
        score(i, &out, &processor)?;
    }
    Ok(scores)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pan_windows_move_by_even_steps_and_bounce() {
        let (w, h) = (20, 10);
        let raw: Vec<u8> = (0..w * h).map(|i| i as u8).collect();
        let pan = Pan {
            width: 8,
            height: 4,
            frames: 8,
            x0: 0,
            y0: 0,
            dx: 4,
            dy: 3,
        };
        let seq = pan_sequence(&raw, w, h, &pan).unwrap();
        let xs: Vec<usize> = seq.iter().map(|f| f[0] as usize % w).collect();
        let ys: Vec<usize> = seq.iter().map(|f| f[0] as usize / w).collect();
        assert_eq!(xs, [0, 4, 8, 12, 8, 4, 0, 4]);
        assert_eq!(ys, [0, 2, 4, 6, 4, 2, 0, 2]);
        assert!(xs.iter().chain(&ys).all(|v| v % 2 == 0));
    }

    #[test]
    fn scoring_counts_visible_corrected_and_false_changes() {
        let layout = VideoLayout::parse("I420", 32, 16).unwrap();
        let (data, strides) = layout.alloc();
        let clean = Planes { data, strides };
        let mut defective = clean.clone();
        {
            let mut f = defective.frame_mut(layout).unwrap();
            f.set(0, 5, 5, 200); // visible
            f.set(0, 20, 8, 5); // below the line
        }
        let mut output = clean.clone();
        {
            let mut f = output.frame_mut(layout).unwrap();
            f.set(0, 20, 8, 5);
            f.set(1, 12, 2, 9); // chroma change of 4 untouched pixels
        }
        let s = score_frame(layout, &clean, &defective, &output).unwrap();
        assert_eq!(
            (
                s.spots,
                s.visible,
                s.corrected,
                s.quartered,
                s.false_changes
            ),
            (2, 1, 1, 1, 4)
        );
        assert!(s.psnr_out > s.psnr_in);
    }
}
