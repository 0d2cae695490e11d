//! The cache keeps exactly what did not change, and an incremental render always equals a full
//! render byte for byte.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

use super::{RenderStats, Renderer};
use crate::article::{Article, Format};
use crate::config::Config;
use crate::render::render_site;
use crate::site::Site;

fn config() -> Config {
    let mut c = Config::default();
    c.site.base_url = "https://example.com/".to_string();
    c.feeds.limit = 3;
    c
}

fn date(n: u32) -> DateTime<FixedOffset> {
    FixedOffset::east_opt(0)
        .and_then(|z| {
            z.with_ymd_and_hms(2024, 1, 1 + n % 28, n % 24, 0, 0)
                .single()
        })
        .expect("valid date")
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0)
        .single()
        .expect("valid date")
}

fn article(slug: &str, n: u32, tags: &[&str], body: &str) -> Arc<Article> {
    Arc::new(Article {
        path: PathBuf::from(format!("{slug}.md")),
        format: Format::Markdown,
        title: format!("Title {slug}"),
        slug: slug.to_string(),
        id: None,
        date: date(n),
        updated: date(n),
        author: None,
        summary: format!("Summary {body}"),
        content_html: format!("<p>{body}</p>").into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        draft: false,
        expires: None,
        lang: None,
    })
}

/// Newest first, as `Store::published` orders them.
fn sorted(mut v: Vec<Arc<Article>>) -> Vec<Arc<Article>> {
    v.sort_by(|a, b| {
        b.date
            .cmp(&a.date)
            .then_with(|| a.slug.cmp(&b.slug))
            .then_with(|| a.path.cmp(&b.path))
    });
    v
}

fn assert_same(incremental: &Site, full: &Site) {
    let mut a: Vec<&Arc<str>> = incremental.iter().map(|(k, _)| k).collect();
    let mut b: Vec<&Arc<str>> = full.iter().map(|(k, _)| k).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "same keys");
    for (key, asset) in full.iter() {
        let mine = incremental.get(key).expect("same keys");
        assert_eq!(mine.body(), asset.body(), "{key}: same bytes");
        assert_eq!(mine.content_type, asset.content_type, "{key}");
        assert_eq!(mine.last_modified, asset.last_modified, "{key}");
    }
    assert_eq!(incremental.article_count, full.article_count);
}

#[test]
fn an_unchanged_article_keeps_its_assets_and_a_changed_one_does_not() {
    let c = config();
    let mut r = Renderer::new();
    let a = article("a", 1, &["x"], "a");
    let b = article("b", 2, &["y"], "b");
    let old = vec![b.clone(), a.clone()];
    let (s1, st) = r.render(&c, &old, now());
    assert_eq!(
        st,
        RenderStats {
            pages_rendered: 2,
            pages_kept: 0,
            feeds_rendered: 3,
            feeds_kept: 0
        }
    );

    // Edit b: a's page and tag x's feeds stay the same Arc; b's page, y's feeds and the site
    // feeds are new.
    let b2 = article("b", 2, &["y"], "b edited");
    let (s2, st) = r.render(&c, &[b2, a], now());
    assert_eq!(
        st,
        RenderStats {
            pages_rendered: 1,
            pages_kept: 1,
            feeds_rendered: 2,
            feeds_kept: 1
        }
    );
    let same = |k: &str| match (s1.get(k), s2.get(k)) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    };
    assert!(same("articles/a/index.html"));
    assert!(same("tags/x/rss.xml") && same("tags/x/atom.xml") && same("tags/x/feed.json"));
    assert!(!same("articles/b/index.html"));
    assert!(!same("tags/y/rss.xml"));
    assert!(!same("rss.xml") && !same("index.html"));
    // Snapshots share page shards, yet the older one still serves the older page.
    let page = |s: &crate::site::Site| {
        String::from_utf8_lossy(&s.get("articles/b/index.html").expect("page").body()[..])
            .into_owned()
    };
    assert!(page(&s2).contains("b edited") && !page(&s1).contains("b edited"));

    // A page that leaves, and one that takes its key in the same render.
    let b3 = article("b", 3, &["y"], "b again");
    let (s3, _) = r.render(&c, &[b3], now());
    assert!(s3.get("articles/a/index.html").is_none());
    assert!(page(&s3).contains("b again"));
    assert_eq!(s3.pages.len(), 1);
    assert!(s2.get("articles/a/index.html").is_some());
}

