//! The daemon's synchronous core: the store, incremental updates from changed paths, and
//! rendering a snapshot. No async and no timers here, so it is easy to test and to benchmark;
//! `daemon` drives it from a blocking task.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};

use crate::article::{self, Article, ArticleError, ArticleErrorKind, Depth, ParseOptions};
use crate::build::{self, parse_options, read_and_parse, Reading};
use crate::cache;
use crate::config::Config;
use crate::output::Written;
use crate::render::Renderer;
use crate::scan::{self, Entry, Fingerprint};
use crate::site::{Asset, Coding, Site};
use crate::store::{self, Store};

/// The articles in memory, and how to turn them into a [`Site`].
pub struct Engine {
    config: Config,
    /// The articles dir, absolute: event paths from the watcher are absolute too.
    root: PathBuf,
    opts: ParseOptions,
    store: Store,
    /// Last version parsed, by path, so a rescan only re-reads what changed.
    seen: BTreeMap<PathBuf, Fingerprint>,
    /// Article-named symlinks in the tree (see [`scan::Walked::links`]), re-checked on every
    /// batch: an edit of a link's target, or a dangling link's target appearing, sends no
    /// event for the link.
    links: BTreeMap<PathBuf, ()>,
    /// Problems already reported, so each is logged once per change.
    reported: BTreeSet<String>,
    /// The last snapshot rendered: its assets' ETags and Last-Modified times carry over to the
    /// next one (see [`Engine::render`]).
    last: Option<Arc<Site>>,
    /// The last render's cache, so a rebuild re-renders only the pages and feeds that changed.
    renderer: Renderer,
    /// The parse cache's key for this build and these settings, set by [`Engine::load_all`].
    cache_key: Option<u64>,
    /// Whether the articles differ from what the previous run published, as far as the parse
    /// cache it left can tell: set by a load that read a public article from its file or found
    /// a cached one gone. See [`Engine::render`].
    unseen_changes: bool,
    /// What the out dir's manifest says the previous run served (ETag, Last-Modified), read by
    /// the first load and used by the first render only. See [`Engine::render`].
    served: BTreeMap<String, Written>,
    /// Whether a load keeps a broken file's last good version from the parse cache (the
    /// daemon's; a build publishes what the files hold). See [`Engine::keeping_last_good`].
    keep_last_good: bool,
    /// Whether a load without a usable cache parses only the heads of most files first (see
    /// [`Engine::deferring`]).
    defer: bool,
    /// Whether the store may hold articles whose body is pending: from a deferred load until
    /// [`Engine::complete`].
    pending: bool,
    /// The pending paths [`Engine::complete_some`] has yet to parse, last first.
    to_complete: Vec<PathBuf>,
    /// The parse cache a deferred load is writing, open until [`Engine::complete`] has put the
    /// rest of the bodies in it; with the number of articles it had to leave out.
    spill: Option<(cache::Writer, usize)>,
}

/// Where the articles of a [`Engine::load_all`] came from.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LoadStats {
    /// Files read and parsed (or found broken).
    pub parsed: usize,
    /// Unchanged files taken from the parse cache without reading them.
    pub from_cache: usize,
    /// Whether the cache lacks a good article or holds a file that is gone: worth saving again.
    pub cache_outdated: bool,
}

/// How far one [`Engine::complete_some`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// Nothing was pending.
    Nothing,
    /// Some bodies parsed, more to come.
    Partly,
    /// Every body parsed (or waiting for its directory to be back); `cache_outdated`: whether
    /// the parse cache is still to be saved ([`Engine::cache_job`]).
    Done { cache_outdated: bool },
}

/// The outcome of one render.
pub struct Render {
    pub site: Arc<Site>,
    /// When the next future-dated article becomes due.
    pub next_due: Option<DateTime<Utc>>,
    pub problems: usize,
    pub took: std::time::Duration,
}

impl Engine {
    pub fn new(config: Config) -> Engine {
        let root = std::path::absolute(&config.articles.dir)
            .unwrap_or_else(|_| config.articles.dir.clone());
        let opts = parse_options(&config);
        Engine {
            store: Store::with_root(&root),
            config,
            root,
            opts,
            seen: BTreeMap::new(),
            links: BTreeMap::new(),
            reported: BTreeSet::new(),
            last: None,
            // Pages are rendered on first request (and by the writer, which does not keep them).
            renderer: Renderer::lazy(),
            cache_key: None,
            unseen_changes: false,
            served: BTreeMap::new(),
            keep_last_good: false,
            defer: false,
            pending: false,
            to_complete: Vec::new(),
            spill: None,
        }
    }

    /// An engine whose loads without a usable cache (a first start, an upgrade, a reload with
    /// new parse settings) parse only the head of a Markdown or HTML file with a front matter
    /// title ([`article::parse_head`]). Each render parses in full the articles it shows
    /// ([`Engine::render`]), so the feeds are complete from the first render on; article pages
    /// wait for [`Engine::complete`] (or [`Engine::complete_some`], a part at a time), which the
    /// caller runs after publishing that render.
    ///
    /// At 100,000 articles this halves the time to the first feeds: Markdown rendering is most
    /// of a parse, and feeds show the newest 50 articles.
    pub fn deferring(mut self) -> Engine {
        self.defer = true;
        self
    }

