//! A raw TCP client for tests: every read and write has a timeout, and every
//! failure is reported as a failure of one exercise, with what was sent.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;

use crate::TIMEOUT;
use crate::failure::Failure;
use crate::http::{self, Response};
use crate::manifest::Exercise;
use crate::server::ServerState;

/// A connection to the server under test.
pub struct Client {
    stream: TcpStream,
    exercise: Exercise,
    /// Everything written so far, shown when something goes wrong.
    sent: Vec<u8>,
    /// Bytes read past the end of a response, kept for the next one
    /// (a server may answer pipelined requests in one write).
    pending: Vec<u8>,
    /// The server thread, when the test started it, so a broken connection
    /// can be explained by the server's panic.
    server: Option<Arc<ServerState>>,
}

impl Client {
    /// Connects to any server at `addr` (one the test did not start itself).
    #[track_caller]
    pub fn connect(addr: SocketAddr, exercise: Exercise) -> Client {
        Client::connect_to(addr, exercise, None)
    }

    /// Like [`Client::connect`], but returns the failure instead of failing
    /// the test, for code that collects failures (the black-box suites).
    pub fn try_connect(addr: SocketAddr, exercise: Exercise) -> Result<Client, Failure> {
        Client::try_connect_to(addr, exercise, None)
    }

    #[track_caller]
    pub(crate) fn connect_to(
        addr: SocketAddr,
        exercise: Exercise,
        server: Option<Arc<ServerState>>,
    ) -> Client {
        match Client::try_connect_to(addr, exercise, server) {
            Ok(client) => client,
            Err(failure) => failure.fail(),
        }
    }

    pub(crate) fn try_connect_to(
        addr: SocketAddr,
        exercise: Exercise,
        server: Option<Arc<ServerState>>,
    ) -> Result<Client, Failure> {
        let stream = match TcpStream::connect_timeout(&addr, TIMEOUT) {
            Ok(stream) => stream,
            Err(e) => {
                let mut failure = Failure::new(exercise, format!("could not connect to {addr}"))
                    .line("error", e.to_string());
                if let Some(why) = server.as_ref().and_then(|s| s.explain_end()) {
                    failure = failure.line("server", why);
                }
                return Err(failure);
            }
        };
        stream
            .set_read_timeout(Some(TIMEOUT))
            .expect("set_read_timeout");
        stream
            .set_write_timeout(Some(TIMEOUT))
            .expect("set_write_timeout");
        // Tests send small pieces on purpose (one byte at a time, say); do
        // not let Nagle's algorithm glue them back together.
        stream.set_nodelay(true).expect("set_nodelay");
        Ok(Client {
            stream,
            exercise,
            sent: Vec::new(),
            pending: Vec::new(),
            server,
        })
    }

    /// Everything this client has sent so far.
    pub fn sent(&self) -> &[u8] {
        &self.sent
    }

    /// The exercise this client reports failures for.
    pub fn exercise(&self) -> Exercise {
        self.exercise
    }

    /// Notes `bytes` as sent by another handle on this client's socket (a
    /// `try_clone` written from a second thread), so that every failure
    /// message's `sent` line still says what went out.
    pub fn sent_elsewhere(&mut self, bytes: &[u8]) {
        self.sent.extend_from_slice(bytes);
    }

