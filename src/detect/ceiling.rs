//! The best score any candidate in a text could reach, worked out before the pattern runs.
//!
//! A table column named `reference` holds 8-digit numbers that the phone pattern matches on
//! every row, and the negative name drops every one of them: the capture search, validation
//! and scoring were half of a transaction table's scan. A candidate's score is the base, plus
//! the signals its validator raises, plus context, plus the negative term; a signal that needs
//! a literal (`country_code` needs `852`) cannot be raised in a text without one, and a context
//! keyword cannot be near a candidate in a text holding none of its bytes. When even the best
//! score left is below `min_confidence`, the pattern need not run.

use super::spec::DetectorSpec;
use memchr::memmem::Finder;

/// What one detector's scores can add up to, from its spec.
pub struct Ceiling {
    /// The base and every positive signal that needs no literal.
    fixed: f32,
    /// Positive signals raised only on a text holding one of their literals.
    conditional: Vec<(f32, Vec<Finder<'static>>)>,
    /// What a context keyword adds (0 if it would not raise the score).
    context: f32,
    /// Bytes of which a text holding any keyword holds at least one (see `keyword_bytes`).
    keyword_bytes: Box<[bool; 256]>,
    /// What a negative word adds when the field name is one (usually below 0), and at best
    /// when it is not.
    negative_named: f32,
    negative_best: f32,
    min: f32,
}

/// Scores are rounded to hundredths, and summed in another order than here: the ceiling
/// must sit this far below the minimum before a text is dropped.
const MARGIN: f32 = 0.01;

impl Ceiling {
    pub fn of(spec: &DetectorSpec) -> Ceiling {
        let c = &spec.confidence;
        let (mut fixed, mut conditional) = (c.base, Vec::new());
        for (name, &gain) in c.signals.iter().filter(|(_, &gain)| gain > 0.0) {
            match c.requires.get(name) {
                Some(literals) => {
                    let finders = literals.iter().map(|l| Finder::new(l.as_bytes()).into_owned()).collect();
                    conditional.push((gain, finders));
                }
                None => fixed += gain,
            }
        }
        Ceiling {
            fixed,
            conditional,
            context: c.context.max(0.0),
            keyword_bytes: keyword_bytes(&spec.context.keywords),
            negative_named: c.negative_context,
            negative_best: c.negative_context.max(0.0),
            min: spec.min_confidence,
        }
    }

    /// Whether a text can be ruled out at all: only under a negative name, if the spec's
    /// scores are such that one can.
    pub fn may_rule_out(&self) -> bool {
        self.fixed + self.negative_named + MARGIN < self.min
    }

    /// Whether no candidate in `text` (folded) can score `min_confidence`, given what its
    /// field name is to this detector.
    pub fn rules_out(&self, text: &[u8], name_is_keyword: bool, name_is_negative: bool) -> bool {
        let mut best = self.fixed + if name_is_negative { self.negative_named } else { self.negative_best };
        let reachable = |best: f32| best + MARGIN >= self.min;
        if reachable(best) {
            // The common case for a field that is not negative: nothing to read.
            return false;
        }
        if !reachable(best + self.context + self.conditional.iter().map(|(gain, _)| gain).sum::<f32>()) {
            return true;
        }
        if name_is_keyword || text.iter().any(|&b| self.keyword_bytes[usize::from(b)]) {
            best += self.context;
        }
        for (gain, finders) in &self.conditional {
            if finders.iter().any(|f| f.find(text).is_some()) {
                best += gain;
            }
        }
        !reachable(best)
    }
}

/// A set of bytes such that a text holding any of `keywords` (matched as `keyword_regex` does:
/// ASCII case-insensitively, other scripts as written) holds one of them: for each keyword its
/// first ASCII letter in both cases, or its first byte if it has none; and every non-ASCII byte,
/// since Unicode case folding matches `k` to the Kelvin sign.
fn keyword_bytes(keywords: &[String]) -> Box<[bool; 256]> {
    let mut set = Box::new([false; 256]);
    set[0x80..].fill(true);
    for k in keywords {
        let bytes = k.as_bytes();
        match bytes.iter().find(|b| b.is_ascii_alphabetic()) {
            Some(b) => {
                set[usize::from(b.to_ascii_lowercase())] = true;
                set[usize::from(b.to_ascii_uppercase())] = true;
            }
            None => match bytes.first() {
                Some(&b) => set[usize::from(b)] = true,
                // An empty keyword is found in any text.
                None => set.fill(true),
            },
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::spec::builtin_specs;

    fn phone() -> Ceiling {
        Ceiling::of(builtin_specs().unwrap().iter().find(|s| s.id == "hk_phone").unwrap())
    }

    #[test]
    fn a_bare_number_under_a_negative_name_is_ruled_out() {
        let c = phone();
        assert!(c.rules_out(b"51552213", false, true));
        // A separator alone (0.1) does not lift it to the minimum; a country code, a keyword
        // or a keyword name could.
        assert!(c.rules_out(b"5155 2213", false, true));
        assert!(!c.rules_out(b"+852 51552213", false, true));
        assert!(!c.rules_out(b"Tel 51552213", false, true));
        assert!(!c.rules_out(b"51552213", true, true));
        // Without the negative name nothing is ruled out.
        assert!(!c.rules_out(b"51552213", false, false));
    }

    #[test]
    fn keyword_bytes_cover_both_cases_and_other_scripts() {
        let set = keyword_bytes(&["Tel.".into(), "電話".into(), "(x)".into()]);
        assert!(set[usize::from(b'T')] && set[usize::from(b't')] && set[usize::from(b'x')]);
        assert!(set[0xE9] && set[0x80]);
        assert!(!set[usize::from(b'.')] && !set[usize::from(b'(')] && !set[usize::from(b'5')]);
    }
}
