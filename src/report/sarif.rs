//! SARIF 2.1.0, the format code-scanning tools read: one rule per detector (with the PDPO
//! principle or copyright concern it bears on), one result per finding with its location,
//! masked value and keyed fingerprint (`partialFingerprints`, so a finding is tracked across
//! runs). Results are streamed, so memory stays flat however many findings there are.

use super::findings::{FindingsSink, WriteError};
use crate::detect::{Category, DetectorSpec};
use crate::finding::Finding;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};

/// The key of govscan's fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "govscanValue/v1";

pub struct SarifSink {
    out: BufWriter<File>,
    path: String,
    rules: BTreeMap<String, usize>,
    first: bool,
}

impl SarifSink {
    pub fn new(file: File, path: String, specs: &[&DetectorSpec]) -> Result<SarifSink, WriteError> {
        let mut sink = SarifSink { out: BufWriter::new(file), path, rules: BTreeMap::new(), first: true };
        let rules: Vec<Value> = specs.iter().map(|s| rule(s)).collect();
        sink.rules = specs.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect();
        let tool = json!({"driver": {
            "name": "govscan",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": "https://github.com/govscan/govscan",
            "rules": rules,
        }});
        // Everything up to the results array, which results are streamed into.
        let head = format!(
            "{{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{{\"tool\":{},\"columnKind\":\"unicodeCodePoints\",\"results\":[",
            serde_json::to_string(&tool).expect("a JSON value serialises")
        );
        sink.write_raw(head.as_bytes())?;
        Ok(sink)
    }

    fn write_raw(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        self.out.write_all(bytes).map_err(|source| WriteError::Io { path: self.path.clone(), source })
    }
}

impl FindingsSink for SarifSink {
    fn write(&mut self, findings: &[Finding]) -> Result<(), WriteError> {
        for f in findings {
            let index = self.rules.get(&f.detector).copied();
            let text = serde_json::to_string(&result(f, index)).expect("a JSON value serialises");
            let sep: &[u8] = if self.first { b"\n" } else { b",\n" };
            self.first = false;
            self.write_raw(sep)?;
            self.write_raw(text.as_bytes())?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), WriteError> {
        self.write_raw(b"\n]}]}\n")?;
        self.out.flush().map_err(|source| WriteError::Io { path: self.path.clone(), source })
    }
}

fn level(category: Category) -> &'static str {
    match category {
        Category::PersonalData => "warning",
        Category::Copyright => "note",
    }
}

fn rule(spec: &DetectorSpec) -> Value {
    let law = match spec.category {
        Category::PersonalData => "Personal Data (Privacy) Ordinance (Cap. 486)",
        Category::Copyright => "Copyright Ordinance (Cap. 528)",
    };
    json!({
        "id": spec.id,
        "name": spec.name.split_whitespace().map(capitalised).collect::<String>(),
        "shortDescription": {"text": spec.name},
        "fullDescription": {"text": if spec.description.is_empty() { &spec.name } else { &spec.description }},
        "help": {"text": format!("{law}: {}.", spec.concern)},
        "defaultConfiguration": {"level": level(spec.category)},
        "properties": {"category": spec.category.label(), "tags": [spec.category.label(), law]},
    })
}

fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn result(f: &Finding, rule_index: Option<usize>) -> Value {
    let mut region = json!({"startLine": f.line.max(1)});
    if let Some(col) = f.column {
        region["startColumn"] = json!(col);
    }
    let place = match (&f.field, f.record) {
        (Some(field), Some(record)) => format!(" in field {field} of record {record}"),
        _ => String::new(),
    };
    let mut r = json!({
        "ruleId": f.detector,
        "level": level(f.category),
        "message": {"text": format!("{}{place}: {} (confidence {:.2})", f.detector, f.masked, f.confidence)},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri(&f.path)},
            "region": region,
        }}],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {"confidence": (f64::from(f.confidence) * 100.0).round() / 100.0, "category": f.category.label()},
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if let Some(why) = &f.suppressed {
        r["suppressions"] = json!([{"kind": "external", "justification": why}]);
    }
    r
}

/// A path as a relative URI reference: `/`-separated, no leading `./`, reserved characters
/// percent-encoded.
pub fn uri(path: &str) -> String {
    let path = path.strip_prefix("./").unwrap_or(path);
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

/// A GitHub Actions workflow command that shows `f` as an annotation on its file and line.
pub fn github_annotation(f: &Finding) -> String {
    let prop = |s: &str| {
        s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A").replace(':', "%3A").replace(',', "%2C")
    };
    let data = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let col = f.column.map(|c| format!(",col={c}")).unwrap_or_default();
    let kind = if f.category == Category::PersonalData { "warning" } else { "notice" };
    format!(
        "::{kind} file={},line={}{col},title={}::{}",
        prop(&f.path),
        f.line.max(1),
        prop(&format!("govscan {}", f.detector)),
        data(&format!("{} (confidence {:.2}, fingerprint {})", f.masked, f.confidence, f.fingerprint))
    )
}
