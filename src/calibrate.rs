//! Calibration: finds a sensor's defective pixels from a series of frames shot under
//! controlled light, and turns them into a [`DefectMap`].
//!
//! Two kinds of calibration exist, after the two tests photographers and camera makers
//! run on a sensor:
//!
//! * **Dark** ([`CalibrationKind::Dark`], the "black frame test"): frames shot with the
//!   lens capped. A healthy pixel reads the black level; a *hot* or *warm* pixel reads
//!   far above it, because it leaks dark current.
//! * **Flat** ([`CalibrationKind::Flat`], the "white card pixel check"): frames of an
//!   evenly lit, defocused white card. A healthy pixel responds like its same-colour
//!   neighbours; *dead* and *weak* pixels respond far below them, *bright* ones far above.
//!
//! # Accumulation
//!
//! A [`Calibrator`] keeps, per pixel, the sum of its values over all frames (`u32`: up to
//! [`MAX_FRAMES`] = 65 536 frames of full-scale 16-bit data fit) and its largest value
//! (`u16`): 6 bytes per pixel, whatever the number of frames.
//!
//! Every decision uses the pixel's **max-trimmed mean**, (sum − largest) / (frames − 1)
//! (with a single frame, that frame's value). Dropping each pixel's brightest frame is
//! what rejects transients: a cosmic-ray hit, a noise spike or a flash of light in one
//! frame raises that pixel's plain mean, possibly past the threshold, but vanishes from
//! the trimmed one. For a pair of frames the trimmed mean is the smaller of the two
//! values, so a pixel must be hot in both frames; over many frames it is the mean
//! without its one outlier, so it keeps averaging noise down (unlike a per-pixel minimum,
//! which sinks towards a noisy pixel's noise floor as frames are added, or a count of
//! frames above a per-frame threshold, which would need that threshold before the noise
//! is known). Only something bright in two or more frames of the same pixel gets
//! through, i.e. a pixel that really is hot (blinking ones included). Dark-side
//! transients do not exist (nothing darkens a pixel for one frame), so dead and weak
//! pixels are judged on the same trimmed mean; every pixel is trimmed alike, so the
//! channel statistics stay consistent.
//!
//! # Dark statistics
//!
//! Per colour plane (the four sites of the Bayer block apart, or one plane for
//! monochrome; see [`Cfa::plane_index`]), over the per-pixel means:
//!
//! * level = (lower) median of the per-pixel trimmed means;
//! * spread σ = 1.4826 × MAD of the per-pixel trimmed means — the robust estimate
//!   of a standard deviation, untouched by the few hot pixels — and never less than
//!   [`SIGMA_FLOOR`] (1/√12 DN, the rounding noise of integer samples: on clean 8-bit
//!   darks most pixels read exactly the same value and the MAD is 0);
//! * warm threshold T = max([`CalibrationParams::dark_sigmas`] × σ,
//!   [`CalibrationParams::warm_floor`] × full scale). The statistical term keeps noise
//!   out (6 σ: one Gaussian false alarm in 10⁹ pixels); the absolute floor keeps pixels
//!   out that stand out statistically on a very clean sensor but could never be seen
//!   (1/64 of full scale: 4 DN at 8 bits, 64 DN at 12 bits, 1024 DN at 16 bits).
//!
//! A pixel whose trimmed mean exceeds level + T is **warm**; beyond
//! [`CalibrationParams::hot_factor`] × T (4 × T: 1/16 of full scale when the floor
//! rules, 16 DN at 8 bits) it is **hot**. Hot pixels show in any image; warm ones in
//! shadows and long exposures. Both go into the map.
//!
//! # Flat statistics
//!
//! A white card is never evenly lit (vignetting, light fall-off), so each pixel is
//! compared with a *local* reference: over the 5 × 5 window of its own colour plane
//! (two same-colour steps each way), the lower median of the five column medians, the
//! pixel itself left out of its own column. This separable median of medians is about
//! as robust against a few bad neighbours as the median of all 24 (a 2 × 2 same-colour
//! cluster of dead pixels still sees the healthy level) and costs a few branchless
//! medians of five per pixel. Leaving the pixel out matters: on a smooth gradient the
//! median of a window is its centre.
//!
//! The response ratio is r = (trimmed mean − black) / (reference − black), with the
//! black level from [`CalibrationParams::black_level`] (0 unless set: pass the level a
//! dark calibration measured, [`ChannelStats::level`], for sensors with a pedestal). Pixels whose reference lies less
//! than [`CalibrationParams::min_flat_signal`] × full scale above black are not judged
//! (counted in [`Calibration::unjudged`]). Per plane, σ_r = 1.4826 × MAD of the judged
//! ratios. Then, with |r − 1| > [`CalibrationParams::flat_sigmas`] × σ_r also required:
//!
//! * r < [`DEAD_RATIO`] (0.1): **dead** — responds with less than a tenth of its
//!   neighbours, i.e. essentially reads black (or is stuck low);
//! * r < [`WEAK_RATIO`] (0.7): **weak** — 30 % or more below its neighbours;
//! * r > [`BRIGHT_RATIO`] (1.3): **bright** (over-responsive, or stuck high).
//!
//! The ±30 % band is a conventional screening width: far outside photo-response
//! non-uniformity (around 1 %) and the shot noise of a mean over several frames of a
//! half-exposed card, so only pixels that visibly misrender are listed; a pixel 15 %
//! off is left alone, since replacing it by interpolation would cost more real detail
//! than it repairs. The noise guard (6 σ_r) only matters for dim or very noisy cards.
//!
//! # Threads
//!
//! Accumulation and the decisions run over bands of rows on the plugin's one shared pool
//! ([`crate::exec`]), at most [`Calibrator::set_n_threads`] bands at once (the
//! element passes its `n-threads`); each band computes what it would alone, so the
//! result is the same for every thread count.
//!
//! Nothing here knows GStreamer: the element feeds frames and writes the map.

