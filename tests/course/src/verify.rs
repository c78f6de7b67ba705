//! `course verify`: the checks that keep the course honest, for maintainers
//! and CI.
//!
//! 1. The manifest makes sense: ids in order, real hints, book sections
//!    that exist, a directory for every chapter and no stray ones, a marker
//!    in the solution for every exercise.
//! 2. The harness's hand-made reading of `course.toml` agrees with a real
//!    TOML parser.
//! 3. Every starter is exactly what `course sync` generates.
//! 4. Every stage test names an exercise of its chapter, and every exercise
//!    has a test.
//! 5. Every stage test FAILS on the starter: a test that passes before the
//!    learner wrote anything cannot tell them anything.
//! 6. Every test of every solution passes.
//!
//! Problems are collected, not fatal, so one run lists all of them.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use crate::manifest::{Chapter, Manifest, mdbook_id, parse_exercise_id};
use crate::run::{Build, Cargo, TestOutcome, compiler_errors, trim_failure};
use crate::sync::{self, slashes};

/// The manifest the harness was compiled with (it embeds the same file), to
/// compare its reading with ours.
const HARNESS_MANIFEST: &str = include_str!("../../../course.toml");

/// The outcome of a verify run.
#[derive(Debug, Default)]
pub struct Report {
    /// How many individual checks ran.
    pub checks: usize,
    /// What is wrong, one sentence each, with the file to fix.
    pub problems: Vec<String>,
}

impl Report {
    /// Counts one check, and records `problem` if it failed.
    fn expect(&mut self, ok: bool, problem: impl FnOnce() -> String) {
        self.checks += 1;
        if !ok {
            self.problems.push(problem());
        }
    }

    /// Records a problem found without a yes/no check of its own.
    fn problem(&mut self, problem: String) {
        self.checks += 1;
        self.problems.push(problem);
    }
}

/// Runs every check on the course under `cargo.root()`, printing progress
/// and then the result. Returns true when nothing is wrong.
/// `test_solutions` false skips running the solutions' tests, for a caller
/// that has just run them with `cargo test`.
pub fn verify(cargo: &Cargo, manifest: &Manifest, test_solutions: bool) -> bool {
    let report = check_course(cargo, manifest, test_solutions);
    if report.problems.is_empty() {
        println!("verify: all {} checks passed", report.checks);
        return true;
    }
    println!();
    println!(
        "verify: {} problem(s) in {} checks:",
        report.problems.len(),
        report.checks
    );
    for (number, problem) in report.problems.iter().enumerate() {
        println!("{:>4}. {}", number + 1, problem.replace('\n', "\n      "));
    }
    false
}

/// Runs every check and returns what it found.
pub fn check_course(cargo: &Cargo, manifest: &Manifest, test_solutions: bool) -> Report {
    let root = cargo.root();
    let mut report = Report::default();
    println!("verify: manifest, directories and book sections...");
    check_manifest(root, manifest, &mut report);
    println!("verify: the harness's reading of course.toml...");
    check_harness_reading(root, manifest, &mut report);
    let ready: Vec<&Chapter> = manifest
        .available()
        .filter(|c| root.join(c.solution_dir()).is_dir() && root.join(c.starter_dir()).is_dir())
        .collect();
    for chapter in &ready {
        println!(
            "verify: chapter {}: starter up to date (sync --check)...",
            chapter.nn()
        );
        match sync::check_chapter(root, manifest, chapter) {
            Ok(problems) => {
                report.checks += 1;
                report.problems.extend(problems);
            }
            Err(e) => report.problem(e),
        }
        println!("verify: chapter {}: test names...", chapter.nn());
        check_test_names(root, chapter, &mut report);
        println!(
            "verify: chapter {}: starter tests (expect all to fail)...",
            chapter.nn()
        );
        check_starter_fails(cargo, chapter, &mut report);
        if test_solutions {
            println!(
                "verify: chapter {}: solution tests (expect all to pass)...",
                chapter.nn()
            );
            check_solution_passes(cargo, chapter, &mut report);
        }
    }
    report
}

