//! Stage tests of chapter 8, the axum rewrite.
//!
//! The same file tests the learner's crate (`cargo test -p chapter08`) and
//! the reference solution (`cargo test -p chapter08-solution`): both name
//! their library `chapter08`. Each test is named after the exercise it
//! checks (`ex8_4_...` checks exercise 8.4), and the exercises build on
//! each other in order: the database first, then the errors, the router,
//! the handlers, and the server around them.
//!
//! The database functions are called directly. The router and handlers are
//! driven the way axum's own examples test them: a request handed to the
//! router with `tower::ServiceExt::oneshot`, no socket at all. The whole
//! server is then started on `127.0.0.1:0` and must pass chapter 6's
//! black-box `app` suite unchanged, keep its entries across a restart, and
//! stop when asked. Each test that needs a guestbook gets a fresh data
//! folder of its own, removed when the test ends.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::IntoResponse;
use chapter06::form::{Fault, Form, Problem};
use chapter08::db::{self, Entry, Guestbook, StorageError};
use chapter08::{AppError, AppState, Folders};
use harness::suite::Target;
use harness::{Exercise, Failure, TempDir, TestServer};
use rusqlite::Connection;
use tower::ServiceExt;

// ---------------------------------------------------------------------------
// Helpers: folders, entries, requests without a socket, the server on one
// ---------------------------------------------------------------------------

fn folders(data: &Path) -> Folders {
    Folders {
        data: data.to_path_buf(),
        static_files: Folders::default_static(),
    }
}

fn entry(posted: i64, name: &str, message: &str) -> Entry {
    Entry {
        posted,
        name: name.to_string(),
        message: message.to_string(),
    }
}

/// A connection to a fresh in-memory database with the schema created.
#[track_caller]
fn schema_in_memory(ex: Exercise) -> Connection {
    let connection = Connection::open_in_memory().expect("open an in-memory SQLite database");
    if let Err(error) = db::create_schema(&connection) {
        Failure::new(ex, "create_schema failed on an empty database")
            .line("got", error.to_string())
            .fail();
    }
    connection
}

#[track_caller]
fn insert(ex: Exercise, connection: &Connection, entry: &Entry) {
    if let Err(error) = db::insert_entry(connection, entry) {
        Failure::new(ex, "insert_entry failed")
            .line("sent", format!("{entry:?}"))
            .line("got", error.to_string())
            .fail();
    }
}

#[track_caller]
fn read_all(ex: Exercise, connection: &Connection) -> Vec<Entry> {
    db::newest_first(connection).unwrap_or_else(|error| {
        Failure::new(ex, "newest_first failed")
            .line("got", error.to_string())
            .fail()
    })
}

#[track_caller]
fn expect_entries(ex: Exercise, got: &[Entry], expected: &[Entry], why: &str) {
    if got != expected {
        Failure::new(ex, "the guestbook did not give back the expected entries")
            .line("expected", format!("{expected:#?}"))
            .line("got", format!("{got:#?}"))
            .note(why)
            .fail();
    }
}

/// The app's state on a fresh guestbook in `data` and chapter 6's static
/// folder.
#[track_caller]
fn open_state(ex: Exercise, data: &Path) -> AppState {
    AppState::open(&folders(data)).unwrap_or_else(|error| {
        Failure::new(ex, "AppState::open failed")
            .line("data", data.display().to_string())
            .line("got", error.to_string())
            .fail()
    })
}

/// Runs `test` to completion on a new tokio runtime with `threads` worker
/// threads (1: everything on the test's own thread). A plain `#[test]` with
/// a runtime inside does what `#[tokio::test]` does, and keeps every stage
/// test a `#[test]` that the course tool can find by name.
fn block_on<F: std::future::Future>(threads: usize, test: F) -> F::Output {
    let runtime = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    };
    runtime.expect("build a tokio runtime").block_on(test)
}

