//! One article: decoding, front matter, body formats and derived fields.
//!
//! Everything here is pure: it takes the bytes of one file (a [`Source`]) and returns an
//! [`Article`] or an [`ArticleError`]. Reading the disk is `scan`'s job.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;

mod body;
mod cjk;
pub mod decode;
mod front_matter;
mod html;
mod html_doc;
mod links;
mod markdown;
mod sanitize;
mod simple_yaml;
pub(crate) mod slug;
mod summary;
mod surname;
mod text;
pub mod xml_safe;

mod date;

pub use body::Body;
pub use front_matter::{is_language_tag, A_LANGUAGE_TAG};
pub use links::rebase as rebase_links;
pub use slug::{
    permalink, tag as tag_slug, truncate as truncate_slug, MAX_BYTES as MAX_SLUG_BYTES,
};
pub use xml_safe::xml_safe;

/// The raw material of one article, as read from disk.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path as shown to the user in messages (the articles dir joined with the relative path).
    pub path: PathBuf,
    /// The file's bytes, in whatever encoding it was saved.
    pub bytes: Vec<u8>,
    /// The file's modification time: the date of last resort.
    pub modified: SystemTime,
    /// Name of the directory holding the file, when that is below the articles dir (`None` at
    /// its top): a page bundle's (`my-post/index.md`) name.
    pub dir_name: Option<std::ffi::OsString>,
}

/// Site settings that parsing depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseOptions {
    /// Base URL of the site, always ending in `/`.
    pub base_url: String,
    /// Zone for dates written without an offset.
    pub timezone: Tz,
    /// Sanitize HTML from `.md` and `.html` with ammonia.
    pub sanitize_html: bool,
    /// The site's language: a title in CJK gives its article another only when it cannot be
    /// this one's (a kanji-only headline on a Japanese site is Japanese).
    pub language: String,
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
    pub content_html: Body,
    pub tags: Vec<String>,
    pub draft: bool,
    /// When the article is taken down (front matter `expiryDate`).
    pub expires: Option<DateTime<FixedOffset>>,
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
    /// A shortage of the moment (open files, memory): the daemon tries again soon.
    #[error("cannot read it now: {0}; tried again in a few seconds")]
    Busy(String),
    #[error("cannot read directory: {0}; its articles are not read until it can be (those already published stay published)")]
    UnreadableDir(String),
    #[error("file is {size} bytes, over the limit of {limit} bytes (articles.max_bytes)")]
    TooLarge { size: u64, limit: u64 },
    #[error("binary file (contains NUL bytes), not an article")]
    Binary,
    #[error("not a regular file (a FIFO, socket or device); not read, not published")]
    NotAFile,
    #[error("cannot decode text: not UTF-8, UTF-16 or UTF-32 with a BOM, or a recognised legacy encoding")]
    Undecodable,
    #[error("UTF-32 without a BOM, which is not read: save it as UTF-8 (or UTF-32 with a BOM)")]
    Utf32WithoutBom,
    /// `line`: the first one's, also the [`ArticleError`]'s.
    #[error("holds U+FFFD replacement characters (the first on this line), left by an earlier conversion that lost the original text: restore it from the original, or remove them")]
    ReplacementChars { line: usize },
    #[error("front matter: {0}")]
    FrontMatter(String),
    #[error("front matter is not closed (missing closing `{0}`)")]
    UnclosedFrontMatter(&'static str),
    #[error("invalid date {value:?}: {reason}")]
    BadDate { value: String, reason: String },
    #[error("invalid slug {0:?}: a slug must not be empty, `.` or `..`, over 246 bytes, or contain `/`, `\\`, `?`, `#`, `%` or control characters")]
    BadSlug(String),
    #[error("HTML nested more than {0} elements deep (sanitizing it would take minutes)")]
    TooDeep(usize),
    #[error("HTML text of up to {0} bytes without markup, full of `&` or no-break spaces (sanitizing it would take minutes): split it into paragraphs")]
    SlowText(usize),
    #[error("no title: the file has no front matter title, heading or non-blank line")]
    NoTitle,
    #[error("not an article: unknown extension or an ignored file name")]
    NotAnArticle,
    #[error("slug {slug:?} is also used by {other}; this article is published as {assigned:?}")]
    SlugCollision {
        slug: String,
        other: String,
        assigned: String,
    },
    #[error("updated {0} is in the future; until then the article's last change is its date")]
    FutureUpdate(String),
    #[error("the file name starts with {0}, which is not a date; rename the file, or give it a `date` in front matter")]
    BadStemDate(String),
    #[error("no date, and its modification time ({0}) is more than a day ahead of the clock; give it a `date` in front matter or a YYYY-MM-DD- file name prefix, or `touch` it")]
    FutureMtime(String),
    #[error("holds an unresolved merge conflict (`<<<<<<<`, `=======` and `>>>>>>>` lines, the first on this line): resolve it")]
    MergeConflict,
    #[error("id {id:?} is also used by {other}; this article's id is its permalink instead")]
    IdCollision { id: String, other: String },
}

