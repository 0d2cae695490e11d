//! Property tests over feedpub's pub API, with a bounded number of cases so `cargo test` stays
//! fast (the fuzz targets in `fuzz/` explore the same invariants for much longer):
//!
//! * `xml_safe` output never holds a character XML 1.0 forbids;
//! * parsing one article from arbitrary bytes never panics, whatever the extension;
//! * feeds rendered from arbitrary titles, tags and bodies are well-formed XML (and JSON);
//! * a request path with a `..` segment, in any spelling, never routes to an asset.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use chrono::DateTime;
use feedpub::article::{self, xml_safe, ParseOptions, Source};
use feedpub::config::Config;
use feedpub::server::route::{route, Route};
use proptest::prelude::*;

use crate::util::well_formed_xml;

const CASES: u32 = 256;

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

fn opts(sanitize_html: bool) -> ParseOptions {
    let c = Config::default();
    ParseOptions {
        base_url: c.site.base_url,
        timezone: c.site.timezone,
        sanitize_html,
        language: c.site.language,
    }
}

fn source(name: &str, bytes: Vec<u8>) -> Source {
    Source {
        path: PathBuf::from("articles").join(name),
        bytes,
        modified: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        dir_name: None,
    }
}

/// A TOML basic string holding exactly `s` (every non-printable-ASCII character escaped).
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            _ => out.push_str(&format!("\\U{:08X}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// Strings rich in what breaks feeds: markup, entities, CDATA ends, controls, non-characters.
fn nasty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<".to_string()),
        Just("&amp;".to_string()),
        Just("]]>".to_string()),
        Just("<![CDATA[".to_string()),
        Just("<script>alert(1)</script>".to_string()),
        Just("\"'".to_string()),
        Just("\u{0}\u{1}\u{b}\u{1f}\u{7f}\u{85}".to_string()),
        Just("\u{fffe}\u{ffff}\u{1fffe}".to_string()),
        Just("\r\n".to_string()),
        Just("中文".to_string()),
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

/// Whether `path` (before `?`) has a `..` segment as written or once percent-decoded, with the
/// overlong UTF-8 spellings of `.` folded and `\` taken as a separator too.
fn has_dot_dot_segment(path: &str) -> bool {
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let mut once: Vec<u8> = percent_encoding::percent_decode_str(path).collect();
    for overlong in [&b"\xe0\x80\xae"[..], b"\xc0\xae"] {
        while let Some(i) = once.windows(overlong.len()).position(|w| w == overlong) {
            once.splice(i..i + overlong.len(), [b'.']);
        }
    }
    [path.as_bytes(), &once[..]]
        .iter()
        .any(|b| b.split(|&c| c == b'/' || c == b'\\').any(|s| s == b".."))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn xml_safe_output_holds_only_xml_characters(s in any::<String>(), t in nasty()) {
        for input in [s, t] {
            let out = xml_safe(&input);
            // It removes exactly the characters XML forbids (plus DEL and the C1 controls), but
            // for C1 controls windows-1252 has a character for, which become it (NEL, a line
            // break, is removed).
            let want: String = input
                .chars()
                .map(|c| match u8::try_from(c) {
                    Ok(b @ (0x80..=0x84 | 0x86..=0x9f)) => encoding_rs::WINDOWS_1252
                        .decode_without_bom_handling(&[b])
                        .0
                        .chars()
                        .next()
                        .unwrap_or(c),
                    _ => c,
                })
                .filter(|&c| is_xml_char(c) && !matches!(c, '\u{7f}'..='\u{9f}'))
                .collect();
            prop_assert_eq!(out.as_ref(), want.as_str());
        }
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics(
        ext in prop::sample::select(vec!["md", "txt", "html", "markdown", "htm"]),
        fence in prop::sample::select(vec!["", "---\n", "+++\n", "\u{feff}---\n"]),
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        sanitize in any::<bool>(),
    ) {
        let mut all = fence.as_bytes().to_vec();
        all.extend_from_slice(&bytes);
        if let Ok(a) = article::parse(&source(&format!("2024-01-02-x.{ext}"), all), &opts(sanitize)) {
            for text in [&a.title, &a.summary, &a.content_html.html().into_owned()] {
                prop_assert!(text.chars().all(is_xml_char), "{:?}", text);
            }
        }
    }

    #[test]
    fn feeds_of_arbitrary_titles_tags_and_bodies_are_well_formed(
        title in nasty(),
        tag in nasty(),
        author in nasty(),
        body in nasty(),
        sanitize in any::<bool>(),
        format in 0..3usize,
    ) {
        let (name, text) = match format {
            0 => ("a.md", format!(
                "+++\ntitle = {}\ntags = [{}]\nauthor = {}\ndate = 2024-01-02T03:04:05Z\n+++\n{body}\n",
                toml_string(&title), toml_string(&tag), toml_string(&author)
            )),
            1 => ("a.html", format!(
                "+++\ntitle = {}\ntags = [{}]\n+++\n<html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>",
                toml_string(&title), toml_string(&tag)
            )),
            _ => ("2024-01-02-a.txt", format!("{title}\n\n{body}\n")),
        };
        let Ok(a) = article::parse(&source(name, text.into_bytes()), &opts(sanitize)) else {
            return Ok(()); // e.g. a blank title: a parse error, not a feed
        };
        let now = DateTime::from_timestamp(1_893_456_000, 0).expect("valid time");
        let site = feedpub::render::render_site(&Config::default(), &[Arc::new(a)], now);
        for (key, asset) in site.iter() {
            if key.ends_with(".xml") {
                if let Err(e) = well_formed_xml(&asset.body()) {
                    prop_assert!(false, "{}: {}\n{}", key, e, String::from_utf8_lossy(&asset.body()));
                }
            } else if key.ends_with(".json") {
                prop_assert!(serde_json::from_slice::<serde_json::Value>(&asset.body()).is_ok(), "{}", key);
            }
            prop_assert!(!key.split('/').any(|s| s.is_empty() || s == "." || s == ".."), "key {:?}", key);
        }
    }

    #[test]
    fn a_dot_dot_path_in_any_spelling_never_routes_to_an_asset(
        segs in prop::collection::vec(
            prop::sample::select(vec![
                "..", "%2e%2e", "%2E%2E", "%2E.", ".%2e", "%2e.", ".", "%2e",
                "%c0%ae%c0%ae", "%e0%80%ae%e0%80%ae", "..%2f", "..%5c", "..\\", "%2e%2e%5c",
                "a", "articles", "tags", "rss.xml", "index.html", "", "%00", "x..y", "%252e%252e",
            ]),
            1..6,
        ),
        query in prop::option::of("[a-z./%]{0,8}"),
    ) {
        let mut path = format!("/{}", segs.join("/"));
        if let Some(q) = query {
            path = format!("{path}?{q}");
        }
        let r = route(&path);
        if let Route::Asset { key, .. } | Route::Redirect { key, .. } = &r {
            prop_assert!(!key.split('/').any(|s| s == ".." || s == "." || s.is_empty()), "{} -> key {:?}", path, key);
            prop_assert!(!key.contains(['\\', '\0']), "{} -> key {:?}", path, key);
            prop_assert!(!has_dot_dot_segment(&path), "{} has a `..` segment but routes to {:?}", path, r);
        }
    }
}
