//! A fast look at a JSONL line: is it a record (valid JSON), what letters do its values hold,
//! and what does the prefilter's character pass flag in them? One pass, nothing decoded into
//! memory.
//!
//! Most lines of a corpus hold no candidate, and for them this replaces a full parse. It must
//! agree with `records::json_values` (serde_json), so it answers only when sure: anything
//! unusual (an exponent, a lone surrogate, deep nesting) returns `None`, and the caller parses
//! the line properly. The tests compare the two on many lines.

use super::ascii::{self, Stop};
use super::escapes;
use super::script::{ClassCounts, ClassTally, ScriptCounts};
use crate::detect::prefilter::{hex_unit, CharTracker, DetectorSet, Prefilter};

/// Deeper nesting is left to serde_json, whose limit is 128.
const MAX_DEPTH: usize = 100;

/// What a skim learned of a valid line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skimmed {
    /// The letters of the string values (not the keys), but for the runs of escapes in
    /// `escaped` (`letters` adds them up).
    pub scripts: ScriptCounts,
    pub escaped: ClassCounts,
    /// What the prefilter's character pass flags in the values (digit runs, full-width letters,
    /// escaped literals); the caller adds the literal search's hits.
    pub flagged: DetectorSet,
}

impl Skimmed {
    /// All the letters of the string values.
    pub fn letters(&self) -> ScriptCounts {
        let mut all = self.scripts;
        all.add(&self.escaped.scripts());
        all
    }
}

/// `None` if `line` is not one valid JSON value or the skim is unsure. `line` must be valid
/// UTF-8.
pub fn skim_json(line: &[u8], prefilter: &Prefilter) -> Option<Skimmed> {
    skim_json_line(line, prefilter).filter(|&(_, len)| len == line.len()).map(|(skimmed, _)| skimmed)
}

/// Skims the line at the start of `text` (up to its first newline): `Some` with the line's
/// length if it is one valid JSON value between spaces, tabs or carriage returns, as
/// `skim_json` of the trimmed line would. `None` if the skim is unsure or the line is anything
/// else, and then the caller finds the line's end. `text` must be valid UTF-8.
pub fn skim_json_line(text: &[u8], prefilter: &Prefilter) -> Option<(Skimmed, usize)> {
    let mut counts = SkimCounts::default();
    let (flagged, len) = skim_line(text, prefilter, wide(), &mut counts)?;
    Some((counts.skimmed(flagged), len))
}

/// The letters of the string values of skimmed lines, added up line after line: a line's
/// skim starts from them and leaves them with its own added only if it settles the line.
/// (Returned with each line and added up by the caller, they took some 100 instructions a
/// line.)
#[derive(Clone, Copy, Default)]
pub struct SkimCounts {
    /// The letters but for the runs of escapes in `escaped`.
    scripts: ScriptCounts,
    /// The escapes `plain_escapes` passed over, counted by class: in `tally` until it fills.
    escaped: ClassCounts,
    tally: ClassTally,
}

impl SkimCounts {
    /// All the letters counted.
    pub fn scripts(self) -> ScriptCounts {
        self.skimmed(DetectorSet::EMPTY).letters()
    }

    /// The counts, the tally moved out, with what was `flagged`.
    fn skimmed(mut self, flagged: DetectorSet) -> Skimmed {
        self.tally.move_into(&mut self.escaped);
        Skimmed { scripts: self.scripts, escaped: self.escaped, flagged }
    }
}

