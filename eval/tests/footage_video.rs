//! Guards of the processed-video protocol on real footage (EVALUATION.md, "Processed
//! video on real footage (issue 13)"): the footage generator's Outdoor1 through
//! `bayer2rgb ! videoconvert` to NV12, 320×240, 30 frames, then `defectfix` with its
//! defaults: a sub-pixel pan, a hand-held shot and a tripod shot at high gain, the pan
//! through VP8 and back, an interlaced pan and tripod shot, and the pan and the
//! hand-held shot with graphics composited over them.
//!
//! The targets (defaults, every path, every gain, 60 frames): moving paths ≥ 97 %
//! of the visible spots corrected (error at least quartered) from frame 10 and ≥ 99 % by
//! frame 60; ≤ 5 false changes per MP in every frame of every path, static and hand-held
//! included; PSNR never below the input; compressed ≥ 95 % from frame 10, ≤ 5 false/MP.
//! Today's element is far from them: the floors and ceilings below are today's figures
//! (in the comments) less a margin, so that a change that loses ground fails here; raise
//! them as the element gains.

use defectfix_eval::footage::camera::PathKind;
use defectfix_eval::footage::noise::GAINS;
use defectfix_eval::footage::run;
use defectfix_eval::footage::video::{self, Codec, Options, VideoResult};
use defectfix_eval::footage::video_report::VideoPool;

fn measure(path: PathKind, gain: &str, codec: Codec) -> (VideoResult, VideoPool) {
    measure_with(path, gain, codec, false, false)
}

/// [`measure`], of `interlaced` footage (two fields of consecutive generator frames
/// woven into each frame) and with graphics burned in after the camera (`overlay`: a
/// station bug, a box border, a divider) when asked.
fn measure_with(
    path: PathKind,
    gain: &str,
    codec: Codec,
    interlaced: bool,
    overlay: bool,
) -> (VideoResult, VideoPool) {
    let o = Options {
        footage: run::Options {
            only: Some("Outdoor1".to_string()),
            paths: vec![path],
            gains: GAINS.iter().copied().filter(|g| g.name == gain).collect(),
            frames: 30,
            width: 320,
            height: 240,
            ..run::Options::default()
        },
        formats: vec!["NV12".to_string()],
        codecs: vec![codec],
        interlaced,
        overlay,
        ..Options::default()
    };
    let (mut results, _) = video::run(&o, |_| {}).expect("the protocol runs");
    assert_eq!(results.len(), 1, "one sequence");
    let r = results.remove(0);
    assert_eq!(r.frames.len(), 30, "every frame came out of every stage");
    let mut pool = VideoPool::default();
    pool.add_result(&r);
    eprintln!(
        "{}{} {} {} {}: visible {:.1}/frame, corrected {:.1} % from frame 10, last frame {}/{}, \
         worst false {:.1}/MP from frame 5 ({:.1} over all), {} frames below the input's PSNR (least gain {:.2} dB){}",
        r.scene,
        if interlaced { " (interlaced)" } else { "" },
        r.path.name(),
        r.gain.name,
        codec.name(),
        pool.visible_per_frame(),
        100.0 * pool.recall().unwrap_or(1.0),
        pool.last_quartered,
        pool.last_visible,
        pool.worst_false,
        pool.worst_false_any,
        pool.below_input,
        pool.min_gain,
        if overlay {
            format!(
                ", {} pixel-frames of the graphic changed",
                r.overlay_changed
            )
        } else {
            String::new()
        },
    );
    (r, pool)
}

/// At least `floor` % of the visible spots corrected from frame 10, at most `ceiling`
/// false changes per MP in any frame, and (when `psnr_holds`) no frame below the
/// input's PSNR.
fn assert_levels(r: &VideoResult, p: &VideoPool, floor: f64, ceiling: f64, psnr_holds: bool) {
    let what = format!("{} {} {}", r.path.name(), r.gain.name, r.codec.name());
    assert!(
        p.visible_per_frame() >= 15.0,
        "{what}: too few visible spots"
    );
    let recall = 100.0 * p.recall().unwrap_or(1.0);
    assert!(
        recall >= floor,
        "{what}: {recall:.1} % corrected < {floor} %"
    );
    assert!(
        p.worst_false_any <= ceiling,
        "{what}: {:.1} false changes per MP in a frame > {ceiling}",
        p.worst_false_any
    );
    if psnr_holds {
        assert_eq!(p.below_input, 0, "{what}: frames below the input's PSNR");
    }
}

