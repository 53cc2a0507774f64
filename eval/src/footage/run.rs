//! Runs the protocol: builds each sequence (scene or star field, camera path, gain),
//! pushes its frames through `appsrc ! defectfix ! appsink` with the element's defaults
//! (plus any `--set` properties) and through the oracle (`defect-map` = the true map,
//! `detection=off`), and scores every frame.

use super::Timing;
use std::path::{Path as FsPath, PathBuf};
use std::time::Instant;

use crate::data::{NATURAL, RawFrame};
use gst::prelude::*;
use gstdefectfix::frame::FrameFormat;
use gstdefectfix::frame::{PlaneMut, PlaneRef};
use gstdefectfix::sim::mix64;

use super::camera::{self, Object, Path, PathKind};
use super::defects::DefectSet;
use super::noise::{GAINS, Gain, SensorNoise};
use super::scene::Scene;
use super::score::{FrameScore, Frames, score_frame};
use super::sensor::Sensor;
use super::stars::{StarField, Watched};

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// Directory of the raw frames (`../shared/data/raw`).
    pub data: PathBuf,
    /// Only scenes whose name contains this (`stars` selects the star fields).
    pub only: Option<String>,
    pub paths: Vec<PathKind>,
    pub gains: Vec<Gain>,
    pub frames: usize,
    /// Requested window; smaller scenes or wider paths get the largest that fits.
    pub width: usize,
    pub height: usize,
    pub seed: u64,
    /// Defect sites per pixel.
    pub density: f64,
    /// Whether the sensor has its dead column.
    pub column: bool,
    /// Properties set on the element under test (name, value as `gst-launch` takes it).
    pub set: Vec<(String, String)>,
    /// Where to write the first, the middle and the last frame of every sequence (clean, input and
    /// output, as PGM), to look at the footage.
    pub dump: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            data: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/raw"),
            only: None,
            paths: camera::PATHS.to_vec(),
            gains: GAINS.to_vec(),
            frames: 60,
            width: 640,
            height: 480,
            seed: 1,
            density: 5e-4,
            column: true,
            set: Vec::new(),
            dump: None,
        }
    }
}

/// The generator's command-line options, shared by the `footage` and `footage_video`
/// commands (`#[command(flatten)]`); [`FootageArgs::options`] gives the [`Options`] they
/// stand for. Without any, the options are [`Options::default`].
#[derive(clap::Args, Clone, Debug)]
pub struct FootageArgs {
    /// Directory of the raw frames
    #[arg(long, value_name = "DIR", default_value_os_t = Options::default().data)]
    pub data: PathBuf,
    /// Only the scenes whose name contains SUBSTRING (`stars`: the star fields)
    #[arg(long, value_name = "SUBSTRING")]
    pub only: Option<String>,
    /// Camera paths, comma-separated: pan,handheld,drift,static,local [default: all]
    #[arg(long, value_name = "P1,P2", value_delimiter = ',', value_parser = path_kind)]
    pub paths: Vec<PathKind>,
    /// Gains, comma-separated: low,mid,high [default: all]
    #[arg(long, value_name = "G1,G2", value_delimiter = ',', value_parser = gain)]
    pub gains: Vec<Gain>,
    /// Frames of every sequence (at least 1)
    #[arg(long, value_name = "N", value_parser = frame_count)]
    #[arg(default_value_t = Options::default().frames)]
    pub frames: usize,
    /// Window size (smaller scenes or wider paths get the largest that fits)
    #[arg(long, value_name = "WxH", default_value = "640x480", value_parser = crate::cli::size)]
    pub size: (usize, usize),
    /// Seed of the defects, camera paths and noise
    #[arg(long, value_name = "N", default_value_t = Options::default().seed)]
    pub seed: u64,
    /// Defect sites per pixel
    #[arg(long, value_name = "D", default_value = "5e-4")]
    pub density: f64,
    /// No dead column on the sensor
    #[arg(long)]
    pub no_column: bool,
    /// Set a property on the element under test (repeatable)
    #[arg(long, value_name = "PROP=VALUE", value_parser = crate::cli::property)]
    pub set: Vec<(String, String)>,
}

