//! Corpus: walking paths and opening files as bytes. Knows structure, nothing about personal data.

pub mod blocks;
pub mod open;
pub mod walk;

pub use open::{Compression, Format, Source};
pub use walk::{walk, Entry, WalkOptions};
