//! Stage tests of chapter 6, a framework of our own.
//!
//! The same file tests the learner's crate (`cargo test -p chapter06`) and
//! the reference solution (`cargo test -p chapter06-solution`): both name
//! their library `chapter06`. Each test is named after the exercise it
//! checks (`ex6_4_...` checks exercise 6.4).
//!
//! The framework's parts are tested directly (a pattern against paths, a
//! router against requests, the logging middleware into a buffer, the
//! guestbook's file), then the whole app over real sockets: each test
//! starts the server on `127.0.0.1:0` with a fresh data folder of its own
//! under the system's temporary folder, removed when the test ends, and its
//! request log captured in memory. Last come the black-box `app` suite's
//! checks, the same ones chapter 8's axum app must pass.

use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chapter01::time::{rfc3339, unix_now};
use chapter03::{Handler, Limits, Parsed, parse_request};
use chapter06::form::{Fault, MAX_MESSAGE_CHARS, MAX_NAME_CHARS, Problem, check_field};
use chapter06::guestbook::{self, Entry, Guestbook, decode_entries, encode_entry};
use chapter06::middleware::logging;
use chapter06::router::Pattern;
use chapter06::{
    Config, Folders, Html, Params, Redirect, Request, Response, Router, Shutdown, StatusCode,
};
use harness::{Exercise, Failure, TempDir, TestServer};

// ---------------------------------------------------------------------------
// Helpers: requests, folders, a captured log, the app on a socket
// ---------------------------------------------------------------------------

/// A parsed request for `method target`, as chapter 3's parser makes it
/// (so the path is percent-decoded exactly as the server's would be).
fn request(method: &str, target: &str) -> Request {
    let text = format!("{method} {target} HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n");
    match parse_request(text.as_bytes(), &Limits::DEFAULT) {
        Ok(Parsed::Complete { request, .. }) => request,
        other => panic!("the test's own request {text:?} did not parse: {other:?}"),
    }
}

/// The body of a response held in memory, as text.
fn body_text(response: &Response) -> String {
    match &response.body {
        chapter03::Body::Bytes(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        other => panic!("expected a body in memory, got {other:?}"),
    }
}

/// A log that the test can read: the middleware writes into it from the
/// server's threads while the test holds another handle.
#[derive(Clone, Default)]
struct CapturedLog {
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl CapturedLog {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes.lock().unwrap_or_else(PoisonError::into_inner))
            .into_owned()
    }
}

impl Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The app, running on `127.0.0.1:0` with its guestbook in `data`.
struct App {
    server: TestServer,
    log: CapturedLog,
}

/// Starts the chapter's app with the guestbook in `data` and the chapter's
/// own static folder. The short idle timeout means a kept-alive connection
/// a test forgot never holds a worker for long.
fn start(data: &Path) -> App {
    let listener = harness::bind_local();
    let shutdown = Shutdown::new(&listener).expect("Shutdown::new on a bound listener");
    let stop = shutdown.clone();
    let log = CapturedLog::default();
    let server_log = log.clone();
    let folders = Folders {
        data: data.to_path_buf(),
        static_files: Folders::default_static(),
    };
    let mut config = Config::default();
    config.http.idle_timeout = Duration::from_millis(300);
    let server = TestServer::spawn(
        listener,
        move |listener| chapter06::serve_with(listener, shutdown, &config, &folders, server_log),
        move || stop.trigger(),
    );
    App { server, log }
}

/// One exchange on a new connection: `method target` with `Connection:
/// close`, an optional form body, and the response read whole (only the
/// head for HEAD).
struct Exchange {
    sent: Vec<u8>,
    response: harness::Response,
}

#[track_caller]
fn send(app: &App, ex: Exercise, method: &str, target: &str, form: Option<&str>) -> Exchange {
    let mut text =
        format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(form) = form {
        text.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        text.push_str(&format!("Content-Length: {}\r\n\r\n{form}", form.len()));
    } else {
        text.push_str("\r\n");
    }
    let mut client = app.server.connect(ex);
    client.send(text.as_bytes());
    let mut response = client.read_response_head();
    if method != "HEAD" {
        let length = match response.content_length() {
            Ok(Some(length)) => length,
            _ => Failure::new(ex, "the response has no valid Content-Length")
                .sent(client.sent())
                .line("head", harness::show::bytes(&response.head))
                .fail(),
        };
        response.body = client.read_exact(length);
    }
    Exchange {
        sent: client.sent().to_vec(),
        response,
    }
}

#[track_caller]
fn get(app: &App, ex: Exercise, target: &str) -> Exchange {
    send(app, ex, "GET", target, None)
}

#[track_caller]
fn post(app: &App, ex: Exercise, target: &str, form: &str) -> Exchange {
    send(app, ex, "POST", target, Some(form))
}

impl Exchange {
    #[track_caller]
    fn fail(&self, ex: Exercise, summary: impl Into<String>) -> ! {
        Failure::new(ex, summary)
            .sent(&self.sent)
            .got(&self.response.raw())
            .fail()
    }

    #[track_caller]
    fn expect_status(&self, ex: Exercise, expected: u16, why: &str) -> &Exchange {
        if self.response.status != expected {
            let mut failure = Failure::new(
                ex,
                format!("expected status {expected}, got {}", self.response.status),
            )
            .sent(&self.sent)
            .got(&self.response.raw())
            .note(why);
            if self.response.status == 500 {
                failure = failure.note(
                    "a 500 means a handler panicked: the panic message printed above says \
                     which exercise is still todo!()",
                );
            }
            failure.fail();
        }
        self
    }

