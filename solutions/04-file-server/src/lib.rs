//! Chapter 4, a file server you can trust.
//!
//! "How do I let people reach files on my computer through a URL?",
//! answered safely: a handler on chapter 3's HTTP/1.1 server that serves
//! one folder, and nothing outside it. The map of the crate, in the order a
//! request travels through it:
//!
//! - [`server`]: [`server::FileServer::handle`] answers one request: 405
//!   for methods other than GET and HEAD, then resolve, then a folder or a
//!   file. [`serve`] runs it on chapter 3's `serve_with`.
//! - [`resolve`]: [`resolve::resolve`] turns the decoded URL path into a
//!   canonical path under the [`resolve::Root`], or refuses: `..`, NUL,
//!   drive letters, and symbolic links that lead out.
//! - [`listing`]: [`listing::directory_answer`] decides what a folder gets:
//!   a redirect to the URL with a slash, its `index.html`, or a listing
//!   with every name escaped.
//! - [`mime`]: [`mime::content_type`] tells the browser what a file is,
//!   from its extension.
//! - [`conditional`]: [`conditional::not_modified`] answers
//!   `If-Modified-Since` (304), with HTTP-date parsing.
//! - [`range`]: [`range::parse_range`] reads `Range: bytes=...` (206, 416).
//! - [`body`]: [`body::file_body`] hands an open file to the response, to
//!   be copied to the socket through a small buffer: constant memory.
//!
//! `main.rs` only reads `--addr` and `--root`, binds and calls [`serve`].
//! Every module is public so the stage tests in `tests/chapter04.rs` can
//! call the parts directly.
//!
//! Run with `cargo run -p chapter04-solution -- --root some/folder`, then
//! open <http://127.0.0.1:7878> in a browser.

pub mod body;
pub mod conditional;
pub mod listing;
pub mod mime;
pub mod range;
pub mod resolve;
pub mod server;

use std::io;
use std::net::TcpListener;
use std::path::Path;

/// Chapter 1's stop signal, through chapter 3.
pub use chapter03::Shutdown;
/// Chapter 3's server settings; [`serve_with`] takes them.
pub use chapter03::server::Config;

use server::FileServer;

// ANCHOR: serve
/// The `Server` header of this chapter's responses.
pub const SERVER_NAME: &str = "course-chapter04";

/// Serves the files under `root` until `shutdown` is triggered, with
/// chapter 3's default settings.
pub fn serve(listener: TcpListener, shutdown: Shutdown, root: &Path) -> io::Result<()> {
    serve_with(listener, shutdown, root, &Config::named(SERVER_NAME))
}

/// [`serve`] with other settings (tests use a short idle timeout).
pub fn serve_with(
    listener: TcpListener,
    shutdown: Shutdown,
    root: &Path,
    config: &Config,
) -> io::Result<()> {
    // The root is checked (and made canonical) once, before the first
    // client: a server asked to serve a folder that does not exist should
    // say so at once, not answer 404 to everyone.
    let files = FileServer::new(root)?;
    chapter03::server::serve_with(listener, shutdown, config, files)
}
// ANCHOR_END: serve
