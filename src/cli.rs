//! The command line: parses flags, builds the scan, maps outcomes to exit codes.

use crate::corpus::open::OpenLimits;
use crate::corpus::{walk, WalkOptions};
use crate::detect::{spec, Engine};
use crate::key::FingerprintKey;
use crate::report::datasheet::{self, Answers};
use crate::report::{findings, FindingsFormat};
use crate::scan::Scanner;
use crate::summary::Summary;
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

/// Every file was scanned.
pub const EXIT_OK: i32 = 0;
/// Bad usage or a fatal error: nothing trustworthy was written.
pub const EXIT_FATAL: i32 = 2;
/// The scan finished and reports were written, but some files could not be scanned.
pub const EXIT_INCOMPLETE: i32 = 3;

#[derive(Parser)]
#[command(
    name = "govscan",
    version,
    about = "Find Hong Kong personal data and copyright notices in a dataset, and write a datasheet"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan files and folders; write findings, summary.json and the datasheet in four forms.
    Scan(ScanArgs),
    /// Rebuild the datasheet from saved summary.json files (merged) without rescanning.
    Datasheet(DatasheetArgs),
    /// Write a commented datasheet.toml template for the answers only the data owner can give.
    Init(InitArgs),
}

#[derive(clap::Args)]
struct DatasheetArgs {
    /// summary.json files of runs over disjoint parts of a corpus.
    #[arg(required = true)]
    summaries: Vec<PathBuf>,
    /// Folder for datasheet.md, datasheet.json, datasheet.html, croissant.json and the merged summary.json.
    #[arg(short, long, default_value = "govscan-report")]
    out: PathBuf,
    #[command(flatten)]
    sheet: SheetArgs,
}

/// What a datasheet needs beyond the scan.
#[derive(clap::Args)]
struct SheetArgs {
    /// The owner's answers (default: datasheet.toml in the first scanned folder, if any).
    #[arg(long, value_name = "FILE")]
    answers: Option<PathBuf>,
    /// The dataset's name in the datasheet (default: datasheet.toml's, else the paths scanned).
    #[arg(long)]
    title: Option<String>,
}

#[derive(clap::Args)]
struct InitArgs {
    /// Folder to write datasheet.toml into (the corpus root).
    #[arg(default_value = ".")]
    dir: PathBuf,
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Files and folders to scan.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Report folder (created if missing; never scanned).
    #[arg(short, long, default_value = "govscan-report")]
    out: PathBuf,
    /// Format of the findings file.
    #[arg(long, value_enum, default_value = "jsonl")]
    format: FindingsFormat,
    /// Scan only paths matching this glob (repeatable; `*.jsonl` matches at any depth).
    #[arg(long, value_name = "GLOB")]
    include: Vec<String>,
    /// Skip paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Follow symbolic links (loops are detected and reported).
    #[arg(long)]
    follow_symlinks: bool,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_name = "N")]
    threads: Option<usize>,
    /// No progress bar and no summary on stderr.
    #[arg(short, long)]
    quiet: bool,
    /// Write raw matched values into the findings file. Off by default: a report must not
    /// become a new leak.
    #[arg(long)]
    show_values: bool,
    /// File holding the 64-hex-digit fingerprint key (see README: sharing the key).
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// Folder of detector definitions (*.toml) replacing the built-in set.
    #[arg(long, value_name = "DIR")]
    patterns: Option<PathBuf>,
    #[command(flatten)]
    sheet: SheetArgs,
    /// Stop decompressing a file (and list it as failed) once it has grown to this many times
    /// its compressed size, and past 256 MiB: the guard against compression bombs.
    #[arg(long, value_name = "RATIO", default_value_t = OpenLimits::default().max_expansion)]
    max_expansion: u64,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_FATAL } else { EXIT_OK };
        }
    };
    let result = match cli.command {
        Command::Scan(args) => scan(args),
        Command::Datasheet(args) => rebuild_datasheet(args),
        Command::Init(args) => init(args),
    };
    result.unwrap_or_else(|msg| {
        eprintln!("govscan: error: {msg}");
        EXIT_FATAL
    })
}

