//! A throw-away copy of the miniature course in `tests/course/fixtures/mini`,
//! for tests that run sync and verify on a whole workspace without touching
//! the real one.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::manifest::Manifest;

/// The fixture's starter answer.rs, as sync generates it: both regions stubbed at their own indentation,
/// an expectation on the function whose variable a stub leaves unused, everything else as it was.
pub const STARTER_ANSWER: &str = r#"//! The answer, and a greeting.

/// The answer to the question.
pub fn answer() -> u32 {
    todo!(
        "exercise 1.1: Answer the question (read book/src/ch01-tiny.md#exercise-11-answer-the-question)"
    )
}

/// A greeting for `name`.
#[expect(unused_variables, reason = "until you write exercise 1.2")]
pub fn greet(name: &str) -> String {
    let greeting = "Hello";
    if name.is_empty() {
        "Hello, whoever you are!".to_string()
    } else {
        todo!("exercise 1.2: Greet by name (read book/src/ch01-tiny.md#exercise-12-greet-by-name)")
    }
}
"#;

/// A fixture course in its own temporary directory, deleted on drop.
pub struct TempCourse {
    /// The course's root (with Cargo.toml and course.toml).
    pub root: PathBuf,
    /// The manifest of the fixture.
    pub manifest: Manifest,
    dir: PathBuf,
}

impl TempCourse {
    /// Copies the fixture into a fresh directory; `name` makes it easy to
    /// find which test left it behind if a test is killed.
    pub fn new(name: &str) -> TempCourse {
        // Tests run in parallel threads of one process: pid, a counter and
        // the time make the directory unique.
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "course-test-{name}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let root = dir.join("course");
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join("mini");
        copy_dir(&fixture, &root);
        let manifest = Manifest::load(&root).expect("the fixture's course.toml parses");
        TempCourse {
            root,
            manifest,
            dir,
        }
    }

    /// A directory for build output, inside the temporary directory.
    pub fn target_dir(&self) -> PathBuf {
        self.dir.join("target")
    }

    /// The text of a file under the root (`/`-separated path).
    pub fn read(&self, path: &str) -> String {
        fs::read_to_string(self.path(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
    }

    /// Writes a file under the root (`/`-separated path).
    pub fn write(&self, path: &str, text: &str) {
        fs::write(self.path(path), text).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
    }

    /// A `/`-separated path under the root as a native path.
    pub fn path(&self, path: &str) -> PathBuf {
        self.root.join(crate::sync::slash_to_path(path))
    }
}

impl Drop for TempCourse {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}
