//! Calibration engine: synthetic dark and flat series with known defects (exact sets),
//! transient rejection, limits, the same result for every thread count, and real dark / light frames of a Point Grey Flea3
//! (Sony ICX655) from `../shared/data/raw/flea3_icx655`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use gstdefectfix::calibrate::{
    CalibrationError, CalibrationKind, CalibrationParams, Calibrator, DefectClass, MAX_FRAMES,
};
use gstdefectfix::defect_map::Entry;
use gstdefectfix::engine::{Detection, Engine, Mode, SensorSettings};
use gstdefectfix::frame::FrameFormat;
use gstdefectfix::frame::{PlaneMut, PlaneRef};
use gstdefectfix::sim::SplitMix64;

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

/// Approximately standard normal draws (Irwin–Hall: sum of 12 uniforms − 6) from the
/// plugin's SplitMix64, so the synthetic series never change.
trait Normal {
    fn normal(&mut self) -> f64;
}

impl Normal for SplitMix64 {
    fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.unit()).sum::<f64>() - 6.0
    }
}

fn format(name: &str, w: usize, h: usize) -> FrameFormat {
    let media = if name.starts_with("GRAY") {
        "video/x-raw"
    } else {
        "video/x-bayer"
    };
    FrameFormat::parse(media, name, w as i64, h as i64).expect("valid format")
}

/// A frame at the default stride with samples `value(x, y)` (rounded, clamped).
fn make_frame(f: &FrameFormat, mut value: impl FnMut(usize, usize) -> f64) -> Vec<u8> {
    let mut data = vec![0u8; f.default_size()];
    let mut m = PlaneMut::new(&mut data, f.plane(), f.default_stride()).expect("frame fits");
    for y in 0..f.height {
        for x in 0..f.width {
            let v = value(x, y).round().clamp(0.0, f64::from(f.max_value()));
            m.set(x, y, v as u16);
        }
    }
    data
}

fn add(c: &mut Calibrator, data: &[u8]) {
    // Frames of `make_frame`: whole rows at the default stride.
    let p = *c.plane();
    let r = PlaneRef::new(data, p, data.len() / p.height).expect("frame fits");
    c.add_frame(&r).expect("frame accepted");
}

fn found(cal: &gstdefectfix::calibrate::Calibration) -> BTreeMap<(u32, u32), DefectClass> {
    cal.defects.iter().map(|d| ((d.x, d.y), d.class)).collect()
}

fn raw_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/raw")
}

const FLEA_W: usize = 408;
const FLEA_H: usize = 344;

/// The two Flea3 dark frames of one exposure (raw u8 bytes), in file order.
fn flea3_darks(exposure_ms: u32) -> Vec<Vec<u8>> {
    let dir = raw_dir().join("flea3_icx655/dark");
    let prefix = format!("d1_dark_{exposure_ms}ms_");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with("_408x344_8bit_GBRG.raw"))
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "two dark frames at {exposure_ms} ms");
    names
        .iter()
        .map(|p| {
            let d = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert_eq!(d.len(), FLEA_W * FLEA_H);
            d
        })
        .collect()
}

fn flea3_format() -> FrameFormat {
    format("gbrg", FLEA_W, FLEA_H)
}

/// Calibrates on tightly packed 8-bit frames (stride = width, as in the files).
fn calibrate_packed(
    kind: CalibrationKind,
    frames: &[Vec<u8>],
) -> gstdefectfix::calibrate::Calibration {
    let f = flea3_format();
    let mut c = Calibrator::new(kind, f.plane());
    for d in frames {
        let r = PlaneRef::new(d, f.plane(), FLEA_W).expect("frame fits");
        c.add_frame(&r).expect("frame accepted");
    }
    c.finish()
}

/// Pixels at least `t` DN in every frame.
fn at_least_in_all(frames: &[Vec<u8>], t: u8) -> BTreeSet<(u32, u32)> {
    (0..FLEA_W * FLEA_H)
        .filter(|&i| frames.iter().all(|f| f[i] >= t))
        .map(|i| ((i % FLEA_W) as u32, (i / FLEA_W) as u32))
        .collect()
}

// ---------------------------------------------------------------------------------
// Synthetic dark series
// ---------------------------------------------------------------------------------

