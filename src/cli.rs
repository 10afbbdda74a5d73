//! The command line: parses flags, builds the scan, maps outcomes to exit codes.

use crate::cache::Cache;
use crate::corpus::open::OpenLimits;
use crate::corpus::{Entry, WalkOptions, Walker};
use crate::detect::{spec, Engine};
use crate::finding::Finding;
use crate::key::FingerprintKey;
use crate::policy::accept::{Allowlist, Baseline, BASELINE_FILE};
use crate::policy::config::{self, Config};
use crate::policy::rules::{Broken, Rule};
use crate::policy::Policy;
use crate::report::datasheet::{self, Answers};
use crate::report::{findings, summary_json, FindingsFormat};
use crate::scan::{FileResult, Progress, Scanner, Sink};
use crate::summary::Summary;
use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

/// Every file was scanned and no fail rule is broken.
pub const EXIT_OK: i32 = 0;
/// A fail rule (govscan.toml `[fail] on`, `--fail-on`) is broken by findings no allowlist entry
/// or baseline accepts. Takes precedence over `EXIT_INCOMPLETE`.
pub const EXIT_POLICY: i32 = 1;
/// Bad usage or a fatal error (a bad config, an unreadable baseline): nothing trustworthy was
/// written.
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
    /// Write commented templates: govscan.toml (what CI runs and what fails it) and
    /// datasheet.toml (the answers only the data owner can give).
    Init(InitArgs),
    /// Scan, and write the findings as a baseline (`.govscan-baseline.json`): later scans that
    /// find it report and fail only on new findings. Holds fingerprints, detectors and
    /// locations, never values.
    Baseline(BaselineArgs),
}

#[derive(clap::Args)]
struct BaselineArgs {
    #[command(flatten)]
    scan: ScanArgs,
    /// Where to write the baseline (default: .govscan-baseline.json in the first scanned folder).
    #[arg(long, value_name = "FILE")]
    baseline_out: Option<PathBuf>,
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
    /// Folder to write govscan.toml and datasheet.toml into (the corpus root).
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
    /// Format of the findings file: jsonl, csv, parquet, sarif (findings.sarif, SARIF 2.1.0),
    /// or github (findings.jsonl, and a GitHub Actions annotation per new finding on stdout).
    #[arg(long, value_enum, default_value = "jsonl")]
    format: FindingsFormat,
    /// Policy file (default: govscan.toml in the first scanned folder, else in the current
    /// folder, if any).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Fail (exit 1) when this rule is broken: `hkid`, `hk_phone>10`, `hk_phone>10/1000`
    /// (per 1,000 records), `personal_data`, `copyright`, `licence:nc`, `any`. Repeatable;
    /// added to the config's `[fail] on`.
    #[arg(long, value_name = "RULE")]
    fail_on: Vec<String>,
    /// Findings known in this baseline are reported as accepted and break no rule (default:
    /// .govscan-baseline.json in the first scanned folder, else in the current folder, if any).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Reuse the last run's results for files whose path, size and modification time are
    /// unchanged, and keep this run's for the next (default folder: .govscan-cache). Another
    /// govscan version, detector set, confidence floor or key invalidates the cache.
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = crate::cache::DEFAULT_DIR)]
    cache: Option<PathBuf>,
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
        Command::Baseline(args) => baseline(args),
    };
    result.unwrap_or_else(|msg| {
        eprintln!("govscan: error: {msg}");
        EXIT_FATAL
    })
}

fn scan(args: ScanArgs) -> Result<i32, String> {
    run_scan(&args, None)
}

fn baseline(args: BaselineArgs) -> Result<i32, String> {
    let target = args.baseline_out.clone().unwrap_or_else(|| {
        args.scan
            .paths
            .first()
            .filter(|p| p.is_dir())
            .map_or_else(|| PathBuf::from(BASELINE_FILE), |d| d.join(BASELINE_FILE))
    });
    run_scan(&args.scan, Some(&target))
}

/// The detector specs to run: those defined (built-in or `--patterns`), less those the config
/// disables, with its confidence floor.
fn configured(specs: Vec<spec::DetectorSpec>, config: &Config) -> Vec<spec::DetectorSpec> {
    let disabled: Vec<&String> = config.detectors.disable.iter().map(|d| d.get_ref()).collect();
    let floor = config.detectors.min_confidence.as_ref().map_or(0.0, |m| *m.get_ref());
    specs
        .into_iter()
        .filter(|s| !disabled.contains(&&s.id))
        .map(|mut s| {
            s.min_confidence = s.min_confidence.max(floor);
            s
        })
        .collect()
}

