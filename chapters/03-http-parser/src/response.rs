//! A response, and how it goes on the wire.
//!
//! ```text
//! HTTP/1.1 200 OK\r\n
//! Content-Type: text/html; charset=utf-8\r\n          the response's own headers
//! Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n             added by write_to
//! Server: course-chapter03\r\n                         added by write_to
//! Content-Length: 1234\r\n                             added by write_to
//! \r\n
//! <!DOCTYPE html>...                                   left out for HEAD
//! ```
//!
//! A handler builds a [`Response`] (status, a few headers, a [`Body`]);
//! [`Response::write_to`] adds what every response needs and cannot get
//! wrong if one place writes it: `Date`, `Server` and `Content-Length`.

use std::fmt;
use std::io::{self, Read, Write};
use std::time::SystemTime;

#[expect(unused_imports, reason = "until you write exercise 3.7")]
use chapter01::time::{civil_from_days, unix_seconds};

// ANCHOR: status
/// The status codes of this course's servers, each with its RFC 9110
/// reason phrase.
///
/// An enum rather than a bare number so a typo is a compile error and every
/// code has its phrase in one `match`. Chapter 4's file server uses the
/// redirect, caching and range codes; later chapters use 422, 500 and 503.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusCode {
    /// 200: here is what you asked for.
    Ok,
    /// 206: here is the part (the byte range) you asked for.
    PartialContent,
    /// 301: this lives at another address (in `Location`) for good.
    MovedPermanently,
    /// 303: see the answer at another address (in `Location`), with GET.
    SeeOther,
    /// 304: your cached copy is still good; no body.
    NotModified,
    /// 400: this is not a request we can read.
    BadRequest,
    /// 403: we understood, and the answer is no.
    Forbidden,
    /// 404: nothing lives at this path.
    NotFound,
    /// 405: something lives here, but not for this method (`Allow` says
    /// which methods work).
    MethodNotAllowed,
    /// 408: the request did not arrive in time.
    RequestTimeout,
    /// 412: a precondition (`If-Match`, `If-Unmodified-Since`) is false.
    PreconditionFailed,
    /// 413: the body is larger than we accept.
    ContentTooLarge,
    /// 414: the request line (in practice, the target) is too long.
    UriTooLong,
    /// 416: the byte range asked for is not inside the content.
    RangeNotSatisfiable,
    /// 422: we can read the request, but what it asks for is not valid
    /// (a form field that is empty or too long).
    UnprocessableContent,
    /// 431: the header section is too large, or has too many fields.
    RequestHeaderFieldsTooLarge,
    /// 500: the server failed; not the client's fault.
    InternalServerError,
    /// 501: the server does not implement this (a method, a transfer
    /// coding).
    NotImplemented,
    /// 503: the server is too busy right now; try again later.
    ServiceUnavailable,
    /// 505: the server does not speak this HTTP version.
    HttpVersionNotSupported,
}

impl StatusCode {
    /// The three-digit code that programs read.
    pub fn code(self) -> u16 {
        match self {
            StatusCode::Ok => 200,
            StatusCode::PartialContent => 206,
            StatusCode::MovedPermanently => 301,
            StatusCode::SeeOther => 303,
            StatusCode::NotModified => 304,
            StatusCode::BadRequest => 400,
            StatusCode::Forbidden => 403,
            StatusCode::NotFound => 404,
            StatusCode::MethodNotAllowed => 405,
            StatusCode::RequestTimeout => 408,
            StatusCode::PreconditionFailed => 412,
            StatusCode::ContentTooLarge => 413,
            StatusCode::UriTooLong => 414,
            StatusCode::RangeNotSatisfiable => 416,
            StatusCode::UnprocessableContent => 422,
            StatusCode::RequestHeaderFieldsTooLarge => 431,
            StatusCode::InternalServerError => 500,
            StatusCode::NotImplemented => 501,
            StatusCode::ServiceUnavailable => 503,
            StatusCode::HttpVersionNotSupported => 505,
        }
    }

