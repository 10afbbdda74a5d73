//! Parquet shards: string and integer columns read with polars in row slices, so memory stays
//! bounded by one slice however large the shard.

use polars::prelude::*;
use std::fs::File;

/// Rows read per slice.
pub const SLICE_ROWS: usize = 16_384;

/// Column types scanned: strings, and integers (an identifier stored as a number).
fn scanned_type(dtype: &ArrowDataType) -> bool {
    use ArrowDataType as A;
    matches!(dtype, A::Utf8 | A::LargeUtf8 | A::Utf8View | A::Int32 | A::Int64 | A::UInt32 | A::UInt64)
}

pub struct ParquetScan {
    pub rows: u64,
    /// Columns of other types (nested, binary …), not scanned.
    pub skipped_columns: Vec<String>,
}

thread_local! {
    /// Set while a Parquet file is read: a panic there is the reader's, on a corrupt file.
    static READING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Chains a panic hook that stays quiet about panics caught by `for_each_cell`, and prints the
/// others as before.
fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !READING.with(|r| r.get()) {
                previous(info);
            }
        }));
    });
}

/// Calls `f(row, column, text)` for every non-null scanned cell; rows are 1-based. A corrupt
/// file is an error, never a crash: the Parquet reader panics on some malformed metadata
/// (found by fuzzing), so a panic inside it is caught and returned as the file's error.
pub fn for_each_cell(file: &File, f: &mut impl FnMut(u64, &str, &str)) -> Result<ParquetScan, String> {
    install_hook();
    READING.with(|r| r.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_cells(file, f)));
    READING.with(|r| r.set(false));
    match result {
        Ok(Ok(scan)) => Ok(scan),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => {
            let why =
                panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
            Err(format!(
                "the Parquet reader gave up on malformed data ({})",
                why.unwrap_or_else(|| "no message".into())
            ))
        }
    }
}

fn read_cells(file: &File, f: &mut impl FnMut(u64, &str, &str)) -> PolarsResult<ParquetScan> {
    let mut reader = ParquetReader::new(file.try_clone()?);
    let schema = reader.schema()?;
    let total = reader.num_rows()?;
    let metadata = reader.get_metadata()?.clone();
    let (columns, skipped_columns): (Vec<_>, Vec<_>) =
        schema.iter_values().partition(|field| scanned_type(field.dtype()));
    let columns: Vec<String> = columns.iter().map(|field| field.name.to_string()).collect();
    let skipped_columns = skipped_columns.iter().map(|field| field.name.to_string()).collect();
    if !columns.is_empty() {
        for start in (0..total).step_by(SLICE_ROWS) {
            let mut slice = ParquetReader::new(file.try_clone()?);
            slice.set_metadata(metadata.clone());
            let df = slice
                .with_columns(Some(columns.clone()))
                .with_slice(Some((start, SLICE_ROWS)))
                .read_parallel(ParallelStrategy::None)
                .finish()?;
            for name in &columns {
                let values = df.column(name)?.cast(&DataType::String)?;
                for (i, v) in values.str()?.iter().enumerate() {
                    if let Some(v) = v {
                        f((start + i + 1) as u64, name, v);
                    }
                }
            }
        }
    }
    Ok(ParquetScan { rows: total as u64, skipped_columns })
}
