//! Front matter: splitting it off (`---` YAML or `+++` TOML, on the first line) and reading the
//! keys feedpub knows. Unknown keys are ignored (other tools' keys such as `categories`), but a
//! known key with the wrong type is an error naming the key and its line.
//!
//! Both syntaxes are read into one small [`Val`] tree first, so that type checks and messages
//! are shared. Line numbers are lines of the whole file (the front matter starts on line 2).

use super::{ArticleErrorKind, Fail};
use std::borrow::Cow;

/// A front-matter syntax, by its delimiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Yaml,
    Toml,
}

/// A file cut into front matter and body.
#[derive(Debug, PartialEq)]
pub struct Split<'a> {
    /// The front matter text (between the delimiter lines) and its syntax. When blank lines
    /// came before the opening delimiter, the text starts with as many line feeds, so the line
    /// numbers in its errors are still the file's.
    pub front: Option<(Syntax, Cow<'a, str>)>,
    pub body: &'a str,
    /// Whether `front` is front matter for sure (it opens the file), not only by the look of
    /// its first line: a guess that does not parse is text after all.
    pub certain: bool,
}

/// Line of the file where the front matter text begins.
const FIRST_LINE: usize = 2;

/// Cut `text` (with `\n` line endings) into front matter and body. Front matter opens on the
/// first line of a Markdown or HTML file. It may also open after blank lines, or in a `.txt`
/// file (`strict == false`), when its first line sets a key feedpub reads (`title:`, `date =`):
/// a rule that starts a Markdown file after a blank line is front matter only by that sign,
/// and an unclosed one is no error there.
pub fn split(text: &str, strict: bool) -> Result<Split<'_>, Fail> {
    let plain = Split {
        front: None,
        body: text,
        certain: false,
    };
    let blank = text
        .split_inclusive('\n')
        .take_while(|l| l.trim().is_empty() && l.ends_with('\n'))
        .count();
    let opened = text
        .split_inclusive('\n')
        .take(blank)
        .map(str::len)
        .sum::<usize>();
    let rest = &text[opened..];
    let first = rest.split('\n').next().unwrap_or("").trim_end();
    let (syntax, closers): (Syntax, &[&str]) = match first {
        "---" => (Syntax::Yaml, &["---", "..."]),
        "+++" => (Syntax::Toml, &["+++"]),
        _ => return Ok(plain),
    };
    let start = rest.find('\n').map_or(rest.len(), |n| n + 1);
    let sure = strict && blank == 0;
    if !sure && !starts_with_key(syntax, &rest[start..]) {
        return Ok(plain);
    }
    let mut pos = start;
    while pos < rest.len() {
        let end = rest[pos..].find('\n').map_or(rest.len(), |n| pos + n);
        if closers.contains(&rest[pos..end].trim_end()) {
            let front = &rest[start..pos];
            let front = match blank {
                0 => Cow::Borrowed(front),
                n => Cow::Owned("\n".repeat(n) + front),
            };
            return Ok(Split {
                front: Some((syntax, front)),
                body: rest.get(end + 1..).unwrap_or(""),
                certain: sure,
            });
        }
        pos = end + 1;
    }
    if !sure {
        return Ok(plain);
    }
    let delimiter = if syntax == Syntax::Yaml { "---" } else { "+++" };
    Err(Fail::at(
        Some(1),
        ArticleErrorKind::UnclosedFrontMatter(delimiter),
    ))
}

/// Whether `text` starts with a line setting one of [`KEYS`]: `title: ...` (YAML) or
/// `title = ...` (TOML). `Note: the event moved.` after a rule is Markdown.
fn starts_with_key(syntax: Syntax, text: &str) -> bool {
    let line = text.split('\n').next().unwrap_or("");
    let sep = if syntax == Syntax::Yaml { ':' } else { '=' };
    line.split_once(sep)
        .is_some_and(|(key, _)| KEYS.contains(&key.trim_end()))
}

