//! Chapter 5, threads: many clients at once.
//!
//! Chapter 3's server answers one connection at a time, so one slow client
//! (or one kept-alive browser) makes everyone else wait. This crate serves
//! the same site, over the same parser and the same connection loop, from a
//! bounded pool of worker threads, and adds what a server shared by
//! strangers needs: deadlines against slow clients, `503` when it is full,
//! `500` when a handler panics, and a graceful shutdown on Ctrl-C. The map
//! of the crate, in the order a connection travels through it:
//!
//! - [`server`]: [`serve_with`] accepts connections and hands each to the
//!   pool, or answers `503` at once when the pool is full; on shutdown it
//!   stops accepting, lets the requests in flight finish, and joins the
//!   workers. [`Config`] holds the pool's size, its own timeouts, and
//!   chapter 3's settings for each connection ([`HttpConfig`]).
//! - [`pool`]: a [`ThreadPool`] of a fixed number of workers fed through a
//!   bounded queue, with a `Drop` that stops them in order.
//! - [`connection`]: one connection on a worker: chapter 3's
//!   `Connection` with deadlines and a shutdown check plugged into its
//!   waiting, and the handler called so that a panic becomes a `500`.
//! - [`stats`]: counters ([`Stats`]) the tests and the log read: requests
//!   in flight, the peak, live workers, `503`s and panics.
//! - [`site`]: chapter 3's site plus `/sleep?ms=N` (a slow request) and
//!   `/panic` (a broken handler), to watch the server cope.
//!
//! - [`signals`]: Ctrl-C and SIGTERM, turned into a graceful shutdown.
//!
//! `main.rs` reads `--addr` and `--workers`, binds, connects Ctrl-C and
//! SIGTERM to a [`Shutdown`], and calls [`serve_with`]. The modules are
//! public so the stage tests (and chapter 6's framework, which serves its
//! apps with this crate) can use the parts.
//!
//! Run with `cargo run -p chapter05`, then in two terminals
//! `curl localhost:7878/sleep?ms=3000` at once: both answers arrive after
//! three seconds, not one after six.

pub mod connection;
pub mod pool;
pub mod server;
pub mod signals;
pub mod site;
pub mod stats;

/// Chapter 1's stop signal, through chapter 3: the same type everywhere.
pub use chapter03::Shutdown;
pub use chapter03::{Request, Response, StatusCode};
pub use pool::ThreadPool;
pub use server::{Config, Handler, HttpConfig, serve, serve_with, serve_with_stats};
pub use stats::Stats;
