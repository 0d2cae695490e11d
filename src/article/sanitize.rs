//! HTML sanitizing with ammonia, configured once.
//!
//! On top of ammonia's defaults (no scripts, no event handlers, no `javascript:` URLs) this keeps
//! what Markdown produces: table alignment, `language-*` classes on code, footnote markup (ids
//! and classes) and task-list checkboxes (any other `<input>` is removed, and checkboxes are disabled). Relative URLs pass
//! through here; [`super::links::absolutize`] resolves them afterwards, so the builder does not
//! depend on the article and is built once.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

static BUILDER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.url_relative(ammonia::UrlRelative::PassThrough)
        .add_tags([
            "input",
            "figure",
            "figcaption",
            "video",
            "audio",
            "source",
            "picture",
        ])
        // Only one forced attribute: ammonia appends forced ones in hash order.
        .add_tags(MATHML)
        .add_tag_attributes("math", ["display"])
        .add_tag_attributes("mi", ["mathvariant"])
        .add_tag_attributes("mstyle", ["displaystyle", "mathvariant"])
        .add_tag_attributes("input", ["checked", "disabled", "type"])
        .add_tag_attributes("code", ["class"])
        .add_tag_attributes("div", ["class", "id"])
        .add_tag_attributes("sup", ["class"])
        .add_tag_attributes("li", ["id"])
        .add_tag_attributes("img", ["srcset", "loading"])
        .add_tag_attributes("video", ["src", "poster", "controls", "width", "height"])
        .add_tag_attributes("audio", ["src", "controls"])
        .add_tag_attributes("source", ["src", "srcset", "type", "media"])
        .add_tag_attributes("time", ["datetime"])
        // Right-to-left text (Arabic, Hebrew) keeps its direction.
        .add_generic_attributes(["dir"])
        .add_clean_content_tags(["noscript", "annotation", "annotation-xml"])
        .filter_style_properties(HashSet::from(["text-align"]))
        .attribute_filter(filter);
    // `style` keeps only `text-align` (above): table cell alignment from Markdown, and centred
    // paragraphs and headings as newsroom HTML writes them.
    for tag in ["th", "td", "p", "div", "h1", "h2", "h3", "h4", "h5", "h6"] {
        b.add_tag_attributes(tag, ["style"]);
    }
    // Heading ids, which Markdown gives every heading, so links to `#section` land.
    for tag in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        b.add_tag_attributes(tag, ["id"]);
    }
    b
});

/// MathML Core's presentation elements, which browsers render: without them ammonia drops a
/// formula with its text. ammonia checks that they appear only inside `<math>` (and HTML only
/// at MathML's text integration points), which is what keeps them from smuggling markup.
/// `<annotation>` (TeX source) is dropped with its content.
const MATHML: [&str; 22] = [
    "math",
    "semantics",
    "mrow",
    "mi",
    "mo",
    "mn",
    "ms",
    "mtext",
    "mspace",
    "msub",
    "msup",
    "msubsup",
    "munder",
    "mover",
    "munderover",
    "mfrac",
    "msqrt",
    "mroot",
    "mtable",
    "mtr",
    "mtd",
    "mstyle",
];

/// The URL schemes a sanitized `href`/`src` may have (ammonia's list).
static URL_SCHEMES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| BUILDER.clone_url_schemes());

/// Whether ammonia would keep `url` as an `href`/`src` value: a relative URL, or an absolute one
/// with an allowed scheme. Parsed the way browsers parse it (WHATWG URL: leading and trailing
/// controls and spaces trimmed, tabs and newlines removed, scheme compared case-insensitively),
/// so `" Java\tScript:..."` is `javascript:` here as it is in a browser.
pub fn url_allowed(url: &str) -> bool {
    match url::Url::parse(url) {
        Ok(parsed) => URL_SCHEMES.contains(parsed.scheme()),
        Err(e) => e == url::ParseError::RelativeUrlWithoutBase,
    }
}

