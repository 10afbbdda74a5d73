//! Runs of `\uXXXX` escapes. Python writes Chinese text into JSON as one escape per
//! character, so the JSONL skim spends much of its time in such runs: vector steps check and
//! decode eight escapes at once (AVX2, where the CPU has it) or two (SSE2), where a byte at a
//! time took some twenty instructions for each.

use super::script::{ClassCounts, ClassTally};
use crate::detect::prefilter::{hex_digits, EscapeClasses};

/// Where the escapes of runs are counted: by their `classes`, in a `tally` that moves into
/// `counts` as it fills (its owner moves the rest).
pub struct Counting<'a> {
    pub classes: &'a EscapeClasses,
    pub tally: &'a mut ClassTally,
    pub counts: &'a mut ClassCounts,
}

/// Passes over the run of escapes at `i` that the classes mark plain (without
/// `EscapeClasses::LOOK`), counting each one. Returns where that run ends: at an escape to look
/// at, at anything that is not a well-formed `\uXXXX`, or at the end of `s`.
#[inline(always)]
pub fn plain_run(s: &[u8], mut i: usize, c: &mut Counting) -> usize {
    loop {
        if let Some([a, b]) = two(s, i) {
            let (a, b) = (c.classes.of(a), c.classes.of(b));
            if (a | b) & EscapeClasses::LOOK == 0 {
                c.tally.add_two(a, b, c.counts);
                i += 12;
                continue;
            }
        }
        let Some(&[b'\\', b'u', a, b, d, e]) = s.get(i..i + 6) else { break };
        let Some(unit) = hex_digits([a, b, d, e]) else { break };
        let class = c.classes.of(unit as u16);
        if class & EscapeClasses::LOOK != 0 {
            break;
        }
        c.counts.add(class);
        i += 6;
    }
    i
}

/// `plain_run` eight escapes a step while it can, for a caller compiled with AVX2 (the JSONL
/// skim's string loop): inlined there, the steps' intrinsics are too. The last few escapes of
/// a run, or those before an escape to look at, go two at a time and then one.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub unsafe fn plain_run_avx2(s: &[u8], i: usize, c: &mut Counting) -> usize {
    // SAFETY: the caller's promise.
    let i = unsafe { avx2::eights(s, i, c) };
    plain_run(s, i, c)
}

