//! Dynamic detection: per frame, find the pixels that no real image detail explains.
//!
//! Each pixel is compared with its 8 nearest same-colour neighbours in the mosaic (for a
//! green Bayer site the 4 diagonal greens at distance 1 and the 4 axial ones at distance
//! 2; for red and blue the 8 at distance 2; for monochrome the 8 adjacent pixels). A
//! pixel is *hot* when it exceeds the second largest neighbour, *cold* when it lies below
//! the second smallest, by more than a threshold (see [`kernel::decide`]):
//!
//! ```text
//! excess = v − max₂(n) − β·(max₂(n) − min₂(n))          (hot; mirrored for cold)
//! flag when excess > floor  and  excess² > k²·σ²(max₂(n))
//! ```
//!
//! - rank based (second extremes), so a same-colour pair or the green diagonal of a 2×2
//!   block of defects is found: the partner is the one neighbour the test ignores;
//! - `σ²(level) = a + b·level` is measured on the frame itself, per colour plane
//!   ([`noise`]), so the defaults hold on 8- to 16-bit data of any sensor;
//! - the texture margin `β·(max₂ − min₂)` follows the local spread of the neighbourhood,
//!   so edges and fine detail (foliage, text, stars) raise the bar where they are;
//! - one knob, [`Tuning::sensitivity`], scales every margin: 2 finds fainter defects and
//!   touches more real detail, 0.5 the opposite.
//!
//! The decision is integer arithmetic, so the scalar reference, the portable
//! (auto-vectorised) row kernel and its AVX2 build give identical flags.

pub mod eval;
pub mod kernel;
pub mod noise;

use crate::format::{Cfa, Channel, FrameFormat, Sample};
use crate::frame::FrameRef;
pub use kernel::{COLD, HOT, KernelPath, RowParams};
pub use noise::{NoiseEstimator, NoiseModel};

/// Smallest frame side on which detection runs (the neighbourhood reaches 2 pixels out).
pub const MIN_SIDE: usize = 5;

/// Default noise multiplier `k` (threshold = k·σ at sensitivity 1).
pub const DEFAULT_K: f64 = 6.0;
/// Default texture factor `β` (fraction of the neighbours' spread).
pub const DEFAULT_BETA: f64 = 0.75;
/// Default least excess, as a fraction of the sample range.
pub const DEFAULT_FLOOR: f64 = 0.02;

/// The user-facing strength of detection and the constants it scales.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tuning {
    /// 1 = defaults; larger finds fainter defects (all margins divided by it).
    pub sensitivity: f64,
    pub k: f64,
    pub beta: f64,
    pub floor: f64,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            sensitivity: 1.0,
            k: DEFAULT_K,
            beta: DEFAULT_BETA,
            floor: DEFAULT_FLOOR,
        }
    }
}

/// Integer parameters of one frame's decision (see [`kernel::decide`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Params {
    /// Texture margin in 1/64 of the neighbours' spread.
    pub beta: u16,
    /// Least excess, DN.
    pub floor: u16,
    /// The level enters the noise term as `level >> shift` (keeps it within 12 bits).
    pub shift: u32,
    /// Squared threshold constant per plane.
    pub a: [u32; 4],
    /// Squared threshold slope per plane (per `level >> shift`).
    pub b: [u32; 4],
}

impl Params {
    /// Parameters for frames of `format` with noise `model` and `tuning`.
    pub fn new(format: &FrameFormat, model: &NoiseModel, tuning: &Tuning) -> Self {
        let s = if tuning.sensitivity.is_finite() {
            tuning.sensitivity.clamp(0.05, 20.0)
        } else {
            1.0
        };
        let k = tuning.k / s;
        let shift = u32::from(format.depth.saturating_sub(12));
        let range = f64::from(format.max_value());
        let mut a = [0u32; 4];
        let mut b = [0u32; 4];
        for p in 0..4 {
            let ka = (k * k * model.a[p]).clamp(0.0, f64::from(1u32 << 31));
            let kb =
                (k * k * model.b[p] * f64::from(1u32 << shift)).clamp(0.0, f64::from(1u32 << 19));
            a[p] = ka.round() as u32;
            b[p] = kb.round() as u32;
        }
        Params {
            beta: (tuning.beta * 64.0 / s).round().clamp(0.0, 4096.0) as u16,
            floor: (tuning.floor * range / s).round().clamp(1.0, 65535.0) as u16,
            shift,
            a,
            b,
        }
    }

