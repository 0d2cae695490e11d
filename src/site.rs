//! One immutable snapshot of everything feedpub serves: a map from output path to [`Asset`].
//!
//! A snapshot is built once per rebuild and then only read: the server looks routes up in it and
//! `output` writes it to disk. Compressed variants are made lazily, once per asset, so a snapshot
//! of 100,000 article pages does not pay for compressing pages nobody asks for; the hot feeds'
//! gzip (what nearly every feed reader asks for) is made eagerly by [`Asset::precompress`].

use std::borrow::Cow;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use bytes::Bytes;
use hyper::header::HeaderValue;

use crate::memfile::{self, MemFile};

/// brotli quality: 11 takes about a second on a 400 KB feed; 5 compresses ~7% smaller than
/// gzip -6 in ~15 ms. Made on the first request that wants it, so a rebuild does not pay for it.
const BROTLI_QUALITY: u32 = 5;
/// The largest brotli window; smaller inputs get a window just big enough (the encoder allocates
/// and clears tables sized by the window, which dominated compressing small pages).
const BROTLI_MAX_WINDOW: u32 = 22;
const BROTLI_MIN_WINDOW: u32 = 16;

/// At most this many bytes of lazy assets' representations (article pages, tag feeds, and
/// their compressed forms) are kept in memory, over every snapshot: a crawler asking for
/// every page of a 100,000-article site in three codings would otherwise keep ~1.5 GB, for
/// good (a page is kept until its article changes). Past it, a representation not kept yet
/// is made for its request and dropped; those already kept stay.
pub const LAZY_KEPT_MAX: usize = 128 << 20;

/// Bytes of lazy assets' representations kept now (see [`LAZY_KEPT_MAX`]).
static LAZY_KEPT: AtomicUsize = AtomicUsize::new(0);

/// Count `len` more bytes as kept, when that stays within [`LAZY_KEPT_MAX`].
fn reserve_lazy(len: usize) -> bool {
    LAZY_KEPT
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |kept| {
            (kept + len <= LAZY_KEPT_MAX).then_some(kept + len)
        })
        .is_ok()
}

/// Bytes of lazy assets' representations kept now, across every snapshot.
pub fn lazy_kept() -> usize {
    LAZY_KEPT.load(Ordering::Relaxed)
}

/// A content coding a client may accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    /// The `Content-Encoding` token, `None` for identity.
    pub fn header_value(self) -> Option<&'static str> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some("gzip"),
            Coding::Brotli => Some("br"),
        }
    }
}

/// One representation of an asset: its bytes and its strong ETag.
#[derive(Debug, Clone)]
pub struct Variant {
    pub body: Bytes,
    /// Quoted strong ETag, e.g. `"3f2a…-gzip"`: derived from the identity bytes, so identical
    /// content gives identical ETags across restarts and replicas.
    pub etag: String,
    /// `etag` as a header value, made once so a response only clones it (a reference count).
    pub etag_header: HeaderValue,
    /// The body in a memfd, for the assets every reader polls (see [`Asset::keep_in_memfd`]).
    file: OnceLock<Arc<MemFile>>,
}

impl Variant {
    /// The identity representation of `body`: its ETag is a hash of the bytes.
    fn identity(body: Bytes) -> Self {
        let hash = xxhash_rust::xxh3::xxh3_128(&body);
        Variant::new(body, format!("\"{hash:032x}\""))
    }

    fn new(body: Bytes, etag: String) -> Self {
        // A hex digest, a dash and a coding token: always a valid header value.
        let etag_header = HeaderValue::from_str(&etag)
            .unwrap_or_else(|_| HeaderValue::from_static("\"invalid\""));
        Variant {
            body,
            etag,
            etag_header,
            file: OnceLock::new(),
        }
    }

    /// The body in a memfd, when one was made: the server then sends it with `sendfile`.
    pub fn file(&self) -> Option<&Arc<MemFile>> {
        self.file.get()
    }

    fn keep_in_memfd(&self) {
        if self.body.len() < memfile::MIN_LEN || self.file.get().is_some() {
            return;
        }
        match MemFile::of(&self.body) {
            Ok(f) => {
                let _ = self.file.set(Arc::new(f));
            }
            Err(e) => tracing::debug!(error = %e, "no memfd; the body is sent from memory"),
        }
    }
}

