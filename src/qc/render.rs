//! The report's pictures: a frame, as it arrived or as repaired, turned into 8-bit RGB,
//! cropped around an error or shrunk to a thumbnail, and encoded as PNG.
//!
//! Raw sensor frames are shown simply: each photosite keeps its own value for its own
//! colour and takes the other two from its 2×2 Bayer cell (no demosaicing, no white
//! balance), so a defect stays exactly one pixel; Bayer values are linear, so a
//! display gamma lifts the shadows. Monochrome frames are grey, as they are. YUV frames go through
//! the BT.709 matrix (BT.601 below 720 lines), studio range; RGB frames are shown as
//! they are.

use crate::frame::{Cfa, Channel, Plane, PlaneRef};
use crate::frame::{ComponentKind, Position, VideoFrame};
use crate::video::repair::Write;

/// An 8-bit RGB picture, rows top to bottom, 3 bytes a pixel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
}

impl Image {
    /// The picture with each pixel made a `k`×`k` block.
    pub fn enlarge(&self, k: usize) -> Image {
        let k = k.max(1);
        let (w, h) = (self.width * k, self.height * k);
        let mut rgb = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            let row = &self.rgb[(y / k) * self.width * 3..][..self.width * 3];
            for px in row.chunks_exact(3) {
                for _ in 0..k {
                    rgb.extend_from_slice(px);
                }
            }
        }
        Image {
            width: w,
            height: h,
            rgb,
        }
    }

    /// The picture as a PNG file.
    pub fn png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let written = encoder
            .write_header()
            .and_then(|mut w| w.write_image_data(&self.rgb));
        // Writing to memory with a consistent size cannot fail but for a bug; an empty
        // picture is then what the report shows.
        if written.is_err() {
            out.clear();
        }
        out
    }
}

/// A frame as the report's pictures see it: RGB of each frame pixel, before and after
/// the repair.
pub trait Picture {
    /// Width and height in frame pixels.
    fn size(&self) -> (usize, usize);
    /// Frame pixel (`x`, `y`) as it arrived (`repaired` false) or as repaired.
    fn rgb(&self, x: usize, y: usize, repaired: bool) -> [u8; 3];
}

/// The window of `size`×`size` frame pixels (less in a smaller frame) around
/// (`x`, `y`), moved inside the frame at the borders: its top-left corner and size.
pub fn window(pic: &dyn Picture, x: u32, y: u32, size: usize) -> (usize, usize, usize, usize) {
    let (w, h) = pic.size();
    let (cw, ch) = (size.min(w), size.min(h));
    let x0 = (x as usize).saturating_sub(size / 2).min(w - cw);
    let y0 = (y as usize).saturating_sub(size / 2).min(h - ch);
    (x0, y0, cw, ch)
}

/// The pixels of a window, as arrived or as repaired.
pub fn crop(
    pic: &dyn Picture,
    (x0, y0, w, h): (usize, usize, usize, usize),
    repaired: bool,
) -> Image {
    let mut rgb = Vec::with_capacity(w * h * 3);
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            rgb.extend_from_slice(&pic.rgb(x, y, repaired));
        }
    }
    Image {
        width: w,
        height: h,
        rgb,
    }
}

/// The frame as it arrived, shrunk to at most `max_width` pixels wide (each pixel the
/// frame pixel at the centre of its area).
pub fn thumbnail(pic: &dyn Picture, max_width: usize) -> Image {
    let (w, h) = pic.size();
    let tw = w.min(max_width).max(1);
    let th = (h * tw).div_ceil(w.max(1)).max(1);
    let mut rgb = Vec::with_capacity(tw * th * 3);
    for ty in 0..th {
        let y = ((2 * ty + 1) * h / (2 * th)).min(h.saturating_sub(1));
        for tx in 0..tw {
            let x = ((2 * tx + 1) * w / (2 * tw)).min(w.saturating_sub(1));
            rgb.extend_from_slice(&pic.rgb(x, y, false));
        }
    }
    Image {
        width: tw,
        height: th,
        rgb,
    }
}

/// Display levels of sample values `0..=max`: with `gamma`, of linear values.
fn level_table(max: u16, gamma: f64) -> Vec<u8> {
    let m = f64::from(max.max(1));
    (0..=max)
        .map(|v| (255.0 * (f64::from(v) / m).powf(1.0 / gamma)).round() as u8)
        .collect()
}

/// A pixel changed by the repair: its value as it arrived and as repaired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub x: u32,
    pub y: u32,
    pub before: u16,
    pub after: u16,
}

impl Change {
    /// Its frame pixel.
    pub fn at(&self) -> Position {
        Position::new(self.x, self.y)
    }
}

/// A raw sensor (Bayer or monochrome) frame with the changes its repair makes: the
/// frame's own values elsewhere (the same before and after).
pub struct SensorPicture<'a> {
    frame: PlaneRef<'a>,
    /// Row-major.
    changes: Vec<Change>,
    levels: &'a [u8],
}

