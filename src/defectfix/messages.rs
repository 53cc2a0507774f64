//! What `defectfix` posts on the bus, for raw sensor and YUV/RGB streams alike.
//!
//! The stream processors ([`super::sensor`], [`super::video`]) describe a frame, a
//! stream or a calibration step in plain data — [`FrameCounts`], [`MessageDefect`],
//! [`StreamSummary`], [`CalibrationStep`] — and this module alone turns that data into
//! element messages:
//!
//! - `defectfix`: one per frame with `post-messages` ([`frame`]);
//! - `defectfix-summary`: at end of stream with `post-messages` or `mode=detect`
//!   ([`summary`]);
//! - `defectfix-calibration` and `defectfix-calibration-done`: calibration progress and
//!   result ([`calibration_progress`], [`calibration_done`]).

use gst::prelude::*;

use crate::calibrate::{CalibrationKind, ClassCounts};
use crate::report::{PositionStats, Severity, Summary};

/// Positions carried by one per-frame message in detect mode.
pub const MESSAGE_POSITIONS: usize = 256;

/// Positions carried by the end-of-stream summary.
pub const SUMMARY_POSITIONS: usize = 1000;

/// The counts of one frame's `defectfix` message, and in detect mode its positions.
#[derive(Clone, Debug, Default)]
pub struct FrameCounts {
    /// Frame number in the stream (the first is 1).
    pub frame: u64,
    /// Map pixels (video: map positions) inside the frame.
    pub mapped: usize,
    /// Learned pixels (video: confirmed positions).
    pub learned: usize,
    /// Found by dynamic detection (video: spots repaired at confirmed positions).
    pub dynamic: usize,
    /// Defects (video: spots) repaired, or that would be in detect mode.
    pub defects: usize,
    /// Defects repaired.
    pub corrected: usize,
    /// Defects with no healthy neighbour in reach.
    pub unrepairable: usize,
    /// Samples replaced (video streams only).
    pub samples: Option<usize>,
    /// In detect mode: the first [`MESSAGE_POSITIONS`] defects.
    pub positions: Option<Vec<MessageDefect>>,
}

/// One defect of a frame as its message lists it.
#[derive(Clone, Copy, Debug)]
pub struct MessageDefect {
    pub x: u32,
    pub y: u32,
    /// Why it was repaired: `map`, `learned`, `hot` or `cold`.
    pub source: &'static str,
    /// The component that shows it most (video streams only).
    pub component: Option<&'static str>,
    /// Its value as it arrived, and its estimate from the surroundings.
    pub value: u32,
    pub expected: u32,
    pub severity: Severity,
}

/// In detect mode, the first [`MESSAGE_POSITIONS`] of a frame's `defects` (row-major)
/// as its message lists them; in correct mode the message lists none.
pub fn detect_positions<T>(
    mode: super::RunMode,
    defects: &[T],
    position: impl Fn(&T) -> MessageDefect,
) -> Option<Vec<MessageDefect>> {
    (mode == super::RunMode::Detect).then(|| {
        defects
            .iter()
            .take(MESSAGE_POSITIONS)
            .map(position)
            .collect()
    })
}

/// What the end-of-stream summary reads.
pub struct StreamSummary<'a> {
    /// The positions seen over the stream.
    pub summary: &'a Summary,
    /// Size of the learned (video: confirmed) set.
    pub learned: usize,
    /// Every position was confirmed or mapped (video): each is persistent, and the
    /// list is sorted worst first. Else [`Summary::is_persistent`] decides and
    /// persistent positions come first.
    pub all_confirmed: bool,
}

/// One frame of a calibration.
#[derive(Debug)]
pub enum CalibrationStep {
    /// Frames accumulated so far.
    Progress {
        kind: CalibrationKind,
        frames: usize,
        total: usize,
    },
    /// The calibration finished: its map, in sensor coordinates, is to be written.
    Finished {
        kind: CalibrationKind,
        frames: usize,
        counts: ClassCounts,
        map: crate::defect_map::DefectMap,
        header: String,
    },
}

/// The per-frame `defectfix` message.
pub fn frame(counts: &FrameCounts) -> gst::Structure {
    let mut b = gst::Structure::builder("defectfix")
        .field("frame", counts.frame)
        .field("mapped", counts.mapped as u64)
        .field("learned", counts.learned as u64)
        .field("dynamic", counts.dynamic as u64)
        .field("defects", counts.defects as u64)
        .field("corrected", counts.corrected as u64)
        .field("unrepairable", counts.unrepairable as u64);
    if let Some(samples) = counts.samples {
        b = b.field("samples", samples as u64);
    }
    if let Some(positions) = &counts.positions {
        let list = positions.iter().map(|p| position(p).to_send_value());
        b = b
            .field("positions", gst::Array::from_values(list))
            .field("positions-truncated", counts.defects > MESSAGE_POSITIONS);
    }
    b.build()
}

/// One `defect` entry of a per-frame message.
fn position(p: &MessageDefect) -> gst::Structure {
    let mut b = gst::Structure::builder("defect")
        .field("x", p.x)
        .field("y", p.y)
        .field("source", p.source);
    if let Some(component) = p.component {
        b = b.field("component", component);
    }
    b.field("value", p.value)
        .field("expected", p.expected)
        .field("severity", p.severity.name())
        .build()
}

