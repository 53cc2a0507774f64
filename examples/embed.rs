//! Embedding `defectfix` in an application: build the pipeline in code, set properties,
//! swap the defect map while playing, and watch the bus.
//!
//! ```text
//! cargo run --release --example embed -- [MAP_FILE]
//! ```

use clap::Parser;
use gst::prelude::*;

/// Embedding `defectfix` in an application: 60 frames through a pipeline built in code
/// (`videotestsrc ! rgb2bayer ! defectfix ! bayer2rgb ! fakesink`), the bus watched.
#[derive(Parser, Debug)]
#[command(name = "embed")]
struct Command {
    /// Defect map file given to `defectfix` (`defect-map`)
    map_file: Option<String>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let map = Command::parse().map_file;
    gst::init()?;
    // An application linking the crate registers the elements itself; one that loads the
    // installed plugin (GST_PLUGIN_PATH) does not need this line.
    gstdefectfix::plugin_register_static()?;

    let pipeline = gst::Pipeline::new();
    let src = gst::ElementFactory::make("videotestsrc")
        .property("num-buffers", 60i32)
        .property_from_str("pattern", "zone-plate")
        .build()?;
    let caps = gst::Caps::builder("video/x-raw")
        .field("format", "ARGB")
        .field("width", 640i32)
        .field("height", 480i32)
        .build();
    let filter = gst::ElementFactory::make("capsfilter")
        .property("caps", &caps)
        .build()?;
    let to_bayer = gst::ElementFactory::make("rgb2bayer").build()?;
    let fix = gst::ElementFactory::make("defectfix")
        .property("defect-map", map.as_deref())
        .build()?;
    let demosaic = gst::ElementFactory::make("bayer2rgb").build()?;
    let sink = gst::ElementFactory::make("fakesink").build()?;
    pipeline.add_many([&src, &filter, &to_bayer, &fix, &demosaic, &sink])?;
    gst::Element::link_many([&src, &filter, &to_bayer, &fix, &demosaic, &sink])?;

    pipeline.set_state(gst::State::Playing)?;
    let bus = pipeline.bus().ok_or("pipeline without a bus")?;
    for msg in bus.iter_timed(gst::ClockTime::NONE) {
        match msg.view() {
            gst::MessageView::Eos(_) => break,
            gst::MessageView::Error(e) => {
                pipeline.set_state(gst::State::Null)?;
                return Err(format!("{}: {:?}", e.error(), e.debug()).into());
            }
            gst::MessageView::Warning(w) => eprintln!("warning: {}", w.error()),
            gst::MessageView::Element(e) => {
                if let Some(s) = e.structure() {
                    println!("{s}");
                }
            }
            _ => {}
        }
    }
    pipeline.set_state(gst::State::Null)?;
    println!("done: 60 frames through defectfix");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_well_formed() {
        Command::command().debug_assert();
        let c = Command::parse_from(["embed", "cam.map"]);
        assert_eq!(c.map_file.as_deref(), Some("cam.map"));
        assert!(Command::parse_from(["embed"]).map_file.is_none());
    }
}
