#!/usr/bin/env bash
# feedpub against Hugo (building, edit latency) and nginx (serving), in one run, alternating.
#
#   bash benches/compare.sh            # 10k / 50k / 100k articles, ~20 min
#   QUICK=1 bash benches/compare.sh    # 2k / 5k / 10k, shorter wrk runs, ~5 min
#
# Installs hugo, nginx-light, wrk, hyperfine and time from Debian if missing. Everything runs on
# 127.0.0.1 with free ports; every server started here is stopped on exit. Output dirs live on
# tmpfs (/dev/shm) for both tools: this machine's disk spends ~1 ms per file created, which would
# measure the disk, not the tool (feedpub writes ~10,600 files at 10k, Hugo RSS-only writes one).
# Figures are medians; ratios are "how many times better feedpub is" (>1 is a win).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${WORK:-/dev/shm/feedpub-bench}
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
    N1=2000 N2=5000 N3=10000 RUNS=3 WRK_D=3s WRK_ROUNDS=3 EDITS=30
else
    N1=10000 N2=50000 N3=100000 RUNS=5 WRK_D=5s WRK_ROUNDS=5 EDITS=60
fi
RESULTS=$WORK/results.tsv
PIDS=()

cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

log() { echo "== $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
median() { python3 -c 'import sys,statistics; v=[float(x) for x in sys.stdin.read().split()]; print("%.3f" % statistics.median(v) if v else "nan")'; }
row() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$RESULTS"; }  # what, feedpub, peer, unit, better(lower|higher)
wait_http() {  # URL TIMEOUT_S → prints seconds until 200
    python3 - "$1" "$2" <<'EOF'
import sys, time, urllib.request
url, limit = sys.argv[1], float(sys.argv[2]); t0 = time.time()
while time.time() - t0 < limit:
    try:
        if urllib.request.urlopen(url, timeout=1).status == 200:
            print("%.3f" % (time.time() - t0)); sys.exit(0)
    except Exception:
        pass
    time.sleep(0.01)
print("nan"); sys.exit(1)
EOF
}

# ---------------------------------------------------------------- tools
need=()
command -v hugo >/dev/null || need+=(hugo)
command -v nginx >/dev/null || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
command -v hyperfine >/dev/null || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
log "hugo: $(hugo version | head -c 60); nginx: $(nginx -v 2>&1)"

log "building feedpub (release)"
cargo build --release --quiet --bin feedpub --example gen_corpus
FP=$ROOT/target/release/feedpub
GEN=$ROOT/target/release/examples/gen_corpus

rm -rf "$WORK" && mkdir -p "$WORK"
: >"$RESULTS"

# ---------------------------------------------------------------- corpora
hugo_site() {  # DIR: a Hugo site rendering only its home RSS (50 items, full content)
    mkdir -p "$1/layouts/_default" "$1/content/posts"
    cat >"$1/hugo.toml" <<'EOF'
baseURL = "http://127.0.0.1/"
title = "bench"
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404", "section"]
[outputs]
home = ["RSS"]
[services.rss]
limit = 50
# Pages are listed (for the feed) and linked, never rendered; the target keeps home rendered.
[[cascade]]
[cascade._build]
render = "link"
list = "always"
[cascade._target]
kind = "page"
EOF
    cat >"$1/layouts/_default/rss.xml" <<'EOF'
{{- printf "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>" | safeHTML }}
<rss version="2.0"><channel><title>{{ .Site.Title }}</title><link>{{ .Permalink }}</link><description>bench</description>
{{- range first 50 (where .Site.RegularPages "Type" "posts") }}
<item><title>{{ .Title }}</title><link>{{ .Permalink }}</link><pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate><guid>{{ .Permalink }}</guid><description>{{ .Content | html }}</description></item>
{{- end }}
</channel></rss>
EOF
}
for n in $N1 $N2 $N3; do
    log "corpus $n"
    hugo_site "$WORK/hugo$n"
    "$GEN" "$n" "$WORK/c$n" --hugo "$WORK/hugo$n/content/posts"
done

# ---------------------------------------------------------------- cold build, alternating
build_fp() { rm -rf "$WORK/out"; /usr/bin/time -f "%e %M" -o "$WORK/t" "$FP" build --articles "$WORK/c$1" --out "$WORK/out" 2>/dev/null || true; cat "$WORK/t"; }
build_hugo() { rm -rf "$WORK/hugo$1/public" "$WORK/hugo$1/resources"; (cd "$WORK/hugo$1" && /usr/bin/time -f "%e %M" -o "$WORK/t" hugo --quiet >/dev/null 2>&1 || true); cat "$WORK/t"; }
for n in $N1 $N2; do
    runs=$RUNS; [ "$n" = "$N2" ] && runs=3
    log "cold build at $n, $runs runs each, alternating"
    : >"$WORK/fp_t"; : >"$WORK/fp_m"; : >"$WORK/hu_t"; : >"$WORK/hu_m"
    for _ in $(seq "$runs"); do
        read -r t m < <(build_fp "$n"); echo "$t" >>"$WORK/fp_t"; echo "$m" >>"$WORK/fp_m"
        read -r t m < <(build_hugo "$n"); echo "$t" >>"$WORK/hu_t"; echo "$m" >>"$WORK/hu_m"
    done
    log "hugo feed items: $(grep -c "<item>" "$WORK/hugo$n/public/index.xml" || true)"
    row "cold build $n (s)" "$(median <"$WORK/fp_t")" "$(median <"$WORK/hu_t")" s lower
    row "cold build $n peak RSS (MiB)" "$(awk '{print $1/1024}' "$WORK/fp_m" | median)" "$(awk '{print $1/1024}' "$WORK/hu_m" | median)" MiB lower
done

# ---------------------------------------------------------------- serve start at N3
# Cold: no parse cache (first start, or after an upgrade). Warm: a restart, which takes
# unchanged articles from the parse cache the first start saved. A fixed base URL: the cache
# is keyed by the parse settings, and a base URL derived from a random port would change.
log "serve start at $N3"
: >"$WORK/start_cold"; : >"$WORK/start_warm"; : >"$WORK/rss_warm"
start_once() {  # OUT_FILE → one start time; leaves the steady RSS in $rss
    port=$(free_port)
    "$FP" serve --articles "$WORK/c$N3" --out "$WORK/out-serve" --listen "127.0.0.1:$port" \
        --base-url "http://feeds.example/" 2>/dev/null &
    pid=$!; PIDS+=("$pid")
    wait_http "http://127.0.0.1:$port/healthz" 60 >>"$1" || true
    # Steady: a first start serves its site feeds before it has parsed every body, and saves
    # the parse cache once it has (at most 30 s). Then 3 s more, as for a restart.
    for _ in $(seq 60); do [ -s "$WORK/out-serve/.feedpub-cache" ] && break; sleep 0.5; done
    sleep 3
    rss=$(awk '/VmRSS/ {print $2/1024}' "/proc/$pid/status")
    kill "$pid"; wait "$pid" 2>/dev/null || true
}
for _ in 1 2 3; do
    rm -rf "$WORK/out-serve"
    start_once "$WORK/start_cold"; rss_cold=$rss
    start_once "$WORK/start_warm"; echo "$rss" >>"$WORK/rss_warm"
done
row "serve start → /healthz 200 at $N3, no cache (s)" "$(median <"$WORK/start_cold")" "-" s lower
row "serve start → /healthz 200 at $N3, restart with cache (s)" "$(median <"$WORK/start_warm")" "-" s lower
row "serve RSS steady at $N3, first start (MiB)" "$rss_cold" "-" MiB lower
row "serve RSS steady at $N3, restart with cache (MiB)" "$(median <"$WORK/rss_warm")" "-" MiB lower

# ---------------------------------------------------------------- edit latency at N1
log "edit latency at $N1: feedpub"
port=$(free_port)
"$FP" serve --articles "$WORK/c$N1" --out "$WORK/out-edit" --listen "127.0.0.1:$port" 2>"$WORK/serve.log" &
FPID=$!; PIDS+=("$FPID")
wait_http "http://127.0.0.1:$port/healthz" 60 >/dev/null
sleep 1
metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v n="$1" '$1==n {print $2}'; }
sum0=$(metric feedpub_rebuild_duration_seconds_sum); cnt0=$(metric feedpub_rebuilds_total)
python3 benches/edit_latency.py edit "http://127.0.0.1:$port/rss.xml" "$WORK/c$N1/bench" "$EDITS" >"$WORK/fp_edit"
python3 benches/edit_latency.py new "http://127.0.0.1:$port/rss.xml" "$WORK/c$N1/bench" "$EDITS" >"$WORK/fp_new"
FP_PORT=$port
sum1=$(metric feedpub_rebuild_duration_seconds_sum); cnt1=$(metric feedpub_rebuilds_total)