use std::fmt;

use crate::defect_map::DefectMap;
use crate::exec::{self, map_bands, row_bands, run_bands};
use crate::frame::{Cfa, Channel, Plane, PlaneRef, Position, SampleIo};

/// The most frames one [`Calibrator`] accepts: 65 536 frames of full-scale 16-bit
/// samples still sum to less than `u32::MAX`.
pub const MAX_FRAMES: usize = 1 << 16;

/// Smallest spread of per-pixel means, in DN: the standard deviation of the rounding
/// error of integer samples (1/√12). Keeps the dark threshold finite when most pixels
/// read exactly the same value.
pub const SIGMA_FLOOR: f32 = 0.288_675_13;

/// Flat: below this response ratio a pixel is dead (essentially black).
pub const DEAD_RATIO: f32 = 0.1;
/// Flat: below this response ratio a pixel is weak (30 % or more under its neighbours).
pub const WEAK_RATIO: f32 = 0.7;
/// Flat: above this response ratio a pixel is bright (30 % or more over its neighbours).
pub const BRIGHT_RATIO: f32 = 1.3;

/// 1.4826 × MAD estimates the standard deviation of normally distributed data.
const MAD_TO_SIGMA: f32 = 1.4826;

/// Radius, in same-colour steps, of the window whose median of column medians is a
/// pixel's flat reference.
const FLAT_RADIUS: usize = 2;

/// Frames with fewer pixels than this are accumulated on the calling thread.
const PARALLEL_MIN_PIXELS: usize = 1 << 16;

/// Which test the frames come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CalibrationKind {
    /// Lens capped ("black frame test"): finds hot and warm pixels.
    Dark,
    /// Evenly lit white card ("white card pixel check"): finds dead, weak and bright
    /// pixels.
    Flat,
}

impl fmt::Display for CalibrationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CalibrationKind::Dark => "dark",
            CalibrationKind::Flat => "flat",
        })
    }
}

/// What is wrong with a calibrated pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DefectClass {
    /// Dark: far above its channel's level (at least `hot_factor` × the warm threshold).
    Hot,
    /// Dark: above its channel's level by the warm threshold, less than a hot pixel.
    Warm,
    /// Flat: responds with less than [`DEAD_RATIO`] of its neighbours.
    Dead,
    /// Flat: responds with less than [`WEAK_RATIO`] of its neighbours.
    Weak,
    /// Flat: responds with more than [`BRIGHT_RATIO`] of its neighbours.
    Bright,
}

impl fmt::Display for DefectClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DefectClass::Hot => "hot",
            DefectClass::Warm => "warm",
            DefectClass::Dead => "dead",
            DefectClass::Weak => "weak",
            DefectClass::Bright => "bright",
        })
    }
}

/// Thresholds of a calibration. [`Default`] gives the documented values; see the
/// [module documentation](self) for the reasons behind them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CalibrationParams {
    /// Dark: the warm threshold is at least this many robust sigmas above the level.
    pub dark_sigmas: f32,
    /// Dark: the warm threshold is at least this fraction of full scale (1/64).
    pub warm_floor: f32,
    /// Dark: a pixel beyond this multiple of the warm threshold is hot rather than warm.
    pub hot_factor: f32,
    /// Flat: black level subtracted before ratios are taken, in DN.
    pub black_level: u16,
    /// Flat: a reference less than this fraction of full scale above black is too dark
    /// to judge a pixel by (1/32).
    pub min_flat_signal: f32,
    /// Flat: a defect's ratio must also be this many robust sigmas away from 1.
    pub flat_sigmas: f32,
}

