//! Rendering: the published articles into feeds and HTML pages, as one [`Site`] snapshot.
//!
//! Pure: takes the config, the published articles (newest first) and the build time, returns
//! bytes. Same input, byte-identical output (ETags depend on it): every date written comes from
//! the articles, and `now` is used only where a feed has no article at all.
//!
//! Each feed can be rendered on its own ([`render_feeds`]), so a caller that knows which tags
//! changed need not re-render hundreds of tag feeds. What this module does not do: read files,
//! sort or filter articles for publication (`store` does), or write anything (`output` does).
//!
//! * `feed`: what the three feed formats share (URLs, the newest date, authors).
//! * `rss`, `atom`, `json`: one feed format each.
//! * `html`: the index page, one page per article and one per tag.
//! * `incremental`: [`Renderer`], which re-renders only what changed since its last render.

mod atom;
mod feed;
mod html;
mod incremental;
mod json;
mod rss;

use foldhash::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use chrono::{DateTime, Utc};

use crate::article::Article;
use crate::config::Config;
use crate::site::{Asset, Site};

pub use crate::article::tag_slug;
pub use html::escape_html;
pub use incremental::{RenderStats, Renderer};

/// `Content-Type` of `rss.xml`.
pub const RSS_CONTENT_TYPE: &str = "application/rss+xml; charset=utf-8";
/// `Content-Type` of `atom.xml`.
pub const ATOM_CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";
/// `Content-Type` of `feed.json`.
pub const JSON_FEED_CONTENT_TYPE: &str = "application/feed+json; charset=utf-8";
/// `Content-Type` of the HTML pages.
pub const HTML_CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// The assets every reader polls (the site feeds and the home page): the daemon compresses
/// them right after publishing a snapshot, so they are ready before most readers come, without
/// delaying the new bytes. Everything else is compressed on its first request.
pub const HOT_KEYS: [&str; 4] = [RSS_FILE, ATOM_FILE, JSON_FEED_FILE, "index.html"];

/// File name of the RSS feed inside a feed directory (the site root or `tags/{slug}/`).
pub const RSS_FILE: &str = "rss.xml";
/// File name of the Atom feed inside a feed directory.
pub const ATOM_FILE: &str = "atom.xml";
/// File name of the JSON Feed inside a feed directory.
pub const JSON_FEED_FILE: &str = "feed.json";
/// File name of a tag's page inside its feed directory.
pub const TAG_PAGE_FILE: &str = "index.html";

/// Render every feed and page for `published` (already sorted newest first): a render with an
/// empty [`Renderer`] cache. Nothing is compressed yet: see [`HOT_KEYS`].
pub fn render_site(config: &Config, published: &[Arc<Article>], now: DateTime<Utc>) -> Site {
    Renderer::new().render(config, published, now).0
}

/// The three feeds (RSS, Atom, JSON Feed) of one feed directory, keyed `{key_prefix}rss.xml`,
/// `{key_prefix}atom.xml`, `{key_prefix}feed.json`.
///
/// `key_prefix` is `""` for the site feeds or `tags/{slug}/` (raw, not percent-encoded; URLs are
/// encoded here). `items` must be newest first; only the first `config.feeds.limit` are used.
/// `now` is used only when `items` is empty.
pub fn render_feeds(
    config: &Config,
    key_prefix: &str,
    title: &str,
    items: &[&Article],
    now: DateTime<Utc>,
) -> [(String, Asset); 3] {
    let items = &items[..items.len().min(config.feeds.limit)];
    let doc = feed::FeedDoc::new(config, key_prefix, title, items, now);
    let modified = SystemTime::from(doc.updated);
    [
        (
            format!("{key_prefix}{RSS_FILE}"),
            Asset::new(RSS_CONTENT_TYPE, rss::render(&doc), modified),
        ),
        (
            format!("{key_prefix}{ATOM_FILE}"),
            Asset::new(ATOM_CONTENT_TYPE, atom::render(&doc), modified),
        ),
        (
            format!("{key_prefix}{JSON_FEED_FILE}"),
            Asset::new(JSON_FEED_CONTENT_TYPE, json::render(&doc), modified),
        ),
    ]
}