    /// The underlying stream, for what the helpers do not cover.
    pub fn stream(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    /// Writes all of `bytes`.
    #[track_caller]
    pub fn send(&mut self, bytes: &[u8]) -> &mut Self {
        if let Err(failure) = self.try_send(bytes) {
            failure.fail()
        }
        self
    }

    /// Writes all of `bytes`, or returns why it could not.
    pub fn try_send(&mut self, bytes: &[u8]) -> Result<&mut Self, Failure> {
        self.sent.extend_from_slice(bytes);
        match self.stream.write_all(bytes) {
            Ok(()) => Ok(self),
            Err(e) => Err(self.broken("could not send the request", &e)),
        }
    }

    /// Writes as much of `bytes` as the server reads before it closes the
    /// connection. Returns `Ok(true)` when everything was written and
    /// `Ok(false)` when the server closed (or reset) the connection first.
    ///
    /// A server may answer a request it rejects (a 64 KiB target, say)
    /// before the request has fully arrived, and then stop reading: that is
    /// not a failure, so read its response next. Only `sent` shows how far
    /// the write got: the bytes the kernel took before the close.
    pub fn send_until_closed(&mut self, bytes: &[u8]) -> Result<bool, Failure> {
        // Piece by piece, so that `sent` ends near where the server stopped.
        for piece in bytes.chunks(8 * 1024) {
            match self.stream.write_all(piece) {
                Ok(()) => self.sent.extend_from_slice(piece),
                Err(e) if closed_by_peer(&e) => return Ok(false),
                Err(e) => {
                    self.sent.extend_from_slice(piece);
                    return Err(self.broken("could not send the request", &e));
                }
            }
        }
        Ok(true)
    }

    /// Writes `bytes` one byte per write call, so the server receives them
    /// in as many pieces as TCP allows: a server that assumes one read holds
    /// the whole request breaks here.
    #[track_caller]
    pub fn send_byte_by_byte(&mut self, bytes: &[u8]) -> &mut Self {
        if let Err(failure) = self.try_send_byte_by_byte(bytes) {
            failure.fail()
        }
        self
    }

    /// [`Client::send_byte_by_byte`], returning the failure.
    pub fn try_send_byte_by_byte(&mut self, bytes: &[u8]) -> Result<&mut Self, Failure> {
        for byte in bytes {
            self.try_send(std::slice::from_ref(byte))?;
        }
        Ok(self)
    }

    /// [`Client::try_send_byte_by_byte`], stopping without a failure when
    /// the server closes the connection first (it may answer before it has
    /// read the whole request): `Ok(true)` when every byte went out.
    pub fn send_byte_by_byte_until_closed(&mut self, bytes: &[u8]) -> Result<bool, Failure> {
        for byte in bytes {
            match self.stream.write_all(std::slice::from_ref(byte)) {
                Ok(()) => self.sent.push(*byte),
                Err(e) if closed_by_peer(&e) => return Ok(false),
                Err(e) => return Err(self.broken("could not send the request", &e)),
            }
        }
        Ok(true)
    }

    /// Half-closes the connection: the server reads EOF, and can still answer.
    #[track_caller]
    pub fn finish_sending(&mut self) -> &mut Self {
        if let Err(failure) = self.try_finish_sending() {
            failure.fail()
        }
        self
    }

    /// [`Client::finish_sending`], returning the failure.
    pub fn try_finish_sending(&mut self) -> Result<&mut Self, Failure> {
        match self.stream.shutdown(Shutdown::Write) {
            Ok(()) => Ok(self),
            Err(e) => Err(self.broken("could not half-close the connection", &e)),
        }
    }

    /// Reads until the server closes the connection.
    #[track_caller]
    pub fn read_to_end(&mut self) -> Vec<u8> {
        self.try_read_to_end().or_fail()
    }

    /// [`Client::read_to_end`], returning the failure.
    pub fn try_read_to_end(&mut self) -> Result<Vec<u8>, Failure> {
        let mut received = std::mem::take(&mut self.pending);
        match self.stream.read_to_end(&mut received) {
            Ok(_) => Ok(received),
            Err(e) => Err(self.failed_read(&e, &received, "the server to close the connection")),
        }
    }

    /// Reads one line, up to and including `\n` (or to EOF if none comes).
    #[track_caller]
    pub fn read_line(&mut self) -> Vec<u8> {
        self.try_read_line().or_fail()
    }

    /// [`Client::read_line`], returning the failure.
    pub fn try_read_line(&mut self) -> Result<Vec<u8>, Failure> {
        let mut line = std::mem::take(&mut self.pending);
        loop {
            if let Some(end) = line.iter().position(|&b| b == b'\n') {
                self.pending = line.split_off(end + 1);
                return Ok(line);
            }
            match self.read_some(&mut line) {
                Ok(0) => return Ok(line),
                Ok(_) => {}
                Err(e) => return Err(self.failed_read(&e, &line, "a line ending in \\n")),
            }
        }
    }

    /// Reads exactly `n` bytes, or fails saying how many came.
    #[track_caller]
    pub fn read_exact(&mut self, n: usize) -> Vec<u8> {
        self.try_read_exact(n).or_fail()
    }

    /// [`Client::read_exact`], returning the failure. Fewer than `n` bytes
    /// (the connection closed early) is not a failure here: the caller
    /// compares what came with what it expected.
    pub fn try_read_exact(&mut self, n: usize) -> Result<Vec<u8>, Failure> {
        let mut received = std::mem::take(&mut self.pending);
        while received.len() < n {
            match self.read_some(&mut received) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => return Err(self.failed_read(&e, &received, &format!("{n} bytes"))),
            }
        }
        self.pending = received.split_off(n.min(received.len()));
        Ok(received)
    }

