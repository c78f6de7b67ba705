//! The Markdown report. It only reads results: everything in it can be
//! recomputed from a [`Report`] without running the load again.

use super::servers::{GOAL_CONNECTIONS, Instance};
use super::stats::{Measured, Newcomer, Point, Summary, summarize};

/// The whole report's input.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The machine, as [`machine`] describes it.
    pub machine: String,
    /// The command that produced it.
    pub command: String,
    /// Seconds per run.
    pub duration: u32,
    /// Rounds.
    pub rounds: u32,
    /// The instances, in order, with their goals.
    pub instances: Vec<Instance>,
    /// The measurements.
    pub measured: Vec<Measured>,
    /// Resident memory with idle connections (`--idle`).
    pub idle: Vec<super::memory::IdlePoint>,
    /// File servers streaming a large file (`--stream`).
    pub streams: Vec<super::memory::StreamPoint>,
    /// What went wrong on the way (a server that died).
    pub notes: Vec<String>,
}

/// The report: how it was measured, the table, the goals, and notes.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Machine: {}\n\nCommand: `{}`\n\nEach cell is the median of {} runs of {} s with the course's \
         load generator (keep-alive, GET /, on two threads), the servers measured in turn; \
         the spread is the lowest and highest of the runs. Load: a closed loop of N \
         connections, each sending its next request when the last is answered, or an open \
         loop sending a fixed number of requests a second, each latency counted from when \
         its request was due. Vs baseline: the requests per second as a fraction of a bare \
         axum server's answering GET / with the same bytes. λW/N: Little's law, the \
         requests per second times the mean latency (the requests in flight on average) \
         over the connections; near 1 when every connection always waited for an answer, \
         as a closed loop should. Errors are connections refused \
         or broken, requests unanswered after 2 s (also counted as timeouts) and answers \
         that were not 2xx or 3xx (a 503 included); both are totals over the runs. New \
         client: what a fresh connection, opened half-way through a closed-loop run, got \
         and how soon (the worst of the rounds): a server whose workers are all held by \
         keep-alive connections starves it.\n\n",
        report.machine, report.command, report.rounds, report.duration
    ));
    out.push_str(
        "| server | load | req/s | spread | vs baseline | λW/N | p50 | p90 | p99 | p99.9 | max | errors | timeouts | new client |\n\
         |---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    let summary = |label: &str, point: Point| -> Option<Summary> {
        let measured = report
            .measured
            .iter()
            .find(|m| m.label == label && m.point == point)?;
        summarize(measured)
    };
    let mut points: Vec<Point> = Vec::new();
    for measured in &report.measured {
        if !points.contains(&measured.point) {
            points.push(measured.point);
        }
    }
    let ratio = |instance: &Instance, point: Point| {
        let rate = summary(&instance.label, point)?.rate;
        let baseline = summary(instance.yardstick.as_deref()?, point)?.rate;
        (baseline > 0.0).then(|| rate / baseline)
    };
    for instance in &report.instances {
        for &point in &points {
            let label = &instance.label;
            let load = load_cell(point);
            let Some(s) = summary(label, point) else {
                out.push_str(&format!(
                    "| {label} | {load} | not measured | | | | | | | | | | | |\n"
                ));
                continue;
            };
            let versus = match ratio(instance, point) {
                Some(r) => format!("{r:.2}x"),
                None => String::new(),
            };
            // Little's law, for a closed loop: how many requests were in
            // flight on average, against how many connections there were.
            let little = match point {
                Point::Closed { connections } => format!(
                    "{:.2}",
                    chapter12::little::agreement(
                        connections,
                        s.rate,
                        std::time::Duration::from_secs_f64(s.mean_us / 1e6)
                    )
                ),
                Point::Open { .. } => String::new(),
            };
            out.push_str(&format!(
                "| {label} | {load} | {} | {}–{} | {versus} | {little} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                format_rate(s.rate),
                format_rate(s.rate_min),
                format_rate(s.rate_max),
                format_latency(s.p50_us),
                format_latency(s.p90_us),
                format_latency(s.p99_us),
                format_latency(s.p999_us),
                format_latency(s.max_us),
                s.errors,
                s.timeouts,
                s.newcomer.map(Newcomer::describe).unwrap_or_default(),
            ));
        }
    }
    let goals: Vec<String> = report
        .instances
        .iter()
        .filter_map(|instance| {
            let goal = instance.server.goal?;
            let point = Point::Closed {
                connections: GOAL_CONNECTIONS,
            };
            Some(match ratio(instance, point) {
                Some(r) => format!(
                    "- {}: {r:.2}x axum at {GOAL_CONNECTIONS} connections; goal {goal:.2}x: {}",
                    instance.label,
                    if r >= goal { "reached" } else { "NOT reached" }
                ),
                None => format!(
                    "- {}: goal {goal:.2}x the baseline at {GOAL_CONNECTIONS} connections: not measured \
                     (add {GOAL_CONNECTIONS} to --connections, and the baseline to --servers)",
                    instance.label
                ),
            })
        })
        .collect();
    if !goals.is_empty() {
        out.push_str(&format!(
            "\nGoals: the speed each stage aims for, relative to the axum baseline at {GOAL_CONNECTIONS} connections:\n\n"
        ));
        for line in goals {
            out.push_str(&line);
            out.push('\n');
        }
    }
    if !report.idle.is_empty() {
        out.push_str(
            "\nMemory with idle connections: each connection sent one GET / and read its \
             answer, then stayed open and silent; resident memory read from the OS.\n\n\
             | server | idle connections | opened | answered | resident | before | per connection |\n\
             |---|---:|---:|---:|---:|---:|---:|\n",
        );
        for p in &report.idle {
            let per = (p.with_kib.saturating_sub(p.before_kib)) as f64 / f64::from(p.opened.max(1));
            out.push_str(&format!(
                "| {} | {} | {} | {} | {:.1} MiB | {:.1} MiB | {per:.1} KiB |\n",
                p.label,
                p.requested,
                p.opened,
                p.answered,
                p.with_kib as f64 / 1024.0,
                p.before_kib as f64 / 1024.0
            ));
        }
    }
    if !report.streams.is_empty() {
        out.push_str(
            "\nStreaming a 256 MiB file, read as fast as it came; resident memory sampled \
             every 5 ms.\n\n\
             | server | received | seconds | MiB/s | resident before | peak |\n\
             |---|---:|---:|---:|---:|---:|\n",
        );
        for p in &report.streams {
            out.push_str(&format!(
                "| {} | {} MiB | {:.2} | {:.0} | {:.1} MiB | {:.1} MiB |\n",
                p.label,
                p.received / (1024 * 1024),
                p.seconds,
                p.received as f64 / (1024.0 * 1024.0) / p.seconds.max(f64::EPSILON),
                p.before_kib as f64 / 1024.0,
                p.peak_kib as f64 / 1024.0
            ));
        }
    }
    if !report.notes.is_empty() {
        out.push_str("\nNotes:\n\n");
        for note in &report.notes {
            out.push_str(&format!("- {note}\n"));
        }
    }
    out
}

