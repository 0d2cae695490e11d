//! Bytes to text: BOM sniffing (UTF-8, UTF-32 and UTF-16 LE/BE), UTF-16 without BOM, strict
//! UTF-8, then legacy encodings guessed by chardetng with GB18030 as the fallback. Never lossy: a
//! decode that needs a replacement character, or yields C1 controls, counts as a wrong guess.
//!
//! Line endings are normalized to `\n` (CRLF, lone CR; NEL, U+2028 and U+2029, a blank line, when
//! they end the file's lines), so that every later stage sees one kind of line and line numbers
//! count the same way everywhere.

use std::borrow::Cow;

use encoding_rs::{
    Encoding, BIG5, EUC_JP, EUC_KR, GB18030, ISO_2022_JP, ISO_8859_13, ISO_8859_2, ISO_8859_4,
    SHIFT_JIS, UTF_16BE, UTF_16LE, WINDOWS_1250, WINDOWS_1252, WINDOWS_1254, WINDOWS_1257,
    WINDOWS_1258, WINDOWS_874,
};

use super::{cjk, ArticleErrorKind};

/// Decode `bytes` to text with `\n` line endings and no BOM.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ArticleErrorKind> {
    decode_with(bytes, false)
}

/// [`decode`] for an HTML file, whose `<meta charset>` is taken into account.
pub fn decode_html(bytes: &[u8]) -> Result<Cow<'_, str>, ArticleErrorKind> {
    decode_with(bytes, true)
}

/// U+FEFF as a `&str`: a string needle is searched with SIMD, a `char` one byte by byte.
const BOM: &str = "\u{FEFF}";

fn decode_with(bytes: &[u8], html: bool) -> Result<Cow<'_, str>, ArticleErrorKind> {
    let text = decode_raw(bytes, html)?;
    // A BOM is no text, leading or inside (two files joined by `cat`, each with its BOM).
    let text = match text {
        Cow::Borrowed(s) => match s.strip_prefix('\u{FEFF}').unwrap_or(s) {
            rest if rest.contains(BOM) => Cow::Owned(rest.replace(BOM, "")),
            rest => Cow::Borrowed(rest),
        },
        Cow::Owned(s) if s.contains(BOM) => Cow::Owned(s.replace(BOM, "")),
        Cow::Owned(s) => Cow::Owned(s),
    };
    Ok(normalize_newlines(text))
}

fn decode_raw(bytes: &[u8], html: bool) -> Result<Cow<'_, str>, ArticleErrorKind> {
    let text = decode_unchecked(bytes, html)?;
    // A file that already holds U+FFFD was damaged by an earlier lossy conversion: publishing
    // it would spread the damage (and some readers reject it).
    if let Some(at) = text.find("\u{FFFD}") {
        return Err(ArticleErrorKind::ReplacementChars {
            line: line_at(&text[..at]),
        });
    }
    Ok(text)
}

/// Where to look when a file cannot be decoded: with a UTF-32 BOM, the line of the first unit
/// that is no character; else the line of the first byte that is not UTF-8, unless a UTF-16
/// BOM says the file is no UTF-8 at all.
pub fn undecodable_line(bytes: &[u8]) -> Option<usize> {
    if let Some((rest, big_endian)) = utf32_bom(bytes) {
        return utf32(rest, big_endian).err();
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return None;
    }
    let at = std::str::from_utf8(bytes).err()?.valid_up_to();
    std::str::from_utf8(&bytes[..at]).ok().map(line_at)
}

/// The line number of the end of `before`, in any newline convention, counted as in the
/// text [`normalize_newlines`] makes.
fn line_at(before: &str) -> usize {
    1 + normalize_newlines(Cow::Borrowed(before))
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
}

