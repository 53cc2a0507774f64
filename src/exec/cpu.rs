//! Which build of a vectorised kernel runs: the one enum of instruction-set paths, the
//! CPU's features detected once, and the one choice of the fastest path.
//!
//! Every vectorised kernel of the crate is one safe body compiled several times (for
//! the baseline target, and with AVX2 or AVX-512 enabled through `#[target_feature]`)
//! beside a plain scalar twin. Each kernel matches on a [`KernelPath`] to pick its build;
//! a kernel with fewer builds than there are paths runs the nearest one it has (the
//! video spot kernel has no AVX-512 build: AVX-512 CPUs run its AVX2 one). A build is
//! only entered when [`KernelPath::available`] says the CPU has its features, so a path
//! forced by a test on a CPU that lacks it falls back to the portable build.

use std::sync::LazyLock;

/// An instruction-set path of the vectorised kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelPath {
    /// The scalar twin: one pixel at a time, plain loops (the reference of the tests).
    Scalar,
    /// The kernels' body for the baseline target (auto-vectorised; SSE2 on x86-64).
    Portable,
    /// The same body compiled with AVX2 (only where the CPU has it).
    Avx2,
    /// The same body compiled with AVX-512 F and BW (only where the CPU has them).
    Avx512,
}

/// The CPU features the paths need, read once.
struct Features {
    avx2: bool,
    avx512: bool,
}

static FEATURES: LazyLock<Features> = LazyLock::new(|| {
    #[cfg(target_arch = "x86_64")]
    {
        Features {
            avx2: std::is_x86_feature_detected!("avx2"),
            avx512: std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512bw"),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Features {
            avx2: false,
            avx512: false,
        }
    }
});

/// The fastest path of this CPU, chosen once.
static BEST: LazyLock<KernelPath> = LazyLock::new(|| {
    if KernelPath::Avx512.available() {
        KernelPath::Avx512
    } else if KernelPath::Avx2.available() {
        KernelPath::Avx2
    } else {
        KernelPath::Portable
    }
});

impl KernelPath {
    /// Every path, the scalar twin first.
    pub const ALL: [KernelPath; 4] = [
        KernelPath::Scalar,
        KernelPath::Portable,
        KernelPath::Avx2,
        KernelPath::Avx512,
    ];

    /// The paths this CPU can run, the scalar twin first.
    pub fn available_paths() -> impl Iterator<Item = KernelPath> {
        Self::ALL.into_iter().filter(|p| p.available())
    }

    /// The fastest path this CPU supports (what engines and processors run).
    pub fn best() -> KernelPath {
        *BEST
    }

    /// This path where the CPU can run it, else `current` (a forced path this CPU
    /// lacks is ignored).
    pub fn or_keep(self, current: KernelPath) -> KernelPath {
        if self.available() { self } else { current }
    }

    /// Whether this CPU can run the path.
    #[inline]
    pub fn available(self) -> bool {
        match self {
            KernelPath::Scalar | KernelPath::Portable => true,
            KernelPath::Avx2 => FEATURES.avx2,
            KernelPath::Avx512 => FEATURES.avx512,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_path_is_available_and_the_scalar_twin_always_is() {
        assert!(KernelPath::best().available());
        assert_ne!(KernelPath::best(), KernelPath::Scalar);
        let paths: Vec<KernelPath> = KernelPath::available_paths().collect();
        assert_eq!(paths[..2], [KernelPath::Scalar, KernelPath::Portable]);
        assert!(paths.contains(&KernelPath::best()));
    }
}
