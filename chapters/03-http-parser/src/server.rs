//! The accept loop, and the settings of a server.
//!
//! Still one client at a time: [`serve_with`] hands each connection to
//! [`Connection::serve`], which keeps it until it closes. With keep-alive
//! that can be a while (up to [`IDLE_TIMEOUT`] after the last request), and
//! the next client waits in the listener's backlog all that time. Chapter 5
//! serves connections on threads, with this same parser.

use std::io;
use std::net::TcpListener;
use std::time::Duration;

use crate::connection::Connection;
use crate::handler::Handler;
use crate::parse::Limits;
use crate::site::Site;
use crate::{AcceptBackoff, Shutdown};

// ANCHOR: config
/// How long a kept-alive connection may sit with no request before we
/// close it. Browsers reuse a connection within a second or two; a client
/// that keeps one open and silent for longer is holding it for nothing.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request may take to arrive in full, once its first byte is
/// in; then 408. Long enough for a megabyte body on a slow link, short
/// enough that a client trickling a byte a second (the "slowloris" attack)
/// cannot hold the server for long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one write may wait for the client to take our bytes. A client
/// that never reads would otherwise block us once the socket buffers fill.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// The `Server` header of this chapter's responses.
pub const SERVER_NAME: &str = "course-chapter03";

/// Everything about a server that is not its handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// What the parser accepts; see [`Limits`].
    pub limits: Limits,
    /// See [`IDLE_TIMEOUT`].
    pub idle_timeout: Duration,
    /// See [`REQUEST_TIMEOUT`].
    pub request_timeout: Duration,
    /// See [`WRITE_TIMEOUT`].
    pub write_timeout: Duration,
    /// The value of the `Server` header.
    pub server_name: String,
}

impl Config {
    /// The default settings, with `server` as the `Server` header: each
    /// later chapter's server names itself this way.
    pub fn named(server: &str) -> Config {
        Config {
            server_name: server.to_string(),
            ..Config::default()
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            limits: Limits::DEFAULT,
            idle_timeout: IDLE_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
            write_timeout: WRITE_TIMEOUT,
            server_name: SERVER_NAME.to_string(),
        }
    }
}
// ANCHOR_END: config

// ANCHOR: serve
/// Serves this chapter's site (see [`Site`]) with the default [`Config`],
/// until `shutdown` is triggered.
pub fn serve(listener: TcpListener, shutdown: Shutdown) -> io::Result<()> {
    serve_with(listener, shutdown, &Config::default(), Site)
}

/// Serves clients one after another, answering every request with
/// `handler`, until `shutdown` is triggered.
///
/// The handler sees only complete, valid requests: the connection answers
/// bad ones itself (400, 413, 501...), adds `Date`, `Server`,
/// `Content-Length` and `Connection` to what the handler returns, and drops
/// the body of a HEAD response. So a handler answers HEAD exactly as GET.
/// Any `Fn(&Request) -> Response` is a [`Handler`].
pub fn serve_with(
    listener: TcpListener,
    shutdown: Shutdown,
    config: &Config,
    handler: impl Handler,
) -> io::Result<()> {
    let mut backoff = AcceptBackoff::new();
    for stream in listener.incoming() {
        // Checked after every accept: `Shutdown::trigger` sets the flag and
        // then connects, precisely to wake this loop up.
        if shutdown.is_requested() {
            break;
        }
        // A failed accept is no reason to stop serving. Most concern one
        // client (it gave up in the backlog); out of descriptors, every
        // accept fails until one frees up, so chapter 1's backoff pauses
        // rather than spin.
        let Some(stream) = backoff.accepted(stream) else {
            continue;
        };
        // A failure on one connection (the client vanished mid-response)
        // is that connection's problem: print it and serve the next.
        let served = Connection::new(stream, config)
            .and_then(|connection| connection.serve(config, &handler));
        if let Err(error) = served {
            eprintln!("connection failed: {error}");
        }
    }
    Ok(())
}
// ANCHOR_END: serve
