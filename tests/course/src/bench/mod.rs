//! `course bench`: the chapters' servers, Python's, and a bare axum server,
//! under load, on this machine, measured by the course's own generator.
//!
//! The steps, in order, and where each is:
//!
//! 1. [`servers`]: [`servers::select`] picks the servers from
//!    [`servers::SERVERS`], the one table to extend when a chapter gets a
//!    server worth measuring, with its goal.
//! 2. [`supervise`]: the servers are built in release mode through
//!    [`Cargo::run`], and each starts as a child process on `127.0.0.1:0`
//!    (the harness's `Program`), whose `listening on http://ADDR` line says
//!    where. A [`supervise::Running`] guard kills it on every way out, a
//!    panic included.
//! 3. [`page`]: each server's `GET /` must answer 200. The baseline is then
//!    started once per distinct page, answering exactly those bytes, so
//!    each server is compared with axum doing the same work.
//! 4. [`chapter12::load`], the generator chapter 12 explains, loads each
//!    server in turn, point after point,
//!    round after round, so a machine that slows down half-way (heat, a
//!    backup, another build) slows all of them. Closed-loop points first
//!    (`--connections`), then open-loop ones (`--rate`).
//! 5. [`stats`] sums the rounds up (medians, the spread, totals, the worst
//!    new client); [`report`] writes the Markdown table, and [`files`] the
//!    JSON, the CSV and the SVG plots.
//!
//! A benchmark is not a test: nothing here runs in CI except the unit tests
//! of the pure parts and a smoke run that checks the files, not the numbers.

mod files;
mod memory;
mod page;
mod report;
mod servers;
mod stats;
mod supervise;
mod wrk;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use harness::TempDir;

use chapter12::load;

use crate::run::Cargo;
use page::{distinct_pages, get_home, home_page, home_pages};
use report::{Report, format_latency, machine, render};
use servers::{BASELINE, Instance, PYTHON, select};
use stats::{Measured, Newcomer, Point};
use supervise::Running;

/// `course bench`'s options (the help text is on the `Bench` command).
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// The servers to measure, in this order [default: those of chapter03,
    /// chapter05, chapter07, chapter08 that exist, then baseline]. The
    /// others: chapter02, chapter04, chapter06, chapter09 (its JSON API,
    /// GET /api/entries), python.
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    servers: Vec<String>,
    /// Closed loop: how many keep-alive connections, each sending its next
    /// request as soon as the last is answered; one point per count.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1,8,64",
        value_name = "COUNTS"
    )]
    connections: Vec<u32>,
    /// Open loop: requests a second, sent on a fixed schedule over the
    /// largest --connections count, whatever the server does; one point
    /// per rate, each latency measured from when its request was due.
    #[arg(long, value_delimiter = ',', value_name = "RATES")]
    rate: Vec<f64>,
    /// How long each run lasts, in seconds.
    #[arg(long, alias = "duration", default_value_t = 5, value_name = "SECONDS")]
    seconds: u32,
    /// How many times each server is measured at each point (the report
    /// gives the median, and the spread).
    #[arg(long, default_value_t = 3, value_name = "N")]
    rounds: u32,
    /// Measure each server that has a thread pool once per worker count
    /// (`chapter05 --workers 64` is then a server of its own in the table).
    #[arg(long, value_delimiter = ',', value_name = "COUNTS")]
    workers: Vec<u32>,
    /// Memory: hold this many idle keep-alive connections (one request
    /// answered, then nothing) to each server, and read its resident
    /// memory; one point per count (Linux and macOS).
    #[arg(long, value_delimiter = ',', value_name = "COUNTS")]
    idle: Vec<u32>,
    /// Memory: have each file server (chapter04, python) stream a 256 MiB
    /// file, and report the peak of its resident memory meanwhile.
    #[arg(long)]
    stream: bool,
    /// Write the report (report.md), every run (bench.json, bench.csv)
    /// and the plots (throughput.svg, latency.svg, memory.svg, stream.svg)
    /// into this folder.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Instead of measuring: draw the plots again from DIR/bench.json.
    #[arg(long, value_name = "DIR")]
    replot: Option<PathBuf>,
    /// Instead of the servers: measure this tool's load generator against
    /// wrk on the bare axum server at 64 connections (needs wrk).
    #[arg(long)]
    check_generator: bool,
}

