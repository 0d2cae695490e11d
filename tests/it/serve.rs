//! `feedpub serve`, through the real binary: file changes (as editors make them) reach every feed
//! and page, the HTTP surface, signals, and the out dir.
//!
//! Every test starts its own daemon on `127.0.0.1:0` in its own scratch directory (so the
//! repository's `config/feedpub.toml` is never picked up) and polls with a deadline: a deadline
//! only decides how long to wait for a failure, never whether a test passes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::util::{
    assert_well_formed_xml, entry_titles, parse_feed, parse_json, tree, wait_until, Conn, Daemon,
    Response, TestDir,
};

/// How long a change may take to show up (debounce is 20 ms; this only bounds a failure).
const DEADLINE: Duration = Duration::from_secs(10);

/// A Markdown article with YAML front matter, dated in the past, tagged `news`.
fn md(title: &str) -> String {
    format!("---\ntitle: {title}\ndate: 2024-03-01T08:00:00+08:00\ntags: [news]\n---\n\nBody of {title}.\n")
}

/// What the feeds publish: title → article URL path (e.g. `/articles/alpha/`).
type State = BTreeMap<String, String>;

/// One daemon over `<tmp>/articles`, writing to `<tmp>/out`, started with cwd `<tmp>`.
struct Fx {
    dir: TestDir,
    d: Daemon,
}

impl Fx {
    /// Write `files` (relative to the articles dir), start the daemon and wait for `/healthz`.
    fn start(files: &[(&str, &str)]) -> Fx {
        Fx::start_with(files, None)
    }

    fn start_with(files: &[(&str, &str)], config: Option<&str>) -> Fx {
        Fx::start_in(TestDir::new(), files, config)
    }

    fn start_in(dir: TestDir, files: &[(&str, &str)], config: Option<&str>) -> Fx {
        fs::create_dir_all(dir.path("articles")).expect("create articles dir");
        for (rel, text) in files {
            dir.write(&format!("articles/{rel}"), text);
        }
        // Relative, as in the shipped config: the daemon runs in `dir`.
        let mut args = vec!["--articles", "articles", "--out", "out"];
        let config_path = config.map(|text| dir.write("feedpub.toml", text));
        let config_arg = config_path.map(|p| p.display().to_string());
        if let Some(c) = &config_arg {
            args.extend(["--config", c.as_str()]);
        }
        let d = Daemon::start(dir.root(), &args);
        d.wait_healthy();
        Fx { dir, d }
    }

    /// Absolute path of `rel` in the articles dir.
    fn art(&self, rel: &str) -> PathBuf {
        self.dir.path(&format!("articles/{rel}"))
    }

    fn write(&self, rel: &str, text: &str) {
        self.dir.write(&format!("articles/{rel}"), text);
    }

    /// The site feeds' state, each feed checked by independent parsers. `Err` when a feed is
    /// missing or the three disagree (they may straddle a publish); a feed that does not parse
    /// fails the test at once.
    fn state(&self) -> Result<State, String> {
        feed_state(&self.d, "/")
    }

    /// Wait until the feeds list exactly `want` (`(slug, title)`), then check every article
    /// page. Panics with the last state and the daemon's stderr on timeout.
    #[track_caller]
    fn wait_for(&self, want: &[(&str, &str)]) -> State {
        let want: State = want
            .iter()
            .map(|(slug, title)| (title.to_string(), article_path(slug)))
            .collect();
        let mut last = Err("never fetched".to_string());
        let ok = wait_until(DEADLINE, || {
            last = self.state();
            last.as_ref() == Ok(&want)
        });
        assert!(
            ok,
            "feeds never showed {want:?}; last: {last:?}\n--- stderr:\n{}",
            self.d.log()
        );
        for (title, path) in &want {
            let r = self.d.get(path, &[]);
            assert_eq!(r.status, 200, "GET {path}");
            assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
            assert!(r.text().contains(title.as_str()), "{path} lacks {title:?}");
        }
        want
    }

    /// An article page that must be gone.
    #[track_caller]
    fn assert_gone(&self, slug: &str) {
        let path = article_path(slug);
        assert_eq!(self.d.get(&path, &[]).status, 404, "{path} is still served");
    }
}

/// `/articles/{percent-encoded slug}/`.
fn article_path(slug: &str) -> String {
    format!("/articles/{}/", utf8_percent_encode(slug, NON_ALPHANUMERIC))
}

/// The path part of an absolute URL.
fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/')
        .map_or("/".to_string(), |i| rest[i..].to_string())
}

/// Fetch and check `{prefix}rss.xml`, `atom.xml` and `feed.json`.
fn feed_state(d: &Daemon, prefix: &str) -> Result<State, String> {
    let fetch = |name: &str| -> Result<Vec<u8>, String> {
        let path = format!("{prefix}{name}");
        let r = d.get(&path, &[]);
        match r.status {
            200 => Ok(r.body),
            s => Err(format!("GET {path}: {s}")),
        }
    };
    let (rss, atom, json) = (fetch("rss.xml")?, fetch("atom.xml")?, fetch("feed.json")?);
    assert_eq!(assert_well_formed_xml("rss.xml", &rss), "rss");
    assert_eq!(assert_well_formed_xml("atom.xml", &atom), "feed");
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let rss_titles = sorted(entry_titles(&parse_feed("rss.xml", &rss)));
    let atom_titles = sorted(entry_titles(&parse_feed("atom.xml", &atom)));
    let json_rs_titles = sorted(entry_titles(&parse_feed("feed.json", &json)));
    let value = parse_json("feed.json", &json);
    let items = value["items"]
        .as_array()
        .unwrap_or_else(|| panic!("feed.json has no items: {value}"));
    let state: State = items
        .iter()
        .map(|i| {
            let title = i["title"].as_str().unwrap_or_default().to_string();
            (title, url_path(i["url"].as_str().unwrap_or_default()))
        })
        .collect();
    let json_titles: Vec<String> = state.keys().cloned().collect();
    if rss_titles != json_titles || atom_titles != json_titles || json_rs_titles != json_titles {
        return Err(format!(
            "feeds disagree: rss {rss_titles:?}, atom {atom_titles:?}, json {json_titles:?}"
        ));
    }
    Ok(state)
}

// ---------------------------------------------------------------------------------------------
// Changes reach every feed and page.

#[test]
fn create_edit_and_delete_reach_every_feed_and_page() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    fx.write("beta.md", &md("Beta"));
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta")]);
    assert_eq!(
        feed_state(&fx.d, "/tags/news/").map(|s| s.len()),
        Ok(2),
        "the tag feed lists both"
    );
    fx.write("beta.md", &md("Beta two"));
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta two")]);
    // Retagged: it leaves one tag feed and joins another.
    fx.write(
        "beta.md",
        &md("Beta three").replace("tags: [news]", "tags: [sports]"),
    );
    let ok = wait_until(DEADLINE, || {
        feed_state(&fx.d, "/tags/sports/").is_ok_and(|s| s.contains_key("Beta three"))
            && feed_state(&fx.d, "/tags/news/").is_ok_and(|s| s.len() == 1)
    });
    assert!(ok, "the tag feeds never followed the retag\n{}", fx.d.log());
    // The tag pages follow too, and a tag's path without its slash redirects to its page.
    let page = |path: &str| {
        let r = fx.d.get(path, &[]);
        assert_eq!(r.status, 200, "GET {path}");
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
        String::from_utf8_lossy(&r.body).into_owned()
    };
    let sports = page("/tags/sports/");
    assert!(
        sports.contains("<a href=\"../../articles/beta/\">Beta three</a>"),
        "{sports}"
    );
    let news = page("/tags/news/");
    assert!(news.contains("Alpha") && !news.contains("Beta"), "{news}");
    let moved = fx.d.get("/tags/news", &[]);
    assert_eq!(
        (moved.status, moved.header("location")),
        (301, Some("/tags/news/"))
    );
    fs::remove_file(fx.art("beta.md")).expect("delete");
    fx.wait_for(&[("alpha", "Alpha")]);
    fx.assert_gone("beta");
    let tag = feed_state(&fx.d, "/tags/news/").expect("tag feed");
    assert_eq!(
        tag.keys().collect::<Vec<_>>(),
        ["Alpha"],
        "tag feed after delete"
    );
    for path in ["/tags/sports/rss.xml", "/tags/sports/"] {
        assert_eq!(fx.d.get(path, &[]).status, 404, "empty tag: {path}");
    }
}

#[test]
fn a_burst_of_saves_ends_with_the_last_version() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    // Longer than watch.max_delay_ms, so batches are cut mid-burst.
    for i in 0..40 {
        fx.write("alpha.md", &md(&format!("Alpha {i}")));
        fx.write(&format!("n{}.md", i % 4), &md(&format!("N{} {i}", i % 4)));
        thread::sleep(Duration::from_millis(10));
    }
    fx.wait_for(&[
        ("alpha", "Alpha 39"),
        ("n0", "N0 36"),
        ("n1", "N1 37"),
        ("n2", "N2 38"),
        ("n3", "N3 39"),
    ]);
}

#[test]
fn rename_inside_the_tree_moves_the_article() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    fs::rename(fx.art("alpha.md"), fx.art("omega.md")).expect("rename");
    fx.wait_for(&[("omega", "Alpha")]);
    fx.assert_gone("alpha");
}

#[test]
fn vim_backupcopy_no_renames_the_original_away_and_writes_anew() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha")), ("beta.md", &md("Beta"))]);
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta")]);
    // `:set backupcopy=no`: the original becomes the backup, a new file takes its name.
    fs::rename(fx.art("alpha.md"), fx.art("alpha.md~")).expect("rename to backup");
    fx.write("alpha.md", &md("Alpha two"));
    fs::remove_file(fx.art("alpha.md~")).expect("remove backup");
    fx.wait_for(&[("alpha", "Alpha two"), ("beta", "Beta")]);
}

