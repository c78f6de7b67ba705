//! The accept loop: a task per connection, a limit, and an orderly
//! shutdown.
//!
//! ```text
//!  select! ─┬─ accept ─┬─ Ok: a permit free? ─┬─ yes: spawn a task: serve the connection
//!           │          │                      └─ no:  spawn a task: answer 503, close
//!           │          │                              (none free for that either: close)
//!           │          └─ Err: pause if the process is out of descriptors (chapter 1)
//!           └─ shutdown ──▶ stop accepting ──▶ idle connections close, requests
//!                           in flight finish ──▶ wait for every task ──▶ return
//! ```
//!
//! The shape is mini-redis's `server.rs`: a listener, a semaphore for the
//! limit, a token for the shutdown and a tracker to wait for the tasks.

use std::io;
use std::sync::Arc;
use std::time::SystemTime;

#[expect(unused_imports, reason = "until you write exercise 7.6")]
use chapter03::{AcceptBackoff, Response, StatusCode, WriteOptions};

/// Chapter 3's settings for one connection, which this chapter's [`Config`]
/// holds as its `http` part.
pub use chapter03::Config as HttpConfig;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
#[expect(unused_imports, reason = "until you write exercise 7.6")]
use tokio::time;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::connection::Connection;
use crate::handler::Handler;
use crate::log::RequestLog;
use crate::site;
use crate::stats::Stats;

// ANCHOR: config
/// The most connections served at once; one more is answered `503`. The
/// limit is memory and file descriptors, no longer threads: each
/// connection costs a socket and a task of a few kilobytes, so it can be
/// far higher than chapter 5's 32 workers. A process with fewer
/// descriptors gets a lower limit, from [`Config::fitting`].
pub const MAX_CONNECTIONS: usize = 10_000;
/// The most `503` answers being written by tasks at once. Each holds a
/// socket for up to a second (the answer, then a moment to let the client
/// close first); beyond this, the accept loop writes the `503` itself and
/// closes at once.
pub const MAX_BUSY_ANSWERS: usize = 64;
/// File descriptors kept for everything but connections: stdin, stdout,
/// stderr, the listener, tokio's own (its epoll or kqueue, its waker), and
/// room for whatever a handler opens.
pub const RESERVED_DESCRIPTORS: u64 = 32;
/// The `Server` header of this chapter's responses.
pub const SERVER_NAME: &str = "course-chapter07";

/// Everything about a server that is not its handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// What each connection does: chapter 3's settings (the parser's
    /// limits, the idle timeout, the request deadline, the write timeout,
    /// the `Server` header), unchanged, so the two servers behave alike.
    /// An idle connection costs a task and a few kilobytes now, not a
    /// thread, so the idle timeout could be longer.
    pub http: HttpConfig,
    /// See [`MAX_CONNECTIONS`].
    pub max_connections: usize,
    /// See [`MAX_BUSY_ANSWERS`].
    pub max_busy_answers: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            http: HttpConfig::named(SERVER_NAME),
            max_connections: MAX_CONNECTIONS,
            max_busy_answers: MAX_BUSY_ANSWERS,
        }
    }
}
// ANCHOR_END: config

// ANCHOR: fitting
impl Config {
    /// The default configuration, with limits a process that may open
    /// `descriptors` files and sockets can keep.
    ///
    /// Every connection, served or being answered `503`, costs a
    /// descriptor. If the limits allowed more than the process has, accept
    /// would fail with "too many open files" before the `503` ever came:
    /// the clients past the limit would wait in the backlog with no answer.
    /// So the limits fit under the descriptors: what is left after
    /// [`RESERVED_DESCRIPTORS`], a quarter of it for `503`s (at most
    /// [`MAX_BUSY_ANSWERS`]), the rest for connections (at most
    /// [`MAX_CONNECTIONS`]).
    #[expect(unused_variables, reason = "until you write exercise 7.5")]
    pub fn fitting(descriptors: u64) -> Config {
        todo!(
            "exercise 7.5: Limit the connections (read book/src/ch07-async.md#exercise-75-limit-the-connections)"
        )
    }
}

/// Raises the limit on this process's open file descriptors as far as it
/// may go, and returns the limit it now has.
///
/// On Linux and macOS a process has a soft limit (often 1024, or 256 on
/// macOS) that it may raise up to a hard limit (often a million on Linux;
/// macOS caps it at `kern.maxfilesperproc`) without any privilege: the
/// `rlimit` crate makes that system call. Windows has no such limit for
/// sockets, and this returns `u64::MAX`. If raising fails, the limit is
/// whatever it was, and `Config::fitting` still fits under it.
pub fn raise_descriptor_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(error) => {
            eprintln!("cannot raise the file descriptor limit: {error}");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _hard)| soft)
        }
    }
}

