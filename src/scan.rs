//! The scan: files from the walk are opened, cut into blocks of lines, run through the engine,
//! turned into findings and folded into a summary. This is ripgrep's "searcher": it joins the
//! corpus (bytes) to the engine (matches) and hands results to a sink in a fixed order.

use crate::corpus::blocks::{count_lines, split_lines, LineBlocks};
use crate::corpus::open::{binary_reason, open};
use crate::corpus::{Entry, Format, Source};
use crate::detect::{ContextScope, Engine, Match};
use crate::finding::Finding;
use crate::key::FingerprintKey;
use crate::summary::{FileStatus, Summary};
use rayon::prelude::*;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Bytes per parallel chunk of a mapped file, and per block read from a stream.
pub const CHUNK: usize = 8 << 20;
/// The longest line held whole when reading a stream; longer lines are scanned in pieces.
pub const MAX_LINE: usize = 64 << 20;
/// Files scanned in parallel before their findings are written; bounds memory on huge corpora.
const BATCH: usize = 256;

pub struct Scanner<'a> {
    pub engine: &'a Engine,
    pub key: &'a FingerprintKey,
    /// Put the raw matched text into findings (`--show-values`).
    pub show_values: bool,
    /// Bytes per parallel chunk of an in-memory file and per block read from a stream.
    pub chunk: usize,
    /// The longest line held whole when reading a stream.
    pub max_line: usize,
}

/// Everything the scan learned about one file.
pub struct FileResult {
    pub path: String,
    pub status: FileStatus,
    pub findings: Vec<Finding>,
}

/// Progress in on-disk bytes, reported as files and chunks finish.
pub trait Progress: Sync {
    fn advance(&self, bytes: u64);
}

impl Progress for () {
    fn advance(&self, _: u64) {}
}

impl Progress for indicatif::ProgressBar {
    fn advance(&self, bytes: u64) {
        self.inc(bytes);
    }
}

/// What one block of lines produced, with lines counted from the block's start.
struct BlockResult {
    findings: Vec<Finding>,
    newlines: u64,
}

impl<'a> Scanner<'a> {
    pub fn new(engine: &'a Engine, key: &'a FingerprintKey) -> Self {
        Scanner {
            engine,
            key,
            show_values: false,
            chunk: CHUNK,
            max_line: MAX_LINE,
        }
    }

    /// Scans every entry; `sink` receives each file's result in walk order.
    pub fn run(
        &self,
        entries: &[Entry],
        summary: &mut Summary,
        progress: &dyn Progress,
        sink: &mut dyn FnMut(&FileResult),
    ) {
        for batch in entries.chunks(BATCH) {
            let results: Vec<FileResult> = batch
                .par_iter()
                .map(|e| self.scan_entry(e, progress))
                .collect();
            for r in &results {
                summary.add_file(&r.path, &r.status, &r.findings);
                sink(r);
            }
        }
    }

    fn scan_entry(&self, entry: &Entry, progress: &dyn Progress) -> FileResult {
        let (path, status) = match entry {
            Entry::File { path, size } => return self.scan_file(path, *size, progress),
            Entry::Skipped { path, reason } => (path, FileStatus::Skipped(reason.clone())),
            Entry::Failed { path, reason } => (
                path,
                FileStatus::Failed {
                    reason: reason.clone(),
                    bytes: 0,
                    lines: 0,
                },
            ),
        };
        FileResult {
            path: display(path),
            status,
            findings: Vec::new(),
        }
    }

    /// Scans one file; never panics on bad input, which becomes a `Skipped` or `Failed` status.
    pub fn scan_file(&self, path: &Path, size: u64, progress: &dyn Progress) -> FileResult {
        let shown = display(path);
        let format = Format::of(path);
        let raw_read = Arc::new(AtomicU64::new(0));
        match open(path, raw_read.clone()) {
            Err(e) => FileResult {
                path: shown,
                status: FileStatus::Failed {
                    reason: format!("cannot open: {e}"),
                    bytes: 0,
                    lines: 0,
                },
                findings: Vec::new(),
            },
            Ok(Source::Buffer(buf)) => self.scan_buffer(shown, &buf, format, progress),
            Ok(Source::Mapped(map)) => self.scan_buffer(shown, &map, format, progress),
            Ok(Source::Stream {
                reader,
                compression,
            }) => self.scan_stream(
                shown,
                reader,
                compression.name(),
                format,
                size,
                &raw_read,
                progress,
            ),
        }
    }

