//! Chapter 8, the axum rewrite: chapter 6's app on axum, tower-http and
//! hyper, with the guestbook in an embedded SQLite database.
//!
//! Chapter 6 built a framework by hand on chapters 3 to 5. This crate keeps
//! the app (its pages, its rules, its static folder) and hands everything
//! else to crates that thousands of servers use. The map:
//!
//! - [`app`](mod@app): the state, the [`router`] (routes, path
//!   parameters, the 404 and 405 pages, tower-http's `ServeDir` for
//!   `/static/`), and the handlers, `async fn`s whose arguments are axum's
//!   extractors (`Path`, `State`, a `Form`).
//! - [`error`]: [`AppError`], every way a request can fail, and the one
//!   `IntoResponse` that picks its status and page.
//! - [`db`]: the guestbook in SQLite (rusqlite, with SQLite compiled in):
//!   the schema, prepared statements, and [`Guestbook::run`](db::Guestbook::run),
//!   which keeps the blocking database calls off the async runtime.
//! - [`pages`]: the HTML, as functions returning `String`.
//! - [`server`]: the accept loop, hyper's HTTP/1.1 connection on each
//!   socket with a deadline for request heads, and the graceful shutdown.
//! - this file: [`app()`], the router wrapped in tower layers (tracing, a
//!   panic catcher, a timeout, a body limit), and [`serve`], which runs it
//!   on a listener until a shutdown future completes, gracefully.
//!
//! ```text
//!  TCP ─▶ hyper (HTTP/1.1, head deadline) ─▶ TraceLayer ─▶ CatchPanic ─▶ Timeout ─▶ body limit ─▶ Router ─▶ handler
//! ```
//!
//! `main.rs` only reads `--addr`, `--data` and `--static`, sets up the log,
//! binds, and calls [`serve`] with Ctrl-C as the shutdown. Every module is
//! public so the stage tests can use the parts directly.
//!
//! Run with `cargo run -p chapter08-solution`, then open
//! <http://127.0.0.1:7878> in a browser.

pub mod app;
pub mod db;
pub mod error;
pub mod pages;
pub mod server;

use std::future::Future;
use std::io;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use app::{AppState, Folders, router};
pub use db::Guestbook;
pub use error::AppError;
pub use server::Config;

// ANCHOR: limits
/// How long a request may take, from its head arriving to its response:
/// reading the body included, so a client that sends a form one byte a
/// second is cut off too. A timeout answers `408 Request Timeout`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest request body read, in bytes. The biggest good form (a
/// 100-character name and a 1000-character message, every character
/// percent-encoded as up to 12 bytes) is about 13 KB; a bigger body is
/// answered `413 Content Too Large` before it is all read.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
// ANCHOR_END: limits

// ANCHOR: app
// ANCHOR: app_signature
/// The whole app: the router, inside the tower layers that every request
/// goes through. The first layer listed is the outermost: it sees the
/// request first and the response last.
pub fn app(state: AppState) -> Router {
    // ANCHOR_END: app_signature
    // exercise 8.6: Layers and a graceful shutdown
    let layers = ServiceBuilder::new()
        // One span per request (method, path) and one line per response
        // (status, time), written by the tracing subscriber main.rs sets up.
        // Outermost, so it also logs the answers of the layers below it.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        // A panicking handler (a bug, or a starter's todo!()) becomes a 500
        // page for that request, as in chapter 5; without this layer hyper
        // would drop the connection with no answer at all.
        .layer(CatchPanicLayer::custom(panic_page))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        // Not a middleware but a setting: the extractors that read a body
        // (our form) stop at this many bytes and reject with 413.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    router(state).layer(layers)
    // end exercise
}

/// The answer to a request whose handler panicked. The panic message goes
/// to the log (the default panic hook has printed it to stderr already),
/// never to the visitor.
fn panic_page(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html(pages::error(
            "Something went wrong",
            "The server failed while answering. Please try again later.",
        )),
    )
        .into_response()
}
// ANCHOR_END: app

// ANCHOR: serve
// ANCHOR: serve_signature
/// Serves the app on `listener` until `shutdown` completes, then stops
/// gracefully: no new connections, the requests in flight finish, idle
/// kept-alive connections are closed, and only then does it return.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    folders: &Folders,
) -> io::Result<()> {
    serve_with(listener, shutdown, folders, &Config::default()).await
}
// ANCHOR_END: serve_signature

/// [`serve`] with other settings (the tests use a short head deadline).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    folders: &Folders,
    config: &Config,
) -> io::Result<()> {
    // Opening the database blocks for a moment, once, before the first
    // client: nothing else runs on the runtime yet, so nothing waits.
    let state = AppState::open(folders)?;
    server::run(listener, app(state), shutdown, config).await
}
// ANCHOR_END: serve

// ANCHOR: serve_blocking
/// [`serve_with`] for callers without a runtime: a std listener (the stage
/// tests bind `127.0.0.1:0` with the harness, which is std only), served
/// on a runtime built here, until `shutdown` completes.
pub fn serve_blocking(
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    folders: &Folders,
    config: &Config,
) -> io::Result<()> {
    // tokio drives its sockets without blocking; a std listener blocks
    // unless told not to.
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        serve_with(listener, shutdown, folders, config).await
    })
}
// ANCHOR_END: serve_blocking
