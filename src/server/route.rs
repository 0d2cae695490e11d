//! Request path → [`Route`]. Pure: no IO, no snapshot access.
//!
//! Every asset route is a key into the published [`Site`](crate::site::Site) map, never a
//! filesystem path, so nothing here can reach outside the snapshot. Still, paths are
//! sanitized before they become keys: the path is percent-decoded exactly once into UTF-8 (and
//! put in NFC, as slugs and tags are), and
//! anything with a `.`/`..` segment, an empty segment (`//`), a backslash, a NUL or an encoded
//! slash (`%2F`) is [`Route::NotFound`], so no two spellings of a path can reach different
//! policies.

use std::borrow::Cow;

use percent_encoding::{percent_decode_str, utf8_percent_encode, CONTROLS};

/// Route classes, the `route` label of the request counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteClass {
    Index,
    Feed,
    TagFeed,
    TagPage,
    Article,
    Healthz,
    Metrics,
    NotFound,
    Other,
}

impl RouteClass {
    pub const ALL: [RouteClass; 9] = [
        RouteClass::Index,
        RouteClass::Feed,
        RouteClass::TagFeed,
        RouteClass::TagPage,
        RouteClass::Article,
        RouteClass::Healthz,
        RouteClass::Metrics,
        RouteClass::NotFound,
        RouteClass::Other,
    ];

    /// The Prometheus label value.
    pub fn label(self) -> &'static str {
        match self {
            RouteClass::Index => "index",
            RouteClass::Feed => "feed",
            RouteClass::TagFeed => "tag_feed",
            RouteClass::TagPage => "tag_page",
            RouteClass::Article => "article",
            RouteClass::Healthz => "healthz",
            RouteClass::Metrics => "metrics",
            RouteClass::NotFound => "not_found",
            RouteClass::Other => "other",
        }
    }

    /// Position in [`RouteClass::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// What a request path asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Healthz,
    Metrics,
    /// The snapshot asset under `key` (404 when the snapshot has none). The fixed routes (the
    /// index and the site feeds, most of the traffic) borrow a static key: no allocation.
    Asset {
        key: Cow<'static, str>,
        class: RouteClass,
    },
    /// `/articles/{slug}` or `/tags/{slug}` without the slash: redirect to `location` when the snapshot has `key`
    /// (the target's asset), else 404. `location` is the request's own (still percent-encoded)
    /// path plus `/`.
    Redirect {
        key: Cow<'static, str>,
        location: String,
    },
    NotFound,
}

impl Route {
    /// The metrics class of this route, assuming the asset it names exists.
    pub fn class(&self) -> RouteClass {
        match self {
            Route::Healthz => RouteClass::Healthz,
            Route::Metrics => RouteClass::Metrics,
            Route::Asset { class, .. } => *class,
            Route::Redirect { key, .. } if key.starts_with("tags/") => RouteClass::TagPage,
            Route::Redirect { .. } => RouteClass::Article,
            Route::NotFound => RouteClass::NotFound,
        }
    }
}

/// The feed files served at the root and under each tag, as static keys.
fn feed_file(name: &str) -> Option<&'static str> {
    match name {
        "rss.xml" => Some("rss.xml"),
        "atom.xml" => Some("atom.xml"),
        "feed.json" => Some("feed.json"),
        _ => None,
    }
}

/// [`route`] for a site published under `base` (its base URL's path without the last `/`, empty
/// at the root): a target under it is routed without it, so links work when feedpub serves
/// directly, and `base` itself redirects to `base/`. Any other target is routed as it is, as
/// behind a proxy that strips the prefix.
pub fn route_under(target: &str, base: &str) -> Route {
    if base.is_empty() {
        return route(target);
    }
    let under = target
        .strip_prefix(base)
        .or_else(|| target.get(spelled_as(target, base)?..));
    match under {
        Some(rest) if rest.starts_with('/') => match route(rest) {
            Route::Redirect { key, location } => Route::Redirect {
                key,
                location: format!("{base}{location}"),
            },
            other => other,
        },
        Some(rest) if rest.is_empty() || rest.starts_with('?') => Route::Redirect {
            key: Cow::Borrowed("index.html"),
            location: format!("{base}/{}", utf8_percent_encode(rest, CONTROLS)),
        },
        _ => route(target),
    }
}

/// Where `target`'s first segments end when they are `base` spelled another way (`%e5%8d%9a`
/// or raw UTF-8 for `%E5%8D%9A`, `%6C` for `l`): the same URI (RFC 3986 §6.2.2), which
/// another program may have re-encoded.
fn spelled_as(target: &str, base: &str) -> Option<usize> {
    if !target.contains('%') && target.is_ascii() {
        return None;
    }
    let segments = base.matches('/').count();
    let path_end = target.find('?').unwrap_or(target.len());
    let at = target[..path_end]
        .match_indices('/')
        .nth(segments)
        .map_or(path_end, |(i, _)| i);
    (decode(&target[..at])? == decode(base)?).then_some(at)
}

