//! Load with edits: 64 keep-alive clients fetch every feed (plain, gzip, and conditional) while a
//! writer edits, adds and deletes an article every 50 ms. No 5xx, no connection error, every 200
//! body a complete document of one build (its ETag is the hash of exactly that body), and memory
//! does not keep growing.
//!
//! Runs 10 s by default; `FEEDPUB_LOAD_SECS=60` (see `benches/load_with_edits.sh`) runs longer.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::faults::{md, rss_kib, Site};
use crate::util::{well_formed_xml, Conn, Response};

const CLIENTS: usize = 64;
const PATHS: [&str; 7] = [
    "/rss.xml",
    "/atom.xml",
    "/feed.json",
    "/tags/news/rss.xml",
    "/tags/news/atom.xml",
    "/tags/news/feed.json",
    "/",
];

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    ok: AtomicU64,
    not_modified: AtomicU64,
    server_errors: AtomicU64,
    other_status: AtomicU64,
    conn_errors: AtomicU64,
    /// First few problems, for the failure message.
    problems: Mutex<Vec<String>>,
}

impl Tally {
    fn problem(&self, p: String) {
        let mut v = self.problems.lock().unwrap_or_else(|e| e.into_inner());
        if v.len() < 10 {
            v.push(p);
        }
    }
}

/// Check a 200: the ETag is the xxh3-128 of the identity body (plus `-gzip` for gzip), and the
/// body is a complete document of its kind.
fn check_ok(path: &str, r: &Response) -> Result<(), String> {
    let etag = r.header("etag").ok_or("no ETag")?;
    let gzip = r.header("content-encoding") == Some("gzip");
    let body = if gzip {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&r.body[..])
            .read_to_end(&mut out)
            .map_err(|e| format!("bad gzip: {e}"))?;
        out
    } else {
        r.body.clone()
    };
    let hash = xxhash_rust::xxh3::xxh3_128(&body);
    let want = if gzip {
        format!("\"{hash:032x}-gzip\"")
    } else {
        format!("\"{hash:032x}\"")
    };
    if etag != want {
        return Err(format!("ETag {etag} but the body hashes to {want}"));
    }
    if path.ends_with(".xml") {
        well_formed_xml(&body).map(drop)
    } else if path.ends_with(".json") {
        serde_json::from_slice::<serde_json::Value>(&body)
            .map(drop)
            .map_err(|e| format!("not JSON: {e}"))
    } else if String::from_utf8_lossy(&body)
        .trim_end()
        .ends_with("</html>")
    {
        Ok(())
    } else {
        Err("HTML page not complete".to_string())
    }
}

fn client(addr: std::net::SocketAddr, seed: usize, until: Instant, tally: &Tally) {
    let mut conn: Option<Conn> = None;
    let mut etags: HashMap<&str, String> = HashMap::new();
    let mut n = seed;
    while Instant::now() < until {
        n = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let path = PATHS[(n >> 33) % PATHS.len()];
        let mode = (n >> 40) % 4; // 0 plain, 1 gzip, 2 conditional, 3 conditional gzip
        let gzip = mode % 2 == 1;
        let mut headers: Vec<(&str, String)> = Vec::new();
        if gzip {
            headers.push(("Accept-Encoding", "gzip".to_string()));
        }
        if mode >= 2 {
            if let Some(tag) = etags.get(path) {
                headers.push(("If-None-Match", tag.clone()));
            }
        }
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match Conn::connect(addr) {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    tally.conn_errors.fetch_add(1, Ordering::Relaxed);
                    tally.problem(format!("connect: {e}"));
                    thread::sleep(Duration::from_millis(50));
                    continue;
                }
            },
        };
        let hdrs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        tally.requests.fetch_add(1, Ordering::Relaxed);
        let r = match c.request("GET", path, &hdrs) {
            Ok(r) => r,
            Err(e) => {
                tally.conn_errors.fetch_add(1, Ordering::Relaxed);
                tally.problem(format!("GET {path}: {e}"));
                conn = None;
                continue;
            }
        };
        match r.status {
            200 => {
                tally.ok.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = check_ok(path, &r) {
                    tally.problem(format!("GET {path} (gzip {gzip}): {e}"));
                    tally.other_status.fetch_add(1, Ordering::Relaxed);
                }
                if let Some(tag) = r.header("etag") {
                    etags.insert(path, tag.to_string());
                }
            }
            304 => {
                tally.not_modified.fetch_add(1, Ordering::Relaxed);
            }
            s if s >= 500 => {
                tally.server_errors.fetch_add(1, Ordering::Relaxed);
                tally.problem(format!("GET {path}: {s}"));
            }
            s => {
                tally.other_status.fetch_add(1, Ordering::Relaxed);
                tally.problem(format!("GET {path}: unexpected {s}"));
            }
        }
        if r.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
        {
            conn = None;
        }
    }
}