/// 12-bit RGGB darks: per-channel black levels, read noise σ = 3 DN, 16 frames. The
/// absolute floor rules (4095/64 ≈ 64 DN): +600 DN is hot (> 4 × 64), +120 DN warm,
/// +40 DN and a pixel far below the level are not defects.
#[test]
fn dark_series_finds_exact_hot_and_warm_sets() {
    let f = format("rggb12le", 64, 48);
    let levels = [256.0, 262.0, 259.0, 248.0];
    let planted: BTreeMap<(usize, usize), f64> = [
        ((10, 10), 600.0), // hot
        ((12, 10), 600.0), // same-colour neighbour of the previous one, also hot
        ((0, 0), 900.0),   // corner, hot
        ((63, 47), 150.0), // opposite corner, warm
        ((21, 30), 120.0), // warm
        ((40, 17), 300.0), // hot (300 > 4 × 64)
        ((33, 33), 40.0),  // below the floor: not a defect
        ((50, 8), -200.0), // far below the level: not something darks can judge
    ]
    .into_iter()
    .collect();
    let mut rng = SplitMix64::new(1);
    let mut c = Calibrator::new(CalibrationKind::Dark, f.plane());
    for _ in 0..16 {
        let d = make_frame(&f, |x, y| {
            let level = levels[(y & 1) * 2 + (x & 1)];
            level + planted.get(&(x, y)).copied().unwrap_or(0.0) + 3.0 * rng.normal()
        });
        add(&mut c, &d);
    }
    let cal = c.finish();
    let expected: BTreeMap<(u32, u32), DefectClass> = [
        ((0, 0), DefectClass::Hot),
        ((10, 10), DefectClass::Hot),
        ((12, 10), DefectClass::Hot),
        ((40, 17), DefectClass::Hot),
        ((21, 30), DefectClass::Warm),
        ((63, 47), DefectClass::Warm),
    ]
    .into_iter()
    .collect();
    assert_eq!(found(&cal), expected);
    assert_eq!(
        (cal.counts.hot, cal.counts.warm, cal.counts.total()),
        (4, 2, 6)
    );
    assert_eq!(cal.frames, 16);
    // Row-major order, map and defects in step.
    let map: Vec<Entry> = expected
        .keys()
        .map(|&(x, y)| (y, x))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|(y, x)| Entry::Pixel {
            x: i64::from(x),
            y: i64::from(y),
        })
        .collect();
    assert_eq!(cal.map.entries(), map.as_slice());
    assert_eq!(cal.channels.len(), 4);
    for ch in &cal.channels {
        assert!((ch.level - levels[ch.plane] as f32).abs() <= 1.0, "{ch:?}");
        // Mean of 16 frames with σ = 3: 0.75 DN.
        assert!((0.5..1.0).contains(&ch.spread), "{ch:?}");
        assert!((ch.threshold - 4095.0 / 64.0).abs() < 1e-3, "{ch:?}");
    }
    for d in &cal.defects {
        assert!((d.mean - d.reference - d.score).abs() < 1e-3);
        assert!(f32::from(d.peak) >= d.mean);
    }
    assert!(cal.header().contains("4 hot, 2 warm"));
}

/// 8-bit darks so noisy that the statistical term rules: σ per frame 4 DN, 4 frames,
/// spread of means 2 DN, threshold 6 σ ≈ 12 DN (not the 4 DN floor).
#[test]
fn dark_threshold_follows_noise_when_noise_rules() {
    let f = format("bggr", 80, 60);
    let planted: BTreeMap<(usize, usize), f64> = [
        ((5, 5), 100.0),  // hot: > 4 × 12
        ((30, 40), 30.0), // warm
        ((60, 20), 9.0),  // above the absolute floor, within the noise: not a defect
    ]
    .into_iter()
    .collect();
    let mut rng = SplitMix64::new(7);
    let mut c = Calibrator::new(CalibrationKind::Dark, f.plane());
    for _ in 0..4 {
        let d = make_frame(&f, |x, y| {
            32.0 + planted.get(&(x, y)).copied().unwrap_or(0.0) + 4.0 * rng.normal()
        });
        add(&mut c, &d);
    }
    let cal = c.finish();
    let expected: BTreeMap<(u32, u32), DefectClass> =
        [((5, 5), DefectClass::Hot), ((30, 40), DefectClass::Warm)]
            .into_iter()
            .collect();
    assert_eq!(found(&cal), expected);
    for ch in &cal.channels {
        assert!((1.5..2.6).contains(&ch.spread), "{ch:?}");
        assert!((ch.threshold - 6.0 * ch.spread).abs() < 1e-4, "{ch:?}");
        assert!(ch.threshold > 255.0 / 64.0);
    }
}

