//! The incremental-scan cache: a file whose path, size and modification time are as they were
//! in the last run keeps that run's result (status, statistics, content hash, findings), so a
//! re-scan of an unchanged corpus reads no file. The cache belongs to one setup: another
//! govscan version, detector set, confidence floor, key or scan setting invalidates all of it.
//!
//! One JSON Lines file: a header with the setup's hash, then one record per file. It is
//! rewritten whole at the end of each run (through a temporary file), so an interrupted run
//! leaves the previous cache intact. Failed files are not kept: they are tried again.

use crate::finding::Finding;
use crate::scan::FileResult;
use crate::summary::FileStatus;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

/// The folder `--cache` uses when given no folder.
pub const DEFAULT_DIR: &str = ".govscan-cache";
const FILE: &str = "cache.jsonl";
/// 2: content hashes are XXH3-128 (BLAKE3 in 1), so a version-1 entry would not match a new one.
const VERSION: u32 = 2;

#[derive(Serialize, Deserialize)]
struct Header {
    version: u32,
    setup: String,
}

#[derive(Serialize, Deserialize)]
struct Record {
    path: String,
    size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    modified: u128,
    status: FileStatus,
    findings: Vec<Cached>,
}

/// A finding as cached: with the column the findings file leaves out.
#[derive(Serialize, Deserialize)]
struct Cached {
    #[serde(flatten)]
    finding: Finding,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    column: Option<u64>,
}

impl Cached {
    /// A finding as kept: without this run's verdict, which the next run makes again.
    fn of(f: &Finding) -> Cached {
        Cached { finding: Finding { suppressed: None, ..f.clone() }, column: f.column }
    }
}

pub struct Cache {
    dir: PathBuf,
    setup: String,
    old: HashMap<String, Record>,
    /// What this run keeps, filled from the ordered results (a lock, since the scan holds the
    /// cache while results arrive).
    new: Mutex<Vec<Record>>,
    /// Findings of the file being delivered, kept until the file itself arrives.
    pending: Mutex<Vec<Cached>>,
}

/// What tells a file unchanged since the last run: its size on disk and its modification time
/// (nanoseconds since the Unix epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub size: u64,
    pub modified: u128,
}

impl Stamp {
    /// `path`'s stamp, if the system gives a modification time.
    pub fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok()?;
        let modified = m.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
        Some(Stamp { size: m.len(), modified })
    }
}

impl Cache {
    /// Opens the cache in `dir` for a run whose setup hashes to `setup`; entries of another
    /// setup, or an unreadable cache, are ignored (and replaced when the run saves).
    pub fn open(dir: &Path, setup: &str) -> Cache {
        let mut cache = Cache {
            dir: dir.to_path_buf(),
            setup: setup.to_string(),
            old: HashMap::new(),
            new: Mutex::new(Vec::new()),
            pending: Mutex::new(Vec::new()),
        };
        let Ok(file) = std::fs::File::open(dir.join(FILE)) else { return cache };
        let mut lines = std::io::BufReader::new(file).lines();
        let header: Option<Header> = lines.next().and_then(|l| l.ok()).and_then(|l| serde_json::from_str(&l).ok());
        if !header.is_some_and(|h| h.version == VERSION && h.setup == setup) {
            return cache;
        }
        for line in lines.map_while(Result::ok) {
            if let Ok(r) = serde_json::from_str::<Record>(&line) {
                cache.old.insert(r.path.clone(), r);
            }
        }
        cache
    }

    /// The last run's result for `path` (as reports show it), if the file is unchanged.
    pub fn lookup(&self, path: &str, stamp: Stamp) -> Option<FileResult> {
        let r = self.old.get(path)?;
        if (Stamp { size: r.size, modified: r.modified }) != stamp {
            return None;
        }
        let findings = r.findings.iter().map(|c| Finding { column: c.column, ..c.finding.clone() }).collect();
        let status = r.status.clone();
        Some(FileResult { path: r.path.clone(), status, findings, stamp: Some(stamp), cached: true })
    }

    /// Keeps findings of the file being delivered, for `store` to keep with the file.
    pub fn store_findings(&self, findings: &[Finding]) {
        self.pending.lock().expect("no panic while holding it").extend(findings.iter().map(Cached::of));
    }

    /// Keeps `result` for the next run, with the findings given to `store_findings` since the
    /// last file and its own (not a failure, which is tried again).
    pub fn store(&self, result: &FileResult) {
        let mut findings = std::mem::take(&mut *self.pending.lock().expect("no panic while holding it"));
        let Some(Stamp { size, modified }) = result.stamp else { return };
        if matches!(result.status, FileStatus::Failed { .. }) {
            return;
        }
        findings.extend(result.findings.iter().map(Cached::of));
        let (path, status) = (result.path.clone(), result.status.clone());
        self.new.lock().expect("no panic while holding it").push(Record { path, size, modified, status, findings });
    }

    /// Writes what this run kept, replacing the previous cache.
    pub fn save(&self) -> Result<(), String> {
        let fail = |e: std::io::Error| format!("cannot write the cache in {}: {e}", self.dir.display());
        std::fs::create_dir_all(&self.dir).map_err(fail)?;
        let tmp = self.dir.join(format!("{FILE}.tmp"));
        let mut out = BufWriter::new(std::fs::File::create(&tmp).map_err(fail)?);
        let header = Header { version: VERSION, setup: self.setup.clone() };
        let line = serde_json::to_string(&header).expect("the header serialises");
        writeln!(out, "{line}").map_err(fail)?;
        for r in self.new.lock().expect("no panic while holding it").iter() {
            let line = serde_json::to_string(r).expect("cache records serialise");
            writeln!(out, "{line}").map_err(fail)?;
        }
        out.flush().map_err(fail)?;
        drop(out);
        std::fs::rename(&tmp, self.dir.join(FILE)).map_err(fail)
    }
}