fn scan(args: ScanArgs) -> Result<i32, String> {
    let started = Instant::now();
    let specs = match &args.patterns {
        Some(dir) => spec::load_dir(dir),
        None => spec::builtin_specs(),
    }
    .map_err(|e| e.to_string())?;
    let engine = Engine::new(specs).map_err(|e| e.to_string())?;
    let key = FingerprintKey::resolve(args.key_file.as_deref()).map_err(|e| e.to_string())?;
    if let Some(n) = args.threads {
        if n == 0 {
            return Err("--threads must be at least 1".into());
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;

    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create report folder {}: {e} (choose another with --out)", args.out.display()))?;
    let out_canon = args.out.canonicalize().map_err(|e| format!("report folder {}: {e}", args.out.display()))?;
    let opts = WalkOptions {
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        follow_symlinks: args.follow_symlinks,
        never_enter: vec![out_canon],
    };
    let entries = walk(&args.paths, &opts).map_err(|e| format!("{e} (check the paths and globs given)"))?;

    let total: u64 =
        entries.iter().map(|e| if let crate::corpus::Entry::File { size, .. } = e { *size } else { 0 }).sum();
    let bar = progress_bar(total, args.quiet);
    let mut sink = findings::create(args.format, &args.out).map_err(|e| e.to_string())?;
    let mut summary = Summary::new(&key.id(), engine.detectors());
    let mut scanner = Scanner::new(&engine, &key);
    scanner.show_values = args.show_values;
    scanner.limits = OpenLimits { max_expansion: args.max_expansion };
    let mut write_error = None;
    let mut total_findings = 0u64;
    pool.install(|| {
        scanner.run(&entries, &mut summary, &bar, &mut |r| {
            total_findings += r.findings.len() as u64;
            if write_error.is_none() {
                write_error = sink.write(&r.findings).err();
            }
        })
    });
    bar.finish_and_clear();
    if let Some(e) = write_error {
        return Err(e.to_string());
    }
    sink.finish().map_err(|e| e.to_string())?;

    write_json(&args.out.join("summary.json"), &summary)?;
    let title = args.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    let answers_file = args.sheet.answers.clone().or_else(|| Answers::find(&args.paths));
    write_datasheet(&summary, answers_file.as_deref(), args.sheet.title.as_deref().unwrap_or(&title), &args.out)?;

    if !args.quiet {
        report_to_stderr(&summary, total_findings, started, &args);
    }
    Ok(if summary.files.failed > 0 { EXIT_INCOMPLETE } else { EXIT_OK })
}

fn write_datasheet(
    summary: &Summary,
    answers: Option<&std::path::Path>,
    title: &str,
    out: &std::path::Path,
) -> Result<(), String> {
    let answers = match answers {
        Some(path) => Answers::load(path).map_err(|e| format!("{e} (fix it, or run `govscan init` for a template)"))?,
        None => Answers::default(),
    };
    let sheet = datasheet::build(summary, &answers, title);
    datasheet::write_all(&sheet, out).map_err(|e| format!("cannot write the datasheet into {}: {e}", out.display()))
}

fn rebuild_datasheet(args: DatasheetArgs) -> Result<i32, String> {
    let mut merged: Option<Summary> = None;
    for path in &args.summaries {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let part: Summary = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a govscan summary.json: {e}", path.display()))?;
        match merged.as_mut() {
            None => merged = Some(part),
            Some(m) => m.merge(&part).map_err(|e| format!("{}: {e}", path.display()))?,
        }
    }
    let summary = merged.expect("clap requires at least one summary");
    std::fs::create_dir_all(&args.out).map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    write_json(&args.out.join("summary.json"), &summary)?;
    let title = args.summaries.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    write_datasheet(&summary, args.sheet.answers.as_deref(), args.sheet.title.as_deref().unwrap_or(&title), &args.out)?;
    Ok(EXIT_OK)
}

fn init(args: InitArgs) -> Result<i32, String> {
    let path = args.dir.join("datasheet.toml");
    if path.exists() {
        return Err(format!("{} exists already; edit it, or remove it to start again", path.display()));
    }
    std::fs::write(&path, datasheet::answers::TEMPLATE).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("govscan: wrote {}; fill in what you can answer, then scan again", path.display());
    Ok(EXIT_OK)
}

fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
    )
    .expect("the template is valid");
    bar.set_style(style);
    bar
}

fn write_json(path: &std::path::Path, value: &impl serde::Serialize) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn report_to_stderr(s: &Summary, findings: u64, started: Instant, args: &ScanArgs) {
    let secs = started.elapsed().as_secs_f64();
    let mib = s.files.bytes as f64 / (1024.0 * 1024.0);
    eprintln!(
        "govscan: scanned {} file(s), {mib:.1} MiB in {secs:.2}s ({:.1} MiB/s): {findings} finding(s); {} skipped, {} failed",
        s.files.scanned,
        mib / secs.max(1e-9),
        s.files.skipped,
        s.files.failed
    );
    for f in s.failed.iter().take(20) {
        eprintln!("govscan: failed: {}: {}", f.path, f.reason);
    }
    if s.failed.len() > 20 {
        eprintln!("govscan: … and {} more failed file(s), listed in summary.json", s.failed.len() - 20);
    }
    eprintln!("govscan: report written to {}", args.out.display());
}
