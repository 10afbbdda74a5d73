//! Every decoder through the real file path: compression sniffing and decoders (gzip, zstd,
//! bzip2, xz, nested), encoding detection and transcoding, JSONL, CSV, TSV and Parquet readers.
//! The first byte picks the file name (and so the format); the scan must return a status,
//! never panic.
#![no_main]

use govscan::corpus::open::OpenLimits;
use govscan::detect::Engine;
use govscan::key::FingerprintKey;
use govscan::scan::Scanner;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static ENGINE: OnceLock<Engine> = OnceLock::new();
const NAMES: [&str; 6] = ["a.txt", "a.jsonl", "a.csv", "a.tsv", "a.parquet", "a.json"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let engine = ENGINE.get_or_init(|| Engine::builtin().unwrap());
    let key = FingerprintKey::from_bytes([1; 32], "fuzz");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(NAMES[pick as usize % NAMES.len()]);
    std::fs::write(&path, body).unwrap();
    let mut scanner = Scanner::new(engine, &key);
    scanner.limits = OpenLimits { max_expansion: 50 };
    scanner.chunk = 1 + (pick as usize % 64);
    let result = scanner.scan_file(&path, body.len() as u64, &());
    for f in &result.findings {
        assert!(f.start < f.end);
    }
});
