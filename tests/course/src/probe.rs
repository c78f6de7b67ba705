//! `course probe`: runs one of the harness's black-box suites against any
//! running server, the way a conformance tester does.
//!
//! The checks live in the harness (`harness::suite`), because the stage
//! tests run them too; this module only finds the server, runs each check
//! and prints a line per check as it goes, so a slow or hanging check is
//! visible while it runs.

use std::io::Write;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};

use harness::suite::{self, Suite, Target};

/// How many checks passed and failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Checks that passed.
    pub passed: usize,
    /// Checks that failed.
    pub failed: usize,
}

/// Runs the suite named `suite_name` against the server at `addr`, writing
/// one line per check to `out`, then the summary. `Err` when there is no
/// such suite or no server at that address: then no check ran.
pub fn probe(addr: &str, suite_name: &str, out: &mut dyn Write) -> Result<Tally, String> {
    let suite = find_suite(suite_name)?;
    let addr = resolve(addr)?;
    // One connection first, so "nothing is listening" is one clear sentence
    // instead of every check failing the same way.
    match TcpStream::connect_timeout(&addr, harness::TIMEOUT) {
        Ok(connection) => drop(connection),
        Err(e) => {
            return Err(format!(
                "cannot connect to {addr} ({e}): is the server running? Start it in another terminal, \
                 for example chapter 3's with `cargo run -p chapter03-solution -- --addr {addr}` \
                 (yours: `cargo run -p chapter03 -- --addr {addr}`), then probe again"
            ));
        }
    }
    let write_error = |e: std::io::Error| format!("cannot write the report: {e}");
    writeln!(
        out,
        "probing {addr} with the `{}` suite ({} checks): {}\n",
        suite.name,
        suite.checks.len(),
        suite.description
    )
    .map_err(write_error)?;
    let width = suite.checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let target = Target::at(addr);
    let mut tally = Tally {
        passed: 0,
        failed: 0,
    };
    for check in suite.checks {
        let result = check.run(&target);
        let verdict = if result.is_ok() { "ok" } else { "FAIL" };
        writeln!(
            out,
            "{verdict:<6}{:<width$}  {}",
            check.name, check.description
        )
        .map_err(write_error)?;
        match result {
            Ok(()) => tally.passed += 1,
            Err(failure) => {
                tally.failed += 1;
                for line in failure.message().lines() {
                    writeln!(out, "      {line}").map_err(write_error)?;
                }
            }
        }
        out.flush().map_err(write_error)?;
    }
    writeln!(out, "\n{} passed, {} failed", tally.passed, tally.failed).map_err(write_error)?;
    Ok(tally)
}

/// The suite with this name, or an error that lists the suites there are.
fn find_suite(name: &str) -> Result<&'static Suite, String> {
    suite::named(name).ok_or_else(|| {
        let known: Vec<String> = suite::SUITES
            .iter()
            .map(|s| format!("  {:<8}{}", s.name, s.description))
            .collect();
        format!(
            "there is no suite named {name:?}; the suites are:\n{}",
            known.join("\n")
        )
    })
}

