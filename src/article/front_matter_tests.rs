use super::*;

fn fail_of(syntax: Syntax, text: &str) -> Fail {
    match parse(syntax, text) {
        Ok(fm) => panic!("expected an error for {text:?}, got {fm:?}"),
        Err(f) => f,
    }
}

#[test]
fn front_matter_after_blank_lines_or_in_plain_text_needs_a_key_first() {
    let front = |text: &str, strict: bool| {
        split(text, strict).map(|s| (s.front.map(|(_, f)| f.into_owned()), s.body.to_string()))
    };
    let some = |f: &str, b: &str| Ok((Some(f.to_string()), b.to_string()));
    let none = |b: &str| Ok((None, b.to_string()));
    // After blank lines: line feeds stand for them, so errors name the file's lines.
    assert_eq!(
        front("\n \n---\ntitle: T\n---\nBody\n", true),
        some("\n\ntitle: T\n", "Body\n")
    );
    assert_eq!(
        front("\n+++\ntitle = 'T'\n+++\n", true),
        some("\ntitle = 'T'\n", "")
    );
    // After a rule, lines shaped like keys are only a guess: prose unless they parse and set a
    // key feedpub reads (the caller's check).
    let guess = |text: &str| {
        let s = split(text, true).unwrap_or_else(|f| panic!("{f:?}"));
        assert!(!s.certain, "{text:?}");
        s.front
            .map(|(syntax, f)| parse(syntax, &f).is_ok_and(|fm| fm.recognized))
    };
    let minutes = "\n---\nUpdate: the meeting moved to 5pm.\nIt's in room 2.\n---\n\n# Minutes\n";
    assert_eq!(guess(minutes), Some(false));
    assert_eq!(guess("\n---\nNote: moved.\n---\n"), Some(false));
    // Another tool's first key before a key feedpub reads (Jekyll's `layout`).
    assert_eq!(
        guess("\n---\nlayout: post\ndraft: true\n---\nx\n"),
        Some(true)
    );
    // A comment first is a heading after a rule; another spelling is not feedpub's key.
    assert_eq!(
        front("\n---\n# Checklist\n\nStatus: draft\n---\n", true),
        none("\n---\n# Checklist\n\nStatus: draft\n---\n")
    );
    assert_eq!(guess("\n---\nAuthor: me\n---\nx\n"), Some(false));
    // A thematic break and a setext heading, not front matter; nor an unclosed one.
    assert_eq!(
        front("\n---\nSome text\n---\n", true),
        none("\n---\nSome text\n---\n")
    );
    assert_eq!(front("\n---\ntitle: T\n", true), none("\n---\ntitle: T\n"));
    // Plain text (strict off): the same rule from the first line.
    assert_eq!(
        front("---\ntitle: T\n---\n正文\n", false),
        some("title: T\n", "正文\n")
    );
    assert_eq!(front("---\n标题\n---\n", false), none("---\n标题\n---\n"));
    let fail = split("\n\n---\ndraft: maybe\n---\n", true).and_then(|s| {
        s.front
            .map_or(Ok(FrontMatter::default()), |(syntax, f)| parse(syntax, &f))
    });
    assert_eq!(fail.err().and_then(|f| f.line), Some(4));
}

