//! `.html` articles: the body of a full document, and the text an article's title and summary
//! are taken from.

use std::ops::Range;

use super::html::{decode_entities, Lexer, Token};
use super::summary::{join_line, Collector};

/// The part of `html` that is article content: inside `<body>` if there is one (and there,
/// inside `<main>` or the only `<article>`, leaving a saved page's navigation and footer out),
/// else everything but the doctype, `<html>` tags and the `<head>` (or a bare `<title>`
/// element).
pub fn body(html: &str) -> String {
    match document_body(html) {
        (whole, true) => match main_content(&whole) {
            Some(range) => whole[range].to_string(),
            None => whole,
        },
        (fragment, false) => fragment,
    }
}

/// Elements whose text no reader sees, whatever the page does.
const UNSEEN: [&str; 3] = ["script", "style", "template"];

/// The inside of the first `<main>` when it holds a fifth of the text or more, else of the
/// `<article>` when there is exactly one at the top (a listing of several is all content) and
/// it holds most of the text, when `html` is a whole page's body: an empty layout `<main>` or
/// a sidebar's only `<article>` (a teaser, a comment) is not the page's content.
fn main_content(html: &str) -> Option<Range<usize>> {
    /// One kind of element: its depth, where the first one at the top opened, and the inside
    /// of that first one with the text it holds.
    #[derive(Default)]
    struct Region {
        depth: usize,
        start: Option<usize>,
        found: Option<(Range<usize>, usize)>,
        count: usize,
        text: usize,
    }
    impl Region {
        fn tag(&mut self, end: bool, range: &Range<usize>) {
            if !end {
                if self.depth == 0 {
                    self.count += 1;
                    if self.found.is_none() {
                        self.start = Some(range.end);
                    }
                }
                self.depth += 1;
            } else if self.depth > 0 {
                self.depth -= 1;
                if self.depth == 0 {
                    if let Some(start) = self.start.take() {
                        self.found = Some((start..range.start, self.text));
                    }
                }
            }
        }
        fn text(&mut self, bytes: usize) {
            if self.start.is_some() {
                self.text += bytes;
            }
        }
    }
    let (mut main, mut article, mut total) = (Region::default(), Region::default(), 0);
    // Scripts' and styles' contents are no text a reader sees (a page's inline state can
    // outweigh its story).
    let mut skip: Option<&str> = None;
    for token in Lexer::new(html) {
        match token {
            Token::Text(_) if skip.is_some() => {}
            Token::Text(t) => {
                let bytes = t.trim().len();
                total += bytes;
                main.text(bytes);
                article.text(bytes);
            }
            Token::Tag {
                name, end, range, ..
            } => {
                if let Some(s) = skip {
                    if end && s.eq_ignore_ascii_case(name) {
                        skip = None;
                    }
                    continue;
                }
                if !end && UNSEEN.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                    skip = Some(name);
                } else if name.eq_ignore_ascii_case("main") {
                    main.tag(end, &range);
                } else if name.eq_ignore_ascii_case("article") {
                    article.tag(end, &range);
                }
            }
            Token::Other(_) => {}
        }
    }
    // `<main>` is the content unless (nearly) empty; an `<article>` only if it is most of it.
    let share = |part: usize| {
        move |(range, text): (Range<usize>, usize)| (text * part > total).then_some(range)
    };
    main.found.and_then(share(5)).or_else(|| {
        article
            .found
            .filter(|_| article.count == 1)
            .and_then(share(2))
    })
}