/// A response read whole, and the request that got it (for messages).
struct Reply {
    sent: String,
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

/// Hands one request to `router`, as hyper would, and reads the response.
async fn call(router: Router, method: &str, uri: &str, body: Option<(&str, &str)>) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    let mut sent = format!("{method} {uri}");
    let body = match body {
        Some((content_type, text)) => {
            request = request.header(header::CONTENT_TYPE, content_type);
            sent.push_str(&format!(
                " with Content-Type: {content_type} and the body {:?}",
                shorten(text)
            ));
            Body::from(text.to_string())
        }
        None => Body::empty(),
    };
    let request = request.body(body).expect("the test's own request is valid");
    let response = match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("read the response body");
    Reply {
        sent,
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(router: &Router, uri: &str) -> Reply {
    call(router.clone(), "GET", uri, None).await
}

async fn post_form(router: &Router, form: &str) -> Reply {
    call(
        router.clone(),
        "POST",
        "/guestbook",
        Some(("application/x-www-form-urlencoded", form)),
    )
    .await
}

/// Long bodies are cut in messages: the start says enough.
fn shorten(text: &str) -> String {
    if text.chars().count() > 120 {
        format!(
            "{}... ({} bytes)",
            text.chars().take(120).collect::<String>(),
            text.len()
        )
    } else {
        text.to_string()
    }
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[track_caller]
    fn failure(&self, ex: Exercise, summary: impl Into<String>) -> Failure {
        let mut head = format!("{}", self.status);
        for (name, value) in &self.headers {
            head.push_str(&format!(
                "\n{name}: {}",
                value.to_str().unwrap_or("<not text>")
            ));
        }
        Failure::new(ex, summary)
            .line("sent", self.sent.clone())
            .line("got", format!("{head}\n\n{}", shorten(&self.body)))
    }

    #[track_caller]
    fn expect_status(&self, ex: Exercise, expected: u16, why: &str) -> &Reply {
        if self.status.as_u16() != expected {
            self.failure(
                ex,
                format!("expected status {expected}, got {}", self.status),
            )
            .note(why)
            .fail();
        }
        self
    }

    #[track_caller]
    fn expect_header(&self, ex: Exercise, name: &str, expected: &str, why: &str) -> &Reply {
        if self.header(name) != Some(expected) {
            self.failure(ex, format!("expected the header {name}: {expected}"))
                .note(why)
                .fail();
        }
        self
    }

    #[track_caller]
    fn expect_html(&self, ex: Exercise) -> &Reply {
        self.expect_header(
            ex,
            "content-type",
            "text/html; charset=utf-8",
            "a page is Html(...): axum then says text/html; charset=utf-8",
        )
    }

    #[track_caller]
    fn expect_contains(&self, ex: Exercise, text: &str, why: &str) -> &Reply {
        if !self.body.contains(text) {
            self.failure(ex, format!("the body does not contain {:?}", shorten(text)))
                .note(why)
                .fail();
        }
        self
    }

    #[track_caller]
    fn expect_absent(&self, ex: Exercise, text: &str, why: &str) -> &Reply {
        if self.body.contains(text) {
            self.failure(ex, format!("the body contains {text:?}"))
                .note(why)
                .fail();
        }
        self
    }
}

/// The server, running on `127.0.0.1:0` with its guestbook in `data`,
/// until the returned [`TestServer`] is stopped or dropped.
fn start(data: &Path) -> TestServer {
    start_with(data, chapter08::Config::default())
}

/// [`start`] with other settings.
fn start_with(data: &Path, config: chapter08::Config) -> TestServer {
    let listener = harness::bind_local();
    let folders = folders(data);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    TestServer::spawn(
        listener,
        move |listener| {
            // The shutdown future: the test's stop, or the test's end (the
            // sender dropped), whichever comes first.
            let shutdown = async {
                let _ = stopped.await;
            };
            chapter08::serve_blocking(listener, shutdown, &folders, &config)
        },
        move || {
            let _ = stop.send(());
        },
    )
}

/// One request with `Connection: close` on a new connection, read whole.
#[track_caller]
fn exchange(server: &TestServer, ex: Exercise, request: &str) -> harness::Response {
    let mut client = server.connect(ex);
    client.send(request.as_bytes());
    client.read_response()
}

// ---------------------------------------------------------------------------
// Exercise 8.1: Store the guestbook in SQLite
// ---------------------------------------------------------------------------

#[test]
fn ex8_1_the_schema_can_be_created_on_every_start() {
    let ex = harness::exercise("8.1");
    let connection = schema_in_memory(ex);
    insert(ex, &connection, &entry(1, "Ada", "first"));
    // A second start runs the schema again on a database that has it.
    if let Err(error) = db::create_schema(&connection) {
        Failure::new(
            ex,
            "create_schema failed on a database that already has the table",
        )
        .line("got", error.to_string())
        .note("the schema runs on every start: CREATE TABLE IF NOT EXISTS")
        .fail();
    }
    expect_entries(
        ex,
        &read_all(ex, &connection),
        &[entry(1, "Ada", "first")],
        "creating the schema again must keep the entries",
    );
}

#[test]
fn ex8_1_entries_come_back_newest_first() {
    let ex = harness::exercise("8.1");
    let connection = schema_in_memory(ex);
    expect_entries(
        ex,
        &read_all(ex, &connection),
        &[],
        "a new database has no entries",
    );
    // Three in the same second, and one whose clock went backwards: the
    // order is the order they were added, newest first.
    let added = [
        entry(1_795_451_000, "Ada", "one"),
        entry(1_795_451_000, "Grace", "two"),
        entry(1_795_451_000, "Lin", "three"),
        entry(1_795_450_000, "Kay", "four"),
    ];
    for e in &added {
        insert(ex, &connection, e);
    }
    let newest_first: Vec<Entry> = added.iter().rev().cloned().collect();
    expect_entries(
        ex,
        &read_all(ex, &connection),
        &newest_first,
        "the last one added comes first: ORDER BY id DESC (without ORDER BY, SQL promises no order)",
    );
}

#[test]
fn ex8_1_any_text_is_stored_as_it_is() {
    let ex = harness::exercise("8.1");
    let connection = schema_in_memory(ex);
    let tricky = [
        entry(
            1,
            "Robert'); DROP TABLE entries; --",
            "a name is data, not SQL",
        ),
        entry(2, "Jürgen \"Jay\" O'Neil", "line one\nline two\r\n\ttabbed"),
        entry(3, "?1 ?2 %s {}", "<b>&amp;</b> 🦀"),
    ];
    for e in &tricky {
        insert(ex, &connection, e);
    }
    let newest_first: Vec<Entry> = tricky.iter().rev().cloned().collect();
    expect_entries(
        ex,
        &read_all(ex, &connection),
        &newest_first,
        "bind the values as parameters (?1, ?2, ?3 with params![...]); never format them into the SQL",
    );
}

#[test]
fn ex8_1_entries_live_in_the_file() {
    let ex = harness::exercise("8.1");
    let data = TempDir::new("ch08");
    {
        let guestbook = Guestbook::open(data.path()).unwrap_or_else(|error| {
            Failure::new(ex, "Guestbook::open failed on an empty folder")
                .line("got", error.to_string())
                .fail()
        });
        insert(ex, &guestbook.lock(), &entry(7, "Ada", "kept"));
    }
    let file = data.path().join(db::FILE_NAME);
    if !file.is_file() {
        Failure::new(ex, format!("there is no {}", file.display()))
            .note("the guestbook lives in DATA/guestbook.db")
            .fail();
    }
    let reopened = Guestbook::open(data.path()).unwrap_or_else(|error| {
        Failure::new(ex, "Guestbook::open failed on a folder with a guestbook")
            .line("got", error.to_string())
            .fail()
    });
    expect_entries(
        ex,
        &read_all(ex, &reopened.lock()),
        &[entry(7, "Ada", "kept")],
        "a guestbook opened again on the same folder has the entries of the first",
    );
}

// ---------------------------------------------------------------------------
// Exercise 8.2: Run the queries off the async runtime
// ---------------------------------------------------------------------------

#[test]
fn ex8_2_add_and_entries_work_from_async_code() {
    block_on(1, async {
        let ex = harness::exercise("8.2");
        let guestbook = Guestbook::in_memory().expect("an in-memory guestbook");
        for e in [entry(1, "Ada", "one"), entry(2, "Grace", "two")] {
            if let Err(error) = guestbook.add(e.clone()).await {
                Failure::new(ex, "Guestbook::add failed")
                    .line("sent", format!("{e:?}"))
                    .line("got", error.to_string())
                    .fail();
            }
        }
        let got = guestbook.entries().await.unwrap_or_else(|error| {
            Failure::new(ex, "Guestbook::entries failed")
                .line("got", error.to_string())
                .fail()
        });
        expect_entries(
            ex,
            &got,
            &[entry(2, "Grace", "two"), entry(1, "Ada", "one")],
            "run gives back what the query returned",
        );
    });
}

#[test]
fn ex8_2_many_tasks_add_at_once() {
    block_on(2, async {
        let ex = harness::exercise("8.2");
        let guestbook = Guestbook::in_memory().expect("an in-memory guestbook");
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let guestbook = guestbook.clone();
                tokio::spawn(async move { guestbook.add(entry(i, &format!("n{i}"), "hi")).await })
            })
            .collect();
        for task in tasks {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => Failure::new(ex, "one of 32 concurrent adds failed")
                    .line("got", error.to_string())
                    .fail(),
                Err(error) => Failure::new(ex, "a task adding an entry panicked")
                    .line("got", error.to_string())
                    .fail(),
            }
        }
        let stored = guestbook.entries().await.map_or(0, |entries| entries.len());
        if stored != 32 {
            Failure::new(ex, "32 tasks each added an entry at the same time")
                .line("expected", "32 entries")
                .line("got", format!("{stored} entries"))
                .note("every query runs with the connection locked, one at a time")
                .fail();
        }
    });
}

