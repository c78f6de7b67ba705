//! A connection's requests, one after another, out of its buffer: the head,
//! perhaps a `100 Continue`, then the body.
//!
//! ```text
//!  buffer ──parse_head──▶ head ──(Expect: 100-continue?)──▶ BodyDecoder ──▶ Request
//!    ▲                      │            └─▶ ContinueExpected: the        │
//!    │                      │                connection answers 100       │
//!    └── head bytes dropped ┴── body bytes dropped as the decoder uses them
//! ```
//!
//! [`parse_request`](crate::parse::parse_request) answers "is there a whole
//! request in these bytes?", which is all a test or a fuzzer needs. A
//! connection needs two things more, and [`RequestReader`] gives them, with
//! no I/O in it either, so that chapter 3's blocking connection and
//! chapter 7's async one share it:
//!
//! - to know when the head is in and the client is waiting before it sends
//!   the body (`Expect: 100-continue`, RFC 9110 section 10.1.1);
//! - to read a large body in many pieces without starting over at each
//!   piece: the head is parsed once and dropped from the buffer, and the
//!   body's bytes are dropped as its decoder takes them.

#[expect(unused_imports, reason = "until you write exercise 3.8")]
use crate::parse::{BodyDecoder, Limits, ParseError, parse_head};
use crate::request::Request;

// ANCHOR: kept_buffer
/// The most buffer capacity a connection keeps between requests. One large
/// request (a megabyte of form) grows the buffer; without this, a kept-alive
/// connection would hold that megabyte until it closed, and ten thousand
/// idle connections ten gigabytes.
pub const KEPT_BUFFER: usize = 16 * 1024;
// ANCHOR_END: kept_buffer

// ANCHOR: reader
/// Reads the requests of one connection from its buffer, one at a time.
#[derive(Debug, Default)]
pub struct RequestReader {
    /// The request whose head is in and whose body is on its way, with the
    /// decoder that reads the body.
    pending: Option<(Request, BodyDecoder)>,
}

/// What [`RequestReader::step`] found.
#[derive(Debug)]
pub enum Step {
    /// Not a whole request yet: read more bytes, then step again.
    NeedMore,
    /// The head is in ([`RequestReader::head`]), it announces a body, and
    /// the client waits for a `100 Continue` before sending it. Answer
    /// `100 Continue` and step again, or give the final answer now and
    /// close (the client may send the body or not: we cannot tell which).
    ContinueExpected,
    /// A whole request, head and body; its bytes are gone from the buffer.
    Request(Request),
}

// ANCHOR_END: reader

impl RequestReader {
    /// A reader at the start of a connection.
    pub fn new() -> RequestReader {
        RequestReader::default()
    }

    // ANCHOR: step
    // ANCHOR: step_signature
    /// Takes from the front of `buffer` whatever it can of the next request,
    /// and says what that gave.
    #[expect(
        unused_variables,
        clippy::ptr_arg,
        reason = "until you write exercise 3.8"
    )]
    pub fn step(&mut self, buffer: &mut Vec<u8>, limits: &Limits) -> Result<Step, ParseError> {
        // ANCHOR_END: step_signature
        todo!(
            "exercise 3.8: Read requests out of the buffer (read book/src/ch03-http-parser.md#exercise-38-read-requests-out-of-the-buffer)"
        )
    }
    // ANCHOR_END: step

    /// The head of the request whose body is on its way, if any (its body
    /// is empty for now).
    pub fn head(&self) -> Option<&Request> {
        self.pending.as_ref().map(|(request, _)| request)
    }

    /// Whether no request has started: nothing pending, nothing buffered.
    /// Between requests a connection waits with its idle timeout; once a
    /// request has started, with the request's deadline.
    pub fn is_idle(&self, buffer: &[u8]) -> bool {
        self.pending.is_none() && buffer.is_empty()
    }
}
