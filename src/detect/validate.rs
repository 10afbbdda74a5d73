//! Validators: the code half of a detector. Each one reads the named groups of its spec's
//! pattern, checks what a regex cannot (check digits, numbering plans, boundaries a regex
//! without look-around cannot express), and returns the normalised value, its masked form and
//! the confidence signals it saw.

use regex::bytes::CaptureLocations;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::ops::Range;

/// What a detector extracted beyond the value itself.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    #[default]
    None,
    Notice {
        #[serde(skip_serializing_if = "Option::is_none")]
        holder: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        years: Option<YearRange>,
    },
    Licence {
        id: String,
        nc: bool,
        nd: bool,
        sa: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct YearRange {
    pub from: u16,
    pub to: u16,
}

/// An accepted candidate.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub value: Value,
    pub signals: Signals,
    pub detail: Detail,
    /// Replaces the pattern's span when the validator found the value's true extent.
    pub span: Option<Range<usize>>,
}

impl Verdict {
    fn new(normalized: String, masked: String) -> Self {
        Verdict::of(Value::Written { normalized, masked })
    }

    fn of(value: Value) -> Self {
        Verdict { value, signals: Signals::default(), detail: Detail::None, span: None }
    }
}

/// A validated value's canonical form (what the fingerprint is computed from) and what reports
/// show instead of it.
#[derive(Debug, Clone)]
pub enum Value {
    Written {
        normalized: String,
        masked: String,
    },
    /// A Hong Kong phone number, written out only if its candidate is kept: in tables most
    /// phone-shaped candidates are scored and dropped (an id column), and formatting them was
    /// a fifth of their cost.
    Phone {
        country_code: bool,
        digits: [u8; 8],
    },
}

impl Value {
    /// The canonical and the masked form.
    pub fn written(self) -> (String, String) {
        match self {
            Value::Written { normalized, masked } => (normalized, masked),
            Value::Phone { country_code, digits } => {
                let digits = String::from_utf8_lossy(&digits);
                let (a, b) = digits.split_at(4);
                let masked = if country_code { format!("+852 {a} ****") } else { format!("{a} ****") };
                (format!("+852{a}{b}"), masked)
            }
        }
    }
}

/// The signals a validator saw: a handful at most, kept without allocating, since most
/// candidates are scored and dropped.
#[derive(Debug, Default, Clone, Copy)]
pub struct Signals {
    names: [&'static str; 4],
    len: usize,
}

impl Signals {
    pub fn push(&mut self, name: &'static str) {
        assert!(self.len < self.names.len(), "more than {} signals", self.names.len());
        self.names[self.len] = name;
        self.len += 1;
    }
}

impl std::ops::Deref for Signals {
    type Target = [&'static str];

    fn deref(&self) -> &Self::Target {
        &self.names[..self.len]
    }
}

pub enum Validator {
    Hkid(HkidParams),
    HkPhone(PhoneParams),
    Email(EmailParams),
    CopyrightNotice(NoticeParams),
    Spdx,
    CreativeCommons,
    /// For user-defined detectors with no validator of their own: accepts the `v` group and
    /// masks all but its first three characters.
    Generic,
}

impl Validator {
    pub fn from_spec(name: &str, params: &toml::Table) -> Result<Self, String> {
        fn typed<T: for<'de> Deserialize<'de>>(params: &toml::Table) -> Result<T, String> {
            toml::Value::Table(params.clone()).try_into().map_err(|e| format!("params: {e}"))
        }
        Ok(match name {
            "hkid" => Validator::Hkid(typed(params)?),
            "hk_phone" => Validator::HkPhone(typed::<PhoneParams>(params)?.indexed()?),
            "email" => Validator::Email(typed(params)?),
            "copyright_notice" => Validator::CopyrightNotice(typed(params)?),
            "spdx_license" => Validator::Spdx,
            "creative_commons" => Validator::CreativeCommons,
            "generic" => Validator::Generic,
            other => return Err(format!("unknown validator {other:?}")),
        })
    }