    /// Scans bytes already in memory as a file of `format`, in parallel chunks of whole lines.
    pub fn scan_buffer(
        &self,
        path: String,
        buf: &[u8],
        format: Format,
        progress: &dyn Progress,
    ) -> FileResult {
        if let Some(reason) = binary_reason(buf) {
            progress.advance(buf.len() as u64);
            return FileResult {
                path,
                status: FileStatus::Skipped(reason),
                findings: Vec::new(),
            };
        }
        let scope = scope_of(format);
        let chunks = split_lines(buf, self.chunk);
        let parts: Vec<BlockResult> = chunks
            .par_iter()
            .map(|r| {
                let res = self.scan_block(&path, &buf[r.clone()], r.start as u64, scope);
                progress.advance(r.len() as u64);
                res
            })
            .collect();
        let mut findings = Vec::new();
        let mut lines_before = 0;
        for part in parts {
            findings.extend(part.findings.into_iter().map(|mut f| {
                f.line += lines_before;
                f
            }));
            lines_before += part.newlines;
        }
        let status = FileStatus::Scanned {
            format: format.name().to_string(),
            compression: "none".to_string(),
            bytes: buf.len() as u64,
            stored_bytes: buf.len() as u64,
            lines: count_lines(buf),
            cut_lines: 0,
        };
        FileResult {
            path,
            status,
            findings,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn scan_stream(
        &self,
        path: String,
        reader: Box<dyn std::io::Read + Send>,
        compression: &str,
        format: Format,
        size: u64,
        raw_read: &AtomicU64,
        progress: &dyn Progress,
    ) -> FileResult {
        let scope = scope_of(format);
        let mut blocks = LineBlocks::new(reader, self.chunk, self.max_line);
        let (mut findings, mut offset, mut lines, mut last_byte) = (Vec::new(), 0u64, 0u64, b'\n');
        let mut reported = 0;
        let failure = loop {
            let block = match blocks.next_block() {
                Ok(Some(b)) => b,
                Ok(None) => break None,
                Err(e) => break Some(format!("corrupt or unreadable {compression} stream after {offset} decompressed bytes: {e}")),
            };
            if offset == 0 {
                if let Some(reason) = binary_reason(block) {
                    progress.advance(size);
                    return FileResult {
                        path,
                        status: FileStatus::Skipped(reason),
                        findings,
                    };
                }
            }
            let res = self.scan_block(&path, block, offset, scope);
            findings.extend(res.findings.into_iter().map(|mut f| {
                f.line += lines;
                f
            }));
            lines += res.newlines;
            offset += block.len() as u64;
            last_byte = *block.last().unwrap_or(&b'\n');
            let now = raw_read.load(Ordering::Relaxed).min(size);
            progress.advance(now - reported);
            reported = now;
        };
        progress.advance(size.saturating_sub(reported));
        lines += u64::from(last_byte != b'\n');
        let status = match failure {
            Some(reason) => FileStatus::Failed {
                reason,
                bytes: offset,
                lines,
            },
            None => FileStatus::Scanned {
                format: format.name().to_string(),
                compression: compression.to_string(),
                bytes: offset,
                stored_bytes: size,
                lines,
                cut_lines: blocks.cut_lines,
            },
        };
        FileResult {
            path,
            status,
            findings,
        }
    }

    /// Runs the engine over one block of whole lines starting at byte `offset` of the file.
    /// Line numbers in the result count from 1 at the block's first line.
    fn scan_block(
        &self,
        path: &str,
        block: &[u8],
        offset: u64,
        scope: ContextScope,
    ) -> BlockResult {
        let mut matches = Vec::new();
        self.engine.scan(block, scope, &mut matches);
        let mut findings = Vec::with_capacity(matches.len());
        // Matches are sorted by start, so one forward walk over the newlines locates them all.
        let (mut line, mut line_start, mut pos) = (1u64, 0usize, 0usize);
        for m in &matches {
            for nl in memchr::memchr_iter(b'\n', &block[pos..m.start]) {
                line += 1;
                line_start = pos + nl + 1;
            }
            pos = m.start;
            findings.push(self.finding(path, block, m, line, line_start, offset));
        }
        let newlines = memchr::memchr_iter(b'\n', block).count() as u64;
        BlockResult { findings, newlines }
    }

    fn finding(
        &self,
        path: &str,
        block: &[u8],
        m: &Match,
        line: u64,
        line_start: usize,
        offset: u64,
    ) -> Finding {
        let spec = &self.engine.detectors()[m.detector].spec;
        Finding {
            path: path.to_string(),
            line,
            start: (m.start - line_start) as u64,
            end: (m.end - line_start) as u64,
            offset: offset + m.start as u64,
            detector: spec.id.clone(),
            category: spec.category,
            confidence: m.confidence,
            masked: m.masked.clone(),
            fingerprint: self.key.fingerprint(&spec.id, &m.normalized),
            value: self
                .show_values
                .then(|| String::from_utf8_lossy(&block[m.start..m.end]).into_owned()),
            detail: m.detail.clone(),
        }
    }
}

fn scope_of(format: Format) -> ContextScope {
    if format.line_records() {
        ContextScope::Line
    } else {
        ContextScope::Block
    }
}

/// A path as reports show it: `/`-separated, lossy for non-UTF-8 names.
pub fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn located(findings: &[Finding]) -> Vec<(u64, u64, u64, u64, String)> {
        findings
            .iter()
            .map(|f| (f.line, f.start, f.end, f.offset, f.detector.clone()))
            .collect()
    }

    const TEXT: &str =
        "intro line\nTel: 9123 4567 and HKID A123456(3)\n\n電郵 a.b@example.com\nlast 6123-4567";

    #[test]
    fn chunk_edges_neither_lose_nor_double_a_match() {
        let engine = Engine::builtin().unwrap();
        let key = FingerprintKey::from_bytes([7; 32], "test");
        let mut scanner = Scanner::new(&engine, &key);
        let whole = scanner.scan_buffer("t".into(), TEXT.as_bytes(), Format::Text, &());
        assert_eq!(whole.findings.len(), 4);
        assert_eq!((whole.findings[0].line, whole.findings[0].start), (2, 5));
        for chunk in 1..TEXT.len() + 1 {
            scanner.chunk = chunk;
            let split = scanner.scan_buffer("t".into(), TEXT.as_bytes(), Format::Text, &());
            assert_eq!(
                located(&split.findings),
                located(&whole.findings),
                "chunk {chunk}"
            );
            assert_eq!(split.status, whole.status);
        }
    }

    #[test]
    fn a_gzip_stream_locates_findings_like_the_plain_file() {
        let engine = Engine::builtin().unwrap();
        let key = FingerprintKey::from_bytes([7; 32], "test");
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.txt");
        std::fs::write(&plain, TEXT).unwrap();
        let gz = dir.path().join("a.txt.gz");
        let mut enc = flate2::write::GzEncoder::new(
            std::fs::File::create(&gz).unwrap(),
            flate2::Compression::default(),
        );
        enc.write_all(TEXT.as_bytes()).unwrap();
        enc.finish().unwrap();
        let mut scanner = Scanner::new(&engine, &key);
        let want = scanner.scan_file(&plain, TEXT.len() as u64, &());
        for chunk in [1, 7, 64] {
            scanner.chunk = chunk;
            let got = scanner.scan_file(&gz, 0, &());
            assert_eq!(
                located(&got.findings),
                located(&want.findings),
                "chunk {chunk}"
            );
            let FileStatus::Scanned {
                lines,
                bytes,
                compression,
                ..
            } = &got.status
            else {
                panic!("{:?}", got.status)
            };
            assert_eq!(
                (*lines, *bytes, compression.as_str()),
                (5, TEXT.len() as u64, "gzip")
            );
        }
    }

    #[test]
    fn a_corrupt_gzip_fails_with_its_reason_and_keeps_earlier_findings() {
        let engine = Engine::builtin().unwrap();
        let key = FingerprintKey::from_bytes([7; 32], "test");
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("bad.jsonl.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        for _ in 0..2000 {
            enc.write_all(b"{\"text\": \"Tel: 9123 4567\"}\n").unwrap();
        }
        let mut bytes = enc.finish().unwrap();
        let cut = bytes.len() / 2;
        bytes.truncate(cut);
        std::fs::write(&gz, &bytes).unwrap();
        let mut scanner = Scanner::new(&engine, &key);
        scanner.chunk = 4096;
        let got = scanner.scan_file(&gz, cut as u64, &());
        let FileStatus::Failed { reason, .. } = &got.status else {
            panic!("{:?}", got.status)
        };
        assert!(reason.contains("gzip"), "{reason}");
        assert!(!got.findings.is_empty());
    }
}
