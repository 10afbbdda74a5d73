//! Writes a generated benchmark corpus: mixed English and Traditional Chinese prose with
//! sparse planted values, deterministic for a given size and seed.
//!
//!     cargo run --release --example gen_corpus -- OUT_FILE SIZE_MIB [PLANT_EVERY_LINES]

#[path = "../benches/support/corpus_gen.rs"]
mod corpus_gen;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: gen_corpus OUT_FILE SIZE_MIB [PLANT_EVERY_LINES]");
        std::process::exit(2);
    }
    let mib: usize = args[2].parse().expect("SIZE_MIB is a whole number");
    let every: u64 = args.get(3).map_or(200, |v| v.parse().expect("PLANT_EVERY_LINES is a whole number"));
    let text = corpus_gen::prose(mib << 20, every, 42);
    std::fs::write(&args[1], text).expect("cannot write the output file");
}
