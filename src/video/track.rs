//! Temporal confirmation of spots: a pixel error stays at the same frame position while
//! the picture around it changes; detail moves with the picture (or, in a still
//! picture, gives no evidence either way).
//!
//! The idea is the one of [`crate::temporal`], applied to spots in frame pixels rather
//! than to Bayer photosites. Every spot the spatial test finds gets a *track* at its
//! frame position (a spot seen within one pixel of a track belongs to it: chroma
//! subsampling and the spot's own shape can move its peak by one). A track's
//! *context* is the 8 luma samples at distance 3 around it — outside any spot of up to
//! 5×5 — and evidence counts only in frames where that context changed by more than
//! noise and quantisation explain since the last evidence (or, where the context is
//! flat and cannot show a change, where the picture as a whole moved: [`MotionMeter`]):
//!
//! - seen again in the next frame at the same place while the picture around it moved
//!   on — its surroundings are found elsewhere in the previous frame (or, on a flat
//!   background, the picture as a whole moved), and the spot stands out from what the
//!   previous frame showed where the picture came from: +2·`HIT` (two frames confirm
//!   it);
//! - seen again after such a change, in a frame where the picture as a whole moved: +`HIT`
//!   (surroundings that change while the picture does not move — noise, flicker,
//!   compression on a tripod shot — are no evidence: a static shot gains none);
//! - not seen after such a change, and clearly absent (not even a spot at half the
//!   margins is there): −`MISS`.
//!
//! Detail that moves with the picture is absent from its old position in the next
//! frame and loses its track within a few frames; an error is seen again and again. The
//! small penalty lets errors that show only on some backgrounds (a weak pixel shows on
//! bright content only, a stuck one not where the picture has its value) gather
//! evidence all the same.
//!
//! At `PROMOTE` points a track is *confirmed* (a pixel error: repaired from then on,
//! whenever it shows); a confirmed track whose score falls to `DEMOTE` is forgotten.
//! Scores are capped at `MAX_SCORE`, so a confirmed error survives many frames in
//! which it matches its background. Tracks that stop being seen are dropped, so memory
//! follows the detector's output, not the frame size (`MAX_TRACKS` bounds it on any
//! input). Each track also keeps, per component, votes for where in that component the
//! spot's centre was seen; the most voted position is where it is repaired.

use std::collections::{HashMap, HashSet};

use super::detect::PlaneParams;
use super::reference::{self, Motion};
use crate::frame::{Position, VideoFrame, VideoLayout};

/// Points for a sighting after a change.
const HIT: i16 = 4;
/// Points for a sighting at the same place as in the previous frame while the picture
/// around it moved on (two frames confirm it).
const STAYED: i16 = 2 * HIT;
/// Points lost for a clear absence after a change: small, so an error that shows only
/// on some backgrounds still gathers evidence.
const MISS: i16 = 1;
/// Points at which a track is confirmed (three sightings in a row).
const PROMOTE: i16 = 3 * HIT;
/// Score at or below which a confirmed track is forgotten.
const DEMOTE: i16 = 0;
/// Highest score a track keeps: a confirmed error survives this many clear absences
/// (frames where it matches its background).
const MAX_SCORE: i16 = 12 * HIT;
/// Frames after which an unconfirmed track not seen again is dropped.
const STALE_FRAMES: u64 = 60;
/// The most tracks followed; past it new candidates wait until old ones go.
const MAX_TRACKS: usize = 1 << 18;
/// The context must move by at least this fraction of the range (mean absolute change
/// of its samples) to count as a change of the picture…
const MIN_CHANGE: f64 = 0.015;
/// …and by at least this many noise standard deviations.
const CHANGE_SIGMAS: f64 = 3.0;
/// A context whose samples spread over at most this many times the least change of one
/// sample is flat: it cannot show a change, and the motion of the picture as a whole
/// stands in for one.
const FLAT_SPREAD: f64 = 2.0;
/// Surroundings moved when, at the same place in the previous frame, they differ by
/// more than this many times what a match allows; below it they are flat or still, and
/// the motion of the picture as a whole decides.
const MOVED_FACTOR: f64 = 2.0;
/// A spot stays put when it stands out from what the moved previous frame shows by
/// more than this many times its component's threshold (detail that moves with the
/// picture was there too, and does not).
const STANDOUT_FACTOR: i32 = 2;
/// VideoFrame pixels (each direction) around a position repaired in the previous frame
/// within which that frame is no witness: what is there is the repair, and a false
/// repair would otherwise confirm the detail moving on from it, frame after frame.
const NEAR_REPAIR: i64 = 4;

