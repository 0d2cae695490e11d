//! Incremental rendering: keep what the last render produced and re-render only what changed.
//!
//! Rendering stays pure (the functions in [`super`]); this module only decides *what* to render
//! again, by identity. The store hands out one `Arc<Article>` per parsed version of a file, so a
//! pointer that is still the same is an article that did not change:
//!
//! * an article page is kept when its `Arc<Article>` is the same (`Arc::ptr_eq`);
//! * a feed directory (site or tag: its feeds, and a tag's page) and the index are kept when their item list, the newest `limit`
//!   articles, is the same list of pointers, and their title is the same;
//! * a feed without items depends on `now`, so it is always rendered again (it is tiny);
//! * a different [`Config`] drops everything.
//!
//! A kept asset is the same `Arc<Asset>`, so its compressed variants and ETags carry over and
//! the output writer can tell it is unchanged without looking at the disk. The result is byte
//! for byte what [`super::render_site`] gives for the same input (see the tests); in fact
//! `render_site` is a render with an empty cache.
//!
//! The cache holds the `Arc<Article>`s it compared against, so a pointer can never be reused by a
//! different article while it is cached.

use foldhash::{HashMap, HashMapExt, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{
    lazy_article_page, lazy_feeds, lazy_tag_page, render_article_page, render_feeds, render_index,
    render_tag_page, tag_feed_title, tag_feeds, ATOM_FILE, JSON_FEED_FILE, RSS_FILE, TAG_PAGE_FILE,
};
use crate::article::Article;
use crate::config::Config;
use crate::parallel;
use crate::site::{Asset, Pages, Site};

/// Below this many jobs, threads cost more than they save.
const PARALLEL_MIN: usize = 64;

/// What one feed directory was last rendered from, and what it gave.
struct FeedEntry {
    title: String,
    items: Vec<Arc<Article>>,
    assets: Vec<(Arc<str>, Arc<Asset>)>,
}

/// An article page and what it was rendered from.
struct PageEntry {
    article: Arc<Article>,
    /// `articles/{slug}/index.html`, made once: the snapshot's map shares it.
    key: Arc<str>,
    /// The render that last found this page's article published.
    generation: u64,
}

/// The last render, by output key.
#[derive(Default)]
pub struct Renderer {
    /// The config the cache was rendered with.
    config: Option<Arc<Config>>,
    /// Whether article pages and tag feeds are made on first use ([`lazy_article_page`],
    /// [`lazy_feeds`]: the daemon, which need not hold what nobody asks for) rather than now.
    /// The site feeds and the index, which every reader polls, are always rendered now.
    lazy: bool,
    /// Article pages by [`page_id`].
    pages: HashMap<usize, PageEntry>,
    /// The pages as the last snapshot has them: each snapshot starts from a clone of it (a
    /// reference count per shard) and copies only the shards whose pages changed.
    view: Pages,
    /// Counts renders, to drop the pages no longer published without rebuilding the map.
    generation: u64,
    /// Feed directories by key prefix (`""` for the site feeds, `tags/{slug}/`).
    feeds: HashMap<String, FeedEntry>,
    index: Option<(Vec<Arc<Article>>, Arc<Asset>)>,
}

/// How much of the last render was reused.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RenderStats {
    pub pages_rendered: usize,
    pub pages_kept: usize,
    /// Feed directories (three feeds each) rendered again.
    pub feeds_rendered: usize,
    pub feeds_kept: usize,
}

/// A page's key in [`Renderer`]'s cache: the address of the article it shows. An edited article
/// is a new `Arc`, so a new key; the entry holds the `Arc`, so no other article can get its
/// address while the entry lives. Cheaper per rebuild than hashing every slug.
fn page_id(article: &Arc<Article>) -> usize {
    Arc::as_ptr(article) as usize
}

fn same_items(a: &[Arc<Article>], b: &[&Arc<Article>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| Arc::ptr_eq(x, y))
}

impl Renderer {
    pub fn new() -> Renderer {
        Renderer::default()
    }

