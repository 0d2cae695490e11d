//! Conditional requests (RFC 9110 §13) for GET and HEAD. Pure: headers in, [`Outcome`] out.
//!
//! Preconditions are evaluated in the order of RFC 9110 §13.2.2:
//!
//! 1. `If-Match` present: unless one of its tags matches the representation's ETag under the
//!    *strong* comparison (or it is `*`), the answer is 412.
//! 2. else `If-Unmodified-Since` with a valid date: modified after that date → 412.
//! 3. `If-None-Match` present: a tag matching under the *weak* comparison (or `*`) → 304.
//! 4. else `If-Modified-Since` with a valid date: not modified since then → 304.
//! 5. `If-Range` is not evaluated: Range is ignored, so every full answer is a 200.
//!
//! Dates compare at second granularity (HTTP dates have no fractions). Invalid dates are ignored
//! (§13.1.3, §13.1.4), and so is a date field sent more than once. No header value, however
//! absurd, is an error.

use std::time::{SystemTime, UNIX_EPOCH};

use hyper::header::{self, HeaderMap, HeaderValue};

/// What the preconditions say about serving the representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Serve it (200).
    Proceed,
    /// 304 Not Modified.
    NotModified,
    /// 412 Precondition Failed.
    PreconditionFailed,
}

/// Evaluate a GET/HEAD request's preconditions against the selected representation's `etag`
/// (quoted, strong) and its `last_modified` time.
pub fn evaluate(headers: &HeaderMap, etag: &str, last_modified: SystemTime) -> Outcome {
    // One pass over the request's few header names rather than a hashed lookup for each of
    // four that are mostly absent (this runs on every request).
    let (mut if_match, mut if_unmodified, mut if_none_match, mut if_modified) =
        (false, false, false, false);
    for name in headers.keys() {
        if_match |= name == header::IF_MATCH;
        if_unmodified |= name == header::IF_UNMODIFIED_SINCE;
        if_none_match |= name == header::IF_NONE_MATCH;
        if_modified |= name == header::IF_MODIFIED_SINCE;
    }
    let modified = unix_secs(last_modified);
    if if_match {
        if !any_tag_matches(headers.get_all(header::IF_MATCH), etag, Comparison::Strong) {
            return Outcome::PreconditionFailed;
        }
    } else if let Some(since) = if_unmodified
        .then(|| single_date(headers, header::IF_UNMODIFIED_SINCE))
        .flatten()
    {
        if modified > since {
            return Outcome::PreconditionFailed;
        }
    }
    if if_none_match {
        if any_tag_matches(
            headers.get_all(header::IF_NONE_MATCH),
            etag,
            Comparison::Weak,
        ) {
            return Outcome::NotModified;
        }
    } else if let Some(since) = if_modified
        .then(|| single_date(headers, header::IF_MODIFIED_SINCE))
        .flatten()
    {
        // A date later than our clock cannot come from us (RFC 9110 §13.1.3 lets us ignore
        // it); honouring it would hide every change until that date.
        if modified <= since && since <= unix_secs(SystemTime::now()) {
            return Outcome::NotModified;
        }
    }
    Outcome::Proceed
}

#[derive(Clone, Copy)]
enum Comparison {
    Strong,
    Weak,
}

/// Whether any field line of an `If-Match`/`If-None-Match` header is `*` or lists a tag that
/// matches `ours` (a quoted strong tag such as `"abc"`). Compared as bytes: an opaque tag may
/// hold any byte but `"` (obs-text included), and ours is ASCII.
fn any_tag_matches<'a>(
    values: impl IntoIterator<Item = &'a HeaderValue>,
    ours: &str,
    cmp: Comparison,
) -> bool {
    values.into_iter().any(|value| {
        let text = value.as_bytes();
        if text.trim_ascii() == b"*" {
            return true;
        }
        EntityTags { rest: text }.any(|(weak, opaque)| match cmp {
            Comparison::Strong => !weak && opaque == ours.as_bytes(),
            Comparison::Weak => opaque == ours.as_bytes(),
        })
    })
}

/// The entity tags of a list such as `W/"a", "b,c"` as `(weak, quoted opaque tag)`. Stops at the
/// first thing that is not an entity tag.
struct EntityTags<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for EntityTags<'a> {
    type Item = (bool, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let start = self
            .rest
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b','))?;
        let s = &self.rest[start..];
        let (weak, s) = match s.strip_prefix(b"W/") {
            Some(s) => (true, s),
            None => (false, s),
        };
        // An opaque tag is a quoted string without inner quotes (commas are allowed).
        let inner = s.strip_prefix(b"\"")?;
        let end = inner.iter().position(|&b| b == b'"')?;
        let (tag, rest) = s.split_at(end + 2);
        self.rest = rest;
        Some((weak, tag))
    }
}

/// The date of a header sent exactly once with a valid HTTP-date, in unix seconds.
fn single_date(headers: &HeaderMap, name: header::HeaderName) -> Option<u64> {
    let mut values = headers.get_all(name).into_iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    let date = httpdate::parse_http_date(value.to_str().ok()?.trim()).ok()?;
    Some(unix_secs(date))
}