fn decode_unchecked(bytes: &[u8], html: bool) -> Result<Cow<'_, str>, ArticleErrorKind> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(Cow::Borrowed)
            .map_err(|_| ArticleErrorKind::Undecodable);
    }
    // Before UTF-16's: UTF-32LE's BOM starts with UTF-16LE's.
    if let Some((rest, big_endian)) = utf32_bom(bytes) {
        match utf32(rest, big_endian) {
            Ok(text) => return Ok(Cow::Owned(text)),
            // `FF FE 00 00` is also UTF-16LE's BOM before a U+0000: read so below.
            Err(_) if !big_endian => {}
            Err(_) => return Err(ArticleErrorKind::Undecodable),
        }
    }
    for (bom, encoding) in [(b"\xFF\xFE", UTF_16LE), (b"\xFE\xFF", UTF_16BE)] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return encoding
                .decode_without_bom_handling_and_without_replacement(rest)
                .map(|s| Cow::Owned(s.into_owned()))
                .ok_or(ArticleErrorKind::Undecodable);
        }
    }
    // One vectorized scan for control bytes spares the common file (none) the searches for
    // NUL and ESC below.
    let controls = has_control(bytes);
    if controls && bytes.contains(&0) {
        // UTF-8 with a few NULs is a text file with stray NULs (pasted terminal output, with
        // escapes too): of an even length it also decodes "cleanly" as UTF-16, to CJK
        // mojibake of its ASCII pairs. UTF-16 text has NULs in nearly every other byte, or
        // else is CJK text, read as such only when made of frequent characters (`上海市明天天气`
        // is all bytes below 0x80 but a line break's NUL).
        let nuls = bytes.iter().filter(|&&b| b == 0).count();
        let stray = nuls * 8 < bytes.len() && std::str::from_utf8(bytes).is_ok();
        if let Some(text) = utf16_without_bom(bytes).filter(|text| !stray || frequent_cjk(text)) {
            return Ok(Cow::Owned(text));
        }
        // Without a BOM, UTF-32 is not read (nothing marks it), but named, not called binary.
        return Err(if utf32_without_bom(bytes) {
            ArticleErrorKind::Utf32WithoutBom
        } else {
            ArticleErrorKind::Binary
        });
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        // ISO-2022-JP (JIS, as Japanese mail and old tools write it) is 7-bit, so valid
        // UTF-8: its escape sequences tell it apart, else the kanji would be ASCII garbage.
        let jis = controls
            && [b"\x1B$B".as_slice(), b"\x1B$@", b"\x1B(I"]
                .iter()
                .any(|esc| find(bytes, esc).is_some());
        if jis {
            if let Some(text) = strict_decode(ISO_2022_JP, bytes) {
                return Ok(Cow::Owned(text));
            }
        }
        // UTF-16 of a few hanzi can be all bytes below 0x80 (`张堃` is `20 5F 03 58`): valid
        // UTF-8, but with control characters no text file holds.
        if controls {
            if let Some(text) = utf16_cjk(bytes, 0) {
                return Ok(Cow::Owned(text));
            }
        }
        if let Some(text) = gbk_in_utf8_clothing(bytes, s) {
            return Ok(Cow::Owned(text));
        }
        return Ok(Cow::Borrowed(s));
    }
    if utf8_with_surrogates(bytes) {
        // UTF-16 surrogates written as UTF-8 (CESU-8, WTF-8: Java's modified UTF-8, a lone
        // half of an emoji): every other reading is mojibake of the rest.
        return Err(ArticleErrorKind::Undecodable);
    }
    // Short CJK text: chardetng has too few characters to go on, so the readings are weighed
    // by how often the language writes their characters.
    let short = bytes.iter().filter(|b| **b >= 0x80).count() < 2 * SHORT_PAIRS;
    let cjk = if short { short_cjk(bytes) } else { None };
    let cjk_score = cjk.as_ref().map_or(0, |c| c.score);
    if let Some(text) = utf16_cjk(bytes, cjk_score) {
        return Ok(Cow::Owned(text));
    }
    let convincing = cjk.as_ref().is_some_and(|c| c.convincing);
    let (long, broken) = utf8_sequences(bytes);
    if (mostly_utf8(bytes) || (short && long > 0)) && !(convincing && long <= broken) {
        // UTF-8 with a few broken bytes: any legacy decode would be mojibake of the rest (in
        // a short text, one valid three-byte sequence is enough to tell). But a few GBK hanzi
        // often hold valid UTF-8 sequences by chance (`张堃当选` is `D5 [C5 88] [D2 B5] B1
        // [D1 A1]`): a convincing CJK reading wins unless three-byte sequences (Chinese
        // UTF-8's) outnumber the broken spots.
        return Err(ArticleErrorKind::Undecodable);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    // An HTML file (not Markdown or text that may quote one) that names its encoding (`<meta charset=euc-kr>`) is taken at its word when
    // the bytes decode cleanly in it and the guess agrees on the kind (double-byte CJK or
    // single-byte): guessing has little to go on in a short page, while a template's stale
    // `iso-8859-1` over GBK text would be mojibake.
    let meta = html
        .then(|| meta_charset(bytes))
        .flatten()
        .filter(|m| m.is_single_byte() == guess.is_single_byte());
    if let Some(text) = meta.and_then(|m| strict_decode(m, bytes)) {
        return Ok(Cow::Owned(text));
    }
    // Thai (windows-874) bytes pair up like GB2312 too; its spelling tells it apart.
    let thai = thai(guess, bytes);
    // chardetng's guess among GBK, EUC-KR, Big5 and Shift_JIS is weak on a few characters (and
    // ties go to EUC-KR); a single-byte guess (KOI8, windows-1252) for short CJK text is
    // overruled only by a convincing CJK reading.
    if let Some(c) =
        cjk.filter(|c| !thai && (CJK.contains(&guess) || (guess.is_single_byte() && c.convincing)))
    {
        return Ok(Cow::Owned(c.text));
    }
    // When the guess is a single-byte encoding but the bytes are all GB2312 pairs with common
    // (level-1) hanzi, Chinese is the better bet.
    let first = if !thai && guess.is_single_byte() && plausible_gb2312(bytes) {
        GB18030
    } else if guess.is_single_byte() && guess != WINDOWS_1252 && symbols_only(guess, bytes) {
        // English with a `£5` or `25°C ±2`: chardetng reads the lone symbols as letters of
        // another single-byte encoding (`Ł5`, `ą2`), which no language writes alone.
        WINDOWS_1252
    } else {
        guess
    };
    if first.is_single_byte()
        && damaged_double_byte(bytes, LATIN.contains(&first))
        && !thai
        && !strict_decode(first, bytes).is_some_and(|text| well_cased(&text))
    {
        // Chinese cut mid-character or with a stray byte: every single-byte encoding decodes
        // it, as mojibake. Reported instead, like damaged UTF-8.
        return Err(ArticleErrorKind::Undecodable);
    }
    if LATIN.contains(&first) && utf8_latin1(bytes) {
        // UTF-8 with windows-1252 punctuation pasted in (Word's `’` and `“”` in a UTF-8 file):
        // read as a Latin encoding, its UTF-8 letters become `Ã©` or `Ăź`. Reported, like
        // damaged UTF-8.
        return Err(ArticleErrorKind::Undecodable);
    }
    let mut tried: Vec<&'static Encoding> = Vec::with_capacity(6);
    for encoding in [first, guess, GB18030, BIG5, SHIFT_JIS, EUC_KR] {
        if tried.contains(&encoding) {
            continue;
        }
        tried.push(encoding);
        if let Some(text) = strict_decode(encoding, bytes) {
            return Ok(Cow::Owned(text));
        }
    }
    Err(ArticleErrorKind::Undecodable)
}