/// A value with the file line of its key, when found.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub value: T,
    pub line: Option<usize>,
}

/// The keys feedpub reads. Text values are trimmed; empty ones are `None`.
#[derive(Debug, Default, PartialEq)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub date: Option<Located<String>>,
    pub updated: Option<Located<String>>,
    pub author: Option<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub id: Option<String>,
    pub slug: Option<Located<String>>,
    pub draft: bool,
    pub lang: Option<String>,
}

/// Both syntaxes' values, reduced to what the checks need.
#[derive(Debug)]
pub(super) enum Val {
    Null,
    Str(String),
    Num(String),
    Bool(bool),
    Date(String),
    List(Vec<Val>),
    Map,
}

impl Val {
    fn describe(&self) -> String {
        match self {
            Val::Null => "nothing".to_string(),
            Val::Str(s) => format!("string {s:?}"),
            Val::Num(n) => format!("number {n}"),
            Val::Bool(b) => format!("boolean {b}"),
            Val::Date(d) => format!("datetime {d}"),
            Val::List(_) => "a list".to_string(),
            Val::Map => "a table".to_string(),
        }
    }

    fn from_yaml(v: yaml_serde::Value) -> Val {
        use yaml_serde::Value as Y;
        match v {
            Y::Null => Val::Null,
            Y::Bool(b) => Val::Bool(b),
            Y::Number(n) => Val::Num(n.to_string()),
            Y::String(s) => Val::Str(s),
            Y::Sequence(items) => Val::List(items.into_iter().map(Val::from_yaml).collect()),
            Y::Mapping(_) => Val::Map,
            Y::Tagged(t) => Val::from_yaml(t.value),
        }
    }

    fn from_toml(v: toml::Value) -> Val {
        use toml::Value as T;
        match v {
            T::String(s) => Val::Str(s),
            T::Integer(i) => Val::Num(i.to_string()),
            T::Float(f) => Val::Num(f.to_string()),
            T::Boolean(b) => Val::Bool(b),
            T::Datetime(d) => Val::Date(d.to_string()),
            T::Array(items) => Val::List(items.into_iter().map(Val::from_toml).collect()),
            T::Table(_) => Val::Map,
        }
    }
}

/// Whether `tag` has the shape of a BCP 47 language tag (`en`, `zh-CN`, `zh-Hant-TW`): it ends
/// up in `xml:lang` and `lang=` attributes, which validators check.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()))
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The front matter keys feedpub reads; [`parse`] ignores the others.
const KEYS: [&str; 10] = [
    "title", "author", "summary", "id", "lang", "slug", "date", "updated", "draft", "tags",
];

/// Most tags one article may have: with N tags it appears in N tag feeds, each listing its N
/// tags, so 3,000 tags in a 17 KB file made 9,000 files and 517 MB of output.
pub const MAX_TAGS: usize = 64;

