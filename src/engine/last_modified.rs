//! An asset's Last-Modified across snapshots and restarts: it moves exactly when the bytes
//! change, never backwards and never past the clock (see [`super::Engine::render`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::output::Written;
use crate::site::{Asset, Coding};

/// What an asset's Last-Modified is carried from.
pub(super) enum Previous<'a> {
    /// The same key in the process's last snapshot, if it had it.
    Snapshot(Option<&'a Asset>),
    /// The first snapshot of the process: the same key in the manifest of the previous run, if
    /// any, and whether the load found articles changed since that run (`first_moves`).
    Run(Option<&'a Written>, bool),
}

/// Set one asset's Last-Modified from what was served before it (see [`super::Engine::render`]).
pub(super) fn carry_one(asset: &mut Asset, prev: Previous<'_>, now: SystemTime) {
    // Never later than now (RFC 9110 §8.8.2.1): an article `updated: 2999-01-01` would pin
    // the feed's Last-Modified in the future.
    asset.last_modified = asset.last_modified.min(now);
    // Changed: never earlier than the second after now began. A new article's own date is
    // usually in the past (a `date: 2026-12-02` is midnight), and a reader that sends its
    // clock, or our `Date`, as `If-Modified-Since` after its last poll would get a 304 and miss
    // the article; HTTP dates have whole seconds, so a reader that polled earlier in this
    // second holds this second as its date.
    let changed = |asset: &Asset, before: SystemTime| {
        next_second(asset.last_modified.max(ceil_second(now)), before, now)
    };
    match prev {
        Previous::Snapshot(Some(prev)) => {
            // The previous asset's ETag is known without rendering it again (the writer noted
            // it).
            asset.last_modified = if prev.identity_etag() == asset.identity_etag() {
                prev.last_modified
            } else {
                changed(asset, prev.last_modified)
            };
        }
        // What the previous run served, when the manifest says. Only for an asset made already
        // (a feed): a lazy page's bytes would have to be rendered to compare.
        Previous::Run(
            Some(Written {
                etag,
                last_modified: Some(before),
            }),
            _,
        ) if asset.made(Coding::Identity) => {
            asset.last_modified = if *etag == asset.identity_etag() {
                (*before).min(now)
            } else {
                changed(asset, *before)
            };
        }
        // Articles changed since the previous run, or a tag feed or page (made on request, so
        // not compared): now. A client of the previous run then never gets a 304 for bytes
        // that changed (an edit while it ran moved only that asset's own Last-Modified).
        // A site feed or the home page the manifest has without a date (written by an older
        // feedpub), with the same bytes and no change since: the renderer's date, i.e. the
        // newest article.
        Previous::Run(Some(Written { etag, .. }), false)
            if asset.made(Coding::Identity) && *etag == asset.identity_etag() => {}
        // No manifest (a first start, or the out dir deleted: what was served is unknown),
        // articles changed since the previous run, or a tag feed or page (made on request,
        // so not compared): now. A client of the previous run then never gets a 304 for
        // bytes that changed (an edit while it ran moved only that asset's own date).
        Previous::Run(..) => asset.last_modified = changed(asset, UNIX_EPOCH),
        // New in this process's snapshots (a new article's page, a new tag, or one that went
        // and came back): now, as a reader may hold a version from before it went.
        Previous::Snapshot(None) => asset.last_modified = changed(asset, UNIX_EPOCH),
    }
}

/// `t` rounded up to a whole second.
fn ceil_second(t: SystemTime) -> SystemTime {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) if d.subsec_nanos() > 0 => UNIX_EPOCH + Duration::from_secs(d.as_secs() + 1),
        _ => t,
    }
}

