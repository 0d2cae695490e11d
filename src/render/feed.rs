//! What the three feed formats share: the feed's URLs, its newest date, item links and authors.

use chrono::{DateTime, FixedOffset, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

pub(super) use crate::article::permalink;
use crate::article::Article;
use crate::config::Config;

/// Everything but ASCII alphanumerics and `-._~` (RFC 3986 unreserved) is percent-encoded in a
/// path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The generator name written into every feed.
pub(super) const GENERATOR: &str = "feedpub";

/// `path` (segments separated by `/`) with each segment percent-encoded.
pub(super) fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.extend(utf8_percent_encode(segment, SEGMENT));
    }
    out
}

/// When the article last changed: its `updated`, but never before its `date`.
pub(super) fn modified(article: &Article) -> DateTime<FixedOffset> {
    article.updated.max(article.date)
}

/// An article's language where it is not the site's: a `zh` found in a title on a `zh-CN` site
/// is the site's.
pub(super) fn own_lang<'a>(article: &'a Article, site_language: &str) -> Option<&'a str> {
    let lang = article.lang.as_deref().filter(|l| !l.trim().is_empty())?;
    let narrower = site_language
        .get(..lang.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(lang))
        && site_language[lang.len()..].starts_with(['-', '_']);
    (!(narrower || lang.eq_ignore_ascii_case(site_language))).then_some(lang)
}

/// An item's summary in every format: its own, else its title. An article without text (an
/// empty body, or an image alone) would otherwise have none, and validators want one: RSS a
/// `<description>` before `content:encoded`, Atom a summary where there is no content.
pub(super) fn summary(article: &Article) -> &str {
    match article.summary.trim() {
        "" => &article.title,
        _ => &article.summary,
    }
}

/// The body for a full-content item, if it has any markup (an image alone is kept): an empty
/// `content:encoded` or `content_html` says nothing.
pub(super) fn content(article: &Article) -> Option<std::borrow::Cow<'_, str>> {
    Some(article.content_html.html()).filter(|html| !html.trim().is_empty())
}

/// The latest change among `items`, if any.
pub(super) fn newest(items: &[&Article]) -> Option<DateTime<FixedOffset>> {
    items.iter().map(|a| modified(a)).max()
}

/// One feed, ready to be written in any of the three formats.
pub(super) struct FeedDoc<'a> {
    pub config: &'a Config,
    pub title: &'a str,
    /// Site description, else the title (RSS requires a description).
    pub description: &'a str,
    /// Site language, when set.
    pub language: Option<&'a str>,
    /// Absolute URL of the directory holding the feed files (the base URL or `…/tags/{slug}/`).
    pub dir_url: String,
    /// At most `limit` articles, newest first.
    pub items: &'a [&'a Article],
    /// Permalink of each item, in the same order.
    pub links: Vec<String>,
    /// The newest change among the items (`now` for an empty feed): the feed's updated date.
    pub updated: DateTime<Utc>,
}

impl<'a> FeedDoc<'a> {
    pub fn new(
        config: &'a Config,
        key_prefix: &str,
        title: &'a str,
        items: &'a [&'a Article],
        now: DateTime<Utc>,
    ) -> Self {
        let site = &config.site;
        let description = if site.description.trim().is_empty() {
            title
        } else {
            site.description.as_str()
        };
        FeedDoc {
            config,
            title,
            description,
            language: Some(site.language.as_str()).filter(|l| !l.trim().is_empty()),
            dir_url: format!("{}{}", site.base_url, encode_path(key_prefix)),
            items,
            links: items
                .iter()
                .map(|a| permalink(&site.base_url, &a.slug))
                .collect(),
            updated: newest(items).map_or(now, |d| d.with_timezone(&Utc)),
        }
    }

    /// Absolute URL of one of this feed's files.
    pub fn url_of(&self, file: &str) -> String {
        format!("{}{file}", self.dir_url)
    }

    /// The page a reader opens for the feed as a whole: the home page, or a tag's page.
    pub fn home_page(&self) -> &str {
        &self.dir_url
    }

    pub fn full_content(&self) -> bool {
        self.config.feeds.full_content
    }

    /// The author shown for an item: its own, else the site's.
    pub fn item_author(&self, article: &'a Article) -> Option<&'a str> {
        article
            .author
            .as_deref()
            .or(self.config.site.author.as_deref())
            .filter(|a| !a.trim().is_empty())
    }

    /// The feed-level author (Atom requires one): site author, else site title, else "feedpub".
    pub fn feed_author(&self) -> &'a str {
        let site = &self.config.site;
        match site.author.as_deref() {
            Some(a) if !a.trim().is_empty() => a,
            _ if !site.title.trim().is_empty() => &site.title,
            _ => GENERATOR,
        }
    }

    /// The id of an item: its front matter id, else its permalink.
    pub fn item_id(&self, i: usize) -> &str {
        self.items[i].id.as_deref().unwrap_or(&self.links[i])
    }
}

