//! The parse cache: every parsed article with the fingerprint (modification time, length) of
//! the file it came from, so a restarted daemon re-reads only the files that changed.
//!
//! Parsing is most of the start-up time (~0.1 ms of CPU per article); with the cache a restart
//! at 100,000 articles stats the files instead of reading and parsing them. The cache is only
//! an accelerator: it is trusted for a file only when its fingerprint matches exactly, and only
//! when it was written by this version of feedpub with the same parse settings ([`key`]); a
//! missing, foreign or damaged cache is ignored (the damage is logged) and everything is parsed.
//!
//! Format: `MAGIC`, the key (u64), each entry after a 1 byte (2 for the last good version of a
//! file broken now), a 0 byte, the entry count (u64),
//! then an xxh3 of all the bytes before it. Integers are little-endian; strings and paths are a
//! u32 length and bytes. Written to a temp file renamed into place ([`Writer`]), so it can be
//! written while articles are parsed.

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use chrono::{DateTime, FixedOffset};

use crate::article::{Article, Body, Format, ParseOptions};
use crate::output::WriteError;
use crate::scan::Fingerprint;

/// The cache's file name inside the out dir (next to the manifest; never served).
pub const FILE: &str = ".feedpub-cache";

const MAGIC: &[u8; 8] = b"FPCACHE3";

/// Cached articles by source path.
pub type Entries = HashMap<PathBuf, (Fingerprint, Article)>;

/// Whether an entry of [`Entries`] is the last good version of a file that was broken when it
/// was saved ([`Writer::push_last_good`]): such a fingerprint is racy, never taken for current.
pub fn is_last_good(fp: &Fingerprint) -> bool {
    fp.racy
}

/// A cache to write: taken from the engine at one instant, saved on another thread.
pub struct Job {
    pub path: PathBuf,
    pub key: u64,
    pub articles: Vec<(Fingerprint, Arc<Article>)>,
    /// The last good versions of files that are broken now: still published, so a restart
    /// must publish them too rather than lose them (see [`Writer::push_last_good`]).
    pub last_good: Vec<Arc<Article>>,
}

impl Job {
    /// Write the cache (atomically). Returns how many articles it holds.
    pub fn save(&self) -> Result<usize, WriteError> {
        let mut w = Writer::create(&self.path, self.key)?;
        let entries = self.articles.iter().map(|(fp, a)| (Some(*fp), a));
        for (fp, article) in entries.chain(self.last_good.iter().map(|a| (None, a))) {
            match fp {
                Some(fp) => w.push(fp, article),
                None => w.push_last_good(article),
            };
            if w.buf.len() >= FLUSH_AT {
                w.flush()?;
            }
        }
        w.finish()
    }
}

/// Why a cache file was not used.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("{}: cannot read the parse cache: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: parse cache is damaged ({reason}); parsing every article", path.display())]
    Damaged { path: PathBuf, reason: &'static str },
    #[error("{}: parse cache is from another version or other settings; parsing every article", path.display())]
    Stale { path: PathBuf },
}

/// What a cache must have been written with to be used: this very build of feedpub (a hash of
/// the running executable's bytes, so a parser change without a version bump, or a dependency
/// update, counts, while a `chmod`, a hard link or a reinstall of the same build does not), the
/// parse settings, and the `[site]` and `[feeds]` settings (not needed to parse, but a start
/// that uses the cache takes it that what the last run published is unchanged: see
/// `Engine::render`); anything else a parse depends on is in each article file's fingerprint.
/// `None` (no cache) when the executable cannot be read.
pub fn key(opts: &ParseOptions, config: &crate::config::Config) -> Option<u64> {
    let exe = (*EXE_HASH.get_or_init(exe_hash))?;
    let text = format!(
        "{exe} {} {opts:?} {:?} {:?}",
        env!("CARGO_PKG_VERSION"),
        config.site,
        config.feeds,
    );
    Some(xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

/// The running executable's hash, read once per process.
static EXE_HASH: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();

/// A hash of the running executable's bytes (`/proc/self/exe`, which still reads the running
/// image after an upgrade replaced the file): ~10 ms for the release build.
fn exe_hash() -> Option<u64> {
    use std::io::Read;
    let opened = std::fs::File::open("/proc/self/exe")
        .or_else(|_| std::env::current_exe().and_then(std::fs::File::open));
    let mut file = match opened {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!("parse cache disabled: cannot read the feedpub executable: {e}");
            return None;
        }
    };
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0; 1 << 20];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Some(hasher.digest()),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                tracing::warn!("parse cache disabled: cannot read the feedpub executable: {e}");
                return None;
            }
        }
    }
}

