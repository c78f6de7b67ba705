//! Exercise metadata from `course.toml`, so a failing test can say which book
//! section to read without every test file repeating titles and links.
//!
//! The harness is std-only, so it reads the manifest's deliberately flat shape
//! by hand: `[[chapter]]` and `[[chapter.exercise]]` headers, then one
//! `key = value` per line. It reads only the keys a failure message needs.
//! `course verify` parses the same file with a real TOML parser and checks
//! that this reading agrees with it.

/// The manifest, compiled into the harness so tests need no file at run time.
const MANIFEST: &str = include_str!("../../../course.toml");

/// One exercise of the course, as a failure message refers to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exercise {
    /// The stable id, `"N.M"`; tests of this exercise are named `exN_M_...`.
    pub id: &'static str,
    /// The title shown in the progress table and in failure messages.
    pub title: &'static str,
    /// The chapter's book page, relative to `book/src`.
    pub page: &'static str,
    /// The anchor of the exercise's heading on that page.
    pub section: &'static str,
}

impl Exercise {
    /// Where to read about this exercise, as a path a learner can open.
    pub fn book(&self) -> String {
        format!("book/src/{}#{}", self.page, self.section)
    }
}

/// The exercise with this id. Panics when the manifest has no such exercise,
/// which is a mistake in the test, not in the learner's code.
pub fn exercise(id: &str) -> Exercise {
    exercises()
        .into_iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("course.toml has no exercise {id:?}: the test names a wrong id"))
}

/// Every exercise in the manifest, in order.
pub fn exercises() -> Vec<Exercise> {
    let mut found = Vec::new();
    let mut page = "";
    let mut current: Option<Exercise> = None;
    for line in MANIFEST.lines().map(str::trim) {
        match line {
            "[[chapter]]" | "[[chapter.exercise]]" => {
                found.extend(current.take());
                if line == "[[chapter.exercise]]" {
                    current = Some(Exercise {
                        id: "",
                        title: "",
                        page,
                        section: "",
                    });
                }
            }
            _ => {
                let Some((key, value)) = line.split_once('=') else {
                    continue;
                };
                let value = unquote(value.trim());
                match (key.trim(), current.as_mut()) {
                    ("page", None) => page = value,
                    ("id", Some(e)) => e.id = value,
                    ("title", Some(e)) => e.title = value,
                    ("section", Some(e)) => e.section = value,
                    _ => {}
                }
            }
        }
    }
    found.extend(current);
    found
}

/// The text between the quotes of a simple TOML string, or the value as is.
fn unquote(value: &'static str) -> &'static str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exercise_has_its_fields() {
        let all = exercises();
        assert!(!all.is_empty());
        for e in all {
            assert!(!e.id.is_empty() && !e.title.is_empty(), "{e:?}");
            assert!(e.page.ends_with(".md") && !e.section.is_empty(), "{e:?}");
        }
    }

    #[test]
    fn finds_an_exercise_by_id() {
        let e = exercise("1.1");
        assert_eq!(e.page, "ch01-echo.md");
        assert!(e.book().starts_with("book/src/ch01-echo.md#"));
    }
}
