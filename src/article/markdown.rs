//! Markdown bodies: CommonMark with tables, footnotes, strikethrough and task lists.
//!
//! Also finds the title (the first level-1 heading, which is then removed from the body, else
//! the first line of text) and the summary text, from the same events. Soft line breaks between
//! two CJK characters are dropped, since they are hard wraps that must not become spaces.
//!
//! Markdown without raw HTML needs no HTML sanitizer: pulldown-cmark escapes all text, code and
//! attribute values it writes, so the only hostile thing such input can produce is a link or
//! image destination with a dangerous scheme (`javascript:`, `data:`, ...). With `safe_urls`,
//! such destinations are dropped from the event stream (the link's text stays), judged exactly
//! as ammonia judges `href`/`src` ([`super::sanitize::url_allowed`]). [`Rendered::raw_html`]
//! tells the caller whether the output still needs the sanitizer.

use std::borrow::Cow;

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::sanitize::url_allowed;
use super::summary::{is_cjk, join_line, Collector};

/// A rendered Markdown body.
#[derive(Debug, PartialEq)]
pub struct Rendered {
    pub html: String,
    /// The first top-level `# ` heading's text, else that of a heading of another level that
    /// opens the body (either removed from `html`), else the first line of text.
    pub title: Option<String>,
    /// Empty when raw HTML comes before the first paragraph: the caller summarises the
    /// sanitized HTML then.
    pub summary: String,
    /// Whether the body holds raw HTML (blocks or inline tags), which only a sanitizer makes safe.
    pub raw_html: bool,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

/// Give every heading an `id` made from its text the way GitHub does (lower case, spaces to
/// `-`, punctuation left out, CJK kept; `-1`, `-2` for repeats, and past footnotes' ids), so
/// that links to `#section` land. (pulldown-cmark's `{#id}` syntax is not enabled: it passes
/// any attribute through, `onclick` included, and eats a heading's trailing `{…}` text.)
fn heading_ids(events: &mut [Event<'_>]) {
    let heading = |e: &Event<'_>| matches!(e, Event::Start(Tag::Heading { .. }));
    if !events.iter().any(heading) {
        return;
    }
    let mut used: std::collections::HashSet<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::FootnoteDefinition(label)) => Some(label.to_string()),
            _ => None,
        })
        .collect();
    // The next suffix to try for each base: repeats cost one step each, not one per repeat.
    let mut next: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for i in 0..events.len() {
        if !heading(&events[i]) {
            continue;
        }
        let mut text = String::new();
        for e in &events[i + 1..] {
            if matches!(e, Event::End(TagEnd::Heading(_))) {
                break;
            }
            text.push_str(text_of(e).unwrap_or(""));
        }
        let base: String = text
            .trim()
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                c if c.is_whitespace() => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        if base.is_empty() {
            continue;
        }
        let n = next.entry(base.clone()).or_insert(0);
        let mut id = if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        while used.contains(&id) {
            *n += 1;
            id = format!("{base}-{n}");
        }
        *n += 1;
        if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[i] {
            *slot = Some(CowStr::from(id.clone()));
        }
        used.insert(id);
    }
}

