//! What a server calls to answer a request: a [`Handler`].
//!
//! Most of the time a handler is a plain function from a request to a
//! response, and any `Fn(&Request) -> Response` is one. The trait exists
//! for one question a function cannot answer: when a client sends
//! `Expect: 100-continue`, it asks "will you want my body?" before sending
//! it. If the answer is a 404 or a 405 whatever the body says, the client
//! should get that at once instead of uploading for nothing (RFC 9110
//! section 10.1.1). A handler that knows says so in
//! [`Handler::reads_body`]; chapter 3's site and chapter 6's router do.

use crate::request::Request;
use crate::response::Response;

// ANCHOR: handler
/// Answers the requests of a server.
pub trait Handler {
    /// The response to a complete request: its head and its body.
    fn respond(&self, request: &Request) -> Response;

    /// Whether the response to a request with this head depends on its
    /// body, asked before the body is read when the client waits for
    /// `100 Continue`. `false` is a promise that [`Handler::respond`],
    /// given the head with an empty body, answers exactly as it would with
    /// the body; the connection then answers at once and closes. The
    /// default, `true`, is always safe: the client gets `100 Continue` and
    /// sends the body.
    fn reads_body(&self, head: &Request) -> bool {
        let _ = head;
        true
    }
}

/// A function or closure from a request to a response is a handler that
/// reads every body.
impl<F> Handler for F
where
    F: Fn(&Request) -> Response,
{
    fn respond(&self, request: &Request) -> Response {
        self(request)
    }
}
// ANCHOR_END: handler
