//! `course grade ROSTER`: a teacher grades a whole class with the course's
//! own stage tests, and gets a table, CSV, JSON and JUnit XML.
//!
//! The parts, in the order a grading goes:
//!
//! - [`roster`] reads who is graded and where their checkout is;
//! - [`workspace`] puts each student's `chapters/` into a scratch workspace
//!   made from the teacher's checkout, and notes what else they changed;
//! - [`compile`] builds the stage tests with cargo (into one target folder
//!   for the whole class, so the dependencies are compiled once);
//! - [`stage`] runs each test in a process of its own, under a deadline;
//! - [`report`] turns the results into JSON, CSV and JUnit XML.
//!
//! Units of work are one chapter of one student. They run `--jobs` at a
//! time, never two of the same student (one workspace, one `Cargo.lock`)
//! and never two of the same chapter: every student's chapter binary is
//! built to the same path in the shared target folder
//! (`target/debug/chapter01`), where the stage tests start it.

mod compile;
mod process;
mod report;
mod roster;
mod stage;
mod workspace;

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::manifest::{Chapter, Manifest, parse_chapter_arg};
use crate::progress::{classify, test_fn_name};
use crate::run::{Cargo, TestOutcome, TestResult};
use crate::sync::{slashes, write};
use crate::table::Status;

use report::{ChapterGrade, ExerciseGrade, Report, StudentGrade, TestGrade};
use stage::Limits;
use workspace::{Course, Prepared};

/// The one line `grade` starts with: what it is about to do to the machine.
pub const SAFETY: &str = "Grading runs each student's code on this machine, as you: use a container or a throwaway user for code you do not trust (the teachers' page of the book says how).";

/// The command line of `course grade`.
#[derive(Debug, clap::Args)]
pub struct GradeArgs {
    /// A folder with a subfolder per student (their checkout, named for
    /// them), or a CSV file of name,path rows.
    #[arg(value_name = "ROSTER")]
    roster: PathBuf,
    /// Only these chapters: 1,2,3 or 1-4 (default: every chapter).
    #[arg(long, value_name = "LIST")]
    chapters: Option<String>,
    /// Seconds one chapter's tests may take together; the build gets as long again.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    timeout: u64,
    /// Seconds any one stage test may take.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    test_timeout: u64,
    /// Chapters graded at the same time (default: half the CPUs).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Also write the whole report as JSON here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Also write a row per student and exercise as CSV here.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Also write a JUnit XML file per student into this folder.
    #[arg(long, value_name = "DIR")]
    junit: Option<PathBuf>,
    /// Where the students' scratch workspaces and the shared build go
    /// (default: target/grade in the course).
    #[arg(long, value_name = "DIR")]
    work: Option<PathBuf>,
}