/// The content of `<body>` and `true`, else the document without its head and `false`.
fn document_body(html: &str) -> (String, bool) {
    let mut drop: Vec<Range<usize>> = Vec::new();
    let mut open: Option<(&str, usize)> = None;
    let mut body_start = None;
    for token in Lexer::new(html) {
        match token {
            Token::Tag {
                name,
                end: false,
                range,
                ..
            } if name.eq_ignore_ascii_case("body") => body_start = Some(range.end),
            Token::Tag {
                name,
                end: true,
                range,
                ..
            } if name.eq_ignore_ascii_case("body") => {
                if let Some(start) = body_start {
                    return (html[start..range.start.max(start)].to_string(), true);
                }
            }
            Token::Tag {
                name, end, range, ..
            } if body_start.is_none() => {
                let is = |n: &str| name.eq_ignore_ascii_case(n);
                if is("html") {
                    drop.push(range);
                } else if is("head") || is("title") {
                    match (end, open) {
                        (false, None) => open = Some((name, range.start)),
                        (true, Some((o, start))) if o.eq_ignore_ascii_case(name) => {
                            drop.push(start..range.end);
                            open = None;
                        }
                        _ => {}
                    }
                }
            }
            Token::Other(range)
                if body_start.is_none()
                    && html[range.clone()]
                        .get(..9)
                        .is_some_and(|s| s.eq_ignore_ascii_case("<!doctype")) =>
            {
                drop.push(range)
            }
            _ => {}
        }
    }
    if let Some(start) = body_start {
        return (html[start..].to_string(), true);
    }
    let mut out = String::with_capacity(html.len());
    let mut pos = 0;
    for r in drop {
        if r.start >= pos {
            out.push_str(&html[pos..r.start]);
            pos = r.end;
        }
    }
    out.push_str(&html[pos..]);
    (out, false)
}

/// The text of an HTML article that titles and summaries need.
#[derive(Debug, Default, PartialEq)]
pub struct Outline {
    /// Text of the first `<title>`.
    pub title: Option<String>,
    /// Text of the first `<h1>`, and its byte range (start tag to end tag) in the input.
    pub h1: Option<(String, Range<usize>)>,
    /// The first line of text anywhere.
    pub first_line: Option<String>,
    /// Summary built from paragraph text (headings, captions and scripts excluded).
    pub summary: String,
    /// The first heading of any level when it is the first text, and its byte range.
    pub opening: Option<(String, Range<usize>)>,
    /// The `href` of the first `<base>`, which relative URLs of the document resolve against.
    pub base: Option<String>,
    /// `<html lang>`.
    pub lang: Option<String>,
    /// `<meta name="author" content>`.
    pub author: Option<String>,
    /// `<meta property="og:title" content>`: a saved page's headline, often without its
    /// site's name.
    pub og_title: Option<String>,
    /// `<meta property="og:site_name" content>`.
    pub site_name: Option<String>,
}

const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "tr",
    "td",
    "th",
    "table",
    "blockquote",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "nav",
    "figure",
    "hr",
    "dl",
    "dt",
    "dd",
    "main",
    "address",
    "details",
    "summary",
    "body",
];
const SKIP: &[&str] = &[
    "script",
    "style",
    "template",
    "noscript",
    "figcaption",
    "title",
    // Foreign content: an icon's `<title>` or a chart's labels are neither title nor prose.
    "svg",
    "math",
];
const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