#[test]
fn ex8_2_a_waiting_query_does_not_block_the_runtime() {
    let ex = harness::exercise("8.2");
    let guestbook = Guestbook::in_memory().expect("an in-memory guestbook");
    // The test holds the connection, as a long query would: a call to
    // entries() must now wait for it.
    let held = guestbook.lock();
    let (progress_tx, progress_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let waiting = guestbook.clone();
    // One runtime thread only: if the query waits on it, nothing else runs.
    let runtime = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("build a runtime");
        runtime.block_on(async move {
            let query = tokio::spawn(async move { waiting.entries().await });
            // Let the query task run until it waits.
            tokio::task::yield_now().await;
            // Another task on the same runtime thread: does it get to run?
            let _ = progress_tx.send(());
            let _ = done_tx.send(query.await);
        });
    });
    let progressed = progress_rx.recv_timeout(harness::TIMEOUT).is_ok();
    // Let the query go, whatever happened, so the runtime can finish.
    drop(held);
    if !progressed {
        Failure::new(
            ex,
            "while a query waited for the connection, no other task could run",
        )
        .line(
            "expected",
            "another task on the runtime's one thread runs while entries() waits",
        )
        .line("got", format!("nothing ran for {:?}", harness::TIMEOUT))
        .note("lock the connection and run the query inside tokio::task::spawn_blocking, and await its JoinHandle: a runtime thread must never wait for a lock or the disk")
        .fail();
    }
    let result = done_rx.recv_timeout(harness::TIMEOUT);
    let _ = runtime.join();
    match result {
        Ok(Ok(Ok(entries))) if entries.is_empty() => {}
        Ok(Ok(Ok(entries))) => Failure::new(ex, "entries() of an empty guestbook")
            .line("got", format!("{entries:?}"))
            .fail(),
        Ok(Ok(Err(error))) => Failure::new(ex, "entries() failed once the connection was free")
            .line("got", error.to_string())
            .fail(),
        Ok(Err(error)) => Failure::new(ex, "the task calling entries() panicked")
            .line("got", error.to_string())
            .note("the panic message above says which exercise is still todo!()")
            .fail(),
        Err(_) => Failure::new(ex, "entries() never returned once the connection was free").fail(),
    }
}