/// Whether the CPU has AVX2 and popcnt, for the skim's 32-byte steps.
fn wide() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("popcnt");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// `skim_json_line`, its strings read 32 bytes a step if `wide` (which only a CPU with AVX2
/// and popcnt may set).
fn skim_line(text: &[u8], prefilter: &Prefilter, wide: bool, counts: &mut SkimCounts) -> Option<(DetectorSet, usize)> {
    let chars = CharTracker::new(prefilter);
    let mut p = Skim { s: text, i: 0, counts: *counts, chars, flagged: DetectorSet::EMPTY, wide };
    // The skim never steps over a newline: whitespace here leaves it out, and a string or key
    // holding one is refused.
    p.value(0)?;
    p.ws();
    matches!(text.get(p.i), None | Some(b'\n')).then_some(())?;
    *counts = p.counts;
    Some((p.flagged, p.i))
}

/// The lines of `block` (split at each newline; the last one after the last newline), each
/// with what the prefilter's character pass flags in it if its skim settled it; the letters of
/// the lines it settled go to `counts`. Where the skim of a line succeeds it also found the
/// line's end, so most lines of a JSONL block are never searched for their newline. With
/// `skim` false (a block that is not valid UTF-8), lines are only split.
pub fn skimmed_lines<'a, 'c>(
    block: &'a [u8],
    prefilter: &'a Prefilter,
    skim: bool,
    counts: &'c mut SkimCounts,
) -> impl Iterator<Item = (&'a [u8], Option<DetectorSet>)> + use<'a, 'c> {
    let (mut next, wide) = (Some(0), wide());
    std::iter::from_fn(move || {
        let rest = &block[next?..];
        let (len, skimmed) = match skim.then(|| skim_line(rest, prefilter, wide, counts)).flatten() {
            Some((flagged, len)) => (len, Some(flagged)),
            None => (memchr::memchr(b'\n', rest).unwrap_or(rest.len()), None),
        };
        next = next.filter(|_| len < rest.len()).map(|at| at + len + 1);
        Some((&rest[..len], skimmed))
    })
}

struct Skim<'a, 'p> {
    s: &'a [u8],
    i: usize,
    counts: SkimCounts,
    chars: CharTracker<'p>,
    flagged: DetectorSet,
    /// The CPU has AVX2 and popcnt: strings are read 32 bytes a step.
    wide: bool,
}

impl Skim<'_, '_> {
    /// Feeds a decoded character (at `at`, an escape if `unit` is given) to the character pass.
    #[inline]
    fn code_point(&mut self, at: usize, cp: u32, unit: Option<u32>) {
        let flagged = &mut self.flagged;
        self.chars.code_point(self.s, at, cp, unit, &mut |h| *flagged = flagged.union(h.detectors));
    }

    /// Feeds the ASCII text `s[start..end]` to the character pass, each digit run in one step,
    /// and leaves the cursor at `end`.
    fn feed_ascii(&mut self, start: usize, end: usize) {
        self.i = start;
        while self.i < end {
            match self.s[self.i] {
                b'0'..=b'9' => self.digit_run(end),
                // A number's other characters: `-`, `.`.
                b => {
                    self.chars.plain_ascii(b);
                    self.i += 1;
                }
            }
        }
    }

    /// Feeds the run of ASCII digits at the cursor (up to `limit`) and moves past it.
    fn digit_run(&mut self, limit: usize) {
        let len = self.digits_at(limit);
        self.feed_digits(len);
    }

    /// How many ASCII digits start at the cursor (up to `limit`).
    #[inline(always)]
    fn digits_at(&self, limit: usize) -> usize {
        let start = self.i;
        self.s[start..limit].iter().position(|b| !b.is_ascii_digit()).unwrap_or(limit - start)
    }

    /// Feeds the `len` ASCII digits at the cursor to the character pass and moves past them.
    #[inline(always)]
    fn feed_digits(&mut self, len: usize) {
        let start = self.i;
        self.i = start + len;
        let flagged = &mut self.flagged;
        self.chars.ascii_digits(self.s, start, self.i, &mut |h| *flagged = flagged.union(h.detectors));
    }

