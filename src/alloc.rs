//! The allocator's settings. mimalloc (in `main.rs`) takes 5–8% off the CPU time of a scan of
//! many small files, where glibc's malloc spent 7% of it (consolidating its free lists as each
//! file's buffers came and went). Left to its defaults it also keeps three to eight times
//! the memory: it commits whole arenas at once and returns freed pages only after a delay.
//! Returning them at once has a price where the kernel backs its arenas with transparent huge
//! pages: each page freed and touched again was a fresh 2 MiB to zero, 5-10% of the CPU time of
//! a scan of 20,000 small files (`clear_page_erms` under `do_huge_pmd_anonymous_page`).

use libmimalloc_sys as ffi;

/// Positions in mimalloc 3's `mi_option_t` (`include/mimalloc.h`), which the Rust bindings do
/// not name; the version is pinned by Cargo.lock, and `option_ids_are_the_headers` checks that
/// each id holds its option's default.
const ARENA_EAGER_COMMIT: ffi::mi_option_t = 4;
const PURGE_DELAY: ffi::mi_option_t = 15;
const ALLOW_THP: ffi::mi_option_t = 43;

/// Commit arena memory as it is used, give freed pages back at once, and in small pages.
pub fn configure() {
    // SAFETY: mi_option_set takes any option id below _mi_option_last and any value.
    unsafe {
        ffi::mi_option_set(ARENA_EAGER_COMMIT, 0);
        ffi::mi_option_set(PURGE_DELAY, 0);
        ffi::mi_option_set(ALLOW_THP, 0);
    }
    // The option only stops mimalloc asking for huge pages (`madvise`); where the kernel gives
    // them unasked (THP "always") it takes this, which mimalloc itself calls only if the option
    // was set before it started, from the environment. The corpus's memory maps are file pages,
    // which it leaves alone. Failure leaves things as they were: slower, not wrong.
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes a flag and no pointers.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids hold the defaults the header gives those options (2: commit arenas eagerly
    /// where the OS overcommits; 1000 ms; 1: huge pages allowed), which their neighbours do not
    /// share (allow_thp's: 32 and 0). Tests run with the system allocator, so nothing has
    /// changed them here.
    #[test]
    fn option_ids_are_the_headers() {
        // SAFETY: reading an option is always allowed.
        let get = |id| unsafe { ffi::mi_option_get(id) };
        assert_eq!((get(ARENA_EAGER_COMMIT), get(PURGE_DELAY)), (2, 1000));
        assert_eq!((get(ALLOW_THP - 1), get(ALLOW_THP), get(ALLOW_THP + 1)), (32, 1, 0));
    }
}
