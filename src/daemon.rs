//! `feedpub serve`: the daemon loop.
//!
//! Order of start-up matters: bind the socket (so `/healthz` answers 503 at once), load the
//! articles, start the watcher while the first build is published, then rescan (compare every
//! file's fingerprint with the one it was read at) and publish again if anything differs. So a
//! file written once the watch is in place is seen by the watcher, and one written before
//! (during the load, or as `/healthz` turns 200) by the rescan. The watcher does not run during
//! the load because inotify reports every open, our own reads included: at 100,000 articles
//! waking its thread for each cost ~15% of the start. After that one loop reacts to three
//! things: a debounced batch of changed paths, the timer of the next future-dated article, and
//! signals (SIGHUP reloads the config and rescans; SIGTERM/SIGINT shut down gracefully). After a
//! first start it also parses the bodies that start left for after, a thousand or so at a time,
//! so an edit or a signal meanwhile waits for one such step, not for all of them.
//! SIGTERM/SIGINT during start-up stop it where it is: nothing it has done yet needs saving.
//!
//! The loop is the only writer: it owns the [`Engine`] and publishes each new snapshot with one
//! `watch::Sender::send_replace`, so requests always see one complete build. The snapshot then
//! goes to the out-dir writer ([`crate::writer`]), a task of its own, so the next rebuild never
//! waits for files to be written.
//!
//! Under systemd ([`crate::systemd`]) the socket may come from socket activation, and the loop
//! reports `READY=1` after the first publish, `STATUS=` after each, `RELOADING=1`/`READY=1`
//! around a SIGHUP reload and `STOPPING=1` on shutdown; outside systemd these do nothing.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{mpsc, oneshot, watch};

use crate::config::{base_url_for, Config, ConfigError, Overrides};
use crate::engine::{Completion, Engine};
use crate::limits;
use crate::server::{self, Metrics};
use crate::site::Site;
use crate::systemd;
use crate::watch::{self as fswatch, Batch};
use crate::writer;

/// Longest single sleep of the publication timer: the wall clock can jump (NTP, suspend), so
/// the due time is re-checked at least this often.
const MAX_TIMER: Duration = Duration::from_secs(3600);
/// Pending bodies parsed in one go after a first start (see [`Engine::complete_some`]): 50-90
/// ms on two cores, the longest an edit or a signal waits for them.
const COMPLETE_AT_ONCE: usize = 1024;
/// A batch that removes articles is held back until removals stop for this long: `rm -rf` of
/// a large articles dir takes longer than a batch, and publishing its first batches would
/// leave a random part of the site published when the directory itself goes (which keeps the
/// last build published). See [`RemovalHold`].
const REMOVAL_SETTLE: Duration = Duration::from_secs(1);
/// The longest a hold lasts, however long removals (or the copy that brings the directory
/// back) go on: then what there is gets published, and each change after it as it comes.
const REMOVAL_HOLD_MAX: Duration = Duration::from_secs(10);

/// Publishing held back for removals (see [`REMOVAL_SETTLE`]).
#[derive(Default)]
struct RemovalHold {
    /// When to publish: once the removals (or, after the directory went, the files that bring
    /// it back) have been quiet for [`REMOVAL_SETTLE`], at most [`REMOVAL_HOLD_MAX`] after the
    /// hold began.
    until: Option<tokio::time::Instant>,
    since: Option<tokio::time::Instant>,
    /// The hold ended with the directory gone: nothing is published until it is back, and then
    /// not before the copy bringing it back settles (`rm -rf articles && cp -r new articles`).
    frozen: bool,
}

impl RemovalHold {
    fn extend(&mut self) {
        let now = tokio::time::Instant::now();
        let since = *self.since.get_or_insert(now);
        self.until = Some((now + REMOVAL_SETTLE).min(since + REMOVAL_HOLD_MAX));
    }