    /// The reason phrase that people read (RFC 9110 section 15; clients
    /// must ignore it, so it is for logs and for `curl -v`).
    pub fn reason(self) -> &'static str {
        match self {
            StatusCode::Ok => "OK",
            StatusCode::PartialContent => "Partial Content",
            StatusCode::MovedPermanently => "Moved Permanently",
            StatusCode::SeeOther => "See Other",
            StatusCode::NotModified => "Not Modified",
            StatusCode::BadRequest => "Bad Request",
            StatusCode::Forbidden => "Forbidden",
            StatusCode::NotFound => "Not Found",
            StatusCode::MethodNotAllowed => "Method Not Allowed",
            StatusCode::RequestTimeout => "Request Timeout",
            StatusCode::PreconditionFailed => "Precondition Failed",
            StatusCode::ContentTooLarge => "Content Too Large",
            StatusCode::UriTooLong => "URI Too Long",
            StatusCode::RangeNotSatisfiable => "Range Not Satisfiable",
            StatusCode::UnprocessableContent => "Unprocessable Content",
            StatusCode::RequestHeaderFieldsTooLarge => "Request Header Fields Too Large",
            StatusCode::InternalServerError => "Internal Server Error",
            StatusCode::NotImplemented => "Not Implemented",
            StatusCode::ServiceUnavailable => "Service Unavailable",
            StatusCode::HttpVersionNotSupported => "HTTP Version Not Supported",
        }
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.reason())
    }
}
// ANCHOR_END: status

// ANCHOR: body
/// What follows the head of a response.
pub enum Body {
    /// Bytes already in memory: a page, a picture compiled into the program.
    Bytes(Vec<u8>),
    /// Exactly `length` bytes to be read from `reader` while writing, so a
    /// large file goes out in constant memory. `length` must be known up
    /// front because `Content-Length` is written before the body; if the
    /// reader ends early, writing fails and the connection is closed (the
    /// client would otherwise wait for bytes that never come).
    Reader {
        /// Where the bytes come from (an open file, usually).
        reader: Box<dyn Read + Send>,
        /// How many bytes it will give.
        length: u64,
    },
    /// No body at all, but a `Content-Length` saying how long the body
    /// *would* be: a 304 Not Modified may say so (RFC 9110 section 8.6).
    Omitted {
        /// The length of the body a 200 would have had.
        length: u64,
    },
}

impl Body {
    /// The value of `Content-Length` for this body.
    pub fn length(&self) -> u64 {
        match self {
            // usize always fits in u64 on the platforms Rust supports.
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::Reader { length, .. } | Body::Omitted { length } => *length,
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Bytes(bytes) => write!(f, "Bytes({} bytes)", bytes.len()),
            Body::Reader { length, .. } => write!(f, "Reader({length} bytes)"),
            Body::Omitted { length } => write!(f, "Omitted({length} bytes)"),
        }
    }
}
// ANCHOR_END: body

// ANCHOR: response
/// A response before it is written: a status, headers and a body.
#[derive(Debug)]
pub struct Response {
    /// What happened: 200, 404, ...
    pub status: StatusCode,
    /// The response's own headers, in the order they will be written
    /// (`Content-Type`, `Location`, `Allow`, `Connection`...). `Date`,
    /// `Server` and `Content-Length` are never here: [`Response::write_to`]
    /// writes them itself, and drops any a handler added by mistake.
    pub headers: Vec<(String, String)>,
    /// The body, or where to read it from.
    pub body: Body,
}

/// The headers [`Response::write_to`] owns.
#[expect(dead_code, reason = "until you write exercise 3.7")]
const WRITTEN_BY_WRITE_TO: [&str; 3] = ["Date", "Server", "Content-Length"];

