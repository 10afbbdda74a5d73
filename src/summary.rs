//! Mergeable counts: everything a datasheet says comes from here. Two summaries of disjoint
//! parts of a corpus merge into the summary of the whole, so a datasheet can be rebuilt from
//! saved summaries without rescanning.

use crate::corpus::digest::ContentHash;
use crate::corpus::script::ScriptCounts;
use crate::detect::{Category, Detail, Detector, YearRange};
use crate::finding::{Finding, Level};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const SCHEMA_VERSION: u32 = 1;
/// Masked examples kept per detector (the smallest, so merging is order-independent).
const EXAMPLES: usize = 5;
/// Locations of co-occurring identifiers kept (the smallest, for the same reason).
const LOCATIONS: usize = 100;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub schema_version: u32,
    /// Public id of the fingerprint key; fingerprints compare only under one key.
    pub key_id: String,
    pub files: FileCounts,
    /// Files scanned by format and by compression.
    pub formats: BTreeMap<String, u64>,
    pub compression: BTreeMap<String, u64>,
    pub encodings: BTreeMap<String, u64>,
    pub skipped: Vec<FileIssue>,
    pub failed: Vec<FileIssue>,
    pub detectors: BTreeMap<String, DetectorSummary>,
    pub copyright: CopyrightSummary,
    #[serde(default)]
    pub co_occurrence: CoOccurrence,
    /// Letters of the scanned text by script.
    #[serde(default)]
    pub scripts: ScriptCounts,
    /// Scanned files by content hash: a group of more than one is a set of duplicates.
    #[serde(default)]
    pub content: BTreeMap<ContentHash, ContentGroup>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContentGroup {
    pub files: u64,
    pub bytes: u64,
    /// The first few paths, in order.
    pub paths: FirstPaths,
}

/// The first `GROUP_PATHS` paths of a content group in sorting order, without repeats. A sorted
/// vector: nearly every group holds one path, and a set would allocate a tree node for it on
/// every file scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct FirstPaths(Vec<String>);

impl FirstPaths {
    pub fn insert(&mut self, path: &str) {
        if let Err(at) = self.0.binary_search_by(|p| p.as_str().cmp(path)) {
            if at < GROUP_PATHS {
                self.0.truncate(GROUP_PATHS - 1);
                self.0.reserve_exact(1);
                self.0.insert(at, path.to_string());
            }
        }
    }

    /// Where the list is in memory, to prefetch it.
    pub fn as_ptr(&self) -> *const String {
        self.0.as_ptr()
    }

    pub fn iter(&self) -> impl Iterator<Item = &String> {
        self.0.iter()
    }
}

impl<'de> Deserialize<'de> for FirstPaths {
    /// A hand-edited or foreign summary may list paths in any order, or more of them.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut paths = FirstPaths::default();
        for p in Vec::<String>::deserialize(d)? {
            paths.insert(&p);
        }
        Ok(paths)
    }
}

