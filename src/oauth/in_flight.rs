//! Token requests in flight, process-wide. A refresh's answer may carry a rotated
//! refresh token that nothing else knows: once the provider has answered, a process
//! that ends before storing it leaves the replaced token in the store, and a rotating
//! provider revokes the grant when that one is presented after its reuse interval. So
//! a refresh holds a [`TokenRequestGuard`] from before its request is sent until its
//! answer is stored, and every way a process ends waits for the guards:
//!
//! - Commands that leave SIGINT, SIGTERM and SIGHUP to their default action (`token
//!   --refresh`, `sites`, …) call [`defer_termination_signals`]: its handler ends the
//!   process as the default action would, at once while no token request is in
//!   flight, otherwise when the last guard is dropped.
//! - The TUI, the worker and `verify` catch those signals themselves to stop cleanly;
//!   they await [`token_requests_settled`] before their runtime is dropped (which
//!   would drop a refresh task half-way).
//!
//! Blocking the signals with `pthread_sigmask` around a refresh would not do: the mask
//! is per thread, and the kernel hands a process-directed signal to any thread that
//! does not block it, such as tokio's worker and blocking threads started earlier. A
//! handler is process-wide. SIGKILL cannot be caught at all: for that the store marks
//! a refresh before sending it (`TokenSet::refresh_sent_at`).

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};

use tokio::sync::Notify;

/// Token requests sent and not yet settled (answer stored, or failure recorded).
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
/// A termination signal that arrived while a request was in flight (0: none).
static DEFERRED: AtomicI32 = AtomicI32::new(0);
static NOTICE_GIVEN: AtomicBool = AtomicBool::new(false);
static SETTLED: Notify = Notify::const_new();

/// What the deferring handler writes to standard error, once.
const NOTICE: &[u8] = b"hookconsole: storing the token the provider just sent, then stopping\n";

/// Held while a token request is in flight and until its answer is stored.
#[must_use = "the request counts as in flight only while the guard is held"]
pub struct TokenRequestGuard(());

impl TokenRequestGuard {
    pub fn enter() -> TokenRequestGuard {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        TokenRequestGuard(())
    }
}

impl Drop for TokenRequestGuard {
    fn drop(&mut self) {
        if IN_FLIGHT.fetch_sub(1, Ordering::SeqCst) == 1 {
            // Checked after the count reached zero, as the handler checks the count
            // after recording the signal: one of the two sees the other.
            let deferred = DEFERRED.load(Ordering::SeqCst);
            if deferred != 0 {
                end_by_signal(deferred);
            }
            SETTLED.notify_waiters();
        }
    }
}

/// Waits until no token request is in flight in this process.
pub async fn token_requests_settled() {
    loop {
        let notified = SETTLED.notified();
        tokio::pin!(notified);
        // Registered before the count is read, so a drop in between still wakes us.
        notified.as_mut().enable();
        if IN_FLIGHT.load(Ordering::SeqCst) == 0 {
            return;
        }
        notified.await;
    }
}

/// Whether a token request is in flight in this process now.
pub fn token_requests_in_flight() -> bool {
    IN_FLIGHT.load(Ordering::SeqCst) > 0
}

/// SIGINT, SIGTERM and SIGHUP end the process as their default action does, but not
/// while a token request is in flight: then when its answer is stored. A signal this
/// process ignores (SIGHUP under `nohup`) stays ignored. For processes that do not
/// catch these signals otherwise: tokio's handlers would call this one too.
pub fn defer_termination_signals() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: a zeroed sigaction is a valid value; sigaction only reads `action`
        // and writes `previous`, both valid for the call; the handler it installs
        // touches atomics and calls async-signal-safe functions only.
        unsafe {
            let mut previous: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(signal, std::ptr::null(), &mut previous) != 0
                || previous.sa_sigaction != libc::SIG_DFL
            {
                continue;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_termination_signal as extern "C" fn(libc::c_int) as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

extern "C" fn on_termination_signal(signal: libc::c_int) {
    if IN_FLIGHT.load(Ordering::SeqCst) == 0 {
        end_by_signal(signal);
    }
    let _ = DEFERRED.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
    if IN_FLIGHT.load(Ordering::SeqCst) == 0 {
        end_by_signal(signal);
    }
    if !NOTICE_GIVEN.swap(true, Ordering::SeqCst) {
        // SAFETY: write(2) is async-signal-safe; the buffer is a static.
        unsafe {
            libc::write(2, NOTICE.as_ptr().cast(), NOTICE.len());
        }
    }
}

/// Ends the process by `signal`'s default action, so that its parent sees it ended by
/// that signal. In the handler the signal stays pending until the handler returns.
fn end_by_signal(signal: libc::c_int) {
    // SAFETY: sigaction and raise are async-signal-safe; the action is a valid,
    // zeroed sigaction with the default disposition.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = libc::SIG_DFL;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(signal, &action, std::ptr::null_mut());
        libc::raise(signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn settled_waits_for_the_last_guard() {
        let first = TokenRequestGuard::enter();
        let second = TokenRequestGuard::enter();
        let waiting = tokio::spawn(token_requests_settled());
        tokio::task::yield_now().await;
        drop(first);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "one request is still in flight");
        assert!(token_requests_in_flight());
        drop(second);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("settled once the last guard is dropped")
            .unwrap();
    }
}
