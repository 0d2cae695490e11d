#!/usr/bin/env bash
# Instructions the daemon spends per conditional GET (a 304), counted by callgrind: repeatable
# on a noisy machine, unlike req/s. Start-up is not counted (counters are zeroed once /healthz
# is 200); the total is divided by the requests /metrics counted.
#
#   bash benches/request_instructions.sh [BINARY]     # default: target/release/feedpub
#
# Needs valgrind and wrk (installed from Debian if missing). Serves the sample articles.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/feedpub}
C=${C:-64}
need=()
command -v valgrind >/dev/null || need+=(valgrind)
command -v wrk >/dev/null || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -x "$BIN" ] || cargo build --release --quiet --bin feedpub
WORK=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.%p" "$BIN" serve --articles articles \
    --out "$WORK/out" --listen "127.0.0.1:$port" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.5; done
etag=$(curl -sI "http://127.0.0.1:$port/rss.xml" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')
callgrind_control -z "$pid" >/dev/null 2>&1
wrk -t1 -c"$C" -d10s -H "If-None-Match: $etag" "http://127.0.0.1:$port/rss.xml" >/dev/null
callgrind_control -d "$pid" >/dev/null 2>&1
requests=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^feedpub_http_requests_total/ {s += $2} END {print s}')
kill "$pid"; wait "$pid" 2>/dev/null || true
dump=$(ls -t "$WORK"/cg.*.* | head -1)
ir=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "requests=$requests instructions=$ir per_request=$((ir / requests))"
