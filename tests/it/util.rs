//! Helpers shared by the black-box tests: a scratch directory, running the real binary, raw
//! HTTP/1.1, polling, and independent parsers for every output format.
//!
//! Nothing here uses feedpub's own code: the outputs are checked with other people's parsers
//! (feed-rs, quick-xml, serde_json) so a bug in feedpub cannot hide itself.

#![allow(dead_code)] // Each test module uses a different subset.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The compiled feedpub binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_feedpub");

/// The repository root (for tests of the shipped `articles/` and `config/`).
pub const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// How long a `build`/`check` may take before the test gives up on it.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// A scratch directory, removed on drop.
pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir {
            dir: tempfile::Builder::new()
                .prefix("feedpub-it-")
                .tempdir()
                .expect("create temp dir"),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Absolute path of `rel` inside the directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Write `bytes` to `rel`, creating parent directories.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent dirs");
        }
        fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    pub fn read(&self, rel: &str) -> Vec<u8> {
        let path = self.path(rel);
        fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    pub fn read_string(&self, rel: &str) -> String {
        String::from_utf8(self.read(rel)).unwrap_or_else(|e| panic!("{rel} is not UTF-8: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }

    pub fn remove(&self, rel: &str) {
        let path = self.path(rel);
        fs::remove_file(&path).unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
    }

    /// `feedpub ARGS` with this directory as the working directory.
    pub fn feedpub(&self, args: &[&str]) -> Command {
        feedpub(self.root(), args)
    }

    /// Run `feedpub ARGS` here to completion.
    pub fn run(&self, args: &[&str]) -> Run {
        run(self.feedpub(args))
    }
}

impl Default for TestDir {
    fn default() -> Self {
        TestDir::new()
    }
}

/// A `feedpub ARGS` command running in `cwd`, with a clean logging environment.
pub fn feedpub(cwd: &Path, args: &[&str]) -> Command {
    with_args(Command::new(BIN), cwd, args)
}

/// `cmd` (feedpub, or a wrapper that runs it) with `args`, run in `cwd` with a clean logging
/// environment.
pub fn with_args(mut cmd: Command, cwd: &Path, args: &[&str]) -> Command {
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd
}

/// The outcome of running a command to completion.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The exit code (`None` when killed by a signal).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// stdout and stderr together, for messages whose stream the contract leaves open.
    pub fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Panic with both streams unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code(),
            Some(code),
            "wrong exit status\n--- stdout:\n{}\n--- stderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Run `cmd` to completion (killing it after [`COMMAND_TIMEOUT`]), capturing both streams.
pub fn run(mut cmd: Command) -> Run {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn feedpub");
    let out = child.stdout.take().map(drain);
    let err = child.stderr.take().map(drain);
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for feedpub") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {COMMAND_TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(10));
    };
    let join = |h: Option<thread::JoinHandle<Vec<u8>>>| {
        h.map(|h| h.join().unwrap_or_default()).unwrap_or_default()
    };
    Run {
        status,
        stdout: String::from_utf8_lossy(&join(out)).into_owned(),
        stderr: String::from_utf8_lossy(&join(err)).into_owned(),
    }
}

fn drain(mut r: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// A child process killed (and reaped) on drop, so a failing test leaves no daemon behind.
pub struct ChildGuard(pub Child);

impl ChildGuard {
    pub fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// Poll `cond` until it holds or `timeout` passes; returns whether it held.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------------------------
// A running `feedpub serve`.

/// How long the daemon may take to print its `listening on` line.
pub const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A `feedpub serve --listen 127.0.0.1:0 ...` child: its address, its stderr so far (collected
/// by a thread, line by line) and a guard that kills it on drop.
pub struct Daemon {
    child: ChildGuard,
    pub addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Daemon {
    /// Start `feedpub serve --listen 127.0.0.1:0 ARGS` in `cwd` and wait for its
    /// `listening on http://HOST:PORT` line.
    pub fn start(cwd: &Path, args: &[&str]) -> Daemon {
        let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
        all.extend_from_slice(args);
        Daemon::spawn(feedpub(cwd, &all))
    }

    /// Run `cmd`, a `feedpub serve` command line, and wait for its `listening on` line.
    pub fn spawn(mut cmd: Command) -> Daemon {
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = ChildGuard(cmd.spawn().expect("spawn feedpub serve"));
        let stderr = child.0.stderr.take().expect("piped stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel::<SocketAddr>();
        let sink = Arc::clone(&log);
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = listening_addr(&line) {
                    let _ = tx.send(addr);
                }
                let mut log = sink.lock().unwrap_or_else(|e| e.into_inner());
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = match rx.recv_timeout(START_TIMEOUT) {
            Ok(addr) => addr,
            Err(_) => {
                let status = child.0.try_wait();
                panic!(
                    "feedpub serve printed no `listening on` line within {START_TIMEOUT:?} (status {status:?})\n--- stderr:\n{}",
                    log.lock().unwrap_or_else(|e| e.into_inner())
                );
            }
        };
        Daemon { child, addr, log }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything written to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Wait until a stderr line satisfies `pred`; returns whether one did.
    pub fn wait_log_line(&self, timeout: Duration, mut pred: impl FnMut(&str) -> bool) -> bool {
        wait_until(timeout, || self.log().lines().any(&mut pred))
    }

    /// Send a signal by name (`HUP`, `TERM`) with kill(1).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -s {name} failed: {status}");
    }

    /// Wait for the process to exit; `None` if it is still running after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let mut status = None;
        wait_until(timeout, || {
            status = self.child.0.try_wait().ok().flatten();
            status.is_some()
        });
        status
    }

    /// Wait until `/healthz` answers 200 (the first build is published).
    #[track_caller]
    pub fn wait_healthy(&self) {
        let ok = wait_until(START_TIMEOUT, || {
            http_get(self.addr, "/healthz", &[]).is_ok_and(|r| r.status == 200)
        });
        assert!(
            ok,
            "/healthz never answered 200\n--- stderr:\n{}",
            self.log()
        );
    }

    /// `GET path` on a fresh connection, panicking on a transport error.
    #[track_caller]
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        self.request("GET", path, headers)
    }

    /// One request on a fresh connection, panicking on a transport error.
    #[track_caller]
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
        http_request(self.addr, method, path, headers)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}\n--- stderr:\n{}", self.log()))
    }
}

/// The address in a `... listening on http://127.0.0.1:PORT` log line.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once("listening on http://")?;
    rest.split(|c: char| c.is_whitespace() || c == '/')
        .next()?
        .parse()
        .ok()
}

/// Every regular file under `dir`, relative path (with `/`) → bytes.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let entries =
            fs::read_dir(dir).unwrap_or_else(|e| panic!("read dir {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("dir entry").path();
            let meta = fs::symlink_metadata(&path).expect("stat");
            if meta.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .expect("under root")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, fs::read(&path).expect("read file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Independent parsers.

/// Parse an RSS, Atom or JSON feed with feed-rs, panicking with the parser's message.
#[track_caller]
pub fn parse_feed(what: &str, bytes: &[u8]) -> feed_rs::model::Feed {
    feed_rs::parser::parse(bytes).unwrap_or_else(|e| {
        panic!(
            "{what}: feed-rs cannot parse it: {e}\n{}",
            String::from_utf8_lossy(bytes)
        )
    })
}

/// Entry titles of a feed-rs feed, in order.
pub fn entry_titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| {
            e.title
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default()
        })
        .collect()
}

/// Parse JSON with serde_json.
#[track_caller]
pub fn parse_json(what: &str, bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("{what}: not JSON: {e}\n{}", String::from_utf8_lossy(bytes)))
}

/// Check that `bytes` is a well-formed XML 1.0 document in UTF-8 (one root element, matched
/// tags, only predefined or character entity references, only XML characters), using
/// quick-xml. Returns the root element's name.
#[track_caller]
pub fn assert_well_formed_xml(what: &str, bytes: &[u8]) -> String {
    match well_formed_xml(bytes) {
        Ok(root) => root,
        Err(e) => panic!(
            "{what}: not well-formed XML: {e}\n{}",
            String::from_utf8_lossy(bytes)
        ),
    }
}

pub fn well_formed_xml(bytes: &[u8]) -> Result<String, String> {
    use quick_xml::events::Event;
    use quick_xml::XmlVersion;

    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    if let Some(c) = text.chars().find(|&c| !is_xml_char(c)) {
        return Err(format!(
            "character U+{:04X} is not allowed in XML",
            u32::from(c)
        ));
    }
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = true;
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut root: Option<String> = None;
    let mut open_element =
        |e: &quick_xml::events::BytesStart<'_>, depth: usize| -> Result<(), String> {
            let name = e.name().as_ref().to_string();
            if depth == 0 {
                if let Some(first) = &root {
                    return Err(format!("second root element <{name}> after <{first}>"));
                }
                root = Some(name);
            }
            let mut attrs = e.attributes();
            attrs.with_checks(true);
            for attr in attrs {
                let attr = attr.map_err(|e| format!("bad attribute: {e}"))?;
                attr.normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|e| format!("bad attribute value: {e}"))?;
            }
            Ok(())
        };
    loop {
        let pos = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("at byte {pos}: {e}"))?;
        match event {
            Event::Start(e) => {
                open_element(&e, depth)?;
                depth += 1;
            }
            Event::Empty(e) => open_element(&e, depth)?,
            Event::End(_) => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| format!("at byte {pos}: end tag without start tag"))?;
            }
            Event::Text(t)
                if depth == 0 && !t.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) =>
            {
                return Err(format!("at byte {pos}: text outside the root element"));
            }
            Event::CData(_) if depth == 0 => {
                return Err(format!("at byte {pos}: CDATA outside the root element"))
            }
            Event::GeneralRef(r) => {
                if depth == 0 {
                    return Err(format!(
                        "at byte {pos}: entity reference outside the root element"
                    ));
                }
                if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) if is_xml_char(c) => {}
                        other => {
                            return Err(format!(
                                "at byte {pos}: bad character reference &{};: {other:?}",
                                &*r
                            ))
                        }
                    }
                } else if !matches!(&*r, "lt" | "gt" | "amp" | "apos" | "quot") {
                    return Err(format!("at byte {pos}: undefined entity &{};", &*r));
                }
            }
            Event::DocType(_) => {
                return Err(format!("at byte {pos}: unexpected DOCTYPE in a feed"))
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if depth != 0 {
        return Err(format!("{depth} element(s) not closed at end of document"));
    }
    root.ok_or_else(|| "no root element".to_string())
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

// ---------------------------------------------------------------------------------------------
// A tiny HTTP/1.1 client over a raw TcpStream: exactly the bytes we choose, nothing hidden.

/// A parsed HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names lower-cased, in order received.
    pub headers: Vec<(String, String)>,
    /// The body as sent (still compressed if Content-Encoding says so; chunked framing removed).
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every header named `name`.
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// How long one HTTP exchange may take.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// `GET path` with extra headers; sends `Connection: close`.
pub fn http_get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> io::Result<Response> {
    http_request(addr, "GET", path, headers)
}

/// `HEAD path` with extra headers; sends `Connection: close`.
pub fn http_head(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> io::Result<Response> {
    http_request(addr, "HEAD", path, headers)
}

/// One request on a fresh connection. `Host` and `Connection: close` are added unless given.
pub fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> io::Result<Response> {
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    if !headers
        .iter()
        .any(|(h, _)| h.eq_ignore_ascii_case("connection"))
    {
        all.push(("Connection", "close"));
    }
    Conn::connect(addr)?.request(method, path, &all)
}

/// Send raw bytes and read whatever comes back until the peer closes (or the timeout).
pub fn http_raw(addr: SocketAddr, request: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect_timeout(&addr, HTTP_TIMEOUT)?;
    stream.set_read_timeout(Some(HTTP_TIMEOUT))?;
    stream.write_all(request)?;
    let mut out = Vec::new();
    match stream.read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionReset) => Ok(out),
        Err(e) => Err(e),
    }
}