    /// A renderer whose article pages and tag feeds are rendered on first use (same bytes): a
    /// snapshot of 100,000 articles then holds the articles, not 100,000 rendered pages and
    /// hundreds of full-content tag feeds. The daemon and `build` use it; the output writer
    /// renders what nobody asked for, writes it and drops it.
    pub fn lazy() -> Renderer {
        Renderer {
            lazy: true,
            ..Renderer::default()
        }
    }

    /// Render `published` (newest first) at `now`, reusing every asset whose inputs did not
    /// change since the last call.
    pub fn render(
        &mut self,
        config: &Config,
        published: &[Arc<Article>],
        now: DateTime<Utc>,
    ) -> (Site, RenderStats) {
        self.render_with(config, published, now, |_, _| {})
    }

    /// [`Renderer::render`], calling `fresh(key, asset)` on each asset rendered this time, before
    /// it is shared (e.g. to adjust its Last-Modified). Kept assets are not passed again.
    pub fn render_with(
        &mut self,
        config: &Config,
        published: &[Arc<Article>],
        now: DateTime<Utc>,
        mut fresh: impl FnMut(&str, &mut Asset),
    ) -> (Site, RenderStats) {
        if self.config.as_deref() != Some(config) {
            *self = Renderer {
                config: Some(Arc::new(config.clone())),
                lazy: self.lazy,
                ..Renderer::default()
            };
        }
        let mut stats = RenderStats::default();
        let limit = config.feeds.limit;
        let tags = tag_feeds(published, limit);
        let mut assets: HashMap<Arc<str>, Arc<Asset>> = HashMap::with_capacity(4 + 3 * tags.len());

        // Feed directories: the site's, then one per tag.
        let latest: Vec<&Arc<Article>> = published.iter().take(limit).collect();
        let mut dirs: Vec<(String, String, Vec<&Arc<Article>>)> =
            Vec::with_capacity(1 + tags.len());
        dirs.push((String::new(), config.site.title.clone(), latest.clone()));
        let mut names: HashMap<String, &str> = HashMap::with_capacity(tags.len());
        for tag in &tags {
            let prefix = format!("tags/{}/", tag.slug);
            names.insert(prefix.clone(), tag.name);
            dirs.push((prefix, tag_feed_title(config, tag.name), tag.items.clone()));
        }
        let mut old_feeds = std::mem::take(&mut self.feeds);
        let mut todo = Vec::new();
        // A tag feed showing an article whose body is pending comes once it is parsed in full
        // (the caller parses the site feeds' articles before rendering).
        let mut coming: HashSet<Arc<str>> = HashSet::default();
        let pending = |items: &[&Arc<Article>]| items.iter().any(|a| a.content_html.is_pending());
        for (prefix, title, items) in dirs {
            if pending(&items) {
                let page = names.contains_key(&prefix).then_some(TAG_PAGE_FILE);
                for file in [RSS_FILE, ATOM_FILE, JSON_FEED_FILE]
                    .into_iter()
                    .chain(page)
                {
                    coming.insert(Arc::from(format!("{prefix}{file}")));
                }
                continue;
            }
            match old_feeds.remove(&prefix) {
                Some(entry)
                    if !items.is_empty()
                        && entry.title == title
                        && same_items(&entry.items, &items) =>
                {
                    stats.feeds_kept += 1;
                    self.feeds.insert(prefix, entry);
                }
                _ => todo.push((prefix, title, items)),
            }
        }
        stats.feeds_rendered = todo.len();
        let lazy = self.config.as_ref().filter(|_| self.lazy);
        let rendered = parallel::map(
            &todo,
            parallel::cores(),
            PARALLEL_MIN,
            |(prefix, title, items)| {
                let page = names.get(prefix).map(|name| {
                    let asset = match lazy {
                        Some(shared) => lazy_tag_page(
                            Arc::clone(shared),
                            name.to_string(),
                            items.iter().take(limit).map(|a| Arc::clone(a)).collect(),
                            now,
                        ),
                        None => {
                            let refs: Vec<&Article> =
                                items.iter().take(limit).map(|a| &***a).collect();
                            render_tag_page(config, name, &refs, now)
                        }
                    };
                    (format!("{prefix}{TAG_PAGE_FILE}"), asset)
                });
                let feeds = match lazy {
                    Some(shared) if !prefix.is_empty() => {
                        lazy_feeds(shared, prefix, title, items, now)
                    }
                    _ => {
                        let refs: Vec<&Article> = items.iter().map(|a| &***a).collect();
                        render_feeds(config, prefix, title, &refs, now)
                    }
                };
                (feeds, page)
            },
        );
        for ((prefix, title, items), (feeds, page)) in todo.into_iter().zip(rendered) {
            let assets = feeds
                .into_iter()
                .chain(page)
                .map(|(key, mut asset)| {
                    fresh(&key, &mut asset);
                    (Arc::from(key), Arc::new(asset))
                })
                .collect();
            let items = items.into_iter().cloned().collect();
            self.feeds.insert(
                prefix,
                FeedEntry {
                    title,
                    items,
                    assets,
                },
            );
        }
        for entry in self.feeds.values() {
            for (key, asset) in &entry.assets {
                assets.insert(Arc::clone(key), Arc::clone(asset));
            }
        }

        // The home page.
        let index = match self.index.take() {
            Some((items, asset)) if !items.is_empty() && same_items(&items, &latest) => {
                (items, asset)
            }
            _ => {
                let refs: Vec<&Article> = latest.iter().map(|a| &***a).collect();
                let mut asset = render_index(config, &refs, now);
                fresh("index.html", &mut asset);
                (
                    latest.iter().map(|a| Arc::clone(a)).collect(),
                    Arc::new(asset),
                )
            }
        };
        assets.insert(Arc::from("index.html"), Arc::clone(&index.1));
        self.index = Some(index);

        // Article pages: one lookup per published article; the unchanged ones stay in place.
        // While some bodies are pending, only the newest articles (the ones the site feeds and
        // the home page link to) get their pages: the rest come with the complete snapshot,
        // which is soon, and making 30,000 pages twice is not free.
        self.generation += 1;
        let generation = self.generation;
        let with_pages = match published.iter().any(|a| a.content_html.is_pending()) {
            true => {
                let (now, later) = published.split_at(published.len().min(limit));
                coming.reserve(later.len());
                coming.extend(
                    later
                        .iter()
                        .map(|a| Arc::from(format!("articles/{}/index.html", a.slug))),
                );
                now
            }
            false => published,
        };
        let mut todo: Vec<&Arc<Article>> = Vec::new();
        for article in with_pages.iter().filter(|a| !a.content_html.is_pending()) {
            match self.pages.get_mut(&page_id(article)) {
                Some(page) if Arc::ptr_eq(&page.article, article) => {
                    page.generation = generation;
                    stats.pages_kept += 1;
                }
                _ => todo.push(article),
            }
        }
        stats.pages_rendered = todo.len();
        // Pages no longer published (an edited article is a new entry) leave the view before
        // new ones enter it, so a page re-rendered under the same key stays.
        let view = &mut self.view;
        self.pages.retain(|_, page| {
            let keep = page.generation == generation;
            if !keep {
                view.remove(&page.key);
            }
            keep
        });
        // Lazy pages are made on this thread: made on every core, a first render at 50,000
        // articles left 40 MB more in the other threads' malloc arenas for ~0.1 s less.
        let rendered = match (self.lazy, &self.config) {
            (true, Some(shared)) => todo
                .iter()
                .map(|a| lazy_article_page(Arc::clone(shared), Arc::clone(a)))
                .collect(),
            _ => parallel::map(&todo, parallel::cores(), PARALLEL_MIN, |a| {
                render_article_page(config, a)
            }),
        };
        for (article, mut asset) in todo.into_iter().zip(rendered) {
            let key = format!("articles/{}/index.html", article.slug);
            fresh(&key, &mut asset);
            let key: Arc<str> = Arc::from(key);
            self.view.insert(Arc::clone(&key), Arc::new(asset));
            let page = PageEntry {
                article: Arc::clone(article),
                key,
                generation,
            };
            self.pages.insert(page_id(article), page);
        }
        (
            Site {
                assets,
                pages: self.view.clone(),
                article_count: published.len(),
                coming,
                base_path: Arc::from(config.site.base_path()),
            },
            stats,
        )
    }
}

#[cfg(test)]
mod tests;
