//! The prefilter: one cheap pass over raw bytes that says where a detector could match, so that
//! folding, regexes and validation run only on the few lines that need them.
//!
//! Each detector states a necessary condition for a match in its spec (`[prefilter]`): literals,
//! or a run of digits. The pass finds them in every form the detectors accept after folding
//! (full-width digits and letters, other spaces and dashes) and in the `\uXXXX` escapes of JSON
//! as Python writes it, so a JSONL line can be judged before it is parsed. The condition only
//! has to be necessary: a flagged line with no match costs a regex search, an unflagged line
//! with a match would be a finding lost, and the tests check that none is.

use super::fold::sources_of;
use super::literals::Literals;
pub use super::literals::{hex_digits, hex_unit};
use super::spec::PrefilterSpec;
use crate::corpus::script;
use std::collections::BTreeMap;

/// Detectors by index; an engine holds at most 64.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetectorSet(u64);

impl DetectorSet {
    pub const EMPTY: DetectorSet = DetectorSet(0);
    pub const MAX: usize = 64;

    pub fn all(n: usize) -> DetectorSet {
        DetectorSet(if n >= 64 { u64::MAX } else { (1u64 << n) - 1 })
    }

    pub fn with(self, index: usize) -> DetectorSet {
        DetectorSet(self.0 | 1 << index)
    }

    pub fn contains(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }

    pub fn union(self, o: DetectorSet) -> DetectorSet {
        DetectorSet(self.0 | o.0)
    }

    pub fn intersection(self, o: DetectorSet) -> DetectorSet {
        DetectorSet(self.0 & o.0)
    }

