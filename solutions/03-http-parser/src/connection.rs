//! One client's connection: its socket, its buffer, and the pieces a
//! server's loop is made of: read the next request, answer it, close.
//!
//! ```text
//!  socket ──receive──▶ buffer ──step──▶ NeedMore:         receive, then step again
//!                        ▲              ContinueExpected: 100 Continue, or the
//!                        │                                final answer and close
//!                        │              Request:          answer it
//!                        └── leftover   Err:              reject it, close
//!                            bytes are the next request
//! ```
//!
//! The split is mini-redis's: a [`Connection`] reads requests and writes
//! responses; the loop that decides what comes next is a few lines on its
//! own ([`Connection::serve`] here). Chapter 5's loop is the same but for
//! how it waits for bytes, and chapter 7's is the same with `.await`.
//! This is the only file that touches the socket during a request; the
//! parser and the [`RequestReader`] never do, which is why chapters 5 and
//! 7 can keep them.

use std::io::{self, BufWriter, Read, Write};
use std::net::{self, SocketAddr, TcpStream};
use std::time::{Duration, Instant, SystemTime};

use crate::handler::Handler;
use crate::parse::{Limits, ParseError};
use crate::reader::{RequestReader, Step};
use crate::request::{Method, Request, Version};
use crate::response::{CONTINUE, Response, StatusCode, WriteOptions};
use crate::server::Config;

/// How much we read from the socket at a time.
const READ_CHUNK: usize = 8 * 1024;
/// How much unread input we throw away before closing after an error
/// (see [`Connection::close_after_error`]), and for how long at most.
const MAX_DISCARD_BYTES: usize = 256 * 1024;
const DISCARD_TIME: Duration = Duration::from_secs(1);

// ANCHOR: connection
/// A client's connection: the socket, the bytes read from it that no
/// request has used yet, and where in the next request we are.
///
/// The buffer is the heart of keep-alive: one read may bring the end of
/// one request and the start of the next (or three whole requests, if the
/// client pipelines), so bytes must outlive the request they arrived with.
#[derive(Debug)]
pub struct Connection {
    /// The socket, for reading requests and writing responses.
    stream: TcpStream,
    /// Bytes read but not yet used by a request, oldest first.
    buffer: Vec<u8>,
    /// The request being read: its head once it is in, its body's decoder.
    reader: RequestReader,
    /// When the request being read must be complete; `None` between
    /// requests, when only the idle timeout applies.
    deadline: Option<Instant>,
    /// The socket's read timeout now (setting it is a system call, so it
    /// is set only when it changes).
    read_timeout: Option<Duration>,
    /// Who is at the other end, for the log.
    peer: SocketAddr,
}

/// What a server's loop does after a piece of a connection's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on: step the reader again.
    Next,
    /// The connection is over (closed, or answered for the last time).
    Done,
}

/// What waiting for the client's next bytes gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Some bytes, now at the end of the buffer.
    Bytes,
    /// Nothing more will be read: the client closed its side, or no request
    /// was under way and we stopped waiting for one (the idle timeout; in
    /// chapters 5 and 7, also a shutdown). The connection closes quietly
    /// (RFC 9112 section 9.5).
    Closed,
    /// A request had started and did not arrive in full before its
    /// deadline: it gets `408 Request Timeout`.
    TooSlow,
}
// ANCHOR_END: connection

// ANCHOR: keep_alive
/// What a request says about its connection, noted before the handler
/// runs: whether the connection stays open after the answer depends on
/// the request's version and `Connection` header, and on the answer.
///
/// Chapter 7's async connection applies the same rules with this type, so
/// they are written once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepAlive {
    version: Version,
    asks_to_close: bool,
    asks_to_keep: bool,
}

impl KeepAlive {
    /// Notes what `request` asks for.
    pub fn of(request: &Request) -> KeepAlive {
        // exercise 3.9: Keep the connection alive
        KeepAlive {
            version: request.version,
            asks_to_close: request.headers.has_token("Connection", "close"),
            asks_to_keep: request.headers.has_token("Connection", "keep-alive"),
        }
        // end exercise
    }