/// Check 1: the manifest itself, the directories, and the book.
fn check_manifest(root: &Path, manifest: &Manifest, report: &mut Report) {
    let mut ids = HashSet::new();
    for (index, chapter) in manifest.chapters.iter().enumerate() {
        let expected_number = index as u32 + 1;
        report.expect(chapter.number == expected_number, || {
            format!(
                "course.toml: chapter {} is number {} in the list; chapters are numbered 1, 2, ... in order",
                chapter.number, expected_number
            )
        });
        let slug_ok = !chapter.slug.is_empty()
            && chapter
                .slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        report.expect(slug_ok, || {
            format!(
                "course.toml: chapter {}'s slug {:?} must be lower-case letters, digits and -",
                chapter.nn(),
                chapter.slug
            )
        });
        report.expect(root.join(chapter.book_page()).is_file(), || {
            format!(
                "{} (the page of chapter {}) does not exist",
                slashes(&chapter.book_page()),
                chapter.nn()
            )
        });
        check_directories(root, chapter, report);
        let headings = heading_ids(&root.join(chapter.book_page()));
        for (position, exercise) in chapter.exercises.iter().enumerate() {
            let expected_id = format!("{}.{}", chapter.number, position + 1);
            report.expect(ids.insert(exercise.id.clone()), || {
                format!("course.toml: exercise id {} appears twice", exercise.id)
            });
            report.expect(exercise.id == expected_id, || {
                let owner = match parse_exercise_id(&exercise.id) {
                    Some((n, _)) if n != chapter.number => format!(" (it names chapter {n})"),
                    _ => String::new(),
                };
                format!(
                    "course.toml: exercise {} is the exercise number {} of chapter {}, so its id must be {expected_id}{owner}",
                    exercise.id,
                    position + 1,
                    chapter.nn()
                )
            });
            for (field, value) in [
                ("title", &exercise.title),
                ("file", &exercise.file),
                ("section", &exercise.section),
            ] {
                report.expect(!value.trim().is_empty(), || {
                    format!("course.toml: exercise {} has an empty {field}", exercise.id)
                });
            }
            report.expect(is_real_hint(&exercise.hint, &exercise.title), || {
                format!(
                    "course.toml: exercise {}'s hint is empty or only repeats the title; write a sentence that helps",
                    exercise.id
                )
            });
            if let Some(headings) = &headings {
                report.expect(headings.contains(&exercise.section), || {
                    format!(
                        "{} has no heading whose id is {:?} (the section of exercise {}); mdBook makes ids from headings like `### Exercise {}: {}`",
                        slashes(&chapter.book_page()),
                        exercise.section,
                        exercise.id,
                        exercise.id,
                        exercise.title
                    )
                });
            }
        }
        if !chapter.planned && root.join(chapter.solution_dir()).is_dir() {
            for missing in sync::missing_markers(root, chapter) {
                report.problem(missing);
            }
        }
    }
    for parent in ["chapters", "solutions"] {
        let known: HashSet<String> = manifest.chapters.iter().map(Chapter::dir_name).collect();
        let Ok(entries) = fs::read_dir(root.join(parent)) else {
            continue;
        };
        for entry in entries.flatten().filter(|e| e.path().is_dir()) {
            let name = entry.file_name().to_string_lossy().into_owned();
            report.expect(known.contains(&name), || {
                format!("{parent}/{name} is not a chapter of course.toml (a stray directory: add the chapter or remove it)")
            });
        }
    }
}