    pub fn without(self, o: DetectorSet) -> DetectorSet {
        DetectorSet(self.0 & !o.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// A place in the text where some detectors could match: the position lies on the line of the
/// candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub pos: usize,
    pub detectors: DetectorSet,
}

/// A digit-run condition and the detectors that have it.
struct DigitRule {
    digits: usize,
    gap: bool,
    after_letter: bool,
    /// The lengths a candidate's digits can take, as a bitset (0: any from `digits` up).
    lengths: u64,
    detectors: DetectorSet,
}

impl DigitRule {
    /// Whether a run of `run` digits, after `before` digits and one separator, meets the rule;
    /// `after_letter` is asked only if the rule needs it.
    #[inline]
    fn met(&self, run: usize, before: usize, after_letter: impl FnOnce() -> bool) -> bool {
        (run >= self.digits && (!self.after_letter || after_letter())) || (self.gap && before + run >= self.digits)
    }

    /// Whether the run's digits (alone, or with those before the separator) take one of the
    /// rule's `digit_lengths`.
    fn fits(&self, run: usize, before: usize) -> bool {
        let has = |n: usize| n < 64 && self.lengths >> n & 1 != 0;
        self.lengths == 0 || has(run) || (before > 0 && has(before + run))
    }
}

pub struct Prefilter {
    literals: Literals,
    escapes: EscapeClasses,
    /// Detectors with literals: a full-width letter or digit may fold into one of them.
    folded: DetectorSet,
    rules: Vec<DigitRule>,
    /// The shortest run that satisfies some rule without a gap, and with one.
    min_plain: usize,
    min_gapped: usize,
    /// Detectors without a prefilter: they run on every line.
    always: DetectorSet,
}

/// A literal may take at most this many forms (a space has a dozen); more is a spec error.
const MAX_FORMS: usize = 512;

impl Prefilter {
    /// One entry per detector, in engine order.
    pub fn new(specs: &[Option<&PrefilterSpec>]) -> Result<Prefilter, String> {
        if specs.len() > DetectorSet::MAX {
            return Err(format!("at most {} detectors can be loaded", DetectorSet::MAX));
        }
        let mut forms: BTreeMap<String, DetectorSet> = BTreeMap::new();
        let (mut folded, mut always, mut rules) = (DetectorSet::EMPTY, DetectorSet::EMPTY, Vec::new());
        for (index, spec) in specs.iter().enumerate() {
            let Some(spec) = spec else {
                always = always.with(index);
                continue;
            };
            if spec.literals.is_empty() && spec.digits.is_none() {
                return Err("a prefilter needs literals or digits".into());
            }
            for literal in &spec.literals {
                if literal.is_empty() {
                    return Err("a prefilter literal is empty".into());
                }
                for form in literal_forms(literal)? {
                    let set = forms.entry(form).or_default();
                    *set = set.with(index);
                }
                folded = folded.with(index);
            }
            if let Some(digits) = spec.digits {
                if digits < 2 {
                    return Err("a prefilter digit run needs at least 2 digits".into());
                }
                if spec.digit_lengths.iter().any(|&n| n < digits || n > 63) {
                    return Err("digit_lengths are lengths from `digits` to 63".into());
                }
                if !spec.digit_lengths.is_empty() && !spec.literals.is_empty() {
                    return Err("digit_lengths is for a detector whose only prefilter is digits".into());
                }
                let detectors = DetectorSet::EMPTY.with(index);
                let lengths = spec.digit_lengths.iter().fold(0u64, |set, &n| set | 1 << n);
                rules.push(DigitRule {
                    digits,
                    gap: spec.digit_gap,
                    after_letter: spec.after_letter,
                    lengths,
                    detectors,
                });
            } else if !spec.digit_lengths.is_empty() {
                return Err("digit_lengths needs digits".into());
            }
        }
        let literals = Literals::new(&forms)?;
        let escapes = EscapeClasses::new(&literals);
        let min_of = |gap: bool| rules.iter().filter(|r| r.gap == gap).map(|r| r.digits).min().unwrap_or(usize::MAX);
        Ok(Prefilter {
            literals,
            escapes,
            folded,
            min_plain: min_of(false).min(min_of(true)),
            min_gapped: min_of(true),
            rules,
            always,
        })
    }

    /// The class of every `\uXXXX` escape, for readers of escaped text.
    pub fn escape_classes(&self) -> &EscapeClasses {
        &self.escapes
    }

    /// What the digit rules flag in one short ASCII cell without escapes, in one loop over its
    /// bytes: what the character pass would flag in the cell alone, each rule also held to its
    /// `digit_lengths` (the run that meets the rule must take one of them). `None` for other
    /// text (a full-width digit, an escape, a long text), which the character pass reads.
    pub fn ascii_cell_digits(&self, cell: &[u8]) -> Option<DetectorSet> {
        if cell.len() > MEASURED_CELL {
            return None;
        }
        let mut set = DetectorSet::EMPTY;
        // The run before the current one if one space or dash split them (the character pass's
        // one gap).
        let (mut i, mut before) = (0, 0);
        while i < cell.len() {
            let b = cell[i];
            if b.is_ascii_digit() {
                let start = i;
                while i < cell.len() && cell[i].is_ascii_digit() {
                    i += 1;
                }
                let run = i - start;
                if run >= self.min_plain || (before > 0 && before + run >= self.min_gapped) {
                    let after_letter = start > 0 && cell[start - 1].is_ascii_alphabetic();
                    set = set.union(self.run_flags(run, before, after_letter));
                }
                let split = matches!(cell.get(i), Some(b' ' | b'-'));
                before = if split { run } else { 0 };
                i += usize::from(split);
                continue;
            }
            if b >= 0x80 || b == b'\\' {
                return None;
            }
            before = 0;
            i += 1;
        }
        Some(set)
    }

    /// The detectors whose digit rule a finished run meets (as `digit_hit` judges it), with its
    /// lengths.
    fn run_flags(&self, run: usize, before: usize, after_letter: bool) -> DetectorSet {
        let met = self.rules.iter().filter(|r| r.met(run, before, || after_letter) && r.fits(run, before));
        met.fold(DetectorSet::EMPTY, |set, r| set.union(r.detectors))
    }

    /// Detectors that run everywhere, having no prefilter.
    pub fn always(&self) -> DetectorSet {
        self.always
    }

    /// Appends the hits in `text` to `out`, sorted by position.
    pub fn hits(&self, text: &[u8], out: &mut Vec<Hit>) {
        let first = out.len();
        self.each_hit(text, &mut |h| out.push(h));
        out[first..].sort_unstable_by_key(|h| h.pos);
    }

    /// Every detector that could match somewhere in `text` (a cell, a value, a line).
    pub fn detectors_in(&self, text: &[u8]) -> DetectorSet {
        let mut set = self.always;
        self.each_hit(text, &mut |h| set = set.union(h.detectors));
        set
    }

    fn each_hit(&self, text: &[u8], f: &mut impl FnMut(Hit)) {
        self.literals.each(text, f);
        self.char_pass(text, f);
    }

    /// The literals found in `text`, except those written with escapes (which the character
    /// pass finds), appended to `out` in no particular order.
    pub fn literal_hits(&self, text: &[u8], out: &mut Vec<Hit>) {
        self.literals.each(text, &mut |h| out.push(h));
    }

    /// What the character pass alone flags in `text`: digit runs, full-width letters and
    /// escaped literals.
    pub fn char_detectors(&self, text: &[u8]) -> DetectorSet {
        let mut set = DetectorSet::EMPTY;
        self.char_pass(text, &mut |h| set = set.union(h.detectors));
        set
    }

    /// Digit runs, full-width letters (which may fold into a literal) and literals written with
    /// escapes, in one pass over the characters.
    fn char_pass(&self, text: &[u8], f: &mut impl FnMut(Hit)) {
        let mut chars = CharTracker::new(self);
        let mut i = 0;
        let n = text.len();
        while i < n {
            // Idle (no digits counted): only a digit, an escape or a full-width form matters.
            if chars.is_idle() {
                i = next_interesting(text, i);
                if i == n {
                    break;
                }
                if let Some(len) = chars.idle_skip(text, i, f) {
                    i += len;
                    continue;
                }
            }
            match text[i] {
                b'0'..=b'9' => {
                    let end = i + text[i..].iter().position(|b| !b.is_ascii_digit()).unwrap_or(n - i);
                    chars.ascii_digits(text, i, end, f);
                    i = end;
                }
                // Digit-dense text (tables, logs) has many of these between runs.
                b if b < 0x80 && b != b'\\' => {
                    chars.plain_ascii(b);
                    i += 1;
                }
                _ => i += chars.feed(text, i, f),
            }
        }
    }

    fn digit_hit(&self, state: &mut Runs, text: &[u8], pos: usize, f: &mut impl FnMut(Hit)) {
        let after_letter = std::cell::OnceCell::new();
        let letter = || *after_letter.get_or_init(|| letter_before(text, state.start));
        let met = self.rules.iter().filter(|r| r.met(state.run, state.prev, letter));
        let set = met.fold(DetectorSet::EMPTY, |set, r| set.union(r.detectors));
        if set != state.reported {
            state.reported = set;
            f(Hit { pos, detectors: set });
        }
    }
}

/// What a reader of escaped text (the JSONL skim) needs to know of a `\uXXXX` escape, by its
/// UTF-16 unit, in one lookup: its script class (`script::class`) for counting, and `LOOK` if
/// the character pass must see it even when idle: a digit, a full-width form, a literal's first
/// character, or half of a surrogate pair. Escaped Chinese text is one escape per character.
pub struct EscapeClasses(Box<[u8; 0x10000]>);

impl EscapeClasses {
    pub const LOOK: u8 = 0x80;

    fn new(literals: &Literals) -> Self {
        let mut table = script::bmp_classes();
        for (unit, class) in (0u32..).zip(table.iter_mut()) {
            if matches!(unit, 0x30..=0x39 | 0xFF10..=0xFF5A | 0xD800..=0xDFFF) || literals.starts_escape(unit) {
                *class |= Self::LOOK;
            }
        }
        EscapeClasses(table)
    }

    #[inline(always)]
    pub fn of(&self, unit: u16) -> u8 {
        self.0[usize::from(unit)]
    }
}

/// The longest text `ascii_cell_digits` measures.
const MEASURED_CELL: usize = 256;

/// The character pass over one text, a character at a time: the JSONL skim feeds it the
/// characters of each value as it checks them, so the bytes are read once.
pub struct CharTracker<'p> {
    prefilter: &'p Prefilter,
    state: Runs,
}

impl<'p> CharTracker<'p> {
    pub fn new(prefilter: &'p Prefilter) -> Self {
        CharTracker { prefilter, state: Runs::default() }
    }

