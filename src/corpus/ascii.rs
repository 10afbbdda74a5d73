//! Runs of plain ASCII, 16 bytes a step on x86_64: where a run ends and how many letters it
//! holds. Counting scripts and skimming JSON strings spend most of their time in such runs.
//! Also the control bytes of a file's head, which tell text from binary content.

/// What ends a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// A non-ASCII byte: everything else is counted inside the run.
    NonAscii,
    /// What a JSON string reader must look at: a quote, a backslash, a control character, a
    /// non-ASCII byte, or a digit (which the prefilter's character pass tracks).
    JsonString,
}

/// The end of the run that starts at `i`, and the ASCII letters in it.
#[inline]
pub fn run(s: &[u8], i: usize, stop: Stop) -> (usize, u64) {
    match stop {
        Stop::NonAscii => run_of::<false>(s, i),
        Stop::JsonString => run_of::<true>(s, i),
    }
}

#[inline(always)]
fn run_of<const JSON: bool>(s: &[u8], i: usize) -> (usize, u64) {
    // Most runs in escaped Chinese text are empty: one escape follows another.
    if s.get(i).is_none_or(|&b| CLASSES[usize::from(JSON)][b as usize] == STOP) {
        return (i, 0);
    }
    #[cfg(target_arch = "x86_64")]
    {
        let (end, letters) = sse2::run::<JSON>(s, i);
        let (end, rest) = bytewise::<JSON>(s, end);
        (end, letters + rest)
    }
    #[cfg(not(target_arch = "x86_64"))]
    bytewise::<JSON>(s, i)
}

const STOP: u8 = 2;

/// Per byte: 1 for an ASCII letter, `STOP` for what ends a run, 0 for the rest; for
/// `Stop::NonAscii` (index 0) and `Stop::JsonString` (index 1).
static CLASSES: [[u8; 256]; 2] = {
    let mut t = [[0u8; 256]; 2];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        let letter = byte.is_ascii_alphabetic() as u8;
        t[0][b] = if byte >= 0x80 { STOP } else { letter };
        let json_stop = byte == b'"' || byte == b'\\' || byte < 0x20 || byte >= 0x80 || byte.is_ascii_digit();
        t[1][b] = if json_stop { STOP } else { letter };
        b += 1;
    }
    t
};

/// `run` a byte at a time: the tail of a text, and what the fast path must agree with.
fn bytewise<const JSON: bool>(s: &[u8], mut i: usize) -> (usize, u64) {
    let classes = &CLASSES[usize::from(JSON)];
    let mut letters = 0;
    while let Some(&b) = s.get(i) {
        let class = classes[b as usize];
        if class == STOP {
            break;
        }
        letters += u64::from(class);
        i += 1;
    }
    (i, letters)
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    /// 16 bytes of 0xFF then 16 of 0: loaded at `16 - n`, a mask of the first `n` bytes.
    static FIRST: [u8; 32] = {
        let mut m = [0u8; 32];
        let mut i = 0;
        while i < 16 {
            m[i] = 0xFF;
            i += 1;
        }
        m
    };

    /// `run` over whole 16-byte chunks: where it stops (at a stop byte, or where fewer than 16
    /// bytes remain) and the letters before that. Letters are summed per byte lane and added
    /// up at the end, since x86_64's baseline has no popcount instruction.
    pub(super) fn run<const JSON: bool>(s: &[u8], mut i: usize) -> (usize, u64) {
        // SAFETY: SSE2 is part of the x86_64 baseline; loads read s[i..i + 16] with
        // i + 16 <= s.len(), and FIRST[16 - n..32 - n] with n < 16.
        unsafe {
            let byte = |b: u8| _mm_set1_epi8(b as i8);
            let sum = |lanes: __m128i| {
                let s = _mm_sad_epu8(lanes, _mm_setzero_si128());
                (_mm_cvtsi128_si32(s) + _mm_extract_epi16::<4>(s)) as u64
            };
            let (mut letters, mut lanes, mut chunks) = (0u64, _mm_setzero_si128(), 0);
            while i + 16 <= s.len() {
                let v = _mm_loadu_si128(s.as_ptr().add(i).cast());
                let stop = if JSON {
                    // Signed compares: bytes from 0x80 are negative, so "below 0x20" takes them too.
                    let quote_or_backslash =
                        _mm_or_si128(_mm_cmpeq_epi8(v, byte(b'"')), _mm_cmpeq_epi8(v, byte(b'\\')));
                    let digit = _mm_and_si128(_mm_cmpgt_epi8(v, byte(b'0' - 1)), _mm_cmplt_epi8(v, byte(b'9' + 1)));
                    _mm_movemask_epi8(_mm_or_si128(
                        _mm_or_si128(quote_or_backslash, digit),
                        _mm_cmplt_epi8(v, byte(0x20)),
                    ))
                } else {
                    _mm_movemask_epi8(v)
                } as u32;
                let lower = _mm_or_si128(v, byte(0x20));
                // 0xFF (-1) in the lane of each letter.
                let letter =
                    _mm_and_si128(_mm_cmpgt_epi8(lower, byte(b'a' - 1)), _mm_cmplt_epi8(lower, byte(b'z' + 1)));
                if stop != 0 {
                    let n = stop.trailing_zeros() as usize;
                    let first = _mm_loadu_si128(FIRST.as_ptr().add(16 - n).cast());
                    lanes = _mm_sub_epi8(lanes, _mm_and_si128(letter, first));
                    return (i + n, letters + sum(lanes));
                }
                lanes = _mm_sub_epi8(lanes, letter);
                chunks += 1;
                // A lane holds at most 255.
                if chunks == 255 {
                    (letters, lanes, chunks) = (letters + sum(lanes), _mm_setzero_si128(), 0);
                }
                i += 16;
            }
            (i, letters + sum(lanes))
        }
    }
}