/// Whether `bytes` are UTF-8 but for one or more UTF-16 surrogates encoded like characters
/// (`ED A0..BF 80..BF`), which UTF-8 forbids.
fn utf8_with_surrogates(mut bytes: &[u8]) -> bool {
    let mut surrogates = false;
    loop {
        match std::str::from_utf8(bytes) {
            Ok(_) => return surrogates,
            Err(e) => match &bytes[e.valid_up_to()..] {
                [0xED, 0xA0..=0xBF, 0x80..=0xBF, rest @ ..] => {
                    surrogates = true;
                    bytes = rest;
                }
                _ => return false,
            },
        }
    }
}

/// Whether `bytes` hold an ASCII control character (NUL and ESC among them) other than tab,
/// line feed, form feed and carriage return. Branch-free over blocks, so the compiler
/// vectorizes it: this runs on every file (a `chars()` scan was ~15% of parsing one).
fn has_control(bytes: &[u8]) -> bool {
    bytes
        .chunks(64)
        .any(|block| block.iter().fold(false, |any, &b| any | is_control(b)))
}

/// Whether `b` is an ASCII control character other than tab, line feed, form feed and
/// carriage return.
fn is_control(b: u8) -> bool {
    ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != 0x0C) & (b != b'\r')) | (b == 0x7F)
}