/// The configuration for this process: the descriptor limit raised as far
/// as it goes and the limits fitted under it, then `max_connections` if
/// one was asked for and fits. What it got goes to stderr, for whoever
/// wonders why a client got `503`.
pub fn configure(max_connections: Option<usize>) -> Config {
    let descriptors = raise_descriptor_limit();
    let mut config = Config::fitting(descriptors);
    match max_connections {
        Some(asked) if asked > config.max_connections => eprintln!(
            "--max-connections {asked} is more than {descriptors} file descriptors allow: serving {} at once",
            config.max_connections
        ),
        Some(asked) => config.max_connections = asked,
        None => {}
    }
    eprintln!(
        "file descriptors: {descriptors}; serving up to {} connections at once",
        config.max_connections
    );
    config
}
// ANCHOR_END: fitting

/// Serves this chapter's site (see [`site::Site`]) with the default
/// [`Config`], until `shutdown` is cancelled.
pub async fn serve(listener: TcpListener, shutdown: CancellationToken) -> io::Result<()> {
    let stats = Arc::new(Stats::default());
    serve_with(listener, shutdown, &Config::default(), site::Site, stats).await
}

// ANCHOR: serve
/// Serves clients, a task per connection, answering every request with
/// `handler`, until `shutdown` is cancelled; then lets the requests in
/// flight finish and returns once every connection's task has ended.
/// `stats` counts what it does (the caller can read it meanwhile).
///
/// The handler is any [`Handler`]: an `async fn(Request) -> Response` is
/// one. It may run on any of the runtime's threads and outlives this
/// call's borrows, hence `Send + Sync + 'static`. As in chapter 3 it sees
/// only complete, valid requests; the connection answers bad ones and adds
/// `Date`, `Server`, `Content-Length` and `Connection`.
pub async fn serve_with<H: Handler>(
    listener: TcpListener,
    shutdown: CancellationToken,
    config: &Config,
    handler: H,
    stats: Arc<Stats>,
) -> io::Result<()> {
    let (log, log_writer) = RequestLog::start();
    // The listener is bound: the OS queues clients from now on.
    stats.accepting.set(true);
    let server = Server {
        listener,
        // Every task gets its own handle on what it shares: tasks are
        // `'static`, they cannot borrow from this function.
        handler: Arc::new(handler),
        config: Arc::new(config.clone()),
        limit: ConnectionLimit::new(config.max_connections, Arc::clone(&stats)),
        busy_permits: Arc::new(Semaphore::new(config.max_busy_answers)),
        tasks: TaskTracker::new(),
        shutdown,
        stats,
        log,
    };
    server.accept_until_shutdown().await;
    server.shut_down().await?;
    // Every connection, and the server, have dropped their handle on the
    // log: the writer writes what is left, then ends.
    let _ = log_writer.await;
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: server
/// A running server: what the accept loop needs, in one place, as
/// mini-redis's `Listener` does.
struct Server<H> {
    /// Where clients connect.
    #[expect(dead_code, reason = "until you write exercises 7.6 and 7.7")]
    listener: TcpListener,
    /// The application, shared by every connection's task.
    #[expect(dead_code, reason = "until you write exercise 7.6")]
    handler: Arc<H>,
    /// The limits and timeouts, shared by every connection's task.
    #[expect(dead_code, reason = "until you write exercise 7.6")]
    config: Arc<Config>,
    /// How many connections may be served at once.
    #[expect(dead_code, reason = "until you write exercise 7.6")]
    limit: ConnectionLimit,
    /// One permit per `503` that may be being written at once.
    #[expect(dead_code, reason = "until you write exercise 7.6")]
    busy_permits: Arc<Semaphore>,
    /// Every task this server spawned, so shutdown can wait for them.
    #[expect(dead_code, reason = "until you write exercises 7.6 and 7.7")]
    tasks: TaskTracker,
    /// Cancelled when the server must stop.
    #[expect(dead_code, reason = "until you write exercise 7.6")]
    shutdown: CancellationToken,
    /// The counters.
    #[expect(dead_code, reason = "until you write exercises 7.5, 7.6 and 7.7")]
    stats: Arc<Stats>,
    /// The request log, shared by every connection.
    #[expect(dead_code, reason = "until you write exercise 7.6")]
    log: RequestLog,
}
// ANCHOR_END: server

impl<H: Handler> Server<H> {
    // ANCHOR: accept
    // ANCHOR: accept_signature
    /// Accepts clients and spawns a task for each, until the shutdown.
    async fn accept_until_shutdown(&self) {
        // ANCHOR_END: accept_signature
        todo!(
            "exercise 7.6: A task per connection (read book/src/ch07-async.md#exercise-76-a-task-per-connection)"
        )
    }
    // ANCHOR_END: accept

    // ANCHOR: shut_down
    // ANCHOR: shut_down_signature
    /// Stops accepting, and returns once every connection has ended.
    async fn shut_down(self) -> io::Result<()> {
        // ANCHOR_END: shut_down_signature
        todo!(
            "exercise 7.7: Shut down gracefully (read book/src/ch07-async.md#exercise-77-shut-down-gracefully)"
        )
    }
    // ANCHOR_END: shut_down
}

// ANCHOR: admit
/// How many connections a server may serve at once: a semaphore with a
/// permit per connection, and the counter of those turned away.
#[derive(Debug)]
pub struct ConnectionLimit {
    /// One permit per connection that may be served at once.
    #[expect(dead_code, reason = "until you write exercise 7.5")]
    permits: Arc<Semaphore>,
    /// Where a connection turned away is counted.
    #[expect(dead_code, reason = "until you write exercises 7.5, 7.6 and 7.7")]
    stats: Arc<Stats>,
}

impl ConnectionLimit {
    /// A limit of `max` connections at once, counting refusals in `stats`.
    pub fn new(max: usize, stats: Arc<Stats>) -> ConnectionLimit {
        ConnectionLimit {
            permits: Arc::new(Semaphore::new(max)),
            stats,
        }
    }

    // ANCHOR: admit_signature
    /// A place for one more connection, if the limit allows: the permit
    /// frees the place when it is dropped. `None` when every place is
    /// taken.
    pub fn admit(&self) -> Option<OwnedSemaphorePermit> {
        // ANCHOR_END: admit_signature
        todo!(
            "exercise 7.5: Limit the connections (read book/src/ch07-async.md#exercise-75-limit-the-connections)"
        )
    }
}
// ANCHOR_END: admit

// ANCHOR: answer_busy
/// The `503` of a server at its limit. Retry-After (RFC 9110 section
/// 10.2.3): come back in a second.
fn busy_response() -> Response {
    Response::error_page(
        StatusCode::ServiceUnavailable,
        "The server is serving as many clients as it can. Try again in a moment.",
    )
    .with_header("Retry-After", "1")
}

/// Answers `503 Service Unavailable` and closes, in a task of its own, so
/// the accept loop never waits for this client.
#[expect(dead_code, reason = "until you write exercise 7.6")]
async fn answer_busy(stream: TcpStream, config: Arc<Config>) {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| "?".to_string(), |addr| addr.to_string());
    let mut connection = Connection::new(stream, peer);
    if let Err(error) = connection
        .send_closing(busy_response(), false, &config.http)
        .await
    {
        eprintln!("503 failed: {error}");
    }
}

