//! The accept loop: a pool of workers, load shedding, and an orderly
//! shutdown.
//!
//! ```text
//!  accept ──▶ pool.try_execute(serve the connection)
//!               ├─ Ok:   a worker serves it (now, or when one is free)
//!               └─ Busy: answer 503 + Retry-After from here, close
//!  shutdown ─▶ stop accepting ─▶ idle connections close, requests in
//!              flight finish (grace) ─▶ drop the pool: join every worker
//! ```

use std::io::{self, BufWriter, Read, Write};
use std::net::{self, TcpListener, TcpStream};
use std::sync::{Arc, OnceLock};
use std::thread;
#[expect(unused_imports, reason = "until you write exercise 5.6")]
use std::time::{Duration, Instant, SystemTime};

use chapter03::connection::Connection;
use chapter03::{AcceptBackoff, Response, Shutdown, StatusCode, WriteOptions};

/// Chapter 3's settings for one connection, which this chapter's [`Config`]
/// holds as its `http` part.
pub use chapter03::Config as HttpConfig;

#[expect(unused_imports, reason = "until you write exercise 5.3")]
use crate::connection::{Shared, serve_connection};
#[expect(unused_imports, reason = "until you write exercise 5.3")]
use crate::pool::{Busy, ThreadPool};
use crate::site;
use crate::stats::Stats;

// ANCHOR: handler
/// What the server calls for every request: a chapter 3 handler (any
/// function or closure from a request to a response is one) that can be
/// shared by all the worker threads at once (`Send + Sync`) and lives as
/// long as they do (`'static`).
pub type Handler = dyn chapter03::Handler + Send + Sync + 'static;
// ANCHOR_END: handler

// ANCHOR: config
/// Worker threads, by default. Each serves one connection at a time, and a
/// kept-alive connection holds its worker until it closes or idles out, so
/// this is also how many browsers can be served at once; more clients wait
/// in the queue. Threads are cheap (a few pages of memory each until their
/// stack is used), so we can afford far more than we have cores.
pub const WORKERS: usize = 32;
/// Connections that may wait for a free worker; one more gets `503`.
pub const QUEUE_LEN: usize = 64;
/// Within a request, the longest a client may go without sending a byte.
/// (The request as a whole has chapter 3's `REQUEST_TIMEOUT`.)
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Once shutdown starts, how long requests that have started to arrive
/// get to arrive in full. (A handler that is running is never interrupted:
/// std cannot stop a thread; see `signals.rs` for the second Ctrl-C.)
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// The `Server` header of this chapter's responses.
pub const SERVER_NAME: &str = "course-chapter05";

/// Everything about a server that is not its handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// What each connection does, as in chapter 3: the parser's limits,
    /// the idle timeout, the request deadline, the write timeout and the
    /// `Server` header.
    pub http: HttpConfig,
    /// How many worker threads serve connections; see [`WORKERS`].
    pub workers: usize,
    /// How many accepted connections may wait for a worker; see
    /// [`QUEUE_LEN`]. 0 means "only if a worker is free right now".
    pub queue_len: usize,
    /// See [`READ_TIMEOUT`].
    pub read_timeout: Duration,
    /// See [`SHUTDOWN_GRACE`].
    pub shutdown_grace: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            http: HttpConfig::named(SERVER_NAME),
            workers: WORKERS,
            queue_len: QUEUE_LEN,
            read_timeout: READ_TIMEOUT,
            shutdown_grace: SHUTDOWN_GRACE,
        }
    }
}
// ANCHOR_END: config

/// Serves this chapter's site (see [`site::route`]) with the default
/// [`Config`], until `shutdown` is triggered.
pub fn serve(listener: TcpListener, shutdown: Shutdown) -> io::Result<()> {
    serve_with(listener, shutdown, &Config::default(), site::Site)
}

/// Serves clients on a pool of `config.workers` threads, answering every
/// request with `handler`, until `shutdown` is triggered; then finishes the
/// requests in flight and returns once every worker has stopped.
///
/// As in chapter 3, the handler sees only complete, valid requests, and
/// the connection adds `Date`, `Server`, `Content-Length` and `Connection`.
/// A handler that panics is answered `500` and the server carries on.
pub fn serve_with<H>(
    listener: TcpListener,
    shutdown: Shutdown,
    config: &Config,
    handler: H,
) -> io::Result<()>
where
    H: chapter03::Handler + Send + Sync + 'static,
{
    serve_with_stats(listener, shutdown, config, handler, Arc::default())
}