    /// An engine whose loads keep publishing the last good version of a file that was broken
    /// when the previous run stopped, as that run did (saved in the parse cache by
    /// [`Engine::cache_job`]).
    pub fn keeping_last_good(mut self) -> Engine {
        self.keep_last_good = true;
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Number of articles held (published or not).
    pub fn len(&self) -> usize {
        self.store.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether a directory under the articles dir cannot be read now (a problem). The watcher
    /// cannot watch it either, so its watch is to be redone once it opens.
    pub fn has_unreadable_dir(&self) -> bool {
        self.store
            .problems()
            .any(|p| matches!(p.kind, ArticleErrorKind::UnreadableDir(_)))
    }

    /// Forget everything and parse the whole directory again (start-up, config reload), taking
    /// unchanged files from the parse cache ([`crate::cache`]) when there is one. A directory
    /// that cannot be read keeps the last build published (logged), as a rescan does: the daemon
    /// waits for it to come back.
    pub fn load_all(&mut self) -> LoadStats {
        self.try_load_all().unwrap_or_else(|e| {
            tracing::warn!(path = %self.root.display(), reason = %e, articles = self.store.len(), "cannot read the articles directory; keeping the last build published until it is back");
            LoadStats::default()
        })
    }

    /// [`Engine::load_all`], with an unreadable directory as an error.
    ///
    /// Without a usable cache (a first start, an upgrade, a first build) a new one is written
    /// while the files are parsed, and each body moves into it as soon as it is written: such
    /// a start holds the bodies in the page cache, like a restart, instead of all in memory.
    pub fn try_load_all(&mut self) -> std::io::Result<LoadStats> {
        if self.last.is_none() {
            // Only top-level files: the first render compares only the assets it makes at once,
            // the site feeds and the home page (tag feeds and pages are made on request).
            let top_level = |key: &str| !key.contains('/');
            self.served = crate::output::read_manifest_where(&self.config.feeds.out_dir, top_level);
        }
        self.seen.clear();
        self.spill = None;
        self.to_complete.clear();
        self.cache_key = cache::key(&self.opts, &self.config);
        let walked = match scan::walk(&self.root, &self.root) {
            Ok(walked) => walked,
            Err(e) => {
                // A reload while the directory is away (a deploy mid-swap) keeps what is
                // published rather than emptying every feed. Without fingerprints, each article
                // is parsed again, with the new settings, once the directory is back; another
                // directory's articles are not this one's, though.
                if self.store.root() != self.root {
                    self.store = Store::with_root(&self.root);
                }
                return Err(e);
            }
        };
        let old = std::mem::replace(&mut self.store, Store::with_root(&self.root));
        // What lies under a directory that cannot be listed now was not seen, not deleted (as
        // in a rescan): a reload keeps the articles it had there, a start takes them from the
        // cache. The rest of the old store goes now, before the new one is built. Kept articles
        // get no fingerprint: they may have been parsed with settings this reload changed, so
        // they are never cached, and are parsed again once their directory can be read.
        let kept: Vec<Arc<Article>> = walked
            .unreadable
            .iter()
            .flat_map(|dir| old.articles_under(&dir.path))
            .map(Arc::clone)
            .collect();
        drop(old);
        let loaded = self
            .cache_key
            .map(|key| cache::load(&self.cache_path(), key));
        let mut cached = match loaded {
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                tracing::warn!("{e}");
                cache::Entries::new()
            }
            None => cache::Entries::new(),
        };
        // A cache means a previous run with these settings published what it holds.
        let had_cache = !cached.is_empty();
        let depth = match self.defer && !had_cache {
            true => Depth::Head,
            false => Depth::Full,
        };
        let mut public_parsed = false;
        // Made on the first batch: a directory that cannot be read leaves the out dir alone.
        let mut spill: Option<cache::Writer> = None;
        let mut may_spill = self.cache_key.filter(|_| cached.is_empty());
        // The file of a cache that failed half-way: bodies already in it come back to memory.
        let mut abandoned: Option<Arc<std::fs::File>> = None;
        let cache_path = self.cache_path();
        let now = Utc::now();
        let mut unspilled = 0;
        let mut move_bodies = |batch: &mut [build::Loaded]| {
            if let Some(key) = may_spill.take() {
                spill = cache::Writer::create(&cache_path, key)
                    .map_err(|e| tracing::warn!("parse cache not written: {e}"))
                    .ok();
            }
            if let Some(file) = spill_batch(&mut spill, batch, now, &mut unspilled) {
                abandoned = Some(file);
            }
        };
        let max_bytes = self.config.articles.max_bytes;
        // A file now over `max_bytes` is read (and refused) rather than taken from the cache.
        let known = |path: &Path, fp: Fingerprint| {
            fp.len <= max_bytes && cached.get(path).is_some_and(|(f, _)| f.unchanged(&fp))
        };
        let hidden: Vec<PathBuf> = walked.unreadable.iter().map(|p| p.path.clone()).collect();
        let how = Reading {
            root: &self.root,
            max_bytes,
            opts: &self.opts,
            depth,
        };
        let mut loaded = read_and_parse(
            &how,
            &walked.paths,
            walked.unreadable,
            &known,
            &mut move_bodies,
        );
        self.pending = loaded
            .iter()
            .any(|l| matches!(&l.result, Some(Ok(a)) if a.content_html.is_pending()));
        // Written while parsing: outdated only by what it had to leave out. Pending bodies go
        // in later, and `complete` finishes it.
        let spilled = match spill {
            Some(w) if self.pending => {
                self.spill = Some((w, unspilled));
                unspilled = 0;
                true
            }
            Some(w) => {
                let file = Arc::clone(w.file());
                match w.finish() {
                    Ok(n) => {
                        tracing::debug!(articles = n, "parse cache written while parsing");
                        true
                    }
                    Err(e) => {
                        tracing::warn!("parse cache not written: {e}");
                        abandoned = Some(file);
                        false
                    }
                }
            }
            None => false,
        };
        if let Some(file) = abandoned {
            for l in &mut loaded {
                if let Some(Ok(a)) = &mut l.result {
                    cache::unpin(&mut a.content_html, &file);
                }
            }
        }
        let start = Instant::now();
        let mut stats = LoadStats {
            cache_outdated: spilled && unspilled > 0,
            ..LoadStats::default()
        };
        let (mut articles, mut problems, mut seen) = (Vec::new(), Vec::new(), Vec::new());
        for loaded in loaded {
            if let Some(fp) = loaded.read {
                seen.push((loaded.path.clone(), fp));
            }
            match loaded.result {
                None => {
                    if let Some((fp, a)) = cached.remove(&loaded.path) {
                        stats.from_cache += 1;
                        seen.push((loaded.path, fp));
                        articles.push(a);
                    }
                }
                Some(Ok(a)) => {
                    stats.parsed += 1;
                    stats.cache_outdated |= !spilled;
                    public_parsed |= !a.draft && a.date <= now;
                    articles.push(a);
                }
                Some(Err(p)) => {
                    stats.parsed += 1;
                    // A daemon's last good version of a file broken when it stopped stays
                    // published, as it was. Only one saved as such: a file's plain entry may be
                    // older than what a run that crashed published (it may have withdrawn it).
                    if self.keep_last_good
                        && cached
                            .get(&p.path)
                            .is_some_and(|(fp, _)| cache::is_last_good(fp))
                    {
                        if let Some((_, a)) = cached.remove(&p.path) {
                            articles.push(a);
                        }
                    }
                    problems.push(p);
                }
            }
        }
        // Under an unreadable directory: what the reload had, else what the cache holds. Either
        // way the cache's entries there are accounted for, not left over as changes.
        let kept_paths: BTreeSet<PathBuf> = kept.iter().map(|a| a.path.clone()).collect();
        articles.extend(kept.into_iter().map(Arc::unwrap_or_clone));
        let under_hidden: Vec<PathBuf> = cached
            .keys()
            .filter(|p| hidden.iter().any(|d| p.starts_with(d)))
            .cloned()
            .collect();
        for path in under_hidden {
            let entry = cached.remove(&path);
            if let Some((fp, a)) = entry.filter(|_| !kept_paths.contains(&path)) {
                stats.from_cache += 1;
                seen.push((path, fp));
                articles.push(a);
            }
        }
        self.store = Store::loaded(&self.root, articles, problems);
        self.seen = seen.into_iter().collect();
        self.links = walked.links.into_iter().map(|l| (l, ())).collect();
        stats.cache_outdated |= !cached.is_empty();
        // Drafts and future articles are never cached, so only a public article read from its
        // file (new, edited, or due since) or a cached file now gone or broken is a change.
        self.unseen_changes = had_cache && (public_parsed || !cached.is_empty());
        tracing::debug!(ms = start.elapsed().as_millis() as u64, "store built");
        Ok(stats)
    }

    /// Where the parse cache lives: the out dir, next to the manifest.
    fn cache_path(&self) -> PathBuf {
        self.config.feeds.out_dir.join(cache::FILE)
    }

    /// What to save as the parse cache now: every good article published at `now` with its
    /// file's fingerprint. Drafts and articles not yet due are left out, so the cache holds
    /// nothing that is not already public. Saving (seconds at 100,000 articles) is left to the
    /// caller, off the engine's thread. `None` when there is no cache (see [`cache::key`]).
    pub fn cache_job(&self, now: DateTime<Utc>) -> Option<cache::Job> {
        let public = |a: &&Arc<Article>| !a.draft && a.date <= now && !a.content_html.is_pending();
        let articles = self
            .store
            .good()
            .filter(public)
            .filter_map(|a| Some((*self.seen.get(&a.path)?, Arc::clone(a))))
            .collect();
        Some(cache::Job {
            path: self.cache_path(),
            key: self.cache_key?,
            articles,
            last_good: self.store.last_good().filter(public).cloned().collect(),
        })
    }

    /// Re-check these paths on disk and update the store: files are (re)parsed, directories
    /// walked, vanished paths (files or whole directories) removed. Returns how many paths
    /// changed what the store holds (a file saved with the same content changes nothing).
    pub fn apply<'a>(&mut self, paths: impl IntoIterator<Item = &'a Path>) -> usize {
        let mut changed = 0;
        let mut done = std::collections::HashSet::new();
        for path in paths {
            if !path.starts_with(&self.root) {
                continue;
            }
            self.note_link(path);
            changed += usize::from(self.apply_one(path));
            done.insert(path);
        }
        changed + self.recheck_links(&done)
    }

