#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit/integration/pipeline tests (some on the
# real raw frames in ../shared/data/raw), doc tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

export GST_DEBUG_NO_COLOR=1
cargo fmt --all --check
cargo clippy --release --all-targets --locked -- -D warnings
cargo test --release --locked --all-targets
cargo test --release --locked --doc

# The map parser's fuzz target, briefly (the long run: see README, "Bad input").
bash scripts/fuzz-short.sh
