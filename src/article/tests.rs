//! `parse` end to end: formats, fallbacks and errors as a user sees them.

use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use encoding_rs::{BIG5, GB18030, SHIFT_JIS};

use super::*;

const MTIME_SECS: u64 = 1_700_000_000; // 2023-11-14T22:13:20Z

fn source(name: &str, bytes: impl Into<Vec<u8>>) -> Source {
    Source {
        path: PathBuf::from("articles").join(name),
        bytes: bytes.into(),
        modified: UNIX_EPOCH + Duration::from_secs(MTIME_SECS),
        dir_name: Path::new(name)
            .parent()
            .and_then(Path::file_name)
            .map(Into::into),
    }
}

fn opts(sanitize_html: bool) -> ParseOptions {
    ParseOptions {
        base_url: "https://news.example/".into(),
        timezone: chrono_tz::Asia::Shanghai,
        sanitize_html,
        language: "en".into(),
    }
}

fn ok(name: &str, bytes: impl Into<Vec<u8>>) -> Article {
    match parse(&source(name, bytes), &opts(true)) {
        Ok(a) => a,
        Err(e) => panic!("{name}: {e}"),
    }
}

fn err(name: &str, bytes: impl Into<Vec<u8>>) -> ArticleError {
    match parse(&source(name, bytes), &opts(true)) {
        Ok(a) => panic!("{name}: expected an error, got {a:?}"),
        Err(e) => e,
    }
}

fn encode(encoding: &'static encoding_rs::Encoding, text: &str) -> Vec<u8> {
    encoding.encode(text).0.into_owned()
}

#[test]
fn markdown_with_yaml_front_matter() {
    let a = ok(
        "2024-05-01-launch.md",
        "---\ntitle: Launch\ndate: 2024-05-02 09:30\nupdated: 2024-05-01\nauthor: Ann\ntags: [news, ' news ', '', launch, News, LAUNCH, Web Dev, web-dev]\nid: urn:1\ndraft: true\nlang: en\ncategories: [x]\n---\nHello [there](rel/page.html) ![i](/img.png).\n",
    );
    assert_eq!(a.title, "Launch");
    assert_eq!(a.slug, "launch");
    assert_eq!(a.date.to_rfc3339(), "2024-05-02T09:30:00+08:00");
    assert_eq!(a.updated, a.date, "updated before date becomes the date");
    assert_eq!(
        (
            a.author.as_deref(),
            a.id.as_deref(),
            a.lang.as_deref(),
            a.draft
        ),
        (Some("Ann"), Some("urn:1"), Some("en"), true)
    );
    assert_eq!(a.tags, ["news", "launch", "Web Dev"]);
    assert_eq!(a.summary, "Hello there .");
    assert_eq!(
        a.content_html.html(),
        "<p>Hello <a href=\"https://news.example/articles/launch/rel/page.html\">there</a> <img src=\"https://news.example/img.png\" alt=\"i\" />.</p>\n"
    );
}

#[test]
fn toml_front_matter_and_title_from_heading() {
    let a = ok("post.markdown", "+++\ndate = 2024-05-01T08:00:00Z\nslug = \"春节 特稿\"\nsummary = \"Given.\"\n+++\n# 春节特稿\n\n正文。\n");
    assert_eq!(
        (a.title.as_str(), a.slug.as_str(), a.summary.as_str()),
        ("春节特稿", "春节-特稿", "Given.")
    );
    assert_eq!(a.date.to_rfc3339(), "2024-05-01T08:00:00+00:00");
    assert_eq!(a.content_html.html(), "<p>正文。</p>\n");
    assert_eq!(
        permalink("https://news.example/", &a.slug),
        "https://news.example/articles/%E6%98%A5%E8%8A%82-%E7%89%B9%E7%A8%BF/"
    );
}

#[test]
fn dates_fall_back_to_file_name_then_mtime() {
    let a = ok("2024-02-29-leap.md", "# T\n");
    assert_eq!(a.date.to_rfc3339(), "2024-02-29T00:00:00+08:00");
    let a = ok("plain.md", "# T\n");
    assert_eq!(a.date.to_rfc3339(), "2023-11-15T06:13:20+08:00");
    assert_eq!(a.updated, a.date);
    let a = ok("2024-05-01.md", "# T\n");
    assert_eq!(
        (a.slug.as_str(), a.date.to_rfc3339().as_str()),
        ("2024-05-01", "2024-05-01T00:00:00+08:00")
    );
}

