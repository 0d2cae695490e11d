//! Front matter: splitting it off (`---` YAML or `+++` TOML, on the first line) and reading the
//! keys feedpub knows, and other tools' names for them (Hugo's `lastmod`, Jekyll's
//! `published: false`). A key spelled as feedpub spells it with the wrong type is an error naming
//! the key and its line; another spelling or another tool's name that cannot be read is ignored,
//! as any other key is (`status: in progress`, `expires: never`), except where ignoring it
//! would publish what was meant to wait (`publishDate`), and values that hide an article are
//! read generously (`published: "no"`).
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
    /// Hugo's third syntax: a JSON object whose `{` and `}` are lines of their own, opening
    /// the file. Its text is what lies between them.
    Json,
}

impl Syntax {
    /// What separates a key from its value on a line.
    fn separator(self) -> char {
        match self {
            Syntax::Yaml | Syntax::Json => ':',
            Syntax::Toml => '=',
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
/// file (`strict == false`), when the line after the opening `---` or `+++` is shaped like a
/// key (`layout: post`, `date = ...`): then it is front matter only by its look (`certain` is
/// false), and the caller takes it as text unless it parses and sets a key as feedpub spells
/// it, so a rule that starts a Markdown file after a blank line, followed by `Note: the event
/// moved.`, stays text. An unclosed one is text there.
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
    // Zero-width characters pasted before the opening line (a web editor's copy) are not seen
    // by the writer: `---` after them still opens front matter.
    let first = rest
        .split('\n')
        .next()
        .unwrap_or("")
        .trim_start_matches(['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}'])
        .trim_end();
    let (syntax, closers): (Syntax, &[&str]) = match first {
        "---" => (Syntax::Yaml, &["---", "..."]),
        "+++" => (Syntax::Toml, &["+++"]),
        // Only where front matter is certain: a `{` line after blank lines is the text's.
        "{" if strict && blank == 0 => (Syntax::Json, &["}"]),
        _ => return Ok(plain),
    };
    let start = rest.find('\n').map_or(rest.len(), |n| n + 1);
    if syntax == Syntax::Json {
        return Ok(json_split(rest, start).unwrap_or(plain));
    }
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

/// JSON front matter opening `text` (its `{` line ends at `start`): the object up to its own
/// closing brace, wherever nested objects close, when the line after the `{` opens a key or
/// closes the object; otherwise the `{` is the text's. An object that does not parse is front
/// matter still, handed on whole so that its error is reported where it is.
fn json_split(text: &str, start: usize) -> Option<Split<'_>> {
    let second = text[start..].split('\n').next().unwrap_or("").trim_start();
    if !second.starts_with(['"', '}']) {
        return None;
    }
    let mut objects = serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
    let end = match objects.next() {
        Some(Ok(_)) => objects.byte_offset(),
        // Up to the last `}` line, for the parse to say what is wrong and on which line.
        _ => text
            .match_indices("\n}")
            .last()
            .map_or(text.len(), |(i, _)| i + 2),
    };
    let close = text[..end]
        .rfind('}')
        .filter(|&c| c >= start)
        .unwrap_or(start);
    let line_end = text[end..].find('\n').map_or(text.len(), |n| end + n + 1);
    Some(Split {
        front: Some((Syntax::Json, Cow::Borrowed(&text[start..close]))),
        body: &text[line_end..],
        certain: true,
    })
}

/// Whether `text` starts with a line shaped like a key of `syntax` (`layout: ...`,
/// `date = ...`).
fn starts_with_key(syntax: Syntax, text: &str) -> bool {
    let line = text.split('\n').next().unwrap_or("").trim_start();
    line.split_once(syntax.separator())
        .is_some_and(|(key, _)| is_key(key.trim_end().trim_matches(['"', '\''])))
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

/// A value with the file line of its key, when found.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub value: T,
    pub line: Option<usize>,
    /// Whether a value that cannot be read is an error (feedpub's own key) rather than ignored
    /// (another spelling, another tool's key).
    pub strict: bool,
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
    /// A `status: scheduled` (or `future`): with no date anywhere, the article waits rather
    /// than go out now.
    pub scheduled: bool,
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

/// What [`is_language_tag`] takes, for error messages.
pub const A_LANGUAGE_TAG: &str =
    "a language tag: a 2 or 3 letter ISO 639 code, then any subtags (en, zh-CN, zh-Hans-CN)";

/// Whether `tag` has the shape of a BCP 47 language tag (`en`, `zh-CN`, `zh-Hant-TW`): it ends
/// up in `xml:lang` and RSS `<language>`, which validators check against ISO 639. So the
/// primary subtag is 2 or 3 letters: `english` is refused, and so are the `i-` and `x-` forms.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()))
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
    /// Jekyll's `published: false`, Obsidian's `publish: false` (a date there is a publish
    /// date).
    Published,
    /// WordPress's and Ghost's `status: draft`.
    Status,
    /// Ghost's `visibility: members`: not for a public feed.
    Visibility,
    /// A key that hides the article when it is `hides` (Hugo's `headless: true`, Hexo's
    /// `hidden: true`, Obsidian Digital Garden's `dg-publish: false`). Each key is a field of
    /// its own, so that any of them hides whatever the others say.
    Flag {
        key: &'static str,
        hides: bool,
    },
    /// Hugo's `_build` (or `build`) options.
    Build,
    Tags,
}

/// feedpub's own keys.
const KEYS: [&str; 10] = [
    "title", "author", "summary", "id", "lang", "slug", "date", "updated", "draft", "tags",
];

/// feedpub's keys and other tools' names for the same thing, as [`normalize`]d, each with its
/// rank: when a file has several keys for one field, the lowest rank wins (and feedpub's own
/// spelling over another case of it).
const FIELDS: [(&str, Field, u8); 35] = [
    ("title", Field::Title, 0),
    ("author", Field::Author, 0),
    ("authors", Field::Author, 1),
    ("summary", Field::Summary, 0),
    ("excerpt", Field::Summary, 1),
    ("id", Field::Id, 0),
    ("lang", Field::Lang, 0),
    ("slug", Field::Slug, 0),
    ("date", Field::Date, 0),
    ("publishdate", Field::PublishDate, 0),
    ("pubdate", Field::PublishDate, 1),
    ("publishedat", Field::PublishDate, 2),
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
    ("publish", Field::Published, 1),
    ("status", Field::Status, 0),
    ("poststatus", Field::Status, 1),
    ("headless", flag("headless", true), 0),
    ("hidden", flag("hidden", true), 0),
    ("private", flag("private", true), 0),
    ("unlisted", flag("unlisted", true), 0),
    ("dgpublish", flag("dgpublish", false), 0),
    ("build", Field::Build, 0),
    ("visibility", Field::Visibility, 0),
    ("tags", Field::Tags, 0),
    // Zola: `[taxonomies] tags = [...]`.
    ("taxonomies", Field::Tags, 1),
];

const fn flag(key: &'static str, hides: bool) -> Field {
    Field::Flag { key, hides }
}

/// A key as matched: lower case, without `_` and `-` (`publishDate`, `publish_date`).
/// Borrowed when there is nothing to change, as for most keys (this runs for every key of
/// every article).
fn normalize(key: &str) -> Cow<'_, str> {
    if !key.contains(|c: char| matches!(c, '_' | '-') || c.is_uppercase()) {
        return Cow::Borrowed(key);
    }
    Cow::Owned(
        key.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect(),
    )
}

/// `status` values that keep an article unpublished (WordPress's, Ghost's, and the like).
/// Others publish, as any key feedpub does not read: `status: in progress` means something
/// else to its writer.
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

/// Ghost's `visibility` values for posts its readers must be signed in for (`filter`: some
/// tiers only).
const HIDDEN_VISIBILITY: [&str; 5] = ["members", "paid", "tiers", "filter", "private"];

/// Most tags one article may have: with N tags it appears in N tag feeds, each listing its N
/// tags, so 3,000 tags in a 17 KB file made 9,000 files and 517 MB of output.
pub const MAX_TAGS: usize = 64;

/// Whether `s` says no, as people write it in place of `false`.
fn says_no(s: &str) -> bool {
    matches!(&*normalize(s.trim()), "false" | "no" | "off" | "0")
}

/// Whether `s` says yes, as people write it in place of `true`.
fn says_yes(s: &str) -> bool {
    matches!(&*normalize(s.trim()), "true" | "yes" | "on" | "1")
}

/// Most bytes front matter may have. A real one holds a few hundred; the YAML parser takes
/// about 100 times the text in memory, so a 9.8 MB list in a key feedpub does not read cost 1 GB.
pub const MAX_BYTES: usize = 256 * 1024;

/// Parse front matter text of `syntax`.
pub fn parse(syntax: Syntax, text: &str) -> Result<FrontMatter, Fail> {
    if text.len() > MAX_BYTES {
        let line = text.bytes().take(MAX_BYTES).filter(|&b| b == b'\n').count() + FIRST_LINE;
        return Err(Fail::at(
            Some(line),
            ArticleErrorKind::FrontMatter(format!(
                "{} bytes, over the limit of {MAX_BYTES} bytes (256 KiB) on this line (front \
                 matter holds a few keys)",
                text.len()
            )),
        ));
    }
    let entries: Vec<(String, Val)> = match syntax {
        Syntax::Yaml => yaml_entries(text)?,
        Syntax::Toml => toml_entries(text)?,
        Syntax::Json => json_entries(text)?,
    };
    // Each field's key and value, the best-ranked key's. Other keys are the user's own (Hugo's,
    // Jekyll's...): not looked at, not even for their line, which costs a pass over the text
    // per key (32,000 keys took 12 s).
    let mut chosen: Vec<(Field, (u8, bool), String, Val)> = Vec::new();
    for (key, val) in entries {
        let normal = normalize(&key);
        let Some(&(_, field, rank)) = FIELDS.iter().find(|(k, _, _)| *k == normal) else {
            continue;
        };
        let rank = (rank, !KEYS.contains(&key.as_str()));
        match chosen.iter_mut().find(|c| c.0 == field) {
            None => chosen.push((field, rank, key, val)),
            Some(c) if rank < c.1 => *c = (field, rank, key, val),
            Some(_) => {}
        }
    }
    let mut fm = FrontMatter {
        recognized: chosen.iter().any(|c| KEYS.contains(&c.2.as_str())),
        ..FrontMatter::default()
    };
    for (field, _, key, val) in chosen {
        // feedpub's own spelling is checked; another is read when it can be.
        let strict = KEYS.contains(&key.as_str());
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
        // A value of the wrong type: an error for feedpub's own key, else the key is ignored.
        macro_rules! read {
            ($value:expr, $expected:expr) => {
                match $value {
                    Some(v) => v,
                    None if strict => return Err(bad($expected, &val)),
                    None => continue,
                }
            };
        }
        let located = |value: String, strict: bool| Located {
            value,
            line,
            strict,
        };
        let date = |val: &Val, strict: bool| match val {
            Val::Null => Some(None),
            Val::Str(s) | Val::Date(s) => Some(Some(located(s.clone(), strict))),
            _ => None,
        };
        const A_DATE: &str = "a date such as 2024-05-01 or 2024-05-01T08:00:00+08:00";
        match field {
            Field::Title => fm.title = read!(prose(&val), "a string"),
            Field::Author => {
                fm.author = read!(
                    author(&val),
                    "a name, a list of names, or a table with a name"
                )
            }
            Field::Summary => fm.summary = read!(prose(&val), "a string"),
            Field::Id => fm.id = read!(text_value(&val), "a string"),
            Field::Lang => {
                let lang = read!(text_value(&val), "a string");
                if lang.as_deref().is_some_and(|l| !is_language_tag(l)) {
                    read!(None, A_LANGUAGE_TAG);
                }
                fm.lang = lang;
            }
            Field::Slug => fm.slug = read!(raw_text(&val), "a string").map(|v| located(v, strict)),
            Field::Date => fm.date = read!(date(&val, strict), A_DATE),
            // A publish date that cannot be read is an error whatever its spelling: the
            // article would go out before its time.
            Field::PublishDate => {
                fm.publish_date = match date(&val, true) {
                    Some(d) => d,
                    None => return Err(bad(A_DATE, &val)),
                }
            }
            Field::Updated => fm.updated = read!(date(&val, strict), A_DATE),
            Field::Expires => fm.expires = read!(date(&val, false), A_DATE),
            Field::Draft => match &val {
                Val::Bool(b) => fm.draft |= b,
                Val::Null => {}
                Val::Str(s) if !strict => fm.draft |= says_yes(s),
                _ => read!(None, "true or false"),
            },
            Field::Published => match &val {
                Val::Bool(b) => fm.draft |= !b,
                Val::Str(s) | Val::Num(s) if says_no(s) => fm.draft = true,
                // A date (Ghost's `published_at` is read as one); anything else, such as
                // `published: 1998 by Penguin`, is another key of the writer's.
                Val::Str(s) | Val::Date(s) if fm.publish_date.is_none() => {
                    fm.publish_date = Some(located(s.clone(), false))
                }
                _ => {}
            },
            Field::Status => {
                if let Val::Str(s) = &val {
                    let s = normalize(s.trim());
                    fm.draft |= HIDDEN_STATUS.contains(&&*s);
                    fm.scheduled |= matches!(&*s, "scheduled" | "future");
                }
            }
            // Hugo's headless bundles and `_build: {render: never}` are no pages of the site.
            Field::Flag { hides, .. } => {
                fm.draft |= match &val {
                    Val::Bool(b) => *b == hides,
                    Val::Str(s) | Val::Num(s) if hides => says_yes(s),
                    Val::Str(s) | Val::Num(s) => says_no(s),
                    _ => false,
                };
            }
            Field::Build => {
                let never = |k: &str| match val.get(k) {
                    Some(Val::Bool(false)) => true,
                    Some(Val::Str(s)) => matches!(&*normalize(s), "never" | "false"),
                    _ => false,
                };
                fm.draft |= never("render") || never("list");
            }
            Field::Visibility => {
                if let Val::Str(s) = &val {
                    fm.draft |= HIDDEN_VISIBILITY.contains(&&*normalize(s.trim()));
                }
            }
            Field::Tags => {
                let list = match normalize(&key) == "taxonomies" {
                    true => val.get("tags").unwrap_or(&Val::Null),
                    false => &val,
                };
                fm.tags = match tags(list) {
                    Ok(t) => t,
                    Err(e) if strict => return Err(bad(&e, list)),
                    Err(_) => continue,
                };
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
    // Front matter found only by its look is front matter when it hides the article, whatever
    // it calls the key: a draft must not go out with its front matter as text.
    fm.recognized |= fm.draft;
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

/// The entries of JSON front matter, `text` being what lies between its `{` and `}` lines.
fn json_entries(text: &str) -> Result<Vec<(String, Val)>, Fail> {
    // The `{` joins the text's first line, so serde_json's line numbers count from the file's
    // second line, as the front matter does.
    let object = format!("{{{text}}}");
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&object).map_err(|e| {
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

/// Deepest nesting of flow collections (`[`, `{`) or block lists on one line (`- - -`) front
/// matter may have: the YAML parser's time grows with the square of it (100,000 `[` took 31 s
/// before its own limit refused them).
const MAX_DEPTH: usize = 64;

/// The 1-based line of `text` where nesting first goes deeper than [`MAX_DEPTH`], if it does.
/// Brackets inside quoted strings (a quote opens one only where a value or item starts, as in
/// YAML, so `it's` does not) and comments (`#` at a line's start or after a space, so
/// `https://x/p#s` is no comment) are not counted. A quoted string spanning lines is rare in
/// front matter; it is taken to end with its line, which can only count fewer brackets.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (n, line) in text.split('\n').enumerate() {
        let dashes = line
            .trim_start()
            .split_inclusive(' ')
            .take_while(|p| p.trim_end() == "-")
            .count();
        if dashes > MAX_DEPTH {
            return Some(n + 1);
        }
        let mut quote = None;
        let mut prev = b' ';
        for b in line.bytes() {
            match (quote, b) {
                (Some(q), _) if b == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'')
                    if matches!(prev, b' ' | b'\t' | b'[' | b'{' | b',' | b':') =>
                {
                    quote = Some(b)
                }
                (None, b'#') if matches!(prev, b' ' | b'\t') => break,
                (None, b'[' | b'{') => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Some(n + 1);
                    }
                }
                (None, b']' | b'}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            prev = b;
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
    let source = text.split('\n').nth(line?.checked_sub(FIRST_LINE)?)?;
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
            Syntax::Toml | Syntax::Json => line.trim_start(),
            Syntax::Yaml => line,
        };
        if syntax == Syntax::Toml && line.starts_with('[') {
            let table = line.trim_end().strip_prefix('[')?.strip_suffix(']')?.trim();
            return (table == key).then_some(n + FIRST_LINE);
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
