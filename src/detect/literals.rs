//! Finding the prefilter's literals, ASCII case-insensitively, at memory speed.
//!
//! Aho-Corasick's SIMD search (Teddy) works only case-sensitively and only for a few dozen
//! patterns, and hex-led patterns would stop at every `\uXXXX` escape of escaped JSON. So the
//! forms are split by how they start:
//! - one ASCII byte (`@`): `memchr`;
//! - a `\uXXXX` escape: looked up by code point from the prefilter's character pass, which
//!   decodes every escape anyway;
//! - anything else: a search for the form's first bytes, up to five (its anchor, `anchor_len`),
//!   and a case-insensitive check of the whole form where one is found. ASCII-led anchors are
//!   searched in a folded copy of the text (`fold_byte`: ASCII letters lower-cased, every byte
//!   that is not ASCII or is a backslash made 0xFF, a hyphen made a space), so each anchor has
//!   one spelling there rather than up to 32, and the separator variants of a form (`cc\u00a0by`,
//!   `cc—by`, `cc-by`) share one anchor. Anchors led by a non-ASCII byte (`版`, `©`, full-width
//!   forms) are searched apart, in the text itself, and only in text that has a non-ASCII byte:
//!   escaped JSON and English text have none, and mixing them with the ASCII anchors overfills
//!   Teddy's buckets, whose shared masks then match often.

use super::prefilter::{DetectorSet, Hit};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::BTreeMap;

/// A form as stored for checking: lower-case bytes and the detectors it stands for.
type Form = (Vec<u8>, DetectorSet);

/// An anchor's spelling as searched, with the forms to check where it is found.
type Spelling = (Vec<u8>, Vec<Form>);

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
/// anchor ends at its first byte that folds to 0xFF, a non-ASCII byte or the backslash of an
/// escape (the separators of `cc\u{a0}by`, `cc\\u2014by` … and the brackets of `(c）` and
/// `(c\\uff09` share one anchor each: see `ASCII_BUCKETS`), and never shorter than the
/// fingerprint (`cc` alone is in every `access`). A non-ASCII-led anchor is its first character.
fn anchor_len(lower: &[u8]) -> usize {
    let end = if lower[0] >= 0x80 {
        FINGERPRINT
    } else {
        let cut = lower.iter().position(|&b| fold_byte(b) == 0xFF);
        cut.map_or(ANCHOR, |i| (i + 1).clamp(FINGERPRINT, ANCHOR))
    };
    end.min(lower.len())
}

/// Teddy's slim variant (32 bytes a step, against the fat one's 16) has eight buckets, and a
/// bucket that holds anchors with different first bytes matches what mixes them: with 12
/// distinct three-byte prefixes among the ASCII anchors folded as `b | 0x20`, `res`, `cc ` and
/// `cc0` shared one, whose masks took English `re `, `se `, `ce ` … for candidates, and the
/// search cost 2.4 instructions a byte of English prose (1.2 with one prefix a bucket). The
/// fold keeps the built-in anchors within this many prefixes (a test holds it), and
/// `prefixes_first` numbers them so that each gets a bucket of its own.
#[cfg(test)]
pub(super) const ASCII_BUCKETS: usize = 8;

/// Teddy handles up to 64 patterns, beyond which Aho-Corasick falls back to a scalar automaton
/// ten times slower; so spellings are searched in groups of at most this many.
const GROUP: usize = 64;

/// Anchor spellings searched together (one fingerprint), with the forms to check where each
/// spelling (by pattern id) is found.
struct AnchorGroup {
    search: AhoCorasick,
    forms: Vec<Vec<Form>>,
    /// The anchors start with a non-ASCII byte: ASCII text holds none of them. Otherwise they
    /// are searched in the folded text (`fold_byte`).
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
    /// The prefixes Teddy tells apart among the anchors searched in the folded text (the test
    /// of the built-in literals holds them to `ASCII_BUCKETS`).
    #[cfg(test)]
    folded_prefixes: usize,
}