#[test]
fn errors_name_the_line() {
    let cases: Vec<(&str, &str, Option<usize>, ArticleErrorKind)> = vec![
        (
            "a.md",
            "---\ntitle: x\ndate: 2024-13-01\n---\n",
            Some(3),
            ArticleErrorKind::BadDate {
                value: "2024-13-01".into(),
                reason: String::new(),
            },
        ),
        (
            "a.md",
            "+++\ntitle = 'x'\n\nupdated = 10:00:00\n+++\n",
            Some(4),
            ArticleErrorKind::BadDate {
                value: "10:00:00".into(),
                reason: String::new(),
            },
        ),
        (
            "a.md",
            "---\ntitle: x\nslug: a/b\n---\n",
            Some(3),
            ArticleErrorKind::BadSlug("a/b".into()),
        ),
        (
            "a.md",
            "---\ntitle: x\n",
            Some(1),
            ArticleErrorKind::UnclosedFrontMatter("---"),
        ),
        (
            "a.html",
            "+++\ntitle = 'x'\n",
            Some(1),
            ArticleErrorKind::UnclosedFrontMatter("+++"),
        ),
        (
            "a.md",
            "---\ntitle: x\ntitle: y\n---\n",
            Some(3),
            ArticleErrorKind::FrontMatter(String::new()),
        ),
        (
            "a.md",
            "---\ntitle: x\ntags: [\n---\n",
            Some(4),
            ArticleErrorKind::FrontMatter(String::new()),
        ),
        ("a.md", "", None, ArticleErrorKind::NoTitle),
        (
            "a.txt",
            "\u{3000}\r\n \r\n",
            None,
            ArticleErrorKind::NoTitle,
        ),
        (
            "a.md",
            "---\ntitle: ''\n---\n\n",
            None,
            ArticleErrorKind::NoTitle,
        ),
        ("a.md", "x\0y", None, ArticleErrorKind::Binary),
        (
            "a.txt",
            "标题\n\n北京\u{FFFD}报道\n",
            Some(3),
            ArticleErrorKind::ReplacementChars { line: 3 },
        ),
        ("a.png", "x", None, ArticleErrorKind::NotAnArticle),
    ];
    for (name, text, line, kind) in cases {
        let e = err(name, text);
        assert_eq!(
            (e.path.clone(), e.line),
            (PathBuf::from("articles").join(name), line),
            "{text:?}: {e}"
        );
        assert_eq!(
            std::mem::discriminant(&e.kind),
            std::mem::discriminant(&kind),
            "{text:?}: {e}"
        );
        if let (
            ArticleErrorKind::BadDate { value, .. },
            ArticleErrorKind::BadDate { value: want, .. },
        ) = (&e.kind, &kind)
        {
            assert_eq!(value, want);
        }
    }
    // A file that cannot be decoded: the line of its first byte that is not UTF-8.
    let e = err(
        "x.md",
        b"---\ntitle: t\n---\nna\xc3\xafve\nline5 caf\xc3\xa9 \xe9 ok\n".to_vec(),
    );
    assert_eq!((e.line, e.kind), (Some(5), ArticleErrorKind::Undecodable));
    let shown = err("2024-x.md", "---\ntitle: x\ndate: soon\n---\n").to_string();
    assert!(
        shown.starts_with("articles/2024-x.md:3: invalid date \"soon\""),
        "{shown}"
    );
}

#[test]
fn encodings_end_to_end() {
    let zh = "春节假期\r\n\r\n\u{3000}\u{3000}全市共接待游客一百二十万人次。\r\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("gb.txt", encode(GB18030, zh), "春节假期"),
        ("big5.txt", encode(BIG5, "臺北新聞\n\n今年春節期間，全市接待遊客人數創下歷史新高。"), "臺北新聞"),
        ("sjis.md", encode(SHIFT_JIS, "# 東京のニュース\n\n今年の正月休みに、市内を訪れた観光客の数は過去最高を記録しました。"), "東京のニュース"),
        ("lf.txt", [b"\xEF\xBB\xBF".as_slice(), "标题\r正文。\r".as_bytes()].concat(), "标题"),
        // UTF-16 without a BOM, as some exporters write it.
        ("u16le.txt", zh.encode_utf16().flat_map(u16::to_le_bytes).collect(), "春节假期"),
        ("u16be.md", "---\r\ntitle: Café\r\n---\r\nx\r\n".encode_utf16().flat_map(u16::to_be_bytes).collect(), "Café"),
    ];
    for (name, bytes, title) in cases {
        let a = ok(name, bytes);
        assert_eq!(a.title, title, "{name}");
        assert!(
            !a.content_html.html().contains('\u{FFFD}') && !a.content_html.html().contains('\r'),
            "{name}: {}",
            a.content_html.html()
        );
    }
    let a = ok("gb.txt", encode(GB18030, zh));
    assert_eq!(
        (&*a.content_html.html(), a.summary.as_str()),
        (
            "<p>全市共接待游客一百二十万人次。</p>\n",
            "全市共接待游客一百二十万人次。"
        )
    );
}

#[test]
fn nel_and_unicode_separators_are_line_breaks_in_every_format() {
    for sep in ["\u{85}", "\u{2028}", "\u{2029}"] {
        let t = ok("t.txt", "Market opens\n\nIt opened.\n".replace('\n', sep));
        assert_eq!(
            (t.title.as_str(), &*t.content_html.html()),
            ("Market opens", "<p>It opened.</p>\n"),
            "{sep:?}"
        );
        // Its front matter seen, a draft is no published article.
        let d = ok(
            "d.md",
            "---\ntitle: Secret\ndraft: true\n---\n\nEmbargoed.\n".replace('\n', sep),
        );
        assert_eq!((d.title.as_str(), d.draft), ("Secret", true), "{sep:?}");
    }
    // One pasted into a title is a space, as before.
    for sep in ["\u{2028}", "\u{2029}"] {
        let p = ok("p.md", format!("---\ntitle: Secret{sep}plans\n---\n\nx\n"));
        assert_eq!(p.title, "Secret plans", "{sep:?}");
    }
}

#[test]
fn windows_1252_character_references_are_kept_everywhere() {
    // `&#146;` is `’` in HTML5; as C1 controls they were dropped (`Dont`).
    let a = ok(
        "a.md",
        "---\ntitle: Don&#146;t panic &#150; it&#146;s fine\n---\n\nWe don&#146;t know &#147;why&#148;, it costs &#128;5.\n",
    );
    assert_eq!(a.title, "Don’t panic – it’s fine");
    assert_eq!(
        (&*a.content_html.html(), a.summary.as_str()),
        (
            "<p>We don’t know “why”, it costs €5.</p>\n",
            "We don’t know “why”, it costs €5."
        )
    );
    let h = ok(
        "h.html",
        "<html><head><title>Don&#146;t panic</title></head><body><h1>Don&#146;t panic</h1><p>It costs &#128;5.</p></body></html>",
    );
    assert_eq!(
        (h.title.as_str(), h.summary.as_str()),
        ("Don’t panic", "It costs €5.")
    );
}