#[test]
fn vim_4913_probe_and_tilde_backup_are_ignored() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    // vim probes that the directory is writable, keeps a `~` backup, then writes in place.
    fx.write("4913", "");
    fs::remove_file(fx.art("4913")).expect("remove probe");
    fs::copy(fx.art("alpha.md"), fx.art("alpha.md~")).expect("backup");
    fx.write("alpha.md", &md("Alpha two"));
    fx.wait_for(&[("alpha", "Alpha two")]);
    // The backup stays on disk and is never an article, not even after a rescan-worthy burst.
    fx.write("beta.md", &md("Beta"));
    fx.wait_for(&[("alpha", "Alpha two"), ("beta", "Beta")]);
}

#[test]
fn vscode_save_writes_a_temp_file_and_renames_it_over() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    fx.write("alpha.md.vsctmp", &md("Alpha two"));
    fs::rename(fx.art("alpha.md.vsctmp"), fx.art("alpha.md")).expect("rename over");
    fx.wait_for(&[("alpha", "Alpha two")]);
}

#[test]
fn jetbrains_safe_write_with_jb_tmp_and_jb_old() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    fx.write("alpha.md___jb_tmp___", &md("Alpha two"));
    fs::rename(fx.art("alpha.md"), fx.art("alpha.md___jb_old___")).expect("old aside");
    fs::rename(fx.art("alpha.md___jb_tmp___"), fx.art("alpha.md")).expect("tmp in place");
    fs::remove_file(fx.art("alpha.md___jb_old___")).expect("remove old");
    fx.wait_for(&[("alpha", "Alpha two")]);
}

#[test]
fn truncate_and_write_in_place() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(fx.art("alpha.md"))
        .expect("open for truncate");
    let text = md("Alpha two");
    let (head, tail) = text.split_at(10);
    f.write_all(head.as_bytes()).expect("write head");
    f.flush().expect("flush");
    f.write_all(tail.as_bytes()).expect("write tail");
    drop(f);
    fx.wait_for(&[("alpha", "Alpha two")]);
}

#[test]
fn poll_mode_sees_same_size_saves_within_one_second_and_stays_quiet_when_idle() {
    let fx = Fx::start_with(
        &[("alpha.md", &md("Alpha 1"))],
        Some("[watch]\npoll_interval_ms = 50\n"),
    );
    fx.wait_for(&[("alpha", "Alpha 1")]);
    // Same length, well within one second of each other: whole-second mtimes cannot tell
    // these apart (notify's PollWatcher missed them).
    for i in 2..=5 {
        let title = format!("Alpha {i}");
        fx.write("alpha.md", &md(&title));
        fx.wait_for(&[("alpha", &title)]);
    }
    fx.write("beta.md", &md("Beta"));
    fx.wait_for(&[("alpha", "Alpha 5"), ("beta", "Beta")]);
    fs::remove_file(fx.art("alpha.md")).expect("remove");
    fx.wait_for(&[("beta", "Beta")]);
    fx.assert_gone("alpha");
    // Idle: the rescans every 50 ms find nothing and publish nothing.
    let rebuilds = crate::faults::metric(&fx.d, "feedpub_rebuilds_total");
    thread::sleep(Duration::from_millis(600));
    assert_eq!(
        crate::faults::metric(&fx.d, "feedpub_rebuilds_total"),
        rebuilds,
        "an idle poll published a new snapshot"
    );
}

#[test]
fn emacs_lock_and_autosave_files_are_ignored() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    // Emacs: a dangling `.#file` lock symlink and a `#file#` autosave while editing...
    std::os::unix::fs::symlink("user@host.1234:1700000000", fx.art(".#alpha.md"))
        .expect("lock symlink");
    fx.write("#alpha.md#", &md("Autosave"));
    // ...a barrier: once Beta shows, the autosave was seen too, and must not be published.
    fx.write("beta.md", &md("Beta"));
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta")]);
    // Saving: backup by renaming, write anew, drop the autosave and the lock.
    fs::rename(fx.art("alpha.md"), fx.art("alpha.md~")).expect("backup");
    fx.write("alpha.md", &md("Alpha two"));
    fs::remove_file(fx.art("#alpha.md#")).expect("remove autosave");
    fs::remove_file(fx.art(".#alpha.md")).expect("remove lock");
    fx.wait_for(&[("alpha", "Alpha two"), ("beta", "Beta")]);
}

#[test]
fn a_symlink_loop_or_directory_alias_publishes_nothing_twice() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha")), ("sub/beta.md", &md("Beta"))]);
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta")]);
    std::os::unix::fs::symlink(".", fx.art("loop")).expect("loop symlink");
    std::os::unix::fs::symlink("sub", fx.art("alias")).expect("dir symlink");
    // A barrier: once Gamma shows, the symlinks' events were handled too.
    fx.write("gamma.md", &md("Gamma"));
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta"), ("gamma", "Gamma")]);
    let feed = parse_json("feed.json", &fx.d.get("/feed.json", &[]).body);
    let urls: Vec<&str> = feed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["url"].as_str())
        .collect();
    assert_eq!(urls.len(), 3, "an article published twice: {urls:?}");
}

#[test]
fn directory_symlinks_present_at_start_are_not_watched_through() {
    // inotify gives one watch per directory, so a watch through `alias` took over `sub`'s:
    // an edit of `sub/beta.md` was reported as `alias/beta.md` and published twice. And a
    // watch through `ext` published an edit made outside the tree.
    let dir = TestDir::new();
    dir.write("outside/secret.md", md("Secret"));
    fs::create_dir_all(dir.path("articles")).expect("mkdir");
    std::os::unix::fs::symlink("sub", dir.path("articles/alias")).expect("dir symlink");
    dir.write("articles/sub/beta.md", md("Beta"));
    std::os::unix::fs::symlink("sub", dir.path("articles/zalias")).expect("dir symlink");
    std::os::unix::fs::symlink(dir.path("outside"), dir.path("articles/ext"))
        .expect("symlink out of the tree");
    let fx = Fx::start_in(dir, &[("alpha.md", &md("Alpha"))], None);
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta")]);
    fx.dir.write("outside/secret.md", md("Secret two"));
    fx.write("sub/beta.md", &md("Beta two"));
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta two")]);
    // A barrier: once Gamma shows, the edit outside was seen too, if it ever is.
    fx.write("gamma.md", &md("Gamma"));
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta two"), ("gamma", "Gamma")]);
}

#[test]
fn a_directory_turned_into_a_symlink_out_of_the_tree_leaks_nothing() {
    // The events name `sub/secret.md`; by the time it is read, `sub` leads outside.
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.dir.write("outside/secret.md", md("Secret outside"));
    // At the pace of a shell script, so that the daemon watches `sub` by the time it goes.
    for pause in [1, 3, 10] {
        let sub = format!("sub{pause}");
        fs::create_dir(fx.art(&sub)).expect("mkdir");
        thread::sleep(Duration::from_millis(pause));
        fx.write(&format!("{sub}/secret.md"), "x\n");
        thread::sleep(Duration::from_millis(pause));
        fs::remove_dir_all(fx.art(&sub)).expect("rm -rf");
        std::os::unix::fs::symlink(fx.dir.path("outside"), fx.art(&sub)).expect("symlink");
    }
    // A barrier: once Gamma shows, the events of `sub` were handled.
    fx.write("gamma.md", &md("Gamma"));
    fx.wait_for(&[("alpha", "Alpha"), ("gamma", "Gamma")]);
    let out = tree(&fx.dir.path("out"));
    let leaked: Vec<&String> = out
        .iter()
        .filter(|(_, bytes)| String::from_utf8_lossy(bytes).contains("Secret outside"))
        .map(|(name, _)| name)
        .collect();
    assert!(leaked.is_empty(), "published from outside: {leaked:?}");
}

#[test]
fn an_article_reached_through_a_symlink_follows_its_target() {
    // Editing a link's target, or creating a dangling link's target, sends no event for the
    // link itself; the daemon must still publish the new text. The targets are dot-files,
    // never articles themselves: only the links publish them.
    let fx = Fx::start(&[("alpha.md", &md("Alpha")), (".source", &md("Linked"))]);
    std::os::unix::fs::symlink(".source", fx.art("link.md")).expect("symlink");
    std::os::unix::fs::symlink(".late-target", fx.art("late.md")).expect("dangling symlink");
    fx.wait_for(&[("alpha", "Alpha"), ("link", "Linked")]);
    fx.write(".source", &md("Linked two"));
    fx.wait_for(&[("alpha", "Alpha"), ("link", "Linked two")]);
    fx.write(".late-target", &md("Late"));
    fx.wait_for(&[("alpha", "Alpha"), ("link", "Linked two"), ("late", "Late")]);
    fs::remove_file(fx.art(".late-target")).expect("remove target");
    fx.wait_for(&[("alpha", "Alpha"), ("link", "Linked two")]);
}

#[test]
fn rename_out_of_the_tree_is_a_delete() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha")), ("beta.md", &md("Beta"))]);
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta")]);
    fs::rename(fx.art("beta.md"), fx.dir.path("beta.md")).expect("move out");
    fx.wait_for(&[("alpha", "Alpha")]);
    fx.assert_gone("beta");
}

