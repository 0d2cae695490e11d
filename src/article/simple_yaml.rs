//! The YAML front matter nearly every file has (`key: value` lines, quoted or plain strings,
//! `[a, b]` or `- item` lists), read without the YAML parser.
//!
//! The parser's set-up alone (`yaml_parser_initialize` allocating its buffers) cost more than a
//! whole front matter of this kind; YAML parsing was 17% of a cold parse of the benchmark corpus
//! (perf). Anything outside this subset, or anything the YAML parser might read differently (a
//! number, a multi-line value, an escape, a duplicate key, an anchor), makes [`parse`] return
//! `None`, and the caller hands the text to the YAML parser as before. The property test below
//! checks that whenever this returns a result, the YAML parser's result is the same.

use super::front_matter::Val;

/// The entries of `text`, or `None` when it is not in the subset.
pub(super) fn parse(text: &str) -> Option<Vec<(String, Val)>> {
    if !text.chars().all(printable) {
        return None;
    }
    let mut entries: Vec<(String, Val)> = Vec::new();
    // A set, not a scan of `entries`: that made 32,000 keys take seconds.
    let mut keys = foldhash::HashSet::default();
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        if skippable(line) {
            continue;
        }
        let (key, rest) = key_value(line)?;
        if !keys.insert(key) {
            return None;
        }
        let value = match rest.trim_start_matches(' ') {
            "" => {
                let mut items = Vec::new();
                let mut indent = None;
                while let Some(next) = lines.peek() {
                    if skippable(next) {
                        lines.next();
                        continue;
                    }
                    let item = next.trim_start_matches(' ');
                    let at = next.len() - item.len();
                    match item.strip_prefix("- ") {
                        // Items must line up; a line indented otherwise continues one.
                        Some(item) if *indent.get_or_insert(at) == at => {
                            items.push(scalar(item, false)?);
                            lines.next();
                        }
                        _ if at > 0 => return None,
                        _ => break,
                    }
                }
                if items.is_empty() {
                    Val::Null
                } else {
                    Val::List(items)
                }
            }
            v if v.starts_with('[') => flow_list(v)?,
            v => scalar(v, false)?,
        };
        // A more indented line after a value continues it (a folded scalar): not ours.
        if lines
            .peek()
            .is_some_and(|l| l.starts_with(' ') && !skippable(l))
        {
            return None;
        }
        entries.push((key.to_string(), value));
    }
    Some(entries)
}

/// Blank lines and whole-line comments.
fn skippable(line: &str) -> bool {
    let t = line.trim_start_matches(' ');
    t.is_empty() || t.starts_with('#')
}

/// `key: rest` with a plain identifier key at the start of the line.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(line.len());
    let (key, rest) = line.split_at(end);
    let first = key.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_') || key.len() > 64 || special_word(key) {
        return None;
    }
    let rest = rest.strip_prefix(':')?;
    (rest.is_empty() || rest.starts_with(' ')).then_some((key, rest))
}

/// One scalar, up to an optional ` # comment`. `in_flow`: an item of a `[...]` list, where
/// `,`, `[`, `]`, `{` and `}` cannot appear in a plain scalar.
fn scalar(text: &str, in_flow: bool) -> Option<Val> {
    let text = text.trim_matches(' ');
    let (value, after) = match text.chars().next()? {
        '"' => {
            let end = text[1..].find('"')? + 1;
            let content = &text[1..end];
            if content.contains('\\') {
                return None;
            }
            (content.to_string(), &text[end + 1..])
        }
        '\'' => {
            let mut out = String::new();
            let mut rest = &text[1..];
            loop {
                let at = rest.find('\'')?;
                out.push_str(&rest[..at]);
                rest = &rest[at + 1..];
                match rest.strip_prefix('\'') {
                    Some(r) => {
                        out.push('\'');
                        rest = r;
                    }
                    None => break,
                }
            }
            (out, rest)
        }
        _ => return plain(text, in_flow),
    };
    comment_only(after).then_some(Val::Str(value))
}

