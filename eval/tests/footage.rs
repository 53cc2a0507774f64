//! Guards of the real-footage protocol (EVALUATION.md, "Real footage (Bayer)"): the
//! element with its defaults on two natural scenes, each panned, handheld and on a
//! tripod, at the middle gain, and on the star fields, drifting and fixed (the 12-bit one for its dead
//! column under a dark sky); 30 frames of 640×480 each. The
//! figures asserted are those the temporal evidence reaches today, less a margin: a
//! change that loses them fails here before it reaches the full protocol.

use defectfix_eval::footage::camera::PathKind;
use defectfix_eval::footage::noise::GAINS;
use defectfix_eval::footage::run::{self, Options, SequenceResult};
use defectfix_eval::footage::score::Pool;

const HOT: usize = 0;
const WARM: usize = 1;
const DEAD: usize = 2;
const STUCK: usize = 3;
const WEAK: usize = 4;
const COLUMN: usize = 7;

fn options(only: &str, paths: &[PathKind]) -> Options {
    Options {
        only: Some(only.to_string()),
        paths: paths.to_vec(),
        gains: GAINS.iter().copied().filter(|g| g.name == "mid").collect(),
        frames: 30,
        column: false,
        ..Options::default()
    }
}

fn sequences(o: &Options) -> Vec<SequenceResult> {
    let (results, _) = run::run(o, |_| {}).expect("footage runs");
    assert!(!results.is_empty(), "no sequence for {:?}", o.only);
    results
}

fn pool(r: &SequenceResult) -> Pool {
    let mut p = Pool::default();
    p.add_sequence(&r.frames);
    p
}

fn percent(p: &Pool, c: usize) -> f64 {
    100.0 * p.recall(c).unwrap_or(1.0)
}

/// What every sequence must keep: PSNR above the input in every frame, few false
/// changes from frame 5 on.
fn assert_safe(r: &SequenceResult, worst_false_per_mp: f64) {
    for s in &r.frames {
        assert!(
            s.psnr_out > s.psnr_in,
            "{} {}: frame {} PSNR {:.2} not above the input's {:.2}",
            r.scene,
            r.path.name(),
            s.frame,
            s.psnr_out,
            s.psnr_in
        );
    }
    let p = pool(r);
    assert!(
        p.worst_false <= worst_false_per_mp,
        "{} {}: {:.1} false changes per MP in a frame",
        r.scene,
        r.path.name(),
        p.worst_false
    );
}

#[test]
fn moving_natural_scenes_gain_from_time() {
    // (scene, path, least recall from frame 10 in % of hot, warm, dead, stuck, weak)
    let floors: [(&str, PathKind, [f64; 5]); 4] = [
        // (Measured on 1e53f13: Outdoor1 pan 99.8, 86.8, 78.0, 94.9, 72.7 — its warm
        // pixels 93.0 before the robust motion search; hand-held 100, 83.7, 68.0, 93.0,
        // 48.1; Indoor1 pan 100, 99.8, 99.2, 100, 94.1; hand-held 100, 91.8, 90.2, 100,
        // 74.8. On 527cfda, with the dark points at rest and between instants: Outdoor1
        // pan 99.8, 90.0, 77.1, 96.5, 75.3; hand-held 100, 83.4, 77.3, 93.0, 51.9;
        // Indoor1 pan 100, 99.8, 100, 100, 95.0; hand-held 100, 93.2, 99.5, 100, 90.0.
        // On 311bf1a, smooth gradients judged at instants: Outdoor1 pan 99.8, 90.0,
        // 83.6, 96.5, 86.6; hand-held 100, 84.1, 81.3, 93.0, 62.8; Indoor1 hand-held
        // warm 95.7.)
        ("Outdoor1", PathKind::Pan, [97.0, 86.0, 80.0, 93.0, 83.0]),
        (
            "Outdoor1",
            PathKind::Handheld,
            [97.0, 80.0, 78.0, 90.0, 59.0],
        ),
        ("Indoor1", PathKind::Pan, [97.0, 96.0, 97.0, 97.0, 92.0]),
        (
            "Indoor1",
            PathKind::Handheld,
            [97.0, 90.0, 96.0, 97.0, 86.0],
        ),
    ];
    for scene in ["Outdoor1", "Indoor1"] {
        for r in sequences(&options(scene, &[PathKind::Pan, PathKind::Handheld])) {
            let p = pool(&r);
            let got = [HOT, WARM, DEAD, STUCK, WEAK].map(|c| percent(&p, c));
            eprintln!(
                "{scene} {}: recall {got:.1?}, worst false/MP {:.1}",
                r.path.name(),
                p.worst_false
            );
            let (_, _, floor) = floors
                .iter()
                .find(|(s, k, _)| *s == scene && *k == r.path)
                .expect("a floor for every sequence");
            for (i, (&g, &f)) in got.iter().zip(floor).enumerate() {
                assert!(
                    g >= f,
                    "{scene} {}: category {i}: {g:.1} % < {f} %",
                    r.path.name()
                );
            }
            assert_safe(&r, 10.0);
        }
    }
}

