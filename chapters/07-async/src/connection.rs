//! One client's connection, as a task: its stream, its buffer, and the loop
//! that answers its requests in order until one side is done.
//!
//! ```text
//!  stream ──read_buf──▶ buffer ──RequestReader::step──▶ NeedMore:         receive more
//!   (await)               ▲      (chapter 3,            ContinueExpected: 100 Continue, or
//!                         │       unchanged)                              the answer and close
//!                         │                             Request:          handler(request).await,
//!                         └── leftover bytes are                          send
//!                             the next request          Error:            answer, close
//! ```
//!
//! This is chapter 3's `Connection` again, with `.await` where chapter 3
//! blocked. The reading is chapter 3's own [`RequestReader`]: it takes the
//! bytes buffered so far and never touches the stream, so it cannot tell
//! (and does not care) whether they came from a blocking read on a thread
//! or an awaited read in a task.
//!
//! The stream is any `AsyncRead + AsyncWrite`: a `TcpStream` in the server,
//! one end of a `tokio::io::duplex` pipe in the tests, which drive a
//! connection with no socket at all and with tokio's clock paused.

use std::future::{self, Future};
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::pin::pin;
use std::task::Poll;

#[expect(unused_imports, reason = "until you write exercise 7.4")]
use chapter03::connection::KeepAlive;
use chapter03::reader::{RequestReader, Step};
use chapter03::response::CONTINUE;
use chapter03::{Limits, ParseError};
use chapter03::{Method, Request, Response, StatusCode, WriteOptions};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{self, Duration, Instant};
use tokio_util::sync::CancellationToken;

use crate::handler::Handler;
use crate::log::RequestLog;
use crate::server::HttpConfig;
use crate::stats::Stats;

/// How much room we make in the buffer before each read.
const READ_CHUNK: usize = 8 * 1024;
/// How much unread input we throw away before closing after an error, and
/// for how long at most (see [`Connection::close_after_error`]).
const MAX_DISCARD_BYTES: usize = 256 * 1024;
const DISCARD_TIME: Duration = Duration::from_secs(1);
/// The largest response buffer a connection keeps between requests. One
/// large response (the picture) should not make an idle connection hold
/// its size in memory until it closes.
const KEPT_OUTPUT: usize = 64 * 1024;

// ANCHOR: connection
/// A client's connection: the stream, the bytes read from it that no
/// request has used yet, and the deadline of the request being read.
#[derive(Debug)]
pub struct Connection<S> {
    /// The client: a `TcpStream`, or a test's in-memory pipe.
    stream: S,
    /// Bytes read but not yet used by a request, oldest first. As in
    /// chapter 3, one read may bring the end of one request and the start
    /// of the next, so bytes must outlive the request they arrived with.
    buffer: Vec<u8>,
    /// Chapter 3's reader: where in the next request we are.
    reader: RequestReader,
    /// A response being written. Kept from one response to the next so a
    /// kept-alive connection does not allocate for each.
    output: Vec<u8>,
    /// When the request being read must be complete; `None` between
    /// requests, when only the idle timeout applies.
    deadline: Option<Instant>,
    /// Who is at the other end, for the log.
    peer: String,
    /// Where a line per request goes.
    log: RequestLog,
}
// ANCHOR_END: connection

// ANCHOR: received
/// Chapter 3's: what a loop does next, and what waiting for bytes gave.
pub use chapter03::connection::{Flow, Received};
// ANCHOR_END: received