/// `t`, or the second after `before` if `t` is not past it: HTTP dates have whole seconds, so
/// a change within the second of the version before would keep that version's Last-Modified,
/// and a reader that has it would get a 304 for the change. At most a second ahead of `now`
/// (the server sends `Date` in its place meanwhile, see `Asset::last_modified_header`, and
/// `If-Modified-Since` then never matches): with several changes a second, some share one.
fn next_second(t: SystemTime, before: SystemTime, now: SystemTime) -> SystemTime {
    let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    if secs(t) > secs(before) {
        return t;
    }
    let next = (secs(before) + 1).min(secs(now) + 1).max(secs(before));
    UNIX_EPOCH + Duration::from_secs(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::Site;
    use std::sync::Arc;
    use std::time::Duration;

    /// Set each asset's Last-Modified: kept from `last` when its bytes are unchanged, else the later
    /// of `now` and its own date. Assets fresh from the renderer are not shared yet.
    fn carry_last_modified(site: &mut Site, last: Option<&Site>, now: SystemTime) {
        for (key, asset) in site.assets.iter_mut() {
            let Some(asset) = Arc::get_mut(asset) else {
                continue;
            };
            let prev = match last {
                Some(l) => Previous::Snapshot(l.get(key).map(|a| &**a)),
                None => Previous::Run(None, false),
            };
            carry_one(asset, prev, now);
        }
    }

    fn site(body: &str, modified: SystemTime) -> Site {
        let mut s = Site::default();
        s.assets.insert(
            "rss.xml".into(),
            Arc::new(crate::site::Asset::new(
                "text/plain",
                body.to_string(),
                modified,
            )),
        );
        s
    }

    fn last_modified(s: &Site) -> SystemTime {
        s.get("rss.xml")
            .map_or(SystemTime::UNIX_EPOCH, |a| a.last_modified)
    }

    #[test]
    fn last_modified_moves_exactly_when_the_bytes_change() {
        let dated = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let t = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        // First snapshot without a manifest: what was served before is unknown, so now.
        let mut first = site("one", dated);
        carry_last_modified(&mut first, None, t(5_000));
        assert_eq!(last_modified(&first), t(5_000));
        // Same bytes later: unchanged.
        let mut same = site("one", dated);
        carry_last_modified(&mut same, Some(&first), t(6_000));
        assert_eq!(last_modified(&same), t(5_000));
        // Other bytes, same article date: moves to now.
        let mut changed = site("two", dated);
        carry_last_modified(&mut changed, Some(&same), t(7_000));
        assert_eq!(last_modified(&changed), t(7_000));
        // A newer article dated earlier than now (`date: 2026-12-02` is midnight): now, or a
        // reader whose clock said 7_800 at its last poll would be told nothing changed.
        let mut newer = site("three", t(7_500));
        carry_last_modified(&mut newer, Some(&changed), t(8_000));
        assert_eq!(last_modified(&newer), t(8_000));
        // A renderer date later than now (an article `updated` in the future) is now, first
        // seen or changed: a server must not claim a change after its own Date.
        let mut ahead = site("four", t(9_000));
        carry_last_modified(&mut ahead, Some(&newer), t(8_500));
        assert_eq!(last_modified(&ahead), t(8_500));
        let mut first_ahead = site("four", t(9_000));
        carry_last_modified(&mut first_ahead, None, t(8_500));
        assert_eq!(last_modified(&first_ahead), t(8_500));
    }

    #[test]
    fn a_change_within_the_second_of_the_last_moves_to_the_next_second() {
        let t = |ms: u64| SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
        let mut first = site("one", t(1_000));
        carry_last_modified(&mut first, None, t(5_000));
        // Edited at 5.2 s: a reader that polled at 5.1 s holds `Date` 5 s, so the change is 6 s
        // (until then the header is the current time, see `Asset::last_modified_header`).
        let mut edited = site("two", t(1_000));
        carry_last_modified(&mut edited, Some(&first), t(5_200));
        assert_eq!(last_modified(&edited), t(6_000));
        // A reader that got "two" at 5.3 s has 5 s: "three" at 5.9 s is 6 s, still later.
        let mut again = site("three", t(1_000));
        carry_last_modified(&mut again, Some(&edited), t(5_900));
        assert_eq!(last_modified(&again), t(6_000));
        let mut later = site("four", t(1_000));
        carry_last_modified(&mut later, Some(&again), t(6_300));
        assert_eq!(last_modified(&later), t(7_000));
        // Never more than a second ahead of the clock: a burst of changes shares that second.
        let mut burst = site("five", t(1_000));
        carry_last_modified(&mut burst, Some(&later), t(6_400));
        assert_eq!(last_modified(&burst), t(7_000));
    }

    #[test]
    fn an_asset_new_in_the_process_or_not_compared_is_dated_now() {
        let t = |ms: u64| SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
        // A page that appears (or comes back) in a later snapshot: the next whole second.
        let mut before = Site::default();
        carry_last_modified(&mut before, None, t(4_000));
        let mut page = site("page", t(1_000));
        carry_last_modified(&mut page, Some(&before), t(5_200));
        assert_eq!(last_modified(&page), t(6_000));
        // A lazy asset in a first snapshot: not comparable with the previous run's, so now.
        let lazy = |prev: Option<&Written>| {
            let mut asset = Asset::lazy("text/plain", t(1_000), Box::new(|| b"x".to_vec()));
            carry_one(&mut asset, Previous::Run(prev, false), t(9_000));
            asset.last_modified
        };
        let served = Written {
            etag: "\"x\"".to_string(),
            last_modified: Some(t(8_000)),
        };
        assert_eq!(lazy(Some(&served)), t(9_000));
        assert_eq!(lazy(None), t(9_000));
    }

    #[test]
    fn a_first_snapshot_carries_what_the_previous_run_served() {
        let t = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        let carry = |body: &str, served: &Written, first_moves: bool| {
            let mut s = site(body, t(1_000));
            for asset in s.assets.values_mut() {
                let asset = Arc::get_mut(asset).expect("not shared");
                carry_one(asset, Previous::Run(Some(served), first_moves), t(9_000));
            }
            last_modified(&s)
        };
        let etag = site("one", t(0))
            .get("rss.xml")
            .map(|a| a.identity_etag().to_string());
        let served = |etag: &str, secs: Option<u64>| Written {
            etag: etag.to_string(),
            last_modified: secs.map(t),
        };
        let one = etag.expect("an etag");
        // The same bytes as served, with the Last-Modified they had: an edit before the restart
        // keeps its date, rather than going back to the newest article's.
        assert_eq!(carry("one", &served(&one, Some(5_000)), false), t(5_000));
        assert_eq!(carry("one", &served(&one, Some(5_000)), true), t(5_000));
        // Other bytes than served: changed while stopped.
        assert_eq!(carry("two", &served(&one, Some(5_000)), false), t(9_000));
        assert_eq!(carry("two", &served(&one, Some(9_000)), false), t(9_001));
        // A manifest of an older feedpub: as before, the newest article for the same bytes;
        // now if they differ or articles changed.
        assert_eq!(carry("one", &served(&one, None), false), t(1_000));
        assert_eq!(carry("two", &served(&one, None), false), t(9_000));
        assert_eq!(carry("one", &served(&one, None), true), t(9_000));
    }
}
