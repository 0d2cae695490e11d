use super::*;

fn html_of(text: &str) -> String {
    render(text).html
}

#[test]
fn titles_and_blank_lines() {
    let cases = [
        ("\n\u{3000}\u{3000}\n  标题  \n正文。", Some("标题")),
        ("Title\n\nBody", Some("Title")),
        ("", None),
        (" \n\u{3000}\n\t\n", None),
        // Lines of zero-width spaces (a CMS export) are blank too.
        (
            "\u{200B}\n\u{200B}\u{3000}标题\u{200B}\n正文。",
            Some("标题"),
        ),
        ("\u{200B}\u{2060}\n", None),
    ];
    for (input, want) in cases {
        assert_eq!(render(input).title.as_deref(), want, "{input:?}");
    }
}

#[test]
fn paragraphs() {
    let cases = [
        (
            "T\n\nOne line\nwrapped here.\n\nTwo & <three>.",
            "<p>One line wrapped here.</p>\n<p>Two &amp; &lt;three&gt;.</p>\n",
        ),
        (
            "T\n\n第一段第一行\n第一段第二行。\n\u{3000}\n第二段。",
            "<p>第一段第一行第一段第二行。</p>\n<p>第二段。</p>\n",
        ),
        (
            "T\n\u{3000}\u{3000}第一段，硬换行\n接着写完。\n\u{3000}\u{3000}第二段。",
            "<p>第一段，硬换行接着写完。</p>\n<p>第二段。</p>\n",
        ),
        (
            "T\n\n每行一段。\n又一段。\n第三段。",
            "<p>每行一段。</p>\n<p>又一段。</p>\n<p>第三段。</p>\n",
        ),
        (
            "T\n\n  Indented para one\ncontinued.\n  Indented two.",
            "<p>Indented para one continued.</p>\n<p>Indented two.</p>\n",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(html_of(input), want, "{input:?}");
    }
}

#[test]
fn newspaper_page() {
    let page = "春节假期旅游收入创新高\n——全市接待游客逾百万人次\n□ 记者 张三 文/图\n\n\u{3000}\u{3000}本报讯 今年春节假期，全市共接待游客一百二十万人次，同比增长百分之二十。\n\u{3000}\u{3000}据介绍，各景区推出了丰富多彩的活动。\n\n一、文旅活动精彩纷呈\n\n\u{3000}\u{3000}庙会、灯展吸引了大量市民。\n图为市民在庙会上观看表演。 张三 摄\n\n※※※\n\n春运平稳有序\n□ 通讯员 李四\n\u{3000}\u{3000}春运期间，全市铁路发送旅客五十万人次。\n";
    let r = render(page);
    assert_eq!(r.title.as_deref(), Some("春节假期旅游收入创新高"));
    let want = "<p class=\"subtitle\"><strong>——全市接待游客逾百万人次</strong></p>\n\
<p class=\"byline\">□ 记者 张三 文/图</p>\n\
<p>本报讯 今年春节假期，全市共接待游客一百二十万人次，同比增长百分之二十。</p>\n\
<p>据介绍，各景区推出了丰富多彩的活动。</p>\n\
<h3>一、文旅活动精彩纷呈</h3>\n\
<p>庙会、灯展吸引了大量市民。</p>\n\
<p class=\"caption\"><small>图为市民在庙会上观看表演。 张三 摄</small></p>\n\
<hr>\n\
<h2>春运平稳有序</h2>\n\
<p class=\"byline\">□ 通讯员 李四</p>\n\
<p>春运期间，全市铁路发送旅客五十万人次。</p>\n";
    assert_eq!(r.html, want);
    assert_eq!(
        r.author.as_deref(),
        Some("张三"),
        "the first story's byline"
    );
    assert_eq!(r.summary, "本报讯 今年春节假期，全市共接待游客一百二十万人次，同比增长百分之二十。据介绍，各景区推出了丰富多彩的活动。庙会、灯展吸引了大量市民。春运期间，全市铁路发送旅客五十万人次。");
}

#[test]
fn two_stories_without_rule() {
    let page = "第一篇\n□ 记者 张三\n\u{3000}\u{3000}第一篇正文。\n\n第二篇标题\n□ 记者 李四\n\u{3000}\u{3000}第二篇正文。";
    let html = html_of(page);
    assert!(
        html.contains("<h2>第二篇标题</h2>\n<p class=\"byline\">□ 记者 李四</p>"),
        "{html}"
    );
}

#[test]
fn subtitle_only_right_under_the_title() {
    // A short line right under the title is a sub-headline; after a blank line it is a heading
    // only if it stands alone and no sub-headline dash is used.
    assert!(
        html_of("标题\n副标题文字\n\u{3000}\u{3000}正文。").starts_with("<p class=\"subtitle\">")
    );
    assert!(html_of("Title\nShort line\nmore").starts_with("<p>Short line more</p>"));
}

#[test]
fn byline_names() {
    let cases = [
        ("□ 记者 张三 文/图", Some("张三")),
        ("■ 本报记者 李四 王五", Some("李四、王五")),
        ("记者 张三 通讯员 李四 摄", Some("张三、李四")),
        ("文/张三", Some("张三")),
        ("作者：欧阳修远", Some("欧阳修远")),
        ("新华社记者 赵六", Some("赵六")),
        ("本报记者陈七", Some("陈七")),
        ("□ 记者 买买提·艾力 报道", Some("买买提·艾力")),
        ("张三摄", Some("张三")),
        ("记者 文静 张晓文", Some("文静、张晓文")),
        ("（记者 张三）", Some("张三")),
        ("新华社记者 张三", Some("张三")),
        ("作者：王五（北京大学教授）", Some("王五")),
        ("本报记者 张三 摄影报道", Some("张三")),
        // A role glued to a word, not a name.
        ("记者手记", None),
        ("记者观察", None),
        ("记者调查：城中村改造难在哪", None),
        ("记者从市政府获悉", None),
        ("通讯员报道组", None),
        // Anything that is not plainly names gives no author.
        ("□ 记者 Zhang San", None),
        ("□ 本报综合", None),
        ("□ 张三", None),
        ("□ 记者", None),
    ];
    for (line, want) in cases {
        assert_eq!(super::byline_names(line).as_deref(), want, "{line:?}");
    }
}

#[test]
fn a_second_storys_byline_is_not_the_author() {
    let page = "第一篇\n\u{3000}\u{3000}第一篇正文。\n\n第二篇标题\n□ 记者 李四\n\u{3000}\u{3000}第二篇正文。";
    assert!(html_of(page).contains("<p class=\"byline\">□ 记者 李四</p>"));
    assert_eq!(render(page).author, None);
}

#[test]
fn quoted_sentence_ends_and_notes_are_not_headings() {
    // One paragraph per indented line, as newsrooms file copy.
    let text = "标题\n\n\u{3000}\u{3000}夜幕降临，街头巷尾灯火通明。\n\u{3000}\u{3000}市民赵女士说：“晚上出来逛逛，感觉很放松。”\n\u{3000}\u{3000}她又问：“明天还来吗？”\n\u{3000}\u{3000}一位摊主笑着说——\n\u{3000}\u{3000}据统计，今年以来夜间消费额同比增长。\n（完）\n";
    let r = render(text);
    assert!(!r.html.contains("<h3>"), "{}", r.html);
    assert!(
        r.html
            .contains("<p>市民赵女士说：“晚上出来逛逛，感觉很放松。”</p>"),
        "{}",
        r.html
    );
    assert!(r.summary.contains("晚上出来逛逛"), "{}", r.summary);
    // A real section heading still is one.
    let r = render(
        "标题\n\n\u{3000}\u{3000}正文第一段。\n\n一、基本情况\n\n\u{3000}\u{3000}正文第二段。\n\n【编者按】\n\n\u{3000}\u{3000}正文第三段。\n",
    );
    assert!(r.html.contains("<h3>【编者按】</h3>"), "{}", r.html);
    assert!(r.html.contains("<h3>一、基本情况</h3>"), "{}", r.html);
}

#[test]
fn bylines_name_people_not_words() {
    let author = |line: &str| {
        render(&format!(
            "标题\n\n　　正文开头一段话。\n\n{line}\n\n　　正文第二段内容。\n"
        ))
        .author
    };
    for line in ["记者手记", "记者观察", "记者从市政府获悉", "通讯员报道组"] {
        assert_eq!(author(line), None, "{line}");
    }
    for (line, name) in [
        ("新华社记者 张三", "张三"),
        ("（记者 张三）", "张三"),
        ("本报记者李四", "李四"),
        ("本报记者张三报道", "张三"),
        ("记者张三摄影报道", "张三"),
        ("记者买买提·艾力", "买买提·艾力"),
    ] {
        assert_eq!(author(line).as_deref(), Some(name), "{line}");
    }
    // A byline whose glued name cannot be told from a word still is one, without an author;
    // photo credits are captions, whoever they name.
    let html = |line: &str| {
        render(&format!(
            "标题\n\n\u{3000}\u{3000}正文开头一段话。\n\n{line}\n\n\u{3000}\u{3000}正文第二段内容。\n"
        ))
        .html
    };
    let rare = "本报记者禤国亮";
    assert!(html(rare).contains(&format!("<p class=\"byline\">{rare}</p>")));
    assert_eq!(author(rare), None);
    for line in ["（新华社记者 张三 摄）", "图/李四", "张三摄"] {
        assert!(
            html(line).contains("class=\"caption\""),
            "{line}: {}",
            html(line)
        );
        assert_eq!(author(line), None, "{line}");
    }
}

#[test]
fn a_hard_wrapped_paragraph_is_not_split_where_a_line_ends_a_sentence() {
    let r = render("硬换行段落\n\n国家统计局今天发布数据显示，一季度国内生产总值同比增长。\n这是一个重要的开门红，专家表示经济回升向好的态势更加明\n显，消费投资出口三驾马车协同发力。\n\n第二段。\n");
    assert_eq!(r.html.matches("<p>").count(), 2, "{}", r.html);
    // One paragraph per line still is, of varied widths or of one width by chance.
    let r = render("标题\n\n第一段很短。\n第二段要长得多，写了好几句话。又一句。\n第三段。\n");
    assert_eq!(r.html.matches("<p>").count(), 3, "{}", r.html);
    let r = render("标题\n\n今天天气晴朗，气温较高。\n明天天气多云，气温下降。\n后天有雨。\n");
    assert_eq!(r.html.matches("<p>").count(), 3, "{}", r.html);
}

#[test]
fn a_separator_line_is_never_the_title() {
    let r = render("---\n\n城东菜市场改造完成\n\n正文。\n");
    assert_eq!(r.title.as_deref(), Some("城东菜市场改造完成"));
    assert_eq!(super::title("＊＊＊\n标题\n"), Some("标题"));
}

#[test]
fn a_wire_storys_dateline_is_not_part_of_its_title() {
    for (first, title) in [
        ("新华社北京3月2日电　题：春耕一线见闻", "春耕一线见闻"),
        ("新华社上海5月1日电（记者 张三）题：外滩新貌", "外滩新貌"),
        ("问题：我们该怎么办", "问题：我们该怎么办"),
    ] {
        let r = render(&format!("{first}\n\n\u{3000}\u{3000}正文。\n"));
        assert_eq!(r.title.as_deref(), Some(title), "{first}");
        assert_eq!(super::title(&format!("{first}\n")), Some(title), "{first}");
    }
    // The dateline, the agency's credit and the reporter's, stays at the head of the body,
    // and the reporter is the author.
    let r = render("新华社上海5月1日电（记者 张三）题：外滩新貌\n\n外滩今天焕然一新。\n");
    assert!(
        r.html
            .starts_with("<p class=\"dateline\">新华社上海5月1日电（记者 张三）</p>\n<p>外滩"),
        "{}",
        r.html
    );
    assert_eq!(r.author.as_deref(), Some("张三"));
    let r = render("新华社北京3月2日电　题：春耕一线见闻\n\n正文。\n");
    assert_eq!(r.author, None);
}

#[test]
fn which_lines_are_bylines() {
    let kind = |line: &str| {
        let html = render(&format!(
            "标题\n\n\u{3000}\u{3000}正文开头一段话。\n\n{line}\n\n\u{3000}\u{3000}正文第二段内容。\n"
        ))
        .html;
        if html.contains(&format!("<p class=\"byline\">{line}</p>")) {
            "byline"
        } else if html.contains(&format!("<h3>{line}</h3>")) {
            "heading"
        } else if html.contains(&format!("<p>{line}</p>")) {
            "paragraph"
        } else {
            "other"
        }
    };
    for (line, want) in [
        ("记者 张三", "byline"),
        ("本报记者李四", "byline"),
        ("见习记者张三", "byline"),
        ("特约记者李四", "byline"),
        ("实习生 王五", "byline"),
        ("本报记者禤国亮", "byline"),
        ("记者 John Smith", "byline"),
        ("作者：王五（北京大学教授）", "byline"),
        ("记者手记", "heading"),
        ("记者观察", "heading"),
        ("作者简介", "heading"),
        ("通讯员手记", "heading"),
        ("记者了解到，该项目预计明年完工！", "paragraph"),
    ] {
        assert_eq!(kind(line), want, "{line}");
    }
    // A paragraph that opens with 记者从…获悉 and is hard-wrapped stays one paragraph.
    let r = render("标题\n\n\u{3000}\u{3000}记者从市教育委员会获悉，今年秋季学期本市将新增公办学位两万\n个，其中小学学位一万二千个，初中学位八千个，主要集中在城市新区。\n");
    assert_eq!(r.html.matches("<p").count(), 1, "{}", r.html);
    assert!(!r.html.contains("byline"), "{}", r.html);
}

#[test]
fn a_long_byline_like_line_is_read_in_linear_time() {
    let text = format!("标题\n\n记者{}\n\n正文。\n", "摄".repeat(320_000));
    let started = std::time::Instant::now();
    let r = render(&text);
    assert_eq!(r.title.as_deref(), Some("标题"));
    // Generous: 7 s when each credit stripped recounted the rest.
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
}
