//! What grading found, and the files it is written to: JSON (the whole
//! report), CSV (a row per student and exercise, for a grade book) and
//! JUnit XML (a file per student, as classroom systems and CI dashboards
//! read test results).

use std::io::Cursor;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde::Serialize;

/// Everything one `course grade` found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The course tool's version.
    pub course: String,
    /// When grading started, RFC 3339 in UTC.
    pub graded_at: String,
    pub students: Vec<StudentGrade>,
}

/// One student's results.
#[derive(Debug, Clone, Serialize)]
pub struct StudentGrade {
    pub name: String,
    pub path: String,
    /// What differs from the course (and was not used), for the teacher.
    pub notes: Vec<String>,
    pub chapters: Vec<ChapterGrade>,
}

/// One chapter of one student.
#[derive(Debug, Clone, Serialize)]
pub struct ChapterGrade {
    pub number: u32,
    /// Exercises that pass.
    pub passed: usize,
    /// Exercises in the chapter.
    pub total: usize,
    pub exercises: Vec<ExerciseGrade>,
    /// How long its build and tests took (JUnit's `time`).
    #[serde(skip)]
    pub seconds: f64,
}

/// One exercise: `pass`, `fail`, `not started`, `timeout` or `does not compile`.
#[derive(Debug, Clone, Serialize)]
pub struct ExerciseGrade {
    pub id: String,
    pub status: String,
    pub tests: Vec<TestGrade>,
}

/// One stage test: `pass`, `fail`, `timeout`, `does not compile` or
/// `not started` (the chapter's folder is missing); the message is empty
/// for a pass.
#[derive(Debug, Clone, Serialize)]
pub struct TestGrade {
    pub name: String,
    pub status: String,
    pub message: String,
    #[serde(skip)]
    pub seconds: f64,
}

impl StudentGrade {
    /// Exercises passed and exercises graded, over every chapter.
    pub fn totals(&self) -> (usize, usize) {
        self.chapters
            .iter()
            .fold((0, 0), |(p, t), c| (p + c.passed, t + c.total))
    }
}

/// The report as pretty JSON.
pub fn to_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("a report serializes") + "\n"
}

const CSV_HEADER: &[&str] = &[
    "student",
    "chapter",
    "exercise",
    "status",
    "tests_passed",
    "tests",
    "message",
];

/// A row per student and exercise; `message` is the first failing test's
/// first line, enough to see at a glance what went wrong.
pub fn to_csv(report: &Report) -> String {
    let mut rows = Vec::new();
    for student in &report.students {
        for chapter in &student.chapters {
            for exercise in &chapter.exercises {
                let passed = exercise.tests.iter().filter(|t| t.status == "pass").count();
                let message = exercise
                    .tests
                    .iter()
                    .find(|t| t.status != "pass")
                    .and_then(|t| t.message.lines().find(|l| !l.starts_with("at ")))
                    .unwrap_or_default();
                rows.push(vec![
                    student.name.clone(),
                    chapter.number.to_string(),
                    exercise.id.clone(),
                    exercise.status.clone(),
                    passed.to_string(),
                    exercise.tests.len().to_string(),
                    message.to_string(),
                ]);
            }
        }
    }
    chapter12::table::to_csv(CSV_HEADER, &rows)
}