/// Makes the bytes of a lazy asset (see [`Asset::lazy`]).
pub type Render = Box<dyn Fn() -> Vec<u8> + Send + Sync>;

/// One servable file.
pub struct Asset {
    /// Full `Content-Type` header value.
    pub content_type: &'static str,
    /// `content_type` as a header value (`application/octet-stream` should it hold bytes a
    /// header cannot).
    pub content_type_header: HeaderValue,
    /// Newest change to what the asset shows (for `Last-Modified`).
    pub last_modified: SystemTime,
    /// `last_modified` formatted as an HTTP date, with the time it was formatted from (the
    /// engine may still move `last_modified` before publishing).
    last_modified_header: OnceLock<(SystemTime, HeaderValue)>,
    /// The uncompressed bytes: set at construction, or on first use from `render`.
    identity: OnceLock<Variant>,
    /// How to make the bytes of a lazy asset.
    render: Option<Render>,
    /// The identity ETag of a lazy asset whose bytes were made but not kept (by
    /// [`Asset::identity_transient`]), so comparing it later needs no second render.
    etag_seen: OnceLock<String>,
    /// The length of those bytes, for [`Asset::compressible`].
    len_seen: OnceLock<usize>,
    gzip: OnceLock<Variant>,
    br: OnceLock<Variant>,
}

impl Drop for Asset {
    fn drop(&mut self) {
        if self.render.is_some() {
            let kept: usize = [self.identity.get(), self.gzip.get(), self.br.get()]
                .into_iter()
                .flatten()
                .map(|v| v.body.len())
                .sum();
            LAZY_KEPT.fetch_sub(kept, Ordering::Relaxed);
        }
    }
}

impl std::fmt::Debug for Asset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Asset")
            .field("content_type", &self.content_type)
            .field("last_modified", &self.last_modified)
            .field("identity", &self.identity.get())
            .field("lazy", &self.render.is_some())
            .finish_non_exhaustive()
    }
}

impl Asset {
    pub fn new(
        content_type: &'static str,
        body: impl Into<Bytes>,
        last_modified: SystemTime,
    ) -> Self {
        let asset = Asset::with_render(content_type, last_modified, None);
        let _ = asset.identity.set(Variant::identity(body.into()));
        asset
    }

    /// An asset whose bytes are made by `render` on first use and then kept (for the pages of
    /// a snapshot that few readers ask for). `render` must give the same bytes every time.
    pub fn lazy(content_type: &'static str, last_modified: SystemTime, render: Render) -> Self {
        Asset::with_render(content_type, last_modified, Some(render))
    }

    fn with_render(
        content_type: &'static str,
        last_modified: SystemTime,
        render: Option<Render>,
    ) -> Self {
        Asset {
            content_type,
            content_type_header: content_type_header(content_type),
            last_modified,
            last_modified_header: OnceLock::new(),
            identity: OnceLock::new(),
            render,
            etag_seen: OnceLock::new(),
            len_seen: OnceLock::new(),
            gzip: OnceLock::new(),
            br: OnceLock::new(),
        }
    }

    /// Whether compressing this asset can pay off (text of some size).
    pub fn compressible(&self) -> bool {
        let len = match (self.identity.get(), self.len_seen.get()) {
            (Some(v), _) => v.body.len(),
            (None, Some(len)) => *len,
            (None, None) => self.identity().body.len(),
        };
        len >= 256
    }

