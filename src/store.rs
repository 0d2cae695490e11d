//! Every parsed article, keyed by source path, and the published view of them.
//!
//! The store is owned by one writer (the build command or the daemon loop). A path maps to its
//! last good [`Article`] and, separately, to its current problem: an article that was good and is
//! saved broken keeps its last good version published while the problem is reported.

use std::borrow::Cow;
use std::collections::btree_map::BTreeMap;
use std::collections::hash_map::Entry;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use foldhash::{HashMap, HashMapExt, HashSet};

use crate::article::{permalink, Article, ArticleError, ArticleErrorKind};

#[derive(Debug, Default)]
pub struct Store {
    /// The articles dir, so a collision suffix hashes the path *inside* it: `build` and
    /// `serve` (and a moved directory) then give the same permalinks.
    root: PathBuf,
    /// Ordered by path, so a directory's files are one range (see [`subtree`]).
    articles: BTreeMap<PathBuf, Arc<Article>>,
    problems: BTreeMap<PathBuf, ArticleError>,
    /// Articles with an `updated` in the future as [`Store::published`] shows them (dated by
    /// their `date`), by path, with the version they were made from: the same `Arc` on every
    /// call, so the renderer, which compares by pointer, does not render their feeds again.
    future_updated: std::sync::Mutex<HashMap<PathBuf, Shown>>,
    /// Articles that lost their slug to another, as [`Store::published`] shows them (under a
    /// suffixed slug, links moved along), by path, with the version and the permalink they were
    /// made for: the same `Arc` on every call, so their pages and feeds are not rendered again
    /// on every rebuild.
    renamed: std::sync::Mutex<HashMap<PathBuf, Renamed>>,
}

/// An article as it is shown, and the version it was made from.
type Shown = (Arc<Article>, Arc<Article>);

/// An article renamed for a slug collision: the version and the permalink it was made for, and
/// the renamed article.
type Renamed = (Arc<Article>, String, Arc<Article>);

/// What is visible at one instant.
#[derive(Debug, Default)]
pub struct Published {
    /// Newest first, ties broken by slug then path; slugs unique.
    pub articles: Vec<Arc<Article>>,
    /// Problems found while building the view, of articles published all the same: slug and
    /// id collisions, `updated` dates in the future.
    pub collisions: Vec<ArticleError>,
    /// The earliest date of an article that is not yet published (drafts aside), or of an
    /// `updated` date not yet reached.
    pub next_due: Option<DateTime<Utc>>,
}

impl Store {
    pub fn new() -> Self {
        Store::default()
    }

    /// A store for the articles under `root`.
    pub fn with_root(root: &Path) -> Self {
        Store {
            root: root.to_path_buf(),
            ..Store::default()
        }
    }

    /// The articles dir this store holds the articles of.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A store of a whole directory's load at once. Collecting into the maps sorts once and
    /// builds them in bulk, where inserting 100,000 paths one by one compared path components
    /// ~17 times each.
    pub fn loaded(
        root: &Path,
        articles: impl IntoIterator<Item = Article>,
        problems: impl IntoIterator<Item = ArticleError>,
    ) -> Self {
        Store {
            root: root.to_path_buf(),
            articles: articles
                .into_iter()
                .map(|a| (a.path.clone(), Arc::new(a)))
                .collect(),
            problems: problems.into_iter().map(|p| (p.path.clone(), p)).collect(),
            future_updated: Default::default(),
            renamed: Default::default(),
        }
    }

    /// Record a freshly parsed article, clearing any problem of its path. Returns whether
    /// anything changed: an article equal to the one held keeps the held `Arc` (so nothing
    /// rendered from it is rendered again).
    pub fn upsert(&mut self, article: Article) -> bool {
        let had_problem = self.problems.remove(&article.path).is_some();
        if !had_problem
            && self
                .articles
                .get(&article.path)
                .is_some_and(|old| **old == article)
        {
            return false;
        }
        self.articles
            .insert(article.path.clone(), Arc::new(article));
        true
    }

