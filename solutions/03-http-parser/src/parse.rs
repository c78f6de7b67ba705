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
//! and 7 reuse it unchanged under threads and under async. Each call starts
//! from the beginning of the buffer, as `httparse` does: a request head is
//! small, and starting over is simpler than remembering where we stopped.
//!
//! The grammar (RFC 9112 section 2.1), one piece per function:
//!
//! ```text
//! request-line   GET /search?q=rust HTTP/1.1\r\n        parse_request_line (3.1)
//! field lines    Host: example.com\r\n                   parse_headers      (3.2)
//!                Content-Length: 5\r\n
//! empty line     \r\n
//! body           hello                                   frame_body         (3.3)
//! ```

use std::fmt;

use crate::request::{Headers, Method, Request, Version};
use crate::response::StatusCode;
use crate::target::decode_target;

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
/// The largest body we accept, decided from `Content-Length` before reading
/// any of it: 413 Content Too Large. The whole body is kept in memory, so
/// without a limit one request could take all of it.
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
    /// The target is not origin-form (a `/` then visible ASCII).
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
    /// A POST without `Content-Length`.
    LengthRequired,
    /// A body longer than the limit.
    BodyTooLarge,
    /// A request line longer than the limit.
    RequestLineTooLong,
    /// A header section larger than the limit.
    HeaderSectionTooLarge,
    /// More header fields than the limit.
    TooManyHeaders,
    /// A well-formed method other than GET, HEAD and POST.
    MethodNotImplemented,
    /// `Transfer-Encoding` (chunked bodies), which this server does not
    /// implement.
    TransferEncodingNotImplemented,
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
            | DuplicateContentLength => StatusCode::BadRequest,
            LengthRequired => StatusCode::LengthRequired,
            BodyTooLarge => StatusCode::ContentTooLarge,
            RequestLineTooLong => StatusCode::UriTooLong,
            HeaderSectionTooLarge | TooManyHeaders => StatusCode::RequestHeaderFieldsTooLarge,
            MethodNotImplemented | TransferEncodingNotImplemented => StatusCode::NotImplemented,
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
            BadTarget => "The target must start with / and contain only visible ASCII characters.",
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
            LengthRequired => "A POST needs a Content-Length header.",
            BodyTooLarge => "The body is larger than this server accepts.",
            RequestLineTooLong => "The request line is longer than this server accepts.",
            HeaderSectionTooLarge => "The headers are larger than this server accepts.",
            TooManyHeaders => "The request has more header fields than this server accepts.",
            MethodNotImplemented => "This server implements only GET, HEAD and POST.",
            TransferEncodingNotImplemented => {
                "This server does not implement Transfer-Encoding; send Content-Length."
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
/// Parses the request at the start of `buffer`, if it is all there.
///
/// Errors are reported as soon as the bytes so far prove them: a request
/// line over the limit is a 414 before its line ending arrives, and a
/// bad header name is a 400 before the blank line.
pub fn parse_request(buffer: &[u8], limits: &Limits) -> Result<Parsed, ParseError> {
    let Some((line, line_length)) = parse_request_line(buffer, limits)? else {
        return Ok(Parsed::Partial);
    };
    // Decoded now, not later: a bad target is a 400 however the rest
    // goes, and this way it is reported as soon as the line is in.
    let target = decode_target(line.target)?;
    let Some((headers, headers_length)) =
        parse_headers(&buffer[line_length..], line.version, limits)?
    else {
        return Ok(Parsed::Partial);
    };
    let head_length = line_length + headers_length;
    let Some((body, body_length)) =
        frame_body(line.method, &headers, &buffer[head_length..], limits)?
    else {
        return Ok(Parsed::Partial);
    };
    Ok(Parsed::Complete {
        request: Request {
            method: line.method,
            target: line.target.to_string(),
            path: target.path,
            query: target.query,
            version: line.version,
            headers,
            body,
        },
        consumed: head_length + body_length,
    })
}
// ANCHOR_END: parse_request

// ANCHOR: request_line
/// The three parts of a request line, borrowed from the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLine<'a> {
    /// GET, HEAD or POST.
    pub method: Method,
    /// The target as sent: starts with `/`, visible ASCII only.
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

// ANCHOR: parse_request_line
// ANCHOR: parse_request_line_signature
/// The request line at the start of `buffer`, and how many bytes it took
/// (line ending included); `None` while it has not all arrived.
pub fn parse_request_line<'a>(
    buffer: &'a [u8],
    limits: &Limits,
) -> Result<Option<(RequestLine<'a>, usize)>, ParseError> {
    // ANCHOR_END: parse_request_line_signature
    // exercise 3.1: Parse the request line
    // RFC 9112 section 2.2: a server SHOULD ignore empty lines before the
    // request line (some clients send an extra CRLF after a POST body).
    let mut start = 0;
    let (line, length) = loop {
        let Some((line, length)) = next_line(&buffer[start..]) else {
            // No line ending yet. If what we have is already too long, it
            // will only get longer: say so now rather than buffer on.
            if buffer.len() > limits.max_request_line {
                return Err(ParseError::RequestLineTooLong);
            }
            return Ok(None);
        };
        if !line.is_empty() {
            break (line, start + length);
        }
        start += length;
    };
    if length > limits.max_request_line {
        return Err(ParseError::RequestLineTooLong);
    }
    // RFC 9112 section 3: request-line = method SP request-target SP
    // HTTP-version, single spaces. Splitting on every space means an extra
    // space makes an empty part or a fourth part: both rejected.
    let mut parts = line.split(|&byte| byte == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ParseError::BadRequestLine);
    };
    if method.is_empty() || target.is_empty() || version.is_empty() {
        return Err(ParseError::BadRequestLine);
    }
    if !method.iter().all(|&byte| is_token_byte(byte)) {
        return Err(ParseError::BadMethod);
    }
    // Methods are case-sensitive (RFC 9110 section 9.1): `get` is a
    // well-formed method we do not implement, not GET.
    let method = match method {
        b"GET" => Method::Get,
        b"HEAD" => Method::Head,
        b"POST" => Method::Post,
        _ => return Err(ParseError::MethodNotImplemented),
    };
    // Origin-form only (RFC 9112 section 3.2.1): `/path?query`. Visible
    // ASCII only, so the target is valid UTF-8 and holds no control bytes.
    if target[0] != b'/' || !target.iter().all(|byte| byte.is_ascii_graphic()) {
        return Err(ParseError::BadTarget);
    }
    let target = std::str::from_utf8(target).map_err(|_| ParseError::BadTarget)?;
    let version = match version {
        b"HTTP/1.1" => Version::Http11,
        b"HTTP/1.0" => Version::Http10,
        // Well-formed but not ours (HTTP/2.0, HTTP/1.2): 505 says "I speak
        // HTTP, just not that version" (RFC 9110 section 15.6.6).
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            return Err(ParseError::VersionNotSupported);
        }
        _ => return Err(ParseError::BadVersion),
    };
    Ok(Some((
        RequestLine {
            method,
            target,
            version,
        },
        length,
    )))
    // end exercise
}
// ANCHOR_END: parse_request_line