/// Distance of the context samples from the track position (luma pixels).
const CONTEXT_DISTANCE: isize = 3;
/// Samples of a context: the 8 directions at [`CONTEXT_DISTANCE`].
const CONTEXT_SAMPLES: usize = 8;
/// The context samples around a track position.
type Context = [u16; CONTEXT_SAMPLES];

/// Side of the square of offsets a track votes on for its centre (−2…2).
const VOTE_SIDE: usize = 5;
/// Offsets of the vote square, row-major; index 12 is the track position itself.
const VOTE_CELLS: usize = VOTE_SIDE * VOTE_SIDE;

#[derive(Clone, Copy, Debug)]
struct Track {
    score: i16,
    context: Context,
    last_seen: u64,
    confirmed: bool,
    /// Per component, votes for the spot's centre at offsets −2…2 (row-major 5×5) from
    /// the track position mapped into that component.
    votes: [[u8; VOTE_CELLS]; 3],
}

/// What [`Tracker::observe`] knows about a frame besides its spots.
#[derive(Clone, Copy)]
pub(crate) struct Conditions<'a> {
    /// Noise standard deviation of the context component (sample units).
    pub sigma: f64,
    /// Largest sample value.
    pub max: u16,
    /// Per component, the spatial test with half its margins (is a spot there at all).
    pub relaxed: [PlaneParams; 3],
    /// The picture as a whole moved since the last frame ([`MotionMeter`]).
    pub moving: bool,
    /// The previous frame, when there is one.
    pub previous: Option<Previous<'a>>,
}

/// The previous frame, for the motion-compensated test of [`Tracker::observe`].
#[derive(Clone, Copy)]
pub(crate) struct Previous<'a> {
    /// The frame itself (as repaired).
    pub frame: VideoFrame<'a>,
    /// Largest mean absolute difference (sample units) of a window that matches (see
    /// [`reference::find`]).
    pub accept: f64,
    /// Per component, the least difference (sample units) that is not noise.
    pub threshold: [i32; 3],
    /// The least spread (sample units) of a window whose motion can be measured.
    pub structure: u16,
    /// The motion of the picture as a whole in the last frame that measured it.
    pub hint: Option<(i32, i32)>,
    /// Positions repaired in `frame` (frame pixels): near them it no longer shows what
    /// the picture showed, and is no witness.
    pub repaired: &'a HashSet<Position>,
}

impl Previous<'_> {
    /// The offsets a search tries first: the last motion, and none at all.
    fn hints(&self) -> Vec<(i32, i32)> {
        self.hint.into_iter().chain([(0, 0)]).collect()
    }

    /// Whether a position within [`NEAR_REPAIR`] pixels of frame pixel (`fx`, `fy`)
    /// was repaired in this frame.
    fn repaired_near(&self, fx: i64, fy: i64) -> bool {
        (-NEAR_REPAIR..=NEAR_REPAIR).any(|dy| {
            (-NEAR_REPAIR..=NEAR_REPAIR).any(|dx| {
                let (x, y) = (fx + dx, fy + dy);
                x >= 0 && y >= 0 && self.repaired.contains(&Position::new(x as u32, y as u32))
            })
        })
    }
}

/// A spot the spatial test found in a frame, as the tracker takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    /// Frame pixel.
    pub at: Position,
    /// Its centre in each component that showed it (component coordinates).
    pub centres: [Option<Position>; 3],
    /// Index of the component that places it (its strongest full-resolution hit, else
    /// its strongest hit).
    pub main: u8,
}

/// What is known about the track at a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrackInfo {
    /// The track's frame pixel.
    pub at: Position,
    /// Its points.
    pub score: i16,
    /// Whether it is a confirmed pixel error.
    pub confirmed: bool,
    /// VideoFrame number (1-based) when it was last seen.
    pub last_seen: u64,
    /// The most voted centre of the spot in each component (component coordinates).
    pub centres: [Option<Position>; 3],
}

