//! The progress table: every exercise of the chapters shown, with its status
//! and a total per chapter. Plain text, aligned for a terminal; colors only
//! when the caller asks for them.

use std::io::IsTerminal;

use crate::manifest::Chapter;

/// Where one exercise stands, as its tests say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Every test of the exercise passes.
    Pass,
    /// A test fails for a reason other than the exercise's own `todo!()`.
    Fail,
    /// The exercise's own `todo!()` is still there.
    NotStarted,
    /// Its tests stop at the `todo!()` of this other exercise (on a fresh
    /// clone, a server's routing cannot be tested before it reads requests).
    Waiting(String),
    /// The chapter's crate (or its tests) does not compile.
    DoesNotCompile,
    /// A test was still running at the time limit (`course grade`).
    Timeout,
    /// No test of the exercise ran (a course defect `verify` reports).
    NoTests,
}

impl Status {
    /// The words shown in the table.
    pub fn label(&self) -> String {
        match self {
            Status::Pass => "pass".into(),
            Status::Fail => "fail".into(),
            Status::NotStarted => "not started".into(),
            Status::Waiting(id) => format!("not started (needs {id})"),
            Status::DoesNotCompile => "does not compile".into(),
            Status::Timeout => "timeout".into(),
            Status::NoTests => "no tests".into(),
        }
    }

    /// The ANSI color: green for done, red for broken, yellow for to do.
    fn color(&self) -> &'static str {
        match self {
            Status::Pass => GREEN,
            Status::Fail | Status::DoesNotCompile | Status::Timeout => RED,
            Status::NotStarted | Status::Waiting(_) | Status::NoTests => YELLOW,
        }
    }
}

/// Colors only for a person at a terminal, and never when NO_COLOR is set
/// (<https://no-color.org>), so logs and pipes stay plain text.
pub fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// One chapter's rows: a status per exercise, in the manifest's order.
#[derive(Debug, Clone)]
pub struct ChapterProgress<'a> {
    /// The chapter.
    pub chapter: &'a Chapter,
    /// The status of each of `chapter.exercises`, in order.
    pub statuses: Vec<Status>,
}

impl ChapterProgress<'_> {
    /// How many exercises pass.
    pub fn passing(&self) -> usize {
        self.statuses.iter().filter(|s| **s == Status::Pass).count()
    }

    /// True when every exercise passes.
    pub fn all_pass(&self) -> bool {
        self.passing() == self.statuses.len()
    }
}

/// Wraps `text` in `code` when colors are on.
pub fn paint(text: &str, code: &str, color: bool) -> String {
    if color {
        format!("{code}{text}{RESET}")
    } else {
        text.to_string()
    }
}

/// Makes `text` bold when colors are on.
pub fn bold(text: &str, color: bool) -> String {
    paint(text, BOLD, color)
}

