//! gzip that recompresses only what changed since the last time.
//!
//! An edit changes one item of a 300 KB feed, yet gzip of the whole feed was most of a
//! rebuild's CPU. Here the input is cut into chunks at content-defined points (a rolling hash,
//! so an insertion moves no boundary but its own), each chunk is deflated on its own with the
//! 32 KB before it as the dictionary and ended by a sync flush, and the deflated chunks are
//! concatenated into one gzip member. A chunk whose bytes and dictionary were deflated last time
//! is reused as is. The output is a function of the input alone (not of what was cached), so
//! the same bytes always give the same gzip, and one strong ETag.

use std::collections::HashMap;
use std::sync::Arc;

use flate2::{Compress, Compression, Crc, FlushCompress};

/// zlib's default level: ~3% smaller than level 3 on feeds, and only changed chunks pay for it.
const LEVEL: u32 = 6;
/// Deflate's window: a chunk may refer this far back, into the chunks before it.
const WINDOW: usize = 32 * 1024;
/// Chunk sizes: about 10 KB on average, never under 2 KB nor over 32 KB (an edit of a 300 KB
/// feed recompresses ~1 ms of it instead of ~7 ms for all).
const MIN_CHUNK: usize = 2 * 1024;
const MAX_CHUNK: usize = 32 * 1024;
/// A boundary is where the top bits of the rolling hash are zero: they depend on the last 64
/// bytes (the low bits only on the last few, too few in repetitive text).
const BOUNDARY_BITS: u32 = 13;

/// The gzip header: deflate, no name, no time, unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// An empty final fixed-Huffman block: ends a deflate stream whose last block was a sync flush.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];

/// Deflated chunks of one input, kept for the next version of it.
#[derive(Default)]
pub struct Cache {
    chunks: HashMap<u128, Arc<[u8]>>,
}

/// gzip `src` with nothing to reuse (same bytes as [`Cache::gzip`]).
pub fn gzip(src: &[u8]) -> Vec<u8> {
    Cache::default().gzip(src)
}

impl Cache {
    /// gzip `src`, deflating only the chunks (with their dictionary) not seen in the last call.
    pub fn gzip(&mut self, src: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(src.len() / 3 + 64);
        out.extend_from_slice(&HEADER);
        let mut kept = HashMap::with_capacity(self.chunks.len());
        let mut start = 0;
        while start < src.len() {
            let end = start + chunk_len(&src[start..]);
            let dict = &src[start.saturating_sub(WINDOW)..start];
            // The dictionary's length too: the same bytes split elsewhere deflate differently.
            let key = xxhash_rust::xxh3::xxh3_128_with_seed(
                &src[start - dict.len()..end],
                dict.len() as u64,
            );
            let deflated = match self.chunks.get(&key) {
                Some(d) => Arc::clone(d),
                None => Arc::from(deflate(dict, &src[start..end])),
            };
            out.extend_from_slice(&deflated);
            kept.insert(key, deflated);
            start = end;
        }
        out.extend_from_slice(&FINAL_BLOCK);
        let mut crc = Crc::new();
        crc.update(src);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        // ISIZE is the length modulo 2^32 (RFC 1952).
        out.extend_from_slice(&(src.len() as u32).to_le_bytes());
        self.chunks = kept;
        out
    }
}

/// Length of the chunk that starts `rest`: up to the first content-defined boundary.
fn chunk_len(rest: &[u8]) -> usize {
    if rest.len() <= MIN_CHUNK {
        return rest.len();
    }
    let mut hash = 0u64;
    let limit = rest.len().min(MAX_CHUNK);
    for (i, &b) in rest.iter().enumerate().take(limit).skip(MIN_CHUNK) {
        hash = (hash << 1).wrapping_add(GEAR[b as usize]);
        if hash >> (64 - BOUNDARY_BITS) == 0 {
            return i + 1;
        }
    }
    limit
}