/// `course grade`: grades the roster and writes what was asked for.
pub fn grade(root: &Path, manifest: &Manifest, args: &GradeArgs) -> Result<Report, String> {
    let started = Instant::now();
    let graded_at = chapter01::time::now_rfc3339();
    let students = roster::read(&args.roster)?;
    let chapters = select(manifest, args.chapters.as_deref())?;
    let cpus = thread::available_parallelism().map_or(2, |n| n.get());
    let jobs = args.jobs.unwrap_or(cpus / 2).max(1);
    // No two units of one chapter or of one student run at once, so with
    // one chapter (or one student) to grade, one unit runs at a time: its
    // tests then get every CPU.
    let at_once = jobs.min(chapters.len()).min(students.len()).max(1);
    let limits = Limits {
        chapter: Duration::from_secs(args.timeout),
        test: Duration::from_secs(args.test_timeout),
        parallel: (cpus / at_once).max(1),
    };
    let work = args
        .work
        .clone()
        .unwrap_or_else(|| root.join("target").join("grade"));
    let target = work.join("target");

    println!("{SAFETY}");
    println!(
        "grading {} student(s), chapter(s) {}, {at_once} at a time; a chapter's tests stop after {} s, a test after {} s",
        students.len(),
        chapters
            .iter()
            .map(|c| c.nn())
            .collect::<Vec<_>>()
            .join(","),
        args.timeout,
        args.test_timeout
    );
    println!(
        "building the course's stage tests into {} (the first time, this compiles every dependency: a few minutes)...",
        target.display()
    );
    let tests = course_tests(root, &target, &chapters)?;
    let course = Course::read(root)?;

    let mut prepared = Vec::new();
    for (index, student) in students.iter().enumerate() {
        let dir = work.join("students").join(format!(
            "{:02}-{}",
            index + 1,
            report::file_name(&student.name)
        ));
        prepared.push(workspace::prepare(&course, &chapters, student, &dir)?);
    }
    let units: Vec<(usize, usize)> = prepared
        .iter()
        .enumerate()
        .flat_map(|(s, p)| {
            chapters
                .iter()
                .enumerate()
                .filter(|(_, c)| p.present.contains(&c.number))
                .map(move |(c, _)| (s, c))
        })
        .collect();
    let total_units = units.len();
    let graded: Mutex<BTreeMap<(usize, usize), ChapterGrade>> = Mutex::new(BTreeMap::new());
    let schedule = Schedule::new(units);
    thread::scope(|scope| {
        for _ in 0..at_once {
            scope.spawn(|| {
                while let Some((s, c)) = schedule.next() {
                    let chapter = chapters[c];
                    let grade = grade_chapter(
                        &prepared[s],
                        chapter,
                        &tests[&chapter.number],
                        root,
                        &target,
                        limits,
                        args.timeout,
                    );
                    let mut graded = graded.lock().expect("a grader panicked");
                    println!(
                        "[{}/{total_units}] {}, chapter {}: {} of {} exercises ({:.0} s)",
                        graded.len() + 1,
                        students[s].name,
                        chapter.nn(),
                        grade.passed,
                        grade.total,
                        grade.seconds
                    );
                    graded.insert((s, c), grade);
                    drop(graded);
                    schedule.done(s, c);
                }
            });
        }
    });
    let mut graded = graded.into_inner().expect("a grader panicked");
    let students: Vec<StudentGrade> = students
        .iter()
        .zip(prepared)
        .enumerate()
        .map(|(s, (student, prepared))| StudentGrade {
            name: student.name.clone(),
            path: student.path.display().to_string(),
            notes: prepared.notes,
            chapters: chapters
                .iter()
                .enumerate()
                .map(|(c, chapter)| {
                    graded
                        .remove(&(s, c))
                        .unwrap_or_else(|| missing(chapter, &tests[&chapter.number]))
                })
                .collect(),
        })
        .collect();
    let report = Report {
        course: env!("CARGO_PKG_VERSION").to_string(),
        graded_at,
        students,
    };
    println!();
    print!("{}", render(&report, &chapters));
    write_files(&report, args)?;
    println!(
        "graded {} student(s) in {:.0} s",
        report.students.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(report)
}

/// The chapters a `--chapters` list names (`1,3` or `2-4`), in the
/// course's order; every available chapter without one.
pub fn select<'m>(manifest: &'m Manifest, list: Option<&str>) -> Result<Vec<&'m Chapter>, String> {
    let Some(list) = list else {
        return Ok(manifest.available().collect());
    };
    let mut numbers = HashSet::new();
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (first, last) = match item.split_once('-') {
            Some((a, b)) => (parse_chapter_arg(a.trim())?, parse_chapter_arg(b.trim())?),
            None => {
                let n = parse_chapter_arg(item)?;
                (n, n)
            }
        };
        for number in first..=last {
            manifest.available_chapter(number)?;
            numbers.insert(number);
        }
    }
    if numbers.is_empty() {
        return Err(format!(
            "--chapters {list:?} names no chapter: write 1,2 or 1-4"
        ));
    }
    Ok(manifest
        .available()
        .filter(|c| numbers.contains(&c.number))
        .collect())
}

/// The names of each chapter's stage tests, from the course's own build
/// of them (the reference solutions'): the same list for every student,
/// even one whose crate does not compile. Building them also compiles
/// every dependency the students' crates will share.
fn course_tests(
    root: &Path,
    target: &Path,
    chapters: &[&Chapter],
) -> Result<BTreeMap<u32, Vec<String>>, String> {
    let cargo = Cargo::new(root).with_target_dir(target);
    let packages: Vec<String> = chapters.iter().map(|c| c.solution_package()).collect();
    let tests: Vec<String> = chapters.iter().map(|c| c.package()).collect();
    // The course's own code, no student's: the limit only stops a build
    // that cannot finish.
    let deadline = Instant::now() + Duration::from_secs(4 * 3600);
    let compiled = compile::compile(&cargo, &packages, &tests, deadline)?;
    let mut lists = BTreeMap::new();
    for chapter in chapters {
        let dir = root.join(chapter.solution_dir());
        let Some(executable) = compiled.executables.get(&dir) else {
            let why = compiled
                .errors
                .get(&dir)
                .or(compiled.failure.as_ref())
                .cloned()
                .unwrap_or_default();
            return Err(format!(
                "the course's own stage tests of chapter {} do not build ({}): fix the course first\n{why}",
                chapter.nn(),
                chapter.solution_package()
            ));
        };
        lists.insert(chapter.number, stage::list(executable)?);
    }
    Ok(lists)
}

