//! Writing a [`Site`] snapshot to the out dir, each file atomically.
//!
//! Every file is written to a temp file in its own directory and renamed over the old one, so a
//! reader (nginx, a backup, a crash) only ever sees a complete old or a complete new file. The
//! feeds and pages feedpub wrote are listed in a manifest (`.feedpub-manifest`), so stale files it
//! wrote earlier are removed while files the user put there are left alone. The writer remembers
//! what it last wrote, so an incremental rebuild only touches the files that changed, and a failed
//! write is retried by the next rebuild.

use std::collections::BTreeMap;

use foldhash::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::site::{Asset, Site};

/// Name of the manifest in the out dir.
pub const MANIFEST: &str = ".feedpub-manifest";

/// A failed write, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot write: {source}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// What the manifest says of one file feedpub wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The identity ETag of its bytes.
    pub etag: String,
    /// The Last-Modified it was served with (whole seconds); `None` in a manifest written before
    /// feedpub noted it.
    pub last_modified: Option<SystemTime>,
}

/// The out dir and what feedpub last wrote into it.
#[derive(Debug)]
pub struct Output {
    dir: PathBuf,
    written: BTreeMap<String, Written>,
    /// The assets this process wrote (or found on disk) last, by key: the same `Arc` again
    /// means the same bytes, with no need to look at the file.
    last: HashMap<Arc<str>, Arc<Asset>>,
    /// Whether temp files left by a killed earlier run were looked for (on the first write).
    swept: bool,
}

/// What one [`Output::write`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub removed: usize,
    pub unchanged: usize,
}