#[test]
fn control_characters_are_removed_everywhere() {
    let a = ok("c.md", "---\ntitle: \"T\\x01itle\"\nauthor: \"A\\x0B\"\ntags: [\"t\\x02ag\"]\nsummary: \"s\\x7F\\u0085\"\n---\nbody \u{1}&#1; \u{FFFF}\n");
    assert_eq!(
        (a.title.as_str(), a.author.as_deref(), a.summary.as_str()),
        ("Title", Some("A"), "s")
    );
    assert_eq!(a.tags, ["tag"]);
    assert!(
        !a.content_html.html().chars().any(xml_safe::is_forbidden),
        "{:?}",
        a.content_html
    );
    let t = ok("c.txt", "T\u{8}itle\n\nbo\u{1B}dy");
    assert_eq!(
        (t.title.as_str(), &*t.content_html.html()),
        ("Title", "<p>body</p>\n")
    );
}

#[test]
fn invalid_character_references_leave_no_replacement_character() {
    // `&#0;`, a surrogate or a code point past U+10FFFF decode to U+FFFD (CommonMark, HTML):
    // the source has none (decode refuses it), so every one in the output came from such a
    // reference, and feed readers take it for damaged text.
    let refs = "&#0; &#xD800; &#1114112; &#xFFFD;";
    let md = ok(
        "r.md",
        format!("---\ntitle: \"T\\uFFFDitle\"\nauthor: \"A\\uFFFD\"\ntags: [\"t\\uFFFDag\"]\n---\nx {refs} y\n"),
    );
    let html = ok("r.html", format!("<title>T{refs}</title><p>x {refs} y</p>"));
    for a in [&md, &html] {
        let fields = [
            a.title.clone(),
            a.summary.clone(),
            a.author.clone().unwrap_or_default(),
            a.tags.join(","),
            a.content_html.html().into_owned(),
        ];
        for field in fields {
            assert!(
                !field.contains('\u{FFFD}'),
                "{}: {field:?}",
                a.path.display()
            );
        }
    }
    assert_eq!(md.title, "Title");
    assert_eq!(md.tags, ["tag"]);
}

#[test]
fn html_nested_too_deep_to_sanitize_is_an_error_not_a_stall() {
    let deep = "<div>".repeat(100_000);
    let start = std::time::Instant::now();
    for (name, text) in [
        ("d.html", format!("<title>T</title>{deep}x")),
        ("d.md", format!("# T\n\n{deep}x\n")),
        ("q.md", format!("# T\n\n{}<b>x</b>\n", ">".repeat(100_000))),
    ] {
        assert_eq!(
            err(name, text).kind,
            ArticleErrorKind::TooDeep(sanitize::MAX_DEPTH),
            "{name}"
        );
    }
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    // Unsanitized (trusted authors), nothing is refused.
    let src = source("d.html", format!("<title>T</title>{deep}x"));
    assert!(parse(&src, &opts(false)).is_ok());
}

#[test]
fn an_html_documents_base_is_what_its_relative_urls_resolve_against() {
    for (base, want) in [
        (
            "https://other.example/dir/",
            "https://other.example/dir/guide.html",
        ),
        ("/docs/", "https://news.example/docs/guide.html"),
    ] {
        let doc = format!(
            "<html><head><title>T</title><base href=\"{base}\"></head><body><p><a href=\"guide.html\">g</a></p></body></html>"
        );
        let a = ok("page.html", doc);
        assert!(
            a.content_html.html().contains(&format!("href=\"{want}\"")),
            "{base}: {}",
            a.content_html.html()
        );
    }
}

#[test]
fn html_articles() {
    let doc = "<!DOCTYPE html><html><head><title>Doc title</title><script>x()</script></head><body><h1>Doc title</h1><p onclick=\"x()\">First <a href=\"next.html\">para</a>.</p><script>alert(1)</script><img src=\"javascript:alert(1)\" onerror=\"y()\"></body></html>";
    let a = ok("page.html", doc);
    assert_eq!(a.title, "Doc title");
    assert_eq!(a.summary, "First para.");
    assert_eq!(
        a.content_html.html(),
        "<p>First <a href=\"https://news.example/articles/page/next.html\" rel=\"noopener noreferrer\">para</a>.</p>"
    );
    let raw =
        parse(&source("page.html", doc), &opts(false)).map(|a| a.content_html.html().into_owned());
    assert_eq!(
        raw.as_deref(),
        Ok("<p onclick=\"x()\">First <a href=\"https://news.example/articles/page/next.html\">para</a>.</p><script>alert(1)</script><img src=\"javascript:alert(1)\" onerror=\"y()\">")
    );
    let cases = [
        (
            "---\ntitle: FM\n---\n<h1>H</h1><p>x</p>",
            "FM",
            "<h1>H</h1><p>x</p>",
        ),
        (
            "<h2>Sub</h2><h1>Main</h1><p>x</p>",
            "Main",
            "<h2>Sub</h2><p>x</p>",
        ),
        (
            "<p>Only text\nhere</p>",
            "Only text here",
            "<p>Only text\nhere</p>",
        ),
        // A heading of another level that opens the body is the title, and removed; so is
        // one that repeats the front matter title.
        ("<h2>H2 opens</h2><p>x</p>", "H2 opens", "<p>x</p>"),
        (
            "---\ntitle: FM title\n---\n<h3>FM title</h3><p>x</p>",
            "FM title",
            "<p>x</p>",
        ),
        (
            "<p>Lede</p><h2>Later</h2><p>x</p>",
            "Lede",
            "<p>Lede</p><h2>Later</h2><p>x</p>",
        ),
    ];
    for (input, title, html) in cases {
        let a = ok("f.htm", input);
        assert_eq!(
            (a.title.as_str(), &*a.content_html.html()),
            (title, html),
            "{input}"
        );
    }
}