    fn identity(&self) -> Cow<'_, Variant> {
        let v = self.keep(&self.identity, || self.make_identity());
        if let Cow::Owned(v) = &v {
            let _ = self.etag_seen.set(v.etag.clone());
            let _ = self.len_seen.set(v.body.len());
        }
        v
    }

    /// What `slot` holds, made by `make` first when empty. A lazy asset keeps what it makes
    /// only within [`LAZY_KEPT_MAX`]; past it, the representation is for this use only.
    fn keep<'a>(
        &'a self,
        slot: &'a OnceLock<Variant>,
        make: impl FnOnce() -> Variant,
    ) -> Cow<'a, Variant> {
        if let Some(v) = slot.get() {
            return Cow::Borrowed(v);
        }
        let v = make();
        let len = v.body.len();
        let lazy = self.render.is_some();
        if lazy && !reserve_lazy(len) {
            return Cow::Owned(v);
        }
        let mut ours = false;
        let kept = slot.get_or_init(|| {
            ours = true;
            v
        });
        // Another request made and kept it meanwhile: ours is dropped, so is its count.
        if lazy && !ours {
            LAZY_KEPT.fetch_sub(len, Ordering::Relaxed);
        }
        Cow::Borrowed(kept)
    }

    fn make_identity(&self) -> Variant {
        let body = self
            .render
            .as_ref()
            .map(|render| render())
            .unwrap_or_default();
        Variant::identity(Bytes::from(body))
    }

    /// The uncompressed representation without keeping it when it was not made yet (for
    /// writing every page of a snapshot to disk without holding them all in memory).
    pub fn identity_transient(&self) -> Cow<'_, Variant> {
        match self.identity.get() {
            Some(v) => Cow::Borrowed(v),
            None => {
                let v = self.make_identity();
                let _ = self.etag_seen.set(v.etag.clone());
                let _ = self.len_seen.set(v.body.len());
                Cow::Owned(v)
            }
        }
    }

    /// The identity ETag (a hash of the uncompressed bytes), without rendering a lazy asset
    /// again when its bytes were already made once.
    pub fn identity_etag(&self) -> &str {
        match (self.identity.get(), self.etag_seen.get()) {
            (Some(v), _) => &v.etag,
            (None, Some(etag)) => etag,
            (None, None) => match self.identity() {
                Cow::Borrowed(v) => &v.etag,
                // Not kept: `identity` noted its ETag.
                Cow::Owned(v) => self.etag_seen.get_or_init(|| v.etag),
            },
        }
    }

    /// Whether the representation for `coding` is made already, so [`Asset::variant`] (and,
    /// for identity, [`Asset::compressible`]) returns at once instead of rendering or
    /// compressing.
    pub fn made(&self, coding: Coding) -> bool {
        match coding {
            Coding::Identity => self.identity.get().is_some(),
            Coding::Gzip => self.gzip.get().is_some(),
            Coding::Brotli => self.br.get().is_some(),
        }
    }

    /// The representation for `coding`, compressing on first use.
    pub fn variant(&self, coding: Coding) -> Cow<'_, Variant> {
        match coding {
            Coding::Identity => self.identity(),
            Coding::Gzip => self.keep(&self.gzip, || self.encode(Coding::Gzip)),
            Coding::Brotli => self.keep(&self.br, || self.encode(Coding::Brotli)),
        }
    }

    /// Make the gzip variant now rather than on the first request (for the feeds every reader
    /// polls). Brotli stays lazy: fewer readers ask for it, and it costs twice gzip's time.
    pub fn precompress(&self) {
        if self.compressible() {
            self.variant(Coding::Gzip);
        }
    }

    /// [`Asset::precompress`] reusing what `cache` deflated for the last version of this asset
    /// (the same bytes as without it, see [`crate::gzip`]).
    pub fn precompress_with(&self, cache: &mut crate::gzip::Cache) {
        if self.compressible() {
            let identity = self.identity();
            let gzip = || self.compressed(Coding::Gzip, &identity, cache.gzip(&identity.body));
            self.keep(&self.gzip, gzip);
        }
    }

    /// Copy the bodies made so far (uncompressed, gzip) into memfds, so the server sends them
    /// with `sendfile` (see [`crate::memfile`]). For the few assets every reader polls.
    pub fn keep_in_memfd(&self) {
        for v in [self.identity.get(), self.gzip.get()].into_iter().flatten() {
            v.keep_in_memfd();
        }
    }

    /// `Last-Modified` as a header value, formatted on first use and then only cloned. Never
    /// later than now (RFC 9110 §8.8.2.1): after a change within the second of the one before,
    /// the engine dates it the next second, and until then the header is the current time.
    ///
    /// With it, for an asset changed in the last minute, a `Date` of the same clock reading:
    /// hyper's own is read when it starts on a connection's requests, and a render or a
    /// compression of a few seconds in between would leave it earlier than the Last-Modified
    /// (found under load: 1 response in 20,000 while articles were edited).
    pub fn last_modified_header(&self) -> (HeaderValue, Option<HeaderValue>) {
        let now = SystemTime::now();
        if self.last_modified > now {
            let date = http_date(now);
            return (date.clone(), Some(date));
        }
        let (at, value) = self
            .last_modified_header
            .get_or_init(|| (self.last_modified, http_date(self.last_modified)));
        let value = if *at == self.last_modified {
            value.clone()
        } else {
            http_date(self.last_modified)
        };
        let recent = now
            .duration_since(self.last_modified)
            .is_ok_and(|age| age < RECENT);
        (value, recent.then(|| http_date(now)))
    }

    /// The uncompressed bytes.
    pub fn body(&self) -> Bytes {
        self.identity().body.clone()
    }

    fn encode(&self, coding: Coding) -> Variant {
        let identity = self.identity();
        let src = &identity.body;
        let body = match coding {
            Coding::Identity => return identity.into_owned(),
            Coding::Gzip => crate::gzip::gzip(src),
            Coding::Brotli => brotli(src),
        };
        self.compressed(coding, &identity, body)
    }

    /// The variant of `coding` with these bytes: its ETag is the identity's, tagged.
    fn compressed(&self, coding: Coding, identity: &Variant, body: Vec<u8>) -> Variant {
        Variant::new(Bytes::from(body), tagged(&identity.etag, coding))
    }

    /// The ETag of the representation for `coding`, without compressing it when it is not
    /// made (nor kept, past [`LAZY_KEPT_MAX`]): a 304 then costs no compression.
    pub fn etag(&self, coding: Coding) -> Cow<'_, str> {
        let made = match coding {
            Coding::Identity => self.identity.get(),
            Coding::Gzip => self.gzip.get(),
            Coding::Brotli => self.br.get(),
        };
        match (made, coding) {
            (Some(v), _) => Cow::Borrowed(&v.etag),
            (None, Coding::Identity) => Cow::Borrowed(self.identity_etag()),
            (None, coding) => Cow::Owned(tagged(self.identity_etag(), coding)),
        }
    }

    /// Whether [`Asset::etag`] returns at once, without rendering.
    pub fn etag_known(&self) -> bool {
        self.identity.get().is_some() || self.etag_seen.get().is_some()
    }
}

