//! The command line end to end: exit codes, bad input, output formats, and that no output
//! leaks a raw value.

mod common;
use common::*;
use std::io::Write;

/// Values planted in a corpus; none may appear in any output without --show-values.
const PLANTED: &[&str] = &[
    "A123456(3)",
    "A1234563",
    "9123 4567",
    "91234567",
    "chan.taiman@example.com.hk",
    "Ｃ６６８６６８（９）",
    "C6686689",
];

fn planted_corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.txt"),
        "HKID A123456(3), tel +852 9123 4567, mail chan.taiman@example.com.hk\n身份證Ｃ６６８６６８（９）\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("b.jsonl"), "{\"text\": \"WhatsApp 91234567\"}\n").unwrap();
    dir
}

fn all_output_bytes(out: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn no_output_holds_a_raw_value_unless_asked() {
    let corpus = planted_corpus();
    for format in ["jsonl", "csv", "parquet", "sarif"] {
        let out = tempfile::tempdir().unwrap();
        let assert =
            govscan().args(["scan", "--format", format, "--out"]).arg(out.path()).arg(corpus.path()).assert().code(0);
        let stderr = assert.get_output().stderr.clone();
        let mut outputs = all_output_bytes(out.path());
        outputs.push(("stderr".into(), stderr));
        assert!(outputs.len() >= 4, "{format}: findings, summary, datasheet and stderr");
        for (name, bytes) in &outputs {
            for v in PLANTED {
                assert!(!contains(bytes, v), "{format}: {name} leaks {v}");
            }
        }
    }
}

#[test]
fn show_values_puts_raw_values_in_findings_only() {
    let corpus = planted_corpus();
    let out = tempfile::tempdir().unwrap();
    govscan().args(["scan", "-q", "--show-values", "--out"]).arg(out.path()).arg(corpus.path()).assert().code(0);
    let findings = std::fs::read(out.path().join("findings.jsonl")).unwrap();
    assert!(contains(&findings, "A123456(3)"));
    assert!(contains(&findings, "Ｃ６６８６６８（９）"));
    for name in ["summary.json", "datasheet.md"] {
        let bytes = std::fs::read(out.path().join(name)).unwrap();
        assert!(!PLANTED.iter().any(|v| contains(&bytes, v)), "{name} leaks a value");
    }
}

#[test]
fn csv_and_parquet_hold_the_same_rows_as_jsonl() {
    let corpus = planted_corpus();
    let jsonl = tempfile::tempdir().unwrap();
    govscan().args(["scan", "-q", "--out"]).arg(jsonl.path()).arg(corpus.path()).assert().code(0);
    let n = read_findings(jsonl.path()).len();
    assert!(n >= 4);
    let csv = tempfile::tempdir().unwrap();
    govscan().args(["scan", "-q", "--format", "csv", "--out"]).arg(csv.path()).arg(corpus.path()).assert().code(0);
    let text = std::fs::read_to_string(csv.path().join("findings.csv")).unwrap();
    let mut lines = text.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("path,line,record,field,start,end,offset,detector,category,confidence,masked,fingerprint"));
    assert_eq!(lines.count(), n);
    let pq = tempfile::tempdir().unwrap();
    govscan().args(["scan", "-q", "--format", "parquet", "--out"]).arg(pq.path()).arg(corpus.path()).assert().code(0);
    let bytes = std::fs::read(pq.path().join("findings.parquet")).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
    use polars::prelude::*;
    let df = ParquetReader::new(std::io::Cursor::new(bytes)).finish().unwrap();
    assert_eq!(df.height(), n);
}

