//! Removing the characters XML 1.0 forbids, applied once per text field inside `parse`.
//!
//! XML 1.0 forbids U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, U+FFFE and U+FFFF (and lone
//! surrogates, which a `str` cannot hold). We also drop DEL and the C1 controls (U+007F–U+009F),
//! which XML allows but discourages and which never belong in an article.

use std::borrow::Cow;

/// Whether `c` may not appear in a feed.
pub fn is_forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// `s` without the characters XML 1.0 forbids (and C1 controls). Borrows when nothing changes.
pub fn xml_safe(s: &str) -> Cow<'_, str> {
    match first_forbidden(s) {
        None => Cow::Borrowed(s),
        Some(first) => {
            let mut out = String::with_capacity(s.len());
            out.push_str(&s[..first]);
            out.extend(s[first..].chars().filter(|&c| !is_forbidden(c)));
            Cow::Owned(out)
        }
    }
}

/// Byte offset of the first forbidden character. Scans bytes (this runs over every article's
/// whole HTML): forbidden characters are ASCII controls, `C2 80..9F` (C1) or `EF BF BE..BF`.
/// Every offset it can return is that of an ASCII byte or a lead byte, so a char boundary.
fn first_forbidden(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    b.iter().enumerate().position(|(i, &c)| match c {
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
            ("del\u{7F} c1\u{85}\u{9F}", "del c1", false),
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
}
