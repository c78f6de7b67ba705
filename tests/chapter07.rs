//! Stage tests of chapter 7, async.
//!
//! The same file tests the learner's crate (`cargo test -p chapter07`) and
//! the reference solution (`cargo test -p chapter07-solution`): both name
//! their library `chapter07`. Each test is named after the exercise it
//! checks (`ex7_3_...` checks exercise 7.3).
//!
//! Two kinds of test:
//!
//! - **Over real sockets**: the server runs in a thread of its own, on a
//!   tokio runtime it builds there ([`serve_blocking`]), and the test talks
//!   to it with the harness's blocking clients. Concurrency is checked by
//!   counting ([`Stats`]: open connections, requests in flight), never by
//!   timing; a request the test wants held in progress waits at a gate the
//!   test opens.
//! - **Over an in-memory pipe, with tokio's clock paused**: a
//!   [`Connection`] is driven through `tokio::io::duplex`, on a runtime
//!   built with `start_paused(true)` ([`on_paused_clock`], what
//!   `#[tokio::test(start_paused = true)]` does). A paused clock only moves when
//!   every task is waiting, and then jumps straight to the next timer: a
//!   test of a 5-second idle timeout takes no real time, and the time it
//!   measures is exact, so it can be compared with `==`.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use chapter07::{
    CancellationToken, Config, Connection, ConnectionLimit, HttpConfig, Received, Request,
    Response, Stats, StatusCode, echo, serve_blocking, site,
};
use harness::server::Outcome;
use harness::suite::{Target, named, run_suite};
use harness::{
    Client, Exercise, Failure, TestServer, expect_count, expect_header, expect_no_service,
    expect_status,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::time::Instant;

/// How long a test waits for the server to reach a count. Generous: on a
/// correct server the wait ends in milliseconds; this only bounds how long
/// a wrong one takes to fail.
const WAIT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------
// Helpers: servers on real sockets
// ---------------------------------------------------------------------------

/// A server under test, with its counters and its stop signal.
struct Running {
    server: TestServer,
    stats: Arc<Stats>,
    shutdown: CancellationToken,
}

/// Starts `handler` with `config` on `127.0.0.1:0`, on a runtime of its own
/// in a thread of its own.
fn start_with(config: Config, handler: impl chapter07::Handler) -> Running {
    let listener = harness::bind_local();
    let shutdown = CancellationToken::new();
    let stats = Arc::new(Stats::default());
    let (serve_shutdown, stop, serve_stats) =
        (shutdown.clone(), shutdown.clone(), Arc::clone(&stats));
    let server = TestServer::spawn(
        listener,
        move |listener| serve_blocking(listener, serve_shutdown, &config, handler, serve_stats),
        move || stop.cancel(),
    );
    Running {
        server,
        stats,
        shutdown,
    }
}

/// [`start_with`] for the tests of exercise 7.6, which come before the
/// graceful stop (7.7): dropping the server cancels the token and does
/// not wait for `serve_with` to return.
fn start_accepting(config: Config, handler: impl chapter07::Handler) -> Running {
    let mut running = start_with(config, handler);
    running.server.leave_its_stop_unchecked();
    running
}

/// Starts the site, where `/wait` waits until the test cancels `gate` (or
/// for [`WAIT`] at most, so a failed test never leaves a task behind for
/// long). A cancellation token makes a good gate: waiting for it is a
/// future, and cancelling it is a plain call, from any thread.
fn start_gated(config: Config, gate: &CancellationToken) -> Running {
    let gate = gate.clone();
    start_with(config, move |request: Request| {
        let gate = gate.clone();
        async move {
            if request.path == "/wait" {
                let _ = tokio::time::timeout(WAIT, gate.cancelled()).await;
                Response::bytes(StatusCode::Ok, "text/plain", "waited\n")
            } else {
                site::route(request).await
            }
        }
    })
}

/// Waits for `condition` (a count the server reports), failing at once if
/// the server stops meanwhile, and showing its counters if the count never
/// comes.
#[track_caller]
fn wait_for(ex: Exercise, what: &str, running: &Running, condition: impl FnMut() -> bool) {
    running
        .server
        .wait_for(ex, what, WAIT, condition, || format!("{:?}", running.stats));
}

fn request(path: &str, extra_headers: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra_headers}\r\n").into_bytes()
}

// ---------------------------------------------------------------------------
// Helpers: a connection over an in-memory pipe
// ---------------------------------------------------------------------------

/// Runs a test's async body on a runtime whose clock starts paused: what
/// `#[tokio::test(start_paused = true)]` does, spelled out. Time only
/// moves when every task waits for a timer, and then jumps to it.
fn on_paused_clock<F: Future>(test: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a tokio runtime for the test")
        .block_on(test)
}

/// Runs a test's async body on a runtime with a real clock.
fn on_runtime<F: Future>(test: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the test")
        .block_on(test)
}