    /// Per-column parameters of rows with parity `row_parity`.
    pub fn row_params(&self, format: &FrameFormat, row_parity: usize, rp: &mut RowParams) {
        let w = format.width;
        rp.green.clear();
        rp.a.clear();
        rp.b.clear();
        for x in 0..w {
            let plane = format.cfa.plane_index(x, row_parity);
            let green = format.cfa.channel(x, row_parity) == Channel::Green;
            rp.green.push(if green { 0xFFFF } else { 0 });
            rp.a.push(self.a[plane]);
            rp.b.push(self.b[plane]);
        }
    }
}

/// A pixel flagged by dynamic detection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Found {
    pub y: u32,
    pub x: u32,
    /// [`HOT`] or [`COLD`].
    pub flags: u8,
}

/// Per-worker buffers: five decoded rows and one row of flags.
#[derive(Debug, Default)]
pub struct Scratch {
    ring: Vec<u16>,
    ring_rows: [usize; 5],
    flags: Vec<u8>,
}

/// The frame-wide state of detection: noise model, parameters, per-row parameters.
#[derive(Debug)]
pub struct Detector {
    format: FrameFormat,
    estimator: NoiseEstimator,
    model: NoiseModel,
    params: Params,
    rows: [RowParams; 2],
}

impl Detector {
    pub fn new(format: FrameFormat) -> Self {
        Detector {
            format,
            estimator: NoiseEstimator::new(),
            model: NoiseModel::flat(1.0),
            params: Params::default(),
            rows: [RowParams::default(), RowParams::default()],
        }
    }

    /// Whether frames of this format are large enough for detection.
    pub fn applicable(&self) -> bool {
        self.format.width >= MIN_SIDE && self.format.height >= MIN_SIDE
    }

    /// Measures the noise of `frame` and derives this frame's parameters.
    pub fn prepare(&mut self, frame: &FrameRef<'_>, tuning: &Tuning) {
        let model = self.estimator.estimate(frame);
        self.set_model(model, tuning);
    }

    /// Uses `model` (instead of measuring) for the next frames.
    pub fn set_model(&mut self, model: NoiseModel, tuning: &Tuning) {
        self.model = model;
        let params = Params::new(&self.format, &model, tuning);
        if params != self.params || self.rows[0].a.len() != self.format.width {
            self.params = params;
            for parity in 0..2 {
                self.params
                    .row_params(&self.format, parity, &mut self.rows[parity]);
            }
        }
    }

