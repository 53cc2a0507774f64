//! The measurement protocols of defectfix, kept out of the plugin: they generate test
//! material, run the element or its engine on it and score the result.
//!
//! [`footage`] makes realistic raw video from the real frames of
//! `../shared/data/raw/natural` (camera paths, sensor noise, fixed sensor defects, star
//! fields) and scores `defectfix` on it frame by frame.

pub mod footage;
