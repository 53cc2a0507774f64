//! The quality-control report a delivery operator acts on: where each pixel error is,
//! when it appears and disappears (timecode and frame number), how visible it is and
//! why, a picture of it before and after the repair, and a defect map of the confirmed
//! errors for the paint-out artist.
//!
//! Nothing here knows GStreamer types. The element (its `report` property) hands a
//! [`Collector`] each frame's timestamp, the errors seen in it ([`Sighting`]) and a
//! [`render::Picture`] of the frame; at the end of the stream [`Collector::write`]
//! writes the self-contained HTML page ([`html`]), the JSON ([`json`]) and the map.

pub mod html;
pub mod json;
pub mod render;
pub mod timecode;

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::defect_map::DefectMap;
use crate::frame::Position;
use crate::report::{Reason, Severity};
use render::{Image, Picture};
pub use timecode::Rate;

/// Side of the square cropped around an error, in frame pixels.
pub const CROP: usize = 16;
/// How much a crop is enlarged on the page.
pub const ZOOM: usize = 8;
/// The widest thumbnail of the representative frame.
pub const THUMBNAIL_WIDTH: usize = 960;
/// Errors that keep their pictures (the most severe ones; the page shows these).
pub const MAX_PICTURED: usize = 500;
/// The most errors followed (bounded memory on any input).
pub const MAX_ERRORS: usize = 1 << 18;

/// What kind of stream is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamKind {
    /// Raw Bayer sensor frames.
    Bayer,
    /// Raw monochrome frames.
    Gray,
    /// YUV or RGB video.
    Video,
}

impl StreamKind {
    /// The name the report uses.
    pub fn name(self) -> &'static str {
        match self {
            StreamKind::Bayer => "bayer",
            StreamKind::Gray => "gray",
            StreamKind::Video => "video",
        }
    }
}

/// What the report says of the stream.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamInfo {
    pub kind: StreamKind,
    /// The caps' format name (`rggb12le`, `GRAY16_LE`, `I420` ...).
    pub format: String,
    pub width: usize,
    pub height: usize,
    /// `None` for a variable rate.
    pub rate: Option<Rate>,
    /// The input, when known (a file name or URI).
    pub source: Option<String>,
    /// Whether the element repairs (`mode=correct`) or only reports (`mode=detect`).
    pub repairs: bool,
}

/// One error seen in one frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sighting {
    /// Frame pixel.
    pub x: u32,
    pub y: u32,
    pub severity: Severity,
    pub reason: Reason,
    /// Listed by the defect map (or learned), rather than found in the picture.
    pub listed: bool,
    /// How far it is off its surroundings, as a fraction of the sample range: the
    /// frame where it is largest is the one pictured.
    pub deviation: f64,
    /// The sample as it arrived, and the value its surroundings give.
    pub value: u16,
    pub expected: u16,
}

/// When a frame was shown: its number and its timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
    pub frame: u64,
    /// Nanoseconds, when the buffer had a timestamp.
    pub pts: Option<u64>,
}

/// The pictures of one error, taken at the frame where it was most visible.
#[derive(Clone, Debug)]
pub struct Crops {
    /// Top-left frame pixel of the crops.
    pub x0: usize,
    pub y0: usize,
    pub before: Image,
    pub after: Image,
}

/// What is known of one error over the stream.
#[derive(Clone, Debug)]
pub struct Record {
    pub x: u32,
    pub y: u32,
    pub first: At,
    pub last: At,
    /// Frames it was seen in.
    pub frames: u64,
    /// The sighting where it was most visible (most severe, then largest deviation),
    /// and when.
    pub peak: Sighting,
    pub peak_at: At,
    /// Listed by the map in any frame.
    pub listed: bool,
    pub crops: Option<Crops>,
    /// The rank its pictures were taken at, while it keeps them.
    pictured: Option<Rank>,
}

impl Record {
    /// Its frame pixel.
    pub fn at(&self) -> Position {
        Position::new(self.x, self.y)
    }
}

/// How visible a sighting is: severity first, then deviation (in 1/65536 of the range).
type Rank = (Severity, u32);

fn rank(s: &Sighting) -> Rank {
    (s.severity, (s.deviation.clamp(0.0, 1.0) * 65536.0) as u32)
}

impl Sighting {
    /// Its frame pixel.
    pub fn at(&self) -> Position {
        Position::new(self.x, self.y)
    }
}

/// An error that holds pictures, as [`Collector`] orders them: least visible first,
/// and among equally visible ones by column, then row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pictured {
    rank: Rank,
    x: u32,
    y: u32,
}

impl Pictured {
    fn new(rank: Rank, at: Position) -> Self {
        Pictured {
            rank,
            x: at.x,
            y: at.y,
        }
    }

    fn at(&self) -> Position {
        Position::new(self.x, self.y)
    }
}

