//! Building test executables with cargo, and reading what it built.
//!
//! `cargo test --no-run --message-format json` says, one JSON object a
//! line, every file it built (with the stage-test executable among them)
//! and every compiler message, each tagged with its package's manifest.
//! That is enough to run the tests without cargo, under a deadline each,
//! and to say which chapter does not compile and why.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

use crate::run::{Cargo, compiler_errors};

use super::process::{Ended, run_until};

/// What one `cargo test --no-run` built, by package directory.
#[derive(Debug, Default)]
pub struct Compiled {
    /// The stage-test executable of each package that compiled.
    pub executables: BTreeMap<PathBuf, PathBuf>,
    /// The first errors (trimmed for a person) of each package that did not.
    pub errors: BTreeMap<PathBuf, String>,
    /// Every file built for these packages (not their dependencies), to
    /// delete once their tests have run.
    pub files: Vec<PathBuf>,
    /// Cargo's own last words when it failed with no compiler error to
    /// blame (a broken manifest), or when it ran past its deadline.
    pub failure: Option<String>,
}

/// Builds the stage tests `tests` of `packages` in `cargo`'s workspace,
/// going on past a package that fails (`--no-fail-fast`).
pub fn compile(
    cargo: &Cargo,
    packages: &[String],
    tests: &[String],
    deadline: Instant,
) -> Result<Compiled, String> {
    let mut args = vec![
        "test",
        "--no-run",
        "--no-fail-fast",
        "--message-format",
        "json",
    ];
    for package in packages {
        args.extend(["-p", package.as_str()]);
    }
    for test in tests {
        args.extend(["--test", test.as_str()]);
    }
    let mut command = cargo.command(&args);
    // Graded crates are built once: incremental state and debug info
    // would only fill the disk (a test binary is 100 MB with them).
    command
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_PROFILE_DEV_DEBUG", "0");
    let finished = run_until(command, deadline)
        .map_err(|e| format!("cannot run cargo ({e}); is cargo on your PATH?"))?;
    let mut compiled = read_messages(&finished.stdout, cargo.root());
    if finished.ended == Ended::TimedOut {
        compiled.failure = Some("the build was still running at its time limit".into());
    } else if !finished.success() && compiled.errors.is_empty() {
        compiled.failure = Some(compiler_errors(&finished.stderr).0);
    }
    Ok(compiled)
}

/// Reads cargo's JSON messages; only the files of packages inside `own`
/// (the workspace, not the dependencies it shares) are kept for deletion.
fn read_messages(stdout: &str, own: &Path) -> Compiled {
    let mut compiled = Compiled::default();
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let Some(dir) = message["manifest_path"]
            .as_str()
            .and_then(|m| Path::new(m).parent())
            .map(Path::to_path_buf)
        else {
            continue;
        };
        match message["reason"].as_str() {
            Some("compiler-artifact") if dir.starts_with(own) => {
                for file in message["filenames"].as_array().into_iter().flatten() {
                    if let Some(file) = file.as_str() {
                        compiled.files.push(PathBuf::from(file));
                    }
                }
                let is_stage_test = message["target"]["kind"]
                    .as_array()
                    .is_some_and(|kinds| kinds.iter().any(|k| k == "test"));
                if let (true, Some(executable)) = (is_stage_test, message["executable"].as_str()) {
                    compiled.files.push(PathBuf::from(executable));
                    compiled.executables.insert(dir, PathBuf::from(executable));
                }
            }
            Some("compiler-message") if message["message"]["level"] == "error" => {
                let rendered = message["message"]["rendered"].as_str().unwrap_or_default();
                let errors = compiled.errors.entry(dir).or_default();
                // Three errors are enough to start on, as `course check` shows.
                if errors.matches("\nerror").count() < 3 && !rendered.is_empty() {
                    errors.push_str(rendered);
                }
            }
            _ => {}
        }
    }
    for errors in compiled.errors.values_mut() {
        *errors = compiler_errors(errors).0;
    }
    compiled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_test_executable_and_each_package_errors() {
        let stdout = r#"{"reason":"compiler-artifact","manifest_path":"/w/chapters/01-echo/Cargo.toml","target":{"name":"chapter01","kind":["lib"]},"filenames":["/t/debug/deps/libchapter01-1.rlib"],"executable":null,"fresh":false}
{"reason":"compiler-artifact","manifest_path":"/w/chapters/01-echo/Cargo.toml","target":{"name":"chapter01","kind":["test"]},"filenames":["/t/debug/deps/chapter01-2"],"executable":"/t/debug/deps/chapter01-2","fresh":false}
{"reason":"compiler-message","manifest_path":"/w/chapters/02-http-by-hand/Cargo.toml","message":{"level":"warning","rendered":"warning: unused variable: `x`\n"}}
{"reason":"compiler-message","manifest_path":"/w/chapters/02-http-by-hand/Cargo.toml","message":{"level":"error","rendered":"error[E0425]: cannot find value `bytes` in this scope\n  --> chapters/02-http-by-hand/src/lib.rs:3:5\n"}}
not json: cargo's progress goes to stderr, but be safe
{"reason":"build-finished","success":false}
"#;
        let compiled = read_messages(stdout, Path::new("/w"));
        assert_eq!(
            compiled.executables,
            BTreeMap::from([(
                PathBuf::from("/w/chapters/01-echo"),
                PathBuf::from("/t/debug/deps/chapter01-2")
            )])
        );
        assert_eq!(
            compiled.errors[Path::new("/w/chapters/02-http-by-hand")],
            "error[E0425]: cannot find value `bytes` in this scope\n  --> chapters/02-http-by-hand/src/lib.rs:3:5"
        );
        assert!(
            compiled
                .files
                .contains(&PathBuf::from("/t/debug/deps/libchapter01-1.rlib"))
        );
    }
}
