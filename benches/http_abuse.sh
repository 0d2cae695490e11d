#!/usr/bin/env bash
# The HTTP abuse tests (tests/it/abuse.rs) at full size: 10,000 idle connections instead of the
# 2,500 `cargo test` opens. Raises the fd limit first (both the test and the daemon hold one fd
# per connection). Prints how long a normal request took under each attack and the memory used.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 30000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
FEEDPUB_IDLE_CONNS=${1:-10000} exec cargo test --release --locked --test it abuse:: -- --nocapture --test-threads=1
