//! The detection engine: runs every detector over a block of text and scores the candidates.
//!
//! Input is bytes (a block of whole lines, or one decoded value); output is matches with spans
//! in those same bytes. The engine knows nothing about files.

use super::ceiling::Ceiling;
use super::fold::Folded;
use super::prefilter::{DetectorSet, Hit, Prefilter};
use super::spec::{DetectorSpec, SpecError};
use super::validate::{Caps, Detail, GroupNames, Validator};
use regex::bytes::Regex;

/// One compiled detector.
pub struct Detector {
    pub spec: DetectorSpec,
    regex: Regex,
    /// The pattern's named groups, and the index of `v` (the value, if not the whole match).
    names: GroupNames,
    v_group: Option<usize>,
    keywords: Option<Regex>,
    negative: Option<Regex>,
    validator: Validator,
    ceiling: Ceiling,
    /// Indexes of the detectors listed in `suppressed_by`.
    suppressors: Vec<usize>,
}

/// An accepted, scored candidate. Spans are byte offsets into the text given to `scan`.
#[derive(Debug, Clone)]
pub struct Match {
    pub detector: usize,
    pub start: usize,
    pub end: usize,
    pub confidence: f32,
    pub normalized: String,
    pub masked: String,
    pub detail: Detail,
}

/// How far context keywords are looked for around a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextScope {
    /// The whole block: prose where a heading on the line above is context.
    Block,
    /// The candidate's own line: JSONL and other one-record-a-line formats.
    Line,
}

pub struct Engine {
    detectors: Vec<Detector>,
    prefilter: Prefilter,
    /// The widest context window, in characters: how much text around a flagged line the
    /// detectors may read.
    window: usize,
}

/// Whether a value's field name is a context keyword, or a negative one, for a detector.
#[derive(Clone, Copy, Default)]
struct Named {
    keyword: bool,
    negative: bool,
}

/// What a field or column name means to each detector: the detectors it is a context keyword
/// for, and those it is a negative word for. Worked out once per column, not per cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FieldContext {
    keyword: DetectorSet,
    negative: DetectorSet,
}

/// The name a value is stored under, if any.
#[derive(Debug, Clone, Copy)]
pub enum FieldName<'a> {
    None,
    /// Read only if a detector has a candidate (most values hold none).
    Name(&'a str),
    Known(FieldContext),
}

impl Engine {
    pub fn new(specs: Vec<DetectorSpec>) -> Result<Self, SpecError> {
        let mut seen = std::collections::BTreeSet::new();
        let detectors = specs
            .into_iter()
            .map(|spec| {
                if !seen.insert(spec.id.clone()) {
                    return Err(invalid(&spec, "the id is defined twice".into()));
                }
                Detector::compile(spec)
            })
            .collect::<Result<Vec<Detector>, _>>()?;
        let prefilters: Vec<_> = detectors.iter().map(|d| d.spec.prefilter.as_ref()).collect();
        let prefilter = Prefilter::new(&prefilters).map_err(|msg| match detectors.first() {
            Some(d) if detectors.len() <= DetectorSet::MAX => invalid(&d.spec, msg),
            _ => SpecError::Invalid { id: "*".into(), msg },
        })?;
        let window = detectors.iter().map(|d| d.spec.context.window.max(d.spec.context.negative_window)).max();
        let mut engine = Engine { detectors, prefilter, window: window.unwrap_or(0) };
        engine.resolve_suppressors()?;
        Ok(engine)
    }

    fn resolve_suppressors(&mut self) -> Result<(), SpecError> {
        let ids: Vec<String> = self.detectors.iter().map(|d| d.spec.id.clone()).collect();
        for d in &mut self.detectors {
            d.suppressors = d
                .spec
                .suppressed_by
                .iter()
                .map(|id| {
                    ids.iter()
                        .position(|x| x == id)
                        .ok_or_else(|| invalid(&d.spec, format!("suppressed_by names unknown detector {id:?}")))
                })
                .collect::<Result<_, _>>()?;
        }
        Ok(())
    }