/// What changed in the confirmed set after a frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrackUpdate {
    /// Tracks confirmed in this frame.
    pub promoted: usize,
    /// Confirmed tracks forgotten in this frame.
    pub forgotten: usize,
}

/// Whether the context around a track changed, in one frame's terms.
#[derive(Clone, Copy)]
struct ChangeTest {
    /// The least change of one sample that is not noise or quantisation.
    per_sample: f64,
    /// The least sum of absolute changes of a whole context that counts.
    limit: f64,
    /// The picture as a whole moved (a change for flat contexts).
    moving: bool,
}

impl ChangeTest {
    fn new(sigma: f64, max: u16, moving: bool) -> Self {
        let per_sample = (CHANGE_SIGMAS * sigma).max(MIN_CHANGE * f64::from(max));
        ChangeTest {
            per_sample,
            limit: per_sample * CONTEXT_SAMPLES as f64,
            moving,
        }
    }

    /// Whether a context is too flat to show a change.
    #[inline]
    fn flat(&self, a: &Context) -> bool {
        let (lo, hi) = a
            .iter()
            .fold((u16::MAX, 0), |(l, h), &v| (l.min(v), h.max(v)));
        f64::from(hi.saturating_sub(lo)) <= FLAT_SPREAD * self.per_sample
    }

    /// Whether the picture around a track changed from context `a` to `b`.
    #[inline]
    fn changed(&self, a: &Context, b: &Context) -> bool {
        let sad: u32 = a
            .iter()
            .zip(b)
            .map(|(&p, &q)| u32::from(p.abs_diff(q)))
            .sum();
        f64::from(sad) > self.limit || (self.moving && self.flat(a) && self.flat(b))
    }
}

/// One frame as [`Tracker::observe`] weighs its sightings.
struct Evidence<'e> {
    frame: &'e VideoFrame<'e>,
    previous: Option<&'e Previous<'e>>,
    /// VideoFrame number (1-based).
    now: u64,
    change: ChangeTest,
    /// Component whose samples form the context.
    context_comp: usize,
    /// The motion of the picture as a whole, once a spot needed it (measured at most
    /// once per frame).
    global: Option<Option<Motion>>,
}

impl Evidence<'_> {
    /// The motion of the picture as a whole since the previous frame, measured on the
    /// first call.
    fn global_motion(&mut self) -> Option<Motion> {
        let (frame, previous, ctx) = (self.frame, self.previous, self.context_comp);
        *self.global.get_or_insert_with(|| {
            previous.and_then(|p| {
                reference::global(frame, &p.frame, ctx, p.accept, p.structure, &p.hints())
            })
        })
    }
}

/// Tracks and the confirmed set for one stream layout.
#[derive(Debug)]
pub struct Tracker {
    width: u32,
    height: u32,
    /// Subsampling (log2) of each component.
    sub: [(u8, u8); 3],
    /// Component whose samples form the context (luma, or G for RGB).
    context_comp: usize,
    tracks: HashMap<Position, Track>,
    frame: u64,
    confirmed: Vec<Position>,
    /// The motion of the picture as a whole, as last measured.
    global: Option<(i32, i32)>,
}

impl Tracker {
    /// A tracker for frames of `layout` whose context is read from component
    /// `context_comp` (which must be full resolution).
    pub(crate) fn new(layout: &VideoLayout, context_comp: usize) -> Self {
        let comps = layout.components();
        Tracker {
            width: layout.width as u32,
            height: layout.height as u32,
            sub: std::array::from_fn(|c| comps.get(c).map_or((0, 0), |k| (k.sx, k.sy))),
            context_comp,
            tracks: HashMap::new(),
            frame: 0,
            confirmed: Vec::new(),
            global: None,
        }
    }

