//! systemd integration, without systemd running:
//! * the unit files pass `systemd-analyze verify` and `systemd-analyze security --offline=true`
//!   scores the service at an exposure of 1.5 or less;
//! * the sd_notify protocol over a Unix datagram socket the test binds: `READY=1` only once
//!   `/healthz` is 200, `STATUS=` lines, `RELOADING=1` + `MONOTONIC_USEC=` then `READY=1` on
//!   SIGHUP, `WATCHDOG=1` at the rate `WATCHDOG_USEC` asks, `STOPPING=1` on SIGTERM;
//! * socket activation: a listener the test binds, passed as fd 3 with `LISTEN_FDS=1` and
//!   `LISTEN_PID` naming the child, serves the feeds (and `server.listen` is not used); a fd 3
//!   that is not a socket is a clear start-up error.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{http_get, parse_feed, wait_until, ChildGuard, TestDir, BIN, REPO};

/// The exposure `systemd-analyze security` may report for the service at most.
const MAX_EXPOSURE: f64 = 1.5;

/// How long start-up, a reload or a shutdown may take before a test gives up.
const STEP: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// Unit files.

/// `systemd-analyze ARGS` with plain output; `None` when the tool is not installed.
fn systemd_analyze(args: &[&str], cwd: &Path) -> Option<(bool, String)> {
    let out = Command::new("systemd-analyze")
        .args(args)
        .current_dir(cwd)
        .env("SYSTEMD_PAGER", "cat")
        .env("SYSTEMD_COLORS", "0")
        .env("SYSTEMD_LOG_COLOR", "0")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), text))
}

/// Whether the unit tests can run here; panics in CI (`CI` set) when systemd-analyze is missing,
/// since `.ci/run` installs it.
fn have_systemd_analyze() -> bool {
    if systemd_analyze(&["--version"], Path::new(".")).is_some() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "systemd-analyze is missing in CI: install the `systemd` package (.ci/run does)"
    );
    eprintln!(
        "SKIPPED: systemd-analyze not installed (apt-get install systemd); unit files not checked"
    );
    false
}

/// The shipped unit files in a temp dir, `ExecStart=` pointing at the freshly built binary
/// (verify fails on a missing executable, and /usr/local/bin/feedpub is not installed here).
fn units_in(t: &TestDir) {
    let service = std::fs::read_to_string(Path::new(REPO).join("systemd/feedpub.service"))
        .expect("read systemd/feedpub.service");
    assert!(
        service.contains("ExecStart=/usr/local/bin/feedpub serve "),
        "ExecStart= changed; update this test"
    );
    t.write(
        "feedpub.service",
        service.replace(
            "ExecStart=/usr/local/bin/feedpub ",
            &format!("ExecStart={BIN} "),
        ),
    );
    t.write(
        "feedpub.socket",
        std::fs::read(Path::new(REPO).join("systemd/feedpub.socket"))
            .expect("read systemd/feedpub.socket"),
    );
}

#[test]
fn unit_files_verify_cleanly() {
    if !have_systemd_analyze() {
        return;
    }
    let t = TestDir::new();
    units_in(&t);
    // verify prints unknown keys and bad values but still exits 0: any output is a failure.
    let (ok, out) = systemd_analyze(&["verify", "feedpub.service", "feedpub.socket"], t.root())
        .expect("systemd-analyze");
    assert!(
        ok && out.trim().is_empty(),
        "systemd-analyze verify:\n{out}"
    );
}

