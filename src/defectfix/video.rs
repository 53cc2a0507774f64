//! The video path: `defectfix` on YUV and RGB `video/x-raw`.
//!
//! [`video_caps`] lists the formats; [`VideoProcessor`] is built from negotiated caps
//! in `set_caps` and processes each buffer: it maps the buffer with
//! `gst_video::VideoFrameRef` (planes, strides and offsets from the `VideoInfo` and any
//! `GstVideoMeta`) and hands the planes to [`crate::video::Processor`]. Calibration
//! needs raw sensor caps: while `calibrate` is set, video frames pass unchanged.
//!
//! Coordinates — defect map, learned map, messages — are frame pixels (the luma grid),
//! plus `map-offset-x`/`-y` for maps.

use std::sync::Arc;

use gst_video::prelude::*;

use super::messages::{self, FrameCounts, MessageDefect, StreamSummary};
use super::qc::QcView;
use super::settings::Settings;
use super::stream::{Processed, StreamProcessor, bad_buffer};
use super::{CAT, DetectionMode, RunMode};
use crate::defect_map::{DefectMap, MapPlacement};
use crate::frame::{VIDEO_FORMATS, VideoFrameMut, VideoLayout};
use crate::report::{Summary, SummarySighting};
use crate::video::fields::{Pictures, Scan};
use crate::video::{Spot, SpotSource, VideoFrameReport};

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

/// Per-stream state of the video path.
pub struct VideoProcessor {
    info: gst_video::VideoInfo,
    processor: Pictures,
    summary: Summary,
    frames: u64,
    /// Map offsets of the last frame: the learned map is written with them.
    offset: (i64, i64),
}

impl VideoProcessor {
    /// State for fixed `caps` whose frames have `layout`; the chroma siting and the
    /// interlacing are the ones the caps say. Fields in separate buffers (`alternate`,
    /// `fields`) are refused.
    pub fn new(caps: &gst::CapsRef, layout: VideoLayout) -> Result<Self, String> {
        let info = gst_video::VideoInfo::from_caps(caps).map_err(|e| e.to_string())?;
        let layout = layout.with_cosited_chroma(
            info.chroma_site()
                .contains(gst_video::VideoChromaSite::H_COSITED),
        );
        let processor = Pictures::new(layout, scan(info.interlace_mode())?)
            .map_err(|e| format!("interlaced {}: {e}", layout.format.name()))?;
        Ok(VideoProcessor {
            info,
            processor,
            summary: Summary::new(),
            frames: 0,
            offset: (0, 0),
        })
    }

    /// Maps `buf` writable as a frame of the stream and runs `f` on it.
    fn with_frame<R>(
        &mut self,
        buf: &mut gst::BufferRef,
        f: impl FnOnce(&mut Pictures, &mut VideoFrameMut<'_>) -> R,
    ) -> Result<R, gst::ErrorMessage> {
        let layout = *self.processor.layout();
        let processor = &mut self.processor;
        with_frame_mut(&self.info, layout, buf, |frame| f(processor, frame)).map_err(bad_buffer)
    }

    /// The counts of the message of frame number `frame`, whose spots the processor
    /// lists: the same fields as on sensor streams (`learned` counts confirmed spots,
    /// `dynamic` the spots repaired at confirmed positions, `defects` the spots repaired)
    /// plus `samples`, and in detect mode the component that shows each spot most.
    fn counts(&self, frame: u64, report: &VideoFrameReport, mode: RunMode) -> FrameCounts {
        let spots = self.processor.spots();
        let positions = messages::detect_positions(mode, spots, |s| MessageDefect {
            x: s.x,
            y: s.y,
            source: source_name(s.source),
            component: Some(s.component.name()),
            value: u32::from(s.value),
            expected: u32::from(s.expected),
            severity: s.severity,
        });
        FrameCounts {
            frame,
            mapped: report.mapped,
            learned: report.confirmed,
            dynamic: report.found,
            defects: spots.len(),
            corrected: if mode == RunMode::Correct {
                report.spots
            } else {
                0
            },
            unrepairable: 0,
            samples: Some(report.samples),
            positions,
        }
    }

    /// The message counts of frame number `frame`, with `post-messages`.
    fn message(
        &self,
        frame: u64,
        report: &VideoFrameReport,
        settings: &Settings,
    ) -> Option<FrameCounts> {
        settings
            .post_messages
            .then(|| self.counts(frame, report, settings.mode))
    }
}

impl StreamProcessor for VideoProcessor {
    fn describe(&self) -> String {
        format!("{:?} {:?}", self.processor.layout(), self.processor.scan())
    }

    fn size(&self) -> (usize, usize) {
        let l = self.processor.layout();
        (l.width, l.height)
    }

    fn uncalibratable(&self) -> Option<&'static str> {
        Some(self.processor.layout().format.name())
    }

    /// Nothing is confirmed in a first frame; the next one confirms what it shows.
    fn revisits(&self) -> bool {
        true
    }

    fn set_map(
        &mut self,
        map: Option<&Arc<DefectMap>>,
        offset: (i64, i64),
    ) -> Option<MapPlacement> {
        self.offset = offset;
        self.processor.set_map(map, offset)
    }