/// Render `body`. Without a `known_title` (from front matter), look for a title as described on
/// [`Rendered::title`]; with one, a heading that opens the body and repeats it is
/// dropped (the page and readers show the title above the content: it would show twice). With
/// `safe_urls`, drop links and images whose destination is not an allowed URL.
pub fn render(body: &str, known_title: Option<&str>, safe_urls: bool) -> Rendered {
    let find_title = known_title.is_none();
    let body = template_code_blocks(body);
    let mut events: Vec<Event<'_>> = Parser::new_ext(&body, options()).collect();
    let raw_html = events
        .iter()
        .any(|e| matches!(e, Event::Html(_) | Event::InlineHtml(_)));
    if safe_urls {
        drop_unsafe_urls(&mut events);
    }
    join_cjk_soft_breaks(&mut events);
    // Titles and summaries are text: never what an inline `<script>` or `<style>` holds.
    let blanked = raw_html.then(|| without_raw_text(&events)).flatten();
    let (h1, title, summary) = {
        let shown = blanked.as_deref().unwrap_or(&events);
        let h1 = find_title.then(|| h1_range(shown)).flatten();
        let h1 = h1.or_else(|| opening_heading(shown));
        let heading = h1.and_then(|(start, len)| h1_text(&shown[start..start + len]));
        let repeats = |t: &str| {
            let mut known = String::new();
            known_title.is_some_and(|k| {
                join_line(&mut known, k);
                known == t
            })
        };
        let h1 = h1.filter(|_| heading.as_deref().is_some_and(|t| find_title || repeats(t)));
        let heading = heading.filter(|_| find_title);
        let title = match heading {
            Some(t) => Some(t),
            None if find_title => first_line(shown),
            None => None,
        };
        // Raw HTML before the first Markdown paragraph (a CMS export's `<p>` lede) would be
        // left out of a summary of Markdown paragraphs: none here, and the caller summarises
        // the whole body's HTML instead.
        let html_first = shown
            .iter()
            .find_map(|e| match e {
                Event::Html(h) if has_text(h) => Some(true),
                Event::Start(Tag::Paragraph) => Some(false),
                _ => None,
            })
            .unwrap_or(false);
        let summary = if html_first {
            String::new()
        } else {
            summary(shown)
        };
        (h1, title, summary)
    };
    drop(blanked);
    // The heading that gave the title is the title: not again in the body.
    if let Some((start, len)) = h1 {
        events.drain(start..=start + len);
    }
    let mut out = String::with_capacity(body.len() + body.len() / 4);
    // After the title's heading is out, so that the first of its name elsewhere gets the id.
    heading_ids(&mut events);
    html::push_html(&mut out, events.into_iter());
    Rendered {
        html: out,
        title,
        summary,
        raw_html,
    }
}

/// Whether a piece of raw HTML has text outside its tags and comments (a `<p>` lede does; an
/// embed's `<script src>` or a `<!-- wp:paragraph -->` marker does not).
fn has_text(html: &str) -> bool {
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        if !rest[..lt].trim().is_empty() {
            return true;
        }
        let close = if rest[lt..].starts_with("<!--") {
            "-->"
        } else {
            ">"
        };
        match rest[lt..].find(close) {
            Some(end) => rest = &rest[lt + end + close.len()..],
            None => return false,
        }
    }
    !rest.trim().is_empty()
}

/// Remove the start and end events of every link and image whose destination ammonia would
/// strip; what they enclose (link text, image alt text) stays as plain content.
fn drop_unsafe_urls(events: &mut Vec<Event<'_>>) {
    // Per open link/image: whether its start was dropped (links and images nest in each other).
    let mut open: Vec<bool> = Vec::new();
    let mut any_dropped = false;
    let mut keep: Vec<bool> = Vec::with_capacity(events.len());
    for e in events.iter() {
        let kept = match e {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                let allowed = url_allowed(dest_url);
                open.push(!allowed);
                allowed
            }
            Event::End(TagEnd::Link | TagEnd::Image) => !open.pop().unwrap_or(false),
            _ => true,
        };
        any_dropped |= !kept;
        keep.push(kept);
    }
    if any_dropped {
        let mut flags = keep.into_iter();
        events.retain(|_| flags.next().unwrap_or(true));
    }
}

fn text_of<'a>(event: &'a Event<'_>) -> Option<&'a str> {
    match event {
        Event::Text(t) | Event::Code(t) => Some(t),
        _ => None,
    }
}

