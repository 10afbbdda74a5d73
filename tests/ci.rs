//! govscan in CI: policies and exit codes, SARIF, GitHub annotations, baselines, allowlists,
//! and the commands docs/ci.md tells teams to run.

mod common;

use common::{govscan, manifest_dir, read_findings, read_json};
use std::path::Path;

/// A small dataset repository: one record with an HKID and a phone, one with an e-mail.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(
        dir.path().join("data/a.jsonl"),
        "{\"text\": \"HKID A123456(3), Tel: 9123 4567\"}\n{\"text\": \"mail chan@example.com\"}\n",
    )
    .unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// Runs a scan of `repo` with the report in `out`; returns the exit code and stdout.
fn scan(repo: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let o = govscan().arg("scan").arg(repo).arg("--out").arg(out).args(extra).output().unwrap();
    (o.status.code().unwrap(), String::from_utf8(o.stdout).unwrap())
}

#[test]
fn each_exit_code_means_one_thing() {
    let repo = repo();
    let out = tempfile::tempdir().unwrap();
    // 0: scanned, no rule.
    assert_eq!(scan(repo.path(), out.path(), &["-q"]).0, 0);
    // 1: a rule broken.
    assert_eq!(scan(repo.path(), out.path(), &["-q", "--fail-on", "hkid"]).0, 1);
    // 2: usage or a bad config.
    assert_eq!(scan(repo.path(), out.path(), &["-q", "--fail-on", "passport"]).0, 2);
    // 3: a file could not be scanned (a truncated gzip), no rule broken.
    std::fs::write(repo.path().join("data/broken.jsonl.gz"), [0x1f, 0x8b, 0x08, 0x00, 0x00]).unwrap();
    assert_eq!(scan(repo.path(), out.path(), &["-q"]).0, 3);
    // A broken rule wins over an incomplete scan.
    assert_eq!(scan(repo.path(), out.path(), &["-q", "--fail-on", "hkid"]).0, 1);
}

#[test]
fn a_policy_in_govscan_toml_is_kept_or_broken() {
    let repo = repo();
    let out = tempfile::tempdir().unwrap();
    write(repo.path(), "govscan.toml", "[fail]\non = [\"hk_phone>1\", \"email>600/1000\"]\n");
    let (code, table) = scan(repo.path(), out.path(), &[]);
    assert_eq!(code, 0, "one phone is not more than one: {table}");
    assert!(table.contains("rule \"hk_phone>1\": ok"), "{table}");
    // One e-mail in two records is 500 per 1,000.
    let (code, table) = scan(repo.path(), out.path(), &["--fail-on", "email>400/1000"]);
    assert_eq!(code, 1, "{table}");
    assert!(table.contains("rule \"email>400/1000\": BROKEN"), "{table}");
    // A disabled detector finds nothing, so its rule holds.
    write(repo.path(), "govscan.toml", "[detectors]\ndisable = [\"hkid\"]\n[fail]\non = [\"hkid\"]\n");
    assert_eq!(scan(repo.path(), out.path(), &["-q"]).0, 0);
}

#[test]
fn a_bad_config_names_the_key_and_line() {
    let repo = repo();
    let out = tempfile::tempdir().unwrap();
    write(repo.path(), "govscan.toml", "[fail]\non = [\"hkid\"]\n\n[paths]\nexclud = [\"x\"]\n");
    let o = govscan().arg("scan").arg(repo.path()).arg("--out").arg(out.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("line 5") && err.contains("exclud"), "{err}");
}

#[test]
fn init_writes_a_govscan_toml_that_loads() {
    let repo = repo();
    govscan().arg("init").arg(repo.path()).assert().code(0);
    let text = std::fs::read_to_string(repo.path().join("govscan.toml")).unwrap();
    assert!(text.contains("[fail]") && text.contains("[[allow]]"));
    let out = tempfile::tempdir().unwrap();
    assert_eq!(scan(repo.path(), out.path(), &["-q"]).0, 0);
}

