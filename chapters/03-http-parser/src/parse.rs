//! Bytes to a [`Request`]: the parser, with no I/O in it.
//!
//! [`parse_request`] takes the bytes a connection has buffered so far and
//! answers one of three things:
//!
//! - [`Parsed::Partial`]: no fault yet, but the request is not all there;
//!   read more bytes and call again (with all of them).
//! - [`Parsed::Complete`]: here is the request, and how many bytes of the
//!   buffer it used; whatever follows is the start of the next request.
//! - a [`ParseError`]: these bytes can never become a request we accept,
//!   however many more arrive; [`ParseError::status`] says how to answer.
//!
//! It never reads a socket (it is "sans-IO"), so it is tested with byte
//! strings, fed one byte at a time as easily as all at once, and chapters 5
//! and 7 reuse it unchanged under threads and under async. The head is
//! parsed from the beginning of the buffer at each call, as `httparse`
//! does: a head is small, and starting over is simpler than remembering
//! where we stopped. A body can be a megabyte in thousands of chunks, so a
//! connection reads it with a [`BodyDecoder`], which does remember (see
//! [`crate::reader`]).
//!
//! The grammar (RFC 9112 section 2.1), one piece per function:
//!
//! ```text
//! request-line   GET /search?q=rust HTTP/1.1\r\n        find_request_line (3.1),
//!                                                        parse_request_line (3.2)
//! field lines    Host: example.com\r\n                   parse_field_line   (3.3),
//!                Content-Length: 5\r\n                   parse_headers      (3.4)
//! empty line     \r\n                                    body_framing       (3.6)
//! body           hello                                   BodyDecoder, and for a
//!                                                        chunked body the
//!                                                        ChunkedDecoder     (3.10)
//! ```

use std::fmt;

use crate::chunked::ChunkedDecoder;
use crate::request::{Headers, Method, Request, Version};
use crate::response::StatusCode;
#[expect(unused_imports, reason = "until you write exercise 3.2")]
use crate::target::{decode_request_target, split_absolute_form};

// ANCHOR: limits
/// The longest request line we read, line ending included: 8 KiB, the
/// figure RFC 9112 section 3 recommends servers support at least. Longer
/// gets 414 URI Too Long (in practice it is the target that is long).
pub const MAX_REQUEST_LINE: usize = 8 * 1024;
/// The largest header section we read (every field line and the empty line
/// that ends them, line endings included). Larger gets 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// The most header fields we accept. More gets 431: a browser sends about
/// fifteen, so a hundred is either a bug or an attack.
pub const MAX_HEADERS: usize = 100;
/// The largest body we accept, decoded: 413 Content Too Large. Decided
/// from `Content-Length` before reading any of the body, and for a chunked
/// body from each chunk's size before reading the chunk. The whole body is
/// kept in memory, so without a limit one request could take all of it.
pub const MAX_BODY: usize = 1024 * 1024;

/// The limits the parser enforces. Every server needs them: without them a
/// client that sends an endless header line makes us buffer until memory
/// runs out. The defaults are the constants above; tests use smaller ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// See [`MAX_REQUEST_LINE`].
    pub max_request_line: usize,
    /// See [`MAX_HEADER_BYTES`].
    pub max_header_bytes: usize,
    /// See [`MAX_HEADERS`].
    pub max_headers: usize,
    /// See [`MAX_BODY`].
    pub max_body: usize,
}

impl Limits {
    /// The limits of this chapter's server: the `MAX_` constants.
    pub const DEFAULT: Limits = Limits {
        max_request_line: MAX_REQUEST_LINE,
        max_header_bytes: MAX_HEADER_BYTES,
        max_headers: MAX_HEADERS,
        max_body: MAX_BODY,
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}
// ANCHOR_END: limits

// ANCHOR: parsed
/// What the bytes buffered so far amount to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// Nothing wrong so far, but the request is not all there yet.
    Partial,
    /// A whole request, made of the first `consumed` bytes of the buffer.
    Complete {
        /// The request.
        request: Request,
        /// How many bytes of the buffer it used: the connection removes
        /// them, and whatever is left is the next (pipelined) request.
        consumed: usize,
    },
}
// ANCHOR_END: parsed