/// The config: `--config`, else govscan.toml in the first scanned folder, else defaults; with
/// the `--fail-on` rules added.
fn load_config(args: &ScanArgs, ids: &[String]) -> Result<config::Loaded, String> {
    let mut loaded = match args.config.clone().or_else(|| Config::find(&args.paths)) {
        Some(path) => Config::load(&path, ids)?,
        None => config::Loaded::default(),
    };
    for rule in &args.fail_on {
        loaded.rules.push(Rule::parse(rule, ids).map_err(|e| format!("--fail-on {rule:?}: {e}"))?);
    }
    Ok(loaded)
}

/// How many walked entries may wait for the scanner.
const WALK_AHEAD: usize = 4096;
/// Walked entries pass to the scanner this many at a time. One at a time, the walk's thread
/// woke for each entry the scanner took once the queue was full, and took a core from a
/// scanning thread each time: 9,000 context switches on 20,000 small files (ripgrep: 20).
const WALK_BATCH: usize = 256;

/// Scans, writes the reports, and judges the findings; with `baseline_out`, writes them as a
/// baseline instead of judging them against one.
fn run_scan(args: &ScanArgs, baseline_out: Option<&std::path::Path>) -> Result<i32, String> {
    let started = Instant::now();
    let specs = match &args.patterns {
        Some(dir) => spec::load_dir(dir),
        None => spec::builtin_specs(),
    }
    .map_err(|e| e.to_string())?;
    // Rules and disabled detectors are checked against every id the patterns define.
    let all_ids: Vec<String> = specs.iter().map(|s| s.id.clone()).collect();
    let loaded = load_config(args, &all_ids)?;
    let engine = Engine::new(configured(specs, &loaded.config)).map_err(|e| e.to_string())?;
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
    let known = match (baseline_out, args.baseline.clone().or_else(|| find_baseline(&args.paths))) {
        (None, Some(path)) => Some(Baseline::load(&path, &key.id())?),
        _ => None,
    };
    let mut policy = Policy::new(loaded.rules, Allowlist::new(&loaded.config.allow)?, known);

    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create report folder {}: {e} (choose another with --out)", args.out.display()))?;
    let out_canon = args.out.canonicalize().map_err(|e| format!("report folder {}: {e}", args.out.display()))?;
    let mut never_enter = vec![out_canon];
    let cache = match &args.cache {
        Some(_) if args.show_values => {
            return Err(
                "--cache with --show-values would keep raw values in the cache folder; use one or the other".into()
            )
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create cache folder {}: {e}", dir.display()))?;
            never_enter.push(dir.canonicalize().map_err(|e| format!("cache folder {}: {e}", dir.display()))?);
            Some(Cache::open(dir, &setup_hash(&engine, &key, args)))
        }
        None => None,
    };
    // The bar's total grows as the walk finds and measures files; a bar no one sees is not fed
    // (each update takes its lock, which the scan's threads and the walk's fought over on a
    // corpus of many files), and then the walk measures nothing.
    let bar = progress_bar(0, args.quiet);
    let shown = !bar.is_hidden();
    let opts = WalkOptions {
        include: [args.include.clone(), loaded.config.paths.include.clone()].concat(),
        exclude: [args.exclude.clone(), loaded.config.paths.exclude.clone()].concat(),
        follow_symlinks: args.follow_symlinks,
        never_enter,
        measure: shown,
    };
    let walker = Walker::new(&args.paths, &opts).map_err(|e| format!("{e} (check the paths and globs given)"))?;
    let specs: Vec<&spec::DetectorSpec> = engine.detectors().iter().map(|d| &d.spec).collect();
    let writer = findings::create(args.format, &args.out, &specs).map_err(|e| e.to_string())?;
    let mut summary = Summary::new(&key.id(), engine.detectors());
    let mut scanner = Scanner::new(&engine, &key);
    scanner.show_values = args.show_values;
    scanner.limits = OpenLimits { max_expansion: args.max_expansion };
    scanner.cache = cache.as_ref();
    let mut delivery = Delivery {
        cache: cache.as_ref(),
        policy: &mut policy,
        // Kept only when it is to be written: it holds every finding's fingerprint.
        baseline: baseline_out.map(|_| Baseline::new(&key.id())),
        writer,
        write_error: None,
        findings: 0,
        reused: 0,
    };
    // The walk runs beside the scan, a bounded number of entries ahead of it.
    let (found, entries) = std::sync::mpsc::sync_channel(WALK_AHEAD / WALK_BATCH);
    std::thread::scope(|s| {
        // The sender moves into the walk's thread, so the scan's loop ends when the walk does.
        let walker = &walker;
        s.spawn(move || {
            let mut batch = Vec::with_capacity(WALK_BATCH);
            walker.each(&mut |entry| {
                batch.push(entry);
                batch.len() < WALK_BATCH
                    || found.send(std::mem::replace(&mut batch, Vec::with_capacity(WALK_BATCH))).is_ok()
            });
            // The last entries (the scanner may have stopped taking them: nothing to tell).
            let _ = found.send(batch);
        });
        let (scanner, summary, bar, delivery) = (&scanner, &mut summary, &bar, &mut delivery);
        let progress: &dyn Progress = if shown { bar } else { &() };
        pool.install(move || {
            let mut entries = entries.into_iter().flatten().inspect(|e| {
                if let Entry::File { size: Some(size), .. } = e {
                    bar.inc_length(*size);
                }
            });
            scanner.run(&mut entries, summary, progress, delivery)
        });
    });
    bar.finish_and_clear();
    let Delivery { baseline: new_baseline, writer: sink, write_error, findings: total_findings, reused, .. } = delivery;
    if let Some(e) = write_error {
        return Err(e.to_string());
    }
    sink.finish().map_err(|e| e.to_string())?;

    let title = args.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    let answers_file = args.sheet.answers.clone().or_else(|| Answers::find(&args.paths));
    write_reports(&mut summary, answers_file.as_deref(), args.sheet.title.as_deref().unwrap_or(&title), &args.out)?;

    if let Some(c) = &cache {
        c.save()?;
        if !args.quiet {
            eprintln!("govscan: {reused} file(s) unchanged since the last run, taken from the cache");
        }
    }
    let broken = if let (Some(target), Some(new_baseline)) = (baseline_out, new_baseline) {
        write_json(target, &new_baseline)?;
        eprintln!("govscan: wrote {} known finding(s) to {}", new_baseline.findings.len(), target.display());
        Vec::new()
    } else {
        policy.broken(summary.files.records)
    };
    if !args.quiet {
        report_to_stderr(&summary, total_findings, started, args);
        print_table(&summary, &policy, &broken);
    }
    let code = if !broken.is_empty() {
        EXIT_POLICY
    } else if summary.files.failed > 0 {
        EXIT_INCOMPLETE
    } else {
        EXIT_OK
    };
    // The summary of a large corpus holds a content group per file; freeing them one by one
    // took longer than writing them (20,000 files: ~15 ms), and the process ends next anyway.
    std::mem::forget(summary);
    Ok(code)
}