impl Default for CalibrationParams {
    fn default() -> Self {
        CalibrationParams {
            dark_sigmas: 6.0,
            warm_floor: 1.0 / 64.0,
            hot_factor: 4.0,
            black_level: 0,
            min_flat_signal: 1.0 / 32.0,
            flat_sigmas: 6.0,
        }
    }
}

/// Why a frame was not accumulated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CalibrationError {
    /// The frame's plane (format, pattern or size) is not the one the calibrator was
    /// built for.
    FormatMismatch {
        /// The calibrator's plane.
        expected: Plane,
        /// The frame's plane.
        got: Plane,
    },
    /// [`MAX_FRAMES`] frames have been accumulated already.
    Full,
}

impl fmt::Display for CalibrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalibrationError::FormatMismatch { expected, got } => write!(
                f,
                "calibration frame is {}, the calibration was started on {}",
                describe(got),
                describe(expected)
            ),
            CalibrationError::Full => write!(
                f,
                "calibration already holds the most frames it can ({MAX_FRAMES})"
            ),
        }
    }
}

impl std::error::Error for CalibrationError {}

/// One pixel a calibration found defective.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CalibratedDefect {
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
    /// What is wrong with it.
    pub class: DefectClass,
    /// Its max-trimmed mean over the calibration frames, in DN (see the module
    /// documentation).
    pub mean: f32,
    /// What a healthy pixel there reads, in DN: its channel's level (dark) or the median
    /// of its same-colour neighbours (flat).
    pub reference: f32,
    /// The value compared with the thresholds: DN above the level (dark), or the
    /// response ratio to the reference after black subtraction (flat, 1 = healthy).
    pub score: f32,
    /// How far off it is in robust sigmas of its channel: (mean − level) / σ (dark),
    /// (ratio − 1) / σ_r (flat).
    pub sigmas: f32,
    /// Its largest value in any frame, in DN (the one frame left out of `mean`).
    pub peak: u16,
}

/// Number of defects of each class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClassCounts {
    /// Hot pixels.
    pub hot: usize,
    /// Warm pixels.
    pub warm: usize,
    /// Dead pixels.
    pub dead: usize,
    /// Weak pixels.
    pub weak: usize,
    /// Bright pixels.
    pub bright: usize,
}

impl ClassCounts {
    /// All defects together.
    pub fn total(&self) -> usize {
        self.hot + self.warm + self.dead + self.weak + self.bright
    }

    /// The count of one class.
    pub fn get(&self, class: DefectClass) -> usize {
        match class {
            DefectClass::Hot => self.hot,
            DefectClass::Warm => self.warm,
            DefectClass::Dead => self.dead,
            DefectClass::Weak => self.weak,
            DefectClass::Bright => self.bright,
        }
    }

    fn add(&mut self, class: DefectClass) {
        match class {
            DefectClass::Hot => self.hot += 1,
            DefectClass::Warm => self.warm += 1,
            DefectClass::Dead => self.dead += 1,
            DefectClass::Weak => self.weak += 1,
            DefectClass::Bright => self.bright += 1,
        }
    }
}

/// Statistics of one colour plane, as used for the decisions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChannelStats {
    /// Plane index ([`Cfa::plane_index`]).
    pub plane: usize,
    /// The colour the plane samples.
    pub channel: Channel,
    /// Pixels in the plane.
    pub pixels: usize,
    /// Median of the plane's per-pixel means, in DN (dark: the black level).
    pub level: f32,
    /// Robust spread: of per-pixel means in DN (dark), of response ratios (flat).
    pub spread: f32,
    /// Dark: DN above `level` beyond which a pixel is warm (hot beyond `hot_factor`
    /// times this). Flat: smallest |ratio − 1| the noise allows to count.
    pub threshold: f32,
}

/// The result of a calibration.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// Which test the frames came from.
    pub kind: CalibrationKind,
    /// The plane of the frames (pattern, encoding, depth, size).
    pub plane: Plane,
    /// Frames accumulated.
    pub frames: usize,
    /// Every defect as an [`Entry::Pixel`](crate::defect_map::Entry::Pixel), in row-major order.
    pub map: DefectMap,
    /// Every defect with its measurements, in row-major order.
    pub defects: Vec<CalibratedDefect>,
    /// Defects per class.
    pub counts: ClassCounts,
    /// Statistics per plane, in plane order.
    pub channels: Vec<ChannelStats>,
    /// Flat: pixels not judged because their reference was too dark (0 for dark).
    pub unjudged: usize,
}

