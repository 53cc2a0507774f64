#!/usr/bin/env bash
# Used by meson: builds the plugin (or, given a binary's name, that command) with cargo
# and copies it to meson's output path.
# cargo-build.sh SOURCE_DIR TARGET_DIR OUTPUT [BIN]
set -euo pipefail
src=$1 target=$2 out=$3 bin=${4:-}
if [ -z "$bin" ]; then
  cargo build --release --manifest-path "$src/Cargo.toml" --target-dir "$target" --lib
  cp "$target/release/libgstdefectfix.so" "$out"
else
  cargo build --release --manifest-path "$src/Cargo.toml" --target-dir "$target" --bin "$bin"
  cp "$target/release/$bin" "$out"
fi