impl fmt::Display for ArticleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = printable_path(&self.path);
        match self.line {
            Some(line) => write!(f, "{path}:{line}: {}", self.kind),
            None => write!(f, "{path}: {}", self.kind),
        }
    }
}

/// `path` for a one-line message: control characters (a newline in a file name), line and
/// paragraph separators and bidi overrides (which can make a name read as another) escaped, so
/// `check` prints exactly one honest line per problem.
fn printable_path(path: &Path) -> Cow<'_, str> {
    let shown = path.to_string_lossy();
    let hidden = |c: char| {
        c.is_control()
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{61c}'
            )
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    if !shown.chars().any(hidden) {
        return shown;
    }
    Cow::Owned(
        shown
            .chars()
            .map(|c| match c {
                c if hidden(c) => c.escape_default().to_string(),
                c => c.to_string(),
            })
            .collect(),
    )
}

impl std::error::Error for ArticleError {}

/// An error before the path is attached: the line (where known) and the kind.
#[derive(Debug, PartialEq)]
pub(crate) struct Fail {
    line: Option<usize>,
    kind: ArticleErrorKind,
}

impl Fail {
    fn at(line: Option<usize>, kind: ArticleErrorKind) -> Self {
        Fail { line, kind }
    }
}

impl From<ArticleErrorKind> for Fail {
    fn from(kind: ArticleErrorKind) -> Self {
        Fail { line: None, kind }
    }
}

/// Parse one article file. Pure: the bytes, path and mtime in `src` are all it looks at.
///
/// The format comes from the file name ([`crate::scan::classify`]). Every text field of the
/// result is free of XML-forbidden characters, and `content_html` has absolute links (and is
/// sanitized when `opts.sanitize_html`).
pub fn parse(src: &Source, opts: &ParseOptions) -> Result<Article, ArticleError> {
    parse_at(src, opts, Depth::Full)
}

/// [`parse`] without the body, when the body cannot change what feeds list: a Markdown or
/// HTML file whose front matter has a title, or a plain-text file (decoded) with a title line,
/// gets a [`Body::Pending`], only the front matter's summary, no byline author, and every
/// other field exactly as [`parse`] gives it. Other files are parsed in full.
///
/// Rendering the body is most of a parse (Markdown: ~¾ of it), and a feed shows only its
/// newest items: a daemon's first start publishes from this, then parses the rest.
pub fn parse_head(src: &Source, opts: &ParseOptions) -> Result<Article, ArticleError> {
    parse_at(src, opts, Depth::Head)
}

/// How much of a file [`parse_at`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    Full,
    Head,
}

/// [`parse`] or [`parse_head`].
pub fn parse_at(src: &Source, opts: &ParseOptions, depth: Depth) -> Result<Article, ArticleError> {
    parse_source(src, opts, depth).map_err(|f| ArticleError {
        path: src.path.clone(),
        line: f.line,
        kind: f.kind,
    })
}