    #[track_caller]
    fn expect_header(&self, ex: Exercise, name: &str, expected: &str) -> &Exchange {
        if self.response.header(name) != Some(expected) {
            self.fail(ex, format!("expected the header {name}: {expected}"));
        }
        self
    }

    #[track_caller]
    fn expect_contains(&self, ex: Exercise, text: &str, why: &str) -> &Exchange {
        if !self.response.body_text().contains(text) {
            Failure::new(ex, format!("the body does not contain {text:?}"))
                .sent(&self.sent)
                .got(&self.response.raw())
                .note(why)
                .fail();
        }
        self
    }

    #[track_caller]
    fn expect_absent(&self, ex: Exercise, text: &str, why: &str) -> &Exchange {
        if self.response.body_text().contains(text) {
            Failure::new(ex, format!("the body contains {text:?}"))
                .sent(&self.sent)
                .got(&self.response.raw())
                .note(why)
                .fail();
        }
        self
    }
}

const HTML: &str = "text/html; charset=utf-8";

// ---------------------------------------------------------------------------
// Exercise 6.1: Match a path pattern
// ---------------------------------------------------------------------------

/// A pattern, a path, and the parameters the match must give (`None`: no
/// match).
type MatchRow<'a> = (&'a str, &'a str, Option<&'a [(&'a str, &'a str)]>);

/// Checks each `(pattern, path, expected params)` row; `None` means "no
/// match".
#[track_caller]
fn expect_matches(ex: Exercise, rows: &[MatchRow<'_>]) {
    for &(pattern, path, expected) in rows {
        let got = Pattern::parse(pattern).matches(path);
        let got_pairs: Option<Vec<(String, String)>> = got.as_ref().map(|params| {
            params
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect()
        });
        let expected_pairs: Option<Vec<(String, String)>> = expected.map(|pairs| {
            pairs
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect()
        });
        if got_pairs != expected_pairs {
            Failure::new(
                ex,
                format!("the pattern {pattern:?} against the path {path:?}"),
            )
            .line("expected", format!("{expected_pairs:?}"))
            .line("got", format!("{got_pairs:?}"))
            .note("Some(params) when the path fits the pattern, None when it does not")
            .fail();
        }
    }
}

#[test]
fn ex6_1_literal_segments_must_be_equal() {
    expect_matches(
        harness::exercise("6.1"),
        &[
            ("/", "/", Some(&[])),
            ("/time", "/time", Some(&[])),
            ("/time", "/", None),
            ("/", "/time", None),
            ("/time", "/times", None),
            ("/time", "/Time", None),
            ("/a/b", "/a/b", Some(&[])),
            ("/a/b", "/a/c", None),
            ("/a/b", "/a", None),
        ],
    );
}

#[test]
fn ex6_1_a_parameter_takes_one_non_empty_segment() {
    expect_matches(
        harness::exercise("6.1"),
        &[
            ("/hello/{name}", "/hello/Ada", Some(&[("name", "Ada")])),
            // The path is already decoded by chapter 3.
            (
                "/hello/{name}",
                "/hello/J\u{fc}rgen M",
                Some(&[("name", "J\u{fc}rgen M")]),
            ),
            ("/hello/{name}", "/hello/", None),
            ("/hello/{name}", "/hello", None),
            ("/hello/{name}", "/hello/a/b", None),
            ("/hello/{name}", "/goodbye/Ada", None),
            (
                "/users/{id}/posts/{post}",
                "/users/7/posts/42",
                Some(&[("id", "7"), ("post", "42")]),
            ),
            ("/users/{id}/posts/{post}", "/users/7/comments/42", None),
            ("/users/{id}/posts/{post}", "/users//posts/42", None),
        ],
    );
    // Params::get finds a value by name, and nothing for a name the
    // pattern does not have.
    let ex = harness::exercise("6.1");
    let params = Pattern::parse("/users/{id}/posts/{post}")
        .matches("/users/7/posts/42")
        .unwrap_or_else(|| Failure::new(ex, "/users/7/posts/42 did not match").fail());
    assert_eq!(params.get("post"), Some("42"));
    assert_eq!(params.get("id"), Some("7"));
    assert_eq!(params.get("name"), None);
}

#[test]
fn ex6_1_a_trailing_slash_is_a_segment_of_its_own() {
    expect_matches(
        harness::exercise("6.1"),
        &[
            ("/guestbook", "/guestbook/", None),
            ("/guestbook/", "/guestbook", None),
            ("/guestbook/", "/guestbook/", Some(&[])),
            ("/hello/{name}", "/hello/Ada/", None),
            ("/", "//", None),
        ],
    );
}

#[test]
fn ex6_1_a_rest_parameter_takes_everything_left() {
    expect_matches(
        harness::exercise("6.1"),
        &[
            (
                "/static/{*path}",
                "/static/style.css",
                Some(&[("path", "style.css")]),
            ),
            (
                "/static/{*path}",
                "/static/css/site.css",
                Some(&[("path", "css/site.css")]),
            ),
            ("/static/{*path}", "/static/", None),
            ("/static/{*path}", "/static", None),
            ("/static/{*path}", "/other/style.css", None),
        ],
    );
}

// ---------------------------------------------------------------------------
// Exercise 6.2: Dispatch, 404 and 405
// ---------------------------------------------------------------------------

/// A router with a route per interesting case, and a counter as its state
/// so the tests can see the state reach the handlers.
fn test_router() -> Router<AtomicUsize> {
    Router::with_state(Arc::new(AtomicUsize::new(0)))
        .get("/", |_: &Request, _: &Params, _: &AtomicUsize| Html("home"))
        .get(
            "/hello/me",
            |_: &Request, _: &Params, _: &AtomicUsize| "it is me",
        )
        .get(
            "/hello/{name}",
            |_: &Request, params: &Params, _: &AtomicUsize| {
                format!("hello {}", params.get("name").unwrap_or("?"))
            },
        )
        .get("/form", |_: &Request, _: &Params, _: &AtomicUsize| {
            Html("the form")
        })
        .post(
            "/form",
            |request: &Request, _: &Params, visits: &AtomicUsize| {
                visits.fetch_add(1, Ordering::SeqCst);
                format!("posted {} bytes", request.body.len())
            },
        )
        .post(
            "/only-post",
            |_: &Request, _: &Params, _: &AtomicUsize| "posted",
        )
}

/// A method, a target, and the status, `Allow` and body the router must
/// answer with (`None`: anything).
type DispatchRow<'a> = (
    &'a str,
    &'a str,
    StatusCode,
    Option<&'a str>,
    Option<&'a str>,
);