impl Calibration {
    /// A map of the defects `keep` accepts, e.g. hot pixels only.
    pub fn map_of(&self, keep: impl Fn(&CalibratedDefect) -> bool) -> DefectMap {
        DefectMap::from_pixels(
            self.defects
                .iter()
                .filter(|d| keep(d))
                .map(|d| Position::new(d.x, d.y)),
            0,
            0,
        )
    }

    /// A header for the map file ([`DefectMap::save`]): what was calibrated, the counts
    /// and the per-channel statistics, one item per line.
    pub fn header(&self) -> String {
        let c = &self.counts;
        let mut s = format!(
            "defectfix calibration ({}): {} frames of {}\n",
            self.kind,
            self.frames,
            describe(&self.plane)
        );
        match self.kind {
            CalibrationKind::Dark => {
                s += &format!("{} hot, {} warm\n", c.hot, c.warm);
            }
            CalibrationKind::Flat => {
                s += &format!(
                    "{} dead, {} weak, {} bright, {} pixels too dark to judge\n",
                    c.dead, c.weak, c.bright, self.unjudged
                );
            }
        }
        for ch in &self.channels {
            s += &format!(
                "plane {} ({:?}): level {:.2} DN, spread {:.4}, threshold {:.4}\n",
                ch.plane, ch.channel, ch.level, ch.spread, ch.threshold
            );
        }
        s
    }
}

/// Accumulates calibration frames of one plane layout.
///
/// Memory: 6 bytes per pixel (a `u32` sum and a `u16` maximum), whatever the number of
/// frames; [`Calibrator::finish`] needs about as much again, briefly.
pub struct Calibrator {
    kind: CalibrationKind,
    plane: Plane,
    params: CalibrationParams,
    /// Per-pixel sums, row-major, `width` per row.
    sums: Vec<u32>,
    /// Per-pixel maxima, same layout.
    peaks: Vec<u16>,
    frames: usize,
    /// Worker threads at most (0 = every thread of the shared pool).
    n_threads: usize,
}

impl Calibrator {
    /// A calibrator with the default thresholds.
    pub fn new(kind: CalibrationKind, plane: Plane) -> Self {
        Self::with_params(kind, plane, CalibrationParams::default())
    }

    /// A calibrator with the given thresholds.
    pub fn with_params(kind: CalibrationKind, plane: Plane, params: CalibrationParams) -> Self {
        let pixels = plane.width * plane.height;
        Calibrator {
            kind,
            plane,
            params,
            sums: vec![0; pixels],
            peaks: vec![0; pixels],
            frames: 0,
            n_threads: 0,
        }
    }

    /// Runs the calibration's parallel work on at most `n_threads` threads of the shared
    /// pool (0, the default: all of them), like the engine's `n-threads`. The result
    /// does not depend on it.
    pub fn set_n_threads(&mut self, n_threads: usize) {
        self.n_threads = n_threads;
    }

    /// Which test this calibrator runs.
    pub fn kind(&self) -> CalibrationKind {
        self.kind
    }

    /// The plane frames must have.
    pub fn plane(&self) -> &Plane {
        &self.plane
    }

    /// The thresholds in use.
    pub fn params(&self) -> &CalibrationParams {
        &self.params
    }

    /// Frames accumulated so far.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Adds one frame. Fails, leaving the state as it was, when the frame's plane
    /// differs or [`MAX_FRAMES`] frames are in already.
    pub fn add_frame(&mut self, frame: &PlaneRef<'_>) -> Result<(), CalibrationError> {
        if *frame.plane() != self.plane {
            return Err(CalibrationError::FormatMismatch {
                expected: self.plane,
                got: *frame.plane(),
            });
        }
        if self.frames >= MAX_FRAMES {
            return Err(CalibrationError::Full);
        }
        crate::with_sample_io!(self.plane.encoding, Io => self.accumulate::<Io>(frame));
        self.frames += 1;
        Ok(())
    }

    fn accumulate<S: SampleIo>(&mut self, frame: &PlaneRef<'_>) {
        let w = self.plane.width;
        let (data, stride) = (frame.data(), frame.stride());
        let row = |y: usize, sums: &mut [u32], peaks: &mut [u16]| {
            let bytes = &data[y * stride..y * stride + w * S::BYTES];
            for ((s, p), x) in sums.iter_mut().zip(peaks.iter_mut()).zip(0..w) {
                let v = S::read(bytes, x * S::BYTES);
                // Cannot overflow: at most MAX_FRAMES frames of at most u16::MAX.
                *s += u32::from(v);
                *p = (*p).max(v);
            }
        };
        let threads = if w * self.plane.height < PARALLEL_MIN_PIXELS {
            1
        } else {
            exec::threads(self.n_threads)
        };
        let mut bands: Vec<_> = row_bands(&mut self.sums, w)
            .zip(row_bands(&mut self.peaks, w))
            .collect();
        run_bands(&mut bands, threads, |((y0, sums), (_, peaks))| {
            for (i, (s, p)) in sums.chunks_mut(w).zip(peaks.chunks_mut(w)).enumerate() {
                row(*y0 + i, s, p);
            }
        });
    }

