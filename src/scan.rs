//! The scan: files from the walk are opened, cut into blocks of lines or read as records, run
//! through the engine, turned into findings and folded into a summary. This is ripgrep's
//! "searcher": it joins the corpus (bytes, records) to the engine (matches) and hands results
//! to a sink in a fixed order.

use crate::cache::{Cache, Stamp};
use crate::corpus::blocks::{count_lines, split_lines, tiles, LineBlocks};
use crate::corpus::digest::{self, Digest, Pieces};
use crate::corpus::open::{
    binary_reason, invalid_utf8_bytes, open, peek_head, Bytes, Content, OpenLimits, Opened, UTF8_BOM,
};
use crate::corpus::records::{column_name, json_fragment_values, json_values, Batch, RowMeta, Table};
use crate::corpus::script::ScriptCounts;
use crate::corpus::skim::{skim_json, skimmed_lines, SkimCounts};
use crate::corpus::{parquet, Entry, Format};
use crate::detect::{ContextScope, DetectorSet, Engine, FieldName, Match};
use crate::finding::Finding;
use crate::key::FingerprintKey;
use crate::summary::{FileStats, FileStatus, FileTally, Summary};
use rayon::prelude::*;
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Bytes per parallel chunk of an in-memory file, and per block read from a stream. Small
/// enough that the threads finish a window of chunks close together (each window ends when
/// its last chunk does). 1 GiB of JSONL, alternating runs: median 1.86 s with 8 MiB chunks, 1.75 s
/// with these.
pub const CHUNK: usize = 2 << 20;
/// Bytes of a JSONL block searched and skimmed at a time (see `scan_block`).
pub const TILE: usize = 128 << 10;
/// The longest line held whole; longer lines are scanned in pieces (and counted).
pub const MAX_LINE: usize = 64 << 20;
/// Rows of a CSV file read ahead and scanned in parallel.
const TABLE_BATCH: usize = 64 * 1024;
/// Files scanned in parallel before their findings are written. A batch ends with a barrier
/// (its last file holds up the next batch), so small files want large batches; its findings wait
/// in memory, so large files want small ones. A batch holds about `BATCH_TEXT` bytes of text at
/// the last batch's mean file size (or one file): no more than one file scanned whole may hold,
/// so its findings take no more memory than such a file's. Batches start at `FIRST_BATCH` files
/// and grow at most fourfold from one to the next, so a run of tiny files does not open a huge
/// batch to the large files after it. 20,000 files of 13 KB, five alternated runs each: 256 a
/// batch left a median 11% of the two cores' time idle, 1,024 a batch 5%.
const BATCH_FILES: std::ops::RangeInclusive<usize> = 1..=1024;
const FIRST_BATCH: usize = 16;
const BATCH_TEXT: u64 = ALONE;
/// Files this large on disk are scanned one at a time, with every thread on the file, and
/// their findings are passed on in parts as they are found: memory does not grow with the file.
pub const ALONE: u64 = 32 << 20;
/// Chunks of an in-memory file scanned in parallel, per thread, before their findings go on.
const CHUNKS_PER_THREAD: usize = 16;

pub struct Scanner<'a> {
    pub engine: &'a Engine,
    pub key: &'a FingerprintKey,
    /// Put the raw matched text into findings (`--show-values`).
    pub show_values: bool,
    /// Bytes per parallel chunk of an in-memory file and per block read from a stream.
    pub chunk: usize,
    /// Bytes of a JSONL block searched and skimmed at a time.
    pub tile: usize,
    /// The longest line held whole.
    pub max_line: usize,
    /// Files this large on disk are scanned alone, their findings passed on in parts.
    pub alone: u64,
    pub limits: OpenLimits,
    /// Results of unchanged files from the last run (`--cache`).
    pub cache: Option<&'a Cache>,
}

/// Everything the scan learned about one file.
pub struct FileResult {
    pub path: String,
    pub status: FileStatus,
    pub findings: Vec<Finding>,
    /// Size and modification time when the scan began, with a cache: what it compares.
    pub stamp: Option<Stamp>,
    /// Reused from the cache, not scanned in this run.
    pub cached: bool,
}

/// Receives the scan's results in walk order: each file's findings, in one or more parts as they
/// are found, then the file itself. The summary has counted what the sink receives.
pub trait Sink: Send {
    /// Findings of the file being delivered, in file order; the sink may mark them (accepted).
    fn findings(&mut self, findings: &mut [Finding]);
    /// The file, after all its findings (its own `findings` are then empty).
    fn file(&mut self, result: &FileResult);
}

/// Where a large file's findings go at the end of each part of it.
type PassOn<'d> = &'d mut (dyn FnMut(&mut Vec<Finding>) + Send);

/// How a file's findings leave its scan.
enum Parts<'d> {
    /// With its result.
    Whole,
    /// With its result, in a batch of small files; but a file that turns out to be large (the
    /// walk did not measure it) is handed back unscanned, to be scanned alone.
    Batched,
    /// In parts as they are found, then the result: a large file, scanned alone, whose
    /// findings are not all held at once.
    PassedOn(PassOn<'d>),
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

/// Progress of one file: remembers what it reported, so the file can be topped up to its
/// on-disk size when it ends, whatever path its bytes took.
struct FileProgress<'p> {
    inner: &'p dyn Progress,
    sent: AtomicU64,
    /// On-disk bytes a decoding stream has consumed (fed by `open`).
    raw_read: Arc<AtomicU64>,
}

impl Progress for FileProgress<'_> {
    fn advance(&self, bytes: u64) {
        self.sent.fetch_add(bytes, Ordering::Relaxed);
        self.inner.advance(bytes);
    }
}

impl FileProgress<'_> {
    /// Reports the on-disk bytes the file's stream has consumed so far, up to `limit`.
    fn follow_stream(&self, limit: u64) {
        self.reach(self.raw_read.load(Ordering::Relaxed).min(limit));
    }

    fn reach(&self, total: u64) {
        let sent = self.sent.load(Ordering::Relaxed);
        if total > sent {
            self.advance(total - sent);
        }
    }
}

/// Where a scanned unit of text sits: a block of lines, or one decoded value of a record.
#[derive(Clone, Copy)]
struct Unit<'p> {
    /// 1-based line of the unit's first byte.
    line: u64,
    /// File (or decoded stream) offset of the unit's first byte; of the record for values.
    offset: u64,
    record: Option<u64>,
    field: Option<&'p str>,
    /// The field or column name that counts as context (the key, not the whole path).
    name: FieldName<'p>,
}

/// What scanned text produced: findings, and the letters it is written in.
#[derive(Default)]
struct Collected {
    findings: Vec<Finding>,
    scripts: ScriptCounts,
}

/// What a file's scan has collected. A large file scanned alone passes its findings on at the
/// end of each part (`part_done`); other files hold theirs until they end.
struct FileOut<'d> {
    found: Collected,
    pass_on: Option<PassOn<'d>>,
}

impl FileOut<'_> {
    fn part_done(&mut self) {
        if let Some(pass_on) = &mut self.pass_on {
            if !self.found.findings.is_empty() {
                pass_on(&mut self.found.findings);
                self.found.findings.clear();
            }
        }
    }

    /// Appends a part's findings, their lines and records counted from `lines_before`.
    fn add_shifted(&mut self, found: Collected, lines_before: u64) {
        self.found.findings.extend(found.findings.into_iter().map(|mut f| {
            f.line += lines_before;
            f.record = f.record.map(|r| r + lines_before);
            f
        }));
        self.found.scripts.add(&found.scripts);
    }
}

