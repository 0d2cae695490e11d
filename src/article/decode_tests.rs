use super::*;
use encoding_rs::{UTF_8, WINDOWS_1252};

const ZH: &str = "北京报道：今年春节期间，全市接待游客人数创下历史新高，旅游收入同比增长百分之二十。\n□ 记者 张三 文/图\n";
const TW: &str = "臺北訊：今年春節期間，全市接待遊客人數創下歷史新高，旅遊收入較去年同期增長兩成。";
const JA: &str = "東京発：今年の正月休みに、市内を訪れた観光客の数は過去最高を記録しました。ありがとうございます。";
const KO: &str =
    "서울 발: 올해 설 연휴 기간 동안 시내를 방문한 관광객 수가 역대 최고를 기록했습니다.";
const FR: &str = "Le café était très animé ce matin à Paris, déclare l'élève.";
const RU: &str =
    "Сегодня утром на рынке было очень оживлённо, сообщает наш корреспондент из Москвы.";
const EL: &str =
    "Σήμερα το πρωί η αγορά ήταν πολύ ζωντανή, αναφέρει ο ανταποκριτής μας από την Αθήνα.";
const TH: &str = "กรุงเทพฯ: ฝนตกหนักในหลายจังหวัดเมื่อวานนี้ ผู้สื่อข่าวรายงานว่าถนนหลายสายมีน้ำท่วมขัง";
const DE: &str =
    "Größere Änderungen für Bürger: Die Straßenbahn fährt über die Brücke, sagt Jürgen Müßig.";

