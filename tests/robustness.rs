//! Bad input never crashes or corrupts: random map files, odd buffers and frame sizes,
//! caps changes mid-stream, and properties changed from another thread while frames flow.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{TempFile, caps_string, init, make_frame};
use gst::glib;
use gst::prelude::*;
use gstdefectfix::defect_map::{DefectMap, Entry, MapError};
use gstdefectfix::frame::{FrameFormat, Position};

/// xorshift64*: deterministic, good enough to generate test input.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Random lines built from the map's own vocabulary, so the parser sees near misses.
fn random_map_text(rng: &mut Rng) -> String {
    const TOKENS: &[&str] = &[
        "row",
        "col",
        "column",
        "rect",
        "ROW",
        "Rect",
        "#",
        "# comment",
        "-1",
        "0",
        "1",
        "17",
        "65535",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "+3",
        "--1",
        "1e3",
        "0x10",
        "abc",
        "\t",
        " ",
        "\r",
        "\u{feff}",
        "ä",
        "1,2",
        "",
        "\0",
    ];
    let lines = rng.below(12);
    let mut text = String::new();
    if rng.below(5) == 0 {
        text.push('\u{feff}');
    }
    for _ in 0..lines {
        for _ in 0..rng.below(6) {
            text.push_str(TOKENS[rng.below(TOKENS.len() as u64) as usize]);
            text.push(' ');
        }
        text.push_str(if rng.below(3) == 0 { "\r\n" } else { "\n" });
    }
    text
}

#[test]
fn random_map_text_never_panics_and_errors_name_a_real_line() {
    let mut rng = Rng(0x5EED_0001);
    let (mut ok, mut errors) = (0, 0);
    for _ in 0..20_000 {
        let text = random_map_text(&mut rng);
        match DefectMap::parse(&text, "fuzz.map") {
            Ok(map) => {
                ok += 1;
                // Whatever parsed places on a frame without panicking.
                let placed = map.resolve(64, 48, rng.below(100) as i64 - 50, 0);
                assert!(placed.pixels.iter().all(|p| p.x < 64 && p.y < 48));
            }
            Err(MapError::Syntax { source, line, .. }) => {
                errors += 1;
                assert_eq!(source, "fuzz.map");
                assert!(
                    line >= 1 && line <= text.split('\n').count(),
                    "line {line} of {text:?}"
                );
            }
            Err(other) => panic!("unexpected error {other} for {text:?}"),
        }
    }
    // The generator reaches both outcomes.
    assert!(ok > 1000 && errors > 1000, "ok {ok}, errors {errors}");
}

#[test]
fn random_valid_maps_round_trip_through_the_text_format() {
    let mut rng = Rng(0x5EED_0002);
    for _ in 0..500 {
        let mut map = DefectMap::new();
        for _ in 0..rng.below(40) {
            let v = |r: &mut Rng| r.next() as i64 >> r.below(60);
            map.push(match rng.below(4) {
                0 => Entry::Pixel {
                    x: v(&mut rng),
                    y: v(&mut rng),
                },
                1 => Entry::Row { y: v(&mut rng) },
                2 => Entry::Column { x: v(&mut rng) },
                _ => Entry::Rect {
                    x: v(&mut rng) % 1000,
                    y: v(&mut rng) % 1000,
                    w: 1 + rng.below(9) as i64,
                    h: 1 + rng.below(9) as i64,
                },
            });
        }
        let mut text = Vec::new();
        map.write_to(&mut text, "round trip").expect("written");
        let back = DefectMap::parse(std::str::from_utf8(&text).expect("utf-8"), "rt.map")
            .expect("parses back");
        assert_eq!(back, map);
    }
}

#[test]
fn awkward_but_valid_maps() {
    // Duplicates, negative and huge coordinates, CRLF, BOM, a map for a larger sensor.
    let text = "\u{feff}5 5\r\n5 5\r\n-3 2\r\n9223372036854775807 1\r\n4000 3000\r\nrow -1\r\ncol 99999999\r\n";
    let map = DefectMap::parse(text, "awkward.map").expect("parses");
    let placed = map.resolve(16, 16, 0, 0);
    assert_eq!(placed.pixels, vec![Position::new(5, 5)]);
    assert_eq!(placed.outside, 5);
    assert!(
        DefectMap::parse("", "empty.map")
            .expect("empty parses")
            .is_empty()
    );
    assert!(
        DefectMap::parse("\u{feff}", "bom.map")
            .expect("bom parses")
            .is_empty()
    );
}

/// A million-entry map (the short CI version of the 10-million one documented in the
/// README) loads and is placed; the exact time is for the soak notes, not asserted.
#[test]
fn a_million_entry_map_loads_and_places() {
    let mut text = String::with_capacity(12_000_000);
    for i in 0..1_000_000u64 {
        // 7919 is prime and shares no factor with 3840 * 2160: a million distinct pixels.
        let p = i * 7919 % (3840 * 2160);
        text.push_str(&format!("{} {}\n", p % 3840, p / 3840));
    }
    let file = TempFile::new("million.map", &text);
    let start = Instant::now();
    let map = DefectMap::load(&file.0).expect("loads");
    let placed = map.resolve(3840, 2160, 0, 0);
    eprintln!(
        "1e6 entries: load + place {:?}, {} distinct pixels",
        start.elapsed(),
        placed.pixels.len()
    );
    assert_eq!(map.len(), 1_000_000);
    assert_eq!(placed.pixels.len(), 1_000_000);
}