/// What the body formats produce.
#[derive(Default)]
struct Rendered {
    title: Option<String>,
    html: String,
    summary: String,
    /// An author found in the body (a `.txt` byline).
    author: Option<String>,
    /// What relative URLs resolve against, relative to the permalink (an HTML `<base href>`).
    base: Option<String>,
    /// The language the body says it is in (`<html lang>`).
    lang: Option<String>,
}

/// A file or directory name as text: one that is not UTF-8 (a zip made on Chinese Windows holds
/// GBK names) is decoded like file contents, so a slug is readable rather than full of U+FFFD.
fn readable_name(name: &std::ffi::OsStr) -> Cow<'_, str> {
    match name.to_str() {
        Some(s) => Cow::Borrowed(s),
        None => decode::decode(name.as_encoded_bytes())
            .map(|d| Cow::Owned(d.into_owned()))
            .unwrap_or_else(|_| name.to_string_lossy()),
    }
}

/// How far ahead of the clock an undated file's mtime may be (a clock a little fast) before it
/// is a problem rather than a date to wait for.
const MTIME_AHEAD: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

fn parse_source(src: &Source, opts: &ParseOptions, depth: Depth) -> Result<Article, Fail> {
    let format = crate::scan::classify(&src.path).ok_or(ArticleErrorKind::NotAnArticle)?;
    let text = match format {
        Format::Html => decode::decode_html(&src.bytes),
        Format::Markdown | Format::Text => decode::decode(&src.bytes),
    }
    .map_err(|kind| match kind {
        ArticleErrorKind::ReplacementChars { line } => Fail::at(Some(line), kind),
        ArticleErrorKind::Undecodable => Fail::at(decode::undecodable_line(&src.bytes), kind),
        kind => Fail::from(kind),
    })?;
    if let Some(line) = conflict_markers(&text, format) {
        return Err(Fail::at(Some(line), ArticleErrorKind::MergeConflict));
    }
    // Plain text is rarely given front matter, but a `.txt` that opens with one has it.
    let split = front_matter::split(&text, format != Format::Text)?;
    let (fm, body) = match split.front {
        Some((syntax, front)) => match front_matter::parse(syntax, &front) {
            // Only front matter by its look (after blank lines, in a `.txt`, a JSON object or
            // `Title:` lines): text after all unless it parses and sets a key feedpub reads.
            Ok(fm) if !split.certain && !fm.recognized => {
                (front_matter::FrontMatter::default(), &*text)
            }
            Ok(fm) => (fm, split.body),
            Err(_) if !split.certain => (front_matter::FrontMatter::default(), &*text),
            Err(e) => return Err(e),
        },
        None => (front_matter::FrontMatter::default(), split.body),
    };

    let file_stem = src.path.file_stem().map(readable_name).unwrap_or_default();
    // A page bundle (`my-post/index.md`, as Hugo and Zola lay them out, or a static site's
    // `2019/my-post/index.html`) is named and dated by its directory.
    let stem = match &src.dir_name {
        Some(dir) if file_stem.eq_ignore_ascii_case("index") => readable_name(dir),
        _ => file_stem,
    };
    // Another spelling's or another tool's date or slug that cannot be read is ignored, as any
    // key feedpub does not read is.
    let date_of =
        |l: &front_matter::Located<String>| match date::parse_date(&l.value, opts.timezone) {
            Ok(d) => Ok(Some(d)),
            Err(_) if !l.strict => Ok(None),
            Err(reason) => Err(Fail::at(
                l.line,
                ArticleErrorKind::BadDate {
                    value: l.value.clone(),
                    reason,
                },
            )),
        };
    let fm_date = fm.date.as_ref().map(date_of).transpose()?.flatten();
    let publish_date = fm.publish_date.as_ref().map(date_of).transpose()?.flatten();
    let expires = fm.expires.as_ref().map(date_of).transpose()?.flatten();
    let fm_updated = fm.updated.as_ref().map(date_of).transpose()?.flatten();
    // A file name's date that is no date (`2024-02-30-`) is a problem unless the front matter
    // gives one.
    let stem_date = match date::stem_date(&stem) {
        Ok(d) => d,
        Err(_) if fm_date.is_some() || publish_date.is_some() => None,
        Err(prefix) => {
            return Err(Fail::from(ArticleErrorKind::BadStemDate(
                prefix.to_string(),
            )));
        }
    };
    let explicit = match &fm.slug {
        Some(s) => match slug::explicit(&s.value) {
            Ok(slug) => Some(slug),
            Err(_) if !s.strict => None,
            Err(v) => return Err(Fail::at(s.line, ArticleErrorKind::BadSlug(v))),
        },
        None => None,
    };
    let slug = explicit.unwrap_or_else(|| {
        slug::from_stem(stem_date.map_or(
            &*stem,
            |(_, rest)| if rest.is_empty() { &*stem } else { rest },
        ))
    });
    let stem_midnight = stem_date
        .and_then(|(d, _)| date::midnight(d, opts.timezone))
        .filter(date::in_feed_range);
    let date = match (fm_date, stem_midnight) {
        (Some(d), _) => d,
        (None, Some(d)) => d,
        (None, None) => {
            let date = date::from_mtime(src.modified, opts.timezone);
            // An undated file from a machine with a wrong clock (or a `tar x` of one) would
            // wait, unannounced, until its mtime comes.
            let ahead = src.modified.duration_since(std::time::SystemTime::now());
            if publish_date.is_none() && ahead.is_ok_and(|d| d > MTIME_AHEAD) {
                return Err(Fail::from(ArticleErrorKind::FutureMtime(
                    date.format("%Y-%m-%d %H:%M:%S %:z").to_string(),
                )));
            }
            date
        }
    };
    // A post scheduled for no date (none in front matter or file name) cannot say when: it
    // waits, rather than go out now.
    let scheduled_for_nothing =
        fm.scheduled && fm_date.is_none() && publish_date.is_none() && stem_midnight.is_none();
    // A publish date (Hugo's `publishDate`) later than the date holds the article until then.
    let date = match publish_date {
        Some(p) if fm_date.is_none() => p,
        Some(p) => p.max(date),
        None => date,
    };
    let updated = fm_updated.map_or(date, |u| u.max(date));

    let link = permalink(&opts.base_url, &slug);
    // Markdown without raw HTML comes out of `markdown::render` already safe.
    let mut needs_sanitizing = format == Format::Html;
    // A front matter title is the title whatever the body holds, and a plain text's is its
    // first line (a blank one is an error, reported by a full parse).
    let head_title = match format {
        Format::Text => fm.title.as_deref().or_else(|| text::title(body)),
        Format::Markdown | Format::Html => fm.title.as_deref(),
    };
    let pending = depth == Depth::Head
        && head_title.is_some_and(|t| !clean_text(t.to_string()).trim().is_empty());
    let body = match format {
        _ if pending => Rendered {
            title: head_title
                .filter(|_| format == Format::Text)
                .map(str::to_string),
            ..Rendered::default()
        },
        Format::Markdown => {
            let r = markdown::render(body, fm.title.as_deref(), opts.sanitize_html);
            needs_sanitizing = r.raw_html;
            Rendered {
                title: r.title,
                html: r.html,
                summary: r.summary,
                ..Rendered::default()
            }
        }
        Format::Html => html_body(body, fm.title.as_deref()),
        Format::Text => {
            // A front matter title stands where the headline line would, so the text's first
            // line stays text.
            let titled;
            let body = match &fm.title {
                Some(title) => {
                    titled = format!("{}\n\n{body}", one_line(title.clone()));
                    &titled
                }
                None => body,
            };
            let r = text::render(body);
            Rendered {
                title: r.title,
                html: r.html,
                summary: r.summary,
                author: r.author,
                ..Rendered::default()
            }
        }
    };
    let mut content_html = body.html;
    if format != Format::Text && !pending {
        if opts.sanitize_html && needs_sanitizing {
            if sanitize::too_deep(&content_html) {
                return Err(ArticleErrorKind::TooDeep(sanitize::MAX_DEPTH).into());
            }
            if let Some(bytes) = sanitize::slow_text(&content_html) {
                return Err(ArticleErrorKind::SlowText(bytes).into());
            }
            content_html = sanitize::sanitize(&content_html);
        }
        // An HTML document's `<base href>` says what its relative URLs mean, itself relative to
        // where the article is published.
        let permalink = url::Url::parse(&link);
        let base = match (&permalink, body.base.as_deref()) {
            (Ok(p), Some(href)) => p.join(href).or(permalink.clone()),
            _ => permalink,
        };
        if let Ok(base) = base {
            if let Cow::Owned(abs) = links::absolutize(&content_html, &base) {
                content_html = abs;
            }
        }
    }

    let title = fm
        .title
        .or(body.title)
        .map(|t| one_line(clean_text(t)))
        .filter(|t| !t.is_empty());
    let title = title.ok_or(ArticleErrorKind::NoTitle)?;
    let summary = match fm.summary {
        Some(s) => s,
        // Markdown written as raw HTML blocks (pasted from a CMS), or opening with them, has no
        // Markdown paragraphs to summarise, or not the first: its (cleaned) HTML is summarised
        // as an `.html` file's is.
        None if body.summary.is_empty() && format == Format::Markdown && needs_sanitizing => {
            html_doc::outline(&content_html).summary
        }
        None => body.summary,
    };
    let mut tags: Vec<String> = Vec::with_capacity(fm.tags.len());
    let mut tag_slugs: Vec<String> = Vec::with_capacity(fm.tags.len());
    for tag in fm.tags {
        let tag = clean_text(slug::nfc(tag.trim()).into_owned());
        // `News` and `news`, `Web Dev` and `web-dev`, are one tag page and feed: one category,
        // as first spelled.
        let slug = slug::tag(&tag);
        if !tag.is_empty() && !tag_slugs.contains(&slug) {
            tags.push(tag);
            tag_slugs.push(slug);
        }
    }
    let clean = |s: Option<String>| s.map(clean_text).filter(|s| !s.is_empty());
    // The daemon holds every article for its lifetime: drop the growth slack of the rendered
    // text (up to half of each buffer; serve at 100k articles: VmRSS 834 -> 744 MiB).
    let mut content_html = clean_text(content_html);
    content_html.shrink_to_fit();
    let mut summary = clean_text(summary);
    summary.shrink_to_fit();
    let lang = clean(fm.lang)
        .or(body.lang)
        .or_else(|| cjk_language(&title, &opts.language).map(str::to_string));
    Ok(Article {
        path: src.path.clone(),
        format,
        title,
        slug,
        id: clean(fm.id),
        date,
        updated,
        author: clean(fm.author.or(body.author)),
        summary,
        content_html: match pending {
            true => Body::Pending,
            false => Body::Inline(content_html),
        },
        tags,
        draft: fm.draft || scheduled_for_nothing,
        expires,
        lang,
    })
}

