#!/usr/bin/env bash
# How feedpub's cost grows with the number of articles: cold build time and peak memory, and a
# second build that takes unchanged articles from the parse cache, from 1k to 100k articles.
# Writes benches/growth.tsv and benches/growth.svg (a log-log plot, no plotting library needed).
#
#   bash benches/growth.sh        # ~4 min; SIZES="1000 10000" bash benches/growth.sh for fewer
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/dev/shm/feedpub-growth}
SIZES=${SIZES:-1000 3000 10000 30000 100000}
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
cargo build --release --quiet --bin feedpub --example gen_corpus
FP=target/release/feedpub
rm -rf "$WORK" && mkdir -p "$WORK"
printf 'articles\tcold_s\tcold_mib\twarm_s\twarm_mib\n' >benches/growth.tsv
for n in $SIZES; do
    target/release/examples/gen_corpus "$n" "$WORK/c$n" >/dev/null
    sleep 2.1  # files younger than 2 s are never cached (a same-tick write could follow)
    rm -rf "$WORK/out"
    /usr/bin/time -f "%e %M" -o "$WORK/cold" "$FP" build --articles "$WORK/c$n" --out "$WORK/out" 2>/dev/null
    /usr/bin/time -f "%e %M" -o "$WORK/warm" "$FP" build --articles "$WORK/c$n" --out "$WORK/out" 2>/dev/null
    read -r cs cm <"$WORK/cold"
    read -r ws wm <"$WORK/warm"
    printf '%s\t%s\t%.0f\t%s\t%.0f\n' "$n" "$cs" "$((cm / 1024))" "$ws" "$((wm / 1024))" | tee -a benches/growth.tsv
    rm -rf "$WORK/c$n" "$WORK/out"
done
python3 - benches/growth.tsv benches/growth.svg <<'EOF'
import math, sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n")[1:] if l]
n = [float(r[0]) for r in rows]
series = [("cold build (s)", [float(r[1]) for r in rows], "#c0392b", 0),
          ("build with the parse cache (s)", [float(r[3]) for r in rows], "#2980b9", 0),
          ("cold build peak RSS (MiB)", [float(r[2]) for r in rows], "#27ae60", 1)]
W, H, L, R, T, B = 640, 360, 60, 60, 30, 50
lx = lambda v: L + (math.log10(v) - math.log10(n[0])) / (math.log10(n[-1]) - math.log10(n[0]) or 1) * (W - L - R)
def ly(v, lo, hi):
    return H - B - (math.log10(max(v, lo)) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * (H - T - B)
secs = [v for s in series if s[3] == 0 for v in s[1]]
mibs = [v for s in series if s[3] == 1 for v in s[1]]
rng = [(10 ** math.floor(math.log10(min(secs))), 10 ** math.ceil(math.log10(max(secs)))),
       (10 ** math.floor(math.log10(min(mibs))), 10 ** math.ceil(math.log10(max(mibs))))]
out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">' % (W, H),
       '<rect width="100%" height="100%" fill="white"/>',
       '<text x="%d" y="18" font-size="13">feedpub build: cost by number of articles (log-log)</text>' % L]
for v in n:
    out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/><text x="%.1f" y="%d" text-anchor="middle">%s</text>'
               % (lx(v), T, lx(v), H - B, lx(v), H - B + 15, "{:,}".format(int(v))))
for axis, (lo, hi) in enumerate(rng):
    x, anchor, unit = (L - 5, "end", "s") if axis == 0 else (W - R + 5, "start", "MiB")
    e = math.log10(lo)
    while e <= math.log10(hi) + 1e-9:
        v = 10 ** e
        out.append('<text x="%d" y="%.1f" text-anchor="%s">%g %s</text>' % (x, ly(v, lo, hi) + 4, anchor, v, unit))
        e += 1
for i, (name, ys, color, axis) in enumerate(series):
    lo, hi = rng[axis]
    pts = " ".join("%.1f,%.1f" % (lx(a), ly(b, lo, hi)) for a, b in zip(n, ys))
    out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>' % (pts, color))
    out.append('<text x="%d" y="%d" fill="%s">%s</text>' % (L + 10, T + 15 + 14 * i, color, name))
out.append('<text x="%d" y="%d" text-anchor="middle">articles</text></svg>' % ((W + L - R) // 2, H - 10))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
EOF
echo "wrote benches/growth.tsv and benches/growth.svg"
