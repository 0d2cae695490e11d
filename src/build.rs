//! The `build` and `check` commands, and the whole-directory load they share with the daemon.
//!
//! Both keep going after a bad article and remember the failure (exit 1), so one bad file never
//! stops the good ones from being published.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use crate::article::{self, Article, ArticleError, ArticleErrorKind, ParseOptions};
use crate::config::Config;
use crate::engine::Engine;
use crate::output::Output;
use crate::scan;
use crate::store::Store;

/// The parse settings a config implies.
pub fn parse_options(config: &Config) -> ParseOptions {
    ParseOptions {
        base_url: config.site.base_url.clone(),
        timezone: config.site.timezone,
        sanitize_html: config.articles.sanitize_html,
        language: config.site.language.clone(),
    }
}

/// How [`read_and_parse`] reads: the articles dir (as walked by [`scan::walk`]), the size
/// limit (`articles.max_bytes`), the parse settings, and whether bodies are parsed.
#[derive(Debug, Clone, Copy)]
pub struct Reading<'a> {
    pub root: &'a Path,
    pub max_bytes: u64,
    pub opts: &'a ParseOptions,
    pub depth: article::Depth,
}

/// One article file read and parsed by [`read_and_parse`].
#[derive(Debug)]
pub struct Loaded {
    pub path: PathBuf,
    /// The file's version, when it could be stat'ed.
    pub read: Option<scan::Fingerprint>,
    /// `None` when the caller already had this version (see [`read_and_parse`]'s `known`).
    pub result: Option<Result<Article, ArticleError>>,
}

/// Read and parse the article files `paths` (as walked by [`scan::walk`] under `root`), spread
/// over the available cores (parsing is pure and independent), in path order. Each file's bytes
/// are dropped as soon as it is parsed, so the directory is never in memory as raw bytes; a file
/// that cannot be read gives a problem without `read`. A file whose path and fingerprint
/// `known` accepts is not read at all. Files are parsed in batches, each handed to `batch`
/// before the next is read (the parse cache moves their bodies out of memory there). The
/// directories the walk could not list (`unreadable`) come last, as problems at their paths.
pub fn read_and_parse(
    how: &Reading<'_>,
    paths: &[PathBuf],
    unreadable: Vec<ArticleError>,
    known: &(dyn Fn(&Path, scan::Fingerprint) -> bool + Sync),
    batch: &mut (dyn FnMut(&mut [Loaded]) + Send),
) -> Vec<Loaded> {
    let Reading {
        root,
        max_bytes,
        opts,
        depth,
    } = *how;
    let one =
        |path: &PathBuf| match scan::read_entry_unless(root, path, max_bytes, |fp| known(path, fp))
        {
            None => Some(Loaded {
                path: path.clone(),
                read: None,
                result: None,
            }),
            Some(scan::Entry::Article(src, fp)) => Some(Loaded {
                path: path.clone(),
                read: Some(fp),
                result: Some(article::parse_at(&src, opts, depth)),
            }),
            Some(scan::Entry::Problem(problem, fp)) => Some(Loaded {
                path: path.clone(),
                read: Some(fp),
                result: Some(Err(problem)),
            }),
            Some(scan::Entry::Unreachable(problem)) => Some(Loaded {
                path: path.clone(),
                read: None,
                result: Some(Err(problem)),
            }),
            Some(scan::Entry::Dir | scan::Entry::NotArticle) => None,
        };
    // `batch` runs on its own thread, on one batch while the next is parsed.
    let total = paths.len() + unreadable.len();
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Loaded>>(1);
        let consumer = scope.spawn(move || {
            let mut all = Vec::with_capacity(total);
            for mut parsed in rx {
                batch(&mut parsed);
                all.append(&mut parsed);
            }
            all
        });
        for part in paths.chunks(BATCH) {
            let parsed = crate::parallel::map(part, crate::parallel::cores(), 2, one)
                .into_iter()
                .flatten()
                .collect();
            if tx.send(parsed).is_err() {
                break;
            }
        }
        drop(tx);
        let mut all = consumer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        all.extend(unreadable.into_iter().map(|problem| Loaded {
            path: problem.path.clone(),
            read: None,
            result: Some(Err(problem)),
        }));
        all
    })
}

/// Files per batch of [`read_and_parse`]: big enough that the cores rarely wait for each other
/// at a batch's end, small enough that a batch's bodies are a few tens of megabytes.
const BATCH: usize = 4096;

/// Walk and parse the whole articles directory into a fresh store.
pub fn load(config: &Config) -> io::Result<Store> {
    let dir = &config.articles.dir;
    let opts = parse_options(config);
    let max_bytes = config.articles.max_bytes;
    let walked = scan::walk(dir, dir).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("{}: cannot read articles directory: {e}", dir.display()),
        )
    })?;
    let how = Reading {
        root: dir,
        max_bytes,
        opts: &opts,
        depth: article::Depth::Full,
    };
    let loaded = read_and_parse(
        &how,
        &walked.paths,
        walked.unreadable,
        &|_, _| false,
        &mut |_| {},
    );
    let (mut articles, mut problems) = (Vec::new(), Vec::new());
    for loaded in loaded {
        match loaded.result {
            Some(Ok(article)) => articles.push(article),
            Some(Err(problem)) => problems.push(problem),
            None => {}
        }
    }
    // In bulk: one path at a time compared path components ~17 times per file at 100,000.
    Ok(Store::loaded(dir, articles, problems))
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
    // The daemon's loader: unchanged files come from the parse cache in the out dir, and a
    // build without one writes it, holding the bodies there rather than in memory.
    let mut engine = Engine::new(config.clone());
    let read = match engine.try_load_all() {
        Ok(stats) => stats,
        Err(e) => {
            let dir = config.articles.dir.display();
            return fail(&format!("{dir}: cannot read articles directory: {e}"));
        }
    };
    let loaded = start.elapsed();
    let published = engine
        .store()
        .published(crate::clock::now(), &config.site.base_url);
    // Pages and tag feeds are rendered by the writer, one at a time per thread, and dropped
    // once written: the build never holds every page in memory. Same bytes as render_site.
    let site = engine.render_for_build(&published.articles, crate::clock::now());
    let store = engine.store();
    let rendered = start.elapsed();
    let mut problems = problems(store, published.collisions);
    // The engine works with absolute paths; name files the way the user wrote the directory.
    let shown = |path: &Path| match path.strip_prefix(engine.root()) {
        Ok(rel) => config.articles.dir.join(rel),
        Err(_) => path.to_path_buf(),
    };
    for p in &mut problems {
        p.path = shown(&p.path);
        if let ArticleErrorKind::SlugCollision { other, .. }
        | ArticleErrorKind::IdCollision { other, .. } = &mut p.kind
        {
            *other = shown(Path::new(other.as_str())).display().to_string();
        }
    }
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
                "built {} articles into {} ({} files written, {} unchanged, {} removed, {} problems; {} articles parsed, {} from the parse cache)",
                site.article_count,
                config.feeds.out_dir.display(),
                stats.written,
                stats.unchanged,
                stats.removed,
                problems.len(),
                read.parsed,
                read.from_cache
            );
        }
        Err(e) => return fail(&e.to_string()),
    }
    // Saved after the output: a failure here only makes the next build slower.
    if read.cache_outdated {
        if let Some(Err(e)) = engine.cache_job(crate::clock::now()).map(|job| job.save()) {
            let _ = writeln!(stderr, "warning: parse cache not saved: {e}");
        }
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
    let published = store.published(crate::clock::now(), &config.site.base_url);
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