    fn end(&mut self) {
        self.until = None;
        self.since = None;
    }

    /// Whether publishing now could show a removal half done (a SIGHUP, an article coming
    /// due, or a rescan meanwhile publish nothing; the hold publishes them).
    fn blocks(&self, engine: &Engine) -> bool {
        self.until.is_some() || (self.frozen && engine.is_away())
    }
}
/// How long an exit waits for blocking work still running after the shutdown's own deadlines.
const LEFTOVER_WORK: Duration = Duration::from_secs(1);
/// Pending connections the kernel may queue before we accept them.
const LISTEN_BACKLOG: u32 = 4096;

/// A fatal start-up problem.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot use the socket passed by systemd: {0}")]
    Inherited(std::io::Error),
    #[error(transparent)]
    Watch(#[from] fswatch::WatchError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("{0} stopped unexpectedly")]
    Stopped(&'static str),
    #[error("cannot install signal handlers: {0}")]
    Signals(std::io::Error),
    #[error("{}: another feedpub is serving this out dir; give each daemon its own feeds.out_dir", .0.display())]
    OutDirInUse(std::path::PathBuf),
}

/// Run the daemon until SIGTERM/SIGINT. Exit 0 after a clean shutdown, 1 on a fatal error.
pub fn serve(config: Config, overrides: Overrides) -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.server.workers())
        .enable_all()
        .build();
    let result = match runtime {
        Ok(rt) => {
            let result = rt.block_on(run(config, overrides));
            // A start-up stopped half-way leaves its parse on a blocking thread, which dropping
            // the runtime would wait for; whatever it writes is written atomically.
            rt.shutdown_timeout(LEFTOVER_WORK);
            result
        }
        Err(e) => Err(DaemonError::Runtime(e)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::from(1)
        }
    }
}

