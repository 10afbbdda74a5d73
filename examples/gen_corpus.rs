//! Writes a generated benchmark corpus, deterministic for a given size (seed 42):
//!
//!     gen_corpus prose OUT_FILE SIZE_MIB [PLANT_EVERY]   mixed English and Traditional Chinese prose
//!     gen_corpus jsonl OUT_FILE SIZE_MIB [PLANT_EVERY]   that prose as JSONL, `\uXXXX`-escaped as Python
//!                                                        writes it (SIZE_MIB is the size of the JSONL)
//!     gen_corpus csv   OUT_FILE SIZE_MIB [PLANT_EVERY]   a digit-dense transactions CSV
//!     gen_corpus many  OUT_DIR  SIZE_MIB [FILES]         FILES (20,000) small escaped JSONL files
//!
//! Values (HKIDs, phones, e-mails, notices) are planted in one line or row of PLANT_EVERY
//! (200 for prose, 1,000 for the CSV). Run with `cargo run --release --example gen_corpus -- ...`.

#[path = "../benches/support/corpus_gen.rs"]
mod corpus_gen;

use std::path::Path;

/// Escaped JSONL is about 1.6x the size of the prose it holds.
const JSONL_GROWTH: f64 = 1.6;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 || !matches!(args[1].as_str(), "prose" | "jsonl" | "csv" | "many") {
        eprintln!("usage: gen_corpus prose|jsonl|csv|many OUT SIZE_MIB [PLANT_EVERY|FILES]");
        std::process::exit(2);
    }
    let bytes = args[3].parse::<usize>().expect("SIZE_MIB is a whole number") << 20;
    let extra = |default: u64| args.get(4).map_or(default, |v| v.parse().expect("a whole number"));
    let out = Path::new(&args[2]);
    match args[1].as_str() {
        "prose" => write(out, &corpus_gen::prose(bytes, extra(200), 42)),
        "jsonl" => write(out, &jsonl(bytes, extra(200), 42)),
        "csv" => write(out, &corpus_gen::digit_csv(bytes, extra(1000), 42)),
        _ => {
            let files = extra(20_000) as usize;
            std::fs::create_dir_all(out).expect("cannot create the output folder");
            // Every file gets different prose (its own seed), in folders of 1,000 files.
            for i in 0..files {
                let dir = out.join(format!("shard-{:03}", i / 1000));
                if i % 1000 == 0 {
                    std::fs::create_dir_all(&dir).expect("cannot create a shard folder");
                }
                write(&dir.join(format!("part-{i:05}.jsonl")), &jsonl(bytes / files, 200, 42 + i as u64));
            }
        }
    }
}

/// Escaped JSONL of about `bytes`.
fn jsonl(bytes: usize, plant_every: u64, seed: u64) -> Vec<u8> {
    corpus_gen::escaped_jsonl(&corpus_gen::prose((bytes as f64 / JSONL_GROWTH) as usize, plant_every, seed))
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}
