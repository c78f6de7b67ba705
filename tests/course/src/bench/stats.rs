//! One run's numbers, and the rounds of one server at one point summed
//! up: medians for the rates and latencies (one slow round, a backup
//! starting, does not move a median), the spread of the rates, totals for
//! the failures, and the worst new client.

use super::report::format_latency;

/// What one run measured, by the bench's generator or by wrk.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Run {
    /// Whole responses per second.
    pub requests_per_second: f64,
    /// The mean latency, in microseconds (for Little's law).
    pub mean_us: f64,
    /// Latency percentiles, in microseconds: p50, p90, p99, p99.9, and the
    /// slowest response.
    pub p50_us: f64,
    pub p90_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    pub max_us: f64,
    /// Connections refused or broken, answers that were not HTTP, and
    /// answers that were not 2xx or 3xx (a 503 from a server shedding
    /// load is counted here, not hidden).
    pub errors: u64,
    /// Of the failures, the requests not answered within 2 s.
    pub timeouts: u64,
    /// What a new client got, connecting half-way through the run.
    pub newcomer: Option<Newcomer>,
}

/// What a client that connects in the middle of a run gets: the one view
/// of starvation that counting answers does not give.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Newcomer {
    /// A whole response with this status, after this many microseconds.
    Answered {
        /// The status code: 200, or 503 from a server that sheds load.
        status: u16,
        /// From connecting to the end of the response.
        us: f64,
    },
    /// No whole response in time: within 2 s, or half the run if that
    /// is shorter.
    NoAnswer,
}

impl Newcomer {
    /// How bad it is, for picking the worst of the rounds: no answer, then
    /// an error status, then the slowest.
    pub fn badness(self) -> (u8, f64) {
        match self {
            Newcomer::NoAnswer => (2, 0.0),
            Newcomer::Answered { status, us } => (u8::from(status != 200), us),
        }
    }

    /// The table cell: `200 in 0.15 ms`, `503 in 0.05 ms`, `no answer`.
    pub fn describe(self) -> String {
        match self {
            Newcomer::Answered { status, us } => format!("{status} in {}", format_latency(us)),
            Newcomer::NoAnswer => "no answer".to_string(),
        }
    }
}

/// How a point was loaded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Point {
    /// `connections` keep-alive connections, each as fast as answered.
    Closed { connections: u32 },
    /// `rate` requests a second on a schedule, over `connections`.
    Open { rate: f64, connections: u32 },
}

impl Point {
    pub fn connections(self) -> u32 {
        match self {
            Point::Closed { connections } | Point::Open { connections, .. } => connections,
        }
    }

    /// `closed` or `open`, as the JSON and CSV files say it.
    pub fn mode(self) -> &'static str {
        match self {
            Point::Closed { .. } => "closed",
            Point::Open { .. } => "open",
        }
    }

    /// The offered rate of an open loop.
    pub fn rate(self) -> Option<f64> {
        match self {
            Point::Closed { .. } => None,
            Point::Open { rate, .. } => Some(rate),
        }
    }
}

/// Every run of one server at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The instance's label.
    pub label: String,
    pub point: Point,
    /// One per round (fewer if the server died).
    pub runs: Vec<Run>,
}

/// What the report shows of one [`Measured`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// The median requests per second.
    pub rate: f64,
    /// The lowest and highest of the rounds' requests per second.
    pub rate_min: f64,
    pub rate_max: f64,
    /// The median of the rounds' mean latencies, in microseconds.
    pub mean_us: f64,
    /// The medians of the rounds' percentiles, in microseconds.
    pub p50_us: f64,
    pub p90_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    /// The slowest response of any round.
    pub max_us: f64,
    /// Failures over every run.
    pub errors: u64,
    pub timeouts: u64,
    /// The worst any new client got (see [`Newcomer::badness`]).
    pub newcomer: Option<Newcomer>,
}

/// The summary of `measured`'s runs; `None` when it has none.
pub fn summarize(measured: &Measured) -> Option<Summary> {
    let runs = &measured.runs;
    let field = |get: fn(&Run) -> f64| median(&runs.iter().map(get).collect::<Vec<_>>());
    let rates = runs.iter().map(|r| r.requests_per_second);
    Some(Summary {
        rate: field(|r| r.requests_per_second)?,
        rate_min: rates.clone().fold(f64::INFINITY, f64::min),
        rate_max: rates.fold(0.0, f64::max),
        mean_us: field(|r| r.mean_us)?,
        p50_us: field(|r| r.p50_us)?,
        p90_us: field(|r| r.p90_us)?,
        p99_us: field(|r| r.p99_us)?,
        p999_us: field(|r| r.p999_us)?,
        max_us: runs.iter().map(|r| r.max_us).fold(0.0, f64::max),
        errors: runs.iter().map(|r| r.errors).sum(),
        timeouts: runs.iter().map(|r| r.timeouts).sum(),
        newcomer: runs.iter().filter_map(|r| r.newcomer).max_by(|a, b| {
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
        let run = |rate: f64, timeouts: u64, newcomer: Newcomer| Run {
            requests_per_second: rate,
            mean_us: rate / 8.0,
            p50_us: rate / 10.0,
            p90_us: rate / 5.0,
            p99_us: rate,
            p999_us: rate * 2.0,
            max_us: rate * 3.0,
            errors: 1,
            timeouts,
            newcomer: Some(newcomer),
        };
        let ok = |us: f64| Newcomer::Answered { status: 200, us };
        let measured = Measured {
            label: "chapter05".into(),
            point: Point::Closed { connections: 64 },
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
                rate_min: 10.0,
                rate_max: 30.0,
                mean_us: 2.5,
                p50_us: 2.0,
                p90_us: 4.0,
                p99_us: 20.0,
                p999_us: 40.0,
                max_us: 90.0,
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

    #[test]
    fn the_worst_newcomer_is_no_answer_then_an_error_then_the_slowest() {
        let ok = |us: f64| Newcomer::Answered { status: 200, us };
        let shed = Newcomer::Answered {
            status: 503,
            us: 10.0,
        };
        assert!(Newcomer::NoAnswer.badness() > shed.badness());
        assert!(shed.badness() > ok(5000.0).badness());
        assert!(ok(5000.0).badness() > ok(10.0).badness());
        assert_eq!(shed.describe(), "503 in 0.01 ms");
        assert_eq!(Newcomer::NoAnswer.describe(), "no answer");
    }
}