impl Default for Literals {
    fn default() -> Self {
        Literals {
            anchors: Vec::new(),
            bytes: Vec::new(),
            escaped: BTreeMap::new(),
            escaped_units: Vec::new(),
            starts: [false; 256],
            #[cfg(test)]
            folded_prefixes: 0,
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
        // An anchor as searched: ASCII-led ones folded, like the text they are searched in
        // (anchors may meet there, `cc-` and `cc `: each one's forms are checked).
        let searched = |anchor: &[u8]| if anchor[0] < 0x80 { folded(anchor) } else { anchor.to_vec() };
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
        // (`©` then a letter).
        let mut spellings: Vec<Spelling> = spellings
            .into_iter()
            .flat_map(|(key, forms)| {
                let each = if key[0] < 0x80 { vec![key] } else { case_spellings(&key) };
                each.into_iter().map(move |s| (s, forms.clone()))
            })
            .collect();
        spellings.sort_by_key(|(s, _)| (s[0] >= 0x80, std::cmp::Reverse(s.len())));
        let group_of = |s: &[u8]| (s[0] >= 0x80, s.len().min(FINGERPRINT));
        let by_kind = spellings.chunk_by(|a, b| group_of(&a.0) == group_of(&b.0));
        for group in by_kind.flat_map(|same| same.chunks(GROUP)) {
            let (group, prefixes) = prefixes_first(group);
            #[cfg(test)]
            if group[0].0[0] < 0x80 {
                lits.folded_prefixes += prefixes;
            }
            #[cfg(not(test))]
            let _ = prefixes;
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

/// A group's spellings (longest first) in the order Teddy is to number them: the first of
/// each prefix Teddy tells apart (the low nibbles of its fingerprint's bytes, the same in
/// either case), then the rest; and how many prefixes there are. Teddy puts a spelling with a
/// prefix it has not seen in bucket `7 - id % 8` (`15 - id % 16` in its fat variant), taking
/// spellings longest first, and one with a prefix it has seen in that prefix's bucket:
/// numbered so, up to eight prefixes get a bucket each, and no bucket's masks match the bytes
/// of two anchors crossed. (Only the search's speed depends on this, never what it finds.)
fn prefixes_first(group: &[Spelling]) -> (Vec<Spelling>, usize) {
    let prefix = |s: &[u8]| s.iter().take(FINGERPRINT).map(|b| b & 0x0F).collect::<Vec<u8>>();
    let mut seen = std::collections::BTreeSet::new();
    let (firsts, others): (Vec<_>, Vec<_>) = group.iter().cloned().partition(|(s, _)| seen.insert(prefix(s)));
    (firsts.into_iter().chain(others).collect(), seen.len())
}

#[cfg(test)]
impl Literals {
    pub(super) fn folded_prefixes(&self) -> usize {
        self.folded_prefixes
    }
}

/// A byte as the ASCII-led anchors are searched for it: an ASCII letter in lower case (bit
/// 0x20 set, as in every other ASCII byte), a hyphen as a space, and a byte that is not ASCII
/// or is a backslash as 0xFF, so that `cc by` and `cc-by`, and every separator written as
/// UTF-8 or as an escape, meet in one anchor (the check of the forms tells them apart).
/// Written as masks, without branches, for `fold_into`'s vector loop.
#[inline(always)]
fn fold_byte(b: u8) -> u8 {
    let lower = b | 0x20;
    let mask = |yes: bool| u8::from(yes).wrapping_neg();
    let other = mask(b >= 0x80) | mask(b == b'\\');
    // `-` (0x2D) and ` ` (0x20) differ in the bits 0x0D.
    (lower ^ (mask(lower == b'-') & 0x0D)) | other
}

/// Fills `folded` with `text` folded (`fold_byte`), and says whether `text` is all ASCII: one
/// pass for both, 32 bytes a step where the CPU has AVX2 (with SSE2's 16 the fold cost more
/// than the search it spares).
fn fold_into(text: &[u8], folded: &mut Vec<u8>) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        /// # Safety
        /// The CPU must have AVX2.
        #[target_feature(enable = "avx2")]
        unsafe fn wide(text: &[u8], folded: &mut Vec<u8>) -> bool {
            fold_loop(text, folded)
        }
        // SAFETY: the CPU has AVX2.
        return unsafe { wide(text, folded) };
    }
    fold_loop(text, folded)
}

#[inline(always)]
fn fold_loop(text: &[u8], folded: &mut Vec<u8>) -> bool {
    folded.clear();
    let mut high = 0u8;
    folded.extend(text.iter().map(|&b| {
        high |= b;
        fold_byte(b)
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

/// `bytes` folded (`fold_byte`): a case-sensitive search of the result is a case-insensitive
/// one of `bytes` that also finds what differs from a spelling in what the fold merges (`-`
/// for ` `, one separator for another): the check of the forms sorts it out.
fn folded(bytes: &[u8]) -> Vec<u8> {
    let mut folded = Vec::with_capacity(bytes.len());
    fold_into(bytes, &mut folded);
    folded
}

/// The largest copy kept for the next search: twice a scan chunk.
const KEEP_FOLDED: usize = 4 << 20;

thread_local! {
    /// The folded text, reused from one search to the next.
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
    fn anchors_that_meet_once_folded_are_each_checked() {
        // `cc-` and `cc `, and `cc` before a backslash or a non-ASCII byte, are one anchor each
        // in the search; each form is found only as written.
        let forms = [("cc\\u00a0by", 0), ("cc-by", 1), ("cc\u{2014}by", 2), ("(c)", 3)];
        let text = "CC\\u00A0BY cc by cc-by CC\u{2014}BY cc\\u2014by (C) cc\u{a0}by cc|u00a0by";
        assert_eq!(found(&forms, text), [(0, 0), (17, 1), (23, 2), (42, 3)]);
        // A non-ASCII-led anchor with a letter in it is found in either case too.
        assert_eq!(found(&[("éd", 0)], "éD éd ÉD"), [(0, 0), (4, 0)]);
        // Bytes that bit 0x20 changes but case does not (`\x08` to `(`, `\x09` to `)`).
        assert_eq!(found(&forms, "\x08c) (c\x09"), []);
    }

    #[test]
    fn anchors_are_five_bytes_cut_after_a_byte_folded_to_0xff_and_never_below_the_fingerprint() {
        let anchor = |form: &str| form.as_bytes()[..anchor_len(form.as_bytes())].to_vec();
        assert_eq!(anchor("copyright"), b"copyr");
        assert_eq!(anchor("cc\\u00a0by"), b"cc\\");
        assert_eq!(anchor("(c\\uff09"), b"(c\\");
        assert_eq!(anchor("(c)"), b"(c)");
        assert_eq!(anchor("cc0"), b"cc0");
        // Every separator of `cc by` and bracket of `(c)` that is not ASCII shares an anchor.
        assert_eq!(anchor("cc\u{a0}by"), b"cc\xc2");
        assert_eq!(anchor("cc—by"), anchor("cc―by"));
        assert_eq!(anchor("(c）"), b"(c\xef");
        // Folded, the brackets meet, as do `cc by` and `cc-by`, and the other separators.
        assert_eq!(folded(&anchor("(c）")), b"(c\xff");
        assert_eq!(folded(&anchor("(C\\uFF09")), b"(c\xff");
        assert_eq!(folded(&anchor("CC-BY")), b"cc by");
        for form in ["cc\u{a0}by", "cc—by", "cc\\u3000by"] {
            assert_eq!(folded(&anchor(form)), b"cc\xff", "{form}");
        }
        assert_eq!(anchor("版權所有"), "版".as_bytes());
        assert_eq!(anchor("©"), "©".as_bytes());
    }

    /// The vector loop folds as `fold_byte` does, byte by byte, and tells ASCII text apart.
    #[test]
    fn the_fold_is_the_same_at_any_width() {
        let text: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let mut folded = Vec::new();
        assert!(!fold_into(&text, &mut folded));
        assert_eq!(folded, text.iter().map(|&b| fold_byte(b)).collect::<Vec<u8>>());
        assert_eq!(fold_byte(b'A'), b'a');
        assert_eq!(fold_byte(b'-'), b' ');
        assert_eq!(fold_byte(b'\\'), 0xFF);
        assert_eq!(fold_byte(0x80), 0xFF);
        assert_eq!(fold_byte(b'|'), b'|');
        let ascii: Vec<u8> = (0..0x80u8).cycle().take(999).collect();
        assert!(fold_into(&ascii, &mut folded));
        assert_eq!(folded.len(), 999);
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
