//! `datasheet.html`: one self-contained page (no scripts, fonts or images from anywhere) with
//! inline SVG charts, for readers who are not engineers.

use super::markdown;
use super::model::*;
use std::collections::BTreeMap;
use std::fmt::Write;

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans CJK TC','PingFang HK',sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#1d2733;line-height:1.5}\
h1{border-bottom:3px solid #0b5394;padding-bottom:.3em}h2{margin-top:2em;color:#0b5394}\
table{border-collapse:collapse;margin:.8em 0;width:100%}td,th{border:1px solid #c9d3dd;padding:.35em .6em;text-align:left;vertical-align:top}\
th{background:#eef3f8}.tier{display:inline-block;padding:.2em .8em;border-radius:1em;font-weight:bold;color:#fff}\
.high{background:#b42318}.limited{background:#b54708}.low{background:#067647}\
.action_needed{color:#b42318;font-weight:bold}.review{color:#b54708;font-weight:bold}.no_signal{color:#067647}.out_of_scope{color:#667085}\
.open{color:#b42318;font-weight:bold}.charts{display:flex;flex-wrap:wrap;gap:1.5em}.chart{flex:1 1 440px}\
figcaption{font-weight:bold;margin-bottom:.3em}code{background:#f2f4f7;padding:0 .2em}blockquote{border-left:4px solid #c9d3dd;margin:.5em 0;padding:.2em .8em}";

pub fn render(d: &Datasheet) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Datasheet: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&d.title)
    );
    let _ = writeln!(h, "<h1>Datasheet: {}</h1>", esc(&d.title));
    let _ = writeln!(
        h,
        "<p>Made by {}. Values are masked; distinct values are counted by keyed fingerprint (key id <code>{}</code>).</p>",
        esc(&d.generator),
        esc(&d.key_id)
    );
    risk(&mut h, d);
    charts(&mut h, d);
    // The detailed sections are the Markdown datasheet's, rendered as simple HTML.
    h.push_str(&markdown_body(&markdown::render(d)));
    h.push_str("</body>\n</html>\n");
    h
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn risk(h: &mut String, d: &Datasheet) {
    let r = &d.risk;
    let _ = writeln!(
        h,
        "<h2>Risk summary</h2>\n<p>Suggested risk tier for training: <span class=\"tier {}\">{}</span> because of {}.</p>",
        r.tier.label(),
        r.tier.label(),
        esc(&r.reasons.join("; "))
    );
    let _ = writeln!(h, "<table><tr><th>Governance dimension</th><th>Status</th><th>Evidence</th></tr>");
    for dim in &r.dimensions {
        let class =
            serde_json::to_value(dim.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"{class}\">{}</td><td>{}</td></tr>",
            dim.name,
            dim.status.label(),
            esc(&dim.evidence)
        );
    }
    let _ = writeln!(h, "</table>\n<ol>");
    for s in &r.next_steps {
        let _ = writeln!(h, "<li>{}</li>", esc(s));
    }
    let _ = writeln!(h, "</ol>");
}

fn charts(h: &mut String, d: &Datasheet) {
    let pd: Vec<(String, f64, bool)> =
        d.personal_data.detectors.iter().map(|r| (r.name.clone(), r.occurrences as f64, r.id == "hkid")).collect();
    let mut by_file: BTreeMap<&str, u64> = BTreeMap::new();
    for r in &d.personal_data.detectors {
        for f in &r.top_files {
            *by_file.entry(&f.name).or_default() += f.count;
        }
    }
    let mut files: Vec<(String, f64, bool)> =
        by_file.into_iter().map(|(p, n)| (p.to_string(), n as f64, false)).collect();
    files.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    files.truncate(8);
    let licences: Vec<(String, f64, bool)> =
        d.copyright.licences.iter().map(|l| (l.id.clone(), l.references as f64, l.nc || l.nd)).collect();
    let s = &d.composition.scripts;
    let scripts = vec![
        ("Latin".to_string(), s.latin, false),
        ("Han (Traditional)".to_string(), s.han_traditional, false),
        ("Han (Simplified)".to_string(), s.han_simplified, false),
        ("Han (undetermined)".to_string(), s.han_undetermined, false),
        ("Other scripts".to_string(), s.other, false),
    ];
    let _ = writeln!(h, "<h2>At a glance</h2>\n<div class=\"charts\">");
    chart(h, "Personal data by type (occurrences; HKID in red)", &pd, "");
    chart(h, "Files with most personal data (occurrences)", &files, "");
    chart(h, "Licence mix (references; NC or ND in red)", &licences, "");
    chart(h, "Scripts (share of letters)", &scripts, "%");
    let _ = writeln!(h, "</div>");
}