/// The goal for the generator: at least this fraction of wrk's requests a
/// second on the same server, so that it is not what limits the numbers.
const GENERATOR_GOAL: f64 = 0.9;

/// Runs `course bench`. `Err` when it could not measure at all.
pub fn bench(cargo: &Cargo, args: &BenchArgs) -> Result<(), String> {
    if let Some(dir) = &args.replot {
        files::replot(dir)?;
        println!(
            "bench: drew the plots in {} again from its bench.json",
            dir.display()
        );
        return Ok(());
    }
    if cfg!(debug_assertions) {
        return rerun_in_release(cargo);
    }
    check_options(args)?;
    if args.check_generator {
        return check_generator(cargo, args);
    }
    let instances = select(cargo.root(), &args.servers, &args.workers)?;
    let binaries = supervise::build(cargo, &instances)?;
    // The baselines' pages, the file servers' folders, the servers' data;
    // removed at the end.
    let scratch = TempDir::try_new("bench")?;
    let (with_baseline, mut instances): (Vec<Instance>, Vec<Instance>) = instances
        .into_iter()
        .partition(|instance| instance.server.name == BASELINE);
    let mut running = Vec::new();
    let mut roots = Vec::new();
    for instance in &mut instances {
        if instance.server.data_dir {
            let data = scratch.path().join(instance.server.name);
            instance
                .args
                .extend(["--data".to_string(), data.display().to_string()]);
        }
        if instance.server.files {
            let root = scratch
                .path()
                .join(format!("{}-files", instance.server.name));
            std::fs::create_dir_all(&root)
                .and_then(|()| std::fs::write(root.join("index.html"), chapter02::site::HOME_PAGE))
                .map_err(|e| format!("cannot write {}: {e}", root.display()))?;
            if instance.server.name != PYTHON {
                instance.args.push("--root".to_string());
            }
            instance.args.push(root.display().to_string());
            roots.push((instance.label.clone(), root));
        }
        let binary = &binaries[instance.server.binary];
        running.push(Running::start(instance, binary)?);
        println!(
            "bench: {} listening on http://{}",
            instance.label,
            running.last().map(|r| r.addr).expect("just pushed")
        );
    }
    if let Some(baseline) = with_baseline.first() {
        let binary = &binaries[baseline.server.binary];
        start_yardsticks(
            baseline,
            binary,
            scratch.path(),
            &mut instances,
            &mut running,
        )?;
    }
    let (measured, mut notes) = measure(args, &instances, &mut running)?;
    let idle = measure_idle(&args.idle, &running, &mut notes);
    let streams = if args.stream {
        measure_streams(&roots, &running, &mut notes)?
    } else {
        Vec::new()
    };
    drop(running);
    drop(scratch);
    let report = Report {
        machine: machine(),
        command: format!(
            "cargo course {}",
            std::env::args().skip(1).collect::<Vec<_>>().join(" ")
        ),
        duration: args.seconds,
        rounds: args.rounds,
        instances,
        measured,
        idle,
        streams,
        notes,
    };
    let text = render(&report);
    println!("\n{text}");
    if let Some(dir) = &args.out {
        files::write_all(dir, &report, &text)?;
        println!(
            "bench: wrote report.md, bench.json, bench.csv and the plots to {}",
            dir.display()
        );
    }
    Ok(())
}

/// A generator built without optimizations measures itself, not the
/// servers: so a debug build of this tool runs its release build instead,
/// with the same arguments.
fn rerun_in_release(cargo: &Cargo) -> Result<(), String> {
    println!("bench: building this tool in release mode, so the load generator is fast");
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let status =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(cargo.root())
            .args(["run", "--release", "-q", "-p", "course", "--"])
            .args(&arguments)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "the release build of `course bench` failed ({status})"
        ))
    }
}

