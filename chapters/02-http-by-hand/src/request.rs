//! Bytes to a request: the head up to the blank line, its first line, its
//! headers, and a body of `Content-Length` bytes.
//!
//! A request as it arrives on the socket:
//!
//! ```text
//! POST / HTTP/1.1\r\n                                   <- the request line
//! Host: 127.0.0.1:7878\r\n                              <- headers, one a line
//! Content-Type: application/x-www-form-urlencoded\r\n
//! Content-Length: 13\r\n
//! \r\n                                                  <- the blank line ends the head
//! message=Hello                                         <- the body, Content-Length bytes
//! ```
//!
//! This chapter reads just enough of it to serve a small site. Chapter 3
//! replaces this module with a real, incremental parser.

use std::io::{self, ErrorKind, Read};

// ANCHOR: limits
/// The longest request head we accept, request line and headers together.
///
/// Without a limit, a client could send header lines forever and we would
/// buffer them until memory ran out. Browsers send well under 2 KiB; 8 KiB
/// is the default limit of many servers (nginx, Node.js). Over it: 431.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

/// The largest body we accept. Our only body is a one-field form, so 64 KiB
/// is generous; anything larger is answered with 413 before we read it.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
// ANCHOR_END: limits

// ANCHOR: request_error
/// Why a request could not be read. Each variant but the last two becomes
/// an error response (see `site::error_response`).
#[derive(Debug)]
pub enum RequestError {
    /// The client sent nothing for `server::READ_TIMEOUT`: 408.
    TimedOut,
    /// The head grew past [`MAX_HEAD_BYTES`]: 431.
    HeadTooLarge,
    /// The request is not HTTP we can read; the text says what is wrong: 400.
    Malformed(&'static str),
    /// A POST without `Content-Length`: 411.
    LengthRequired,
    /// `Content-Length` is over [`MAX_BODY_BYTES`]: 413.
    BodyTooLarge,
    /// The client closed the connection without sending anything. Browsers
    /// do this with connections they opened in advance and did not need.
    /// Nobody is there to answer.
    Closed,
    /// Any other I/O error: the client vanished mid-request. Nobody is
    /// there to answer either.
    Io(io::Error),
}

/// Lets `?` turn a failed read into a [`RequestError`].
impl From<io::Error> for RequestError {
    fn from(error: io::Error) -> RequestError {
        match error.kind() {
            // A read timeout shows up as WouldBlock on Unix and as TimedOut
            // on Windows: both mean "the client sent nothing in time".
            ErrorKind::WouldBlock | ErrorKind::TimedOut => RequestError::TimedOut,
            _ => RequestError::Io(error),
        }
    }
}
// ANCHOR_END: request_error

// ANCHOR: request
/// One request, read in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, ...: what the client wants done.
    pub method: String,
    /// The path (and query) it wants it done to: `/picture.jpg`.
    pub target: String,
    /// The protocol version the client speaks: `HTTP/1.1`.
    pub version: String,
    /// The header fields in the order they came, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body: `Content-Length` bytes, empty when there is none.
    pub body: Vec<u8>,
}

impl Request {
    /// The value of the first header with this name. Header names are
    /// case-insensitive: `content-length` and `Content-Length` are the same.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}
// ANCHOR_END: request

// ANCHOR: raw_head
/// A request head as it came off the socket, and what came after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHead {
    /// The head: the request line and the headers, through the blank line
    /// `\r\n\r\n` that ends it.
    pub head: Vec<u8>,
    /// Bytes that were read after the blank line: the start of the body.
    pub rest: Vec<u8>,
}
// ANCHOR_END: raw_head

// ANCHOR: request_line
/// The three parts of a request line such as `GET /picture.jpg HTTP/1.1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLine {
    /// `GET`
    pub method: String,
    /// `/picture.jpg`
    pub target: String,
    /// `HTTP/1.1`
    pub version: String,
}
// ANCHOR_END: request_line

// ANCHOR: read_request
/// Reads one whole request from `stream`: the head, then the body if there
/// is one.
pub fn read_request(stream: &mut impl Read) -> Result<Request, RequestError> {
    let RawHead { head, rest } = read_head(stream)?;
    // HTTP heads are ASCII in practice; anything that is not even UTF-8 is
    // not a request we can make sense of.
    let head = std::str::from_utf8(&head)
        .map_err(|_| RequestError::Malformed("the request head is not UTF-8 text"))?;
    let RequestLine {
        method,
        target,
        version,
    } = split_request_line(head)?;
    let headers = parse_headers(head)?;
    let body = read_body(stream, &method, &headers, rest)?;
    Ok(Request {
        method,
        target,
        version,
        headers,
        body,
    })
}
// ANCHOR_END: read_request