    /// Reads one whole HTTP response: the head, then a body of
    /// `Content-Length` bytes, or everything up to EOF when there is no
    /// `Content-Length`.
    #[track_caller]
    pub fn read_response(&mut self) -> Response {
        self.try_read_response().or_fail()
    }

    /// [`Client::read_response`], returning the failure.
    pub fn try_read_response(&mut self) -> Result<Response, Failure> {
        self.read_response_inner(true)
    }

    /// Reads a response head only, for answers that have no body whatever
    /// their headers say (a `HEAD` request, a `304`).
    #[track_caller]
    pub fn read_response_head(&mut self) -> Response {
        self.try_read_response_head().or_fail()
    }

    /// [`Client::read_response_head`], returning the failure.
    pub fn try_read_response_head(&mut self) -> Result<Response, Failure> {
        self.read_response_inner(false)
    }

    fn read_response_inner(&mut self, with_body: bool) -> Result<Response, Failure> {
        let mut received = std::mem::take(&mut self.pending);
        let head_end = loop {
            if let Some(end) = http::head_end(&received) {
                break end;
            }
            if received.len() > http::MAX_HEAD {
                return Err(self.bad_response(
                    &received,
                    "the response head is over 64 KiB without a blank line",
                ));
            }
            match self.read_some(&mut received) {
                Ok(0) if received.is_empty() => {
                    return Err(self.bad_response(
                        &received,
                        "the server closed the connection without sending a response",
                    ));
                }
                Ok(0) => {
                    return Err(self.bad_response(
                        &received,
                        "the connection closed before the blank line (\\r\\n\\r\\n) that ends a response head",
                    ));
                }
                Ok(_) => {}
                Err(e) => return Err(self.failed_read(&e, &received, "a response")),
            }
        };
        let mut response = match Response::parse_head(&received[..head_end]) {
            Ok(response) => response,
            Err(why) => return Err(self.bad_response(&received, &why)),
        };
        let mut rest = received.split_off(head_end);
        if !with_body {
            self.pending = rest;
            return Ok(response);
        }
        match response.content_length() {
            Ok(Some(length)) => {
                while rest.len() < length {
                    match self.read_some(&mut rest) {
                        Ok(0) => break,
                        Ok(_) => {}
                        Err(e) => {
                            return Err(self.failed_read(
                                &e,
                                &rest,
                                &format!("a body of {length} bytes"),
                            ));
                        }
                    }
                }
                if rest.len() < length {
                    let got = rest.len();
                    response.body = rest;
                    return Err(self.bad_response(
                        &response.raw(),
                        &format!("Content-Length says {length} bytes but the connection closed after {got}"),
                    ));
                }
                self.pending = rest.split_off(length);
                response.body = rest;
            }
            Ok(None) => {
                if let Err(e) = self.stream.read_to_end(&mut rest) {
                    return Err(self.failed_read(
                        &e,
                        &rest,
                        "the body, read to EOF because there is no Content-Length",
                    ));
                }
                response.body = rest;
            }
            Err(why) => return Err(self.bad_response(&received, &why)),
        }
        Ok(response)
    }

    /// Asserts that the server closes the connection now: reading gives EOF
    /// (or a reset) within [`TIMEOUT`], with no further bytes.
    #[track_caller]
    pub fn expect_closed(&mut self, why: &str) {
        if let Err(failure) = self.try_expect_closed(why) {
            failure.fail()
        }
    }

