//! Front matter: splitting it off (`---` YAML, `+++` TOML or a `{ }` JSON object on the first
//! line, or Pelican's and MultiMarkdown's `Title: ...` lines) and reading the keys feedpub knows,
//! including other tools' names for them (Hugo's `lastmod`, Jekyll's `published: false`), matched
//! without regard to case. Other keys are ignored (such as `categories`), but a known key with
//! the wrong type is an error naming the key and its line.
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
    /// Hugo's JSON front matter: an object whose `{` and `}` are lines of their own.
    Json,
    /// `Key: value` lines up to the first blank line (Pelican, MultiMarkdown), opening with
    /// `Title:`. Every value is text.
    Meta,
}

impl Syntax {
    /// What separates a key from its value on a line.
    fn separator(self) -> char {
        match self {
            Syntax::Toml => '=',
            Syntax::Yaml | Syntax::Json | Syntax::Meta => ':',
        }
    }

    /// The file line of the front matter text's first line: the one after the delimiter, or
    /// the first for `Title:` lines, which have none.
    fn first_line(self) -> usize {
        match self {
            Syntax::Meta => 1,
            Syntax::Yaml | Syntax::Toml | Syntax::Json => FIRST_LINE,
        }
    }
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
/// file (`strict == false`), when its first line has the shape of a key (`title:`, `date =`) or
/// of a comment: then it is front matter only by its look (`certain` is false), and the caller
/// takes it as text unless it parses and sets a key feedpub reads. An unclosed one is text
/// there. A JSON object is always such a guess; so are `Title:` lines.
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
        "{" => (Syntax::Json, &["}"]),
        _ if strict && blank == 0 => return Ok(meta(text).unwrap_or(plain)),
        _ => return Ok(plain),
    };
    let start = rest.find('\n').map_or(rest.len(), |n| n + 1);
    let sure = strict && blank == 0 && syntax != Syntax::Json;
    if !sure && !starts_with_key(syntax, &rest[start..]) {
        return Ok(plain);
    }
    let mut pos = start;
    while pos < rest.len() {
        let end = rest[pos..].find('\n').map_or(rest.len(), |n| pos + n);
        if closers.contains(&rest[pos..end].trim_end()) {
            let front = &rest[start..pos];
            let lines = "\n".repeat(blank);
            let front = match (syntax, blank) {
                // The braces back around the members, the `{` on the first member's line.
                (Syntax::Json, _) => Cow::Owned(format!("{lines}{{{front}}}")),
                (_, 0) => Cow::Borrowed(front),
                _ => Cow::Owned(lines + front),
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

/// Whether `text` starts with a line shaped like a key of `syntax` (`Title: ...`,
/// `date = ...`, `"title": ...`), a TOML table or a comment.
fn starts_with_key(syntax: Syntax, text: &str) -> bool {
    let line = text.split('\n').next().unwrap_or("").trim_start();
    match syntax {
        Syntax::Json => line.starts_with('"'),
        _ if line.starts_with('#') => true,
        Syntax::Toml if line.starts_with('[') => true,
        _ => line
            .split_once(syntax.separator())
            .is_some_and(|(key, _)| is_key(key.trim_end().trim_matches(['"', '\'']))),
    }
}

/// A key as people write them: a letter or `_`, then letters, digits, `_`, `-`, `.` or spaces.
fn is_key(key: &str) -> bool {
    key.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
}

/// Pelican's and MultiMarkdown's metadata: `Title: ...` on the first line, then `Key: value`
/// lines (or indented continuations), ended by a blank line.
fn meta(text: &str) -> Option<Split<'_>> {
    let mut pos = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let content = line.trim_end();
        if content.is_empty() {
            return (i > 0).then(|| Split {
                front: Some((Syntax::Meta, Cow::Borrowed(&text[..pos]))),
                body: &text[pos + line.len()..],
                certain: false,
            });
        }
        let keyed = content
            .split_once(':')
            .is_some_and(|(k, _)| is_key(k) && (i > 0 || k.eq_ignore_ascii_case("title")));
        if !keyed && (i == 0 || !line.starts_with([' ', '\t'])) {
            return None;
        }
        pos += line.len();
    }
    None
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
    /// Hugo's `publishDate`: the article is published then (or at `date`, if later).
    pub publish_date: Option<Located<String>>,
    pub updated: Option<Located<String>>,
    /// Hugo's `expiryDate`: the article is taken down then.
    pub expires: Option<Located<String>>,
    pub author: Option<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub id: Option<String>,
    pub slug: Option<Located<String>>,
    pub draft: bool,
    pub lang: Option<String>,
    /// Whether any key feedpub reads was there: front matter found only by its look is text
    /// without one.
    pub recognized: bool,
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
    /// A mapping's entries with text keys.
    Map(Vec<(String, Val)>),
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
            Val::Map(_) => "a table".to_string(),
        }
    }

    /// The entry `key` of a mapping, matched as keys are ([`normalize`]).
    fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Map(entries) => entries
                .iter()
                .find(|(k, _)| normalize(k) == key)
                .map(|(_, v)| v),
            _ => None,
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
            Y::Mapping(map) => Val::Map(yaml_map(map)),
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
            T::Table(t) => Val::Map(t.into_iter().map(|(k, v)| (k, Val::from_toml(v))).collect()),
        }
    }

    fn from_json(v: serde_json::Value) -> Val {
        use serde_json::Value as J;
        match v {
            J::Null => Val::Null,
            J::Bool(b) => Val::Bool(b),
            J::Number(n) => Val::Num(n.to_string()),
            J::String(s) => Val::Str(s),
            J::Array(items) => Val::List(items.into_iter().map(Val::from_json).collect()),
            J::Object(o) => Val::Map(o.into_iter().map(|(k, v)| (k, Val::from_json(v))).collect()),
        }
    }
}

