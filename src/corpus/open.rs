//! Opening a file as text to scan: sniffing compression (by magic bytes, nested), container
//! (Parquet, Git LFS pointer) and text encoding, then handing out a memory map, a buffer or a
//! decoding stream. Everything here is bytes and structure; nothing knows about personal data.

use super::mapguard::GuardedMap;
use memmap2::Mmap;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Files smaller than this are read into memory: a map costs more than it saves on small
/// files, and a read cannot fault if the file shrinks.
pub const MAP_THRESHOLD: u64 = 4 << 20;
/// Bytes looked at to recognise compression, containers and encodings.
const HEAD: usize = 64 << 10;
/// Compression layers unwrapped at most (`.jsonl.gz` inside `.zst` …).
const MAX_LAYERS: usize = 3;
/// A decompressed stream may always grow to this size, whatever its expansion ratio.
pub const EXPANSION_FLOOR: u64 = 256 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    Gzip,
    Zstd,
    Bzip2,
    Xz,
}

impl Compression {
    /// From the first bytes of a stream: the magic numbers, not the extension, decide.
    pub fn sniff(head: &[u8]) -> Option<Compression> {
        match head {
            [0x1f, 0x8b, ..] => Some(Compression::Gzip),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Some(Compression::Zstd),
            [b'B', b'Z', b'h', b'1'..=b'9', ..] => Some(Compression::Bzip2),
            [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Some(Compression::Xz),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
        }
    }

    fn decoder<'a>(self, inner: Box<dyn Read + Send + 'a>) -> io::Result<Box<dyn Read + Send + 'a>> {
        Ok(match self {
            Compression::Gzip => {
                Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::with_capacity(1 << 16, inner)))
            }
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(inner)?),
            Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(inner)),
            Compression::Xz => Box::new(liblzma::read::XzDecoder::new_multi_decoder(inner)),
        })
    }
}

/// The text encoding a file was read in; everything is scanned as UTF-8 after decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    /// A legacy CJK encoding recognised by chardetng and decoded by encoding_rs.
    Legacy(&'static encoding_rs::Encoding),
    /// Not UTF-8 and not recognised: scanned as raw bytes, so only ASCII values are found.
    Unknown,
}

impl TextEncoding {
    pub fn label(self) -> String {
        match self {
            TextEncoding::Utf8 => "UTF-8".into(),
            TextEncoding::Utf8Bom => "UTF-8 with BOM".into(),
            TextEncoding::Utf16Le => "UTF-16LE".into(),
            TextEncoding::Utf16Be => "UTF-16BE".into(),
            // encoding_rs's Big5 is the WHATWG Big5, which includes the HKSCS extensions.
            TextEncoding::Legacy(e) if e == encoding_rs::BIG5 => "Big5-HKSCS".into(),
            TextEncoding::Legacy(e) if e == encoding_rs::GBK || e == encoding_rs::GB18030 => "GB18030".into(),
            TextEncoding::Legacy(e) => e.name().into(),
            TextEncoding::Unknown => "unknown (not UTF-8; scanned as raw bytes)".into(),
        }
    }

    fn transcoder(self) -> Option<&'static encoding_rs::Encoding> {
        match self {
            TextEncoding::Utf16Le => Some(encoding_rs::UTF_16LE),
            TextEncoding::Utf16Be => Some(encoding_rs::UTF_16BE),
            TextEncoding::Legacy(e) => Some(e),
            _ => None,
        }
    }
}

/// Legacy encodings worth transcoding: the ones Hong Kong, mainland and regional corpora use.
fn is_cjk_legacy(e: &'static encoding_rs::Encoding) -> bool {
    [
        encoding_rs::BIG5,
        encoding_rs::GBK,
        encoding_rs::GB18030,
        encoding_rs::SHIFT_JIS,
        encoding_rs::EUC_JP,
        encoding_rs::EUC_KR,
    ]
    .contains(&e)
}

/// Recognises the encoding from the first bytes; `complete` when `head` is the whole file.
pub fn detect_encoding(head: &[u8], complete: bool) -> TextEncoding {
    encoding_of(head, complete, is_utf8(head))
}

/// UTF-8's byte-order mark, which some writers put before a file's text.
pub const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Whether `bytes` are valid UTF-8: valid text, the rule, is settled by simdutf8's SIMD check
/// (std's validator takes several instructions per byte on Chinese text).
fn is_utf8(bytes: &[u8]) -> bool {
    simdutf8::basic::from_utf8(bytes).is_ok()
}