fn harness_for(caps: &str, map: Option<&TempFile>) -> gst_check::Harness {
    init();
    let mut h = gst_check::Harness::new("defectfix");
    if let Some(map) = map {
        h.element()
            .expect("element")
            .set_property("defect-map", map.path_str());
    }
    h.set_src_caps_str(caps);
    h.play();
    h
}

#[test]
fn tiny_frames_and_odd_widths_do_not_crash() {
    let map = TempFile::new("tiny.map", "0 0\n1 1\n2 2\nrow 0\ncol 2\n");
    for (w, h) in [
        (1, 1),
        (2, 2),
        (3, 3),
        (1, 7),
        (7, 1),
        (5, 3),
        (6, 2),
        (9, 9),
    ] {
        for name in ["rggb", "gbrg12le", "bggr16be"] {
            let format = FrameFormat::parse("video/x-bayer", name, w, h).expect("format");
            let mut hs = harness_for(
                &caps_string("video/x-bayer", name, w as usize, h as usize),
                Some(&map),
            );
            let input = make_frame(&format, |x, y| ((x * 37 + y * 11) % 200) as u16);
            hs.push(gst::Buffer::from_mut_slice(input.clone()))
                .expect("pushed");
            let out = hs.pull().expect("pulled");
            let out = out.map_readable().expect("readable");
            assert_eq!(out.len(), input.len());
            // Padding bytes (0xA5 from make_frame) are untouched.
            let stride = format.default_stride();
            for y in 0..h as usize {
                assert_eq!(
                    &out[y * stride + format.row_bytes()..(y + 1) * stride],
                    &input[y * stride + format.row_bytes()..(y + 1) * stride]
                );
            }
        }
    }
}

#[test]
fn uniform_and_noise_frames_trigger_no_mass_corrections() {
    let (w, h) = (256usize, 128usize);
    for name in ["grbg", "grbg16le"] {
        let format = FrameFormat::parse("video/x-bayer", name, w as i64, h as i64).expect("format");
        let max = format.max_value();
        let mut rng = Rng(7);
        let noise = make_frame(&format, |_, _| (rng.next() % (u64::from(max) + 1)) as u16);
        let frames: [(&str, Vec<u8>); 3] = [
            ("black", make_frame(&format, |_, _| 0)),
            ("saturated", make_frame(&format, |_, _| max)),
            ("noise", noise),
        ];
        let mut hs = harness_for(&caps_string("video/x-bayer", name, w, h), None);
        for (what, input) in frames {
            hs.push(gst::Buffer::from_mut_slice(input.clone()))
                .expect("pushed");
            let out = hs.pull().expect("pulled");
            let out = out.map_readable().expect("readable");
            let changed = (0..h)
                .flat_map(|y| (0..w).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    common::sample(&out, &format, x, y) != common::sample(&input, &format, x, y)
                })
                .count();
            eprintln!("{name} {what}: {changed} of {} pixels changed", w * h);
            match what {
                "black" | "saturated" => assert_eq!(changed, 0, "{name} {what}"),
                // Pure noise has no structure to tell defects from; a bounded handful of
                // its most extreme pixels may be taken for defects, never a mass.
                _ => assert!(changed * 1000 <= w * h, "{name} {what}: {changed} changed"),
            }
        }
    }
}

#[test]
fn caps_change_mid_stream_rebuilds_the_state() {
    let map = TempFile::new("caps.map", "3 3\n10 10\n");
    let mut hs = harness_for(&caps_string("video/x-bayer", "rggb", 16, 16), Some(&map));
    let small = FrameFormat::parse("video/x-bayer", "rggb", 16, 16).expect("format");
    let input = make_frame(&small, |x, y| {
        if (x, y) == (3, 3) || (x, y) == (10, 10) {
            255
        } else {
            40
        }
    });
    hs.push(gst::Buffer::from_mut_slice(input)).expect("pushed");
    let out = hs.pull().expect("pulled");
    assert_eq!(
        common::sample(&out.map_readable().expect("readable"), &small, 10, 10),
        40
    );

    // Now a smaller 16-bit stream: (10,10) is outside it and nothing of the old
    // 8-bit, 16x16 layout may be applied.
    hs.set_src_caps_str(&caps_string("video/x-bayer", "gbrg16be", 6, 5));
    let next = FrameFormat::parse("video/x-bayer", "gbrg16be", 6, 5).expect("format");
    let input = make_frame(&next, |x, y| if (x, y) == (3, 3) { 4000 } else { 1000 });
    hs.push(gst::Buffer::from_mut_slice(input.clone()))
        .expect("pushed");
    let out = hs.pull().expect("pulled");
    let out = out.map_readable().expect("readable");
    assert_eq!(out.len(), input.len());
    assert_eq!(common::sample(&out, &next, 3, 3), 1000);
    for y in 0..5 {
        for x in 0..6 {
            if (x, y) != (3, 3) {
                assert_eq!(common::sample(&out, &next, x, y), 1000);
            }
        }
    }
}

