#!/usr/bin/env python3
"""Edit latency: write an article, then poll a feed URL every 2 ms until the new title shows.

usage: edit_latency.py MODE URL DIR SAMPLES [--hugo]
  MODE edit: rewrite one file with a new title each time; MODE new: add a new file each time.
Prints one latency in ms per line on stdout, then nothing else. A sample that does not show
within 10 s is reported as 10000 (and counts against the tool).
"""
import sys, time, os, urllib.request, http.client, urllib.parse

mode, url, d, samples = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
hugo = "--hugo" in sys.argv
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)

def get():
    global conn
    try:
        conn.request("GET", u.path, headers={"Accept-Encoding": "identity", "Cache-Control": "no-cache"})
        r = conn.getresponse()
        return r.read()
    except Exception:
        conn.close()
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
        return b""

def article(title, i):
    # Newer than the whole corpus (its dates end in 2025-12), older than now.
    date = "2025-12-30T%02d:%02d:%02d+00:00" % (i // 3600 % 24, i // 60 % 60, i % 60)
    body = "Benchmark paragraph for the edit latency test. " * 40
    return "---\ntitle: \"%s\"\ndate: %s\ntags: [\"bench\"]\n---\n\n%s\n" % (title, date, body)

os.makedirs(d, exist_ok=True)
stamp = int(time.time())
for i in range(samples):
    title = "Bench %s %d %d" % (mode, stamp, i)
    name = "bench-edit.md" if mode == "edit" else "bench-new-%d-%d.md" % (stamp, i)
    path = os.path.join(d, name)
    tmp = os.path.join(d, ".tmp-" + name)
    with open(tmp, "w") as f:
        f.write(article(title, i if mode == "new" else 0))
    needle = title.encode()
    t0 = time.perf_counter()
    os.rename(tmp, path)  # what editors and rsync do: the new bytes appear at once
    while True:
        if needle in get():
            ms = (time.perf_counter() - t0) * 1000
            break
        if time.perf_counter() - t0 > 10:
            ms = 10000.0
            break
        time.sleep(0.002)
    print("%.2f" % ms, flush=True)
    time.sleep(0.15 if not hugo else 0.3)  # let the watcher settle between samples
