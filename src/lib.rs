//! govscan: an offline dataset governance scanner for Hong Kong personal data and copyright.
//!
//! Data flows corpus (walk, open, blocks) → detect (engine, validators) → finding →
//! summary (mergeable counts) → report (findings files, datasheet, SARIF) → policy (what CI
//! decides: rules, allowlist, baseline). `scan` joins corpus to detect; `cli` is the command
//! line over it all.

pub mod alloc;
pub mod cache;
pub mod cli;
pub mod corpus;
pub mod detect;
pub mod finding;
pub mod key;
pub mod policy;
pub mod report;
pub mod scan;
pub mod summary;