    /// Decides whether the connection stays open after `response`, says so
    /// in the response's `Connection` header, and returns both. `closing`
    /// is a reason of the server's own to close (a later chapter's
    /// shutdown); a handler closes by answering `Connection: close`.
    pub fn settle(self, mut response: Response, closing: bool) -> (Response, bool) {
        // exercise 3.9: Keep the connection alive
        // RFC 9112 section 9.3: HTTP/1.1 stays open unless either side
        // says `Connection: close`; HTTP/1.0 closes unless the client
        // says `Connection: keep-alive`.
        let handler_closes = response
            .header("Connection")
            .is_some_and(|value| value.eq_ignore_ascii_case("close"));
        let keep_alive = !handler_closes
            && !closing
            && match self.version {
                Version::Http11 => !self.asks_to_close,
                Version::Http10 => self.asks_to_keep && !self.asks_to_close,
            };
        response
            .headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case("Connection"));
        if !keep_alive {
            // The client must know the connection ends here (RFC 9112
            // section 9.6), or it would send its next request into a
            // closing socket.
            response = response.with_header("Connection", "close");
        } else if self.version == Version::Http10 {
            // A 1.0 client assumes close unless told otherwise.
            response = response.with_header("Connection", "keep-alive");
        }
        (response, keep_alive)
        // end exercise
    }
}
// ANCHOR_END: keep_alive

impl Connection {
    /// Takes charge of `stream`, whose writes give up after
    /// `config.write_timeout`.
    pub fn new(stream: TcpStream, config: &Config) -> io::Result<Connection> {
        stream.set_write_timeout(Some(config.write_timeout))?;
        // A response may leave in two writes: the head, then a file that
        // the kernel sends straight from the disk (chapter 4). With Nagle's
        // algorithm on, the second waits until the client acknowledges the
        // first, and a client that delays its acknowledgments (40 ms on
        // Linux) made every such response 40 ms late. Chapter 12's
        // benchmark found it.
        stream.set_nodelay(true)?;
        let peer = stream.peer_addr()?;
        Ok(Connection {
            stream,
            buffer: Vec::new(),
            reader: RequestReader::new(),
            deadline: None,
            read_timeout: None,
            peer,
        })
    }

    // ANCHOR: serve
    // ANCHOR: serve_signature
    /// Answers the client's requests in order until the connection should
    /// close: the client asked (`Connection: close`, or HTTP/1.0 without
    /// keep-alive), a request was bad, the client went quiet for
    /// `config.idle_timeout`, or it closed.
    pub fn serve(mut self, config: &Config, handler: &impl Handler) -> io::Result<()> {
        // ANCHOR_END: serve_signature
        // exercise 3.9: Keep the connection alive
        loop {
            // Step first, read second: a pipelined request may already be
            // in the buffer, and reading would then wait for bytes that the
            // client, waiting for our answer, will never send.
            let flow = match self.step(&config.limits) {
                Ok(Step::Request(request)) => self.answer(request, handler, config)?,
                Ok(Step::ContinueExpected) => self.answer_continue(handler, config)?,
                Ok(Step::NeedMore) => {
                    let received = self.receive_within(config)?;
                    self.received(received, config)?
                }
                Err(error) => self.reject(error, config)?,
            };
            if flow == Flow::Done {
                return Ok(());
            }
        }
        // end exercise
    }
    // ANCHOR_END: serve

    // ANCHOR: step
    /// Takes what it can of the next request from the buffer, without
    /// reading: chapter 3's [`RequestReader::step`].
    pub fn step(&mut self, limits: &Limits) -> Result<Step, ParseError> {
        let step = self.reader.step(&mut self.buffer, limits);
        if let Ok(Step::Request(_)) = step {
            // The next request gets a deadline of its own.
            self.deadline = None;
        }
        step
    }
    // ANCHOR_END: step