// ---------------------------------------------------------------------------
// Exercise 8.3: Errors in one place
// ---------------------------------------------------------------------------

/// An error's response, read whole.
async fn respond(error: AppError, what: &str) -> Reply {
    let response = error.into_response();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("read the response body");
    Reply {
        sent: format!("{what}.into_response()"),
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

#[test]
fn ex8_3_an_invalid_form_is_a_422_page_naming_each_field() {
    block_on(1, async {
        let ex = harness::exercise("8.3");
        let error = AppError::Invalid {
            form: Form {
                name: "<Ada>".to_string(),
                message: String::new(),
            },
            problems: vec![
                Problem {
                    field: "message",
                    fault: Fault::Empty,
                },
                Problem {
                    field: "name",
                    fault: Fault::TooLong {
                        chars: 101,
                        max: 100,
                    },
                },
            ],
        };
        let reply = respond(error, "AppError::Invalid { .. }").await;
        reply
            .expect_status(
                ex,
                422,
                "a form that is well-formed but not acceptable is 422",
            )
            .expect_html(ex)
            .expect_contains(
                ex,
                "The message is empty.",
                "every problem is listed, in chapter 6's words",
            )
            .expect_contains(
                ex,
                "The name is too long",
                "every problem is listed, not just the first",
            )
            .expect_contains(
                ex,
                "value=\"&lt;Ada&gt;\"",
                "the form comes back filled in, escaped, so nothing is typed twice",
            )
            .expect_contains(
                ex,
                "action=\"/guestbook\"",
                "the 422 page has the form, to send again",
            );
        // The reason phrase is hyper's to write; the extension tells it which.
        let phrase = reply_extension_phrase(AppError::Invalid {
            form: Form::default(),
            problems: vec![Problem {
                field: "name",
                fault: Fault::Empty,
            }],
        });
        if phrase.as_deref() != Some("Unprocessable Content") {
            Failure::new(ex, "the 422 does not carry the reason phrase \"Unprocessable Content\"")
            .line("expected", "a hyper::ext::ReasonPhrase extension \"Unprocessable Content\"")
            .line("got", format!("{phrase:?}"))
            .note("the http crate writes 422 with its old name, \"Unprocessable Entity\"; RFC 9110 says \"Unprocessable Content\", and the app suite checks the status line")
            .fail();
        }
    });
}

fn reply_extension_phrase(error: AppError) -> Option<String> {
    let response = error.into_response();
    response
        .extensions()
        .get::<hyper::ext::ReasonPhrase>()
        .map(|phrase| String::from_utf8_lossy(phrase.as_bytes()).into_owned())
}

#[test]
fn ex8_3_not_found_and_method_not_allowed_are_pages() {
    block_on(1, async {
        let ex = harness::exercise("8.3");
        respond(AppError::NotFound, "AppError::NotFound")
            .await
            .expect_status(ex, 404, "NotFound is 404")
            .expect_html(ex)
            .expect_contains(
                ex,
                "<link rel=\"stylesheet\" href=\"/static/style.css\">",
                "an error page is a page of the site",
            );
        respond(AppError::MethodNotAllowed, "AppError::MethodNotAllowed")
            .await
            .expect_status(ex, 405, "MethodNotAllowed is 405")
            .expect_html(ex);
    });
}

#[test]
fn ex8_3_a_storage_error_is_500_without_its_details() {
    block_on(1, async {
        let ex = harness::exercise("8.3");
        let secret = "/very/secret/path/guestbook.db";
        let error = AppError::Storage(StorageError::Sqlite(rusqlite::Error::InvalidPath(
            PathBuf::from(secret),
        )));
        respond(error, "AppError::Storage(..)")
            .await
            .expect_status(ex, 500, "the database failing is the server's fault: 500")
            .expect_html(ex)
            .expect_absent(
                ex,
                secret,
                "paths and error codes are for the log, not for the visitor",
            );
    });
}

// ---------------------------------------------------------------------------
// Exercise 8.4: Routes and a fallback
// ---------------------------------------------------------------------------

#[test]
fn ex8_4_each_page_has_its_route() {
    block_on(1, async {
        let ex = harness::exercise("8.4");
        let data = TempDir::new("ch08");
        let router = chapter08::router(open_state(ex, data.path()));
        get(&router, "/")
            .await
            .expect_status(ex, 200, "GET / is the home page")
            .expect_html(ex)
            .expect_contains(
                ex,
                "href=\"/guestbook\"",
                "the home page links to the guestbook",
            );
        let time = get(&router, "/time").await;
        time.expect_status(ex, 200, "GET /time tells the time")
            .expect_header(
                ex,
                "content-type",
                "text/plain; charset=utf-8",
                "a String is text/plain in axum",
            );
        if !(time.body.len() == 21 && time.body.ends_with("Z\n")) {
            time.failure(ex, "the time is not YYYY-MM-DDTHH:MM:SSZ and a newline")
                .fail();
        }
        get(&router, "/static/style.css")
            .await
            .expect_status(ex, 200, "/static/ is the static folder, through ServeDir")
            .expect_header(
                ex,
                "content-type",
                "text/css; charset=utf-8",
                "static_files adds the charset that ServeDir leaves out",
            );
    });
}

#[test]
fn ex8_4_paths_without_a_route_get_the_html_404() {
    block_on(1, async {
        let ex = harness::exercise("8.4");
        let data = TempDir::new("ch08");
        let router = chapter08::router(open_state(ex, data.path()));
        for path in [
            "/no-such-page",
            "/hello/",
            "/hello/a/b",
            "/guestbook/",
            "/static/no-such-file.css",
            "/static/../Cargo.toml",
            "/static/%2e%2e/Cargo.toml",
        ] {
            get(&router, path)
                .await
                .expect_status(
                    ex,
                    404,
                    "no route has this path (and ServeDir refuses to leave its folder)",
                )
                .expect_html(ex);
        }
    });
}

#[test]
fn ex8_4_a_wrong_method_gets_405_with_allow() {
    block_on(1, async {
        let ex = harness::exercise("8.4");
        let data = TempDir::new("ch08");
        let router = chapter08::router(open_state(ex, data.path()));
        for (method, path, allow) in [
            ("POST", "/", "GET,HEAD"),
            ("POST", "/time", "GET,HEAD"),
            ("DELETE", "/hello/Ada", "GET,HEAD"),
            ("PUT", "/guestbook", "GET,HEAD,POST"),
        ] {
            call(router.clone(), method, path, None)
            .await
            .expect_status(ex, 405, "the path has a route, only the method is wrong")
            .expect_header(ex, "allow", allow, "axum lists the methods of the path's route; /guestbook is one route with GET and POST")
            .expect_html(ex);
        }
    });
}

// ---------------------------------------------------------------------------
// Exercise 8.5: Handlers and extractors
// ---------------------------------------------------------------------------

#[test]
fn ex8_5_hello_greets_the_decoded_name_escaped() {
    block_on(1, async {
        let ex = harness::exercise("8.5");
        let data = TempDir::new("ch08");
        let router = chapter08::router(open_state(ex, data.path()));
        for (path, greeting) in [
            ("/hello/world", "Hello, world!"),
            ("/hello/J%C3%BCrgen%20M", "Hello, Jürgen M!"),
            ("/hello/%3Cscript%3E", "Hello, &lt;script&gt;!"),
            ("/hello/a%26b%22c%27d", "Hello, a&amp;b&quot;c&#39;d!"),
        ] {
            get(&router, path)
                .await
                .expect_status(ex, 200, "a name is one segment")
                .expect_html(ex)
                .expect_contains(ex, greeting, "Path(name) is decoded; the page escapes it")
                .expect_absent(ex, "<script>", "a name is text, never markup");
        }
    });
}

#[test]
fn ex8_5_a_good_entry_is_stored_and_answered_303() {
    block_on(1, async {
        let ex = harness::exercise("8.5");
        let data = TempDir::new("ch08");
        let state = open_state(ex, data.path());
        let router = chapter08::router(state.clone());
        post_form(
            &router,
            "name=+Ada+%3Cb%3E&message=Hello%2C+%22world%22%21+",
        )
        .await
        .expect_status(
            ex,
            303,
            "a good entry is answered 303 See Other: Redirect::to",
        )
        .expect_header(ex, "location", "/guestbook", "back to the guestbook");
        let stored = state.guestbook.entries().await.unwrap_or_default();
        let got: Vec<(&str, &str)> = stored
            .iter()
            .map(|e| (e.name.as_str(), e.message.as_str()))
            .collect();
        if got != [("Ada <b>", "Hello, \"world\"!")] {
            Failure::new(ex, "the entry stored is not the one posted, trimmed")
                .line("sent", "name=+Ada+%3Cb%3E&message=Hello%2C+%22world%22%21+")
                .line("expected", "[(\"Ada <b>\", \"Hello, \\\"world\\\"!\")]")
                .line("got", format!("{got:?}"))
                .note("decode with the form extractor, trim, then add to state.guestbook")
                .fail();
        }
        post_form(&router, "name=Grace&message=second").await;
        let page = get(&router, "/guestbook").await;
        page.expect_status(ex, 200, "the guestbook page")
            .expect_html(ex)
            .expect_contains(ex, "Ada &lt;b&gt;", "entries are shown escaped")
            .expect_absent(ex, "Ada <b>", "entries are never shown unescaped");
        let (ada, grace) = (page.body.find("Ada &lt;b&gt;"), page.body.find("Grace"));
        if !matches!((ada, grace), (Some(a), Some(g)) if g < a) {
            page.failure(
                ex,
                "the newer entry (Grace) is not listed before the older (Ada)",
            )
            .fail();
        }
    });
}

#[test]
fn ex8_5_bad_entries_get_422_and_are_not_stored() {
    block_on(1, async {
        let ex = harness::exercise("8.5");
        let data = TempDir::new("ch08");
        let state = open_state(ex, data.path());
        let router = chapter08::router(state.clone());
        let long_name = format!("name={}&message=hi", "x".repeat(101));
        let unicode_ok = format!("name={}&message=hi", "%C3%A9".repeat(100));
        for (form, field, word) in [
            ("name=&message=hi", "name", "empty"),
            ("name=Ada&message=+%09+", "message", "empty"),
            ("message=hi", "name", "empty"),
            (long_name.as_str(), "name", "too long"),
        ] {
            post_form(&router, form)
                .await
                .expect_status(
                    ex,
                    422,
                    "the form is readable but not acceptable: AppError::Invalid",
                )
                .expect_html(ex)
                .expect_contains(
                    ex,
                    &format!("The {field} is {word}"),
                    "the page says which field and why (chapter 6's check_field)",
                );
        }
        let stored = state.guestbook.entries().await.unwrap_or_default();
        if !stored.is_empty() {
            Failure::new(ex, "a rejected entry was stored")
                .line("got", format!("{stored:?}"))
                .note("validate first, and return the error before calling add")
                .fail();
        }
        post_form(&router, &unicode_ok).await.expect_status(
            ex,
            303,
            "100 x é is 100 characters (200 bytes): a good name",
        );
    });
}

#[test]
fn ex8_5_a_body_that_is_not_a_form_gets_an_html_error() {
    block_on(1, async {
        let ex = harness::exercise("8.5");
        let data = TempDir::new("ch08");
        let router = chapter08::router(open_state(ex, data.path()));
        call(
            router.clone(),
            "POST",
            "/guestbook",
            Some(("application/json", r#"{"name":"Ada","message":"hi"}"#)),
        )
        .await
        .expect_status(
            ex,
            415,
            "the form extractor rejects another Content-Type with 415",
        )
        .expect_html(ex)
        .expect_contains(
            ex,
            "application/x-www-form-urlencoded",
            "the page says what was expected",
        );
        // The same request as a form is the handler's to answer.
        post_form(&router, "name=Ada&message=hi")
            .await
            .expect_status(ex, 303, "the same entry, sent as a form, is stored");
    });
}

// ---------------------------------------------------------------------------
// Exercise 8.6: Layers and a graceful shutdown
// ---------------------------------------------------------------------------

#[test]
fn ex8_6_a_body_over_the_limit_gets_413() {
    block_on(1, async {
        let ex = harness::exercise("8.6");
        let data = TempDir::new("ch08");
        let state = open_state(ex, data.path());
        let app = chapter08::app(state.clone());
        let form = format!("name=Ada&message={}", "x".repeat(chapter08::MAX_BODY_BYTES));
        post_form(&app, &form)
            .await
            .expect_status(ex, 413, "a body over MAX_BODY_BYTES: DefaultBodyLimit::max")
            .expect_html(ex);
        // Under the limit, the same app works.
        post_form(&app, "name=Ada&message=short")
            .await
            .expect_status(ex, 303, "a small form through all the layers");
        let stored = state.guestbook.entries().await.map_or(0, |e| e.len());
        if stored != 1 {
            Failure::new(ex, "the small entry was not stored, or the big one was")
                .line("got", format!("{stored} entries"))
                .fail();
        }
    });
}

#[test]
fn ex8_6_passes_chapter_6s_app_suite() {
    let ex = harness::exercise("8.6");
    let data = TempDir::new("ch08");
    let server = start(data.path());
    let suite = harness::suite::named("app").expect("the harness has the app suite");
    let target = Target::of(&server);
    let mut failures = Vec::new();
    let mut not_run = String::new();
    for check in suite.checks {
        if let Err(failure) = check.run(&target) {
            failures.push(format!(
                "[{}] {}\n{}",
                check.name,
                check.description,
                failure.message()
            ));
            if let Some(why) = target.server_stopped() {
                not_run = format!("\n\n(the other checks were not run: {why})");
                break;
            }
        }
    }
    if !failures.is_empty() {
        Failure::new(
            ex,
            format!(
                "the app failed {} of the {} checks of chapter 6's app suite",
                failures.len(),
                suite.checks.len()
            ),
        )
        .line("failures", failures.join("\n\n") + &not_run)
        .note("each failure names the chapter 6 exercise that teaches the behaviour; this chapter's section with the same feature shows the axum way. By hand: cargo run -p chapter08 -- --addr 127.0.0.1:7878, then cargo run -p course -- probe --addr 127.0.0.1:7878 app")
        .fail();
    }
    server.assert_alive(ex);
}

#[test]
fn ex8_6_entries_survive_a_restart() {
    let ex = harness::exercise("8.6");
    let data = TempDir::new("ch08");
    let mut server = start(data.path());
    let form = "name=Ada&message=Still+here+after+a+restart";
    let posted = exchange(
        &server,
        ex,
        &format!(
            "POST /guestbook HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
            form.len()
        ),
    );
    if posted.status != 303 {
        Failure::new(ex, format!("a good entry got {}, not 303", posted.status))
            .got(&posted.raw())
            .fail();
    }
    let outcome = server.stop();
    if outcome != harness::server::Outcome::Returned {
        Failure::new(ex, "serve did not return after the shutdown future completed")
            .line("got", format!("{outcome:?}"))
            .note("once the shutdown future completes, stop accepting, then await graceful.shutdown() (at most the grace period) and return")
            .fail();
    }
    drop(server);
    let server = start(data.path());
    let page = exchange(
        &server,
        ex,
        "GET /guestbook HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
    );
    if !page.body_text().contains("Still here after a restart") {
        Failure::new(
            ex,
            "a new server on the same --data folder does not show the old entry",
        )
        .line(
            "expected",
            "a page containing \"Still here after a restart\"",
        )
        .got(&page.raw())
        .note("the entries live in DATA/guestbook.db, not in the program's memory")
        .fail();
    }
}

#[test]
fn ex8_6_shutdown_closes_idle_connections_and_returns() {
    let ex = harness::exercise("8.6");
    let data = TempDir::new("ch08");
    let mut server = start(data.path());
    // A browser keeps its connection open after a response, waiting to
    // reuse it: graceful shutdown must not wait for it forever.
    let mut idle = server.connect(ex);
    idle.send(b"GET /time HTTP/1.1\r\nHost: test\r\n\r\n");
    let first = idle.read_response();
    if first.status != 200 {
        Failure::new(
            ex,
            format!("GET /time on a kept-alive connection got {}", first.status),
        )
        .got(&first.raw())
        .fail();
    }
    let outcome = server.stop();
    if outcome != harness::server::Outcome::Returned {
        Failure::new(
            ex,
            "serve did not return while a kept-alive connection sat idle",
        )
        .line("got", format!("{outcome:?}"))
        .note(
            "GracefulShutdown::shutdown closes idle connections and waits only for requests in flight",
        )
        .fail();
    }
    idle.expect_closed("the server closes an idle kept-alive connection when it shuts down");
}

/// A hundred clients that trickle a request head, a byte every tenth of a
/// second, never finishing it: every one is closed once the head deadline
/// (half a second here) passes, while a normal request is answered.
#[test]
fn ex8_6_closes_connections_whose_head_trickles_in() {
    let ex = harness::exercise("8.6");
    let data = TempDir::new("ch08");
    let config = chapter08::Config {
        head_timeout: Duration::from_millis(500),
        ..chapter08::Config::default()
    };
    let server = start_with(data.path(), config);
    let addr = server.addr();
    const CLIENTS: usize = 100;
    // How long a client keeps trickling before the test gives up on it.
    const WAIT: Duration = Duration::from_secs(10);
    let head = b"GET /time HTTP/1.1\r\nHost: test\r\nX-Slow: ";
    let tricklers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            std::thread::spawn(move || -> Result<usize, String> {
                let mut stream = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
                // The pause between bytes: waiting for the server's close
                // with a short read timeout, so no byte is sent once it came.
                stream
                    .set_read_timeout(Some(Duration::from_millis(100)))
                    .map_err(|e| e.to_string())?;
                let started = std::time::Instant::now();
                let mut sent = 0;
                while started.elapsed() < WAIT {
                    let byte = head.get(sent).copied().unwrap_or(b'x');
                    if std::io::Write::write_all(&mut stream, &[byte]).is_err() {
                        return Ok(sent);
                    }
                    sent += 1;
                    let mut buffer = [0; 256];
                    match std::io::Read::read(&mut stream, &mut buffer) {
                        Ok(0) => return Ok(sent),
                        Ok(_) => return Err("the server answered a head that never ended".into()),
                        // The read timed out (Unix says WouldBlock, Windows
                        // TimedOut): still open, send the next byte.
                        Err(error)
                            if matches!(
                                error.kind(),
                                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                            ) => {}
                        // A reset is a close too.
                        Err(_) => return Ok(sent),
                    }
                }
                Err(format!("still open after {WAIT:?} and {sent} bytes"))
            })
        })
        .collect();
    // Meanwhile, a normal client is served.
    let answer = exchange(
        &server,
        ex,
        "GET /time HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
    );
    if answer.status != 200 {
        Failure::new(
            ex,
            "with 100 clients trickling heads, a normal request was not served",
        )
        .got(&answer.raw())
        .fail();
    }
    let mut still_open = Vec::new();
    for trickler in tricklers {
        match trickler.join() {
            Ok(Ok(_sent)) => {}
            Ok(Err(why)) => still_open.push(why),
            Err(_) => still_open.push("the client thread panicked".to_string()),
        }
    }
    if !still_open.is_empty() {
        Failure::new(
            ex,
            format!("{} of {CLIENTS} clients trickling a request head were not closed", still_open.len()),
        )
        .line("first", still_open[0].clone())
        .note("axum::serve sets no deadline for request heads: serve through hyper's HTTP/1.1 builder (http.http1()) with .timer(TokioTimer::new()) and .header_read_timeout(config.head_timeout)")
        .fail();
    }
}

/// The binary with 64 file descriptors, flooded with 150 idle clients: its
/// accept loop pauses, longer each time, instead of spinning, and once the
/// clients leave it serves again.
#[cfg(unix)]
#[test]
fn ex8_6_backs_off_when_out_of_file_descriptors() {
    let ex = harness::exercise("8.6");
    let Some(binary) =
        option_env!("CARGO_BIN_EXE_chapter08-solution").or(option_env!("CARGO_BIN_EXE_chapter08"))
    else {
        panic!("cargo did not say where the chapter's binary is");
    };
    let data = TempDir::new("ch08");
    let data_arg = data.path().display().to_string();
    let server = harness::ChildProcess::start_with_fd_limit(
        ex,
        binary,
        &["--addr", "127.0.0.1:0", "--data", &data_arg],
        64,
    );
    let addr = server.wait_until_listening(harness::TIMEOUT);
    // Each idle connection holds a descriptor until hyper's head deadline
    // (10 s) closes it; 150 of them take all 64.
    // A failure to connect shows the binary's last lines: why it is not
    // there (a panic in a stub, say).
    let flood: Vec<harness::Client> = (0..150).map(|_| server.connect(addr)).collect();
    server.expect_accept_backoff(harness::TIMEOUT);
    drop(flood);
    server.expect_served_again(
        addr,
        b"GET /time HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
        Duration::from_secs(10),
    );
}