impl FootageArgs {
    /// The options these stand for (no `dump`).
    pub fn options(self) -> Options {
        let defaults = Options::default();
        Options {
            data: self.data,
            only: self.only,
            paths: if self.paths.is_empty() {
                defaults.paths
            } else {
                self.paths
            },
            gains: if self.gains.is_empty() {
                defaults.gains
            } else {
                self.gains
            },
            frames: self.frames,
            width: self.size.0,
            height: self.size.1,
            seed: self.seed,
            density: self.density,
            column: !self.no_column,
            set: self.set,
            dump: None,
        }
    }
}

/// The camera path named `name` (`--paths`).
fn path_kind(name: &str) -> Result<PathKind, String> {
    PathKind::parse(name).ok_or(format!("unknown path {name}"))
}

/// The gain named `name` (`--gains`).
fn gain(name: &str) -> Result<Gain, String> {
    GAINS
        .into_iter()
        .find(|g| g.name == name)
        .ok_or(format!("unknown gain {name}"))
}

/// A frame count (`--frames`): at least 1.
fn frame_count(text: &str) -> Result<usize, String> {
    match text.parse::<usize>().map_err(|e| e.to_string())? {
        0 => Err("must be at least 1".to_string()),
        n => Ok(n),
    }
}

impl Options {
    /// The element properties as a line: `defaults`, or `name=value …`.
    pub fn properties(&self) -> String {
        if self.set.is_empty() {
            "defaults".to_string()
        } else {
            self.set
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        }
    }
}

/// A synthetic star-field sensor: caps format, black and white level.
#[derive(Clone, Copy, Debug)]
pub struct StarSensor {
    pub name: &'static str,
    pub format: &'static str,
    pub black: u16,
    pub white: u16,
}

/// The star-field sensors: an 8-bit one (like the natural 8-bit frames) and a 12-bit
/// astronomy-camera one.
pub const STAR_SENSORS: [StarSensor; 2] = [
    StarSensor {
        name: "stars8",
        format: "grbg",
        black: 12,
        white: 255,
    },
    StarSensor {
        name: "stars12",
        format: "rggb12le",
        black: 256,
        white: 4095,
    },
];

/// The scores of one sequence.
#[derive(Clone, Debug)]
pub struct SequenceResult {
    pub scene: String,
    pub path: PathKind,
    pub gain: Gain,
    /// A star field (else a natural scene).
    pub stars: bool,
    /// What was filmed, for the table's header.
    pub header: String,
    pub frames: Vec<FrameScore>,
}

/// Runs every selected sequence, handing each result to `each` as it completes.
pub fn run(
    o: &Options,
    mut each: impl FnMut(&SequenceResult),
) -> Result<(Vec<SequenceResult>, Timing), String> {
    crate::pipeline::init()?;
    let mut results = Vec::new();
    let mut timing = Timing::default();
    for_each_sequence(o, |q| {
        let r = run_sequence(o, q, &mut timing)?;
        each(&r);
        results.push(r);
        Ok(())
    })?;
    Ok((results, timing))
}

