//! What an accept loop does when `accept` fails.
//!
//! Most failed accepts concern one client: it gave up while it waited in
//! the listener's backlog ("connection aborted"), and the next accept works.
//! One kind concerns the whole process: it is out of file descriptors
//! (`EMFILE`, "too many open files"; `ENFILE` when the whole system is),
//! because every connection costs one. Then the client stays in the
//! backlog, and every accept fails at once, again and again, until some
//! connection closes and frees a descriptor. A loop that simply tries again
//! spins a CPU at 100% doing nothing, and steals that CPU from the very
//! connections whose end would free a descriptor.
//!
//! So an accept loop keeps an [`AcceptBackoff`]: after an error about one
//! client it tries again at once; after any other error it pauses first,
//! twice as long each time (5 ms, 10 ms, 20 ms, ... up to 1 s), and once an
//! accept works it starts again from the shortest pause. mini-redis, the
//! tokio project's teaching server, and axum do the same. Chapters 3, 5, 7
//! and 8 use this type for their own accept loops.
//!
//! ```text
//! accept ─┬─ Ok             serve it; the next pause is 5 ms again
//!         ├─ Err, one client  log it, accept again at once
//!         └─ Err, the process log it, pause (5 ms, 10 ms, ... 1 s), accept again
//! ```

use std::io;
use std::thread;
use std::time::Duration;

// ANCHOR: backoff
/// The first pause after an error that concerns the whole process. Short,
/// because descriptors often free up within milliseconds.
pub const FIRST_PAUSE: Duration = Duration::from_millis(5);
/// The longest pause: a server out of descriptors still looks about once a
/// second, so it serves again soon after they free up.
pub const MAX_PAUSE: Duration = Duration::from_secs(1);

/// How long an accept loop waits after a failed accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptBackoff {
    /// The pause the next process-wide error gets.
    next: Duration,
}

impl Default for AcceptBackoff {
    fn default() -> AcceptBackoff {
        AcceptBackoff::new()
    }
}

impl AcceptBackoff {
    /// A backoff that has seen no error yet.
    pub fn new() -> AcceptBackoff {
        AcceptBackoff { next: FIRST_PAUSE }
    }

    /// Logs `error` on stderr and returns how long to wait before the next
    /// accept: no time at all for an error that concerns one client, the
    /// next pause of the doubling series for any other.
    pub fn after_error(&mut self, error: &io::Error) -> Duration {
        if concerns_one_client(error) {
            eprintln!("accept failed: {error}");
            return Duration::ZERO;
        }
        let pause = self.next;
        self.next = (self.next * 2).min(MAX_PAUSE);
        eprintln!(
            "accept failed: {error}; trying again in {} ms",
            pause.as_millis()
        );
        pause
    }

    /// [`AcceptBackoff::after_error`], then the pause itself, for an accept
    /// loop on a thread of its own.
    pub fn wait_after(&mut self, error: &io::Error) {
        let pause = self.after_error(error);
        if !pause.is_zero() {
            thread::sleep(pause);
        }
    }

    /// Says an accept worked: the next error starts the series again.
    pub fn after_success(&mut self) {
        self.next = FIRST_PAUSE;
    }

    /// What a blocking accept loop does with each result: the connection
    /// if it is one (and the series starts again), or, after a failed
    /// accept, [`AcceptBackoff::wait_after`] and `None`.
    ///
    /// ```text
    /// for accepted in listener.incoming() {
    ///     let Some(stream) = backoff.accepted(accepted) else { continue };
    ///     ...
    /// }
    /// ```
    pub fn accepted<T>(&mut self, accepted: io::Result<T>) -> Option<T> {
        match accepted {
            Ok(connection) => {
                self.after_success();
                Some(connection)
            }
            Err(error) => {
                self.wait_after(&error);
                None
            }
        }
    }
}

/// Whether a failed accept concerns only the client it would have
/// accepted (it gave up, or was reset, before we got to it), so that the
/// next accept is likely to work. A signal that interrupted the call is
/// no fault at all.
pub fn concerns_one_client(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}
// ANCHOR_END: backoff

#[cfg(test)]
mod tests {
    use super::*;

    fn out_of_descriptors() -> io::Error {
        io::Error::other("Too many open files (os error 24)")
    }

    #[test]
    fn pauses_double_up_to_the_maximum_and_start_over_after_a_success() {
        let mut backoff = AcceptBackoff::new();
        let pauses: Vec<u128> = (0..10)
            .map(|_| backoff.after_error(&out_of_descriptors()).as_millis())
            .collect();
        assert_eq!(pauses, [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        backoff.after_success();
        assert_eq!(backoff.after_error(&out_of_descriptors()), FIRST_PAUSE);
    }

    #[test]
    fn accepted_passes_a_connection_on_and_starts_the_series_again() {
        let mut backoff = AcceptBackoff::new();
        backoff.after_error(&out_of_descriptors());
        assert_eq!(backoff.accepted(Ok(7)), Some(7));
        assert_eq!(backoff.after_error(&out_of_descriptors()), FIRST_PAUSE);
        let aborted = io::Error::from(io::ErrorKind::ConnectionAborted);
        assert_eq!(backoff.accepted::<u8>(Err(aborted)), None);
    }

    #[test]
    fn an_error_about_one_client_gets_no_pause_and_leaves_the_series_alone() {
        let mut backoff = AcceptBackoff::new();
        backoff.after_error(&out_of_descriptors());
        let aborted = io::Error::from(io::ErrorKind::ConnectionAborted);
        assert_eq!(backoff.after_error(&aborted), Duration::ZERO);
        assert_eq!(backoff.after_error(&out_of_descriptors()).as_millis(), 10);
    }
}
