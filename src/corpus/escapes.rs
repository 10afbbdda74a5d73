//! Two `\uXXXX` escapes read at once. Python writes Chinese text into JSON as one escape per
//! character, so the JSONL skim spends much of its time in runs of them; a 16-byte load checks
//! and decodes two in about a dozen vector instructions, where a byte at a time took some
//! twenty instructions for each.

/// The UTF-16 units of the two escapes in `s[i..i + 12]`, if both are well formed (`\u` and
/// four hex digits of either case); `None` otherwise, or where fewer than 16 bytes remain.
#[inline]
pub fn two(s: &[u8], i: usize) -> Option<[u16; 2]> {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::two(s, i)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (s, i);
        None
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    /// Where the two escapes' `\` and `u` sit, and their hex digits, as movemask bits.
    const MARKS: i32 = 0b1100_0011;
    const HEX: i32 = 0b1111_0011_1100;

    #[inline]
    pub(super) fn two(s: &[u8], i: usize) -> Option<[u16; 2]> {
        if s.len().checked_sub(16).is_none_or(|last| i > last) {
            return None;
        }
        // SAFETY: SSE2 is part of the x86_64 baseline; the load reads s[i..i + 16], which the
        // check above keeps in bounds.
        unsafe {
            let v = _mm_loadu_si128(s.as_ptr().add(i).cast());
            let byte = |b: u8| _mm_set1_epi8(b as i8);
            let pattern =
                _mm_setr_epi8(b'\\' as i8, b'u' as i8, 0, 0, 0, 0, b'\\' as i8, b'u' as i8, 0, 0, 0, 0, 0, 0, 0, 0);
            if _mm_movemask_epi8(_mm_cmpeq_epi8(v, pattern)) & MARKS != MARKS {
                return None;
            }
            // Signed compares: bytes from 0x80 are negative, below every bound here.
            let digit = _mm_and_si128(_mm_cmpgt_epi8(v, byte(b'0' - 1)), _mm_cmplt_epi8(v, byte(b'9' + 1)));
            let lower = _mm_or_si128(v, byte(0x20));
            let letter = _mm_and_si128(_mm_cmpgt_epi8(lower, byte(b'a' - 1)), _mm_cmplt_epi8(lower, byte(b'f' + 1)));
            if _mm_movemask_epi8(_mm_or_si128(digit, letter)) & HEX != HEX {
                return None;
            }
            // Each digit's value: its low four bits, plus 9 for a letter (`a` is 0x61).
            let nibbles = _mm_add_epi8(_mm_and_si128(v, byte(0x0F)), _mm_and_si128(letter, byte(9)));
            // 16-bit lane k: nibble 2k (the higher digit) then nibble 2k + 1, as one byte.
            let pairs = _mm_or_si128(
                _mm_slli_epi16(_mm_and_si128(nibbles, _mm_set1_epi16(0x00FF)), 4),
                _mm_srli_epi16(nibbles, 8),
            );
            let unit = |high: i32, low: i32| ((high << 8) | low) as u16;
            Some([
                unit(_mm_extract_epi16::<1>(pairs), _mm_extract_epi16::<2>(pairs)),
                unit(_mm_extract_epi16::<4>(pairs), _mm_extract_epi16::<5>(pairs)),
            ])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::prefilter::hex_unit;
    use proptest::prelude::*;

    /// What `two` must say, read a byte at a time.
    fn slow(s: &[u8], i: usize) -> Option<[u16; 2]> {
        let one = |j: usize| match s.get(j..j + 6)? {
            [b'\\', b'u', hex @ ..] => hex_unit(hex).map(|u| u as u16),
            _ => None,
        };
        (s.len() >= i + 16).then_some(())?;
        Some([one(i)?, one(i + 6)?])
    }

    #[test]
    fn two_escapes_of_either_case() {
        let s = b"\\u672c\\uFF0Cxyzw";
        if cfg!(target_arch = "x86_64") {
            assert_eq!(two(s, 0), Some([0x672C, 0xFF0C]));
        }
        assert_eq!(two(s, 1), None);
        assert_eq!(two(&s[..15], 0), None);
        assert_eq!(two(b"\\u672c\\u12g4 and more", 0), None);
        assert_eq!(two(b"\\u672c u1234 and more", 0), None);
    }

    proptest! {
        #[test]
        fn two_agrees_with_one_at_a_time(
            units in proptest::array::uniform2(any::<u16>()),
            upper in any::<bool>(),
            damage in proptest::option::of((0usize..16, any::<u8>())),
            at in 0usize..3,
        ) {
            let mut s = b"xx".to_vec();
            for u in units {
                let hex = format!("\\u{u:04x}");
                s.extend(if upper { hex.to_uppercase().replace("\\U", "\\u") } else { hex }.bytes());
            }
            s.extend(b"tail..");
            if let Some((pos, b)) = damage {
                s[2 + pos] = b;
            }
            let want = slow(&s, at);
            if cfg!(target_arch = "x86_64") {
                prop_assert_eq!(two(&s, at), want);
            } else {
                prop_assert_eq!(two(&s, at), None);
            }
        }
    }
}
