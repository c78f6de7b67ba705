//! Chapter 7, async: thousands of connections on a couple of threads.
//!
//! Chapter 5's pool gives each connection a thread for as long as it lives,
//! and a kept-alive connection lives mostly idle. This crate serves the
//! same site with tokio: a *task* per connection, which costs a few
//! kilobytes instead of a thread, over chapter 3's parser, unchanged. The
//! map of the crate, in the order a connection travels through it:
//!
//! - [`echo`]: chapter 1's echo server as tasks, the smallest example.
//! - [`server`]: [`serve_with`] accepts connections and spawns a task for
//!   each; a [`ConnectionLimit`] (a semaphore) limits how many are served
//!   at once (one more gets `503`); on shutdown it stops accepting and
//!   waits for every task ([`serve_blocking`] does the same from code that
//!   is not async). [`Config`] holds the limits and chapter 3's connection
//!   settings ([`HttpConfig`]), and [`Config::fitting`] derives the limits
//!   from the file descriptors the process may open.
//! - [`connection`]: a [`Connection`] owns a stream and a buffer and
//!   answers requests in order with chapter 3's `RequestReader` (chunked
//!   bodies and `100 Continue` included), with `tokio::time` deadlines on
//!   every wait: chapter 3's loop and pieces, with `.await`.
//! - [`handler`]: what the server calls, an async [`Handler`]; any
//!   `async fn(Request) -> Response` is one.
//! - [`log`]: the request log, written in batches by a task of its own.
//! - [`stats`]: counters ([`Stats`]) the tests read: open connections,
//!   requests in flight, their peaks, `503`s.
//! - [`site`]: chapter 3's site plus `/sleep?ms=N`, an async handler.
//! - [`signals`]: Ctrl-C and SIGTERM, turned into a cancelled
//!   [`CancellationToken`]; chapter 8 stops the same way.
//!
//! `main.rs` reads its options with clap, binds, gets a [`Config`] that
//! fits the process's file descriptors ([`server::configure`]), spawns
//! [`signals::stop_on_signals`], and awaits [`serve_with`]. The modules
//! are public so the stage tests can drive the parts directly, as in
//! mini-redis, the tokio project's teaching server.
//!
//! Run with `cargo run -p chapter07`, then open
//! <http://127.0.0.1:7878>.

pub mod connection;
pub mod echo;
pub mod handler;
pub mod log;
pub mod server;
pub mod signals;
pub mod site;
pub mod stats;

pub use chapter03::{Request, Response, StatusCode};
pub use connection::{Connection, Received};
pub use handler::Handler;
pub use server::{Config, ConnectionLimit, HttpConfig, serve, serve_blocking, serve_with};
pub use stats::Stats;
/// The shutdown signal: cancelling it (from any thread or task) stops the
/// server. Cloning gives another handle on the same signal.
pub use tokio_util::sync::CancellationToken;
