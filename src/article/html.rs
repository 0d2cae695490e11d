//! A small, forgiving HTML lexer and entity decoder.
//!
//! It follows the HTML tokenizer closely enough to find tags, their attributes (with the byte
//! ranges of their values), comments and raw-text elements (`<script>`, `<style>`, ...), so that
//! callers can rewrite one attribute value while copying every other byte unchanged. It never
//! builds a tree and never fails: any input is a sequence of tokens. All delimiters it looks for
//! are ASCII, so every range it returns lies on character boundaries.

use std::borrow::Cow;
use std::ops::Range;

/// One attribute of a start tag.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr<'a> {
    pub name: &'a str,
    /// The value without quotes, raw (entities not decoded).
    pub value: &'a str,
    /// Byte range of the value including its quotes (empty at the name's end when absent).
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Token<'a> {
    /// Text (raw: entities not decoded).
    Text(&'a str),
    /// A start tag (`end == false`) or end tag, with its byte range.
    Tag {
        name: &'a str,
        end: bool,
        attrs: Vec<Attr<'a>>,
        range: Range<usize>,
    },
    /// A comment, doctype or processing instruction.
    Other(Range<usize>),
}

/// Elements whose content is raw text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    /// Inside a raw-text element: its name.
    raw: Option<&'a str>,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Lexer {
            src,
            pos: 0,
            raw: None,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    fn find_from(&self, from: usize, needle: &str) -> Option<usize> {
        self.src.get(from..)?.find(needle).map(|n| from + n)
    }

    /// [`Self::find_from`] for one ASCII byte: a `char` pattern is searched with memchr, a `&str`
    /// one (even of one byte) with the much slower two-way searcher.
    fn find_byte_from(&self, from: usize, needle: u8) -> Option<usize> {
        self.src
            .get(from..)?
            .find(char::from(needle))
            .map(|n| from + n)
    }

    fn raw_text(&mut self, name: &'a str) -> Token<'a> {
        let b = self.bytes();
        let start = self.pos;
        let mut i = start;
        while let Some(lt) = self.find_byte_from(i, b'<') {
            if b.get(lt + 1) != Some(&b'/') {
                i = lt + 1;
                continue;
            }
            let after = lt + 2 + name.len();
            let matches = b
                .get(lt + 2..after)
                .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
                && b.get(after)
                    .is_none_or(|c| c.is_ascii_whitespace() || *c == b'/' || *c == b'>');
            if matches && !name.eq_ignore_ascii_case("plaintext") {
                self.pos = lt;
                return Token::Text(&self.src[start..lt]);
            }
            i = lt + 2;
        }
        self.pos = self.src.len();
        Token::Text(&self.src[start..])
    }

    fn tag(&mut self, start: usize, end: bool) -> Token<'a> {
        let b = self.bytes();
        let len = b.len();
        let stop = |c: u8| c.is_ascii_whitespace() || c == b'/' || c == b'>';
        let mut i = start + if end { 2 } else { 1 };
        let name_start = i;
        while i < len && !stop(b[i]) {
            i += 1;
        }
        let name = &self.src[name_start..i];
        let mut attrs = Vec::new();
        loop {
            while i < len && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= len {
                break;
            }
            if b[i] == b'>' {
                i += 1;
                break;
            }
            let a_start = i;
            i += 1;
            while i < len && !stop(b[i]) && b[i] != b'=' {
                i += 1;
            }
            let a_name = &self.src[a_start..i];
            let mut j = i;
            while j < len && b[j].is_ascii_whitespace() {
                j += 1;
            }
            let (value, span) = if j < len && b[j] == b'=' {
                j += 1;
                while j < len && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j < len && (b[j] == b'"' || b[j] == b'\'') {
                    let close = self.find_byte_from(j + 1, b[j]).unwrap_or(len);
                    i = (close + 1).min(len);
                    (&self.src[j + 1..close], j..i)
                } else {
                    let v_start = j;
                    while j < len && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                        j += 1;
                    }
                    i = j;
                    (&self.src[v_start..j], v_start..j)
                }
            } else {
                ("", i..i)
            };
            if !end {
                attrs.push(Attr {
                    name: a_name,
                    value,
                    span,
                });
            }
        }
        self.pos = i;
        if !end && RAW_TEXT.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            self.raw = Some(name);
        }
        Token::Tag {
            name,
            end,
            attrs,
            range: start..i,
        }
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let b = self.bytes();
        let start = self.pos;
        if start >= b.len() {
            return None;
        }
        if let Some(name) = self.raw.take() {
            return Some(self.raw_text(name));
        }
        if b[start] == b'<' {
            let next = b.get(start + 1).copied().unwrap_or(0);
            if next.is_ascii_alphabetic() {
                return Some(self.tag(start, false));
            }
            if next == b'/' && b.get(start + 2).is_some_and(u8::is_ascii_alphabetic) {
                return Some(self.tag(start, true));
            }
            let other_end = if b[start..].starts_with(b"<!--") {
                Some(self.find_from(start + 4, "-->").map_or(b.len(), |n| n + 3))
            } else if matches!(next, b'!' | b'?' | b'/') {
                Some(
                    self.find_byte_from(start + 1, b'>')
                        .map_or(b.len(), |n| n + 1),
                )
            } else {
                None
            };
            if let Some(end) = other_end {
                self.pos = end;
                return Some(Token::Other(start..end));
            }
        }
        let step = self.src[start..].chars().next().map_or(1, char::len_utf8);
        let end = self.find_byte_from(start + step, b'<').unwrap_or(b.len());
        self.pos = end;
        Some(Token::Text(&self.src[start..end]))
    }
}