    /// `hay` is the folded text the pattern ran on; `v` the candidate's span in it.
    pub fn check(&self, hay: &[u8], caps: &Caps, v: Range<usize>) -> Option<Verdict> {
        match self {
            Validator::Hkid(p) => hkid(p, hay, caps, v),
            Validator::HkPhone(p) => phone(p, hay, caps, v),
            Validator::Email(p) => email(p, hay, caps, v),
            Validator::CopyrightNotice(p) => copyright_notice(p, hay, caps, v),
            Validator::Spdx => spdx(caps),
            Validator::CreativeCommons => creative_commons(caps),
            Validator::Generic => generic(&hay[v]),
        }
    }
}

fn group<'h>(caps: &Caps<'_, 'h>, name: &str) -> Option<&'h [u8]> {
    caps.name(name).map(|m| m.as_bytes())
}

/// A candidate's capture groups, read from slots reused from match to match and looked up by
/// name without hashing (`regex` allocates each match's `Captures`, and resolves a name
/// through a SipHash map on every call; a validator asks for several per candidate).
pub struct Caps<'c, 'h> {
    pub hay: &'h [u8],
    pub locs: &'c CaptureLocations,
    pub names: &'c GroupNames,
}

impl<'h> Caps<'_, 'h> {
    pub fn get(&self, i: usize) -> Option<Group<'h>> {
        let (start, end) = self.locs.get(i)?;
        Some(Group { hay: self.hay, start, end })
    }

    #[inline]
    pub fn name(&self, name: &str) -> Option<Group<'h>> {
        self.get(self.names.index(name)?)
    }
}

/// Where a capture group matched.
#[derive(Clone, Copy)]
pub struct Group<'h> {
    hay: &'h [u8],
    start: usize,
    end: usize,
}

impl<'h> Group<'h> {
    pub fn as_bytes(&self) -> &'h [u8] {
        &self.hay[self.start..self.end]
    }

    pub fn start(&self) -> usize {
        self.start
    }

    pub fn end(&self) -> usize {
        self.end
    }

    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// A pattern's named groups and their indices, each with a key that settles most comparisons
/// in one instruction.
pub struct GroupNames(Vec<(u64, String, usize)>);

impl GroupNames {
    pub fn of(regex: &regex::bytes::Regex) -> Self {
        let named = regex.capture_names().enumerate().filter_map(|(i, n)| Some((Self::key(n?), n?.to_string(), i)));
        GroupNames(named.collect())
    }

    /// The index of the group called `name`.
    #[inline]
    pub fn index(&self, name: &str) -> Option<usize> {
        let key = Self::key(name);
        // Group names hold no NUL byte, so up to eight bytes the key and length are the name.
        let same = |n: &String| n.len() == name.len() && (name.len() <= 8 || n == name);
        self.0.iter().find(|(k, n, _)| *k == key && same(n)).map(|&(_, _, i)| i)
    }

    /// A name's first eight bytes, which tell apart the short names patterns use.
    #[inline(always)]
    fn key(name: &str) -> u64 {
        name.bytes().take(8).enumerate().fold(0, |k, (i, b)| k | u64::from(b) << (8 * i))
    }
}