/// One student's results as JUnit XML: a `testsuite` per chapter, a
/// `testcase` per stage test. A failing test is a `failure` (its message
/// the test's own); a test stopped at the time limit, or one that could
/// not run because its crate does not compile, is an `error`. Every
/// attribute the Ant JUnit schema requires is there.
pub fn to_junit(student: &StudentGrade, graded_at: &str) -> String {
    let mut xml = Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 2);
    let write = |xml: &mut Writer<Cursor<Vec<u8>>>, event: Event<'_>| {
        xml.write_event(event)
            .expect("writing to memory cannot fail");
    };
    // The schema's xs:dateTime, without a zone: the time is UTC.
    let timestamp = graded_at.trim_end_matches('Z');
    write(
        &mut xml,
        Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
    );
    let count = |status: &[&str]| {
        student
            .chapters
            .iter()
            .flat_map(|c| c.exercises.iter().flat_map(|e| &e.tests))
            .filter(|t| status.contains(&t.status.as_str()))
            .count()
    };
    let all_tests: usize = student
        .chapters
        .iter()
        .map(|c| c.exercises.iter().map(|e| e.tests.len()).sum::<usize>())
        .sum();
    let seconds: f64 = student.chapters.iter().map(|c| c.seconds).sum();
    let mut suites = BytesStart::new("testsuites");
    suites.push_attribute(("name", student.name.as_str()));
    suites.push_attribute(("tests", all_tests.to_string().as_str()));
    suites.push_attribute(("failures", count(FAILURES).to_string().as_str()));
    suites.push_attribute(("errors", count(ERRORS).to_string().as_str()));
    suites.push_attribute(("time", format!("{seconds:.3}").as_str()));
    write(&mut xml, Event::Start(suites));
    for (id, chapter) in student.chapters.iter().enumerate() {
        let tests: Vec<&TestGrade> = chapter.exercises.iter().flat_map(|e| &e.tests).collect();
        let in_chapter = |status: &[&str]| {
            tests
                .iter()
                .filter(|t| status.contains(&t.status.as_str()))
                .count()
        };
        let name = format!("chapter{:02}", chapter.number);
        let mut suite = BytesStart::new("testsuite");
        suite.push_attribute(("name", name.as_str()));
        suite.push_attribute(("package", name.as_str()));
        suite.push_attribute(("id", id.to_string().as_str()));
        suite.push_attribute(("tests", tests.len().to_string().as_str()));
        suite.push_attribute(("failures", in_chapter(FAILURES).to_string().as_str()));
        suite.push_attribute(("errors", in_chapter(ERRORS).to_string().as_str()));
        suite.push_attribute(("skipped", "0"));
        suite.push_attribute(("time", format!("{:.3}", chapter.seconds).as_str()));
        suite.push_attribute(("timestamp", timestamp));
        suite.push_attribute(("hostname", "localhost"));
        write(&mut xml, Event::Start(suite));
        write(&mut xml, Event::Empty(BytesStart::new("properties")));
        for exercise in &chapter.exercises {
            for test in &exercise.tests {
                let mut case = BytesStart::new("testcase");
                case.push_attribute(("name", test.name.as_str()));
                let classname = format!("{name}.exercise {}", exercise.id);
                case.push_attribute(("classname", classname.as_str()));
                case.push_attribute(("time", format!("{:.3}", test.seconds).as_str()));
                let element = match test.status.as_str() {
                    "pass" => None,
                    status if ERRORS.contains(&status) => Some("error"),
                    _ => Some("failure"),
                };
                let Some(element) = element else {
                    write(&mut xml, Event::Empty(case));
                    continue;
                };
                write(&mut xml, Event::Start(case));
                let first_line = test
                    .message
                    .lines()
                    .find(|l| !l.starts_with("at ") && !l.trim().is_empty())
                    .unwrap_or(test.status.as_str());
                let mut problem = BytesStart::new(element);
                problem.push_attribute(("message", first_line));
                problem.push_attribute(("type", test.status.as_str()));
                write(&mut xml, Event::Start(problem));
                write(&mut xml, Event::Text(BytesText::new(&test.message)));
                write(&mut xml, Event::End(BytesEnd::new(element)));
                write(&mut xml, Event::End(BytesEnd::new("testcase")));
            }
        }
        write(&mut xml, Event::Empty(BytesStart::new("system-out")));
        write(&mut xml, Event::Empty(BytesStart::new("system-err")));
        write(&mut xml, Event::End(BytesEnd::new("testsuite")));
    }
    write(&mut xml, Event::End(BytesEnd::new("testsuites")));
    let mut text = String::from_utf8(xml.into_inner().into_inner()).expect("XML of UTF-8 text");
    text.push('\n');
    text
}

/// Test statuses JUnit counts as failures: the test ran and failed.
const FAILURES: &[&str] = &["fail", "not started"];

/// Test statuses JUnit counts as errors: the test could not finish.
const ERRORS: &[&str] = &["timeout", "does not compile"];

/// A student's name as a file name: letters, digits, `-`, `_` and `.`
/// kept, anything else `_` (a name may hold spaces or a slash).
pub fn file_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    match safe.trim_start_matches('.') {
        "" => "student".into(),
        rest => rest.to_string(),
    }
}
