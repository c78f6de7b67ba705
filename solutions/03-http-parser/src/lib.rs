//! Chapter 3, an HTTP parser: the server learns the protocol.
//!
//! Chapter 2's server read "the first line" of a request and hoped. This
//! one parses requests properly, answers every malformed one with the
//! status HTTP prescribes, reads bodies of a known length and chunked ones,
//! and keeps connections open for more requests. The map of the crate, in
//! the order a request travels through it:
//!
//! - [`server`]: [`serve_with`] accepts clients one after another and gives
//!   each to a [`connection::Connection`]; [`Config`] holds the limits and
//!   timeouts; [`serve`] serves this chapter's site.
//! - [`connection`]: a [`connection::Connection`] owns the socket and a
//!   buffer, and answers requests in order until it should close
//!   (keep-alive, pipelining, `100 Continue`, timeouts).
//! - [`reader`]: a [`reader::RequestReader`] takes the requests out of a
//!   connection's buffer one at a time, head first, then the body, and
//!   says when the client waits for `100 Continue`. No I/O, so chapter 7's
//!   async connection uses it too.
//! - [`parse`]: bytes to a [`Request`], without I/O. [`parse::parse_request`]
//!   returns `Partial`, `Complete` with the bytes it used, or a
//!   [`parse::ParseError`] that knows its status code. The limits are
//!   named constants there, and [`parse::body_framing`] decides where a
//!   body ends.
//! - [`chunked`]: a [`chunked::ChunkedDecoder`] reads a chunked body a piece
//!   at a time.
//! - [`target`]: the request target split into path and query and
//!   percent-decoded, in origin form or absolute form.
//! - [`request`]: what a parsed [`Request`] is, with its [`Method`] and
//!   [`Headers`].
//! - [`response`]: a [`Response`] with a [`StatusCode`] and a [`Body`]
//!   (bytes, or a reader of known length), and
//!   [`Response::write_to`], which adds `Date`, `Server` and
//!   `Content-Length`.
//! - [`handler`]: what a server calls, a [`Handler`]; any
//!   `Fn(&Request) -> Response` is one.
//! - [`site`]: chapter 2's page, picture and form, as a handler.
//!
//! `main.rs` only reads `--addr`, binds and calls [`serve`]. Every module is
//! public so the stage tests (and chapter 4, which serves files with this
//! crate) can use the parts directly.
//!
//! Run with `cargo run -p chapter03-solution`, then open
//! <http://127.0.0.1:7878> in a browser, or try `curl -v` on it twice in one
//! command to watch the connection being reused.

pub mod chunked;
pub mod connection;
pub mod handler;
pub mod parse;
pub mod reader;
pub mod request;
pub mod response;
pub mod server;
pub mod site;
pub mod target;

/// Chapter 1's accept backoff, reused as it is: chapters 5 and 7 use it
/// through this crate.
pub use chapter01::backoff::AcceptBackoff;
/// Chapter 1's stop signal, reused as it is.
pub use chapter01::shutdown::Shutdown;
pub use handler::Handler;
pub use parse::{Limits, ParseError, Parsed, parse_request};
pub use request::{Headers, Method, Request, Version};
pub use response::{Body, Response, StatusCode, WriteOptions};
pub use server::{Config, serve, serve_with};
