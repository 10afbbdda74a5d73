//! Reports: findings files (JSON Lines, CSV, Parquet, SARIF) and datasheets. Reads findings and
//! summaries; never scans.

pub mod datasheet;
pub mod findings;
pub mod sarif;
pub mod summary_json;

pub use findings::{FindingsFormat, FindingsSink, WriteError};
