//! Any bytes as a defect map file: parsing never panics, whatever parses places on a
//! frame (with any offset) inside the frame, and writes back to text that parses to
//! the same map.
#![no_main]

use gstdefectfix::defect_map::DefectMap;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(map) = DefectMap::parse(text, "fuzz.map") else {
        return;
    };
    // Offsets and size come from the input too, small enough to stay fast.
    let seed = data.iter().fold(0u64, |h, &b| h.rotate_left(5) ^ u64::from(b));
    let (w, h) = (1 + (seed % 97) as u32, 1 + (seed / 97 % 61) as u32);
    let placed = map.resolve(w, h, (seed % 201) as i64 - 100, (seed / 201 % 201) as i64 - 100);
    assert!(placed.pixels.iter().all(|p| p.x < w && p.y < h));
    // Row-major (`Position`'s order), each once.
    assert!(placed.pixels.windows(2).all(|p| p[0] < p[1]));
    let mut out = Vec::new();
    if map.write_to(&mut out, "fuzz").is_ok() {
        let back = std::str::from_utf8(&out).ok().and_then(|t| DefectMap::parse(t, "back.map").ok());
        assert_eq!(back.as_ref(), Some(&map));
    }
});
