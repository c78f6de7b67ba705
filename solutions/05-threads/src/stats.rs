//! Counters of what the server is doing, readable from any thread.
//!
//! The stage tests assert on these numbers instead of on time: "four
//! requests were in progress at once" is a fact the server can count,
//! while "four requests took less than twice as long as one" depends on how
//! busy the machine is. Chapter 7 counts its tasks with the same three
//! kinds of counter.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

// Every counter uses `Ordering::SeqCst`: they are read by tests and logs,
// a few times per request, so the cost is nothing we could measure, and
// sequential consistency means nobody has to think about what a weaker
// ordering would allow.
const ORDER: Ordering = Ordering::SeqCst;

// ANCHOR: stats
/// What the server is doing right now, and some totals.
///
/// Share it as an `Arc<Stats>` (see [`serve_with_stats`]); every counter
/// works through `&self`, because each is an atomic.
///
/// [`serve_with_stats`]: crate::serve_with_stats
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests whose handler is running now, and the most at once.
    pub in_flight: Gauge,
    /// Worker threads that have started and not yet ended.
    pub live_workers: Gauge,
    /// Connections handed to the pool.
    pub connections: Tally,
    /// Connections answered `503` because the pool was full.
    pub rejected: Tally,
    /// Handlers that panicked (each answered `500`).
    pub panics: Tally,
    /// Whether the server is accepting connections (false before it starts
    /// and once shutdown has closed the listener).
    pub accepting: Flag,
}
// ANCHOR_END: stats

// ANCHOR: counters
/// How many of something there are now, and the most there ever were.
#[derive(Debug, Default)]
pub struct Gauge {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Gauge {
    /// How many there are now.
    pub fn now(&self) -> usize {
        self.now.load(ORDER)
    }

    /// The most there ever were at the same time.
    pub fn peak(&self) -> usize {
        self.peak.load(ORDER)
    }

    /// Counts one more until the returned guard is dropped, however that
    /// happens: a panic unwinding through it drops it too.
    pub fn enter(&self) -> Entered<'_> {
        let now = self.now.fetch_add(1, ORDER) + 1;
        self.peak.fetch_max(now, ORDER);
        Entered { gauge: self }
    }
}

/// One counted by a [`Gauge`] while it lasts; see [`Gauge::enter`].
#[derive(Debug)]
pub struct Entered<'a> {
    gauge: &'a Gauge,
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        self.gauge.now.fetch_sub(1, ORDER);
    }
}

/// How many of something there have been, in total.
#[derive(Debug, Default)]
pub struct Tally(AtomicUsize);

impl Tally {
    /// The total so far.
    pub fn total(&self) -> usize {
        self.0.load(ORDER)
    }

    /// Counts one more.
    pub fn add(&self) {
        self.0.fetch_add(1, ORDER);
    }
}

/// A yes or no that any thread may read or set.
#[derive(Debug, Default)]
pub struct Flag(AtomicBool);

impl Flag {
    /// Whether it is set now.
    pub fn get(&self) -> bool {
        self.0.load(ORDER)
    }

    /// Sets it to `value`.
    pub fn set(&self, value: bool) {
        self.0.store(value, ORDER);
    }
}
// ANCHOR_END: counters

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gauge_counts_what_is_in_and_the_peak() {
        let gauge = Gauge::default();
        let first = gauge.enter();
        let second = gauge.enter();
        assert_eq!((gauge.now(), gauge.peak()), (2, 2));
        drop(first);
        drop(second);
        let _third = gauge.enter();
        assert_eq!((gauge.now(), gauge.peak()), (1, 2));
    }

    #[test]
    fn a_guard_counts_down_when_its_thread_panics() {
        let stats = std::sync::Arc::new(Stats::default());
        let worker_stats = std::sync::Arc::clone(&stats);
        let ended = std::thread::spawn(move || {
            let _alive = worker_stats.live_workers.enter();
            panic!("a worker that dies");
        })
        .join();
        assert!(ended.is_err());
        assert_eq!(stats.live_workers.now(), 0);
    }
}