    /// Pixel `i`'s sum without its largest value (all of it for a single frame).
    #[inline]
    fn trimmed(&self, i: usize) -> u32 {
        if self.frames > 1 {
            self.sums[i] - u32::from(self.peaks[i])
        } else {
            self.sums[i]
        }
    }

    /// Number of frames a trimmed sum holds.
    fn trimmed_frames(&self) -> f32 {
        self.frames.saturating_sub(1).max(1) as f32
    }

    /// Classifies the pixels from the frames accumulated so far (callable at any time;
    /// with no frames the result is empty).
    pub fn finish(&self) -> Calibration {
        let (defects, channels, unjudged) = if self.frames == 0 {
            (Vec::new(), Vec::new(), 0)
        } else {
            match self.kind {
                CalibrationKind::Dark => {
                    let (d, c) = self.finish_dark();
                    (d, c, 0)
                }
                CalibrationKind::Flat => self.finish_flat(),
            }
        };
        let mut counts = ClassCounts::default();
        for d in &defects {
            counts.add(d.class);
        }
        let map = DefectMap::from_pixels(defects.iter().map(|d| Position::new(d.x, d.y)), 0, 0);
        Calibration {
            kind: self.kind,
            plane: self.plane,
            frames: self.frames,
            map,
            defects,
            counts,
            channels,
            unjudged,
        }
    }

    /// Sites of plane `plane` as (x, y), row-major.
    fn plane_sites(&self, plane: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let (w, h) = (self.plane.width, self.plane.height);
        let pitch = self.plane.cfa().pitch();
        let (x0, y0) = if pitch == 1 {
            (0, 0)
        } else {
            (plane % 2, plane / 2)
        };
        (y0..h)
            .step_by(pitch)
            .flat_map(move |y| (x0..w).step_by(pitch).map(move |x| (x, y)))
    }

    /// The trimmed sums of plane `plane`, with its colour and site count.
    fn plane_trimmed(&self, plane: usize) -> Option<(Channel, Vec<u32>)> {
        let w = self.plane.width;
        let (x, y) = self.plane_sites(plane).next()?;
        let sums = self
            .plane_sites(plane)
            .map(|(x, y)| self.trimmed(y * w + x))
            .collect();
        Some((self.plane.cfa().channel(x, y), sums))
    }

    fn finish_dark(&self) -> (Vec<CalibratedDefect>, Vec<ChannelStats>) {
        let f = &self.plane;
        let n = self.trimmed_frames();
        let floor = self.params.warm_floor * f32::from(f.max_value());
        let channels: Vec<ChannelStats> = (0..f.cfa().planes())
            .filter_map(|plane| {
                let (channel, mut sums) = self.plane_trimmed(plane)?;
                let med = lower_median(&mut sums)?;
                for s in &mut sums {
                    *s = s.abs_diff(med);
                }
                let mad = lower_median(&mut sums)?;
                let spread = (MAD_TO_SIGMA * mad as f32 / n).max(SIGMA_FLOOR);
                Some(ChannelStats {
                    plane,
                    channel,
                    pixels: sums.len(),
                    level: med as f32 / n,
                    spread,
                    threshold: (self.params.dark_sigmas * spread).max(floor),
                })
            })
            .collect();
        let hot_factor = self.params.hot_factor;
        let cfa = f.cfa();
        let bands = map_bands(f.height, exec::threads(self.n_threads), |y0, y1| {
            let mut out = Vec::new();
            for y in y0..y1 {
                for x in 0..f.width {
                    let i = y * f.width + x;
                    let Some(ch) = channel_at(&channels, cfa, x, y) else {
                        continue;
                    };
                    let mean = self.trimmed(i) as f32 / n;
                    let excess = mean - ch.level;
                    if excess <= ch.threshold {
                        continue;
                    }
                    let class = if excess > hot_factor * ch.threshold {
                        DefectClass::Hot
                    } else {
                        DefectClass::Warm
                    };
                    out.push(CalibratedDefect {
                        x: x as u32,
                        y: y as u32,
                        class,
                        mean,
                        reference: ch.level,
                        score: excess,
                        sigmas: excess / ch.spread,
                        peak: self.peaks[i],
                    });
                }
            }
            out
        });
        (bands.concat(), channels)
    }