/// Where the scan's results go, in walk order: the cache, the policy's verdicts, the next
/// baseline and the findings file.
struct Delivery<'a> {
    cache: Option<&'a Cache>,
    policy: &'a mut Policy,
    baseline: Option<Baseline>,
    writer: Box<dyn findings::FindingsSink>,
    write_error: Option<findings::WriteError>,
    findings: u64,
    reused: u64,
}

impl Sink for Delivery<'_> {
    fn findings(&mut self, findings: &mut [Finding]) {
        self.findings += findings.len() as u64;
        if let Some(c) = self.cache {
            c.store_findings(findings);
        }
        for f in findings.iter_mut() {
            self.policy.judge(f);
            if let (None, Some(b)) = (&f.suppressed, &mut self.baseline) {
                b.add(f);
            }
        }
        if self.write_error.is_none() {
            self.write_error = self.writer.write(findings).err();
        }
    }

    fn file(&mut self, result: &FileResult) {
        self.reused += u64::from(result.cached);
        if let Some(c) = self.cache {
            c.store(result);
        }
    }
}

/// What the cache's results depend on: govscan's version, the detectors as configured, the
/// fingerprint key and the settings that change what a file yields.
fn setup_hash(engine: &Engine, key: &FingerprintKey, args: &ScanArgs) -> String {
    let specs: Vec<&spec::DetectorSpec> = engine.detectors().iter().map(|d| &d.spec).collect();
    let setup = format!(
        "{}|{specs:?}|{}|{}|{}|{}",
        env!("CARGO_PKG_VERSION"),
        key.id(),
        args.show_values,
        args.max_expansion,
        crate::corpus::digest::SCHEME
    );
    blake3::hash(setup.as_bytes()).to_hex().to_string()
}