fn encode(encoding: &'static Encoding, text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding.encode(text);
    assert!(!unmappable, "{} cannot encode {text:?}", encoding.name());
    bytes.into_owned()
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

#[test]
fn damaged_utf8_is_undecodable_not_mojibake() {
    let cases: [&[u8]; 6] = [
        b"---\ntitle: One bad byte\n---\nHello \xff world, caf\xc3\xa9 is fine.\n",
        // UTF-8 with more windows-1252 quotes than UTF-8 letters (mojibake `CafÃ©` before).
        b"Caf\xc3\xa9 news\n\nThe caf\xc3\xa9 said it\x92s \x93new\x94.\n",
        // ... and with pound signs, taken for windows-1250 (`StraĂźe and Ł 5`).
        b"Title\n\nStra\xc3\x9fe and \xa3 5 and \xa3 5 end.\n",
        // UTF-16 surrogates written as UTF-8 (CESU-8, WTF-8): `Sur頎€rogate` before.
        b"Sur\xed\xa0\x80rogate",
        b"Lone \xed\xb0\x80 half",
        // An emoji in CESU-8 (Java's modified UTF-8) among Chinese UTF-8.
        b"\xe4\xb8\xad\xe6\x96\x87 \xed\xa0\xbd\xed\xb8\x80 \xe6\x8a\xa5\xe9\x81\x93",
    ];
    for bytes in cases {
        assert_eq!(
            decode(bytes),
            Err(ArticleErrorKind::Undecodable),
            "{bytes:?}"
        );
    }
    // Damaged before it was saved as UTF-8: named as such, with the first one's line.
    for (bytes, line) in [
        ("\u{FFFD}\u{FFFD}\u{FFFD} title".as_bytes(), 1),
        (b"\xEF\xBB\xBFbad \xef\xbf\xbd", 1),
        ("标题\r\n\r\n北京\u{FFFD}报道".as_bytes(), 3),
        ("Old Mac\rtitle\rbody \u{FFFD}\r".as_bytes(), 3),
        (
            "---\ntitle: t\n---\n\nx \u{FFFD} y \u{FFFD}\n".as_bytes(),
            5,
        ),
    ] {
        assert_eq!(
            decode(bytes),
            Err(ArticleErrorKind::ReplacementChars { line }),
            "{bytes:?}"
        );
    }
    // Legacy text is not mistaken for damaged UTF-8.
    assert_eq!(decode(&encode(GB18030, ZH)).as_deref(), Ok(ZH));
    // Nor for damaged Chinese, though its letters pair up like GB2312's (found by a review).
    for (encoding, text) in [
        (
            WINDOWS_1252,
            "AVISO: ATENÇÃO À INFORMAÇÃO DA EDIÇÃO E PUBLICAÇÃO DAS SOLUÇÕES",
        ),
        (
            WINDOWS_1252,
            "COMUNICAÇÃO E INFORMAÇÃO\nAÇÕES DA ASSOCIAÇÃO PARA A EDUCAÇÃO: INSCRIÇÕES ABERTAS ATÉ SEXTA",
        ),
        (encoding_rs::KOI8_R, "Сегодня хорошая погода"),
        (
            encoding_rs::KOI8_R,
            "Экономика растёт быстрее ожиданий аналитиков",
        ),
        (encoding_rs::WINDOWS_1251, "ПРАВИТЕЛЬСТВО РОССИИ"),
        (encoding_rs::WINDOWS_1253, "ΥΠΟΥΡΓΕΙΟ ΟΙΚΟΝΟΜΙΚΩΝ"),
    ] {
        assert_eq!(
            decode(&encode(encoding, text)).as_deref(),
            Ok(text),
            "{}",
            encoding.name()
        );
    }
    assert_eq!(decode(&encode(WINDOWS_1252, FR)).as_deref(), Ok(FR));
    let pt = "SÃO PAULO – A NAÇÃO, diz o “Estadão”: não há solução.";
    assert_eq!(decode(&encode(WINDOWS_1252, pt)).as_deref(), Ok(pt));
}

#[test]
fn short_gbk_is_not_taken_for_korean() {
    for zh in ["你好", "今日要闻", "新闻"] {
        assert_eq!(decode(&encode(GB18030, zh)).as_deref(), Ok(zh));
    }
    // Long Korean text is still recognised.
    assert_eq!(decode(&encode(EUC_KR, KO)).as_deref(), Ok(KO));
}

#[test]
fn utf16_of_hanzi_whose_bytes_are_below_0x80_is_decoded() {
    // Valid UTF-8 but for a line break's NUL, with control bytes among the hanzi.
    let text = "上海市明天天气\n";
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(std::str::from_utf8(&bytes).is_ok(), "no example");
    assert_eq!(decode(&bytes).as_deref(), Ok(text));
}

#[test]
fn gbk_that_is_also_valid_utf8_is_read_as_gbk() {
    for zh in [
        "App通知\n\n全员通知\n",
        // A hanzi between capitalised words, in a text that otherwise reads as GBK.
        "OpenAI为ChatGPT\n\n全员通知\n",
        "全员通知\n\nMeeting at 10:00, room 3.\n",
        "---\ntitle: Market prices\n---\nApples 5元, pears 3元.\n",
    ] {
        let gbk = encode(GB18030, zh);
        assert!(std::str::from_utf8(&gbk).is_ok(), "{zh} is no example");
        assert_eq!(decode(&gbk).as_deref(), Ok(zh));
    }
    // UTF-8 of other scripts whose bytes are GBK too stays UTF-8.
    for text in [
        "Café crème, naïve.",
        "Ελλάδα",
        "Москва",
        "שלום",
        "مرحبا",
        "Română: ș, ț",
        "/ˈhɛloʊ/",
        "e\u{301}",
        "Za\u{328}b ma\u{328}dros\u{301}ci",
        "Lietuviu\u{328} kalba",
        "change /ʧeɪnʤ/",
        "The sound d\u{361}ʒ",
        "/ˈbʌtn\u{329}/",
    ] {
        assert_eq!(decode(text.as_bytes()).as_deref(), Ok(text));
    }
}

#[test]
fn every_encoding_decodes_to_the_same_text() {
    let bom_utf8 = [b"\xEF\xBB\xBF".as_slice(), ZH.as_bytes()].concat();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("utf-8", encode(UTF_8, ZH), ZH),
        ("utf-8 bom", bom_utf8, ZH),
        ("utf-16le bom", utf16(ZH, false), ZH),
        ("utf-16be bom", utf16(ZH, true), ZH),
        ("utf-16le", utf16(ZH, false)[2..].to_vec(), ZH),
        ("utf-16be", utf16(ZH, true)[2..].to_vec(), ZH),
        ("utf-16le french", utf16(FR, false)[2..].to_vec(), FR),
        ("utf-16be japanese", utf16(JA, true)[2..].to_vec(), JA),
        ("gb18030", encode(GB18030, ZH), ZH),
        ("gbk", encode(encoding_rs::GBK, ZH), ZH),
        ("big5", encode(BIG5, TW), TW),
        ("shift_jis", encode(SHIFT_JIS, JA), JA),
        ("iso-2022-jp", encode(ISO_2022_JP, JA), JA),
        ("euc-kr", encode(EUC_KR, KO), KO),
        ("windows-1252", encode(WINDOWS_1252, FR), FR),
        ("gb18030 short", encode(GB18030, "新闻"), "新闻"),
        (
            "gb18030 short four-byte",
            encode(GB18030, "新闻😀"),
            "新闻😀",
        ),
        (
            "gb18030 short rare hanzi",
            encode(GB18030, "新闻𠀀"),
            "新闻𠀀",
        ),
        ("windows-1252 short", encode(WINDOWS_1252, "Größe"), "Größe"),
        (
            "windows-1251",
            encode(encoding_rs::WINDOWS_1251, "Привет мир"),
            "Привет мир",
        ),
        (
            "windows-1251 long",
            encode(encoding_rs::WINDOWS_1251, RU),
            RU,
        ),
        ("windows-1253", encode(encoding_rs::WINDOWS_1253, EL), EL),
        ("windows-874", encode(WINDOWS_874, TH), TH),
        (
            "windows-874 short",
            encode(WINDOWS_874, "สวัสดีชาวโลก วันนี้เป็นอย่างไรบ้าง"),
            "สวัสดีชาวโลก วันนี้เป็นอย่างไรบ้าง",
        ),
        ("windows-1252 long", encode(WINDOWS_1252, DE), DE),
    ];
    for (name, bytes, want) in cases {
        match decode(&bytes) {
            Ok(got) => assert_eq!(got, want, "{name}"),
            Err(e) => panic!("{name}: {e}"),
        }
    }
}

