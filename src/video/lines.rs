//! Repair of defective sensor columns in processed video.
//!
//! A dead (or hot) sensor column, demosaiced, is a line three pixels wide down the
//! whole picture: the column itself and, with part of its error, the columns on either
//! side. The spot repair of [`super::repair`] cannot mend it: the ring a spot is
//! re-estimated from lies on the line above and below it. A line is repaired row by
//! row instead, in every component plane: the *box* of samples across it is
//! re-estimated by linear interpolation between the nearest samples outside it on the
//! same row. At full resolution the box runs from one column left of the line's first
//! column to one right of its last, and is interpolated from two columns out. A
//! horizontally subsampled component's box is the samples that cover the line's own
//! columns, interpolated from two samples out: its samples beside them cover good
//! pixels too, and replacing them (measured) changed more good pixels than it mended.
//!
//! A row's samples are replaced only where the line shows in that row: where the
//! context component (luma, or G) stands out from its estimate on the line's side
//! (darker for a dead column, brighter for a hot one; the side is the one most rows
//! show) by more than the component's threshold. In such a row, every box sample of
//! every component that stands out from its estimate by more than that component's
//! threshold is replaced, on either side (a darkened colour column can move a chroma
//! sample either way); the rest keep their values. Where the scene hides the line
//! (black, or clipped) nothing is touched.

use super::repair::{Probe, Write};
use crate::frame::{Position, VideoFrame};

/// Defective columns this close together are one line (each spreads one column to
/// either side).
const JOIN: u32 = 3;

/// A line of defective columns, frame pixels `x0..=x1` (the luma grid).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    pub x0: u32,
    pub x1: u32,
}

impl Line {
    /// Where the line is reported: its middle column's top pixel (one position for
    /// the whole line, frame after frame).
    pub fn position(&self) -> Position {
        Position::new(self.x0 + (self.x1 - self.x0) / 2, 0)
    }
}

/// The lines of defective `columns` (ascending): columns closer than `JOIN` are one.
pub fn join(columns: impl IntoIterator<Item = u32>) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    for x in columns {
        match lines.last_mut() {
            Some(l) if x < l.x1 + JOIN => l.x1 = l.x1.max(x),
            _ => lines.push(Line { x0: x, x1: x }),
        }
    }
    lines
}

/// One component's box across a line: its columns, and those of the samples it is
/// interpolated from (`None` outside the plane).
#[derive(Clone, Copy, Debug)]
struct Span {
    lo: usize,
    hi: usize,
    left: Option<usize>,
    right: Option<usize>,
}

impl Span {
    /// The box of `line` in a component subsampled by `sx` whose rows are `width`
    /// samples long (see the module's description).
    fn new(line: Line, sx: u8, width: usize) -> Option<Span> {
        let spread = u32::from(sx == 0);
        let lo = (line.x0.saturating_sub(spread) >> sx) as usize;
        let hi = (((line.x1 + spread) >> sx) as usize).min(width.checked_sub(1)?);
        let reach = 1 + usize::from(sx);
        let left = lo.checked_sub(reach);
        let right = Some(hi + reach).filter(|&r| r < width);
        (left.is_some() || right.is_some()).then_some(Span {
            lo,
            hi,
            left,
            right,
        })
    }

    /// The estimates of the box samples of row `y` of component `c` of `view`: linear
    /// between the two outer samples, or the one outer sample there is.
    fn row_estimate(&self, view: &VideoFrame<'_>, c: usize, y: usize) -> Estimate {
        let read = |x: usize| i32::from(view.get(c, x, y));
        match (self.left, self.right) {
            (Some(l), Some(r)) => Estimate {
                left: l,
                width: (r - l) as i32,
                at_left: read(l),
                at_right: read(r),
            },
            (Some(o), None) | (None, Some(o)) => Estimate::flat(read(o)),
            (None, None) => Estimate::flat(0),
        }
    }
}

/// A linear estimate along a row: `at_left` in column `left`, `at_right` `width`
/// columns to its right.
#[derive(Clone, Copy, Debug)]
struct Estimate {
    left: usize,
    width: i32,
    at_left: i32,
    at_right: i32,
}

impl Estimate {
    /// `v` in every column.
    fn flat(v: i32) -> Estimate {
        Estimate {
            left: 0,
            width: 1,
            at_left: v,
            at_right: v,
        }
    }

    /// The estimate in column `x` (rounded).
    fn at(&self, x: usize) -> i32 {
        let d = x as i32 - self.left as i32;
        let rise = (self.at_right - self.at_left) * d * 2;
        self.at_left + (rise + self.width).div_euclid(2 * self.width)
    }
}

/// What the repair of a line replaced: the worst sample, for the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct LineRepair {
    /// Samples replaced, over all components.
    pub changed: usize,
    /// Per component, the replaced sample that stood out most (its `changed` counts
    /// that component's replacements, at most 255).
    pub probe: Probe,
}