/// UTF-16 saved without a BOM (some exporters and `iconv -t UTF-16LE` do): it decodes
/// strictly to text with no control characters but tab and line breaks (so no U+0000, which a
/// pair of NUL bytes in any binary file becomes) and few U+xx00 characters (ASCII read in the
/// wrong byte order). The byte order with more NULs in the high bytes is tried first.
fn utf16_without_bom(bytes: &[u8]) -> Option<String> {
    if bytes.len() % 2 != 0 {
        return None;
    }
    let nuls_at = |parity: usize| {
        bytes
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let order = if nuls_at(1) >= nuls_at(0) {
        [UTF_16LE, UTF_16BE]
    } else {
        [UTF_16BE, UTF_16LE]
    };
    // Both orders can decode cleanly (`两会开幕\n` has as many NULs low as high: `开` is
    // U+5F00): the one with more characters of a known script wins, ties to the NUL count's.
    let known = |text: &str| {
        text.chars()
            .filter(|&c| {
                matches!(c, '\0'..='\u{4FF}' | '\u{2000}'..='\u{206F}' | '\u{3000}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7A3}' | '\u{FF00}'..='\u{FFEF}')
            })
            .count()
    };
    let mut readings = order.into_iter().filter_map(|encoding| {
        let text = encoding.decode_without_bom_handling_and_without_replacement(bytes)?;
        let clean = text.chars().all(|c| {
            matches!(c, '\t' | '\n' | '\r')
                || !(c.is_control() || super::xml_safe::is_forbidden(c) || c == '\u{FFFD}')
        });
        // Read in the wrong byte order, ASCII becomes U+xx00 characters: rare in real text
        // (frequent ones, `一` U+4E00, `开` U+5F00, are real).
        let swapped = text
            .chars()
            .filter(|&c| c > '\u{FF}' && u32::from(c) & 0xFF == 0 && !cjk::frequent(c))
            .count();
        (clean && swapped * 8 <= text.chars().count()).then(|| text.into_owned())
    });
    let first = readings.next()?;
    match readings.next() {
        Some(second) if known(&second) > known(&first) => Some(second),
        _ => Some(first),
    }
}

/// The bytes after a UTF-32 BOM (`FF FE 00 00` little-endian, `00 00 FE FF` big-endian), and
/// whether they are big-endian.
fn utf32_bom(bytes: &[u8]) -> Option<(&[u8], bool)> {
    match bytes {
        [0xFF, 0xFE, 0, 0, rest @ ..] => Some((rest, false)),
        [0, 0, 0xFE, 0xFF, rest @ ..] => Some((rest, true)),
        _ => None,
    }
}

/// UTF-32 (encoding_rs has no decoder for it), or the line of the first unit that is no
/// character (a surrogate, above U+10FFFF, or cut short at the end).
fn utf32(bytes: &[u8], big_endian: bool) -> Result<String, usize> {
    let mut text = String::with_capacity(bytes.len() / 4);
    for unit in bytes.chunks(4) {
        let c = <[u8; 4]>::try_from(unit)
            .ok()
            .map(|u| {
                if big_endian {
                    u32::from_be_bytes(u)
                } else {
                    u32::from_le_bytes(u)
                }
            })
            .and_then(char::from_u32)
            .ok_or_else(|| line_at(&text))?;
        text.push(c);
    }
    Ok(text)
}

/// Whether `bytes` are UTF-32 text without a BOM in either byte order: every unit a character,
/// none of them a control character but tab and line breaks (a binary file's zeros are U+0000),
/// and a space or line break among them (`ab\0\0` is one hanzi, more likely a binary's bytes).
fn utf32_without_bom(bytes: &[u8]) -> bool {
    bytes.len() % 4 == 0
        && [false, true].into_iter().any(|big_endian| {
            utf32(bytes, big_endian).is_ok_and(|text| {
                text.contains([' ', '\n', '\r'])
                    && text.chars().all(|c| {
                        matches!(c, '\t' | '\n' | '\r')
                            || !(c.is_control() || super::xml_safe::is_forbidden(c))
                    })
            })
        })
}

/// The legacy encoding a `<meta charset=…>` or `<meta http-equiv=Content-Type content="…;
/// charset=…">` in the first 1024 bytes names (where browsers look), if any.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta") {
        let start = from + at + 5;
        let end = find(&lower[start..], b">").map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        from = end;
        let Some(c) = find(tag, b"charset") else {
            continue;
        };
        let rest = tag[c + 7..].trim_ascii_start();
        let Some(rest) = rest.strip_prefix(b"=") else {
            continue;
        };
        let rest = rest.trim_ascii_start();
        let rest = rest
            .strip_prefix(b"\"")
            .or(rest.strip_prefix(b"'"))
            .unwrap_or(rest);
        let len = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
            .count();
        return Encoding::for_label(&rest[..len])
            .filter(|e| !matches!(e.name(), "UTF-8" | "UTF-16LE" | "UTF-16BE" | "replacement"));
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Below this many double-byte characters, chardetng's guess between GBK and EUC-KR is weak.
const SHORT_PAIRS: usize = 16;

/// The double-byte CJK encodings chardetng guesses.
const CJK: [&Encoding; 6] = [GB18030, encoding_rs::GBK, BIG5, SHIFT_JIS, EUC_JP, EUC_KR];

/// The best CJK reading of short bytes, by [`cjk::score`].
struct CjkReading {
    text: String,
    score: i64,
    /// Frequent enough (half the characters frequent, or all common) to outweigh other
    /// evidence: a single-byte guess, or valid UTF-8 sequences that may be chance.
    convincing: bool,
}

/// The reading of `bytes` in GB18030, Big5, Shift_JIS, EUC-JP or EUC-KR (ties in that order:
/// a Chinese newsroom's copy first) with the best [`cjk::score`], if any decodes cleanly.
fn short_cjk(bytes: &[u8]) -> Option<CjkReading> {
    let mut best: Option<CjkReading> = None;
    for encoding in [GB18030, BIG5, SHIFT_JIS, EUC_JP, EUC_KR] {
        let Some(text) = strict_decode(encoding, bytes) else {
            continue;
        };
        let score = cjk::score(encoding, &text);
        if best.as_ref().is_none_or(|b| score > b.score) {
            let chars = text.chars().filter(|c| !c.is_ascii()).count();
            let convincing = chars > 0 && score >= 2 * i64::try_from(chars).unwrap_or(i64::MAX);
            best = Some(CjkReading {
                text,
                score,
                convincing,
            });
        }
    }
    best
}

/// The valid UTF-8 sequences of three or four bytes (CJK, emoji) in `bytes`, which chance
/// makes rare in legacy text unlike two-byte ones, and the broken spots.
fn utf8_sequences(bytes: &[u8]) -> (usize, usize) {
    let (mut long, mut broken) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        long += chunk.valid().chars().filter(|c| c.len_utf8() >= 3).count();
        broken += usize::from(!chunk.invalid().is_empty());
    }
    (long, broken)
}

