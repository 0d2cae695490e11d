//! A subdirectory of the articles that cannot be listed (mode 700, owned by another editor):
//! `check` and `build` report it and exit 1, and a running daemon keeps its articles published
//! rather than reading them as deleted. feedpub runs as `nobody` here (through `setpriv` when
//! the tests run as root, where permissions would not stop it).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use std::time::Duration;

use crate::util::{http_get, run, wait_until, with_args, Daemon, BIN};

fn is_root() -> bool {
    // SAFETY: geteuid takes no arguments and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `feedpub ARGS` as an unprivileged user.
fn unprivileged(cwd: &Path, args: &[&str]) -> Command {
    let cmd = if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
        c
    } else {
        Command::new(BIN)
    };
    with_args(cmd, cwd, args)
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Make `dir` unreadable for `nobody`, the way another editor's mode-700 directory is.
fn lock(dir: &Path) {
    chmod(dir, 0o000);
    if is_root() {
        std::os::unix::fs::chown(dir, Some(0), Some(0)).expect("chown");
    }
}

/// `feedpub serve` as `nobody` on `<tmp>/articles` into `<tmp>/out`, with `<tmp>/feedpub.toml`.
fn serve(tmp: &Path) -> Daemon {
    if !tmp.join("feedpub.toml").exists() {
        fs::write(tmp.join("feedpub.toml"), "").expect("config");
    }
    Daemon::spawn(unprivileged(
        tmp,
        &[
            "serve",
            "--config",
            "feedpub.toml",
            "--listen",
            "127.0.0.1:0",
            "--articles",
            "articles",
            "--out",
            "out",
        ],
    ))
}

fn feed(d: &Daemon) -> String {
    http_get(d.addr, "/feed.json", &[])
        .map(|r| String::from_utf8_lossy(&r.body).to_string())
        .unwrap_or_default()
}

/// Whether `/metrics` counts `n` article problems.
fn problems(d: &Daemon, n: u32) -> bool {
    http_get(d.addr, "/metrics", &[]).is_ok_and(|r| {
        String::from_utf8_lossy(&r.body).contains(&format!("feedpub_article_problems {n}"))
    })
}

/// `<tmp>/articles/{top.md, locked/inside.md}` and a writable `<tmp>/out`, all readable by
/// `nobody` for now.
fn tree() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    fs::create_dir_all(root.join("articles/locked")).expect("mkdir");
    fs::create_dir_all(root.join("out")).expect("mkdir");
    let md = |title: &str| {
        format!("---\ntitle: {title}\ndate: 2024-03-01T08:00:00+08:00\n---\n\nText.\n")
    };
    fs::write(root.join("articles/top.md"), md("Top")).expect("write");
    fs::write(root.join("articles/locked/inside.md"), md("Inside")).expect("write");
    for dir in ["", "articles", "articles/locked", "out"] {
        chmod(&root.join(dir), 0o777);
    }
    tmp
}

#[test]
fn check_and_build_report_a_directory_they_cannot_list() {
    let tmp = tree();
    lock(&tmp.path().join("articles/locked"));
    let check = run(unprivileged(
        tmp.path(),
        &["check", "--articles", "articles"],
    ));
    check.expect_code(1);
    let out = check.output();
    assert!(
        out.contains("articles/locked: cannot read directory: Permission denied"),
        "{out}"
    );
    let build = run(unprivileged(
        tmp.path(),
        &["build", "--articles", "articles", "--out", "out"],
    ));
    build.expect_code(1);
    assert!(
        build
            .output()
            .contains("articles/locked: cannot read directory"),
        "{}",
        build.output()
    );
    let rss = fs::read_to_string(tmp.path().join("out/rss.xml")).expect("rss.xml written");
    assert!(rss.contains("Top"), "{rss}");
    chmod(&tmp.path().join("articles/locked"), 0o777);
}

#[test]
fn a_daemon_keeps_the_articles_of_a_directory_it_can_no_longer_list() {
    // Poll mode: a full rescan every 100 ms, which walks past the locked directory.
    keeps_the_articles("[watch]\npoll_interval_ms = 100\n");
}

