//! The datasheet as data: every form (Markdown, JSON, HTML, Croissant) renders this, and this
//! is built from a `Summary` and the owner's `Answers` only, never from raw findings, so no
//! form can hold what the summary does not (and the summary holds no raw value).

use super::answers::Answers;
use crate::corpus::script::ScriptCounts;
use crate::detect::Category;
use crate::finding::Level;
use crate::summary::{DetectorSummary, FileIssue, Summary};
use serde::Serialize;

/// Version of the `datasheet.json` layout; `schemas/datasheet.schema.json` describes it.
pub const SCHEMA_VERSION: &str = "1.0";
/// Files and fields listed per detector.
const TOP: usize = 5;

#[derive(Debug, Clone, Serialize)]
pub struct Datasheet {
    pub schema_version: &'static str,
    pub generator: String,
    pub title: String,
    /// Public id of the fingerprint key: distinct counts compare only under one key.
    pub key_id: String,
    pub answers: Answers,
    pub composition: Composition,
    pub personal_data: PersonalData,
    pub pdpo: Vec<Principle>,
    pub copyright: Copyright,
    pub risk: Risk,
    /// Questions the scan cannot answer and `datasheet.toml` did not.
    pub open_items: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Composition {
    pub files_scanned: u64,
    pub files_skipped: u64,
    pub files_failed: u64,
    pub bytes: u64,
    pub stored_bytes: u64,
    pub lines: u64,
    pub records: u64,
    pub malformed_records: u64,
    pub cut_lines: u64,
    pub files_with_invalid_utf8: u64,
    pub formats: Vec<Count>,
    pub compression: Vec<Count>,
    pub encodings: Vec<Count>,
    pub scripts: Scripts,
    pub skipped: Vec<FileIssue>,
    pub failed: Vec<FileIssue>,
    pub duplicates: Duplicates,
}

#[derive(Debug, Clone, Serialize)]
pub struct Count {
    pub name: String,
    pub count: u64,
}

fn counts(map: &std::collections::BTreeMap<String, u64>) -> Vec<Count> {
    map.iter().map(|(name, &count)| Count { name: name.clone(), count }).collect()
}

/// Shares of letters, in percent (one decimal).
#[derive(Debug, Clone, Serialize)]
pub struct Scripts {
    pub letters: u64,
    pub latin: f64,
    pub han_traditional: f64,
    pub han_simplified: f64,
    pub han_undetermined: f64,
    pub other: f64,
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

impl Scripts {
    /// Han text is split between Traditional and Simplified by the markers seen in it; Han
    /// text with no markers at all stays undetermined.
    fn from(c: &ScriptCounts) -> Scripts {
        let letters = c.letters();
        let markers = c.traditional_markers + c.simplified_markers;
        let (trad, simp, undetermined) = match (c.han * c.traditional_markers).checked_div(markers) {
            Some(trad) => (trad, c.han - trad, 0),
            None => (0, 0, c.han),
        };
        Scripts {
            letters,
            latin: percent(c.latin, letters),
            han_traditional: percent(trad, letters),
            han_simplified: percent(simp, letters),
            han_undetermined: percent(undetermined, letters),
            other: percent(c.other, letters),
        }
    }