    pub fn escape_classes(&self) -> &'p EscapeClasses {
        &self.prefilter.escapes
    }

    /// No digit run is under way: characters that are not digits, escapes or full-width forms
    /// change nothing.
    #[inline]
    pub fn is_idle(&self) -> bool {
        self.state.is_idle()
    }

    /// Whether `len` ASCII digits that the idle pass would take as a run of their own, ended
    /// for good by what follows, would flag nothing: shorter than every digit rule. A reader
    /// may then step over them, and the pass stays idle as it would have been after them.
    #[inline]
    pub fn passes_over(&self, len: usize) -> bool {
        self.is_idle() && len < self.short_run()
    }

    /// The length from which a digit run on its own may flag (`passes_over`).
    #[inline]
    pub fn short_run(&self) -> usize {
        self.prefilter.min_plain
    }

    /// Forgets the run under way (a value ended).
    pub fn reset(&mut self) {
        self.state.reset();
    }

    /// In the idle state: the length of the escape or full-width form at `i` if it is neither a
    /// digit nor a full-width letter (so it can be stepped over), after reporting the literals
    /// an escape starts.
    fn idle_skip(&self, text: &[u8], i: usize, f: &mut impl FnMut(Hit)) -> Option<usize> {
        match text[i] {
            b'\\' => {
                let unit = text.get(i + 2..i + 6).filter(|_| text[i + 1] == b'u').and_then(hex_unit)?;
                if matches!(unit, 0x30..=0x39 | 0xFF10..=0xFF5A) {
                    return None;
                }
                self.escaped_literals(text, i, unit, f);
                Some(6)
            }
            // U+FF00..U+FF7F is EF BC xx and EF BD xx; nothing else led by EF is a full-width
            // letter or digit.
            0xEF if !matches!(text.get(i + 1), Some(0xBC | 0xBD)) => Some(3),
            _ => None,
        }
    }

