//! The app: its state, its routes, its handlers. Chapter 6's app, in axum.
//!
//! ```text
//! GET  /                 home page, linking to the rest
//! GET  /time             the time now, RFC 3339 in UTC, as text
//! GET  /hello/{name}     "Hello, NAME!", the name escaped
//! GET  /guestbook        the entries, newest first, and a form
//! POST /guestbook        store an entry: 303 to /guestbook, or 422 saying what is wrong
//! GET  /static/...       the files in the static folder, through tower-http's ServeDir
//! ```
//!
//! A handler is an `async fn` whose arguments are *extractors*: each one
//! takes what it needs from the request (`Path` the path's parameters,
//! `State` the shared state, `Form` the decoded body), and axum runs them
//! before the handler, answering on its own when one fails.

use std::io;
use std::path::PathBuf;

use axum::Router;
use axum::extract::{FromRequest, Path, State};
use axum::handler::HandlerWithoutStateExt;
use axum::http::header::{CONTENT_TYPE, HeaderValue};
use axum::middleware::map_response;
use axum::response::{Html, Redirect, Response};
#[expect(unused_imports, reason = "until you write exercise 8.4")]
use axum::routing::{MethodRouter, get, get_service};
#[expect(unused_imports, reason = "until you write exercise 8.5")]
use chapter01::time::{now_rfc3339, unix_now};
#[expect(unused_imports, reason = "until you write exercise 8.5")]
use chapter06::form::Form;
use serde::Deserialize;
use tower_http::services::ServeDir;

use crate::RequestLog;
#[expect(unused_imports, reason = "until you write exercise 8.5")]
use crate::db::{Entry, Guestbook};
use crate::error::AppError;
use crate::pages;

/// Chapter 6's folders: `--data` and `--static`.
pub use chapter06::Folders;

// ANCHOR: state
/// What every handler may ask for with `State<AppState>`.
///
/// axum clones the state for each request that asks for it, so it must be
/// cheap to clone: the guestbook is a handle (an `Arc` inside), the folder
/// a path. Chapter 6 put the whole state in an `Arc` instead; both are
/// "one value, shared by every request".
#[derive(Debug, Clone)]
pub struct AppState {
    /// The guestbook, in SQLite.
    pub guestbook: Guestbook,
    /// The folder served under `/static/`.
    pub static_files: PathBuf,
    /// Where the request log goes: straight to stderr until [`crate::serve`]
    /// starts the batching writer.
    pub log: RequestLog,
}

impl AppState {
    /// Opens the guestbook and checks the static folder; fails if either
    /// cannot be used, so a wrong `--data` or `--static` is an error at
    /// start, not a broken page later. It blocks (SQLite opens a file):
    /// call it before serving.
    pub fn open(folders: &Folders) -> io::Result<AppState> {
        let guestbook = Guestbook::open(&folders.data).map_err(io::Error::other)?;
        if !folders.static_files.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "the static folder {} does not exist",
                    folders.static_files.display()
                ),
            ));
        }
        Ok(AppState {
            guestbook,
            static_files: folders.static_files.clone(),
            log: RequestLog::default(),
        })
    }
}
// ANCHOR_END: state

// ANCHOR: router
// ANCHOR: router_signature
/// The app's routes, each with its handler, and the answers for paths and
/// methods no route has.
#[expect(unused_variables, reason = "until you write exercise 8.4")]
pub fn router(state: AppState) -> Router {
    // ANCHOR_END: router_signature
    todo!(
        "exercise 8.4: Routes and a fallback (read book/src/ch08-axum.md#exercise-84-routes-and-a-fallback)"
    )
}
// ANCHOR_END: router

// ANCHOR: static_files
/// tower-http's file server for the static folder.
///
/// ServeDir does what chapter 4 did: it decodes the path once, refuses any
/// `..`, root or drive component (a 404), guesses the content type from the
/// extension, and answers HEAD, `If-Modified-Since` and `Range`. Two
/// things are added around it: a missing file gets the app's HTML 404
/// instead of an empty one, and text gets its charset (below).
#[expect(dead_code, reason = "until you write exercise 8.4")]
fn static_files(folder: &std::path::Path) -> MethodRouter {
    let files = ServeDir::new(folder).fallback(not_found.into_service());
    get_service(files).layer(map_response(text_is_utf8))
}

