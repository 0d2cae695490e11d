//! An article's HTML body: in memory, or a byte range of the parse cache read back when needed.
//!
//! Bodies are most of an article's size (~5 KB of ~7 KB at 100,000 articles), and only the
//! feeds' latest items and the pages someone asks for need them. An article taken from the parse
//! cache ([`crate::cache`]) keeps only where its body lies in that file; the file stays open, so
//! it stays readable even after a newer cache replaces it (atomically, by rename).
//!
//! A daemon's first start without a cache publishes its feeds before every body is parsed
//! (see [`crate::article::parse_head`]): such an article's body is [`Body::Pending`] until the
//! engine parses it in full. Nothing renders a pending body (the engine makes sure of it).

use std::borrow::Cow;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

/// The body of one article, as HTML.
#[derive(Clone)]
pub enum Body {
    Inline(String),
    /// `len` bytes at `offset` of `file`, checked to be UTF-8 when the cache was loaded.
    Stored {
        file: Arc<File>,
        offset: u64,
        len: u32,
    },
    /// Not parsed yet: the article is known by its front matter alone.
    Pending,
}

impl Body {
    /// The HTML. A stored body that can no longer be read (a disk error) is logged and comes
    /// back empty rather than as wrong text.
    /// A pending body has none: it is empty here, and never rendered.
    pub fn html(&self) -> Cow<'_, str> {
        self.try_html().unwrap_or_else(|e| {
            tracing::error!("cannot read an article body back from the parse cache: {e}");
            Cow::Borrowed("")
        })
    }

    /// The HTML, or why a stored body cannot be read.
    pub fn try_html(&self) -> std::io::Result<Cow<'_, str>> {
        match self {
            Body::Inline(s) => Ok(Cow::Borrowed(s)),
            Body::Pending => Ok(Cow::Borrowed("")),
            Body::Stored { file, offset, len } => {
                let mut buf = vec![0; *len as usize];
                file.read_exact_at(&mut buf, *offset)?;
                String::from_utf8(buf)
                    .map(Cow::Owned)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
            }
        }
    }

    /// Length in bytes, without reading a stored body.
    pub fn len(&self) -> usize {
        match self {
            Body::Inline(s) => s.len(),
            Body::Stored { len, .. } => *len as usize,
            Body::Pending => 0,
        }
    }

    /// Whether the body is still to be parsed.
    pub fn is_pending(&self) -> bool {
        matches!(self, Body::Pending)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<String> for Body {
    fn from(s: String) -> Body {
        Body::Inline(s)
    }
}

impl From<&str> for Body {
    fn from(s: &str) -> Body {
        Body::Inline(s.to_string())
    }
}

impl PartialEq for Body {
    /// Same HTML; a pending body equals only another pending one (an article parsed in full
    /// must replace its pending version even when its body is empty).
    fn eq(&self, other: &Body) -> bool {
        match (self.is_pending(), other.is_pending()) {
            (false, false) => self.html() == other.html(),
            (pending, other) => pending && other,
        }
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Body::Inline(s) => s.fmt(f),
            Body::Stored { offset, len, .. } => write!(f, "<stored: {len} bytes at {offset}>"),
            Body::Pending => f.write_str("<pending>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_stored_body_reads_back_its_range_even_after_the_file_is_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cache");
        std::fs::write(&path, "xx<p>正文</p>yy").expect("write");
        let file = Arc::new(File::open(&path).expect("open"));
        let body = Body::Stored {
            file,
            offset: 2,
            len: "<p>正文</p>".len() as u32,
        };
        // Replaced by rename, as a new cache is: the open file keeps the old bytes.
        let tmp = dir.path().join("tmp");
        File::create(&tmp)
            .and_then(|mut f| f.write_all(b"something else entirely"))
            .expect("write new");
        std::fs::rename(&tmp, &path).expect("rename");
        assert_eq!(body.html(), "<p>正文</p>");
        assert_eq!(body.len(), "<p>正文</p>".len());
        assert_eq!(body, Body::from("<p>正文</p>"));
    }

    #[test]
    fn an_unreadable_range_is_empty_not_garbage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cache");
        std::fs::write(&path, "short").expect("write");
        let file = Arc::new(File::open(&path).expect("open"));
        let past_the_end = Body::Stored {
            file: Arc::clone(&file),
            offset: 3,
            len: 10,
        };
        assert_eq!(past_the_end.html(), "");
        std::fs::write(&path, b"\xff\xfe\xfd").expect("write");
        let file = Arc::new(File::open(&path).expect("open"));
        let not_utf8 = Body::Stored {
            file,
            offset: 0,
            len: 3,
        };
        assert_eq!(not_utf8.html(), "");
    }

    #[test]
    fn a_pending_body_equals_only_a_pending_body() {
        assert_eq!(Body::Pending, Body::Pending);
        assert_ne!(Body::Pending, Body::from(""));
        assert_ne!(Body::from(""), Body::Pending);
        assert!(Body::Pending.is_pending() && !Body::from("").is_pending());
    }
}