log "edit latency at $N1: hugo server --disableFastRender"
hport=$(free_port)
(cd "$WORK/hugo$N1" && exec hugo server --disableFastRender --bind 127.0.0.1 --port "$hport" --baseURL "http://127.0.0.1:$hport/" --appendPort=false >"$WORK/hugo.log" 2>&1) &
HPID=$!; PIDS+=("$HPID")
wait_http "http://127.0.0.1:$hport/index.xml" 120 >/dev/null || log "hugo server did not start: $(tail -3 "$WORK/hugo.log")"
sleep 1
python3 benches/edit_latency.py edit "http://127.0.0.1:$hport/index.xml" "$WORK/hugo$N1/content/posts" "$((EDITS / 2))" --hugo >"$WORK/hu_edit" || true
python3 benches/edit_latency.py new "http://127.0.0.1:$hport/index.xml" "$WORK/hugo$N1/content/posts" "$((EDITS / 2))" --hugo >"$WORK/hu_new" || true
kill "$HPID" 2>/dev/null || true
pct() { python3 -c 'import sys; v=sorted(float(x) for x in open(sys.argv[1]).read().split()); p=float(sys.argv[2]); print("%.1f" % v[min(len(v)-1, int(round(p/100*(len(v)-1))))] if v else "nan")' "$1" "$2"; }
for m in edit new; do
    for p in 50 90 99; do
        row "$m → served p$p at $N1 (ms)" "$(pct "$WORK/fp_$m" $p)" "$(pct "$WORK/hu_$m" $p)" ms lower
    done
