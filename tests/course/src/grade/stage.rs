//! Running a chapter's stage tests against a student's crate: each test in
//! a process of its own, under a time limit.
//!
//! libtest runs every test of a binary in one process and has no time
//! limit, so one hung test (a parser that loops forever, a server that
//! never stops) would hang the rest with it. Here each test runs alone
//! (`--exact NAME`) with the smaller of two deadlines: its own
//! (`--test-timeout`) and the chapter's (`--timeout`). A test still running
//! then is ended with every process it started and counts as `timeout`;
//! the tests beside it are graded as usual. A few run at once, as libtest
//! would run them.

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::run::{TestOutcome, TestResult, parse_libtest, trim_failure};

use super::process::{Ended, Finished, run_until};

/// How long tests may take, and how many run at once.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// For one chapter's tests together.
    pub chapter: Duration,
    /// For any one test.
    pub test: Duration,
    /// Tests run at the same time.
    pub parallel: usize,
}

/// One test's result and how long it ran.
#[derive(Debug, Clone)]
pub struct Ran {
    pub result: TestResult,
    pub seconds: f64,
}

/// The stage tests in a test executable, as it lists them (no test runs).
pub fn list(executable: &Path) -> Result<Vec<String>, String> {
    let mut command = Command::new(executable);
    command.args(["--list", "--format", "terse"]);
    let finished = run_until(command, Instant::now() + Duration::from_secs(60))
        .map_err(|e| format!("cannot run {}: {e}", executable.display()))?;
    if !finished.success() {
        return Err(format!(
            "{} --list failed: {}",
            executable.display(),
            finished.stderr.trim()
        ));
    }
    Ok(finished
        .stdout
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_string)
        .collect())
}