    fn qc_view(&self) -> QcView<'_> {
        QcView::Video(&self.processor)
    }

    fn discontinuity(&mut self) {
        self.processor.discontinuity();
    }

    fn frames(&self) -> u64 {
        self.frames
    }

    fn process(
        &mut self,
        buf: &mut gst::BufferRef,
        settings: &Settings,
        held: bool,
    ) -> Result<Processed, gst::ErrorMessage> {
        let run = video_settings(settings);
        let report = self.with_frame(buf, |p, frame| p.process(frame, &run))?;
        self.frames += 1;
        gst::trace!(CAT, "frame: {report:?}");
        if held {
            return Ok(Processed::default());
        }
        self.summary.add(sightings(self.processor.spots()));
        Ok(Processed {
            counts: self.message(self.frames, &report, settings),
            ..Processed::default()
        })
    }

    fn release(
        &mut self,
        buf: Option<&mut gst::BufferRef>,
        frame: u64,
        settings: &Settings,
    ) -> Result<Option<FrameCounts>, gst::ErrorMessage> {
        let report = match buf {
            Some(buf) => {
                let run = video_settings(settings);
                let report = self.with_frame(buf, |p, frame| p.revisit(frame, &run))?;
                self.summary.add(sightings(self.processor.spots()));
                report
            }
            None => {
                self.summary.add([]);
                VideoFrameReport::default()
            }
        };
        Ok(self.message(frame, &report, settings))
    }

    /// The confirmed spots, in frame pixels plus the last frame's map offsets.
    fn learned_map(&self) -> (DefectMap, String) {
        let map = self.processor.confirmed_map(self.offset.0, self.offset.1);
        let l = self.processor.layout();
        let of = format!(
            "{} {}x{}, in frame pixels",
            l.format.name(),
            l.width,
            l.height
        );
        let header = messages::learned_header(
            "pixel errors confirmed",
            self.frames,
            &of,
            map.len(),
            "positions",
        );
        (map, header)
    }

    /// Every reported spot was confirmed or mapped: each is persistent.
    fn summary(&self) -> StreamSummary<'_> {
        StreamSummary {
            summary: &self.summary,
            learned: self.processor.confirmed().len(),
            all_confirmed: true,
        }
    }
}

/// How frames of `mode` hold their pictures; an error message for the modes whose
/// buffers hold one field each.
fn scan(mode: gst_video::VideoInterlaceMode) -> Result<Scan, String> {
    use gst_video::VideoInterlaceMode as Mode;
    match mode {
        Mode::Progressive => Ok(Scan::Progressive),
        Mode::Interleaved | Mode::Mixed => Ok(Scan::Interleaved),
        other => Err(format!(
            "interlace-mode={} (one field per buffer) is not supported: weave the fields into \
             frames first (interlace-mode=interleaved)",
            other.to_str()
        )),
    }
}

/// The processor's settings for one frame.
fn video_settings(settings: &Settings) -> crate::video::VideoSettings {
    crate::video::VideoSettings {
        detection: settings.detection == DetectionMode::Dynamic,
        sensitivity: settings.sensitivity,
        n_threads: settings.n_threads as usize,
        mode: settings.mode.into(),
    }
}

/// A frame's repaired spots as the QC summary takes them.
fn sightings(spots: &[Spot]) -> impl Iterator<Item = SummarySighting> + '_ {
    spots.iter().map(|s| SummarySighting {
        x: s.x,
        y: s.y,
        severity: s.severity,
        listed: s.source == SpotSource::Map,
    })
}

/// Maps `buf` (of `info`) writable as a frame of `layout` and runs `f` on it.
fn with_frame_mut<R>(
    info: &gst_video::VideoInfo,
    layout: VideoLayout,
    buf: &mut gst::BufferRef,
    f: impl FnOnce(&mut VideoFrameMut<'_>) -> R,
) -> Result<R, String> {
    let mut vframe = gst_video::VideoFrameRef::from_buffer_ref_writable(buf, info)
        .map_err(|e| format!("cannot map the buffer as {}: {e}", info.format()))?;
    let mut strides = [0usize; 3];
    for (s, &v) in strides.iter_mut().zip(vframe.plane_stride()) {
        *s = usize::try_from(v).map_err(|_| format!("negative stride {v}"))?;
    }
    let [a, b, c, _] = vframe.planes_data_mut();
    let mut frame = VideoFrameMut::new(layout, [a, b, c], strides).map_err(|e| e.to_string())?;
    Ok(f(&mut frame))
}

/// The `source` of a spot in a message.
fn source_name(source: SpotSource) -> &'static str {
    match source {
        SpotSource::Map => "map",
        SpotSource::Confirmed => "learned",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_separate_buffers_are_refused_with_the_reason() {
        use gst_video::VideoInterlaceMode as Mode;
        assert_eq!(scan(Mode::Progressive), Ok(Scan::Progressive));
        assert_eq!(scan(Mode::Interleaved), Ok(Scan::Interleaved));
        assert_eq!(scan(Mode::Mixed), Ok(Scan::Interleaved));
        let refused = scan(Mode::Fields).unwrap_err();
        assert!(
            refused.starts_with("interlace-mode=fields (one field per buffer) is not supported"),
            "{refused}"
        );
    }
}
