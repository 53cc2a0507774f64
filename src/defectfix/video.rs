//! The element side of the video path: `defectfix` on YUV and RGB `video/x-raw`.
//!
//! [`video_caps`] lists the formats; [`VideoState`] is built from negotiated caps in
//! `set_caps` and processes each buffer in `transform_ip`: it maps the buffer with
//! `gst_video::VideoFrameRef` (planes, strides and offsets from the `VideoInfo` and any
//! `GstVideoMeta`), hands the planes to [`crate::video::Processor`], and builds the bus
//! messages. Everything it needs from the element comes in [`VideoParams`]; everything
//! the element must do afterwards (post, warn) comes back in [`VideoOutcome`], so the
//! element's own code changes only where it dispatches.
//!
//! Coordinates — defect map, learned map, messages — are frame pixels (the luma grid),
//! plus `map-offset-x`/`-y` for maps.

use std::sync::Arc;

use gst_video::prelude::*;

use crate::defect_map::DefectMap;
use crate::engine::Mode;
use crate::report::{Sighting, Summary};
use crate::video::{
    FrameMut, FrameReport, Layout, MapPlacement, Processor, Settings, SpotSource, VIDEO_FORMATS,
};

/// Positions carried by one per-frame message in detect mode.
pub const MESSAGE_POSITIONS: usize = 256;

/// The YUV and RGB `video/x-raw` caps of `defectfix` (any size and frame rate).
pub fn video_caps() -> gst::Caps {
    let size = gst::IntRange::new(1, i32::MAX);
    let rate = gst::FractionRange::new(gst::Fraction::new(0, 1), gst::Fraction::new(i32::MAX, 1));
    gst::Caps::builder("video/x-raw")
        .field("format", gst::List::new(VIDEO_FORMATS.iter().copied()))
        .field("width", size)
        .field("height", size)
        .field("framerate", rate)
        .build()
}

/// Whether fixed `caps` are one of the YUV/RGB formats of the video path.
pub fn is_video_caps(caps: &gst::CapsRef) -> bool {
    caps.structure(0).is_some_and(|s| {
        s.name() == "video/x-raw"
            && s.get::<&str>("format")
                .is_ok_and(|f| VIDEO_FORMATS.contains(&f))
    })
}

/// What the element's settings say for one frame.
#[derive(Clone, Debug)]
pub struct VideoParams {
    /// `detection=dynamic`.
    pub detection: bool,
    pub sensitivity: f64,
    pub n_threads: usize,
    /// `mode`.
    pub mode: Mode,
    pub map: Option<Arc<DefectMap>>,
    pub offset_x: i64,
    pub offset_y: i64,
    /// `post-messages`: build the per-frame message.
    pub post_messages: bool,
}

/// What happened to one buffer, for the element to act on.
#[derive(Debug)]
pub struct VideoOutcome {
    pub report: FrameReport,
    /// Set when the map was (re)placed on this frame.
    pub placement: Option<MapPlacement>,
    /// The per-frame `defectfix` message, when asked for.
    pub message: Option<gst::Structure>,
}

/// Per-stream state of the video path.
pub struct VideoState {
    info: gst_video::VideoInfo,
    processor: Processor,
    summary: Summary,
    frames: u64,
    offset: (i64, i64),
    calibrate_refused: bool,
    /// The first frame of the stream (or after a jump), held back until the next one
    /// arrives, and its frame number.
    held: Option<(gst::Buffer, u64)>,
    /// No frame since the start or the last jump.
    fresh: bool,
}

impl VideoState {
    /// True the first time it is asked (the element warns once that calibration needs
    /// sensor caps).
    pub fn first_calibrate_request(&mut self) -> bool {
        !std::mem::replace(&mut self.calibrate_refused, true)
    }

    /// State for fixed `caps` (which [`is_video_caps`] accepts).
    pub fn new(caps: &gst::CapsRef) -> Result<Self, String> {
        let info = gst_video::VideoInfo::from_caps(caps).map_err(|e| e.to_string())?;
        let layout = Layout::parse(
            info.format().to_str(),
            i64::from(info.width()),
            i64::from(info.height()),
        )
        .map_err(|e| e.to_string())?
        .with_cosited_chroma(
            info.chroma_site()
                .contains(gst_video::VideoChromaSite::H_COSITED),
        );
        Ok(VideoState {
            info,
            processor: Processor::new(layout),
            summary: Summary::new(),
            frames: 0,
            offset: (0, 0),
            calibrate_refused: false,
            held: None,
            fresh: true,
        })
    }

