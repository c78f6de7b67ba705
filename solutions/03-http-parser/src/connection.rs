//! One client's connection: its socket, its buffer, and the loop that
//! answers its requests in order until one side is done.
//!
//! ```text
//!  socket ──read──▶ buffer ──RequestReader::step──▶ NeedMore:         read more
//!                     ▲                             ContinueExpected: 100 Continue, or the
//!                     │                                               final answer and close
//!                     │                             Request:          answer it
//!                     └── leftover bytes are        Error:            answer, close
//!                         the next request
//! ```
//!
//! This is the only file that touches the socket during a request; the
//! parser and the [`RequestReader`] never do, which is why chapters 5 and
//! 7 can keep them.

use std::fmt;
use std::io::{self, BufWriter, Read, Write};
use std::net::{self, SocketAddr, TcpStream};
use std::time::{Duration, Instant, SystemTime};

use crate::handler::Handler;
use crate::parse::ParseError;
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
/// A client's connection: the socket and the bytes read from it that no
/// request has used yet.
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
    /// Who is at the other end, for the log.
    peer: SocketAddr,
    /// How to wait for the client's next bytes, if not with a plain read
    /// timeout. Always `None` in this chapter; chapter 5 sets it (see
    /// [`Wait`]).
    wait: Option<Box<dyn Wait>>,
}
// ANCHOR_END: connection

// ANCHOR: wait
/// A way to wait for a client's next bytes, for servers that need more than
/// a read timeout. [`Connection::with_wait`] plugs one in.
///
/// This chapter serves one client at a time and never needs it. Chapter 5
/// serves many at once and must be able to stop: a connection waiting for
/// a request that may never come has to look up now and then and ask
/// whether the server is shutting down, which a plain blocking read
/// cannot do.
pub trait Wait: Send + fmt::Debug {
    /// Waits until `stream` has something to read (bytes, or the client's
    /// end of stream), or gives up.
    ///
    /// `timeout` is how long this connection would wait with a plain read:
    /// the idle timeout between requests, or what is left of the request
    /// deadline once a request has started (`request_started`). Giving up
    /// has the consequences a timeout has: between requests the connection
    /// closes quietly, within one it is answered with 408.
    fn wait(
        &self,
        stream: &TcpStream,
        timeout: Duration,
        request_started: bool,
    ) -> io::Result<Waited>;
}

/// What [`Wait::wait`] ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waited {
    /// A read will not block now.
    Readable,
    /// Stop waiting: treat it as a timeout.
    GaveUp,
}
// ANCHOR_END: wait

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
        // exercise 3.6: Keep the connection alive
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
        // exercise 3.6: Keep the connection alive
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

/// What waiting for more bytes gave.
#[derive(Debug, PartialEq, Eq)]
enum Received {
    /// Some bytes, now at the end of the buffer.
    Bytes,
    /// The client closed its side: nothing more will come.
    Closed,
    /// Nothing arrived in time.
    TimedOut,
}

impl Connection {
    /// Takes charge of `stream`.
    pub fn new(stream: TcpStream) -> io::Result<Connection> {
        let peer = stream.peer_addr()?;
        Ok(Connection {
            stream,
            buffer: Vec::new(),
            peer,
            wait: None,
        })
    }

    /// Waits for the client's bytes with `wait` instead of a plain read
    /// timeout (chapter 5 uses this to notice a shutdown).
    pub fn with_wait(mut self, wait: impl Wait + 'static) -> Connection {
        self.wait = Some(Box::new(wait));
        self
    }