fn join_cjk_soft_breaks(events: &mut [Event<'_>]) {
    for i in 1..events.len().saturating_sub(1) {
        if !matches!(events[i], Event::SoftBreak) {
            continue;
        }
        let before = text_of(&events[i - 1]).and_then(|t| t.chars().next_back());
        let after = text_of(&events[i + 1]).and_then(|t| t.chars().next());
        if before.is_some_and(is_cjk) && after.is_some_and(is_cjk) {
            events[i] = Event::Text(CowStr::Borrowed(""));
        }
    }
}

/// Where the first top-level level-1 heading is: its start event and how many events up to
/// its end. One in a quote, list or footnote is part of that block, not the article's title
/// (taking it out would leave an empty `<blockquote>` or `<li>`).
fn h1_range(events: &[Event<'_>]) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let start = events.iter().position(|e| {
        match e {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) => return depth == 0,
            Event::Start(
                Tag::BlockQuote(_) | Tag::List(_) | Tag::FootnoteDefinition(_) | Tag::Table(_),
            ) => depth += 1,
            Event::End(
                TagEnd::BlockQuote(_)
                | TagEnd::List(_)
                | TagEnd::FootnoteDefinition
                | TagEnd::Table,
            ) => depth = depth.saturating_sub(1),
            _ => {}
        }
        false
    })?;
    let len = events[start..]
        .iter()
        .position(|e| matches!(e, Event::End(TagEnd::Heading(HeadingLevel::H1))))?;
    Some((start, len))
}

/// The heading, of any level, that opens the body: its start event and how many events up to
/// its end. Without a level-1 heading it is the title (`## Intro` would show twice otherwise).
fn opening_heading(events: &[Event<'_>]) -> Option<(usize, usize)> {
    let Some(Event::Start(Tag::Heading { level, .. })) = events.first() else {
        return None;
    };
    let len = events
        .iter()
        .position(|e| matches!(e, Event::End(TagEnd::Heading(l)) if l == level))?;
    Some((0, len))
}

/// The text of a heading's events, if it has any.
fn h1_text(heading: &[Event<'_>]) -> Option<String> {
    let mut raw = String::new();
    for e in heading {
        match e {
            Event::SoftBreak | Event::HardBreak => raw.push(' '),
            e => raw.push_str(text_of(e).unwrap_or("")),
        }
    }
    let mut title = String::new();
    join_line(&mut title, &raw);
    Some(title).filter(|t| !t.is_empty())
}

/// `events` with the text inside inline `<script>` and `<style>` elements blanked: pulldown-cmark
/// gives it as text between two inline HTML events.
/// `None` when there is no such text.
fn without_raw_text<'a>(events: &[Event<'a>]) -> Option<Vec<Event<'a>>> {
    let opens = |html: &str, name: &str| {
        html.get(..name.len() + 1)
            .is_some_and(|h| h.eq_ignore_ascii_case(&format!("<{name}")))
            && html[name.len() + 1..].starts_with(|c: char| c == '>' || c.is_whitespace())
    };
    let mut inside: Option<&str> = None;
    let mut out: Option<Vec<Event<'a>>> = None;
    for (i, e) in events.iter().enumerate() {
        match e {
            Event::InlineHtml(h) | Event::Html(h) => {
                let h = h.trim_start();
                match inside {
                    Some(name) if opens(h, &format!("/{name}")) => inside = None,
                    Some(_) => {}
                    // Unless it closes in the same event (`<script src=…></script>` on a line).
                    None => {
                        inside = ["script", "style"].into_iter().find(|n| {
                            opens(h, n) && !h.to_ascii_lowercase().contains(&format!("</{n}"))
                        })
                    }
                }
            }
            Event::Text(_) | Event::Code(_) if inside.is_some() => {
                out.get_or_insert_with(|| events.to_vec())[i] = Event::Text(CowStr::Borrowed(""));
            }
            _ => {}
        }
    }
    out
}

