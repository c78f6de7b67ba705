//! Chapter 12, measure everything: the parts of a load generator worth
//! writing once by hand, and the generator that `course bench` measures
//! every server with.
//!
//! ```text
//!  schedule (when each request is due) ─▶ load (connections, requests, latencies)
//!                                              └─▶ histogram ─▶ percentile (p50 … p99.9)
//!  results ─▶ little (does λW match the connections?) ─▶ table (CSV)
//! ```
//!
//! The map:
//!
//! - [`percentile`]: the value at a quantile, walked from a histogram's
//!   buckets;
//! - [`schedule`]: when an open loop's requests are due;
//! - [`table`]: results as CSV;
//! - [`little`]: Little's law, the check on every closed-loop run;
//! - [`load`]: the generator itself, closed and open loops over keep-alive
//!   connections;
//! - [`stall`]: a small server that stalls on cue, to measure against.

pub mod little;
pub mod load;
pub mod percentile;
pub mod schedule;
pub mod stall;
pub mod table;
