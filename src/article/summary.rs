//! Plain-text summaries: the first paragraphs, cut to about [`LIMIT`] characters.
//!
//! The cut is always at a character boundary; it prefers the end of a sentence (`。！？.!?`,
//! with any closing quotes), then a word boundary for Latin text, then any character (CJK text
//! has no spaces). `…` marks a cut.

/// Summary length in characters (not bytes).
pub const LIMIT: usize = 200;

/// Whether `c` is a CJK ideograph, kana, hangul or full-width form: text written without spaces.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}' | '\u{2E80}'..='\u{2FDF}' | '\u{3000}'..='\u{303F}' | '\u{3040}'..='\u{30FF}'
        | '\u{3100}'..='\u{31FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FFEF}' | '\u{20000}'..='\u{3134F}')
}

/// Full-width punctuation, which never takes a space before or after it.
fn is_cjk_punctuation(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{FF5B}'..='\u{FF65}' | '“' | '”' | '‘' | '’' | '…' | '—')
}

/// Append the lines of `text` to `out`. Lines are joined with a space, except between two CJK
/// characters or next to full-width punctuation (hard-wrapped Chinese must not gain spaces).
/// Whitespace runs inside a line become one space.
pub fn join_line(out: &mut String, text: &str) {
    out.reserve(text.len());
    for line in text.split('\n') {
        let line = line.trim();
        let Some(first) = line.chars().next() else {
            continue;
        };
        if let Some(a) = out.chars().next_back() {
            if !(is_cjk(a) && is_cjk(first) || is_cjk_punctuation(a) || is_cjk_punctuation(first)) {
                out.push(' ');
            }
        }
        // Inside a line, a run of spaces becomes one; an ideographic space (U+3000, as after a
        // Chinese dateline "本报讯　") is kept as written rather than turned into an ASCII space.
        // Text up to the next run that is not one ASCII space is copied at once: the line is
        // trimmed, so a word follows every run.
        let mut rest = line;
        while let Some(space) = irregular_space(rest) {
            out.push_str(&rest[..space]);
            let word = rest[space..].trim_start();
            let run = &rest[space..rest.len() - word.len()];
            out.push(if run.contains('\u{3000}') {
                '\u{3000}'
            } else {
                ' '
            });
            rest = word;
        }
        out.push_str(rest);
    }
}