/// Sends each `(method, target)` through `router` and checks status,
/// `Allow` and body.
#[track_caller]
fn expect_dispatch<S>(ex: Exercise, router: &Router<S>, rows: &[DispatchRow<'_>]) {
    for &(method, target, status, allow, body) in rows {
        let response = router.handle(&request(method, target));
        let got_body = body_text(&response);
        let wrong = response.status != status
            || response.header("Allow") != allow
            || body.is_some_and(|body| got_body != body);
        if wrong {
            Failure::new(ex, format!("the router's answer to {method} {target}"))
                .line(
                    "expected",
                    format!("{status}, Allow {allow:?}, body {body:?}"),
                )
                .line(
                    "got",
                    format!(
                        "{}, Allow {:?}, body {got_body:?}",
                        response.status,
                        response.header("Allow")
                    ),
                )
                .note("a route with the path and the method: its handler; the path but not the method: 405 with Allow; no route with the path: 404")
                .fail();
        }
    }
}

#[test]
fn ex6_2_the_router_calls_the_handler_of_the_method_and_path() {
    let ex = harness::exercise("6.2");
    let router = test_router();
    expect_dispatch(
        ex,
        &router,
        &[
            ("GET", "/", StatusCode::Ok, None, Some("home")),
            // The first route that matches wins: the literal one was added
            // before the pattern.
            ("GET", "/hello/me", StatusCode::Ok, None, Some("it is me")),
            ("GET", "/hello/Ada", StatusCode::Ok, None, Some("hello Ada")),
            (
                "GET",
                "/hello/caf%C3%A9",
                StatusCode::Ok,
                None,
                Some("hello caf\u{e9}"),
            ),
            ("GET", "/form", StatusCode::Ok, None, Some("the form")),
            (
                "POST",
                "/form",
                StatusCode::Ok,
                None,
                Some("posted 0 bytes"),
            ),
            // A GET route answers HEAD: the connection drops the body.
            ("HEAD", "/", StatusCode::Ok, None, Some("home")),
        ],
    );
    assert_eq!(
        router.state().load(Ordering::SeqCst),
        1,
        "the POST handler got the router's state and counted one visit"
    );
}

#[test]
fn ex6_2_no_route_for_the_path_is_404() {
    expect_dispatch(
        harness::exercise("6.2"),
        &test_router(),
        &[
            ("GET", "/nothing-here", StatusCode::NotFound, None, None),
            ("POST", "/nothing-here", StatusCode::NotFound, None, None),
            ("GET", "/hello/", StatusCode::NotFound, None, None),
            ("GET", "/hello/a/b", StatusCode::NotFound, None, None),
            ("GET", "/form/", StatusCode::NotFound, None, None),
        ],
    );
}

#[test]
fn ex6_2_a_path_without_the_method_is_405_with_the_exact_allow() {
    expect_dispatch(
        harness::exercise("6.2"),
        &test_router(),
        &[
            (
                "POST",
                "/",
                StatusCode::MethodNotAllowed,
                Some("GET, HEAD"),
                None,
            ),
            (
                "POST",
                "/hello/Ada",
                StatusCode::MethodNotAllowed,
                Some("GET, HEAD"),
                None,
            ),
            (
                "GET",
                "/only-post",
                StatusCode::MethodNotAllowed,
                Some("POST"),
                None,
            ),
            (
                "HEAD",
                "/only-post",
                StatusCode::MethodNotAllowed,
                Some("POST"),
                None,
            ),
            // Every method the parser knows reaches the router, which
            // alone can tell 405 from 404.
            (
                "DELETE",
                "/form",
                StatusCode::MethodNotAllowed,
                Some("GET, HEAD, POST"),
                None,
            ),
            (
                "PUT",
                "/hello/Ada",
                StatusCode::MethodNotAllowed,
                Some("GET, HEAD"),
                None,
            ),
            ("OPTIONS", "/nothing-here", StatusCode::NotFound, None, None),
        ],
    );
    // Two routes share /form: its Allow lists both, HEAD with GET.
    let router = Router::new()
        .post("/both", |_: &Request, _: &Params, _: &()| "post")
        .get("/both", |_: &Request, _: &Params, _: &()| "get");
    let response = router.handle(&request("HEAD", "/both"));
    assert_eq!(
        response.status,
        StatusCode::Ok,
        "HEAD goes to the GET route"
    );
    let router = Router::new().post("/both", |_: &Request, _: &Params, _: &()| "post");
    let response = router.handle(&request("GET", "/both"));
    assert_eq!(response.header("Allow"), Some("POST"));
}

#[test]
fn ex6_2_routes_put_and_delete_and_lists_them_in_allow() {
    let ex = harness::exercise("6.2");
    let router = Router::new()
        .put("/item", |request: &Request, _: &Params, _: &()| {
            format!("stored {} bytes", request.body.len())
        })
        .delete("/item", |_: &Request, _: &Params, _: &()| "deleted");
    expect_dispatch(
        ex,
        &router,
        &[
            ("PUT", "/item", StatusCode::Ok, None, Some("stored 0 bytes")),
            ("DELETE", "/item", StatusCode::Ok, None, Some("deleted")),
            (
                "GET",
                "/item",
                StatusCode::MethodNotAllowed,
                Some("PUT, DELETE"),
                None,
            ),
        ],
    );
}

#[test]
fn ex6_2_the_router_knows_from_the_head_which_requests_read_a_body() {
    let ex = harness::exercise("6.2");
    let router = test_router();
    // A handler will run (and may read the body) only where a route has
    // the path and the method; elsewhere the answer is 404 or 405 whatever
    // the body, so a client waiting with Expect: 100-continue gets it at
    // once.
    for (method, path, reads) in [
        ("POST", "/form", true),
        ("GET", "/hello/Ada", true),
        ("POST", "/hello/Ada", false),
        ("DELETE", "/form", false),
        ("POST", "/nothing-here", false),
    ] {
        let got = router.reads_body(&request(method, path));
        if got != reads {
            Failure::new(ex, format!("Router::reads_body for {method} {path} is {got}"))
                .line("expected", reads.to_string())
                .note("true exactly when some route has the path and answers the method: then its handler runs")
                .fail();
        }
    }
}

#[test]
fn ex6_2_handlers_return_anything_that_becomes_a_response() {
    let ex = harness::exercise("6.2");
    fn fallible(
        _: &Request,
        params: &Params,
        _: &(),
    ) -> Result<Html<String>, (StatusCode, String)> {
        match params.get("n").map(str::parse::<u32>) {
            Some(Ok(n)) => Ok(Html(format!("<p>{n}</p>"))),
            _ => Err((StatusCode::BadRequest, "not a number\n".to_string())),
        }
    }
    let router = Router::new()
        .get("/str", |_: &Request, _: &Params, _: &()| "text\n")
        .get("/string", |_: &Request, _: &Params, _: &()| {
            String::from("a string\n")
        })
        .get("/html", |_: &Request, _: &Params, _: &()| {
            Html(String::from("<p>hi</p>"))
        })
        .get("/status", |_: &Request, _: &Params, _: &()| {
            (StatusCode::NotFound, Html("<p>gone</p>"))
        })
        .get("/number/{n}", fallible)
        .get("/response", |_: &Request, _: &Params, _: &()| {
            Response::bytes(StatusCode::Ok, "image/png", vec![0x89, b'P'])
        })
        .post("/redirect", |_: &Request, _: &Params, _: &()| {
            Redirect::see_other("/done")
        });
    let plain = "text/plain; charset=utf-8";
    let rows: &[(&str, &str, StatusCode, &str, Option<&str>)] = &[
        ("GET", "/str", StatusCode::Ok, plain, Some("text\n")),
        ("GET", "/string", StatusCode::Ok, plain, Some("a string\n")),
        ("GET", "/html", StatusCode::Ok, HTML, Some("<p>hi</p>")),
        (
            "GET",
            "/status",
            StatusCode::NotFound,
            HTML,
            Some("<p>gone</p>"),
        ),
        ("GET", "/number/7", StatusCode::Ok, HTML, Some("<p>7</p>")),
        (
            "GET",
            "/number/x",
            StatusCode::BadRequest,
            plain,
            Some("not a number\n"),
        ),
        ("GET", "/response", StatusCode::Ok, "image/png", None),
        ("POST", "/redirect", StatusCode::SeeOther, HTML, None),
    ];
    for &(method, target, status, content_type, body) in rows {
        let response = router.handle(&request(method, target));
        let got_body = body_text(&response);
        if response.status != status
            || response.header("Content-Type") != Some(content_type)
            || body.is_some_and(|body| got_body != body)
        {
            Failure::new(ex, format!("the response to {method} {target}"))
                .line("expected", format!("{status}, {content_type}, body {body:?}"))
                .line(
                    "got",
                    format!(
                        "{}, {:?}, body {got_body:?}",
                        response.status,
                        response.header("Content-Type")
                    ),
                )
                .note("the router turns each handler's return value into a response with IntoResponse")
                .fail();
        }
    }
    let response = router.handle(&request("POST", "/redirect"));
    assert_eq!(response.header("Location"), Some("/done"));
}

#[test]
fn ex6_2_the_home_page_links_to_everything_with_the_stylesheet() {
    let ex = harness::exercise("6.2");
    let data = TempDir::new("ch06");
    let app = start(data.path());
    let home = get(&app, ex, "/");
    home.expect_status(ex, 200, "GET / is the home page")
        .expect_header(ex, "Content-Type", HTML);
    for link in [
        "href=\"/time\"",
        "href=\"/hello/world\"",
        "href=\"/guestbook\"",
        "<link rel=\"stylesheet\" href=\"/static/style.css\">",
    ] {
        home.expect_contains(ex, link, "the home page links to the app's pages");
    }
    app.server.assert_alive(ex);
}

#[test]
fn ex6_2_time_is_now_in_rfc3339() {
    let ex = harness::exercise("6.2");
    let data = TempDir::new("ch06");
    let app = start(data.path());
    let before = rfc3339(unix_now());
    let time = get(&app, ex, "/time");
    let after = rfc3339(unix_now());
    time.expect_status(ex, 200, "GET /time tells the time")
        .expect_header(ex, "Content-Type", "text/plain; charset=utf-8");
    let body = time.response.body_text();
    let Some(stamp) = body.strip_suffix('\n') else {
        time.fail(ex, "the time must end with one newline");
    };
    // The format has fixed widths, so comparing the text compares the times.
    if stamp.len() != "2026-11-23T18:42:31Z".len()
        || stamp < before.as_str()
        || stamp > after.as_str()
    {
        Failure::new(ex, "GET /time is not the time now")
            .line("expected", format!("from {before} to {after}"))
            .got(body.as_bytes())
            .note("chapter 1's rfc3339 of the current time, in UTC, and a newline")
            .fail();
    }
}

#[test]
fn ex6_2_hello_greets_the_name_escaped() {
    let ex = harness::exercise("6.2");
    let data = TempDir::new("ch06");
    let app = start(data.path());
    get(&app, ex, "/hello/Ada")
        .expect_status(ex, 200, "/hello/{name} greets anyone")
        .expect_header(ex, "Content-Type", HTML)
        .expect_contains(ex, "Hello, Ada!", "the name is the path segment");
    get(&app, ex, "/hello/%3Cscript%3Ealert(1)")
        .expect_status(ex, 200, "a name with markup in it is still a name")
        .expect_contains(ex, "Hello, &lt;script&gt;alert(1)!", "the name is escaped")
        .expect_absent(ex, "<script>", "the raw name must never reach the page");
    get(&app, ex, "/hello/a%26b%22c%27d").expect_contains(
        ex,
        "Hello, a&amp;b&quot;c&#39;d!",
        "& \" ' are escaped too",
    );
    for target in ["/hello/", "/hello/a/b"] {
        get(&app, ex, target).expect_status(ex, 404, "{name} is exactly one non-empty segment");
    }
}

#[test]
fn ex6_2_unknown_paths_and_wrong_methods_over_http() {
    let ex = harness::exercise("6.2");
    let data = TempDir::new("ch06");
    let app = start(data.path());
    get(&app, ex, "/no-such-page")
        .expect_status(ex, 404, "no route has this path")
        .expect_header(ex, "Content-Type", HTML);
    for (method, target, allow) in [
        ("POST", "/time", "GET, HEAD"),
        ("POST", "/", "GET, HEAD"),
        ("POST", "/static/style.css", "GET, HEAD"),
    ] {
        send(&app, ex, method, target, Some(""))
            .expect_status(ex, 405, "the path has routes, but not for this method")
            .expect_header(ex, "Allow", allow);
    }
    // The guestbook has GET and POST; HEAD works because GET does.
    send(&app, ex, "HEAD", "/guestbook", None).expect_status(
        ex,
        200,
        "HEAD is GET without the body",
    );
    app.server.assert_alive(ex);
}

#[test]
fn ex6_2_head_gets_the_get_headers_and_no_body() {
    let ex = harness::exercise("6.2");
    let data = TempDir::new("ch06");
    let app = start(data.path());
    for target in ["/", "/hello/Ada", "/guestbook", "/static/style.css"] {
        let full = get(&app, ex, target);
        full.expect_status(ex, 200, "a GET route");
        let mut client = app.server.connect(ex);
        client.send(
            format!("HEAD {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        let head = client.read_response_head();
        client.expect_closed("a HEAD response has no body: nothing may follow its head");
        for name in ["Content-Type", "Content-Length"] {
            if head.header(name) != full.response.header(name) || head.status != 200 {
                Failure::new(ex, format!("HEAD {target} differs from GET in {name}"))
                    .line("GET", harness::show::bytes(&full.response.head))
                    .line("HEAD", harness::show::bytes(&head.head))
                    .note("a GET route answers HEAD with the same status and headers")
                    .fail();
            }
        }
    }
}

#[test]
fn ex6_2_static_files_come_from_chapter_4() {
    let ex = harness::exercise("6.2");
    let data = TempDir::new("ch06");
    let app = start(data.path());
    let css = get(&app, ex, "/static/style.css");
    css.expect_status(ex, 200, "the stylesheet every page uses")
        .expect_header(ex, "Content-Type", "text/css; charset=utf-8");
    let on_disk = fs::read(Folders::default_static().join("style.css")).expect("read style.css");
    if css.response.body != on_disk {
        css.fail(ex, "the body is not static/style.css");
    }
    for target in [
        "/static/no-such-file.css",
        "/static/",
        "/static/..",
        "/static/../Cargo.toml",
        "/static/..%2FCargo.toml",
        "/static/%2e%2e/Cargo.toml",
        "/static/..%5CCargo.toml",
        "/static/%2e%2e/src/lib.rs",
    ] {
        let answer = get(&app, ex, target);
        answer.expect_status(ex, 404, "only files inside the static folder are served");
    }
}

// ---------------------------------------------------------------------------
// Exercise 6.3: Middleware
// ---------------------------------------------------------------------------

/// Checks that `line` is `METHOD TARGET STATUS N.Nms`.
#[track_caller]
fn expect_log_line(ex: Exercise, line: &str, method: &str, target: &str, status: u16) {
    let prefix = format!("{method} {target} {status} ");
    let time_is_ms = line
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix("ms"))
        .is_some_and(|ms| ms.parse::<f64>().is_ok_and(|ms| ms >= 0.0));
    if !time_is_ms {
        Failure::new(ex, "the log line is not the expected one")
            .line("expected", format!("{prefix}<milliseconds>ms, like \"{prefix}0.4ms\""))
            .line("got", format!("{line:?}"))
            .note("one line per request: method, target, status, and the time the rest of the stack took")
            .fail();
    }
}

#[test]
fn ex6_3_logging_writes_one_line_around_the_next_step() {
    let ex = harness::exercise("6.3");
    let log = CapturedLog::default();
    let middleware = logging(log.clone());
    let calls = AtomicUsize::new(0);
    let next = |request: &Request| {
        calls.fetch_add(1, Ordering::SeqCst);
        Response::html(StatusCode::NotFound, format!("no {}", request.path))
    };
    let response = middleware(&request("GET", "/x%20y?page=2"), &next);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the middleware calls next once"
    );
    assert_eq!(
        response.status,
        StatusCode::NotFound,
        "the response of next goes back unchanged"
    );
    assert_eq!(body_text(&response), "no /x y");
    let text = log.text();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() != 1 || !text.ends_with('\n') {
        Failure::new(ex, "expected exactly one log line, ending with a newline")
            .line("got", format!("{text:?}"))
            .fail();
    }
    // The target as sent: a decoded path could hold a newline.
    expect_log_line(ex, lines[0], "GET", "/x%20y?page=2", 404);

    let response = middleware(&request("POST", "/form"), &|_: &Request| {
        Response::new(StatusCode::SeeOther)
    });
    assert_eq!(response.status, StatusCode::SeeOther);
    let text = log.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "one more request, one more line: {text:?}");
    expect_log_line(ex, lines[1], "POST", "/form", 303);
}

