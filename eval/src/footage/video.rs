//! Real footage for the YUV/RGB path (issue 13): the raw sequences of the footage
//! generator ([`run::for_each_sequence`]: every scene, camera path and gain, star fields)
//! demosaiced and colour-converted as a camera or a capture chain would, optionally
//! compressed, then `defectfix` with its defaults, scored frame by frame with the
//! video scores of [`crate::video`].
//!
//! For every sequence and every format:
//!
//! 1. the clean and the defective raw frames (8-bit Bayer: deeper scenes keep their top
//!    8 bits, rounded, because `bayer2rgb` of GStreamer 1.22 takes 8-bit Bayer only) go
//!    through the same `appsrc ! bayer2rgb ! videoconvert ! video/x-raw,format=F`;
//! 2. interlaced footage (`interlaced`): the generator films at the field rate, and
//!    frame *t* takes its even rows (top field) from converted frame 2*t* and its odd
//!    rows (bottom field) from frame 2*t*+1, caps `interlace-mode=interleaved,
//!    field-order=top-field-first`;
//! 3. compressed footage ([`Codec`]): both sequences are encoded (`vp8enc` or `vp9enc`,
//!    I420, at [`Options::bits_per_pixel`]) and decoded again, then converted back to F;
//!    the clean one through the same encode and decode is the truth;
//! 4. the defective sequence goes through `appsrc ! defectfix ! appsink` (defaults plus
//!    any `set` property; the pipeline is not live, so the first frame is held back
//!    until the second is in);
//! 5. every frame is scored ([`crate::video::score_frame`]): spots are the connected
//!    groups of pixels the defects touched, *visible* when a sample is off by more than
//!    5 % of the range, *corrected* when the spot's largest error is at least quartered
//!    (the issue's definition; [`VideoFrameScore::quartered`]; the stricter "no sample
//!    off by more than 5 % after" is kept as [`VideoFrameScore::corrected`]); false
//!    changes are pixels the defects did not touch that `defectfix` changed, per MP; PSNR
//!    over every sample.
//!
//! Each visible spot is put down to the defect nearest its worst pixel ([`Breakdown`]),
//! so that the tables can say which defects defeat the element; false changes are
//! split into those next to a defect (a repair that reached too far) and those away
//! from every defect (pixels taken for spots).
//!
//! [`report`](super::video_report) pools and prints the scores; the command is
//! `eval/examples/footage_video.rs`.

use super::Timing;
use std::time::Instant;

use gstdefectfix::frame::VideoLayout;

use super::camera::PathKind;
use super::defects::{Defect, DefectSet};
use super::noise::Gain;
use super::overlay;
use super::run::{self, Sequence};
use super::score::{FALSE_FROM, N, RECALL_FROM};
use super::sensor::Sensor;
use crate::pipeline::{self, Converted};
use crate::video::{Planes, ScoreDetail, VideoFrameScore, score_frame_with};

/// The formats of the protocol: 4:2:2 packed and 4:2:0 planar at 8 bits, and two 10-bit
/// 4:2:2 ones.
pub const FORMATS: [&str; 5] = ["UYVY", "NV12", "I420", "v210", "I422_10LE"];

/// How the footage is delivered: as converted, or through a lossy codec and back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Codec {
    None,
    Vp8,
    Vp9,
}