/// A saved page's headline from its `<title>` and `og:title`, which often add the site's name
/// (`Budget vote delayed | Example Times`, `国务院召开常务会议-新华网`): its first `<h1>` when
/// either is that `<h1>` with a shorter name beside it, else `og:title` when the `<title>` holds
/// it, else the `<title>`. A site's logo in an `<h1>` (`og:site_name`, or the longer part of
/// the `<title>`) is never the headline.
fn page_title(
    title: Option<String>,
    og: Option<String>,
    site: Option<&str>,
    h1: Option<&String>,
) -> Option<String> {
    let og = og.filter(|o| Some(o.as_str()) != site);
    if let Some(h) = h1.filter(|h| Some(h.as_str()) != site) {
        let names_it = |c: &String| c == h || h1_and_site_name(c, h);
        if og.iter().chain(&title).any(names_it) {
            return Some(h.clone());
        }
    }
    match (title, og) {
        (Some(t), Some(o)) if t.contains(o.as_str()) => Some(o),
        (title, og) => title.or(og),
    }
}

/// Whether `title` is `h1` and a shorter name, the site's, on either side of a separator.
fn h1_and_site_name(title: &str, h1: &str) -> bool {
    const SEPARATORS: [char; 8] = ['|', '-', '–', '—', '·', '•', '»', '_'];
    let shorter = |name: Option<&str>| {
        name.map(str::trim)
            .is_some_and(|n| !n.is_empty() && n.chars().count() < h1.chars().count())
    };
    // A hyphen between letters or digits is a word's (`Apple-Pie recipe`).
    let word = |a: Option<char>, b: Option<char>| {
        a.zip(b)
            .is_some_and(|(a, b)| a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric())
    };
    let after = title.strip_prefix(h1).is_some_and(|rest| {
        rest.trim_start().starts_with(SEPARATORS)
            && !(rest.starts_with('-') && word(h1.chars().last(), rest[1..].chars().next()))
            && shorter(rest.split(SEPARATORS).rfind(|n| !n.trim().is_empty()))
    });
    let before = title.strip_suffix(h1).is_some_and(|rest| {
        rest.trim_end().ends_with(SEPARATORS)
            && !(rest.ends_with('-')
                && word(rest[..rest.len() - 1].chars().last(), h1.chars().next()))
            && shorter(rest.split(SEPARATORS).find(|n| !n.trim().is_empty()))
    });
    after || before
}