/// [`render_feeds`] made on first use, each of the three on its own (see [`Asset::lazy`]):
/// same keys, bytes and Last-Modified, but nothing rendered or held until someone asks.
pub fn lazy_feeds(
    config: &Arc<Config>,
    key_prefix: &str,
    title: &str,
    items: &[&Arc<Article>],
    now: DateTime<Utc>,
) -> [(String, Asset); 3] {
    let items: Vec<Arc<Article>> = items
        .iter()
        .take(config.feeds.limit)
        .map(|a| Arc::clone(a))
        .collect();
    let refs: Vec<&Article> = items.iter().map(|a| &**a).collect();
    let modified = SystemTime::from(feed::newest(&refs).map_or(now, |d| d.with_timezone(&Utc)));
    let feed = Arc::new(LazyFeed {
        config: Arc::clone(config),
        key_prefix: key_prefix.to_string(),
        title: title.to_string(),
        items,
        now,
    });
    let asset = |content_type, format: FeedFormat| {
        let feed = Arc::clone(&feed);
        Asset::lazy(
            content_type,
            modified,
            Box::new(move || feed.render(format)),
        )
    };
    [
        (
            format!("{key_prefix}{RSS_FILE}"),
            asset(RSS_CONTENT_TYPE, rss::render),
        ),
        (
            format!("{key_prefix}{ATOM_FILE}"),
            asset(ATOM_CONTENT_TYPE, atom::render),
        ),
        (
            format!("{key_prefix}{JSON_FEED_FILE}"),
            asset(JSON_FEED_CONTENT_TYPE, json::render),
        ),
    ]
}

