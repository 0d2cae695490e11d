//! The HTML pages: `index.html` (latest articles), `articles/{slug}/index.html` and
//! `tags/{slug}/index.html` (latest articles with a tag).
//!
//! Hand-written HTML5 into one `String`: every text field is escaped with [`escape_html`];
//! `content_html` goes in as is (it was sanitized when the article was parsed). No JavaScript;
//! one small inline stylesheet, readable on phones and correct for CJK text.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use chrono_tz::Tz;

use super::feed::{self, encode_path, split_author};
use super::{ATOM_FILE, JSON_FEED_FILE, RSS_FILE};
use crate::article::Article;
use crate::config::Config;

const STYLE: &str = "\
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--link:#0a58ca;--rule:#d8dee4;--code:#f3f4f6}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--link:#6cb6ff;--rule:#30363d;--code:#161b22}}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:1.0625rem/1.75 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,\"PingFang SC\",\"Hiragino Sans GB\",\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"Microsoft YaHei\",sans-serif;line-break:strict;word-break:normal;overflow-wrap:break-word}
.wrap{max-width:44rem;margin:0 auto;padding:1.5rem 1.25rem 3rem}
a{color:var(--link)}
h1,h2,h3{line-height:1.35;margin:1.6em 0 .5em}
.site{border-bottom:1px solid var(--rule);padding-bottom:1rem;margin-bottom:1.5rem}
.site-title{font-size:1.25rem;font-weight:700;margin:0}
.site-title a{color:inherit;text-decoration:none}
.site p{margin:.25rem 0 0;color:var(--muted)}
.posts{list-style:none;margin:0;padding:0}
.posts>li{padding:1.25rem 0;border-bottom:1px solid var(--rule)}
.posts h2{font-size:1.3rem;margin:0 0 .25rem}
.posts p{margin:.5rem 0 0}
.posts .meta{margin-top:.25rem}
.meta{color:var(--muted);font-size:.875rem}
.tags{display:inline;list-style:none;margin:0;padding:0}
.tags li{display:inline-block;margin:0 .4em 0 0}
.tags li::before{content:\"#\"}
article>h1{font-size:1.9rem;margin:0 0 .4rem}
.content{margin-top:1.5rem}
.content img,.content video{max-width:100%;height:auto}
.content pre{overflow-x:auto;padding:.8rem 1rem;background:var(--code);border-radius:6px;line-height:1.5}
.content code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,\"Liberation Mono\",monospace;font-size:.9em}
.content table{display:block;overflow-x:auto;border-collapse:collapse}
.content th,.content td{border:1px solid var(--rule);padding:.3rem .6rem}
.content blockquote{margin:1rem 0;padding:0 1rem;border-left:4px solid var(--rule);color:var(--muted)}
footer{margin-top:2.5rem;color:var(--muted);font-size:.875rem}
";

/// `s` with `&`, `<`, `>`, `"` and `'` replaced by character references: safe in text and in
/// quoted attribute values. Borrows when there is nothing to escape.
pub fn escape_html(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    push_escaped(&mut out, s);
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// Whether a BCP 47 language tag names text written right to left: its script subtag when it
/// has one (`az-Arab`, `ku-Latn`), else its language's usual script.
fn right_to_left(lang: &str) -> bool {
    let mut subtags = lang.split(['-', '_']).map(str::to_ascii_lowercase);
    let primary = subtags.next().unwrap_or_default();
    match subtags.find(|s| s.len() == 4 && s.chars().all(|c| c.is_ascii_alphabetic())) {
        Some(script) => matches!(
            script.as_str(),
            "arab" | "hebr" | "syrc" | "thaa" | "nkoo" | "adlm" | "rohg" | "mand" | "samr"
        ),
        None => matches!(
            primary.as_str(),
            "ar" | "arc"
                | "ckb"
                | "dv"
                | "fa"
                | "he"
                | "iw"
                | "ks"
                | "pnb"
                | "ps"
                | "sd"
                | "syr"
                | "ug"
                | "ur"
                | "yi"
        ),
    }
}

/// A small writer over a `String` (whose `fmt::Write` cannot fail).
struct Page(String);

impl Page {
    fn raw(&mut self, s: &str) -> &mut Self {
        self.0.push_str(s);
        self
    }

    fn text(&mut self, s: &str) -> &mut Self {
        push_escaped(&mut self.0, s);
        self
    }

    /// ` lang="…"`, and `dir` when its script runs the other way than the enclosing text's
    /// (`parent_rtl`): browsers do not infer direction from the language.
    fn lang(&mut self, lang: &str, parent_rtl: bool) -> &mut Self {
        self.raw(" lang=\"").text(lang).raw("\"");
        match (right_to_left(lang), parent_rtl) {
            (true, false) => self.raw(" dir=\"rtl\""),
            (false, true) => self.raw(" dir=\"ltr\""),
            _ => self,
        }
    }

    /// `<head>` up to and including `<body>`.
    fn head(
        &mut self,
        config: &Config,
        lang: &str,
        title: &str,
        description: &str,
        canonical: Option<&str>,
        tag_feeds: TagFeeds<'_>,
    ) {
        let site = &config.site;
        self.raw("<!DOCTYPE html>\n<html");
        if !lang.trim().is_empty() {
            self.lang(lang, false);
        }
        self.raw(">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<title>");
        self.text(title).raw("</title>\n");
        if !description.trim().is_empty() {
            self.raw("<meta name=\"description\" content=\"")
                .text(description)
                .raw("\">\n");
        }
        self.raw("<meta name=\"generator\" content=\"feedpub\">\n");
        if let Some(url) = canonical {
            self.raw("<link rel=\"canonical\" href=\"")
                .text(url)
                .raw("\">\n");
        }
        // Feed readers subscribe to the first alternate: the site's feeds, then those of the
        // page's tags, once each (`Rust` and `rust` share theirs); on a tag page, its own
        // first.
        let (tags, own_tag) = match tag_feeds {
            TagFeeds::Of(tags) => (tags, false),
            TagFeeds::Own(tag) => (std::slice::from_ref(tag), true),
        };
        let site_feeds = (site.title.trim().to_string(), String::new());
        let mut groups = Vec::with_capacity(tags.len() + 1);
        if !own_tag {
            groups.push(site_feeds.clone());
        }
        for tag in tags.iter().filter(|t| !t.trim().is_empty()) {
            let dir = tag_feed_dir(tag);
            if groups.iter().all(|(_, d)| *d != dir) {
                groups.push((super::tag_feed_title(config, tag), dir));
            }
        }
        if own_tag {
            groups.push(site_feeds);
        }
        for (title, dir) in &groups {
            for (file, mime, label) in FEEDS {
                self.raw("<link rel=\"alternate\" type=\"")
                    .raw(mime)
                    .raw("\" title=\"")
                    .text(title)
                    .raw(if title.is_empty() { "" } else { " " })
                    .raw(label)
                    .raw("\" href=\"")
                    .text(&site.base_url)
                    .text(dir)
                    .raw(file)
                    .raw("\">\n");
            }
        }
        self.raw("<style>\n")
            .raw(STYLE)
            .raw("</style>\n</head>\n<body>\n<div class=\"wrap\">\n");
    }

    /// The site header: title linking home (`home` is relative to the page) and description.
    fn site_header(&mut self, config: &Config, home: &str, title_tag: &str) {
        let site = &config.site;
        self.raw("<header class=\"site\">\n<")
            .raw(title_tag)
            .raw(" class=\"site-title\"><a href=\"")
            .raw(home)
            .raw("\">");
        self.text(if site.title.is_empty() {
            "Home"
        } else {
            &site.title
        });
        self.raw("</a></").raw(title_tag).raw(">\n");
        if !site.description.trim().is_empty() {
            self.raw("<p>").text(&site.description).raw("</p>\n");
        }
        self.raw("</header>\n");
    }

    /// Feed links, relative to the page (`feeds`: the way to the feed directory).
    fn footer(&mut self, feeds: &str) {
        self.raw("<footer>\n<p>Feeds: ");
        for (i, (file, _, label)) in FEEDS.iter().enumerate() {
            if i > 0 {
                self.raw(" · ");
            }
            self.raw("<a href=\"")
                .raw(feeds)
                .raw(file)
                .raw("\">")
                .raw(label)
                .raw("</a>");
        }
        self.raw("</p>\n</footer>\n</div>\n</body>\n</html>\n");
    }

    /// A date as readers of the site see it: the day in the site's time zone (articles written
    /// in other offsets would otherwise list out of order), the instant in the attribute (whole
    /// seconds: HTML allows at most three digits of a fraction).
    fn time(&mut self, date: &DateTime<FixedOffset>, tz: Tz) -> &mut Self {
        // Both forms are ASCII digits and punctuation: nothing to escape.
        let _ = write!(
            self.0,
            "<time datetime=\"{}\">{}</time>",
            date.to_rfc3339_opts(SecondsFormat::Secs, true),
            date.with_timezone(&tz).format("%Y-%m-%d")
        );
        self
    }

    /// The tag list, each tag linking to its page (`home`: the way to the site root).
    fn tags(&mut self, tags: &[String], home: &str) {
        if tags.iter().all(|t| t.trim().is_empty()) {
            return;
        }
        self.raw("<ul class=\"tags\">");
        for tag in tags.iter().filter(|t| !t.trim().is_empty()) {
            self.raw("<li><a href=\"")
                .raw(home)
                .text(&tag_feed_dir(tag))
                .raw("\">")
                .text(tag)
                .raw("</a></li>");
        }
        self.raw("</ul>");
    }

    /// Date, author and tags of an article, in a `<div class="meta">` (a `<p>` cannot hold the
    /// tag list).
    fn meta(&mut self, article: &Article, show_updated: bool, home: &str, tz: Tz) {
        self.raw("<div class=\"meta\">").time(&article.date, tz);
        let updated = feed::modified(article);
        let day = |d: &DateTime<FixedOffset>| d.with_timezone(&tz).date_naive();
        if show_updated && day(&updated) != day(&article.date) {
            self.raw(" (updated ").time(&updated, tz).raw(")");
        }
        if let Some(author) = article.author.as_deref().filter(|a| !a.trim().is_empty()) {
            self.raw(" · ").text(split_author(author).0);
        }
        if article.tags.iter().any(|t| !t.trim().is_empty()) {
            self.raw(" · ");
            self.tags(&article.tags, home);
        }
        self.raw("</div>\n");
    }
}

/// `tags/{slug}/`, percent-encoded: where a tag's feeds are, relative to the site root.
fn tag_feed_dir(tag: &str) -> String {
    encode_path(&format!("tags/{}/", super::tag_slug(tag)))
}

/// The three feeds: file name, MIME type, label.
const FEEDS: [(&str, &str, &str); 3] = [
    (RSS_FILE, "application/rss+xml", "RSS"),
    (ATOM_FILE, "application/atom+xml", "Atom"),
    (JSON_FEED_FILE, "application/feed+json", "JSON Feed"),
];

/// `index.html`: the latest articles, newest first.
pub(super) fn index(config: &Config, items: &[&Article]) -> String {
    let site = &config.site;
    let title = if site.title.is_empty() {
        "feedpub"
    } else {
        &site.title
    };
    let mut p = listing_page(items);
    p.head(
        config,
        &site.language,
        title,
        &site.description,
        Some(&site.base_url),
        TagFeeds::Of(&[]),
    );
    p.site_header(config, "./", "h1");
    p.listing(config, items, "./");
    p.footer("");
    p.0
}

/// The tag feeds a page links besides the site's, for readers' autodiscovery.
enum TagFeeds<'t> {
    /// An article's tags (none on the home page): after the site's feeds.
    Of(&'t [String]),
    /// A tag's own page: its feeds first, as readers subscribe to the first.
    Own(&'t String),
}

/// `tags/{slug}/index.html`: the latest articles with `tag`, newest first, and its feeds.
pub(super) fn tag(config: &Config, tag: &str, items: &[&Article]) -> String {
    let site = &config.site;
    let dir = tag_feed_dir(tag);
    let canonical = format!("{}{dir}", site.base_url);
    let mut p = listing_page(items);
    p.head(
        config,
        &site.language,
        &super::tag_feed_title(config, tag),
        "",
        Some(&canonical),
        TagFeeds::Own(&tag.to_string()),
    );
    p.site_header(config, "../../", "p");
    p.raw("<h1>").text(tag).raw("</h1>\n");
    p.listing(config, items, "../../");
    p.footer("");
    p.0
}

fn listing_page(items: &[&Article]) -> Page {
    let size: usize = items
        .iter()
        .map(|a| a.title.len() + a.summary.len() + a.slug.len() * 3 + 400)
        .sum();
    Page(String::with_capacity(STYLE.len() + 2048 + size))
}

impl Page {
    /// `<main>` with one entry per article: title linking to its page, meta, summary (`home`
    /// is the way to the site root).
    fn listing(&mut self, config: &Config, items: &[&Article], home: &str) {
        self.raw("<main>\n");
        if items.is_empty() {
            self.raw("<p>No articles yet.</p>\n");
        } else {
            self.raw("<ol class=\"posts\">\n");
            for article in items {
                self.raw("<li>\n<article");
                if let Some(lang) = feed::own_lang(article, &config.site.language) {
                    self.lang(lang, right_to_left(&config.site.language));
                }
                self.raw(">\n<h2><a href=\"")
                    .raw(home)
                    .raw("articles/")
                    .text(&encode_path(&article.slug))
                    .raw("/\">");
                self.text(&article.title).raw("</a></h2>\n");
                self.meta(article, false, home, config.site.timezone);
                if !article.summary.is_empty() {
                    self.raw("<p>").text(&article.summary).raw("</p>\n");
                }
                self.raw("</article>\n</li>\n");
            }
            self.raw("</ol>\n");
        }
        self.raw("</main>\n");
    }
}

/// `articles/{slug}/index.html`: the whole article.
pub(super) fn article(config: &Config, article: &Article) -> String {
    let site = &config.site;
    let lang = feed::own_lang(article, &site.language).unwrap_or(&site.language);
    let title = if site.title.is_empty() {
        article.title.clone()
    } else {
        format!("{} — {}", article.title, site.title)
    };
    let link = feed::permalink(&site.base_url, &article.slug);
    let mut p = Page(String::with_capacity(
        STYLE.len()
            + 2048
            + article.content_html.len()
            + article.title.len() * 2
            + article.summary.len(),
    ));
    p.head(
        config,
        lang,
        &title,
        &article.summary,
        Some(&link),
        TagFeeds::Of(&article.tags),
    );
    p.site_header(config, "../../", "p");
    p.raw("<main>\n<article>\n<h1>")
        .text(&article.title)
        .raw("</h1>\n");
    p.meta(article, true, "../../", site.timezone);
    let body = article.content_html.html();
    p.raw("<div class=\"content\">\n").raw(&body);
    if !body.ends_with('\n') {
        p.raw("\n");
    }
    p.raw("</div>\n</article>\n<p><a href=\"../../\">← ");
    p.text(if site.title.is_empty() {
        "Home"
    } else {
        &site.title
    });
    p.raw("</a></p>\n</main>\n");
    p.footer("../../");
    p.0
}
