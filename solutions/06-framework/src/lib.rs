//! Chapter 6, a framework of our own: a router, handlers, middleware and
//! shared state on chapters 3 to 5, and an app with a guestbook on them.
//!
//! Chapter 5's server calls one function for every request. This crate
//! builds that function out of parts, which is all a web framework is. The
//! map of the crate, the framework first, the app after it:
//!
//! - [`router`]: a [`Router`] picks the handler by method and path
//!   pattern (`/hello/{name}`), hands it the path's [`Params`] and the
//!   shared state, and answers 404 and 405 (with `Allow`) itself.
//! - [`handler`]: the [`IntoResponse`] trait, which lets a handler return a
//!   `String`, an [`Html`] page, `(StatusCode, T)`, a [`Redirect`] or a
//!   `Result` of those, and the one place they become a response.
//! - [`middleware`]: functions around functions; [`middleware::logging`]
//!   writes a line with the method, target, status and time of each
//!   request.
//! - [`app`]: the app's routes and handlers, and its shared state
//!   ([`app::AppState`]): the guestbook and chapter 4's file server for
//!   `/static/`.
//! - [`form`]: the guestbook form and its rules ([`form::Form::problems`]).
//! - [`pages`]: the HTML of the pages. Chapter 8's axum app uses `form`
//!   and `pages` as they are.
//! - [`guestbook`]: the entries, one line each in a file that is only ever
//!   appended to, so a crash cannot damage what was stored before it.
//!
//! `main.rs` only reads `--addr`, `--data` and `--static` (with chapter 1's
//! `cli`), binds, connects
//! Ctrl-C to a graceful shutdown (chapter 5's) and calls [`serve`]. Every
//! module is public so the stage tests can use the parts directly.
//!
//! Run with `cargo run -p chapter06-solution`, then open
//! <http://127.0.0.1:7878> in a browser.

pub mod app;
pub mod form;
pub mod guestbook;
pub mod handler;
pub mod middleware;
pub mod pages;
pub mod router;

use std::io::{self, Write};
use std::net::TcpListener;
use std::sync::Arc;

/// Chapter 1's stop signal, through the chapters in between.
pub use chapter03::Shutdown;
/// The request and response types the framework works with: chapter 3's.
pub use chapter03::{Method, Request, Response, StatusCode};
/// The server's settings (workers, limits, timeouts, the `Server` header):
/// chapter 5's, because chapter 5 serves the app.
pub use chapter05::{Config, HttpConfig};

pub use app::{AppState, Folders};
pub use handler::{Html, IntoResponse, Redirect};
pub use router::{Params, Router};

// ANCHOR: serve
/// The `Server` header of this chapter's responses.
pub const SERVER_NAME: &str = "course-chapter06";

/// Serves the app until `shutdown` is triggered, with chapter 5's default
/// settings and the request log on standard error.
pub fn serve(listener: TcpListener, shutdown: Shutdown, folders: &Folders) -> io::Result<()> {
    let config = Config {
        http: HttpConfig::named(SERVER_NAME),
        ..Config::default()
    };
    serve_with(listener, shutdown, &config, folders, io::stderr())
}

/// [`serve`] with other settings, and the request log written to `log`
/// (the tests read it from a buffer).
pub fn serve_with(
    listener: TcpListener,
    shutdown: Shutdown,
    config: &Config,
    folders: &Folders,
    log: impl Write + Send + 'static,
) -> io::Result<()> {
    // The state is opened before the first client, so a data folder we
    // cannot write is an error now, not a 500 for the first visitor.
    let state = Arc::new(AppState::open(folders)?);
    let app = app::app(state, log);
    chapter05::serve_with(listener, shutdown, config, app)
}
// ANCHOR_END: serve
