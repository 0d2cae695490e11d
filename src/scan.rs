//! The articles directory on disk: which files are articles, walking, and reading them safely.
//!
//! This is the only module that reads the articles directory. It enforces two guarantees:
//! files matching the ignore rules (editor temp files, dot-files, unknown extensions) are never
//! articles, and a symlink is only followed when its target lies inside the articles directory,
//! so an article dir can never publish `/etc/passwd`. Symlinks to directories are not followed
//! at all (inside the tree they only repeat real directories, or loop).

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::article::{ArticleError, ArticleErrorKind, Format, Source};

/// The article format of `path` by its file name, or `None` when the file is not an article
/// (wrong extension, or one of the ignore rules).
pub fn classify(path: &Path) -> Option<Format> {
    // Lossy, not `to_str`: a file name need not be UTF-8 (GBK names from Windows archives);
    // only the ASCII extension and the ignore patterns matter here.
    let name = path.file_name()?.to_string_lossy();
    if is_ignored_name(&name) || is_sync_conflict_copy(&name) {
        return None;
    }
    let ext = Path::new(name.as_ref())
        .extension()?
        .to_str()?
        .to_ascii_lowercase();
    match ext.as_str() {
        "md" | "markdown" => Some(Format::Markdown),
        "txt" => Some(Format::Text),
        "html" | "htm" => Some(Format::Html),
        _ => None,
    }
}

/// Jekyll's drafts, layouts, includes, data and output, Hugo's section pages, and npm's
/// packages: never articles, though `.md` or `.html` files are in them.
const GENERATOR_NAMES: [&str; 10] = [
    "_drafts",
    "_layouts",
    "_includes",
    "_data",
    "_sass",
    "_site",
    "_index.md",
    "_index.markdown",
    "_index.html",
    "node_modules",
];

/// Names that are never articles, whatever their extension: dot-files (and dot-dirs), editor
/// backups (`foo~`), swap and partial files, Emacs lock/autosave files (`#foo#`), Office
/// owner files (`~$foo.txt`, binary, while Word has the file open), and vim's `4913` probe (vim
/// writes it to test that the directory is writable, then deletes it). Also what static site
/// generators keep out of a site, for a blog moved in whole ([`GENERATOR_NAMES`]).
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || GENERATOR_NAMES.contains(&name)
        || name.starts_with("~$")
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || [".swp", ".swx", ".tmp", ".part", ".crdownload", ".bak"]
            .iter()
            .any(|s| {
                let tail = name
                    .len()
                    .checked_sub(s.len())
                    .and_then(|at| name.get(at..));
                tail.is_some_and(|t| t.eq_ignore_ascii_case(s))
            })
}

/// The copy a sync conflict leaves beside a file, with its extension: Syncthing's
/// `post.sync-conflict-20261207-120000-ABCDEFG.md`, Dropbox's and Nextcloud's `post (Alice's
/// conflicted copy 2026-12-07).md`.
fn is_sync_conflict_copy(name: &str) -> bool {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let syncthing = stem
        .rsplit_once(".sync-conflict-")
        .is_some_and(|(_, mark)| {
            let b = mark.as_bytes();
            b.len() == 23
                && b[..8].iter().all(u8::is_ascii_digit)
                && b[8] == b'-'
                && b[9..15].iter().all(u8::is_ascii_digit)
                && b[15] == b'-'
                && b[16..].iter().all(u8::is_ascii_alphanumeric)
        });
    let dropbox = stem
        .strip_suffix(')')
        .and_then(|s| s.rsplit_once('('))
        .is_some_and(|(_, inside)| {
            inside
                .as_bytes()
                .windows(15)
                .any(|w| w.eq_ignore_ascii_case(b"conflicted copy"))
        });
    syncthing || dropbox
}

