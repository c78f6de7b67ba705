//! Counters of what the server is doing, readable from any thread.
//!
//! The stage tests assert on these numbers instead of on time: "four
//! requests were in progress at once" is a fact the server can count,
//! while "four requests took less than twice as long as one" depends on how
//! busy the machine is.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

// Every counter uses `Ordering::SeqCst`: they are read by tests and logs,
// a few times per request, so the cost is nothing we could measure, and
// sequential consistency means nobody has to think about what a weaker
// ordering would allow.
const ORDER: Ordering = Ordering::SeqCst;

// ANCHOR: stats
/// What the server is doing right now, and some totals.
///
/// Share it as an `Arc<Stats>` (see [`serve_with_stats`]); every method
/// takes `&self`, because each field is an atomic.
///
/// [`serve_with_stats`]: crate::serve_with_stats
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests whose handler is running now.
    in_flight: AtomicUsize,
    /// The largest `in_flight` has ever been.
    peak_in_flight: AtomicUsize,
    /// Worker threads that have started and not yet ended.
    live_workers: AtomicUsize,
    /// Connections handed to the pool.
    connections: AtomicUsize,
    /// Connections answered `503` because the pool was full.
    rejected: AtomicUsize,
    /// Handlers that panicked (each answered `500`).
    panics: AtomicUsize,
    /// Whether the server is accepting connections (false before it starts
    /// and once shutdown has closed the listener).
    accepting: AtomicBool,
}
// ANCHOR_END: stats

impl Stats {
    /// Requests whose handler is running now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(ORDER)
    }

    /// The most requests that were ever in progress at the same time.
    pub fn peak_in_flight(&self) -> usize {
        self.peak_in_flight.load(ORDER)
    }

    /// Worker threads alive now: the pool's size, unless something is
    /// wrong (or it is starting or stopping).
    pub fn live_workers(&self) -> usize {
        self.live_workers.load(ORDER)
    }

    /// Connections handed to the pool so far.
    pub fn connections(&self) -> usize {
        self.connections.load(ORDER)
    }

    /// Connections answered `503 Service Unavailable` so far.
    pub fn rejected(&self) -> usize {
        self.rejected.load(ORDER)
    }

    /// Handlers that panicked so far.
    pub fn panics(&self) -> usize {
        self.panics.load(ORDER)
    }

    /// Whether the server is accepting connections now.
    pub fn accepting(&self) -> bool {
        self.accepting.load(ORDER)
    }

    /// Counts a request as in flight until the returned guard is dropped
    /// (also when the handler panics and the stack unwinds through it).
    pub fn request_started(&self) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, ORDER) + 1;
        self.peak_in_flight.fetch_max(now, ORDER);
        InFlight { stats: self }
    }

    /// Counts a worker as alive until the returned guard is dropped, which
    /// happens however its thread ends, panics included.
    pub fn worker_started(&self) -> Alive<'_> {
        self.live_workers.fetch_add(1, ORDER);
        Alive { stats: self }
    }

    /// Counts a connection handed to the pool.
    pub fn count_connection(&self) {
        self.connections.fetch_add(1, ORDER);
    }

    /// Counts a connection answered `503`.
    pub fn count_rejected(&self) {
        self.rejected.fetch_add(1, ORDER);
    }

    /// Counts a handler that panicked.
    pub fn count_panic(&self) {
        self.panics.fetch_add(1, ORDER);
    }

    /// Records whether the server is accepting connections.
    pub fn set_accepting(&self, accepting: bool) {
        self.accepting.store(accepting, ORDER);
    }
}

/// A request in flight; see [`Stats::request_started`].
#[derive(Debug)]
pub struct InFlight<'a> {
    stats: &'a Stats,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.stats.in_flight.fetch_sub(1, ORDER);
    }
}

/// A live worker; see [`Stats::worker_started`].
#[derive(Debug)]
pub struct Alive<'a> {
    stats: &'a Stats,
}

impl Drop for Alive<'_> {
    fn drop(&mut self) {
        self.stats.live_workers.fetch_sub(1, ORDER);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_requests_in_flight_and_the_peak() {
        let stats = Stats::default();
        let first = stats.request_started();
        let second = stats.request_started();
        assert_eq!((stats.in_flight(), stats.peak_in_flight()), (2, 2));
        drop(first);
        drop(second);
        let _third = stats.request_started();
        assert_eq!((stats.in_flight(), stats.peak_in_flight()), (1, 2));
    }

    #[test]
    fn a_worker_guard_counts_down_when_its_thread_panics() {
        let stats = std::sync::Arc::new(Stats::default());
        let worker_stats = std::sync::Arc::clone(&stats);
        let ended = std::thread::spawn(move || {
            let _alive = worker_stats.worker_started();
            panic!("a worker that dies");
        })
        .join();
        assert!(ended.is_err());
        assert_eq!(stats.live_workers(), 0);
    }
}