/// The first line of text in the body.
fn first_line(events: &[Event<'_>]) -> Option<String> {
    let mut line = String::new();
    for e in events {
        match e {
            // Inline markup (`**bold** start`) is part of the line; a block's end ends it.
            Event::End(
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Image,
            ) => {}
            Event::SoftBreak | Event::HardBreak | Event::End(_) if !line.trim().is_empty() => break,
            e => line.push_str(text_of(e).unwrap_or("")),
        }
    }
    let mut title = String::new();
    join_line(&mut title, &line);
    Some(title).filter(|t| !t.is_empty())
}

/// Summary from paragraph text, outside footnotes, images and tables.
/// Jekyll's `{% highlight lang %}` … `{% endhighlight %}` and Hugo's `{{< highlight lang >}}` …
/// `{{< /highlight >}}`, each tag on a line of its own, as fenced code blocks, and Jekyll's
/// `{% raw %}` and `{% endraw %}` lines left out: a blog moved in from those tools had its code
/// read as Markdown (a `# comment` became the title, `__init__` bold). Jekyll's `{% comment %}`
/// … `{% endcomment %}` and Obsidian's `%%` … `%%` are left out with what they hold: notes the
/// author's tool never published. Tags in code (a fenced or indented block, a `<pre>`) are the
/// code's, and a block that is never closed is text.
fn template_code_blocks(body: &str) -> Cow<'_, str> {
    if !body.contains("{%") && !body.contains("{{<") && !body.contains("%%") {
        return Cow::Borrowed(body);
    }
    // Longer than any run of backticks in the text, so no line of the code closes it.
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let lines: Vec<&str> = body.split_inclusive('\n').collect();
    let tags: Vec<Option<(&str, &str)>> = in_text(&lines)
        .map(|(line, text)| text.then(|| template_tag(line)).flatten())
        .collect();
    // The last closing tag: an opening one after it is never closed.
    let last_end = tags
        .iter()
        .rposition(|t| matches!(t, Some(("endhighlight" | "/highlight", _))));
    let last_end_comment = tags
        .iter()
        .rposition(|t| matches!(t, Some(("endcomment", _))));
    let mut out = String::with_capacity(body.len() + 64);
    let mut open = false;
    let mut comment = false;
    for (i, (line, tag)) in lines.iter().zip(&tags).enumerate() {
        match (tag, comment) {
            (Some(("comment", "")), false) if last_end_comment.is_some_and(|e| e > i) => {
                comment = true;
                continue;
            }
            (Some(("endcomment", "")), true) => {
                comment = false;
                continue;
            }
            (_, true) => continue,
            _ => {}
        }
        match (tag, open) {
            (Some(("highlight", lang)), false) if last_end.is_some_and(|e| e > i) => {
                out.push_str(&fence);
                out.push_str(lang);
                out.push('\n');
                open = true;
            }
            (Some(("endhighlight" | "/highlight", _)), true) => {
                out.push_str(&fence);
                out.push('\n');
                open = false;
            }
            (Some(("raw" | "endraw", "")), _) => {}
            _ => out.push_str(line),
        }
    }
    if let Cow::Owned(without) = obsidian_comments(&out) {
        return Cow::Owned(without);
    }
    Cow::Owned(out)
}

/// `body` without Obsidian's comments where nothing else can be meant: a text line that is
/// `%% ... %%` as a whole, or the lines from one that is `%%` alone to the next such line. A
/// `%%` inside prose, a table or a URL is left alone: printf formats, `50%%` and the like are
/// text.
fn obsidian_comments(body: &str) -> Cow<'_, str> {
    if !body.contains("%%") {
        return Cow::Borrowed(body);
    }
    let lines: Vec<&str> = body.split_inclusive('\n').collect();
    let text: Vec<bool> = in_text(&lines).map(|(_, text)| text).collect();
    let fence = |i: usize| text[i] && lines[i].trim() == "%%";
    let last_fence = (0..lines.len()).rev().find(|&i| fence(i));
    let whole = |line: &str| {
        let t = line.trim();
        t.len() > 4 && t.starts_with("%%") && t.ends_with("%%") && t.matches("%%").count() == 2
    };
    let mut out = String::with_capacity(body.len());
    let mut inside = false;
    let mut changed = false;
    for (i, line) in lines.iter().enumerate() {
        if inside {
            inside = !fence(i);
            continue;
        }
        if fence(i) && last_fence.is_some_and(|last| last > i) {
            inside = true;
            changed = true;
        } else if text[i] && whole(line) {
            changed = true;
        } else {
            out.push_str(line);
        }
    }
    match changed {
        true => Cow::Owned(out),
        false => Cow::Borrowed(body),
    }
}

