use super::*;

fn kinds(src: &str) -> Vec<String> {
    Lexer::new(src)
        .map(|t| match t {
            Token::Text(t) => format!("T:{t}"),
            Token::Tag {
                name,
                end,
                attrs,
                range,
            } => {
                let attrs: Vec<String> = attrs
                    .iter()
                    .map(|a| format!("{}={}@{}", a.name, a.value, &src[a.span.clone()]))
                    .collect();
                format!(
                    "{}{name}[{}]{}..{}",
                    if end { "/" } else { "" },
                    attrs.join(","),
                    range.start,
                    range.end
                )
            }
            Token::Other(r) => format!("O:{}", &src[r]),
        })
        .collect()
}

#[test]
fn lexing() {
    let cases: [(&str, &[&str]); 11] = [
        ("a<b>c</b>", &["T:a", "b[]1..4", "T:c", "/b[]5..9"]),
        (
            r#"<a href="x" title='y' data-z=w checked>"#,
            &[r#"a[href=x@"x",title=y@'y',data-z=w@w,checked=@]0..39"#],
        ),
        ("<p>1 < 2</p>", &["p[]0..3", "T:1 ", "T:< 2", "/p[]8..12"]),
        ("<!-- <a href=x> -->t", &["O:<!-- <a href=x> -->", "T:t"]),
        (
            "<script>if (a<b) x='</p>'</script>",
            &["script[]0..8", "T:if (a<b) x='</p>'", "/script[]25..34"],
        ),
        ("<style></style>", &["style[]0..7", "T:", "/style[]7..15"]),
        ("中<b>文", &["T:中", "b[]3..6", "T:文"]),
        ("<a href=\"x", &["a[href=x@\"x]0..10"]),
        (
            "<style>1<2</</style>",
            &["style[]0..7", "T:1<2</", "/style[]12..20"],
        ),
        (
            r#"<a title='x"y' href="a'b">"#,
            &[r#"a[title=x"y@'x"y',href=a'b@"a'b"]0..26"#],
        ),
        ("<!x>t<?y", &["O:<!x>", "T:t", "O:<?y"]),
    ];
    for (src, want) in cases {
        assert_eq!(kinds(src), want, "{src}");
    }
}

#[test]
fn entities() {
    let cases = [
        ("a &amp; b", "a & b"),
        ("&lt;p&gt; &quot;q&quot; &#39;s&#x4E2D;", "<p> \"q\" 's中"),
        (
            "AT&T &unknown; & &#; &#xZZ; &amp",
            "AT&T &unknown; & &#; &#xZZ; &amp",
        ),
        (
            "&#0;&#xD800;&#99999999999;",
            "\u{FFFD}\u{FFFD}&#99999999999;",
        ),
        ("&hellip;&mdash;&nbsp;", "…—\u{A0}"),
        // 128-159 are windows-1252's, as in HTML5 (old CMSes write them); 129 has none.
        (
            "Don&#146;t &#150; &#x93;it&#148; &#128;5 &#159;&#129;",
            "Don’t – “it” €5 Ÿ\u{81}",
        ),
        (
            "Caf&eacute; in K&ouml;ln &rarr; &Omega;",
            "Café in Köln → Ω",
        ),
        // Two code points for one name.
        ("&NotEqualTilde;", "\u{2242}\u{338}"),
        // Legacy names without `;` stay as written (HTML decodes some of them in text).
        ("&copy 2026 &eacute", "&copy 2026 &eacute"),
    ];
    for (input, want) in cases {
        assert_eq!(decode_entities(input), want, "{input}");
    }
}

#[test]
fn any_bytes_lex_without_panic() {
    let pieces = [
        "<", ">", "</", "<!--", "-->", "<a", " href=", "\"", "'", "=", "中", "é", "<script>",
        "</script", "&", "&#x", ";", "/", " ",
    ];
    let mut seed = 7_u32;
    for _ in 0..2_000 {
        let mut s = String::new();
        for _ in 0..12 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            s.push_str(pieces[(seed >> 16) as usize % pieces.len()]);
        }
        let total: usize = Lexer::new(&s).count();
        assert!(total <= s.len() + 1, "{s:?}");
        let _ = decode_entities(&s);
    }
}

#[test]
fn escaping() {
    let cases = [
        (
            "a<b>&\"c\"",
            "a&lt;b&gt;&amp;\"c\"",
            "a&lt;b>&amp;&quot;c&quot;",
        ),
        ("中文", "中文", "中文"),
        ("", "", ""),
    ];
    for (input, text, attr) in cases {
        let (mut t, mut a) = (String::new(), String::new());
        escape_text(&mut t, input);
        escape_attr(&mut a, input);
        assert_eq!((t.as_str(), a.as_str()), (text, attr), "{input}");
    }
}
