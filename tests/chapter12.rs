//! Stage tests of chapter 12, measure everything.
//!
//! The same file tests the learner's crate (`cargo test -p chapter12`) and
//! the reference solution (`cargo test -p chapter12-solution`). The
//! percentile, the schedule, the table and Little's law are called
//! directly, with numbers whose answers are known exactly; two tests run
//! the load generator against a small server in this file, on
//! `127.0.0.1:0`, one that stalls once and one that takes 5 ms for each
//! answer, and check what any machine must see: counts, not times.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chapter12::little::{agreement, in_flight};
use chapter12::load::{self, Load, Mode, Outcome};
use chapter12::percentile::value_at_quantile;
use chapter12::schedule::Schedule;
use chapter12::stall;
use chapter12::table::to_csv;
use harness::Failure;
use hdrhistogram::Histogram;

// ---------------------------------------------------------------------------
// Exercise 12.1: percentiles from a histogram
// ---------------------------------------------------------------------------

fn histogram(values: &[(u64, u64)]) -> Histogram<u64> {
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("bounds");
    for &(value, count) in values {
        histogram.record_n(value, count).expect("in bounds");
    }
    histogram
}

const QUANTILES: [f64; 8] = [0.0, 0.25, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0];

#[test]
fn ex12_1_the_percentiles_of_a_known_histogram() {
    let ex = harness::exercise("12.1");
    // 900 answers of 10 µs, 90 of 20 µs, 9 of 1 ms, one of 2 s.
    let latencies = histogram(&[(10, 900), (20, 90), (1_000, 9), (2_000_000, 1)]);
    let cases = [
        (0.5, 10, "p50 is the 500th of 1,000 values"),
        (0.9, 10, "p90 is the 900th: the last of the 10 µs"),
        (0.95, 20, "p95 is the 950th"),
        (0.99, 20, "p99 is the 990th: the last of the 20 µs"),
        (0.999, 1_000, "p99.9 is the 999th"),
        (1.0, 2_000_000, "p100 is the largest"),
        (0.0, 10, "p0 is the smallest, not zero"),
    ];
    for (q, value, why) in cases {
        let expected = latencies.highest_equivalent(value);
        let got = value_at_quantile(&latencies, q);
        if got != expected {
            Failure::new(ex, format!("the value at quantile {q} is wrong: {why}"))
                .line("histogram", "10 µs × 900, 20 µs × 90, 1 ms × 9, 2 s × 1")
                .line(
                    "expected",
                    format!("{expected} (the highest value of the bucket of {value})"),
                )
                .line("got", got.to_string())
                .fail();
        }
    }
    let empty = histogram(&[]);
    let got = value_at_quantile(&empty, 0.99);
    if got != 0 {
        Failure::new(ex, "an empty histogram has no percentiles: give 0")
            .line("got", got.to_string())
            .fail();
    }
}