#[test]
fn sub_pixel_pan() {
    // Today (the shared temporal engine on luma, smooth gradients and demosaiced blocks
    // judged, the dead column confirmed and repaired as a line, the repair's floor at
    // 1 % of the range): 48.5 % corrected from frame 10 (11 of 21 on frame 30), worst
    // 52.1 false/MP (4 pixels; one pixel is 13/MP here), no frame below the input's
    // PSNR. (With the floor at 2 %: 43.2 %, mean PSNR 45.59 → 53.33 dB; before the line
    // repair: 39.3 %, 45.59 → 48.65 dB; before blocks: 38.9 %; before smooth gradients:
    // 33.5 %; the spot tracker: 33.5 %, 221.4.)
    let (r, p) = measure(PathKind::Pan, "mid", Codec::None);
    assert_levels(&r, &p, 44.0, 120.0, true);
    let gain = (p.psnr_out - p.psnr_in) / p.frames as f64;
    assert!(gain > 5.5, "pan: mean PSNR gain {gain:.2} dB");
}

#[test]
fn hand_held() {
    // Today (the column repaired as a line, the repair's floor at 1 %): 30.3 % corrected
    // from frame 10 (10 of 20 on frame 30), worst 52.1 false/MP (4 pixels), no frame
    // below the input's PSNR (with the floor at 2 %: 27.7 %, 26.0; before the line
    // repair: 23.9 %; before blocks: 15.7 %). (The
    // spot tracker: 26.1 %, 390.6; this short hand-held shot confirms less than the
    // pooled protocol's, where the engine gains: EVALUATION.md.)
    let (r, p) = measure(PathKind::Handheld, "mid", Codec::None);
    assert_levels(&r, &p, 26.0, 80.0, true);
}

#[test]
fn static_shot_at_high_gain() {
    // A tripod shot is never made worse: with no motion there is no temporal evidence
    // (a processed picture's stillness proves nothing either), so nothing is confirmed
    // and nothing changed: no false change, no frame below the input's PSNR. (Before
    // "no motion, no evidence": 169.3 false/MP, 11 of 30 frames below.)
    let (r, p) = measure(PathKind::Static, "high", Codec::None);
    assert_levels(&r, &p, 0.0, 0.0, true);
    assert!(
        p.min_gain > -0.3,
        "static: a frame loses {:.2} dB",
        -p.min_gain
    );
}

#[test]
fn pan_through_vp8() {
    // Today (VP8 at 1 bit/pixel: 1.8 Mbit/s, 49.6 dB against the uncoded sequence; the
    // column repaired as a line; graphics told apart; the repair's floor at 1 %): 51.4
    // % corrected from frame 10 (18 of 31 on frame 30), worst 2421.9 false/MP, no frame
    // below the input's PSNR, mean PSNR 44.10 → 47.05 dB (with the floor at 2 %: 43.6
    // %, 1067.7, 47.01 dB). Most of these false changes are repairs of pixels the
    // defects moved by less than the scores' 2 % line of "touched" through the codec:
    // counted with a line of 0.5 %, 143.2/MP (39.1 with the 2 % floor), and the line
    // repair's column pixels left 4–5 levels below the clean coding, repaired to within
    // 1–2 of it (EVALUATION.md). (Before the
    // line repair: 31.0 %, 416.7, 44.10 → 45.62 dB; the true map, the column repaired
    // pixel by pixel: 1653.6; before blocks: 31.4 %, 390.6; the spot tracker: 28.0 %,
    // 364.6.)
    let (r, p) = measure(PathKind::Pan, "mid", Codec::Vp8);
    let coding = r.coding.expect("a coded sequence");
    assert!(coding.psnr > 45.0, "VP8 at {:.1} dB", coding.psnr);
    assert_levels(&r, &p, 46.0, 2800.0, true);
}