#[test]
fn ex6_3_the_server_logs_every_request() {
    let ex = harness::exercise("6.3");
    let data = TempDir::new("ch06");
    let app = start(data.path());
    get(&app, ex, "/time").expect_status(ex, 200, "GET /time");
    get(&app, ex, "/no-such-page").expect_status(ex, 404, "an unknown path");
    send(&app, ex, "POST", "/time", Some("")).expect_status(ex, 405, "a wrong method");
    // The client has the response, so the middleware has written its line:
    // it writes before returning the response to the connection.
    let text = app.log.text();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() != 3 {
        Failure::new(ex, "expected three log lines, one per request")
            .line("got", format!("{text:?}"))
            .note("the logging middleware wraps the router, so it sees 404s and 405s too")
            .fail();
    }
    expect_log_line(ex, lines[0], "GET", "/time", 200);
    expect_log_line(ex, lines[1], "GET", "/no-such-page", 404);
    expect_log_line(ex, lines[2], "POST", "/time", 405);
}

// ---------------------------------------------------------------------------
// Exercise 6.4: Store the guestbook safely
// ---------------------------------------------------------------------------

fn entry(posted: i64, name: &str, message: &str) -> Entry {
    Entry {
        posted,
        name: name.to_string(),
        message: message.to_string(),
    }
}

