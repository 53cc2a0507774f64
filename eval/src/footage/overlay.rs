//! Graphics burned into processed video after the camera: what a broadcast chain, a
//! vision mixer or OBS composites over the picture — a station bug and a clock in small
//! text, the one-pixel border of a picture-in-picture box, a split-screen divider down
//! the whole frame. They stay at the same frame pixels while the picture moves under
//! them, as a sensor defect does, and a sharp one is as small as a defect's spot; but
//! they were never filmed, so they carry no sensor noise and do not follow the scene.
//! `defectfix` must leave them as they are.
//!
//! The graphic is opaque limited-range white (luma 235, neutral chroma, scaled to the
//! format's depth): a chroma sample is the graphic's where any pixel it covers is, as a
//! compositor that writes whole chroma samples does. It is burned into the clean and the
//! defective sequences alike, so that it is part of the truth: a defect under it is
//! covered, and any change `defectfix` makes to it is a false change.

use gstdefectfix::frame::{VideoFrameMut, VideoLayout};

use crate::video::Planes;

/// Glyphs of a 3×5 pixel font, one row of three bits per line (`1` lit), strokes one
/// pixel wide: what a clock or a label in small text is made of at this size.
const GLYPHS: [(char, [u8; 5]); 10] = [
    ('L', [0b100, 0b100, 0b100, 0b100, 0b111]),
    ('I', [0b111, 0b010, 0b010, 0b010, 0b111]),
    ('V', [0b101, 0b101, 0b101, 0b101, 0b010]),
    ('E', [0b111, 0b100, 0b110, 0b100, 0b111]),
    ('0', [0b111, 0b101, 0b101, 0b101, 0b111]),
    ('1', [0b010, 0b110, 0b010, 0b010, 0b111]),
    ('2', [0b111, 0b001, 0b111, 0b100, 0b111]),
    ('4', [0b101, 0b101, 0b111, 0b001, 0b001]),
    (':', [0b000, 0b010, 0b000, 0b010, 0b000]),
    (' ', [0b000; 5]),
];

/// The text of the station bug: letters, digits and the colon's one-pixel dots.
const TEXT: &str = "LIVE 10:24";

/// Every frame pixel the graphic covers for a `width`×`height` frame, in no order:
/// the text near the top-right corner, a picture-in-picture box's one-pixel border on
/// the left, and a one-pixel divider down the whole frame at three quarters of its
/// width. Frames too small for a part leave it out.
pub fn pixels(width: usize, height: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    // The text: 4 pixels a glyph (3 and a space), 6 pixels from the top, its right end
    // 8 pixels from the right edge.
    let text_w = 4 * TEXT.chars().count();
    if width > text_w + 8 && height > 12 {
        let x0 = width - 8 - text_w;
        for (i, c) in TEXT.chars().enumerate() {
            let Some((_, rows)) = GLYPHS.iter().find(|(g, _)| *g == c) else {
                continue;
            };
            for (dy, bits) in rows.iter().enumerate() {
                for dx in 0..3 {
                    if bits & (0b100 >> dx) != 0 {
                        out.push((x0 + 4 * i + dx, 6 + dy));
                    }
                }
            }
        }
    }
    // The box: a third of the width and of the height, 10 pixels from the top left.
    let (bw, bh) = (width / 3, height / 3);
    if bw >= 4 && bh >= 4 && width > bw + 10 && height > bh + 10 {
        for x in 10..10 + bw {
            out.push((x, 10));
            out.push((x, 10 + bh - 1));
        }
        for y in 11..10 + bh - 1 {
            out.push((10, y));
            out.push((10 + bw - 1, y));
        }
    }
    // The divider.
    if width >= 4 {
        let x = width * 3 / 4;
        out.extend((0..height).map(|y| (x, y)));
    }
    out
}

/// Burns the graphic ([`pixels`]) into a frame: luma white, the chroma samples covering
/// it neutral.
pub fn burn(frame: &mut VideoFrameMut<'_>, pixels: &[(usize, usize)]) {
    let layout: VideoLayout = *frame.layout();
    let shift = layout.format.depth().saturating_sub(8);
    for (c, k) in layout.components().iter().enumerate() {
        let value = if c == 0 { 235 } else { 128 } << shift;
        for &(x, y) in pixels {
            frame.set(c, x >> k.sx, y >> k.sy, value);
        }
    }
}

/// How many of the graphic's `pixels` differ between two deliveries of a frame (`a`,
/// `b`) in any sample covering them.
pub fn changed(
    layout: VideoLayout,
    a: &Planes,
    b: &Planes,
    pixels: &[(usize, usize)],
) -> Result<usize, String> {
    let (a, b) = (
        a.frame(layout).map_err(|e| e.to_string())?,
        b.frame(layout).map_err(|e| e.to_string())?,
    );
    let components = layout.components();
    Ok(pixels
        .iter()
        .filter(|&&(x, y)| {
            components.iter().enumerate().any(|(c, k)| {
                let (u, v) = (x >> k.sx, y >> k.sy);
                a.get(c, u, v) != b.get(c, u, v)
            })
        })
        .count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_graphic_has_its_parts_and_stays_inside_the_frame() {
        let p = pixels(320, 240);
        assert!(p.iter().all(|&(x, y)| x < 320 && y < 240));
        // The divider is the only thing in column 240, every row of it.
        assert_eq!(p.iter().filter(|&&(x, _)| x == 240).count(), 240);
        // The colon's two dots: lit pixels with no lit neighbour.
        let lit = |x: usize, y: usize| p.contains(&(x, y));
        let isolated = p
            .iter()
            .filter(|&&(x, y)| {
                (x.saturating_sub(1)..=x + 1)
                    .flat_map(|u| (y.saturating_sub(1)..=y + 1).map(move |v| (u, v)))
                    .filter(|&(u, v)| (u, v) != (x, y))
                    .all(|(u, v)| !lit(u, v))
            })
            .count();
        assert_eq!(isolated, 2);
        // A tiny frame keeps only what fits.
        assert!(pixels(3, 3).is_empty());
    }

    #[test]
    fn burning_writes_white_luma_and_neutral_chroma() {
        let layout = VideoLayout::parse("NV12", 64, 48).unwrap();
        let (mut planes, strides) = layout.alloc();
        let mut f = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        f.fill(|c, _, _| if c == 0 { 16 } else { 200 });
        burn(&mut f, &[(5, 7)]);
        assert_eq!(f.get(0, 5, 7), 235);
        assert_eq!(f.get(0, 4, 7), 16);
        // NV12: the chroma sample covering (5, 7) is (2, 3), in both components.
        assert_eq!((f.get(1, 2, 3), f.get(2, 2, 3)), (128, 128));
        assert_eq!(f.get(1, 3, 3), 200);
        // A change to a chroma sample under the graphic counts for the pixel.
        let before = Planes {
            data: planes.clone(),
            strides,
        };
        let mut after = before.clone();
        after.frame_mut(layout).unwrap().set(2, 2, 3, 127);
        assert_eq!(
            changed(layout, &before, &after, &[(5, 7), (4, 6), (9, 9)]),
            Ok(2)
        );
    }
}
