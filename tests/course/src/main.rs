//! `course`: the learner's home base, and the maintainers' sync and verify.
//!
//! Run it from anywhere in the repository with `cargo course ...` (the
//! alias in `.cargo/config.toml` for `cargo run -q -p course -- ...`).
//! This file holds only the command line (clap) and the dispatch; the
//! parts, one responsibility each:
//!
//! - [`manifest`] reads `course.toml`: chapters, exercises, and the names
//!   derived from them (directories, packages, book links); it also finds
//!   the repository.
//! - [`run`] is the one place that runs cargo, and reads libtest's output.
//! - [`progress`] is `course` and `course check NN`: test results turned
//!   into a status per exercise, and what to do next; [`table`] draws the
//!   progress table.
//! - [`hint`] is `course hint N.M`.
//! - [`solution`] compares a learner's files with the reference.
//! - [`reset`] gives a learner a fresh starter, their work kept in
//!   `backups/` (named by [`backup`]).
//! - [`watch`] re-checks a chapter whenever its files change.
//! - [`probe`] runs a black-box suite from the harness against any running
//!   server.
//! - [`bench`](mod@bench) measures the chapters' servers against a bare axum server.
//! - [`grade`](mod@grade) grades a class with the course's own tests, and
//!   [`classroom`] writes the autograding setup of a classroom system.
//! - [`sync`] generates each starter from its solution, and never destroys
//!   a learner's work.
//! - [`verify`] checks the whole course for the maintainers and CI.
//!
//! The tool's own tests run `sync` and `verify` on a miniature course
//! (`fixtures/mini`, copied to a temporary directory by `fixture`), so the
//! repository root is always a parameter, never global state.
//!
//! Progress is always recomputed from the tests, never stored.

// The doc comments on `Cli` and `Command` are clap's help text, written for
// a terminal (indented command lists, `<UTC time>`), not for rustdoc.
#![allow(rustdoc::invalid_rust_codeblocks, rustdoc::invalid_html_tags)]

mod backup;
mod bench;
mod classroom;
#[cfg(test)]
mod fixture;
mod grade;
mod hint;
mod manifest;
mod probe;
mod progress;
mod reset;
mod run;
mod solution;
mod sync;
mod table;
mod verify;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use manifest::{Manifest, find_root, normalize_exercise_arg, parse_chapter_arg};
use run::Cargo;
use table::use_color;

