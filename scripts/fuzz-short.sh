#!/usr/bin/env bash
# A short run of the defect map fuzz target (cargo-fuzz, libFuzzer, AddressSanitizer) on
# the stable toolchain. Installs cargo-fuzz when missing. SECONDS_TO_FUZZ (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo-fuzz >/dev/null; then
  cargo install cargo-fuzz --locked --quiet
fi
log=$(mktemp)
status=0
RUSTC_BOOTSTRAP=1 cargo fuzz run defect_map -- -max_total_time="${SECONDS_TO_FUZZ:-20}" >"$log" 2>&1 || status=$?
grep -E "^Done|==[0-9]+==ERROR|SUMMARY|panicked" "$log" || true
[ "$status" -eq 0 ] || { tail -40 "$log"; echo "fuzz target failed (exit $status)"; }
rm -f "$log"
exit "$status"
