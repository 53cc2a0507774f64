//! The raw sensor path: `defectfix` on Bayer and monochrome caps.
//!
//! [`SensorProcessor`] shows each frame, as it arrived, to the temporal [`Evidence`]
//! (with `detection=dynamic`), hands the defects it confirmed to the [`Engine`] and runs
//! the frame through it; or it accumulates the frame into a [`Calibrator`] while
//! `calibrate` is set. With `learn`, the confirmed defects are written to `map-output`.
//! Coordinates are frame pixels; maps, learned or calibrated, are written in sensor
//! coordinates (frame pixel plus `map-offset-x`/`-y`).

use std::sync::Arc;

use super::messages::{self, CalibrationStep, FrameCounts, MessageDefect, StreamSummary};
use super::qc::QcView;
use super::settings::Settings;
use super::stream::{Processed, StreamProcessor};
use super::{CAT, CalibrateMode, RunMode};
use crate::calibrate::{CalibrationKind, Calibrator};
use crate::defect_map::{DefectMap, Entry, MapPlacement};
use crate::engine::{self, Engine};
use crate::frame::{FrameFormat, PlaneMut, PlaneRef};
use crate::report::{self, Summary};
use crate::temporal::{Evidence, LearnUpdate};

/// Per-stream state of the raw sensor path.
pub struct SensorProcessor {
    /// The caps' layout (the stride a buffer without video meta has); the engine, the
    /// evidence and the calibrator hold its plane.
    format: FrameFormat,
    engine: Engine,
    evidence: Evidence,
    summary: Summary,
    /// Running calibration, and whether one has finished on this stream.
    calibrator: Option<Calibrator>,
    calibrated: bool,
    frames: u64,
    /// Map offsets of the last frame: maps are written in sensor coordinates.
    offset: (i64, i64),
}

impl SensorProcessor {
    /// A fresh processor for frames of `format`.
    pub fn new(format: FrameFormat) -> Self {
        SensorProcessor {
            format,
            engine: Engine::new(format.plane()),
            evidence: Evidence::new(format.plane()),
            summary: Summary::new(),
            calibrator: None,
            calibrated: false,
            frames: 0,
            offset: (0, 0),
        }
    }

    /// One frame through the temporal evidence and the engine.
    fn repair(&mut self, frame: &mut PlaneMut<'_>, settings: &Settings) -> Processed {
        let run = engine::SensorSettings {
            detection: settings.detection.into(),
            sensitivity: settings.sensitivity,
            n_threads: settings.n_threads as usize,
        };
        if run.detection == engine::Detection::Dynamic && settings.temporal {
            // The evidence sees the frame as it arrived, with the noise of the last one;
            // what it confirms is repaired in this very frame.
            let noise = *self.engine.detector().model();
            let judge = self
                .evidence
                .measure(&frame.as_ref(), &noise, run.n_threads);
            self.engine
                .set_point_noise(f64::from(self.evidence.noise_ratio()));
            self.engine.detect(&frame.as_ref(), &run);
            let update = if judge {
                self.evidence.judge(
                    &frame.as_ref(),
                    &noise,
                    run.n_threads,
                    self.engine.detections(),
                )
            } else {
                LearnUpdate::default()
            };
            self.engine.spare(self.evidence.moved_points());
            gst::trace!(CAT, "evidence: {:?}", self.evidence.times());
            if update.changed() {
                gst::debug!(
                    CAT,
                    "confirmed defects: {update:?}, now {}",
                    self.evidence.confirmed().len()
                );
                self.engine.set_learned(self.evidence.confirmed());
            }
            let report = self.engine.repair(frame, settings.mode.into(), &run);
            return self.finish(report, settings);
        } else {
            self.engine.set_point_noise(1.0);
            // Turned on again later, the evidence starts from a fresh key frame.
            self.evidence.discontinuity();
            if !self.engine.learned_pixels().is_empty() {
                self.engine.set_learned(&[]);
            }
        }
        let report = self.engine.process_with(frame, settings.mode.into(), &run);
        self.finish(report, settings)
    }

    /// The summary and counts of a processed frame.
    fn finish(&mut self, report: engine::SensorFrameReport, settings: &Settings) -> Processed {
        gst::trace!(CAT, "frame: {report:?}");
        let white = self.engine.plane().max_value();
        self.summary.add_frame(self.engine.defects(), white);
        Processed {
            counts: settings
                .post_messages
                .then(|| self.counts(&report, settings.mode)),
            ..Processed::default()
        }
    }

    /// The counts of the last frame's message.
    fn counts(&self, report: &engine::SensorFrameReport, mode: RunMode) -> FrameCounts {
        let defects = self.engine.defects();
        let white = self.engine.plane().max_value();
        let positions = messages::detect_positions(mode, defects, |d| MessageDefect {
            x: d.x,
            y: d.y,
            source: source_name(d.source),
            component: None,
            value: u32::from(d.value),
            expected: d.estimate.map_or(u32::from(d.value), u32::from),
            severity: report::defect_severity(d, white),
        });
        FrameCounts {
            frame: self.frames,
            mapped: report.mapped,
            learned: report.learned,
            dynamic: report.dynamic,
            defects: defects.len(),
            corrected: report.corrected,
            unrepairable: report.unrepairable,
            samples: None,
            positions,
        }
    }

