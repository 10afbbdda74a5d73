//! `datasheet.md`: readable on GitHub and in a terminal, with Hugging Face dataset-card YAML
//! front matter so it can serve as a dataset's `README.md`.

use super::model::*;
use std::fmt::Write;

pub fn render(d: &Datasheet) -> String {
    let mut md = String::new();
    let w = &mut md;
    front_matter(w, d);
    let _ = writeln!(w, "# Datasheet: {}\n", esc(&d.title));
    let _ = writeln!(
        w,
        "Made by {} in the structure of *Datasheets for Datasets* (Gebru et al.). Values are shown masked; distinct values are counted by keyed fingerprint (key id `{}`), so counts compare only between runs that used the same key. Answers marked **open** are for the data owner: put them in `datasheet.toml` (`govscan init` writes a template).\n",
        d.generator, d.key_id
    );
    risk_summary(w, d);
    motivation(w, d);
    composition(w, d);
    personal_data(w, d);
    pdpo(w, d);
    copyright(w, d);
    owner_sections(w, d);
    open_items(w, d);
    md
}

fn esc(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn yaml(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn answer(a: &Option<String>) -> String {
    a.as_deref().map_or("**open**".to_string(), esc)
}

/// Hugging Face size categories, by records (lines where there are none).
fn size_category(n: u64) -> &'static str {
    match n {
        0..1_000 => "n<1K",
        1_000..10_000 => "1K<n<10K",
        10_000..100_000 => "10K<n<100K",
        100_000..1_000_000 => "100K<n<1M",
        1_000_000..10_000_000 => "1M<n<10M",
        10_000_000..100_000_000 => "10M<n<100M",
        100_000_000..1_000_000_000 => "100M<n<1B",
        _ => "n>1B",
    }
}

fn front_matter(w: &mut String, d: &Datasheet) {
    let c = &d.composition;
    let licence = d.answers.dataset.license.clone().unwrap_or_else(|| "other".into()).to_lowercase();
    let _ = writeln!(w, "---");
    let _ = writeln!(w, "pretty_name: {}", yaml(&d.title));
    let _ = writeln!(w, "license: {}", yaml(&licence));
    let langs = c.scripts.languages();
    if !langs.is_empty() {
        let _ = writeln!(w, "language:");
        for l in langs {
            let _ = writeln!(w, "- {l}");
        }
    }
    let units = if c.records > 0 { c.records } else { c.lines };
    let _ = writeln!(w, "size_categories:\n- {}", size_category(units));
    let _ = writeln!(w, "tags:\n- govscan\n- pii-scanned\n---\n");
}

fn risk_summary(w: &mut String, d: &Datasheet) {
    let r = &d.risk;
    let _ = writeln!(w, "## Risk summary\n");
    let _ = writeln!(
        w,
        "Suggested risk tier for training on this corpus: **{}**, because of {}. (govscan's reading of the scan against the Hong Kong Generative AI Technical and Application Guideline; the tier is a suggestion for the people who sign off the training run.)\n",
        r.tier.label(),
        r.reasons.join("; ")
    );
    let _ = writeln!(w, "| Governance dimension | Status | Evidence |\n|---|---|---|");
    for dim in &r.dimensions {
        let _ = writeln!(w, "| {} | {} | {} |", dim.name, dim.status.label(), esc(&dim.evidence));
    }
    let _ = writeln!(w, "\nWhat to do next:\n");
    for s in &r.next_steps {
        let _ = writeln!(w, "1. {s}");
    }
    let _ = writeln!(w);
}

fn motivation(w: &mut String, d: &Datasheet) {
    let m = &d.answers.motivation;
    let _ = writeln!(w, "## Motivation\n");
    let _ = writeln!(w, "| Question | Answer |\n|---|---|");
    let _ = writeln!(w, "| For what purpose was the dataset created? | {} |", answer(&m.purpose));
    let _ = writeln!(w, "| Who created it, on behalf of whom? | {} |", answer(&m.creators));
    let _ = writeln!(w, "| Who funded it? | {} |\n", answer(&m.funding));
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn list(counts: &[Count]) -> String {
    counts.iter().map(|c| format!("{} {}", c.name, c.count)).collect::<Vec<_>>().join(", ")
}

fn composition(w: &mut String, d: &Datasheet) {
    let c = &d.composition;
    let s = &c.scripts;
    let _ = writeln!(w, "## Composition\n");
    let _ = writeln!(w, "| | |\n|---|---|");
    let _ = writeln!(w, "| Files scanned | {} |", c.files_scanned);
    let _ = writeln!(w, "| Text scanned | {} ({} on disk) |", bytes(c.bytes), bytes(c.stored_bytes));
    let _ = writeln!(w, "| Lines | {} |", c.lines);
    let _ = writeln!(w, "| Records (JSONL lines, CSV and Parquet rows) | {} |", c.records);
    let _ = writeln!(w, "| Formats | {} |", list(&c.formats));
    let _ = writeln!(w, "| Compression | {} |", list(&c.compression));
    let _ = writeln!(w, "| Encodings | {} |", list(&c.encodings));
    let _ = writeln!(
        w,
        "| Scripts (share of {} letters) | Latin {}%, Han Traditional {}%, Han Simplified {}%, Han undetermined {}%, other {}% |",
        s.letters, s.latin, s.han_traditional, s.han_simplified, s.han_undetermined, s.other
    );
    let _ = writeln!(
        w,
        "| Duplicate files | {} group(s), {} redundant file(s), {} |",
        c.duplicates.groups,
        c.duplicates.redundant_files,
        bytes(c.duplicates.redundant_bytes)
    );
    let _ = writeln!(w, "| Skipped files | {} |", c.files_skipped);
    let _ = writeln!(w, "| Failed files | {} |", c.files_failed);
    let caveats = [
        (c.malformed_records, "JSONL lines that are not valid JSON (scanned as plain text)"),
        (c.cut_lines, "Over-long lines scanned in pieces (a value split across a cut can be missed)"),
        (c.files_with_invalid_utf8, "Files with bytes that are not valid UTF-8 (scanned as they are)"),
    ];
    for (n, what) in caveats {
        if n > 0 {
            let _ = writeln!(w, "| {what} | {n} |");
        }
    }
    let _ = writeln!(w);
    for group in &c.duplicates.examples {
        let _ = writeln!(
            w,
            "- Same content: {}",
            group.iter().map(|p| format!("`{}`", esc(p))).collect::<Vec<_>>().join(", ")
        );
    }
    if !c.duplicates.examples.is_empty() {
        let _ = writeln!(w);
    }
    issues(w, "Skipped files", "not scanned: nothing in them is counted here", &c.skipped);
    issues(w, "Failed files", "could not be scanned to the end: findings before the failure are counted", &c.failed);
}

fn issues(w: &mut String, title: &str, note: &str, list: &[crate::summary::FileIssue]) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(w, "### {title}\n\n{} file(s) {note}.\n\n| File | Reason |\n|---|---|", list.len());
    for i in list {
        let _ = writeln!(w, "| `{}` | {} |", esc(&i.path), esc(&i.reason));
    }
    let _ = writeln!(w);
}

fn personal_data(w: &mut String, d: &Datasheet) {
    let p = &d.personal_data;
    let _ = writeln!(w, "## Personal data\n");
    let _ = writeln!(w, "| Type | Occurrences | Distinct values | Records | Files | Per 1,000 records | Confidence (high / medium / low) |");
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---|");
    for r in &p.detectors {
        let c = &r.confidence;
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} / {} / {} |",
            r.name, r.occurrences, r.distinct_values, r.records, r.files, r.density_per_1000, c.high, c.medium, c.low
        );
    }
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "**Records holding several kinds of identifier together: {}** ({} with an HKID beside another identifier). The Code of Practice on the Identity Card Number (2.7) and the doxxing offence (s.64) make these the first to remove.\n",
        p.co_occurring_records, p.hkid_with_other
    );
    if !p.co_occurrence.is_empty() {
        let _ = writeln!(w, "| Kinds together | Records |\n|---|---:|");
        for c in &p.co_occurrence {
            let _ = writeln!(w, "| {} | {} |", c.name.replace('+', " + "), c.count);
        }
        const SHOWN: usize = 20;
        let shown: Vec<String> =
            p.co_occurrence_locations.iter().take(SHOWN).map(|l| format!("`{}`", esc(l))).collect();
        let more = p.co_occurring_records.saturating_sub(SHOWN as u64);
        let more =
            if more > 0 { format!(" and {more} more (the first 100 are in datasheet.json)") } else { String::new() };
        let _ = writeln!(w, "\nWhere: {}{more}.\n", shown.join(", "));
    }
    for r in p.detectors.iter().filter(|r| r.occurrences > 0) {
        let _ = writeln!(w, "### {} (`{}`)\n", r.name, r.id);
        let _ = writeln!(w, "Bears on: {}.\n", r.concern);
        let ex: Vec<String> = r.masked_examples.iter().map(|e| format!("`{}`", esc(e))).collect();
        let _ = writeln!(w, "Masked examples: {}.\n", ex.join(", "));
        let _ = writeln!(w, "| Files with most | Occurrences |\n|---|---:|");
        for f in &r.top_files {
            let _ = writeln!(w, "| `{}` | {} |", esc(&f.name), f.count);
        }
        if !r.top_fields.is_empty() {
            let _ = writeln!(w, "\n| Fields with most | Occurrences |\n|---|---:|");
            for f in &r.top_fields {
                let _ = writeln!(w, "| `{}` | {} |", esc(&f.name), f.count);
            }
        }
        let _ = writeln!(w);
    }
}

