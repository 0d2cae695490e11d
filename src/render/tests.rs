//! Render tests. Output is read back with independent parsers (`quick-xml` 0.42 into a small
//! tree, `feed-rs`, `serde_json`), never with the `rss`/`atom_syndication` types that wrote it.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use quick_xml::events::Event;

use super::*;
use crate::article::{Article, Format};
use crate::config::Config;

// ---------------------------------------------------------------- fixtures

fn config() -> Config {
    let mut c = Config::default();
    c.site.title = "Test & <Site>".to_string();
    c.site.description = "A site".to_string();
    c.site.base_url = "https://example.com/blog/".to_string();
    c.site.language = "en".to_string();
    c.site.author = Some("Site Author".to_string());
    c.feeds.limit = 10;
    c.feeds.full_content = true;
    c
}

fn date(day: u32, hour: u32) -> DateTime<FixedOffset> {
    FixedOffset::east_opt(8 * 3600)
        .expect("valid offset")
        .with_ymd_and_hms(2024, 5, day, hour, 0, 0)
        .single()
        .expect("valid date")
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0)
        .single()
        .expect("valid date")
}

fn article(slug: &str, day: u32, tags: &[&str]) -> Article {
    Article {
        path: PathBuf::from(format!("articles/{slug}.md")),
        format: Format::Markdown,
        title: format!("Title of {slug}"),
        slug: slug.to_string(),
        id: None,
        date: date(day, 9),
        updated: date(day, 10),
        author: None,
        summary: format!("Summary of {slug}"),
        content_html: format!("<p>Body of {slug}</p>").into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        draft: false,
        expires: None,
        lang: None,
    }
}

fn arcs(articles: Vec<Article>) -> Vec<Arc<Article>> {
    articles.into_iter().map(Arc::new).collect()
}

fn body(site: &Site, key: &str) -> String {
    let asset = site
        .get(key)
        .unwrap_or_else(|| panic!("no asset {key}; have {:?}", keys(site)));
    String::from_utf8(asset.body().to_vec()).expect("UTF-8 output")
}

fn keys(site: &Site) -> Vec<&str> {
    let mut k: Vec<&str> = site.iter().map(|(k, _)| &k[..]).collect();
    k.sort();
    k
}

// ---------------------------------------------------------------- a tiny XML tree (quick-xml)

#[derive(Debug, Default, Clone)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn child(&self, name: &str) -> &Node {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("<{}> has no <{name}>", self.name))
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn text_of(&self, name: &str) -> &str {
        &self.child(name).text
    }
}

/// Parse `xml` strictly into a tree: panics on anything that is not well-formed.
fn parse_xml(xml: &str) -> Node {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Node> = vec![Node::default()];
    let open = |e: &quick_xml::events::BytesStart<'_>| -> Node {
        let attrs = e
            .attributes()
            .map(|a| {
                let a = a.expect("well-formed attribute");
                let v = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .expect("valid attribute value")
                    .into_owned();
                (a.key.as_ref().to_string(), v)
            })
            .collect();
        Node {
            name: e.name().as_ref().to_string(),
            attrs,
            ..Node::default()
        }
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => {
                let node = open(&e);
                stack.last_mut().expect("open parent").children.push(node);
            }
            Event::End(_) => {
                let node = stack.pop().expect("open element");
                stack
                    .last_mut()
                    .expect("root is never closed")
                    .children
                    .push(node);
            }
            Event::Text(t) => stack
                .last_mut()
                .expect("open parent")
                .text
                .push_str(&t.xml10_content()),
            Event::CData(t) => stack
                .last_mut()
                .expect("open parent")
                .text
                .push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let c = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .expect("valid char ref")
                        .expect("a char")
                } else {
                    match &*r {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("undeclared entity &{other};"),
                    }
                };
                stack.last_mut().expect("open parent").text.push(c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut doc = stack.pop().expect("document node");
    assert_eq!(doc.children.len(), 1, "exactly one root element");
    doc.children.pop().expect("root")
}

fn parse_feed(bytes: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(bytes.as_bytes()).expect("feed-rs parses the feed")
}

