use super::*;
use crate::config::Config;
use crate::scan;
use crate::site::Site;
use std::path::Path;

fn engine(dir: &Path, out: &str) -> Engine {
    let mut config = Config::default();
    config.articles.dir = dir.join("articles");
    config.feeds.out_dir = dir.join(out);
    config.feeds.limit = 3;
    Engine::new(config)
}

/// Every asset of `site` with its text, sorted by key.
fn bytes(site: &Site) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = site
        .iter()
        .map(|(k, a)| {
            (
                k.to_string(),
                String::from_utf8_lossy(&a.body()).into_owned(),
            )
        })
        .collect();
    all.sort();
    all
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write");
}

#[test]
fn a_deferred_load_publishes_the_same_feeds_at_once_and_the_same_site_once_complete() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let arts = tmp.path().join("articles");
    std::fs::create_dir_all(&arts).expect("mkdir");
    let md = |day: u32, tags: &str, body: &str| {
        format!("---\ntitle: Day {day}\ndate: 2024-01-{day:02}\ntags: [{tags}]\n---\n{body}\n")
    };
    for day in 1..=20 {
        let tags = if day % 4 == 0 { "rare" } else { "common" };
        write(
            &arts,
            &format!("d{day}.md"),
            &md(day, tags, &format!("Body *{day}*.")),
        );
    }
    // The newest one cannot be parsed in full: its place goes to the next.
    let deep = "<div>".repeat(600);
    write(&arts, "deep.md", &md(28, "common", &deep));
    // An old one that fails too, found only when completing.
    write(&arts, "old-deep.md", &md(2, "common", &deep));
    write(
        &arts,
        "heading.md",
        "# From a heading\n\nDate from the file.\n",
    );
    write(&arts, "2024-01-25-copy.txt", "标题\n\n正文。\n");
    write(&arts, "empty.md", &md(26, "common", ""));
    // A version younger than scan::RACY is never cached.
    std::thread::sleep(scan::RACY + std::time::Duration::from_millis(100));

    let mut full = engine(tmp.path(), "out-full");
    full.load_all();
    let full_first = full.render(Utc::now());
    let mut deferred = engine(tmp.path(), "out-deferred").deferring();
    deferred.load_all();
    assert!(deferred.pending);
    let first = deferred.render(Utc::now());
    assert!(first.site.incomplete());
    // The site feeds and the home page are out, and everything out is what a full load
    // gives. Tag feeds and pages showing a pending article come later.
    let full_bytes = bytes(&full_first.site);
    let out = bytes(&first.site);
    for key in ["rss.xml", "atom.xml", "feed.json", "index.html"] {
        assert!(out.iter().any(|(k, _)| k == key), "{key}");
    }
    assert!(out.len() < full_bytes.len());
    // What is left out is announced as coming; so is the page of an article that will
    // fail in full (a request for it waits, then gets its 404).
    let mut announced: Vec<String> = out.iter().map(|(k, _)| k.clone()).collect();
    announced.extend(first.site.coming.iter().map(|k| k.to_string()));
    announced.sort();
    let mut all: Vec<String> = full_bytes.iter().map(|(k, _)| k.clone()).collect();
    all.push("articles/old-deep/index.html".into());
    all.sort();
    assert_eq!(announced, all);
    for (key, text) in out {
        let full = full_bytes.iter().find(|(k, _)| *k == key).map(|(_, t)| t);
        assert_eq!(Some(&text), full, "{key}");
    }

    // A pending file that goes before `complete` leaves with it.
    std::fs::remove_file(arts.join("d5.md")).expect("rm");
    assert_eq!(deferred.complete(), Some(false));
    assert_eq!(deferred.complete(), None, "nothing left");
    assert_eq!(deferred.store.pending(), Vec::<PathBuf>::new());
    full.apply([arts.join("d5.md").as_path()]);
    let done = deferred.render(Utc::now());
    assert!(!done.site.incomplete());
    assert_eq!(bytes(&done.site), bytes(&full.render(Utc::now()).site));
    let problems = |e: &Engine| -> Vec<String> {
        let mut p: Vec<String> = e.store.problems().map(|p| p.to_string()).collect();
        p.sort();
        p
    };
    assert_eq!(problems(&deferred).len(), 2, "{:?}", problems(&deferred));
    assert_eq!(problems(&deferred), problems(&full));

    // The cache it finished holds every public article: a restart parses nothing.
    let mut again = engine(tmp.path(), "out-deferred").deferring();
    let stats = again.load_all();
    assert_eq!(stats.from_cache, deferred.store.good().count());
    assert_eq!(stats.parsed, 2, "the two broken files");
    assert_eq!(again.complete(), None);
    assert_eq!(bytes(&again.render(Utc::now()).site), bytes(&done.site));
}

/// Day `day` of January 2024, tagged `t{day % 3}`.
fn md(day: u32, body: &str) -> String {
    format!(
        "---\ntitle: Day {day}\ndate: 2024-01-{day:02}\ntags: [t{}]\n---\n{body}\n",
        day % 3
    )
}

/// `articles/d01.md` to `d12.md` under `dir`: with a feed limit of 3, 9 are left pending.
fn twelve_days(dir: &Path) -> PathBuf {
    let arts = dir.join("articles");
    std::fs::create_dir_all(&arts).expect("mkdir");
    for day in 1..=12 {
        write(
            &arts,
            &format!("d{day:02}.md"),
            &md(day, &format!("Body {day}.")),
        );
    }
    arts
}

