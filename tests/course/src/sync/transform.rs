//! The text transformation of `course sync`, without any file I/O: a
//! solution file's text in, the starter's text out (exercise regions
//! stubbed with `todo!()`, an expectation on each item a stub leaves
//! unused (see [`super::allows`]), the package renamed,
//! `doc = false` in the manifest), and the reverse views `course solution`
//! compares with.

use super::allows::{Stub, StubbedFile, with_expectations};
use crate::manifest::{Chapter, Manifest, parse_exercise_id};

/// The first line of a marker, up to the id: `// exercise 1.1: Title`.
const MARKER_START: &str = "// exercise ";
/// The line that closes an exercise region.
const MARKER_END: &str = "// end exercise";

/// rustfmt's line width: a `todo!()` longer than this is written the way
/// rustfmt would break it.
const MAX_WIDTH: usize = 100;

/// The marker line that opens exercise `id`: `// exercise 1.1: Title`.
pub fn marker_line(id: &str, title: &str) -> String {
    format!("{MARKER_START}{id}: {title}")
}

/// Whether `text` has the marker line of exercise `id`.
pub fn has_marker(text: &str, id: &str, title: &str) -> bool {
    let marker = marker_line(id, title);
    text.lines().any(|line| line.trim() == marker)
}

/// One text file of a solution: its name in error messages, its path in the
/// crate (with `/`), and its text.
pub struct SolutionFile {
    pub shown: String,
    pub path: String,
    pub text: String,
}

/// The starter's version of a solution's text files, in the same order:
/// exercise regions stubbed (in `.rs` files) with their expectations, the
/// package renamed, and `doc = false` in the manifest's `[lib]`.
pub fn starter_texts(
    manifest: &Manifest,
    chapter: &Chapter,
    files: &[SolutionFile],
) -> Result<Vec<String>, String> {
    let mut sources = Vec::new();
    for file in files.iter().filter(|f| f.path.ends_with(".rs")) {
        sources.push(stub_exercises(manifest, chapter, &file.shown, &file.text)?);
    }
    let mut stubbed = with_expectations(&sources).into_iter();
    let mut texts = Vec::with_capacity(files.len());
    for file in files {
        let mut text = if file.path.ends_with(".rs") {
            stubbed.next().expect("one text per source file")
        } else {
            file.text.clone()
        };
        // Only this chapter's own name: chapter 2 depends on chapter 1's
        // *solution* (`package = "chapter01-solution"`), which must stay.
        text = text.replace(&chapter.solution_package(), &chapter.package());
        if file.path == "Cargo.toml" {
            text = without_docs(&text, chapter, &file.shown)?;
        }
        texts.push(text);
    }
    Ok(texts)
}

/// Replaces each exercise region of a source file by its `todo!()`, and
/// says what each one removed.
pub fn stub_exercises(
    manifest: &Manifest,
    chapter: &Chapter,
    shown: &str,
    text: &str,
) -> Result<StubbedFile, String> {
    let mut output = String::with_capacity(text.len());
    let mut open: Option<(usize, &str)> = None; // (line number, exercise id)
    let mut stubs: Vec<Stub> = Vec::new();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let trimmed = line.trim();
        if trimmed == MARKER_END {
            if open.take().is_none() {
                return Err(format!(
                    "{shown}:{number}: `{MARKER_END}` without a `{MARKER_START}N.M: title` before it"
                ));
            }
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix(MARKER_START) {
            let Some((id, title)) = rest
                .split_once(": ")
                .filter(|(id, _)| parse_exercise_id(id).is_some())
            else {
                // A comment that merely starts with the word, such as
                // "// exercise 1.2 builds on this", is not a marker.
                if open.is_none() {
                    output.push_str(line);
                }
                continue;
            };
            if let Some((start, open_id)) = open {
                return Err(format!(
                    "{shown}:{number}: exercise {id} starts inside exercise {open_id} (line {start}): \
                     close it with `{MARKER_END}` first"
                ));
            }
            check_marker(manifest, chapter, shown, number, id, title)?;
            let exercise = &manifest.exercise(id).expect("checked above").1;
            let indent = &line[..line.len() - line.trim_start().len()];
            let newline = if line.ends_with("\r\n") { "\r\n" } else { "\n" };
            let message = format!(
                "exercise {id}: {title} (read {})",
                exercise.book_link(chapter)
            );
            stubs.push(Stub {
                exercise: id.to_string(),
                removed: String::new(),
                at: output.len() + indent.len(),
            });
            output.push_str(&todo_call(indent, &message, newline));
            open = Some((number, id));
            continue;
        }
        match (open, stubs.last_mut()) {
            (Some(_), Some(stub)) => stub.removed.push_str(line),
            _ => output.push_str(line),
        }
    }
    if let Some((start, id)) = open {
        return Err(format!(
            "{shown}:{start}: exercise {id} has no `{MARKER_END}` after it"
        ));
    }
    Ok(StubbedFile {
        text: output,
        stubs,
    })
}

