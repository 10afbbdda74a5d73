//! `govscan.toml`: what a team's scan runs and what fails it. Every key is known; an unknown
//! key, a bad rule or an unknown detector is an error that names the key and its line.

use super::rules::Rule;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The name looked for in the scanned root.
pub const FILE_NAME: &str = "govscan.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub detectors: DetectorsConfig,
    #[serde(default)]
    pub paths: PathsConfig,
    #[serde(default)]
    pub fail: FailConfig,
    #[serde(default)]
    pub allow: Vec<AllowEntry>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorsConfig {
    /// Detector ids not to run.
    #[serde(default)]
    pub disable: Vec<Spanned<String>>,
    /// Findings below this confidence are dropped (on top of each detector's own minimum).
    #[serde(default)]
    pub min_confidence: Option<Spanned<f32>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathsConfig {
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailConfig {
    /// Rules (see `rules.rs`): the scan exits 1 when one is broken.
    #[serde(default)]
    pub on: Vec<Spanned<String>>,
}

/// Findings accepted on purpose: every field given must match.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowEntry {
    /// Glob over the path as reported (`docs/**`, `*.md`).
    pub path: Option<String>,
    pub detector: Option<String>,
    /// The finding's keyed fingerprint: accepts one value without writing it down.
    pub fingerprint: Option<String>,
    /// Why it is accepted; shown beside each finding it accepts.
    pub reason: Option<String>,
}

/// A config with its rules parsed and its detector ids checked.
#[derive(Debug, Default)]
pub struct Loaded {
    pub config: Config,
    pub rules: Vec<Rule>,
}

impl Config {
    /// `govscan.toml` in the first scanned folder, else in the current folder (where a
    /// pre-commit hook runs, given files), if there is one.
    pub fn find(paths: &[PathBuf]) -> Option<PathBuf> {
        find_beside(paths, FILE_NAME)
    }

    /// Reads and checks a config; `detectors` are the ids the engine knows.
    pub fn load(path: &Path, detectors: &[String]) -> Result<Loaded, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Config::parse(&text, detectors).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str, detectors: &[String]) -> Result<Loaded, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
        let at = |span: std::ops::Range<usize>| format!("line {}", line_of(text, span.start));
        for id in &config.detectors.disable {
            if !detectors.contains(id.get_ref()) {
                return Err(format!("{}: detectors.disable names unknown detector {:?}", at(id.span()), id.get_ref()));
            }
        }
        if let Some(min) = &config.detectors.min_confidence {
            if !(0.0..=1.0).contains(min.get_ref()) {
                return Err(format!("{}: detectors.min_confidence must be between 0 and 1", at(min.span())));
            }
        }
        let rules = config
            .fail
            .on
            .iter()
            .map(|r| {
                Rule::parse(r.get_ref(), detectors)
                    .map_err(|e| format!("{}: fail.on {:?}: {e}", at(r.span()), r.get_ref()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (i, entry) in config.allow.iter().enumerate() {
            let which = format!("allow entry {}", i + 1);
            if entry.path.is_none() && entry.detector.is_none() && entry.fingerprint.is_none() {
                return Err(format!(
                    "{which}: give a path, a detector or a fingerprint (an empty entry would allow everything)"
                ));
            }
            if let Some(d) = entry.detector.as_ref().filter(|d| !detectors.contains(d)) {
                return Err(format!("{which}: unknown detector {d:?}"));
            }
            if let Some(g) = &entry.path {
                globset::Glob::new(g).map_err(|e| format!("{which}: path {g:?}: {e}"))?;
            }
        }
        Ok(Loaded { config, rules })
    }
}

/// `name` in the first scanned folder, else in the current folder, if it is a file there.
pub fn find_beside(paths: &[PathBuf], name: &str) -> Option<PathBuf> {
    let in_root = paths.first().filter(|p| p.is_dir()).map(|d| d.join(name));
    in_root.into_iter().chain([PathBuf::from(name)]).find(|p| p.is_file())
}

/// The 1-based line of byte `pos` in `text`.
fn line_of(text: &str, pos: usize) -> usize {
    text.as_bytes()[..pos.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// What `govscan init` writes: every key, commented, with its default.
pub const TEMPLATE: &str = r#"# govscan.toml: what `govscan scan` runs in this repository and what fails the build.
# Found in the scanned folder, or given with --config FILE. Unknown keys are errors.

[detectors]
# Detector ids not to run (see patterns/ or `govscan scan --help`):
# hkid, hk_phone, email, copyright_notice, spdx_license, creative_commons.
disable = []
# Drop findings below this confidence (0 to 1), on top of each detector's own minimum.
# min_confidence = 0.65

[paths]
# Globs over paths; `*.jsonl` matches at any depth. Added to --include / --exclude.
include = []
exclude = []

[fail]
# The scan exits 1 when any rule is broken (also --fail-on RULE):
#   "hkid"               any HKID number
#   "hk_phone>10"        more than 10 phone numbers
#   "hk_phone>10/1000"   more than 10 phone numbers per 1,000 records
#   "personal_data"      any personal data (or "copyright" for any notice or licence)
#   "licence:nc"         any licence with a NonCommercial term (also licence:nd, licence:sa)
#   "any"                any finding at all
# Findings that an [[allow]] entry or the baseline accepts never break a rule.
on = []

# Accepted findings. Every field given must match; give at least one.
# [[allow]]
# path = "docs/**"                                # a glob over the reported path
# detector = "hk_phone"
# fingerprint = "0123456789abcdef0123456789abcdef" # from findings.jsonl; the value is never written
# reason = "the office's public enquiry line"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<String> {
        ["hkid", "hk_phone", "creative_commons"].map(String::from).to_vec()
    }

    #[test]
    fn the_template_is_a_valid_config_of_defaults() {
        let loaded = Config::parse(TEMPLATE, &ids()).unwrap();
        assert!(loaded.rules.is_empty() && loaded.config.allow.is_empty());
        assert!(loaded.config.detectors.disable.is_empty() && loaded.config.detectors.min_confidence.is_none());
    }

    #[test]
    fn errors_name_the_key_and_the_line() {
        let err = Config::parse("[fail]\non = []\n\n[detectors]\ndisabled = [\"hkid\"]\n", &ids()).unwrap_err();
        assert!(err.contains("line 5") && err.contains("disabled"), "{err}");
        let err = Config::parse("[fail]\non = [\n  \"hkid\",\n  \"hk_phone>>3\",\n]\n", &ids()).unwrap_err();
        assert!(err.contains("line 4") && err.contains("hk_phone>>3"), "{err}");
        let err = Config::parse("[detectors]\n\ndisable = [\"passport\"]\n", &ids()).unwrap_err();
        assert!(err.contains("line 3") && err.contains("passport"), "{err}");
        let err = Config::parse("[[allow]]\nreason = \"everything\"\n", &ids()).unwrap_err();
        assert!(err.contains("allow entry 1"), "{err}");
    }
}