#[track_caller]
fn expect_entries(ex: Exercise, got: &[Entry], expected: &[Entry], why: &str) {
    if got != expected {
        Failure::new(ex, "the guestbook's entries are not the expected ones")
            .line("expected", format!("{expected:#?}"))
            .line("got", format!("{got:#?}"))
            .note(why)
            .fail();
    }
}

#[test]
fn ex6_4_any_text_round_trips_through_one_line() {
    let ex = harness::exercise("6.4");
    let tricky = entry(
        1_795_451_000,
        "Ada & Grace = <friends>",
        "line one\nline two\r\n100% sure + a tab\t, caf\u{e9}, \u{1f980}",
    );
    let line = encode_entry(&tricky);
    assert_eq!(
        line.matches('\n').count(),
        1,
        "one entry is one line, whatever its text: {line:?}"
    );
    expect_entries(
        ex,
        &decode_entries(line.as_bytes()),
        &[tricky],
        "decode_entries reads back what encode_entry wrote",
    );
}

#[test]
fn ex6_4_entries_come_back_newest_first() {
    let ex = harness::exercise("6.4");
    let data = TempDir::new("ch06");
    let book = Guestbook::open(data.path()).expect("open the guestbook");
    expect_entries(
        ex,
        &book.entries().expect("read"),
        &[],
        "a new guestbook is empty",
    );
    let first = entry(1, "Ada", "first");
    let second = entry(2, "Grace", "second");
    book.append(&first).expect("append");
    book.append(&second).expect("append");
    expect_entries(
        ex,
        &book.entries().expect("read"),
        &[second.clone(), first.clone()],
        "the file is oldest first; entries() is newest first",
    );
    let file = fs::read_to_string(data.path().join(guestbook::FILE_NAME)).expect("read the file");
    assert_eq!(
        file,
        encode_entry(&first) + &encode_entry(&second),
        "one line per entry, appended"
    );
}