fn pdpo(w: &mut String, d: &Datasheet) {
    let _ = writeln!(w, "## Personal Data (Privacy) Ordinance (Cap. 486): the six principles\n");
    for p in &d.pdpo {
        let _ = writeln!(w, "### {}: {}\n", p.id, p.title);
        for e in &p.evidence {
            let _ = writeln!(w, "- {e}");
        }
        let _ = writeln!(w);
        for q in &p.questions {
            let _ = writeln!(w, "> **Owner:** {}  \n> {}\n", q.question, answer(&q.answer));
        }
    }
}

fn copyright(w: &mut String, d: &Datasheet) {
    let c = &d.copyright;
    let _ = writeln!(w, "## Copyright and licences (Copyright Ordinance, Cap. 528)\n");
    let _ = writeln!(
        w,
        "{} copyright notice(s); {} licence reference(s): {} NC (no commercial use: not for commercial training without permission), {} ND, {} SA. {} of {} scanned file(s) ({}%) carry no notice or licence at all: their rights status must come from their source.\n",
        c.notices,
        c.licence_references,
        c.nc_references,
        c.nd_references,
        c.sa_references,
        c.files_without_rights_signal,
        c.files_with_rights_signal + c.files_without_rights_signal,
        c.share_without_rights_signal
    );
    if !c.holders.is_empty() {
        let _ = writeln!(w, "| Holder | Notices | Files | Years |\n|---|---:|---:|---|");
        for h in &c.holders {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} |",
                esc(&h.holder),
                h.notices,
                h.files,
                h.years.as_deref().unwrap_or("not stated")
            );
        }
        let _ = writeln!(w);
    }
    if !c.licences.is_empty() {
        let _ = writeln!(w, "| Licence | References | Files | Restrictions |\n|---|---:|---:|---|");
        for l in &c.licences {
            let flags: Vec<&str> =
                [(l.nc, "NC"), (l.nd, "ND"), (l.sa, "SA")].iter().filter(|x| x.0).map(|x| x.1).collect();
            let flags = if flags.is_empty() { "none".to_string() } else { flags.join(", ") };
            let _ = writeln!(w, "| `{}` | {} | {} | {flags} |", esc(&l.id), l.references, l.files);
        }
        let _ = writeln!(w);
    }
}

