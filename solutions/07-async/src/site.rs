//! The site: chapter 3's page, picture and form, a slow route and a broken
//! one.
//!
//! ```text
//! GET or HEAD /sleep?ms=N   200 after waiting N ms (at most MAX_SLEEP): a slow request
//! GET or HEAD /panic        the handler panics: the server answers 500 and lives on
//! anything else             chapter 3's site (/, /picture.jpg, POST /, 404, 405)
//! ```

use std::future::Future;
use std::time::Duration;

use chapter03::site::{method_not_allowed, reads_body, route as chapter03_route};
use chapter03::{Method, Request, Response, StatusCode};

use crate::handler::Handler;

/// The longest `/sleep` waits, whatever it is asked.
pub const MAX_SLEEP: Duration = Duration::from_secs(5);
/// How long `/sleep` waits without `?ms=`.
pub const DEFAULT_SLEEP: Duration = Duration::from_secs(1);

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
    let asked = match request.query_value("ms") {
        None => DEFAULT_SLEEP,
        Some(ms) => match ms.parse::<u64>() {
            Ok(ms) => Duration::from_millis(ms),
            Err(_) => {
                return Response::error_page(
                    StatusCode::BadRequest,
                    "ms must be a whole number of milliseconds, like /sleep?ms=2000.",
                );
            }
        },
    };
    let duration = asked.min(MAX_SLEEP);
    eprintln!("sleeping {} ms", duration.as_millis());
    tokio::time::sleep(duration).await;
    Response::bytes(
        StatusCode::Ok,
        "text/plain; charset=utf-8",
        format!("slept {} ms\n", duration.as_millis()),
    )
}
// ANCHOR_END: sleep