    fn finish_flat(&self) -> (Vec<CalibratedDefect>, Vec<ChannelStats>, usize) {
        let f = &self.plane;
        let (w, h) = (f.width, f.height);
        let n = self.trimmed_frames();
        let black = f32::from(self.params.black_level);
        let min_signal = self.params.min_flat_signal * f32::from(f.max_value());
        let threads = exec::threads(self.n_threads);
        let mut trimmed = vec![0u32; w * h];
        let mut bands: Vec<_> = row_bands(&mut trimmed, w).collect();
        run_bands(&mut bands, threads, |(y0, rows)| {
            let start = *y0 * w;
            for (k, t) in rows.iter_mut().enumerate() {
                *t = self.trimmed(start + k);
            }
        });
        let refs = local_reference(&trimmed, w, h, f.cfa().pitch(), threads);
        // The response ratio of pixel `i`, or None where its reference is too dark.
        let ratio = |i: usize| -> Option<(f32, f32)> {
            let reference = refs[i] as f32 / n;
            let signal = reference - black;
            if signal < min_signal || signal <= 0.0 {
                return None;
            }
            Some((reference, (trimmed[i] as f32 / n - black) / signal))
        };
        let unjudged = map_bands(h, threads, |y0, y1| {
            (y0 * w..y1 * w).filter(|&i| ratio(i).is_none()).count()
        })
        .into_iter()
        .sum();
        let channels: Vec<ChannelStats> = (0..f.cfa().planes())
            .filter_map(|plane| {
                let (channel, mut sums) = self.plane_trimmed(plane)?;
                let pixels = sums.len();
                let level = lower_median(&mut sums)? as f32 / n;
                drop(sums);
                let mut ratios: Vec<f32> = self
                    .plane_sites(plane)
                    .filter_map(|(x, y)| ratio(y * w + x).map(|(_, r)| r))
                    .collect();
                let spread = match lower_median_f32(&mut ratios) {
                    Some(med) => {
                        for r in &mut ratios {
                            *r = (*r - med).abs();
                        }
                        lower_median_f32(&mut ratios).map_or(0.0, |mad| MAD_TO_SIGMA * mad)
                    }
                    None => 0.0,
                };
                Some(ChannelStats {
                    plane,
                    channel,
                    pixels,
                    level,
                    spread,
                    threshold: self.params.flat_sigmas * spread,
                })
            })
            .collect();
        let cfa = f.cfa();
        let bands = map_bands(h, threads, |y0, y1| {
            let mut out = Vec::new();
            for y in y0..y1 {
                for x in 0..w {
                    let i = y * w + x;
                    let (Some((reference, ratio)), Some(ch)) =
                        (ratio(i), channel_at(&channels, cfa, x, y))
                    else {
                        continue;
                    };
                    if (ratio - 1.0).abs() <= ch.threshold {
                        continue;
                    }
                    let class = if ratio < DEAD_RATIO {
                        DefectClass::Dead
                    } else if ratio < WEAK_RATIO {
                        DefectClass::Weak
                    } else if ratio > BRIGHT_RATIO {
                        DefectClass::Bright
                    } else {
                        continue;
                    };
                    out.push(CalibratedDefect {
                        x: x as u32,
                        y: y as u32,
                        class,
                        mean: trimmed[i] as f32 / n,
                        reference,
                        score: ratio,
                        sigmas: (ratio - 1.0) / ch.spread.max(f32::MIN_POSITIVE),
                        peak: self.peaks[i],
                    });
                }
            }
            out
        });
        (bands.concat(), channels, unjudged)
    }
}