    /// The most voted centre of each component of the track at `key`.
    fn centres_of(&self, key: Position, t: &Track) -> [Option<Position>; 3] {
        std::array::from_fn(|c| {
            let (sx, sy) = self.sub[c];
            let base = key.subsampled(sx, sy);
            let mut best: Option<(u8, usize)> = None;
            // Ties go to the offset nearest the mapped position (the centre of the 5×5
            // comes first in this order).
            const ORDER: [usize; VOTE_CELLS] = [
                12, 7, 11, 13, 17, 6, 8, 16, 18, 2, 10, 14, 22, 1, 3, 5, 9, 15, 19, 21, 23, 0, 4,
                20, 24,
            ];
            for i in ORDER {
                let v = t.votes[c][i];
                if v > 0 && best.is_none_or(|(b, _)| v > b) {
                    best = Some((v, i));
                }
            }
            let (_, i) = best?;
            let (dx, dy) = ((i % VOTE_SIDE) as i32 - 2, (i / VOTE_SIDE) as i32 - 2);
            base.offset(dx, dy)
        })
    }

    fn vote(&self, key: Position, t: &mut Track, centres: &[Option<Position>; 3]) {
        for (c, centre) in centres.iter().enumerate() {
            let Some(centre) = *centre else { continue };
            let (sx, sy) = self.sub[c];
            let base = key.subsampled(sx, sy);
            let (dx, dy) = (
                i64::from(centre.x) - i64::from(base.x),
                i64::from(centre.y) - i64::from(base.y),
            );
            if dx.abs() <= 2 && dy.abs() <= 2 {
                let votes = &mut t.votes[c];
                let i = ((dy + 2) * VOTE_SIDE as i64 + dx + 2) as usize;
                if votes[i] == u8::MAX {
                    votes.iter_mut().for_each(|v| *v /= 2);
                }
                votes[i] += 1;
            }
        }
    }

    /// Confirmed positions (frame pixels), row-major.
    pub(crate) fn confirmed(&self) -> &[Position] {
        &self.confirmed
    }

    /// Tracks followed (confirmed or not).
    pub(crate) fn tracks(&self) -> usize {
        self.tracks.len()
    }

    /// The motion of the picture as a whole (offset from this frame to the previous
    /// one, frame pixels), as last measured.
    pub(crate) fn global_motion(&self) -> Option<(i32, i32)> {
        self.global
    }

    /// The track within one pixel of frame pixel `at`, if any.
    pub fn track_near(&self, at: Position) -> Option<TrackInfo> {
        let k = self.find(at)?;
        let t = self.tracks.get(&k)?;
        Some(TrackInfo {
            at: k,
            score: t.score,
            confirmed: t.confirmed,
            last_seen: t.last_seen,
            centres: self.centres_of(k, t),
        })
    }

    /// The track within one pixel of `at`, the nearest first.
    fn find(&self, at: Position) -> Option<Position> {
        if self.tracks.contains_key(&at) {
            return Some(at);
        }
        const NEAR: [(i32, i32); 8] = [
            (-1, 0),
            (1, 0),
            (0, -1),
            (0, 1),
            (-1, -1),
            (1, -1),
            (-1, 1),
            (1, 1),
        ];
        NEAR.iter().find_map(|&(dx, dy)| {
            let k = at.offset(dx, dy)?;
            self.tracks.contains_key(&k).then_some(k)
        })
    }

    /// Whether a spot seen at the same place in the previous frame stayed put while the
    /// picture around it moved: the surroundings of `at` (context component) are found
    /// in `previous` somewhere else, clearly not where they are now, and the spot in
    /// component `c` at `centre` stands out from what the moved previous frame shows
    /// there (detail that moves with the picture does not: it was there too).
    fn stayed_put(
        &self,
        ev: &mut Evidence<'_>,
        previous: &Previous<'_>,
        at: Position,
        c: usize,
        centre: Option<Position>,
    ) -> bool {
        let Some(m) = Self::moved_around(ev, previous, at) else {
            return false;
        };
        // Where the picture came from was repaired in the previous frame: what is
        // there now is the repair, not the picture (a false repair would otherwise
        // confirm the detail that moves on from it, frame after frame).
        let from = (
            i64::from(at.x) + i64::from(m.dx),
            i64::from(at.y) + i64::from(m.dy),
        );
        if previous.repaired_near(from.0, from.1) {
            return false;
        }
        let Some(centre) = centre else { return false };
        reference::standout(ev.frame, &previous.frame, c, centre, &m)
            .is_some_and(|d| d > STANDOUT_FACTOR * previous.threshold[c].max(1))
    }

