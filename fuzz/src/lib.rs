//! Invariants the fuzz targets check, shared between them.
//!
//! * [`check_article`]: parse one article, render a site from it, and check every feed is
//!   well-formed XML (or JSON), and every key stays inside the out dir.
//! * [`check_site`]: the render checks alone (for the config target).
//! * [`has_dot_dot_segment`]: whether a request path names a `..` segment in any spelling.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use feedpub::article::{self, ParseOptions, Source};
use feedpub::config::Config;
use feedpub::site::Site;

/// The extensions an article may have, one per format (and the aliases).
pub const EXTENSIONS: [&str; 5] = ["md", "txt", "html", "markdown", "htm"];

/// A fixed "now" so a crash reproduces: 2030-01-01T00:00:00Z.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_893_456_000, 0).expect("a valid timestamp")
}

/// Parse `bytes` as the article `name`; when it parses, render a site with it and check it.
pub fn check_article(name: &str, bytes: &[u8], sanitize_html: bool) {
    let config = Config::default();
    let opts = ParseOptions {
        base_url: config.site.base_url.clone(),
        timezone: config.site.timezone,
        sanitize_html,
    };
    let src = Source {
        path: PathBuf::from("articles").join(name),
        bytes: bytes.to_vec(),
        modified: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    };
    let Ok(a) = article::parse(&src, &opts) else {
        return;
    };
    let content = a.content_html.html();
    for (what, text) in [
        ("title", a.title.as_str()),
        ("summary", a.summary.as_str()),
        ("content", &*content),
        ("slug", a.slug.as_str()),
    ] {
        if let Some(c) = text.chars().find(|&c| !is_xml_char(c)) {
            panic!(
                "article {what} holds U+{:04X}, not allowed in XML: {text:?}",
                u32::from(c)
            );
        }
    }
    assert!(!a.title.trim().is_empty(), "empty title");
    assert!(
        !a.slug.is_empty()
            && a.slug != "."
            && a.slug != ".."
            && !a.slug.contains(['/', '\\'])
            && !a.slug.chars().any(char::is_control),
        "bad slug {:?}",
        a.slug
    );
    let site = feedpub::render::render_site(&config, &[Arc::new(a)], now());
    check_site(&site);
}

/// Every key stays inside the out dir; every feed parses; every page is UTF-8 without
/// XML-forbidden characters.
pub fn check_site(site: &Site) {
    for (key, asset) in &site.assets {
        assert!(is_safe_key(key), "unsafe key {key:?}");
        let body = asset.body();
        if key.ends_with(".xml") {
            if let Err(e) = well_formed_xml(body) {
                panic!(
                    "{key}: not well-formed XML: {e}\n{}",
                    String::from_utf8_lossy(body)
                );
            }
        } else if key.ends_with(".json") {
            if let Err(e) = serde_json::from_slice::<serde_json::Value>(body) {
                panic!("{key}: not JSON: {e}\n{}", String::from_utf8_lossy(body));
            }
        } else {
            let text =
                std::str::from_utf8(body).unwrap_or_else(|e| panic!("{key}: not UTF-8: {e}"));
            if let Some(c) = text.chars().find(|&c| !is_xml_char(c)) {
                panic!("{key}: holds U+{:04X}", u32::from(c));
            }
        }
    }
}

/// A key `output` may join onto the out dir: relative, no empty, `.` or `..` segment, no `\` or NUL.
pub fn is_safe_key(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with('/')
        && key
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
        && !key.contains(['\\', '\0'])
}

/// Whether the request path `raw` (before any `?`) names a `..` segment as written or once
/// decoded in any of the ways a server or filesystem might: percent-decoding, overlong UTF-8
/// encodings of `.` and `/` (`%c0%ae`, `%e0%80%ae`, `%c0%af`), and `\` as a separator.
/// (Twice-encoded `%252e%252e` decodes once to the literal name `%2e%2e`: a key that is safe by
/// [`is_safe_key`] and simply misses in the snapshot.)
pub fn has_dot_dot_segment(raw: &str) -> bool {
    let raw = raw.split_once('?').map_or(raw, |(p, _)| p);
    let once = loose_decode(raw.as_bytes());
    [raw.as_bytes(), &once[..]].iter().any(|bytes| {
        bytes
            .split(|&b| b == b'/' || b == b'\\')
            .any(|seg| seg == b"..")
    })
}

/// Percent-decode, then fold overlong UTF-8 spellings of `.`, `/` and `\`. (IIS's `%u002e` is
/// not decoded by feedpub at all: it stays a literal name, a key that misses in the snapshot.)
fn loose_decode(bytes: &[u8]) -> Vec<u8> {
    let mut s: Vec<u8> = percent_encoding::percent_decode(bytes).collect();
    for (from, to) in [
        (&b"\xc0\xae"[..], b'.'),
        (b"\xe0\x80\xae", b'.'),
        (b"\xf0\x80\x80\xae", b'.'),
        (b"\xc0\xaf", b'/'),
        (b"\xe0\x80\xaf", b'/'),
        (b"\xc1\x9c", b'\\'),
    ] {
        s = replace(&s, from, to);
    }
    s
}

fn replace(hay: &[u8], from: &[u8], to: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.push(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Well-formed XML 1.0 in UTF-8: one root element, matched tags, only predefined or character
/// entity references, only XML characters, no DOCTYPE (same checks as tests/it/util.rs).
pub fn well_formed_xml(bytes: &[u8]) -> Result<(), String> {
    use quick_xml::events::Event;

    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    if let Some(c) = text.chars().find(|&c| !is_xml_char(c)) {
        return Err(format!(
            "character U+{:04X} is not allowed in XML",
            u32::from(c)
        ));
    }
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = true;
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut roots = 0usize;
    let open = |e: &quick_xml::events::BytesStart<'_>| -> Result<(), String> {
        let mut attrs = e.attributes();
        attrs.with_checks(true);
        for attr in attrs {
            let attr = attr.map_err(|e| format!("bad attribute: {e}"))?;
            attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| format!("bad attribute value: {e}"))?;
        }
        Ok(())
    };
    loop {
        let pos = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("at byte {pos}: {e}"))?;
        match event {
            Event::Start(e) => {
                open(&e)?;
                roots += usize::from(depth == 0);
                depth += 1;
            }
            Event::Empty(e) => {
                open(&e)?;
                roots += usize::from(depth == 0);
            }
            Event::End(_) => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| format!("at byte {pos}: end tag without start tag"))?
            }
            Event::Text(t)
                if depth == 0 && !t.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) =>
            {
                return Err(format!("at byte {pos}: text outside the root element"));
            }
            Event::CData(_) if depth == 0 => {
                return Err(format!("at byte {pos}: CDATA outside the root element"))
            }
            Event::GeneralRef(r) => {
                if depth == 0 {
                    return Err(format!(
                        "at byte {pos}: entity reference outside the root element"
                    ));
                }
                if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) if is_xml_char(c) => {}
                        other => {
                            return Err(format!(
                                "at byte {pos}: bad character reference: {other:?}"
                            ))
                        }
                    }
                } else if !matches!(&*r, "lt" | "gt" | "amp" | "apos" | "quot") {
                    return Err(format!("at byte {pos}: undefined entity"));
                }
            }
            Event::DocType(_) => {
                return Err(format!("at byte {pos}: unexpected DOCTYPE in a feed"))
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if depth != 0 {
        return Err(format!("{depth} element(s) not closed at end of document"));
    }
    match roots {
        1 => Ok(()),
        0 => Err("no root element".to_string()),
        n => Err(format!("{n} root elements")),
    }
}