/// Flat reference of every pixel: over the (2 × [`FLAT_RADIUS`] + 1)² window of its
/// same-colour plane (clipped at the frame border), the lower median of the column
/// lower medians, the pixel itself left out of its own column. This separable median
/// of medians is about as robust as the full window median against a few bad pixels (a
/// defect cluster must reach into three of the window's columns, half of each deep, to
/// move it) and costs a few medians of five instead of one of twenty-four. Returns 0
/// for a pixel with no same-colour neighbour at all (a 1 × 1 plane). Bands of rows run
/// on at most `threads` threads of the shared pool.
fn local_reference(values: &[u32], w: usize, h: usize, pitch: usize, threads: usize) -> Vec<u32> {
    let reach = FLAT_RADIUS * pitch;
    let mut refs = vec![0u32; w * h];
    // Vertical pass: column medians.
    let column_medians = |y: usize, out: &mut [u32]| {
        let rows: Vec<&[u32]> = (y.saturating_sub(reach)..=(y + reach).min(h - 1))
            .filter(|ny| ny % pitch == y % pitch)
            .map(|ny| &values[ny * w..(ny + 1) * w])
            .collect();
        let mut column = [0u32; 2 * FLAT_RADIUS + 1];
        for (x, slot) in out.iter_mut().enumerate() {
            for (c, row) in column.iter_mut().zip(&rows) {
                *c = row[x];
            }
            *slot = small_lower_median(&mut column[..rows.len()]);
        }
    };
    let mut bands: Vec<_> = row_bands(&mut refs, w).collect();
    run_bands(&mut bands, threads, |(y0, rows)| {
        for (i, out) in rows.chunks_mut(w).enumerate() {
            column_medians(*y0 + i, out);
        }
    });
    // Horizontal pass, row by row in place: median of the column medians, where the
    // pixel's own column is taken without the pixel itself (on a smooth gradient, a
    // window's median is its centre: a reference including the pixel would be the pixel).
    let row_reference = |y: usize, row: &mut [u32], scratch: &mut Vec<u32>| {
        scratch.clear();
        scratch.extend_from_slice(row);
        let above: Vec<&[u32]> = (y.saturating_sub(reach)..=(y + reach).min(h - 1))
            .filter(|&ny| ny % pitch == y % pitch && ny != y)
            .map(|ny| &values[ny * w..(ny + 1) * w])
            .collect();
        let mut window = [0u32; 2 * FLAT_RADIUS + 1];
        let mut own = [0u32; 2 * FLAT_RADIUS];
        for (x, slot) in row.iter_mut().enumerate() {
            let mut k = 0;
            let mut nx = x % pitch + x.saturating_sub(reach) / pitch * pitch;
            if nx + reach < x {
                nx += pitch;
            }
            while nx <= x + reach && nx < w {
                window[k] = if nx == x {
                    for (o, r) in own.iter_mut().zip(&above) {
                        *o = r[x];
                    }
                    if above.is_empty() {
                        nx += pitch;
                        continue;
                    }
                    small_lower_median(&mut own[..above.len()])
                } else {
                    scratch[nx]
                };
                k += 1;
                nx += pitch;
            }
            *slot = small_lower_median(&mut window[..k]);
        }
    };
    run_bands(&mut bands, threads, |(y0, rows)| {
        let mut scratch = Vec::with_capacity(w);
        for (i, row) in rows.chunks_mut(w).enumerate() {
            row_reference(*y0 + i, row, &mut scratch);
        }
    });
    drop(bands);
    refs
}

/// Lower median of at most a handful of values; 0 for none. Four and five values (the
/// common cases) go through branchless sorting networks: on noisy data the branches of
/// a comparison sort are unpredictable.
#[inline]
fn small_lower_median(v: &mut [u32]) -> u32 {
    #[inline(always)]
    fn cx(v: &mut [u32], i: usize, j: usize) {
        let (a, b) = (v[i], v[j]);
        v[i] = a.min(b);
        v[j] = a.max(b);
    }
    match v.len() {
        0 => 0,
        5 => {
            for (i, j) in [
                (0, 1),
                (3, 4),
                (2, 4),
                (2, 3),
                (0, 3),
                (0, 2),
                (1, 4),
                (1, 3),
                (1, 2),
            ] {
                cx(v, i, j);
            }
            v[2]
        }
        4 => {
            for (i, j) in [(0, 1), (2, 3), (0, 2), (1, 3), (1, 2)] {
                cx(v, i, j);
            }
            v[1]
        }
        len => {
            for i in 1..len {
                let mut j = i;
                while j > 0 && v[j - 1] > v[j] {
                    v.swap(j - 1, j);
                    j -= 1;
                }
            }
            v[(len - 1) / 2]
        }
    }
}

/// The statistics of the plane pixel (`x`, `y`) belongs to.
fn channel_at(channels: &[ChannelStats], cfa: Cfa, x: usize, y: usize) -> Option<&ChannelStats> {
    let p = cfa.plane_index(x, y);
    channels.iter().find(|c| c.plane == p)
}

/// The lower median (element `(len − 1) / 2` in sorted order); reorders `v`.
fn lower_median(v: &mut [u32]) -> Option<u32> {
    if v.is_empty() {
        return None;
    }
    let mid = (v.len() - 1) / 2;
    Some(*v.select_nth_unstable(mid).1)
}

/// [`lower_median`] of floats (no NaN expected; total order otherwise).
fn lower_median_f32(v: &mut [f32]) -> Option<f32> {
    if v.is_empty() {
        return None;
    }
    let mid = (v.len() - 1) / 2;
    Some(*v.select_nth_unstable_by(mid, f32::total_cmp).1)
}

