//! Content hashes, for finding files with the same bytes: XXH3-128 of each 4 MiB piece, and
//! XXH3-128 of the pieces' hashes in order. Duplicate detection needs no cryptographic hash
//! (fingerprints of values do, and keep keyed BLAKE3); this one costs a tenth of BLAKE3, and
//! its pieces hash in parallel for a file in memory while a stream gets the same hash.

use rayon::prelude::*;
use xxhash_rust::xxh3::{xxh3_128, Xxh3Default};

/// Bytes per piece: whole pieces hash in parallel.
const PIECE: usize = 4 << 20;

/// The content hash of bytes in memory, its pieces hashed in parallel.
pub fn of_bytes(bytes: &[u8]) -> String {
    let pieces: Vec<u128> = bytes.par_chunks(PIECE).map(xxh3_128).collect();
    let mut outer = Xxh3Default::new();
    for p in pieces {
        outer.update(&p.to_le_bytes());
    }
    hex(&outer)
}

/// The content hash of bytes that arrive in parts (a stream), equal to `of_bytes` of them all.
/// Its memory is fixed however long the stream.
pub struct Digest {
    piece: Xxh3Default,
    in_piece: usize,
    outer: Xxh3Default,
}

impl Default for Digest {
    fn default() -> Self {
        Digest { piece: Xxh3Default::new(), in_piece: 0, outer: Xxh3Default::new() }
    }
}

impl Digest {
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let take = (PIECE - self.in_piece).min(data.len());
            self.piece.update(&data[..take]);
            self.in_piece += take;
            data = &data[take..];
            if self.in_piece == PIECE {
                self.end_piece();
            }
        }
    }

    fn end_piece(&mut self) {
        self.outer.update(&self.piece.digest128().to_le_bytes());
        self.piece.reset();
        self.in_piece = 0;
    }

    pub fn finish(mut self) -> String {
        if self.in_piece > 0 {
            self.end_piece();
        }
        hex(&self.outer)
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

fn hex(outer: &Xxh3Default) -> String {
    format!("{:032x}", outer.digest128())
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
    fn different_bytes_hash_differently() {
        let a = vec![0u8; PIECE + 1];
        let mut b = a.clone();
        b[PIECE] = 1;
        assert_ne!(of_bytes(&a), of_bytes(&b));
        assert_ne!(of_bytes(&a[..PIECE]), of_bytes(&a));
        assert_ne!(of_bytes(b""), of_bytes(b"\0"));
        assert_eq!(of_bytes(b"").len(), 32);
    }
}
