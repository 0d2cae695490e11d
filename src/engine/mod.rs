//! The daemon's synchronous core: the store, incremental updates from changed paths, and
//! rendering a snapshot. No async and no timers here, so it is easy to test and to benchmark;
//! `daemon` drives it from a blocking task.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use chrono::{DateTime, Utc};

use crate::article::{self, ArticleError, ArticleErrorKind, ParseOptions};
use crate::build::parse_options;
use crate::cache;
use crate::config::Config;
use crate::output::Written;
use crate::render::Renderer;
use crate::scan::{self, Entry, Fingerprint};
use crate::site::Site;
use crate::store::{self, Store};

mod deferred;
mod last_modified;
mod load;

use last_modified::{carry_one, Previous};

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
    /// Whether the articles may differ from what the previous run published, as far as the
    /// parse cache it left can tell: set by a load that read a public article from its file or
    /// found a cached one gone, or that found a previous run's manifest but no cache to check
    /// it against. See [`Engine::render`].
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
    /// Whether the last rescan found the articles directory missing (to say when it is back).
    root_missing: bool,
    /// How many new or changed articles file events have brought (see [`Engine::upserted`]).
    upserted: usize,
    /// Files a writer still has open, as the watcher last told ([`Engine::hold`]): a walk
    /// leaves them as they were, and the watcher hands each over once it is closed.
    held: std::collections::HashSet<PathBuf>,
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

/// How long after an asset's Last-Modified is set its snapshot may still be going out (the
/// rest of the render and the swap): see [`Engine::render`].
const SWAP_MARGIN: std::time::Duration = std::time::Duration::from_millis(500);

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
            root_missing: false,
            upserted: 0,
            held: std::collections::HashSet::new(),
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

    /// How many new or changed articles file events have brought so far: a batch that removes
    /// articles and brings one too (`git checkout`, `mv new.md old.md`) is no removal to hold.
    pub fn upserted(&self) -> usize {
        self.upserted
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
        self.store.problems().any(|p| {
            matches!(
                p.kind,
                ArticleErrorKind::UnreadableDir(_) | ArticleErrorKind::Busy(_)
            )
        })
    }

    /// Whether a snapshot was rendered yet.
    pub fn has_rendered(&self) -> bool {
        self.last.is_some()
    }

    /// Whether the articles directory itself cannot be read now: what is published then comes
    /// from the parse cache or an earlier read, and the out dir is best left alone.
    pub fn is_blind(&self) -> bool {
        self.store.problems().any(|p| {
            p.path == self.root
                && matches!(
                    p.kind,
                    ArticleErrorKind::UnreadableDir(_) | ArticleErrorKind::Busy(_)
                )
        }) || std::fs::read_dir(&self.root).is_err()
    }

    /// Whether the articles directory is not there (deleted, moved away, mid-swap). Unlike
    /// [`Engine::is_blind`], needs no file descriptor: a shortage of them is not an absence.
    pub fn is_away(&self) -> bool {
        !self.root.is_dir()
    }

    /// Whether the last walk found the articles directory missing: what brings it back is a
    /// copy in progress, even once the directory is there again.
    pub fn found_away(&self) -> bool {
        self.root_missing
    }

    /// Whether a file or directory could not be read for a shortage of the moment (see
    /// [`ArticleErrorKind::Busy`]): a rescan soon reads it.
    pub fn has_busy(&self) -> bool {
        self.store
            .problems()
            .any(|p| matches!(p.kind, ArticleErrorKind::Busy(_)))
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
                    Ok(a) => {
                        let changed = self.store.upsert(a);
                        self.upserted += usize::from(changed);
                        changed
                    }
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

    /// Leave `writing` (files a writer still has open) out of the walks that follow, until
    /// the next call: a rescan (a SIGHUP, a directory event) must not publish half a file that
    /// the watcher holds back until it is closed.
    pub fn hold(&mut self, writing: std::collections::HashSet<PathBuf>) -> &mut Self {
        self.held = writing;
        self
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
            self.root_missing = true;
            return 0;
        }
        if std::mem::take(&mut self.root_missing) {
            tracing::info!(path = %root.display(), "the articles directory is back; walking it");
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
            .filter(|p| !self.held.contains(*p))
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
    /// Last-Modified; a changed asset, or one new since the last snapshot, gets its renderer
    /// date when that is later, else the end of the current second. In the first snapshot of
    /// a process, the site feeds and the home page carry what the manifest says the previous
    /// run served for the same bytes, and `now` for others or when the load found articles
    /// changed while it was stopped (or no cache to tell); tag feeds and pages, made on
    /// request and so not compared, get `now` (see `last_modified.rs`), and so does everything
    /// when there is no manifest. `now` is read as each asset is done, plus [`SWAP_MARGIN`].
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
                    // The clock when this asset is done, plus what the rest of the render and
                    // the swap may take: a reader served the old bytes until the swap holds a
                    // `Date` from then, and the change must be dated after it.
                    carry_one(asset, prev, SystemTime::now() + SWAP_MARGIN);
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

    /// For `feedpub build`: `articles` rendered lazily (pages and tag feeds are made by the out
    /// dir's writer, one at a time), the site feeds and the home page dated as a first start
    /// dates them against the manifest of the previous run. Their dates in the manifest are
    /// what a daemon started on this out dir serves for the same bytes: the renderer's own
    /// (the newest article's) went back in time when an older article was added.
    pub fn render_for_build(
        &mut self,
        articles: &[Arc<article::Article>],
        now: DateTime<Utc>,
    ) -> Site {
        let first_moves = self.unseen_changes;
        let served = std::mem::take(&mut self.served);
        let (site, _) = Renderer::lazy().render_with(&self.config, articles, now, |key, asset| {
            if !asset.made(crate::site::Coding::Identity) {
                return;
            }
            match served.get(key) {
                // The same bytes keep their date as recorded, even one a moment ahead (a change
                // is dated the end of its second): a daemon clamps it to its clock when it
                // serves it, and two builds in a row leave the manifest as it was.
                Some(Written {
                    etag,
                    last_modified: Some(before),
                }) if *etag == asset.identity_etag() => asset.last_modified = *before,
                prev => carry_one(asset, Previous::Run(prev, first_moves), SystemTime::now()),
            }
        });
        site
    }

    /// Switch to a new config. Parse settings or the directory changing means a full reload
    /// (deferred, like a first start, when the engine defers); returns whether there was one.
    pub fn reconfigure(&mut self, config: Config) -> bool {
        let opts = parse_options(&config);
        let reload = config.articles != self.config.articles || opts != self.opts;
        self.root = std::path::absolute(&config.articles.dir)
            .unwrap_or_else(|_| config.articles.dir.clone());
        self.opts = opts;
        self.config = config;
        // The cache saved at shutdown is for the settings in effect then; keyed by the old
        // ones, the next start would find it stale and lose every last good version in it.
        self.cache_key = cache::key(&self.opts, &self.config);
        if reload {
            self.load_all();
        } else {
            self.rescan();
        }
        reload
    }
}
