//! Making relative links in article HTML absolute, against the article's permalink.
//!
//! Feed readers resolve relative URLs inconsistently (against the feed URL, the site, or not
//! at all), so every `href`, `src`, `poster`, `cite` and `srcset` URL is made absolute once, at
//! parse time. Only those attribute values are rewritten; every other byte is copied as is, so
//! nothing is dropped (this also runs on HTML that is not sanitized).

use std::borrow::Cow;
use std::ops::Range;

use url::Url;

use super::html::{apply_edits, decode_entities, escape_attr, Lexer, Token};

const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "poster",
    "cite",
    "action",
    "formaction",
    "background",
    "longdesc",
];

/// `html` with relative URLs resolved against `base`. Borrows when nothing changes.
pub fn absolutize<'a>(html: &'a str, base: &Url) -> Cow<'a, str> {
    // Most bodies only link to absolute URLs: a byte scan proves it without lexing them.
    if !may_have_relative_urls(html) {
        return Cow::Borrowed(html);
    }
    rewrite(html, base)
}

/// `html` with the URLs made absolute against one permalink (`from`) moved under another
/// (`to`): an article that lost its slug to another (a collision) is published elsewhere, and
/// its own relative links (`#notes`, `chart.png`) must follow it. `from` itself (the other
/// article's page, as `../same/` gives) stays. Borrows when nothing changes.
pub fn rebase<'a>(html: &'a str, from: &str, to: &str) -> Cow<'a, str> {
    if !html.contains(from) {
        return Cow::Borrowed(html);
    }
    map_urls(html, |url| {
        url.trim()
            .strip_prefix(from)
            .filter(|rest| !rest.is_empty())
            .map(|rest| format!("{to}{rest}"))
    })
}

/// Whether [`rewrite`] might change `html`: false only when it surely returns it as is.
///
/// Every attribute value the lexer reads follows an `=`, after the attribute name and ASCII
/// whitespace. So it is enough to look at each `=` in `html` (in a tag or not) whose preceding
/// name (past whitespace) ends with a URL attribute name, in any case: its value must start with
/// a scheme and `:`. A URL parser takes such a string as absolute, and entity decoding and
/// trimming leave that start alone, so [`resolve`] would return `None`. `srcset` always counts.
fn may_have_relative_urls(html: &str) -> bool {
    let b = html.as_bytes();
    html.match_indices('=').any(|(eq, _)| {
        let mut name_end = eq;
        while name_end > 0 && b[name_end - 1].is_ascii_whitespace() {
            name_end -= 1;
        }
        let before = &b[..name_end];
        let ends_with = |name: &str| {
            before.len() >= name.len()
                && before[before.len() - name.len()..].eq_ignore_ascii_case(name.as_bytes())
        };
        if ends_with("srcset") {
            return true;
        }
        if !URL_ATTRS.iter().any(|a| ends_with(a)) {
            return false;
        }
        let mut v = eq + 1;
        while v < b.len() && b[v].is_ascii_whitespace() {
            v += 1;
        }
        if matches!(b.get(v), Some(b'"' | b'\'')) {
            v += 1;
        }
        !starts_with_scheme(&b[v..])
    })
}

/// Whether `s` starts with `[A-Za-z][A-Za-z0-9+.-]*:`, a URL scheme.
fn starts_with_scheme(s: &[u8]) -> bool {
    if !s.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    s.iter()
        .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')))
        .is_some_and(|end| s[end] == b':')
}

/// [`absolutize`] by lexing the whole of `html`.
fn rewrite<'a>(html: &'a str, base: &Url) -> Cow<'a, str> {
    map_urls(html, |url| resolve(url, base))
}

/// `html` with every URL attribute value (and each `srcset` candidate's URL) that `map`
/// replaces rewritten, entities decoded before and the value escaped and quoted after; every
/// other byte copied as is.
fn map_urls<'a>(html: &'a str, map: impl Fn(&str) -> Option<String>) -> Cow<'a, str> {
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    for token in Lexer::new(html) {
        let Token::Tag {
            end: false, attrs, ..
        } = token
        else {
            continue;
        };
        for attr in attrs {
            let new = if URL_ATTRS.iter().any(|a| a.eq_ignore_ascii_case(attr.name)) {
                map(&decode_entities(attr.value))
            } else if attr.name.eq_ignore_ascii_case("srcset") {
                map_srcset(&decode_entities(attr.value), &map)
            } else {
                None
            };
            if let Some(new) = new {
                let mut quoted = String::with_capacity(new.len() + 2);
                quoted.push('"');
                escape_attr(&mut quoted, &new);
                quoted.push('"');
                edits.push((attr.span, quoted));
            }
        }
    }
    apply_edits(html, edits)
}