impl Response {
    /// A response with no headers and an empty body.
    pub fn new(status: StatusCode) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
        }
    }

    /// A response whose body is `bytes`, of the media type `content_type`
    /// (`image/jpeg`, say).
    pub fn bytes(status: StatusCode, content_type: &str, bytes: impl Into<Vec<u8>>) -> Response {
        Response::new(status)
            .with_header("Content-Type", content_type)
            .with_body(Body::Bytes(bytes.into()))
    }

    /// An HTML page. The charset tells the browser how to read the bytes.
    pub fn html(status: StatusCode, page: impl Into<String>) -> Response {
        Response::bytes(status, "text/html; charset=utf-8", page.into())
    }

    /// A small HTML page for an error: the status as its title, and one
    /// sentence saying what went wrong.
    pub fn error_page(status: StatusCode, explanation: &str) -> Response {
        let title = status.reason();
        let code = status.code();
        Response::html(
            status,
            format!(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
                 <title>{code} {title}</title>\n</head>\n<body>\n<h1>{code} {title}</h1>\n\
                 <p>{explanation}</p>\n</body>\n</html>\n"
            ),
        )
    }

    /// The answer to a request that did not arrive in full before its
    /// deadline: `408`, after which the connection closes.
    pub fn request_timeout() -> Response {
        Response::error_page(
            StatusCode::RequestTimeout,
            "The request did not arrive in time.",
        )
    }

    /// The answer to a request whose handler panicked: chapters 5 and 7
    /// catch the panic and send this instead. With `Connection: close`, as
    /// after every error of ours: after a bug, starting afresh on a new
    /// connection is the safe choice.
    pub fn handler_panicked() -> Response {
        Response::error_page(
            StatusCode::InternalServerError,
            "The server failed while answering this request. It has not stopped: try again.",
        )
        .with_header("Connection", "close")
    }

    /// The same response with one more header (after the others).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The same response with another body.
    pub fn with_body(mut self, body: Body) -> Response {
        self.body = body;
        self
    }

    /// The same response with a body of `length` bytes read from `reader`
    /// as it is written (see [`Body::Reader`]).
    pub fn with_reader(self, reader: impl Read + Send + 'static, length: u64) -> Response {
        self.with_body(Body::Reader {
            reader: Box::new(reader),
            length,
        })
    }

    /// The value of the first header called `name` (any case) that the
    /// response carries so far.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}
// ANCHOR_END: response

// ANCHOR: continue
/// The interim response that tells a client waiting with `Expect:
/// 100-continue` to send its body (RFC 9110 section 15.2.1). Written as
/// bytes, not with [`Response::write_to`]: a 1xx response is only a status
/// line and an empty line, and MUST NOT carry a `Content-Length` (RFC 9110
/// section 8.6). The final response follows it later, as usual.
pub const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";
// ANCHOR_END: continue

// ANCHOR: write_options
/// What [`Response::write_to`] needs from outside the response.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions<'a> {
    /// The time for the `Date` header. Passed in, not read inside, so a
    /// test can write a response and know exactly what to expect.
    pub now: SystemTime,
    /// The value of the `Server` header, such as `course-chapter03`.
    pub server: &'a str,
    /// True when answering HEAD: the same head as for GET (the same
    /// `Content-Length` too), and no body (RFC 9110 section 9.3.2).
    pub head_only: bool,
}
// ANCHOR_END: write_options

// ANCHOR: write_to
// ANCHOR: write_to_signature
impl Response {
    /// Writes the response as HTTP/1.1: the status line, the response's
    /// headers, then `Date`, `Server` and `Content-Length`, a blank line,
    /// and the body unless `options.head_only`.
    ///
    /// It takes the response by value because a [`Body::Reader`] is used
    /// up by writing it.
    #[expect(unused_variables, reason = "until you write exercise 3.7")]
    pub fn write_to(self, out: &mut impl Write, options: WriteOptions<'_>) -> io::Result<()> {
        // ANCHOR_END: write_to_signature
        todo!(
            "exercise 3.7: Write a response (read book/src/ch03-http-parser.md#exercise-37-write-a-response)"
        )
    }
}
// ANCHOR_END: write_to

// ANCHOR: http_date
/// `time` as an IMF-fixdate, the one date format HTTP servers send
/// (RFC 9110 section 5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`.
#[expect(unused_variables, reason = "until you write exercise 3.7")]
pub fn http_date(time: SystemTime) -> String {
    todo!(
        "exercise 3.7: Write a response (read book/src/ch03-http-parser.md#exercise-37-write-a-response)"
    )
}
// ANCHOR_END: http_date