#[test]
fn a_baseline_hides_old_findings_and_a_new_one_fails() {
    let repo = repo();
    let out = tempfile::tempdir().unwrap();
    govscan().arg("baseline").arg(repo.path()).arg("--out").arg(out.path()).arg("-q").assert().code(0);
    let baseline = std::fs::read_to_string(repo.path().join(".govscan-baseline.json")).unwrap();
    for raw in ["A123456", "9123 4567", "chan@example.com"] {
        assert!(!baseline.contains(raw), "the baseline holds no value: {raw}");
    }
    // The same data again: everything is known, nothing breaks the rule.
    assert_eq!(scan(repo.path(), out.path(), &["-q", "--fail-on", "any"]).0, 0);
    assert!(read_findings(out.path()).iter().all(|f| f["suppressed"] == "baseline"));
    // A new phone number in a new line: it alone is new, and it fails the run.
    let a = repo.path().join("data/a.jsonl");
    let mut text = std::fs::read_to_string(&a).unwrap();
    text.push_str("{\"text\": \"WhatsApp 6123 4567\"}\n");
    std::fs::write(&a, text).unwrap();
    let (code, table) = scan(repo.path(), out.path(), &["--fail-on", "any"]);
    assert_eq!(code, 1, "{table}");
    let new: Vec<_> = read_findings(out.path()).into_iter().filter(|f| f["suppressed"].is_null()).collect();
    assert_eq!(new.len(), 1);
    assert_eq!((new[0]["detector"].as_str(), new[0]["line"].as_u64()), (Some("hk_phone"), Some(3)));
}

#[test]
fn an_allowlisted_fingerprint_is_accepted_without_writing_the_value() {
    let repo = repo();
    let out = tempfile::tempdir().unwrap();
    assert_eq!(scan(repo.path(), out.path(), &["-q", "--fail-on", "hk_phone"]).0, 1);
    let phone = read_findings(out.path()).into_iter().find(|f| f["detector"] == "hk_phone").unwrap();
    let fp = phone["fingerprint"].as_str().unwrap();
    let config = format!(
        "[fail]\non = [\"hk_phone\"]\n\n[[allow]]\ndetector = \"hk_phone\"\nfingerprint = \"{fp}\"\nreason = \"public enquiry line\"\n"
    );
    write(repo.path(), "govscan.toml", &config);
    assert_eq!(scan(repo.path(), out.path(), &["-q"]).0, 0);
    let phone = read_findings(out.path()).into_iter().find(|f| f["detector"] == "hk_phone").unwrap();
    assert_eq!(phone["suppressed"], "allowlist: public enquiry line");
    // The HKID is not allowlisted by the phone's entry.
    assert_eq!(scan(repo.path(), out.path(), &["-q", "--fail-on", "hkid"]).0, 1);
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let out = tempfile::tempdir().unwrap();
    govscan().args(["scan", "sample_data", "-q", "--format", "sarif", "--out"]).arg(out.path()).assert().code(0);
    let sarif = read_json(&out.path().join("findings.sarif"));
    let text = std::fs::read_to_string(manifest_dir().join("schemas/sarif-schema-2.1.0.json")).unwrap();
    // The published schema's `run.language` pattern has a lone `]`, a literal in ECMA-262 that
    // the validator's regex syntax rejects; escaping it keeps the meaning.
    let text = text.replace(r#"-[a-zA-Z]{2}]?$"#, r#"-[a-zA-Z]{2}\\]?$"#);
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&sarif).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    let jsonl = tempfile::tempdir().unwrap();
    govscan().args(["scan", "sample_data", "-q", "--out"]).arg(jsonl.path()).assert().code(0);
    assert_eq!(results.len(), read_findings(jsonl.path()).len(), "one result per finding");
    let hkid = results.iter().find(|r| r["ruleId"] == "hkid").unwrap();
    assert!(hkid["partialFingerprints"]["govscanValue/v1"].as_str().unwrap().len() == 32);
    assert!(hkid["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap() >= 1);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "hkid" && r["help"]["text"].as_str().unwrap().contains("Cap. 486")));
    // The schema is not a rubber stamp: a result without a message is rejected.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0].as_object_mut().unwrap().remove("message");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn github_format_prints_one_annotation_per_new_finding() {
    let repo = repo();
    let out = tempfile::tempdir().unwrap();
    let (code, stdout) = scan(repo.path(), out.path(), &["-q", "--format", "github"]);
    assert_eq!(code, 0);
    let annotations: Vec<&str> = stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), read_findings(out.path()).len());
    let hkid = annotations.iter().find(|a| a.contains("govscan hkid")).unwrap();
    assert!(hkid.starts_with("::warning file=") && hkid.contains(",line=1,"), "{hkid}");
    assert!(!stdout.contains("A123456"), "annotations show masked values only");
}