#[test]
fn western_symbols_are_not_read_as_central_european_letters() {
    let body = "The council said the new fee of {} would apply from Monday, and the average household would pay more.";
    for symbol in [
        "£5",
        "25°C ±2",
        "© 2024",
        "µ = 5",
        "¥120",
        "½ off",
        "£5 at the Café",
    ] {
        for text in [body.replace("{}", symbol), format!("Cost {symbol}")] {
            assert_eq!(
                decode(&encode(WINDOWS_1252, &text)).as_deref(),
                Ok(text.as_str())
            );
        }
    }
    // Letters inside words still go to the guess.
    for (encoding, text) in [
        (
            encoding_rs::WINDOWS_1250,
            "Zażółć gęślą jaźń, był tu wczoraj.",
        ),
        (
            encoding_rs::WINDOWS_1250,
            "Příliš žluťoučký kůň úpěl ďábelské ódy.",
        ),
        (encoding_rs::WINDOWS_1251, RU),
        (encoding_rs::WINDOWS_1253, EL),
    ] {
        assert_eq!(
            decode(&encode(encoding, text)).as_deref(),
            Ok(text),
            "{}",
            encoding.name()
        );
    }
}

#[test]
fn html_meta_charset_is_honoured_when_the_bytes_fit() {
    let page = |charset: &str, title: &str| {
        format!("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\"><title>{title}</title></head><p>{title}</p>")
    };
    // Short Korean is taken for GBK by the guess; the page says otherwise.
    let ko = page("EUC-KR", "뉴스");
    assert_eq!(
        decode_html(&encode(EUC_KR, &ko)).as_deref(),
        Ok(ko.as_str())
    );
    let ru = "<meta charset='windows-1251'><title>Привет</title>";
    assert_eq!(
        decode_html(&encode(encoding_rs::WINDOWS_1251, ru)).as_deref(),
        Ok(ru)
    );
    // A single-byte label over double-byte text is ignored: the guess decides.
    let stale = page(
        "iso-8859-1",
        "北京报道：今年春节期间，全市接待游客人数创下历史新高",
    );
    assert_eq!(
        decode_html(&encode(GB18030, &stale)).as_deref(),
        Ok(stale.as_str())
    );
    // Only an HTML file's: a Markdown tutorial in Big5 may quote another page's.
    let quoted = format!("{TW}\n\n    <meta charset=\"gb2312\">\n");
    assert_eq!(
        decode(&encode(BIG5, &quoted)).as_deref(),
        Ok(quoted.as_str())
    );
    // A label that does not fit the bytes is ignored: the guess decides.
    let zh = page(
        "shift_jis",
        "北京报道：今年春节期间，全市接待游客人数创下历史新高",
    );
    assert_eq!(
        decode_html(&encode(GB18030, &zh)).as_deref(),
        Ok(zh.as_str())
    );
}

