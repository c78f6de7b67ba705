//! The learner's commands `course` (every chapter) and `course check NN`
//! (one chapter with its failure messages).
//!
//! Progress is recomputed from the stage tests every time, never stored, so
//! it cannot drift from the code: a test named `ex1_2_...` belongs to
//! exercise 1.2, and the exercise passes when all its tests pass.

use crate::manifest::{Chapter, Exercise, Manifest, reads_chinese};
use crate::run::{Build, Cargo, TestOutcome, TestResult, trim_failure};
use crate::sync::slashes;
use crate::table::{self, ChapterProgress, Status, bold};

/// What running one chapter's stage tests found.
#[derive(Debug, Clone)]
pub struct ChapterRun<'a> {
    /// The status of each exercise.
    pub progress: ChapterProgress<'a>,
    /// The failing tests, with their trimmed messages.
    pub failures: Vec<(String, String)>,
    /// Where the first compiler error is, if the crate does not compile.
    pub compile_error_at: Option<String>,
}

/// `course`: tests every available chapter, prints the table and the next
/// step. Returns true when everything passes.
pub fn home(cargo: &Cargo, manifest: &Manifest, color: bool) -> bool {
    let chapters: Vec<&Chapter> = manifest.available().collect();
    let cold = chapters.iter().filter(|c| never_built(cargo, c)).count();
    if let Some(line) = first_build_line(cold, chapters.len()) {
        println!("{line}");
    }
    let runs: Vec<ChapterRun<'_>> = chapters
        .iter()
        .enumerate()
        .map(|(index, chapter)| run_chapter(cargo, chapter, Some((index + 1, chapters.len()))))
        .collect();
    println!();
    let progress: Vec<ChapterProgress<'_>> = runs.iter().map(|r| r.progress.clone()).collect();
    print!("{}", table::render(&progress, color));
    println!();
    println!("{}", next_step(manifest, &runs, color, reads_chinese()));
    if let Some(planned) = planned_line(manifest) {
        println!();
        println!("{planned}");
    }
    runs.iter().all(|r| r.progress.all_pass())
}

/// `course check NN`: one chapter's table, each failing test's message, and
/// the next step. Returns true when the whole chapter passes.
pub fn check(cargo: &Cargo, manifest: &Manifest, chapter: &Chapter, color: bool) -> bool {
    if never_built(cargo, chapter) {
        println!(
            "Chapter {} has not been compiled yet: its first build can take a few minutes. {LATER}",
            chapter.nn()
        );
    }
    let run = run_chapter(cargo, chapter, None);
    println!();
    print!(
        "{}",
        table::render(std::slice::from_ref(&run.progress), color)
    );
    // A test that only reached a todo!() (its own exercise's, or an earlier
    // one's) says nothing new: one line per exercise is enough. The others
    // get their whole message.
    let unstarted: Vec<(&Exercise, &Status)> = chapter
        .exercises
        .iter()
        .zip(&run.progress.statuses)
        .filter(|(_, status)| matches!(status, Status::NotStarted | Status::Waiting(_)))
        .collect();
    let (waiting, failing): (Vec<_>, Vec<_>) = run.failures.iter().partition(|(name, message)| {
        unstarted.iter().any(|(e, _)| {
            test_fn_name(name).starts_with(&e.test_prefix()) && todo_id(message).is_some()
        })
    });
    if !waiting.is_empty() {
        println!();
        println!(
            "{}",
            bold("Not started (their tests stop at a todo!()):", color)
        );
        for (exercise, status) in &unstarted {
            let tests: Vec<&&(String, String)> = waiting
                .iter()
                .filter(|(name, _)| test_fn_name(name).starts_with(&exercise.test_prefix()))
                .collect();
            let at = match status {
                Status::Waiting(id) => format!(", at exercise {id}'s todo!(): do {id} first"),
                _ => tests
                    .iter()
                    .find_map(|(_, message)| todo_location(message, exercise))
                    .map(|at| format!(", the todo!() is at {at}"))
                    .unwrap_or_default(),
            };
            println!("  {}  {} test(s){at}", exercise.id, tests.len());
        }
    }
    if !failing.is_empty() {
        println!();
        println!(
            "{}",
            bold(&format!("Failing tests ({}):", failing.len()), color)
        );
        for (name, message) in failing {
            println!();
            println!("{}", bold(&format!("--- {name}"), color));
            println!("{message}");
        }
    }
    println!();
    println!(
        "{}",
        next_step(manifest, std::slice::from_ref(&run), color, reads_chinese())
    );
    run.progress.all_pass()
}

