//! Plain-text (`.txt`) articles, as newsrooms file copy: no front matter, the title on the
//! first non-blank line, then paragraphs.
//!
//! Paragraphs are separated by blank lines (whitespace-only lines, U+3000 included). Inside a
//! block of lines, an indented line (`　　` or spaces) starts a new paragraph, as does a line after
//! one ending a Chinese sentence when the block uses no indentation (one paragraph per line).
//! Other line breaks are hard wraps: joined without a space between CJK characters, with one
//! space otherwise. Chinese newspaper conventions are recognised: a sub-headline right under the
//! title, bylines (`□ 记者 张三 文/图`), photo captions, short section headings, separator lines,
//! and a second story in the same file (a heading followed by a byline). Everything is
//! HTML-escaped by construction.

use super::html::escape_text;
use super::summary::{is_cjk, join_line, Collector};
use super::surname;

/// A rendered text article.
#[derive(Debug, PartialEq)]
pub struct Rendered {
    pub title: Option<String>,
    pub html: String,
    pub summary: String,
    /// The names in the first story's byline (`□ 记者 张三 文/图` gives `张三`).
    pub author: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Para,
    Subtitle,
    Byline,
    Caption,
    Heading,
    StoryTitle,
    Rule,
}

/// Blank: only white space, or characters that show nothing (zero-width spaces and joiners, a
/// word joiner, a stray BOM), which some editors and CMS exports leave on "empty" lines.
fn is_blank(line: &str) -> bool {
    line.chars().all(is_blank_char)
}