/// The representative frame: one where the most errors were seen.
#[derive(Clone, Debug)]
pub struct Thumbnail {
    pub at: At,
    pub errors: usize,
    pub image: Image,
}

/// Follows the errors of one stream for the report.
#[derive(Debug)]
pub struct Collector {
    info: StreamInfo,
    frames: u64,
    first: Option<At>,
    last: Option<At>,
    records: HashMap<Position, Record>,
    /// Sightings not followed because [`MAX_ERRORS`] were followed.
    dropped: u64,
    /// The errors that hold pictures, least visible first.
    pictured: BTreeSet<Pictured>,
    thumbnail: Option<Thumbnail>,
}

impl Collector {
    /// A collector for a stream described by `info`.
    pub fn new(info: StreamInfo) -> Self {
        Collector {
            info,
            frames: 0,
            first: None,
            last: None,
            records: HashMap::new(),
            dropped: 0,
            pictured: BTreeSet::new(),
            thumbnail: None,
        }
    }

    /// The stream.
    pub fn info(&self) -> &StreamInfo {
        &self.info
    }

    /// The stream's description, to change (a new frame rate, the mode); what was
    /// collected stays.
    pub fn info_mut(&mut self) -> &mut StreamInfo {
        &mut self.info
    }

    /// Frames added.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Distinct errors seen so far.
    pub fn errors(&self) -> usize {
        self.records.len()
    }

    /// Distinct errors so far whose worst sighting is severe.
    pub fn severe(&self) -> usize {
        self.records
            .values()
            .filter(|r| r.peak.severity == Severity::Severe)
            .count()
    }

    /// The errors, keyed by position.
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.records.values()
    }

    /// The representative frame, once a frame was added.
    pub fn thumbnail(&self) -> Option<&Thumbnail> {
        self.thumbnail.as_ref()
    }

    /// When a frame with timestamp `pts` (nanoseconds) was shown: its number from the
    /// timestamp and the rate, else its place in the stream.
    fn at(&self, pts: Option<u64>) -> At {
        let frame = match (pts, self.info.rate) {
            (Some(ns), Some(rate)) => rate.frame_at(ns),
            _ => self.frames,
        };
        At { frame, pts }
    }

    /// Adds one frame: its timestamp, the errors seen in it, and its picture.
    pub fn add_frame(&mut self, pts: Option<u64>, sightings: &[Sighting], picture: &dyn Picture) {
        let at = self.at(pts);
        self.frames += 1;
        self.first = Some(
            self.first
                .map_or(at, |f| if at.frame < f.frame { at } else { f }),
        );
        self.last = Some(
            self.last
                .map_or(at, |l| if at.frame > l.frame { at } else { l }),
        );
        // A frame with more errors than the thumbnail's (an eighth more: the picture
        // is not redrawn for each error that comes in).
        let better_thumbnail = self
            .thumbnail
            .as_ref()
            .is_none_or(|t| sightings.len() > t.errors + t.errors / 8);
        if better_thumbnail {
            self.thumbnail = Some(Thumbnail {
                at,
                errors: sightings.len(),
                image: render::thumbnail(picture, THUMBNAIL_WIDTH),
            });
        }
        for s in sightings {
            self.add_sighting(at, s, picture);
        }
    }

    fn add_sighting(&mut self, at: At, s: &Sighting, picture: &dyn Picture) {
        let key = s.at();
        let room = self.records.len() < MAX_ERRORS;
        let record = match self.records.get_mut(&key) {
            Some(r) => {
                r.frames += 1;
                if at.frame < r.first.frame {
                    r.first = at;
                }
                if at.frame > r.last.frame {
                    r.last = at;
                }
                r.listed |= s.listed;
                if rank(s) <= rank(&r.peak) {
                    return;
                }
                r.peak = *s;
                r.peak_at = at;
                r
            }
            None if room => self.records.entry(key).or_insert(Record {
                x: s.x,
                y: s.y,
                first: at,
                last: at,
                frames: 1,
                peak: *s,
                peak_at: at,
                listed: s.listed,
                crops: None,
                pictured: None,
            }),
            None => {
                self.dropped += 1;
                return;
            }
        };
        // Most visible so far: the pictures are taken here, if it ranks among the
        // errors that keep theirs.
        let new_rank = rank(&record.peak);
        let old = record.pictured.take();
        if let Some(old) = old {
            self.pictured.remove(&Pictured::new(old, key));
        } else if self.pictured.len() >= MAX_PICTURED {
            match self.pictured.first().copied() {
                Some(least) if least.rank < new_rank => {
                    self.pictured.remove(&least);
                    if let Some(r) = self.records.get_mut(&least.at()) {
                        r.crops = None;
                        r.pictured = None;
                    }
                }
                _ => return,
            }
        }
        let Some(record) = self.records.get_mut(&key) else {
            return;
        };
        let window = render::window(picture, s.x, s.y, CROP);
        record.crops = Some(Crops {
            x0: window.0,
            y0: window.1,
            before: render::crop(picture, window, false),
            after: render::crop(picture, window, true),
        });
        record.pictured = Some(new_rank);
        self.pictured.insert(Pictured::new(new_rank, key));
    }

    /// The report of what was collected; `complete` says whether the stream ended
    /// (else it was stopped before its end). `map` names the paint-out map.
    pub fn report(&self, complete: bool, map: Option<&str>) -> json::Report {
        json::Report::from_collector(self, complete, map)
    }

    /// Whether an error seen in `frames` frames is persistent in this stream.
    pub fn is_persistent(&self, frames: u64) -> bool {
        crate::report::is_persistent(frames, self.frames)
    }

    /// The first and last frame added, by number.
    pub fn span(&self) -> Option<(At, At)> {
        self.first.zip(self.last)
    }

    /// Sightings not followed because [`MAX_ERRORS`] errors were followed already.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Writes the report to `target` (see [`Target`]): each file to a temporary file
    /// in its folder, then renamed over its name, so no half-written report is ever
    /// left under the name.
    pub fn write(&self, target: &Target, complete: bool) -> Result<Written, WriteError> {
        let map_name = target
            .map
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let report = self.report(complete, map_name.as_deref());
        let fail = |path: &Path| {
            let path = path.to_path_buf();
            move |source| WriteError { path, source }
        };
        if let Some(path) = &target.json {
            write_atomic(path, json::to_string(&report).as_bytes()).map_err(fail(path))?;
        }
        if let Some(path) = &target.html {
            write_atomic(path, html::page(&report, self).as_bytes()).map_err(fail(path))?;
        }
        let (map, header) = self.paint_out_map(&report);
        map.save(&target.map, &header).map_err(fail(&target.map))?;
        Ok(Written {
            target: target.clone(),
            errors: report.errors.len(),
            severe: report.counts.severe,
            moderate: report.counts.moderate,
            minor: report.counts.minor,
        })
    }

    /// The confirmed errors as a defect map in frame pixels, with its header line.
    /// Confirmed: listed by the map, persistent, or, on video, confirmed by the
    /// element's temporal test (every video error is).
    fn paint_out_map(&self, report: &json::Report) -> (DefectMap, String) {
        let mut entries: Vec<Position> = report
            .errors
            .iter()
            .filter(|e| self.info.kind == StreamKind::Video || e.persistent || e.origin == "map")
            .map(|e| Position::new(e.x, e.y))
            .collect();
        entries.sort();
        let header = format!(
            "pixel errors to paint out, in frame pixels of the {}x{} {} picture: {} positions \
             (defectfix QC{})",
            self.info.width,
            self.info.height,
            self.info.format,
            entries.len(),
            self.info
                .source
                .as_deref()
                .map(|s| format!(" of {s}"))
                .unwrap_or_default()
        );
        (DefectMap::from_pixels(entries, 0, 0), header)
    }
}