/// Checks a marker's id and title against the manifest.
fn check_marker(
    manifest: &Manifest,
    chapter: &Chapter,
    shown: &str,
    line: usize,
    id: &str,
    title: &str,
) -> Result<(), String> {
    let Some((owner, exercise)) = manifest.exercise(id) else {
        return Err(format!(
            "{shown}:{line}: exercise {id} is not in course.toml (ids of chapter {}: {})",
            chapter.nn(),
            chapter
                .exercises
                .iter()
                .map(|e| e.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    if owner.number != chapter.number {
        return Err(format!(
            "{shown}:{line}: exercise {id} belongs to chapter {}, not to chapter {}",
            owner.nn(),
            chapter.nn()
        ));
    }
    if title != exercise.title {
        return Err(format!(
            "{shown}:{line}: the marker's title {title:?} differs from course.toml's {:?} for exercise {id}",
            exercise.title
        ));
    }
    Ok(())
}

/// The `todo!()` that replaces a region, formatted as rustfmt would: on one
/// line when it fits in [`MAX_WIDTH`], otherwise with the message on a line
/// of its own.
fn todo_call(indent: &str, message: &str, newline: &str) -> String {
    let literal = format!("\"{}\"", escape_for_todo(message));
    let one_line = format!("{indent}todo!({literal})");
    if one_line.chars().count() <= MAX_WIDTH {
        format!("{one_line}{newline}")
    } else {
        format!("{indent}todo!({newline}{indent}    {literal}{newline}{indent}){newline}")
    }
}

/// Escapes text for a `todo!("...")` literal: quotes and backslashes for the
/// string, braces because `todo!` treats its argument as a format string.
fn escape_for_todo(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('{', "{{")
        .replace('}', "}}")
}

/// The solution's text as a learner who finished every exercise would have
/// it: marker lines dropped, package renamed. `course solution` diffs
/// against this, so a complete answer shows as identical.
pub fn reference_text(chapter: &Chapter, path: &str, text: &str) -> String {
    let mut text: String = text
        .split_inclusive('\n')
        .filter(|line| {
            let trimmed = line.trim();
            let is_start = trimmed
                .strip_prefix(MARKER_START)
                .and_then(|rest| rest.split_once(": "))
                .is_some_and(|(id, _)| parse_exercise_id(id).is_some());
            !(is_start || trimmed == MARKER_END)
        })
        .collect();
    text = text.replace(&chapter.solution_package(), &chapter.package());
    if path == "Cargo.toml" {
        text = without_docs(&text, chapter, path).unwrap_or(text);
    }
    text
}

/// Adds `doc = false` to the `[lib]` table of the starter's Cargo.toml.
fn without_docs(text: &str, chapter: &Chapter, shown: &str) -> Result<String, String> {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let Some(header) = text.find("[lib]") else {
        return Err(format!(
            "{shown} has no [lib] table; it needs one naming the library {}",
            chapter.package()
        ));
    };
    let after_header = header
        + text[header..]
            .find('\n')
            .map_or(text.len() - header, |n| n + 1);
    Ok(format!(
        "{}# No docs: `cargo doc` documents the solution's library, and two libraries named {} cannot both be.{newline}doc = false{newline}{}",
        &text[..after_header],
        chapter.package(),
        &text[after_header..]
    ))
}

/// The text of a file, or `None` for a binary file (not UTF-8, or with NUL
/// bytes), which is copied untouched.
pub fn text_of(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes)
        .ok()
        .filter(|text| !text.contains('\0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{STARTER_ANSWER, TempCourse};
    use crate::sync::allows::without_expectations;

    #[test]
    fn stubs_each_region_and_expects_what_it_leaves_unused() {
        let course = TempCourse::new("sync-transform");
        let chapter = &course.manifest.chapters[0];
        let solution = course.read("solutions/01-tiny/src/answer.rs");
        let file = SolutionFile {
            shown: "solutions/01-tiny/src/answer.rs".into(),
            path: "src/answer.rs".into(),
            text: solution.clone(),
        };
        let starter = starter_texts(&course.manifest, chapter, &[file]);
        assert_eq!(starter, Ok(vec![STARTER_ANSWER.to_string()]));
        assert!(has_marker(&solution, "1.1", "Answer the question"));
        assert!(!has_marker(&solution, "1.1", "Answer a question"));
    }

    fn stub(text: &str) -> Result<String, String> {
        let course = TempCourse::new("sync-markers");
        stub_exercises(
            &course.manifest,
            &course.manifest.chapters[0],
            "src/x.rs",
            text,
        )
        .map(|stubbed| stubbed.text)
    }

    #[test]
    fn reports_marker_mistakes_with_file_and_line() {
        let unclosed = stub("fn f() {\n    // exercise 1.1: Answer the question\n    42\n}\n");
        assert_eq!(
            unclosed.unwrap_err(),
            "src/x.rs:2: exercise 1.1 has no `// end exercise` after it"
        );
        let unknown = stub("fn f() {\n    // exercise 1.9: Mystery\n    // end exercise\n}\n");
        assert!(
            unknown
                .unwrap_err()
                .starts_with("src/x.rs:2: exercise 1.9 is not in course.toml")
        );
        let retitled =
            stub("fn f() {\n\n    // exercise 1.1: Answer a question\n    // end exercise\n}\n");
        assert_eq!(
            retitled.unwrap_err(),
            "src/x.rs:3: the marker's title \"Answer a question\" differs from course.toml's \"Answer the question\" for exercise 1.1"
        );
        let stray_end = stub("fn f() {\n    // end exercise\n}\n");
        assert!(
            stray_end
                .unwrap_err()
                .starts_with("src/x.rs:2: `// end exercise` without")
        );
        let nested = stub(
            "fn f() {\n    // exercise 1.1: Answer the question\n    // exercise 1.2: Greet by name\n}\n",
        );
        assert!(
            nested
                .unwrap_err()
                .starts_with("src/x.rs:3: exercise 1.2 starts inside exercise 1.1 (line 2)")
        );
    }

    #[test]
    fn rejects_a_marker_of_another_chapter() {
        let course = TempCourse::new("sync-other-chapter");
        let mut manifest = course.manifest.clone();
        let mut stolen = manifest.chapters[0].exercises[0].clone();
        stolen.id = "2.1".into();
        manifest.chapters[1].exercises.push(stolen);
        let text = "fn f() {\n    // exercise 2.1: Answer the question\n    // end exercise\n}\n";
        let error = stub_exercises(&manifest, &manifest.chapters[0], "src/x.rs", text)
            .map(|stubbed| stubbed.text)
            .unwrap_err();
        assert_eq!(
            error,
            "src/x.rs:2: exercise 2.1 belongs to chapter 02, not to chapter 01"
        );
    }

    #[test]
    fn prose_that_mentions_an_exercise_is_not_a_marker() {
        let text = "fn f() {\n    // exercise 1.2 builds on this\n}\n";
        assert_eq!(stub(text).unwrap(), text);
    }

    #[test]
    fn short_stubs_stay_on_one_line_and_crlf_is_kept() {
        assert_eq!(
            todo_call("    ", "short", "\r\n"),
            "    todo!(\"short\")\r\n"
        );
        assert_eq!(escape_for_todo(r#"a "{b}" \ c"#), r#"a \"{{b}}\" \\ c"#);
    }

    #[test]
    fn the_reference_view_drops_what_sync_adds() {
        let course = TempCourse::new("sync-reference");
        let chapter = &course.manifest.chapters[0];
        let solution = course.read("solutions/01-tiny/src/answer.rs");
        let reference = reference_text(chapter, "src/answer.rs", &solution);
        assert!(!reference.contains("// exercise") && !reference.contains("// end exercise"));
        assert!(reference.contains("    6 * 7\n"));
        let learners = without_expectations(STARTER_ANSWER);
        assert!(!learners.contains("#[expect(") && learners.contains("pub fn greet("));
    }
}
