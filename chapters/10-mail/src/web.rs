//! The page: the mail in the Maildir, read by URL, in the spirit of
//! chapter 4's file server.
//!
//! ```text
//!  /                        the mailboxes
//!  /{mailbox}               its messages, newest first: from, subject, date
//!  /{mailbox}/{message}     one message: headers decoded, the text body
//! ```
//!
//! Two rules carry the page. A name in the URL is never joined onto a
//! path: it is looked up among the entries of the folder it should be in
//! ([`entry_named`]), so `..`, a `%2F` or an absolute path finds nothing
//! and is a 404. And everything a message holds came from a stranger: it
//! is decoded by `mailparse` (RFC 2047's encoded words in headers, base64
//! and quoted-printable in bodies) and escaped with chapter 2's
//! `escape_html` before it goes in the page.

use std::fs;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chapter02::form::escape_html;
use chapter04::listing::encode_segment;

/// The Maildir folder the page reads.
type Root = Arc<PathBuf>;

// ANCHOR: router
/// The page's routes, reading the Maildir folder `root`.
pub fn router(root: PathBuf) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/{mailbox}", get(mailbox))
        .route("/{mailbox}/{message}", get(message))
        .with_state(Arc::new(root))
}
// ANCHOR_END: router

/// Serves the page on `listener` until `shutdown` completes, with chapter
/// 8's accept loop (its head deadline and its graceful stop).
pub async fn serve(
    listener: tokio::net::TcpListener,
    root: PathBuf,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let config = chapter08::Config::default();
    chapter08::server::run(listener, router(root), shutdown, &config).await
}

/// What a handler answers: a page, or 404 when the name finds nothing.
enum Page {
    Found(String),
    NotFound,
}

/// Runs `build` on the blocking pool (it reads files), and turns what it
/// gives into a response: a failure to read is a 500 and a line in the log.
async fn answer(build: impl FnOnce() -> io::Result<Page> + Send + 'static) -> Response {
    let built = tokio::task::spawn_blocking(build).await;
    let (status, html) = match built {
        Ok(Ok(Page::Found(html))) => (StatusCode::OK, html),
        Ok(Ok(Page::NotFound)) => (
            StatusCode::NOT_FOUND,
            frame(
                "Not found",
                "<h1>Not found</h1>\n<p>No such mailbox or message.</p>",
            ),
        ),
        Ok(Err(error)) => {
            tracing::error!(%error, "reading the Maildir");
            unreadable()
        }
        Err(error) => {
            tracing::error!(%error, "the page's task failed");
            unreadable()
        }
    };
    (status, Html(html)).into_response()
}

fn unreadable() -> (StatusCode, String) {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        frame(
            "Something went wrong",
            "<h1>Something went wrong</h1>\n<p>The mail could not be read.</p>",
        ),
    )
}

async fn home(State(root): State<Root>) -> Response {
    answer(move || {
        let mut names = folder_names(&root)?;
        names.sort();
        Ok(Page::Found(home_page(&names)))
    })
    .await
}

async fn mailbox(State(root): State<Root>, UrlPath(name): UrlPath<String>) -> Response {
    answer(move || {
        let Some(mailbox) = entry_named(&root, &name)? else {
            return Ok(Page::NotFound);
        };
        let mut messages = Vec::new();
        for (path, delivered) in messages_in(&mailbox)? {
            let head = fs::read(&path)?;
            let file = path.file_name().unwrap_or_default().to_string_lossy();
            messages.push((file.into_owned(), delivered, summarize(&head)));
        }
        // Newest first: by when the file was written, then by name (a
        // Maildir name starts with the time it was made).
        messages.sort_by(|a, b| (b.1, &b.0).cmp(&(a.1, &a.0)));
        Ok(Page::Found(mailbox_page(&name, &messages)))
    })
    .await
}

async fn message(
    State(root): State<Root>,
    UrlPath((name, file)): UrlPath<(String, String)>,
) -> Response {
    answer(move || {
        let Some(mailbox) = entry_named(&root, &name)? else {
            return Ok(Page::NotFound);
        };
        for folder in ["new", "cur"] {
            if let Some(path) = entry_named(&mailbox.join(folder), &file)? {
                return Ok(Page::Found(message_page(&name, &fs::read(path)?)));
            }
        }
        Ok(Page::NotFound)
    })
    .await
}