// ANCHOR: parse_error
/// Why some bytes can never be a request we accept: one variant per
/// fault, `Copy` and without data, like `httparse::Error`, so it is cheap
/// to return and to compare in tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParseError {
    /// The request line is not `METHOD SP TARGET SP VERSION`.
    BadRequestLine,
    /// The method has characters a method cannot have.
    BadMethod,
    /// The target is neither origin-form (`/path?query`) nor absolute-form
    /// (`http://host/path?query`), or has bytes a target cannot have.
    BadTarget,
    /// A `%` in the target is not followed by two hex digits.
    BadPercentEncoding,
    /// The decoded target is not UTF-8.
    TargetNotUtf8,
    /// The version is not `HTTP/` digit `.` digit.
    BadVersion,
    /// A field line has no colon.
    MissingColon,
    /// Whitespace between a field name and its colon.
    SpaceBeforeColon,
    /// A field name that is empty or not a token.
    BadHeaderName,
    /// A field value with a control character in it.
    BadHeaderValue,
    /// A field line that starts with whitespace (an obsolete "fold").
    ObsoleteLineFolding,
    /// An HTTP/1.1 request without `Host`.
    MissingHost,
    /// More than one `Host`.
    DuplicateHost,
    /// A `Content-Length` that is not all digits.
    BadContentLength,
    /// `Content-Length` more than once.
    DuplicateContentLength,
    /// Both `Transfer-Encoding` and `Content-Length`: two answers to "where
    /// does the body end", the classic request smuggling.
    ContentLengthWithTransferEncoding,
    /// `Transfer-Encoding` whose last coding is not `chunked`, so nothing
    /// says where the body ends.
    ChunkedNotLast,
    /// `Transfer-Encoding` in an HTTP/1.0 request, which has no transfer
    /// codings: its framing cannot be trusted.
    TransferEncodingInHttp10,
    /// A chunk-size line that is not hex digits and extensions.
    BadChunkSize,
    /// A chunk's data, or a line of a chunked body, not followed by CRLF.
    MissingChunkCrlf,
    /// A chunk-size line longer than the limit.
    ChunkLineTooLong,
    /// A body longer than the limit.
    BodyTooLarge,
    /// A request line longer than the limit.
    RequestLineTooLong,
    /// A header section larger than the limit.
    HeaderSectionTooLarge,
    /// More header fields than the limit.
    TooManyHeaders,
    /// The trailer fields after a chunked body are larger than the limit.
    TrailersTooLarge,
    /// A well-formed method that is none of [`Method`]'s.
    MethodNotImplemented,
    /// CONNECT: a tunnel through a proxy, which this server is not.
    ConnectNotImplemented,
    /// `OPTIONS *`: a question about the whole server, not one resource.
    ServerWideOptionsNotImplemented,
    /// A transfer coding other than `chunked` (`gzip, chunked`).
    TransferCodingNotImplemented,
    /// A well-formed HTTP version other than 1.0 and 1.1.
    VersionNotSupported,
}

impl ParseError {
    // ANCHOR: status_of
    /// The status code that answers this fault. This `match` is the one
    /// place where a parse error becomes a status.
    pub fn status(self) -> StatusCode {
        use ParseError::*;
        match self {
            BadRequestLine
            | BadMethod
            | BadTarget
            | BadPercentEncoding
            | TargetNotUtf8
            | BadVersion
            | MissingColon
            | SpaceBeforeColon
            | BadHeaderName
            | BadHeaderValue
            | ObsoleteLineFolding
            | MissingHost
            | DuplicateHost
            | BadContentLength
            | DuplicateContentLength
            | ContentLengthWithTransferEncoding
            | ChunkedNotLast
            | TransferEncodingInHttp10
            | BadChunkSize
            | MissingChunkCrlf
            | ChunkLineTooLong => StatusCode::BadRequest,
            BodyTooLarge => StatusCode::ContentTooLarge,
            RequestLineTooLong => StatusCode::UriTooLong,
            HeaderSectionTooLarge | TooManyHeaders | TrailersTooLarge => {
                StatusCode::RequestHeaderFieldsTooLarge
            }
            MethodNotImplemented
            | ConnectNotImplemented
            | ServerWideOptionsNotImplemented
            | TransferCodingNotImplemented => StatusCode::NotImplemented,
            VersionNotSupported => StatusCode::HttpVersionNotSupported,
        }
    }
    // ANCHOR_END: status_of

