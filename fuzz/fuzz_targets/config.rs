//! The config file: `Config::parse` never panics; an accepted config keeps its invariants, and a
//! site rendered with it (with no article, and with one) has well-formed feeds.
#![no_main]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use feedpub::article::{self, ParseOptions, Source};
use feedpub::config::Config;
use feedpub_fuzz::{check_site, now};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = Config::parse(text, "fuzz.toml") else {
        return;
    };
    let base = &config.site.base_url;
    assert!(
        base.ends_with('/') && (base.starts_with("http://") || base.starts_with("https://")),
        "base_url {base:?}"
    );
    assert!(config.watch.max_delay_ms >= config.watch.debounce_ms);
    assert!(config.feeds.limit >= 1 && config.articles.max_bytes >= 1);
    check_site(&feedpub::render::render_site(&config, &[], now()));
    let opts = ParseOptions {
        base_url: base.clone(),
        timezone: config.site.timezone,
        sanitize_html: config.articles.sanitize_html,
    };
    let src = Source {
        path: PathBuf::from("a/2024-05-01-hello.md"),
        bytes: b"---\ntitle: Hello\ntags: [a]\n---\nSome *text* and a [link](x/y).\n".to_vec(),
        modified: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    };
    let a = article::parse(&src, &opts).expect("the fixed article parses under any valid config");
    check_site(&feedpub::render::render_site(
        &config,
        &[Arc::new(a)],
        now(),
    ));
});
