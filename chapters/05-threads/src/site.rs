//! The site: chapter 3's page, picture and form, and two routes to watch
//! the server cope with trouble.
//!
//! ```text
//! GET or HEAD /sleep?ms=N   200 after sleeping N ms (at most MAX_SLEEP): a slow request
//! GET or HEAD /panic        the handler panics: the server answers 500 and lives on
//! anything else             chapter 3's site (/, /picture.jpg, POST /, 404, 405)
//! ```

use std::thread;
use std::time::Duration;

use chapter03::site::{method_not_allowed, reads_body, route as chapter03_route};
use chapter03::{Handler, Method, Request, Response, StatusCode};

/// The longest `/sleep` sleeps, whatever it is asked: a demonstration
/// route must not become a way to hold a worker forever.
pub const MAX_SLEEP: Duration = Duration::from_secs(5);
/// How long `/sleep` sleeps without `?ms=`.
pub const DEFAULT_SLEEP: Duration = Duration::from_secs(1);

// ANCHOR: route
/// The response to `request`.
pub fn route(request: &Request) -> Response {
    let readable = matches!(request.method, Method::Get | Method::Head);
    match request.path.as_str() {
        "/sleep" if readable => sleep(request),
        "/panic" if readable => {
            panic!("GET /panic: this handler panics on purpose, to show the server survives it")
        }
        "/sleep" | "/panic" => method_not_allowed("GET, HEAD"),
        _ => chapter03_route(request),
    }
}

/// The site as a handler. `/sleep` and `/panic` read no body, so which
/// requests need theirs is chapter 3's answer: only the form's POST.
#[derive(Debug, Clone, Copy, Default)]
pub struct Site;

impl Handler for Site {
    fn respond(&self, request: &Request) -> Response {
        route(request)
    }

    fn reads_body(&self, head: &Request) -> bool {
        reads_body(head)
    }
}
// ANCHOR_END: route

/// Sleeps as long as `?ms=` says (at most [`MAX_SLEEP`]), then answers: a
/// stand-in for a request that takes time, like a slow database query.
/// Sleeping blocks only the worker that runs it, which is the point.
fn sleep(request: &Request) -> Response {
    let duration = match sleep_asked(request) {
        Ok(duration) => duration,
        Err(bad) => return bad,
    };
    // On stderr before sleeping, so you (and a test) can see the request
    // is in progress.
    eprintln!("sleeping {} ms", duration.as_millis());
    thread::sleep(duration);
    slept(duration)
}

/// How long `/sleep?ms=N` asks to sleep (`DEFAULT_SLEEP` without `ms`, at
/// most [`MAX_SLEEP`]), or the `400` for an `ms` that is not a number.
/// Chapter 7's async `/sleep` reads its request with this too.
pub fn sleep_asked(request: &Request) -> Result<Duration, Response> {
    let asked = match request.query_value("ms") {
        None => DEFAULT_SLEEP,
        Some(ms) => ms.parse::<u64>().map(Duration::from_millis).map_err(|_| {
            Response::error_page(
                StatusCode::BadRequest,
                "ms must be a whole number of milliseconds, like /sleep?ms=2000.",
            )
        })?,
    };
    Ok(asked.min(MAX_SLEEP))
}

/// The answer after a sleep of `duration`.
pub fn slept(duration: Duration) -> Response {
    Response::bytes(
        StatusCode::Ok,
        "text/plain; charset=utf-8",
        format!("slept {} ms\n", duration.as_millis()),
    )
}
