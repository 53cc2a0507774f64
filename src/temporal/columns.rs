//! Column defects: a whole column of photosites that reads dark, bright or with the
//! wrong gain — a failed column amplifier or readout line of a CMOS sensor.
//!
//! Pixel by pixel a defective column hides from every other test: each of its pixels
//! has two defective same-colour neighbours (above and below), so it is never the
//! extreme of its neighbourhood. As a line it is plain: along the whole column a pixel
//! stands beyond *both* same-colour neighbours of its row (`x ± pitch`), always on the
//! same side. A scene's texture does that on a few rows of a column at most; a straight
//! vertical line of the scene can do it along a column, but a lens spreads such a line
//! into the adjacent columns (of the other colours), which then stand out the same way
//! from the columns beyond them — a failed column leaves its neighbours alone.
//!
//! Each *line* — a column's pixels of one colour, i.e. of one row parity on a Bayer
//! sensor — is judged on about `JUDGED_ROWS` (64) of its rows, every frame. A frame votes
//! for a defect when, of the rows that can show one, at least `DEFECT_SHARE` (80 %) stand
//! beyond both neighbours on the same side and few of those look like a lens's spread;
//! it votes against when at most `GOOD_SHARE` (40 %) do. A *faint* line — a dead column
//! under a night sky a few σ over black, where too few rows can show it beyond the
//! margin — votes for a defect too when more than half of *all* the judged rows stand
//! beyond both neighbours by `FAINT_SIGMAS` (2 σ) on the same side, and few of those
//! look like a lens's spread: noise gives a good line that on about 1 % of its rows,
//! and a scene only along a vertical line as tall as half the frame. `CONFIRM_VOTES` (4)
//! votes net, each frame that cannot tell taking one back until then, confirm a line,
//! and every pixel of it is repaired from then on (from its neighbours along the row); a
//! confirmed line whose votes fall to 0 is released.
//!
//! On a processed picture (the luma of YUV video) demosaicing has spread a defective
//! column into the columns beside it just as a lens spreads a line of the scene, so the
//! lens test cannot tell them apart there and is left out
//! ([`ColumnEvidence::for_processed_picture`]); the engine judges such a picture's lines
//! only at the frames where the picture has moved across the columns (a line of the
//! scene has left its column by then, a defective column has not), a frame that cannot
//! tell does not take a vote back, and `CONFIRM_VOTES_MOVED` (3) votes confirm.
//!
//! A processed picture also carries lines that no sensor made: a divider, a box's
//! border, composited over the picture after the camera and fixed to the frame as a
//! defective column is. Demosaicing gives a defective column two marks they lack: it
//! spreads into the columns beside it (each carries at least an eighth of the line's
//! deviation, `DEMOSAIC_SHARE`), and it carries the scene's change as the picture moves
//! (its pixels' other colours come from the columns beside it). A frame where most of
//! the rows beyond both neighbours leave a column beside untouched
//! ([`LineCounts::unspread`]), or a line that, over the frames judged, kept its value on
//! most rows where the scene moved under it (`Follow`), is a graphic: its votes are
//! cleared and it is never confirmed.

use super::{LearnUpdate, carries_demosaic_share};
use crate::detect::{LENS_SHARE, NoiseModel};
use crate::exec::run_bands;
use crate::frame::{Cfa, Position};

/// Rows of a line judged per frame: about this many, evenly spread (all of them on
/// frames with fewer); enough for the shares below to be steady, few enough that the
/// test costs a small fraction of a pass over the frame.
const JUDGED_ROWS: usize = 64;
/// Least difference from both row neighbours, in noise σ of a difference of a pixel
/// and the mean of two others (√1.5 σ), for a row to count as beyond them.
const MARGIN_SIGMAS: f64 = 3.0;
/// Share of the judged rows beyond both neighbours on one side for a frame to vote for
/// a defect. A good column in textured scenes reaches a fraction of it (local extremes
/// of texture are rare along a whole column, and beyond a 3 σ margin rarer still).
const DEFECT_SHARE: f64 = 0.8;
/// Share at or below which a frame votes against a defect.
const GOOD_SHARE: f64 = 0.4;
/// Share of the rows beyond their neighbours whose adjacent columns rise (or fall) the
/// same way, from which the line is a lens-spread line of the scene.
const LENS_ROWS_SHARE: f64 = 0.3;
/// Least difference from both row neighbours, in the noise σ of a pixel less the mean of
/// two (as `MARGIN_SIGMAS`), that more than half of all the judged rows of a faint line
/// show: noise alone gives it a good line on about 1 % of its rows; a dead column 3 σ
/// below a dark sky shows it on three rows in four.
const FAINT_SIGMAS: f64 = 2.0;
/// Least rows that can show a defect for a frame to vote at all (and at least an
/// eighth of the judged rows).
const MIN_ROWS: u32 = 16;
/// A line's own pixel did not follow the scene on a row when it changed by at most
/// 1 / this of the least change of its two row neighbours. Demosaicing fills a
/// defective column's other colours from the columns beside it, so its processed
/// pixels change with the scene beside it; what was composited over the picture
/// changes by nothing, or by the codec's noise.
const UNFOLLOWED_SHARE: i32 = 8;
/// Least rows where the scene moved under a line (beside it, by the margin), over the
/// frames judged, to say whether the line follows the scene…
const MIN_MOVED_ROWS: u32 = 8;
/// …counted over about this many such rows (the sums are halved beyond it, so that a
/// line that starts to follow the scene is judged again)…
const FOLLOW_WINDOW: u32 = 256;
/// …and share of those where it did not, from which the line was composited over the
/// picture and is never a defect.
const COMPOSITED_SHARE: f64 = 0.75;
/// Net votes that confirm a line; votes are capped at twice as many.
const CONFIRM_VOTES: u8 = 4;
/// The same where every judged frame has moved the picture across the columns by a
/// pixel (a processed picture's lines, without the lens test): three such frames in a
/// row leave a line of the scene no way to stay on one column but to move with the
/// sensor. (Measured: three rather than four confirm the dead column earlier on every
/// path and no other line; EVALUATION.md.)
const CONFIRM_VOTES_MOVED: u8 = 3;