/// UTF-16 without BOM and without NUL bytes (no ASCII, no line break: a headline of hanzi,
/// kana or hangul), read in the only byte order where every character is CJK, at least half
/// the letters (not punctuation) frequent, and the [`cjk::score`] above `legacy`, the best
/// legacy CJK reading's.
fn utf16_cjk(bytes: &[u8], legacy: i64) -> Option<String> {
    if bytes.len() < 4 || bytes.len() % 2 != 0 || bytes.contains(&0) {
        return None;
    }
    let readings: Vec<String> = [UTF_16LE, UTF_16BE]
        .into_iter()
        .filter_map(|encoding| {
            let text = encoding.decode_without_bom_handling_and_without_replacement(bytes)?;
            let punctuation = |c: char| {
                matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF01}'..='\u{FF5E}' | '\u{2010}'..='\u{2027}')
            };
            let letter = |c: char| {
                matches!(c, '\u{3041}'..='\u{30FF}' | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7A3}' | '\u{FF66}'..='\u{FF9F}')
            };
            if !text.chars().all(|c| letter(c) || punctuation(c)) {
                return None;
            }
            let letters = text.chars().filter(|&c| letter(c)).count();
            let frequent = text.chars().filter(|&c| cjk::frequent(c)).count();
            let score = [GB18030, BIG5, SHIFT_JIS, EUC_KR]
                .into_iter()
                .map(|e| cjk::score(e, &text))
                .max()
                .unwrap_or(0);
            (letters > 0 && frequent * 2 >= letters && score > legacy).then(|| text.into_owned())
        })
        .collect();
    match <[String; 1]>::try_from(readings) {
        Ok([text]) => Some(text),
        Err(_) => None,
    }
}