/// Write `entries` to `path` atomically. Entries whose time cannot be encoded are left out.
pub fn save<'a>(
    path: &Path,
    key: u64,
    entries: impl IntoIterator<Item = (Fingerprint, &'a Article)>,
) -> Result<usize, WriteError> {
    let mut w = Writer::create(path, key)?;
    for (fp, article) in entries {
        w.push(fp, article);
        if w.buf.len() >= FLUSH_AT {
            w.flush()?;
        }
    }
    w.finish()
}

/// Bytes gathered before they are written out.
const FLUSH_AT: usize = 4 << 20;

/// A cache file being written, entry by entry, to a temp file renamed into place by
/// [`Writer::finish`] (dropped unfinished, the temp file is removed). A start or build without
/// a usable cache writes one while it parses and moves each flushed body into it
/// ([`Writer::stored`]): a first start then holds what a restart holds, not every body.
pub struct Writer {
    path: PathBuf,
    tmp: PathBuf,
    /// Read and write: stored bodies are read back through it.
    file: Arc<std::fs::File>,
    /// Bytes already in the file.
    written: u64,
    /// Encoded entries not written yet.
    buf: Vec<u8>,
    hash: xxhash_rust::xxh3::Xxh3,
    count: u64,
    finished: bool,
}

impl Writer {
    pub fn create(path: &Path, key: u64) -> Result<Writer, WriteError> {
        let tmp = crate::output::temp_path(path);
        let err = |source| WriteError {
            path: path.to_path_buf(),
            source,
        };
        // At start-up this may run before the out-dir writer has made the directory.
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let create = || {
            std::fs::File::options()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&tmp)
        };
        // The name holds our pid and a counter of ours: a file already there was left by an
        // earlier process with the same pid (pid 1 in a container), killed mid-write.
        let file = match create() {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let _ = std::fs::remove_file(&tmp);
                create()
            }
            other => other,
        }
        .map_err(err)?;
        let mut buf = Vec::with_capacity(FLUSH_AT + (64 << 10));
        buf.extend_from_slice(MAGIC);
        put_u64(&mut buf, key);
        Ok(Writer {
            path: path.to_path_buf(),
            tmp,
            file: Arc::new(file),
            written: 0,
            buf,
            hash: xxhash_rust::xxh3::Xxh3::new(),
            count: 0,
            finished: false,
        })
    }

    /// Add one entry. Returns where its body will lie in the file (offset, length), or `None`
    /// when it is left out (a racy version, a time before 1970, a body that cannot be read).
    pub fn push(&mut self, fp: Fingerprint, a: &Article) -> Option<(u64, u32)> {
        self.push_tagged(ENTRY, fp, a)
    }

    /// Add the last good version of a file that is broken now. It is never taken for the
    /// file's current version (its fingerprint never matches): the file is read again, and only
    /// if it is still broken does this version stay published, as it was before the restart.
    pub fn push_last_good(&mut self, a: &Article) -> Option<(u64, u32)> {
        let none = Fingerprint {
            modified: UNIX_EPOCH,
            changed: UNIX_EPOCH,
            len: 0,
            inode: 0,
            device: 0,
            racy: false,
        };
        self.push_tagged(LAST_GOOD, none, a)
    }

    fn push_tagged(&mut self, tag: u8, fp: Fingerprint, a: &Article) -> Option<(u64, u32)> {
        let start = self.buf.len();
        self.buf.push(tag);
        match encode(&mut self.buf, fp, a) {
            Some((at, len)) => {
                self.count += 1;
                Some((self.written + at as u64, len))
            }
            None => {
                self.buf.truncate(start);
                None
            }
        }
    }

    /// Write what was pushed so far. Only after this can a pushed body be read back.
    pub fn flush(&mut self) -> Result<(), WriteError> {
        use std::os::unix::fs::FileExt;
        self.hash.update(&self.buf);
        self.file
            .write_all_at(&self.buf, self.written)
            .map_err(|source| WriteError {
                path: self.tmp.clone(),
                source,
            })?;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// The file bodies are read back from (see [`unpin`]).
    pub fn file(&self) -> &Arc<std::fs::File> {
        &self.file
    }

    /// A pushed and flushed body, read back from the file when needed.
    pub fn stored(&self, (offset, len): (u64, u32)) -> Body {
        Body::Stored {
            file: Arc::clone(&self.file),
            offset,
            len,
        }
    }

    /// Close the cache (end mark, count, checksum) and rename it into place. Returns how many
    /// articles it holds. Bodies handed out by [`Writer::stored`] stay readable either way.
    pub fn finish(mut self) -> Result<usize, WriteError> {
        self.buf.push(END);
        put_u64(&mut self.buf, self.count);
        self.flush()?;
        self.buf = self.hash.digest().to_le_bytes().to_vec();
        self.flush()?;
        std::fs::rename(&self.tmp, &self.path).map_err(|source| WriteError {
            path: self.path.clone(),
            source,
        })?;
        self.finished = true;
        Ok(self.count as usize)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Bring a body stored in `file` back into memory, so that file can close: a cache that failed
/// half-way (disk full) must not keep its space held by the bodies already moved into it. A body
/// that cannot be read back either is left as it is.
pub fn unpin(body: &mut Body, file: &Arc<std::fs::File>) {
    if let Body::Stored { file: f, .. } = &*body {
        if Arc::ptr_eq(f, file) {
            if let Ok(html) = body.try_html() {
                *body = Body::Inline(html.into_owned());
            }
        }
    }
}

/// The tag before each entry, and the one after the last.
const ENTRY: u8 = 1;
/// An entry of [`Writer::push_last_good`].
const LAST_GOOD: u8 = 2;
const END: u8 = 0;

/// The entries of the cache at `path`, if it was written with `key` and is intact. A missing
/// file is an empty cache, not an error. The file is decoded as it is read (no copy of it in
/// memory) and the result is dropped if the checksum at its end does not match.
pub fn load(path: &Path, key: u64) -> Result<Entries, CacheError> {
    let read_error = |source| CacheError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = match crate::output::open_regular(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Entries::new()),
        Err(e) => return Err(read_error(e)),
    };
    let len = file.metadata().map_err(read_error)?.len();
    // Bodies stay in the file, read back through this handle when rendered (`Body::Stored`).
    let bodies = Arc::new(file.try_clone().map_err(read_error)?);
    let mut r = Reader {
        inner: std::io::BufReader::with_capacity(1 << 16, file),
        hash: xxhash_rust::xxh3::Xxh3::new(),
        total: len,
        left: len,
        bodies,
        scratch: Vec::new(),
    };
    decode_all(&mut r, key).map_err(|e| match e {
        Bad::Io(source) => read_error(source),
        Bad::Stale => CacheError::Stale {
            path: path.to_path_buf(),
        },
        Bad::Damaged(reason) => CacheError::Damaged {
            path: path.to_path_buf(),
            reason,
        },
    })
}

enum Bad {
    Io(std::io::Error),
    Stale,
    Damaged(&'static str),
}

fn decode_all(r: &mut Reader<impl Read>, key: u64) -> Result<Entries, Bad> {
    let mut magic = [0; 8];
    r.fill(&mut magic)?;
    if &magic != MAGIC {
        return Err(Bad::Damaged("not a feedpub parse cache"));
    }
    if r.u64()? != key {
        return Err(Bad::Stale);
    }
    // Not reserved from the file's size: entries spread over a table far too big would touch
    // a page each.
    let mut entries = Entries::new();
    loop {
        match r.u8()? {
            ENTRY => {
                let (fp, article) = decode(r)?;
                entries.insert(article.path.clone(), (fp, article));
            }
            LAST_GOOD => {
                let (fp, article) = decode(r)?;
                // Racy: never the file's current version (`Fingerprint::unchanged`).
                let fp = Fingerprint { racy: true, ..fp };
                entries.insert(article.path.clone(), (fp, article));
            }
            END => break,
            _ => return Err(Bad::Damaged("bad entry tag")),
        }
    }
    if r.u64()? != entries.len() as u64 {
        return Err(Bad::Damaged("entry count"));
    }
    let digest = r.hash.digest();
    if r.u64()? != digest {
        return Err(Bad::Damaged("checksum mismatch"));
    }
    if r.left != 0 {
        return Err(Bad::Damaged("trailing bytes"));
    }
    Ok(entries)
}

/// Append one entry to `e`; returns where its body's bytes lie in `e` (offset, length). On
/// `None` (left out) part of the entry may have been appended: the caller truncates.
fn encode(e: &mut Vec<u8>, fp: Fingerprint, a: &Article) -> Option<(usize, u32)> {
    // A racy version may be followed by a write that leaves the fingerprint as it is.
    if fp.racy {
        return None;
    }
    put_time(e, fp.modified)?;
    put_time(e, fp.changed)?;
    put_u64(e, fp.len);
    put_u64(e, fp.inode);
    put_u64(e, fp.device);
    put_bytes(e, a.path.as_os_str().as_bytes())?;
    e.push(match a.format {
        Format::Markdown => 0,
        Format::Text => 1,
        Format::Html => 2,
    });
    put_str(e, &a.title)?;
    put_str(e, &a.slug)?;
    put_opt(e, a.id.as_deref())?;
    put_date(e, &a.date);
    put_date(e, &a.updated);
    put_opt(e, a.author.as_deref())?;
    put_str(e, &a.summary)?;
    // A stored body that cannot be read back leaves the article out (it is parsed next time).
    let body = a.content_html.try_html().ok()?;
    put_str(e, &body)?;
    let body_at = (e.len() - body.len(), u32::try_from(body.len()).ok()?);
    put_u32(e, u32::try_from(a.tags.len()).ok()?);
    for t in &a.tags {
        put_str(e, t)?;
    }
    e.push(u8::from(a.draft));
    match &a.expires {
        None => e.push(0),
        Some(d) => {
            e.push(1);
            put_date(e, d);
        }
    }
    put_opt(e, a.lang.as_deref())?;
    Some(body_at)
}

fn decode(r: &mut Reader<impl Read>) -> Result<(Fingerprint, Article), Bad> {
    let fp = Fingerprint {
        modified: r.time()?,
        changed: r.time()?,
        len: r.u64()?,
        inode: r.u64()?,
        device: r.u64()?,
        racy: false,
    };
    let path = PathBuf::from(std::ffi::OsString::from_vec(r.bytes()?));
    let format = match r.u8()? {
        0 => Format::Markdown,
        1 => Format::Text,
        2 => Format::Html,
        _ => return Err(Bad::Damaged("bad format")),
    };
    let article = Article {
        path,
        format,
        title: r.string()?,
        slug: r.string()?,
        id: r.opt()?,
        date: r.date()?,
        updated: r.date()?,
        author: r.opt()?,
        summary: r.string()?,
        content_html: r.body()?,
        tags: {
            let n = r.u32()?;
            let mut tags = Vec::with_capacity(usize::try_from(n).unwrap_or(0).min(64));
            for _ in 0..n {
                tags.push(r.string()?);
            }
            tags
        },
        draft: match r.u8()? {
            0 => false,
            1 => true,
            _ => return Err(Bad::Damaged("bad flag")),
        },
        expires: match r.u8()? {
            0 => None,
            1 => Some(r.date()?),
            _ => return Err(Bad::Damaged("bad option tag")),
        },
        lang: r.opt()?,
    };
    // The out dir is trusted like feedpub itself, but a slug becomes a path there: hold it to
    // what parsing guarantees rather than trust the file.
    let s = &article.slug;
    if s.is_empty()
        || s == "."
        || s == ".."
        || s.contains(['/', '\\'])
        || s.contains(char::is_control)
    {
        return Err(Bad::Damaged("bad slug"));
    }
    Ok((fp, article))
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_time(out: &mut Vec<u8>, t: std::time::SystemTime) -> Option<()> {
    let d = t.duration_since(UNIX_EPOCH).ok()?;
    put_u64(out, d.as_secs());
    put_u32(out, d.subsec_nanos());
    Some(())
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) -> Option<()> {
    put_u32(out, u32::try_from(b.len()).ok()?);
    out.extend_from_slice(b);
    Some(())
}

fn put_str(out: &mut Vec<u8>, s: &str) -> Option<()> {
    put_bytes(out, s.as_bytes())
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) -> Option<()> {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s)?;
        }
    }
    Some(())
}

