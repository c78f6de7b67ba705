//! `course bench`: the chapters' servers against a bare axum server, under
//! load, on this machine.
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
//!    started once per distinct page, answering exactly those bytes
//!    (chapters 3, 5 and 7 serve chapter 3's site; chapter 8 serves chapter
//!    6's app), so each server is compared with axum doing the same work.
//! 4. [`wrk`]: wrk loads each server in turn, round after round, so a
//!    machine that slows down half-way (heat, a backup, another build)
//!    slows all of them; [`wrk::parse_wrk`] reads its report.
//! 5. [`stats`] sums the rounds up (medians, totals, the worst new client)
//!    and [`report`] writes the Markdown: the table, the ratio to the
//!    baseline, and whether each stage reached the course's goal for it.
//!
//! A benchmark is not a test: nothing here runs in CI except the unit tests
//! of the pure parts.

mod page;
mod report;
mod servers;
mod stats;
mod supervise;
mod wrk;

use std::path::{Path, PathBuf};

use harness::TempDir;

use crate::run::Cargo;
use page::{distinct_pages, home_page, home_pages};
use report::{Report, format_latency, machine, render};
use servers::{BASELINE, Instance, select};
use stats::Measured;
use supervise::Running;

/// `course bench`'s options (the help text is on the `Bench` command).
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// The servers to measure, in this order [default: those of chapter03,
    /// chapter05, chapter07, chapter08 that exist, then baseline].
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    servers: Vec<String>,
    /// How many keep-alive connections wrk holds open, one run per count.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1,8,64",
        value_name = "COUNTS"
    )]
    connections: Vec<u32>,
    /// How long each wrk run lasts, in seconds.
    #[arg(long, default_value_t = 5, value_name = "SECONDS")]
    duration: u32,
    /// How many times each server is measured at each count (the report
    /// gives the median).
    #[arg(long, default_value_t = 3, value_name = "N")]
    rounds: u32,
    /// Measure each server that has a thread pool once per worker count
    /// (`chapter05 --workers 64` is then a server of its own in the table).
    #[arg(long, value_delimiter = ',', value_name = "COUNTS")]
    workers: Vec<u32>,
    /// Also write the report (Markdown) to this file.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Runs `course bench`. `Err` when it could not measure at all.
pub fn bench(cargo: &Cargo, args: &BenchArgs) -> Result<(), String> {
    let instances = select(cargo.root(), &args.servers, &args.workers)?;
    check_options(args)?;
    wrk::check_installed()?;
    let binaries = supervise::build(cargo, &instances)?;
    // The baselines' pages and the servers' data; removed at the end.
    let scratch = TempDir::try_new("bench")?;
    let (with_baseline, mut instances): (Vec<Instance>, Vec<Instance>) = instances
        .into_iter()
        .partition(|instance| instance.server.name == BASELINE);
    let mut running = Vec::new();
    for instance in &mut instances {
        if instance.server.data_dir {
            let data = scratch.path().join(instance.server.name);
            instance
                .args
                .extend(["--data".to_string(), data.display().to_string()]);
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
    let (measured, notes) = measure(args, &instances, &mut running)?;
    drop(running);
    drop(scratch);
    let report = Report {
        machine: machine(),
        command: format!(
            "cargo course {}",
            std::env::args().skip(1).collect::<Vec<_>>().join(" ")
        ),
        duration: args.duration,
        rounds: args.rounds,
        instances,
        measured,
        notes,
    };
    let text = render(&report);
    println!("\n{text}");
    if let Some(path) = &args.out {
        std::fs::write(path, &text)
            .map_err(|e| format!("cannot write the report to {}: {e}", path.display()))?;
        println!("bench: report written to {}", path.display());
    }
    Ok(())
}

/// Rejects options that would measure nothing, or hammer the machine.
fn check_options(args: &BenchArgs) -> Result<(), String> {
    if args.connections.is_empty() || args.connections.contains(&0) {
        return Err("--connections needs counts of 1 or more, like --connections 1,8,64".into());
    }
    if args.connections.iter().any(|&c| c > 10_000) {
        return Err("--connections: at most 10000 per run".into());
    }
    if !(1..=600).contains(&args.duration) {
        return Err("--duration is in seconds, from 1 to 600".into());
    }
    if !(1..=100).contains(&args.rounds) {
        return Err("--rounds: from 1 to 100".into());
    }
    if args.workers.contains(&0) {
        return Err("--workers needs counts of 1 or more".into());
    }
    Ok(())
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

/// Every round: each connection count, each running server in turn. A
/// server that exits is noted and left out of the later runs.
fn measure(
    args: &BenchArgs,
    instances: &[Instance],
    running: &mut [Running],
) -> Result<(Vec<Measured>, Vec<String>), String> {
    let mut measured: Vec<Measured> = Vec::new();
    for &connections in &args.connections {
        for instance in instances {
            measured.push(Measured {
                label: instance.label.clone(),
                connections,
                runs: Vec::new(),
            });
        }
    }
    let mut notes = Vec::new();
    for round in 1..=args.rounds {
        for &connections in &args.connections {
            for server in running.iter_mut() {
                if server.exited.is_some() {
                    continue;
                }
                let run = wrk::run(server.addr, connections, args.duration)?;
                println!(
                    "bench: round {round}/{}, {connections:>3} connections, {:<24} {:>10.0} req/s  p99 {}  errors {}  timeouts {}",
                    args.rounds,
                    server.label,
                    run.requests_per_second,
                    format_latency(run.p99_us),
                    run.errors,
                    run.timeouts
                );
                measured
                    .iter_mut()
                    .find(|m| m.label == server.label && m.connections == connections)
                    .expect("an entry per instance and count")
                    .runs
                    .push(run);
                if let Some(status) = server.check_exited() {
                    let note = format!(
                        "{} exited during round {round} at {connections} connections ({status}); it was not measured after that",
                        server.label
                    );
                    println!("bench: {note}");
                    notes.push(note);
                }
            }
        }
    }
    Ok((measured, notes))
}
