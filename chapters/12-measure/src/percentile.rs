//! Percentiles from a histogram: the value below which a given share of
//! the recorded values fall.
//!
//! ```text
//!  buckets:  [10 µs: 900] [20 µs: 90] [1 ms: 9] [2 s: 1]     1,000 values
//!  p50:  the 500th value  → 10 µs
//!  p99:  the 990th value  → 20 µs
//!  p99.9: the 999th value → 1 ms        max: 2 s
//! ```
//!
//! An HDR histogram keeps counts, not values: each bucket holds every value
//! within 0.1% of it (three significant digits). From a microsecond to a
//! minute that is 17,408 counters, about 136 KiB, whether it holds ten
//! latencies or a billion; a percentile is a walk over the buckets.
//! hdrhistogram's own `value_at_quantile` does this walk; writing it once
//! by hand shows what a "p99" is.

use hdrhistogram::Histogram;

// ANCHOR: value_at_quantile
// ANCHOR: value_at_quantile_signature
/// The value at quantile `q` (0.5 for the median, 0.99 for p99) of the
/// values recorded in `histogram`: the smallest bucket's value at which at
/// least `q` of all values are at or below it, given as the highest value
/// that bucket holds. `q` is clamped to 0..=1; an empty histogram gives 0.
#[expect(unused_variables, reason = "until you write exercise 12.1")]
pub fn value_at_quantile(histogram: &Histogram<u64>, q: f64) -> u64 {
    // ANCHOR_END: value_at_quantile_signature
    todo!(
        "exercise 12.1: Percentiles from a histogram (read book/src/ch12-measure.md#exercise-121-percentiles-from-a-histogram)"
    )
}
// ANCHOR_END: value_at_quantile