#[test]
fn surrogates_encoded_as_utf8_are_found() {
    assert!(utf8_with_surrogates(b"Lone \xed\xb0\x80 half"));
    assert!(!utf8_with_surrogates("plain 中文".as_bytes()));
    assert!(
        !utf8_with_surrogates(b"\xd6\xd0\xce\xc4"),
        "GBK is no UTF-8"
    );
}

#[test]
fn bad_bytes_are_errors_not_mojibake() {
    let lone_surrogate = vec![0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00];
    let cases: Vec<(&str, Vec<u8>, ArticleErrorKind)> = vec![
        ("nul", b"abc\0def".to_vec(), ArticleErrorKind::Binary),
        ("nul pair", b"ab\0\0".to_vec(), ArticleErrorKind::Binary),
        (
            "nul even length",
            b"a stray \0 NUL!".to_vec(),
            ArticleErrorKind::Binary,
        ),
        (
            "nul odd length",
            b"a\0b\0c".to_vec(),
            ArticleErrorKind::Binary,
        ),
        (
            // Pasted terminal output: an escape and a NUL in UTF-8 of an even length (read as
            // UTF-16 it was CJK mojibake, and front matter saying `draft: true` went unread).
            "nul and escape in utf-8",
            b"---\ntitle: Embargoed draft\ndraft: true\n---\n```\n$ tail logs\n\x1b[31mERROR\0 done\n```\n"
                .to_vec(),
            ArticleErrorKind::Binary,
        ),
        (
            "utf-16-shaped controls",
            b"\x01\0\x02\0a\0".to_vec(),
            ArticleErrorKind::Binary,
        ),
        (
            "png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            ArticleErrorKind::Binary,
        ),
        (
            "utf-16 lone surrogate",
            lone_surrogate,
            ArticleErrorKind::Undecodable,
        ),
        (
            "bad utf-8 after bom",
            b"\xEF\xBB\xBFab\xC3".to_vec(),
            ArticleErrorKind::Undecodable,
        ),
    ];
    for (name, bytes, want) in cases {
        assert_eq!(decode(&bytes).map(Cow::into_owned), Err(want), "{name}");
    }
}

#[test]
fn damaged_gbk_and_big5_are_undecodable_not_mojibake() {
    let gbk = encode(encoding_rs::GBK, ZH);
    let big5 = encode(BIG5, TW);
    let with_stray = |bytes: &[u8], at: usize, stray: u8| {
        let mut v = bytes.to_vec();
        v.insert(at, stray);
        v
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("gbk cut mid-character", gbk[..gbk.len() - 13].to_vec()),
        ("gbk with a stray 0xFF", with_stray(&gbk, 10, 0xFF)),
        (
            "gbk with a stray lead byte at the end",
            [&gbk[..], b"\xD6"].concat(),
        ),
        ("big5 cut mid-character", big5[..big5.len() - 1].to_vec()),
        ("big5 with a stray 0x80", with_stray(&big5, 6, 0x80)),
        (
            "gbk with three strays",
            with_stray(&with_stray(&with_stray(&gbk, 10, 0xB0), 40, 0xB0), 80, 0xB0),
        ),
        (
            "gbk with three bytes cut out",
            [&gbk[..9], &gbk[10..39], &gbk[40..79], &gbk[80..]].concat(),
        ),
        (
            "a short gbk item cut mid-character",
            encode(encoding_rs::GBK, "GBK标题\n\n正文内容。")[..18].to_vec(),
        ),
        (
            "a short gbk item with a stray",
            [&encode(encoding_rs::GBK, "标题\n\n正文内容。")[..], b"\xB0"].concat(),
        ),
    ];
    for (name, bytes) in cases {
        assert_eq!(
            decode(&bytes).map(Cow::into_owned),
            Err(ArticleErrorKind::Undecodable),
            "{name}"
        );
    }
}