    /// How the picture around `at` (context component) moved since `previous`: its own
    /// surroundings' motion where they clearly moved; where they match where they are
    /// (flat, or still), the motion of the picture as a whole, where that moved and
    /// fits them too; `None` otherwise.
    fn moved_around(
        ev: &mut Evidence<'_>,
        previous: &Previous<'_>,
        at: Position,
    ) -> Option<Motion> {
        let ctx = ev.context_comp;
        let local = reference::find(
            ev.frame,
            &previous.frame,
            ctx,
            at,
            previous.accept,
            &previous.hints(),
        )?;
        if local.still > MOVED_FACTOR * previous.accept {
            return Some(local);
        }
        let g = ev.global_motion()?;
        ((g.dx, g.dy) != (0, 0)
            && reference::cost_at(ev.frame, &previous.frame, ctx, at, (g.dx, g.dy))
                .is_some_and(|cost| cost <= previous.accept))
        .then_some(g)
    }

    fn context(&self, frame: &VideoFrame<'_>, at: Position) -> Context {
        // One sample in each of the 8 directions around the position.
        const DIRS: [(isize, isize); CONTEXT_SAMPLES] = crate::frame::NEIGHBOURS;
        let (w, h) = (self.width as isize, self.height as isize);
        DIRS.map(|(dx, dy)| {
            let cx = (at.x as isize + dx * CONTEXT_DISTANCE).clamp(0, w - 1);
            let cy = (at.y as isize + dy * CONTEXT_DISTANCE).clamp(0, h - 1);
            frame.get(self.context_comp, cx as usize, cy as usize)
        })
    }

    /// Takes one frame's evidence: `seen` are the spots the spatial test found in it;
    /// `conditions` say what else is known of the frame (the noise of the context
    /// component, the largest sample value, the relaxed spatial test, whether the
    /// picture as a whole moved, and the previous frame).
    ///
    /// A track not seen in a frame where its context changed loses points only when the
    /// spot is clearly absent: no component passes the spatial test at the spot's
    /// centre even with the relaxed parameters `relaxed[c]` (a faint error the test
    /// missed in one frame is not evidence against it).
    ///
    /// `moving` says that the picture as a whole moved since the last frame (see
    /// [`MotionMeter`]): a track whose context is flat — it cannot show a change — then
    /// takes the frame's movement as the change around it, so an error on a clear sky
    /// or a black background is confirmed during a pan, while a picture that does not
    /// move confirms nothing there.
    ///
    /// With the `previous` frame, a spot seen at the same place in both frames while
    /// the picture around it moved on (found elsewhere in the previous frame, and not
    /// showing the spot there) gains twice the points at once: two frames confirm it.
    pub(crate) fn observe(
        &mut self,
        frame: &VideoFrame<'_>,
        seen: impl IntoIterator<Item = Seen>,
        conditions: &Conditions<'_>,
    ) -> TrackUpdate {
        self.frame += 1;
        let mut ev = Evidence {
            frame,
            previous: conditions.previous.as_ref(),
            now: self.frame,
            change: ChangeTest::new(conditions.sigma, conditions.max, conditions.moving),
            context_comp: self.context_comp,
            global: None,
        };
        for s in seen {
            if s.at.x < self.width && s.at.y < self.height {
                self.sighting(&mut ev, &s);
            }
        }
        if let Some(g) = ev.global {
            self.global = g.map(|m| (m.dx, m.dy));
        }
        let update = self.settle(&ev, &conditions.relaxed);
        if update.promoted + update.forgotten > 0 {
            self.list_confirmed();
        }
        update
    }

    /// A spot seen in this frame: evidence for the track it belongs to, or a new track.
    fn sighting(&mut self, ev: &mut Evidence<'_>, s: &Seen) {
        let context = self.context(ev.frame, s.at);
        match self.find(s.at) {
            Some(k) => self.seen_again(ev, k, s, &context),
            None if self.tracks.len() < MAX_TRACKS => {
                let mut t = Track {
                    score: HIT,
                    context,
                    last_seen: ev.now,
                    confirmed: false,
                    votes: [[0; VOTE_CELLS]; 3],
                };
                self.vote(s.at, &mut t, &s.centres);
                self.tracks.insert(s.at, t);
            }
            None => {}
        }
    }