#[test]
fn move_into_the_tree_is_a_create() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    let outside = fx.dir.write("incoming/gamma.md", md("Gamma"));
    fs::rename(&outside, fx.art("gamma.md")).expect("move a file in");
    fx.wait_for(&[("alpha", "Alpha"), ("gamma", "Gamma")]);
    // A whole directory moved in brings its articles.
    fx.dir.write("incoming/batch/delta.md", md("Delta"));
    fs::rename(fx.dir.path("incoming/batch"), fx.art("batch")).expect("move a dir in");
    fx.wait_for(&[("alpha", "Alpha"), ("gamma", "Gamma"), ("delta", "Delta")]);
}

#[test]
fn new_subdirectory_with_files_written_at_once() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    fs::create_dir_all(fx.art("a/b/c")).expect("mkdir -p");
    fs::write(fx.art("a/b/c/deep.md"), md("Deep")).expect("write deep");
    fs::write(fx.art("a/b/mid.md"), md("Mid")).expect("write mid");
    fs::write(fx.art("a/top.md"), md("Top")).expect("write top");
    fx.wait_for(&[
        ("alpha", "Alpha"),
        ("deep", "Deep"),
        ("mid", "Mid"),
        ("top", "Top"),
    ]);
    // The new directories are watched: later writes in them arrive too.
    fs::write(fx.art("a/b/c/later.md"), md("Later")).expect("write later");
    fx.wait_for(&[
        ("alpha", "Alpha"),
        ("deep", "Deep"),
        ("mid", "Mid"),
        ("top", "Top"),
        ("later", "Later"),
    ]);
}

#[test]
fn renaming_a_subdirectory_keeps_watching_it() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha")), ("old/beta.md", &md("Beta"))]);
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta")]);
    fs::rename(fx.art("old"), fx.art("new")).expect("rename dir");
    fx.write("new/beta.md", &md("Beta two"));
    fx.write("new/gamma.md", &md("Gamma"));
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta two"), ("gamma", "Gamma")]);
    // A directory moved out of the tree takes its articles with it.
    fs::rename(fx.art("new"), fx.dir.path("gone")).expect("move dir out");
    fx.wait_for(&[("alpha", "Alpha")]);
    fs::write(fx.dir.path("gone/delta.md"), md("Delta")).expect("write outside");
    fx.write("epsilon.md", &md("Epsilon"));
    fx.wait_for(&[("alpha", "Alpha"), ("epsilon", "Epsilon")]);
}

#[test]
fn removing_a_subdirectory_drops_its_articles() {
    let fx = Fx::start(&[
        ("alpha.md", &md("Alpha")),
        ("sub/beta.md", &md("Beta")),
        ("sub/deeper/gamma.md", &md("Gamma")),
    ]);
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta"), ("gamma", "Gamma")]);
    fs::remove_dir_all(fx.art("sub")).expect("rm -r");
    fx.wait_for(&[("alpha", "Alpha")]);
    fx.assert_gone("beta");
    fx.assert_gone("gamma");
}

#[test]
fn a_broken_save_keeps_the_last_good_version_and_is_logged() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    fx.write(
        "alpha.md",
        "---\ntitle: Alpha broken\ndate: 2024-03-01\n\nThe front matter never closes.\n",
    );
    let logged = fx.d.wait_log_line(DEADLINE, |l| l.contains("alpha.md"));
    assert!(logged, "no log line names alpha.md:\n{}", fx.d.log());
    fx.wait_for(&[("alpha", "Alpha")]);
    // Fixed again: the new version replaces the old.
    fx.write("alpha.md", &md("Alpha fixed"));
    fx.wait_for(&[("alpha", "Alpha fixed")]);
}

#[test]
fn a_broken_save_by_rename_keeps_the_last_good_version() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    fx.write(
        "alpha.md___jb_tmp___",
        "---\ntitle: [unclosed\n---\n\nBad YAML.\n",
    );
    fs::rename(fx.art("alpha.md___jb_tmp___"), fx.art("alpha.md")).expect("rename over");
    let logged =
        fx.d.wait_log_line(DEADLINE, |l| l.contains("alpha.md") && !l.contains("___jb"));
    assert!(logged, "no log line names alpha.md:\n{}", fx.d.log());
    fx.wait_for(&[("alpha", "Alpha")]);
}

#[test]
fn a_future_dated_article_appears_when_due_without_a_file_event() {
    use chrono::{DurationRound, FixedOffset, TimeDelta, Utc};
    let due = Utc::now()
        .duration_trunc(TimeDelta::seconds(1))
        .expect("truncate")
        + TimeDelta::seconds(4);
    let east8 = FixedOffset::east_opt(8 * 3600).expect("offset");
    let stamp = due.with_timezone(&east8).format("%Y-%m-%dT%H:%M:%S%:z");
    let article = |title: &str| format!("---\ntitle: {title}\ndate: {stamp}\n---\n\nNot yet.\n");
    // One is there at start-up, one is written while running; neither gets another event.
    let fx = Fx::start(&[("alpha.md", &md("Alpha")), ("soon.md", &article("Soon"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    fx.write("later.md", &article("Later"));
    // Until their time they are not published (checked up to shortly before they are due).
    let early = due - TimeDelta::milliseconds(500);
    while Utc::now() < early {
        if let Ok(state) = fx.state() {
            assert_eq!(state.len(), 1, "published before {stamp}: {state:?}");
        }
        thread::sleep(Duration::from_millis(100));
    }
    fx.wait_for(&[("alpha", "Alpha"), ("soon", "Soon"), ("later", "Later")]);
    assert!(Utc::now() >= due, "published before {stamp}");
}

/// Hugo's `expiryDate`: the running daemon takes the article down on time, page included,
/// with no file event; a Jekyll draft (`published: false`) is never out.
#[test]
fn an_expiring_article_is_taken_down_when_it_expires() {
    use chrono::{DurationRound, TimeDelta, Utc};
    let at = Utc::now()
        .duration_trunc(TimeDelta::seconds(1))
        .expect("truncate")
        + TimeDelta::seconds(8);
    let stamp = at.format("%Y-%m-%dT%H:%M:%SZ");
    let expiring = format!("---\ntitle: Flash sale\nexpiryDate: {stamp}\n---\n\nToday only.\n");
    let draft = "---\ntitle: Secret\npublished: false\n---\n\nNot yet.\n";
    let fx = Fx::start(&[
        ("alpha.md", &md("Alpha")),
        ("sale.md", &expiring),
        ("secret.md", draft),
    ]);
    fx.wait_for(&[("alpha", "Alpha"), ("sale", "Flash sale")]);
    assert_eq!(fx.d.get("/articles/sale/", &[]).status, 200);
    fx.wait_for(&[("alpha", "Alpha")]);
    assert!(Utc::now() >= at, "taken down before {stamp}");
    assert_eq!(fx.d.get("/articles/sale/", &[]).status, 404);
    assert_eq!(fx.d.get("/articles/secret/", &[]).status, 404);
}

#[test]
fn a_chinese_text_file_name_gives_a_unicode_slug() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    fx.write("2026-01-02-新闻.txt", "本地新闻标题\n\n正文第一段。\n");
    fx.wait_for(&[("alpha", "Alpha"), ("新闻", "本地新闻标题")]);
    let r = fx.d.get("/articles/%E6%96%B0%E9%97%BB/", &[]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("本地新闻标题"));
    let r = fx.d.get("/articles/%E6%96%B0%E9%97%BB", &[]);
    assert!(matches!(r.status, 301 | 308), "status {}", r.status);
    assert_eq!(r.header("location"), Some("/articles/%E6%96%B0%E9%97%BB/"));
}

#[test]
fn the_out_dir_follows_the_changes() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    fx.write("beta.md", &md("Beta"));
    let on_disk = |name: &str| fs::read(fx.dir.path(&format!("out/{name}"))).ok();
    let mut last = Vec::new();
    let ok = wait_until(DEADLINE, || {
        let Some(bytes) = on_disk("rss.xml") else {
            return false;
        };
        last = entry_titles(&parse_feed("out/rss.xml", &bytes));
        last.contains(&"Beta".to_string())
    });
    assert!(ok, "out/rss.xml never listed Beta; last {last:?}");
    let ok = wait_until(DEADLINE, || {
        on_disk("articles/beta/index.html").is_some() && on_disk("feed.json").is_some()
    });
    assert!(ok, "out/articles/beta/index.html never written");
    let json = parse_json("out/feed.json", &on_disk("feed.json").unwrap_or_default());
    assert_eq!(json["items"].as_array().map(Vec::len), Some(2));
    // A delete reaches the disk too.
    fs::remove_file(fx.art("beta.md")).expect("delete");
    let ok = wait_until(DEADLINE, || {
        on_disk("articles/beta/index.html").is_none()
            && on_disk("rss.xml").is_some_and(|b| {
                entry_titles(&parse_feed("out/rss.xml", &b)) == ["Alpha".to_string()]
            })
    });
    assert!(ok, "the delete never reached the out dir");
}

// ---------------------------------------------------------------------------------------------
// HTTP.

/// Headers that legitimately differ between two responses (`Connection: close` is echoed to
/// the one-shot GET only).
fn comparable(r: &Response) -> Vec<(String, String)> {
    r.headers
        .iter()
        .filter(|(n, _)| n != "date" && n != "connection")
        .cloned()
        .collect()
}

#[test]
fn routes_answer_with_the_right_status_and_type_and_head_matches_get() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    let cases: &[(&str, u16, &str)] = &[
        ("/", 200, "text/html; charset=utf-8"),
        ("/rss.xml", 200, "application/rss+xml; charset=utf-8"),
        ("/atom.xml", 200, "application/atom+xml; charset=utf-8"),
        ("/feed.json", 200, "application/feed+json; charset=utf-8"),
        (
            "/tags/news/rss.xml",
            200,
            "application/rss+xml; charset=utf-8",
        ),
        ("/articles/alpha/", 200, "text/html; charset=utf-8"),
        ("/healthz", 200, "text/plain; charset=utf-8"),
        ("/metrics", 200, "text/plain; version=0.0.4; charset=utf-8"),
        ("/articles/alpha", 301, "text/html; charset=utf-8"),
        ("/no/such/thing", 404, "text/html; charset=utf-8"),
    ];
    for &(path, status, ctype) in cases {
        let get = fx.d.get(path, &[]);
        assert_eq!(get.status, status, "GET {path}");
        assert_eq!(get.header("content-type"), Some(ctype), "GET {path}");
        if status == 200 && path != "/healthz" && path != "/metrics" {
            assert_eq!(
                get.header("cache-control"),
                Some("public, max-age=60"),
                "GET {path}"
            );
        }
        // HEAD: the same headers, and no body (the next response on the connection parses).
        let mut conn = Conn::connect(fx.d.addr).expect("connect");
        let head = conn.request("HEAD", path, &[]).expect("HEAD");
        let next = conn
            .request("GET", "/healthz", &[])
            .expect("GET after HEAD");
        assert_eq!(
            (next.status, next.text().as_str()),
            (200, "ok\n"),
            "after HEAD {path}"
        );
        assert_eq!(head.status, status, "HEAD {path}");
        if path != "/metrics" {
            assert_eq!(comparable(&head), comparable(&get), "HEAD {path} headers");
        } else {
            assert_eq!(head.header("content-type"), get.header("content-type"));
        }
    }
    let r = fx.d.get("/articles/alpha", &[]);
    assert_eq!(r.header("location"), Some("/articles/alpha/"));
    let r = fx.d.get("/no/such/thing", &[]);
    assert!(
        r.text().to_ascii_lowercase().contains("<title>"),
        "404 body is HTML"
    );
    assert_eq!(fx.d.get("/articles/nope/", &[]).status, 404);
    assert_eq!(fx.d.get("/tags/nope/rss.xml", &[]).status, 404);
}

#[test]
fn metrics_are_prometheus_text() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    let r = fx.d.get("/metrics", &[]);
    assert_eq!(r.status, 200);
    let text = r.text();
    let mut samples = 0;
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix('#') {
            assert!(
                comment.starts_with(" HELP ") || comment.starts_with(" TYPE "),
                "{line}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let name = series.split('{').next().unwrap_or_default();
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
                && !name.starts_with(|c: char| c.is_ascii_digit()),
            "bad metric name in {line:?}"
        );
        assert!(
            series == name || (series.ends_with('}') && series.contains('{')),
            "bad labels in {line:?}"
        );
        assert!(
            value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value),
            "bad value in {line:?}"
        );
        samples += 1;
    }
    assert!(samples > 0, "no samples:\n{text}");
}