/// The table for `chapters`:
///
/// ```text
/// chapter  exercise                               status
/// 01       Echo: bytes on a wire
///          1.1  Echo one connection               pass
///          1.2  Accept clients one after another  not started
///          1 of 2 pass
/// ```
pub fn render(chapters: &[ChapterProgress<'_>], color: bool) -> String {
    let exercises = chapters.iter().flat_map(|c| &c.chapter.exercises);
    let id_width = exercises
        .clone()
        .map(|e| e.id.chars().count())
        .max()
        .unwrap_or(0);
    let title_width = exercises
        .map(|e| e.title.chars().count())
        .max()
        .unwrap_or(0);
    // "1.1  Echo one connection  " then the status.
    let exercise_width = id_width + 2 + title_width + 2;
    let mut out = String::new();
    let header = format!("{:<9}{:<exercise_width$}status", "chapter", "exercise");
    out.push_str(&bold(&header, color));
    out.push('\n');
    for progress in chapters {
        let chapter = progress.chapter;
        out.push_str(&format!(
            "{:<9}{}\n",
            chapter.nn(),
            bold(&chapter.title, color)
        ));
        for (exercise, status) in chapter.exercises.iter().zip(&progress.statuses) {
            let cells = format!(
                "{:<id_width$}  {:<title_width$}  ",
                exercise.id, exercise.title
            );
            out.push_str(&format!(
                "{:9}{cells}{}\n",
                "",
                paint(&status.label(), status.color(), color)
            ));
        }
        let mut total = format!("{} of {} pass", progress.passing(), progress.statuses.len());
        if progress.statuses.contains(&Status::DoesNotCompile) {
            total.push_str(" (the crate does not compile)");
        }
        let total_color = if progress.all_pass() { GREEN } else { BOLD };
        out.push_str(&format!("{:9}{}\n", "", paint(&total, total_color, color)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Manifest;

    const MANIFEST: &str = r#"
[[chapter]]
number = 1
slug = "echo"
title = "Echo: bytes on a wire"
page = "ch01-echo.md"

[[chapter.exercise]]
id = "1.1"
title = "Echo one connection"
file = "src/server.rs"
section = "exercise-11-echo-one-connection"
hint = "Loop until read returns Ok(0)."

[[chapter.exercise]]
id = "1.2"
title = "Accept clients one after another"
file = "src/server.rs"
section = "exercise-12-accept-clients-one-after-another"
hint = "Iterate over listener.incoming()."

[[chapter]]
number = 2
slug = "http"
title = "HTTP by hand"
page = "ch02-http.md"

[[chapter.exercise]]
id = "2.1"
title = "Read the request head"
file = "src/request.rs"
section = "exercise-21-read-the-request-head"
hint = "Read until a blank line."
"#;

    fn table(statuses: [&[Status]; 2], color: bool) -> String {
        let manifest = Manifest::parse(MANIFEST).unwrap();
        let progress: Vec<ChapterProgress<'_>> = manifest
            .chapters
            .iter()
            .zip(statuses)
            .map(|(chapter, s)| ChapterProgress {
                chapter,
                statuses: s.to_vec(),
            })
            .collect();
        render(&progress, color)
    }

    #[test]
    fn a_fresh_clone_is_all_not_started() {
        use Status::NotStarted;
        assert_eq!(
            table([&[NotStarted, NotStarted], &[NotStarted]], false),
            "\
chapter  exercise                               status
01       Echo: bytes on a wire
         1.1  Echo one connection               not started
         1.2  Accept clients one after another  not started
         0 of 2 pass
02       HTTP by hand
         2.1  Read the request head             not started
         0 of 1 pass
"
        );
    }

    #[test]
    fn mixed_progress_and_a_crate_that_does_not_compile() {
        use Status::{DoesNotCompile, Fail, Pass};
        assert_eq!(
            table([&[Pass, Fail], &[DoesNotCompile]], false),
            "\
chapter  exercise                               status
01       Echo: bytes on a wire
         1.1  Echo one connection               pass
         1.2  Accept clients one after another  fail
         1 of 2 pass
02       HTTP by hand
         2.1  Read the request head             does not compile
         0 of 1 pass (the crate does not compile)
"
        );
    }

    #[test]
    fn everything_passing() {
        use Status::Pass;
        assert_eq!(
            table([&[Pass, Pass], &[Pass]], false),
            "\
chapter  exercise                               status
01       Echo: bytes on a wire
         1.1  Echo one connection               pass
         1.2  Accept clients one after another  pass
         2 of 2 pass
02       HTTP by hand
         2.1  Read the request head             pass
         1 of 1 pass
"
        );
    }

    #[test]
    fn colors_only_when_asked() {
        use Status::{Fail, Pass};
        let colored = table([&[Pass, Fail], &[Pass]], true);
        assert!(colored.contains(&format!("{GREEN}pass{RESET}")));
        assert!(colored.contains(&format!("{RED}fail{RESET}")));
        assert!(!table([&[Pass, Fail], &[Pass]], false).contains('\x1b'));
    }
}
