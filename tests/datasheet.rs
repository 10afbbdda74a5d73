//! The datasheet in its four forms: schema-valid JSON, reviewed golden files, a self-contained
//! HTML page, Croissant metadata, owner answers, and datasheets rebuilt from merged summaries.

mod common;
use common::*;
use std::path::Path;

fn scan(args: &[&str], out: &Path) {
    govscan().args(["scan", "-q", "--out"]).arg(out).args(args).assert().code(0);
}

fn schema() -> jsonschema::Validator {
    jsonschema::validator_for(&read_json(&manifest_dir().join("schemas/datasheet.schema.json"))).unwrap()
}

#[test]
fn sample_data_writes_four_forms_that_match_their_golden_files() {
    let out = tempfile::tempdir().unwrap();
    scan(&["sample_data"], out.path());
    for (written, golden) in [
        ("datasheet.md", "sample_data.datasheet.md"),
        ("datasheet.json", "sample_data.datasheet.json"),
        ("croissant.json", "sample_data.croissant.json"),
    ] {
        let got = std::fs::read_to_string(out.path().join(written)).unwrap();
        let path = manifest_dir().join("tests/golden").join(golden);
        if std::env::var_os("GOVSCAN_BLESS").is_some() {
            std::fs::write(&path, &got).unwrap();
        }
        assert_eq!(got, std::fs::read_to_string(&path).unwrap(), "{written} differs from {golden}");
    }
    assert!(out.path().join("datasheet.html").exists());
}

#[test]
fn datasheet_json_follows_its_schema_and_the_schema_can_say_no() {
    let out = tempfile::tempdir().unwrap();
    scan(&["sample_data"], out.path());
    let doc = read_json(&out.path().join("datasheet.json"));
    let v = schema();
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let mut broken = doc.clone();
    broken.as_object_mut().unwrap().remove("risk");
    assert!(!v.is_valid(&broken));
    let mut broken = doc;
    broken["personal_data"]["detectors"][0]["occurrences"] = serde_json::json!(-1);
    assert!(!v.is_valid(&broken));
}

#[test]
fn the_hugging_face_front_matter_describes_the_corpus() {
    let out = tempfile::tempdir().unwrap();
    scan(&["sample_data"], out.path());
    let md = std::fs::read_to_string(out.path().join("datasheet.md")).unwrap();
    let front = md.strip_prefix("---\n").unwrap().split("\n---\n").next().unwrap();
    for line in
        ["pretty_name: \"sample_data\"", "license: \"other\"", "language:\n- en\n- zh", "size_categories:\n- n<1K"]
    {
        assert!(front.contains(line), "{line:?} in {front}");
    }
}

#[test]
fn the_html_datasheet_is_one_self_contained_page_with_charts() {
    let out = tempfile::tempdir().unwrap();
    scan(&["sample_data"], out.path());
    let html = std::fs::read_to_string(out.path().join("datasheet.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg ").count(), 4, "personal data by type, by file, licence mix, scripts");
    assert!(html.contains("Hong Kong identity card number") && html.contains("<rect "));
    for external in ["<script", "<link", "<img", "src=", "@import", "url("] {
        assert!(!html.contains(external), "the page loads nothing: found {external}");
    }
    let refs: Vec<&str> = html.match_indices("http").map(|(i, _)| &html[i..(i + 30).min(html.len())]).collect();
    assert!(refs.iter().all(|r| r.starts_with("http://www.w3.org/2000/svg")), "{refs:?}");
}

#[test]
fn croissant_metadata_carries_the_responsible_ai_fields() {
    let out = tempfile::tempdir().unwrap();
    scan(&["sample_data"], out.path());
    let c = read_json(&out.path().join("croissant.json"));
    assert_eq!(c["@type"], "sc:Dataset");
    assert_eq!(c["conformsTo"], "http://mlcommons.org/croissant/1.0");
    let pii = c["rai:personalSensitiveInformation"].as_str().unwrap();
    assert!(pii.contains("Hong Kong identity card number: 35 occurrences"), "{pii}");
    assert!(c["rai:dataCollection"].as_str().unwrap().starts_with("Open"));
    assert!(c["license"].as_array().unwrap().iter().any(|l| l == "CC-BY-NC-SA-4.0"));
}