/// What follows a quoted scalar: nothing, or a comment.
fn comment_only(after: &str) -> bool {
    let t = after.trim_start_matches(' ');
    t.is_empty() || (t.starts_with('#') && t.len() < after.len())
}

/// A plain (unquoted) scalar: a string, or `None` for anything YAML could read as something
/// else (numbers, dates without a time, `.inf`) or reject.
fn plain(text: &str, in_flow: bool) -> Option<Val> {
    if in_flow && text.contains(['[', ']', '{', '}', ',', '#', ':']) {
        return None;
    }
    let text = match text.find(" #") {
        Some(at) => text[..at].trim_end_matches(' '),
        None => text,
    };
    let first = text.chars().next()?;
    let indicator = "-?:,[]{}#&*!|>'\"%@`".contains(first);
    let numeric = first.is_ascii_digit() || "+-.".contains(first);
    if indicator || text.contains(": ") || text.ends_with(':') {
        return None;
    }
    if numeric {
        // A date with a time is the one number-like value front matter often holds; YAML (in
        // this parser's core schema) reads it as a string. Anything else may be a number.
        let b = text.as_bytes();
        let date = b.len() > 10
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[4] == b'-'
            && text.contains(':');
        return date.then(|| Val::Str(text.to_string()));
    }
    Some(match text {
        "~" | "null" | "Null" | "NULL" => Val::Null,
        "true" | "True" | "TRUE" => Val::Bool(true),
        "false" | "False" | "FALSE" => Val::Bool(false),
        _ => Val::Str(text.to_string()),
    })
}

/// `[a, "b, c", 'd']`, items scalars, then nothing or a comment.
fn flow_list(text: &str) -> Option<Val> {
    let mut rest = text.strip_prefix('[')?;
    let mut items = Vec::new();
    loop {
        rest = rest.trim_start_matches(' ');
        if let Some(after) = rest.strip_prefix(']') {
            return comment_only(after).then_some(Val::List(items));
        }
        if !items.is_empty() {
            rest = rest.strip_prefix(',')?.trim_start_matches(' ');
        }
        let end = match rest.chars().next()? {
            q @ ('"' | '\'') => rest[1..].find(q)? + 2,
            _ => rest.find([',', ']'])?,
        };
        // `'it''s'` inside a list: left to the YAML parser.
        if rest[end..].starts_with('\'') {
            return None;
        }
        items.push(scalar(&rest[..end], true)?);
        rest = &rest[end..];
    }
}

/// Keys YAML reads as something other than a string.
fn special_word(key: &str) -> bool {
    matches!(
        key,
        "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
    )
}

