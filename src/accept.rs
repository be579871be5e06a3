//! What an accept loop does when `accept` fails, shared by the worker's enqueue socket
//! and the callback listener.
//!
//! Out of descriptors (EMFILE for this process, ENFILE for the system) or of kernel
//! memory (ENOBUFS, ENOMEM), the connection stays in the listen backlog and the
//! listener stays ready, so a loop that tries again at once fails again at once: the
//! worker burnt both cores and wrote hundreds of megabytes of log lines in 5 s that way. The loop
//! pauses instead, as hyper's server and tokio's examples do, and the failures are
//! logged once a period with how many there were. Other errors concern one client (it
//! gave up between connect and accept): a short pause, which still keeps an
//! unforeseen error that repeats from becoming a spin.

use std::io;
use std::time::{Duration, Instant};

/// The pause after running out of descriptors or memory: a tenth of the CPU a spin
/// takes is already too much, and a connection waits at most this long once
/// descriptors are free again.
pub const EXHAUSTED_PAUSE: Duration = Duration::from_millis(200);
/// The pause after any other error.
pub const OTHER_PAUSE: Duration = Duration::from_millis(10);
/// A repeated failure is logged at most once in this period.
pub const LOG_PERIOD: Duration = Duration::from_secs(60);

/// The failures of one accept loop: how long to pause after each, and when to log.
#[derive(Debug)]
pub struct AcceptBackoff {
    /// What accepts, for the log: "the enqueue socket".
    listener: &'static str,
    log: Occasional,
    /// Failures since the last connection accepted.
    failing: u64,
    /// A failure was logged and its end not yet: the end is logged once too.
    announced: bool,
}

impl AcceptBackoff {
    pub fn new(listener: &'static str) -> AcceptBackoff {
        AcceptBackoff {
            listener,
            log: Occasional::new(LOG_PERIOD),
            failing: 0,
            announced: false,
        }
    }

    /// How long to pause before accepting again after `error`; logs it unless a
    /// failure was logged less than [`LOG_PERIOD`] ago.
    pub fn pause_after(&mut self, error: &io::Error) -> Duration {
        self.failing += 1;
        let pause = if is_exhaustion(error) {
            EXHAUSTED_PAUSE
        } else {
            OTHER_PAUSE
        };
        if let Some(unlogged) = self.log.due() {
            self.announced = true;
            tracing::warn!(
                %error,
                failures_not_logged = unlogged,
                pause_ms = pause.as_millis() as u64,
                "{} cannot accept a connection; it pauses between tries and logs this once a minute at most",
                self.listener
            );
        }
        pause
    }

    /// A connection was accepted: the failures, if any, are over. That is logged after
    /// a failure was, so at most two lines a period even when accepts and failures
    /// alternate (as they do while descriptors free one by one).
    pub fn accepted(&mut self) {
        if self.announced {
            tracing::info!(
                failures = self.failing,
                "{} accepts connections again",
                self.listener
            );
            self.announced = false;
        }
        self.failing = 0;
    }
}

/// Out of descriptors or kernel memory: trying again at once cannot succeed.
pub fn is_exhaustion(error: &io::Error) -> bool {
    matches!(
        error.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

/// Something that may happen many times a second, logged at most once a period.
#[derive(Debug)]
pub struct Occasional {
    period: Duration,
    last_logged: Option<Instant>,
    unlogged: u64,
}

impl Occasional {
    pub fn new(period: Duration) -> Occasional {
        Occasional {
            period,
            last_logged: None,
            unlogged: 0,
        }
    }

    /// It happened again: `Some(how many times since the last line)` when a line is
    /// due now, `None` when it is only counted.
    pub fn due(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self
            .last_logged
            .is_some_and(|logged| now.duration_since(logged) < self.period)
        {
            self.unlogged += 1;
            return None;
        }
        self.last_logged = Some(now);
        Some(std::mem::take(&mut self.unlogged))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_out_of_descriptors_pauses_longer_than_a_client_that_left() {
        let mut backoff = AcceptBackoff::new("a test listener");
        for errno in [libc::EMFILE, libc::ENFILE, libc::ENOBUFS, libc::ENOMEM] {
            let error = io::Error::from_raw_os_error(errno);
            assert!(is_exhaustion(&error), "{error}");
            assert_eq!(backoff.pause_after(&error), EXHAUSTED_PAUSE);
        }
        let aborted = io::Error::from_raw_os_error(libc::ECONNABORTED);
        assert!(!is_exhaustion(&aborted));
        assert_eq!(backoff.pause_after(&aborted), OTHER_PAUSE);
        assert_eq!(backoff.failing, 5);
        assert!(backoff.announced, "the first failure is logged");
        backoff.accepted();
        assert_eq!(backoff.failing, 0);
        assert!(!backoff.announced, "and so is its end");
        // Within the period, neither a failure nor its end is logged again.
        let _ = backoff.pause_after(&aborted);
        assert!(!backoff.announced);
    }

    #[test]
    fn a_repeated_event_is_logged_once_a_period_with_its_count() {
        let mut log = Occasional::new(Duration::from_secs(3600));
        assert_eq!(log.due(), Some(0));
        for _ in 0..1000 {
            assert_eq!(log.due(), None);
        }
        assert_eq!(log.unlogged, 1000);
        let mut every_time = Occasional::new(Duration::ZERO);
        assert_eq!(every_time.due(), Some(0));
        assert_eq!(every_time.due(), Some(0));
    }
}
