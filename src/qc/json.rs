//! The report as data: what the page shows, without the pictures, in the schema the
//! README documents (`"schema": "defectfix-qc/1"`).

use serde::{Deserialize, Serialize};

use super::{At, Collector, Record};
use crate::report::Severity;

/// The schema name and version this module writes.
pub const SCHEMA: &str = "defectfix-qc/1";

/// A QC report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA`].
    pub schema: String,
    /// False when the element stopped before the end of the stream: the report covers
    /// the frames seen until then.
    pub complete: bool,
    /// The input, when the element could tell (a file URI).
    pub source: Option<String>,
    /// `detect` (nothing was changed) or `correct` (the element repaired the errors).
    pub mode: String,
    pub stream: CheckedStream,
    pub counts: Counts,
    /// File name of the paint-out defect map written beside the report.
    pub defect_map: Option<String>,
    /// The frame the page's thumbnail shows (one with the most errors seen).
    pub thumbnail: Option<Appearance>,
    /// Every error, most severe first.
    pub errors: Vec<PixelError>,
}

/// The stream checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckedStream {
    /// `bayer`, `gray` or `video`.
    pub media: String,
    /// The caps' format name.
    pub format: String,
    pub width: usize,
    pub height: usize,
    /// `NUM/DEN` frames per second; `None` for a variable rate.
    pub framerate: Option<String>,
    pub fps: Option<f64>,
    /// Frames checked.
    pub frames: u64,
    pub first: Option<Appearance>,
    pub last: Option<Appearance>,
    /// From the first frame to the end of the last, as a timecode and in seconds.
    pub duration: Option<String>,
    pub duration_seconds: Option<f64>,
}

/// Errors counted by worst severity, by persistence and by origin.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub errors: usize,
    pub severe: usize,
    pub moderate: usize,
    pub minor: usize,
    pub persistent: usize,
    /// Listed by the defect map (or learned).
    pub from_map: usize,
    /// Found in the picture.
    pub found: usize,
    /// Sightings of further errors not followed (the report follows at most
    /// [`super::MAX_ERRORS`] errors).
    pub not_followed: u64,
}

/// A frame: its number (0 = the frame at time 0), timecode and time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Appearance {
    pub frame: u64,
    /// `HH:MM:SS:FF` at the stream's rate (`;` before the frames for drop-frame);
    /// `HH:MM:SS.mmm` on a stream without a rate.
    pub timecode: String,
    /// The buffer timestamp in seconds, when it had one.
    pub seconds: Option<f64>,
}

/// One pixel error over the stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PixelError {
    /// Its number on the page and in the thumbnail (1 = most severe).
    pub id: usize,
    /// Frame pixel.
    pub x: u32,
    pub y: u32,
    /// `severe`, `moderate` or `minor`: the worst it was.
    pub severity: String,
    /// Why, in words: `bright on a dark scene`, `on the subject`, `faint` ...
    pub reason: String,
    /// Seen in at least half of the frames (and at least 3).
    pub persistent: bool,
    /// `map` (listed by the defect map or learned) or `found` (in the picture).
    pub origin: String,
    pub first: Appearance,
    pub last: Appearance,
    /// Frames it was seen in.
    pub frames_seen: u64,
    /// Where it was most visible.
    pub peak: Peak,
}

/// An error at its most visible.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Peak {
    pub frame: u64,
    pub timecode: String,
    /// The sample as it arrived, and the value its surroundings give (the component
    /// that shows it most, on video).
    pub value: u16,
    pub expected: u16,
    /// How far off, as a fraction of the sample range.
    pub deviation: f64,
}

impl Report {
    /// The report of `c`.
    pub(super) fn from_collector(c: &Collector, complete: bool, map: Option<&str>) -> Report {
        let info = c.info();
        let appearance = |at: At| appearance(c, at);
        let mut records: Vec<&Record> = c.records().collect();
        records.sort_by(|a, b| {
            let key = |r: &Record| {
                (
                    r.peak.severity,
                    (r.peak.deviation.clamp(0.0, 1.0) * 65536.0) as u32,
                    c.is_persistent(r.frames),
                    r.frames,
                )
            };
            key(b).cmp(&key(a)).then(a.at().cmp(&b.at()))
        });
        let errors: Vec<PixelError> = records
            .iter()
            .enumerate()
            .map(|(i, r)| PixelError {
                id: i + 1,
                x: r.x,
                y: r.y,
                severity: r.peak.severity.name().to_string(),
                reason: r.peak.reason.text().to_string(),
                persistent: c.is_persistent(r.frames),
                origin: if r.listed { "map" } else { "found" }.to_string(),
                first: appearance(r.first),
                last: appearance(r.last),
                frames_seen: r.frames,
                peak: Peak {
                    frame: r.peak_at.frame,
                    timecode: appearance(r.peak_at).timecode,
                    value: r.peak.value,
                    expected: r.peak.expected,
                    deviation: (r.peak.deviation * 1e4).round() / 1e4,
                },
            })
            .collect();
        let count = |s: Severity| records.iter().filter(|r| r.peak.severity == s).count();
        let counts = Counts {
            errors: errors.len(),
            severe: count(Severity::Severe),
            moderate: count(Severity::Moderate),
            minor: count(Severity::Minor),
            persistent: errors.iter().filter(|e| e.persistent).count(),
            from_map: errors.iter().filter(|e| e.origin == "map").count(),
            found: errors.iter().filter(|e| e.origin == "found").count(),
            not_followed: c.dropped(),
        };
        let span = c.span();
        let (duration, duration_seconds) = match (span, info.rate) {
            (Some((first, last)), Some(rate)) => {
                let n = last.frame.saturating_sub(first.frame) + 1;
                (Some(rate.timecode(n)), Some(n as f64 / rate.fps()))
            }
            _ => (None, None),
        };
        Report {
            schema: SCHEMA.to_string(),
            complete,
            source: info.source.clone(),
            mode: if info.repairs { "correct" } else { "detect" }.to_string(),
            stream: CheckedStream {
                media: info.kind.name().to_string(),
                format: info.format.clone(),
                width: info.width,
                height: info.height,
                framerate: info.rate.map(|r| format!("{}/{}", r.num, r.den)),
                fps: info.rate.map(|r| (r.fps() * 1000.0).round() / 1000.0),
                frames: c.frames(),
                first: span.map(|s| appearance(s.0)),
                last: span.map(|s| appearance(s.1)),
                duration,
                duration_seconds,
            },
            counts,
            defect_map: map.map(str::to_string),
            thumbnail: c.thumbnail().map(|t| appearance(t.at)),
            errors,
        }
    }
}

/// Frame `at` of the stream of `c`, with its timecode.
fn appearance(c: &Collector, at: At) -> Appearance {
    let timecode = match (c.info().rate, at.pts) {
        (Some(rate), _) => rate.timecode(at.frame),
        (None, Some(ns)) => super::timecode::clock(ns),
        (None, None) => format!("frame {}", at.frame),
    };
    Appearance {
        frame: at.frame,
        timecode,
        seconds: at.pts.map(|ns| (ns as f64 / 1e6).round() / 1e3),
    }
}

/// The report as pretty-printed JSON.
pub fn to_string(report: &Report) -> String {
    // Plain data: serialising it cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_default() + "\n"
}

/// A report read back from its JSON.
pub fn from_str(text: &str) -> Result<Report, serde_json::Error> {
    serde_json::from_str(text)
}