/// `s` with character references decoded. Borrows when there are none.
pub fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match reference(rest) {
            Some((decoded, used)) => {
                out.push_str(&decoded);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The reference at the start of `s` (which starts with `&`): its text and byte length.
fn reference(s: &str) -> Option<(Cow<'static, str>, usize)> {
    let body = &s[1..];
    let len = body
        .bytes()
        .take(32)
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'#')
        .count();
    let name = &body[..len];
    let used = 1 + len + usize::from(body[len..].starts_with(';'));
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        // HTML5 reads `&#128;`–`&#159;` as windows-1252 (`&#146;` is `’`), as old CMSes meant.
        let c = char::from_u32(code)
            .filter(|&c| c != '\0')
            .map_or('\u{FFFD}', super::xml_safe::windows_1252_c1);
        return Some((Cow::Owned(c.to_string()), used));
    }
    if !body[len..].starts_with(';') {
        return None;
    }
    // Every name HTML defines (2,231; `&eacute;`, `&ouml;`, `&rarr;`...), from the table
    // ammonia's parser uses. Only with its `;`: a bare `&copy` or `AT&T` stays as written.
    let &(first, second) = web_atoms::NAMED_ENTITIES.get(&body[..=len])?;
    let text: String = [first, second]
        .into_iter()
        .filter(|&c| c != 0)
        .filter_map(char::from_u32)
        .collect();
    Some((Cow::Owned(text), used))
}

/// Escape text for HTML element content.
/// `html` with each byte range of `edits` (in order, not overlapping) replaced by its text.
/// Borrows when there is no edit.
pub fn apply_edits(html: &str, edits: Vec<(Range<usize>, String)>) -> Cow<'_, str> {
    if edits.is_empty() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len() + edits.len() * 32);
    let mut pos = 0;
    for (span, new) in edits {
        out.push_str(&html[pos..span.start]);
        out.push_str(&new);
        pos = span.end;
    }
    out.push_str(&html[pos..]);
    Cow::Owned(out)
}

pub fn escape_text(out: &mut String, s: &str) {
    escape(out, s, |b| matches!(b, b'&' | b'<' | b'>'));
}

/// Escape text for a double-quoted attribute value.
pub fn escape_attr(out: &mut String, s: &str) {
    escape(out, s, |b| matches!(b, b'&' | b'<' | b'"'));
}

fn escape(out: &mut String, s: &str, special: impl Fn(u8) -> bool) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        if !special(b) {
            continue;
        }
        out.push_str(&s[last..i]);
        out.push_str(match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => "&quot;",
        });
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
