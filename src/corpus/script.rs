//! Which writing systems a corpus is in, by share of characters: Latin (English and other
//! Latin-script languages), Han (with markers of Traditional and Simplified forms), other
//! scripts. A count, not language identification: it tells a reader what the text is made of.

use serde::{Deserialize, Serialize};

/// Frequent characters written differently in Traditional and Simplified Chinese: position i of
/// one list is the counterpart of position i of the other.
const TRADITIONAL: &str = "們這個為來說時會對國學與發後問開關經還過電話號碼資體點員見場機長門現種實變書區東車業產報讓給進動從當無們幾樣頭萬應裡師結條網戶務質義處內氣醫聯導讀護鐘歲隨權態負責價錢買賣辦險證類際議論調運轉連親聽認識術習總將傳專團護圖樓層築醫藥顯響紅綠藍華銀錄鐵隊島灣廣陽陰雲顏風飛飯館馬魚鳥麼黃齊龍龜";
const SIMPLIFIED: &str = "们这个为来说时会对国学与发后问开关经还过电话号码资体点员见场机长门现种实变书区东车业产报让给进动从当无们几样头万应里师结条网户务质义处内气医联导读护钟岁随权态负责价钱买卖办险证类际议论调运转连亲听认识术习总将传专团护图楼层筑医药显响红绿蓝华银录铁队岛湾广阳阴云颜风飞饭馆马鱼鸟么黄齐龙龟";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptCounts {
    /// Latin letters (ASCII and accented).
    pub latin: u64,
    /// Han characters.
    pub han: u64,
    /// Han characters whose form is Traditional-only or Simplified-only (of the list above).
    pub traditional_markers: u64,
    pub simplified_markers: u64,
    /// Letters of other scripts (kana, Hangul, Cyrillic, Arabic …).
    pub other: u64,
}

impl ScriptCounts {
    pub fn add(&mut self, o: &ScriptCounts) {
        self.latin += o.latin;
        self.han += o.han;
        self.traditional_markers += o.traditional_markers;
        self.simplified_markers += o.simplified_markers;
        self.other += o.other;
    }

    pub fn letters(&self) -> u64 {
        self.latin + self.han + self.other
    }

    /// Counts the letters of `text`. This runs over every scanned byte, so it decodes UTF-8 by
    /// hand without validating it again (the scan counts invalid bytes separately; a damaged
    /// sequence only miscounts a letter).
    pub fn count(text: &[u8]) -> ScriptCounts {
        let mut c = ScriptCounts::default();
        let mut i = 0;
        let cont = |j: usize| u32::from(text.get(j).copied().unwrap_or(0) & 0x3F);
        while i < text.len() {
            let b = text[i];
            let (cp, len) = match b {
                0x00..=0x7F => {
                    let (end, letters) = super::ascii::run(text, i, super::ascii::Stop::NonAscii);
                    c.latin += letters;
                    i = end;
                    continue;
                }
                0xC2..=0xDF => ((u32::from(b & 0x1F) << 6) | cont(i + 1), 2),
                0xE0..=0xEF => ((u32::from(b & 0x0F) << 12) | (cont(i + 1) << 6) | cont(i + 2), 3),
                0xF0..=0xF4 => {
                    ((u32::from(b & 0x07) << 18) | (cont(i + 1) << 12) | (cont(i + 2) << 6) | cont(i + 3), 4)
                }
                _ => (0, 1),
            };
            c.count_code_point(cp);
            i += len;
        }
        c
    }

    /// Han first and inline: escaped Chinese text calls this for every character.
    #[inline(always)]
    pub fn count_code_point(&mut self, cp: u32) {
        if (0x4E00..=0x9FFF).contains(&cp) {
            self.han(cp);
        } else {
            self.count_other(cp);
        }
    }

    #[inline(always)]
    fn han(&mut self, cp: u32) {
        self.han += 1;
        let (trad, simp) = markers();
        if trad.contains(cp) {
            self.traditional_markers += 1;
        } else if simp.contains(cp) {
            self.simplified_markers += 1;
        }
    }

    fn count_other(&mut self, cp: u32) {
        // The main block was settled by `count_code_point`; these are its extensions.
        if (0x3400..=0x4DBF).contains(&cp) || (0x20000..=0x2FFFF).contains(&cp) {
            self.han(cp);
        } else if (0x00C0..=0x024F).contains(&cp) || (0xFF21..=0xFF3A).contains(&cp) || (0xFF41..=0xFF5A).contains(&cp)
        {
            // Accented and full-width Latin letters.
            self.latin += 1;
        } else if matches!(cp, 0x2000..=0x206F | 0x3000..=0x303F | 0xFF00..=0xFFEF) {
            // Punctuation, general and CJK: common in Chinese text, never letters here.
        } else if is_alphabetic(cp) {
            self.other += 1;
        }
    }
}

/// `char::is_alphabetic`, read from a bitset for the Basic Multilingual Plane (written by
/// `build.rs` with that same function).
fn is_alphabetic(cp: u32) -> bool {
    static BMP: &[u8; 0x10000 / 8] = include_bytes!(concat!(env!("OUT_DIR"), "/bmp_alphabetic.bin"));
    match BMP.get(cp as usize / 8) {
        Some(bits) => bits & (1 << (cp % 8)) != 0,
        None => char::from_u32(cp).is_some_and(char::is_alphabetic),
    }
}