/// Sets a random valid value on every property that may change while playing.
fn poke_random_property(element: &gst::Element, rng: &mut Rng, maps: &[String]) {
    let props: Vec<glib::ParamSpec> = element
        .list_properties()
        .into_iter()
        .filter(|p| {
            p.flags().contains(glib::ParamFlags::WRITABLE)
                && p.flags().contains(gst::PARAM_FLAG_MUTABLE_PLAYING)
        })
        .collect();
    let Some(p) = props.get(rng.below(props.len().max(1) as u64) as usize) else {
        return;
    };
    let name = p.name();
    if let Some(p) = p.downcast_ref::<glib::ParamSpecString>() {
        // Paths: a good map, a broken one, a missing one, or none. Output paths go to temp.
        let value = match rng.below(4) {
            3 => None,
            i => maps.get(i as usize).cloned(),
        };
        element.set_property(p.name(), value);
    } else if let Some(p) = p.downcast_ref::<glib::ParamSpecBoolean>() {
        element.set_property(p.name(), rng.below(2) == 0);
    } else if let Some(p) = p.downcast_ref::<glib::ParamSpecUInt>() {
        let span = u64::from(p.maximum() - p.minimum()).min(8) + 1;
        element.set_property(name, p.minimum() + rng.below(span) as u32);
    } else if p.downcast_ref::<glib::ParamSpecInt>().is_some() {
        element.set_property(name, rng.below(9) as i32 - 4);
    } else if let Some(p) = p.downcast_ref::<glib::ParamSpecDouble>() {
        let t = rng.below(1001) as f64 / 1000.0;
        element.set_property(name, p.minimum() + (p.maximum().min(1e6) - p.minimum()) * t);
    } else if let Some(p) = p.downcast_ref::<glib::ParamSpecEnum>() {
        let class = p.enum_class();
        let values = class.values();
        let v = &values[rng.below(values.len() as u64) as usize];
        element.set_property_from_str(name, v.nick());
    }
}

#[test]
fn properties_changed_from_another_thread_while_10000_frames_flow() {
    init();
    let good = TempFile::new("conc-good.map", "2 2\nrow 7\nrect 9 9 2 2\n");
    let bad = TempFile::new("conc-bad.map", "2 2\nrect\n");
    let maps = vec![
        good.path_str().to_string(),
        bad.path_str().to_string(),
        "/nonexistent/x.map".to_string(),
    ];
    let (w, h) = (64usize, 32usize);
    let pipeline = gst::parse::launch(&format!(
        "appsrc name=src format=time caps={} ! defectfix name=fix ! appsink name=sink sync=false max-buffers=4 drop=false",
        caps_string("video/x-bayer", "bggr12le", w, h)
    ))
    .expect("pipeline parses");
    let bin = pipeline.downcast_ref::<gst::Bin>().expect("bin").clone();
    let fix = bin.by_name("fix").expect("fix");
    let (src, sink) = common::app_elements(&pipeline);
    pipeline.set_state(gst::State::Playing).expect("plays");

    let stop = Arc::new(AtomicBool::new(false));
    let poker = {
        let stop = Arc::clone(&stop);
        let fix = fix.clone();
        std::thread::spawn(move || {
            let mut rng = Rng(99);
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                poke_random_property(&fix, &mut rng, &maps);
                n += 1;
                if n.is_multiple_of(64) {
                    std::thread::sleep(Duration::from_micros(50));
                }
            }
            n
        })
    };
    let format =
        FrameFormat::parse("video/x-bayer", "bggr12le", w as i64, h as i64).expect("format");
    let frame = make_frame(&format, |x, y| ((x * 13 + y * 7) % 3000 + 500) as u16);
    let consumer = std::thread::spawn(move || {
        let mut frames = 0;
        while let Ok(sample) = sink.pull_sample() {
            let size = sample.buffer().map(|b| b.size()).unwrap_or(0);
            assert_eq!(size, format.default_size());
            frames += 1;
        }
        frames
    });
    for _ in 0..10_000 {
        src.push_buffer(gst::Buffer::from_slice(frame.clone()))
            .expect("pushed");
    }
    src.end_of_stream().expect("eos");
    let frames = consumer.join().expect("consumer ran");
    stop.store(true, Ordering::SeqCst);
    let pokes = poker.join().expect("poker ran");
    let bus = pipeline.bus().expect("bus");
    while let Some(msg) = bus.pop() {
        if let gst::MessageView::Error(e) = msg.view() {
            panic!(
                "error while poking properties: {} {:?}",
                e.error(),
                e.debug()
            );
        }
    }
    let _ = pipeline.set_state(gst::State::Null);
    assert_eq!(frames, 10_000);
    assert!(pokes > 1000, "only {pokes} property changes");
}