/// GBK whose every hanzi is also a two-byte UTF-8 sequence (`全员通知` is `C8 AB D4 B1 CD A8
/// D6 AA`, UTF-8 for `ȫԱ֪ͨ`): common in mostly-ASCII text with a few frequent characters
/// (`5元`). Read as GBK when the UTF-8 reading is mostly characters of blocks such mojibake
/// lands in and text rarely uses (IPA, combining marks, Armenian, Hebrew points, Syriac...)
/// and the GBK reading is all CJK, mostly frequent: real UTF-8 Latin, Greek, Cyrillic, Hebrew
/// or Arabic stays as it is.
fn gbk_in_utf8_clothing(bytes: &[u8], utf8: &str) -> Option<String> {
    if utf8.is_ascii() || bytes.iter().any(|&b| b >= 0xE0) {
        return None;
    }
    // A combining mark on an ASCII letter is real text's: decomposed (NFD) Polish or
    // Lithuanian from a Mac, IPA (`d͡ʒ`, `n̩`). GBK read as UTF-8 gives marks on letters only
    // from U+0363 to U+036F, medieval superscript letters no text uses (`App通知`: `通` is
    // U+0368); its other marks (`台` is U+0328) after a letter are left to the real text.
    let combining = |c: char| matches!(c, '\u{0300}'..='\u{036F}');
    let superscript_letter = |c: char| matches!(c, '\u{0363}'..='\u{036F}');
    let rare = |c: char| {
        matches!(c, '\u{0180}'..='\u{0217}' | '\u{021C}'..='\u{02FF}')
            || matches!(c, '\u{0500}'..='\u{05CF}' | '\u{0700}'..='\u{07FF}')
    };
    let (mut others, mut rares, mut before) = (0, 0, ' ');
    for c in utf8.chars() {
        if combining(c) && before.is_ascii_alphabetic() && !superscript_letter(c) {
            return None;
        }
        before = c;
        if !c.is_ascii() {
            others += 1;
            rares += usize::from(rare(c));
        }
    }
    if rares * 2 < others {
        return None;
    }
    let gbk = strict_decode(GB18030, bytes)?;
    // Chinese puts a hanzi between Latin words (`OpenAI为ChatGPT`), hardly ever inside a
    // lowercase one (`/失e瑟n/` is IPA read as GBK).
    let chars: Vec<char> = gbk.chars().collect();
    let inside_a_word = chars
        .windows(3)
        .any(|w| w[0].is_ascii_lowercase() && !w[1].is_ascii() && w[2].is_ascii_lowercase());
    (!inside_a_word && frequent_cjk(&gbk)).then_some(gbk)
}

/// Whether every character of `text` beyond ASCII is CJK, a hanzi or CJK punctuation, with
/// hanzi among them and at least half of them frequent: what Chinese text is, and what another
/// encoding's bytes read as CJK rarely are.
fn frequent_cjk(text: &str) -> bool {
    let (mut hanzi, mut frequent) = (0, 0);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        match c {
            '\u{4E00}'..='\u{9FFF}' => {
                hanzi += 1;
                frequent += usize::from(cjk::frequent(c));
            }
            '\u{3000}'..='\u{303F}' | '\u{FF01}'..='\u{FF5E}' | '\u{2010}'..='\u{2027}' => {}
            _ => return false,
        }
    }
    hanzi > 0 && frequent * 2 >= hanzi
}

/// Whether invalid UTF-8 is nevertheless mostly valid multi-byte UTF-8 (more valid sequences
/// than broken ones), i.e. damaged UTF-8 rather than a legacy encoding.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut broken) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        broken += usize::from(!chunk.invalid().is_empty());
    }
    valid > 0 && valid >= broken
}

/// The Latin-script single-byte encodings chardetng guesses.
const LATIN: [&Encoding; 8] = [
    WINDOWS_1250,
    WINDOWS_1252,
    WINDOWS_1254,
    WINDOWS_1257,
    WINDOWS_1258,
    ISO_8859_2,
    ISO_8859_4,
    ISO_8859_13,
];

/// Whether `bytes` hold a UTF-8 Latin-1 character (`é` is `C3 A9`): in a Latin encoding that
/// is a capital (`Ã`, `Ă`, `Â`, `Ć`) before a symbol or a small letter (`Ã©`, `Ăź`), which real
/// text hardly ever writes. (Not in Cyrillic ones: Ukrainian `Гі` is `C3 B3`.)
fn utf8_latin1(bytes: &[u8]) -> bool {
    bytes
        .windows(2)
        .any(|w| matches!(w, [0xC2 | 0xC3, 0x80..=0xBF]))
}

/// Decode with `encoding`, or `None` if the bytes are malformed in it or the result looks like
/// a wrong guess (replacement characters or C1 controls).
fn strict_decode(encoding: &'static Encoding, bytes: &[u8]) -> Option<String> {
    let text = encoding.decode_without_bom_handling_and_without_replacement(bytes)?;
    if text
        .chars()
        .any(|c| c == '\u{FFFD}' || ('\u{80}'..='\u{9F}').contains(&c))
    {
        return None;
    }
    Some(text.into_owned())
}

/// A GB2312 pair for [`count_pairs`]; common when a level-1 hanzi.
fn gb2312_pair(lead: u8, trail: u8) -> Option<bool> {
    let pair = (0xA1..=0xF7).contains(&lead) && (0xA1..=0xFE).contains(&trail);
    pair.then_some((0xB0..=0xD7).contains(&lead))
}

