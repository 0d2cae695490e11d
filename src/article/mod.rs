//! One article: decoding, front matter, body formats and derived fields.
//!
//! Everything here is pure: it takes the bytes of one file (a [`Source`]) and returns an
//! [`Article`] or an [`ArticleError`]. Reading the disk is `scan`'s job.

use std::fmt;
use std::path::PathBuf;
use std::time::SystemTime;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;

/// The raw material of one article, as read from disk.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path as shown to the user in messages (the articles dir joined with the relative path).
    pub path: PathBuf,
    /// The file's bytes, in whatever encoding it was saved.
    pub bytes: Vec<u8>,
    /// The file's modification time: the date of last resort.
    pub modified: SystemTime,
}

/// Site settings that parsing depends on.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// Base URL of the site, always ending in `/`.
    pub base_url: String,
    /// Zone for dates written without an offset.
    pub timezone: Tz,
    /// Sanitize HTML from `.md` and `.html` with ammonia.
    pub sanitize_html: bool,
}

/// Format of a source file, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Text,
    Html,
}

/// One parsed article. Text fields are free of XML-forbidden characters.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    /// Source path (as in [`Source::path`]); the key of the store.
    pub path: PathBuf,
    pub format: Format,
    pub title: String,
    /// URL path segment, not percent-encoded (may be non-ASCII). Never empty, never contains `/`,
    /// `\`, control characters, and is never `.` or `..`.
    pub slug: String,
    /// Front matter `id`, when given; otherwise the permalink is the id.
    pub id: Option<String>,
    pub date: DateTime<FixedOffset>,
    pub updated: DateTime<FixedOffset>,
    pub author: Option<String>,
    /// Plain text summary (not HTML).
    pub summary: String,
    /// The body as HTML: sanitized when configured, relative links made absolute.
    pub content_html: String,
    pub tags: Vec<String>,
    pub draft: bool,
    pub lang: Option<String>,
}

/// Why one article could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleError {
    pub path: PathBuf,
    /// 1-based line in the file, where known.
    pub line: Option<usize>,
    pub kind: ArticleErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArticleErrorKind {
    #[error("cannot read file: {0}")]
    Io(String),
    #[error("file is {size} bytes, over the limit of {limit} bytes (articles.max_bytes)")]
    TooLarge { size: u64, limit: u64 },
    #[error("binary file (contains NUL bytes), not an article")]
    Binary,
    #[error("cannot decode text: not UTF-8, UTF-16 with BOM, or a recognised legacy encoding")]
    Undecodable,
    #[error("front matter: {0}")]
    FrontMatter(String),
    #[error("front matter is not closed (missing closing `{0}`)")]
    UnclosedFrontMatter(&'static str),
    #[error("invalid date {value:?}: {reason}")]
    BadDate { value: String, reason: String },
    #[error("invalid slug {0:?}: a slug must not be empty, `.`/`..`, or contain `/`, `\\` or control characters")]
    BadSlug(String),
    #[error("no title: the file has no front matter title, heading or non-blank line")]
    NoTitle,
    #[error("slug {slug:?} is also used by {other}; this article is published as {assigned:?}")]
    SlugCollision {
        slug: String,
        other: String,
        assigned: String,
    },
}

impl fmt::Display for ArticleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.kind),
            None => write!(f, "{}: {}", self.path.display(), self.kind),
        }
    }
}

impl std::error::Error for ArticleError {}
