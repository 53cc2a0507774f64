//! The measurement protocols of defectfix, kept out of the plugin: what
//! `examples/evaluate.rs`, `examples/evaluate_video.rs`, the demo and the quality tests
//! run to say how well the plugin finds and repairs defects (EVALUATION.md).
//!
//! Dynamic detection on raw Bayer still frames:
//!
//! * [`data`]: the real frames of `../shared/data/raw` with their depth, pattern and
//!   levels, and a reader for headerless raw files;
//! * [`inject`](mod@inject): seeded defects (hot, dead, stuck, weak; some grown into
//!   same-colour pairs and 2×2 blocks) on a clean frame;
//! * [`methods`]: what is compared — the plugin's engine, the open-ISP reference rule
//!   and an oracle (perfect detection, the plugin's correction);
//! * [`score`](mod@score): recall, precision, false changes and PSNR against the clean
//!   frame; and the score of a repaired `defectsim` frame against its ground truth.
//!
//! The processed-video path: [`video`] (panned sequences, fixed sensor defects, spots
//! scored on YUV or RGB frames).
//!
//! Real footage: [`footage`] makes realistic raw video from the real frames of
//! `../shared/data/raw/natural` (camera paths, sensor noise, fixed sensor defects, star
//! fields) and scores the `defectfix` element on it frame by frame.
//!
//! Every random draw comes from the plugin's `sim::SplitMix64`, so a seed gives the same
//! frames as it always has.

pub mod cli;
pub mod data;
pub mod footage;
pub mod inject;
pub mod methods;
pub mod pipeline;
pub mod score;
pub mod synthetic;
pub mod video;

pub use data::{Levels, NATURAL, RawFrame, read_raw};
pub use inject::{Injected, InjectedKind, KINDS, inject, inject_copy};
pub use methods::{Outcome, from_buffer, open_isp, oracle, run_engine, run_engine_with, to_buffer};
pub use score::{RepairScore, Scores, false_per_mp, psnr, score, score_repair};
