//! One negotiated stream of `defectfix`: its processor, and the first frame it may hold.
//!
//! A [`Stream`] is built in `set_caps` (so a caps change starts afresh) and dropped in
//! `stop`. It drives a [`StreamProcessor`] — [`SensorProcessor`] for raw Bayer and
//! monochrome caps, [`VideoProcessor`] for YUV and RGB — the same way for both:
//! the element places the map, then hands each buffer to [`Stream::frame`].
//!
//! **hold-first-frame.** A processor that can revisit a frame ([`StreamProcessor::revisits`])
//! may hold the first frame of a stream (or the first after a flush or a discontinuity)
//! until the next one is processed, and then repair it with what the two taught. The
//! held copy lives here; what goes out when lives in [`Outgoing`]: the element's
//! `generate_output` pushes a released frame before the one that released it.

use std::sync::Arc;

use super::messages::{CalibrationStep, FrameCounts, StreamSummary};
use super::sensor::SensorProcessor;
use super::settings::Settings;
use super::video::VideoProcessor;
use crate::defect_map::{DefectMap, MapPlacement};
use crate::frame::FrameLayout;

/// What one processed frame produced, besides the frame itself.
#[derive(Debug, Default)]
pub struct Processed {
    /// The counts of its `defectfix` message, with `post-messages`.
    pub counts: Option<FrameCounts>,
    /// The calibration's step, while calibrating.
    pub calibration: Option<CalibrationStep>,
    /// Why the calibration could not take the frame (a warning).
    pub calibration_error: Option<String>,
}

/// The per-stream work of one kind of caps, without the element's plumbing: it
/// repairs (or inspects, or calibrates from) each frame, and describes what it did in
/// plain data for [`super::messages`].
pub trait StreamProcessor: Send {
    /// The stream's format, for the log.
    fn describe(&self) -> String;

    /// Frame width and height in pixels.
    fn size(&self) -> (usize, usize);

    /// The format's name when frames of this stream cannot be calibrated (they then
    /// pass unchanged while `calibrate` is set).
    fn uncalibratable(&self) -> Option<&'static str>;

    /// Whether a frame processed and held back can be revisited once the next one is
    /// processed ([`Self::release`]): `hold-first-frame` applies.
    fn revisits(&self) -> bool;

    /// Places `map` (frame pixel (0, 0) is map pixel `offset`) and keeps the offset for
    /// the learned map; returns the placement when the map or the offset changed.
    fn set_map(&mut self, map: Option<&Arc<DefectMap>>, offset: (i64, i64))
    -> Option<MapPlacement>;

    /// The stream jumped (flush, seek, discontinuity): the previous frame no longer
    /// comes just before the next one.
    fn discontinuity(&mut self);

    /// What the QC report reads of the frame just processed.
    fn qc_view(&self) -> super::qc::QcView<'_>;

    /// Frames processed.
    fn frames(&self) -> u64;

    /// Processes `buf` in place (or inspects it, in detect mode; or adds it to the
    /// calibration). A `held` frame is processed like any other but recorded — summary,
    /// message — only when [`Self::release`]d.
    fn process(
        &mut self,
        buf: &mut gst::BufferRef,
        settings: &Settings,
        held: bool,
    ) -> Result<Processed, gst::ErrorMessage>;

    /// Records the held frame number `frame` as it goes out: revisited in `buf` with
    /// what the frames after it taught, or, without `buf`, as it was held. Returns the
    /// counts of its message, with `post-messages`.
    fn release(
        &mut self,
        buf: Option<&mut gst::BufferRef>,
        frame: u64,
        settings: &Settings,
    ) -> Result<Option<FrameCounts>, gst::ErrorMessage>;

    /// What was learned (video: confirmed) as a defect map in the map's coordinates,
    /// with its header line.
    fn learned_map(&self) -> (DefectMap, String);

    /// What the end-of-stream summary reads.
    fn summary(&self) -> StreamSummary<'_>;
}

/// The `Bad buffer` error of a frame that cannot be processed.
pub fn bad_buffer(why: impl std::fmt::Display) -> gst::ErrorMessage {
    gst::error_msg!(gst::StreamError::Format, ("Bad buffer: {}", why))
}

/// A held frame that goes out, and the counts of its message.
pub type Released = (gst::Buffer, Option<FrameCounts>);

/// What one buffer did, for the element to act on once the stream is unlocked.
#[derive(Debug, Default)]
pub struct Done {
    /// The buffer was held back: the element drops it (a copy goes out later).
    pub held: bool,
    /// A held frame to push before it.
    pub released: Option<Released>,
    /// What processing the buffer produced.
    pub processed: Processed,
}

/// Where a buffer is when [`Stream::frame`] shows it to its observer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Processed, and going out.
    Processed,
    /// Processed, and held back until the next frame.
    Held,
    /// The held frame, revisited with what the frame after it confirmed.
    Revisited,
}

/// Sees each buffer right after the processor is done with it (the QC report).
pub type Observer<'a> = dyn FnMut(&dyn StreamProcessor, &gst::BufferRef, Stage) + 'a;

