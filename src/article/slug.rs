//! Slugs and permalinks.
//!
//! A slug is one URL path segment, kept unencoded (it may be Chinese): never empty, never `.`
//! or `..`, and free of `/`, `\`, `?`, `#`, `%`, whitespace and control characters. An explicit
//! (front matter) slug that breaks these rules is an error; a file stem is repaired instead.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything except RFC 3986 unreserved characters is percent-encoded.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The article's URL: `{base_url}articles/{percent-encoded slug}/`. `base_url` ends in `/`.
pub fn permalink(base_url: &str, slug: &str) -> String {
    format!(
        "{base_url}articles/{}/",
        utf8_percent_encode(slug, NOT_UNRESERVED)
    )
}

fn is_bad(c: char) -> bool {
    matches!(c, '/' | '\\' | '?' | '#' | '%') || c.is_control() || super::xml_safe::is_forbidden(c)
}

/// Whitespace runs become one `-`, outer whitespace is trimmed, and the result is in Unicode
/// NFC: `café` typed on Linux and `café` in a file name made on macOS (NFD) are one slug.
fn dash_spaces(s: &str) -> String {
    nfc(&s.split_whitespace().collect::<Vec<_>>().join("-")).into_owned()
}

/// `s` in Unicode Normalization Form C (borrowed when it already is, as nearly all text is).
pub fn nfc(s: &str) -> std::borrow::Cow<'_, str> {
    icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(s)
}

/// Longest slug, in bytes: a slug (and a tag's) is a directory name in the out dir, at most
/// 255 bytes on common file systems, and a colliding slug gets a 9-byte suffix (`-1a2b3c4d`).
pub const MAX_BYTES: usize = 255 - 9;

/// `s` cut to at most [`MAX_BYTES`] bytes, at a character boundary.
pub fn truncate(s: &mut String) {
    if s.len() > MAX_BYTES {
        let cut = (0..=MAX_BYTES)
            .rev()
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(0);
        s.truncate(cut);
    }
}

/// An explicit slug, checked. The error is the offending value.
pub fn explicit(slug: &str) -> Result<String, String> {
    let s = dash_spaces(slug);
    if s.is_empty() || s == "." || s == ".." || s.len() > MAX_BYTES || s.chars().any(is_bad) {
        return Err(slug.to_string());
    }
    Ok(s)
}

/// A slug from a file stem (date prefix already removed), repaired: bad characters become `-`.
pub fn from_stem(stem: &str) -> String {
    let mut s: String = dash_spaces(stem)
        .chars()
        .map(|c| if is_bad(c) { '-' } else { c })
        .collect();
    truncate(&mut s);
    if s.is_empty() || s.chars().all(|c| c == '.') {
        return "article".to_string();
    }
    s
}

/// The path segment of a tag's feeds: lowercased; whitespace, control characters and
/// `/` `\` `?` `#` `%` become `-`; runs of `-` collapse to one. Non-ASCII stays as is (it is
/// percent-encoded in URLs only). Leading dots become `-` too: a directory whose name starts
/// with `.` is hidden, and many static hosts refuse to serve it (`.NET` → `-net`). Never empty,
/// never over [`MAX_BYTES`] (a directory name in the out dir).
pub fn tag(tag: &str) -> String {
    let mut out = String::with_capacity(tag.len());
    for c in tag.to_lowercase().chars() {
        let leading_dot = c == '.' && out.trim_start_matches('-').is_empty();
        let c = if leading_dot
            || c.is_whitespace()
            || c.is_control()
            || matches!(c, '/' | '\\' | '?' | '#' | '%')
        {
            '-'
        } else {
            c
        };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    truncate(&mut out);
    if out.is_empty() {
        out = "-".to_string();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_nfc() {
        let nfd = "cafe\u{301} au lait";
        assert_eq!(from_stem(nfd), "café-au-lait");
        assert_eq!(explicit(nfd), Ok("café-au-lait".to_string()));
        assert_eq!(from_stem("café"), from_stem("cafe\u{301}"));
    }

    #[test]
    fn explicit_slugs() {
        let long = "长".repeat(82);
        let cases = [
            (long.as_str(), Ok(long.as_str())),
            ("hello-world", Ok("hello-world")),
            ("  春节 旅游  ", Ok("春节-旅游")),
            ("a.b_c~d", Ok("a.b_c~d")),
            ("", Err(())),
            ("   ", Err(())),
            (".", Err(())),
            ("..", Err(())),
            ("a/b", Err(())),
            ("a\\b", Err(())),
            ("a?b", Err(())),
            ("a#b", Err(())),
            ("100%", Err(())),
            ("a\u{1}b", Err(())),
            ("a\u{9F}b", Err(())),
            (&*"长".repeat(83), Err(())),
        ];
        for (input, want) in cases {
            let got = explicit(input);
            match want {
                Ok(w) => assert_eq!(got.as_deref(), Ok(w), "{input:?}"),
                Err(()) => assert_eq!(got, Err(input.to_string()), "{input:?}"),
            }
        }
    }

    #[test]
    fn stems_are_repaired() {
        let cases = [
            ("launch", "launch"),
            ("春节 旅游 报道", "春节-旅游-报道"),
            ("what?#now%", "what--now-"),
            ("a\u{7}b", "a-b"),
            ("..", "article"),
            ("", "article"),
            ("  ", "article"),
        ];
        for (input, want) in cases {
            assert_eq!(from_stem(input), want, "{input:?}");
        }
        // A long name is cut at a character boundary (a stem may be 255 bytes, before a suffix).
        let long = format!("a{}", "长".repeat(84));
        assert_eq!(from_stem(&long), format!("a{}", "长".repeat(81)));
    }

    #[test]
    fn permalinks_encode_all_but_unreserved() {
        let cases = [
            (
                "https://x.org/",
                "hello-world",
                "https://x.org/articles/hello-world/",
            ),
            (
                "https://x.org/news/",
                "春节",
                "https://x.org/news/articles/%E6%98%A5%E8%8A%82/",
            ),
            ("http://h/", "a.b_c~d+e", "http://h/articles/a.b_c~d%2Be/"),
        ];
        for (base, slug, want) in cases {
            assert_eq!(permalink(base, slug), want);
        }
    }
}