#[test]
fn bad_files_are_reported_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.txt"), "Tel: 9123 4567\n").unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&b"{\"text\": \"mail a.b@example.com\"}\n".repeat(5000)).unwrap();
    let gz = enc.finish().unwrap();
    std::fs::write(dir.path().join("truncated.jsonl.gz"), &gz[..gz.len() / 2]).unwrap();
    std::fs::write(dir.path().join("blob.dat"), [0u8, 1, 2, 3, 0, 255]).unwrap();
    std::fs::write(dir.path().join("empty.txt"), "").unwrap();
    let out = tempfile::tempdir().unwrap();
    let assert = govscan().args(["scan", "--out"]).arg(out.path()).arg(dir.path()).assert().code(3);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("truncated.jsonl.gz"), "{stderr}");
    let summary = read_json(&out.path().join("summary.json"));
    assert_eq!(summary["files"]["scanned"], 2, "good.txt and empty.txt");
    assert_eq!(summary["files"]["failed"], 1);
    assert_eq!(summary["files"]["skipped"], 1);
    assert!(summary["failed"][0]["reason"].as_str().unwrap().contains("gzip"));
    assert!(summary["skipped"][0]["reason"].as_str().unwrap().contains("binary"));
    let findings = read_findings(out.path());
    assert!(findings.iter().any(|f| f["path"].as_str().unwrap().ends_with("good.txt")));
    assert!(
        findings.iter().any(|f| f["path"].as_str().unwrap().ends_with("truncated.jsonl.gz")),
        "findings before the corruption are kept"
    );
}

#[test]
fn every_file_of_a_corpus_larger_than_a_walk_batch_is_scanned_once() {
    // The walk hands entries to the scanner in batches of 256: two whole ones and part of a
    // third, each file with one phone of its own.
    let dir = tempfile::tempdir().unwrap();
    let files = 600;
    for i in 0..files {
        let sub = dir.path().join(format!("d{}", i % 7));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("{i}.txt")), format!("Tel: 9{:03} {:04}\n", i / 10, 1000 + i)).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    govscan().args(["scan", "--quiet", "--out"]).arg(out.path()).arg(dir.path()).assert().code(0);
    let summary = read_json(&out.path().join("summary.json"));
    assert_eq!(summary["files"]["scanned"], files);
    let findings = read_findings(out.path());
    let mut paths: Vec<&str> = findings.iter().map(|f| f["path"].as_str().unwrap()).collect();
    paths.sort_unstable();
    paths.dedup();
    assert_eq!((findings.len(), paths.len()), (files, files), "one finding in each file, none twice");
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let a = govscan().args(["scan", "/no/such/path"]).assert().code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("/no/such/path"));
    govscan().args(["scan"]).assert().code(2);
    govscan().args(["scan", "--format", "xml", "sample_data"]).assert().code(2);
    govscan().args(["scan", "--threads", "0", "sample_data", "--out", "target/unused"]).assert().code(2);
}

#[test]
fn a_malformed_key_is_a_fatal_error_that_says_what_to_do() {
    let out = tempfile::tempdir().unwrap();
    let a =
        govscan().env("GOVSCAN_KEY", "short").args(["scan", "sample_data", "--out"]).arg(out.path()).assert().code(2);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("64 hexadecimal digits"));
}

