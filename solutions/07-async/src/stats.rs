//! Counters of what the server is doing, readable from any thread or task.
//!
//! As in chapter 5, the stage tests assert on these numbers instead of on
//! time: "2,000 connections are open and a new one was still answered" is
//! a fact the server can count, whatever the machine's speed. The counters
//! are chapter 5's: plain atomics, not a `Mutex`, because tasks on several
//! runtime threads update them, and an atomic never makes a task wait.

use chapter05::stats::{Entered, Flag, Gauge, Tally};

// ANCHOR: stats
/// What the server is doing right now, and some totals. Share it as an
/// `Arc<Stats>`.
#[derive(Debug, Default)]
pub struct Stats {
    /// Connections being served now (each is one task), and the most at
    /// once.
    pub open: Gauge,
    /// Requests whose handler is running now, and the most at once.
    pub in_flight: Gauge,
    /// Connections accepted and given a task of their own, in total.
    pub connections: Tally,
    /// Connections answered `503` because the limit was reached.
    pub rejected: Tally,
    /// Whether the server is accepting connections.
    pub accepting: Flag,
}
// ANCHOR_END: stats

impl Stats {
    /// Counts a connection, in the total and as open until the returned
    /// guard is dropped: when its task ends, however it ends (a panic
    /// included, since unwinding drops the task's state).
    pub fn connection_opened(&self) -> Entered<'_> {
        self.connections.add();
        self.open.enter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_open_connections_the_peak_and_the_total() {
        let stats = Stats::default();
        let first = stats.connection_opened();
        let second = stats.connection_opened();
        assert_eq!((stats.open.now(), stats.open.peak()), (2, 2));
        drop(first);
        drop(second);
        let _third = stats.connection_opened();
        assert_eq!((stats.open.now(), stats.open.peak()), (1, 2));
        assert_eq!(stats.connections.total(), 3);
    }
}
