//! `grade` on a fixture class, made from this course's chapter 1: a fresh
//! starter, a solved chapter, a student who edited the tests, one whose
//! server never answers and whose client never returns, and one whose
//! crate does not compile. Real builds, real stage tests.

use std::fs;
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};
use serde_json::Value;

use super::*;
use crate::manifest::find_root;
use crate::sync::{crate_files, slash_to_path};

/// A test's limit in the fixture: the silent student's client hangs in
/// every test of exercise 1.3, and each such test is stopped at this.
const TEST_LIMIT: u64 = 10;

fn copy_dir(from: &Path, to: &Path) {
    for file in crate_files(from).unwrap() {
        let target = to.join(slash_to_path(&file));
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::copy(from.join(slash_to_path(&file)), target).unwrap();
    }
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", file.display());
    fs::write(file, text.replacen(from, to, 1)).unwrap();
}

/// The five students, in `class/`.
fn fixture_class(root: &Path, class: &Path) {
    let starter = root.join("chapters/01-echo");
    let solution_src = root.join("solutions/01-echo/src");
    let chapter = |student: &str| {
        let dir = class.join(student).join("chapters/01-echo");
        copy_dir(&starter, &dir);
        dir
    };
    chapter("fresh");

    let solved = chapter("solved");
    copy_dir(&solution_src, &solved.join("src"));

    // Tests that pass whatever the code does, in the course's file and
    // in a file of their own that their Cargo.toml points at; and a build
    // script, which could rewrite the tests before they compile.
    let cheat = chapter("edited-tests");
    let fake: String = (1..=5)
        .map(|n| format!("#[test]\nfn ex1_{n}_passes_anyway() {{}}\n"))
        .collect();
    let tests = class.join("edited-tests/tests");
    fs::create_dir_all(&tests).unwrap();
    fs::write(tests.join("chapter01.rs"), &fake).unwrap();
    fs::write(cheat.join("fake.rs"), &fake).unwrap();
    edit(
        &cheat.join("Cargo.toml"),
        "../../tests/chapter01.rs",
        "fake.rs",
    );
    fs::write(cheat.join("build.rs"), "fn main() {}\n").unwrap();

    let silent = chapter("silent");
    copy_dir(&solution_src, &silent.join("src"));
    edit(
        &silent.join("src/server.rs"),
        "pub fn echo(stream: &mut TcpStream) -> io::Result<u64> {",
        "pub fn echo(stream: &mut TcpStream) -> io::Result<u64> {\n    loop {\n        std::thread::park();\n    }\n    #[allow(unreachable_code)]",
    );
    edit(
        &silent.join("src/client.rs"),
        "pub fn exchange(addr: impl ToSocketAddrs, message: &[u8]) -> io::Result<Vec<u8>> {",
        "pub fn exchange(addr: impl ToSocketAddrs, message: &[u8]) -> io::Result<Vec<u8>> {\n    loop {\n        std::thread::park();\n    }\n    #[allow(unreachable_code)]",
    );

    let broken = chapter("broken");
    let server = broken.join("src/server.rs");
    let text = fs::read_to_string(&server).unwrap();
    fs::write(
        server,
        text + "\nfn broken() -> u32 {\n    \"not a number\"\n}\n",
    )
    .unwrap();
}

fn student<'r>(report: &'r Report, name: &str) -> &'r StudentGrade {
    report.students.iter().find(|s| s.name == name).unwrap()
}

fn statuses(student: &StudentGrade) -> Vec<(&str, &str)> {
    student.chapters[0]
        .exercises
        .iter()
        .map(|e| (e.id.as_str(), e.status.as_str()))
        .collect()
}