/// `{% name arg ... %}` or `{{< name arg ... >}}` filling a line from its first column (an
/// indented one is in a list item or code): the name and the first argument, unquoted (`""`
/// when there is none).
fn template_tag(line: &str) -> Option<(&str, &str)> {
    if line.starts_with([' ', '\t']) {
        return None;
    }
    let t = line.trim();
    let inner = t
        .strip_prefix("{%")
        .and_then(|r| r.strip_suffix("%}"))
        .or_else(|| t.strip_prefix("{{<").and_then(|r| r.strip_suffix(">}}")))?
        .trim()
        .trim_matches('-');
    let mut words = inner.split_whitespace();
    let name = words.next()?;
    let arg = words.next().unwrap_or("").trim_matches('"');
    Some((name, arg))
}

/// Each line with whether it is Markdown text: inside a fenced code block (its fence lines
/// included), a raw `<pre>` element or another HTML block (up to a blank line), it is not.
fn in_text<'a>(lines: &'a [&'a str]) -> impl Iterator<Item = (&'a str, bool)> + 'a {
    let mut fence: Option<(u8, usize)> = None;
    let mut pre = false;
    let mut html = false;
    lines.iter().map(move |&line| {
        let t = line.trim();
        let indent = line.len() - line.trim_start_matches(' ').len();
        let run = |c: u8| t.bytes().take_while(|&b| b == c).count();
        let marker = [b'`', b'~']
            .into_iter()
            .map(|c| (c, run(c)))
            .find(|&(_, n)| n >= 3)
            .filter(|_| indent < 4);
        match (fence, marker) {
            (None, Some(m)) if !pre => {
                fence = Some(m);
                return (line, false);
            }
            (Some((c, n)), Some((mc, mn))) if mc == c && mn >= n && t.len() == mn => {
                fence = None;
                return (line, false);
            }
            (Some(_), _) => return (line, false),
            _ => {}
        }
        if t.is_empty() {
            html = false;
        } else if indent < 4
            && t.strip_prefix('<')
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/'))
        {
            html = true;
        }
        let lower = t.to_ascii_lowercase();
        let was_pre = pre;
        if lower.contains("<pre") {
            pre = true;
        }
        if lower.contains("</pre") {
            pre = false;
        }
        (line, !was_pre && !pre && !html)
    })
}

