//! Finding the prefilter's literals, ASCII case-insensitively, at memory speed.
//!
//! Aho-Corasick's SIMD search (Teddy) works only case-sensitively and only for a few dozen
//! patterns, and hex-led patterns would stop at every `\uXXXX` escape of escaped JSON. So the
//! forms are split by how they start:
//! - one ASCII byte (`@`): `memchr`;
//! - a `\uXXXX` escape: looked up by code point from the prefilter's character pass, which
//!   decodes every escape anyway;
//! - anything else: a search for the form's first bytes, up to five (its anchor, `anchor_len`),
//!   and a case-insensitive check of the whole form where one is found. ASCII-led anchors are searched
//!   in a copy of the text with bit 0x20 set in every byte, which lower-cases ASCII letters, so
//!   each anchor has one spelling there rather than up to 32. Anchors led by a non-ASCII byte
//!   (`版`, `©`, full-width forms) are searched apart, in the text itself, and only in text that
//!   has a non-ASCII byte: escaped JSON and English text have none, and mixing them with the
//!   ASCII anchors overfills Teddy's 16 buckets, whose shared masks then match often.

use super::prefilter::{DetectorSet, Hit};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::BTreeMap;

/// A form as stored for checking: lower-case bytes and the detectors it stands for.
type Form = (Vec<u8>, DetectorSet);

/// The longest anchor. Teddy checks an anchor whole where its fingerprint (the first
/// `FINGERPRINT` bytes) is found, while each anchor found costs a call into the search and a
/// check of its forms: `res` was found 26,000 times in 13.6 MB of prose (`Researchers`) for 23
/// `reserved`, `reser` only those 23 (the search pass took 15-25% less time, timed before
/// `anchor_len` cut ASCII-led anchors at a non-ASCII byte; the cut took 4M more instructions off
/// the 13.6 MB).
const ANCHOR: usize = 5;

/// Teddy's fingerprint is as long as the group's shortest pattern, up to three bytes here: so
/// anchors of three bytes and more are searched together, and shorter ones (`©`) apart.
const FINGERPRINT: usize = 3;

/// How much of a form (lower case) is its anchor: up to `ANCHOR` bytes, but an ASCII-led
/// anchor ends at its first non-ASCII byte (the separators of `cc\u{a0}by`, `cc—by` … or the
/// bracket of `(c）` share one anchor each, which keeps the ASCII anchors few enough for
/// Teddy's slim variant: it reads 32 bytes a step against the fat one's 16), and never
/// shorter than the fingerprint (`cc` alone is in every `access`). A non-ASCII-led anchor is its
/// first character.
fn anchor_len(lower: &[u8]) -> usize {
    let end = if lower[0] >= 0x80 {
        FINGERPRINT
    } else {
        lower.iter().position(|&b| b >= 0x80).map_or(ANCHOR, |i| (i + 1).clamp(FINGERPRINT, ANCHOR))
    };
    end.min(lower.len())
}

/// Teddy handles up to 64 patterns, beyond which Aho-Corasick falls back to a scalar automaton
/// ten times slower; so spellings are searched in groups of at most this many.
const GROUP: usize = 64;

/// Anchor spellings searched together (one fingerprint), with the forms to check where each
/// spelling (by pattern id) is found.
struct AnchorGroup {
    search: AhoCorasick,
    forms: Vec<Vec<Form>>,
    /// The anchors start with a non-ASCII byte: ASCII text holds none of them. Otherwise they
    /// are searched in the text with bit 0x20 set (`set_0x20`).
    non_ascii: bool,
}

pub struct Literals {
    anchors: Vec<AnchorGroup>,
    /// One-byte forms.
    bytes: Vec<(u8, DetectorSet)>,
    /// Forms that start with an escape, by the escaped UTF-16 unit.
    escaped: BTreeMap<u32, Vec<Form>>,
    /// The units of `escaped`, as a bitset: the character pass asks about every escape.
    escaped_units: Vec<u64>,
    /// Bytes some form can start with: a short text (a CSV cell) without any is skipped
    /// without a search.
    starts: [bool; 256],
}

impl Default for Literals {
    fn default() -> Self {
        Literals {
            anchors: Vec::new(),
            bytes: Vec::new(),
            escaped: BTreeMap::new(),
            escaped_units: Vec::new(),
            starts: [false; 256],
        }
    }
}

