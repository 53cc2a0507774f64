//! The element's properties as one value, copied at the start of every buffer.

use super::{CalibrateMode, DetectionMode, RunMode};

/// Default of `sensitivity`.
pub const DEFAULT_SENSITIVITY: f64 = 1.0;
/// Default of `calibration-frames`.
pub const DEFAULT_CALIBRATION_FRAMES: u32 = 32;

/// The values of the element's properties.
#[derive(Debug, Clone)]
pub struct Settings {
    pub defect_map: Option<String>,
    pub map_offset_x: i32,
    pub map_offset_y: i32,
    pub detection: DetectionMode,
    pub n_threads: u32,
    pub sensitivity: f64,
    pub mode: RunMode,
    pub post_messages: bool,
    pub learn: bool,
    pub temporal: bool,
    pub map_output: Option<String>,
    pub calibrate: CalibrateMode,
    pub calibration_frames: u32,
    pub hold_first_frame: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            defect_map: None,
            map_offset_x: 0,
            map_offset_y: 0,
            detection: DetectionMode::Dynamic,
            n_threads: 0,
            sensitivity: DEFAULT_SENSITIVITY,
            mode: RunMode::Correct,
            post_messages: false,
            learn: false,
            temporal: true,
            map_output: None,
            calibrate: CalibrateMode::Off,
            calibration_frames: DEFAULT_CALIBRATION_FRAMES,
            hold_first_frame: true,
        }
    }
}

impl Settings {
    /// The map offsets: frame pixel (0, 0) is map pixel (x, y).
    pub fn offset(&self) -> (i64, i64) {
        (self.map_offset_x.into(), self.map_offset_y.into())
    }

    /// Whether frames go to a calibration rather than to the repair.
    pub fn calibrating(&self) -> bool {
        self.calibrate != CalibrateMode::Off
    }

    /// Whether a first frame may wait for the next one (on a stream that can revisit
    /// it, in a pipeline that is not live).
    pub fn may_hold(&self) -> bool {
        self.hold_first_frame && self.detection == DetectionMode::Dynamic && !self.calibrating()
    }

    /// Whether the end-of-stream summary is posted.
    pub fn posts_summary(&self) -> bool {
        self.post_messages || self.mode == RunMode::Detect
    }

    /// The path to write a learned map to, when learning and one is set.
    pub fn learned_map_output(&self) -> Option<&str> {
        match (self.learn, &self.map_output) {
            (true, Some(path)) => Some(path),
            _ => None,
        }
    }
}