/// One line's counts in one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineCounts {
    /// Rows judged.
    pub rows: u32,
    /// Rows that could show a dark defect (their neighbours stand above the frame's
    /// floor by twice the margin) and that could show a bright one (below the clip
    /// level by it).
    pub can_dark: u32,
    pub can_bright: u32,
    /// Rows beyond both neighbours, below and above.
    pub dark: u32,
    pub bright: u32,
    /// Of those, rows whose adjacent columns stand beyond their own outer neighbours the
    /// same way (a lens's spread).
    pub dark_lens: u32,
    pub bright_lens: u32,
    /// Rows whose neighbours lie within `FAINT_SIGMAS` of each other (the scene is
    /// flat there, at the noise's scale) and that stand beyond both by as much, below
    /// and above…
    pub faint_dark: u32,
    pub faint_bright: u32,
    /// …and of those, rows whose adjacent columns deviate the same way by at least
    /// `LENS_SHARE` of it (no margin: at a few σ a lens's spread is within the noise
    /// row by row, and shows in the share).
    pub faint_dark_lens: u32,
    pub faint_bright_lens: u32,
    /// Of the rows beyond both neighbours (strictly or faintly), those where both
    /// neighbours changed by the margin since the last judged frame (the scene moved
    /// under the line)…
    pub moved: u32,
    /// …and of those, rows where the line's own pixel changed by at most
    /// 1/`UNFOLLOWED_SHARE` of the least of the two: it did not carry the scene's change.
    /// Counted only when the last judged frame's rows are given (a processed picture).
    pub unfollowed: u32,
    /// Rows beyond both neighbours (strictly) where a column beside the line does not
    /// carry `DEMOSAIC_SHARE` of its deviation (against the column beyond it, less
    /// the margin): demosaicing spreads a defective column into both columns beside it
    /// (a processed picture's lines).
    pub unspread: u32,
}

/// What one frame says of a line, on one side (dark or bright).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineVote {
    /// Beyond its row neighbours along the line, and not as a lens spreads a line.
    Defect,
    /// Rarely beyond them.
    Good,
    /// The frame cannot tell: too few rows could show it, or the share is in between.
    Unknown,
}

/// Whether a line follows the scene: its [`LineCounts::moved`] and
/// [`LineCounts::unfollowed`] rows added up over the frames judged (halved whenever
/// the rows where the scene moved pass `FOLLOW_WINDOW`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Follow {
    moved: u32,
    unfollowed: u32,
}

impl Follow {
    /// Adds one frame's counts (the sums halved beyond `FOLLOW_WINDOW` rows where the
    /// scene moved) and says whether the line is now [`Follow::composited`].
    fn add(&mut self, n: &LineCounts) -> bool {
        self.moved += n.moved;
        self.unfollowed += n.unfollowed;
        if self.moved > FOLLOW_WINDOW {
            self.moved /= 2;
            self.unfollowed /= 2;
        }
        self.composited()
    }

    /// Whether the line was drawn over the picture after the camera (a divider, a box's
    /// border): along the rows where the scene moved under it, it kept its values. A
    /// processed picture's defective column carries the scene's change, since
    /// demosaicing fills its pixels' other colours from the columns beside it.
    fn composited(&self) -> bool {
        self.moved >= MIN_MOVED_ROWS
            && f64::from(self.unfollowed) >= COMPOSITED_SHARE * f64::from(self.moved)
    }
}

impl LineCounts {
    /// Whether, on a processed picture, the line left the columns beside it untouched on
    /// most of the rows where it stands beyond them: it was never demosaiced, so it
    /// was composited over the picture after the camera (a divider one pixel wide).
    pub fn unspread(&self) -> bool {
        let beyond = self.dark + self.bright;
        beyond >= MIN_ROWS.max(self.rows / 8)
            && f64::from(self.unspread) >= COMPOSITED_SHARE * f64::from(beyond)
    }

    /// The frame's votes on the dark and the bright side; with `lens_test`, rows whose
    /// adjacent columns follow the line (a lens's spread) hold a vote for a defect back.
    pub fn votes(&self, lens_test: bool) -> [LineVote; 2] {
        let least = MIN_ROWS.max(self.rows / 8);
        let judge = |beyond: u32, lens: u32, can: u32| {
            if can < least {
                return LineVote::Unknown;
            }
            let share = f64::from(beyond) / f64::from(can);
            let optical = lens_test && f64::from(lens) > LENS_ROWS_SHARE * f64::from(beyond);
            if share >= DEFECT_SHARE && !optical {
                LineVote::Defect
            } else if share <= GOOD_SHARE {
                LineVote::Good
            } else {
                LineVote::Unknown
            }
        };
        // A faint line: beyond both neighbours on smooth rows that make more than half
        // of all its rows (a scene would need a line as tall as half the frame).
        let faint = |beyond: u32, lens: u32| {
            self.rows >= least
                && 2 * beyond > self.rows
                && (!lens_test || f64::from(lens) <= LENS_ROWS_SHARE * f64::from(beyond))
        };
        let vote = |strict: LineVote, beyond: u32, lens: u32| {
            if strict != LineVote::Defect && faint(beyond, lens) {
                LineVote::Defect
            } else {
                strict
            }
        };
        [
            vote(
                judge(self.dark, self.dark_lens, self.can_dark),
                self.faint_dark,
                self.faint_dark_lens,
            ),
            vote(
                judge(self.bright, self.bright_lens, self.can_bright),
                self.faint_bright,
                self.faint_bright_lens,
            ),
        ]
    }
}

