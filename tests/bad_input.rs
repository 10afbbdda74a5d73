//! A scan over a corpus of bad files finishes, reports each file's status and reason, scans
//! every good file beside them, and says so in its exit code.

mod common;
use common::*;
use serde_json::Value;
use std::io::Write;
use std::path::Path;

fn copy_fixtures(to: &Path) {
    for entry in std::fs::read_dir(manifest_dir().join("tests/bad_input")).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().unwrap() != "README.md" {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

/// A gzip that inflates to 300 MiB from well under 2 MiB: 300 copies of one member.
fn write_bomb(path: &Path) {
    let line = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n";
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&line.repeat((1 << 20) / line.len())).unwrap();
    std::fs::write(path, enc.finish().unwrap().repeat(300)).unwrap();
}

fn issue<'a>(summary: &'a Value, list: &str, name: &str) -> Option<&'a str> {
    summary[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with(name))
        .map(|i| i["reason"].as_str().unwrap())
}

fn found_in<'a>(findings: &'a [Value], name: &str) -> Vec<&'a str> {
    findings
        .iter()
        .filter(|f| f["path"].as_str().unwrap().ends_with(name))
        .map(|f| f["detector"].as_str().unwrap())
        .collect()
}

#[test]
fn every_bad_file_is_reported_and_every_good_file_scanned() {
    let corpus = tempfile::tempdir().unwrap();
    copy_fixtures(corpus.path());
    write_bomb(&corpus.path().join("bomb.txt.gz"));
    #[cfg(unix)]
    {
        std::fs::create_dir(corpus.path().join("loop")).unwrap();
        std::os::unix::fs::symlink(corpus.path(), corpus.path().join("loop/back")).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let run =
        govscan().args(["scan", "--follow-symlinks", "--out"]).arg(out.path()).arg(corpus.path()).assert().code(3);
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    let summary = read_json(&out.path().join("summary.json"));
    let findings = read_findings(out.path());

    for name in ["truncated.jsonl.gz", "corrupt.jsonl.gz", "truncated.jsonl.zst", "corrupt.jsonl.zst"] {
        let reason = issue(&summary, "failed", name).unwrap_or_else(|| panic!("{name} is not listed as failed"));
        assert!(reason.contains("stream failed"), "{name}: {reason}");
        assert!(stderr.contains(name), "{name} is named on stderr");
    }
    for name in ["truncated.jsonl.gz", "truncated.jsonl.zst"] {
        assert!(!found_in(&findings, name).is_empty(), "{name}: findings before the damage are kept");
    }
    assert!(issue(&summary, "failed", "truncated.parquet").unwrap().contains("Parquet"));
    // Found by fuzzing: metadata that made the Parquet reader panic.
    assert!(issue(&summary, "failed", "corrupt_metadata.parquet").unwrap().contains("Parquet"));
    assert!(!stderr.contains("panicked"), "a caught reader panic is not printed: {stderr}");
    assert!(issue(&summary, "failed", "bomb.txt.gz").unwrap().contains("compression bomb"));
    assert!(issue(&summary, "skipped", "nul_bytes.dat").unwrap().contains("binary"));
    assert!(issue(&summary, "skipped", "pointer.jsonl").unwrap().contains("Git LFS"));
    #[cfg(unix)]
    assert!(issue(&summary, "skipped", "back").unwrap().contains("loop"));

    assert_eq!(found_in(&findings, "good.txt"), ["hk_phone"]);
    assert_eq!(found_in(&findings, "invalid_utf8.txt"), ["hk_phone", "email"], "values on both sides of bad bytes");
    assert_eq!(found_in(&findings, "deeply_nested.jsonl"), ["hkid"]);
    assert_eq!(found_in(&findings, "not_json.jsonl"), ["hk_phone", "hk_phone"]);
    assert!(found_in(&findings, "empty.txt").is_empty());

    let files = &summary["files"];
    assert_eq!(files["failed"], 7, "{files}");
    assert_eq!(files["skipped"], if cfg!(unix) { 3 } else { 2 }, "{files}");
    assert_eq!(files["scanned"], 5, "good, invalid_utf8, empty, deeply_nested, not_json: {files}");
    assert_eq!(files["with_invalid_utf8"], 1);
    // The 100,000-deep line and the broken line, plus whatever garbage the corrupt streams
    // decoded to before they failed.
    assert!(files["malformed_records"].as_u64().unwrap() >= 2, "{files}");
    let datasheet = std::fs::read_to_string(out.path().join("datasheet.md")).unwrap();
    for name in ["bomb.txt.gz", "truncated.parquet", "pointer.jsonl", "nul_bytes.dat"] {
        assert!(datasheet.contains(name), "the datasheet lists {name}");
    }
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_fails_with_its_reason() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("secret.txt");
    std::fs::write(&p, "Tel: 9123 4567").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&p).is_ok() {
        eprintln!("running as root: permissions do not stop reads, so nothing to test here");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    govscan().args(["scan", "-q", "--out"]).arg(out.path()).arg(dir.path()).assert().code(3);
    let summary = read_json(&out.path().join("summary.json"));
    assert!(issue(&summary, "failed", "secret.txt").unwrap().contains("ermission"));
}

/// A single 1 GiB line with values at both ends: scanned in pieces of bounded size, the
/// cuts counted and reported, the values found.
#[test]
fn a_one_gib_line_is_scanned_in_bounded_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one_line.txt");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        f.write_all(b"Tel: 9123 4567 ").unwrap();
        let filler = vec![b'x'; 1 << 20];
        for _ in 0..1024 {
            f.write_all(&filler).unwrap();
        }
        f.write_all(b" mail a.b@example.com\n").unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    govscan().args(["scan", "-q", "--out"]).arg(out.path()).arg(&path).assert().code(0);
    let summary = read_json(&out.path().join("summary.json"));
    assert_eq!(summary["files"]["lines"], 1);
    assert!(summary["files"]["cut_lines"].as_u64().unwrap() >= 15, "{}", summary["files"]);
    let found: Vec<String> =
        read_findings(out.path()).iter().map(|f| f["detector"].as_str().unwrap().to_string()).collect();
    assert_eq!(found, ["hk_phone", "email"]);
    let datasheet = std::fs::read_to_string(out.path().join("datasheet.md")).unwrap();
    assert!(datasheet.contains("Over-long lines scanned in pieces"));
}
