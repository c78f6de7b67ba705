//! Waiting for something a server does, without guessing how long it takes.
//!
//! A test must not `sleep(500 ms)` and hope the server got there: on a busy
//! machine it did not, and on a fast one the test wastes time. It waits for
//! the *condition* instead (a counter reaching a value, a line appearing),
//! checking often, and gives up only after a generous deadline.

use std::thread;
use std::time::{Duration, Instant};

/// How long [`wait_until`] pauses between two checks: short enough to
/// notice at once, long enough not to keep a core busy while waiting.
const POLL: Duration = Duration::from_millis(2);

/// Checks `condition` until it is true (returns `Ok`) or `deadline` has
/// passed (returns `Err` with a sentence naming `what` and how long it
/// waited, for the test's failure message).
///
/// ```
/// use std::time::Duration;
/// let mut n = 0;
/// harness::wait_until("n to reach 3", Duration::from_secs(1), || { n += 1; n >= 3 }).unwrap();
/// ```
pub fn wait_until(
    what: &str,
    deadline: Duration,
    mut condition: impl FnMut() -> bool,
) -> Result<(), String> {
    let started = Instant::now();
    loop {
        if condition() {
            return Ok(());
        }
        if started.elapsed() >= deadline {
            return Err(format!("waited {deadline:?} for {what}, in vain"));
        }
        thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn returns_as_soon_as_the_condition_holds() {
        let counter = Arc::new(AtomicUsize::new(0));
        let writer = Arc::clone(&counter);
        let thread = thread::spawn(move || {
            for _ in 0..3 {
                writer.fetch_add(1, Ordering::SeqCst);
            }
        });
        let waited = wait_until("the counter to reach 3", Duration::from_secs(5), || {
            counter.load(Ordering::SeqCst) == 3
        });
        assert_eq!(waited, Ok(()));
        thread.join().unwrap();
    }

    #[test]
    fn gives_up_after_the_deadline_and_says_what_it_waited_for() {
        let mut checks = 0;
        let waited = wait_until(
            "something that never happens",
            Duration::from_millis(20),
            || {
                checks += 1;
                false
            },
        );
        let message = waited.unwrap_err();
        assert!(
            message.contains("something that never happens"),
            "{message}"
        );
        assert!(checks >= 2, "checked {checks} times");
    }
}