#[test]
fn markdown_sanitizing_keeps_markdown_features() {
    let md = "# T\n\n<script>alert(1)</script><img src=x onerror=alert(1)>\n\n[j](javascript:alert(1))\n\n```rust\nfn main() {}\n```\n\n- [x] done\n\n| a |\n|:-:|\n| 1 |\n\nNote[^1].\n\n[^1]: Footnote.\n";
    let a = ok("s.md", md);
    for gone in ["<script", "onerror", "javascript:"] {
        assert!(
            !a.content_html.html().contains(gone),
            "{gone} in {}",
            a.content_html.html()
        );
    }
    for kept in [
        "<code class=\"language-rust\">",
        "type=\"checkbox\"",
        "style=\"text-align:center\"",
        "class=\"footnote-definition\"",
        "href=\"https://news.example/articles/s/#1\"",
    ] {
        assert!(
            a.content_html.html().contains(kept),
            "{kept} in {}",
            a.content_html.html()
        );
    }
}

#[test]
fn a_saved_page_is_read_without_its_chrome() {
    let page = "<!DOCTYPE html><html lang=\"fr\"><head><title>Budget vote delayed | Example Times</title>\
        <meta name=\"author\" content=\"Marie Curie\"></head><body><header><nav><a href=\"/\">Home</a></nav></header>\
        <article><h1>Budget vote delayed</h1><p>The council postponed.</p></article>\
        <footer>© Example Times</footer></body></html>";
    let a = ok("vote.html", page);
    assert_eq!(
        (
            a.title.as_str(),
            a.summary.as_str(),
            &*a.content_html.html()
        ),
        (
            "Budget vote delayed",
            "The council postponed.",
            "<p>The council postponed.</p>"
        )
    );
    assert_eq!(
        (a.lang.as_deref(), a.author.as_deref()),
        (Some("fr"), Some("Marie Curie"))
    );
    // A `<title>` that is not the `<h1>` plus a site name stays the title; several articles
    // (a listing) and a fragment are content as a whole.
    let a = ok("t.html", "<html><head><title>Own</title></head><body><main><h1>Other</h1><p>x</p></main><footer>f</footer></body></html>");
    assert_eq!(
        (a.title.as_str(), &*a.content_html.html()),
        ("Own", "<h1>Other</h1><p>x</p>")
    );
    let a = ok(
        "l.html",
        "<body><article><p>one</p></article><article><p>two</p></article></body>",
    );
    assert_eq!(a.summary, "one two");
    let a = ok("f.html", "<p>intro</p><article><p>inner</p></article>");
    assert_eq!(a.summary, "intro inner");
    // Not a sidebar's only <article>, an empty layout <main>, or half a nested <main>.
    let sidebar = "<body><div id=\"content\"><h1>River flood warning</h1><p>The river is expected to rise through the night and into tomorrow.</p></div><aside><article><h3>Most read</h3><p>Cat rescued.</p></article></aside></body>";
    assert!(ok("s.html", sidebar)
        .summary
        .starts_with("The river is expected"));
    let empty = "<body><main class=\"layout\"></main><div class=\"post\"><p>The post body.</p></div></body>";
    assert_eq!(ok("e.html", empty).summary, "The post body.");
    // A page's scripts and styles are no text: its <main> is still most of what a reader sees.
    let script = format!(
        "<body><nav><a href=\"/\">Home</a></nav><main><h1>Story</h1><p>The council met.</p></main><footer>f</footer><script>{}</script></body>",
        "window.__STATE__={};".repeat(300)
    );
    let a = ok("m.html", script);
    assert_eq!(
        (a.title.as_str(), &*a.content_html.html()),
        ("Story", "<p>The council met.</p>")
    );
    // A self-closing icon is no element that never ends.
    let icon = "<body><header><svg class=\"icon\" viewBox=\"0 0 1 1\"/><nav>Home</nav></header><main><h1>Story</h1><p>The council met.</p></main><footer>f</footer></body>";
    let a = ok("i.html", icon);
    assert_eq!(
        (a.title.as_str(), &*a.content_html.html()),
        ("Story", "<p>The council met.</p>")
    );
    let nested = "<body><main><p>First.</p><main><p>Inner.</p></main><p>Last.</p></main></body>";
    assert_eq!(ok("n.html", nested).summary, "First. Inner. Last.");
    // A site's logo in an <h1> is no title: the <title> stays. The headline in an <h1> with a
    // shorter name beside it in the <title> is; so is an og:title the <title> holds.
    let page = |title: &str, meta: &str, body: &str| {
        format!("<html><head><title>{title}</title>{meta}</head><body>{body}<p>The council voted.</p></body></html>")
    };
    let og = |title: &str, site: &str| {
        format!("<meta property=\"og:title\" content=\"{title}\"><meta property=\"og:site_name\" content=\"{site}\">")
    };
    for (html, title) in [
        (
            page(
                "Budget vote passes | Example Times",
                "",
                "<header><h1>Example Times</h1></header>",
            ),
            "Budget vote passes | Example Times",
        ),
        (
            page(
                "Example Times - Budget vote delayed in parliament",
                "",
                "<h1>Example Times</h1>",
            ),
            "Example Times - Budget vote delayed in parliament",
        ),
        (
            page(
                "Contact | Example Times",
                &og("Contact", "Example Times"),
                "<h1>Example Times</h1>",
            ),
            "Contact",
        ),
        (
            page(
                "Opinion: Why the budget fails - The Daily",
                "",
                "<h1>Opinion</h1><h2>Why the budget fails</h2>",
            ),
            "Opinion: Why the budget fails - The Daily",
        ),
        (
            page("Apple-Pie recipe", "", "<h1>Apple</h1>"),
            "Apple-Pie recipe",
        ),
        (
            page("外滩新貌_新闻_新华网", "", "<h1>外滩新貌</h1>"),
            "外滩新貌",
        ),
        (
            page(
                "国务院召开常务会议-新华网",
                "",
                "<h1>国务院召开常务会议</h1>",
            ),
            "国务院召开常务会议",
        ),
        (
            page(
                "The Daily – Why the budget fails",
                "",
                "<h1>Why the budget fails</h1>",
            ),
            "Why the budget fails",
        ),
        // Yoast's og:title repeats the <title>; an og:title that is the site's name is none.
        (
            page(
                "How to bake bread – Jane’s Kitchen",
                &og("How to bake bread – Jane’s Kitchen", "Jane’s Kitchen"),
                "<h1>How to bake bread</h1>",
            ),
            "How to bake bread",
        ),
        (
            page(
                "Budget vote delayed | Example Times",
                &og("Example Times", "Example Times"),
                "<h1>Budget vote delayed</h1>",
            ),
            "Budget vote delayed",
        ),
        (
            page(
                "Budget vote delayed | Example Times",
                &og("Budget vote delayed", "Example Times"),
                "",
            ),
            "Budget vote delayed",
        ),
    ] {
        assert_eq!(ok("p.html", html).title, title);
    }
}

