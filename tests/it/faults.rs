//! Fault injection through the real binary: `kill -9` mid-write, a flood of files, lost inotify
//! events, the articles dir deleted/moved/replaced, an out dir that cannot be written, and a
//! broken config on SIGHUP. Every test is bounded in time; a fault this container cannot make
//! (no mount, `/proc/sys` read-only) is skipped with a message, never faked.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{parse_json, wait_until, well_formed_xml, Daemon};

/// How long a change may take to show up (this only bounds a failure).
const DEADLINE: Duration = Duration::from_secs(60);

/// A dated Markdown article titled `title`, tagged `news`.
pub(crate) fn md(title: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ndate: 2024-03-01T08:00:00+08:00\ntags: [news]\n---\n\n{body}\n")
}

/// `<tmp>/articles`, `<tmp>/out` and `<tmp>/feedpub.toml` with a feed limit above every count
/// used here, so `feed.json` lists every article.
pub(crate) struct Site {
    tmp: tempfile::TempDir,
}

impl Site {
    pub fn new(extra_config: &str) -> Site {
        Site::new_in(std::env::temp_dir(), extra_config)
    }

    /// In `/dev/shm` when there is one: creating thousands of files on a journalled disk takes
    /// seconds of the test's own time, none of which is the daemon's.
    pub fn in_memory(extra_config: &str) -> Site {
        let shm = PathBuf::from("/dev/shm");
        Site::new_in(
            if shm.is_dir() {
                shm
            } else {
                std::env::temp_dir()
            },
            extra_config,
        )
    }

    fn new_in(parent: PathBuf, extra_config: &str) -> Site {
        let tmp = tempfile::Builder::new()
            .prefix("feedpub-it-")
            .tempdir_in(parent)
            .expect("create temp dir");
        let site = Site { tmp };
        fs::create_dir_all(site.path("articles")).expect("create articles dir");
        site.write(
            "feedpub.toml",
            &format!("[feeds]\nlimit = 100000\n{extra_config}"),
        );
        site
    }

    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        fs::write(self.path(rel), text).unwrap_or_else(|e| panic!("write {rel}: {e}"));
    }

    /// A file in the articles dir.
    pub fn art(&self, rel: &str) -> PathBuf {
        self.path("articles").join(rel)
    }

    pub fn start(&self) -> Daemon {
        self.start_with("articles")
    }

    /// [`Site::start`] on another articles dir (relative to the site).
    pub fn start_with(&self, articles: &str) -> Daemon {
        let d = Daemon::spawn(self.serve(articles));
        d.wait_healthy();
        d
    }

    /// [`Site::serve`] with the articles dir from the config file (`articles` by default),
    /// so that a reload can move it.
    fn serve_without_dir_flag(&self) -> Command {
        self.serve_args(&[])
    }

    /// The `feedpub serve` command line for this site, on a free port.
    fn serve(&self, articles: &str) -> Command {
        self.serve_args(&["--articles", articles])
    }

    fn serve_args(&self, extra: &[&str]) -> Command {
        let config = self.path("feedpub.toml").display().to_string();
        let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--out", "out"];
        args.extend_from_slice(extra);
        args.extend(["--config", config.as_str()]);
        crate::util::feedpub(self.root(), &args)
    }
}

/// The titles `feed.json` lists, or why it could not be read.
pub(crate) fn served_titles(d: &Daemon) -> Result<BTreeSet<String>, String> {
    let r = crate::util::http_get(d.addr, "/feed.json", &[]).map_err(|e| e.to_string())?;
    if r.status != 200 {
        return Err(format!("status {}", r.status));
    }
    let v: serde_json::Value = serde_json::from_slice(&r.body).map_err(|e| e.to_string())?;
    let items = v["items"].as_array().ok_or("no items")?;
    Ok(items
        .iter()
        .map(|i| i["title"].as_str().unwrap_or_default().to_string())
        .collect())
}

/// Wait until `feed.json` lists exactly `want`; panics with the difference and the log if not.
#[track_caller]
pub(crate) fn wait_for_titles(d: &Daemon, want: &BTreeSet<String>, what: &str) {
    let mut last = Err(String::new());
    let ok = crate::util::wait_until(DEADLINE, || {
        // The count first: cheap to poll, where a big feed.json is not.
        if metric(d, "feedpub_articles_published") != Some(want.len() as f64) {
            return false;
        }
        last = served_titles(d);
        last.as_ref().is_ok_and(|got| got == want)
    });
    if !ok && last.as_ref().is_err_and(|e| e.is_empty()) {
        last = served_titles(d);
    }
    if !ok {
        let detail = match &last {
            Ok(got) => format!(
                "missing {:?}, extra {:?}",
                want.difference(got).take(5).collect::<Vec<_>>(),
                got.difference(want).take(5).collect::<Vec<_>>()
            ),
            Err(e) => e.clone(),
        };
        panic!(
            "{what}: feed.json never listed the {} expected articles: {detail}\n--- stderr:\n{}",
            want.len(),
            tail(&d.log(), 4000)
        );
    }
}

/// The value of an unlabelled metric on `/metrics`.
pub(crate) fn metric(d: &Daemon, name: &str) -> Option<f64> {
    let r = crate::util::http_get(d.addr, "/metrics", &[]).ok()?;
    r.text().lines().find_map(|l| {
        let (n, v) = l.split_once(' ')?;
        (n == name).then(|| v.trim().parse().ok()).flatten()
    })
}

/// Resident memory of `pid` in KiB (`VmRSS` in /proc/PID/status).
pub(crate) fn rss_kib(pid: u32) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