/// Whether what follows a digit run at `at` ends it for good. An ASCII byte other than a
/// digit, a backslash, a space or a dash does (the character pass would reset); so does a
/// space or a dash followed by one (the one gap a run allows, then nothing that continues it).
/// An escape or a non-ASCII character (a full-width digit, an ideographic space) is left to
/// the pass.
#[inline(always)]
pub fn settles(s: &[u8], at: usize) -> bool {
    let ends = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii() && !b.is_ascii_digit() && b != b'\\');
    let rest = s.get(at..).unwrap_or_default();
    match rest.first() {
        Some(b' ' | b'-') => ends(rest.get(1)),
        next => ends(next),
    }
}

/// `run(s, i, Stop::JsonString)` 32 bytes a step, for a caller compiled with AVX2 and popcnt
/// (the JSONL skim's string loop): inlined there, the step's intrinsics are too. It reads on
/// over a digit run shorter than `short` that `settles` ends for good, as an idle character
/// pass would step over it (`CharTracker::passes_over`): prose has some five such numbers a
/// line (`09:30`, `2023.`), and returning at each cost the skim some 60 instructions. With
/// `short` 0 it stops at every digit.
///
/// # Safety
/// The CPU must have AVX2 and popcnt.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub unsafe fn json_run_avx2(s: &[u8], mut i: usize, short: usize) -> (usize, u64) {
    use std::arch::x86_64::*;
    if s.get(i).is_none_or(|&b| CLASSES[1][b as usize] == STOP) {
        return (i, 0);
    }
    let mut letters = 0u64;
    // SAFETY: the CPU has AVX2 (the caller's promise); each load reads s[i..i + 32], in
    // bounds by the loop's condition.
    unsafe {
        let byte = |b: u8| _mm256_set1_epi8(b as i8);
        // Unsigned: a byte is in `lo..=lo + n` if it minus `lo` (wrapping) is at most `n`.
        let within = |x: __m256i, lo: u8, n: u8| {
            let d = _mm256_sub_epi8(x, byte(lo));
            _mm256_cmpeq_epi8(_mm256_min_epu8(d, byte(n)), d)
        };
        while i + 32 <= s.len() {
            let v = _mm256_loadu_si256(s.as_ptr().add(i).cast());
            let quote_or_backslash =
                _mm256_or_si256(_mm256_cmpeq_epi8(v, byte(b'"')), _mm256_cmpeq_epi8(v, byte(b'\\')));
            // Signed: bytes from 0x80 are negative, so "below 0x20" takes them too.
            let control_or_high = _mm256_cmpgt_epi8(byte(0x20), v);
            let hard = _mm256_movemask_epi8(_mm256_or_si256(quote_or_backslash, control_or_high)) as u32;
            let digit = _mm256_movemask_epi8(within(v, b'0', 9)) as u32;
            let letter = _mm256_movemask_epi8(within(_mm256_or_si256(v, byte(0x20)), b'a', 25)) as u32;
            let mut stop = hard | digit;
            while stop != 0 {
                let n = stop.trailing_zeros() as usize;
                // The digits from `n` (none at a hard stop), if they end inside this step.
                let run = (!(digit >> n)).trailing_zeros() as usize;
                if run == 0 || run >= short || n + run == 32 || !settles(s, i + n + run) {
                    let before = letter & ((1u64 << n) - 1) as u32;
                    return (i + n, letters + u64::from(before.count_ones()));
                }
                stop &= !((((1u64 << run) - 1) << n) as u32);
            }
            letters += u64::from(letter.count_ones());
            i += 32;
        }
    }
    let (end, rest) = run(s, i, Stop::JsonString);
    (end, letters + rest)
}

