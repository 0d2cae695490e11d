//! Micro-benchmarks of the hot paths (divan): `cargo bench --bench hot_paths`.
//!
//! * parsing one Markdown article and one Chinese `.txt` article;
//! * rendering each feed format of a 50-item full-content feed;
//! * one incremental rebuild of a 10,000-article site after one article changed;
//! * answering a conditional GET (`If-None-Match` → 304) and a plain GET of the site feed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use chrono::{FixedOffset, TimeZone, Utc};
use divan::{black_box, Bencher};
use feedpub::article::{self, Article, Format, ParseOptions, Source};
use feedpub::config::Config;
use feedpub::render::{self, Renderer};
use feedpub::server::{self, Metrics};
use feedpub::site::Site;

fn main() {
    divan::main();
}

fn opts() -> ParseOptions {
    ParseOptions {
        base_url: "https://example.com/".to_string(),
        timezone: chrono_tz::Tz::UTC,
        sanitize_html: true,
        language: "en".to_string(),
    }
}

fn source(name: &str, text: String) -> Source {
    Source {
        path: PathBuf::from(name),
        bytes: text.into_bytes(),
        modified: SystemTime::UNIX_EPOCH,
        dir_name: None,
    }
}

fn markdown_text() -> String {
    let mut s = String::from("---\ntitle: \"A market report\"\ndate: 2024-05-01T08:00:00+00:00\ntags: [\"city\", \"food\"]\nauthor: \"Lin Qiao\"\n---\n\n");
    for i in 0..12 {
        s.push_str(&format!("## Section {i}\n\nThe *market* opened early and the [council notes](https://example.org/{i}) were read aloud. Residents said the new **cold storage** works. Run `make` first.\n\n- one item\n- another item\n\n```rust\nfn main() {{}}\n```\n\n"));
    }
    s
}

fn chinese_text() -> String {
    let mut s = String::from(
        "城东菜市场改造完工 下月起恢复营业\n——新增冷链区和无障碍通道\n\n□ 记者 张三 文/图\n\n",
    );
    for _ in 0..10 {
        s.push_str("　　经过五个月的封闭施工，城东菜市场改造工程日前完工，将于下月一日起恢复营业。记者昨日在现场看到，市场内部地面已全部翻新。\n\n");
    }
    s
}

#[divan::bench]
fn parse_markdown(b: Bencher) {
    let src = source("a/2024-05-01-report.md", markdown_text());
    let opts = opts();
    b.bench(|| article::parse(black_box(&src), &opts));
}

#[divan::bench]
fn parse_chinese_txt(b: Bencher) {
    let src = source("a/2024-05-01-菜市场.txt", chinese_text());
    let opts = opts();
    b.bench(|| article::parse(black_box(&src), &opts));
}

fn synthetic(i: usize, body: &str) -> Article {
    let date = FixedOffset::east_opt(0)
        .and_then(|z| {
            z.timestamp_opt(1_500_000_000 + i as i64 * 3_600, 0)
                .single()
        })
        .expect("valid date");
    Article {
        path: PathBuf::from(format!("a/{i}.md")),
        format: Format::Markdown,
        title: format!("Article {i}"),
        slug: format!("article-{i}"),
        id: None,
        date,
        updated: date,
        author: None,
        summary: "A summary of the article.".to_string(),
        content_html: body.into(),
        tags: vec![format!("tag{}", i % 200), format!("tag{}", i % 7)],
        draft: false,
        expires: None,
        lang: None,
    }
}

/// `n` articles, newest first, ~5 KB of HTML each.
fn corpus(n: usize) -> Vec<Arc<Article>> {
    let body =
        "<p>The market opened early &amp; the council notes were read aloud.</p>\n".repeat(70);
    let mut v: Vec<Arc<Article>> = (0..n).map(|i| Arc::new(synthetic(i, &body))).collect();
    v.reverse();
    v
}