async fn run(mut config: Config, overrides: Overrides) -> Result<(), DaemonError> {
    let mut hup = signal(SignalKind::hangup()).map_err(DaemonError::Signals)?;
    let mut term = signal(SignalKind::terminate()).map_err(DaemonError::Signals)?;
    let mut int = signal(SignalKind::interrupt()).map_err(DaemonError::Signals)?;

    let _out_dir_lock = lock_out_dir(&config.feeds.out_dir)?;
    let listeners = bind(config.server.listen).await?;
    let addrs = listeners
        .iter()
        .map(tokio::net::TcpListener::local_addr)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| DaemonError::Bind {
            addr: config.server.listen,
            source,
        })?;
    // The first socket names the site when no base_url says.
    let addr = addrs.first().copied().unwrap_or(config.server.listen);
    if !config.site.base_url_explicit {
        config.site.base_url = base_url_for(addr);
        if !addr.ip().is_loopback() {
            tracing::warn!(base_url = %config.site.base_url, "site.base_url is not set: the links in the feeds and pages point at this address; set it to the site's public URL");
        }
    }
    for addr in &addrs {
        tracing::info!("listening on http://{addr}");
    }

    let (site_tx, site_rx) = watch::channel::<Option<Arc<Site>>>(None);
    let metrics = Arc::new(Metrics::default());
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let state = server::State::new(site_rx, Arc::clone(&metrics), config.server.clone());
    let mut server = tokio::spawn(server::run(listeners, state, async move {
        let _ = stop_rx.await;
    }));

    // Pings run on the runtime from now on, so a stalled runtime stops them.
    let _watchdog = systemd::spawn_watchdog();

    // Writing the out dir runs beside the engine loop, never in the way of the next rebuild.
    let (job_tx, job_rx) = watch::channel::<Option<writer::Job>>(None);
    let mut writer = tokio::spawn(writer::run(job_rx, Arc::clone(&metrics)));
    let tx = Publish {
        site: site_tx,
        writer: job_tx,
        metrics: Arc::clone(&metrics),
    };

    // Start-up parses every article (seconds at 100,000, longer from a cold disk): a stop asked
    // for meanwhile is not kept waiting for it. Nothing is lost by dropping it half-way: the out
    // dir gets complete snapshots only, and a parse cache is only ever replaced whole.
    let started = tokio::select! {
        started = start_up(&config, &tx) => Some(started?),
        _ = term.recv() => { tracing::info!("SIGTERM during start-up: shutting down"); None }
        _ = int.recv() => { tracing::info!("SIGINT during start-up: shutting down"); None }
    };
    let Some(Started {
        mut engine,
        mut next_due,
        mut watcher,
        mut batches,
        signal,
        mut completing,
        cache_outdated,
    }) = started
    else {
        return shut_down(&config, stop_tx, server, tx, writer, None).await;
    };
    let mut cache_dirty = false;
    let mut hold = RemovalHold::default();

    loop {
        let timer = next_due.filter(|_| !hold.blocks(&engine)).map(|due| {
            (due - crate::clock::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(MAX_TIMER)
        });
        let busy_retry = engine.has_busy().then_some(BUSY_RETRY);
        tokio::select! {
            biased;
            batch = batches.recv() => {
                let Some(batch) = batch else {
                    return Err(DaemonError::Stopped("the file watcher"));
                };
                // An event on the directory itself (deleted, recreated, moved, replaced by a
                // symlink) or on an ancestor (the parent deleted, moved, or back) invalidates
                // the watch: watch it again and walk it all. So does a directory event while
                // the watch leaves out an unreadable directory (one there at the start, or one
                // that arrived unreadable, which notify skips silently): it may be a new one or
                // that one opened (and events while the watch is redone are lost).
                let regrow = (watcher.is_partial() || engine.has_unreadable_dir())
                    && batch.paths.iter().any(|p| p.starts_with(watcher.dir()) && p.is_dir());
                let dir_event = batch.paths.iter().any(|p| watcher.is_dir_or_ancestor(p));
                let rescan = batch.rescan || regrow || dir_event;
                // The parent watch also reports siblings of the directory: nothing to do for them.
                if !rescan && !batch.paths.iter().any(|p| p.starts_with(watcher.dir())) {
                    continue;
                }
                if rescan {
                    if let Err(e) = watcher.rewatch() {
                        tracing::error!("{e}");
                    }
                }
                let changed;
                let held = signal.writing();
                let (before, upserted) = (engine.len(), engine.upserted());
                let kept = engine.store().last_good().count();
                // The directory away before this batch: what brings it back is a copy in
                // progress (`rm -rf articles && cp -r new articles`), to be let settle.
                let was_away = engine.is_away() || engine.found_away();
                (engine, changed) = blocking(engine, move |e| {
                    let e = e.hold(held);
                    if rescan {
                        e.rescan() > 0
                    } else {
                        e.apply(batch.paths.iter().map(|p| p.as_path())) > 0
                    }
                }).await;
                // The directory went (or was replaced) during a hold: what comes next brings it
                // back.
                if hold.until.is_some() && (dir_event || engine.is_away()) {
                    hold.frozen = true;
                }
                // Nothing to publish when nothing changed: poll mode's idle intervals, a `touch`,
                // a save of the same text.
                if changed {
                    cache_dirty = true;
                    save_cache_if_kept_more(&engine, kept);
                    // An edit or a new article is published at once (ending a hold); a removal
                    // waits for the removals to stop.
                    let removed = engine.len() < before && engine.upserted() == upserted;
                    if removed || hold.frozen || was_away {
                        hold.extend();
                        // The directory replaced or back: the rest of it is on its way.
                        hold.frozen |= was_away || dir_event;
                    } else {
                        hold.end();
                        (engine, next_due) = publish(engine, &tx).await;
                    }
                } else if hold.frozen && hold.until.is_some() {
                    // The copy bringing the directory back writes images or other files too:
                    // it is still going.
                    hold.extend();
                }
            }
            _ = sleep_until_opt(hold.until) => {
                hold.end();
                if engine.is_away() {
                    if !hold.frozen {
                        tracing::warn!(
                            "the articles directory went away while its files were being removed; keeping the last build published until it is back"
                        );
                    }
                    hold.frozen = true;
                } else {
                    hold.frozen = false;
                    (engine, next_due) = publish(engine, &tx).await;
                }
            }
            _ = sleep_opt(timer) => {
                (engine, next_due) = publish(engine, &tx).await;
            }
            // Files that could not be read for want of file descriptors or memory: again.
            _ = sleep_opt(busy_retry) => {
                let changed;
                let held = signal.writing();
                (engine, changed) = blocking(engine, |e| e.hold(held).rescan()).await;
                if changed > 0 {
                    cache_dirty = true;
                    if !hold.blocks(&engine) {
                        (engine, next_due) = publish(engine, &tx).await;
                    }
                }
            }
            _ = hup.recv() => {
                tracing::info!("SIGHUP: reloading the config and rescanning");
                systemd::reloading();
                let mut reload_error = None;
                let reloaded = match Config::load(&overrides).and_then(|new| new_dir_readable(&config, new)) {
                    Ok(mut new) => {
                        if new.server != config.server || new.watch != config.watch {
                            tracing::warn!("[server] and [watch] settings take effect after a restart; the rest is reloaded");
                        }
                        // `config` keeps describing the running daemon, so the next reload
                        // compares against what is in effect (and shutdown uses its grace).
                        new.server = config.server.clone();
                        new.watch = config.watch.clone();
                        if !new.site.base_url_explicit {
                            new.site.base_url = base_url_for(addr);
                        }
                        config = new.clone();
                        Some(new)
                    }
                    Err(e) => {
                        let why = format!("config not reloaded, keeping the old one: {e}");
                        tracing::error!("{why}");
                        reload_error = Some(why);
                        None
                    }
                };
                // Watched afresh before the walk, so nothing written in between is missed, and a
                // watch lost with a removed parent (`rm -rf` of the site) comes back.
                if let Err(e) = watcher.retarget(&config.articles.dir) {
                    tracing::error!("{e}");
                }
                let held = signal.writing();
                match reloaded {
                    // After a full reload, all parsed before anything is published: until then
                    // the old snapshot serves everything, where a first one without every body
                    // would make requests for tag feeds and pages wait. Otherwise what a first
                    // start left for after stays the loop's, a step at a time.
                    Some(new) => {
                        let full;
                        (engine, full) = blocking(engine, move |e| {
                            let full = e.hold(held).reconfigure(new);
                            if full {
                                e.complete();
                            }
                            full
                        })
                        .await;
                        completing &= !full;
                        cache_dirty = true;
                    }
                    None => (engine, _) = blocking(engine, |e| e.hold(held).rescan()).await,
                }
                // Not a removal half done: the hold publishes it, with the new config.
                if !hold.blocks(&engine) {
                    (engine, next_due) = publish(engine, &tx).await;
                }
                // And the out dir is made whole again, should files have gone from it.
                tx.writer.send_modify(|job| {
                    if let Some(job) = job {
                        job.check_disk = true;
                    }
                });
                systemd::ready();
                if let Some(e) = reload_error {
                    systemd::status_text(&e);
                }
            }
            _ = term.recv() => { tracing::info!("SIGTERM: shutting down"); break; }
            _ = int.recv() => { tracing::info!("SIGINT: shutting down"); break; }
            res = &mut writer => {
                tracing::error!("out-dir writer result: {res:?}");
                return Err(DaemonError::Stopped("the out-dir writer"));
            }
            res = &mut server => {
                // The server only returns on shutdown; stopping early is fatal, so that
                // `Restart=on-failure` restarts us.
                tracing::error!("HTTP server result: {res:?}");
                return Err(DaemonError::Stopped("the HTTP server"));
            }
            // Last, so that anything else comes first. The feeds are out: now, a thousand or
            // so at a time, the bodies a first start left for after, and with the last of them
            // the tag feeds and article pages.
            () = std::future::ready(()), if completing => {
                let progress;
                (engine, progress) =
                    blocking(engine, |e| e.complete_some(COMPLETE_AT_ONCE)).await;
                if let Completion::Done { cache_outdated: outdated } = progress {
                    completing = false;
                    if !hold.blocks(&engine) {
                        (engine, next_due) = publish(engine, &tx).await;
                        tracing::info!(
                            articles = engine.len(),
                            "every body parsed; tag feeds and pages published"
                        );
                    }
                    if let Some(job) = engine
                        .cache_job(crate::clock::now())
                        .filter(|_| outdated || cache_outdated)
                    {
                        tokio::spawn(save_cache(job));
                    }
                }
            }
        }
    }
    // Not while the directory is away: the store may have lost what `rm -rf` removed before
    // the directory went, and the cache on disk still holds the last build's articles.
    let cache = engine
        .cache_job(crate::clock::now())
        .filter(|_| cache_dirty && !engine.is_blind());
    shut_down(&config, stop_tx, server, tx, writer, cache).await
}