/// A YAML mapping's entries with text keys, its merge keys (`<<: *defaults`) applied: the
/// mapping's own entries win over merged ones, and earlier merged mappings over later ones.
fn yaml_map(map: yaml_serde::Mapping) -> Vec<(String, Val)> {
    let mut own = Vec::with_capacity(map.len());
    let mut merged = Vec::new();
    for (k, v) in map {
        match k {
            yaml_serde::Value::String(k) if k == "<<" => match v {
                yaml_serde::Value::Sequence(items) => merged.extend(items),
                v => merged.push(v),
            },
            yaml_serde::Value::String(k) => own.push((k, Val::from_yaml(v))),
            _ => {}
        }
    }
    for m in merged {
        if let Val::Map(entries) = Val::from_yaml(m) {
            for (k, v) in entries {
                if !own.iter().any(|(o, _)| *o == k) {
                    own.push((k, v));
                }
            }
        }
    }
    own
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

/// What a front matter key sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Title,
    Author,
    Summary,
    Id,
    Lang,
    Slug,
    Date,
    PublishDate,
    Updated,
    Expires,
    Draft,
    /// Jekyll's `published: false` (a date there is a publish date).
    Published,
    /// WordPress's and Ghost's `status: draft`.
    Status,
    Tags,
}

/// feedpub's keys and other tools' names for the same thing, as [`normalize`]d, each with its
/// rank: when a file has several keys for one field, the lowest rank wins.
const FIELDS: [(&str, Field, u8); 27] = [
    ("title", Field::Title, 0),
    ("author", Field::Author, 0),
    ("authors", Field::Author, 1),
    ("summary", Field::Summary, 0),
    ("excerpt", Field::Summary, 1),
    ("description", Field::Summary, 2),
    ("id", Field::Id, 0),
    ("lang", Field::Lang, 0),
    ("language", Field::Lang, 1),
    ("slug", Field::Slug, 0),
    ("date", Field::Date, 0),
    ("publishdate", Field::PublishDate, 0),
    ("pubdate", Field::PublishDate, 1),
    ("updated", Field::Updated, 0),
    ("lastmod", Field::Updated, 1),
    ("lastmodified", Field::Updated, 2),
    ("lastmodifiedat", Field::Updated, 3),
    ("modified", Field::Updated, 4),
    ("expirydate", Field::Expires, 0),
    ("expires", Field::Expires, 1),
    ("expirationdate", Field::Expires, 2),
    ("unpublishdate", Field::Expires, 3),
    ("draft", Field::Draft, 0),
    ("published", Field::Published, 0),
    ("status", Field::Status, 0),
    ("tags", Field::Tags, 0),
    // Zola: `[taxonomies] tags = [...]`.
    ("taxonomies", Field::Tags, 1),
];