/// A side of a merge `git mergetool` leaves beside the file while it runs (and after, with
/// `mergetool.keepBackup`): `post_BASE_1234.md` (also `_BACKUP_`, `_LOCAL_`, `_REMOTE_`) when
/// `post.md` is there.
fn is_mergetool_copy(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    ["_BACKUP_", "_BASE_", "_LOCAL_", "_REMOTE_"]
        .iter()
        .any(|side| {
            stem.rsplit_once(side).is_some_and(|(original, pid)| {
                !original.is_empty()
                    && !pid.is_empty()
                    && pid.bytes().all(|b| b.is_ascii_digit())
                    && fs::symlink_metadata(path.with_file_name(format!("{original}.{ext}")))
                        .is_ok()
            })
        })
}

/// Whether any component of `path` below `root` is ignored (a dot-dir hides all it holds).
pub fn is_ignored_path(root: &Path, path: &Path) -> bool {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .any(|c| is_ignored_name(&c.as_os_str().to_string_lossy()))
}

/// What one path is, re-checked on disk.
#[derive(Debug)]
pub enum Entry {
    /// An article file, read, and the version it was read at.
    Article(Source, Fingerprint),
    /// A directory (walk it for its articles).
    Dir,
    /// Not there any more, or not an article (ignored name, wrong extension, symlink out of the tree).
    NotArticle,
    /// An article file that cannot be read, and the version that could not be.
    Problem(ArticleError, Fingerprint),
    /// A path that cannot even be looked at (its directory is listable but not searchable, an
    /// I/O error): not known to be gone, so not a deletion.
    Unreachable(ArticleError),
}

/// What identifies one version of a file without reading it: its modification and change
/// times, length and inode. Copies that keep the modification time (`cp -p`, `touch -r`,
/// rsync) still change the change time or the inode, which no user can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub modified: SystemTime,
    pub changed: SystemTime,
    pub len: u64,
    pub inode: u64,
    pub device: u64,
    /// Stat'ed within [`RACY`] of a time it carries: a later write may yet leave every field
    /// the same (coarse timestamps: NFS, FAT), so this version is never trusted to be current.
    pub racy: bool,
}

/// How recent a file time must be for its fingerprint to be racy (git's "racily clean").
pub const RACY: std::time::Duration = std::time::Duration::from_secs(2);

impl Fingerprint {
    /// The fingerprint of a file from its metadata, as of now.
    pub fn of(meta: &fs::Metadata) -> Fingerprint {
        let modified = meta.modified().unwrap_or(UNIX_EPOCH);
        let changed = u64::try_from(meta.ctime())
            .ok()
            .zip(u32::try_from(meta.ctime_nsec()).ok())
            .and_then(|(s, n)| {
                UNIX_EPOCH.checked_add(std::time::Duration::new(s, n % 1_000_000_000))
            })
            .unwrap_or(UNIX_EPOCH);
        let now = SystemTime::now();
        let recent = |t: SystemTime| now.duration_since(t).map_or(true, |age| age < RACY);
        Fingerprint {
            modified,
            changed,
            len: meta.len(),
            inode: meta.ino(),
            device: meta.dev(),
            racy: recent(modified) || recent(changed),
        }
    }

    /// Whether a file now fingerprinted `now` is still the version this one was taken from.
    pub fn unchanged(&self, now: &Fingerprint) -> bool {
        !self.racy && self == now
    }

    /// Whether `now` shows every field of this version unchanged, however recent: the same
    /// version, unless a write landed within its timestamps' tick (see `racy`).
    pub fn same_fields(&self, now: &Fingerprint) -> bool {
        Fingerprint {
            racy: false,
            ..*self
        } == Fingerprint {
            racy: false,
            ..*now
        }
    }
}

/// Re-check one path (absolute or relative like `root`) and read it if it is an article.
pub fn read_entry(root: &Path, path: &Path, max_bytes: u64) -> Entry {
    read_entry_unless(root, path, max_bytes, |_| false).unwrap_or(Entry::NotArticle)
}