#[test]
fn other_methods_get_405_with_allow() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    for method in ["POST", "PUT", "DELETE"] {
        for path in ["/", "/rss.xml", "/articles/alpha/", "/nope"] {
            let r = fx.d.request(method, path, &[("Content-Length", "0")]);
            assert_eq!(r.status, 405, "{method} {path}");
            assert_eq!(r.header("allow"), Some("GET, HEAD"), "{method} {path}");
        }
    }
}

#[test]
fn traversal_attempts_get_404_and_never_file_contents() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    // Secrets next to (and above) the articles dir, where a traversal would land.
    fx.dir
        .write("Cargo.toml", "[package]\nname = \"SECRET-CARGO\"\n");
    fx.dir.write("secret.txt", "SECRET-TEXT");
    let paths = [
        "/../etc/passwd",
        "/../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/secret.txt",
        "/articles/..%2f..%2fCargo.toml",
        "/articles/..%2F..%2Fsecret.txt",
        "//etc/passwd",
        "/articles/%2e%2e/",
        "/articles/../../secret.txt",
        "/..%5c..%5cCargo.toml",
        "/articles/..%5c..%5csecret.txt",
        "/articles/alpha/..%2f..%2f..%2fsecret.txt",
        "/articles/alpha/../../secret.txt",
        "/secret.txt",
        "/Cargo.toml",
        "/articles/alpha.md",
        "/..\\..\\secret.txt",
        "/articles\\..\\..\\Cargo.toml",
        "/articles/alpha/..\\..\\secret.txt",
    ];
    for path in paths {
        let r = fx.d.get(path, &[]);
        assert_eq!(r.status, 404, "GET {path}");
        let body = r.text();
        assert!(
            !body.contains("SECRET") && !body.contains("root:") && !body.contains("Body of"),
            "GET {path} leaked:\n{body}"
        );
    }
}

#[test]
fn last_modified_is_never_later_than_the_date_header() {
    // An `updated` in the future (a typo, a wrong clock) must not become a Last-Modified in
    // the future (RFC 9110 §8.8.2.1), first render or not.
    let ahead =
        "---\ntitle: Ahead\ndate: 2024-03-01T08:00:00Z\nupdated: 2999-01-01T00:00:00Z\n---\n\nx\n";
    let fx = Fx::start(&[("ahead.md", ahead)]);
    fx.wait_for(&[("ahead", "Ahead")]);
    for path in [
        "/rss.xml",
        "/atom.xml",
        "/feed.json",
        "/",
        "/articles/ahead/",
    ] {
        let r = fx.d.get(path, &[]);
        let at = |name: &str| {
            let value = r
                .header(name)
                .unwrap_or_else(|| panic!("{path}: no {name}"));
            httpdate::parse_http_date(value).unwrap_or_else(|e| panic!("{path} {name}: {e}"))
        };
        assert!(
            at("last-modified") <= at("date"),
            "{path}: Last-Modified {:?} after Date {:?}",
            r.header("last-modified"),
            r.header("date")
        );
    }
}

#[test]
fn conditional_get_with_etag_and_last_modified() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    // Everything is dated the end of the second after the start (no earlier version is known;
    // half a second of margin included), and until then its header is the current time, which
    // no If-Modified-Since matches.
    thread::sleep(Duration::from_millis(2_100));
    for path in [
        "/rss.xml",
        "/atom.xml",
        "/feed.json",
        "/",
        "/articles/alpha/",
    ] {
        let r = fx.d.get(path, &[]);
        let etag = r.header("etag").expect("ETag").to_string();
        let lm = r
            .header("last-modified")
            .expect("Last-Modified")
            .to_string();
        let lm_time = httpdate::parse_http_date(&lm).expect("Last-Modified is an HTTP date");
        let date = |t: SystemTime| httpdate::fmt_http_date(t);
        // Later, but not later than the server's clock (such a date is not ours: ignored).
        let later = r.header("date").expect("Date").to_string();
        let earlier = date(lm_time - Duration::from_secs(60));
        let cases: &[(&str, &str, u16)] = &[
            ("If-None-Match", &etag, 304),
            ("If-None-Match", "\"something-else\"", 200),
            ("If-Modified-Since", &lm, 304),
            ("If-Modified-Since", &later, 304),
            ("If-Modified-Since", &earlier, 200),
        ];
        for &(name, value, want) in cases {
            let mut conn = Conn::connect(fx.d.addr).expect("connect");
            let r = conn.request("GET", path, &[(name, value)]).expect("GET");
            assert_eq!(r.status, want, "{path} with {name}: {value}");
            if want == 304 {
                assert_eq!(r.header("etag"), Some(etag.as_str()), "{path} 304 ETag");
                assert_eq!(
                    r.header("cache-control"),
                    Some("public, max-age=60"),
                    "{path} 304 Cache-Control"
                );
                assert_eq!(r.header("vary"), Some("Accept-Encoding"), "{path} 304 Vary");
                // No body: the next response on this connection parses.
                let next = conn.request("GET", "/healthz", &[]).expect("next");
                assert_eq!(next.text(), "ok\n", "{path}: a 304 carried a body");
            } else {
                assert!(!r.body.is_empty(), "{path}: empty 200");
            }
        }
    }
    // The ETag changes with the content, and the old one no longer matches.
    let before = fx.d.get("/rss.xml", &[]);
    let old = before.header("etag").expect("ETag").to_string();
    fx.write("alpha.md", &md("Alpha two"));
    fx.wait_for(&[("alpha", "Alpha two")]);
    let after = fx.d.get("/rss.xml", &[("If-None-Match", &old)]);
    assert_eq!(after.status, 200);
    assert_ne!(after.header("etag"), Some(old.as_str()));
}

#[test]
fn if_modified_since_never_hides_a_change() {
    // Last-Modified must move whenever the bytes change, or a client revalidating with
    // If-Modified-Since alone (no ETag) is told 304 and keeps a stale feed. Two changes that
    // leave the newest article date as it was: a backdated article, and an edit of the body.
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    let paths = [
        "/rss.xml",
        "/atom.xml",
        "/feed.json",
        "/",
        "/tags/news/rss.xml",
    ];
    let last_modified = |path: &str| {
        fx.d.get(path, &[])
            .header("last-modified")
            .expect("Last-Modified")
            .to_string()
    };
    let check = |seen: &[String], what: &str| {
        for (path, lm) in paths.iter().zip(seen) {
            let r = fx.d.get(path, &[("If-Modified-Since", lm)]);
            assert_eq!(
                r.status, 200,
                "{path} after {what}: 304 for If-Modified-Since {lm}, yet it changed"
            );
        }
    };
    let seen: Vec<String> = paths.iter().map(|p| last_modified(p)).collect();
    // Last-Modified has one-second resolution.
    thread::sleep(Duration::from_millis(1100));
    fx.write(
        "older.md",
        "---\ntitle: Older\ndate: 2023-01-01T08:00:00+08:00\ntags: [news]\n---\n\nBackdated.\n",
    );
    fx.wait_for(&[("alpha", "Alpha"), ("older", "Older")]);
    check(&seen, "a backdated article was added");

    let seen: Vec<String> = paths.iter().map(|p| last_modified(p)).collect();
    let page = last_modified("/articles/alpha/");
    thread::sleep(Duration::from_millis(1100));
    fx.write("alpha.md", &md("Alpha two"));
    fx.wait_for(&[("alpha", "Alpha two"), ("older", "Older")]);
    check(&seen, "an edit that kept the date");
    let r =
        fx.d.get("/articles/alpha/", &[("If-Modified-Since", &page)]);
    assert_eq!(r.status, 200, "/articles/alpha/ after an edit: 304");
}

