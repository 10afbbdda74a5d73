//! Findings accepted on purpose: allowlist entries from `govscan.toml`, and a baseline of
//! findings known when the baseline was written. Neither stores a raw value: the baseline
//! holds detector, keyed fingerprint and path, as the findings file does.

use super::config::AllowEntry;
use crate::finding::Finding;
use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

/// The file `govscan baseline` writes by default.
pub const BASELINE_FILE: &str = ".govscan-baseline.json";

pub struct Allowlist {
    entries: Vec<(Option<GlobMatcher>, AllowEntry)>,
}

impl Allowlist {
    pub fn new(entries: &[AllowEntry]) -> Result<Allowlist, String> {
        let entries = entries
            .iter()
            .map(|e| {
                let glob = e.path.as_deref().map(|g| Glob::new(g).map(|g| g.compile_matcher())).transpose();
                glob.map(|g| (g, e.clone())).map_err(|err| err.to_string())
            })
            .collect::<Result<_, _>>()?;
        Ok(Allowlist { entries })
    }

    /// Why `f` is accepted, if an entry accepts it.
    pub fn accepts(&self, f: &Finding) -> Option<String> {
        self.entries.iter().find_map(|(glob, e)| {
            let path_ok = glob.as_ref().is_none_or(|g| g.is_match(normal(&f.path)));
            let detector_ok = e.detector.as_ref().is_none_or(|d| *d == f.detector);
            let fingerprint_ok = e.fingerprint.as_ref().is_none_or(|fp| fp.eq_ignore_ascii_case(&f.fingerprint));
            (path_ok && detector_ok && fingerprint_ok)
                .then(|| format!("allowlist: {}", e.reason.as_deref().unwrap_or("accepted in govscan.toml")))
        })
    }
}

/// A reported path as baselines and allowlists compare it: `./data/a.jsonl` (a scan of `.`)
/// and `data/a.jsonl` (a pre-commit hook given the file) are one file.
fn normal(path: &str) -> &str {
    let mut p = path;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p
}

/// Known findings, written by `govscan baseline`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub schema_version: u32,
    /// The fingerprint key's id: fingerprints under another key never match.
    pub key_id: String,
    pub findings: BTreeSet<Known>,
}

/// One known finding: no value, only where it was and its keyed fingerprint. Lines are kept for
/// the reader but not matched on, so an edit above a finding does not make it new.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Known {
    pub path: String,
    pub detector: String,
    pub fingerprint: String,
    pub line: u64,
}

impl Known {
    /// `f` as a baseline keeps it, at line 0 (the smallest, for range lookups).
    fn of(f: &Finding) -> Known {
        let (detector, fingerprint) = (f.detector.clone(), f.fingerprint.clone());
        Known { path: normal(&f.path).to_string(), detector, fingerprint, line: 0 }
    }
}

impl Baseline {
    pub fn new(key_id: &str) -> Baseline {
        Baseline { schema_version: 1, key_id: key_id.to_string(), findings: BTreeSet::new() }
    }

    pub fn add(&mut self, f: &Finding) {
        self.findings.insert(Known { line: f.line, ..Known::of(f) });
    }

    pub fn load(path: &Path, key_id: &str) -> Result<Baseline, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        let b: Baseline =
            serde_json::from_str(&text).map_err(|e| format!("{} is not a govscan baseline: {e}", path.display()))?;
        if b.key_id != key_id {
            return Err(format!(
                "baseline {} was written under fingerprint key {}, this scan uses {key_id}: its fingerprints cannot match (use the same GOVSCAN_KEY)",
                path.display(),
                b.key_id
            ));
        }
        Ok(b)
    }

    /// Whether `f` was known when the baseline was written (same path, detector and value).
    pub fn knows(&self, f: &Finding) -> bool {
        let probe = Known::of(f);
        self.findings
            .range(&probe..)
            .next()
            .is_some_and(|k| k.path == probe.path && k.detector == probe.detector && k.fingerprint == probe.fingerprint)
    }
}