#[test]
fn dead_and_weak_pixels_of_a_still_scene_are_found_by_their_lasting_darkness() {
    // (scene, least recall from frame 10 in % of dead and weak pixels.) Measured on
    // 886bfdc: Outdoor2 69.8 and 65.4 (37.7 and 22.6 before the rest evidence for dark
    // points), Indoor1 100 and 88.0 (88.3, 73.0).
    for (scene, floor) in [("Outdoor2", [65.0, 60.0]), ("Indoor1", [97.0, 84.0])] {
        for r in sequences(&options(scene, &[PathKind::Static])) {
            let p = pool(&r);
            let got = [DEAD, WEAK].map(|c| percent(&p, c));
            eprintln!(
                "{scene} static: dead, weak {got:.1?}, worst false/MP {:.1}",
                p.worst_false
            );
            for (i, (&g, &f)) in got.iter().zip(&floor).enumerate() {
                assert!(g >= f, "{scene} static: category {i}: {g:.1} % < {f} %");
            }
            assert_safe(&r, 10.0);
        }
    }
}

#[test]
fn star_fields_keep_their_stars() {
    for r in sequences(&options("stars", &[PathKind::Drift, PathKind::Static])) {
        let p = pool(&r);
        eprintln!(
            "{} {}: stars altered {} of {}, hot {:.1} %, worst false/MP {:.1}",
            r.scene,
            r.path.name(),
            p.stars_altered,
            p.stars,
            percent(&p, HOT),
            p.worst_false
        );
        // Today (daa6b9e and the unsettled off-centre points after it): none on the
        // fixed fields (stars8 0 of 5400, stars12 0 of 5280; 1 and 10 before the prior
        // of a field of points), and at most 0.2 % drifting (stars8 0 of 5283, stars12
        // 9 of 5579; 6 and 14 before, 0.25 % on the 12-bit drift). The target is none
        // (EVALUATION.md, "Stars and the prior of a field of points").
        let most = match r.path {
            PathKind::Static => 0,
            _ => 2 * p.stars / 1000,
        };
        assert!(
            p.stars_altered <= most,
            "{} {}: {} of {} star-frames altered (at most {most})",
            r.scene,
            r.path.name(),
            p.stars_altered,
            p.stars
        );
        assert!(percent(&p, HOT) >= 97.0, "hot pixels between the stars");
        assert_safe(&r, 20.0);
    }
}

/// The dead column of `scene` on `paths` (with the defaults): repaired on at least
/// `floor` % of its visible pixels from frame 10, and the sequence safe with at most
/// `worst_false_per_mp` false changes per MP in a frame.
fn assert_column_found(scene: &str, paths: &[PathKind], floor: f64, worst_false_per_mp: f64) {
    let o = Options {
        column: true,
        ..options(scene, paths)
    };
    for r in sequences(&o) {
        let p = pool(&r);
        let col = percent(&p, COLUMN);
        eprintln!(
            "{} {}: dead column {col:.1} %, worst false/MP {:.1}",
            r.scene,
            r.path.name(),
            p.worst_false
        );
        assert!(
            col >= floor,
            "{} {}: column {col:.1} %",
            r.scene,
            r.path.name()
        );
        assert_safe(&r, worst_false_per_mp);
    }
}

#[test]
fn a_dead_column_is_found_moving_or_static() {
    // Today 99 % from frame 10 (confirmed in the fifth frame; before the column
    // evidence, 0 %).
    assert_column_found("Outdoor3", &[PathKind::Pan, PathKind::Static], 95.0, 10.0);
}

#[test]
fn a_dead_column_under_a_night_sky_is_found() {
    // The 12-bit star field: a sky some 4 σ over black, where a dead column is too
    // faint for the column test's margin on most rows (the faint-line vote finds it).
    // Today 77.6 % drifting, 83.5 % fixed, from frame 10 (0 before the faint-line vote;
    // the oracle's 79.5 and 82.9 over 60 frames).
    assert_column_found("stars12", &[PathKind::Drift, PathKind::Static], 70.0, 20.0);
}

#[test]
fn points_that_move_with_the_scene_are_left_alone() {
    // The DSC frame holds isolated bright photosites of its own camera, which the
    // generator turns into one-colour points of the scene: the single-frame test takes
    // them for hot pixels, and only their motion tells them apart. Frames from frame 5
    // with a false change, measured on df200ca: pan 0, hand-held 7 (before the
    // arrivals check, 5e6c628: 11 and 16).
    for r in sequences(&options("DSC", &[PathKind::Pan, PathKind::Handheld])) {
        let frames = r
            .frames
            .iter()
            .filter(|s| s.frame >= 5 && s.false_changes > 0)
            .count();
        eprintln!("DSC {}: {frames} frames with a false change", r.path.name());
        let most = if r.path == PathKind::Pan { 2 } else { 10 };
        assert!(
            frames <= most,
            "DSC {}: {frames} frames with a false change (at most {most})",
            r.path.name()
        );
        assert_safe(&r, 40.0);
    }
}