/// Rejects options that would measure nothing, or hammer the machine.
fn check_options(args: &BenchArgs) -> Result<(), String> {
    if args.connections.is_empty() || args.connections.contains(&0) {
        return Err("--connections needs counts of 1 or more, like --connections 1,8,64".into());
    }
    if args.connections.iter().any(|&c| c > 10_000) {
        return Err("--connections: at most 10000 per run".into());
    }
    if args.rate.iter().any(|r| !(1.0..=10_000_000.0).contains(r)) {
        return Err(
            "--rate needs requests a second from 1 to 10000000, like --rate 1000,5000".into(),
        );
    }
    if !(1..=600).contains(&args.seconds) {
        return Err("--seconds: from 1 to 600".into());
    }
    if !(1..=100).contains(&args.rounds) {
        return Err("--rounds: from 1 to 100".into());
    }
    if args.workers.contains(&0) {
        return Err("--workers needs counts of 1 or more".into());
    }
    Ok(())
}

/// The points to measure: closed loops, then open ones.
fn points(args: &BenchArgs) -> Vec<Point> {
    let mut points: Vec<Point> = args
        .connections
        .iter()
        .map(|&connections| Point::Closed { connections })
        .collect();
    let widest = args.connections.iter().copied().max().unwrap_or(1);
    points.extend(args.rate.iter().map(|&rate| Point::Open {
        rate,
        connections: widest,
    }));
    points
}

/// Starts the baseline once per distinct page the `running` servers
/// answer, serving exactly that page, and makes it the yardstick of the
/// instances that serve it. The baselines join `instances` and `running`.
fn start_yardsticks(
    baseline: &Instance,
    binary: &Path,
    scratch: &Path,
    instances: &mut Vec<Instance>,
    running: &mut Vec<Running>,
) -> Result<(), String> {
    let pages = home_pages(running)?;
    for (index, (page, users)) in distinct_pages(&pages).into_iter().enumerate() {
        let label = if index == 0 {
            BASELINE.to_string()
        } else {
            format!("{BASELINE} ({}'s page)", instances[users[0]].label)
        };
        let body_file = scratch.join(format!("page-{index}"));
        std::fs::write(&body_file, &page.body)
            .map_err(|e| format!("cannot write {}: {e}", body_file.display()))?;
        let instance = Instance {
            label: label.clone(),
            server: baseline.server,
            args: vec![
                "--body".to_string(),
                body_file.display().to_string(),
                "--content-type".to_string(),
                page.content_type.clone(),
            ],
            yardstick: Some(label.clone()),
        };
        let server = Running::start(&instance, binary)?;
        let served = home_page(&server)?;
        if served != *page {
            return Err(format!(
                "{label} does not answer GET / with the bytes it was given: {} bytes of {:?}, not {} bytes of {:?}",
                served.body.len(),
                served.content_type,
                page.body.len(),
                page.content_type
            ));
        }
        let names: Vec<&str> = users.iter().map(|&i| instances[i].label.as_str()).collect();
        println!(
            "bench: {label} listening on http://{}, answering GET / with the {} bytes of {}",
            server.addr,
            page.body.len(),
            names.join(", ")
        );
        for &user in &users {
            instances[user].yardstick = Some(label.clone());
        }
        running.push(server);
        instances.push(instance);
    }
    Ok(())
}

/// Every round: each point, each running server in turn. A server that
/// exits is noted and left out of the later runs.
fn measure(
    args: &BenchArgs,
    instances: &[Instance],
    running: &mut [Running],
) -> Result<(Vec<Measured>, Vec<String>), String> {
    let points = points(args);
    let mut measured: Vec<Measured> = Vec::new();
    for &point in &points {
        for instance in instances {
            measured.push(Measured {
                label: instance.label.clone(),
                point,
                runs: Vec::new(),
            });
        }
    }
    let mut notes = Vec::new();
    let total = u64::from(args.rounds) * points.len() as u64 * running.len() as u64;
    let mut done = 0;
    let started = Instant::now();
    for round in 1..=args.rounds {
        for &point in &points {
            for server in running.iter_mut() {
                if server.exited.is_some() {
                    done += 1;
                    continue;
                }
                let run = measure_once(server.addr, server.path, point, args.seconds)?;
                done += 1;
                let left = started
                    .elapsed()
                    .mul_f64((total - done) as f64 / done as f64);
                println!(
                    "bench: round {round}/{}, {:<28} {:<24} {:>10.0} req/s  p99 {}  errors {}  ({} left)",
                    args.rounds,
                    describe(point),
                    server.label,
                    run.requests_per_second,
                    format_latency(run.p99_us),
                    run.errors,
                    format_left(left)
                );
                measured
                    .iter_mut()
                    .find(|m| m.label == server.label && m.point == point)
                    .expect("an entry per instance and point")
                    .runs
                    .push(run);
                if let Some(status) = server.check_exited() {
                    let note = format!(
                        "{} exited during round {round} at {} ({status}); it was not measured after that",
                        server.label,
                        describe(point)
                    );
                    println!("bench: {note}");
                    notes.push(note);
                }
            }
        }
    }
    Ok((measured, notes))
}