#[test]
fn wrong_guesses_are_rejected() {
    let cases: [(&'static Encoding, &[u8]); 4] = [
        (WINDOWS_1252, b"ab\x81"),
        (GB18030, b"\xFF\xFF"),
        (GB18030, b"\xD6 "),
        (SHIFT_JIS, b"\x82"),
    ];
    for (encoding, bytes) in cases {
        assert_eq!(
            strict_decode(encoding, bytes),
            None,
            "{} {bytes:?}",
            encoding.name()
        );
    }
    assert!(plausible_gb2312(&encode(GB18030, "新闻 news")));
    assert!(!plausible_gb2312(&encode(WINDOWS_1252, "Größe")));
}

#[test]
fn line_endings_and_bom_are_normalized() {
    let cases = [
        ("a\r\nb\r\n", "a\nb\n"),
        ("a\rb\r\rc", "a\nb\n\nc"),
        ("a\r\n\r\nb", "a\n\nb"),
        ("\u{FEFF}x", "x"),
        ("no cr", "no cr"),
        // NEL (EBCDIC through iconv), LINE and PARAGRAPH SEPARATOR (InDesign, JavaScript).
        ("a\u{85}b\u{85}\u{85}c", "a\nb\n\nc"),
        ("a\u{2028}b\u{2029}c", "a\nb\n\nc"),
        ("a\u{85}b\u{85}c\n", "a\nb\nc\n"),
        // Their last bytes inside other characters (`Ũ` is `C5 A8`, `ą` `C4 85`).
        ("Ũą 天", "Ũą 天"),
        // One pasted into a line of an LF file is no line break.
        ("title: a\u{2028}b\nx\n", "title: a\u{2028}b\nx\n"),
    ];
    for (input, want) in cases {
        assert_eq!(
            decode(input.as_bytes()).map(Cow::into_owned),
            Ok(want.to_string()),
            "{input:?}"
        );
    }
    // Lines count as in the normalized text.
    assert_eq!(
        decode("a\u{2029}b\u{85}\u{FFFD}".as_bytes()),
        Err(ArticleErrorKind::ReplacementChars { line: 4 })
    );
    let gb = encode(GB18030, "\u{FEFF}标题\r\n正文");
    assert_eq!(
        decode(&gb).map(Cow::into_owned),
        Ok("标题\n正文".to_string())
    );
}

#[test]
fn arbitrary_bytes_never_panic_or_yield_replacement() {
    let mut seed = 0x1234_5678_u32;
    for len in 0..400 {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (seed >> 16) as u8
            })
            .collect();
        if let Ok(text) = decode(&bytes) {
            if std::str::from_utf8(&bytes).is_err() {
                assert!(!text.contains('\u{FFFD}'), "{bytes:?}");
            }
        }
    }
}