/// The UTF-16 units of the two escapes in `s[i..i + 12]`, if both are well formed (`\u` and
/// four hex digits of either case); `None` otherwise, or where fewer than 16 bytes remain.
#[inline]
fn two(s: &[u8], i: usize) -> Option<[u16; 2]> {
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

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Counting, EscapeClasses};
    use std::arch::x86_64::*;

    /// Bytes one step reads: eight escapes, and four more bytes the last 16-byte load takes.
    const STEP_READS: usize = 52;

    /// Steps of eight plain escapes from `i`; returns where the first step that is not eight
    /// plain escapes would start.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[inline(always)]
    pub(super) unsafe fn eights(s: &[u8], mut i: usize, c: &mut Counting) -> usize {
        let mut units = [0u16; 16];
        while i + STEP_READS <= s.len() {
            // SAFETY: the loads read s[i..i + 52], in bounds by the loop's condition; the
            // store writes the 32 bytes of `units`.
            unsafe {
                let p = s.as_ptr().add(i);
                // Two escapes in the first 12 bytes of each 16-byte lane.
                let a = _mm256_loadu2_m128i(p.add(12).cast(), p.cast());
                let b = _mm256_loadu2_m128i(p.add(36).cast(), p.add(24).cast());
                let (Some(a), Some(b)) = (lane_units(a), lane_units(b)) else { break };
                // 16-bit lanes 0, 1, 4, 5 of each half (which order does not matter here).
                _mm256_storeu_si256(units.as_mut_ptr().cast(), _mm256_packus_epi32(a, b));
            }
            let class = |k: usize| c.classes.of(units[k]);
            let eight = [class(0), class(1), class(4), class(5), class(8), class(9), class(12), class(13)];
            if eight.iter().fold(0, |look, &class| look | class) & EscapeClasses::LOOK != 0 {
                break;
            }
            c.tally.add_eight(eight, c.counts);
            i += 48;
        }
        i
    }

    /// `x` twice: the same 16 bytes for each lane of a 32-byte register.
    const fn lanes(x: [u8; 16]) -> [u8; 32] {
        let (mut both, mut k) = ([0; 32], 0);
        while k < 32 {
            both[k] = x[k % 16];
            k += 1;
        }
        both
    }

    /// The two escapes in the first 12 bytes of each 16-byte lane of `v`, as 32-bit units in
    /// the lane's first two 32-bit lanes (0 in the other two); `None` unless all four are well
    /// formed (`\u` and four hex digits of either case).
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[inline(always)]
    unsafe fn lane_units(v: __m256i) -> Option<__m256i> {
        const BS: u8 = b'\\';
        const MARKS: [u8; 32] = lanes([BS, b'u', 0, 0, 0, 0, BS, b'u', 0, 0, 0, 0, 0, 0, 0, 0]);
        const AT_MARKS: [u8; 32] = lanes([0xFF, 0xFF, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0]);
        const X: u8 = 0x80;
        const DIGITS: [u8; 32] = lanes([2, 3, 4, 5, 8, 9, 10, 11, X, X, X, X, X, X, X, X]);
        // SAFETY: each load reads one of the 32-byte arrays above.
        let load = |x: &[u8; 32]| unsafe { _mm256_loadu_si256(x.as_ptr().cast()) };
        let byte = |b: u8| _mm256_set1_epi8(b as i8);
        let marks = _mm256_cmpeq_epi8(v, load(&MARKS));
        // Unsigned: a byte is in `lo..=lo + n` if it minus `lo` (wrapping) is at most `n`.
        let within = |x: __m256i, lo: u8, n: u8| {
            let d = _mm256_sub_epi8(x, byte(lo));
            _mm256_cmpeq_epi8(_mm256_min_epu8(d, byte(n)), d)
        };
        let letter = within(_mm256_or_si256(v, byte(0x20)), b'a', 5);
        let hex = _mm256_or_si256(within(v, b'0', 9), letter);
        // Where the marks sit, take their test; elsewhere the hex digits'.
        let ok = _mm256_movemask_epi8(_mm256_blendv_epi8(hex, marks, load(&AT_MARKS))) as u32;
        const WHOLE: u32 = 0x0FFF_0FFF;
        if ok & WHOLE != WHOLE {
            return None;
        }
        // Each digit's value: its low four bits, plus 9 for a letter (`a` is 0x61).
        let nibbles = _mm256_add_epi8(_mm256_and_si256(v, byte(0x0F)), _mm256_and_si256(letter, byte(9)));
        let digits = _mm256_shuffle_epi8(nibbles, load(&DIGITS));
        let pairs = _mm256_maddubs_epi16(digits, _mm256_set1_epi16(0x0110));
        Some(_mm256_madd_epi16(pairs, _mm256_set1_epi32(0x0001_0100)))
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

    /// What `plain_run` must say, an escape at a time.
    fn slow_run(s: &[u8], mut i: usize, classes: &EscapeClasses, counts: &mut ClassCounts) -> usize {
        while let Some(&[b'\\', b'u', a, b, c, d]) = s.get(i..i + 6) {
            let Some(class) = hex_digits([a, b, c, d]).map(|u| classes.of(u as u16)) else { break };
            if class & EscapeClasses::LOOK != 0 {
                break;
            }
            counts.add(class);
            i += 6;
        }
        i
    }

    fn with_classes<R>(f: impl FnOnce(&EscapeClasses) -> R) -> R {
        thread_local!(static ENGINE: crate::detect::Engine = crate::detect::Engine::builtin().unwrap());
        ENGINE.with(|e| f(e.prefilter().escape_classes()))
    }

    /// Where `plain_run` stops from `i` and what it counts: SSE2 steps, then AVX2 steps where
    /// the CPU has them.
    fn fast_runs(s: &[u8], i: usize) -> Vec<(usize, ClassCounts)> {
        with_classes(|classes| {
            let mut runs = Vec::new();
            let counted = |wide: bool| {
                let (mut tally, mut counts) = (ClassTally::default(), ClassCounts::default());
                let mut c = Counting { classes, tally: &mut tally, counts: &mut counts };
                #[cfg(target_arch = "x86_64")]
                // SAFETY: only where the CPU has AVX2.
                let end = if wide { unsafe { plain_run_avx2(s, i, &mut c) } } else { plain_run(s, i, &mut c) };
                #[cfg(not(target_arch = "x86_64"))]
                let end = plain_run(s, i, &mut c);
                tally.move_into(&mut counts);
                (end, counts)
            };
            runs.push(counted(false));
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                runs.push(counted(true));
            }
            runs
        })
    }

    fn escaped(units: &[u16], upper: bool) -> Vec<u8> {
        let hex: String = units.iter().map(|u| format!("\\u{u:04x}")).collect();
        if upper { hex.to_uppercase().replace("\\U", "\\u") } else { hex }.into_bytes()
    }

    #[test]
    fn long_runs_are_counted_to_the_escape_to_look_at() {
        // 1,000 Han characters (past the tally's limit many times over), then a digit.
        let mut units = vec![0x672C; 1000];
        units.extend([0xFF11, 0x672C]);
        let s = escaped(&units, false);
        let mut want = ClassCounts::default();
        assert_eq!(with_classes(|classes| slow_run(&s, 0, classes, &mut want)), 6000);
        assert_eq!(want.scripts().han, 1000);
        for (end, counts) in fast_runs(&s, 0) {
            assert_eq!((end, counts), (6000, want));
        }
    }

    proptest! {
        // Each case is quick, and a damaged byte finds a wrong mask bit only where it lands.
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the escapes (plain, to look at, damaged) and wherever the run starts, the
        /// vector steps stop where the escape-at-a-time loop stops and count the same classes.
        #[test]
        fn plain_runs_agree_with_one_at_a_time(
            units in proptest::collection::vec(
                prop_oneof![
                    40 => 0x4E00u16..0xA000, 1 => 0x20u16..0x80, 1 => 0x3000u16..0x3040,
                    1 => 0xFF00u16..0xFF60, 1 => 0xD800u16..0xE000, 1 => any::<u16>(),
                ],
                0..120,
            ),
            upper in any::<bool>(),
            // Which escape, which of its bytes, and what byte: the bounds of the hex digits
            // and of `\` and `u`, or any.
            damage in proptest::option::of((0usize..24, 0usize..6, prop_oneof![
                Just(b'/'), Just(b':'), Just(b'@'), Just(b'G'), Just(b'`'), Just(b'g'), Just(b'U'), Just(b'['),
                any::<u8>(),
            ])),
            start in 0usize..3,
        ) {
            let mut s = b"xx".to_vec();
            s.extend(escaped(&units, upper));
            s.extend(b"\"tail");
            if let Some((k, at, b)) = damage {
                let pos = (2 + 6 * k + at).min(s.len() - 1);
                s[pos] = b;
            }
            let mut want = ClassCounts::default();
            let want_end = with_classes(|c| slow_run(&s, start, c, &mut want));
            for got in fast_runs(&s, start) {
                prop_assert_eq!(got, (want_end, want));
            }
        }

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
