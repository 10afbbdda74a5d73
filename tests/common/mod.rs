//! Shared helpers for the integration tests: run the real binary with a fixed key.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// A fixed test key, so fingerprints are reproducible; never a key anyone uses.
pub const TEST_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

pub fn govscan() -> Command {
    let mut cmd = Command::cargo_bin("govscan").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).env("GOVSCAN_KEY", TEST_KEY).env_remove("GOVSCAN_KEY_FILE");
    cmd
}

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn read_findings(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out.join("findings.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
