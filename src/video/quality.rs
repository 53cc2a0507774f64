//! How a pixel error reads to delivery quality control: how visible it is.
//!
//! QC reports grade a pixel error by what a viewer sees: a spot bright against a dark
//! scene jumps out (the eye judges contrast against the local level, and a display's
//! black hides nothing), and so does one on the subject — the centre of the picture,
//! where framing puts the action and the viewer looks; a faint spot close to its
//! surroundings, or one in a corner of a bright busy picture, is minor.

/// The same three grades, and reasons, as the Bayer path's QC report.
pub use crate::report::{Reason, Severity};

/// A deviation (fraction of the range) that is severe anywhere.
pub const SEVERE_DEVIATION: f64 = 0.25;
/// The deviation from which a spot is at least moderate (the "visible" line of the
/// evaluation: 5 % of the range).
pub const VISIBLE_DEVIATION: f64 = 0.05;
/// The darkest level contrast is measured against (fraction of the range).
const DARK_FLOOR: f64 = 0.05;

/// What the severity of one spot is judged from (all fractions of the sample range).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Visibility {
    /// Luma deviation from the surroundings (absolute).
    pub luma: f64,
    /// Largest chroma deviation (absolute; for RGB, how far the colour channels depart
    /// from the luma change).
    pub chroma: f64,
    /// Luma level of the surroundings.
    pub level: f64,
    /// Brighter than its surroundings.
    pub bright: bool,
    /// In the central quarter of the picture (middle half of width and height).
    pub central: bool,
}

/// Whether frame pixel (`x`, `y`) lies on the subject: the middle half of the width and
/// of the height.
pub fn is_central(x: u32, y: u32, width: usize, height: usize) -> bool {
    let (x, y) = (x as usize * 4, y as usize * 4);
    x >= width && x < 3 * width && y >= height && y < 3 * height
}

/// The QC severity of a spot.
pub fn severity(v: &Visibility) -> Severity {
    let deviation = v.luma.max(v.chroma);
    // Contrast of a bright spot against its (dark) surroundings.
    let contrast = if v.bright {
        v.luma / v.level.max(DARK_FLOOR)
    } else {
        0.0
    };
    if deviation >= SEVERE_DEVIATION
        || (deviation >= VISIBLE_DEVIATION && (contrast >= 1.0 || v.central))
    {
        Severity::Severe
    } else if deviation >= VISIBLE_DEVIATION || contrast >= 0.5 {
        Severity::Moderate
    } else {
        Severity::Minor
    }
}

/// Why [`severity`] grades a spot as it does (`reason(v).severity() == severity(v)`).
pub fn reason(v: &Visibility) -> Reason {
    let deviation = v.luma.max(v.chroma);
    let contrast = if v.bright {
        v.luma / v.level.max(DARK_FLOOR)
    } else {
        0.0
    };
    if deviation >= VISIBLE_DEVIATION && contrast >= 1.0 {
        Reason::BrightOnDark
    } else if deviation >= SEVERE_DEVIATION {
        Reason::FarOff
    } else if deviation >= VISIBLE_DEVIATION && v.central {
        Reason::OnSubject
    } else if deviation >= VISIBLE_DEVIATION {
        if v.chroma > v.luma {
            Reason::Colour
        } else {
            Reason::Visible
        }
    } else if contrast >= 0.5 {
        Reason::OnDarkArea
    } else {
        Reason::Faint
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vis(luma: f64, chroma: f64, level: f64, bright: bool, central: bool) -> Visibility {
        Visibility {
            luma,
            chroma,
            level,
            bright,
            central,
        }
    }

    #[test]
    fn follows_the_delivery_qc_reading() {
        // Bright on a dark scene: severe, even off-centre.
        assert_eq!(
            severity(&vis(0.08, 0.0, 0.06, true, false)),
            Severity::Severe
        );
        // The same step on a bright area off-centre: moderate; on the subject: severe.
        assert_eq!(
            severity(&vis(0.08, 0.0, 0.6, true, false)),
            Severity::Moderate
        );
        assert_eq!(severity(&vis(0.08, 0.0, 0.6, true, true)), Severity::Severe);
        // A faint spot close to its surroundings: minor, wherever it is.
        assert_eq!(severity(&vis(0.02, 0.01, 0.5, true, true)), Severity::Minor);
        assert_eq!(
            severity(&vis(0.02, 0.0, 0.5, false, false)),
            Severity::Minor
        );
        // A strong colour error with little luma change is still visible.
        assert_eq!(
            severity(&vis(0.01, 0.12, 0.5, false, false)),
            Severity::Moderate
        );
        // Far off anything: severe.
        assert_eq!(
            severity(&vis(0.4, 0.0, 0.9, false, false)),
            Severity::Severe
        );
        assert!(is_central(50, 50, 100, 100) && !is_central(10, 50, 100, 100));
    }

    #[test]
    fn the_reason_gives_the_severity() {
        let steps = [0.0, 0.01, 0.03, 0.05, 0.08, 0.2, 0.25, 0.5];
        let levels = [0.0, 0.02, 0.06, 0.1, 0.3, 0.9];
        for luma in steps {
            for chroma in steps {
                for level in levels {
                    for bright in [false, true] {
                        for central in [false, true] {
                            let v = vis(luma, chroma, level, bright, central);
                            assert_eq!(reason(&v).severity(), severity(&v), "{v:?}");
                        }
                    }
                }
            }
        }
        assert_eq!(
            reason(&vis(0.08, 0.0, 0.06, true, false)),
            Reason::BrightOnDark
        );
        assert_eq!(reason(&vis(0.08, 0.0, 0.6, true, true)), Reason::OnSubject);
        assert_eq!(reason(&vis(0.01, 0.12, 0.5, false, false)), Reason::Colour);
        assert_eq!(reason(&vis(0.4, 0.0, 0.9, true, true)), Reason::FarOff);
        assert_eq!(reason(&vis(0.02, 0.0, 0.5, false, false)), Reason::Faint);
    }
}
