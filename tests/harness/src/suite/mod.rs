//! Black-box conformance suites: checks that talk to a server only through
//! its socket, so they hold for any server, in any language.
//!
//! A stage test of chapter 3 may call the chapter's functions directly: it
//! knows the crate. A *black-box* suite knows nothing but an address. It
//! sends bytes, reads bytes, and compares them with what the protocol says
//! any conforming server must answer. That is how conformance testers for
//! real protocols work, and it is what makes a suite reusable: the same
//! `http` suite checks the chapter 3 parser, the chapter 4 file server, a
//! learner's own server, or one written in Go, with no change.
//!
//! The price of reuse is modesty. A check may assume only what every server
//! it will meet must do, so the `http` suite assumes just two things about
//! the site: `GET /` answers `200`, and a path nobody would choose answers
//! `404`. Everything else it checks is the protocol itself (RFC 9112 and
//! RFC 9110, as the book's chapter 3 states them for this course):
//! which status a malformed request gets, that the connection is closed
//! after it, that the server lives on, how keep-alive and pipelining work.
//!
//! The suites:
//!
//! - [`http`]: HTTP/1.1 itself, as chapter 3's parser speaks it.
//! - [`app`]: the app of chapter 6 (and of chapter 8's axum rewrite):
//!   its pages, `/time`, `/hello/{name}`, the guestbook and its static
//!   files, exactly as the book's chapter 6 states them.
//!
//! The parts:
//!
//! - A [`Suite`] is a named list of [`Check`]s. Each check has a kebab-case
//!   name, the exercise that teaches the behaviour (so a failure points at
//!   the book section), a one-line description, and a function.
//! - A [`Target`] is where the checks connect: a bare address (for
//!   `course probe`), or a [`TestServer`] (in a stage test), in which case a
//!   broken connection is explained by the server's panic, such as a
//!   starter's `todo!()`.
//! - A check returns `Result<(), Failure>` instead of panicking, so a
//!   runner can run them all and report every failure, and `course probe`
//!   can print them without a test harness.
//! - [`check_exercise`] is what a stage test calls: every check of one
//!   exercise, one failed test listing each failing check.
//!
//! Chapter 3's server serves one connection at a time, and a kept-alive
//! connection holds it until the client closes. So every check closes (drops)
//! all its connections before it returns, and never holds two open at once.

pub mod app;
pub mod http;

use std::net::SocketAddr;
use std::sync::Arc;

use crate::client::Client;
use crate::failure::Failure;
use crate::http::Response;
use crate::manifest::{Exercise, exercise};
use crate::server::{Outcome, ServerState, TestServer};

/// A named list of black-box checks.
#[derive(Debug)]
pub struct Suite {
    /// The name `course probe` and [`check_exercise`] take: `http`.
    pub name: &'static str,
    /// One line on what the suite checks.
    pub description: &'static str,
    /// The checks, in the order they run: simple ones first, so that the
    /// first failure is usually the most basic one.
    pub checks: &'static [Check],
}

/// One behaviour a server must have, checked over the network.
pub struct Check {
    /// A short kebab-case name: `keep-alive`.
    pub name: &'static str,
    /// The exercise that teaches this behaviour (`"3.6"`): failures point at
    /// its book section.
    pub exercise_id: &'static str,
    /// One line: what the check sends and expects.
    pub description: &'static str,
    /// Talks to the server; `Err` explains what went wrong.
    pub(crate) function: fn(&Target, Exercise) -> Result<(), Failure>,
}

impl Check {
    /// A row of a suite's table.
    pub const fn new(
        name: &'static str,
        exercise_id: &'static str,
        description: &'static str,
        function: fn(&Target, Exercise) -> Result<(), Failure>,
    ) -> Check {
        Check {
            name,
            exercise_id,
            description,
            function,
        }
    }
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check")
            .field("name", &self.name)
            .field("exercise_id", &self.exercise_id)
            .finish_non_exhaustive()
    }
}

impl Check {
    /// The exercise this check belongs to, from `course.toml`.
    pub fn exercise(&self) -> Exercise {
        exercise(self.exercise_id)
    }

    /// Runs the check against `target`. Every connection it opened is
    /// closed when it returns, whatever the result.
    pub fn run(&self, target: &Target) -> Result<(), Failure> {
        (self.function)(target, self.exercise())
    }
}

impl Suite {
    /// The check with this name.
    pub fn check(&self, name: &str) -> Option<&'static Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// The checks that belong to one exercise, in order.
    /// The exercises the checks belong to, each once, in the table's order.
    pub fn exercise_ids(&self) -> Vec<&'static str> {
        let mut ids: Vec<&'static str> = Vec::new();
        for check in self.checks {
            if !ids.contains(&check.exercise_id) {
                ids.push(check.exercise_id);
            }
        }
        ids
    }

    pub fn checks_of(&self, exercise_id: &str) -> Vec<&'static Check> {
        self.checks
            .iter()
            .filter(|c| c.exercise_id == exercise_id)
            .collect()
    }
}