/// One of `rss::render`, `atom::render`, `json::render`.
type FeedFormat = fn(&feed::FeedDoc<'_>) -> Vec<u8>;

/// What a lazy feed is rendered from: the arguments of [`render_feeds`], owned.
struct LazyFeed {
    config: Arc<Config>,
    key_prefix: String,
    title: String,
    /// Already cut to the feed limit.
    items: Vec<Arc<Article>>,
    now: DateTime<Utc>,
}

impl LazyFeed {
    fn render(&self, format: FeedFormat) -> Vec<u8> {
        let refs: Vec<&Article> = self.items.iter().map(|a| &**a).collect();
        let doc = feed::FeedDoc::new(&self.config, &self.key_prefix, &self.title, &refs, self.now);
        format(&doc)
    }
}

/// `index.html`: the latest articles (`items`, newest first; only the first `config.feeds.limit`
/// are shown). `now` is its Last-Modified only when there is no article.
pub fn render_index(config: &Config, items: &[&Article], now: DateTime<Utc>) -> Asset {
    let items = &items[..items.len().min(config.feeds.limit)];
    let modified = feed::newest(items).map_or(now, |d| d.with_timezone(&Utc));
    Asset::new(
        HTML_CONTENT_TYPE,
        html::index(config, items),
        SystemTime::from(modified),
    )
}

/// `articles/{slug}/index.html`: the whole article. Last-Modified is its `updated`.
pub fn render_article_page(config: &Config, article: &Article) -> Asset {
    let modified = feed::modified(article).with_timezone(&Utc);
    Asset::new(
        HTML_CONTENT_TYPE,
        html::article(config, article),
        SystemTime::from(modified),
    )
}

/// [`render_article_page`] made on first use (see [`Asset::lazy`]): same bytes, same
/// Last-Modified, but nothing rendered or held until someone asks for it.
pub fn lazy_article_page(config: Arc<Config>, article: Arc<Article>) -> Asset {
    let modified = feed::modified(&article).with_timezone(&Utc);
    Asset::lazy(
        HTML_CONTENT_TYPE,
        SystemTime::from(modified),
        Box::new(move || html::article(&config, &article).into_bytes()),
    )
}

/// `tags/{slug}/index.html`: the latest articles with `tag` (`items`, newest first, already cut
/// to the feed limit), linking to its feeds. Last-Modified is the newest item's.
pub fn render_tag_page(
    config: &Config,
    tag: &str,
    items: &[&Article],
    now: DateTime<Utc>,
) -> Asset {
    let modified = feed::newest(items).map_or(now, |d| d.with_timezone(&Utc));
    Asset::new(
        HTML_CONTENT_TYPE,
        html::tag(config, tag, items),
        SystemTime::from(modified),
    )
}

/// [`render_tag_page`] made on first use (see [`Asset::lazy`]).
pub fn lazy_tag_page(
    config: Arc<Config>,
    tag: String,
    items: Vec<Arc<Article>>,
    now: DateTime<Utc>,
) -> Asset {
    let refs: Vec<&Article> = items.iter().map(|a| &**a).collect();
    let modified = feed::newest(&refs).map_or(now, |d| d.with_timezone(&Utc));
    Asset::lazy(
        HTML_CONTENT_TYPE,
        SystemTime::from(modified),
        Box::new(move || {
            let refs: Vec<&Article> = items.iter().map(|a| &**a).collect();
            html::tag(&config, &tag, &refs).into_bytes()
        }),
    )
}

/// Title of a tag's feeds: `{site title} — {tag}`.
pub fn tag_feed_title(config: &Config, tag: &str) -> String {
    if config.site.title.is_empty() {
        tag.to_string()
    } else {
        format!("{} — {tag}", config.site.title)
    }
}

/// The articles of one tag feed.
#[derive(Debug)]
pub struct TagFeed<'a> {
    /// [`tag_slug`] of the tag: the feeds live under `tags/{slug}/`.
    pub slug: String,
    /// The tag as written; when several spellings share a slug, the least in byte order, so
    /// the title does not depend on which article is newest.
    pub name: &'a str,
    /// At most `limit` articles, newest first, each once (the `Arc`s of `published`, so a
    /// caller can tell by identity whether a feed changed).
    pub items: Vec<&'a Arc<Article>>,
}

/// Every tag of `published` (newest first) with its newest `limit` articles, sorted by slug.
/// Tags that are empty or blank are skipped.
pub fn tag_feeds(published: &[Arc<Article>], limit: usize) -> Vec<TagFeed<'_>> {
    let mut feeds: Vec<TagFeed<'_>> = Vec::new();
    let mut by_slug: HashMap<String, usize> = HashMap::default();
    // Most articles share a few tags: slug each distinct spelling once.
    let mut by_tag: HashMap<&str, usize> = HashMap::default();
    for article in published {
        for tag in &article.tags {
            if tag.trim().is_empty() {
                continue;
            }
            let index = match by_tag.get(tag.as_str()) {
                Some(&i) => i,
                None => {
                    let slug = tag_slug(tag);
                    let i = *by_slug.entry(slug.clone()).or_insert_with(|| {
                        feeds.push(TagFeed {
                            slug,
                            name: tag,
                            items: Vec::new(),
                        });
                        feeds.len() - 1
                    });
                    by_tag.insert(tag, i);
                    i
                }
            };
            let feed = &mut feeds[index];
            if tag.as_str() < feed.name {
                feed.name = tag;
            }
            // Two spellings of one slug on one article ("Rust", "rust") list it once.
            let already = feed
                .items
                .last()
                .is_some_and(|last| Arc::ptr_eq(last, article));
            if feed.items.len() < limit && !already {
                feed.items.push(article);
            }
        }
    }
    feeds.sort_by(|a, b| a.slug.cmp(&b.slug));
    feeds
}

#[cfg(test)]
mod tests;