    /// One calibration frame: accumulate it; at the last one the calibration finishes
    /// and its map is handed over, in sensor coordinates, to be written.
    fn calibrate(&mut self, frame: &PlaneRef<'_>, settings: &Settings) -> Processed {
        if self.calibrated {
            return Processed::default();
        }
        let kind = match settings.calibrate {
            CalibrateMode::Dark => CalibrationKind::Dark,
            _ => CalibrationKind::Flat,
        };
        let plane = *self.engine.plane();
        let calibrator = match &mut self.calibrator {
            Some(c) if c.kind() == kind => c,
            slot => slot.insert(Calibrator::new(kind, plane)),
        };
        // Every frame: a change of n-threads takes effect mid-calibration.
        calibrator.set_n_threads(settings.n_threads as usize);
        let calibration_error = calibrator.add_frame(frame).err().map(|e| e.to_string());
        let frames = calibrator.frames();
        let total = settings.calibration_frames as usize;
        let step = if frames < total {
            CalibrationStep::Progress {
                kind,
                frames,
                total,
            }
        } else {
            let result = calibrator.finish();
            self.calibrated = true;
            self.calibrator = None;
            CalibrationStep::Finished {
                kind,
                frames: result.frames,
                counts: result.counts,
                map: to_sensor(&result.map, self.offset),
                header: result.header(),
            }
        };
        Processed {
            calibration: Some(step),
            calibration_error,
            ..Processed::default()
        }
    }
}

impl StreamProcessor for SensorProcessor {
    fn describe(&self) -> String {
        format!("{:?}", self.format)
    }

    fn size(&self) -> (usize, usize) {
        let f = self.engine.plane();
        (f.width, f.height)
    }

    fn uncalibratable(&self) -> Option<&'static str> {
        None
    }

    /// A sensor frame is never held: the engine repairs it from its own content.
    fn revisits(&self) -> bool {
        false
    }

    fn set_map(
        &mut self,
        map: Option<&Arc<DefectMap>>,
        offset: (i64, i64),
    ) -> Option<MapPlacement> {
        self.offset = offset;
        self.engine.set_map(map, offset.0, offset.1)
    }

    /// The next frame does not continue the last: the evidence keeps what it gathered
    /// but takes the next frame as its new key frame.
    fn discontinuity(&mut self) {
        self.evidence.discontinuity();
    }

    fn qc_view(&self) -> QcView<'_> {
        QcView::Sensor(self.engine.defects())
    }

    fn frames(&self) -> u64 {
        self.frames
    }

    fn process(
        &mut self,
        buf: &mut gst::BufferRef,
        settings: &Settings,
        _held: bool,
    ) -> Result<Processed, gst::ErrorMessage> {
        self.frames += 1;
        super::with_frame(buf, self.format, |frame| {
            if settings.calibrating() {
                self.calibrate(&frame.as_ref(), settings)
            } else {
                self.repair(frame, settings)
            }
        })
    }

    /// Never called: a sensor frame is never held ([`Self::revisits`]).
    fn release(
        &mut self,
        _buf: Option<&mut gst::BufferRef>,
        _frame: u64,
        _settings: &Settings,
    ) -> Result<Option<FrameCounts>, gst::ErrorMessage> {
        Ok(None)
    }

    fn learned_map(&self) -> (DefectMap, String) {
        let map = self.evidence.to_map(self.offset.0, self.offset.1);
        let plane = self.engine.plane();
        let of = format!("{}x{}", plane.width, plane.height);
        let header = messages::learned_header(
            "defect map learned",
            self.evidence.frames(),
            &of,
            map.len(),
            "pixels",
        );
        (map, header)
    }

    fn summary(&self) -> StreamSummary<'_> {
        StreamSummary {
            summary: &self.summary,
            learned: self.evidence.confirmed().len(),
            all_confirmed: false,
        }
    }
}

/// A map in frame coordinates moved to sensor coordinates.
fn to_sensor(map: &DefectMap, (ox, oy): (i64, i64)) -> DefectMap {
    DefectMap::from_entries(
        map.entries()
            .iter()
            .map(|e| match *e {
                Entry::Pixel { x, y } => Entry::Pixel {
                    x: x + ox,
                    y: y + oy,
                },
                Entry::Row { y } => Entry::Row { y: y + oy },
                Entry::Column { x } => Entry::Column { x: x + ox },
                Entry::Rect { x, y, w, h } => Entry::Rect {
                    x: x + ox,
                    y: y + oy,
                    w,
                    h,
                },
            })
            .collect(),
    )
}

/// The `source` of a defect in a message.
fn source_name(source: engine::Source) -> &'static str {
    match source {
        engine::Source::Map => "map",
        engine::Source::Learned => "learned",
        engine::Source::Hot => "hot",
        engine::Source::Cold => "cold",
    }
}