impl Literals {
    /// `forms` maps each written form of a literal to the detectors it stands for.
    pub fn new(forms: &BTreeMap<String, DetectorSet>) -> Result<Literals, String> {
        let mut lits = Literals::default();
        // Anchor (lower case) to the forms it leads.
        let mut by_anchor: BTreeMap<Vec<u8>, Vec<Form>> = BTreeMap::new();
        for (form, &set) in forms {
            let lower = form.to_ascii_lowercase().into_bytes();
            lits.starts[lower[0] as usize] = true;
            lits.starts[lower[0].to_ascii_uppercase() as usize] = true;
            if lower.len() == 1 {
                for b in [lower[0], lower[0].to_ascii_uppercase()] {
                    if !lits.bytes.iter().any(|(x, _)| *x == b) {
                        lits.bytes.push((b, set));
                    }
                }
            } else if let Some(unit) = lower.strip_prefix(b"\\u").and_then(|h| hex_unit(h.get(..4)?)) {
                lits.escaped.entry(unit).or_default().push((lower, set));
                lits.escaped_units.resize(1 << 10, 0);
                lits.escaped_units[unit as usize / 64] |= 1 << (unit % 64);
            } else {
                let anchor = lower[..anchor_len(&lower)].to_vec();
                by_anchor.entry(anchor).or_default().push((lower, set));
            }
        }
        if by_anchor.is_empty() {
            return Ok(lits);
        }
        // An anchor as searched: ASCII-led ones with bit 0x20 set, like the text they are
        // searched in (two anchors may meet there, `cc\\` and `cc|`: both are checked).
        let searched = |anchor: &[u8]| if anchor[0] < 0x80 { set_0x20(anchor) } else { anchor.to_vec() };
        // Where an anchor is found, the forms of every anchor it starts with are checked too:
        // the search reports only the longest anchor at a position.
        let mut spellings: BTreeMap<Vec<u8>, Vec<Form>> = BTreeMap::new();
        for anchor in by_anchor.keys() {
            let key = searched(anchor);
            let forms: Vec<Form> =
                by_anchor.iter().filter(|(a, _)| key.starts_with(&searched(a))).flat_map(|(_, f)| f.clone()).collect();
            let entry = spellings.entry(key).or_default();
            for form in forms {
                if !entry.contains(&form) {
                    entry.push(form);
                }
            }
        }
        // Non-ASCII-led anchors are searched in the text as it is, in every ASCII case spelling
        // (`©` then a letter). Teddy puts a pattern with a new prefix (by low nibbles, the same
        // in either case) in bucket `15 - id % 16`, and one with a prefix seen before in that
        // prefix's bucket. So each anchor's first spelling comes first: anchors get buckets of
        // their own, and no bucket's masks match the bytes of two anchors crossed (the sort is
        // stable).
        let (mut firsts, mut others) = (Vec::new(), Vec::new());
        for (key, forms) in spellings {
            let each = if key[0] < 0x80 { vec![key] } else { case_spellings(&key) };
            let mut each = each.into_iter().map(|s| (s, forms.clone()));
            firsts.extend(each.next());
            others.extend(each);
        }
        let mut spellings = firsts;
        spellings.append(&mut others);
        spellings.sort_by_key(|(s, _)| (s[0] >= 0x80, std::cmp::Reverse(s.len())));
        let group_of = |s: &[u8]| (s[0] >= 0x80, s.len().min(FINGERPRINT));
        let by_kind = spellings.chunk_by(|a, b| group_of(&a.0) == group_of(&b.0));
        for group in by_kind.flat_map(|same| same.chunks(GROUP)) {
            let search = AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(group.iter().map(|(s, _)| s))
                .map_err(|e| format!("prefilter literals: {e}"))?;
            let forms = group.iter().map(|(_, f)| f.clone()).collect();
            lits.anchors.push(AnchorGroup { search, forms, non_ascii: group[0].0[0] >= 0x80 });
        }
        Ok(lits)
    }

