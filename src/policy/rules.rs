//! Fail rules: `hkid`, `hk_phone>10`, `hk_phone>10/1000`, `personal_data`, `licence:nc`, `any`.
//! A rule is broken when the findings no allowlist entry or baseline accepts exceed it.

use crate::detect::{Category, Detail};
use crate::finding::Finding;
use std::collections::BTreeMap;

/// What a rule counts.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Any,
    Detector(String),
    Category(Category),
    /// Licences with this term: `nc`, `nd` or `sa`.
    Licence(Term),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    NonCommercial,
    NoDerivatives,
    ShareAlike,
}

/// A limit on a count: more than `more_than` findings, or more than that per `per` records.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub text: String,
    pub target: Target,
    pub more_than: f64,
    pub per: Option<u64>,
}

/// What the scan found that rules look at: counts of the findings not accepted.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub any: u64,
    pub detectors: BTreeMap<String, u64>,
    pub categories: BTreeMap<Category, u64>,
    pub licence_terms: BTreeMap<&'static str, u64>,
}

impl Tally {
    pub fn add(&mut self, f: &Finding) {
        self.any += 1;
        *self.detectors.entry(f.detector.clone()).or_default() += 1;
        *self.categories.entry(f.category).or_default() += 1;
        if let Detail::Licence { nc, nd, sa, .. } = &f.detail {
            for (yes, term) in [(nc, "nc"), (nd, "nd"), (sa, "sa")] {
                if *yes {
                    *self.licence_terms.entry(term).or_default() += 1;
                }
            }
        }
    }

    fn count(&self, target: &Target) -> u64 {
        match target {
            Target::Any => self.any,
            Target::Detector(id) => self.detectors.get(id).copied().unwrap_or(0),
            Target::Category(c) => self.categories.get(c).copied().unwrap_or(0),
            Target::Licence(t) => self.licence_terms.get(t.name()).copied().unwrap_or(0),
        }
    }
}

impl Term {
    fn name(self) -> &'static str {
        match self {
            Term::NonCommercial => "nc",
            Term::NoDerivatives => "nd",
            Term::ShareAlike => "sa",
        }
    }
}

/// A rule that was broken, with what was observed.
#[derive(Debug, Clone, PartialEq)]
pub struct Broken {
    pub rule: String,
    pub observed: String,
}

impl Rule {
    /// Parses a rule; `detectors` are the ids the engine runs.
    pub fn parse(text: &str, detectors: &[String]) -> Result<Rule, String> {
        let s = text.trim();
        let (name, limit) = match s.split_once('>') {
            Some((name, limit)) => (name.trim(), Some(limit.trim())),
            None => (s, None),
        };
        let target = match name {
            "any" => Target::Any,
            "personal_data" => Target::Category(Category::PersonalData),
            "copyright" => Target::Category(Category::Copyright),
            _ => match name.strip_prefix("licence:").or_else(|| name.strip_prefix("license:")) {
                Some("nc") => Target::Licence(Term::NonCommercial),
                Some("nd") => Target::Licence(Term::NoDerivatives),
                Some("sa") => Target::Licence(Term::ShareAlike),
                Some(other) => return Err(format!("unknown licence term {other:?} (nc, nd or sa)")),
                None if detectors.iter().any(|d| d == name) => Target::Detector(name.to_string()),
                None => {
                    return Err(format!(
                        "unknown detector or category {name:?} (one of: any, personal_data, copyright, licence:nc, {})",
                        detectors.join(", ")
                    ))
                }
            },
        };
        let (more_than, per) = match limit {
            None => (0.0, None),
            Some(limit) => {
                let (n, per) = match limit.split_once('/') {
                    Some((n, per)) => (n.trim(), Some(per.trim())),
                    None => (limit, None),
                };
                let n: f64 = n.parse().ok().filter(|n: &f64| n.is_finite() && *n >= 0.0).ok_or_else(|| {
                    format!("the limit {n:?} is not a number (write `{name}>10` or `{name}>10/1000`)")
                })?;
                let per = match per {
                    None => None,
                    Some(p) => Some(p.parse::<u64>().ok().filter(|&p| p > 0).ok_or_else(|| {
                        format!("{p:?} is not a record count (write `{name}>{n}/1000` for per 1,000 records)")
                    })?),
                };
                (n, per)
            }
        };
        Ok(Rule { text: s.to_string(), target, more_than, per })
    }

    /// Whether the tally breaks the rule, over `records` records scanned.
    pub fn check(&self, tally: &Tally, records: u64) -> Option<Broken> {
        let count = tally.count(&self.target);
        let (value, observed) = match self.per {
            None => (count as f64, format!("{count} finding(s)")),
            Some(per) => {
                let rate = count as f64 * per as f64 / records.max(1) as f64;
                (rate, format!("{count} finding(s) in {records} record(s): {rate:.2} per {per}"))
            }
        };
        (value > self.more_than).then(|| Broken { rule: self.text.clone(), observed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<String> {
        ["hkid", "hk_phone", "creative_commons"].map(String::from).to_vec()
    }

    fn finding(detector: &str, category: Category, detail: Detail) -> Finding {
        Finding::example("a", detector, category, "f", detail)
    }

    #[test]
    fn rules_parse_and_bad_ones_say_why() {
        let r = Rule::parse("hk_phone > 10/1000", &ids()).unwrap();
        assert_eq!((r.target, r.more_than, r.per), (Target::Detector("hk_phone".into()), 10.0, Some(1000)));
        assert_eq!(Rule::parse("licence:nc", &ids()).unwrap().target, Target::Licence(Term::NonCommercial));
        assert!(Rule::parse("passport", &ids()).unwrap_err().contains("unknown detector"));
        assert!(Rule::parse("hkid>lots", &ids()).unwrap_err().contains("not a number"));
        assert!(Rule::parse("hkid>1/0", &ids()).unwrap_err().contains("record count"));
        assert!(Rule::parse("licence:by", &ids()).unwrap_err().contains("licence term"));
    }

    #[test]
    fn limits_counts_and_rates_decide() {
        let mut tally = Tally::default();
        for _ in 0..3 {
            tally.add(&finding("hk_phone", Category::PersonalData, Detail::None));
        }
        let cc = Detail::Licence { id: "CC-BY-NC-4.0".into(), nc: true, nd: false, sa: false };
        tally.add(&finding("creative_commons", Category::Copyright, cc));
        let check = |rule: &str, records| Rule::parse(rule, &ids()).unwrap().check(&tally, records).is_some();
        assert!(check("hk_phone", 100) && check("hk_phone>2", 100) && !check("hk_phone>3", 100));
        assert!(!check("hkid", 100) && check("personal_data", 100) && check("copyright", 100));
        assert!(check("hk_phone>10/1000", 200) && !check("hk_phone>10/1000", 300));
        assert!(check("licence:nc", 1) && !check("licence:nd", 1));
    }
}
