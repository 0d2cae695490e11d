//! The `build` and `check` commands, through the real binary.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use crate::util::{
    assert_well_formed_xml, entry_titles, feedpub, mkfifo, parse_feed, parse_json, run, tree,
    TestDir, REPO,
};

/// The base URL when none is configured (derived from the default listen address).
const DEFAULT_BASE: &str = "http://127.0.0.1:8080/";

/// A Markdown article with YAML front matter.
fn md(title: &str, front: &str, body: &str) -> String {
    format!("---\ntitle: \"{title}\"\n{front}---\n\n{body}\n")
}

/// The three feeds of one out dir, each parsed by independent parsers.
struct Feeds {
    rss: feed_rs::model::Feed,
    atom: feed_rs::model::Feed,
    json: serde_json::Value,
}

impl Feeds {
    /// Load `rss.xml`, `atom.xml` and `feed.json` from `dir` (or a tag dir) and check each is
    /// well formed and of the right kind.
    #[track_caller]
    fn load(dir: &Path) -> Feeds {
        let read = |name: &str| {
            fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()))
        };
        let rss_bytes = read("rss.xml");
        let atom_bytes = read("atom.xml");
        let json_bytes = read("feed.json");
        assert_eq!(assert_well_formed_xml("rss.xml", &rss_bytes), "rss");
        assert_eq!(assert_well_formed_xml("atom.xml", &atom_bytes), "feed");
        let rss = parse_feed("rss.xml", &rss_bytes);
        let atom = parse_feed("atom.xml", &atom_bytes);
        assert_eq!(
            rss.feed_type,
            feed_rs::model::FeedType::RSS2,
            "rss.xml is not RSS 2.0"
        );
        assert_eq!(
            atom.feed_type,
            feed_rs::model::FeedType::Atom,
            "atom.xml is not Atom"
        );
        let json_feed = parse_feed("feed.json", &json_bytes);
        assert_eq!(
            json_feed.feed_type,
            feed_rs::model::FeedType::JSON,
            "feed.json is not a JSON Feed"
        );
        let json = parse_json("feed.json", &json_bytes);
        assert_eq!(
            json["version"], "https://jsonfeed.org/version/1.1",
            "feed.json version"
        );
        assert!(json["items"].is_array(), "feed.json has no items array");
        let feeds = Feeds { rss, atom, json };
        // The three feeds list the same articles.
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        let json_titles = sorted(feeds.titles());
        assert_eq!(
            sorted(entry_titles(&feeds.rss)),
            json_titles,
            "rss.xml and feed.json list different articles"
        );
        assert_eq!(
            sorted(entry_titles(&feeds.atom)),
            json_titles,
            "atom.xml and feed.json list different articles"
        );
        assert_eq!(
            sorted(entry_titles(&json_feed)),
            json_titles,
            "feed-rs and serde_json disagree on feed.json"
        );
        feeds
    }

    fn items(&self) -> &[serde_json::Value] {
        self.json["items"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Titles in feed order (from the JSON Feed).
    fn titles(&self) -> Vec<String> {
        self.items()
            .iter()
            .map(|i| i["title"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    fn title_set(&self) -> BTreeSet<String> {
        self.titles().into_iter().collect()
    }

    /// The JSON Feed item with this title.
    #[track_caller]
    fn item(&self, title: &str) -> &serde_json::Value {
        self.items()
            .iter()
            .find(|i| i["title"] == title)
            .unwrap_or_else(|| panic!("no item titled {title:?} in {:?}", self.titles()))
    }

    /// Items must be newest first.
    #[track_caller]
    fn assert_newest_first(&self) {
        let dates: Vec<chrono::DateTime<chrono::FixedOffset>> = self
            .items()
            .iter()
            .map(|i| {
                let d = i["date_published"]
                    .as_str()
                    .unwrap_or_else(|| panic!("item without date_published: {i}"));
                chrono::DateTime::parse_from_rfc3339(d)
                    .unwrap_or_else(|e| panic!("date_published {d:?}: {e}"))
            })
            .collect();
        assert!(
            dates.windows(2).all(|w| w[0] >= w[1]),
            "items are not newest first: {dates:?}"
        );
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Whether any file under `dir` contains `needle`.
fn any_file_contains(dir: &Path, needle: &str) -> Option<String> {
    tree(dir)
        .into_iter()
        .find(|(_, bytes)| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .map(|(path, _)| path)
}

/// Whether `text` has a line starting `PATH:LINE: ` (a positive line number).
fn has_line_with_number(text: &str, path: &str) -> bool {
    text.lines().any(|l| {
        l.strip_prefix(path)
            .and_then(|r| r.strip_prefix(':'))
            .and_then(|r| r.split_once(": "))
            .is_some_and(|(n, msg)| {
                n.parse::<usize>().is_ok_and(|n| n > 0) && !msg.trim().is_empty()
            })
    })
}

/// Whether `text` has a line starting `PATH: ` or `PATH:LINE: `.
fn has_problem_line(text: &str, path: &str) -> bool {
    has_line_with_number(text, path)
        || text.lines().any(|l| {
            l.strip_prefix(path)
                .and_then(|r| r.strip_prefix(": "))
                .is_some_and(|m| !m.trim().is_empty())
        })
}

/// A small article set exercising every format and the publication rules.
fn write_mixed_articles(t: &TestDir) {
    t.write(
        "articles/first-post.md",
        md(
            "First post",
            "date: 2026-01-10T08:00:00Z\ntags: [rust, news]\nsummary: The first one.\n",
            "Hello, **world**.",
        ),
    );
    t.write(
        "articles/2026-02-03-dated-name.md",
        md("Dated by file name", "", "No date in the front matter."),
    );
    t.write(
        "articles/custom.md",
        md(
            "Custom slug",
            "date: 2026-03-01T00:00:00Z\nslug: my-slug\n",
            "Body.",
        ),
    );
    t.write("articles/plain.txt", "Plain text headline\nA sub-headline on the second line\n\nThe body of a plain text article.\n");
    t.write(
        "articles/toml.md",
        "+++\ntitle = \"TOML front matter\"\ndate = 2026-04-01T00:00:00Z\ntags = [\"rust\"]\n+++\n\nWritten with TOML front matter.\n",
    );
    t.write(
        "articles/page.html",
        "---\ntitle: An HTML article\ndate: 2026-05-01T00:00:00Z\n---\n<p>Written in <em>HTML</em>.</p>\n",
    );
    t.write(
        "articles/sub/deep.md",
        md(
            "In a subdirectory",
            "date: 2026-06-01T00:00:00Z\n",
            "Nested.",
        ),
    );
    t.write(
        "articles/future.md",
        md(
            "From the future",
            "date: 2031-01-01T00:00:00Z\n",
            "Not yet.",
        ),
    );
    t.write(
        "articles/draft.md",
        md(
            "Unfinished draft",
            "date: 2026-01-02T00:00:00Z\ndraft: true\n",
            "Not ever.",
        ),
    );
}

const MIXED_PUBLISHED: &[(&str, &str)] = &[
    ("First post", "first-post"),
    ("Dated by file name", "dated-name"),
    ("Custom slug", "my-slug"),
    ("Plain text headline", "plain"),
    ("TOML front matter", "toml"),
    ("An HTML article", "page"),
    ("In a subdirectory", "deep"),
];

#[test]
fn build_writes_feeds_pages_and_tag_pages() {
    let t = TestDir::new();
    write_mixed_articles(&t);
    // No config file and no flags: `articles/` in, `feeds/` out.
    t.run(&["build"]).expect_code(0);
    let out = t.path("feeds");
    let feeds = Feeds::load(&out);
    let want: BTreeSet<String> = MIXED_PUBLISHED
        .iter()
        .map(|(title, _)| title.to_string())
        .collect();
    assert_eq!(feeds.title_set(), want);
    feeds.assert_newest_first();

    // Permalinks are `{base_url}articles/{slug}/`, and each has its page.
    for (title, slug) in MIXED_PUBLISHED {
        let item = feeds.item(title);
        assert_eq!(
            item["url"],
            format!("{DEFAULT_BASE}articles/{slug}/"),
            "url of {title:?}"
        );
        let page = t.read_string(&format!("feeds/articles/{slug}/index.html"));
        assert!(
            page.contains(title),
            "articles/{slug}/index.html does not show its title {title:?}"
        );
    }
    let index = t.read_string("feeds/index.html");
    for (title, _) in MIXED_PUBLISHED {
        assert!(index.contains(title), "index.html does not list {title:?}");
    }
    // The sub-headline of a .txt is not its title, and the date prefix is not in the slug.
    assert!(!t.exists("feeds/articles/2026-02-03-dated-name"));
    assert_eq!(
        feeds.item("Dated by file name")["date_published"]
            .as_str()
            .map(|d| d.starts_with("2026-02-0")),
        Some(true)
    );

    // Tag pages: each tag gets its own feeds, listing only its articles.
    for (tag, titles) in [
        ("rust", &["First post", "TOML front matter"][..]),
        ("news", &["First post"][..]),
    ] {
        let dir = out.join("tags").join(tag);
        assert!(
            dir.join("atom.xml").is_file(),
            "tags/{tag}/atom.xml missing; have {:?}",
            tree(&out).keys().collect::<Vec<_>>()
        );
        let page = fs::read_to_string(dir.join("index.html")).expect("tag page");
        for title in titles {
            assert!(page.contains(&format!("\">{title}</a></h2>")), "{page}");
        }
        for (name, bytes) in tree(&dir) {
            if name.ends_with(".xml") {
                assert_well_formed_xml(&format!("tags/{tag}/{name}"), &bytes);
            }
            if name.ends_with(".xml") || name.ends_with(".json") {
                let feed = parse_feed(&format!("tags/{tag}/{name}"), &bytes);
                let got: BTreeSet<String> = entry_titles(&feed).into_iter().collect();
                assert_eq!(got, set(titles), "tags/{tag}/{name}");
            }
        }
    }

    // Neither the future article nor the draft appears anywhere.
    for hidden in [
        "From the future",
        "Unfinished draft",
        "Not yet.",
        "Not ever.",
    ] {
        assert_eq!(
            any_file_contains(&out, hidden),
            None,
            "{hidden:?} was published"
        );
    }
    assert!(!t.exists("feeds/articles/future"));
    assert!(!t.exists("feeds/articles/draft"));

    // A future date or a draft is not a problem.
    let check = t.run(&["check"]);
    check.expect_code(0);
    assert!(
        !check.output().contains("future.md") && !check.output().contains("draft.md"),
        "{}",
        check.output()
    );
}

#[test]
fn bad_articles_fail_the_build_but_the_good_ones_are_published() {
    let t = TestDir::new();
    t.write(
        "articles/good.md",
        md("A good article", "date: 2026-01-01T00:00:00Z\n", "Fine."),
    );
    // Invalid YAML on line 4.
    t.write(
        "articles/broken.md",
        "---\ntitle: Broken\ndate: 2026-01-02T00:00:00Z\ntags: [a, b\n---\n\nBody.\n",
    );
    t.write(
        "articles/unclosed.md",
        "---\ntitle: Never closed\ndate: 2026-01-03T00:00:00Z\n\nBody.\n",
    );
    t.write(
        "articles/binary.md",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00",
    );
    // GB18030 is a legacy encoding, not a problem.
    let gb = "城南公园今日重新开放\n——改造后新增儿童游乐区和健身步道\n\n□ 记者 赵六\n\n本报讯　经过三个月的改造，城南公园今天上午重新向市民开放。公园内新建了儿童游乐区，并铺设了一条一点二公里长的健身步道。\n";
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(gb);
    assert!(!unmappable);
    t.write("articles/gb18030.txt", &bytes);

    let build = t.run(&["build"]);
    build.expect_code(1);
    assert!(
        has_line_with_number(&build.stderr, "articles/broken.md"),
        "stderr should name articles/broken.md with its line:\n{}",
        build.stderr
    );
    assert!(
        build.stderr.contains("articles/binary.md"),
        "stderr should name articles/binary.md:\n{}",
        build.stderr
    );
    assert!(
        build.stderr.contains("articles/unclosed.md"),
        "stderr should name articles/unclosed.md:\n{}",
        build.stderr
    );
    assert!(
        !build.stderr.contains("gb18030.txt"),
        "the GB18030 article is not a problem:\n{}",
        build.stderr
    );

    let feeds = Feeds::load(&t.path("feeds"));
    assert_eq!(
        feeds.title_set(),
        set(&["A good article", "城南公园今日重新开放"])
    );
    assert!(t.exists("feeds/articles/good/index.html"));
    assert!(t.exists("feeds/articles/gb18030/index.html"));

    let check = t.run(&["check"]);
    check.expect_code(1);
    let out = check.output();
    assert!(
        has_line_with_number(&out, "articles/broken.md"),
        "check should print `articles/broken.md:LINE: message`:\n{out}"
    );
    assert!(
        has_problem_line(&out, "articles/binary.md"),
        "check should print `articles/binary.md: message`:\n{out}"
    );
    assert!(
        has_problem_line(&out, "articles/unclosed.md"),
        "check should print `articles/unclosed.md: message`:\n{out}"
    );
    assert!(
        !out.contains("good.md") && !out.contains("gb18030.txt"),
        "check names good articles:\n{out}"
    );

    // Once the problems are gone, both commands succeed.
    t.remove("articles/broken.md");
    t.remove("articles/unclosed.md");
    t.remove("articles/binary.md");
    t.run(&["check"]).expect_code(0);
    t.run(&["build"]).expect_code(0);
}

#[test]
fn unknown_config_key_exits_2_naming_it() {
    let t = TestDir::new();
    t.write(
        "articles/a.md",
        md("A", "date: 2026-01-01T00:00:00Z\n", "A."),
    );
    t.write("config/feedpub.toml", "[feeds]\nlimt = 3\n");
    for cmd in ["build", "check"] {
        let r = t.run(&[cmd]);
        r.expect_code(2);
        assert!(
            r.stderr.contains("unknown key \"feeds.limt\""),
            "{cmd}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("config/feedpub.toml"),
            "{cmd}: stderr should name the file: {}",
            r.stderr
        );
    }
    assert!(
        !t.exists("feeds"),
        "build wrote output despite a bad config"
    );

    // The same through --config.
    t.write(
        "other.toml",
        "[site]\ntitle = \"x\"\n[sight]\ntitle = \"y\"\n",
    );
    let r = t.run(&["check", "--config", "other.toml"]);
    r.expect_code(2);
    assert!(r.stderr.contains("unknown key \"sight\""), "{}", r.stderr);
    assert!(r.stderr.contains("other.toml"), "{}", r.stderr);
}

#[test]
fn wrong_config_types_exit_2_naming_the_key() {
    let t = TestDir::new();
    t.write(
        "articles/a.md",
        md("A", "date: 2026-01-01T00:00:00Z\n", "A."),
    );
    let cases = [
        ("[feeds]\nlimit = \"many\"\n", "feeds.limit"),
        (
            "[articles]\nsanitize_html = \"yes\"\n",
            "articles.sanitize_html",
        ),
        ("[site]\ntimezone = \"Mars/Olympus\"\n", "site.timezone"),
        ("[server]\nlisten = 8080\n", "server.listen"),
        ("[site]\nbase_url = \"not a url\"\n", "site.base_url"),
    ];
    for (text, key) in cases {
        t.write("config/feedpub.toml", text);
        for cmd in ["build", "check"] {
            let r = t.run(&[cmd]);
            r.expect_code(2);
            assert!(
                r.stderr.contains(&format!("\"{key}\"")),
                "{cmd} with {text:?}: stderr should name {key}: {}",
                r.stderr
            );
        }
    }
    assert!(
        !t.exists("feeds"),
        "build wrote output despite a bad config"
    );
}

#[test]
fn rebuild_removes_stale_outputs_but_not_user_files() {
    let t = TestDir::new();
    t.write(
        "articles/keep.md",
        md(
            "Kept article",
            "date: 2026-01-01T00:00:00Z\ntags: [kept]\n",
            "Stays.",
        ),
    );
    t.write(
        "articles/gone.md",
        md(
            "Going away",
            "date: 2026-01-02T00:00:00Z\ntags: [gone-tag]\n",
            "Leaves.",
        ),
    );
    // Files the user put in the out dir, before and after the first build.
    t.write("feeds/README.md", "my notes about this directory\n");
    t.run(&["build"]).expect_code(0);
    t.write("feeds/robots.txt", "User-agent: *\n");
    t.write("feeds/static/site.css", "body { color: black }\n");
    assert!(t.exists("feeds/articles/gone/index.html"));
    assert!(t.path("feeds/tags/gone-tag").is_dir());

    t.remove("articles/gone.md");
    t.run(&["build"]).expect_code(0);
    assert!(
        !t.exists("feeds/articles/gone"),
        "the deleted article's page dir is still there"
    );
    assert!(
        !t.exists("feeds/tags/gone-tag"),
        "the vanished tag's dir is still there"
    );
    assert_eq!(any_file_contains(&t.path("feeds"), "Going away"), None);
    assert!(t.exists("feeds/articles/keep/index.html"));
    assert!(t.path("feeds/tags/kept").is_dir());
    assert_eq!(
        Feeds::load(&t.path("feeds")).title_set(),
        set(&["Kept article"])
    );
    assert_eq!(
        t.read_string("feeds/README.md"),
        "my notes about this directory\n"
    );
    assert_eq!(t.read_string("feeds/robots.txt"), "User-agent: *\n");
    assert_eq!(
        t.read_string("feeds/static/site.css"),
        "body { color: black }\n"
    );
}

#[test]
fn flags_override_the_config_file() {
    let t = TestDir::new();
    t.write(
        "config/feedpub.toml",
        "[site]\nbase_url = \"https://config.example/\"\n[articles]\ndir = \"from-config\"\n[feeds]\nout_dir = \"out-config\"\n",
    );
    t.write(
        "from-config/a.md",
        md("From the config dir", "date: 2026-01-01T00:00:00Z\n", "A."),
    );
    t.write(
        "from-flag/b.md",
        md("From the flag dir", "date: 2026-01-02T00:00:00Z\n", "B."),
    );
    t.write(
        "alt.toml",
        "[articles]\ndir = \"from-config\"\n[feeds]\nout_dir = \"out-alt\"\n",
    );

    // The config file is read from config/feedpub.toml by default.
    t.run(&["build"]).expect_code(0);
    let feeds = Feeds::load(&t.path("out-config"));
    assert_eq!(feeds.title_set(), set(&["From the config dir"]));
    assert_eq!(
        feeds.item("From the config dir")["url"],
        "https://config.example/articles/a/"
    );
    assert!(!t.exists("feeds"));

    // Flags win over the file.
    t.run(&[
        "build",
        "--articles",
        "from-flag",
        "--out",
        "out-flag",
        "--base-url",
        "https://flag.example/news",
    ])
    .expect_code(0);
    let feeds = Feeds::load(&t.path("out-flag"));
    assert_eq!(feeds.title_set(), set(&["From the flag dir"]));
    assert_eq!(
        feeds.item("From the flag dir")["url"],
        "https://flag.example/news/articles/b/"
    );
    assert_eq!(
        Feeds::load(&t.path("out-config")).title_set(),
        set(&["From the config dir"]),
        "out-config was touched"
    );

    // --config replaces the default file (and its base URL) entirely.
    t.run(&["build", "--config", "alt.toml"]).expect_code(0);
    let feeds = Feeds::load(&t.path("out-alt"));
    assert_eq!(
        feeds.item("From the config dir")["url"],
        format!("{DEFAULT_BASE}articles/a/")
    );

    // A bad --base-url is a usage error.
    let r = t.run(&["build", "--base-url", "ftp://nope/"]);
    assert_ne!(r.code(), Some(0), "a bad --base-url was accepted");
}

#[test]
fn building_twice_gives_byte_identical_output() {
    let t = TestDir::new();
    write_mixed_articles(&t);
    t.run(&["build"]).expect_code(0);
    let first = tree(&t.path("feeds"));
    assert!(first.contains_key("rss.xml"));
    t.run(&["build"]).expect_code(0);
    let second = tree(&t.path("feeds"));
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>(),
        "a rebuild wrote a different set of files"
    );
    for (name, bytes) in &first {
        assert!(
            second[name] == *bytes,
            "{name} changed on rebuild:\n--- first\n{}\n--- second\n{}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&second[name])
        );
    }
    // A fresh out dir gets the same published files (bookkeeping dot-files aside).
    t.run(&["build", "--out", "other"]).expect_code(0);
    let visible = |m: std::collections::BTreeMap<String, Vec<u8>>| {
        m.into_iter()
            .filter(|(k, _)| !k.split('/').any(|c| c.starts_with('.')))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    assert!(
        visible(first) == visible(tree(&t.path("other"))),
        "a build into a fresh dir differs"
    );
}

#[test]
fn symlinks_out_of_the_articles_dir_are_not_published() {
    let t = TestDir::new();
    t.write(
        "articles/fine.md",
        md("Fine article", "date: 2026-01-01T00:00:00Z\n", "Fine."),
    );
    t.write(
        "outside/secret.md",
        md(
            "Secret outside article",
            "date: 2026-01-01T00:00:00Z\n",
            "Secret.",
        ),
    );
    std::os::unix::fs::symlink("/etc/passwd", t.path("articles/passwd.txt")).expect("symlink");
    std::os::unix::fs::symlink("/etc/passwd", t.path("articles/passwd.md")).expect("symlink");
    std::os::unix::fs::symlink(t.path("outside"), t.path("articles/outside")).expect("symlink");
    std::os::unix::fs::symlink("../outside/secret.md", t.path("articles/relative.md"))
        .expect("symlink");
    t.run(&["build"]).expect_code(0);
    assert_eq!(
        Feeds::load(&t.path("feeds")).title_set(),
        set(&["Fine article"])
    );
    let passwd = fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    let first_line = passwd.lines().next().expect("/etc/passwd has a line");
    assert_eq!(
        any_file_contains(&t.path("feeds"), first_line),
        None,
        "/etc/passwd was published"
    );
    assert_eq!(
        any_file_contains(&t.path("feeds"), "Secret outside"),
        None,
        "a file outside the articles dir was published"
    );
    assert!(!t.exists("feeds/articles/passwd"));
}

/// Hugo's and Zola's page bundles (`my-post/index.md`) are named and dated by their directory,
/// not all `index` plus a suffix.
#[test]
fn page_bundles_are_named_by_their_directory() {
    let t = TestDir::new();
    t.write(
        "articles/posts/2024-03-01-trip/index.md",
        md("Trip", "", "Went."),
    );
    t.write(
        "articles/posts/garden/index.md",
        md("Garden", "date: 2024-04-01T00:00:00Z\n", "Grew."),
    );
    t.write(
        "articles/index.md",
        md("Top", "date: 2024-05-01T00:00:00Z\n", "Top."),
    );
    t.run(&["build"]).expect_code(0);
    let feeds = Feeds::load(&t.path("feeds"));
    for (title, slug) in [("Trip", "trip"), ("Garden", "garden"), ("Top", "index")] {
        let url = feeds.item(title)["url"].as_str().unwrap_or_default();
        assert!(
            url.ends_with(&format!("/articles/{slug}/")),
            "{title}: {url}"
        );
        assert!(
            t.exists(&format!("feeds/articles/{slug}/index.html")),
            "{slug}"
        );
    }
    assert!(feeds.item("Trip")["date_published"]
        .as_str()
        .is_some_and(|d| d.starts_with("2024-03-01")));
}

#[test]
fn utf16_and_legacy_encodings_are_decoded() {
    let t = TestDir::new();
    let utf16 = |text: &str, be: bool| -> Vec<u8> {
        let mut out = if be {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for unit in text.encode_utf16() {
            out.extend_from_slice(&if be {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        out
    };
    t.write("articles/utf16le.md", utf16("---\ntitle: UTF-16 LE 标题\ndate: 2026-01-05T00:00:00Z\n---\n\nLittle-endian body, 正文。\n", false));
    t.write(
        "articles/utf16be.txt",
        utf16("UTF-16 BE 新闻标题\n\n正文内容，大端字节序。\n", true),
    );
    let legacy = |enc: &'static encoding_rs::Encoding, text: &str| -> Vec<u8> {
        let (bytes, _, unmappable) = enc.encode(text);
        assert!(!unmappable, "{} cannot encode {text:?}", enc.name());
        bytes.into_owned()
    };
    t.write(
        "articles/big5.txt",
        legacy(
            encoding_rs::BIG5,
            "臺北市立圖書館週末延長開放\n\n臺北市立圖書館宣佈，自下個月起，週末開放時間延長至晚間九點。館方表示，這項措施是回應讀者長期以來的建議，希望讓上班族與學生有更多時間使用館內資源。\n",
        ),
    );
    t.write(
        "articles/sjis.txt",
        legacy(
            encoding_rs::SHIFT_JIS,
            "図書館で新しい読書会が始まりました\n\n毎週土曜日の午後、地域の図書館で読書会が開かれています。参加は無料で、どなたでも気軽に参加できます。申し込みは図書館のカウンターで受け付けています。\n",
        ),
    );
    t.run(&["build"]).expect_code(0);
    let feeds = Feeds::load(&t.path("feeds"));
    assert_eq!(
        feeds.title_set(),
        set(&[
            "UTF-16 LE 标题",
            "UTF-16 BE 新闻标题",
            "臺北市立圖書館週末延長開放",
            "図書館で新しい読書会が始まりました"
        ])
    );
    let content = feeds.item("UTF-16 LE 标题")["content_html"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        content.contains("正文"),
        "UTF-16 LE body not decoded: {content:?}"
    );
}

/// Short items in legacy CJK encodings, BOM-less UTF-16 without NUL bytes, and a BOM left
/// inside a file by `cat`: each is published as its own text, and damaged UTF-8 is a problem.
#[test]
fn short_cjk_items_and_inner_boms_are_published_as_written() {
    let t = TestDir::new();
    let legacy = |enc: &'static encoding_rs::Encoding, text: &str| -> Vec<u8> {
        let (bytes, _, unmappable) = enc.encode(text);
        assert!(!unmappable, "{} cannot encode {text:?}", enc.name());
        bytes.into_owned()
    };
    let items: [(&str, &'static encoding_rs::Encoding, &str, &str); 5] = [
        ("gbk.txt", encoding_rs::GBK, "张堃当选", "他说：“好。”"),
        ("euckr.txt", encoding_rs::EUC_KR, "서울 날씨", "오늘 맑음"),
        ("big5.txt", encoding_rs::BIG5, "總統就職", "臺北訊"),
        ("sjis.txt", encoding_rs::SHIFT_JIS, "ﾆｭｰｽ速報", "東京"),
        ("gb18030.txt", encoding_rs::GB18030, "习近平", "会见外宾"),
    ];
    for (name, enc, title, body) in items {
        t.write(
            &format!("articles/{name}"),
            legacy(enc, &format!("{title}\n\n{body}\n")),
        );
    }
    // UTF-16 LE without BOM, all hanzi: no NUL byte anywhere.
    let utf16: Vec<u8> = "今日要闻"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    t.write("articles/utf16.txt", utf16);
    t.write(
        "articles/joined.txt",
        "\u{FEFF}标题一\n\n正文一。\n\u{FEFF}标题二\n\n正文二。\n",
    );
    // UTF-8 with one byte of `闻` cut out.
    t.write("articles/damaged.txt", b"\xe6\x96\xb0\xe9\x97\n\nok\n");
    let build = t.run(&["build"]);
    build.expect_code(1);
    assert!(
        build.stderr.contains("damaged.txt") && build.stderr.contains("decode"),
        "the damaged UTF-8 file is reported as undecodable:\n{}",
        build.stderr
    );
    let feeds = Feeds::load(&t.path("feeds"));
    assert_eq!(
        feeds.title_set(),
        set(&[
            "张堃当选",
            "서울 날씨",
            "總統就職",
            "ﾆｭｰｽ速報",
            "习近平",
            "今日要闻",
            "标题一"
        ])
    );
    for (_, _, title, body) in items {
        let content = feeds.item(title)["content_html"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(content.contains(body), "{title}: {content:?}");
    }
    let joined = feeds.item("标题一");
    for field in ["content_html", "summary"] {
        let text = joined[field].as_str().unwrap_or_default();
        assert!(text.contains("标题二"), "{field}: {text:?}");
        assert!(!text.contains('\u{FEFF}'), "{field} keeps a BOM: {text:?}");
    }
}

/// The shipped sample articles and config: `build` and `check` are clean.
#[test]
fn the_repository_articles_and_config_are_clean() {
    let t = TestDir::new();
    let out = t.path("out");
    let out_arg = out.to_str().expect("UTF-8 temp path");
    // `check` of config/feedpub.toml and articles/.
    let check = run(feedpub(Path::new(REPO), &["check"]));
    check.expect_code(0);
    let shipped = tree(&Path::new(REPO).join("articles"));
    assert_eq!(
        shipped.len(),
        12,
        "the sample articles: {:?}",
        shipped.keys().collect::<Vec<_>>()
    );
    for name in shipped.keys() {
        assert!(
            !has_problem_line(&check.output(), &format!("articles/{name}")),
            "check reported a problem:\n{}",
            check.output()
        );
    }

    run(feedpub(Path::new(REPO), &["build", "--out", out_arg])).expect_code(0);
    let feeds = Feeds::load(&out);
    let want = set(&[
        "Hello from feedpub",
        "A tour of the Markdown we support",
        "Field notes: counting herons on the east river",
        "Charts and images in articles",
        "About this site",
        "An autumn reading list from the night desk",
        "滨江夜市开市首周客流超过三万人次",
        "城东菜市场改造完工 下月起恢复营业",
        "社区图书馆延长开放时间",
        "本地简讯两则",
    ]);
    assert_eq!(feeds.title_set(), want);
    feeds.assert_newest_first();
    assert_eq!(feeds.json["title"], "feedpub demo");
    for (title, slug) in [
        ("Hello from feedpub", "hello-feedpub"),
        ("About this site", "about"),
        (
            "An autumn reading list from the night desk",
            "autumn-reading-2025",
        ),
    ] {
        assert_eq!(
            feeds.item(title)["url"],
            format!("{DEFAULT_BASE}articles/{slug}/"),
            "url of {title:?}"
        );
        assert!(
            out.join("articles").join(slug).join("index.html").is_file(),
            "no page for {slug}"
        );
    }
    assert_eq!(
        feeds.item("An autumn reading list from the night desk")["id"],
        "tag:demo.feedpub.example,2025-10-05:autumn-reading-list"
    );
    // The date comes from the file name.
    let hello = feeds.item("Hello from feedpub")["date_published"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        hello.starts_with("2025-04-1"),
        "date of the hello post: {hello}"
    );
    // No carriage return survives from the CRLF file.
    assert!(feeds.titles().iter().all(|t| !t.contains('\r')));
    let crlf = feeds.item("本地简讯两则")["content_html"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        !crlf.contains('\r'),
        "CR left in the CRLF article's content: {crlf:?}"
    );
    assert!(
        out.join("tags").join("本地新闻").is_dir(),
        "no page for the Chinese tag"
    );
    for hidden in [
        "Scheduled: our plans for 2031",
        "Draft: the canteen winter menu",
    ] {
        assert_eq!(
            any_file_contains(&out, hidden),
            None,
            "{hidden:?} was published"
        );
    }
}

#[test]
fn special_characters_and_markup_in_articles_stay_safe_and_well_formed() {
    let t = TestDir::new();
    t.write(
        "articles/special.md",
        "---\ntitle: 'Fish & Chips <b>\"bold\"</b> ]]> it''s'\ndate: 2026-01-01T00:00:00Z\ntags: [\"c&c\"]\n---\n\nBody with a ]]> CDATA end, a vertical tab \u{b} and an escape \u{1b} character.\n\n<script>alert('md')</script>\n\n<img src=\"x.png\" onerror=\"alert('img')\">\n",
    );
    t.write(
        "articles/evil.html",
        "---\ntitle: <script>alert('title')</script>\ndate: 2026-01-02T00:00:00Z\n---\n<p onclick=\"alert('p')\">Click</p><script>alert('html')</script><a href=\"javascript:alert('a')\">link</a>\n",
    );
    t.write(
        "articles/ctl.txt",
        "Control \u{7} characters \u{1} in a title\n\nAnd \u{c} in the body.\n",
    );
    t.run(&["build"]).expect_code(0);
    let out = t.path("feeds");
    // Well-formed XML and valid JSON whatever the input.
    let feeds = Feeds::load(&out);
    assert_eq!(feeds.items().len(), 3);
    assert!(
        feeds
            .titles()
            .contains(&"Fish & Chips <b>\"bold\"</b> ]]> it's".to_string()),
        "{:?}",
        feeds.titles()
    );
    for (name, bytes) in tree(&out) {
        if name.ends_with(".xml") {
            assert_well_formed_xml(&name, &bytes);
        }
        // What a reader renders as HTML: whole pages, and the HTML fields of the JSON Feed
        // (its titles are plain text, so markup there is just characters).
        let html = if name.ends_with(".json") {
            let json = parse_json(&name, &bytes);
            let items = json["items"].as_array().cloned().unwrap_or_default();
            items
                .iter()
                .map(|i| i["content_html"].as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
                .join("\n")
        } else if name.ends_with(".html") {
            String::from_utf8_lossy(&bytes).into_owned()
        } else if name.ends_with(".xml") {
            let feed = parse_feed(&name, &bytes);
            feed.entries
                .iter()
                .filter_map(|e| e.content.as_ref()?.body.clone())
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            String::new()
        };
        // No active script survives (sanitize_html defaults to true, and titles are text).
        for bad in ["<script>alert(", "onerror=", "onclick=", "javascript:alert"] {
            assert!(!html.contains(bad), "{name} contains {bad:?}:\n{html}");
        }
        let text = String::from_utf8_lossy(&bytes);
        if name.ends_with(".html") {
            assert!(
                !text.contains("<b>\"bold\"</b>"),
                "{name}: the title's markup was not escaped"
            );
        }
    }
}

#[test]
fn an_empty_articles_dir_builds_empty_feeds() {
    let t = TestDir::new();
    fs::create_dir(t.path("articles")).expect("mkdir");
    t.run(&["build"]).expect_code(0);
    let feeds = Feeds::load(&t.path("feeds"));
    assert!(feeds.items().is_empty());
    assert!(t.exists("feeds/index.html"));
    t.run(&["check"]).expect_code(0);
}

#[test]
fn an_updated_date_in_the_future_never_dates_a_feed_ahead() {
    let t = TestDir::new();
    t.write(
        "articles/a.md",
        md(
            "Typo",
            "date: 2025-02-01T10:00:00Z\nupdated: 2999-02-01T10:00:00Z\n",
            "Body.",
        ),
    );
    let run = t.run(&["build"]);
    run.expect_code(1);
    assert!(
        run.output()
            .contains("a.md: updated 2999-02-01T10:00:00+00:00 is in the future"),
        "{}",
        run.output()
    );
    let now = chrono::Utc::now();
    let atom = parse_feed("atom", &t.read("feeds/atom.xml"));
    let rss = parse_feed("rss", &t.read("feeds/rss.xml"));
    for feed in [&atom, &rss] {
        assert!(feed.updated.is_some_and(|u| u <= now), "{:?}", feed.updated);
    }
    assert!(atom.entries[0].updated.is_some_and(|u| u <= now));
    let json = parse_json("json", &t.read("feeds/feed.json"));
    let modified = json["items"][0]["date_modified"].as_str().unwrap_or("");
    assert!(modified.starts_with("2025-02-01"), "{modified}");
}

#[test]
fn feed_settings_from_the_config_apply() {
    let t = TestDir::new();
    for day in 1..=4 {
        t.write(
            &format!("articles/a{day}.md"),
            md(
                &format!("Article {day}"),
                &format!("date: 2026-01-0{day}T00:00:00Z\n"),
                "Body.",
            ),
        );
    }
    t.write(
        "articles/big.md",
        md("Too big", "date: 2026-01-05T00:00:00Z\n", &"x".repeat(600)),
    );
    t.write(
        "config/feedpub.toml",
        "[site]\ntitle = \"Configured title\"\n[feeds]\nlimit = 2\n[articles]\nmax_bytes = 500\n",
    );
    let build = t.run(&["build"]);
    build.expect_code(1);
    assert!(
        build.stderr.contains("articles/big.md"),
        "the oversized article is a problem:\n{}",
        build.stderr
    );
    let feeds = Feeds::load(&t.path("feeds"));
    assert_eq!(
        feeds.titles(),
        ["Article 4", "Article 3"],
        "feeds.limit = 2 keeps the two newest"
    );
    assert_eq!(feeds.json["title"], "Configured title");
    assert_eq!(
        feeds.rss.title.as_ref().map(|t| t.content.as_str()),
        Some("Configured title")
    );
    let check = t.run(&["check", "--articles", "articles"]);
    check.expect_code(1);
    assert!(
        has_problem_line(&check.output(), "articles/big.md"),
        "{}",
        check.output()
    );
    // Flags reach `check` too: a directory without the big file is clean.
    t.write(
        "small/a.md",
        md("Small", "date: 2026-01-01T00:00:00Z\n", "Body."),
    );
    t.run(&["check", "--articles", "small"]).expect_code(0);
}

#[test]
fn a_missing_articles_dir_fails_without_touching_the_site() {
    let t = TestDir::new();
    t.write(
        "articles/k.md",
        md("Keep me published", "date: 2026-01-01T00:00:00Z\n", "Body."),
    );
    t.run(&["build"]).expect_code(0);
    let before = tree(&t.path("feeds"));
    // Every output was written atomically: no temporary files are left behind.
    for name in before.keys() {
        let file = name.rsplit('/').next().unwrap_or_default();
        assert!(
            !file.ends_with(".tmp") && !file.ends_with(".part") && !file.ends_with('~'),
            "leftover temp file {name}"
        );
        assert!(
            !name.contains('/') || !file.starts_with('.'),
            "leftover hidden file {name}"
        );
    }
    // The articles dir disappears (an unmounted share, a typo in --articles): the published site
    // must not be wiped.
    fs::rename(t.path("articles"), t.path("articles.moved")).expect("rename");
    let r = t.run(&["build"]);
    assert_ne!(
        r.code(),
        Some(0),
        "build without an articles dir succeeded:\n{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("articles"),
        "stderr should name the directory: {}",
        r.stderr
    );
    assert!(
        before == tree(&t.path("feeds")),
        "a failed build changed the published site"
    );
    let r = t.run(&["check"]);
    assert_ne!(r.code(), Some(0), "check without an articles dir succeeded");
}

#[test]
fn an_out_dir_inside_the_articles_dir_is_a_config_error() {
    let t = TestDir::new();
    t.write(
        "articles/a.md",
        md("A", "date: 2026-01-01T00:00:00Z\n", "A."),
    );
    // Each would publish the written pages as articles on the next walk (the daemon: forever).
    for out in [
        "articles",
        "./articles/",
        "articles/feeds",
        "articles/x/../feeds",
    ] {
        for cmd in ["build", "check", "serve"] {
            let mut args = vec![cmd, "--out", out];
            if cmd == "serve" {
                args.extend(["--listen", "127.0.0.1:0"]);
            }
            let r = t.run(&args);
            r.expect_code(2);
            assert!(
                r.stderr.contains("--out"),
                "{cmd} --out {out}: {}",
                r.stderr
            );
        }
    }
    t.write("feedpub.toml", "[feeds]\nout_dir = \"articles/site\"\n");
    let r = t.run(&["build", "--config", "feedpub.toml"]);
    r.expect_code(2);
    assert!(r.stderr.contains("\"feeds.out_dir\""), "{}", r.stderr);
    // The writer fills `articles/` and `tags/` of the out dir.
    let r = t.run(&["build", "--out", ".", "--articles", "articles"]);
    r.expect_code(2);
    assert_eq!(
        any_file_contains(&t.path("articles"), "<html"),
        None,
        "pages were written into the articles dir"
    );
    // Fine: a dot-dir inside is ignored by the walk, and a sibling dir.
    t.run(&["build", "--out", "articles/.site"]).expect_code(0);
    t.run(&["build", "--out", "site"]).expect_code(0);
    t.run(&["build", "--out", "articles-site"]).expect_code(0);
}

#[test]
fn a_chmod_or_a_hard_link_of_the_executable_keeps_the_parse_cache() {
    let t = TestDir::new();
    t.write(
        "articles/a.md",
        md("A", "date: 2026-01-01T00:00:00Z\n", "Body."),
    );
    let exe = t.path("feedpub-copy");
    fs::copy(crate::util::BIN, &exe).expect("copy the executable");
    // Older than the racy window, so the first build's cache vouches for it.
    std::thread::sleep(std::time::Duration::from_millis(2_200));
    let build = |exe: &Path| {
        let out = crate::util::with_args(std::process::Command::new(exe), t.root(), &["build"]);
        run(out)
    };
    build(&exe).expect_code(0);
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&exe, fs::Permissions::from_mode(0o700)).expect("chmod");
    fs::hard_link(&exe, t.path("feedpub-link")).expect("hard link");
    for which in [&exe, &t.path("feedpub-link")] {
        let r = build(which);
        r.expect_code(0);
        assert!(
            r.stderr
                .contains("0 articles parsed, 1 from the parse cache"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn a_second_build_takes_unchanged_articles_from_the_cache_and_sees_every_edit() {
    let t = TestDir::new();
    let body = |word: &str| format!("The {word} word.");
    t.write(
        "articles/a.md",
        md("A", "date: 2026-01-01T00:00:00Z\n", &body("first")),
    );
    t.write(
        "articles/b.md",
        md("B", "date: 2026-01-02T00:00:00Z\n", "Unchanged."),
    );
    // Older than the racy window, so the first build's cache vouches for both.
    std::thread::sleep(std::time::Duration::from_millis(2_200));
    t.run(&["build"]).expect_code(0);
    assert!(t.exists("feeds/.feedpub-cache"), "the build wrote no cache");
    let first = tree(&t.path("feeds"));

    // Same size: only the content (and the times) differ.
    t.write(
        "articles/a.md",
        md("A", "date: 2026-01-01T00:00:00Z\n", &body("other")),
    );
    std::thread::sleep(std::time::Duration::from_millis(2_200));
    let second = t.run(&["build"]);
    second.expect_code(0);
    assert!(
        second
            .stderr
            .contains("1 articles parsed, 1 from the parse cache"),
        "{}",
        second.stderr
    );
    let feeds = Feeds::load(&t.path("feeds"));
    let content = |title: &str| {
        feeds
            .rss
            .entries
            .iter()
            .find(|e| e.title.as_ref().is_some_and(|t| t.content == title))
            .and_then(|e| e.content.as_ref().and_then(|c| c.body.clone()))
            .unwrap_or_default()
    };
    assert!(
        content("A").contains("other"),
        "edit missed: {}",
        content("A")
    );
    assert!(content("B").contains("Unchanged."), "{}", content("B"));
    // That build brought the cache up to date.
    let third = t.run(&["build"]);
    third.expect_code(0);
    assert!(
        third
            .stderr
            .contains("0 articles parsed, 2 from the parse cache"),
        "{}",
        third.stderr
    );

    // Back to the first text: the out dir is byte for byte the first build's.
    t.write(
        "articles/a.md",
        md("A", "date: 2026-01-01T00:00:00Z\n", &body("first")),
    );
    t.run(&["build"]).expect_code(0);
    let mut again = tree(&t.path("feeds"));
    let mut first = first;
    // The cache itself differs: it records each file's version. So do the manifest's dates of
    // the site feeds: the bytes changed twice since the first build, and a daemon started on
    // this out dir must not answer a reader of the second with a 304.
    again.remove(".feedpub-cache");
    first.remove(".feedpub-cache");
    let etags = |tree: &mut BTreeMap<String, Vec<u8>>| {
        let manifest = tree.remove(".feedpub-manifest").unwrap_or_default();
        String::from_utf8_lossy(&manifest)
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                format!("{} {}", f[0], f.last().unwrap_or(&""))
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(etags(&mut again), etags(&mut first));
    assert_eq!(again, first);
}

#[test]
fn problems_name_files_as_the_articles_dir_was_given() {
    let t = TestDir::new();
    t.write(
        "articles/one.md",
        md("One", "date: 2026-01-01T00:00:00Z\nslug: same\n", "One."),
    );
    t.write(
        "articles/two.md",
        md("Two", "date: 2026-01-02T00:00:00Z\nslug: same\n", "Two."),
    );
    t.write("articles/broken.md", "---\ntitle: [unclosed\n---\nx\n");
    let relative = t.run(&["build"]);
    relative.expect_code(1);
    assert!(
        relative.stderr.contains("articles/broken.md:")
            && !relative.stderr.contains(&*t.root().to_string_lossy()),
        "{}",
        relative.stderr
    );
    assert!(
        relative.stderr.contains("also used by articles/one.md"),
        "{}",
        relative.stderr
    );
    // An absolute directory keeps its leading slash.
    let dir = t.path("articles");
    let absolute = t.run(&["build", "--articles", &dir.to_string_lossy()]);
    absolute.expect_code(1);
    assert!(
        absolute
            .stderr
            .contains(&format!("{}:", dir.join("broken.md").display())),
        "{}",
        absolute.stderr
    );
}

#[test]
fn a_fifo_in_place_of_the_cache_or_the_manifest_is_ignored_not_waited_on() {
    // Opening a FIFO for reading blocks until a writer comes: a build (or a daemon's first
    // load) hung for good on one left at `.feedpub-cache` or `.feedpub-manifest` (found by
    // putting one there by hand).
    for name in [".feedpub-cache", ".feedpub-manifest"] {
        let t = TestDir::new();
        t.write(
            "articles/a.md",
            md("A", "date: 2026-01-01T00:00:00Z\n", "Body."),
        );
        fs::create_dir_all(t.path("feeds")).expect("mkdir feeds");
        mkfifo(&t.path("feeds").join(name));
        let mut child = crate::util::ChildGuard(
            t.feedpub(&["build"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("spawn feedpub"),
        );
        let done = crate::util::wait_until(std::time::Duration::from_secs(20), || {
            child.0.try_wait().ok().flatten().is_some()
        });
        assert!(done, "the build hung on a FIFO at {name}");
        let feeds = Feeds::load(&t.path("feeds"));
        assert_eq!(entry_titles(&feeds.rss), ["A"], "{name}");
    }
}

#[test]
fn a_fifo_with_an_article_name_is_reported_not_read() {
    // Opening it would wait for a writer forever; skipping it silently hid it from `check`.
    let t = TestDir::new();
    t.write(
        "articles/a.md",
        md("A", "date: 2026-01-01T00:00:00Z\n", "Body."),
    );
    mkfifo(&t.path("articles/pipe.md"));
    let check = t.run(&["check"]);
    check.expect_code(1);
    assert!(
        check
            .output()
            .contains("pipe.md: not a regular file (a FIFO, socket or device)"),
        "{}",
        check.output()
    );
    t.run(&["build"]).expect_code(1);
    let feeds = Feeds::load(&t.path("feeds"));
    assert_eq!(entry_titles(&feeds.rss), ["A"]);
}

/// A front matter `id` copied from another article's URL would give two items one GUID and
/// one Atom id, and readers would merge them: the URL stays the id of its own article.
#[test]
fn an_id_that_is_another_articles_permalink_stays_with_that_article() {
    let t = TestDir::new();
    t.write(
        "articles/original.md",
        md("Original", "date: 2026-01-02T00:00:00Z\n", "First."),
    );
    let copied = format!("id: \"{DEFAULT_BASE}articles/original/\"\ndate: 2026-01-01T00:00:00Z\n");
    t.write("articles/copy.md", md("Copy", &copied, "Second."));

    let build = t.run(&["build"]);
    build.expect_code(1);
    assert!(
        has_problem_line(&build.stderr, "articles/copy.md"),
        "the copied id should be reported:\n{}",
        build.stderr
    );
    let feeds = Feeds::load(&t.path("feeds"));
    let ids = |feed: &feed_rs::model::Feed| -> BTreeSet<String> {
        feed.entries.iter().map(|e| e.id.clone()).collect()
    };
    let both = set(&[
        &format!("{DEFAULT_BASE}articles/original/"),
        &format!("{DEFAULT_BASE}articles/copy/"),
    ]);
    assert_eq!(ids(&feeds.rss), both, "RSS guids");
    assert_eq!(ids(&feeds.atom), both, "Atom ids");
    let json_ids: BTreeSet<String> = feeds
        .items()
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(json_ids, both, "JSON Feed ids");
}

/// A UTF-8 article with one stray NUL byte is damaged, and reported as binary whatever its
/// length: an even number of bytes also decodes "cleanly" as UTF-16, into CJK mojibake that
/// replaced the article (its front matter read as body text).
#[test]
fn a_stray_nul_in_a_utf8_article_is_reported_not_read_as_utf16() {
    let t = TestDir::new();
    t.write(
        "articles/good.md",
        md("Good", "date: 2026-01-01T00:00:00Z\n", "Fine."),
    );
    let even = "---\ntitle: Even\ndate: 2026-01-02T00:00:00Z\n---\n\nA stray \0 byte.\n";
    let odd = "---\ntitle: Odd\ndate: 2026-01-02T00:00:00Z\n---\n\nA stray \0 byte!\n";
    assert_eq!(even.len() % 2, 0);
    assert_eq!(odd.len() % 2, 1);
    t.write("articles/even.md", even);
    t.write("articles/odd.md", odd);

    let build = t.run(&["build"]);
    build.expect_code(1);
    for path in ["articles/even.md", "articles/odd.md"] {
        assert!(
            has_problem_line(&build.stderr, path),
            "{path} should be reported:\n{}",
            build.stderr
        );
    }
    assert_eq!(Feeds::load(&t.path("feeds")).title_set(), set(&["Good"]));
}