/// One client connection, for keep-alive and pipelining tests: bytes read past one response are
/// kept for the next.
pub struct Conn {
    pub stream: TcpStream,
    addr: SocketAddr,
    buf: Vec<u8>,
    pos: usize,
}

impl Conn {
    pub fn connect(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect_timeout(&addr, HTTP_TIMEOUT)?;
        stream.set_read_timeout(Some(HTTP_TIMEOUT))?;
        stream.set_write_timeout(Some(HTTP_TIMEOUT))?;
        Ok(Conn {
            stream,
            addr,
            buf: Vec::new(),
            pos: 0,
        })
    }

    /// Send one request (adding `Host` unless given; no `Connection` header is added) and read
    /// its response.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> io::Result<Response> {
        let mut req = format!("{method} {path} HTTP/1.1\r\n");
        if !headers.iter().any(|(h, _)| h.eq_ignore_ascii_case("host")) {
            req.push_str(&format!("Host: {}\r\n", self.addr));
        }
        for (name, value) in headers {
            req.push_str(&format!("{name}: {value}\r\n"));
        }
        req.push_str("\r\n");
        self.send_raw(req.as_bytes())?;
        self.read_response(method == "HEAD")
    }

    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Read one response (`head_only`: the request was HEAD, so there is no body).
    pub fn read_response(&mut self, head_only: bool) -> io::Result<Response> {
        let status_line = self.line()?;
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        if !version.starts_with("HTTP/1.") {
            return Err(bad(format!("bad status line {status_line:?}")));
        }
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(format!("bad status line {status_line:?}")))?;
        let mut headers = Vec::new();
        loop {
            let line = self.line()?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| bad(format!("bad header line {line:?}")))?;
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
        let resp = Response {
            status,
            headers,
            body: Vec::new(),
        };
        if head_only || status / 100 == 1 || status == 204 || status == 304 {
            return Ok(resp);
        }
        let body = if resp
            .header("transfer-encoding")
            .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"))
        {
            let mut body = Vec::new();
            loop {
                let size_line = self.line()?;
                let size =
                    usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                        .map_err(|_| bad(format!("bad chunk size {size_line:?}")))?;
                if size == 0 {
                    while !self.line()?.is_empty() {}
                    break;
                }
                body.extend_from_slice(&self.exact(size)?);
                if !self.line()?.is_empty() {
                    return Err(bad("chunk not followed by CRLF".to_string()));
                }
            }
            body
        } else if let Some(len) = resp.header("content-length") {
            let len: usize = len
                .parse()
                .map_err(|_| bad(format!("bad Content-Length {len:?}")))?;
            self.exact(len)?
        } else {
            self.rest()?
        };
        Ok(Response { body, ..resp })
    }

    /// Whether the server has closed the connection (reads EOF within `timeout`).
    pub fn is_closed_by_peer(&mut self, timeout: Duration) -> bool {
        if self.pos < self.buf.len() {
            return false;
        }
        let _ = self.stream.set_read_timeout(Some(timeout));
        let mut byte = [0u8; 1];
        let closed = match self.stream.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => {
                self.buf.push(byte[0]);
                false
            }
            Err(e) => !matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ),
        };
        let _ = self.stream.set_read_timeout(Some(HTTP_TIMEOUT));
        closed
    }

    fn fill(&mut self) -> io::Result<bool> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// One line without its CRLF (a bare LF is accepted too).
    fn line(&mut self) -> io::Result<String> {
        loop {
            if let Some(i) = self.buf[self.pos..].iter().position(|&b| b == b'\n') {
                let raw = &self.buf[self.pos..self.pos + i];
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                let line = String::from_utf8_lossy(raw).into_owned();
                self.pos += i + 1;
                return Ok(line);
            }
            if !self.fill()? {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed mid-line",
                ));
            }
        }
    }

    fn exact(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() - self.pos < n {
            if !self.fill()? {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("body shorter than {n} bytes"),
                ));
            }
        }
        let out = self.buf[self.pos..self.pos + n].to_vec();
        self.pos += n;
        Ok(out)
    }

    fn rest(&mut self) -> io::Result<Vec<u8>> {
        while self.fill()? {}
        let out = self.buf[self.pos..].to_vec();
        self.pos = self.buf.len();
        Ok(out)
    }
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