/// Keep only the classes feedpub's markup uses.
fn filter<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    if attribute == "style" {
        // A style without `text-align` would be left as `style=""` by the property filter.
        return value.contains("text-align").then_some(Cow::Borrowed(value));
    }
    if attribute == "cite" {
        // ammonia checks the scheme of `src` and `href`, not of `cite` (blockquote, q, del…).
        return url_allowed(value).then_some(Cow::Borrowed(value));
    }
    if attribute == "srcset" {
        // ammonia checks the schemes of `src` and `href` but not of `srcset` candidates.
        let kept: Vec<String> = srcset_candidates(value)
            .into_iter()
            .filter(|(url, _)| url_allowed(url))
            .map(|(url, descriptor)| match descriptor {
                "" => url.to_string(),
                d => format!("{url} {d}"),
            })
            .collect();
        return (!kept.is_empty()).then(|| Cow::Owned(kept.join(", ")));
    }
    if attribute != "class" {
        return Some(Cow::Borrowed(value));
    }
    let keep = |class: &&str| match element {
        "code" => class.starts_with("language-") && class.len() < 64,
        _ => matches!(
            *class,
            "footnote-definition"
                | "footnote-reference"
                | "footnote-definition-label"
                | "footnotes"
        ),
    };
    let kept: Vec<&str> = value.split_ascii_whitespace().filter(keep).collect();
    (!kept.is_empty()).then(|| Cow::Owned(kept.join(" ")))
}

/// The `(url, descriptor)` candidates of a `srcset`, split as browsers split it: a URL is a
/// run of non-whitespace (so `data:…,…` keeps its comma) less trailing commas; its
/// descriptor runs to the next comma outside parentheses.
pub fn srcset_candidates(srcset: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = srcset;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            return out;
        }
        let end = rest
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let (word, after) = rest.split_at(end);
        let url = word.trim_end_matches(',');
        if url.len() < word.len() {
            out.push((url, ""));
            rest = after;
            continue;
        }
        let mut depth = 0usize;
        let stop = after
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth = depth.saturating_sub(1),
                    ',' => return depth == 0,
                    _ => {}
                }
                false
            })
            .map_or(after.len(), |(i, _)| i);
        out.push((url, after[..stop].trim()));
        rest = &after[stop..];
    }
}

/// `html` sanitized.
pub fn sanitize(html: &str) -> String {
    let clean = BUILDER.clean(&unwrap_noscript(html)).to_string();
    match valid_leftovers(&clean) {
        Cow::Borrowed(_) => clean,
        Cow::Owned(fixed) => fixed,
    }
}

/// `html` without its `<noscript>` tags, their content kept as markup. html5ever parses as a
/// browser running scripts does, where that content is text: ammonia would show `<img …>`
/// to the reader. Pages and feeds run no scripts, so the content is what a reader should see
/// (lazy-loading pages put the real `<img>` there). Every opening and closing tag goes in one
/// pass over the `<`s (found with memchr: this runs on every sanitized body), however deep
/// they nest; one inside a comment or an attribute value goes too, which changes nothing
/// ammonia keeps.
fn unwrap_noscript(html: &str) -> Cow<'_, str> {
    let b = html.as_bytes();
    let tag_end = |i: usize| -> Option<usize> {
        let name_at = i + 1 + usize::from(b.get(i + 1) == Some(&b'/'));
        let name = b.get(name_at..name_at + 8)?;
        let after = b.get(name_at + 8).copied();
        let boundary = matches!(
            after,
            None | Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
        );
        (name.eq_ignore_ascii_case(b"noscript") && boundary).then(|| {
            html[name_at + 8..]
                .find('>')
                .map_or(html.len(), |g| name_at + 8 + g + 1)
        })
    };
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut from = 0;
    for (i, _) in html.match_indices('<') {
        if i < from {
            continue;
        }
        if let Some(end) = tag_end(i) {
            edits.push((i..end, String::new()));
            from = end;
        }
    }
    super::html::apply_edits(html, edits)
}

