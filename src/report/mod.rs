//! Reports: findings files and datasheets. Reads findings and summaries; never scans.

pub mod datasheet;
pub mod findings;

pub use findings::{FindingsFormat, FindingsSink, WriteError};