#[test]
fn service_exposure_is_at_most_1_5() {
    if !have_systemd_analyze() {
        return;
    }
    let t = TestDir::new();
    units_in(&t);
    let (_, out) = systemd_analyze(
        &[
            "security",
            "--no-pager",
            "--offline=true",
            "feedpub.service",
        ],
        t.root(),
    )
    .expect("systemd-analyze");
    let score = exposure(&out).unwrap_or_else(|| panic!("no overall exposure in:\n{out}"));
    assert!(
        score <= MAX_EXPOSURE,
        "exposure {score} > {MAX_EXPOSURE}; settings adding exposure:\n{}",
        out.lines()
            .filter(|l| l.starts_with('✗'))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The score from "→ Overall exposure level for feedpub.service: 1.1 OK 🙂".
fn exposure(report: &str) -> Option<f64> {
    let line = report
        .lines()
        .find(|l| l.contains("Overall exposure level for"))?;
    let (_, rest) = line.rsplit_once(": ")?;
    rest.split_whitespace().next()?.parse().ok()
}

#[test]
fn exposure_is_parsed_from_the_report() {
    let report =
        "✗ PrivateNetwork= ...  0.5\n\n→ Overall exposure level for feedpub.service: 1.1 OK 🙂\n";
    assert_eq!(exposure(report), Some(1.1));
    assert_eq!(exposure("no score here"), None);
}

// ---------------------------------------------------------------------------------------------
// Running the daemon.

/// Two articles in `articles/`.
fn write_articles(t: &TestDir) {
    t.write(
        "articles/first.md",
        "---\ntitle: \"First\"\ndate: 2025-01-02\n---\n\nOne.\n",
    );
    t.write(
        "articles/second.md",
        "---\ntitle: \"Second\"\ndate: 2025-01-03\n---\n\nTwo.\n",
    );
}

/// A running daemon with its stderr lines arriving on a channel.
struct Daemon {
    child: ChildGuard,
    lines: mpsc::Receiver<String>,
    /// Every stderr line seen so far (for failure messages).
    log: Vec<String>,
}

impl Daemon {
    fn spawn(mut cmd: Command) -> Daemon {
        let mut child = cmd
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn feedpub");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Daemon {
            child: ChildGuard(child),
            lines,
            log: Vec::new(),
        }
    }

    /// Wait for a stderr line containing `needle` and return it.
    fn wait_line(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + STEP;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.log.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        panic!(
            "no line with {needle:?} on stderr:\n{}",
            self.log.join("\n")
        );
    }

    /// The address from the "listening on http://ADDR" line.
    fn listening_addr(&mut self) -> SocketAddr {
        let line = self.wait_line("listening on http://");
        let addr = line
            .split("listening on http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_default();
        addr.parse()
            .unwrap_or_else(|e| panic!("bad address in {line:?}: {e}"))
    }

    fn signal(&self, name: &str) {
        let status = Command::new("sh")
            .args(["-c", &format!("kill -{name} \"$1\""), "sh"])
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Wait for the process to exit and return its exit code.
    fn wait_exit(&mut self) -> Option<i32> {
        let mut status = None;
        let exited = wait_until(STEP, || {
            status = self.child.0.try_wait().expect("try_wait");
            status.is_some()
        });
        assert!(exited, "feedpub did not exit within {STEP:?}");
        status.and_then(|s| s.code())
    }
}

/// A notification datagram and when it arrived.
struct Note {
    at: Instant,
    text: String,
}

/// Receive datagrams on `sock` in a thread.
fn notes(sock: UnixDatagram) -> mpsc::Receiver<Note> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = vec![0u8; 4096];
        while let Ok(n) = sock.recv(&mut buf) {
            let note = Note {
                at: Instant::now(),
                text: String::from_utf8_lossy(&buf[..n]).into_owned(),
            };
            if tx.send(note).is_err() {
                break;
            }
        }
    });
    rx
}

/// Wait for a notification (other than `WATCHDOG=1`, which is counted in `pings`) with a line
/// starting with `prefix`; every notification seen is appended to `seen`.
fn wait_note(
    rx: &mpsc::Receiver<Note>,
    prefix: &str,
    seen: &mut Vec<String>,
    pings: &mut Vec<Instant>,
) -> Note {
    let deadline = Instant::now() + STEP;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Ok(note) = rx.recv_timeout(left) else {
            break;
        };
        if note.text == "WATCHDOG=1\n" {
            pings.push(note.at);
            continue;
        }
        seen.push(note.text.clone());
        if note.text.lines().any(|l| l.starts_with(prefix)) {
            return note;
        }
    }
    panic!("no {prefix:?} notification; got: {seen:?}");
}