    /// Reports every form found in `text`, except those that start with an escape.
    pub fn each(&self, text: &[u8], f: &mut impl FnMut(Hit)) {
        // Searches have a fixed cost that dominates on cells of a few bytes.
        if text.len() <= 64 && !text.iter().any(|&b| self.starts[b as usize]) {
            return;
        }
        for &(b, detectors) in &self.bytes {
            for pos in memchr::memchr_iter(b, text) {
                f(Hit { pos, detectors });
            }
        }
        FOLDED.with_borrow_mut(|folded| {
            // Every built-in set has both kinds of anchor, so the copy is made at once, and the
            // pass that makes it tells whether the non-ASCII ones can be there at all.
            let ascii = fold_into(text, folded);
            for group in &self.anchors {
                let haystack = if !group.non_ascii {
                    &folded[..]
                } else if ascii {
                    continue;
                } else {
                    text
                };
                // Resuming one byte after each anchor's start, so an overlapping form is found too.
                let mut at = 0;
                while let Some(m) = group.search.find(aho_corasick::Input::new(haystack).range(at..)) {
                    check(text, m.start(), &group.forms[m.pattern().as_usize()], f);
                    at = m.start() + 1;
                }
            }
            // A long line (up to `MAX_LINE`) is searched whole; its copy is not kept.
            if folded.capacity() > KEEP_FOLDED {
                *folded = Vec::new();
            }
        });
    }

    /// Whether some form starts with an escape of this UTF-16 unit.
    #[inline]
    pub fn starts_escape(&self, unit: u32) -> bool {
        self.escaped_units.get(unit as usize / 64).is_some_and(|w| w & (1 << (unit % 64)) != 0)
    }

    /// Reports the forms that start with the escape of `unit` at `pos`.
    pub fn escaped_at(&self, text: &[u8], pos: usize, unit: u32, f: &mut impl FnMut(Hit)) {
        if let Some(forms) = self.escaped.get(&unit) {
            check(text, pos, forms, f);
        }
    }
}

/// Fills `folded` with `text`, bit 0x20 set in every byte (ASCII letters in lower case), and
/// says whether `text` is all ASCII: one pass for both.
fn fold_into(text: &[u8], folded: &mut Vec<u8>) -> bool {
    folded.clear();
    let mut high = 0u8;
    folded.extend(text.iter().map(|&b| {
        high |= b;
        b | 0x20
    }));
    high < 0x80
}

fn check(text: &[u8], pos: usize, forms: &[Form], f: &mut impl FnMut(Hit)) {
    for (form, detectors) in forms {
        if text.get(pos..pos + form.len()).is_some_and(|t| t.eq_ignore_ascii_case(form)) {
            f(Hit { pos, detectors: *detectors });
        }
    }
}

/// Every spelling of `anchor` with its ASCII letters in either case.
fn case_spellings(anchor: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![Vec::new()];
    for &b in anchor {
        let options = if b.is_ascii_alphabetic() { vec![b, b.to_ascii_uppercase()] } else { vec![b] };
        out = out.iter().flat_map(|s| options.iter().map(move |&o| [s.as_slice(), &[o]].concat())).collect();
    }
    out
}

/// `bytes` with bit 0x20 set in each: ASCII letters lower-cased, so a case-sensitive search
/// of the result is a case-insensitive one of `bytes` (that also finds what differs from a
/// spelling only in that bit elsewhere, `|` for `\\`: the check of the form sorts it out).
fn set_0x20(bytes: &[u8]) -> Vec<u8> {
    let mut folded = Vec::with_capacity(bytes.len());
    fold_into(bytes, &mut folded);
    folded
}

/// The largest copy kept for the next search: twice a scan chunk.
const KEEP_FOLDED: usize = 4 << 20;

