//! Dates: front matter values, the `YYYY-MM-DD-` file-name prefix, and the mtime fallback.
//!
//! Dates without an offset are local times in the site's zone. A local time that falls in a DST
//! gap becomes the first valid time after the gap; an ambiguous one (DST overlap) the earlier.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta,
    TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

/// Parse a front-matter date: RFC 3339, `YYYY-MM-DD`, or `YYYY-MM-DD[T ]HH:MM[:SS[.f]]` in `tz`
/// or with an offset (`+08:00`, `+0800`, `Z`).
/// The error is a reason for the user.
pub fn parse_date(value: &str, tz: Tz) -> Result<DateTime<FixedOffset>, String> {
    let dt = parse_any(value, tz).map(without_leap_second)?;
    if !in_feed_range(&dt) {
        return Err("the year must be between 0001 and 9999, in UTC too".to_string());
    }
    if dt.offset().local_minus_utc().abs() > MAX_OFFSET {
        return Err("the offset from UTC must be at most 14:00".to_string());
    }
    Ok(dt)
}

/// The largest UTC offset xsd:dateTime (Atom's schema) allows; real zones span -12:00..+14:00.
const MAX_OFFSET: i32 = 14 * 3600;

/// Whether feeds can carry `dt`: a year from 1 to 9999, as written and in UTC. RFC 822 and
/// xsd:dateTime (Atom's schema) have no year 0, and feedparser and the JSON Feed checkers
/// reject it and years past 9999.
pub fn in_feed_range(dt: &DateTime<FixedOffset>) -> bool {
    let ok = |year: i32| (1..=9999).contains(&year);
    ok(dt.year()) && ok(dt.naive_utc().year())
}

/// A leap second (`23:59:60`, which chrono keeps as 23:59:59 with a second's worth of extra
/// nanoseconds) as the start of the next second: written as `:60`, feedparser rejects the date.
fn without_leap_second(dt: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    if dt.nanosecond() < 1_000_000_000 {
        return dt;
    }
    dt.with_nanosecond(0)
        .and_then(|d| d.checked_add_signed(TimeDelta::seconds(1)))
        .unwrap_or(dt)
}

fn parse_any(value: &str, tz: Tz) -> Result<DateTime<FixedOffset>, String> {
    let s = value.trim();
    if s.is_empty() {
        return Err("empty date".to_string());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt);
    }
    // RSS's own form, as WordPress exports and `date -R` write it.
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return Ok(dt);
    }
    // `Z` is UTC in every form with an offset (`2024-05-01T10:20Z`, without seconds).
    let zulu = s
        .strip_suffix(['Z', 'z'])
        .map(|rest| format!("{}+00:00", rest.trim_end()));
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        for s in std::iter::once(s).chain(zulu.as_deref()) {
            if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
                return Ok(dt);
            }
        }
    }
    if let Some(naive) = parse_naive(s) {
        return local(naive, tz)
            .ok_or_else(|| "not a valid local time in the site time zone".to_string());
    }
    Err(out_of_range(s).unwrap_or_else(|| {
        "expected YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS], RFC 3339 (2024-05-01T08:00:00+08:00) or RFC 2822 (Wed, 01 May 2024 08:00:00 +0800)"
            .to_string()
    }))
}

/// For a date of the right shape that is still no date, which part is out of range: the
/// general message sent users looking for a format mistake in `2024-02-30`.
fn out_of_range(s: &str) -> Option<String> {
    let mut fields = s
        .split(['-', 'T', 't', ' ', ':', '.', '+', 'Z', 'z'])
        .map(|f| f.parse::<u32>().ok());
    let (year, month, day) = (fields.next()??, fields.next()??, fields.next()??);
    if !(1..=9999).contains(&year) {
        return Some(format!(
            "year {year}: the year must be between 0001 and 9999"
        ));
    }
    if !(1..=12).contains(&month) {
        return Some(format!("there is no month {month}"));
    }
    let year = i32::try_from(year).ok()?;
    if NaiveDate::from_ymd_opt(year, month, day).is_none() {
        return Some(format!("{year}-{month:02} has no day {day}"));
    }
    let limits = [("hour", 23), ("minute", 59), ("second", 60)];
    for ((name, max), value) in limits.into_iter().zip(fields) {
        match value {
            Some(v) if v > max => return Some(format!("{name} {v} is out of range (0 to {max})")),
            Some(_) => {}
            None => break,
        }
    }
    None
}

fn parse_naive(s: &str) -> Option<NaiveDateTime> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d.and_time(NaiveTime::MIN));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt);
        }
    }
    None
}

/// `naive` as a local time in `tz`: the earlier of two in an overlap, the first valid time after
/// a gap. `None` only at the edges of chrono's range.
pub fn local(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<FixedOffset>> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(dt) => Some(dt.fixed_offset()),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).fixed_offset()),
        LocalResult::None => {
            // In a gap: walk forward minute by minute (gaps are at most a day long).
            let start = naive.with_second(0)?.with_nanosecond(0)?;
            (1..=26 * 60).find_map(|m| {
                let t = start.checked_add_signed(TimeDelta::minutes(m))?;
                tz.from_local_datetime(&t)
                    .earliest()
                    .map(|dt| dt.fixed_offset())
            })
        }
    }
}