fn is_blank_char(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

fn is_indented(line: &str) -> bool {
    line.starts_with(['\u{3000}', '\t']) || line.starts_with("  ")
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(is_cjk)
}

/// `line` without the closing quotes and brackets after its last word or mark.
fn unquoted_end(line: &str) -> &str {
    line.trim_end()
        .trim_end_matches(['”', '’', '」', '』', '）', ')', '"', '\''])
}

fn ends_sentence(line: &str) -> bool {
    unquoted_end(line).ends_with(['。', '！', '？', '…', '；'])
}

/// A note in round brackets on a line of its own: `（完）`, `（记者 张三）`. (`【编者按】` is a
/// section heading.)
fn bracketed(line: &str) -> Option<&str> {
    [('（', '）'), ('(', ')')]
        .iter()
        .find_map(|&(open, close)| line.strip_prefix(open)?.strip_suffix(close))
}

fn byline(line: &str) -> bool {
    // A photo credit or caption in brackets (`（新华社记者 张三 摄）`) is a caption.
    if caption(line) {
        return false;
    }
    let line = bracketed(line).unwrap_or(line);
    let short = line.chars().count() <= 40 && !line.contains('。');
    let marked = line.starts_with(['□', '■', '◆', '◇', '●', '○', '◎', '☆', '★']);
    // A role followed by a space or a mark (`记者 张三`, `作者：`, `记者 John Smith`), or
    // glued to what reads as a name (`记者张三`, `本报记者禤国亮`), not to a word or a
    // sentence (`记者手记`, `记者从市教育委员会获悉，…`).
    let credited = line.starts_with("文/")
        || line.starts_with("文／")
        || GLUED_ROLES.iter().any(|role| {
            line.strip_prefix(role).is_some_and(|rest| {
                rest.starts_with(|c: char| c.is_whitespace() || "：:".contains(c))
                    || glued_name(rest.split_whitespace().next().unwrap_or(""))
            })
        });
    // An agency's reporter: `新华社记者 张三`.
    let agency = line
        .split_whitespace()
        .next()
        .is_some_and(|w| w.ends_with("记者") || w.ends_with("通讯员"))
        && byline_names(line).is_some();
    short && (marked || credited || agency)
}

fn caption(line: &str) -> bool {
    let start = [
        "图为", "图：", "图/", "▲", "△", "（图", "(图", "上图", "下图",
    ]
    .iter()
    .any(|p| line.starts_with(p));
    let credit = ["摄", "摄）", "摄)", "供图", "供图）", "资料图", "资料图片"]
        .iter()
        .any(|s| line.ends_with(s));
    line.chars().count() <= 120 && (start || credit) && has_cjk(line)
}

fn rule(line: &str) -> bool {
    line.chars().count() >= 3
        && line.chars().all(|c| {
            matches!(
                c,
                '-' | '—'
                    | '_'
                    | '='
                    | '*'
                    | '＊'
                    | '~'
                    | '～'
                    | '·'
                    | '•'
                    | '※'
                    | ' '
                    | '\u{3000}'
            )
        })
}

/// A short section heading. Not a line that ends a sentence inside quotes (`他说：“好。”`) or
/// breaks off (`——`), nor a note in brackets (`（完）`).
fn heading(line: &str) -> bool {
    let n = line.chars().count();
    has_cjk(line)
        && n <= 30
        && bracketed(line).is_none()
        && !line.ends_with('—')
        && !unquoted_end(line).ends_with([
            '。', '，', '、', '；', '：', '！', '？', '…', ',', '.', ':', ';', '!', '?',
        ])
}

/// The kind a line has on its own, if it is never part of a longer paragraph.
fn standalone(line: &str) -> Option<Kind> {
    if rule(line) {
        Some(Kind::Rule)
    } else if byline(line) {
        Some(Kind::Byline)
    } else if caption(line) {
        Some(Kind::Caption)
    } else {
        None
    }
}

/// Render a text article.
pub fn render(text: &str) -> Rendered {
    let mut lines = text.split('\n');
    let Some((title, dateline)) = take_title_line(&mut lines).map(split_dateline) else {
        return Rendered {
            title: None,
            html: String::new(),
            summary: String::new(),
            author: None,
        };
    };
    let pars = paragraphs(lines.collect());
    let mut html = String::with_capacity(text.len() + text.len() / 8);
    let mut summary = Collector::default();
    // Only a byline before a second story's title names this article's author.
    let author = pars
        .iter()
        .take_while(|(kind, _)| *kind != Kind::StoryTitle)
        .filter(|(kind, _)| *kind == Kind::Byline)
        .find_map(|(_, line)| byline_names(line))
        .or_else(|| dateline.and_then(dateline_names));
    if let Some(dateline) = dateline {
        html.push_str("<p class=\"dateline\">");
        escape_text(&mut html, dateline);
        html.push_str("</p>\n");
    }
    for (kind, text) in &pars {
        let (open, close) = match kind {
            Kind::Para => ("<p>", "</p>\n"),
            Kind::Subtitle => ("<p class=\"subtitle\"><strong>", "</strong></p>\n"),
            Kind::Byline => ("<p class=\"byline\">", "</p>\n"),
            Kind::Caption => ("<p class=\"caption\"><small>", "</small></p>\n"),
            Kind::Heading => ("<h3>", "</h3>\n"),
            Kind::StoryTitle => ("<h2>", "</h2>\n"),
            Kind::Rule => {
                html.push_str("<hr>\n");
                continue;
            }
        };
        html.push_str(open);
        escape_text(&mut html, text);
        html.push_str(close);
        if *kind == Kind::Para {
            summary.push(text);
        }
    }
    Rendered {
        title: Some(title.to_string()),
        html,
        summary: summary.finish(),
        author,
    }
}

/// The title of a plain-text article, as [`render`] finds it: the first non-blank line,
/// trimmed.
pub fn title(text: &str) -> Option<&str> {
    take_title(&mut text.split('\n'))
}

/// Skip the blank lines and separator lines (`---`, `＊＊＊`); the next one, trimmed of white
/// space and of what shows nothing, is the title.
fn take_title<'a>(lines: &mut impl Iterator<Item = &'a str>) -> Option<&'a str> {
    take_title_line(lines).map(|l| split_dateline(l).0)
}

fn take_title_line<'a>(lines: &mut impl Iterator<Item = &'a str>) -> Option<&'a str> {
    lines
        .map(|l| l.trim_matches(|c: char| is_blank_char(c)))
        .find(|l| !l.is_empty() && !rule(l))
}

/// A wire story's headline line, `新华社北京3月2日电（记者 张三）题：春耕一线见闻`, as its title
/// (what follows `题：`) and its dateline (what comes before, the agency's credit and maybe a
/// reporter's, which the body keeps).
fn split_dateline(line: &str) -> (&str, Option<&str>) {
    let Some((before, after)) = line.split_once("题：").or_else(|| line.split_once("题:"))
    else {
        return (line, None);
    };
    let before = before.trim_end_matches(|c: char| is_blank_char(c));
    // `…电`, or `…电（记者 张三）`.
    let dateline =
        before.ends_with('电') || (before.ends_with(['）', ')']) && before.contains("电"));
    let title = after.trim_matches(|c: char| is_blank_char(c));
    if dateline && !title.is_empty() && before.chars().count() <= 40 {
        (title, Some(before))
    } else {
        (line, None)
    }
}

