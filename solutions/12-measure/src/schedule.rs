//! The open loop's schedule: when each request is due, whatever the
//! server does.
//!
//! ```text
//!  rate 1000/s over 4 connections: request i is due at start + i ms
//!  connection 0:  0 ms   4 ms   8 ms  ...   (requests 0, 4, 8, ...)
//!  connection 1:  1 ms   5 ms   9 ms  ...   (requests 1, 5, 9, ...)
//! ```
//!
//! A closed loop sends its next request when the last is answered, so a
//! server that stalls for a second is sent nothing for that second, and
//! the stall looks like one slow request. Real users do not wait for each
//! other: they keep arriving. An open loop sends on a schedule, and counts
//! each request's latency from when it was due, so every request that a
//! stall kept waiting shows it.

use std::time::{Duration, Instant};

// ANCHOR: schedule
/// When one connection's requests are due: request `index`, `index +
/// connections`, `index + 2 × connections`, ... of a loop sending `rate`
/// requests a second over `connections` connections from `start`.
#[derive(Debug, Clone)]
pub struct Schedule {
    start: Instant,
    rate: f64,
    connections: u64,
    index: u64,
    /// How many of this connection's requests have been given out.
    sent: u64,
}

impl Schedule {
    /// The schedule of connection `index` (from 0) of `connections`.
    pub fn new(start: Instant, rate: f64, connections: u64, index: u64) -> Schedule {
        Schedule {
            start,
            rate,
            connections: connections.max(1),
            index,
            sent: 0,
        }
    }
}
// ANCHOR_END: schedule

// ANCHOR: next
// ANCHOR: next_signature
impl Iterator for Schedule {
    type Item = Instant;

    /// When this connection's next request is due.
    fn next(&mut self) -> Option<Instant> {
        // ANCHOR_END: next_signature
        // exercise 12.2: The open-loop schedule
        // Computed from the start each time, never by adding a period to
        // the last: 1/3 s is no whole number of nanoseconds, and adding
        // its rounded value three million times drifts a millisecond.
        let request = self.index + self.sent * self.connections;
        self.sent += 1;
        Some(self.start + Duration::from_secs_f64(request as f64 / self.rate))
        // end exercise
    }
}
// ANCHOR_END: next