thread_local! {
    /// The text with bit 0x20 set, reused from one search to the next.
    static FOLDED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The value of four hex digits.
pub fn hex_unit(h: &[u8]) -> Option<u32> {
    hex_digits(h.try_into().ok()?)
}

/// The value of four hex digits. Escaped JSON has one such per character, so this is a table
/// lookup rather than a parse.
#[inline(always)]
pub fn hex_digits(h: [u8; 4]) -> Option<u32> {
    let v = |i: usize| HEX[h[i] as usize] << (12 - 4 * i);
    let unit = v(0) | v(1) | v(2) | v(3);
    (unit <= 0xFFFF).then_some(unit)
}

/// Each byte's hex value; a byte that is not a hex digit has a bit above the 16 that four
/// shifted digits can set.
static HEX: [u32; 256] = {
    let mut t = [0x10000u32; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b as u8 {
            x @ b'0'..=b'9' => (x - b'0') as u32,
            x @ b'a'..=b'f' => (x - b'a' + 10) as u32,
            x @ b'A'..=b'F' => (x - b'A' + 10) as u32,
            _ => 0x10000,
        };
        b += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    fn found(forms: &[(&str, usize)], text: &str) -> Vec<(usize, usize)> {
        let map = forms.iter().map(|(f, d)| (f.to_string(), DetectorSet::EMPTY.with(*d))).collect();
        let lits = Literals::new(&map).unwrap();
        let mut hits = Vec::new();
        lits.each(text.as_bytes(), &mut |h| hits.push(h));
        let bytes = text.as_bytes();
        for i in 0..bytes.len() {
            if let Some(unit) = bytes.get(i..).and_then(|s| s.strip_prefix(b"\\u")).and_then(|h| hex_unit(h.get(..4)?))
            {
                if lits.starts_escape(unit) {
                    lits.escaped_at(bytes, i, unit, &mut |h| hits.push(h));
                }
            }
        }
        let mut got: Vec<(usize, usize)> =
            hits.iter().map(|h| (h.pos, (0..64).find(|&d| h.detectors.contains(d)).unwrap())).collect();
        got.sort();
        got
    }

    #[test]
    fn forms_are_found_in_any_ascii_case_and_overlapping() {
        let forms = [("copyright", 0), ("cop", 1), ("@", 2), ("版權", 3), ("\\u7248\\u6b0a", 3), ("cc by", 4)];
        assert_eq!(found(&forms, "CopyRight x@y"), [(0, 0), (0, 1), (11, 2)]);
        assert_eq!(found(&forms, "版權 \\u7248\\u6B0A"), [(0, 3), (7, 3)]);
        assert_eq!(found(&forms, "acc bycc BY"), [(1, 4), (6, 4)]);
        assert_eq!(found(&forms, "copyrigh c0pyright"), [(0, 1)]);
    }

    #[test]
    fn forms_led_by_non_ascii_bytes_or_folded_separators_are_found() {
        let forms = [("cc\u{a0}by", 0), ("(c）", 1), ("©", 2), ("版權所有", 3), ("res", 4)];
        assert_eq!(found(&forms, "access CC\u{a0}BY (C）"), [(7, 0), (14, 1)]);
        assert_eq!(found(&forms, "x © 2024 版權所有 RES"), [(2, 2), (10, 3), (23, 4)]);
        // ASCII text is not searched for the non-ASCII anchors, and loses nothing by it.
        assert_eq!(found(&forms, "ascii only: (c) cc by, reserved"), [(23, 4)]);
    }

    #[test]
    fn anchors_that_meet_once_bit_0x20_is_set_are_each_checked() {
        // `cc\\` and `cc|` are one anchor in the search; each form is found only as written.
        let forms = [("cc\\u00a0by", 0), ("cc|x", 1), ("(c)", 2)];
        assert_eq!(found(&forms, r"CC\u00A0BY cc|x CC|U00A0BY cc\x (C)"), [(0, 0), (11, 1), (32, 2)]);
        // A non-ASCII-led anchor with a letter in it is found in either case too.
        assert_eq!(found(&[("éd", 0)], "éD éd ÉD"), [(0, 0), (4, 0)]);
        // Bytes that bit 0x20 changes but case does not (`\x08` to `(`, `\x09` to `)`).
        assert_eq!(found(&forms, "\x08c) (c\x09"), []);
    }

    #[test]
    fn anchors_are_five_bytes_cut_after_a_non_ascii_byte_and_never_below_the_fingerprint() {
        let anchor = |form: &str| form.as_bytes()[..anchor_len(form.as_bytes())].to_vec();
        assert_eq!(anchor("copyright"), b"copyr");
        assert_eq!(anchor("cc\\u00a0by"), b"cc\\u0");
        assert_eq!(anchor("(c)"), b"(c)");
        assert_eq!(anchor("cc0"), b"cc0");
        // Every separator of `cc by` and bracket of `(c)` that is not ASCII shares an anchor.
        assert_eq!(anchor("cc\u{a0}by"), b"cc\xc2");
        assert_eq!(anchor("cc—by"), anchor("cc―by"));
        assert_eq!(anchor("(c）"), b"(c\xef");
        assert_eq!(anchor("版權所有"), "版".as_bytes());
        assert_eq!(anchor("©"), "©".as_bytes());
    }

    #[test]
    fn hex_units_read_either_case_and_refuse_other_bytes() {
        assert_eq!(hex_unit(b"7248"), Some(0x7248));
        assert_eq!(hex_unit(b"fF0a"), Some(0xFF0A));
        for bad in [&b"12g4"[..], b"123", b"12345", b" 123", b"\\u12"] {
            assert_eq!(hex_unit(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        for b in 0..=255u8 {
            assert_eq!(hex_unit(&[b'0', b'0', b'0', b]), (b as char).to_digit(16), "{b}");
        }
    }
}