/// The line of the `<<<<<<<` of a merge conflict left in a Markdown or HTML article (a `git
/// merge` or `git pull` that stopped), when `=======` and `>>>>>>>` follow it: the article is
/// half one version and half another. Markers shown as code (a post about git: Markdown
/// fences, Jekyll's and Hugo's highlight tags, `<pre>`) are text, and so is a `.txt`.
fn conflict_markers(text: &str, format: Format) -> Option<usize> {
    if format == Format::Text || !text.contains("\n=======") {
        return None;
    }
    let run = |line: &str, c: char| line.len() - line.trim_start_matches(c).len();
    let (mut fence, mut highlight, mut pre) = (None::<(char, usize)>, false, false);
    let (mut open, mut middle) = (None, false);
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if let Some((c, len)) = fence {
            // Closed by a run of the same character at least as long, and nothing after.
            if run(t, c) >= len && t.trim_start_matches(c).trim().is_empty() {
                fence = None;
            }
            continue;
        }
        if highlight {
            highlight = !["{% endhighlight", "{{< /highlight", "{{% /highlight"]
                .iter()
                .any(|end| t.starts_with(end));
            continue;
        }
        if pre {
            pre = !line.contains("</pre");
            continue;
        }
        if format == Format::Markdown {
            if let Some(c) = ['`', '~'].into_iter().find(|&c| run(t, c) >= 3) {
                fence = Some((c, run(t, c)));
                continue;
            }
            if ["{% highlight", "{{< highlight", "{{% highlight"]
                .iter()
                .any(|tag| t.starts_with(tag))
            {
                highlight = true;
                continue;
            }
        }
        // A `<pre>` element: in Markdown only as an HTML block (at a line's start), and never
        // `<preview>` or a mention in prose or inline code.
        let pre_tag = |at: usize| {
            line[at + 4..]
                .chars()
                .next()
                .is_none_or(|c| c == '>' || c.is_ascii_whitespace())
        };
        let opens = match format {
            Format::Markdown => t.starts_with("<pre") && pre_tag(line.len() - t.len()),
            _ => line.match_indices("<pre").any(|(at, _)| pre_tag(at)),
        };
        if opens && !line.contains("</pre") {
            pre = true;
            continue;
        }
        match open {
            None if line == "<<<<<<<" || line.starts_with("<<<<<<< ") => open = Some(n + 1),
            Some(_) if line == "=======" => middle = true,
            Some(at) if middle && (line == ">>>>>>>" || line.starts_with(">>>>>>> ")) => {
                return Some(at)
            }
            _ => {}
        }
    }
    None
}