/// What the counting of one frame reads besides its samples.
#[derive(Clone, Copy, Debug)]
pub struct Levels<'a> {
    pub noise: &'a NoiseModel,
    /// The lowest level a pixel reads (black, or the frame's least value).
    pub floor: u16,
    /// The highest.
    pub clip: u16,
}

/// Adds row `y` of a frame of pattern `cfa` (its samples `row`; `prev` the same row of
/// the last judged frame, for [`LineCounts::moved`]) to the counts of the lines of
/// columns `x0..x0 + counts.len()` (`counts[x - x0]`: each column's line of this row's
/// parity). Columns must be at least 3 from either edge.
pub fn count_row(
    (row, prev): (&[u16], Option<&[u16]>),
    cfa: Cfa,
    y: usize,
    x0: usize,
    counts: &mut [LineCounts],
    levels: &Levels<'_>,
    full: &mut Vec<bool>,
) {
    let pitch = cfa.pitch();
    // Squared margin per unit of σ²: MARGIN_SIGMAS σ of a pixel less the mean of two.
    let k2 = MARGIN_SIGMAS * MARGIN_SIGMAS * 1.5;
    let k2_faint = FAINT_SIGMAS * FAINT_SIGMAS * 1.5;
    let (floor, clip) = (i32::from(levels.floor), i32::from(levels.clip));
    let noise = levels.noise;
    let planes = [cfa.plane_index(0, y), cfa.plane_index(1, y)];
    let coef = planes.map(|p| (noise.a[p], noise.b[p]));
    let read = |x: usize| i32::from(row[x]);
    // `d` beyond `margin2` (a squared margin), without a square root.
    let beyond = |d: i32, margin2: f64| d > 0 && f64::from(d) * f64::from(d) >= margin2;
    // The least distance beyond `margin2` (at least 1; the test is monotonic in the
    // distance).
    let least_beyond = |margin2: f64| {
        let mut d = margin2.sqrt().floor().min(f64::from(i32::MAX)) as i32;
        while d > 1 && beyond(d - 1, margin2) {
            d -= 1;
        }
        while d < i32::MAX && !beyond(d, margin2) {
            d += 1;
        }
        d.max(1)
    };
    // Per colour, the least distance beyond `k` σ² at any level (the model's largest σ²
    // between black and the clip level: the test is monotonic in σ²).
    let beyond_anywhere =
        |k: f64| coef.map(|(a, b)| least_beyond(k * a.max(a + b * f64::from(clip)).max(0.0)));
    // Beyond twice the margin; and too far apart for a smooth row.
    let far = beyond_anywhere(4.0 * k2);
    let rough = beyond_anywhere(k2_faint);
    // Per colour, the least distance beyond `k` σ² at some level (the model's smallest
    // σ² between the floor and the clip level): nearer than that, beyond at none.
    let beyond_somewhere = |k: f64| {
        coef.map(|(a, b)| {
            let narrow = (a + b * f64::from(floor)).min(a + b * f64::from(clip));
            least_beyond(k * narrow.max(0.0))
        })
    };
    // (The faint margin is the narrower one.) The same bounds for both colours of a
    // row, the more cautious of the two.
    let near = beyond_somewhere(k2_faint.min(k2));
    let (near, far) = (near[0].min(near[1]), far[0].max(far[1]));
    let row = &row[x0 - pitch..x0 + counts.len() + pitch];
    // Most pixels lie within the narrowest margin of their neighbours, far from the
    // floor and the clip level: then they are beyond neither neighbour (faint or not)
    // and can show a defect on both sides, whatever the noise at their level. Which
    // pixels need the full test is decided first, in a pass the compiler vectorises.
    let len = counts.len();
    full.clear();
    full.extend(
        row[..len]
            .iter()
            .zip(&row[pitch..pitch + len])
            .zip(&row[2 * pitch..2 * pitch + len])
            .map(|((&l, &c), &r)| {
                let (l, c, r) = (i32::from(l), i32::from(c), i32::from(r));
                let (lo, hi) = (l.min(r), l.max(r));
                lo - c >= near || c - hi >= near || lo - floor < far || clip - hi < far
            }),
    );
    for (i, ((n, w), &full)) in counts
        .iter_mut()
        .zip(row.windows(2 * pitch + 1))
        .zip(full.iter())
        .enumerate()
    {
        n.rows += 1;
        if !full {
            n.can_dark += 1;
            n.can_bright += 1;
            continue;
        }
        let x = x0 + i;
        let (l, c, r) = (
            i32::from(w[0]),
            i32::from(w[pitch]),
            i32::from(w[2 * pitch]),
        );
        let (lo, hi) = (l.min(r), l.max(r));
        let (a, b) = coef[x & 1];
        let margin2 = k2 * (a + b * f64::from((l + r) / 2)).max(0.0);
        let can_dark = beyond(lo - floor, 4.0 * margin2);
        let can_bright = beyond(clip - hi, 4.0 * margin2);
        let dark = can_dark && beyond(lo - c, margin2);
        let bright = can_bright && beyond(c - hi, margin2);
        n.can_dark += u32::from(can_dark);
        n.can_bright += u32::from(can_bright);
        n.dark += u32::from(dark);
        n.bright += u32::from(bright);
        // Whether the scene moved under the line here, and whether the line followed.
        let follows = |n: &mut LineCounts| {
            let Some(prev) = prev else {
                return;
            };
            let (dl, dr, own) = (
                (l - i32::from(prev[x - pitch])).abs(),
                (r - i32::from(prev[x + pitch])).abs(),
                (c - i32::from(prev[x])).abs(),
            );
            let least = dl.min(dr);
            if beyond(least, margin2) {
                n.moved += 1;
                n.unfollowed += u32::from(UNFOLLOWED_SHARE * own <= least);
            }
        };
        if dark || bright {
            follows(n);
            // Whether both columns beside it carry a demosaiced share of its deviation.
            let sign = if dark { -1 } else { 1 };
            let margin = margin2.sqrt() as f32;
            let carries = |adjacent: usize, out: usize| {
                let (a, o) = (read(adjacent), read(out));
                carries_demosaic_share((sign * (a - o)) as f32, (sign * (c - o)) as f32, margin)
            };
            n.unspread += u32::from(!(carries(x - 1, x - 2) && carries(x + 1, x + 2)));
        }
        // The lens tests read the adjacent columns (the other colours) against the
        // columns beyond them, turned to the side of the line's pixel (`sign`), and ask
        // whether both moved by `LENS_SHARE` of its deviation `dev`.
        let adjacent = |sign: i32| {
            (
                sign * (read(x - 1) - read(x - 3)),
                sign * (read(x + 1) - read(x + 3)),
            )
        };
        let follow = |(a, b): (i32, i32), dev: i32| {
            let least = (LENS_SHARE * f64::from(dev)).ceil() as i32;
            a >= least && b >= least
        };
        if dark || bright {
            // Beyond the margin too.
            let lens = |sign: i32, dev: i32| {
                let (a, b) = adjacent(sign);
                beyond(a, margin2) && beyond(b, margin2) && follow((a, b), dev)
            };
            n.dark_lens += u32::from(dark && lens(-1, (l + r) / 2 - c));
            n.bright_lens += u32::from(bright && lens(1, c - (l + r) / 2));
        }
        // The faint test, on smooth rows (both neighbours within `FAINT_SIGMAS` σ of each
        // other): beyond both by as much.
        if hi - lo >= rough[x & 1] {
            continue;
        }
        let (a, b) = coef[x & 1];
        let margin2_faint = k2_faint * (a + b * f64::from((l + r) / 2)).max(0.0);
        if beyond(hi - lo, margin2_faint) {
            continue;
        }
        let (faint_dark, faint_bright) =
            (beyond(lo - c, margin2_faint), beyond(c - hi, margin2_faint));
        if (faint_dark || faint_bright) && !(dark || bright) {
            follows(n);
        }
        if faint_dark || faint_bright {
            let (sign, dev) = if faint_dark {
                (-1, (l + r) / 2 - c)
            } else {
                (1, c - (l + r) / 2)
            };
            let spread = follow(adjacent(sign), dev);
            n.faint_dark += u32::from(faint_dark);
            n.faint_bright += u32::from(faint_bright);
            n.faint_dark_lens += u32::from(faint_dark && spread);
            n.faint_bright_lens += u32::from(faint_bright && spread);
        }
    }
}