    pub fn builtin() -> Result<Self, SpecError> {
        Engine::new(super::spec::builtin_specs()?)
    }

    pub fn detectors(&self) -> &[Detector] {
        &self.detectors
    }

    /// Appends the matches in `text` to `out`, ordered by start offset then detector.
    pub fn scan(&self, text: &[u8], scope: ContextScope, out: &mut Vec<Match>) {
        self.scan_field(text, scope, None, out);
    }

    /// Like `scan`, for a value stored under a field or column name: a name that is a context
    /// keyword (`phone`, `hkid`, `電話`) raises confidence as context text would, as Macie does
    /// with column names.
    ///
    /// A name that is a negative word (`reference`, `txn_id`) lowers it, as such a word beside
    /// the value would.
    pub fn scan_field(&self, text: &[u8], scope: ContextScope, field: Option<&str>, out: &mut Vec<Match>) {
        let field = field.map_or(FieldName::None, FieldName::Name);
        self.scan_field_in(text, scope, field, DetectorSet::all(self.detectors.len()), out);
    }

    /// What `name` means to each detector as a field name.
    pub fn field_context(&self, name: &str) -> FieldContext {
        let words = field_words(name);
        let is = |r: &Option<Regex>| r.as_ref().is_some_and(|r| r.is_match(words.as_bytes()));
        let mut ctx = FieldContext::default();
        for (index, d) in self.detectors.iter().enumerate() {
            if is(&d.keywords) {
                ctx.keyword = ctx.keyword.with(index);
            }
            if is(&d.negative) {
                ctx.negative = ctx.negative.with(index);
            }
        }
        ctx
    }

    /// Like `scan_field`, running only the detectors in `only` (those the prefilter flagged).
    pub fn scan_field_in(
        &self,
        text: &[u8],
        scope: ContextScope,
        field: FieldName,
        only: DetectorSet,
        out: &mut Vec<Match>,
    ) {
        let folded = Folded::new(text);
        let context = std::cell::OnceCell::new();
        let first = out.len();
        for (index, detector) in self.detectors.iter().enumerate().filter(|(i, _)| only.contains(*i)) {
            let named = || {
                let ctx = context.get_or_init(|| match field {
                    FieldName::None => FieldContext::default(),
                    FieldName::Name(name) => self.field_context(name),
                    FieldName::Known(ctx) => ctx,
                });
                Named { keyword: ctx.keyword.contains(index), negative: ctx.negative.contains(index) }
            };
            detector.scan(index, &folded, scope, named, out);
        }
        self.suppress(out, first);
        out[first..].sort_by_key(|m| (m.start, m.detector));
    }

    pub fn prefilter(&self) -> &Prefilter {
        &self.prefilter
    }

    /// The same matches as `scan(text, Block)`, found faster: the prefilter flags the lines
    /// that could hold a candidate, and only the flagged detectors run on each of those lines,
    /// with as much text around it as their context windows read. Flagged lines whose windows
    /// overlap are scanned as one stretch, so digit-dense text (logs, tables as text) is read
    /// once rather than once per line.
    pub fn scan_prefiltered(&self, text: &[u8], out: &mut Vec<Match>) {
        if !self.prefilter.always().is_empty() {
            return self.scan(text, ContextScope::Block, out);
        }
        let mut hits = Vec::new();
        self.prefilter.hits(text, &mut hits);
        let lines = flagged_lines(text, &hits);
        // A few characters past the window, so word edges at its ends read as they do in the
        // whole text.
        let reach = self.window + 4;
        let mut local = Vec::new();
        let mut rest = &lines[..];
        while let Some((first, _)) = rest.first() {
            let (lo, mut hi) = (back_chars(text, first.start, reach), forward_chars(text, first.end, reach));
            let mut run = 1;
            while let Some((next, _)) = rest.get(run).filter(|(next, _)| back_chars(text, next.start, reach) <= hi) {
                hi = forward_chars(text, next.end, reach);
                run += 1;
            }
            let (stretch, after) = rest.split_at(run);
            rest = after;
            let only = stretch.iter().fold(DetectorSet::EMPTY, |set, (_, d)| set.union(*d));
            local.clear();
            self.scan_field_in(&text[lo..hi], ContextScope::Block, FieldName::None, only, &mut local);
            // Matches never cross a line end: each is kept if its own line flagged its detector.
            out.extend(
                local
                    .drain(..)
                    .map(|mut m| {
                        m.start += lo;
                        m.end += lo;
                        m
                    })
                    .filter(|m| {
                        let i = stretch.partition_point(|(line, _)| line.end <= m.start);
                        stretch.get(i).is_some_and(|(line, d)| line.contains(&m.start) && d.contains(m.detector))
                    }),
            );
        }
    }