#[test]
fn splitting() {
    let cases = [
        ("no front matter\n---\n", None, "no front matter\n---\n"),
        (
            "---\ntitle: a\n---\nbody\n",
            Some((Syntax::Yaml, "title: a\n")),
            "body\n",
        ),
        (
            "---  \ntitle: a\n...\nbody",
            Some((Syntax::Yaml, "title: a\n")),
            "body",
        ),
        (
            "+++\ntitle = 'a'\n+++\n",
            Some((Syntax::Toml, "title = 'a'\n")),
            "",
        ),
        ("---\n---", Some((Syntax::Yaml, "")), ""),
        ("---\n---\n# T", Some((Syntax::Yaml, "")), "# T"),
        (" ---\nx\n---\n", None, " ---\nx\n---\n"),
        (
            "\u{200B}\u{2060}---\ndraft: true\n---\nbody",
            Some((Syntax::Yaml, "draft: true\n")),
            "body",
        ),
        (
            "{\n  \"draft\": true\n}\nbody",
            Some((Syntax::Json, "  \"draft\": true\n")),
            "body",
        ),
        // Nested objects closing at the first column, and a `{` line of prose.
        (
            "{\n\"a\": {\n\"b\": 1\n},\n\"draft\": true\n}\nbody",
            Some((Syntax::Json, "\"a\": {\n\"b\": 1\n},\n\"draft\": true\n")),
            "body",
        ),
        ("{\nbody\n}\n", None, "{\nbody\n}\n"),
        ("\n{\n\"a\": 1\n}\n", None, "\n{\n\"a\": 1\n}\n"),
    ];
    for (input, front, body) in cases {
        let got = split(input, true).map(|s| (s.front, s.body));
        let front = front.map(|(syntax, f)| (syntax, Cow::Borrowed(f)));
        assert_eq!(got, Ok((front, body)), "{input:?}");
    }
    for (input, delim) in [
        ("---\ntitle: a\n", "---"),
        ("+++\ntitle = 1\n---\n", "+++"),
        ("---", "---"),
    ] {
        assert_eq!(
            split(input, true).map(|s| s.body),
            Err(Fail::at(
                Some(1),
                ArticleErrorKind::UnclosedFrontMatter(delim)
            )),
            "{input:?}"
        );
    }
}

#[test]
fn every_key_in_both_syntaxes() {
    let yaml = "title: Hello\ndate: 2024-05-01\nupdated: \"2024-05-02 10:00\"\nauthor: 张三\nsummary: ' Short. '\ntags: [a, b, 2024]\nid: urn:x:1\nslug: hello\ndraft: true\nlang: zh-CN\ncategories: [ignored]\nlayout: post\n";
    let toml = "title = \"Hello\"\ndate = 2024-05-01\nupdated = \"2024-05-02 10:00\"\nauthor = \"张三\"\nsummary = \" Short. \"\ntags = [\"a\", \"b\", 2024]\nid = \"urn:x:1\"\nslug = \"hello\"\ndraft = true\nlang = \"zh-CN\"\ncategories = [\"ignored\"]\n[extra]\ntitle = 3\n";
    for (syntax, text) in [(Syntax::Yaml, yaml), (Syntax::Toml, toml)] {
        let fm = parse(syntax, text).unwrap_or_else(|f| panic!("{syntax:?}: {f:?}"));
        let want = FrontMatter {
            title: Some("Hello".into()),
            date: Some(Located {
                value: "2024-05-01".into(),
                line: Some(3),
                strict: true,
            }),
            updated: Some(Located {
                value: "2024-05-02 10:00".into(),
                line: Some(4),
                strict: true,
            }),
            author: Some("张三".into()),
            summary: Some("Short.".into()),
            tags: vec!["a".into(), "b".into(), "2024".into()],
            id: Some("urn:x:1".into()),
            slug: Some(Located {
                value: "hello".into(),
                line: Some(9),
                strict: true,
            }),
            draft: true,
            lang: Some("zh-CN".into()),
            recognized: true,
            ..FrontMatter::default()
        };
        assert_eq!(fm, want, "{syntax:?}");
    }
}

