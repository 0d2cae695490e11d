#!/usr/bin/env bash
# The long load-with-edits run (issue 6): 64 keep-alive clients fetch every feed (plain, gzip,
# If-None-Match) for 60 s while an article is edited, added or deleted every 50 ms. It is the
# same test `cargo test` runs for 10 s (tests/it/load.rs), with a longer clock and a release
# build. Prints the request count, the status counts and the daemon's memory.
#
#   benches/load_with_edits.sh        # 60 s
#   benches/load_with_edits.sh 300    # five minutes
set -euo pipefail
cd "$(dirname "$0")/.."
FEEDPUB_LOAD_SECS=${1:-60} exec cargo test --release --locked --test it \
  load::sixty_four_keep_alive_clients_while_articles_change_every_50ms -- --exact --nocapture
