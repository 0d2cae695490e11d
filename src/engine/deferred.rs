//! Completing a deferred load: the bodies a first start left pending are parsed when a render
//! shows them, or a part at a time afterwards (see [`Engine::deferring`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::load::spill_batch;
use super::{Completion, Engine};
use crate::article::{self, Article, ArticleErrorKind, Depth};
use crate::build::{read_and_parse, Reading};
use crate::cache;
use crate::store;

impl Engine {
    /// The published view at `now`, with every article the site feeds and the home page show
    /// parsed in full: pending ones there are parsed now (`feeds.limit` files at most), until
    /// none is left (one that fails leaves its place to the next). Tag feeds and pages showing
    /// a pending article wait for [`Engine::complete`].
    ///
    /// A pending article that took a slug or an id from another is parsed now too: should it
    /// fail in full (HTML too deep), the other gets its slug or id back, and a feed or page
    /// published now would change its links once complete.
    pub(super) fn published_in_full(&mut self, now: DateTime<Utc>) -> store::Published {
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
        let now = crate::clock::now();
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
}

#[cfg(test)]
#[path = "deferred_tests.rs"]
mod tests;
