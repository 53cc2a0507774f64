//! Camera paths over a scene, the sensor window they film, and the noise-free signal
//! each sensor pixel receives.
//!
//! A pose places the window's centre in the scene (sensor pixels of the original frame)
//! and turns and scales it: window pixel `(x, y)` sees the scene at
//! `centre + t + zoom · R(angle) · (x + ½ − W/2, y + ½ − H/2)`. Every pixel samples the
//! scene's plane of its own CFA colour, so the mosaic is built at the frame's own
//! pattern.

use gstdefectfix::frame::Cfa;

use super::noise::Draw;
use super::scene::{Scene, plane_of};

/// The kinds of camera motion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PathKind {
    /// A steady sub-pixel pan (0.5–2.5 px/frame in a drawn direction) with a jitter of
    /// σ 0.15 px per frame.
    Pan,
    /// A hand-held camera: a random walk (σ 0.6 px per frame per axis) with a small
    /// rotation and zoom that wander and return (σ 0.3 mrad and 0.03 % per frame).
    Handheld,
    /// A slow drift, 0.05–0.3 px/frame.
    Drift,
    /// A tripod: the same pose every frame.
    Static,
    /// A static background with an object (a disc cut from elsewhere in the scene)
    /// crossing the window.
    Local,
}

/// Every path, in table order.
pub const PATHS: [PathKind; 5] = [
    PathKind::Pan,
    PathKind::Handheld,
    PathKind::Drift,
    PathKind::Static,
    PathKind::Local,
];

impl PathKind {
    /// Name on the command line and in tables.
    pub fn name(self) -> &'static str {
        match self {
            PathKind::Pan => "pan",
            PathKind::Handheld => "handheld",
            PathKind::Drift => "drift",
            PathKind::Static => "static",
            PathKind::Local => "local",
        }
    }

    /// The path named `name`.
    pub fn parse(name: &str) -> Option<PathKind> {
        PATHS.into_iter().find(|p| p.name() == name)
    }

    /// Whether the camera moves against the scene (the targets for moving paths apply).
    pub fn moves(self) -> bool {
        matches!(self, PathKind::Pan | PathKind::Handheld | PathKind::Drift)
    }
}

/// Where the camera looks in one frame, relative to the window's home position.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pose {
    pub tx: f64,
    pub ty: f64,
    /// Radians.
    pub angle: f64,
    pub zoom: f64,
}

impl Pose {
    const HOME: Pose = Pose {
        tx: 0.0,
        ty: 0.0,
        angle: 0.0,
        zoom: 1.0,
    };
}

/// An object crossing the window (local motion): a disc of the scene cut around
/// `source`, whose centre is at `track[frame]` in window coordinates.
#[derive(Clone, Debug)]
pub struct Object {
    pub radius: f64,
    /// Centre of the disc in the scene (sensor pixels of the original frame).
    pub source: (f64, f64),
    pub track: Vec<(f64, f64)>,
}

/// The poses of every frame of one path.
#[derive(Clone, Debug)]
pub struct Path {
    pub kind: PathKind,
    pub poses: Vec<Pose>,
    /// What the path does, for the sequence header.
    pub description: String,
}