/// [`read_entry`], except that an article file whose fingerprint `known` accepts is not read:
/// `None` (the caller has that version already).
pub fn read_entry_unless(
    root: &Path,
    path: &Path,
    max_bytes: u64,
    known: impl FnOnce(Fingerprint) -> bool,
) -> Option<Entry> {
    if is_ignored_path(root, path) || is_mergetool_copy(path) {
        return Some(Entry::NotArticle);
    }
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if gone(&e) => return Some(Entry::NotArticle),
        Err(e) => {
            return Some(Entry::Unreachable(ArticleError {
                path: path.to_path_buf(),
                line: None,
                kind: io_problem(&e),
            }))
        }
    };
    let via_link = meta.file_type().is_symlink();
    let meta = if via_link {
        if !link_stays_inside(root, path) {
            return Some(Entry::NotArticle);
        }
        match fs::metadata(path) {
            // A symlink to a directory inside the tree only repeats what the walk reaches through
            // real directories (or loops back to an ancestor, `ln -s . loop`): not followed, else
            // every article under it would be published twice. The articles dir itself may be one.
            Ok(m) if m.is_dir() && path != root => return Some(Entry::NotArticle),
            Ok(m) => m,
            Err(_) => return Some(Entry::NotArticle),
        }
    } else {
        meta
    };
    if meta.is_dir() {
        return Some(Entry::Dir);
    }
    if classify(path).is_none() {
        return Some(Entry::NotArticle);
    }
    if !meta.is_file() {
        // Never opened: opening a FIFO would wait for a writer forever.
        return Some(Entry::Unreachable(ArticleError {
            path: path.to_path_buf(),
            line: None,
            kind: ArticleErrorKind::NotAFile,
        }));
    }
    let fp = Fingerprint::of(&meta);
    if known(fp) {
        return None;
    }
    let read = open_inside(root, path, &meta, via_link).and_then(|file| {
        file.map(|f| read_limited(f, path, max_bytes, meta.len()))
            .transpose()
    });
    Some(match read {
        // A directory on its path became a symlink out of the tree since it was listed.
        Ok(None) => Entry::NotArticle,
        Ok(Some(bytes)) => Entry::Article(
            Source {
                path: path.to_path_buf(),
                bytes,
                modified: fp.modified,
                dir_name: below(root, path)
                    .and_then(Path::parent)
                    .and_then(Path::file_name)
                    .map(Into::into),
            },
            fp,
        ),
        // Not noted with its version: read again by the next rescan, as the daemon asks soon.
        Err(kind @ ArticleErrorKind::Busy(_)) => Entry::Unreachable(ArticleError {
            path: path.to_path_buf(),
            line: None,
            kind,
        }),
        Err(kind) => Entry::Problem(
            ArticleError {
                path: path.to_path_buf(),
                line: None,
                kind,
            },
            fp,
        ),
    })
}

/// The file's bytes, at most `max_bytes` of them. `size_hint` (the size it was stat'ed at) sizes
/// the buffer, so a file that has not changed is read whole by its first `read` (and its end
/// seen by the second) with no reallocation; `Take` alone would start small and grow.
fn read_limited(
    file: fs::File,
    path: &Path,
    max_bytes: u64,
    size_hint: u64,
) -> Result<Vec<u8>, ArticleErrorKind> {
    // One spare byte: the read that finds the end then needs no probe buffer or growth.
    let capacity = size_hint.min(max_bytes).saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    // Read one byte past the limit: the file may have grown since it was stat'ed.
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| io_problem(&e))?;
    let size = bytes.len() as u64;
    if size > max_bytes {
        let size = fs::metadata(path).map(|m| m.len()).unwrap_or(size);
        return Err(ArticleErrorKind::TooLarge {
            size,
            limit: max_bytes,
        });
    }
    Ok(bytes)
}