// ANCHOR: serve
/// [`serve_with`], counting what it does in `stats` (which the caller can
/// read meanwhile, from any thread).
pub fn serve_with_stats<H>(
    listener: TcpListener,
    shutdown: Shutdown,
    config: &Config,
    handler: H,
    stats: Arc<Stats>,
) -> io::Result<()>
where
    H: chapter03::Handler + Send + Sync + 'static,
{
    let shared = Arc::new(Shared {
        handler: Arc::new(handler),
        http: config.http.clone(),
        read_timeout: config.read_timeout,
        stats: Arc::clone(&stats),
        shutdown: shutdown.clone(),
        grace_ends: OnceLock::new(),
    });
    let pool = ThreadPool::new(config.workers, config.queue_len, Arc::clone(&stats))?;
    stats.accepting.set(true);
    let mut backoff = AcceptBackoff::new();
    for stream in listener.incoming() {
        // `Shutdown::trigger` sets the flag, then connects to wake us up.
        if shutdown.is_requested() {
            break;
        }
        // A failed accept concerns one client only (it gave up in the
        // backlog), or the process is out of file descriptors: every
        // connection held by a worker or waiting in the queue costs one.
        // Then every accept fails at once until a connection closes, so
        // chapter 1's backoff pauses, longer each time, instead of spinning.
        let Some(stream) = backoff.accepted(stream) else {
            continue;
        };
        if let Err(error) = dispatch(&pool, stream, &shared) {
            eprintln!("connection failed: {error}");
        }
    }
    todo!(
        "exercise 5.6: Shut down gracefully (read book/src/ch05-threads.md#exercise-56-shut-down-gracefully)"
    )
}
// ANCHOR_END: serve

// ANCHOR: dispatch
/// Hands a new connection to the pool, or, if it is full, answers `503`.
#[expect(unused_variables, reason = "until you write exercise 5.3")]
fn dispatch(pool: &ThreadPool, stream: TcpStream, shared: &Arc<Shared>) -> io::Result<()> {
    todo!(
        "exercise 5.3: Shed load with 503 (read book/src/ch05-threads.md#exercise-53-shed-load-with-503)"
    )
}

/// How long the accept thread may wait to write a `503`. It must never wait
/// on one client while others knock; the answer is a few hundred bytes,
/// which fit in the socket's send buffer, so it normally does not wait.
const BUSY_WRITE_TIMEOUT: Duration = Duration::from_millis(100);

/// Answers `503 Service Unavailable` and closes, from the accept thread,
/// without reading the request.
#[expect(dead_code, reason = "until you write exercise 5.3")]
fn answer_busy(stream: TcpStream, http: &HttpConfig) -> io::Result<()> {
    stream.set_write_timeout(Some(BUSY_WRITE_TIMEOUT))?;
    // Retry-After (RFC 9110 section 10.2.3): a hint to come back in a
    // second, when a worker is likely free; Connection: close, because we
    // close without reading what the client sent.
    let response = Response::error_page(
        StatusCode::ServiceUnavailable,
        "The server is busy serving other clients. Try again in a moment.",
    )
    .with_header("Retry-After", "1")
    .with_header("Connection", "close");
    let mut out = BufWriter::new(&stream);
    response.write_to(
        &mut out,
        WriteOptions {
            now: SystemTime::now(),
            server: &http.server_name,
            head_only: false,
        },
    )?;
    out.flush()?;
    drop(out);
    stream.shutdown(net::Shutdown::Write)?;
    // Closing a socket with unread input makes the OS send a reset, which
    // can destroy our answer before the client reads it. Waiting for the
    // client here would stall the accept loop, so we only throw away what
    // has already arrived, without waiting for more.
    stream.set_nonblocking(true)?;
    let mut sink = [0; 4096];
    loop {
        match (&stream).read(&mut sink) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
    }
    Ok(())
}
// ANCHOR_END: dispatch

// ANCHOR: thread_per_connection
/// The chapter's first attempt, kept to compare with [`serve_with`]: a new
/// thread for every connection, with chapter 3's connection unchanged.
///
/// It fixes the waiting (one slow client no longer blocks the others) and
/// creates a new problem: nothing limits the number of threads. A thousand
/// clients, or one attacker opening a thousand idle connections, make a
/// thousand threads, each with its stack, until memory or the OS's thread
/// limit runs out and the server fails for everyone. It also never waits
/// for its threads on shutdown. `main.rs` does not use it.
pub fn serve_thread_per_connection<H>(
    listener: TcpListener,
    shutdown: Shutdown,
    config: &HttpConfig,
    handler: H,
) -> io::Result<()>
where
    H: chapter03::Handler + Send + Sync + 'static,
{
    // Shared by every thread, so behind an Arc.
    let handler = Arc::new(handler);
    let mut backoff = AcceptBackoff::new();
    for stream in listener.incoming() {
        if shutdown.is_requested() {
            break;
        }
        let Some(stream) = backoff.accepted(stream) else {
            continue;
        };
        let handler = Arc::clone(&handler);
        let config = config.clone();
        thread::spawn(move || {
            let served = Connection::new(stream, &config)
                .and_then(|connection| connection.serve(&config, handler.as_ref()));
            if let Err(error) = served {
                eprintln!("connection failed: {error}");
            }
        });
    }
    Ok(())
}
// ANCHOR_END: thread_per_connection
