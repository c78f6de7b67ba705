//! `course bench`: the chapters' servers against a bare axum server, under
//! load, on this machine.
//!
//! The steps, in order:
//!
//! 1. [`select`] picks the servers from [`SERVERS`], the one table to
//!    extend when a chapter gets a server worth measuring.
//! 2. The servers are built in release mode through [`Cargo::run`], and
//!    each starts as a child process on `127.0.0.1:0`; its
//!    `listening on http://ADDR` line ([`parse_listening_line`]) says where.
//!    A [`Running`] guard kills it on every way out, a panic included.
//! 3. Each server's `GET /` must answer 200. The baseline is then started
//!    once per distinct page, answering exactly those bytes (chapters 3, 5
//!    and 7 serve chapter 3's site; chapter 8 serves chapter 6's app), so
//!    each server is compared with axum doing the same work.
//! 4. `wrk` loads each server in turn, round after round, so a machine that
//!    slows down half-way (heat, a backup, another build) slows all of
//!    them; [`parse_wrk`] reads its report.
//! 5. [`render`] turns the runs into a Markdown report: medians per server
//!    and connection count, the ratio to the baseline, and the issues'
//!    targets.
//!
//! A benchmark is not a test: nothing here runs in CI except the unit tests
//! of the pure parts at the bottom.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::run::{Cargo, compiler_errors};

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

/// A server the bench knows how to build and start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Server {
    /// Its name on the command line and in the report.
    pub name: &'static str,
    /// The cargo package to build.
    pub package: &'static str,
    /// The binary to run from it.
    pub binary: &'static str,
    /// Its crate's directory: the server exists when this does.
    pub dir: &'static str,
    /// Arguments it always gets, after `--addr 127.0.0.1:0`.
    pub args: &'static [&'static str],
    /// It takes `--workers N`, so `--workers` applies to it.
    pub takes_workers: bool,
    /// It stores data under `--data DIR`: the bench gives it a fresh
    /// temporary folder, removed at the end.
    pub data_dir: bool,
    /// The issues' "speed to reach": its requests per second at
    /// [`TARGET_CONNECTIONS`], as a fraction of the baseline's.
    pub target: Option<f64>,
}

/// The servers, in the report's order. The baseline is last and is the
/// yardstick of every ratio.
pub const SERVERS: &[Server] = &[
    Server {
        name: "chapter03",
        package: "chapter03-solution",
        binary: "chapter03-solution",
        dir: "solutions/03-http-parser",
        args: &[],
        takes_workers: false,
        data_dir: false,
        target: None,
    },
    Server {
        name: "chapter05",
        package: "chapter05-solution",
        binary: "chapter05-solution",
        dir: "solutions/05-threads",
        args: &[],
        takes_workers: true,
        data_dir: false,
        target: Some(0.9),
    },
    Server {
        name: "chapter07",
        package: "chapter07-solution",
        binary: "chapter07-solution",
        dir: "solutions/07-async",
        args: &[],
        takes_workers: false,
        data_dir: false,
        target: Some(1.0),
    },
    Server {
        name: "chapter08",
        package: "chapter08-solution",
        binary: "chapter08-solution",
        dir: "solutions/08-axum",
        args: &[],
        takes_workers: false,
        data_dir: true,
        target: Some(0.9),
    },
    Server {
        name: "baseline",
        package: "baseline",
        binary: "baseline",
        dir: "tests/baseline",
        args: &[],
        takes_workers: false,
        data_dir: false,
        target: None,
    },
];

/// The name of the yardstick server.
pub const BASELINE: &str = "baseline";

/// The connection count the issues' targets are stated for.
pub const TARGET_CONNECTIONS: u32 = 64;

/// How long a server may take to say it is listening.
const STARTUP_DEADLINE: Duration = Duration::from_secs(10);

/// Socket timeouts of the `GET /` check.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// wrk's timeout (its default, made explicit), and the new client's.
const WRK_TIMEOUT: Duration = Duration::from_secs(2);

/// One server to measure: a [`Server`] with its extra arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// What the report calls it: `chapter05`, or `chapter05 --workers 64`.
    pub label: String,
    /// The server it runs.
    pub server: Server,
    /// Arguments after `--addr 127.0.0.1:0`.
    pub args: Vec<String>,
    /// The label of the baseline instance answering the same bytes, which
    /// its ratio is computed against (a baseline's own label for a
    /// baseline); `None` when no baseline is measured.
    pub yardstick: Option<String>,
}