    // ANCHOR: answer
    // ANCHOR: answer_signature
    /// Answers a whole request with `handler`, says in the response
    /// whether the connection stays open, and sends it. `Done` when the
    /// connection closes after it.
    pub fn answer(
        &mut self,
        request: Request,
        handler: &impl Handler,
        config: &Config,
    ) -> io::Result<Flow> {
        // ANCHOR_END: answer_signature
        // exercise 3.9: Keep the connection alive
        let rules = KeepAlive::of(&request);
        let (response, keep_alive) = rules.settle(handler.respond(&request), false);
        self.log(&request, response.status);
        self.send(response, request.method == Method::Head, config)?;
        if keep_alive {
            return Ok(Flow::Next);
        }
        self.close()?;
        Ok(Flow::Done)
        // end exercise
    }

    /// The head is in and the client waits for `100 Continue` before it
    /// sends the body: say so, or, if the body cannot change the answer
    /// (no such page, a method the page does not take), answer now and
    /// close. The client may send the body anyway, so nothing after it
    /// can be trusted to be a request (RFC 9110 section 10.1.1).
    pub fn answer_continue(&mut self, handler: &impl Handler, config: &Config) -> io::Result<Flow> {
        let head = self
            .reader
            .head()
            .expect("ContinueExpected leaves a head pending");
        if handler.reads_body(head) {
            (&self.stream).write_all(CONTINUE)?;
            return Ok(Flow::Next);
        }
        let response = handler.respond(head);
        let head_only = head.method == Method::Head;
        self.log(head, response.status);
        self.send_closing(response, head_only, config)?;
        Ok(Flow::Done)
    }

    /// Answers a request the parser rejected, and closes: after a bad
    /// request we cannot know where the next one would start.
    pub fn reject(&mut self, error: ParseError, config: &Config) -> io::Result<Flow> {
        eprintln!("{} bad request: {error}", self.peer);
        let response = Response::error_page(error.status(), error.message());
        self.send_closing(response, false, config)?;
        Ok(Flow::Done)
    }
    // ANCHOR_END: answer

    // ANCHOR: receive
    /// How long the next wait for bytes may last, and whether a request is
    /// under way: between requests the idle timeout; within one, what is
    /// left of its deadline, set at its first byte and never pushed back,
    /// so a client that trickles a byte a second cannot reset its clock.
    pub fn wait_limit(&mut self, config: &Config) -> (Duration, bool) {
        if self.reader.is_idle(&self.buffer) {
            return (config.idle_timeout, false);
        }
        let deadline = *self
            .deadline
            .get_or_insert_with(|| Instant::now() + config.request_timeout);
        (deadline.saturating_duration_since(Instant::now()), true)
    }

    /// Reads what the client sent next onto the end of the buffer, waiting
    /// at most as long as [`Connection::wait_limit`] says.
    pub fn receive_within(&mut self, config: &Config) -> io::Result<Received> {
        let (timeout, request_started) = self.wait_limit(config);
        // A zero timeout means "wait forever" to `set_read_timeout` (it is
        // even an error), so a deadline already passed is handled here.
        if timeout.is_zero() {
            return Ok(Received::gave_up(request_started));
        }
        self.set_read_timeout(Some(timeout))?;
        self.read_more(request_started)
    }

    /// What comes after [`Connection::receive_within`]: more bytes mean
    /// step again; a closed connection is done; a request too slow gets
    /// `408` and the connection closes.
    pub fn received(&mut self, received: Received, config: &Config) -> io::Result<Flow> {
        match received {
            Received::Bytes => Ok(Flow::Next),
            Received::Closed => Ok(Flow::Done),
            Received::TooSlow => {
                self.send_closing(Response::request_timeout(), false, config)?;
                Ok(Flow::Done)
            }
        }
    }