    /// Spot `s`, whose surroundings are `context` now, seen again at the track at `k`.
    fn seen_again(&mut self, ev: &mut Evidence<'_>, k: Position, s: &Seen, context: &Context) {
        let Some(mut t) = self.tracks.get(&k).copied() else {
            return;
        };
        if t.last_seen == ev.now {
            return;
        }
        let seen_last_frame = t.last_seen + 1 == ev.now;
        t.last_seen = ev.now;
        // Evidence needs the spot exactly where the track has seen it most, in the
        // component that places it: texture with spots everywhere gives hits near a
        // position, an error gives them at it.
        let voted = self.centres_of(k, &t);
        let m = usize::from(s.main).min(2);
        let exact = s.centres[m].is_some() && s.centres[m] == voted[m];
        self.vote(k, &mut t, &s.centres);
        // Seen at the same place in the last frame too, while what the picture showed
        // there moved on: strong evidence at once.
        let stayed = exact
            && seen_last_frame
            && ev.previous.is_some_and(|p| {
                // (Nothing moved around it, and the picture as a whole did not move
                // last time it was measured: no search.)
                if !ev.change.changed(&t.context, context) && p.hint == Some((0, 0)) {
                    return false;
                }
                let at = voted[self.context_comp].unwrap_or(k);
                self.stayed_put(ev, p, at, m, voted[m])
            });
        if stayed {
            t.score = (t.score + STAYED).min(MAX_SCORE);
            t.context = *context;
        } else if exact && ev.change.moving && ev.change.changed(&t.context, context) {
            // Seen again after its surroundings changed — while the picture moved: a
            // change without motion is noise, flicker or coding, no evidence.
            t.score = (t.score + HIT).min(MAX_SCORE);
            t.context = *context;
        }
        self.tracks.insert(k, t);
    }

    /// After a frame's sightings: tracks not seen where their context changed and the
    /// spot is clearly absent lose points; tracks are confirmed and forgotten; stale
    /// and pointless ones are dropped.
    fn settle(&mut self, ev: &Evidence<'_>, relaxed: &[PlaneParams; 3]) -> TrackUpdate {
        let (frame, now) = (ev.frame, ev.now);
        let mut update = TrackUpdate::default();
        let mut tracks = std::mem::take(&mut self.tracks);
        tracks.retain(|&at, t| {
            if t.last_seen != now {
                let context = self.context(frame, at);
                if ev.change.changed(&t.context, &context)
                    && clearly_absent(frame, relaxed, at, &self.centres_of(at, t))
                {
                    t.score -= MISS;
                    t.context = context;
                }
            }
            if !t.confirmed && t.score >= PROMOTE {
                t.confirmed = true;
                update.promoted += 1;
            } else if t.confirmed && t.score <= DEMOTE {
                t.confirmed = false;
                update.forgotten += 1;
            }
            t.confirmed || (t.score > 0 && now - t.last_seen <= STALE_FRAMES)
        });
        self.tracks = tracks;
        update
    }

    /// Rebuilds the confirmed list from the tracks, row-major.
    fn list_confirmed(&mut self) {
        self.confirmed = self
            .tracks
            .iter()
            .filter(|(_, t)| t.confirmed)
            .map(|(&k, _)| k)
            .collect();
        self.confirmed.sort_unstable();
    }
}

/// Whether no component of `frame` shows a spot at the centres of a track at frame
/// pixel `at` (`centres[c]`, else the sample covering the pixel), even with the
/// relaxed spatial test.
fn clearly_absent(
    frame: &VideoFrame<'_>,
    relaxed: &[PlaneParams; 3],
    at: Position,
    centres: &[Option<Position>; 3],
) -> bool {
    frame
        .layout()
        .components()
        .iter()
        .enumerate()
        .all(|(c, k)| {
            let centre = centres[c].unwrap_or(at.subsampled(k.sx, k.sy));
            super::detect::spot_at(frame, c, centre.x as usize, centre.y as usize, &relaxed[c])
                .is_none()
        })
}