#[test]
fn value_shapes() {
    let cases = [
        ("tags: single\n", vec!["single"]),
        ("tags: local, markets\n", vec!["local", "markets"]),
        (
            "tags: \"本地，菜市场、 民生 ,\"\n",
            vec!["本地", "菜市场", "民生"],
        ),
        ("tags: [\"a, b\", c]\n", vec!["a, b", "c"]),
        ("tags: \" , \"\n", vec![]),
        ("tags:\n  - x\n  - y\n", vec!["x", "y"]),
        ("tags:\n", vec![]),
        ("tags: []\n", vec![]),
    ];
    for (text, tags) in cases {
        let fm = parse(Syntax::Yaml, text).unwrap_or_else(|f| panic!("{text:?}: {f:?}"));
        assert_eq!(fm.tags, tags, "{text:?}");
    }
    let fm = parse(
        Syntax::Toml,
        "date = 2024-05-01T08:00:00+08:00\ntitle = \"\"\n",
    )
    .unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(
        fm.date.map(|d| d.value).as_deref(),
        Some("2024-05-01T08:00:00+08:00")
    );
    assert_eq!(fm.title, None);
    let fm = parse(Syntax::Yaml, "title: 1984\ndraft:\n").unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!((fm.title.as_deref(), fm.draft), (Some("1984"), false));
    assert_eq!(parse(Syntax::Yaml, ""), Ok(FrontMatter::default()));
}

#[test]
fn numbers_keep_the_digits_as_written() {
    // A slug or id re-printed from the parsed number would be another URL or GUID.
    let text = "title: 3.10\nslug: 1.50  # comment\nid: 1.50e3\nauthor: &a 3.10\n";
    let fm = parse(Syntax::Yaml, text).unwrap_or_else(|f| panic!("{f:?}"));
    let slug = fm.slug.map(|s| s.value);
    assert_eq!(
        (fm.title.as_deref(), slug.as_deref(), fm.id.as_deref()),
        (Some("3.10"), Some("1.50"), Some("1.50e3"))
    );
    // Not a plain scalar on its line: as parsed.
    assert_eq!(fm.author.as_deref(), Some("3.1"));
    let fm =
        parse(Syntax::Toml, "title = 1.50\nslug = 1_000\n").unwrap_or_else(|f| panic!("{f:?}"));
    let slug = fm.slug.map(|s| s.value);
    assert_eq!(
        (fm.title.as_deref(), slug.as_deref()),
        (Some("1.50"), Some("1_000"))
    );
}

#[test]
fn wrong_types_name_key_and_line() {
    let cases = [
        (
            Syntax::Yaml,
            "title: ok\ndraft: yes\n",
            3,
            "key \"draft\": expected true or false, found string \"yes\"",
        ),
        (
            Syntax::Yaml,
            "title: [a, b]\n",
            2,
            "key \"title\": expected a string",
        ),
        (
            Syntax::Yaml,
            "x: 1\ntags: {a: 1}\n",
            3,
            "key \"tags\": expected a list of strings or a string, found a table",
        ),
        (Syntax::Yaml, "tags: [a, [b]]\n", 2, "key \"tags\""),
        (
            Syntax::Yaml,
            "date: 2024\n",
            2,
            "key \"date\": expected a date",
        ),
        (Syntax::Yaml, "slug: true\n", 2, "key \"slug\""),
        (
            Syntax::Toml,
            "a = 1\ndraft = \"no\"\n",
            3,
            "key \"draft\": expected true or false, found string \"no\"",
        ),
        (
            Syntax::Toml,
            "author = [[\"x\"]]\n",
            2,
            "key \"author\": expected a name, a list of names, or a table with a name, found a list",
        ),
        (
            Syntax::Yaml,
            "tags: [a, {b: 1}]\n",
            2,
            "key \"tags\": expected a list of strings, and item 2 is a table",
        ),

        (Syntax::Toml, "  draft = 1\n", 2, "key \"draft\""),
    ];
    for (syntax, text, line, want) in cases {
        let f = fail_of(syntax, text);
        assert_eq!(f.line, Some(line), "{text:?}");
        match &f.kind {
            ArticleErrorKind::FrontMatter(m) => assert!(m.starts_with(want), "{text:?}: {m}"),
            other => panic!("{text:?}: {other:?}"),
        }
    }
}

