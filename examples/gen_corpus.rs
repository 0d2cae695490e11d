//! A deterministic benchmark corpus: `cargo run --release --example gen_corpus -- N DIR [--seed S] [--hugo HUGO_CONTENT_DIR]`.
//!
//! Writes N articles into `DIR/{year}/`: 70% Markdown with YAML front matter (2-8 KB: headings,
//! paragraphs, lists, code, links, emphasis; 1-4 tags out of ~200, dates spread over eight
//! years), 30% Chinese newspaper-style `.txt` (1-6 KB, dated by the `YYYY-MM-DD-` file name,
//! text drawn from a character pool, not from real articles). Same N and seed, same bytes.
//!
//! With `--hugo`, the same articles are also written as Hugo content (Hugo ignores `.txt`): each
//! `.txt` becomes Markdown with its title and date in front matter and its paragraphs as is.
//!
//! No dependencies: a splitmix64 PRNG, so the corpus never changes with a crate version.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// splitmix64: tiny, fast, and good enough to pick words.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..hi` (hi exclusive, hi > lo).
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo) as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.range(0, items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const WORDS: &[&str] = &[
    "the",
    "market",
    "river",
    "council",
    "school",
    "budget",
    "street",
    "night",
    "library",
    "bridge",
    "station",
    "festival",
    "harbor",
    "park",
    "museum",
    "season",
    "weather",
    "report",
    "city",
    "county",
    "plan",
    "vote",
    "opening",
    "closing",
    "residents",
    "visitors",
    "traffic",
    "garden",
    "bakery",
    "recipe",
    "engine",
    "server",
    "feed",
    "reader",
    "editor",
    "and",
    "of",
    "to",
    "in",
    "for",
    "with",
    "on",
    "at",
    "from",
    "by",
    "after",
    "before",
    "during",
    "while",
    "because",
    "new",
    "old",
    "quiet",
    "busy",
    "early",
    "late",
    "small",
    "large",
    "local",
    "public",
    "open",
    "free",
    "green",
    "said",
    "announced",
    "opened",
    "closed",
    "moved",
    "built",
    "tested",
    "shipped",
    "wrote",
    "measured",
    "found",
    "a",
    "an",
    "this",
    "that",
    "every",
    "some",
    "many",
    "few",
    "its",
    "their",
    "our",
    "three",
    "twelve",
    "hundred",
];

const TAG_STEMS: &[&str] = &[
    "rust",
    "go",
    "python",
    "linux",
    "networking",
    "databases",
    "security",
    "release",
    "community",
    "events",
    "food",
    "travel",
    "city",
    "transport",
    "schools",
    "health",
    "sports",
    "weather",
    "culture",
    "music",
    "film",
    "books",
    "science",
    "space",
    "climate",
    "energy",
    "housing",
    "economy",
    "markets",
    "startups",
    "design",
    "photography",
    "history",
    "opinion",
    "interview",
    "tutorial",
    "review",
    "notes",
    "meta",
    "announcements",
];
const TAG_SUFFIXES: &[&str] = &["", " weekly", " news", " tips", " deep dive"];

/// Common Chinese characters (news vocabulary); punctuation is added separately.
const HANZI: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严";
const CN_PUNCT: &[&str] = &["，", "，", "，", "、", "；", "："];

fn words(rng: &mut Rng, n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(rng.pick(WORDS));
    }
    s
}

fn sentence(rng: &mut Rng) -> String {
    let n = rng.range(6, 18);
    let mut s = words(rng, n);
    if let Some(first) = s.get(..1) {
        let upper = first.to_ascii_uppercase();
        s.replace_range(..1, &upper);
    }
    s.push('.');
    s
}

fn title(rng: &mut Rng) -> String {
    let n = rng.range(3, 8);
    let mut s = words(rng, n);
    if let Some(first) = s.get(..1) {
        let upper = first.to_ascii_uppercase();
        s.replace_range(..1, &upper);
    }
    s
}