/// `detect_encoding`, told whether `head` is valid UTF-8.
fn encoding_of(head: &[u8], complete: bool, valid_utf8: bool) -> TextEncoding {
    match head {
        [0xef, 0xbb, 0xbf, ..] => return TextEncoding::Utf8Bom,
        [0xff, 0xfe, ..] => return TextEncoding::Utf16Le,
        [0xfe, 0xff, ..] => return TextEncoding::Utf16Be,
        _ => {}
    }
    // Valid text is the rule; std's validator tells where other text fails.
    if valid_utf8 {
        return TextEncoding::Utf8;
    }
    // Only a character cut by the end of the head: still UTF-8.
    if std::str::from_utf8(head).is_err_and(|e| !complete && e.error_len().is_none()) {
        return TextEncoding::Utf8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(head, complete);
    let guess = detector.guess(None, chardetng::Utf8Detection::Allow);
    if is_cjk_legacy(guess) {
        let (_, _, errors) = guess.decode(head);
        if !errors {
            return TextEncoding::Legacy(guess);
        }
    }
    // Mostly UTF-8 with a few bad bytes (a damaged file) is still scanned as UTF-8.
    if invalid_utf8_bytes(head) * 100 < head.len() {
        TextEncoding::Utf8
    } else {
        TextEncoding::Unknown
    }
}

/// Bytes of `text` that are not part of a valid UTF-8 sequence (a cut last character counts).
pub fn invalid_utf8_bytes(mut text: &[u8]) -> usize {
    // Valid text is the rule, counted by std's validator only when it fails.
    if is_utf8(text) {
        return 0;
    }
    let mut bad = 0;
    loop {
        match std::str::from_utf8(text) {
            Ok(_) => return bad,
            Err(e) => {
                let skip = e.error_len().unwrap_or(text.len() - e.valid_up_to());
                bad += skip;
                text = &text[e.valid_up_to() + skip..];
            }
        }
    }
}

/// Bytes in memory: read whole (into a recycled buffer if they fit one) or mapped (and
/// guarded against truncation).
pub enum Bytes {
    Held(Held),
    Read(Vec<u8>),
    Mapped(GuardedMap),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Held(h) => h,
            Bytes::Read(v) => v,
            Bytes::Mapped(m) => m,
        }
    }
}

impl Bytes {
    /// Whether the bytes are known to be valid UTF-8 (a file held whole was checked as it was
    /// opened), so the scan need not check them again.
    pub fn known_utf8(&self) -> bool {
        matches!(self, Bytes::Held(h) if h.valid_utf8)
    }

    /// True if the file shrank under its map while it was read.
    pub fn changed_while_read(&self) -> bool {
        matches!(self, Bytes::Mapped(m) if m.faulted())
    }
}

/// What a file turned out to hold.
pub enum Content {
    /// UTF-8 (or unknown) text in memory, scanned in parallel chunks.
    Bytes(Bytes),
    /// UTF-8 text from a decoding stream (decompressed and/or transcoded).
    Stream(Box<dyn Read + Send>),
    /// A Parquet file, read by columns.
    Parquet(File),
    /// Why the file holds nothing to scan (a Git LFS pointer, Parquet inside compression …).
    Absent(String),
}

pub struct Opened {
    pub content: Content,
    /// Compression layers, outermost first.
    pub compression: Vec<Compression>,
    pub encoding: TextEncoding,
    pub stored_bytes: u64,
}

/// Limits on what opening may cost.
#[derive(Debug, Clone, Copy)]
pub struct OpenLimits {
    /// A decompressed stream stops (and the file fails) once it passes this many times its
    /// compressed size, and `EXPANSION_FLOOR`: the guard against compression bombs.
    pub max_expansion: u64,
}

impl Default for OpenLimits {
    fn default() -> Self {
        OpenLimits { max_expansion: 200 }
    }
}

/// Counts the bytes read from the file under a decoder, for progress in on-disk bytes.
pub struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Fails a stream once it has produced more than `max` bytes.
struct Limited<R> {
    inner: R,
    left: u64,
    max: u64,
    ratio: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // Is there more? One byte tells.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            return Err(io::Error::other(format!(
                "decompression stopped at {} bytes, more than {}x the compressed size \
                 (a possible compression bomb; raise --max-expansion to scan it)",
                self.max, self.ratio
            )));
        }
        let want = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Reads until `buf` is full or the stream ends.
