//! The site: chapter 3's page, picture and form, a slow route and a broken
//! one.
//!
//! ```text
//! GET or HEAD /sleep?ms=N   200 after waiting N ms (at most MAX_SLEEP): a slow request
//! GET or HEAD /panic        the handler panics: the server answers 500 and lives on
//! anything else             chapter 3's site (/, /picture.jpg, POST /, 404, 405)
//! ```

use std::future::Future;

use chapter03::site::{method_not_allowed, reads_body, route as chapter03_route};
use chapter03::{Method, Request, Response};
use chapter05::site::{sleep_asked, slept};

use crate::handler::Handler;

/// Chapter 5's limits for `/sleep`, read by its `sleep_asked`.
pub use chapter05::site::{DEFAULT_SLEEP, MAX_SLEEP};

// ANCHOR: route
/// The response to `request`. An `async fn`, so the server can call it as
/// its handler; chapter 3's routes are plain functions and are called as
/// they are.
pub async fn route(request: Request) -> Response {
    let readable = matches!(request.method, Method::Get | Method::Head);
    match request.path.as_str() {
        "/sleep" if readable => sleep(&request).await,
        "/panic" if readable => {
            panic!("GET /panic: this handler panics on purpose, to show the server survives it")
        }
        "/sleep" | "/panic" => method_not_allowed("GET, HEAD"),
        _ => chapter03_route(&request),
    }
}

/// The site as a handler: [`route`], and chapter 3's answer to which
/// requests need their body (only the form's POST; `/sleep` and `/panic`
/// read none).
#[derive(Debug, Clone, Copy, Default)]
pub struct Site;

impl Handler for Site {
    fn respond(&self, request: Request) -> impl Future<Output = Response> + Send + 'static {
        route(request)
    }

    fn reads_body(&self, head: &Request) -> bool {
        reads_body(head)
    }
}
// ANCHOR_END: route

// ANCHOR: sleep
/// Waits as long as `?ms=` says (at most [`MAX_SLEEP`]), then answers: a
/// stand-in for a request that waits on something, like a database.
///
/// `tokio::time::sleep`, never `std::thread::sleep`: the first suspends
/// this task and frees the thread for the others; the second would block
/// the runtime thread, and every task waiting to run on it.
async fn sleep(request: &Request) -> Response {
    let duration = match sleep_asked(request) {
        Ok(duration) => duration,
        Err(bad) => return bad,
    };
    eprintln!("sleeping {} ms", duration.as_millis());
    tokio::time::sleep(duration).await;
    slept(duration)
}
// ANCHOR_END: sleep