#[test]
fn owner_answers_fill_the_datasheet_and_leave_the_rest_open() {
    let corpus = tempfile::tempdir().unwrap();
    std::fs::write(corpus.path().join("a.txt"), "HKID A123456(3), tel 9123 4567\n").unwrap();
    govscan().args(["init"]).arg(corpus.path()).assert().code(0);
    govscan().args(["init"]).arg(corpus.path()).assert().code(2);
    let template = std::fs::read_to_string(corpus.path().join("datasheet.toml")).unwrap();
    let answered = template
        .replace("# contact = \"Who answers", "contact = \"dpo@harbourvoices.example.org\"\n# was: Who answers")
        .replace("# name = \"Harbour Voices chat corpus\"", "name = \"Harbour Voices chats\"");
    std::fs::write(corpus.path().join("datasheet.toml"), answered).unwrap();
    let out = tempfile::tempdir().unwrap();
    scan(&[corpus.path().to_str().unwrap()], out.path());
    let doc = read_json(&out.path().join("datasheet.json"));
    assert_eq!(doc["title"], "Harbour Voices chats");
    assert_eq!(doc["answers"]["maintenance"]["contact"], "dpo@harbourvoices.example.org");
    let open: Vec<&str> = doc["open_items"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(open.iter().all(|o| !o.starts_with("DPP5")), "{open:?}");
    assert!(open.iter().any(|o| o.starts_with("DPP3")));
    assert!(schema().is_valid(&doc));
    std::fs::write(corpus.path().join("datasheet.toml"), "[maintenance]\ncontcat = \"x\"\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    let bad = govscan().args(["scan", "-q", "--out"]).arg(out.path()).arg(corpus.path()).assert().code(2);
    assert!(String::from_utf8_lossy(&bad.get_output().stderr).contains("contcat"));
    // The scan's counts are kept even so; only the datasheet waits for a good answers file.
    assert!(read_json(&out.path().join("summary.json"))["files"]["scanned"].as_u64() > Some(0));
}

/// Summaries of separate runs over parts of a corpus merge into the datasheet of one run over
/// the whole.
#[test]
fn a_datasheet_from_merged_summaries_equals_one_from_a_single_run() {
    let parts = ["sample_data/notes", "sample_data/zh", "sample_data/chat", "sample_data/records"];
    let whole = tempfile::tempdir().unwrap();
    govscan().args(["scan", "-q", "--title", "harbour", "--out"]).arg(whole.path()).args(parts).assert().code(0);
    let mut summaries = Vec::new();
    let dirs: Vec<_> = parts.iter().map(|_| tempfile::tempdir().unwrap()).collect();
    for (part, dir) in parts.iter().zip(&dirs) {
        scan(&[part], dir.path());
        summaries.push(dir.path().join("summary.json"));
    }
    let merged = tempfile::tempdir().unwrap();
    summaries.reverse();
    govscan().args(["datasheet", "--title", "harbour", "--out"]).arg(merged.path()).args(&summaries).assert().code(0);
    for form in ["datasheet.md", "datasheet.json", "datasheet.html", "croissant.json", "summary.json"] {
        let a = std::fs::read_to_string(whole.path().join(form)).unwrap();
        let b = std::fs::read_to_string(merged.path().join(form)).unwrap();
        assert_eq!(a, b, "{form}");
    }
    let other_key = tempfile::tempdir().unwrap();
    govscan()
        .env("GOVSCAN_KEY", "ff".repeat(32))
        .args(["scan", "-q", "--out"])
        .arg(other_key.path())
        .arg("sample_data/zh")
        .assert()
        .code(0);
    let mixed = govscan()
        .args(["datasheet", "--out"])
        .arg(merged.path())
        .arg(&summaries[0])
        .arg(other_key.path().join("summary.json"))
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&mixed.get_output().stderr).contains("different fingerprint keys"));
}
