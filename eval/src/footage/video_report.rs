//! The tables `make footage-video` prints: a line per sequence and format, then pooled
//! rows (format × path × gain, and wider pools), and the targets against them.

use std::fmt::Write as _;

use super::defects::CATEGORIES;
use super::score::{FALSE_FROM, RECALL_FROM};
use super::video::{Breakdown, Codec, NO_DEFECT, STRENGTHS, VideoResult};
use crate::video::VideoFrameScore;

/// Scores pooled over frames and sequences.
#[derive(Clone, Debug, PartialEq)]
pub struct VideoPool {
    pub sequences: usize,
    pub frames: usize,
    /// From frame [`RECALL_FROM`] on: visible spots, those quartered, those brought
    /// under the 5 % line.
    pub late_frames: usize,
    pub visible: u64,
    pub quartered: u64,
    pub under_line: u64,
    /// On the last frame of each sequence: visible spots and those quartered.
    pub last_visible: u64,
    pub last_quartered: u64,
    /// Largest false changes per MP from frame [`FALSE_FROM`] on, and over every frame.
    pub worst_false: f64,
    pub worst_false_any: f64,
    /// Frames whose PSNR is below the input's, and not above it.
    pub below_input: usize,
    pub not_above_input: usize,
    /// Smallest PSNR gain of any frame, dB.
    pub min_gain: f64,
    /// PSNR sums over every frame.
    pub psnr_in: f64,
    pub psnr_out: f64,
    /// Coded bit rates (Mbit/s) and codec PSNR (dB): sums over the sequences that were
    /// coded, and how many were.
    pub mbps: f64,
    pub codec_psnr: f64,
    pub coded: usize,
    /// The sequences' breakdowns merged.
    pub breakdown: Breakdown,
}

impl Default for VideoPool {
    fn default() -> Self {
        VideoPool {
            sequences: 0,
            frames: 0,
            late_frames: 0,
            visible: 0,
            quartered: 0,
            under_line: 0,
            last_visible: 0,
            last_quartered: 0,
            worst_false: 0.0,
            worst_false_any: 0.0,
            below_input: 0,
            not_above_input: 0,
            min_gain: f64::INFINITY,
            psnr_in: 0.0,
            psnr_out: 0.0,
            mbps: 0.0,
            codec_psnr: 0.0,
            coded: 0,
            breakdown: Breakdown::default(),
        }
    }
}

impl VideoPool {
    /// Adds frame `frame` (1-based) of a sequence.
    pub fn add(&mut self, frame: usize, s: &VideoFrameScore) {
        self.frames += 1;
        if frame >= RECALL_FROM {
            self.late_frames += 1;
            self.visible += s.visible as u64;
            self.quartered += s.quartered as u64;
            self.under_line += s.corrected as u64;
        }
        if frame >= FALSE_FROM {
            self.worst_false = self.worst_false.max(s.false_per_mp());
        }
        self.worst_false_any = self.worst_false_any.max(s.false_per_mp());
        if s.psnr_out < s.psnr_in {
            self.below_input += 1;
        }
        if s.psnr_out <= s.psnr_in {
            self.not_above_input += 1;
        }
        // Identical frames (both infinite) gain nothing and lose nothing.
        let gain = if s.psnr_out == s.psnr_in {
            0.0
        } else {
            s.psnr_out - s.psnr_in
        };
        self.min_gain = self.min_gain.min(gain);
        self.psnr_in += s.psnr_in.min(PSNR_CAP);
        self.psnr_out += s.psnr_out.min(PSNR_CAP);
    }

    /// Adds a whole sequence.
    pub fn add_result(&mut self, r: &VideoResult) {
        self.sequences += 1;
        for (i, s) in r.frames.iter().enumerate() {
            self.add(i + 1, s);
        }
        if let Some(last) = r.frames.last() {
            self.last_visible += last.visible as u64;
            self.last_quartered += last.quartered as u64;
        }
        self.breakdown.merge(&r.breakdown);
        if let Some(c) = r.coding {
            self.mbps += c.mbps;
            self.codec_psnr += c.psnr;
            self.coded += 1;
        }
    }