fn summary(events: &[Event<'_>]) -> String {
    let mut collector = Collector::default();
    let mut paragraph: Option<String> = None;
    let mut excluded = 0usize;
    for e in events {
        match e {
            Event::Start(Tag::FootnoteDefinition(_) | Tag::Image { .. } | Tag::Table(_)) => {
                excluded += 1
            }
            Event::End(TagEnd::FootnoteDefinition | TagEnd::Image | TagEnd::Table) => {
                excluded = excluded.saturating_sub(1)
            }
            Event::Start(Tag::Paragraph) if excluded == 0 => paragraph = Some(String::new()),
            Event::End(TagEnd::Paragraph) => {
                if let Some(p) = paragraph.take() {
                    collector.push(&p);
                    if !collector.wants_more() {
                        break;
                    }
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(p) = paragraph.as_mut() {
                    p.push('\n');
                }
            }
            Event::Html(html) | Event::InlineHtml(html) if is_more_marker(html) => {
                if let Some(p) = paragraph.take() {
                    collector.push(&p);
                }
                return collector.finish();
            }
            e => {
                if let (Some(p), Some(t), 0) = (paragraph.as_mut(), text_of(e), excluded) {
                    p.push_str(t);
                }
            }
        }
    }
    collector.finish()
}

/// Whether `html` is the excerpt separator of Hugo, Jekyll, Hexo, Zola and WordPress,
/// `<!--more-->` (`<!-- more -->` in Hexo's spelling): the author's own end of the summary.
fn is_more_marker(html: &str) -> bool {
    html.trim()
        .strip_prefix("<!--")
        .and_then(|rest| rest.strip_suffix("-->"))
        .is_some_and(|inner| inner.trim().eq_ignore_ascii_case("more"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_of_jekyll_and_obsidian_are_left_out() {
        let md = "Public intro.\n\n{% comment %}\nPRIVATE liquid note\n{% endcomment %}\n\n%% PRIVATE line %%\n\nVisible text.\n\n%%\nPRIVATE block\nover lines\n%%\n\nEnd.\n";
        let r = render(md, Some("T"), true);
        assert!(!r.html.contains("PRIVATE"), "{}", r.html);
        assert!(!r.summary.contains("PRIVATE"), "{}", r.summary);
        for kept in ["Public intro.", "Visible text.", "End."] {
            assert!(r.html.contains(kept), "{kept}: {}", r.html);
        }
        // In code, in prose, in a table or a URL, `%%` is text.
        let code = "Use `printf(\"%%d\")` here.\n\n```\n%% not a comment %%\n```\n\nSales rose 50%% in May.\n\nMiddle.\n\nThey fell 20%% too, see <http://x.example/a%%b>.\n\n| a %% b | 5 %% 3 |\n|---|---|\n| x | y |\n";
        let r = render(code, Some("T"), true);
        for kept in [
            "%%d",
            "%% not a comment %%",
            "50%% in May",
            "Middle.",
            "20%% too",
            "a%%b",
            "5 %% 3",
        ] {
            assert!(r.html.contains(kept), "{kept}: {}", r.html);
        }
        // An unclosed `{% comment %}` hides nothing.
        let r = render("A.\n\n{% comment %}\nB.\n", Some("T"), true);
        assert!(r.html.contains("B."), "{}", r.html);
    }

    #[test]
    fn the_more_marker_ends_the_summary() {
        for marker in ["<!--more-->", "<!-- more -->", "<!--More-->"] {
            let md = format!("Teaser only.\n\n{marker}\n\nThe rest of the post.\n");
            let r = render(&md, Some("T"), true);
            assert_eq!(r.summary, "Teaser only.", "{marker}");
            assert!(r.html.contains("The rest of the post."), "{}", r.html);
        }
        let inline = render("Teaser, <!--more--> then the rest.\n", Some("T"), true);
        assert_eq!(inline.summary, "Teaser,");
        // Another comment is not a separator.
        let other = render("One.\n\n<!-- moreover -->\n\nTwo.\n", Some("T"), true);
        assert_eq!(other.summary, "One. Two.");
    }

    #[test]
    fn jekyll_and_hugo_highlight_tags_are_code_blocks() {
        let jekyll = "Intro.\n\n{% highlight python linenos %}\n# compute things\nclass Foo:\n    def __init__(self, *args):\n{% endhighlight %}\n\n{% raw %}\n{{ not liquid }}\n{% endraw %}\n";
        let r = render(jekyll, None, true);
        assert_eq!(r.title.as_deref(), Some("Intro."));
        assert!(
            r.html.contains("<pre><code class=\"language-python\"># compute things\nclass Foo:\n    def __init__(self, *args):\n</code></pre>"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("raw %"), "{}", r.html);
        let hugo = "{{< highlight go \"linenos=table\" >}}\nfunc main() { x := `a` }\n{{< /highlight >}}\n";
        let r = render(hugo, Some("T"), true);
        assert!(
            r.html
                .contains("<code class=\"language-go\">func main() { x := `a` }\n</code>"),
            "{}",
            r.html
        );
        // Inside a Markdown code block, the tags are the code's (a post about Jekyll).
        let about =
            "```liquid\n{% highlight ruby %}\nx\n{% endhighlight %}\n{% raw %}\n```\n\nAfter.\n";
        let r = render(about, Some("T"), true);
        assert!(
            r.html
                .contains("{% highlight ruby %}\nx\n{% endhighlight %}\n{% raw %}\n</code></pre>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<p>After.</p>"), "{}", r.html);
        // Indented code, code in a list item, a `<pre>`, and a block never closed stay as written.
        for text in [
            "Intro.\n\n    {% highlight ruby %}\n    puts 1\n    {% endhighlight %}\n",
            "- item\n\n      {% raw %}\n      {{ x }}\n      {% endraw %}\n",
            "<pre>\n{% highlight ruby %}\nputs 1\n{% endhighlight %}\n</pre>\n",
            "Intro.\n\n{% highlight ruby %}\nputs 1\n\nLater prose.\n",
            "<div>\n{% highlight ruby %}\nputs 1\n{% endhighlight %}\n</div>\n",
            "1. step\n\n   {% highlight sh %}\n   ls\n   {% endhighlight %}\n",
        ] {
            assert_eq!(template_code_blocks(text), text, "{text:?}");
        }
        // Inline or unmatched tags are left as written.
        let r = render(
            "Use {% highlight %} inline.\n\n{% endhighlight %}\n",
            Some("T"),
            true,
        );
        assert!(r.html.contains("Use {% highlight %} inline."), "{}", r.html);
        assert!(r.html.contains("<p>{% endhighlight %}</p>"), "{}", r.html);
    }

    #[test]
    fn inline_script_and_style_text_is_no_title_or_summary() {
        let r = render(
            "# Hello <script>evil()</script> there\n\nText <style>p{}</style>and <SCRIPT type=x>steal()</SCRIPT>more.\n",
            None,
            true,
        );
        assert_eq!(r.title.as_deref(), Some("Hello there"));
        assert_eq!(r.summary, "Text and more.");
        // The body keeps the raw HTML for the sanitizer (or an author who allows scripts).
        assert!(r.html.contains("steal()"), "{}", r.html);
        // A first line as the title, too.
        let r = render("Hi <script>x()</script>all\n", None, true);
        assert_eq!(r.title.as_deref(), Some("Hi all"));
        // An element opened and closed in one HTML block hides nothing after it.
        let r = render(
            "<script src=\"https://example.org/embed.js\"></script>\n\nRiverside night market.\n",
            None,
            true,
        );
        assert_eq!(r.title.as_deref(), Some("Riverside night market."));
        assert_eq!(r.summary, "Riverside night market.");
    }

    #[test]
    fn titles() {
        let cases = [
            (
                "# Hello *world*\n\nBody.",
                Some("Hello world"),
                "<p>Body.</p>\n",
            ),
            (
                "Intro line\nsecond\n\n# Later heading\n",
                Some("Later heading"),
                "<p>Intro line\nsecond</p>\n",
            ),
            (
                "## Not h1\n\n**Bold** start\nnext",
                Some("Not h1"),
                "<p><strong>Bold</strong> start\nnext</p>\n",
            ),
            // A level-1 heading further down is the title before an opening one of another
            // level.
            (
                "## Intro\n\n# Title\n\ntext",
                Some("Title"),
                "<h2 id=\"intro\">Intro</h2>\n<p>text</p>\n",
            ),
            ("Setext\n===\n\ntext", Some("Setext"), "<p>text</p>\n"),
            ("", None, ""),
            ("#\n\nx", Some("x"), "<h1></h1>\n<p>x</p>\n"),
            // Inline markup does not end the first line.
            (
                "**Bold** start, *em* and [a link](x) ~~gone~~ `code` end\nnext",
                Some("Bold start, em and a link gone code end"),
                "<p><strong>Bold</strong> start, <em>em</em> and <a href=\"x\">a link</a> <del>gone</del> <code>code</code> end\nnext</p>\n",
            ),
            ("- *item* one\n- two\n", Some("item one"), "<ul>\n<li><em>item</em> one</li>\n<li>two</li>\n</ul>\n"),
            // A heading inside a quote or a list stays where it is.
            (
                "> # Quoted heading\n\nText.\n",
                Some("Quoted heading"),
                "<blockquote>\n<h1 id=\"quoted-heading\">Quoted heading</h1>\n</blockquote>\n<p>Text.</p>\n",
            ),
            (
                "- # list heading\n\n# Real\n",
                Some("Real"),
                "<ul>\n<li>\n<h1 id=\"list-heading\">list heading</h1>\n</li>\n</ul>\n",
            ),
        ];
        for (input, title, html) in cases {
            let r = render(input, None, true);
            assert_eq!(
                (r.title.as_deref(), r.html.as_str()),
                (title, html),
                "{input:?}"
            );
        }
        assert_eq!(
            render("# Kept\n", Some("Other"), true).html,
            "<h1 id=\"kept\">Kept</h1>\n"
        );
        // A heading that opens the body and repeats the front matter title is the title.
        let r = render(
            "# Hello,  *feedpub*\n\nBody.\n",
            Some("Hello, feedpub"),
            true,
        );
        assert_eq!(r.html, "<p>Body.</p>\n");
        assert_eq!(r.title, None);
        // Not one further down, nor another heading.
        let later = "Intro.\n\n# Hello\n";
        assert!(render(later, Some("Hello"), true)
            .html
            .contains("<h1 id=\"hello\">Hello</h1>"));
    }

    #[test]
    fn headings_get_ids_for_links_to_land() {
        let r = render(
            "# Title\n\nIntro.\n\n## Notes & Sources\n\n## Notes & Sources\n\n### 第二部分：数据\n\n## Notes\n\n## Title\n\n## a-1\n\n## a\n\n## a\n\nSee[^notes].\n\n[^notes]: A note.\n",
            None,
            true,
        );
        for want in [
            "<h2 id=\"notes--sources\">Notes &amp; Sources</h2>",
            "<h2 id=\"notes--sources-1\">Notes &amp; Sources</h2>",
            "<h3 id=\"第二部分数据\">第二部分：数据</h3>",
            // Not the footnote's id; the title's heading is gone, so its name is free.
            "<h2 id=\"notes-1\">Notes</h2>",
            "<h2 id=\"title\">Title</h2>",
            "<h2 id=\"a-1\">a-1</h2>",
            "<h2 id=\"a\">a</h2>",
            "<h2 id=\"a-2\">a</h2>",
        ] {
            assert!(r.html.contains(want), "{want} in {}", r.html);
        }
        // Attributes are not taken from the heading's text: no `onclick`, and the text stays.
        let r = render("## Hello {#ok onclick=alert(1) .cls}\n", Some("T"), true);
        assert_eq!(
            r.html,
            "<h2 id=\"hello-ok-onclickalert1-cls\">Hello {#ok onclick=alert(1) .cls}</h2>\n"
        );
        // Thousands of repeats take linear time.
        let started = std::time::Instant::now();
        render(&"## a\n\n".repeat(20_000), Some("T"), true);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn extensions_and_cjk_wraps() {
        let r = render("| a | b |\n|:-:|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n~~old~~ new[^n]\n\n[^n]: note\n", Some("T"), true);
        for part in [
            "<table>",
            "text-align: center",
            "<input disabled=\"\" type=\"checkbox\" checked=\"\"/>",
            "<del>old</del>",
            "footnote-reference",
            "footnote-definition",
        ] {
            assert!(r.html.contains(part), "{part} in {}", r.html);
        }
        assert_eq!(r.summary, "old new");
        let r = render("第一行\n第二行。\nEnglish\nwrap", Some("T"), true);
        assert_eq!(r.html, "<p>第一行第二行。\nEnglish\nwrap</p>\n");
        assert_eq!(r.summary, "第一行第二行。English wrap");
    }

    #[test]
    fn pathological_input_does_not_panic() {
        let inputs = [
            "[".repeat(10_000),
            ">".repeat(10_000),
            "*a **b".repeat(2_000),
            "- ".repeat(5_000),
            "|a|\n|-|\n".repeat(1_000),
            "[^a]: [^a]\n".repeat(100),
            "\u{0}\u{1}&#0;&#1;&#xD800;".to_string(),
        ];
        for input in inputs {
            let _ = render(&input, None, true);
        }
    }
}
