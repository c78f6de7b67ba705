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
//! layers below; a handler here only says what its page is. Chapter 8
//! writes the same app in axum, and the same black-box `app` suite checks
//! both.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chapter01::time::{now_rfc3339, rfc3339, unix_now};
use chapter02::form::{escape_html, parse_form};
use chapter03::{Handler, Request, Response, StatusCode};
use chapter04::resolve::resolve;
use chapter04::server::FileServer;

use crate::guestbook::{Entry, Guestbook};
use crate::handler::{Html, IntoResponse, Redirect};
use crate::middleware::{layer, logging};
use crate::router::{Params, Router, not_found};

/// The longest name the guestbook stores, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest message the guestbook stores, in characters.
pub const MAX_MESSAGE_CHARS: usize = 1000;

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

// ANCHOR: check_field
// ANCHOR: check_field_signature
/// Checks one field (already trimmed): not empty, at most `max_chars`
/// characters.
pub fn check_field(field: &'static str, value: &str, max_chars: usize) -> Result<(), Problem> {
    // ANCHOR_END: check_field_signature
    // exercise 6.5: The guestbook pages
    // Characters, not bytes: "é" is two bytes in UTF-8 and one letter to the
    // person who typed it, and the limit is a promise to them.
    let chars = value.chars().count();
    let fault = if chars == 0 {
        Fault::Empty
    } else if chars > max_chars {
        Fault::TooLong {
            chars,
            max: max_chars,
        }
    } else {
        return Ok(());
    };
    Err(Problem { field, fault })
    // end exercise
}
// ANCHOR_END: check_field

// ANCHOR: sign_guestbook
// ANCHOR: sign_guestbook_signature
fn sign_guestbook(request: &Request, _: &Params, state: &AppState) -> Result<Redirect, AppError> {
    // ANCHOR_END: sign_guestbook_signature
    // exercise 6.5: The guestbook pages
    let fields = parse_form(&request.body);
    // A field that was not sent is treated as empty: the visitor's fix is
    // the same, fill it in.
    let field = |name: &str| {
        fields
            .iter()
            .find(|(field, _)| field == name)
            .map_or("", |(_, value)| value.trim())
            .to_string()
    };
    let form = Form {
        name: field("name"),
        message: field("message"),
    };
    let problems: Vec<Problem> = [
        check_field("name", &form.name, MAX_NAME_CHARS),
        check_field("message", &form.message, MAX_MESSAGE_CHARS),
    ]
    .into_iter()
    .filter_map(Result::err)
    .collect();
    if !problems.is_empty() {
        return Err(AppError::Invalid { form, problems });
    }
    state.guestbook.append(&Entry {
        posted: unix_now(),
        name: form.name,
        message: form.message,
    })?;
    // 303 See Other: the browser follows it with a GET, so the page it
    // shows next is the guestbook, and reloading it does not post again.
    Ok(Redirect::see_other("/guestbook"))
    // end exercise
}
// ANCHOR_END: sign_guestbook

// ANCHOR: pages
/// An HTML page with the site's stylesheet and navigation around `body`.
/// `title` and `body` are HTML already: the caller escapes what came from
/// a visitor. (Public, like [`guestbook_page`], because chapter 8's axum
/// app serves the same pages.)
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n\
         </head>\n<body>\n<nav><a href=\"/\">Home</a> <a href=\"/time\">Time</a> \
         <a href=\"/hello/world\">Hello</a> <a href=\"/guestbook\">Guestbook</a></nav>\n\
         <main>\n{body}\n</main>\n</body>\n</html>\n"
    )
}

/// The guestbook: what is wrong with the form (if anything), the form
/// (filled with `form`), and the entries. Every visitor's text is escaped,
/// in element content and in the attribute value alike.
pub fn guestbook_page(entries: &[Entry], form: &Form, problems: &[Problem]) -> String {
    let mut body = String::from("<h1>Guestbook</h1>\n");
    if !problems.is_empty() {
        body.push_str("<div class=\"problems\">\n<p>Please fix this and send again:</p>\n<ul>\n");
        for problem in problems {
            body.push_str(&format!("<li>{problem}</li>\n"));
        }
        body.push_str("</ul>\n</div>\n");
    }
    // maxlength and required let the browser catch most mistakes before
    // sending; the server checks again, because anyone can send anything
    // (curl does not read our HTML).
    body.push_str(&format!(
        "<form method=\"post\" action=\"/guestbook\">\n\
         <p><label>Name<br><input name=\"name\" maxlength=\"{MAX_NAME_CHARS}\" required value=\"{}\"></label></p>\n\
         <p><label>Message<br><textarea name=\"message\" maxlength=\"{MAX_MESSAGE_CHARS}\" rows=\"4\" required>{}</textarea></label></p>\n\
         <p><button type=\"submit\">Sign the guestbook</button></p>\n</form>\n",
        escape_html(&form.name),
        escape_html(&form.message)
    ));
    if !problems.is_empty() {
        body.push_str("<p><a href=\"/guestbook\">Back to the guestbook</a></p>");
    } else if entries.is_empty() {
        body.push_str("<p class=\"empty\">No entries yet: be the first to sign.</p>");
    } else {
        body.push_str("<ol class=\"entries\">\n");
        for entry in entries {
            body.push_str(&format!(
                "<li><p class=\"meta\"><strong>{}</strong> <time>{}</time></p>\n<p>{}</p></li>\n",
                escape_html(&entry.name),
                rfc3339(entry.posted),
                escape_html(&entry.message)
            ));
        }
        body.push_str("</ol>");
    }
    page("Guestbook", &body)
}
// ANCHOR_END: pages
