//! Watching the articles directory: notify's callback bridged into tokio, and debouncing.
//!
//! The notify callback runs on notify's own thread and must never block, so it only does a
//! `try_send` of the event's paths. When the channel is full, or notify itself reports that
//! events were lost (inotify queue overflow sets `Flag::Rescan`), it raises a rescan flag
//! instead: feedpub keeps an in-memory mirror of the directory, so the cure for lost events is to
//! walk the whole tree again. The event kind is not trusted at all: the daemon re-checks every
//! path on disk after the debounce (editors rename, truncate and recreate).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
use notify::RecursiveMode;
use tokio::sync::{mpsc, Notify};
use tokio::time::Instant;

/// Events waiting between notify and the debouncer. Past this, the rescan flag takes over.
const QUEUE: usize = 16 * 1024;

/// Why the watcher could not start or add a watch. Messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("{}: cannot watch: the inotify watch limit is reached; raise it with `sysctl fs.inotify.max_user_watches=524288` (and persist it in /etc/sysctl.d/), or set watch.poll_interval_ms", path.display())]
    TooManyWatches { path: PathBuf },
    #[error("cannot start the file watcher: too many inotify instances or open files; raise `sysctl fs.inotify.max_user_instances` or the open-file limit (LimitNOFILE=), or set watch.poll_interval_ms")]
    TooManyHandles,
    #[error("{}: cannot watch: {reason}", path.display())]
    Other { path: PathBuf, reason: String },
}

/// The watcher half shared with notify's thread.
#[derive(Debug, Default)]
pub struct Signal {
    /// Set when events may have been lost; the next batch is then a full rescan.
    rescan: AtomicBool,
    /// Wakes the debouncer when the rescan flag is raised without a message.
    wake: Notify,
    /// The files the debouncer holds back as still being written (see [`Debouncer::open`]),
    /// for walks of a directory (a rescan, a SIGHUP) to leave alone too: the debouncer hands
    /// each over once it is closed.
    writing: Mutex<HashSet<PathBuf>>,
}

impl Signal {
    /// The files being written now (see [`Signal::writing`]).
    pub fn writing(&self) -> HashSet<PathBuf> {
        self.writing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// A running watch on one directory (recursive) and its parent (so that the directory being
/// deleted, recreated, moved back or replaced by a symlink is noticed), or while the parent is
/// gone too, the nearest ancestor that exists; and the directory holding each symlink on its
/// path (so that a deploy swapping `current -> releases/42` is noticed), and the one holding
/// each such link's target (so that one replacing `releases/42` itself is).
pub struct DirWatcher {
    inner: Box<dyn notify::Watcher + Send>,
    dir: PathBuf,
    /// The watches on the directory: itself, recursively; or, when a directory under it cannot
    /// be read, each part around that one (see [`DirWatcher::rewatch`]). Empty while missing.
    watched: Vec<PathBuf>,
    /// Whether some directory under it could not be watched.
    partial: bool,
    /// The ancestors watched on their own (see [`DirWatcher::watch_anchors`]).
    anchors: Vec<PathBuf>,
    /// Where the symlinks on the directory's path (itself included) point: replacing one of
    /// those directories is a change of the watched one.
    targets: Vec<PathBuf>,
}

/// What the daemon should look at after a quiet period.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Batch {
    pub paths: BTreeSet<PathBuf>,
    /// Events were lost or the directory itself changed: walk everything again.
    pub rescan: bool,
}

/// What an event tells about its paths, as far as when to read them goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bytes were written; the writer may still be halfway.
    Written,
    /// A writer closed the file: what it wrote is all there.
    Closed,
    /// Removed or renamed: nothing is being written there now.
    Gone,
    /// Created, attributes changed, or anything else.
    Other,
}

impl Kind {
    fn of(kind: &EventKind) -> Kind {
        match kind {
            EventKind::Modify(ModifyKind::Data(_)) => Kind::Written,
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => Kind::Closed,
            EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_)) => Kind::Gone,
            _ => Kind::Other,
        }
    }
}

/// The paths of one raw event, as notify reported them (absolute), and what it says of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: Kind,
    pub paths: Vec<PathBuf>,
}

/// Raw events, as they come.
pub type Events = mpsc::Receiver<Change>;