    /// Record a problem; a last good version of the same path stays published. Returns whether
    /// it is a new problem. An article whose body was never parsed ([`Body::Pending`]) is no
    /// version anyone has seen: it goes.
    ///
    /// [`Body::Pending`]: crate::article::Body::Pending
    pub fn fail(&mut self, error: ArticleError) -> bool {
        if self
            .articles
            .get(&error.path)
            .is_some_and(|a| a.content_html.is_pending())
        {
            self.articles.remove(&error.path);
        } else if self.problems.get(&error.path) == Some(&error) {
            return false;
        }
        self.problems.insert(error.path.clone(), error);
        true
    }

    /// Forget a path entirely (the file is gone or is no longer an article).
    pub fn remove(&mut self, path: &Path) {
        self.articles.remove(path);
        self.problems.remove(path);
    }

    /// Forget `path` and every path under it (a removed file or directory). Returns whether
    /// there was anything to forget.
    pub fn remove_subtree(&mut self, path: &Path) -> bool {
        let articles = remove_subtree(&mut self.articles, path);
        let problems = remove_subtree(&mut self.problems, path);
        articles + problems > 0
    }

    /// Every path the store knows, good or broken, sorted.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.paths_under(Path::new(""))
    }

    /// Every path the store knows under `dir` (or `dir` itself), good or broken, sorted.
    pub fn paths_under(&self, dir: &Path) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = subtree(&self.articles, dir)
            .chain(subtree(&self.problems, dir))
            .cloned()
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }

    /// Every article under `dir`, the last good versions of broken files included.
    pub fn articles_under<'a>(
        &'a self,
        dir: &'a Path,
    ) -> impl Iterator<Item = &'a Arc<Article>> + 'a {
        subtree(&self.articles, dir).filter_map(|p| self.articles.get(p))
    }

    /// The articles whose file is currently good (not the last good version of a broken file).
    pub fn good(&self) -> impl Iterator<Item = &Arc<Article>> {
        self.articles
            .iter()
            .filter(|(path, _)| !self.problems.contains_key(*path))
            .map(|(_, a)| a)
    }

    /// The last good versions of files that are broken now (still published).
    pub fn last_good(&self) -> impl Iterator<Item = &Arc<Article>> {
        // By the problems, which are few, rather than by every article.
        self.problems
            .keys()
            .filter_map(|path| self.articles.get(path))
    }

    pub fn len(&self) -> usize {
        self.articles.len()
    }

    /// The paths of the articles whose body is still to be parsed ([`Body::Pending`]).
    ///
    /// [`Body::Pending`]: crate::article::Body::Pending
    pub fn pending(&self) -> Vec<PathBuf> {
        self.articles
            .values()
            .filter(|a| a.content_html.is_pending())
            .map(|a| a.path.clone())
            .collect()
    }

    /// Those of `paths` that hold an article whose body is still to be parsed.
    pub fn pending_among(&self, paths: &[PathBuf]) -> Vec<PathBuf> {
        paths
            .iter()
            .filter(|p| self.is_pending(p))
            .cloned()
            .collect()
    }

    /// Whether `path` holds an article whose body is still to be parsed.
    pub fn is_pending(&self, path: &Path) -> bool {
        self.articles
            .get(path)
            .is_some_and(|a| a.content_html.is_pending())
    }

    /// Change articles in place (a changed one is a new `Arc` if the old one is shared).
    pub fn for_each_mut(&mut self, f: impl FnMut(&mut Arc<Article>)) {
        self.articles.values_mut().for_each(f);
    }

    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    /// Current problems, by path.
    pub fn problems(&self) -> impl Iterator<Item = &ArticleError> {
        self.problems.values()
    }

    /// The articles visible at `now`: not drafts, dated no later than `now`, newest first, with
    /// slug collisions resolved deterministically (the oldest article keeps the slug, the first
    /// path in byte order among equally old ones; the others get a suffix derived from their
    /// path, so adding a newer file never renames an article already published).
    pub fn published(&self, now: DateTime<Utc>, base_url: &str) -> Published {
        let mut next_due: Option<DateTime<Utc>> = None;
        let mut visible: Vec<(DateTime<Utc>, &Arc<Article>)> =
            Vec::with_capacity(self.articles.len());
        for a in self.articles.values() {
            if a.draft {
                continue;
            }
            let date = a.date.with_timezone(&Utc);
            if date > now {
                next_due = Some(next_due.map_or(date, |d| d.min(date)));
                continue;
            }
            if let Some(expires) = a.expires.map(|e| e.with_timezone(&Utc)) {
                if expires <= now {
                    continue;
                }
                next_due = Some(next_due.map_or(expires, |d| d.min(expires)));
            }
            visible.push((date, a));
        }
        // The oldest article with a slug keeps it, the first in path order among equally old
        // ones (`visible` is in path order, the map's): a new article never takes the URL (and
        // id) of one readers already have. Hash maps rather than a sort: this runs on every
        // rebuild.
        // One hash per article: the map holds each slug's owner as an index into `visible`;
        // only a collision looks its slug up again.
        let mut owners: HashMap<&str, usize> = HashMap::with_capacity(visible.len());
        for (i, &(date, a)) in visible.iter().enumerate() {
            match owners.entry(a.slug.as_str()) {
                Entry::Occupied(mut owner) => {
                    if date < visible[*owner.get()].0 {
                        owner.insert(i);
                    }
                }
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
        let mut owns = vec![false; visible.len()];
        for &i in owners.values() {
            owns[i] = true;
        }
        let mut articles = Vec::with_capacity(visible.len());
        let mut collisions = Vec::new();
        let mut renamed = self
            .renamed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut still_renamed: HashSet<PathBuf> = HashSet::default();
        for (&(date, a), owns) in visible.iter().zip(owns) {
            // Only a collision hashes its slug again.
            let owner = if owns {
                None
            } else {
                owners.get(a.slug.as_str()).map(|&o| visible[o].1)
            };
            // An owner (or, impossibly, a slug without one: kept rather than lost).
            let Some(owner) = owner else {
                articles.push((date, Arc::clone(a)));
                continue;
            };
            let slug = &owner.slug;
            let assigned = format!(
                "{slug}-{:08x}",
                path_hash(a.path.strip_prefix(&self.root).unwrap_or(&a.path))
            );
            collisions.push(ArticleError {
                path: a.path.clone(),
                line: None,
                kind: ArticleErrorKind::SlugCollision {
                    slug: slug.to_string(),
                    other: owner.path.display().to_string(),
                    assigned: assigned.clone(),
                },
            });
            let to = permalink(base_url, &assigned);
            let made = match renamed.get(&a.path) {
                Some((from, at, made)) if Arc::ptr_eq(from, a) && *at == to => Arc::clone(made),
                _ => {
                    let mut made = Article::clone(a);
                    // Its relative links were made absolute against the slug it lost.
                    if !made.content_html.is_pending() {
                        let html = made.content_html.html();
                        let from = permalink(base_url, slug);
                        if let Cow::Owned(moved) = crate::article::rebase_links(&html, &from, &to) {
                            made.content_html = moved.into();
                        }
                    }
                    made.slug = assigned;
                    let made = Arc::new(made);
                    renamed.insert(a.path.clone(), (Arc::clone(a), to, Arc::clone(&made)));
                    made
                }
            };
            still_renamed.insert(a.path.clone());
            articles.push((date, made));
        }
        renamed.retain(|path, _| still_renamed.contains(path));
        drop(renamed);
        // A front matter `id` that is another article's permalink would have readers merge the
        // two: the permalink stays with its article, the other falls back to its own.
        let prefix = format!("{base_url}articles/");
        if articles
            .iter()
            .any(|(_, a)| a.id.as_deref().is_some_and(|id| id.starts_with(&prefix)))
        {
            let permalinks: HashMap<String, usize> = articles
                .iter()
                .enumerate()
                .map(|(i, (_, a))| (permalink(base_url, &a.slug), i))
                .collect();
            for (i, owner) in id_losers(&articles, |id| permalinks.get(id).copied()) {
                drop_id(&mut articles, i, owner, &mut collisions);
            }
        }
        // The same front matter `id` twice would have readers merge two articles into one: the
        // oldest keeps it, the others fall back to their permalink (as a slug collision does).
        if articles.iter().any(|(_, a)| a.id.is_some()) {
            let mut ids: HashMap<&str, usize> = HashMap::new();
            for (i, (date, a)) in articles.iter().enumerate() {
                if let Some(id) = a.id.as_deref() {
                    match ids.entry(id) {
                        Entry::Occupied(mut owner) => {
                            if *date < articles[*owner.get()].0 {
                                owner.insert(i);
                            }
                        }
                        Entry::Vacant(slot) => {
                            slot.insert(i);
                        }
                    }
                }
            }
            for (i, owner) in id_losers(&articles, |id| ids.get(id).copied()) {
                drop_id(&mut articles, i, owner, &mut collisions);
            }
        }
        // An `updated` in the future (often a typo for a past year) would date the feed in the
        // future, and readers and validators take that as a broken clock. Until it comes, the
        // article's last change is its date; the daemon renders again then.
        let mut shown = self
            .future_updated
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A set: `retain` below looks each path up (a list made 20,000 such articles take 29 s).
        let mut still: HashSet<PathBuf> = HashSet::default();
        for (_, a) in &mut articles {
            let updated = a.updated.with_timezone(&Utc);
            if updated > now {
                next_due = Some(next_due.map_or(updated, |d| d.min(updated)));
                collisions.push(ArticleError {
                    path: a.path.clone(),
                    line: None,
                    kind: ArticleErrorKind::FutureUpdate(a.updated.to_rfc3339()),
                });
                *a = match shown.get(&a.path) {
                    Some((from, made)) if Arc::ptr_eq(from, a) => Arc::clone(made),
                    _ => {
                        let mut made = Article::clone(a);
                        made.updated = made.date;
                        let made = Arc::new(made);
                        shown.insert(a.path.clone(), (Arc::clone(a), Arc::clone(&made)));
                        made
                    }
                };
                still.insert(a.path.clone());
            }
        }
        shown.retain(|path, _| still.contains(path));
        drop(shown);
        // Paths are unique, so this order is total and an unstable sort gives one result. The
        // date sits beside each article: the sort reads an article only on a tie.
        articles.sort_unstable_by(|(da, a), (db, b)| {
            db.cmp(da)
                .then_with(|| a.slug.cmp(&b.slug))
                .then_with(|| a.path.cmp(&b.path))
        });
        let articles = articles.into_iter().map(|(_, a)| a).collect();
        collisions.sort_by(|a, b| a.path.cmp(&b.path));
        Published {
            articles,
            collisions,
            next_due,
        }
    }
}

/// Article `i` loses its front matter `id` (its permalink is its id from now on) to article
/// `owner`, and the collision is reported.
fn drop_id(
    articles: &mut [(DateTime<Utc>, Arc<Article>)],
    i: usize,
    owner: usize,
    collisions: &mut Vec<ArticleError>,
) {
    let other = articles[owner].1.path.display().to_string();
    let mut renamed = Article::clone(&articles[i].1);
    collisions.push(ArticleError {
        path: renamed.path.clone(),
        line: None,
        kind: ArticleErrorKind::IdCollision {
            id: renamed.id.take().unwrap_or_default(),
            other,
        },
    });
    articles[i].1 = Arc::new(renamed);
}

/// `(article, owner)` for each article whose front matter id `owner_of` gives to another.
fn id_losers(
    articles: &[(DateTime<Utc>, Arc<Article>)],
    owner_of: impl Fn(&str) -> Option<usize>,
) -> Vec<(usize, usize)> {
    articles
        .iter()
        .enumerate()
        .filter_map(|(i, (_, a))| {
            let owner = owner_of(a.id.as_deref()?)?;
            (owner != i).then_some((i, owner))
        })
        .collect()
}

/// A short, stable hash of a path (FNV-1a, 32 bits): the same file always gets the same suffix.
fn path_hash(path: &Path) -> u32 {
    path.as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0x811c_9dc5_u32, |h, b| {
            (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
        })
}

/// The keys of `map` that are `dir` or lie under it. `Path` orders by components, so these are
/// one contiguous range starting at `dir`: a directory's removal costs its own size, not the
/// store's (deleting 5,000 files one event each was quadratic with a full scan per path).
pub fn subtree<'a, V>(
    map: &'a BTreeMap<PathBuf, V>,
    dir: &'a Path,
) -> impl Iterator<Item = &'a PathBuf> + 'a {
    map.range::<Path, _>((Bound::Included(dir), Bound::Unbounded))
        .map(|(p, _)| p)
        .take_while(move |p| p.starts_with(dir))
}