/// Paths kept per content group.
const GROUP_PATHS: usize = 5;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileCounts {
    pub scanned: u64,
    pub skipped: u64,
    pub failed: u64,
    /// Bytes of text scanned (decompressed).
    pub bytes: u64,
    /// Bytes on disk of the scanned files.
    pub stored_bytes: u64,
    pub lines: u64,
    /// Lines longer than the reader's limit, scanned in pieces.
    pub cut_lines: u64,
    /// Structured records (JSONL lines, CSV rows, Parquet rows) and JSONL lines that did not parse.
    pub records: u64,
    pub malformed_records: u64,
    /// Files with bytes that are not valid UTF-8 (scanned as they are).
    pub with_invalid_utf8: u64,
    /// Parquet columns not scanned because of their type.
    pub skipped_columns: u64,
    /// Lines of files that hold no structured records (plain text, Markdown).
    #[serde(default)]
    pub text_lines: u64,
    /// Files that contain at least one copyright or licence finding.
    pub with_rights_signal: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FileIssue {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DetectorSummary {
    pub name: String,
    pub category: Option<Category>,
    pub concern: String,
    pub occurrences: u64,
    /// Distinct lines (file, line) with at least one finding.
    pub lines: u64,
    pub files: u64,
    /// Keyed fingerprints of the distinct values.
    pub fingerprints: BTreeSet<String>,
    pub per_file: BTreeMap<String, u64>,
    pub confidence: BTreeMap<Level, u64>,
    pub examples: BTreeSet<String>,
    /// Distinct records (JSONL line, CSV or Parquet row; a line of plain text) with a finding.
    #[serde(default)]
    pub records: u64,
    /// Findings by field path or column (structured files only).
    #[serde(default)]
    pub fields: BTreeMap<String, u64>,
}

/// Records that hold several kinds of personal data together: the per-person dossiers the
/// ID Code (2.7) and the doxxing offence (s.64) make the first thing to remove.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CoOccurrence {
    /// Records by the set of detectors found together (`email+hk_phone+hkid`).
    pub by_kinds: BTreeMap<String, u64>,
    /// Where they are (`path:line` or `path:record N`), the first `LOCATIONS` in order.
    pub locations: BTreeSet<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CopyrightSummary {
    pub holders: BTreeMap<String, HolderSummary>,
    pub licences: BTreeMap<String, LicenceSummary>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HolderSummary {
    pub notices: u64,
    pub files: u64,
    pub years: Option<YearRange>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LicenceSummary {
    pub occurrences: u64,
    pub files: u64,
    pub nc: bool,
    pub nd: bool,
    pub sa: bool,
}

/// What reading one file measured.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStats {
    pub format: String,
    /// `none`, or the compression layers outermost first (`zstd+gzip`).
    pub compression: String,
    pub encoding: String,
    /// Bytes of decoded text scanned.
    pub bytes: u64,
    pub stored_bytes: u64,
    pub lines: u64,
    /// Structured records: JSONL lines that parse, CSV rows, Parquet rows.
    pub records: u64,
    /// JSONL lines that do not parse (scanned as text).
    pub malformed_records: u64,
    /// Lines longer than the limit, scanned in pieces.
    pub cut_lines: u64,
    pub invalid_utf8_bytes: u64,
    /// Parquet columns of types not scanned (nested, binary …).
    pub skipped_columns: u64,
    pub scripts: ScriptCounts,
    /// XXH3-128 of the decoded content (the stored bytes for Parquet), to find duplicate files.
    pub content_hash: Option<ContentHash>,
}

/// What the scan learned about one file, ready to fold into a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileStatus {
    Scanned(FileStats),
    Skipped(String),
    /// Could not be scanned to the end; findings up to the failure are kept and counted.
    Failed {
        reason: String,
        partial: FileStats,
    },
}

fn union_years(a: Option<YearRange>, b: Option<YearRange>) -> Option<YearRange> {
    match (a, b) {
        (Some(a), Some(b)) => Some(YearRange { from: a.from.min(b.from), to: a.to.max(b.to) }),
        (a, b) => a.or(b),
    }
}

/// Keeps issue lists sorted, so a merged summary equals the summary of one run.
fn insert_sorted(list: &mut Vec<FileIssue>, issue: FileIssue) {
    let at = list.partition_point(|x| *x < issue);
    list.insert(at, issue);
}

fn add_map<K: Ord + Clone>(into: &mut BTreeMap<K, u64>, from: &BTreeMap<K, u64>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_default() += v;
    }
}

/// A record or line number, and whether it is a record (`true`) or a line of text: ordered by
/// number first, as the file is read.
type Unit = (u64, bool);

/// What the summary carries from one part of a file's findings to the next, so a large file
/// is counted in parts as it is scanned. Parts arrive in file order; only the last line or
/// record of a part can go on in the next (a line cut into pieces, a Parquet row slice).
#[derive(Default)]
pub struct FileTally {
    last_line: LastUnit,
    last_record: LastUnit,
    /// The personal-data kinds of the last record (or line) so far, not yet counted as
    /// co-occurring.
    open_units: BTreeMap<Unit, BTreeSet<String>>,
    holders: BTreeSet<String>,
    licences: BTreeSet<String>,
    rights_signal: bool,
}

/// The last line (or record) counted, and the detectors already counted on it.
#[derive(Default)]
struct LastUnit {
    at: u64,
    counted: BTreeSet<String>,
}

impl LastUnit {
    /// How many new lines (records) each detector is found on among `pairs`, those counted in
    /// an earlier part left out.
    fn count_new<'f>(&mut self, pairs: BTreeSet<(u64, &'f str)>) -> BTreeMap<&'f str, u64> {
        let mut new = BTreeMap::new();
        let Some(&(last, _)) = pairs.last() else { return new };
        for &(at, detector) in &pairs {
            if !(at == self.at && self.counted.contains(detector)) {
                *new.entry(detector).or_default() += 1;
            }
        }
        if last != self.at {
            self.counted.clear();
            self.at = last;
        }
        self.counted.extend(pairs.range((last, "")..).map(|&(_, d)| d.to_string()));
        new
    }
}