/// A configuration with round numbers, for the paused-clock tests.
fn pipe_config() -> HttpConfig {
    HttpConfig {
        idle_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
        write_timeout: Duration::from_secs(10),
        ..HttpConfig::default()
    }
}

/// A connection over a pipe: the test's end, and the server's end wrapped
/// in a [`Connection`]. `capacity` is how many bytes the pipe holds in each
/// direction before a write must wait for the other end to read.
fn pipe(capacity: usize) -> (DuplexStream, Connection<DuplexStream>) {
    let (client, server) = tokio::io::duplex(capacity);
    (client, Connection::new(server, "pipe"))
}

/// Serves a connection over a pipe in a task, with the site as handler.
fn serve_over_pipe(
    connection: Connection<DuplexStream>,
    config: HttpConfig,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<io::Result<()>> {
    tokio::spawn(async move {
        let stats = Stats::default();
        connection
            .serve(&config, &site::route, &shutdown, &stats)
            .await
    })
}

/// Reads everything until the server ends the stream.
async fn read_all(client: &mut DuplexStream) -> Vec<u8> {
    let mut got = Vec::new();
    let _ = client.read_to_end(&mut got).await;
    got
}

/// The status lines of the responses in `bytes`, in order. Knows just
/// enough HTTP for the pipe tests: every response of the site has a
/// Content-Length, and `head_only[i]` says that response `i` answers a
/// HEAD, so no body follows its head.
fn status_lines(mut bytes: &[u8], head_only: &[bool]) -> Vec<String> {
    let mut lines = Vec::new();
    for &head in head_only {
        let Some(end) = harness::http::head_end(bytes) else {
            break;
        };
        let Ok(response) = harness::http::Response::parse_head(&bytes[..end]) else {
            break;
        };
        let length = if head {
            0
        } else {
            response.content_length().ok().flatten().unwrap_or(0)
        };
        lines.push(response.status_line.clone());
        bytes = &bytes[(end + length).min(bytes.len())..];
    }
    lines
}

// ---------------------------------------------------------------------------
// 7.1 Echo as tasks
// ---------------------------------------------------------------------------

/// Starts chapter 7's echo server, on a runtime of its own in a thread.
fn start_echo() -> TestServer {
    let listener = harness::bind_local();
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    TestServer::spawn(
        listener,
        move |listener| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            listener.set_nonblocking(true)?;
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                echo::serve(listener, shutdown).await
            })
        },
        move || stop.cancel(),
    )
}

#[test]
fn ex7_1_echoes_two_clients_at_once() {
    let ex = harness::exercise("7.1");
    let server = start_echo();
    let mut first = server.connect(ex);
    first.send(b"first\n");
    let echoed = first.read_line();
    if echoed != b"first\n" {
        Failure::new(ex, "the echo came back different")
            .sent(first.sent())
            .expected_got(b"first\n", &echoed)
            .fail();
    }
    // The first client is still connected. Chapter 1's server would make
    // the second wait for it to finish; tasks serve both.
    let mut second = server.connect(ex);
    second.send(b"second\n");
    let echoed = second.read_line();
    if echoed != b"second\n" {
        Failure::new(
            ex,
            "a second client was not echoed while the first was still connected",
        )
        .sent(second.sent())
        .expected_got(b"second\n", &echoed)
        .note("each client needs a task of its own: spawn one per accepted connection")
        .fail();
    }
    // A large message, half-close, and everything comes back, then EOF.
    // The echo fills the socket buffers while the message is still being
    // written, so another thread writes while this one reads (chapter 1).
    let message: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let mut writer_stream = first.stream().try_clone().expect("try_clone");
    first.sent_elsewhere(&message);
    let to_send = message.clone();
    let writer = std::thread::spawn(move || {
        let written = writer_stream.write_all(&to_send);
        let _ = writer_stream.shutdown(std::net::Shutdown::Write);
        written
    });
    let echoed = first.read_to_end();
    let _ = writer.join();
    if echoed != message {
        Failure::new(
            ex,
            "200,000 bytes, then a half-close, did not come back whole",
        )
        .line("expected", format!("{} bytes", message.len()))
        .line("got", format!("{} bytes", echoed.len()))
        .note("loop until read returns 0, and write_all what each read gave")
        .fail();
    }
    server.assert_alive(ex);
}

#[test]
fn ex7_1_echo_stops_on_shutdown_with_a_client_connected() {
    let ex = harness::exercise("7.1");
    let mut server = start_echo();
    let mut client = server.connect(ex);
    client.send(b"still here\n");
    let echoed = client.read_line();
    if echoed != b"still here\n" {
        Failure::new(ex, "the echo came back different")
            .sent(client.sent())
            .expected_got(b"still here\n", &echoed)
            .fail();
    }
    let outcome = server.stop();
    if outcome != Outcome::Returned {
        Failure::new(
            ex,
            "echo::serve did not return after the shutdown while a client was connected",
        )
        .line("outcome", format!("{outcome:?}"))
        .note(
            "select! between accept and shutdown.cancelled(), and between echo and it in each task",
        )
        .fail();
    }
    client.expect_closed("on shutdown the echo server closes its clients' connections");
}