#[test]
fn syntax_errors_carry_the_file_line() {
    let cases = [
        (Syntax::Yaml, "title: a\ndate: 2024\nbad: [unclosed\n", 5),
        (Syntax::Yaml, "title: a\n  - nope: x\n", 3),
        (Syntax::Yaml, "title: a\ntitle: b\n", 3),
        (Syntax::Toml, "title = \"a\"\nbroken =\n", 3),
        (Syntax::Toml, "title = \"a\"\n\n\ntitle = \"b\"\n", 5),
    ];
    for (syntax, text, line) in cases {
        let f = fail_of(syntax, text);
        assert!(
            matches!(f.kind, ArticleErrorKind::FrontMatter(_)),
            "{text:?}: {f:?}"
        );
        assert_eq!(f.line, Some(line), "{text:?}: {f:?}");
    }
    let f = fail_of(Syntax::Yaml, "a: 1\nb: [\n");
    assert!(
        matches!(f.kind, ArticleErrorKind::FrontMatter(ref m) if m.contains("line 4")),
        "{f:?}"
    );
    let f = fail_of(Syntax::Yaml, "- a list\n");
    assert!(
        matches!(f.kind, ArticleErrorKind::FrontMatter(ref m) if m.contains("key: value")),
        "{f:?}"
    );
}

#[test]
fn lang_must_be_a_language_tag() {
    for good in [
        "en",
        "zh-CN",
        "zh-Hant-TW",
        "zh-Hans-CN",
        "de-1996",
        "yue-HK",
        "es-419",
    ] {
        assert!(is_language_tag(good), "{good}");
    }
    for bad in [
        "",
        "zh_CN",
        "zh-",
        "-en",
        "zh-CN\" onload=\"x",
        "中文",
        "toolongtag",
        "english",
        "chinese",
        "e",
        "x-klingon",
        "i-navajo",
    ] {
        assert!(!is_language_tag(bad), "{bad}");
    }
    // Line 3 of the file: the front matter starts after the opening `---` on line 1.
    let e = parse(Syntax::Yaml, "title: x\nlang: \"en US\"\n")
        .err()
        .map(|f| f.line);
    assert_eq!(e, Some(Some(3)));
    let f = fail_of(Syntax::Yaml, "lang: english\n");
    assert!(
        matches!(f.kind, ArticleErrorKind::FrontMatter(ref m) if m.contains("2 or 3 letter ISO 639")),
        "{f:?}"
    );
}

#[test]
fn thousands_of_other_keys_are_skipped_in_linear_time() {
    // Each key once looked for its line in the whole text, and for a duplicate in every key
    // before it: 32,000 keys took 12 s in release (0.3 s in a debug build now). 24,000 fit in
    // MAX_BYTES; quadratic, they would take about 7 s.
    let others: String = (0..24_000).map(|i| format!("k{i}: v\n")).collect();
    let yaml = format!("{others}draft: maybe\n");
    let toml = format!("{}draft = \"maybe\"\n", others.replace(": v", " = 1"));
    for (syntax, text) in [(Syntax::Yaml, yaml), (Syntax::Toml, toml)] {
        let start = std::time::Instant::now();
        let fail = fail_of(syntax, &text);
        assert_eq!(fail.line, Some(24_002), "{syntax:?}");
        assert!(
            start.elapsed() < std::time::Duration::from_secs(3),
            "{syntax:?}: {:?}",
            start.elapsed()
        );
    }
}

fn message(f: &Fail) -> &str {
    match &f.kind {
        ArticleErrorKind::FrontMatter(m) => m,
        other => panic!("not a front matter error: {other:?}"),
    }
}