/// Side of the tiles the motion meter compares (frame pixels).
const TILE: usize = 32;
/// Subsampling step inside a tile.
const STEP: usize = 4;
/// The least number of tiles with structure for a frame to show a movement at all (a
/// picture nearly flat everywhere says nothing).
const MIN_VOTING_TILES: usize = 4;

/// Whether the picture as a whole moves: luma is subsampled every `STEP` pixels and
/// compared tile by tile (`TILE`×`TILE`) with the subsample of the last frame that
/// moved (so a slow pan adds up until it shows); the frame moves when at least half of
/// the tiles with structure in them changed (tiles without structure cannot show a
/// movement and do not vote).
#[derive(Debug, Default)]
pub struct MotionMeter {
    cols: usize,
    rows: usize,
    previous: Vec<u16>,
    current: Vec<u16>,
}

impl MotionMeter {
    /// A meter for frames `width`×`height`.
    pub(crate) fn new(width: usize, height: usize) -> Self {
        let (cols, rows) = (width.div_ceil(STEP), height.div_ceil(STEP));
        MotionMeter {
            cols,
            rows,
            previous: Vec::new(),
            current: vec![0; cols * rows],
        }
    }

    /// Subsample rows `y0..y1` (frame rows; only multiples of the step are read) of
    /// component `c` of `frame` into `out`, which receives one row of samples per
    /// subsampled row, in order.
    pub(crate) fn sample_rows(
        frame: &VideoFrame<'_>,
        c: usize,
        y0: usize,
        y1: usize,
        out: &mut Vec<u16>,
    ) {
        let (w, _) = frame.layout().comp_size(c);
        for y in (y0.next_multiple_of(STEP)..y1).step_by(STEP) {
            out.extend((0..w).step_by(STEP).map(|x| frame.get(c, x, y)));
        }
    }

    /// Installs this frame's subsample (rows in order, as [`Self::sample_rows`] gives
    /// them for the whole frame) and says whether the frame moved; `change` is the
    /// least mean absolute change of a tile's samples that counts, `structure` the
    /// least spread that makes a tile vote.
    pub(crate) fn update(
        &mut self,
        samples: impl IntoIterator<Item = u16>,
        change: f64,
        structure: u16,
    ) -> bool {
        let mut n = 0;
        for (dst, v) in self.current.iter_mut().zip(samples) {
            *dst = v;
            n += 1;
        }
        if n != self.current.len() {
            self.previous.clear();
            return false;
        }
        let moving = self.previous.len() == self.current.len() && self.moved(change, structure);
        // The reference moves on only when the picture moved (or there was none): a
        // slow pan adds up frame after frame until it shows, as a track's context does.
        if moving || self.previous.len() != self.current.len() {
            std::mem::swap(&mut self.previous, &mut self.current);
            if self.current.len() != self.previous.len() {
                self.current = vec![0; self.previous.len()];
            }
        }
        moving
    }