/// Every suite, in the order `course probe` lists them.
pub const SUITES: &[&Suite] = &[&http::SUITE, &app::SUITE];

/// The suite with this name.
pub fn named(name: &str) -> Option<&'static Suite> {
    SUITES.iter().copied().find(|s| s.name == name)
}

/// The names of every suite.
pub fn names() -> Vec<&'static str> {
    SUITES.iter().map(|s| s.name).collect()
}

/// Where a suite's checks connect.
#[derive(Debug, Clone)]
pub struct Target {
    addr: SocketAddr,
    /// The server thread, when a test started it: its panic explains a
    /// broken connection better than the broken connection does.
    server: Option<Arc<ServerState>>,
}

impl Target {
    /// Any server listening at `addr`, started by anyone, in any language.
    pub fn at(addr: SocketAddr) -> Target {
        Target { addr, server: None }
    }

    /// The server a test started.
    pub fn of(server: &TestServer) -> Target {
        Target {
            addr: server.addr(),
            server: Some(Arc::clone(server.state())),
        }
    }

    /// The address the checks connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A new connection, its failures reported against `exercise`.
    pub fn connect(&self, exercise: Exercise) -> Result<Client, Failure> {
        Client::try_connect_to(self.addr, exercise, self.server.clone())
    }

    /// When the test's server has stopped (panicked or returned), a sentence
    /// saying how; `None` while it runs, or when the test did not start it.
    pub fn server_stopped(&self) -> Option<String> {
        match self.server.as_ref()?.outcome() {
            Outcome::Running => None,
            Outcome::Returned => Some("the server's serve function returned".to_string()),
            Outcome::Failed(e) => Some(format!(
                "the server's serve function returned an error: {e}"
            )),
            Outcome::Panicked(m) => Some(format!("the server panicked: {m}")),
        }
    }
}

/// Runs every check of `suite` that belongs to `exercise_id` against the
/// test's server, and fails the test if any fails, with one message that
/// names each failing check and says why.
///
/// ```text
/// let server = start();
/// harness::suite::check_exercise(&server, "http", "3.1");
/// ```
///
/// Panics (failing the test) also when the suite does not exist or has no
/// check for that exercise: that is a mistake in the test.
#[track_caller]
pub fn check_exercise(server: &TestServer, suite: &str, exercise_id: &str) {
    let Some(found) = named(suite) else {
        panic!(
            "there is no black-box suite named {suite:?}; the suites are: {}",
            names().join(", ")
        );
    };
    if let Err(message) = run_exercise(&Target::of(server), found, exercise_id) {
        panic!("\n{message}\n");
    }
}

