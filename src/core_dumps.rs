//! A core dump of a hookconsole process holds every secret it has loaded: Basic
//! passwords, client secrets, access and refresh tokens, signing secrets. Every
//! process turns core dumps off before it reads any (first thing in `cli::run`, for
//! every command: which ones load a secret is not worth getting wrong).
//!
//! Not dumpable also means that other processes of the same user can no longer attach
//! to it or read its memory, environment or descriptors (/proc/PID/mem, environ, fd
//! belong to root then); its own /proc/self stays open to it, and /proc/PID/limits,
//! stat and status stay readable to everyone, as before.

use std::io;

/// Sets the core size limit to 0, soft and hard (so that nothing in this process can
/// raise it again), and makes the process not dumpable. Both are tried; the first
/// failure is returned.
pub fn turn_off() -> io::Result<()> {
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: setrlimit only reads `none`.
    let limited = if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    };
    // SAFETY: PR_SET_DUMPABLE takes one integer and touches none of our memory.
    let undumpable = if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    };
    limited.and(undumpable)
}