impl<S> Connection<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    /// Takes charge of `stream`; `peer` names the client in the log.
    pub fn new(stream: S, peer: impl Into<String>) -> Connection<S> {
        Connection {
            stream,
            buffer: Vec::new(),
            reader: RequestReader::new(),
            output: Vec::new(),
            deadline: None,
            peer: peer.into(),
            log: RequestLog::default(),
        }
    }

    /// The same connection, logging its requests to `log` (a server's
    /// shared log) instead of straight to stderr.
    pub fn with_log(mut self, log: RequestLog) -> Connection<S> {
        self.log = log;
        self
    }

    /// The bytes buffered and not used by a request yet.
    pub fn buffered(&self) -> &[u8] {
        &self.buffer
    }

    // ANCHOR: serve
    // ANCHOR: serve_signature
    /// Answers the client's requests in order with `handler` until the
    /// connection should close: the client asked (`Connection: close`, or
    /// HTTP/1.0 without keep-alive), a request was bad or too slow, the
    /// client went quiet for `config.idle_timeout`, it closed, or the
    /// server is shutting down.
    #[expect(unused_mut, unused_variables, reason = "until you write exercise 7.4")]
    pub async fn serve<H: Handler>(
        mut self,
        config: &HttpConfig,
        handler: &H,
        shutdown: &CancellationToken,
        stats: &Stats,
    ) -> io::Result<()> {
        // ANCHOR_END: serve_signature
        todo!(
            "exercise 7.4: The connection on the sans-IO parser (read book/src/ch07-async.md#exercise-74-the-connection-on-the-sans-io-parser)"
        )
    }
    // ANCHOR_END: serve

    /// Takes what it can of the next request from the buffer, without
    /// reading: chapter 3's `RequestReader::step`.
    #[expect(dead_code, reason = "until you write exercise 7.4")]
    fn step(&mut self, limits: &Limits) -> Result<Step, ParseError> {
        let step = self.reader.step(&mut self.buffer, limits);
        if let Ok(Step::Request(_)) = step {
            self.deadline = None;
        }
        step
    }

    // ANCHOR: answer
    // ANCHOR: answer_signature
    /// Answers a whole request with `handler` and sends the response;
    /// `Done` when the connection closes after it (during a shutdown, the
    /// answer is the connection's last).
    #[expect(dead_code, unused_variables, reason = "until you write exercise 7.4")]
    async fn answer<H: Handler>(
        &mut self,
        request: Request,
        handler: &H,
        config: &HttpConfig,
        shutdown: &CancellationToken,
        stats: &Stats,
    ) -> io::Result<Flow> {
        // ANCHOR_END: answer_signature
        todo!(
            "exercise 7.4: The connection on the sans-IO parser (read book/src/ch07-async.md#exercise-74-the-connection-on-the-sans-io-parser)"
        )
    }

    /// Chapter 3's rule for a client waiting for `100 Continue`: say so if
    /// the body can change the answer; else answer now and close (the
    /// client may send the body anyway).
    #[expect(dead_code, reason = "until you write exercise 7.4")]
    async fn answer_continue<H: Handler>(
        &mut self,
        handler: &H,
        config: &HttpConfig,
    ) -> io::Result<Flow> {
        let head = self
            .reader
            .head()
            .expect("ContinueExpected leaves a head pending");
        if handler.reads_body(head) {
            write_all_within(&mut self.stream, CONTINUE, config.write_timeout).await?;
            return Ok(Flow::Next);
        }
        let head = head.clone();
        let (line, head_only) = (request_line(&head), head.method == Method::Head);
        let response = call_handler(handler, head).await;
        self.log(&line, response.status);
        self.send_closing(response, head_only, config).await?;
        Ok(Flow::Done)
    }

    /// What comes after [`Connection::receive`]: step again, stop, or
    /// answer `408` and stop.
    #[expect(dead_code, reason = "until you write exercise 7.4")]
    async fn received(&mut self, received: Received, config: &HttpConfig) -> io::Result<Flow> {
        match received {
            Received::Bytes => Ok(Flow::Next),
            Received::Closed => Ok(Flow::Done),
            Received::TooSlow => {
                self.send_closing(Response::request_timeout(), false, config)
                    .await?;
                Ok(Flow::Done)
            }
        }
    }

    /// Answers a request the parser rejected, and closes: after a bad
    /// request we cannot know where the next one would start.
    #[expect(dead_code, reason = "until you write exercise 7.4")]
    async fn reject(&mut self, error: ParseError, config: &HttpConfig) -> io::Result<Flow> {
        eprintln!("{} bad request: {error}", self.peer);
        let response = Response::error_page(error.status(), error.message());
        self.send_closing(response, false, config).await?;
        Ok(Flow::Done)
    }
    // ANCHOR_END: answer

    // ANCHOR: receive
    // ANCHOR: receive_signature
    /// Reads what the client sent next onto the end of the buffer.
    ///
    /// Between requests (the buffer is empty) it waits at most
    /// `config.idle_timeout`, and stops waiting as soon as `shutdown` is
    /// cancelled. Once a request has started it waits until the request's
    /// deadline, `config.request_timeout` after its first bytes, whatever
    /// the shutdown: a request under way is allowed to arrive.
    #[expect(unused_variables, reason = "until you write exercise 7.2")]
    pub async fn receive(
        &mut self,
        config: &HttpConfig,
        shutdown: &CancellationToken,
    ) -> io::Result<Received> {
        // ANCHOR_END: receive_signature
        todo!(
            "exercise 7.2: Wait with a deadline (read book/src/ch07-async.md#exercise-72-wait-with-a-deadline)"
        )
    }
    // ANCHOR_END: receive

    // ANCHOR: send
    /// Writes `response` (only its head if `head_only`), stamped with the
    /// current time and the server's name, giving up after
    /// `config.write_timeout`.
    pub async fn send(
        &mut self,
        response: Response,
        head_only: bool,
        config: &HttpConfig,
    ) -> io::Result<()> {
        // Chapter 3's `write_to` writes to any `std::io::Write`, and a Vec
        // is one: the response is built in memory, then goes out in one
        // awaited write. (A `Body::Reader` would be read whole into the
        // Vec; this chapter's site has none. Chapter 8 streams files.)
        self.output.clear();
        response.write_to(
            &mut self.output,
            WriteOptions {
                now: std::time::SystemTime::now(),
                server: &config.server_name,
                head_only,
            },
        )?;
        let written = write_all_within(&mut self.stream, &self.output, config.write_timeout).await;
        if self.output.capacity() > KEPT_OUTPUT {
            self.output = Vec::new();
        }
        written
    }
    // ANCHOR_END: send

    // ANCHOR: answer_error
    /// Sends an error response with `Connection: close` (only its head if
    /// `head_only`), then closes the connection gently. Public for the
    /// accept loop's `503`.
    pub async fn send_closing(
        &mut self,
        response: Response,
        head_only: bool,
        config: &HttpConfig,
    ) -> io::Result<()> {
        let response = response.with_header("Connection", "close");
        self.send(response, head_only, config).await?;
        self.close_after_error().await
    }

    /// Reads and throws away what is left of a request we answered without
    /// reading it all, for a moment, so that closing does not send the
    /// client a reset that could destroy our answer (chapter 3 explains).
    async fn close_after_error(&mut self) -> io::Result<()> {
        self.stream.shutdown().await?;
        let give_up_at = Instant::now() + DISCARD_TIME;
        let mut discarded = 0;
        let mut sink = vec![0; READ_CHUNK];
        while discarded < MAX_DISCARD_BYTES {
            match time::timeout_at(give_up_at, self.stream.read(&mut sink)).await {
                Ok(Ok(n)) if n > 0 => discarded += n,
                // The client closed, went quiet, or broke: done.
                _ => break,
            }
        }
        Ok(())
    }
    // ANCHOR_END: answer_error

    /// One line per request, to the log (see [`RequestLog`] for why not
    /// straight to stderr).
    fn log(&self, request_line: &str, status: StatusCode) {
        let line = format!("{} {request_line} {}\n", self.peer, status.code());
        self.log.write(&line);
    }
}

