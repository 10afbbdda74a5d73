//! Corpus: walking paths, opening files (compression, encodings, containers) and reading
//! records. Knows bytes and structure, nothing about personal data.

pub mod ascii;
pub mod blocks;
pub mod digest;
pub mod escapes;
pub mod mapguard;
pub mod open;
pub mod parquet;
pub mod records;
pub mod script;
pub mod skim;
pub mod walk;

pub use open::{Compression, Format, TextEncoding};
pub use walk::{walk, Entry, WalkOptions, Walker};
