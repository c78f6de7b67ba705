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
pub fn value_at_quantile(histogram: &Histogram<u64>, q: f64) -> u64 {
    // ANCHOR_END: value_at_quantile_signature
    // exercise 12.1: Percentiles from a histogram
    let total = histogram.len();
    if total == 0 {
        return 0;
    }
    // How many values must be at or below the answer: a share of them,
    // rounded up, and at least one (p0 is the smallest value, not zero).
    let wanted = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
    let mut seen = 0;
    for bucket in histogram.iter_recorded() {
        seen += bucket.count_since_last_iteration();
        if seen >= wanted {
            return histogram.highest_equivalent(bucket.value_iterated_to());
        }
    }
    histogram.max()
    // end exercise
}
// ANCHOR_END: value_at_quantile