/// A spike in one frame (cosmic ray, flash) raises a pixel's mean past the hot
/// threshold but is not a hot pixel: it is confirmed in one frame only.
#[test]
fn single_frame_spike_is_not_hot() {
    let f = format("grbg16le", 40, 32);
    for frames in [2usize, 3, 8] {
        let mut c = Calibrator::new(CalibrationKind::Dark, f.plane());
        let mut rng = SplitMix64::new(frames as u64);
        for i in 0..frames {
            let d = make_frame(&f, |x, y| {
                let mut v = 1000.0 + 20.0 * rng.normal();
                if (x, y) == (17, 9) && i == frames / 2 {
                    v = 65535.0; // the spike
                }
                if (x, y) == (3, 28) {
                    v += 30000.0; // a real hot pixel, in every frame
                }
                if (x, y) == (25, 20) && i > 0 {
                    v += 30000.0; // hot in all frames but the first
                }
                v
            });
            add(&mut c, &d);
        }
        let cal = c.finish();
        let mut expected = vec![(3, 28)];
        if frames > 2 {
            // Hot in a majority of frames (2 of 3, 7 of 8).
            expected.insert(0, (25, 20));
        }
        let got: Vec<(u32, u32)> = cal.defects.iter().map(|d| (d.x, d.y)).collect();
        assert_eq!(got, expected, "{frames} frames");
        // The spike alone did raise the mean past the threshold.
        let spike_mean = 1000.0 + (65535.0 - 1000.0) / frames as f32;
        assert!(spike_mean - cal.channels[0].level > 4.0 * cal.channels[0].threshold);
    }
}

// ---------------------------------------------------------------------------------
// Synthetic flat series
// ---------------------------------------------------------------------------------

/// 12-bit RGGB white card with 45 % vignetting, channel gains, black level 64, shot-like
/// noise of 1 %, 8 frames; dead, weak and bright pixels (one each near the border, one
/// same-colour pair) and healthy ones at ±15 % that must stay unflagged.
#[test]
fn flat_series_finds_exact_dead_weak_bright_sets() {
    let (w, h) = (96usize, 64usize);
    let f = format("rggb12le", w, h);
    let black = 64.0;
    let gains = [0.8, 1.0, 1.02, 0.6];
    let response: BTreeMap<(usize, usize), f64> = [
        ((20, 20), 0.0),  // dead: reads black
        ((22, 20), 0.0),  // its same-colour neighbour, dead too
        ((0, 1), 0.05),   // dead, at the border
        ((41, 13), 0.5),  // weak
        ((70, 50), 0.65), // weak
        ((95, 63), 0.6),  // weak, corner
        ((55, 30), 1.6),  // bright
        ((8, 44), 1.45),  // bright
        ((77, 9), 0.85),  // healthy enough: 15 % low
        ((30, 57), 1.15), // healthy enough: 15 % high
        ((60, 60), 1.22), // healthy enough
    ]
    .into_iter()
    .collect();
    let params = CalibrationParams {
        black_level: 64,
        ..CalibrationParams::default()
    };
    let mut c = Calibrator::with_params(CalibrationKind::Flat, f.plane(), params);
    let mut rng = SplitMix64::new(3);
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    let r2max = cx * cx + cy * cy;
    for i in 0..8 {
        let d = make_frame(&f, |x, y| {
            let r2 = (x as f64 - cx).powi(2) + (y as f64 - cy).powi(2);
            let light = 2400.0 * (1.0 - 0.45 * r2 / r2max) * gains[(y & 1) * 2 + (x & 1)];
            let k = response.get(&(x, y)).copied().unwrap_or(1.0);
            let mut v = black + k * light * (1.0 + 0.01 * rng.normal());
            if (x, y) == (93, 61) && i == 5 {
                // A one-frame spike (+45 % on the plain mean): not a bright pixel.
                v = 4095.0;
            }
            v
        });
        add(&mut c, &d);
    }
    let cal = c.finish();
    let expected: BTreeMap<(u32, u32), DefectClass> = [
        ((20, 20), DefectClass::Dead),
        ((22, 20), DefectClass::Dead),
        ((0, 1), DefectClass::Dead),
        ((41, 13), DefectClass::Weak),
        ((70, 50), DefectClass::Weak),
        ((95, 63), DefectClass::Weak),
        ((55, 30), DefectClass::Bright),
        ((8, 44), DefectClass::Bright),
    ]
    .into_iter()
    .collect();
    assert_eq!(found(&cal), expected);
    assert_eq!(
        (cal.counts.dead, cal.counts.weak, cal.counts.bright),
        (3, 3, 2)
    );
    assert_eq!(cal.unjudged, 0);
    for d in &cal.defects {
        let k = response[&(d.x as usize, d.y as usize)] as f32;
        assert!((d.score - k).abs() < 0.05, "{d:?}");
    }
    for ch in &cal.channels {
        // 1 % noise per frame, 8 frames, ratio of two such values: about 0.5 %.
        assert!((0.002..0.01).contains(&ch.spread), "{ch:?}");
    }
    assert!(cal.header().contains("3 dead, 3 weak, 2 bright"));
}