/// Text to scan, and whether it is known to be valid UTF-8 already (a file held whole was
/// checked as it was opened), so that no block of it is checked again.
#[derive(Clone, Copy)]
struct Text<'b> {
    bytes: &'b [u8],
    known_utf8: bool,
}

impl<'b> Text<'b> {
    /// Bytes whose encoding is not known to be valid: each block is checked.
    fn unchecked(bytes: &'b [u8]) -> Self {
        Text { bytes, known_utf8: false }
    }

    fn part(self, range: std::ops::Range<usize>) -> Text<'b> {
        Text { bytes: &self.bytes[range], ..self }
    }
}

/// What one block of lines produced, with lines counted from the block's start.
#[derive(Default)]
struct BlockResult {
    found: Collected,
    newlines: u64,
    records: u64,
    malformed: u64,
    invalid_utf8: u64,
}

impl<'a> Scanner<'a> {
    pub fn new(engine: &'a Engine, key: &'a FingerprintKey) -> Self {
        Scanner {
            engine,
            key,
            show_values: false,
            chunk: CHUNK,
            tile: TILE,
            max_line: MAX_LINE,
            alone: ALONE,
            limits: OpenLimits::default(),
            cache: None,
        }
    }

    /// Scans every entry; `sink` receives the results in walk order, after the summary has
    /// counted them. Small files are scanned side by side in batches; a large one alone, its
    /// findings delivered in parts while it is scanned.
    pub fn run(
        &self,
        entries: &mut dyn Iterator<Item = Entry>,
        summary: &mut Summary,
        progress: &dyn Progress,
        sink: &mut dyn Sink,
    ) {
        let mut entries = entries.peekable();
        // The last batch's results, delivered while the next batch is scanned: delivery is
        // sequential (the summary, the findings file), and would otherwise leave all but one
        // thread idle between batches of small files.
        // A file handed back as large is scanned alone in its place.
        let mut scanned: Vec<Result<FileResult, Entry>> = Vec::new();
        let mut batch_len = FIRST_BATCH;
        let deliver_all = |results: &mut Vec<Result<FileResult, Entry>>, summary: &mut Summary, sink: &mut dyn Sink| {
            for r in results.drain(..) {
                match r {
                    Ok(r) => deliver(summary, sink, r, FileTally::default()),
                    Err(large) => self.run_alone(&large, summary, progress, sink),
                }
            }
        };
        loop {
            batch_len = next_batch_len(batch_len, &scanned);
            let batch: Vec<Entry> =
                std::iter::from_fn(|| entries.next_if(|e| !self.scanned_alone(e))).take(batch_len).collect();
            if batch.is_empty() {
                deliver_all(&mut scanned, summary, sink);
                match entries.next() {
                    Some(large) => self.run_alone(&large, summary, progress, sink),
                    None => return,
                }
                continue;
            }
            let ((), next) = rayon::join(
                || deliver_all(&mut scanned, summary, sink),
                // One file a job (`with_max_len`): see `scan_chunks`.
                || {
                    let scan = |e: &Entry| self.scan_entry(e, progress, Parts::Batched).ok_or_else(|| e.clone());
                    batch.par_iter().with_max_len(1).map(scan).collect::<Vec<_>>()
                },
            );
            scanned = next;
        }
    }

    /// Whether `entry` is scanned alone, its findings passed on in parts: a file the walk
    /// measured as large. (One it did not measure is handed back from its batch.)
    fn scanned_alone(&self, entry: &Entry) -> bool {
        matches!(entry, Entry::File { size: Some(size), .. } if *size >= self.alone)
    }

    fn run_alone(&self, entry: &Entry, summary: &mut Summary, progress: &dyn Progress, sink: &mut dyn Sink) {
        let path = display(entry.path());
        let mut tally = FileTally::default();
        let mut pass_on = |part: &mut Vec<Finding>| {
            summary.add_part(&path, part, &mut tally);
            sink.findings(part);
        };
        let result = self.scan_entry(entry, progress, Parts::PassedOn(&mut pass_on));
        deliver(summary, sink, result.expect("a file scanned alone is not handed back"), tally);
    }

    /// The entry's result; `None` if `parts` is `Batched` and the file is handed back.
    fn scan_entry(&self, entry: &Entry, progress: &dyn Progress, parts: Parts) -> Option<FileResult> {
        let (path, status) = match entry {
            Entry::File { path, size } => {
                let stamp = self.cache.and_then(|_| Stamp::of(path));
                if let Some(hit) = self.cache.zip(stamp).and_then(|(c, stamp)| c.lookup(&display(path), stamp)) {
                    progress.advance(size.unwrap_or(0));
                    return Some(hit);
                }
                let scanned = self.scan_file_passing(path, *size, progress, parts)?;
                return Some(FileResult { stamp, ..scanned });
            }
            Entry::Skipped { path, reason } => (path, FileStatus::Skipped(reason.clone())),
            Entry::Failed { path, reason } => {
                (path, FileStatus::Failed { reason: reason.clone(), partial: FileStats::default() })
            }
        };
        Some(FileResult { path: display(path), status, findings: Vec::new(), stamp: None, cached: false })
    }

    /// Scans one file of `size` bytes; never panics on bad input, which becomes a `Skipped` or
    /// `Failed` status.
    pub fn scan_file(&self, path: &Path, size: u64, progress: &dyn Progress) -> FileResult {
        self.scan_file_passing(path, Some(size), progress, Parts::Whole).expect("only a batch hands files back")
    }

    /// Like `scan_file`, its findings leaving as `parts` says; `size` is what the walk measured,
    /// if it did (the progress bar's share of the file).
    fn scan_file_passing(
        &self,
        path: &Path,
        size: Option<u64>,
        progress: &dyn Progress,
        parts: Parts,
    ) -> Option<FileResult> {
        let progress = FileProgress { inner: progress, sent: AtomicU64::new(0), raw_read: Arc::new(AtomicU64::new(0)) };
        let result = self.scan_opened(path, &progress, parts)?;
        progress.reach(size.unwrap_or(0));
        Some(result)
    }

    fn scan_opened(&self, path: &Path, progress: &FileProgress, parts: Parts) -> Option<FileResult> {
        let shown = display(path);
        let opened = match open(path, self.limits, progress.raw_read.clone()) {
            Ok(o) => o,
            Err(e) => {
                let status = FileStatus::Failed { reason: format!("cannot open: {e}"), partial: FileStats::default() };
                return Some(FileResult { path: shown, status, findings: Vec::new(), stamp: None, cached: false });
            }
        };
        let Opened { content, compression, encoding, stored_bytes } = opened;
        if matches!(parts, Parts::Batched) && stored_bytes >= self.alone {
            return None;
        }
        let pass_on = match parts {
            Parts::PassedOn(pass_on) => Some(pass_on),
            Parts::Whole | Parts::Batched => None,
        };
        let format = match &content {
            Content::Parquet(_) => Format::Parquet,
            _ => Format::of(path),
        };
        let mut stats = FileStats {
            format: format.name().to_string(),
            compression: if compression.is_empty() {
                "none".to_string()
            } else {
                compression.iter().map(|c| c.name()).collect::<Vec<_>>().join("+")
            },
            encoding: encoding.label(),
            stored_bytes,
            ..FileStats::default()
        };
        let mut out = FileOut { found: Collected::default(), pass_on };
        let outcome = match content {
            Content::Absent(why) => Outcome::Skipped(why),
            Content::Parquet(file) => self.scan_parquet(&shown, &file, &mut stats, &mut out),
            Content::Bytes(bytes) => self.scan_bytes(&shown, &bytes, format, &mut stats, &mut out, progress),
            Content::Stream(reader) => self.scan_stream(&shown, reader, format, &mut stats, &mut out, progress),
        };
        stats.scripts.add(&out.found.scripts);
        let findings = out.found.findings;
        let status = match outcome {
            Outcome::Done => FileStatus::Scanned(stats),
            Outcome::Skipped(reason) => FileStatus::Skipped(reason),
            Outcome::Failed(reason) => FileStatus::Failed { reason, partial: stats },
        };
        Some(FileResult { path: shown, status, findings, stamp: None, cached: false })
    }

