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

use chapter03::{AcceptBackoff, Response, StatusCode, WriteOptions};

/// Chapter 3's settings for one connection, which this chapter's [`Config`]
/// holds as its `http` part.
pub use chapter03::Config as HttpConfig;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
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
    pub fn fitting(descriptors: u64) -> Config {
        // exercise 7.5: Limit the connections
        let room = descriptors.saturating_sub(RESERVED_DESCRIPTORS);
        let busy = (room / 4).clamp(1, MAX_BUSY_ANSWERS as u64);
        let connections = room.saturating_sub(busy).clamp(1, MAX_CONNECTIONS as u64);
        Config {
            // Both fit in a usize: they are at most the constants above.
            max_connections: connections as usize,
            max_busy_answers: busy as usize,
            ..Config::default()
        }
        // end exercise
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
    listener: TcpListener,
    /// The application, shared by every connection's task.
    handler: Arc<H>,
    /// The limits and timeouts, shared by every connection's task.
    config: Arc<Config>,
    /// How many connections may be served at once.
    limit: ConnectionLimit,
    /// One permit per `503` that may be being written at once.
    busy_permits: Arc<Semaphore>,
    /// Every task this server spawned, so shutdown can wait for them.
    tasks: TaskTracker,
    /// Cancelled when the server must stop.
    shutdown: CancellationToken,
    /// The counters.
    stats: Arc<Stats>,
    /// The request log, shared by every connection.
    log: RequestLog,
}
// ANCHOR_END: server

impl<H: Handler> Server<H> {
    // ANCHOR: accept
    // ANCHOR: accept_signature
    /// Accepts clients and spawns a task for each, until the shutdown.
    async fn accept_until_shutdown(&self) {
        // ANCHOR_END: accept_signature
        // exercise 7.6: A task per connection
        let mut backoff = AcceptBackoff::new();
        loop {
            // Wait for a client or for the shutdown, whichever comes
            // first. `accept` is cancel safe: dropped unfinished, it has
            // accepted nobody, so no client is lost by choosing the
            // shutdown.
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                () = self.shutdown.cancelled() => return,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => {
                    backoff.after_success();
                    accepted
                }
                // Concerns one client (it gave up in the backlog), or the
                // process is out of file descriptors: then every accept
                // fails at once until one frees up, so pause, longer each
                // time, rather than spin (chapter 1's backoff). A shutdown
                // ends the pause.
                Err(error) => {
                    let pause = backoff.after_error(&error);
                    tokio::select! {
                        () = time::sleep(pause) => continue,
                        () = self.shutdown.cancelled() => return,
                    }
                }
            };
            let Some(permit) = self.limit.admit() else {
                // A task per 503 would be a task per attacker's connection:
                // a bounded number of them, and beyond that the 503 is
                // written from here, without waiting.
                match Arc::clone(&self.busy_permits).try_acquire_owned() {
                    Ok(busy) => {
                        let config = Arc::clone(&self.config);
                        self.tasks.spawn(async move {
                            answer_busy(stream, config).await;
                            drop(busy);
                        });
                    }
                    Err(_) => answer_busy_now(stream, &self.config),
                }
                continue;
            };
            // The task owns everything it uses: clones of the `Arc`s and
            // of the token. `spawn` returns at once, and the loop goes
            // back to accepting while the task serves.
            let handler = Arc::clone(&self.handler);
            let config = Arc::clone(&self.config);
            let shutdown = self.shutdown.clone();
            let stats = Arc::clone(&self.stats);
            let log = self.log.clone();
            self.tasks.spawn(async move {
                let _open = stats.connection_opened();
                let connection = Connection::new(stream, peer.to_string()).with_log(log);
                let served = connection
                    .serve(&config.http, handler.as_ref(), &shutdown, &stats)
                    .await;
                if let Err(error) = served {
                    eprintln!("{peer} connection failed: {error}");
                }
                // Dropped last: the permit frees a place for the next
                // client only once this connection is really gone.
                drop(permit);
            });
        }
        // end exercise
    }
    // ANCHOR_END: accept

    // ANCHOR: shut_down
    // ANCHOR: shut_down_signature
    /// Stops accepting, and returns once every connection has ended.
    async fn shut_down(self) -> io::Result<()> {
        // ANCHOR_END: shut_down_signature
        // exercise 7.7: Shut down gracefully
        // 1. Stop accepting: dropping the listener closes its socket, so
        //    the OS refuses new connections instead of queueing them for
        //    nobody.
        drop(self.listener);
        self.stats.accepting.set(false);
        // 2. The connections already know: the token is cancelled, so
        //    those waiting for a next request close now, and those with a
        //    request under way answer it with `Connection: close`.
        // 3. Wait for every task. `close` says no task will be added, so
        //    `wait` can finish: it ends when the last connection has.
        self.tasks.close();
        self.tasks.wait().await;
        Ok(())
        // end exercise
    }
    // ANCHOR_END: shut_down
}

// ANCHOR: admit
/// How many connections a server may serve at once: a semaphore with a
/// permit per connection, and the counter of those turned away.
#[derive(Debug)]
pub struct ConnectionLimit {
    /// One permit per connection that may be served at once.
    permits: Arc<Semaphore>,
    /// Where a connection turned away is counted.
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
        // exercise 7.5: Limit the connections
        // `try_acquire_owned`, not `acquire_owned().await`: waiting for a
        // place would leave the client in the backlog with no answer. An
        // owned permit (from an `Arc<Semaphore>`) can move into the task.
        match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(_no_permit) => {
                self.stats.rejected.add();
                None
            }
        }
        // end exercise
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