/// Builds and tests one chapter of one student.
fn grade_chapter(
    prepared: &Prepared,
    chapter: &Chapter,
    tests: &[String],
    root: &Path,
    target: &Path,
    limits: Limits,
    timeout: u64,
) -> ChapterGrade {
    let started = Instant::now();
    let cargo = Cargo::new(&prepared.dir).with_target_dir(target);
    let package = chapter.package();
    let crate_dir = prepared.dir.join(chapter.starter_dir());
    let deadline = Instant::now() + Duration::from_secs(timeout);
    // The package and its stage-test target share the name: chapter01.
    let package = std::slice::from_ref(&package);
    let compiled = compile::compile(&cargo, package, package, deadline);
    let mut grade = match &compiled {
        Err(e) => unbuilt(chapter, tests, e),
        Ok(compiled) => match compiled.executables.get(&crate_dir) {
            Some(executable) => {
                let mut ran = stage::run_all(executable, &crate_dir, tests, limits);
                // The stage tests are the teacher's: `tests/chapter01.rs:5:1`
                // reads better than the absolute path the compiler saw.
                let prefix = format!("{}{}", root.display(), std::path::MAIN_SEPARATOR);
                for test in &mut ran {
                    test.result.output = test.result.output.replace(&prefix, "");
                }
                graded(chapter, ran)
            }
            None => {
                let why = compiled
                    .errors
                    .get(&crate_dir)
                    .or(compiled.failure.as_ref())
                    .map_or("cargo built no test executable", String::as_str);
                unbuilt(chapter, tests, why)
            }
        },
    };
    // Only the shared dependencies stay: each student's binaries would
    // fill the disk (and the next student's build replaces them anyway).
    if let Ok(compiled) = compiled {
        for file in compiled.files {
            let _ = fs::remove_file(file);
        }
    }
    grade.seconds = started.elapsed().as_secs_f64();
    grade
}

/// A chapter whose tests ran: each exercise's status as `course check`
/// decides it, with every test's result.
fn graded(chapter: &Chapter, ran: Vec<stage::Ran>) -> ChapterGrade {
    let results: Vec<TestResult> = ran.iter().map(|r| r.result.clone()).collect();
    let run = classify(chapter, &results);
    let exercises: Vec<ExerciseGrade> = chapter
        .exercises
        .iter()
        .zip(&run.progress.statuses)
        .map(|(exercise, status)| ExerciseGrade {
            id: exercise.id.clone(),
            status: status_word(status).into(),
            tests: ran
                .iter()
                .filter(|r| test_fn_name(&r.result.name).starts_with(&exercise.test_prefix()))
                .map(|r| TestGrade {
                    name: r.result.name.clone(),
                    status: outcome_word(r.result.outcome).into(),
                    message: r.result.output.clone(),
                    seconds: r.seconds,
                })
                .collect(),
        })
        .collect();
    chapter_grade(chapter, exercises)
}

/// A chapter whose tests could not be built: every exercise and test
/// `does not compile`, with the compiler's first errors as the message.
fn unbuilt(chapter: &Chapter, tests: &[String], errors: &str) -> ChapterGrade {
    every_test(chapter, tests, "does not compile", errors)
}

/// A chapter the student does not have.
fn missing(chapter: &Chapter, tests: &[String]) -> ChapterGrade {
    let why = format!("{} is missing", slashes(&chapter.starter_dir()));
    every_test(chapter, tests, "not started", &why)
}

fn every_test(chapter: &Chapter, tests: &[String], status: &str, message: &str) -> ChapterGrade {
    let exercises = chapter
        .exercises
        .iter()
        .map(|exercise| ExerciseGrade {
            id: exercise.id.clone(),
            status: status.into(),
            tests: tests
                .iter()
                .filter(|name| test_fn_name(name).starts_with(&exercise.test_prefix()))
                .map(|name| TestGrade {
                    name: name.clone(),
                    status: status.into(),
                    message: message.into(),
                    seconds: 0.0,
                })
                .collect(),
        })
        .collect();
    chapter_grade(chapter, exercises)
}

fn chapter_grade(chapter: &Chapter, exercises: Vec<ExerciseGrade>) -> ChapterGrade {
    ChapterGrade {
        number: chapter.number,
        passed: exercises.iter().filter(|e| e.status == "pass").count(),
        total: exercises.len(),
        exercises,
        seconds: 0.0,
    }
}

/// An exercise's status in the report's words.
fn status_word(status: &Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::NotStarted | Status::Waiting(_) => "not started",
        Status::Timeout => "timeout",
        Status::DoesNotCompile => "does not compile",
        Status::NoTests => "no tests",
    }
}

/// A test's result in the report's words.
fn outcome_word(outcome: TestOutcome) -> &'static str {
    match outcome {
        TestOutcome::Passed => "pass",
        TestOutcome::Failed | TestOutcome::Ignored => "fail",
        TestOutcome::TimedOut => "timeout",
    }
}