fn ascii(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---------------------------------------------------------------------------------------------
// HKID

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HkidParams {
    /// Prefixes known to be issued; others are accepted with less confidence.
    #[serde(default)]
    pub known_prefixes: BTreeSet<String>,
}

/// Value of an HKID symbol: digits as is, `A`=10 … `Z`=35.
fn hkid_symbol(b: u8) -> u32 {
    match b {
        b'0'..=b'9' => u32::from(b - b'0'),
        b'A'..=b'Z' => u32::from(b - b'A') + 10,
        _ => unreachable!("the pattern admits only digits and capitals"),
    }
}

/// The check character of `prefix` (1–2 capitals) and `digits` (6 digits), per `domain.md` §1:
/// a 1-letter prefix is padded with 36, weights 9..2, `r = (11 - sum mod 11) mod 11`, 10 is `A`.
pub fn hkid_check_char(prefix: &[u8], digits: &[u8]) -> Option<u8> {
    if !(1..=2).contains(&prefix.len()) || digits.len() != 6 {
        return None;
    }
    if !prefix.iter().all(u8::is_ascii_uppercase) || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let pad = (prefix.len() == 1).then_some(36);
    let symbols = pad.into_iter().chain(prefix.iter().chain(digits).map(|&b| hkid_symbol(b)));
    let sum: u32 = symbols.zip((2..=9).rev()).map(|(s, w)| s * w).sum();
    Some(match (11 - sum % 11) % 11 {
        10 => b'A',
        r => b'0' + r as u8,
    })
}

fn is_ascii_alnum_at(hay: &[u8], i: usize) -> bool {
    hay.get(i).is_some_and(u8::is_ascii_alphanumeric)
}

fn hkid(p: &HkidParams, hay: &[u8], caps: &Caps, v: Range<usize>) -> Option<Verdict> {
    let prefix = group(caps, "prefix")?;
    let digits = group(caps, "digits")?;
    let bracketed = group(caps, "bcheck");
    let mut check = bracketed.or_else(|| group(caps, "check")).map(|c| c[0]);
    let mut end = v.end;
    if is_ascii_alnum_at(hay, end) {
        // `A123456 7890`: a bare check character glued to more text is not a check character.
        if bracketed.is_some() || check.is_none() {
            return None;
        }
        end = caps.name("digits")?.end();
        check = None;
        if is_ascii_alnum_at(hay, end) {
            return None;
        }
    }
    let prefix_s = ascii(prefix);
    let digits_s = ascii(digits);
    let mut verdict = match check {
        Some(c) => {
            if hkid_check_char(prefix, digits)? != c {
                return None;
            }
            let mut v = Verdict::new(
                format!("{prefix_s}{digits_s}{}", c as char),
                format!("{prefix_s}{}***(*)", &digits_s[..3]),
            );
            if bracketed.is_some() {
                v.signals.push("bracketed");
            }
            v
        }
        None => {
            let mut v = Verdict::new(format!("{prefix_s}{digits_s}"), format!("{prefix_s}{}***", &digits_s[..3]));
            v.signals.push("no_check_digit");
            v
        }
    };
    if p.known_prefixes.contains(&prefix_s) {
        verdict.signals.push("known_prefix");
    }
    verdict.span = Some(v.start..end);
    Some(verdict)
}

// ---------------------------------------------------------------------------------------------
// Hong Kong phone numbers

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneParams {
    /// Two-digit leading ranges the numbering plan allocates, by kind (`domain.md` §3).
    pub allocated: std::collections::BTreeMap<String, Vec<String>>,
    /// Text right before a number that makes it an amount (`HK$`, `HKD` …).
    #[serde(default)]
    pub amount_before: Vec<String>,
    /// Text right after a number that makes it an amount (`元` …).
    #[serde(default)]
    pub amount_after: Vec<String>,
    /// Words shortly before a number that make it something else (`ISBN` …).
    #[serde(default)]
    pub reject_before: Vec<String>,
    /// `allocated` as a set of two-digit numbers (bit n for leading digits n), asked of every
    /// candidate.
    #[serde(skip)]
    leading: u128,
}

impl PhoneParams {
    fn indexed(mut self) -> Result<Self, String> {
        for prefix in self.allocated.values().flatten() {
            match prefix.as_bytes() {
                &[a @ b'0'..=b'9', b @ b'0'..=b'9'] => self.leading |= 1 << ((a - b'0') * 10 + (b - b'0')),
                _ => return Err(format!("params: allocated prefix {prefix:?} is not two digits")),
            }
        }
        Ok(self)
    }

    fn is_allocated(&self, a: u8, b: u8) -> bool {
        a.is_ascii_digit() && b.is_ascii_digit() && self.leading & (1 << ((a - b'0') * 10 + (b - b'0'))) != 0
    }
}

fn ends_with_ci(hay: &[u8], word: &str) -> bool {
    hay.len() >= word.len() && hay[hay.len() - word.len()..].eq_ignore_ascii_case(word.as_bytes())
}

fn trim_spaces_end(mut s: &[u8]) -> &[u8] {
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

fn trim_spaces_start(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    s
}

/// A bare 8-digit run that reads as a DDMMYYYY date is more likely a date than a number.
fn is_ddmmyyyy(d: &[u8]) -> bool {
    let n = |r: Range<usize>| {
        let digits = d.get(r)?;
        digits.iter().try_fold(0u32, |v, &b| b.is_ascii_digit().then(|| v * 10 + u32::from(b - b'0')))
    };
    matches!((n(0..2), n(2..4), n(4..8)), (Some(1..=31), Some(1..=12), Some(1900..=2099)))
}

fn phone(p: &PhoneParams, hay: &[u8], caps: &Caps, v: Range<usize>) -> Option<Verdict> {
    let a = group(caps, "a")?;
    let b = group(caps, "b")?;
    let cc = caps.name("cc").is_some();
    let sep = group(caps, "sep").is_some_and(|s| !s.is_empty());
    // Part of a longer number, a decimal, a date or a range: `9123 4567.89`, `9123-4567-1`.
    match (hay.get(v.end), hay.get(v.end + 1)) {
        (Some(x), _) if x.is_ascii_digit() => return None,
        (Some(b'.' | b',' | b'-' | b'/' | b':'), Some(y)) if y.is_ascii_digit() => return None,
        _ => {}
    }
    let before = trim_spaces_end(&hay[..v.start]);
    if let [.., d, b'-' | b'.' | b'/' | b':'] = before {
        if d.is_ascii_digit() {
            return None;
        }
    }
    if p.amount_before.iter().any(|w| ends_with_ci(before, w)) {
        return None;
    }
    let after = trim_spaces_start(&hay[v.end..]);
    if p.amount_after.iter().any(|w| after.starts_with(w.as_bytes())) {
        return None;
    }
    let look_back = &hay[v.start.saturating_sub(24)..v.start];
    if p.reject_before.iter().any(|w| look_back.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w.as_bytes()))) {
        return None;
    }
    if !p.is_allocated(a[0], a[1]) {
        return None;
    }
    // The pattern's groups are four ASCII digits each (after folding).
    let mut digits = [0u8; 8];
    digits[..4].copy_from_slice(a.get(..4).filter(|_| a.len() == 4)?);
    digits[4..].copy_from_slice(b.get(..4).filter(|_| b.len() == 4)?);
    let mut verdict = Verdict::of(Value::Phone { country_code: cc, digits });
    if cc {
        verdict.signals.push("country_code");
    } else if !sep {
        verdict.signals.push("bare");
        if is_ddmmyyyy(&digits) {
            verdict.signals.push("date_like");
        }
    }
    if sep {
        verdict.signals.push("separator");
    }
    Some(verdict)
}

