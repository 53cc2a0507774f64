//! The one execution layer of the crate: every parallel piece of work, on the Bayer
//! path, the video path and in calibration, runs here, the same way.
//!
//! - **One pool.** A single rayon pool of as many threads as cores serves every engine,
//!   processor and calibrator of the process; nothing runs on rayon's global pool.
//!   `threads` turns an `n-threads` setting (0 = the whole pool) into the number of
//!   bands that may run at once.
//! - **One band splitter.** Work is cut into horizontal bands of `BAND_ROWS` rows
//!   (`band_rows`, or `row_bands` over a row-major buffer) and run by
//!   `run_bands`. The bands depend on the frame height only, never on the thread
//!   count, and each band writes only its own output, so results are the same for every
//!   `n-threads`.
//! - **One per-thread scratch.** `PerThread` holds one value (decoded rows, flags) per
//!   worker of the pool, so the bands reuse their buffers from frame to frame.
//! - **One choice of instruction set** ([`KernelPath`], in `cpu`): the CPU's features
//!   are detected once, the fastest path is chosen once, and every vectorised kernel
//!   dispatches on that one enum.

mod cpu;

pub use cpu::KernelPath;

use std::sync::{LazyLock, Mutex, MutexGuard};

use rayon::prelude::*;

use crate::lock;

/// Rows per band (even, so every band starts on the same Bayer row phase, and 4:2:0
/// chroma bands of the video path tile exactly).
pub(crate) const BAND_ROWS: usize = 64;

/// The row ranges `y0..y1` of the bands a frame `height` rows high is cut into.
pub(crate) fn band_rows(height: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..height.div_ceil(BAND_ROWS)).map(move |i| (i * BAND_ROWS, ((i + 1) * BAND_ROWS).min(height)))
}

/// The bands of a row-major buffer of rows `width` long: the first row of each band and
/// its rows as one slice (the bands of [`band_rows`]).
pub(crate) fn row_bands<T>(
    data: &mut [T],
    width: usize,
) -> impl Iterator<Item = (usize, &mut [T])> {
    data.chunks_mut((BAND_ROWS * width).max(1))
        .enumerate()
        .map(|(i, rows)| (i * BAND_ROWS, rows))
}

/// The one worker pool of the plugin, as many threads as cores.
static POOL: LazyLock<Option<rayon::ThreadPool>> = LazyLock::new(|| {
    rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("defectfix-{i}"))
        .build()
        .ok()
});

/// Threads of the shared pool (1 when it could not be created: work then runs inline).
pub(crate) fn pool_threads() -> usize {
    POOL.as_ref().map_or(1, |p| p.current_num_threads())
}

/// The bands that may run at once for an `n-threads` setting: `n_threads` (0 = every
/// thread of the shared pool), at most the pool's threads.
pub(crate) fn threads(n_threads: usize) -> usize {
    match n_threads {
        0 => pool_threads(),
        n => n.min(pool_threads()),
    }
}

/// Runs `work` on every band, on the plugin's one shared pool, with at most `threads`
/// bands at once. Which thread runs a band never changes what the band computes.
pub(crate) fn run_bands<B: Send>(
    bands: &mut [B],
    threads: usize,
    work: impl Fn(&mut B) + Sync + Send,
) {
    let threads = threads.max(1);
    match POOL.as_ref() {
        Some(pool) if threads > 1 && bands.len() > 1 => pool.install(|| {
            if threads >= pool.current_num_threads() {
                bands.par_iter_mut().for_each(&work);
            } else {
                let chunk = bands.len().div_ceil(threads);
                bands
                    .par_chunks_mut(chunk)
                    .for_each(|c| c.iter_mut().for_each(&work));
            }
        }),
        _ => bands.iter_mut().for_each(work),
    }
}

/// `work(y0, y1)` of every band of a frame `height` rows high ([`band_rows`]), run by
/// [`run_bands`]; the results in band order.
pub(crate) fn map_bands<R: Send>(
    height: usize,
    threads: usize,
    work: impl Fn(usize, usize) -> R + Sync + Send,
) -> Vec<R> {
    let mut bands: Vec<(usize, usize, Option<R>)> =
        band_rows(height).map(|(y0, y1)| (y0, y1, None)).collect();
    run_bands(&mut bands, threads, |(y0, y1, out)| {
        *out = Some(work(*y0, *y1))
    });
    bands.into_iter().filter_map(|(_, _, r)| r).collect()
}

/// One `T` per worker thread of the shared pool (scratch memory a band borrows while it
/// runs). A band takes the slot of the thread that runs it; work run outside the pool
/// takes the first. Each slot is behind a lock of its own, so a slot shared by chance
/// (more callers than slots) is only waited for, never raced on.
#[derive(Debug)]
pub(crate) struct PerThread<T> {
    slots: Box<[Mutex<T>]>,
}

impl<T: Default> PerThread<T> {
    /// One default `T` per thread of the pool.
    pub(crate) fn new() -> Self {
        PerThread {
            slots: (0..pool_threads().max(1))
                .map(|_| Mutex::new(T::default()))
                .collect(),
        }
    }
}

impl<T> PerThread<T> {
    /// The calling thread's slot, locked.
    pub(crate) fn get(&self) -> MutexGuard<'_, T> {
        let slot = rayon::current_thread_index().unwrap_or(0) % self.slots.len().max(1);
        lock(&self.slots[slot])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_tile_the_rows_whatever_the_height() {
        for height in [0, 1, 63, 64, 65, 128, 1080, 2161] {
            let bands: Vec<(usize, usize)> = band_rows(height).collect();
            let mut next = 0;
            for &(y0, y1) in &bands {
                assert_eq!(y0, next);
                assert!(y1 > y0 && y1 - y0 <= BAND_ROWS && y0 % 2 == 0);
                next = y1;
            }
            assert_eq!(next, height);
            let width = 3;
            let mut data = vec![0u8; height * width];
            let starts: Vec<(usize, usize)> = row_bands(&mut data, width)
                .map(|(y0, rows)| (y0, y0 + rows.len() / width))
                .collect();
            assert_eq!(starts, bands);
        }
    }

    #[test]
    fn every_band_runs_once_for_every_thread_count() {
        for threads in [0, 1, 2, 3, pool_threads(), pool_threads() + 5] {
            let out = map_bands(1000, threads, |y0, y1| (y0, y1, y1 - y0));
            let expected: Vec<(usize, usize, usize)> =
                band_rows(1000).map(|(a, b)| (a, b, b - a)).collect();
            assert_eq!(out, expected, "{threads} threads");
            let mut counts = vec![0u32; 17];
            run_bands(&mut counts, threads, |c| *c += 1);
            assert!(counts.iter().all(|&c| c == 1), "{threads} threads");
        }
    }

    #[test]
    fn per_thread_slots_are_reused() {
        let scratch: PerThread<Vec<u8>> = PerThread::new();
        scratch.get().push(1);
        assert_eq!(*scratch.get(), [1]);
        let mut bands = vec![(); 40];
        run_bands(&mut bands, 0, |_| scratch.get().push(2));
        let total: usize = scratch.slots.iter().map(|s| lock(s).len()).sum();
        assert_eq!(total, 41);
    }
}