fn unescape_html(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

// ---------------------------------------------------------------- site layout

#[test]
fn site_has_every_asset_with_its_content_type() {
    let published = arcs(vec![
        article("b", 2, &["Rust", "Web Dev"]),
        article("a", 1, &["rust"]),
    ]);
    let site = render_site(&config(), &published, now());
    assert_eq!(site.article_count, 2);
    assert_eq!(
        keys(&site),
        [
            "articles/a/index.html",
            "articles/b/index.html",
            "atom.xml",
            "feed.json",
            "index.html",
            "rss.xml",
            "tags/rust/atom.xml",
            "tags/rust/feed.json",
            "tags/rust/index.html",
            "tags/rust/rss.xml",
            "tags/web-dev/atom.xml",
            "tags/web-dev/feed.json",
            "tags/web-dev/index.html",
            "tags/web-dev/rss.xml",
        ]
    );
    let ct = |k: &str| site.get(k).expect("asset").content_type;
    assert_eq!(ct("rss.xml"), "application/rss+xml; charset=utf-8");
    assert_eq!(ct("atom.xml"), "application/atom+xml; charset=utf-8");
    assert_eq!(ct("feed.json"), "application/feed+json; charset=utf-8");
    assert_eq!(ct("index.html"), "text/html; charset=utf-8");
    assert_eq!(
        ct("tags/rust/feed.json"),
        "application/feed+json; charset=utf-8"
    );
    assert_eq!(ct("articles/a/index.html"), "text/html; charset=utf-8");
    assert_eq!(ct("tags/web-dev/index.html"), "text/html; charset=utf-8");

    // Last-Modified: newest updated of the feed; the article page's own updated.
    assert_eq!(
        site.get("rss.xml").expect("rss").last_modified,
        SystemTime::from(date(2, 10))
    );
    assert_eq!(
        site.get("index.html").expect("index").last_modified,
        SystemTime::from(date(2, 10))
    );
    assert_eq!(
        site.get("articles/a/index.html")
            .expect("page")
            .last_modified,
        SystemTime::from(date(1, 10))
    );
}

#[test]
fn rendering_is_deterministic() {
    let mut a = article("a", 1, &["x", "y"]);
    a.author = Some("Ann".to_string());
    let published = arcs(vec![article("c", 3, &["y"]), article("b", 2, &["x"]), a]);
    let one = render_site(&config(), &published, now());
    let later = now() + chrono::Duration::days(3);
    let two = render_site(&config(), &published, later);
    assert_eq!(keys(&one), keys(&two));
    for key in keys(&one) {
        assert_eq!(
            one.get(key).expect("asset").body(),
            two.get(key).expect("asset").body(),
            "{key} differs"
        );
        assert_eq!(
            one.get(key).expect("asset").last_modified,
            two.get(key).expect("asset").last_modified,
            "{key}"
        );
    }
}

#[test]
fn empty_site_renders_valid_feeds() {
    let site = render_site(&config(), &[], now());
    assert_eq!(site.article_count, 0);
    assert_eq!(
        keys(&site),
        ["atom.xml", "feed.json", "index.html", "rss.xml"]
    );

    let rss = parse_xml(&body(&site, "rss.xml"));
    let channel = rss.child("channel");
    assert_eq!(channel.all("item").count(), 0);
    assert_eq!(channel.text_of("lastBuildDate"), now().to_rfc2822());
    assert_eq!(parse_feed(&body(&site, "rss.xml")).entries.len(), 0);

    let atom = parse_xml(&body(&site, "atom.xml"));
    assert_eq!(atom.text_of("updated"), now().to_rfc3339());
    let parsed = parse_feed(&body(&site, "atom.xml"));
    assert_eq!(parsed.updated, Some(now()));

    let json: serde_json::Value = serde_json::from_str(&body(&site, "feed.json")).expect("JSON");
    assert_eq!(json["items"], serde_json::json!([]));
    assert_eq!(
        site.get("atom.xml").expect("atom").last_modified,
        SystemTime::from(now())
    );
    assert!(body(&site, "index.html").contains("No articles yet."));
}

// ---------------------------------------------------------------- RSS

#[test]
fn rss_channel_and_items() {
    let mut a = article("a", 1, &["Rust", "中文"]);
    a.author = Some("jane@example.com (Jane)".to_string());
    let mut b = article("b", 2, &[]);
    b.author = Some("Bob Builder".to_string());
    b.id = Some("urn:uuid:1234".to_string());
    let published = arcs(vec![b, a]);
    let site = render_site(&config(), &published, now());
    let xml = body(&site, "rss.xml");
    let rss = parse_xml(&xml);
    assert_eq!(rss.name, "rss");
    assert_eq!(rss.attr("version"), Some("2.0"));
    assert_eq!(
        rss.attr("xmlns:content"),
        Some("http://purl.org/rss/1.0/modules/content/")
    );
    assert_eq!(
        rss.attr("xmlns:dc"),
        Some("http://purl.org/dc/elements/1.1/")
    );
    assert_eq!(rss.attr("xmlns:atom"), Some("http://www.w3.org/2005/Atom"));

    let ch = rss.child("channel");
    assert_eq!(ch.text_of("title"), "Test & <Site>");
    assert_eq!(ch.text_of("link"), "https://example.com/blog/");
    assert_eq!(ch.text_of("description"), "A site");
    assert_eq!(ch.text_of("language"), "en");
    assert_eq!(ch.text_of("generator"), "feedpub");
    assert_eq!(
        ch.text_of("lastBuildDate"),
        "Thu, 2 May 2024 02:00:00 +0000"
    );
    let self_link = ch.child("atom:link");
    assert_eq!(
        self_link.attr("href"),
        Some("https://example.com/blog/rss.xml")
    );
    assert_eq!(self_link.attr("rel"), Some("self"));
    assert_eq!(self_link.attr("type"), Some("application/rss+xml"));

    let items: Vec<&Node> = ch.all("item").collect();
    assert_eq!(items.len(), 2);
    // b: custom id → isPermaLink="false"; non-email author → dc:creator.
    let guid = items[0].child("guid");
    assert_eq!(guid.text, "urn:uuid:1234");
    assert_eq!(guid.attr("isPermaLink"), Some("false"));
    assert_eq!(
        items[0].text_of("link"),
        "https://example.com/blog/articles/b/"
    );
    assert_eq!(items[0].text_of("dc:creator"), "Bob Builder");
    assert!(items[0].all("author").next().is_none());
    assert!(items[0].all("category").next().is_none());
    assert_eq!(
        items[0].text_of("pubDate"),
        "Thu, 2 May 2024 09:00:00 +0800"
    );
    assert_eq!(items[0].text_of("content:encoded"), "<p>Body of b</p>");
    assert_eq!(items[0].text_of("description"), "Summary of b");
    // a: guid is the permalink → isPermaLink true (absent attribute means true); email author.
    let guid = items[1].child("guid");
    assert_eq!(guid.text, "https://example.com/blog/articles/a/");
    assert_ne!(guid.attr("isPermaLink"), Some("false"));
    assert_eq!(items[1].text_of("author"), "jane@example.com (Jane)");
    assert!(items[1].all("dc:creator").next().is_none());
    let cats: Vec<&str> = items[1].all("category").map(|c| c.text.as_str()).collect();
    assert_eq!(cats, ["Rust", "中文"]);

    // An independent feed parser agrees.
    let parsed = parse_feed(&xml);
    assert_eq!(parsed.entries.len(), 2);
    assert_eq!(
        parsed.entries[1].links[0].href,
        "https://example.com/blog/articles/a/"
    );
}

#[test]
fn rss_guid_equal_to_permalink_is_a_permalink() {
    let mut a = article("a", 1, &[]);
    a.id = Some("https://example.com/blog/articles/a/".to_string());
    let site = render_site(&config(), &arcs(vec![a]), now());
    let rss = parse_xml(&body(&site, "rss.xml"));
    let guid = rss.child("channel").child("item").child("guid");
    assert_eq!(guid.attr("isPermaLink"), None);
}

#[test]
fn rss_summary_only_without_full_content() {
    let mut c = config();
    c.feeds.full_content = false;
    let site = render_site(&c, &arcs(vec![article("a", 1, &[])]), now());
    let item = parse_xml(&body(&site, "rss.xml"))
        .child("channel")
        .child("item")
        .children
        .iter()
        .map(|n| n.name.clone())
        .collect::<Vec<_>>();
    assert!(!item.contains(&"content:encoded".to_string()), "{item:?}");
    assert!(item.contains(&"description".to_string()));
}

#[test]
fn items_without_text_have_the_title_as_summary_and_no_empty_content() {
    let mut empty = article("e", 2, &[]);
    empty.summary = String::new();
    empty.content_html = "\n".into();
    let mut image = article("i", 1, &[]);
    image.summary = String::new();
    image.content_html = "<p><img src=\"https://example.com/x.png\" alt=\"\"></p>".into();
    let site = render_site(&config(), &arcs(vec![empty, image]), now());

    let rss = parse_xml(&body(&site, "rss.xml"));
    let items: Vec<&Node> = rss.child("channel").all("item").collect();
    let names = |n: &Node| {
        n.children
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(items[0].text_of("description"), "Title of e");
    assert!(!names(items[0]).contains(&"content:encoded".to_string()));
    // The validator wants the description before the content.
    let order = names(items[1]);
    let at = |name: &str| order.iter().position(|n| n == name);
    assert!(at("description") < at("content:encoded"), "{order:?}");
    assert!(at("description").is_some() && items[1].text_of("content:encoded").contains("<img"));

    let atom = parse_xml(&body(&site, "atom.xml"));
    let entries: Vec<&Node> = atom.all("entry").collect();
    assert_eq!(entries[0].text_of("summary"), "Title of e");
    assert!(entries[0].all("content").next().is_none());
    assert_eq!(entries[1].text_of("summary"), "Title of i");
    assert!(entries[1].text_of("content").contains("<img"));

    let json: serde_json::Value = serde_json::from_str(&body(&site, "feed.json")).expect("JSON");
    let items = &json["items"];
    assert!(items[0].get("content_html").is_none());
    assert_eq!(items[0]["content_text"], "Title of e");
    assert_eq!(items[0]["summary"], "Title of e");
    assert!(items[1]["content_html"]
        .as_str()
        .is_some_and(|h| h.contains("<img")));
    assert!(items[1].get("content_text").is_none());
}

// ---------------------------------------------------------------- escaping

const NASTY: &str = "a < b && c > d ]]> e ]]]]>> f \"q\" 'r'";

fn nasty_article() -> Article {
    let mut a = article("nasty", 1, &[NASTY]);
    a.title = NASTY.to_string();
    a.summary = NASTY.to_string();
    a.content_html = format!("<p>{}</p><pre>]]></pre><![CDATA[x]]>", escape_html(NASTY)).into();
    a.author = Some(NASTY.to_string());
    a
}

#[test]
fn rss_escaping_round_trips() {
    let a = nasty_article();
    let site = render_site(&config(), &arcs(vec![a.clone()]), now());
    let xml = body(&site, "rss.xml");
    let item = parse_xml(&xml).child("channel").child("item").clone();
    assert_eq!(item.text_of("title"), NASTY);
    // The description is HTML: the escaped plain-text summary.
    assert_eq!(unescape_html(item.text_of("description")), NASTY);
    assert_eq!(item.text_of("content:encoded"), a.content_html.html());
    assert_eq!(item.text_of("category"), NASTY);
    assert_eq!(item.text_of("dc:creator"), NASTY);
    let parsed = parse_feed(&xml);
    assert_eq!(
        parsed.entries[0].title.as_ref().expect("title").content,
        NASTY
    );
}

#[test]
fn atom_escaping_round_trips() {
    let a = nasty_article();
    let site = render_site(&config(), &arcs(vec![a.clone()]), now());
    let xml = body(&site, "atom.xml");
    let feed = parse_xml(&xml);
    let entry = feed.child("entry");
    assert_eq!(entry.text_of("title"), NASTY);
    assert_eq!(entry.text_of("summary"), NASTY);
    assert_eq!(entry.text_of("content"), a.content_html.html());
    assert_eq!(entry.child("category").attr("term"), Some(NASTY));
    assert_eq!(entry.child("author").text_of("name"), NASTY);
    assert_eq!(feed.text_of("title"), "Test & <Site>");
    let parsed = parse_feed(&xml);
    assert_eq!(
        parsed.entries[0].title.as_ref().expect("title").content,
        NASTY
    );
}

#[test]
fn json_escaping_round_trips() {
    let a = nasty_article();
    let site = render_site(&config(), &arcs(vec![a.clone()]), now());
    let json: serde_json::Value = serde_json::from_str(&body(&site, "feed.json")).expect("JSON");
    let item = &json["items"][0];
    assert_eq!(item["title"], NASTY);
    assert_eq!(item["summary"], NASTY);
    assert_eq!(item["content_html"], &*a.content_html.html());
    assert_eq!(item["tags"][0], NASTY);
}

#[test]
fn html_escapes_text_fields() {
    let a = nasty_article();
    let site = render_site(&config(), &arcs(vec![a.clone()]), now());
    let escaped = escape_html(NASTY).into_owned();
    assert!(!escaped.contains(['<', '>', '"', '\'']));
    for key in ["index.html", "articles/nasty/index.html"] {
        let html = body(&site, key);
        assert!(html.contains(&escaped), "{key}");
        assert!(!html.contains(NASTY), "{key} has unescaped text");
        assert!(html.contains("<title>"));
        assert!(
            !html.contains("Test & <Site>"),
            "{key}: site title unescaped"
        );
    }
    assert!(
        body(&site, "articles/nasty/index.html").contains(&*a.content_html.html()),
        "content goes in as is"
    );
}

#[test]
fn escape_html_cases() {
    assert!(matches!(
        escape_html("plain 中文"),
        Cow::Borrowed("plain 中文")
    ));
    assert_eq!(
        escape_html("<a href=\"x\">&'</a>"),
        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
    );
    assert_eq!(escape_html(""), "");
}

// ---------------------------------------------------------------- Atom

#[test]
fn atom_feed_and_entries() {
    let mut a = article("a", 1, &["Rust"]);
    a.author = Some("Ann".to_string());
    a.lang = Some("zh-CN".to_string());
    let mut b = article("b", 2, &[]);
    b.id = Some("urn:uuid:b".to_string());
    let site = render_site(&config(), &arcs(vec![b, a]), now());
    let xml = body(&site, "atom.xml");
    let feed = parse_xml(&xml);
    assert_eq!(feed.name, "feed");
    assert_eq!(feed.attr("xmlns"), Some("http://www.w3.org/2005/Atom"));
    assert_eq!(feed.text_of("id"), "https://example.com/blog/");
    assert_eq!(feed.text_of("updated"), "2024-05-02T02:00:00+00:00");
    assert_eq!(feed.child("author").text_of("name"), "Site Author");
    assert_eq!(feed.text_of("generator"), "feedpub");
    let links: Vec<(Option<&str>, Option<&str>, Option<&str>)> = feed
        .all("link")
        .map(|l| (l.attr("rel"), l.attr("type"), l.attr("href")))
        .collect();
    assert!(
        links.contains(&(
            Some("self"),
            Some("application/atom+xml"),
            Some("https://example.com/blog/atom.xml")
        )),
        "{links:?}"
    );
    assert!(
        links.contains(&(
            Some("alternate"),
            Some("text/html"),
            Some("https://example.com/blog/")
        )),
        "{links:?}"
    );

    let entries: Vec<&Node> = feed.all("entry").collect();
    assert_eq!(entries[0].text_of("id"), "urn:uuid:b");
    assert_eq!(entries[0].child("author").text_of("name"), "Site Author");
    assert_eq!(entries[0].text_of("published"), "2024-05-02T09:00:00+08:00");
    assert_eq!(entries[0].text_of("updated"), "2024-05-02T10:00:00+08:00");
    assert_eq!(
        entries[1].text_of("id"),
        "https://example.com/blog/articles/a/"
    );
    assert_eq!(entries[1].child("author").text_of("name"), "Ann");
    assert_eq!(
        entries[1].child("link").attr("href"),
        Some("https://example.com/blog/articles/a/")
    );
    assert_eq!(entries[1].child("category").attr("term"), Some("Rust"));
    let content = entries[1].child("content");
    assert_eq!(content.attr("type"), Some("html"));
    assert_eq!(content.attr("xml:lang"), Some("zh-CN"));
    assert_eq!(content.text, "<p>Body of a</p>");
    // Not the feed's `en`: every text of the entry is in the article's language.
    for text in ["title", "summary"] {
        assert_eq!(
            entries[1].child(text).attr("xml:lang"),
            Some("zh-CN"),
            "{text}"
        );
    }

    let parsed = parse_feed(&xml);
    assert!(
        parsed.updated.expect("updated").timestamp() > 0,
        "Atom updated left at 1970"
    );
    assert_eq!(parsed.entries.len(), 2);
    for e in &parsed.entries {
        assert!(e.updated.expect("entry updated").timestamp() > 0);
    }
}

#[test]
fn atom_without_site_author_still_has_an_author() {
    let mut c = config();
    c.site.author = None;
    let site = render_site(&c, &arcs(vec![article("a", 1, &[])]), now());
    let feed = parse_xml(&body(&site, "atom.xml"));
    assert_eq!(feed.child("author").text_of("name"), "Test & <Site>");
    c.site.title = String::new();
    let site = render_site(&c, &[], now());
    assert_eq!(
        parse_xml(&body(&site, "atom.xml"))
            .child("author")
            .text_of("name"),
        "feedpub"
    );
}

#[test]
fn atom_summary_content_without_full_content() {
    let mut c = config();
    c.feeds.full_content = false;
    let mut a = article("a", 1, &[]);
    a.summary = "x < y".to_string();
    let site = render_site(&c, &arcs(vec![a]), now());
    let entry = parse_xml(&body(&site, "atom.xml")).child("entry").clone();
    assert_eq!(entry.text_of("content"), "<p>x &lt; y</p>");
    assert_eq!(entry.text_of("summary"), "x < y");
}

// ---------------------------------------------------------------- JSON Feed

#[test]
fn json_feed_required_fields() {
    let mut a = article("a", 1, &["Rust"]);
    a.author = Some("Ann".to_string());
    a.lang = Some("zh-CN".to_string());
    let mut b = article("b", 2, &[]);
    b.id = Some("urn:uuid:b".to_string());
    let site = render_site(&config(), &arcs(vec![b, a]), now());
    let text = body(&site, "feed.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["title"], "Test & <Site>");
    assert_eq!(json["home_page_url"], "https://example.com/blog/");
    assert_eq!(json["feed_url"], "https://example.com/blog/feed.json");
    assert_eq!(json["description"], "A site");
    assert_eq!(json["language"], "en");
    assert_eq!(json["authors"][0]["name"], "Site Author");
    let items = json["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    for item in items {
        assert!(item["id"].is_string(), "{item}");
        assert!(
            item["content_html"].is_string() || item["content_text"].is_string(),
            "{item}"
        );
    }
    assert_eq!(items[0]["id"], "urn:uuid:b");
    assert_eq!(items[0]["url"], "https://example.com/blog/articles/b/");
    assert_eq!(items[0]["date_published"], "2024-05-02T09:00:00+08:00");
    assert_eq!(items[0]["date_modified"], "2024-05-02T10:00:00+08:00");
    assert!(items[0].get("tags").is_none());
    assert!(items[0].get("authors").is_none());
    assert_eq!(items[1]["id"], "https://example.com/blog/articles/a/");
    assert_eq!(items[1]["tags"], serde_json::json!(["Rust"]));
    assert_eq!(items[1]["authors"], serde_json::json!([{ "name": "Ann" }]));
    assert_eq!(items[1]["language"], "zh-CN");
    assert_eq!(items[1]["content_html"], "<p>Body of a</p>");

    // feed-rs reads it as a JSON Feed too.
    let parsed = parse_feed(&text);
    assert_eq!(parsed.entries.len(), 2);
}

#[test]
fn json_feed_summary_as_text_without_full_content() {
    let mut c = config();
    c.feeds.full_content = false;
    let site = render_site(&c, &arcs(vec![article("a", 1, &[])]), now());
    let json: serde_json::Value = serde_json::from_str(&body(&site, "feed.json")).expect("JSON");
    let item = &json["items"][0];
    assert!(item.get("content_html").is_none());
    assert_eq!(item["content_text"], "Summary of a");
}

// ---------------------------------------------------------------- limit, order, tags

#[test]
fn limit_keeps_the_newest_in_order() {
    let mut c = config();
    c.feeds.limit = 3;
    let published = arcs(
        (1..=6)
            .rev()
            .map(|d| article(&format!("s{d}"), d, &["t"]))
            .collect(),
    );
    let site = render_site(&c, &published, now());
    assert_eq!(site.article_count, 6);
    let want = ["Title of s6", "Title of s5", "Title of s4"];
    for prefix in ["", "tags/t/"] {
        let rss = parse_xml(&body(&site, &format!("{prefix}rss.xml")));
        let titles: Vec<&str> = rss
            .child("channel")
            .all("item")
            .map(|i| i.text_of("title"))
            .collect();
        assert_eq!(titles, want, "{prefix}rss.xml");
        let atom = parse_xml(&body(&site, &format!("{prefix}atom.xml")));
        let titles: Vec<&str> = atom.all("entry").map(|e| e.text_of("title")).collect();
        assert_eq!(titles, want, "{prefix}atom.xml");
        let json: serde_json::Value =
            serde_json::from_str(&body(&site, &format!("{prefix}feed.json"))).expect("JSON");
        let titles: Vec<&str> = json["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["title"].as_str().expect("title"))
            .collect();
        assert_eq!(titles, want, "{prefix}feed.json");
    }
    let index = body(&site, "index.html");
    assert!(index.contains("Title of s4") && !index.contains("Title of s3"));
    // Every article still gets its page.
    assert!(site.get("articles/s1/index.html").is_some());
}

#[test]
fn tag_feeds_are_filtered_and_share_slugs() {
    let published = arcs(vec![
        article("c", 3, &["Rust", "rust"]),
        article("b", 2, &["Web Dev"]),
        article("a", 1, &["rust", "中文 标签"]),
    ]);
    let site = render_site(&config(), &published, now());
    let rss = parse_xml(&body(&site, "tags/rust/rss.xml"));
    let ch = rss.child("channel");
    assert_eq!(ch.text_of("title"), "Test & <Site> — Rust");
    assert_eq!(
        ch.child("atom:link").attr("href"),
        Some("https://example.com/blog/tags/rust/rss.xml")
    );
    let links: Vec<&str> = ch.all("item").map(|i| i.text_of("link")).collect();
    assert_eq!(
        links,
        [
            "https://example.com/blog/articles/c/",
            "https://example.com/blog/articles/a/"
        ]
    );

    // A tag feed's page is the tag's, in all three formats, and that page offers its own
    // feeds first (readers subscribe to the first).
    assert_eq!(ch.text_of("link"), "https://example.com/blog/tags/rust/");
    let atom = parse_xml(&body(&site, "tags/rust/atom.xml"));
    assert_eq!(atom.text_of("id"), "https://example.com/blog/tags/rust/");
    assert_eq!(atom.text_of("updated"), "2024-05-03T02:00:00+00:00");
    assert_eq!(atom.all("entry").count(), 2);
    let alternate = atom
        .all("link")
        .find(|l| l.attr("rel") == Some("alternate"));
    assert_eq!(
        alternate.and_then(|l| l.attr("href")),
        Some("https://example.com/blog/tags/rust/")
    );
    let json: serde_json::Value =
        serde_json::from_str(&body(&site, "tags/rust/feed.json")).expect("JSON");
    assert_eq!(json["home_page_url"], "https://example.com/blog/tags/rust/");
    let page = body(&site, "tags/rust/index.html");
    let first = page.lines().find(|l| l.contains("rel=\"alternate\""));
    assert!(
        first.is_some_and(|l| l.contains("href=\"https://example.com/blog/tags/rust/rss.xml\"")),
        "{page}"
    );
    assert!(
        page.contains("href=\"https://example.com/blog/rss.xml\""),
        "{page}"
    );

    // Non-ASCII tags keep their characters in the key, percent-encoded in URLs.
    let json: serde_json::Value =
        serde_json::from_str(&body(&site, "tags/中文-标签/feed.json")).expect("JSON");
    assert_eq!(
        json["feed_url"],
        "https://example.com/blog/tags/%E4%B8%AD%E6%96%87-%E6%A0%87%E7%AD%BE/feed.json"
    );
    assert_eq!(json["title"], "Test & <Site> — 中文 标签");
    assert_eq!(json["items"].as_array().expect("items").len(), 1);
    let atom = parse_xml(&body(&site, "tags/中文-标签/atom.xml"));
    let self_link = atom
        .all("link")
        .find(|l| l.attr("rel") == Some("self"))
        .expect("self link");
    assert_eq!(
        self_link.attr("href"),
        Some("https://example.com/blog/tags/%E4%B8%AD%E6%96%87-%E6%A0%87%E7%AD%BE/atom.xml")
    );
    assert!(site.get("tags/web-dev/rss.xml").is_some());
    // Tag feeds' Last-Modified is their own newest item.
    assert_eq!(
        site.get("tags/web-dev/atom.xml")
            .expect("tag feed")
            .last_modified,
        SystemTime::from(date(2, 10))
    );
}

#[test]
fn tag_slugs() {
    let cases = [
        ("Rust", "rust"),
        ("Web Dev", "web-dev"),
        ("a / b\\c?d#e%f", "a-b-c-d-e-f"),
        ("  many   spaces ", "-many-spaces-"),
        ("中文", "中文"),
        ("Ünïcode Straße", "ünïcode-straße"),
        ("c++", "c++"),
        ("--x--", "-x-"),
        ("tab\there", "tab-here"),
        ("", "-"),
        (".", "-"),
        ("..", "-"),
        ("...", "-"),
        (".NET", "-net"),
        (" .net", "-net"),
        ("node.js", "node.js"),
        ("..a.b", "-a.b"),
    ];
    for (tag, want) in cases {
        assert_eq!(tag_slug(tag), want, "{tag:?}");
    }
    // A directory name in the out dir: cut to fit, at a character boundary.
    assert_eq!(tag_slug(&"x".repeat(300)), "x".repeat(246));
    assert_eq!(tag_slug(&"标签".repeat(50)), "标签".repeat(41));
}

#[test]
fn tag_feed_groups_keep_limit_and_least_name() {
    let published = arcs(vec![
        article("c", 3, &["rust"]),
        article("b", 2, &["Rust", "RUST"]),
        article("a", 1, &["Rust"]),
        article("z", 1, &[" "]),
    ]);
    let feeds = tag_feeds(&published, 2);
    assert_eq!(feeds.len(), 1);
    assert_eq!(feeds[0].slug, "rust");
    assert_eq!(feeds[0].name, "RUST");
    let slugs: Vec<&str> = feeds[0].items.iter().map(|a| a.slug.as_str()).collect();
    assert_eq!(slugs, ["c", "b"]);
}

// ---------------------------------------------------------------- HTML

#[test]
fn non_ascii_slug_is_percent_encoded_in_links() {
    let mut a = article("你好 world", 1, &[]);
    a.title = "你好".to_string();
    let site = render_site(&config(), &arcs(vec![a]), now());
    let encoded = "%E4%BD%A0%E5%A5%BD%20world";
    assert!(
        site.get("articles/你好 world/index.html").is_some(),
        "{:?}",
        keys(&site)
    );
    let index = body(&site, "index.html");
    assert!(
        index.contains(&format!("<a href=\"./articles/{encoded}/\">你好</a>")),
        "{index}"
    );
    let rss = parse_xml(&body(&site, "rss.xml"));
    assert_eq!(
        rss.child("channel").child("item").text_of("link"),
        format!("https://example.com/blog/articles/{encoded}/")
    );
    let page = body(&site, "articles/你好 world/index.html");
    assert!(
        page.contains(&format!(
            "<link rel=\"canonical\" href=\"https://example.com/blog/articles/{encoded}/\">"
        )),
        "{page}"
    );
}

#[test]
fn index_page_shape() {
    let mut a = article("a", 1, &["Rust", "Web"]);
    a.author = Some("Ann".to_string());
    let site = render_site(&config(), &arcs(vec![a]), now());
    let html = body(&site, "index.html");
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"),
        "{html}"
    );
    assert!(
        html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    );
    assert!(html.contains("<title>Test &amp; &lt;Site&gt;</title>"));
    for (mime, file) in [
        ("application/rss+xml", "rss.xml"),
        ("application/atom+xml", "atom.xml"),
        ("application/feed+json", "feed.json"),
    ] {
        assert!(
            html.contains(&format!("type=\"{mime}\""))
                && html.contains(&format!("href=\"https://example.com/blog/{file}\"")),
            "{mime}"
        );
    }
    assert!(html.contains("<time datetime=\"2024-05-01T09:00:00+08:00\">2024-05-01</time>"));
    assert!(html.contains(
        "<li><a href=\"./tags/rust/\">Rust</a></li><li><a href=\"./tags/web/\">Web</a></li>"
    ));
    assert!(html.contains("Summary of a"));
    assert!(html.contains("Ann"));
    assert!(
        html.contains("PingFang SC")
            && html.contains("Noto Sans CJK SC")
            && html.contains("Microsoft YaHei")
    );
    assert!(!html.contains("<script"));
    assert!(html.trim_end().ends_with("</html>"));
    assert_balanced(&html);
}

#[test]
fn article_page_shape() {
    let mut a = article("a", 1, &["Rust", "C++ & co", "rust"]);
    a.lang = Some("zh-CN".to_string());
    a.author = Some("Ann".to_string());
    a.updated = date(5, 10);
    let site = render_site(&config(), &arcs(vec![a]), now());
    let html = body(&site, "articles/a/index.html");
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"),
        "{html}"
    );
    assert!(html.contains("<title>Title of a — Test &amp; &lt;Site&gt;</title>"));
    assert!(html.contains("<h1>Title of a</h1>"));
    assert!(html.contains("<p>Body of a</p>"));
    assert!(html.contains("href=\"../../\""));
    assert!(html.contains("href=\"../../rss.xml\""));
    assert!(html.contains("type=\"application/atom+xml\""));
    // Each tag's feeds are linked, and discoverable once each.
    assert!(
        html.contains("<a href=\"../../tags/c%2B%2B-%26-co/\">C++ &amp; co</a>"),
        "{html}"
    );
    for file in ["rss.xml", "atom.xml", "feed.json"] {
        let link = format!("href=\"https://example.com/blog/tags/rust/{file}\"");
        assert_eq!(html.matches(&link).count(), 1, "{link}");
    }
    assert!(html.contains(
        "title=\"Test &amp; &lt;Site&gt; — C++ &amp; co Atom\" \
         href=\"https://example.com/blog/tags/c%2B%2B-%26-co/atom.xml\""
    ));
    assert!(
        html.contains("(updated <time datetime=\"2024-05-05T10:00:00+08:00\">2024-05-05</time>)")
    );
    assert_balanced(&html);
    // Without an article language the site language is used.
    let site = render_site(&config(), &arcs(vec![article("b", 1, &[])]), now());
    assert!(body(&site, "articles/b/index.html").starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    // A language that only narrows the site's is the site's (`zh` found in a title, `zh-CN`
    // configured), in the pages and the feeds.
    let mut zh = config();
    zh.site.language = "zh-CN".to_string();
    let mut c = article("c", 1, &[]);
    c.lang = Some("zh".to_string());
    let site = render_site(&zh, &arcs(vec![c]), now());
    assert!(
        body(&site, "articles/c/index.html").starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">")
    );
    assert!(!body(&site, "index.html").contains("<article lang="));
    let json: serde_json::Value = serde_json::from_str(&body(&site, "feed.json")).expect("JSON");
    assert_eq!(json["items"][0].get("language"), None);
    assert!(!body(&site, "atom.xml").contains("xml:lang=\"zh\""));
}

#[test]
fn tag_page_shape() {
    let mut b = article("b", 2, &["C++ & co"]);
    b.lang = Some("zh-CN".to_string());
    let published = arcs(vec![b, article("a", 1, &["c++ & CO", "Rust"])]);
    let site = render_site(&config(), &published, now());
    let key = "tags/c++-&-co/index.html";
    let html = body(&site, key);
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
        "{html}"
    );
    // The least spelling names the tag, as in its feeds' titles.
    assert!(html.contains("<title>Test &amp; &lt;Site&gt; — C++ &amp; co</title>"));
    assert!(html.contains("<h1>C++ &amp; co</h1>"), "{html}");
    assert!(html.contains(
        "<link rel=\"canonical\" href=\"https://example.com/blog/tags/c%2B%2B-%26-co/\">"
    ));
    // Newest first, linking to the pages; the article's own language kept.
    let (b_at, a_at) = (
        html.find("<a href=\"../../articles/b/\">Title of b</a>"),
        html.find("<a href=\"../../articles/a/\">Title of a</a>"),
    );
    assert!(b_at.is_some() && a_at.is_some() && b_at < a_at, "{html}");
    assert!(html.contains("<article lang=\"zh-CN\">"));
    assert!(html.contains("<a href=\"../../tags/rust/\">Rust</a>"));
    // Its feeds: discoverable in the head, linked in the footer.
    assert!(html.contains("href=\"https://example.com/blog/tags/c%2B%2B-%26-co/atom.xml\""));
    assert!(html.contains("<a href=\"rss.xml\">RSS</a>"), "{html}");
    assert!(html.contains("href=\"../../\""));
    assert_balanced(&html);
    // Dated like its feeds.
    assert_eq!(
        site.get(key).expect("page").last_modified,
        site.get("tags/c++-&-co/rss.xml")
            .expect("feed")
            .last_modified
    );
}

#[test]
fn right_to_left_languages_get_their_direction() {
    let mut a = article("a", 2, &[]);
    a.lang = Some("ar-EG".to_string());
    let mut b = article("b", 1, &[]);
    b.lang = Some("ku-Arab".to_string());
    let site = render_site(&config(), &arcs(vec![a, b]), now());
    assert!(body(&site, "articles/a/index.html").contains("<html lang=\"ar-EG\" dir=\"rtl\">"));
    assert!(body(&site, "articles/b/index.html").contains("<html lang=\"ku-Arab\" dir=\"rtl\">"));
    let index = body(&site, "index.html");
    assert!(index.contains("<html lang=\"en\">"), "{index}");
    assert!(
        index.contains("<article lang=\"ar-EG\" dir=\"rtl\">"),
        "{index}"
    );
    // Inside a right-to-left site, a left-to-right article says so.
    let mut rtl = config();
    rtl.site.language = "he".to_string();
    let site = render_site(&rtl, &arcs(vec![article("c", 1, &[])]), now());
    let mut en = article("d", 2, &[]);
    en.lang = Some("en".to_string());
    let site2 = render_site(&rtl, &arcs(vec![en]), now());
    assert!(body(&site, "index.html").contains("<html lang=\"he\" dir=\"rtl\">"));
    assert!(body(&site2, "index.html").contains("<article lang=\"en\" dir=\"ltr\">"));
}

/// A rough well-formedness check of our own markup: non-void elements open and close in order.
fn assert_balanced(html: &str) {
    const VOID: &[&str] = &["meta", "link", "br", "img", "hr", "input"];
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html.split_once("<html").map(|(_, r)| r).expect("has <html");
    stack.push("html".to_string());
    // Skip the stylesheet body: it has no markup.
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').expect("tag closes");
        let tag = &rest[..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
        } else {
            let name = tag.split(|c: char| c.is_whitespace()).next().expect("name");
            if !VOID.contains(&name) {
                stack.push(name.to_string());
            }
            if name == "style" {
                let close = rest.find("</style>").expect("style closes");
                rest = &rest[close..];
                continue;
            }
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

// ---------------------------------------------------------------- independent feed rendering

#[test]
fn one_feed_renders_on_its_own() {
    let a = article("a", 1, &["x"]);
    let items = [&a];
    let [(k1, rss), (k2, atom), (k3, json)] =
        render_feeds(&config(), "tags/x/", "T", &items, now());
    assert_eq!(
        (k1.as_str(), k2.as_str(), k3.as_str()),
        ("tags/x/rss.xml", "tags/x/atom.xml", "tags/x/feed.json")
    );
    assert_eq!(rss.content_type, RSS_CONTENT_TYPE);
    assert_eq!(atom.content_type, ATOM_CONTENT_TYPE);
    assert_eq!(json.content_type, JSON_FEED_CONTENT_TYPE);
    let site = render_site(&config(), &arcs(vec![a.clone()]), now());
    assert_ne!(
        site.get("tags/x/rss.xml").expect("tag feed").body(),
        rss.body(),
        "title differs"
    );
}

#[test]
fn fifty_full_items_render_fast() {
    let big = "<p>".to_string() + &"lorem ipsum dolor sit amet & co ".repeat(400) + "</p>";
    let published = arcs(
        (0..50)
            .map(|i| {
                let mut a = article(&format!("s{i}"), 1 + i % 28, &["a", "b"]);
                a.content_html = big.clone().into();
                a
            })
            .collect(),
    );
    let mut c = config();
    c.feeds.limit = 50;
    let items: Vec<&Article> = published.iter().map(|a| &**a).collect();
    let start = std::time::Instant::now();
    let feeds = render_feeds(&c, "", "T", &items, now());
    let took = start.elapsed();
    for (_, asset) in &feeds {
        assert!(asset.body().len() > 50 * big.len() / 2);
    }
    // Generous for debug builds on a loaded machine; release is a few ms.
    assert!(took < std::time::Duration::from_millis(500), "{took:?}");
}

#[test]
fn pages_show_days_in_the_site_time_zone() {
    let mut c = config();
    c.site.timezone = chrono_tz::Asia::Shanghai;
    let at = |s: &str| DateTime::parse_from_rfc3339(s).expect("valid date");
    let mut ny = article("ny", 1, &[]);
    ny.date = at("2024-03-02T23:00:00.123456-05:00");
    ny.updated = ny.date;
    let mut utc = article("utc", 1, &[]);
    utc.date = at("2024-03-03T01:00:00Z");
    utc.updated = at("2024-03-02T20:00:00-05:00");
    let site = render_site(&c, &arcs(vec![ny, utc]), now());
    let index = body(&site, "index.html");
    // Both are the 3rd in Shanghai; the attribute keeps the instant, in whole seconds.
    assert!(
        index.contains("<time datetime=\"2024-03-02T23:00:00-05:00\">2024-03-03</time>"),
        "{index}"
    );
    assert!(
        index.contains("<time datetime=\"2024-03-03T01:00:00Z\">2024-03-03</time>"),
        "{index}"
    );
    // Updated the same day in Shanghai (09:00 both): no "(updated ...)" note.
    let page = body(&site, "articles/utc/index.html");
    assert!(!page.contains("(updated"), "{page}");
}