// ANCHOR: parse_headers
// ANCHOR: parse_headers_signature
/// The header fields at the start of `bytes` (which begin right after the
/// request line), up to and including the empty line that ends them, and
/// how many bytes they took; `None` while the empty line has not arrived.
/// `version` is needed for the `Host` rule.
pub fn parse_headers(
    bytes: &[u8],
    version: Version,
    limits: &Limits,
) -> Result<Option<(Headers, usize)>, ParseError> {
    // ANCHOR_END: parse_headers_signature
    // exercise 3.2: Parse the header fields
    let mut headers = Headers::new();
    let mut used = 0;
    loop {
        let Some((line, length)) = next_line(&bytes[used..]) else {
            // Checked before the section ends, or a client could send
            // headers forever and we would buffer them forever.
            if bytes.len() > limits.max_header_bytes {
                return Err(ParseError::HeaderSectionTooLarge);
            }
            return Ok(None);
        };
        used += length;
        if used > limits.max_header_bytes {
            return Err(ParseError::HeaderSectionTooLarge);
        }
        if line.is_empty() {
            break;
        }
        if headers.len() == limits.max_headers {
            return Err(ParseError::TooManyHeaders);
        }
        // RFC 9112 section 5.2: a server MUST either reject a line that
        // starts with whitespace (an obsolete way to continue the previous
        // value) or unfold it. Rejecting is simpler and safer.
        if line[0] == b' ' || line[0] == b'\t' {
            return Err(ParseError::ObsoleteLineFolding);
        }
        let colon = line
            .iter()
            .position(|&byte| byte == b':')
            .ok_or(ParseError::MissingColon)?;
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        // RFC 9112 section 5.1: a server MUST reject whitespace between
        // the name and the colon with 400; proxies that disagreed about
        // such names have been tricked into smuggling requests.
        if name.ends_with(b" ") || name.ends_with(b"\t") {
            return Err(ParseError::SpaceBeforeColon);
        }
        if name.is_empty() || !name.iter().all(|&byte| is_token_byte(byte)) {
            return Err(ParseError::BadHeaderName);
        }
        // RFC 9110 section 5.5: leading and trailing whitespace is not
        // part of the value.
        let value = value.trim_ascii();
        if value
            .iter()
            .any(|&byte| byte.is_ascii_control() && byte != b'\t')
        {
            return Err(ParseError::BadHeaderValue);
        }
        // Names are tokens, so ASCII. A value may hold bytes above 0x7F
        // (RFC 9110 calls them obs-text); none of the fields we read does,
        // so they become U+FFFD rather than an error.
        headers.append(
            String::from_utf8_lossy(name),
            String::from_utf8_lossy(value),
        );
    }
    // RFC 9112 section 3.2: a server MUST answer 400 to an HTTP/1.1
    // request without Host, and to any request with more than one.
    match headers.get_all("Host").count() {
        0 if version == Version::Http11 => return Err(ParseError::MissingHost),
        0 | 1 => {}
        _ => return Err(ParseError::DuplicateHost),
    }
    Ok(Some((headers, used)))
    // end exercise
}
// ANCHOR_END: parse_headers

