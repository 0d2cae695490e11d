//! HTML sanitizing with ammonia, configured once.
//!
//! On top of ammonia's defaults (no scripts, no event handlers, no `javascript:` URLs) this keeps
//! what Markdown produces: table alignment, `language-*` classes on code, footnote markup (ids
//! and classes) and task-list checkboxes (any `<input>` is forced to be a checkbox). Relative URLs pass
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
        .add_tag_attributes("input", ["checked", "disabled"])
        .set_tag_attribute_value("input", "type", "checkbox")
        .add_tag_attributes("code", ["class"])
        .add_tag_attributes("div", ["class", "id"])
        .add_tag_attributes("sup", ["class"])
        .add_tag_attributes("li", ["id"])
        .add_tag_attributes("img", ["srcset", "loading"])
        .add_tag_attributes("video", ["src", "poster", "controls", "width", "height"])
        .add_tag_attributes("audio", ["src", "controls"])
        .add_tag_attributes("source", ["src", "srcset", "type", "media"])
        .filter_style_properties(HashSet::from(["text-align"]))
        .attribute_filter(filter);
    // `style` keeps only `text-align` (above): table cell alignment from Markdown, and centred
    // paragraphs and headings as newsroom HTML writes them.
    for tag in ["th", "td", "p", "div", "h1", "h2", "h3", "h4", "h5", "h6"] {
        b.add_tag_attributes(tag, ["style"]);
    }
    b
});

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

/// `html` sanitized.
pub fn sanitize(html: &str) -> String {
    BUILDER.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangerous_markup_is_removed() {
        let cases = [
            ("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>"),
            (
                r#"<img src="x.png" onerror="alert(1)">"#,
                r#"<img src="x.png">"#,
            ),
            (
                r#"<a href="javascript:alert(1)">x</a>"#,
                r#"<a rel="noopener noreferrer">x</a>"#,
            ),
            (
                r#"<a href="JaVa&#x09;script:alert(1)">x</a>"#,
                r#"<a rel="noopener noreferrer">x</a>"#,
            ),
            (
                r#"<iframe src="https://evil"></iframe><p style="color:red" class="x">t</p>"#,
                "<p>t</p>",
            ),
            (
                r#"<input type="text" name="q">"#,
                r#"<input type="checkbox">"#,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(sanitize(input), want, "{input}");
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
                r#"<input disabled="" checked="" type="checkbox">"#,
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