pub(crate) fn tail(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// Whether the daemon is still running (not exited, not a zombie).
fn alive(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            !s.rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Check one file of the out dir is complete: feeds parse, pages end with `</html>`.
fn check_complete(rel: &str, bytes: &[u8]) -> Result<(), String> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if name.starts_with('.') {
        return Ok(()); // the manifest and in-flight temp files (counted separately)
    }
    if rel.ends_with(".xml") {
        well_formed_xml(bytes).map(drop)
    } else if rel.ends_with(".json") {
        serde_json::from_slice::<serde_json::Value>(bytes)
            .map(drop)
            .map_err(|e| e.to_string())
    } else if rel.ends_with(".html") {
        let text = String::from_utf8_lossy(bytes);
        if text.trim_end().ends_with("</html>") {
            Ok(())
        } else {
            Err("page does not end with </html>".to_string())
        }
    } else {
        Ok(())
    }
}

/// Temp files (`.NAME.PID.N.tmp`) in the out dir and below it whose writer is not `running`.
/// Tolerant of files vanishing meanwhile: a running daemon may be renaming its own.
fn temp_files(out: &Path, running: u32) -> Vec<String> {
    fn walk(dir: &Path, running: u32, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                walk(&path, running, out);
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.')
                && name.ends_with(".tmp")
                && !name.contains(&format!(".{running}."))
            {
                out.push(path.display().to_string());
            }
        }
    }
    let mut found = Vec::new();
    walk(out, running, &mut found);
    found
}

#[test]
fn kill_9_during_an_edit_storm_never_leaves_a_torn_file_and_restarts_at_once() {
    const ARTICLES: usize = 30;
    let site = Site::new("");
    let titles: BTreeSet<String> = (0..ARTICLES).map(|i| format!("Article {i:02}")).collect();
    // Long bodies so each write takes a while and a kill is likely to land mid-write.
    let body = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(200);
    for (i, t) in titles.iter().enumerate() {
        fs::write(site.art(&format!("a{i:02}.md")), md(t, &body)).expect("write article");
    }
    for round in 0..10 {
        let mut d = site.start();
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (stop, dir, body) = (Arc::clone(&stop), site.art(""), body.clone());
            thread::spawn(move || {
                let mut n = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let i = n % ARTICLES;
                    let text = md(&format!("Article {i:02}"), &format!("edit {n} {body}"));
                    let _ = fs::write(dir.join(format!("a{i:02}.md")), text);
                    n += 1;
                    thread::sleep(Duration::from_millis(2));
                }
                n
            })
        };
        // Kill at a different moment of the rebuild cycle each round.
        thread::sleep(Duration::from_millis(150 + 37 * round));
        d.signal("KILL");
        stop.store(true, Ordering::Relaxed);
        let edits = writer.join().expect("writer thread");
        assert!(
            d.wait_exit(Duration::from_secs(5)).is_some(),
            "kill -9 did not stop it"
        );
        let out = site.path("out");
        // Healthy means published in memory; the first write may not have begun yet.
        let files = if out.is_dir() {
            crate::util::tree(&out)
        } else {
            Default::default()
        };
        for (rel, bytes) in files {
            if let Err(e) = check_complete(&rel, &bytes) {
                panic!("round {round} ({edits} edits): out/{rel} is torn: {e}");
            }
        }
        // The restart publishes every article in its first build: no waiting for events.
        let d = site.start();
        let got = served_titles(&d).expect("feed.json after restart");
        assert_eq!(
            got, titles,
            "round {round}: restart did not serve every article at once"
        );
        drop(d); // SIGKILL again, this time while idle or still writing its first build
    }
    // A kill mid-write can leave a temp file; the next start removes them (none pile up).
    let d = site.start();
    // The sweep runs with the first write of the out dir, which follows the first complete
    // build (after a first start's bodies are all parsed): on a loaded machine, seconds.
    let swept = crate::util::wait_until(DEADLINE, || {
        temp_files(&site.path("out"), d.pid()).is_empty()
    });
    let left = temp_files(&site.path("out"), d.pid());
    assert!(
        swept,
        "temp files left by killed runs: {left:?}\n{}",
        d.log()
    );
    drop(d);
}

#[test]
fn five_thousand_files_then_a_thousand_deleted_converge_and_memory_returns() {
    let site = Site::in_memory("");
    let d = site.start();
    let pid = d.pid();
    let baseline = rss_kib(pid);
    let t0 = Instant::now();
    let mut want = BTreeSet::new();
    for i in 0..5000 {
        let title = format!("Flood {i:04}");
        fs::write(site.art(&format!("f{i:04}.md")), md(&title, "x")).expect("write");
        want.insert(title);
    }
    let took = t0.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "writing 5,000 files took {took:?}"
    );
    wait_for_titles(&d, &want, "5,000 files");
    let peak = rss_kib(pid);
    for i in (0..5000).step_by(5) {
        fs::remove_file(site.art(&format!("f{i:04}.md"))).expect("remove");
        want.remove(&format!("Flood {i:04}"));
    }
    wait_for_titles(&d, &want, "1,000 deleted");
    assert_eq!(metric(&d, "feedpub_articles_published"), Some(4000.0));
    // Delete the rest: with nothing left to hold, memory must come back near the start.
    for i in 0..5000 {
        let _ = fs::remove_file(site.art(&format!("f{i:04}.md")));
    }
    wait_for_titles(&d, &BTreeSet::new(), "all deleted");
    // The daemon trims glibc's arenas once the replaced, larger snapshot is no longer used by any
    // request. That happens just after the empty feed is served, so poll. How much comes back
    // depends on how the arenas fragmented (measured on 2026-12-02, the same on the commit
    // before that session: baseline 19-20 MiB, peak 54-72 MiB, after 24-51 MiB, i.e. 20-90% of
    // the growth handed back, the low end when the test runs beside the others). Generous
    // bound: a tenth of the growth; a snapshot kept alive would hand back nothing.
    let bound = baseline + (peak.saturating_sub(baseline)) * 9 / 10;
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut after = rss_kib(pid);
    while after > bound && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(100));
        after = rss_kib(pid);
    }
    eprintln!(
        "flood: wrote 5,000 files in {took:?}; VmRSS baseline {baseline} KiB, peak {peak} KiB, after deleting all {after} KiB"
    );
    assert!(
        after <= bound,
        "memory did not come back after deleting everything: baseline {baseline} KiB, peak {peak} KiB, after {after} KiB"
    );
}

/// Sets a `/proc/sys` value and puts the old one back on drop.
struct Sysctl {
    path: &'static str,
    old: String,
}

impl Sysctl {
    fn set(path: &'static str, value: &str) -> Option<Sysctl> {
        let old = fs::read_to_string(path).ok()?;
        fs::write(path, value).ok()?;
        Some(Sysctl { path, old })
    }
}