/// "408x344 gbrg 8-bit" and the like.
fn describe(f: &Plane) -> String {
    let pattern = match f.cfa() {
        Cfa::Bggr => "bggr",
        Cfa::Gbrg => "gbrg",
        Cfa::Grbg => "grbg",
        Cfa::Rggb => "rggb",
        Cfa::Mono => "mono",
    };
    format!("{}x{} {} {}-bit", f.width, f.height, pattern, f.depth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defect_map::Entry;
    use crate::frame::{FrameFormat, PlaneMut};

    fn frame(
        name: &str,
        w: usize,
        h: usize,
        value: impl Fn(usize, usize) -> u16,
    ) -> (Vec<u8>, FrameFormat) {
        let media = if name.starts_with("GRAY") {
            "video/x-raw"
        } else {
            "video/x-bayer"
        };
        let f = FrameFormat::parse(media, name, w as i64, h as i64).expect("valid format");
        let mut data = vec![0u8; f.default_size()];
        let mut m = PlaneMut::new(&mut data, f.plane(), f.default_stride()).expect("fits");
        for y in 0..h {
            for x in 0..w {
                m.set(x, y, value(x, y));
            }
        }
        (data, f)
    }

    #[test]
    fn medians_are_lower_medians() {
        assert_eq!(lower_median(&mut []), None);
        assert_eq!(lower_median(&mut [5]), Some(5));
        assert_eq!(lower_median(&mut [9, 1, 5, 7]), Some(5));
        assert_eq!(lower_median_f32(&mut [0.5, 0.25, 2.0]), Some(0.5));
    }

    #[test]
    fn small_medians_match_a_sort() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in 0..=7 {
            for _ in 0..2000 {
                let mut v: Vec<u32> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        (seed % 9) as u32
                    })
                    .collect();
                let mut sorted = v.clone();
                sorted.sort_unstable();
                let expected = if len == 0 { 0 } else { sorted[(len - 1) / 2] };
                assert_eq!(small_lower_median(&mut v), expected, "{sorted:?}");
            }
        }
    }

    #[test]
    fn local_reference_leaves_the_pixel_out_and_resists_clusters() {
        // A steep ramp (10 per column, 1000 per row) on a Bayer plane (pitch 2): the
        // reference must not be the pixel itself.
        let (w, h) = (20, 16);
        let ramp: Vec<u32> = (0..w * h)
            .map(|i| 5000 + 10 * (i % w) as u32 + 1000 * (i / w) as u32)
            .collect();
        let refs = local_reference(&ramp, w, h, 2, 1);
        for y in 4..h - 4 {
            for x in 4..w - 4 {
                let i = y * w + x;
                assert_ne!(refs[i], ramp[i], "({x}, {y})");
                assert!(ramp[i] - refs[i] <= 2000, "({x}, {y}): {}", refs[i]);
            }
        }
        // Flat field with a dead 2 x 2 same-colour cluster: every pixel of it still
        // gets the field's value as its reference.
        let mut flat = vec![800u32; w * h];
        for (x, y) in [(8, 8), (10, 8), (8, 10), (10, 10)] {
            flat[y * w + x] = 0;
        }
        let refs = local_reference(&flat, w, h, 2, 1);
        for (x, y) in [(8, 8), (10, 8), (8, 10), (10, 10)] {
            assert_eq!(refs[y * w + x], 800, "({x}, {y})");
        }
    }

    #[test]
    fn refuses_foreign_formats_and_empty_finish_is_empty() {
        let (_, f) = frame("rggb", 8, 8, |_, _| 0);
        let (other, g) = frame("grbg", 8, 8, |_, _| 0);
        let mut c = Calibrator::new(CalibrationKind::Dark, f.plane());
        let r = PlaneRef::new(&other, g.plane(), g.default_stride()).expect("fits");
        assert!(matches!(
            c.add_frame(&r),
            Err(CalibrationError::FormatMismatch { .. })
        ));
        let cal = c.finish();
        assert_eq!(cal.frames, 0);
        assert!(cal.defects.is_empty() && cal.map.is_empty());
    }

    #[test]
    fn counts_and_map_agree() {
        let (data, f) = frame(
            "GRAY8",
            16,
            16,
            |x, y| if (x, y) == (3, 4) { 200 } else { 10 },
        );
        let mut c = Calibrator::new(CalibrationKind::Dark, f.plane());
        let r = PlaneRef::new(&data, f.plane(), f.default_stride()).expect("fits");
        c.add_frame(&r).expect("accepted");
        c.add_frame(&r).expect("accepted");
        let cal = c.finish();
        assert_eq!(cal.counts.hot, 1);
        assert_eq!(cal.map.entries(), &[Entry::Pixel { x: 3, y: 4 }]);
        assert_eq!(cal.channels.len(), 1);
        assert_eq!(cal.channels[0].level, 10.0);
        assert!(cal.header().contains("1 hot, 0 warm"));
    }
}