/// Open the article `path` that was looked at as `meta` (through a symlink inside the tree
/// when `via_link`), making sure what is opened is that file, inside `root`: `None` when it
/// is reached only through a directory that became a symlink since it was listed (published,
/// it would leak a file from anywhere). Never waits on a FIFO swapped in since the look
/// (`O_NONBLOCK`), nor follows a symlink swapped in for a regular file (`O_NOFOLLOW`); such a
/// swap is read again soon, as a file that cannot be read now.
fn open_inside(
    root: &Path,
    path: &Path,
    meta: &fs::Metadata,
    via_link: bool,
) -> Result<Option<fs::File>, ArticleErrorKind> {
    use std::os::unix::fs::OpenOptionsExt;
    let replaced = || ArticleErrorKind::Busy("replaced while being read".into());
    // A file in a subdirectory: opened below the articles dir with no symlink on the way, in
    // one call, where the kernel has it (much cheaper than asking `/proc` where a file is).
    let beneath = match below(root, path) {
        Some(rel) if !via_link && in_subdirectory(rel) => match open_beneath(root, rel) {
            Ok(opened) => opened,
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Ok(None),
            Err(e) if e.raw_os_error() == Some(libc::EXDEV) => return Ok(None),
            Err(e) => return Err(io_problem(&e)),
        },
        _ => None,
    };
    let checked = beneath.is_some();
    let file = match beneath {
        Some(file) => file,
        None => {
            let nofollow = if via_link { 0 } else { libc::O_NOFOLLOW };
            fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK | nofollow)
                .open(path)
                .map_err(|e| match e.raw_os_error() {
                    Some(libc::ELOOP) => replaced(),
                    _ => io_problem(&e),
                })?
        }
    };
    let opened = file.metadata().map_err(|e| io_problem(&e))?;
    if !opened.is_file() || (opened.dev(), opened.ino()) != (meta.dev(), meta.ino()) {
        return Err(replaced());
    }
    Ok((checked || inside(root, path, &file, via_link)).then_some(file))
}

/// `path` below `root`, as written, compared by bytes (`Path::strip_prefix` compares component
/// by component: ~6,000 instructions a file at start-up).
fn below<'a>(root: &Path, path: &'a Path) -> Option<&'a Path> {
    let root = root.as_os_str().as_bytes();
    let root = root.strip_suffix(b"/").unwrap_or(root);
    let rel = path.as_os_str().as_bytes().strip_prefix(root)?;
    let rel = rel.strip_prefix(b"/")?;
    Some(Path::new(std::ffi::OsStr::from_bytes(rel)))
}

/// Whether `rel`, a path below the articles dir, is in one of its subdirectories.
fn in_subdirectory(rel: &Path) -> bool {
    rel.as_os_str().as_bytes().contains(&b'/')
}

/// `rel` opened for reading below `root` without following any symlink on the way, nor
/// waiting on a FIFO (`openat2` with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`): `ELOOP` or
/// `EXDEV` when a symlink or `..` is on it; `None` where the kernel (before Linux 5.6) or a
/// seccomp filter has no `openat2`.
fn open_beneath(root: &Path, rel: &Path) -> io::Result<Option<fs::File>> {
    use std::os::fd::{AsRawFd, FromRawFd};
    use std::os::unix::fs::OpenOptionsExt;
    let dir = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_DIRECTORY)
        .open(root)?;
    let rel = std::ffi::CString::new(rel.as_os_str().as_bytes())?;
    // SAFETY: `open_how` is plain data (its fields are set below; it is non-exhaustive, so it
    // cannot be built with a literal).
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC) as u64;
    how.resolve = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_SYMLINKS;
    // SAFETY: `dir` is an open directory fd, `rel` a NUL-terminated path and `how` a valid
    // `open_how` of the size passed; all outlive the call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir.as_raw_fd(),
            rel.as_ptr(),
            &raw const how,
            std::mem::size_of::<libc::open_how>(),
        )
    };
    if fd < 0 {
        let e = io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::ENOSYS | libc::EPERM) => Ok(None),
            _ => Err(e),
        };
    }
    let fd = i32::try_from(fd).map_err(io::Error::other)?;
    // SAFETY: openat2 returned a new fd that nothing else owns.
    Ok(Some(unsafe { fs::File::from_raw_fd(fd) }))
}