/// Rows between the judged rows of a line (a multiple of the pattern's pitch, so a
/// line keeps its colour).
fn judged_step(pitch: usize, height: usize) -> usize {
    pitch * (height / pitch / JUDGED_ROWS).max(1)
}

/// One line: a column's pixels of one row parity (the same colour on a Bayer sensor).
/// Ordered by column, then parity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ColumnLine {
    /// Column.
    pub x: u32,
    /// Row parity: the line's rows are `parity`, `parity + pitch`, … (0 for a
    /// monochrome sensor's column).
    pub parity: u32,
}

/// Columns per band of the parallel pass.
const BAND_COLUMNS: usize = 512;

/// The lines of a run of columns: their votes, and this frame's counts.
#[derive(Debug, Default)]
struct ColumnBand {
    x0: usize,
    x1: usize,
    /// Per column, per row parity: net votes (dark, bright) and whether confirmed.
    votes: Vec<[u8; 2]>,
    confirmed: Vec<bool>,
    /// Per line, whether it follows the scene (processed pictures).
    follow: Vec<Follow>,
    counts: Vec<LineCounts>,
    /// Which pixels of the row in hand need the full test ([`count_row`]).
    full: Vec<bool>,
    /// Lines of the band confirmed and released by the last frame.
    update: LearnUpdate,
}

/// The evidence of every line of a frame: votes per line, and the confirmed lines.
#[derive(Debug)]
pub struct ColumnEvidence {
    cfa: Cfa,
    width: usize,
    height: usize,
    bands: Vec<ColumnBand>,
    /// Confirmed lines, ascending.
    lines: Vec<ColumnLine>,
    /// The judged rows of the frame in hand, and of the last frame judged (a processed
    /// picture's lines are asked whether they follow the scene from one to the other).
    rows: Vec<u16>,
    prev_rows: Vec<u16>,
    /// The lines of a processed picture, judged only at frames where the picture has
    /// moved across the columns: no lens test (demosaicing spreads a defective column as
    /// a lens spreads a line of the scene; the motion tells them apart), a frame that
    /// cannot tell takes no vote back, and `CONFIRM_VOTES_MOVED` votes confirm.
    processed: bool,
}