#[test]
fn edits_within_one_second_never_leave_if_modified_since_a_304() {
    // HTTP dates have whole seconds. A reader that fetched one version sends its Last-Modified
    // back; an edit in that same second must still move it, or the reader keeps a stale feed.
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    // Others send the `Date` of their last response (or their clock) instead: an edit later in
    // that second must move it too.
    let mut stale = Vec::new();
    for n in 0..8 {
        let path = ["/rss.xml", "/articles/alpha/"][n % 2];
        let before = fx.d.get(path, &[]);
        let (etag, lm) = (before.header("etag"), before.header("last-modified"));
        let (etag, lm) = (etag.expect("ETag"), lm.expect("Last-Modified"));
        let date = before.header("date").expect("Date");
        fx.write("alpha.md", &md(&format!("Alpha {n}")));
        let changed = wait_until(DEADLINE, || {
            fx.d.get(path, &[]).header("etag") != Some(etag)
        });
        assert!(changed, "edit {n} never served\n{}", fx.d.log());
        for since in [lm, date] {
            let r = fx.d.get(path, &[("If-Modified-Since", since)]);
            if r.status != 200 {
                stale.push(format!(
                    "edit {n}: {path} {} for If-Modified-Since {since}",
                    r.status
                ));
            }
        }
        let r = fx.d.get(path, &[]);
        let date = httpdate::parse_http_date(r.header("date").expect("Date")).expect("a date");
        let now_lm = r.header("last-modified").expect("Last-Modified");
        let now_lm = httpdate::parse_http_date(now_lm).expect("a date");
        assert!(now_lm <= date, "Last-Modified later than Date");
        thread::sleep(Duration::from_millis(150));
    }
    assert!(stale.is_empty(), "stale 304s: {stale:#?}");
}

#[test]
fn an_edit_in_the_same_batch_as_a_removal_is_not_held() {
    // `git checkout` or `mv new.md old.md` edit and remove at once: the edit is published
    // then, not once removals stop (here they go on, one every 200 ms, for 3 s).
    let names: Vec<String> = (0..15).map(|i| format!("r{i:02}.md")).collect();
    let mut files: Vec<(&str, String)> = names.iter().map(|n| (n.as_str(), md(n))).collect();
    files.push(("keep.md", md("Keep")));
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let fx = Fx::start_with(&refs, None);
    assert!(
        wait_until(DEADLINE, || fx.state().is_ok_and(|s| s.len() == 16)),
        "never published all 16"
    );
    fs::remove_file(fx.art(&names[0])).expect("rm");
    fx.write("keep.md", &md("Keep two"));
    let mut seen_while_removing = false;
    for name in &names[1..] {
        thread::sleep(Duration::from_millis(200));
        seen_while_removing |= fx.state().is_ok_and(|s| s.contains_key("Keep two"));
        fs::remove_file(fx.art(name)).expect("rm");
    }
    assert!(
        seen_while_removing,
        "the edit waited for the removals\n{}",
        fx.d.log()
    );
    fx.wait_for(&[("keep", "Keep two")]);
}

#[test]
fn rm_rf_of_a_large_articles_dir_keeps_the_whole_last_build() {
    // `rm -rf` of a large directory takes longer than a batch: its first batches must not be
    // published, or the site left when the directory itself goes is a random part of it.
    let files: Vec<(String, String)> = (0..300)
        .map(|i| (format!("a{i:03}.md"), md(&format!("Article {i}"))))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let fx = Fx::start_with(&refs, Some("[feeds]\nlimit = 1000\n"));
    assert!(
        wait_until(DEADLINE, || fx.state().is_ok_and(|s| s.len() == 300)),
        "never published all 300\n{}",
        fx.d.log()
    );
    // As `rm -rf` goes, a file at a time (slowed down: this machine may be fast), then the
    // directory.
    for (name, _) in &files {
        fs::remove_file(fx.art(name)).expect("remove");
        thread::sleep(Duration::from_micros(1500));
    }
    fs::remove_dir(fx.dir.path("articles")).expect("rmdir");
    thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        fx.state().map(|s| s.len()),
        Ok(300),
        "served after rm -rf\n{}",
        fx.d.log()
    );
    let rss = fs::read_to_string(fx.dir.path("out/rss.xml")).expect("out/rss.xml");
    assert_eq!(rss.matches("<item>").count(), 300, "out dir after rm -rf");
    // Nor does a SIGHUP meanwhile publish what the store has left.
    fx.d.signal("HUP");
    thread::sleep(Duration::from_millis(1000));
    assert_eq!(fx.state().map(|s| s.len()), Ok(300), "after a SIGHUP");
    // The copy that brings the directory back is published once it settles, not as it goes.
    fs::create_dir(fx.dir.path("articles")).expect("mkdir");
    let mut seen = BTreeSet::new();
    for i in 0..200 {
        fx.write(&format!("n{i:03}.md"), &md(&format!("New {i}")));
        thread::sleep(Duration::from_micros(2500));
        if i % 20 == 0 {
            if let Ok(state) = fx.state() {
                seen.insert(state.len());
            }
        }
    }
    assert!(
        wait_until(DEADLINE, || fx.state().is_ok_and(|s| s.len() == 200)),
        "the new directory was never published\n{}",
        fx.d.log()
    );
    assert!(
        seen.iter().all(|&n| n == 300 || n == 200),
        "published part way: {seen:?}"
    );
}

#[test]
fn a_small_directory_removed_at_once_then_copied_back_slowly_is_published_whole() {
    // `rm -rf` of a few files lands in one batch; the copy that brings the directory back
    // pauses between files (large images between them): still published once it settles.
    let fx = Fx::start(&[("a.md", &md("A")), ("b.md", &md("B")), ("c.md", &md("C"))]);
    fx.wait_for(&[("a", "A"), ("b", "B"), ("c", "C")]);
    fs::remove_dir_all(fx.dir.path("articles")).expect("rm -rf");
    thread::sleep(Duration::from_millis(1500));
    fs::create_dir(fx.dir.path("articles")).expect("mkdir");
    let mut seen = BTreeSet::new();
    for name in ["x", "y", "z"] {
        fx.write(&format!("{name}.md"), &md(&name.to_uppercase()));
        thread::sleep(Duration::from_millis(300));
        fs::write(fx.art(&format!("{name}.jpg")), vec![0u8; 1 << 16]).expect("image");
        thread::sleep(Duration::from_millis(300));
        if let Ok(state) = fx.state() {
            seen.insert(state.len());
        }
    }
    fx.wait_for(&[("x", "X"), ("y", "Y"), ("z", "Z")]);
    assert_eq!(
        seen,
        BTreeSet::from([3]),
        "published part way\n{}",
        fx.d.log()
    );
}

#[test]
fn rm_rf_then_cp_r_at_once_is_published_whole_or_not_at_all() {
    // `rm -rf articles && cp -r new articles`, back to back: neither the removal nor the copy
    // is published half done.
    let files: Vec<(String, String)> = (0..300)
        .map(|i| (format!("a{i:03}.md"), md(&format!("Article {i}"))))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let fx = Fx::start_with(&refs, Some("[feeds]\nlimit = 1000\n"));
    assert!(wait_until(DEADLINE, || fx
        .state()
        .is_ok_and(|s| s.len() == 300)));
    let counts = std::sync::Arc::new(std::sync::Mutex::new(BTreeSet::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poller = {
        let (counts, stop, addr) = (counts.clone(), stop.clone(), fx.d.addr);
        thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(r) = crate::util::http_get(addr, "/feed.json", &[]) {
                    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&r.body) {
                        let n = v["items"].as_array().map_or(0, Vec::len);
                        counts.lock().expect("lock").insert(n);
                    }
                }
                thread::sleep(Duration::from_millis(20));
            }
        })
    };
    for (name, _) in &files {
        fs::remove_file(fx.art(name)).expect("remove");
        thread::sleep(Duration::from_micros(1500));
    }
    fs::remove_dir(fx.dir.path("articles")).expect("rmdir");
    fs::create_dir(fx.dir.path("articles")).expect("mkdir");
    for i in 0..200 {
        fx.write(&format!("n{i:03}.md"), &md(&format!("New {i}")));
        thread::sleep(Duration::from_micros(2500));
    }
    let done = wait_until(DEADLINE, || fx.state().is_ok_and(|s| s.len() == 200));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    poller.join().expect("poller");
    assert!(
        done,
        "the new directory was never published\n{}",
        fx.d.log()
    );
    let seen = counts.lock().expect("lock").clone();
    assert!(
        seen.iter().all(|&n| n == 300 || n == 200),
        "published part way: {seen:?}\n{}",
        fx.d.log()
    );
}