/// Hands every selected sequence of the protocol to `each`, in table order: every
/// natural scene on every path at every gain, then the star fields (drift and static
/// only). Stops at the first error.
pub fn for_each_sequence(
    o: &Options,
    mut each: impl FnMut(&Sequence<'_>) -> Result<(), String>,
) -> Result<(), String> {
    let selected = |name: &str| o.only.as_deref().is_none_or(|s| name.contains(s));
    for (si, raw) in NATURAL.iter().enumerate() {
        if !selected(raw.name()) {
            continue;
        }
        let scene = natural_scene(raw, &o.data)?;
        for (pi, &kind) in o.paths.iter().enumerate() {
            for &gain in &o.gains {
                let seeds = Seeds::new(o.seed, si, pi, gain);
                let path = Path::new(kind, o.frames, seeds.path);
                let Some((w, h)) =
                    camera::fit_window(scene.sensor_size(), &path, o.width, o.height)
                else {
                    eprintln!("{}: no window fits the {} path", raw.name(), kind.name());
                    continue;
                };
                let format = FrameFormat::parse("video/x-bayer", raw.format, w as i64, h as i64)
                    .map_err(|e| e.to_string())?;
                let object = (kind == PathKind::Local).then(|| {
                    camera::crossing_object(scene.sensor_size(), w, h, o.frames, seeds.path)
                });
                let sensor = sensor_of(format, raw.levels.black, raw.levels.white, gain);
                let source = Source::Scene {
                    scene: &scene,
                    path: &path,
                    object: object.as_ref(),
                };
                let header = format!(
                    "{}; path {}",
                    describe(raw.format, &sensor),
                    path.description
                );
                each(&Sequence::new(
                    o,
                    raw.name(),
                    raw.format,
                    (kind, gain),
                    sensor,
                    seeds,
                    source,
                    header,
                ))?;
            }
        }
    }
    for (si, star) in STAR_SENSORS.iter().enumerate() {
        if !selected(star.name) {
            continue;
        }
        for (pi, &kind) in o.paths.iter().enumerate() {
            if !matches!(kind, PathKind::Drift | PathKind::Static) {
                continue;
            }
            for &gain in &o.gains {
                let seeds = Seeds::new(o.seed, NATURAL.len() + si, pi, gain);
                let format = FrameFormat::parse(
                    "video/x-bayer",
                    star.format,
                    o.width as i64,
                    o.height as i64,
                )
                .map_err(|e| e.to_string())?;
                let sensor = sensor_of(format, star.black, star.white, gain);
                let field = StarField::new(
                    o.width,
                    o.height,
                    sensor.range(),
                    o.frames,
                    kind == PathKind::Drift,
                    seeds.path,
                );
                let header = format!(
                    "{}; {}",
                    describe(star.format, &sensor),
                    field.description()
                );
                each(&Sequence::new(
                    o,
                    star.name,
                    star.format,
                    (kind, gain),
                    sensor,
                    seeds,
                    Source::Stars(&field),
                    header,
                ))?;
            }
        }
    }
    Ok(())
}

/// The seeds of one sequence: the defects depend on the scene only (one sensor per
/// scene), the path on scene and path, the noise on everything and the frame.
#[derive(Clone, Copy, Debug)]
struct Seeds {
    defects: u64,
    path: u64,
    noise: u64,
}

impl Seeds {
    fn new(seed: u64, scene: usize, path: usize, gain: Gain) -> Seeds {
        let defects = mix64(seed ^ mix64(0x5ce7e ^ scene as u64));
        let path = mix64(defects ^ mix64(0x9a7 ^ path as u64));
        let noise = mix64(path ^ mix64(gain.sigma8.to_bits()));
        Seeds {
            defects,
            path,
            noise,
        }
    }

    fn frame(&self, frame: usize) -> u64 {
        mix64(self.noise ^ mix64(frame as u64 + 1))
    }
}

/// What a sequence films.
enum Source<'a> {
    Scene {
        scene: &'a Scene,
        path: &'a Path,
        object: Option<&'a Object>,
    },
    Stars(&'a StarField),
}

/// One sequence of the protocol: what it films, with which sensor and defects, on
/// which path and at which gain. [`Sequence::film`] makes its frames one by one.
pub struct Sequence<'a> {
    /// The scene's short name (`Outdoor1`, `stars8` …).
    pub name: &'a str,
    /// The caps format of the sensor's frames (`grbg`, `rggb14le` …).
    pub caps_format: &'a str,
    pub kind: PathKind,
    pub gain: Gain,
    pub sensor: Sensor,
    /// The sensor's fixed defects (the same for every path and gain of a scene).
    pub defects: DefectSet,
    seeds: Seeds,
    source: Source<'a>,
    header: String,
}

/// One frame of a sequence.
pub struct Shot {
    /// The frame without its defects (same exposure, same noise).
    pub clean: Vec<u16>,
    /// The frame as the defective sensor reads it.
    pub input: Vec<u16>,
    /// The stars scored in this frame (none for natural scenes).
    pub watched: Vec<Watched>,
}