/// What ammonia leaves of an element whose URL it dropped (`javascript:`, `data:`), made valid
/// HTML: a link without `href` loses the `rel` ammonia adds to every link (HTML allows `rel`
/// only with `href`), and an image without `src` becomes its `alt` text. An `<input>` (forced
/// to a checkbox: task lists) that is not `disabled` becomes so, as Markdown's are: a form's
/// field is not something a reader can tick. ammonia's output is html5ever's serialization:
/// every attribute is ` name="value"`.
fn valid_leftovers(html: &str) -> Cow<'_, str> {
    use super::html::{apply_edits, decode_entities, escape_text, Lexer, Token};
    if !html.contains("<a ") && !html.contains("<img") && !html.contains("<input") {
        return Cow::Borrowed(html);
    }
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for token in Lexer::new(html) {
        let Token::Tag {
            name,
            end: false,
            attrs,
            range,
        } = token
        else {
            continue;
        };
        let has = |wanted: &str| attrs.iter().any(|a| a.name == wanted);
        if name == "a" && !has("href") {
            if let Some(rel) = attrs.iter().find(|a| a.name == "rel") {
                let start = rel.span.start.saturating_sub(rel.name.len() + 2);
                edits.push((start..rel.span.end, String::new()));
            }
        } else if name == "img" && !has("src") && !has("srcset") {
            let mut alt = String::new();
            if let Some(a) = attrs.iter().find(|a| a.name == "alt") {
                escape_text(&mut alt, &decode_entities(a.value));
            }
            edits.push((range, alt));
        } else if name == "input" {
            // Only a task list's checkbox: a form's fields (the form is gone) would be
            // controls that do nothing.
            let checkbox = attrs
                .iter()
                .any(|a| a.name == "type" && a.value.eq_ignore_ascii_case("checkbox"));
            if !checkbox {
                edits.push((range, String::new()));
            } else if !has("disabled") {
                let end = range.end - 1;
                edits.push((end..end, " disabled=\"\"".to_string()));
            }
        }
    }
    apply_edits(html, edits)
}

/// Most work the serializer under ammonia may take for the texts of one document, in bytes
/// searched (about a second). At each `&` or no-break space of a text, html5ever's serializer
/// searches on for the next `<` or `>` to the end of the text: quadratic in a long text full of
/// them (2 MB of `&` between two tags took 42 s, stalling the daemon).
pub const MAX_TEXT_COST: u64 = 50_000_000_000;

/// The longest stretch of `html` without markup, in bytes, when the texts would cost the
/// serializer more than [`MAX_TEXT_COST`]; `None` when they would not. An over-estimate: each
/// `&` (an entity too) or no-break space counts half its stretch.
pub fn slow_text(html: &str) -> Option<usize> {
    let mut cost: u64 = 0;
    let mut longest = 0;
    // `&lt;` and `&gt;` are a `<` and a `>` once parsed, which end the serializer's search as
    // the tags do (a code listing is full of them, and fast).
    let runs = html
        .split(['<', '>'])
        .flat_map(|r| r.split("&lt;"))
        .flat_map(|r| r.split("&gt;"));
    for run in runs.map(str::as_bytes) {
        let specials = run.iter().filter(|&&b| b == b'&').count()
            + run.windows(2).filter(|w| *w == [0xC2, 0xA0]).count();
        let run_cost = (specials as u64).saturating_mul(run.len() as u64 / 2);
        cost = cost.saturating_add(run_cost);
        longest = longest.max(run.len());
    }
    (cost > MAX_TEXT_COST).then_some(longest)
}

/// Deepest element nesting [`sanitize`] is given (browsers stop nesting at 512 too). html5ever,
/// under ammonia, takes time proportional to the depth for each block start tag, so 100,000
/// nested `<div>`s (600 KB) took 30 s and a 10 MiB file hours, stalling the daemon.
pub const MAX_DEPTH: usize = 512;