    /// The processor (its spots, confirmed set and candidates of the last frame).
    pub fn processor(&self) -> &Processor {
        &self.processor
    }

    /// The stream's layout.
    pub fn layout(&self) -> &Layout {
        self.processor.layout()
    }

    /// The stream jumped (flush, seek): forget the previous frame, and the held one
    /// (a flush discards it).
    pub fn flushed(&mut self) {
        self.processor.discontinuity();
        self.held = None;
        self.fresh = true;
    }

    /// Whether `buf` is the first of the stream or after a jump (the one
    /// `hold-first-frame` holds back).
    pub fn is_fresh(&self, buf: &gst::BufferRef) -> bool {
        self.fresh || buf.flags().contains(gst::BufferFlags::DISCONT)
    }

    /// Processes the first buffer of a stream like any other (map repairs are written)
    /// and keeps a copy to revisit once the next one is in; the caller drops `buf`.
    pub fn hold(
        &mut self,
        buf: &mut gst::BufferRef,
        p: &VideoParams,
    ) -> Result<Option<MapPlacement>, String> {
        let (_, placement) = self.run(buf, p)?;
        self.frames += 1;
        let copy = buf
            .copy_deep()
            .map_err(|e| format!("cannot copy the first frame: {e}"))?;
        self.held = Some((copy, self.frames));
        Ok(placement)
    }

    /// The held first frame, if any, ready to go downstream: when `revisit`, repaired
    /// with what the frame after it confirmed ([`Processor::revisit`]); else (end of
    /// stream, caps change, a jump) as it was held.
    pub fn release(
        &mut self,
        p: &VideoParams,
        revisit: bool,
    ) -> Result<Option<(gst::Buffer, VideoOutcome)>, String> {
        let Some((mut buf, frame)) = self.held.take() else {
            return Ok(None);
        };
        let mut report = FrameReport::default();
        if revisit {
            let layout = *self.processor.layout();
            let settings = Self::settings(p);
            let processor = &mut self.processor;
            with_frame_mut(&self.info, layout, buf.make_mut(), |frame| {
                report = processor.revisit(frame, &settings);
            })?;
        }
        if revisit {
            self.summary.add(sightings(self.processor.spots()));
        } else {
            self.summary.add([]);
        }
        let message = p
            .post_messages
            .then(|| self.message_for(frame, &report, p.mode));
        Ok(Some((
            buf,
            VideoOutcome {
                report,
                placement: None,
                message,
            },
        )))
    }

    fn settings(p: &VideoParams) -> Settings {
        Settings {
            detection: p.detection,
            sensitivity: p.sensitivity,
            n_threads: p.n_threads,
            mode: p.mode,
        }
    }

    /// Maps `buf` and runs the processor on it.
    fn run(
        &mut self,
        buf: &mut gst::BufferRef,
        p: &VideoParams,
    ) -> Result<(FrameReport, Option<MapPlacement>), String> {
        if buf.flags().contains(gst::BufferFlags::DISCONT) {
            self.processor.discontinuity();
        }
        self.fresh = false;
        let placement = self
            .processor
            .set_map(p.map.as_ref(), p.offset_x, p.offset_y);
        self.offset = (p.offset_x, p.offset_y);
        let layout = *self.processor.layout();
        let settings = Self::settings(p);
        let processor = &mut self.processor;
        let report = with_frame_mut(&self.info, layout, buf, |frame| {
            processor.process(frame, &settings)
        })?;
        Ok((report, placement))
    }

    /// Frames processed.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Processes one buffer in place (or inspects it, in detect mode).
    pub fn process(
        &mut self,
        buf: &mut gst::BufferRef,
        p: &VideoParams,
    ) -> Result<VideoOutcome, String> {
        let (report, placement) = self.run(buf, p)?;
        self.frames += 1;
        self.summary.add(sightings(self.processor.spots()));
        let message = p.post_messages.then(|| self.frame_message(&report, p.mode));
        Ok(VideoOutcome {
            report,
            placement,
            message,
        })
    }