impl<'a> Sequence<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        o: &Options,
        name: &'a str,
        caps_format: &'a str,
        (kind, gain): (PathKind, Gain),
        sensor: Sensor,
        seeds: Seeds,
        source: Source<'a>,
        header: String,
    ) -> Self {
        let defects = DefectSet::generate(&sensor, o.density, o.column, seeds.defects);
        Sequence {
            name,
            caps_format,
            kind,
            gain,
            sensor,
            defects,
            seeds,
            source,
            header,
        }
    }

    /// Whether it films a star field (else a natural scene).
    pub fn stars(&self) -> bool {
        matches!(self.source, Source::Stars(_))
    }

    /// Frame `t` (from 0): the scene through the camera path, a fresh exposure, the
    /// defects applied to it. `signal` is scratch of one frame's pixels.
    pub fn film(&self, t: usize, signal: &mut Vec<f32>) -> Shot {
        let sensor = &self.sensor;
        let (w, h) = (sensor.format.width, sensor.format.height);
        let cfa = sensor.format.cfa;
        signal.resize(w * h, 0.0);
        let watched = match &self.source {
            Source::Scene {
                scene,
                path,
                object,
            } => {
                let pose = path.poses[t];
                camera::render(scene, cfa, w, h, pose, object.map(|ob| (ob, t)), signal);
                Vec::new()
            }
            Source::Stars(field) => {
                field.render(cfa, w, h, t, signal);
                field.watched(cfa, w, h, t)
            }
        };
        let mut exposure = sensor.expose(signal, self.seeds.frame(t));
        let input = self.defects.apply(sensor, &mut exposure);
        Shot {
            clean: exposure.clean,
            input,
            watched,
        }
    }

    /// What was filmed, with what defects: the header of the sequence's table.
    pub fn header(&self) -> String {
        let defects = &self.defects;
        let counts = defects.counts();
        format!(
            "{}; defects {} pixels (hot {}, warm {}, dead {}, stuck {}, weak {}, in pairs {}, in 2x2 blocks {}, column x={})",
            self.header,
            defects.defects.len(),
            counts[0],
            counts[1],
            counts[2],
            counts[3],
            counts[4],
            counts[5],
            counts[6],
            defects
                .column
                .map_or_else(|| "none".to_string(), |x| x.to_string()),
        )
    }

    /// A tag unique to the sequence (for temporary files).
    pub fn tag(&self) -> u64 {
        self.seeds.noise
    }
}

pub(super) fn sensor_of(format: FrameFormat, black: u16, white: u16, gain: Gain) -> Sensor {
    let range = f64::from(white.saturating_sub(black).max(1));
    Sensor {
        format,
        black,
        white,
        noise: SensorNoise::new(gain, format.depth, range),
    }
}

fn describe(caps_format: &str, s: &Sensor) -> String {
    format!(
        "{caps_format} {}-bit {}x{}, black {}, white {}; noise σ {:.2} DN at mid-grey \
         ({:.4} DN/e-, read {:.2} DN)",
        s.format.depth,
        s.format.width,
        s.format.height,
        s.black,
        s.white,
        s.noise.sigma(s.range() / 2.0),
        s.noise.dn_per_electron,
        s.noise.read_sigma,
    )
}

/// The scene of a natural frame, from its active area (the Canon frame carries its
/// optical-black margins: rows 0–25 and columns 0–151 are not picture).
fn natural_scene(raw: &RawFrame, dir: &FsPath) -> Result<Scene, String> {
    let values = raw
        .read(dir)
        .map_err(|e| format!("{}: {e}", dir.join(raw.path).display()))?;
    let format = raw
        .frame_format()
        .ok_or_else(|| format!("{}: bad format {}", raw.path, raw.format))?;
    let active = if raw.path.contains("canon550d") {
        (152, 26, 1886, 1182)
    } else {
        (0, 0, raw.width, raw.height)
    };
    Ok(Scene::from_raw(
        &values,
        raw.width,
        format.cfa,
        raw.levels.black,
        raw.levels.white,
        active,
    ))
}

fn run_sequence(
    o: &Options,
    q: &Sequence<'_>,
    timing: &mut Timing,
) -> Result<SequenceResult, String> {
    let sensor = &q.sensor;
    let defects = &q.defects;
    let map = TempMap::new(&defects.map_text(), q.tag())?;
    let mut element = Element::new(&sensor.format, q.caps_format, &o.set)?;
    let mut oracle = Element::new(
        &sensor.format,
        q.caps_format,
        &[
            ("defect-map".to_string(), map.path_str()?.to_string()),
            ("detection".to_string(), "off".to_string()),
        ],
    )?;
    let mut signal = Vec::new();
    let mut frames = Vec::with_capacity(o.frames);
    for t in 0..o.frames {
        let start = Instant::now();
        let shot = q.film(t, &mut signal);
        let generated = Instant::now();
        let output = element.process(&shot.input, t)?;
        let processed = Instant::now();
        let oracle_out = oracle.process(&shot.input, t)?;
        let oracled = Instant::now();
        if let Some(dir) = &o.dump
            && (t == 0 || t + 1 == o.frames / 2 || t + 1 == o.frames)
        {
            let stem = format!("{}-{}-{}-f{:02}", q.name, q.kind.name(), q.gain.name, t + 1);
            for (what, values) in [
                ("clean", &shot.clean),
                ("input", &shot.input),
                ("output", &output),
            ] {
                write_pgm(&dir.join(format!("{stem}-{what}.pgm")), values, sensor)?;
            }
        }
        frames.push(score_frame(
            t + 1,
            sensor,
            defects,
            &Frames {
                clean: &shot.clean,
                input: &shot.input,
                output: &output,
                oracle: &oracle_out,
            },
            &shot.watched,
        ));
        timing.add("generation", generated - start);
        timing.add("element", processed - generated);
        timing.add("oracle", oracled - processed);
        timing.add("scoring", oracled.elapsed());
    }
    element.finish();
    oracle.finish();
    Ok(SequenceResult {
        scene: q.name.to_string(),
        path: q.kind,
        gain: q.gain,
        stars: q.stars(),
        header: q.header(),
        frames,
    })
}

