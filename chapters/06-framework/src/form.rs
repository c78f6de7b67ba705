//! The guestbook's form: what it sent, and the rules it must meet.
//!
//! Chapter 8's axum app checks its form with these same rules, so a
//! visitor gets the same answer from both servers.

use std::fmt;

/// The longest name the guestbook stores, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest message the guestbook stores, in characters.
pub const MAX_MESSAGE_CHARS: usize = 1000;

// ANCHOR: form
/// What the form sent, trimmed: shown again in the form when it is wrong,
/// so the visitor does not have to type it all again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    /// The `name` field.
    pub name: String,
    /// The `message` field.
    pub message: String,
}

/// What is wrong with one field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    /// The field's name: `name` or `message`.
    pub field: &'static str,
    /// What is wrong with it.
    pub fault: Fault,
}

/// How a field can be wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Nothing but whitespace, or not sent at all.
    Empty,
    /// More characters than allowed.
    TooLong {
        /// How many characters it has.
        chars: usize,
        /// How many it may have.
        max: usize,
    },
}

impl fmt::Display for Problem {
    /// The sentence the 422 page shows: it names the field and says what is
    /// wrong, so the visitor knows what to change.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.fault {
            Fault::Empty => write!(f, "The {} is empty.", self.field),
            Fault::TooLong { chars, max } => write!(
                f,
                "The {} is too long ({chars} characters; at most {max}).",
                self.field
            ),
        }
    }
}

impl Form {
    /// Every problem with the form, not just the first, so one round trip
    /// fixes all; empty when it may be stored.
    pub fn problems(&self) -> Vec<Problem> {
        [
            check_field("name", &self.name, MAX_NAME_CHARS),
            check_field("message", &self.message, MAX_MESSAGE_CHARS),
        ]
        .into_iter()
        .filter_map(Result::err)
        .collect()
    }
}
// ANCHOR_END: form

// ANCHOR: check_field
// ANCHOR: check_field_signature
/// Checks one field (already trimmed): not empty, at most `max_chars`
/// characters.
#[expect(unused_variables, reason = "until you write exercise 6.5")]
pub fn check_field(field: &'static str, value: &str, max_chars: usize) -> Result<(), Problem> {
    // ANCHOR_END: check_field_signature
    todo!(
        "exercise 6.5: The guestbook pages (read book/src/ch06-framework.md#exercise-65-the-guestbook-pages)"
    )
}
// ANCHOR_END: check_field