impl Summary {
    pub fn new(key_id: &str, detectors: &[Detector]) -> Self {
        let mut s = Summary { schema_version: SCHEMA_VERSION, key_id: key_id.to_string(), ..Default::default() };
        for d in detectors {
            s.detectors.insert(
                d.spec.id.clone(),
                DetectorSummary {
                    name: d.spec.name.clone(),
                    category: Some(d.spec.category),
                    concern: d.spec.concern.clone(),
                    ..Default::default()
                },
            );
        }
        s
    }

    /// Folds one file: its status and its findings (in file order).
    pub fn add_file(&mut self, path: &str, status: &FileStatus, findings: &[Finding]) {
        let mut tally = FileTally::default();
        self.add_part(path, findings, &mut tally);
        self.end_file(path, status, tally);
    }

    /// Folds the next part of a file's findings, in file order: a large file's findings are
    /// counted as they are found, not held until it ends. `end_file` closes the file.
    pub fn add_part(&mut self, path: &str, findings: &[Finding], tally: &mut FileTally) {
        tally.rights_signal |= findings.iter().any(|f| f.category == Category::Copyright);
        let on_lines = tally.last_line.count_new(findings.iter().map(|f| (f.line, f.detector.as_str())).collect());
        let on_records = tally
            .last_record
            .count_new(findings.iter().map(|f| (f.record.unwrap_or(f.line), f.detector.as_str())).collect());
        for (detector, n) in on_lines {
            self.detectors.entry(detector.to_string()).or_default().lines += n;
        }
        for (detector, n) in on_records {
            self.detectors.entry(detector.to_string()).or_default().records += n;
        }
        self.add_co_occurrence(path, findings, &mut tally.open_units);
        for f in findings {
            let d = self.detectors.entry(f.detector.clone()).or_default();
            d.occurrences += 1;
            if let Some(field) = &f.field {
                *d.fields.entry(field.clone()).or_default() += 1;
            }
            let n = d.per_file.entry(path.to_string()).or_default();
            if *n == 0 {
                d.files += 1;
            }
            *n += 1;
            d.fingerprints.insert(f.fingerprint.clone());
            *d.confidence.entry(Level::of(f.confidence)).or_default() += 1;
            d.examples.insert(f.masked.clone());
            if d.examples.len() > EXAMPLES {
                d.examples.pop_last();
            }
            match &f.detail {
                Detail::Notice { holder, years } => {
                    let name = holder.clone().unwrap_or_else(|| "(holder not stated)".to_string());
                    let h = self.copyright.holders.entry(name.clone()).or_default();
                    h.notices += 1;
                    h.years = union_years(h.years, *years);
                    if tally.holders.insert(name) {
                        h.files += 1;
                    }
                }
                Detail::Licence { id, nc, nd, sa } => {
                    let l = self.copyright.licences.entry(id.clone()).or_default();
                    l.occurrences += 1;
                    (l.nc, l.nd, l.sa) = (*nc, *nd, *sa);
                    if tally.licences.insert(id.clone()) {
                        l.files += 1;
                    }
                }
                Detail::None => {}
            }
        }
    }

    /// Closes a file whose findings `add_part` has counted: its status and statistics.
    pub fn end_file(&mut self, path: &str, status: &FileStatus, mut tally: FileTally) {
        match status {
            FileStatus::Scanned(stats) => {
                self.files.scanned += 1;
                self.add_stats(stats);
                if let Some(hash) = &stats.content_hash {
                    let g = self.content.entry(*hash).or_default();
                    g.files += 1;
                    g.bytes = stats.bytes;
                    g.paths.insert(path);
                }
            }
            FileStatus::Skipped(reason) => {
                self.files.skipped += 1;
                insert_sorted(&mut self.skipped, FileIssue { path: path.to_string(), reason: reason.clone() });
            }
            FileStatus::Failed { reason, partial } => {
                self.files.failed += 1;
                self.add_stats(partial);
                insert_sorted(&mut self.failed, FileIssue { path: path.to_string(), reason: reason.clone() });
            }
        }
        if tally.rights_signal {
            self.files.with_rights_signal += 1;
        }
        for (unit, kinds) in std::mem::take(&mut tally.open_units) {
            self.count_co_occurring(path, unit, kinds);
        }
    }