#[test]
fn a_merge_conflict_left_in_the_file_is_a_problem_but_one_shown_as_code_is_not() {
    let conflict =
        "---\ntitle: Post\n---\nIntro.\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> other\n";
    let e = err("a.md", conflict);
    assert_eq!((e.line, e.kind), (Some(5), ArticleErrorKind::MergeConflict));
    let e = err(
        "b.html",
        "<h1>T</h1>\n<<<<<<< HEAD\n<p>a</p>\n=======\n<p>b</p>\n>>>>>>> b\n",
    );
    assert_eq!(e.line, Some(2));
    // A mention of `<pre>` in prose is no code block.
    let e = err(
        "p.md",
        "Use the <pre> element, or <preview>.\n\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> b\n",
    );
    assert_eq!(e.line, Some(3));
    for (name, text) in [
        ("b.txt", "标题\n\n<<<<<<< HEAD\n甲\n=======\n乙\n>>>>>>> b\n"),
        (
            "f.md",
            "# Git\n\n````\n```\n<<<<<<< HEAD\na\n=======\nb\n>>>>>>> o\n```\n````\n",
        ),
        (
            "g.md",
            "# Git\n\n{% highlight diff %}\n<<<<<<< HEAD\na\n=======\nb\n>>>>>>> o\n{% endhighlight %}\n",
        ),
        (
            "h.md",
            "# Git\n\n<pre>\n<<<<<<< HEAD\na\n=======\nb\n>>>>>>> o\n</pre>\n",
        ),
        (
            "c.md",
            "# Git\n\n```\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> other\n```\n",
        ),
        (
            "d.html",
            "<h1>Git</h1>\n<pre>\n<<<<<<< HEAD\na\n=======\nb\n>>>>>>> o\n</pre>\n",
        ),
        ("e.md", "# Heading\n\nText\n=======\n\n<<<<<<< not closed\n"),
    ] {
        ok(name, text);
    }
}

#[test]
fn a_title_in_cjk_gives_the_language_unless_front_matter_does() {
    let cases = [
        ("a.txt", "城东菜市场改造完成\n\n正文。\n", Some("zh")),
        ("b.txt", "東京の天気\n\n晴れ。\n", Some("ja")),
        ("c.txt", "서울 날씨\n\n맑음.\n", Some("ko")),
        ("d.md", "# iPhone 16 发布\n\nBody.\n", Some("zh")),
        ("e.md", "# Why 中文 matters here\n\nBody.\n", None),
        (
            "f.md",
            "---\ntitle: 城东\nlang: zh-Hant\n---\nBody.\n",
            Some("zh-Hant"),
        ),
    ];
    for (name, text, lang) in cases {
        assert_eq!(ok(name, text).lang.as_deref(), lang, "{text}");
    }
    assert_eq!(ok("g.md", "# 迈克尔・杰克逊\n").lang.as_deref(), Some("zh"));
    assert_eq!(ok("h.md", "# 韓國經濟 전망\n").lang.as_deref(), Some("ko"));
    // Hanzi alone are the site's language when it writes them: a Japanese site's headline.
    let japanese = ParseOptions {
        language: "ja-JP".into(),
        ..opts(true)
    };
    let a = parse(&source("i.md", "# 東京都知事選挙\n"), &japanese).map(|a| a.lang);
    assert_eq!(a, Ok(None));
}

