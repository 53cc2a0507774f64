#!/usr/bin/env bash
# Makes docs/qc-report.png, the README's picture of the QC page: a 60-frame VP8 clip
# panning over a real raw frame (Outdoor4 of ../shared/data/raw, grey-world balanced),
# given fixed sensor defects by defectsim before bayer2rgb, checked by defectfix-qc and
# shown by headless Chromium. Needs a release build (cargo build --release), python3,
# GStreamer's vpx and y4m elements, and /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
raw=../shared/data/raw/natural/infiniteisp_Outdoor4_2592x1536_8bit_GRBG.raw
work=${TMPDIR:-/tmp}/defectfix-qc-demo
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
export GST_PLUGIN_PATH=$PWD/target/release

# 60 crops of 960x540, 6 pixels further right each frame (the Bayer phase stays GRBG).
python3 - "$raw" "$work/pan.raw" <<'PY'
import sys
src, out = sys.argv[1], sys.argv[2]
W, H, CW, CH, N, X0, Y0 = 2592, 1536, 960, 540, 60, 400, 800
data = open(src, 'rb').read()
def mean(first_row, first_col):
    s = n = 0
    for y in range(first_row, H, 2):
        r = data[y * W:(y + 1) * W][first_col::2]
        s += sum(r)
        n += len(r)
    return s / n
black = 12
g, r, b = mean(0, 0), mean(0, 1), mean(1, 0)
def lut(gain):
    return bytes(min(255, max(0, round((v - black) * gain * 1.6))) for v in range(256))
lr, lg, lb = lut((g - black) / (r - black)), lut(1.0), lut((g - black) / (b - black))
with open(out, 'wb') as f:
    for t in range(N):
        x = X0 + 6 * t
        for y in range(Y0, Y0 + CH):
            row = bytearray(data[y * W + x:y * W + x + CW])
            even, odd = (lg, lr) if y % 2 == 0 else (lb, lg)
            row[0::2] = bytes(row[0::2]).translate(even)
            row[1::2] = bytes(row[1::2]).translate(odd)
            f.write(row)
PY

gst-launch-1.0 -q filesrc location="$work/pan.raw" blocksize=518400 \
    ! video/x-bayer,format=grbg,width=960,height=540,framerate=24/1 \
    ! defectsim density=0.00004 seed=11 kinds=hot+dead+stuck+pair \
    ! bayer2rgb ! videoconvert ! video/x-raw,format=I420 ! y4menc \
    ! filesink location="$work/pan.y4m"
gst-launch-1.0 -q filesrc location="$work/pan.y4m" ! y4mdec \
    ! vp8enc target-bitrate=6000000 deadline=1 ! webmmux ! filesink location="$work/reel.webm"
target/release/defectfix-qc "$work/reel.webm" --report "$work/qc.html" --fail-on never --quiet
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$work/profile" --window-size=1200,1500 \
    --screenshot="$PWD/docs/qc-report.png" "file://$work/qc.html" 2>/dev/null
echo "docs/qc-report.png written"