// ANCHOR: frame_body
// ANCHOR: frame_body_signature
/// The body that follows the head, going by the headers alone, and how
/// many bytes it took; `None` while it has not all arrived. `bytes` are
/// the bytes after the head.
pub fn frame_body(
    method: Method,
    headers: &Headers,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Option<(Vec<u8>, usize)>, ParseError> {
    // ANCHOR_END: frame_body_signature
    // exercise 3.3: Frame the body
    // RFC 9112 section 6.3: Transfer-Encoding overrides Content-Length, and
    // we do not implement chunked decoding (RFC 9112 section 6.1: a server
    // that receives a transfer coding it does not understand SHOULD answer
    // 501). Guessing instead is how request smuggling starts.
    if headers.contains("Transfer-Encoding") {
        return Err(ParseError::TransferEncodingNotImplemented);
    }
    let mut lengths = headers.get_all("Content-Length");
    let length = match (lengths.next(), lengths.next()) {
        (None, _) => {
            // Without a length, a POST body has no end we could find
            // (RFC 9112 section 6.3: the server may answer 411). A GET or
            // HEAD simply has no body.
            if method == Method::Post {
                return Err(ParseError::LengthRequired);
            }
            0
        }
        // RFC 9112 section 6.3: several Content-Length fields (even equal
        // ones) are unrecoverable; a server MUST treat the message as
        // invalid.
        (Some(_), Some(_)) => return Err(ParseError::DuplicateContentLength),
        (Some(value), None) => {
            // Digits only: `+5`, `5 5`, `0x10` and `-1` are all invalid,
            // and `str::parse` would take the `+`.
            if value.is_empty() || !value.bytes().all(|byte| byte.is_ascii_digit()) {
                return Err(ParseError::BadContentLength);
            }
            // All digits but too big for a usize is certainly over the
            // limit too.
            match value.parse::<usize>() {
                Ok(length) if length <= limits.max_body => length,
                _ => return Err(ParseError::BodyTooLarge),
            }
        }
    };
    if bytes.len() < length {
        return Ok(None);
    }
    Ok(Some((bytes[..length].to_vec(), length)))
    // end exercise
}
// ANCHOR_END: frame_body