/// A chapter that exists has both crates and exercises; a planned one has
/// neither crate yet.
fn check_directories(root: &Path, chapter: &Chapter, report: &mut Report) {
    for dir in [chapter.starter_dir(), chapter.solution_dir()] {
        let exists = root.join(&dir).is_dir();
        if chapter.planned {
            report.expect(!exists, || {
                format!("{} exists, but chapter {} is planned in course.toml (remove `planned = true` once it is written)", slashes(&dir), chapter.nn())
            });
        } else {
            report.expect(exists, || {
                let fix = if dir == chapter.starter_dir() {
                    "; `cargo course sync` generates it from the solution"
                } else {
                    ""
                };
                format!(
                    "{} is missing (chapter {} is not planned){fix}",
                    slashes(&dir),
                    chapter.nn()
                )
            });
        }
    }
    if !chapter.planned {
        report.expect(!chapter.exercises.is_empty(), || {
            format!("course.toml: chapter {} has no exercises", chapter.nn())
        });
    }
}

/// A hint must say more than the title does.
fn is_real_hint(hint: &str, title: &str) -> bool {
    let letters = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    !hint.trim().is_empty() && letters(hint) != letters(title)
}

/// The mdBook ids of the headings of a markdown page (outside code blocks),
/// or `None` when the page cannot be read (reported elsewhere).
fn heading_ids(page: &Path) -> Option<HashSet<String>> {
    let text = fs::read_to_string(page).ok()?;
    let mut ids = HashSet::new();
    let mut in_code = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_code = !in_code;
            continue;
        }
        let level = trimmed.bytes().take_while(|b| *b == b'#').count();
        if in_code || !(1..=6).contains(&level) || !trimmed[level..].starts_with(' ') {
            continue;
        }
        let heading = trimmed[level..].trim().trim_end_matches('#').trim();
        // mdBook honours an explicit `{#id}` at the end of a heading.
        let id = match heading.rsplit_once("{#") {
            Some((_, custom)) if custom.ends_with('}') => custom.trim_end_matches('}').to_string(),
            _ => mdbook_id(heading),
        };
        ids.insert(id);
    }
    Some(ids)
}

/// Check 2: the harness reads `course.toml` by hand (it is std-only); its
/// reading must agree with the TOML parser's for every field it reads.
fn check_harness_reading(root: &Path, manifest: &Manifest, report: &mut Report) {
    let current = fs::read_to_string(root.join("course.toml")).unwrap_or_default();
    if current.replace("\r\n", "\n") != HARNESS_MANIFEST.replace("\r\n", "\n") {
        println!(
            "verify:   (skipped: the harness was built with another course.toml than {})",
            root.display()
        );
        return;
    }
    let ours: Vec<(String, String, String, String)> = manifest
        .chapters
        .iter()
        .flat_map(|c| {
            c.exercises.iter().map(move |e| {
                (
                    e.id.clone(),
                    e.title.clone(),
                    c.page.clone(),
                    e.section.clone(),
                )
            })
        })
        .collect();
    let harness: Vec<(String, String, String, String)> = harness::manifest::exercises()
        .into_iter()
        .map(|e| (e.id.into(), e.title.into(), e.page.into(), e.section.into()))
        .collect();
    report.expect(ours.len() == harness.len(), || {
        format!(
            "the harness reads {} exercises in course.toml, the TOML parser {}",
            harness.len(),
            ours.len()
        )
    });
    for (ours, theirs) in ours.iter().zip(&harness) {
        report.expect(ours == theirs, || {
            format!(
                "the harness reads exercise {} of course.toml as {theirs:?}, the TOML parser as {ours:?}: keep course.toml flat (one key = \"value\" per line)",
                ours.0
            )
        });
    }
}