#[test]
fn a_mass_removal_is_published_even_while_another_file_keeps_changing() {
    let files: Vec<(String, String)> = (0..100)
        .map(|i| (format!("a{i:03}.md"), md(&format!("Article {i}"))))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let fx = Fx::start_with(&refs, Some("[feeds]\nlimit = 1000\n"));
    assert!(wait_until(DEADLINE, || fx
        .state()
        .is_ok_and(|s| s.len() == 100)));
    for (name, _) in &files[..30] {
        fs::remove_file(fx.art(name)).expect("remove");
    }
    let started = Instant::now();
    let mut n = 0;
    while !fx.state().is_ok_and(|s| s.len() == 70) {
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "the removal was held while a file kept changing\n{}",
            fx.d.log()
        );
        n += 1;
        fx.write("a099.md", &md(&format!("Article 99, take {n}")));
        thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn a_page_that_goes_and_comes_back_changed_is_not_a_304() {
    // A reader that fetched the page before it went sends that Last-Modified when it comes
    // back: the new version must not be "not modified".
    let fx = Fx::start(&[("alpha.md", &md("Alpha")), ("beta.md", &md("Beta"))]);
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta")]);
    let mut held = Vec::new();
    for path in ["/articles/beta/", "/tags/news/rss.xml"] {
        let r = fx.d.get(path, &[]);
        assert_eq!(r.status, 200, "{path}");
        held.push((
            path,
            r.header("last-modified")
                .expect("Last-Modified")
                .to_string(),
        ));
    }
    fs::rename(fx.art("beta.md"), fx.dir.path("beta.md")).expect("move out");
    fs::remove_file(fx.art("alpha.md")).expect("delete");
    fx.wait_for(&[]);
    // A second later, as a reader polling meanwhile would be.
    thread::sleep(Duration::from_millis(1_100));
    fs::write(fx.art("beta.md"), md("Beta, version two")).expect("write");
    fx.wait_for(&[("beta", "Beta, version two")]);
    for (path, since) in held {
        let r = fx.d.get(path, &[("If-Modified-Since", &since)]);
        assert_eq!(r.status, 200, "{path} with If-Modified-Since {since}");
    }
}

#[test]
fn a_file_still_being_written_is_published_once_its_writer_closes_it() {
    // A slow upload: a feed reader that fetched the first half would keep it (an item's content
    // rarely changes under the same id), so nothing is published until the writer closes.
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    let path = fx.dir.path("articles/upload.txt");
    let mut file = fs::File::create(&path).expect("create");
    file.write_all("城东菜市场改造完成\n\n第一段，".as_bytes())
        .expect("write");
    file.flush().expect("flush");
    thread::sleep(Duration::from_millis(500));
    // Nor when something makes the daemon walk the directory meanwhile: a SIGHUP, or the
    // directory's own times set (`rsync -a`, `touch`).
    fx.d.signal("HUP");
    thread::sleep(Duration::from_millis(500));
    fs::File::open(fx.dir.path("articles"))
        .and_then(|dir| dir.set_modified(SystemTime::now()))
        .expect("touch the articles dir");
    thread::sleep(Duration::from_millis(1000));
    assert_eq!(
        fx.state(),
        Ok(State::from([("Alpha".to_string(), article_path("alpha"))])),
        "published while its writer was still writing"
    );
    file.write_all("写完了。\n".as_bytes()).expect("write");
    drop(file);
    fx.wait_for(&[("alpha", "Alpha"), ("upload", "城东菜市场改造完成")]);
    let page = fx.d.get(&article_path("upload"), &[]).text();
    assert!(page.contains("第一段，写完了。"), "{page}");
}

#[test]
fn if_modified_since_from_the_readers_clock_sees_a_new_article_dated_earlier() {
    // Some readers send their own clock (or our `Date`) as If-Modified-Since. A new article is
    // usually dated earlier than the moment it is published (`date: 2026-12-02` is midnight):
    // Last-Modified must still move past every time a reader could have polled before it.
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    let paths = [
        "/rss.xml",
        "/atom.xml",
        "/feed.json",
        "/",
        "/tags/news/rss.xml",
    ];
    for path in paths {
        assert_eq!(fx.d.get(path, &[]).status, 200, "{path}");
    }
    let polled = httpdate::fmt_http_date(SystemTime::now());
    // Last-Modified has one-second resolution.
    thread::sleep(Duration::from_millis(1100));
    let an_hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    fx.write(
        "fresh.md",
        &format!(
            "---\ntitle: Fresh\ndate: {}\ntags: [news]\n---\n\nFiled earlier.\n",
            an_hour_ago.to_rfc3339()
        ),
    );
    fx.wait_for(&[("alpha", "Alpha"), ("fresh", "Fresh")]);
    for path in paths {
        let r = fx.d.get(path, &[("If-Modified-Since", &polled)]);
        assert_eq!(
            r.status, 200,
            "{path}: 304 for the reader's poll time {polled}, yet an article was added since"
        );
    }
}

#[test]
fn gzip_and_brotli_bodies_decode_to_the_identity_body() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha")), ("beta.md", &md("Beta"))]);
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta")]);
    for path in [
        "/rss.xml",
        "/atom.xml",
        "/feed.json",
        "/",
        "/articles/alpha/",
    ] {
        let plain = fx.d.get(path, &[]);
        assert_eq!(plain.status, 200);
        assert_eq!(plain.header("content-encoding"), None, "{path}");
        assert_eq!(plain.header("vary"), Some("Accept-Encoding"), "{path}");
        let plain_etag = plain.header("etag").expect("ETag");
        let mut etags = vec![plain_etag.to_string()];
        for coding in ["gzip", "br"] {
            let r = fx.d.get(path, &[("Accept-Encoding", coding)]);
            assert_eq!(r.status, 200, "{path} {coding}");
            assert_eq!(r.header("content-encoding"), Some(coding), "{path}");
            assert_eq!(r.header("vary"), Some("Accept-Encoding"), "{path} {coding}");
            let mut decoded = Vec::new();
            match coding {
                "gzip" => flate2::read::GzDecoder::new(r.body.as_slice())
                    .read_to_end(&mut decoded)
                    .expect("gunzip"),
                _ => brotli::Decompressor::new(r.body.as_slice(), 4096)
                    .read_to_end(&mut decoded)
                    .expect("unbrotli"),
            };
            assert!(decoded == plain.body, "{path}: {coding} body differs");
            let etag = r.header("etag").expect("ETag").to_string();
            assert!(
                !etags.contains(&etag),
                "{path}: {coding} reuses ETag {etag}"
            );
            // Its own ETag revalidates its own representation.
            let again = fx.d.get(
                path,
                &[("Accept-Encoding", coding), ("If-None-Match", &etag)],
            );
            assert_eq!(again.status, 304, "{path} {coding} If-None-Match");
            etags.push(etag);
        }
    }
}