impl Codec {
    /// Name on the command line and in tables.
    pub fn name(self) -> &'static str {
        match self {
            Codec::None => "none",
            Codec::Vp8 => "vp8",
            Codec::Vp9 => "vp9",
        }
    }

    /// The codec named `name`.
    pub fn parse(name: &str) -> Option<Codec> {
        [Codec::None, Codec::Vp8, Codec::Vp9]
            .into_iter()
            .find(|c| c.name() == name)
    }

    /// Where a pixel counts as touched by the defects: anything for uncompressed
    /// footage; compressed, more than the two encodes differ by where no defect is.
    pub fn touch(self) -> f64 {
        match self {
            Codec::None => 0.0,
            Codec::Vp8 | Codec::Vp9 => 0.02,
        }
    }

    /// The encode and decode chain from and back to `format`, at `bitrate` bits/s, with
    /// the coded stream branched off to an `appsink` named `coded`; `None` for
    /// [`Codec::None`].
    ///
    /// Encoder settings: variable bit rate at the target, quantiser 0–40 (so that no
    /// frame falls to a preview quality), a key frame every second (30 frames),
    /// real-time speed, 2 threads.
    fn chain(self, format: &str, bitrate: u64) -> Option<String> {
        let (enc, dec, speed) = match self {
            Codec::None => return None,
            Codec::Vp8 => ("vp8enc", "vp8dec", "deadline=1000000 cpu-used=5"),
            Codec::Vp9 => ("vp9enc", "vp9dec", "deadline=1000000 cpu-used=5"),
        };
        Some(format!(
            "videoconvert ! video/x-raw,format=I420 \
             ! {enc} end-usage=cbr target-bitrate={bitrate} min-quantizer=0 max-quantizer=63 \
             dropframe-threshold=0 lag-in-frames=0 keyframe-max-dist=30 {speed} threads=1 \
             ! tee name=split split. ! queue ! appsink name=coded split. ! queue \
             ! {dec} ! videoconvert ! video/x-raw,format={format}"
        ))
    }
}

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// The generator's selection (scenes, paths, gains, frames, window, seed, defects)
    /// and the properties set on `defectfix` (`set`); `dump` is not used here.
    pub footage: run::Options,
    /// Formats the footage is converted to (see [`FORMATS`]).
    pub formats: Vec<String>,
    /// How the footage is delivered: each sequence is measured once per codec.
    pub codecs: Vec<Codec>,
    /// Coded bits per pixel of a frame: the codec's target bit rate is this × width ×
    /// height × 30 frames/s.
    pub bits_per_pixel: f64,
    /// Interlaced footage: two fields of consecutive generator frames woven into one.
    pub interlaced: bool,
    /// Where a pixel counts as touched by the defects (a share of the range; see
    /// [`crate::video::score_frame_with`]); `None`: each codec's [`Codec::touch`].
    pub touch: Option<f64>,
    /// The oracle of detection: the element is given the sequence's true defect map
    /// (`defect-map`), so what is left is the repair's own shortfall.
    pub oracle: bool,
    /// Graphics burned into every frame of both sequences after the camera
    /// ([`overlay`](super::overlay)): a station bug, a box border, a divider.
    pub overlay: bool,
}

/// Numbers the oracle's map files apart.
static ORACLE_MAPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The bits per pixel of contribution-grade delivery: a 1080p30 contribution link at
/// about 50 Mbit/s (H.264 High 4:2:0 8-bit) codes 0.8 bit per pixel; 1 is kept for VP8
/// and VP9 alike.
pub const CONTRIBUTION_BITS_PER_PIXEL: f64 = 1.0;

impl Default for Options {
    fn default() -> Self {
        Options {
            footage: run::Options::default(),
            formats: FORMATS.iter().map(|f| f.to_string()).collect(),
            codecs: vec![Codec::None],
            bits_per_pixel: CONTRIBUTION_BITS_PER_PIXEL,
            interlaced: false,
            touch: None,
            oracle: false,
            overlay: false,
        }
    }
}

/// The scores of one sequence in one format.
#[derive(Clone, Debug)]
pub struct VideoResult {
    pub scene: String,
    pub path: PathKind,
    pub gain: Gain,
    /// A star field (else a natural scene).
    pub stars: bool,
    pub format: String,
    pub codec: Codec,
    pub interlaced: bool,
    /// Frame size.
    pub width: usize,
    pub height: usize,
    /// What was filmed, for the sequence's line.
    pub header: String,
    /// What the codec did (compressed footage only).
    pub coding: Option<Coding>,
    /// One score per frame, in order.
    pub frames: Vec<VideoFrameScore>,
    /// Which defects the spots came from, and where the false changes lie.
    pub breakdown: Breakdown,
    /// With graphics burned in: pixel-frames of the graphic that `defectfix` changed
    /// (any sample covering the pixel), and frames with any.
    pub overlay_changed: usize,
    pub overlay_frames: usize,
}

/// The index in [`Breakdown`] of spots with no defect within [`SPOT_REACH`] of their
/// worst pixel (after the defect categories of [`CATEGORIES`](super::defects::CATEGORIES)).
pub const NO_DEFECT: usize = N;

/// How far (pixels, each axis) from a spot's worst pixel its defect is looked for.
pub const SPOT_REACH: u32 = 2;