impl ColumnEvidence {
    pub fn new(cfa: Cfa, width: usize, height: usize) -> Self {
        let pitch = cfa.pitch();
        // The lens test reads 3 columns out: lines 3..width − 3.
        let (first, end) = (3.min(width), width.saturating_sub(3).max(3.min(width)));
        let bands = (first..end)
            .step_by(BAND_COLUMNS)
            .map(|x0| {
                let x1 = (x0 + BAND_COLUMNS).min(end);
                let lines = (x1 - x0) * pitch;
                ColumnBand {
                    x0,
                    x1,
                    votes: vec![[0; 2]; lines],
                    confirmed: vec![false; lines],
                    follow: vec![Follow::default(); lines],
                    counts: vec![LineCounts::default(); lines],
                    full: Vec::with_capacity(x1 - x0),
                    update: LearnUpdate::default(),
                }
            })
            .collect();
        ColumnEvidence {
            cfa,
            width,
            height,
            bands,
            lines: Vec::new(),
            rows: Vec::new(),
            prev_rows: Vec::new(),
            processed: false,
        }
    }

    /// The same for a processed picture's lines (see the field `processed`); the
    /// caller judges it only at frames where the picture has moved across the columns.
    pub fn for_processed_picture(self) -> Self {
        ColumnEvidence {
            processed: true,
            ..self
        }
    }

    /// Confirmed lines, ascending (by column, then row parity).
    pub fn lines(&self) -> &[ColumnLine] {
        &self.lines
    }

    /// Judges every line of one frame (`read` its samples, `noise` its model, `clip`
    /// its highest level; its lowest is the least value on the judged rows of the first
    /// row parity, which a dead photosite or a shadow brings down to black), in bands of columns on up to
    /// `threads` workers. Returns the lines confirmed and released.
    pub fn observe(
        &mut self,
        read: &(impl Fn(usize, usize) -> u16 + Sync),
        noise: &NoiseModel,
        clip: u16,
        threads: usize,
    ) -> LearnUpdate {
        let (pitch, cfa, height) = (self.cfa.pitch(), self.cfa, self.height);
        if self.width < 7 || height < pitch {
            return LearnUpdate::default();
        }
        let step = judged_step(pitch, height);
        let width = self.width;
        // The judged rows of every parity, read once (`width` samples each, parity by
        // parity, top to bottom).
        let judged = move |parity: usize| (parity..height).step_by(step);
        self.rows.clear();
        for y in (0..pitch).flat_map(judged) {
            self.rows.extend((0..width).map(|x| read(x, y)));
        }
        // The floor from the first parity's rows.
        let first = judged(0).count() * width;
        let floor = self.rows[..first].iter().copied().min().unwrap_or(0);
        let levels = Levels { noise, floor, clip };
        let rows = &self.rows;
        let processed = self.processed;
        let prev = (processed && self.prev_rows.len() == rows.len()).then_some(&self.prev_rows);
        run_bands(&mut self.bands, threads, |b| {
            b.counts.fill(LineCounts::default());
            let columns = b.x1 - b.x0;
            let mut at = 0;
            for parity in 0..pitch {
                let counts = &mut b.counts[parity * columns..][..columns];
                for y in judged(parity) {
                    count_row(
                        (&rows[at..][..width], prev.map(|p| &p[at..][..width])),
                        cfa,
                        y,
                        b.x0,
                        counts,
                        &levels,
                        &mut b.full,
                    );
                    at += width;
                }
            }
            b.update = LearnUpdate::default();
            for (i, n) in b.counts.iter().enumerate() {
                let votes = &mut b.votes[i];
                let confirmed = b.confirmed[i];
                if processed && (b.follow[i].add(n) || n.unspread()) {
                    // Drawn over the picture: never a defect while it stays so.
                    *votes = [0; 2];
                    if confirmed {
                        b.update.forgotten += 1;
                    }
                    b.confirmed[i] = false;
                    continue;
                }
                for (side, vote) in n.votes(!processed).into_iter().enumerate() {
                    let v = &mut votes[side];
                    match vote {
                        LineVote::Defect => *v = (*v + 1).min(2 * CONFIRM_VOTES),
                        LineVote::Good => *v = v.saturating_sub(2),
                        // Until confirmed, the votes must come in a row: a line of the
                        // scene passing over the column lasts a frame or two (not so
                        // where the frames judged are those the picture moved in).
                        LineVote::Unknown if !confirmed && !processed => *v = v.saturating_sub(1),
                        LineVote::Unknown => {}
                    }
                }
                let most = votes[0].max(votes[1]);
                let now = if confirmed {
                    most > 0
                } else {
                    most >= if processed {
                        CONFIRM_VOTES_MOVED
                    } else {
                        CONFIRM_VOTES
                    }
                };
                match (confirmed, now) {
                    (false, true) => b.update.promoted += 1,
                    (true, false) => b.update.forgotten += 1,
                    _ => {}
                }
                b.confirmed[i] = now;
            }
        });
        std::mem::swap(&mut self.rows, &mut self.prev_rows);
        let mut update = LearnUpdate::default();
        for b in &self.bands {
            update.promoted += b.update.promoted;
            update.forgotten += b.update.forgotten;
        }
        if !update.changed() {
            return update;
        }
        self.lines.clear();
        for b in &self.bands {
            let columns = b.x1 - b.x0;
            for (i, _) in b.confirmed.iter().enumerate().filter(|(_, on)| **on) {
                let (parity, x) = (i / columns, b.x0 + i % columns);
                self.lines.push(ColumnLine {
                    x: x as u32,
                    parity: parity as u32,
                });
            }
        }
        self.lines.sort_unstable();
        update
    }