    fn add_stats(&mut self, st: &FileStats) {
        let f = &mut self.files;
        f.bytes += st.bytes;
        f.stored_bytes += st.stored_bytes;
        f.lines += st.lines;
        f.cut_lines += st.cut_lines;
        f.records += st.records;
        if st.records == 0 {
            f.text_lines += st.lines;
        }
        f.malformed_records += st.malformed_records;
        f.with_invalid_utf8 += u64::from(st.invalid_utf8_bytes > 0);
        f.skipped_columns += st.skipped_columns;
        self.scripts.add(&st.scripts);
        for (map, key) in [
            (&mut self.formats, &st.format),
            (&mut self.compression, &st.compression),
            (&mut self.encodings, &st.encoding),
        ] {
            // Looked up before it is cloned: most files add to a count that exists.
            match map.get_mut(key) {
                Some(n) => *n += 1,
                None if !key.is_empty() => {
                    map.insert(key.clone(), 1);
                }
                None => {}
            }
        }
    }

    /// Groups a part's personal-data findings by record (or line) and counts the records that
    /// hold more than one kind. The part's last record may go on in the next part, so it stays
    /// in `open` until a later part (or the file's end) closes it.
    fn add_co_occurrence(&mut self, path: &str, findings: &[Finding], open: &mut BTreeMap<Unit, BTreeSet<String>>) {
        let mut by_unit = std::mem::take(open);
        for f in findings.iter().filter(|f| f.category == Category::PersonalData) {
            let unit = (f.record.unwrap_or(f.line), f.record.is_some());
            by_unit.entry(unit).or_default().insert(f.detector.clone());
        }
        if let Some(&(last, _)) = by_unit.keys().next_back() {
            *open = by_unit.split_off(&(last, false));
        }
        for (unit, kinds) in by_unit {
            self.count_co_occurring(path, unit, kinds);
        }
    }

    fn count_co_occurring(&mut self, path: &str, (n, structured): Unit, kinds: BTreeSet<String>) {
        if kinds.len() < 2 {
            return;
        }
        let key = kinds.into_iter().collect::<Vec<_>>().join("+");
        *self.co_occurrence.by_kinds.entry(key).or_default() += 1;
        let at = if structured { format!("{path}: record {n}") } else { format!("{path}: line {n}") };
        self.co_occurrence.locations.insert(at);
        if self.co_occurrence.locations.len() > LOCATIONS {
            self.co_occurrence.locations.pop_last();
        }
    }