    /// One sentence for the error page, saying what was wrong.
    pub fn message(self) -> &'static str {
        use ParseError::*;
        match self {
            BadRequestLine => {
                "The request line must be METHOD, a space, the target, a space, and the version."
            }
            BadMethod => "The method has characters a method cannot have.",
            BadTarget => {
                "The target must be a path starting with / (or a whole http:// URL), in visible ASCII characters."
            }
            BadPercentEncoding => "Every % in the target must be followed by two hex digits.",
            TargetNotUtf8 => "The decoded target is not UTF-8.",
            BadVersion => "The version must look like HTTP/1.1.",
            MissingColon => "A header line has no colon.",
            SpaceBeforeColon => "A header name is followed by whitespace before its colon.",
            BadHeaderName => "A header name is empty or has characters a name cannot have.",
            BadHeaderValue => "A header value contains a control character.",
            ObsoleteLineFolding => "A header line starts with whitespace (obsolete line folding).",
            MissingHost => "An HTTP/1.1 request needs a Host header.",
            DuplicateHost => "The request has more than one Host header.",
            BadContentLength => "Content-Length must be a number.",
            DuplicateContentLength => "The request has more than one Content-Length.",
            ContentLengthWithTransferEncoding => {
                "The request has both Transfer-Encoding and Content-Length; send one of them."
            }
            ChunkedNotLast => "Transfer-Encoding must end with chunked.",
            TransferEncodingInHttp10 => "HTTP/1.0 has no Transfer-Encoding.",
            BadChunkSize => "A chunk size must be hex digits, optionally followed by ;extensions.",
            MissingChunkCrlf => "A line of the chunked body does not end with CRLF.",
            ChunkLineTooLong => "A chunk-size line is longer than this server accepts.",
            BodyTooLarge => "The body is larger than this server accepts.",
            RequestLineTooLong => "The request line is longer than this server accepts.",
            HeaderSectionTooLarge => "The headers are larger than this server accepts.",
            TooManyHeaders => "The request has more header fields than this server accepts.",
            TrailersTooLarge => "The trailer fields are larger than this server accepts.",
            MethodNotImplemented => "This server does not implement this method.",
            ConnectNotImplemented => "This server is not a proxy: it does not open tunnels.",
            ServerWideOptionsNotImplemented => "This server does not answer OPTIONS *.",
            TransferCodingNotImplemented => {
                "This server implements only the chunked transfer coding."
            }
            VersionNotSupported => "This server speaks HTTP/1.0 and HTTP/1.1 only.",
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message(), self.status())
    }
}

impl std::error::Error for ParseError {}
// ANCHOR_END: parse_error

// ANCHOR: parse_request
/// Parses the request at the start of `buffer`, if it is all there: its
/// head with [`parse_head`], then its body with a fresh [`BodyDecoder`].
///
/// Errors are reported as soon as the bytes so far prove them: a request
/// line over the limit is a 414 before its line ending arrives, and a
/// bad header name is a 400 before the blank line.
pub fn parse_request(buffer: &[u8], limits: &Limits) -> Result<Parsed, ParseError> {
    let Some(head) = parse_head(buffer, limits)? else {
        return Ok(Parsed::Partial);
    };
    let mut body = BodyDecoder::new(head.framing);
    let used = body.feed(&buffer[head.length..], limits)?;
    if !body.is_done() {
        return Ok(Parsed::Partial);
    }
    let mut request = head.request;
    request.body = body.into_body();
    Ok(Parsed::Complete {
        request,
        consumed: head.length + used,
    })
}

/// A request head: everything before the body, and what it says about the
/// body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The request, with an empty body for now.
    pub request: Request,
    /// How its body is delimited.
    pub framing: Framing,
    /// How many bytes of the buffer the head took.
    pub length: usize,
}