#[test]
fn slugs_from_stems() {
    let cases = [
        ("2024-05-01-春节 旅游.md", "春节-旅游"),
        ("what?.md", "what-"),
        ("新闻.txt", "新闻"),
        ("2024-05-01_x.md", "x"),
        // Page bundles are named by their directory; a top-level index.md is not a bundle.
        ("posts/my-post/index.md", "my-post"),
        ("2019/06/旧闻/INDEX.html", "旧闻"),
        ("index.md", "index"),
        ("notes/index-page.md", "index-page"),
    ];
    for (name, slug) in cases {
        assert_eq!(ok(name, "# T\n").slug, slug, "{name}");
    }
    // A bundle's directory dates it, as a file name does.
    let a = ok("2024-05-01-trip/index.md", "# T\n");
    assert_eq!(
        (a.slug.as_str(), a.date.to_rfc3339().as_str()),
        ("trip", "2024-05-01T00:00:00+08:00")
    );
}

#[test]
fn long_cjk_summary_is_cut_at_a_sentence_end() {
    let sentence = "全市共接待游客一百二十万人次，同比增长百分之二十。";
    let a = ok("s.txt", format!("T\n\n{}", sentence.repeat(20)));
    assert_eq!(
        a.summary,
        format!("{}…", sentence.repeat(200 / sentence.chars().count()))
    );
    let a = ok("n.txt", format!("T\n\n{}", "无标点长句".repeat(100)));
    assert_eq!(a.summary.chars().count(), 201);
}

#[test]
fn markdown_written_as_raw_html_is_summarised_from_its_html() {
    let raw = "---\ntitle: Raw\n---\n\n<div class=\"post\">\n<p>The council met on Tuesday.</p>\n<script>alert(1)</script>\n<p>Second.</p>\n</div>\n";
    assert_eq!(
        ok("raw.md", raw).summary,
        "The council met on Tuesday. Second."
    );
    // In the order a reader sees them (a CMS export's lede was left out), and raw HTML that
    // holds no text leaves none.
    let mixed = "<div><p>In a div.</p></div>\n\nA *Markdown* paragraph.\n";
    assert_eq!(
        ok("mixed.md", mixed).summary,
        "In a div. A Markdown paragraph."
    );
    assert_eq!(ok("img.md", "# T\n\n<img src=\"x.png\">\n").summary, "");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut seed = 99_u32;
    let alphabet: &[&[u8]] = &[
        b"---\n",
        b"+++\n",
        b"# ",
        b"<a href=",
        b"\"",
        b"\n",
        b"\r",
        b"\xE4\xB8\xAD",
        b"\xD6\xD0",
        b"\xFF\xFE",
        b"&#1;",
        b"[^1]",
        b"date: ",
        b"2024-13-01",
        b"title = ",
        b"|",
        b"\x80",
        b" ",
    ];
    for _ in 0..3_000 {
        let mut bytes = Vec::new();
        for _ in 0..16 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            bytes.extend_from_slice(alphabet[(seed >> 16) as usize % alphabet.len()]);
        }
        for name in ["a.md", "a.txt", "a.html"] {
            if let Ok(a) = parse(&source(name, bytes.clone()), &opts(seed % 2 == 0)) {
                assert!(!a.title.is_empty() && !a.slug.is_empty());
                assert!(!a
                    .content_html
                    .html()
                    .chars()
                    .chain(a.summary.chars())
                    .any(xml_safe::is_forbidden));
            }
        }
    }
}

#[test]
fn names_and_tags_made_on_macos_nfd_match_the_nfc_ones() {
    let nfd = ok(
        "cafe\u{301}.md",
        "---\ntitle: Cafe\ntags: [\"cafe\u{301}\", 新闻]\n---\nBody.\n",
    );
    let nfc = ok(
        "café.md",
        "---\ntitle: Cafe\ntags: [\"café\", 新闻]\n---\nBody.\n",
    );
    assert_eq!(nfd.slug, "café");
    assert_eq!(nfd.slug, nfc.slug);
    assert_eq!(nfd.tags, nfc.tags);
}

#[test]
fn a_problem_is_one_line_whatever_the_file_name() {
    let e = ArticleError {
        path: PathBuf::from("news/a\nb\u{1b}[31m.md"),
        line: Some(3),
        kind: ArticleErrorKind::NoTitle,
    };
    let shown = e.to_string();
    assert!(
        !shown.contains('\n') && !shown.contains('\u{1b}'),
        "{shown:?}"
    );
    assert!(
        shown.starts_with("news/a\\nb\\u{1b}[31m.md:3: no title"),
        "{shown}"
    );
    let plain = ArticleError {
        path: PathBuf::from("新闻/稿件.txt"),
        line: None,
        kind: ArticleErrorKind::NoTitle,
    };
    assert!(plain.to_string().starts_with("新闻/稿件.txt: no title"));
    let bidi = ArticleError {
        path: PathBuf::from("invoice\u{202e}fdp.md\u{2028}x"),
        line: None,
        kind: ArticleErrorKind::NoTitle,
    };
    assert!(
        bidi.to_string()
            .starts_with("invoice\\u{202e}fdp.md\\u{2028}x: no title"),
        "{bidi}"
    );
}

