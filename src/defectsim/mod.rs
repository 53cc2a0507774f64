//! The `defectsim` element: gives a clean raw stream realistic sensor defects, in place,
//! and writes their ground truth as a defect map — for demos, tests and tuning.
//!
//! ```text
//! gst-launch-1.0 videotestsrc ! rgb2bayer ! video/x-bayer,format=rggb \
//!     ! defectsim density=0.0005 seed=7 map-output=truth.map ! defectfix ! bayer2rgb ! autovideosink
//! ```
//!
//! The defect model is [`crate::sim`]; this element only wires it to caps and buffers.

use gst::glib;
use gst::prelude::*;

use crate::sim::Kinds;

mod imp;

glib::wrapper! {
    /// Sensor defect simulator for raw sensor video.
    pub struct DefectSim(ObjectSubclass<imp::DefectSim>)
        @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// The `kinds` property: which defects `defectsim` places. `gst-launch` takes the nicks
/// joined by `+`, e.g. `kinds=hot+dead+column`.
#[glib::flags(name = "GstDefectSimKinds")]
pub enum DefectKinds {
    #[flags_value(name = "Hot pixels: read the white level", nick = "hot")]
    HOT = Kinds::HOT.bits(),
    #[flags_value(name = "Dead pixels: read the black level", nick = "dead")]
    DEAD = Kinds::DEAD.bits(),
    #[flags_value(
        name = "Stuck pixels: read a constant 30-70 % of the range",
        nick = "stuck"
    )]
    STUCK = Kinds::STUCK.bits(),
    #[flags_value(
        name = "Weak pixels: read 25-60 % of the true signal above black",
        nick = "weak"
    )]
    WEAK = Kinds::WEAK.bits(),
    #[flags_value(
        name = "Same-colour pairs: two pixels of one colour, 2 apart, alike",
        nick = "pair"
    )]
    PAIR = Kinds::PAIR.bits(),
    #[flags_value(
        name = "Clusters: 3 to 5 adjacent pixels in a 3x3 block",
        nick = "cluster"
    )]
    CLUSTER = Kinds::CLUSTER.bits(),
    #[flags_value(name = "One whole defective column", nick = "column")]
    COLUMN = Kinds::COLUMN.bits(),
    #[flags_value(name = "One whole defective row", nick = "row")]
    ROW = Kinds::ROW.bits(),
    #[flags_value(
        name = "Twinkling pixels: hot in about one frame in three (not in the ground truth)",
        nick = "twinkle"
    )]
    TWINKLE = Kinds::TWINKLE.bits(),
}

impl From<DefectKinds> for Kinds {
    fn from(k: DefectKinds) -> Kinds {
        Kinds::from_bits(k.bits())
    }
}

impl From<Kinds> for DefectKinds {
    fn from(k: Kinds) -> DefectKinds {
        DefectKinds::from_bits_truncate(k.bits())
    }
}

/// Registers `defectsim` with `plugin`.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "defectsim",
        gst::Rank::NONE,
        DefectSim::static_type(),
    )
}
