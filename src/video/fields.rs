//! Interlaced video: each field is a picture of its own.
//!
//! The two fields of an interlaced frame (1080i from an SDI card, 576i/480i from tape)
//! were exposed a field period apart and hold alternate lines. Read as one progressive
//! frame, a moving edge combs — its lines alternate between two positions — and the
//! teeth of the comb look like spots to a spatial test; a line's neighbours above and
//! below belong to another instant. [`Pictures`] therefore runs one [`Processor`] per
//! field on a view of that field's lines ([`VideoFrameMut::field`]: every second line of
//! every plane, 4:2:0 chroma included), each with its own neighbours, its own motion and
//! its own history, and reports in frame coordinates. A progressive stream has one
//! picture, the frame itself, and goes through the [`Processor`] unchanged.
//!
//! A defect map is in frame pixels: each field gets the entries on its lines.

use std::sync::Arc;

use super::repair::Write;
use super::{MapPlacement, Processor, Spot, VideoFrameReport, VideoSettings};
use crate::defect_map::{DefectMap, PlacedMap};
use crate::frame::{LayoutError, Position, VideoFrameMut, VideoLayout};

/// How a stream's frames hold their pictures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scan {
    /// One picture per frame.
    Progressive,
    /// Two fields per frame, interleaved line by line (`interlace-mode=interleaved`, and
    /// every frame of `mixed`: a progressive frame's two halves are pictures too).
    Interleaved,
}

/// The processors of a stream's pictures: one for progressive frames, one per field
/// for interlaced ones.
pub struct Pictures {
    layout: VideoLayout,
    /// One processor (progressive), or the top and the bottom field's.
    pictures: Vec<Processor>,
    /// The defect map on the whole frame (interlaced: each field gets its lines).
    placed: PlacedMap,
    /// Interlaced: the last frame's spots, writes and the confirmed positions, in frame
    /// coordinates.
    spots: Vec<Spot>,
    writes: Vec<Write>,
    confirmed: Vec<Position>,
}

impl Pictures {
    /// The processors for frames of `layout` scanned as `scan`; fails when an
    /// interlaced frame of this size does not split into two fields.
    pub fn new(layout: VideoLayout, scan: Scan) -> Result<Self, LayoutError> {
        let pictures = match scan {
            Scan::Progressive => vec![Processor::new(layout)],
            Scan::Interleaved => vec![
                Processor::for_field(layout.field(0)?, 0),
                Processor::for_field(layout.field(1)?, 1),
            ],
        };
        Ok(Pictures {
            layout,
            pictures,
            placed: PlacedMap::default(),
            spots: Vec::new(),
            writes: Vec::new(),
            confirmed: Vec::new(),
        })
    }

    /// The frames' layout.
    pub fn layout(&self) -> &VideoLayout {
        &self.layout
    }

    /// How the frames are scanned.
    pub fn scan(&self) -> Scan {
        if self.pictures.len() == 1 {
            Scan::Progressive
        } else {
            Scan::Interleaved
        }
    }

    /// The processor of each picture: the frame's, or the top and the bottom field's.
    pub fn processors(&self) -> &[Processor] {
        &self.pictures
    }

    fn interlaced(&self) -> bool {
        self.pictures.len() > 1
    }

    /// Processes one frame in place ([`Processor::process`] on each picture).
    pub fn process(
        &mut self,
        frame: &mut VideoFrameMut<'_>,
        settings: &VideoSettings,
    ) -> VideoFrameReport {
        // With detection, each field's evidence reads the other field's rows as they
        // arrived (the first field is repaired before the second is processed); without
        // it nothing reads them, and the cost follows the map.
        if settings.detection && self.interlaced() && frame.layout() == &self.layout {
            let whole = frame.as_ref();
            for (parity, p) in self.pictures.iter_mut().enumerate() {
                p.set_other_field(&whole, 1 - parity);
            }
        }
        self.each(frame, |p, picture| p.process(picture, settings))
    }

    /// Repairs the frame held back before the last one ([`Processor::revisit`] on each
    /// picture).
    pub fn revisit(
        &mut self,
        frame: &mut VideoFrameMut<'_>,
        settings: &VideoSettings,
    ) -> VideoFrameReport {
        self.each(frame, |p, picture| p.revisit(picture, settings))
    }