/// Runs each of `names` from `executable`, in the crate folder `dir` (as
/// `cargo test` would), and returns their results in the same order.
pub fn run_all(executable: &Path, dir: &Path, names: &[String], limits: Limits) -> Vec<Ran> {
    let chapter_deadline = Instant::now() + limits.chapter;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Ran>>> = Mutex::new(vec![None; names.len()]);
    thread::scope(|scope| {
        for _ in 0..limits.parallel.max(1) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(name) = names.get(index) else {
                        break;
                    };
                    let ran = run_one(executable, dir, name, limits, chapter_deadline);
                    results.lock().expect("a worker panicked")[index] = Some(ran);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("a worker panicked")
        .into_iter()
        .map(|ran| ran.expect("every test ran"))
        .collect()
}

/// Runs one test in a process of its own.
fn run_one(
    executable: &Path,
    dir: &Path,
    name: &str,
    limits: Limits,
    chapter_deadline: Instant,
) -> Ran {
    let started = Instant::now();
    let result = |outcome, output: String| TestResult {
        name: name.to_string(),
        outcome,
        output,
    };
    if started >= chapter_deadline {
        return Ran {
            result: result(
                TestOutcome::TimedOut,
                format!(
                    "not run: the chapter's tests had used up their {} s (--timeout)",
                    limits.chapter.as_secs()
                ),
            ),
            seconds: 0.0,
        };
    }
    let own_deadline = started + limits.test;
    let (deadline, limit) = if own_deadline <= chapter_deadline {
        (
            own_deadline,
            format!(
                "{} s, a test's limit (--test-timeout)",
                limits.test.as_secs()
            ),
        )
    } else {
        (
            chapter_deadline,
            format!("the chapter's {} s (--timeout)", limits.chapter.as_secs()),
        )
    };
    let mut command = Command::new(executable);
    command
        .args(["--exact", name, "--test-threads", "1", "--color", "never"])
        .current_dir(dir)
        .env("CARGO_MANIFEST_DIR", dir)
        .env("RUST_BACKTRACE", "0")
        .env_remove("RUST_TEST_THREADS")
        .env_remove("RUST_TEST_NOCAPTURE");
    let result = match run_until(command, deadline) {
        Err(e) => result(
            TestOutcome::Failed,
            format!("cannot run {}: {e}", executable.display()),
        ),
        Ok(finished) if finished.ended == Ended::TimedOut => result(
            TestOutcome::TimedOut,
            format!("still running after {limit}: it was stopped, with every process it started"),
        ),
        Ok(finished) => judge(name, &finished),
    };
    Ran {
        result,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// A test passes when libtest said `ok` for it, once, and its process
/// then exited with 0.
fn judge(name: &str, finished: &Finished) -> TestResult {
    let reported: Vec<TestResult> = parse_libtest(&finished.stdout)
        .into_iter()
        .filter(|r| r.name == name)
        .collect();
    let failed = |output: String| TestResult {
        name: name.to_string(),
        outcome: TestOutcome::Failed,
        output,
    };
    let status = match finished.ended {
        Ended::Exited(status) => status.to_string(),
        Ended::TimedOut => "stopped".into(),
    };
    match reported.as_slice() {
        [one] if one.outcome == TestOutcome::Passed && finished.success() => one.clone(),
        [one] if one.outcome == TestOutcome::Passed => failed(format!(
            "it passed, but then its process ended with {status}"
        )),
        [one] if one.outcome == TestOutcome::Failed => {
            let output = if one.output.trim().is_empty() {
                finished.stderr.clone()
            } else {
                one.output.clone()
            };
            failed(trim_failure(&output, 30))
        }
        [one] if one.outcome == TestOutcome::Ignored => {
            failed("it is marked #[ignore], so it checked nothing".into())
        }
        [] => failed(format!(
            "its process ended ({status}) without a result; it printed:\n{}",
            last_lines(&finished.stderr, 12)
        )),
        _ => failed(
            "libtest reported it more than once: something in the crate printed test results"
                .into(),
        ),
    }
}

/// The last `count` lines of `text`.
fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn exited(code: i32, stdout: &str, stderr: &str) -> Finished {
        use std::os::unix::process::ExitStatusExt;
        Finished {
            ended: Ended::Exited(std::process::ExitStatus::from_raw(code << 8)),
            stdout: stdout.into(),
            stderr: stderr.into(),
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_test_passes_only_when_reported_ok_once_and_its_process_exits_0() {
        let ok = "running 1 test\ntest ex1_1_a ... ok\n\ntest result: ok. 1 passed\n";
        assert_eq!(
            judge("ex1_1_a", &exited(0, ok, "")).outcome,
            TestOutcome::Passed
        );
        let exited_late = judge("ex1_1_a", &exited(101, ok, ""));
        assert_eq!(exited_late.outcome, TestOutcome::Failed);
        assert!(
            exited_late.output.contains("then its process ended"),
            "{}",
            exited_late.output
        );
        let forged = format!("test ex1_1_a ... ok\n{ok}");
        assert_eq!(
            judge("ex1_1_a", &exited(0, &forged, "")).outcome,
            TestOutcome::Failed
        );
        let crashed = judge(
            "ex1_1_a",
            &exited(
                134,
                "running 1 test\n",
                "thread 'ex1_1_a' has overflowed its stack\nfatal runtime error: stack overflow\n",
            ),
        );
        assert_eq!(crashed.outcome, TestOutcome::Failed);
        assert!(
            crashed.output.contains("stack overflow"),
            "{}",
            crashed.output
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_failure_keeps_the_tests_message() {
        let stdout = "running 1 test\ntest ex1_1_a ... FAILED\n\nfailures:\n\n---- ex1_1_a stdout ----\n\
                      thread 'ex1_1_a' panicked at tests/chapter01.rs:5:1:\nexercise 1.1 (Echo): it broke\n\n\
                      failures:\n    ex1_1_a\n\ntest result: FAILED. 0 passed; 1 failed\n";
        let failed = judge("ex1_1_a", &exited(101, stdout, ""));
        assert_eq!(failed.outcome, TestOutcome::Failed);
        assert_eq!(
            failed.output,
            "at tests/chapter01.rs:5:1\nexercise 1.1 (Echo): it broke"
        );
    }
}