/// The display levels a [`SensorPicture`] of `plane` needs (built once a stream):
/// Bayer values are linear, and get a display gamma of 2.2; monochrome frames may be
/// sensor data or already graded video, and are shown as they are.
pub fn sensor_levels(plane: &Plane) -> Vec<u8> {
    let gamma = if plane.cfa() == Cfa::Mono { 1.0 } else { 2.2 };
    level_table(plane.max_value(), gamma)
}

impl<'a> SensorPicture<'a> {
    /// `frame` (as it is in the buffer now), with `changes`, and the levels of
    /// [`sensor_levels`].
    pub fn new(frame: PlaneRef<'a>, mut changes: Vec<Change>, levels: &'a [u8]) -> Self {
        changes.sort_by_key(Change::at);
        SensorPicture {
            frame,
            changes,
            levels,
        }
    }

    fn value(&self, x: usize, y: usize, repaired: bool) -> u16 {
        match self
            .changes
            .binary_search_by_key(&Position::new(x as u32, y as u32), Change::at)
        {
            Ok(i) if repaired => self.changes[i].after,
            Ok(i) => self.changes[i].before,
            Err(_) => self.frame.get(x, y),
        }
    }

    fn level(&self, v: u16) -> u8 {
        self.levels
            .get(usize::from(v))
            .or(self.levels.last())
            .copied()
            .unwrap_or(0)
    }
}

impl Picture for SensorPicture<'_> {
    fn size(&self) -> (usize, usize) {
        let f = self.frame.plane();
        (f.width, f.height)
    }

    fn rgb(&self, x: usize, y: usize, repaired: bool) -> [u8; 3] {
        let f = *self.frame.plane();
        let cfa = f.cfa();
        let own = self.value(x, y, repaired);
        let index = |c: Channel| match c {
            Channel::Red => Some(0),
            Channel::Green => Some(1),
            Channel::Blue => Some(2),
            Channel::Luma => None,
        };
        let Some(mine) = index(cfa.channel(x, y)) else {
            let l = self.level(own);
            return [l, l, l];
        };
        // The other colours from the 2x2 cell (the cell's two greens averaged).
        let (cx, cy) = (x & !1, y & !1);
        let mut sum = [0u32; 3];
        let mut n = [0u32; 3];
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let (px, py) = ((cx + dx).min(f.width - 1), (cy + dy).min(f.height - 1));
            if let Some(i) = index(cfa.channel(px, py)) {
                sum[i] += u32::from(self.value(px, py, repaired));
                n[i] += 1;
            }
        }
        let mut out = [0u8; 3];
        for i in 0..3 {
            let v = if i == mine {
                own
            } else {
                (sum[i] + n[i] / 2)
                    .checked_div(n[i])
                    .map_or(own, |mean| mean as u16)
            };
            out[i] = self.level(v);
        }
        out
    }
}

/// A YUV or RGB frame as it arrived (`before`) and as repaired (`after`, then `writes`
/// on top: in detect mode the frame is unchanged and the writes are the repair).
pub struct VideoPicture<'a> {
    before: VideoFrame<'a>,
    after: VideoFrame<'a>,
    /// (component, sample position in its plane, value), sorted.
    writes: Vec<(u8, Position, u16)>,
    /// Component index of Y/U/V or R/G/B.
    comps: [usize; 3],
    yuv: bool,
    /// BT.709 (else BT.601).
    hd: bool,
}

impl<'a> VideoPicture<'a> {
    /// The frame as it arrived and as repaired (the same frame when the repair was not
    /// written into it), and the repair's writes.
    pub(crate) fn new(before: VideoFrame<'a>, after: VideoFrame<'a>, writes: &[Write]) -> Self {
        let layout = *before.layout();
        let find = |kinds: [ComponentKind; 2]| {
            layout
                .components()
                .iter()
                .position(|k| kinds.contains(&k.kind))
                .unwrap_or(0)
        };
        let mut writes: Vec<_> = writes
            .iter()
            .map(|w| (w.c, Position::new(w.x, w.y), w.value))
            .collect();
        writes.sort_unstable_by_key(|&(c, at, _)| (c, at));
        VideoPicture {
            before,
            after,
            writes,
            comps: [
                find([ComponentKind::Y, ComponentKind::R]),
                find([ComponentKind::U, ComponentKind::G]),
                find([ComponentKind::V, ComponentKind::B]),
            ],
            yuv: layout.format.is_yuv(),
            hd: layout.height >= 720,
        }
    }

    /// Component `c` at frame pixel (`x`, `y`).
    fn sample(&self, c: usize, x: usize, y: usize, repaired: bool) -> f64 {
        let layout = self.before.layout();
        let k = layout.components()[c];
        let (cx, cy) = (x >> k.sx, y >> k.sy);
        let (cw, ch) = layout.comp_size(c);
        let (cx, cy) = (cx.min(cw.saturating_sub(1)), cy.min(ch.saturating_sub(1)));
        let v = if repaired {
            match self.writes.binary_search_by_key(
                &(c as u8, Position::new(cx as u32, cy as u32)),
                |&(c, at, _)| (c, at),
            ) {
                Ok(i) => self.writes[i].2,
                Err(_) => self.after.get(c, cx, cy),
            }
        } else {
            self.before.get(c, cx, cy)
        };
        f64::from(v) / f64::from(layout.max_value().max(1))
    }
}

