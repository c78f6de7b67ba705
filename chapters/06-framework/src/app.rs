//! The app, built on the framework: its routes, its handlers, its pages.
//!
//! ```text
//! GET  /                 home page, linking to the rest
//! GET  /time             the time now, RFC 3339 in UTC, as text
//! GET  /hello/{name}     "Hello, NAME!", the name escaped
//! GET  /guestbook        the entries, newest first, and a form
//! POST /guestbook        store an entry: 303 to /guestbook, or 422 saying what is wrong
//! GET  /static/{*path}   the files in the static folder, through chapter 4
//! ```
//!
//! Everything HTTP (parsing, keep-alive, HEAD, 404, 405) happens in the
//! layers below; a handler here only says what its page is. The form's
//! rules are in `form.rs` and the HTML in `pages.rs`, which chapter 8
//! uses as they are. Chapter 8
//! writes the same app in axum, and the same black-box `app` suite checks
//! both.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[expect(unused_imports, reason = "until you write exercise 6.5")]
use chapter01::time::{now_rfc3339, unix_now};
#[expect(unused_imports, reason = "until you write exercise 6.5")]
use chapter02::form::{escape_html, parse_form};
use chapter03::{Handler, Request, Response, StatusCode};
use chapter04::resolve::resolve;
use chapter04::server::FileServer;

use crate::form::{Form, Problem};
#[expect(unused_imports, reason = "until you write exercise 6.5")]
use crate::guestbook::{Entry, Guestbook};
use crate::handler::{Html, IntoResponse, Redirect};
use crate::middleware::{layer, logging};
use crate::pages::{guestbook_page, page};
use crate::router::{Params, Router, not_found};

// ANCHOR: state
/// Where the app keeps its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folders {
    /// The guestbook's folder (`--data`), created if missing.
    pub data: PathBuf,
    /// The folder served under `/static/` (`--static`), which must exist.
    pub static_files: PathBuf,
}

impl Folders {
    /// The guestbook's folder unless `--data` says otherwise: `data` in the
    /// folder the program was started from.
    pub const DEFAULT_DATA: &str = "data";

    /// The chapter's own `static` folder, found from where this crate's
    /// source is, so the pages have their stylesheet whatever folder the
    /// program was started from.
    pub fn default_static() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("static")
    }
}

/// What every handler shares: the app's state.
///
/// Built once, before the first request. Nothing in it needs a lock of its
/// own here: the guestbook locks its file inside, and the file server only
/// reads.
#[derive(Debug)]
pub struct AppState {
    /// The stored entries.
    pub guestbook: Guestbook,
    /// Chapter 4's file server, rooted at the static folder.
    pub static_files: FileServer,
}

impl AppState {
    /// Opens the guestbook and the static folder; fails if either cannot
    /// be used, so a wrong `--data` or `--static` is an error at start,
    /// not a broken page later.
    pub fn open(folders: &Folders) -> io::Result<AppState> {
        Ok(AppState {
            guestbook: Guestbook::open(&folders.data)?,
            static_files: FileServer::new(&folders.static_files)?,
        })
    }
}
// ANCHOR_END: state

// ANCHOR: app
/// The app's routes, each with its handler.
pub fn router(state: Arc<AppState>) -> Router<AppState> {
    Router::with_state(state)
        .get("/", home)
        .get("/time", time)
        .get("/hello/{name}", hello)
        .get("/guestbook", guestbook)
        .post("/guestbook", sign_guestbook)
        .get("/static/{*path}", static_file)
}

/// The whole app as one function from a request to a response: the router,
/// with the request log around it.
pub fn app(
    state: Arc<AppState>,
    log: impl Write + Send + 'static,
) -> impl Handler + Send + Sync + 'static {
    layer(logging(log), router(state))
}
// ANCHOR_END: app