/// A compressed variant's ETag: the identity's, tagged with the coding.
fn tagged(identity_etag: &str, coding: Coding) -> String {
    let tag = coding.header_value().unwrap_or("identity");
    format!("{}-{tag}\"", identity_etag.trim_end_matches('"'))
}

/// A `'static` content type as a header value without copying it.
fn content_type_header(value: &'static str) -> HeaderValue {
    if value
        .bytes()
        .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
    {
        HeaderValue::from_static(value)
    } else {
        HeaderValue::from_static("application/octet-stream")
    }
}

/// The latest time an HTTP date can show: 9999-12-31 23:59:59 UTC.
const LAST_HTTP_DATE_SECS: u64 = 253_402_300_799;

/// `t` as an HTTP date, clamped to 1970..=9999: httpdate panics outside that range, and an
/// article may well be dated 1969 (front matter, or an old archive's file time).
/// How recent a change gets its own `Date` header (see [`Asset::last_modified_header`]).
const RECENT: std::time::Duration = std::time::Duration::from_secs(60);

fn http_date(t: SystemTime) -> HeaderValue {
    let t = t.clamp(
        SystemTime::UNIX_EPOCH,
        SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(LAST_HTTP_DATE_SECS),
    );
    // An HTTP date is ASCII letters, digits, spaces, commas and colons.
    HeaderValue::from_str(&httpdate::fmt_http_date(t))
        .unwrap_or_else(|_| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"))
}

fn brotli(src: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len() / 3);
    {
        let mut w =
            brotli::CompressorWriter::new(&mut out, 32 * 1024, BROTLI_QUALITY, brotli_window(src));
        // Writing into a Vec cannot fail.
        let _ = w.write_all(src);
    }
    out
}

/// log2 of a window that holds all of `src`, within brotli's useful range.
fn brotli_window(src: &[u8]) -> u32 {
    let bits = usize::BITS - src.len().saturating_sub(1).leading_zeros();
    bits.clamp(BROTLI_MIN_WINDOW, BROTLI_MAX_WINDOW)
}