/// The reporters a dateline credits: `新华社上海5月1日电（记者 张三、李四）` gives `张三、李四`.
fn dateline_names(dateline: &str) -> Option<String> {
    let open = dateline.rfind(['（', '('])?;
    byline_names(&dateline[open..])
}

/// Roles written straight before a name (记者张三). Not 文 or 图, which begin names (文静).
const GLUED_ROLES: &[&str] = &[
    "本报记者",
    "特约记者",
    "见习记者",
    "记者",
    "通讯员",
    "实习生",
    "撰文",
    "作者",
];

/// Credits written straight after a name (张三摄). Not 文, which ends names (李文).
const GLUED_CREDITS: &[&str] = &["摄影", "摄", "报道"];

/// Credits that stand as words of their own (文/张三, 文/图).
const CREDITS: &[&str] = &["文", "图"];

/// Words written after a role that are not names: `记者手记` and `作者简介` are sections.
const NOT_NAMES: &[&str] = &[
    "手记", "观察", "调查", "简介", "札记", "随笔", "感言", "来信", "点评", "述评", "评论", "视点",
    "连线", "探访", "走访", "专访", "笔记", "见闻", "日记", "手札", "心声",
];

/// Whether `word`, glued to a role, reads as a name: two to four CJK characters (up to eight
/// with `·`, as in 买买提·艾力) once its glued credits are off, and not a section word; two
/// characters must start with a common surname (`记者小明` is not told from a word).
fn glued_name(word: &str) -> bool {
    let name = without_credits(word);
    let n = name.chars().count();
    let cjk = name.chars().all(|c| is_cjk(c) || c == '·');
    let dotted = name.contains('·') && n <= 8;
    cjk && !NOT_NAMES.contains(&name)
        && (dotted || (3..=4).contains(&n) || (n == 2 && surname::plausible_glued_name(name)))
}

/// `word` without the credits glued after the name (张三摄影报道 is 张三), as long as two
/// characters are left.
fn without_credits(mut word: &str) -> &str {
    while let Some(rest) = GLUED_CREDITS
        .iter()
        // At least two characters, found without counting them all: a counting loop made a
        // line of 320,000 `摄` take 7 s.
        .find_map(|c| word.strip_suffix(c).filter(|r| r.chars().nth(1).is_some()))
    {
        word = rest;
    }
    word
}

/// Whether `word` is a role or a credit, not a name.
fn byline_word(word: &str) -> bool {
    [GLUED_ROLES, GLUED_CREDITS, CREDITS]
        .iter()
        .any(|words| words.contains(&word))
}

/// The names in a byline, joined by `、`, or `None` unless it has a role or credit (记者, 文/,
/// 摄, ...), every other word is one, and every name is 2 to 8 CJK characters (`·` allowed, as
/// in 买买提·艾力): a wrong author is worse than none (`□ 本报综合` names nobody).
fn byline_names(line: &str) -> Option<String> {
    let line = bracketed(line).unwrap_or(line);
    let line = line.trim_start_matches(['□', '■', '◆', '◇', '●', '○', '◎', '☆', '★']);
    let mut names: Vec<&str> = Vec::new();
    let mut credited = false;
    for word in line.split(|c: char| c.is_whitespace() || "、，,/／：:".contains(c)) {
        // A role glued to a name (记者张三, not 记者手记), or to an agency (新华社记者).
        let glued = GLUED_ROLES
            .iter()
            .find_map(|w| word.strip_prefix(w).filter(|rest| !rest.is_empty()));
        // The name a role is glued to must look like one (not 记者手记, 记者观察): it starts
        // with a common surname, unless it is written with `·` (买买提·艾力). A glued credit
        // after it (张三报道) is not part of it.
        let plausible = |name: &str| {
            let name = without_credits(name);
            !NOT_NAMES.contains(&name)
                && (name.contains('·') || surname::plausible_glued_name(name))
        };
        if glued.is_some_and(|name| !plausible(name)) {
            return None;
        }
        credited |= glued.is_some();
        let word = glued.unwrap_or(word);
        // A title or affiliation after the name: 王五（北京大学教授）.
        let word = word
            .strip_suffix(['）', ')'])
            .and_then(|w| w.split_once(['（', '(']))
            .map_or(word, |(name, _)| name);
        if word.is_empty() {
            continue;
        }
        if byline_word(word) || word.ends_with("记者") || word.ends_with("通讯员") {
            credited = true;
            continue;
        }
        let name = without_credits(word);
        credited |= name.len() < word.len();
        // What is left of `摄影报道` is a credit too.
        if byline_word(name) || GLUED_CREDITS.contains(&name) {
            credited = true;
            continue;
        }
        let chars = name.chars().count();
        if !(2..=8).contains(&chars) || !name.chars().all(|c| is_cjk(c) || c == '·') {
            return None;
        }
        names.push(name);
    }
    (credited && !names.is_empty()).then(|| names.join("、"))
}

