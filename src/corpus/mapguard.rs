//! A SIGBUS guard for memory maps. A mapped file that another process truncates faults with
//! SIGBUS when a page past its new end is read, which would kill the whole scan. The handler
//! installed here maps zero pages over the rest of the faulting map, so the read goes on, and
//! flags the map; the scanner then reports the file as changed while scanned instead of
//! trusting what it read. Faults outside registered maps get the default action, as before.

use memmap2::Mmap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Once;

const SLOTS: usize = 256;

struct Slot {
    start: AtomicUsize,
    len: AtomicUsize,
    faulted: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Slot = Slot { start: AtomicUsize::new(0), len: AtomicUsize::new(0), faulted: AtomicBool::new(false) };
static TABLE: [Slot; SLOTS] = [EMPTY; SLOTS];
static PAGE: AtomicUsize = AtomicUsize::new(4096);
static INSTALL: Once = Once::new();

/// A read-only map whose truncation under us is caught and reported, not fatal.
pub struct GuardedMap {
    map: Mmap,
    slot: Option<usize>,
}

impl GuardedMap {
    /// Guards `map`; if every slot is taken (more than 256 maps open at once) the map is
    /// returned unguarded and `guarded()` says so.
    pub fn new(map: Mmap) -> Self {
        install();
        let (start, len) = (map.as_ptr() as usize, map.len());
        let slot = (len > 0)
            .then(|| {
                TABLE.iter().position(|s| {
                    s.len.load(Ordering::Acquire) == 0
                        && s.start.compare_exchange(0, start, Ordering::AcqRel, Ordering::Acquire).is_ok()
                })
            })
            .flatten();
        if let Some(i) = slot {
            TABLE[i].faulted.store(false, Ordering::Release);
            TABLE[i].len.store(len, Ordering::Release);
        }
        GuardedMap { map, slot }
    }

    pub fn guarded(&self) -> bool {
        self.slot.is_some()
    }

    /// True if a read hit a page the file no longer has: what was read there is zeros.
    pub fn faulted(&self) -> bool {
        self.slot.is_some_and(|i| TABLE[i].faulted.load(Ordering::Acquire))
    }
}

impl std::ops::Deref for GuardedMap {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map
    }
}

impl Drop for GuardedMap {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            TABLE[i].len.store(0, Ordering::Release);
            TABLE[i].start.store(0, Ordering::Release);
        }
    }
}

#[cfg(unix)]
fn install() {
    INSTALL.call_once(|| unsafe {
        // SAFETY: sysconf and sigaction are called once, before any guarded map is read.
        let page = libc::sysconf(libc::_SC_PAGESIZE);
        if page > 0 {
            PAGE.store(page as usize, Ordering::Relaxed);
        }
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    });
}

#[cfg(not(unix))]
fn install() {}

#[cfg(unix)]
extern "C" fn on_sigbus(_sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // Only atomics and mmap here: both are safe to use in a signal handler.
    let addr = unsafe { (*info).si_addr() } as usize;
    let page = PAGE.load(Ordering::Relaxed);
    for slot in &TABLE {
        let (start, len) = (slot.start.load(Ordering::Acquire), slot.len.load(Ordering::Acquire));
        if len == 0 || addr < start || addr >= start + len {
            continue;
        }
        let from = addr & !(page - 1);
        let to = (start + len).div_ceil(page) * page;
        // SAFETY: [from, to) lies inside a live read-only map this process owns; replacing
        // its pages with private zero pages changes only what later reads of it return.
        let done = unsafe {
            libc::mmap(
                from as *mut libc::c_void,
                to - from,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if done != libc::MAP_FAILED {
            slot.faulted.store(true, Ordering::Release);
            return;
        }
    }
    // Not ours: fall back to the default action; the faulting read repeats and ends the process.
    unsafe {
        libc::signal(libc::SIGBUS, libc::SIG_DFL);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_file_truncated_under_its_map_reads_zeros_and_is_flagged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shrinks.txt");
        let page = 4096 * 4;
        std::fs::write(&path, vec![b'x'; page * 4]).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let map = GuardedMap::new(unsafe { Mmap::map(&file).unwrap() });
        assert!(map.guarded());
        assert_eq!(map[0], b'x');
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(page as u64).unwrap();
        let tail_sum: u64 = map[page * 2..].iter().map(|&b| u64::from(b)).sum();
        assert_eq!(tail_sum, 0, "pages past the new end read as zeros");
        assert!(map.faulted());
        drop(map);
        let file = std::fs::File::open(&path).unwrap();
        let again = GuardedMap::new(unsafe { Mmap::map(&file).unwrap() });
        assert!(!again.faulted(), "a reused slot starts clean");
    }
}