/// What the first-build messages promise about the runs after it.
const LATER: &str = "Later runs rebuild only what changed, in seconds.";

/// Whether `chapter`'s crate is there but its tests were never compiled:
/// its first build compiles its dependencies too, and a learner who is not
/// told so thinks the tool hangs.
fn never_built(cargo: &Cargo, chapter: &Chapter) -> bool {
    cargo.root().join(chapter.starter_dir()).is_dir() && !cargo.has_built_test(&chapter.package())
}

/// The line printed before the builds when `cold` of the `total` chapters
/// were never compiled; `None` when every one was.
fn first_build_line(cold: usize, total: usize) -> Option<String> {
    match cold {
        0 => None,
        _ if cold == total => Some(format!(
            "The first run compiles every chapter ({total}) and what they depend on: it takes a few minutes. {LATER}"
        )),
        _ => Some(format!(
            "{cold} of the {total} chapters have not been compiled yet: compiling them can take a few minutes. {LATER}"
        )),
    }
}

/// The line that says a chapter is being built: `compiling` for a first
/// build, `building` when cargo only checks what changed, with the
/// chapter's place in the run (`3 of 8`) when there is more than one.
fn build_line(chapter: &Chapter, first_build: bool, place: Option<(usize, usize)>) -> String {
    let verb = if first_build { "compiling" } else { "building" };
    let place = place.map_or(String::new(), |(n, of)| format!(" ({n} of {of})"));
    format!("{verb} chapter {}{place}...", chapter.nn())
}

/// Builds and tests one chapter's crate, telling the learner what is going
/// on while it does (a first build takes a while). `place` is the
/// chapter's position in a run over several, and their count.
pub fn run_chapter<'a>(
    cargo: &Cargo,
    chapter: &'a Chapter,
    place: Option<(usize, usize)>,
) -> ChapterRun<'a> {
    let starter = slashes(&chapter.starter_dir());
    let does_not_compile = |at: Option<String>| ChapterRun {
        progress: ChapterProgress {
            chapter,
            statuses: vec![Status::DoesNotCompile; chapter.exercises.len()],
        },
        failures: Vec::new(),
        compile_error_at: at,
    };
    if !cargo.root().join(chapter.starter_dir()).is_dir() {
        println!(
            "chapter {}: {starter} is missing; `cargo course reset {}` makes a fresh one",
            chapter.nn(),
            chapter.nn()
        );
        return does_not_compile(Some(starter));
    }
    println!(
        "{}",
        build_line(chapter, !cargo.has_built_test(&chapter.package()), place)
    );
    let package = chapter.package();
    match cargo.build_tests(&package, Some(&package)) {
        Err(e) => {
            println!("  {e}");
            return does_not_compile(None);
        }
        Ok(Build::Failed { errors, location }) => {
            println!(
                "chapter {} does not compile. The compiler says:",
                chapter.nn()
            );
            println!();
            for line in errors.lines() {
                println!("    {line}");
            }
            println!();
            if let Some(at) = &location {
                println!("Fix {at} first (`cargo build -p {package}` shows every error).");
            }
            return does_not_compile(location.or(Some(starter)));
        }
        Ok(Build::Compiled) => {}
    }
    println!("testing chapter {}...", chapter.nn());
    let results = match cargo.test(&package, Some(&package)) {
        Ok((_, results)) => results,
        Err(e) => {
            println!("  {e}");
            Vec::new()
        }
    };
    classify(chapter, &results)
}

/// Turns one chapter's test results into a status per exercise and the
/// failure messages worth showing.
pub fn classify<'a>(chapter: &'a Chapter, results: &[TestResult]) -> ChapterRun<'a> {
    let statuses = chapter
        .exercises
        .iter()
        .map(|exercise| exercise_status(exercise, results))
        .collect();
    let failures = results
        .iter()
        .filter(|r| r.outcome == TestOutcome::Failed)
        .map(|r| (r.name.clone(), trim_failure(&r.output, 30)))
        .collect();
    ChapterRun {
        progress: ChapterProgress { chapter, statuses },
        failures,
        compile_error_at: None,
    }
}