    #[inline]
    fn escaped_literals(&self, text: &[u8], i: usize, unit: u32, f: &mut impl FnMut(Hit)) {
        let literals = &self.prefilter.literals;
        if literals.starts_escape(unit) {
            literals.escaped_at(text, i, unit, f);
        }
    }

    /// Takes the character (or escape) at `i` into account; returns its length.
    pub fn feed(&mut self, text: &[u8], i: usize, f: &mut impl FnMut(Hit)) -> usize {
        let c = classify(text, i);
        if text[i] == b'\\' && c.len == 6 {
            let unit = hex_unit(&text[i + 2..i + 6]).expect("classify read it");
            self.escaped_literals(text, i, unit, f);
        }
        self.class(text, i, c.class, c.fold_letter, f);
        c.len
    }

    /// Takes the ASCII digits `text[start..end]` into account in one step: a run's detectors
    /// only grow as it lengthens, so what it flags is reported once, at its last digit (the
    /// same line and cell as the digit that crossed the threshold).
    pub fn ascii_digits(&mut self, text: &[u8], start: usize, end: usize, f: &mut impl FnMut(Hit)) {
        debug_assert!(start < end && text[start..end].iter().all(u8::is_ascii_digit));
        let p = self.prefilter;
        if self.state.run == 0 {
            self.state.start = start;
        }
        self.state.run += end - start;
        self.state.last_was_digit = true;
        if self.state.run >= p.min_plain || self.state.prev + self.state.run >= p.min_gapped {
            p.digit_hit(&mut self.state, text, end - 1, f);
        }
    }