    /// The socket, for a server that waits for bytes its own way (chapter
    /// 5 peeks at it), then calls [`Connection::read_more`].
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Sets the socket's read timeout, with a system call only when it
    /// changes.
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        if self.read_timeout != timeout {
            self.stream.set_read_timeout(timeout)?;
            self.read_timeout = timeout;
        }
        Ok(())
    }

    /// Reads once onto the end of the buffer, with the read timeout the
    /// socket has. Running out of time means [`Received::TooSlow`] once a
    /// request has started (`request_started`), [`Received::Closed`]
    /// before.
    pub fn read_more(&mut self, request_started: bool) -> io::Result<Received> {
        let mut chunk = [0; READ_CHUNK];
        match self.stream.read(&mut chunk) {
            Ok(0) => Ok(Received::Closed),
            Ok(n) => {
                self.buffer.extend_from_slice(&chunk[..n]);
                Ok(Received::Bytes)
            }
            // Unix reports a read timeout as WouldBlock, Windows as
            // TimedOut.
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(Received::gave_up(request_started))
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => Ok(Received::Bytes),
            // A reset means the client is gone; for us that is a close.
            Err(error) if error.kind() == io::ErrorKind::ConnectionReset => Ok(Received::Closed),
            Err(error) => Err(error),
        }
    }
    // ANCHOR_END: receive

    // ANCHOR: send
    /// Writes `response` (only its head if `head_only`), stamped with the
    /// current time and the server's name.
    pub fn send(&mut self, response: Response, head_only: bool, config: &Config) -> io::Result<()> {
        // The head is many small writes; the BufWriter makes them one
        // system call and, usually, one packet with the start of the body.
        let mut out = BufWriter::new(&self.stream);
        response.write_to(
            &mut out,
            WriteOptions {
                now: SystemTime::now(),
                server: &config.server_name,
                head_only,
            },
        )?;
        out.flush()
    }

    /// Ends the connection after a normal response: a half-close tells the
    /// client "no more bytes from me" at once; dropping the connection
    /// then closes the socket.
    pub fn close(&mut self) -> io::Result<()> {
        self.stream.shutdown(net::Shutdown::Write)
    }

    /// Sends a last response with `Connection: close` (only its head if
    /// `head_only`), then closes the connection gently: the client may
    /// still be sending a request we will not read.
    pub fn send_closing(
        &mut self,
        response: Response,
        head_only: bool,
        config: &Config,
    ) -> io::Result<()> {
        let response = response.with_header("Connection", "close");
        self.send(response, head_only, config)?;
        self.close_after_error()
    }
    // ANCHOR_END: send

    // ANCHOR: close_after_error
    /// Reads and throws away what is left of a request we answered without
    /// reading it all (a header section too large, a body we refused).
    ///
    /// Closing a socket with unread bytes in it makes the OS send a reset
    /// (RST) instead of a normal end of stream, and a reset can make the
    /// client's OS discard our response before the client reads it. So we
    /// half-close, then drain for a moment, within limits, letting the
    /// client close first.
    fn close_after_error(&mut self) -> io::Result<()> {
        self.stream.shutdown(net::Shutdown::Write)?;
        let started = Instant::now();
        let mut discarded = 0;
        while discarded < MAX_DISCARD_BYTES {
            let left = DISCARD_TIME.saturating_sub(started.elapsed());
            if left.is_zero() || self.set_read_timeout(Some(left)).is_err() {
                break;
            }
            self.buffer.clear();
            match self.read_more(false) {
                Ok(Received::Bytes) => discarded += self.buffer.len(),
                // The client closed, went quiet, or broke: done.
                Ok(Received::Closed | Received::TooSlow) | Err(_) => break,
            }
        }
        Ok(())
    }
    // ANCHOR_END: close_after_error

    /// One line per request on stderr, so you can watch a browser reuse
    /// its connection.
    fn log(&self, request: &Request, status: StatusCode) {
        let line = format!(
            "{} \"{} {} {}\" {}\n",
            self.peer,
            request.method,
            request.target,
            request.version,
            status.code()
        );
        // Formatted first and written once: stderr is unbuffered, so
        // `eprintln!` with five arguments would make a system call per
        // piece, while holding stderr's lock (which keeps lines from
        // different threads apart). Chapter 5 runs this on 32 threads at
        // once; there, waiting for that lock cost more than the requests.
        eprint!("{line}");
    }
}

impl Received {
    /// What running out of time means: a request under way was too slow;
    /// between requests, the connection simply ends.
    pub fn gave_up(request_started: bool) -> Received {
        if request_started {
            Received::TooSlow
        } else {
            Received::Closed
        }
    }
}