/// How far (pixels, each axis) from a defect a false change counts as near it.
pub const FALSE_REACH: u32 = 3;

/// The strength classes of visible spots: a spot whose largest error is at most
/// `STRENGTHS[k]` times the visibility line (5 % of the range) and more than the one
/// before is in class `k` (the last is unbounded). Quartering a spot takes every
/// sample it reached back to within a quarter of that error, which the noise of any
/// estimate denies the faintest.
pub const STRENGTHS: [f64; 4] = [1.5, 2.0, 4.0, f64::INFINITY];

/// The strength class ([`STRENGTHS`]) of a spot whose largest error is `peak`, where
/// the visibility line is `line`.
pub fn strength_class(peak: u16, line: f64) -> usize {
    STRENGTHS
        .iter()
        .position(|&k| f64::from(peak) <= k * line)
        .unwrap_or(STRENGTHS.len() - 1)
}

/// Where a sequence's spots came from and where its false changes lie.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Breakdown {
    /// From frame [`RECALL_FROM`] on: visible spots and those quartered, by the category
    /// of the defect nearest their worst pixel ([`NO_DEFECT`]: none within
    /// [`SPOT_REACH`]).
    pub visible: [u64; N + 1],
    pub quartered: [u64; N + 1],
    /// The same spots by strength: their largest error before the element, in
    /// multiples of the visibility line ([`STRENGTHS`]).
    pub visible_by_strength: [u64; STRENGTHS.len()],
    pub quartered_by_strength: [u64; STRENGTHS.len()],
    /// From frame [`FALSE_FROM`] on: false changes within [`FALSE_REACH`] of a defect,
    /// and farther.
    pub false_near: u64,
    pub false_away: u64,
    /// The most false changes farther than [`FALSE_REACH`] from every defect in one
    /// frame from frame [`FALSE_FROM`] on, per MP.
    pub worst_away: f64,
}

impl Breakdown {
    /// Adds frame `frame` (1-based) of a `width`×`height` sequence with `defects`.
    fn add(
        &mut self,
        frame: usize,
        score: &VideoFrameScore,
        detail: &ScoreDetail,
        defects: &DefectSet,
        (width, height): (usize, usize),
        line: f64,
    ) {
        let nearest = |x: u32, y: u32, reach: u32| -> Option<&Defect> {
            let (x0, y0) = (x.saturating_sub(reach), y.saturating_sub(reach));
            let (x1, y1) = (
                (x + reach).min(width as u32 - 1),
                (y + reach).min(height as u32 - 1),
            );
            (y0..=y1)
                .flat_map(|yy| (x0..=x1).map(move |xx| (xx, yy)))
                .filter_map(|(xx, yy)| defects.at(yy as usize * width + xx as usize))
                .min_by_key(|d| d.x.abs_diff(x).max(d.y.abs_diff(y)))
        };
        if frame >= RECALL_FROM {
            for &(x, y, before, after) in &detail.visible {
                let c = nearest(x, y, SPOT_REACH).map_or(NO_DEFECT, Defect::category);
                let k = strength_class(before, line);
                self.visible[c] += 1;
                self.visible_by_strength[k] += 1;
                if after.saturating_mul(4) <= before {
                    self.quartered[c] += 1;
                    self.quartered_by_strength[k] += 1;
                }
            }
        }
        if frame >= FALSE_FROM {
            let away = detail
                .false_pixels
                .iter()
                .filter(|&&(x, y)| nearest(x, y, FALSE_REACH).is_none())
                .count();
            self.false_away += away as u64;
            self.false_near += (detail.false_pixels.len() - away) as u64;
            self.worst_away = self
                .worst_away
                .max(away as f64 * 1e6 / score.pixels.max(1) as f64);
        }
    }

    /// Adds another sequence's breakdown.
    pub fn merge(&mut self, other: &Breakdown) {
        for c in 0..=N {
            self.visible[c] += other.visible[c];
            self.quartered[c] += other.quartered[c];
        }
        for k in 0..STRENGTHS.len() {
            self.visible_by_strength[k] += other.visible_by_strength[k];
            self.quartered_by_strength[k] += other.quartered_by_strength[k];
        }
        self.false_near += other.false_near;
        self.false_away += other.false_away;
        self.worst_away = self.worst_away.max(other.worst_away);
    }
}

