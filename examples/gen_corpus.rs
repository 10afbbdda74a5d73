//! Writes a generated benchmark corpus: mixed English and Traditional Chinese prose with
//! sparse planted values, deterministic for a given size and seed; or the same prose as
//! JSONL with `\uXXXX` escapes, as Python writes it.
//!
//!     cargo run --release --example gen_corpus -- prose OUT_FILE SIZE_MIB [PLANT_EVERY_LINES]
//!     cargo run --release --example gen_corpus -- jsonl OUT_FILE SIZE_MIB [PLANT_EVERY_LINES]
//!
//! For `jsonl`, SIZE_MIB is the size of the prose before escaping.

#[path = "../benches/support/corpus_gen.rs"]
mod corpus_gen;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 || !matches!(args[1].as_str(), "prose" | "jsonl") {
        eprintln!("usage: gen_corpus prose|jsonl OUT_FILE SIZE_MIB [PLANT_EVERY_LINES]");
        std::process::exit(2);
    }
    let mib: usize = args[3].parse().expect("SIZE_MIB is a whole number");
    let every: u64 = args.get(4).map_or(200, |v| v.parse().expect("PLANT_EVERY_LINES is a whole number"));
    let text = corpus_gen::prose(mib << 20, every, 42);
    let out = if args[1] == "jsonl" { corpus_gen::escaped_jsonl(&text) } else { text };
    std::fs::write(&args[2], out).expect("cannot write the output file");
}
