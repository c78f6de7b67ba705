//! The request target: path and query, percent-decoded.
//!
//! A target such as `/search?q=caf%C3%A9+au+lait&page=2` is ASCII on the
//! wire (RFC 3986): any other byte, and any byte that would be read as
//! syntax (`?`, `&`, `=`, a space), travels as `%` and two hex digits. The
//! handler wants what the client meant:
//!
//! ```text
//! path   "/search"
//! query  [("q", "café au lait"), ("page", "2")]
//! ```

use crate::parse::ParseError;

// ANCHOR: decoded_target
/// A target split at its first `?` and decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedTarget {
    /// The path, percent-decoded, such as `/café`.
    pub path: String,
    /// The query's `(name, value)` pairs, decoded, in order.
    pub query: Vec<(String, String)>,
}
// ANCHOR_END: decoded_target

// ANCHOR: decode_target
// ANCHOR: decode_target_signature
/// Splits `target` into its path and its query and decodes both.
///
/// A `%` that is not followed by two hex digits, or decoded bytes that are
/// not UTF-8, make the target unreadable: a 400, because guessing what a
/// client meant by a broken path is how servers end up serving the wrong
/// file.
pub fn decode_target(target: &str) -> Result<DecodedTarget, ParseError> {
    // ANCHOR_END: decode_target_signature
    // exercise 3.4: Decode the target
    /// Undoes `%XX` (and, in a query, `+` for a space). Decoding goes to
    /// bytes first, UTF-8 second, because one character may be several
    /// `%XX` in a row: `é` is `%C3%A9`, and neither half is a character.
    fn decode(encoded: &str, plus_is_space: bool) -> Result<String, ParseError> {
        let encoded = encoded.as_bytes();
        let mut bytes = Vec::with_capacity(encoded.len());
        let mut i = 0;
        while i < encoded.len() {
            match encoded[i] {
                b'%' => {
                    let byte = encoded
                        .get(i + 1..i + 3)
                        .and_then(hex_byte)
                        .ok_or(ParseError::BadPercentEncoding)?;
                    bytes.push(byte);
                    i += 3;
                }
                // Only in a query: `+` for a space comes from HTML forms
                // (application/x-www-form-urlencoded), not from URLs, so in
                // a path `+` is just a plus.
                b'+' if plus_is_space => {
                    bytes.push(b' ');
                    i += 1;
                }
                other => {
                    bytes.push(other);
                    i += 1;
                }
            }
        }
        String::from_utf8(bytes).map_err(|_| ParseError::TargetNotUtf8)
    }

    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    let mut pairs = Vec::new();
    // `?` alone, or `a=1&&b=2`, leave empty pieces: skip them.
    for pair in query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
    {
        // Split before decoding: an `=` or `&` that was sent as `%3D` or
        // `%26` is data, not syntax. A name without `=` has an empty value.
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        pairs.push((decode(name, true)?, decode(value, true)?));
    }
    Ok(DecodedTarget {
        path: decode(path, false)?,
        query: pairs,
    })
    // end exercise
}
// ANCHOR_END: decode_target

/// Two hex digits (`3C` or `3c`) as the byte they spell, or `None` when
/// they are not two hex digits.
fn hex_byte(digits: &[u8]) -> Option<u8> {
    let [high, low] = digits else {
        return None;
    };
    let value = |digit: u8| char::from(digit).to_digit(16);
    // Two hex digits make at most 0xFF, so the result always fits a byte.
    Some((value(*high)? * 16 + value(*low)?) as u8)
}
