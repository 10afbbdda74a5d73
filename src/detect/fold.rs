//! Folding of full-width and CJK punctuation forms to ASCII, with a map back to original offsets.
//!
//! Chinese text writes identifiers as `Ａ１２３４５６（３）` or `９１２３－４５６７`. NFKC folds the
//! full-width block (U+FF01..U+FF5E) and the ideographic space, but not `〔〕【】` or the Unicode
//! dashes, so we fold exactly the characters the detectors care about ourselves. Folding is
//! length-reducing (3 bytes to 1), so we keep sparse anchors to map folded offsets back.

/// Replacement for one folded character, or `None` if the character is kept as is.
fn fold_char(c: char) -> Option<u8> {
    let cp = c as u32;
    match cp {
        // Full-width ASCII variants: `！` .. `～`.
        0xFF01..=0xFF5E => Some((cp - 0xFEE0) as u8),
        0x3000 => Some(b' '),
        // Bracket forms NFKC leaves alone.
        0x3014 | 0x3010 | 0x3016 => Some(b'['),
        0x3015 | 0x3011 | 0x3017 => Some(b']'),
        // Hyphen, non-breaking hyphen, figure dash, en and em dash, horizontal bar, minus sign.
        0x2010..=0x2015 | 0x2212 | 0xFE63 => Some(b'-'),
        0x00A0 | 0x2002..=0x200A | 0x202F => Some(b' '),
        _ => None,
    }
}

/// Every character that folds to the ASCII byte `b` (its full-width form, other spaces and
/// dashes …), for prefilters that must see a literal in every form the detectors accept.
pub fn sources_of(b: u8) -> Vec<char> {
    // Every folded character, found in one pass over the BMP: a prefilter asks for several
    // bytes, and a pass each was a sixth of the start-up.
    static FOLDED: std::sync::LazyLock<Vec<(char, u8)>> = std::sync::LazyLock::new(|| {
        (0x80..=0xFFFFu32).filter_map(char::from_u32).filter_map(|c| Some((c, fold_char(c)?))).collect()
    });
    FOLDED.iter().filter(|&&(_, to)| to == b).map(|&(c, _)| c).collect()
}

/// Lead bytes of every UTF-8 sequence `fold_char` can change. A buffer without any of them
/// needs no folding, which is the common case for English text.
const FOLD_LEADS: [u8; 3] = [0xEF, 0xE2, 0xE3];

fn may_need_fold(text: &[u8]) -> bool {
    // A cell of a few bytes: a plain loop costs less than setting up four searches.
    if text.len() <= 32 {
        return text.iter().any(|&b| b == 0xC2 || FOLD_LEADS.contains(&b));
    }
    memchr::memchr3(FOLD_LEADS[0], FOLD_LEADS[1], FOLD_LEADS[2], text).is_some() || memchr::memchr(0xC2, text).is_some()
}

/// Text prepared for detection: either the original bytes or a folded copy.
pub struct Folded<'a> {
    original: &'a [u8],
    folded: Option<Vec<u8>>,
    /// `(folded_offset, original_offset)` at the end of every folded character, ascending.
    anchors: Vec<(usize, usize)>,
}

impl<'a> Folded<'a> {
    pub fn new(original: &'a [u8]) -> Self {
        let mut out = Folded { original, folded: None, anchors: Vec::new() };
        if may_need_fold(original) {
            out.fold();
        }
        out
    }

    fn fold(&mut self) {
        let src = self.original;
        let mut buf = Vec::with_capacity(src.len());
        let mut i = 0;
        let mut copied_from = 0;
        while i < src.len() {
            let b = src[i];
            if b < 0xC2 {
                i += 1;
                continue;
            }
            let len = utf8_len(b);
            if b != 0xC2 && !FOLD_LEADS.contains(&b) {
                i += len;
                continue;
            }
            let Some(c) = src.get(i..i + len).and_then(|s| std::str::from_utf8(s).ok()).and_then(|s| s.chars().next())
            else {
                i += 1;
                continue;
            };
            if let Some(r) = fold_char(c) {
                buf.extend_from_slice(&src[copied_from..i]);
                buf.push(r);
                i += len;
                copied_from = i;
                self.anchors.push((buf.len(), i));
            } else {
                i += len;
            }
        }
        if self.anchors.is_empty() {
            return;
        }
        buf.extend_from_slice(&src[copied_from..]);
        self.folded = Some(buf);
    }

    /// The bytes detectors run on.
    pub fn text(&self) -> &[u8] {
        self.folded.as_deref().unwrap_or(self.original)
    }

    pub fn original(&self) -> &'a [u8] {
        self.original
    }

    /// Maps an offset in `text()` back to the original bytes. An offset inside a folded
    /// character cannot occur: folded characters are single bytes.
    pub fn to_original(&self, pos: usize) -> usize {
        let idx = self.anchors.partition_point(|&(f, _)| f <= pos);
        if idx == 0 {
            return pos;
        }
        let (f, o) = self.anchors[idx - 1];
        o + (pos - f)
    }
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_identifier_folds_and_maps_back() {
        let s = "身份證Ａ１２３４５６（３）。".as_bytes();
        let f = Folded::new(s);
        let text = std::str::from_utf8(f.text()).unwrap();
        assert_eq!(text, "身份證A123456(3)。");
        let start = text.find('A').unwrap();
        let end = text.find(')').unwrap() + 1;
        let (os, oe) = (f.to_original(start), f.to_original(end));
        assert_eq!(std::str::from_utf8(&s[os..oe]).unwrap(), "Ａ１２３４５６（３）");
    }

    #[test]
    fn brackets_and_dashes_nfkc_misses_are_folded() {
        let f = Folded::new("A123456〔3〕 9123–4567".as_bytes());
        assert_eq!(f.text(), b"A123456[3] 9123-4567");
    }

    #[test]
    fn sources_of_a_byte_fold_to_it() {
        assert_eq!(sources_of(b'('), ['（']);
        assert!(sources_of(b' ').contains(&'\u{3000}') && sources_of(b'-').contains(&'–'));
        for c in sources_of(b' ') {
            assert_eq!(Folded::new(c.to_string().as_bytes()).text(), b" ");
        }
    }

    #[test]
    fn ascii_text_is_not_copied() {
        let f = Folded::new(b"plain ascii 9123 4567");
        assert!(f.folded.is_none());
        assert_eq!(f.to_original(5), 5);
    }

    #[test]
    fn chinese_without_foldable_characters_is_not_copied() {
        let f = Folded::new("電話號碼".as_bytes());
        assert!(f.folded.is_none());
    }
}