// ---------------------------------------------------------------------------
// 7.2 Wait with a deadline (paused clock, no socket)
// ---------------------------------------------------------------------------

#[test]
fn ex7_2_an_idle_wait_ends_after_the_idle_timeout() {
    on_paused_clock(async {
        let ex = harness::exercise("7.2");
        let config = pipe_config();
        let (_client, mut connection) = pipe(1024);
        let started = Instant::now();
        let received = connection
            .receive(&config, &CancellationToken::new())
            .await
            .expect("receive on a pipe does not fail");
        let waited = started.elapsed();
        if received != Received::Closed || waited != config.idle_timeout {
            Failure::new(
                ex,
                "with nothing to read and no request started, receive should give up after the idle timeout",
            )
            .line("expected", format!("Closed after {:?}", config.idle_timeout))
            .line("got", format!("{received:?} after {waited:?} (tokio's paused clock)"))
            .note("between requests, wrap the read in tokio::time::timeout_at(now + idle_timeout, ...)")
            .fail();
        }
    })
}

#[test]
fn ex7_2_a_trickling_request_gets_its_deadline_and_no_more() {
    on_paused_clock(async {
        let ex = harness::exercise("7.2");
        let config = pipe_config();
        let shutdown = CancellationToken::new();
        let (mut client, mut connection) = pipe(1024);
        client.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        let first = connection.receive(&config, &shutdown).await.unwrap();
        if first != Received::Bytes {
            Failure::new(ex, "receive should return Bytes when bytes arrive")
                .sent(b"GET / HTTP/1.1\r\n")
                .line("got", format!("{first:?}"))
                .fail();
        }
        // The request has started. A client now sends one byte a second,
        // forever: each byte would reset a read timeout, but not a deadline.
        let trickle = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if client.write_all(b"a").await.is_err() {
                    break;
                }
            }
        });
        let started = Instant::now();
        let mut bytes = 0;
        let last = loop {
            match connection.receive(&config, &shutdown).await.unwrap() {
                Received::Bytes if bytes < 100 => bytes += 1,
                other => break other,
            }
        };
        trickle.abort();
        let waited = started.elapsed();
        if last != Received::TooSlow || waited != config.request_timeout {
            Failure::new(
                ex,
                "a request that trickles in a byte a second must be given up on at its deadline",
            )
            .line(
                "expected",
                format!(
                    "TooSlow {:?} after the request started",
                    config.request_timeout
                ),
            )
            .line(
                "got",
                format!("{last:?} after {waited:?}, having received {bytes} more bytes"),
            )
            .note(
                "set the deadline once per request (deadline.get_or_insert_with) and never move it",
            )
            .fail();
        }
    })
}

#[test]
fn ex7_2_shutdown_ends_an_idle_wait_but_not_a_started_request() {
    on_paused_clock(async {
        let ex = harness::exercise("7.2");
        let config = pipe_config();
        let shutdown = CancellationToken::new();
        shutdown.cancel();
        let (_client, mut connection) = pipe(1024);
        let started = Instant::now();
        let idle = connection.receive(&config, &shutdown).await.unwrap();
        if idle != Received::Closed || !started.elapsed().is_zero() {
            Failure::new(
                ex,
                "during a shutdown, a connection waiting for its next request should stop waiting at once",
            )
            .line("expected", "Closed, at once")
            .line("got", format!("{idle:?} after {:?}", started.elapsed()))
            .note("when idle, race the read against shutdown.cancelled() with tokio::select!")
            .fail();
        }
        // A request under way when the shutdown comes may still arrive.
        let shutdown = CancellationToken::new();
        let (mut client, mut connection) = pipe(1024);
        client.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        let started = connection.receive(&config, &shutdown).await.unwrap();
        shutdown.cancel();
        let rest = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(2)).await;
            client.write_all(b"Host: x\r\n\r\n").await.unwrap();
            client
        });
        let finished = connection.receive(&config, &shutdown).await.unwrap();
        let _client = rest.await.unwrap();
        if started != Received::Bytes || finished != Received::Bytes {
            Failure::new(
                ex,
                "during a shutdown, a request that has started should still be received",
            )
            .line(
                "sent",
                "GET / HTTP/1.1\\r\\n, then the shutdown, then 2 s later Host: x\\r\\n\\r\\n",
            )
            .line("expected", "Bytes, then Bytes")
            .line("got", format!("{started:?}, then {finished:?}"))
            .note("only the wait for a next request (an empty buffer) gives way to the shutdown")
            .fail();
        }
    })
}

// ---------------------------------------------------------------------------
// 7.3 Write with a deadline (paused clock, no socket)
// ---------------------------------------------------------------------------

