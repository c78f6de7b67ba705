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

#[expect(unused_imports, reason = "until you write exercise 3.5")]
use chapter02::form::hex_byte;

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
#[expect(unused_variables, reason = "until you write exercise 3.5")]
pub fn decode_target(target: &str) -> Result<DecodedTarget, ParseError> {
    // ANCHOR_END: decode_target_signature
    todo!(
        "exercise 3.5: Decode the target (read book/src/ch03-http-parser.md#exercise-35-decode-the-target)"
    )
}
// ANCHOR_END: decode_target

// ANCHOR: absolute_form
/// The authority and the rest of an absolute-form target:
/// `http://example.com:8080/a?b=1` gives `("example.com:8080", "/a?b=1")`.
/// `None` for any other form. The scheme must be `http` or `https`, in any
/// case (RFC 3986 section 3.1: schemes are case-insensitive).
pub fn split_absolute_form(target: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = target.split_once("://")?;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return None;
    }
    // The authority ends where the path or the query starts.
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    Some(rest.split_at(end))
}

/// The origin form of a target: the target itself when it starts with `/`,
/// and the path and query of an absolute-form target, which may be empty
/// (`http://example.com` is `/`, RFC 9110 section 4.2.3).
pub fn origin_form(target: &str) -> &str {
    match split_absolute_form(target) {
        Some((_authority, origin)) => origin,
        None => target,
    }
}

/// [`decode_target`] for a target in origin form or absolute form: an
/// empty path (`http://example.com`, or `http://example.com?q=1`) is `/`.
pub fn decode_request_target(target: &str) -> Result<DecodedTarget, ParseError> {
    match origin_form(target) {
        origin if origin.starts_with('/') => decode_target(origin),
        // Only an absolute form with no path gets here.
        origin => decode_target(&format!("/{origin}")),
    }
}
// ANCHOR_END: absolute_form