/// The commands docs/ci.md gives, run here as far as they run offline.
#[test]
fn the_documented_ci_commands_work() {
    let doc = std::fs::read_to_string(manifest_dir().join("docs/ci.md")).unwrap();
    let repo = repo();
    write(repo.path(), "govscan.toml", "[fail]\non = [\"hkid\"]\n");
    let out = repo.path().join("govscan-report");
    // GitHub Actions: SARIF for code scanning, the exit code for the check.
    assert!(doc.contains("govscan scan . --format sarif --out govscan-report"));
    let o = govscan()
        .current_dir(repo.path())
        .args(["scan", ".", "--format", "sarif", "--out", "govscan-report"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "the HKID breaks the rule");
    assert!(out.join("findings.sarif").is_file() && out.join("datasheet.md").is_file());
    // GitLab CI: annotations off, the plain table, the report kept as an artefact.
    assert!(doc.contains("govscan scan . --out govscan-report --cache"));
    let o =
        govscan().current_dir(repo.path()).args(["scan", ".", "--out", "govscan-report", "--cache"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8(o.stdout).unwrap().contains("rule \"hkid\": BROKEN"));
    // Accepting what is there today.
    assert!(doc.contains("govscan baseline . --out govscan-report"));
    govscan().current_dir(repo.path()).args(["baseline", ".", "--out", "govscan-report", "-q"]).assert().code(0);
    let o = govscan().current_dir(repo.path()).args(["scan", ".", "--out", "govscan-report", "-q"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    // The pre-commit hook's entry, given the staged files: the repository's govscan.toml
    // still applies (found in the current folder), the baseline too.
    let hooks = std::fs::read_to_string(manifest_dir().join(".pre-commit-hooks.yaml")).unwrap();
    assert!(hooks.contains("entry: govscan scan --quiet --out .govscan-report"), "{hooks}");
    let hook = ["scan", "--quiet", "--out", ".govscan-report", "data/a.jsonl"];
    govscan().current_dir(repo.path()).args(hook).assert().code(0);
    std::fs::remove_file(repo.path().join(".govscan-baseline.json")).unwrap();
    govscan().current_dir(repo.path()).args(hook).assert().code(1);
}

#[test]
fn a_cached_rerun_reuses_results_and_notices_a_changed_file() {
    let repo = repo();
    let out = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let o = govscan()
            .arg("scan")
            .arg(repo.path())
            .arg("--out")
            .arg(out.path())
            .arg("--cache")
            .arg(cache.path())
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
        let stderr = String::from_utf8(o.stderr).unwrap();
        let reused = stderr
            .lines()
            .find_map(|l| l.strip_prefix("govscan: ")?.split(" file(s) unchanged").next()?.parse::<u64>().ok());
        (reused.unwrap_or_else(|| panic!("{stderr}")), read_findings(out.path()))
    };
    let (reused, first) = run(&[]);
    assert_eq!(reused, 0);
    let (reused, second) = run(&[]);
    assert_eq!((reused, &second), (1, &first), "an unchanged file is taken from the cache, findings and all");

    // Same size, same modification time, other content: the cache cannot tell, and says so by
    // giving the old findings (this is what "reused" means).
    let a = repo.path().join("data/a.jsonl");
    let modified = std::fs::metadata(&a).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&a).unwrap().replace("9123 4567", "6123 4567");
    std::fs::write(&a, &text).unwrap();
    std::fs::File::options().write(true).open(&a).unwrap().set_modified(modified).unwrap();
    let (reused, third) = run(&[]);
    assert_eq!((reused, &third), (1, &first));

    // A new modification time: the file is scanned again and its new phone number found.
    let later = modified + std::time::Duration::from_secs(5);
    std::fs::File::options().write(true).open(&a).unwrap().set_modified(later).unwrap();
    let (reused, fourth) = run(&[]);
    assert_eq!(reused, 0);
    assert_ne!(fourth, first);
    assert!(fourth.iter().any(|f| f["masked"] == "6123 ****"));

    // Raw values never reach the cache.
    let mut cmd = govscan();
    cmd.arg("scan").arg(repo.path()).arg("--out").arg(out.path()).arg("--cache").arg(cache.path());
    assert_eq!(cmd.arg("--show-values").output().unwrap().status.code(), Some(2));

    // Another detector set invalidates the whole cache.
    let (reused, _) = run(&[]);
    assert_eq!(reused, 1);
    write(repo.path(), "govscan.toml", "[detectors]\ndisable = [\"email\"]\n");
    let (reused, fifth) = run(&[]);
    assert_eq!(reused, 0, "a changed detector set is a different setup");
    assert!(fifth.iter().all(|f| f["detector"] != "email"));
}
