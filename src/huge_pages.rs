//! Transparent huge pages off for hookconsole's processes. With the kernel's THP set to
//! `always` (the default of many distributions), the allocator's arenas are backed by
//! 2 MiB pages as soon as they are touched, so a command that needs a few megabytes held
//! three or four times that: `list --json` of 10,000 integrations peaked at 36 MB with
//! huge pages and 24 MB without, the same work in the same time. Nothing hookconsole does
//! walks enough memory for huge pages to pay back.

use std::io;

/// Asks the kernel not to give this process (and what it starts) transparent huge
/// pages from now on. Pages already backed by one stay as they are.
pub fn turn_off() -> io::Result<()> {
    // SAFETY: PR_SET_THP_DISABLE takes integers and touches none of our memory.
    if unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