    // ANCHOR: serve
    // ANCHOR: serve_signature
    /// Answers the client's requests in order until the connection should
    /// close: the client asked (`Connection: close`, or HTTP/1.0 without
    /// keep-alive), a request was bad, the client went quiet for
    /// `config.idle_timeout`, or it closed.
    pub fn serve(mut self, config: &Config, handler: &impl Handler) -> io::Result<()> {
        self.stream.set_write_timeout(Some(config.write_timeout))?;
        // ANCHOR_END: serve_signature
        // exercise 3.6: Keep the connection alive
        let mut reader = RequestReader::new();
        // When the request being read must be complete; `None` between
        // requests, when only the idle timeout applies.
        let mut deadline: Option<Instant> = None;
        loop {
            // Step first, read second: a pipelined request may already be
            // in the buffer, and reading would then wait for bytes that the
            // client, waiting for our answer, will never send.
            let request = match reader.step(&mut self.buffer, &config.limits) {
                Ok(Step::Request(request)) => {
                    deadline = None;
                    request
                }
                Ok(Step::ContinueExpected) => {
                    let head = reader
                        .head()
                        .expect("ContinueExpected leaves a head pending");
                    // The client waits for our word before it uploads. If
                    // the body cannot change the answer (no such page, a
                    // method the page does not take), give the answer now
                    // and spare it the upload. It may send the body anyway,
                    // so nothing after it can be trusted to be a request:
                    // the connection ends here (RFC 9110 section 10.1.1).
                    if !handler.reads_body(head) {
                        let response = handler.respond(head);
                        self.log(head, response.status);
                        return self.send_closing(response, head.method == Method::Head, config);
                    }
                    self.send_continue()?;
                    continue;
                }
                Ok(Step::NeedMore) => {
                    let request_started = !reader.is_idle(&self.buffer);
                    let timeout = if request_started {
                        let deadline = *deadline
                            .get_or_insert_with(|| Instant::now() + config.request_timeout);
                        deadline.saturating_duration_since(Instant::now())
                    } else {
                        config.idle_timeout
                    };
                    match self.receive(timeout, request_started)? {
                        Received::Bytes => continue,
                        // Mid-request or between requests, a client that
                        // closed has nobody left to read an answer.
                        Received::Closed => return Ok(()),
                        // Idle: closing quietly is the normal end of a
                        // kept-alive connection (RFC 9112 section 9.5).
                        Received::TimedOut if !request_started => return Ok(()),
                        Received::TimedOut => {
                            let response = Response::error_page(
                                StatusCode::RequestTimeout,
                                "The request did not arrive in time.",
                            );
                            return self.send_closing(response, false, config);
                        }
                    }
                }
                Err(error) => return self.answer_error(error, config),
            };
            let rules = KeepAlive::of(&request);
            let (response, keep_alive) = rules.settle(handler.respond(&request), false);
            self.log(&request, response.status);
            self.send(response, request.method == Method::Head, config)?;
            if !keep_alive {
                return self.close();
            }
        }
        // end exercise
    }
    // ANCHOR_END: serve

    // ANCHOR: receive
    /// Reads what the client sent next onto the end of the buffer, waiting
    /// at most `timeout`. `request_started` says whether a request is under
    /// way, for a [`Wait`] that treats the two cases apart.
    fn receive(&mut self, timeout: Duration, request_started: bool) -> io::Result<Received> {
        // A zero timeout means "wait forever" to `set_read_timeout` (it is
        // even an error), so a deadline already passed is handled here.
        if timeout.is_zero() {
            return Ok(Received::TimedOut);
        }
        if let Some(wait) = &self.wait {
            if wait.wait(&self.stream, timeout, request_started)? == Waited::GaveUp {
                return Ok(Received::TimedOut);
            }
            // The wait saw bytes (or the end), so the read below returns
            // at once, whatever the read timeout.
        } else {
            self.stream.set_read_timeout(Some(timeout))?;
        }
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
                Ok(Received::TimedOut)
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
    fn send(&mut self, response: Response, head_only: bool, config: &Config) -> io::Result<()> {
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

    /// Tells a client that waits with `Expect: 100-continue` to send its
    /// body. Not counted as an answer: the real one follows.
    fn send_continue(&mut self) -> io::Result<()> {
        (&self.stream).write_all(CONTINUE)
    }

    /// Ends the connection after a normal response: a half-close tells the
    /// client "no more bytes from me" at once, then dropping the socket
    /// closes it.
    fn close(self) -> io::Result<()> {
        self.stream.shutdown(net::Shutdown::Write)
    }
    // ANCHOR_END: send

    // ANCHOR: answer_error
    /// Answers a request the parser rejected, and closes: after a bad
    /// request we cannot know where the next one would start.
    fn answer_error(self, error: ParseError, config: &Config) -> io::Result<()> {
        eprintln!("{} bad request: {error}", self.peer);
        let response = Response::error_page(error.status(), error.message());
        self.send_closing(response, false, config)
    }

    /// Sends a last response with `Connection: close` (only its head if
    /// `head_only`), then closes the connection gently: the client may
    /// still be sending a request we will not read.
    fn send_closing(
        mut self,
        response: Response,
        head_only: bool,
        config: &Config,
    ) -> io::Result<()> {
        let response = response.with_header("Connection", "close");
        self.send(response, head_only, config)?;
        self.close_after_error()
    }

    /// Reads and throws away what is left of a request we answered without
    /// reading it all (a header section too large, a body we refused).
    ///
    /// Closing a socket with unread bytes in it makes the OS send a reset
    /// (RST) instead of a normal end of stream, and a reset can make the
    /// client's OS discard our response before the client reads it. So we
    /// half-close, then drain for a moment, within limits, letting the
    /// client close first.
    fn close_after_error(mut self) -> io::Result<()> {
        self.stream.shutdown(net::Shutdown::Write)?;
        let started = Instant::now();
        let mut discarded = 0;
        while discarded < MAX_DISCARD_BYTES {
            let left = DISCARD_TIME.saturating_sub(started.elapsed());
            self.buffer.clear();
            match self.receive(left, false) {
                Ok(Received::Bytes) => discarded += self.buffer.len(),
                // The client closed, went quiet, or broke: done.
                Ok(Received::Closed | Received::TimedOut) | Err(_) => break,
            }
        }
        Ok(())
    }
    // ANCHOR_END: answer_error

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
