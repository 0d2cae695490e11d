//! The big hot feeds leave by `sendfile` from a memfd (see `src/memfile.rs`): the bytes must be
//! exactly those of the snapshot, for every coding, on keep-alive and pipelined connections, to
//! a slow reader, across a rebuild, and HEAD must still send no body.

use std::io::Read;
use std::thread;
use std::time::Duration;

use crate::faults::{metric, Site};
use crate::util::{parse_feed, wait_until, Conn};

/// Articles whose main feed is well over the size that gets a memfd (32 KiB).
fn big_site() -> Site {
    let site = Site::new("");
    let para =
        "A paragraph long enough to make the feed big, with some words repeated. ".repeat(30);
    for i in 0..40 {
        let text = format!(
            "---\ntitle: Article {i}\ndate: 2024-03-{:02}T08:00:00+08:00\n---\n\n{para}{i}\n",
            i % 28 + 1
        );
        std::fs::write(site.art(&format!("a{i}.md")), text).expect("write article");
    }
    site
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

#[test]
fn big_feeds_are_sent_whole_by_sendfile_on_keep_alive_connections() {
    let site = big_site();
    let d = site.start();
    d.wait_healthy();
    let mut c = Conn::connect(d.addr).expect("connect");
    let plain = c.request("GET", "/rss.xml", &[]).expect("plain");
    assert_eq!(plain.status, 200);
    assert!(
        plain.body.len() > 64 * 1024,
        "feed of {} bytes",
        plain.body.len()
    );
    let feed = parse_feed("rss.xml", &plain.body);
    assert_eq!(feed.entries.len(), 40);
    // The writer compresses the hot feeds and makes their memfds just after publishing.
    let sent_before = wait_until(Duration::from_secs(10), || {
        metric(&d, "feedpub_http_sendfile_bytes_total").is_some_and(|n| n > 0.0) || {
            let _ = c.request("GET", "/rss.xml", &[]);
            false
        }
    });
    assert!(sent_before, "no byte was ever sent by sendfile");
    let base = metric(&d, "feedpub_http_sendfile_bytes_total").unwrap_or(0.0);
    for _ in 0..3 {
        let again = c.request("GET", "/rss.xml", &[]).expect("again");
        assert_eq!(
            again.body, plain.body,
            "plain body changed between requests"
        );
        let head = c.request("HEAD", "/rss.xml", &[]).expect("HEAD");
        assert_eq!(head.status, 200);
        assert!(head.body.is_empty());
        let gz = c
            .request("GET", "/rss.xml", &[("Accept-Encoding", "gzip")])
            .expect("gzip");
        assert_eq!(gz.header("content-encoding"), Some("gzip"));
        assert_eq!(gunzip(&gz.body), plain.body, "gzip body differs");
    }
    let sent = metric(&d, "feedpub_http_sendfile_bytes_total").unwrap_or(0.0) - base;
    assert!(
        sent >= 3.0 * plain.body.len() as f64,
        "only {sent} bytes left by sendfile for three {}-byte bodies",
        plain.body.len()
    );

    // Pipelined: every response whole and in order, HEAD's without a body.
    c.send_raw(
        b"GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\nHEAD /rss.xml HTTP/1.1\r\nHost: x\r\n\r\nGET /rss.xml HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\nGET /atom.xml HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .expect("send");
    assert_eq!(c.read_response(false).expect("1").body, plain.body);
    assert!(c.read_response(true).expect("2").body.is_empty());
    assert_eq!(gunzip(&c.read_response(false).expect("3").body), plain.body);
    let atom = c.read_response(false).expect("4");
    assert_eq!(parse_feed("atom.xml", &atom.body).entries.len(), 40);
}

#[test]
fn a_slow_reader_gets_every_byte() {
    let site = big_site();
    let d = site.start();
    d.wait_healthy();
    let whole = d.get("/rss.xml", &[]).body;
    let ready = wait_until(Duration::from_secs(10), || {
        d.get("/rss.xml", &[]);
        metric(&d, "feedpub_http_sendfile_bytes_total").is_some_and(|n| n > 0.0)
    });
    assert!(ready, "no byte was ever sent by sendfile");
    let mut c = Conn::connect(d.addr).expect("connect");
    c.send_raw(b"GET /rss.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("send");
    // Read in small sips with pauses, so the server's socket buffer fills and `sendfile`
    // returns part of the body and then would block, many times over.
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match c.stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!("read: {e}"),
        }
        thread::sleep(Duration::from_millis(1));
    }
    let split = got
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of head");
    assert_eq!(&got[split + 4..], &whole[..], "body differs");
}

#[test]
fn a_rebuild_serves_the_new_bytes_by_sendfile_too() {
    let site = big_site();
    let d = site.start();
    d.wait_healthy();
    let mut c = Conn::connect(d.addr).expect("connect");
    let before = c.request("GET", "/rss.xml", &[]).expect("before").body;
    std::fs::write(
        site.art("new.md"),
        "---\ntitle: Brand new\ndate: 2024-04-01T08:00:00+08:00\n---\n\nNew.\n",
    )
    .expect("write");
    let changed = wait_until(Duration::from_secs(10), || {
        c.request("GET", "/rss.xml", &[]).is_ok_and(|r| {
            r.body != before && String::from_utf8_lossy(&r.body).contains("Brand new")
        })
    });
    assert!(changed, "the new article never appeared");
    // Once the writer has made the new feed's memfd, it leaves by sendfile as well.
    let by_sendfile = wait_until(Duration::from_secs(10), || {
        let base = metric(&d, "feedpub_http_sendfile_bytes_total").unwrap_or(0.0);
        let after = c.request("GET", "/rss.xml", &[]).expect("after");
        assert_eq!(parse_feed("rss.xml", &after.body).entries.len(), 41);
        metric(&d, "feedpub_http_sendfile_bytes_total").unwrap_or(0.0) - base
            >= after.body.len() as f64
    });
    assert!(by_sendfile, "the rebuilt feed is never sent by sendfile");
}