/// Whether `html` nests elements deeper than [`MAX_DEPTH`]. A cheap over-estimate of the
/// parser's stack of open elements: start tags push (void elements and `/>` do not), end tags
/// pop to their element, and the end tags the parser implies (`<p>` closes an open `p`, `<li>`
/// an open `li`, `<td>` an open cell…) pop only where the parser surely pops too. Comments and
/// the text of `script`, `style` and the like are skipped.
pub fn too_deep(html: &str) -> bool {
    let b = html.as_bytes();
    let mut stack: Vec<Cow<'_, str>> = Vec::new();
    let mut i = 0;
    while let Some(at) = b[i..].iter().position(|&c| c == b'<') {
        i += at + 1;
        if b[i..].starts_with(b"!--") {
            i = comment_end(b, i + 3);
            continue;
        }
        let end_tag = b.get(i) == Some(&b'/');
        let name_start = i + usize::from(end_tag);
        let name_len = b[name_start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
            .count();
        if name_len == 0 || !b[name_start].is_ascii_alphabetic() {
            continue; // text `<`, `<!doctype>`, `<?…>`
        }
        let raw = &html[name_start..name_start + name_len];
        let name = if raw.bytes().any(|c| c.is_ascii_uppercase()) {
            Cow::Owned(raw.to_ascii_lowercase())
        } else {
            Cow::Borrowed(raw)
        };
        let close = b[name_start + name_len..]
            .iter()
            .position(|&c| c == b'>')
            .map_or(b.len(), |p| name_start + name_len + p);
        i = close;
        if end_tag {
            // The end tag of a special element closes it through anything but a scope
            // boundary; any other (`</b>`, `</span>`) only through elements that are not
            // special (else the adoption agency keeps the tree as deep).
            if CLOSES_P.contains(&&*name) || SPECIAL_END.contains(&&*name) {
                pop_to(&mut stack, &[&*name], |n| SCOPE.contains(&n));
            } else {
                pop_to(&mut stack, &[&*name], |n| !INLINE.contains(&n));
            }
            continue;
        }
        // Inside SVG or MathML, `<style>` or `<title>` is an element like any other.
        let foreign = || stack.iter().any(|n| n == "svg" || n == "math");
        if RAW_TEXT.contains(&&*name) && !foreign() {
            let closer = format!("</{name}");
            i = find_ci(b, close, closer.as_bytes()).unwrap_or(b.len());
            continue;
        }
        if VOID.contains(&&*name) || b[..close].ends_with(b"/") {
            continue;
        }
        if CLOSES_P.contains(&&*name) {
            pop_to(&mut stack, &["p"], |n| SCOPE.contains(&n) || n == "button");
        }
        let between = |also: &'static [&'static str]| {
            move |n: &str| !(INLINE.contains(&n) || also.contains(&n))
        };
        const BLOCKS: &[&str] = &["p", "div", "address"];
        const IN_CELL: &[&str] = &["p", "div", "address", "li", "dt", "dd"];
        const IN_ROW: &[&str] = &["p", "div", "address", "li", "dt", "dd", "td", "th"];
        const IN_BODY: &[&str] = &["p", "div", "address", "li", "dt", "dd", "td", "th", "tr"];
        match &*name {
            "li" => pop_to(&mut stack, &["li"], between(BLOCKS)),
            "dt" | "dd" => pop_to(&mut stack, &["dt", "dd"], between(BLOCKS)),
            "td" | "th" => pop_to(&mut stack, &["td", "th"], between(IN_CELL)),
            "tr" => pop_to(&mut stack, &["tr"], between(IN_ROW)),
            "tbody" | "thead" | "tfoot" => {
                pop_to(&mut stack, &["tbody", "thead", "tfoot"], between(IN_BODY))
            }
            "option" => pop_to(&mut stack, &["option"], between(&[])),
            "optgroup" => {
                pop_to(&mut stack, &["option"], between(&[]));
                pop_to(&mut stack, &["optgroup"], between(&[]));
            }
            "rb" | "rt" | "rtc" | "rp" => {
                pop_to(&mut stack, &["rb", "rt", "rtc", "rp"], between(&[]))
            }
            _ => {}
        }
        stack.push(name);
        if stack.len() > MAX_DEPTH {
            return true;
        }
    }
    false
}

/// Pop `stack` down to (and without) the topmost element named in `targets`, unless an
/// element for which `stop` holds comes first.
fn pop_to(stack: &mut Vec<Cow<'_, str>>, targets: &[&str], stop: impl Fn(&str) -> bool) {
    for at in (0..stack.len()).rev() {
        if targets.contains(&&*stack[at]) {
            stack.truncate(at);
            return;
        }
        if stop(&stack[at]) {
            return;
        }
    }
}

/// Elements an end tag or an implied `p` end does not look past (the parser's scope
/// boundaries, HTML, SVG and MathML).
const SCOPE: [&str; 20] = [
    "applet",
    "caption",
    "html",
    "table",
    "td",
    "th",
    "marquee",
    "object",
    "template",
    "svg",
    "math",
    "foreignobject",
    "desc",
    "title",
    "mi",
    "mo",
    "mn",
    "ms",
    "mtext",
    "annotation-xml",
];

/// Special elements besides [`CLOSES_P`] whose end tag closes them through other elements.
const SPECIAL_END: [&str; 19] = [
    "applet", "caption", "html", "table", "td", "th", "marquee", "object", "template", "tbody",
    "thead", "tfoot", "tr", "button", "select", "option", "optgroup", "body", "colgroup",
];

