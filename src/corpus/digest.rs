//! Content hashes, for finding files with the same bytes: XXH3-128 of each 64 KiB piece, and
//! XXH3-128 of the pieces' hashes in order. Duplicate detection needs no cryptographic hash
//! (fingerprints of values do, and keep keyed BLAKE3); this one costs a tenth of BLAKE3. Its
//! pieces hash in any order: a file in memory has them hashed by the threads that scan it, each
//! just before it scans them (`Pieces::within`), while a stream gets the same hash.

use rayon::prelude::*;
use std::ops::Range;
use twox_hash::XxHash3_128;

/// Bytes per piece. Small enough that a scan chunk (2 MiB, cut at line ends) holds all but the
/// pieces at its two edges, so hashing rides on the scan's own reads of its chunk rather than
/// a pass of its own over the file once the scan is done (5% of a 1 GiB JSONL scan).
const PIECE: usize = 64 << 10;

/// Names how content hashes are made: hashes made another way (a cache written by a build
/// with another piece size) must not be compared with these.
pub const SCHEME: &str = "xxh3-128 of 64 KiB pieces";

/// A content hash, written as 32 hex digits. Held as a number, so a summary's map of content
/// groups (one per file scanned) compares and stores it inline; its order is the digits'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContentHash(u128);

impl ContentHash {
    /// The 32 hex digits, by hand: `{:032x}` through `core::fmt` took a quarter of the time of
    /// writing a summary of 20,000 files, whose map has a hash per file.
    pub fn digits(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, d) in out.iter_mut().enumerate() {
            *d = b"0123456789abcdef"[(self.0 >> (124 - 4 * i) & 0xF) as usize];
        }
        out
    }
}

impl std::fmt::Display for ContentHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(std::str::from_utf8(&self.digits()).expect("hex digits are ASCII"))
    }
}

impl std::str::FromStr for ContentHash {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let digits = s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let hash = digits.then(|| u128::from_str_radix(s, 16).ok()).flatten();
        hash.map(ContentHash).ok_or_else(|| format!("not a content hash (32 lower-case hex digits): {s:?}"))
    }
}

impl serde::Serialize for ContentHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(std::str::from_utf8(&self.digits()).expect("hex digits are ASCII"))
    }
}

impl<'de> serde::Deserialize<'de> for ContentHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The content hash of bytes in memory, its pieces hashed in parallel.
pub fn of_bytes(bytes: &[u8]) -> ContentHash {
    Pieces::assemble(bytes, Vec::new())
}

/// The hashes of some of the pieces of a text in memory.
#[derive(Debug, Default)]
pub struct Pieces {
    /// The index of the first piece hashed.
    first: usize,
    hashes: Vec<u128>,
}

impl Pieces {
    /// The pieces of `bytes` that lie wholly within `range`.
    pub fn within(bytes: &[u8], range: Range<usize>) -> Pieces {
        let first = range.start.div_ceil(PIECE);
        let end = if range.end == bytes.len() { bytes.len().div_ceil(PIECE) } else { range.end / PIECE };
        let hashes = (first..end.max(first)).map(|i| hash_piece(bytes, i));
        Pieces { first, hashes: hashes.collect() }
    }

    /// The content hash of `bytes` (`of_bytes`), from the pieces already hashed, in any order
    /// and any number, and the rest hashed now in parallel.
    pub fn assemble(bytes: &[u8], parts: Vec<Pieces>) -> ContentHash {
        let mut hashes: Vec<Option<u128>> = vec![None; bytes.len().div_ceil(PIECE)];
        for part in parts {
            for (slot, h) in hashes[part.first..].iter_mut().zip(part.hashes) {
                *slot = Some(h);
            }
        }
        hashes.par_iter_mut().enumerate().filter(|(_, h)| h.is_none()).for_each(|(i, h)| {
            *h = Some(hash_piece(bytes, i));
        });
        let mut outer = XxHash3_128::new();
        for h in hashes.into_iter().flatten() {
            outer.write(&h.to_le_bytes());
        }
        ContentHash(outer.finish_128())
    }
}

/// The hash of piece `i` of `bytes` (the last one may be short).
fn hash_piece(bytes: &[u8], i: usize) -> u128 {
    XxHash3_128::oneshot(&bytes[i * PIECE..((i + 1) * PIECE).min(bytes.len())])
}

/// The content hash of bytes that arrive in parts (a stream), equal to `of_bytes` of them all.
/// Its memory is fixed however long the stream.
pub struct Digest {
    piece: XxHash3_128,
    in_piece: usize,
    outer: XxHash3_128,
}

impl Default for Digest {
    fn default() -> Self {
        Digest { piece: XxHash3_128::new(), in_piece: 0, outer: XxHash3_128::new() }
    }
}

