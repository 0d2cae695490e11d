//! One article from arbitrary bytes, for each extension: decode + parse never panics, and a
//! site rendered from the article has well-formed feeds. The first byte picks the extension
//! (`.md`, `.txt`, `.html`, ...) and whether HTML is sanitized; the rest is the file.
#![no_main]

use feedpub_fuzz::{check_article, EXTENSIONS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let ext = EXTENSIONS[usize::from(sel & 0x7f) % EXTENSIONS.len()];
    let sanitize = sel & 0x80 == 0;
    check_article(&format!("2024-05-01-fuzz.{ext}"), bytes, sanitize);
});
