//! Middleware: functions around functions.
//!
//! A server, seen from the connection, is one function from a request to a
//! response. A middleware is a function that takes a request *and the next
//! function* and decides what to do around it: look at the request, call
//! `next`, look at the response, measure the time in between. Wrapped
//! around the router it sees every request, whichever route answers it.
//!
//! ```text
//! request ──▶ logging ──▶ router ──▶ handler
//! response ◀── logging ◀── router ◀──┘
//! ```
//!
//! [`layer`] puts a middleware around a handler and gives back a handler,
//! so layers stack: `layer(a, layer(b, router))` runs `a` outside `b`.
//! Handlers here are chapter 3's [`Handler`]s: the router is one, and any
//! `Fn(&Request) -> Response` too.

use std::io::Write;
#[expect(unused_imports, reason = "until you write exercise 6.3")]
use std::sync::{Mutex, PoisonError};
#[expect(unused_imports, reason = "until you write exercise 6.3")]
use std::time::Instant;

use chapter03::{Handler, Request, Response};

// ANCHOR: next
/// The rest of the stack, as a middleware sees it: call it with the request
/// to get the response of everything inside.
pub type Next<'a> = &'a dyn Fn(&Request) -> Response;

/// Wraps `inner` in `middleware`: the result answers a request by calling
/// `middleware` with the request and `inner` as its [`Next`].
pub fn layer<M, H>(middleware: M, inner: H) -> Layer<M, H>
where
    M: Fn(&Request, Next<'_>) -> Response,
    H: Handler,
{
    Layer { middleware, inner }
}

/// A handler inside a middleware: what [`layer`] builds.
pub struct Layer<M, H> {
    middleware: M,
    inner: H,
}

impl<M, H> Handler for Layer<M, H>
where
    M: Fn(&Request, Next<'_>) -> Response,
    H: Handler,
{
    fn respond(&self, request: &Request) -> Response {
        (self.middleware)(request, &|request: &Request| self.inner.respond(request))
    }

    /// A middleware looks at requests and responses, not bodies: whether
    /// the body matters is the inner handler's answer.
    fn reads_body(&self, head: &Request) -> bool {
        self.inner.reads_body(head)
    }
}
// ANCHOR_END: next

// ANCHOR: logging
// ANCHOR: logging_signature
/// A middleware that writes one line per request to `log`:
///
/// ```text
/// GET /hello/Ada 200 0.3ms
/// ```
///
/// The method, the target as the client sent it, the status, and how long
/// everything inside took. The log is any writer (standard error for the
/// program, a buffer in the tests), behind a [`Mutex`] because worker
/// threads finish requests at the same time and their lines must not mix.
#[expect(unused_variables, reason = "until you write exercise 6.3")]
pub fn logging<W>(log: W) -> impl Fn(&Request, Next<'_>) -> Response + Send + Sync
where
    W: Write + Send,
{
    let log = Mutex::new(log);
    move |request, next| {
        // ANCHOR_END: logging_signature
        todo!("exercise 6.3: Middleware (read book/src/ch06-framework.md#exercise-63-middleware)")
    }
}
// ANCHOR_END: logging