/// Which unit of work (student, chapter) runs next: never two of the
/// same student, nor two of the same chapter, at once.
struct Schedule {
    state: Mutex<ScheduleState>,
    changed: Condvar,
}

struct ScheduleState {
    pending: Vec<(usize, usize)>,
    busy: Vec<(usize, usize)>,
}

impl Schedule {
    fn new(units: Vec<(usize, usize)>) -> Schedule {
        Schedule {
            state: Mutex::new(ScheduleState {
                pending: units,
                busy: Vec::new(),
            }),
            changed: Condvar::new(),
        }
    }

    /// The next unit free to run, waiting while every pending one clashes
    /// with a running one; `None` once nothing is pending.
    fn next(&self) -> Option<(usize, usize)> {
        let mut state = self.state.lock().expect("a grader panicked");
        loop {
            if state.pending.is_empty() {
                return None;
            }
            let free = state
                .pending
                .iter()
                .position(|&(s, c)| !state.busy.iter().any(|&(bs, bc)| bs == s || bc == c));
            if let Some(index) = free {
                let unit = state.pending.remove(index);
                state.busy.push(unit);
                return Some(unit);
            }
            state = self.changed.wait(state).expect("a grader panicked");
        }
    }

    fn done(&self, student: usize, chapter: usize) {
        let mut state = self.state.lock().expect("a grader panicked");
        state.busy.retain(|&unit| unit != (student, chapter));
        self.changed.notify_all();
    }
}

/// The terminal table: a row per student, `passed/total` per chapter,
/// then what the teacher should look at (notes, timeouts, crates that do
/// not compile).
fn render(report: &Report, chapters: &[&Chapter]) -> String {
    let width = report
        .students
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0)
        .max("student".len());
    let mut out = format!("{:<width$}", "student");
    for chapter in chapters {
        out.push_str(&format!("  {:>5}", chapter.nn()));
    }
    out.push_str("  total\n");
    for student in &report.students {
        out.push_str(&format!("{:<width$}", student.name));
        for chapter in &student.chapters {
            out.push_str(&format!(
                "  {:>5}",
                format!("{}/{}", chapter.passed, chapter.total)
            ));
        }
        let (passed, total) = student.totals();
        out.push_str(&format!("  {passed}/{total}\n"));
    }
    let mut remarks = Vec::new();
    for student in &report.students {
        for note in &student.notes {
            remarks.push(format!("{}: {note}", student.name));
        }
        for chapter in &student.chapters {
            let first_line = |status: &str, tests: &[TestGrade]| {
                tests
                    .iter()
                    .find(|t| t.status == status)
                    .map(|t| {
                        let line = t.message.lines().find(|l| !l.trim().is_empty());
                        format!(": {}", line.unwrap_or(&t.name))
                    })
                    .unwrap_or_default()
            };
            let all_tests: Vec<TestGrade> = chapter
                .exercises
                .iter()
                .flat_map(|e| e.tests.clone())
                .collect();
            if chapter
                .exercises
                .iter()
                .all(|e| e.status == "does not compile")
            {
                remarks.push(format!(
                    "{}: chapter {:02} does not compile{}",
                    student.name,
                    chapter.number,
                    first_line("does not compile", &all_tests)
                ));
                continue;
            }
            for exercise in chapter.exercises.iter().filter(|e| e.status == "timeout") {
                let stopped = exercise
                    .tests
                    .iter()
                    .filter(|t| t.status == "timeout")
                    .count();
                remarks.push(format!(
                    "{}: exercise {} timeout ({stopped} test(s) stopped{})",
                    student.name,
                    exercise.id,
                    first_line("timeout", &exercise.tests)
                ));
            }
        }
    }
    if !remarks.is_empty() {
        out.push_str("\nTo look at:\n");
        for remark in remarks {
            out.push_str(&format!("  {remark}\n"));
        }
    }
    out
}

/// Writes the files `--json`, `--csv` and `--junit` asked for.
fn write_files(report: &Report, args: &GradeArgs) -> Result<(), String> {
    if let Some(file) = &args.json {
        write(file, report::to_json(report).as_bytes())?;
        println!("wrote {}", file.display());
    }
    if let Some(file) = &args.csv {
        write(file, report::to_csv(report).as_bytes())?;
        println!("wrote {}", file.display());
    }
    if let Some(dir) = &args.junit {
        for student in &report.students {
            let file = dir.join(format!("{}.xml", report::file_name(&student.name)));
            write(
                &file,
                report::to_junit(student, &report.graded_at).as_bytes(),
            )?;
        }
        println!(
            "wrote {} JUnit file(s) into {}",
            report.students.len(),
            dir.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests;