#[test]
fn nothing_changed_renders_nothing() {
    let c = config();
    let mut r = Renderer::new();
    let arts = sorted(vec![
        article("a", 1, &["x"], "a"),
        article("b", 2, &["x", "y"], "b"),
    ]);
    let (s1, _) = r.render(&c, &arts, now());
    let (s2, st) = r.render(&c, &arts, now());
    assert_eq!(st.pages_rendered + st.feeds_rendered, 0, "{st:?}");
    for (k, v) in s1.iter() {
        assert!(s2.get(k).is_some_and(|w| Arc::ptr_eq(v, w)), "{k}");
    }
}

#[test]
fn an_article_outside_the_latest_leaves_the_site_feeds_alone() {
    let c = config();
    let mut r = Renderer::new();
    let arts = sorted(
        (0..6)
            .map(|i| article(&format!("p{i}"), i, &["t"], "x"))
            .collect(),
    );
    let (s1, _) = r.render(&c, &arts, now());
    // p0 is the oldest: not among the latest 3 anywhere.
    let edited: Vec<_> = arts
        .iter()
        .map(|a| {
            if a.slug == "p0" {
                article("p0", 0, &["t"], "edited")
            } else {
                a.clone()
            }
        })
        .collect();
    let (s2, st) = r.render(&c, &edited, now());
    assert_eq!(st.feeds_rendered, 0);
    assert_eq!(st.pages_rendered, 1);
    assert!(Arc::ptr_eq(&s1.assets["rss.xml"], &s2.assets["rss.xml"]));
}

#[test]
fn a_config_change_renders_everything_again() {
    let mut c = config();
    let mut r = Renderer::new();
    let arts = vec![article("a", 1, &["x"], "a")];
    r.render(&c, &arts, now());
    c.site.title = "Other".to_string();
    let (site, st) = r.render(&c, &arts, now());
    assert_eq!(st.pages_kept + st.feeds_kept, 0);
    assert_same(&site, &render_site(&c, &arts, now()));
}

/// splitmix64, so the sequence is the same on every run.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }
}

#[test]
fn incremental_equals_full_over_random_edits() {
    let c = config();
    let tags = ["x", "y", "Z", "z", "w w"];
    for seed in 0..8 {
        let mut rng = Rng(seed);
        let mut r = Renderer::new();
        // The daemon's renderer: pages and tag feeds made on first use, same bytes and dates.
        let mut lazy = Renderer::lazy();
        let mut arts: Vec<Arc<Article>> = Vec::new();
        for step in 0..60 {
            match rng.below(4) {
                // Add, or replace (same slug) with new content, tags and date.
                0 | 1 => {
                    let slug = format!("s{}", rng.below(12));
                    let picked: Vec<&str> =
                        tags.iter().copied().filter(|_| rng.below(3) == 0).collect();
                    let new = article(&slug, rng.below(40) as u32, &picked, &format!("v{step}"));
                    arts.retain(|a| a.slug != slug);
                    arts.push(new);
                }
                2 if !arts.is_empty() => {
                    let i = rng.below(arts.len() as u64) as usize;
                    arts.remove(i);
                }
                _ => {}
            }
            let published = sorted(arts.clone());
            let (incremental, _) = r.render(&c, &published, now());
            let full = render_site(&c, &published, now());
            assert_same(&incremental, &full);
            assert_same(&lazy.render(&c, &published, now()).0, &full);
        }
    }
}