    /// Share of the visible spots quartered from frame 10 (None when none was visible).
    pub fn recall(&self) -> Option<f64> {
        ratio(self.quartered, self.visible)
    }

    /// Share brought under the 5 % line from frame 10.
    pub fn under_line_recall(&self) -> Option<f64> {
        ratio(self.under_line, self.visible)
    }

    /// Share quartered on the last frames.
    pub fn last_recall(&self) -> Option<f64> {
        ratio(self.last_quartered, self.last_visible)
    }

    /// Mean bit rate (Mbit/s) and codec PSNR (dB) of the coded sequences, as a cell.
    pub fn coding(&self) -> String {
        if self.coded == 0 {
            return "-".to_string();
        }
        let n = self.coded as f64;
        format!("{:.1} ({:.1})", self.mbps / n, self.codec_psnr / n)
    }

    /// Mean PSNR of the input and of the output (identical frames count as 99 dB).
    pub fn mean_psnr(&self) -> (f64, f64) {
        let n = self.frames.max(1) as f64;
        (self.psnr_in / n, self.psnr_out / n)
    }

    /// Mean visible spots per frame from frame 10.
    pub fn visible_per_frame(&self) -> f64 {
        self.visible as f64 / self.late_frames.max(1) as f64
    }
}

/// PSNR of identical frames in the means.
const PSNR_CAP: f64 = 99.0;

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn percent(r: Option<f64>) -> String {
    match r {
        None => "-".to_string(),
        Some(r) if r >= 1.0 => "100".to_string(),
        Some(r) => format!("{:.1}", 100.0 * r),
    }
}

/// The label of a result's delivery: format, and codec / interlacing where used.
pub fn delivery_of(r: &VideoResult) -> String {
    let mut s = r.format.clone();
    if r.codec != Codec::None {
        s = format!("{s}+{}", r.codec.name());
    }
    if r.interlaced {
        s.push_str(" int");
    }
    s
}

/// The codec of a result, and `interlaced` where it is: the deliveries the targets
/// are held to separately.
pub fn codec_of(r: &VideoResult) -> String {
    format!(
        "{}{}",
        r.codec.name(),
        if r.interlaced { " interlaced" } else { "" }
    )
}

/// Header of the per-sequence lines.
pub fn sequence_header() -> String {
    format!(
        "{:<10} {:<8} {:<4} {:<16} {:>7} {:>6} {:>6} {:>9} {:>13} {:>7} {:>9} {:>13} {:>12}",
        "scene",
        "path",
        "gain",
        "format",
        "size",
        "vis/fr",
        "cor10+",
        "last",
        "false/MP (fr)",
        "<5%10+",
        "PSNR<in",
        "PSNR in→out",
        "Mbit/s (dB)"
    )
}

/// One sequence's line: visible spots per frame from frame 10, share quartered from
/// frame 10 and on the last frame, worst false changes from frame 5 (and its frame),
/// share under the 5 % line, frames below the input's PSNR, mean PSNR, bit rate.
pub fn sequence_line(r: &VideoResult) -> String {
    let mut p = VideoPool::default();
    p.add_result(r);
    let worst = r
        .frames
        .iter()
        .enumerate()
        .skip(FALSE_FROM - 1)
        .max_by(|a, b| a.1.false_per_mp().total_cmp(&b.1.false_per_mp()))
        .map_or(0, |(i, _)| i + 1);
    let last = r.frames.last().copied().unwrap_or_default();
    let (i, o) = p.mean_psnr();
    format!(
        "{:<10} {:<8} {:<4} {:<16} {:>7} {:>6.1} {:>6} {:>9} {:>13} {:>7} {:>9} {:>13} {:>12}",
        r.scene,
        r.path.name(),
        r.gain.name,
        delivery_of(r),
        format!("{}x{}", r.width, r.height),
        p.visible_per_frame(),
        percent(p.recall()),
        format!("{}/{}", last.quartered, last.visible),
        format!("{:.1} ({worst})", p.worst_false),
        percent(p.under_line_recall()),
        format!("{}/{}", p.below_input, p.frames),
        format!("{i:.2}→{o:.2}"),
        p.coding(),
    )
}