/// A key as matched: lower case, without `_` and `-` (`publishDate`, `publish_date`).
fn normalize(key: &str) -> String {
    key.chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// `status` values that publish (WordPress's `future` is a scheduled post: its date says when).
const PUBLIC_STATUS: [&str; 7] = [
    "publish",
    "published",
    "public",
    "live",
    "active",
    "future",
    "scheduled",
];

/// `status` values that keep an article unpublished.
const HIDDEN_STATUS: [&str; 8] = [
    "draft",
    "pending",
    "private",
    "trash",
    "autodraft",
    "hidden",
    "unlisted",
    "inherit",
];

/// Most tags one article may have: with N tags it appears in N tag feeds, each listing its N
/// tags, so 3,000 tags in a 17 KB file made 9,000 files and 517 MB of output.
pub const MAX_TAGS: usize = 64;

/// Parse front matter text of `syntax`.
pub fn parse(syntax: Syntax, text: &str) -> Result<FrontMatter, Fail> {
    let entries: Vec<(String, Val)> = match syntax {
        Syntax::Yaml => yaml_entries(text)?,
        Syntax::Toml => toml_entries(text)?,
        Syntax::Json => json_entries(text)?,
        Syntax::Meta => meta_entries(text),
    };
    // Each field's key and value, the best-ranked key's. Other keys are the user's own (Hugo's,
    // Jekyll's...): not looked at, not even for their line, which costs a pass over the text
    // per key (32,000 keys took 12 s).
    let mut chosen: Vec<(Field, u8, String, Val)> = Vec::new();
    for (key, val) in entries {
        let normal = normalize(&key);
        let Some(&(_, field, rank)) = FIELDS.iter().find(|(k, _, _)| *k == normal) else {
            continue;
        };
        match chosen.iter_mut().find(|c| c.0 == field) {
            None => chosen.push((field, rank, key, val)),
            Some(c) if rank < c.1 => *c = (field, rank, key, val),
            Some(c) if rank == c.1 => {
                let line = key_line(syntax, text, &key, usize::from(c.2 == key));
                return Err(Fail::at(
                    line,
                    ArticleErrorKind::FrontMatter(format!(
                        "key {key:?}: {:?} is set already (keys are read without regard to case, \
                         `_` or `-`)",
                        c.2
                    )),
                ));
            }
            Some(_) => {}
        }
    }
    let mut fm = FrontMatter {
        recognized: !chosen.is_empty(),
        ..FrontMatter::default()
    };
    for (field, _, key, val) in chosen {
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
        let date = |val: &Val| match val {
            Val::Null => Ok(None),
            Val::Str(s) | Val::Date(s) => Ok(Some(located(s.clone()))),
            other => Err(bad(
                "a date such as 2024-05-01 or 2024-05-01T08:00:00+08:00",
                other,
            )),
        };
        match field {
            Field::Title => fm.title = prose(&val).ok_or_else(|| bad("a string", &val))?,
            Field::Author => {
                fm.author = author(&val)
                    .ok_or_else(|| bad("a name, a list of names, or a table with a name", &val))?
            }
            Field::Summary => fm.summary = prose(&val).ok_or_else(|| bad("a string", &val))?,
            Field::Id => fm.id = text_value(&val).ok_or_else(|| bad("a string", &val))?,
            Field::Lang => {
                fm.lang = text_value(&val).ok_or_else(|| bad("a string", &val))?;
                if fm.lang.as_deref().is_some_and(|l| !is_language_tag(l)) {
                    return Err(bad("a language tag such as en or zh-CN", &val));
                }
            }
            Field::Slug => {
                fm.slug = raw_text(&val)
                    .ok_or_else(|| bad("a string", &val))?
                    .map(located)
            }
            Field::Date => fm.date = date(&val)?,
            Field::PublishDate => fm.publish_date = date(&val)?,
            Field::Updated => fm.updated = date(&val)?,
            Field::Expires => fm.expires = date(&val)?,
            Field::Draft => match val {
                Val::Bool(b) => fm.draft |= b,
                Val::Null => {}
                other => return Err(bad("true or false", &other)),
            },
            Field::Published => match val {
                Val::Bool(b) => fm.draft |= !b,
                Val::Null => {}
                other => {
                    fm.publish_date = date(&other)
                        .map_err(|_| bad("true, false or a date", &other))?
                        .or(fm.publish_date)
                }
            },
            Field::Status => match text_value(&val).flatten() {
                None => {}
                Some(s) => {
                    let s = normalize(&s);
                    if HIDDEN_STATUS.contains(&s.as_str()) {
                        fm.draft = true;
                    } else if !PUBLIC_STATUS.contains(&s.as_str()) {
                        return Err(bad("publish, published or draft", &val));
                    }
                }
            },
            Field::Tags => {
                let list = match key_is(&key, "taxonomies") {
                    true => val.get("tags").unwrap_or(&Val::Null),
                    false => &val,
                };
                fm.tags = tags(list).map_err(|e| bad(&e, list))?;
                for t in &mut fm.tags {
                    if let Cow::Owned(decoded) = super::html::decode_entities(t) {
                        *t = decoded;
                    }
                }
                let distinct: foldhash::HashSet<&str> = fm.tags.iter().map(|t| t.trim()).collect();
                if distinct.len() > MAX_TAGS {
                    return Err(Fail::at(
                        line,
                        ArticleErrorKind::FrontMatter(format!(
                            "key {key:?}: {} tags, at most {MAX_TAGS} (each tag gets a feed in \
                             three formats, and each of those lists every tag of the article)",
                            distinct.len()
                        )),
                    ));
                }
            }
        }
    }
    Ok(fm)
}

/// Whether `key` is `name` as keys are matched.
fn key_is(key: &str, name: &str) -> bool {
    normalize(key) == name
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
    if let Some(line) = too_deep(text) {
        return Err(Fail::at(
            Some(line + FIRST_LINE - 1),
            ArticleErrorKind::FrontMatter(format!(
                "YAML nested deeper than {MAX_DEPTH} levels (front matter holds a few keys)"
            )),
        ));
    }
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
        yaml_serde::Value::Mapping(map) => Ok(yaml_map(map)),
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

fn json_entries(text: &str) -> Result<Vec<(String, Val)>, Fail> {
    if let Some(line) = too_deep(text) {
        return Err(Fail::at(
            Some(line + FIRST_LINE - 1),
            ArticleErrorKind::FrontMatter(format!("JSON nested deeper than {MAX_DEPTH} levels")),
        ));
    }
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|e| {
            Fail::at(
                Some(e.line() + FIRST_LINE - 1),
                ArticleErrorKind::FrontMatter(format!("JSON syntax error: {e}")),
            )
        })?;
    Ok(map
        .into_iter()
        .map(|(k, v)| (k, Val::from_json(v)))
        .collect())
}

/// `Key: value` lines; an indented line continues the value before it.
fn meta_entries(text: &str) -> Vec<(String, Val)> {
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        match (line.starts_with([' ', '\t']), entries.last_mut()) {
            (true, Some((_, value))) => {
                value.push(' ');
                value.push_str(line.trim());
            }
            _ => {
                if let Some((key, value)) = line.split_once(':') {
                    entries.push((key.trim().to_string(), value.trim().to_string()));
                }
            }
        }
    }
    entries.into_iter().map(|(k, v)| (k, Val::Str(v))).collect()
}

