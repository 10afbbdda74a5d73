//! The detection engine on arbitrary bytes: folding, every detector and validator, context
//! scoring. Spans must lie inside the input and on character boundaries of valid UTF-8.
#![no_main]

use govscan::detect::{ContextScope, Engine};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static ENGINE: OnceLock<Engine> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let engine = ENGINE.get_or_init(|| Engine::builtin().unwrap());
    let mut out = Vec::new();
    let field = data.first().map(|b| if b % 2 == 0 { "phone" } else { "text" });
    engine.scan_field(data, ContextScope::Block, field, &mut out);
    for m in &out {
        assert!(m.start < m.end && m.end <= data.len());
        if let Ok(s) = std::str::from_utf8(data) {
            assert!(s.is_char_boundary(m.start) && s.is_char_boundary(m.end));
        }
        assert!((0.0..=1.0).contains(&m.confidence));
    }
});