// ---------------------------------------------------------------------------------------------
// E-mail

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailParams {
    /// Last labels that mark a file name (`icon@2x.png`), not a domain.
    #[serde(default)]
    pub reject_tlds: BTreeSet<String>,
}

fn email(p: &EmailParams, hay: &[u8], caps: &Caps, v: Range<usize>) -> Option<Verdict> {
    let local = group(caps, "local")?;
    let domain = group(caps, "domain")?;
    if matches!(hay.get(v.end), Some(c) if c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_') {
        return None;
    }
    if local.starts_with(b".") || local.ends_with(b".") || local.windows(2).any(|w| w == b"..") {
        return None;
    }
    let domain = ascii(domain).to_ascii_lowercase();
    let tld = domain.rsplit('.').next()?;
    if p.reject_tlds.contains(tld) {
        return None;
    }
    if domain.split('.').any(|l| l.starts_with('-') || l.ends_with('-')) {
        return None;
    }
    let local = ascii(local);
    let first = local.chars().next()?;
    Some(Verdict::new(format!("{}@{domain}", local.to_lowercase()), format!("{first}***@{domain}")))
}

// ---------------------------------------------------------------------------------------------
// Copyright notices

const RIGHTS_PHRASES: &[&str] = &[
    "all rights reserved",
    "版權所有",
    "版权所有",
    "保留所有權利",
    "保留一切權利",
    "不得轉載",
    "不得转载",
    "翻印必究",
];

fn starts_with_ci(hay: &[u8], word: &str) -> bool {
    hay.len() >= word.len() && hay[..word.len()].eq_ignore_ascii_case(word.as_bytes())
}

/// Skips `©`, `(c)`, `copyright` and spaces; true if a symbol was seen.
fn skip_symbols(hay: &[u8], mut i: usize, end: usize) -> (usize, bool) {
    let mut symbol = false;
    loop {
        let rest = &hay[i..end];
        if let Some(n) = ["©", "(c)", "copyright"].iter().find(|w| starts_with_ci(rest, w)).map(|w| w.len()) {
            symbol |= n != "copyright".len();
            i += n;
        } else if matches!(rest.first(), Some(b' ' | b'\t' | b':')) {
            i += 1;
        } else {
            return (i, symbol);
        }
    }
}