/// `HOST:PORT` as a socket address (`localhost:7878` works too).
fn resolve(addr: &str) -> Result<SocketAddr, String> {
    let not_an_address = |why: String| {
        format!("{addr:?} is not an address ({why}): write HOST:PORT, for example 127.0.0.1:7878")
    };
    addr.to_socket_addrs()
        .map_err(|e| not_an_address(e.to_string()))?
        .next()
        .ok_or_else(|| not_an_address("it names no address".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;
    use std::thread;
    use std::time::Duration;

    /// A server that answers every connection with the same `200` and
    /// closes it, whatever was asked: right about `GET /`, wrong about
    /// nearly everything else. Returns its address.
    fn start_fixed_answer_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        // The thread ends with the test process.
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                // Read the request head (or what comes of it), so the close
                // does not reset the connection before the answer is read.
                let mut received = Vec::new();
                let mut chunk = [0; 4096];
                while !received.windows(4).any(|w| w == b"\r\n\r\n") && received.len() < 1 << 20 {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => received.extend_from_slice(&chunk[..n]),
                    }
                }
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
            }
        });
        addr
    }

    #[test]
    fn reports_each_check_and_a_summary() {
        let addr = start_fixed_answer_server();
        let mut out = Vec::new();
        let tally = probe(&addr.to_string(), "http", &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let checks = suite::named("http").unwrap().checks.len();
        assert!(
            text.starts_with(&format!(
                "probing {addr} with the `http` suite ({checks} checks): "
            )),
            "{text}"
        );
        assert!(
            text.contains(
                "\nok    get-root                     GET / gets 200 with an exact Content-Length\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("\nFAIL  not-found                    an unknown path gets 404\n      exercise 3.7 (Write a response): expected status 404, got 200\n"),
            "{text}"
        );
        assert!(text.contains("\nFAIL  keep-alive "), "{text}");
        // Each failure ends with the book section to read.
        assert!(
            text.contains("\n        read:     book/src/ch03-http-parser.md#exercise-36-"),
            "{text}"
        );
        assert_eq!(tally.passed + tally.failed, checks);
        assert!(tally.failed > tally.passed, "{tally:?}");
        assert!(
            text.ends_with(&format!(
                "\n\n{} passed, {} failed\n",
                tally.passed, tally.failed
            )),
            "{text}"
        );
    }

    /// The suite assumes nothing a conforming server does not do: chapter
    /// 3's reference solution passes every check.
    #[test]
    fn chapter_3s_solution_passes_the_http_suite() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = chapter03::Shutdown::new(&listener).unwrap();
        let stop = shutdown.clone();
        let server = thread::spawn(move || chapter03::serve(listener, shutdown));
        let mut out = Vec::new();
        let tally = probe(&addr.to_string(), "http", &mut out);
        stop.trigger();
        let text = String::from_utf8(out).unwrap();
        let checks = suite::named("http").unwrap().checks.len();
        assert_eq!(
            tally,
            Ok(Tally {
                passed: checks,
                failed: 0
            }),
            "{text}"
        );
        server.join().unwrap().unwrap();
    }

    /// The way chapter 3's stage tests run the suite: through a
    /// `TestServer`, exercise by exercise.
    #[test]
    fn chapter_3s_solution_passes_each_exercise_in_a_test_server() {
        let listener = harness::bind_local();
        let shutdown = chapter03::Shutdown::new(&listener).unwrap();
        let stop = shutdown.clone();
        let server = harness::TestServer::spawn(
            listener,
            move |listener| chapter03::serve(listener, shutdown),
            move || stop.trigger(),
        );
        for exercise in [
            "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.9", "3.10",
        ] {
            suite::check_exercise(&server, "http", exercise);
        }
    }

    /// The `app` suite runs through the same generic probe: against a
    /// server that answers everything with `200 hi`, every check runs and
    /// the failures point at chapter 6.
    #[test]
    fn probes_the_app_suite_by_name() {
        let addr = start_fixed_answer_server();
        let mut out = Vec::new();
        let tally = probe(&addr.to_string(), "app", &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let checks = suite::named("app").unwrap().checks.len();
        assert!(
            text.starts_with(&format!(
                "probing {addr} with the `app` suite ({checks} checks): "
            )),
            "{text}"
        );
        assert!(
            text.contains("\nFAIL  not-found ")
                && text
                    .contains("exercise 6.2 (Dispatch, 404 and 405): expected status 404, got 200"),
            "{text}"
        );
        assert!(
            text.contains("\n        read:     book/src/ch06-framework.md#exercise-65-"),
            "{text}"
        );
        assert_eq!(tally.passed + tally.failed, checks);
        assert!(tally.failed > tally.passed, "{tally:?}");
    }

    #[test]
    fn an_unknown_suite_lists_the_suites() {
        let error = probe("127.0.0.1:7878", "htp", &mut Vec::new()).unwrap_err();
        assert!(
            error.starts_with(
                "there is no suite named \"htp\"; the suites are:\n  http    HTTP/1.1"
            ),
            "{error}"
        );
        assert!(
            error.contains("\n  app     the app of chapters 6 and 8"),
            "{error}"
        );
    }

    #[test]
    fn no_server_is_one_clear_sentence() {
        // Bound and dropped: nothing listens there now.
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let error = probe(&addr.to_string(), "http", &mut Vec::new()).unwrap_err();
        assert!(
            error.starts_with(&format!("cannot connect to {addr} (")),
            "{error}"
        );
        assert!(error.contains("is the server running?"), "{error}");
        assert!(
            error.contains(&format!(
                "`cargo run -p chapter03-solution -- --addr {addr}`"
            )),
            "{error}"
        );

        let error = probe("no port here", "http", &mut Vec::new()).unwrap_err();
        assert!(error.contains("write HOST:PORT"), "{error}");
    }
}
