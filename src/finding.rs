//! A finding: where a detector matched, how sure it is, and the value in a form safe to share.

use crate::detect::{Category, Detail};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Path as walked (relative to the working directory when the root was relative).
    pub path: String,
    /// 1-based line in the file (in the decoded stream for compressed or transcoded files);
    /// for CSV the line the row starts on, for Parquet the row number.
    pub line: u64,
    /// 1-based record of a structured file: JSONL line, CSV data row, Parquet row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    /// Field path (`messages[2].content`) or column name of the value the match is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Byte offsets of the match, end exclusive: within its line for text, within the decoded
    /// value when `field` is set.
    pub start: u64,
    pub end: u64,
    /// Byte offset from the start of the file (of the decoded stream for compressed or
    /// transcoded files): of the match for text, of the record for structured values.
    pub offset: u64,
    pub detector: String,
    pub category: Category,
    /// 0.0–1.0; see `Level` for the bands.
    pub confidence: f32,
    /// The value with its identifying part hidden (`A123***(*)`, `9123 ****`, `c***@example.com`).
    /// Copyright and licence findings are not personal data and show the notice itself.
    pub masked: String,
    /// Keyed BLAKE3 hash of the normalised value: equal values have equal fingerprints under
    /// one key, and nothing can be learned from it without the key.
    pub fingerprint: String,
    /// The raw matched text, only with `--show-values`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub detail: Detail,
    /// 1-based column (in characters) of the match in its line, for text; for code-scanning
    /// reports, not the findings file.
    #[serde(skip)]
    pub column: Option<u64>,
    /// Why the finding is accepted (`allowlist: …`, `baseline`), if it is: it then breaks no
    /// fail rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
}

#[cfg(test)]
impl Finding {
    /// A finding for tests of what consumes findings: line 1, confidence 0.9.
    pub fn example(path: &str, detector: &str, category: Category, fingerprint: &str, detail: Detail) -> Finding {
        Finding {
            path: path.into(),
            line: 1,
            record: None,
            field: None,
            start: 0,
            end: 1,
            offset: 0,
            detector: detector.into(),
            category,
            confidence: 0.9,
            masked: format!("{fingerprint}***"),
            fingerprint: fingerprint.into(),
            value: None,
            detail,
            column: None,
            suppressed: None,
        }
    }
}

fn is_none(d: &Detail) -> bool {
    *d == Detail::None
}

/// Confidence bands, as Presidio and Purview report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Low,
    Medium,
    High,
}

impl Level {
    pub fn of(confidence: f32) -> Level {
        if confidence >= 0.85 {
            Level::High
        } else if confidence >= 0.65 {
            Level::Medium
        } else {
            Level::Low
        }
    }
}