fn find_baseline(paths: &[PathBuf]) -> Option<PathBuf> {
    config::find_beside(paths, BASELINE_FILE)
}

/// A plain table of what was found and what the rules made of it, on stdout.
fn print_table(summary: &Summary, policy: &Policy, broken: &[Broken]) {
    println!("{:<20} {:>10} {:>8}", "detector", "findings", "files");
    for (id, d) in &summary.detectors {
        println!("{id:<20} {:>10} {:>8}", d.occurrences, d.files);
    }
    println!("accepted (allowlist or baseline): {}; new: {}", policy.accepted, policy.new_findings());
    for rule in &policy.rules {
        match broken.iter().find(|b| b.rule == rule.text) {
            Some(b) => println!("rule {:?}: BROKEN ({})", rule.text, b.observed),
            None => println!("rule {:?}: ok", rule.text),
        }
    }
}

/// Writes summary.json and the datasheet side by side (the datasheet is built first, from the
/// whole summary): on a corpus of many files both take milliseconds while every other core is
/// idle. summary.json is written even when the answers file is wrong.
fn write_reports(
    summary: &mut Summary,
    answers: Option<&std::path::Path>,
    title: &str,
    out: &std::path::Path,
) -> Result<(), String> {
    let answers = match answers {
        Some(path) => Answers::load(path).map_err(|e| format!("{e} (fix it, or run `govscan init` for a template)")),
        None => Ok(Answers::default()),
    };
    let sheet = answers.map(|answers| datasheet::build(summary, &answers, title));
    let (json, sheet) = std::thread::scope(|s| {
        let json = s.spawn(|| write_summary(&out.join("summary.json"), summary));
        let sheet = sheet.and_then(|sheet| {
            datasheet::write_all(&sheet, out)
                .map_err(|e| format!("cannot write the datasheet into {}: {e}", out.display()))
        });
        (json.join().unwrap_or_else(|_| Err("writing summary.json panicked".into())), sheet)
    });
    json.and(sheet)
}

fn write_summary(path: &std::path::Path, summary: &mut Summary) -> Result<(), String> {
    write_file(path, |out| summary_json::write(summary, out))
}

/// Creates `path` and fills it with `write`; an error says which file.
fn write_file(path: &std::path::Path, write: impl FnOnce(std::fs::File) -> std::io::Result<()>) -> Result<(), String> {
    std::fs::File::create(path).and_then(write).map_err(|e| format!("cannot write {}: {e}", path.display()))
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
    let mut summary = merged.expect("clap requires at least one summary");
    std::fs::create_dir_all(&args.out).map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let title = args.summaries.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    write_reports(
        &mut summary,
        args.sheet.answers.as_deref(),
        args.sheet.title.as_deref().unwrap_or(&title),
        &args.out,
    )?;
    Ok(EXIT_OK)
}

fn init(args: InitArgs) -> Result<i32, String> {
    let files = [(config::FILE_NAME, config::TEMPLATE), ("datasheet.toml", datasheet::answers::TEMPLATE)];
    let mut wrote = 0;
    for (name, template) in files {
        let path = args.dir.join(name);
        if path.exists() {
            eprintln!("govscan: {} exists already; left as it is", path.display());
            continue;
        }
        std::fs::write(&path, template).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("govscan: wrote {}", path.display());
        wrote += 1;
    }
    if wrote == 0 {
        return Err("nothing written: both files exist; edit them, or remove one to start again".into());
    }
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

/// Writes `value` as indented JSON, streamed: a baseline holds a fingerprint for every finding.
fn write_json(path: &std::path::Path, value: &impl serde::Serialize) -> Result<(), String> {
    write_file(path, |file| {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        serde_json::to_writer_pretty(&mut out, value)?;
        out.write_all(b"\n")?;
        out.flush()
    })
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
