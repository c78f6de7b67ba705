//! A response, and how it goes on the wire.
//!
//! An HTTP/1.1 response is text lines ending in `\r\n`, then a blank line,
//! then the body as raw bytes:
//!
//! ```text
//! HTTP/1.1 200 OK\r\n
//! Content-Type: text/html; charset=utf-8\r\n
//! Content-Length: 1234\r\n
//! Connection: close\r\n
//! \r\n
//! <!DOCTYPE html>...
//! ```

use std::io::{self, Write};

// ANCHOR: status
/// The status codes this server answers with. Each one tells the client
/// something precise, so it can react without reading the page: a browser
/// shows a 404 page, but it retries nothing after a 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 200: here is what you asked for.
    Ok,
    /// 400: the request is not HTTP we can read (a broken request line).
    BadRequest,
    /// 404: nothing lives at this path.
    NotFound,
    /// 405: something lives at this path, but not for this method; the
    /// response must say which methods work, in an `Allow` header.
    MethodNotAllowed,
    /// 408: the client kept us waiting too long for its request.
    RequestTimeout,
    /// 411: a POST without `Content-Length`. This chapter's choice, to keep
    /// the form handling simple: RFC 9112 section 6.3 would read such a
    /// request as having an empty body (chapter 3 does), and RFC 9110
    /// section 15.5.12 lets a server insist on a length instead.
    LengthRequired,
    /// 413: the body is larger than we accept.
    ContentTooLarge,
    /// 431: the request head is larger than we accept.
    RequestHeaderFieldsTooLarge,
}

impl Status {
    /// The three-digit code that programs read.
    pub fn code(self) -> u16 {
        match self {
            Status::Ok => 200,
            Status::BadRequest => 400,
            Status::NotFound => 404,
            Status::MethodNotAllowed => 405,
            Status::RequestTimeout => 408,
            Status::LengthRequired => 411,
            Status::ContentTooLarge => 413,
            Status::RequestHeaderFieldsTooLarge => 431,
        }
    }

    /// The reason phrase that people read. Clients must ignore it; we use
    /// the phrases of RFC 9110 (which renamed 413 "Content Too Large").
    pub fn reason(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::BadRequest => "Bad Request",
            Status::NotFound => "Not Found",
            Status::MethodNotAllowed => "Method Not Allowed",
            Status::RequestTimeout => "Request Timeout",
            Status::LengthRequired => "Length Required",
            Status::ContentTooLarge => "Content Too Large",
            Status::RequestHeaderFieldsTooLarge => "Request Header Fields Too Large",
        }
    }
}
// ANCHOR_END: status

// ANCHOR: response
/// A response before it is written: a status, some headers and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// What happened: 200, 404, ...
    pub status: Status,
    /// Headers in the order they will be written, such as `Content-Type`.
    /// `Content-Length` and `Connection` are not here: [`Response::write_to`]
    /// always adds them itself, so no response can get them wrong.
    pub headers: Vec<(&'static str, String)>,
    /// The body, sent exactly as it is: HTML text or JPEG bytes alike.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with a body of the given media type, such as `image/jpeg`.
    pub fn new(status: Status, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body: body.into(),
        }
    }

    /// An HTML page. The charset tells the browser how to turn the bytes
    /// back into text; without it, some browsers guess, and guess wrong for
    /// anything beyond ASCII.
    pub fn html(status: Status, page: impl Into<String>) -> Response {
        Response::new(status, "text/html; charset=utf-8", page.into())
    }

    /// The same response with one more header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }
}
// ANCHOR_END: response

// ANCHOR: write_to
// ANCHOR: write_to_signature
impl Response {
    /// Writes the response in HTTP/1.1 form: the status line, the headers,
    /// `Content-Length`, `Connection: close`, a blank line, then the body.
    ///
    /// Every line of the head ends in `\r\n` (CR LF), as HTTP requires: a
    /// bare `\n` works with some clients and breaks others. The body is
    /// written untouched; it may be binary, so it is never treated as text.
    #[expect(unused_variables, reason = "until you write exercise 2.3")]
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        // ANCHOR_END: write_to_signature
        todo!(
            "exercise 2.3: Write a response (read book/src/ch02-http-by-hand.md#exercise-23-write-a-response)"
        )
    }
}
// ANCHOR_END: write_to
