use super::*;
use crate::article::Body;
use crate::config::Config;

fn engine(dir: &Path, max_bytes: u64) -> Engine {
    let mut config = Config::default();
    config.articles.dir = dir.join("articles");
    config.articles.max_bytes = max_bytes;
    config.feeds.out_dir = dir.join("out");
    Engine::new(config)
}

#[test]
fn a_restart_parses_only_what_the_cache_cannot_vouch_for() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let arts = tmp.path().join("articles");
    std::fs::create_dir_all(&arts).expect("mkdir");
    let md = |t: &str, body: &str| format!("---\ntitle: {t}\ndate: 2024-01-01\n---\n{body}\n");
    std::fs::write(arts.join("small.md"), md("Small", "x")).expect("write");
    std::fs::write(arts.join("big.md"), md("Big", &"y".repeat(500))).expect("write");
    std::fs::write(arts.join("broken.md"), "---\ntitle: [unclosed\n").expect("write");
    std::fs::write(
        arts.join("draft.md"),
        "---\ntitle: Draft\ndate: 2024-01-01\ndraft: true\n---\nsecret\n",
    )
    .expect("write");
    // A version younger than scan::RACY is never cached (a same-tick write could follow).
    std::thread::sleep(scan::RACY + std::time::Duration::from_millis(100));

    // No cache yet: one is written while parsing, and the bodies move into it.
    let mut e = engine(tmp.path(), 10_000);
    let first = e.load_all();
    assert_eq!((first.parsed, first.from_cache), (4, 0));
    assert!(!first.cache_outdated, "the cache was written while parsing");
    let body = |e: &Engine, title: &str| {
        e.store
            .good()
            .find(|a| a.title == title)
            .map(|a| a.content_html.clone())
    };
    assert!(matches!(body(&e, "Big"), Some(Body::Stored { .. })));
    assert!(body(&e, "Big").is_some_and(|b| b.html().contains(&"y".repeat(500))));
    // Drafts stay in memory and out of the cache (it holds only what is public).
    assert!(matches!(body(&e, "Draft"), Some(Body::Inline(_))));
    let bytes = std::fs::read(tmp.path().join("out").join(cache::FILE)).expect("cache");
    assert!(!bytes.windows(6).any(|w| w == b"secret"));

    // Broken files and drafts are not cached: they are read again after a restart.
    let mut again = engine(tmp.path(), 10_000);
    let stats = again.load_all();
    assert_eq!((stats.parsed, stats.from_cache), (2, 2));
    assert!(stats.cache_outdated, "the draft is parsed");
    assert_eq!(again.store.problems().count(), 1);
    let titles = |e: &Engine| -> Vec<String> {
        let mut t: Vec<String> = e.store.good().map(|a| a.title.clone()).collect();
        t.sort();
        t
    };
    assert_eq!(titles(&again), ["Big", "Draft", "Small"]);
    let big = again
        .store
        .good()
        .find(|a| a.title == "Big")
        .map(|a| a.content_html.html().into_owned());
    assert!(big.is_some_and(|h| h.contains(&"y".repeat(500))));

    // A lower size limit is not bypassed by the cache.
    let mut strict = engine(tmp.path(), 200);
    let stats = strict.load_all();
    assert_eq!((stats.parsed, stats.from_cache), (3, 1));
    assert_eq!(titles(&strict), ["Draft", "Small"]);
    assert_eq!(strict.store.problems().count(), 2);
}