    /// Re-check one path on disk; whether the store changed.
    fn apply_one(&mut self, path: &Path) -> bool {
        match scan::read_entry(&self.root, path, self.config.articles.max_bytes) {
            Entry::Article(src, fp) => {
                self.seen.insert(src.path.clone(), fp);
                match article::parse(&src, &self.opts) {
                    Ok(a) => self.store.upsert(a),
                    Err(p) => self.store.fail(p),
                }
            }
            // A new directory's files may predate its watch (`mkdir -p a/b && cp`): walk it.
            Entry::Dir => self.sync_dir(path) > 0,
            Entry::NotArticle => {
                store::remove_subtree(&mut self.seen, path);
                self.store.remove_subtree(path)
            }
            // Its version is noted too, so a rescan does not read it again until it changes.
            Entry::Problem(p, fp) => {
                self.seen.insert(p.path.clone(), fp);
                self.store.fail(p)
            }
            // Not known to be gone: its last good version stays published.
            Entry::Unreachable(p) => self.store.fail(p),
        }
    }

    /// Keep [`Engine::links`] up to date for a path an event named.
    fn note_link(&mut self, path: &Path) {
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => {
                if scan::classify(path).is_some() && !scan::is_ignored_path(&self.root, path) {
                    self.links.insert(path.to_path_buf(), ());
                }
            }
            Ok(m) if m.is_dir() => {}
            // Gone (a file, or a directory with every link under it), or not a link any more.
            _ => {
                store::remove_subtree(&mut self.links, path);
            }
        }
    }

    /// Re-read the symlinked articles whose target changed, appeared or vanished since they
    /// were read (one `stat` per link per batch). `done`: paths this batch read already.
    fn recheck_links(&mut self, done: &std::collections::HashSet<&Path>) -> usize {
        let stale: Vec<PathBuf> = self
            .links
            .keys()
            .filter(|link| !done.contains(link.as_path()))
            .filter(|link| {
                let now = std::fs::metadata(link)
                    .ok()
                    .filter(std::fs::Metadata::is_file)
                    .map(|m| Fingerprint::of(&m));
                match (now, self.seen.get(*link)) {
                    (Some(now), Some(seen)) => !seen.unchanged(&now),
                    (Some(_), None) | (None, Some(_)) => true,
                    (None, None) => false,
                }
            })
            .cloned()
            .collect();
        stale
            .iter()
            .map(|link| usize::from(self.apply_one(link)))
            .sum()
    }

    /// Walk everything again, re-reading only files whose fingerprint changed (after lost
    /// events, when the directory itself came back, and every interval in poll mode). Returns
    /// how many paths changed what the store holds: 0 means nothing to publish.
    ///
    /// A missing directory changes nothing: the last build stays published until it is back.
    /// It is most often mid-swap (`mv articles articles.old && mv articles.new articles`), and
    /// publishing it as empty would empty every feed and delete every page from the out dir.
    pub fn rescan(&mut self) -> usize {
        let root = self.root.clone();
        if !root.is_dir() {
            tracing::warn!(path = %root.display(), articles = self.store.len(), "the articles directory is missing; keeping the last build published until it is back");
            return 0;
        }
        self.sync_dir(&root)
    }

    /// Make the store match the files under `dir`. Returns how many paths changed what the
    /// store holds.
    fn sync_dir(&mut self, dir: &Path) -> usize {
        let (paths, unreadable) = match scan::walk(&self.root, dir) {
            Ok(walked) => {
                store::remove_subtree(&mut self.links, dir);
                self.links.extend(walked.links.into_iter().map(|l| (l, ())));
                (walked.paths, walked.unreadable)
            }
            Err(e) => {
                tracing::warn!(path = %dir.display(), reason = %e, "cannot read directory");
                // A subdirectory that went unreadable (a chmod sends an event for it): its
                // articles stay, and it is a problem until it can be listed again.
                if dir == self.root || scan::gone(&e) {
                    return 0;
                }
                return usize::from(self.store.fail(scan::unreadable_dir(dir, &e)));
            }
        };
        let present: std::collections::HashSet<&PathBuf> = paths.iter().collect();
        // What lies under a directory that cannot be listed now (a chmod, an I/O error) was not
        // seen, not deleted: its articles stay published, and the directory is a problem.
        let hidden = |p: &Path| unreadable.iter().any(|d| p.starts_with(&d.path));
        let mut removed = 0;
        for gone in self
            .store
            .paths_under(dir)
            .into_iter()
            .filter(|p| !present.contains(p) && !hidden(p))
        {
            self.store.remove(&gone);
            self.seen.remove(&gone);
            removed += 1;
        }
        for problem in unreadable {
            removed += usize::from(self.store.fail(problem));
        }
        let changed: Vec<&Path> = paths
            .iter()
            .filter(|p| {
                let now = std::fs::metadata(p).ok().map(|m| Fingerprint::of(&m));
                match (now, self.seen.get(*p)) {
                    // A pending article is read again in full later (`complete_some`), which
                    // sees a write within its tick: not here, all at once, after a first start
                    // right after the files were written.
                    (Some(now), Some(seen)) => {
                        let later = seen.same_fields(&now) && self.store.is_pending(p);
                        !(seen.unchanged(&now) || later)
                    }
                    _ => true,
                }
            })
            .map(PathBuf::as_path)
            .collect();
        let changed: Vec<PathBuf> = changed.into_iter().map(Path::to_path_buf).collect();
        removed + self.apply(changed.iter().map(PathBuf::as_path))
    }

    /// Render the published view at `now` into a snapshot, logging new problems.
    ///
    /// Last-Modified: the renderer dates an asset by its newest article, which does not move
    /// when the bytes change in other ways (a body edited, a backdated article added, an article
    /// deleted, the site title changed), and `If-Modified-Since` would then answer 304 for a
    /// changed feed. So an asset whose bytes are the same as in the last snapshot keeps its
    /// Last-Modified; a changed asset gets its renderer date when that moved forward, else `now`.
    /// An asset seen for the first time keeps its renderer date (the newest article), except in
    /// the first snapshot of a process whose load found, against the parse cache the previous
    /// run left, articles changed while it was stopped: then `now`, as nothing says what the
    /// previous run served, and a client's `If-Modified-Since` from it must not hide the change.
    /// (Without a cache, a first start or an upgrade, the newest article's date it is.)
    pub fn render(&mut self, now: DateTime<Utc>) -> Render {
        let start = Instant::now();
        let published = self.published_in_full(now);
        // Kept assets are the very `Arc`s of the last snapshot (same bytes, same Last-Modified);
        // only fresh ones need their Last-Modified set, before they are shared.
        let last = self.last.as_deref();
        let first_moves = last.is_none() && self.unseen_changes;
        let served = std::mem::take(&mut self.served);
        let (site, stats) =
            self.renderer
                .render_with(&self.config, &published.articles, now, |key, asset| {
                    let prev = match last {
                        Some(l) => Previous::Snapshot(l.get(key).map(|a| &**a)),
                        None => Previous::Run(served.get(key), first_moves),
                    };
                    carry_one(asset, prev, SystemTime::from(now));
                });
        tracing::debug!(?stats, ms = start.elapsed().as_millis() as u64, "rendered");
        let problems: Vec<&ArticleError> = self
            .store
            .problems()
            .chain(published.collisions.iter())
            .collect();
        let current: BTreeSet<String> = problems.iter().map(|p| p.to_string()).collect();
        for p in current.difference(&self.reported) {
            tracing::warn!("{p}");
        }
        let count = current.len();
        self.reported = current;
        let site = Arc::new(site);
        self.last = Some(Arc::clone(&site));
        Render {
            site,
            next_due: published.next_due,
            problems: count,
            took: start.elapsed(),
        }
    }

    /// The published view at `now`, with every article the site feeds and the home page show
    /// parsed in full: pending ones there are parsed now (`feeds.limit` files at most), until
    /// none is left (one that fails leaves its place to the next). Tag feeds and pages showing
    /// a pending article wait for [`Engine::complete`].
    ///
    /// A pending article that took a slug or an id from another is parsed now too: should it
    /// fail in full (HTML too deep), the other gets its slug or id back, and a feed or page
    /// published now would change its links once complete.
    fn published_in_full(&mut self, now: DateTime<Utc>) -> store::Published {
        loop {
            let published = self.store.published(now, &self.config.site.base_url);
            if !self.pending {
                return published;
            }
            let owners: std::collections::HashSet<&str> = published
                .collisions
                .iter()
                .filter_map(|c| match &c.kind {
                    ArticleErrorKind::SlugCollision { other, .. }
                    | ArticleErrorKind::IdCollision { other, .. } => Some(other.as_str()),
                    _ => None,
                })
                .collect();
            let owner = |a: &Arc<Article>| {
                !owners.is_empty() && owners.contains(a.path.display().to_string().as_str())
            };
            let limit = self.config.feeds.limit;
            let shown: Vec<PathBuf> = published
                .articles
                .iter()
                .enumerate()
                .filter(|(i, a)| a.content_html.is_pending() && (*i < limit || owner(a)))
                .map(|(_, a)| a.path.clone())
                .collect();
            if shown.is_empty() {
                return published;
            }
            let start = Instant::now();
            self.parse_in_full(&shown);
            // Still pending: the directory is away (see `parse_in_full`). Shown as they are,
            // their feeds are left out until the rescan once it is back.
            if !self.store.pending_among(&shown).is_empty() {
                return self.store.published(now, &self.config.site.base_url);
            }
            tracing::debug!(
                articles = shown.len(),
                ms = start.elapsed().as_millis() as u64,
                "shown bodies parsed"
            );
        }
    }

    /// Parse in full every article a deferred load left pending: [`Engine::complete_some`]
    /// until it is done. `None` when nothing was pending; else whether the parse cache is still
    /// to be saved ([`Engine::cache_job`]).
    pub fn complete(&mut self) -> Option<bool> {
        loop {
            match self.complete_some(usize::MAX) {
                Completion::Nothing => return None,
                Completion::Partly => {}
                Completion::Done { cache_outdated } => return Some(cache_outdated),
            }
        }
    }

    /// Parse in full up to `max` of the articles a deferred load left pending (see
    /// [`Engine::deferring`]), in path order, moving their bodies into the parse cache the load
    /// began; once none is left, finish that cache. The daemon parses about a thousand at a time,
    /// so edits and signals are answered in between. Once done, the next render is complete,
    /// unless the directory went away meanwhile: what is left pending then is read by the
    /// rescan once it is back.
    pub fn complete_some(&mut self, max: usize) -> Completion {
        if !self.pending {
            return Completion::Nothing;
        }
        let start = Instant::now();
        if self.to_complete.is_empty() {
            self.to_complete = self.store.pending();
            self.to_complete.reverse();
        }
        let mut chunk = self
            .to_complete
            .split_off(self.to_complete.len() - max.min(self.to_complete.len()));
        chunk.reverse();
        // One edited or removed since was parsed (or dropped) then.
        let chunk = self.store.pending_among(&chunk);
        self.parse_in_full(&chunk);
        tracing::debug!(
            articles = chunk.len(),
            ms = start.elapsed().as_millis() as u64,
            "pending bodies parsed"
        );
        if !self.to_complete.is_empty() {
            return Completion::Partly;
        }
        self.pending = !self.store.pending().is_empty();
        let cache_outdated = match self.spill.take() {
            Some((w, unspilled)) => {
                let file = Arc::clone(w.file());
                match w.finish() {
                    Ok(n) => {
                        tracing::debug!(articles = n, "parse cache written while parsing");
                        unspilled > 0 || self.pending
                    }
                    Err(e) => {
                        tracing::warn!("parse cache not written: {e}");
                        self.unpin(&file);
                        true
                    }
                }
            }
            None => true,
        };
        Completion::Done { cache_outdated }
    }

    /// Whether articles may still be pending (see [`Engine::complete_some`]).
    pub fn is_pending(&self) -> bool {
        self.pending
    }

    /// Read and parse `paths` in full into the store, the bodies into the parse cache being
    /// written (if any). A path still pending after (its file went since the load) leaves the
    /// store: the watcher reports it. Returns how many paths changed what the store holds.
    fn parse_in_full(&mut self, paths: &[PathBuf]) -> usize {
        let how = Reading {
            root: &self.root,
            max_bytes: self.config.articles.max_bytes,
            opts: &self.opts,
            depth: Depth::Full,
        };
        let now = Utc::now();
        let (mut writer, mut unspilled) = match self.spill.take() {
            Some((w, n)) => (Some(w), n),
            None => (None, 0),
        };
        let mut abandoned = None;
        let loaded = read_and_parse(&how, paths, Vec::new(), &|_, _| false, &mut |batch| {
            if let Some(file) = spill_batch(&mut writer, batch, now, &mut unspilled) {
                abandoned = Some(file);
            }
        });
        let mut changed = 0;
        for l in loaded {
            if let Some(fp) = l.read {
                self.seen.insert(l.path.clone(), fp);
            }
            changed += usize::from(match l.result {
                Some(Ok(a)) => self.store.upsert(a),
                Some(Err(p)) => self.store.fail(p),
                None => false,
            });
        }
        // The whole directory away is most often mid-swap, as in a rescan: what it held is not
        // gone. Without a fingerprint, the rescan once it is back reads it in full.
        let away = !self.root.is_dir();
        for gone in self.store.pending_among(paths) {
            self.seen.remove(&gone);
            if !away {
                self.store.remove(&gone);
                changed += 1;
            }
        }
        match abandoned {
            Some(file) => self.unpin(&file),
            None => self.spill = writer.map(|w| (w, unspilled)),
        }
        changed
    }

    /// Bring the bodies stored in the file of a parse cache given up half-way back to memory
    /// (see [`cache::unpin`]).
    fn unpin(&mut self, file: &Arc<std::fs::File>) {
        self.store.for_each_mut(|a| {
            if matches!(&a.content_html, article::Body::Stored { file: f, .. } if Arc::ptr_eq(f, file))
            {
                cache::unpin(&mut Arc::make_mut(a).content_html, file);
            }
        });
    }

    /// Switch to a new config. Parse settings or the directory changing means a full reload
    /// (deferred, like a first start, when the engine defers); returns whether there was one.
    pub fn reconfigure(&mut self, config: Config) -> bool {
        let reload = config.articles != self.config.articles
            || config.site.base_url != self.config.site.base_url
            || config.site.timezone != self.config.site.timezone;
        self.root = std::path::absolute(&config.articles.dir)
            .unwrap_or_else(|_| config.articles.dir.clone());
        self.opts = parse_options(&config);
        self.config = config;
        if reload {
            self.load_all();
        } else {
            self.rescan();
        }
        reload
    }
}