    /// Merges the summary of a disjoint part of the corpus into this one. Summaries made with
    /// different fingerprint keys cannot be merged: their distinct-value counts would be wrong.
    pub fn merge(&mut self, other: &Summary) -> Result<(), MergeError> {
        if !self.key_id.is_empty() && !other.key_id.is_empty() && self.key_id != other.key_id {
            return Err(MergeError::KeyMismatch { ours: self.key_id.clone(), theirs: other.key_id.clone() });
        }
        if self.key_id.is_empty() {
            self.key_id = other.key_id.clone();
        }
        self.schema_version = self.schema_version.max(other.schema_version);
        let (f, o) = (&mut self.files, &other.files);
        f.scanned += o.scanned;
        f.skipped += o.skipped;
        f.failed += o.failed;
        f.bytes += o.bytes;
        f.stored_bytes += o.stored_bytes;
        f.lines += o.lines;
        f.cut_lines += o.cut_lines;
        f.records += o.records;
        f.text_lines += o.text_lines;
        f.malformed_records += o.malformed_records;
        f.with_invalid_utf8 += o.with_invalid_utf8;
        f.skipped_columns += o.skipped_columns;
        f.with_rights_signal += o.with_rights_signal;
        add_map(&mut self.formats, &other.formats);
        add_map(&mut self.compression, &other.compression);
        add_map(&mut self.encodings, &other.encodings);
        for issue in &other.skipped {
            insert_sorted(&mut self.skipped, issue.clone());
        }
        for issue in &other.failed {
            insert_sorted(&mut self.failed, issue.clone());
        }
        for (id, o) in &other.detectors {
            let d = self.detectors.entry(id.clone()).or_default();
            if d.name.is_empty() {
                (d.name, d.category, d.concern) = (o.name.clone(), o.category, o.concern.clone());
            }
            d.occurrences += o.occurrences;
            d.lines += o.lines;
            d.files += o.files;
            d.fingerprints.extend(o.fingerprints.iter().cloned());
            add_map(&mut d.per_file, &o.per_file);
            add_map(&mut d.confidence, &o.confidence);
            d.examples.extend(o.examples.iter().cloned());
            while d.examples.len() > EXAMPLES {
                d.examples.pop_last();
            }
            d.records += o.records;
            add_map(&mut d.fields, &o.fields);
        }
        self.scripts.add(&other.scripts);
        for (hash, o) in &other.content {
            let g = self.content.entry(*hash).or_default();
            g.files += o.files;
            g.bytes = o.bytes;
            for p in o.paths.iter() {
                g.paths.insert(p);
            }
        }
        add_map(&mut self.co_occurrence.by_kinds, &other.co_occurrence.by_kinds);
        self.co_occurrence.locations.extend(other.co_occurrence.locations.iter().cloned());
        while self.co_occurrence.locations.len() > LOCATIONS {
            self.co_occurrence.locations.pop_last();
        }
        for (name, o) in &other.copyright.holders {
            let h = self.copyright.holders.entry(name.clone()).or_default();
            h.notices += o.notices;
            h.files += o.files;
            h.years = union_years(h.years, o.years);
        }
        for (id, o) in &other.copyright.licences {
            let l = self.copyright.licences.entry(id.clone()).or_default();
            l.occurrences += o.occurrences;
            l.files += o.files;
            (l.nc, l.nd, l.sa) = (o.nc, o.nd, o.sa);
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("summaries were made with different fingerprint keys ({ours} and {theirs}); rescan with one key")]
    KeyMismatch { ours: String, theirs: String },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Engine, YearRange};
    use proptest::prelude::*;

    proptest! {
        /// A group keeps the smallest few distinct paths, whatever order they come in, as the
        /// set it replaced did; a summary read back keeps them so too.
        #[test]
        fn a_group_keeps_its_first_paths_in_order(paths in proptest::collection::vec("[a-e]{1,2}", 0..20)) {
            let mut kept = FirstPaths::default();
            for p in &paths {
                kept.insert(p);
            }
            let want: Vec<String> = paths.iter().cloned().collect::<BTreeSet<_>>().into_iter().take(GROUP_PATHS).collect();
            prop_assert_eq!(kept.iter().cloned().collect::<Vec<_>>(), want.clone());
            let listed: FirstPaths = serde_json::from_str(&serde_json::to_string(&paths).unwrap()).unwrap();
            prop_assert_eq!(listed.iter().cloned().collect::<Vec<_>>(), want);
        }
    }

    fn finding(path: &str, line: u64, detector: &str, fp: &str, detail: Detail) -> Finding {
        let category = if detector.starts_with("copyright") || detector == "creative_commons" {
            Category::Copyright
        } else {
            Category::PersonalData
        };
        Finding { line, ..Finding::example(path, detector, category, fp, detail) }
    }

    fn scanned(lines: u64) -> FileStatus {
        FileStatus::Scanned(FileStats {
            format: "text".into(),
            compression: "none".into(),
            encoding: "UTF-8".into(),
            bytes: 10,
            stored_bytes: 10,
            lines,
            ..FileStats::default()
        })
    }