/// Raw deflate of `chunk` after `dict`, ended by a sync flush (byte-aligned, not final).
fn deflate(dict: &[u8], chunk: &[u8]) -> Vec<u8> {
    let mut c = Compress::new(Compression::new(LEVEL), false);
    let mut out = Vec::with_capacity(chunk.len() / 2 + 64);
    if !dict.is_empty() && c.set_dictionary(dict).is_err() {
        // Cannot happen for a fresh raw stream; without the dictionary the chunk must not
        // refer back, so a stored block is the safe fallback.
        return stored(chunk);
    }
    loop {
        let done = usize::try_from(c.total_in()).unwrap_or(chunk.len());
        if c.compress_vec(&chunk[done..], &mut out, FlushCompress::Sync)
            .is_err()
        {
            return stored(chunk);
        }
        // Finished once all input is in and the flush left room to spare (zlib's contract).
        if c.total_in() as usize == chunk.len() && out.len() < out.capacity() {
            return out;
        }
        out.reserve(out.capacity().max(4096));
    }
}

/// `chunk` as stored (uncompressed) non-final blocks: always valid, never smaller.
fn stored(chunk: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(chunk.len() + chunk.len() / 65535 * 5 + 10);
    for part in chunk.chunks(65535) {
        let len = part.len() as u16;
        // BFINAL 0, BTYPE 00, then byte-aligned LEN and NLEN.
        out.push(0);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(part);
    }
    out
}

/// The gear table of the rolling hash: 256 fixed pseudo-random words (splitmix64).
const GEAR: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut i = 0;
    while i < 256 {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        table[i] = z ^ (z >> 31);
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gunzip(gz: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut out)
            .expect("valid gzip");
        out
    }

    /// A feed-like text: items of varied words, so chunks and matches are realistic.
    fn feed(items: &[u32]) -> Vec<u8> {
        let mut s = String::from("<?xml version=\"1.0\"?><rss><channel><title>t</title>");
        for &i in items {
            s.push_str(&format!("<item><title>Item {i}</title><description>"));
            let mut x = u64::from(i) + 1;
            for _ in 0..(200 + i % 300) {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                s.push_str(&format!("word{} 文字{} ", (x >> 33) % 1013, (x >> 40) % 17));
            }
            s.push_str("</description></item>");
        }
        s.push_str("</channel></rss>");
        s.into_bytes()
    }

    #[test]
    fn round_trips_whatever_the_size() {
        for src in [
            Vec::new(),
            b"x".to_vec(),
            vec![0u8; MIN_CHUNK],
            vec![7u8; 3 * MAX_CHUNK + 5],
            feed(&(0..50).collect::<Vec<_>>()),
        ] {
            assert_eq!(gunzip(&gzip(&src)), src, "length {}", src.len());
        }
    }

    #[test]
    fn reuse_gives_the_same_bytes_and_an_edit_recompresses_little() {
        let items: Vec<u32> = (0..50).collect();
        let before = feed(&items);
        let mut cache = Cache::default();
        let first = cache.gzip(&before);
        assert_eq!(first, gzip(&before));
        let chunks = cache.chunks.len();
        assert!(chunks > 5, "only {chunks} chunks");

        // A new item on top, the oldest gone: most chunks are reused.
        let mut edited: Vec<u32> = vec![1000];
        edited.extend(&items[..49]);
        let after = feed(&edited);
        let old: std::collections::HashSet<u128> = cache.chunks.keys().copied().collect();
        let second = cache.gzip(&after);
        assert_eq!(gunzip(&second), after);
        assert_eq!(second, gzip(&after), "reused chunks changed the output");
        let new = cache.chunks.keys().filter(|k| !old.contains(k)).count();
        assert!(
            new * 3 < cache.chunks.len(),
            "{new} of {} chunks recompressed",
            cache.chunks.len()
        );
    }

    #[test]
    fn costs_little_size_over_one_stream() {
        let src = feed(&(0..50).collect::<Vec<_>>());
        let whole = {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::new(LEVEL));
            std::io::Write::write_all(&mut e, &src).expect("write");
            e.finish().expect("finish")
        };
        let chunked = gzip(&src);
        assert!(
            chunked.len() * 100 <= whole.len() * 102,
            "chunked {} vs whole {}",
            chunked.len(),
            whole.len()
        );
    }

    #[test]
    fn stored_blocks_are_valid_deflate() {
        let chunk = vec![42u8; 70_000];
        let mut gz = HEADER.to_vec();
        gz.extend(stored(&chunk));
        gz.extend(FINAL_BLOCK);
        let mut crc = Crc::new();
        crc.update(&chunk);
        gz.extend(crc.sum().to_le_bytes());
        gz.extend((chunk.len() as u32).to_le_bytes());
        assert_eq!(gunzip(&gz), chunk);
    }
}