#[test]
fn a_key_is_generated_once_in_the_config_dir_and_reused() {
    let home = tempfile::tempdir().unwrap();
    let corpus = planted_corpus();
    let run = |out: &std::path::Path| {
        govscan()
            .env_remove("GOVSCAN_KEY")
            .env("XDG_CONFIG_HOME", home.path())
            .args(["scan", "-q", "--out"])
            .arg(out)
            .arg(corpus.path())
            .assert()
            .code(0);
        read_findings(out).iter().map(|f| f["fingerprint"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert_eq!(run(a.path()), run(b.path()));
    assert!(home.path().join("govscan/fingerprint.key").exists());
    assert!(!all_output_bytes(a.path()).iter().any(|(_, bytes)| {
        let key = std::fs::read_to_string(home.path().join("govscan/fingerprint.key")).unwrap();
        contains(bytes, key.trim())
    }));
}

#[test]
fn the_report_folder_inside_the_corpus_is_not_scanned() {
    let corpus = planted_corpus();
    let out = corpus.path().join("report");
    for _ in 0..2 {
        govscan().args(["scan", "-q", "--show-values", "--out"]).arg(&out).arg(corpus.path()).assert().code(0);
    }
    let findings = read_findings(&out);
    assert!(findings.iter().all(|f| !f["path"].as_str().unwrap().contains("/report/")));
}

#[test]
fn user_patterns_replace_the_builtin_set() {
    let pats = tempfile::tempdir().unwrap();
    std::fs::write(
        pats.path().join("staff.toml"),
        r#"
id = "staff_id"
name = "Staff number"
category = "personal_data"
concern = "DPP1"
pattern = '(?P<v>STF-[0-9]{5})'
validator = "generic"
[confidence]
base = 0.9
"#,
    )
    .unwrap();
    let corpus = tempfile::tempdir().unwrap();
    std::fs::write(corpus.path().join("a.txt"), "STF-12345 and tel 9123 4567\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    govscan()
        .args(["scan", "-q", "--patterns"])
        .arg(pats.path())
        .arg("--out")
        .arg(out.path())
        .arg(corpus.path())
        .assert()
        .code(0);
    let found: Vec<_> = read_findings(out.path()).iter().map(|f| f["detector"].as_str().unwrap().to_string()).collect();
    assert_eq!(found, ["staff_id"]);
    assert_eq!(read_findings(out.path())[0]["masked"], "STF***");
    std::fs::write(pats.path().join("bad.toml"), "id = \"x\"\nunknown_key = 1\n").unwrap();
    let a = govscan().args(["scan", "--patterns"]).arg(pats.path()).arg(corpus.path()).assert().code(2);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("bad.toml"));
}

/// `text` as Python's `json.dumps` writes it: every non-ASCII character as a `\uXXXX` escape.
fn python_escaped(text: &str) -> String {
    text.encode_utf16().map(|u| if u < 0x80 { (u as u8 as char).to_string() } else { format!("\\u{u:04x}") }).collect()
}

#[test]
fn json_in_files_named_without_a_json_extension_is_read_as_json() {
    // A full-width HKID behind `\u` escapes is found only if the escapes are decoded, which the
    // plain-text path does not do.
    let record = format!("{{\"id\": 7, \"text\": \"{}\"}}\n", python_escaped("身份證號碼：Ｃ６６８６６８（９）"));
    let corpus = tempfile::tempdir().unwrap();
    std::fs::write(corpus.path().join("shard-00000"), &record).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(record.as_bytes()).unwrap();
    std::fs::write(corpus.path().join("shard-00001.gz"), gz.finish().unwrap()).unwrap();
    let pretty =
        format!("[\n  {{\n    \"text\": \"{}\"\n  }}\n]\n", python_escaped("身份證號碼：Ｃ６６８６６８（９）"));
    std::fs::write(corpus.path().join("export"), pretty).unwrap();
    std::fs::write(corpus.path().join("notes.txt"), "{ a brace, then prose: Ｃ６６８６６８（９）\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    govscan().args(["scan", "-q", "--out"]).arg(out.path()).arg(corpus.path()).assert().code(0);
    let mut found: Vec<String> = read_findings(out.path())
        .iter()
        .map(|f| {
            let name = f["path"].as_str().unwrap().rsplit('/').next().unwrap();
            format!("{name} {} {} {}", f["field"], f["detector"], f["masked"])
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            "export \"text\" \"hkid\" \"C668***(*)\"",
            "notes.txt null \"hkid\" \"C668***(*)\"",
            "shard-00000 \"text\" \"hkid\" \"C668***(*)\"",
            "shard-00001.gz \"text\" \"hkid\" \"C668***(*)\""
        ]
    );
    let summary = read_json(&out.path().join("summary.json"));
    assert_eq!(summary["formats"], serde_json::json!({"json": 1, "jsonl": 2, "text": 1}));
    assert_eq!(summary["files"]["records"], 2);
}