/// Your home base for the course: run it after every change.
///
/// With no command, it builds and tests each chapter you have, prints a
/// table of every exercise (pass, fail, not started, does not compile), and
/// names the next step: the exercise, the file to edit, the book section to
/// read. Progress always comes from running the tests, never from a file.
///
/// Run it from anywhere inside the repository (`cargo course` is short for
/// `cargo run -q -p course --`):
///
///     cargo course                  every chapter, and what to do next
///     cargo course check 01         chapter 1, with each failing test's message
///     cargo course hint 1.2         the hint for exercise 1.2
///     cargo course watch 01         re-check chapter 1 every time you save
///     cargo course probe http       check the server running on 127.0.0.1:7878
///     cargo course grade class/     for teachers: grade a folder of student checkouts
///     cargo course help check       more about one command
#[derive(Debug, Parser)]
#[command(name = "course", version, verbatim_doc_comment)]
struct Cli {
    /// The course repository (default: the nearest directory above with course.toml).
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Test one chapter: its table, then the message of each failing test.
    ///
    /// Runs `cargo test -p chapterNN` for you and keeps what helps: for each
    /// failing test, what it sent, what it expected, what came back, and the
    /// book section to read. Exits with 1 while a test fails.
    #[command(verbatim_doc_comment)]
    Check {
        /// The chapter number: 1 or 01.
        chapter: String,
    },
    /// Show the hint for one exercise, with its book section and file.
    Hint {
        /// The exercise id, as in the table: 1.2.
        exercise: String,
    },
    /// Show where a chapter's reference solution is, and how yours differs.
    ///
    /// Prints a unified diff of each of your files that differs from the
    /// reference solution: `-` lines are yours, `+` lines the reference's.
    /// Try the exercise first: the diff gives the whole answer away.
    #[command(verbatim_doc_comment)]
    Solution {
        /// The chapter number: 1 or 01.
        chapter: String,
    },
    /// Start a chapter over: your crate goes to backups/, a fresh starter comes in.
    ///
    /// Nothing is deleted: your chapters/NN-slug/ moves to
    /// backups/NN-slug-<UTC time>/ (which git ignores), and the command
    /// prints where.
    #[command(verbatim_doc_comment)]
    Reset {
        /// The chapter number: 1 or 01.
        chapter: String,
    },
    /// Re-check a chapter each time you save a file under chapters/ (Ctrl-C stops).
    ///
    /// It polls the files' modification times once a second instead of
    /// waiting for file-system events, so it works everywhere: on network
    /// drives, in Docker volumes and in WSL, where such events often never
    /// arrive. Press Ctrl-C to stop it.
    #[command(verbatim_doc_comment)]
    Watch {
        /// The chapter to check; without it, the chapter whose file changed.
        chapter: Option<String>,
    },
    /// Run a black-box suite against any running server, as a conformance tester does.
    ///
    /// The checks talk to the server only through its socket, so it can be
    /// your chapter's server, the reference solution, or one written in
    /// another language. Each check prints a line as it runs; a failing one
    /// also prints what it sent, what it expected, what came back, and the
    /// book section to read. Exits with 1 if any check fails.
    ///
    /// Start the server in one terminal, then probe it from another:
    ///
    ///     cargo run -p chapter03 -- --addr 127.0.0.1:7878
    ///     cargo course probe --addr 127.0.0.1:7878 http
    ///
    /// Suites:
    ///     http    HTTP/1.1 as chapter 3's server speaks it: parsing, errors,
    ///             responses, keep-alive (assumes only that GET / is 200)
    ///     app     the app of chapters 6 and 8: pages, /time, /hello, the
    ///             guestbook (posts entries with random markers), static files
    #[command(verbatim_doc_comment)]
    Probe {
        /// Where the server listens.
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:7878")]
        addr: String,
        /// The suite to run: http or app.
        suite: String,
    },
    /// For maintainers: regenerate the starters in chapters/ from the solutions.
    ///
    /// Each exercise region of a solution (from `// exercise N.M: title` to
    /// `// end exercise`) becomes a `todo!()`; everything else is copied.
    /// Sync never destroys work: a starter file edited since the last sync
    /// (see chapters/NN-slug/.course-sync) is left alone and reported, unless
    /// --force, which first copies it to backups/. Files that exist only in
    /// the starter are left alone too.
    #[command(verbatim_doc_comment)]
    Sync {
        /// Replace edited starter files too, after copying them to backups/.
        #[arg(long, conflicts_with = "check")]
        force: bool,
        /// Write nothing: list what differs from what sync would generate (exit 1 if anything).
        #[arg(long)]
        check: bool,
        /// Only this chapter (default: every chapter that is not planned).
        chapter: Option<String>,
    },
    /// Measure the chapters' servers against a bare axum server and Python's.
    ///
    /// A benchmark, not a test: nothing passes or fails, and the numbers
    /// depend on the machine (cores, CPU, what else runs): compare servers
    /// within one run, never numbers from two machines. It builds itself
    /// and each server in release mode, starts the servers on 127.0.0.1,
    /// checks that GET / answers 200 (the baseline then answers the same
    /// bytes as each), and loads each in turn with its own load generator,
    /// keep-alive, point after point, round after round; nothing else needs
    /// to be installed (Python's server is skipped where there is no
    /// Python). The default run takes about 5 servers x 3 counts x 3 rounds
    /// x 5 s = 4 minutes.
    ///
    ///     cargo course bench
    ///     cargo course bench --servers chapter05,baseline --workers 4,64
    ///     cargo course bench --servers chapter07,baseline,python --connections 1,16 --rate 1000,5000 --out bench
    ///     cargo course bench --check-generator
    ///
    /// Two kinds of load: --connections N is a closed loop (N connections,
    /// each sending its next request when the last is answered: the
    /// server's throughput); --rate R is an open loop (R requests a second
    /// on a schedule, each latency counted from when its request was due,
    /// so a server that stalls cannot hide it).
    ///
    /// Reading the table: one row per server and point; req/s is the
    /// median over the rounds, with the lowest and highest beside it; "vs
    /// baseline" divides it by the baseline's at the same point; p50 to
    /// p99.9 are latency percentiles; errors include every answer that is
    /// not 2xx or 3xx; timeouts count requests left waiting over 2 s, as
    /// a connection starved by a busy thread pool is. --out DIR also
    /// writes bench.json, bench.csv (every run) and SVG plots.
    ///
    /// Goals: the speed each stage aims for, relative to the axum baseline
    /// at 64 connections (chapter 5: 0.9x, chapter 7: 1.0x, chapter 8:
    /// 0.9x). The report ends with each, and whether this run reached it.
    /// --check-generator measures the generator itself against wrk (where
    /// wrk is installed), which it should match within 0.9x.
    #[command(verbatim_doc_comment)]
    Bench(bench::BenchArgs),
    /// For teachers: grade a class with the course's own tests.
    ///
    /// ROSTER is a folder with a subfolder per student (their checkout of
    /// the course, named for them) or a CSV file of name,path rows. Each
    /// student's chapters/ is built in a scratch workspace with the
    /// course's tests, harness and Cargo.toml from this checkout, so a
    /// student who edits the tests earns nothing by it (and is told, in a
    /// note). Each test runs in a process of its own; one that hangs is
    /// stopped at --test-timeout, a chapter's tests at --timeout, with
    /// every process they started, and counted as timeout. Dependencies
    /// are compiled once for the whole class, into target/grade.
    ///
    /// Grading runs the students' code (their tests' servers) on this
    /// machine, as you; it never runs a student's build script. Use a
    /// container or a throwaway user for code you do not trust.
    ///
    ///     cargo course grade class/
    ///     cargo course grade class.csv --chapters 1-4 --csv grades.csv
    ///     cargo course grade class/ --json grades.json --junit junit/
    #[command(verbatim_doc_comment)]
    Grade(grade::GradeArgs),
    /// For teachers: write the autograding workflow of a GitHub Classroom assignment.
    ///
    /// Writes .github/workflows/classroom.yml (one step per chapter, worth
    /// its exercises' points, run on every push) and
    /// .github/classroom/course.sha256 (the course's files as they are
    /// now; every step first checks that the student's copy matches, so
    /// edited tests earn nothing). Commit both to the template repository.
    #[command(verbatim_doc_comment)]
    Classroom(classroom::ClassroomArgs),
    /// For maintainers and CI: check that the whole course holds together.
    ///
    /// Checks the manifest (ids, hints, book sections, directories), the
    /// harness's reading of it, that the starters are up to date, the test
    /// names, that every stage test FAILS on each starter (a test that
    /// cannot fail checks nothing), and that every test of each solution
    /// passes. Prints a numbered list of problems and exits with 1 if any.
    #[command(verbatim_doc_comment)]
    Verify {
        /// Skip running the solutions' tests: `cargo test` has just run
        /// them (as CI does, before this), so running them again would
        /// only take time
        #[arg(long)]
        solutions_tested: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run_command(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("course: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_command(cli: Cli) -> Result<ExitCode, String> {
    let root = match cli.root {
        Some(root) => root,
        None => find_root()?,
    };
    let manifest = Manifest::load(&root)?;
    let cargo = Cargo::new(&root);
    let color = use_color();
    let ok = |passed: bool| {
        Ok(if passed {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    };
    match cli.command {
        // A progress report, not a verdict: it succeeds whatever the tests say.
        None => {
            progress::home(&cargo, &manifest, color);
            ok(true)
        }
        Some(Command::Check { chapter }) => {
            let chapter = manifest.available_chapter(parse_chapter_arg(&chapter)?)?;
            ok(progress::check(&cargo, &manifest, chapter, color))
        }
        Some(Command::Hint { exercise }) => {
            let id = normalize_exercise_arg(&exercise)?;
            print!("{}", hint::hint(&manifest, &id)?);
            ok(true)
        }
        Some(Command::Solution { chapter }) => {
            let chapter = manifest.available_chapter(parse_chapter_arg(&chapter)?)?;
            print!("{}", solution::compare(&root, chapter)?);
            ok(true)
        }
        Some(Command::Reset { chapter }) => {
            let chapter = manifest.available_chapter(parse_chapter_arg(&chapter)?)?;
            println!("{}", reset::reset(&root, &manifest, chapter)?);
            ok(true)
        }
        Some(Command::Watch { chapter }) => {
            let chapter = match chapter {
                Some(text) => Some(
                    manifest
                        .available_chapter(parse_chapter_arg(&text)?)?
                        .number,
                ),
                None => None,
            };
            watch::watch(&cargo, &manifest, chapter, color)
        }
        Some(Command::Sync {
            force,
            check,
            chapter,
        }) => {
            let chapters = match chapter {
                Some(text) => vec![manifest.available_chapter(parse_chapter_arg(&text)?)?],
                None => manifest.available().collect(),
            };
            if check {
                ok(sync::check_all(&root, &manifest, &chapters))
            } else {
                ok(sync::sync_all(&root, &manifest, &chapters, force))
            }
        }
        Some(Command::Probe { addr, suite }) => {
            let tally = probe::probe(&addr, &suite, &mut std::io::stdout().lock())?;
            ok(tally.failed == 0)
        }
        Some(Command::Bench(args)) => {
            bench::bench(&cargo, &args)?;
            ok(true)
        }
        Some(Command::Grade(args)) => {
            grade::grade(&root, &manifest, &args)?;
            ok(true)
        }
        Some(Command::Classroom(args)) => {
            println!("{}", classroom::classroom(&root, &manifest, &args)?);
            ok(true)
        }
        Some(Command::Verify { solutions_tested }) => {
            ok(verify::verify(&cargo, &manifest, !solutions_tested))
        }
    }
}
