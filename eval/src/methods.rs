//! The methods the evaluation compares on one frame: this project's engine, the open-ISP
//! reference rule and an oracle (perfect detection, this project's correction), each
//! giving an [`Outcome`]; and the conversions between plain values and frame buffers.

use gstdefectfix::correct::{Mask, estimate};
use gstdefectfix::engine::{Detection, Engine, Mode, SensorSettings};
use gstdefectfix::frame::FrameFormat;
use gstdefectfix::frame::{PlaneMut, PlaneRef};

use crate::data::Levels;
use crate::inject::Injected;

/// A frame buffer (default stride) of `format` holding `values`.
pub fn to_buffer(values: &[u16], format: &FrameFormat) -> Vec<u8> {
    let mut data = vec![0u8; format.default_size()];
    let stride = format.default_stride();
    if let Ok(mut frame) = PlaneMut::new(&mut data, format.plane(), stride) {
        for y in 0..format.height {
            for x in 0..format.width {
                frame.set(x, y, values[y * format.width + x]);
            }
        }
    }
    data
}

/// The values of a frame buffer (default stride).
pub fn from_buffer(data: &[u8], format: &FrameFormat) -> Vec<u16> {
    let mut out = Vec::with_capacity(format.width * format.height);
    if let Ok(frame) = PlaneRef::new(data, format.plane(), format.default_stride()) {
        for y in 0..format.height {
            for x in 0..format.width {
                out.push(frame.get(x, y));
            }
        }
    }
    out
}

/// What a method did to a frame: its output and the pixels it flagged.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// The frame after the method, row-major.
    pub output: Vec<u16>,
    /// Per pixel: the method flagged it as defective.
    pub flagged: Vec<bool>,
}

/// This project's engine with default settings (plus `sensitivity`).
pub fn run_engine(values: &[u16], format: &FrameFormat, sensitivity: f64) -> Outcome {
    let mut engine = Engine::new(format.plane());
    run_engine_with(&mut engine, values, format, sensitivity)
}

/// Same as [`run_engine`] with a caller's engine (to vary its tuning).
pub fn run_engine_with(
    engine: &mut Engine,
    values: &[u16],
    format: &FrameFormat,
    sensitivity: f64,
) -> Outcome {
    let mut data = to_buffer(values, format);
    let stride = format.default_stride();
    let mut flagged = vec![false; values.len()];
    if let Ok(mut frame) = PlaneMut::new(&mut data, format.plane(), stride) {
        let settings = SensorSettings {
            detection: Detection::Dynamic,
            sensitivity,
            n_threads: 0,
        };
        engine.process_with(&mut frame, Mode::Correct, &settings);
        for d in engine.defects() {
            flagged[d.y as usize * format.width + d.x as usize] = true;
        }
    }
    Outcome {
        output: from_buffer(&data, format),
        flagged,
    }
}

/// The open-ISP rule: flag a pixel when all 8 same-colour neighbours at distance 2 differ
/// from it by more than 30/1023 of the range; replace it with the mean of the pair along
/// the direction of least second difference. Borders mirrored.
pub fn open_isp(values: &[u16], width: usize, height: usize, levels: Levels) -> Outcome {
    let thr = (30.0 / 1023.0 * levels.range()).round() as i32;
    let mirror = |c: isize, len: usize| -> usize {
        let len = len as isize;
        let m = if c < 0 {
            -c
        } else if c >= len {
            2 * (len - 1) - c
        } else {
            c
        };
        m.clamp(0, len - 1) as usize
    };
    let at = |x: isize, y: isize| -> i32 {
        i32::from(values[mirror(y, height) * width + mirror(x, width)])
    };
    let mut output = values.to_vec();
    let mut flagged = vec![false; values.len()];
    for y in 0..height as isize {
        for x in 0..width as isize {
            let p0 = at(x, y);
            let n = [
                at(x - 2, y - 2),
                at(x, y - 2),
                at(x + 2, y - 2),
                at(x - 2, y),
                at(x + 2, y),
                at(x - 2, y + 2),
                at(x, y + 2),
                at(x + 2, y + 2),
            ];
            if n.iter().all(|&v| (v - p0).abs() > thr) {
                let i = y as usize * width + x as usize;
                flagged[i] = true;
                // Pairs: vertical, horizontal, left diagonal, right diagonal.
                let pairs = [(n[1], n[6]), (n[3], n[4]), (n[0], n[7]), (n[2], n[5])];
                let mut best = (i32::MAX, 0);
                for (a, b) in pairs {
                    let g = (2 * p0 - a - b).abs();
                    if g < best.0 {
                        best = (g, (a + b + 1) / 2);
                    }
                }
                output[i] = best.1.clamp(0, 65535) as u16;
            }
        }
    }
    Outcome { output, flagged }
}

/// Perfect detection (exactly the injected pixels) with this project's correction.
pub fn oracle(values: &[u16], format: &FrameFormat, injected: &[Injected]) -> Outcome {
    let data = to_buffer(values, format);
    let mut output = values.to_vec();
    let mut flagged = vec![false; values.len()];
    let mut mask = Mask::new(format.width, format.height);
    for d in injected {
        mask.set(d.x as usize, d.y as usize);
        flagged[d.y as usize * format.width + d.x as usize] = true;
    }
    if let Ok(frame) = PlaneRef::new(&data, format.plane(), format.default_stride()) {
        for d in injected {
            if let Some(v) = estimate(&frame, &mask, d.x as usize, d.y as usize) {
                output[d.y as usize * format.width + d.x as usize] = v;
            }
        }
    }
    Outcome { output, flagged }
}
