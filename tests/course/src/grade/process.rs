//! A program run with a deadline: its output collected, and at the
//! deadline the program ended with every process it started.
//!
//! A student's test may start servers, a browser or the chapter's binary,
//! and any of them may hang. Killing only the test process would leave its
//! children running (holding ports, and our pipes open), so on Unix each
//! run gets a process group of its own and the whole group is killed; on
//! Windows `taskkill /T` ends the tree.

use std::io::{self, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Output beyond this is read and dropped: a test that prints in a loop
/// must not fill the grader's memory. A result line comes first anyway.
const KEPT_OUTPUT: usize = 1 << 20;

/// How long to wait for the pipes to close once the program has ended: a
/// grandchild that escaped the kill may hold them open forever.
const PIPE_GRACE: Duration = Duration::from_secs(2);

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The program exited (or was killed by something else) on its own.
    Exited(ExitStatus),
    /// It was still running at the deadline, and was ended.
    TimedOut,
}

/// What a run printed, and how it ended.
#[derive(Debug, Clone)]
pub struct Finished {
    pub ended: Ended,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// True when the program exited with status 0.
    pub fn success(&self) -> bool {
        matches!(self.ended, Ended::Exited(status) if status.success())
    }
}

/// Runs `command` (stdin closed, output piped) until it exits or
/// `deadline` passes, whichever is first.
pub fn run_until(mut command: Command, deadline: Instant) -> io::Result<Finished> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    own_group(&mut command);
    let mut child = command.spawn()?;
    let pid = child.id();
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());
    let (exited, exit) = mpsc::channel();
    thread::spawn(move || {
        let _ = exited.send(child.wait());
    });
    let ended = match exit.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(status) => Ended::Exited(status?),
        Err(_) => {
            end_tree(pid);
            // The kill is certain, so the wait ends; its status says only "killed".
            let _ = exit.recv();
            Ended::TimedOut
        }
    };
    // Whatever it started and left running goes too.
    end_group(pid);
    Ok(Finished {
        ended,
        stdout: stdout.recv_timeout(PIPE_GRACE).unwrap_or_default(),
        stderr: stderr.recv_timeout(PIPE_GRACE).unwrap_or_default(),
    })
}

/// Reads a pipe to its end in a thread of its own, so neither pipe can
/// fill up and stall the program while we wait on the other.
fn read_in_background(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut kept = Vec::new();
        if let Some(mut pipe) = pipe {
            let mut buffer = [0; 8192];
            while let Ok(n @ 1..) = pipe.read(&mut buffer) {
                let room = KEPT_OUTPUT.saturating_sub(kept.len());
                kept.extend_from_slice(&buffer[..n.min(room)]);
            }
        }
        let _ = sender.send(String::from_utf8_lossy(&kept).into_owned());
    });
    receiver
}

#[cfg(unix)]
fn own_group(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
}

#[cfg(not(unix))]
fn own_group(_command: &mut Command) {}

/// Ends the process `pid` and everything it started.
fn end_tree(pid: u32) {
    if cfg!(windows) {
        let _ = Command::new("taskkill")
            .args(["/F", "/T", "/PID", &pid.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    } else {
        end_group(pid);
    }
}

/// Kills the process group `pid` leads (Unix). std can kill a child but
/// not a group; the `kill` command can, and every Unix has it. Once the
/// group is empty this does nothing.
fn end_group(pid: u32) {
    if cfg!(unix) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn collects_the_output_of_a_program_that_exits() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo out; echo err >&2; exit 3"]);
        let finished = run_until(command, Instant::now() + Duration::from_secs(30)).unwrap();
        assert_eq!(finished.stdout, "out\n");
        assert_eq!(finished.stderr, "err\n");
        assert!(matches!(finished.ended, Ended::Exited(status) if status.code() == Some(3)));
        assert!(!finished.success());
    }

    #[test]
    fn ends_a_hung_program_and_what_it_started_at_the_deadline() {
        // The child starts a grandchild that would outlive it and keep the
        // pipe open; both must be gone, or this test would never end.
        let mut command = Command::new("sh");
        command.args(["-c", "sleep 600 & sleep 600"]);
        let finished = run_until(command, Instant::now() + Duration::from_millis(300)).unwrap();
        assert_eq!(finished.ended, Ended::TimedOut);
    }
}