/// Move the public, parsed bodies of `batch` into the parse cache `spill` is writing, each
/// body then read back from it when needed. What the cache leaves out is counted in
/// `unspilled`. A write error gives the cache up: the writer goes, and its file is returned so
/// the bodies already moved into it can come back to memory ([`cache::unpin`]).
fn spill_batch(
    spill: &mut Option<cache::Writer>,
    batch: &mut [build::Loaded],
    now: DateTime<Utc>,
    unspilled: &mut usize,
) -> Option<Arc<std::fs::File>> {
    let w = spill.as_mut()?;
    let mut placed = Vec::new();
    for (i, loaded) in batch.iter().enumerate() {
        // Only what is public goes to the cache (see `cache_job`); a pending body goes once
        // it is parsed.
        if let (Some(fp), Some(Ok(a))) = (loaded.read, &loaded.result) {
            if !a.draft && a.date <= now && !a.content_html.is_pending() {
                match w.push(fp, a) {
                    Some(at) => placed.push((i, at)),
                    None => *unspilled += 1,
                }
            }
        }
    }
    match w.flush() {
        Ok(()) => {
            for (i, at) in placed {
                if let Some(Ok(a)) = &mut batch[i].result {
                    a.content_html = w.stored(at);
                }
            }
            None
        }
        Err(e) => {
            tracing::warn!("parse cache not written: {e}");
            spill.take().map(|w| Arc::clone(w.file()))
        }
    }
}

