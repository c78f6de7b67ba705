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
use axum::response::{Html, IntoResponse, Response};
use chapter02::form::escape_html;
use chapter06::form::{Form, Problem};
use hyper::ext::ReasonPhrase;

use crate::db::StorageError;
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
        // exercise 8.3: Errors in one place
        let (status, page) = match self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                pages::error("Not found", "There is no page at this address."),
            ),
            AppError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                pages::error(
                    "Method not allowed",
                    "This address does not answer this method; the Allow header says which it does.",
                ),
            ),
            // 422 Unprocessable Content: the request was well-formed, but
            // what it asks for is not valid. Not 400, which says the request
            // itself could not be read.
            AppError::Invalid { form, problems } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                pages::guestbook(&[], &form, &problems),
            ),
            AppError::BadForm(rejection) => (
                rejection.status(),
                pages::error(
                    "This is not a guestbook form",
                    &escape_html(&rejection.body_text()),
                ),
            ),
            AppError::Storage(error) => {
                // The log gets the details (tracing writes them to stderr in
                // main.rs); the visitor gets a sentence.
                tracing::error!(%error, "guestbook storage failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    pages::error(
                        "Something went wrong",
                        "The guestbook could not be read or written. Please try again later.",
                    ),
                )
            }
        };
        let mut response = (status, Html(page)).into_response();
        if let Some(reason) = rfc9110_reason(status) {
            // hyper writes the reason phrase it finds in this extension
            // instead of its own.
            response.extensions_mut().insert(reason);
        }
        response
        // end exercise
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