#[test]
fn interlaced_pan_and_tripod() {
    // Each field a picture of its own, the fields woven from consecutive generator
    // frames (the pan moves twice as far per frame as the progressive one). Today (the
    // column repaired as a line, the repair's floor at 1 %): 38.5 % corrected from
    // frame 10 (11 of 20 on frame 30), worst 559.9 false/MP, no frame below the input's
    // PSNR (with the floor at 2 %: 36.5 %, 481.8; one frame 0.07 dB below before the
    // demosaic test read the other field's rows; the target of none is met
    // here, not on the whole protocol: this guard holds that it gets no worse); the
    // tripod at high gain: no false change, no frame below the input.
    let (r, p) = measure_with(PathKind::Pan, "mid", Codec::None, true, false);
    assert_levels(&r, &p, 34.0, 800.0, false);
    assert_at_most_one_slight_loss(&p, "interlaced pan");
    let (r, p) = measure_with(PathKind::Static, "high", Codec::None, true, false);
    assert_levels(&r, &p, 0.0, 0.0, true);
}

#[test]
fn graphics_over_a_pan_and_a_hand_held_shot_are_left_alone() {
    // A station bug in small text, a box's one-pixel border and a one-pixel divider down
    // the frame, burned into both sequences after the camera: fixed to the frame as a
    // defect is, but never demosaiced. Today: 3 of 20 550 pixel-frames of the graphic
    // changed on the pan (one frame), 27 on the hand-held shot; no frame below the
    // input's PSNR; 41.9 and 31.6 % corrected from frame 10, worst false 104.2 and
    // 143.2 per MP (with the repair's floor at 2 %: 37.2 and 29.0 %, 52.1 on both).
    // (Before the demosaic and follow tests: 6409 pixel-frames changed on the pan, 27
    // of 30 frames below the input's PSNR, down to 13 dB below.)
    for (path, changed, floor) in [(PathKind::Pan, 40, 37.0), (PathKind::Handheld, 120, 27.0)] {
        let (r, p) = measure_with(path, "mid", Codec::None, false, true);
        assert!(
            r.overlay_changed <= changed,
            "{}: {} pixel-frames of the graphic changed",
            path.name(),
            r.overlay_changed
        );
        assert_levels(&r, &p, floor, 200.0, true);
    }
}

#[test]
fn graphics_over_an_interlaced_pan_are_left_alone() {
    // The same graphic over interlaced frames: in a field a glyph's rows two frame rows
    // apart are adjacent, and only the other field's rows between them show that its
    // strokes never spread as a demosaic does. Today: 16 of 20 550 pixel-frames of the
    // graphic changed, one frame 0.06 dB below the input's PSNR, 34.5 % corrected from
    // frame 10, worst false 481.8/MP (with the repair's floor at 2 %: 33.4 %, one frame
    // 0.09 dB below). (With the fields judged without each other's
    // rows: 1895 changed, 30 of 30 frames below the input, down to 10.5 dB below, worst
    // false 2018.2/MP.)
    let (r, p) = measure_with(PathKind::Pan, "mid", Codec::None, true, true);
    assert!(
        r.overlay_changed <= 60,
        "interlaced pan: {} pixel-frames of the graphic changed",
        r.overlay_changed
    );
    assert_levels(&r, &p, 30.0, 600.0, false);
    assert_at_most_one_slight_loss(&p, "interlaced pan with graphics");
}

/// At most one frame below the input's PSNR, and by less than 0.2 dB.
fn assert_at_most_one_slight_loss(p: &VideoPool, what: &str) {
    assert!(
        p.below_input <= 1 && p.min_gain > -0.2,
        "{what}: {} frames below the input's PSNR, down to {:.2} dB",
        p.below_input,
        p.min_gain
    );
}