/// Where the card is not lit, no pixel can be judged; none is reported there.
#[test]
fn flat_unlit_region_is_not_judged() {
    let f = format("GRAY8", 64, 32);
    let mut c = Calibrator::new(CalibrationKind::Flat, f.plane());
    let mut rng = SplitMix64::new(11);
    for _ in 0..4 {
        let d = make_frame(&f, |x, y| {
            if x < 20 {
                1.0 // unlit: 1 DN, far below 1/32 of full scale
            } else if (x, y) == (40, 16) {
                10.0 // dead
            } else {
                180.0 + 2.0 * rng.normal()
            }
        });
        add(&mut c, &d);
    }
    let cal = c.finish();
    let got: Vec<(u32, u32, DefectClass)> =
        cal.defects.iter().map(|d| (d.x, d.y, d.class)).collect();
    assert_eq!(got, vec![(40, 16, DefectClass::Dead)]);
    // Columns 0..=19 are unlit; with a 5 × 5 window of lower medians, columns up to
    // 20 - 1 are unjudged and column 20 onwards judged.
    assert_eq!(cal.unjudged, 20 * 32);
}

// ---------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------

/// 65 536 frames of full-scale 16-bit samples fit the u32 sums; one more is refused.
#[test]
fn accepts_max_frames_of_full_scale_and_refuses_more() {
    let f = format("GRAY16_LE", 2, 2);
    let data = make_frame(&f, |_, _| 65535.0);
    let r = PlaneRef::new(&data, f.plane(), f.default_stride()).expect("fits");
    let mut c = Calibrator::new(CalibrationKind::Dark, f.plane());
    for _ in 0..MAX_FRAMES {
        c.add_frame(&r).expect("accepted");
    }
    assert_eq!(c.add_frame(&r), Err(CalibrationError::Full));
    let cal = c.finish();
    assert_eq!(cal.frames, MAX_FRAMES);
    assert_eq!(cal.channels[0].level, 65535.0);
    assert!(cal.defects.is_empty());
}

// ---------------------------------------------------------------------------------
// Real frames: Flea3 (ICX655) darks, 8-bit GBRG 408 × 344
// ---------------------------------------------------------------------------------

/// Every exposure: the pixels at least 20 DN in both darks are all found; every pixel
/// found repeats in both frames (≥ 4 DN in each: above the 4 DN floor). Prints
/// the measured counts.
#[test]
fn flea3_darks_find_the_pixels_hot_in_both_frames() {
    for exposure in [25, 50, 100, 250, 500, 2000, 3916] {
        let frames = flea3_darks(exposure);
        let cal = calibrate_packed(CalibrationKind::Dark, &frames);
        let got: BTreeSet<(u32, u32)> = cal.defects.iter().map(|d| (d.x, d.y)).collect();
        let hot20 = at_least_in_all(&frames, 20);
        let missing: Vec<_> = hot20.difference(&got).collect();
        assert!(missing.is_empty(), "{exposure} ms: missed {missing:?}");
        let extras: Vec<_> = got.difference(&hot20).copied().collect();
        let extras_ge5 = extras
            .iter()
            .filter(|&&(x, y)| {
                frames
                    .iter()
                    .all(|f| f[y as usize * FLEA_W + x as usize] >= 5)
            })
            .count();
        eprintln!(
            "{exposure:>5} ms: found {:>3} ({} hot, {} warm); >=20 DN in both: {:>2}, all found; \
             extras {:>2} ({} of them >= 5 DN in both)",
            got.len(),
            cal.counts.hot,
            cal.counts.warm,
            hot20.len(),
            extras.len(),
            extras_ge5
        );
        for d in &cal.defects {
            let i = d.y as usize * FLEA_W + d.x as usize;
            assert!(
                frames.iter().all(|f| f[i] >= 4) && d.mean >= 4.0,
                "{exposure} ms: {d:?} does not repeat"
            );
        }
        for ch in &cal.channels {
            assert_eq!(ch.level, 0.0, "{exposure} ms: {ch:?}");
            assert!((ch.threshold - 255.0 / 64.0).abs() < 1e-4);
        }
        // Few extras: warm pixels between the 4 DN floor and 20 DN.
        assert!(extras.len() <= 16, "{exposure} ms: {} extras", extras.len());
        match exposure {
            25 | 50 => assert!(got.is_empty()),
            3916 => assert_eq!(hot20.len(), 15),
            2000 => assert_eq!(hot20.len(), 8),
            _ => {}
        }
    }
}