// ANCHOR: simple_handlers
fn home(_: &Request, _: &Params, _: &AppState) -> Html<String> {
    Html(page(
        "A framework of our own",
        "<h1>A framework of our own</h1>\n\
         <p>This site runs on the server you built: chapter 3's parser, chapter 4's file\n\
         server, chapter 5's thread pool, and chapter 6's router, handlers and middleware.</p>\n\
         <ul>\n\
         <li><a href=\"/time\">What time is it?</a> (as text, in UTC)</li>\n\
         <li><a href=\"/hello/world\">Say hello</a> (try your own name in the address)</li>\n\
         <li><a href=\"/guestbook\">Sign the guestbook</a></li>\n\
         </ul>",
    ))
}

fn time(_: &Request, _: &Params, _: &AppState) -> String {
    // Chapter 1's time service, now over HTTP: one line of text.
    format!("{}\n", now_rfc3339())
}

fn hello(_: &Request, params: &Params, _: &AppState) -> Html<String> {
    // The router only calls us when the pattern matched, so the parameter
    // is there; a default keeps a future pattern typo from panicking.
    let name = escape_html(params.get("name").unwrap_or("world"));
    Html(page(
        &format!("Hello, {name}!"),
        &format!(
            "<h1>Hello, {name}!</h1>\n\
             <p>Change the end of the address to greet someone else.</p>"
        ),
    ))
}

fn static_file(request: &Request, params: &Params, state: &AppState) -> Response {
    let Some(path) = params.get("path") else {
        return not_found();
    };
    // Chapter 4's file server serves a request's path under its root, so it
    // gets the request with the `/static` prefix taken off. It also does the
    // path-traversal defence: `..`, encoded or not, never leaves the folder.
    let mut inside = request.clone();
    inside.path = format!("/{path}");
    // Folders get a listing or a redirect from chapter 4, and the redirect
    // would point outside /static/. The pages need files only.
    match resolve(state.static_files.root(), &inside.path) {
        Ok(file) if file.is_file() => state.static_files.handle(&inside),
        _ => not_found(),
    }
}
// ANCHOR_END: simple_handlers

// ANCHOR: guestbook
fn guestbook(_: &Request, _: &Params, state: &AppState) -> Result<Html<String>, AppError> {
    let entries = state.guestbook.entries()?;
    Ok(Html(guestbook_page(&entries, &Form::default(), &[])))
}

/// Why a guestbook request failed, and the one place that decides which
/// status each reason gets.
#[derive(Debug)]
pub enum AppError {
    /// The form was wrong: 422, with the form again and what to fix.
    Invalid {
        /// What was sent.
        form: Form,
        /// Every problem, not just the first, so one round trip fixes all.
        problems: Vec<Problem>,
    },
    /// The disk failed us: 500. Not the visitor's fault, and the details
    /// (paths, error codes) are for our log, not for them.
    Storage(io::Error),
}

impl From<io::Error> for AppError {
    fn from(error: io::Error) -> AppError {
        AppError::Storage(error)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            // 422 Unprocessable Content (RFC 9110 section 15.5.21): the
            // request was well-formed, but what it asked for is not valid.
            // Not 400, which says the request itself was unreadable.
            AppError::Invalid { form, problems } => (
                StatusCode::UnprocessableContent,
                Html(guestbook_page(&[], &form, &problems)),
            )
                .into_response(),
            AppError::Storage(error) => {
                eprintln!("guestbook: {error}");
                Response::error_page(
                    StatusCode::InternalServerError,
                    "The guestbook could not be read or written. Please try again later.",
                )
            }
        }
    }
}
// ANCHOR_END: guestbook

// ANCHOR: sign_guestbook
// ANCHOR: sign_guestbook_signature
#[expect(unused_variables, reason = "until you write exercise 6.5")]
fn sign_guestbook(request: &Request, _: &Params, state: &AppState) -> Result<Redirect, AppError> {
    // ANCHOR_END: sign_guestbook_signature
    todo!(
        "exercise 6.5: The guestbook pages (read book/src/ch06-framework.md#exercise-65-the-guestbook-pages)"
    )
}
// ANCHOR_END: sign_guestbook