    /// Hugging Face language codes the scripts suggest.
    pub fn languages(&self) -> Vec<&'static str> {
        let mut langs = Vec::new();
        if self.latin >= 1.0 {
            langs.push("en");
        }
        if self.han_traditional + self.han_simplified + self.han_undetermined >= 1.0 {
            langs.push("zh");
        }
        langs
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Duplicates {
    /// Groups of files with the same content.
    pub groups: u64,
    /// Files beyond the first of each group.
    pub redundant_files: u64,
    pub redundant_bytes: u64,
    pub examples: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonalData {
    pub detectors: Vec<DetectorReport>,
    /// Records holding several kinds of personal data together.
    pub co_occurring_records: u64,
    pub co_occurrence: Vec<Count>,
    /// Of those, records with an HKID beside another identifier.
    pub hkid_with_other: u64,
    pub co_occurrence_locations: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DetectorReport {
    pub id: String,
    pub name: String,
    pub concern: String,
    pub occurrences: u64,
    pub distinct_values: u64,
    pub records: u64,
    pub lines: u64,
    pub files: u64,
    /// Findings per 1,000 records (a line of plain text counts as a record).
    pub density_per_1000: f64,
    pub confidence: ConfidenceMix,
    pub masked_examples: Vec<String>,
    pub top_files: Vec<Count>,
    pub top_fields: Vec<Count>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfidenceMix {
    pub high: u64,
    pub medium: u64,
    pub low: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Principle {
    pub id: String,
    pub title: String,
    pub evidence: Vec<String>,
    /// Questions for the data owner, with the answer if `datasheet.toml` gave one.
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub question: String,
    pub answer: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Copyright {
    pub notices: u64,
    pub holders: Vec<Holder>,
    pub licences: Vec<Licence>,
    pub licence_references: u64,
    pub nc_references: u64,
    pub nd_references: u64,
    pub sa_references: u64,
    pub files_with_rights_signal: u64,
    pub files_without_rights_signal: u64,
    pub share_without_rights_signal: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Holder {
    pub holder: String,
    pub notices: u64,
    pub files: u64,
    pub years: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Licence {
    pub id: String,
    pub references: u64,
    pub files: u64,
    pub nc: bool,
    pub nd: bool,
    pub sa: bool,
}

/// The Hong Kong Generative AI Technical and Application Guideline's five governance
/// dimensions, each with what the scan shows, and a suggested tier for training use.
#[derive(Debug, Clone, Serialize)]
pub struct Risk {
    pub dimensions: Vec<Dimension>,
    pub tier: RiskTier,
    pub reasons: Vec<String>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dimension {
    pub name: &'static str,
    pub status: Status,
    pub evidence: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    ActionNeeded,
    Review,
    NoSignal,
    OutOfScope,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::ActionNeeded => "action needed",
            Status::Review => "review",
            Status::NoSignal => "no signal found",
            Status::OutOfScope => "not assessed by a corpus scan",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskTier {
    High,
    Limited,
    Low,
}

impl RiskTier {
    pub fn label(self) -> &'static str {
        match self {
            RiskTier::High => "high",
            RiskTier::Limited => "limited",
            RiskTier::Low => "low",
        }
    }
}

fn top(map: &std::collections::BTreeMap<String, u64>) -> Vec<Count> {
    let mut v: Vec<Count> = counts(map);
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    v.truncate(TOP);
    v
}

fn detector_report(id: &str, d: &DetectorSummary, units: u64) -> DetectorReport {
    let level = |l| d.confidence.get(&l).copied().unwrap_or(0);
    DetectorReport {
        id: id.to_string(),
        name: d.name.clone(),
        concern: d.concern.clone(),
        occurrences: d.occurrences,
        distinct_values: d.fingerprints.len() as u64,
        records: d.records,
        lines: d.lines,
        files: d.files,
        density_per_1000: if units == 0 {
            0.0
        } else {
            (d.occurrences as f64 * 1000.0 / units as f64 * 10.0).round() / 10.0
        },
        confidence: ConfidenceMix { high: level(Level::High), medium: level(Level::Medium), low: level(Level::Low) },
        masked_examples: d.examples.iter().cloned().collect(),
        top_files: top(&d.per_file),
        top_fields: top(&d.fields),
    }
}

fn occurrences(s: &Summary, id: &str) -> u64 {
    s.detectors.get(id).map_or(0, |d| d.occurrences)
}

fn q(question: &str, answer: &Option<String>) -> Question {
    Question { question: question.to_string(), answer: answer.clone() }
}

pub fn build(s: &Summary, answers: &Answers, title: &str) -> Datasheet {
    let composition = composition(s);
    let personal_data = personal_data(s);
    let copyright = copyright(s);
    let pdpo = pdpo(s, answers, &personal_data, &composition);
    let risk = risk(s, &personal_data, &copyright, &composition);
    let mut open_items: Vec<String> = pdpo
        .iter()
        .flat_map(|p| {
            p.questions.iter().filter(|q| q.answer.is_none()).map(move |q| format!("{}: {}", p.id, q.question))
        })
        .collect();
    let general = [
        ("Motivation: who created the dataset, and for which task?", &answers.motivation.creators),
        ("Uses: what must the dataset not be used for?", &answers.uses.prohibited),
        ("Distribution: who receives it, and under which terms?", &answers.distribution.how),
    ];
    open_items.extend(general.iter().filter(|(_, a)| a.is_none()).map(|(q, _)| q.to_string()));
    Datasheet {
        schema_version: SCHEMA_VERSION,
        generator: format!("govscan {}", env!("CARGO_PKG_VERSION")),
        title: answers.dataset.name.clone().unwrap_or_else(|| title.to_string()),
        key_id: s.key_id.clone(),
        answers: answers.clone(),
        composition,
        personal_data,
        pdpo,
        copyright,
        risk,
        open_items,
    }
}

fn composition(s: &Summary) -> Composition {
    let f = &s.files;
    let mut groups: Vec<_> = s.content.values().filter(|g| g.files > 1).collect();
    // The examples shown: the groups that waste most first, not the hash's arbitrary order.
    groups
        .sort_by(|a, b| ((b.files - 1) * b.bytes).cmp(&((a.files - 1) * a.bytes)).then_with(|| a.paths.cmp(&b.paths)));
    Composition {
        files_scanned: f.scanned,
        files_skipped: f.skipped,
        files_failed: f.failed,
        bytes: f.bytes,
        stored_bytes: f.stored_bytes,
        lines: f.lines,
        records: f.records,
        malformed_records: f.malformed_records,
        cut_lines: f.cut_lines,
        files_with_invalid_utf8: f.with_invalid_utf8,
        formats: counts(&s.formats),
        compression: counts(&s.compression),
        encodings: counts(&s.encodings),
        scripts: Scripts::from(&s.scripts),
        skipped: s.skipped.clone(),
        failed: s.failed.clone(),
        duplicates: Duplicates {
            groups: groups.len() as u64,
            redundant_files: groups.iter().map(|g| g.files - 1).sum(),
            redundant_bytes: groups.iter().map(|g| (g.files - 1) * g.bytes).sum(),
            examples: groups.iter().take(TOP).map(|g| g.paths.iter().cloned().collect()).collect(),
        },
    }
}

fn personal_data(s: &Summary) -> PersonalData {
    // Each line of a plain-text file counts as a record of its own.
    let units = s.files.records + s.files.text_lines;
    let detectors = s
        .detectors
        .iter()
        .filter(|(_, d)| d.category == Some(Category::PersonalData))
        .map(|(id, d)| detector_report(id, d, units))
        .collect();
    let co = &s.co_occurrence;
    PersonalData {
        detectors,
        co_occurring_records: co.by_kinds.values().sum(),
        co_occurrence: counts(&co.by_kinds),
        hkid_with_other: co.by_kinds.iter().filter(|(k, _)| k.split('+').any(|x| x == "hkid")).map(|(_, n)| n).sum(),
        co_occurrence_locations: co.locations.iter().cloned().collect(),
    }
}

fn copyright(s: &Summary) -> Copyright {
    let c = &s.copyright;
    let refs = |pick: fn(&crate::summary::LicenceSummary) -> bool| -> u64 {
        c.licences.values().filter(|l| pick(l)).map(|l| l.occurrences).sum()
    };
    let without = s.files.scanned.saturating_sub(s.files.with_rights_signal);
    Copyright {
        notices: occurrences(s, "copyright_notice"),
        holders: c
            .holders
            .iter()
            .map(|(holder, h)| Holder {
                holder: holder.clone(),
                notices: h.notices,
                files: h.files,
                years: h
                    .years
                    .map(|y| if y.from == y.to { y.from.to_string() } else { format!("{}–{}", y.from, y.to) }),
            })
            .collect(),
        licences: c
            .licences
            .iter()
            .map(|(id, l)| Licence {
                id: id.clone(),
                references: l.occurrences,
                files: l.files,
                nc: l.nc,
                nd: l.nd,
                sa: l.sa,
            })
            .collect(),
        licence_references: refs(|_| true),
        nc_references: refs(|l| l.nc),
        nd_references: refs(|l| l.nd),
        sa_references: refs(|l| l.sa),
        files_with_rights_signal: s.files.with_rights_signal,
        files_without_rights_signal: without,
        share_without_rights_signal: percent(without, s.files.scanned),
    }
}

fn pdpo(s: &Summary, a: &Answers, pd: &PersonalData, comp: &Composition) -> Vec<Principle> {
    let found: Vec<String> = pd
        .detectors
        .iter()
        .filter(|d| d.occurrences > 0)
        .map(|d| {
            format!(
                "{}: {} occurrences, {} distinct, {} per 1,000 records, in {} file(s)",
                d.name, d.occurrences, d.distinct_values, d.density_per_1000, d.files
            )
        })
        .collect();
    let none_found = || vec!["No personal data of the scanned types was found.".to_string()];
    let hkids = occurrences(s, "hkid");
    vec![
        Principle {
            id: "DPP1".into(),
            title: "Purpose and manner of collection".into(),
            evidence: if found.is_empty() { none_found() } else { found.clone() },
            questions: vec![
                q("For which lawful purpose, directly related to your activity, was the data collected?", &a.motivation.purpose),
                q("Is each kind of personal data found here necessary for that purpose (not excessive)?", &a.collection.necessity),
                q("Were the people told the purpose and the recipients when it was collected?", &a.collection.notice),
            ],
        },
        Principle {
            id: "DPP2".into(),
            title: "Accuracy and duration of retention".into(),
            evidence: vec![
                format!("{} group(s) of duplicate files ({} redundant file(s)).", comp.duplicates.groups, comp.duplicates.redundant_files),
                format!("{} malformed record(s); {} file(s) could not be scanned to the end.", comp.malformed_records, comp.files_failed),
            ],
            questions: vec![q("How long is the data kept, and when is it erased?", &a.maintenance.retention)],
        },
        Principle {
            id: "DPP3".into(),
            title: "Use of personal data".into(),
            evidence: vec![if found.is_empty() {
                "No personal data found: training use raises no DPP3 question for the scanned types.".into()
            } else {
                "Personal data is present: training a model is a new purpose unless it is directly related to the original one.".into()
            }],
            questions: vec![
                q("Did the people give express, voluntary consent to this use (or does an exemption such as s.62 apply)?", &a.collection.consent),
                q("Where did the data come from (direct, third party, scraped)?", &a.collection.sources),
            ],
        },
        Principle {
            id: "DPP4".into(),
            title: "Security of personal data".into(),
            evidence: vec![
                format!("{hkids} HKID number(s) in clear text."),
                format!(
                    "{} record(s) hold several identifiers together, {} of them an HKID beside another identifier (Code of Practice 2.7; s.64 doxxing).",
                    pd.co_occurring_records, pd.hkid_with_other
                ),
                "Reports show masked values and keyed fingerprints only.".into(),
            ],
            questions: vec![q("How is the data protected, and how is personal data masked or removed before training?", &a.preprocessing.redaction)],
        },
        Principle {
            id: "DPP5".into(),
            title: "Openness".into(),
            evidence: vec!["This datasheet states the kinds of personal data held and where.".into()],
            questions: vec![q("Who is the contact for this dataset, and where is the privacy policy?", &a.maintenance.contact)],
        },
        Principle {
            id: "DPP6".into(),
            title: "Data access and correction".into(),
            evidence: vec![format!(
                "Values are fingerprinted with a keyed hash (key id {}): a person's identifier can be located without storing it.",
                s.key_id
            )],
            questions: vec![
                q("How are access and correction requests handled?", &a.maintenance.access_requests),
                q("How is one person's data found and erased on request?", &a.maintenance.erasure),
            ],
        },
    ]
}

fn risk(s: &Summary, pd: &PersonalData, c: &Copyright, comp: &Composition) -> Risk {
    let hkids = occurrences(s, "hkid");
    let contacts = occurrences(s, "hk_phone") + occurrences(s, "email");
    let privacy = if hkids > 0 || pd.co_occurring_records > 0 {
        (
            Status::ActionNeeded,
            format!("{hkids} HKID number(s); {} record(s) with several identifiers together.", pd.co_occurring_records),
        )
    } else if contacts > 0 {
        (Status::Review, format!("{contacts} phone number(s) and e-mail address(es)."))
    } else {
        (Status::NoSignal, "No personal data of the scanned types.".into())
    };
    let ip = if c.nc_references + c.nd_references > 0 || !c.holders.is_empty() {
        (
            Status::ActionNeeded,
            format!(
                "{} copyright holder(s); {} NC and {} ND licence reference(s).",
                c.holders.len(),
                c.nc_references,
                c.nd_references
            ),
        )
    } else if c.files_without_rights_signal > 0 {
        (
            Status::Review,
            format!(
                "{}% of files carry no licence or notice: their rights come from their source.",
                c.share_without_rights_signal
            ),
        )
    } else {
        (Status::NoSignal, "Every file carries a licence or notice without restrictions.".into())
    };
    let reliability = if comp.files_failed + comp.malformed_records + comp.duplicates.groups > 0 {
        (
            Status::Review,
            format!(
                "{} file(s) not fully scanned, {} malformed record(s), {} duplicate group(s).",
                comp.files_failed, comp.malformed_records, comp.duplicates.groups
            ),
        )
    } else {
        (Status::NoSignal, "Every file scanned; no malformed records or duplicates.".into())
    };
    let dimensions = vec![
        Dimension { name: "Personal data privacy", status: privacy.0, evidence: privacy.1 },
        Dimension { name: "Intellectual property", status: ip.0, evidence: ip.1 },
        Dimension {
            name: "Crime prevention",
            status: if pd.co_occurring_records > 0 { Status::ActionNeeded } else { Status::OutOfScope },
            evidence: if pd.co_occurring_records > 0 {
                "Records that combine identifiers could be used to dox a person (s.64).".into()
            } else {
                "A corpus scan cannot assess misuse of the trained model.".into()
            },
        },
        Dimension { name: "Reliability and trustworthiness", status: reliability.0, evidence: reliability.1 },
        Dimension {
            name: "System security",
            status: if hkids > 0 { Status::Review } else { Status::OutOfScope },
            evidence: if hkids > 0 {
                "The corpus holds HKIDs: store and move it under access control.".into()
            } else {
                "A corpus scan cannot assess the training system.".into()
            },
        },
    ];
    let mut reasons = Vec::new();
    let mut next_steps = Vec::new();
    if hkids > 0 {
        reasons.push(format!("{hkids} HKID number(s) in clear text"));
        next_steps.push("Remove or mask HKID numbers before training unless the purpose requires them (Code of Practice 2.3, DPP1, DPP4).".to_string());
    }
    if pd.co_occurring_records > 0 {
        reasons.push(format!("{} record(s) combine several identifiers", pd.co_occurring_records));
        next_steps.push("Remove the records that combine identifiers first (listed under Personal data): they are per-person dossiers (s.64).".to_string());
    }
    if contacts > 0 {
        reasons.push(format!("{contacts} contact detail(s)"));
        next_steps
            .push("Mask phone numbers and e-mail addresses unless the purpose needs them (DPP1, DPP3).".to_string());
    }
    if c.nc_references > 0 {
        reasons.push(format!("{} non-commercial licence reference(s)", c.nc_references));
        next_steps.push("License or exclude NC-licensed text before commercial training.".to_string());
    }
    if !c.holders.is_empty() {
        reasons.push(format!("{} copyright holder(s) with notices", c.holders.len()));
        next_steps.push("Record the source and licence of each holder's works, or exclude them: no TDM exception is in force in Hong Kong.".to_string());
    }
    if comp.files_failed + comp.files_skipped > 0 {
        next_steps.push("Look at the files that were not scanned: their contents are unknown, not clean.".to_string());
    }
    next_steps.push("Document the answers still open below (datasheet.toml).".to_string());
    let tier = if hkids > 0 || pd.co_occurring_records > 0 {
        RiskTier::High
    } else if contacts > 0 || c.nc_references + c.nd_references > 0 || !c.holders.is_empty() {
        RiskTier::Limited
    } else {
        RiskTier::Low
    };
    if reasons.is_empty() {
        reasons.push("no personal data and no restrictive licence found".into());
    }
    Risk { dimensions, tier, reasons, next_steps }
}