#[divan::bench(args = ["rss.xml", "atom.xml", "feed.json"])]
fn render_feed(b: Bencher, file: &str) {
    let config = Config::default();
    let arts = corpus(50);
    let items: Vec<&Article> = arts.iter().map(|a| &**a).collect();
    b.bench(|| {
        let feeds = render::render_feeds(&config, "", "bench", black_box(&items), Utc::now());
        feeds
            .into_iter()
            .find(|(k, _)| k == file)
            .map(|(_, a)| a.body().len())
    });
}

#[divan::bench(sample_count = 20)]
fn incremental_rebuild_10k(b: Bencher) {
    let config = Config::default();
    let arts = corpus(10_000);
    let mut renderer = Renderer::new();
    renderer.render(&config, &arts, Utc::now());
    let mut flip = false;
    b.bench_local(|| {
        // Edit the newest article: its page, its tag feeds and the site feeds change.
        flip = !flip;
        let mut next = arts.clone();
        let mut edited = Article::clone(&next[0]);
        edited.title = format!("Edited {flip}");
        next[0] = Arc::new(edited);
        renderer.render(&config, &next, Utc::now()).1
    });
}

fn serving() -> (Arc<server::Shared>, String) {
    let config = Config::default();
    let site: Site = render::render_site(&config, &corpus(60), Utc::now());
    let etag = site
        .get("rss.xml")
        .map(|a| a.variant(feedpub::site::Coding::Identity).etag.clone())
        .unwrap_or_default();
    let (_tx, rx) = tokio::sync::watch::channel(Some(Arc::new(site)));
    (
        server::Shared::new(rx, Arc::new(Metrics::default()), config.server),
        etag,
    )
}

#[divan::bench]
fn get_304(b: Bencher) {
    let (shared, etag) = serving();
    let req = hyper::Request::get("/rss.xml")
        .header("if-none-match", etag)
        .body(())
        .expect("valid request");
    b.bench(|| server::handle_request(&shared, black_box(&req)).status());
}

#[divan::bench]
fn get_gzip(b: Bencher) {
    let (shared, _) = serving();
    let req = hyper::Request::get("/rss.xml")
        .header("accept-encoding", "gzip, br")
        .body(())
        .expect("valid request");
    b.bench(|| server::handle_request(&shared, black_box(&req)).status());
}

/// gzip of the 50-item RSS feed: from scratch, and again after its newest item was edited with
/// the chunks of the previous version kept (what the daemon's writer does on each rebuild).
#[divan::bench(args = ["fresh", "after an edit"])]
fn gzip_rss(b: Bencher, mode: &str) {
    let config = Config::default();
    // Varied text (words drawn by an LCG), as real articles are: deflate's cost depends on it.
    let words = [
        "市场", "council", "新闻", "notes", "港口", "storage", "天气", "the", "readers",
    ];
    let mut x = 7u64;
    let mut paragraph = |n: usize| {
        let mut p = String::from("<p>");
        for _ in 0..n {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            p.push_str(words[(x >> 33) as usize % words.len()]);
            p.push_str(&format!("{} ", (x >> 40) % 997));
        }
        p + "</p>\n"
    };
    let bodies: Vec<String> = (0..50).map(|_| paragraph(500)).collect();
    let feed = |title: &str| {
        let mut arts: Vec<Arc<Article>> = (0..50)
            .rev()
            .map(|i| Arc::new(synthetic(i, &bodies[i])))
            .collect();
        let mut edited = Article::clone(&arts[0]);
        edited.title = title.to_string();
        arts[0] = Arc::new(edited);
        let items: Vec<&Article> = arts.iter().map(|a| &**a).collect();
        render::render_feeds(&config, "", "bench", &items, Utc::now())
            .into_iter()
            .find(|(k, _)| k == "rss.xml")
            .map(|(_, a)| a.body().to_vec())
            .unwrap_or_default()
    };
    let versions = [feed("Before"), feed("After")];
    let mut cache = feedpub::gzip::Cache::default();
    cache.gzip(&versions[0]);
    let mut flip = 0;
    b.bench_local(|| {
        // Each version differs from the one before it in the newest item only.
        flip = 1 - flip;
        let src = black_box(&versions[flip]);
        match mode {
            "fresh" => feedpub::gzip::gzip(src).len(),
            _ => cache.gzip(src).len(),
        }
    });
}