/// Start watching `dir`. Events go into the returned receiver, with absolute paths.
pub fn start(
    dir: &Path,
    poll_interval_ms: u64,
) -> Result<(DirWatcher, Events, Arc<Signal>), WatchError> {
    let (tx, rx) = mpsc::channel::<Change>(QUEUE);
    let signal = Arc::new(Signal::default());
    let sig = Arc::clone(&signal);
    let poll_tx = tx.clone();
    let handler = move |res: notify::Result<notify::Event>| match res {
        // Without this line an overflow was invisible in the log (found by the inotify overflow
        // test, tests/it/faults.rs).
        Ok(event) if event.need_rescan() => {
            tracing::warn!(
                "file events were lost (inotify queue overflow); rescanning the articles directory"
            );
            sig.raise();
        }
        // Opening and reading (our own reads included) change nothing; a write that finished does.
        Ok(event) if matches!(event.kind, EventKind::Access(a) if a != AccessKind::Close(AccessMode::Write)) =>
            {}
        Ok(event) => {
            let kind = Kind::of(&event.kind);
            if event.paths.is_empty()
                || tx
                    .try_send(Change {
                        kind,
                        paths: event.paths,
                    })
                    .is_err()
            {
                sig.raise();
            }
        }
        Err(e) => {
            tracing::warn!(reason = %e, "file watcher error; rescanning");
            sig.raise();
        }
    };
    let inner: Box<dyn notify::Watcher + Send> = if poll_interval_ms > 0 {
        // Polling is a rescan every interval: notify's PollWatcher compares modification times
        // in whole seconds and misses a second save within the same second, where the engine's
        // rescan compares nanosecond times and lengths (and publishes only when one differs).
        tokio::spawn(poll(poll_tx, Arc::clone(&signal), poll_interval_ms));
        Box::new(notify::NullWatcher)
    } else {
        // Not following symlinks: inotify has one watch per directory, so a watch through an
        // alias (`alias -> sub`) took over the real one's (an edit of `sub/a.md` came as
        // `alias/a.md`, published twice), and one through a link out of the tree reported
        // files the scan never publishes.
        let config = notify::Config::default().with_follow_symlinks(false);
        Box::new(
            <notify::RecommendedWatcher as notify::Watcher>::new(handler, config)
                .map_err(|e| map_error(dir, e))?,
        )
    };
    let mut w = DirWatcher {
        inner,
        dir: PathBuf::new(),
        watched: Vec::new(),
        partial: false,
        anchors: Vec::new(),
        targets: Vec::new(),
    };
    w.retarget(dir)?;
    Ok((w, rx, signal))
}

/// Poll mode: raise the rescan flag every `interval_ms` until the receiver is gone (`tx` is
/// held only to notice that).
async fn poll(tx: mpsc::Sender<Change>, signal: Arc<Signal>, interval_ms: u64) {
    let mut ticks = tokio::time::interval(Duration::from_millis(interval_ms));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    while !tx.is_closed() {
        ticks.tick().await;
        signal.raise();
    }
}

impl Signal {
    fn raise(&self) {
        self.rescan.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }
}