/// Byte offset of the first whitespace in `s` that is not a single ASCII space between two
/// non-spaces (what [`join_line`] must rewrite). Scans bytes: only ASCII whitespace and
/// characters with lead byte C2, E1, E2 or E3 can be Unicode whitespace (U+0085, U+00A0,
/// U+1680, U+2000..U+205F, U+3000), and a lead byte is always a character boundary.
fn irregular_space(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let is_space_at = |i: usize| match b.get(i) {
        Some(b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ') => true,
        Some(0xC2 | 0xE1 | 0xE2 | 0xE3) => s[i..].chars().next().is_some_and(char::is_whitespace),
        _ => false,
    };
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' if !is_space_at(i + 1) => i += 1,
            b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r' => return Some(i),
            0xC2 | 0xE1 | 0xE2 | 0xE3 if is_space_at(i) => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Collects paragraphs until there is enough text for a summary.
#[derive(Default)]
pub struct Collector {
    text: String,
    chars: usize,
}

impl Collector {
    /// Whether more text is wanted.
    pub fn wants_more(&self) -> bool {
        self.chars <= LIMIT
    }

    /// Add one paragraph of plain text.
    pub fn push(&mut self, paragraph: &str) {
        if !self.wants_more() {
            return;
        }
        let before = self.text.len();
        join_line(&mut self.text, paragraph);
        self.chars += self.text[before..].chars().count();
    }

    /// The summary.
    pub fn finish(self) -> String {
        cut(&self.text, LIMIT)
    }
}

const ENDERS: &[char] = &['。', '！', '？', '.', '!', '?', '…'];
const CLOSERS: &[char] = &['”', '’', '"', '\'', '」', '』', '）', ')', '】', '》'];
const TRAILING: &[char] = &[
    '，', ',', '、', '；', ';', '：', ':', '—', '-', '（', '(', '“', '「',
];

/// `text` cut to at most about `limit` characters (a closing quote may follow), with `…` when cut.
pub fn cut(text: &str, limit: usize) -> String {
    let text = text.trim();
    let Some((end, _)) = text.char_indices().nth(limit) else {
        return text.to_string();
    };
    let end = cluster_start(text, end);
    let head = &text[..end];
    let at = sentence_end(text, end, limit / 3)
        .or_else(|| word_end(text, end, limit / 2))
        .unwrap_or(end);
    let kept = text[..at].trim_end().trim_end_matches(TRAILING).trim_end();
    let kept = if kept.is_empty() { head } else { kept };
    format!("{kept}…")
}

/// `end` (a character boundary of `text`), moved back to the start of the user-perceived
/// character it falls in: a cut must not leave an accent without its letter, half an emoji
/// sequence (`👨‍👩‍👧`, a skin tone, a flag) or a Hangul syllable without its final jamo.
/// The common extenders only, not the full Unicode segmentation rules.
fn cluster_start(text: &str, mut end: usize) -> usize {
    let extends = |c: char| {
        matches!(c,
            '\u{300}'..='\u{36F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}' | '\u{3099}' | '\u{309A}'
            | '\u{200D}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}'
            | '\u{1F3FB}'..='\u{1F3FF}' | '\u{E0020}'..='\u{E007F}'
            | '\u{1160}'..='\u{11FF}' | '\u{D7B0}'..='\u{D7FF}')
    };
    let regional = |c: char| ('\u{1F1E6}'..='\u{1F1FF}').contains(&c);
    while let (Some(prev), Some(next)) =
        (text[..end].chars().next_back(), text[end..].chars().next())
    {
        // Flags are pairs of regional indicators: cut before an unpaired one.
        let odd_flag = regional(prev)
            && regional(next)
            && text[..end]
                .chars()
                .rev()
                .take_while(|&c| regional(c))
                .count()
                % 2
                == 1;
        if !(extends(next) || prev == '\u{200D}' || odd_flag) {
            break;
        }
        end -= prev.len_utf8();
    }
    end
}

/// Byte offset just after the last sentence end (plus closing quotes) starting before `end`,
/// if at least `min_chars` characters precede it.
fn sentence_end(text: &str, end: usize, min_chars: usize) -> Option<usize> {
    let mut best = None;
    let mut chars = text.char_indices().enumerate().peekable();
    while let Some((n, (i, c))) = chars.next() {
        if i >= end {
            break;
        }
        if !ENDERS.contains(&c) {
            continue;
        }
        let mut after = i + c.len_utf8();
        while let Some(&(_, (j, q))) = chars.peek() {
            if !CLOSERS.contains(&q) {
                break;
            }
            after = j + q.len_utf8();
            chars.next();
        }
        let next = text[after..].chars().next();
        // A Latin full stop ends a sentence only before a space or the end (not in "3.14").
        let ends = !c.is_ascii() || matches!(next, None | Some(' ' | '\n' | '\t'));
        if ends && n >= min_chars {
            best = Some(after);
        }
    }
    best
}

/// Byte offset of the last word boundary before `end` in Latin text, if the cut would split a
/// word and at least `min_chars` characters precede it.
fn word_end(text: &str, end: usize, min_chars: usize) -> Option<usize> {
    let prev = text[..end].chars().next_back()?;
    let next = text[end..].chars().next()?;
    if next.is_whitespace() {
        return Some(end);
    }
    if is_cjk(prev) || is_cjk(next) {
        return None;
    }
    let space = text[..end].rfind(char::is_whitespace)?;
    (text[..space].chars().count() >= min_chars).then_some(space)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(paragraphs: &[&str]) -> String {
        let mut c = Collector::default();
        for p in paragraphs {
            c.push(p);
        }
        c.finish()
    }

    #[test]
    fn short_text_is_kept_whole() {
        assert_eq!(summary(&["第一段。", "第二段。"]), "第一段。第二段。");
        assert_eq!(summary(&["One.", "Two."]), "One. Two.");
        assert_eq!(summary(&["  a   b\n c "]), "a b c");
        assert_eq!(summary(&[]), "");
    }

    #[test]
    fn cuts() {
        let zh_sentence = "今年春节期间全市接待游客人数创下历史新高。"; // 21 chars
        let zh = zh_sentence.repeat(12);
        let zh_quoted = format!(
            "{}他说：“我们很高兴。”{}",
            zh_sentence.repeat(8),
            "没有标点的长句".repeat(20)
        );
        let zh_unpunctuated = "没有标点的长句".repeat(40);
        let en =
            "The quick brown fox jumps over the lazy dog and keeps running far away ".repeat(5);
        let en_sentences = "Prices rose 3.5 percent in May. ".repeat(10);
        let cases: Vec<(String, String)> = vec![
            (zh.clone(), format!("{}…", zh_sentence.repeat(9))),
            (
                zh_quoted,
                format!("{}他说：“我们很高兴。”…", zh_sentence.repeat(8)),
            ),
            (
                zh_unpunctuated.clone(),
                format!("{}…", zh_unpunctuated.chars().take(200).collect::<String>()),
            ),
            (
                en.clone(),
                format!("{}…", en[..en[..200].rfind(' ').unwrap_or(0)].trim_end()),
            ),
            (
                en_sentences.clone(),
                format!(
                    "{}…",
                    "Prices rose 3.5 percent in May. ".repeat(6).trim_end()
                ),
            ),
        ];
        for (input, want) in cases {
            let got = summary(&[&input]);
            assert_eq!(got, want);
            assert!(got.chars().count() <= LIMIT + 3, "{got}");
        }
    }

    #[test]
    fn never_cuts_inside_a_perceived_character() {
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
        let cases = [
            format!("{}{family} end", "x".repeat(LIMIT - 2)),
            format!("{}e\u{301}\u{301} end", "x".repeat(LIMIT - 1)),
            format!("{}\u{1100}\u{1161}\u{11A8} end", "가".repeat(LIMIT - 1)),
            format!(
                "{}\u{1F1E8}\u{1F1F3}\u{1F1EF}\u{1F1F5}",
                "x".repeat(LIMIT - 1)
            ),
        ];
        for text in cases {
            let got = cut(&text, LIMIT);
            let kept = got.trim_end_matches('…');
            let rest = &text[kept.len()..];
            assert!(text.starts_with(kept), "{got:?}");
            assert_eq!(
                cluster_start(&text, kept.len()),
                kept.len(),
                "cut inside: {rest:?}"
            );
            // A flag: a whole one (two regional indicators) or none.
            let flags = kept
                .chars()
                .filter(|c| ('\u{1F1E6}'..='\u{1F1FF}').contains(c));
            assert_eq!(flags.count() % 2, 0, "{got:?}");
        }
    }

    #[test]
    fn never_cuts_inside_a_character() {
        for text in [
            "é".repeat(300),
            "𠀀".repeat(300),
            "a".repeat(300),
            format!("{}{}", "a".repeat(199), "中文".repeat(10)),
        ] {
            let got = cut(&text, LIMIT);
            assert!(got.ends_with('…'));
            assert!(got.chars().count() <= LIMIT + 1);
        }
    }

    #[test]
    fn cjk_lines_join_without_spaces() {
        let mut s = String::new();
        for line in [
            "今天",
            "天气好",
            "Hello",
            "world",
            "。",
            "本报讯 今年\n春节",
            "  a  b ",
        ] {
            join_line(&mut s, line);
        }
        assert_eq!(s, "今天天气好 Hello world。本报讯 今年春节 a b");
    }

    #[test]
    fn an_ideographic_space_inside_a_line_is_kept() {
        let mut s = String::new();
        join_line(&mut s, "本报讯\u{3000}经过五个月\n的施工");
        assert_eq!(s, "本报讯\u{3000}经过五个月的施工");
    }

    /// `join_line` as first written, a char at a time: the reference for the faster one.
    fn join_line_by_char(out: &mut String, text: &str) {
        for line in text.split('\n') {
            let line = line.trim();
            let Some(first) = line.chars().next() else {
                continue;
            };
            if let Some(a) = out.chars().next_back() {
                if !(is_cjk(a) && is_cjk(first)
                    || is_cjk_punctuation(a)
                    || is_cjk_punctuation(first))
                {
                    out.push(' ');
                }
            }
            let mut run: Option<char> = None;
            for c in line.chars() {
                if c.is_whitespace() {
                    run = Some(if c == '\u{3000}' || run == Some('\u{3000}') {
                        '\u{3000}'
                    } else {
                        ' '
                    });
                } else {
                    if let Some(space) = run.take() {
                        out.push(space);
                    }
                    out.push(c);
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        #[test]
        fn join_line_agrees_with_joining_by_char(
            before in "[a 中。]{0,3}",
            text in "[a \t\n\r\x0B\u{85}\u{A0}\u{1680}\u{2003}\u{2028}\u{205F}\u{3000}中。、“—©é]{0,40}",
        ) {
            let (mut fast, mut slow) = (before.clone(), before);
            join_line(&mut fast, &text);
            join_line_by_char(&mut slow, &text);
            proptest::prop_assert_eq!(fast, slow);
        }
    }
}
