//! Cutting text into blocks of whole lines: chunks of a mapped file for parallel scanning, and
//! bounded blocks read from a stream. A match never straddles a block because no pattern
//! crosses a newline and every block ends at one.

use std::io::{self, Read};
use std::ops::Range;

/// Splits `buf` into ranges of about `target` bytes, each ending just after a newline (the last
/// one at the end of `buf`). A line longer than `max_line` is cut into pieces of at most that
/// size, at a character boundary, so no piece needs more memory than that to scan; the
/// second value counts the cuts.
pub fn split_lines(buf: &[u8], target: usize, max_line: usize) -> (Vec<Range<usize>>, u64) {
    let max_line = max_line.max(target).max(4);
    let mut out = Vec::with_capacity(buf.len() / target.max(1) + 1);
    let (mut start, mut cuts) = (0, 0);
    while start < buf.len() {
        let probe = start.saturating_add(target).min(buf.len());
        let limit = start.saturating_add(max_line).min(buf.len());
        let end = if probe == buf.len() {
            buf.len()
        } else {
            match memchr::memchr(b'\n', &buf[probe..limit]) {
                Some(i) => probe + i + 1,
                None if limit == buf.len() => buf.len(),
                None => {
                    cuts += 1;
                    char_boundary_before(buf, limit)
                }
            }
        };
        out.push(start..end);
        start = end;
    }
    (out, cuts)
}

/// The last UTF-8 character boundary at or before `i` (never `i - 3` or less).
/// `block` cut at newlines into pieces of about `size` bytes, each without the newline that
/// ends it: the pieces' lines (split at their newlines) are the block's lines, in order.
pub fn tiles(block: &[u8], size: usize) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut next = Some(0);
    std::iter::from_fn(move || {
        let start = next?;
        let newline = block.get(start + size..).and_then(|rest| memchr::memchr(b'\n', rest)).map(|n| start + size + n);
        next = newline.map(|n| n + 1);
        Some(start..newline.unwrap_or(block.len()))
    })
}

fn char_boundary_before(buf: &[u8], i: usize) -> usize {
    (i.saturating_sub(3)..=i).rev().find(|&j| j == buf.len() || (buf[j] as i8) >= -0x40).unwrap_or(i)
}

/// The lines of `buf`, given the newlines in it: a last line without a newline counts too.
pub fn count_lines(newlines: u64, buf: &[u8]) -> u64 {
    newlines + u64::from(buf.last().is_some_and(|&b| b != b'\n'))
}

/// Reads a stream as blocks of whole lines, about `block` bytes each, with memory bounded by
/// `max_line`: a line longer than that is cut (and counted) rather than buffered whole.
pub struct LineBlocks<R> {
    reader: R,
    buf: Vec<u8>,
    emitted: usize,
    block: usize,
    max_line: usize,
    eof: bool,
    /// A read error, returned once everything read before it has been handed out.
    error: Option<io::Error>,
    /// How many times a line had to be cut at `max_line`.
    pub cut_lines: u64,
}

impl<R: Read> LineBlocks<R> {
    pub fn new(reader: R, block: usize, max_line: usize) -> Self {
        let max_line = max_line.max(block);
        LineBlocks {
            reader,
            buf: Vec::with_capacity(block),
            emitted: 0,
            block,
            max_line,
            eof: false,
            error: None,
            cut_lines: 0,
        }
    }