#[test]
fn a_daemon_watching_with_inotify_reports_a_directory_chmod_made_unreadable() {
    // The chmod sends an event for the directory itself; no full rescan happens.
    keeps_the_articles("");
}

fn keeps_the_articles(config: &str) {
    let tmp = tree();
    fs::write(tmp.path().join("feedpub.toml"), config).expect("config");
    let d = serve(tmp.path());
    assert!(
        wait_until(Duration::from_secs(20), || feed(&d).contains("Inside")),
        "never published: {}",
        feed(&d)
    );
    lock(&tmp.path().join("articles/locked"));
    // Several rescans later the article is still there, and the directory is a problem.
    let problem = wait_until(Duration::from_secs(10), || problems(&d, 1));
    std::thread::sleep(Duration::from_millis(500));
    let now = feed(&d);
    chmod(&tmp.path().join("articles/locked"), 0o777);
    assert!(
        problem,
        "the unreadable directory was never counted as a problem"
    );
    assert!(now.contains("Inside"), "dropped from the feed: {now}");
    assert!(
        wait_until(Duration::from_secs(10), || problems(&d, 0)),
        "the problem stayed after the directory became readable again"
    );
}

#[test]
fn a_directory_that_can_be_listed_but_not_entered_is_reported_too() {
    let tmp = tree();
    let locked = tmp.path().join("articles/locked");
    fs::create_dir(locked.join("sub")).expect("mkdir");
    fs::write(
        locked.join("sub/deep.md"),
        "---\ntitle: Deep\ndate: 2024-03-01T08:00:00+08:00\n---\n\nText.\n",
    )
    .expect("write");
    chmod(&locked.join("sub"), 0o777);
    // Readable (its names can be listed) but not searchable: nothing in it can be looked at.
    if is_root() {
        std::os::unix::fs::chown(&locked, Some(0), Some(0)).expect("chown");
        chmod(&locked, 0o744);
    } else {
        chmod(&locked, 0o644);
    }
    let check = run(unprivileged(
        tmp.path(),
        &["check", "--articles", "articles"],
    ));
    chmod(&locked, 0o777);
    check.expect_code(1);
    let out = check.output();
    assert!(
        out.contains("articles/locked/inside.md: cannot read file: Permission denied"),
        "{out}"
    );
    assert!(
        out.contains("articles/locked/sub: cannot read directory: Permission denied"),
        "{out}"
    );
}

/// A restart, or a reload that parses everything again (the time zone changed), while a
/// directory cannot be listed: its articles stay, from the parse cache or the running daemon.
#[test]
fn a_restart_or_a_reload_keeps_the_articles_of_a_directory_it_cannot_list() {
    let tmp = tree();
    let config = tmp.path().join("feedpub.toml");
    // A fixed base URL: the parse cache is only used with the settings it was made with.
    let settings =
        |tz: &str| format!("[site]\nbase_url = \"http://feeds.example/\"\ntimezone = \"{tz}\"\n");
    fs::write(&config, settings("UTC")).expect("config");
    // Files changed less than 2 s ago are not trusted to the cache (a write within the same
    // clock tick could follow unseen), and the first start is killed before it could save them.
    std::thread::sleep(Duration::from_millis(2500));
    let d = serve(tmp.path());
    let published = wait_until(Duration::from_secs(20), || {
        feed(&d).contains("Inside") && tmp.path().join("out/.feedpub-cache").exists()
    });
    assert!(published, "never published and cached: {}", feed(&d));
    drop(d);
    lock(&tmp.path().join("articles/locked"));
    let d = serve(tmp.path());
    let restarted = wait_until(Duration::from_secs(20), || problems(&d, 1));
    let after_restart = feed(&d);
    fs::write(&config, settings("Asia/Shanghai")).expect("config");
    // SAFETY: kill with a valid pid and signal has no memory effects.
    assert_eq!(unsafe { libc::kill(d.pid() as i32, libc::SIGHUP) }, 0);
    let reloaded = wait_until(Duration::from_secs(10), || {
        d.log().contains("SIGHUP") && problems(&d, 1)
    });
    std::thread::sleep(Duration::from_millis(300));
    let after_reload = feed(&d);
    chmod(&tmp.path().join("articles/locked"), 0o777);
    assert!(
        restarted,
        "the restart did not start or report the directory: {}",
        d.log()
    );
    assert!(
        after_restart.contains("Inside") && after_restart.contains("Top"),
        "dropped by the restart: {after_restart}"
    );
    assert!(reloaded, "no reload, or no problem: {}", d.log());
    assert!(
        after_reload.contains("Inside") && after_reload.contains("Top"),
        "dropped by the reload: {after_reload}"
    );
}