/// The files a report goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub html: Option<PathBuf>,
    pub json: Option<PathBuf>,
    /// The paint-out defect map, beside them.
    pub map: PathBuf,
}

impl Target {
    /// The files for the `report` path: `.html` (or `.htm`) a page, `.json` the data;
    /// any other name (no extension) both, with these extensions added. The map takes
    /// the name with `.map`.
    pub fn for_path(path: &Path) -> Target {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        let with = |ext: &str| {
            let mut name = path.as_os_str().to_owned();
            name.push(".");
            name.push(ext);
            PathBuf::from(name)
        };
        match ext.as_deref() {
            Some("html" | "htm") => Target {
                html: Some(path.to_path_buf()),
                json: None,
                map: path.with_extension("map"),
            },
            Some("json") => Target {
                html: None,
                json: Some(path.to_path_buf()),
                map: path.with_extension("map"),
            },
            _ => Target {
                html: Some(with("html")),
                json: Some(with("json")),
                map: with("map"),
            },
        }
    }

    /// Every file, page first.
    pub fn files(&self) -> Vec<&Path> {
        self.html
            .iter()
            .chain(&self.json)
            .map(PathBuf::as_path)
            .chain([self.map.as_path()])
            .collect()
    }

    /// Checks that every file can be written (a temporary file is made and removed in
    /// each folder): a missing or read-only folder shows before the stream runs.
    pub fn check(&self) -> Result<(), WriteError> {
        for path in self.files() {
            let tmp = crate::defect_map::temp_path_beside(path).map_err(|source| WriteError {
                path: path.to_path_buf(),
                source,
            })?;
            let made = fs::File::create_new(&tmp);
            let _ = fs::remove_file(&tmp);
            made.map_err(|source| WriteError {
                path: path.to_path_buf(),
                source,
            })?;
            if path.is_dir() {
                return Err(WriteError {
                    path: path.to_path_buf(),
                    source: io::Error::new(io::ErrorKind::IsADirectory, "a folder of that name"),
                });
            }
        }
        Ok(())
    }
}