/// The lock a daemon holds on its out dir, in it, for as long as it runs.
const LOCK_FILE: &str = ".feedpub-lock";

/// Hold `dir` for this daemon: two on one out dir would each overwrite the other's files (one
/// site's RSS beside the other's Atom) and throw away each other's parse cache. An out dir
/// that cannot be locked (read-only, not made yet and not makeable) is only warned about:
/// the daemon serves from memory without it.
fn lock_out_dir(dir: &std::path::Path) -> Result<Option<std::fs::File>, DaemonError> {
    let path = dir.join(LOCK_FILE);
    let opened = std::fs::create_dir_all(dir).and_then(|()| {
        std::fs::File::options()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
    });
    let not_checked = |e: &dyn std::fmt::Display| {
        tracing::warn!(
            "{}: cannot lock the out dir ({e}); not checking for another feedpub on it",
            path.display()
        );
    };
    let file = match opened {
        Ok(file) => file,
        Err(e) => {
            not_checked(&e);
            return Ok(None);
        }
    };
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor this function owns; the lock goes with the file.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(Some(file));
    }
    match std::io::Error::last_os_error() {
        e if e.kind() == std::io::ErrorKind::WouldBlock => Err(DaemonError::OutDirInUse(path)),
        e => {
            not_checked(&e);
            Ok(None)
        }
    }
}