/// What `count_code_point` counts a character as, in a byte: its script in the low two bits
/// (none, `LATIN`, `HAN`, `OTHER`), and a marker bit. For tables over many characters, which
/// `add_class` reads without branching.
pub mod class {
    pub const LATIN: u8 = 1;
    pub const HAN: u8 = 2;
    pub const OTHER: u8 = 3;
    pub const SCRIPT: u8 = 3;
    pub const TRADITIONAL: u8 = 4;
    pub const SIMPLIFIED: u8 = 8;
}

/// The class of `cp` (see `class`).
pub fn class_of(cp: u32) -> u8 {
    let mut c = ScriptCounts::default();
    c.count_code_point(cp);
    let script = if c.latin > 0 {
        class::LATIN
    } else if c.han > 0 {
        class::HAN
    } else if c.other > 0 {
        class::OTHER
    } else {
        0
    };
    script | (c.traditional_markers as u8 * class::TRADITIONAL) | (c.simplified_markers as u8 * class::SIMPLIFIED)
}

/// The class of every character of the Basic Multilingual Plane, for a table over them all.
pub fn bmp_classes() -> Box<[u8; 0x10000]> {
    let mut table: Box<[u8; 0x10000]> = vec![0; 0x10000].into_boxed_slice().try_into().expect("the length is right");
    for (cp, class) in (0u32..).zip(table.iter_mut()) {
        *class = class_of(cp);
    }
    table
}

/// Characters counted by class (`class`): a reader of many characters (escaped text) counts
/// each with one increment, and the counts are added up once at the end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClassCounts([u32; 16]);

impl ClassCounts {
    #[inline(always)]
    pub fn add(&mut self, class: u8) {
        self.0[usize::from(class & 15)] += 1;
    }

    pub fn merge(&mut self, other: &ClassCounts) {
        for (n, m) in self.0.iter_mut().zip(other.0) {
            *n += m;
        }
    }

    /// The same counts as `count_code_point` of each character.
    pub fn scripts(&self) -> ScriptCounts {
        let mut c = ScriptCounts::default();
        for (class, &n) in (0u8..).zip(&self.0) {
            let n = u64::from(n);
            match class & class::SCRIPT {
                class::LATIN => c.latin += n,
                class::HAN => c.han += n,
                class::OTHER => c.other += n,
                _ => {}
            }
            c.traditional_markers += n * u64::from(class & class::TRADITIONAL != 0);
            c.simplified_markers += n * u64::from(class & class::SIMPLIFIED != 0);
        }
        c
    }
}

/// Characters counted by class two at a time, in a register. Escaped Chinese text adds one
/// class after another, mostly the same one, and `ClassCounts::add` in memory made each add
/// wait for the last one's store (a third of the escape loop's time); byte lanes add with no
/// such wait, and are moved into `ClassCounts` before they can overflow.
#[derive(Clone, Copy)]
pub struct ClassTally {
    #[cfg(target_arch = "x86_64")]
    lanes: std::arch::x86_64::__m128i,
    /// Pairs added since the lanes were last moved out.
    pairs: u8,
}

impl Default for ClassTally {
    fn default() -> Self {
        ClassTally {
            // SAFETY: SSE2 is part of the x86_64 baseline.
            #[cfg(target_arch = "x86_64")]
            lanes: unsafe { std::arch::x86_64::_mm_setzero_si128() },
            pairs: 0,
        }
    }
}

impl ClassTally {
    /// A lane gains at most two a pair; 127 pairs keep it below 256.
    const MAX_PAIRS: u8 = 127;

    #[inline(always)]
    pub fn add_two(&mut self, a: u8, b: u8, counts: &mut ClassCounts) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of the x86_64 baseline; the loads read one 16-byte row of
        // ONE_HOT, indexed below 16.
        unsafe {
            use std::arch::x86_64::*;
            let row = |class: u8| _mm_loadu_si128(ONE_HOT[usize::from(class & 15)].as_ptr().cast());
            self.lanes = _mm_add_epi8(self.lanes, _mm_add_epi8(row(a), row(b)));
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            counts.add(a);
            counts.add(b);
        }
        self.pairs += 1;
        if self.pairs == Self::MAX_PAIRS {
            self.move_into(counts);
        }
    }

    /// Eight classes at once (four pairs), for the AVX2 escape loop.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub fn add_eight(&mut self, classes: [u8; 8], counts: &mut ClassCounts) {
        // Room for four pairs, and `add_two` still meets the limit exactly.
        if self.pairs + 4 >= Self::MAX_PAIRS {
            self.move_into(counts);
        }
        for pair in classes.chunks_exact(2) {
            // SAFETY: SSE2 is part of the x86_64 baseline; the loads read rows of ONE_HOT,
            // indexed below 16.
            unsafe {
                use std::arch::x86_64::*;
                let row = |class: u8| _mm_loadu_si128(ONE_HOT[usize::from(class & 15)].as_ptr().cast());
                self.lanes = _mm_add_epi8(self.lanes, _mm_add_epi8(row(pair[0]), row(pair[1])));
            }
        }
        self.pairs += 4;
    }

    /// Adds what the lanes hold to `counts` and empties them. (Without SSE2, `add_two` added
    /// to `counts` directly.)
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
    pub fn move_into(&mut self, counts: &mut ClassCounts) {
        #[cfg(target_arch = "x86_64")]
        {
            let mut lanes = [0u8; 16];
            // SAFETY: SSE2 is part of the x86_64 baseline; the store writes 16 bytes to `lanes`.
            unsafe { std::arch::x86_64::_mm_storeu_si128(lanes.as_mut_ptr().cast(), self.lanes) };
            for (n, lane) in counts.0.iter_mut().zip(lanes) {
                *n += u32::from(lane);
            }
        }
        *self = ClassTally::default();
    }
}