/// What one wrk run measured.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WrkRun {
    /// Completed requests per second.
    pub requests_per_second: f64,
    /// Median latency of completed requests, in microseconds.
    pub p50_us: f64,
    /// 99th percentile latency, in microseconds.
    pub p99_us: f64,
    /// Connect, read and write errors, plus non-2xx/3xx answers.
    pub errors: u64,
    /// Answers that came later than wrk's timeout (2 s). wrk counts a
    /// request only when its answer arrives: one never answered (a
    /// connection starved for the whole run) shows up nowhere.
    pub timeouts: u64,
    /// What a new client got, connecting half-way through the run: the
    /// one view of starvation wrk does not give.
    pub newcomer: Option<Newcomer>,
}

/// What a client that connects in the middle of a run gets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Newcomer {
    /// A whole response with this status, after this many microseconds.
    Answered {
        /// The status code: 200, or 503 from a server that sheds load.
        status: u16,
        /// From connecting to the end of the response.
        us: f64,
    },
    /// No whole response within [`WRK_TIMEOUT`].
    NoAnswer,
}

impl Newcomer {
    /// How bad it is, for picking the worst of the rounds: no answer, then
    /// an error status, then the slowest.
    fn badness(self) -> (u8, f64) {
        match self {
            Newcomer::NoAnswer => (2, 0.0),
            Newcomer::Answered { status, us } => (u8::from(status != 200), us),
        }
    }

    /// The table cell: `200 in 0.15 ms`, `503 in 0.05 ms`, `none in 2 s`.
    fn describe(self) -> String {
        match self {
            Newcomer::Answered { status, us } => format!("{status} in {}", format_latency(us)),
            Newcomer::NoAnswer => format!("none in {} s", WRK_TIMEOUT.as_secs()),
        }
    }
}

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

/// The whole report's input.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The machine, as [`machine`] describes it.
    pub machine: String,
    /// The command that produced it.
    pub command: String,
    /// Seconds per run, and rounds.
    pub duration: u32,
    /// Rounds.
    pub rounds: u32,
    /// The instances, in order, with their targets.
    pub instances: Vec<Instance>,
    /// The measurements.
    pub measured: Vec<Measured>,
    /// What went wrong on the way (a server that died).
    pub notes: Vec<String>,
}