pub fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The first bytes of a file, up to `HEAD`, and whether they are all of it. A file need not
/// be measured first (a call per file of a corpus of small files).
fn read_head(r: &mut impl Read) -> io::Result<(Held, bool)> {
    let mut head = Held::spare();
    head.len = read_up_to(r, &mut head.data)?;
    let complete = head.len < HEAD;
    Ok((head, complete))
}

/// Bytes read into a buffer of `HEAD` bytes that goes back to its thread's spares when they
/// are dropped, for the next file: a small file is read once, into memory already written
/// (not cleared for it, nor copied out of a buffer after; the copy was a tenth of the
/// instructions a file of a corpus of small files cost beyond its bytes).
pub struct Held {
    /// Every byte initialised; `HEAD` long while it may go back to the spares.
    data: Vec<u8>,
    len: usize,
    /// The bytes are valid UTF-8, as the encoding's detection found.
    valid_utf8: bool,
}

thread_local!(static SPARES: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) });

impl Held {
    /// A thread keeps this many spare buffers: one for each file it holds at once.
    const SPARES: usize = 2;

    fn spare() -> Held {
        let data = SPARES.with_borrow_mut(Vec::pop).unwrap_or_else(|| vec![0; HEAD]);
        Held { data, len: 0, valid_utf8: false }
    }

    /// The bytes as a vector of their own length, to read more into.
    fn into_vec(mut self) -> Vec<u8> {
        let mut data = std::mem::take(&mut self.data);
        data.truncate(self.len);
        data
    }
}

impl std::ops::Deref for Held {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.data[..self.len]
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if self.data.len() == HEAD {
            let data = std::mem::take(&mut self.data);
            SPARES.with_borrow_mut(|spares| (spares.len() < Self::SPARES).then(|| spares.push(data)));
        }
    }
}

/// Reads the head of a decoding stream. A stream that fails within its head (a small corrupt
/// file) still hands out what it decoded; the error comes after it, where the scanner reports it.
pub fn peek_head(mut r: Box<dyn Read + Send>, size: usize) -> (Vec<u8>, Box<dyn Read + Send>) {
    let mut head = vec![0u8; size];
    let mut filled = 0;
    let mut error = None;
    while filled < head.len() {
        match r.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    head.truncate(filled);
    let rest: Box<dyn Read + Send> = match error {
        Some(e) => Box::new(Failing(Some(e))),
        None => r,
    };
    (head.clone(), Box::new(Cursor::new(head).chain(rest)))
}

/// A reader that fails once with a stored error, then ends.
struct Failing(Option<io::Error>);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        self.0.take().map_or(Ok(0), Err)
    }
}

/// A Git LFS pointer: the file a dataset repository holds when the content was not pulled.
pub fn is_lfs_pointer(head: &[u8], size: u64) -> bool {
    size < 1024 && head.starts_with(b"version https://git-lfs.github.com/spec/")
}