/// Check 4: test names in `tests/chapterNN.rs`.
fn check_test_names(root: &Path, chapter: &Chapter, report: &mut Report) {
    let file = slashes(&chapter.test_file());
    let Ok(text) = fs::read_to_string(root.join(chapter.test_file())) else {
        report.problem(format!(
            "{file} (the stage tests of chapter {}) does not exist",
            chapter.nn()
        ));
        return;
    };
    let tests = test_functions(&text);
    for (line, name) in &tests {
        let id = test_exercise_id(name);
        match id {
            None => report.problem(format!(
                "{file}:{line}: test `{name}` does not start with exN_M_ (the exercise it checks, such as ex{}_1_)",
                chapter.number
            )),
            Some(id) => report.expect(chapter.exercises.iter().any(|e| e.id == id), || {
                format!("{file}:{line}: test `{name}` names exercise {id}, which is not an exercise of chapter {}", chapter.nn())
            }),
        }
    }
    for exercise in &chapter.exercises {
        let prefix = exercise.test_prefix();
        report.expect(
            tests.iter().any(|(_, name)| name.starts_with(&prefix)),
            || {
                format!(
                    "{file}: exercise {} has no test (name one `{prefix}...`)",
                    exercise.id
                )
            },
        );
    }
}

/// The test functions of a test file (`#[test]`, and async ones under
/// `#[tokio::test]` or `#[tokio::test(...)]`) and the rows of its table
/// macros, with their line numbers.
fn test_functions(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut after_test_attribute = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        // A row of a table macro (`parse_table!`, `stage_table!`) is a
        // test of its own, named by the row: `ex3_1_finds_the_line:`.
        if let Some(row) = trimmed.strip_suffix(':') {
            if row.starts_with("ex") && row.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                found.push((index + 1, row.to_string()));
                continue;
            }
        }
        if trimmed.starts_with("#[test]") || trimmed.starts_with("#[tokio::test") {
            after_test_attribute = true;
        } else if after_test_attribute {
            if let Some((_, rest)) = trimmed.split_once("fn ") {
                after_test_attribute = false;
                // `fn $name` is a macro's template, not a test: the tests it
                // generates are named by its invocations, and the run itself
                // shows their names to the other checks.
                if rest.starts_with('$') {
                    continue;
                }
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                found.push((index + 1, name));
            }
        }
    }
    found
}

/// The exercise id in a test name: `ex1_2_serves` names `1.2`.
fn test_exercise_id(name: &str) -> Option<String> {
    let rest = name.strip_prefix("ex")?;
    let mut parts = rest.splitn(3, '_');
    let (chapter, exercise, _) = (parts.next()?, parts.next()?, parts.next()?);
    let id = format!("{chapter}.{exercise}");
    parse_exercise_id(&id).map(|_| id)
}

/// Check 5: the starter compiles, and every stage test fails on it.
fn check_starter_fails(cargo: &Cargo, chapter: &Chapter, report: &mut Report) {
    let package = chapter.package();
    let starter = slashes(&chapter.starter_dir());
    match cargo.build_tests(&package, Some(&package)) {
        Err(e) => return report.problem(e),
        Ok(Build::Failed { errors, .. }) => {
            return report.problem(format!("the starter {starter} does not compile:\n{errors}"));
        }
        Ok(Build::Compiled) => report.checks += 1,
    }
    let results = match cargo.test(&package, Some(&package)) {
        Ok((_, results)) => results,
        Err(e) => return report.problem(e),
    };
    report.expect(!results.is_empty(), || {
        format!("no stage test ran on the starter {starter}")
    });
    for test in results {
        report.expect(test.outcome == TestOutcome::Failed, || match test.outcome {
            TestOutcome::Ignored => format!("test `{}` is ignored: an ignored test checks nothing", test.name),
            _ => format!(
                "test `{}` passes on the starter {starter}: a test that passes before the exercise is written cannot fail, so it checks nothing",
                test.name
            ),
        });
    }
}

