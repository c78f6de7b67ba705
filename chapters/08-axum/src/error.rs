//! Why a request failed, and the one place that turns each reason into a
//! response.
//!
//! A handler returns `Result<T, AppError>` and uses `?`; axum calls
//! [`AppError`]'s `IntoResponse` for the `Err` side, exactly as chapter 6's
//! framework did with its own `IntoResponse`. The router's 404 and 405 and
//! the form extractor's rejections come through here too, so every error
//! the app sends is an HTML page with the site's look, and the choice of
//! status is made in this file only.

use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
#[expect(unused_imports, reason = "until you write exercise 8.3")]
use axum::response::{Html, IntoResponse, Response};
#[expect(unused_imports, reason = "until you write exercise 8.3")]
use chapter02::form::escape_html;
use chapter06::form::{Form, Problem};
use hyper::ext::ReasonPhrase;

use crate::db::StorageError;
#[expect(unused_imports, reason = "until you write exercise 8.3")]
use crate::pages;

// ANCHOR: app_error
/// Why a request failed.
#[derive(Debug)]
pub enum AppError {
    /// No route has this path: 404.
    NotFound,
    /// A route has the path but not the method: 405. axum's router adds the
    /// `Allow` header (it knows the routes; we do not need to).
    MethodNotAllowed,
    /// The guestbook form was wrong: 422, with the form again and what to
    /// fix. Chapter 6's `Form` and `Problem`, reused as they are.
    Invalid {
        /// What was sent, trimmed.
        form: Form,
        /// Every problem, not just the first.
        problems: Vec<Problem>,
    },
    /// The body was not a form at all (another Content-Type, too big, not
    /// readable): axum's own rejection, which knows its status (415, 413,
    /// 400) and says why in a sentence.
    BadForm(FormRejection),
    /// The database failed us: 500. The details are for our log, not for
    /// the visitor.
    Storage(StorageError),
}

impl From<StorageError> for AppError {
    fn from(error: StorageError) -> AppError {
        AppError::Storage(error)
    }
}

/// Lets a handler take [`crate::app::SignForm`], whose rejection is an
/// `AppError` (see the `#[from_request(...)]` on it).
impl From<FormRejection> for AppError {
    fn from(rejection: FormRejection) -> AppError {
        AppError::BadForm(rejection)
    }
}
// ANCHOR_END: app_error

// ANCHOR: into_response
impl IntoResponse for AppError {
    // ANCHOR: into_response_signature
    fn into_response(self) -> Response {
        // ANCHOR_END: into_response_signature
        todo!(
            "exercise 8.3: Errors in one place (read book/src/ch08-axum.md#exercise-83-errors-in-one-place)"
        )
    }
}
// ANCHOR_END: into_response

// ANCHOR: rfc9110_reason
/// The reason phrase RFC 9110 gives `status`, where the http crate (which
/// axum and hyper share) still has the older name: 413 is "Content Too
/// Large", not "Payload Too Large", and 422 "Unprocessable Content", not
/// "Unprocessable Entity". The app suite holds the chapters to the RFC.
pub fn rfc9110_reason(status: StatusCode) -> Option<ReasonPhrase> {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => Some(ReasonPhrase::from_static(b"Content Too Large")),
        StatusCode::UNPROCESSABLE_ENTITY => {
            Some(ReasonPhrase::from_static(b"Unprocessable Content"))
        }
        _ => None,
    }
}
// ANCHOR_END: rfc9110_reason