/// Deepest nesting of flow collections (`[`, `{`) or block lists on one line (`- - -`) front
/// matter may have: the YAML parser's time grows with the square of it (100,000 `[` took 31 s
/// before its own limit refused them).
const MAX_DEPTH: usize = 64;

/// The 1-based line of `text` where nesting first goes deeper than [`MAX_DEPTH`], if it does.
/// Brackets inside quotes are not counted; an unbalanced quote only makes this stricter.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote = None;
    for (n, line) in text.split('\n').enumerate() {
        let dashes = line
            .trim_start()
            .split_inclusive(' ')
            .take_while(|p| p.trim_end() == "-")
            .count();
        if dashes > MAX_DEPTH {
            return Some(n + 1);
        }
        for b in line.bytes() {
            match (quote, b) {
                (Some(q), _) if b == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(b),
                (None, b'#') => break,
                (None, b'[' | b'{') => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Some(n + 1);
                    }
                }
                (None, b']' | b'}') => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    None
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
    let source = text
        .split('\n')
        .nth(line?.checked_sub(syntax.first_line())?)?;
    let (_, value) = source.split_once(syntax.separator())?;
    let value = value.split(" #").next().unwrap_or(value).trim();
    let value = value.strip_suffix(',').unwrap_or(value).trim_end();
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

/// Like [`text_value`], with character references decoded: WordPress exports write titles
/// as `Don&#8217;t Panic &amp; Carry On`, which readers showed as written.
fn prose(val: &Val) -> Option<Option<String>> {
    text_value(val).map(|t| t.map(|s| super::html::decode_entities(&s).into_owned()))
}

/// A list is taken item by item; one string is a comma-separated list (`tags: local, markets`,
/// as Pelican and many exports write it), full-width `，` and `、` included. The error says what
/// was expected, naming a bad item.
fn tags(val: &Val) -> Result<Vec<String>, String> {
    match val {
        Val::List(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                // `tags: [2024-05-01, news]`: a date is a tag like any other text; so is
                // `[yes, no]`, which older YAML reads as booleans.
                Val::Date(d) => Ok(d.clone()),
                Val::Bool(b) => Ok(b.to_string()),
                v => text_value(v).map(Option::unwrap_or_default).ok_or_else(|| {
                    format!("a list of strings, and item {} is {}", i + 1, v.describe())
                }),
            })
            .collect(),
        other => text_value(other)
            .map(|t| {
                t.iter()
                    .flat_map(|s| s.split([',', '，', '、']))
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .ok_or_else(|| "a list of strings or a string".to_string()),
    }
}

/// An author: a name, a table with one (`name`, or WordPress's `display_name`), or a list of
/// those, joined with commas. `Some(None)` for none, `None` for a wrong type.
fn author(val: &Val) -> Option<Option<String>> {
    match val {
        Val::Map(_) => ["name", "displayname", "login"]
            .iter()
            .find_map(|k| val.get(k))
            .map_or(Some(None), prose),
        Val::List(items) => {
            let names = items
                .iter()
                .map(|v| match v {
                    Val::List(_) => None,
                    v => author(v),
                })
                .collect::<Option<Vec<_>>>()?;
            let names: Vec<String> = names.into_iter().flatten().collect();
            Some((!names.is_empty()).then(|| names.join(", ")))
        }
        other => prose(other),
    }
}

/// The file line of top-level `key` (`key:` in YAML, `key =` in TOML before any `[table]`),
/// skipping the first `skip` occurrences.
fn key_line(syntax: Syntax, text: &str, key: &str, mut skip: usize) -> Option<usize> {
    for (n, line) in text.split('\n').enumerate() {
        let line = match syntax {
            Syntax::Toml | Syntax::Meta => line.trim_start(),
            Syntax::Json => line.trim_start().trim_start_matches('{').trim_start(),
            Syntax::Yaml => line,
        };
        if syntax == Syntax::Toml && line.starts_with('[') {
            let table = line.trim_end().strip_prefix('[')?.strip_suffix(']')?.trim();
            return (table == key).then_some(n + syntax.first_line());
        }
        let unquoted = line.strip_prefix(key);
        let quoted = || {
            ["\"", "'"]
                .iter()
                .find_map(|q| line.strip_prefix(q)?.strip_prefix(key)?.strip_prefix(q))
        };
        if let Some(rest) = unquoted.or_else(quoted) {
            if rest.trim_start().starts_with(syntax.separator()) {
                if skip == 0 {
                    return Some(n + syntax.first_line());
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