/// Outline `html` (a whole document or a fragment).
pub fn outline(html: &str) -> Outline {
    let mut out = Outline::default();
    let mut summary = Collector::default();
    let mut block = String::new();
    let mut skip: Option<&str> = None;
    let mut heading: Option<(&str, usize, bool)> = None;
    let mut title: Option<String> = None;
    for token in Lexer::new(html) {
        match token {
            Token::Text(t) => {
                let t = decode_entities(t);
                if let Some(s) = skip {
                    if s.eq_ignore_ascii_case("title") && out.title.is_none() {
                        title.get_or_insert_with(String::new).push_str(&t);
                    }
                } else {
                    block.push_str(&t);
                }
            }
            Token::Tag {
                name,
                end,
                range,
                attrs,
            } => {
                let attr = |wanted: &str| {
                    attrs
                        .iter()
                        .find(|a| a.name.eq_ignore_ascii_case(wanted))
                        .map(|a| clean(&decode_entities(a.value)))
                        .filter(|v| !v.is_empty())
                };
                let is = |n: &str| !end && name.eq_ignore_ascii_case(n);
                if out.base.is_none() && is("base") {
                    out.base = attr("href");
                } else if out.lang.is_none() && is("html") {
                    out.lang = attr("lang");
                } else if is("meta") {
                    let named = |key: &str, wanted: &str| {
                        attr(key).is_some_and(|n| n.eq_ignore_ascii_case(wanted))
                    };
                    if out.author.is_none() && named("name", "author") {
                        out.author = attr("content");
                    } else if out.og_title.is_none() && named("property", "og:title") {
                        out.og_title = attr("content");
                    } else if out.site_name.is_none() && named("property", "og:site_name") {
                        out.site_name = attr("content");
                    }
                }
                if let Some(s) = skip {
                    if end && s.eq_ignore_ascii_case(name) {
                        skip = None;
                        if let Some(t) = title.take() {
                            out.title = Some(clean(&t)).filter(|t| !t.is_empty());
                        }
                    }
                    continue;
                }
                let is_heading = HEADINGS.iter().any(|h| h.eq_ignore_ascii_case(name));
                // `<svg/>` is a whole element in foreign content (HTML ignores that slash).
                let foreign = ["svg", "math"].iter().any(|f| f.eq_ignore_ascii_case(name));
                let self_closing = foreign && html[range.clone()].ends_with("/>");
                if SKIP.iter().any(|s| s.eq_ignore_ascii_case(name)) && !end && !self_closing {
                    flush(&mut block, &mut out, &mut summary, heading.is_some());
                    skip = Some(name);
                } else if is_heading || BLOCKS.iter().any(|b| b.eq_ignore_ascii_case(name)) {
                    let text = flush(&mut block, &mut out, &mut summary, heading.is_some());
                    if is_heading && !end {
                        heading = Some((name, range.start, out.first_line.is_none()));
                    } else if is_heading {
                        if let Some((h, start, first)) = heading.take() {
                            if first && out.opening.is_none() && !text.is_empty() {
                                out.opening = Some((text.clone(), start..range.end));
                            }
                            if h.eq_ignore_ascii_case("h1") && out.h1.is_none() && !text.is_empty()
                            {
                                out.h1 = Some((text, start..range.end));
                            }
                        }
                    }
                }
            }
            Token::Other(_) => {}
        }
    }
    flush(&mut block, &mut out, &mut summary, heading.is_some());
    out.summary = summary.finish();
    out
}

/// End a block of text: note the first line and feed the summary. Returns the block's text.
fn flush(
    block: &mut String,
    out: &mut Outline,
    summary: &mut Collector,
    in_heading: bool,
) -> String {
    let text = clean(block);
    block.clear();
    if !text.is_empty() {
        if out.first_line.is_none() {
            out.first_line = Some(text.clone());
        }
        if !in_heading {
            summary.push(&text);
        }
    }
    text
}

/// Whitespace collapsed, CJK hard wraps joined.
fn clean(text: &str) -> String {
    let mut s = String::new();
    join_line(&mut s, text);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_of_documents_and_fragments() {
        let cases = [
            ("<!DOCTYPE html><html><head><title>T</title></head><body class=x><p>Hi</p></body></html>", "<p>Hi</p>"),
            ("<html><head><title>T</title><meta charset=utf-8></head><p>Hi</p></html>", "<p>Hi</p>"),
            ("<title>T</title><p>Hi</p>", "<p>Hi</p>"),
            ("<p>Just a fragment</p>", "<p>Just a fragment</p>"),
            ("<body><p>no end", "<p>no end"),
        ];
        for (input, want) in cases {
            assert_eq!(body(input), want, "{input}");
        }
    }

    #[test]
    fn outlines() {
        let o = outline("<html><head><title> The  &amp; Title </title><script>x</script></head><body><h1>Big <em>one</em></h1><p>第一段\n文字。</p><figcaption>图</figcaption><p>Second &lt;p&gt;</p></body></html>");
        assert_eq!(o.title.as_deref(), Some("The & Title"));
        assert_eq!(o.h1.as_ref().map(|h| h.0.as_str()), Some("Big one"));
        assert_eq!(o.first_line.as_deref(), Some("Big one"));
        assert_eq!(o.summary, "第一段文字。Second <p>");
        let o = outline("<a href=/><svg><title>Home icon</title><text>1</text></svg></a><h1>Council approves budget</h1><p>It <svg/>passed.</p><math><mi>x</mi></math>");
        assert_eq!(
            (o.title, o.h1.map(|h| h.0), o.summary.as_str()),
            (
                None,
                Some("Council approves budget".to_string()),
                "It passed."
            )
        );
        let o = outline("plain <b>text</b> only");
        assert_eq!(
            (o.title, o.h1, o.first_line.as_deref()),
            (None, None, Some("plain text only"))
        );
    }
}