/// What the codec did to a sequence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coding {
    /// Bit rate of the coded defective sequence, Mbit/s.
    pub mbps: f64,
    /// Mean PSNR (dB) of the clean sequence decoded against the clean sequence before
    /// the encoder: what the codec costs the picture.
    pub psnr: f64,
}

/// Runs every selected sequence in every selected format, handing each result to
/// `each` as it completes.
pub fn run(
    o: &Options,
    mut each: impl FnMut(&VideoResult),
) -> Result<(Vec<VideoResult>, Timing), String> {
    crate::pipeline::init()?;
    let mut generator = o.footage.clone();
    if o.interlaced {
        generator.frames *= 2;
    }
    let mut results = Vec::new();
    let mut timing = Timing::default();
    run::for_each_sequence(&generator, |q| {
        let start = Instant::now();
        let mut signal = Vec::new();
        let (mut clean, mut input) = (Vec::new(), Vec::new());
        for t in 0..generator.frames {
            let shot = q.film(t, &mut signal);
            clean.push(to_8bit(&shot.clean, &q.sensor));
            input.push(to_8bit(&shot.input, &q.sensor));
        }
        timing.add("generation", start.elapsed());
        for format in &o.formats {
            for r in run_format(o, q, [&clean, &input], format, &mut timing)? {
                each(&r);
                results.push(r);
            }
        }
        Ok(())
    })?;
    Ok((results, timing))
}

/// The top 8 bits of a raw frame of `sensor`, rounded (8-bit frames as they are).
pub fn to_8bit(values: &[u16], sensor: &Sensor) -> Vec<u8> {
    let shift = sensor.format.depth.saturating_sub(8);
    let half = (1u32 << shift) >> 1;
    values
        .iter()
        .map(|&v| ((u32::from(v) + half) >> shift).min(255) as u8)
        .collect()
}

/// The CFA pattern of a Bayer caps format (`rggb14le` → `rggb`), as `bayer2rgb` takes.
fn pattern(caps_format: &str) -> &str {
    caps_format.get(..4).unwrap_or(caps_format)
}

/// One sequence (`raw` = its clean and defective 8-bit frames) in one format, once per
/// codec.
fn run_format(
    o: &Options,
    q: &Sequence<'_>,
    raw: [&Vec<Vec<u8>>; 2],
    format: &str,
    timing: &mut Timing,
) -> Result<Vec<VideoResult>, String> {
    let (w, h) = (q.sensor.format.width, q.sensor.format.height);
    let convert = format!("videoconvert ! video/x-raw,format={format}");
    let start = Instant::now();
    let [clean, input] = raw.map(|frames| {
        pipeline::convert_bayer(frames, w, h, pattern(q.caps_format), &convert)
            .map(|c| deliver(c, o.interlaced))
    });
    let (mut clean, mut input) = (clean?, input?);
    if o.overlay {
        let graphic = overlay::pixels(w, h);
        for c in [&mut clean, &mut input] {
            let layout = layout_of(format, w, h, &c.caps)?;
            for planes in &mut c.planes {
                let mut f = planes.frame_mut(layout).map_err(|e| e.to_string())?;
                overlay::burn(&mut f, &graphic);
            }
        }
    }
    timing.add("conversion", start.elapsed());
    o.codecs
        .iter()
        .map(|&codec| run_codec(o, q, format, codec, [&clean, &input], timing))
        .collect()
}

/// The layout of `format` frames of `width`×`height` with the chroma siting of `caps`.
fn layout_of(
    format: &str,
    width: usize,
    height: usize,
    caps: &gst::Caps,
) -> Result<VideoLayout, String> {
    VideoLayout::parse(format, width as i64, height as i64)
        .map(|l| l.with_cosited_chroma(pipeline::chroma_cosited(caps)))
        .map_err(|e| e.to_string())
}