impl Path {
    /// The path `kind` over `frames` frames, drawn from `seed`, centred on the home
    /// position (the extremes of the translation balance).
    pub fn new(kind: PathKind, frames: usize, seed: u64) -> Path {
        let mut draw = Draw::new(seed);
        let mut poses = Vec::with_capacity(frames);
        let description;
        match kind {
            PathKind::Pan | PathKind::Drift => {
                let (lo, hi, jitter) = if kind == PathKind::Pan {
                    (0.5, 2.5, 0.15)
                } else {
                    (0.05, 0.3, 0.0)
                };
                let speed = draw.range(lo, hi);
                let dir = draw.range(0.0, std::f64::consts::TAU);
                let (vx, vy) = (speed * dir.cos(), speed * dir.sin());
                for t in 0..frames {
                    let t = t as f64;
                    poses.push(Pose {
                        tx: vx * t + jitter * draw.gaussian(),
                        ty: vy * t + jitter * draw.gaussian(),
                        ..Pose::HOME
                    });
                }
                description = if jitter > 0.0 {
                    format!("({vx:+.2}, {vy:+.2}) px/frame, jitter σ {jitter} px")
                } else {
                    format!("({vx:+.3}, {vy:+.3}) px/frame")
                };
            }
            PathKind::Handheld => {
                let mut pose = Pose::HOME;
                for _ in 0..frames {
                    poses.push(pose);
                    pose.tx += 0.6 * draw.gaussian();
                    pose.ty += 0.6 * draw.gaussian();
                    pose.angle = 0.9 * pose.angle + 3e-4 * draw.gaussian();
                    pose.zoom = 1.0 + 0.9 * (pose.zoom - 1.0) + 3e-4 * draw.gaussian();
                }
                description =
                    "random walk σ 0.6 px/frame, rotation σ 0.3 mrad, zoom σ 0.03 %".to_string();
            }
            PathKind::Static | PathKind::Local => {
                poses.resize(frames, Pose::HOME);
                description = if kind == PathKind::Static {
                    "tripod".to_string()
                } else {
                    "tripod, a disc of the scene crossing".to_string()
                };
            }
        }
        // Centre the translation so the window can sit in the middle of the scene.
        let span = |f: fn(&Pose) -> f64| {
            let lo = poses.iter().map(f).fold(f64::INFINITY, f64::min);
            let hi = poses.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
            if lo.is_finite() { 0.5 * (lo + hi) } else { 0.0 }
        };
        let (cx, cy) = (span(|p| p.tx), span(|p| p.ty));
        for p in &mut poses {
            p.tx -= cx;
            p.ty -= cy;
        }
        Path {
            kind,
            poses,
            description,
        }
    }

    /// How far from the window's home centre the path looks, along x and y, for a
    /// window of `width × height`: the farthest corner over all frames.
    pub fn reach(&self, width: usize, height: usize) -> (f64, f64) {
        let (hw, hh) = (width as f64 / 2.0, height as f64 / 2.0);
        let mut reach: (f64, f64) = (hw, hh);
        for p in &self.poses {
            let (s, c) = p.angle.sin_cos();
            for (dx, dy) in [(-hw, -hh), (hw, -hh), (-hw, hh), (hw, hh)] {
                let x = p.tx + p.zoom * (c * dx - s * dy);
                let y = p.ty + p.zoom * (s * dx + c * dy);
                reach.0 = reach.0.max(x.abs());
                reach.1 = reach.1.max(y.abs());
            }
        }
        reach
    }
}

/// Interpolation margin kept inside the scene (sensor pixels): the Catmull-Rom taps of a
/// point reach 1.5 cells = 3 pixels beyond it.
const MARGIN: f64 = 4.0;

/// The largest window, at most `width × height` (both even, the width a multiple of 4),
/// that `path` keeps inside a scene of `scene_size` in every frame, narrowed along the
/// side that overflows only; `None` below 64×64.
pub fn fit_window(
    scene_size: (f64, f64),
    path: &Path,
    width: usize,
    height: usize,
) -> Option<(usize, usize)> {
    let (mut w, mut h) = (width & !3, height & !1);
    while w >= 64 && h >= 64 {
        let (rx, ry) = path.reach(w, h);
        let fits_x = 2.0 * (rx + MARGIN) <= scene_size.0;
        let fits_y = 2.0 * (ry + MARGIN) <= scene_size.1;
        if fits_x && fits_y {
            return Some((w, h));
        }
        // Narrow the side that overflows (a rotation couples both: the loop goes on
        // until both fit).
        if !fits_x {
            w -= 4;
        }
        if !fits_y {
            h -= 2;
        }
    }
    None
}

/// Places a crossing object for a window of `width × height` on `scene`: a disc of a
/// sixth of the window's smaller side, cut from a drawn place of the scene, crossing from
/// the left edge to the right one over `frames` frames with a slow vertical sway.
pub fn crossing_object(
    scene_size: (f64, f64),
    width: usize,
    height: usize,
    frames: usize,
    seed: u64,
) -> Object {
    let mut draw = Draw::new(seed);
    let radius = (width.min(height) as f64 / 6.0).max(8.0);
    let keep = radius + MARGIN;
    let source = (
        draw.range(keep, (scene_size.0 - keep).max(keep)),
        draw.range(keep, (scene_size.1 - keep).max(keep)),
    );
    let last = frames.saturating_sub(1).max(1) as f64;
    let (w, h) = (width as f64, height as f64);
    let track = (0..frames)
        .map(|t| {
            let f = t as f64 / last;
            let x = -radius + f * (w + 2.0 * radius);
            let y = h / 2.0 + 0.15 * h * (std::f64::consts::TAU * f).sin();
            (x, y)
        })
        .collect();
    Object {
        radius,
        source,
        track,
    }
}