#[test]
fn ex6_4_a_torn_last_line_is_skipped() {
    let ex = harness::exercise("6.4");
    let whole = entry(1, "Ada", "stored");
    let torn = encode_entry(&entry(2, "Grace", "cut short by a crash"));
    let torn = &torn[..torn.len() - 8];
    let contents = format!("{}{torn}", encode_entry(&whole));
    expect_entries(
        ex,
        &decode_entries(contents.as_bytes()),
        std::slice::from_ref(&whole),
        "a last line without its newline was never finished: skip it",
    );
    // A guestbook opened on such a file cuts the torn line off, so that the
    // next entry starts on a line of its own.
    let data = TempDir::new("ch06");
    fs::write(data.path().join(guestbook::FILE_NAME), &contents).expect("write the file");
    let book = Guestbook::open(data.path()).expect("open the guestbook");
    let next = entry(3, "Lin", "after the crash");
    book.append(&next).expect("append");
    expect_entries(
        ex,
        &book.entries().expect("read"),
        &[next, whole],
        "the entry after the crash is whole, and the one before it too",
    );
}

#[test]
fn ex6_4_a_file_from_an_earlier_run_is_read() {
    let ex = harness::exercise("6.4");
    let data = TempDir::new("ch06");
    let stored = entry(1_795_451_000, "Ada", "see you next run");
    {
        let book = Guestbook::open(data.path()).expect("open the guestbook");
        book.append(&stored).expect("append");
    }
    let book = Guestbook::open(data.path()).expect("open the guestbook again");
    expect_entries(
        ex,
        &book.entries().expect("read"),
        &[stored],
        "entries live in the file, not in the program's memory",
    );
}

