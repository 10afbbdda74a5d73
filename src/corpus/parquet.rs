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

/// Calls `f(row, column, text)` for every non-null scanned cell; rows are 1-based.
pub fn for_each_cell(file: &File, f: &mut impl FnMut(u64, &str, &str)) -> PolarsResult<ParquetScan> {
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