#[test]
fn grades_a_fixture_class() {
    let root = find_root().unwrap();
    let manifest = Manifest::load(&root).unwrap();
    let temp = harness::TempDir::new("course-grade");
    let class = temp.path().join("class");
    fixture_class(&root, &class);
    let out = temp.path().join("out");
    let args = GradeArgs {
        roster: class,
        chapters: Some("1".into()),
        timeout: 240,
        test_timeout: TEST_LIMIT,
        jobs: None,
        json: Some(out.join("grades.json")),
        csv: Some(out.join("grades.csv")),
        junit: Some(out.join("junit")),
        work: Some(temp.path().join("work")),
    };
    let report = grade(&root, &manifest, &args).unwrap();
    let names: Vec<&str> = report.students.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["broken", "edited-tests", "fresh", "silent", "solved"]
    );
    let chapter = &manifest.chapters[0];
    let exercises = chapter.exercises.len();

    let fresh = student(&report, "fresh");
    assert_eq!(
        (fresh.chapters[0].passed, fresh.chapters[0].total),
        (0, exercises)
    );
    assert!(
        statuses(fresh).iter().all(|(_, s)| *s == "not started"),
        "{:?}",
        statuses(fresh)
    );
    assert_eq!(fresh.notes, Vec::<String>::new());

    let solved = student(&report, "solved");
    assert_eq!(
        solved.chapters[0].passed, exercises,
        "{:#?}",
        solved.chapters[0]
    );
    assert!(
        solved.chapters[0]
            .exercises
            .iter()
            .all(|e| e.tests.iter().all(|t| t.status == "pass"))
    );

    let cheat = student(&report, "edited-tests");
    assert_eq!(cheat.chapters[0].passed, 0, "{:?}", statuses(cheat));
    for expected in [
        "tests/chapter01.rs differs from the course's: not used, the course's is",
        "chapters/01-echo/Cargo.toml differs from the course's: graded with the course's",
        "chapters/01-echo/build.rs is not run: grading never runs a student's build script",
    ] {
        assert!(
            cheat.notes.iter().any(|n| n == expected),
            "no note {expected:?} in {:#?}",
            cheat.notes
        );
    }
    let cheat_tests: Vec<&str> = cheat.chapters[0]
        .exercises
        .iter()
        .flat_map(|e| e.tests.iter().map(|t| t.name.as_str()))
        .collect();
    assert!(!cheat_tests.contains(&"ex1_1_passes_anyway"));

    // The server never answers and the client never returns: what they
    // block fails or times out, and the rest of the chapter is graded.
    let silent = student(&report, "silent");
    let silent_status = statuses(silent);
    assert!(
        silent_status.contains(&("1.3", "timeout")),
        "{silent_status:?}"
    );
    assert!(
        silent_status.contains(&("1.4", "pass")),
        "{silent_status:?}"
    );
    assert!(
        silent_status.contains(&("1.5", "pass")),
        "{silent_status:?}"
    );
    assert!(
        ["fail", "timeout"].contains(&silent_status[0].1),
        "{silent_status:?}"
    );
    for test in silent.chapters[0].exercises.iter().flat_map(|e| &e.tests) {
        // Each is stopped at its limit; the grader's own overhead is small.
        assert!(
            test.seconds < (TEST_LIMIT + 10) as f64,
            "{} ran {} s",
            test.name,
            test.seconds
        );
        if test.status == "timeout" {
            assert!(
                test.message.starts_with("still running after 10 s"),
                "{}",
                test.message
            );
        }
    }

    let broken = student(&report, "broken");
    assert!(
        statuses(broken)
            .iter()
            .all(|(_, s)| *s == "does not compile")
    );
    let message = &broken.chapters[0].exercises[0].tests[0].message;
    assert!(
        message.contains("error[E0308]: mismatched types"),
        "{message}"
    );
    assert!(
        message.contains("chapters/01-echo/src/server.rs"),
        "{message}"
    );

    check_json(&out.join("grades.json"), exercises);
    check_csv(&out.join("grades.csv"), exercises);
    for name in &names {
        check_junit(&out.join("junit").join(format!("{name}.xml")));
    }
    let junit = fs::read_to_string(out.join("junit/solved.xml")).unwrap();
    assert!(!junit.contains("<failure"));
    let junit = fs::read_to_string(out.join("junit/broken.xml")).unwrap();
    assert!(
        junit.contains(
            "<error message=\"error[E0308]: mismatched types\" type=\"does not compile\">"
        )
    );

    // Only the shared dependencies stay in the target folder, with the
    // course's own test binary and the chapter's binary, which each
    // student's build replaces (its name is the same for every student).
    let deps = temp.path().join("work/target/debug/deps");
    let leftover: Vec<String> = fs::read_dir(deps)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("chapter01-") && !n.ends_with(".d"))
        .collect();
    assert!(
        leftover.len() <= 2,
        "students' binaries left behind: {leftover:?}"
    );
}