/// Header of the pooled rows.
pub fn pool_header() -> String {
    format!(
        "{:<34} {:>4} {:>7} {:>7} {:>7} {:>9} {:>9} {:>8} {:>9} {:>13} {:>12}",
        "pool",
        "seqs",
        "cor10+",
        "last",
        "<5%10+",
        "false5+",
        "false1+",
        "PSNR<in",
        "min gain",
        "PSNR in→out",
        "Mbit/s (dB)"
    )
}

/// One pooled row.
pub fn pool_row(label: &str, p: &VideoPool) -> String {
    let (i, o) = p.mean_psnr();
    format!(
        "{:<34} {:>4} {:>7} {:>7} {:>7} {:>9.1} {:>9.1} {:>8} {:>9.2} {:>13} {:>12}",
        label,
        p.sequences,
        percent(p.recall()),
        percent(p.last_recall()),
        percent(p.under_line_recall()),
        p.worst_false,
        p.worst_false_any,
        format!("{}/{}", p.below_input, p.frames),
        p.min_gain,
        format!("{i:.2}→{o:.2}"),
        p.coding(),
    )
}

/// Pools `results` by `key` (in the order keys first appear).
pub fn pools<'a>(
    results: impl IntoIterator<Item = &'a VideoResult>,
    key: impl Fn(&VideoResult) -> String,
) -> Vec<(String, VideoPool)> {
    let mut groups: Vec<(String, VideoPool)> = Vec::new();
    for r in results {
        let k = key(r);
        match groups.iter_mut().find(|g| g.0 == k) {
            Some(g) => g.1.add_result(r),
            None => {
                let mut p = VideoPool::default();
                p.add_result(r);
                groups.push((k, p));
            }
        }
    }
    groups
}

/// The pooled tables: format × path × gain (natural scenes), then by format, by path,
/// by gain, every natural scene, the star fields, and everything.
pub fn pooled(results: &[VideoResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Pooled: cor10+ = visible spots whose error is at least quartered, frames {RECALL_FROM}+; \
         last = the same on the last frame; <5%10+ = visible spots with no sample off by more than 5 % \
         after, frames {RECALL_FROM}+; false5+ / false1+ = worst false changes per MP in a frame from \
         frame {FALSE_FROM} / from frame 1; PSNR<in = frames below the input's PSNR; min gain = \
         smallest PSNR gain of a frame (dB); mean PSNR; mean coded bit rate \
         (and mean PSNR of the decoded clean sequence against the clean sequence before the encoder)."
    );
    let natural: Vec<&VideoResult> = results.iter().filter(|r| !r.stars).collect();
    let stars: Vec<&VideoResult> = results.iter().filter(|r| r.stars).collect();
    let mut section = |title: &str, rows: Vec<(String, VideoPool)>| {
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(out, "\n{title}");
        let _ = writeln!(out, "{}", pool_header());
        for (label, p) in rows {
            let _ = writeln!(out, "{}", pool_row(&label, &p));
        }
    };
    section(
        "Natural scenes, format × path × gain:",
        pools(natural.iter().copied(), |r| {
            format!("{} {} {}", delivery_of(r), r.path.name(), r.gain.name)
        }),
    );
    section(
        "Natural scenes, format × path:",
        pools(natural.iter().copied(), |r| {
            format!("{} {}", delivery_of(r), r.path.name())
        }),
    );
    section(
        "Natural scenes, by path, by gain, by scene, moving paths, all:",
        [
            pools(natural.iter().copied(), |r| {
                format!("path {}", r.path.name())
            }),
            pools(natural.iter().copied(), |r| format!("gain {}", r.gain.name)),
            pools(natural.iter().copied(), |r| format!("scene {}", r.scene)),
            pools(natural.iter().copied(), |r| {
                format!("format {}", delivery_of(r))
            }),
            pools(natural.iter().copied().filter(|r| r.path.moves()), |_| {
                "moving (pan, handheld, drift)".to_string()
            }),
            pools(natural.iter().copied(), |_| "natural all".to_string()),
        ]
        .concat(),
    );
    section(
        "Star fields:",
        [
            pools(stars.iter().copied(), |r| {
                format!(
                    "{} {} {} {}",
                    r.scene,
                    delivery_of(r),
                    r.path.name(),
                    r.gain.name
                )
            }),
            pools(stars.iter().copied(), |_| "stars all".to_string()),
        ]
        .concat(),
    );
    out
}