/// Runs every check of `suite`, exercise by exercise, for a later
/// chapter's server that must keep every promise of the chapter the suite
/// checks. `Err` with the report of each exercise that failed.
pub fn run_suite(target: &Target, suite: &Suite) -> Result<(), String> {
    let failures: Vec<String> = suite
        .exercise_ids()
        .into_iter()
        .filter_map(|id| run_exercise(target, suite, id).err())
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

/// Runs every check of `suite` that belongs to `exercise_id`, all of them
/// even when some fail. `Ok` with the number of checks that passed, or
/// `Err` with the report of the failures (what [`check_exercise`] panics
/// with).
pub fn run_exercise(target: &Target, suite: &Suite, exercise_id: &str) -> Result<usize, String> {
    let checks = suite.checks_of(exercise_id);
    if checks.is_empty() {
        panic!(
            "the {:?} suite has no check for exercise {exercise_id:?}: the test names a wrong exercise",
            suite.name
        );
    }
    let mut failures: Vec<(&Check, Failure)> = Vec::new();
    let mut not_run: Vec<&Check> = Vec::new();
    let mut server_stopped = false;
    for check in &checks {
        if server_stopped {
            not_run.push(check);
            continue;
        }
        if let Err(failure) = check.run(target) {
            failures.push((check, failure));
            // A dead server fails every later check the same way: say it
            // once instead of repeating the panic for each of them.
            server_stopped = target.server_stopped().is_some();
        }
    }
    if failures.is_empty() {
        return Ok(checks.len());
    }
    Err(report(
        suite,
        exercise_id,
        checks.len(),
        &failures,
        &not_run,
    ))
}

/// The text of a failed [`run_exercise`]: a summary line, then each failing
/// check's name, description and message, then the checks that did not
/// run because the server had stopped.
fn report(
    suite: &Suite,
    exercise_id: &str,
    total: usize,
    failures: &[(&Check, Failure)],
    not_run: &[&Check],
) -> String {
    let names: Vec<&str> = failures.iter().map(|(c, _)| c.name).collect();
    let mut text = format!(
        "{} of {total} checks of the `{}` suite for exercise {exercise_id} failed: {}\n",
        failures.len(),
        suite.name,
        names.join(", ")
    );
    for (check, failure) in failures {
        text.push_str(&format!(
            "\n[{}] {}\n{}\n",
            check.name,
            check.description,
            failure.message()
        ));
    }
    if !not_run.is_empty() {
        let names: Vec<&str> = not_run.iter().map(|c| c.name).collect();
        text.push_str(&format!(
            "\nnot run, because the server stopped (see above): {}\n",
            names.join(", ")
        ));
    }
    text.push_str(&format!(
        "\nTo run these checks against your server by hand, start it and run\n  cargo course probe --addr 127.0.0.1:7878 {}",
        suite.name
    ));
    text
}

/// Sends `request` on a new connection of `target` and reads one
/// response; the suites' one way to ask a single question.
fn exchange(target: &Target, ex: Exercise, request: &[u8]) -> Result<(Client, Response), Failure> {
    let mut client = target.connect(ex)?;
    client.try_send(request)?;
    let response = client.try_read_response()?;
    Ok((client, response))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::thread;

    #[test]
    fn suites_are_found_by_name() {
        assert_eq!(names(), ["http", "app"]);
        assert_eq!(named("http").map(|s| s.name), Some("http"));
        assert_eq!(named("app").map(|s| s.name), Some("app"));
        assert!(named("nope").is_none());
    }

    #[test]
    fn every_check_is_named_and_belongs_to_a_real_exercise() {
        for suite in SUITES {
            let mut seen = std::collections::BTreeSet::new();
            for check in suite.checks {
                let kebab = check
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                assert!(kebab && !check.name.starts_with('-'), "{check:?}");
                assert!(seen.insert(check.name), "two checks named {}", check.name);
                assert!(!check.description.is_empty(), "{check:?}");
                // Panics when course.toml has no such exercise.
                let _ = check.exercise();
                assert_eq!(suite.check(check.name).map(|c| c.name), Some(check.name));
            }
        }
    }

    /// A server that reads whatever comes, answers every connection with
    /// the same `200` and closes: wrong about almost everything.
    fn fixed_answer_server(listener: TcpListener) -> std::io::Result<()> {
        for stream in listener.incoming() {
            let mut stream = stream?;
            stream.set_read_timeout(Some(std::time::Duration::from_millis(200)))?;
            let mut buffer = [0; 1024];
            let _ = stream.read(&mut buffer);
            if buffer.starts_with(b"STOP") {
                return Ok(());
            }
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
        }
        Ok(())
    }

    fn start(run: fn(TcpListener) -> std::io::Result<()>) -> TestServer {
        let listener = crate::bind_local();
        let addr = listener.local_addr().unwrap();
        TestServer::spawn(listener, run, move || {
            if let Ok(mut s) = std::net::TcpStream::connect(addr) {
                let _ = s.write_all(b"STOP");
            }
        })
    }

    #[test]
    fn a_wrong_server_gets_a_report_naming_each_failing_check() {
        let server = start(fixed_answer_server);
        let suite = named("http").unwrap();
        let report = run_exercise(&Target::of(&server), suite, "3.2").unwrap_err();
        assert!(
            report.contains("checks of the `http` suite for exercise 3.2 failed: bad-request-line"),
            "{report}"
        );
        assert!(report.contains("\n[unknown-version] "), "{report}");
        assert!(
            report.contains("exercise 3.2 (Split the request line): "),
            "{report}"
        );
        assert!(report.contains("cargo course probe --addr"), "{report}");
    }

    #[test]
    fn a_server_that_panics_is_named_as_the_cause() {
        fn panicking_server(listener: TcpListener) -> std::io::Result<()> {
            let _client = listener.accept()?;
            todo!("exercise 3.1: Find the request line (read the book)")
        }
        let server = start(panicking_server);
        let suite = named("http").unwrap();
        let report = run_exercise(&Target::of(&server), suite, "3.1").unwrap_err();
        assert!(
            report.contains("the server panicked: not yet implemented: exercise 3.1"),
            "{report}"
        );
        // Once the server is gone, the other checks are listed, not run.
        assert!(
            report.contains("\nnot run, because the server stopped (see above): "),
            "{report}"
        );
        // The TestServer's drop would report the panic again: it is expected here.
        std::mem::forget(server);
    }

    #[test]
    fn a_check_against_an_address_returns_its_failure() {
        let listener = crate::bind_local();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || fixed_answer_server(listener));
        let check = named("http").unwrap().check("not-found").unwrap();
        let failure = check.run(&Target::at(addr)).unwrap_err();
        let text = failure.message();
        assert!(text.starts_with("exercise 3.7 ("), "{text}");
        assert!(text.contains("404"), "{text}");
        let _ = std::net::TcpStream::connect(addr).map(|mut s| s.write_all(b"STOP"));
    }
}