fn put_date(out: &mut Vec<u8>, d: &DateTime<FixedOffset>) {
    put_u64(out, d.timestamp() as u64);
    put_u32(out, d.timestamp_subsec_nanos());
    put_u32(out, d.offset().local_minus_utc() as u32);
}

/// Reads fields, hashing what it reads; never allocates more than the file has left.
struct Reader<R> {
    inner: R,
    hash: xxhash_rust::xxh3::Xxh3,
    total: u64,
    left: u64,
    /// The file itself, for the bodies left in it.
    bodies: Arc<std::fs::File>,
    scratch: Vec<u8>,
}

impl<R: Read> Reader<R> {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Bad> {
        if (buf.len() as u64) > self.left {
            return Err(Bad::Damaged("truncated"));
        }
        self.inner.read_exact(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => Bad::Damaged("truncated"),
            _ => Bad::Io(e),
        })?;
        self.left -= buf.len() as u64;
        self.hash.update(buf);
        Ok(())
    }

    fn u8(&mut self) -> Result<u8, Bad> {
        let mut b = [0; 1];
        self.fill(&mut b)?;
        Ok(b[0])
    }

    fn u32(&mut self) -> Result<u32, Bad> {
        let mut b = [0; 4];
        self.fill(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self) -> Result<u64, Bad> {
        let mut b = [0; 8];
        self.fill(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn bytes(&mut self) -> Result<Vec<u8>, Bad> {
        let n = u64::from(self.u32()?);
        if n > self.left {
            return Err(Bad::Damaged("truncated"));
        }
        // Read into spare capacity: no zeroing of the hundreds of megabytes a cache can hold.
        let mut b = Vec::with_capacity(usize::try_from(n).map_err(|_| Bad::Damaged("length"))?);
        (&mut self.inner)
            .take(n)
            .read_to_end(&mut b)
            .map_err(Bad::Io)?;
        if b.len() as u64 != n {
            return Err(Bad::Damaged("truncated"));
        }
        self.left -= n;
        self.hash.update(&b);
        Ok(b)
    }

    /// An article body: checked (hash, UTF-8) now, and left in the file when there is one.
    fn body(&mut self) -> Result<Body, Bad> {
        let n = self.u32()?;
        if u64::from(n) > self.left {
            return Err(Bad::Damaged("truncated"));
        }
        let offset = self.total - self.left;
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        (&mut self.inner)
            .take(u64::from(n))
            .read_to_end(&mut buf)
            .map_err(Bad::Io)?;
        if buf.len() as u64 != u64::from(n) {
            return Err(Bad::Damaged("truncated"));
        }
        self.left -= u64::from(n);
        self.hash.update(&buf);
        let utf8 = std::str::from_utf8(&buf).is_ok();
        self.scratch = buf;
        if !utf8 {
            return Err(Bad::Damaged("text is not UTF-8"));
        }
        Ok(Body::Stored {
            file: Arc::clone(&self.bodies),
            offset,
            len: n,
        })
    }

    fn string(&mut self) -> Result<String, Bad> {
        String::from_utf8(self.bytes()?).map_err(|_| Bad::Damaged("text is not UTF-8"))
    }

    fn opt(&mut self) -> Result<Option<String>, Bad> {
        match self.u8()? {
            0 => Ok(None),
            1 => self.string().map(Some),
            _ => Err(Bad::Damaged("bad option tag")),
        }
    }

    fn time(&mut self) -> Result<std::time::SystemTime, Bad> {
        let secs = self.u64()?;
        let nanos = self.u32()?;
        if nanos >= 1_000_000_000 {
            return Err(Bad::Damaged("bad time"));
        }
        UNIX_EPOCH
            .checked_add(Duration::new(secs, nanos))
            .ok_or(Bad::Damaged("bad time"))
    }

    fn date(&mut self) -> Result<DateTime<FixedOffset>, Bad> {
        let secs = self.u64()? as i64;
        let nanos = self.u32()?;
        let offset = FixedOffset::east_opt(self.u32()? as i32).ok_or(Bad::Damaged("offset"))?;
        DateTime::from_timestamp(secs, nanos)
            .map(|d| d.with_timezone(&offset))
            .ok_or(Bad::Damaged("bad date"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(secs: u64, nanos: u32, len: u64) -> Fingerprint {
        Fingerprint {
            modified: UNIX_EPOCH + Duration::new(secs, nanos),
            changed: UNIX_EPOCH + Duration::new(secs + 1, nanos / 2),
            len,
            inode: secs ^ 0xfeed,
            device: 2049,
            racy: false,
        }
    }

    fn article(path: PathBuf, full: bool) -> Article {
        let date = DateTime::parse_from_rfc3339("2024-03-01T08:00:00.123456789+08:00")
            .expect("valid date");
        Article {
            path,
            format: if full { Format::Html } else { Format::Text },
            title: "标题 <&> title".into(),
            slug: "slug-ü".into(),
            id: full.then(|| "urn:x:1".into()),
            date,
            updated: date.with_timezone(&FixedOffset::west_opt(5 * 3600 + 1800).expect("offset")),
            author: full.then(|| "作者".into()),
            summary: "summary".into(),
            content_html: "<p>body\u{3000}正文</p>\n"
                .repeat(if full { 300 } else { 1 })
                .into(),
            tags: if full {
                vec!["a".into(), "新闻".into()]
            } else {
                vec![]
            },
            draft: full,
            expires: full.then(|| date + chrono::Duration::days(400)),
            lang: full.then(|| "zh-Hans".into()),
        }
    }

    fn sample() -> Vec<(Fingerprint, Article)> {
        let odd = PathBuf::from(std::ffi::OsStr::from_bytes(b"/arts/gbk-\xd6\xd0.txt"));
        vec![
            (
                fp(1_700_000_000, 123_456_789, 42),
                article("/arts/a.md".into(), true),
            ),
            (fp(0, 0, 0), article(odd, false)),
        ]
    }

    #[test]
    fn articles_come_back_exactly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE);
        let entries = sample();
        let n = save(&path, 7, entries.iter().map(|(f, a)| (*f, a))).expect("save");
        assert_eq!(n, 2);
        let back = load(&path, 7).expect("load");
        assert_eq!(back.len(), 2);
        for (f, a) in &entries {
            let (bf, ba) = &back[&a.path];
            assert_eq!(bf, f);
            assert_eq!(ba, a);
        }
    }

    #[test]
    fn bodies_written_while_parsing_read_back_and_an_unfinished_cache_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE);
        let entries = sample();
        let mut w = Writer::create(&path, 7).expect("create");
        let mut stored = Vec::new();
        for (f, a) in &entries {
            let at = w.push(*f, a).expect("encodable");
            // One flush per entry: offsets must hold across flushes.
            w.flush().expect("flush");
            stored.push((w.stored(at), a.content_html.clone()));
        }
        assert_eq!(w.finish().expect("finish"), 2);
        for (got, want) in &stored {
            assert_eq!(got, want);
        }
        assert_eq!(load(&path, 7).expect("load").len(), 2);

        let mut w = Writer::create(&dir.path().join("other"), 7).expect("create");
        w.push(entries[0].0, &entries[0].1);
        w.flush().expect("flush");
        drop(w);
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read dir")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(
            left,
            [std::ffi::OsString::from(FILE)],
            "temp file left behind"
        );
    }

    #[test]
    fn unpinned_bodies_come_back_to_memory_and_others_stay() {
        let dir = tempfile::tempdir().expect("tempdir");
        let entries = sample();
        let mut w = Writer::create(&dir.path().join(FILE), 7).expect("create");
        let at = w.push(entries[0].0, &entries[0].1).expect("encodable");
        w.flush().expect("flush");
        let mut body = w.stored(at);
        let other = Arc::new(std::fs::File::open(dir.path()).expect("open dir"));
        unpin(&mut body, &other);
        assert!(
            matches!(body, Body::Stored { .. }),
            "another file's body moved"
        );
        let file = Arc::clone(w.file());
        drop(w);
        unpin(&mut body, &file);
        assert!(matches!(&body, Body::Inline(h) if *h == entries[0].1.content_html.html()));
    }

    #[test]
    fn a_leftover_temp_file_of_an_earlier_process_with_our_pid_is_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE);
        // The name the next writer will take (the counter is shared, so take it and rebuild).
        let probe = crate::output::temp_path(&path);
        let name = probe.file_name().and_then(|n| n.to_str()).expect("utf-8");
        let (stem, n) = name
            .trim_end_matches(".tmp")
            .rsplit_once('.')
            .expect("counter");
        let next: u64 = n.parse::<u64>().expect("number") + 1;
        std::fs::write(dir.path().join(format!("{stem}.{next}.tmp")), "stale").expect("write");
        let mut w = Writer::create(&path, 7).expect("a leftover does not block the cache");
        w.flush().expect("flush");
        assert_eq!(w.finish().expect("finish"), 0);
    }

    #[test]
    fn a_missing_cache_is_empty_and_a_foreign_or_damaged_one_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE);
        assert!(load(&path, 7).expect("missing is fine").is_empty());
        let entries = sample();
        save(&path, 7, entries.iter().map(|(f, a)| (*f, a))).expect("save");
        assert!(matches!(load(&path, 8), Err(CacheError::Stale { .. })));
        let good = std::fs::read(&path).expect("read");
        // Every single-byte change and every truncation is caught.
        for i in (0..good.len()).step_by(97) {
            let mut bad = good.clone();
            bad[i] ^= 0x20;
            std::fs::write(&path, &bad).expect("write");
            assert!(
                matches!(load(&path, 7), Err(CacheError::Damaged { .. })),
                "flipped byte {i}"
            );
        }
        for len in [0, 7, 8, 20, good.len() / 2, good.len() - 1] {
            std::fs::write(&path, &good[..len]).expect("write");
            assert!(
                matches!(load(&path, 7), Err(CacheError::Damaged { .. })),
                "truncated to {len}"
            );
        }
    }

    #[test]
    fn the_key_follows_the_parse_site_and_feed_settings() {
        let opts = ParseOptions {
            base_url: "https://a.example/".into(),
            timezone: chrono_tz::Asia::Shanghai,
            sanitize_html: true,
            language: "en".into(),
        };
        let config = crate::config::Config::default();
        let mut other = opts.clone();
        other.base_url = "https://b.example/".into();
        let mut unsanitized = opts.clone();
        unsanitized.sanitize_html = false;
        let mut retitled = config.clone();
        retitled.site.title = "Another title".into();
        let mut moved = config.clone();
        moved.server.listen = ([127, 0, 0, 1], 9).into();
        assert_eq!(key(&opts, &config), key(&opts.clone(), &config.clone()));
        assert_ne!(key(&opts, &config), key(&other, &config));
        assert_ne!(key(&opts, &config), key(&unsanitized, &config));
        assert_ne!(key(&opts, &config), key(&opts, &retitled));
        assert_eq!(
            key(&opts, &config),
            key(&opts, &moved),
            "[server] is not in the key"
        );
    }

    #[test]
    fn a_time_before_1970_is_left_out_not_mangled() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE);
        let before = Fingerprint {
            modified: UNIX_EPOCH - Duration::from_secs(10),
            ..fp(5, 0, 1)
        };
        let a = article("/arts/old.md".into(), false);
        assert_eq!(save(&path, 1, [(before, &a)]).expect("save"), 0);
        assert!(load(&path, 1).expect("load").is_empty());
    }

    #[test]
    fn racy_versions_and_bad_slugs_are_never_trusted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE);
        let racy = Fingerprint {
            racy: true,
            ..fp(5, 0, 1)
        };
        let a = article("/arts/new.md".into(), false);
        assert_eq!(save(&path, 1, [(racy, &a)]).expect("save"), 0);
        assert!(!racy.unchanged(&racy), "a racy version is never current");
        for slug in ["", ".", "..", "../../x", "a\\b", "a\u{1}b"] {
            let mut bad = article("/arts/bad.md".into(), false);
            bad.slug = slug.to_string();
            save(&path, 1, [(fp(5, 0, 1), &bad)]).expect("save");
            assert!(
                matches!(load(&path, 1), Err(CacheError::Damaged { .. })),
                "slug {slug:?} accepted"
            );
        }
    }

    #[test]
    fn an_impossible_time_is_damage_not_a_panic() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE);
        let a = article("/arts/a.md".into(), false);
        save(&path, 1, [(fp(5, 0, 1), &a)]).expect("save");
        let mut bytes = std::fs::read(&path).expect("read");
        // The first entry's modification time: seconds = u64::MAX, nanoseconds = 2^32-1.
        bytes[17..29].fill(0xff);
        let body_len = bytes.len() - 8;
        let sum = xxhash_rust::xxh3::xxh3_64(&bytes[..body_len]).to_le_bytes();
        bytes[body_len..].copy_from_slice(&sum);
        std::fs::write(&path, &bytes).expect("write");
        assert!(matches!(load(&path, 1), Err(CacheError::Damaged { .. })));
    }
}