/// Header of the breakdown rows.
pub fn breakdown_header() -> String {
    let mut h = format!("{:<34}", "pool");
    for c in CATEGORIES.iter().chain(&["none"]) {
        let _ = write!(h, " {c:>12}");
    }
    h.push_str("  false near/away  worst away/MP");
    h
}

/// A table cell: the share of `visible` spots `quartered`, and their count (`-` when
/// there are none).
fn corrected_cell(quartered: u64, visible: u64) -> String {
    match ratio(quartered, visible) {
        None => "-".to_string(),
        r => format!("{} ({visible})", percent(r)),
    }
}

/// One breakdown row: per defect category (and spots near no defect) the share of
/// visible spots corrected from frame 10 with their count; false changes from frame 5
/// next to a defect and away from all, and the worst frame's away per MP.
pub fn breakdown_row(label: &str, p: &VideoPool) -> String {
    let b = &p.breakdown;
    let mut row = format!("{label:<34}");
    for c in 0..=NO_DEFECT {
        let _ = write!(row, " {:>12}", corrected_cell(b.quartered[c], b.visible[c]));
    }
    let _ = write!(
        row,
        "  {:>15}  {:>13.1}",
        format!("{}/{}", b.false_near, b.false_away),
        b.worst_away
    );
    row
}

/// Which spots defeat the element, and where its false changes lie: the breakdown by
/// delivery and path (natural scenes) and for the star fields.
pub fn breakdown(results: &[VideoResult]) -> String {
    let mut out = format!(
        "Which defects the visible spots came from (the defect nearest the spot's worst pixel; \
         none: no defect within 2 px): % corrected from frame {RECALL_FROM} (visible spot-frames); \
         false changes from frame {FALSE_FROM} within 3 px of a defect / farther; the most farther \
         ones in a frame, per MP.\n"
    );
    out.push_str(&breakdown_header());
    out.push('\n');
    let natural = results.iter().filter(|r| !r.stars);
    for (label, p) in pools(natural, |r| {
        format!("natural {} {}", codec_of(r), r.path.name())
    }) {
        let _ = writeln!(out, "{}", breakdown_row(&label, &p));
    }
    for (label, p) in pools(results.iter().filter(|r| r.stars), |r| {
        format!("{} {} {}", r.scene, codec_of(r), r.path.name())
    }) {
        let _ = writeln!(out, "{}", breakdown_row(&label, &p));
    }
    out
}

/// The breakdown by strength: per pool, the share of visible spots quartered from
/// frame 10 by their largest error before the element, in multiples of the visibility
/// line (faint spots ask for an estimate within a quarter of a small error).
pub fn strengths(results: &[VideoResult]) -> String {
    let mut out = format!(
        "By strength (largest error before the element, × the visibility line of 5 % of the \
         range): % of visible spots corrected from frame {RECALL_FROM} (spot-frames).\n"
    );
    let _ = write!(out, "{:<34}", "pool");
    let mut low = 1.0;
    for &k in &STRENGTHS {
        let label = if k.is_finite() {
            format!("{low}-{k}×")
        } else {
            format!(">{low}×")
        };
        low = k;
        let _ = write!(out, " {label:>14}");
    }
    out.push('\n');
    let rows = [
        pools(results.iter().filter(|r| !r.stars), |r| {
            format!("natural {} {}", codec_of(r), r.path.name())
        }),
        pools(results.iter().filter(|r| r.stars), |r| {
            format!("{} {}", r.scene, codec_of(r))
        }),
    ]
    .concat();
    for (label, p) in rows {
        let b = &p.breakdown;
        let _ = write!(out, "{label:<34}");
        for k in 0..STRENGTHS.len() {
            let cell = corrected_cell(b.quartered_by_strength[k], b.visible_by_strength[k]);
            let _ = write!(out, " {cell:>14}");
        }
        out.push('\n');
    }
    out
}