/// A section of questions for the owner: its title, and each question with its answer.
type Section<'a> = (&'a str, Vec<(&'a str, &'a Option<String>)>);

fn owner_sections(w: &mut String, d: &Datasheet) {
    let a = &d.answers;
    let sections: [Section; 5] = [
        (
            "Collection process",
            vec![
                ("How was the data collected?", &a.collection.process),
                ("Where does it come from?", &a.collection.sources),
                ("Over what period?", &a.collection.timeframe),
                ("Was an ethics review or privacy impact assessment done?", &a.collection.ethics_review),
            ],
        ),
        (
            "Preprocessing, cleaning, labelling",
            vec![
                ("What was removed or fixed?", &a.preprocessing.cleaning),
                ("How is personal data masked or removed?", &a.preprocessing.redaction),
            ],
        ),
        ("Uses", vec![("Intended uses", &a.uses.intended), ("Uses to avoid", &a.uses.prohibited)]),
        (
            "Distribution",
            vec![("How and to whom", &a.distribution.how), ("Under which terms", &a.distribution.licence_terms)],
        ),
        (
            "Maintenance",
            vec![
                ("Contact", &a.maintenance.contact),
                ("Retention", &a.maintenance.retention),
                ("Erasure on request", &a.maintenance.erasure),
            ],
        ),
    ];
    for (title, rows) in sections {
        let _ = writeln!(w, "## {title}\n\n| Question | Answer |\n|---|---|");
        for (q, ans) in rows {
            let _ = writeln!(w, "| {q} | {} |", answer(ans));
        }
        let _ = writeln!(w);
    }
}

fn open_items(w: &mut String, d: &Datasheet) {
    let _ = writeln!(w, "## Open items\n");
    if d.open_items.is_empty() {
        let _ = writeln!(w, "None: every question has an answer.");
    }
    for item in &d.open_items {
        let _ = writeln!(w, "- [ ] {item}");
    }
}
