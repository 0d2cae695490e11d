//! The `build` and `check` commands, and the whole-directory load they share with the daemon.
//!
//! Both keep going after a bad article and remember the failure (exit 1), so one bad file never
//! stops the good ones from being published.

use std::io::{self, Write};
use std::process::ExitCode;
use std::thread;
use std::time::Instant;

use chrono::Utc;

use crate::article::{self, Article, ArticleError, ParseOptions, Source};
use crate::config::Config;
use crate::output::Output;
use crate::render;
use crate::scan;
use crate::store::Store;

/// The parse settings a config implies.
pub fn parse_options(config: &Config) -> ParseOptions {
    ParseOptions {
        base_url: config.site.base_url.clone(),
        timezone: config.site.timezone,
        sanitize_html: config.articles.sanitize_html,
    }
}

/// Parse many sources, spread over the available cores (parsing is pure and independent).
pub fn parse_all(sources: Vec<Source>, opts: &ParseOptions) -> Vec<Result<Article, ArticleError>> {
    let threads = thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(sources.len().max(1));
    if threads <= 1 {
        return sources.iter().map(|s| article::parse(s, opts)).collect();
    }
    let chunk = sources.len().div_ceil(threads);
    thread::scope(|scope| {
        let handles: Vec<_> = sources
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|s| article::parse(s, opts))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(results) => results,
                // A panic in the parser is a bug; surface it rather than lose the articles silently.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// Walk and parse the whole articles directory into a fresh store.
pub fn load(config: &Config) -> io::Result<Store> {
    let dir = &config.articles.dir;
    let walk = scan::walk(dir, dir, config.articles.max_bytes).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("{}: cannot read articles directory: {e}", dir.display()),
        )
    })?;
    let mut store = Store::new();
    for problem in walk.problems {
        store.fail(problem);
    }
    for result in parse_all(walk.sources, &parse_options(config)) {
        match result {
            Ok(article) => store.upsert(article),
            Err(problem) => store.fail(problem),
        }
    }
    Ok(store)
}

/// Every problem of a store at this moment (parse problems, then slug collisions), in path order.
fn problems(store: &Store, collisions: Vec<ArticleError>) -> Vec<ArticleError> {
    let mut all: Vec<ArticleError> = store.problems().cloned().chain(collisions).collect();
    all.sort_by(|a, b| a.path.cmp(&b.path).then(a.line.cmp(&b.line)));
    all
}

/// `feedpub build`: write every feed and page; exit 1 when any article failed.
pub fn build(config: &Config) -> ExitCode {
    let start = Instant::now();
    let store = match load(config) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    let loaded = start.elapsed();
    let published = store.published(Utc::now());
    let site = render::render_site(config, &published.articles, Utc::now());
    let rendered = start.elapsed();
    let problems = problems(&store, published.collisions);
    let mut stderr = io::stderr().lock();
    for p in &problems {
        let _ = writeln!(stderr, "{p}");
    }
    let mut output = Output::open(&config.feeds.out_dir);
    let result = output.write(&site);
    tracing::debug!(
        load_ms = loaded.as_millis() as u64,
        render_ms = (rendered - loaded).as_millis() as u64,
        write_ms = (start.elapsed() - rendered).as_millis() as u64,
        "build phases"
    );
    match result {
        Ok(stats) => {
            let _ = writeln!(
                stderr,
                "built {} articles into {} ({} files written, {} unchanged, {} removed, {} problems)",
                site.article_count,
                config.feeds.out_dir.display(),
                stats.written,
                stats.unchanged,
                stats.removed,
                problems.len()
            );
        }
        Err(e) => return fail(&e.to_string()),
    }
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `feedpub check`: report every problem on stdout; exit 1 when there is any.
pub fn check(config: &Config) -> ExitCode {
    let store = match load(config) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    let published = store.published(Utc::now());
    let problems = problems(&store, published.collisions);
    let mut stdout = io::stdout().lock();
    for p in &problems {
        let _ = writeln!(stdout, "{p}");
    }
    let _ = io::stdout().flush();
    eprintln!(
        "checked {} articles: {} problems",
        store.paths().len(),
        problems.len()
    );
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(1)
}
