//! The scan of `sample_data/` against its reviewed expected findings (ScanCode-style golden
//! test: the corpus beside the result it must give).

mod common;
use common::*;

const GOLDEN: &str = "tests/golden/sample_data.findings.tsv";

/// One finding as a reviewable line: where (path, line, field of a record), what, how sure,
/// and the masked value.
fn line(f: &serde_json::Value) -> String {
    let field = f["field"].as_str().map(|x| format!("{x}:")).unwrap_or_default();
    format!(
        "{}:{}:{field}{}-{}\t{}\t{:.2}\t{}",
        f["path"].as_str().unwrap(),
        f["line"],
        f["start"],
        f["end"],
        f["detector"].as_str().unwrap(),
        f["confidence"].as_f64().unwrap(),
        f["masked"].as_str().unwrap()
    )
}

#[test]
fn sample_data_gives_exactly_the_expected_findings() {
    let out = tempfile::tempdir().unwrap();
    govscan().args(["scan", "sample_data", "--quiet", "--out"]).arg(out.path()).assert().code(0);
    let got: Vec<String> = read_findings(out.path()).iter().map(line).collect();
    let golden_path = manifest_dir().join(GOLDEN);
    if std::env::var_os("GOVSCAN_BLESS").is_some() {
        std::fs::write(&golden_path, got.join("\n") + "\n").unwrap();
    }
    let want: Vec<String> = std::fs::read_to_string(&golden_path).unwrap().lines().map(str::to_string).collect();
    let missing: Vec<_> = want.iter().filter(|w| !got.contains(w)).collect();
    let extra: Vec<_> = got.iter().filter(|g| !want.contains(g)).collect();
    assert!(missing.is_empty() && extra.is_empty(), "missing: {missing:#?}\nextra: {extra:#?}");
    assert_eq!(got, want, "same findings, different order");
}

#[test]
fn the_same_findings_whatever_the_thread_count() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    govscan().args(["scan", "sample_data", "-q", "-j", "1", "--out"]).arg(one.path()).assert().code(0);
    govscan().args(["scan", "sample_data", "-q", "-j", "4", "--out"]).arg(two.path()).assert().code(0);
    assert_eq!(read_findings(one.path()), read_findings(two.path()));
}

#[test]
fn the_binary_asset_is_listed_as_skipped_with_its_reason() {
    let out = tempfile::tempdir().unwrap();
    govscan().args(["scan", "sample_data", "-q", "--out"]).arg(out.path()).assert().code(0);
    let summary = read_json(&out.path().join("summary.json"));
    let skipped = summary["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["path"], "sample_data/assets/logo.bin");
    assert!(skipped[0]["reason"].as_str().unwrap().contains("binary"));
    let datasheet = std::fs::read_to_string(out.path().join("datasheet.md")).unwrap();
    assert!(datasheet.contains("sample_data/assets/logo.bin"));
}

/// (record, detector, fingerprint) of each finding in one file: records are JSONL lines, CSV
/// and Parquet rows, and lines of the plain-text copies.
type PerRecord = Vec<(u64, String, String)>;

#[test]
fn the_same_records_give_the_same_findings_in_every_format_and_encoding() {
    let out = tempfile::tempdir().unwrap();
    govscan().args(["scan", "sample_data/records", "-q", "--out"]).arg(out.path()).assert().code(0);
    let mut by_file: std::collections::BTreeMap<String, PerRecord> = Default::default();
    for f in read_findings(out.path()) {
        let record = f["record"].as_u64().unwrap_or_else(|| f["line"].as_u64().unwrap());
        let entry =
            (record, f["detector"].as_str().unwrap().to_string(), f["fingerprint"].as_str().unwrap().to_string());
        by_file.entry(f["path"].as_str().unwrap().to_string()).or_default().push(entry);
    }
    let names: Vec<&str> = by_file.keys().map(|p| p.rsplit('/').next().unwrap()).collect();
    assert_eq!(
        names,
        [
            "records.big5.txt",
            "records.csv",
            "records.csv.zst",
            "records.jsonl",
            "records.jsonl.gz",
            "records.jsonl.xz",
            "records.parquet",
            "records.txt.bz2",
            "records.utf16.txt"
        ]
    );
    let reference = by_file["sample_data/records/records.jsonl"].clone();
    let per_record = |r: u64| reference.iter().filter(|x| x.0 == r).map(|x| x.1.as_str()).collect::<Vec<_>>();
    assert_eq!(per_record(1), ["hkid", "hk_phone"]);
    assert_eq!(per_record(3), ["hkid"], "full-width HKID behind \\u escapes");
    assert!(per_record(6).is_empty(), "the record of hard negatives");
    assert_eq!(reference.len(), 12);
    for (path, mut got) in by_file {
        got.sort();
        let mut want = reference.clone();
        want.sort();
        assert_eq!(got, want, "{path}");
    }
    let summary = read_json(&out.path().join("summary.json"));
    let encodings = summary["encodings"].as_object().unwrap();
    for e in ["Big5-HKSCS", "UTF-16LE", "UTF-8"] {
        assert!(encodings.contains_key(e), "{e} in {encodings:?}");
    }
}