done
rebuild=$(python3 -c "print('%.2f' % ((float('$sum1') - float('$sum0')) / max(1, float('$cnt1') - float('$cnt0')) * 1000))" 2>/dev/null || echo nan)
row "render of one rebuild, mean over the edits at $N1 (ms)" "$rebuild" "-" ms lower

# The whole CPU of a rebuild (parse, render, gzip, swap, out-dir write), nobody polling: the
# daemon's utime + stime over edits 250 ms apart, divided by their number.
log "CPU of one rebuild at $N1"
clk=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$FPID/stat"; }
cpu0=$(cpu)
python3 - "$WORK/c$N1/bench" "$EDITS" <<'EOF'
import os, sys, time
d, n = sys.argv[1], int(sys.argv[2])
body = "Benchmark paragraph for the rebuild CPU test. " * 40
for i in range(n):
    tmp = os.path.join(d, ".tmp-cpu.md")
    with open(tmp, "w") as f:
        f.write('---\ntitle: "CPU %d %f"\ndate: 2025-12-30T00:00:00+00:00\ntags: ["bench"]\n---\n\n%s\n' % (i, time.time(), body))
    os.rename(tmp, os.path.join(d, "bench-edit.md"))
    time.sleep(0.25)
EOF
sleep 0.5
cpu1=$(cpu)
row "CPU of one rebuild (parse, render, gzip, swap, out-dir write), mean at $N1 (ms)" "$(python3 -c "print('%.1f' % (($cpu1 - $cpu0) * 1000 / $clk / $EDITS))")" "-" ms lower

# ---------------------------------------------------------------- serving vs nginx
# Serve the corpus's own newest 50 articles, not the bench articles written above: their one
# repeated paragraph compresses ~60x (a 122 KB feed to 2 KB of gzip) and would flatter gzip.
rm -rf "$WORK/c$N1/bench"
for _ in $(seq 100); do
    curl -s "http://127.0.0.1:$FP_PORT/rss.xml" | grep -q -e '<title>Bench ' -e '<title>CPU ' || break
    sleep 0.1