/// Repairs `line` in `view`: appends the replacements to `writes` and returns what was
/// replaced. `threshold` is each component's least deviation that is not
/// noise, `context` the component that decides which rows show the line.
pub(crate) fn repair(
    view: &VideoFrame<'_>,
    line: Line,
    context: usize,
    threshold: &[i32; 3],
    writes: &mut Vec<Write>,
) -> LineRepair {
    let mut done = LineRepair::default();
    let layout = *view.layout();
    let comps = layout.components();
    let Some(k) = comps.get(context) else {
        return done;
    };
    let (w, h) = layout.comp_size(context);
    let Some(span) = Span::new(line, k.sx, w) else {
        return done;
    };
    let t = threshold[context];
    // The context component's deviation on the line's own columns, row by row, and the
    // line's side.
    let own = (line.x0 >> k.sx) as usize..=((line.x1 >> k.sx) as usize).min(w - 1);
    let devs: Vec<i32> = (0..h)
        .map(|y| {
            let est = span.row_estimate(view, context, y);
            own.clone()
                .map(|x| i32::from(view.get(context, x, y)) - est.at(x))
                .max_by_key(|d| d.abs())
                .unwrap_or(0)
        })
        .collect();
    let dark = devs.iter().filter(|&&d| d < -t).count();
    let bright = devs.iter().filter(|&&d| d > t).count();
    let sign = if dark >= bright { -1 } else { 1 };
    let shows: Vec<bool> = devs.iter().map(|&d| d * sign > t).collect();
    let before = writes.len();
    for (c, comp) in comps.iter().enumerate().take(3) {
        let (cw, ch) = layout.comp_size(c);
        let Some(span) = Span::new(line, comp.sx, cw) else {
            continue;
        };
        let tc = threshold[c];
        for y in 0..ch {
            // The context rows this row covers.
            let rows = (y << comp.sy) >> k.sy..(((y + 1) << comp.sy) >> k.sy).max(1);
            if !shows[rows.start.min(h)..rows.end.min(h)].iter().any(|&s| s) {
                continue;
            }
            let est = span.row_estimate(view, c, y);
            for x in span.lo..=span.hi {
                let (v, e) = (i32::from(view.get(c, x, y)), est.at(x));
                // The context component on the line's side only; the others either way.
                let off = if c == context {
                    (v - e) * sign
                } else {
                    (v - e).abs()
                };
                if off > tc {
                    let value = e.clamp(0, i32::from(layout.max_value())) as u16;
                    let p = &mut done.probe.comps[c];
                    p.changed = p.changed.saturating_add(1);
                    if (v - e).abs() > p.deviation.abs() {
                        (p.deviation, p.value, p.estimate) = (v - e, v as u16, value);
                    }
                    writes.push(Write {
                        c: c as u8,
                        x: x as u32,
                        y: y as u32,
                        value,
                    });
                }
            }
        }
    }
    done.changed = writes.len() - before;
    done.probe.estimated = done.changed > 0;
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{VideoFrameMut, VideoLayout};

    /// A 32×8 NV12 frame of ramps (luma 50 + 4x, U 100 + 2 × its column, V 140), which
    /// linear interpolation restores exactly.
    fn ramps(layout: VideoLayout) -> (Vec<Vec<u8>>, [usize; 3]) {
        let (mut planes, strides) = layout.alloc();
        let mut f = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        f.fill(|c, x, _| match c {
            0 => 50 + 4 * x as u16,
            1 => 100 + 2 * x as u16,
            _ => 140,
        });
        (planes, strides)
    }

    #[test]
    fn a_line_is_interpolated_across_in_every_component_on_the_rows_that_show_it() {
        let layout = VideoLayout::parse("NV12", 32, 8).unwrap();
        let (clean, strides) = ramps(layout);
        let mut input = clean.clone();
        let mut f = VideoFrameMut::from_vecs(layout, &mut input, strides).unwrap();
        // A bright column at x = 10 (+60, half beside it) and in U (+30 at column 5),
        // hidden on row 3; on row 5 the picture dips below it instead.
        for y in (0..8).filter(|&y| y != 3) {
            let dip = if y == 5 { -80 } else { 0 };
            for (x, up) in [(9, 30), (10, 60), (11, 30)] {
                let v = i32::from(f.get(0, x, y)) + up + dip;
                f.set(0, x, y, v as u16);
            }
        }
        for cy in 0..4 {
            f.set(1, 5, cy, f.get(1, 5, cy) + 30);
        }
        let view = f.as_ref();
        let mut writes = Vec::new();
        let done = repair(&view, Line { x0: 10, x1: 10 }, 0, &[5, 5, 5], &mut writes);
        let n = done.changed;
        let mut out = input.clone();
        let mut o = VideoFrameMut::from_vecs(layout, &mut out, strides).unwrap();
        for w in &writes {
            o.set(usize::from(w.c), w.x as usize, w.y as usize, w.value);
        }
        assert_eq!(n, writes.len());
        let (o, c, i) = (
            o.as_ref(),
            VideoFrame::new(layout, [&clean[0], &clean[1], &[]], strides).unwrap(),
            VideoFrame::new(layout, [&input[0], &input[1], &[]], strides).unwrap(),
        );
        for comp in 0..3 {
            let (w, h) = layout.comp_size(comp);
            for y in 0..h {
                for x in 0..w {
                    // Row 5 (its luma, and the chroma row of luma rows 4 and 5, which
                    // row 4 shows) is left as it is, the dark way.
                    let expected = if comp == 0 && y == 5 {
                        i.get(0, x, y)
                    } else {
                        c.get(comp, x, y)
                    };
                    assert_eq!(o.get(comp, x, y), expected, "c{comp} ({x},{y})");
                }
            }
        }
        // Luma: 3 samples on 6 rows; U: 1 sample on 4 rows; the strongest of each.
        assert_eq!(n, 3 * 6 + 4);
        let p = done.probe.comps;
        assert_eq!(
            (p[0].deviation, p[0].changed, p[1].deviation, p[1].changed),
            (60, 18, 30, 4)
        );
        assert_eq!((p[0].value, p[0].estimate), (150, 90));
    }

    #[test]
    fn columns_within_reach_of_each_other_are_one_line() {
        assert_eq!(
            join([4, 5, 7, 11, 20]),
            [
                Line { x0: 4, x1: 7 },
                Line { x0: 11, x1: 11 },
                Line { x0: 20, x1: 20 }
            ]
        );
        assert_eq!(join([]), []);
    }
}
