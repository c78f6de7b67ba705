//! What the server calls to answer a request: a [`Handler`], chapter 3's
//! idea in async.
//!
//! Any `async fn(Request) -> Response`, or closure returning such a
//! future, is a handler. As in chapter 3, a handler may also say which
//! requests it answers without their body ([`Handler::reads_body`]), so a
//! client that waits with `Expect: 100-continue` gets a 404 or 405 at
//! once instead of uploading for nothing.

use std::future::Future;

use chapter03::{Request, Response};

// ANCHOR: handler
/// Answers the requests of a server, on any of the runtime's threads.
pub trait Handler: Send + Sync + 'static {
    /// The response to a complete request. The request is the future's
    /// own (by value): the future may live across awaits, on another
    /// thread, long after the connection's loop moved on to its buffer.
    fn respond(&self, request: Request) -> impl Future<Output = Response> + Send + 'static;

    /// Whether the response to a request with this head depends on its
    /// body; see chapter 3's `Handler::reads_body`. The default, `true`,
    /// is always safe.
    fn reads_body(&self, head: &Request) -> bool {
        let _ = head;
        true
    }
}

/// A function from a request to a future of a response is a handler that
/// reads every body.
impl<H, F> Handler for H
where
    H: Fn(Request) -> F + Send + Sync + 'static,
    F: Future<Output = Response> + Send + 'static,
{
    fn respond(&self, request: Request) -> impl Future<Output = Response> + Send + 'static {
        self(request)
    }
}
// ANCHOR_END: handler