#[test]
fn a_head_parse_is_a_full_parse_without_the_body() {
    let cases: [(&str, &str); 9] = [
        ("a.md", "---\ntitle: T\ndate: 2024-05-02\nupdated: 2024-06-01\nauthor: Ann\ntags: [x, ' y ']\nid: urn:1\nslug: s\nlang: en\nsummary: Given\n---\n# H\n\nBody [l](rel).\n"),
        ("2024-01-02-b.md", "+++\ntitle = \"TOML\"\ntags = [\"z\"]\n+++\nText <b>raw</b>\n"),
        ("c.html", "---\ntitle: Page\ndraft: true\n---\n<h1>H</h1><p>text</p>"),
        ("d.md", "---\ntitle: Empty body\n---\n"),
        ("e.md", "---\ntitle: \"\\u0001\"\n---\nNo title once cleaned: an error, from the full parse.\n"),
        ("f.md", "# From the heading\n\nNo front matter title: parsed in full.\n"),
        ("h.html", "<title>From HTML</title><p>x</p>"),
        ("g.txt", "\n  标题  \n\n□ 记者 张三 文/图\n\n正文。\n"),
        ("blank.txt", " \n\u{1}\n"),
    ];
    for (name, text) in cases {
        let src = source(name, text);
        let full = parse(&src, &opts(true));
        let head = parse_head(&src, &opts(true));
        match (full, head) {
            (Ok(full), Ok(head)) if head.content_html.is_pending() => {
                // The front matter's summary, else none yet; a byline author comes later.
                assert!(
                    head.summary.is_empty() || head.summary == full.summary,
                    "{name}"
                );
                assert!(
                    head.author.is_none() || head.author == full.author,
                    "{name}"
                );
                let expected = Article {
                    content_html: Body::Pending,
                    summary: head.summary.clone(),
                    author: head.author.clone(),
                    ..full
                };
                assert_eq!(head, expected, "{name}");
            }
            (full, head) => assert_eq!(head, full, "{name}: parsed in full"),
        }
    }
    let pending = |name, text| {
        parse_head(&source(name, text), &opts(true)).map(|a| a.content_html.is_pending())
    };
    assert_eq!(pending("a.md", cases[0].1), Ok(true));
    assert_eq!(pending("c.html", cases[2].1), Ok(true));
    assert_eq!(pending("d.md", cases[3].1), Ok(true));
    assert!(pending("e.md", cases[4].1).is_err());
    for (name, text) in &cases[5..7] {
        assert_eq!(pending(name, text), Ok(false), "{name}");
    }
    assert_eq!(pending("g.txt", cases[7].1), Ok(true));
    assert!(pending("blank.txt", cases[8].1).is_err());
    let txt = parse_head(&source("g.txt", cases[7].1), &opts(true)).expect("parses");
    assert_eq!((txt.title.as_str(), txt.author.as_deref()), ("标题", None));
}

#[test]
fn a_title_is_one_line() {
    let cases = [
        (
            "a.md",
            "---\ntitle: \"Line\\r\\nbreak\\rand\\ttab\"\n---\nx\n",
            "Line break and tab",
        ),
        (
            "b.md",
            "---\ntitle: \"  two  spaces  \"\n---\nx\n",
            "two spaces",
        ),
        (
            "c.html",
            "<title>Council\n   approves\n budget</title><p>x</p>",
            "Council approves budget",
        ),
        ("d.md", "---\ntitle: Plain title\n---\nx\n", "Plain title"),
    ];
    for (name, text, want) in cases {
        assert_eq!(ok(name, text).title, want, "{name}");
    }
    assert!(matches!(
        err("e.md", "---\ntitle: \"\\r\\n\\t\"\n---\n").kind,
        ArticleErrorKind::NoTitle
    ));
}

#[test]
fn front_matter_after_a_blank_line_and_in_plain_text() {
    let a = ok("a.md", "\n---\ntitle: Real title\ntags: [x]\n---\nBody.\n");
    assert_eq!(
        (a.title.as_str(), a.tags.as_slice()),
        ("Real title", &["x".to_string()][..])
    );
    assert!(!a.content_html.html().contains("title:"));
    let t = ok(
        "b.txt",
        "---\ntitle: 城东菜市场改造完成\ndate: 2026-03-02\n---\n第一段正文。\n\n第二段。\n",
    );
    assert_eq!(t.title, "城东菜市场改造完成");
    let html = t.content_html.html();
    assert!(
        html.contains("第一段正文。") && html.contains("第二段。"),
        "{html}"
    );
    assert!(!html.contains("---") && !html.contains("date:"), "{html}");
    // A plain text without front matter keeps its first line as the title.
    let plain = ok("c.txt", "标题一行\n\n正文。\n");
    assert_eq!(plain.title, "标题一行");
    // Front matter only by its look that does not parse is text, not an error.
    let guessed = ok(
        "d.md",
        "\n---\ntitle: Plans: [draft\n---\n\n# Minutes\n\nBody.\n",
    );
    assert_eq!(guessed.title, "Minutes");
    assert!(guessed.content_html.html().contains("Body."));
}

