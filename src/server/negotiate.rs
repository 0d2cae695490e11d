//! `Accept-Encoding` (RFC 9110 §12.5.3) → the [`Coding`] to send. Pure.
//!
//! The highest q wins among `br` and `gzip` (`x-gzip` counts as gzip); at equal q `br` wins, as
//! it is smaller. `*` gives its q to the codings not named. `q=0` forbids. Identity is sent when
//! no compressed coding is acceptable, or when the client names identity with a strictly higher
//! q than the best compressed one; it is sent even when the client forbade it and nothing else
//! is acceptable (allowed by the RFC, and more useful than a 406). Entries that cannot be
//! parsed are skipped.

use crate::site::Coding;

/// q-values in thousandths, the precision HTTP allows.
type Q = u16;

/// Pick the coding for one response. `values` are the request's `Accept-Encoding` field lines
/// (none at all: identity).
pub fn negotiate<'a>(values: impl IntoIterator<Item = &'a str>) -> Coding {
    let mut br: Option<Q> = None;
    let mut gzip: Option<Q> = None;
    let mut identity: Option<Q> = None;
    let mut star: Option<Q> = None;
    for entry in values.into_iter().flat_map(|v| v.split(',')) {
        let mut params = entry.split(';');
        let name = params.next().unwrap_or("").trim();
        if name.is_empty() {
            continue;
        }
        let Some(q) = quality(params) else { continue };
        let slot = if name.eq_ignore_ascii_case("br") {
            &mut br
        } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            &mut gzip
        } else if name.eq_ignore_ascii_case("identity") {
            &mut identity
        } else if name == "*" {
            &mut star
        } else {
            continue;
        };
        // A coding named twice keeps its best q.
        *slot = Some(slot.map_or(q, |old| old.max(q)));
    }
    let br = br.or(star).unwrap_or(0);
    let gzip = gzip.or(star).unwrap_or(0);
    let (best, q) = if br >= gzip {
        (Coding::Brotli, br)
    } else {
        (Coding::Gzip, gzip)
    };
    if q == 0 || identity.is_some_and(|id| id > q) {
        Coding::Identity
    } else {
        best
    }
}

/// The `q` parameter of one entry (1 when absent); `None` when the entry is malformed.
fn quality<'a>(params: impl Iterator<Item = &'a str>) -> Option<Q> {
    let mut q = 1000;
    for param in params {
        let (key, value) = param.split_once('=')?;
        if key.trim().eq_ignore_ascii_case("q") {
            q = parse_q(value.trim())?;
        }
    }
    Some(q)
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths.
fn parse_q(s: &str) -> Option<Q> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: Q = 0;
    for (i, b) in frac.bytes().enumerate() {
        thousandths += Q::from(b - b'0') * [100, 10, 1][i];
    }
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Coding::*;

    #[test]
    fn table() {
        let cases: &[(&str, Coding)] = &[
            ("", Identity),
            ("identity", Identity),
            ("gzip", Gzip),
            ("GZIP", Gzip),
            ("x-gzip", Gzip),
            ("br", Brotli),
            ("gzip, deflate, br", Brotli),
            ("gzip, deflate, br, zstd", Brotli),
            ("deflate", Identity),
            ("gzip;q=0", Identity),
            ("gzip;q=0, br;q=0", Identity),
            ("gzip;q=0.000", Identity),
            ("*", Brotli),
            ("*;q=0.5", Brotli),
            ("*;q=0", Identity),
            ("gzip, *;q=0", Gzip),
            ("br;q=0, *", Gzip),
            ("br;q=1.0, gzip;q=0.8", Brotli),
            ("br;q=0.5, gzip;q=0.8", Gzip),
            ("br;q=0.8, gzip;q=0.8", Brotli),
            ("gzip;q=0.8, br;q=0.8", Brotli),
            ("gzip ; q=0.5 , br ; Q=0.4", Gzip),
            ("gzip;q=1, identity;q=0.5", Gzip),
            ("gzip;q=0.5, identity", Identity),
            ("gzip;q=0.5, identity;q=0.5", Gzip),
            ("identity;q=0", Identity),
            ("identity;q=0, *;q=0", Identity),
            ("gzip, identity;q=0", Gzip),
            // Malformed entries are skipped, the rest still count.
            ("gzip;q=2, br;q=0.1", Brotli),
            ("br;q=abc, gzip", Gzip),
            ("br;q=0.1234, gzip;q=0.1", Gzip),
            ("br;q=-1", Identity),
            ("br;q=, gzip;q=0.001", Gzip),
            ("br;q", Identity),
            ("br;level=5", Brotli),
            (";;;,,,", Identity),
            ("garbage ùñí©ødé", Identity),
            ("br;q=1.001", Identity),
            ("gzip;q=0, gzip;q=1", Gzip),
        ];
        for (header, want) in cases {
            assert_eq!(negotiate([*header]), *want, "{header:?}");
        }
        assert_eq!(negotiate([]), Identity);
        assert_eq!(negotiate(["gzip;q=0.5", "br;q=0.6"]), Brotli);
    }

    #[test]
    fn q_values() {
        assert_eq!(parse_q("0"), Some(0));
        assert_eq!(parse_q("0."), Some(0));
        assert_eq!(parse_q("0.5"), Some(500));
        assert_eq!(parse_q("0.05"), Some(50));
        assert_eq!(parse_q("0.123"), Some(123));
        assert_eq!(parse_q("1"), Some(1000));
        assert_eq!(parse_q("1.000"), Some(1000));
        for bad in ["1.5", "2", "", ".5", "0.1234", "0.a", "+0.5", "0x1", "1e0"] {
            assert_eq!(parse_q(bad), None, "{bad:?}");
        }
    }
}