impl Drop for Sysctl {
    fn drop(&mut self) {
        let _ = fs::write(self.path, self.old.trim());
    }
}

#[test]
fn an_inotify_queue_overflow_is_cured_by_a_rescan() {
    let site = Site::in_memory("");
    let mut want = BTreeSet::new();
    for i in 0..50 {
        let title = format!("Before {i:02}");
        fs::write(site.art(&format!("b{i:02}.md")), md(&title, "x")).expect("write");
        want.insert(title);
    }
    // The queue size is read when an inotify instance is created: lower it only while the
    // daemon starts (it also affects any other process starting now, which copes the same way).
    let d = {
        let Some(_small) = Sysctl::set("/proc/sys/fs/inotify/max_queued_events", "16") else {
            eprintln!("skipped: /proc/sys/fs/inotify/max_queued_events is not writable here");
            return;
        };
        site.start()
    };
    wait_for_titles(&d, &want, "start");
    // A burst far larger than 16 events: creates, edits and deletes, as fast as possible.
    for i in 0..400 {
        let title = format!("Burst {i:03}");
        fs::write(site.art(&format!("n{i:03}.md")), md(&title, "x")).expect("write");
        want.insert(title);
    }
    for i in 0..25 {
        fs::remove_file(site.art(&format!("b{i:02}.md"))).expect("remove");
        want.remove(&format!("Before {i:02}"));
    }
    for i in 25..50 {
        let title = format!("Edited {i:02}");
        fs::write(site.art(&format!("b{i:02}.md")), md(&title, "y")).expect("write");
        want.remove(&format!("Before {i:02}"));
        want.insert(title);
    }
    wait_for_titles(&d, &want, "after the overflow");
    let log = d.log();
    assert!(
        log.to_lowercase().contains("rescan") || log.to_lowercase().contains("overflow"),
        "the overflow was never noticed (no rescan in the log):\n{}",
        tail(&log, 3000)
    );
}

#[test]
fn the_articles_dir_deleted_moved_or_replaced_by_a_symlink_is_followed() {
    let site = Site::new("");
    let write_set = |dir: &Path, prefix: &str, n: usize| -> BTreeSet<String> {
        fs::create_dir_all(dir).expect("create dir");
        (0..n)
            .map(|i| {
                let title = format!("{prefix} {i}");
                fs::write(dir.join(format!("{prefix}-{i}.md")), md(&title, "x")).expect("write");
                title
            })
            .collect()
    };
    let arts = site.path("articles");
    let first = write_set(&arts, "First", 5);
    let d = site.start();
    let pid = d.pid();
    wait_for_titles(&d, &first, "start");

    // Deleted, then recreated with other articles. (rm -r deletes the files first: those
    // deletes are real and may be published before the directory goes.)
    fs::remove_dir_all(&arts).expect("remove articles dir");
    let missing = |d: &Daemon| d.log().matches("articles directory is missing").count();
    assert!(
        wait_until(DEADLINE, || missing(&d) > 0),
        "the missing directory was not logged\n{}",
        d.log()
    );
    thread::sleep(Duration::from_millis(100));
    let second = write_set(&arts, "Second", 4);
    wait_for_titles(&d, &second, "recreated");
    assert!(alive(pid), "the daemon exited");
    assert!(
        d.wait_log_line(DEADLINE, |l| l.contains("the articles directory is back")),
        "its return was not logged\n{}",
        d.log()
    );

    // Moved away: the last build stays published (a swap in two renames must not empty the
    // feeds), then moved back.
    let away = site.path("away");
    let seen = missing(&d);
    fs::rename(&arts, &away).expect("move away");
    assert!(
        wait_until(DEADLINE, || missing(&d) > seen),
        "the move was not noticed\n{}",
        d.log()
    );
    thread::sleep(Duration::from_millis(200));
    assert_eq!(
        served_titles(&d),
        Ok(second.clone()),
        "moved away: the feed changed"
    );
    assert_eq!(metric(&d, "feedpub_articles_published"), Some(4.0));
    fs::rename(&away, &arts).expect("move back");
    wait_for_titles(&d, &second, "moved back");
    // Still watched after coming back: a new file shows up.
    let mut more = second.clone();
    more.extend(write_set(&arts, "Later", 1));
    wait_for_titles(&d, &more, "new file after the move back");

    // Replaced by a symlink to another directory.
    let elsewhere = site.path("elsewhere");
    let third = write_set(&elsewhere, "Third", 3);
    fs::rename(&arts, site.path("old")).expect("move the dir out of the way");
    std::os::unix::fs::symlink(&elsewhere, &arts).expect("symlink");
    wait_for_titles(&d, &third, "replaced by a symlink");
    let mut fourth = third.clone();
    fourth.extend(write_set(&elsewhere, "Through", 1));
    wait_for_titles(&d, &fourth, "new file behind the symlink");
    assert!(alive(pid), "the daemon exited\n--- stderr:\n{}", d.log());
    let log = d.log();
    assert!(
        log.contains("missing") || log.contains("cannot read the articles directory"),
        "the missing directory was not logged:\n{}",
        tail(&log, 3000)
    );
}