#[test]
fn ex7_3_a_client_that_never_reads_is_given_up_on() {
    on_paused_clock(async {
        let ex = harness::exercise("7.3");
        let config = pipe_config();
        // The pipe holds 1 KiB; the response is 100 KiB; the client never reads.
        let (_client, mut connection) = pipe(1024);
        let response = Response::bytes(StatusCode::Ok, "text/plain", vec![b'x'; 100 * 1024]);
        let started = Instant::now();
        let sent = connection.send(response, false, &config).await;
        let waited = started.elapsed();
        let timed_out = matches!(&sent, Err(e) if e.kind() == io::ErrorKind::TimedOut);
        if !timed_out || waited != config.write_timeout {
            Failure::new(
                ex,
                "writing to a client that never reads must give up after the write timeout",
            )
            .line(
                "expected",
                format!("an error of kind TimedOut after {:?}", config.write_timeout),
            )
            .line("got", format!("{sent:?} after {waited:?}"))
            .note("wrap write_all and flush in tokio::time::timeout(config.write_timeout, ...)")
            .fail();
        }
    })
}

// ---------------------------------------------------------------------------
// 7.4 The connection on the sans-IO parser (over a pipe)
// ---------------------------------------------------------------------------

#[test]
fn ex7_4_answers_pipelined_requests_in_order_over_a_pipe() {
    on_runtime(async {
        let ex = harness::exercise("7.4");
        let (mut client, connection) = pipe(64 * 1024);
        let served = serve_over_pipe(connection, pipe_config(), CancellationToken::new());
        // Four requests in one write: the connection must answer each, in
        // order, from its buffer, before it reads again.
        let sent = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\
                     GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n\
                     HEAD / HTTP/1.1\r\nHost: x\r\n\r\n\
                     GET /sleep?ms=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        client.write_all(sent).await.unwrap();
        let got = tokio::time::timeout(harness::TIMEOUT, read_all(&mut client)).await;
        let got = got.unwrap_or_default();
        let lines = status_lines(&got, &[false, false, true, false]);
        let expected = [
            "HTTP/1.1 200 OK",
            "HTTP/1.1 404 Not Found",
            "HTTP/1.1 200 OK",
            "HTTP/1.1 200 OK",
        ];
        if lines != expected {
            Failure::new(
                ex,
                "four pipelined requests should get four answers, in order, then the connection closes",
            )
            .sent(sent)
            .line("expected", expected.join(", "))
            .line("got", lines.join(", "))
            .got(&got)
            .fail();
        }
        let ended = tokio::time::timeout(harness::TIMEOUT, served).await;
        if !matches!(ended, Ok(Ok(Ok(())))) {
            Failure::new(
                ex,
                "after `Connection: close` was answered, Connection::serve should return Ok",
            )
            .line("got", format!("{ended:?}"))
            .fail();
        }
    })
}

/// A handler that panics: that request gets `500` and the connection
/// closes, but the connection's task ends normally, and the next
/// connection is served as usual.
#[test]
fn ex7_4_a_panicking_handler_gets_500_and_the_next_client_is_served() {
    on_runtime(async {
        let ex = harness::exercise("7.4");
        let (mut client, connection) = pipe(64 * 1024);
        let served = serve_over_pipe(connection, pipe_config(), CancellationToken::new());
        let sent = b"GET /panic HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n";
        client.write_all(sent).await.unwrap();
        let got = tokio::time::timeout(harness::TIMEOUT, read_all(&mut client)).await;
        let got = got.unwrap_or_default();
        let lines = status_lines(&got, &[false, false]);
        if lines != ["HTTP/1.1 500 Internal Server Error"] {
            Failure::new(
                ex,
                "a handler that panics should get one 500 answer with Connection: close, and nothing after it",
            )
            .sent(sent)
            .line("expected", "HTTP/1.1 500 Internal Server Error, then the end of the stream")
            .line("answers", lines.join(", "))
            .got(&got)
            .note("call the handler through call_handler, which turns a panic into a 500")
            .fail();
        }
        let ended = tokio::time::timeout(harness::TIMEOUT, served).await;
        if !matches!(ended, Ok(Ok(Ok(())))) {
            Failure::new(
                ex,
                "after a handler panicked, Connection::serve should answer 500 and return Ok, not panic itself",
            )
            .line("got", format!("{ended:?}"))
            .fail();
        }
        // The server lives on: another connection is served as usual.
        let (mut client, connection) = pipe(64 * 1024);
        let served = serve_over_pipe(connection, pipe_config(), CancellationToken::new());
        let sent = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        client.write_all(sent).await.unwrap();
        let got = tokio::time::timeout(harness::TIMEOUT, read_all(&mut client)).await;
        let got = got.unwrap_or_default();
        if status_lines(&got, &[false]) != ["HTTP/1.1 200 OK"] {
            Failure::new(
                ex,
                "after a panic, the next connection should be served as usual",
            )
            .sent(sent)
            .got(&got)
            .fail();
        }
        let _ = tokio::time::timeout(harness::TIMEOUT, served).await;
    })
}

