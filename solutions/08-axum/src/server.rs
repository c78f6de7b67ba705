//! The accept loop: hyper serving the app on each connection, with a
//! deadline for request heads and a graceful shutdown.
//!
//! ```text
//!  select! ─┬─ accept ─┬─ Ok:  spawn a task: hyper's HTTP/1.1 connection (head deadline on),
//!           │          │       watched by the graceful shutdown
//!           │          └─ Err: pause if out of descriptors (chapter 1's backoff)
//!           └─ shutdown ──▶ stop accepting ──▶ idle connections close, requests in
//!                           flight finish (at most the grace period) ──▶ return
//! ```
//!
//! `axum::serve` does all this in one call, but it gives hyper no timer, so
//! a client that sends half a request head and then one byte every few
//! seconds keeps its connection, and its file descriptor, for as long as it
//! likes: a few hundred such clients and the server can accept no one.
//! Chapter 7 stopped them with a deadline per request. Here hyper's
//! connection builder does it: given a timer, its `header_read_timeout`
//! closes a connection whose head has not arrived in time, and, since a
//! kept-alive connection is waiting for its next head, one that sits idle
//! that long too. The loop around it is axum's own example `serve-with-hyper`
//! with chapter 1's backoff, about thirty lines.
//!
//! The connections are HTTP/1.1 only, as in chapters 3 to 7, but they may
//! be upgraded: chapter 11's WebSocket starts as an HTTP request that the
//! server answers `101 Switching Protocols`, and then the connection is the
//! game's. hyper-util's `auto` builder, told `http1_only`, serves such
//! connections and still lets the graceful shutdown watch them.

use std::future::Future;
use std::io;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use chapter01::backoff::AcceptBackoff;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::time;

// ANCHOR: config
/// How long a client may take to send a request head, from when the
/// connection starts waiting for it (its first, or its next after a
/// response): then hyper closes the connection. Chapter 7's request
/// deadline, so the two servers stop a trickling client alike.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a graceful stop waits for requests in flight before it returns
/// anyway: as long as one request may take (see `REQUEST_TIMEOUT`), so a
/// request in flight always finishes.
pub const SHUTDOWN_GRACE: Duration = crate::REQUEST_TIMEOUT;

/// The settings of [`run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// See [`HEAD_TIMEOUT`].
    pub head_timeout: Duration,
    /// See [`SHUTDOWN_GRACE`].
    pub shutdown_grace: Duration,
    /// Whether each connection sends small writes at once (`TCP_NODELAY`)
    /// instead of holding them back to batch them (Nagle's algorithm). Off
    /// for pages, where batching saves packets; on for chapter 11's game,
    /// whose frames are small and must not wait.
    pub nodelay: bool,
    /// The kernel's send buffer for each connection, in bytes, or `None`
    /// for the system's own, which grows to megabytes. A game bounds it,
    /// so a client that stops reading fills it in a moment and the server
    /// sees the stall (chapter 11).
    pub send_buffer: Option<usize>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            head_timeout: HEAD_TIMEOUT,
            shutdown_grace: SHUTDOWN_GRACE,
            nodelay: false,
            send_buffer: None,
        }
    }
}

impl Config {
    /// Sets the socket options above on an accepted connection. A failure
    /// is logged, not fatal: the connection works, only less well tuned.
    fn tune(&self, stream: &TcpStream) {
        if self.nodelay
            && let Err(error) = stream.set_nodelay(true)
        {
            tracing::warn!(%error, "could not set TCP_NODELAY");
        }
        if let Some(size) = self.send_buffer
            && let Err(error) = socket2::SockRef::from(stream).set_send_buffer_size(size)
        {
            tracing::warn!(%error, size, "could not set the send buffer's size");
        }
    }
}
// ANCHOR_END: config

// ANCHOR: run
// ANCHOR: accept_loop
/// Serves `app` on `listener`, a task per connection, until `shutdown`
/// completes; then stops accepting, closes idle connections, lets the
/// requests in flight finish for at most `config.shutdown_grace`, and
/// returns.
pub async fn run(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()>,
    config: &Config,
) -> io::Result<()> {
    // One builder for every connection: HTTP/1.1, as in chapters 3 to 7,
    // with hyper's timer so the head deadline can fire.
    let mut http = auto::Builder::new(TokioExecutor::new()).http1_only();
    http.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(config.head_timeout);
    let graceful = GracefulShutdown::new();
    let mut backoff = AcceptBackoff::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => {
                backoff.after_success();
                config.tune(&stream);
                stream
            }
            Err(error) => {
                let pause = backoff.after_error(&error);
                tokio::select! {
                    () = time::sleep(pause) => continue,
                    () = &mut shutdown => break,
                }
            }
        };
        // The router is cheap to clone (its routes are behind an `Arc`);
        // the adapter turns a tower service into the kind hyper calls.
        let service = TowerToHyperService::new(app.clone());
        // `into_owned` lets the connection outlive this loop's borrow of
        // the builder, so it can move into its own task.
        let connection = http
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that vanished, or a head that came too late: the
            // connection's own business, worth a line at debug level.
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended");
            }
        });
    }
    // ANCHOR_END: accept_loop
    // exercise 8.6: Layers and a graceful shutdown
    // Stop accepting first: the OS refuses new clients instead of queueing
    // them for nobody. Then tell every connection: idle ones close, busy
    // ones close after their response, and `shutdown()` completes when the
    // last is gone, or the grace period ends first.
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = time::sleep(config.shutdown_grace) => {
            tracing::warn!("connections still open after {:?}: stopping anyway", config.shutdown_grace);
        }
    }
    Ok(())
    // end exercise
}
// ANCHOR_END: run