/// The `defectfix-summary` message, the same for every format: the counts of the
/// stream's summary and its first [`SUMMARY_POSITIONS`] positions.
pub fn summary(s: &StreamSummary<'_>) -> gst::Structure {
    let StreamSummary {
        summary,
        learned,
        all_confirmed,
    } = *s;
    let mut positions = summary.positions();
    if all_confirmed {
        positions.sort_by(|a, b| (b.worst, b.frames, a.y, a.x).cmp(&(a.worst, a.frames, b.y, b.x)));
    }
    let persistent = |p: &PositionStats| all_confirmed || summary.is_persistent(p);
    let list = positions.iter().take(SUMMARY_POSITIONS).map(|p| {
        gst::Structure::builder("position")
            .field("x", p.x)
            .field("y", p.y)
            .field("frames", p.frames)
            .field("first-frame", p.first_frame)
            .field("last-frame", p.last_frame)
            .field("severity", p.worst.name())
            .field("persistent", persistent(p))
            .field("listed", p.listed)
            .build()
            .to_send_value()
    });
    let persistent_count = if all_confirmed {
        summary.distinct()
    } else {
        summary.persistent()
    };
    let (minor, moderate, severe) = summary.severity_counts();
    gst::Structure::builder("defectfix-summary")
        .field("frames", summary.frames())
        .field("distinct", summary.distinct() as u64)
        .field("persistent", persistent_count as u64)
        .field("learned", learned as u64)
        .field("severe", severe as u64)
        .field("moderate", moderate as u64)
        .field("minor", minor as u64)
        .field("positions", gst::Array::from_values(list))
        .field(
            "positions-truncated",
            positions.len().saturating_sub(SUMMARY_POSITIONS) as u64,
        )
        .build()
}

/// The `defectfix-calibration` progress message.
pub fn calibration_progress(kind: CalibrationKind, frames: usize, total: usize) -> gst::Structure {
    gst::Structure::builder("defectfix-calibration")
        .field("kind", kind.to_string())
        .field("frames", frames as u32)
        .field("total", total as u32)
        .build()
}

/// The `defectfix-calibration-done` message: the map's size and classes, and where it
/// was written (empty when it was not).
pub fn calibration_done(
    kind: CalibrationKind,
    frames: usize,
    defects: usize,
    counts: &ClassCounts,
    written: Option<&str>,
) -> gst::Structure {
    gst::Structure::builder("defectfix-calibration-done")
        .field("kind", kind.to_string())
        .field("frames", frames as u32)
        .field("defects", defects as u32)
        .field("hot", counts.hot as u32)
        .field("warm", counts.warm as u32)
        .field("dead", counts.dead as u32)
        .field("weak", counts.weak as u32)
        .field("bright", counts.bright as u32)
        .field("map-output", written.unwrap_or_default())
        .build()
}

/// The header line of a learned map: `what` it holds, over how many `frames` of what
/// (`of`), and how many entries (`count` `unit`).
pub(super) fn learned_header(
    what: &str,
    frames: u64,
    of: &str,
    count: usize,
    unit: &str,
) -> String {
    format!("{what} by defectfix over {frames} frames of {of}: {count} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &gst::StructureRef) -> Vec<String> {
        s.fields().map(|f| f.to_string()).collect()
    }

    #[test]
    fn frame_message_fields_follow_the_stream_kind() {
        gst::init().expect("gst init");
        let sensor = FrameCounts {
            frame: 3,
            defects: 2,
            ..FrameCounts::default()
        };
        let s = frame(&sensor);
        assert_eq!(s.name(), "defectfix");
        assert_eq!(
            names(&s),
            [
                "frame",
                "mapped",
                "learned",
                "dynamic",
                "defects",
                "corrected",
                "unrepairable"
            ]
        );
        assert_eq!(s.get::<u64>("frame").ok(), Some(3));

        let p = MessageDefect {
            x: 4,
            y: 5,
            source: "learned",
            component: Some("Y"),
            value: 900,
            expected: 100,
            severity: Severity::Severe,
        };
        let video = FrameCounts {
            defects: MESSAGE_POSITIONS + 1,
            samples: Some(7),
            positions: Some(vec![p]),
            ..sensor
        };
        let s = frame(&video);
        assert_eq!(
            names(&s)[7..],
            ["samples", "positions", "positions-truncated"]
        );
        assert_eq!(s.get::<bool>("positions-truncated").ok(), Some(true));
        let list = s.get::<gst::Array>("positions").expect("positions");
        let first = list
            .first()
            .and_then(|v| v.get::<gst::Structure>().ok())
            .expect("one position");
        assert_eq!(
            names(&first),
            [
                "x",
                "y",
                "source",
                "component",
                "value",
                "expected",
                "severity"
            ]
        );
        assert_eq!(first.get::<&str>("severity").ok(), Some("severe"));
    }

    #[test]
    fn calibration_done_names_where_the_map_went() {
        gst::init().expect("gst init");
        let counts = ClassCounts {
            hot: 2,
            ..ClassCounts::default()
        };
        let s = calibration_done(CalibrationKind::Dark, 8, 2, &counts, None);
        assert_eq!(s.name(), "defectfix-calibration-done");
        assert_eq!(s.get::<&str>("kind").ok(), Some("dark"));
        assert_eq!(s.get::<&str>("map-output").ok(), Some(""));
        assert_eq!(s.get::<u32>("hot").ok(), Some(2));
        let s = calibration_progress(CalibrationKind::Flat, 3, 8);
        assert_eq!(s.get::<u32>("total").ok(), Some(8));
    }
}
