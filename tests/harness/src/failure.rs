//! Failure messages that teach: what the test sent, what it expected, what
//! came back, and the book section that explains it.
//!
//! ```text
//! exercise 1.1 (Echo one connection): the echo came back different
//!   sent:     "hello\n" (6 bytes)
//!   expected: "hello\n" (6 bytes)
//!   got:      "" (0 bytes)
//!   read:     book/src/ch01-echo.md#exercise-11-echo-one-connection
//! ```

use std::fmt::Write as _;

use crate::manifest::Exercise;
use crate::show;

/// A failure being described; [`Failure::fail`] panics with the text.
#[derive(Debug, Clone)]
#[must_use = "a Failure does nothing until you call .fail()"]
pub struct Failure {
    exercise: Exercise,
    summary: String,
    lines: Vec<(&'static str, String)>,
}

impl Failure {
    /// Starts describing a failure of `exercise`, with a one-line summary of
    /// what went wrong ("the echo came back different").
    pub fn new(exercise: Exercise, summary: impl Into<String>) -> Self {
        Failure {
            exercise,
            summary: summary.into(),
            lines: Vec::new(),
        }
    }

    /// The bytes the test sent.
    pub fn sent(self, bytes: &[u8]) -> Self {
        self.line("sent", show::bytes(bytes))
    }

    /// The bytes the test expected back.
    pub fn expected(self, bytes: &[u8]) -> Self {
        self.line("expected", show::bytes(bytes))
    }

    /// The bytes that came back.
    pub fn got(self, bytes: &[u8]) -> Self {
        self.line("got", show::bytes(bytes))
    }

    /// Expected and got, plus where they first differ when that helps.
    pub fn expected_got(self, expected: &[u8], got: &[u8]) -> Self {
        let difference = show::first_difference(expected, got);
        let this = self.expected(expected).got(got);
        match difference {
            Some(d) if expected.len() > 40 || got.len() > 40 => this.line("where", d),
            _ => this,
        }
    }

    /// Any other labelled line: `.line("expected", "a line ending in \\n")`.
    pub fn line(mut self, label: &'static str, text: impl Into<String>) -> Self {
        self.lines.push((label, text.into()));
        self
    }

    /// A sentence of advice: what usually causes this.
    pub fn note(self, text: impl Into<String>) -> Self {
        self.line("note", text)
    }

    /// Puts `cause` first: the summary becomes the cause, and what the test
    /// saw becomes the next line.
    pub fn caused_by(mut self, cause: impl Into<String>) -> Self {
        let seen = std::mem::replace(&mut self.summary, cause.into());
        self.lines.insert(0, ("then", seen));
        self
    }

    /// The full text of the message.
    pub fn message(&self) -> String {
        let e = &self.exercise;
        let mut text = format!("exercise {} ({}): {}\n", e.id, e.title, self.summary);
        for (label, value) in &self.lines {
            // Multi-line values are indented under their label.
            let value = value.replace('\n', "\n            ");
            let _ = writeln!(text, "  {:<9} {value}", format!("{label}:"));
        }
        let _ = write!(text, "  {:<9} {}", "read:", e.book());
        text
    }

    /// The exercise this failure points at.
    pub fn exercise(&self) -> Exercise {
        self.exercise
    }

    /// Fails the test with this message.
    #[track_caller]
    pub fn fail(self) -> ! {
        panic!("\n{}\n", self.message())
    }
}

/// The same text as [`Failure::message`], so a failure that is returned
/// rather than raised (a black-box suite's check) can be printed.
impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Failure {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_shows_every_part() {
        let e = crate::exercise("1.1");
        let text = Failure::new(e, "the echo came back different")
            .sent(b"hello\n")
            .expected_got(b"hello\n", b"")
            .note("did you write_all?")
            .message();
        assert!(text.starts_with("exercise 1.1 ("), "{text}");
        assert!(text.contains(r#"sent:     "hello\n" (6 bytes)"#), "{text}");
        assert!(text.contains(r#"got:      "" (0 bytes)"#), "{text}");
        assert!(text.contains("note:     did you write_all?"), "{text}");
        assert!(text.ends_with(&e.book()), "{text}");
    }
}