#[test]
fn ex6_4_entries_survive_a_restart() {
    let ex = harness::exercise("6.4");
    let data = TempDir::new("ch06");
    let mut app = start(data.path());
    post(
        &app,
        ex,
        "/guestbook",
        "name=Ada&message=Still+here+after+a+restart",
    )
    .expect_status(ex, 303, "a good entry is stored");
    app.server.stop();
    drop(app);
    let app = start(data.path());
    get(&app, ex, "/guestbook")
        .expect_status(ex, 200, "the guestbook page")
        .expect_contains(
            ex,
            "Still here after a restart",
            "a new server on the same --data folder shows the entries of the old one",
        );
}

// ---------------------------------------------------------------------------
// Exercise 6.5: The guestbook pages
// ---------------------------------------------------------------------------

#[test]
fn ex6_5_check_field_finds_empty_and_long_values() {
    let ex = harness::exercise("6.5");
    let long = "x".repeat(MAX_NAME_CHARS + 1);
    let rows: [(&str, usize, Result<(), Problem>); 5] = [
        ("Ada", MAX_NAME_CHARS, Ok(())),
        (
            "",
            MAX_NAME_CHARS,
            Err(Problem {
                field: "name",
                fault: Fault::Empty,
            }),
        ),
        (
            &long,
            MAX_NAME_CHARS,
            Err(Problem {
                field: "name",
                fault: Fault::TooLong {
                    chars: MAX_NAME_CHARS + 1,
                    max: MAX_NAME_CHARS,
                },
            }),
        ),
        // Characters, not bytes: 100 x "é" is 200 bytes and a good name.
        (&"\u{e9}".repeat(MAX_NAME_CHARS), MAX_NAME_CHARS, Ok(())),
        (&"x".repeat(MAX_NAME_CHARS), MAX_NAME_CHARS, Ok(())),
    ];
    for (value, max, expected) in rows {
        let got = check_field("name", value, max);
        if got != expected {
            Failure::new(ex, format!("check_field(\"name\", {value:?}, {max})"))
                .line("expected", format!("{expected:?}"))
                .line("got", format!("{got:?}"))
                .fail();
        }
    }
    let problem = Problem {
        field: "message",
        fault: Fault::TooLong {
            chars: 1001,
            max: 1000,
        },
    };
    assert_eq!(
        problem.to_string(),
        "The message is too long (1001 characters; at most 1000)."
    );
}

#[test]
fn ex6_5_the_guestbook_page_has_the_form() {
    let ex = harness::exercise("6.5");
    let data = TempDir::new("ch06");
    let app = start(data.path());
    let page = get(&app, ex, "/guestbook");
    page.expect_status(ex, 200, "the guestbook page")
        .expect_header(ex, "Content-Type", HTML);
    for part in [
        "<form method=\"post\" action=\"/guestbook\">",
        "name=\"name\"",
        "name=\"message\"",
        "href=\"/static/style.css\"",
        "No entries yet",
    ] {
        page.expect_contains(
            ex,
            part,
            "an empty guestbook shows the form and says it is empty",
        );
    }
}