#[test]
fn the_articles_dir_is_followed_when_its_parent_is_removed_recreated_or_moved() {
    let site = Site::new("");
    let arts = site.path("site/articles");
    let write_set = |prefix: &str, n: usize| -> BTreeSet<String> {
        fs::create_dir_all(&arts).expect("create dir");
        (0..n)
            .map(|i| {
                let title = format!("{prefix} {i}");
                fs::write(arts.join(format!("{prefix}-{i}.md")), md(&title, "x")).expect("write");
                title
            })
            .collect()
    };
    let first = write_set("First", 3);
    let d = site.start_with("site/articles");
    wait_for_titles(&d, &first, "start");
    let missing = |d: &Daemon| d.log().matches("articles directory is missing").count();

    // `rm -rf site && git clone … site`: the parent's own watch goes with it.
    fs::remove_dir_all(site.path("site")).expect("remove the parent");
    assert!(
        wait_until(DEADLINE, || missing(&d) > 0),
        "the missing directory was not logged\n{}",
        d.log()
    );
    let second = write_set("Second", 2);
    wait_for_titles(&d, &second, "parent recreated");

    // Moved away with its parent: the last build stays published, and an edit in the moved
    // tree is no deletion under the old name.
    let seen = missing(&d);
    fs::rename(site.path("site"), site.path("site.old")).expect("move the parent away");
    assert!(
        wait_until(DEADLINE, || missing(&d) > seen),
        "the move was not noticed\n{}",
        d.log()
    );
    fs::write(
        site.path("site.old/articles/Second-0.md"),
        md("Second 0 moved", "y"),
    )
    .expect("edit in the moved tree");
    thread::sleep(Duration::from_millis(300));
    assert_eq!(
        served_titles(&d),
        Ok(second.clone()),
        "moved away\n{}",
        d.log()
    );
    fs::rename(site.path("site.old"), site.path("site")).expect("move the parent back");
    let mut back: BTreeSet<String> = ["Second 0 moved", "Second 1"].map(String::from).into();
    wait_for_titles(&d, &back, "moved back");
    back.extend(write_set("Later", 1));
    wait_for_titles(&d, &back, "new file after the move back");
}

#[test]
fn a_deploy_swapping_a_symlink_above_the_articles_dir_is_followed() {
    // `current -> releases/N`, with the articles in `current/articles`: a deploy swaps the
    // link in one rename, an event only in the directory that holds it.
    let site = Site::new("");
    let release = |n: u32| -> BTreeSet<String> {
        let title = format!("Release {n}");
        let dir = site.path(&format!("releases/{n}/articles"));
        fs::create_dir_all(&dir).expect("mkdir");
        fs::write(dir.join(format!("r{n}.md")), md(&title, "x")).expect("write");
        [title].into()
    };
    let first = release(1);
    std::os::unix::fs::symlink("releases/1", site.path("current")).expect("symlink");
    let d = site.start_with("current/articles");
    wait_for_titles(&d, &first, "start");
    let mut second = release(2);
    std::os::unix::fs::symlink("releases/2", site.path("current.tmp")).expect("symlink");
    fs::rename(site.path("current.tmp"), site.path("current")).expect("swap the link");
    wait_for_titles(&d, &second, "swapped");
    fs::write(
        site.path("releases/2/articles/later.md"),
        md("Later in 2", "x"),
    )
    .expect("write");
    second.insert("Later in 2".to_string());
    wait_for_titles(&d, &second, "edit in the new release");
}

#[test]
fn a_deploy_replacing_the_target_of_a_symlinked_articles_dir_is_followed() {
    // `--articles current` with `current -> releases/1`, and a deploy that replaces
    // `releases/1` itself: events only in `releases/`.
    let site = Site::new("");
    let release = site.path("releases/1");
    fs::create_dir_all(&release).expect("mkdir");
    fs::write(release.join("a.md"), md("First", "x")).expect("write");
    std::os::unix::fs::symlink("releases/1", site.path("current")).expect("symlink");
    let d = site.start_with("current");
    wait_for_titles(&d, &["First".to_string()].into(), "start");
    fs::rename(&release, site.path("releases/1.old")).expect("move the release away");
    // Seen missing before the new one comes.
    assert!(
        wait_until(DEADLINE, || d.log().contains("missing")),
        "{}",
        d.log()
    );
    thread::sleep(Duration::from_millis(300));
    fs::create_dir_all(site.path("releases/1.new")).expect("mkdir");
    fs::write(site.path("releases/1.new/b.md"), md("Second", "x")).expect("write");
    fs::rename(site.path("releases/1.new"), &release).expect("move the new one in");
    wait_for_titles(&d, &["Second".to_string()].into(), "replaced");
    fs::write(release.join("c.md"), md("Third", "x")).expect("write");
    let both: BTreeSet<String> = ["Second", "Third"].map(String::from).into();
    wait_for_titles(&d, &both, "an edit in the new release");
}

#[test]
fn a_file_that_could_not_be_read_for_want_of_file_descriptors_is_read_again() {
    let site = Site::new("");
    fs::write(site.art("a.md"), md("Alpha", "x")).expect("write");
    // 64 descriptors: a few dozen client connections use up what the daemon has left.
    let mut cmd = Command::new("prlimit");
    cmd.arg("--nofile=64:64").arg(crate::util::BIN);
    let serve = site.serve("articles");
    cmd.args(serve.get_args());
    cmd.current_dir(site.root());
    let d = Daemon::spawn(cmd);
    d.wait_healthy();
    wait_for_titles(&d, &["Alpha".to_string()].into(), "start");
    let held: Vec<std::net::TcpStream> = (0..80)
        .filter_map(|_| std::net::TcpStream::connect(d.addr).ok())
        .collect();
    assert!(
        wait_until(DEADLINE, || d.log().contains("accept failed")),
        "the descriptors were not used up ({} connections)\n{}",
        held.len(),
        d.log()
    );
    // The daemon may still get a descriptor freed a moment ago (its own, or one the accept
    // loop did not take yet): new files until one cannot be read.
    let mut titles: BTreeSet<String> = ["Alpha".to_string()].into();
    let refused = (0..20).find_map(|i| {
        let (name, title) = (format!("b{i}.md"), format!("Beta {i}"));
        fs::write(site.art(&name), md(&title, "x")).expect("write");
        titles.insert(title);
        let refused = wait_until(Duration::from_secs(5), || {
            d.log().contains(&format!("{name}: cannot read it now"))
        });
        refused.then_some(name)
    });
    assert!(
        refused.is_some(),
        "every file was read while descriptors were short: {:?}",
        served_titles(&d)
    );
    drop(held);
    // No event comes for that file again: only the daemon's own retry publishes it.
    wait_for_titles(&d, &titles, "after the descriptors were back");
}

