//! Defect maps: text files listing the defective pixels of a camera sensor.
//!
//! # File format
//!
//! * One entry per line. `#` starts a comment anywhere on a line; the rest of
//!   the line is ignored. Blank lines are ignored. A leading UTF-8 byte order
//!   mark is ignored, and CRLF line ends are accepted. The file must be valid
//!   UTF-8.
//! * Fields are separated by any amount of whitespace (spaces, tabs).
//! * Coordinates are 0-based sensor coordinates, X being the column and Y the
//!   row. Every number must parse as an `i64` (an optional `+`/`-` sign, then
//!   decimal digits); negative values are accepted and simply fall outside any
//!   frame.
//! * Entries (keywords are case-insensitive):
//!   * `X Y` — one pixel. An optional third number is accepted and ignored, so
//!     dcraw `-P` files (`col row timestamp`) load as they are. More than three
//!     numbers is an error.
//!   * `row Y` — a whole row.
//!   * `col X` or `column X` — a whole column.
//!   * `rect X Y W H` — a rectangle of `W`×`H` pixels whose top-left pixel is
//!     (`X`, `Y`). `W` and `H` must be at least 1, and the last column and row
//!     (`X + W - 1`, `Y + H - 1`) must fit in an `i64`.
//! * RawTherapee offset: if the very first line of the file (after removing
//!   the byte order mark and any comment) holds exactly one number, that number
//!   is an offset added to both X and Y of every entry in the file (`W`/`H` are
//!   unchanged). This is how RawTherapee reads `*.badpixels` files
//!   (`rtengine/dfmanager.cc`, `scanBadPixelsFile`: it `sscanf`s the first line
//!   with `"%d %d"`; one number is the offset, added to both coordinates of
//!   every later pixel; on later lines only lines giving two numbers are used).
//!   RawTherapee never treats a single number on any later line as an offset
//!   (it silently drops that line), so here such a line is an error. A
//!   RawTherapee file (optional offset line, then `x y` lines) therefore loads
//!   unchanged.
//! * A file may hold at most [`MAX_ENTRIES`] entries.
//!
//! Any malformed line (unknown keyword, wrong number of fields, a field that
//! is not an `i64`, a rectangle with `W` or `H` below 1 or past the `i64`
//! range, a coordinate overflowing when the offset is added, invalid UTF-8)
//! is a [`MapError::Syntax`] naming the source and the 1-based line.

use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::num::IntErrorKind;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::frame::Position;

/// The most entries a parsed or loaded defect map may hold.
pub const MAX_ENTRIES: usize = 20_000_000;

/// UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The longest excerpt of a line quoted in an error message, in characters.
const QUOTE_MAX_CHARS: usize = 80;

/// One line of a defect map, in sensor coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entry {
    /// A single pixel at column `x`, row `y`.
    Pixel {
        /// Column.
        x: i64,
        /// Row.
        y: i64,
    },
    /// A whole row.
    Row {
        /// Row.
        y: i64,
    },
    /// A whole column.
    Column {
        /// Column.
        x: i64,
    },
    /// A `w`×`h` rectangle whose top-left pixel is (`x`, `y`).
    Rect {
        /// Left column.
        x: i64,
        /// Top row.
        y: i64,
        /// Width in pixels (at least 1 in a valid map).
        w: i64,
        /// Height in pixels (at least 1 in a valid map).
        h: i64,
    },
}

/// Why a defect map could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MapError {
    /// The file could not be read.
    Io {
        /// The file's path.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// A line is malformed.
    Syntax {
        /// Name of the text (usually its path).
        source: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The map has more than [`MAX_ENTRIES`] entries.
    TooLarge {
        /// Name of the text (usually its path).
        source: String,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapError::Io { path, message } => {
                write!(f, "cannot read defect map '{path}': {message}")
            }
            MapError::Syntax {
                source,
                line,
                message,
            } => write!(f, "{source}:{line}: {message}"),
            MapError::TooLarge { source, message } => write!(f, "{source}: {message}"),
        }
    }
}

impl std::error::Error for MapError {}

/// A list of defect entries, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DefectMap {
    entries: Vec<Entry>,
}

/// A defect map placed on a frame: the frame pixels to repair.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Covered frame pixels, sorted by row then column, without duplicates.
    pub pixels: Vec<Position>,
    /// Number of entries that cover no pixel of the frame.
    pub outside: usize,
}

impl DefectMap {
    /// Creates an empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates a map holding `entries`, in that order.
    pub fn from_entries(entries: Vec<Entry>) -> Self {
        Self { entries }
    }

    /// Creates a map of single pixels: each of `pixels` (frame pixels) moved by
    /// (`offset_x`, `offset_y`) into the map's coordinates, in that order.
    pub fn from_pixels(
        pixels: impl IntoIterator<Item = Position>,
        offset_x: i64,
        offset_y: i64,
    ) -> Self {
        Self::from_entries(
            pixels
                .into_iter()
                .map(|p| Entry::Pixel {
                    x: i64::from(p.x) + offset_x,
                    y: i64::from(p.y) + offset_y,
                })
                .collect(),
        )
    }

    /// Parses a map from `text`; `source` names it in error messages.
    pub fn parse(text: &str, source: &str) -> Result<Self, MapError> {
        parse_bytes(text.as_bytes(), source)
    }

    /// Reads and parses the map file at `path`.
    pub fn load(path: &Path) -> Result<Self, MapError> {
        let name = path.display().to_string();
        let bytes = fs::read(path).map_err(|e| MapError::Io {
            path: name.clone(),
            message: e.to_string(),
        })?;
        parse_bytes(&bytes, &name)
    }

    /// The entries, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends an entry.
    pub fn push(&mut self, e: Entry) {
        self.entries.push(e);
    }