/// An exercise passes when every one of its tests ran and passed; it is
/// not started when a failure is its own `todo!()` panicking.
fn exercise_status(exercise: &Exercise, results: &[TestResult]) -> Status {
    let prefix = exercise.test_prefix();
    let own: Vec<&TestResult> = results
        .iter()
        .filter(|r| test_fn_name(&r.name).starts_with(&prefix))
        .collect();
    if own.is_empty() {
        return Status::NoTests;
    }
    if own.iter().all(|r| r.outcome == TestOutcome::Passed) {
        return Status::Pass;
    }
    if own.iter().any(|r| r.outcome == TestOutcome::TimedOut) {
        return Status::Timeout;
    }
    if own.iter().any(|r| r.output.contains(&own_todo(exercise))) {
        return Status::NotStarted;
    }
    // Every failure stopped at another exercise's todo!(): this one cannot
    // be judged yet, which is not the same as failing.
    let failed = own.iter().filter(|r| r.outcome != TestOutcome::Passed);
    let blockers: Vec<Option<&str>> = failed.map(|r| todo_id(&r.output)).collect();
    match blockers.first() {
        Some(Some(first)) if blockers.iter().all(|b| b.is_some()) => {
            Status::Waiting(first.to_string())
        }
        _ => Status::Fail,
    }
}

/// The id of the exercise whose `todo!()` a failure message reports, if any.
fn todo_id(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once("not yet implemented: exercise ")?;
    rest.split_once(':').map(|(id, _)| id)
}

/// How the stub of `exercise` panics: `todo!` prefixes its message (see
/// sync.rs) with this, and the harness and libtest repeat it in the output.
fn own_todo(exercise: &Exercise) -> String {
    format!("not yet implemented: exercise {}:", exercise.id)
}

/// Where the exercise's `todo!()` is, from a trimmed failure message: the
/// `at path:line:col` line just before the todo's panic message.
fn todo_location<'m>(message: &'m str, exercise: &Exercise) -> Option<&'m str> {
    let lines: Vec<&str> = message.lines().collect();
    let todo = lines
        .iter()
        .position(|l| l.starts_with(&own_todo(exercise)))?;
    lines.get(todo.checked_sub(1)?)?.strip_prefix("at ")
}

/// A test's function name without its module path (`tests::ex1_1_x`).
pub fn test_fn_name(name: &str) -> &str {
    name.rsplit("::").next().unwrap_or(name)
}