    pub fn model(&self) -> &NoiseModel {
        &self.model
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Flags of pixel (`x`, `y`) by the scalar reference.
    #[inline]
    pub fn reference_pixel(&self, frame: &FrameRef<'_>, x: usize, y: usize) -> u8 {
        let f = &self.format;
        let plane = f.cfa.plane_index(x, y);
        let green = f.cfa != Cfa::Mono && f.cfa.channel(x, y) == Channel::Green;
        kernel::reference_pixel(
            |x, y| frame.get(x, y),
            f.width,
            f.height,
            x,
            y,
            f.cfa.pitch() as isize,
            green,
            self.params.a[plane],
            self.params.b[plane],
            &self.params,
        )
    }

    /// Detects the defects of rows `y0..y1` of `frame` into `out` (appended, row-major).
    /// Reads rows `y0-2..y1+2`; writes nothing but `scratch` and `out`.
    pub fn detect_rows(
        &self,
        frame: &FrameRef<'_>,
        y0: usize,
        y1: usize,
        path: KernelPath,
        scratch: &mut Scratch,
        out: &mut Vec<Found>,
    ) {
        let f = &self.format;
        if !self.applicable() || frame.format() != f {
            return;
        }
        let (w, h) = (f.width, f.height);
        let y1 = y1.min(h);
        if scratch.ring.len() != 5 * w {
            scratch.ring.clear();
            scratch.ring.resize(5 * w, 0);
            scratch.flags.clear();
            scratch.flags.resize(w, 0);
        }
        scratch.ring_rows = [usize::MAX; 5];
        let mono = f.cfa == Cfa::Mono;
        for y in y0..y1 {
            if path == KernelPath::Scalar || y < 2 || y + 2 >= h {
                for x in 0..w {
                    let flags = self.reference_pixel(frame, x, y);
                    if flags != 0 {
                        out.push(Found {
                            x: x as u32,
                            y: y as u32,
                            flags,
                        });
                    }
                }
                continue;
            }
            for yy in y - 2..=y + 2 {
                let slot = yy % 5;
                if scratch.ring_rows[slot] != yy {
                    decode_row(frame, yy, &mut scratch.ring[slot * w..(slot + 1) * w]);
                    scratch.ring_rows[slot] = yy;
                }
            }
            let Scratch { ring, flags, .. } = scratch;
            let row = |yy: usize| {
                let slot = yy % 5;
                &ring[slot * w..(slot + 1) * w]
            };
            let rows = [row(y - 2), row(y - 1), row(y), row(y + 1), row(y + 2)];
            kernel::row(path, rows, &self.rows[y & 1], &self.params, mono, flags);
            for x in [0, 1, w - 2, w - 1] {
                flags[x] = self.reference_pixel(frame, x, y);
            }
            scan_flags(flags, y, out);
        }
    }

    /// Scalar reference over a whole frame (tests and tools).
    pub fn detect_reference(&self, frame: &FrameRef<'_>, out: &mut Vec<Found>) {
        let mut scratch = Scratch::default();
        self.detect_rows(
            frame,
            0,
            self.format.height,
            KernelPath::Scalar,
            &mut scratch,
            out,
        );
    }
}

/// Appends the flagged pixels of a row of flags.
#[inline]
fn scan_flags(flags: &[u8], y: usize, out: &mut Vec<Found>) {
    let mut chunks = flags.chunks_exact(8);
    let mut base = 0usize;
    for chunk in &mut chunks {
        let word = u64::from_ne_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]);
        if word != 0 {
            for (i, &fl) in chunk.iter().enumerate() {
                if fl != 0 {
                    out.push(Found {
                        x: (base + i) as u32,
                        y: y as u32,
                        flags: fl,
                    });
                }
            }
        }
        base += 8;
    }
    for (i, &fl) in chunks.remainder().iter().enumerate() {
        if fl != 0 {
            out.push(Found {
                x: (base + i) as u32,
                y: y as u32,
                flags: fl,
            });
        }
    }
}

/// Decodes row `y` of `frame` into `dst` (one `u16` per pixel).
fn decode_row(frame: &FrameRef<'_>, y: usize, dst: &mut [u16]) {
    let f = frame.format();
    let start = y * frame.stride();
    let bytes = &frame.data()[start..start + f.row_bytes()];
    match f.sample {
        Sample::U8 => {
            for (d, &s) in dst.iter_mut().zip(bytes) {
                *d = u16::from(s);
            }
        }
        Sample::U16Le => {
            for (d, s) in dst.iter_mut().zip(bytes.chunks_exact(2)) {
                *d = u16::from_le_bytes([s[0], s[1]]);
            }
        }
        Sample::U16Be => {
            for (d, s) in dst.iter_mut().zip(bytes.chunks_exact(2)) {
                *d = u16::from_be_bytes([s[0], s[1]]);
            }
        }
    }
}