#[test]
fn notify_protocol_ready_status_reload_watchdog_stopping() {
    let t = TestDir::new();
    write_articles(&t);
    let sock_path = t.path("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).expect("bind notify socket");
    sock.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let rx = notes(sock);
    t.write("feedpub.toml", "[site]\ntitle = \"Notes\"\n");

    let mut cmd = t.feedpub(&[
        "serve",
        "--config",
        "feedpub.toml",
        "--articles",
        "articles",
        "--out",
        "out",
        "--listen",
        "127.0.0.1:0",
    ]);
    cmd.env("NOTIFY_SOCKET", &sock_path)
        .env("WATCHDOG_USEC", "200000")
        .env_remove("WATCHDOG_PID")
        .env_remove("LISTEN_PID")
        .env_remove("LISTEN_FDS");
    let mut d = Daemon::spawn(cmd);
    let addr = d.listening_addr();
    let (mut seen, mut pings) = (Vec::new(), Vec::new());

    // Readiness never precedes a 200 from /healthz.
    let ready = wait_note(&rx, "READY=1", &mut seen, &mut pings);
    let health = http_get(addr, "/healthz", &[]).expect("GET /healthz");
    assert_eq!(
        health.status, 200,
        "READY=1 was sent but /healthz says {}",
        health.status
    );
    let status = seen
        .iter()
        .find(|n| n.starts_with("STATUS="))
        .unwrap_or_else(|| panic!("no STATUS= before READY=1: {seen:?}"));
    assert!(
        status.starts_with("STATUS=serving 2 articles, last rebuild ") && status.ends_with(" ms\n"),
        "{status:?}"
    );

    // WATCHDOG_USEC=200000: a ping every 100 ms. Count those in the second after READY=1.
    thread::sleep(Duration::from_millis(1200));
    while let Ok(note) = rx.try_recv() {
        if note.text == "WATCHDOG=1\n" {
            pings.push(note.at);
        } else {
            seen.push(note.text);
        }
    }
    let window = ready.at..ready.at + Duration::from_secs(1);
    let in_window = pings.iter().filter(|at| window.contains(at)).count();
    assert!(
        (3..=20).contains(&in_window),
        "{in_window} WATCHDOG=1 pings in 1 s, expected about 10"
    );

    // SIGHUP: RELOADING=1 with MONOTONIC_USEC in the same message, then READY=1 again.
    d.signal("HUP");
    let reloading = wait_note(&rx, "RELOADING=1", &mut seen, &mut pings);
    let usec = reloading
        .text
        .lines()
        .find_map(|l| l.strip_prefix("MONOTONIC_USEC="))
        .unwrap_or_else(|| panic!("RELOADING=1 without MONOTONIC_USEC: {:?}", reloading.text));
    assert!(usec.parse::<u64>().is_ok_and(|u| u > 0), "{usec:?}");
    wait_note(&rx, "READY=1", &mut seen, &mut pings);
    d.wait_line("SIGHUP");
    // A reload that fails says why in `systemctl status`, not only in the journal.
    t.write("feedpub.toml", "[site]\nbogus = 1\n");
    d.signal("HUP");
    wait_note(&rx, "RELOADING=1", &mut seen, &mut pings);
    wait_note(&rx, "READY=1", &mut seen, &mut pings);
    let failed = wait_note(&rx, "STATUS=config not reloaded", &mut seen, &mut pings);
    assert!(failed.text.contains("site.bogus"), "{:?}", failed.text);

    // SIGTERM: STOPPING=1, then a clean exit.
    d.signal("TERM");
    wait_note(&rx, "STOPPING=1", &mut seen, &mut pings);
    assert_eq!(d.wait_exit(), Some(0), "exit status after SIGTERM");
}

/// Started before its articles directory exists, with nothing to publish from: `systemctl
/// status` says what it waits for, not nothing.
#[test]
fn a_start_without_the_articles_dir_says_what_it_waits_for() {
    let t = TestDir::new();
    let sock_path = t.path("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).expect("bind notify socket");
    let rx = notes(sock);
    let mut cmd = t.feedpub(&[
        "serve",
        "--articles",
        "missing",
        "--out",
        "out",
        "--listen",
        "127.0.0.1:0",
    ]);
    cmd.env("NOTIFY_SOCKET", &sock_path)
        .env_remove("WATCHDOG_USEC")
        .env_remove("LISTEN_PID")
        .env_remove("LISTEN_FDS");
    let mut d = Daemon::spawn(cmd);
    let (mut seen, mut pings) = (Vec::new(), Vec::new());
    let status = wait_note(
        &rx,
        "STATUS=waiting for the articles directory",
        &mut seen,
        &mut pings,
    );
    assert!(status.text.contains("missing"), "{:?}", status.text);
    d.signal("TERM");
    assert_eq!(d.wait_exit(), Some(0));
}

#[test]
fn notify_socket_in_the_abstract_namespace_gets_ready_and_stopping() {
    use std::os::linux::net::SocketAddrExt;
    let t = TestDir::new();
    write_articles(&t);
    // sd_notify(3): a NOTIFY_SOCKET starting with `@` is an abstract socket.
    let name = format!("feedpub-test-{}-{:?}", std::process::id(), Instant::now());
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
        .expect("abstract address");
    let sock = UnixDatagram::bind_addr(&addr).expect("bind abstract notify socket");
    sock.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let rx = notes(sock);
    let mut cmd = t.feedpub(&[
        "serve",
        "--articles",
        "articles",
        "--out",
        "out",
        "--listen",
        "127.0.0.1:0",
    ]);
    cmd.env("NOTIFY_SOCKET", format!("@{name}"))
        .env_remove("WATCHDOG_USEC")
        .env_remove("LISTEN_PID")
        .env_remove("LISTEN_FDS");
    let mut d = Daemon::spawn(cmd);
    let (mut seen, mut pings) = (Vec::new(), Vec::new());
    wait_note(&rx, "READY=1", &mut seen, &mut pings);
    d.signal("TERM");
    wait_note(&rx, "STOPPING=1", &mut seen, &mut pings);
    assert_eq!(d.wait_exit(), Some(0));
}

#[test]
fn without_notify_socket_nothing_is_sent_and_serving_works() {
    let t = TestDir::new();
    write_articles(&t);
    let mut cmd = t.feedpub(&[
        "serve",
        "--articles",
        "articles",
        "--out",
        "out",
        "--listen",
        "127.0.0.1:0",
    ]);
    cmd.env_remove("NOTIFY_SOCKET")
        .env("WATCHDOG_USEC", "100000")
        .env_remove("LISTEN_PID")
        .env_remove("LISTEN_FDS");
    let mut d = Daemon::spawn(cmd);
    let addr = d.listening_addr();
    d.wait_line("first build published");
    assert_eq!(
        http_get(addr, "/healthz", &[]).expect("healthz").status,
        200
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(), Some(0));
    assert!(
        !d.log
            .iter()
            .any(|l| l.contains("systemd") || l.contains("WATCHDOG")),
        "notification errors logged without NOTIFY_SOCKET:\n{}",
        d.log.join("\n")
    );
}

/// `feedpub serve ...` through `sh`, which moves its stdin (the socket) to fd 3 and execs
/// feedpub with `LISTEN_FDS=1` and `LISTEN_PID` = its own pid, which `exec` keeps.
fn socket_activated(t: &TestDir, setup_fd3: &str, stdin: Stdio) -> Command {
    let script = format!(
        "{setup_fd3}; LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" serve --articles articles --out out --listen 192.0.2.1:80"
    );
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .arg(BIN)
        .current_dir(t.root())
        .env_remove("NOTIFY_SOCKET")
        .stdin(stdin);
    cmd
}

#[test]
fn socket_activation_serves_on_the_passed_socket() {
    let t = TestDir::new();
    write_articles(&t);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("local addr");
    // `--listen 192.0.2.1:80` cannot be bound here: serving at all proves fd 3 is used.
    let cmd = socket_activated(
        &t,
        "exec 3<&0 </dev/null",
        Stdio::from(OwnedFd::from(listener)),
    );
    let mut d = Daemon::spawn(cmd);
    assert_eq!(d.listening_addr(), addr, "listening on the passed socket");
    d.wait_line("first build published");
    let rss = http_get(addr, "/rss.xml", &[]).expect("GET /rss.xml");
    assert_eq!(rss.status, 200);
    let feed = parse_feed("/rss.xml", &rss.body);
    assert_eq!(feed.entries.len(), 2);
    // The base URL comes from the passed socket's address.
    assert!(
        rss.text().contains(&format!("http://{addr}/")),
        "{}",
        rss.text()
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(), Some(0));
}

/// feedpub socket-activated with two fds: `first` as fd 3 and `second` as fd 4.
fn activated_with_two(t: &TestDir, first: OwnedFd, second: &OwnedFd) -> Daemon {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let raw = second.as_raw_fd();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("exec 3<&0 4<&5 5<&- </dev/null; LISTEN_PID=$$ LISTEN_FDS=2 exec \"$0\" serve --articles articles --out out --listen 192.0.2.1:80")
        .arg(BIN)
        .current_dir(t.root())
        .env_remove("NOTIFY_SOCKET")
        .stdin(Stdio::from(first));
    // The second fd as fd 5, kept open across exec (dup2 onto itself would keep the
    // close-on-exec flag). SAFETY: dup2 and fcntl are async-signal-safe, and `raw` stays open
    // until the child has started.
    unsafe {
        cmd.pre_exec(move || {
            let rc = match raw {
                5 => libc::fcntl(5, libc::F_SETFD, 0),
                _ => libc::dup2(raw, 5),
            };
            match rc {
                -1 => Err(std::io::Error::last_os_error()),
                _ => Ok(()),
            }
        });
    }
    Daemon::spawn(cmd)
}

/// A socket unit with two `ListenStream=` (IPv4 and IPv6, say) passes two sockets: each is
/// served, none left accepting connections nobody answers.
#[test]
fn socket_activation_serves_every_passed_socket() {
    let t = TestDir::new();
    write_articles(&t);
    let (first, second) = (
        TcpListener::bind("127.0.0.1:0").expect("bind"),
        TcpListener::bind("127.0.0.1:0").expect("bind"),
    );
    let addrs = [first.local_addr(), second.local_addr()].map(|a| a.expect("local addr"));
    let second = OwnedFd::from(second);
    let mut d = activated_with_two(&t, OwnedFd::from(first), &second);
    drop(second);
    d.wait_line("first build published");
    for addr in addrs {
        let health = http_get(addr, "/healthz", &[]).expect("GET /healthz");
        assert_eq!(health.status, 200, "{addr}");
    }
    d.signal("TERM");
    assert_eq!(d.wait_exit(), Some(0));
}

/// A passed fd that is no listening TCP socket beside one that is: skipped with a warning.
#[test]
fn socket_activation_skips_a_socket_it_cannot_serve_beside_one_it_can() {
    let t = TestDir::new();
    write_articles(&t);
    let first = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = first.local_addr().expect("local addr");
    let udp = OwnedFd::from(std::net::UdpSocket::bind("127.0.0.1:0").expect("bind udp"));
    let mut d = activated_with_two(&t, OwnedFd::from(first), &udp);
    drop(udp);
    d.wait_line("serving the other sockets");
    d.wait_line("first build published");
    let health = http_get(addr, "/healthz", &[]).expect("GET /healthz");
    assert_eq!(health.status, 200);
    d.signal("TERM");
    assert_eq!(d.wait_exit(), Some(0));
}

#[test]
fn socket_activation_with_a_non_socket_fd_is_a_clear_error() {
    let t = TestDir::new();
    write_articles(&t);
    let cmd = socket_activated(&t, "exec 3</dev/null", Stdio::null());
    let mut d = Daemon::spawn(cmd);
    d.wait_line("not a TCP socket");
    assert_eq!(d.wait_exit(), Some(1));
}

#[test]
fn socket_activation_with_a_datagram_socket_is_a_clear_error() {
    let t = TestDir::new();
    write_articles(&t);
    // A `.socket` unit with `ListenDatagram=`: an IPv4 socket, but nothing to accept on it.
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind udp");
    let cmd = socket_activated(&t, "exec 3<&0 </dev/null", Stdio::from(OwnedFd::from(udp)));
    let mut d = Daemon::spawn(cmd);
    d.wait_line("not a listening TCP socket");
    assert_eq!(d.wait_exit(), Some(1));
}

#[test]
fn production_config_is_valid_for_its_layout() {
    let t = TestDir::new();
    write_articles(&t);
    let config = std::fs::read_to_string(Path::new(REPO).join("config/production.toml"))
        .expect("read config/production.toml");
    for path in ["/var/lib/feedpub/articles", "/var/cache/feedpub"] {
        assert!(
            config.contains(&format!("\"{path}\"")),
            "{path} not in production.toml"
        );
    }
    let articles = t.path("articles").display().to_string();
    let out = t.path("out").display().to_string();
    t.write(
        "production.toml",
        config
            .replace("/var/lib/feedpub/articles", &articles)
            .replace("/var/cache/feedpub", &out),
    );
    t.run(&["check", "--config", "production.toml"])
        .expect_code(0);
    t.run(&["build", "--config", "production.toml"])
        .expect_code(0);
    assert!(t.exists("out/rss.xml"));
}

// ---------------------------------------------------------------------------------------------
// The journal.

/// With stderr the journal's stream (`JOURNAL_STREAM` names its device and inode, as systemd
/// sets it), each line starts with its syslog priority and has no timestamp of its own; with
/// another stderr, the usual lines.
#[test]
fn log_lines_carry_their_priority_for_the_journal() {
    use std::os::unix::fs::MetadataExt;
    let t = TestDir::new();
    t.write("articles/a.md", "---\ntitle: [unclosed\n---\nx\n");
    let log = t.path("journal.log");
    let run = |journal: bool| -> String {
        let file = std::fs::File::create(&log).expect("log file");
        let meta = file.metadata().expect("stat");
        let mut cmd = crate::util::feedpub(
            t.root(),
            &["serve", "--listen", "127.0.0.1:0", "--config", "/dev/null"],
        );
        cmd.stdout(Stdio::null()).stderr(Stdio::from(file));
        if journal {
            cmd.env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()));
        } else {
            cmd.env("JOURNAL_STREAM", "1:2");
        }
        let _child = ChildGuard(cmd.spawn().expect("spawn"));
        let logged = wait_until(STEP, || {
            std::fs::read_to_string(&log)
                .is_ok_and(|l| l.contains("a.md") && l.contains("listening"))
        });
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(logged, "{text}");
        text
    };
    let journal = run(true);
    assert!(
        journal
            .lines()
            .any(|l| l.starts_with("<6>INFO listening on")),
        "{journal}"
    );
    assert!(
        journal
            .lines()
            .any(|l| l.starts_with("<4>WARN ") && l.contains("a.md")),
        "{journal}"
    );
    assert!(!journal.contains('\u{1b}'), "escape codes: {journal:?}");
    let plain = run(false);
    assert!(!plain.contains("<6>"), "{plain}");
    assert!(
        plain.lines().all(|l| l.starts_with("20")),
        "timestamps: {plain}"
    );
}