/// The names of the folders in `root` that are mailboxes (they have `new/`).
fn folder_names(root: &Path) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(root)? {
        let entry = entry?;
        if entry.path().join("new").is_dir() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    Ok(names)
}

/// Every message of a mailbox (in `new/` and `cur/`), with when it was
/// written.
fn messages_in(mailbox: &Path) -> io::Result<Vec<(PathBuf, SystemTime)>> {
    let mut messages = Vec::new();
    for folder in ["new", "cur"] {
        let Ok(entries) = fs::read_dir(mailbox.join(folder)) else {
            continue;
        };
        for entry in entries {
            let entry = entry?;
            let metadata = entry.metadata()?;
            if metadata.is_file() {
                messages.push((entry.path(), metadata.modified()?));
            }
        }
    }
    Ok(messages)
}

// ANCHOR: entry_named
// ANCHOR: entry_named_signature
/// The entry of `folder` whose file name is exactly `name`, or `None`:
/// found by reading the folder, never by joining `name` onto it, so no
/// name from a URL can reach outside it.
#[expect(unused_variables, reason = "until you write exercise 10.7")]
pub fn entry_named(folder: &Path, name: &str) -> io::Result<Option<PathBuf>> {
    // ANCHOR_END: entry_named_signature
    todo!(
        "exercise 10.7: Read the mail by URL (read book/src/ch10-mail.md#exercise-107-read-the-mail-by-url)"
    )
}
// ANCHOR_END: entry_named

/// What the list of a mailbox shows of one message, decoded, not escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub from: String,
    pub subject: String,
    pub date: String,
}

// ANCHOR: summarize
// ANCHOR: summarize_signature
/// The sender, subject and date of a stored message, decoded; a header the
/// message lacks (or a message with no readable head) is an empty string.
#[expect(unused_variables, reason = "until you write exercise 10.7")]
pub fn summarize(raw: &[u8]) -> Summary {
    // ANCHOR_END: summarize_signature
    todo!(
        "exercise 10.7: Read the mail by URL (read book/src/ch10-mail.md#exercise-107-read-the-mail-by-url)"
    )
}
// ANCHOR_END: summarize

// ANCHOR: message_page
// ANCHOR: message_page_signature
/// The page of one message of `mailbox`: its From, To, Cc, Subject and
/// Date decoded, and its text, everything escaped.
#[expect(unused_variables, reason = "until you write exercise 10.7")]
pub fn message_page(mailbox: &str, raw: &[u8]) -> String {
    // ANCHOR_END: message_page_signature
    todo!(
        "exercise 10.7: Read the mail by URL (read book/src/ch10-mail.md#exercise-107-read-the-mail-by-url)"
    )
}
// ANCHOR_END: message_page

fn home_page(names: &[String]) -> String {
    let mut body = String::from("<h1>Mailboxes</h1>\n");
    if names.is_empty() {
        body.push_str("<p>No mail has arrived yet.</p>\n");
    }
    body.push_str("<ul>\n");
    for name in names {
        body.push_str(&format!(
            "<li><a href=\"/{}\">{}</a></li>\n",
            encode_segment(name),
            escape_html(name)
        ));
    }
    body.push_str("</ul>\n");
    frame("Mailboxes", &body)
}

fn mailbox_page(name: &str, messages: &[(String, SystemTime, Summary)]) -> String {
    let shown = escape_html(name);
    let mut body = format!("<h1>{shown}</h1>\n");
    if messages.is_empty() {
        body.push_str("<p>No messages.</p>\n");
    }
    body.push_str("<table>\n<tr><th>From</th><th>Subject</th><th>Date</th></tr>\n");
    for (file, _, summary) in messages {
        let subject = if summary.subject.is_empty() {
            "(no subject)"
        } else {
            &summary.subject
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"/{}/{}\">{}</a></td><td>{}</td></tr>\n",
            escape_html(&summary.from),
            encode_segment(name),
            encode_segment(file),
            escape_html(subject),
            escape_html(&summary.date)
        ));
    }
    body.push_str("</table>\n");
    frame(&shown, &body)
}

/// The frame around every page; `title` and `body` are HTML already.
fn frame(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n</head>\n<body>\n<nav><a href=\"/\">Mailboxes</a></nav>\n\
         <main>\n{body}</main>\n</body>\n</html>\n"
    )
}