    fn scan_bytes(
        &self,
        path: &str,
        bytes: &Bytes,
        format: Format,
        stats: &mut FileStats,
        out: &mut FileOut,
        progress: &dyn Progress,
    ) -> Outcome {
        let format = settle_format(format, bytes, stats);
        let outcome = match (binary_reason(bytes), format) {
            (Some(reason), _) => Outcome::Skipped(reason),
            (None, Format::Csv | Format::Tsv) => self.scan_table(path, Cursor::new(&bytes[..]), format, stats, out),
            (None, _) => {
                let text = Text { bytes, known_utf8: bytes.known_utf8() };
                self.scan_chunks(path, text, format, stats, progress, out);
                Outcome::Done
            }
        };
        stats.bytes = bytes.len() as u64;
        // `scan_chunks` hashes the text as it goes; a table is hashed here.
        if matches!(outcome, Outcome::Done) && stats.content_hash.is_none() {
            stats.content_hash = Some(digest::of_bytes(bytes));
        }
        if bytes.changed_while_read() {
            return Outcome::Failed(
                "the file shrank while it was being scanned (read past its new end was caught); scan it again when it is not being written"
                    .into(),
            );
        }
        outcome
    }

    /// Scans bytes already in memory as a file of `format`, in parallel chunks of whole lines.
    /// Fills the size, line and record counts of `stats`.
    pub fn scan_buffer(
        &self,
        path: &str,
        buf: &[u8],
        format: Format,
        stats: &mut FileStats,
        progress: &dyn Progress,
    ) -> Vec<Finding> {
        let mut out = FileOut { found: Collected::default(), pass_on: None };
        self.scan_chunks(path, Text::unchecked(buf), format, stats, progress, &mut out);
        stats.scripts.add(&out.found.scripts);
        out.found.findings
    }

    /// `scan_buffer` into `out`: chunks are scanned in parallel a window at a time, and each
    /// window's findings are a part of the file. Fills the content hash of `stats` too.
    fn scan_chunks(
        &self,
        path: &str,
        text: Text,
        format: Format,
        stats: &mut FileStats,
        progress: &dyn Progress,
        out: &mut FileOut,
    ) {
        let buf = text.bytes;
        let (chunks, cut_lines) = split_lines(buf, self.chunk, self.max_line);
        let mut lines_before = 0;
        let mut pieces = Vec::with_capacity(chunks.len());
        let mut take_in = |parts: &mut Vec<(BlockResult, Pieces)>| {
            for (part, hashed) in parts.drain(..) {
                pieces.push(hashed);
                out.add_shifted(part.found, lines_before);
                lines_before += part.newlines;
                stats.records += part.records;
                stats.malformed_records += part.malformed;
                stats.invalid_utf8_bytes += part.invalid_utf8;
            }
            out.part_done();
        };
        let scan = |window: &[std::ops::Range<usize>]| {
            window
                .par_iter()
                // One chunk a job. Otherwise rayon splits the window once per thread and each
                // thread folds its half alone: a thread that ends first finds nothing to take,
                // and idled a third of each window on 1 GiB of JSONL (perf timeline).
                .with_max_len(1)
                .map(|r| {
                    // Hashed first: the hash's reads bring the chunk into the cache the scan
                    // then reads it from.
                    let hashed = Pieces::within(buf, r.clone());
                    let res = self.scan_block(path, text.part(r.clone()), r.start as u64, format);
                    progress.advance(r.len() as u64);
                    (res, hashed)
                })
                .collect::<Vec<_>>()
        };
        // A window's results are delivered (to the summary and the findings file, one thread)
        // while the next window is scanned: in turn, a core idled while each window's 1,000 or
        // so findings were passed on. (A small file is one window, scanned without the join.)
        let mut scanned = Vec::new();
        for window in chunks.chunks(rayon::current_num_threads().max(1) * CHUNKS_PER_THREAD) {
            scanned = if scanned.is_empty() {
                scan(window)
            } else {
                rayon::join(|| take_in(&mut scanned), || scan(window)).1
            };
        }
        take_in(&mut scanned);
        stats.bytes = buf.len() as u64;
        stats.content_hash = Some(Pieces::assemble(buf, pieces));
        // Each block counted its newlines.
        stats.lines = count_lines(lines_before, buf);
        stats.cut_lines = cut_lines;
    }

    fn scan_stream(
        &self,
        path: &str,
        reader: Box<dyn Read + Send>,
        format: Format,
        stats: &mut FileStats,
        out: &mut FileOut,
        progress: &FileProgress,
    ) -> Outcome {
        let (head, reader) = peek_head(reader, 8192);
        let hasher = Arc::new(std::sync::Mutex::new(Digest::default()));
        let reader: Box<dyn Read + Send> = Box::new(Hashing { inner: reader, hasher: hasher.clone() });
        if let Some(reason) = binary_reason(&head) {
            return Outcome::Skipped(reason);
        }
        let format = settle_format(format, &head, stats);
        let outcome = if matches!(format, Format::Csv | Format::Tsv) {
            self.scan_table(path, reader, format, stats, out)
        } else {
            self.scan_lines(path, reader, format, stats, out, progress)
        };
        if matches!(outcome, Outcome::Done) {
            let digest = std::mem::take(&mut *hasher.lock().expect("the reader is done with it"));
            stats.content_hash = Some(digest.finish());
        }
        outcome
    }

    fn scan_lines(
        &self,
        path: &str,
        reader: Box<dyn Read + Send>,
        format: Format,
        stats: &mut FileStats,
        out: &mut FileOut,
        progress: &FileProgress,
    ) -> Outcome {
        let mut blocks = LineBlocks::new(reader, self.chunk, self.max_line);
        let mut last_byte = b'\n';
        let failure = loop {
            let block = match blocks.next_block() {
                Ok(Some(b)) => b,
                Ok(None) => break None,
                Err(e) => {
                    let what = if stats.compression == "none" { &stats.encoding } else { &stats.compression };
                    break Some(format!("{what} stream failed after {} decoded bytes: {e}", stats.bytes));
                }
            };
            let res = self.scan_block(path, Text::unchecked(block), stats.bytes, format);
            out.add_shifted(res.found, stats.lines);
            out.part_done();
            stats.lines += res.newlines;
            stats.records += res.records;
            stats.malformed_records += res.malformed;
            stats.invalid_utf8_bytes += res.invalid_utf8;
            stats.bytes += block.len() as u64;
            last_byte = *block.last().unwrap_or(&b'\n');
            progress.follow_stream(stats.stored_bytes);
        };
        stats.lines += u64::from(last_byte != b'\n');
        stats.cut_lines = blocks.cut_lines;
        failure.map_or(Outcome::Done, Outcome::Failed)
    }

