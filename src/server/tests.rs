//! The server over real sockets: [`run`] on `127.0.0.1:0`, raw HTTP/1.1 over `TcpStream`.
//!
//! Covers: 200 with its headers; HEAD; 405 + `Allow`; 404 (unknown and hostile paths); the
//! article redirect; 304 on `If-None-Match` and `If-Modified-Since` (later and earlier dates);
//! 412; gzip and br bodies that decompress to the identity bytes; `/healthz` 503 before the
//! first publish and 200 after; `/metrics`; a slow client trickling a header does not delay
//! another; the header read timeout closes a stalled connection; an oversized head is refused;
//! graceful shutdown returns within the grace period while a keep-alive connection is idle.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::{timeout, Instant};

use super::*;
use crate::config::Config;
use crate::site::{Asset, Coding};

/// Generous bound for anything that should be quick.
const LONG: Duration = Duration::from_secs(10);

/// Tue, 14 Nov 2023 22:13:20 GMT
fn modified() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn feed_body() -> String {
    let mut s = String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>");
    for i in 0..200 {
        s.push_str(&format!("<item><title>Item {i}</title><description>Some words about item {i}.</description></item>"));
    }
    s.push_str("</channel></rss>");
    s
}

fn test_site() -> Site {
    let mut assets = foldhash::HashMap::default();
    let mut add = |key: &str, ct: &'static str, body: String| {
        assets.insert(Arc::from(key), Arc::new(Asset::new(ct, body, modified())));
    };
    add(
        "index.html",
        "text/html; charset=utf-8",
        format!(
            "<!doctype html><title>Home</title>{}",
            "<p>hello</p>".repeat(50)
        ),
    );
    add("rss.xml", "application/rss+xml; charset=utf-8", feed_body());
    add(
        "atom.xml",
        "application/atom+xml; charset=utf-8",
        "<feed/>".to_string(),
    );
    add(
        "tags/中文/rss.xml",
        "application/rss+xml; charset=utf-8",
        feed_body(),
    );
    let mut pages = crate::site::Pages::default();
    pages.insert(
        Arc::from("articles/hello/index.html"),
        Arc::new(Asset::new(
            "text/html; charset=utf-8",
            "<p>hi</p>".to_string(),
            modified(),
        )),
    );
    let site = Site {
        assets,
        pages,
        article_count: 1,
        coming: Default::default(),
        // As for a base URL `http://example.org/blog/`.
        base_path: Arc::from("/blog"),
    };
    site.assets["rss.xml"].precompress();
    site
}

struct TestServer {
    addr: SocketAddr,
    site_tx: watch::Sender<Option<Arc<Site>>>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<io::Result<()>>,
}