    /// The per-frame `defectfix` message: the same fields as on Bayer streams
    /// (`learned` counts confirmed spots, `dynamic` the candidates, `defects` the
    /// spots repaired), plus in detect mode up to [`MESSAGE_POSITIONS`] positions with
    /// their severity and the component that shows them most.
    pub fn frame_message(&self, report: &FrameReport, mode: Mode) -> gst::Structure {
        self.message_for(self.frames, report, mode)
    }

    /// [`Self::frame_message`] for frame number `frame`.
    fn message_for(&self, frame: u64, report: &FrameReport, mode: Mode) -> gst::Structure {
        let spots = self.processor.spots();
        let corrected = if mode == Mode::Correct {
            report.spots
        } else {
            0
        };
        let mut b = gst::Structure::builder("defectfix")
            .field("frame", frame)
            .field("mapped", report.mapped as u64)
            .field("learned", report.confirmed as u64)
            .field("dynamic", report.candidates as u64)
            .field("defects", spots.len() as u64)
            .field("corrected", corrected as u64)
            .field("unrepairable", 0u64)
            .field("samples", report.samples as u64);
        if mode == Mode::Detect {
            let positions = spots.iter().take(MESSAGE_POSITIONS).map(|s| {
                gst::Structure::builder("defect")
                    .field("x", s.x)
                    .field("y", s.y)
                    .field("source", source_name(s.source))
                    .field("component", s.component.name())
                    .field("value", u32::from(s.value))
                    .field("expected", u32::from(s.expected))
                    .field("severity", s.severity.name())
                    .build()
                    .to_send_value()
            });
            b = b
                .field("positions", gst::Array::from_values(positions))
                .field("positions-truncated", spots.len() > MESSAGE_POSITIONS);
        }
        b.build()
    }

    /// The end-of-stream `defectfix-summary` message (every reported spot was
    /// confirmed or mapped: each is persistent; worst first).
    pub fn summary_message(&self) -> gst::Structure {
        super::summary_structure(&self.summary, self.processor.confirmed().len() as u64, true)
    }

    /// The confirmed spots as a defect map in the map's coordinates (frame pixel plus
    /// the last frame's map offsets), with a header line.
    pub fn learned_map(&self) -> (DefectMap, String) {
        let map = self.processor.confirmed_map(self.offset.0, self.offset.1);
        let l = self.processor.layout();
        let header = format!(
            "pixel errors confirmed by defectfix over {} frames of {} {}x{}, in frame pixels: {} positions",
            self.frames,
            l.format.name(),
            l.width,
            l.height,
            map.len()
        );
        (map, header)
    }
}

/// A frame's repaired spots as the QC summary takes them.
fn sightings(spots: &[crate::video::Spot]) -> impl Iterator<Item = Sighting> + '_ {
    spots.iter().map(|s| Sighting {
        x: s.x,
        y: s.y,
        severity: s.severity,
        listed: s.source == SpotSource::Map,
    })
}

/// Maps `buf` (of `info`) writable as a frame of `layout` and runs `f` on it.
fn with_frame_mut<R>(
    info: &gst_video::VideoInfo,
    layout: Layout,
    buf: &mut gst::BufferRef,
    f: impl FnOnce(&mut FrameMut<'_>) -> R,
) -> Result<R, String> {
    let mut vframe = gst_video::VideoFrameRef::from_buffer_ref_writable(buf, info)
        .map_err(|e| format!("cannot map the buffer as {}: {e}", info.format()))?;
    let mut strides = [0usize; 3];
    for (s, &v) in strides.iter_mut().zip(vframe.plane_stride()) {
        *s = usize::try_from(v).map_err(|_| format!("negative stride {v}"))?;
    }
    let [a, b, c, _] = vframe.planes_data_mut();
    let mut frame = FrameMut::new(layout, [a, b, c], strides).map_err(|e| e.to_string())?;
    Ok(f(&mut frame))
}

fn source_name(source: SpotSource) -> &'static str {
    match source {
        SpotSource::Map => "map",
        SpotSource::Confirmed => "learned",
    }
}