    /// Scans a CSV or TSV file cell by cell; the column header is the cell's field name.
    fn scan_table(
        &self,
        path: &str,
        input: impl Read + Send,
        format: Format,
        stats: &mut FileStats,
        out: &mut FileOut,
    ) -> Outcome {
        let delimiter = if format == Format::Tsv { b'\t' } else { b',' };
        let mut table = match Table::new(input, delimiter) {
            Ok(t) => t,
            Err(e) => return Outcome::Failed(format!("cannot read the {} header: {e}", format.name())),
        };
        // What each column name means to the detectors, worked out once.
        let contexts: Vec<FieldName<'static>> =
            table.headers().iter().map(|h| FieldName::Known(self.engine.field_context(h))).collect();
        let headers = table.headers().to_vec();
        let (mut batch, mut next) = (Batch::default(), Batch::default());
        let mut read = table.read_batch(TABLE_BATCH, &mut batch);
        let failure = loop {
            let last = read.is_err() || batch.rows().len() < TABLE_BATCH;
            // Parsing is sequential, so the next batch is read while this one is scanned.
            let (next_read, parts) = rayon::join(
                || (!last).then(|| table.read_batch(TABLE_BATCH, &mut next)),
                || {
                    // Rows are scanned in parallel slices; results join in order.
                    let slices = batch.rows().par_chunks(1024);
                    slices
                        .map(|rows| {
                            let mut found = Collected::default();
                            self.scan_rows(path, &batch, rows, (&headers, &contexts), &mut found);
                            found
                        })
                        .collect::<Vec<Collected>>()
                },
            );
            for part in parts {
                out.add_shifted(part, 0);
            }
            out.part_done();
            let rows = batch.rows();
            stats.records += rows.len() as u64;
            stats.lines = rows.last().map_or(stats.lines, |r| r.line);
            stats.bytes += batch.cell_bytes();
            match (read, next_read) {
                (Err(e), _) => break Some(format!("{} parse failed after {} rows: {e}", format.name(), stats.records)),
                (Ok(()), None) => break None,
                (Ok(()), Some(r)) => read = r,
            }
            std::mem::swap(&mut batch, &mut next);
        };
        failure.map_or(Outcome::Done, Outcome::Failed)
    }

    /// Scans consecutive rows of a batch: one prefilter pass over their text, then the flagged
    /// detectors on each cell a hit lies in. `columns` are the column names and what each
    /// means to the detectors.
    fn scan_rows(
        &self,
        path: &str,
        batch: &Batch,
        rows: &[RowMeta],
        columns: (&[String], &[FieldName]),
        out: &mut Collected,
    ) {
        let (base, text) = batch.text_of(rows);
        out.scripts.add(&ScriptCounts::count(text));
        let prefilter = self.engine.prefilter();
        // Literals over the rows' text at once; digits cell by cell, most cells being short
        // ASCII that one loop measures (the character pass reads the others).
        let mut hits = Vec::new();
        prefilter.literal_hits(text, &mut hits);
        hits.sort_unstable_by_key(|h| h.pos);
        let mut hits = hits.into_iter().peekable();
        let mut matches = Vec::new();
        for row in rows {
            for (i, start, cell) in batch.cells(row) {
                let end = start - base + cell.len();
                let mut only = prefilter.always();
                while let Some(hit) = hits.next_if(|h| h.pos <= end) {
                    only = only.union(hit.detectors);
                }
                let digits = prefilter.ascii_cell_digits(cell).unwrap_or_else(|| prefilter.char_detectors(cell));
                let only = only.union(digits);
                if only.is_empty() {
                    continue;
                }
                let unit = Unit {
                    line: row.line,
                    offset: row.offset,
                    record: Some(row.row),
                    field: Some(column_name(columns.0, i)),
                    name: columns.1.get(i).copied().unwrap_or(FieldName::None),
                };
                matches.clear();
                self.engine.scan_field_in(cell, ContextScope::Line, unit.name, only, &mut matches);
                self.emit(path, cell, unit, &matches, &mut out.findings);
            }
        }
    }

    fn scan_parquet(&self, path: &str, file: &std::fs::File, stats: &mut FileStats, out: &mut FileOut) -> Outcome {
        let mut matches = Vec::new();
        let mut bytes = 0u64;
        let mut slice = 0;
        let result = parquet::for_each_cell(file, &mut |row, column, text| {
            bytes += text.len() as u64;
            // Cells come column by column within a slice of rows; a part is a whole slice.
            if (row - 1) / parquet::SLICE_ROWS as u64 != slice {
                slice = (row - 1) / parquet::SLICE_ROWS as u64;
                out.part_done();
            }
            let unit =
                Unit { line: row, offset: 0, record: Some(row), field: Some(column), name: FieldName::Name(column) };
            self.scan_cell(path, text.as_bytes(), unit, &mut matches, &mut out.found);
        });
        stats.bytes = bytes;
        match result {
            Ok(scan) => {
                let mut hasher = Digest::default();
                if let Ok(mut f) = file.try_clone() {
                    use std::io::Seek;
                    if f.seek(std::io::SeekFrom::Start(0)).is_ok() && std::io::copy(&mut f, &mut hasher).is_ok() {
                        stats.content_hash = Some(hasher.finish());
                    }
                }
                stats.records = scan.rows;
                stats.lines = scan.rows;
                stats.skipped_columns = scan.skipped_columns.len() as u64;
                Outcome::Done
            }
            Err(e) => Outcome::Failed(format!("cannot read Parquet (corrupt or truncated?): {e}")),
        }
    }