#[test]
fn a_slow_client_does_not_delay_others() {
    let fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    fx.wait_for(&[("alpha", "Alpha")]);
    let addr = fx.d.addr;
    let stop = Instant::now() + Duration::from_secs(2);
    let slow: Vec<_> = (0..3)
        .map(|_| {
            thread::spawn(move || {
                let Ok(mut s) = TcpStream::connect(addr) else {
                    return;
                };
                let request =
                    b"GET /rss.xml HTTP/1.1\r\nHost: slow\r\nX-Padding: aaaaaaaaaaaaaaaa\r\n";
                for b in request.iter().cycle() {
                    if Instant::now() > stop || s.write_all(&[*b]).is_err() {
                        break;
                    }
                    thread::sleep(Duration::from_millis(200));
                }
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(300));
    for _ in 0..3 {
        let t0 = Instant::now();
        let r = fx.d.get("/rss.xml", &[]);
        let took = t0.elapsed();
        assert_eq!(r.status, 200);
        assert!(
            took < Duration::from_secs(1),
            "a normal request took {took:?}"
        );
        thread::sleep(Duration::from_millis(300));
    }
    for t in slow {
        let _ = t.join();
    }
}

// ---------------------------------------------------------------------------------------------
// Signals.

/// The `<title>` of the site RSS feed, as feed-rs reads it.
fn feed_title(d: &Daemon, name: &str) -> Option<String> {
    let r = d.get(&format!("/{name}"), &[]);
    (r.status == 200)
        .then(|| parse_feed(name, &r.body).title.map(|t| t.content))
        .flatten()
}

#[test]
fn sighup_reloads_the_config() {
    let fx = Fx::start_with(
        &[("alpha.md", &md("Alpha"))],
        Some("[site]\ntitle = \"Old Title\"\n"),
    );
    fx.wait_for(&[("alpha", "Alpha")]);
    assert_eq!(feed_title(&fx.d, "rss.xml").as_deref(), Some("Old Title"));
    fx.dir
        .write("feedpub.toml", "[site]\ntitle = \"New Title\"\n");
    fx.d.signal("HUP");
    let ok = wait_until(DEADLINE, || {
        ["rss.xml", "atom.xml", "feed.json"]
            .iter()
            .all(|f| feed_title(&fx.d, f).as_deref() == Some("New Title"))
    });
    assert!(
        ok,
        "the new title never appeared\n--- stderr:\n{}",
        fx.d.log()
    );
    fx.wait_for(&[("alpha", "Alpha")]);
}

#[test]
fn sighup_with_a_broken_config_keeps_the_old_one() {
    let fx = Fx::start_with(
        &[("alpha.md", &md("Alpha"))],
        Some("[site]\ntitle = \"Old Title\"\n"),
    );
    fx.wait_for(&[("alpha", "Alpha")]);
    fx.dir.write("feedpub.toml", "[site\ntitle = \"Broken\n");
    fx.d.signal("HUP");
    let logged = fx.d.wait_log_line(DEADLINE, |l| {
        l.contains("ERROR") && l.contains("feedpub.toml")
    });
    assert!(logged, "no error naming the config:\n{}", fx.d.log());
    assert_eq!(fx.d.get("/healthz", &[]).status, 200);
    assert_eq!(feed_title(&fx.d, "rss.xml").as_deref(), Some("Old Title"));
    // Still watching and publishing.
    fx.write("beta.md", &md("Beta"));
    fx.wait_for(&[("alpha", "Alpha"), ("beta", "Beta")]);
    assert_eq!(feed_title(&fx.d, "atom.xml").as_deref(), Some("Old Title"));
}

#[test]
fn sighup_says_a_server_change_needs_a_restart_until_it_has_one() {
    let fx = Fx::start_with(
        &[("alpha.md", &md("Alpha"))],
        Some("[site]\ntitle = \"A\"\n"),
    );
    fx.wait_for(&[("alpha", "Alpha")]);
    let warnings = |d: &Daemon| d.log().matches("take effect after a restart").count();
    let reload = |config: &str, title: &str| {
        fx.dir.write("feedpub.toml", config);
        fx.d.signal("HUP");
        let ok = wait_until(DEADLINE, || {
            feed_title(&fx.d, "rss.xml").as_deref() == Some(title)
        });
        assert!(ok, "{title} never appeared\n--- stderr:\n{}", fx.d.log());
    };
    let pending = "[site]\ntitle = \"B\"\n[server]\nmax_connections = 5\n";
    reload(pending, "B");
    assert_eq!(warnings(&fx.d), 1, "no restart warning\n{}", fx.d.log());
    // Still not applied: a second reload of the same file must say so again.
    reload(&pending.replace("\"B\"", "\"C\""), "C");
    assert_eq!(
        warnings(&fx.d),
        2,
        "restart warning not repeated\n{}",
        fx.d.log()
    );
    // Back to the settings the daemon runs with: nothing needs a restart.
    reload("[site]\ntitle = \"D\"\n", "D");
    assert_eq!(
        warnings(&fx.d),
        2,
        "spurious restart warning\n{}",
        fx.d.log()
    );
}

#[test]
fn sigterm_exits_0_promptly_with_an_idle_keep_alive_connection() {
    let mut fx = Fx::start(&[("alpha.md", &md("Alpha"))]);
    let mut conn = Conn::connect(fx.d.addr).expect("connect");
    let r = conn
        .request("GET", "/rss.xml", &[])
        .expect("keep-alive GET");
    assert_eq!(r.status, 200);
    assert_ne!(r.header("connection"), Some("close"));
    // And one that connected but never sent a byte.
    let _silent = TcpStream::connect(fx.d.addr).expect("connect");
    let t0 = Instant::now();
    fx.d.signal("TERM");
    let status = fx.d.wait_exit(Duration::from_secs(5));
    let Some(status) = status else {
        panic!(
            "still running 5 s after SIGTERM\n--- stderr:\n{}",
            fx.d.log()
        );
    };
    assert_eq!(
        status.code(),
        Some(0),
        "exit after {:?}\n{}",
        t0.elapsed(),
        fx.d.log()
    );
    assert!(
        conn.is_closed_by_peer(Duration::from_secs(1)),
        "connection left open"
    );
}

#[test]
fn a_restart_takes_unchanged_articles_from_the_parse_cache_and_rereads_the_rest() {
    let files: Vec<(String, String)> = (0..20)
        .map(|i| (format!("a{i:02}.md"), md(&format!("Article {i:02}"))))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    // The cache is keyed by the parse settings, base URL included: without one in the config
    // it would follow the (random) port of each start.
    let config = "[site]\nbase_url = \"http://feeds.example/\"\n";
    let dir = TestDir::new();
    for (name, text) in &refs {
        dir.write(&format!("articles/{name}"), text);
    }
    // Files younger than 2 s are not cached (a write within the same timestamp tick could
    // follow unseen), so let them age before the first start.
    thread::sleep(Duration::from_millis(3000));
    let mut fx = Fx::start_in(dir, &[], Some(config));
    let first = fx.state().expect("feeds");
    assert_eq!(first.len(), 20);
    let page_before = fx.d.get("/articles/a07/", &[]).body;
    assert!(
        wait_until(DEADLINE, || fx.dir.exists("out/.feedpub-cache")),
        "no parse cache written\n{}",
        fx.d.log()
    );
    fx.d.signal("TERM");
    assert!(fx.d.wait_exit(Duration::from_secs(10)).is_some());

    // While stopped: one edit of the same length (only the modification time tells), one
    // delete, one new file.
    thread::sleep(Duration::from_millis(20));
    fx.write("a03.md", &md("Article XX"));
    fs::remove_file(fx.art("a04.md")).expect("remove");
    fx.write("new.md", &md("Brand new"));

    let config_path = fx.dir.path("feedpub.toml").display().to_string();
    let args = [
        "--articles",
        "articles",
        "--out",
        "out",
        "--config",
        &config_path,
    ];
    fx.d = Daemon::start(fx.dir.root(), &args);
    fx.d.wait_healthy();
    // The line may follow `/healthz`'s first 200 by a moment.
    assert!(
        fx.d.wait_log_line(DEADLINE, |l| l.contains("parsed=2 from_cache=18")),
        "the restart did not use the cache as expected\n{}",
        fx.d.log()
    );
    let mut want: Vec<(String, String)> = (0..20)
        .filter(|i| *i != 4)
        .map(|i| {
            let title = if i == 3 {
                "Article XX".to_string()
            } else {
                format!("Article {i:02}")
            };
            (format!("a{i:02}"), title)
        })
        .collect();
    want.push(("new".into(), "Brand new".into()));
    let want: Vec<(&str, &str)> = want.iter().map(|(s, t)| (s.as_str(), t.as_str())).collect();
    fx.wait_for(&want);
    fx.assert_gone("a04");
    assert_eq!(
        fx.d.get("/articles/a07/", &[]).body,
        page_before,
        "an article from the cache renders differently"
    );
}

#[test]
fn an_article_written_while_the_first_load_runs_is_published() {
    let dir = TestDir::new();
    for i in 0..3000 {
        dir.write(
            &format!("articles/old/a{i:04}.md"),
            md(&format!("Old {i:04}")),
        );
    }
    let d = Daemon::start(dir.root(), &["--articles", "articles", "--out", "out"]);
    // The directory was listed at once; the watcher starts only after the load.
    let during = d.get("/healthz", &[]).status;
    dir.write(
        "articles/late.md",
        "---\ntitle: Late arrival\ndate: 2025-06-01T08:00:00+08:00\n---\n\nWritten while loading.\n",
    );
    d.wait_healthy();
    let ok = wait_until(DEADLINE, || {
        d.get("/articles/late/", &[]).status == 200
            && d.get("/rss.xml", &[]).text().contains("Late arrival")
    });
    assert!(
        ok,
        "the article written during the load never appeared\n{}",
        d.log()
    );
    assert_eq!(
        during, 503,
        "the load was over before the write: the test needs a larger corpus"
    );
}

#[test]
fn articles_dated_before_1970_are_served() {
    let old = "---\ntitle: Moon landing\ndate: 1969-07-20T20:17:00Z\ntags: [space]\n---\n\nThe Eagle has landed.\n";
    let fx = Fx::start(&[("moon.md", old)]);
    for path in [
        "/",
        "/rss.xml",
        "/atom.xml",
        "/feed.json",
        "/articles/moon/",
        "/tags/space/rss.xml",
    ] {
        let r = fx.d.get(path, &[]);
        assert_eq!(r.status, 200, "{path}\n{}", fx.d.log());
        // A first start dates everything from the start (what was served before is
        // unknown): a valid date, never before the epoch, never after `Date`.
        let date = |name: &str| {
            r.header(name)
                .and_then(|v| httpdate::parse_http_date(v).ok())
        };
        let (lm, now) = (date("last-modified"), date("date"));
        assert!(
            lm.is_some_and(|t| t > SystemTime::UNIX_EPOCH && now.is_some_and(|n| t <= n)),
            "{path}: {:?}",
            r.header("last-modified")
        );
    }
    assert_eq!(fx.state().map(|s| s.len()), Ok(1));
}

#[test]
fn if_modified_since_from_before_an_edit_and_restarts_never_gets_a_304() {
    // A tag feed and a page changed while the daemon ran; after restarts (with the parse
    // cache) a reader holding the version from before the edit must get the new one.
    let config = "[site]\nbase_url = \"http://feeds.example/\"\n";
    let dir = TestDir::new();
    dir.write("articles/a1.md", md("Article 1"));
    let config_path = dir.write("feedpub.toml", config).display().to_string();
    let args = [
        "--articles",
        "articles",
        "--out",
        "out",
        "--config",
        &config_path,
    ];
    thread::sleep(Duration::from_millis(3000));
    let paths = ["/tags/news/rss.xml", "/articles/a1/"];
    let mut d = Daemon::start(dir.root(), &args);
    d.wait_healthy();
    thread::sleep(Duration::from_millis(1100));
    let held: Vec<(&str, String, String)> = paths
        .iter()
        .map(|&path| {
            let r = d.get(path, &[]);
            let lm = r
                .header("last-modified")
                .expect("Last-Modified")
                .to_string();
            (path, lm, r.header("etag").expect("ETag").to_string())
        })
        .collect();
    thread::sleep(Duration::from_millis(1100));
    dir.write(
        "articles/a1.md",
        md("Article 1").replace("Body of", "Corrected body of"),
    );
    for (path, _, etag) in &held {
        let moved = wait_until(DEADLINE, || {
            d.get(path, &[]).header("etag") != Some(etag.as_str())
        });
        assert!(moved, "{path} never changed\n{}", d.log());
    }
    for _ in 0..2 {
        assert!(wait_until(DEADLINE, || dir.exists("out/.feedpub-cache")));
        d.signal("TERM");
        assert!(d.wait_exit(Duration::from_secs(10)).is_some());
        // Past the cache's racy window: the second restart takes the edit from the cache.
        thread::sleep(Duration::from_millis(2500));
        d = Daemon::start(dir.root(), &args);
        d.wait_healthy();
        for (path, lm, _) in &held {
            let r = d.get(path, &[("If-Modified-Since", lm)]);
            assert_eq!(
                r.status,
                200,
                "{path}: 304 for the version before the edit\n{}",
                d.log()
            );
        }
    }
}

#[test]
fn if_modified_since_from_before_a_restart_never_hides_an_offline_edit() {
    let config = "[site]\nbase_url = \"http://feeds.example/\"\n";
    let dir = TestDir::new();
    for i in 0..3 {
        dir.write(&format!("articles/a{i}.md"), md(&format!("Article {i}")));
    }
    let config_path = dir.write("feedpub.toml", config).display().to_string();
    let args = [
        "--articles",
        "articles",
        "--out",
        "out",
        "--config",
        &config_path,
    ];
    // Old enough to be cached (see the parse-cache test above).
    thread::sleep(Duration::from_millis(3000));
    let run = |check: &dyn Fn(&Daemon)| {
        let mut d = Daemon::start(dir.root(), &args);
        d.wait_healthy();
        check(&d);
        assert!(
            wait_until(DEADLINE, || dir.exists("out/.feedpub-cache")),
            "no parse cache\n{}",
            d.log()
        );
        d.signal("TERM");
        assert!(d.wait_exit(Duration::from_secs(10)).is_some());
    };
    let since = std::cell::RefCell::new(String::new());
    run(&|d| {
        // A first start dates the feed the end of the second after it (half a second of
        // margin included); until then the header is the current time.
        thread::sleep(Duration::from_millis(2100));
        let r = d.get("/rss.xml", &[]);
        *since.borrow_mut() = r
            .header("last-modified")
            .expect("Last-Modified")
            .to_string();
    });
    let ims = since.borrow().clone();
    // Restarted with nothing changed: the client's copy is still good.
    run(&|d| {
        // The log is read by another thread: give it a moment under load.
        assert!(
            wait_until(DEADLINE, || d.log().contains("parsed=0 from_cache=3")),
            "{}",
            d.log()
        );
        let r = d.get("/rss.xml", &[("If-Modified-Since", &ims)]);
        assert_eq!(r.status, 304, "unchanged feed after a restart\n{}", d.log());
    });
    // Edited while stopped (same date, so the newest article's date does not move).
    thread::sleep(Duration::from_millis(1100));
    dir.write(
        "articles/a1.md",
        md("Article 1").replace("Body of", "Corrected body of"),
    );
    run(&|d| {
        let r = d.get("/rss.xml", &[("If-Modified-Since", &ims)]);
        assert_eq!(
            r.status,
            200,
            "an offline edit hidden by a 304\n{}",
            d.log()
        );
        assert!(r.text().contains("Corrected body of"));
    });
}

/// The same without a usable parse cache (the base URL follows the random port, so each start
/// has other settings): tag feeds and pages, made on request, must not go back to the
/// article's date either.
#[test]
fn if_modified_since_from_before_a_restart_without_a_cache_never_hides_an_offline_edit() {
    let dir = TestDir::new();
    dir.write("articles/a.md", md("Alpha"));
    let args = [
        "--articles",
        "articles",
        "--out",
        "out",
        "--config",
        "/dev/null",
    ];
    let mut d = Daemon::start(dir.root(), &args);
    d.wait_healthy();
    // An edit while running dates the tag feed and the page now, well after the article.
    thread::sleep(Duration::from_millis(1100));
    dir.write(
        "articles/a.md",
        md("Alpha").replace("Body of", "Second body of"),
    );
    let paths = ["/tags/news/rss.xml", "/articles/a/"];
    assert!(
        wait_until(DEADLINE, || d.get(paths[1], &[]).text().contains("Second")),
        "{}",
        d.log()
    );
    let since: Vec<String> = paths
        .iter()
        .map(|p| {
            let r = d.get(p, &[]);
            r.header("last-modified")
                .expect("Last-Modified")
                .to_string()
        })
        .collect();
    d.signal("TERM");
    assert!(d.wait_exit(Duration::from_secs(10)).is_some());
    thread::sleep(Duration::from_millis(1100));
    dir.write(
        "articles/a.md",
        md("Alpha").replace("Body of", "Third body of"),
    );
    let d = Daemon::start(dir.root(), &args);
    d.wait_healthy();
    for (path, ims) in paths.iter().zip(&since) {
        let r = d.get(path, &[("If-Modified-Since", ims)]);
        assert_eq!(
            r.status,
            200,
            "{path}: an offline edit hidden by a 304\n{}",
            d.log()
        );
        assert!(r.text().contains("Third body of"), "{path}");
    }
}

/// A first start publishes its feeds before it has parsed every body: a page asked for in
/// that window is answered once it is made (never a 404), and the out dir gets every page.
#[test]
fn a_page_asked_for_while_the_first_start_parses_bodies_is_served_not_404() {
    let dir = TestDir::new();
    const N: usize = 3000;
    for i in 0..N {
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        let year = 2000 + i / 336;
        dir.write(
            &format!("articles/a{i}.md"),
            format!("---\ntitle: Article {i}\ndate: {year}-{month:02}-{day:02}\ntags: [t{}]\n---\nBody marker-{i}, with *Markdown*.\n", i % 7),
        );
    }
    let d = Daemon::start(dir.root(), &["--articles", "articles", "--out", "out"]);
    d.wait_healthy();
    // All at once, while the bodies are parsed: the oldest articles' pages (in no feed, so
    // parsed last), their redirects, the tag feeds, the site feed.
    let mut targets: Vec<String> = (0..3)
        .flat_map(|i| [format!("/articles/a{i}/"), format!("/articles/a{i}")])
        .collect();
    targets.extend((0..7).map(|t| format!("/tags/t{t}/atom.xml")));
    targets.push("/rss.xml".to_string());
    let answers: Vec<(String, Response)> = thread::scope(|s| {
        let asks: Vec<_> = targets
            .iter()
            .map(|t| s.spawn(|| (t.clone(), d.get(t, &[]))))
            .collect();
        asks.into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    });
    let body = |c: Option<&feed_rs::model::Content>| c.and_then(|c| c.body.clone());
    for (target, r) in answers {
        if let Some(i) = target.strip_prefix("/articles/a") {
            let want = if i.ends_with('/') { 200 } else { 301 };
            assert_eq!(r.status, want, "{target}\n--- stderr:\n{}", d.log());
            if want == 200 {
                let text = String::from_utf8_lossy(&r.body);
                let i = i.trim_end_matches('/');
                assert!(text.contains(&format!("marker-{i}")), "{target}: {text}");
            }
            continue;
        }
        assert_eq!(r.status, 200, "{target}");
        let feed = parse_feed(&target, &r.body);
        assert_eq!(feed.entries.len(), 50, "{target}");
        assert!(
            feed.entries
                .iter()
                .all(|e| body(e.content.as_ref()).is_some_and(|b| b.contains("marker-"))),
            "{target}: every item has its body"
        );
        if target == "/rss.xml" {
            let newest = body(feed.entries[0].content.as_ref());
            assert!(newest.is_some_and(|b| b.contains(&format!("marker-{}", N - 1))));
        }
    }
    assert_eq!(d.get("/articles/none/", &[]).status, 404);
    let all_written = wait_until(DEADLINE, || {
        (0..N).all(|i| dir.exists(&format!("out/articles/a{i}/index.html")))
    });
    assert!(all_written, "every page reaches the out dir\n{}", d.log());
}

/// `feedpub build` into a daemon's out dir between two runs: the manifest it writes is what
/// the next start trusts for the same bytes, so it must not date a changed feed by its newest
/// article (an older article added went back years, and readers got 304s).
#[test]
fn a_build_between_runs_never_moves_last_modified_back() {
    let dir = TestDir::new();
    dir.write(
        "articles/new.md",
        "---\ntitle: New\ndate: 2024-06-01T00:00:00Z\n---\nBody of new.\n",
    );
    // A fixed base URL: the parse cache is valid across the runs and the build.
    dir.write(
        "feedpub.toml",
        "[site]\nbase_url = \"http://feeds.example/\"\n",
    );
    let args = [
        "--articles",
        "articles",
        "--out",
        "out",
        "--config",
        "feedpub.toml",
    ];
    let mut d = Daemon::start(dir.root(), &args);
    d.wait_healthy();
    // A first start's date is the end of the second after it; until then the header is now.
    thread::sleep(Duration::from_millis(2100));
    let ims = d
        .get("/rss.xml", &[])
        .header("last-modified")
        .expect("Last-Modified")
        .to_string();
    d.signal("TERM");
    assert!(d.wait_exit(Duration::from_secs(10)).is_some());
    thread::sleep(Duration::from_millis(1100));
    dir.write(
        "articles/older.md",
        "---\ntitle: Older\ndate: 2024-01-01T00:00:00Z\n---\nBody of older.\n",
    );
    dir.run(&[
        "build",
        "--articles",
        "articles",
        "--out",
        "out",
        "--config",
        "feedpub.toml",
    ])
    .expect_code(0);
    let d = Daemon::start(dir.root(), &args);
    d.wait_healthy();
    let r = d.get("/rss.xml", &[("If-Modified-Since", &ims)]);
    assert_eq!(r.status, 200, "a changed feed hidden by a 304\n{}", d.log());
    assert!(r.text().contains("Body of older."));
    let lm = httpdate::parse_http_date(r.header("last-modified").expect("Last-Modified")).ok();
    let before = httpdate::parse_http_date(&ims).ok();
    assert!(lm > before, "{lm:?} not after {before:?}");
}