/// Runs `course bench`. `Err` when it could not measure at all.
pub fn bench(cargo: &Cargo, args: &BenchArgs) -> Result<(), String> {
    let root = cargo.root();
    let instances = select(root, &args.servers, &args.workers)?;
    check_options(args)?;
    check_wrk()?;
    let binaries = build(cargo, &instances)?;
    let scratch = Scratch::new()?;
    let (with_baseline, mut instances): (Vec<Instance>, Vec<Instance>) = instances
        .into_iter()
        .partition(|instance| instance.server.name == BASELINE);
    let mut running = Vec::new();
    for instance in &mut instances {
        if instance.server.data_dir {
            let data = scratch.path.join(instance.server.name);
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
    let pages = home_pages(&running)?;
    if let Some(baseline) = with_baseline.first() {
        let binary = &binaries[baseline.server.binary];
        for (index, (page, users)) in distinct_pages(&pages).into_iter().enumerate() {
            let label = if index == 0 {
                BASELINE.to_string()
            } else {
                format!("{BASELINE} ({}'s page)", instances[users[0]].label)
            };
            let body_file = scratch.path.join(format!("page-{index}"));
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
    }
    let mut measured: Vec<Measured> = Vec::new();
    for &connections in &args.connections {
        for instance in &instances {
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
                let run = run_wrk(server.addr, connections, args.duration)?;
                println!(
                    "bench: round {round}/{}, {connections:>3} connections, {:<24} {:>10.0} req/s  p99 {}  errors {}  timeouts {}",
                    args.rounds,
                    server.label,
                    run.requests_per_second,
                    format_latency(run.p99_us),
                    run.errors,
                    run.timeouts
                );
                let entry = measured
                    .iter_mut()
                    .find(|m| m.label == server.label && m.connections == connections)
                    .expect("an entry per instance and count");
                entry.runs.push(run);
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
    drop(running);
    drop(scratch);
    let report = Report {
        machine: machine(),
        command: format!(
            "cargo run --release -p course -- {}",
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

/// The instances to measure: the named servers (or every one whose crate
/// exists), each once per `--workers` count if it takes one.
pub fn select(root: &Path, names: &[String], workers: &[u32]) -> Result<Vec<Instance>, String> {
    let known = || {
        SERVERS
            .iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let exists = |server: &Server| root.join(server.dir).join("Cargo.toml").is_file();
    let servers: Vec<Server> = if names.is_empty() {
        SERVERS.iter().copied().filter(exists).collect()
    } else {
        let mut chosen = Vec::new();
        for name in names {
            let server = SERVERS
                .iter()
                .find(|s| s.name == name.trim())
                .ok_or_else(|| format!("no server called {name:?}; the servers are {}", known()))?;
            if !exists(server) {
                return Err(format!(
                    "{} is not there yet: {} has no Cargo.toml",
                    server.name, server.dir
                ));
            }
            chosen.push(*server);
        }
        chosen
    };
    if servers.len() < 2 {
        return Err(format!(
            "nothing to compare: choose at least two servers among {}",
            known()
        ));
    }
    let mut instances = Vec::new();
    for server in servers {
        let fixed: Vec<String> = server.args.iter().map(|a| a.to_string()).collect();
        if server.takes_workers && !workers.is_empty() {
            for count in workers {
                let mut args = fixed.clone();
                args.extend(["--workers".to_string(), count.to_string()]);
                instances.push(Instance {
                    label: format!("{} --workers {count}", server.name),
                    server,
                    args,
                    yardstick: None,
                });
            }
        } else {
            instances.push(Instance {
                label: server.name.to_string(),
                server,
                args: fixed,
                yardstick: None,
            });
        }
    }
    Ok(instances)
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

/// Makes sure `wrk` can be run, or says how to install it.
fn check_wrk() -> Result<(), String> {
    match Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        // wrk prints its version and exits with 1: that it ran is enough.
        Ok(_) => Ok(()),
        Err(e) => Err(format!(
            "cannot run wrk, the load generator ({e}). Install it:\n  \
             Debian, Ubuntu:  sudo apt-get install wrk\n  \
             macOS:           brew install wrk\n  \
             Windows:         run the bench inside WSL, with apt-get as above"
        )),
    }
}

/// Builds every instance's package in release mode; returns each binary's
/// path by name.
fn build(
    cargo: &Cargo,
    instances: &[Instance],
) -> Result<std::collections::HashMap<&'static str, PathBuf>, String> {
    let mut packages: Vec<&str> = instances.iter().map(|i| i.server.package).collect();
    packages.dedup();
    println!(
        "bench: building {} in release mode (optimized: the numbers mean nothing otherwise)",
        packages.join(", ")
    );
    let mut args = vec![
        "build",
        "--release",
        "--message-format=json-render-diagnostics",
    ];
    for package in &packages {
        args.extend(["-p", package]);
    }
    let output = cargo.run(&args)?;
    if !output.success {
        let (errors, _) = compiler_errors(&output.stderr);
        return Err(format!(
            "`cargo {}` failed:\n{errors}\n(measure fewer servers with --servers)",
            args.join(" ")
        ));
    }
    let built = executables(&output.stdout);
    let mut binaries = std::collections::HashMap::new();
    for instance in instances {
        let binary = instance.server.binary;
        let path = built
            .iter()
            .find(|path| path.file_stem().is_some_and(|stem| stem == binary))
            .ok_or_else(|| {
                format!(
                    "cargo built {} but named no binary {binary}",
                    instance.server.package
                )
            })?;
        binaries.insert(binary, path.clone());
    }
    Ok(binaries)
}

/// The `"executable"` paths in cargo's `--message-format=json` output: one
/// per binary built (or found fresh). Read by hand rather than with a JSON
/// crate: this is the one JSON the tool reads, and the field is a plain
/// string.
pub fn executables(json_lines: &str) -> Vec<PathBuf> {
    let key = "\"executable\":\"";
    json_lines
        .lines()
        .filter(|line| line.contains("\"reason\":\"compiler-artifact\""))
        .filter_map(|line| {
            let start = line.find(key)? + key.len();
            let mut path = String::new();
            let mut chars = line[start..].chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => return Some(PathBuf::from(path)),
                    // Windows paths arrive as `C:\\target\\...`.
                    '\\' => path.push(chars.next()?),
                    _ => path.push(c),
                }
            }
            None
        })
        .collect()
}

/// A server process, killed when this is dropped: on success, on an error
/// (`?`), and while a panic unwinds. Ctrl-C needs nothing more: the
/// terminal sends it to the whole foreground process group, the servers
/// and wrk included, on Linux and macOS as on Windows consoles.
struct Running {
    label: String,
    addr: SocketAddr,
    child: Child,
    /// Set once the process is seen to have ended.
    exited: Option<String>,
}

impl Running {
    /// Starts `binary` on a free port and waits (with a deadline) for its
    /// `listening on http://ADDR` line.
    fn start(instance: &Instance, binary: &Path) -> Result<Running, String> {
        let mut command = Command::new(binary);
        command
            .args(["--addr", "127.0.0.1:0"])
            .args(&instance.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            // The servers log every request to stderr; a pipe nobody read
            // would fill and stop them, and reading it would cost the bench
            // CPU the servers need.
            .stderr(Stdio::null());
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut running = Running {
            label: instance.label.clone(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            child,
            exited: None,
        };
        let (sender, receiver) = mpsc::channel();
        // The reader keeps draining stdout after the first line, so a server
        // that prints more never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = parse_listening_line(&line) {
                    let _ = sender.send(addr);
                }
            }
        });
        let by_hand = format!(
            "run it by hand to see its messages: {} --addr 127.0.0.1:0 {}",
            binary.display(),
            instance.args.join(" ")
        );
        match receiver.recv_timeout(STARTUP_DEADLINE) {
            Ok(addr) => {
                running.addr = addr;
                Ok(running)
            }
            Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
                "{} did not print `listening on http://ADDR` within {} s; {by_hand}",
                instance.label,
                STARTUP_DEADLINE.as_secs()
            )),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = running.check_exited().unwrap_or_default();
                Err(format!(
                    "{} stopped before saying where it listens ({status}); {by_hand}",
                    instance.label
                ))
            }
        }
    }

    /// How the process ended, if it has.
    fn check_exited(&mut self) -> Option<String> {
        if self.exited.is_none() {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.exited = Some(status.to_string());
            }
        }
        self.exited.clone()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address in a `listening on http://ADDR` line.
pub fn parse_listening_line(line: &str) -> Option<SocketAddr> {
    line.trim()
        .strip_prefix("listening on http://")?
        .trim_end_matches('/')
        .parse()
        .ok()
}

/// What a server answers `GET /` with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The `Content-Type` value (empty if there was none).
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

/// A temporary folder for the bench's files (the baselines' pages, the
/// servers' data), removed when dropped.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn new() -> Result<Scratch, String> {
        let path = std::env::temp_dir().join(format!("course-bench-{}", std::process::id()));
        std::fs::create_dir_all(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Scratch { path })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// `GET /` on one server, which must answer 200.
fn home_page(server: &Running) -> Result<Page, String> {
    let (status, page) = get_home(server.addr, CHECK_TIMEOUT)
        .map_err(|e| format!("GET / on {} ({}): {e}", server.label, server.addr))?;
    if status != 200 {
        return Err(format!(
            "GET / on {} answered {status}, not 200: there is nothing to compare",
            server.label
        ));
    }
    Ok(page)
}

/// `GET /` on each server, in order.
fn home_pages(running: &[Running]) -> Result<Vec<Page>, String> {
    running.iter().map(home_page).collect()
}

/// The distinct pages, in order of first appearance, each with the indexes
/// of the servers that answer it.
pub fn distinct_pages(pages: &[Page]) -> Vec<(&Page, Vec<usize>)> {
    let mut distinct: Vec<(&Page, Vec<usize>)> = Vec::new();
    for (index, page) in pages.iter().enumerate() {
        match distinct.iter_mut().find(|(seen, _)| *seen == page) {
            Some((_, users)) => users.push(index),
            None => distinct.push((page, vec![index])),
        }
    }
    distinct
}

/// One `GET /` with `Connection: close`, all of it within `timeout`: the
/// status code and the page (its `Content-Length` bytes).
fn get_home(addr: SocketAddr, timeout: Duration) -> Result<(u16, Page), String> {
    let deadline = Instant::now() + timeout;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("cannot send: {e}"))?;
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        if let Some(response) = split_response(&received) {
            return Ok(response);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "no whole response within {} ms",
                timeout.as_millis()
            ));
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| e.to_string())?;
        match stream.read(&mut buffer) {
            Ok(0) => {
                return Err(format!(
                    "closed after {} bytes, before a whole response",
                    received.len()
                ));
            }
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e) => return Err(format!("cannot read the response: {e}")),
        }
    }
}