    /// Writes the map in the text format, with a header comment (free text given by caller, each line prefixed '# ').
    ///
    /// Output is buffered internally. A `Rect` that the format cannot express
    /// (`w` or `h` below 1, or extending past the `i64` range) is an
    /// [`io::ErrorKind::InvalidInput`] error.
    pub fn write_to(&self, w: &mut impl Write, header: &str) -> io::Result<()> {
        let mut out = io::BufWriter::with_capacity(1 << 16, w);
        for line in header.lines() {
            if line.is_empty() {
                out.write_all(b"#\n")?;
            } else {
                writeln!(out, "# {line}")?;
            }
        }
        for e in &self.entries {
            match *e {
                Entry::Pixel { x, y } => writeln!(out, "{x} {y}")?,
                Entry::Row { y } => writeln!(out, "row {y}")?,
                Entry::Column { x } => writeln!(out, "col {x}")?,
                Entry::Rect { x, y, w, h } => {
                    if !rect_is_valid(x, y, w, h) {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidInput,
                            format!("cannot write invalid rectangle 'rect {x} {y} {w} {h}'"),
                        ));
                    }
                    writeln!(out, "rect {x} {y} {w} {h}")?;
                }
            }
        }
        out.flush()
    }

    /// Saves the map to `path` atomically: writes a temporary file in the same
    /// directory, syncs it, then renames it over `path`.
    pub fn save(&self, path: &Path, header: &str) -> io::Result<()> {
        write_atomically(path, |file| self.write_to(file, header))
    }

    /// Places the map on a frame of `width`×`height` whose top-left pixel is sensor pixel (offset_x, offset_y).
    ///
    /// Frame pixel (fx, fy) is sensor pixel (fx + offset_x, fy + offset_y).
    /// Rows, columns and rectangles are clipped to the frame before expansion,
    /// so the work and memory are bounded by the number of entries plus the
    /// number of covered frame pixels.
    pub fn resolve(&self, width: u32, height: u32, offset_x: i64, offset_y: i64) -> Resolved {
        let frame = Frame::new(width, height, offset_x, offset_y);
        let mut outside = 0usize;
        let mut spans = Vec::new();
        // Upper bound on covered pixels, before deduplication.
        let mut total: u64 = 0;
        for e in &self.entries {
            match frame.clip(e) {
                Clipped::Outside => outside += 1,
                Clipped::Pixel(..) => total = total.saturating_add(1),
                Clipped::Span(s) => {
                    total = total.saturating_add(s.area());
                    spans.push(s);
                }
            }
        }
        let pixels = if total == 0 {
            Vec::new()
        } else {
            let frame_px = u64::from(width) * u64::from(height);
            // A bitmap costs frame_px / 8 bytes; the sorted list 8 bytes per
            // covered pixel plus a sort. Prefer the bitmap unless the frame is
            // far larger than the covered area.
            let bitmap_words = usize::try_from(frame_px.div_ceil(64)).ok();
            match bitmap_words {
                Some(words) if frame_px / 256 <= total => {
                    collect_bitmap(&self.entries, &frame, &spans, words)
                }
                _ => collect_sorted(&self.entries, &frame, &spans, total),
            }
        };
        Resolved { pixels, outside }
    }
}

/// Whether `rect x y w h` is expressible in the file format.
fn rect_is_valid(x: i64, y: i64, w: i64, h: i64) -> bool {
    w >= 1 && h >= 1 && x.checked_add(w - 1).is_some() && y.checked_add(h - 1).is_some()
}

/// What one non-blank line holds.
enum Parsed {
    /// A lone number: the offset if on the first line, else an error.
    Single(i64),
    /// A defect entry.
    Entry(Entry),
}

/// Parses a whole map from bytes, validating UTF-8 line by line.
fn parse_bytes(bytes: &[u8], source: &str) -> Result<DefectMap, MapError> {
    parse_bytes_limited(bytes, source, MAX_ENTRIES)
}

/// [`parse_bytes`] with an entry limit.
fn parse_bytes_limited(bytes: &[u8], source: &str, limit: usize) -> Result<DefectMap, MapError> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    let mut entries: Vec<Entry> = Vec::with_capacity(newlines.saturating_add(1).min(limit));
    let mut offset: i64 = 0;

    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = index + 1;
        let syntax = |message: String| MapError::Syntax {
            source: source.to_owned(),
            line,
            message,
        };
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = std::str::from_utf8(raw).map_err(|e| {
            syntax(format!(
                "invalid UTF-8 at byte {} of the line",
                e.valid_up_to() + 1
            ))
        })?;
        let content = text.split_once('#').map_or(text, |(before, _)| before);
        let entry = match parse_line(content).map_err(&syntax)? {
            None => continue,
            Some(Parsed::Single(v)) if line == 1 => {
                offset = v;
                continue;
            }
            Some(Parsed::Single(_)) => {
                return Err(syntax(format!(
                    "a single number is only allowed on the first line (RawTherapee \
                     coordinate offset); {}, got '{}'",
                    EXPECTED,
                    quote(content)
                )));
            }
            Some(Parsed::Entry(e)) => apply_offset(e, offset).ok_or_else(|| {
                syntax(format!(
                    "coordinate out of range after adding the file's offset {offset}, got '{}'",
                    quote(content)
                ))
            })?,
        };
        if entries.len() >= limit {
            return Err(MapError::TooLarge {
                source: source.to_owned(),
                message: format!(
                    "defect map has more than {limit} entries (limit exceeded at line {line})"
                ),
            });
        }
        entries.push(entry);
    }
    if entries.capacity() - entries.len() > entries.len() / 4 + 1024 {
        entries.shrink_to_fit();
    }
    Ok(DefectMap { entries })
}

/// The accepted entry forms, for error messages.
const EXPECTED: &str = "expected 'X Y', 'row Y', 'col X' or 'rect X Y W H'";