/// Opens `path`; `raw_read` receives the on-disk bytes a stream consumes as it is read.
/// A file is measured only if it is longer than its head: a small one is read whole at once.
pub fn open(path: &Path, limits: OpenLimits, raw_read: Arc<AtomicU64>) -> io::Result<Opened> {
    let mut file = File::open(path)?;
    let (mut head, complete) = read_head(&mut file)?;
    let stored_bytes = if complete { head.len() as u64 } else { file.metadata()?.len().max(head.len() as u64) };
    let opened = |content, compression, encoding| Opened { content, compression, encoding, stored_bytes };
    if Compression::sniff(&head).is_none() {
        if head.starts_with(b"PAR1") {
            return Ok(opened(Content::Parquet(File::open(path)?), vec![], TextEncoding::Utf8));
        }
        if is_lfs_pointer(&head, stored_bytes) {
            let why = "Git LFS pointer: the content is not in this checkout (run `git lfs pull` and scan again)";
            return Ok(opened(Content::Absent(why.into()), vec![], TextEncoding::Utf8));
        }
        head.valid_utf8 = is_utf8(&head);
        let encoding = encoding_of(&head, complete, head.valid_utf8);
        if let Some(enc) = encoding.transcoder() {
            let stream = transcode(Box::new(Cursor::new(head.into_vec()).chain(file)), enc);
            return Ok(opened(Content::Stream(stream), vec![], encoding));
        }
        let bytes = if complete {
            Bytes::Held(head)
        } else if stored_bytes < MAP_THRESHOLD {
            let mut all = head.into_vec();
            file.read_to_end(&mut all)?;
            Bytes::Read(all)
        } else {
            // SAFETY: the map is read-only and private to this process; truncation by another
            // process is caught by the SIGBUS guard and reported instead of crashing.
            let map = unsafe { Mmap::map(&file)? };
            #[cfg(unix)]
            let _ = map.advise(memmap2::Advice::Sequential);
            Bytes::Mapped(GuardedMap::new(map))
        };
        // What was read is the size, whatever the file did since it was measured.
        let stored_bytes = if let Bytes::Mapped(_) = &bytes { stored_bytes } else { bytes.len() as u64 };
        return Ok(Opened { content: Content::Bytes(bytes), compression: vec![], encoding, stored_bytes });
    }

    let counted = Counted { inner: Cursor::new(head.into_vec()).chain(file), count: raw_read };
    let mut stream: Box<dyn Read + Send> = Box::new(counted);
    let mut layers = Vec::new();
    let head = loop {
        let (peeked, again) = peek_head(stream, HEAD);
        stream = again;
        match Compression::sniff(&peeked) {
            Some(c) if layers.len() < MAX_LAYERS => {
                layers.push(c);
                stream = c.decoder(stream)?;
            }
            _ => break peeked,
        }
    };
    let max = (limits.max_expansion.saturating_mul(stored_bytes)).max(EXPANSION_FLOOR);
    let ratio = limits.max_expansion;
    let stream: Box<dyn Read + Send> = Box::new(Limited { inner: stream, left: max, max, ratio });
    if head.starts_with(b"PAR1") {
        let why = format!(
            "Parquet inside {} compression cannot be read as a stream: decompress it and scan again",
            layers[0].name()
        );
        return Ok(opened(Content::Absent(why), layers, TextEncoding::Utf8));
    }
    if is_lfs_pointer(&head, head.len() as u64) {
        return Ok(opened(
            Content::Absent("compressed Git LFS pointer: content not present".into()),
            layers,
            TextEncoding::Utf8,
        ));
    }
    let encoding = detect_encoding(&head, head.len() < HEAD);
    let stream = match encoding.transcoder() {
        Some(enc) => transcode(stream, enc),
        None => stream,
    };
    Ok(opened(Content::Stream(stream), layers, encoding))
}

/// Transcodes to UTF-8 as the stream is read (a BOM, if any, is removed).
fn transcode(inner: Box<dyn Read + Send>, encoding: &'static encoding_rs::Encoding) -> Box<dyn Read + Send> {
    Box::new(encoding_rs_io::DecodeReaderBytesBuilder::new().encoding(Some(encoding)).build(inner))
}

/// Why the start of a file's content says it is not text, if it does.
pub fn binary_reason(head: &[u8]) -> Option<String> {
    let head = &head[..head.len().min(8192)];
    let (low, nul) = super::ascii::control_bytes(head);
    if let Some(i) = nul.then(|| memchr::memchr(0, head)).flatten() {
        let zeros_alternate = head.len() >= 16 && head.iter().skip(i % 2).step_by(2).take(64).all(|&b| b == 0);
        let hint = if zeros_alternate { "; UTF-16 without a byte-order mark?" } else { "" };
        return Some(format!("binary content (NUL byte at offset {i}{hint})"));
    }
    // Text has few bytes below 0x20 (its line ends): their count settles most files before
    // the exact count of control bytes.
    if low * 10 <= head.len() {
        return None;
    }
    let control = head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)).count();
    if head.len() >= 32 && control * 10 > head.len() {
        return Some(format!("binary content ({control} control bytes in the first {} bytes)", head.len()));
    }
    None
}

/// The kind of records a file holds, from its name (compression suffixes removed), settled by
/// its first line where the name says only "text" (`Format::settle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Text,
    Markdown,
    Jsonl,
    /// `.json`: lines that parse are records; a pretty-printed document is scanned as text.
    Json,
    Csv,
    Tsv,
    Parquet,
    OtherText,
}

const COMPRESSION_SUFFIXES: &[&str] = &[".gz", ".gzip", ".zst", ".zstd", ".bz2", ".xz"];

impl Format {
    pub fn of(path: &Path) -> Format {
        let mut name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        while let Some(s) = COMPRESSION_SUFFIXES.iter().find(|s| name.ends_with(*s)) {
            name.truncate(name.len() - s.len());
        }
        match name.rsplit_once('.').map(|(_, ext)| ext) {
            Some("txt" | "text") => Format::Text,
            Some("md" | "markdown") => Format::Markdown,
            Some("jsonl" | "ndjson") => Format::Jsonl,
            Some("json") => Format::Json,
            Some("csv") => Format::Csv,
            Some("tsv" | "tab") => Format::Tsv,
            Some("parquet") => Format::Parquet,
            _ => Format::OtherText,
        }
    }