    /// The digits at the cursor in a string, and the cursor past them. Prose is full of short
    /// numbers (`09:30`, `1,024`, `2023.`) that no digit rule can flag: where the pass is idle
    /// and what follows ends the run for good, they are stepped over without feeding the
    /// pass, which would count them, flag nothing and be idle again (8M of the skim's 102M
    /// instructions on 1,000 files of mixed prose went to such runs). Otherwise they are fed,
    /// and if what follows ends the run, the pass is reset at once and the plain-ASCII loop
    /// reads on.
    #[inline(always)]
    fn string_digits(&mut self) {
        let len = self.digits_at(self.s.len());
        let settled = ascii::settles(self.s, self.i + len);
        if settled && self.chars.passes_over(len) {
            self.i += len;
            return;
        }
        self.feed_digits(len);
        if settled {
            self.chars.reset();
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// JSON's whitespace but the newline, which ends a line.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        let yes = self.peek() == Some(b);
        self.i += usize::from(yes);
        yes
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        self.eat(b).then_some(())
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string(true),
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn object(&mut self, depth: usize) -> Option<()> {
        self.container(depth, b'}', |p, depth| {
            p.ws();
            p.key()?;
            p.ws();
            p.expect(b':')?;
            p.ws();
            // A member's value is mostly a string or a number: read here, without the call to
            // `value` that recursion keeps out of line (1% of a JSONL scan's instructions).
            match p.peek()? {
                b'"' => p.string(true),
                b'-' | b'0'..=b'9' => p.number(),
                _ => p.value(depth),
            }
        })
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        self.container(depth, b']', Skim::value)
    }

    /// An object or array at the cursor: members separated by commas up to `close`.
    fn container(&mut self, depth: usize, close: u8, member: impl Fn(&mut Self, usize) -> Option<()>) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.i += 1;
        self.ws();
        if self.eat(close) {
            return Some(());
        }
        loop {
            member(self, depth)?;
            self.ws();
            if !self.eat(b',') {
                return self.expect(close);
            }
        }
    }

    fn word(&mut self, w: &[u8]) -> Option<()> {
        self.s[self.i..].starts_with(w).then(|| self.i += w.len())
    }

    /// An integer or a decimal fraction. Exponents are left to serde_json, which rejects the
    /// ones that overflow.
    fn number(&mut self) -> Option<()> {
        let start = self.i;
        self.number_syntax()?;
        // Integers are scanned as text (`"phone": 91234567`).
        let end = self.i;
        self.chars.reset();
        // A number shorter than every digit rule (most ids) can flag nothing.
        if !self.chars.passes_over(end - start) {
            self.feed_ascii(start, end);
            self.chars.reset();
        }
        Some(())
    }

    fn number_syntax(&mut self) -> Option<()> {
        self.eat(b'-');
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.eat(b'.') {
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        (!matches!(self.peek(), Some(b'e' | b'E'))).then_some(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
    }

    /// An object's key, which nothing counts or flags: most are a few plain bytes, stepped over
    /// in one loop; one with an escape or a control character is read as any string.
    fn key(&mut self) -> Option<()> {
        let rest = self.s.get(self.i + 1..).filter(|_| self.peek() == Some(b'"'))?;
        match rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20) {
            Some(n) if rest[n] == b'"' => {
                self.i += n + 2;
                Some(())
            }
            _ => self.string(false),
        }
    }

    /// A string; when it is a value (`count`), its letters are counted and its characters fed
    /// to the character pass.
    fn string(&mut self, count: bool) -> Option<()> {
        #[cfg(target_arch = "x86_64")]
        if self.wide {
            // SAFETY: `wide` says the CPU has AVX2 and popcnt.
            return unsafe { self.string_avx2(count) };
        }
        // SAFETY: not wide.
        unsafe { self.string_with::<false>(count) }
    }

    /// `string` compiled for AVX2 and popcnt, with the vector steps inlined.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,popcnt")]
    unsafe fn string_avx2(&mut self, count: bool) -> Option<()> {
        // SAFETY: this function runs only where the CPU has AVX2 and popcnt.
        unsafe { self.string_with::<true>(count) }
    }

    /// # Safety
    /// `WIDE` only where the CPU has AVX2 and popcnt.
    #[inline(always)]
    unsafe fn string_with<const WIDE: bool>(&mut self, count: bool) -> Option<()> {
        self.expect(b'"')?;
        self.chars.reset();
        loop {
            // Plain ASCII, while no digit run is under way.
            if self.chars.is_idle() || !count {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: the caller's promise.
                let (end, letters) = if WIDE {
                    unsafe { ascii::json_run_avx2(self.s, self.i, if count { self.chars.short_run() } else { 0 }) }
                } else {
                    ascii::run(self.s, self.i, Stop::JsonString)
                };
                #[cfg(not(target_arch = "x86_64"))]
                let (end, letters) = ascii::run(self.s, self.i, Stop::JsonString);
                self.i = end;
                if count {
                    self.counts.scripts.latin += letters;
                }
            }
            let (b, at) = (self.peek()?, self.i);
            match b {
                b'"' => {
                    self.i += 1;
                    self.chars.reset();
                    return Some(());
                }
                0x00..=0x1F => return None,
                // SAFETY: the caller's promise.
                b'\\' if count && self.chars.is_idle() && unsafe { self.plain_escapes::<WIDE>() } => {}
                b'\\' => {
                    let (cp, unit) = self.escape()?;
                    if count {
                        self.counts.scripts.count_code_point(cp);
                        // Most escapes are Han characters, which matter to the character pass
                        // only inside a digit run or as a literal's start.
                        if self.chars.wants(cp, unit) {
                            self.code_point(at, cp, unit);
                        }
                    }
                }
                b'0'..=b'9' if count => self.string_digits(),
                0x20..=0x7F => {
                    if count {
                        // Not a quote, backslash or digit: those have arms of their own.
                        self.counts.scripts.latin += u64::from(b.is_ascii_alphabetic());
                        self.chars.plain_ascii(b);
                    }
                    self.i += 1;
                }
                lead => {
                    let (cp, len) = decode(&self.s[self.i..], lead);
                    self.i += len;
                    if count {
                        self.counts.scripts.count_code_point(cp);
                        self.code_point(at, cp, None);
                    }
                }
            }
        }
    }

    /// Counts the run of `\uXXXX` escapes at the cursor that the idle character pass would
    /// pass over (escaped Chinese text is mostly such runs), and moves past them; false if the
    /// first escape needs the general path: a surrogate, a digit, a full-width form, a
    /// literal's start, or not a `\u` escape at all.
    ///
    /// # Safety
    /// `WIDE` only where the CPU has AVX2.
    #[inline(always)]
    unsafe fn plain_escapes<const WIDE: bool>(&mut self) -> bool {
        debug_assert!(self.chars.is_idle(), "an escape the idle pass passes over leaves it idle");
        let start = self.i;
        let classes = self.chars.escape_classes();
        let mut c = escapes::Counting { classes, tally: &mut self.counts.tally, counts: &mut self.counts.escaped };
        #[cfg(target_arch = "x86_64")]
        if WIDE {
            // SAFETY: the caller's promise.
            self.i = unsafe { escapes::plain_run_avx2(self.s, start, &mut c) };
            return self.i > start;
        }
        self.i = escapes::plain_run(self.s, start, &mut c);
        self.i > start
    }

    /// The character an escape stands for (a control character for `\n` and the like, which
    /// no script counts), and its first UTF-16 unit when the escape is a `\uXXXX`.
    fn escape(&mut self) -> Option<(u32, Option<u32>)> {
        let kind = *self.s.get(self.i + 1)?;
        if kind != b'u' {
            self.i += 2;
            return matches!(kind, b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't').then_some((0, None));
        }
        let high = hex_unit(self.s.get(self.i + 2..self.i + 6)?)?;
        self.i += 6;
        match high {
            0xD800..=0xDBFF => {
                // Only a well-formed pair is sure to decode; serde_json judges the rest.
                if self.s.get(self.i..self.i + 2)? != b"\\u" {
                    return None;
                }
                let low = hex_unit(self.s.get(self.i + 2..self.i + 6)?)?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return None;
                }
                self.i += 6;
                Some((0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), Some(high)))
            }
            0xDC00..=0xDFFF => None,
            cp => Some((cp, Some(cp))),
        }
    }
}