/// Adds `; charset=utf-8` to a `text/...` Content-Type without a charset.
///
/// ServeDir names types as the `mime_guess` crate does, `text/css` without
/// a charset; the browser must then guess the encoding, and the app suite
/// (like chapter 4's table) wants it said. Our static files are ours, and
/// they are UTF-8.
async fn text_is_utf8(mut response: Response) -> Response {
    let needs_charset = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/") && !value.contains("charset"));
    if needs_charset {
        let value = response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap_or("text/plain");
        if let Ok(with_charset) = HeaderValue::from_str(&format!("{value}; charset=utf-8")) {
            response.headers_mut().insert(CONTENT_TYPE, with_charset);
        }
    }
    response
}
// ANCHOR_END: static_files

// ANCHOR: simple_handlers
#[expect(dead_code, reason = "until you write exercise 8.4")]
async fn home() -> Html<String> {
    Html(pages::home())
}

/// Chapter 1's time service once more: one line of text. A `String` is
/// answered `text/plain; charset=utf-8` by axum.
#[expect(dead_code, reason = "until you write exercise 8.4")]
async fn time() -> String {
    format!("{}\n", now_rfc3339())
}

async fn not_found() -> AppError {
    AppError::NotFound
}

#[expect(dead_code, reason = "until you write exercise 8.4")]
async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}
// ANCHOR_END: simple_handlers

// ANCHOR: sign_form
/// The guestbook form as it arrives: `name=...&message=...`, decoded by
/// axum's `Form` extractor (serde underneath).
///
/// `#[serde(default)]`: a field that was not sent is empty, and the
/// visitor's fix is the same, fill it in; without it, a missing field would
/// be axum's own 422 with a plain-text sentence instead of our page.
/// `#[from_request(...)]` makes this struct an extractor of its own that
/// decodes through `Form` and turns `Form`'s rejection into an [`AppError`],
/// so a body that is not a form gets the app's HTML page too.
#[derive(Debug, Default, Deserialize, FromRequest)]
#[from_request(via(axum::Form), rejection(AppError))]
pub struct SignForm {
    /// The `name` field, as typed.
    #[serde(default)]
    pub name: String,
    /// The `message` field, as typed.
    #[serde(default)]
    pub message: String,
}
// ANCHOR_END: sign_form

// ANCHOR: hello
// ANCHOR: hello_signature
#[expect(
    dead_code,
    unused_variables,
    reason = "until you write exercises 8.4 and 8.5"
)]
async fn hello(Path(name): Path<String>) -> Html<String> {
    // ANCHOR_END: hello_signature
    todo!(
        "exercise 8.5: Handlers and extractors (read book/src/ch08-axum.md#exercise-85-handlers-and-extractors)"
    )
}
// ANCHOR_END: hello

// ANCHOR: guestbook
// ANCHOR: guestbook_signature
#[expect(
    dead_code,
    unused_variables,
    reason = "until you write exercises 8.4 and 8.5"
)]
async fn guestbook(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    // ANCHOR_END: guestbook_signature
    todo!(
        "exercise 8.5: Handlers and extractors (read book/src/ch08-axum.md#exercise-85-handlers-and-extractors)"
    )
}
// ANCHOR_END: guestbook

// ANCHOR: sign_guestbook
// ANCHOR: sign_guestbook_signature
#[expect(
    dead_code,
    unused_variables,
    reason = "until you write exercises 8.4 and 8.5"
)]
async fn sign_guestbook(
    State(state): State<AppState>,
    sent: SignForm,
) -> Result<Redirect, AppError> {
    // ANCHOR_END: sign_guestbook_signature
    todo!(
        "exercise 8.5: Handlers and extractors (read book/src/ch08-axum.md#exercise-85-handlers-and-extractors)"
    )
}
// ANCHOR_END: sign_guestbook