/// A Markdown paragraph with some inline markup.
fn md_paragraph(rng: &mut Rng) -> String {
    let mut p = String::new();
    for i in 0..rng.range(2, 6) {
        if i > 0 {
            p.push(' ');
        }
        let mut s = sentence(rng);
        match rng.range(0, 10) {
            0 => {
                s = format!(
                    "{s} See [the {} notes](https://example.org/{}/{}).",
                    rng.pick(WORDS),
                    rng.pick(WORDS),
                    rng.range(1, 999)
                )
            }
            1 => {
                s = format!(
                    "{s} It was *{}* and **{}**.",
                    rng.pick(WORDS),
                    rng.pick(WORDS)
                )
            }
            2 => s = format!("{s} Run `{}` first.", rng.pick(WORDS)),
            _ => {}
        }
        p.push_str(&s);
    }
    p
}

struct Doc {
    rel: PathBuf,
    bytes: String,
    /// The same article as Hugo content.
    hugo: String,
}

fn date_of(rng: &mut Rng) -> (u32, u32, u32, u32, u32) {
    (
        rng.range(2018, 2026) as u32,
        rng.range(1, 13) as u32,
        rng.range(1, 29) as u32,
        rng.range(0, 24) as u32,
        rng.range(0, 60) as u32,
    )
}

fn markdown(rng: &mut Rng, i: usize, tags: &[String]) -> Doc {
    let (y, m, d, hh, mm) = date_of(rng);
    let head = title(rng);
    let ntags = rng.range(1, 5);
    // Skewed: a few tags are on many articles, most on few (like real sites).
    let mut mine: Vec<&String> = Vec::new();
    for _ in 0..ntags {
        let r = rng.next() % 1000;
        let idx = ((r * r) / 1000 * tags.len() as u64 / 1000) as usize;
        let t = &tags[idx.min(tags.len() - 1)];
        if !mine.contains(&t) {
            mine.push(t);
        }
    }
    let target = rng.range(2000, 8000);
    let mut fm = String::new();
    let _ = writeln!(fm, "---");
    let _ = writeln!(fm, "title: \"{head}\"");
    let _ = writeln!(fm, "date: {y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:00+00:00");
    let tag_list: Vec<String> = mine.iter().map(|t| format!("\"{t}\"")).collect();
    let _ = writeln!(fm, "tags: [{}]", tag_list.join(", "));
    if rng.chance(40) {
        let _ = writeln!(
            fm,
            "author: \"{} {}\"",
            rng.pick(&["Lin", "Ana", "Sam", "Ravi", "Mei", "Jo"]),
            rng.pick(&["Qiao", "Silva", "Ng", "Patel", "Berg"])
        );
    }
    let _ = writeln!(fm, "---");
    let mut body = String::new();
    while body.len() + fm.len() < target {
        match rng.range(0, 12) {
            0 => {
                let _ = writeln!(body, "## {}\n", title(rng));
            }
            1 => {
                for _ in 0..rng.range(2, 6) {
                    let _ = writeln!(body, "- {}", sentence(rng));
                }
                body.push('\n');
            }
            2 => {
                let _ = writeln!(
                    body,
                    "```rust\nfn {}() -> u32 {{\n    {}\n}}\n```\n",
                    rng.pick(WORDS),
                    rng.range(0, 1000)
                );
            }
            3 => {
                let _ = writeln!(body, "> {}\n", sentence(rng));
            }
            _ => {
                let _ = writeln!(body, "{}\n", md_paragraph(rng));
            }
        }
    }
    let name = format!("{}-{i:06}.md", slugify(&head));
    let bytes = format!("{fm}\n{body}");
    Doc {
        rel: PathBuf::from(format!("{y:04}/{name}")),
        hugo: bytes.clone(),
        bytes,
    }
}

fn slugify(title: &str) -> String {
    title.to_ascii_lowercase().replace(' ', "-")
}