    fn files() -> Vec<(String, FileStatus, Vec<Finding>)> {
        let notice =
            |h: &str, y: u16| Detail::Notice { holder: Some(h.into()), years: Some(YearRange { from: y, to: y }) };
        let cc = Detail::Licence { id: "CC-BY-NC-4.0".into(), nc: true, nd: false, sa: false };
        vec![
            (
                "a.txt".into(),
                scanned(3),
                vec![
                    finding("a.txt", 1, "hk_phone", "p1", Detail::None),
                    finding("a.txt", 1, "hk_phone", "p2", Detail::None),
                    finding("a.txt", 2, "hkid", "h1", Detail::None),
                ],
            ),
            ("b.bin".into(), FileStatus::Skipped("binary".into()), vec![]),
            (
                "c.txt".into(),
                scanned(5),
                vec![
                    finding("c.txt", 4, "hk_phone", "p1", Detail::None),
                    finding("c.txt", 5, "copyright_notice", "n1", notice("Acme", 2019)),
                ],
            ),
            (
                "d.gz".into(),
                FileStatus::Failed {
                    reason: "corrupt".into(),
                    partial: FileStats { bytes: 4, lines: 1, ..FileStats::default() },
                },
                vec![finding("d.gz", 1, "copyright_notice", "n2", notice("Acme", 2023))],
            ),
            ("e.md".into(), scanned(1), vec![finding("e.md", 1, "creative_commons", "l1", cc)]),
        ]
    }

    fn summary_of(files: &[(String, FileStatus, Vec<Finding>)]) -> Summary {
        let engine = Engine::builtin().unwrap();
        let mut s = Summary::new("k", engine.detectors());
        for (p, st, f) in files {
            s.add_file(p, st, f);
        }
        s
    }

    #[test]
    fn merged_parts_equal_the_whole_in_any_split_and_order() {
        let all = files();
        let whole = summary_of(&all);
        assert_eq!(whole.detectors["hk_phone"].occurrences, 3);
        assert_eq!(whole.detectors["hk_phone"].fingerprints.len(), 2);
        assert_eq!(whole.detectors["hk_phone"].lines, 2);
        assert_eq!(whole.detectors["hk_phone"].files, 2);
        assert_eq!(whole.copyright.holders["Acme"].years, Some(YearRange { from: 2019, to: 2023 }));
        assert_eq!(whole.files.with_rights_signal, 3);
        for cut in 0..=all.len() {
            let (a, b) = all.split_at(cut);
            let mut ab = summary_of(a);
            ab.merge(&summary_of(b)).unwrap();
            assert_eq!(ab, whole, "a then b, cut {cut}");
            let mut ba = summary_of(b);
            ba.merge(&summary_of(a)).unwrap();
            assert_eq!(ba, whole, "b then a, cut {cut}");
        }
    }

    proptest::proptest! {
        /// A file counted in parts as it is scanned (cut anywhere, even inside a line; each
        /// part in any order) is counted as if it were held whole.
        #[test]
        fn a_file_counted_in_parts_equals_it_counted_whole(
            rows in proptest::collection::vec((1u64..6, 0usize..4, proptest::bool::ANY), 0..40),
            cuts in proptest::collection::vec(0usize..40, 0..5),
        ) {
            const DETECTORS: [&str; 4] = ["hk_phone", "hkid", "email", "copyright_notice"];
            let mut line = 1;
            let findings: Vec<Finding> = rows
                .iter()
                .enumerate()
                .map(|(i, &(step, d, record))| {
                    line += step / 3; // some findings share a line
                    let detail = if DETECTORS[d] == "copyright_notice" {
                        Detail::Notice { holder: Some(format!("H{}", i % 3)), years: None }
                    } else {
                        Detail::None
                    };
                    let f = finding("f.jsonl", line, DETECTORS[d], &format!("v{}", i % 5), detail);
                    Finding { record: record.then_some(line), ..f }
                })
                .collect();
            let whole = summary_of(&[("f.jsonl".into(), scanned(line), findings.clone())]);
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(findings.len())).collect();
            cuts.sort_unstable();
            let engine = Engine::builtin().unwrap();
            let mut parts = Summary::new("k", engine.detectors());
            let mut tally = FileTally::default();
            let mut from = 0;
            for to in cuts.into_iter().chain([findings.len()]) {
                let mut part = findings[from..to].to_vec();
                part.reverse();
                parts.add_part("f.jsonl", &part, &mut tally);
                from = to;
            }
            parts.end_file("f.jsonl", &scanned(line), tally);
            proptest::prop_assert_eq!(parts, whole);
        }
    }

    #[test]
    fn summaries_under_different_keys_do_not_merge() {
        let mut a = summary_of(&files());
        let mut b = summary_of(&files());
        b.key_id = "other".into();
        assert!(matches!(a.merge(&b), Err(MergeError::KeyMismatch { .. })));
    }
}
