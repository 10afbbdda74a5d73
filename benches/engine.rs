//! Detection engine throughput on a generated file of mixed English and Chinese prose with
//! sparse planted values: one thread, and all cores (chunked parallel scan of one file).
//!
//!     cargo bench --bench engine
//!     GOVSCAN_BENCH_MIB=64 cargo bench --bench engine   # a smaller file

#[path = "support/corpus_gen.rs"]
mod corpus_gen;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use govscan::corpus::Format;
use govscan::detect::Engine;
use govscan::key::FingerprintKey;
use govscan::scan::Scanner;
use govscan::summary::FileStats;

fn bench(c: &mut Criterion) {
    let mib: usize = std::env::var("GOVSCAN_BENCH_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    let text = corpus_gen::prose(mib << 20, 200, 42);
    let engine = Engine::builtin().unwrap();
    let key = FingerprintKey::from_bytes([9; 32], "bench");
    let scanner = Scanner::new(&engine, &key);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    for threads in [1, cores] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        group.bench_function(format!("prose-{mib}MiB/{threads}-thread"), |b| {
            b.iter(|| {
                let mut stats = FileStats::default();
                let found = pool.install(|| scanner.scan_buffer("bench", &text, Format::Text, &mut stats, &()));
                assert!(!found.is_empty());
                found.len()
            })
        });
    }
    group.finish();

    // The same content as escaped JSONL (as Python writes it): the decoding cost of records.
    // And a digit-dense CSV (many phone-shaped cells, few phones): the cost of table cells.
    let jsonl = corpus_gen::escaped_jsonl(&text);
    let csv = corpus_gen::digit_csv(text.len() / 4, 1000, 42);
    let mut group = c.benchmark_group("formats");
    group.sample_size(10);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let formats =
        [("text", &text, Format::Text), ("escaped-jsonl", &jsonl, Format::Jsonl), ("digit-csv", &csv, Format::Csv)];
    for (name, bytes, format) in formats {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("{name}-{}MiB/1-thread", bytes.len() >> 20), |b| {
            b.iter(|| {
                let mut stats = FileStats::default();
                let found = pool.install(|| scanner.scan_buffer("bench", bytes, format, &mut stats, &()));
                assert!(!found.is_empty());
                found.len()
            })
        });
    }
    // Tables are read row by row from the file, so this one goes through `scan_file`.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("txns.csv");
    std::fs::write(&path, &csv).unwrap();
    group.throughput(Throughput::Bytes(csv.len() as u64));
    group.bench_function(format!("digit-csv-{}MiB/1-thread", csv.len() >> 20), |b| {
        b.iter(|| {
            let result = pool.install(|| scanner.scan_file(&path, csv.len() as u64, &()));
            assert!(!result.findings.is_empty());
            result.findings.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
