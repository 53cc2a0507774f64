//! The element side of the QC report (the `report` property, see [`crate::qc`]).
//!
//! `set_caps` starts a [`Collector`] for the stream; after each frame is processed
//! the element hands over the frame's timestamp, its errors with the values before
//! and after the repair, and the frame itself; at the end of the stream (or at `stop`,
//! marked incomplete) the report is written and a `defectfix-report` message names its
//! files. While frames flow, a `defectfix-report-progress` message goes out at most
//! twice a second.

use std::path::Path;
use std::time::{Duration, Instant};

use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::prelude::BaseTransformExtManual;
use gst_video::prelude::*;

use super::imp::DefectFix;
use crate::engine::{FoundDefect, Source};
use crate::frame::{FrameFormat, Media};
use crate::lock;
use crate::qc::render::{Change, SensorPicture, VideoPicture};
use crate::qc::{Collector, Rate, Sighting, StreamInfo, StreamKind, Target};
use crate::video::SpotSource;
use crate::video::fields::Pictures;

use super::CAT;
use super::stream::Stage;

/// What the QC report reads of the frame a processor just processed.
pub enum QcView<'a> {
    /// Raw sensor frames: the defects of the frame, with values before and after.
    Sensor(&'a [FoundDefect]),
    /// YUV/RGB frames: the video processor, with its spots and writes.
    Video(&'a Pictures),
}

/// The least time between two progress messages.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

/// The `report` property and the report being collected.
#[derive(Default)]
pub(super) struct Qc {
    path: Option<String>,
    active: Option<Active>,
}

/// How the collector reads the stream's buffers.
enum Kind {
    Sensor {
        format: FrameFormat,
        /// Display levels of its sample values.
        levels: Vec<u8>,
    },
    Video(gst_video::VideoInfo),
}

/// The report of the current stream.
struct Active {
    collector: Collector,
    target: Target,
    kind: Kind,
    /// Frames were added since the report was last written (or it never was).
    unwritten: bool,
    last_progress: Option<Instant>,
    /// The held first frame of the video path as it arrived (correct mode), until
    /// the frame is released.
    held_before: Option<gst::Buffer>,
}

impl Qc {
    /// The `report` property.
    pub(super) fn path(&self) -> Option<String> {
        self.path.clone()
    }

    /// Sets the `report` property (takes effect at the next caps).
    pub(super) fn set_path(&mut self, path: Option<String>) {
        self.path = path.filter(|p| !p.is_empty());
    }
}

/// What the report says of a stream with `caps`, and how to read its buffers.
fn describe(caps: &gst::CapsRef, repairs: bool) -> Result<(StreamInfo, Kind), String> {
    let s = caps.structure(0).ok_or("empty caps")?;
    let rate = s
        .get::<gst::Fraction>("framerate")
        .ok()
        .and_then(|f| Rate::new(f.numer(), f.denom()));
    let format = s.get::<&str>("format").unwrap_or("").to_string();
    if matches!(
        super::frame_layout(caps),
        Ok(crate::frame::FrameLayout::Video(_))
    ) {
        let info = gst_video::VideoInfo::from_caps(caps).map_err(|e| e.to_string())?;
        let stream = StreamInfo {
            kind: StreamKind::Video,
            format,
            width: info.width() as usize,
            height: info.height() as usize,
            rate,
            source: None,
            repairs,
        };
        return Ok((stream, Kind::Video(info)));
    }
    let f = super::frame_format(caps)?;
    let stream = StreamInfo {
        kind: if f.media == Media::Bayer {
            StreamKind::Bayer
        } else {
            StreamKind::Gray
        },
        format,
        width: f.width,
        height: f.height,
        rate,
        source: None,
        repairs,
    };
    let levels = crate::qc::render::sensor_levels(&f.plane());
    Ok((stream, Kind::Sensor { format: f, levels }))
}

/// A Bayer or monochrome defect as a sighting of the report.
fn sensor_sighting(d: &FoundDefect, white: u16) -> Sighting {
    Sighting {
        x: d.x,
        y: d.y,
        severity: crate::report::defect_severity(d, white),
        reason: crate::report::defect_reason(d, white),
        // Learned positions were found by the element, over time.
        listed: d.source == Source::Map,
        deviation: d.estimate.map_or(0.0, |e| {
            f64::from(e.abs_diff(d.value)) / f64::from(white.max(1))
        }),
        value: d.value,
        expected: d.estimate.unwrap_or(d.value),
    }
}

/// Maps `buf` of `info` as a frame of `layout` and runs `f` on it (`None` when it
/// cannot be mapped).
fn with_video_frame<R>(
    buf: &gst::BufferRef,
    info: &gst_video::VideoInfo,
    layout: crate::frame::VideoLayout,
    f: impl FnOnce(crate::frame::VideoFrame<'_>) -> R,
) -> Option<R> {
    let vframe = gst_video::VideoFrameRef::from_buffer_ref_readable(buf, info).ok()?;
    let mut planes: [&[u8]; 3] = [&[], &[], &[]];
    let mut strides = [0usize; 3];
    for p in 0..(vframe.n_planes() as usize).min(3) {
        planes[p] = vframe.plane_data(p as u32).ok()?;
        strides[p] = usize::try_from(*vframe.plane_stride().get(p)?).ok()?;
    }
    let frame = crate::frame::VideoFrame::new(layout, planes, strides).ok()?;
    Some(f(frame))
}

impl Active {
    /// The progress message, when one is due.
    fn progress(&mut self, pts: Option<gst::ClockTime>) -> Option<gst::Structure> {
        let now = Instant::now();
        if self
            .last_progress
            .is_some_and(|t| now.duration_since(t) < PROGRESS_EVERY)
        {
            return None;
        }
        self.last_progress = Some(now);
        Some(
            gst::Structure::builder("defectfix-report-progress")
                .field("frames", self.collector.frames())
                .field("errors", self.collector.errors() as u64)
                .field("severe", self.collector.severe() as u64)
                .field("position", pts.map_or(0, gst::ClockTime::nseconds))
                .build(),
        )
    }

    /// Adds a video frame: `buf` as it is now, `before` as it arrived when the repair
    /// was written into `buf`.
    fn add_video(
        &mut self,
        buf: &gst::BufferRef,
        before: Option<&gst::BufferRef>,
        processor: &Pictures,
        repairs: bool,
    ) {
        let Kind::Video(info) = &self.kind else {
            return;
        };
        let sightings: Vec<Sighting> = processor
            .spots()
            .iter()
            .map(|s| Sighting {
                x: s.x,
                y: s.y,
                severity: s.severity,
                reason: crate::video::quality::reason(&s.visibility),
                listed: s.source == SpotSource::Map,
                deviation: s.visibility.luma.max(s.visibility.chroma),
                value: s.value,
                expected: s.expected,
            })
            .collect();
        let layout = *processor.layout();
        let pts = buf.pts().map(gst::ClockTime::nseconds);
        let collector = &mut self.collector;
        collector.info_mut().repairs = repairs;
        let writes = processor.writes();
        let added = with_video_frame(buf, info, layout, |after| match before {
            Some(b) => with_video_frame(b, info, layout, |before| {
                collector.add_frame(pts, &sightings, &VideoPicture::new(before, after, writes))
            }),
            None => {
                collector.add_frame(pts, &sightings, &VideoPicture::new(after, after, writes));
                Some(())
            }
        });
        if added.flatten().is_some() {
            self.unwritten = true;
        }
    }
}

impl DefectFix {
    fn post_qc(&self, s: gst::Structure) {
        let obj = self.obj();
        let _ = obj.post_message(gst::message::Element::builder(s).src(&*obj).build());
    }

    /// At `start`: checks that the report's files can be written, so a bad path
    /// fails before the stream runs.
    pub(super) fn qc_start(&self) -> Result<(), gst::ErrorMessage> {
        let path = lock(&self.qc).path();
        if let Some(path) = path {
            Target::for_path(Path::new(&path)).check().map_err(|e| {
                gst::error_msg!(
                    gst::ResourceError::OpenWrite,
                    ("Cannot write the QC report: {}", e)
                )
            })?;
        }
        Ok(())
    }

    /// At `set_caps`: collects for a stream of `caps`. A stream of the same picture
    /// goes on in the same report; another picture writes the report so far first.
    pub(super) fn qc_caps(&self, caps: &gst::CapsRef, repairs: bool) {
        let mut qc = lock(&self.qc);
        let Some(path) = qc.path() else {
            qc.active = None;
            return;
        };
        let (mut stream, kind) = match describe(caps, repairs) {
            Ok(d) => d,
            Err(e) => {
                gst::warning!(CAT, imp = self, "no QC report for {caps}: {e}");
                qc.active = None;
                return;
            }
        };
        if let Some(active) = qc.active.as_mut() {
            let info = active.collector.info_mut();
            if (info.kind, &info.format, info.width, info.height)
                == (stream.kind, &stream.format, stream.width, stream.height)
            {
                info.rate = stream.rate;
                active.kind = kind;
                return;
            }
        }
        drop(qc);
        self.qc_write(true);
        stream.source = self.upstream_source();
        lock(&self.qc).active = Some(Active {
            collector: Collector::new(stream),
            target: Target::for_path(Path::new(&path)),
            kind,
            unwritten: true,
            last_progress: None,
            held_before: None,
        });
    }

    /// The input upstream, when it says (a file, or a URI).
    fn upstream_source(&self) -> Option<String> {
        let mut q = gst::query::Uri::new();
        if !self.obj().sink_pad().peer_query(&mut q) {
            return None;
        }
        let uri = q.uri()?;
        Some(match glib::filename_from_uri(&uri) {
            Ok((path, _)) => path.display().to_string(),
            Err(_) => uri.to_string(),
        })
    }

    /// After a raw sensor frame: `frame` as it is now, with the defects the engine
    /// found in it (each with its value before and after the repair).
    fn qc_sensor_frame(&self, buf: &gst::BufferRef, defects: &[FoundDefect], repairs: bool) {
        let pts = buf.pts();
        let mut qc = lock(&self.qc);
        let Some(active) = qc.active.as_mut() else {
            return;
        };
        let Kind::Sensor { format, levels } = &active.kind else {
            return;
        };
        let white = format.max_value();
        let sightings: Vec<Sighting> = defects.iter().map(|d| sensor_sighting(d, white)).collect();
        let changes = defects
            .iter()
            .map(|d| Change {
                x: d.x,
                y: d.y,
                before: d.value,
                after: d.estimate.unwrap_or(d.value),
            })
            .collect();
        // The frame where the element's own mapping finds it (a padded stride, an
        // offset): what the engine read.
        let collector = &mut active.collector;
        let added = super::with_frame_ref(buf, *format, |frame| {
            let picture = SensorPicture::new(*frame, changes, levels);
            collector.info_mut().repairs = repairs;
            collector.add_frame(pts.map(gst::ClockTime::nseconds), &sightings, &picture);
        });
        if added.is_err() {
            return;
        }
        active.unwritten = true;
        let progress = active.progress(pts);
        drop(qc);
        if let Some(s) = progress {
            self.post_qc(s);
        }
    }

    /// Before a video frame is processed: a copy of it as it arrived, when the
    /// repair will be written into it and a report is collected.
    pub(super) fn qc_video_before(
        &self,
        buf: &gst::BufferRef,
        repairs: bool,
    ) -> Option<gst::Buffer> {
        let qc = lock(&self.qc);
        let video = matches!(qc.active.as_ref()?.kind, Kind::Video(_));
        (video && repairs).then(|| buf.copy_deep().ok()).flatten()
    }

    /// After the processor is done with `buf` (see [`Stage`]): the frame, and what the
    /// processor found in it, go to the report. `before` is the frame as it arrived
    /// (video, correct mode), taken by the first stage that reads it.
    pub(super) fn qc_frame(
        &self,
        view: QcView<'_>,
        buf: &gst::BufferRef,
        before: &mut Option<gst::Buffer>,
        stage: Stage,
        repairs: bool,
    ) {
        match (view, stage) {
            (QcView::Sensor(defects), _) => self.qc_sensor_frame(buf, defects, repairs),
            (QcView::Video(_), Stage::Held) => self.qc_video_held(before.take()),
            (QcView::Video(p), Stage::Processed) => {
                self.qc_video_frame(buf, before.take(), p, repairs, false)
            }
            (QcView::Video(p), Stage::Revisited) => {
                self.qc_video_frame(buf, None, p, repairs, true)
            }
        }
    }

    /// The first frame was held back (its `before` copy waits for its release).
    fn qc_video_held(&self, before: Option<gst::Buffer>) {
        if let Some(active) = lock(&self.qc).active.as_mut() {
            active.held_before = before;
        }
    }

    /// After a video frame was processed (`released`: the held first frame, revisited):
    /// `buf` as it is now, `before` as it arrived.
    fn qc_video_frame(
        &self,
        buf: &gst::BufferRef,
        before: Option<gst::Buffer>,
        processor: &Pictures,
        repairs: bool,
        released: bool,
    ) {
        let mut qc = lock(&self.qc);
        let Some(active) = qc.active.as_mut() else {
            return;
        };
        let before = if released {
            active.held_before.take()
        } else {
            before
        };
        active.add_video(buf, before.as_deref(), processor, repairs);
        let progress = active.progress(buf.pts());
        drop(qc);
        if let Some(s) = progress {
            self.post_qc(s);
        }
    }

    /// Writes the report, if frames came since it was last written; `complete` when
    /// the stream ended. A report that cannot be written is an error message (a
    /// warning at `stop`); one written is announced by a `defectfix-report` message.
    pub(super) fn qc_write(&self, complete: bool) {
        let written = {
            let mut qc = lock(&self.qc);
            let Some(active) = qc.active.as_mut().filter(|a| a.unwritten) else {
                return;
            };
            active.unwritten = false;
            let frames = active.collector.frames();
            active
                .collector
                .write(&active.target, complete)
                .map(|w| (w, frames))
        };
        match written {
            Ok((w, frames)) => {
                let name = |p: Option<&std::path::PathBuf>| {
                    p.map(|p| p.display().to_string()).unwrap_or_default()
                };
                gst::info!(CAT, imp = self, "QC report written: {} errors", w.errors);
                self.post_qc(
                    gst::Structure::builder("defectfix-report")
                        .field("html", name(w.target.html.as_ref()))
                        .field("json", name(w.target.json.as_ref()))
                        .field("map", w.target.map.display().to_string())
                        .field("complete", complete)
                        .field("frames", frames)
                        .field("errors", w.errors as u64)
                        .field("severe", w.severe as u64)
                        .field("moderate", w.moderate as u64)
                        .field("minor", w.minor as u64)
                        .build(),
                );
            }
            Err(e) if complete => gst::element_imp_error!(
                self,
                gst::ResourceError::OpenWrite,
                ("Cannot write the QC report: {}", e)
            ),
            Err(e) => gst::element_imp_warning!(
                self,
                gst::ResourceError::OpenWrite,
                ("Cannot write the QC report: {}", e)
            ),
        }
    }

    /// At `stop`: writes what was collected since the last report (marked incomplete)
    /// and forgets the stream.
    pub(super) fn qc_stop(&self) {
        self.qc_write(false);
        lock(&self.qc).active = None;
    }
}