/// How many bytes of `s` are below 0x20 (control characters, line ends among them), and
/// whether one of them is NUL: what `binary_reason` asks of each file's head, in one pass
/// (two passes, a search for NUL then a count the compiler vectorised, cost a file of a
/// corpus of small files some 4,900 instructions).
pub fn control_bytes(s: &[u8]) -> (usize, bool) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        return unsafe { control_bytes_avx2(s) };
    }
    control_bytes_bytewise(s)
}

fn control_bytes_bytewise(s: &[u8]) -> (usize, bool) {
    (s.iter().filter(|&&b| b < 0x20).count(), s.contains(&0))
}

/// `control_bytes` 32 bytes a step, two steps at a time.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn control_bytes_avx2(s: &[u8]) -> (usize, bool) {
    use std::arch::x86_64::*;
    let sum = |lanes: __m256i| {
        let s = _mm256_sad_epu8(lanes, _mm256_setzero_si256());
        (_mm256_extract_epi64::<0>(s)
            + _mm256_extract_epi64::<1>(s)
            + _mm256_extract_epi64::<2>(s)
            + _mm256_extract_epi64::<3>(s)) as usize
    };
    // 0xFF (-1) in each lane of `v` below 0x20 (unsigned: where the smaller of it and 0x1F
    // is itself).
    let below = |v: __m256i| _mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1F)), v);
    // The smallest byte of each lane: one is 0 if a NUL was read.
    let (mut low, mut least, mut i) = (0, _mm256_set1_epi8(-1), 0);
    // A lane of the counts holds at most 255: they are added up every 127 double steps.
    while i + 64 <= s.len() {
        let end = s.len().min(i + 127 * 64);
        let mut lanes = _mm256_setzero_si256();
        while i + 64 <= end {
            // SAFETY: reads s[i..i + 64], in bounds by the loop's condition.
            let (a, b) = unsafe {
                (_mm256_loadu_si256(s.as_ptr().add(i).cast()), _mm256_loadu_si256(s.as_ptr().add(i + 32).cast()))
            };
            lanes = _mm256_sub_epi8(_mm256_sub_epi8(lanes, below(a)), below(b));
            least = _mm256_min_epu8(least, _mm256_min_epu8(a, b));
            i += 64;
        }
        low += sum(lanes);
    }
    let nul = _mm256_movemask_epi8(_mm256_cmpeq_epi8(least, _mm256_setzero_si256())) != 0;
    let (tail_low, tail_nul) = control_bytes_bytewise(&s[i..]);
    (low + tail_low, nul || tail_nul)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn long_runs_count_every_letter() {
        // More than 255 chunks: the per-lane sums must be emptied before they wrap.
        let mut text = b"ab ".repeat(3000);
        assert_eq!(run(&text, 0, Stop::JsonString), (9000, 6000));
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has both.
            assert_eq!(unsafe { json_run_avx2(&text, 0, 0) }, (9000, 6000));
        }
        text[7001] = b'7';
        assert_eq!(run(&text, 1, Stop::JsonString), (7001, 4667));
        assert_eq!(run(&text, 1, Stop::NonAscii), (9000, 5999));
        text[8000] = 0xE4;
        assert_eq!(run(&text, 0, Stop::NonAscii), (8000, 5334));
    }

    #[test]
    fn control_bytes_are_counted_past_a_lane_s_limit() {
        // More than 255 steps of 32 bytes, every byte a control byte: the lanes must be
        // emptied before they wrap. (Then a tail shorter than a double step.)
        let mut text = vec![b'\n'; 255 * 32 * 2 + 7];
        assert_eq!(control_bytes(&text), (text.len(), false));
        text[255 * 32 * 2 + 3] = 0;
        text[100] = b'a';
        assert_eq!(control_bytes(&text), (text.len() - 1, true));
    }

    proptest! {
        /// Whatever the bytes, the vector path counts what the bytewise loop counts.
        #[test]
        fn control_bytes_agree_with_the_bytewise_loop(
            bytes in proptest::collection::vec(prop_oneof![0u8..0x21, any::<u8>()], 0..300),
        ) {
            prop_assert_eq!(control_bytes(&bytes), control_bytes_bytewise(&bytes));
        }

        /// The 16-byte path stops where the bytewise loop stops and counts the same letters,
        /// whatever the bytes, wherever the run starts, for either kind of run.
        #[test]
        fn runs_agree_with_the_bytewise_loop(
            bytes in proptest::collection::vec(prop_oneof![b'a'..=b'z', b' '..=b'~', any::<u8>()], 0..200),
            start in 0usize..80,
        ) {
            let start = start.min(bytes.len());
            prop_assert_eq!(run(&bytes, start, Stop::JsonString), bytewise::<true>(&bytes, start));
            prop_assert_eq!(run(&bytes, start, Stop::NonAscii), bytewise::<false>(&bytes, start));
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("popcnt") {
                // SAFETY: the CPU has both.
                prop_assert_eq!(unsafe { json_run_avx2(&bytes, start, 0) }, bytewise::<true>(&bytes, start));
            }
        }

        /// Reading on over short digit runs, the 32-byte path stops where the bytewise loop
        /// that also reads on over them stops, or earlier at the start of a digit run it was
        /// not sure of (one that reaches the end of a step, or the bytewise tail), and counts
        /// the letters before where it stops.
        #[test]
        #[cfg(target_arch = "x86_64")]
        fn runs_read_on_over_short_digit_runs_that_settle(
            bytes in proptest::collection::vec(
                prop_oneof![b'a'..=b'z', b'0'..=b'9', Just(b' '), Just(b'-'), Just(b'"'), Just(b'\\'), any::<u8>()],
                0..200,
            ),
            start in 0usize..80,
            short in 0usize..9,
        ) {
            if !(std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("popcnt")) {
                return Ok(());
            }
            let start = start.min(bytes.len());
            let mut i = start;
            let must = loop {
                let stop = bytewise::<true>(&bytes, i).0;
                let run = bytes[stop..].iter().take_while(|b| b.is_ascii_digit()).count();
                if run == 0 || run >= short || !settles(&bytes, stop + run) {
                    break stop;
                }
                i = stop + run;
            };
            // SAFETY: the CPU has both.
            let (end, letters) = unsafe { json_run_avx2(&bytes, start, short) };
            prop_assert!(end <= must, "read past {must} to {end}");
            let at_run = |p: usize| bytes[p].is_ascii_digit() && (p == start || !bytes[p - 1].is_ascii_digit());
            prop_assert!(end == must || at_run(end), "stopped at {end}, not at a digit run's start");
            prop_assert_eq!(letters, bytes[start..end].iter().filter(|b| b.is_ascii_alphabetic()).count() as u64);
        }
    }
}