#[test]
fn ex12_1_the_percentiles_agree_with_hdrhistogram_s_own() {
    let ex = harness::exercise("12.1");
    let uniform: Vec<(u64, u64)> = (1..=10_000).map(|v| (v, 1)).collect();
    // A long tail: most fast, a few very slow, as real latencies are.
    let tail: Vec<(u64, u64)> = (0..20)
        .map(|i| (50 * 3_u64.pow(i / 2), 1 + 1_000_000 / 4_u64.pow(i / 2)))
        .collect();
    for (name, values) in [
        ("1 to 10,000 µs, once each", uniform),
        ("a long tail", tail),
        ("one value", vec![(777, 1)]),
    ] {
        let latencies = histogram(&values);
        for q in QUANTILES {
            let expected = latencies.value_at_quantile(q);
            let got = value_at_quantile(&latencies, q);
            if got != expected {
                Failure::new(
                    ex,
                    format!("the value at quantile {q} differs from hdrhistogram's"),
                )
                .line("histogram", format!("{name}: {} values", latencies.len()))
                .line(
                    "expected",
                    format!("{expected} (Histogram::value_at_quantile)"),
                )
                .line("got", got.to_string())
                .fail();
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Exercise 12.2: the open-loop schedule
// ---------------------------------------------------------------------------

#[test]
fn ex12_2_requests_are_dealt_to_the_connections_in_turn() {
    let ex = harness::exercise("12.2");
    let start = Instant::now();
    let due: Vec<Duration> = Schedule::new(start, 1000.0, 4, 1)
        .take(4)
        .map(|at| at - start)
        .collect();
    let expected: Vec<Duration> = [1, 5, 9, 13].map(Duration::from_millis).to_vec();
    if due != expected {
        Failure::new(
            ex,
            "connection 1 of 4 at 1,000 requests a second sends requests 1, 5, 9, 13",
        )
        .line("expected", format!("{expected:?} after the start"))
        .line("got", format!("{due:?}"))
        .fail();
    }
}

#[test]
fn ex12_2_the_schedule_does_not_drift() {
    let ex = harness::exercise("12.2");
    let start = Instant::now();
    // Three a second: a third of a second is no whole number of
    // nanoseconds, so adding it up drifts; computing from the start does not.
    let mut schedule = Schedule::new(start, 3.0, 1, 0);
    let got = schedule.nth(3_000_000).map(|at| at - start);
    let expected = Duration::from_secs(1_000_000);
    if got != Some(expected) {
        Failure::new(ex, "request 3,000,000 at 3 a second is due exactly 1,000,000 s after the start")
            .line("expected", format!("{expected:?}"))
            .line("got", format!("{got:?}"))
            .note("compute each due time from the start (start + i / rate), not by adding 1/3 s to the last one")
            .fail();
    }
}

/// The chapter's stalling server, on `127.0.0.1:0`.
fn serve(delay: impl Fn(u64) -> Duration + Send + Sync + 'static) -> SocketAddr {
    stall::serve(delay).expect("a port on 127.0.0.1")
}

fn run(ex: harness::Exercise, load: &Load) -> Outcome {
    match load::run(load) {
        Ok(outcome) => outcome,
        Err(why) => Failure::new(ex, "the load generator could not run")
            .line("got", why)
            .fail(),
    }
}

/// Requests that took at least 0.4 s.
fn slow(outcome: &Outcome) -> u64 {
    outcome.latency.count_between(400_000, 60_000_000)
}

#[test]
fn ex12_2_an_open_loop_sees_the_stall_a_closed_loop_hides() {
    let ex = harness::exercise("12.2");
    // The 21st request waits half a second; every other is answered at once.
    let stall = |n: u64| {
        if n == 20 {
            Duration::from_millis(500)
        } else {
            Duration::ZERO
        }
    };
    let load = |addr, mode| Load {
        addr,
        path: "/".into(),
        connections: 1,
        duration: Duration::from_secs(1),
        mode,
    };
    let closed = run(ex, &load(serve(stall), Mode::Closed));
    let open = run(ex, &load(serve(stall), Mode::Open { rate: 200.0 }));
    // The closed loop sent nothing while it waited: one slow request. The
    // open loop's requests kept falling due, each 5 ms after the last, and
    // every one due in the stall's first 0.1 s waited 0.4 s or more.
    if slow(&closed) != 1 || slow(&open) < 10 {
        Failure::new(
            ex,
            "an open loop must count each request's wait from when it was due",
        )
        .line(
            "did",
            "1 connection for 1 s against a server whose 21st answer takes 0.5 s",
        )
        .line(
            "expected",
            "closed loop: 1 request of 0.4 s or more; open loop at 200/s: about 20",
        )
        .line(
            "got",
            format!(
                "closed: {} of {} responses; open: {} of {}",
                slow(&closed),
                closed.responses,
                slow(&open),
                open.responses
            ),
        )
        .fail();
    }
}

// ---------------------------------------------------------------------------
// Exercise 12.3: a result table
// ---------------------------------------------------------------------------

fn strings(row: &[&str]) -> Vec<String> {
    row.iter().map(|s| s.to_string()).collect()
}

#[test]
fn ex12_3_a_table_of_plain_fields() {
    let ex = harness::exercise("12.3");
    let got = to_csv(
        &["server", "connections", "requests_per_second"],
        &[
            strings(&["chapter07", "64", "167776.4"]),
            strings(&["baseline", "64", "194924.0"]),
        ],
    );
    let expected = "server,connections,requests_per_second\r\nchapter07,64,167776.4\r\nbaseline,64,194924.0\r\n";
    if got != expected {
        Failure::new(
            ex,
            "a CSV table: fields joined by commas, every line ending in CRLF",
        )
        .expected_got(expected.as_bytes(), got.as_bytes())
        .fail();
    }
}

#[test]
fn ex12_3_commas_quotes_and_line_breaks_are_quoted() {
    let ex = harness::exercise("12.3");
    let got = to_csv(
        &["server", "note"],
        &[
            strings(&["chapter05 --workers 4", "shed load, then recovered"]),
            strings(&["baseline (chapter08's page)", "said \"503\""]),
            strings(&["python", "two\nlines"]),
            strings(&["", ""]),
        ],
    );
    let expected = "server,note\r\n\
                    chapter05 --workers 4,\"shed load, then recovered\"\r\n\
                    baseline (chapter08's page),\"said \"\"503\"\"\"\r\n\
                    python,\"two\nlines\"\r\n\
                    ,\r\n";
    if got != expected {
        Failure::new(ex, "a field with a comma, a double quote or a line break must be quoted, its quotes doubled (RFC 4180)")
            .expected_got(expected.as_bytes(), got.as_bytes())
            .fail();
    }
}

// ---------------------------------------------------------------------------
// Exercise 12.4: Little's law
// ---------------------------------------------------------------------------

#[test]
fn ex12_4_little_s_law_multiplies_the_rate_by_the_time() {
    let ex = harness::exercise("12.4");
    for (rate, latency, expected) in [
        (128_000.0, Duration::from_micros(500), 64.0),
        (20.0, Duration::from_millis(50), 1.0),
        (1_000.0, Duration::from_secs(2), 2_000.0),
        (0.0, Duration::from_secs(1), 0.0),
    ] {
        let got = in_flight(rate, latency);
        if (got - expected).abs() > 1e-9 {
            Failure::new(
                ex,
                "L = λW: the requests in flight are the rate times the time each takes",
            )
            .line("did", format!("in_flight({rate}, {latency:?})"))
            .line("expected", expected.to_string())
            .line("got", got.to_string())
            .fail();
        }
    }
}

#[test]
fn ex12_4_a_closed_loop_keeps_every_connection_busy() {
    let ex = harness::exercise("12.4");
    // Each answer takes 5 ms, so each of 4 connections sends about 200
    // requests a second, and about 4 are always in flight.
    let addr = serve(|_| Duration::from_millis(5));
    let outcome = run(
        ex,
        &Load {
            addr,
            path: "/".into(),
            connections: 4,
            duration: Duration::from_secs(1),
            mode: Mode::Closed,
        },
    );
    let ratio = agreement(4, outcome.requests_per_second(), outcome.mean_latency());
    // Never above 1 (a connection has at most one request out); a little
    // below, for the moments between an answer and the next request.
    if !(0.6..=1.05).contains(&ratio) {
        Failure::new(ex, "λW / N of a closed loop must be close to 1")
            .line(
                "did",
                "4 connections for 1 s against a server taking 5 ms per answer",
            )
            .line("expected", "about 1 (at most 1.05, at least 0.6)")
            .line(
                "got",
                format!(
                    "{ratio:.3}: {:.0} requests a second × {:?} mean latency / 4",
                    outcome.requests_per_second(),
                    outcome.mean_latency()
                ),
            )
            .fail();
    }
}
