//! Running a pipeline description to its end with frames pushed in and every
//! `appsink`'s buffers collected: what the demo and the `defectsim` tests do.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use gst::prelude::*;

/// Frames each `appsink` received, by sink name.
pub type Captured = HashMap<String, Vec<Vec<u8>>>;

/// Runs `desc` to EOS: every `appsink` collects its buffers, an `appsrc` named `src` is
/// fed `frames`. Returns the first error on the bus.
pub fn run_pipeline(desc: &str, frames: Vec<Vec<u8>>) -> Result<Captured, String> {
    let pipeline = gst::parse::launch(desc)
        .map_err(|e| format!("cannot build '{desc}': {e}"))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| format!("'{desc}' is not a pipeline"))?;
    let captured: Arc<Mutex<Captured>> = Arc::default();
    for element in pipeline.iterate_recurse().into_iter().flatten() {
        if element.factory().is_none_or(|f| f.name() != "appsink") {
            continue;
        }
        element.set_property("emit-signals", true);
        element.set_property("sync", false);
        let name = element.name().to_string();
        let store = Arc::clone(&captured);
        element.connect("new-sample", false, move |args| {
            let sample = args[0]
                .get::<gst::Element>()
                .ok()
                .and_then(|sink| sink.emit_by_name::<Option<gst::Sample>>("pull-sample", &[]));
            let bytes = sample
                .as_ref()
                .and_then(|s| s.buffer())
                .and_then(|b| b.map_readable().ok().map(|m| m.to_vec()));
            match bytes {
                Some(bytes) => {
                    let mut store = store.lock().unwrap_or_else(|e| e.into_inner());
                    store.entry(name.clone()).or_default().push(bytes);
                    Some(gst::FlowReturn::Ok.to_value())
                }
                None => Some(gst::FlowReturn::Error.to_value()),
            }
        });
    }
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| format!("cannot play '{desc}': {e}"))?;
    if let Some(src) = pipeline.by_name("src") {
        for (i, frame) in frames.into_iter().enumerate() {
            let mut buffer = gst::Buffer::from_mut_slice(frame);
            if let Some(b) = buffer.get_mut() {
                b.set_pts(gst::ClockTime::from_mseconds(33 * i as u64));
                b.set_duration(gst::ClockTime::from_mseconds(33));
            }
            let _ = src.emit_by_name::<gst::FlowReturn>("push-buffer", &[&buffer]);
        }
        let _ = src.emit_by_name::<gst::FlowReturn>("end-of-stream", &[]);
    }
    let bus = pipeline.bus().ok_or("pipeline without a bus")?;
    let result = match bus.timed_pop_filtered(
        gst::ClockTime::from_seconds(120),
        &[gst::MessageType::Eos, gst::MessageType::Error],
    ) {
        Some(msg) => match msg.view() {
            gst::MessageView::Error(err) => Err(format!(
                "{}: {}",
                err.src()
                    .map(|s| s.path_string().to_string())
                    .unwrap_or_default(),
                err.error()
            )),
            _ => Ok(()),
        },
        None => Err(format!("'{desc}' did not finish in 120 s")),
    };
    let _ = pipeline.set_state(gst::State::Null);
    result?;
    let captured = std::mem::take(&mut *captured.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(captured)
}
