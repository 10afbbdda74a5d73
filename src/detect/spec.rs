//! Detector definitions as data: the schema of `patterns/*.toml`.
//!
//! A user can read every rule the scanner applies here and replace the set with `--patterns DIR`.
//! Code supplies only the validators a spec names and the engine that runs them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The built-in detector files, embedded so the binary works without the source tree.
const BUILTIN: &[(&str, &str)] = &[
    ("hkid.toml", include_str!("../../patterns/hkid.toml")),
    ("hk_phone.toml", include_str!("../../patterns/hk_phone.toml")),
    ("email.toml", include_str!("../../patterns/email.toml")),
    ("copyright_notice.toml", include_str!("../../patterns/copyright_notice.toml")),
    ("spdx_license.toml", include_str!("../../patterns/spdx_license.toml")),
    ("creative_commons.toml", include_str!("../../patterns/creative_commons.toml")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    PersonalData,
    Copyright,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::PersonalData => "personal data",
            Category::Copyright => "copyright",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorSpec {
    pub id: String,
    pub name: String,
    pub category: Category,
    /// The PDPO principle or copyright concern this detector's findings bear on.
    pub concern: String,
    #[serde(default)]
    pub description: String,
    /// Regex over folded text (see `fold.rs`). The reported span is the named group `v`,
    /// or the whole match if there is none; validators read the other named groups.
    pub pattern: String,
    /// Name of the validator in `validate.rs` that accepts or rejects a candidate.
    pub validator: String,
    /// Validator settings (number plans, known prefixes, …), interpreted by the validator.
    #[serde(default)]
    pub params: toml::Table,
    #[serde(default)]
    pub context: ContextSpec,
    pub confidence: ConfidenceSpec,
    /// Candidates scoring below this are dropped.
    #[serde(default)]
    pub min_confidence: f32,
    /// Report at most one finding of this detector per line (a notice followed by
    /// "All rights reserved" is one notice).
    #[serde(default)]
    pub one_per_line: bool,
    /// Detector ids whose findings take precedence: a finding of this detector that overlaps
    /// one of theirs is dropped.
    #[serde(default)]
    pub suppressed_by: Vec<String>,
    /// What a line must hold for this detector to have a candidate on it, checked on the raw
    /// bytes before any regex runs. Without it the detector runs on every line (correct, slow).
    #[serde(default)]
    pub prefilter: Option<PrefilterSpec>,
}

/// A cheap necessary condition for a match (see `prefilter.rs`). It must hold for every text
/// the pattern can match after folding; the prefilter tests check that it does.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrefilterSpec {
    /// Literals, matched ASCII case-insensitively. Their JSON `\uXXXX` forms, and any full-width
    /// letter (which folding turns into ASCII), are covered by the prefilter itself.
    #[serde(default)]
    pub literals: Vec<String>,
    /// A run of at least this many digits, ASCII or full-width.
    #[serde(default)]
    pub digits: Option<usize>,
    /// The digit run may be split once by a single separator (a space, a dash, any non-ASCII
    /// character), as in `9123 4567`.
    #[serde(default)]
    pub digit_gap: bool,
    /// The digit run follows a letter, as in `A123456` (a run split by a gap never qualifies).
    #[serde(default)]
    pub after_letter: bool,
    /// The only lengths a candidate's digits can take: a whole run, or two runs split by one
    /// space or dash, of one of these lengths (`[8, 11, 13]`: `9123 4567`, `85291234567`,
    /// `0085291234567`). A short ASCII text (a CSV cell) whose runs fit none is not a
    /// candidate, however long its runs (`3527320954`); longer texts are not measured. Only for
    /// a detector without literals.
    #[serde(default)]
    pub digit_lengths: Vec<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSpec {
    /// Keywords (any language); ASCII keywords match case-insensitively at word boundaries.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Characters searched on each side of a candidate (Purview uses 300).
    #[serde(default = "default_window")]
    pub window: usize,
    /// Words that, close to a candidate, make it something else (`Ref`, `Order`, `訂單`).
    #[serde(default)]
    pub negative: Vec<String>,
    /// Characters searched on each side for negative words.
    #[serde(default = "default_negative_window")]
    pub negative_window: usize,
}

impl Default for ContextSpec {
    fn default() -> Self {
        ContextSpec {
            keywords: Vec::new(),
            window: default_window(),
            negative: Vec::new(),
            negative_window: default_negative_window(),
        }
    }
}

fn default_window() -> usize {
    300
}

fn default_negative_window() -> usize {
    40
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfidenceSpec {
    pub base: f32,
    /// Added when a context keyword is within the window.
    #[serde(default)]
    pub context: f32,
    /// Added (usually negative) when a negative word is within the negative window.
    #[serde(default)]
    pub negative_context: f32,
    /// Named signals a validator may raise, with what each adds (or takes away).
    #[serde(default)]
    pub signals: BTreeMap<String, f32>,
    /// Literals without which a signal cannot be raised (`country_code = ["852"]`), one of
    /// which the folded text must hold. They let a text whose best score is below
    /// `min_confidence` skip the pattern (see `ceiling.rs`); a wrong list loses findings, and
    /// the engine's tests compare every built-in list against a scan without them.
    #[serde(default)]
    pub requires: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("cannot read pattern file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("pattern file {path}: {source}")]
    Parse { path: String, source: Box<toml::de::Error> },
    #[error("pattern directory {0} holds no *.toml detector files")]
    Empty(String),
    #[error("detector {id}: {msg}")]
    Invalid { id: String, msg: String },
}

pub fn builtin_specs() -> Result<Vec<DetectorSpec>, SpecError> {
    BUILTIN.iter().map(|(name, text)| parse(name, text)).collect()
}

/// Loads every `*.toml` in `dir`, in name order, replacing the built-in set.
pub fn load_dir(dir: &Path) -> Result<Vec<DetectorSpec>, SpecError> {
    let read_err = |source| SpecError::Read { path: dir.display().to_string(), source };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(read_err)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(SpecError::Empty(dir.display().to_string()));
    }
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .map_err(|source| SpecError::Read { path: p.display().to_string(), source })?;
            parse(&p.display().to_string(), &text)
        })
        .collect()
}

fn parse(path: &str, text: &str) -> Result<DetectorSpec, SpecError> {
    toml::from_str(text).map_err(|e| SpecError::Parse { path: path.to_string(), source: Box::new(e) })
}