/// A tmpfs mounted over a directory, unmounted (lazily) on drop.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(at: &Path, size: &str) -> Option<Mount> {
        fs::create_dir_all(at).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Mount(at.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_out_dir_keeps_serving_from_memory_and_writing_resumes() {
    let site = Site::new("");
    let out = site.path("out");
    let Some(_mount) = Mount::tmpfs(&out, "256k") else {
        eprintln!("skipped: cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN)");
        return;
    };
    fs::write(site.art("a.md"), md("Alpha", "x")).expect("write");
    let d = site.start();
    wait_for_titles(&d, &["Alpha".to_string()].into(), "start");
    assert!(crate::util::wait_until(DEADLINE, || fs::read_to_string(
        out.join("rss.xml")
    )
    .is_ok_and(|s| s.contains("Alpha"))));
    let errors_before = metric(&d, "feedpub_output_write_errors_total").unwrap_or(0.0);

    // Fill the disk: a filler file takes every free block.
    let filler = out.join("filler");
    {
        use std::io::Write;
        let mut f = fs::File::create(&filler).expect("create filler");
        let chunk = vec![b'x'; 4096];
        while f.write_all(&chunk).is_ok() {}
    }
    // Longer bodies than the few bytes left.
    let body = "A paragraph that will not fit. ".repeat(400);
    fs::write(site.art("b.md"), md("Bravo", &body)).expect("write");
    let both: BTreeSet<String> = ["Alpha".to_string(), "Bravo".to_string()].into();
    wait_for_titles(&d, &both, "served from memory while the disk is full");
    assert!(
        crate::util::wait_until(DEADLINE, || metric(&d, "feedpub_output_write_errors_total")
            .is_some_and(|n| n > errors_before)),
        "feedpub_output_write_errors_total did not grow\n--- stderr:\n{}",
        tail(&d.log(), 3000)
    );
    assert_eq!(d.get("/healthz", &[]).status, 200);
    for rel in ["rss.xml", "atom.xml", "feed.json"] {
        let bytes = fs::read(out.join(rel)).expect("the old feed is still there");
        check_complete(rel, &bytes).unwrap_or_else(|e| panic!("out/{rel} torn by ENOSPC: {e}"));
    }

    // Space returns; the retry timer writes everything that failed, with no article changing.
    fs::remove_file(&filler).expect("remove filler");
    let ok = crate::util::wait_until(DEADLINE, || {
        fs::read_to_string(out.join("rss.xml")).is_ok_and(|s| s.contains("Bravo"))
            && out.join("articles/b/index.html").exists()
    });
    assert!(
        ok,
        "writing did not resume\n--- stderr:\n{}",
        tail(&d.log(), 3000)
    );
    assert!(
        d.wait_log_line(DEADLINE, |l| l.contains("still serving from memory")),
        "the write error was not logged"
    );
}

#[test]
fn sighup_with_an_invalid_config_keeps_the_old_one_and_keeps_serving() {
    let site = Site::new("[site]\ntitle = \"Kept Title\"\n");
    fs::write(site.art("a.md"), md("Alpha", "x")).expect("write");
    let d = site.start();
    wait_for_titles(&d, &["Alpha".to_string()].into(), "start");
    for broken in [
        "[site\ntitle = \"x\"\n",          // TOML syntax
        "[feeds]\nlimit = 0\n",            // a bad value
        "[site]\ntitel = \"typo\"\n",      // an unknown key
        "[site]\ntitle = \"a\\u0001b\"\n", // a character no feed can hold
    ] {
        site.write("feedpub.toml", broken);
        let errors = d.log().matches("config not reloaded").count();
        d.signal("HUP");
        assert!(
            crate::util::wait_until(DEADLINE, || d.log().matches("config not reloaded").count()
                > errors),
            "no error logged for {broken:?}\n--- stderr:\n{}",
            tail(&d.log(), 2000)
        );
        let r = d.get("/feed.json", &[]);
        assert_eq!(r.status, 200);
        assert_eq!(
            parse_json("feed.json", &r.body)["title"],
            "Kept Title",
            "{broken:?}"
        );
        assert_eq!(d.get("/healthz", &[]).status, 200);
    }
    // Still following changes with the old config.
    fs::write(site.art("b.md"), md("Bravo", "x")).expect("write");
    wait_for_titles(
        &d,
        &["Alpha".to_string(), "Bravo".to_string()].into(),
        "after bad reloads",
    );
}

/// The `date_published` of every item of `/feed.json`, by title.
fn served_dates(d: &Daemon) -> BTreeMap<String, String> {
    // A transport error on a loaded machine is no empty feed: asked again.
    let fetched = (0..3).find_map(|_| crate::util::http_get(d.addr, "/feed.json", &[]).ok());
    let Some(r) = fetched else {
        return BTreeMap::new();
    };
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
    v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            let field = |k: &str| i[k].as_str().unwrap_or_default().to_string();
            (field("title"), field("date_published"))
        })
        .collect()
}

#[test]
fn a_reload_while_the_articles_dir_is_away_keeps_the_feeds_and_reparses_on_return() {
    let site = Site::new("[site]\ntimezone = \"UTC\"\n");
    let local = |title: &str| format!("---\ntitle: {title}\ndate: 2024-03-01T08:00:00\n---\n\nx\n");
    for title in ["One", "Two"] {
        site.write(&format!("articles/{title}.md"), &local(title));
    }
    let d = site.start();
    let utc: BTreeMap<String, String> = ["One", "Two"]
        .map(|t| (t.to_string(), "2024-03-01T08:00:00+00:00".to_string()))
        .into();
    assert!(
        wait_until(DEADLINE, || served_dates(&d) == utc),
        "{:?}\n{}",
        served_dates(&d),
        d.log()
    );

    // A deploy moves the directory away, and the config changes what every article parses to.
    fs::rename(site.path("articles"), site.path("articles.away")).expect("move away");
    assert!(
        wait_until(DEADLINE, || d
            .log()
            .contains("articles directory is missing")),
        "{}",
        d.log()
    );
    site.write(
        "feedpub.toml",
        "[feeds]\nlimit = 100000\n[site]\ntimezone = \"Asia/Shanghai\"\n",
    );
    d.signal("HUP");
    assert!(
        wait_until(DEADLINE, || d
            .log()
            .contains("cannot read the articles directory")),
        "{}",
        d.log()
    );
    thread::sleep(Duration::from_millis(300));
    assert_eq!(served_dates(&d), utc, "feeds emptied\n{}", d.log());

    // Back: every file is parsed again, with the new time zone.
    fs::rename(site.path("articles.away"), site.path("articles")).expect("move back");
    let shanghai: BTreeMap<String, String> = ["One", "Two"]
        .map(|t| (t.to_string(), "2024-03-01T08:00:00+08:00".to_string()))
        .into();
    assert!(
        wait_until(DEADLINE, || served_dates(&d) == shanghai),
        "{:?}\n{}",
        served_dates(&d),
        d.log()
    );
}

