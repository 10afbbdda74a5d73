//! summary.json: the summary in serde_json's indented layout, its content groups written here.
//! A corpus of many files has a group for each (20,000 files: 2.7 of the file's 3.9 MB), and
//! they took most of the 12-17 ms that summary.json added to the end of a run while every
//! other core was idle: serde escapes each hash and path a byte at a time, and each group's
//! paths, long out of cache after the scan, were waited for one group at a time.

use crate::summary::{ContentGroup, Summary};
use std::io::{self, BufWriter, Write};

/// How serde_json lays out the summary with no content groups: they are its last field.
const NO_GROUPS: &[u8] = b"\"content\": {}\n}";

/// Writes `summary` as `serde_json::to_writer_pretty` does, and a newline. It is borrowed
/// mutably only to set its content groups aside while serde writes the rest.
pub fn write(summary: &mut Summary, out: impl Write) -> io::Result<()> {
    let groups = std::mem::take(&mut summary.content);
    let rest = serde_json::to_vec_pretty(&*summary);
    summary.content = groups;
    let rest = rest?;
    let head = rest.strip_suffix(NO_GROUPS).expect("the content groups are the summary's last field");
    // Through a buffer that stays in cache, a group at a time: the whole text in memory (3.9 MB
    // for 20,000 files) cost more in page faults, and in giving the pages back, than in writing.
    let mut out = BufWriter::with_capacity(1 << 16, out);
    out.write_all(head)?;
    out.write_all(b"\"content\": ")?;
    if summary.content.is_empty() {
        out.write_all(b"{}")?;
    } else {
        write_groups(summary, &mut out)?;
    }
    out.write_all(b"\n}\n")?;
    out.flush()
}

/// The content groups as an object at the second level of indentation (there is one).
fn write_groups(summary: &Summary, out: &mut impl Write) -> io::Result<()> {
    let mut text = Vec::new();
    // The groups are visited in hash order, which is no order in memory, and each read waited on
    // two cache misses, its list of paths and the path: both are asked for ahead of their turn
    // (13 → 8 ms for 20,000 groups).
    let (mut lists_ahead, mut paths_ahead) = (summary.content.values().skip(16), summary.content.values().skip(8));
    for (i, (hash, group)) in summary.content.iter().enumerate() {
        if let Some(g) = lists_ahead.next() {
            prefetch(g.paths.as_ptr());
        }
        if let Some(path) = paths_ahead.next().and_then(|g| g.paths.iter().next()) {
            prefetch(path.as_ptr());
        }
        text.clear();
        text.extend_from_slice(if i == 0 { b"{\n    \"" } else { b",\n    \"" });
        text.extend_from_slice(&hash.digits());
        text.extend_from_slice(b"\": ");
        write_group(group, &mut text);
        out.write_all(&text)?;
    }
    out.write_all(b"\n  }")
}

/// Asks the CPU to bring the memory at `p` into its cache.
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing the program sees and never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// A group as an object at the third level of indentation.
fn write_group(group: &ContentGroup, text: &mut Vec<u8>) {
    let mut number = itoa::Buffer::new();
    text.extend_from_slice(b"{\n      \"files\": ");
    text.extend_from_slice(number.format(group.files).as_bytes());
    text.extend_from_slice(b",\n      \"bytes\": ");
    text.extend_from_slice(number.format(group.bytes).as_bytes());
    text.extend_from_slice(b",\n      \"paths\": ");
    let mut paths = group.paths.iter();
    match paths.next() {
        None => text.extend_from_slice(b"[]"),
        Some(first) => {
            text.extend_from_slice(b"[\n        ");
            write_string(first, text);
            for path in paths {
                text.extend_from_slice(b",\n        ");
                write_string(path, text);
            }
            text.extend_from_slice(b"\n      ]");
        }
    }
    text.extend_from_slice(b"\n    }");
}

/// A JSON string as serde_json writes it: most paths need no escape and are copied whole.
fn write_string(s: &str, text: &mut Vec<u8>) {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        serde_json::to_writer(text, s).expect("writing into memory does not fail");
    } else {
        text.push(b'"');
        text.extend_from_slice(s.as_bytes());
        text.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::digest;

    fn written(summary: &mut Summary) -> Vec<u8> {
        let mut out = Vec::new();
        write(summary, &mut out).unwrap();
        out
    }

    /// What serde writes of the whole summary, groups and all, is what `write` writes.
    fn agrees(summary: &mut Summary) {
        let expected = [serde_json::to_vec_pretty(&*summary).unwrap(), b"\n".to_vec()].concat();
        let got = written(summary);
        assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(expected).unwrap());
    }

    #[test]
    fn groups_are_written_as_serde_writes_them() {
        let mut summary = Summary::new("k", &[]);
        agrees(&mut summary);
        // Each character serde escapes alone in a path, and characters it does not escape.
        let paths =
            ["plain/a.jsonl", "a\"quote", "back\\slash", "tab\there", "line\u{1}", "中文/檔案.txt", "del\u{7f}"];
        for (n, path) in paths.iter().enumerate() {
            let g = summary.content.entry(digest::of_bytes(path.as_bytes())).or_default();
            (g.files, g.bytes) = (n as u64 + 1, u64::MAX - n as u64);
            g.paths.insert(path);
            if n % 2 == 1 {
                g.paths.insert("another/path");
            }
        }
        // A group whose paths were all left out (merged from a summary that kept none).
        summary.content.entry(digest::of_bytes(b"none")).or_default().files = 3;
        agrees(&mut summary);
        assert!(!summary.content.is_empty(), "the groups are put back");
    }
}
