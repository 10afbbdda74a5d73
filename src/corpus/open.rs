//! Opening a file as bytes to scan: memory-mapped, read whole, or a decompressing stream.

use memmap2::Mmap;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Files smaller than this are read into memory: a map costs more than it saves on small
/// files, and a read cannot be hit by SIGBUS if the file shrinks.
pub const MAP_THRESHOLD: u64 = 4 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// From the first bytes of a file: the magic numbers, not the extension, decide.
    pub fn sniff(head: &[u8]) -> Compression {
        match head {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            _ => Compression::None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// The bytes of an opened file.
pub enum Source {
    Buffer(Vec<u8>),
    Mapped(Mmap),
    Stream {
        reader: Box<dyn Read + Send>,
        compression: Compression,
    },
}

/// Counts the bytes read from the file under a decoder, for progress in on-disk bytes.
pub struct Counted<R> {
    inner: R,
    pub count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens `path`; `raw_read` receives the on-disk bytes consumed by a stream as it is read.
pub fn open(
    path: &Path,
    raw_read: std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> io::Result<Source> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let mut head = [0u8; 4];
    let n = read_up_to(&mut file, &mut head)?;
    let compression = Compression::sniff(&head[..n]);
    if compression == Compression::None {
        if size < MAP_THRESHOLD {
            let mut buf = Vec::with_capacity(size as usize);
            buf.extend_from_slice(&head[..n]);
            file.read_to_end(&mut buf)?;
            return Ok(Source::Buffer(buf));
        }
        // SAFETY: the map is read-only and private to this process. A file truncated by another
        // process while mapped would fault on access; the walk found the file in a corpus we
        // treat as at rest (shrinking files are guarded against in a later change).
        let map = unsafe { Mmap::map(&file)? };
        #[cfg(unix)]
        let _ = map.advise(memmap2::Advice::Sequential);
        return Ok(Source::Mapped(map));
    }
    let file = Counted {
        inner: io::Cursor::new(head[..n].to_vec()).chain(file),
        count: raw_read,
    };
    let reader: Box<dyn Read + Send> = match compression {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(1 << 16, file),
        )),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(file)?),
        Compression::None => unreachable!(),
    };
    Ok(Source::Stream {
        reader,
        compression,
    })
}

/// Reads until `buf` is full or the file ends.
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

/// Why the start of a file's content says it is not text, if it does.
pub fn binary_reason(head: &[u8]) -> Option<String> {
    let head = &head[..head.len().min(8192)];
    if let Some(i) = memchr::memchr(0, head) {
        return Some(format!("binary content (NUL byte at offset {i})"));
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
        .count();
    if head.len() >= 32 && control * 10 > head.len() {
        return Some(format!(
            "binary content ({control} control bytes in the first {} bytes)",
            head.len()
        ));
    }
    None
}

/// The kind of text a file holds, from its name (compression suffixes removed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Text,
    Markdown,
    Jsonl,
    Csv,
    OtherText,
}

impl Format {
    pub fn of(path: &Path) -> Format {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let name = name
            .trim_end_matches(".gz")
            .trim_end_matches(".zst")
            .trim_end_matches(".zstd");
        match name.rsplit_once('.').map(|(_, ext)| ext) {
            Some("txt" | "text") => Format::Text,
            Some("md" | "markdown") => Format::Markdown,
            Some("jsonl" | "ndjson" | "json") => Format::Jsonl,
            Some("csv" | "tsv") => Format::Csv,
            _ => Format::OtherText,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::OtherText => "other text",
        }
    }

    /// Whether each line is a record of its own, so context must not leak between lines.
    pub fn line_records(self) -> bool {
        matches!(self, Format::Jsonl | Format::Csv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_comes_from_magic_bytes() {
        assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(
            Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd]),
            Compression::Zstd
        );
        assert_eq!(Compression::sniff(b"{\"a"), Compression::None);
        assert_eq!(Compression::sniff(b""), Compression::None);
    }

    #[test]
    fn binary_content_is_recognised() {
        assert!(binary_reason(b"hello\0world").unwrap().contains("NUL"));
        assert!(binary_reason(&[1u8; 64]).unwrap().contains("control"));
        assert_eq!(binary_reason("中文 text\twith tabs\r\n".as_bytes()), None);
    }

    #[test]
    fn format_ignores_compression_suffix() {
        assert_eq!(Format::of(Path::new("a/b.jsonl.gz")), Format::Jsonl);
        assert_eq!(Format::of(Path::new("README.md")), Format::Markdown);
        assert_eq!(Format::of(Path::new("x.zst")), Format::OtherText);
    }
}
