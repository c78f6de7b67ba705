//! What a parsed request is: [`Request`], its [`Method`], its [`Version`]
//! and its [`Headers`].
//!
//! These are plain owned values with no I/O in them: the parser in
//! [`crate::parse`] builds them from bytes, and a handler reads them. The
//! request owns its strings, so the connection can drop the bytes it was
//! parsed from (and read the next request into the same buffer) while the
//! handler still holds it.

use std::fmt;

// ANCHOR: method
/// The methods this server implements. Any other well-formed method is
/// answered 501 Not Implemented by the parser (RFC 9110 section 9.1: an
/// origin server that does not recognise or implement a method SHOULD
/// answer 501), so a handler never meets one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Fetch what lives at the target.
    Get,
    /// Exactly like GET, but the response carries no body: the connection
    /// drops it, so a handler answers HEAD just as it answers GET.
    Head,
    /// Send a body (a form, for us) to the target.
    Post,
}

impl Method {
    /// The method as it appears on the wire: `GET`, `HEAD`, `POST`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
// ANCHOR_END: method

// ANCHOR: version
/// The HTTP versions this server speaks. Another well-formed `HTTP/x.y`
/// is answered 505 by the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// HTTP/1.0: one request per connection unless the client asks for
    /// `Connection: keep-alive`.
    Http10,
    /// HTTP/1.1: connections stay open unless someone says
    /// `Connection: close`.
    Http11,
}

impl Version {
    /// The version as it appears on the wire: `HTTP/1.0` or `HTTP/1.1`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
// ANCHOR_END: version

// ANCHOR: headers
/// Header fields in the order they arrived, names as the client spelled
/// them.
///
/// Field names are case-insensitive (RFC 9110 section 5.1), so every
/// lookup ignores case: `get("content-length")` finds `Content-Length`. A
/// field may appear more than once (`Accept` split over two lines, say);
/// [`Headers::get_all`] returns every value in order. Fifty or so fields at
/// most, so a `Vec` and a linear search beat a map: no hashing, and the
/// order is kept for free.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    fields: Vec<(String, String)>,
}

impl Headers {
    /// No fields.
    pub fn new() -> Headers {
        Headers::default()
    }

    /// Adds a field after the others, keeping any earlier field of the
    /// same name.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.fields.push((name.into(), value.into()));
    }

    /// The value of the first field called `name` (any case), if any.
    pub fn get<'a>(&'a self, name: &str) -> Option<&'a str> {
        self.get_all(name).next()
    }

    /// The values of every field called `name` (any case), in order.
    pub fn get_all<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.fields
            .iter()
            .filter(move |(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Whether any field is called `name` (any case).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Whether a comma-separated field such as `Connection: keep-alive,
    /// Upgrade` lists `token` (any case), in any of its lines.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.get_all(name)
            .flat_map(|value| value.split(','))
            .any(|item| item.trim().eq_ignore_ascii_case(token))
    }

    /// Every `(name, value)` pair, in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// How many fields (repeated names counted each time).
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no fields at all.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}
// ANCHOR_END: headers

// ANCHOR: request
/// One complete request, as the parser built it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// GET, HEAD or POST.
    pub method: Method,
    /// The request target exactly as sent, such as `/search?q=caf%C3%A9`:
    /// for logs, and for anyone who needs the undecoded form.
    pub target: String,
    /// The path part of the target, percent-decoded: `/caf%C3%A9` arrives
    /// here as `/café`. Decoding happens once, here, so a handler never
    /// compares an encoded path with a decoded one. Note that `%2F`
    /// decodes to `/` and `%00` to a NUL: a handler that maps paths to
    /// files must check what it gets (chapter 4 does).
    pub path: String,
    /// The query (after the first `?`) as decoded `(name, value)` pairs in
    /// order; empty when there is no query.
    pub query: Vec<(String, String)>,
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    /// The header fields, in order.
    pub headers: Headers,
    /// The body: exactly `Content-Length` bytes, empty when there is none.
    pub body: Vec<u8>,
}

impl Request {
    /// The path part of the target as sent, before percent-decoding
    /// (`/caf%C3%A9` for the target `/caf%C3%A9?x=1`).
    pub fn raw_path(&self) -> &str {
        match self.target.split_once('?') {
            Some((path, _query)) => path,
            None => &self.target,
        }
    }

    /// The value of the first query parameter called `name` (exact case:
    /// unlike header names, query names are case-sensitive).
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}
// ANCHOR_END: request
