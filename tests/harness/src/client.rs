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

    #[track_caller]
    pub(crate) fn connect_to(
        addr: SocketAddr,
        exercise: Exercise,
        server: Option<Arc<ServerState>>,
    ) -> Client {
        let stream = match TcpStream::connect_timeout(&addr, TIMEOUT) {
            Ok(stream) => stream,
            Err(e) => {
                let mut failure = Failure::new(exercise, format!("could not connect to {addr}"))
                    .line("error", e.to_string());
                if let Some(why) = server.as_ref().and_then(|s| s.explain_end()) {
                    failure = failure.line("server", why);
                }
                failure.fail()
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
        Client {
            stream,
            exercise,
            sent: Vec::new(),
            pending: Vec::new(),
            server,
        }
    }

    /// Everything this client has sent so far.
    pub fn sent(&self) -> &[u8] {
        &self.sent
    }

    /// The exercise this client reports failures for.
    pub fn exercise(&self) -> Exercise {
        self.exercise
    }

    /// The underlying stream, for what the helpers do not cover.
    pub fn stream(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    /// Writes all of `bytes`.
    #[track_caller]
    pub fn send(&mut self, bytes: &[u8]) -> &mut Self {
        self.sent.extend_from_slice(bytes);
        if let Err(e) = self.stream.write_all(bytes) {
            self.broken("could not send the request", &e);
        }
        self
    }

    /// Writes `bytes` one byte per write call, so the server receives them
    /// in as many pieces as TCP allows: a server that assumes one read holds
    /// the whole request breaks here.
    #[track_caller]
    pub fn send_byte_by_byte(&mut self, bytes: &[u8]) -> &mut Self {
        for byte in bytes {
            self.send(std::slice::from_ref(byte));
        }
        self
    }

    /// Half-closes the connection: the server reads EOF, and can still answer.
    #[track_caller]
    pub fn finish_sending(&mut self) -> &mut Self {
        if let Err(e) = self.stream.shutdown(Shutdown::Write) {
            self.broken("could not half-close the connection", &e);
        }
        self
    }

    /// Reads until the server closes the connection.
    #[track_caller]
    pub fn read_to_end(&mut self) -> Vec<u8> {
        let mut received = std::mem::take(&mut self.pending);
        match self.stream.read_to_end(&mut received) {
            Ok(_) => received,
            Err(e) => self.failed_read(&e, &received, "the server to close the connection"),
        }
    }

    /// Reads one line, up to and including `\n` (or to EOF if none comes).
    #[track_caller]
    pub fn read_line(&mut self) -> Vec<u8> {
        let mut line = std::mem::take(&mut self.pending);
        loop {
            if let Some(end) = line.iter().position(|&b| b == b'\n') {
                self.pending = line.split_off(end + 1);
                return line;
            }
            match self.read_some(&mut line) {
                Ok(0) => return line,
                Ok(_) => {}
                Err(e) => self.failed_read(&e, &line, "a line ending in \\n"),
            }
        }
    }

    /// Reads exactly `n` bytes, or fails saying how many came.
    #[track_caller]
    pub fn read_exact(&mut self, n: usize) -> Vec<u8> {
        let mut received = std::mem::take(&mut self.pending);
        while received.len() < n {
            match self.read_some(&mut received) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => self.failed_read(&e, &received, &format!("{n} bytes")),
            }
        }
        self.pending = received.split_off(n.min(received.len()));
        received
    }

    /// Reads one whole HTTP response: the head, then a body of
    /// `Content-Length` bytes, or everything up to EOF when there is no
    /// `Content-Length`.
    #[track_caller]
    pub fn read_response(&mut self) -> Response {
        self.read_response_inner(true)
    }

    /// Reads a response head only, for answers that have no body whatever
    /// their headers say (a `HEAD` request, a `304`).
    #[track_caller]
    pub fn read_response_head(&mut self) -> Response {
        self.read_response_inner(false)
    }

    #[track_caller]
    fn read_response_inner(&mut self, with_body: bool) -> Response {
        let mut received = std::mem::take(&mut self.pending);
        let head_end = loop {
            if let Some(end) = http::head_end(&received) {
                break end;
            }
            if received.len() > http::MAX_HEAD {
                self.bad_response(
                    &received,
                    "the response head is over 64 KiB without a blank line",
                );
            }
            match self.read_some(&mut received) {
                Ok(0) if received.is_empty() => self.bad_response(
                    &received,
                    "the server closed the connection without sending a response",
                ),
                Ok(0) => self.bad_response(
                    &received,
                    "the connection closed before the blank line (\\r\\n\\r\\n) that ends a response head",
                ),
                Ok(_) => {}
                Err(e) => self.failed_read(&e, &received, "a response"),
            }
        };
        let mut response = match Response::parse_head(&received[..head_end]) {
            Ok(response) => response,
            Err(why) => self.bad_response(&received, &why),
        };
        let mut rest = received.split_off(head_end);
        if !with_body {
            self.pending = rest;
            return response;
        }
        match response.content_length() {
            Ok(Some(length)) => {
                while rest.len() < length {
                    match self.read_some(&mut rest) {
                        Ok(0) => break,
                        Ok(_) => {}
                        Err(e) => self.failed_read(&e, &rest, &format!("a body of {length} bytes")),
                    }
                }
                if rest.len() < length {
                    let got = rest.len();
                    response.body = rest;
                    self.bad_response(
                        &response.raw(),
                        &format!("Content-Length says {length} bytes but the connection closed after {got}"),
                    );
                }
                self.pending = rest.split_off(length);
                response.body = rest;
            }
            Ok(None) => {
                if let Err(e) = self.stream.read_to_end(&mut rest) {
                    self.failed_read(
                        &e,
                        &rest,
                        "the body, read to EOF because there is no Content-Length",
                    );
                }
                response.body = rest;
            }
            Err(why) => self.bad_response(&received, &why),
        }
        response
    }

    /// Asserts that the server closes the connection now: reading gives EOF
    /// (or a reset) within [`TIMEOUT`], with no further bytes.
    #[track_caller]
    pub fn expect_closed(&mut self, why: &str) {
        let mut extra = std::mem::take(&mut self.pending);
        match self.stream.read_to_end(&mut extra) {
            Ok(_) if extra.is_empty() => {}
            Ok(_) => Failure::new(
                self.exercise,
                "the server sent more bytes after the response",
            )
            .sent(&self.sent)
            .got(&extra)
            .note(why)
            .fail(),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
            Err(e) => Failure::new(self.exercise, "the server kept the connection open")
                .sent(&self.sent)
                .line("error", e.to_string())
                .note(why)
                .fail(),
        }
    }

    /// One `read` call into the end of `buffer`.
    fn read_some(&mut self, buffer: &mut Vec<u8>) -> io::Result<usize> {
        let mut chunk = [0; 16 * 1024];
        let n = self.stream.read(&mut chunk)?;
        buffer.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    #[track_caller]
    fn failed_read(&self, error: &io::Error, so_far: &[u8], waiting_for: &str) -> ! {
        let summary = if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) {
            format!("waited {TIMEOUT:?} for {waiting_for}, but it did not come")
        } else {
            format!("the connection broke while waiting for {waiting_for}")
        };
        let failure = Failure::new(self.exercise, summary)
            .sent(&self.sent)
            .line("got", crate::show::bytes(so_far))
            .line("error", error.to_string());
        self.with_server_end(failure).fail()
    }

    #[track_caller]
    fn broken(&self, doing: &str, error: &io::Error) -> ! {
        let failure = Failure::new(self.exercise, doing.to_string())
            .sent(&self.sent)
            .line("error", error.to_string());
        self.with_server_end(failure).fail()
    }

    #[track_caller]
    fn bad_response(&self, received: &[u8], why: &str) -> ! {
        let failure = Failure::new(self.exercise, why.to_string())
            .sent(&self.sent)
            .got(received);
        self.with_server_end(failure).fail()
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