    /// The format a file's start shows, where its name says no more than text: a file whose
    /// first line is a JSON object holds JSON Lines, and one that opens as a JSON document (a
    /// pretty-printed array of records) is JSON. Shards are often named `part-00001` or
    /// `train.txt`; scanned as plain text, their `\uXXXX` escapes (Chinese text, full-width
    /// digits) would stay undecoded and the findings in them would be lost.
    pub fn settle(self, head: &[u8]) -> Format {
        if matches!(self, Format::Text | Format::OtherText) {
            json_kind(head).unwrap_or(self)
        } else {
            self
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Jsonl => "jsonl",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Parquet => "parquet",
            Format::OtherText => "other text",
        }
    }
}

/// How much of a file's start `Format::settle` reads: enough for a long first record, bounded
/// so that a file of blank lines or one huge line costs no more.
const SETTLE_BYTES: usize = 64 * 1024;

/// `Jsonl` if the first line of `head` (after a byte-order mark and blank space) is a JSON
/// object, or where the line runs past the end of `head`, a valid start of one; `Json` if `head`
/// is an object or array that spans lines, valid as far as it goes.
fn json_kind(head: &[u8]) -> Option<Format> {
    let head = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    let head = &head[..head.len().min(SETTLE_BYTES)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &head[start..];
    if !matches!(rest[0], b'{' | b'[') {
        return None;
    }
    let parse = |text: &[u8]| serde_json::from_slice::<serde::de::IgnoredAny>(text).map(drop);
    let valid_so_far = |text: &[u8]| match parse(text) {
        Ok(()) => true,
        Err(e) => e.classify() == serde_json::error::Category::Eof,
    };
    match memchr::memchr(b'\n', rest) {
        Some(end) if rest[0] == b'{' && parse(&rest[..end]).is_ok() => Some(Format::Jsonl),
        Some(_) => valid_so_far(rest).then_some(Format::Json),
        None => valid_so_far(rest).then_some(if rest[0] == b'{' { Format::Jsonl } else { Format::Json }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_comes_from_magic_bytes() {
        assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8, 0]), Some(Compression::Gzip));
        assert_eq!(Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Some(Compression::Zstd));
        assert_eq!(Compression::sniff(b"BZh91AY"), Some(Compression::Bzip2));
        assert_eq!(Compression::sniff(&[0xfd, b'7', b'z', b'X', b'Z', 0]), Some(Compression::Xz));
        assert_eq!(Compression::sniff(b"{\"a"), None);
        assert_eq!(Compression::sniff(b"BZh is not"), None);
    }

    #[test]
    fn binary_content_is_recognised() {
        assert!(binary_reason(b"hello\0world").unwrap().contains("NUL"));
        assert!(binary_reason(&[1u8; 64]).unwrap().contains("control"));
        assert_eq!(binary_reason("中文 text\twith tabs\r\n".as_bytes()), None);
        let utf16: Vec<u8> = "plain text in utf-16".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert!(binary_reason(&utf16).unwrap().contains("UTF-16"));
    }

    #[test]
    fn format_ignores_compression_suffixes() {
        assert_eq!(Format::of(Path::new("a/b.jsonl.gz")), Format::Jsonl);
        assert_eq!(Format::of(Path::new("a/b.csv.zst.gz")), Format::Csv);
        assert_eq!(Format::of(Path::new("README.md")), Format::Markdown);
        assert_eq!(Format::of(Path::new("x.zst")), Format::OtherText);
    }

    #[test]
    fn a_first_line_that_is_a_json_object_makes_text_jsonl() {
        let jsonl = b"{\"text\": \"\\uff19\\uff11\"}\r\n{\"text\": 2}\n";
        assert_eq!(Format::OtherText.settle(jsonl), Format::Jsonl);
        assert_eq!(Format::Text.settle(jsonl), Format::Jsonl);
        let padded = [&b"\xef\xbb\xbf\n  \n"[..], jsonl].concat();
        assert_eq!(Format::OtherText.settle(&padded), Format::Jsonl);
        // A first record longer than the head read: valid as far as it goes.
        assert_eq!(Format::OtherText.settle(b"{\"text\": \"a long val"), Format::Jsonl);
        // Names that say more than text are kept.
        for named in [Format::Markdown, Format::Csv, Format::Json, Format::Jsonl] {
            assert_eq!(named.settle(jsonl), named);
        }
    }

    #[test]
    fn text_is_json_only_if_it_opens_as_json() {
        use Format::{Json, OtherText};
        for (head, want) in [
            // A document that spans lines (pretty-printed), valid as far as the head goes.
            (&b"[\n  {\n    \"text\": \"\\u96fb\\u8a71\"\n  }\n]\n"[..], Json),
            (b"{\n  \"pretty\": \"printed\"\n}\n", Json),
            (b"\n[{\"a\": 1},\n {\"a\": 2}]", Json),
            (b"[\n  {\n    \"text\": \"a long va", Json),
            (b"[{\"a\": 1}, {\"a\": 2}]", Json),
            // Text that only looks like JSON.
            (b"plain prose, Tel 9123 4567\n{\"a\": 1}\n", OtherText),
            (b"{\n  pretty: \"but not JSON\"\n}\n", OtherText),
            (b"[1] a citation, then prose\n", OtherText),
            (b"{ not json }\n", OtherText),
            (b"{\"a\": 1} trailing words\n", OtherText),
            (b"{\"cut\": \"then the line ends\n", OtherText),
            (b"42\n", OtherText),
            (b"", OtherText),
            (b"   \n\n", OtherText),
        ] {
            assert_eq!(OtherText.settle(head), want, "{}", String::from_utf8_lossy(head));
        }
        let far = [&b" ".repeat(SETTLE_BYTES)[..], b"{\"a\": 1}\n"].concat();
        assert_eq!(Format::OtherText.settle(&far), Format::OtherText, "only the first 64 KiB are read");
    }

    #[test]
    fn encodings_are_recognised() {
        assert_eq!(detect_encoding("純文字 plain".as_bytes(), true), TextEncoding::Utf8);
        assert_eq!(detect_encoding(b"\xef\xbb\xbfhi", true), TextEncoding::Utf8Bom);
        assert_eq!(detect_encoding(b"\xff\xfeh\0", true), TextEncoding::Utf16Le);
        assert_eq!(detect_encoding(b"\xfe\xff\0h", true), TextEncoding::Utf16Be);
        let text = "香港身份證號碼及電話號碼均屬個人資料，須妥善保管。陳大文先生住在九龍。".repeat(4);
        let (big5, _, _) = encoding_rs::BIG5.encode(&text);
        assert_eq!(detect_encoding(&big5, true).label(), "Big5-HKSCS");
        let simplified = "香港身份证号码及电话号码均属个人资料，须妥善保管。陈大文先生住在九龙。".repeat(4);
        let (gb, _, _) = encoding_rs::GB18030.encode(&simplified);
        assert_eq!(detect_encoding(&gb, true).label(), "GB18030");
        let mut damaged = b"mostly fine text ".repeat(20);
        damaged.push(0xff);
        assert_eq!(detect_encoding(&damaged, true), TextEncoding::Utf8);
    }

    #[test]
    fn invalid_bytes_are_counted() {
        assert_eq!(invalid_utf8_bytes(b"ok"), 0);
        assert_eq!(invalid_utf8_bytes(b"a\xffb\xfe"), 2);
        assert_eq!(invalid_utf8_bytes("中".as_bytes().split_at(2).0), 2);
    }

    #[test]
    fn files_about_the_size_of_the_head_are_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        // Around the head's size, and well past it (read, not mapped, below MAP_THRESHOLD);
        // then shorter again, with other text, in the buffer the longer ones left behind.
        for (i, len) in [0, 1, HEAD - 1, HEAD, HEAD + 1, 3 * HEAD + 7, HEAD - 1, 5, 0].into_iter().enumerate() {
            let text: Vec<u8> = format!("line {i}\n").into_bytes().into_iter().cycle().take(len).collect();
            std::fs::write(&path, &text).unwrap();
            let opened = open(&path, OpenLimits::default(), Arc::new(AtomicU64::new(0))).unwrap();
            let Content::Bytes(bytes) = opened.content else { panic!("plain text is read as bytes") };
            assert!(bytes[..] == text[..], "{len} bytes: {} read", bytes.len());
            assert_eq!(opened.stored_bytes, len as u64);
        }
    }

    #[test]
    fn lfs_pointers_are_recognised() {
        let p = b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n";
        assert!(is_lfs_pointer(p, p.len() as u64));
        assert!(!is_lfs_pointer(b"version 2 of the text", 20));
    }
}