fn parse_year(hay: &[u8], i: usize) -> Option<u16> {
    let d = hay.get(i..i + 4)?;
    if !d.iter().all(u8::is_ascii_digit) || !(d.starts_with(b"19") || d.starts_with(b"20")) {
        return None;
    }
    if hay.get(i + 4).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(d).ok()?.parse().ok()
}

/// Parses `2019`, `2019-2023`, `2019, 2021`, `2019–present` starting at `i`.
fn parse_years(hay: &[u8], mut i: usize, end: usize) -> (usize, Option<YearRange>) {
    let Some(first) = parse_year(hay, i) else {
        return (i, None);
    };
    let mut range = YearRange { from: first, to: first };
    i += 4;
    loop {
        let mut j = i;
        while j < end && matches!(hay[j], b' ' | b'-' | b',' | b'~' | b'/') {
            j += 1;
        }
        if j == i {
            break;
        }
        if let Some(y) = parse_year(hay, j) {
            range.from = range.from.min(y);
            range.to = range.to.max(y);
            i = j + 4;
        } else if starts_with_ci(&hay[j..end], "present") {
            i = j + "present".len();
        } else {
            break;
        }
    }
    (i, Some(range))
}

/// Where the holder's name stops: a sentence end, a separator or a rights phrase.
fn holder_end(hay: &[u8], start: usize, end: usize) -> usize {
    let text = &hay[start..end];
    let mut stop = text.len();
    for (i, &c) in text.iter().enumerate() {
        if matches!(c, b'.' | b';' | b',' | b'|' | b'<' | b'"' | b'\n' | b'\r' | b'(' | b'[')
            || RIGHTS_PHRASES.iter().any(|p| starts_with_ci(&text[i..], p))
            || ["。", "，", "；", "、"].iter().any(|p| text[i..].starts_with(p.as_bytes()))
        {
            stop = i;
            break;
        }
    }
    // Keep "Ltd." and "Inc." whole.
    let held = &text[..stop];
    if text.get(stop) == Some(&b'.')
        && (ends_with_ci(held, "ltd") || ends_with_ci(held, "inc") || ends_with_ci(held, "co"))
    {
        stop += 1;
    }
    start + stop
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeParams {
    /// How many characters of its line after the notice word a notice may take (years, holder,
    /// a rights phrase). Pattern sets written before the parameter took the line in the
    /// pattern, and get this default.
    #[serde(default = "NoticeParams::default_tail")]
    pub tail_chars: usize,
}

impl NoticeParams {
    fn default_tail() -> usize {
        160
    }
}

/// The end of the text a notice may take: up to `max_chars` characters from `from`, stopping at
/// a newline or at bytes that are not UTF-8, as a pattern's `[^\n]{0,max_chars}` would.
fn line_tail(hay: &[u8], from: usize, max_chars: usize) -> usize {
    let window = &hay[from..hay.len().min(from.saturating_add(max_chars.saturating_mul(4)))];
    let valid =
        std::str::from_utf8(window).or_else(|e| std::str::from_utf8(&window[..e.valid_up_to()])).unwrap_or_default();
    for (n, (at, c)) in valid.char_indices().enumerate() {
        if n == max_chars || c == '\n' {
            return from + at;
        }
    }
    from + valid.len()
}

fn copyright_notice(p: &NoticeParams, hay: &[u8], caps: &Caps, v: Range<usize>) -> Option<Verdict> {
    let kw = caps.name("kw")?;
    let v = v.start..line_tail(hay, v.end.max(kw.end()), p.tail_chars);
    let kw_text = kw.as_bytes().to_ascii_lowercase();
    let (after_sym, symbol_after) = skip_symbols(hay, kw.end(), v.end);
    let (after_years, years) = parse_years(hay, after_sym, v.end);
    // "(c)" is also a list marker and "Copyright" a word of prose ("the Copyright Ordinance"):
    // "(c)" needs a year, "Copyright" a year or a symbol after it; © and the rights phrases
    // are notices on their own.
    let notice = match kw_text.as_slice() {
        b"(c)" => years.is_some(),
        b"copyright" => years.is_some() || symbol_after,
        _ => true,
    };
    if !notice {
        return None;
    }
    let holder_start = {
        let s = trim_spaces_start(&hay[after_years..v.end]);
        let s = s.strip_prefix(b"by ").unwrap_or(s);
        v.end - s.len()
    };
    let stop = holder_end(hay, holder_start, v.end);
    let holder_text = String::from_utf8_lossy(&hay[holder_start..stop]).trim().to_string();
    let holder = (!holder_text.is_empty() && holder_text.chars().any(char::is_alphanumeric)).then_some(holder_text);
    let mut span_end = if holder.is_some() { stop } else { after_years.max(kw.end()) };
    // Take a rights phrase that directly follows into the notice.
    let tail = trim_spaces_start(&hay[span_end..v.end]);
    let tail = tail.strip_prefix(b".").map(trim_spaces_start).unwrap_or(tail);
    if let Some(p) = RIGHTS_PHRASES.iter().find(|p| starts_with_ci(tail, p)) {
        span_end = v.end - tail.len() + p.len();
    }
    let mut normalized = String::from("©");
    if let Some(y) = years {
        normalized.push_str(&if y.from == y.to { format!(" {}", y.from) } else { format!(" {}-{}", y.from, y.to) });
    }
    if let Some(h) = &holder {
        normalized.push(' ');
        normalized.push_str(h);
    }
    let shown = String::from_utf8_lossy(&hay[v.start..span_end]).trim().to_string();
    let mut verdict = Verdict::new(normalized, shown);
    if years.is_some() {
        verdict.signals.push("year");
    }
    if holder.is_some() {
        verdict.signals.push("holder");
    }
    verdict.detail = Detail::Notice { holder, years };
    verdict.span = Some(v.start..span_end);
    Some(verdict)
}

fn generic(value: &[u8]) -> Option<Verdict> {
    let value = String::from_utf8_lossy(value).into_owned();
    let shown: String = value.chars().take(3).collect();
    Some(Verdict::new(value, format!("{shown}***")))
}

// ---------------------------------------------------------------------------------------------
// Licences

fn licence_verdict(id: String) -> Verdict {
    let upper = id.to_ascii_uppercase();
    let has = |f: &str| upper.split(['-', ' ', '_']).any(|p| p == f);
    let mut verdict = Verdict::new(id.clone(), id.clone());
    verdict.detail = Detail::Licence { id, nc: has("NC"), nd: has("ND"), sa: has("SA") };
    verdict
}

fn spdx(caps: &Caps) -> Option<Verdict> {
    let expr = ascii(group(caps, "v")?).trim().to_string();
    (!expr.is_empty()).then(|| licence_verdict(expr))
}

/// Builds an SPDX id from the parts a Creative Commons reference names. The 3.0 Hong Kong
/// (and other jurisdiction) ports have no SPDX id, so they become `LicenseRef-`.
fn cc_id(kind: &str, version: Option<&str>, jurisdiction: Option<&str>) -> String {
    let kind = kind.to_ascii_uppercase().replace([' ', '_'], "-");
    match (version, jurisdiction) {
        (Some(v), Some(j)) => format!("LicenseRef-CC-{kind}-{v}-{}", j.to_ascii_uppercase()),
        (Some(v), None) => format!("CC-{kind}-{v}"),
        (None, _) => format!("CC-{kind}"),
    }
}

/// Reads the licence elements out of an English long name or a Chinese name.
fn cc_kind_from_words(text: &str) -> String {
    let t = text.to_lowercase().replace(['-', ' '], "");
    let mut kind = String::from("BY");
    if ["noncommercial", "非商業", "非商业"].iter().any(|w| t.contains(w)) {
        kind.push_str("-NC");
    }
    if ["noderiv", "禁止衍生", "禁止改作", "禁止演绎", "禁止演繹"].iter().any(|w| t.contains(w)) {
        kind.push_str("-ND");
    } else if ["sharealike", "相同方式"].iter().any(|w| t.contains(w)) {
        kind.push_str("-SA");
    }
    kind
}

/// The ISO code of a port named in Chinese (`3.0 香港`).
fn zh_jurisdiction(name: &str) -> &'static str {
    match name {
        "香港" => "HK",
        "台灣" | "臺灣" => "TW",
        _ => "CN",
    }
}