/// The load column: `64 conns`, or `5,000/s open`.
pub fn load_cell(point: Point) -> String {
    match point {
        Point::Closed { connections } => format!("{connections} conns"),
        Point::Open { rate, .. } => format!("{}/s open", format_rate(rate)),
    }
}

/// A latency for people: `0.08 ms`, `2000.00 ms`.
pub fn format_latency(us: f64) -> String {
    format!("{:.2} ms", us / 1000.0)
}

/// A rate with thousands separators: `174,374`.
pub fn format_rate(rate: f64) -> String {
    let digits = format!("{:.0}", rate.max(0.0));
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// The machine, for the report: CPUs, CPU model where the OS says it
/// simply, and the OS.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "CPU model unknown".to_string());
    format!("{cpus} CPUs, {model}, {}", std::env::consts::OS)
}

#[cfg(test)]
mod tests {
    use super::super::servers::{BASELINE, SERVERS};
    use super::super::stats::Run;
    use super::*;

    #[test]
    fn renders_the_table_and_the_goals() {
        let answered = |us: f64| Some(Newcomer::Answered { status: 200, us });
        let run = |rate: f64, p99_us: f64, timeouts: u64, newcomer: Option<Newcomer>| Run {
            requests_per_second: rate,
            mean_us: 150.0,
            p50_us: 100.0,
            p90_us: 200.0,
            p99_us,
            p999_us: 5000.0,
            max_us: 9000.0,
            errors: 0,
            timeouts,
            newcomer,
        };
        let server = |name: &str| *SERVERS.iter().find(|s| s.name == name).unwrap();
        let (chapter05, baseline) = (server("chapter05"), server(BASELINE));
        let report = Report {
            machine: "2 CPUs, Test CPU, linux".into(),
            command: "cargo course bench".into(),
            duration: 5,
            rounds: 3,
            instances: vec![
                Instance {
                    label: "chapter05".into(),
                    server: chapter05,
                    args: vec![],
                    yardstick: Some("baseline".into()),
                },
                Instance {
                    label: "baseline".into(),
                    server: baseline,
                    args: vec![],
                    yardstick: Some("baseline".into()),
                },
            ],
            measured: vec![
                Measured {
                    label: "chapter05".into(),
                    point: Point::Closed { connections: 64 },
                    runs: vec![
                        run(60_000.0, 900.0, 1, answered(900.0)),
                        run(50_000.0, 2000.0, 2, Some(Newcomer::NoAnswer)),
                        run(70_000.0, 100.0, 0, answered(100.0)),
                    ],
                },
                Measured {
                    label: "baseline".into(),
                    point: Point::Closed { connections: 64 },
                    runs: vec![run(100_000.0, 400.0, 0, answered(300.0))],
                },
            ],
            idle: vec![],
            streams: vec![],
            notes: vec!["chapter05 exited".into()],
        };
        let text = render(&report);
        assert!(text.starts_with("Machine: 2 CPUs, Test CPU, linux\n"));
        assert!(
            text.contains(
                "| chapter05 | 64 conns | 60,000 | 50,000–70,000 | 0.60x | 0.14 | 0.10 ms | 0.20 ms | 0.90 ms | 5.00 ms | 9.00 ms | 0 | 3 | no answer |\n\
             | baseline | 64 conns | 100,000 | 100,000–100,000 | 1.00x | 0.23 | 0.10 ms | 0.20 ms | 0.40 ms | 5.00 ms | 9.00 ms | 0 | 0 | 200 in 0.30 ms |\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "\nGoals: the speed each stage aims for, relative to the axum baseline at 64 connections:\n\n\
                 - chapter05: 0.60x axum at 64 connections; goal 0.90x: NOT reached\n"
            ),
            "{text}"
        );
        assert!(text.ends_with("Notes:\n\n- chapter05 exited\n"), "{text}");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(format_rate(0.4), "0");
        assert_eq!(format_rate(999.6), "1,000");
        assert_eq!(format_rate(174374.23), "174,374");
        assert_eq!(format_rate(1_234_567.0), "1,234,567");
    }
}