/// What to do next: the first exercise that does not pass, with the file,
/// the book section, the hint and the check command; or, when all pass,
/// the chapter coming next.
/// With `chinese`, the rendered link is the Chinese book's.
pub fn next_step(
    manifest: &Manifest,
    runs: &[ChapterRun<'_>],
    color: bool,
    chinese: bool,
) -> String {
    let first_open = runs.iter().find_map(|run| {
        let chapter = run.progress.chapter;
        chapter
            .exercises
            .iter()
            .zip(&run.progress.statuses)
            .find(|(_, status)| **status != Status::Pass)
            .map(|(exercise, status)| (run, chapter, exercise, status.clone()))
    });
    let Some((run, chapter, exercise, status)) = first_open else {
        return all_done(manifest, runs, color);
    };
    let mut text = String::new();
    if status == Status::DoesNotCompile {
        let at = run
            .compile_error_at
            .clone()
            .unwrap_or_else(|| slashes(&chapter.starter_dir()));
        text.push_str(&format!(
            "{} make chapter {} compile again: the first error is at {at} (shown above).\n",
            bold("Next:", color),
            chapter.nn()
        ));
        text.push_str(&format!(
            "Then work on exercise {}, {}:\n",
            exercise.id, exercise.title
        ));
    } else {
        text.push_str(&format!(
            "{} exercise {}, {}\n",
            bold("Next:", color),
            exercise.id,
            exercise.title
        ));
    }
    text.push_str(&exercise_details(chapter, exercise, chinese));
    text.push_str(&format!(
        "  check  cargo course check {}   (or: cargo test -p {})",
        chapter.nn(),
        chapter.package()
    ));
    text
}

/// The lines a learner needs to start on an exercise.
fn exercise_details(chapter: &Chapter, exercise: &Exercise, chinese: bool) -> String {
    let rendered = if chinese {
        "in the rendered book, 简体中文"
    } else {
        "in the rendered book"
    };
    format!(
        "  edit   {}/{}\n  read   {}\n         ({rendered}: {})\n  hint   cargo course hint {}\n",
        slashes(&chapter.starter_dir()),
        exercise.file,
        exercise.book_link(chapter),
        exercise.rendered_link(chapter, chinese),
        exercise.id
    )
}

/// The message when every exercise shown passes.
fn all_done(manifest: &Manifest, runs: &[ChapterRun<'_>], color: bool) -> String {
    let count: usize = runs.iter().map(|r| r.progress.statuses.len()).sum();
    let scope = if runs.len() == 1 {
        format!("chapter {}", runs[0].progress.chapter.nn())
    } else {
        "the chapters so far".to_string()
    };
    let mut text = table::paint(
        &format!("All {count} exercises of {scope} pass. Well done!"),
        "\x1b[32m",
        color,
    );
    let last = runs
        .iter()
        .map(|r| r.progress.chapter.number)
        .max()
        .unwrap_or(0);
    let next = manifest.chapters.iter().find(|c| c.number > last);
    match next {
        Some(next) if next.planned => text.push_str(&format!(
            "\nComing next: chapter {}, {} (book/src/{}).",
            next.nn(),
            next.title,
            next.page
        )),
        Some(next) => text.push_str(&format!(
            "\nOn to chapter {}, {}: read book/src/{} and run `cargo course check {}`.",
            next.nn(),
            next.title,
            next.page,
            next.nn()
        )),
        None => text.push_str("\nThat was the last chapter: you have built a framework yourself."),
    }
    text
}

/// One line naming the chapters still to come, or `None` when there are none.
pub fn planned_line(manifest: &Manifest) -> Option<String> {
    let planned: Vec<String> = manifest
        .planned()
        .map(|c| format!("{} {}", c.nn(), c.title))
        .collect();
    (!planned.is_empty()).then(|| format!("Planned: {}.", planned.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest::parse(
            r#"
[[chapter]]
number = 1
slug = "echo"
title = "Echo"
page = "ch01-echo.md"

[[chapter.exercise]]
id = "1.1"
title = "Echo one connection"
file = "src/server.rs"
section = "exercise-11-echo-one-connection"
hint = "Loop: read into a buffer until Ok(0), writing back with write_all."

[[chapter.exercise]]
id = "1.2"
title = "Serve clients"
file = "src/server.rs"
section = "exercise-12-serve-clients"
hint = "Iterate over incoming()."

[[chapter]]
number = 2
slug = "parser"
title = "A parser"
page = "ch02-parser.md"
planned = true
"#,
        )
        .unwrap()
    }

    fn result(name: &str, outcome: TestOutcome, output: &str) -> TestResult {
        TestResult {
            name: name.into(),
            outcome,
            output: output.into(),
        }
    }

    #[test]
    fn an_exercise_stopped_by_an_earlier_todo_waits_for_it() {
        let manifest = manifest();
        let results = [
            result(
                "ex1_2_serves",
                TestOutcome::Failed,
                "not yet implemented: exercise 1.1: Echo",
            ),
            result("ex1_1_echoes", TestOutcome::Failed, "assertion failed"),
        ];
        let run = classify(&manifest.chapters[0], &results);
        assert_eq!(
            run.progress.statuses,
            [Status::Fail, Status::Waiting("1.1".into())]
        );
        assert_eq!(run.progress.statuses[1].label(), "not started (needs 1.1)");
    }

    #[test]
    fn an_exercise_is_not_started_only_by_its_own_todo() {
        let manifest = manifest();
        let results = [
            result(
                "ex1_1_echoes",
                TestOutcome::Failed,
                "not yet implemented: exercise 1.1: Echo",
            ),
            result(
                "ex1_2_serves",
                TestOutcome::Failed,
                "the echo came back different",
            ),
        ];
        let run = classify(&manifest.chapters[0], &results);
        assert_eq!(run.progress.statuses, [Status::NotStarted, Status::Fail]);
        assert_eq!(run.failures.len(), 2);
    }

    #[test]
    fn finds_where_the_todo_is() {
        let manifest = manifest();
        let exercise = &manifest.chapters[0].exercises[0];
        let message = "at chapters/01-echo/src/server.rs:29:5\nnot yet implemented: exercise 1.1: Echo\n\nat tests/chapter01.rs:4:5\n...";
        assert_eq!(
            todo_location(message, exercise),
            Some("chapters/01-echo/src/server.rs:29:5")
        );
        assert_eq!(
            todo_location("at x.rs:1:1\nassertion failed", exercise),
            None
        );
    }

    #[test]
    fn an_exercise_passes_when_all_its_tests_pass() {
        let manifest = manifest();
        let results = [
            result("ex1_1_a", TestOutcome::Passed, ""),
            result("ex1_1_b", TestOutcome::Passed, ""),
            result("ex1_2_a", TestOutcome::Passed, ""),
            result("ex1_2_b", TestOutcome::Failed, "assertion failed"),
        ];
        let run = classify(&manifest.chapters[0], &results);
        assert_eq!(run.progress.statuses, [Status::Pass, Status::Fail]);
        let none = classify(&manifest.chapters[0], &[]);
        assert_eq!(none.progress.statuses, [Status::NoTests, Status::NoTests]);
    }

    #[test]
    fn the_next_step_names_file_section_hint_and_check() {
        let manifest = manifest();
        let results = [
            result("ex1_1_a", TestOutcome::Passed, ""),
            result(
                "ex1_2_a",
                TestOutcome::Failed,
                "not yet implemented: exercise 1.2: Serve",
            ),
        ];
        let run = classify(&manifest.chapters[0], &results);
        assert_eq!(
            next_step(&manifest, std::slice::from_ref(&run), false, false),
            "Next: exercise 1.2, Serve clients
  edit   chapters/01-echo/src/server.rs
  read   book/src/ch01-echo.md#exercise-12-serve-clients
         (in the rendered book: ch01-echo.html#exercise-12-serve-clients)
  hint   cargo course hint 1.2
  check  cargo course check 01   (or: cargo test -p chapter01)"
        );
        // A learner whose LANG is zh_CN.UTF-8 is sent to the Chinese book,
        // at the same anchor.
        let chinese = next_step(&manifest, &[run], false, true);
        assert!(
            chinese.contains(
                "(in the rendered book, 简体中文: zh-CN/ch01-echo.html#exercise-12-serve-clients)"
            ),
            "{chinese}"
        );
    }

    #[test]
    fn when_all_pass_it_points_at_what_comes_next() {
        let manifest = manifest();
        let results = [
            result("ex1_1_a", TestOutcome::Passed, ""),
            result("ex1_2_a", TestOutcome::Passed, ""),
        ];
        let run = classify(&manifest.chapters[0], &results);
        assert_eq!(
            next_step(&manifest, &[run], false, false),
            "All 2 exercises of chapter 01 pass. Well done!\nComing next: chapter 02, A parser (book/src/ch02-parser.md)."
        );
        assert_eq!(
            planned_line(&manifest).as_deref(),
            Some("Planned: 02 A parser.")
        );
    }

    #[test]
    fn says_when_the_first_build_takes_minutes() {
        assert_eq!(first_build_line(0, 8), None);
        let all = first_build_line(8, 8).unwrap();
        assert!(
            all.starts_with("The first run compiles every chapter (8)"),
            "{all}"
        );
        assert!(all.contains("a few minutes"), "{all}");
        let some = first_build_line(2, 8).unwrap();
        assert!(
            some.starts_with("2 of the 8 chapters have not been compiled yet"),
            "{some}"
        );
        let manifest = manifest();
        let chapter = &manifest.chapters[0];
        assert_eq!(
            build_line(chapter, true, Some((1, 8))),
            "compiling chapter 01 (1 of 8)..."
        );
        assert_eq!(build_line(chapter, false, None), "building chapter 01...");
    }
}