/// Check 6: every test of the solution passes (unit tests and doc tests too).
fn check_solution_passes(cargo: &Cargo, chapter: &Chapter, report: &mut Report) {
    let package = chapter.solution_package();
    let (output, results) = match cargo.test(&package, None) {
        Ok(run) => run,
        Err(e) => return report.problem(e),
    };
    let failed = results.iter().any(|t| t.outcome == TestOutcome::Failed);
    if !output.success && !failed {
        let (errors, _) = compiler_errors(&output.stderr);
        report.problem(format!(
            "`cargo test -p {package}` failed before its tests ran:\n{errors}"
        ));
    }
    report.expect(!results.is_empty(), || format!("no test ran for {package}"));
    for test in results {
        report.expect(test.outcome == TestOutcome::Passed, || match test.outcome {
            TestOutcome::Ignored => format!(
                "test `{}` of {package} is ignored: an ignored test checks nothing",
                test.name
            ),
            _ => format!(
                "test `{}` fails on the solution {package}:\n{}",
                test.name,
                trim_failure(&test.output, 12)
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_test_functions_and_their_exercise() {
        let text = "#[test]\nfn ex1_2_serves() {}\n\n#[test]\n#[should_panic]\nfn helper_check() {}\nfn not_a_test() {}\n#[test]\nfn $name() {}\n\
                    #[tokio::test(start_paused = true)]\nasync fn ex7_2_waits() {}\n";
        assert_eq!(
            test_functions(text),
            [
                (2, "ex1_2_serves".to_string()),
                (6, "helper_check".to_string()),
                (11, "ex7_2_waits".to_string())
            ]
        );
        assert_eq!(test_exercise_id("ex1_2_serves").as_deref(), Some("1.2"));
        assert_eq!(test_exercise_id("ex10_3_x").as_deref(), Some("10.3"));
        assert_eq!(test_exercise_id("helper_check"), None);
        assert_eq!(test_exercise_id("ex1_serves"), None);
    }

    #[test]
    fn a_hint_must_say_more_than_the_title() {
        assert!(is_real_hint(
            "Loop until read returns Ok(0).",
            "Echo one connection"
        ));
        assert!(!is_real_hint("  ", "Echo one connection"));
        assert!(!is_real_hint("Echo one connection.", "Echo one connection"));
    }
}

#[cfg(test)]
mod fixture_tests {
    use super::*;
    use crate::fixture::TempCourse;

    /// The whole of verify on the miniature course, whose one defect is a
    /// test that passes on the starter: verify must find that, and only that.
    #[test]
    fn catches_a_test_that_passes_on_the_starter() {
        let course = TempCourse::new("verify");
        let chapter = &course.manifest.chapters[0];
        sync::sync_chapter(&course.root, &course.manifest, chapter, false).unwrap();
        let cargo = Cargo::new(&course.root).with_target_dir(&course.target_dir());
        let report = check_course(&cargo, &course.manifest, true);
        assert_eq!(report.problems.len(), 1, "{:#?}", report.problems);
        assert!(
            report.problems[0]
                .starts_with("test `ex1_2_cannot_fail` passes on the starter chapters/01-tiny"),
            "{:#?}",
            report.problems
        );
        assert!(report.checks > 20, "{}", report.checks);
    }

    #[test]
    fn catches_manifest_and_book_mistakes() {
        let course = TempCourse::new("verify-manifest");
        let mut manifest = course.manifest.clone();
        manifest.chapters[0].exercises[1].hint = "Greet by name".into();
        manifest.chapters[0].exercises[1].section = "exercise-12-greet".into();
        std::fs::create_dir_all(course.path("chapters/07-stray")).unwrap();
        let mut report = Report::default();
        check_manifest(&course.root, &manifest, &mut report);
        let problems = report.problems.join("\n");
        assert!(
            problems.contains("chapters/01-tiny is missing"),
            "{problems}"
        );
        assert!(
            problems.contains("exercise 1.2's hint is empty or only repeats the title"),
            "{problems}"
        );
        assert!(
            problems
                .contains("book/src/ch01-tiny.md has no heading whose id is \"exercise-12-greet\""),
            "{problems}"
        );
        assert!(
            problems.contains("chapters/07-stray is not a chapter of course.toml"),
            "{problems}"
        );
    }
}