fn hanzi_run(rng: &mut Rng, pool: &[char], n: usize) -> String {
    (0..n).map(|_| rng.pick(pool)).collect()
}

fn cn_paragraph(rng: &mut Rng, pool: &[char]) -> String {
    let mut p = String::new();
    for _ in 0..rng.range(2, 5) {
        for k in 0..rng.range(1, 4) {
            if k > 0 {
                p.push_str(rng.pick(CN_PUNCT));
            }
            let n = rng.range(5, 16);
            p.push_str(&hanzi_run(rng, pool, n));
        }
        p.push('。');
    }
    p
}

fn text(rng: &mut Rng, i: usize, pool: &[char]) -> Doc {
    let (y, m, d, _, _) = date_of(rng);
    let tn = rng.range(8, 18);
    let title = hanzi_run(rng, pool, tn);
    let target = rng.range(1000, 6000);
    let mut s = String::new();
    let mut paras = Vec::new();
    let _ = writeln!(s, "{title}");
    if rng.chance(50) {
        let sn = rng.range(10, 20);
        let _ = writeln!(s, "——{}", hanzi_run(rng, pool, sn));
    }
    s.push('\n');
    let _ = writeln!(s, "□ 记者 {} 文/图\n", hanzi_run(rng, pool, 2));
    while s.len() < target {
        if rng.chance(10) {
            let hn = rng.range(4, 8);
            let _ = writeln!(s, "【{}】\n", hanzi_run(rng, pool, hn));
        }
        let p = cn_paragraph(rng, pool);
        let _ = writeln!(s, "\u{3000}\u{3000}{p}\n");
        paras.push(p);
    }
    let stem = format!("{y:04}-{m:02}-{d:02}-稿件{i:06}");
    let mut hugo =
        format!("---\ntitle: \"{title}\"\ndate: {y:04}-{m:02}-{d:02}T00:00:00+00:00\n---\n\n");
    for p in paras {
        let _ = writeln!(hugo, "{p}\n");
    }
    Doc {
        rel: PathBuf::from(format!("{y:04}/{stem}.txt")),
        bytes: s,
        hugo,
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: gen_corpus N DIR [--seed S] [--hugo HUGO_CONTENT_DIR]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut positional, mut seed, mut hugo) = (Vec::new(), 1_u64, None::<PathBuf>);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seed" => match it.next().and_then(|s| s.parse().ok()) {
                Some(s) => seed = s,
                None => return usage(),
            },
            "--hugo" => match it.next() {
                Some(d) => hugo = Some(PathBuf::from(d)),
                None => return usage(),
            },
            _ => positional.push(a.clone()),
        }
    }
    let [n, dir] = positional.as_slice() else {
        return usage();
    };
    let Ok(n) = n.parse::<usize>() else {
        return usage();
    };
    match generate(n, Path::new(dir), seed, hugo.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_corpus: {e}");
            ExitCode::from(1)
        }
    }
}

fn generate(n: usize, dir: &Path, seed: u64, hugo: Option<&Path>) -> std::io::Result<()> {
    let mut rng = Rng(seed);
    let pool: Vec<char> = HANZI.chars().collect();
    // ~200 distinct tags: stems alone and with suffixes.
    let tags: Vec<String> = TAG_STEMS
        .iter()
        .flat_map(|s| TAG_SUFFIXES.iter().map(move |x| format!("{s}{x}")))
        .collect();
    for i in 0..n {
        let doc = if rng.chance(70) {
            markdown(&mut rng, i, &tags)
        } else {
            text(&mut rng, i, &pool)
        };
        let path = dir.join(&doc.rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, &doc.bytes)?;
        if let Some(h) = hugo {
            let stem = doc
                .rel
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let hp = h.join(format!(
                "a{i:06}-{}.md",
                stem.chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(40)
                    .collect::<String>()
            ));
            if let Some(parent) = hp.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(hp, &doc.hugo)?;
        }
    }
    Ok(())
}