/// The converted clean and defective sequences through `codec` and back, then the
/// defective one through `defectfix`; every frame scored.
fn run_codec(
    o: &Options,
    q: &Sequence<'_>,
    format: &str,
    codec: Codec,
    [clean, input]: [&Converted; 2],
    timing: &mut Timing,
) -> Result<VideoResult, String> {
    let (w, h) = (q.sensor.format.width, q.sensor.format.height);
    let start = Instant::now();
    let bitrate = (o.bits_per_pixel * (w * h * 30) as f64).round() as u64;
    let coded = match codec.chain(format, bitrate) {
        Some(chain) => {
            let c = pipeline::planes_through(&clean.planes, &clean.caps, &chain)?;
            let d = pipeline::planes_through(&input.planes, &input.caps, &chain)?;
            let layout = layout_of(format, w, h, &clean.caps)?;
            let mut fidelity = 0.0;
            for (a, b) in clean.planes.iter().zip(&c.planes) {
                fidelity += crate::video::psnr(layout, a, b)?.min(99.0);
            }
            let bytes: usize = d
                .others
                .get("coded")
                .map(|s| s.iter().filter_map(|s| s.buffer()).map(|b| b.size()).sum())
                .unwrap_or(0);
            let n = d.planes.len().max(1) as f64;
            let coding = Coding {
                mbps: bytes as f64 * 8.0 / (n / 30.0) / 1e6,
                psnr: fidelity / n,
            };
            Some((c, d, coding))
        }
        None => None,
    };
    let (clean, input, coding) = match &coded {
        Some((c, d, coding)) => (c, d, Some(*coding)),
        None => (clean, input, None),
    };
    let coded = Instant::now();
    timing.add("codec", coded - start);
    let mut element = String::from("defectfix name=fix");
    for (k, v) in &o.footage.set {
        element += &format!(" {k}={v}");
    }
    let oracle_map = if o.oracle {
        let path = std::env::temp_dir().join(format!(
            "defectfix-oracle-{}-{}.map",
            std::process::id(),
            ORACLE_MAPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::write(&path, q.defects.map_text()).map_err(|e| e.to_string())?;
        element += &format!(" defect-map={}", path.display());
        Some(path)
    } else {
        None
    };
    let output = pipeline::planes_through(&input.planes, &input.caps, &element);
    if let Some(path) = oracle_map {
        let _ = std::fs::remove_file(path);
    }
    let output = output?;
    let processed = Instant::now();
    timing.add("element", processed - coded);
    let touch = o.touch.unwrap_or(codec.touch());
    let layout = layout_of(format, w, h, &input.caps)?;
    let line = crate::video::VISIBLE * f64::from(layout.max_value());
    let mut breakdown = Breakdown::default();
    let mut frames = Vec::with_capacity(output.planes.len());
    let graphic = if o.overlay {
        overlay::pixels(w, h)
    } else {
        Vec::new()
    };
    let (mut overlay_changed, mut overlay_frames) = (0, 0);
    for (i, ((c, d), out)) in clean
        .planes
        .iter()
        .zip(&input.planes)
        .zip(&output.planes)
        .enumerate()
    {
        let mut detail = ScoreDetail::default();
        let score = score_frame_with(layout, c, d, out, touch, Some(&mut detail))?;
        breakdown.add(i + 1, &score, &detail, &q.defects, (w, h), line);
        frames.push(score);
        let changed = overlay::changed(layout, d, out, &graphic)?;
        overlay_changed += changed;
        overlay_frames += usize::from(changed > 0);
    }
    timing.add("scoring", processed.elapsed());
    Ok(VideoResult {
        scene: q.name.to_string(),
        path: q.kind,
        gain: q.gain,
        stars: q.stars(),
        format: format.to_string(),
        codec,
        interlaced: o.interlaced,
        width: w,
        height: h,
        header: q.header(),
        coding,
        frames,
        breakdown,
        overlay_changed,
        overlay_frames,
    })
}

/// The converted frames as delivered: as they are, or woven into interlaced frames.
fn deliver(c: Converted, interlaced: bool) -> Converted {
    if !interlaced {
        return c;
    }
    let planes = c
        .planes
        .chunks_exact(2)
        .map(|pair| weave(&pair[0], &pair[1]))
        .collect();
    let mut caps = c.caps;
    if let Some(s) = caps.make_mut().structure_mut(0) {
        s.set("interlace-mode", "interleaved");
        s.set("field-order", "top-field-first");
    }
    Converted {
        planes,
        caps,
        others: c.others,
    }
}

/// An interleaved frame: the even rows of every plane from `top`, the odd rows from
/// `bottom` (chroma rows alternate between the fields too, as in interlaced 4:2:0).
pub fn weave(top: &Planes, bottom: &Planes) -> Planes {
    let mut out = top.clone();
    for (p, plane) in out.data.iter_mut().enumerate() {
        let stride = top.strides[p].max(1);
        let Some(from) = bottom.data.get(p) else {
            continue;
        };
        for (row, (dst, src)) in plane
            .chunks_mut(stride)
            .zip(from.chunks(stride))
            .enumerate()
        {
            if row % 2 == 1 && dst.len() == src.len() {
                dst.copy_from_slice(src);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use gstdefectfix::frame::FrameFormat;

    use super::super::noise::GAINS;
    use super::super::run::sensor_of;

    #[test]
    fn deep_frames_keep_their_top_eight_bits() {
        let format = FrameFormat::parse("video/x-bayer", "rggb14le", 4, 2).expect("format");
        let sensor = sensor_of(format, 2056, 15000, GAINS[1]);
        assert_eq!(
            to_8bit(&[0, 31, 32, 2056, 15000, 16383], &sensor),
            [0, 0, 1, 32, 234, 255]
        );
        assert_eq!(pattern("rggb14le"), "rggb");
        assert_eq!(pattern("grbg"), "grbg");
    }

    #[test]
    fn weaving_takes_odd_rows_from_the_bottom_field() {
        let top = Planes {
            data: vec![vec![1; 8], vec![5; 4]],
            strides: [2, 1, 0],
        };
        let bottom = Planes {
            data: vec![vec![2; 8], vec![6; 4]],
            strides: [2, 1, 0],
        };
        let w = weave(&top, &bottom);
        assert_eq!(w.data[0], [1, 1, 2, 2, 1, 1, 2, 2]);
        assert_eq!(w.data[1], [5, 6, 5, 6]);
    }

    #[test]
    fn spots_are_put_down_to_the_nearest_defect() {
        let format = FrameFormat::parse("video/x-bayer", "grbg", 64, 48).expect("format");
        let sensor = sensor_of(format, 12, 255, GAINS[1]);
        let defects = DefectSet::generate(&sensor, 2e-3, false, 3);
        let d = defects.defects[0];
        let (x, y) = (d.x, d.y);
        let far = (0..48u32)
            .flat_map(|yy| (0..64u32).map(move |xx| (xx, yy)))
            .find(|&(xx, yy)| {
                defects
                    .defects
                    .iter()
                    .all(|e| e.x.abs_diff(xx) > FALSE_REACH || e.y.abs_diff(yy) > FALSE_REACH)
            })
            .expect("a pixel away from every defect");
        let detail = ScoreDetail {
            missed: Vec::new(),
            // Worst pixel one step off the defect, corrected (error quartered); one with
            // no defect near, not corrected.
            visible: vec![(x.saturating_sub(1), y, 100, 20), (far.0, far.1, 100, 30)],
            false_pixels: vec![(x, y.saturating_sub(2)), far],
        };
        let score = VideoFrameScore {
            pixels: 64 * 48,
            ..VideoFrameScore::default()
        };
        let mut b = Breakdown::default();
        b.add(RECALL_FROM, &score, &detail, &defects, (64, 48), 12.75);
        let c = d.category();
        assert_eq!((b.visible[c], b.quartered[c]), (1, 1));
        assert_eq!((b.visible[NO_DEFECT], b.quartered[NO_DEFECT]), (1, 0));
        assert_eq!((b.false_near, b.false_away), (1, 1));
        assert!((b.worst_away - 1e6 / (64.0 * 48.0)).abs() < 1e-9);
        // Before frame 10 spots are not counted, false changes from frame 5 are.
        let mut early = Breakdown::default();
        early.add(FALSE_FROM, &score, &detail, &defects, (64, 48), 12.75);
        assert_eq!(early.visible.iter().sum::<u64>(), 0);
        assert_eq!(early.false_near + early.false_away, 2);
    }

    #[test]
    fn codecs_parse_and_chain() {
        assert_eq!(Codec::parse("vp9"), Some(Codec::Vp9));
        assert_eq!(Codec::parse("h264"), None);
        assert!(Codec::None.chain("UYVY", 1000).is_none());
        let chain = Codec::Vp8.chain("UYVY", 1000).expect("a chain");
        assert!(chain.contains("vp8enc") && chain.ends_with("format=UYVY"));
    }
}
