//! Request-path routing: never panics; a path with a `..` segment in any spelling (`..`,
//! `%2e%2e`, `%2E.`, `.%2e`, overlong UTF-8 `%c0%ae`, `\`) is not found; no
//! key or redirect target ever has a `..` segment.
#![no_main]

use feedpub::server::route::{route, Route};
use feedpub_fuzz::{has_dot_dot_segment, is_safe_key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = String::from_utf8_lossy(data);
    let r = route(&path);
    match &r {
        Route::Asset { key, .. } | Route::Redirect { key, .. } => {
            assert!(is_safe_key(key), "{path:?} -> unsafe key {key:?}");
            assert!(
                !has_dot_dot_segment(&path),
                "{path:?} has a `..` segment but routes to {r:?}"
            );
        }
        Route::Healthz | Route::Metrics => {
            assert!(!has_dot_dot_segment(&path), "{path:?} -> {r:?}")
        }
        Route::NotFound => {}
    }
    if let Route::Redirect { location, .. } = &r {
        assert!(
            location.starts_with('/') && !location.starts_with("//"),
            "open redirect {location:?} from {path:?}"
        );
    }
});