#[test]
fn at_most_max_tags_distinct_tags() {
    let list = |n: usize| {
        (0..n)
            .map(|i| format!("t{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ok = format!("title: T\ntags: [{}, t0, \" t1 \"]\n", list(MAX_TAGS));
    assert_eq!(
        parse(Syntax::Yaml, &ok).map(|fm| fm.tags.len()).ok(),
        Some(MAX_TAGS + 2)
    );
    let fail = fail_of(
        Syntax::Yaml,
        &format!("title: T\ntags: [{}]\n", list(MAX_TAGS + 1)),
    );
    assert_eq!(fail.line, Some(3));
    assert!(message(&fail).contains("65 tags, at most 64"), "{fail:?}");
    let fail = fail_of(Syntax::Toml, &format!("tags = \"{}\"\n", list(3000)));
    assert!(message(&fail).contains("3000 tags"), "{fail:?}");
}

#[test]
fn a_date_in_a_tag_list_is_a_tag() {
    let tags = parse(Syntax::Toml, "tags = [2024-05-01, \"news\"]\n").map(|fm| fm.tags);
    assert_eq!(
        tags.ok(),
        Some(vec!["2024-05-01".to_string(), "news".to_string()])
    );
}

#[test]
fn line_and_paragraph_separators_are_spaces() {
    let fm = parse(
        Syntax::Yaml,
        "title: Line\u{2028}Sep\u{2029}end\ndraft: true\n",
    );
    assert_eq!(
        fm.map(|f| (f.title, f.draft)).ok(),
        Some((Some("Line Sep end".to_string()), true))
    );
    let fail = fail_of(Syntax::Yaml, "title: a\u{2028}b\ndraft: maybe\n");
    assert_eq!(fail.line, Some(3));
}

#[test]
fn other_tools_keys_are_read() {
    let fm = |syntax, text: &str| parse(syntax, text).unwrap_or_else(|f| panic!("{text:?}: {f:?}"));
    // Hugo: keys without regard to case, `lastmod`, `publishDate`, `expiryDate`.
    let hugo = fm(
        Syntax::Yaml,
        "Title: Hi\nDraft: true\nlastmod: 2024-05-02\npublishDate: 2024-06-01\nexpiryDate: 2025-01-01\n",
    );
    assert_eq!(hugo.title.as_deref(), Some("Hi"));
    assert!(hugo.draft);
    assert_eq!(hugo.updated.map(|d| d.value).as_deref(), Some("2024-05-02"));
    assert_eq!(
        hugo.publish_date.map(|d| (d.value, d.line)),
        Some(("2024-06-01".into(), Some(5)))
    );
    assert_eq!(hugo.expires.map(|d| d.value).as_deref(), Some("2025-01-01"));
    // Jekyll: `published: false`, `last_modified_at`, `excerpt`; feedpub's own key wins.
    let jekyll = fm(
        Syntax::Yaml,
        "published: false\nlast_modified_at: 2024-05-03\nexcerpt: Short\ndescription: SEO\n",
    );
    assert!(jekyll.draft);
    assert_eq!(
        jekyll.updated.map(|d| d.value).as_deref(),
        Some("2024-05-03")
    );
    assert_eq!(jekyll.summary.as_deref(), Some("Short"));
    assert!(!fm(Syntax::Yaml, "published: true\n").draft);
    // WordPress and Ghost: `status`.
    assert!(fm(Syntax::Yaml, "status: draft\n").draft);
    assert!(fm(Syntax::Yaml, "Status: Private\n").draft);
    assert!(!fm(Syntax::Yaml, "status: publish\n").draft);
    assert!(!fm(Syntax::Yaml, "status: in progress\n").draft);
    // Zola: `[taxonomies] tags`; authors as a list; WordPress's author table.
    let zola = fm(
        Syntax::Toml,
        "title = \"z\"\n[taxonomies]\ntags = [\"rust\", \"web\"]\n",
    );
    assert_eq!(zola.tags, ["rust", "web"]);
    assert_eq!(
        fm(Syntax::Toml, "authors = [\"A\", \"B\"]\n")
            .author
            .as_deref(),
        Some("A, B")
    );
    let wp = "author:\n  login: jdoe\n  email: j@example.org\n  display_name: Jane Doe\n";
    assert_eq!(fm(Syntax::Yaml, wp).author.as_deref(), Some("Jane Doe"));
    // YAML merge keys.
    let merged =
        "base: &base\n  draft: true\n  title: From base\nx:\n  <<: *base\n<<: *base\ntitle: Own\n";
    let merged = fm(Syntax::Yaml, merged);
    assert!(merged.draft);
    assert_eq!(merged.title.as_deref(), Some("Own"));
    // Unknown keys only: nothing recognized.
    assert!(!fm(Syntax::Yaml, "layout: post\n").recognized);
    assert!(fm(Syntax::Yaml, "layout: post\ntags: a\n").recognized);
}

#[test]
fn other_spellings_that_cannot_be_read_are_ignored_like_other_keys() {
    let fm = |text: &str| parse(Syntax::Yaml, text).unwrap_or_else(|f| panic!("{text:?}: {f:?}"));
    // What these keys mean to their writers is not what feedpub reads into them.
    for text in [
        "title: T\nstatus: in progress\n",
        "title: T\nstatus: featured\n",
        "title: T\nmodified: true\n",
        "title: T\npublished: 1998 by Penguin\n",
        "title: T\nDate: [1, 2]\n",
        "title: T\nTags: {a: 1}\n",
        "title: T\nLang: not a tag\n",
    ] {
        let f = fm(text);
        assert!(
            !f.draft && f.date.is_none() && f.tags.is_empty() && f.lang.is_none(),
            "{text:?}: {f:?}"
        );
    }
    // Dates of other spellings are read when they can be; the caller ignores the rest.
    let f = fm("expires: never\nDate: someday\n");
    assert!(f.expires.is_some_and(|d| !d.strict) && f.date.is_some_and(|d| !d.strict));
    // feedpub's own spelling wins over another case of it, and is checked.
    let f = fm("Title: Other\ntitle: Own\n");
    assert_eq!(f.title.as_deref(), Some("Own"));
    assert!(parse(Syntax::Yaml, "title: [a]\nTitle: b\n").is_err());
    // Values that hide an article are read generously; a publish date must be a date.
    assert!(fm("published: \"no\"\n").draft);
    assert!(fm("publish: false\n").draft);
    assert!(fm("Draft: yes\n").draft);
    assert!(fm("visibility: members\n").draft);
    assert!(fm("visibility: filter\n").draft);
    assert!(!fm("title: T\nDraft: maybe\n").draft);
    assert!(fm("post_status: draft\n").draft);
    assert!(fm("headless: true\n").draft);
    for hides in [
        "hidden: true",
        "private: true",
        "Unlisted: \"yes\"",
        "dg-publish: false",
        // Any key that hides wins over one that does not.
        "hidden: false\nprivate: true",
        "dg-publish: true\nunlisted: true",
    ] {
        assert!(fm(&format!("{hides}\n")).draft, "{hides}");
    }
    for shows in [
        "hidden: false",
        "private: no",
        "dg-publish: true",
        "unlisted: maybe",
    ] {
        assert!(!fm(&format!("title: T\n{shows}\n")).draft, "{shows}");
    }
    assert!(fm("_build:\n  render: never\n  list: never\n").draft);
    assert!(fm("status: scheduled\n").scheduled);
    // A block that hides the article counts as front matter, whatever it calls the key.
    assert!(fm("published: false\n").recognized);
    assert!(!fm("visibility: public\n").draft);
    assert!(fm("publish_date: soon-ish\n")
        .publish_date
        .is_some_and(|d| d.strict));
    assert_eq!(
        fail_of(Syntax::Yaml, "title: T\npublishDate: [1]\n").line,
        Some(3)
    );
}

#[test]
fn large_front_matter_is_refused_before_it_is_parsed() {
    let list = vec!["1"; 200_000].join(",");
    let yaml = format!("title: x\nrelated: [{list}]\n");
    let toml = format!("title = \"x\"\nrelated = [{list}]\n");
    for (syntax, text) in [(Syntax::Yaml, yaml), (Syntax::Toml, toml)] {
        let f = fail_of(syntax, &text);
        assert_eq!(f.line, Some(3), "{syntax:?}");
        assert!(
            matches!(f.kind, ArticleErrorKind::FrontMatter(ref m)
                if m.contains("over the limit of 262144 bytes")),
            "{f:?}"
        );
    }
    let at_limit = format!("title: x\nnote: {}\n", "a".repeat(MAX_BYTES - 16));
    assert_eq!(at_limit.len(), MAX_BYTES);
    assert!(parse(Syntax::Yaml, &at_limit).is_ok());
}

#[test]
fn deep_nesting_is_refused_at_once() {
    let started = std::time::Instant::now();
    let deep = format!(
        "title: deep\nx: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let f = fail_of(Syntax::Yaml, &deep);
    assert_eq!(f.line, Some(3), "{f:?}");
    let dashes = format!("title: deep\nx:\n  {}a\n", "- ".repeat(100_000));
    assert_eq!(fail_of(Syntax::Yaml, &dashes).line, Some(4));
    // Generous: the YAML parser took 31 s on the first.
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // `#` inside a value is no comment, nor an apostrophe a quote: 70 such items are fine.
    let links = format!(
        "title: t\nlinks:\n{}",
        "- {name: it's, url: https://ex.com/p#s, langs: [C#, F#]}\n".repeat(70)
    );
    assert!(
        parse(Syntax::Yaml, &links).is_ok(),
        "{:?}",
        parse(Syntax::Yaml, &links).err()
    );
    // Brackets in quotes and comments do not count; 64 levels are fine.
    let quoted = format!(
        "title: '{}'\n# {}\nx: {}{}\n",
        "[".repeat(500),
        "{".repeat(500),
        "[".repeat(64),
        "]".repeat(64)
    );
    assert!(parse(Syntax::Yaml, &quoted).is_ok());
}

#[test]
fn character_references_in_text_keys_are_decoded() {
    let fm = parse(
        Syntax::Yaml,
        "title: \"Don&#8217;t Panic &amp; Carry On\"\ntags: [\"c&amp;c\", AT&T]\nauthor: \"O&rsquo;Brien\"\nslug: a&amp;b\n",
    )
    .unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(fm.title.as_deref(), Some("Don\u{2019}t Panic & Carry On"));
    assert_eq!(fm.tags, ["c&c", "AT&T"]);
    assert_eq!(fm.author.as_deref(), Some("O\u{2019}Brien"));
    // A slug is a URL segment, taken as written.
    assert_eq!(fm.slug.map(|s| s.value).as_deref(), Some("a&amp;b"));
}

#[test]
fn hugo_json_front_matter_is_read_and_its_errors_located() {
    let text = "{\n  \"title\": \"From JSON\",\n  \"draft\": true,\n  \"tags\": [\"a\", \"b\"]\n}\nBody.\n";
    let s = split(text, true).expect("split");
    let (syntax, front) = s.front.expect("front matter");
    let fm = parse(syntax, &front).unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(fm.title.as_deref(), Some("From JSON"));
    assert!(fm.draft);
    assert_eq!(fm.tags, ["a", "b"]);
    assert_eq!(s.body, "Body.\n");
    let bad = "{\n  \"title\": \"x\",\n  \"draft\": tru,\n  \"x\": 1\n}\n";
    let s = split(bad, true).expect("split");
    let (syntax, front) = s.front.expect("front matter");
    let fail = parse(syntax, &front).expect_err("not JSON");
    assert_eq!(fail.line, Some(3), "{fail:?}");
}