/// Writes `values` (a frame of `sensor`) as a PGM, 16-bit above 8-bit depth.
fn write_pgm(path: &FsPath, values: &[u16], sensor: &Sensor) -> Result<(), String> {
    let (w, h) = (sensor.format.width, sensor.format.height);
    let max = sensor.format.max_value();
    let mut data = format!("P5\n{w} {h}\n{max}\n").into_bytes();
    for &v in values {
        if max > 255 {
            data.extend_from_slice(&v.to_be_bytes());
        } else {
            data.push(v as u8);
        }
    }
    std::fs::write(path, data).map_err(|e| format!("{}: {e}", path.display()))
}

/// The true defect map of a sequence in a temporary file, removed on drop.
struct TempMap(PathBuf);

impl TempMap {
    fn new(text: &str, tag: u64) -> Result<TempMap, String> {
        let path = std::env::temp_dir().join(format!(
            "defectfix-footage-{}-{tag:016x}.map",
            std::process::id()
        ));
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(TempMap(path))
    }

    fn path_str(&self) -> Result<&str, String> {
        self.0
            .to_str()
            .ok_or_else(|| format!("{}: not UTF-8", self.0.display()))
    }
}

impl Drop for TempMap {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `appsrc ! defectfix ! appsink`, playing, one frame in and one out at a time.
pub struct Element {
    pipeline: gst::Pipeline,
    src: gst_app::AppSrc,
    sink: gst_app::AppSink,
    format: FrameFormat,
}

/// How long a frame may take through the element.
const FRAME_TIMEOUT_S: u64 = 30;

impl Element {
    /// The pipeline for frames of `format` (caps format name `caps_format`), the element
    /// given `properties` (values parsed as `gst-launch` does).
    pub fn new(
        format: &FrameFormat,
        caps_format: &str,
        properties: &[(String, String)],
    ) -> Result<Element, String> {
        let desc = format!(
            "appsrc name=src format=time caps=video/x-bayer,format={caps_format},width={},height={},framerate=30/1 \
             ! defectfix name=fix ! appsink name=sink sync=false",
            format.width, format.height
        );
        let pipeline = gst::parse::launch(&desc)
            .map_err(|e| e.to_string())?
            .downcast::<gst::Pipeline>()
            .map_err(|_| "not a pipeline".to_string())?;
        let by_name = |n: &str| pipeline.by_name(n).ok_or(format!("no element {n}"));
        let fix = by_name("fix")?;
        for (name, value) in properties {
            let pspec = fix
                .find_property(name)
                .ok_or_else(|| format!("defectfix has no property {name}"))?;
            let v = gst::glib::Value::deserialize(value, pspec.value_type())
                .map_err(|_| format!("{name}: cannot take the value {value}"))?;
            fix.set_property_from_value(name, &v);
        }
        let src = by_name("src")?
            .downcast::<gst_app::AppSrc>()
            .map_err(|_| "src is not an appsrc".to_string())?;
        let sink = by_name("sink")?
            .downcast::<gst_app::AppSink>()
            .map_err(|_| "sink is not an appsink".to_string())?;
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| format!("pipeline does not play: {e}"))?;
        Ok(Element {
            pipeline,
            src,
            sink,
            format: *format,
        })
    }

