#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 60), one after another, at the lowest CPU
# priority. Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). The toolchain is stable, so
# RUSTC_BOOTSTRAP=1 lets cargo-fuzz use the nightly-only sanitizer flags.
#
#   fuzz/run.sh 600            # ten minutes per target
#   fuzz/run.sh 60 route       # one target
#
# Each target starts from its committed seeds (corpus/<target>/seed-*) plus whatever earlier runs
# kept in corpus/<target>/ (git ignores those). Crashes land in fuzz/artifacts/<target>/; the
# script stops at the first one and prints how to reproduce it. The last lines of each run
# (libFuzzer's `#N DONE cov: X ft: Y`) are kept in fuzz/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(article front_matter config route)
export RUSTC_BOOTSTRAP=1
mkdir -p logs
for t in "${targets[@]}"; do
  echo "# fuzzing $t for ${secs}s"
  # -s none: no sanitizer. Safe Rust needs no ASan to catch panics, and it runs ~3x faster;
  # debug assertions stay on (overflow checks).
  if ! nice -n 19 cargo fuzz run -s none --debug-assertions "$t" "corpus/$t" -- \
      -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      >"logs/$t.log" 2>&1; then
    tail -n 40 "logs/$t.log"
    echo "# $t FAILED: reproduce with: RUSTC_BOOTSTRAP=1 cargo fuzz run -s none $t fuzz/artifacts/$t/<file>" >&2
    exit 1
  fi
  grep -E '^#[0-9]+ +DONE|^stat::number_of_executed_units|^stat::peak_rss_mb' "logs/$t.log" || tail -n 3 "logs/$t.log"
done