impl DirWatcher {
    /// Watch `dir` (and its parent, for the directory's own fate) instead of the current one,
    /// or the same one afresh (SIGHUP: the remedy when a watch was lost some other way).
    pub fn retarget(&mut self, dir: &Path) -> Result<(), WatchError> {
        self.dir = std::path::absolute(dir).map_err(|e| WatchError::Other {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        self.rewatch()
    }

    /// (Re)establish the recursive watch on the directory, e.g. after it was recreated.
    /// A missing directory is not an error: it is watched again when it comes back. Nor is a
    /// directory under it that cannot be read (another user's, mode 700): the rest is watched
    /// around it, and the scan reports it as a problem.
    pub fn rewatch(&mut self) -> Result<(), WatchError> {
        self.unwatch_all();
        // Before the directory is looked at: one that appears from now on is reported.
        self.watch_anchors();
        if !self.dir.is_dir() {
            tracing::warn!(path = %self.dir.display(), "articles directory is missing; waiting for it to come back");
            return Ok(());
        }
        let dir = self.dir.clone();
        self.watch_tree(&dir)
    }

    /// Whether some directory under the watched one could not be watched. Then a new
    /// directory, or one that became readable, gets no watch by itself: the daemon calls
    /// [`DirWatcher::rewatch`] when an event names a directory.
    pub fn is_partial(&self) -> bool {
        self.partial
    }

    /// Watch the directory's parent or, while that is gone too (`rm -rf` of the site the
    /// articles are in), the nearest ancestor that exists: its coming back is an event there.
    /// And the directory holding each symlink on the way (`/srv/current -> releases/42` in
    /// `/srv/current/articles`): swapping the link is an event there, and nowhere else.
    /// Best effort: without them, such a change is only noticed on SIGHUP.
    fn watch_anchors(&mut self) {
        for old in std::mem::take(&mut self.anchors) {
            let _ = self.inner.unwatch(&old);
        }
        let ancestors = || self.dir.ancestors().skip(1);
        let mut wanted: Vec<PathBuf> = ancestors()
            .find(|a| a.is_dir())
            .map(Path::to_path_buf)
            .into_iter()
            .collect();
        wanted.extend(
            ancestors()
                .filter(|a| a.is_symlink())
                .filter_map(|a| a.parent().map(Path::to_path_buf)),
        );
        // And where each of those links (the directory's own too: `articles -> releases/42`)
        // points: a deploy that replaces the target directory itself (`mv releases/42 old;
        // cp -r new releases/42`) is an event only in the target's parent (or the nearest
        // ancestor of it that exists).
        self.targets = self
            .dir
            .ancestors()
            .filter(|a| a.is_symlink())
            .filter_map(|link| {
                let target = std::fs::read_link(link).ok()?;
                Some(link.parent().unwrap_or(Path::new("/")).join(target))
            })
            .collect();
        wanted.extend(
            self.targets
                .iter()
                .filter_map(|t| t.ancestors().skip(1).find(|a| a.is_dir()))
                .map(Path::to_path_buf),
        );
        wanted.sort();
        wanted.dedup();
        for anchor in wanted {
            match self.inner.watch(&anchor, RecursiveMode::NonRecursive) {
                Ok(()) => self.anchors.push(anchor),
                Err(e) => {
                    tracing::warn!(path = %anchor.display(), reason = %e, "cannot watch a parent of the articles directory")
                }
            }
        }
    }

    fn unwatch_all(&mut self) {
        for dir in std::mem::take(&mut self.watched) {
            let _ = self.inner.unwatch(&dir);
        }
        self.partial = false;
    }

    /// Watch `dir` recursively. notify stops at the first directory it cannot read, so when
    /// one under `dir` refuses, `dir` is watched on its own and each subdirectory the same way.
    fn watch_tree(&mut self, dir: &Path) -> Result<(), WatchError> {
        // With a trailing slash, a directory that is a symlink (`articles -> elsewhere`) is
        // watched itself too: notify, not following symlinks, would otherwise watch only what
        // lies under it.
        let slashed = dir.join("");
        let e = match self.inner.watch(&slashed, RecursiveMode::Recursive) {
            Ok(()) => {
                self.watched.push(slashed);
                return Ok(());
            }
            Err(e) => e,
        };
        let denied = matches!(&e.kind, notify::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied);
        if !denied {
            return Err(map_error(dir, e));
        }
        self.partial = true;
        // What notify watched before it stopped.
        let _ = self.inner.unwatch(dir);
        if e.paths.iter().any(|p| p == dir) {
            tracing::warn!(path = %dir.display(), reason = %e, "cannot watch directory; changes in it are seen once it can be read");
            return Ok(());
        }
        self.inner
            .watch(dir, RecursiveMode::NonRecursive)
            .map_err(|e| map_error(dir, e))?;
        self.watched.push(dir.to_path_buf());
        // Real directories only: the scan never follows a directory symlink, and following
        // one here could loop.
        let subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
            .map(|entry| entry.path())
            .collect();
        for sub in subdirs {
            self.watch_tree(&sub)?;
        }
        Ok(())
    }

    /// Whether an event path concerns the watched directory itself or one of its ancestors
    /// (not something inside it, nor a sibling).
    pub fn is_dir_or_ancestor(&self, path: &Path) -> bool {
        self.dir.starts_with(path) || self.targets.iter().any(|t| t.starts_with(path))
    }

    /// The watched directory, absolute.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn map_error(path: &Path, e: notify::Error) -> WatchError {
    match &e.kind {
        notify::ErrorKind::MaxFilesWatch => WatchError::TooManyWatches {
            path: path.to_path_buf(),
        },
        notify::ErrorKind::Io(io) if io.raw_os_error() == Some(28) => WatchError::TooManyWatches {
            path: path.to_path_buf(),
        },
        notify::ErrorKind::Io(io) if io.raw_os_error() == Some(24) => WatchError::TooManyHandles,
        _ => WatchError::Other {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
    }
}

/// How long a file written to and not closed yet is left unread after its last write: its
/// writer may be halfway (a slow upload, a `cp` of a big file), and a feed reader that fetched
/// the half would keep it, as an item's content rarely changes under the same id.
pub const WRITE_SETTLE: Duration = Duration::from_secs(5);

/// Longest a file written to and not closed is left unread however often it is written: one
/// kept open and written every few seconds (a log, a sync tool) is still published.
pub const WRITE_HOLD_MAX: Duration = Duration::from_secs(60);

/// Raw events into batches of paths to look at.
pub struct Debouncer {
    rx: Events,
    signal: Arc<Signal>,
    debounce: Duration,
    max_delay: Duration,
    /// Files written to and not closed since, with their first and last write: left out of
    /// batches until closed, removed or renamed, [`WRITE_SETTLE`] after their last write, or
    /// [`WRITE_HOLD_MAX`] after their first. An editor writes and closes at once, so its save is
    /// in the batch its close ends.
    open: HashMap<PathBuf, (Instant, Instant)>,
}

impl Debouncer {
    pub fn new(rx: Events, signal: Arc<Signal>, debounce: Duration, max_delay: Duration) -> Self {
        Debouncer {
            rx,
            signal,
            debounce,
            max_delay,
            open: HashMap::new(),
        }
    }

    /// Wait for the next batch: it starts with the first event (or rescan flag) and ends once no
    /// event came for `debounce`, or at the latest `max_delay` after it started, so a file that
    /// keeps changing cannot postpone publishing forever. Files still being written are left for
    /// a later batch (see [`Debouncer::open`]); a batch left with nothing is not one. Returns
    /// `None` when the watcher is gone.
    pub async fn next(&mut self) -> Option<Batch> {
        loop {
            let mut batch = Batch::default();
            let settled = self.open.values().map(|&times| settles_at(times)).min();
            tokio::select! {
                change = self.rx.recv() => self.note(&mut batch, change?),
                _ = self.signal.wake.notified() => {}
                _ = tokio::time::sleep_until(settled.unwrap_or_else(Instant::now)), if settled.is_some() => {}
            }
            let start = Instant::now();
            let hard = start + self.max_delay;
            let mut quiet = start + self.debounce;
            loop {
                let deadline = quiet.min(hard);
                tokio::select! {
                    change = self.rx.recv() => match change {
                        Some(change) => {
                            self.note(&mut batch, change);
                            quiet = Instant::now() + self.debounce;
                        }
                        None => break,
                    },
                    _ = self.signal.wake.notified() => quiet = Instant::now() + self.debounce,
                    _ = tokio::time::sleep_until(deadline) => break,
                }
            }
            batch.rescan = self.signal.rescan.swap(false, Ordering::SeqCst);
            let now = Instant::now();
            self.open.retain(|path, times| {
                let settled = now >= settles_at(*times);
                if settled {
                    batch.paths.insert(path.clone());
                }
                !settled
            });
            batch.paths.retain(|p| !self.open.contains_key(p));
            self.share_open();
            if batch.rescan || !batch.paths.is_empty() {
                return Some(batch);
            }
        }
    }

    fn note(&mut self, batch: &mut Batch, change: Change) {
        for path in change.paths {
            match change.kind {
                // A directory's "data" changes when entries come and go, and `tar` sets its
                // times that way: no writer holds it open, so it is not held back (its new
                // files would wait with it).
                Kind::Written if !self.open.contains_key(&path) && path.is_dir() => {}
                Kind::Written => {
                    let now = Instant::now();
                    self.open
                        .entry(path.clone())
                        .and_modify(|(_, last)| *last = now)
                        .or_insert((now, now));
                }
                Kind::Closed | Kind::Gone => {
                    self.open.remove(&path);
                }
                Kind::Other => {}
            }
            batch.paths.insert(path);
        }
        self.share_open();
    }

    /// Tell walks which files are held back now.
    fn share_open(&self) {
        let mut writing = self
            .signal
            .writing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if writing.len() != self.open.len() || self.open.keys().any(|p| !writing.contains(p)) {
            *writing = self.open.keys().cloned().collect();
        }
    }
}

/// When a file written to and not closed, first and last written at `times`, is read anyway.
fn settles_at((first, last): (Instant, Instant)) -> Instant {
    (last + WRITE_SETTLE).min(first + WRITE_HOLD_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn change(kind: Kind, name: &str) -> Change {
        Change {
            kind,
            paths: vec![PathBuf::from(name)],
        }
    }

    fn debouncer(rx: Events, signal: &Arc<Signal>, debounce: u64, max: u64) -> Debouncer {
        Debouncer::new(rx, Arc::clone(signal), ms(debounce), ms(max))
    }

    fn paths(batch: Option<Batch>) -> Vec<PathBuf> {
        batch
            .map(|b| b.paths.into_iter().collect())
            .unwrap_or_default()
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_period_ends_the_batch() {
        let (tx, rx) = mpsc::channel(8);
        let signal = Arc::new(Signal::default());
        let sender = tokio::spawn(async move {
            for name in ["a", "b", "a"] {
                let _ = tx.send(change(Kind::Other, name)).await;
                tokio::time::sleep(ms(10)).await;
            }
            tokio::time::sleep(ms(1000)).await;
        });
        let t0 = Instant::now();
        let batch = debouncer(rx, &signal, 20, 500).next().await;
        assert_eq!(paths(batch), vec![PathBuf::from("a"), PathBuf::from("b")]);
        assert_eq!(
            t0.elapsed(),
            ms(40),
            "20 ms after the last of three events 10 ms apart"
        );
        sender.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn a_steady_stream_is_cut_at_max_delay() {
        let (tx, rx) = mpsc::channel(8);
        let signal = Arc::new(Signal::default());
        let sender = tokio::spawn(async move {
            loop {
                if tx.send(change(Kind::Other, "busy")).await.is_err() {
                    break;
                }
                tokio::time::sleep(ms(5)).await;
            }
        });
        let t0 = Instant::now();
        assert!(debouncer(rx, &signal, 20, 100).next().await.is_some());
        assert_eq!(t0.elapsed(), ms(100));
        sender.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn a_file_still_being_written_waits_for_its_close() {
        let (tx, rx) = mpsc::channel(8);
        let signal = Arc::new(Signal::default());
        let sender = tokio::spawn(async move {
            // An editor's save: written and closed at once.
            let _ = tx.send(change(Kind::Written, "saved.md")).await;
            let _ = tx.send(change(Kind::Closed, "saved.md")).await;
            // A slow upload: half, a pause, the rest, then the close.
            let _ = tx.send(change(Kind::Written, "upload.txt")).await;
            tokio::time::sleep(ms(500)).await;
            let _ = tx.send(change(Kind::Written, "upload.txt")).await;
            tokio::time::sleep(ms(500)).await;
            let _ = tx.send(change(Kind::Closed, "upload.txt")).await;
            tokio::time::sleep(ms(100_000)).await;
        });
        let mut d = debouncer(rx, &signal, 20, 100);
        let t0 = Instant::now();
        assert_eq!(paths(d.next().await), vec![PathBuf::from("saved.md")]);
        assert_eq!(t0.elapsed(), ms(20));
        assert_eq!(paths(d.next().await), vec![PathBuf::from("upload.txt")]);
        assert_eq!(t0.elapsed(), ms(1_020), "20 ms after the close");
        sender.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn walks_are_told_what_is_held_and_a_directory_is_never_held() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sub = dir.path().join("d1");
        std::fs::create_dir(&sub).expect("mkdir");
        let (tx, rx) = mpsc::channel(8);
        let signal = Arc::new(Signal::default());
        let (file, held_dir) = (dir.path().join("upload.md"), sub.clone());
        let sender = tokio::spawn(async move {
            let _ = tx
                .send(change(Kind::Written, &held_dir.to_string_lossy()))
                .await;
            let _ = tx
                .send(change(Kind::Written, &file.to_string_lossy()))
                .await;
            tokio::time::sleep(ms(100_000)).await;
        });
        let mut d = debouncer(rx, &Arc::clone(&signal), 20, 100);
        let t0 = Instant::now();
        // The directory (`tar` setting its times) comes at once; the file waits.
        assert_eq!(paths(d.next().await), vec![sub]);
        assert_eq!(t0.elapsed(), ms(20));
        assert_eq!(
            signal.writing(),
            HashSet::from([dir.path().join("upload.md")])
        );
        sender.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn a_file_left_open_is_read_once_writes_stop_for_a_while() {
        let (tx, rx) = mpsc::channel(8);
        let signal = Arc::new(Signal::default());
        let sender = tokio::spawn(async move {
            let _ = tx.send(change(Kind::Written, "kept-open.md")).await;
            tokio::time::sleep(ms(1_000)).await;
            let _ = tx.send(change(Kind::Written, "kept-open.md")).await;
            // Written, then renamed over by another file: that one is complete.
            let _ = tx.send(change(Kind::Written, "replaced.md")).await;
            let _ = tx.send(change(Kind::Gone, "replaced.md")).await;
            tokio::time::sleep(ms(100_000)).await;
        });
        let mut d = debouncer(rx, &signal, 20, 100);
        let t0 = Instant::now();
        assert_eq!(paths(d.next().await), vec![PathBuf::from("replaced.md")]);
        assert_eq!(paths(d.next().await), vec![PathBuf::from("kept-open.md")]);
        let settled = ms(1_000) + WRITE_SETTLE;
        assert!(
            t0.elapsed() >= settled && t0.elapsed() <= settled + ms(20),
            "{:?}",
            t0.elapsed()
        );
        sender.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn a_file_written_on_and_on_without_a_close_is_read_after_a_minute() {
        let (tx, rx) = mpsc::channel(8);
        let signal = Arc::new(Signal::default());
        let sender = tokio::spawn(async move {
            loop {
                if tx.send(change(Kind::Written, "log.md")).await.is_err() {
                    break;
                }
                tokio::time::sleep(ms(2_000)).await;
            }
        });
        let t0 = Instant::now();
        let batch = debouncer(rx, &signal, 20, 100).next().await;
        assert_eq!(paths(batch), vec![PathBuf::from("log.md")]);
        assert!(
            t0.elapsed() >= WRITE_HOLD_MAX && t0.elapsed() <= WRITE_HOLD_MAX + ms(2_100),
            "{:?}",
            t0.elapsed()
        );
        sender.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn a_raised_flag_makes_a_rescan_batch() {
        let (_tx, rx) = mpsc::channel::<Change>(8);
        let signal = Arc::new(Signal::default());
        let s = Arc::clone(&signal);
        tokio::spawn(async move {
            tokio::time::sleep(ms(5)).await;
            s.raise();
        });
        let batch = debouncer(rx, &signal, 20, 100).next().await;
        assert_eq!(
            batch,
            Some(Batch {
                paths: BTreeSet::new(),
                rescan: true
            })
        );
        assert!(
            !signal.rescan.load(Ordering::SeqCst),
            "the flag is consumed"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_closed_channel_ends_watching() {
        let (tx, rx) = mpsc::channel::<Change>(8);
        drop(tx);
        let signal = Arc::new(Signal::default());
        assert_eq!(debouncer(rx, &signal, 20, 100).next().await, None);
    }

    #[test]
    fn the_dir_itself_is_recognised() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let dir = tmp.path().join("arts");
        std::fs::create_dir(&dir)?;
        let (w, _rx, _sig) = start(&dir, 0)?;
        assert!(w.is_dir_or_ancestor(&dir));
        assert!(w.is_dir_or_ancestor(tmp.path()));
        assert!(!w.is_dir_or_ancestor(&dir.join("a.md")));
        assert!(!w.is_dir_or_ancestor(&tmp.path().join("other")));
        Ok(())
    }
}