    /// Drops matches that overlap a match of a detector they are `suppressed_by`.
    fn suppress(&self, out: &mut Vec<Match>, first: usize) {
        if self.detectors.iter().all(|d| d.suppressors.is_empty()) {
            return;
        }
        let mut mine = out.split_off(first);
        let spans: Vec<(usize, usize, usize)> = mine.iter().map(|m| (m.detector, m.start, m.end)).collect();
        mine.retain(|m| {
            let sup = &self.detectors[m.detector].suppressors;
            sup.is_empty() || !spans.iter().any(|&(d, s, e)| sup.contains(&d) && s < m.end && m.start < e)
        });
        out.append(&mut mine);
    }
}

/// The lines holding hits, each with the union of its hits' detectors, in order.
fn flagged_lines(text: &[u8], hits: &[Hit]) -> Vec<(std::ops::Range<usize>, DetectorSet)> {
    let mut lines: Vec<(std::ops::Range<usize>, DetectorSet)> = Vec::new();
    for hit in hits {
        match lines.last_mut() {
            Some((line, set)) if hit.pos < line.end => *set = set.union(hit.detectors),
            _ => {
                let start = memchr::memrchr(b'\n', &text[..hit.pos]).map_or(0, |i| i + 1);
                let end = memchr::memchr(b'\n', &text[hit.pos..]).map_or(text.len(), |i| hit.pos + i);
                lines.push((start..end, hit.detectors));
            }
        }
    }
    lines
}

/// A field name as words: `phone_number`, `phoneNumber` and `meta.phone` all read `phone number`
/// or `meta phone`, so keywords bounded at word edges match them.
fn field_words(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        out.push(if c.is_alphanumeric() { c } else { ' ' });
    }
    out
}

fn invalid(spec: &DetectorSpec, msg: String) -> SpecError {
    SpecError::Invalid { id: spec.id.clone(), msg }
}

/// A keyword regex: ASCII keywords case-insensitive and bounded at word edges, so `Tel` does
/// not fire inside `Hotel`; other keywords (Chinese) match as written.
fn keyword_regex(keywords: &[String]) -> Result<Option<Regex>, regex::Error> {
    if keywords.is_empty() {
        return Ok(None);
    }
    let alternatives: Vec<String> = keywords
        .iter()
        .map(|k| {
            let edge = |c: Option<char>| {
                if c.is_some_and(|c| c.is_ascii_alphanumeric()) {
                    r"(?-u:\b)"
                } else {
                    ""
                }
            };
            format!("{}{}{}", edge(k.chars().next()), regex::escape(k), edge(k.chars().last()))
        })
        .collect();
    Regex::new(&format!("(?i:{})", alternatives.join("|"))).map(Some)
}

