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
//! - this file: [`app()`], the router wrapped in tower layers (the
//!   request log, a panic catcher, a timeout, a body limit), and
//!   [`serve`], which runs it on a listener until a shutdown future
//!   completes, gracefully; and two helpers chapter 9 uses too,
//!   [`on_a_runtime`] (a std listener served on a runtime built for it)
//!   and [`log_to_stderr`].
//!
//! ```text
//!  TCP ─▶ hyper (HTTP/1.1, head deadline) ─▶ request log ─▶ CatchPanic ─▶ Timeout ─▶ body limit ─▶ Router ─▶ handler
//! ```
//!
//! `main.rs` only reads `--addr`, `--data` and `--static`, sets up the log,
//! binds, and calls [`serve`] with Ctrl-C as the shutdown. Every module is
//! public so the stage tests can use the parts directly.
//!
//! Run with `cargo run -p chapter08`, then open
//! <http://127.0.0.1:7878> in a browser.

pub mod app;
pub mod db;
pub mod error;
pub mod pages;
pub mod server;

use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

use axum::Router;
#[expect(unused_imports, reason = "until you write exercise 8.6")]
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
#[expect(unused_imports, reason = "until you write exercise 8.6")]
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{Html, IntoResponse, Response};
#[expect(unused_imports, reason = "until you write exercise 8.6")]
use tower::ServiceBuilder;
#[expect(unused_imports, reason = "until you write exercise 8.6")]
use tower_http::catch_panic::CatchPanicLayer;
#[expect(unused_imports, reason = "until you write exercise 8.6")]
use tower_http::timeout::TimeoutLayer;

pub use app::{AppState, Folders, router};
/// Chapter 7's request log, which writes its lines in batches.
pub use chapter07::log::RequestLog;
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
#[expect(unused_variables, reason = "until you write exercise 8.6")]
pub fn app(state: AppState) -> Router {
    // ANCHOR_END: app_signature
    todo!(
        "exercise 8.6: Layers and a graceful shutdown (read book/src/ch08-axum.md#exercise-86-layers-and-a-graceful-shutdown)"
    )
}

// ANCHOR: log_request
/// The request log, as a middleware: chapter 6's `logging`, written for
/// axum. One line per request, `GET /hello/Ada 200 0.3ms`, with the
/// target as the client sent it, the status and the time everything
/// inside took, handed to chapter 7's batching [`RequestLog`].
///
/// Not tower-http's `TraceLayer`: its span per request and its formatted
/// event cost about a fifth of the server's requests per second (see the
/// book's measurements); tracing still carries every other line.
#[expect(dead_code, reason = "until you write exercise 8.6")]
async fn log_request(State(log): State<RequestLog>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let target = request.uri().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    let line = format!(
        "{method} {target} {} {:.1}ms\n",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    log.write(&line);
    response
}
// ANCHOR_END: log_request

/// The answer to a request whose handler panicked. The panic message goes
/// to the log (the default panic hook has printed it to stderr already),
/// never to the visitor.
#[expect(dead_code, reason = "until you write exercise 8.6")]
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
    let mut state = AppState::open(folders)?;
    let (log, log_writer) = RequestLog::start();
    state.log = log;
    let served = server::run(listener, app(state), shutdown, config).await;
    // Every connection is done, and with it every handle on the log, so
    // the writer writes what is left and ends; unless the grace period ran
    // out with connections open, hence a limit on the wait.
    let _ = tokio::time::timeout(config.shutdown_grace, log_writer).await;
    served
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
    on_a_runtime(listener, |listener| {
        serve_with(listener, shutdown, folders, config)
    })
}

/// Runs `serve` on `listener`, a std listener turned into tokio's, on a
/// runtime of two worker threads built for it; returns what `serve` does.
pub fn on_a_runtime<F, S>(listener: std::net::TcpListener, serve: S) -> io::Result<()>
where
    S: FnOnce(tokio::net::TcpListener) -> F,
    F: Future<Output = io::Result<()>>,
{
    // tokio drives its sockets without blocking; a std listener blocks
    // unless told not to.
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        serve(listener).await
    })
}

/// Sets up `tracing` to write to stderr (so stdout keeps the one line
/// tools wait for), in colour only on a terminal, at the level `RUST_LOG`
/// says or else `default` (such as `chapter08=info`).
pub fn log_to_stderr(default: &str) {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default)),
        )
        .init();
}
// ANCHOR_END: serve_blocking