/// An author string split into a display name and an email, if it has the RSS shape
/// `name@example.com` or `name@example.com (Name)`, or the mail shape `Name <name@example.com>`.
/// A `mailto:` before the address is dropped: Atom's `<email>` and RSS's `<author>` want the
/// bare address.
pub(super) fn split_author(author: &str) -> (&str, Option<&str>) {
    let author = author.trim();
    if let Some((name, addr)) = author
        .strip_suffix('>')
        .and_then(|a| a.rsplit_once('<'))
        .and_then(|(name, addr)| Some((name, email(addr)?)))
    {
        let name = name.trim().trim_matches('"').trim();
        return (if name.is_empty() { addr } else { name }, Some(addr));
    }
    let (addr, rest) = match author.split_once(char::is_whitespace) {
        Some((addr, rest)) => (addr, Some(rest.trim())),
        None => (author, None),
    };
    let Some(addr) = email(addr) else {
        return (author, None);
    };
    match rest {
        None => (addr, Some(addr)),
        Some(rest) => match rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            Some(name) if !name.trim().is_empty() => (name.trim(), Some(addr)),
            _ => (author, None),
        },
    }
}

/// What RSS's `<author>` requires, an email address optionally followed by ` (Name)`, made of
/// an author in any shape [`split_author`] reads; `None` without an email.
pub(super) fn rss_author(author: &str) -> Option<String> {
    match split_author(author) {
        (name, Some(addr)) if name == addr => Some(addr.to_string()),
        (name, Some(addr)) => Some(format!("{addr} ({name})")),
        (_, None) => None,
    }
}

/// The address in `s`, without a `mailto:` before it, if it is a plausible addr-spec.
fn email(s: &str) -> Option<&str> {
    let addr = match s.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => &s[7..],
        _ => s,
    };
    is_email(addr).then_some(addr)
}

/// An addr-spec as feed validators take it: a dot-atom local part (RFC 5322 `atext`, non-ASCII
/// allowed as RFC 6531 does) and a domain of two or more labels of letters, digits and `-`. A
/// quoted local part or an IP literal is refused: no feed author writes one.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let letter = |c: char| c.is_ascii_alphanumeric() || c == '-';
    let dot_atom = |s: &str, ok: &dyn Fn(char) -> bool| {
        s.split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| ok(c) || !c.is_ascii()))
    };
    dot_atom(local, &atext)
        && dot_atom(domain, &letter)
        && domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.starts_with('-') && !label.ends_with('-'))
}

#[cfg(test)]
mod author_tests {
    use super::{rss_author, split_author};

    #[test]
    fn authors_in_the_rss_and_the_mail_shapes() {
        let cases = [
            (
                "jane@example.org",
                ("jane@example.org", Some("jane@example.org")),
            ),
            (
                "jane@example.org (Jane Doe)",
                ("Jane Doe", Some("jane@example.org")),
            ),
            (
                "Jane Doe <jane@example.org>",
                ("Jane Doe", Some("jane@example.org")),
            ),
            (
                "\"Doe, Jane\" <jane@example.org>",
                ("Doe, Jane", Some("jane@example.org")),
            ),
            (
                "<jane@example.org>",
                ("jane@example.org", Some("jane@example.org")),
            ),
            ("Jane Doe", ("Jane Doe", None)),
            ("Jane <not an email>", ("Jane <not an email>", None)),
            ("张三", ("张三", None)),
            (
                "mailto:m@example.org",
                ("m@example.org", Some("m@example.org")),
            ),
            (
                "Jane <MAILTO:jane@example.org>",
                ("Jane", Some("jane@example.org")),
            ),
            (
                "li.wei@例子.中国",
                ("li.wei@例子.中国", Some("li.wei@例子.中国")),
            ),
            // Not addr-specs: a scheme left in, a second colon, dots out of place, bad labels.
            ("news:m@example.org", ("news:m@example.org", None)),
            (
                "mailto:mailto:m@example.org",
                ("mailto:mailto:m@example.org", None),
            ),
            ("m.@example.org", ("m.@example.org", None)),
            ("a..b@example.org", ("a..b@example.org", None)),
            ("m@-example.org", ("m@-example.org", None)),
            ("m@example..org", ("m@example..org", None)),
            ("m@localhost", ("m@localhost", None)),
            ("m@exa_mple.org", ("m@exa_mple.org", None)),
        ];
        for (author, want) in cases {
            assert_eq!(split_author(author), want, "{author}");
        }
        assert_eq!(
            rss_author("Jane Doe <jane@example.org>").as_deref(),
            Some("jane@example.org (Jane Doe)")
        );
        assert_eq!(
            rss_author("jane@example.org").as_deref(),
            Some("jane@example.org")
        );
        assert_eq!(rss_author("Jane Doe"), None);
        assert_eq!(
            rss_author("Jane <mailto:jane@example.org>").as_deref(),
            Some("jane@example.org (Jane)")
        );
    }
}