/// Parse front matter text of `syntax`.
pub fn parse(syntax: Syntax, text: &str) -> Result<FrontMatter, Fail> {
    let entries: Vec<(String, Val)> = match syntax {
        Syntax::Yaml => yaml_entries(text)?,
        Syntax::Toml => toml_entries(text)?,
    };
    let mut fm = FrontMatter::default();
    // Other keys are the user's own (Hugo's, Jekyll's...): not looked at, not even for their
    // line, which costs a pass over the text per key (32,000 keys took 12 s).
    for (key, val) in entries
        .into_iter()
        .filter(|(k, _)| KEYS.contains(&k.as_str()))
    {
        let line = key_line(syntax, text, &key, 0);
        let val = match val {
            Val::Num(n) => Val::Num(written_number(syntax, text, line).unwrap_or(n)),
            val => val,
        };
        let bad = |expected: &str, val: &Val| {
            Fail::at(
                line,
                ArticleErrorKind::FrontMatter(format!(
                    "key {key:?}: expected {expected}, found {}",
                    val.describe()
                )),
            )
        };
        let located = |value: String| Located { value, line };
        match key.as_str() {
            "title" => fm.title = text_value(&val).ok_or_else(|| bad("a string", &val))?,
            "author" => fm.author = text_value(&val).ok_or_else(|| bad("a string", &val))?,
            "summary" => fm.summary = text_value(&val).ok_or_else(|| bad("a string", &val))?,
            "id" => fm.id = text_value(&val).ok_or_else(|| bad("a string", &val))?,
            "lang" => {
                fm.lang = text_value(&val).ok_or_else(|| bad("a string", &val))?;
                if fm.lang.as_deref().is_some_and(|l| !is_language_tag(l)) {
                    return Err(bad("a language tag such as en or zh-CN", &val));
                }
            }
            "slug" => {
                fm.slug = raw_text(&val)
                    .ok_or_else(|| bad("a string", &val))?
                    .map(located)
            }
            "date" | "updated" => {
                let value = match &val {
                    Val::Null => None,
                    Val::Str(s) | Val::Date(s) => Some(located(s.clone())),
                    other => {
                        return Err(bad(
                            "a date such as 2024-05-01 or 2024-05-01T08:00:00+08:00",
                            other,
                        ))
                    }
                };
                if key == "date" {
                    fm.date = value;
                } else {
                    fm.updated = value;
                }
            }
            "draft" => match val {
                Val::Bool(b) => fm.draft = b,
                Val::Null => {}
                other => return Err(bad("true or false", &other)),
            },
            "tags" => {
                fm.tags = tags(&val).ok_or_else(|| bad("a list of strings or a string", &val))?;
                let distinct: foldhash::HashSet<&str> = fm.tags.iter().map(|t| t.trim()).collect();
                if distinct.len() > MAX_TAGS {
                    return Err(Fail::at(
                        line,
                        ArticleErrorKind::FrontMatter(format!(
                            "key \"tags\": {} tags, at most {MAX_TAGS} (each tag gets a feed in \
                             three formats, and each of those lists every tag of the article)",
                            distinct.len()
                        )),
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(fm)
}

fn yaml_entries(text: &str) -> Result<Vec<(String, Val)>, Fail> {
    // The YAML parser takes U+2028 and U+2029 (pasted from Word or a web page) for line breaks,
    // so a title holding one failed with an error on the wrong line. A space in their place, as
    // a title would get anyway.
    let spaced;
    let text = if text.contains(['\u{2028}', '\u{2029}']) {
        spaced = text.replace(['\u{2028}', '\u{2029}'], " ");
        &spaced
    } else {
        text
    };
    if let Some(entries) = super::simple_yaml::parse(text) {
        return Ok(entries);
    }
    yaml_parser_entries(text)
}

/// [`yaml_entries`] by the YAML parser, for any YAML.
pub(super) fn yaml_parser_entries(text: &str) -> Result<Vec<(String, Val)>, Fail> {
    let value: yaml_serde::Value = yaml_serde::from_str(text).map_err(|e| {
        let message = e.to_string();
        // A duplicate key is reported at the mapping; point at the second occurrence instead.
        let duplicate = message
            .strip_prefix("duplicate entry with key \"")
            .and_then(|k| k.split('"').next());
        let line = match duplicate.and_then(|k| key_line(Syntax::Yaml, text, k, 1)) {
            Some(line) => Some(line),
            None => e.location().map(|l| l.line() + FIRST_LINE - 1),
        };
        Fail::at(
            line,
            ArticleErrorKind::FrontMatter(format!("YAML syntax error: {}", file_lines(&message))),
        )
    })?;
    match value {
        yaml_serde::Value::Null => Ok(Vec::new()),
        yaml_serde::Value::Mapping(map) => Ok(map
            .into_iter()
            .filter_map(|(k, v)| match k {
                yaml_serde::Value::String(k) => Some((k, Val::from_yaml(v))),
                _ => None,
            })
            .collect()),
        other => Err(Fail::at(
            Some(FIRST_LINE),
            ArticleErrorKind::FrontMatter(format!(
                "expected `key: value` lines, found {}",
                Val::from_yaml(other).describe()
            )),
        )),
    }
}

fn toml_entries(text: &str) -> Result<Vec<(String, Val)>, Fail> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|s| text.get(..s.start).map_or(0, |t| t.matches('\n').count()) + FIRST_LINE);
        Fail::at(
            line,
            ArticleErrorKind::FrontMatter(format!("TOML syntax error: {}", e.message().trim())),
        )
    })?;
    Ok(table
        .into_iter()
        .map(|(k, v)| (k, Val::from_toml(v)))
        .collect())
}

/// `message` with each `line N` (relative to the front matter) turned into a line of the file.
fn file_lines(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("line ") {
        out.push_str(&rest[..at + 5]);
        rest = &rest[at + 5..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + FIRST_LINE - 1).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// A number as written on its key's line (`3.10`, `1.50e3`), when it is a plain scalar there:
/// the parsed value would print as `3.1` or `1500.0`, another title, slug or GUID.
fn written_number(syntax: Syntax, text: &str, line: Option<usize>) -> Option<String> {
    let sep = if syntax == Syntax::Yaml { ':' } else { '=' };
    let source = text.split('\n').nth(line?.checked_sub(FIRST_LINE)?)?;
    let (_, value) = source.split_once(sep)?;
    let value = value.split(" #").next().unwrap_or(value).trim();
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-._".contains(&b));
    plain.then(|| value.to_string())
}

/// A string (or number) value, untrimmed; `Some(None)` for null, `None` for a wrong type.
fn raw_text(val: &Val) -> Option<Option<String>> {
    match val {
        Val::Null => Some(None),
        Val::Str(s) | Val::Num(s) => Some(Some(s.clone())),
        _ => None,
    }
}

/// Like [`raw_text`], trimmed, with empty strings as `None`.
fn text_value(val: &Val) -> Option<Option<String>> {
    raw_text(val).map(|v| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
}

/// A list is taken item by item; one string is a comma-separated list (`tags: local, markets`,
/// as Pelican and many exports write it), full-width `，` and `、` included.
fn tags(val: &Val) -> Option<Vec<String>> {
    match val {
        Val::List(items) => items
            .iter()
            .map(|v| match v {
                // `tags: [2024-05-01, news]`: a date is a tag like any other text.
                Val::Date(d) => Some(d.clone()),
                v => text_value(v).map(Option::unwrap_or_default),
            })
            .collect(),
        other => text_value(other).map(|t| {
            t.iter()
                .flat_map(|s| s.split([',', '，', '、']))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        }),
    }
}

/// The file line of top-level `key` (`key:` in YAML, `key =` in TOML before any `[table]`),
/// skipping the first `skip` occurrences.
fn key_line(syntax: Syntax, text: &str, key: &str, mut skip: usize) -> Option<usize> {
    let sep = if syntax == Syntax::Yaml { ':' } else { '=' };
    for (n, line) in text.split('\n').enumerate() {
        let line = if syntax == Syntax::Toml {
            line.trim_start()
        } else {
            line
        };
        if syntax == Syntax::Toml && line.starts_with('[') {
            return None;
        }
        let unquoted = line.strip_prefix(key);
        let quoted = || {
            ["\"", "'"]
                .iter()
                .find_map(|q| line.strip_prefix(q)?.strip_prefix(key)?.strip_prefix(q))
        };
        if let Some(rest) = unquoted.or_else(quoted) {
            if rest.trim_start().starts_with(sep) {
                if skip == 0 {
                    return Some(n + FIRST_LINE);
                }
                skip -= 1;
            }
        }
    }
    None
}

#[cfg(test)]
#[path = "front_matter_tests.rs"]
mod tests;
