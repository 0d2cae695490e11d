//! The daemon's out-dir writer: a task of its own, so writing files (and compressing the hot
//! feeds) never holds up the next rebuild.
//!
//! The engine loop publishes each snapshot to the server and hands it here through a `watch`
//! channel, which keeps only the newest: when snapshots arrive faster than they can be written,
//! the ones in between are skipped (each write makes the whole out dir match its snapshot).
//! A failed write (disk full, read-only mount) is retried every [`RETRY`] until it succeeds or
//! a newer snapshot replaces it, so the out dir does not stay stale when space returns while no
//! article changes.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::gzip;
use crate::output::{Output, WriteError, WriteStats};
use crate::server::Metrics;
use crate::site::Site;

/// How long to wait before writing a snapshot again after a failed write.
pub const RETRY: Duration = Duration::from_secs(2);

/// One snapshot to write, and where.
#[derive(Clone)]
pub struct Job {
    pub site: Arc<Site>,
    pub out_dir: PathBuf,
    /// Whether to look at every file on disk rather than trust what this process wrote last:
    /// the out dir may have been changed behind its back (deleted, files removed or edited).
    pub check_disk: bool,
}

/// Write each newest job until the sender is dropped.
pub async fn run(mut jobs: watch::Receiver<Option<Job>>, metrics: Arc<Metrics>) {
    let mut output: Option<Output> = None;
    let mut gzips = Gzips::default();
    let mut retry = false;
    loop {
        if retry {
            // Retry the same job after a while, or move on to a newer one.
            tokio::select! {
                changed = jobs.changed() => if changed.is_err() { return },
                () = tokio::time::sleep(RETRY) => {}
            }
        } else if jobs.changed().await.is_err() {
            return;
        }
        let Some(job) = jobs.borrow_and_update().clone() else {
            continue;
        };
        let out = output.take().filter(|_| !job.check_disk);
        let mut gz = std::mem::take(&mut gzips);
        let written = tokio::task::spawn_blocking(move || {
            let mut out = match out {
                Some(o) if o.dir() == job.out_dir => o,
                _ => Output::open(&job.out_dir),
            };
            let result = write(&mut out, &mut gz, &job.site);
            // Removed files mean a site that shrank: what the writer let go of (its record
            // of the last snapshot's assets, the articles they held) goes back to the kernel.
            if result.as_ref().is_ok_and(|stats| stats.removed > 0) {
                drop(job);
                crate::limits::release_freed_memory();
            }
            (out, gz, result)
        })
        .await;
        let result = match written {
            Ok((out, gz, result)) => {
                output = Some(out);
                gzips = gz;
                result
            }
            // The write panicked: a bug. Re-raise it rather than run on without a writer.
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        retry = match result {
            Ok(stats) => {
                tracing::debug!(?stats, "out dir written");
                false
            }
            Err(e) => {
                metrics.record_write_error();
                tracing::error!(
                    "{e}; still serving from memory, retrying in {} s",
                    RETRY.as_secs()
                );
                true
            }
        };
    }
}

/// What was deflated for each hot feed last time, so an edit recompresses only what changed.
type Gzips = HashMap<&'static str, gzip::Cache>;

/// Compress the feeds every reader polls (and copy them into memfds for `sendfile`), then write
/// what changed.
fn write(out: &mut Output, gzips: &mut Gzips, site: &Site) -> Result<WriteStats, WriteError> {
    for key in crate::render::HOT_KEYS {
        if let Some(asset) = site.get(key) {
            asset.precompress_with(gzips.entry(key).or_default());
            asset.keep_in_memfd();
        }
    }
    out.write(site)
}
