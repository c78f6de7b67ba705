//! Little's law: in any system that is stable over a run, the average
//! number of requests inside it is the rate at which they pass through
//! times the average time each spends inside, L = λW.
//!
//! ```text
//!  64 connections, each always waiting for an answer:  L = 64
//!  measured: λ = 128,000 req/s, W = 0.5 ms            λW = 64   ✓
//! ```
//!
//! A closed loop of N connections keeps N requests in flight (less the
//! moments each connection spends between an answer and its next
//! request), so λW/N should be close to 1, and below it. Far below, the
//! generator itself is slow between requests; above it, the numbers are
//! wrong. Either way the measurement cannot be trusted.

use std::time::Duration;

// ANCHOR: in_flight
// ANCHOR: in_flight_signature
/// L = λW: how many requests are in flight on average, for `rate`
/// requests a second that each take `mean_latency`.
#[expect(unused_variables, reason = "until you write exercise 12.4")]
pub fn in_flight(rate: f64, mean_latency: Duration) -> f64 {
    // ANCHOR_END: in_flight_signature
    todo!("exercise 12.4: Little's law (read book/src/ch12-measure.md#exercise-124-littles-law)")
}
// ANCHOR_END: in_flight

// ANCHOR: agreement
/// λW / N for a closed loop of `connections`: 1 when every connection
/// always had a request in flight.
pub fn agreement(connections: u32, rate: f64, mean_latency: Duration) -> f64 {
    in_flight(rate, mean_latency) / f64::from(connections.max(1))
}
// ANCHOR_END: agreement