/// The element's state for one negotiated stream.
pub struct Stream {
    processor: Box<dyn StreamProcessor>,
    /// The first frame of the stream (or after a jump), held back until the next one
    /// arrives, and its frame number.
    held: Option<(gst::Buffer, u64)>,
    /// No frame since the start or the last jump.
    fresh: bool,
    /// The warning that this stream cannot be calibrated was given.
    calibration_refused: bool,
}

impl Stream {
    /// The stream of fixed `caps`: raw sensor ones or YUV/RGB ones, as their
    /// [`FrameLayout`] says.
    pub fn for_caps(caps: &gst::CapsRef) -> Result<Self, String> {
        let processor: Box<dyn StreamProcessor> = match super::frame_layout(caps)? {
            FrameLayout::Sensor(format) => Box::new(SensorProcessor::new(format)),
            FrameLayout::Video(layout) => Box::new(VideoProcessor::new(caps, layout)?),
        };
        Ok(Stream {
            processor,
            held: None,
            fresh: true,
            calibration_refused: false,
        })
    }

    /// The processor.
    pub fn processor(&self) -> &dyn StreamProcessor {
        self.processor.as_ref()
    }

    /// Places the map; see [`StreamProcessor::set_map`].
    pub fn set_map(
        &mut self,
        map: Option<&Arc<DefectMap>>,
        offset: (i64, i64),
    ) -> Option<MapPlacement> {
        self.processor.set_map(map, offset)
    }

    /// True the first time it is asked (the element warns once that this stream
    /// cannot be calibrated).
    pub fn first_calibration_refusal(&mut self) -> bool {
        !std::mem::replace(&mut self.calibration_refused, true)
    }

    /// After a flush (a seek): the last frame is not the one before the next, and a
    /// held frame is discarded with the rest.
    pub fn flushed(&mut self) {
        self.processor.discontinuity();
        self.held = None;
        self.fresh = true;
    }

    /// Processes one buffer. With `hold`, the first of the stream or after a jump is
    /// held back; a frame held before this one is revisited and released with it (or,
    /// when this one is a jump, released as it was).
    /// `observe` sees the buffer once processed, and the held one once revisited.
    pub fn frame(
        &mut self,
        buf: &mut gst::BufferRef,
        settings: &Settings,
        hold: bool,
        observe: &mut Observer<'_>,
    ) -> Result<Done, gst::ErrorMessage> {
        let discont = buf.flags().contains(gst::BufferFlags::DISCONT);
        let fresh = self.fresh || discont;
        let mut done = Done::default();
        // A frame still held when another fresh one comes goes as it is.
        if fresh {
            done.released = self.release(settings, false)?;
        }
        if discont {
            self.processor.discontinuity();
        }
        self.fresh = false;
        let hold = hold && fresh;
        done.processed = self.processor.process(buf, settings, hold)?;
        let stage = if hold { Stage::Held } else { Stage::Processed };
        observe(self.processor.as_ref(), buf, stage);
        if hold {
            let copy = buf
                .copy_deep()
                .map_err(|e| bad_buffer(format!("cannot copy the first frame: {e}")))?;
            self.held = Some((copy, self.processor.frames()));
            done.held = true;
        } else if done.released.is_none() {
            done.released = self.release(settings, true)?;
            if let Some((held, _)) = &done.released {
                observe(self.processor.as_ref(), held, Stage::Revisited);
            }
        }
        Ok(done)
    }

    /// The held frame, if any, ready to go downstream: when `revisit`, repaired with
    /// what the frame after it confirmed; else (end of stream, caps change, a jump) as
    /// it was held.
    pub fn release(
        &mut self,
        settings: &Settings,
        revisit: bool,
    ) -> Result<Option<Released>, gst::ErrorMessage> {
        let Some((mut buf, frame)) = self.held.take() else {
            return Ok(None);
        };
        let counts = self
            .processor
            .release(revisit.then(|| buf.make_mut()), frame, settings)?;
        Ok(Some((buf, counts)))
    }
}

/// What leaves the element around a held frame, and whether upstream is live.
#[derive(Debug, Default)]
pub struct Outgoing {
    /// Whether upstream is live (asked once, at the first buffer that could be held).
    pub live: Option<bool>,
    /// The held first frame, released by the frame being transformed: it goes out
    /// before that frame.
    pub release: Option<gst::Buffer>,
    /// The frame that follows it out.
    pub follows: Option<gst::Buffer>,
    /// The buffer being transformed was held back (no output for it, and no DISCONT
    /// for the next).
    pub holding: bool,
}

impl Outgoing {
    /// Drops what was waiting to go out (a flush); whether upstream is live stays known.
    pub fn forget(&mut self) {
        self.release = None;
        self.follows = None;
        self.holding = false;
    }

    /// What goes out for `buf`, the frame just transformed: a frame it released, with
    /// `buf` kept to follow it out; else `buf`.
    pub fn hand_over(&mut self, buf: gst::Buffer) -> gst::Buffer {
        match self.release.take() {
            Some(held) => {
                self.follows = Some(buf);
                held
            }
            None => buf,
        }
    }
}
