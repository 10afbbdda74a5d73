//! Policy: what a team's CI decides from a scan. `govscan.toml` (config), fail rules (rules),
//! and the findings accepted on purpose (accept: allowlist and baseline). Reads findings; never
//! scans, never changes what the datasheet reports.

pub mod accept;
pub mod config;
pub mod rules;

use crate::finding::Finding;
use accept::{Allowlist, Baseline};
use rules::{Broken, Rule, Tally};

pub struct Policy {
    pub rules: Vec<Rule>,
    allow: Allowlist,
    baseline: Option<Baseline>,
    tally: Tally,
    /// Findings an allowlist entry or the baseline accepted.
    pub accepted: u64,
}

impl Policy {
    pub fn new(rules: Vec<Rule>, allow: Allowlist, baseline: Option<Baseline>) -> Policy {
        Policy { rules, allow, baseline, tally: Tally::default(), accepted: 0 }
    }

    /// Marks `f` as accepted if an allowlist entry or the baseline accepts it; counts it for
    /// the rules otherwise.
    pub fn judge(&mut self, f: &mut Finding) {
        f.suppressed = self
            .allow
            .accepts(f)
            .or_else(|| self.baseline.as_ref().is_some_and(|b| b.knows(f)).then(|| "baseline".to_string()));
        if f.suppressed.is_some() {
            self.accepted += 1;
        } else {
            self.tally.add(f);
        }
    }

    /// Findings that count for the rules (not accepted).
    pub fn new_findings(&self) -> u64 {
        self.tally.any
    }

    /// The rules broken, over `records` records scanned.
    pub fn broken(&self, records: u64) -> Vec<Broken> {
        self.rules.iter().filter_map(|r| r.check(&self.tally, records)).collect()
    }
}