/// The code point and length of the UTF-8 sequence at the start of `s` (already validated).
fn decode(s: &[u8], lead: u8) -> (u32, usize) {
    let cont = |j: usize| u32::from(s.get(j).copied().unwrap_or(0) & 0x3F);
    match lead {
        0xC0..=0xDF => ((u32::from(lead & 0x1F) << 6) | cont(1), 2),
        0xE0..=0xEF => ((u32::from(lead & 0x0F) << 12) | (cont(1) << 6) | cont(2), 3),
        _ => ((u32::from(lead & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3), 4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::records::json_values;
    use crate::detect::Engine;
    use proptest::prelude::*;

    /// The skim of a line, read 32 bytes a step where the CPU can and 16 where it cannot, which
    /// must agree.
    fn skim(line: &[u8]) -> Option<ScriptCounts> {
        thread_local!(static ENGINE: Engine = Engine::builtin().unwrap());
        let skimmed = ENGINE.with(|e| skim_json(line, e.prefilter())).map(|s| (s.flagged, s.letters()));
        let mut counts = SkimCounts::default();
        let narrow = ENGINE.with(|e| skim_line(line, e.prefilter(), false, &mut counts));
        let narrow = narrow.filter(|&(_, len)| len == line.len()).map(|(flagged, _)| (flagged, counts.scripts()));
        assert_eq!(skimmed, narrow, "{line:?}");
        skimmed.map(|(_, scripts)| scripts)
    }

    /// What the full parse says: valid or not, and the letters of the values it reports.
    fn parsed(line: &str) -> Option<ScriptCounts> {
        let mut scripts = ScriptCounts::default();
        json_values(line.as_bytes(), &mut |_, _, text| scripts.add(&ScriptCounts::count(text.as_bytes()))).ok()?;
        Some(scripts)
    }

    fn agrees(line: &str) {
        if let Some(skimmed) = skim(line.as_bytes()) {
            assert_eq!(Some(skimmed), parsed(line), "{line}");
        }
    }

    /// Short numbers are stepped over without the character pass, but only where that changes
    /// nothing: each line is flagged exactly as the pass flags its decoded text.
    #[test]
    fn short_digit_runs_are_passed_over_only_where_they_cannot_flag() {
        let engine = Engine::builtin().unwrap();
        let p = engine.prefilter();
        let flags = |line: &str| skim_json(line.as_bytes(), p).expect("a valid line").flagged;
        for (value, flagged) in [
            // Five digits, then nothing that continues the run: below every digit rule.
            (r#""opens at 09:30, 12345 visitors.""#, false),
            ("12345", false),
            // Six after a letter (an HKID's digits) and eight (a phone's), as a string or a number.
            (r#""card A123456""#, true),
            (r#""call 91234567""#, true),
            ("91234567", true),
            // Short groups that a gap joins, or that a full-width digit or an escaped one
            // continues, are fed to the pass.
            (r#""call 9123 4567""#, true),
            (r#""call 9123-4567.""#, true),
            (r#""call 91\u0032\u00334567""#, true),
            (r#""call 9123４５６７""#, true),
            (r#""dates 2019-01-01 and 09 30""#, false),
        ] {
            let line = format!(r#"{{"id": 7, "text": {value}}}"#);
            let text = match serde_json::from_str(value).unwrap() {
                serde_json::Value::String(text) => text,
                number => number.to_string(),
            };
            assert_eq!(!flags(&line).is_empty(), flagged, "{line}");
            assert_eq!(flags(&line), p.detectors_in(text.as_bytes()), "{line}");
        }
    }

    #[test]
    fn long_runs_of_escapes_are_counted_exactly() {
        // Runs longer than a register tally holds (127 pairs), of one class and of several.
        for (n, chars) in [(1000, "字"), (301, "們们字，"), (254, "字"), (255, "們")] {
            let text: String = chars.chars().cycle().take(n).collect();
            let line = format!(r#"{{"text": "{}"}}"#, crate::detect::prefilter::json_escaped(&text));
            let counts = skim(line.as_bytes()).expect("a valid line");
            assert_eq!(Some(counts), parsed(&line), "{n} of {chars}");
            assert_eq!(counts.han, text.chars().filter(|&c| c != '，').count() as u64, "{n} of {chars}");
        }
    }

    #[test]
    fn valid_lines_are_counted_as_the_parser_counts_them() {
        for line in [
            r#"{"id": 1, "text": "\u8eab\u4efd\u8b49 Chan caf\u00e9 \ud83d\ude00 x\ny", "tags": ["a", "b"], "n": -0.5}"#,
            r#"{"k\u0065y": {"nested": [true, false, null, {"deep": "字"}]}, "empty": {}, "list": []}"#,
            r#""bare string""#,
            "12",
            " [1, 2.25, -3] ",
            r#"{"raw": "原文 text"}"#,
        ] {
            assert!(skim(line.as_bytes()).is_some(), "{line}");
            agrees(line);
        }
        let counts = skim(r#"{"key": "ab \u8eab"}"#.as_bytes()).unwrap();
        assert_eq!((counts.latin, counts.han), (2, 1), "keys are not counted");
    }

    #[test]
    fn invalid_or_unusual_lines_are_left_to_the_parser() {
        for line in [
            "{broken",
            r#"{"a": 1} trailing"#,
            r#"{"a": 1,}"#,
            r#"{"a": 01}"#,
            r#"{"a": 1e999}"#,
            r#"{"a": "\ud800"}"#,
            r#"{"a": "\udc00x"}"#,
            "{\"a\": \"tab\there\"}",
            r#"{"a": "\x"}"#,
            r#"{"a" 1}"#,
            // Keys are stepped over quickly, and still checked.
            "{\"k\tey\": 1}",
            r#"{"\x": 1}"#,
            r#"{"key"#,
            r#"{"key: 1}"#,
            "[1 2]",
            "tru",
            "\u{c}{}",
            &("[".repeat(200) + &"]".repeat(200)),
        ] {
            assert!(skim(line.as_bytes()).is_none(), "{line}");
        }
    }

    /// `s` as Python's `json.dumps` writes it: every non-ASCII character escaped.
    fn ensure_ascii(s: &str) -> String {
        crate::detect::prefilter::json_escaped(&serde_json::to_string(s).unwrap())
    }

    proptest! {
        /// A value's candidates are flagged on its JSONL line, raw or escaped: what the skim
        /// flags plus what the literal search finds on the line covers what the prefilter flags
        /// in the decoded value.
        #[test]
        fn the_skim_flags_what_the_text_holds(
            picks in proptest::collection::vec(
                prop_oneof![
                    Just("A123456(3)"), Just("Ａ１２３４５６（３）"), Just("9123 4567"), Just("９１２３　４５６７"),
                    Just("a@b.co"), Just("（c） 2020"), Just("版權所有"), Just("cc\u{a0}by"), Just("x"), Just(" "),
                    Just("電話"), Just("2019-01-01"), Just("1"),
                ],
                0..12,
            ),
            escaped in any::<bool>(),
        ) {
            let text: String = picks.concat();
            let value = if escaped { ensure_ascii(&text) } else { serde_json::to_string(&text).unwrap() };
            let line = format!("{{\"id\": 7, \"text\": {value}}}");
            let engine = Engine::builtin().unwrap();
            let p = engine.prefilter();
            let mut hits = Vec::new();
            p.literal_hits(line.as_bytes(), &mut hits);
            let skimmed = skim_json(line.as_bytes(), p).unwrap();
            let flagged = hits.iter().fold(skimmed.flagged, |set, h| set.union(h.detectors));
            let want = p.detectors_in(text.as_bytes());
            prop_assert_eq!(flagged.union(want), flagged, "{}", line);
        }

        /// Whatever the skim accepts, the parser accepts with the same letter counts.
        #[test]
        fn the_skim_never_disagrees_with_the_parser(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("{".to_string()), Just("}".to_string()), Just("[".to_string()), Just("]".to_string()),
                    Just(",".to_string()), Just(":".to_string()), Just(" ".to_string()), Just("\"".to_string()),
                    Just("\\u8eab".to_string()), Just("\\ud83d".to_string()), Just("\\ude00".to_string()),
                    Just("\\n".to_string()), Just("\\".to_string()), Just("true".to_string()), Just("null".to_string()),
                    "[a-z0-9.eE+-]{1,4}", "[字é]{1,2}",
                ],
                0..24,
            )
        ) {
            agrees(&parts.concat());
        }

        /// Lines are split as at every newline, and a line the skim settles where it starts is
        /// skimmed as its trimmed self would be, whatever follows it in the block.
        #[test]
        fn skimmed_lines_split_and_skim_as_each_line_alone(
            lines in proptest::collection::vec(
                prop_oneof![
                    Just(r#"{"id": 1, "text": "\u8eab 9123 4567"}"#.to_string()),
                    Just(r#" {"a": [1, 2.5, "x"]}  "#.to_string()),
                    Just("\t\"s\"\r".to_string()),
                    Just("{broken".to_string()), Just("".to_string()), Just(" ".to_string()),
                    Just("\u{c}{}".to_string()), Just("12345678".to_string()), Just("{} {}".to_string()),
                    Just(r#"{"k": "\u7248\u6b0a"}"#.to_string()),
                    // Letters the skim reads before it gives up: not counted.
                    Just(r#"{"k": "ab"} c"#.to_string()),
                    "[ -~]{0,12}",
                ],
                0..8,
            ),
            last_newline in any::<bool>(),
        ) {
            let mut block = lines.join("\n");
            if last_newline {
                block.push('\n');
            }
            let engine = Engine::builtin().unwrap();
            let p = engine.prefilter();
            let mut counts = SkimCounts::default();
            let got: Vec<_> = skimmed_lines(block.as_bytes(), p, true, &mut counts).collect();
            let want: Vec<&[u8]> = block.as_bytes().split(|&b| b == b'\n').collect();
            prop_assert_eq!(got.iter().map(|(line, _)| *line).collect::<Vec<_>>(), want);
            // The letters of the lines settled, and of those only.
            let mut letters = ScriptCounts::default();
            for (line, flagged) in got {
                if flagged.is_some() {
                    let alone = skim_json(line.trim_ascii(), p);
                    prop_assert_eq!(flagged, alone.map(|s| s.flagged), "{:?}", line);
                    letters.add(&alone.unwrap().letters());
                }
            }
            prop_assert_eq!(counts.scripts(), letters);
        }

        #[test]
        fn generated_records_are_skimmed(text in "[a-zA-Z 字é\u{1F600}\"\\\\/\n\t]{0,40}", n in any::<i64>()) {
            let line = serde_json::json!({"id": n, "text": text, "meta": {"tags": [text.clone(), "x"]}}).to_string();
            let skimmed = skim(line.as_bytes());
            prop_assert!(skimmed.is_some(), "{}", line);
            prop_assert_eq!(skimmed, parsed(&line));
        }
    }
}