    /// Runs `f` on each picture of `frame` with its processor, then gathers what they
    /// found in frame coordinates.
    fn each(
        &mut self,
        frame: &mut VideoFrameMut<'_>,
        mut f: impl FnMut(&mut Processor, &mut VideoFrameMut<'_>) -> VideoFrameReport,
    ) -> VideoFrameReport {
        if !self.interlaced() {
            return f(&mut self.pictures[0], frame);
        }
        if frame.layout() != &self.layout {
            return VideoFrameReport::default();
        }
        let mut total = VideoFrameReport::default();
        for (parity, p) in self.pictures.iter_mut().enumerate() {
            if let Ok(mut field) = frame.field(parity) {
                total += f(p, &mut field);
            }
        }
        self.gather();
        total
    }

    /// The fields' spots, writes and confirmed positions, in frame coordinates.
    fn gather(&mut self) {
        self.spots.clear();
        self.writes.clear();
        self.confirmed.clear();
        for (parity, p) in self.pictures.iter().enumerate() {
            self.spots.extend(p.spots().iter().map(|s| Spot {
                y: frame_line(s.y, parity),
                ..*s
            }));
            self.writes.extend(p.writes().iter().map(|w| Write {
                y: frame_line(w.y, parity),
                ..*w
            }));
            self.confirmed
                .extend(p.confirmed().iter().map(|&at| frame_pixel(at, parity)));
        }
        self.spots.sort_by_key(Spot::at);
        self.confirmed.sort_unstable();
    }

    /// The spots repaired in the last frame (or that would have been), row-major.
    pub fn spots(&self) -> &[Spot] {
        if self.interlaced() {
            &self.spots
        } else {
            self.pictures[0].spots()
        }
    }

    /// The samples the last frame's repair wrote (or would have written), in the
    /// frame's component coordinates.
    pub(crate) fn writes(&self) -> &[Write] {
        if self.interlaced() {
            &self.writes
        } else {
            self.pictures[0].writes()
        }
    }

    /// Confirmed positions (frame pixels), row-major.
    pub fn confirmed(&self) -> &[Position] {
        if self.interlaced() {
            &self.confirmed
        } else {
            self.pictures[0].confirmed()
        }
    }

    /// The confirmed positions as a defect map, in frame pixels plus an offset.
    pub fn confirmed_map(&self, offset_x: i64, offset_y: i64) -> DefectMap {
        if !self.interlaced() {
            return self.pictures[0].confirmed_map(offset_x, offset_y);
        }
        let mut pixels: Vec<Position> = self
            .pictures
            .iter()
            .enumerate()
            .flat_map(|(parity, p)| {
                p.confirmed_pixels()
                    .into_iter()
                    .map(move |at| frame_pixel(at, parity))
            })
            .collect();
        pixels.sort_unstable();
        DefectMap::from_pixels(pixels, offset_x, offset_y)
    }

    /// Installs `map` (frame pixel (0, 0) is map pixel `offset`); returns the placement
    /// on the frame when the map or the offset changed.
    pub fn set_map(
        &mut self,
        map: Option<&Arc<DefectMap>>,
        offset: (i64, i64),
    ) -> Option<MapPlacement> {
        let (offset_x, offset_y) = offset;
        if !self.interlaced() {
            return self.pictures[0].set_map(map, offset_x, offset_y);
        }
        let (w, h) = (self.layout.width, self.layout.height);
        let placement = self.placed.place(map, w, h, offset_x, offset_y)?;
        for (parity, p) in self.pictures.iter_mut().enumerate() {
            let field_map = map.map(|_| {
                let on_field = self
                    .placed
                    .pixels()
                    .iter()
                    .filter(|p| p.y as usize % 2 == parity)
                    .map(|p| Position::new(p.x, p.y / 2));
                Arc::new(DefectMap::from_pixels(on_field, 0, 0))
            });
            p.set_map(field_map.as_ref(), 0, 0);
        }
        Some(placement)
    }

    /// The stream jumped: every picture forgets its previous frame.
    pub fn discontinuity(&mut self) {
        for p in &mut self.pictures {
            p.discontinuity();
        }
    }
}

/// The frame line of line `y` of the field of `parity`.
fn frame_line(y: u32, parity: usize) -> u32 {
    2 * y + parity as u32
}

/// The frame pixel of pixel `at` of the field of `parity`.
fn frame_pixel(at: Position, parity: usize) -> Position {
    Position::new(at.x, frame_line(at.y, parity))
}