#[test]
fn a_start_while_the_articles_dir_is_away_keeps_the_last_build_published() {
    // A fixed base URL, so that the parse cache serves the restarts.
    let site = Site::new("[site]\nbase_url = \"https://news.example\"\n");
    fs::write(site.art("a.md"), md("Alpha", "first")).expect("write");
    fs::write(site.art("b.md"), md("Beta", "second")).expect("write");
    // Older than the parse cache's racy window (2 s), so that the first start caches them.
    thread::sleep(Duration::from_millis(2500));
    let both: BTreeSet<String> = ["Alpha", "Beta"].map(String::from).into();
    let mut d = site.start();
    wait_for_titles(&d, &both, "first start");
    d.signal("TERM");
    assert!(d.wait_exit(DEADLINE).is_some(), "no exit on SIGTERM");
    let rss = fs::read(site.path("out/rss.xml")).expect("rss.xml written");

    // Started while a deploy has the directory away: the previous run's articles, from the
    // parse cache, not an empty site.
    fs::rename(site.path("articles"), site.path("articles.away")).expect("move away");
    d = site.start();
    assert_eq!(served_titles(&d), Ok(both.clone()), "{}", d.log());
    thread::sleep(Duration::from_millis(500));
    assert!(
        site.path("out/articles").is_dir(),
        "pages deleted\n{}",
        d.log()
    );
    assert_eq!(fs::read(site.path("out/rss.xml")).ok(), Some(rss.clone()));

    // Back, with a new article: followed.
    fs::write(site.path("articles.away/c.md"), md("Gamma", "third")).expect("write");
    fs::rename(site.path("articles.away"), site.path("articles")).expect("move back");
    let three: BTreeSet<String> = ["Alpha", "Beta", "Gamma"].map(String::from).into();
    wait_for_titles(&d, &three, "after the directory came back");
    d.signal("TERM");
    assert!(d.wait_exit(DEADLINE).is_some(), "no exit on SIGTERM");

    // Without a parse cache there is nothing to publish: nothing is, and the out dir stays.
    fs::remove_file(site.path("out/.feedpub-cache")).expect("remove the cache");
    fs::rename(site.path("articles"), site.path("articles.away")).expect("move away");
    let rss = fs::read(site.path("out/rss.xml")).expect("rss.xml written");
    let d = Daemon::spawn(site.serve("articles"));
    assert!(
        wait_until(DEADLINE, || d.log().contains("nothing is published")),
        "{}",
        d.log()
    );
    let health = crate::util::http_get(d.addr, "/healthz", &[]).expect("healthz");
    assert_eq!(health.status, 503, "{}", d.log());
    // Nor does a reload meanwhile publish an empty site.
    d.signal("HUP");
    assert!(
        wait_until(DEADLINE, || d.log().contains("SIGHUP")),
        "{}",
        d.log()
    );
    thread::sleep(Duration::from_millis(500));
    let health = crate::util::http_get(d.addr, "/healthz", &[]).expect("healthz");
    assert_eq!(health.status, 503, "{}", d.log());
    assert_eq!(fs::read(site.path("out/rss.xml")).ok(), Some(rss));
    assert!(
        site.path("out/articles").is_dir(),
        "pages deleted\n{}",
        d.log()
    );
    fs::rename(site.path("articles.away"), site.path("articles")).expect("move back");
    wait_for_titles(&d, &three, "after the directory came back, without a cache");
    drop(d);

    // Moved by the config to a directory that is not there: the parse cache of the other
    // one publishes nothing of its own.
    thread::sleep(Duration::from_millis(500));
    let rss = fs::read(site.path("out/rss.xml")).expect("rss.xml written");
    let d = Daemon::spawn(site.serve("articles-v2"));
    assert!(
        wait_until(DEADLINE, || d.log().contains("nothing is published")),
        "{}",
        d.log()
    );
    thread::sleep(Duration::from_millis(500));
    assert_eq!(fs::read(site.path("out/rss.xml")).ok(), Some(rss));
}

#[test]
fn a_sighup_makes_the_out_dir_whole_again_after_files_went_from_it() {
    let site = Site::new("");
    fs::write(site.art("a.md"), md("Alpha", "first")).expect("write");
    let d = site.start();
    let page = site.path("out/articles/a/index.html");
    assert!(wait_until(DEADLINE, || page.is_file()), "{}", d.log());
    let rss = fs::read(site.path("out/rss.xml")).expect("rss.xml");
    fs::remove_dir_all(site.path("out/articles")).expect("rm articles");
    fs::write(site.path("out/rss.xml"), "tampered").expect("tamper");
    d.signal("HUP");
    assert!(
        wait_until(DEADLINE, || page.is_file()
            && fs::read(site.path("out/rss.xml")).ok().as_ref() == Some(&rss)),
        "not repaired\n{}",
        d.log()
    );
}

#[test]
fn a_reload_onto_a_directory_that_cannot_be_read_keeps_the_old_config() {
    let site = Site::new("");
    fs::write(site.art("a.md"), md("Alpha", "first")).expect("write");
    let one: BTreeSet<String> = ["Alpha"].map(String::from).into();
    let d = Daemon::spawn(site.serve_without_dir_flag());
    d.wait_healthy();
    wait_for_titles(&d, &one, "first start");
    let config = fs::read_to_string(site.path("feedpub.toml")).expect("config");
    site.write(
        "feedpub.toml",
        &format!("{config}[articles]\ndir = \"no-such-dir\"\n"),
    );
    d.signal("HUP");
    assert!(
        wait_until(DEADLINE, || d.log().contains("config not reloaded")),
        "{}",
        d.log()
    );
    assert!(d.log().contains("articles.dir"), "{}", d.log());
    thread::sleep(Duration::from_millis(300));
    assert_eq!(served_titles(&d), Ok(one.clone()), "{}", d.log());
    assert!(site.path("out/articles").is_dir(), "pages deleted");
    // The old config still runs: its directory is still watched.
    fs::write(site.art("b.md"), md("Beta", "second")).expect("write");
    let both: BTreeSet<String> = ["Alpha", "Beta"].map(String::from).into();
    wait_for_titles(&d, &both, "an edit after the refused reload");
}