impl Detector {
    fn compile(spec: DetectorSpec) -> Result<Self, SpecError> {
        let regex = Regex::new(&spec.pattern).map_err(|e| invalid(&spec, format!("pattern: {e}")))?;
        let keywords = keyword_regex(&spec.context.keywords).map_err(|e| invalid(&spec, format!("keywords: {e}")))?;
        let negative = keyword_regex(&spec.context.negative).map_err(|e| invalid(&spec, format!("negative: {e}")))?;
        let validator = Validator::from_spec(&spec.validator, &spec.params).map_err(|e| invalid(&spec, e))?;
        let names = GroupNames::of(&regex);
        let v_group = names.index("v");
        let c = &spec.confidence;
        if let Some((signal, literals)) = c.requires.iter().find(|(signal, literals)| {
            !c.signals.contains_key(*signal) || literals.is_empty() || literals.iter().any(String::is_empty)
        }) {
            let msg = format!("requires {signal:?} = {literals:?}: not a signal, or no literal");
            return Err(invalid(&spec, msg));
        }
        let ceiling = Ceiling::of(&spec);
        Ok(Detector { spec, regex, names, v_group, keywords, negative, validator, ceiling, suppressors: Vec::new() })
    }

    /// `named`: the value's field name is itself a context keyword.
    fn scan(
        &self,
        index: usize,
        folded: &Folded,
        scope: ContextScope,
        named: impl Fn() -> Named,
        out: &mut Vec<Match>,
    ) {
        let text = folded.text();
        // A plain search first in a long text: it needs no capture slots, and most such texts
        // have no candidate. A short one (a cell) was flagged by the prefilter and often has.
        if text.len() > 64 && !self.regex.is_match(text) {
            return;
        }
        if self.ceiling.may_rule_out() && {
            let named = named();
            self.ceiling.rules_out(text, named.keyword, named.negative)
        } {
            return;
        }
        let mut locs = self.regex.capture_locations();
        let (mut at, mut last_line_end) = (0, None);
        while at <= text.len() {
            let Some(whole) = self.regex.captures_read_at(&mut locs, text, at) else { break };
            // As `captures_iter` does; no pattern here matches the empty string.
            at = if whole.is_empty() { whole.end() + 1 } else { whole.end() };
            let caps = Caps { hay: text, locs: &locs, names: &self.names };
            let v = self.v_group.and_then(|i| caps.get(i)).map_or(whole.range(), |g| g.range());
            if self.spec.one_per_line && last_line_end.is_some_and(|e| v.start < e) {
                continue;
            }
            let Some(verdict) = self.validator.check(text, &caps, v.clone()) else {
                continue;
            };
            let span = verdict.span.clone().unwrap_or(v);
            let confidence = self.score(text, &span, scope, named(), &verdict.signals);
            if confidence < self.spec.min_confidence {
                continue;
            }
            if self.spec.one_per_line {
                last_line_end = Some(memchr::memchr(b'\n', &text[span.end..]).map_or(text.len(), |i| span.end + i));
            }
            let (normalized, masked) = verdict.value.written();
            out.push(Match {
                detector: index,
                start: folded.to_original(span.start),
                end: folded.to_original(span.end),
                confidence,
                normalized,
                masked,
                detail: verdict.detail,
            });
        }
    }

    fn score(
        &self,
        text: &[u8],
        span: &std::ops::Range<usize>,
        scope: ContextScope,
        named: Named,
        signals: &[&str],
    ) -> f32 {
        let c = &self.spec.confidence;
        let mut score = c.base + signals.iter().filter_map(|s| c.signals.get(*s)).sum::<f32>();
        let ctx = &self.spec.context;
        if named.keyword || near(self.keywords.as_ref(), text, span, scope, ctx.window) {
            score += c.context;
        }
        // Negative words qualify the number they sit beside, so they count on its line only.
        if named.negative || near(self.negative.as_ref(), text, span, ContextScope::Line, ctx.negative_window) {
            score += c.negative_context;
        }
        (score.clamp(0.0, 1.0) * 100.0).round() / 100.0
    }
}