/// Whether the open `file` (`path`, or a symlink's target when `via_link`) is in the articles
/// dir, by the path the kernel opened it at. Fast when no symlink is on the way (the opened
/// path is `path`); else `root` is resolved.
fn inside(root: &Path, path: &Path, file: &fs::File, via_link: bool) -> bool {
    use std::os::fd::AsRawFd;
    // A file at the top (`O_NOFOLLOW`, and the articles dir may itself be a symlink).
    let top = below(root, path).is_some_and(|rel| !in_subdirectory(rel));
    if top && !via_link {
        return true;
    }
    let Ok(real) = fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) else {
        // No /proc (a bare chroot): every directory on the way is looked at instead.
        return via_link || real_dirs_between(root, path);
    };
    if !via_link && std::path::absolute(path).is_ok_and(|p| p == real) {
        return true;
    }
    let Ok(real_root) = fs::canonicalize(root) else {
        return false;
    };
    match path.strip_prefix(root) {
        _ if via_link => real.starts_with(&real_root),
        Ok(rel) => real == real_root.join(rel),
        Err(_) => false,
    }
}

/// Whether every directory from `root` (excluded) down to `path`'s parent is a directory and
/// not a symlink to one.
fn real_dirs_between(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let mut dir = root.to_path_buf();
    let parents = rel.parent().map_or(0, |p| p.components().count());
    rel.components().take(parents).all(|c| {
        dir.push(c);
        fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir())
    })
}

/// The problem of a directory under the articles dir that cannot be listed or entered.
pub fn unreadable_dir(dir: &Path, e: &io::Error) -> ArticleError {
    ArticleError {
        path: dir.to_path_buf(),
        line: None,
        kind: match busy(e) {
            true => ArticleErrorKind::Busy(e.to_string()),
            false => ArticleErrorKind::UnreadableDir(e.to_string()),
        },
    }
}

/// The problem of a file that could not be looked at or read.
fn io_problem(e: &io::Error) -> ArticleErrorKind {
    match busy(e) {
        true => ArticleErrorKind::Busy(e.to_string()),
        false => ArticleErrorKind::Io(e.to_string()),
    }
}

/// Whether `e` is a shortage of the moment (file descriptors, memory) rather than anything
/// about the file: many clients holding connections can use up the open-file limit.
fn busy(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOMEM | libc::EAGAIN)
    )
}

/// Whether `e` says the path is not there (deleted, or a directory on the way replaced by a
/// file), rather than that it cannot be looked at.
pub fn gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

/// Whether the symlink at `path` resolves to somewhere inside `root`.
fn link_stays_inside(root: &Path, path: &Path) -> bool {
    match (fs::canonicalize(root), fs::canonicalize(path)) {
        (Ok(root), Ok(target)) => target.starts_with(root),
        _ => false,
    }
}

/// Every article file under `dir` (recursively, inside `root`), sorted, without reading them.
pub fn article_paths(root: &Path, dir: &Path) -> io::Result<Vec<PathBuf>> {
    walk(root, dir).map(|w| w.paths)
}

/// What a walk of the articles directory finds.
#[derive(Debug, Default)]
pub struct Walked {
    /// Every article file, sorted (see [`article_paths`]).
    pub paths: Vec<PathBuf>,
    /// The symlinks with an article's name, followed or not (dangling, or pointing out of the
    /// tree): an edit of a link's target sends no event for the link itself.
    pub links: Vec<PathBuf>,
    /// Directories under the walked one that could not be listed (permissions, I/O errors), as
    /// problems (see [`unreadable_dir`]): their articles are missing from `paths`, which must not
    /// read as deleted.
    pub unreadable: Vec<ArticleError>,
}

/// [`article_paths`], and the article-named symlinks met on the way.
pub fn walk(root: &Path, dir: &Path) -> io::Result<Walked> {
    let mut out = Walked::default();
    let mut seen = HashSet::new();
    fs::read_dir(dir)?;
    collect(root, dir, &mut seen, &mut out);
    Ok(out)
}