/// 20,000 articles of ~1.4 KB, with the default feed limit (50): enough that a first start of
/// the debug binary takes seconds, without rendering 20,000-item feeds.
fn many_articles() -> Site {
    let site = Site::in_memory("");
    site.write("feedpub.toml", "");
    let body = "A paragraph of the article, long enough to take a moment to parse. ".repeat(20);
    for i in 0..20_000 {
        fs::write(
            site.art(&format!("a{i:05}.md")),
            md(&format!("Article {i:05}"), &body),
        )
        .expect("write article");
    }
    site
}

#[test]
fn sigterm_during_a_first_start_stops_it_before_anything_is_written() {
    // The debug binary is still loading when the signal comes.
    let site = many_articles();
    let mut d = Daemon::spawn(site.serve("articles"));
    d.signal("TERM");
    let status = d.wait_exit(DEADLINE);
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "no clean exit after SIGTERM\n{}",
        d.log()
    );
    assert!(
        d.log().contains("SIGTERM during start-up"),
        "not stopped during start-up (it waited for the whole load):\n{}",
        d.log()
    );
    // Not one file of a half-loaded site: the out dir only ever gets complete snapshots.
    let written = if site.path("out").is_dir() {
        crate::util::tree(&site.path("out"))
    } else {
        Default::default()
    };
    assert!(
        !written
            .keys()
            .any(|k| k.ends_with(".xml") || k.ends_with(".json")),
        "feeds written by a stopped start-up: {:?}",
        written.keys().take(5).collect::<Vec<_>>()
    );
    // The next start publishes everything, and sweeps what the stopped one left half-written.
    let d = site.start();
    let page = site.path("out/articles/a00000/index.html");
    let complete = wait_until(DEADLINE, || {
        page.is_file() && temp_files(&site.path("out"), d.pid()).is_empty()
    });
    assert!(complete, "no complete out dir after a restart\n{}", d.log());
    let feed = parse_json(
        "feed.json",
        &fs::read(site.path("out/feed.json")).expect("read"),
    );
    assert_eq!(feed["items"].as_array().map(Vec::len), Some(50));
}

#[test]
fn articles_added_while_a_first_start_parses_bodies_are_served_before_it_ends() {
    // The debug binary parses bodies for seconds after the first publish.
    const DONE: &str = "every body parsed";
    // Files just written: the rescan after the first publish leaves their bodies to the loop
    // too, though each could yet change within its mtime's tick (the loop reads it then).
    let site = many_articles();
    let mut cmd = site.serve("articles");
    cmd.env("RUST_LOG", "feedpub=debug");
    let d = Daemon::spawn(cmd);
    // The first bodies parsed after the first publish: the rescan that follows it is over, so
    // the watcher is what sees this file.
    assert!(
        d.wait_log_line(DEADLINE, |l| l.contains("pending bodies parsed")),
        "{}",
        d.log()
    );
    let served_before_done = |title: &str| {
        let fresh = format!("---\ntitle: {title}\ndate: 2025-01-01T00:00:00Z\n---\nNew.\n");
        fs::write(site.art(&format!("zz-{title}.md")), fresh).expect("write");
        let mut done_before = true;
        let served = wait_until(DEADLINE, || {
            done_before = d.log().contains(DONE);
            served_titles(&d).is_ok_and(|t| t.contains(title))
        });
        assert!(served, "{title}: never served\n{}", d.log());
        assert!(
            !done_before,
            "{title}: served only once every body was parsed\n{}",
            d.log()
        );
    };
    served_before_done("Added meanwhile");
    // A reload that changes no parse setting leaves the rest to the same steps.
    d.signal("HUP");
    assert!(
        d.wait_log_line(DEADLINE, |l| l.contains("SIGHUP")),
        "{}",
        d.log()
    );
    served_before_done("Added after a reload");
    assert!(
        d.wait_log_line(DEADLINE, |l| l.contains(DONE)),
        "{}",
        d.log()
    );
}

#[test]
fn a_file_broken_before_a_restart_keeps_its_last_good_version_published() {
    // A fixed base URL: one made from the (random) port would change the parse settings, and
    // with them the parse cache's key, on every start.
    let site = Site::new("[site]\nbase_url = \"https://news.example\"\n");
    fs::write(site.art("a.md"), md("Alpha", "first")).expect("write");
    fs::write(site.art("b.md"), md("Beta", "second")).expect("write");
    let both: BTreeSet<String> = ["Alpha", "Beta"].map(String::from).into();
    let mut d = site.start();
    wait_for_titles(&d, &both, "first start");

    fs::write(site.art("a.md"), "---\ntitle: [unclosed\n---\nx\n").expect("write");
    let reported = |d: &Daemon| {
        let log = d.log();
        log.contains("a.md") && log.contains("YAML")
    };
    assert!(
        crate::util::wait_until(DEADLINE, || reported(&d)),
        "the broken file was not reported\n{}",
        d.log()
    );
    assert_eq!(served_titles(&d), Ok(both.clone()));

    // Twice: each run saves the last good version in the parse cache for the next.
    for restart in 1..=2 {
        d.signal("TERM");
        assert!(d.wait_exit(DEADLINE).is_some(), "no exit on SIGTERM");
        d = site.start();
        assert_eq!(
            served_titles(&d),
            Ok(both.clone()),
            "restart {restart}: the last good version was lost\n{}",
            d.log()
        );
        // The log is read by another thread: give it a moment under load.
        assert!(
            crate::util::wait_until(DEADLINE, || reported(&d)),
            "restart {restart}: not reported\n{}",
            d.log()
        );
    }

    fs::write(site.art("a.md"), md("Alpha fixed", "third")).expect("write");
    let fixed: BTreeSet<String> = ["Alpha fixed", "Beta"].map(String::from).into();
    wait_for_titles(&d, &fixed, "after the fix");
}

