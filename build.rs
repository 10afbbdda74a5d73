//! Writes `bmp_alphabetic.bin`: which characters of the Basic Multilingual Plane are letters
//! (`char::is_alphabetic`), one bit each. The scanner classifies every BMP character at start-up
//! for its escape tables, and asking the standard library 65,536 times took 6-7 ms of a scan's
//! start (a third of it, the other cores idle); this is the same answer, from the same compiler's
//! tables, read from the binary.

fn main() {
    let mut bits = vec![0u8; 0x10000 / 8];
    for cp in 0..0x10000u32 {
        if char::from_u32(cp).is_some_and(char::is_alphabetic) {
            bits[cp as usize / 8] |= 1 << (cp % 8);
        }
    }
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("bmp_alphabetic.bin"), bits).expect("OUT_DIR is writable");
    println!("cargo::rerun-if-changed=build.rs");
}