/// The example: the 3916 ms pair. Every pixel ≥ 20 DN in both frames is found
/// and graded hot; the extra ones are warm pixels that repeat in both frames.
#[test]
fn flea3_3916ms_pair() {
    let frames = flea3_darks(3916);
    let cal = calibrate_packed(CalibrationKind::Dark, &frames);
    let hot20 = at_least_in_all(&frames, 20);
    let classes = found(&cal);
    for p in &hot20 {
        assert_eq!(classes.get(p), Some(&DefectClass::Hot), "{p:?}");
    }
    let extras: Vec<_> = classes.keys().filter(|p| !hot20.contains(p)).collect();
    assert!(extras.len() <= 16, "{} extras", extras.len());
    for d in cal.defects.iter().filter(|d| !hot20.contains(&(d.x, d.y))) {
        let i = d.y as usize * FLEA_W + d.x as usize;
        assert!(frames.iter().all(|f| f[i] >= 4), "{d:?}");
    }
}

/// A map calibrated on the 2000 ms darks, used on the 2000 ms 400 nm light frame
/// (dim, mean 8–16 DN): every hot pixel of the darks (≥ 20 DN in both) is brought
/// within the range of its healthy same-colour neighbours, and no pixel outside the
/// map changes.
#[test]
fn flea3_2000ms_map_repairs_the_400nm_light_frame() {
    let darks = flea3_darks(2000);
    let cal = calibrate_packed(CalibrationKind::Dark, &darks);
    let hot20 = at_least_in_all(&darks, 20);
    assert_eq!(hot20.len(), 8);

    let path = raw_dir().join(
        "flea3_icx655/light/d1_disks32cmV2_400nm_2000ms_2019-02-08-174445-0004_408x344_8bit_GBRG.raw",
    );
    let original = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(original.len(), FLEA_W * FLEA_H);
    let mut data = original.clone();
    let f = flea3_format();
    let mut engine = Engine::new(f.plane());
    let map = Arc::new(cal.map.clone());
    let placement = engine.set_map(Some(&map), 0, 0).expect("map installed");
    assert_eq!(placement.pixels, cal.defects.len());
    let settings = SensorSettings {
        detection: Detection::Off,
        ..SensorSettings::default()
    };
    let report = {
        let mut frame = PlaneMut::new(&mut data, f.plane(), FLEA_W).expect("frame fits");
        engine.process_with(&mut frame, Mode::Correct, &settings)
    };

    let mapped: BTreeSet<(u32, u32)> = cal.defects.iter().map(|d| (d.x, d.y)).collect();
    let changed: BTreeSet<(u32, u32)> = (0..FLEA_W * FLEA_H)
        .filter(|&i| data[i] != original[i])
        .map(|i| ((i % FLEA_W) as u32, (i / FLEA_W) as u32))
        .collect();
    assert!(
        changed.is_subset(&mapped),
        "changed outside the map: {:?}",
        changed.difference(&mapped)
    );
    assert_eq!(report.corrected, changed.len());
    for &(x, y) in &hot20 {
        let (x, y) = (x as usize, y as usize);
        // Healthy same-colour pixels within two same-colour steps.
        let mut near = Vec::new();
        for dy in [-4isize, -2, 0, 2, 4] {
            for dx in [-4isize, -2, 0, 2, 4] {
                let (Some(nx), Some(ny)) = (x.checked_add_signed(dx), y.checked_add_signed(dy))
                else {
                    continue;
                };
                if nx < FLEA_W
                    && ny < FLEA_H
                    && (dx, dy) != (0, 0)
                    && !mapped.contains(&(nx as u32, ny as u32))
                {
                    near.push(original[ny * FLEA_W + nx]);
                }
            }
        }
        let (lo, hi) = (
            near.iter().copied().min().unwrap_or(0),
            near.iter().copied().max().unwrap_or(255),
        );
        let before = original[y * FLEA_W + x];
        let after = data[y * FLEA_W + x];
        assert!(
            (lo..=hi).contains(&after),
            "({x}, {y}): {before} -> {after}, neighbours {lo}..={hi}"
        );
        assert!(
            before > hi,
            "({x}, {y}) is hot in the light frame too: {before} > {hi}"
        );
    }
    eprintln!(
        "2000 ms map: {} pixels ({} hot, {} warm); 400 nm frame: {} changed, all {} hot pixels \
         repaired into their neighbours' range",
        cal.defects.len(),
        cal.counts.hot,
        cal.counts.warm,
        changed.len(),
        hot20.len()
    );
}

