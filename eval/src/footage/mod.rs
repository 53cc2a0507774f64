//! Real footage for the Bayer path: realistic raw video made from the real frames of
//! `../shared/data/raw/natural`, run through `appsrc ! defectfix ! appsink` and scored
//! frame by frame.
//!
//! How a sequence is made, in the order the light takes:
//! 1. [`scene`]: the real frame becomes linear half-resolution RGB (each 2×2 cell one
//!    RGB pixel, black subtracted) — the scene, with no texture added;
//! 2. [`camera`]: a camera path (sub-pixel pan with jitter, hand-held random walk with
//!    small rotation and zoom, slow drift, tripod, or a tripod with an object crossing)
//!    places a sensor window in it; each sensor pixel samples its CFA colour of the scene
//!    with a Catmull-Rom interpolator, at the frame's own pattern;
//!    [`stars`] renders star fields instead (Gaussian PSFs integrated per pixel);
//! 3. [`sensor`] / [`noise`]: fresh shot (Poisson) and read (Gaussian) noise every frame
//!    at one of three gains, quantised at the frame's depth and black level, clipped at
//!    white: the *clean* frame;
//! 4. [`defects`]: fixed sensor defects (hot, warm, dead, stuck, weak, same-colour pairs,
//!    2×2 blocks, one column) applied to the same noise draws: the *input*.
//!
//! [`run`] pushes the input through the element with its defaults and through the
//! oracle (the true map, `detection=off`); [`score`] compares both with the clean frame;
//! [`report`] prints the tables of EVALUATION.md. `examples/footage.rs` is the command.
//!
//! [`video`] takes the same sequences through demosaicing and colour conversion (and
//! optionally a codec, or interlacing) to YUV and measures the element's video path on
//! them; [`video_report`] prints its tables (`examples/footage_video.rs`).

pub mod camera;
pub mod defects;
pub mod noise;
pub mod overlay;
pub mod report;
pub mod run;
pub mod scene;
pub mod score;
pub mod sensor;
pub mod stars;
pub mod video;
pub mod video_report;

/// Where a run's time went: seconds per named phase, in the order the phases first
/// took time.
#[derive(Clone, Debug, Default)]
pub struct Timing {
    phases: Vec<(&'static str, std::time::Duration)>,
}

impl Timing {
    /// Adds `d` to `phase`.
    pub fn add(&mut self, phase: &'static str, d: std::time::Duration) {
        match self.phases.iter_mut().find(|(p, _)| *p == phase) {
            Some((_, t)) => *t += d,
            None => self.phases.push((phase, d)),
        }
    }

    /// The closing line of a run of `sequences` sequences, `frames` frames in all,
    /// `elapsed` from its start.
    pub fn summary(&self, sequences: usize, frames: usize, elapsed: std::time::Duration) -> String {
        let phases: Vec<String> = self
            .phases
            .iter()
            .map(|(p, t)| format!("{p} {:.0} s", t.as_secs_f64()))
            .collect();
        format!(
            "{sequences} sequences, {frames} frames in {:.0} s ({})",
            elapsed.as_secs_f64(),
            phases.join(", ")
        )
    }
}