/// Started while the articles directory itself cannot be read (its permissions wrong after a
/// deploy), the daemon publishes what the previous run did, keeps running, and follows the
/// directory once it can be read.
#[test]
fn a_start_with_the_articles_dir_unreadable_publishes_the_last_build_and_waits_for_it() {
    let tmp = tree();
    let config = tmp.path().join("feedpub.toml");
    fs::write(&config, "[site]\nbase_url = \"http://feeds.example/\"\n").expect("config");
    // Older than the parse cache's racy window, so that the first start caches them.
    std::thread::sleep(Duration::from_millis(2500));
    let d = serve(tmp.path());
    let cached = wait_until(Duration::from_secs(20), || {
        feed(&d).contains("Inside")
            && fs::metadata(tmp.path().join("out/.feedpub-cache")).is_ok_and(|m| m.len() > 100)
    });
    assert!(cached, "never published and cached: {}", d.log());
    drop(d);
    lock(&tmp.path().join("articles"));
    let d = serve(tmp.path());
    let published = wait_until(Duration::from_secs(20), || {
        let f = feed(&d);
        f.contains("Inside") && f.contains("Top")
    });
    let alive = d.log().contains("cannot watch directory");
    chmod(&tmp.path().join("articles"), 0o777);
    let md = "---\ntitle: Later\ndate: 2024-03-02T08:00:00Z\n---\n\nText.\n";
    fs::write(tmp.path().join("articles/later.md"), md).expect("write");
    let followed = wait_until(Duration::from_secs(10), || feed(&d).contains("Later"));
    assert!(published, "the last build was not published: {}", d.log());
    assert!(alive, "the directory was not reported: {}", d.log());
    assert!(
        followed,
        "the directory was not followed once readable: {}",
        d.log()
    );
}

/// The same without a parse cache: nothing is published, not even by a reload, and the out dir
/// stays as the previous run left it.
#[test]
fn a_start_with_the_articles_dir_unreadable_and_no_cache_leaves_the_out_dir_alone() {
    let tmp = tree();
    let d = serve(tmp.path());
    assert!(
        wait_until(Duration::from_secs(20), || feed(&d).contains("Inside")),
        "never published: {}",
        d.log()
    );
    let rss = tmp.path().join("out/rss.xml");
    assert!(
        wait_until(Duration::from_secs(10), || fs::read_to_string(&rss)
            .is_ok_and(|r| r.contains("Inside"))
            && tmp.path().join("out/articles").is_dir()),
        "rss.xml not written"
    );
    drop(d);
    let before = fs::read(&rss).expect("rss.xml");
    let _ = fs::remove_file(tmp.path().join("out/.feedpub-cache"));
    lock(&tmp.path().join("articles"));
    let d = serve(tmp.path());
    let waiting = wait_until(Duration::from_secs(20), || {
        d.log().contains("nothing is published")
    });
    // SAFETY: kill with a valid pid and signal has no memory effects.
    assert_eq!(unsafe { libc::kill(d.pid() as i32, libc::SIGHUP) }, 0);
    let reloaded = wait_until(Duration::from_secs(10), || d.log().contains("SIGHUP"));
    std::thread::sleep(Duration::from_millis(500));
    let health = http_get(d.addr, "/healthz", &[]).map(|r| r.status);
    let after = fs::read(&rss).ok();
    chmod(&tmp.path().join("articles"), 0o777);
    assert!(waiting, "{}", d.log());
    assert!(reloaded, "{}", d.log());
    assert_eq!(health.ok(), Some(503), "{}", d.log());
    assert_eq!(after, Some(before), "the out dir changed\n{}", d.log());
    assert!(tmp.path().join("out/articles").is_dir(), "pages deleted");
}

