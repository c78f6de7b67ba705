//! Running cargo, and reading what it prints.
//!
//! Every cargo invocation of the tool goes through [`Cargo::run`], so there is
//! one place that decides the working directory, the target directory and
//! the environment. The rest of the module reads cargo's and libtest's plain
//! text output: the `test NAME ... ok` lines, the `---- NAME stdout ----`
//! failure sections, and the compiler's error blocks.

use std::path::{Path, PathBuf};
use std::process::Command;

/// How to run cargo on one course repository.
#[derive(Debug, Clone)]
pub struct Cargo {
    root: PathBuf,
    target_dir: Option<PathBuf>,
}

/// What a cargo command printed, and whether it succeeded.
#[derive(Debug, Clone, Default)]
pub struct CargoOutput {
    /// The exit status was zero.
    pub success: bool,
    /// libtest writes its results here.
    pub stdout: String,
    /// cargo's progress and the compiler's messages go here.
    pub stderr: String,
}

/// How a test ended, as libtest reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestOutcome {
    /// `test NAME ... ok`
    Passed,
    /// `test NAME ... FAILED`
    Failed,
    /// `test NAME ... ignored`: it did not run, so it checked nothing.
    Ignored,
    /// It was still running at its time limit and was stopped (`course
    /// grade` only: libtest itself has no limit).
    TimedOut,
}

/// One test of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// The test function's name (with its module path, if any).
    pub name: String,
    /// How it ended.
    pub outcome: TestOutcome,
    /// For a failed test, everything it printed: the panic messages.
    pub output: String,
}

/// The result of building a chapter's tests before running them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Build {
    /// Everything compiled.
    Compiled,
    /// It did not compile.
    Failed {
        /// The first compiler errors, trimmed for a person to read.
        errors: String,
        /// Where the first error is (`path:line:col`), when the compiler said.
        location: Option<String>,
    },
}

impl Cargo {
    /// Cargo on the workspace at `root`, with its usual target directory
    /// (so the learner's builds are cached between runs).
    pub fn new(root: &Path) -> Cargo {
        Cargo {
            root: root.to_path_buf(),
            target_dir: None,
        }
    }

    /// The same, building into `dir` instead: the tool's tests use a
    /// temporary one so they never touch the real build, and `grade`
    /// builds every student's crates into one folder of its own.
    pub fn with_target_dir(mut self, dir: &Path) -> Cargo {
        self.target_dir = Some(dir.to_path_buf());
        self
    }