/// Answers `503` from the accept loop itself, without waiting for anything,
/// when even the tasks that answer `503` are all busy: a flood must not
/// become a task per connection. The answer is a few hundred bytes, which
/// fit in the socket's send buffer, so one `try_write` sends it; then we
/// throw away what the client already sent (closing with unread input would
/// reset the connection, and could destroy the answer), and close.
#[expect(dead_code, reason = "until you write exercise 7.6")]
fn answer_busy_now(stream: TcpStream, config: &Config) {
    let mut bytes = Vec::new();
    let options = WriteOptions {
        now: SystemTime::now(),
        server: &config.http.server_name,
        head_only: false,
    };
    let response = busy_response().with_header("Connection", "close");
    if response.write_to(&mut bytes, options).is_ok() {
        let _ = stream.try_write(&bytes);
    }
    let mut sink = [0; 4096];
    while matches!(stream.try_read(&mut sink), Ok(n) if n > 0) {}
}
// ANCHOR_END: answer_busy

// ANCHOR: serve_blocking
/// [`serve_with`] for code that is not async: builds a tokio runtime on
/// the calling thread, takes a std listener, and blocks until the server
/// has shut down. The stage tests start servers this way, in a thread.
pub fn serve_blocking<H: Handler>(
    listener: std::net::TcpListener,
    shutdown: CancellationToken,
    config: &Config,
    handler: H,
    stats: Arc<Stats>,
) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // tokio waits for readiness itself, so its sockets must never block.
    listener.set_nonblocking(true)?;
    runtime.block_on(async {
        let listener = TcpListener::from_std(listener)?;
        serve_with(listener, shutdown, config, handler, stats).await
    })
}
// ANCHOR_END: serve_blocking