/// Whether a keyword of `keywords` lies within `window` characters of `span` (not inside it).
fn near(
    keywords: Option<&Regex>,
    text: &[u8],
    span: &std::ops::Range<usize>,
    scope: ContextScope,
    window: usize,
) -> bool {
    let Some(keywords) = keywords else {
        return false;
    };
    let (mut lo, mut hi) = (back_chars(text, span.start, window), forward_chars(text, span.end, window));
    if scope == ContextScope::Line {
        lo = lo.max(memchr::memrchr(b'\n', &text[..span.start]).map_or(0, |i| i + 1));
        hi = hi.min(memchr::memchr(b'\n', &text[span.end..]).map_or(text.len(), |i| span.end + i));
    }
    // `find_at` keeps the bytes before `lo` visible to `\b`, so a window edge inside
    // "Hotel" does not turn it into "tel".
    keywords.find_at(&text[..span.start], lo).is_some() || keywords.find_at(&text[..hi], span.end).is_some()
}

fn is_char_start(b: u8) -> bool {
    (b as i8) >= -0x40
}

/// The offset `n` characters before `pos` (or 0).
fn back_chars(text: &[u8], mut pos: usize, n: usize) -> usize {
    for _ in 0..n {
        if pos == 0 {
            break;
        }
        pos -= 1;
        while pos > 0 && !is_char_start(text[pos]) {
            pos -= 1;
        }
    }
    pos
}