    /// Runs the engine over one block of whole lines starting at byte `offset` of the file.
    /// Line numbers in the result count from 1 at the block's first line.
    fn scan_block(&self, path: &str, text: Text, offset: u64, format: Format) -> BlockResult {
        let block = text.bytes;
        let invalid_utf8 = if text.known_utf8 { 0 } else { invalid_utf8_bytes(block) as u64 };
        let mut res = BlockResult { invalid_utf8, ..BlockResult::default() };
        let mut matches = Vec::new();
        if !matches!(format, Format::Jsonl | Format::Json) {
            res.newlines = memchr::memchr_iter(b'\n', block).count() as u64;
            let unit = Unit { line: 1, offset, record: None, field: None, name: FieldName::None };
            self.engine.scan_prefiltered(block, &mut matches);
            self.emit(path, block, unit, &matches, &mut res.found.findings);
            res.found.scripts.add(&ScriptCounts::count(block));
            return res;
        }
        let prefilter = self.engine.prefilter();
        // A line's findings wait here until the whole line has parsed as JSON.
        let mut found = Collected::default();
        // The letters of the lines the tile's skims settled.
        let mut counts = SkimCounts::default();
        let mut tile_hits = Vec::new();
        // Lines of the tiles before.
        let mut lines_before = 0;
        // The literal search and the skims go a tile at a time, so that a tile and its
        // case-folded copy stay in the core's cache from one pass to the next (2 MiB and its
        // copy do not fit a core's L2 here: one thread on 273 MB of JSONL took 10-15% more CPU
        // time).
        for tile in tiles(block, self.tile) {
            let bytes = &block[tile.clone()];
            // The literal search runs over the whole tile; the character pass runs inside the
            // skim of each line.
            tile_hits.clear();
            prefilter.literal_hits(bytes, &mut tile_hits);
            tile_hits.sort_unstable_by_key(|h| h.pos);
            let mut hits = tile_hits.iter().copied().peekable();
            let mut line_start = 0;
            let lines = skimmed_lines(bytes, prefilter, res.invalid_utf8 == 0, &mut counts);
            for (index, (line, flagged)) in lines.enumerate() {
                // Every line but the last ends at a newline; counting them here spares a pass
                // over the block (5% of a JSONL scan).
                res.newlines = lines_before + index as u64;
                let line_no = res.newlines + 1;
                let here = offset + (tile.start + line_start) as u64;
                line_start += line.len() + 1;
                let mut only = prefilter.always();
                while let Some(hit) = hits.next_if(|h| h.pos < line_start) {
                    only = only.union(hit.detectors);
                }
                let mut trimmed = line.trim_ascii();
                if here == 0 {
                    // A byte-order mark (Windows tools, Python's `utf-8-sig`) is not part of the
                    // first record.
                    trimmed = trimmed.strip_prefix(UTF8_BOM).unwrap_or(trimmed);
                }
                if trimmed.is_empty() {
                    continue;
                }
                let valid_utf8 = res.invalid_utf8 == 0 || std::str::from_utf8(trimmed).is_ok();
                // A settled line's letters are counted (the skim and the parser count alike):
                // by the tile's skim, or here by the line's own where the tile's gave up.
                let flagged = match flagged {
                    None if valid_utf8 => skim_json(trimmed, prefilter).map(|alone| {
                        res.found.scripts.add(&alone.letters());
                        alone.flagged
                    }),
                    flagged => flagged,
                };
                match flagged {
                    // Most records hold no candidate: checked and counted without parsing.
                    Some(flagged) if only.union(flagged).is_empty() => {
                        res.records += 1;
                        continue;
                    }
                    Some(flagged) => only = only.union(flagged),
                    None => only = only.union(prefilter.char_detectors(line)),
                }
                found.findings.clear();
                found.scripts = ScriptCounts::default();
                let parsed = json_values(trimmed, &mut |field, name, text| {
                    let unit = Unit {
                        line: line_no,
                        offset: here,
                        record: Some(line_no),
                        field: Some(field),
                        name: FieldName::Name(name),
                    };
                    self.scan_unit(path, text.as_bytes(), ContextScope::Line, unit, only, &mut matches, &mut found);
                });
                match parsed {
                    Ok(()) => {
                        res.records += 1;
                        res.found.findings.append(&mut found.findings);
                        if flagged.is_none() {
                            res.found.scripts.add(&found.scripts);
                        }
                    }
                    Err(_) => {
                        let unit =
                            Unit { line: line_no, offset: here, record: None, field: None, name: FieldName::None };
                        // A pretty-printed .json document has many lines that are not JSON alone;
                        // most hold values of their own. Only a .jsonl line that does not parse
                        // is a malformed record.
                        if format == Format::Json && self.scan_fragment(path, trimmed, &unit, &mut matches, &mut found)
                        {
                            res.found.findings.append(&mut found.findings);
                            res.found.scripts.add(&found.scripts);
                            continue;
                        }
                        res.malformed += u64::from(format == Format::Jsonl);
                        self.scan_unit(path, line, ContextScope::Line, unit, only, &mut matches, &mut res.found);
                    }
                }
            }
            lines_before = res.newlines + 1;
        }
        res.found.scripts.add(&counts.scripts());
        res
    }

    /// Scans one unit of text with the detectors in `only`; the unit's field name, if any, may
    /// be context.
    #[allow(clippy::too_many_arguments)]
    fn scan_unit(
        &self,
        path: &str,
        text: &[u8],
        scope: ContextScope,
        unit: Unit,
        only: DetectorSet,
        matches: &mut Vec<Match>,
        out: &mut Collected,
    ) {
        out.scripts.add(&ScriptCounts::count(text));
        if only.is_empty() {
            return;
        }
        matches.clear();
        self.engine.scan_field_in(text, scope, unit.name, only, matches);
        self.emit(path, text, unit, matches, &mut out.findings);
    }

    /// Scans the values on a line of a pretty-printed JSON document (`json_fragment_values`)
    /// into `out`, emptied first; false if the line holds none (`out` is then to be dropped).
    fn scan_fragment(
        &self,
        path: &str,
        line: &[u8],
        unit: &Unit,
        matches: &mut Vec<Match>,
        out: &mut Collected,
    ) -> bool {
        out.findings.clear();
        out.scripts = ScriptCounts::default();
        json_fragment_values(line, &mut |field, name, text| {
            let value = Unit { field: Some(field), name: FieldName::Name(name), ..*unit };
            self.scan_cell(path, text.as_bytes(), value, matches, out);
        })
    }

    /// Scans one cell or value that has no line of its own to prefilter.
    fn scan_cell(&self, path: &str, text: &[u8], unit: Unit, matches: &mut Vec<Match>, out: &mut Collected) {
        let only = self.engine.prefilter().detectors_in(text);
        self.scan_unit(path, text, ContextScope::Line, unit, only, matches, out);
    }

    /// Turns matches in `text` into findings. For text units, lines are counted from the unit's
    /// first line and `start`/`end` are offsets in the line; for record values they are offsets
    /// in the decoded value and `offset` is the record's.
    fn emit(&self, path: &str, text: &[u8], unit: Unit, matches: &[Match], out: &mut Vec<Finding>) {
        let (mut line, mut line_start, mut pos) = (unit.line, 0usize, 0usize);
        for m in matches {
            if unit.record.is_none() {
                // Matches are sorted by start, so one forward walk over the newlines locates them.
                for nl in memchr::memchr_iter(b'\n', &text[pos..m.start]) {
                    line += 1;
                    line_start = pos + nl + 1;
                }
                pos = m.start;
            }
            let spec = &self.engine.detectors()[m.detector].spec;
            out.push(Finding {
                path: path.to_string(),
                line,
                record: unit.record,
                field: unit.field.map(str::to_string),
                start: (m.start - line_start) as u64,
                end: (m.end - line_start) as u64,
                offset: if unit.record.is_some() { unit.offset } else { unit.offset + m.start as u64 },
                detector: spec.id.clone(),
                category: spec.category,
                confidence: m.confidence,
                masked: m.masked.clone(),
                fingerprint: self.key.fingerprint(&spec.id, &m.normalized),
                value: self.show_values.then(|| String::from_utf8_lossy(&text[m.start..m.end]).into_owned()),
                detail: m.detail.clone(),
                column: unit.record.is_none().then(|| chars(&text[line_start..m.start]) + 1),
                suppressed: None,
            });
        }
    }
}

/// Hands a file's last findings and then the file to the summary and the sink.
fn deliver(summary: &mut Summary, sink: &mut dyn Sink, mut result: FileResult, mut tally: FileTally) {
    summary.add_part(&result.path, &result.findings, &mut tally);
    sink.findings(&mut result.findings);
    summary.end_file(&result.path, &result.status, tally);
    result.findings.clear();
    sink.file(&result);
}

/// The format `head` shows (`Format::settle`), written into the file's stats.
fn settle_format(named: Format, head: &[u8], stats: &mut FileStats) -> Format {
    let format = named.settle(head);
    if format != named {
        stats.format = format.name().to_string();
    }
    format
}

/// Characters in UTF-8 `bytes` (continuation bytes are not counted).
fn chars(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count() as u64
}

/// Hashes what passes through a stream, so duplicates are found without a second read.
struct Hashing {
    inner: Box<dyn Read + Send>,
    hasher: Arc<std::sync::Mutex<Digest>>,
}

impl Read for Hashing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.lock().expect("only this reader writes to it").update(&buf[..n]);
        Ok(n)
    }
}

enum Outcome {
    Done,
    Skipped(String),
    Failed(String),
}