    /// Pushes frame `index` (values row-major, timestamped at 30 frames/s) and returns
    /// the element's output.
    pub fn process(&mut self, values: &[u16], index: usize) -> Result<Vec<u16>, String> {
        let mut buffer = gst::Buffer::from_mut_slice(to_buffer(values, &self.format));
        if let Some(b) = buffer.get_mut() {
            let period = gst::ClockTime::from_nseconds(1_000_000_000 / 30);
            b.set_pts(period * index as u64);
            b.set_duration(period);
        }
        self.src
            .push_buffer(buffer)
            .map_err(|e| format!("push: {e:?}"))?;
        let sample = self
            .sink
            .try_pull_sample(gst::ClockTime::from_seconds(FRAME_TIMEOUT_S))
            .ok_or_else(|| self.error_or("no frame came out of defectfix"))?;
        let buffer = sample.buffer().ok_or("sample without buffer")?;
        let map = buffer.map_readable().map_err(|e| e.to_string())?;
        from_buffer(&map, &self.format)
    }

    /// The pipeline's error message if it posted one, else `fallback`.
    fn error_or(&self, fallback: &str) -> String {
        self.pipeline
            .bus()
            .and_then(|bus| bus.pop_filtered(&[gst::MessageType::Error]))
            .and_then(|m| match m.view() {
                gst::MessageView::Error(e) => Some(e.error().to_string()),
                _ => None,
            })
            .unwrap_or_else(|| fallback.to_string())
    }

    /// Ends the stream and stops the pipeline.
    pub fn finish(&mut self) {
        let _ = self.src.end_of_stream();
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

impl Drop for Element {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// A frame buffer (default stride) of `format` holding `values`.
fn to_buffer(values: &[u16], format: &FrameFormat) -> Vec<u8> {
    let mut data = vec![0u8; format.default_size()];
    if let Ok(mut frame) = PlaneMut::new(&mut data, format.plane(), format.default_stride()) {
        for y in 0..format.height {
            for x in 0..format.width {
                frame.set(x, y, values[y * format.width + x]);
            }
        }
    }
    data
}

/// The values of a frame buffer of `format`.
fn from_buffer(data: &[u8], format: &FrameFormat) -> Result<Vec<u16>, String> {
    let stride = format
        .stride_for_size(data.len())
        .map_err(|e| e.to_string())?;
    let frame = PlaneRef::new(data, format.plane(), stride).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(format.width * format.height);
    for y in 0..format.height {
        for x in 0..format.width {
            out.push(frame.get(x, y));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    #[derive(clap::Parser)]
    struct Command {
        #[command(flatten)]
        footage: FootageArgs,
    }

    fn options(args: &[&str]) -> Result<Options, clap::Error> {
        let args = std::iter::once("footage").chain(args.iter().copied());
        Command::try_parse_from(args).map(|c| c.footage.options())
    }

    #[test]
    fn no_option_gives_the_defaults() {
        let o = options(&[]).expect("parses");
        assert_eq!(format!("{o:?}"), format!("{:?}", Options::default()));
    }

    #[test]
    fn every_option_is_read() {
        let o = options(&[
            "--data",
            "/raw",
            "--only",
            "Indoor1",
            "--paths",
            "pan,static",
            "--gains",
            "low,high",
            "--frames",
            "5",
            "--size",
            "320x240",
            "--seed",
            "9",
            "--density",
            "1e-3",
            "--no-column",
            "--set",
            "sensitivity=2",
            "--set",
            "learn=true",
        ])
        .expect("parses");
        assert_eq!(o.data, PathBuf::from("/raw"));
        assert_eq!(o.only.as_deref(), Some("Indoor1"));
        assert_eq!(o.paths, [PathKind::Pan, PathKind::Static]);
        assert_eq!(o.gains, [GAINS[0], GAINS[2]]);
        assert_eq!((o.frames, o.width, o.height, o.seed), (5, 320, 240, 9));
        assert_eq!(o.density, 1e-3);
        assert!(!o.column);
        assert_eq!(o.properties(), "sensitivity=2 learn=true");
    }

    #[test]
    fn bad_values_are_refused() {
        for bad in [
            &["--paths", "pan,orbit"][..],
            &["--gains", "max"],
            &["--frames", "0"],
            &["--size", "320"],
            &["--set", "sensitivity"],
            &["--bogus"],
        ] {
            assert!(options(bad).is_err(), "{bad:?}");
        }
    }
}