// ---------------------------------------------------------------------------------------------
// The helpers themselves: a checker that accepts everything would make every test pass.

#[test]
fn xml_checker_accepts_good_and_rejects_bad_documents() {
    let good = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>A &amp; B &#x4e2d;</title><x/></channel></rss>\n";
    assert_eq!(well_formed_xml(good.as_bytes()), Ok("rss".to_string()));
    let bad = [
        "<rss><channel></rss>",
        "<rss>",
        "<a/><b/>",
        "<a>&nbsp;</a>",
        "<a>\u{1}</a>",
        "<a>&#1;</a>",
        "<a b=\"1\" b=\"2\"/>",
        "text<a/>",
        "",
    ];
    for doc in bad {
        assert!(well_formed_xml(doc.as_bytes()).is_err(), "accepted {doc:?}");
    }
    assert!(
        well_formed_xml(b"<a>\xff</a>").is_err(),
        "accepted invalid UTF-8"
    );
}

#[test]
fn http_client_reads_length_chunked_and_close_delimited_bodies() {
    use std::net::TcpListener;
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = thread::spawn(move || {
        let replies: [&[u8]; 3] = [
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"x\"\r\n\r\nhello",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\n\r\nno such thing",
        ];
        for reply in replies {
            let (mut s, _) = listener.accept().expect("accept");
            let mut req = Vec::new();
            let mut byte = [0u8; 1];
            while !req.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap_or(0) == 1 {
                req.push(byte[0]);
            }
            s.write_all(reply).expect("reply");
        }
    });
    let a = http_get(addr, "/a", &[("Accept-Encoding", "gzip")]).expect("first");
    assert_eq!(
        (a.status, a.body.as_slice(), a.header("etag")),
        (200, &b"hello"[..], Some("\"x\""))
    );
    let b = http_get(addr, "/b", &[]).expect("second");
    assert_eq!(b.body, b"abcde");
    let c = http_get(addr, "/c", &[]).expect("third");
    assert_eq!((c.status, c.text().as_str()), (404, "no such thing"));
    server.join().expect("server thread");
    assert!(wait_until(Duration::from_secs(1), || true));
    let mut n = 0;
    assert!(!wait_until(Duration::from_millis(50), || {
        n += 1;
        false
    }));
    assert!(n >= 2);
}

/// Make a FIFO at `path`.
pub fn mkfifo(path: &Path) {
    let path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0, "mkfifo");
}