    /// The workspace root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the test target `test` was compiled here before: a
    /// `test-<hash>` executable in the debug build's `deps/` folder. A
    /// cheap guess for a message only (one directory listing, no cargo
    /// run): when it is wrong, the tool merely says once too often that a
    /// first build takes a while.
    pub fn has_built_test(&self, test: &str) -> bool {
        let deps = self.target_dir().join("debug").join("deps");
        let Ok(entries) = std::fs::read_dir(deps) else {
            return false;
        };
        let crate_name = test.replace('-', "_");
        entries.flatten().any(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let name = name.strip_suffix(".exe").unwrap_or(&name);
            name.strip_prefix(&crate_name)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|hash| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
        })
    }

    /// Where cargo builds: the tests' own folder, else the one the
    /// environment names (relative to the root, where [`Cargo::run`] runs
    /// cargo), else `target/`.
    fn target_dir(&self) -> PathBuf {
        if let Some(dir) = &self.target_dir {
            return dir.clone();
        }
        ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"]
            .iter()
            .find_map(|name| std::env::var_os(name).filter(|dir| !dir.is_empty()))
            .map_or_else(|| self.root.join("target"), |dir| self.root.join(dir))
    }

    /// `cargo ARGS`, to run in the workspace root. Every cargo command of
    /// the tool is made here.
    pub fn command(&self, args: &[&str]) -> Command {
        // `cargo course` (a `cargo run`) sets CARGO to the cargo that runs us, so the
        // tests build with the same toolchain.
        let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(&self.root)
            // Plain text: it is parsed, then re-colored by the tool if at all.
            .env("CARGO_TERM_COLOR", "never")
            // Backtraces would bury the failure messages the tests write.
            .env("RUST_BACKTRACE", "0");
        if let Some(dir) = &self.target_dir {
            command.env("CARGO_TARGET_DIR", dir);
        }
        command
    }

    /// Runs `cargo ARGS` in the workspace root and collects its output.
    pub fn run(&self, args: &[&str]) -> Result<CargoOutput, String> {
        let output = self.command(args).output().map_err(|e| {
            format!("cannot run cargo ({e}); is Rust installed and cargo on your PATH?")
        })?;
        Ok(CargoOutput {
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }

    /// Compiles `package`'s tests (only the target `test`, if given) without
    /// running them.
    pub fn build_tests(&self, package: &str, test: Option<&str>) -> Result<Build, String> {
        let mut args = vec!["test", "-p", package];
        if let Some(test) = test {
            args.extend(["--test", test]);
        }
        args.push("--no-run");
        let output = self.run(&args)?;
        if output.success {
            return Ok(Build::Compiled);
        }
        let (errors, location) = compiler_errors(&output.stderr);
        Ok(Build::Failed { errors, location })
    }

    /// Runs `package`'s tests (only the target `test`, if given), all of
    /// them even when some fail.
    pub fn test(
        &self,
        package: &str,
        test: Option<&str>,
    ) -> Result<(CargoOutput, Vec<TestResult>), String> {
        let mut args = vec!["test", "-p", package];
        if let Some(test) = test {
            args.extend(["--test", test]);
        }
        args.push("--no-fail-fast");
        let output = self.run(&args)?;
        let results = parse_libtest(&output.stdout);
        Ok((output, results))
    }
}

/// Reads libtest's report: one [`TestResult`] per `test NAME ... RESULT`
/// line, with the `---- NAME stdout ----` section attached to failed tests.
pub fn parse_libtest(stdout: &str) -> Vec<TestResult> {
    let mut results: Vec<TestResult> = Vec::new();
    for line in stdout.lines() {
        let Some((name, result)) = line
            .strip_prefix("test ")
            .and_then(|rest| rest.rsplit_once(" ... "))
        else {
            continue;
        };
        let outcome = match result.trim() {
            "ok" => TestOutcome::Passed,
            "FAILED" => TestOutcome::Failed,
            other if other.starts_with("ignored") => TestOutcome::Ignored,
            _ => continue,
        };
        results.push(TestResult {
            name: name.to_string(),
            outcome,
            output: String::new(),
        });
    }
    for (name, output) in failure_sections(stdout) {
        if let Some(result) = results
            .iter_mut()
            .find(|r| r.name == name && r.outcome == TestOutcome::Failed && r.output.is_empty())
        {
            result.output = output;
        }
    }
    results
}

/// The `---- NAME stdout ----` sections of libtest's failure report, each
/// with the lines up to the next section or the closing list of names.
fn failure_sections(stdout: &str) -> Vec<(String, String)> {
    let mut sections: Vec<(String, String)> = Vec::new();
    let mut inside = false;
    for line in stdout.lines() {
        let header = line
            .strip_prefix("---- ")
            .and_then(|rest| rest.strip_suffix(" stdout ----"));
        if let Some(name) = header {
            sections.push((name.to_string(), String::new()));
            inside = true;
        } else if line == "failures:" || line.starts_with("test result:") {
            inside = false;
        } else if inside {
            let (_, text) = sections.last_mut().expect("inside a section");
            text.push_str(line);
            text.push('\n');
        }
    }
    sections
}

/// A failed test's output trimmed to what a learner needs: the panic
/// messages and where they happened, without the `thread '...' panicked at`
/// framing, the backtrace advice or a backtrace, and at most `max_lines`.
pub fn trim_failure(output: &str, max_lines: usize) -> String {
    let mut kept: Vec<String> = Vec::new();
    let mut in_backtrace = false;
    for line in output.lines() {
        if let Some(location) = panic_location(line) {
            in_backtrace = false;
            kept.push(format!("at {}", tidy_path(location)));
            continue;
        }
        if line.starts_with("stack backtrace:") {
            in_backtrace = true;
        }
        if in_backtrace
            || line.starts_with("note: run with `RUST_BACKTRACE")
            || line.starts_with("note: Some details are omitted")
        {
            continue;
        }
        let blank = line.trim().is_empty();
        // One blank line at most, and none right after a location.
        let after_gap = kept
            .last()
            .is_none_or(|last| last.is_empty() || last.starts_with("at "));
        if blank && after_gap {
            continue;
        }
        kept.push(line.trim_end().to_string());
    }
    while kept.last().is_some_and(|l| l.is_empty()) {
        kept.pop();
    }
    if kept.len() > max_lines {
        let hidden = kept.len() - max_lines;
        kept.truncate(max_lines);
        kept.push(format!("... ({hidden} more lines)"));
    }
    kept.join("\n")
}

/// The `path:line:col` of a `thread 'NAME' panicked at path:line:col:`
/// line (newer Rust versions write `thread 'NAME' (ID) panicked at`).
fn panic_location(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("thread '")?;
    let (_, after) = rest.split_once(" panicked at ")?;
    Some(after.trim_end().trim_end_matches(':'))
}

/// `chapters/01-echo/../../tests/chapter01.rs:5:1` as `tests/chapter01.rs:5:1`:
/// the stage tests are reached through `../../` from the crate, and the
/// short path is the one a learner can open.
fn tidy_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

/// The first compiler errors in cargo's stderr (at most three blocks, thirty
/// lines), and the location of the first one. Warnings and cargo's progress
/// lines are left out: a learner fixes errors first.
pub fn compiler_errors(stderr: &str) -> (String, Option<String>) {
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    let mut inside = false;
    for line in stderr.lines() {
        let starts_error =
            line.starts_with("error") && !line.starts_with("error: could not compile");
        if starts_error {
            blocks.push(vec![line]);
            inside = true;
        } else if line.trim().is_empty() || line.starts_with("warning") {
            inside = false;
        } else if inside {
            blocks.last_mut().expect("inside a block").push(line);
        }
    }
    let location = blocks.iter().flatten().find_map(|line| {
        line.trim_start()
            .strip_prefix("--> ")
            .map(|location| tidy_path(location.trim()))
    });
    let mut lines: Vec<&str> = Vec::new();
    for block in blocks.iter().take(3) {
        if !lines.is_empty() {
            lines.push("");
        }
        lines.extend(block);
    }
    let more = lines.len() > 30;
    lines.truncate(30);
    let mut text = lines.join("\n");
    if more || blocks.len() > 3 {
        text.push_str("\n...");
    }
    if text.is_empty() {
        // Not a compiler error (a missing package, a broken Cargo.toml):
        // show cargo's own last words.
        text = stderr
            .lines()
            .rev()
            .take(10)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
    }
    (text, location)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// libtest's output for a run with one pass, one failure (whose server
    /// thread panicked first), and one ignored test.
    const LIBTEST: &str = "
running 3 tests
test ex1_2_serves_one_client_after_another ... ignored
test ex1_1_echoes_hello ... FAILED
test ex1_1_echoes_nothing ... ok

failures:

---- ex1_1_echoes_hello stdout ----
thread '<unnamed>' panicked at chapters/01-echo/src/server.rs:21:5:
not yet implemented: exercise 1.1: Echo one connection (read book/src/ch01-echo.md#exercise-11-echo-one-connection)
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

thread 'ex1_1_echoes_hello' (4242) panicked at chapters/01-echo/../../tests/chapter01.rs:30:9:

exercise 1.1 (Echo one connection): the connection closed before the echo came back
  then:     the server panicked
  read:     book/src/ch01-echo.md#exercise-11-echo-one-connection



failures:
    ex1_1_echoes_hello

test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s

";

    #[test]
    fn reads_each_result_and_the_failure_section() {
        let results = parse_libtest(LIBTEST);
        let outcomes: Vec<(&str, TestOutcome)> = results
            .iter()
            .map(|r| (r.name.as_str(), r.outcome))
            .collect();
        assert_eq!(
            outcomes,
            [
                (
                    "ex1_2_serves_one_client_after_another",
                    TestOutcome::Ignored
                ),
                ("ex1_1_echoes_hello", TestOutcome::Failed),
                ("ex1_1_echoes_nothing", TestOutcome::Passed),
            ]
        );
        assert!(
            results[1]
                .output
                .starts_with("thread '<unnamed>' panicked at")
        );
        assert!(
            results[1]
                .output
                .contains("  read:     book/src/ch01-echo.md#exercise-11")
        );
        assert!(!results[1].output.contains("failures:"));
        assert_eq!(results[2].output, "");
    }

    #[test]
    fn trims_a_failure_to_what_a_learner_needs() {
        let results = parse_libtest(LIBTEST);
        assert_eq!(
            trim_failure(&results[1].output, 40),
            "at chapters/01-echo/src/server.rs:21:5
not yet implemented: exercise 1.1: Echo one connection (read book/src/ch01-echo.md#exercise-11-echo-one-connection)

at tests/chapter01.rs:30:9
exercise 1.1 (Echo one connection): the connection closed before the echo came back
  then:     the server panicked
  read:     book/src/ch01-echo.md#exercise-11-echo-one-connection"
        );
        assert_eq!(
            trim_failure(&results[1].output, 2),
            "at chapters/01-echo/src/server.rs:21:5
not yet implemented: exercise 1.1: Echo one connection (read book/src/ch01-echo.md#exercise-11-echo-one-connection)
... (5 more lines)"
        );
    }

    #[test]
    fn finds_the_first_compiler_error() {
        let stderr = "   Compiling chapter01 v0.1.0 (/work/chapters/01-echo)
warning: unused variable: `n`
 --> chapters/01-echo/src/server.rs:3:9
  |

error[E0425]: cannot find value `bytes` in this scope
  --> chapters/01-echo/src/server.rs:21:5
   |
21 |     bytes
   |     ^^^^^ not found in this scope

error: could not compile `chapter01` (lib) due to 1 previous error
";
        let (errors, location) = compiler_errors(stderr);
        assert_eq!(
            errors,
            "error[E0425]: cannot find value `bytes` in this scope
  --> chapters/01-echo/src/server.rs:21:5
   |
21 |     bytes
   |     ^^^^^ not found in this scope"
        );
        assert_eq!(
            location.as_deref(),
            Some("chapters/01-echo/src/server.rs:21:5")
        );
    }

    #[test]
    fn knows_a_test_target_built_before() {
        let temp = harness::TempDir::new("course-built");
        let target = temp.path().join("target");
        let cargo = Cargo::new(temp.path()).with_target_dir(&target);
        assert!(!cargo.has_built_test("chapter03"));
        let deps = target.join("debug").join("deps");
        std::fs::create_dir_all(&deps).unwrap();
        for other in [
            "chapter03-0123456789abcdef.d",
            "libchapter03-0123456789abcdef.rlib",
            "chapter03_solution-0123456789abcdef",
        ] {
            std::fs::write(deps.join(other), "").unwrap();
        }
        assert!(!cargo.has_built_test("chapter03"));
        std::fs::write(deps.join("chapter03-0123456789abcdef"), "").unwrap();
        assert!(cargo.has_built_test("chapter03"));
    }
}