impl TestServer {
    async fn start(site: Option<Site>, tweak: impl FnOnce(&mut ServerSettings)) -> TestServer {
        let mut settings = Config::default().server;
        tweak(&mut settings);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let addr = listener.local_addr().expect("local addr");
        let (site_tx, site_rx) = watch::channel(site.map(Arc::new));
        let shared = Shared::new(site_rx, Arc::new(Metrics::new()), settings);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(run(vec![listener], shared, async move {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            site_tx,
            stop: Some(stop),
            task,
        }
    }

    async fn get(&self, target: &str, headers: &[(&str, &str)]) -> Reply {
        self.request("GET", target, headers).await
    }

    async fn request(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> Reply {
        request_at(self.addr, method, target, headers).await
    }

    /// Stop the server and wait for `run` to return.
    async fn stop(mut self) -> Duration {
        let start = Instant::now();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        timeout(LONG, &mut self.task)
            .await
            .expect("run returns in time")
            .expect("no panic")
            .expect("run ok");
        start.elapsed()
    }
}

/// One request on a connection of its own, and its whole answer.
async fn request_at(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> Reply {
    let mut stream = timeout(LONG, TcpStream::connect(addr))
        .await
        .expect("connect in time")
        .expect("connect");
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (name, value) in headers {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    timeout(LONG, stream.read_to_end(&mut raw))
        .await
        .expect("answer in time")
        .expect("read");
    Reply::parse(&raw)
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn parse(raw: &[u8]) -> Reply {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(raw)));
        let head = std::str::from_utf8(&raw[..split]).expect("ASCII head");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("status line");
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status code");
        let headers = lines
            .map(|l| {
                let (n, v) = l.split_once(':').expect("header line");
                (n.trim().to_ascii_lowercase(), v.trim().to_string())
            })
            .collect();
        Reply {
            status,
            headers,
            body: raw[split + 4..].to_vec(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[tokio::test]
async fn serves_assets_with_headers() {
    let server = TestServer::start(Some(test_site()), |_| {}).await;
    let site = test_site();
    let feed = &site.assets["rss.xml"];

    let r = server.get("/rss.xml?utm=1", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, feed.body().as_ref());
    assert_eq!(
        r.header("content-type"),
        Some("application/rss+xml; charset=utf-8")
    );
    assert_eq!(
        r.header("content-length"),
        Some(feed.body().len().to_string().as_str())
    );
    assert_eq!(
        r.header("etag"),
        Some(feed.variant(Coding::Identity).etag.as_str())
    );
    assert_eq!(
        r.header("last-modified"),
        Some("Tue, 14 Nov 2023 22:13:20 GMT")
    );
    assert_eq!(r.header("cache-control"), Some("public, max-age=60"));
    assert_eq!(r.header("vary"), Some("Accept-Encoding"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.header("content-security-policy"), None);

    let r = server.get("/", &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.text().starts_with("<!doctype html><title>Home"));
    assert!(r
        .header("content-security-policy")
        .is_some_and(|v| v.starts_with("default-src 'none'")));

    // Small assets are not compressible: no Vary, identity even when gzip is asked for.
    let r = server
        .get("/atom.xml", &[("accept-encoding", "gzip, br")])
        .await;
    assert_eq!((r.status, r.text().as_str()), (200, "<feed/>"));
    assert_eq!(r.header("vary"), None);
    assert_eq!(r.header("content-encoding"), None);

    let r = server.get("/tags/%E4%B8%AD%E6%96%87/rss.xml", &[]).await;
    assert_eq!(r.status, 200);
    let r = server.get("/articles/hello/", &[]).await;
    assert_eq!((r.status, r.text().as_str()), (200, "<p>hi</p>"));
    server.stop().await;
}

#[tokio::test]
async fn head_method_and_not_found() {
    let server = TestServer::start(Some(test_site()), |_| {}).await;
    let get = server.get("/rss.xml", &[]).await;
    let head = server.request("HEAD", "/rss.xml", &[]).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    for name in [
        "content-length",
        "content-type",
        "etag",
        "last-modified",
        "cache-control",
        "vary",
    ] {
        assert_eq!(head.header(name), get.header(name), "{name}");
    }
    let head = server.request("HEAD", "/nope", &[]).await;
    assert_eq!(head.status, 404);
    assert!(head.body.is_empty());
    assert!(head.header("content-length").is_some_and(|l| l != "0"));

    for method in ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"] {
        let r = server
            .request(method, "/rss.xml", &[("content-length", "0")])
            .await;
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("allow"), Some("GET, HEAD"));
    }

    for path in [
        "/nope",
        "/articles/missing/",
        "/tags/x/rss.xml",
        "/../rss.xml",
        "/%2e%2e/rss.xml",
        "/articles%2Fhello/",
        "//rss.xml",
        "/articles/%FF/",
    ] {
        let r = server.get(path, &[]).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(
            r.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        assert!(r.text().contains("Not found"), "{path}");
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    }

    let r = server.get("/articles/hello", &[]).await;
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/articles/hello/"));
    let r = server.get("/articles/missing", &[]).await;
    assert_eq!(r.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn the_base_path_serves_the_site_too() {
    let server = TestServer::start(Some(test_site()), |_| {}).await;
    for path in [
        "/blog/rss.xml",
        "/blog/",
        "/blog/articles/hello/",
        "/rss.xml",
    ] {
        assert_eq!(server.get(path, &[]).await.status, 200, "{path}");
    }
    let r = server.get("/blog/articles/hello", &[]).await;
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/blog/articles/hello/"));
    let r = server.get("/blog?x=1", &[]).await;
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/blog/?x=1"));
    assert_eq!(server.get("/blogroll", &[]).await.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn conditional_requests() {
    let server = TestServer::start(Some(test_site()), |s| {
        s.cache_control = "public, max-age=300".into()
    })
    .await;
    let first = server.get("/rss.xml", &[]).await;
    let etag = first.header("etag").expect("etag").to_string();

    let r = server.get("/rss.xml", &[("if-none-match", &etag)]).await;
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    assert_eq!(r.header("last-modified"), first.header("last-modified"));
    assert_eq!(r.header("cache-control"), Some("public, max-age=300"));
    assert_eq!(r.header("vary"), Some("Accept-Encoding"));

    let r = server
        .get(
            "/rss.xml",
            &[("if-none-match", &format!("\"x\", W/{etag}"))],
        )
        .await;
    assert_eq!(r.status, 304);
    let r = server
        .get("/rss.xml", &[("if-none-match", "\"other\"")])
        .await;
    assert_eq!(r.status, 200);
    // The gzip variant has its own ETag: the identity tag does not match it.
    let r = server
        .get(
            "/rss.xml",
            &[("if-none-match", &etag), ("accept-encoding", "gzip")],
        )
        .await;
    assert_eq!(r.status, 200);
    let gz_etag = r.header("etag").expect("etag").to_string();
    assert_ne!(gz_etag, etag);
    let r = server
        .get(
            "/rss.xml",
            &[("if-none-match", &gz_etag), ("accept-encoding", "gzip")],
        )
        .await;
    assert_eq!(r.status, 304);
    assert_eq!(r.header("etag"), Some(gz_etag.as_str()));

    let later = "Wed, 15 Nov 2023 00:00:00 GMT";
    let earlier = "Tue, 14 Nov 2023 22:13:19 GMT";
    assert_eq!(
        server
            .get("/rss.xml", &[("if-modified-since", later)])
            .await
            .status,
        304
    );
    assert_eq!(
        server
            .get(
                "/rss.xml",
                &[("if-modified-since", "Tue, 14 Nov 2023 22:13:20 GMT")]
            )
            .await
            .status,
        304
    );
    assert_eq!(
        server
            .get("/rss.xml", &[("if-modified-since", earlier)])
            .await
            .status,
        200
    );
    assert_eq!(
        server
            .get("/rss.xml", &[("if-modified-since", "garbage")])
            .await
            .status,
        200
    );
    assert_eq!(
        server
            .get(
                "/rss.xml",
                &[("if-none-match", "\"x\""), ("if-modified-since", later)]
            )
            .await
            .status,
        200
    );

    assert_eq!(
        server
            .get("/rss.xml", &[("if-match", "\"x\"")])
            .await
            .status,
        412
    );
    assert_eq!(
        server.get("/rss.xml", &[("if-match", &etag)]).await.status,
        200
    );
    assert_eq!(
        server
            .get("/rss.xml", &[("if-unmodified-since", earlier)])
            .await
            .status,
        412
    );
    // Range and absurd values never break anything.
    let r = server
        .get(
            "/rss.xml",
            &[
                ("range", "bytes=999999999-1"),
                ("if-range", "%%%"),
                ("if-none-match", "W/W/\"\"\",,*x"),
                ("if-modified-since", "Mon, 99 Foo 99999 99:99:99 GMT"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn compressed_variants_decompress_to_the_original() {
    let server = TestServer::start(Some(test_site()), |_| {}).await;
    let original = feed_body().into_bytes();

    let r = server
        .get("/rss.xml", &[("accept-encoding", "gzip, deflate")])
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.header("vary"), Some("Accept-Encoding"));
    assert_eq!(
        r.header("content-length"),
        Some(r.body.len().to_string().as_str())
    );
    assert!(r.body.len() < original.len());
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(r.body.as_slice())
        .read_to_end(&mut plain)
        .expect("valid gzip");
    assert_eq!(plain, original);

    let r = server
        .get("/rss.xml", &[("accept-encoding", "gzip;q=0.8, br;q=1.0")])
        .await;
    assert_eq!(r.header("content-encoding"), Some("br"));
    let mut plain = Vec::new();
    brotli::Decompressor::new(r.body.as_slice(), 4096)
        .read_to_end(&mut plain)
        .expect("valid brotli");
    assert_eq!(plain, original);

    let r = server
        .get("/rss.xml", &[("accept-encoding", "br;q=0, gzip;q=0")])
        .await;
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.body, original);

    // Lazy compression of an asset nobody precompressed.
    let r = server.get("/", &[("accept-encoding", "br")]).await;
    assert_eq!(r.header("content-encoding"), Some("br"));
    let mut plain = Vec::new();
    brotli::Decompressor::new(r.body.as_slice(), 4096)
        .read_to_end(&mut plain)
        .expect("valid brotli");
    assert!(plain.starts_with(b"<!doctype html><title>Home"));
    server.stop().await;
}

#[tokio::test]
async fn healthz_follows_the_first_publish_and_metrics_count() {
    let server = TestServer::start(None, |_| {}).await;
    let r = server.get("/healthz", &[]).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(server.get("/rss.xml", &[]).await.status, 503);

    server.site_tx.send_replace(Some(Arc::new(test_site())));
    let r = server.get("/healthz", &[]).await;
    assert_eq!((r.status, r.text().as_str()), (200, "ok\n"));
    assert_eq!(server.get("/rss.xml", &[]).await.status, 200);
    server.get("/nope", &[]).await;

    let r = server.get("/metrics", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = r.text();
    for line in [
        "feedpub_http_requests_total{route=\"healthz\",status=\"503\"} 1",
        "feedpub_http_requests_total{route=\"healthz\",status=\"200\"} 1",
        "feedpub_http_requests_total{route=\"feed\",status=\"503\"} 1",
        "feedpub_http_requests_total{route=\"feed\",status=\"200\"} 1",
        "feedpub_http_requests_total{route=\"not_found\",status=\"404\"} 1",
        "feedpub_rebuilds_total 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    server.stop().await;
}

/// [`test_site`] as a first start publishes it first: the page of `hello` still to come.
fn partial_site() -> Site {
    Site {
        pages: crate::site::Pages::default(),
        coming: [Arc::from("articles/hello/index.html")]
            .into_iter()
            .collect(),
        ..test_site()
    }
}

#[tokio::test]
async fn a_page_still_to_come_is_answered_when_it_comes_not_with_a_404() {
    let server = Arc::new(TestServer::start(Some(partial_site()), |_| {}).await);
    // What the partial snapshot has is served at once.
    assert_eq!(server.get("/rss.xml", &[]).await.status, 200);
    assert_eq!(server.get("/healthz", &[]).await.status, 200);
    let waiting = |target: &'static str| {
        let server = Arc::clone(&server);
        tokio::spawn(async move { server.get(target, &[]).await })
    };
    let page = waiting("/articles/hello/");
    let redirect = waiting("/articles/hello");
    // What is not coming is a 404 at once: a flood of made-up paths holds no connection.
    assert_eq!(server.get("/articles/never/", &[]).await.status, 404);
    assert_eq!(server.get("/tags/never/rss.xml", &[]).await.status, 404);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!page.is_finished() && !redirect.is_finished(), "held");
    server.site_tx.send_replace(Some(Arc::new(test_site())));
    let page = page.await.expect("no panic");
    assert_eq!((page.status, page.text().as_str()), (200, "<p>hi</p>"));
    assert_eq!(redirect.await.expect("no panic").status, 301);
}

#[tokio::test]
async fn a_request_held_for_a_page_to_come_gets_a_503_at_once_when_the_daemon_stops() {
    let mut server = TestServer::start(Some(partial_site()), |_| {}).await;
    let addr = server.addr;
    let held = tokio::spawn(async move { request_at(addr, "GET", "/articles/hello/", &[]).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!held.is_finished(), "held");
    // A stopping daemon drops the snapshot's sender before it waits for its connections: the
    // page would come after a restart, so it is not a 404, and the stop does not wait for it.
    server.site_tx = watch::channel(None).0;
    let reply = timeout(Duration::from_secs(10), held)
        .await
        .expect("answered before the hold's deadline")
        .expect("no panic");
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), Some("5"));
    assert_eq!(reply.header("connection"), Some("close"));
    server.stop().await;
}

/// Send `head` one byte at a time, `gap` apart; the connection may be closed under us.
async fn trickle(addr: SocketAddr, head: &'static [u8], gap: Duration) {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return;
    };
    for byte in head {
        if stream.write_all(&[*byte]).await.is_err() {
            return;
        }
        tokio::time::sleep(gap).await;
    }
}

#[tokio::test]
async fn a_slow_client_does_not_delay_others() {
    let server = TestServer::start(Some(test_site()), |s| s.header_read_timeout_ms = 30_000).await;
    let slow = tokio::spawn(trickle(
        server.addr,
        b"GET /rss.xml HTTP/1.1\r\nHost: test\r\nX-Slow: aaaaaaaaaa\r\n\r\n",
        Duration::from_millis(100),
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let start = Instant::now();
    for _ in 0..5 {
        assert_eq!(server.get("/rss.xml", &[]).await.status, 200);
    }
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "normal requests took {:?}",
        start.elapsed()
    );
    slow.abort();
    server.stop().await;
}

#[tokio::test]
async fn header_read_timeout_closes_a_stalled_connection() {
    let server = TestServer::start(Some(test_site()), |s| s.header_read_timeout_ms = 300).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream
        .write_all(b"GET /rss.xml HTTP/1.1\r\nHost: te")
        .await
        .expect("send part");
    let start = Instant::now();
    let mut buf = Vec::new();
    // hyper may answer 408 before closing; either way the connection ends.
    // A reset instead of a clean close is fine too.
    let _ = timeout(LONG, stream.read_to_end(&mut buf))
        .await
        .expect("closed in time");
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(200) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    assert!(
        buf.is_empty() || buf.starts_with(b"HTTP/1.1 408"),
        "{:?}",
        String::from_utf8_lossy(&buf)
    );

    // A connection that never sends anything is closed too.
    let mut silent = TcpStream::connect(server.addr).await.expect("connect");
    let mut buf = Vec::new();
    let _ = timeout(LONG, silent.read_to_end(&mut buf))
        .await
        .expect("closed in time");
    assert!(
        buf.is_empty() || buf.starts_with(b"HTTP/1.1 408"),
        "{:?}",
        String::from_utf8_lossy(&buf)
    );
    server.stop().await;
}

#[tokio::test]
async fn oversized_headers_are_refused() {
    let server = TestServer::start(Some(test_site()), |_| {}).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\nX-Big: ")
        .await
        .expect("send");
    let chunk = vec![b'a'; 64 * 1024];
    let mut refused = false;
    for _ in 0..16 {
        if stream.write_all(&chunk).await.is_err() {
            refused = true;
            break;
        }
    }
    let mut buf = Vec::new();
    let _ = timeout(LONG, stream.read_to_end(&mut buf))
        .await
        .expect("closed in time");
    assert!(
        refused || buf.is_empty() || buf.starts_with(b"HTTP/1.1 431"),
        "{:?}",
        String::from_utf8_lossy(&buf[..buf.len().min(100)])
    );
    // The server is still fine.
    assert_eq!(server.get("/", &[]).await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn keep_alive_serves_several_requests() {
    let server = TestServer::start(Some(test_site()), |_| {}).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    for _ in 0..3 {
        stream
            .write_all(b"GET /atom.xml HTTP/1.1\r\nHost: test\r\n\r\n")
            .await
            .expect("send");
        let mut buf = [0; 1024];
        let mut got = Vec::new();
        while !got.ends_with(b"<feed/>") {
            let n = timeout(LONG, stream.read(&mut buf))
                .await
                .expect("answer in time")
                .expect("read");
            assert!(n > 0, "closed early: {:?}", String::from_utf8_lossy(&got));
            got.extend_from_slice(&buf[..n]);
        }
        assert!(got.starts_with(b"HTTP/1.1 200"));
    }
    server.stop().await;
}

#[tokio::test]
async fn http11_without_host_is_a_bad_request_and_http10_is_fine() {
    let server = TestServer::start(Some(test_site()), |_| {}).await;
    for (request, want) in [
        (
            &b"GET /rss.xml HTTP/1.1\r\nConnection: close\r\n\r\n"[..],
            &b"HTTP/1.1 400"[..],
        ),
        (&b"GET /rss.xml HTTP/1.0\r\n\r\n"[..], &b"HTTP/1.0 200"[..]),
    ] {
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        stream.write_all(request).await.expect("send");
        let mut got = Vec::new();
        timeout(LONG, stream.read_to_end(&mut got))
            .await
            .expect("answer in time")
            .expect("read");
        assert!(got.starts_with(want), "{:?}", String::from_utf8_lossy(&got));
    }
    server.stop().await;
}

#[tokio::test]
async fn graceful_shutdown_with_an_idle_keep_alive_connection() {
    let server = TestServer::start(Some(test_site()), |s| s.shutdown_grace_ms = 2_000).await;
    let mut idle = TcpStream::connect(server.addr).await.expect("connect");
    idle.write_all(b"GET /atom.xml HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .expect("send");
    let mut buf = [0; 1024];
    let n = timeout(LONG, idle.read(&mut buf))
        .await
        .expect("answer in time")
        .expect("read");
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    // A second client that is mid-head when shutdown starts: it holds the drain until the grace
    // period ends.
    let stuck = tokio::spawn(trickle(
        server.addr,
        b"GET / HTTP/1.1\r\nHost: test\r\n\r\n",
        Duration::from_secs(1),
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;

    let addr = server.addr;
    let took = server.stop().await;
    assert!(
        took < Duration::from_millis(3_500),
        "shutdown took {took:?}"
    );
    // The idle connection was closed, and nothing listens any more.
    let n = timeout(LONG, idle.read(&mut buf))
        .await
        .expect("closed in time");
    assert!(matches!(n, Ok(0) | Err(_)), "{n:?}");
    assert!(TcpStream::connect(addr).await.is_err());
    stuck.abort();
}

/// RFC 9112 §3.2: a request with more than one Host field line, or with a Host that is not
/// `uri-host [ ":" port ]`, must get 400, whatever its version (a proxy in front may have
/// routed it by the other Host).
#[tokio::test]
async fn duplicate_or_invalid_host_is_a_bad_request() {
    let server = TestServer::start(Some(test_site()), |_| {}).await;
    let bad: &[&[u8]] = &[
        b"GET /rss.xml HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
        b"GET /rss.xml HTTP/1.1\r\nHost: a\r\nHost: a\r\nConnection: close\r\n\r\n",
        b"GET /rss.xml HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET /rss.xml HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n",
        b"GET /rss.xml HTTP/1.1\r\nHost: user@evil.example\r\nConnection: close\r\n\r\n",
        b"GET /rss.xml HTTP/1.1\r\nHost: a:b\r\nConnection: close\r\n\r\n",
        b"GET /rss.xml HTTP/1.1\r\nHost: a:80:80\r\nConnection: close\r\n\r\n",
        b"GET /rss.xml HTTP/1.1\r\nHost: a/b\r\nConnection: close\r\n\r\n",
        b"GET /rss.xml HTTP/1.1\r\nHost: [::1\r\nConnection: close\r\n\r\n",
        b"GET /rss.xml HTTP/1.1\r\nHost: \xc3\xa9.example\r\nConnection: close\r\n\r\n",
    ];
    let good: &[&[u8]] = &[
        b"GET /rss.xml HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
        b"GET /rss.xml HTTP/1.1\r\nHost: example.com:8080\r\nConnection: close\r\n\r\n",
        b"GET /rss.xml HTTP/1.1\r\nHost: 127.0.0.1:80\r\nConnection: close\r\n\r\n",
        b"GET /rss.xml HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n",
        b"GET /rss.xml HTTP/1.1\r\nHost: xn--caf-dma.example.\r\nConnection: close\r\n\r\n",
        b"GET /rss.xml HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n",
        b"GET http://example.com/rss.xml HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
    ];
    for (requests, want) in [(bad, &b" 400 "[..]), (good, &b" 200 "[..])] {
        for request in requests {
            let mut stream = TcpStream::connect(server.addr).await.expect("connect");
            stream.write_all(request).await.expect("send");
            let mut got = Vec::new();
            timeout(LONG, stream.read_to_end(&mut got))
                .await
                .expect("answer in time")
                .expect("read");
            assert!(
                got.starts_with(b"HTTP/1.") && got.get(8..13) == Some(want),
                "{:?} got {:?}",
                String::from_utf8_lossy(request),
                String::from_utf8_lossy(&got)
            );
        }
    }
    server.stop().await;
}

/// An absolute-form target with an empty path and a query (`GET http://host?q`) names `/`, as
/// `GET http://host` does; it used to route the bare query and answer 404.
#[tokio::test]
async fn absolute_form_with_an_empty_path_and_a_query_is_the_index() {
    let server = TestServer::start(Some(test_site()), |_| {}).await;
    for target in [
        "http://test",
        "http://test?utm=1",
        "http://test:80?",
        "/?utm=1",
    ] {
        let reply = server.get(target, &[]).await;
        assert_eq!(reply.status, 200, "{target}");
        assert!(reply.text().contains("<title>Home</title>"), "{target}");
    }
    server.stop().await;
}

/// Slugs and tags are NFC (`article::slug`), so a path sent in NFD (typed or copied on macOS,
/// or by a client that normalizes that way) names the same article or tag feed.
#[tokio::test]
async fn nfd_paths_reach_the_nfc_slugs_and_tags() {
    let mut site = test_site();
    let page = |body: &str| {
        Arc::new(Asset::new(
            "text/html; charset=utf-8",
            body.to_string(),
            modified(),
        ))
    };
    site.pages
        .insert(Arc::from("articles/café/index.html"), page("<p>café</p>"));
    site.assets.insert(
        Arc::from("tags/café/rss.xml"),
        Arc::new(Asset::new(
            "application/rss+xml; charset=utf-8",
            feed_body(),
            modified(),
        )),
    );
    let server = TestServer::start(Some(site), |_| {}).await;
    for (path, want) in [
        ("/articles/caf%C3%A9/", 200),
        ("/articles/cafe%CC%81/", 200),
        ("/articles/cafe%CC%81/index.html", 200),
        ("/tags/caf%C3%A9/rss.xml", 200),
        ("/tags/cafe%CC%81/rss.xml", 200),
        ("/articles/cafe%CC%81", 301),
        ("/articles/cafe%CC%82/", 404),
    ] {
        let r = server.get(path, &[]).await;
        assert_eq!(r.status, want, "{path}");
        if want == 301 {
            let location = r.header("location").unwrap_or_default().to_string();
            assert_eq!(server.get(&location, &[]).await.status, 200, "{location}");
        }
    }
    server.stop().await;
}

/// `idle_timeout_ms` closes a connection on which nothing moves even when the header read
/// timeout is longer: a silent new connection and a keep-alive connection after its response.
#[tokio::test]
async fn idle_timeout_closes_silent_connections_before_a_longer_header_timeout() {
    let server = TestServer::start(Some(test_site()), |s| {
        s.header_read_timeout_ms = 30_000;
        s.idle_timeout_ms = 300;
    })
    .await;
    let mut silent = TcpStream::connect(server.addr).await.expect("connect");
    let mut kept = TcpStream::connect(server.addr).await.expect("connect");
    kept.write_all(b"GET /atom.xml HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .expect("send");
    let mut buf = [0; 1024];
    let n = timeout(LONG, kept.read(&mut buf))
        .await
        .expect("answer in time")
        .expect("read");
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    let start = Instant::now();
    for (what, stream) in [("silent", &mut silent), ("keep-alive", &mut kept)] {
        let mut rest = Vec::new();
        // Up to two idle periods; a reset instead of a clean close is fine.
        let closed = timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
        assert!(
            closed.is_ok(),
            "{what} connection still open after {:?}",
            start.elapsed()
        );
    }
    server.stop().await;
}

/// A client may send its request and shut down its write side at once (`nc -N`, scripts,
/// some proxies). Whether the server sees that end of input before or after it answers is
/// a race over TCP; here the end of input is there from the start.
#[tokio::test]
async fn a_half_closed_client_still_gets_its_response() {
    let (client, server_io) = tokio::io::duplex(1 << 20);
    let (mut client_read, mut client_write) = tokio::io::split(client);
    client_write
        .write_all(b"GET /rss.xml HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .expect("send");
    client_write.shutdown().await.expect("half-close");
    let (_tx, site_rx) = watch::channel(Some(Arc::new(test_site())));
    let shared = Shared::new(site_rx, Arc::new(Metrics::new()), Config::default().server);
    let conn = tokio::spawn(serve_one(shared, server_io));
    let mut raw = Vec::new();
    timeout(LONG, client_read.read_to_end(&mut raw))
        .await
        .expect("answer in time")
        .expect("read");
    let _ = conn.await;
    assert!(
        raw.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&raw)
    );
    let want = test_site().assets["rss.xml"].body().len();
    assert_eq!(Reply::parse(&raw).body.len(), want);
}

/// Serve one connection over `io` exactly as [`run`] does, minus the accept loop.
async fn serve_one(
    shared: Arc<Shared>,
    io: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
) -> hyper::Result<()> {
    let builder = http1_builder(shared.settings());
    let service = service_fn(move |req| {
        std::future::ready(Ok::<_, Infallible>(respond::handle(&shared, &req)))
    });
    builder.serve_connection(TokioIo::new(io), service).await
}

/// Before the first build nothing is known to be missing: `/articles/{slug}` is a 503 like
/// `/articles/{slug}/`, not a 404 a cache may keep (404 is cacheable by default).
#[tokio::test]
async fn the_article_redirect_is_503_before_the_first_publish() {
    let server = TestServer::start(None, |_| {}).await;
    let r = server.get("/articles/hello/", &[]).await;
    assert_eq!(r.status, 503);
    // Come back soon; never cache this.
    assert_eq!(r.header("retry-after"), Some("5"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(server.get("/articles/hello", &[]).await.status, 503);
    server.site_tx.send_replace(Some(Arc::new(test_site())));
    let r = server.get("/articles/hello", &[]).await;
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/articles/hello/"));
    assert_eq!(server.get("/articles/nope", &[]).await.status, 404);
    server.stop().await;
}

/// A lazy asset being rendered (or a first brotli being made) must not hold up the other
/// connections of the worker thread: here the render waits until `/healthz` has been answered.
/// The clients are plain blocking sockets on threads of their own, so that they never wait on
/// the runtime under test.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_slow_first_render_does_not_block_other_requests() {
    use std::io::Write;
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let wait = std::sync::Mutex::new(wait);
    let (started_tx, started) = std::sync::mpsc::channel::<()>();
    let started_tx = std::sync::Mutex::new(started_tx);
    let mut site = test_site();
    site.assets.insert(
        Arc::from("slow.html"),
        Arc::new(Asset::lazy(
            "text/html; charset=utf-8",
            modified(),
            Box::new(move || {
                if let Ok(tx) = started_tx.lock() {
                    let _ = tx.send(());
                }
                if let Ok(wait) = wait.lock() {
                    let _ = wait.recv_timeout(LONG);
                }
                b"<p>rendered at last</p>".to_vec()
            }),
        )),
    );
    let server = TestServer::start(Some(site), |_| {}).await;
    let addr = server.addr;
    let fetch = move |target: &'static str| {
        std::thread::spawn(move || {
            let mut stream = std::net::TcpStream::connect(addr).expect("connect");
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .expect("timeout");
            let req = format!("GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
            stream.write_all(req.as_bytes()).expect("send");
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).map(|_| Reply::parse(&raw))
        })
    };
    let slow = fetch("/slow.html");
    started.recv_timeout(LONG).expect("the render starts");
    let health = fetch("/healthz").join().expect("no panic");
    let _ = release.send(());
    assert_eq!(
        health.expect("healthz answered during the render").status,
        200
    );
    let slow = slow.join().expect("no panic").expect("slow answer");
    assert_eq!(slow.status, 200);
    assert_eq!(slow.text(), "<p>rendered at last</p>");
    server.stop().await;
}
