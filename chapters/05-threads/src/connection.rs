//! One connection, served on a worker thread.
//!
//! Chapter 3's `Connection` does the real work, unchanged: it reads into
//! its buffer, parses, answers in order, keeps the connection alive. This
//! chapter's loop is chapter 3's loop with two changes, and no copy of the
//! pieces:
//!
//! - **how it waits** ([`Deadlines`]): a client gets a read timeout and a
//!   deadline for its request, and a connection waiting for a next request
//!   that may never come notices when the server is shutting down;
//! - **how the handler is called** (`respond`): a panic becomes a `500`,
//!   each request is counted in flight, and during shutdown every answer
//!   says `Connection: close`.

use std::io;
use std::net::TcpStream;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use chapter03::connection::{Connection, Flow, Received};
use chapter03::reader::Step;
use chapter03::{Request, Response, Shutdown};

use crate::server::{Handler, HttpConfig};
use crate::stats::Stats;

/// How often a connection that is waiting looks up to check for a
/// shutdown. Short enough that Ctrl-C feels immediate, long enough that
/// a hundred idle connections cost nothing (each wakes ten times a second).
pub const SHUTDOWN_CHECK: Duration = Duration::from_millis(100);

// ANCHOR: shared
/// What every connection of one server shares, behind one `Arc`.
pub(crate) struct Shared {
    /// The application: shared by all workers, so `Send + Sync`.
    pub handler: Arc<Handler>,
    /// Chapter 3's settings: limits, idle timeout, request deadline, write
    /// timeout, server name.
    pub http: crate::HttpConfig,
    /// How long a started request may go without sending a byte.
    pub read_timeout: Duration,
    /// The counters.
    pub stats: Arc<Stats>,
    /// Whether the server is shutting down.
    pub shutdown: Shutdown,
    /// When requests already started must have arrived in full, once the
    /// server is shutting down. Set once, by the accept loop, when it stops.
    pub grace_ends: OnceLock<Instant>,
}
// ANCHOR_END: shared

impl std::fmt::Debug for Shared {
    // By hand, because a handler (a closure) has no Debug.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("http", &self.http)
            .field("read_timeout", &self.read_timeout)
            .field("stats", &self.stats)
            .field("shutdown", &self.shutdown)
            .field("grace_ends", &self.grace_ends)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Whether a connection waiting for bytes should stop waiting because
    /// of a shutdown: at once between requests (nothing is lost), within a
    /// request only once the grace period is over.
    #[expect(dead_code, reason = "until you write exercise 5.4")]
    fn shutdown_says_stop(&self, request_started: bool) -> bool {
        if request_started {
            self.grace_ends
                .get()
                .is_some_and(|end| Instant::now() >= *end)
        } else {
            self.shutdown.is_requested()
        }
    }
}

// ANCHOR: serve_connection
/// Serves one accepted connection until it closes. This is the job a
/// worker runs; errors concern this client only, so they are logged here.
#[expect(dead_code, reason = "until you write exercise 5.3")]
pub(crate) fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let served = Connection::new(stream, &shared.http)
        .and_then(|connection| serve_requests(connection, &shared));
    if let Err(error) = served {
        eprintln!("connection failed: {error}");
    }
}

/// Chapter 3's loop (`Connection::serve`), but for two things: the
/// handler is called through [`respond`], and the connection waits for
/// bytes the way [`Deadlines`] says.
fn serve_requests(mut connection: Connection, shared: &Arc<Shared>) -> io::Result<()> {
    let (config, handler) = (&shared.http, &Respond(shared));
    let deadlines = Deadlines {
        shared: Arc::clone(shared),
    };
    loop {
        let flow = match connection.step(&config.limits) {
            Ok(Step::Request(request)) => connection.answer(request, handler, config)?,
            Ok(Step::ContinueExpected) => connection.answer_continue(handler, config)?,
            Ok(Step::NeedMore) => {
                let received = deadlines.receive(&mut connection, config)?;
                connection.received(received, config)?
            }
            Err(error) => connection.reject(error, config)?,
        };
        if flow == Flow::Done {
            return Ok(());
        }
    }
}
// ANCHOR_END: serve_connection

// ANCHOR: deadlines
/// How a connection of this server waits for its client's bytes.
///
/// Chapter 3 waited with one blocking read with a timeout. A worker cannot
/// afford that: while it waits, it serves nobody else, and a blocking read
/// cannot notice that the server wants to shut down. So it waits in short
/// slices, and between slices it checks the clock and the shutdown flag.
#[derive(Debug)]
pub struct Deadlines {
    #[expect(dead_code, reason = "until you write exercise 5.4")]
    shared: Arc<Shared>,
}

/// What [`Deadlines::wait`] ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waited {
    /// A read will not block now.
    Readable,
    /// Stop waiting: treat it as a timeout.
    GaveUp,
}

impl Deadlines {
    /// Chapter 3's `receive_within`, waiting with [`Deadlines::wait`]
    /// instead of a plain read timeout.
    pub fn receive(
        &self,
        connection: &mut Connection,
        config: &HttpConfig,
    ) -> io::Result<Received> {
        let (timeout, request_started) = connection.wait_limit(config);
        match self.wait(connection, timeout, request_started)? {
            // The wait saw bytes (or the end), so this read returns at once.
            Waited::Readable => connection.read_more(request_started),
            Waited::GaveUp => Ok(Received::gave_up(request_started)),
        }
    }

    /// Waits until the connection's socket has something to read (bytes,
    /// or the client's end of stream), or gives up.
    ///
    /// `timeout` is how long chapter 3's connection would wait with a
    /// plain read: the idle timeout between requests, or what is left of
    /// the request deadline once a request has started
    /// (`request_started`). Giving up has the consequences a timeout has:
    /// between requests the connection closes quietly, within one it is
    /// answered with 408.
    #[expect(unused_variables, reason = "until you write exercise 5.4")]
    pub fn wait(
        &self,
        connection: &mut Connection,
        timeout: Duration,
        request_started: bool,
    ) -> io::Result<Waited> {
        todo!(
            "exercise 5.4: Deadlines against slow clients (read book/src/ch05-threads.md#exercise-54-deadlines-against-slow-clients)"
        )
    }
}
// ANCHOR_END: deadlines

// ANCHOR: respond
/// What chapter 3's connection calls on a worker: the application's
/// handler, through [`respond`].
struct Respond<'a>(&'a Shared);

impl chapter03::Handler for Respond<'_> {
    fn respond(&self, request: &Request) -> Response {
        respond(self.0, request)
    }

    fn reads_body(&self, head: &Request) -> bool {
        // A panic here is a bug in the application like any other: the
        // safe answer is "yes", and the client gets 100 Continue.
        panic::catch_unwind(AssertUnwindSafe(|| self.0.handler.reads_body(head))).unwrap_or(true)
    }
}

/// Calls the handler for one request, on the worker serving its connection.
pub(crate) fn respond(shared: &Shared, request: &Request) -> Response {
    let _in_flight = shared.stats.in_flight.enter();
    let response = call_handler(shared, request);
    if shared.shutdown.is_requested() {
        // This is the connection's last answer: say so, so the client
        // sends its next request elsewhere instead of into a closing socket.
        response.with_header("Connection", "close")
    } else {
        response
    }
}

/// The handler's response, or a `500` if it panicked.
#[expect(unused_variables, reason = "until you write exercise 5.5")]
fn call_handler(shared: &Shared, request: &Request) -> Response {
    todo!(
        "exercise 5.5: Survive a panicking handler (read book/src/ch05-threads.md#exercise-55-survive-a-panicking-handler)"
    )
}
// ANCHOR_END: respond
