//! Front matter: a `.md` (or `.html`) file that starts with a `---` (YAML) or `+++` (TOML)
//! fence, then arbitrary bytes. The first byte picks the fence and the extension.
#![no_main]

use feedpub_fuzz::check_article;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let fence: &[u8] = if sel & 1 == 0 { b"---\n" } else { b"+++\n" };
    let ext = if sel & 2 == 0 { "md" } else { "html" };
    let mut bytes = Vec::with_capacity(fence.len() + rest.len());
    bytes.extend_from_slice(fence);
    bytes.extend_from_slice(rest);
    check_article(&format!("fuzz.{ext}"), &bytes, sel & 4 == 0);
});