impl Output {
    /// Open the out dir, reading the manifest of an earlier run when there is one.
    pub fn open(dir: &Path) -> Output {
        Output {
            dir: dir.to_path_buf(),
            written: read_manifest(dir),
            last: HashMap::default(),
            swept: false,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Make the out dir hold exactly `site` (plus files feedpub never wrote). Files whose
    /// content is already on disk are skipped: an asset that is the very one written last time
    /// (same `Arc`, as the incremental renderer hands back for anything unchanged) without
    /// touching the disk, any other when the manifest has its ETag and the file its bytes. On error the remaining files are still
    /// attempted, the first error is returned, and the failed files are retried by the next call.
    /// Files are written on every core: with thousands of pages the cost is per-file metadata
    /// work (create, rename), not bytes.
    pub fn write(&mut self, site: &Site) -> Result<WriteStats, WriteError> {
        let mut stats = WriteStats::default();
        let mut first_error: Option<WriteError> = None;
        let mut manifest_dirty = false;
        fs::create_dir_all(&self.dir).map_err(|source| WriteError {
            path: self.dir.clone(),
            source,
        })?;
        if !self.swept {
            // Here rather than in `open`: this runs on the daemon's blocking thread.
            sweep_temp_files(&self.dir, 2);
            self.swept = true;
        }
        let mut todo: Vec<(&Arc<str>, &Arc<Asset>)> = Vec::new();
        for (key, asset) in site.iter() {
            if self
                .last
                .get(key)
                .is_some_and(|prev| Arc::ptr_eq(prev, asset))
            {
                stats.unchanged += 1;
                continue;
            }
            // Keys come from slugs and tags, which parsing keeps to one path segment; checked
            // here too (before any write), so no input can make a write land outside the out dir.
            if !is_safe_key(key) {
                tracing::error!(
                    key = &**key,
                    "not written: the key is not a plain relative path"
                );
                continue;
            }
            todo.push((key, asset));
        }
        todo.sort_by(|a, b| write_order(a.0, b.0));
        let (dir, written) = (&self.dir, &self.written);
        // A lazy page not rendered yet is rendered here, written and dropped: the writer never
        // holds more than one page per thread.
        let results = crate::parallel::map(&todo, WRITERS, PARALLEL_MIN, |(key, asset)| {
            let identity = asset.identity_transient();
            let key: &str = &key[..];
            let path = dir.join(key);
            let noted = written.get(key).is_some_and(|w| w.etag == identity.etag);
            if noted && holds(&path, &identity.body) {
                return Ok((identity.etag.clone(), false));
            }
            // Feeds are what readers poll; make them durable. Pages are rebuilt from the
            // articles on the next start anyway, so they skip the (slow) fsync.
            let durable = !key.contains('/');
            write_atomic(&path, &identity.body, durable).map(|()| (identity.etag.clone(), true))
        });
        for ((key, asset), result) in todo.into_iter().zip(results) {
            match result {
                Ok((etag, wrote)) => {
                    let noted = Written {
                        etag,
                        last_modified: Some(asset.last_modified),
                    };
                    let old = self.written.insert(key.to_string(), noted.clone());
                    // A new Last-Modified alone (same bytes) is news for the manifest only.
                    manifest_dirty |= old.is_none_or(|old| !old.same(&noted));
                    self.last.insert(Arc::clone(key), Arc::clone(asset));
                    if wrote {
                        stats.written += 1;
                    } else {
                        stats.unchanged += 1;
                    }
                }
                Err(e) => {
                    self.written.remove(&**key);
                    self.last.remove(key);
                    first_error.get_or_insert(e);
                }
            }
        }
        // Every key of `site` now in `written` was counted once above, so when `written` holds
        // no more than that, nothing in it is stale: no need to look every key up again.
        let stale: Vec<String> = if self.written.len() == stats.written + stats.unchanged {
            Vec::new()
        } else {
            self.written
                .keys()
                .filter(|k| site.get(k).is_none())
                .cloned()
                .collect()
        };
        for key in stale {
            self.last.remove(key.as_str());
            match remove_stale(&self.dir, &key) {
                Ok(()) => {
                    self.written.remove(&key);
                    stats.removed += 1;
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if manifest_dirty || stats.removed > 0 {
            let manifest = write_atomic(
                &self.dir.join(MANIFEST),
                render_manifest(&self.written).as_bytes(),
                true,
            )
            .and_then(|()| sync_dir(&self.dir));
            if let Err(e) = manifest {
                first_error.get_or_insert(e);
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(stats),
        }
    }
}

/// Writer threads: file creation is mostly waiting on the filesystem, so a few more than cores.
const WRITERS: usize = 4;
/// The order files are written in: the top-level files (the feeds every reader polls, the
/// home page) first, then the rest by path. On a disk that fills up part-way, the feeds are
/// then new and some pages old, rather than the other way round.
fn write_order(a: &str, b: &str) -> std::cmp::Ordering {
    (a.contains('/'), a).cmp(&(b.contains('/'), b))
}

/// Below this many files, threads cost more than they save.
const PARALLEL_MIN: usize = 32;

/// Open one of feedpub's own files for reading, refusing anything but a regular file: opening
/// a FIFO put in its place would wait for a writer forever (a build or a start hung on one).
pub fn open_regular(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = fs::File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    Ok(file)
}

/// Whether the file at `path` holds exactly `body`. The manifest's word is not enough: a run
/// killed after renaming new files into place but before writing the manifest leaves files
/// the manifest does not describe, and a later run whose bytes match the manifest would keep
/// them for good (found by a kill -9 campaign). Comparing bytes reads the file (from the page
/// cache, unless the machine restarted); it happens once per file per process, and on SIGHUP
/// (see [`Output::write`]).
fn holds(path: &Path, body: &[u8]) -> bool {
    use std::io::Read;
    let Ok(mut file) = open_regular(path) else {
        return false;
    };
    if file
        .metadata()
        .map_or(true, |m| m.len() != body.len() as u64)
    {
        return false;
    }
    let mut buf = vec![0; body.len().clamp(1, 1 << 16)];
    let mut at = 0;
    loop {
        match file.read(&mut buf) {
            Ok(0) => return at == body.len(),
            Ok(n) if body.get(at..at + n) == Some(&buf[..n]) => at += n,
            Ok(_) => return false,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

/// The manifest's entries whose key `keep` accepts (and that stay inside the out dir).
fn parse_manifest(text: &str, keep: impl Fn(&str) -> bool) -> BTreeMap<String, Written> {
    text.lines()
        .filter_map(|line| {
            let (etag, rest) = line.split_once('\t')?;
            // `ETag<TAB>seconds<TAB>path`, the seconds empty for a time before 1970; a manifest
            // of an older feedpub has no seconds (and no path holds a tab).
            let (secs, key) = match rest.split_once('\t') {
                Some((secs, key)) if secs.bytes().all(|b| b.is_ascii_digit()) => (Some(secs), key),
                _ => (None, rest),
            };
            if !keep(key) || !is_safe_key(key) {
                return None;
            }
            let last_modified = secs
                .and_then(|s| s.parse().ok())
                .and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s)));
            let written = Written {
                etag: etag.to_string(),
                last_modified,
            };
            Some((key.to_string(), written))
        })
        .collect()
}

/// What the manifest in `dir` lists (empty when there is none or it cannot be read).
pub fn read_manifest(dir: &Path) -> BTreeMap<String, Written> {
    read_manifest_where(dir, |_| true)
}

/// [`read_manifest`], only the keys `keep` accepts: the rest are not even copied (a manifest
/// lists every page, 100,000 lines at 100,000 articles).
pub fn read_manifest_where(dir: &Path, keep: impl Fn(&str) -> bool) -> BTreeMap<String, Written> {
    open_regular(&dir.join(MANIFEST))
        .and_then(io::read_to_string)
        .map(|text| parse_manifest(&text, keep))
        .unwrap_or_default()
}

fn render_manifest(written: &BTreeMap<String, Written>) -> String {
    let mut s = String::from(
        "# files written by feedpub (ETag, Last-Modified in Unix seconds, path); stale ones are removed on the next build\n",
    );
    for (key, w) in written {
        s.push_str(&w.etag);
        s.push('\t');
        if let Some(secs) = w.last_modified.and_then(unix_secs) {
            s.push_str(&secs.to_string());
        }
        s.push('\t');
        s.push_str(key);
        s.push('\n');
    }
    s
}

fn unix_secs(t: SystemTime) -> Option<u64> {
    t.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

impl Written {
    /// The same line in the manifest: same ETag, same Last-Modified to the second.
    fn same(&self, other: &Written) -> bool {
        self.etag == other.etag
            && self.last_modified.and_then(unix_secs) == other.last_modified.and_then(unix_secs)
    }
}

/// A manifest key is trusted only if it stays inside the out dir: a tampered manifest must not
/// make feedpub delete files elsewhere.
fn is_safe_key(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with('/')
        && key
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && !seg.contains('\\'))
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh temp file name next to `path` (`.NAME.PID.N.tmp`): what [`sweep_temp_files`] removes
/// when the process that made it died before renaming it.
pub fn temp_path(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Write `bytes` to `path` atomically: temp file in the same directory, then rename.
pub fn write_atomic(path: &Path, bytes: &[u8], durable: bool) -> Result<(), WriteError> {
    let err = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(err)?;
    let tmp = temp_path(path);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        if durable {
            f.sync_all()?;
        }
        drop(f);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(err)
}

/// Remove the temp files (`.NAME.PID.N.tmp`, see [`write_atomic`]) that a writer killed mid-write
/// left in `dir` and up to `depth` levels below it (the out dir holds `articles/{slug}/` and
/// `tags/{slug}/`). A file whose process still runs (a `feedpub build` beside the daemon) is
/// left alone. Without this, every `kill -9` during a write left one behind for good (found by
/// the kill -9 test in tests/it/faults.rs).
fn sweep_temp_files(dir: &Path, depth: usize) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            if depth > 0 {
                sweep_temp_files(&entry.path(), depth - 1);
            }
        } else if let Some(pid) = entry.file_name().to_str().and_then(temp_file_pid) {
            if pid != std::process::id() && !process_running(pid) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Whether a process (not merely a thread: thread ids share the number space, and /proc shows
/// them too) with this id runs. With `pid_max` at 32768 a thread of ours or of anyone could
/// carry a dead writer's number, and its temp files then stayed (a flaky kill -9 test).
fn process_running(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/status")).is_ok_and(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Tgid:"))
            .and_then(|v| v.trim().parse::<u32>().ok())
            == Some(pid)
    })
}

/// The writer's process id in a temp file name `.NAME.PID.N.tmp`.
fn temp_file_pid(name: &str) -> Option<u32> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let mut parts = inner.rsplitn(3, '.');
    parts.next()?.parse::<u64>().ok()?;
    let pid = parts.next()?.parse().ok()?;
    parts.next().filter(|stem| !stem.is_empty())?;
    Some(pid)
}

fn remove_stale(dir: &Path, key: &str) -> Result<(), WriteError> {
    let path = dir.join(key);
    match fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => return Err(WriteError { path, source }),
    }
    // Remove directories left empty (articles/{slug}/, tags/{tag}/), never the out dir itself.
    let mut parent = path.parent();
    while let Some(p) = parent {
        if p == dir || fs::remove_dir(p).is_err() {
            break;
        }
        parent = p.parent();
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), WriteError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| WriteError {
            path: dir.to_path_buf(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn site(files: &[(&str, &str)]) -> Site {
        let mut s = Site::default();
        for (k, v) in files {
            s.assets.insert(
                Arc::from(*k),
                Arc::new(Asset::new("text/plain", v.to_string(), UNIX_EPOCH)),
            );
        }
        s
    }

    #[test]
    fn files_the_manifest_does_not_describe_are_rewritten() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let one = site(&[
            ("rss.xml", "version one"),
            ("articles/a/index.html", "page one"),
        ]);
        let two = site(&[
            ("rss.xml", "version two"),
            ("articles/a/index.html", "page two"),
        ]);
        Output::open(tmp.path()).write(&one).expect("write one");
        let manifest = fs::read(tmp.path().join(MANIFEST)).expect("manifest");
        // A run killed after its renames, before its manifest: new bytes, the old manifest.
        Output::open(tmp.path()).write(&two).expect("write two");
        fs::write(tmp.path().join(MANIFEST), manifest).expect("restore the manifest");
        let stats = Output::open(tmp.path())
            .write(&one)
            .expect("write one again");
        assert_eq!(stats.written, 2, "{stats:?}");
        for (key, text) in [
            ("rss.xml", "version one"),
            ("articles/a/index.html", "page one"),
        ] {
            assert_eq!(
                fs::read_to_string(tmp.path().join(key)).ok().as_deref(),
                Some(text)
            );
        }
        // Files that do hold the manifest's bytes are left alone.
        let stats = Output::open(tmp.path())
            .write(&one)
            .expect("write one a third time");
        assert_eq!(stats.unchanged, 2, "{stats:?}");
    }

    #[test]
    fn the_top_level_feeds_are_written_before_the_pages() {
        let mut keys = vec![
            "articles/a/index.html",
            "tags/news/rss.xml",
            "rss.xml",
            "atom.xml",
            "articles/b/index.html",
            "index.html",
        ];
        keys.sort_by(|a, b| write_order(a, b));
        assert_eq!(
            keys,
            [
                "atom.xml",
                "index.html",
                "rss.xml",
                "articles/a/index.html",
                "articles/b/index.html",
                "tags/news/rss.xml"
            ]
        );
    }

    #[test]
    fn writes_skips_unchanged_and_removes_only_its_own_stale_files(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let out = dir.path().join("out");
        let mut o = Output::open(&out);
        let stats = o.write(&site(&[("rss.xml", "a"), ("articles/x/index.html", "x")]))?;
        assert_eq!(
            stats,
            WriteStats {
                written: 2,
                removed: 0,
                unchanged: 0
            }
        );
        fs::write(out.join("mine.txt"), "user file")?;
        // A new process reads the manifest.
        let mut o = Output::open(&out);
        let stats = o.write(&site(&[("rss.xml", "b")]))?;
        assert_eq!(
            stats,
            WriteStats {
                written: 1,
                removed: 1,
                unchanged: 0
            }
        );
        assert_eq!(fs::read_to_string(out.join("rss.xml"))?, "b");
        assert!(
            !out.join("articles").exists(),
            "empty page dirs are removed"
        );
        assert!(
            out.join("mine.txt").exists(),
            "files feedpub did not write are kept"
        );
        let stats = o.write(&site(&[("rss.xml", "b")]))?;
        assert_eq!(stats.unchanged, 1);
        let leftovers: Vec<_> = fs::read_dir(&out)?
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        Ok(())
    }

    #[test]
    fn a_thread_is_not_a_running_writer() {
        assert!(process_running(std::process::id()));
        assert!(!process_running(99_999_999));
        // A live thread's id is listed under /proc too, yet no writer runs under it.
        let thread_is_process = std::thread::spawn(|| {
            let link = fs::read_link("/proc/thread-self").expect("/proc/thread-self");
            let tid: u32 = link
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.parse().ok())
                .expect("a thread id");
            assert_ne!(tid, std::process::id());
            process_running(tid)
        })
        .join()
        .expect("thread");
        assert!(!thread_is_process);
    }

    #[test]
    fn temp_files_of_dead_writers_are_swept_on_the_first_write(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let out = dir.path().join("out");
        // A pid that cannot be running (above the kernel's largest pid_max, 2^22).
        let dead = ".rss.xml.99999999.3.tmp";
        let alive = format!(".atom.xml.{}.1.tmp", std::process::id());
        fs::create_dir_all(out.join("articles/a"))?;
        for f in [dead, alive.as_str(), ".not.a.tmp", "user.99999999.1.tmp"] {
            fs::write(out.join(f), "partial")?;
        }
        fs::write(out.join("articles/a/.index.html.99999999.7.tmp"), "partial")?;
        let mut o = Output::open(&out);
        o.write(&site(&[("rss.xml", "a")]))?;
        assert!(
            !out.join(dead).exists() && !out.join("articles/a/.index.html.99999999.7.tmp").exists()
        );
        assert!(
            out.join(&alive).exists(),
            "a running writer's temp file is kept"
        );
        assert!(
            out.join(".not.a.tmp").exists() && out.join("user.99999999.1.tmp").exists(),
            "other files are kept"
        );
        assert_eq!(temp_file_pid(".index.html.123.4.tmp"), Some(123));
        assert_eq!(temp_file_pid("..123.4.tmp"), None);
        Ok(())
    }

    #[test]
    fn the_manifest_reads_back_what_it_wrote_and_older_ones() {
        let at = |secs: u64| Some(UNIX_EPOCH + Duration::from_secs(secs));
        let written: BTreeMap<String, Written> = [
            ("rss.xml", at(1_700_000_000)),
            // Before 1970: no seconds, and the path must not take the empty field's tab.
            ("articles/moon/index.html", None),
            ("tags/2024/rss.xml", at(5)),
        ]
        .into_iter()
        .map(|(key, last_modified)| {
            let etag = format!("\"{key}\"");
            (
                key.to_string(),
                Written {
                    etag,
                    last_modified,
                },
            )
        })
        .collect();
        assert_eq!(
            parse_manifest(&render_manifest(&written), |_| true),
            written
        );
        let old = parse_manifest("# old\n\"e\"\tatom.xml\n", |_| true);
        let want = Written {
            etag: "\"e\"".to_string(),
            last_modified: None,
        };
        assert_eq!(old.get("atom.xml"), Some(&want));
    }

    #[test]
    fn a_tampered_manifest_cannot_delete_outside_the_out_dir(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let out = dir.path().join("out");
        fs::create_dir_all(&out)?;
        fs::write(dir.path().join("victim"), "v")?;
        fs::write(out.join(MANIFEST), "\"x\"\t../victim\n\"y\"\t/etc/passwd\n")?;
        let mut o = Output::open(&out);
        o.write(&site(&[("rss.xml", "a")]))?;
        assert!(dir.path().join("victim").exists());
        Ok(())
    }

    #[test]
    fn a_read_only_dir_is_an_error_naming_the_file_and_is_retried(
    ) -> Result<(), Box<dyn std::error::Error>> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        let out = dir.path().join("out");
        fs::create_dir_all(&out)?;
        fs::set_permissions(&out, fs::Permissions::from_mode(0o555))?;
        let mut o = Output::open(&out);
        let r = o.write(&site(&[("rss.xml", "a")]));
        let root = fs::write(out.join("probe"), "").is_ok(); // root ignores permissions
        fs::set_permissions(&out, fs::Permissions::from_mode(0o755))?;
        if !root {
            let e = r.err().ok_or("expected a write error")?;
            assert!(e.to_string().contains("rss.xml"), "{e}");
            assert_eq!(o.write(&site(&[("rss.xml", "a")]))?.written, 1);
        }
        Ok(())
    }
}