/// Whole seconds since the epoch (0 before it).
fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const ETAG: &str = "\"abc\"";
    /// Sun, 06 Nov 1994 08:49:37 GMT, plus half a second (HTTP dates drop the fraction).
    fn modified() -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(784_111_777_500)
    }

    fn eval(headers: &[(&str, &str)]) -> Outcome {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                header::HeaderName::from_bytes(name.as_bytes()).expect("valid name"),
                HeaderValue::from_str(value).expect("valid value"),
            );
        }
        evaluate(&map, ETAG, modified())
    }

    #[test]
    fn table() {
        use Outcome::*;
        let same = "Sun, 06 Nov 1994 08:49:37 GMT";
        let earlier = "Sun, 06 Nov 1994 08:49:36 GMT";
        let later = "Mon, 07 Nov 1994 08:49:37 GMT";
        let cases: &[(&[(&str, &str)], Outcome)] = &[
            (&[], Proceed),
            // If-None-Match: weak comparison, lists, `*`.
            (&[("if-none-match", "\"abc\"")], NotModified),
            (&[("if-none-match", "W/\"abc\"")], NotModified),
            (&[("if-none-match", "\"x\", W/\"abc\"")], NotModified),
            (&[("if-none-match", "\"x\",\"abc\"")], NotModified),
            (
                &[("if-none-match", "\"x\""), ("if-none-match", "\"abc\"")],
                NotModified,
            ),
            (&[("if-none-match", "*")], NotModified),
            // If-Modified-Since in the future is not ours: ignored.
            (
                &[("if-modified-since", "Fri, 31 Dec 9999 23:59:59 GMT")],
                Proceed,
            ),
            (&[("if-none-match", "\"abc-gzip\"")], Proceed),
            (&[("if-none-match", "abc")], Proceed),
            (&[("if-none-match", "\"ab")], Proceed),
            (&[("if-none-match", "")], Proceed),
            (&[("if-none-match", "\"a,b\", \"abc\"")], NotModified),
            (&[("if-none-match", "garbage, \"abc\"")], Proceed),
            // If-None-Match wins over If-Modified-Since.
            (
                &[("if-none-match", "\"x\""), ("if-modified-since", later)],
                Proceed,
            ),
            (
                &[("if-none-match", "\"abc\""), ("if-modified-since", earlier)],
                NotModified,
            ),
            // If-Modified-Since: second granularity, `<=` means not modified.
            (&[("if-modified-since", same)], NotModified),
            (&[("if-modified-since", later)], NotModified),
            (&[("if-modified-since", earlier)], Proceed),
            (
                &[("if-modified-since", "Sunday, 06-Nov-94 08:49:37 GMT")],
                NotModified,
            ),
            (
                &[("if-modified-since", "Sun Nov  6 08:49:37 1994")],
                NotModified,
            ),
            (&[("if-modified-since", "yesterday")], Proceed),
            (&[("if-modified-since", "")], Proceed),
            (
                &[("if-modified-since", "Sun, 06 Nov 99999 08:49:37 GMT")],
                Proceed,
            ),
            (
                &[("if-modified-since", later), ("if-modified-since", later)],
                Proceed,
            ),
            // If-Match: strong comparison.
            (&[("if-match", "\"abc\"")], Proceed),
            (&[("if-match", "*")], Proceed),
            (&[("if-match", "\"x\", \"abc\"")], Proceed),
            (&[("if-match", "W/\"abc\"")], PreconditionFailed),
            (&[("if-match", "\"x\"")], PreconditionFailed),
            (&[("if-match", "nonsense")], PreconditionFailed),
            // If-Unmodified-Since, ignored when If-Match is present.
            (&[("if-unmodified-since", same)], Proceed),
            (&[("if-unmodified-since", later)], Proceed),
            (&[("if-unmodified-since", earlier)], PreconditionFailed),
            (&[("if-unmodified-since", "not a date")], Proceed),
            (
                &[("if-match", "\"abc\""), ("if-unmodified-since", earlier)],
                Proceed,
            ),
            // 412 takes precedence over 304.
            (
                &[("if-match", "\"x\""), ("if-none-match", "\"abc\"")],
                PreconditionFailed,
            ),
            (
                &[
                    ("if-unmodified-since", earlier),
                    ("if-modified-since", later),
                ],
                PreconditionFailed,
            ),
            (
                &[("if-match", "\"abc\""), ("if-none-match", "\"abc\"")],
                NotModified,
            ),
            // If-Range and Range are ignored.
            (&[("range", "bytes=0-1"), ("if-range", "\"zzz\"")], Proceed),
        ];
        for (headers, want) in cases {
            assert_eq!(eval(headers), *want, "{headers:?}");
        }
    }

    #[test]
    fn non_utf8_values_are_no_match() {
        let mut map = HeaderMap::new();
        map.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_bytes(b"\"\xff\"").expect("obs-text is allowed"),
        );
        map.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_bytes(b"\xff").expect("obs-text is allowed"),
        );
        assert_eq!(evaluate(&map, ETAG, modified()), Outcome::Proceed);
    }

    #[test]
    fn entity_tag_lists() {
        let tags: Vec<_> = EntityTags {
            rest: b" W/\"a\" ,\"b,c\",, \"\" x \"d\"",
        }
        .collect();
        assert_eq!(
            tags,
            vec![
                (true, &b"\"a\""[..]),
                (false, &b"\"b,c\""[..]),
                (false, &b"\"\""[..])
            ]
        );
    }
}