#[test]
fn ex7_4_a_trickling_client_gets_408() {
    on_paused_clock(async {
        let ex = harness::exercise("7.4");
        let config = pipe_config();
        let (client, connection) = pipe(64 * 1024);
        let served = serve_over_pipe(connection, config.clone(), CancellationToken::new());
        let (mut reader, mut writer) = tokio::io::split(client);
        let trickle = tokio::spawn(async move {
            let head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ";
            for byte in head.iter().chain(std::iter::repeat(&b'a')) {
                if writer.write_all(&[*byte]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        let started = Instant::now();
        let mut got = Vec::new();
        let _ = reader.read_to_end(&mut got).await;
        let waited = started.elapsed();
        trickle.abort();
        let head = harness::http::head_end(&got)
            .and_then(|end| harness::http::Response::parse_head(&got[..end]).ok());
        let closes = head
            .as_ref()
            .is_some_and(|r| r.header("Connection") == Some("close"));
        let status = head.map(|r| r.status_line).unwrap_or_default();
        if status != "HTTP/1.1 408 Request Timeout" || !closes || waited > config.request_timeout {
            Failure::new(
                ex,
                "a client sending a byte a second should get 408 at the request's deadline, then a close",
            )
            .line(
                "expected",
                format!(
                    "\"HTTP/1.1 408 Request Timeout\" with Connection: close within {:?}",
                    config.request_timeout
                ),
            )
            .line("after", format!("{waited:?} (tokio's paused clock)"))
            .got(&got)
            .note("receive gives TooSlow: answer it with a 408 error page through send_closing")
            .fail();
        }
        let _ = served.await;
    })
}

#[test]
fn ex7_4_an_idle_keep_alive_connection_closes_after_the_idle_timeout() {
    on_paused_clock(async {
        let ex = harness::exercise("7.4");
        let config = pipe_config();
        let (mut client, connection) = pipe(64 * 1024);
        let served = serve_over_pipe(connection, config.clone(), CancellationToken::new());
        let sent = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        client.write_all(sent).await.unwrap();
        // Read the one response (the home page), then nothing more comes.
        let mut got = Vec::new();
        let mut chunk = [0; 4096];
        let head = loop {
            let n = client.read(&mut chunk).await.unwrap_or(0);
            got.extend_from_slice(&chunk[..n]);
            if let Some(end) = harness::http::head_end(&got) {
                break harness::http::Response::parse_head(&got[..end]).ok();
            }
            if n == 0 {
                break None;
            }
        };
        let Some(head) = head.filter(|r| r.status == 200 && r.header("Connection").is_none())
        else {
            Failure::new(
                ex,
                "GET / over HTTP/1.1 should get 200, and the connection kept alive",
            )
            .sent(sent)
            .got(&got)
            .fail();
        };
        let length = head.content_length().ok().flatten().unwrap_or(0);
        let body_start = harness::http::head_end(&got).unwrap_or(0);
        let mut body = got[body_start..].to_vec();
        while body.len() < length {
            let n = client.read(&mut chunk).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        let answered = Instant::now();
        let rest = read_all(&mut client).await;
        let waited = answered.elapsed();
        if !rest.is_empty() || waited != config.idle_timeout {
            Failure::new(
                ex,
                "a kept-alive connection with no next request should close after the idle timeout",
            )
            .sent(sent)
            .line(
                "expected",
                format!(
                    "the end of the stream {:?} after the response",
                    config.idle_timeout
                ),
            )
            .line(
                "got",
                format!("{} more bytes, after {waited:?}", rest.len()),
            )
            .fail();
        }
        let _ = served.await;
    })
}

// ---------------------------------------------------------------------------
// 7.5 Limit the connections (no socket)
// ---------------------------------------------------------------------------

#[test]
fn ex7_5_fits_its_limits_under_the_file_descriptors() {
    let ex = harness::exercise("7.5");
    let cases = [
        // (descriptors, connections, 503s at once)
        (64, 24, 8),
        (1024, 928, 64),
        (1 << 20, 10_000, 64),
        (u64::MAX, 10_000, 64),
        (16, 1, 1),
    ];
    for (descriptors, connections, busy) in cases {
        let config = Config::fitting(descriptors);
        let got = (config.max_connections, config.max_busy_answers);
        if got != (connections, busy) {
            Failure::new(ex, format!("Config::fitting({descriptors}) gives other limits"))
                .line("expected", format!("{connections} connections and {busy} 503s at once"))
                .line("got", format!("{} connections and {} 503s at once", got.0, got.1))
                .note("what is left after RESERVED_DESCRIPTORS: a quarter (at most MAX_BUSY_ANSWERS) for 503s, the rest (at most MAX_CONNECTIONS) for connections, never less than 1 each")
                .fail();
        }
    }
}

/// The limit itself, with no server: two places, a third client turned
/// away (and counted), and a place free again once a permit is dropped.
#[test]
fn ex7_5_admits_up_to_the_limit_and_counts_the_rest() {
    let ex = harness::exercise("7.5");
    let stats = Arc::new(Stats::default());
    let limit = ConnectionLimit::new(2, Arc::clone(&stats));
    let first = limit.admit();
    let second = limit.admit();
    let third = limit.admit();
    let admitted = [&first, &second, &third].map(|permit| permit.is_some());
    if admitted != [true, true, false] || stats.rejected.total() != 1 {
        Failure::new(ex, "a limit of 2 did not admit two connections and refuse the third")
            .line("expected", "admit() gives Some, Some, None, and counts 1 rejected")
            .line(
                "got",
                format!("{admitted:?}, {} counted rejected", stats.rejected.total()),
            )
            .note("try_acquire_owned on the Arc<Semaphore> gives a permit or fails at once; count the failure with stats.rejected.add()")
            .fail();
    }
    drop(first);
    if limit.admit().is_none() {
        Failure::new(ex, "a place freed by a dropped permit was not given again")
            .line(
                "expected",
                "after one permit is dropped, admit() gives Some",
            )
            .note(
                "an OwnedSemaphorePermit gives its place back when it is dropped: do not forget it",
            )
            .fail();
    }
}

// ---------------------------------------------------------------------------
// 7.6 A task per connection (real sockets)
// ---------------------------------------------------------------------------

#[test]
fn ex7_6_passes_the_http_suite() {
    let ex = harness::exercise("7.6");
    let mut config = Config::default();
    config.http.idle_timeout = Duration::from_millis(300);
    let running = start_accepting(config, site::Site);
    let suite = named("http").expect("the harness has an http suite");
    let target = Target::of(&running.server);
    if let Err(failures) = run_suite(&target, suite) {
        Failure::new(ex, "chapter 3's http suite fails against the async server")
            .note(failures)
            .fail();
    }
}

#[test]
fn ex7_6_answers_expect_continue_and_decodes_chunked_bodies() {
    let ex = harness::exercise("7.6");
    let running = start_accepting(Config::default(), site::Site);
    // curl -T - : chunked, and it waits for 100 Continue first.
    let mut client = running.server.connect(ex);
    client.send(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
    );
    let interim = client.read_response_head();
    expect_status(ex, &client, &interim, "HTTP/1.1 100 Continue");
    client.send(b"8\r\nmessage=\r\n5\r\nasync\r\n0\r\n\r\n");
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    if !response.body_text().contains("<dd>async</dd>") {
        Failure::new(ex, "the chunked form's message is not in the page")
            .sent(client.sent())
            .line("got", response.body_text())
            .fail();
    }
    // /picture.jpg reads no body: its 405 comes at once, and the
    // connection closes (the client may still send what it announced).
    let mut client = running.server.connect(ex);
    client.send(b"PUT /picture.jpg HTTP/1.1\r\nHost: a\r\nContent-Length: 99999\r\nExpect: 100-continue\r\n\r\n");
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 405 Method Not Allowed");
    expect_header(ex, &client, &response, "Allow", "GET, HEAD");
    expect_header(ex, &client, &response, "Connection", "close");
    client.expect_closed("after an answer given before the body, the connection ends");
}

#[test]
fn ex7_6_serves_a_connection_while_another_request_waits() {
    let ex = harness::exercise("7.6");
    let gate = CancellationToken::new();
    let mut running = start_gated(Config::default(), &gate);
    running.server.leave_its_stop_unchecked();
    let stats = &running.stats;
    let mut slow = running.server.connect(ex);
    slow.send(&request("/wait", "Connection: close\r\n"));
    wait_for(ex, "the /wait request in progress", &running, || {
        stats.in_flight.now() == 1
    });
    let mut other = running.server.connect(ex);
    other.send(&request("/", "Connection: close\r\n"));
    let response = other.read_response();
    expect_status(ex, &other, &response, "HTTP/1.1 200 OK");
    gate.cancel();
    let response = slow.read_response();
    expect_status(ex, &slow, &response, "HTTP/1.1 200 OK");
    expect_count(
        ex,
        "connections served",
        stats.connections.total(),
        2,
        stats,
    );
    running.server.assert_alive(ex);
}

/// How many idle connections the test below holds: as many as the file
/// descriptor limit allows (raised as far as the OS lets us), at most
/// 2,000. Each costs two descriptors in this process: the client's socket
/// and the server's.
fn idle_connections_to_hold() -> usize {
    // The server's own way: the soft limit (the one that applies) raised
    // to the hard one. On Windows there is no such limit.
    let limit = chapter07::server::raise_descriptor_limit();
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    // Keep 200 descriptors for everything else the test process opens
    // (other tests run in parallel threads).
    (limit.saturating_sub(200) / 2).min(2_000)
}

#[test]
fn ex7_6_holds_thousands_of_idle_connections_and_still_answers() {
    let ex = harness::exercise("7.6");
    let held = idle_connections_to_hold();
    if held < 1_000 {
        Failure::new(
            ex,
            format!("this machine lets a process open too few files to hold 1,000 connections (room for {held})"),
        )
        .note("raise the limit (`ulimit -n 4096` on Linux and macOS) and run the test again")
        .fail();
    }
    // Idle connections must stay open for the whole test.
    let mut config = Config::default();
    config.http.idle_timeout = Duration::from_secs(60);
    let running = start_accepting(config, site::route);
    let stats = &running.stats;
    let addr = running.server.addr();
    let mut idle = Vec::with_capacity(held);
    for number in 0..held {
        match TcpStream::connect_timeout(&addr, harness::TIMEOUT) {
            Ok(stream) => idle.push(stream),
            Err(error) => {
                let mut failure = Failure::new(
                    ex,
                    format!("could not open idle connection number {}", number + 1),
                )
                .line("error", error.to_string());
                if let Some(why) = running.server.state().end_now() {
                    failure = failure.line("server", why);
                }
                failure.fail();
            }
        }
    }
    wait_for(
        ex,
        &format!("{held} connections open at once"),
        &running,
        || stats.open.now() == held,
    );
    // Every one of them is served by a task waiting for its first request.
    // A new client is still answered at once...
    let mut client = running.server.connect(ex);
    client.send(&request("/", "Connection: close\r\n"));
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    // ...and so are the idle ones, the first and the last opened.
    for index in [0, held - 1] {
        let stream = &mut idle[index];
        stream
            .set_read_timeout(Some(harness::TIMEOUT))
            .expect("set_read_timeout");
        let sent = request("/", "Connection: close\r\n");
        let mut got = Vec::new();
        let answered = stream.write_all(&sent).is_ok() && stream.read_to_end(&mut got).is_ok();
        if !answered || !got.starts_with(b"HTTP/1.1 200 OK\r\n") {
            Failure::new(
                ex,
                "a connection that waited among thousands was not served",
            )
            .sent(&sent)
            .got(&got)
            .line("counters", format!("{stats:?}"))
            .fail();
        }
    }
    if stats.open.peak() < held {
        expect_count(ex, "peak open connections", stats.open.peak(), held, stats);
    }
    running.server.assert_alive(ex);
}

#[test]
fn ex7_6_answers_503_over_the_connection_limit() {
    let ex = harness::exercise("7.6");
    let mut config = Config {
        max_connections: 2,
        ..Config::default()
    };
    config.http.idle_timeout = Duration::from_secs(60);
    let running = start_accepting(config, site::route);
    let stats = &running.stats;
    let first = running.server.connect(ex);
    let _second = running.server.connect(ex);
    wait_for(ex, "two connections open", &running, || {
        stats.open.now() == 2
    });
    let mut third = running.server.connect(ex);
    third.send(&request("/", ""));
    let busy = third.read_response();
    expect_status(ex, &third, &busy, "HTTP/1.1 503 Service Unavailable");
    expect_header(ex, &third, &busy, "Retry-After", "1");
    expect_header(ex, &third, &busy, "Connection", "close");
    third.expect_closed("a 503 from a full server closes the connection");
    expect_count(ex, "503 answers", stats.rejected.total(), 1, stats);
    // A place frees up when a connection ends, and the next client is served.
    drop(first);
    wait_for(ex, "one connection open", &running, || {
        stats.open.now() == 1
    });
    let mut fourth = running.server.connect(ex);
    fourth.send(&request("/", "Connection: close\r\n"));
    let response = fourth.read_response();
    expect_status(ex, &fourth, &response, "HTTP/1.1 200 OK");
    running.server.assert_alive(ex);
}

#[test]
fn ex7_6_closes_at_once_what_it_cannot_even_answer_503() {
    let ex = harness::exercise("7.6");
    let mut config = Config {
        max_connections: 1,
        max_busy_answers: 1,
        ..Config::default()
    };
    config.http.idle_timeout = Duration::from_secs(60);
    let running = start_accepting(config, site::Site);
    let stats = &running.stats;
    let _served = running.server.connect(ex);
    wait_for(ex, "one connection open", &running, || {
        stats.open.now() == 1
    });
    // The second gets a 503, and says nothing more, so the task that
    // answered it waits a moment for the client to close first...
    let mut second = running.server.connect(ex);
    let busy = second.read_response();
    expect_status(ex, &second, &busy, "HTTP/1.1 503 Service Unavailable");
    // ...while the third finds no task free even for a 503: the accept
    // loop answers it itself and closes at once, instead of spawning one
    // more task per connection an attacker opens.
    let mut third = running.server.connect(ex);
    let busy = third.read_response();
    expect_status(ex, &third, &busy, "HTTP/1.1 503 Service Unavailable");
    third.expect_closed("with every 503 task taken, the accept loop answers and closes at once");
    expect_count(
        ex,
        "connections turned away",
        stats.rejected.total(),
        2,
        stats,
    );
    running.server.assert_alive(ex);
}

/// The binary with 64 file descriptors, flooded with 150 idle clients: it
/// fits its limits under the descriptors, so those past the limit get a
/// 503 instead of waiting in the backlog while accept fails; it does not
/// spin; and it serves normally once they leave.
#[cfg(unix)]
#[test]
fn ex7_6_a_flood_past_the_descriptors_gets_503_not_silence() {
    let ex = harness::exercise("7.6");
    let Some(binary) =
        option_env!("CARGO_BIN_EXE_chapter07-solution").or(option_env!("CARGO_BIN_EXE_chapter07"))
    else {
        panic!("cargo did not say where the chapter's binary is");
    };
    let server =
        harness::ChildProcess::start_with_fd_limit(ex, binary, &["--addr", "127.0.0.1:0"], 64);
    let addr = server.wait_until_listening(WAIT);
    let flood: Vec<Client> = (0..150).map(|_| server.connect(addr)).collect();
    // It says nothing: a server at its limit answers without reading.
    let mut late = server.connect(addr);
    let busy = late.read_response();
    if busy.status_line != "HTTP/1.1 503 Service Unavailable" {
        Failure::new(ex, "a client past the server's file descriptors did not get 503")
            .sent(late.sent())
            .line("expected", "HTTP/1.1 503 Service Unavailable")
            .line("got", harness::show::bytes(&busy.head))
            .note("with 64 descriptors, Config::fitting(64) allows 24 connections and 8 answers of 503 at once; main.rs must build its Config with server::configure, which fits it under raise_descriptor_limit()")
            .fail();
    }
    drop(late);
    drop(flood);
    server.expect_served_again(addr, &request("/", "Connection: close\r\n"), WAIT);
}

// ---------------------------------------------------------------------------
// 7.7 Shut down gracefully
// ---------------------------------------------------------------------------

#[test]
fn ex7_7_shutdown_finishes_the_request_in_flight_and_refuses_new_ones() {
    let ex = harness::exercise("7.7");
    let gate = CancellationToken::new();
    let running = start_gated(Config::default(), &gate);
    let stats = &running.stats;
    let mut client = running.server.connect(ex);
    client.send(&request("/wait", ""));
    wait_for(ex, "the request in progress", &running, || {
        stats.in_flight.now() == 1
    });
    running.shutdown.cancel();
    wait_for(ex, "stop accepting connections", &running, || {
        !stats.accepting.get()
    });
    expect_no_service(ex, running.server.addr());
    if let Some(why) = running.server.state().end_now() {
        Failure::new(ex, "serve ended while a request was still in flight")
            .line("server", why)
            .note("wait for every connection's task (TaskTracker::wait) before returning")
            .fail();
    }
    // The request in flight still gets its answer, and it is the last one
    // on this connection.
    gate.cancel();
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    expect_header(ex, &client, &response, "Connection", "close");
    client.expect_closed("the server closes the connection after its last answer");
    let outcome = running.server.state().wait_for_end(WAIT);
    if outcome != Outcome::Returned {
        Failure::new(
            ex,
            "serve did not return once the request in flight was done",
        )
        .line("outcome", format!("{outcome:?}"))
        .fail();
    }
}

#[test]
fn ex7_7_shutdown_closes_idle_keep_alive_connections() {
    let ex = harness::exercise("7.7");
    // Far longer than the client's own timeout: only the shutdown can close
    // these connections in time.
    let mut config = Config::default();
    config.http.idle_timeout = Duration::from_secs(60);
    let mut running = start_with(config, site::route);
    let mut clients: Vec<Client> = (0..3).map(|_| running.server.connect(ex)).collect();
    for client in &mut clients {
        client.send(&request("/", ""));
        let response = client.read_response();
        expect_status(ex, client, &response, "HTTP/1.1 200 OK");
    }
    let outcome = running.server.stop();
    if outcome != Outcome::Returned {
        Failure::new(
            ex,
            "serve did not return while kept-alive connections sat idle",
        )
        .line("outcome", format!("{outcome:?}"))
        .note("a connection waiting for its next request must give way to the shutdown")
        .fail();
    }
    for client in &mut clients {
        client.expect_closed("shutdown closes idle kept-alive connections");
    }
    expect_count(
        ex,
        "open connections after serve returned",
        running.stats.open.now(),
        0,
        &running.stats,
    );
}

/// The binary itself: SIGTERM while a slow request is in flight lets the
/// request finish, and the process exits with status 0.
#[cfg(unix)]
#[test]
fn ex7_7_the_binary_stops_gracefully_on_sigterm() {
    let ex = harness::exercise("7.7");
    let Some(binary) =
        option_env!("CARGO_BIN_EXE_chapter07-solution").or(option_env!("CARGO_BIN_EXE_chapter07"))
    else {
        panic!("cargo did not say where the chapter's binary is");
    };
    let mut server = harness::ChildProcess::start(ex, binary, &["--addr", "127.0.0.1:0"]);
    let addr = server.wait_until_listening(WAIT);
    let mut client = server.connect(addr);
    client.send(&request("/sleep?ms=2000", ""));
    server.wait_for_line("sleeping 2000 ms", WAIT);
    server.terminate();
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    expect_header(ex, &client, &response, "Connection", "close");
    server.expect_clean_exit(WAIT, "after SIGTERM the binary should exit with status 0");
}