#[test]
fn a_rescan_right_after_a_first_start_leaves_unchanged_pending_bodies_for_later() {
    // Files just written: every version is racy (a write within its tick could follow).
    let tmp = tempfile::tempdir().expect("tempdir");
    let arts = twelve_days(tmp.path());
    let mut deferred = engine(tmp.path(), "out-deferred").deferring();
    deferred.load_all();
    deferred.render(Utc::now());
    assert_eq!(deferred.store.pending().len(), 9);
    deferred.rescan();
    assert_eq!(
        deferred.store.pending().len(),
        9,
        "read again in full, all at once"
    );
    // A file that did change is read at once, in full.
    write(
        &arts,
        "d01.md",
        &md(1, "Changed before the watch was in place."),
    );
    assert_eq!(deferred.rescan(), 1);
    assert_eq!(deferred.store.pending().len(), 8);
    assert!(deferred.complete().is_some());
    let mut full = engine(tmp.path(), "out-full");
    full.load_all();
    assert_eq!(
        bytes(&deferred.render(Utc::now()).site),
        bytes(&full.render(Utc::now()).site)
    );
}

#[test]
fn completing_a_part_at_a_time_takes_edits_in_between_and_ends_as_a_full_load() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let arts = twelve_days(tmp.path());
    std::thread::sleep(scan::RACY + std::time::Duration::from_millis(100));
    let mut deferred = engine(tmp.path(), "out-deferred").deferring();
    deferred.load_all();
    deferred.render(Utc::now());
    let pending = deferred.store.pending().len();
    assert_eq!(pending, 9, "all but the 3 the feeds show");

    assert_eq!(deferred.complete_some(4), Completion::Partly);
    assert_eq!(deferred.store.pending().len(), 5);
    // Between two parts: a pending article edited, one removed, one added.
    write(&arts, "d09.md", &md(9, "Edited meanwhile."));
    std::fs::remove_file(arts.join("d08.md")).expect("rm");
    write(&arts, "d13.md", &md(13, "New meanwhile."));
    let changed = ["d09.md", "d08.md", "d13.md"].map(|n| arts.join(n));
    deferred.apply(changed.iter().map(PathBuf::as_path));
    assert!(deferred.render(Utc::now()).site.incomplete());
    assert_eq!(deferred.complete_some(4), Completion::Partly);
    // Edits meanwhile are the daemon's to save (at shutdown), as at any other time.
    assert!(matches!(deferred.complete_some(4), Completion::Done { .. }));
    assert_eq!(deferred.complete_some(4), Completion::Nothing);

    let done = deferred.render(Utc::now());
    assert!(!done.site.incomplete());
    let mut full = engine(tmp.path(), "out-full");
    full.load_all();
    assert_eq!(bytes(&done.site), bytes(&full.render(Utc::now()).site));
    assert!(
        String::from_utf8_lossy(&done.site.get("tags/t0/feed.json").expect("feed").body())
            .contains("Edited meanwhile.")
    );
}

#[test]
fn bodies_pending_while_the_directory_is_away_are_not_gone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let arts = tmp.path().join("articles");
    std::fs::create_dir_all(&arts).expect("mkdir");
    for day in 1..=9 {
        let text = format!("---\ntitle: Day {day}\ndate: 2024-01-0{day}\ntags: [t]\n---\nBody.\n");
        write(&arts, &format!("d{day}.md"), &text);
    }
    let mut full = engine(tmp.path(), "out-full");
    full.load_all();
    let full_bytes = bytes(&full.render(Utc::now()).site);
    let mut deferred = engine(tmp.path(), "out-deferred").deferring();
    deferred.load_all();
    deferred.render(Utc::now());
    // Mid-swap (`mv articles articles.old && mv articles.new articles`) while completing:
    // the articles still pending are not deleted, and the snapshot is not complete yet.
    let away = tmp.path().join("articles.old");
    std::fs::rename(&arts, &away).expect("mv");
    deferred.complete();
    let during = deferred.render(Utc::now());
    assert!(during.site.incomplete());
    assert_eq!(during.site.article_count, 9);
    // Back: the rescan that follows reads them in full.
    std::fs::rename(&away, &arts).expect("mv back");
    assert!(deferred.rescan() > 0);
    let done = deferred.render(Utc::now());
    assert!(!done.site.incomplete());
    assert_eq!(bytes(&done.site), full_bytes);
}

#[test]
fn a_pending_article_that_takes_a_slug_or_id_and_fails_in_full_moves_nothing_published() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let arts = tmp.path().join("articles");
    std::fs::create_dir_all(&arts).expect("mkdir");
    let deep = "<div>".repeat(600);
    let md = |day: u32, extra: &str, body: &str| {
        format!("---\ntitle: Day {day}\ndate: 2024-01-{day:02}\n{extra}---\n{body}\n")
    };
    // Old enough not to be shown, older than what it collides with, so it owns the slug
    // and the id until its body turns out too deep.
    write(&arts, "old-slug.md", &md(1, "slug: same\n", &deep));
    write(&arts, "old-id.md", &md(2, "id: urn:same\n", &deep));
    for day in 10..=14 {
        write(&arts, &format!("d{day}.md"), &md(day, "", "Body."));
    }
    write(&arts, "new-slug.md", &md(20, "slug: same\n", "New."));
    write(&arts, "new-id.md", &md(21, "id: urn:same\n", "New."));
    let mut full = engine(tmp.path(), "out-full");
    full.load_all();
    let full_bytes = bytes(&full.render(Utc::now()).site);
    let mut deferred = engine(tmp.path(), "out-deferred").deferring();
    deferred.load_all();
    let first = deferred.render(Utc::now());
    assert!(first.site.incomplete());
    for (key, text) in bytes(&first.site) {
        let full = full_bytes.iter().find(|(k, _)| *k == key).map(|(_, t)| t);
        assert_eq!(Some(&text), full, "{key}");
    }
}
