//! One frame through the pipeline of phases: collect defects (map, and later dynamic
//! detection) into one mask, estimate each from healthy neighbours, write.
//!
//! Estimates read only pixels that are not in the mask and writes touch only pixels
//! that are, so the order in which defects are repaired never changes the result.

use std::sync::Arc;

use crate::correct::{Mask, estimate};
use crate::defect_map::DefectMap;
use crate::format::FrameFormat;
use crate::frame::FrameMut;

/// What the element does with the defects it finds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Repair defects in place.
    #[default]
    Correct,
    /// Find and report only; the frame is not changed.
    Detect,
}

/// Counts for one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameReport {
    /// Pixels listed by the defect map that lie inside the frame.
    pub mapped: usize,
    /// Pixels whose value the repair changed (or would change, in detect mode).
    pub corrected: usize,
    /// Defects with no healthy same-colour pixel in reach, left as they were.
    pub unrepairable: usize,
}

/// Where a map landed on the frame, returned when a map is (re)installed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MapPlacement {
    /// Distinct frame pixels the map covers.
    pub pixels: usize,
    /// Map entries that do not touch the frame (they are ignored).
    pub outside: usize,
}

/// Per-stream state of the defect repair: built for one format, reused every frame.
pub struct Engine {
    format: FrameFormat,
    /// Every pixel currently known to be defective.
    mask: Mask,
    /// Map pixels in frame coordinates, row-major order.
    mapped: Vec<(u32, u32)>,
    /// The map and offset `mapped` was built from.
    installed: Option<(Arc<DefectMap>, i64, i64)>,
}

impl Engine {
    /// A fresh engine for frames of `format`.
    pub fn new(format: FrameFormat) -> Self {
        Engine {
            format,
            mask: Mask::new(format.width, format.height),
            mapped: Vec::new(),
            installed: None,
        }
    }

    pub fn format(&self) -> &FrameFormat {
        &self.format
    }

    /// Map pixels in frame coordinates.
    pub fn mapped_pixels(&self) -> &[(u32, u32)] {
        &self.mapped
    }

    /// Installs `map`, placed so that frame pixel (0, 0) is sensor pixel
    /// (`offset_x`, `offset_y`). Builds the index only when the map or the offset
    /// changed; returns the placement when it did.
    pub fn set_map(
        &mut self,
        map: Option<&Arc<DefectMap>>,
        offset_x: i64,
        offset_y: i64,
    ) -> Option<MapPlacement> {
        let unchanged = match (&self.installed, map) {
            (None, None) => true,
            (Some((old, ox, oy)), Some(new)) => {
                Arc::ptr_eq(old, new) && *ox == offset_x && *oy == offset_y
            }
            _ => false,
        };
        if unchanged {
            return None;
        }
        for &(x, y) in &self.mapped {
            self.mask.clear(x as usize, y as usize);
        }
        self.mapped.clear();
        let mut placement = MapPlacement::default();
        if let Some(map) = map {
            let resolved = map.resolve(
                self.format.width as u32,
                self.format.height as u32,
                offset_x,
                offset_y,
            );
            self.mapped = resolved.pixels;
            for &(x, y) in &self.mapped {
                self.mask.set(x as usize, y as usize);
            }
            placement = MapPlacement {
                pixels: self.mapped.len(),
                outside: resolved.outside,
            };
        }
        self.installed = map.map(|m| (Arc::clone(m), offset_x, offset_y));
        Some(placement)
    }

    /// Processes one frame in place (or only inspects it, in [`Mode::Detect`]).
    pub fn process(&mut self, frame: &mut FrameMut<'_>, mode: Mode) -> FrameReport {
        debug_assert_eq!(frame.format(), &self.format);
        let mut report = FrameReport {
            mapped: self.mapped.len(),
            ..FrameReport::default()
        };
        for &(x, y) in &self.mapped {
            let (x, y) = (x as usize, y as usize);
            match estimate(&frame.as_ref(), &self.mask, x, y) {
                Some(value) if value != frame.get(x, y) => {
                    report.corrected += 1;
                    if mode == Mode::Correct {
                        frame.set(x, y, value);
                    }
                }
                Some(_) => {}
                None => report.unrepairable += 1,
            }
        }
        report
    }
}