/// The status and page of a complete response in `bytes`, `None` while it
/// is incomplete. The body is `Content-Length` long (every server here
/// sends one).
fn split_response(bytes: &[u8]) -> Option<(u16, Page)> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&bytes[..end]);
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let header = |wanted: &str| {
        head.lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case(wanted))
            .map(|(_, value)| value.trim().to_string())
    };
    let length: usize = header("content-length")?.parse().ok()?;
    let body = bytes.get(end + 4..end + 4 + length)?;
    let page = Page {
        content_type: header("content-type").unwrap_or_default(),
        body: body.to_vec(),
    };
    Some((status, page))
}

/// One wrk run: keep-alive connections on `GET /` for `duration` seconds.
fn run_wrk(addr: SocketAddr, connections: u32, duration: u32) -> Result<WrkRun, String> {
    let threads = connections.min(2);
    let mut child = Command::new("wrk")
        .arg("--latency")
        .arg(format!("--timeout={}s", WRK_TIMEOUT.as_secs()))
        .arg(format!("--threads={threads}"))
        .arg(format!("--connections={connections}"))
        .arg(format!("--duration={duration}s"))
        .arg(format!("http://{addr}/"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    // wrk stops by itself after `duration`; the deadline is for a wrk that
    // hangs, so the bench stays bounded in time whatever happens.
    let started = Instant::now();
    let deadline = started + Duration::from_secs(u64::from(duration) + 30);
    let half_way = Duration::from_secs(u64::from(duration)) / 2;
    std::thread::sleep(half_way);
    let newcomer = visit_as_newcomer(addr, WRK_TIMEOUT.min(half_way));
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "wrk did not finish within {duration} s + 30 s; stopped it"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = reader.join().unwrap_or_default();
    let mut errors = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut errors);
    }
    if !status.success() {
        return Err(format!(
            "wrk failed ({status}): {}{}",
            errors.trim(),
            text.trim()
        ));
    }
    let mut run = parse_wrk(&text).ok_or_else(|| format!("cannot read wrk's report:\n{text}"))?;
    run.newcomer = Some(newcomer);
    Ok(run)
}

