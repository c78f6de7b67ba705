//! Chunked bodies: a body whose length nobody knew when it started.
//!
//! A client that streams an upload (`curl -T -` reading a pipe, a program
//! sending what it produces) cannot write `Content-Length` first. It sends
//! `Transfer-Encoding: chunked` instead, and the body in chunks, each with
//! its size in hex in front, until a chunk of size zero (RFC 9112 section
//! 7.1). RFC 9112 says every HTTP/1.1 recipient MUST be able to read it:
//!
//! ```text
//! 5\r\n                    a chunk of 5 bytes
//! hello\r\n                the 5 bytes, then CRLF
//! 7;note=x\r\n             7 bytes; ";note=x" is an extension, ignored
//! , world\r\n
//! 0\r\n                    the last chunk: size zero
//! Checksum: 1234\r\n       trailer fields, read and dropped
//! \r\n                     the end of the body
//! ```
//!
//! decodes to `hello, world`. [`ChunkedDecoder`] reads it a piece at a time
//! and remembers where it is, so a body split over any number of reads
//! decodes to the same bytes, and no byte is looked at twice.
//!
//! Every line here ends with CRLF, exactly. The request head accepts a bare
//! LF, because people type requests into `nc`; a chunked body is written by
//! programs, and parsers that disagree about a lone LF or a space in a
//! chunk size are how requests have been smuggled past proxies.

#[expect(unused_imports, reason = "until you write exercise 3.10")]
use crate::parse::{Limits, ParseError, parse_field_line};

// ANCHOR: limits
/// The longest chunk-size line we read, extensions and CRLF included. A
/// size is at most 16 hex digits; this leaves room for extensions, which
/// nobody sends in practice, without letting a client send a line forever.
pub const MAX_CHUNK_LINE: usize = 1024;
// ANCHOR_END: limits

// ANCHOR: decoder
/// Decodes one chunked body, fed a piece at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChunkedDecoder {
    /// The data of the chunks read so far.
    body: Vec<u8>,
    /// Where in the chunked body the next byte belongs.
    state: State,
    /// How many bytes of trailer fields were read, for their limit.
    trailer_bytes: usize,
}

/// Where the decoder is in the grammar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum State {
    /// At the start of a chunk-size line.
    #[default]
    Size,
    /// Inside a chunk's data, with this many bytes still to come.
    #[expect(dead_code, reason = "until you write exercise 3.10")]
    Data { left: usize },
    /// After a chunk's data, where CRLF must follow.
    #[expect(dead_code, reason = "until you write exercise 3.10")]
    DataEnd,
    /// After the last chunk: trailer fields, until an empty line.
    #[expect(dead_code, reason = "until you write exercise 3.10")]
    Trailers,
    /// The whole body is in.
    Done,
}
// ANCHOR_END: decoder

impl ChunkedDecoder {
    /// A decoder at the start of a chunked body.
    pub fn new() -> ChunkedDecoder {
        ChunkedDecoder::default()
    }

    // ANCHOR: feed
    // ANCHOR: feed_signature
    /// Decodes what it can of `bytes`, which follow what it was fed before,
    /// and returns how many it used: the caller drops those and feeds the
    /// rest again, with whatever arrived since.
    ///
    /// A line is used only once it is whole; chunk data is used as it
    /// comes. After the end of the body nothing more is used: what follows
    /// is the next request. Errors come as soon as the bytes prove them: a
    /// chunk that would take the body over `limits.max_body` is refused from
    /// its size line, before any of its data arrives.
    #[expect(unused_variables, reason = "until you write exercise 3.10")]
    pub fn feed(&mut self, bytes: &[u8], limits: &Limits) -> Result<usize, ParseError> {
        // ANCHOR_END: feed_signature
        todo!(
            "exercise 3.10: Decode a chunked body (read book/src/ch03-http-parser.md#exercise-310-decode-a-chunked-body)"
        )
    }
    // ANCHOR_END: feed

    /// Whether the last chunk and the trailer section are in.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The body, the chunks' data put together.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }
}

// ANCHOR: crlf_line
/// The line at the start of `bytes` without its CRLF, and how many bytes it
/// took with the CRLF; `None` while its end has not arrived.
///
/// A line longer than `max` (CRLF included) is [`ParseError::ChunkLineTooLong`],
/// found as soon as `max` bytes have come without an end. A line that ends
/// in a bare LF is [`ParseError::MissingChunkCrlf`].
#[expect(dead_code, reason = "until you write exercise 3.10")]
fn crlf_line(bytes: &[u8], max: usize) -> Result<Option<(&[u8], usize)>, ParseError> {
    let Some(newline) = bytes.iter().take(max).position(|&byte| byte == b'\n') else {
        if bytes.len() >= max {
            return Err(ParseError::ChunkLineTooLong);
        }
        return Ok(None);
    };
    match bytes[..newline].strip_suffix(b"\r") {
        Some(line) => Ok(Some((line, newline + 1))),
        None => Err(ParseError::MissingChunkCrlf),
    }
}
// ANCHOR_END: crlf_line

// ANCHOR: chunk_size
/// The size on a chunk-size line: hex digits, then perhaps extensions,
/// which start with `;` (RFC 9112 section 7.1.1) and are ignored.
#[expect(dead_code, reason = "until you write exercise 3.10")]
fn chunk_size(line: &[u8]) -> Result<usize, ParseError> {
    let digits_end = line
        .iter()
        .position(|byte| !byte.is_ascii_hexdigit())
        .unwrap_or(line.len());
    let (digits, extensions) = line.split_at(digits_end);
    if digits.is_empty() {
        return Err(ParseError::BadChunkSize);
    }
    // Whitespace is allowed only before a `;`: `5 ` or `5 5` is not a size.
    // A control character (a CR, say) has no place in an extension either.
    if !extensions.is_empty() {
        let spaces = extensions
            .iter()
            .take_while(|&&byte| byte == b' ' || byte == b'\t')
            .count();
        let extensions = &extensions[spaces..];
        if !extensions.starts_with(b";")
            || extensions
                .iter()
                .any(|&byte| byte.is_ascii_control() && byte != b'\t')
        {
            return Err(ParseError::BadChunkSize);
        }
    }
    // Hex digits only (from_str_radix alone would take a `+`). Leading
    // zeros are allowed; a size too big for a usize is over any limit.
    let digits = std::str::from_utf8(digits).map_err(|_| ParseError::BadChunkSize)?;
    usize::from_str_radix(digits, 16).map_err(|_| ParseError::BodyTooLarge)
}
// ANCHOR_END: chunk_size