/// The offset `n` characters after `pos` (or the end).
fn forward_chars(text: &[u8], mut pos: usize, n: usize) -> usize {
    for _ in 0..n {
        if pos >= text.len() {
            break;
        }
        pos += 1;
        while pos < text.len() && !is_char_start(text[pos]) {
            pos += 1;
        }
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, String, f32)> {
        let engine = Engine::builtin().unwrap();
        let mut out = Vec::new();
        engine.scan(text.as_bytes(), ContextScope::Block, &mut out);
        out.iter()
            .map(|m| (engine.detectors()[m.detector].spec.id.clone(), text[m.start..m.end].to_string(), m.confidence))
            .collect()
    }

    #[test]
    fn char_windows_step_over_multibyte_characters() {
        let t = "電話 9".as_bytes();
        assert_eq!(back_chars(t, t.len() - 1, 2), 3);
        assert_eq!(forward_chars(t, 0, 2), 6);
        assert_eq!(back_chars(t, 3, 10), 0);
        assert_eq!(forward_chars(t, 6, 10), t.len());
    }

    #[test]
    fn context_keyword_raises_confidence() {
        let bare = found("Number: 9123 4567");
        let with = found("WhatsApp: 9123 4567");
        assert_eq!(bare.len(), 1);
        assert!(with[0].2 > bare[0].2, "{with:?} vs {bare:?}");
    }

    #[test]
    fn keyword_inside_a_word_is_not_context() {
        assert_eq!(found("Hotel 9123 4567")[0].2, found("Venue 9123 4567")[0].2);
    }

    #[test]
    fn spans_point_at_original_full_width_text() {
        let hits = found("身份證號碼：Ａ１２３４５６（３）");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].1, "Ａ１２３４５６（３）");
    }

    #[test]
    fn a_field_name_is_context() {
        let engine = Engine::builtin().unwrap();
        let score = |field: Option<&str>| {
            let mut out = Vec::new();
            engine.scan_field(b"91234567", ContextScope::Line, field, &mut out);
            out.first().map(|m| m.confidence)
        };
        let plain = score(Some("text")).unwrap();
        for name in ["phone", "phone_number", "phoneNumber", "contact.mobile", "電話"] {
            assert!(score(Some(name)).unwrap() > plain, "{name}");
        }
        assert_eq!(score(None), Some(plain));
        // A negative word as the name: a column of 8-digit references is not a column of phones.
        for name in ["reference", "txn_id", "orderRef", "account"] {
            assert!(score(Some(name)).is_none_or(|s| s < plain), "{name}");
        }
        assert_eq!(field_words("homePhone_2"), "home Phone 2");
    }

    /// Pieces of text that make candidates, near misses and context, in the forms the
    /// detectors fold.
    const PIECES: &[&str] = &[
        "A123456(3)",
        "Ａ１２３４５６（３）",
        "AB987654(9)",
        "Z1234560",
        "9123 4567",
        "９１２３　４５６７",
        "6123–4567",
        "+852 2345 6789",
        "12345678",
        "2019-01-01",
        "a.b@example.com",
        "x＠example.org",
        "Copyright © 2023 Press",
        "（c） 2020 Someone",
        "All rights reserved",
        "版權所有",
        "SPDX-License-Identifier: MIT",
        "CC BY-NC 4.0",
        "cc\u{a0}by 3.0",
        "Creative Commons Attribution 4.0",
        "creativecommons.org/licenses/by/4.0/",
        "創用CC 姓名標示",
        "Tel:",
        "電話",
        "HKID",
        "Ref",
        " ",
        "\n",
        "，",
        "the",
        "報告",
    ];

    proptest::proptest! {
        /// The prefiltered scan finds exactly what a scan of every detector over all the text
        /// finds: same detectors, spans and confidences.
        #[test]
        fn the_prefilter_loses_nothing(picks in proptest::collection::vec(0..PIECES.len(), 0..40)) {
            let text: String = picks.iter().map(|&i| PIECES[i]).collect();
            let engine = Engine::builtin().unwrap();
            let (mut full, mut fast) = (Vec::new(), Vec::new());
            engine.scan(text.as_bytes(), ContextScope::Block, &mut full);
            engine.scan_prefiltered(text.as_bytes(), &mut fast);
            let key = |m: &Match| (m.detector, m.start, m.end, m.confidence.to_bits());
            proptest::prop_assert_eq!(fast.iter().map(key).collect::<Vec<_>>(), full.iter().map(key).collect::<Vec<_>>(), "{}", text);
        }
    }

    const FIELDS: &[&str] = &["reference", "txn_id", "orderRef", "phone", "note", "電話", "account_no", "email"];

    proptest::proptest! {
        /// Skipping a text whose best score is below the minimum (`requires` in the specs)
        /// finds exactly what running every pattern finds, under any field name.
        #[test]
        fn the_score_ceiling_loses_nothing(
            picks in proptest::collection::vec(0..PIECES.len() + 4, 0..5),
            field in 0..FIELDS.len(),
        ) {
            let extra = ["51552213", "852", "-", "tel"];
            let text: String = picks.iter().map(|&i| PIECES.get(i).copied().unwrap_or_else(|| extra[i - PIECES.len()])).collect();
            let mut specs = super::super::spec::builtin_specs().unwrap();
            let engine = Engine::new(specs.clone()).unwrap();
            specs.iter_mut().for_each(|s| s.confidence.requires.clear());
            let unbounded = Engine::new(specs).unwrap();
            let (mut fast, mut all) = (Vec::new(), Vec::new());
            engine.scan_field(text.as_bytes(), ContextScope::Line, Some(FIELDS[field]), &mut fast);
            unbounded.scan_field(text.as_bytes(), ContextScope::Line, Some(FIELDS[field]), &mut all);
            let key = |m: &Match| (m.detector, m.start, m.end, m.confidence.to_bits());
            proptest::prop_assert_eq!(fast.iter().map(key).collect::<Vec<_>>(), all.iter().map(key).collect::<Vec<_>>(), "{}", text);
        }
    }

    #[test]
    fn requires_names_a_signal() {
        let mut specs = super::super::spec::builtin_specs().unwrap();
        let phone = specs.iter_mut().find(|s| s.id == "hk_phone").unwrap();
        phone.confidence.requires.insert("no_such_signal".into(), vec!["852".into()]);
        assert!(matches!(Engine::new(specs), Err(SpecError::Invalid { .. })));
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let mut specs = super::super::spec::builtin_specs().unwrap();
        specs.push(specs[0].clone());
        assert!(matches!(Engine::new(specs), Err(SpecError::Invalid { .. })));
    }
}
