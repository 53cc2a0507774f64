//! Frame numbers and timecodes from buffer timestamps.
//!
//! A frame's number is its timestamp times the frame rate, rounded: 0 is the frame at
//! time 0, timecode `00:00:00:00`. Timecodes count frames at the nominal rate (25, 30,
//! 24 ...); at 29.97 and 59.94 frames per second they are drop-frame (`HH:MM:SS;FF`,
//! frame numbers 0 and 1, or 0 to 3, skipped at every minute but each tenth), so they
//! stay on the wall clock, as editing systems show them.

/// A frame rate, `num` frames per `den` seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub num: u32,
    pub den: u32,
}

const SECOND: u128 = 1_000_000_000;

impl Rate {
    /// A rate, when it is one (`0/1` means a variable rate: none).
    pub fn new(num: i32, den: i32) -> Option<Rate> {
        let (num, den) = (u32::try_from(num).ok()?, u32::try_from(den).ok()?);
        (num > 0 && den > 0).then_some(Rate { num, den })
    }

    /// Frames per second.
    pub fn fps(self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }

    /// The frames a timecode second counts: the rate rounded up (30 for 29.97).
    pub fn nominal(self) -> u64 {
        u64::from(self.num).div_ceil(u64::from(self.den)).max(1)
    }

    /// Frame numbers skipped at each minute but every tenth: 2 at 29.97, 4 at 59.94.
    fn dropped(self) -> u64 {
        match (self.den, self.nominal()) {
            (1001, 30) => 2,
            (1001, 60) => 4,
            _ => 0,
        }
    }

    /// The number of the frame shown at `ns` nanoseconds.
    pub fn frame_at(self, ns: u64) -> u64 {
        let frames = u128::from(ns) * u128::from(self.num);
        let unit = SECOND * u128::from(self.den);
        u64::try_from((frames + unit / 2) / unit).unwrap_or(u64::MAX)
    }

    /// Nanoseconds from the start to frame `frame`.
    pub fn time_of(self, frame: u64) -> u64 {
        let ns = u128::from(frame) * u128::from(self.den) * SECOND / u128::from(self.num);
        u64::try_from(ns).unwrap_or(u64::MAX)
    }

    /// The timecode of frame `frame`: `HH:MM:SS:FF`, or `HH:MM:SS;FF` drop-frame.
    pub fn timecode(self, frame: u64) -> String {
        let nominal = self.nominal();
        let drop = self.dropped();
        let mut n = frame;
        if drop > 0 {
            // Frame numbers per ten minutes and per (dropping) minute.
            let ten = nominal * 600 - drop * 9;
            let minute = nominal * 60 - drop;
            let (tens, rest) = (n / ten, n % ten);
            n += drop * 9 * tens;
            if rest > drop {
                n += drop * ((rest - drop) / minute);
            }
        }
        let ff = n % nominal;
        let seconds = n / nominal;
        let sep = if drop > 0 { ';' } else { ':' };
        format!(
            "{:02}:{:02}:{:02}{sep}{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60,
            ff
        )
    }
}

/// `HH:MM:SS.mmm` of `ns` nanoseconds (streams without a frame rate).
pub fn clock(ns: u64) -> String {
    let ms = ns / 1_000_000;
    let s = ms / 1000;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_timecodes_at_integer_rates() {
        let r = Rate::new(25, 1).unwrap();
        assert_eq!(r.frame_at(0), 0);
        assert_eq!(r.frame_at(40_000_000), 1);
        // A timestamp a little off still names its frame.
        assert_eq!(r.frame_at(79_999_000), 2);
        assert_eq!(r.timecode(0), "00:00:00:00");
        assert_eq!(r.timecode(24), "00:00:00:24");
        assert_eq!(r.timecode(25), "00:00:01:00");
        assert_eq!(r.timecode(25 * 3661 + 7), "01:01:01:07");
        assert_eq!(r.time_of(50), 2_000_000_000);
        assert!(Rate::new(0, 1).is_none());
    }

    #[test]
    fn drop_frame_at_29_97() {
        let r = Rate::new(30000, 1001).unwrap();
        assert_eq!(r.nominal(), 30);
        assert_eq!(r.frame_at(r.time_of(1799)), 1799);
        assert_eq!(r.timecode(1799), "00:00:59;29");
        // The first frame of minute 1 is numbered 02.
        assert_eq!(r.timecode(1800), "00:01:00;02");
        // Minute 10 keeps 00.
        assert_eq!(r.timecode(17982), "00:10:00;00");
        assert_eq!(r.timecode(17981), "00:09:59;29");
        // 23.976 counts 24 frames a second without dropping.
        assert_eq!(Rate::new(24000, 1001).unwrap().timecode(24), "00:00:01:00");
    }

    #[test]
    fn clock_time() {
        assert_eq!(clock(3_723_456_000_000), "01:02:03.456");
    }
}
