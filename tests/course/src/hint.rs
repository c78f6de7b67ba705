//! `course hint N.M`: one exercise's hint, with where to read and what to
//! edit.

use crate::manifest::Manifest;
use crate::sync::slashes;

/// `course hint N.M`: the exercise's title, hint, book section and file.
pub fn hint(manifest: &Manifest, id: &str) -> Result<String, String> {
    let (chapter, exercise) = manifest
        .exercise(id)
        .ok_or_else(|| format!("there is no exercise {id}; `cargo course` lists them all"))?;
    Ok(format!(
        "exercise {}: {}\n\n{}\n\n  read   {}\n  edit   {}/{}\n",
        exercise.id,
        exercise.title,
        wrap(&exercise.hint, 76, "  "),
        exercise.book_link(chapter),
        slashes(&chapter.starter_dir()),
        exercise.file
    ))
}

/// Wraps `text` at `width` columns, each line starting with `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut lines = vec![indent.to_string()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("never empty");
        if line.len() > indent.len() && line.len() + 1 + word.len() > width {
            lines.push(format!("{indent}{word}"));
        } else {
            if line.len() > indent.len() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_are_wrapped_and_say_where_to_look() {
        let manifest = Manifest::parse(
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
hint = "Loop: read into a buffer until Ok(0), writing back with write_all. Then return, and let the caller close the connection by dropping the stream."
"#,
        )
        .unwrap();
        let text = hint(&manifest, "1.1").unwrap();
        assert!(
            text.starts_with("exercise 1.1: Echo one connection\n\n  Loop: read"),
            "{text}"
        );
        assert!(text.lines().all(|line| line.len() <= 76), "{text}");
        assert!(text.contains("  read   book/src/ch01-echo.md#exercise-11-echo-one-connection\n"));
        assert!(
            text.ends_with("  edit   chapters/01-echo/src/server.rs\n"),
            "{text}"
        );
        let unknown = hint(&manifest, "9.9").unwrap_err();
        assert!(
            unknown.contains("`cargo course` lists them all"),
            "{unknown}"
        );
    }
}
