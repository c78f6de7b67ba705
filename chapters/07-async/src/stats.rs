//! Counters of what the server is doing, readable from any thread or task.
//!
//! As in chapter 5, the stage tests assert on these numbers instead of on
//! time: "2,000 connections are open and a new one was still answered" is
//! a fact the server can count, whatever the machine's speed.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

// Read by tests and logs a few times per connection: sequential
// consistency costs nothing we could measure, and nobody has to think
// about what a weaker ordering would allow.
const ORDER: Ordering = Ordering::SeqCst;

// ANCHOR: stats
/// What the server is doing right now, and some totals.
///
/// Share it as an `Arc<Stats>`; every method takes `&self`, because each
/// field is an atomic. Plain atomics, not a `Mutex`: tasks on several
/// runtime threads update them, and an atomic never makes a task wait.
#[derive(Debug, Default)]
pub struct Stats {
    /// Connections being served now (each is one task).
    open: AtomicUsize,
    /// The largest `open` has ever been.
    peak_open: AtomicUsize,
    /// Requests whose handler is running now.
    in_flight: AtomicUsize,
    /// The largest `in_flight` has ever been.
    peak_in_flight: AtomicUsize,
    /// Connections accepted and given a task of their own, in total.
    connections: AtomicUsize,
    /// Connections answered `503` because the limit was reached.
    rejected: AtomicUsize,
    /// Whether the server is accepting connections.
    accepting: AtomicBool,
}
// ANCHOR_END: stats

impl Stats {
    /// Connections being served now.
    pub fn open(&self) -> usize {
        self.open.load(ORDER)
    }

    /// The most connections that were ever open at the same time.
    pub fn peak_open(&self) -> usize {
        self.peak_open.load(ORDER)
    }

    /// Requests whose handler is running now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(ORDER)
    }

    /// The most requests that were ever in progress at the same time.
    pub fn peak_in_flight(&self) -> usize {
        self.peak_in_flight.load(ORDER)
    }

    /// Connections accepted and served so far (not counting `503`s).
    pub fn connections(&self) -> usize {
        self.connections.load(ORDER)
    }

    /// Connections answered `503 Service Unavailable` so far.
    pub fn rejected(&self) -> usize {
        self.rejected.load(ORDER)
    }

    /// Whether the server is accepting connections now.
    pub fn accepting(&self) -> bool {
        self.accepting.load(ORDER)
    }

    /// Counts a connection as open until the returned guard is dropped:
    /// when its task ends, however it ends (a panic included, since
    /// unwinding drops the task's state).
    pub fn connection_opened(&self) -> Counted<'_> {
        self.connections.fetch_add(1, ORDER);
        let now = self.open.fetch_add(1, ORDER) + 1;
        self.peak_open.fetch_max(now, ORDER);
        Counted {
            counter: &self.open,
        }
    }

    /// Counts a request as in flight until the returned guard is dropped.
    pub fn request_started(&self) -> Counted<'_> {
        let now = self.in_flight.fetch_add(1, ORDER) + 1;
        self.peak_in_flight.fetch_max(now, ORDER);
        Counted {
            counter: &self.in_flight,
        }
    }

    /// Counts a connection answered `503`.
    pub fn count_rejected(&self) {
        self.rejected.fetch_add(1, ORDER);
    }

    /// Records whether the server is accepting connections.
    pub fn set_accepting(&self, accepting: bool) {
        self.accepting.store(accepting, ORDER);
    }
}

/// Something counted while it lasts; see [`Stats::connection_opened`] and
/// [`Stats::request_started`].
#[derive(Debug)]
pub struct Counted<'a> {
    counter: &'a AtomicUsize,
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.counter.fetch_sub(1, ORDER);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_open_connections_and_the_peak() {
        let stats = Stats::default();
        let first = stats.connection_opened();
        let second = stats.connection_opened();
        assert_eq!((stats.open(), stats.peak_open()), (2, 2));
        drop(first);
        drop(second);
        let _third = stats.connection_opened();
        assert_eq!((stats.open(), stats.peak_open()), (1, 2));
        assert_eq!(stats.connections(), 3);
    }

    #[test]
    fn counts_requests_in_flight_and_the_peak() {
        let stats = Stats::default();
        let first = stats.request_started();
        drop(first);
        assert_eq!((stats.in_flight(), stats.peak_in_flight()), (0, 1));
    }
}
