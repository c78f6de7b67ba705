//! The rounds of one server at one connection count, summed up: medians
//! for the rates and latencies (one slow round, a backup starting, does
//! not move a median), totals for the failures, and the worst new client.

use super::wrk::{Newcomer, WrkRun};

/// Every run of one server at one connection count.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The instance's label.
    pub label: String,
    /// The connection count.
    pub connections: u32,
    /// One per round (fewer if the server died).
    pub runs: Vec<WrkRun>,
}

/// What the report shows of one [`Measured`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// The median requests per second.
    pub rate: f64,
    /// The median of the runs' median latencies, in microseconds.
    pub p50_us: f64,
    /// The median of the runs' 99th percentiles, in microseconds.
    pub p99_us: f64,
    /// wrk's errors, over every run.
    pub errors: u64,
    /// wrk's timeouts, over every run.
    pub timeouts: u64,
    /// The worst any new client got (see [`Newcomer::badness`]).
    pub newcomer: Option<Newcomer>,
}

/// The summary of `measured`'s runs; `None` when it has none.
pub fn summarize(measured: &Measured) -> Option<Summary> {
    let field =
        |get: fn(&WrkRun) -> f64| median(&measured.runs.iter().map(get).collect::<Vec<_>>());
    Some(Summary {
        rate: field(|r| r.requests_per_second)?,
        p50_us: field(|r| r.p50_us)?,
        p99_us: field(|r| r.p99_us)?,
        errors: measured.runs.iter().map(|r| r.errors).sum(),
        timeouts: measured.runs.iter().map(|r| r.timeouts).sum(),
        newcomer: measured
            .runs
            .iter()
            .filter_map(|r| r.newcomer)
            .max_by(|a, b| {
                let (a, b) = (a.badness(), b.badness());
                a.0.cmp(&b.0).then(a.1.total_cmp(&b.1))
            }),
    })
}

/// The median: the middle value, or the mean of the two middle ones.
/// `None` for no values.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[middle]),
        _ => Some((sorted[middle - 1] + sorted[middle]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_median() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[9.0, 1.0, 5.0]), Some(5.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn sums_up_the_rounds() {
        let run = |rate: f64, timeouts: u64, newcomer: Newcomer| WrkRun {
            requests_per_second: rate,
            p50_us: rate / 10.0,
            p99_us: rate,
            errors: 1,
            timeouts,
            newcomer: Some(newcomer),
        };
        let ok = |us: f64| Newcomer::Answered { status: 200, us };
        let measured = Measured {
            label: "chapter05".into(),
            connections: 64,
            runs: vec![
                run(10.0, 0, ok(5.0)),
                run(30.0, 2, ok(9.0)),
                run(20.0, 1, ok(1.0)),
            ],
        };
        assert_eq!(
            summarize(&measured),
            Some(Summary {
                rate: 20.0,
                p50_us: 2.0,
                p99_us: 20.0,
                errors: 3,
                timeouts: 3,
                newcomer: Some(ok(9.0)),
            })
        );
        let none = Measured {
            runs: Vec::new(),
            ..measured
        };
        assert_eq!(summarize(&none), None);
    }
}