impl Picture for VideoPicture<'_> {
    fn size(&self) -> (usize, usize) {
        let l = self.before.layout();
        (l.width, l.height)
    }

    fn rgb(&self, x: usize, y: usize, repaired: bool) -> [u8; 3] {
        let [a, b, c] = self.comps.map(|i| self.sample(i, x, y, repaired));
        let rgb = if self.yuv {
            // Studio range: Y' 16..235, Cb/Cr 16..240 (of 255).
            let luma = (a - 16.0 / 255.0) * 255.0 / 219.0;
            let (cb, cr) = (
                (b - 128.0 / 255.0) * 255.0 / 224.0,
                (c - 128.0 / 255.0) * 255.0 / 224.0,
            );
            let (kr, kb) = if self.hd {
                (0.2126, 0.0722)
            } else {
                (0.299, 0.114)
            };
            let kg = 1.0 - kr - kb;
            let r = luma + 2.0 * (1.0 - kr) * cr;
            let bl = luma + 2.0 * (1.0 - kb) * cb;
            let g = (luma - kr * r - kb * bl) / kg;
            [r, g, bl]
        } else {
            [a, b, c]
        };
        rgb.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{FrameFormat, VideoFrameMut, VideoLayout};

    fn sensor(format: &str, w: usize, h: usize) -> (FrameFormat, Vec<u8>) {
        let media = if format.starts_with("GRAY") {
            "video/x-raw"
        } else {
            "video/x-bayer"
        };
        let f = FrameFormat::parse(media, format, w as i64, h as i64).unwrap();
        (f, vec![0u8; f.default_size()])
    }

    #[test]
    fn a_bayer_defect_stays_one_pixel_and_the_repair_shows() {
        let (f, mut data) = sensor("rggb", 8, 8);
        {
            let mut m = f.view_mut(&mut data).unwrap();
            for y in 0..8 {
                for x in 0..8 {
                    m.set(x, y, 40);
                }
            }
            m.set(3, 2, 255);
        }
        let levels = sensor_levels(&f.plane());
        let frame = f.view(&data).unwrap();
        let change = Change {
            x: 3,
            y: 2,
            before: 255,
            after: 40,
        };
        let pic = SensorPicture::new(frame, vec![change], &levels);
        // (3, 2) is green in RGGB: only green is lifted, and only there.
        let hot = pic.rgb(3, 2, false);
        assert_eq!(hot[1], 255);
        assert!(hot[0] < 255 && hot[2] < 255);
        assert_eq!(pic.rgb(2, 2, false)[1], levels[148]);
        assert_eq!(pic.rgb(3, 2, true), pic.rgb(5, 2, true));
        assert_eq!(pic.rgb(3, 2, true), [levels[40]; 3]);
        let w = window(&pic, 3, 2, 16);
        assert_eq!(w, (0, 0, 8, 8));
        let c = crop(&pic, w, false);
        assert_eq!((c.width, c.height), (8, 8));
        assert_eq!(&c.rgb[(2 * 8 + 3) * 3..][..3], &hot);
        let big = c.enlarge(8);
        assert_eq!((big.width, big.height), (64, 64));
        assert_eq!(&big.rgb[((2 * 8 + 7) * 64 + 3 * 8 + 7) * 3..][..3], &hot);
        let png = big.png();
        assert_eq!(&png[1..4], b"PNG");
        let thumb = thumbnail(&pic, 4);
        assert_eq!((thumb.width, thumb.height), (4, 4));
    }

    #[test]
    fn grey_and_yuv() {
        let (f, mut data) = sensor("GRAY8", 4, 4);
        data[5] = 255;
        let levels = sensor_levels(&f.plane());
        let pic = SensorPicture::new(f.view(&data).unwrap(), vec![], &levels);
        assert_eq!(pic.rgb(1, 1, false), [255; 3]);
        assert_eq!(pic.rgb(0, 0, true), [0; 3]);

        let layout = VideoLayout::parse("I420", 4, 4).unwrap();
        let (mut planes, strides) = layout.alloc();
        let mut m = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        for y in 0..4 {
            for x in 0..4 {
                m.set(0, x, y, 235);
            }
        }
        for y in 0..2 {
            for x in 0..2 {
                m.set(1, x, y, 128);
                m.set(2, x, y, 128);
            }
        }
        let frame = m.as_ref();
        let writes = [Write {
            c: 0,
            x: 1,
            y: 1,
            value: 16,
        }];
        let pic = VideoPicture::new(frame, frame, &writes);
        assert_eq!(pic.rgb(1, 1, false), [255; 3]);
        assert_eq!(pic.rgb(1, 1, true), [0; 3]);
        assert_eq!(pic.rgb(2, 1, true), [255; 3]);
    }
}