/// A request's first line, for the log: `"GET / HTTP/1.1"`.
fn request_line(request: &Request) -> String {
    format!(
        "\"{} {} {}\"",
        request.method, request.target, request.version
    )
}

// ANCHOR: write_all_within
// ANCHOR: write_all_within_signature
/// Writes all of `bytes` to `stream` and flushes it, giving up after
/// `timeout` with an error of kind `TimedOut`.
#[expect(unused_variables, reason = "until you write exercise 7.3")]
async fn write_all_within<S>(stream: &mut S, bytes: &[u8], timeout: Duration) -> io::Result<()>
where
    S: AsyncWrite + Unpin,
{
    // ANCHOR_END: write_all_within_signature
    todo!(
        "exercise 7.3: Write with a deadline (read book/src/ch07-async.md#exercise-73-write-with-a-deadline)"
    )
}
// ANCHOR_END: write_all_within

// ANCHOR: call_handler
/// The handler's response to `request`, or a `500` if the handler panics.
///
/// Chapter 5 wrapped the call in `catch_unwind`. A future does its work
/// when it is polled, not when it is created, so here each *poll* is
/// wrapped too: `poll_fn` makes a future out of a closure that polls the
/// handler's future inside `catch_unwind`. A panic then ends this request
/// with a `500`; the connection's task, and every other task, carry on.
/// Without this, the panic would end the connection's task, and the client
/// would get no answer at all.
///
/// `AssertUnwindSafe` is sound for the same reason as in chapter 5: after
/// a panic the handler's future is dropped, never polled again, so nothing
/// it left half-done is looked at.
async fn call_handler<H: Handler>(handler: &H, request: Request) -> Response {
    // A closure may panic before it even returns its future.
    let Ok(answer) = panic::catch_unwind(AssertUnwindSafe(|| handler.respond(request))) else {
        return Response::handler_panicked();
    };
    let mut answer = pin!(answer);
    let polled = future::poll_fn(|cx| {
        match panic::catch_unwind(AssertUnwindSafe(|| answer.as_mut().poll(cx))) {
            Ok(Poll::Ready(response)) => Poll::Ready(Some(response)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(None),
        }
    });
    // The panic message is on stderr already: the panic hook printed it,
    // with the thread's name.
    polled.await.unwrap_or_else(Response::handler_panicked)
}
// ANCHOR_END: call_handler