#[test]
fn sixty_four_keep_alive_clients_while_articles_change_every_50ms() {
    let secs: u64 = std::env::var("FEEDPUB_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let site = Site::new("");
    for i in 0..20 {
        fs::write(
            site.art(&format!("base{i:02}.md")),
            md(
                &format!("Base {i:02}"),
                &"Words and more words. ".repeat(50),
            ),
        )
        .expect("write article");
    }
    let d = site.start();
    let pid = d.pid();
    let addr = d.addr;
    let until = Instant::now() + Duration::from_secs(secs);

    // The writer: every 50 ms one of edit, add, delete.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = Arc::clone(&stop);
        let dir = site.art("");
        thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                match n % 3 {
                    0 => fs::write(
                        dir.join(format!("base{:02}.md", n % 20)),
                        md(
                            &format!("Base {:02}", n % 20),
                            &format!("Edit {n}. {}", "More words. ".repeat(40)),
                        ),
                    ),
                    1 => fs::write(
                        dir.join(format!("new{n}.md")),
                        md(&format!("New {n}"), "Fresh."),
                    ),
                    _ => fs::remove_file(dir.join(format!("new{}.md", n - 1))),
                }
                .expect("writer");
                n += 1;
                thread::sleep(Duration::from_millis(50));
            }
            n
        })
    };

    // Memory, every 250 ms.
    let samples = Arc::new(Mutex::new(Vec::<u64>::new()));
    let sampler = {
        let (samples, stop) = (Arc::clone(&samples), Arc::clone(&stop));
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                samples
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(rss_kib(pid));
                thread::sleep(Duration::from_millis(250));
            }
        })
    };

    let tally = Arc::new(Tally::default());
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let tally = Arc::clone(&tally);
            thread::spawn(move || client(addr, i * 7919 + 1, until, &tally))
        })
        .collect();
    for c in clients {
        c.join().expect("client thread");
    }
    stop.store(true, Ordering::Relaxed);
    let edits = writer.join().expect("writer thread");
    sampler.join().expect("sampler thread");

    let samples = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let peak = samples.iter().copied().max().unwrap_or(0);
    let quarter = (samples.len() / 4).max(1);
    let early = samples.iter().take(quarter).copied().max().unwrap_or(0);
    let late = samples
        .iter()
        .rev()
        .take(quarter)
        .copied()
        .max()
        .unwrap_or(0);
    let t = &tally;
    let (requests, ok, nm, e5, other, errs) = (
        t.requests.load(Ordering::Relaxed),
        t.ok.load(Ordering::Relaxed),
        t.not_modified.load(Ordering::Relaxed),
        t.server_errors.load(Ordering::Relaxed),
        t.other_status.load(Ordering::Relaxed),
        t.conn_errors.load(Ordering::Relaxed),
    );
    eprintln!(
        "load: {secs} s, {CLIENTS} clients, {edits} edits: {requests} requests ({ok} 200, {nm} 304, {e5} 5xx, {other} bad, {errs} connection errors); VmRSS early {early} KiB, late {late} KiB, peak {peak} KiB"
    );
    let problems = t.problems.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(
        (e5, other, errs),
        (0, 0, 0),
        "problems: {problems:#?}\n--- stderr:\n{}",
        crate::faults::tail(&d.log(), 3000)
    );
    assert!(ok > 0 && nm > 0, "no 200 or no 304 at all: {ok} / {nm}");
    assert!(edits >= secs * 10, "the writer only made {edits} edits");
    // Growth between the first and last quarter stays small (the site itself is a few hundred KB).
    assert!(
        late <= early + 64 * 1024,
        "memory keeps growing: early {early} KiB, late {late} KiB"
    );
    assert!(!d.log().contains("panicked"), "a panic:\n{}", d.log());
}