#[test]
fn other_tools_front_matter_end_to_end() {
    // Jekyll's `layout` first, after a blank line: still front matter, and the draft stays one.
    let a = ok(
        "lead.md",
        "\n---\nlayout: post\ntitle: Lead\ndraft: true\n---\nSecret.\n",
    );
    assert_eq!((a.title.as_str(), a.draft), ("Lead", true));
    assert!(!a.content_html.html().contains("draft"));
    // After a blank line, another tool's key that hides the article is front matter too.
    for fm in ["published: false", "status: draft"] {
        let a = ok("b.md", format!("\n---\n{fm}\n---\n# Secret\n\nx\n"));
        assert!(
            a.draft && !a.content_html.html().contains("<hr"),
            "{fm}: {a:?}"
        );
        let a = ok("b.txt", format!("---\n{fm}\n---\nSecret\n\nx\n"));
        assert!(a.draft, "{fm} in a .txt: {a:?}");
    }
    // Scheduled: waits for its date, or for ever without one; a file-name date counts.
    assert!(ok("s.md", "---\ntitle: S\nstatus: scheduled\n---\nx\n").draft);
    assert!(
        !ok(
            "2024-01-05-s.md",
            "---\ntitle: S\nstatus: scheduled\n---\nx\n"
        )
        .draft
    );
    // A rule then prose shaped like a key stays prose.
    let a = ok("rule.md", "\n---\nNote: moved.\n---\n\nText.\n");
    assert!(a.content_html.html().contains("Note: moved."));
    // A first line `{` closed by a `}` line is Hugo's JSON front matter; `Title:` prose is
    // text, as it always was.
    let a = ok(
        "brace.md",
        "{\n  \"title\": \"Buy milk\",\n  \"draft\": true\n}\n\nText.\n",
    );
    assert!(a.draft && a.title == "Buy milk" && !a.content_html.html().contains("milk"));
    let a = ok(
        "poem.md",
        "Title: a poem\nRoses are red: violets are blue\n\nMore.\n",
    );
    assert!(a.content_html.html().contains("Roses are red"));
    // Other tools' keys that mean something else to their writers publish as before.
    for fm in [
        "status: in progress",
        "modified: yes",
        "expires: never",
        "published: 1998 by Penguin",
        "Slug: a/b test",
        "Date: next Tuesday",
    ] {
        let a = ok("k.md", format!("---\ntitle: K\n{fm}\n---\nx\n"));
        assert!(
            !a.draft && a.expires.is_none() && a.slug == "k",
            "{fm}: {a:?}"
        );
    }
    // A later publish date holds the article until then; an expiry date is kept.
    let a = ok(
        "h.md",
        "---\ntitle: H\ndate: 2024-01-01\npublishDate: 2024-02-01\nexpiryDate: 2024-03-01\n---\nx\n",
    );
    assert_eq!(a.date.to_rfc3339(), "2024-02-01T00:00:00+08:00");
    assert_eq!(
        a.expires.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-03-01T00:00:00+08:00")
    );
    // A publish date that is no date would publish the article early: an error.
    let e = err("h.md", "---\ntitle: H\npublishDate: soon\n---\nx\n");
    assert_eq!(e.line, Some(3));
}

#[test]
fn odd_mtimes_of_undated_files() {
    let with_mtime = |modified| Source {
        path: PathBuf::from("articles/x.md"),
        bytes: b"# X\n\nbody\n".to_vec(),
        modified,
        dir_name: None,
    };
    // Before year 1 (tmpfs can hold it): the epoch, not a date no feed can carry.
    let ancient = UNIX_EPOCH - Duration::from_secs(70_000_000_000);
    let a = parse(&with_mtime(ancient), &opts(true)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.date.timestamp(), 0);
    // A day and more ahead of the clock: a problem saying what to do, not a silent wait.
    let ahead = std::time::SystemTime::now() + Duration::from_secs(3 * 24 * 3600);
    let e = parse(&with_mtime(ahead), &opts(true))
        .err()
        .map(|e| e.to_string());
    assert!(
        e.as_deref()
            .is_some_and(|m| m.contains("modification time") && m.contains("give it a `date`")),
        "{e:?}"
    );
    // A little ahead (a fast clock): the article waits for it, as for a future date.
    let soon = std::time::SystemTime::now() + Duration::from_secs(600);
    assert!(parse(&with_mtime(soon), &opts(true)).is_ok());
    // A dated file is not judged by its mtime.
    let dated = Source {
        bytes: b"---\ndate: 2024-01-01\n---\nbody\n".to_vec(),
        ..with_mtime(ahead)
    };
    assert!(parse(&dated, &opts(true)).is_ok());
}

#[test]
fn a_file_name_date_that_is_no_date_is_a_problem() {
    let e = err("2024-02-30-bad.md", "# Bad\n\nx\n");
    assert!(
        e.to_string()
            .contains("starts with 2024-02-30, which is not a date"),
        "{e}"
    );
    // Unless the front matter gives the date; the name is then only the slug.
    let a = ok(
        "2024-02-30-bad.md",
        "---\ndate: 2024-03-01\n---\n# Bad\n\nx\n",
    );
    assert_eq!(a.slug, "2024-02-30-bad");
    // Jekyll's one-digit month and day.
    let a = ok("2024-3-1-short.md", "# Short\n\nx\n");
    assert_eq!(
        (a.slug.as_str(), a.date.to_rfc3339().as_str()),
        ("short", "2024-03-01T00:00:00+08:00")
    );
}

#[test]
fn a_raw_html_lede_before_markdown_paragraphs_is_in_the_summary() {
    let a = ok(
        "mixed.md",
        "---\ntitle: Mixed\n---\n<!-- wp:paragraph -->\n<p>First paragraph written in HTML, the real lede.</p>\n<!-- /wp:paragraph -->\n\nSecond paragraph in Markdown.\n",
    );
    assert!(
        a.summary
            .starts_with("First paragraph written in HTML, the real lede."),
        "{}",
        a.summary
    );
    assert!(
        a.summary.contains("Second paragraph in Markdown."),
        "{}",
        a.summary
    );
    // Markdown first: the Markdown summary, as before.
    let a = ok("md.md", "---\ntitle: M\n---\nLede.\n\n<div>later</div>\n");
    assert_eq!(a.summary, "Lede.");
}
