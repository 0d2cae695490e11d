//! Which CJK encoding a short text is in, when chardetng has too few characters to go on.
//!
//! GBK, EUC-KR, Big5 and Shift_JIS share byte ranges: a few characters of Korean decode
//! cleanly as GB2312 level-1 hanzi, and Shift_JIS half-width katakana pair up as GBK. What
//! tells them apart is which reading is made of characters the language writes often: the
//! right one mostly is, a wrong one is a scatter over thousands of code points.

use encoding_rs::{Encoding, BIG5, EUC_JP, EUC_KR, GB18030, SHIFT_JIS};

/// Hanzi and kanji frequent in news copy (simplified, traditional and Japanese forms): the
/// most frequent characters of running text, surnames, places and newsroom words.
const FREQUENT_HANZI: &str = "\
的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对着事\
其里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面又定见只主\
没公从知部已两长把它本开明实现力民些全被但高战点意体加外正新义员问很因样机等相内提政头解量重水老北\
期情合走平间回西向给产理电声直通由各条表今最近先后百千万亿元月号周星半第五六七八九零两共总副首市省\
县区乡镇村街路城港京沪津渝粤川湘鄂豫冀鲁晋陕甘宁青藏新疆蒙桂琼云贵闽浙苏皖赣吉辽黑台澳华美英法德\
俄日韩朝印欧亚非洲际报讯记者编辑社论评图片摄影文稿刊登播消息快讯要闻头条会议召党委书记长院局厅处\
警案件罪判审刑检察官司企业经济股涨跌价格房车票钱银行金融税收贸易投资场商品工厂农业科技网络手机学\
校教育考试招生医院疗病疫情防控健康天气雨雪风台热冷温度晴阴球赛队胜负冠亚季运动员奥足篮排网冬夏春\
秋节假期旅游客交通航班铁高速公安全事故火灾地震救援死伤亡失踪发布宣告选举当选任命辞职访问会见出席\
张王李刘陈杨赵黄周吴徐孙马朱胡林郭何罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁余叶蒋杜苏魏程吕丁沈任\
姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵钱严赖洪武莫孔习\
近强毅平庆伟军红丽芳娜敏静燕霞杰涛斌超磊鹏辉刚勇艳秀英明华建文志东海波兰玉梅春晓亮成功利益改革发展\
州山原太常深圳杭武汉都安重沙郑阳岛济肥厦昆庄哈尔滨银萨乌鲁木齐呼浩特锡佛莞泉嘉绍潍坊扬温拉徐连\
建设管理服务活动问题工作情况计划标准规定决定意见通知办法保障支持推进加强落实研究调查数据增长下降\
提高减少影响关系重要主要相关国际国内全国世界中央地方政府部门机构组织单位人民群众社会市场中心基\
這個們來時說國會對發動與為學經過還進種將當後從開現實點體問長門見間電聲選區報導記者訊縣議黨總統灣\
臺颱風價漲錢銀車場馬讓聽書傳員隊贏輸賽張陳楊趙黃劉鄭謝許鄧馮韓蕭葉蔣蘇呂盧鍾譚範陸龔嚴賴紀軍無\
東駅県円株価挙首相党府省庁警察試合勝敗震発速聞社線気団鉄変戦図読書館週末参加無料毎曜午後地域話";

/// Hangul syllables frequent in Korean text and news.
const FREQUENT_HANGUL: &str = "\
이의다기에로사는스리하가시지대서분국한도인고를자주아을라수제정월나구전어은그부를동선문트보위드과\
교상마학원성화일해여재년조소관면진경비신오개거방세데미연공식물히저회등유할했중실거만요내우리들\
것와있게으로라고에서하는했다한다된다있다없다며면서까지부터께서님말씀뉴스속보발생서울부산대구인천\
광주대전울산경기강원충북남전제북한미일중러시장군도통령국회의정당민후보투표선거당선경제성장물가\
금리주가환율수출입기업은행시장부동산아파트날씨비눈바람태풍지진사고화재경찰검찰법원판결사건\
김이박최정강조윤장임한오서신권황안송류홍전고문양손배백허유남심노하곽성차주우구민진나엄채원천방\
공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용예경봉사부가복태목형피두감음\
빈동온호범좌팽승간상갈서시단견당화창옥철수영희민준현우지훈서연하은도윤예준오늘내일어제올해지난\
안녕세요감사합니다반갑습니다좋은새로운한국미국일본중국북한세계";