/// Everything served at one moment. Keys are paths relative to the out dir, such as
/// `index.html`, `rss.xml`, `tags/rust/atom.xml`, `articles/{slug}/index.html` (slug not
/// percent-encoded).
#[derive(Debug, Default)]
pub struct Site {
    /// Feeds and the home page.
    pub assets: foldhash::HashMap<Arc<str>, Arc<Asset>>,
    /// Article pages.
    pub pages: Pages,
    /// Number of articles published in this snapshot.
    pub article_count: usize,
    /// The keys of the tag feeds and article pages still to come: they show articles whose
    /// bodies are still being parsed (see [`crate::engine::Engine::deferring`]). The server
    /// holds a request for one of them until a complete snapshot is published; any other key
    /// missing here is a 404 at once.
    pub coming: foldhash::HashSet<Arc<str>>,
    /// The path the site is published under, from its base URL (`/blog`, or empty at the root
    /// of the host): requests under it are served too (see [`crate::server`]).
    pub base_path: Arc<str>,
}

impl Site {
    pub fn get(&self, key: &str) -> Option<&Arc<Asset>> {
        self.assets.get(key).or_else(|| self.pages.get(key))
    }

    /// Whether some tag feeds or pages are still to come ([`Site::coming`]).
    pub fn incomplete(&self) -> bool {
        !self.coming.is_empty()
    }

    /// Every asset, feeds first, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &Arc<Asset>)> {
        self.assets.iter().chain(self.pages.iter())
    }
}

/// Shards of [`Pages`]: a rebuild that changes one page copies ~1/64 of the map.
const PAGE_SHARDS: usize = 64;

type Shard = foldhash::HashMap<Arc<str>, Arc<Asset>>;

/// Article pages by key, in shards each shared with the snapshots before it: a rebuild copies
/// only the shards whose pages changed, instead of building a map of every page (at 10,000
/// articles that was a third of a rebuild, mostly cache misses into keys and counts).
#[derive(Debug, Clone)]
pub struct Pages {
    shards: Vec<Arc<Shard>>,
}

impl Default for Pages {
    fn default() -> Pages {
        Pages {
            shards: vec![Arc::default(); PAGE_SHARDS],
        }
    }
}

impl Pages {
    fn shard(key: &str) -> usize {
        (xxhash_rust::xxh3::xxh3_64(key.as_bytes()) % PAGE_SHARDS as u64) as usize
    }