/// Whether every non-ASCII byte is part of a GB2312 pair (or a GB18030 four-byte sequence)
/// and one pair is a level-1 hanzi.
fn plausible_gb2312(bytes: &[u8]) -> bool {
    let c = count_pairs(bytes, true, gb2312_pair);
    c.stray == 0 && c.common > 0
}

/// Whether the bytes are GB2312 or Big5 text but for one or two bytes that pair with nothing
/// (a file cut mid-character, a stray byte), with at least 8 characters mostly of the common
/// range (GB2312 level-1 hanzi and punctuation; Big5 frequent characters, with trail bytes above
/// ASCII often enough that accented Latin letters followed by ASCII do not look like Big5).
///
/// When the guess is a Latin encoding (`latin`), whose languages rarely put two accented
/// letters side by side, more damage is recognised: from 4 GB2312 characters, one stray byte in
/// five (bytes cut out of a long article, a headline cut short).
fn damaged_double_byte(bytes: &[u8], latin: bool) -> bool {
    let damaged = |c: &Pairs| (1..=2).contains(&c.stray) && c.pairs >= 8;
    let gb = count_pairs(bytes, true, |lead, trail| {
        let pair = (0xA1..=0xF7).contains(&lead) && (0xA1..=0xFE).contains(&trail);
        pair.then_some((0xA1..=0xD7).contains(&lead))
    });
    let damaged_gb =
        damaged(&gb) || (latin && gb.stray > 0 && gb.pairs >= 4 && gb.stray * 5 <= gb.pairs);
    if damaged_gb && gb.common * 10 >= gb.pairs * 7 {
        return true;
    }
    let big5 = count_pairs(bytes, false, |lead, trail| {
        let pair = (0xA1..=0xF9).contains(&lead)
            && ((0x40..=0x7E).contains(&trail) || (0xA1..=0xFE).contains(&trail));
        pair.then_some((0xA1..=0xC6).contains(&lead) && trail >= 0xA1)
    });
    // `common` counts pairs that are both frequent and have a high trail byte here.
    damaged(&big5) && big5.common * 10 >= big5.pairs * 3
}

/// Whether `text` reads as an alphabet's: mostly letters (three in four of what is not white
/// space, ASCII included), and words each in lower case, in capitals, or capitalised (nine in
/// ten words of two letters or more). Damaged Chinese read in a single-byte encoding is half
/// symbols (`¡¤¦¬`) and mixes cases inside words (`êÌâ`), while Russian in KOI8-R, Greek in
/// capitals or Portuguese `ATENÇÃO` in windows-1252, whose letters also pair up like GB2312,
/// are neither.
fn well_cased(text: &str) -> bool {
    let shown = text.chars().filter(|c| !c.is_whitespace()).count();
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    if letters * 4 < shown * 3 {
        return false;
    }
    let (mut words, mut cased) = (0usize, 0usize);
    for word in text.split(|c: char| !c.is_alphabetic()) {
        let mut chars = word.chars();
        let Some(first) = chars.next() else { continue };
        let rest: Vec<char> = chars.collect();
        if rest.is_empty() {
            continue;
        }
        words += 1;
        let lower = |c: &char| !c.is_uppercase();
        let upper = |c: &char| !c.is_lowercase();
        if rest.iter().all(lower) || (upper(&first) && rest.iter().all(upper)) {
            cased += 1;
        }
    }
    words > 0 && cased * 10 >= words * 9
}

/// Whether the single-byte `guess` reads the bytes that windows-1252 reads differently only
/// as characters outside words: no letter of the guess's reading there has a letter beside it.
/// Then they are windows-1252's symbols (`£`, `±`, `©`, `µ`), not the guess's letters (`Ł`,
/// `ą`, `Š`, `ľ`), which a language writes inside words. False when windows-1252 cannot
/// decode the bytes cleanly.
fn symbols_only(guess: &'static Encoding, bytes: &[u8]) -> bool {
    let (Some(theirs), Some(ours)) = (
        strict_decode(guess, bytes),
        strict_decode(WINDOWS_1252, bytes),
    ) else {
        return false;
    };
    // Single-byte encodings: one char per byte, so positions line up.
    let theirs: Vec<char> = theirs.chars().collect();
    let ours: Vec<char> = ours.chars().collect();
    if theirs.len() != ours.len() {
        return false;
    }
    let letter = |i: Option<usize>| {
        i.and_then(|i| theirs.get(i))
            .is_some_and(|c| c.is_alphabetic())
    };
    (0..theirs.len())
        .filter(|&i| theirs[i] != ours[i])
        .all(|i| !theirs[i].is_alphabetic() || !(letter(i.checked_sub(1)) || letter(Some(i + 1))))
}