/// What [`Collector::write`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub target: Target,
    pub errors: usize,
    pub severe: usize,
    pub moderate: usize,
    pub minor: usize,
}

/// A report file that could not be written.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub source: io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write '{}': {}", self.path.display(), self.source)
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Writes `data` to a temporary file beside `path`, then renames it over `path`.
fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    crate::defect_map::write_atomically(path, |file| {
        use io::Write as _;
        file.write_all(data)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Flat(usize, usize);

    impl Picture for Flat {
        fn size(&self) -> (usize, usize) {
            (self.0, self.1)
        }
        fn rgb(&self, x: usize, y: usize, repaired: bool) -> [u8; 3] {
            if !repaired && (x, y) == (5, 5) {
                [255; 3]
            } else {
                [20; 3]
            }
        }
    }

    fn sighting(x: u32, y: u32, deviation: f64, severity: Severity) -> Sighting {
        Sighting {
            x,
            y,
            severity,
            reason: Reason::Faint,
            listed: false,
            deviation,
            value: 0,
            expected: 0,
        }
    }

    fn info() -> StreamInfo {
        StreamInfo {
            kind: StreamKind::Gray,
            format: "GRAY8".into(),
            width: 40,
            height: 30,
            rate: Rate::new(25, 1),
            source: None,
            repairs: false,
        }
    }

    #[test]
    fn first_last_frames_and_the_most_visible_sighting() {
        let mut c = Collector::new(info());
        let pic = Flat(40, 30);
        for f in 0..10u64 {
            let mut s = vec![sighting(5, 5, 0.1 + f as f64 * 0.01, Severity::Moderate)];
            if (3..6).contains(&f) {
                s.push(sighting(30, 20, 0.5, Severity::Severe));
            }
            c.add_frame(Some(f * 40_000_000), &s, &pic);
        }
        assert_eq!(c.frames(), 10);
        assert_eq!(c.errors(), 2);
        let r = &c.records[&Position::new(30, 20)];
        assert_eq!((r.first.frame, r.last.frame, r.frames), (3, 5, 3));
        assert_eq!(r.peak_at.frame, 3);
        let r = &c.records[&Position::new(5, 5)];
        assert_eq!((r.first.frame, r.last.frame, r.frames), (0, 9, 10));
        assert_eq!(r.peak_at.frame, 9);
        let crops = r.crops.as_ref().unwrap();
        assert_eq!((crops.x0, crops.y0), (0, 0));
        assert_eq!(&crops.before.rgb[(5 * 16 + 5) * 3..][..3], &[255; 3]);
        assert_eq!(&crops.after.rgb[(5 * 16 + 5) * 3..][..3], &[20; 3]);
        // The thumbnail is the frame with the most errors: the first with two.
        assert_eq!(c.thumbnail().unwrap().at.frame, 3);
    }

    #[test]
    fn only_the_most_visible_errors_keep_pictures() {
        let mut c = Collector::new(StreamInfo {
            width: 2000,
            height: 1,
            ..info()
        });
        let pic = Flat(2000, 1);
        let sightings: Vec<Sighting> = (0..MAX_PICTURED as u32 + 10)
            .map(|x| sighting(x, 0, f64::from(x) / 1e4, Severity::Minor))
            .collect();
        c.add_frame(Some(0), &sightings, &pic);
        let pictured: Vec<u32> = c
            .records()
            .filter(|r| r.crops.is_some())
            .map(|r| r.x)
            .collect();
        assert_eq!(pictured.len(), MAX_PICTURED);
        assert!(pictured.iter().all(|&x| x >= 10));
        assert_eq!(c.pictured.len(), MAX_PICTURED);
    }

    #[test]
    fn targets_by_extension() {
        let t = Target::for_path(Path::new("out/qc.html"));
        assert_eq!(t.html.as_deref(), Some(Path::new("out/qc.html")));
        assert_eq!((t.json, t.map), (None, PathBuf::from("out/qc.map")));
        let t = Target::for_path(Path::new("qc.JSON"));
        assert_eq!(t.json.as_deref(), Some(Path::new("qc.JSON")));
        let t = Target::for_path(Path::new("out/qc"));
        assert_eq!(t.html.as_deref(), Some(Path::new("out/qc.html")));
        assert_eq!(t.json.as_deref(), Some(Path::new("out/qc.json")));
        assert_eq!(t.map, PathBuf::from("out/qc.map"));
        assert!(
            Target::for_path(Path::new("/nonexistent-folder/qc"))
                .check()
                .is_err()
        );
    }
}
