//! The allocator's settings. mimalloc (in `main.rs`) takes 5–8% off the CPU time of a scan of
//! many small files, where glibc's malloc spent 7% of it (consolidating its free lists as each
//! file's buffers came and went). Left to its defaults it also keeps three to eight times
//! the memory: it commits whole arenas at once and returns freed pages only after a delay.

use libmimalloc_sys as ffi;

/// Positions in mimalloc 3's `mi_option_t` (`include/mimalloc.h`), which the Rust bindings do
/// not name; the version is pinned by Cargo.lock, and `option_ids_are_the_headers` checks that
/// each id holds its option's default.
const ARENA_EAGER_COMMIT: ffi::mi_option_t = 4;
const PURGE_DELAY: ffi::mi_option_t = 15;

/// Commit arena memory as it is used, and give freed pages back at once.
pub fn configure() {
    // SAFETY: mi_option_set takes any option id below _mi_option_last and any value.
    unsafe {
        ffi::mi_option_set(ARENA_EAGER_COMMIT, 0);
        ffi::mi_option_set(PURGE_DELAY, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids hold the defaults the header gives those two options (2: commit arenas eagerly
    /// where the OS overcommits; 1000 ms), which their neighbours do not share. Tests run with
    /// the system allocator, so nothing has changed them here.
    #[test]
    fn option_ids_are_the_headers() {
        // SAFETY: reading an option is always allowed.
        let (commit, delay) = unsafe { (ffi::mi_option_get(ARENA_EAGER_COMMIT), ffi::mi_option_get(PURGE_DELAY)) };
        assert_eq!((commit, delay), (2, 1000));
    }
}
