//! A chapter's binary as a child process: started with piped output, read
//! line by line with a deadline, stopped with a signal, and killed if the
//! test ends first (a failed assertion included), so no server outlives its
//! test.
//!
//! [`ChildProcess`] is what a test uses: every way it can go wrong is a
//! failure of one exercise. Under it, [`Program`] knows nothing of
//! exercises and returns its errors, for a tool that runs servers rather
//! than tests them (`course bench`).

use std::cell::RefCell;
use std::io::{self, BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use crate::client::Client;
use crate::failure::Failure;
use crate::manifest::Exercise;
use crate::wait::wait_until;

/// The line every chapter's server prints once it accepts connections.
const LISTENING: &str = "listening on http://";

/// What becomes of a [`Program`]'s stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stderr {
    /// Read with stdout, line by line: a test shows both in a failure.
    Read,
    /// Discarded. For a server under load that logs every request: reading
    /// the log would take CPU from the server being measured, and keeping
    /// the lines nobody waits for would fill memory.
    Discard,
}

/// Why a wait for one of a [`Program`]'s lines ended without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitError {
    /// Its output closed first: the program exited (or closed both pipes).
    Exited,
    /// It printed no such line within the limit.
    Silent,
    /// Its `listening on` line came without an address in it (the line).
    NoAddress(String),
}

/// A started binary whose output is read line by line in the background;
/// killed and reaped when dropped, on every way out, a panic included.
#[derive(Debug)]
pub struct Program {
    child: Child,
    /// Its output lines, as they come.
    lines: Receiver<String>,
    /// The lines taken so far, to show in a failure.
    seen: RefCell<Vec<String>>,
}

