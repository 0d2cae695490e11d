//! Loading the whole articles directory into the engine, with the parse cache: unchanged files
//! come from it, and a load without one writes it while parsing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::{Engine, LoadStats};
use crate::article::{Article, Depth};
use crate::build::{self, read_and_parse, Reading};
use crate::cache;
use crate::scan::{self, Fingerprint};
use crate::store::Store;

impl Engine {
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
        let walk = scan::walk(&self.root, &self.root);
        // A daemon that starts while its directory is away (mid-swap, not mounted yet, its
        // permissions wrong) publishes what the previous run did, from the parse cache, as for
        // a subdirectory that cannot be read: publishing nothing would empty every feed and
        // delete every page in the out dir.
        let from_cache_only = walk.is_err() && self.keep_last_good && self.last.is_none();
        let mut cached = match from_cache_only {
            true => self.load_cache(),
            false => cache::Entries::new(),
        };
        let walked = match walk {
            Ok(walked) => walked,
            // Only the cache of this directory: one left by another (the config moved it) would
            // publish an empty site.
            Err(e) if from_cache_only && cached.keys().any(|p| p.starts_with(&self.root)) => {
                scan::Walked {
                    unreadable: vec![scan::unreadable_dir(&self.root, &e)],
                    ..scan::Walked::default()
                }
            }
            Err(e) => {
                // A reload while the directory is away (a deploy mid-swap) keeps what is
                // published rather than emptying every feed. Without fingerprints, each article
                // is parsed again, with the new settings, once the directory is back; another
                // directory's articles are not this one's, though.
                if self.store.root() != self.root {
                    self.store = Store::with_root(&self.root);
                }
                // A start: once the directory is back, nothing vouches for what a previous run
                // published (see below).
                if self.last.is_none() {
                    self.unseen_changes = !self.served.is_empty();
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
        if !from_cache_only {
            cached = self.load_cache();
        }
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
        let now = crate::clock::now();
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
        // Without a cache, nothing vouches for what a previous run published, when its
        // manifest says there was one (the settings or the binary changed since): so many
        // changes, as far as a lazy asset's Last-Modified can tell.
        self.unseen_changes = match had_cache {
            true => public_parsed || !cached.is_empty(),
            false => !self.served.is_empty(),
        };
        tracing::debug!(ms = start.elapsed().as_millis() as u64, "store built");
        Ok(stats)
    }

    /// The parse cache's entries for these settings; none when there is no usable cache (a
    /// damaged one is logged).
    fn load_cache(&self) -> cache::Entries {
        match self
            .cache_key
            .map(|key| cache::load(&self.cache_path(), key))
        {
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                tracing::warn!("{e}");
                cache::Entries::new()
            }
            None => cache::Entries::new(),
        }
    }

    /// Where the parse cache lives: the out dir, next to the manifest.
    pub(super) fn cache_path(&self) -> PathBuf {
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
}

/// Move the public, parsed bodies of `batch` into the parse cache `spill` is writing, each
/// body then read back from it when needed. What the cache leaves out is counted in
/// `unspilled`. A write error gives the cache up: the writer goes, and its file is returned so
/// the bodies already moved into it can come back to memory ([`cache::unpin`]).
pub(super) fn spill_batch(
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

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
