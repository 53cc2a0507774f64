//! The report as one self-contained HTML page: pictures embedded as PNG `data:` URIs,
//! marks and numbers drawn in SVG over the thumbnail, no script, no font or anything
//! else fetched, and a print stylesheet (each error's card stays on one page).

use std::fmt::Write as _;

use super::json::{PixelError, Report};
use super::{Collector, Crops, ZOOM};
use crate::frame::Position;

/// Rows of the paint-out list on the page (the JSON and the map hold every error).
const LIST_ROWS: usize = 5000;

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  margin: 24px auto; max-width: 1200px; padding: 0 16px; color: #1b1b1b; background: #f4f4f1; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
.sub { color: #555; margin: 0 0 16px; overflow-wrap: anywhere; }
.note { background: #fff3cd; border: 1px solid #d9a400; padding: 8px 12px; border-radius: 4px; }
.verdict { font-size: 16px; font-weight: 600; margin: 8px 0 16px; }
.top { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
.top > section { flex: 1 1 300px; }
.top > figure { flex: 2 1 520px; }
figure { margin: 0; }
figcaption { color: #555; font-size: 12px; margin-top: 4px; line-height: 1.3; }
table { border-collapse: collapse; }
.facts th { text-align: left; font-weight: 600; padding: 2px 14px 2px 0; vertical-align: top; white-space: nowrap; }
.facts td { padding: 2px 0; }
.badge { display: inline-block; padding: 0 8px; border-radius: 9px; font-weight: 600; font-size: 12px; }
.severe { background: #c62828; color: #fff; }
.moderate { background: #f29100; color: #111; }
.minor { background: #b0b0b0; color: #111; }
.badge, .frame svg, .px { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.frame { position: relative; display: block; line-height: 0; background: #000; }
.frame img { display: block; width: 100%; height: auto; }
.frame svg { position: absolute; left: 0; top: 0; width: 100%; height: 100%; overflow: visible; }
.frame text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; font-weight: 700;
  paint-order: stroke; stroke: #000; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid #d6d6d0; border-radius: 6px; padding: 10px 12px; break-inside: avoid; }
.card header { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; flex-wrap: wrap; }
.card .num { font-weight: 700; font-size: 16px; }
.card .reason { color: #333; }
.crops { display: flex; gap: 10px; margin-bottom: 8px; }
.crop { position: relative; line-height: 0; width: 128px; height: 128px; background: #000; }
.crop img { width: 100%; height: 100%; image-rendering: pixelated; }
.px { position: absolute; border: 2px solid #00e5ff; }
.list th, .list td { padding: 2px 10px 2px 0; text-align: left; border-bottom: 1px solid #e2e2dc; font-variant-numeric: tabular-nums; }
.list td.n { text-align: right; }
footer { margin: 24px 0; color: #777; font-size: 12px; }
@media print {
  body { background: #fff; margin: 0; max-width: none; padding: 0; font-size: 11px; }
  .card { border-color: #999; }
  .cards { grid-template-columns: repeat(2, 1fr); }
  h2 { break-after: avoid; }
  .list tr { break-inside: avoid; }
  @page { margin: 12mm; }
}
"#;

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 with padding.
fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A PNG `data:` URI of `image`.
fn png_uri(image: &super::render::Image) -> String {
    format!("data:image/png;base64,{}", base64(&image.png()))
}

/// Colour of a severity's marks on the thumbnail.
fn mark_colour(severity: &str) -> &'static str {
    match severity {
        "severe" => "#ff3b30",
        "moderate" => "#ffb300",
        _ => "#e0e0e0",
    }
}

/// The page of `report`, with the pictures of `c`.
pub fn page(report: &Report, c: &Collector) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let s = &report.stream;
    let title = report
        .source
        .as_deref()
        .map(source_name)
        .unwrap_or_else(|| format!("{} {}x{}", s.format, s.width, s.height));
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <link rel=\"icon\" href=\"data:,\">\n<title>Pixel error QC: {}</title>\n<style>{STYLE}</style>\n\
         </head>\n<body>\n<h1>Pixel error QC: {}</h1>\n",
        esc(&title),
        esc(&title)
    );
    if let Some(src) = &report.source {
        let _ = writeln!(h, "<p class=\"sub\">{}</p>", esc(src));
    }
    if !report.complete {
        h.push_str(
            "<p class=\"note\">Incomplete: the check was stopped before the end of the \
             stream. This report covers the frames checked until then.</p>\n",
        );
    }
    let n = &report.counts;
    let verdict = if n.errors == 0 {
        "No pixel errors found.".to_string()
    } else {
        format!(
            "{} pixel error{} found: {} severe, {} moderate, {} minor.",
            n.errors,
            if n.errors == 1 { "" } else { "s" },
            n.severe,
            n.moderate,
            n.minor
        )
    };
    let _ = writeln!(h, "<p class=\"verdict\">{}</p>", esc(&verdict));

    // Summary and thumbnail.
    h.push_str("<div class=\"top\">\n<section>\n<table class=\"facts\">\n");
    let mut fact = |k: &str, v: String| {
        let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(&v));
    };
    fact(
        "Picture",
        format!("{}x{}, {} ({})", s.width, s.height, s.format, s.media),
    );
    fact(
        "Frame rate",
        match (&s.framerate, s.fps) {
            (Some(r), Some(fps)) => format!("{fps} fps ({r})"),
            _ => "variable".to_string(),
        },
    );
    fact("Frames checked", s.frames.to_string());
    if let (Some(first), Some(last)) = (&s.first, &s.last) {
        fact(
            "From / to",
            format!("{} – {}", first.timecode, last.timecode),
        );
    }
    if let (Some(d), Some(secs)) = (&s.duration, s.duration_seconds) {
        fact("Duration", format!("{d} ({secs:.2} s)"));
    }
    fact(
        "Errors",
        format!(
            "{} severe, {} moderate, {} minor",
            n.severe, n.moderate, n.minor
        ),
    );
    fact(
        "Persistent",
        format!(
            "{} of {} (seen in at least half the frames)",
            n.persistent, n.errors
        ),
    );
    fact(
        "Origin",
        format!(
            "{} from the defect map, {} found in the picture",
            n.from_map, n.found
        ),
    );
    fact(
        "Mode",
        if report.mode == "correct" {
            "correct: the element repaired the errors".to_string()
        } else {
            "detect: nothing was changed; “repaired” pictures show the repair it would make"
                .to_string()
        },
    );
    if let Some(map) = &report.defect_map {
        fact("Paint-out map", map.clone());
    }
    if n.not_followed > 0 {
        fact(
            "Not followed",
            format!(
                "{} sightings beyond {} errors",
                n.not_followed,
                super::MAX_ERRORS
            ),
        );
    }
    h.push_str("</table>\n</section>\n");
    thumbnail(&mut h, report, c);
    h.push_str("</div>\n");

    // One card per pictured error, most severe first.
    let pictured: Vec<(&PixelError, &Crops)> = report
        .errors
        .iter()
        .filter_map(|e| {
            c.records
                .get(&Position::new(e.x, e.y))
                .and_then(|r| r.crops.as_ref())
                .map(|crops| (e, crops))
        })
        .collect();
    if !pictured.is_empty() {
        let _ = writeln!(
            h,
            "<h2>Errors, most severe first</h2>\n<p class=\"sub\">Each crop is {0}x{0} frame \
             pixels enlarged x{ZOOM}, at the frame where the error is most visible; the \
             error is outlined.{1}</p>\n<div class=\"cards\">",
            super::CROP,
            if pictured.len() < report.errors.len() {
                format!(
                    " The {} most severe errors are pictured; all are in the list below.",
                    pictured.len()
                )
            } else {
                String::new()
            }
        );
        let repaired = if report.mode == "correct" {
            "Repaired"
        } else {
            "Repair (would be)"
        };
        for (e, crops) in pictured {
            card(&mut h, e, crops, repaired);
        }
        h.push_str("</div>\n");
    }

    // The list for the paint-out artist.
    if !report.errors.is_empty() {
        h.push_str(
            "<h2>Paint-out list</h2>\n<table class=\"list\">\n<thead><tr><th>#</th><th>x</th>\
             <th>y</th><th>First seen</th><th>Last seen</th><th>Frames</th><th>Severity</th>\
             <th>Reason</th><th>Origin</th></tr></thead>\n<tbody>\n",
        );
        for e in report.errors.iter().take(LIST_ROWS) {
            let _ = writeln!(
                h,
                "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td>{} ({})</td><td>{} ({})</td><td class=\"n\">{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td></tr>",
                e.id,
                e.x,
                e.y,
                esc(&e.first.timecode),
                e.first.frame,
                esc(&e.last.timecode),
                e.last.frame,
                e.frames_seen,
                esc(&e.severity),
                esc(&e.reason),
                esc(&e.origin)
            );
        }
        h.push_str("</tbody>\n</table>\n");
        if report.errors.len() > LIST_ROWS {
            let _ = writeln!(
                h,
                "<p class=\"sub\">{} more errors are in the JSON report and the defect map.</p>",
                report.errors.len() - LIST_ROWS
            );
        }
    }
    let _ = writeln!(
        h,
        "<footer>defectfix {} QC report, schema {}.</footer>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION"),
        esc(&report.schema)
    );
    h
}

/// The last part of a path or URI.
fn source_name(src: &str) -> String {
    src.rsplit(['/', '\\'])
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(src)
        .to_string()
}

/// The representative frame with every pictured error marked and numbered.
fn thumbnail(h: &mut String, report: &Report, c: &Collector) {
    let (Some(t), Some(at)) = (c.thumbnail(), &report.thumbnail) else {
        return;
    };
    let (w, ht) = (report.stream.width.max(1), report.stream.height.max(1));
    // Marks drawn in frame pixels, sized to the picture (the thumbnail fills the
    // figure's width).
    let r = w.max(ht) as f64 / 90.0;
    let _ = write!(
        h,
        "<figure>\n<div class=\"frame\"><img src=\"{}\" width=\"{}\" height=\"{}\" \
         alt=\"Frame {} with the errors marked\">\
         <svg viewBox=\"0 0 {w} {ht}\" preserveAspectRatio=\"none\" aria-hidden=\"true\">",
        png_uri(&t.image),
        t.image.width,
        t.image.height,
        at.frame
    );
    // Least severe first, so the severe marks are drawn on top.
    for e in report.errors.iter().take(super::MAX_PICTURED).rev() {
        let (x, y) = (f64::from(e.x) + 0.5, f64::from(e.y) + 0.5);
        let colour = mark_colour(&e.severity);
        let _ = write!(
            h,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"none\" stroke=\"{colour}\" \
             stroke-width=\"{:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{:.1}\" \
             fill=\"{colour}\" stroke-width=\"{:.1}\">{}</text>",
            r / 4.0,
            x + r * 0.9,
            y - r * 0.9,
            r * 1.5,
            r / 3.0,
            e.id
        );
    }
    let _ = writeln!(
        h,
        "</svg></div>\n<figcaption>Frame {} ({}), among those with the most errors, as \
         delivered; every pictured error is circled and numbered (red severe, amber \
         moderate, grey minor).</figcaption>\n</figure>",
        at.frame,
        esc(&at.timecode)
    );
}

/// One error's card.
fn card(h: &mut String, e: &PixelError, crops: &Crops, repaired: &str) {
    let (dx, dy) = (
        (e.x as usize).saturating_sub(crops.x0) * ZOOM,
        (e.y as usize).saturating_sub(crops.y0) * ZOOM,
    );
    let (cw, ch) = (crops.before.width * ZOOM, crops.before.height * ZOOM);
    let crop = |image: &super::render::Image, caption: &str| {
        format!(
            "<figure><div class=\"crop\" style=\"width:{cw}px;height:{ch}px\"><img src=\"{}\" \
             width=\"{cw}\" height=\"{ch}\" alt=\"{caption}\"><span class=\"px\" \
             style=\"left:{}px;top:{}px;width:{}px;height:{}px\"></span></div>\
             <figcaption>{caption}</figcaption></figure>",
            png_uri(&image.enlarge(ZOOM)),
            dx as i64 - 6,
            dy as i64 - 6,
            ZOOM + 12,
            ZOOM + 12
        )
    };
    let persistence = if e.persistent {
        "persistent"
    } else {
        "not persistent"
    };
    let origin = if e.origin == "map" {
        "listed by the defect map"
    } else {
        "found in the picture"
    };
    let _ = writeln!(
        h,
        "<article class=\"card\" id=\"e{id}\">\n<header><span class=\"num\">#{id}</span>\
         <span class=\"badge {sev}\">{sev}</span><span class=\"reason\">{reason}</span></header>\n\
         <div class=\"crops\">{before}{after}</div>\n<table class=\"facts\">\n\
         <tr><th>Position</th><td>x {x}, y {y}</td></tr>\n\
         <tr><th>First seen</th><td>{ftc} (frame {ff})</td></tr>\n\
         <tr><th>Last seen</th><td>{ltc} (frame {lf})</td></tr>\n\
         <tr><th>Frames seen</th><td>{n}, {persistence}</td></tr>\n\
         <tr><th>Most visible</th><td>{ptc} (frame {pf}): {value} where its surroundings give {expected} ({pct:.1}% of the range)</td></tr>\n\
         <tr><th>Origin</th><td>{origin}</td></tr>\n</table>\n</article>",
        id = e.id,
        sev = esc(&e.severity),
        reason = esc(&e.reason),
        before = crop(&crops.before, "As delivered"),
        after = crop(&crops.after, repaired),
        x = e.x,
        y = e.y,
        ftc = esc(&e.first.timecode),
        ff = e.first.frame,
        ltc = esc(&e.last.timecode),
        lf = e.last.frame,
        n = e.frames_seen,
        ptc = esc(&e.peak.timecode),
        pf = e.peak.frame,
        value = e.peak.value,
        expected = e.peak.expected,
        pct = e.peak.deviation * 100.0,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_escaping() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(source_name("file:///media/clip.webm"), "clip.webm");
    }
}