/// `--idle`: each server's resident memory with no connection, then with
/// each count of idle keep-alive connections.
fn measure_idle(
    counts: &[u32],
    running: &[Running],
    notes: &mut Vec<String>,
) -> Vec<memory::IdlePoint> {
    let mut points = Vec::new();
    if counts.is_empty() {
        return points;
    }
    if memory::resident_kib(std::process::id()).is_none() {
        notes.push(
            "--idle: resident memory is not read on this system, so it was not measured".into(),
        );
        return points;
    }
    for server in running.iter().filter(|s| s.exited.is_none()) {
        for &count in counts {
            let Some(before_kib) = memory::resident_kib(server.pid()) else {
                continue;
            };
            let (opened, answered, with_kib) = memory::with_idle(server.addr, count, || {
                // A moment for the server to finish taking them in: this
                // is a reading, not a race.
                std::thread::sleep(Duration::from_millis(300));
                memory::resident_kib(server.pid())
            });
            let with_kib = with_kib.unwrap_or(0);
            println!(
                "bench: {:<24} {count:>6} idle connections ({opened} opened, {answered} answered): {:.1} MiB resident, {:.1} MiB before",
                server.label,
                with_kib as f64 / 1024.0,
                before_kib as f64 / 1024.0
            );
            if opened < count {
                notes.push(format!(
                    "{}: only {opened} of {count} idle connections could be opened: the server stopped accepting them (its listen queue was full), or a limit on open files (`ulimit -n`) was reached",
                    server.label
                ));
            }
            points.push(memory::IdlePoint {
                label: server.label.clone(),
                requested: count,
                opened,
                answered,
                before_kib,
                with_kib,
            });
        }
    }
    points
}

/// `--stream`: each file server streams a large file; its peak memory.
fn measure_streams(
    roots: &[(String, PathBuf)],
    running: &[Running],
    notes: &mut Vec<String>,
) -> Result<Vec<memory::StreamPoint>, String> {
    let mut points = Vec::new();
    for (label, root) in roots {
        let Some(server) = running
            .iter()
            .find(|s| &s.label == label && s.exited.is_none())
        else {
            continue;
        };
        let Some(before_kib) = memory::resident_kib(server.pid()) else {
            notes.push(format!(
                "--stream: resident memory is not read on this system, so {label}'s was not measured"
            ));
            continue;
        };
        memory::write_large_file(root)?;
        match memory::stream_large_file(server.addr, server.pid()) {
            Ok(streamed) => {
                println!(
                    "bench: {label} streamed {} MiB in {:.2} s; resident memory {:.1} MiB before, {:.1} MiB at most",
                    streamed.received / (1024 * 1024),
                    streamed.seconds,
                    before_kib as f64 / 1024.0,
                    streamed.peak_kib as f64 / 1024.0
                );
                points.push(memory::StreamPoint {
                    label: label.clone(),
                    file_bytes: memory::LARGE_FILE,
                    received: streamed.received,
                    seconds: streamed.seconds,
                    before_kib,
                    peak_kib: streamed.peak_kib,
                    samples: streamed.samples,
                });
            }
            Err(why) => notes.push(format!("{label} could not stream the large file: {why}")),
        }
        let _ = std::fs::remove_file(root.join("large.bin"));
    }
    Ok(points)
}