/// The absolute form of a relative `url`, or `None` to leave it alone (absolute, empty or
/// unparseable).
fn resolve(url: &str, base: &Url) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    match Url::parse(url) {
        Err(url::ParseError::RelativeUrlWithoutBase) => base.join(url).ok().map(String::from),
        _ => None,
    }
}

/// `srcset` is a comma-separated list of `URL [descriptor]`, split as browsers split it (a
/// URL may hold commas: `a,b.png 1x`, `data:…,…`): `None` when `map` replaces none of them.
fn map_srcset(srcset: &str, map: impl Fn(&str) -> Option<String>) -> Option<String> {
    let mut changed = false;
    let parts: Vec<String> = super::sanitize::srcset_candidates(srcset)
        .into_iter()
        .map(|(url, descriptor)| {
            let url = match map(url) {
                Some(new) => {
                    changed = true;
                    new
                }
                None => url.to_string(),
            };
            if descriptor.is_empty() {
                url
            } else {
                format!("{url} {descriptor}")
            }
        })
        .collect();
    changed.then(|| parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_become_absolute() {
        let base = Url::parse("https://x.org/news/articles/%E6%98%A5/").expect("valid base");
        let cases = [
            (
                r#"<a href="pic.jpg">a</a>"#,
                r#"<a href="https://x.org/news/articles/%E6%98%A5/pic.jpg">a</a>"#,
            ),
            (
                r#"<img src='/img/a.png' alt="x">"#,
                r#"<img src="https://x.org/img/a.png" alt="x">"#,
            ),
            (
                "<IMG SRC=../b.png>",
                r#"<IMG SRC="https://x.org/news/articles/b.png">"#,
            ),
            (
                r##"<a href="#fn1">1</a>"##,
                r##"<a href="https://x.org/news/articles/%E6%98%A5/#fn1">1</a>"##,
            ),
            (
                r#"<a href="//cdn.example/x">x</a>"#,
                r#"<a href="https://cdn.example/x">x</a>"#,
            ),
            (
                r#"<a href="?a=1&amp;b=2">q</a>"#,
                r#"<a href="https://x.org/news/articles/%E6%98%A5/?a=1&amp;b=2">q</a>"#,
            ),
            (
                r#"<img srcset="a.png 1x, /b.png 2x">"#,
                r#"<img srcset="https://x.org/news/articles/%E6%98%A5/a.png 1x, https://x.org/b.png 2x">"#,
            ),
            (
                r#"<img srcset="a,b.png 1x, https://o.org/c,d.png 2x,data:image/png;base64,AAAA 3x">"#,
                r#"<img srcset="https://x.org/news/articles/%E6%98%A5/a,b.png 1x, https://o.org/c,d.png 2x, data:image/png;base64,AAAA 3x">"#,
            ),
            (
                r#"<video poster="p.jpg" src="v.mp4"></video>"#,
                r#"<video poster="https://x.org/news/articles/%E6%98%A5/p.jpg" src="https://x.org/news/articles/%E6%98%A5/v.mp4"></video>"#,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(absolutize(input, &base), want, "{input}");
        }
    }

    #[test]
    fn rebasing_moves_the_articles_own_links_only() {
        let from = "https://x.org/articles/same/";
        let to = "https://x.org/articles/same-1a2b3c4d/";
        let html = concat!(
            r#"<a href="https://x.org/articles/same/#sec">s</a>"#,
            r#"<img src="https://x.org/articles/same/i.png" srcset="https://x.org/articles/same/a.png 2x, https://o.org/b.png 3x">"#,
            r#"<a href="https://x.org/articles/same/">the other article</a>"#,
            r#"<a href="https://x.org/articles/samex/">another</a>"#,
        );
        assert_eq!(
            rebase(html, from, to),
            concat!(
                r#"<a href="https://x.org/articles/same-1a2b3c4d/#sec">s</a>"#,
                r#"<img src="https://x.org/articles/same-1a2b3c4d/i.png" srcset="https://x.org/articles/same-1a2b3c4d/a.png 2x, https://o.org/b.png 3x">"#,
                r#"<a href="https://x.org/articles/same/">the other article</a>"#,
                r#"<a href="https://x.org/articles/samex/">another</a>"#,
            )
        );
        assert!(matches!(rebase("<p>x</p>", from, to), Cow::Borrowed(_)));
    }

    #[test]
    fn everything_else_is_untouched() {
        let base = Url::parse("https://x.org/articles/a/").expect("valid base");
        let cases = [
            r#"<a href="https://other.org/x">abs</a> <a href="mailto:a@b.c">m</a> <a href="">e</a>"#,
            "<p>text with a < sign & an <em>href=x.png</em></p>",
            r#"<script>var s = "<a href='x.png'>";</script><style>a{b:url(x.png)}</style>"#,
            r#"<!-- <a href="c.png"> --><![CDATA[ x ]]><!doctype html>"#,
            "中文<b>粗体</b>末尾<",
            r#"<a href="javascript:alert(1)">j</a><a title="x.png">t</a>"#,
            "<a href",
            "",
        ];
        for input in cases {
            assert!(
                matches!(absolutize(input, &base), Cow::Borrowed(_)),
                "{input}"
            );
        }
    }

    /// `absolutize` must return what the full lexing pass returns, and may skip that pass only
    /// where it would have changed nothing.
    fn assert_fast_path_exact(input: &str) {
        let base = Url::parse("https://x.org/articles/a/").expect("valid base");
        let slow = rewrite(input, &base);
        if !may_have_relative_urls(input) {
            assert!(matches!(slow, Cow::Borrowed(_)), "{input:?} -> {slow:?}");
        }
        assert_eq!(absolutize(input, &base), slow, "{input:?}");
    }

    #[test]
    fn the_fast_path_is_taken_only_when_nothing_is_relative() {
        let cases = [
            (r#"<a href="https://other.org/x">a</a>"#, false),
            (
                r#"<a href="mailto:a@b.c">m</a><a href='data:,x'>d</a>"#,
                false,
            ),
            (
                r#"<A HREF="HTTP://X/">a</A><img src=ftp://x/a alt="a=b">"#,
                false,
            ),
            (r#"<a href = 	"c+d.e-f:x">a</a>"#, false),
            (
                r#"<p>x = y, a+src</p><code class="language-rust">a == b</code>"#,
                false,
            ),
            (
                r#"<a data-src="https://x/">a</a><a title="x.png">t</a>"#,
                false,
            ),
            ("", false),
            (r#"<a href="x.png">a</a>"#, true),
            (r#"<a href=" https://x/">a</a>"#, true),
            (r#"<a href="//cdn.example/x">a</a>"#, true),
            (r##"<a href="#fn1">1</a>"##, true),
            (
                r#"<a href="?q=1">q</a><a href="">e</a><a href=>e</a>"#,
                true,
            ),
            (
                r#"<a href="&#104;ttp://x/">a</a><a href="h&#116;tp://x/">a</a>"#,
                true,
            ),
            (r#"<a href="1http://x/">a</a><a href="+a:b">a</a>"#, true),
            (r#"<a href="a/b:c">a</a><a href="http">a</a>"#, true),
            (r#"<img SrcSet="https://x/a.png 1x">"#, true),
            (r#"<a data-src="x.png">a</a><p>src = x</p>"#, true),
            ("<a href=", true),
        ];
        for (input, slow) in cases {
            assert_eq!(may_have_relative_urls(input), slow, "{input:?}");
            assert_fast_path_exact(input);
        }
    }

    /// Pieces of HTML around URL attributes, which the proptest strings together.
    const PIECES: &[&str] = &[
        "<a",
        "<img",
        "</a>",
        ">",
        " ",
        "\n",
        "\t",
        "=",
        " = ",
        "\"",
        "'",
        "/",
        " href",
        "HREF",
        " src",
        "Src",
        " srcset",
        "data-",
        " title",
        "https://x/",
        "HTTP:",
        "//cdn/x",
        "#f",
        "mailto:a",
        "data:,",
        "javascript:x",
        "pic.jpg",
        "a b",
        "1x, ",
        "?q",
        ":",
        "1h:",
        "+a:",
        "c:\\x",
        "&amp;",
        "&#104;",
        "&quot;",
        "<script>",
        "</script>",
        "<style>",
        "<!--",
        "-->",
        "中",
        "é",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        #[test]
        fn the_fast_path_agrees_with_lexing(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..24)
        ) {
            assert_fast_path_exact(&pieces.concat());
        }
    }
}