done
log "serving: nginx (tcp_nopush on/off) vs feedpub on the same rss.xml bytes"
NG=$WORK/nginx; mkdir -p "$NG/www" "$NG/tmp"
curl -s -o "$NG/www/rss.xml" "http://127.0.0.1:$FP_PORT/rss.xml"
curl -s -H 'Accept-Encoding: gzip' -o "$NG/www/rss.xml.gz" "http://127.0.0.1:$FP_PORT/rss.xml"
log "rss.xml: $(stat -c %s "$NG/www/rss.xml") bytes, gzip $(stat -c %s "$NG/www/rss.xml.gz")"
nginx_conf() {  # PORT NOPUSH
    cat <<EOF
worker_processes 1;
daemon off;
error_log $NG/error.log;
pid $NG/nginx-$1.pid;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $NG/tmp; proxy_temp_path $NG/tmp; fastcgi_temp_path $NG/tmp; uwsgi_temp_path $NG/tmp; scgi_temp_path $NG/tmp;
    types { application/rss+xml xml; }
    sendfile on; tcp_nopush $2; tcp_nodelay on;
    keepalive_requests 1000000;
    gzip_static on; gzip_vary on;
    etag on;
    open_file_cache max=1000 inactive=60s; open_file_cache_valid 60s;
    server { listen 127.0.0.1:$1; root $NG/www; }
}
EOF
}
wrk_rps() {  # URL CONNS [header...] → requests/s
    local url=$1 c=$2; shift 2
    local args=()
    for h in "$@"; do args+=(-H "$h"); done
    wrk -t1 -c"$c" -d"$WRK_D" "${args[@]}" "$url" 2>/dev/null | awk '/Requests\/sec/ {print $2}'
}
declare -A NGPORT
for nopush in on off; do
    p=$(free_port); NGPORT[$nopush]=$p
    nginx_conf "$p" "$nopush" >"$NG/nginx-$nopush.conf"
    nginx -c "$NG/nginx-$nopush.conf" -p "$NG" -e "$NG/error.log" &
    PIDS+=("$!")
done
sleep 1
fp_etag=$(curl -sI "http://127.0.0.1:$FP_PORT/rss.xml" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')
declare -A NGETAG
for nopush in on off; do
    NGETAG[$nopush]=$(curl -sI "http://127.0.0.1:${NGPORT[$nopush]}/rss.xml" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')
done
one_wrk() {  # URL CONNS MODE ETAG → requests/s
    case $3 in
        plain) wrk_rps "$1" "$2" ;;
        gzip) wrk_rps "$1" "$2" "Accept-Encoding: gzip" ;;
        304) wrk_rps "$1" "$2" "If-None-Match: $4" ;;
    esac
}
# One wrk run swings by ±20% here, so each cell is WRK_ROUNDS rounds, each round running the
# three servers back to back; a server's figure is the median of its rounds, and nginx's the
# better of its two configurations.
for c in 64 256; do
    for mode in plain gzip 304; do
        declare -A runs=([on]="" [off]="" [fp]="")
        for round in $(seq "$WRK_ROUNDS"); do
            for nopush in on off; do
                r=$(one_wrk "http://127.0.0.1:${NGPORT[$nopush]}/rss.xml" "$c" "$mode" "${NGETAG[$nopush]}")
                runs[$nopush]+=" ${r:-0}"
            done
            r=$(one_wrk "http://127.0.0.1:$FP_PORT/rss.xml" "$c" "$mode" "$fp_etag")
            runs[fp]+=" ${r:-0}"
        done
        for k in on off fp; do echo "c=$c $mode $k:${runs[$k]}" >&2; done
        on=$(echo "${runs[on]}" | median); off=$(echo "${runs[off]}" | median)
        best=$(python3 -c "print(max(float('$on'), float('$off')))")
        row "wrk -c$c GET /rss.xml $mode (req/s)" "$(echo "${runs[fp]}" | median)" "$best" req/s higher
    done
done

# ---------------------------------------------------------------- table
python3 - "$RESULTS" <<'EOF'
import sys
print("\n| what | feedpub | peer | ratio (feedpub better when > 1) |\n| --- | --- | --- | --- |")
for line in open(sys.argv[1]):
    what, fp, peer, unit, better = line.rstrip("\n").split("\t")
    try:
        f, p = float(fp), float(peer)
        ratio = (p / f if better == "lower" else f / p) if f and p else float("nan")
        r = "%.2fx" % ratio
    except ValueError:
        r = "-"
    print(f"| {what} | {fp} | {peer} | {r} |")
EOF