impl Program {
    /// Starts `command` with stdin closed and stdout piped (stderr as
    /// `stderr` says). One thread per pipe reads it into one channel, so a
    /// caller can wait for a line with a deadline; when the process exits
    /// its pipes close, and a wait for a line it never printed ends at once
    /// instead of at the deadline. The threads drain the pipes to the end,
    /// so a program that prints more than anyone reads never blocks on a
    /// full pipe.
    pub fn spawn(mut command: Command, stderr: Stderr) -> io::Result<Program> {
        let mut child = command
            // A panic (a starter's todo!()) then prints two lines, not a
            // backtrace: a failure shows the binary's last lines.
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(match stderr {
                Stderr::Read => Stdio::piped(),
                Stderr::Discard => Stdio::null(),
            })
            .spawn()?;
        let (sender, lines) = mpsc::channel::<String>();
        let mut outputs: Vec<Box<dyn Read + Send>> = Vec::new();
        outputs.extend(
            child
                .stdout
                .take()
                .map(|o| Box::new(o) as Box<dyn Read + Send>),
        );
        outputs.extend(
            child
                .stderr
                .take()
                .map(|o| Box::new(o) as Box<dyn Read + Send>),
        );
        for output in outputs {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(output).lines().map_while(Result::ok) {
                    if sender.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Ok(Program {
            child,
            lines,
            seen: RefCell::new(Vec::new()),
        })
    }

    /// The operating system's id of the process.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits (at most `limit` for each line) for a line that starts with
    /// `prefix`, and returns it; earlier lines are skipped.
    pub fn wait_for_line(&self, prefix: &str, limit: Duration) -> Result<String, WaitError> {
        loop {
            match self.lines.recv_timeout(limit) {
                Ok(line) => {
                    self.seen.borrow_mut().push(line.clone());
                    if line.starts_with(prefix) {
                        return Ok(line);
                    }
                }
                Err(RecvTimeoutError::Timeout) => return Err(WaitError::Silent),
                Err(RecvTimeoutError::Disconnected) => return Err(WaitError::Exited),
            }
        }
    }

    /// Waits (as [`Program::wait_for_line`] does) for `listening on
    /// http://ADDR`, and returns the address.
    pub fn wait_until_listening(&self, limit: Duration) -> Result<SocketAddr, WaitError> {
        let line = self.wait_for_line(LISTENING, limit)?;
        line[LISTENING.len()..]
            .trim()
            .parse()
            .map_err(|_| WaitError::NoAddress(line))
    }

    /// How the process ended, if it has (without waiting).
    pub fn exit_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The last lines the binary printed, with any that arrived but were
    /// not yet taken.
    fn output(&self) -> String {
        let mut seen = self.seen.borrow_mut();
        seen.extend(self.lines.try_iter());
        let start = seen.len().saturating_sub(SHOWN_LINES);
        if seen.is_empty() {
            "(nothing)".to_string()
        } else {
            seen[start..].join("\n")
        }
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running binary under test; killed and reaped when dropped.
#[derive(Debug)]
pub struct ChildProcess {
    program: Program,
    ex: Exercise,
}

/// How many of the binary's last lines a failure shows.
const SHOWN_LINES: usize = 20;

/// The pause [`ChildProcess::expect_accept_backoff`] waits to see: the
/// seventh of chapter 1's doubling series (5, 10, 20, 40, 80, 160, 320 ms).
pub const BACKOFF_SHOWN: Duration = Duration::from_millis(320);
/// How many failed accepts may come before that pause. Seven make the
/// series; the rest is room for failures about one client.
pub const MAX_FAILED_ACCEPTS: usize = 12;

impl ChildProcess {
    /// Starts `binary` with `args`. Its stdout and stderr are read by two
    /// threads into one channel, so a test can wait for a line with a
    /// deadline; when the process exits its pipes close, and a wait for a
    /// line it never printed fails at once instead of at the deadline.
    pub fn start(ex: Exercise, binary: &str, args: &[&str]) -> ChildProcess {
        let mut command = Command::new(binary);
        command.args(args);
        ChildProcess::spawn(ex, command, binary)
    }

    /// [`ChildProcess::start`], with the binary allowed at most
    /// `descriptors` open file descriptors (its soft and hard limit both),
    /// as `ulimit -n` sets them: a way to watch a server run out of them.
    /// Unix only; Windows has no such per-process limit on sockets.
    #[cfg(unix)]
    pub fn start_with_fd_limit(
        ex: Exercise,
        binary: &str,
        args: &[&str],
        descriptors: u32,
    ) -> ChildProcess {
        // The shell sets the limit on itself, then becomes the binary
        // (`exec`), which keeps the limit and the process id.
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -n {descriptors} && exec \"$0\" \"$@\""))
            .arg(binary)
            .args(args);
        ChildProcess::spawn(ex, command, binary)
    }

    fn spawn(ex: Exercise, command: Command, binary: &str) -> ChildProcess {
        let program = Program::spawn(command, Stderr::Read)
            .unwrap_or_else(|e| Failure::new(ex, format!("cannot start {binary}: {e}")).fail());
        ChildProcess { program, ex }
    }

    /// The operating system's id of the process.
    pub fn id(&self) -> u32 {
        self.program.id()
    }

    /// Waits (at most `limit`) for a line that starts with `prefix`, and
    /// returns it; earlier lines are skipped.
    #[track_caller]
    pub fn wait_for_line(&self, prefix: &str, limit: Duration) -> String {
        // A match, not a closure: the failure keeps the test's line.
        match self.program.wait_for_line(prefix, limit) {
            Ok(line) => line,
            Err(_) => self.never_printed(prefix),
        }
    }

    /// Fails the test: the binary did not print a `prefix` line.
    #[track_caller]
    fn never_printed(&self, prefix: &str) -> ! {
        Failure::new(self.ex, format!("the binary never printed `{prefix}...`"))
            .line("output", self.output())
            .note("it exited first (a panic, such as a todo!(), shows above), or it stayed silent for too long")
            .fail()
    }

    /// Waits (at most `limit`) until the binary's log shows its accept loop
    /// backing off, as chapter 1's `AcceptBackoff` logs it: lines
    /// `accept failed: ...; trying again in N ms` with N doubling, until a
    /// pause of at least [`BACKOFF_SHOWN`]. Fails if more than
    /// [`MAX_FAILED_ACCEPTS`] failed accepts come first (a loop that tries
    /// again at once logs thousands a second), or if no such pause comes.
    #[track_caller]
    pub fn expect_accept_backoff(&self, limit: Duration) {
        let mut failures = 0;
        loop {
            let line = self.wait_for_line("accept failed: ", limit);
            failures += 1;
            let pause = line
                .rsplit_once("; trying again in ")
                .and_then(|(_, pause)| pause.strip_suffix(" ms"))
                .and_then(|ms| ms.parse::<u64>().ok());
            if pause.is_some_and(|ms| ms >= BACKOFF_SHOWN.as_millis() as u64) {
                return;
            }
            if failures > MAX_FAILED_ACCEPTS {
                Failure::new(self.ex, "out of file descriptors, the accept loop tries again without pausing longer each time")
                    .line("output", self.output())
                    .line("expected", format!("lines \"accept failed: ...; trying again in N ms\" with N doubling from 5 ms, reaching {} ms within {MAX_FAILED_ACCEPTS} failures", BACKOFF_SHOWN.as_millis()))
                    .note("Out of descriptors, every accept fails at once until a connection closes: a loop that retries at once spins a CPU at 100% for nothing. Call AcceptBackoff::wait_after (chapter 1) after a failed accept, and after_success after a good one.")
                    .fail();
            }
        }
    }

    /// Waits (at most `limit`) until a fresh connection to `addr` that
    /// sends `request` gets `HTTP/1.1 200 OK`: a server that ran out of
    /// something (descriptors, workers) serves again once it has it back.
    /// Until then any other answer, or none, only means "not yet"; the
    /// failure shows the last one and the binary's last lines.
    #[track_caller]
    pub fn expect_served_again(&self, addr: SocketAddr, request: &[u8], limit: Duration) {
        let mut last = String::new();
        let served = wait_until("a 200 again", limit, || {
            let answer = Client::try_connect(addr, self.ex).and_then(|mut client| {
                client.try_send(request)?;
                client.try_read_response()
            });
            last = match answer {
                Ok(response) => response.status_line,
                Err(failure) => failure.message(),
            };
            last == "HTTP/1.1 200 OK"
        });
        if served.is_err() {
            Failure::new(self.ex, "the server did not serve a new client again")
                .sent(request)
                .line("last answer", last)
                .line("output", self.output())
                .note("once the clients that held its descriptors are gone, a server must serve as before")
                .fail();
        }
    }

    /// The last lines the binary printed (stdout and stderr mixed), with
    /// any that arrived but were not yet taken.
    fn output(&self) -> String {
        self.program.output()
    }

    /// Waits (at most `limit`) for `listening on http://ADDR`, and returns
    /// the address.
    #[track_caller]
    pub fn wait_until_listening(&self, limit: Duration) -> SocketAddr {
        match self.program.wait_until_listening(limit) {
            Ok(addr) => addr,
            Err(WaitError::NoAddress(line)) => {
                Failure::new(self.ex, "the listening line has no address in it")
                    .line("got", format!("{line:?}"))
                    .line("expected", format!("\"{LISTENING}127.0.0.1:PORT\""))
                    .fail()
            }
            Err(_) => self.never_printed(LISTENING),
        }
    }

    /// Connects to the binary at `addr`; a failure shows the binary's last
    /// lines, which say why it is not there (often a panic).
    #[track_caller]
    pub fn connect(&self, addr: SocketAddr) -> Client {
        Client::try_connect(addr, self.ex)
            .unwrap_or_else(|failure| failure.line("output", self.output()).fail())
    }

    /// Sends SIGTERM, as a service manager does to stop a program.
    #[cfg(unix)]
    #[track_caller]
    pub fn terminate(&self) {
        // std can kill a child (SIGKILL) but not send it another signal;
        // the `kill` command can, and every Unix has it.
        let sent = Command::new("kill")
            .args(["-TERM", &self.id().to_string()])
            .status();
        if !sent.is_ok_and(|status| status.success()) {
            Failure::new(self.ex, "`kill -TERM` failed").fail();
        }
    }

    /// Waits (at most `limit`) for the process to exit, and fails unless
    /// it exits with status 0.
    #[track_caller]
    pub fn expect_clean_exit(&mut self, limit: Duration, why: &str) {
        self.expect_exit(0, limit, why);
    }

    /// Waits (at most `limit`) for the process to exit, and fails unless
    /// its exit code is `code` (1: "it failed, and said why").
    #[track_caller]
    pub fn expect_exit(&mut self, code: i32, limit: Duration, why: &str) {
        let mut status: Option<ExitStatus> = None;
        let exited = wait_until("the binary to exit", limit, || {
            status = self.program.exit_status();
            status.is_some()
        });
        match (exited, status) {
            (Ok(()), Some(status)) if status.code() == Some(code) => {}
            (_, status) => Failure::new(self.ex, why)
                .line("expected", format!("exit code {code}"))
                .line(
                    "status",
                    status.map_or("still running".to_string(), |s| s.to_string()),
                )
                .line("output", self.output())
                .fail(),
        }
    }
}