/// How much a short text reads as the language of `encoding` (higher is better), or `None`
/// when the bytes do not decode cleanly in it. Frequent characters count most; a character of
/// the encoding's common range a little; rare ones and ones the language does not write not at
/// all, and private-use or compatibility ones against.
pub fn score(encoding: &'static Encoding, text: &str) -> i64 {
    text.chars()
        .filter(|c| !c.is_ascii())
        .map(|c| char_score(encoding, c))
        .sum()
}

fn char_score(encoding: &'static Encoding, c: char) -> i64 {
    let japanese = encoding == SHIFT_JIS || encoding == EUC_JP;
    match c {
        '\u{AC00}'..='\u{D7A3}' if encoding == EUC_KR => {
            if FREQUENT_HANGUL.contains(c) {
                4
            } else {
                1
            }
        }
        '\u{4E00}'..='\u{9FFF}' => {
            if encoding == EUC_KR {
                // Hanja are rare in modern Korean, and never alone.
                -1
            } else if FREQUENT_HANZI.contains(c) {
                4
            } else {
                i64::from(common_range(encoding, c))
            }
        }
        // Kana: what Japanese writes most; GB2312 and KS X 1001 have them too, but Chinese and
        // Korean copy does not use them.
        '\u{3041}'..='\u{30FF}' => {
            if japanese {
                3
            } else {
                -2
            }
        }
        // Half-width katakana: Shift_JIS single bytes, old Japanese systems' only kana. No
        // evidence alone: capitals in KOI8-R, windows-1251 or windows-1253 are the same bytes,
        // and so are GBK's common hanzi (`杭州` in GBK is `ｺｼﾖﾝ` in Shift_JIS).
        '\u{FF61}'..='\u{FF9F}' => 0,
        // Ideographic space, comma, full stop, brackets; full-width ASCII; quotes and dashes.
        '\u{3000}'..='\u{303F}' | '\u{FF01}'..='\u{FF5E}' | '\u{2010}'..='\u{2027}' => 1,
        '\u{E000}'..='\u{F8FF}' | '\u{F900}'..='\u{FAFF}' => -4,
        _ => -1,
    }
}

/// Whether `c` is in the common range of `encoding`: GB2312 level 1, Big5's frequent
/// characters, JIS level 1 (in Shift_JIS or EUC-JP).
fn common_range(encoding: &'static Encoding, c: char) -> bool {
    let mut utf8 = [0u8; 4];
    let (bytes, _, unmappable) = encoding.encode(c.encode_utf8(&mut utf8));
    if unmappable {
        return false;
    }
    match (bytes.first(), bytes.get(1)) {
        (Some(&lead), Some(_)) if encoding == GB18030 => (0xB0..=0xD7).contains(&lead),
        (Some(&lead), Some(_)) if encoding == BIG5 => (0xA4..=0xC6).contains(&lead),
        (Some(&lead), Some(_)) if encoding == EUC_JP => (0xB0..=0xCF).contains(&lead),
        (Some(&lead), Some(&trail)) if encoding == SHIFT_JIS => {
            (0x89..=0x97).contains(&lead)
                || (lead == 0x88 && trail >= 0x9F)
                || (lead == 0x98 && trail <= 0x72)
        }
        _ => false,
    }
}

/// Whether `c` is a frequent hanzi, kanji or hangul syllable, or kana.
pub fn frequent(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{30FF}' | '\u{FF66}'..='\u{FF9F}')
        || FREQUENT_HANZI.contains(c)
        || FREQUENT_HANGUL.contains(c)
}
