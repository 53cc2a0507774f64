//! defectfix: finds and repairs defective sensor pixels (dead, hot, stuck, weak) in raw
//! Bayer and monochrome video, in place.
//!
//! The GStreamer elements live in [`defectfix`](mod@defectfix); everything else is plain
//! Rust with no GStreamer types, so it can be tested and benchmarked on its own:
//! [`frame`] is the frame model (caps parsed into planes, strided views of a frame),
//! [`defect_map`] reads and writes defect maps, [`correct`] repairs pixels and
//! [`engine`] runs one frame through the phases, [`qc`] writes the quality-control
//! report, and [`exec`] is where everything
//! parallel or vectorised runs (the one pool, bands, scratch and instruction-set paths).
//!
//! How well all this works is measured outside the plugin, by the workspace's `eval`
//! crate (defect injection, reference methods, scores), which the examples and tests use.

pub mod calibrate;
pub mod correct;
pub mod defect_map;
#[cfg(feature = "gstreamer")]
pub mod defectfix;
#[cfg(feature = "gstreamer")]
pub mod defectsim;
pub mod detect;
pub mod engine;
pub mod exec;
pub mod frame;
pub mod qc;
pub mod report;
pub mod sim;
pub mod temporal;
pub mod video;

/// Locks `m`, also when another thread panicked while holding it: the data behind the
/// crate's locks stays consistent at every point a panic could happen, and a streaming
/// thread must not panic because another one did.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(feature = "gstreamer")]
fn plugin_init(plugin: &gst::Plugin) -> Result<(), gst::glib::BoolError> {
    defectfix::register(plugin)?;
    defectsim::register(plugin)?;
    Ok(())
}

#[cfg(feature = "gstreamer")]
gst::plugin_define!(
    defectfix,
    env!("CARGO_PKG_DESCRIPTION"),
    plugin_init,
    concat!(env!("CARGO_PKG_VERSION"), "-", env!("COMMIT_ID")),
    "MIT/X11",
    "defectfix",
    "defectfix",
    env!("CARGO_PKG_REPOSITORY"),
    env!("BUILD_REL_DATE")
);