/// Parses one comment-free line; `Ok(None)` for a blank line.
fn parse_line(content: &str) -> Result<Option<Parsed>, String> {
    // Six slots so that "too many fields" is detectable without allocating.
    let mut fields = [""; 6];
    let mut n = 0usize;
    for field in content.split_whitespace() {
        if n == fields.len() {
            n += 1;
            break;
        }
        fields[n] = field;
        n += 1;
    }
    if n == 0 {
        return Ok(None);
    }
    let keyword = fields[0];
    let wrong_count = |usage: &str| format!("expected '{usage}', got '{}'", quote(content));

    if keyword.eq_ignore_ascii_case("row") {
        if n != 2 {
            return Err(wrong_count("row Y"));
        }
        let y = parse_int(fields[1])?;
        return Ok(Some(Parsed::Entry(Entry::Row { y })));
    }
    if keyword.eq_ignore_ascii_case("col") || keyword.eq_ignore_ascii_case("column") {
        if n != 2 {
            return Err(wrong_count("col X"));
        }
        let x = parse_int(fields[1])?;
        return Ok(Some(Parsed::Entry(Entry::Column { x })));
    }
    if keyword.eq_ignore_ascii_case("rect") {
        if n != 5 {
            return Err(wrong_count("rect X Y W H"));
        }
        let x = parse_int(fields[1])?;
        let y = parse_int(fields[2])?;
        let w = parse_int(fields[3])?;
        let h = parse_int(fields[4])?;
        if w < 1 || h < 1 {
            return Err(format!(
                "rect width and height must be at least 1, got '{}'",
                quote(content)
            ));
        }
        if !rect_is_valid(x, y, w, h) {
            return Err(format!(
                "rect extends past the coordinate range, got '{}'",
                quote(content)
            ));
        }
        return Ok(Some(Parsed::Entry(Entry::Rect { x, y, w, h })));
    }
    if keyword.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-') {
        if n > 3 {
            return Err(format!(
                "too many numbers: expected 'X Y' or 'X Y T', got '{}'",
                quote(content)
            ));
        }
        let first = parse_int(fields[0])?;
        if n == 1 {
            return Ok(Some(Parsed::Single(first)));
        }
        let y = parse_int(fields[1])?;
        if n == 3 {
            // dcraw's timestamp column: must be a number, otherwise unused.
            parse_int(fields[2])?;
        }
        return Ok(Some(Parsed::Entry(Entry::Pixel { x: first, y })));
    }
    Err(format!("{EXPECTED}, got '{}'", quote(content)))
}

/// Parses a decimal `i64` field.
fn parse_int(field: &str) -> Result<i64, String> {
    field.parse::<i64>().map_err(|e| match e.kind() {
        IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => {
            format!("number '{}' is out of range", quote(field))
        }
        _ => format!("'{}' is not an integer", quote(field)),
    })
}

/// Adds the file offset to an entry's coordinates; `None` on overflow.
fn apply_offset(e: Entry, offset: i64) -> Option<Entry> {
    if offset == 0 {
        return Some(e);
    }
    Some(match e {
        Entry::Pixel { x, y } => Entry::Pixel {
            x: x.checked_add(offset)?,
            y: y.checked_add(offset)?,
        },
        Entry::Row { y } => Entry::Row {
            y: y.checked_add(offset)?,
        },
        Entry::Column { x } => Entry::Column {
            x: x.checked_add(offset)?,
        },
        Entry::Rect { x, y, w, h } => {
            let (x, y) = (x.checked_add(offset)?, y.checked_add(offset)?);
            if !rect_is_valid(x, y, w, h) {
                return None;
            }
            Entry::Rect { x, y, w, h }
        }
    })
}