#[test]
fn short_cjk_text_decodes_in_its_own_encoding() {
    let cases: [(&'static Encoding, &[&str]); 6] = [
        (
            GB18030,
            &[
                "张堃当选",
                "习近平",
                "台风“山竹”登陆",
                "股市大涨3%",
                "国足1:0胜泰国",
                "王毅：中美关系",
                "本报讯 今天上午，市长张三出席会议。",
                "标题\n\n正文一句话。",
                "鑫淼犇骉",
                "张堃",
                // Each also reads as Shift_JIS half-width katakana (`ｺｼﾖﾝ`), EUC-JP kanji
                // (`倹表`) or Big5 hanzi (`都笣`).
                "杭州",
                "福州预警",
                "泉州招聘",
                "佛山",
                "常州",
                "嘉兴开幕",
                "潍坊",
            ],
        ),
        (
            encoding_rs::GBK,
            &["张堃当选", "图片新闻\n记者 王五 摄", "沪指涨0.5%"],
        ),
        (
            BIG5,
            &[
                "臺北訊",
                "總統就職",
                "颱風來襲",
                "新聞快報：立法院三讀通過",
                "張三當選市長",
            ],
        ),
        (
            SHIFT_JIS,
            &[
                "東京",
                "ニュース",
                "今日は晴れ",
                "速報：地震発生",
                "ﾆｭｰｽ速報",
                "日本代表が勝利しました。",
            ],
        ),
        (EUC_JP, &["東京都知事選挙", "こんにちは"]),
        (
            EUC_KR,
            &[
                "뉴스",
                "안녕하세요",
                "서울 날씨",
                "대통령 선거",
                "속보: 지진 발생",
                "김철수 당선",
                "오늘의 뉴스 3건",
            ],
        ),
    ];
    for (encoding, texts) in cases {
        for &text in texts {
            assert_eq!(
                decode(&encode(encoding, text)).as_deref(),
                Ok(text),
                "{}",
                encoding.name()
            );
        }
    }
}

#[test]
fn short_damaged_utf8_is_still_undecodable() {
    for text in ["新闻", "北京报道", "张三当选市长", "今日要闻：台风登陆"] {
        let utf8 = text.as_bytes();
        // A byte cut out of the first character, of the last, or one flipped to ASCII.
        let mut flipped = utf8.to_vec();
        flipped[4] = b'x';
        for bytes in [
            [&utf8[..1], &utf8[2..]].concat(),
            utf8[..utf8.len() - 1].to_vec(),
            flipped,
        ] {
            assert_eq!(
                decode(&bytes),
                Err(ArticleErrorKind::Undecodable),
                "{text}: {bytes:02x?}"
            );
        }
    }
}

#[test]
fn utf16_without_bom_or_nul_of_cjk_text_is_decoded() {
    let unbommed = |text: &str, big_endian: bool| utf16(text, big_endian)[2..].to_vec();
    for text in [
        "张堃当选",
        "今日要闻",
        "他说：“好。”",
        "高考放榜",
        "东京",
        "ニュース",
        "ﾆｭｰｽ速報",
        "안녕하세요",
        "两会开幕",
        "一开\n",
    ] {
        for big_endian in [false, true] {
            assert_eq!(
                decode(&unbommed(text, big_endian)).as_deref(),
                Ok(text),
                "{text} big endian: {big_endian}"
            );
        }
    }
}

#[test]
fn a_bom_inside_the_text_is_dropped() {
    let joined = "标题\n正文\n\u{FEFF}第二篇\n";
    assert_eq!(
        decode(joined.as_bytes()).as_deref(),
        Ok("标题\n正文\n第二篇\n")
    );
    let gb = encode(GB18030, joined);
    assert_eq!(decode(&gb).as_deref(), Ok("标题\n正文\n第二篇\n"));
}

fn utf32(text: &str, big_endian: bool) -> Vec<u8> {
    "\u{FEFF}"
        .chars()
        .chain(text.chars())
        .flat_map(|c| {
            if big_endian {
                u32::from(c).to_be_bytes()
            } else {
                u32::from(c).to_le_bytes()
            }
        })
        .collect()
}

#[test]
fn utf32_with_bom_is_decoded() {
    // Its LE BOM starts like UTF-16LE's: read as that, every character lost a U+0000 and
    // emoji became private-use characters; the BE one was called binary.
    let text = "开业庆祝😀活动\n\n今天举行了庆祝活动。\n";
    for big_endian in [false, true] {
        assert_eq!(decode(&utf32(text, big_endian)).as_deref(), Ok(text));
    }
    // A unit that is no character (a surrogate, above U+10FFFF, cut short): the line named.
    let mut bad = utf32("a\nb\n", true);
    bad.extend([0, 0, 0xD8, 0x00]);
    assert_eq!(decode(&bad), Err(ArticleErrorKind::Undecodable));
    assert_eq!(undecodable_line(&bad), Some(3));
    let mut bad = utf32("a\r\nb", false);
    bad.extend([0, 0, 0x11, 0]);
    assert_eq!(undecodable_line(&bad), Some(2));
    let mut cut = utf32("a", false);
    cut.pop();
    assert_eq!(undecodable_line(&cut), Some(1));
    // Without a BOM it is not read, but said to be UTF-32, not binary.
    for big_endian in [false, true] {
        let bytes = &utf32(text, big_endian)[4..];
        assert_eq!(decode(bytes), Err(ArticleErrorKind::Utf32WithoutBom));
    }
    assert_eq!(decode(b"\x7FELF\0\0\0\0"), Err(ArticleErrorKind::Binary));
    // UTF-16LE whose first character is U+0000 starts like UTF-32LE's BOM: read as UTF-16.
    let mut utf16: Vec<u8> = vec![0xFF, 0xFE, 0, 0];
    utf16.extend(
        "Title\n\nBody text.\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let read = decode(&utf16).expect("UTF-16LE");
    assert!(read.ends_with("Title\n\nBody text.\n"), "{read:?}");
}