/// Parses the head at the start of `buffer`: the request line, the header
/// fields and the empty line after them; `None` while that empty line has
/// not arrived.
pub fn parse_head(buffer: &[u8], limits: &Limits) -> Result<Option<Head>, ParseError> {
    let Some((line, line_length)) = parse_request_line(buffer, limits)? else {
        return Ok(None);
    };
    // Decoded now, not later: a bad target is a 400 however the rest
    // goes, and this way it is reported as soon as the line is in.
    let target = decode_request_target(line.target)?;
    let Some((headers, headers_length)) =
        parse_headers(&buffer[line_length..], line.version, limits)?
    else {
        return Ok(None);
    };
    let framing = body_framing(line.version, &headers, limits)?;
    Ok(Some(Head {
        request: Request {
            method: line.method,
            target: line.target.to_string(),
            path: target.path,
            query: target.query,
            version: line.version,
            headers,
            body: Vec::new(),
        },
        framing,
        length: line_length + headers_length,
    }))
}
// ANCHOR_END: parse_request

// ANCHOR: request_line
/// The three parts of a request line, borrowed from the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLine<'a> {
    /// GET, HEAD, POST, or another of [`Method`].
    pub method: Method,
    /// The target as sent: `/path?query` (origin-form) or
    /// `http://host/path?query` (absolute-form), visible ASCII only.
    pub target: &'a str,
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
}
// ANCHOR_END: request_line

// ANCHOR: next_line
/// The first line of `bytes` without its line ending, and where the next
/// line starts; `None` while the line ending has not arrived.
///
/// Lines end in CRLF, but a bare LF is accepted too (RFC 9112 section 2.2
/// allows it, and it is what `nc` sends when you type a request on Linux or
/// macOS). A CR anywhere else stays in the line, where the checks that
/// follow reject it as a control character.
pub fn next_line(bytes: &[u8]) -> Option<(&[u8], usize)> {
    let newline = bytes.iter().position(|&byte| byte == b'\n')?;
    let line = &bytes[..newline];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, newline + 1))
}

/// Whether `byte` may appear in a token, such as a method or a field name
/// (RFC 9110 section 5.6.2: `tchar`).
pub fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}
// ANCHOR_END: next_line

// ANCHOR: find_request_line
// ANCHOR: find_request_line_signature
/// The request line at the start of `buffer`, without its line ending, and
/// how many bytes it took (empty lines before it and its line ending
/// included); `None` while its line ending has not arrived.
#[expect(unused_variables, reason = "until you write exercise 3.1")]
pub fn find_request_line<'a>(
    buffer: &'a [u8],
    limits: &Limits,
) -> Result<Option<(&'a [u8], usize)>, ParseError> {
    // ANCHOR_END: find_request_line_signature
    todo!(
        "exercise 3.1: Find the request line (read book/src/ch03-http-parser.md#exercise-31-find-the-request-line)"
    )
}
// ANCHOR_END: find_request_line

// ANCHOR: parse_request_line
// ANCHOR: parse_request_line_signature
/// The request line at the start of `buffer`, and how many bytes it took
/// (line ending included); `None` while it has not all arrived.
#[expect(unused_variables, reason = "until you write exercise 3.2")]
pub fn parse_request_line<'a>(
    buffer: &'a [u8],
    limits: &Limits,
) -> Result<Option<(RequestLine<'a>, usize)>, ParseError> {
    // ANCHOR_END: parse_request_line_signature
    todo!(
        "exercise 3.2: Split the request line (read book/src/ch03-http-parser.md#exercise-32-split-the-request-line)"
    )
}

/// Accepts the two target forms a server must (RFC 9112 section 3.2):
/// origin-form, `/path?query`, which clients send to a server; and
/// absolute-form, `http://host/path?query`, which they send to a proxy and
/// which a server MUST accept too. The other two forms are for proxies:
/// authority-form (`host:443`) only goes with CONNECT, asterisk-form (`*`)
/// only with OPTIONS, and both are refused.
#[expect(dead_code, unused_variables, reason = "until you write exercise 3.2")]
fn check_target_form(method: Method, target: &[u8]) -> Result<(), ParseError> {
    todo!(
        "exercise 3.2: Split the request line (read book/src/ch03-http-parser.md#exercise-32-split-the-request-line)"
    )
}
// ANCHOR_END: parse_request_line