/// A new client's visit while the server is under load: does it get an
/// answer, which one, and how soon? A thread pool whose workers are all
/// held by keep-alive connections has none to give it.
fn visit_as_newcomer(addr: SocketAddr, timeout: Duration) -> Newcomer {
    let started = Instant::now();
    match get_home(addr, timeout) {
        Ok((status, _)) => Newcomer::Answered {
            status,
            us: started.elapsed().as_secs_f64() * 1e6,
        },
        Err(_) => Newcomer::NoAnswer,
    }
}

/// Reads wrk's report (run with `--latency`); `None` if `Requests/sec` or
/// the latency distribution is missing.
pub fn parse_wrk(text: &str) -> Option<WrkRun> {
    let mut run = WrkRun::default();
    let (mut rate, mut p50, mut p99) = (None, None, None);
    for line in text.lines().map(str::trim) {
        if let Some(value) = line.strip_prefix("Requests/sec:") {
            rate = value.trim().parse().ok();
        } else if let Some(value) = line.strip_prefix("50%") {
            p50 = parse_duration_us(value.trim());
        } else if let Some(value) = line.strip_prefix("99%") {
            p99 = parse_duration_us(value.trim());
        } else if let Some(counts) = line.strip_prefix("Socket errors:") {
            // `connect 0, read 12, write 0, timeout 34`
            for part in counts.split(',') {
                let (kind, count) = part.trim().split_once(' ')?;
                let count: u64 = count.trim().parse().ok()?;
                match kind {
                    "timeout" => run.timeouts += count,
                    _ => run.errors += count,
                }
            }
        } else if let Some(count) = line.strip_prefix("Non-2xx or 3xx responses:") {
            run.errors += count.trim().parse::<u64>().ok()?;
        }
    }
    run.requests_per_second = rate?;
    run.p50_us = p50?;
    run.p99_us = p99?;
    Some(run)
}

