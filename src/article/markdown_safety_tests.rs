//! Markdown without raw HTML skips ammonia: these tests show its output is safe anyway.
//!
//! Each hostile input goes through [`parse`] as a `.md` article with sanitizing on, and the
//! result must hold no script, no event handler and no URL ammonia would strip; the proptest
//! also runs ammonia over the fast path's output and checks it removes no link or image.

use std::path::PathBuf;
use std::time::UNIX_EPOCH;

use proptest::prelude::*;

use super::html::{decode_entities, Lexer, Token};
use super::sanitize::{sanitize, url_allowed};
use super::*;

fn parse_md(body: &str) -> String {
    let src = Source {
        path: PathBuf::from("articles/a.md"),
        bytes: format!("---\ntitle: T\n---\n{body}").into_bytes(),
        modified: UNIX_EPOCH,
        dir_name: None,
    };
    let opts = ParseOptions {
        base_url: "https://news.example/".into(),
        timezone: chrono_tz::UTC,
        sanitize_html: true,
        language: "en".into(),
    };
    match parse(&src, &opts) {
        Ok(a) => a.content_html.html().into_owned(),
        Err(e) => panic!("{body:?}: {e}"),
    }
}

/// Every problem a sanitizer exists to prevent, found by lexing `html` as a browser would.
fn hazards(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for token in Lexer::new(html) {
        let Token::Tag { name, attrs, .. } = token else {
            continue;
        };
        let name = name.to_ascii_lowercase();
        if matches!(
            name.as_str(),
            "script" | "iframe" | "object" | "embed" | "style" | "svg" | "math" | "form" | "base"
        ) {
            found.push(format!("<{name}>"));
        }
        for attr in attrs {
            let attr_name = attr.name.to_ascii_lowercase();
            let value = decode_entities(attr.value);
            if attr_name.starts_with("on") {
                found.push(format!("{attr_name}= on <{name}>"));
            }
            if matches!(
                attr_name.as_str(),
                "href" | "src" | "srcset" | "action" | "formaction"
            ) && !url_allowed(&value)
            {
                found.push(format!("{attr_name}={value:?} on <{name}>"));
            }
        }
    }
    found
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

#[test]
fn hostile_markdown_table() {
    // (input, must the link/image survive)
    let cases: &[(&str, bool)] = &[
        ("[x](javascript:alert(1))", false),
        ("[x](JaVaScRiPt:alert(1))", false),
        ("[x]( java\tscript:alert(1))", false),
        ("[x](<java\tscript:alert(1)>)", false),
        ("[x](<java\nscript:alert(1)>)", false),
        ("[x](<\u{1}javascript:alert(1)>)", false),
        ("[x](&#106;avascript:alert(1))", false),
        ("[x](&#x6A;avascript&#58;alert(1))", false),
        ("[x](javascript&colon;alert(1))", false),
        ("[x](vbscript:msgbox(1))", false),
        (
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            false,
        ),
        ("<javascript:alert(1)>", false),
        ("<JAVASCRIPT:alert(1)>", false),
        ("[x][r]\n\n[r]: javascript:alert(1)", false),
        ("[x]\n\n[x]: <javascript:alert(1)> \"t\"", false),
        ("![i](javascript:alert(1))", false),
        ("![i](<x.png\" onerror=\"alert(1)>)", true),
        ("![i\" onerror=\"alert(1)](x.png)", true),
        ("[x](x \"t\\\" onmouseover=\\\"alert(1)\")", true),
        ("[![i](javascript:alert(1))](https://ok.example/)", true),
        (
            "[x](https://ok.example/?q=\"><script>alert(1)</script>)",
            true,
        ),
        ("`<script>alert(1)</script>`", false),
        ("```\n<script>alert(1)</script>\n```", false),
        ("\\<script>alert(1)\\</script>", false),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", false),
        ("[x](mailto:a@example.org)", true),
        ("[x](rel/page.html)", true),
        ("[x](//cdn.example/x)", true),
        ("[x](#frag)", true),
        ("[^n]\n\n[^n]: [y](javascript:alert(1))", false),
    ];
    for &(input, link_kept) in cases {
        let html = parse_md(input);
        assert_eq!(hazards(&html), Vec::<String>::new(), "{input:?} → {html}");
        assert!(!html.contains("<script"), "{input:?} → {html}");
        let links = count(&html, "<a href") + count(&html, "<img src");
        if link_kept {
            assert!(links > 0, "{input:?} lost its link: {html}");
        } else {
            assert!(
                !html.to_ascii_lowercase().contains("href=\"javascript"),
                "{input:?} → {html}"
            );
        }
    }
}

#[test]
fn dropped_links_keep_their_text() {
    assert_eq!(
        parse_md("a [x *y*](javascript:alert(1)) b ![alt](vbscript:x)"),
        "<p>a x <em>y</em> b alt</p>\n"
    );
}

#[test]
fn raw_html_still_goes_through_ammonia() {
    for input in [
        "<script>alert(1)</script>",
        "x <img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<div onclick=\"alert(1)\">\n\n*md*\n\n</div>",
    ] {
        let html = parse_md(input);
        assert_eq!(hazards(&html), Vec::<String>::new(), "{input:?} → {html}");
        assert!(!html.contains("alert"), "{input:?} → {html}");
    }
}

#[test]
fn url_allowed_matches_browsers() {
    for bad in [
        "javascript:x",
        "JAVASCRIPT:x",
        " \u{0}javascript:x",
        "java\tscript:x",
        "java\r\nscript:x",
        "vbscript:x",
        "data:text/html,x",
        "file:///etc/passwd",
    ] {
        assert!(!url_allowed(bad), "{bad:?}");
    }
    for good in [
        "https://a.example/",
        "HTTP://a.example/",
        "mailto:a@b",
        "x/y",
        "/x",
        "#x",
        "?q",
        "",
    ] {
        assert!(url_allowed(good), "{good:?}");
    }
}

/// Markdown pieces, hostile and harmless, that the proptest strings together.
fn piece() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec![
        "javascript:",
        "JaVaScRiPt:",
        " java\tscript:",
        "vbscript:",
        "data:text/html,",
        "&#106;avascript:",
        "java&#x09;script:",
        "https://ok.example/",
        "",
        "mailto:",
        "\u{1}javascript:",
    ]);
    let payload = prop::sample::select(vec![
        "alert(1)",
        "x\" onerror=\"alert(1)",
        "'><script>alert(1)</script>",
        "a b",
        "%22onload=x",
    ]);
    let text = "[a-zA-Z <>\"'&*_`\\[\\]()!#:=\n-]{0,12}";
    prop_oneof![
        (scheme.clone(), payload.clone()).prop_map(|(s, p)| format!("[l]({s}{p})")),
        (scheme.clone(), payload.clone()).prop_map(|(s, p)| format!("![i]({s}{p})")),
        (scheme.clone(), payload.clone()).prop_map(|(s, p)| format!("<{s}{p}>")),
        (scheme.clone(), payload.clone())
            .prop_map(|(s, p)| format!("[r]\n\n[r]: <{s}{p}> \"t\"\n")),
        (scheme, payload).prop_map(|(s, p)| format!("[![i]({s}{p})]({s}{p})")),
        text.prop_map(|t| t),
        Just("\n\n".to_string()),
        Just("[^n]\n\n[^n]: note\n".to_string()),
        Just("| a |\n|---|\n| b |\n".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn markdown_without_raw_html_is_safe(pieces in prop::collection::vec(piece(), 1..8)) {
        let body = pieces.concat();
        let html = parse_md(&body);
        prop_assert_eq!(hazards(&html), Vec::<String>::new(), "{:?} → {}", body, html);
        let events = pulldown_cmark::Parser::new(&body);
        let raw = events.into_iter().any(|e| matches!(
            e,
            pulldown_cmark::Event::Html(_) | pulldown_cmark::Event::InlineHtml(_)
        ));
        if !raw {
            // Nothing left for ammonia to remove: it keeps every link and image.
            let cleaned = sanitize(&html);
            prop_assert_eq!(count(&cleaned, " href="), count(&html, " href="), "{:?} → {}", body, html);
            prop_assert_eq!(count(&cleaned, " src="), count(&html, " src="), "{:?} → {}", body, html);
            prop_assert!(!cleaned.contains("<script"));
        }
    }
}