/// YAML's printable characters, less tab and carriage return (kept out of the subset), and
/// less U+2028 and U+2029, which the YAML parser reads as line breaks (as it does U+0085).
fn printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{a0}'..='\u{2027}' | '\u{202a}'..='\u{d7ff}' | '\u{e000}'..='\u{fefe}' | '\u{ff00}'..='\u{fffd}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::super::front_matter::yaml_parser_entries;
    use super::*;
    use proptest::prelude::*;

    /// Values chosen to sit on the subset's edges: YAML's other types, indicators, comments,
    /// quoting, escapes, flow lists, non-ASCII and control characters.
    #[rustfmt::skip]
    const VALUES: &[&str] = &[
        "", "plain words", "中文标题", "C#", "a #comment", "a#b", "a: b", "a:b", "x:",
        "http://example.com/a?b=c#d", "~", "null", "Null", "NULL", "true", "False", "TRUE",
        "yes", "no", "on", "off", "y", "n", "3.10", "1e3", "0x1F", "0o17", "-5", "+5", ".5",
        ".inf", "-.inf", ".nan", "1_000", "12:30", "2024-03-01", "2024-03-01T08:00:00+08:00",
        "2024-03-01 08:00", "2024-03-01T08:00:00Z # when", "\"double\"", "\"dq # not comment\"",
        "\"with \\\" escape\"", "\"tab\\t\"", "\"unclosed", "\"a\" b", "\"a\"#c", "\"a\" #c",
        "'single'", "'it''s'", "'unclosed", "'a' # c", "[a, b]", "[\"a, b\", c]", "['x', 'y''z']",
        "[]", "[ ]", "[a, [b]]", "[a, {b: c}]", "[a,b,]", "[a: b]", "[a #b]", "[1, 2]",
        "[true, null]", "{a: 1}", "&anchor x", "*alias", "!tag x", "!!str 5", "|", ">",
        "|-", "- item", "-item", "?x", ":x", ",x", "%x", "@x", "`x", "a\tb", "a\u{85}b",
        "a\u{7f}b", "a\u{feff}b", "a\u{1}b", "  spaced  ", "a ' b", "a \" b", "a, b",
        "<<", "=", "a - b",
    ];
    #[rustfmt::skip]
    const KEYS: &[&str] = &[
        "title", "date", "tags", "draft", "slug", "author", "lang", "summary", "id", "x-y",
        "_k", "null", "true", "1k", "<<", "\"title\"", "title ", "a b",
    ];

    /// How the subset and the YAML parser read `text` differently, when the subset reads it
    /// (the YAML parser failing where the subset succeeds included).
    fn disagreement(text: &str) -> Option<String> {
        let fast = parse(text)?;
        match yaml_parser_entries(text) {
            Ok(slow) if format!("{fast:?}") == format!("{slow:?}") => None,
            slow => Some(format!("{text:?}: subset {fast:?}, YAML parser {slow:?}")),
        }
    }

    fn line() -> impl Strategy<Value = String> {
        let key = prop::sample::select(KEYS);
        let value = prop::sample::select(VALUES);
        prop_oneof![
            4 => (key.clone(), value.clone()).prop_map(|(k, v)| format!("{k}: {v}")),
            1 => key.clone().prop_map(|k| format!("{k}:")),
            1 => (key.clone(), value.clone()).prop_map(|(k, v)| format!("{k}:{v}")),
            2 => (0..4usize, value.clone()).prop_map(|(i, v)| format!("{}- {v}", " ".repeat(i))),
            1 => (0..4usize, value.clone()).prop_map(|(i, v)| format!("{}{v}", " ".repeat(i))),
            1 => Just(String::new()),
            1 => Just("# a comment".to_string()),
            1 => Just("  # indented comment".to_string()),
        ]
    }

    /// Front matter shaped like real files (distinct keys, lists lined up), so that most cases
    /// are inside the subset and compared, not left to the YAML parser.
    fn document() -> impl Strategy<Value = String> {
        let keys = prop::sample::subsequence(&KEYS[..11], 1..8);
        let value = prop::sample::select(VALUES);
        let entry = prop_oneof![
            3 => value.clone().prop_map(|v| format!(" {v}")),
            1 => (prop::collection::vec(value.clone(), 1..4), 0..3usize).prop_map(|(items, i)| {
                items.iter().map(|v| format!("\n{}- {v}", " ".repeat(i))).collect()
            }),
            1 => prop::collection::vec(value, 0..4).prop_map(|items| format!(" [{}]", items.join(", "))),
        ];
        (keys, prop::collection::vec(entry, 8)).prop_map(|(keys, entries)| {
            keys.iter()
                .zip(entries)
                .map(|(k, e)| format!("{k}:{e}"))
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        /// The same on documents shaped like real front matter.
        #[test]
        fn agrees_with_the_yaml_parser_on_documents(text in document()) {
            let differs = disagreement(&text);
            prop_assert!(differs.is_none(), "{}", differs.unwrap_or_default());
        }

        /// Whatever the subset reads, the YAML parser reads the same.
        #[test]
        fn agrees_with_the_yaml_parser(lines in prop::collection::vec(line(), 0..8)) {
            let text = lines.join("\n");
            let differs = disagreement(&text);
            prop_assert!(differs.is_none(), "{}", differs.unwrap_or_default());
        }
    }

    #[test]
    fn reads_the_usual_front_matter() {
        let text = "title: \"A title: with colon\"\ndate: 2024-03-01T08:00:00+08:00\ntags: [rust weekly, 'film']\nauthor: Lin Qiao # staff\ndraft: false\ncategories:\n  - a\n  - 'b'\n";
        let got = format!("{:?}", parse(text));
        assert_eq!(
            got,
            r#"Some([("title", Str("A title: with colon")), ("date", Str("2024-03-01T08:00:00+08:00")), ("tags", List([Str("rust weekly"), Str("film")])), ("author", Str("Lin Qiao")), ("draft", Bool(false)), ("categories", List([Str("a"), Str("b")]))])"#
        );
    }

    #[test]
    fn leaves_the_rest_to_the_yaml_parser() {
        for text in [
            "title: 3.10",
            "title: >\n  folded",
            "title: a\n  continued",
            "title: \"esc\\n\"",
            "title: a\ntitle: b",
            "tags:\n  - a\n    - b",
            "date: 2024-03-01",
            "<<: *base",
        ] {
            assert!(parse(text).is_none(), "{text:?}");
        }
    }

    /// Edge cases, each compared with the YAML parser whenever the subset reads it.
    #[test]
    fn agrees_with_the_yaml_parser_on_edge_cases() {
        #[rustfmt::skip]
        let cases: &[&str] = &[
            "title: a\u{2028}b", "title: a\u{2029}b", "title: a\u{2028} b", "# c\u{2028}title: x",
            "title: a # c\u{2028}b: c", "title: \"a\u{2028}b\"", "title: 'a\u{2028}b'",
            "title: \u{a0}a", "title: a\u{a0}", "title: \u{3000}a\u{3000}", "tags: [\u{a0}a\u{a0}]",
            "tags: [a\u{2028}b]", "tags:\n- a\u{2028}- b", "title: =", "title: <<", "title: y",
            "title: yes", "title: on", "y: a", "n: b", "on: c", "yes: d", "title: ~x",
            "title: a ~", "title: 2024-03-01T08:00:00Z", "title: 2024-03-01 08:00:00",
            "title: 1234-5:6abcdefg", "title: 0000-00-00T:", "title: 2024-03-01t08:00:00z",
            "title: 12:30:00", "title: 1_000", "title: 0b1", "title: +.inf", "title: inf",
            "title: nan", "title: NaN", "title: Infinity", "title: infinity", "inf: a", "nan: b",
            "title: e5", "title: _1", "title: a\n\n  b", "title: a\n  # c\n  b",
            "title: a\n  # c", "title:\n  # c\ntags: x", "title:\n# c\n  - a",
            "title: \"a\"  ", "title: 'a'  # c", "tags: []", "tags: [ ]", "tags: [a]  ",
            "tags: [a] # c", "tags: [a]#c", "tags: ['a''b']", "tags: [\"\"]", "tags: ['']",
            "tags: [\"a\" ]", "tags: [ \"a\",\"b\" ]", "tags: [a ,b]", "tags: [a\u{a0}, b]",
            "tags: [a'b]", "tags: [a\"b]", "tags: [a b c]", "tags: [a - b]", "tags: [a*b]",
            "tags: [a&b]", "tags: [a!b]", "tags: [a|b]", "tags: [a>b]", "tags: [a%b]",
            "tags: [a@b]", "tags: [a`b]", "tags: [a?b]", "tags: [a-]", "tags: [~]",
            "tags: [null, true]", "tags: ['a', \"b\"]", "title: \"\"", "title: ''",
            "title: ' '", "title: \" \"", "title: '#'", "title: \"#\"", "title: a'", "title: a\"",
            "title: a #", "title: a#", "title: a # ", "title: a  #b", "title: a:", "title: a: ",
            "title: a:b:c", "title: a :b", "title: a ? b", "title: a - b", "title: a -",
            "title: ?", "title: a\n", "title: a\n\n", "\ntitle: a", "\n\n", "", "#", " ",
            "   \n", "title:", "title:   ", "title:\ntags: a", "tags:\n- a\n- b",
            "tags:\n - a\n - b", "tags:\n   - a\n   - b\ntitle: c", "tags:\n  - a\n\n  - b",
            "tags:\n  - a\n# c\n  - b", "tags:\n  -  a", "tags:\n  - a  # c", "tags:\n  - 'a' # c",
            "tags:\n  - [a]", "tags:\n  - ~", "tags:\n  - null", "tags:\n  - true",
            "tags:\n-\n- a", "tags:\n- a\n-", "tags:\n  - a\n  -", "a-: b", "_: c", "a_b-c: d",
            "A: b", "Title: a\ntitle: b", "x: 1\ny: 2", "title: a\n...", "title: a\n---",
            "title: a\n--- ", "title: ---", "title: ...", "title: a...", "title: %a",
            "title: a%", "title: @a", "title: a@", "title: `a", "title: a`", "title: !a",
            "title: a!", "title: *a", "title: a*", "title: &a", "title: a&", "title: |a",
            "title: a|", "title: >a", "title: a>", "title: {a", "title: a{", "title: }a",
            "title: a}", "title: ]a", "title: a]", "title: [a", "title: a[", "title: ,a",
            "title: a,", "title: a,b", "title: \"a\"b", "title: 'a'b", "title: 'a''", 
            "title: '''", "title: ''''", "title: 'a''b'", "title: \"a'b\"", "title: 'a\"b'",
            "title: a\u{85}", "title: a\u{feff}", "\u{feff}title: a", "title: a\u{fffe}",
            "title: \u{1F600}", "title: a\u{e000}", "title: a\u{d7ff}",
            "title: true # c", "title: null#c", "title: True", "title: tRue", "title: NUll",
            "title: ~ # c", "title: \"~\"", "title: 'null'", "tags: ['~', \"true\"]",
            "draft: yes", "draft: no", "draft: on", "draft: off", "draft: Y",
            "k123: a", "k: a\nk2:\n  - b\nk3: [c]\nk4: 'd'\nk5: \"e\"",
            "title: a\n  \n", "title: a\n   ", "title:\n  ", "tags:\n  - a\n  ",
            "title: a\nb", "title: a\n b", "title: a\n\tb", "title: a\n  - b",
        ];
        let bad: Vec<String> = cases.iter().filter_map(|text| disagreement(text)).collect();
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    /// Characters that matter to YAML: indicators, quotes, escapes, spaces and line breaks of
    /// every kind, non-ASCII text.
    #[rustfmt::skip]
    const CHARS: &[char] = &[
        'a', 'b', 'y', 'n', 'e', '0', '1', '9', ' ', ' ', ':', '#', '-', '.', '+', '_', '~', ',',
        '[', ']', '{', '}', '"', '\'', '\\', '&', '*', '!', '|', '>', '?', '%', '@', '`', '<',
        '=', '\t', '\r', '\n', '\u{85}', '\u{a0}', '\u{2028}', '\u{2029}', '\u{3000}',
        '\u{feff}', '中', '\u{1F600}',
    ];

    /// A line of front matter: a key and a value, a list item or a continuation, each with
    /// random text from [`CHARS`].
    fn random_line() -> impl Strategy<Value = String> {
        let text = prop::collection::vec(prop::sample::select(CHARS), 0..12)
            .prop_map(|cs| cs.into_iter().collect::<String>());
        let key = prop::sample::select(&KEYS[..12]);
        prop_oneof![
            4 => (key.clone(), text.clone()).prop_map(|(k, v)| format!("{k}: {v}")),
            1 => key.prop_map(|k| format!("{k}:")),
            2 => (0..3usize, text.clone()).prop_map(|(i, v)| format!("{}- {v}", " ".repeat(i))),
            1 => (text.clone(), text.clone()).prop_map(|(a, b)| format!("tags: [{a}, {b}]")),
            1 => (0..3usize, text.clone()).prop_map(|(i, v)| format!("{}{v}", " ".repeat(i))),
            1 => Just(String::new()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        /// Random text in the places the subset reads: where it reads something, the YAML
        /// parser reads the same.
        #[test]
        fn agrees_with_the_yaml_parser_on_random_text(lines in prop::collection::vec(random_line(), 1..6)) {
            let text = lines.join("\n");
            let differs = disagreement(&text);
            prop_assert!(differs.is_none(), "{}", differs.unwrap_or_default());
        }
    }
}