/// Where the protocol stands against the targets, per delivery (codec, and
/// interlacing): moving paths from frame 10 ≥ 97 % of visible spots corrected (95 %
/// compressed), ≥ 99 % on the last frame (uncompressed), ≤ 5 false changes per MP in
/// every frame of every path, PSNR never below the input.
pub fn targets(results: &[VideoResult]) -> String {
    let mut out = String::from("Against the targets:\n");
    for (delivery, _) in pools(results.iter(), codec_of) {
        let group: Vec<&VideoResult> = results.iter().filter(|r| codec_of(r) == delivery).collect();
        let compressed = group.iter().any(|r| r.codec != Codec::None);
        let floor = if compressed { 0.95 } else { 0.97 };
        let moving: Vec<&VideoResult> = group
            .iter()
            .copied()
            .filter(|r| r.path.moves() && !r.stars)
            .collect();
        let per_seq = pools(moving.iter().copied(), |r| {
            format!(
                "{} {} {} {}",
                r.scene,
                r.path.name(),
                r.gain.name,
                delivery_of(r)
            )
        });
        let below_floor = per_seq
            .iter()
            .filter(|(_, p)| p.recall().is_some_and(|r| r < floor))
            .count();
        let mut all = VideoPool::default();
        group.iter().for_each(|r| all.add_result(r));
        let over_false = group
            .iter()
            .filter(|r| r.frames.iter().any(|s| s.false_per_mp() > 5.0))
            .count();
        let below_input = group
            .iter()
            .filter(|r| r.frames.iter().any(|s| s.psnr_out < s.psnr_in))
            .count();
        let _ = writeln!(out, "  codec {delivery}:");
        if let Some((_, p)) = pools(moving.iter().copied(), |_| String::new()).first() {
            let _ = writeln!(
                out,
                "    moving paths, frames {RECALL_FROM}+: {} % of visible spots corrected (target ≥ {:.0} %), \
                 {below_floor} of {} sequences below it; last frame {} %{}",
                percent(p.recall()),
                100.0 * floor,
                per_seq.len(),
                percent(p.last_recall()),
                if compressed { "" } else { " (target ≥ 99 %)" },
            );
        }
        let _ = writeln!(
            out,
            "    false changes: {over_false} of {} sequences have a frame above 5 per MP \
             (worst {:.1} from frame {FALSE_FROM}, {:.1} over all frames; target ≤ 5 in every frame)",
            group.len(),
            all.worst_false,
            all.worst_false_any,
        );
        let _ = writeln!(
            out,
            "    PSNR: {} of {} frames below the input's, in {below_input} of {} sequences (target: none)",
            all.below_input,
            all.frames,
            group.len(),
        );
    }
    out
}

/// With graphics burned in (`--overlay`): how many of the graphic's pixel-frames the
/// element changed, by path (the star fields apart), and in how many frames.
pub fn overlay(results: &[VideoResult]) -> String {
    let key = |r: &VideoResult| {
        if r.stars {
            "star fields".to_string()
        } else {
            format!("path {}", r.path.name())
        }
    };
    let mut keys: Vec<String> = Vec::new();
    for r in results {
        if !keys.contains(&key(r)) {
            keys.push(key(r));
        }
    }
    let mut out = String::from(
        "Graphics burned in after the camera (station bug, box border, divider): \
         pixel-frames of the graphic changed / all; frames with any change / all\n",
    );
    for name in keys {
        let group = results.iter().filter(|r| key(r) == name);
        let (mut changed, mut total, mut frames, mut all) = (0, 0, 0, 0);
        for r in group {
            changed += r.overlay_changed;
            total += super::overlay::pixels(r.width, r.height).len() * r.frames.len();
            frames += r.overlay_frames;
            all += r.frames.len();
        }
        let _ = writeln!(
            out,
            "  {name:<16} {changed:>8} / {total:<9} {frames:>6} / {all}"
        );
    }
    out
}
