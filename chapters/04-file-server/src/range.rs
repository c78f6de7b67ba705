//! `Range: bytes=...`: send part of a file (RFC 9110, section 14).
//!
//! A video player that jumps to minute 40 asks for the bytes from there on;
//! a download manager that lost its connection at 700 MB asks for the rest.
//! Both send a `Range` header, and we answer `206 Partial Content` with just
//! those bytes and a `Content-Range` header that says which part they are.
//!
//! ```text
//! Range: bytes=0-9      the first ten bytes (0 to 9, both included)
//! Range: bytes=10-      from byte 10 to the end
//! Range: bytes=-5       the last five bytes
//! ```

// ANCHOR: range
/// What to send of a file, given its `Range` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAnswer {
    /// No range, or one we do not serve: the whole file, `200 OK`.
    Full,
    /// The bytes `start..=end` (both included, as in the header),
    /// `206 Partial Content`.
    Partial {
        /// The first byte to send.
        start: u64,
        /// The last byte to send.
        end: u64,
    },
    /// A range that lies entirely past the end of the file:
    /// `416 Range Not Satisfiable`.
    Unsatisfiable,
}

impl RangeAnswer {
    /// The `Content-Range` value for this answer on a file of `length`
    /// bytes: `bytes 0-9/1000` for a part, `bytes */1000` for a 416, which
    /// tells the client how long the file really is.
    pub fn content_range(self, length: u64) -> Option<String> {
        match self {
            RangeAnswer::Full => None,
            RangeAnswer::Partial { start, end } => Some(format!("bytes {start}-{end}/{length}")),
            RangeAnswer::Unsatisfiable => Some(format!("bytes */{length}")),
        }
    }
}
// ANCHOR_END: range

// ANCHOR: parse_range
// ANCHOR: parse_range_signature
/// What a request with this `Range` header value gets from a file of
/// `length` bytes.
#[expect(unused_variables, reason = "until you write exercise 4.5")]
pub fn parse_range(header: Option<&str>, length: u64) -> RangeAnswer {
    // ANCHOR_END: parse_range_signature
    todo!(
        "exercise 4.5: Range requests (read book/src/ch04-file-server.md#exercise-45-range-requests)"
    )
}
// ANCHOR_END: parse_range

/// A decimal number made of digits only (no sign, no spaces), or `None`.
/// A number too large for u64 is `None` too: no file is that long.
#[expect(dead_code, reason = "until you write exercise 4.5")]
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}