    /// [`Client::expect_closed`], returning the failure.
    pub fn try_expect_closed(&mut self, why: &str) -> Result<(), Failure> {
        let mut extra = std::mem::take(&mut self.pending);
        match self.stream.read_to_end(&mut extra) {
            Ok(_) if extra.is_empty() => Ok(()),
            Ok(_) => Err(Failure::new(
                self.exercise,
                "the server sent more bytes after the response",
            )
            .sent(&self.sent)
            .got(&extra)
            .note(why)),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => Ok(()),
            Err(e) => Err(
                Failure::new(self.exercise, "the server kept the connection open")
                    .sent(&self.sent)
                    .line("error", e.to_string())
                    .note(why),
            ),
        }
    }

    /// One `read` call into the end of `buffer`.
    fn read_some(&mut self, buffer: &mut Vec<u8>) -> io::Result<usize> {
        let mut chunk = [0; 16 * 1024];
        let n = self.stream.read(&mut chunk)?;
        buffer.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    fn failed_read(&self, error: &io::Error, so_far: &[u8], waiting_for: &str) -> Failure {
        let summary = if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) {
            format!("waited {TIMEOUT:?} for {waiting_for}, but it did not come")
        } else {
            format!("the connection broke while waiting for {waiting_for}")
        };
        let failure = Failure::new(self.exercise, summary)
            .sent(&self.sent)
            .line("got", crate::show::bytes(so_far))
            .line("error", error.to_string());
        self.with_server_end(failure)
    }

    fn broken(&self, doing: &str, error: &io::Error) -> Failure {
        let failure = Failure::new(self.exercise, doing.to_string())
            .sent(&self.sent)
            .line("error", error.to_string());
        self.with_server_end(failure)
    }

    fn bad_response(&self, received: &[u8], why: &str) -> Failure {
        let failure = Failure::new(self.exercise, why.to_string())
            .sent(&self.sent)
            .got(received);
        self.with_server_end(failure)
    }

    /// Adds the server's panic or error, if it has one, as the likely cause.
    fn with_server_end(&self, failure: Failure) -> Failure {
        // When the server died, its panic (say, a starter's todo!()) is the
        // news; the broken connection is only its consequence.
        match self.server.as_ref().and_then(|s| s.explain_end()) {
            Some(why) => failure.caused_by(why),
            None => failure,
        }
    }
}

/// True for the errors a write gets when the server has closed or reset the
/// connection (which one depends on the operating system and the timing).
fn closed_by_peer(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::BrokenPipe | ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
    )
}

/// Turns a returned failure into a failed test, at the caller's line.
trait FailOnErr<T> {
    fn or_fail(self) -> T;
}

impl<T> FailOnErr<T> for Result<T, Failure> {
    #[track_caller]
    fn or_fail(self) -> T {
        match self {
            Ok(value) => value,
            Err(failure) => failure.fail(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn a_write_cut_short_by_the_server_is_not_a_failure() {
        let listener = crate::bind_local();
        let addr = listener.local_addr().unwrap();
        // Reads a little, then closes with the rest unread: the OS resets
        // the connection, and the client's writes start failing.
        let server = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let _ = stream.read(&mut [0; 16]);
        });
        let mut client = Client::try_connect(addr, crate::exercise("1.1")).unwrap();
        // Far more than any socket buffer holds, so the close is noticed.
        let all_sent = client.send_until_closed(&vec![b'x'; 64 << 20]).unwrap();
        assert!(!all_sent);
        assert!(client.sent().len() < 64 << 20);
        server.join().unwrap();
    }

    #[test]
    fn try_methods_return_the_failure_instead_of_panicking() {
        let listener = crate::bind_local();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream.write_all(b"not http\r\n\r\n").unwrap();
        });
        let mut client = Client::try_connect(addr, crate::exercise("1.1")).unwrap();
        let failure = client.try_read_response().unwrap_err();
        assert!(
            failure.message().contains("is not of the form"),
            "{failure}"
        );
        assert!(client.try_expect_closed("test").is_ok());
        server.join().unwrap();

        let refused = Client::try_connect(addr, crate::exercise("1.1"))
            .err()
            .unwrap();
        assert!(refused.message().contains("could not connect"), "{refused}");
    }
}