/// Whether `bytes` are Thai in `encoding` (windows-874, as Thai Windows saves text), spelled the
/// way Thai is: every vowel or tone mark written above or below sits on a consonant (at most
/// two stacked). Thai bytes are all in the GB2312 range, so only this tells Thai from damaged
/// Chinese, which puts marks anywhere.
fn thai(encoding: &'static Encoding, bytes: &[u8]) -> bool {
    if encoding != WINDOWS_874 {
        return false;
    }
    let Some(text) = strict_decode(encoding, bytes) else {
        return false;
    };
    let consonant = |c: char| ('\u{E01}'..='\u{E2E}').contains(&c);
    let mark = |c: char| matches!(c, '\u{E31}' | '\u{E34}'..='\u{E3A}' | '\u{E47}'..='\u{E4E}');
    let (mut before, mut prev) = (' ', ' ');
    let mut marks = 0usize;
    for c in text.chars() {
        if mark(c) {
            if !(consonant(prev) || (mark(prev) && consonant(before))) {
                return false;
            }
            marks += 1;
        }
        (before, prev) = (prev, c);
    }
    marks > 0
}

/// What [`count_pairs`] found.
#[derive(Default)]
struct Pairs {
    pairs: usize,
    common: usize,
    stray: usize,
}

/// Double-byte pairs in `bytes` as `pair(lead, trail)` sees them (`None`: not a pair;
/// `Some(common)`), and the non-ASCII bytes that are in no pair. With `gb18030`, a four-byte
/// sequence (an emoji, a rare hanzi) is skipped rather than counted as two strays.
fn count_pairs(bytes: &[u8], gb18030: bool, pair: impl Fn(u8, u8) -> Option<bool>) -> Pairs {
    let mut c = Pairs::default();
    let mut i = 0;
    while i < bytes.len() {
        let lead = bytes[i];
        if lead < 0x80 {
            i += 1;
            continue;
        }
        if gb18030 && four_byte_gb18030(&bytes[i..]) {
            i += 4;
            continue;
        }
        match bytes.get(i + 1).and_then(|&t| pair(lead, t)) {
            Some(common) => {
                c.pairs += 1;
                c.common += usize::from(common);
                i += 2;
            }
            None => {
                c.stray += 1;
                i += 1;
            }
        }
    }
    c
}

/// Whether `bytes` start with a GB18030 four-byte sequence: lead, digit, lead, digit.
fn four_byte_gb18030(bytes: &[u8]) -> bool {
    let lead = |b: &u8| (0x81..=0xFE).contains(b);
    matches!(bytes, [a, b, c, d, ..] if lead(a) && b.is_ascii_digit() && lead(c) && d.is_ascii_digit())
}

/// CRLF and lone CR become LF. So do NEL (U+0085, what `iconv` makes of EBCDIC's) and LINE
/// SEPARATOR (U+2028), PARAGRAPH SEPARATOR (U+2029, InDesign's and JavaScript's) a blank line,
/// when they are the file's line breaks: one pasted into a line of an LF file (a Word title in
/// front matter) is no break (YAML would fail on the line it starts), and is left to later
/// stages (a space in a title). Borrows when there is nothing to change.
fn normalize_newlines(text: Cow<'_, str>) -> Cow<'_, str> {
    const SEPARATORS: [&str; 3] = ["\u{85}", "\u{2028}", "\u{2029}"];
    // Searched as strings, which std does with SIMD: their last bytes are everywhere in CJK
    // text, so a search by bytes or by characters stopped at nearly every hanzi (+15% on
    // `check`).
    let separators = match SEPARATORS.iter().any(|s| text.contains(s)) {
        true => SEPARATORS.iter().map(|s| text.matches(s).count()).sum(),
        false => 0,
    };
    let cr = text.contains('\r');
    let breaks =
        separators > 0 && separators > text.bytes().filter(|&b| b == b'\n' || b == b'\r').count();
    if !(breaks || cr) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                out.push('\n');
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
            }
            '\u{85}' | '\u{2028}' if breaks => out.push('\n'),
            '\u{2029}' if breaks => out.push_str("\n\n"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;