    /// The pixels of `line`, top to bottom.
    pub fn line_pixels(&self, line: ColumnLine) -> impl Iterator<Item = Position> {
        (line.parity as usize..self.height)
            .step_by(self.cfa.pitch())
            .map(move |y| Position::new(line.x, y as u32))
    }

    /// The pixels of the confirmed lines, appended to `out` (unordered).
    pub fn pixels(&self, out: &mut Vec<Position>) {
        for &line in &self.lines {
            out.extend(self.line_pixels(line));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::temporal::DEMOSAIC_SHARE;

    /// The counts of line (`x`, `parity`) of a frame `height` rows high, with noise of
    /// 2 DN, levels from 0 to `clip`.
    fn count_line(
        read: &impl Fn(usize, usize) -> u16,
        cfa: Cfa,
        (x, parity): (usize, usize),
        height: usize,
        clip: u16,
    ) -> LineCounts {
        let noise = NoiseModel::flat(2.0);
        let levels = Levels {
            noise: &noise,
            floor: 0,
            clip,
        };
        let mut n = [LineCounts::default()];
        for y in (parity..height).step_by(judged_step(cfa.pitch(), height)) {
            let row: Vec<u16> = (0..x + 4).map(|x| read(x, y)).collect();
            count_row((&row, None), cfa, y, x, &mut n, &levels, &mut Vec::new());
        }
        n[0]
    }

    /// The counts of line `x` of a processed picture (one line per column), `height`
    /// rows high, σ 2 DN, with `prev` the last judged frame.
    fn count_processed(
        read: &impl Fn(usize, usize) -> u16,
        prev: &impl Fn(usize, usize) -> u16,
        x: usize,
        height: usize,
    ) -> LineCounts {
        let noise = NoiseModel::flat(2.0);
        let levels = Levels {
            noise: &noise,
            floor: 0,
            clip: 255,
        };
        let mut n = [LineCounts::default()];
        for y in (0..height).step_by(judged_step(1, height)) {
            let row: Vec<u16> = (0..x + 4).map(|x| read(x, y)).collect();
            let before: Vec<u16> = (0..x + 4).map(|x| prev(x, y)).collect();
            let mut full = Vec::new();
            count_row(
                (&row, Some(&before)),
                Cfa::Mono,
                y,
                x,
                &mut n,
                &levels,
                &mut full,
            );
        }
        n[0]
    }

    #[test]
    fn a_line_composited_over_a_processed_picture_is_told_from_a_demosaiced_column() {
        // A processed picture's texture (±24 DN about 120), moved by a pixel between
        // the last judged frame and this one.
        let picture = |x: usize, y: usize| (120 + 24 * ((x * 5 + y * 7) % 3) as i32 - 24) as u16;
        let moved = |x: usize, y: usize| picture(x + 1, y);
        let line = 20;
        // A divider one pixel wide, white, over the picture: beyond both neighbours on
        // every row, the columns beside it untouched, its value the same in both frames.
        fn divider(f: impl Fn(usize, usize) -> u16, line: usize) -> impl Fn(usize, usize) -> u16 {
            move |x, y| if x == line { 235 } else { f(x, y) }
        }
        let n = count_processed(&divider(picture, line), &divider(moved, line), line, 128);
        assert_eq!((n.bright, n.unspread), (n.rows, n.rows), "{n:?}");
        assert!(n.unspread(), "{n:?}");
        assert!(n.moved >= n.rows / 2 && n.unfollowed == n.moved, "{n:?}");
        // A defective column through a demosaic: its pixels at a third of the scene,
        // the columns beside it half way there; it follows the scene as it moves.
        fn dead(f: impl Fn(usize, usize) -> u16, line: usize) -> impl Fn(usize, usize) -> u16 {
            move |x, y| match x.abs_diff(line) {
                0 => f(x, y) / 3,
                1 => (f(x, y) + f(line, y) / 3) / 2,
                _ => f(x, y),
            }
        }
        let n = count_processed(&dead(picture, line), &dead(moved, line), line, 128);
        assert_eq!(n.dark, n.rows, "{n:?}");
        assert_eq!((n.unspread, n.unfollowed), (0, 0), "{n:?}");
        assert!(!n.unspread(), "{n:?}");
        assert!(n.moved > 0, "{n:?}");
    }

    /// A textured Bayer-like scene: smooth gradients plus fine texture of ±`texture`.
    fn scene(x: usize, y: usize, texture: i32) -> u16 {
        let base = 300 + (x as i32 * 3 + y as i32 * 2) % 400;
        let fine = ((x * 7919 + y * 104729) % 17) as i32 - 8;
        (base + fine * texture / 8).clamp(0, 4095) as u16
    }

    #[test]
    fn a_dead_column_votes_dark_a_textured_scene_good() {
        let (w, h) = (64, 256);
        let dead = 21;
        let read = |x: usize, y: usize| if x == dead { 0 } else { scene(x, y, 40) };
        for x in 3..w - 3 {
            for parity in 0..2 {
                let n = count_line(&read, Cfa::Rggb, (x, parity), h, 4095);
                let [dark, bright] = n.votes(true);
                if x == dead {
                    assert_eq!(dark, LineVote::Defect, "column {x} parity {parity}: {n:?}");
                } else {
                    // Beside the dead column only one side can be judged.
                    assert_ne!(dark, LineVote::Defect, "column {x} parity {parity}: {n:?}");
                    if x.abs_diff(dead) != 2 {
                        assert_eq!(dark, LineVote::Good, "column {x} parity {parity}: {n:?}");
                    }
                }
                assert_ne!(
                    bright,
                    LineVote::Defect,
                    "column {x} parity {parity}: {n:?}"
                );
            }
        }
    }

    #[test]
    fn a_bright_column_votes_bright_and_a_lens_spread_line_does_not() {
        let h = 256;
        // A column 150 DN brighter than the scene.
        let read = |x: usize, y: usize| scene(x, y, 20) + if x == 30 { 150 } else { 0 };
        let n = count_line(&read, Cfa::Grbg, (30, 1), h, 4095);
        assert_eq!(n.votes(true)[1], LineVote::Defect, "{n:?}");
        // A bright vertical line of the scene, spread by the lens over the adjacent
        // columns (40 % of its light) and a little beyond (5 %).
        let spread = |x: usize| match x.abs_diff(30) {
            0 => 150,
            1 => 60,
            2 => 8,
            _ => 0,
        };
        let read = |x: usize, y: usize| scene(x, y, 20) + spread(x);
        let n = count_line(&read, Cfa::Grbg, (30, 1), h, 4095);
        assert_ne!(n.votes(true)[1], LineVote::Defect, "{n:?}");
    }

    /// Noise of about 2.2 DN at (`x`, `y`), the same on every call.
    fn noise_at(x: usize, y: usize) -> i32 {
        let mut rng = crate::sim::SplitMix64::new((y * 4096 + x) as u64);
        (0..4).map(|_| rng.below(4) as i32).sum::<i32>() - 6
    }

    #[test]
    fn a_faint_dead_column_under_a_dark_sky_votes_dark_and_faint_lines_of_the_scene_do_not() {
        // A sky 8 DN (4 σ) over black at 10 DN, a dead column reading black: too faint
        // for the margin on most rows, plain on most of them.
        let (w, h) = (48, 256);
        let sky = |x: usize, y: usize| (18 + noise_at(x, y)) as u16;
        let dead = 21;
        let read = |x: usize, y: usize| {
            if x == dead {
                (10 + noise_at(x, y)) as u16
            } else {
                sky(x, y)
            }
        };
        for x in 3..w - 3 {
            let n = count_line(&read, Cfa::Rggb, (x, 0), h, 4095);
            let [dark, bright] = n.votes(true);
            if x == dead {
                assert_eq!(dark, LineVote::Defect, "{n:?}");
                // The margin alone would not tell.
                assert!(5 * n.dark < 4 * n.can_dark, "{n:?}");
            } else {
                assert_ne!(dark, LineVote::Defect, "column {x}: {n:?}");
            }
            assert_ne!(bright, LineVote::Defect, "column {x}: {n:?}");
        }
        // A faint dark line of the scene as deep, spread by the lens over the adjacent
        // columns: not a defect.
        let spread = |x: usize| match x.abs_diff(30) {
            0 => 8,
            1 => 3,
            _ => 0,
        };
        let read = |x: usize, y: usize| sky(x, y) - spread(x);
        let n = count_line(&read, Cfa::Rggb, (30, 0), h, 4095);
        assert_ne!(n.votes(true)[0], LineVote::Defect, "{n:?}");
        // As deep, but only along the top third of the frame, where the sky is; below
        // it, texture (a faint line of the scene, not a defect's).
        let read = |x: usize, y: usize| match (x == dead, y < h / 3) {
            (true, true) => (10 + noise_at(x, y)) as u16,
            (false, true) => sky(x, y),
            (_, false) => scene(x, y, 40),
        };
        let n = count_line(&read, Cfa::Rggb, (dead, 0), h, 4095);
        assert_ne!(n.votes(true)[0], LineVote::Defect, "{n:?}");
    }

    #[test]
    fn a_dark_frame_cannot_tell_and_votes_nothing() {
        let read = |x: usize, _y: usize| if x == 20 { 0 } else { 3 };
        let n = count_line(&read, Cfa::Mono, (20, 0), 256, 255);
        assert_eq!(n.votes(true)[0], LineVote::Unknown, "{n:?}");
    }

    /// One pixel's counts as the rules define them, computed in full for every pixel
    /// (`prev` the same row of the last judged frame).
    fn reference(
        row: &[u16],
        prev: Option<&[u16]>,
        x: usize,
        pitch: usize,
        coef: (f64, f64),
        levels: &Levels<'_>,
    ) -> LineCounts {
        let k2 = MARGIN_SIGMAS * MARGIN_SIGMAS * 1.5;
        let at = |x: usize| i32::from(row[x]);
        let (l, c, r) = (at(x - pitch), at(x), at(x + pitch));
        let (lo, hi) = (l.min(r), l.max(r));
        let margin2 = k2 * (coef.0 + coef.1 * f64::from((l + r) / 2)).max(0.0);
        let beyond = |d: i32, m: f64| d > 0 && f64::from(d) * f64::from(d) >= m;
        let lens = |sign: i32, dev: i32| {
            let least = (LENS_SHARE * f64::from(dev)).ceil() as i32;
            let (a, b) = (
                sign * (at(x - 1) - at(x - 3)),
                sign * (at(x + 1) - at(x + 3)),
            );
            beyond(a, margin2) && beyond(b, margin2) && a >= least && b >= least
        };
        let can_dark = beyond(lo - i32::from(levels.floor), 4.0 * margin2);
        let can_bright = beyond(i32::from(levels.clip) - hi, 4.0 * margin2);
        let dark = can_dark && beyond(lo - c, margin2);
        let bright = can_bright && beyond(c - hi, margin2);
        // Faint: beyond both neighbours by FAINT_SIGMAS σ, and the adjacent columns
        // deviating the same way by LENS_SHARE of the deviation from their mean.
        let margin2_faint =
            FAINT_SIGMAS * FAINT_SIGMAS * 1.5 * (coef.0 + coef.1 * f64::from((l + r) / 2)).max(0.0);
        let smooth = !beyond(hi - lo, margin2_faint);
        let faint_dark = smooth && beyond(lo - c, margin2_faint);
        let faint_bright = smooth && beyond(c - hi, margin2_faint);
        let spread = |sign: i32, dev: i32| {
            let least = (LENS_SHARE * f64::from(dev)).ceil() as i32;
            sign * (at(x - 1) - at(x - 3)) >= least && sign * (at(x + 1) - at(x + 3)) >= least
        };
        // The scene moved under the line where both neighbours changed by the margin;
        // the line followed unless it changed by at most an eighth of the lesser.
        let (moved, unfollowed) = match prev {
            Some(p) if dark || bright || faint_dark || faint_bright => {
                let was = |x: usize| i32::from(p[x]);
                let least = (l - was(x - pitch)).abs().min((r - was(x + pitch)).abs());
                let own = (c - was(x)).abs();
                let moved = beyond(least, margin2);
                (moved, moved && UNFOLLOWED_SHARE * own <= least)
            }
            _ => (false, false),
        };
        // Demosaiced: both columns beside the line carry an eighth of its deviation
        // against the columns beyond them, less the margin.
        let carries = |sign: i32, adjacent: usize, out: usize| {
            (sign * (at(adjacent) - at(out))) as f32
                >= DEMOSAIC_SHARE * (sign * (c - at(out))) as f32 - margin2.sqrt() as f32
        };
        let unspread = (dark || bright) && {
            let sign = if dark { -1 } else { 1 };
            !(carries(sign, x - 1, x - 2) && carries(sign, x + 1, x + 2))
        };
        LineCounts {
            moved: u32::from(moved),
            unfollowed: u32::from(unfollowed),
            unspread: u32::from(unspread),
            rows: 1,
            can_dark: u32::from(can_dark),
            can_bright: u32::from(can_bright),
            dark: u32::from(dark),
            bright: u32::from(bright),
            dark_lens: u32::from(dark && lens(-1, (l + r) / 2 - c)),
            bright_lens: u32::from(bright && lens(1, c - (l + r) / 2)),
            faint_dark: u32::from(faint_dark),
            faint_bright: u32::from(faint_bright),
            faint_dark_lens: u32::from(faint_dark && spread(-1, (l + r) / 2 - c)),
            faint_bright_lens: u32::from(faint_bright && spread(1, c - (l + r) / 2)),
        }
    }

    #[test]
    fn a_row_counts_as_the_full_test_of_every_pixel_would() {
        let mut rng = crate::sim::SplitMix64::new(9);
        let width = 600;
        // Noise models rising and falling with the level, flat, and near zero.
        let models = [
            (4.0, 0.5),
            (900.0, -0.2),
            (2.0, 0.0),
            (0.0, 0.0),
            (30.0, 2.0),
        ];
        for (a, b) in models {
            let noise = NoiseModel {
                a: [a; 4],
                b: [b; 4],
                clip: u16::MAX,
                peak: u16::MAX,
            };
            for (floor, clip) in [(0, 4095), (180, 3000), (0, 65535)] {
                let levels = Levels {
                    noise: &noise,
                    floor,
                    clip,
                };
                for spread in [3, 60, 2000] {
                    let base = u64::from(floor) + rng.below(600);
                    let row: Vec<u16> = (0..width)
                        .map(|_| (base + rng.below(spread)).min(u64::from(clip)) as u16)
                        .collect();
                    // The row of the last judged frame: the same, half of it changed.
                    let prev: Vec<u16> = row
                        .iter()
                        .map(|&v| if rng.below(2) == 0 { v } else { v / 2 })
                        .collect();
                    for (cfa, prev) in [
                        (Cfa::Rggb, None),
                        (Cfa::Mono, None),
                        (Cfa::Mono, Some(&prev[..])),
                    ] {
                        let pitch = cfa.pitch();
                        let (x0, n) = (3, width - 6);
                        let mut counts = vec![LineCounts::default(); n];
                        count_row(
                            (&row, prev),
                            cfa,
                            0,
                            x0,
                            &mut counts,
                            &levels,
                            &mut Vec::new(),
                        );
                        for (i, got) in counts.iter().enumerate() {
                            let want = reference(&row, prev, x0 + i, pitch, (a, b), &levels);
                            assert_eq!(*got, want, "x {} ({a}, {b}), spread {spread}", x0 + i);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn four_frames_confirm_a_line_and_good_frames_release_it() {
        let (w, h) = (40, 128);
        let noise = NoiseModel::flat(2.0);
        let mut e = ColumnEvidence::new(Cfa::Rggb, w, h);
        let dead = |x: usize, y: usize| {
            if x == 12 && y % 2 == 1 {
                0
            } else {
                scene(x, y, 30)
            }
        };
        for frame in 1..=4 {
            let changed = e.observe(&dead, &noise, 4095, 2).changed();
            assert_eq!(changed, frame == 4, "frame {frame}");
        }
        assert_eq!(e.lines(), [ColumnLine { x: 12, parity: 1 }]);
        let mut pixels = Vec::new();
        e.pixels(&mut pixels);
        assert_eq!(pixels.len(), h / 2);
        assert!(pixels.iter().all(|p| p.x == 12 && p.y % 2 == 1));
        // Healthy again (repaired upstream): released after a few good frames.
        let healthy = |x: usize, y: usize| scene(x, y, 30);
        let released = (0..8).position(|_| e.observe(&healthy, &noise, 4095, 2).changed());
        assert!(released.is_some());
        assert!(e.lines().is_empty());
    }
}
