//! The stage-test harness: everything a chapter's tests need to drive a real
//! server over real sockets, and to explain a failure to the learner.
//!
//! - [`manifest`] looks an exercise up in `course.toml` (title, book section),
//!   so a failure names the page to read without repeating it in every test.
//! - [`server`] starts a chapter's `serve` function on `127.0.0.1:0` in a
//!   thread, notices at once when it panics (a `todo!()` in a starter), and
//!   stops it.
//! - [`client`] is a raw TCP client whose every read and write has a timeout,
//!   so a wrong server fails a test instead of hanging it.
//! - [`expect`] checks a response's status line and headers, a count the
//!   server reports, and that a stopped server serves nobody, failing with
//!   a message that teaches.
//! - [`http`] reads one whole HTTP response (status line, headers, body by
//!   `Content-Length` or to EOF) without interpreting anything else.
//! - [`process`] runs a chapter's binary as a child process and waits for
//!   its lines ([`ChildProcess`]), for the tests of signals; its
//!   [`process::Program`] does the same without an exercise to blame, for
//!   `course bench`.
//! - [`browser`] runs headless Chromium against a server, behind a proxy
//!   that records which requests the browser made.
//! - [`suite`] holds black-box conformance suites (`http`, `app`): named checks
//!   that talk to any server only through its socket, run by stage tests and
//!   by `course probe`.
//! - [`temp`] makes fresh folders that remove themselves ([`TempDir`]).
//! - [`wait`] waits for a condition with a deadline ([`wait_until`]), so
//!   tests never sleep to synchronise.
//! - [`failure`] builds the failure text: what was sent, what was expected,
//!   what came back (bytes escaped so `\r\n` is visible), and where to read.
//!
//! It uses std only, so it builds anywhere the course builds.

pub mod browser;
pub mod client;
pub mod expect;
pub mod failure;
pub mod http;
pub mod manifest;
pub mod process;
pub mod server;
pub mod show;
pub mod suite;
pub mod temp;
pub mod wait;

use std::time::Duration;

pub use client::Client;
pub use expect::{expect_count, expect_header, expect_no_service, expect_status};
pub use failure::Failure;
pub use http::Response;
pub use manifest::{Exercise, exercise};
pub use process::ChildProcess;
pub use server::{TestServer, bind_local};
pub use temp::TempDir;
pub use wait::wait_until;

/// How long any single read, write or connect in a test may wait.
///
/// Long enough that a busy two-core machine never trips it on a correct
/// server, short enough that a wrong server fails the test in seconds.
pub const TIMEOUT: Duration = Duration::from_secs(5);