/// The date of a `YYYY-MM-DD-rest` (or `YYYY-MM-DD_rest`, or exactly `YYYY-MM-DD`; Jekyll's
/// `YYYY-M-D-rest` too) file stem, and the rest of the stem after the separator (empty when the
/// stem is only a date). `Err` with the prefix when it is meant as a date but is none
/// (`2024-02-30-`): the article would otherwise be dated by its mtime without a word.
pub fn stem_date(stem: &str) -> Result<Option<(NaiveDate, &str)>, &str> {
    let Some((prefix, rest)) = date_prefix(stem) else {
        return Ok(None);
    };
    let mut parts = prefix.split('-').map(str::parse::<u32>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (parts.next(), parts.next(), parts.next()) else {
        return Err(prefix);
    };
    let date = i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
        .filter(|d| d.year() >= 1);
    // Reported only when it is clearly meant as a date (`2024-02-30-`): `0800-12-34-hotline`
    // or a season's `2023-24-1-` are names.
    let meant = prefix.len() == 10
        && (1900..=2199).contains(&y)
        && (1..=12).contains(&m)
        && (1..=31).contains(&d);
    match date {
        Some(date) => Ok(Some((date, rest))),
        None if meant => Err(prefix),
        None => Ok(None),
    }
}

/// `stem` cut after a leading `digits{4}-digits{1,2}-digits{1,2}` that ends the stem or is
/// followed by `-` or `_`: the prefix and what follows the separator.
fn date_prefix(stem: &str) -> Option<(&str, &str)> {
    let b = stem.as_bytes();
    let digits = |from: usize| {
        b.get(from..)
            .map_or(0, |s| s.iter().take_while(|c| c.is_ascii_digit()).count())
    };
    if digits(0) != 4 || b.get(4) != Some(&b'-') {
        return None;
    }
    let m = digits(5);
    if !(1..=2).contains(&m) || b.get(5 + m) != Some(&b'-') {
        return None;
    }
    let d = digits(6 + m);
    if !(1..=2).contains(&d) {
        return None;
    }
    let end = 6 + m + d;
    match b.get(end) {
        None => Some((stem, "")),
        Some(b'-' | b'_') => Some((&stem[..end], &stem[end + 1..])),
        Some(_) => None,
    }
}

/// Midnight of `date` in `tz` (or the first valid time after it, if midnight is skipped).
pub fn midnight(date: NaiveDate, tz: Tz) -> Option<DateTime<FixedOffset>> {
    local(date.and_time(NaiveTime::MIN), tz)
}

/// A file's mtime in `tz`, to the second (feeds show seconds; nanoseconds would only make the
/// date look odd). Times outside the years 1 to 9999 (which feeds cannot carry: RSS's date
/// writer panicked on one) become the Unix epoch.
pub fn from_mtime(t: SystemTime, tz: Tz) -> DateTime<FixedOffset> {
    let utc = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs())
            .ok()
            .and_then(|s| DateTime::from_timestamp(s, 0)),
        Err(e) => {
            let d = e.duration();
            i64::try_from(d.as_secs())
                .ok()
                .and_then(|s| DateTime::from_timestamp(-s, 0))
        }
    };
    let epoch = || {
        DateTime::<Utc>::UNIX_EPOCH
            .with_timezone(&tz)
            .fixed_offset()
    };
    utc.map(|u| u.with_timezone(&tz).fixed_offset())
        .filter(in_feed_range)
        .unwrap_or_else(epoch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const SH: Tz = chrono_tz::Asia::Shanghai;
    const NY: Tz = chrono_tz::America::New_York;

    #[test]
    fn front_matter_dates() {
        let cases = [
            ("2024-05-01", SH, "2024-05-01T00:00:00+08:00"),
            ("2024-05-01T10:20:30+02:00", SH, "2024-05-01T10:20:30+02:00"),
            ("2024-05-01T10:20:30Z", SH, "2024-05-01T10:20:30+00:00"),
            ("2024-05-01 10:20:30+02:00", SH, "2024-05-01T10:20:30+02:00"),
            (
                "2024-05-01T10:20:30.5+02:00",
                SH,
                "2024-05-01T10:20:30.500+02:00",
            ),
            ("2024-05-01 10:20", SH, "2024-05-01T10:20:00+08:00"),
            (
                "Wed, 01 May 2024 10:20:30 +0200",
                SH,
                "2024-05-01T10:20:30+02:00",
            ),
            ("1 May 2024 10:20:30 GMT", SH, "2024-05-01T10:20:30+00:00"),
            // Odd but unambiguous: `Z` without seconds, an offset without its colon.
            ("2024-05-01T10:20Z", SH, "2024-05-01T10:20:00+00:00"),
            ("2024-05-01 10:20z", SH, "2024-05-01T10:20:00+00:00"),
            ("2024-05-01 10:20:30 Z", SH, "2024-05-01T10:20:30+00:00"),
            ("2024-05-01T10:20:30+0800", SH, "2024-05-01T10:20:30+08:00"),
            ("2024-05-01 10:20:30-0530", SH, "2024-05-01T10:20:30-05:30"),
            ("2024-05-01T10:20:30+14:00", SH, "2024-05-01T10:20:30+14:00"),
            // Leap seconds become the next second.
            ("2016-12-31T23:59:60Z", SH, "2017-01-01T00:00:00+00:00"),
            (
                "2016-12-31 23:59:60.5+00:00",
                SH,
                "2017-01-01T00:00:00+00:00",
            ),
            ("2024-05-01 10:20:30", SH, "2024-05-01T10:20:30+08:00"),
            ("2024-05-01T10:20:30", NY, "2024-05-01T10:20:30-04:00"),
            (" 2024-01-15 ", NY, "2024-01-15T00:00:00-05:00"),
            // DST gap: 02:30 does not exist on 2024-03-10 in New York.
            ("2024-03-10 02:30", NY, "2024-03-10T03:00:00-04:00"),
            // DST overlap: 01:30 happens twice on 2024-11-03; take the earlier.
            ("2024-11-03 01:30", NY, "2024-11-03T01:30:00-04:00"),
        ];
        for (input, tz, want) in cases {
            let got = parse_date(input, tz).map(|d| d.to_rfc3339());
            assert_eq!(got.as_deref(), Ok(want), "{input}");
        }
    }

    #[test]
    fn impossible_dates_say_which_part_is_wrong() {
        for (input, want) in [
            ("2024-02-30", "2024-02 has no day 30"),
            ("2024-13-01", "there is no month 13"),
            ("2024-03-02T25:00:00", "hour 25 is out of range (0 to 23)"),
            ("2024-03-02 10:61", "minute 61 is out of range (0 to 59)"),
            (
                "10000-01-01",
                "year 10000: the year must be between 0001 and 9999",
            ),
            ("2024/05/01", "expected YYYY-MM-DD"),
        ] {
            let got = parse_date(input, SH).err().unwrap_or_default();
            assert!(got.starts_with(want), "{input:?}: {got}");
        }
    }

    #[test]
    fn bad_dates_are_errors() {
        for input in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30",
            "2024/05/01",
            "10:00:00",
            "2024-05-01T25:00:00Z",
            "2024-05-01Z",
            "2024-05-01T10Z",
            "99999999999-01-01",
            // Year 0 and years past 9999: RSS, Atom (xsd:dateTime) and most readers reject them.
            "0000-01-01",
            "0000-12-31T23:59:59-05:00",
            "0001-01-01T00:30:00+01:00",
            "9999-12-31T23:00:00-05:00",
            "10000-01-01",
            "+10000-01-01T00:00:00Z",
            // Offsets past ±14:00 (RFC 3339 allows them, xsd:dateTime does not).
            "2024-05-01T10:20:30+23:59",
            "2024-05-01T10:20:30-14:01",
        ] {
            assert!(parse_date(input, SH).is_err(), "{input:?}");
        }
    }

    #[test]
    fn stem_prefixes() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        let cases = [
            ("2024-05-01-launch", Ok(Some((d(2024, 5, 1), "launch")))),
            ("2024-05-01_发布会", Ok(Some((d(2024, 5, 1), "发布会")))),
            ("2024-05-01", Ok(Some((d(2024, 5, 1), "")))),
            ("2024-5-1-x", Ok(Some((d(2024, 5, 1), "x")))),
            ("2024-02-30-bad", Err("2024-02-30")),
            ("2024-13-01-x", Ok(None)),
            ("0000-01-01-x", Ok(None)),
            ("0800-12-34-hotline", Ok(None)),
            ("2023-24-1-season", Ok(None)),
            ("2024-05-01x", Ok(None)),
            ("2024-005-01-x", Ok(None)),
            ("20240-05-01-x", Ok(None)),
            ("新闻2024-05-01", Ok(None)),
            ("短", Ok(None)),
        ];
        for (stem, want) in cases {
            assert_eq!(stem_date(stem), want, "{stem}");
        }
    }

    #[test]
    fn mtime_in_the_site_zone_and_out_of_range() {
        let t = UNIX_EPOCH + Duration::from_secs(1_714_521_600); // 2024-05-01T00:00:00Z
        assert_eq!(from_mtime(t, SH).to_rfc3339(), "2024-05-01T08:00:00+08:00");
        let before = UNIX_EPOCH - Duration::from_secs(86_400);
        assert_eq!(
            from_mtime(before, chrono_tz::UTC).to_rfc3339(),
            "1969-12-31T00:00:00+00:00"
        );
        if let Some(far) = UNIX_EPOCH.checked_add(Duration::from_secs(u64::MAX / 4)) {
            assert_eq!(
                from_mtime(far, chrono_tz::UTC).to_rfc3339(),
                "1970-01-01T00:00:00+00:00"
            );
        }
    }
}