fn creative_commons(caps: &Caps) -> Option<Verdict> {
    let s = |n| group(caps, n).map(ascii);
    let id = if s("pd").is_some() {
        "CC0-1.0".to_string()
    } else if let Some(kind) = s("url_kind") {
        cc_id(&kind, s("url_ver").as_deref(), s("juris").as_deref())
    } else if let Some(kind) = s("txt_kind") {
        cc_id(&kind, s("txt_ver").as_deref(), None)
    } else if s("cc0").is_some() {
        "CC0-1.0".to_string()
    } else if let Some(words) = s("long").or_else(|| s("zh")) {
        let juris = s("zh_juris").map(|j| zh_jurisdiction(&j).to_string());
        cc_id(&cc_kind_from_words(&words), s("long_ver").or_else(|| s("zh_ver")).as_deref(), juris.as_deref())
    } else {
        return None;
    };
    Some(licence_verdict(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The notice's tail ends where the pattern `[^\n]{0,n}` that it replaced would have
        /// ended, on any bytes: at a newline, after `n` characters, or before bytes that are
        /// not UTF-8.
        #[test]
        fn a_notice_tail_ends_where_the_old_pattern_tail_did(
            hay in proptest::collection::vec(prop_oneof![
                Just(b'\n'), Just(b'a'), Just(0xE7), Just(0x89), Just(0x88), Just(0xFF), any::<u8>()
            ], 0..80),
            from in 0usize..80,
            n in 0usize..12,
        ) {
            let from = from.min(hay.len());
            let re = regex::bytes::Regex::new(&format!(r"\A[^\n]{{0,{n}}}")).unwrap();
            let want = from + re.find(&hay[from..]).map_or(0, |m| m.end());
            prop_assert_eq!(line_tail(&hay, from, n), want);
        }
    }

    /// A copyright pattern file from before `tail_chars` (no `[params]`) still loads.
    #[test]
    fn a_notice_reaches_160_characters_unless_told() {
        let reach = |params: &str| match Validator::from_spec("copyright_notice", &params.parse().unwrap()) {
            Ok(Validator::CopyrightNotice(p)) => p.tail_chars,
            _ => panic!("{params}"),
        };
        assert_eq!((reach(""), reach("tail_chars = 40")), (160, 40));
    }

    #[test]
    fn group_names_are_told_apart_however_they_begin() {
        let re = regex::bytes::Regex::new(r"(?P<a>x)(?P<ab>y)(?P<longname1>z)(?P<longname2>w)(?P<v>v)").unwrap();
        let names = GroupNames::of(&re);
        let found: Vec<_> = ["a", "ab", "longname1", "longname2", "v", "b", "longname", "longname3"]
            .iter()
            .map(|n| names.index(n))
            .collect();
        assert_eq!(found, [Some(1), Some(2), Some(3), Some(4), Some(5), None, None, None]);
    }

    #[test]
    fn hkid_check_digits_from_the_domain_brief() {
        for (prefix, digits, check) in [
            ("A", "123456", b'3'),
            ("AB", "123456", b'9'),
            ("CA", "182361", b'1'),
            ("G", "123456", b'A'),
            ("K", "123456", b'0'),
            ("K", "034178", b'9'),
        ] {
            assert_eq!(hkid_check_char(prefix.as_bytes(), digits.as_bytes()), Some(check), "{prefix}{digits}");
        }
    }

    #[test]
    fn hkid_rejects_malformed_bodies() {
        assert_eq!(hkid_check_char(b"ABC", b"123456"), None);
        assert_eq!(hkid_check_char(b"A", b"12345"), None);
        assert_eq!(hkid_check_char(b"a", b"123456"), None);
    }

    #[test]
    fn licence_flags_follow_the_id() {
        let Detail::Licence { nc, nd, sa, .. } = licence_verdict("CC-BY-NC-SA-4.0".into()).detail else { panic!() };
        assert!(nc && sa && !nd);
        let Detail::Licence { nc, nd, sa, .. } = licence_verdict("MIT".into()).detail else { panic!() };
        assert!(!nc && !nd && !sa);
    }

    #[test]
    fn cc_ports_become_licence_refs() {
        assert_eq!(cc_id("by-nc", Some("3.0"), Some("hk")), "LicenseRef-CC-BY-NC-3.0-HK");
        assert_eq!(cc_id("by-sa", Some("4.0"), None), "CC-BY-SA-4.0");
        assert_eq!(cc_kind_from_words("姓名標示-非商業性-相同方式分享"), "BY-NC-SA");
        assert_eq!(cc_kind_from_words("Attribution-NonCommercial-NoDerivatives"), "BY-NC-ND");
    }
}