// ANCHOR: parse_headers
// ANCHOR: parse_headers_signature
/// The header fields at the start of `bytes` (which begin right after the
/// request line), up to and including the empty line that ends them, and
/// how many bytes they took; `None` while the empty line has not arrived.
/// `version` is needed for the `Host` rule.
#[expect(unused_variables, reason = "until you write exercise 3.4")]
pub fn parse_headers(
    bytes: &[u8],
    version: Version,
    limits: &Limits,
) -> Result<Option<(Headers, usize)>, ParseError> {
    // ANCHOR_END: parse_headers_signature
    todo!(
        "exercise 3.4: Parse the header section (read book/src/ch03-http-parser.md#exercise-34-parse-the-header-section)"
    )
}
// ANCHOR_END: parse_headers

// ANCHOR: parse_field_line
// ANCHOR: parse_field_line_signature
/// One field line, `Name: value`, split into its name and its value, or
/// why it is not one. The trailer fields of a chunked body are field lines
/// too, so chapter 3's chunked decoder checks them with this.
#[expect(unused_variables, reason = "until you write exercise 3.3")]
pub fn parse_field_line(line: &[u8]) -> Result<(&[u8], &[u8]), ParseError> {
    // ANCHOR_END: parse_field_line_signature
    todo!(
        "exercise 3.3: Read a field line (read book/src/ch03-http-parser.md#exercise-33-read-a-field-line)"
    )
}
// ANCHOR_END: parse_field_line

// ANCHOR: framing
/// How a request's body is delimited (RFC 9112 section 6.3): by a length
/// given up front, or in chunks that say their own length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Exactly this many bytes follow the head. A request with neither
    /// `Content-Length` nor `Transfer-Encoding` has no body: `Length(0)`.
    Length(usize),
    /// `Transfer-Encoding: chunked`: chunks, each with its size in front,
    /// until one of size zero (see [`crate::chunked`]).
    Chunked,
}
// ANCHOR_END: framing

// ANCHOR: body_framing
// ANCHOR: body_framing_signature
/// How the body that follows this head is delimited, going by its headers
/// alone: the one decision where client and server must agree to the
/// byte, or the rest of the connection is read wrong.
#[expect(unused_variables, reason = "until you write exercise 3.6")]
pub fn body_framing(
    version: Version,
    headers: &Headers,
    limits: &Limits,
) -> Result<Framing, ParseError> {
    // ANCHOR_END: body_framing_signature
    todo!(
        "exercise 3.6: Frame the body (read book/src/ch03-http-parser.md#exercise-36-frame-the-body)"
    )
}
// ANCHOR_END: body_framing

// ANCHOR: body_decoder
/// A body on its way in, read a piece at a time as it arrives.
///
/// A connection feeds it the bytes after the head as they come and drops
/// from its buffer whatever the decoder says it used, so a body is never
/// held twice, and each byte is looked at once however many reads it
/// takes to arrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyDecoder {
    /// A body of a length known from `Content-Length`.
    Length {
        /// The bytes so far.
        body: Vec<u8>,
        /// How many are still to come.
        left: usize,
    },
    /// A chunked body.
    Chunked(ChunkedDecoder),
}

impl BodyDecoder {
    /// A decoder for a body framed as `framing` says.
    pub fn new(framing: Framing) -> BodyDecoder {
        match framing {
            Framing::Length(left) => BodyDecoder::Length {
                body: Vec::new(),
                left,
            },
            Framing::Chunked => BodyDecoder::Chunked(ChunkedDecoder::new()),
        }
    }

    /// Takes what it can of `bytes`, the bytes that follow what it took
    /// before, and returns how many it took. Nothing after the end of the
    /// body is taken: it is the next request.
    pub fn feed(&mut self, bytes: &[u8], limits: &Limits) -> Result<usize, ParseError> {
        match self {
            BodyDecoder::Length { body, left } => {
                let taken = (*left).min(bytes.len());
                body.extend_from_slice(&bytes[..taken]);
                *left -= taken;
                Ok(taken)
            }
            BodyDecoder::Chunked(chunked) => chunked.feed(bytes, limits),
        }
    }

    /// Whether the whole body is in.
    pub fn is_done(&self) -> bool {
        match self {
            BodyDecoder::Length { left, .. } => *left == 0,
            BodyDecoder::Chunked(chunked) => chunked.is_done(),
        }
    }

    /// The body, decoded.
    pub fn into_body(self) -> Vec<u8> {
        match self {
            BodyDecoder::Length { body, .. } => body,
            BodyDecoder::Chunked(chunked) => chunked.into_body(),
        }
    }
}
// ANCHOR_END: body_decoder