/// The parse cache's modification time, once it exists.
fn cache_mtime(site: &Site) -> Option<std::time::SystemTime> {
    fs::metadata(site.path("out/.feedpub-cache"))
        .and_then(|m| m.modified())
        .ok()
}

#[test]
fn a_last_good_version_survives_a_crash_right_after_its_file_broke() {
    let site = Site::new("[site]\nbase_url = \"https://news.example\"\n");
    fs::write(site.art("a.md"), md("Alpha", "first")).expect("write");
    fs::write(site.art("b.md"), md("Beta", "second")).expect("write");
    let both: BTreeSet<String> = ["Alpha", "Beta"].map(String::from).into();
    let mut d = site.start();
    wait_for_titles(&d, &both, "first start");
    assert!(
        crate::util::wait_until(DEADLINE, || cache_mtime(&site).is_some()),
        "no parse cache after the first start\n{}",
        d.log()
    );
    let saved = cache_mtime(&site);
    // Filesystem timestamps have a coarse tick: let the next save show a later one.
    thread::sleep(Duration::from_millis(50));

    fs::write(site.art("a.md"), "---\ntitle: [unclosed\n---\nx\n").expect("write");
    assert!(
        crate::util::wait_until(DEADLINE, || cache_mtime(&site) > saved),
        "the parse cache was not saved when a file broke\n{}",
        d.log()
    );
    // A crash: no shutdown saves anything.
    d.signal("KILL");
    assert!(d.wait_exit(DEADLINE).is_some(), "no exit on SIGKILL");
    let d = site.start();
    assert_eq!(
        served_titles(&d),
        Ok(both),
        "the last good version was lost\n{}",
        d.log()
    );
}

#[test]
fn a_reload_that_changes_the_site_leaves_a_cache_the_next_start_uses() {
    let config = |title: &str| {
        format!("[feeds]\nlimit = 100000\n[site]\nbase_url = \"https://news.example\"\ntitle = \"{title}\"\n")
    };
    let site = Site::new("");
    site.write("feedpub.toml", &config("Old name"));
    fs::write(site.art("a.md"), md("Alpha", "first")).expect("write");
    fs::write(site.art("b.md"), md("Beta", "second")).expect("write");
    let both: BTreeSet<String> = ["Alpha", "Beta"].map(String::from).into();
    let mut d = site.start();
    wait_for_titles(&d, &both, "first start");
    fs::write(site.art("a.md"), "---\ntitle: [unclosed\n---\nx\n").expect("write");
    assert!(
        crate::util::wait_until(DEADLINE, || d.log().contains("YAML")),
        "the broken file was not reported\n{}",
        d.log()
    );

    site.write("feedpub.toml", &config("New name"));
    d.signal("HUP");
    assert!(
        crate::util::wait_until(DEADLINE, || {
            crate::util::http_get(d.addr, "/feed.json", &[])
                .is_ok_and(|r| r.text().contains("New name"))
        }),
        "the reload was not published\n{}",
        d.log()
    );
    d.signal("TERM");
    assert!(d.wait_exit(DEADLINE).is_some(), "no exit on SIGTERM");
    let d = site.start();
    assert_eq!(
        served_titles(&d),
        Ok(both),
        "the last good version was lost\n{}",
        d.log()
    );
    assert!(
        !d.log().contains("other settings"),
        "the cache saved after a reload was stale\n{}",
        d.log()
    );
}

#[test]
fn a_second_daemon_on_the_same_out_dir_is_refused() {
    let site = Site::new("");
    fs::write(site.art("a.md"), md("Alpha", "first")).expect("write");
    let first = site.start();
    let second = crate::util::run(site.serve("articles"));
    assert_eq!(second.code(), Some(1), "{}", second.output());
    assert!(
        second
            .output()
            .contains("another feedpub is serving this out dir"),
        "{}",
        second.output()
    );
    // The first one is not disturbed, and once it is gone the out dir is free again.
    first.wait_healthy();
    drop(first);
    site.start();
}

#[test]
fn last_modified_survives_restarts_and_never_goes_back_to_before_an_edit() {
    // Fixed base URL: the parse cache then serves the restarts (see the test above).
    let site = Site::new("[site]\nbase_url = \"https://news.example\"\n");
    let dated = |body: &str| format!("---\ntitle: Alpha\ndate: 2024-01-01\n---\n{body}\n");
    fs::write(site.art("a.md"), dated("first")).expect("write");
    let mut d = site.start();
    let feed = |d: &Daemon, headers: &[(&str, &str)]| {
        crate::util::http_get(d.addr, "/rss.xml", headers).expect("GET /rss.xml")
    };
    let first = feed(&d, &[]);
    let lm0 = first.header("last-modified").expect("LM").to_string();
    let etag0 = first.header("etag").expect("ETag").to_string();

    // The same date, another body: the feed changes and Last-Modified moves to now.
    fs::write(site.art("a.md"), dated("second")).expect("write");
    assert!(
        crate::util::wait_until(DEADLINE, || feed(&d, &[]).header("etag") != Some(&etag0)),
        "the edit was never served\n{}",
        d.log()
    );
    // A change is dated the end of its second (half a second of margin included); until then
    // the header is the current time.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let lm1 = feed(&d, &[])
        .header("last-modified")
        .expect("LM")
        .to_string();
    assert_ne!(lm0, lm1);

    for restart in 1..=2 {
        d.signal("TERM");
        assert!(d.wait_exit(DEADLINE).is_some(), "no exit on SIGTERM");
        d = site.start();
        let r = feed(&d, &[]);
        assert_eq!(
            r.header("last-modified"),
            Some(lm1.as_str()),
            "restart {restart}: Last-Modified moved\n{}",
            d.log()
        );
        // A reader that last fetched before the edit must get the edit.
        let r = feed(&d, &[("If-Modified-Since", &lm0)]);
        assert_eq!(r.status, 200, "restart {restart}: 304 hides the edit");
    }
}