/// What start-up hands the daemon loop.
struct Started {
    engine: Engine,
    /// When the next future-dated article is due.
    next_due: Option<chrono::DateTime<Utc>>,
    watcher: fswatch::DirWatcher,
    batches: mpsc::Receiver<Batch>,
    /// Shared with the debouncer: which files it holds back as still being written.
    signal: Arc<fswatch::Signal>,
    /// Whether bodies a first start left for after are still to be parsed (by the loop). Not
    /// [`Engine::is_pending`]: bodies whose directory is away stay pending once the steps are
    /// done, and wait for the rescan when it is back, not for more steps.
    completing: bool,
    /// Whether the load left the parse cache outdated.
    cache_outdated: bool,
}

/// Load the articles, publish the first snapshot, start the watcher, and rescan (see the module
/// docs for why in this order). What a first start leaves for after is the loop's.
async fn start_up(config: &Config, tx: &Publish) -> Result<Started, DaemonError> {
    let (engine, loaded) = blocking(
        Engine::new(config.clone()).deferring().keeping_last_good(),
        |e| e.try_load_all(),
    )
    .await;
    // The watcher starts after the load, while the first build renders: notify's recursive
    // watch looks at every file (0.3 s at 100,000 articles). It is in place before the rescan.
    let (dir, poll_ms) = (config.articles.dir.clone(), config.watch.poll_interval_ms);
    let watching = tokio::task::spawn_blocking(move || fswatch::start(&dir, poll_ms));
    let (mut engine, mut next_due, loaded) = match loaded {
        Ok(loaded) => {
            let (engine, next_due) = publish(engine, tx).await;
            tracing::info!(
                articles = engine.len(),
                parsed = loaded.parsed,
                from_cache = loaded.from_cache,
                "first build published"
            );
            (engine, next_due, loaded)
        }
        // Nor a parse cache to publish from (see `Engine::try_load_all`): an empty build would
        // empty every feed and delete every page in the out dir.
        Err(e) => {
            tracing::error!(path = %config.articles.dir.display(), reason = %e, "cannot read the articles directory, and no parse cache to publish from: nothing is published, and the out dir is left as it is, until it can be read");
            systemd::status_text(&format!(
                "waiting for the articles directory {}: {e}; nothing is published until it can be read",
                config.articles.dir.display()
            ));
            (engine, None, crate::engine::LoadStats::default())
        }
    };
    let (watcher, events, signal) = match watching.await {
        Ok(started) => started?,
        Err(panic) => std::panic::resume_unwind(panic.into_panic()),
    };
    let (batch_tx, batches) = mpsc::channel::<Batch>(1);
    let debounce = Duration::from_millis(config.watch.debounce_ms);
    let max_delay = Duration::from_millis(config.watch.max_delay_ms);
    tokio::spawn(debouncer(
        events,
        Arc::clone(&signal),
        debounce,
        max_delay,
        batch_tx,
    ));
    // The snapshot is published (`/healthz` is 200) and the socket listens: tell systemd.
    systemd::ready();
    // What changed during the load, before the watcher was there to see it.
    let changed;
    let held = signal.writing();
    (engine, changed) = blocking(engine, |e| e.hold(held).rescan()).await;
    if changed > 0 {
        tracing::info!(
            paths = changed,
            "articles changed while loading; publishing them"
        );
        (engine, next_due) = publish(engine, tx).await;
    }
    // The parse cache is saved when the start had to parse (by the loop, once every body a
    // first start left for after is parsed), and at shutdown after changes.
    let completing = engine.is_pending();
    if !completing && loaded.cache_outdated {
        if let Some(job) = engine.cache_job(crate::clock::now()) {
            tokio::spawn(save_cache(job));
        }
    }
    Ok(Started {
        engine,
        next_due,
        watcher,
        batches,
        signal,
        completing,
        cache_outdated: loaded.cache_outdated,
    })
}