    /// The tiles' vote between the current subsample and the reference (both whole).
    fn moved(&self, change: f64, structure: u16) -> bool {
        let per = TILE / STEP;
        let (tc, tr) = (self.cols.div_ceil(per), self.rows.div_ceil(per));
        let (mut voting, mut moved) = (0usize, 0usize);
        for ty in 0..tr {
            for tx in 0..tc {
                let (mut lo, mut hi, mut sad, mut count) = (u16::MAX, 0u16, 0u64, 0u64);
                for y in ty * per..((ty + 1) * per).min(self.rows) {
                    for x in tx * per..((tx + 1) * per).min(self.cols) {
                        let (a, b) = (
                            self.current[y * self.cols + x],
                            self.previous[y * self.cols + x],
                        );
                        lo = lo.min(a).min(b);
                        hi = hi.max(a).max(b);
                        sad += u64::from(a.abs_diff(b));
                        count += 1;
                    }
                }
                if hi.saturating_sub(lo) >= structure {
                    voting += 1;
                    if sad as f64 > change * count as f64 {
                        moved += 1;
                    }
                }
            }
        }
        voting >= MIN_VOTING_TILES && moved * 2 >= voting
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{VideoFrameMut, VideoLayout};

    fn frame_of(
        layout: VideoLayout,
        f: impl Fn(usize, usize) -> u16,
    ) -> (Vec<Vec<u8>>, [usize; 3]) {
        let (mut planes, strides) = layout.alloc();
        let mut frame = VideoFrameMut::from_vecs(layout, &mut planes, strides).unwrap();
        for y in 0..layout.height {
            for x in 0..layout.width {
                frame.set(0, x, y, f(x, y));
            }
        }
        (planes, strides)
    }

    #[test]
    fn a_fixed_spot_in_a_moving_picture_is_confirmed_a_moving_one_is_not() {
        let layout = VideoLayout::parse("Y444", 48, 32).unwrap();
        let mut tracker = Tracker::new(&layout, 0);
        let mut promoted_at = None;
        for t in 0..12u32 {
            let (planes, strides) = frame_of(layout, |x, y| {
                ((x as u32 + 3 * t) * 9 % 200 + y as u32) as u16
            });
            let p: Vec<&[u8]> = planes.iter().map(|v| v.as_slice()).collect();
            let frame = VideoFrame::new(layout, [p[0], p[1], p[2]], strides).unwrap();
            // (10,10) stays; the detail at (20 + 3t, 12) moves with the picture.
            let seen = [(10, 10), (20 + 3 * t, 12)].map(|(x, y)| Seen {
                at: Position::new(x, y),
                centres: [Some(Position::new(x, y)), None, None],
                main: 0,
            });
            let u = tracker.observe(&frame, seen, &conditions(true));
            if u.promoted > 0 {
                promoted_at.get_or_insert(t);
            }
        }
        assert_eq!(promoted_at, Some((PROMOTE / HIT) as u32 - 1));
        assert_eq!(tracker.confirmed(), &[Position::new(10, 10)]);
        assert!(
            tracker
                .track_near(Position::new(11, 9))
                .is_some_and(|t| t.confirmed)
        );
    }

    /// Conditions of a frame whose picture as a whole moved (`moving`) or not.
    fn conditions(moving: bool) -> Conditions<'static> {
        Conditions {
            sigma: 0.5,
            max: 255,
            relaxed: [PlaneParams { base: 8, beta: 64 }; 3],
            moving,
            previous: None,
        }
    }

    /// A spot that stays while its surroundings change but the picture as a whole does
    /// not move (noise, flicker, compression: a tripod shot) gains no evidence.
    #[test]
    fn changing_surroundings_without_motion_confirm_nothing() {
        let layout = VideoLayout::parse("Y444", 48, 32).unwrap();
        let mut tracker = Tracker::new(&layout, 0);
        for t in 0..40u32 {
            // Every frame differs everywhere by far more than the noise.
            let (planes, strides) = frame_of(layout, |x, y| {
                ((x as u32 * 7 + y as u32 * 3 + 50 * t) % 200) as u16
            });
            let p: Vec<&[u8]> = planes.iter().map(|v| v.as_slice()).collect();
            let frame = VideoFrame::new(layout, [p[0], p[1], p[2]], strides).unwrap();
            let seen = Seen {
                at: Position::new(10, 10),
                centres: [Some(Position::new(10, 10)), None, None],
                main: 0,
            };
            tracker.observe(&frame, [seen], &conditions(false));
        }
        assert!(tracker.confirmed().is_empty());
    }

    #[test]
    fn a_still_picture_confirms_nothing() {
        let layout = VideoLayout::parse("Y444", 32, 32).unwrap();
        let (planes, strides) = frame_of(layout, |x, y| (x * 5 + y) as u16);
        let p: Vec<&[u8]> = planes.iter().map(|v| v.as_slice()).collect();
        let frame = VideoFrame::new(layout, [p[0], p[1], p[2]], strides).unwrap();
        let mut tracker = Tracker::new(&layout, 0);
        for _ in 0..50 {
            let seen = Seen {
                at: Position::new(8, 8),
                centres: [None; 3],
                main: 0,
            };
            tracker.observe(&frame, [seen], &conditions(false));
        }
        assert!(tracker.confirmed().is_empty());
        for _ in 0..=STALE_FRAMES {
            tracker.observe(&frame, [], &conditions(false));
        }
        assert_eq!(tracker.tracks(), 0);
    }
}