/// `text` trimmed and shortened for quoting in a message.
fn quote(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(QUOTE_MAX_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

/// A frame placed on the sensor; `i128` so no `i64` input can overflow.
struct Frame {
    width: u32,
    height: u32,
    ox: i128,
    oy: i128,
}

/// A non-empty clipped rectangle in frame coordinates; ends are exclusive.
#[derive(Clone, Copy)]
struct Span {
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
}

impl Span {
    fn area(&self) -> u64 {
        u64::from(self.x1 - self.x0) * u64::from(self.y1 - self.y0)
    }
}

/// An entry's footprint on a frame.
enum Clipped {
    Outside,
    Pixel(Position),
    Span(Span),
}

impl Frame {
    fn new(width: u32, height: u32, offset_x: i64, offset_y: i64) -> Self {
        Self {
            width,
            height,
            ox: i128::from(offset_x),
            oy: i128::from(offset_y),
        }
    }

    /// Clips the half-open sensor interval `[start, end)` (relative to
    /// `origin`) to `[0, len)`.
    fn clip_range(start: i128, end: i128, origin: i128, len: u32) -> Option<(u32, u32)> {
        let lo = (start - origin).max(0);
        let hi = (end - origin).min(i128::from(len));
        if lo >= hi {
            return None;
        }
        Some((u32::try_from(lo).ok()?, u32::try_from(hi).ok()?))
    }

    fn clip(&self, e: &Entry) -> Clipped {
        let full_x = (self.ox, self.ox + i128::from(self.width));
        let full_y = (self.oy, self.oy + i128::from(self.height));
        let (xr, yr) = match *e {
            Entry::Pixel { x, y } => {
                let (x, y) = (i128::from(x), i128::from(y));
                (Some((x, x + 1)), Some((y, y + 1)))
            }
            Entry::Row { y } => {
                let y = i128::from(y);
                (Some(full_x), Some((y, y + 1)))
            }
            Entry::Column { x } => {
                let x = i128::from(x);
                (Some((x, x + 1)), Some(full_y))
            }
            Entry::Rect { x, y, w, h } => {
                let (x, y) = (i128::from(x), i128::from(y));
                let (w, h) = (i128::from(w), i128::from(h));
                (
                    (w >= 1).then_some((x, x + w)),
                    (h >= 1).then_some((y, y + h)),
                )
            }
        };
        let (Some((xs, xe)), Some((ys, ye))) = (xr, yr) else {
            return Clipped::Outside;
        };
        let Some((x0, x1)) = Self::clip_range(xs, xe, self.ox, self.width) else {
            return Clipped::Outside;
        };
        let Some((y0, y1)) = Self::clip_range(ys, ye, self.oy, self.height) else {
            return Clipped::Outside;
        };
        if matches!(e, Entry::Pixel { .. }) {
            Clipped::Pixel(Position::new(x0, y0))
        } else {
            Clipped::Span(Span { x0, y0, x1, y1 })
        }
    }
}

/// Resolves by collecting every covered pixel, sorting and deduplicating.
fn collect_sorted(entries: &[Entry], frame: &Frame, spans: &[Span], total: u64) -> Vec<Position> {
    let mut pixels: Vec<Position> = Vec::new();
    // Best effort: if it fails, pushing below grows the vector as usual.
    let _ = pixels.try_reserve_exact(usize::try_from(total).unwrap_or(0));
    for e in entries {
        if let Clipped::Pixel(p) = frame.clip(e) {
            pixels.push(p);
        }
    }
    for s in spans {
        for y in s.y0..s.y1 {
            pixels.extend((s.x0..s.x1).map(|x| Position::new(x, y)));
        }
    }
    // Row-major, as `Position`'s order, on one u64 key.
    pixels.sort_unstable_by_key(|p| (u64::from(p.y) << 32) | u64::from(p.x));
    pixels.dedup();
    pixels
}

/// Resolves through a one-bit-per-pixel bitmap of the frame (`words` u64s).
fn collect_bitmap(entries: &[Entry], frame: &Frame, spans: &[Span], words: usize) -> Vec<Position> {
    let width = u64::from(frame.width);
    let mut bits = vec![0u64; words];
    for e in entries {
        if let Clipped::Pixel(p) = frame.clip(e) {
            let idx = u64::from(p.y) * width + u64::from(p.x);
            bits[(idx / 64) as usize] |= 1u64 << (idx % 64);
        }
    }
    for s in spans {
        for y in s.y0..s.y1 {
            let row = u64::from(y) * width;
            set_bits(&mut bits, row + u64::from(s.x0), row + u64::from(s.x1));
        }
    }

    let count: usize = bits.iter().map(|w| w.count_ones() as usize).sum();
    let mut pixels = Vec::with_capacity(count);
    let (mut y, mut row_start, mut row_end) = (0u32, 0u64, width);
    for (wi, &word) in bits.iter().enumerate() {
        let mut word = word;
        while word != 0 {
            let idx = wi as u64 * 64 + u64::from(word.trailing_zeros());
            word &= word - 1;
            // Bits are visited in increasing order, so rows only advance.
            while idx >= row_end {
                y += 1;
                row_start = row_end;
                row_end += width;
            }
            pixels.push(Position::new((idx - row_start) as u32, y));
        }
    }
    pixels
}

/// Sets bits `[start, end)` of `bits`; `start < end <= bits.len() * 64`.
fn set_bits(bits: &mut [u64], start: u64, end: u64) {
    let (sw, sb) = ((start / 64) as usize, start % 64);
    let (ew, eb) = ((end / 64) as usize, end % 64);
    if sw == ew {
        bits[sw] |= (!0u64 << sb) & ((1u64 << eb) - 1);
        return;
    }
    bits[sw] |= !0u64 << sb;
    for w in &mut bits[sw + 1..ew] {
        *w = !0;
    }
    if eb > 0 {
        bits[ew] |= (1u64 << eb) - 1;
    }
}

/// Where a map landed on a frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MapPlacement {
    /// Distinct frame pixels the map covers.
    pub pixels: usize,
    /// Map entries that do not touch the frame (they are ignored).
    pub outside: usize,
}

/// A map placed on a frame of one size: its pixels in frame coordinates, rebuilt only
/// when the map (another `Arc`) or the offset changes.
#[derive(Debug, Default)]
pub struct PlacedMap {
    installed: Option<(std::sync::Arc<DefectMap>, i64, i64)>,
    pixels: Vec<Position>,
}

impl PlacedMap {
    /// The placed pixels, row-major.
    pub fn pixels(&self) -> &[Position] {
        &self.pixels
    }

    /// Places `map` on a `width`×`height` frame whose pixel (0, 0) is map pixel
    /// (`offset_x`, `offset_y`); returns the placement when anything changed, `None`
    /// when the same map is already placed at the same offset.
    pub fn place(
        &mut self,
        map: Option<&std::sync::Arc<DefectMap>>,
        width: usize,
        height: usize,
        offset_x: i64,
        offset_y: i64,
    ) -> Option<MapPlacement> {
        let unchanged = match (&self.installed, map) {
            (None, None) => true,
            (Some((old, ox, oy)), Some(new)) => {
                std::sync::Arc::ptr_eq(old, new) && *ox == offset_x && *oy == offset_y
            }
            _ => false,
        };
        if unchanged {
            return None;
        }
        let mut placement = MapPlacement::default();
        self.pixels.clear();
        if let Some(map) = map {
            let resolved = map.resolve(width as u32, height as u32, offset_x, offset_y);
            self.pixels = resolved.pixels;
            placement = MapPlacement {
                pixels: self.pixels.len(),
                outside: resolved.outside,
            };
        }
        self.installed = map.map(|m| (std::sync::Arc::clone(m), offset_x, offset_y));
        Some(placement)
    }
}

/// Writes a file whole or not at all: `write` fills a new temporary file beside
/// `path`, which is synced and renamed over `path`; on failure it is removed.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> io::Result<()> {
    let tmp = temp_path_beside(path)?;
    let result = (|| {
        let mut file = fs::File::create_new(&tmp)?;
        write(&mut file)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        // Best effort: the temporary file may not even exist.
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A fresh temporary name beside `path` (`.NAME.PID.N.tmp` in its folder), for files
/// written whole and then renamed over `path`, so a reader never sees half of one.
pub(crate) fn temp_path_beside(path: &Path) -> io::Result<std::path::PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let file_name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("'{}' does not name a file", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp_name = OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    Ok(dir.join(tmp_name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn parse(text: &str) -> DefectMap {
        match DefectMap::parse(text, "test.map") {
            Ok(m) => m,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    fn syntax_err(text: &str) -> (usize, String, String) {
        match DefectMap::parse(text, "/x/cam.map") {
            Err(e @ MapError::Syntax { .. }) => {
                let display = e.to_string();
                let MapError::Syntax { source, line, .. } = e else {
                    unreachable!()
                };
                assert_eq!(source, "/x/cam.map");
                (line, display, source)
            }
            other => panic!("expected a syntax error for {text:?}, got {other:?}"),
        }
    }

    fn px(x: i64, y: i64) -> Entry {
        Entry::Pixel { x, y }
    }

    /// Frame pixel (`x`, `y`).
    fn at(x: u32, y: u32) -> Position {
        Position::new(x, y)
    }

    /// A scratch directory removed when dropped.
    struct TempDir(PathBuf);

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// A fresh scratch directory and the path of `name` inside it.
    fn temp_path(name: &str) -> (TempDir, PathBuf) {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "defect_map_test_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        (TempDir(dir), path)
    }

    /// Reference implementation: naive per-pixel coverage test.
    fn brute_force(map: &DefectMap, w: u32, h: u32, ox: i64, oy: i64) -> Resolved {
        let covers = |e: &Entry, sx: i128, sy: i128| match *e {
            Entry::Pixel { x, y } => sx == i128::from(x) && sy == i128::from(y),
            Entry::Row { y } => sy == i128::from(y),
            Entry::Column { x } => sx == i128::from(x),
            Entry::Rect { x, y, w, h } => {
                let (x, y, w, h) = (i128::from(x), i128::from(y), i128::from(w), i128::from(h));
                sx >= x && sx < x + w && sy >= y && sy < y + h
            }
        };
        let mut pixels = Vec::new();
        let mut touched = vec![false; map.len()];
        for fy in 0..h {
            for fx in 0..w {
                let (sx, sy) = (
                    i128::from(fx) + i128::from(ox),
                    i128::from(fy) + i128::from(oy),
                );
                let mut hit = false;
                for (i, e) in map.entries().iter().enumerate() {
                    if covers(e, sx, sy) {
                        touched[i] = true;
                        hit = true;
                    }
                }
                if hit {
                    pixels.push(Position::new(fx, fy));
                }
            }
        }
        Resolved {
            pixels,
            outside: touched.iter().filter(|t| !**t).count(),
        }
    }

    #[test]
    fn dcraw_p_file() {
        let text = concat!(
            "# dcraw bad pixel list\n",
            "962 91 1028350000\n",
            "1285 1067 0   # hot since day one\n",
            "\t 23\t4 1099999999\n",
            "\n",
            "7 8\n",
        );
        let m = parse(text);
        assert_eq!(
            m.entries(),
            &[px(962, 91), px(1285, 1067), px(23, 4), px(7, 8)]
        );
    }

    #[test]
    fn rawtherapee_file_with_offset() {
        let m = parse("4\n10 20\n0 0\n-4 7\n");
        assert_eq!(m.entries(), &[px(14, 24), px(4, 4), px(0, 11)]);
        // Offset applies to every entry form; W/H are unchanged.
        let m = parse("-2 # offset\nrow 5\ncol 6\nrect 10 20 3 4\n1 2 99\n");
        assert_eq!(
            m.entries(),
            &[
                Entry::Row { y: 3 },
                Entry::Column { x: 4 },
                Entry::Rect {
                    x: 8,
                    y: 18,
                    w: 3,
                    h: 4
                },
                px(-1, 0),
            ]
        );
        // Offset after a BOM, with CRLF.
        let m = parse("\u{feff}3\r\n1 1\r\n");
        assert_eq!(m.entries(), &[px(4, 4)]);
    }

    #[test]
    fn rawtherapee_file_without_offset() {
        let m = parse("100 200\n300 400\n");
        assert_eq!(m.entries(), &[px(100, 200), px(300, 400)]);
        // Offset-only file is valid and empty.
        assert!(parse("4\n").is_empty());
    }

    #[test]
    fn single_number_not_on_first_line_is_error() {
        let (line, msg, _) = syntax_err("10 20\n4\n");
        assert_eq!(line, 2);
        assert!(msg.starts_with("/x/cam.map:2: a single number"), "{msg}");
        // A comment on line 1 means line 2 is not the first line.
        let (line, _, _) = syntax_err("# header\n4\n1 2\n");
        assert_eq!(line, 2);
    }

    #[test]
    fn rows_cols_rects_keywords_case_insensitive() {
        let m = parse("row 3\nROW 4\ncol 5\nColumn 6\nCOLUMN 7\nrect 1 2 3 4\nRect -5 -6 1 1\n");
        assert_eq!(
            m.entries(),
            &[
                Entry::Row { y: 3 },
                Entry::Row { y: 4 },
                Entry::Column { x: 5 },
                Entry::Column { x: 6 },
                Entry::Column { x: 7 },
                Entry::Rect {
                    x: 1,
                    y: 2,
                    w: 3,
                    h: 4
                },
                Entry::Rect {
                    x: -5,
                    y: -6,
                    w: 1,
                    h: 1
                },
            ]
        );
    }

    #[test]
    fn comments_anywhere() {
        let m = parse(
            "# full line\n1 2# no space\nrow 9 #trailing\n   # indented\n#\n3 4 5 # ts\n+6 -7\n",
        );
        assert_eq!(
            m.entries(),
            &[px(1, 2), Entry::Row { y: 9 }, px(3, 4), px(6, -7)]
        );
    }

    #[test]
    fn crlf_and_bom() {
        let m = parse("\u{feff}# head\r\n1 2\r\nrow 3\r\n\r\n4 5 6\r\n");
        assert_eq!(m.entries(), &[px(1, 2), Entry::Row { y: 3 }, px(4, 5)]);
        // BOM directly before an entry on line 1.
        assert_eq!(parse("\u{feff}7 8").entries(), &[px(7, 8)]);
    }

    #[test]
    fn empty_and_blank_files() {
        assert!(parse("").is_empty());
        assert!(parse("\n\n   \t\n# c\n").is_empty());
        assert!(parse("\u{feff}").is_empty());
        assert_eq!(parse("").len(), 0);
        assert_eq!(DefectMap::new(), DefectMap::default());
    }

    #[test]
    fn malformed_lines_report_line_and_source() {
        let cases: &[(&str, usize, &str)] = &[
            (
                "1 2\n\n3 4\nabc\n",
                4,
                "/x/cam.map:4: expected 'X Y', 'row Y', 'col X' or 'rect X Y W H', got 'abc'",
            ),
            (
                "pixel 1 2\n",
                1,
                "/x/cam.map:1: expected 'X Y', 'row Y', 'col X' or 'rect X Y W H', got 'pixel 1 2'",
            ),
            ("1 2 3 4\n", 1, "/x/cam.map:1: too many numbers"),
            (
                "1 2\n1 2 3 4 5 6 7 8\n",
                2,
                "/x/cam.map:2: too many numbers",
            ),
            ("1 x\n", 1, "/x/cam.map:1: 'x' is not an integer"),
            ("1.5 2\n", 1, "/x/cam.map:1: '1.5' is not an integer"),
            ("1 2 3.0\n", 1, "/x/cam.map:1: '3.0' is not an integer"),
            (
                "0 99999999999999999999\n",
                1,
                "/x/cam.map:1: number '99999999999999999999' is out of range",
            ),
            ("row\n", 1, "/x/cam.map:1: expected 'row Y', got 'row'"),
            (
                "row 1 2\n",
                1,
                "/x/cam.map:1: expected 'row Y', got 'row 1 2'",
            ),
            ("row y\n", 1, "/x/cam.map:1: 'y' is not an integer"),
            ("col\n", 1, "/x/cam.map:1: expected 'col X', got 'col'"),
            ("column 1 2\n", 1, "/x/cam.map:1: expected 'col X'"),
            (
                "rect 1 2 3\n",
                1,
                "/x/cam.map:1: expected 'rect X Y W H', got 'rect 1 2 3'",
            ),
            (
                "rect 1 2 3 4 5\n",
                1,
                "/x/cam.map:1: expected 'rect X Y W H'",
            ),
            (
                "rect 0 0 0 5\n",
                1,
                "/x/cam.map:1: rect width and height must be at least 1, got 'rect 0 0 0 5'",
            ),
            (
                "rect 0 0 5 -1\n",
                1,
                "/x/cam.map:1: rect width and height must be at least 1",
            ),
            (
                "rect 9223372036854775807 0 2 1\n",
                1,
                "/x/cam.map:1: rect extends past the coordinate range",
            ),
            (
                "rect 0 9223372036854775000 1 10000\n",
                1,
                "/x/cam.map:1: rect extends past the coordinate range",
            ),
            (
                "5\n9223372036854775807 0\n",
                2,
                "/x/cam.map:2: coordinate out of range after adding the file's offset 5",
            ),
            (
                "1\nrect 9223372036854775806 0 2 1\n",
                2,
                "/x/cam.map:2: coordinate out of range",
            ),
            ("\u{feff}ok\r\n", 1, "/x/cam.map:1: expected"),
            (
                "1 2\r\n3 4\r\nrow\t\r\n",
                3,
                "/x/cam.map:3: expected 'row Y', got 'row'",
            ),
        ];
        for &(text, want_line, want_prefix) in cases {
            let (line, msg, _) = syntax_err(text);
            assert_eq!(line, want_line, "{text:?}: {msg}");
            assert!(msg.starts_with(want_prefix), "{text:?}: {msg}");
        }
    }

    #[test]
    fn long_garbage_is_quoted_shortened() {
        let long = "z".repeat(500);
        let (_, msg, _) = syntax_err(&long);
        assert!(msg.len() < 200, "{msg}");
        assert!(msg.ends_with("...'"), "{msg}");
    }

    #[test]
    fn invalid_utf8_is_syntax_error_at_line() {
        let (_dir, path) = temp_path("bad.map");
        fs::write(&path, b"1 2\n3 4 # caf\xe9\n").unwrap();
        match DefectMap::load(&path) {
            Err(MapError::Syntax {
                source,
                line,
                message,
            }) => {
                assert_eq!(source, path.display().to_string());
                assert_eq!(line, 2);
                assert!(message.contains("UTF-8"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_file_is_io_error() {
        let (_dir, path) = temp_path("does-not-exist.map");
        let err = DefectMap::load(&path).unwrap_err();
        assert!(matches!(&err, MapError::Io { path: p, .. } if *p == path.display().to_string()));
        let msg = err.to_string();
        let want = format!("cannot read defect map '{}': ", path.display());
        assert!(msg.starts_with(&want), "{msg}");
        assert!(msg.len() > want.len(), "{msg}");
    }

    #[test]
    fn error_display_formats() {
        let e = MapError::Io {
            path: "/x/cam.map".into(),
            message: "No such file or directory (os error 2)".into(),
        };
        assert_eq!(
            e.to_string(),
            "cannot read defect map '/x/cam.map': No such file or directory (os error 2)"
        );
        let e = MapError::Syntax {
            source: "/x/cam.map".into(),
            line: 12,
            message: "expected 'X Y', 'row Y', 'col X' or 'rect X Y W H', got 'abc'".into(),
        };
        assert_eq!(
            e.to_string(),
            "/x/cam.map:12: expected 'X Y', 'row Y', 'col X' or 'rect X Y W H', got 'abc'"
        );
        let e = MapError::TooLarge {
            source: "/x/cam.map".into(),
            message: "too many".into(),
        };
        assert_eq!(e.to_string(), "/x/cam.map: too many");
        let _: &dyn std::error::Error = &e;
    }

    #[test]
    fn load_reads_file() {
        let (_dir, path) = temp_path("cam.map");
        fs::write(&path, "# cam\n1 2\nrow 3\n").unwrap();
        let m = DefectMap::load(&path).unwrap();
        assert_eq!(m.entries(), &[px(1, 2), Entry::Row { y: 3 }]);
    }

    #[test]
    fn resolve_with_crop_offsets() {
        let m = DefectMap::from_entries(vec![
            px(10, 20), // frame (0, 0)
            px(13, 21), // frame (3, 1)
            px(9, 20),  // left of frame
            px(14, 20), // right of frame (width 4)
            px(10, 23), // below frame (height 3)
        ]);
        let r = m.resolve(4, 3, 10, 20);
        assert_eq!(r.pixels, vec![at(0, 0), at(3, 1)]);
        assert_eq!(r.outside, 3);
        // Negative offset: frame starts left of/above the sensor origin.
        let r = DefectMap::from_entries(vec![px(0, 0)]).resolve(4, 4, -2, -1);
        assert_eq!(r.pixels, vec![at(2, 1)]);
        assert_eq!(r.outside, 0);
    }

    #[test]
    fn resolve_rows_cols_rects_sorted() {
        let m = DefectMap::from_entries(vec![
            Entry::Rect {
                x: 3,
                y: 2,
                w: 2,
                h: 2,
            },
            Entry::Row { y: 1 },
            Entry::Column { x: 0 },
            px(4, 0),
        ]);
        let r = m.resolve(5, 4, 0, 0);
        assert_eq!(
            r.pixels,
            vec![
                at(0, 0),
                at(4, 0),
                at(0, 1),
                at(1, 1),
                at(2, 1),
                at(3, 1),
                at(4, 1),
                at(0, 2),
                at(3, 2),
                at(4, 2),
                at(0, 3),
                at(3, 3),
                at(4, 3),
            ]
        );
        assert_eq!(r.outside, 0);
    }

    #[test]
    fn resolve_counts_outside_entries() {
        let m = DefectMap::from_entries(vec![
            Entry::Row { y: -1 },
            Entry::Row { y: 3 },
            Entry::Column { x: 3 },
            Entry::Column { x: 2 },
            Entry::Rect {
                x: -5,
                y: 0,
                w: 5,
                h: 3,
            }, // ends just left of frame
            Entry::Rect {
                x: -5,
                y: 0,
                w: 6,
                h: 1,
            }, // touches column 0
            Entry::Rect {
                x: 0,
                y: 0,
                w: 0,
                h: 1,
            }, // empty: invalid, covers nothing
            Entry::Rect {
                x: 0,
                y: 0,
                w: 1,
                h: -3,
            }, // invalid
            px(-1, -1),
        ]);
        let r = m.resolve(3, 3, 0, 0);
        assert_eq!(r.pixels, vec![at(0, 0), at(2, 0), at(2, 1), at(2, 2)]);
        assert_eq!(r.outside, 7);
        // An empty frame touches nothing.
        let r = m.resolve(0, 5, 0, 0);
        assert_eq!(
            r,
            Resolved {
                pixels: vec![],
                outside: m.len()
            }
        );
    }

    #[test]
    fn resolve_dedups_duplicates() {
        let m = parse("1 1\n1 1 5\n1 1\nrow 1\ncol 1\nrect 0 0 2 2\n");
        let r = m.resolve(3, 3, 0, 0);
        assert_eq!(
            r.pixels,
            vec![at(0, 0), at(1, 0), at(0, 1), at(1, 1), at(2, 1), at(1, 2)]
        );
        assert_eq!(r.outside, 0);
    }

    #[test]
    fn resolve_clips_huge_rect() {
        let m = DefectMap::from_entries(vec![Entry::Rect {
            x: i64::MIN,
            y: i64::MIN,
            w: i64::MAX,
            h: i64::MAX,
        }]);
        // Covers sensor [MIN, -1) in both axes: the frame at (-3, -3) sees 2×2.
        let r = m.resolve(4, 4, -3, -3);
        assert_eq!(r.pixels, vec![at(0, 0), at(1, 0), at(0, 1), at(1, 1)]);
        assert_eq!(r.outside, 0);
        let m = DefectMap::from_entries(vec![Entry::Rect {
            x: -1_000_000_000_000,
            y: -1_000_000_000_000,
            w: 3_000_000_000_000,
            h: 3_000_000_000_000,
        }]);
        let r = m.resolve(3, 2, 7, 9);
        assert_eq!(
            r.pixels,
            vec![at(0, 0), at(1, 0), at(2, 0), at(0, 1), at(1, 1), at(2, 1)]
        );
    }

    #[test]
    fn resolve_i64_extremes() {
        let m = DefectMap::from_entries(vec![
            px(i64::MAX, i64::MAX),
            px(i64::MIN, i64::MIN),
            Entry::Row { y: i64::MAX },
            Entry::Column { x: i64::MIN },
            Entry::Rect {
                x: i64::MAX,
                y: i64::MAX,
                w: i64::MAX,
                h: i64::MAX,
            },
            Entry::Rect {
                x: i64::MIN,
                y: 0,
                w: i64::MAX,
                h: 1,
            },
        ]);
        for &(ox, oy) in &[
            (0, 0),
            (i64::MAX, i64::MAX),
            (i64::MIN, i64::MIN),
            (i64::MAX, i64::MIN),
        ] {
            let r = m.resolve(100_000, 2, ox, oy);
            assert!(r.pixels.len() <= 200_000);
            let r = m.resolve(2, 2, ox, oy);
            assert!(r.pixels.len() <= 4);
        }
        // Frame at the very end of the i64 range sees the MAX pixel, row and rect.
        let r = m.resolve(2, 2, i64::MAX - 1, i64::MAX - 1);
        assert_eq!(r.pixels, vec![at(0, 1), at(1, 1)]);
        assert_eq!(r.outside, 3);
        let r = m.resolve(2, 2, i64::MIN, i64::MIN);
        assert_eq!(r.pixels, vec![at(0, 0), at(0, 1)]);
        assert_eq!(r.outside, 4);
        // Extremes parse too.
        let m = parse("-9223372036854775808 9223372036854775807\nrow -9223372036854775808\n");
        assert_eq!(
            m.entries(),
            &[px(i64::MIN, i64::MAX), Entry::Row { y: i64::MIN }]
        );
    }

    #[test]
    fn resolve_full_rows_on_wide_frame() {
        // Rows on a frame too large for the bitmap heuristic to matter.
        let m = DefectMap::from_entries(vec![Entry::Row { y: 1 }, px(5, 0)]);
        let r = m.resolve(100_000, 3, 0, 0);
        assert_eq!(r.pixels.len(), 100_001);
        assert_eq!(r.pixels[0], at(5, 0));
        assert_eq!(r.pixels[1], at(0, 1));
        assert_eq!(r.pixels[100_000], at(99_999, 1));
    }

    #[test]
    fn both_strategies_match_brute_force() {
        // Small deterministic pseudo-random maps.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        for round in 0..200 {
            let (w, h) = (1 + next(70) as u32, 1 + next(40) as u32);
            let (ox, oy) = (next(20) as i64 - 10, next(20) as i64 - 10);
            let mut m = DefectMap::new();
            for _ in 0..next(if round % 2 == 0 { 8 } else { 200 }) {
                let c = |v: u64| v as i64 - 15;
                let e = match next(10) {
                    0 => Entry::Row { y: c(next(70)) },
                    1 => Entry::Column { x: c(next(100)) },
                    2 => Entry::Rect {
                        x: c(next(100)),
                        y: c(next(70)),
                        w: next(12) as i64 - 1,
                        h: next(12) as i64 - 1,
                    },
                    _ => px(c(next(100)), c(next(70))),
                };
                m.push(e);
            }
            let want = brute_force(&m, w, h, ox, oy);
            assert_eq!(m.resolve(w, h, ox, oy), want, "round {round}");
            let frame = Frame::new(w, h, ox, oy);
            let spans: Vec<Span> = m
                .entries()
                .iter()
                .filter_map(|e| match frame.clip(e) {
                    Clipped::Span(s) => Some(s),
                    _ => None,
                })
                .collect();
            let words = (u64::from(w) * u64::from(h)).div_ceil(64) as usize;
            assert_eq!(
                collect_bitmap(m.entries(), &frame, &spans, words),
                want.pixels,
                "round {round}"
            );
            assert_eq!(
                collect_sorted(m.entries(), &frame, &spans, 16),
                want.pixels,
                "round {round}"
            );
        }
    }

    #[test]
    fn set_bits_ranges() {
        for start in 0..200u64 {
            for end in start + 1..=192 {
                let mut bits = [0u64; 3];
                set_bits(&mut bits, start, end);
                for i in 0..192u64 {
                    let set = bits[(i / 64) as usize] >> (i % 64) & 1 == 1;
                    assert_eq!(set, i >= start && i < end, "{start}..{end} bit {i}");
                }
            }
        }
    }

    #[test]
    fn many_pixels_resolve() {
        let n = 1_000_000u64;
        let entries: Vec<Entry> = (0..n)
            .map(|i| {
                let k = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
                px((k % 5000) as i64, ((k / 5000) % 4000) as i64)
            })
            .collect();
        let m = DefectMap::from_entries(entries);
        let dense = m.resolve(5000, 4000, 0, 0);
        let sparse = m.resolve(5000, 4_000_000, 0, 0);
        assert_eq!(dense, sparse);
        assert!(dense.pixels.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(dense.outside, 0);
    }

    #[test]
    fn write_parse_round_trip() {
        let m = DefectMap::from_entries(vec![
            px(1, 2),
            px(-3, 4),
            px(i64::MAX, i64::MIN),
            Entry::Row { y: 7 },
            Entry::Column { x: -8 },
            Entry::Rect {
                x: 1,
                y: 2,
                w: 3,
                h: 4,
            },
            Entry::Rect {
                x: i64::MAX,
                y: i64::MIN,
                w: 1,
                h: i64::MAX,
            },
        ]);
        let mut buf = Vec::new();
        m.write_to(&mut buf, "Camera X\n\nfound by defectfix # 2\r\n")
            .unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(
            text.starts_with("# Camera X\n#\n# found by defectfix # 2\n1 2\n-3 4\n"),
            "{text}"
        );
        assert!(text.contains("\nrow 7\ncol -8\nrect 1 2 3 4\n"), "{text}");
        assert_eq!(DefectMap::parse(&text, "rt").unwrap(), m);
        // Empty map, empty header.
        let mut buf = Vec::new();
        DefectMap::new().write_to(&mut buf, "").unwrap();
        assert!(buf.is_empty());
    }

    #[test]
    fn write_rejects_invalid_rect() {
        let m = DefectMap::from_entries(vec![Entry::Rect {
            x: 0,
            y: 0,
            w: 0,
            h: 1,
        }]);
        let err = m.write_to(&mut Vec::new(), "").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn save_load_round_trip_atomic() {
        let (_dir, path) = temp_path("saved.map");
        let mut m = DefectMap::new();
        m.push(px(5, 6));
        m.push(Entry::Rect {
            x: 0,
            y: 1,
            w: 2,
            h: 3,
        });
        m.save(&path, "header").unwrap();
        assert_eq!(DefectMap::load(&path).unwrap(), m);
        // Overwrite existing file.
        m.push(Entry::Row { y: 9 });
        m.save(&path, "").unwrap();
        assert_eq!(DefectMap::load(&path).unwrap(), m);
        // Only the target remains in the directory: no temp files left behind.
        let dir = path.parent().unwrap();
        let names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![OsString::from("saved.map")]);
        // A failing save leaves nothing behind either.
        let bad = DefectMap::from_entries(vec![Entry::Rect {
            x: 0,
            y: 0,
            w: -1,
            h: 1,
        }]);
        assert!(bad.save(&path, "").is_err());
        let names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![OsString::from("saved.map")]);
        assert_eq!(DefectMap::load(&path).unwrap(), m);
    }

    #[test]
    fn too_large_limit() {
        assert_eq!(MAX_ENTRIES, 20_000_000);
        let text = "# c\n1 2\nrow 3\n\n4 5\n";
        assert_eq!(
            parse_bytes_limited(text.as_bytes(), "big.map", 3)
                .unwrap()
                .len(),
            3
        );
        match parse_bytes_limited(text.as_bytes(), "big.map", 2) {
            Err(e @ MapError::TooLarge { .. }) => assert_eq!(
                e.to_string(),
                "big.map: defect map has more than 2 entries (limit exceeded at line 5)"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    #[ignore = "allocates about 1 GB; run with --ignored"]
    fn too_large_file_rejected() {
        let mut text = String::with_capacity(100_000_000);
        for i in 0..=MAX_ENTRIES {
            text.push_str(if i % 2 == 0 { "1 2\n" } else { "row 3\n" });
        }
        match DefectMap::parse(&text, "big.map") {
            Err(MapError::TooLarge { source, message }) => {
                assert_eq!(source, "big.map");
                assert!(message.contains("20000000"), "{message}");
            }
            other => panic!("{:?}", other.map(|m| m.len())),
        }
    }
}