/// Stop serving (in-flight responses get the grace period) while the out-dir writer finishes
/// the newest snapshot and `cache` is saved, all three within the same grace period: a stop
/// takes at most that long (plus the runtime's [`LEFTOVER_WORK`]), however big the site.
async fn shut_down(
    config: &Config,
    stop_tx: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    tx: Publish,
    writer: tokio::task::JoinHandle<()>,
    cache: Option<crate::cache::Job>,
) -> Result<(), DaemonError> {
    systemd::stopping();
    let _ = stop_tx.send(());
    // Closing the snapshot's channel answers the requests a first start held for its pages
    // (503), which would otherwise keep the server waiting out its grace period; and it lets
    // the out-dir writer finish its last snapshot meanwhile.
    drop(tx);
    let grace = Duration::from_millis(config.server.shutdown_grace_ms) + Duration::from_millis(500);
    let deadline = tokio::time::Instant::now() + grace;
    let cache = cache.map(|job| tokio::spawn(save_cache(job)));
    match tokio::time::timeout_at(deadline, server).await {
        Ok(_) => tracing::info!("stopped"),
        Err(_) => {
            tracing::warn!("connections still open after the shutdown grace period; closing them")
        }
    }
    // Both write atomically, so the worst a stop cuts short is an out dir one build behind
    // (the next start writes it) or a parse cache a little stale (the next start parses more).
    let cache = async {
        if let Some(save) = cache {
            if tokio::time::timeout_at(deadline, save).await.is_err() {
                tracing::warn!(
                    "the parse cache was still being saved at shutdown; the next start parses more"
                );
            }
        }
    };
    let flush = async {
        if tokio::time::timeout_at(deadline, writer).await.is_err() {
            tracing::warn!(
                "the out dir was still being written at shutdown; it may be one build behind"
            );
        }
    };
    tokio::join!(cache, flush);
    Ok(())
}