/// Split the lines after the title into classified paragraphs.
fn paragraphs(lines: Vec<&str>) -> Vec<(Kind, String)> {
    let mut out: Vec<(Kind, String)> = Vec::new();
    let mut start = 0;
    while start < lines.len() {
        if is_blank(lines[start]) {
            start += 1;
            continue;
        }
        let end = lines[start..]
            .iter()
            .position(|l| is_blank(l))
            .map_or(lines.len(), |n| start + n);
        block(&lines[start..end], start == 0, out.is_empty(), &mut out);
        start = end;
    }
    // A heading right before a byline, or right after a rule, is the title of another story.
    for i in 0..out.len() {
        let next_byline = out.get(i + 1).is_some_and(|(k, _)| *k == Kind::Byline);
        let after_rule = i > 0 && out[i - 1].0 == Kind::Rule;
        if out[i].0 == Kind::Heading && (next_byline || after_rule) {
            out[i].0 = Kind::StoryTitle;
        }
    }
    out
}

/// One block of non-blank lines. `under_title`: no blank line separates it from the title;
/// `leading`: nothing has been output yet (a sub-headline may come first).
fn block(lines: &[&str], under_title: bool, leading: bool, out: &mut Vec<(Kind, String)>) {
    let indents = lines.iter().skip(1).any(|l| is_indented(l));
    let widths: Vec<usize> = lines.iter().map(|l| l.trim().chars().count()).collect();
    let widest = widths.iter().copied().max().unwrap_or(0);
    // Every line but the last as wide as the widest (give or take the one character line
    // breaking rules move), and one of them broken mid-sentence: a paragraph hard-wrapped at a
    // fixed width, where a line that happens to end a sentence does not end the paragraph.
    let wrapped = widths.len() >= 3
        && widest >= 10
        && widths[..widths.len() - 1].iter().all(|&w| w + 1 >= widest)
        && lines[..lines.len() - 1]
            .iter()
            .any(|l| !ends_sentence(l) && standalone(l.trim()).is_none());
    let mut current: Option<String> = None;
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        let first = out.is_empty() && current.is_none();
        if leading && first && i == 0 {
            let dashed = line.starts_with(['—', '－']) || line.starts_with("--");
            let sub = (under_title && !is_indented(raw) && heading(line)) || dashed;
            if sub && standalone(line).is_none() {
                out.push((Kind::Subtitle, line.to_string()));
                continue;
            }
        }
        if let Some(kind) = standalone(line) {
            flush(&mut current, out);
            out.push((kind, line.to_string()));
            continue;
        }
        let prev = if i > 0 {
            Some(lines[i - 1].trim())
        } else {
            None
        };
        let next = lines.get(i + 1);
        let prev_ended = prev.is_none_or(|p| ends_sentence(p) || standalone(p).is_some());
        let next_starts =
            next.is_none_or(|n| is_indented(n) || standalone(n.trim()).is_some() || !indents);
        // Without indentation, a heading must also be clearly shorter than the block's lines
        // (a hard-wrapped paragraph's first line is as wide as the rest).
        let short = indents || lines.len() == 1 || line.chars().count() * 3 <= widest * 2;
        if heading(line)
            && short
            && prev_ended
            && next_starts
            && (lines.len() > 1 || !is_indented(raw))
        {
            flush(&mut current, out);
            out.push((Kind::Heading, line.to_string()));
            continue;
        }
        let new_par = is_indented(raw)
            || (!indents && !wrapped && prev.is_some_and(|p| has_cjk(p) && ends_sentence(p)));
        if new_par {
            flush(&mut current, out);
        }
        join_line(current.get_or_insert_with(String::new), line);
    }
    flush(&mut current, out);
}

fn flush(current: &mut Option<String>, out: &mut Vec<(Kind, String)>) {
    if let Some(p) = current.take().filter(|p| !p.is_empty()) {
        out.push((Kind::Para, p));
    }
}

#[cfg(test)]
#[path = "text_tests.rs"]
mod tests;