// ---------------------------------------------------------------------------------
// Real frame: Infinite-ISP 12-bit black image (u16 LE path)
// ---------------------------------------------------------------------------------

/// One 12-bit BGGR dark frame (black-subtracted, background 0–10 DN). With the default
/// floor (4095/64 ≈ 64 DN) only pixels clearly above the background are found: the
/// 86 DN pixel at (692, 381) and the capture artefacts of the last column (1280 DN and
/// more), and nothing below 64 DN above the level.
#[test]
fn infiniteisp_black_image_12bit() {
    let path = raw_dir().join("dark/infiniteisp_BlackImage_1920x1080_12bit_BGGR.raw");
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let f = format("bggr12le", 1920, 1080);
    let r = PlaneRef::new(&data, f.plane(), 1920 * 2).expect("frame fits");
    let mut c = Calibrator::new(CalibrationKind::Dark, f.plane());
    c.add_frame(&r).expect("accepted");
    let cal = c.finish();
    let classes = found(&cal);
    assert!(classes.contains_key(&(692, 381)), "the 86 DN pixel");
    let column: Vec<u32> = (0..1080u32)
        .filter(|&y| r.get(1919, y as usize) >= 1280)
        .collect();
    assert!(column.len() > 700);
    for y in column {
        assert_eq!(
            classes.get(&(1919, y)),
            Some(&DefectClass::Hot),
            "(1919, {y})"
        );
    }
    for d in &cal.defects {
        let level = cal.channels[f.cfa.plane_index(d.x as usize, d.y as usize)].level;
        assert!(d.mean - level > 4095.0 / 64.0, "{d:?}");
    }
    eprintln!(
        "12-bit black image: {} found ({} hot, {} warm), levels {:?}",
        cal.defects.len(),
        cal.counts.hot,
        cal.counts.warm,
        cal.channels.iter().map(|c| c.level).collect::<Vec<_>>()
    );
}

#[test]
fn calibration_is_identical_for_every_thread_count() {
    // Large enough to run in parallel (more than 2^16 pixels, several bands), with a
    // vignetted card, noise and defects of every class.
    let (w, h) = (420, 330);
    let f = format("grbg12le", w, h);
    let mut rng = SplitMix64::new(11);
    let frames: Vec<(CalibrationKind, Vec<u8>)> = (0..6)
        .map(|i| {
            let kind = if i < 3 {
                CalibrationKind::Dark
            } else {
                CalibrationKind::Flat
            };
            let d = make_frame(&f, |x, y| {
                let defect = (x * 7 + y * 13) % 509;
                let base = match kind {
                    CalibrationKind::Dark => 64.0 + 3.0 * rng.normal(),
                    CalibrationKind::Flat => {
                        let r2 = (x as f64 - 210.0).powi(2) + (y as f64 - 165.0).powi(2);
                        64.0 + 2000.0 * (1.0 - r2 / 80_000.0) * (1.0 + 0.01 * rng.normal())
                    }
                };
                match defect {
                    0 => 4095.0,
                    1 => base * 0.5,
                    2 => base * 1.6,
                    3 => 64.0,
                    _ => base,
                }
            });
            (kind, d)
        })
        .collect();
    for kind in [CalibrationKind::Dark, CalibrationKind::Flat] {
        let mut results = Vec::new();
        for n_threads in [1usize, 2, 3, 0] {
            let mut c = Calibrator::new(kind, f.plane());
            c.set_n_threads(n_threads);
            for (_, d) in frames.iter().filter(|(k, _)| *k == kind) {
                add(&mut c, d);
            }
            results.push(c.finish());
        }
        assert!(
            results[0].counts.total() > 100,
            "{kind}: {:?}",
            results[0].counts
        );
        for r in &results[1..] {
            assert_eq!(r, &results[0], "{kind}");
        }
    }
}