/// One run of the generator at `point`, with a new client's visit half-way
/// through a closed loop.
fn measure_once(
    addr: SocketAddr,
    path: &'static str,
    point: Point,
    seconds: u32,
) -> Result<stats::Run, String> {
    let duration = Duration::from_secs(u64::from(seconds));
    let mode = match point {
        Point::Closed { .. } => load::Mode::Closed,
        Point::Open { rate, .. } => load::Mode::Open { rate },
    };
    let visitor = matches!(point, Point::Closed { .. }).then(|| {
        std::thread::spawn(move || {
            let half_way = duration / 2;
            std::thread::sleep(half_way);
            visit_as_newcomer(addr, path, load::REQUEST_TIMEOUT.min(half_way))
        })
    });
    let outcome = load::run(&load::Load {
        addr,
        path: path.into(),
        connections: point.connections(),
        duration,
        mode,
    })?;
    let newcomer = visitor.and_then(|visitor| visitor.join().ok());
    Ok(to_run(&outcome, newcomer))
}

/// A run as the report counts it: every failure an error, a response
/// that is not 2xx or 3xx included.
fn to_run(outcome: &load::Outcome, newcomer: Option<Newcomer>) -> stats::Run {
    let us = |q: f64| outcome.percentile_us(q) as f64;
    stats::Run {
        requests_per_second: outcome.requests_per_second(),
        mean_us: outcome.mean_latency().as_secs_f64() * 1e6,
        p50_us: us(0.5),
        p90_us: us(0.9),
        p99_us: us(0.99),
        p999_us: us(0.999),
        max_us: outcome.latency.max() as f64,
        errors: outcome.errors + outcome.bad_statuses(),
        timeouts: outcome.timeouts,
        newcomer,
    }
}

/// A new client's visit while the server is under load: does it get an
/// answer, which one, and how soon? A thread pool whose workers are all
/// held by keep-alive connections has none to give it.
fn visit_as_newcomer(addr: SocketAddr, path: &str, timeout: Duration) -> Newcomer {
    let started = Instant::now();
    match get_home(addr, path, timeout) {
        Ok((status, _)) => Newcomer::Answered {
            status,
            us: started.elapsed().as_secs_f64() * 1e6,
        },
        Err(_) => Newcomer::NoAnswer,
    }
}

/// `64 connections`, or `5000 req/s over 64 connections`.
fn describe(point: Point) -> String {
    match point {
        Point::Closed { connections } => format!("{connections} connections"),
        Point::Open { rate, connections } => format!("{rate} req/s over {connections}"),
    }
}

/// `3 min 20 s`, `45 s`.
fn format_left(left: Duration) -> String {
    let seconds = left.as_secs();
    if seconds >= 60 {
        format!("{} min {} s", seconds / 60, seconds % 60)
    } else {
        format!("{seconds} s")
    }
}

/// `--check-generator`: this tool's generator and wrk, in turn, against the
/// bare axum server at 64 connections, round after round.
fn check_generator(cargo: &Cargo, args: &BenchArgs) -> Result<(), String> {
    wrk::check_installed()?;
    let instances = select(
        cargo.root(),
        &[BASELINE.to_string(), "chapter07".to_string()],
        &[],
    )?;
    let baseline = instances
        .iter()
        .find(|i| i.server.name == BASELINE)
        .expect("selected");
    let binaries = supervise::build(cargo, std::slice::from_ref(baseline))?;
    let server = Running::start(baseline, &binaries[baseline.server.binary])?;
    let connections = 64;
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 1..=args.rounds {
        let run = measure_once(
            server.addr,
            server.path,
            Point::Closed { connections },
            args.seconds,
        )?;
        println!(
            "bench: round {round}/{}: this generator {:>10.0} req/s",
            args.rounds, run.requests_per_second
        );
        ours.push(run.requests_per_second);
        let run = wrk::run(server.addr, connections, args.seconds)?;
        println!(
            "bench: round {round}/{}: wrk            {:>10.0} req/s",
            args.rounds, run.requests_per_second
        );
        theirs.push(run.requests_per_second);
    }
    let (ours, theirs) = (
        stats::median(&ours).unwrap_or_default(),
        stats::median(&theirs).unwrap_or_default(),
    );
    let ratio = ours / theirs.max(f64::EPSILON);
    println!(
        "\nThe generator: {ours:.0} req/s, wrk {theirs:.0} req/s (medians of {} rounds of {} s at {connections} connections on the baseline): {ratio:.2}x; goal {GENERATOR_GOAL:.2}x: {}",
        args.rounds,
        args.seconds,
        if ratio >= GENERATOR_GOAL {
            "reached"
        } else {
            "NOT reached"
        }
    );
    Ok(())
}