/// The language of a title written mostly in CJK characters (`zh`, `ja` when it has kana, `ko`
/// when hangul), so that a Chinese `.txt` on an English site gets a Chinese font and voice.
/// A CJK character weighs as a word of another script (`iPhone 16 发布` is Chinese). Hanzi
/// alone are the site's language when that is Chinese, Japanese or Korean (`東京都知事選挙` on a
/// Japanese site). The title alone decides: a first start reads only the heads of most files.
fn cjk_language(title: &str, site: &str) -> Option<&'static str> {
    let (mut words, mut han, mut kana, mut hangul) = (0, 0, 0, 0);
    let mut in_word = false;
    for c in title.chars() {
        let cjk = match c {
            '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' => &mut han,
            // Not `・` and `ー`, which Chinese transcriptions use too.
            '\u{3040}'..='\u{30FA}' | '\u{30FD}'..='\u{30FF}' | '\u{FF66}'..='\u{FF9F}' => {
                &mut kana
            }
            '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}' | '\u{AC00}'..='\u{D7A3}' => {
                &mut hangul
            }
            _ => {
                words += usize::from(c.is_alphabetic() && !in_word);
                in_word = c.is_alphabetic();
                continue;
            }
        };
        *cjk += 1;
        in_word = false;
    }
    let primary = site
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match han + kana + hangul {
        n if n == 0 || n <= words => None,
        _ if kana > 0 => Some("ja"),
        _ if hangul > 0 => Some("ko"),
        _ if matches!(primary.as_str(), "zh" | "ja" | "ko") => None,
        _ => Some("zh"),
    }
}

