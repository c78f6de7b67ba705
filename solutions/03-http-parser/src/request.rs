//! What a parsed request is: [`Request`], its [`Method`], its [`Version`]
//! and its [`Headers`].
//!
//! These are plain owned values with no I/O in them: the parser in
//! [`crate::parse`] builds them from bytes, and a handler reads them. The
//! request owns its strings, so the connection can drop the bytes it was
//! parsed from (and read the next request into the same buffer) while the
//! handler still holds it.

use std::fmt;

use crate::target::{origin_form, split_absolute_form};

// ANCHOR: method
/// The request methods this server recognises: the methods of RFC 9110
/// section 9, and PATCH (RFC 5789). A handler decides which it answers
/// (chapter 3's site answers GET, HEAD and POST, and 405 to the others on
/// its pages); any other well-formed method is answered `501 Not
/// Implemented` by the parser (RFC 9110 section 9.1), so a handler never
/// meets one.
///
/// CONNECT is recognised too, but never becomes a `Method`: it asks the
/// server to open a tunnel to another host, which is a proxy's job, so the
/// parser answers it 501 itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Fetch what lives at the target.
    Get,
    /// Exactly like GET, but the response carries no body: the connection
    /// drops it, so a handler answers HEAD just as it answers GET.
    Head,
    /// Send a body (a form, for us) to the target, to be processed.
    Post,
    /// Store the body at the target, replacing what was there.
    Put,
    /// Remove what lives at the target.
    Delete,
    /// Ask which methods the target answers.
    Options,
    /// Echo the request back, for debugging a chain of proxies.
    Trace,
    /// Change part of what lives at the target.
    Patch,
}

impl Method {
    /// Every method, in the order an `Allow` header lists them.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Head,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Options,
        Method::Trace,
        Method::Patch,
    ];

    /// The method as it appears on the wire: `GET`, `HEAD`, `POST`...
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Trace => "TRACE",
            Method::Patch => "PATCH",
        }
    }

    /// The method spelled by `token`, if it is one of ours. Methods are
    /// case-sensitive (RFC 9110 section 9.1): `get` is not GET.
    pub fn from_token(token: &[u8]) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|method| method.as_str().as_bytes() == token)
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
    /// GET, HEAD, POST, or another of [`Method`].
    pub method: Method,
    /// The request target exactly as sent, such as `/search?q=caf%C3%A9`
    /// (or `http://example.com/search?q=caf%C3%A9`, the absolute form a
    /// client sends to a proxy): for logs, and for anyone who needs the
    /// undecoded form.
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
    /// The body, decoded: exactly `Content-Length` bytes, or the chunks of
    /// a chunked body put together; empty when there is none.
    pub body: Vec<u8>,
}

impl Request {
    /// The path part of the target as sent, before percent-decoding
    /// (`/caf%C3%A9` for the target `/caf%C3%A9?x=1`, and for
    /// `http://example.com/caf%C3%A9?x=1` too).
    pub fn raw_path(&self) -> &str {
        let origin = origin_form(&self.target);
        let path = match origin.split_once('?') {
            Some((path, _query)) => path,
            None => origin,
        };
        if path.is_empty() { "/" } else { path }
    }

    /// The host the request is for: the authority of an absolute-form
    /// target (`example.com:8080` in `http://example.com:8080/`), which
    /// RFC 9112 section 3.2.2 says a server MUST use instead of `Host`,
    /// or else the `Host` header.
    pub fn host(&self) -> Option<&str> {
        match split_absolute_form(&self.target) {
            Some((authority, _origin_form)) => Some(authority),
            None => self.headers.get("Host"),
        }
    }

    /// Whether the client waits for `100 Continue` before it sends the
    /// body (RFC 9110 section 10.1.1). An HTTP/1.0 client cannot know that
    /// status, so its `Expect` MUST be ignored.
    pub fn expects_continue(&self) -> bool {
        self.version == Version::Http11 && self.headers.has_token("Expect", "100-continue")
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