#[test]
fn a_last_good_version_outlives_restarts_until_the_file_is_fixed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let arts = tmp.path().join("articles");
    std::fs::create_dir_all(&arts).expect("mkdir");
    let path = arts.join("a.md");
    let good = |t: &str| format!("---\ntitle: {t}\ndate: 2024-01-01\n---\nbody of {t}\n");
    let broken = "---\ntitle: [unclosed\n";
    std::fs::write(&path, good("Good")).expect("write");
    std::thread::sleep(scan::RACY + std::time::Duration::from_millis(100));
    let published = |e: &mut Engine| -> Vec<String> {
        let view = e.store.published(Utc::now(), "http://x/");
        view.articles.iter().map(|a| a.title.clone()).collect()
    };
    let save = |e: &Engine| {
        e.cache_job(Utc::now())
            .expect("a cache")
            .save()
            .expect("saved")
    };
    let daemon = || engine(tmp.path(), 10_000).keeping_last_good();

    let mut e = daemon();
    e.load_all();
    assert_eq!(published(&mut e), ["Good"]);
    save(&e);

    // Broken while stopped: the cache's entry for the file is no last good version (a run
    // that crashed may have withdrawn it since), so nothing is published for it.
    std::fs::write(&path, broken).expect("write");
    let mut e = daemon();
    e.load_all();
    assert!(published(&mut e).is_empty());
    assert_eq!(e.store.problems().count(), 1);

    // Fixed, then broken while running: the last good version stays, and is saved as such.
    std::fs::write(&path, good("Good")).expect("write");
    e.apply([path.as_path()]);
    std::fs::write(&path, broken).expect("write");
    e.apply([path.as_path()]);
    assert_eq!(published(&mut e), ["Good"]);
    assert_eq!(save(&e), 1);

    // A restart keeps it published (a daemon's load; a build's does not), with its body.
    let mut built = engine(tmp.path(), 10_000);
    built.load_all();
    assert!(published(&mut built).is_empty());
    let mut e = daemon();
    let stats = e.load_all();
    assert_eq!((stats.parsed, stats.from_cache), (1, 0));
    assert_eq!(published(&mut e), ["Good"]);
    assert_eq!(e.store.problems().count(), 1);
    let body = e
        .store
        .last_good()
        .next()
        .map(|a| a.content_html.html().into_owned());
    assert!(body.is_some_and(|b| b.contains("body of Good")));

    // Fixed: the file's own new version, never the cached one.
    std::fs::write(&path, good("Fixed")).expect("write");
    let mut e = daemon();
    e.load_all();
    assert_eq!(published(&mut e), ["Fixed"]);
    assert_eq!(e.store.problems().count(), 0);
}

#[test]
fn a_change_is_dated_past_the_render_and_swap_that_follow() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let arts = tmp.path().join("articles");
    std::fs::create_dir_all(&arts).expect("mkdir");
    let md = |body: &str| format!("---\ntitle: A\ndate: 2024-01-01\n---\n{body}\n");
    std::fs::write(arts.join("a.md"), md("one")).expect("write");
    let mut e = engine(tmp.path(), 10_000);
    e.load_all();
    e.render(Utc::now());
    std::fs::write(arts.join("a.md"), md("two")).expect("write");
    e.apply([arts.join("a.md").as_path()]);
    // Late in a second, where the swap could fall in the next one.
    let sub = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_millis())
    };
    while !(600..800).contains(&sub()) {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let before = std::time::SystemTime::now();
    let site = e.render(Utc::now()).site;
    let modified = site.get("rss.xml").expect("rss.xml").last_modified;
    // A reader served the old bytes until the swap, which may come up to half a second after, holds
    // a `Date` of that second: the change is dated after it.
    let secs = |t: std::time::SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    };
    assert!(
        secs(modified) > secs(before + std::time::Duration::from_millis(500)),
        "{modified:?} not past {:?}",
        before + std::time::Duration::from_millis(500)
    );
}

#[test]
fn a_reload_reparses_when_anything_parsing_reads_changes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join("articles")).expect("mkdir");
    let mut e = engine(tmp.path(), 1 << 20);
    e.load_all();
    let same = e.config.clone();
    assert!(!e.reconfigure(same), "nothing changed");
    // The site's language decides a CJK title's language.
    let mut ja = e.config.clone();
    ja.site.language = "ja".to_string();
    assert!(e.reconfigure(ja));
    let mut other = e.config.clone();
    other.site.title = "Another title".to_string();
    assert!(!e.reconfigure(other), "a title is not parsed");
}