/// A path as reports show it: `/`-separated, lossy for non-UTF-8 names.
pub fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// How many files the next batch takes, after a batch of `len` files whose results are `last`
/// (none before the first batch, or after a file scanned alone: then `len` again).
fn next_batch_len(len: usize, last: &[Result<FileResult, Entry>]) -> usize {
    if last.is_empty() {
        return len;
    }
    let text: u64 = last
        .iter()
        .filter_map(|r| match &r.as_ref().ok()?.status {
            FileStatus::Scanned(stats) | FileStatus::Failed { partial: stats, .. } => Some(stats.bytes),
            FileStatus::Skipped(_) => None,
        })
        .sum();
    let mean = (text / last.len() as u64).max(1);
    let fits = usize::try_from(BATCH_TEXT / mean).unwrap_or(usize::MAX);
    fits.min(len.saturating_mul(4)).clamp(*BATCH_FILES.start(), *BATCH_FILES.end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// (line, record, field, start, end, detector): where a finding is and what found it.
    type Located = (u64, Option<u64>, Option<String>, u64, u64, String);

    fn located(findings: &[Finding]) -> Vec<Located> {
        findings.iter().map(|f| (f.line, f.record, f.field.clone(), f.start, f.end, f.detector.clone())).collect()
    }

    const TEXT: &str = "intro line\nTel: 9123 4567 and HKID A123456(3)\n\n電郵 a.b@example.com\nlast 6123-4567";

    struct Fixture {
        engine: Engine,
        key: FingerprintKey,
        dir: tempfile::TempDir,
    }

    impl Fixture {
        fn new() -> Self {
            Fixture {
                engine: Engine::builtin().unwrap(),
                key: FingerprintKey::from_bytes([7; 32], "test"),
                dir: tempfile::tempdir().unwrap(),
            }
        }
        fn scanner(&self) -> Scanner<'_> {
            Scanner::new(&self.engine, &self.key)
        }
        fn write(&self, name: &str, bytes: &[u8]) -> std::path::PathBuf {
            let p = self.dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        }
        fn scan(&self, name: &str, bytes: &[u8]) -> FileResult {
            let p = self.write(name, bytes);
            self.scanner().scan_file(&p, bytes.len() as u64, &())
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn result(status: FileStatus) -> FileResult {
        FileResult { path: "f".into(), status, findings: Vec::new(), stamp: None, cached: false }
    }

    /// Results of `n` scanned files of `bytes` bytes of text each.
    fn results(n: usize, bytes: u64) -> Vec<Result<FileResult, Entry>> {
        (0..n).map(|_| Ok(result(FileStatus::Scanned(FileStats { bytes, ..FileStats::default() })))).collect()
    }

    #[test]
    fn batches_hold_about_a_large_file_of_text_and_grow_fourfold_at_most() {
        // Before the first batch, and after a file scanned alone, the length stays.
        assert_eq!(next_batch_len(FIRST_BATCH, &[]), FIRST_BATCH);
        // Small files: fourfold growth, up to the cap.
        assert_eq!(next_batch_len(16, &results(16, 13_000)), 64);
        assert_eq!(next_batch_len(256, &results(256, 13_000)), 1024);
        assert_eq!(next_batch_len(1024, &results(1024, 13_000)), 1024);
        // Larger files: as many as hold BATCH_TEXT, at once, and at least one.
        assert_eq!(next_batch_len(1024, &results(1024, 1 << 20)), (BATCH_TEXT >> 20) as usize);
        assert_eq!(next_batch_len(1024, &results(3, BATCH_TEXT - 1)), 1);
        // Skipped files hold no text, and files handed back to be scanned alone none here.
        let mut mixed = results(2, 1 << 20);
        mixed.push(Ok(result(FileStatus::Skipped("binary".into()))));
        mixed.push(Err(Entry::File { path: "big".into(), size: None }));
        assert_eq!(next_batch_len(1024, &mixed), (BATCH_TEXT >> 20) as usize * 2);
    }

    #[test]
    fn chunk_edges_neither_lose_nor_double_a_match() {
        let fx = Fixture::new();
        let mut scanner = fx.scanner();
        let mut stats = FileStats::default();
        let whole = scanner.scan_buffer("t", TEXT.as_bytes(), Format::Text, &mut stats, &());
        assert_eq!(whole.len(), 4);
        assert_eq!((whole[0].line, whole[0].start), (2, 5));
        for chunk in 1..TEXT.len() + 1 {
            scanner.chunk = chunk;
            let mut split_stats = FileStats::default();
            let split = scanner.scan_buffer("t", TEXT.as_bytes(), Format::Text, &mut split_stats, &());
            assert_eq!(located(&split), located(&whole), "chunk {chunk}");
            assert_eq!(split_stats, stats);
        }
    }

    #[test]
    fn jsonl_tiles_neither_lose_nor_double_a_match_nor_shift_a_line() {
        let fx = Fixture::new();
        let mut scanner = fx.scanner();
        let records = [
            r#"{"id": 1, "text": "Tel: 9123 4567"}"#,
            "",
            r#"{"id": 2, "text": "\u96fb\u90f5 a.b@example.com HKID A123456(3)"}"#,
            "not json, but 6123-4567",
            r#"  {"id": 3, "note": "(c) 2020 Example Ltd. All rights reserved"}  "#,
            r#"{"id": 4, "text": "last 6123 4567"}"#,
        ];
        let text = records.join("\n");
        let mut stats = FileStats::default();
        let whole = scanner.scan_buffer("t.jsonl", text.as_bytes(), Format::Jsonl, &mut stats, &());
        assert!(whole.len() >= 6, "{:?}", located(&whole));
        for tile in 1..text.len() + 1 {
            scanner.tile = tile;
            let mut tiled_stats = FileStats::default();
            let tiled = scanner.scan_buffer("t.jsonl", text.as_bytes(), Format::Jsonl, &mut tiled_stats, &());
            assert_eq!(located(&tiled), located(&whole), "tile {tile}");
            let offsets = |f: &[Finding]| f.iter().map(|f| f.offset).collect::<Vec<_>>();
            assert_eq!(offsets(&tiled), offsets(&whole), "tile {tile}");
            assert_eq!(tiled_stats, stats, "tile {tile}");
        }
    }

    /// What a sink received, in order: parts of findings (the path and how many), and files.
    #[derive(Default)]
    struct Recorder {
        events: Vec<(String, Option<usize>)>,
        found: Vec<Finding>,
    }

    impl Sink for Recorder {
        fn findings(&mut self, findings: &mut [Finding]) {
            if let Some(f) = findings.first() {
                self.events.push((f.path.clone(), Some(findings.len())));
            }
            self.found.extend_from_slice(findings);
        }
        fn file(&mut self, result: &FileResult) {
            assert!(result.findings.is_empty(), "findings go before their file");
            self.events.push((result.path.clone(), None));
        }
    }

    #[test]
    fn a_large_file_passes_its_findings_on_in_parts_and_counts_as_if_held_whole() {
        let fx = Fixture::new();
        let big: String = (0..3000).map(|i| format!("row {i} Tel: 6{:03} 4567, HKID A123456(3)\n", i % 1000)).collect();
        let files = [("a.txt", TEXT), ("big.txt", big.as_str()), ("c.jsonl", "{\"t\": \"Tel 6123 4567\"}\n")];
        let paths: Vec<_> = files.iter().map(|(name, text)| fx.write(name, text.as_bytes())).collect();
        // Measured by the walk, big.txt is scanned alone from the start; not measured, it is
        // handed back from its batch when opened, and must come out the same.
        for measured in [true, false] {
            let entries = paths.iter().zip(files).map(|(path, (_, text))| Entry::File {
                path: path.clone(),
                size: measured.then_some(text.len() as u64),
            });
            run_beside_files_held_whole(&fx, &files, entries.collect());
        }
    }

    fn run_beside_files_held_whole(fx: &Fixture, files: &[(&str, &str)], entries: Vec<Entry>) {
        let mut scanner = fx.scanner();
        (scanner.chunk, scanner.alone) = (1024, 64 << 10);
        let mut summary = Summary::new("k", fx.engine.detectors());
        let mut got = Recorder::default();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        pool.install(|| scanner.run(&mut entries.into_iter(), &mut summary, &(), &mut got));

        let mut held = Summary::new("k", fx.engine.detectors());
        let mut held_findings = Vec::new();
        for (name, text) in files {
            let r = fx.scanner().scan_file(&fx.dir.path().join(name), text.len() as u64, &());
            held.add_file(&r.path, &r.status, &r.findings);
            held_findings.extend(r.findings);
        }
        assert_eq!(located(&got.found), located(&held_findings));
        assert_eq!(summary, held);
        assert_eq!(summary.detectors["hk_phone"].occurrences, 2 + 3000 + 1);
        let parts_of = |name: &str| got.events.iter().filter(|(p, n)| p.ends_with(name) && n.is_some()).count();
        assert!(parts_of("big.txt") > 2, "{:?}", got.events);
        assert_eq!(parts_of("a.txt"), 1);
        let files_in_order: Vec<&str> = got.events.iter().filter(|e| e.1.is_none()).map(|e| e.0.as_str()).collect();
        assert!(files_in_order.iter().zip(files).all(|(p, (name, _))| p.ends_with(name)), "{files_in_order:?}");
    }

    #[test]
    fn compressed_and_transcoded_files_give_the_plain_findings() {
        let fx = Fixture::new();
        let plain = fx.scan("a.txt", TEXT.as_bytes());
        let utf16le: Vec<u8> =
            [0xff, 0xfe].into_iter().chain(TEXT.encode_utf16().flat_map(|u| u.to_le_bytes())).collect();
        let utf16be: Vec<u8> =
            [0xfe, 0xff].into_iter().chain(TEXT.encode_utf16().flat_map(|u| u.to_be_bytes())).collect();
        let zst = zstd::encode_all(TEXT.as_bytes(), 3).unwrap();
        let nested = zstd::encode_all(&gzip(TEXT.as_bytes())[..], 3).unwrap();
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        bz.write_all(TEXT.as_bytes()).unwrap();
        let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
        xz.write_all(TEXT.as_bytes()).unwrap();
        let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
            ("a.txt.gz", gzip(TEXT.as_bytes()), "gzip", "UTF-8"),
            ("a.txt.zst", zst, "zstd", "UTF-8"),
            ("a.txt.bz2", bz.finish().unwrap(), "bzip2", "UTF-8"),
            ("a.txt.xz", xz.finish().unwrap(), "xz", "UTF-8"),
            ("renamed.bin", nested, "zstd+gzip", "UTF-8"),
            ("a16le.txt", utf16le, "none", "UTF-16LE"),
            ("a16be.txt", utf16be, "none", "UTF-16BE"),
        ];
        for (name, bytes, compression, encoding) in cases {
            let got = fx.scan(name, &bytes);
            let FileStatus::Scanned(stats) = &got.status else { panic!("{name}: {:?}", got.status) };
            assert_eq!((stats.compression.as_str(), stats.encoding.as_str()), (compression, encoding), "{name}");
            assert_eq!(stats.lines, 5, "{name}");
            assert_eq!(located(&got.findings), located(&plain.findings), "{name}");
        }
    }

    #[test]
    fn big5_hkscs_text_is_decoded_before_matching() {
        let fx = Fixture::new();
        let text =
            "香港身份證號碼：Ａ１２３４５６（３），聯絡電話：９１２３ ４５６７。陳大文先生住在九龍城。\n".repeat(3);
        let (big5, _, unmappable) = encoding_rs::BIG5.encode(&text);
        assert!(!unmappable);
        let got = fx.scan("legacy.txt", &big5);
        let FileStatus::Scanned(stats) = &got.status else { panic!("{:?}", got.status) };
        assert_eq!(stats.encoding, "Big5-HKSCS");
        let ids: Vec<&str> = got.findings.iter().map(|f| f.detector.as_str()).collect();
        assert_eq!(ids, ["hkid", "hk_phone"].repeat(3));
    }

    #[test]
    fn jsonl_values_are_decoded_and_named_by_field() {
        let fx = Fixture::new();
        let jsonl = concat!(
            r#"{"text": "\u8eab\u4efd\u8b49 A123456(3)", "meta": {"author": "mail a.b@example.com"}}"#,
            "\n",
            "not json but Tel: 9123 4567\n",
            r#"{"messages": [{"content": "x"}, {"content": "call 6123 4567"}], "phone": 91234567, "count": 91234567}"#,
            "\n"
        );
        let got = fx.scan("a.jsonl", jsonl.as_bytes());
        let FileStatus::Scanned(stats) = &got.status else { panic!("{:?}", got.status) };
        assert_eq!((stats.records, stats.malformed_records, stats.lines), (2, 1, 3));
        let want: Vec<Located> = vec![
            (1, Some(1), Some("text".into()), 10, 20, "hkid".into()),
            (1, Some(1), Some("meta.author".into()), 5, 20, "email".into()),
            (2, None, None, 18, 27, "hk_phone".into()),
            (3, Some(3), Some("messages[1].content".into()), 5, 14, "hk_phone".into()),
            (3, Some(3), Some("phone".into()), 0, 8, "hk_phone".into()),
            (3, Some(3), Some("count".into()), 0, 8, "hk_phone".into()),
        ];
        assert_eq!(located(&got.findings), want);
        let by_field = |f: &str| got.findings.iter().find(|x| x.field.as_deref() == Some(f)).unwrap().confidence;
        assert!(by_field("phone") > by_field("count"), "a field named phone is context");
    }

    #[test]
    fn a_pretty_printed_json_document_is_scanned_value_by_value() {
        // As Python's json.dump(records, f, indent=2) writes it: non-ASCII as escapes.
        let doc = concat!(
            "[\n  {\n    \"id\": 1,\n",
            r#"    "text": "\u8eab\u4efd\u8b49\uff1a\uff23\uff16\uff16\uff18\uff16\uff16\uff18\uff08\uff19\uff09","#,
            "\n    \"contact\": {\n",
            r#"      "phone": "\u96fb\u8a71 9123 4567""#,
            "\n    }\n  },\n  {\"text\": \"mail a.b@example.com\"}\n]\n"
        );
        let fx = Fixture::new();
        let got = fx.scan("records.json", doc.as_bytes());
        let FileStatus::Scanned(stats) = &got.status else { panic!("{:?}", got.status) };
        // A line that is a whole object is a record, as in a .jsonl file.
        assert_eq!((stats.records, stats.malformed_records), (1, 0));
        let want: Vec<Located> = vec![
            (4, None, Some("text".into()), 12, 42, "hkid".into()),
            (6, None, Some("phone".into()), 7, 16, "hk_phone".into()),
            (9, Some(9), Some("text".into()), 5, 20, "email".into()),
        ];
        assert_eq!(located(&got.findings), want);
        // The same lines in a .jsonl file are malformed records, scanned as text: the escaped
        // HKID stays hidden there.
        let as_jsonl = fx.scan("records.jsonl", doc.as_bytes());
        assert!(located(&as_jsonl.findings).iter().all(|f| f.5 != "hkid"));
    }

    #[test]
    fn a_byte_order_mark_does_not_spoil_the_first_record() {
        let fx = Fixture::new();
        let jsonl = "\u{feff}{\"text\": \"\\u96fb\\u8a71 9123 4567\"}\n{\"text\": \"\\ufeff is data here\"}\n";
        for (name, bytes) in [("a.jsonl", jsonl.as_bytes().to_vec()), ("b.jsonl.gz", gzip(jsonl.as_bytes()))] {
            let got = fx.scan(name, &bytes);
            let FileStatus::Scanned(stats) = &got.status else { panic!("{name}: {:?}", got.status) };
            assert_eq!((stats.records, stats.malformed_records), (2, 0), "{name}");
            assert_eq!(located(&got.findings), [(1, Some(1), Some("text".into()), 7, 16, "hk_phone".into())], "{name}");
        }
    }

    #[test]
    fn csv_cells_are_named_by_column_and_multi_line_cells_kept() {
        let fx = Fixture::new();
        let csv = "name,phone,notes\nChan,9123 4567,\"moved;\nnew HKID A123456(3)\"\nLee,6123 4567,\n";
        let got = fx.scan("people.csv", csv.as_bytes());
        let FileStatus::Scanned(stats) = &got.status else { panic!("{:?}", got.status) };
        assert_eq!(stats.records, 2);
        let want: Vec<Located> = vec![
            (2, Some(1), Some("phone".into()), 0, 9, "hk_phone".into()),
            (2, Some(1), Some("notes".into()), 16, 26, "hkid".into()),
            (4, Some(2), Some("phone".into()), 0, 9, "hk_phone".into()),
        ];
        assert_eq!(located(&got.findings), want);
        let tsv = csv.replace(',', "\t");
        assert_eq!(located(&fx.scan("people.tsv", tsv.as_bytes()).findings), want);
    }

    #[test]
    fn a_corrupt_stream_fails_with_its_reason_and_keeps_earlier_findings() {
        let fx = Fixture::new();
        // Varied lines, so the compressed stream has many blocks and half of it decodes to something.
        let lines: Vec<u8> =
            (0..40_000).flat_map(|i| format!("{{\"id\": {i}, \"text\": \"Tel: 9123 4567\"}}\n").into_bytes()).collect();
        for (name, mut bytes) in
            [("bad.jsonl.gz", gzip(&lines)), ("bad.jsonl.zst", zstd::encode_all(&lines[..], 3).unwrap())]
        {
            let cut = bytes.len() / 2;
            bytes.truncate(cut);
            let got = fx.scan(name, &bytes);
            let FileStatus::Failed { reason, partial } = &got.status else { panic!("{name}: {:?}", got.status) };
            assert!(reason.contains("stream failed"), "{name}: {reason}");
            assert!(!got.findings.is_empty() && partial.records > 0, "{name}");
        }
    }

    #[test]
    fn a_compression_bomb_stops_at_the_limit() {
        let fx = Fixture::new();
        // 300 MiB of text lines from a small gzip: one member of 1 MiB of lines, repeated
        // (gzip readers decode concatenated members as one stream).
        let line = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n";
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&line.repeat((1 << 20) / line.len())).unwrap();
        let member = enc.finish().unwrap();
        let bomb = member.repeat(300);
        assert!((300 << 20) / bomb.len() > 200, "the bomb expands past the limit");
        let got = fx.scan("bomb.txt.gz", &bomb);
        let FileStatus::Failed { reason, partial } = &got.status else { panic!("{:?}", got.status) };
        assert!(reason.contains("compression bomb"), "{reason}");
        assert!(partial.bytes <= crate::corpus::open::EXPANSION_FLOOR.max(200 * bomb.len() as u64));
    }

    #[test]
    fn git_lfs_pointers_are_reported_not_scanned() {
        let fx = Fixture::new();
        let p = b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n";
        let got = fx.scan("shard.jsonl", p);
        let FileStatus::Skipped(reason) = &got.status else { panic!("{:?}", got.status) };
        assert!(reason.contains("LFS"), "{reason}");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_that_shrinks_under_its_map_fails_instead_of_crashing() {
        let fx = Fixture::new();
        let text = "Tel: 9123 4567\n".repeat((crate::corpus::open::MAP_THRESHOLD as usize * 2) / 15);
        let path = fx.write("shrinks.txt", text.as_bytes());
        let opened = open(&path, OpenLimits::default(), Arc::new(AtomicU64::new(0))).unwrap();
        let Content::Bytes(bytes @ Bytes::Mapped(_)) = opened.content else { panic!("a large file is mapped") };
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(4096).unwrap();
        let mut stats = FileStats::default();
        let mut out = FileOut { found: Collected::default(), pass_on: None };
        let outcome = fx.scanner().scan_bytes("shrinks.txt", &bytes, Format::Text, &mut stats, &mut out, &());
        let Outcome::Failed(reason) = outcome else { panic!("the change must be reported") };
        assert!(reason.contains("shrank"), "{reason}");
    }

    /// Cells for the table test: candidates, near misses, and text that folds or escapes.
    const CELLS: &[&str] = &[
        "9123 4567",
        "Tel 6123-4567",
        "+852 2345 6789",
        "85223456789",
        "(852)2345 6789",
        "00852 23456789",
        "0085223456789",
        "8522345 6789",
        "51552213",
        "3527320954",
        "536-803557-407",
        "A123456(3)",
        "Ａ１２３４５６（３）",
        "a.b@example.com",
        "x＠example.org",
        "Copyright © 2023 Press",
        "All rights reserved",
        "CC BY-SA 4.0",
        "版權所有",
        "\\u0039123 4567",
        "refund 3 of 4",
        "2024-05-19 03:55:54",
        "",
        "He said \"9123 4567\"",
    ];
    const COLUMNS: &[&str] = &["phone", "reference", "note", "txn_id", "電話", "email"];

    proptest::proptest! {
        /// A table scanned in batches (one prefilter pass over many cells) finds what each
        /// cell scanned alone by every detector finds.
        #[test]
        fn table_batches_find_what_each_cell_alone_holds(
            rows in proptest::collection::vec(proptest::collection::vec(0..CELLS.len(), 1..8), 1..20),
        ) {
            let fx = Fixture::new();
            let quote = |c: &str| format!("\"{}\"", c.replace('"', "\"\""));
            let mut csv = COLUMNS.join(",") + "\n";
            let (headers, mut expected) = (COLUMNS.iter().map(|c| c.to_string()).collect::<Vec<_>>(), Vec::new());
            for (r, row) in rows.iter().enumerate() {
                csv += &row.iter().map(|&i| quote(CELLS[i])).collect::<Vec<_>>().join(",");
                csv += "\n";
                for (c, &i) in row.iter().enumerate() {
                    let column = column_name(&headers, c).to_string();
                    let mut matches = Vec::new();
                    fx.engine.scan_field(CELLS[i].as_bytes(), ContextScope::Line, Some(&column), &mut matches);
                    for m in matches {
                        let id = fx.engine.detectors()[m.detector].spec.id.clone();
                        expected.push((r as u64 + 1, column.clone(), m.start as u64, m.end as u64, id));
                    }
                }
            }
            let result = fx.scan("t.csv", csv.as_bytes());
            let found: Vec<_> = result
                .findings
                .iter()
                .map(|f| (f.record.unwrap(), f.field.clone().unwrap(), f.start, f.end, f.detector.clone()))
                .collect();
            proptest::prop_assert_eq!(found, expected);
        }
    }
}