    /// Takes an ASCII byte other than a digit or a backslash into account: a space or a hyphen
    /// may sit inside a number, anything else ends the run. (`feed` says the same, slower.)
    #[inline]
    pub fn plain_ascii(&mut self, b: u8) {
        debug_assert!(b < 0x80 && b != b'\\' && !b.is_ascii_digit());
        if matches!(b, b' ' | b'-') {
            self.state.separator();
        } else {
            self.state.reset();
        }
    }

    /// Whether `code_point` could do anything with this character: it is a digit or a
    /// full-width letter, a digit run is under way, or it is an escape some literal starts with.
    #[inline(always)]
    pub fn wants(&self, cp: u32, unit: Option<u32>) -> bool {
        !self.is_idle()
            || matches!(cp, 0x30..=0x39 | 0xFF10..=0xFF5A)
            || unit.is_some_and(|u| self.prefilter.literals.starts_escape(u))
    }

    /// Takes a decoded character at `i` into account, for a reader that decodes anyway (the
    /// skim): `unit` is the first UTF-16 unit when the character is written as an escape.
    #[inline]
    pub fn code_point(&mut self, text: &[u8], i: usize, cp: u32, unit: Option<u32>, f: &mut impl FnMut(Hit)) {
        if let Some(unit) = unit {
            self.escaped_literals(text, i, unit, f);
        }
        let fold_letter = matches!(cp, 0xFF10..=0xFF19 | 0xFF20..=0xFF3A | 0xFF41..=0xFF5A);
        let class = class_of(cp);
        // Idle, a character that is neither a digit nor a full-width letter changes nothing.
        if self.is_idle() && class != Class::Digit && !fold_letter {
            return;
        }
        self.class(text, i, class, fold_letter, f);
    }

    fn class(&mut self, text: &[u8], i: usize, class: Class, fold_letter: bool, f: &mut impl FnMut(Hit)) {
        let p = self.prefilter;
        match class {
            Class::Digit => {
                if self.state.run == 0 {
                    self.state.start = i;
                }
                self.state.digit();
                if self.state.run >= p.min_plain || self.state.prev + self.state.run >= p.min_gapped {
                    p.digit_hit(&mut self.state, text, i, f);
                }
            }
            Class::Separator => self.state.separator(),
            Class::Other => self.state.reset(),
        }
        if fold_letter {
            f(Hit { pos: i, detectors: p.folded });
        }
    }
}

/// Digit runs seen so far: the current run, and the run before a single separator.
#[derive(Default)]
struct Runs {
    run: usize,
    prev: usize,
    last_was_digit: bool,
    /// Where the current run starts: whether a letter comes before it is asked only of a run
    /// long enough for a rule that wants one (most runs are short).
    start: usize,
    /// What this run has already reported, so a long run is one hit.
    reported: DetectorSet,
}

impl Runs {
    #[inline]
    fn is_idle(&self) -> bool {
        self.run == 0 && self.prev == 0
    }

    fn digit(&mut self) {
        self.run += 1;
        self.last_was_digit = true;
    }

    fn separator(&mut self) {
        self.prev = if self.last_was_digit { self.run } else { 0 };
        self.run = 0;
        self.last_was_digit = false;
        if self.prev == 0 {
            self.reported = DetectorSet::EMPTY;
        }
    }

    fn reset(&mut self) {
        *self = Runs::default();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Digit,
    /// Might be the one separator a digit run allows: a space, a dash, any non-ASCII character.
    Separator,
    Other,
}

/// Bytes that leave the idle state or need a closer look: digits, `\` (JSON escapes) and the
/// lead byte of full-width forms.
static INTERESTING: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = b'0';
    while b <= b'9' {
        t[b as usize] = true;
        b += 1;
    }
    t[b'\\' as usize] = true;
    t[0xEF] = true;
    t
};

