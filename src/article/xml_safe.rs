//! Removing the characters XML 1.0 forbids, applied once per text field inside `parse`.
//!
//! XML 1.0 forbids U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, U+FFFE and U+FFFF (and lone
//! surrogates, which a `str` cannot hold). We also drop DEL and the C1 controls (U+007F–U+009F),
//! which XML allows but discourages and which never belong in an article. A C1 control in real
//! text is a windows-1252 leftover (`&#146;` from an old CMS, which CommonMark decodes to
//! U+0092): it becomes that encoding's character (`’`) where it has one, as HTML5 reads it.

use std::borrow::Cow;

/// Whether `c` may not appear in a feed.
pub fn is_forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// The windows-1252 characters of the C1 codes U+0080–U+009F, as HTML5 maps a numeric
/// character reference to them (the five codes windows-1252 leaves undefined stay controls).
const WINDOWS_1252_C1: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}', '\u{8F}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}', '\u{178}',
];

/// `c`, or for a C1 control the windows-1252 character of its code where there is one (`&#146;`
/// is `’` in HTML5).
pub fn windows_1252_c1(c: char) -> char {
    match u32::from(c).checked_sub(0x80) {
        Some(i @ 0..=0x1F) => WINDOWS_1252_C1[i as usize],
        _ => c,
    }
}

/// `s` without the characters XML 1.0 forbids (and C1 controls, but those windows-1252 has a
/// character for, which become it). Borrows when nothing changes.
pub fn xml_safe(s: &str) -> Cow<'_, str> {
    match first_forbidden(s) {
        None => Cow::Borrowed(s),
        Some(first) => {
            let mut out = String::with_capacity(s.len());
            out.push_str(&s[..first]);
            out.extend(
                s[first..]
                    .chars()
                    // NEL is also a line break pasted from EBCDIC or Word: not an ellipsis.
                    .map(|c| if c == '\u{85}' { c } else { windows_1252_c1(c) })
                    .filter(|&c| !is_forbidden(c)),
            );
            Cow::Owned(out)
        }
    }
}

/// Byte offset of the first forbidden character. Scans bytes (this runs over every article's
/// whole HTML): forbidden characters are ASCII controls, `C2 80..9F` (C1) or `EF BF BE..BF`.
/// Every offset it can return is that of an ASCII byte or a lead byte, so a char boundary.
///
/// Whole blocks are checked first with a branch-free test the compiler vectorizes; only a block
/// that holds a forbidden character, and the short tail, go through the exact byte loop.
fn first_forbidden(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut at = 0;
    // Each block also reads the two bytes after it, which a three-byte sequence may need.
    while let Some(window) = b[at..].first_chunk::<{ BLOCK + 2 }>() {
        if block_has_forbidden(window) {
            break;
        }
        at += BLOCK;
    }
    first_forbidden_from(b, at)
}

const BLOCK: usize = 32;

/// Whether a forbidden character starts in the first [`BLOCK`] bytes of `w`: the same test as
/// [`first_forbidden_from`], written without branches.
fn block_has_forbidden(w: &[u8; BLOCK + 2]) -> bool {
    let mut any = false;
    for i in 0..BLOCK {
        let (c, next, next2) = (w[i], w[i + 1], w[i + 2]);
        let control = (c < 0x20) & (c != b'\t') & (c != b'\n') & (c != b'\r');
        let c1 = (c == 0xC2) & (next.wrapping_sub(0x80) < 0x20);
        let nonchar = (c == 0xEF) & (next == 0xBF) & ((next2 | 1) == 0xBF);
        any |= control | (c == 0x7F) | c1 | nonchar;
    }
    any
}

/// The exact scan, from byte `from` on. `from` need not be a char boundary: a continuation
/// byte never matches.
fn first_forbidden_from(b: &[u8], from: usize) -> Option<usize> {
    (from..b.len()).find(|&i| match b[i] {
        0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F => true,
        0xC2 => matches!(b.get(i + 1), Some(0x80..=0x9F)),
        0xEF => b.get(i + 1) == Some(&0xBF) && matches!(b.get(i + 2), Some(0xBE | 0xBF)),
        _ => false,
    })
}

/// [`xml_safe`] for an owned string, reusing it when it is already clean.
pub fn xml_safe_owned(s: String) -> String {
    match xml_safe(&s) {
        Cow::Borrowed(_) => s,
        Cow::Owned(clean) => clean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters_are_removed() {
        let cases = [
            ("plain", "plain", true),
            ("tab\tnl\ncr\r", "tab\tnl\ncr\r", true),
            ("a\u{0}b\u{8}c\u{B}\u{C}d\u{1F}", "abcd", false),
            // C1 controls are windows-1252's characters where it has one.
            ("del\u{7F} c1\u{85}\u{9F}\u{81}\u{96}", "del c1Ÿ–", false),
            ("Don\u{92}t \u{96} \u{80}5", "Don’t – €5", false),
            ("nonchar\u{FFFE}\u{FFFF}!", "nonchar!", false),
            ("中文\u{1}。", "中文。", false),
            ("\u{A0}\u{FFFD}\u{10FFFF}", "\u{A0}\u{FFFD}\u{10FFFF}", true),
            ("", "", true),
        ];
        for (input, want, borrowed) in cases {
            let got = xml_safe(input);
            assert_eq!(got, want, "{input:?}");
            assert_eq!(matches!(got, Cow::Borrowed(_)), borrowed, "{input:?}");
            assert_eq!(xml_safe_owned(input.to_string()), want);
        }
    }

    /// The definition `first_forbidden` must agree with: the first char that `is_forbidden`.
    fn reference(s: &str) -> Option<usize> {
        s.char_indices()
            .find(|&(_, c)| is_forbidden(c))
            .map(|(i, _)| i)
    }

    #[test]
    fn block_scan_agrees_with_the_char_scan_around_block_edges() {
        // Forbidden and look-alike characters (allowed ones sharing a lead byte), of 1 to 4 bytes.
        let probes = [
            '\u{0}',
            '\u{8}',
            '\t',
            '\n',
            '\u{B}',
            '\u{C}',
            '\r',
            '\u{1F}',
            ' ',
            '\u{7F}',
            '\u{80}',
            '\u{85}',
            '\u{9F}',
            '\u{A0}',
            '\u{FF0C}',
            '\u{FFBF}',
            '\u{FFFD}',
            '\u{FFFE}',
            '\u{FFFF}',
            '中',
            '\u{10FFFF}',
        ];
        // Padding of 1-, 2- and 3-byte characters shifts each probe across the block edges.
        for pad in ["a", "é", "中"] {
            for n in 0..2 * BLOCK + 4 {
                for probe in probes {
                    for tail in ["", "b", "\u{FFFD}", "\u{FF0C}"] {
                        let s = format!("{}{probe}{tail}{}", pad.repeat(n), "x".repeat(n % 7));
                        assert_eq!(first_forbidden(&s), reference(&s), "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_first_of_several_is_found() {
        let clean = "é中a".repeat(40);
        for i in (0..clean.len()).filter(|&i| clean.is_char_boundary(i)) {
            let s = format!("{}\u{FFFF}{}\u{1}", &clean[..i], &clean[i..]);
            assert_eq!(first_forbidden(&s), Some(i), "{s:?}");
            assert_eq!(first_forbidden(&s), reference(&s));
        }
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_char_scan(s in "[\\x00-\\x{A0}a\\x{FFFC}-\\x{FFFF}\\x{FF00}中é\\x{10000}]{0,200}") {
            proptest::prop_assert_eq!(first_forbidden(&s), reference(&s));
        }
    }
}