/// A wrk duration (`77.00us`, `1.25ms`, `2.00s`, `1.00m`) in microseconds.
pub fn parse_duration_us(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit {
        "us" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        "m" => 60e6,
        "h" => 3600e6,
        _ => return None,
    };
    Some(number * scale)
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

/// The report: how it was measured, the table, the targets, and notes.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Machine: {}\n\nCommand: `{}`\n\nEach cell is the median of {} runs of {} s with wrk (keep-alive, \
         GET /, threads = min(2, connections)), the servers measured in turn. \
         Vs baseline: the requests per second as a fraction of a bare axum server's \
         answering GET / with the same bytes. \
         Errors are wrk's socket errors and non-2xx answers; timeouts are answers \
         that came after 2 s (wrk never counts a request that got no answer at all); both \
         are totals over the runs. New client: what a fresh connection, opened half-way \
         through a run, got and how soon (the worst of the rounds): a server whose workers \
         are all held by keep-alive connections starves it.\n\n",
        report.machine, report.command, report.rounds, report.duration
    ));
    out.push_str(
        "| server | connections | req/s | vs baseline | p50 | p99 | errors | timeouts | new client |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    let summary = |label: &str, connections: u32| {
        let measured = report
            .measured
            .iter()
            .find(|m| m.label == label && m.connections == connections)?;
        let field =
            |get: fn(&WrkRun) -> f64| median(&measured.runs.iter().map(get).collect::<Vec<_>>());
        Some((
            field(|r| r.requests_per_second)?,
            field(|r| r.p50_us)?,
            field(|r| r.p99_us)?,
            measured.runs.iter().map(|r| r.errors).sum::<u64>(),
            measured.runs.iter().map(|r| r.timeouts).sum::<u64>(),
            measured
                .runs
                .iter()
                .filter_map(|r| r.newcomer)
                .max_by(|a, b| {
                    let (a, b) = (a.badness(), b.badness());
                    a.0.cmp(&b.0).then(a.1.total_cmp(&b.1))
                }),
        ))
    };
    let mut counts: Vec<u32> = report.measured.iter().map(|m| m.connections).collect();
    counts.sort_unstable();
    counts.dedup();
    let ratio = |instance: &Instance, connections: u32| {
        let (rate, ..) = summary(&instance.label, connections)?;
        let (baseline, ..) = summary(instance.yardstick.as_deref()?, connections)?;
        (baseline > 0.0).then(|| rate / baseline)
    };
    for instance in &report.instances {
        for &connections in &counts {
            let label = &instance.label;
            let Some((rate, p50, p99, errors, timeouts, newcomer)) = summary(label, connections)
            else {
                out.push_str(&format!(
                    "| {label} | {connections} | not measured | | | | | | |\n"
                ));
                continue;
            };
            let versus = match ratio(instance, connections) {
                Some(r) => format!("{r:.2}x"),
                None => String::new(),
            };
            out.push_str(&format!(
                "| {label} | {connections} | {} | {versus} | {} | {} | {errors} | {timeouts} | {} |\n",
                format_rate(rate),
                format_latency(p50),
                format_latency(p99),
                newcomer.map(Newcomer::describe).unwrap_or_default(),
            ));
        }
    }
    let targets: Vec<String> = report
        .instances
        .iter()
        .filter_map(|instance| {
            let target = instance.server.target?;
            Some(match ratio(instance, TARGET_CONNECTIONS) {
                Some(r) => format!(
                    "- {}: {r:.2}x axum at {TARGET_CONNECTIONS} connections; target {target:.2}x: {}",
                    instance.label,
                    if r >= target { "reached" } else { "NOT reached" }
                ),
                None => format!(
                    "- {}: target {target:.2}x the baseline at {TARGET_CONNECTIONS} connections: not measured \
                     (add {TARGET_CONNECTIONS} to --connections, and the baseline to --servers)",
                    instance.label
                ),
            })
        })
        .collect();
    if !targets.is_empty() {
        out.push_str("\nTargets (the issues' \"speed to reach\"):\n\n");
        for line in targets {
            out.push_str(&line);
            out.push('\n');
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
    use super::*;

    /// wrk 4.1's report of a run that lost some requests.
    const WRK: &str = "Running 5s test @ http://127.0.0.1:18002/
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    69.86us   48.54us   4.07ms   79.78%
    Req/Sec    14.23k     8.26k   48.56k    93.55%
  Latency Distribution
     50%   77.00us
     75%   84.00us
     90%   92.00us
     99%    1.40ms
  43867 requests in 3.10s, 30.54MB read
  Socket errors: connect 0, read 12, write 1, timeout 34
  Non-2xx or 3xx responses: 3
Requests/sec:  14151.63
Transfer/sec:      9.85MB
";

    #[test]
    fn reads_wrk_s_report() {
        let run = parse_wrk(WRK).unwrap();
        assert_eq!(
            run,
            WrkRun {
                requests_per_second: 14151.63,
                p50_us: 77.0,
                p99_us: 1400.0,
                errors: 16,
                timeouts: 34,
                newcomer: None,
            }
        );
        let clean = WRK.replace(
            "  Socket errors: connect 0, read 12, write 1, timeout 34\n",
            "",
        );
        let clean = clean.replace("  Non-2xx or 3xx responses: 3\n", "");
        assert_eq!(parse_wrk(&clean).unwrap().errors, 0);
        assert_eq!(parse_wrk(&clean).unwrap().timeouts, 0);
        assert_eq!(parse_wrk("unable to connect to 127.0.0.1:1"), None);
    }

    #[test]
    fn reads_wrk_s_durations() {
        assert_eq!(parse_duration_us("77.00us"), Some(77.0));
        assert_eq!(parse_duration_us("1.25ms"), Some(1250.0));
        assert_eq!(parse_duration_us("2.00s"), Some(2_000_000.0));
        assert_eq!(parse_duration_us("1.00m"), Some(60_000_000.0));
        assert_eq!(parse_duration_us("12"), None);
        assert_eq!(parse_duration_us("1.0parsecs"), None);
    }

    #[test]
    fn takes_the_median() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[9.0, 1.0, 5.0]), Some(5.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn reads_the_listening_line() {
        assert_eq!(
            parse_listening_line("listening on http://127.0.0.1:4321"),
            Some(SocketAddr::from(([127, 0, 0, 1], 4321)))
        );
        assert_eq!(
            parse_listening_line("listening on http://[::1]:80/\r\n"),
            "[::1]:80".parse().ok()
        );
        assert_eq!(parse_listening_line("listening on tcp://127.0.0.1:1"), None);
        assert_eq!(
            parse_listening_line("127.0.0.1:4321 \"GET / HTTP/1.1\" 200"),
            None
        );
    }

    #[test]
    fn finds_the_built_executables() {
        let json = r#"{"reason":"compiler-artifact","package_id":"x","target":{"name":"chapter03"},"executable":null,"fresh":true}
{"reason":"compiler-artifact","target":{"name":"baseline"},"executable":"/work/target/release/baseline","fresh":false}
{"reason":"compiler-artifact","target":{"name":"chapter03-solution"},"executable":"C:\\target\\release\\chapter03-solution.exe","fresh":true}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            executables(json),
            [
                PathBuf::from("/work/target/release/baseline"),
                PathBuf::from("C:\\target\\release\\chapter03-solution.exe"),
            ]
        );
    }

    #[test]
    fn splits_a_response() {
        let response =
            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nContent-Type: text/plain\r\n\r\nhello";
        let page = Page {
            content_type: "text/plain".into(),
            body: b"hello".to_vec(),
        };
        assert_eq!(split_response(response), Some((200, page)));
        assert_eq!(split_response(&response[..response.len() - 1]), None);
        assert_eq!(split_response(b"HTTP/1.1 200 OK\r\n"), None);
    }

    #[test]
    fn groups_servers_by_the_page_they_serve() {
        let page = |body: &str| Page {
            content_type: "text/html".into(),
            body: body.as_bytes().to_vec(),
        };
        let pages = [page("site"), page("app"), page("site")];
        let distinct = distinct_pages(&pages);
        assert_eq!(distinct.len(), 2);
        assert_eq!((distinct[0].0, &distinct[0].1), (&pages[0], &vec![0, 2]));
        assert_eq!((distinct[1].0, &distinct[1].1), (&pages[1], &vec![1]));
    }

    #[test]
    fn selects_servers_that_exist() {
        let root = std::env::temp_dir().join(format!("course-bench-select-{}", std::process::id()));
        for dir in [
            "solutions/03-http-parser",
            "solutions/05-threads",
            "tests/baseline",
        ] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
            std::fs::write(root.join(dir).join("Cargo.toml"), "").unwrap();
        }
        let labels = |names: &[&str], workers: &[u32]| {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            select(&root, &names, workers)
                .map(|i| i.into_iter().map(|i| i.label).collect::<Vec<_>>())
        };
        assert_eq!(
            labels(&[], &[]).unwrap(),
            ["chapter03", "chapter05", "baseline"]
        );
        assert_eq!(
            labels(&["chapter05", "baseline"], &[4, 64]).unwrap(),
            [
                "chapter05 --workers 4",
                "chapter05 --workers 64",
                "baseline"
            ]
        );
        assert!(
            labels(&["chapter99"], &[])
                .unwrap_err()
                .contains("chapter03, chapter05")
        );
        assert!(
            labels(&["baseline"], &[])
                .unwrap_err()
                .contains("at least two")
        );
        std::fs::remove_dir_all(root.join("solutions/05-threads")).unwrap();
        assert_eq!(labels(&[], &[]).unwrap(), ["chapter03", "baseline"]);
        assert!(
            labels(&["chapter05", "baseline"], &[])
                .unwrap_err()
                .contains("not there yet")
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn renders_the_table_and_the_targets() {
        let answered = |us: f64| Some(Newcomer::Answered { status: 200, us });
        let run = |rate: f64, p99_us: f64, timeouts: u64, newcomer: Option<Newcomer>| WrkRun {
            requests_per_second: rate,
            p50_us: 100.0,
            p99_us,
            errors: 0,
            timeouts,
            newcomer,
        };
        let server = |name: &str| *SERVERS.iter().find(|s| s.name == name).unwrap();
        let (chapter05, baseline) = (server("chapter05"), server(BASELINE));
        let report = Report {
            machine: "2 CPUs, Test CPU, linux".into(),
            command: "cargo run --release -p course -- bench".into(),
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
                    connections: 64,
                    runs: vec![
                        run(60_000.0, 900.0, 1, answered(900.0)),
                        run(50_000.0, 2000.0, 2, Some(Newcomer::NoAnswer)),
                        run(70_000.0, 100.0, 0, answered(100.0)),
                    ],
                },
                Measured {
                    label: "baseline".into(),
                    connections: 64,
                    runs: vec![run(100_000.0, 400.0, 0, answered(300.0))],
                },
            ],
            notes: vec!["chapter05 exited".into()],
        };
        let text = render(&report);
        assert!(text.starts_with("Machine: 2 CPUs, Test CPU, linux\n"));
        assert!(
            text.contains(
                "| chapter05 | 64 | 60,000 | 0.60x | 0.10 ms | 0.90 ms | 0 | 3 | none in 2 s |\n\
             | baseline | 64 | 100,000 | 1.00x | 0.10 ms | 0.40 ms | 0 | 0 | 200 in 0.30 ms |\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("- chapter05: 0.60x axum at 64 connections; target 0.90x: NOT reached\n"),
            "{text}"
        );
        assert!(text.ends_with("Notes:\n\n- chapter05 exited\n"), "{text}");
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
        assert_eq!(Newcomer::NoAnswer.describe(), "none in 2 s");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(format_rate(0.4), "0");
        assert_eq!(format_rate(999.6), "1,000");
        assert_eq!(format_rate(174374.23), "174,374");
        assert_eq!(format_rate(1_234_567.0), "1,234,567");
    }
}