/// The first `INTERESTING` byte from `i` (or the end); 16 bytes a step on x86_64, since idle
/// text is most of what the character pass reads.
fn next_interesting(text: &[u8], mut i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        while i + 16 <= text.len() {
            // SAFETY: SSE2 is part of the x86_64 baseline; the load reads text[i..i + 16].
            let found = unsafe {
                let v = _mm_loadu_si128(text.as_ptr().add(i).cast());
                let byte = |b: u8| _mm_set1_epi8(b as i8);
                let digit = _mm_and_si128(_mm_cmpgt_epi8(v, byte(b'0' - 1)), _mm_cmplt_epi8(v, byte(b'9' + 1)));
                let other = _mm_or_si128(_mm_cmpeq_epi8(v, byte(b'\\')), _mm_cmpeq_epi8(v, byte(0xEF)));
                _mm_movemask_epi8(_mm_or_si128(digit, other)) as u32
            };
            if found != 0 {
                return i + found.trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    while i < text.len() && !INTERESTING[text[i] as usize] {
        i += 1;
    }
    i
}

/// One character (or `\uXXXX` escape) as the digit pass sees it.
struct Char {
    class: Class,
    /// Bytes it takes.
    len: usize,
    /// A full-width letter or digit: folds to ASCII and may complete a literal.
    fold_letter: bool,
}

fn classify(text: &[u8], i: usize) -> Char {
    let ascii = |class| Char { class, len: 1, fold_letter: false };
    let b = text[i];
    let (cp, len) = match b {
        b'0'..=b'9' => return ascii(Class::Digit),
        b' ' | b'-' => return ascii(Class::Separator),
        b'\\' => match escaped(text, i) {
            Some(cp) => (cp, 6),
            // `\n`, `\"` …: the escaped character is not a digit or a separator.
            None => return Char { class: Class::Other, len: 2.min(text.len() - i), fold_letter: false },
        },
        0x00..=0x7F => return ascii(Class::Other),
        _ => {
            let len = utf8_len(b).min(text.len() - i);
            match decode3(text, i) {
                Some(cp) => (cp, len),
                None => return Char { class: Class::Separator, len, fold_letter: false },
            }
        }
    };
    Char { class: class_of(cp), len, fold_letter: matches!(cp, 0xFF10..=0xFF19 | 0xFF20..=0xFF3A | 0xFF41..=0xFF5A) }
}

fn class_of(cp: u32) -> Class {
    match cp {
        0x30..=0x39 | 0xFF10..=0xFF19 => Class::Digit,
        0x20 | 0x2D => Class::Separator,
        0x00..=0x7F => Class::Other,
        _ => Class::Separator,
    }
}

/// The code point of a `\uXXXX` escape at `i`.
fn escaped(text: &[u8], i: usize) -> Option<u32> {
    let e = text.get(i..i + 6)?;
    if e[1] != b'u' {
        return None;
    }
    hex_unit(&e[2..])
}

/// Whether the character before `i` is a letter: ASCII, full-width, or a full-width escape.
fn letter_before(text: &[u8], i: usize) -> bool {
    let fold_letter = |cp: u32| matches!(cp, 0xFF21..=0xFF3A | 0xFF41..=0xFF5A);
    let Some(&b) = i.checked_sub(1).and_then(|j| text.get(j)) else { return false };
    if b.is_ascii_alphabetic() {
        return true;
    }
    // Most runs follow a space or punctuation: neither ends a full-width letter nor its escape.
    if b.is_ascii() && !b.is_ascii_hexdigit() {
        return false;
    }
    (i >= 3 && decode3(text, i - 3).is_some_and(fold_letter))
        || (i >= 6 && escaped(text, i - 6).is_some_and(fold_letter))
}

/// The code point of a three-byte UTF-8 sequence at `i` (full-width forms are three bytes).
fn decode3(text: &[u8], i: usize) -> Option<u32> {
    let s = text.get(i..i + 3)?;
    if s[0] & 0xF0 != 0xE0 || s[1] & 0xC0 != 0x80 || s[2] & 0xC0 != 0x80 {
        return None;
    }
    Some((u32::from(s[0] & 0x0F) << 12) | (u32::from(s[1] & 0x3F) << 6) | u32::from(s[2] & 0x3F))
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

/// Every form of `literal` the detectors see as it: each ASCII punctuation or space may be
/// written as any character that folds to it, and each form with non-ASCII characters may also
/// be written with JSON `\uXXXX` escapes.
fn literal_forms(literal: &str) -> Result<Vec<String>, String> {
    let mut forms = vec![String::new()];
    for c in literal.chars() {
        let mut options = vec![c];
        if c.is_ascii() && !c.is_ascii_alphanumeric() {
            options.extend(sources_of(c as u8));
        }
        forms = forms.iter().flat_map(|f| options.iter().map(move |o| format!("{f}{o}"))).collect();
        if forms.len() > MAX_FORMS {
            return Err(format!("prefilter literal {literal:?} has more than {MAX_FORMS} written forms"));
        }
    }
    let escaped: Vec<String> = forms.iter().filter(|f| !f.is_ascii()).map(|f| json_escaped(f)).collect();
    forms.extend(escaped);
    Ok(forms)
}

/// `s` with every non-ASCII character as a JSON `\uXXXX` escape (lower-case hex, as Python's
/// `json.dumps` writes them; the literal search ignores ASCII case, so upper-case escapes
/// match too).
pub fn json_escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in ASCII-led anchors fit Teddy's buckets one prefix each (see `ASCII_BUCKETS`):
    /// a new literal that breaks this costs the search on every byte of English text.
    #[test]
    fn the_builtin_ascii_anchors_take_a_bucket_each() {
        let engine = crate::detect::Engine::builtin().unwrap();
        let prefixes = engine.prefilter().literals.folded_prefixes();
        assert!((1..=super::super::literals::ASCII_BUCKETS).contains(&prefixes), "{prefixes} prefixes");
    }

    fn spec(literals: &[&str], digits: Option<usize>, gap: bool) -> PrefilterSpec {
        let literals = literals.iter().map(|s| s.to_string()).collect();
        PrefilterSpec { literals, digits, digit_gap: gap, after_letter: false, digit_lengths: Vec::new() }
    }

    #[test]
    fn a_cell_is_flagged_by_the_run_that_meets_a_rule_and_takes_its_lengths() {
        let phone = PrefilterSpec { digit_lengths: vec![8, 11, 13], ..spec(&[], Some(8), true) };
        let hkid = PrefilterSpec { after_letter: true, ..spec(&[], Some(6), false) };
        let p = Prefilter::new(&[Some(&phone), Some(&hkid)]).unwrap();
        let (phone, hkid) = (DetectorSet::EMPTY.with(0), DetectorSet::EMPTY.with(1));
        let cell = |text: &str| p.ascii_cell_digits(text.as_bytes());
        for fits in ["91234567", "9123 4567", "+852 9123-4567", "85291234567", "8529123 4567", "(852)91234567"] {
            assert_eq!(cell(fits), Some(phone), "{fits}");
        }
        for fits in ["0085291234567", "008529123 4567", "id 12 9123 4567 x", "1234-5678-9012", "9123 4567 1"] {
            assert_eq!(cell(fits), Some(phone), "{fits}");
        }
        for not in ["3527320954", "536-803557-407", "2024-05-19 03:55:54", "9123  4567", "912345678", "", "abc"] {
            assert_eq!(cell(not), Some(DetectorSet::EMPTY), "{not}");
        }
        assert_eq!(cell("A123456(3)"), Some(hkid));
        assert_eq!(cell("HKID A1234567"), Some(hkid), "a longer run after a letter is still one");
        assert_eq!(cell("A 123456"), Some(DetectorSet::EMPTY));
        assert_eq!(cell("ref Z91234567"), Some(phone.union(hkid)));
        // Text it does not measure is left to the character pass.
        assert_eq!(cell("３５２７３２０９５４"), None);
        assert_eq!(cell("\\u0033527320954"), None);
        assert_eq!(p.ascii_cell_digits("1 ".repeat(200).as_bytes()), None);
        let bad = |lengths: Vec<usize>, literals: &[&str]| {
            let s = PrefilterSpec { digit_lengths: lengths, ..spec(literals, Some(8), true) };
            Prefilter::new(&[Some(&s)]).is_err()
        };
        assert!(bad(vec![6], &[]) && bad(vec![64], &[]) && bad(vec![8], &["tel"]) && !bad(vec![8, 11], &[]));
    }

    /// Detector 0: literals `@` and `(c)`; 1: six digits after a letter; 2: eight digits with
    /// one gap.
    fn prefilter() -> Prefilter {
        let hkid = PrefilterSpec { after_letter: true, ..spec(&[], Some(6), false) };
        let specs = [spec(&["@", "(c)"], None, false), hkid, spec(&[], Some(8), true)];
        Prefilter::new(&specs.iter().map(Some).collect::<Vec<_>>()).unwrap()
    }

    fn flagged(text: &str) -> Vec<usize> {
        let set = prefilter().detectors_in(text.as_bytes());
        (0..3).filter(|&i| set.contains(i)).collect()
    }

    #[test]
    fn digit_runs_need_their_length_and_at_most_one_gap() {
        assert_eq!(flagged("in 2023, 1,024 samples, 09:30, 2019-01-01 12:00"), Vec::<usize>::new());
        assert_eq!(flagged("A123456(3)"), [1]);
        assert_eq!(flagged("call 9123 4567"), [2]);
        assert_eq!(flagged("call 9123-4567"), [2]);
        assert_eq!(flagged("call 9123  4567"), Vec::<usize>::new());
        assert_eq!(flagged("91234567"), [2]);
        assert_eq!(flagged("id 1234567, A1234567, Ａ123456, \\uff21123456"), [0, 1]);
    }

    #[test]
    fn full_width_and_escaped_forms_are_seen() {
        assert_eq!(flagged("９１２３　４５６７"), [0, 2]);
        assert_eq!(flagged(r"\uff19\uff11\uff12\uff13 \uff14\uff15\uff16\uff17"), [0, 2]);
        assert_eq!(flagged("９１２３–４５６７"), [0, 2]);
        assert_eq!(flagged("a＠b"), [0]);
        assert_eq!(flagged("（c）2023 Press"), [0]);
        assert_eq!(flagged(r"\uff08C\uff09 2023"), [0]);
        assert_eq!(flagged(r"\u4e2d\u6587 \u7248\u6b0a"), Vec::<usize>::new());
    }

    #[test]
    fn a_detector_without_a_prefilter_runs_everywhere() {
        let p = Prefilter::new(&[None, Some(&spec(&["x"], None, false))]).unwrap();
        assert!(p.detectors_in(b"nothing here").contains(0));
        assert!(!p.detectors_in(b"nothing here").contains(1));
    }

    #[test]
    fn hits_are_on_the_candidate_line() {
        let mut hits = Vec::new();
        prefilter().hits(b"x\nmail a@b.c\n9123 4567\n", &mut hits);
        let lines: Vec<usize> = hits
            .iter()
            .map(|h| b"x\nmail a@b.c\n9123 4567\n"[..h.pos].iter().filter(|&&b| b == b'\n').count())
            .collect();
        assert_eq!(lines, [1, 2]);
    }

    #[test]
    fn bad_prefilters_are_rejected() {
        assert!(Prefilter::new(&[Some(&spec(&[], None, false))]).is_err());
        assert!(Prefilter::new(&[Some(&spec(&[""], None, false))]).is_err());
        assert!(Prefilter::new(&[Some(&spec(&[" - - - "], None, false))]).is_err());
    }

    proptest::proptest! {
        /// The 16-byte search finds the same byte as a table lookup per byte.
        #[test]
        fn the_next_interesting_byte_is_found_16_at_a_time(
            bytes in proptest::collection::vec(proptest::prop_oneof![b'a'..=b'z', proptest::arbitrary::any::<u8>()], 0..70),
            start in 0usize..70,
        ) {
            let start = start.min(bytes.len());
            let expected = (start..bytes.len()).find(|&i| INTERESTING[bytes[i] as usize]).unwrap_or(bytes.len());
            proptest::prop_assert_eq!(next_interesting(&bytes, start), expected);
        }
    }
}