/// Map a request target's path (a query string, if present, is ignored but for being kept in
/// a redirect) to a [`Route`].
pub fn route(target: &str) -> Route {
    let (raw, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    let Some(path) = decode(raw) else {
        return Route::NotFound;
    };
    let Some(rest) = path.strip_prefix('/') else {
        return Route::NotFound;
    };
    // The first four segments are all any route looks at (`None`: no such segment).
    let mut it = rest.split('/');
    let segments = [it.next(), it.next(), it.next(), it.next()];
    match segments {
        [Some("" | "index.html"), None, ..] => asset("index.html", RouteClass::Index),
        [Some("healthz"), None, ..] => Route::Healthz,
        [Some("metrics"), None, ..] => Route::Metrics,
        [Some(file), None, ..] => match feed_file(file) {
            Some(feed) => asset(feed, RouteClass::Feed),
            None => owned(rest.to_string(), RouteClass::Other),
        },
        // Tag paths no longer start with a dot (`.NET` is `tags/-net/`): a reader subscribed
        // to the old path is sent to the new one.
        [Some("tags"), Some(tag), file, None] if tag.starts_with('.') => {
            let file = match file {
                None | Some("") | Some("index.html") => "",
                Some(f) => match feed_file(f) {
                    Some(f) => f,
                    None => return Route::NotFound,
                },
            };
            let slug = crate::render::tag_slug(tag);
            let key_file = if file.is_empty() { "index.html" } else { file };
            let query = query.map_or(String::new(), |q| {
                format!("?{}", utf8_percent_encode(q, CONTROLS))
            });
            Route::Redirect {
                key: Cow::Owned(format!("tags/{slug}/{key_file}")),
                location: format!(
                    "/tags/{}/{file}{query}",
                    utf8_percent_encode(&slug, CONTROLS)
                ),
            }
        }
        [Some("tags"), Some(_), Some(file), None] if feed_file(file).is_some() => {
            owned(rest.to_string(), RouteClass::TagFeed)
        }
        [Some("tags"), Some(tag), Some(""), None] if !tag.is_empty() => {
            owned(format!("{rest}index.html"), RouteClass::TagPage)
        }
        [Some("tags"), Some(_), Some("index.html"), None] => {
            owned(rest.to_string(), RouteClass::TagPage)
        }
        [Some("articles"), Some(_slug), Some(""), None] => {
            owned(format!("{rest}index.html"), RouteClass::Article)
        }
        [Some("articles"), Some(_slug), Some("index.html"), None] => {
            owned(rest.to_string(), RouteClass::Article)
        }
        // `/articles/` is the (empty) slug-less path, not a redirect to `/articles//` (found by
        // fuzzing routes, fuzz/fuzz_targets/route.rs).
        [Some("articles" | "tags"), Some(slug), None, _] if !slug.is_empty() => Route::Redirect {
            key: Cow::Owned(format!("{rest}/index.html")),
            // A Location is a URI: raw non-ASCII bytes some clients send are percent-encoded
            // (what was percent-encoded already stays as it was).
            location: {
                let ascii = |s| utf8_percent_encode(s, CONTROLS);
                match query {
                    Some(q) => format!("{}/?{}", ascii(raw), ascii(q)),
                    None => format!("{}/", ascii(raw)),
                }
            },
        },
        // Anything else the snapshot happens to hold (a tag index, a stylesheet).
        _ if rest.ends_with('/') => owned(format!("{rest}index.html"), RouteClass::Other),
        _ => owned(rest.to_string(), RouteClass::Other),
    }
}

fn asset(key: &'static str, class: RouteClass) -> Route {
    Route::Asset {
        key: Cow::Borrowed(key),
        class,
    }
}

fn owned(key: String, class: RouteClass) -> Route {
    Route::Asset {
        key: Cow::Owned(key),
        class,
    }
}

/// Percent-decode `raw` once and check it is a clean absolute path; `None` means 404.
fn decode(raw: &str) -> Option<Cow<'_, str>> {
    let path = if raw.contains('%') {
        // An encoded slash would let one segment pose as two once decoded.
        if contains_ignore_case(raw.as_bytes(), b"%2f") {
            return None;
        }
        percent_decode_str(raw).decode_utf8().ok()?
    } else {
        Cow::Borrowed(raw)
    };
    // Slugs and tags are NFC: an NFD spelling (macOS) names the same page. Normalized before
    // the checks below, so they see the key as looked up.
    let path = match path {
        ascii if ascii.is_ascii() => ascii,
        path => match crate::article::slug::nfc(&path) {
            Cow::Borrowed(_) => path,
            Cow::Owned(nfc) => Cow::Owned(nfc),
        },
    };
    if path.bytes().any(|b| b == b'\\' || b == 0) {
        return None;
    }
    let rest = path.strip_prefix('/')?;
    let mut segments = rest.split('/').peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        // The last segment may be empty (a trailing slash); no other may.
        if segment == "." || segment == ".." || (segment.is_empty() && !last) {
            return None;
        }
    }
    Some(path)
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &str) -> Option<String> {
        match route(path) {
            Route::Asset { key, .. } => Some(key.into_owned()),
            _ => None,
        }
    }

    #[test]
    fn under_a_base_path_with_it_or_without() {
        for target in ["/blog/rss.xml", "/rss.xml"] {
            assert_eq!(key_under(target), Some("rss.xml".into()), "{target}");
        }
        assert_eq!(
            key_under("/blog/articles/a/?x=1"),
            Some("articles/a/index.html".into())
        );
        assert_eq!(key_under("/blog/"), Some("index.html".into()));
        for (target, location) in [("/blog", "/blog/"), ("/blog?a=1", "/blog/?a=1")] {
            assert_eq!(
                route_under(target, "/blog"),
                Route::Redirect {
                    key: "index.html".into(),
                    location: location.into()
                }
            );
        }
        // The same path spelled otherwise (case of hex digits, escapes, raw UTF-8).
        assert_eq!(key_under("/bl%6fg/rss.xml"), Some("rss.xml".into()));
        let base = "/%E5%8D%9A%E5%AE%A2";
        for target in [
            "/%e5%8d%9a%e5%ae%a2/rss.xml",
            "/博客/rss.xml",
            "/%E5%8D%9A%E5%AE%A2/rss.xml",
        ] {
            match route_under(target, base) {
                Route::Asset { key, .. } => assert_eq!(key, "rss.xml", "{target}"),
                other => panic!("{target}: {other:?}"),
            }
        }
        assert_eq!(
            route_under("/博客", base),
            Route::Redirect {
                key: "index.html".into(),
                location: format!("{base}/")
            }
        );
        // Only whole segments: `/blogroll` is not under `/blog`.
        assert_eq!(key_under("/blogroll"), Some("blogroll".into()));
        assert_eq!(route_under("/blog/../x", "/blog"), Route::NotFound);
    }

    fn key_under(path: &str) -> Option<String> {
        match route_under(path, "/blog") {
            Route::Asset { key, .. } => Some(key.into_owned()),
            _ => None,
        }
    }

    #[test]
    fn known_routes() {
        let cases: &[(&str, &str, RouteClass)] = &[
            ("/", "index.html", RouteClass::Index),
            ("/index.html", "index.html", RouteClass::Index),
            ("/?utm_source=x", "index.html", RouteClass::Index),
            ("/rss.xml", "rss.xml", RouteClass::Feed),
            ("/atom.xml?x=../../etc", "atom.xml", RouteClass::Feed),
            ("/feed.json", "feed.json", RouteClass::Feed),
            (
                "/tags/rust/rss.xml",
                "tags/rust/rss.xml",
                RouteClass::TagFeed,
            ),
            (
                "/tags/rust/feed.json",
                "tags/rust/feed.json",
                RouteClass::TagFeed,
            ),
            (
                "/tags/c%2B%2B/atom.xml",
                "tags/c++/atom.xml",
                RouteClass::TagFeed,
            ),
            (
                "/tags/%E4%B8%AD%E6%96%87/atom.xml",
                "tags/中文/atom.xml",
                RouteClass::TagFeed,
            ),
            (
                "/articles/hello/",
                "articles/hello/index.html",
                RouteClass::Article,
            ),
            (
                "/articles/hello/index.html",
                "articles/hello/index.html",
                RouteClass::Article,
            ),
            (
                "/articles/%E4%BD%A0%E5%A5%BD/",
                "articles/你好/index.html",
                RouteClass::Article,
            ),
            (
                "/articles/caf%C3%A9/?q=1",
                "articles/café/index.html",
                RouteClass::Article,
            ),
            (
                "/articles/a%20b/",
                "articles/a b/index.html",
                RouteClass::Article,
            ),
            ("/tags/rust/", "tags/rust/index.html", RouteClass::TagPage),
            (
                "/tags/%E4%B8%AD%E6%96%87/index.html?x",
                "tags/中文/index.html",
                RouteClass::TagPage,
            ),
            ("/tags/", "tags/index.html", RouteClass::Other),
            ("/articles/", "articles/index.html", RouteClass::Other),
            ("/style.css", "style.css", RouteClass::Other),
            (
                "/tags/rust/other.xml",
                "tags/rust/other.xml",
                RouteClass::Other,
            ),
            (
                "/articles/x..y/",
                "articles/x..y/index.html",
                RouteClass::Article,
            ),
        ];
        for (path, want_key, want_class) in cases {
            assert_eq!(
                route(path),
                Route::Asset {
                    key: Cow::Owned(want_key.to_string()),
                    class: *want_class
                },
                "{path}"
            );
        }
        assert_eq!(route("/healthz"), Route::Healthz);
        assert_eq!(route("/healthz?verbose"), Route::Healthz);
        assert_eq!(route("/metrics"), Route::Metrics);
    }

    #[test]
    fn a_tag_path_from_before_dots_were_replaced_redirects() {
        for (from, key, location) in [
            (
                "/tags/.net/rss.xml",
                "tags/-net/rss.xml",
                "/tags/-net/rss.xml",
            ),
            ("/tags/.net/", "tags/-net/index.html", "/tags/-net/"),
            ("/tags/.net", "tags/-net/index.html", "/tags/-net/"),
            (
                "/tags/.net/rss.xml?a=1",
                "tags/-net/rss.xml",
                "/tags/-net/rss.xml?a=1",
            ),
            (
                "/tags/.%E4%B8%AD/atom.xml",
                "tags/-中/atom.xml",
                "/tags/-%E4%B8%AD/atom.xml",
            ),
        ] {
            assert_eq!(
                route(from),
                Route::Redirect {
                    key: Cow::Owned(key.to_string()),
                    location: location.to_string()
                },
                "{from}"
            );
        }
        assert_eq!(route("/tags/.net/other.xml"), Route::NotFound);
    }

    #[test]
    fn tag_without_slash_redirects() {
        let route = route("/tags/c%2B%2B?x=1");
        assert_eq!(
            route,
            Route::Redirect {
                key: Cow::Borrowed("tags/c++/index.html"),
                location: "/tags/c%2B%2B/?x=1".into()
            }
        );
        assert_eq!(route.class(), RouteClass::TagPage);
    }

    #[test]
    fn article_without_slash_redirects() {
        assert_eq!(
            route("/articles/hello"),
            Route::Redirect {
                key: Cow::Borrowed("articles/hello/index.html"),
                location: "/articles/hello/".into()
            }
        );
        assert_eq!(
            route("/articles/%E4%BD%A0?x=1"),
            Route::Redirect {
                key: Cow::Borrowed("articles/你/index.html"),
                location: "/articles/%E4%BD%A0/?x=1".into()
            }
        );
        assert_eq!(
            route("/articles/你?q=好"),
            Route::Redirect {
                key: Cow::Borrowed("articles/你/index.html"),
                location: "/articles/%E4%BD%A0/?q=%E5%A5%BD".into()
            }
        );
    }

    #[test]
    fn hostile_paths_are_not_found() {
        let cases = [
            "/..",
            "/../etc/passwd",
            "/articles/../rss.xml",
            "/articles/x/../../rss.xml",
            "/%2e%2e/rss.xml",
            "/%2E%2E/%2e%2E/etc/passwd",
            "/articles/%2e%2e/",
            "/.%2e/rss.xml",
            "/./rss.xml",
            "/articles/./",
            "/articles/a%2Fb/",
            "/articles/a%2fb/",
            "/tags/a%2F..%2F..%2Fx/rss.xml",
            "//rss.xml",
            "/articles//",
            "/tags//rss.xml",
            "/articles\\..\\rss.xml",
            "/articles/%5c/",
            "/articles/%00/",
            "/rss.xml%00",
            "/articles/%FF%FE/",
            "/articles/%C3/",
            "rss.xml",
            "",
            "*",
        ];
        for path in cases {
            assert_eq!(route(path), Route::NotFound, "{path:?}");
        }
    }

    #[test]
    fn odd_but_harmless_paths_stay_in_the_snapshot() {
        // Malformed escapes are kept literally and simply miss in the snapshot.
        assert_eq!(
            key("/articles/%zz/").as_deref(),
            Some("articles/%zz/index.html")
        );
        assert_eq!(key("/%").as_deref(), Some("%"));
        // Decoding happens once: `%252e%252e` is the literal segment `%2e%2e`.
        assert_eq!(
            key("/%252e%252e/rss.xml").as_deref(),
            Some("%2e%2e/rss.xml")
        );
    }

    #[test]
    fn no_key_ever_has_a_dot_dot_segment() {
        let parts = [
            "..",
            "%2e%2e",
            "%2E.",
            ".",
            "%2e",
            "a",
            "%2f",
            "%5c",
            "",
            "%00",
            "%E4%BD%A0",
        ];
        for a in parts {
            for b in parts {
                for c in parts {
                    let path = format!("/{a}/{b}/{c}");
                    if let Some(k) = key(&path) {
                        assert!(
                            !k.split('/').any(|s| s == ".." || s == "." || s.is_empty())
                                && !k.contains(['\\', '\0']),
                            "{path} → {k}"
                        );
                    }
                }
            }
        }
    }
}
