//! Writing findings: JSON Lines streamed as they come, CSV and Parquet through polars in
//! row batches, so memory stays bounded however many findings a corpus holds.

use crate::detect::Detail;
use crate::finding::Finding;
use polars::prelude::*;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FindingsFormat {
    Jsonl,
    Csv,
    Parquet,
    /// SARIF 2.1.0 for code scanning (`findings.sarif`).
    Sarif,
    /// JSON Lines, and a GitHub Actions annotation per new finding on stdout.
    Github,
}

impl FindingsFormat {
    pub fn file_name(self) -> &'static str {
        match self {
            FindingsFormat::Jsonl | FindingsFormat::Github => "findings.jsonl",
            FindingsFormat::Sarif => "findings.sarif",
            FindingsFormat::Csv => "findings.csv",
            FindingsFormat::Parquet => "findings.parquet",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Polars { path: String, source: PolarsError },
}

/// Rows buffered before a CSV or Parquet batch is written.
const ROWS_PER_BATCH: usize = 65_536;

pub trait FindingsSink: Send {
    fn write(&mut self, findings: &[Finding]) -> Result<(), WriteError>;
    fn finish(self: Box<Self>) -> Result<(), WriteError>;
}

/// A sink for `format` in `dir`; `detectors` describe the rules of a SARIF file.
pub fn create(
    format: FindingsFormat,
    dir: &Path,
    detectors: &[&crate::detect::DetectorSpec],
) -> Result<Box<dyn FindingsSink>, WriteError> {
    let path = dir.join(format.file_name());
    let shown = path.display().to_string();
    let file = File::create(&path).map_err(|source| WriteError::Io { path: shown.clone(), source })?;
    Ok(match format {
        FindingsFormat::Jsonl => Box::new(JsonlSink { out: BufWriter::new(file), path: shown }),
        FindingsFormat::Github => Box::new(GithubSink(JsonlSink { out: BufWriter::new(file), path: shown })),
        FindingsFormat::Sarif => Box::new(super::sarif::SarifSink::new(file, shown, detectors)?),
        FindingsFormat::Csv | FindingsFormat::Parquet => {
            Box::new(TableSink { file: Some(file), format, path: shown, rows: Columns::default(), writer: None })
        }
    })
}

struct JsonlSink {
    out: BufWriter<File>,
    path: String,
}

impl FindingsSink for JsonlSink {
    fn write(&mut self, findings: &[Finding]) -> Result<(), WriteError> {
        let io = |source| WriteError::Io { path: self.path.clone(), source };
        for f in findings {
            serde_json::to_writer(&mut self.out, f).map_err(|e| io(e.into()))?;
            self.out.write_all(b"\n").map_err(io)?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), WriteError> {
        self.out.flush().map_err(|source| WriteError::Io { path: self.path.clone(), source })
    }
}

/// JSON Lines, and an annotation on stdout for each finding no allowlist or baseline accepts.
struct GithubSink(JsonlSink);

impl FindingsSink for GithubSink {
    fn write(&mut self, findings: &[Finding]) -> Result<(), WriteError> {
        let mut stdout = std::io::stdout().lock();
        for f in findings.iter().filter(|f| f.suppressed.is_none()) {
            let _ = writeln!(stdout, "{}", super::sarif::github_annotation(f));
        }
        self.0.write(findings)
    }

