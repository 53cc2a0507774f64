#!/usr/bin/env bash
# The README's first command: installs what is missing (scripts/deps.sh), builds the
# plugin and the demo in release mode, and runs the demo, which writes its pictures under
# ./out/ and prints how many defects were injected, found and missed.
#
#   bash scripts/quickstart.sh [demo options]      (see: bash scripts/quickstart.sh --help)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

echo "defectfix: building the plugin and the demo (release mode)..."
cargo build --release --locked --lib --example demo

target_dir=${CARGO_TARGET_DIR:-$PWD/target}
echo
"$target_dir/release/examples/demo" --out out "$@"

cat <<MSG

Compare out/before.png with out/after.png (and out/after-map.png), and see out/crops.png
for a close look at a few defects.
To use the plugin from gst-launch-1.0 or your own application:
  export GST_PLUGIN_PATH=$target_dir/release
  gst-launch-1.0 videotestsrc num-buffers=300 ! video/x-raw,width=640,height=480 ! rgb2bayer \\
      ! video/x-bayer,format=rggb ! defectsim density=0.001 ! defectfix ! bayer2rgb \\
      ! videoconvert ! autovideosink
MSG