/// What an asset's Last-Modified is carried from.
enum Previous<'a> {
    /// The same key in the process's last snapshot, if it had it.
    Snapshot(Option<&'a Asset>),
    /// The first snapshot of the process: the same key in the manifest of the previous run, if
    /// any, and whether the load found articles changed since that run (`first_moves`).
    Run(Option<&'a Written>, bool),
}

/// Set one asset's Last-Modified from what was served before it (see [`Engine::render`]).
fn carry_one(asset: &mut Asset, prev: Previous<'_>, now: SystemTime) {
    // Never later than now (RFC 9110 §8.8.2.1): an article `updated: 2999-01-01` would pin
    // the feed's Last-Modified in the future.
    asset.last_modified = asset.last_modified.min(now);
    // Changed: never earlier than now. A new article's own date is usually in the past (a
    // `date: 2026-12-02` is midnight), and a reader that sends its clock, or our `Date`, as
    // `If-Modified-Since` after its last poll would get a 304 and miss the article.
    let changed =
        |asset: &Asset, before: SystemTime| next_second(asset.last_modified.max(now), before, now);
    match prev {
        Previous::Snapshot(Some(prev)) => {
            // The previous asset's ETag is known without rendering it again (the writer noted
            // it).
            asset.last_modified = if prev.identity_etag() == asset.identity_etag() {
                prev.last_modified
            } else {
                changed(asset, prev.last_modified)
            };
        }
        // What the previous run served, when the manifest says. Only for an asset made already
        // (a feed): a lazy page's bytes would have to be rendered to compare.
        Previous::Run(
            Some(Written {
                etag,
                last_modified: Some(before),
            }),
            _,
        ) if asset.made(Coding::Identity) => {
            asset.last_modified = if *etag == asset.identity_etag() {
                (*before).min(now)
            } else {
                changed(asset, *before)
            };
        }
        // Otherwise the renderer's date, i.e. the newest article, so Last-Modified is the same
        // across restarts and replicas; `now` if articles changed since the previous run.
        Previous::Run(_, true) => asset.last_modified = asset.last_modified.max(now),
        Previous::Run(_, false) | Previous::Snapshot(None) => {}
    }
}

/// `t`, or the second after `before` if `t` is not past it: HTTP dates have whole seconds, so
/// a change within the second of the version before would keep that version's Last-Modified,
/// and a reader that has it would get a 304 for the change. At most a second ahead of `now`
/// (the server sends `Date` in its place meanwhile, see `Asset::last_modified_header`, and
/// `If-Modified-Since` then never matches): with several changes a second, some share one.
fn next_second(t: SystemTime, before: SystemTime, now: SystemTime) -> SystemTime {
    let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    if secs(t) > secs(before) {
        return t;
    }
    let next = (secs(before) + 1).min(secs(now) + 1).max(secs(before));
    UNIX_EPOCH + Duration::from_secs(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Set each asset's Last-Modified: kept from `last` when its bytes are unchanged, else the later
    /// of `now` and its own date. Assets fresh from the renderer are not shared yet.
    fn carry_last_modified(site: &mut Site, last: Option<&Site>, now: SystemTime) {
        for (key, asset) in site.assets.iter_mut() {
            let Some(asset) = Arc::get_mut(asset) else {
                continue;
            };
            let prev = match last {
                Some(l) => Previous::Snapshot(l.get(key).map(|a| &**a)),
                None => Previous::Run(None, false),
            };
            carry_one(asset, prev, now);
        }
    }

    fn site(body: &str, modified: SystemTime) -> Site {
        let mut s = Site::default();
        s.assets.insert(
            "rss.xml".into(),
            Arc::new(crate::site::Asset::new(
                "text/plain",
                body.to_string(),
                modified,
            )),
        );
        s
    }

    fn last_modified(s: &Site) -> SystemTime {
        s.get("rss.xml")
            .map_or(SystemTime::UNIX_EPOCH, |a| a.last_modified)
    }

    #[test]
    fn last_modified_moves_exactly_when_the_bytes_change() {
        let dated = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let t = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        // First snapshot: the newest article's date, the same on every restart.
        let mut first = site("one", dated);
        carry_last_modified(&mut first, None, t(5_000));
        assert_eq!(last_modified(&first), dated);
        // Same bytes later: unchanged.
        let mut same = site("one", dated);
        carry_last_modified(&mut same, Some(&first), t(6_000));
        assert_eq!(last_modified(&same), dated);
        // Other bytes, same article date: moves to now.
        let mut changed = site("two", dated);
        carry_last_modified(&mut changed, Some(&same), t(7_000));
        assert_eq!(last_modified(&changed), t(7_000));
        // A newer article dated earlier than now (`date: 2026-12-02` is midnight): now, or a
        // reader whose clock said 7_800 at its last poll would be told nothing changed.
        let mut newer = site("three", t(7_500));
        carry_last_modified(&mut newer, Some(&changed), t(8_000));
        assert_eq!(last_modified(&newer), t(8_000));
        // A renderer date later than now (an article `updated` in the future) is now, first
        // seen or changed: a server must not claim a change after its own Date.
        let mut ahead = site("four", t(9_000));
        carry_last_modified(&mut ahead, Some(&newer), t(8_500));
        assert_eq!(last_modified(&ahead), t(8_500));
        let mut first_ahead = site("four", t(9_000));
        carry_last_modified(&mut first_ahead, None, t(8_500));
        assert_eq!(last_modified(&first_ahead), t(8_500));
    }

    #[test]
    fn a_change_within_the_second_of_the_last_moves_to_the_next_second() {
        let t = |ms: u64| SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
        let mut first = site("one", t(1_000));
        carry_last_modified(&mut first, None, t(5_000));
        let mut edited = site("two", t(1_000));
        carry_last_modified(&mut edited, Some(&first), t(5_200));
        assert_eq!(last_modified(&edited), t(5_200));
        // A reader that got "two" at 5.2 s sends `If-Modified-Since` 5 s: "three" must be later.
        let mut again = site("three", t(1_000));
        carry_last_modified(&mut again, Some(&edited), t(5_900));
        assert_eq!(last_modified(&again), t(6_000));
        let mut later = site("four", t(1_000));
        carry_last_modified(&mut later, Some(&again), t(6_300));
        assert_eq!(last_modified(&later), t(7_000));
        // Never more than a second ahead of the clock: a burst of changes shares that second.
        let mut burst = site("five", t(1_000));
        carry_last_modified(&mut burst, Some(&later), t(6_400));
        assert_eq!(last_modified(&burst), t(7_000));
    }

    #[test]
    fn a_first_snapshot_carries_what_the_previous_run_served() {
        let t = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        let carry = |body: &str, served: &Written, first_moves: bool| {
            let mut s = site(body, t(1_000));
            for asset in s.assets.values_mut() {
                let asset = Arc::get_mut(asset).expect("not shared");
                carry_one(asset, Previous::Run(Some(served), first_moves), t(9_000));
            }
            last_modified(&s)
        };
        let etag = site("one", t(0))
            .get("rss.xml")
            .map(|a| a.identity_etag().to_string());
        let served = |etag: &str, secs: Option<u64>| Written {
            etag: etag.to_string(),
            last_modified: secs.map(t),
        };
        let one = etag.expect("an etag");
        // The same bytes as served, with the Last-Modified they had: an edit before the restart
        // keeps its date, rather than going back to the newest article's.
        assert_eq!(carry("one", &served(&one, Some(5_000)), false), t(5_000));
        assert_eq!(carry("one", &served(&one, Some(5_000)), true), t(5_000));
        // Other bytes than served: changed while stopped.
        assert_eq!(carry("two", &served(&one, Some(5_000)), false), t(9_000));
        assert_eq!(carry("two", &served(&one, Some(9_000)), false), t(9_001));
        // A manifest of an older feedpub: as before, the newest article or now.
        assert_eq!(carry("one", &served(&one, None), false), t(1_000));
        assert_eq!(carry("one", &served(&one, None), true), t(9_000));
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;
    use crate::article::Body;

    fn engine(dir: &Path, max_bytes: u64) -> Engine {
        let mut config = Config::default();
        config.articles.dir = dir.join("articles");
        config.articles.max_bytes = max_bytes;
        config.feeds.out_dir = dir.join("out");
        Engine::new(config)
    }

    #[test]
    fn a_restart_parses_only_what_the_cache_cannot_vouch_for() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let arts = tmp.path().join("articles");
        std::fs::create_dir_all(&arts).expect("mkdir");
        let md = |t: &str, body: &str| format!("---\ntitle: {t}\ndate: 2024-01-01\n---\n{body}\n");
        std::fs::write(arts.join("small.md"), md("Small", "x")).expect("write");
        std::fs::write(arts.join("big.md"), md("Big", &"y".repeat(500))).expect("write");
        std::fs::write(arts.join("broken.md"), "---\ntitle: [unclosed\n").expect("write");
        std::fs::write(
            arts.join("draft.md"),
            "---\ntitle: Draft\ndate: 2024-01-01\ndraft: true\n---\nsecret\n",
        )
        .expect("write");
        // A version younger than scan::RACY is never cached (a same-tick write could follow).
        std::thread::sleep(scan::RACY + std::time::Duration::from_millis(100));

        // No cache yet: one is written while parsing, and the bodies move into it.
        let mut e = engine(tmp.path(), 10_000);
        let first = e.load_all();
        assert_eq!((first.parsed, first.from_cache), (4, 0));
        assert!(!first.cache_outdated, "the cache was written while parsing");
        let body = |e: &Engine, title: &str| {
            e.store
                .good()
                .find(|a| a.title == title)
                .map(|a| a.content_html.clone())
        };
        assert!(matches!(body(&e, "Big"), Some(Body::Stored { .. })));
        assert!(body(&e, "Big").is_some_and(|b| b.html().contains(&"y".repeat(500))));
        // Drafts stay in memory and out of the cache (it holds only what is public).
        assert!(matches!(body(&e, "Draft"), Some(Body::Inline(_))));
        let bytes = std::fs::read(tmp.path().join("out").join(cache::FILE)).expect("cache");
        assert!(!bytes.windows(6).any(|w| w == b"secret"));

        // Broken files and drafts are not cached: they are read again after a restart.
        let mut again = engine(tmp.path(), 10_000);
        let stats = again.load_all();
        assert_eq!((stats.parsed, stats.from_cache), (2, 2));
        assert!(stats.cache_outdated, "the draft is parsed");
        assert_eq!(again.store.problems().count(), 1);
        let titles = |e: &Engine| -> Vec<String> {
            let mut t: Vec<String> = e.store.good().map(|a| a.title.clone()).collect();
            t.sort();
            t
        };
        assert_eq!(titles(&again), ["Big", "Draft", "Small"]);
        let big = again
            .store
            .good()
            .find(|a| a.title == "Big")
            .map(|a| a.content_html.html().into_owned());
        assert!(big.is_some_and(|h| h.contains(&"y".repeat(500))));

        // A lower size limit is not bypassed by the cache.
        let mut strict = engine(tmp.path(), 200);
        let stats = strict.load_all();
        assert_eq!((stats.parsed, stats.from_cache), (3, 1));
        assert_eq!(titles(&strict), ["Draft", "Small"]);
        assert_eq!(strict.store.problems().count(), 2);
    }

    #[test]
    fn a_last_good_version_outlives_restarts_until_the_file_is_fixed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let arts = tmp.path().join("articles");
        std::fs::create_dir_all(&arts).expect("mkdir");
        let path = arts.join("a.md");
        let good = |t: &str| format!("---\ntitle: {t}\ndate: 2024-01-01\n---\nbody of {t}\n");
        let broken = "---\ntitle: [unclosed\n";
        std::fs::write(&path, good("Good")).expect("write");
        std::thread::sleep(scan::RACY + std::time::Duration::from_millis(100));
        let published = |e: &mut Engine| -> Vec<String> {
            let view = e.store.published(Utc::now(), "http://x/");
            view.articles.iter().map(|a| a.title.clone()).collect()
        };
        let save = |e: &Engine| {
            e.cache_job(Utc::now())
                .expect("a cache")
                .save()
                .expect("saved")
        };
        let daemon = || engine(tmp.path(), 10_000).keeping_last_good();

        let mut e = daemon();
        e.load_all();
        assert_eq!(published(&mut e), ["Good"]);
        save(&e);

        // Broken while stopped: the cache's entry for the file is no last good version (a run
        // that crashed may have withdrawn it since), so nothing is published for it.
        std::fs::write(&path, broken).expect("write");
        let mut e = daemon();
        e.load_all();
        assert!(published(&mut e).is_empty());
        assert_eq!(e.store.problems().count(), 1);

        // Fixed, then broken while running: the last good version stays, and is saved as such.
        std::fs::write(&path, good("Good")).expect("write");
        e.apply([path.as_path()]);
        std::fs::write(&path, broken).expect("write");
        e.apply([path.as_path()]);
        assert_eq!(published(&mut e), ["Good"]);
        assert_eq!(save(&e), 1);

        // A restart keeps it published (a daemon's load; a build's does not), with its body.
        let mut built = engine(tmp.path(), 10_000);
        built.load_all();
        assert!(published(&mut built).is_empty());
        let mut e = daemon();
        let stats = e.load_all();
        assert_eq!((stats.parsed, stats.from_cache), (1, 0));
        assert_eq!(published(&mut e), ["Good"]);
        assert_eq!(e.store.problems().count(), 1);
        let body = e
            .store
            .last_good()
            .next()
            .map(|a| a.content_html.html().into_owned());
        assert!(body.is_some_and(|b| b.contains("body of Good")));

        // Fixed: the file's own new version, never the cached one.
        std::fs::write(&path, good("Fixed")).expect("write");
        let mut e = daemon();
        e.load_all();
        assert_eq!(published(&mut e), ["Fixed"]);
        assert_eq!(e.store.problems().count(), 0);
    }
}

#[cfg(test)]
mod defer_tests {
    use super::*;

    fn engine(dir: &Path, out: &str) -> Engine {
        let mut config = Config::default();
        config.articles.dir = dir.join("articles");
        config.feeds.out_dir = dir.join(out);
        config.feeds.limit = 3;
        Engine::new(config)
    }

    /// Every asset of `site` with its text, sorted by key.
    fn bytes(site: &Site) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = site
            .iter()
            .map(|(k, a)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(a.body()).into_owned(),
                )
            })
            .collect();
        all.sort();
        all
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).expect("write");
    }

    #[test]
    fn a_deferred_load_publishes_the_same_feeds_at_once_and_the_same_site_once_complete() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let arts = tmp.path().join("articles");
        std::fs::create_dir_all(&arts).expect("mkdir");
        let md = |day: u32, tags: &str, body: &str| {
            format!("---\ntitle: Day {day}\ndate: 2024-01-{day:02}\ntags: [{tags}]\n---\n{body}\n")
        };
        for day in 1..=20 {
            let tags = if day % 4 == 0 { "rare" } else { "common" };
            write(
                &arts,
                &format!("d{day}.md"),
                &md(day, tags, &format!("Body *{day}*.")),
            );
        }
        // The newest one cannot be parsed in full: its place goes to the next.
        let deep = "<div>".repeat(600);
        write(&arts, "deep.md", &md(28, "common", &deep));
        // An old one that fails too, found only when completing.
        write(&arts, "old-deep.md", &md(2, "common", &deep));
        write(
            &arts,
            "heading.md",
            "# From a heading\n\nDate from the file.\n",
        );
        write(&arts, "2024-01-25-copy.txt", "标题\n\n正文。\n");
        write(&arts, "empty.md", &md(26, "common", ""));
        // A version younger than scan::RACY is never cached.
        std::thread::sleep(scan::RACY + std::time::Duration::from_millis(100));

        let mut full = engine(tmp.path(), "out-full");
        full.load_all();
        let full_first = full.render(Utc::now());
        let mut deferred = engine(tmp.path(), "out-deferred").deferring();
        deferred.load_all();
        assert!(deferred.pending);
        let first = deferred.render(Utc::now());
        assert!(first.site.incomplete());
        // The site feeds and the home page are out, and everything out is what a full load
        // gives. Tag feeds and pages showing a pending article come later.
        let full_bytes = bytes(&full_first.site);
        let out = bytes(&first.site);
        for key in ["rss.xml", "atom.xml", "feed.json", "index.html"] {
            assert!(out.iter().any(|(k, _)| k == key), "{key}");
        }
        assert!(out.len() < full_bytes.len());
        // What is left out is announced as coming; so is the page of an article that will
        // fail in full (a request for it waits, then gets its 404).
        let mut announced: Vec<String> = out.iter().map(|(k, _)| k.clone()).collect();
        announced.extend(first.site.coming.iter().map(|k| k.to_string()));
        announced.sort();
        let mut all: Vec<String> = full_bytes.iter().map(|(k, _)| k.clone()).collect();
        all.push("articles/old-deep/index.html".into());
        all.sort();
        assert_eq!(announced, all);
        for (key, text) in out {
            let full = full_bytes.iter().find(|(k, _)| *k == key).map(|(_, t)| t);
            assert_eq!(Some(&text), full, "{key}");
        }

        // A pending file that goes before `complete` leaves with it.
        std::fs::remove_file(arts.join("d5.md")).expect("rm");
        assert_eq!(deferred.complete(), Some(false));
        assert_eq!(deferred.complete(), None, "nothing left");
        assert_eq!(deferred.store.pending(), Vec::<PathBuf>::new());
        full.apply([arts.join("d5.md").as_path()]);
        let done = deferred.render(Utc::now());
        assert!(!done.site.incomplete());
        assert_eq!(bytes(&done.site), bytes(&full.render(Utc::now()).site));
        let problems = |e: &Engine| -> Vec<String> {
            let mut p: Vec<String> = e.store.problems().map(|p| p.to_string()).collect();
            p.sort();
            p
        };
        assert_eq!(problems(&deferred).len(), 2, "{:?}", problems(&deferred));
        assert_eq!(problems(&deferred), problems(&full));

        // The cache it finished holds every public article: a restart parses nothing.
        let mut again = engine(tmp.path(), "out-deferred").deferring();
        let stats = again.load_all();
        assert_eq!(stats.from_cache, deferred.store.good().count());
        assert_eq!(stats.parsed, 2, "the two broken files");
        assert_eq!(again.complete(), None);
        assert_eq!(bytes(&again.render(Utc::now()).site), bytes(&done.site));
    }

    /// Day `day` of January 2024, tagged `t{day % 3}`.
    fn md(day: u32, body: &str) -> String {
        format!(
            "---\ntitle: Day {day}\ndate: 2024-01-{day:02}\ntags: [t{}]\n---\n{body}\n",
            day % 3
        )
    }

    /// `articles/d01.md` to `d12.md` under `dir`: with a feed limit of 3, 9 are left pending.
    fn twelve_days(dir: &Path) -> PathBuf {
        let arts = dir.join("articles");
        std::fs::create_dir_all(&arts).expect("mkdir");
        for day in 1..=12 {
            write(
                &arts,
                &format!("d{day:02}.md"),
                &md(day, &format!("Body {day}.")),
            );
        }
        arts
    }

    #[test]
    fn a_rescan_right_after_a_first_start_leaves_unchanged_pending_bodies_for_later() {
        // Files just written: every version is racy (a write within its tick could follow).
        let tmp = tempfile::tempdir().expect("tempdir");
        let arts = twelve_days(tmp.path());
        let mut deferred = engine(tmp.path(), "out-deferred").deferring();
        deferred.load_all();
        deferred.render(Utc::now());
        assert_eq!(deferred.store.pending().len(), 9);
        deferred.rescan();
        assert_eq!(
            deferred.store.pending().len(),
            9,
            "read again in full, all at once"
        );
        // A file that did change is read at once, in full.
        write(
            &arts,
            "d01.md",
            &md(1, "Changed before the watch was in place."),
        );
        assert_eq!(deferred.rescan(), 1);
        assert_eq!(deferred.store.pending().len(), 8);
        assert!(deferred.complete().is_some());
        let mut full = engine(tmp.path(), "out-full");
        full.load_all();
        assert_eq!(
            bytes(&deferred.render(Utc::now()).site),
            bytes(&full.render(Utc::now()).site)
        );
    }

    #[test]
    fn completing_a_part_at_a_time_takes_edits_in_between_and_ends_as_a_full_load() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let arts = twelve_days(tmp.path());
        std::thread::sleep(scan::RACY + std::time::Duration::from_millis(100));
        let mut deferred = engine(tmp.path(), "out-deferred").deferring();
        deferred.load_all();
        deferred.render(Utc::now());
        let pending = deferred.store.pending().len();
        assert_eq!(pending, 9, "all but the 3 the feeds show");

        assert_eq!(deferred.complete_some(4), Completion::Partly);
        assert_eq!(deferred.store.pending().len(), 5);
        // Between two parts: a pending article edited, one removed, one added.
        write(&arts, "d09.md", &md(9, "Edited meanwhile."));
        std::fs::remove_file(arts.join("d08.md")).expect("rm");
        write(&arts, "d13.md", &md(13, "New meanwhile."));
        let changed = ["d09.md", "d08.md", "d13.md"].map(|n| arts.join(n));
        deferred.apply(changed.iter().map(PathBuf::as_path));
        assert!(deferred.render(Utc::now()).site.incomplete());
        assert_eq!(deferred.complete_some(4), Completion::Partly);
        // Edits meanwhile are the daemon's to save (at shutdown), as at any other time.
        assert!(matches!(deferred.complete_some(4), Completion::Done { .. }));
        assert_eq!(deferred.complete_some(4), Completion::Nothing);

        let done = deferred.render(Utc::now());
        assert!(!done.site.incomplete());
        let mut full = engine(tmp.path(), "out-full");
        full.load_all();
        assert_eq!(bytes(&done.site), bytes(&full.render(Utc::now()).site));
        assert!(
            String::from_utf8_lossy(done.site.get("tags/t0/feed.json").expect("feed").body())
                .contains("Edited meanwhile.")
        );
    }

    #[test]
    fn bodies_pending_while_the_directory_is_away_are_not_gone() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let arts = tmp.path().join("articles");
        std::fs::create_dir_all(&arts).expect("mkdir");
        for day in 1..=9 {
            let text =
                format!("---\ntitle: Day {day}\ndate: 2024-01-0{day}\ntags: [t]\n---\nBody.\n");
            write(&arts, &format!("d{day}.md"), &text);
        }
        let mut full = engine(tmp.path(), "out-full");
        full.load_all();
        let full_bytes = bytes(&full.render(Utc::now()).site);
        let mut deferred = engine(tmp.path(), "out-deferred").deferring();
        deferred.load_all();
        deferred.render(Utc::now());
        // Mid-swap (`mv articles articles.old && mv articles.new articles`) while completing:
        // the articles still pending are not deleted, and the snapshot is not complete yet.
        let away = tmp.path().join("articles.old");
        std::fs::rename(&arts, &away).expect("mv");
        deferred.complete();
        let during = deferred.render(Utc::now());
        assert!(during.site.incomplete());
        assert_eq!(during.site.article_count, 9);
        // Back: the rescan that follows reads them in full.
        std::fs::rename(&away, &arts).expect("mv back");
        assert!(deferred.rescan() > 0);
        let done = deferred.render(Utc::now());
        assert!(!done.site.incomplete());
        assert_eq!(bytes(&done.site), full_bytes);
    }

    #[test]
    fn a_pending_article_that_takes_a_slug_or_id_and_fails_in_full_moves_nothing_published() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let arts = tmp.path().join("articles");
        std::fs::create_dir_all(&arts).expect("mkdir");
        let deep = "<div>".repeat(600);
        let md = |day: u32, extra: &str, body: &str| {
            format!("---\ntitle: Day {day}\ndate: 2024-01-{day:02}\n{extra}---\n{body}\n")
        };
        // Old enough not to be shown, older than what it collides with, so it owns the slug
        // and the id until its body turns out too deep.
        write(&arts, "old-slug.md", &md(1, "slug: same\n", &deep));
        write(&arts, "old-id.md", &md(2, "id: urn:same\n", &deep));
        for day in 10..=14 {
            write(&arts, &format!("d{day}.md"), &md(day, "", "Body."));
        }
        write(&arts, "new-slug.md", &md(20, "slug: same\n", "New."));
        write(&arts, "new-id.md", &md(21, "id: urn:same\n", "New."));
        let mut full = engine(tmp.path(), "out-full");
        full.load_all();
        let full_bytes = bytes(&full.render(Utc::now()).site);
        let mut deferred = engine(tmp.path(), "out-deferred").deferring();
        deferred.load_all();
        let first = deferred.render(Utc::now());
        assert!(first.site.incomplete());
        for (key, text) in bytes(&first.site) {
            let full = full_bytes.iter().find(|(k, _)| *k == key).map(|(_, t)| t);
            assert_eq!(Some(&text), full, "{key}");
        }
    }
}
