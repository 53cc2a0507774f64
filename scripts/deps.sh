#!/usr/bin/env bash
# Installs what building and testing defectfix needs and is missing: Debian 12's
# GStreamer 1.22 development files and plugins, meson and ninja, g++ (the fuzz target
# builds libFuzzer), and Chromium (the QC report's page is rendered headless in
# tests/qc.rs). Needs root or sudo.
# A Rust toolchain (cargo >= 1.92, from rustup) must already be on PATH.
set -euo pipefail

packages=(
  pkg-config
  g++
  libgstreamer1.0-dev
  libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad
  gstreamer1.0-tools
  meson
  ninja-build
  chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "defectfix: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "defectfix: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null || {
  echo "defectfix: cargo not found; install Rust >= 1.92 with rustup (https://rustup.rs)" >&2
  exit 1
}
