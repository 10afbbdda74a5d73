//! Line blocks from a stream and line-aligned chunks of a buffer: nothing lost, nothing
//! doubled, every piece within its bounds, whatever the sizes.
#![no_main]

use govscan::corpus::blocks::{split_lines, LineBlocks};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sizes, text)) = data.split_first() else { return };
    let block = 1 + (sizes & 0x0f) as usize;
    let max_line = block + (sizes >> 4) as usize;
    let mut lb = LineBlocks::new(text, block, max_line);
    let mut joined = Vec::new();
    while let Some(b) = lb.next_block().unwrap() {
        assert!(!b.is_empty());
        joined.extend_from_slice(b);
    }
    assert_eq!(joined, text);
    let (ranges, _) = split_lines(text, block, max_line);
    let mut at = 0;
    for r in ranges {
        assert_eq!(r.start, at);
        assert!(r.end > r.start && r.end <= text.len());
        at = r.end;
    }
    assert_eq!(at, text.len());
});