#[test]
fn ex6_5_a_good_entry_is_stored_and_answered_with_303() {
    let ex = harness::exercise("6.5");
    let data = TempDir::new("ch06");
    let app = start(data.path());
    post(
        &app,
        ex,
        "/guestbook",
        "name=+Ada+&message=Hello%2C+world%21%0A",
    )
    .expect_status(ex, 303, "a stored entry is answered with See Other")
    .expect_header(ex, "Location", "/guestbook");
    get(&app, ex, "/guestbook")
        .expect_contains(ex, "<strong>Ada</strong>", "the name, trimmed")
        .expect_contains(ex, "<p>Hello, world!</p>", "the message, trimmed");
    let book = Guestbook::open(data.path()).expect("open the guestbook");
    let stored = book.entries().expect("read");
    if stored.len() != 1 || stored[0].name != "Ada" || stored[0].message != "Hello, world!" {
        Failure::new(
            ex,
            "the entry in the data folder is not the one posted, trimmed",
        )
        .line("got", format!("{stored:?}"))
        .fail();
    }
}

#[test]
fn ex6_5_entries_are_shown_escaped_and_newest_first() {
    let ex = harness::exercise("6.5");
    let data = TempDir::new("ch06");
    let app = start(data.path());
    post(
        &app,
        ex,
        "/guestbook",
        "name=%3Cscript%3Ealert(1)%3C%2Fscript%3E&message=first+%26+%22quoted%22",
    )
    .expect_status(ex, 303, "a good entry");
    post(&app, ex, "/guestbook", "name=Grace&message=second+it%27s").expect_status(
        ex,
        303,
        "a good entry",
    );
    let page = get(&app, ex, "/guestbook");
    page.expect_contains(
        ex,
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "the name, escaped",
    )
    .expect_contains(ex, "first &amp; &quot;quoted&quot;", "the message, escaped")
    .expect_contains(ex, "second it&#39;s", "' is escaped too")
    .expect_absent(ex, "<script>", "a visitor's text never becomes markup");
    let body = page.response.body_text();
    let newer = body.find("second it&#39;s");
    let older = body.find("first &amp;");
    if newer >= older {
        page.fail(ex, "the newer entry must come first");
    }
}

#[test]
fn ex6_5_bad_entries_get_422_naming_the_field_and_store_nothing() {
    let ex = harness::exercise("6.5");
    let data = TempDir::new("ch06");
    let app = start(data.path());
    let long_name = "n".repeat(MAX_NAME_CHARS + 1);
    let long_message = "m".repeat(MAX_MESSAGE_CHARS + 1);
    let cases = [
        ("name=&message=Hi".to_string(), "The name is empty."),
        ("name=+%09+&message=Hi".to_string(), "The name is empty."),
        ("message=Hi".to_string(), "The name is empty."),
        ("name=Ada&message=".to_string(), "The message is empty."),
        ("name=Ada".to_string(), "The message is empty."),
        (
            format!("name={long_name}&message=Hi"),
            "The name is too long (101 characters; at most 100).",
        ),
        (
            format!("name=Ada&message={long_message}"),
            "The message is too long (1001 characters; at most 1000).",
        ),
    ];
    for (form, problem) in &cases {
        let answer = post(&app, ex, "/guestbook", form);
        answer
            .expect_status(
                ex,
                422,
                "a form with a field empty or too long is not stored",
            )
            .expect_header(ex, "Content-Type", HTML)
            .expect_contains(ex, problem, "the page says which field is wrong, and why");
        if answer.response.reason != "Unprocessable Content" {
            answer.fail(
                ex,
                "the reason phrase of 422 is \"Unprocessable Content\" (RFC 9110)",
            );
        }
    }
    // Both at once: both are named.
    post(&app, ex, "/guestbook", "name=&message=")
        .expect_status(ex, 422, "both fields empty")
        .expect_contains(ex, "The name is empty.", "every problem is listed")
        .expect_contains(ex, "The message is empty.", "every problem is listed");
    // What was typed comes back in the form, escaped.
    post(&app, ex, "/guestbook", "name=%22%3E%3Cb%3E&message=").expect_contains(
        ex,
        "value=\"&quot;&gt;&lt;b&gt;\"",
        "the name is kept, escaped",
    );
    let book = Guestbook::open(data.path()).expect("open the guestbook");
    let stored = book.entries().expect("read");
    if !stored.is_empty() {
        Failure::new(ex, "a rejected entry was stored")
            .line("got", format!("{stored:?}"))
            .fail();
    }
}

// ---------------------------------------------------------------------------
// The black-box `app` suite (the checks chapter 8 must pass too)
// ---------------------------------------------------------------------------

#[test]
fn ex6_1_passes_the_app_suite() {
    let data = TempDir::new("ch06");
    let app = start(data.path());
    harness::suite::check_exercise(&app.server, "app", "6.1");
}

#[test]
fn ex6_2_passes_the_app_suite() {
    let data = TempDir::new("ch06");
    let app = start(data.path());
    harness::suite::check_exercise(&app.server, "app", "6.2");
}

#[test]
fn ex6_4_passes_the_app_suite() {
    let data = TempDir::new("ch06");
    let app = start(data.path());
    harness::suite::check_exercise(&app.server, "app", "6.4");
}

#[test]
fn ex6_5_passes_the_app_suite() {
    let data = TempDir::new("ch06");
    let app = start(data.path());
    harness::suite::check_exercise(&app.server, "app", "6.5");
}