    pub fn get(&self, key: &str) -> Option<&Arc<Asset>> {
        self.shards[Pages::shard(key)].get(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &Arc<Asset>)> {
        self.shards.iter().flat_map(|s| s.iter())
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(|s| s.is_empty())
    }

    pub fn insert(&mut self, key: Arc<str>, asset: Arc<Asset>) {
        Arc::make_mut(&mut self.shards[Pages::shard(&key)]).insert(key, asset);
    }

    pub fn remove(&mut self, key: &str) {
        let shard = &mut self.shards[Pages::shard(key)];
        if shard.contains_key(key) {
            Arc::make_mut(shard).remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::time::UNIX_EPOCH;

    use super::*;

    #[test]
    fn a_recent_change_brings_its_own_date_header() {
        let parse = |v: &HeaderValue| {
            httpdate::parse_http_date(v.to_str().expect("ascii")).expect("an HTTP date")
        };
        let now = SystemTime::now();
        let asset = |t| Asset::new("text/plain", "x".to_string(), t);
        // Changed a moment ago, or dated ahead (the next second): Date never before it.
        for t in [
            now - std::time::Duration::from_secs(1),
            now + std::time::Duration::from_secs(1),
        ] {
            let (lm, date) = asset(t).last_modified_header();
            let date = date.expect("a Date for a recent change");
            assert!(parse(&lm) <= parse(&date));
        }
        // Long unchanged: hyper's Date is later anyway.
        let (_, date) = asset(now - std::time::Duration::from_secs(3600)).last_modified_header();
        assert!(date.is_none());
    }

    #[test]
    fn http_dates_outside_1970_to_9999_are_clamped_not_a_panic() {
        let day = std::time::Duration::from_secs(86_400);
        let cases = [
            (UNIX_EPOCH - day * 200, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (UNIX_EPOCH + day, "Fri, 02 Jan 1970 00:00:00 GMT"),
            (
                UNIX_EPOCH + day * 4_000_000,
                "Fri, 31 Dec 9999 23:59:59 GMT",
            ),
        ];
        for (t, want) in cases {
            assert_eq!(http_date(t), want);
        }
    }

    fn text(len: usize) -> Vec<u8> {
        // Not too repetitive, so the window size matters to the encoder.
        let unit = b"<p>feed item text, \xe6\x96\x87 </p>\n";
        (0..len)
            .map(|i| unit[i % unit.len()] ^ ((i / 4099) % 7) as u8)
            .collect()
    }

    #[test]
    fn the_brotli_window_fits_the_input() {
        assert_eq!(brotli_window(b""), BROTLI_MIN_WINDOW);
        assert_eq!(brotli_window(&[0; 65_536]), 16);
        assert_eq!(brotli_window(&[0; 65_537]), 17);
        assert_eq!(brotli_window(&[0; 314_405]), 19);
        assert_eq!(brotli_window(&[0; 9_000_000]), BROTLI_MAX_WINDOW);
    }

    #[test]
    fn every_variant_decodes_to_the_identity_bytes() {
        for len in [300, 65_537, 314_405, 5_000_000] {
            let src = text(len);
            let asset = Asset::new("text/plain", src.clone(), UNIX_EPOCH);
            asset.precompress();
            let gz = asset.variant(Coding::Gzip);
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&gz.body[..])
                .read_to_end(&mut out)
                .expect("gzip decodes");
            assert_eq!(out, src, "gzip, {len} bytes");
            let br = asset.variant(Coding::Brotli);
            let mut out = Vec::new();
            brotli::Decompressor::new(&br.body[..], 4096)
                .read_to_end(&mut out)
                .expect("brotli decodes");
            assert_eq!(out, src, "brotli, {len} bytes");
            assert!(br.etag.ends_with("-br\"") && gz.etag.ends_with("-gzip\""));
        }
    }

    #[test]
    fn lazy_assets_keep_their_bytes_only_within_the_budget() {
        const LEN: usize = 4 << 20;
        let page = |i: u8| {
            Asset::lazy(
                "text/html; charset=utf-8",
                UNIX_EPOCH,
                Box::new(move || vec![i; LEN]),
            )
        };
        // Twice what may be kept, the way a crawler asks for every page once.
        let pages: Vec<Asset> = (0..2 * LAZY_KEPT_MAX / LEN)
            .map(|i| page(i as u8))
            .collect();
        for (i, p) in pages.iter().enumerate() {
            let v = p.variant(Coding::Identity);
            assert!(v.body.len() == LEN && v.body.iter().all(|&b| b == i as u8));
            assert!(lazy_kept() <= LAZY_KEPT_MAX);
        }
        let kept = pages.iter().filter(|p| p.made(Coding::Identity)).count();
        assert!(kept > 0 && kept <= LAZY_KEPT_MAX / LEN, "{kept} pages kept");
        // One not kept still serves the same bytes and ETag every time, compressed too.
        let unkept = pages
            .iter()
            .find(|p| !p.made(Coding::Identity))
            .expect("a page over the budget");
        assert_eq!(
            unkept.identity_etag(),
            unkept.variant(Coding::Identity).etag
        );
        assert!(unkept.compressible());
        // Its compressed ETags are known without compressing (a 304 costs no gzip or brotli).
        assert!(unkept.etag_known());
        for coding in [Coding::Gzip, Coding::Brotli] {
            let etag = unkept.etag(coding).into_owned();
            assert!(!unkept.made(coding));
            assert_eq!(etag, unkept.variant(coding).etag);
        }
        let gz = unkept.variant(Coding::Gzip);
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gz.body[..])
            .read_to_end(&mut out)
            .expect("gunzip");
        assert_eq!(out.len(), LEN);
        // Dropped (their articles changed), the kept pages make room again.
        drop(pages);
        let again = page(1);
        again.variant(Coding::Identity);
        assert!(again.made(Coding::Identity));
    }
}