/// A horizontal bar chart as inline SVG; `alert` bars are drawn in red.
fn chart(h: &mut String, title: &str, items: &[(String, f64, bool)], unit: &str) {
    const ROW: usize = 26;
    const LABEL: usize = 200;
    const BAR: f64 = 220.0;
    let _ = writeln!(h, "<figure class=\"chart\"><figcaption>{}</figcaption>", esc(title));
    if items.is_empty() || items.iter().all(|i| i.1 == 0.0) {
        let _ = writeln!(h, "<p>None found.</p></figure>");
        return;
    }
    let max = items.iter().map(|i| i.1).fold(0.0, f64::max);
    let height = items.len() * ROW + 10;
    let _ = writeln!(
        h,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"480\" height=\"{height}\" viewBox=\"0 0 480 {height}\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    for (i, (label, value, alert)) in items.iter().enumerate() {
        let y = i * ROW + 5;
        let width = if max > 0.0 { (value / max * BAR).max(if *value > 0.0 { 2.0 } else { 0.0 }) } else { 0.0 };
        let shown: String = if label.chars().count() > 30 {
            format!("…{}", label.chars().rev().take(29).collect::<Vec<_>>().into_iter().rev().collect::<String>())
        } else {
            label.clone()
        };
        let colour = if *alert { "#b42318" } else { "#0b5394" };
        let value_text = if unit.is_empty() { format!("{value}") } else { format!("{value}{unit}") };
        let _ = writeln!(
            h,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text><rect x=\"{}\" y=\"{}\" width=\"{width:.1}\" height=\"{}\" fill=\"{colour}\"><title>{}: {}</title></rect><text x=\"{:.1}\" y=\"{}\" font-size=\"12\">{}</text>",
            LABEL - 6,
            y + 15,
            esc(&shown),
            LABEL,
            y + 3,
            ROW - 8,
            esc(label),
            esc(&value_text),
            LABEL as f64 + width + 4.0,
            y + 15,
            esc(&value_text)
        );
    }
    let _ = writeln!(h, "</svg></figure>");
}

/// Renders the subset of Markdown the datasheet uses (headings, tables, lists, quotes, code
/// spans, bold) as HTML, skipping the front matter and the parts drawn above.
fn markdown_body(md: &str) -> String {
    let mut out = String::new();
    let body = md.split("\n---\n").nth(1).unwrap_or(md);
    let mut in_table = false;
    let mut skip = false;
    for line in body.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            skip = title == "Risk summary";
        }
        if skip || line.starts_with("# ") {
            continue;
        }
        if line.starts_with('|') {
            if line.starts_with("|---") || line.starts_with("|--") {
                continue;
            }
            if !in_table {
                out.push_str("<table>\n");
                in_table = true;
            }
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
            out.push_str("<tr>");
            for c in cells {
                let _ = write!(out, "<td>{}</td>", inline(c.trim()));
            }
            out.push_str("</tr>\n");
            continue;
        }
        if in_table {
            out.push_str("</table>\n");
            in_table = false;
        }
        if let Some(t) = line.strip_prefix("### ") {
            let _ = writeln!(out, "<h3>{}</h3>", inline(t));
        } else if let Some(t) = line.strip_prefix("## ") {
            let _ = writeln!(out, "<h2>{}</h2>", inline(t));
        } else if let Some(t) = line.strip_prefix("> ") {
            let _ = writeln!(out, "<blockquote>{}</blockquote>", inline(t.trim_end_matches("  ")));
        } else if let Some(t) = line.strip_prefix("- [ ] ") {
            let _ = writeln!(out, "<p>☐ {}</p>", inline(t));
        } else if let Some(t) = line.strip_prefix("- ") {
            let _ = writeln!(out, "<p>• {}</p>", inline(t));
        } else if !line.trim().is_empty() {
            let _ = writeln!(out, "<p>{}</p>", inline(line));
        }
    }
    if in_table {
        out.push_str("</table>\n");
    }
    out
}

/// `code`, **bold** and the escaped pipe, on escaped text.
fn inline(s: &str) -> String {
    let s = esc(&s.replace("\\|", "|"));
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            for (j, p) in part.split("**").enumerate() {
                if j % 2 == 1 {
                    let class = if p == "open" { " class=\"open\"" } else { "" };
                    let _ = write!(out, "<strong{class}>{p}</strong>");
                    continue;
                }
                for (k, q) in p.split('*').enumerate() {
                    if k % 2 == 1 {
                        let _ = write!(out, "<em>{q}</em>");
                    } else {
                        out.push_str(q);
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markup_is_escaped_then_formatted() {
        assert_eq!(inline("a `<b>` **c** d\\|e *f*"), "a <code>&lt;b&gt;</code> <strong>c</strong> d|e <em>f</em>");
    }
}