// ANCHOR: read_head
// ANCHOR: read_head_signature
/// Reads from `stream` until it has a whole request head, that is, up to
/// and including the blank line `\r\n\r\n`.
///
/// A `read` returns whatever has arrived: a whole request, one byte of it,
/// or a head and the start of the body. So we read in a loop, and hand back
/// the bytes read past the blank line as well, in [`RawHead::rest`].
#[expect(unused_variables, reason = "until you write exercise 2.1")]
pub fn read_head(stream: &mut impl Read) -> Result<RawHead, RequestError> {
    // ANCHOR_END: read_head_signature
    todo!(
        "exercise 2.1: Read the request head (read book/src/ch02-http-by-hand.md#exercise-21-read-the-request-head)"
    )
}
// ANCHOR_END: read_head

// ANCHOR: split_request_line
// ANCHOR: split_request_line_signature
/// Splits the first line of `head` into method, target and version.
///
/// `GET / HTTP/1.1` is three parts separated by single spaces. A line with
/// two parts, four parts, double spaces or no `HTTP/` version is not a
/// request line, and the answer to it is 400 Bad Request.
#[expect(unused_variables, reason = "until you write exercise 2.2")]
pub fn split_request_line(head: &str) -> Result<RequestLine, RequestError> {
    // ANCHOR_END: split_request_line_signature
    todo!(
        "exercise 2.2: Split the request line (read book/src/ch02-http-by-hand.md#exercise-22-split-the-request-line)"
    )
}
// ANCHOR_END: split_request_line

// ANCHOR: headers
/// The header lines of `head`: every line after the first, up to the blank
/// line, each split on its first colon.
fn parse_headers(head: &str) -> Result<Vec<(String, String)>, RequestError> {
    let mut headers = Vec::new();
    for line in head
        .split("\r\n")
        .skip(1)
        .take_while(|line| !line.is_empty())
    {
        let Some((name, value)) = line.split_once(':') else {
            return Err(RequestError::Malformed("a header line has no colon"));
        };
        // `Name : value` (space before the colon) is forbidden, because
        // servers that disagree on what it means can be played against
        // each other.
        if name.is_empty() || name.contains([' ', '\t']) {
            return Err(RequestError::Malformed(
                "a header name is empty or has spaces",
            ));
        }
        // Spaces around the value are not part of it: `Host:  x ` is `x`.
        let value = value.trim_matches([' ', '\t']);
        headers.push((name.to_string(), value.to_string()));
    }
    Ok(headers)
}

/// The value of the first header named `name`, compared without case.
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
// ANCHOR_END: headers

// ANCHOR: read_body
/// Reads the body that follows the head: exactly `Content-Length` bytes,
/// some of which may already have been read with the head.
///
/// The body is not text and has no end marker; `Content-Length` is the only
/// way to know where it ends. A POST must have one (411 if not: we do not
/// support the other way, `Transfer-Encoding: chunked`, until chapter 3).
/// Other methods have a body only when they send the header.
fn read_body(
    stream: &mut impl Read,
    method: &str,
    headers: &[(String, String)],
    already_read: Vec<u8>,
) -> Result<Vec<u8>, RequestError> {
    let mut lengths = headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("Content-Length"));
    let length = match (lengths.next(), lengths.next()) {
        (None, _) if method == "POST" => return Err(RequestError::LengthRequired),
        (None, _) => return Ok(Vec::new()),
        // Two lengths: which one is right? Guessing is how request
        // smuggling attacks work, so refuse.
        (Some(_), Some(_)) => {
            return Err(RequestError::Malformed("more than one Content-Length"));
        }
        (Some((_, value)), None) => parse_length(value)?,
    };
    if length > MAX_BODY_BYTES {
        return Err(RequestError::BodyTooLarge);
    }
    let mut body = already_read;
    let mut chunk = [0; 4096];
    while body.len() < length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(RequestError::Malformed(
                "the connection ended before the whole body arrived",
            ));
        }
        body.extend_from_slice(&chunk[..n]);
    }
    // Anything past the body would be a next request; with one request per
    // connection, we drop it.
    body.truncate(length);
    Ok(body)
}

/// A `Content-Length` value: decimal digits only. (`"+5".parse::<usize>()`
/// succeeds in Rust, but `+5` is not a valid length, so check the digits.)
fn parse_length(value: &str) -> Result<usize, RequestError> {
    let bad = RequestError::Malformed("Content-Length is not a number");
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad);
    }
    // Digits that overflow usize are certainly over the limit.
    value.parse().or(Err(RequestError::BodyTooLarge))
}
// ANCHOR_END: read_body