fn collect(root: &Path, dir: &Path, seen: &mut HashSet<(u64, u64)>, out: &mut Walked) {
    // Guard against symlink loops: each real directory (device and inode) is walked once. Not
    // `canonicalize`, which reads every component of the path as a link: a tree 1,000
    // directories deep took 14 s.
    let real = match fs::metadata(dir) {
        Ok(m) => (m.dev(), m.ino()),
        Err(e) if gone(&e) => return,
        Err(e) => {
            tracing::warn!(path = %dir.display(), reason = %e, "cannot read directory; its articles are skipped");
            out.unreadable.push(unreadable_dir(dir, &e));
            return;
        }
    };
    if !seen.insert(real) {
        return;
    }
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(path = %dir.display(), reason = %e, "cannot read directory; its articles are skipped");
            out.unreadable.push(unreadable_dir(dir, &e));
            return;
        }
    };
    // Walked in name order, the result comes out in path order (paths compare component by
    // component) without comparing whole paths: sorting 100,000 of them took ~0.15 s.
    let mut entries: Vec<(std::ffi::OsString, fs::DirEntry)> =
        entries.flatten().map(|e| (e.file_name(), e)).collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (name, entry) in entries {
        let path = entry.path();
        if is_ignored_name(&name.to_string_lossy()) {
            continue;
        }
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_symlink() && classify(&path).is_some() {
            out.links.push(path.clone());
        }
        let is_dir = if ft.is_symlink() {
            // Directory symlinks are never followed (see `read_entry`): which path an article
            // got would depend on the order `read_dir` returns entries in.
            if !link_stays_inside(root, &path) || path.is_dir() {
                continue;
            }
            false
        } else {
            ft.is_dir()
        };
        if is_dir {
            collect(root, &path, seen, out);
        } else if classify(&path).is_some() {
            out.paths.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The result of walking the articles directory.
    #[derive(Debug, Default)]
    struct Walk {
        sources: Vec<Source>,
        problems: Vec<ArticleError>,
    }

    /// Walk `dir` (recursively, inside `root`) and read every article. Unreadable subdirectories are
    /// skipped with a warning; an unreadable `dir` is an error.
    fn walk(root: &Path, dir: &Path, max_bytes: u64) -> io::Result<Walk> {
        let mut out = Walk::default();
        for path in article_paths(root, dir)? {
            match read_entry(root, &path, max_bytes) {
                Entry::Article(src, _) => out.sources.push(src),
                Entry::Problem(p, _) | Entry::Unreachable(p) => out.problems.push(p),
                Entry::Dir | Entry::NotArticle => {}
            }
        }
        Ok(out)
    }

    #[test]
    fn classify_by_name() {
        let cases = [
            ("a.md", Some(Format::Markdown)),
            ("a.MARKDOWN", Some(Format::Markdown)),
            ("新闻.txt", Some(Format::Text)),
            ("a.html", Some(Format::Html)),
            ("a.htm", Some(Format::Html)),
            (".hidden.md", None),
            ("_index.md", None),
            ("_notes.md", Some(Format::Markdown)),
            ("a.md~", None),
            ("a.md.swp", None),
            (".a.md.swx", None),
            ("a.tmp", None),
            ("a.md.part", None),
            ("#a.md#", None),
            ("~$news.txt", None),
            ("4913", None),
            ("a.png", None),
            ("README", None),
            ("post.sync-conflict-20261207-120000-ABCDEFG.md", None),
            ("post (conflicted copy 2026-12-07).md", None),
            ("post (Alice's Conflicted Copy 2026-12-07).txt", None),
            // Titles that only mention them are articles.
            ("Notes on .sync-conflict-files.md", Some(Format::Markdown)),
            (
                "Fixing a Dropbox conflicted copy.md",
                Some(Format::Markdown),
            ),
            ("election_LOCAL_2024.md", Some(Format::Markdown)),
        ];
        for (name, want) in cases {
            assert_eq!(classify(Path::new(name)), want, "{name}");
        }
    }

    #[test]
    fn non_utf8_names_are_articles_too() -> io::Result<()> {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir()?;
        // "新闻.txt" in GBK, as a zip made on Chinese Windows extracts it.
        let name = std::ffi::OsStr::from_bytes(b"\xd0\xc2\xce\xc5.txt");
        fs::write(dir.path().join(name), "title")?;
        let w = walk(dir.path(), dir.path(), 1 << 20)?;
        assert_eq!(w.sources.len(), 1);
        let parsed = crate::article::parse(
            &w.sources[0],
            &crate::article::ParseOptions {
                base_url: "http://x/".into(),
                timezone: chrono_tz::Tz::UTC,
                sanitize_html: true,
                language: "en".into(),
            },
        );
        assert_eq!(parsed.map(|a| a.slug).ok().as_deref(), Some("新闻"));
        Ok(())
    }

    #[test]
    fn dot_dirs_hide_their_files() {
        assert!(is_ignored_path(
            Path::new("/a"),
            Path::new("/a/_drafts/x.md")
        ));
        assert!(!is_ignored_path(
            Path::new("/a"),
            Path::new("/a/_posts/x.md")
        ));
        assert!(is_ignored_path(
            Path::new("arts"),
            Path::new("arts/.git/a.md")
        ));
        assert!(!is_ignored_path(
            Path::new("arts"),
            Path::new("arts/sub/a.md")
        ));
    }

    #[test]
    fn walk_reads_articles_and_skips_the_rest() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        fs::create_dir_all(root.join("sub/.hidden"))?;
        fs::write(root.join("a.md"), "# A")?;
        fs::write(root.join("sub/b.txt"), "B")?;
        fs::write(root.join("sub/.hidden/c.md"), "C")?;
        fs::write(root.join("a.md~"), "old")?;
        fs::write(root.join("big.md"), vec![b'x'; 100])?;
        let w = walk(root, root, 50)?;
        let names: Vec<_> = w
            .sources
            .iter()
            .map(|s| s.path.strip_prefix(root).map(Path::to_path_buf))
            .collect::<Result<_, _>>()
            .map_err(io::Error::other)?;
        assert_eq!(
            names,
            vec![PathBuf::from("a.md"), PathBuf::from("sub/b.txt")]
        );
        // The directory a file is in, below the root: a page bundle's name.
        let dirs: Vec<_> = w.sources.iter().map(|s| s.dir_name.as_deref()).collect();
        assert_eq!(dirs, [None, Some("sub".as_ref())]);
        assert_eq!(w.problems.len(), 1);
        assert!(matches!(
            w.problems[0].kind,
            ArticleErrorKind::TooLarge {
                size: 100,
                limit: 50
            }
        ));
        Ok(())
    }

    #[test]
    fn a_mergetool_side_is_ignored_only_beside_its_file() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        for name in ["post.md", "post_BASE_9917.md", "election_LOCAL_2024.md"] {
            fs::write(root.join(name), "# T")?;
        }
        let read = |name: &str| read_entry(root, &root.join(name), 1 << 20);
        assert!(matches!(read("post_BASE_9917.md"), Entry::NotArticle));
        assert!(matches!(read("election_LOCAL_2024.md"), Entry::Article(..)));
        assert!(matches!(read("post.md"), Entry::Article(..)));
        Ok(())
    }

    #[test]
    fn what_is_swapped_in_after_the_look_is_not_read() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let (root, outside) = (dir.path().join("arts"), dir.path().join("outside"));
        fs::create_dir_all(root.join("sub"))?;
        fs::create_dir_all(&outside)?;
        fs::write(outside.join("x.md"), "# Secret")?;
        // A FIFO in place of the file looked at: no wait for a writer, read again soon.
        let path = root.join("a.md");
        fs::write(&path, "# A")?;
        let meta = fs::symlink_metadata(&path)?;
        fs::remove_file(&path)?;
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())?;
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        assert!(matches!(
            open_inside(&root, &path, &meta, false),
            Err(ArticleErrorKind::Busy(_))
        ));
        // A symlink in place of a regular file is not followed.
        fs::remove_file(&path)?;
        std::os::unix::fs::symlink(outside.join("x.md"), &path)?;
        assert!(open_inside(&root, &path, &meta, false).is_err());
        // A directory on the way turned into a symlink out of the tree.
        fs::remove_dir(root.join("sub"))?;
        std::os::unix::fs::symlink(&outside, root.join("sub"))?;
        let through = root.join("sub/x.md");
        assert!(matches!(
            read_entry(&root, &through, 1 << 20),
            Entry::NotArticle
        ));
        assert!(matches!(
            read_entry_unless(&root, &through, 1 << 20, |_| false),
            Some(Entry::NotArticle)
        ));
        Ok(())
    }

    #[test]
    fn the_size_hint_only_sizes_the_buffer() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("a.md");
        let text = "中文 text ".repeat(100);
        fs::write(&path, &text)?;
        let len = text.len() as u64;
        // The file may have grown or shrunk since it was stat'ed.
        for hint in [0, 1, len - 1, len, len + 1, 10 * len] {
            assert_eq!(
                read_limited(fs::File::open(&path)?, &path, 1 << 20, hint).as_deref(),
                Ok(text.as_bytes()),
                "{hint}"
            );
            assert_eq!(
                read_limited(fs::File::open(&path)?, &path, len - 1, hint),
                Err(ArticleErrorKind::TooLarge {
                    size: len,
                    limit: len - 1
                }),
                "{hint}"
            );
            assert_eq!(
                read_limited(fs::File::open(&path)?, &path, len, hint).map(|b| b.len()),
                Ok(text.len())
            );
        }
        Ok(())
    }

    #[test]
    fn symlinks_out_of_the_tree_are_not_followed_and_loops_end() -> io::Result<()> {
        let outside = tempfile::tempdir()?;
        fs::write(outside.path().join("secret.txt"), "secret")?;
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        fs::create_dir(root.join("sub"))?;
        fs::write(root.join("sub/in.md"), "# In")?;
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), root.join("leak.txt"))?;
        std::os::unix::fs::symlink(outside.path(), root.join("leakdir"))?;
        std::os::unix::fs::symlink(root.join("sub/in.md"), root.join("alias.md"))?;
        std::os::unix::fs::symlink(root, root.join("sub/loop"))?;
        let w = walk(root, root, 1 << 20)?;
        let names: Vec<String> = w
            .sources
            .iter()
            .map(|s| {
                s.path
                    .strip_prefix(root)
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(names, ["alias.md", "sub/in.md"]);
        Ok(())
    }

    #[test]
    fn symlinks_to_directories_inside_the_tree_are_not_followed() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        fs::create_dir(root.join("sub"))?;
        fs::write(root.join("sub/in.md"), "# In")?;
        std::os::unix::fs::symlink(".", root.join("loop"))?;
        std::os::unix::fs::symlink("sub", root.join("alias"))?;
        // The daemon re-checks a new symlink's path on its own, then walks it if it is a dir.
        for link in ["loop", "alias"] {
            assert!(
                matches!(
                    read_entry(root, &root.join(link), 1 << 20),
                    Entry::NotArticle
                ),
                "{link}"
            );
        }
        let paths = article_paths(root, root)?;
        assert_eq!(paths, [root.join("sub/in.md")]);
        // The articles dir itself may be a symlink.
        let link_root = dir.path().join("sub-link");
        std::os::unix::fs::symlink(root.join("sub"), &link_root)?;
        assert!(matches!(
            read_entry(&link_root, &link_root, 1 << 20),
            Entry::Dir
        ));
        assert_eq!(
            article_paths(&link_root, &link_root)?,
            [link_root.join("in.md")]
        );
        Ok(())
    }

    #[test]
    fn paths_come_out_in_path_order() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        // Byte order and path order differ here: '-' and '.' sort before '/'.
        for rel in [
            "a/b.md",
            "a-b/c.md",
            "a.md",
            "a b.md",
            "z.txt",
            "a/a/z.md",
            "a/a.md",
            "B.md",
            "中/文.txt",
            "a/a-/x.md",
        ] {
            let path = root.join(rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(path, "# T")?;
        }
        let paths = article_paths(root, root)?;
        let mut sorted = paths.clone();
        sorted.sort();
        assert_eq!(paths.len(), 10);
        assert_eq!(paths, sorted);
        Ok(())
    }
}