/// Started while a directory cannot be listed, the daemon watches everything around it, and
/// still sees a directory made afterwards, and the locked one once it is opened.
#[test]
fn a_daemon_started_beside_an_unreadable_directory_watches_the_rest_and_later_it() {
    let tmp = tree();
    lock(&tmp.path().join("articles/locked"));
    // A directory symlink back up the tree: the watch must go around the locked directory
    // without following it round.
    std::os::unix::fs::symlink(".", tmp.path().join("articles/loop")).expect("symlink");
    let d = serve(tmp.path());
    let md =
        |title: &str| format!("---\ntitle: {title}\ndate: 2024-03-02T08:00:00Z\n---\n\nText.\n");
    assert!(
        wait_until(Duration::from_secs(20), || feed(&d).contains("Top")),
        "never published: {}",
        d.log()
    );
    let fresh = tmp.path().join("articles/fresh/deeper");
    fs::create_dir_all(&fresh).expect("mkdir");
    fs::write(fresh.join("new.md"), md("Fresh")).expect("write");
    let saw_new_dir = wait_until(Duration::from_secs(10), || feed(&d).contains("Fresh"));
    fs::write(fresh.join("second.md"), md("Second")).expect("write");
    let watched_new_dir = wait_until(Duration::from_secs(10), || feed(&d).contains("Second"));
    chmod(&tmp.path().join("articles/locked"), 0o777);
    let saw_unlocked = wait_until(Duration::from_secs(10), || feed(&d).contains("Inside"));
    fs::write(tmp.path().join("articles/locked/later.md"), md("Later")).expect("write");
    let watched_unlocked = wait_until(Duration::from_secs(10), || feed(&d).contains("Later"));
    assert!(saw_new_dir, "a new directory was not seen: {}", feed(&d));
    assert!(
        watched_new_dir,
        "a new directory was not watched: {}",
        feed(&d)
    );
    assert!(
        saw_unlocked,
        "the opened directory was not read: {}",
        feed(&d)
    );
    assert!(
        watched_unlocked,
        "the opened directory was not watched: {}",
        feed(&d)
    );
}

#[test]
fn a_directory_that_arrives_unreadable_is_watched_once_it_opens() {
    let tmp = tree();
    let d = serve(tmp.path());
    assert!(
        wait_until(Duration::from_secs(20), || feed(&d).contains("Inside")),
        "never published: {}",
        d.log()
    );
    // Another editor's mode-700 directory, made while the daemon runs: no watch can be placed
    // in it, and none was once it opened, so what was written there later was never seen.
    let theirs = tmp.path().join("articles/theirs");
    std::os::unix::fs::DirBuilderExt::mode(&mut fs::DirBuilder::new(), 0o000)
        .create(&theirs)
        .expect("mkdir");
    assert!(
        wait_until(Duration::from_secs(10), || problems(&d, 1)),
        "the unreadable directory was not reported: {}",
        d.log()
    );
    chmod(&theirs, 0o777);
    assert!(
        wait_until(Duration::from_secs(10), || problems(&d, 0)),
        "the opened directory is still reported: {}",
        d.log()
    );
    fs::write(
        theirs.join("later.md"),
        "---\ntitle: Later\ndate: 2024-03-02T08:00:00Z\n---\n\nText.\n",
    )
    .expect("write");
    assert!(
        wait_until(Duration::from_secs(10), || feed(&d).contains("Later")),
        "the opened directory was not watched: {}",
        feed(&d)
    );
}