    fn finish(self: Box<Self>) -> Result<(), WriteError> {
        Box::new(self.0).finish()
    }
}

/// Findings as flat columns; detail fields are empty where a detector has none.
#[derive(Default)]
struct Columns {
    path: Vec<String>,
    line: Vec<u64>,
    record: Vec<Option<u64>>,
    field: Vec<Option<String>>,
    start: Vec<u64>,
    end: Vec<u64>,
    offset: Vec<u64>,
    detector: Vec<String>,
    category: Vec<String>,
    confidence: Vec<f32>,
    masked: Vec<String>,
    fingerprint: Vec<String>,
    value: Vec<Option<String>>,
    holder: Vec<Option<String>>,
    year_from: Vec<Option<u32>>,
    year_to: Vec<Option<u32>>,
    licence: Vec<Option<String>>,
    restrictions: Vec<Option<String>>,
}

impl Columns {
    fn push(&mut self, f: &Finding) {
        self.path.push(f.path.clone());
        self.line.push(f.line);
        self.record.push(f.record);
        self.field.push(f.field.clone());
        self.start.push(f.start);
        self.end.push(f.end);
        self.offset.push(f.offset);
        self.detector.push(f.detector.clone());
        self.category.push(f.category.label().to_string());
        self.confidence.push(f.confidence);
        self.masked.push(f.masked.clone());
        self.fingerprint.push(f.fingerprint.clone());
        self.value.push(f.value.clone());
        let (mut holder, mut years, mut licence, mut restrictions) = (None, None, None, None);
        match &f.detail {
            Detail::Notice { holder: h, years: y } => (holder, years) = (h.clone(), *y),
            Detail::Licence { id, nc, nd, sa } => {
                licence = Some(id.clone());
                let flags: Vec<&str> =
                    [(*nc, "NC"), (*nd, "ND"), (*sa, "SA")].iter().filter(|x| x.0).map(|x| x.1).collect();
                restrictions = Some(flags.join(","));
            }
            Detail::None => {}
        }
        self.holder.push(holder);
        self.year_from.push(years.map(|y| u32::from(y.from)));
        self.year_to.push(years.map(|y| u32::from(y.to)));
        self.licence.push(licence);
        self.restrictions.push(restrictions);
    }

    fn take_frame(&mut self) -> PolarsResult<DataFrame> {
        let c = std::mem::take(self);
        let height = c.path.len();
        DataFrame::new(
            height,
            vec![
                Column::new("path".into(), c.path),
                Column::new("line".into(), c.line),
                Column::new("record".into(), c.record),
                Column::new("field".into(), c.field),
                Column::new("start".into(), c.start),
                Column::new("end".into(), c.end),
                Column::new("offset".into(), c.offset),
                Column::new("detector".into(), c.detector),
                Column::new("category".into(), c.category),
                Column::new("confidence".into(), c.confidence),
                Column::new("masked".into(), c.masked),
                Column::new("fingerprint".into(), c.fingerprint),
                Column::new("value".into(), c.value),
                Column::new("holder".into(), c.holder),
                Column::new("year_from".into(), c.year_from),
                Column::new("year_to".into(), c.year_to),
                Column::new("licence".into(), c.licence),
                Column::new("restrictions".into(), c.restrictions),
            ],
        )
    }
}

enum TableWriter {
    Csv(polars::io::csv::write::BatchedWriter<File>),
    Parquet(Box<polars::io::parquet::write::BatchedWriter<File>>),
}

struct TableSink {
    file: Option<File>,
    format: FindingsFormat,
    path: String,
    rows: Columns,
    writer: Option<TableWriter>,
}

impl TableSink {
    fn flush(&mut self) -> PolarsResult<()> {
        let df = self.rows.take_frame()?;
        if self.writer.is_none() {
            let file = self.file.take().expect("the file is taken once, with the first batch");
            self.writer = Some(match self.format {
                FindingsFormat::Csv => {
                    TableWriter::Csv(CsvWriter::new(file).include_header(true).batched(df.schema())?)
                }
                _ => TableWriter::Parquet(Box::new(ParquetWriter::new(file).batched(df.schema())?)),
            });
        }
        match self.writer.as_mut().expect("set above") {
            TableWriter::Csv(w) => w.write_batch(&df),
            TableWriter::Parquet(w) => w.write_batch(&df),
        }
    }

    fn polars_err(&self, source: PolarsError) -> WriteError {
        WriteError::Polars { path: self.path.clone(), source }
    }
}

impl FindingsSink for TableSink {
    fn write(&mut self, findings: &[Finding]) -> Result<(), WriteError> {
        for f in findings {
            self.rows.push(f);
            if self.rows.path.len() >= ROWS_PER_BATCH {
                self.flush().map_err(|e| self.polars_err(e))?;
            }
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), WriteError> {
        // Always write one batch, even an empty one, so the file has a header and a schema.
        self.flush().map_err(|e| self.polars_err(e))?;
        let done = match self.writer.as_mut().expect("flush created the writer") {
            TableWriter::Csv(w) => w.finish(),
            TableWriter::Parquet(w) => w.finish().map(|_| ()),
        };
        done.map_err(|e| self.polars_err(e))
    }
}