/// The JSON has the shape the teachers' page documents.
fn check_json(file: &Path, exercises: usize) {
    let json: Value = serde_json::from_str(&fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(json["course"], env!("CARGO_PKG_VERSION"));
    let at = json["graded_at"].as_str().unwrap();
    assert!(
        at.len() == 20 && at.ends_with('Z') && at.as_bytes()[10] == b'T',
        "{at}"
    );
    let students = json["students"].as_array().unwrap();
    assert_eq!(students.len(), 5);
    for student in students {
        assert!(student["name"].is_string() && student["path"].is_string());
        assert!(student["notes"].is_array());
        let chapter = &student["chapters"][0];
        assert_eq!(chapter["number"], 1);
        assert_eq!(chapter["total"], exercises);
        assert!(chapter["passed"].is_u64());
        for exercise in chapter["exercises"].as_array().unwrap() {
            assert!(exercise["id"].as_str().unwrap().starts_with("1."));
            let status = exercise["status"].as_str().unwrap();
            assert!(
                ["pass", "fail", "not started", "timeout", "does not compile"].contains(&status),
                "{status}"
            );
            let tests = exercise["tests"].as_array().unwrap();
            assert!(!tests.is_empty());
            for test in tests {
                assert!(test["name"].as_str().unwrap().starts_with("ex1_"));
                assert!(test["status"].is_string() && test["message"].is_string());
            }
        }
    }
}

/// A header, then a row per student and exercise.
fn check_csv(file: &Path, exercises: usize) {
    let text = fs::read_to_string(file).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "student",
            "chapter",
            "exercise",
            "status",
            "tests_passed",
            "tests",
            "message"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5 * exercises);
    let solved: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[0] == "solved").collect();
    assert!(
        solved
            .iter()
            .all(|r| &r[3] == "pass" && r[4] == r[5] && r[6].is_empty())
    );
    let broken = rows.iter().find(|r| &r[0] == "broken").unwrap();
    assert_eq!(&broken[3], "does not compile");
    assert!(broken[6].starts_with("error[E0308]"), "{:?}", &broken[6]);
}

/// Every element and attribute the Ant JUnit schema requires, and counts
/// that agree with the test cases.
fn check_junit(file: &Path) {
    let text = fs::read_to_string(file).unwrap();
    let mut reader = Reader::from_str(&text);
    let mut seen: Vec<String> = Vec::new();
    let (mut cases, mut problems, mut declared_tests, mut declared_problems) = (0, 0, 0, 0);
    loop {
        let (element, empty) = match reader.read_event().unwrap() {
            Event::Start(e) => (e.into_owned(), false),
            Event::Empty(e) => (e.into_owned(), true),
            Event::Eof => break,
            _ => continue,
        };
        let name = element.name().0.to_string();
        let attribute = |key: &str| {
            element
                .try_get_attribute(key)
                .unwrap()
                .map(|a| {
                    a.normalized_value(XmlVersion::Explicit1_0)
                        .unwrap()
                        .into_owned()
                })
                .unwrap_or_else(|| panic!("{}: <{name}> has no {key}", file.display()))
        };
        match name.as_str() {
            "testsuite" => {
                for key in [
                    "name",
                    "timestamp",
                    "hostname",
                    "time",
                    "id",
                    "package",
                    "errors",
                    "failures",
                ] {
                    attribute(key);
                }
                declared_tests += attribute("tests").parse::<usize>().unwrap();
                declared_problems += attribute("failures").parse::<usize>().unwrap()
                    + attribute("errors").parse::<usize>().unwrap();
            }
            "testcase" => {
                for key in ["name", "classname", "time"] {
                    attribute(key);
                }
                cases += 1;
            }
            "failure" | "error" => {
                assert!(!empty, "a {name} without the test's message");
                attribute("type");
                attribute("message");
                problems += 1;
            }
            _ => {}
        }
        seen.push(name);
    }
    assert_eq!(seen[0], "testsuites");
    for required in [
        "testsuite",
        "properties",
        "testcase",
        "system-out",
        "system-err",
    ] {
        assert!(
            seen.iter().any(|s| s == required),
            "{}: no <{required}>",
            file.display()
        );
    }
    assert_eq!(declared_tests, cases);
    assert_eq!(declared_problems, problems);
}