/// The noise-free signal (DN above black) of a `width × height` window of `cfa` whose
/// home centre is the scene's centre, at `pose`, with an optional crossing object at
/// frame `frame`. Writes `out` (`width × height`, row-major).
pub fn render(
    scene: &Scene,
    cfa: Cfa,
    width: usize,
    height: usize,
    pose: Pose,
    object: Option<(&Object, usize)>,
    out: &mut [f32],
) {
    let (sw, sh) = scene.sensor_size();
    let (cx, cy) = (sw / 2.0 + pose.tx, sh / 2.0 + pose.ty);
    let (s, c) = pose.angle.sin_cos();
    let (a, b) = (pose.zoom * c, pose.zoom * s);
    let (hw, hh) = (width as f64 / 2.0, height as f64 / 2.0);
    let disc = object.and_then(|(o, t)| o.track.get(t).map(|&centre| (o, centre)));
    for y in 0..height {
        let dy = y as f64 + 0.5 - hh;
        for x in 0..width {
            let dx = x as f64 + 0.5 - hw;
            let plane = plane_of(cfa.channel(x, y));
            let px = cx + a * dx - b * dy;
            let py = cy + b * dx + a * dy;
            let mut v = scene.sample(plane, px, py);
            if let Some((o, (ox, oy))) = disc {
                let (ex, ey) = (x as f64 + 0.5 - ox, y as f64 + 0.5 - oy);
                // Coverage of the pixel by the disc, anti-aliased over one pixel.
                let alpha = (o.radius - (ex * ex + ey * ey).sqrt() + 0.5).clamp(0.0, 1.0) as f32;
                if alpha > 0.0 {
                    let fg = scene.sample(plane, o.source.0 + ex, o.source.1 + ey);
                    v = alpha * fg + (1.0 - alpha) * v;
                }
            }
            out[y * width + x] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn textured_scene() -> Scene {
        let (w, h) = (200, 160);
        let plane = |k: f32| -> Vec<f32> {
            (0..w * h)
                .map(|i| {
                    let (x, y) = ((i % w) as f32, (i / w) as f32);
                    k * (50.0 + 40.0 * (0.37 * x).sin() * (0.23 * y).cos())
                })
                .collect()
        };
        Scene::from_planes(w, h, [plane(1.0), plane(1.5), plane(0.7)])
    }

    #[test]
    fn a_static_path_gives_identical_frames() {
        let scene = textured_scene();
        let path = Path::new(PathKind::Static, 5, 1);
        let (w, h) = fit_window(scene.sensor_size(), &path, 128, 96).expect("fits");
        let mut first = vec![0f32; w * h];
        render(&scene, Cfa::Rggb, w, h, path.poses[0], None, &mut first);
        for pose in &path.poses[1..] {
            let mut next = vec![0f32; w * h];
            render(&scene, Cfa::Rggb, w, h, *pose, None, &mut next);
            assert_eq!(first, next);
        }
        // A moving path does change the frames.
        let pan = Path::new(PathKind::Pan, 5, 1);
        let mut moved = vec![0f32; w * h];
        render(&scene, Cfa::Rggb, w, h, pan.poses[4], None, &mut moved);
        assert_ne!(first, moved);
    }

    #[test]
    fn the_window_stays_inside_the_scene() {
        let scene = textured_scene();
        for kind in PATHS {
            let path = Path::new(kind, 60, 9);
            let (w, h) = fit_window(scene.sensor_size(), &path, 640, 480).expect("fits");
            let (rx, ry) = path.reach(w, h);
            let (sw, sh) = scene.sensor_size();
            assert!(2.0 * (rx + MARGIN) <= sw && 2.0 * (ry + MARGIN) <= sh);
            assert!(w % 4 == 0 && h % 2 == 0 && w <= 640 && h <= 480);
        }
    }
}
