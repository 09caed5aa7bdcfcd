//! The binary's allocator: mimalloc, with its arenas committed eagerly so that
//! the kernel backs them with transparent huge pages.
//!
//! `dard eval` makes hundreds of thousands of small allocations, where mimalloc
//! is markedly faster than the system allocator. Profiled, the largest single
//! cost left was the kernel's: some 11,000 page faults a run (a quarter of its
//! CPU time), each mapping one fresh 4 KiB page of the heap. With the arena
//! committed up front, the kernel maps it in 2 MiB pages where transparent huge
//! pages are enabled (`madvise` mode included) and the faults drop to ~500:
//! `dard eval` on the test split went from 73 to 58 ms on a 2-core machine, at
//! the price of ~120 instead of ~55 MB resident. `MIMALLOC_ARENA_EAGER_COMMIT`
//! in the environment still decides (mimalloc reads it before this runs).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc's option enumeration (the same
/// index in its v2 and v3).
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// mimalloc's own default for eager arena commit: "only on systems that
/// overcommit", which it does not detect on every Linux.
const EAGER_COMMIT_DEFAULT: std::os::raw::c_long = 2;

/// Runs before `main`, after mimalloc's own initializer (which has a higher
/// priority) and before the first allocation, which creates the first arena:
/// set from `main`, the option would come too late for it.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
#[used]
#[unsafe(link_section = ".init_array")]
static SET_ALLOCATOR_OPTIONS: extern "C" fn() = set_allocator_options;

#[cfg(target_os = "linux")]
extern "C" fn set_allocator_options() {
    #[allow(unsafe_code)]
    // SAFETY: reads and sets one of mimalloc's process-wide option values, which
    // are plain integers; no memory is allocated or touched, and no other thread
    // exists yet.
    unsafe {
        if libmimalloc_sys::mi_option_get(ARENA_EAGER_COMMIT) == EAGER_COMMIT_DEFAULT {
            libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 1);
        }
    }
}