/// The sockets passed by systemd (socket activation) if there are any, else `addr` bound.
async fn bind(addr: SocketAddr) -> Result<Vec<tokio::net::TcpListener>, DaemonError> {
    let inherited = systemd::inherited_listeners().map_err(DaemonError::Inherited)?;
    if !inherited.is_empty() {
        tracing::info!(
            sockets = inherited.len(),
            "using the listening sockets passed by systemd; server.listen is not used"
        );
        return inherited
            .into_iter()
            .map(tokio::net::TcpListener::from_std)
            .collect::<Result<_, _>>()
            .map_err(DaemonError::Inherited);
    }
    let err = |source| DaemonError::Bind { addr, source };
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
    .map_err(err)?;
    socket.set_reuseaddr(true).map_err(err)?;
    socket.bind(addr).map_err(err)?;
    // A deep backlog absorbs connection storms while the accept loop catches up (tokio's
    // default is 1024; the kernel caps it at net.core.somaxconn).
    socket.listen(LISTEN_BACKLOG).map(|l| vec![l]).map_err(err)
}

/// Turn raw watcher events into debounced batches, one at a time.
async fn debouncer(
    events: fswatch::Events,
    signal: Arc<fswatch::Signal>,
    debounce: Duration,
    max_delay: Duration,
    tx: mpsc::Sender<Batch>,
) {
    let mut debouncer = fswatch::Debouncer::new(events, signal, debounce, max_delay);
    while let Some(batch) = debouncer.next().await {
        if tx.send(batch).await.is_err() {
            break;
        }
    }
}