impl Digest {
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let take = (PIECE - self.in_piece).min(data.len());
            self.piece.write(&data[..take]);
            self.in_piece += take;
            data = &data[take..];
            if self.in_piece == PIECE {
                self.end_piece();
            }
        }
    }

    fn end_piece(&mut self) {
        self.outer.write(&self.piece.finish_128().to_le_bytes());
        self.piece = XxHash3_128::new();
        self.in_piece = 0;
    }

    pub fn finish(mut self) -> ContentHash {
        if self.in_piece > 0 {
            self.end_piece();
        }
        ContentHash(self.outer.finish_128())
    }
}

impl std::io::Write for Digest {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_in_any_parts_hashes_as_the_bytes_whole() {
        let bytes: Vec<u8> = (0..PIECE * 2 + 12345).map(|i| (i * 7 % 251) as u8).collect();
        let whole = of_bytes(&bytes);
        for part in [1, 4096, PIECE - 1, PIECE, PIECE + 3, bytes.len()] {
            let mut d = Digest::default();
            bytes.chunks(part).for_each(|c| d.update(c));
            assert_eq!(d.finish(), whole, "parts of {part}");
        }
    }

    #[test]
    fn pieces_hashed_within_any_ranges_assemble_to_the_hash_of_the_whole() {
        let bytes: Vec<u8> = (0..PIECE * 5 + 777).map(|i| (i * 13 % 251) as u8).collect();
        let whole = of_bytes(&bytes);
        let mut d = Digest::default();
        d.update(&bytes);
        assert_eq!(d.finish(), whole, "the stream digest is the same hash");
        for cuts in [vec![], vec![1], vec![PIECE], vec![PIECE - 1, PIECE + 1, 3 * PIECE + 5], vec![10, 20, 4 * PIECE]] {
            let mut bounds = vec![0];
            bounds.extend(cuts.iter().copied());
            bounds.push(bytes.len());
            let parts = bounds.windows(2).map(|w| Pieces::within(&bytes, w[0]..w[1])).collect();
            assert_eq!(Pieces::assemble(&bytes, parts), whole, "cut at {cuts:?}");
        }
        // A part may cover nothing, or be missing.
        assert_eq!(Pieces::assemble(&bytes, vec![Pieces::within(&bytes, 5..PIECE)]), whole);
        assert_eq!(Pieces::within(&bytes, 1..PIECE + 2).hashes.len(), 0);
        assert_eq!(Pieces::within(&bytes, 0..PIECE * 2).hashes.len(), 2);
        assert_eq!(Pieces::within(&bytes, PIECE * 5..bytes.len()).hashes.len(), 1, "the short last piece");
    }

    #[test]
    fn different_bytes_hash_differently() {
        let a = vec![0u8; PIECE + 1];
        let mut b = a.clone();
        b[PIECE] = 1;
        assert_ne!(of_bytes(&a), of_bytes(&b));
        assert_ne!(of_bytes(&a[..PIECE]), of_bytes(&a));
        assert_ne!(of_bytes(b""), of_bytes(b"\0"));
    }

    /// A hash is written as 32 lower-case hex digits, and read back only from such, which a
    /// summary's map of content groups keeps in the digits' order.
    #[test]
    fn hashes_are_written_as_32_hex_digits_and_read_back() {
        let small = ContentHash(0xab);
        assert_eq!(small.to_string(), "000000000000000000000000000000ab");
        for h in [small, of_bytes(b""), ContentHash(u128::MAX)] {
            let json = serde_json::to_string(&h).unwrap();
            assert_eq!(serde_json::from_str::<ContentHash>(&json).unwrap(), h);
        }
        for bad in ["ab", "000000000000000000000000000000AB", "+000000000000000000000000000000a", "g"] {
            assert!(bad.parse::<ContentHash>().is_err(), "{bad}");
        }
        let map: std::collections::BTreeMap<ContentHash, u8> = [(ContentHash(16), 1), (ContentHash(2), 2)].into();
        assert_eq!(serde_json::to_string(&map).unwrap(), format!(r#"{{"{:032x}":2,"{:032x}":1}}"#, 2, 16));
    }

    /// Hashes stay XXH3-128's (`SCHEME`), whichever crate computes them, so summaries and caches
    /// of earlier builds still compare: the values are the reference implementation's (Python's
    /// `xxhash`, on libxxhash, computing the same scheme).
    #[test]
    fn hashes_are_xxh3_128s() {
        assert_eq!(of_bytes(b"").to_string(), "99aa06d3014798d86001c324468d497f");
        let bytes: Vec<u8> = (0..PIECE + 100).map(|i| (i % 251) as u8).collect();
        assert_eq!(of_bytes(&bytes).to_string(), "f0d9d57c60564ac20b4dc819e1330dc2");
    }
}