/// Remove `dir` and every key under it from `map`. Returns how many keys were removed.
pub fn remove_subtree<V>(map: &mut BTreeMap<PathBuf, V>, dir: &Path) -> usize {
    let gone: Vec<PathBuf> = subtree(map, dir).cloned().collect();
    for p in &gone {
        map.remove(p);
    }
    gone.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Format;
    use chrono::{FixedOffset, TimeZone};

    const BASE: &str = "https://example.com/";

    fn article(path: &str, slug: &str, day: u32) -> Article {
        let date = FixedOffset::east_opt(0)
            .and_then(|z| z.with_ymd_and_hms(2024, 1, day, 0, 0, 0).single())
            .expect("valid date");
        Article {
            path: PathBuf::from(path),
            format: Format::Markdown,
            title: slug.to_string(),
            slug: slug.to_string(),
            id: None,
            date,
            updated: date,
            author: None,
            summary: String::new(),
            content_html: String::new().into(),
            tags: Vec::new(),
            draft: false,
            expires: None,
            lang: None,
        }
    }

    #[test]
    fn a_repeated_id_stays_with_the_oldest_and_is_reported() {
        let mut s = Store::new();
        let with_id = |path: &str, slug: &str, day: u32, id: &str| Article {
            id: Some(id.to_string()),
            ..article(path, slug, day)
        };
        s.upsert(with_id("a.md", "a", 5, "urn:x"));
        s.upsert(with_id("b.md", "b", 3, "urn:x"));
        s.upsert(with_id("c.md", "c", 4, "urn:y"));
        s.upsert(article("d.md", "d", 6));
        let p = s.published(now(), BASE);
        let id_of = |slug: &str| {
            p.articles
                .iter()
                .find(|a| a.slug == slug)
                .map(|a| a.id.clone())
        };
        assert_eq!(id_of("b"), Some(Some("urn:x".to_string())));
        assert_eq!(
            id_of("a"),
            Some(None),
            "the newer one falls back to its permalink"
        );
        assert_eq!(id_of("c"), Some(Some("urn:y".to_string())));
        assert_eq!(p.articles.len(), 4);
        assert_eq!(
            p.collisions,
            vec![ArticleError {
                path: PathBuf::from("a.md"),
                line: None,
                kind: ArticleErrorKind::IdCollision {
                    id: "urn:x".to_string(),
                    other: "b.md".to_string(),
                },
            }]
        );
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 15, 0, 0, 0)
            .single()
            .expect("valid date")
    }

    #[test]
    fn newest_first_ties_by_slug() {
        let mut s = Store::new();
        s.upsert(article("a/b.md", "b", 3));
        s.upsert(article("a/a.md", "a", 3));
        s.upsert(article("a/c.md", "c", 5));
        let slugs: Vec<_> = s
            .published(now(), BASE)
            .articles
            .iter()
            .map(|a| a.slug.clone())
            .collect();
        assert_eq!(slugs, ["c", "a", "b"]);
    }

    #[test]
    fn drafts_and_future_are_hidden_and_next_due_is_reported() {
        let mut s = Store::new();
        let mut d = article("d.md", "d", 2);
        d.draft = true;
        s.upsert(d);
        s.upsert(article("f.md", "f", 20));
        s.upsert(article("g.md", "g", 25));
        s.upsert(article("p.md", "p", 2));
        let p = s.published(now(), BASE);
        assert_eq!(p.articles.len(), 1);
        assert_eq!(
            p.next_due,
            Some(
                Utc.with_ymd_and_hms(2024, 1, 20, 0, 0, 0)
                    .single()
                    .expect("valid")
            )
        );
    }

    #[test]
    fn an_expired_article_is_hidden_and_a_coming_expiry_is_due() {
        let mut s = Store::new();
        let mut gone = article("gone.md", "gone", 2);
        gone.expires = Some(article("x", "x", 5).date);
        s.upsert(gone);
        let mut going = article("going.md", "going", 2);
        going.expires = Some(article("x", "x", 18).date);
        s.upsert(going);
        s.upsert(article("f.md", "f", 20));
        let p = s.published(now(), BASE);
        let slugs: Vec<&str> = p.articles.iter().map(|a| a.slug.as_str()).collect();
        assert_eq!(slugs, ["going"]);
        assert_eq!(
            p.next_due,
            Utc.with_ymd_and_hms(2024, 1, 18, 0, 0, 0).single()
        );
    }

    #[test]
    fn an_updated_date_in_the_future_waits_for_its_day_and_is_reported() {
        let mut s = Store::new();
        let mut a = article("a.md", "a", 2);
        a.updated = article("x", "x", 18).date;
        s.upsert(a);
        s.upsert(article("f.md", "f", 20));
        let p = s.published(now(), BASE);
        assert_eq!(p.articles.len(), 1);
        assert_eq!(p.articles[0].updated, p.articles[0].date);
        assert!(matches!(
            &p.collisions[..],
            [ArticleError { kind: ArticleErrorKind::FutureUpdate(v), .. }] if v.starts_with("2024-01-18")
        ));
        // Due on the 18th, before the future article of the 20th.
        let day = |d| Utc.with_ymd_and_hms(2024, 1, d, 0, 0, 0).single();
        assert_eq!(p.next_due, day(18));
        // The same shown version on every call, for the renderer.
        let again = s.published(now(), BASE);
        assert!(Arc::ptr_eq(&p.articles[0], &again.articles[0]));
        // Once it has come, it is the article's last change, and no problem.
        let later = s.published(day(19).expect("valid"), BASE);
        assert_eq!(
            later.articles[0].updated.with_timezone(&Utc),
            day(18).expect("valid")
        );
        assert!(later.collisions.is_empty());
    }

    #[test]
    fn slug_collisions_keep_both_and_are_reported() {
        let mut s = Store::new();
        s.upsert(article("x/same.md", "same", 3));
        let mut newer = article("y/same.txt", "same", 4);
        let own = |slug: &str| format!("{BASE}articles/{slug}/");
        newer.content_html = format!(
            "<a href=\"{0}#notes\">notes</a> <a href=\"{0}\">the other</a>",
            own("same")
        )
        .into();
        s.upsert(newer);
        let p = s.published(now(), BASE);
        assert_eq!(p.articles.len(), 2);
        assert_eq!(p.collisions.len(), 1);
        assert_eq!(p.collisions[0].path, PathBuf::from("y/same.txt"));
        let slugs: Vec<_> = p.articles.iter().map(|a| a.slug.as_str()).collect();
        assert!(slugs.contains(&"same"));
        assert!(slugs.iter().any(|s| s.starts_with("same-")));
        // Its own links follow it; one to the article that kept the slug stays.
        let moved = p
            .articles
            .iter()
            .find(|a| a.slug != "same")
            .expect("renamed");
        assert_eq!(
            moved.content_html.html(),
            format!(
                "<a href=\"{}#notes\">notes</a> <a href=\"{}\">the other</a>",
                own(&moved.slug),
                own("same")
            )
        );
        // Deterministic: the same input gives the same slug, and the very same article, so
        // the renderer does not render its page and feeds again.
        let again = s.published(now(), BASE);
        assert_eq!(p.articles[0].slug, again.articles[0].slug);
        let renamed = |p: &Published| {
            p.articles
                .iter()
                .find(|a| a.slug != "same")
                .map(Arc::clone)
                .expect("renamed")
        };
        assert!(Arc::ptr_eq(&renamed(&p), &renamed(&again)));
        // Another base URL (its articles are parsed again for it): made again.
        let other = s.published(now(), "https://other.example/");
        assert!(!Arc::ptr_eq(&renamed(&p), &renamed(&other)));
    }

    #[test]
    fn a_newer_article_never_takes_the_slug_of_an_older_one() {
        let mut s = Store::new();
        s.upsert(article("b/old.md", "same", 3));
        let owner = |s: &Store| {
            let p = s.published(now(), BASE);
            p.articles
                .iter()
                .find(|a| a.slug == "same")
                .map(|a| a.path.clone())
        };
        assert_eq!(owner(&s), Some(PathBuf::from("b/old.md")));
        // Earlier in path order but newer: it gets the suffix.
        s.upsert(article("a/new.md", "same", 5));
        assert_eq!(owner(&s), Some(PathBuf::from("b/old.md")));
        assert_eq!(
            s.published(now(), BASE).collisions[0].path,
            PathBuf::from("a/new.md")
        );
        // Equally old: path order decides.
        s.upsert(article("a/new.md", "same", 3));
        assert_eq!(owner(&s), Some(PathBuf::from("a/new.md")));
    }

    #[test]
    fn the_collision_suffix_does_not_depend_on_how_the_root_is_spelled() {
        let suffix = |root: &str, path: &str| {
            let mut s = Store::with_root(Path::new(root));
            s.upsert(article(&format!("{root}/a/same.md"), "same", 3));
            s.upsert(article(&format!("{root}/{path}"), "same", 4));
            s.published(now(), BASE).collisions[0]
                .to_string()
                .split("published as")
                .nth(1)
                .map(str::to_string)
        };
        let a = suffix("art", "b/same.md");
        assert!(a.is_some());
        assert_eq!(a, suffix("/srv/x/art", "b/same.md"));
        assert_eq!(a, suffix("./art", "b/same.md"));
    }

    #[test]
    fn a_broken_save_keeps_the_last_good_version() {
        let mut s = Store::new();
        s.upsert(article("a.md", "a", 3));
        s.fail(ArticleError {
            path: PathBuf::from("a.md"),
            line: Some(2),
            kind: ArticleErrorKind::NoTitle,
        });
        assert_eq!(s.published(now(), BASE).articles.len(), 1);
        assert_eq!(s.problems().count(), 1);
        s.upsert(article("a.md", "a", 4));
        assert_eq!(s.problems().count(), 0);
        s.remove(Path::new("a.md"));
        assert!(s.published(now(), BASE).articles.is_empty());
    }

    #[test]
    fn an_article_never_parsed_in_full_is_no_last_good_version() {
        let mut s = Store::new();
        let pending = Article {
            content_html: crate::article::Body::Pending,
            ..article("a.md", "a", 3)
        };
        s.upsert(pending.clone());
        // Parsed in full with an empty body: still a change, so the pending one goes.
        assert!(s.upsert(article("a.md", "a", 3)));
        assert!(!s.published(now(), BASE).articles[0]
            .content_html
            .is_pending());
        s.upsert(pending);
        s.fail(ArticleError {
            path: PathBuf::from("a.md"),
            line: None,
            kind: ArticleErrorKind::TooDeep(512),
        });
        assert!(s.published(now(), BASE).articles.is_empty());
        assert_eq!(s.problems().count(), 1);
    }

    #[test]
    fn remove_subtree_drops_a_directory_and_nothing_beside_it() {
        let mut s = Store::new();
        for p in [
            "arts/sub/a.md",
            "arts/sub/deeper/c.md",
            "arts/b.md",
            "arts/sub.md",
            "arts/sub2/x.md",
            "arts/su/y.md",
            "arts/sub-x/z.md",
        ] {
            s.upsert(article(p, p, 3));
        }
        s.fail(ArticleError {
            path: PathBuf::from("arts/sub/broken.md"),
            line: None,
            kind: ArticleErrorKind::NoTitle,
        });
        assert_eq!(s.paths_under(Path::new("arts/sub")).len(), 3);
        s.remove_subtree(Path::new("arts/sub"));
        let left: Vec<PathBuf> = [
            "arts/b.md",
            "arts/su/y.md",
            "arts/sub-x/z.md",
            "arts/sub.md",
            "arts/sub2/x.md",
        ]
        .into_iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(s.paths(), left);
        assert_eq!(s.problems().count(), 0);
        s.remove_subtree(Path::new("arts/b.md"));
        assert_eq!(s.paths().len(), 4);
    }
}
