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
use axum::routing::{MethodRouter, get, get_service};
use chapter01::time::{now_rfc3339, unix_now};
use chapter06::form::Form;
use serde::Deserialize;
use tower_http::services::ServeDir;

use crate::RequestLog;
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
pub fn router(state: AppState) -> Router {
    // ANCHOR_END: router_signature
    // exercise 8.4: Routes and a fallback
    let static_files = static_files(&state.static_files);
    Router::new()
        .route("/", get(home))
        .route("/time", get(time))
        .route("/hello/{name}", get(hello))
        // One path, two methods: one route. axum answers any other method
        // on it with 405 and `Allow: GET,HEAD,POST`.
        .route("/guestbook", get(guestbook).post(sign_guestbook))
        // nest_service hands ServeDir the rest of the path, without /static.
        .nest_service("/static", static_files)
        // Without these two, axum answers 404 and 405 with an empty body;
        // the app's answer is a page. The 405 fallback applies to the routes
        // above it, and axum still adds their Allow header.
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // The state goes in last: from here on the router needs nothing
        // more, and its type says so (`Router<()>`, written `Router`).
        .with_state(state)
    // end exercise
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
async fn home() -> Html<String> {
    Html(pages::home())
}

/// Chapter 1's time service once more: one line of text. A `String` is
/// answered `text/plain; charset=utf-8` by axum.
async fn time() -> String {
    format!("{}\n", now_rfc3339())
}

async fn not_found() -> AppError {
    AppError::NotFound
}

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
async fn hello(Path(name): Path<String>) -> Html<String> {
    // ANCHOR_END: hello_signature
    // exercise 8.5: Handlers and extractors
    // `{name}` matched exactly one non-empty segment (or this handler would
    // not run), and Path percent-decoded it: `J%C3%BCrgen` is `Jürgen`.
    Html(pages::hello(&name))
    // end exercise
}
// ANCHOR_END: hello

// ANCHOR: guestbook
// ANCHOR: guestbook_signature
async fn guestbook(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    // ANCHOR_END: guestbook_signature
    // exercise 8.5: Handlers and extractors
    let entries = state.guestbook.entries().await?;
    Ok(Html(pages::guestbook(&entries, &Form::default(), &[])))
    // end exercise
}
// ANCHOR_END: guestbook

// ANCHOR: sign_guestbook
// ANCHOR: sign_guestbook_signature
async fn sign_guestbook(
    State(state): State<AppState>,
    sent: SignForm,
) -> Result<Redirect, AppError> {
    // ANCHOR_END: sign_guestbook_signature
    // exercise 8.5: Handlers and extractors
    let form = Form {
        name: sent.name.trim().to_string(),
        message: sent.message.trim().to_string(),
    };
    // Chapter 6's rules, unchanged: characters, not bytes, and every
    // problem at once.
    let problems = form.problems();
    if !problems.is_empty() {
        return Err(AppError::Invalid { form, problems });
    }
    state
        .guestbook
        .add(Entry {
            posted: unix_now(),
            name: form.name,
            message: form.message,
        })
        .await?;
    // Redirect::to is 303 See Other: the browser follows it with a GET, so
    // a reload shows the guestbook instead of posting again.
    Ok(Redirect::to("/guestbook"))
    // end exercise
}
// ANCHOR_END: sign_guestbook
