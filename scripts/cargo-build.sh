#!/usr/bin/env bash
# Used by meson: builds the plugin with cargo and copies it to meson's output path.
# cargo-build.sh SOURCE_DIR TARGET_DIR OUTPUT
set -euo pipefail
src=$1 target=$2 out=$3
cargo build --release --manifest-path "$src/Cargo.toml" --target-dir "$target" --lib
cp "$target/release/libgstdefectfix.so" "$out"