/// Run `f` on the engine in a blocking thread (parsing, rendering and writing are CPU and disk
/// work that must not stall the HTTP workers), and hand the engine back with the result.
async fn blocking<F, R>(mut engine: Engine, f: F) -> (Engine, R)
where
    F: FnOnce(&mut Engine) -> R + Send + 'static,
    R: Send + 'static,
{
    match tokio::task::spawn_blocking(move || {
        let r = f(&mut engine);
        (engine, r)
    })
    .await
    {
        Ok(done) => done,
        // The closure panicked: a bug. Re-raise it rather than run on with a lost store.
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Where a rendered snapshot goes.
struct Publish {
    site: watch::Sender<Option<Arc<Site>>>,
    writer: watch::Sender<Option<writer::Job>>,
    metrics: Arc<Metrics>,
}

/// Render and publish the snapshot to the server, then hand it to the out-dir writer. Returns
/// when the next future-dated article is due.
async fn publish(engine: Engine, tx: &Publish) -> (Engine, Option<chrono::DateTime<Utc>>) {
    // A start that could read neither the directory nor a parse cache has nothing to publish
    // until the directory is back (a reload meanwhile included): an empty site would empty
    // every feed, served and in the out dir.
    let blind = engine.is_blind();
    if blind && !engine.has_rendered() && engine.is_empty() {
        return (engine, None);
    }
    let (site_tx, metrics) = (tx.site.clone(), Arc::clone(&tx.metrics));
    let (engine, (site, due, shrunk_from)) = blocking(engine, move |engine| {
        let r = engine.render(crate::clock::now());
        let before = site_tx.send_replace(Some(Arc::clone(&r.site)));
        let shrunk_from = before.filter(|b| r.site.article_count < b.article_count);
        metrics.record_rebuild(r.took, r.site.article_count, r.problems);
        systemd::status(r.site.article_count, r.took);
        (r.site, r.next_due, shrunk_from)
    })
    .await;
    // The out dir gets complete snapshots only: one without the pages still to come would
    // delete them there. Nor one taken from the parse cache while the directory is away: the
    // cache may lack the last versions the previous run wrote there (too recent to vouch for).
    if !site.incomplete() && !blind {
        tx.writer.send_replace(Some(writer::Job {
            site,
            out_dir: engine.config().feeds.out_dir.clone(),
            check_disk: false,
        }));
    }
    if let Some(old) = shrunk_from {
        tokio::spawn(release_when_unused(old));
    }
    (engine, due)
}

/// `new`, unless it moves the articles to a directory that cannot be read: a reload would then
/// publish nothing, emptying every feed (a typo in the path, a deploy not there yet). The same
/// directory away for a moment (mid-swap) is another matter: its last build stays published.
fn new_dir_readable(running: &Config, new: Config) -> Result<Config, ConfigError> {
    if new.articles.dir == running.articles.dir {
        return Ok(new);
    }
    match std::fs::read_dir(&new.articles.dir) {
        Ok(_) => Ok(new),
        Err(e) => Err(ConfigError::BadValue {
            path: new
                .file
                .as_deref()
                .map_or_else(|| "config".to_string(), |f| f.display().to_string()),
            key: "articles.dir".to_string(),
            reason: format!("{}: cannot read directory: {e}", new.articles.dir.display()),
        }),
    }
}

/// A file that broke keeps its last good version published, and only the parse cache keeps it
/// across a restart: saved now, a crash or power loss before the next clean stop loses nothing.
fn save_cache_if_kept_more(engine: &Engine, kept_before: usize) {
    // While a first start still parses bodies, the cache saved when they are all parsed
    // holds it; one saved now would lack those bodies.
    if engine.store().last_good().count() <= kept_before || engine.is_blind() || engine.is_pending()
    {
        return;
    }
    if let Some(job) = engine.cache_job(crate::clock::now()) {
        tokio::spawn(save_cache(job));
    }
}

/// Save the parse cache on a blocking thread; a failure only makes the next start slower.
/// One save at a time, in the order asked: an older one finishing last would leave its
/// snapshot on disk.
async fn save_cache(job: crate::cache::Job) {
    static SAVING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one_at_a_time = SAVING.lock().await;
    match tokio::task::spawn_blocking(move || job.save()).await {
        Ok(Ok(n)) => tracing::debug!(articles = n, "parse cache saved"),
        Ok(Err(e)) => {
            tracing::warn!("parse cache not saved (the next start parses every article): {e}")
        }
        Err(e) => tracing::warn!("parse cache not saved: {e}"),
    }
}

/// Drop a replaced, larger snapshot and hand its memory back to the kernel. Requests that began
/// before the swap still hold it while they build their response, and freeing it only then (after
/// a trim) would leave the daemon at its peak size; so wait until ours is the last reference.
async fn release_when_unused(old: Arc<Site>) {
    const MAX_WAIT: Duration = Duration::from_secs(10);
    let start = tokio::time::Instant::now();
    while Arc::strong_count(&old) > 1 && start.elapsed() < MAX_WAIT {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Freeing thousands of pages takes milliseconds: not on an async worker.
    let release = move || {
        drop(old);
        limits::release_freed_memory();
    };
    if let Err(e) = tokio::task::spawn_blocking(release).await {
        tracing::warn!("releasing freed memory failed: {e}");
    }
}

/// How soon files that could not be read for a shortage of the moment are tried again.
const BUSY_RETRY: Duration = Duration::from_secs(2);

async fn sleep_until_opt(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

async fn sleep_opt(d: Option<Duration>) {
    match d {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}