/// Row `c`: 1 in lane `c`, 0 elsewhere.
#[cfg(target_arch = "x86_64")]
static ONE_HOT: [[u8; 16]; 16] = {
    let mut rows = [[0u8; 16]; 16];
    let mut c = 0;
    while c < 16 {
        rows[c][c] = 1;
        c += 1;
    }
    rows
};

/// A bitset over the CJK Unified Ideographs block, where every marker lies.
struct HanSet([u64; 0x5200 / 64]);

impl HanSet {
    /// Built at compile time: escaped Chinese text asks about every character. Every marker is
    /// a three-byte UTF-8 sequence (the tests check that each lies in the block).
    const fn of(chars: &str) -> HanSet {
        let (mut set, b, mut i) = (HanSet([0; 0x5200 / 64]), chars.as_bytes(), 0);
        while i + 2 < b.len() {
            let cp = ((b[i] as u32 & 0x0F) << 12) | ((b[i + 1] as u32 & 0x3F) << 6) | (b[i + 2] as u32 & 0x3F);
            let at = cp - 0x4E00;
            set.0[at as usize / 64] |= 1 << (at % 64);
            i += 3;
        }
        set
    }

    #[inline(always)]
    fn contains(&self, cp: u32) -> bool {
        let Some(i) = cp.checked_sub(0x4E00).filter(|&i| i < 0x5200) else { return false };
        self.0[i as usize / 64] & (1 << (i % 64)) != 0
    }
}

static MARKERS: (HanSet, HanSet) = (HanSet::of(TRADITIONAL), HanSet::of(SIMPLIFIED));

fn markers() -> &'static (HanSet, HanSet) {
    &MARKERS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_letters_bitset_is_the_standard_librarys() {
        for cp in 0..0x11000 {
            assert_eq!(is_alphabetic(cp), char::from_u32(cp).is_some_and(char::is_alphabetic), "{cp:#x}");
        }
    }

    #[test]
    fn the_marker_lists_pair_up() {
        assert_eq!(TRADITIONAL.chars().count(), SIMPLIFIED.chars().count());
        for (t, s) in TRADITIONAL.chars().zip(SIMPLIFIED.chars()) {
            assert_ne!(t, s, "{t} is written the same in both");
        }
    }

    #[test]
    fn every_marker_is_in_the_bitset_block() {
        for c in TRADITIONAL.chars().chain(SIMPLIFIED.chars()) {
            assert!((0x4E00..0xA000).contains(&(c as u32)), "{c}");
        }
        assert!(markers().0.contains('們' as u32) && !markers().0.contains('们' as u32));
        // The sets built at compile time hold each marker and nothing else.
        for (list, set) in [(TRADITIONAL, &markers().0), (SIMPLIFIED, &markers().1)] {
            let members = (0x4E00..0xA000).filter(|&cp| set.contains(cp)).collect::<std::collections::BTreeSet<_>>();
            assert_eq!(members, list.chars().map(|c| c as u32).collect());
        }
    }

    #[test]
    fn a_class_counts_as_its_character() {
        for cp in (0..0x11000).chain([0x20000, 0x2A6DF, 0x10FFFF]) {
            let (mut by_class, mut direct) = (ClassCounts::default(), ScriptCounts::default());
            by_class.add(class_of(cp));
            by_class.add(class_of(cp));
            direct.count_code_point(cp);
            direct.count_code_point(cp);
            assert_eq!(by_class.scripts(), direct, "U+{cp:04X}");
        }
        assert_eq!(class_of('們' as u32), class::HAN | class::TRADITIONAL);
        assert_eq!(class_of('们' as u32), class::HAN | class::SIMPLIFIED);
    }

    #[test]
    fn scripts_are_counted() {
        let c = ScriptCounts::count("Tel 電話號碼 电话 café はい 123 ＡＢ".as_bytes());
        assert_eq!(c.latin, 9);
        assert_eq!(c.han, 6);
        assert_eq!(c.traditional_markers, 4);
        assert_eq!(c.simplified_markers, 2);
        assert_eq!(c.other, 2);
        assert_eq!(ScriptCounts::count(b"\xff\xfeabc").latin, 3);
    }
}