/// `s` without XML-forbidden characters ([`xml_safe`]) and without U+FFFD. [`decode`] refuses
/// files holding U+FFFD, so any left came from an invalid character reference (`&#0;`, a
/// surrogate, `\uFFFD` in front matter), which CommonMark and HTML turn into U+FFFD: dropped
/// like a forbidden character, since readers take it for damaged text.
fn clean_text(s: String) -> String {
    let s = xml_safe::xml_safe_owned(s);
    if s.contains("\u{FFFD}") {
        s.replace('\u{FFFD}', "")
    } else {
        s
    }
}

/// A title on one line: each run of spaces and line breaks (a YAML `"a\nb"`, a `<title>`
/// folded over lines) becomes one space. A CR written into XML would be read back as a line
/// feed, so the formats would disagree.
fn one_line(s: String) -> String {
    let is_break = |c: char| matches!(c, '\r' | '\n' | '\t' | '\u{85}' | '\u{2028}' | '\u{2029}');
    if !s.contains(is_break) && !s.contains("  ") && s.trim() == s {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    for word in s
        .split(|c: char| c == ' ' || is_break(c))
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// An `.html` body: the content of `<body>` (of its `<main>` or only `<article>` in a saved
/// page; or the fragment), titled by the first `<h1>` or the `<title>` (the `<h1>` when the
/// `<title>` is it with the site's name added), a heading of another level that opens it, or
/// the first line of text. A heading that is the title is removed from the content.
fn html_body(doc: &str, fm_title: Option<&str>) -> Rendered {
    let page = html_doc::outline(doc);
    let content = html_doc::body(doc);
    let outline = html_doc::outline(&content);
    let h1 = outline.h1.as_ref().map(|(t, _)| t);
    let opening = outline.opening.as_ref().map(|(t, _)| t);
    let title = fm_title
        .map(str::to_string)
        .or_else(|| page_title(page.title, page.og_title, page.site_name.as_deref(), h1))
        .or_else(|| h1.cloned())
        .or_else(|| opening.cloned())
        .or(outline.first_line);
    let heading = [&outline.h1, &outline.opening]
        .into_iter()
        .flatten()
        .find(|(text, _)| title.as_deref() == Some(text.as_str()));
    let html = match heading {
        Some((_, range)) => {
            let mut without = String::with_capacity(content.len());
            without.push_str(&content[..range.start]);
            without.push_str(&content[range.end..]);
            without
        }
        None => content,
    };
    Rendered {
        title,
        html,
        summary: outline.summary,
        author: page.author,
        base: page.base,
        lang: page.lang.filter(|l| is_language_tag(l)),
    }
}

#[cfg(test)]
mod markdown_safety_tests;
#[cfg(test)]
#[path = "tests.rs"]
mod tests;