/// Start tags that close an open `p`.
const CLOSES_P: [&str; 37] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "header",
    "hgroup",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "search",
    "section",
    "summary",
    "ul",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "listing",
    "form",
    "li",
    "dd",
    "dt",
];

/// Elements that are not "special" to the parser: an implied end (`<li>` closing an `li`)
/// looks past them.
const INLINE: [&str; 24] = [
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt",
    "u", "span", "abbr", "cite", "q", "mark", "label", "sub", "sup", "var", "kbd",
];

/// Elements without content.
const VOID: [&str; 18] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param", "keygen", "basefont", "bgsound", "frame",
];

/// Elements whose text is not markup.
const RAW_TEXT: [&str; 9] = [
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
];

/// Where a comment whose text starts at `from` ends, as the parser ends it: after `-->` or
/// `--!>`, or at once for `<!-->` and `<!--->`.
fn comment_end(b: &[u8], from: usize) -> usize {
    for abrupt in [b">".as_slice(), b"->"] {
        if b[from..].starts_with(abrupt) {
            return from + abrupt.len();
        }
    }
    // One pass to whichever comes first: searching for each to its end made a file of many
    // comments quadratic (100,000 `<!--c-->` took 14 s).
    let mut at = from;
    while let Some(dashes) = find(b, at, b"--") {
        match b.get(dashes + 2) {
            Some(b'>') => return dashes + 3,
            Some(b'!') if b.get(dashes + 3) == Some(&b'>') => return dashes + 4,
            _ => at = dashes + 1,
        }
    }
    b.len()
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn find_ci(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_end_where_the_parser_ends_them_in_linear_time() {
        assert_eq!(comment_end(b"<!-- a --!> b -->", 4), 11);
        assert_eq!(comment_end(b"<!-- a -- b ---> c", 4), 16);
        assert_eq!(comment_end(b"<!-->x", 4), 5);
        assert_eq!(comment_end(b"<!-- never closed -", 4), 19);
        let many = format!("<p>x</p>{}", "<!--c-->".repeat(200_000));
        let started = std::time::Instant::now();
        assert!(!too_deep(&many));
        // Generous: it took minutes when each comment searched to the end of the file.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn direction_and_machine_dates_are_kept() {
        assert_eq!(
            sanitize("<p dir=\"rtl\">مرحبا <span dir=\"ltr\">feedpub</span> <time datetime=\"2026-12-07\">اليوم</time></p>"),
            "<p dir=\"rtl\">مرحبا <span dir=\"ltr\">feedpub</span> <time datetime=\"2026-12-07\">اليوم</time></p>"
        );
    }

    #[test]
    fn noscript_content_is_markup_not_text() {
        assert_eq!(
            sanitize("<p>a</p><noscript><p>no <b>script</b></p></noscript>"),
            "<p>a</p><p>no <b>script</b></p>"
        );
        assert_eq!(
            sanitize("<NOSCRIPT><img src=\"x.png\" onerror=\"alert(1)\"></NOSCRIPT>"),
            "<img src=\"x.png\">"
        );
        // A form's fields go (no invented checkboxes); a task list's checkbox stays, and
        // cannot be ticked.
        assert_eq!(
            sanitize("<form action=\"https://evil.example/\"><input name=\"a\"><input type=\"password\"><button>Go</button><input type=\"checkbox\"></form>"),
            "Go<input type=\"checkbox\" disabled=\"\">"
        );
        assert_eq!(
            sanitize("<input disabled=\"\" type=\"checkbox\" checked=\"\">"),
            "<input disabled=\"\" type=\"checkbox\" checked=\"\">"
        );
        // MathML is kept; its TeX annotation goes, and so does markup smuggled into it.
        assert_eq!(
            sanitize("<p>Math: <math display=\"block\" onclick=\"x()\"><semantics><mi>x</mi><mo>=</mo><mn>2</mn><annotation encoding=\"TeX\">x=2</annotation></semantics></math></p>"),
            "<p>Math: <math display=\"block\"><semantics><mi>x</mi><mo>=</mo><mn>2</mn></semantics></math></p>"
        );
        for hostile in [
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<math><mi><svg><style><img src=x onerror=alert(1)></style></svg></mi></math>",
            "<math><annotation-xml encoding=\"text/html\"><img src=x onerror=alert(1)></annotation-xml></math>",
        ] {
            let out = sanitize(hostile);
            assert!(!out.contains("onerror"), "{hostile} → {out}");
        }
        // One inside another is dropped, not shown as text.
        let nested = sanitize("<noscript>a<noscript>b</noscript>c</noscript>d");
        assert_eq!(nested, "abcd");
        let deep = format!(
            "<p>before</p>{}<img src=\"deep.png\">{}<p>after</p>",
            "<noscript>".repeat(12),
            "</NOSCRIPT >".repeat(12)
        );
        assert_eq!(
            sanitize(&deep),
            "<p>before</p><img src=\"deep.png\"><p>after</p>"
        );
        // Only that element: `<noscripts>` is another (unknown) one.
        assert_eq!(sanitize("<noscripts>x</noscripts>"), "x");
    }

    #[test]
    fn what_a_dropped_url_leaves_is_valid_html() {
        let cases = [
            (
                "<a href=\"javascript:alert(1)\" title=\"t\">x</a>",
                "<a title=\"t\">x</a>",
            ),
            (
                "<a href=\"/ok\">y</a>",
                "<a href=\"/ok\" rel=\"noopener noreferrer\">y</a>",
            ),
            (
                "<p><img src=\"data:image/png;base64,AAAA\" alt=\"A &amp; <b>\"> z</p>",
                "<p>A &amp; &lt;b&gt; z</p>",
            ),
            ("<img alt=\"none\">", "none"),
            (
                "<img src=\"/a.png\" alt=\"kept\">",
                "<img src=\"/a.png\" alt=\"kept\">",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(sanitize(input), want, "{input}");
        }
    }

    #[test]
    fn text_full_of_ampersands_is_refused_before_the_serializer_stalls() {
        let amps = format!("<p>{}</p>", "&amp;".repeat(1_000_000));
        assert_eq!(slow_text(&amps), Some(5_000_000));
        let nbsp = format!("<p>{}</p>", "\u{A0}".repeat(1_000_000));
        assert!(slow_text(&nbsp).is_some());
        // Ordinary text, long paragraphs with the odd `&`, and many short ones pass.
        let long = format!("<p>{}</p>", "Fish &amp; chips, ".repeat(50_000));
        assert_eq!(slow_text(&long), None);
        let many = "<p>Fish &amp; chips &amp; peas</p>\n".repeat(100_000);
        assert_eq!(slow_text(&many), None);
        // A long code listing: its `&lt;` and `&gt;` end the serializer's searches.
        let code = format!(
            "<pre>{}</pre>",
            "if (a &lt; b &amp;&amp; c &gt; d) {}\n".repeat(40_000)
        );
        assert_eq!(slow_text(&code), None);
    }

    #[test]
    fn dangerous_markup_is_removed() {
        let cases = [
            ("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>"),
            (
                r#"<img src="x.png" onerror="alert(1)">"#,
                r#"<img src="x.png">"#,
            ),
            (r#"<a href="javascript:alert(1)">x</a>"#, "<a>x</a>"),
            (r#"<a href="JaVa&#x09;script:alert(1)">x</a>"#, "<a>x</a>"),
            (
                r#"<iframe src="https://evil"></iframe><p style="color:red" class="x">t</p>"#,
                "<p>t</p>",
            ),
            (r#"<input type="text" name="q">"#, ""),
            (
                r#"<blockquote cite="javascript:x">q</blockquote><q cite="https://ok/">q</q><del cite="data:,x">d</del>"#,
                r#"<blockquote>q</blockquote><q cite="https://ok/">q</q><del>d</del>"#,
            ),
            // srcset candidates are judged one by one, like src.
            (
                r#"<img srcset="javascript:alert(1) 1x, a.png 2x,, https://x.org/a,b.png 3x, file:///etc/passwd, data:image/png;base64,AAAA 4x">"#,
                r#"<img srcset="a.png 2x, https://x.org/a,b.png 3x">"#,
            ),
            (
                r#"<picture><source srcset=" JaVaScript:alert(1) 1x"><img srcset="x:y 1x"></picture>"#,
                "<picture><source></picture>",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(sanitize(input), want, "{input}");
        }
    }

    #[test]
    fn deep_nesting_is_caught_and_ordinary_markup_is_not() {
        let deep = |open: &str, n: usize| open.repeat(n);
        for html in [
            deep("<div>", MAX_DEPTH + 1),
            deep("<blockquote><span>", MAX_DEPTH / 2 + 1),
            format!("<p>{}", deep("<UL>", MAX_DEPTH + 1)),
            deep("<div >x</span></p></td>", MAX_DEPTH + 1),
            deep("<table><tr><td>", MAX_DEPTH / 3 + 1),
            deep("<ul><li><p>", MAX_DEPTH / 2 + 1),
            format!("<b>{}", deep("<div></b>", MAX_DEPTH + 1)),
            // What the parser takes for markup is counted: after a comment ended by `--!>` or
            // `<!-->`, inside SVG's `<title>` or `<style>`.
            format!("<!-- x --!>{}-->", deep("<div>", MAX_DEPTH + 1)),
            format!("<!-->{}-->", deep("<div>", MAX_DEPTH + 1)),
            format!("<svg><title>{}", deep("<div>", MAX_DEPTH + 1)),
            format!("<math><style>{}", deep("<div>", MAX_DEPTH + 1)),
            deep("<i><div></i></span>", MAX_DEPTH / 2 + 1),
        ] {
            assert!(too_deep(&html), "{}", &html[..40]);
        }
        let legacy =
            "<P><font size=2>para<br>line<img src=x.png><p>next<li>item<td>cell".repeat(2000);
        for html in [
            "<div>x</div>".repeat(10_000),
            legacy,
            deep("<div/>", 10_000),
            format!(
                "{}{}",
                deep("<div>", MAX_DEPTH),
                deep("</div><div>", 10_000)
            ),
            format!("<!-- {} -->", deep("<div>", 10_000)),
            format!("<script>{}</SCRIPT>", deep("<div>", 10_000)),
            deep("a < b <3 <!doctype html> <?x?> ", 10_000),
            format!("<svg>{}</svg>", deep("<path d='M0'/>", 10_000)),
            format!(
                "<ul>{}</ul>",
                deep("<li><p><b>x</b><li>y<ul><li>z</ul>", 10_000)
            ),
            format!("<dl>{}</dl>", deep("<dt>t<dd><span>d", 10_000)),
            format!(
                "<table>{}</table>",
                deep("<tr><td><div>a<td>b<tr><th>c", 10_000)
            ),
            format!(
                "<select>{}</select>",
                deep("<optgroup><option>a<option>b", 10_000)
            ),
        ] {
            assert!(!too_deep(&html), "{}", &html[..40]);
        }
    }

    #[test]
    fn markdown_markup_is_kept() {
        let cases = [
            (
                r#"<pre><code class="language-rust evil">fn</code></pre>"#,
                r#"<pre><code class="language-rust">fn</code></pre>"#,
            ),
            (
                r#"<table><tr><td style="color: red; text-align: right">d</td></tr></table>"#,
                r#"<table><tbody><tr><td style="text-align:right">d</td></tr></tbody></table>"#,
            ),
            (
                r#"<table><thead><tr><th style="text-align: center">h</th></tr></thead></table>"#,
                r#"<table><thead><tr><th style="text-align:center">h</th></tr></thead></table>"#,
            ),
            (
                r#"<p style="text-align: center; color: red; background: url(x)">居中</p><h2 style="text-align:right">右</h2><p style="color:red">红</p>"#,
                r#"<p style="text-align:center">居中</p><h2 style="text-align:right">右</h2><p>红</p>"#,
            ),
            (
                r#"<input disabled="" type="checkbox" checked=""/>"#,
                r#"<input disabled="" type="checkbox" checked="">"#,
            ),
            (
                r##"<sup class="footnote-reference"><a href="#1">1</a></sup>"##,
                r##"<sup class="footnote-reference"><a href="#1" rel="noopener noreferrer">1</a></sup>"##,
            ),
            (
                r#"<div class="footnote-definition" id="1"><p>n</p></div>"#,
                r#"<div class="footnote-definition" id="1"><p>n</p></div>"#,
            ),
            (
                r#"<a href="rel/x.png">r</a>"#,
                r#"<a href="rel/x.png" rel="noopener noreferrer">r</a>"#,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(sanitize(input), want, "{input}");
        }
    }
}