    /// The next block, or `None` at the end of the stream. A read error comes after the
    /// blocks of everything read before it, so no decoded byte goes unscanned.
    pub fn next_block(&mut self) -> io::Result<Option<&[u8]>> {
        self.buf.drain(..self.emitted);
        self.emitted = 0;
        loop {
            if self.buf.len() >= self.block || self.eof {
                if let Some(i) = memchr::memrchr(b'\n', &self.buf) {
                    self.emitted = i + 1;
                } else if self.eof || self.buf.len() >= self.max_line {
                    if !self.eof {
                        self.cut_lines += 1;
                    }
                    self.emitted = self.buf.len();
                }
                if self.emitted > 0 {
                    return Ok(Some(&self.buf[..self.emitted]));
                }
                if self.eof {
                    return self.error.take().map_or(Ok(None), Err);
                }
            }
            self.fill()?;
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        let want = self.block.max(self.buf.len() / 2).min(self.max_line);
        let old = self.buf.len();
        self.buf.resize(old + want, 0);
        let mut got = 0;
        while got < want {
            match self.reader.read(&mut self.buf[old + got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.error = Some(e);
                    break;
                }
            }
        }
        self.buf.truncate(old + got);
        if got < want {
            self.eof = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_hold_the_lines_of_the_block() {
        for block in [&b""[..], b"\n", b"a", b"a\n", b"ab\ncd\n\nef", b"abc\n\n\ndef\n", b"x\nyy\nzzz\nwwww"] {
            let lines: Vec<&[u8]> = block.split(|&b| b == b'\n').collect();
            for size in 0..block.len() + 2 {
                let tiled: Vec<&[u8]> = tiles(block, size).flat_map(|r| block[r].split(|&b| b == b'\n')).collect();
                assert_eq!(tiled, lines, "{:?} in tiles of {size}", String::from_utf8_lossy(block));
            }
        }
    }

    fn blocks(text: &[u8], block: usize, max_line: usize) -> (Vec<Vec<u8>>, u64) {
        let mut lb = LineBlocks::new(text, block, max_line);
        let mut out = Vec::new();
        while let Some(b) = lb.next_block().unwrap() {
            out.push(b.to_vec());
        }
        (out, lb.cut_lines)
    }

    #[test]
    fn split_ranges_cover_the_buffer_and_end_at_newlines() {
        let text = b"aaaa\nbb\ncccccccccc\nd\n\ne";
        for target in 1..text.len() + 2 {
            let (ranges, cuts) = split_lines(text, target, 64);
            assert_eq!(cuts, 0);
            assert_eq!(ranges.first().unwrap().start, 0);
            assert_eq!(ranges.last().unwrap().end, text.len());
            for w in ranges.windows(2) {
                assert_eq!(w[0].end, w[1].start);
                assert_eq!(text[w[0].end - 1], b'\n');
            }
        }
        assert!(split_lines(b"", 4, 64).0.is_empty());
    }

    #[test]
    fn stream_blocks_are_whole_lines_and_lose_nothing() {
        let text = b"one\ntwo two\nthree three three\n\nfour";
        for block in 1..12 {
            let (bs, cut) = blocks(text, block, 64);
            assert_eq!(bs.concat(), text.to_vec(), "block {block}");
            assert_eq!(cut, 0);
            for b in &bs[..bs.len() - 1] {
                assert_eq!(*b.last().unwrap(), b'\n');
            }
        }
    }

    /// A reader that yields `data` and then fails.
    struct FailsAfter<'a>(&'a [u8]);

    impl Read for FailsAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "corrupt"));
            }
            let n = buf.len().min(self.0.len()).min(3);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn everything_read_before_an_error_is_handed_out_then_the_error() {
        let mut lb = LineBlocks::new(FailsAfter(b"line one\nline two\npartial"), 1 << 20, 1 << 20);
        let mut got = Vec::new();
        let err = loop {
            match lb.next_block() {
                Ok(Some(b)) => got.extend_from_slice(b),
                Ok(None) => panic!("the error must not be swallowed"),
                Err(e) => break e,
            }
        };
        assert_eq!(got, b"line one\nline two\npartial");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn an_overlong_line_is_cut_and_counted() {
        let text = [b'x'; 100];
        let (bs, cut) = blocks(&text, 8, 16);
        assert_eq!(bs.concat(), text.to_vec());
        assert!(bs.iter().all(|b| b.len() <= 16));
        assert!(cut > 0);
    }

    #[test]
    fn an_overlong_line_in_memory_is_cut_at_character_boundaries() {
        let text = "電話號碼".repeat(100) + "\nshort\n";
        let (ranges, cuts) = split_lines(text.as_bytes(), 8, 16);
        assert!(cuts > 0);
        assert!(ranges.iter().all(|r| r.len() <= 16));
        assert!(ranges.iter().all(|r| std::str::from_utf8(&text.as_bytes()[r.clone()]).is_ok()));
        assert_eq!(ranges.last().unwrap().end, text.len());
    }

    #[test]
    fn lines_are_counted_with_or_without_a_final_newline() {
        assert_eq!(count_lines(0, b""), 0);
        assert_eq!(count_lines(0, b"a"), 1);
        assert_eq!(count_lines(1, b"a\n"), 1);
        assert_eq!(count_lines(1, b"a\nb"), 2);
    }
}
