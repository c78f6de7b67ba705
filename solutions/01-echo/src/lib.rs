//! Chapter 1, echo: bytes on a wire.
//!
//! A TCP echo server and its client, and a line-based time service, built
//! with nothing but the standard library. The map of the crate:
//!
//! - [`server`]: the echo server. [`server::echo`] sends every byte of one
//!   connection back until the client half-closes; [`server::serve`] accepts
//!   clients one after another until its [`Shutdown`](shutdown::Shutdown) is
//!   triggered.
//! - [`client`]: [`client::exchange`] sends a message, half-closes, and reads
//!   the whole echo back, without deadlocking on a large message.
//! - [`time`]: calendar arithmetic (days since 1970 to a date, an RFC 3339
//!   timestamp) and [`time::serve_time`], a service that answers `TIME`.
//! - [`shutdown`]: a flag plus a wake-up connection, which stops a blocking
//!   accept loop from another thread.
//! - [`backoff`]: what an accept loop does when accept fails: try again at
//!   once, or, out of file descriptors, pause a little longer each time
//!   instead of spinning. Every later chapter's accept loop uses it.
//! - [`cli`]: the command line of every std-only binary in the course:
//!   options by name, `--help`, exit codes, and the `listening on` line.
//!
//! `main.rs` only reads the command line (with [`cli`]), binds the address
//! and calls these functions. Every module is public so that the stage tests in
//! `tests/chapter01.rs` can call them directly, the way a teaching crate
//! should let you poke at its parts.
//!
//! Run with `cargo run -p chapter01-solution -- server`, then, in a second
//! terminal, `cargo run -p chapter01-solution -- client hello` or
//! `nc 127.0.0.1 7878`.

pub mod backoff;
pub mod cli;
pub mod client;
pub mod server;
pub mod shutdown;
pub mod time;
