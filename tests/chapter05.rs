//! Stage tests of chapter 5, threads.
//!
//! The same file tests the learner's crate (`cargo test -p chapter05`) and
//! the reference solution (`cargo test -p chapter05-solution`): both name
//! their library `chapter05`. Each test is named after the exercise it
//! checks (`ex5_3_...` checks exercise 5.3).
//!
//! Concurrency is checked by counting, never by timing: the server keeps
//! [`Stats`] (requests in flight, the peak, live workers, 503s, panics), and
//! a test waits for a count to be reached with [`harness::wait_until`]
//! rather than sleeping and hoping. Where a test needs a request to stay in
//! progress until it says so, the handler waits at a [`Gate`] the test
//! opens.

use std::io;
use std::net::TcpStream;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use chapter05::server::serve_with_stats;
use chapter05::{Config, Request, Response, Shutdown, Stats, StatusCode, site};
use harness::server::Outcome;
use harness::suite::{Target, named, run_suite};
use harness::{
    Client, Exercise, Failure, TestServer, expect_count, expect_header, expect_no_service,
    expect_status,
};

/// How long a test waits for the server to reach a count. Generous: on a
/// correct server the wait ends in milliseconds; this only bounds how long
/// a wrong one takes to fail.
const WAIT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A request the test holds in progress: the handler of `/wait` blocks
/// until the test opens the gate (or for [`WAIT`] at most, so a failed
/// test never leaves a thread behind for long).
#[derive(Debug, Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }

    fn wait(&self) {
        let open = self.open.lock().unwrap();
        let _unused = self.opened.wait_timeout_while(open, WAIT, |open| !*open);
    }
}

/// A server under test, with its counters and its stop signal.
struct Running {
    server: TestServer,
    stats: Arc<Stats>,
    shutdown: Shutdown,
}

/// Starts `handler` with `config` on `127.0.0.1:0`.
fn start_with<H>(config: Config, handler: H) -> Running
where
    H: chapter03::Handler + Send + Sync + 'static,
{
    let listener = harness::bind_local();
    let shutdown = Shutdown::new(&listener).expect("Shutdown::new on a bound listener");
    let stats = Arc::new(Stats::default());
    let (serve_shutdown, stop, serve_stats) =
        (shutdown.clone(), shutdown.clone(), Arc::clone(&stats));
    let server = TestServer::spawn(
        listener,
        move |listener| serve_with_stats(listener, serve_shutdown, &config, handler, serve_stats),
        move || stop.trigger(),
    );
    Running {
        server,
        stats,
        shutdown,
    }
}

/// Starts the site, with `/wait` held at `gate`.
fn start_gated(config: Config, gate: &Arc<Gate>) -> Running {
    let gate = Arc::clone(gate);
    start_with(config, move |request: &Request| {
        if request.path == "/wait" {
            gate.wait();
            Response::bytes(StatusCode::Ok, "text/plain", "waited\n")
        } else {
            site::route(request)
        }
    })
}

/// A configuration for `workers` workers and a queue of `queue_len`.
fn pool_config(workers: usize, queue_len: usize) -> Config {
    Config {
        workers,
        queue_len,
        ..Config::default()
    }
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
// 5.1 Workers and a job queue
// ---------------------------------------------------------------------------

#[test]
fn ex5_1_serves_slow_requests_at_the_same_time() {
    let ex = harness::exercise("5.1");
    let running = start_with(pool_config(4, 8), site::route);
    let stats = &running.stats;
    // Each request sleeps long enough for the others to start meanwhile,
    // even on a busy machine; the test does not sleep, the server does.
    let mut clients: Vec<Client> = (0..4)
        .map(|_| {
            let mut client = running.server.connect(ex);
            client.send(&request("/sleep?ms=2500", "Connection: close\r\n"));
            client
        })
        .collect();
    wait_for(ex, "four requests in progress at once", &running, || {
        stats.in_flight.peak() == 4
    });
    for client in &mut clients {
        let response = client.read_response();
        expect_status(ex, client, &response, "HTTP/1.1 200 OK");
        if response.body != b"slept 2500 ms\n" {
            Failure::new(ex, "/sleep?ms=2500 should answer `slept 2500 ms`")
                .sent(client.sent())
                .got(&response.raw())
                .fail();
        }
    }
    expect_count(
        ex,
        "peak requests in flight",
        stats.in_flight.peak(),
        4,
        stats,
    );
    running.server.assert_alive(ex);
}

#[test]
fn ex5_1_passes_the_http_suite_on_the_pool() {
    let ex = harness::exercise("5.1");
    let mut config = pool_config(4, 16);
    config.http.idle_timeout = Duration::from_millis(300);
    let running = start_with(config, site::Site);
    let suite = named("http").expect("the harness has an http suite");
    let target = Target::of(&running.server);
    if let Err(failures) = run_suite(&target, suite) {
        Failure::new(ex, "chapter 3's http suite fails against the pooled server")
            .note(failures)
            .fail();
    }
}

#[test]
fn ex5_1_answers_expect_continue_through_the_pool() {
    let ex = harness::exercise("5.1");
    let running = start_with(pool_config(2, 4), site::Site);
    // The form reads its body: 100 Continue, then the answer.
    let mut client = running.server.connect(ex);
    client
        .send(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
    let interim = client.read_response_head();
    expect_status(ex, &client, &interim, "HTTP/1.1 100 Continue");
    client.send(b"message=hi");
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    // /sleep reads none: the site says so through the pool, so the 405
    // comes at once, without a 100 and an upload for nothing.
    let mut client = running.server.connect(ex);
    client.send(
        b"POST /sleep HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n",
    );
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 405 Method Not Allowed");
    expect_header(ex, &client, &response, "Connection", "close");
}

// ---------------------------------------------------------------------------
// 5.2 Stop the workers in order
// ---------------------------------------------------------------------------

#[test]
fn ex5_2_shutdown_joins_every_worker() {
    let ex = harness::exercise("5.2");
    let mut running = start_with(pool_config(3, 4), site::route);
    let stats = Arc::clone(&running.stats);
    let mut client = running.server.connect(ex);
    client.send(&request("/", "Connection: close\r\n"));
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    wait_for(ex, "three live workers", &running, || {
        stats.live_workers.now() == 3
    });
    let outcome = running.server.stop();
    if outcome != Outcome::Returned {
        Failure::new(ex, "serve did not return after shutdown")
            .line("outcome", format!("{outcome:?}"))
            .fail();
    }
    // serve returns after dropping the pool, and dropping the pool joins
    // every worker: none may be left running.
    expect_count(
        ex,
        "live workers after serve returned",
        stats.live_workers.now(),
        0,
        &stats,
    );
}

// ---------------------------------------------------------------------------
// 5.3 Shed load with 503
// ---------------------------------------------------------------------------

#[test]
fn ex5_3_answers_503_when_the_workers_and_the_queue_are_full() {
    let ex = harness::exercise("5.3");
    let gate = Arc::new(Gate::default());
    let running = start_gated(pool_config(1, 1), &gate);
    let stats = &running.stats;
    // The one worker is busy with the first request...
    let mut first = running.server.connect(ex);
    first.send(&request("/wait", "Connection: close\r\n"));
    wait_for(ex, "the first request in progress", &running, || {
        stats.in_flight.now() == 1
    });
    // ...the second connection fills the queue of one...
    let mut second = running.server.connect(ex);
    second.send(&request("/wait", "Connection: close\r\n"));
    wait_for(ex, "two connections handed to the pool", &running, || {
        stats.connections.total() == 2
    });
    // ...so the third is turned away at once.
    let mut third = running.server.connect(ex);
    third.send(&request("/", ""));
    let busy = third.read_response();
    expect_status(ex, &third, &busy, "HTTP/1.1 503 Service Unavailable");
    expect_header(ex, &third, &busy, "Retry-After", "1");
    expect_header(ex, &third, &busy, "Connection", "close");
    third.expect_closed("a 503 from a full server closes the connection");
    expect_count(ex, "503 answers", stats.rejected.total(), 1, stats);
    // The two accepted requests are served in turn once the gate opens.
    gate.open();
    for client in [&mut first, &mut second] {
        let response = client.read_response();
        expect_status(ex, client, &response, "HTTP/1.1 200 OK");
    }
    running.server.assert_alive(ex);
}

/// The binary with 64 file descriptors and 2 workers, flooded with more
/// clients than it has descriptors: those it cannot hold get a 503 (not a
/// reset, and not a spinning accept loop), and once they leave it serves
/// normally.
#[cfg(unix)]
#[test]
fn ex5_3_sheds_load_when_out_of_file_descriptors() {
    let ex = harness::exercise("5.3");
    let Some(binary) =
        option_env!("CARGO_BIN_EXE_chapter05-solution").or(option_env!("CARGO_BIN_EXE_chapter05"))
    else {
        panic!("cargo did not say where the chapter's binary is");
    };
    let server = harness::ChildProcess::start_with_fd_limit(
        ex,
        binary,
        &["--addr", "127.0.0.1:0", "--workers", "2"],
        64,
    );
    let addr = server.wait_until_listening(WAIT);
    // 100 idle connections: 2 with the workers, the rest in the queue,
    // until the descriptors run out.
    let flood: Vec<Client> = (0..100).map(|_| server.connect(addr)).collect();
    let mut late = server.connect(addr);
    late.send(&request("/", ""));
    let busy = late.read_response();
    if busy.status_line != "HTTP/1.1 503 Service Unavailable" {
        Failure::new(ex, "a client beyond the server's descriptors did not get 503")
            .sent(late.sent())
            .line("expected", "HTTP/1.1 503 Service Unavailable, with Retry-After")
            .line("got", harness::show::bytes(&busy.head))
            .note("Every connection a worker holds or the queue keeps costs a file descriptor. When try_clone fails for lack of one, the server is as full as with a full queue: answer 503 with the stream you have.")
            .fail();
    }
    expect_header(ex, &late, &busy, "Retry-After", "1");
    drop(late);
    drop(flood);
    // The workers find the queued connections closed and drop them; the
    // descriptors come back, and a new client is served. Until then it may
    // still get a 503, which is right: try again, as Retry-After says.
    server.expect_served_again(addr, &request("/", "Connection: close\r\n"), WAIT);
}

// ---------------------------------------------------------------------------
// 5.4 Deadlines against slow clients
// ---------------------------------------------------------------------------

#[test]
fn ex5_4_a_trickling_client_gets_408_and_blocks_nobody() {
    let ex = harness::exercise("5.4");
    let mut config = pool_config(2, 4);
    config.http.request_timeout = Duration::from_millis(300);
    let running = start_with(config, site::route);
    let stats = &running.stats;
    let mut slow = running.server.connect(ex);
    slow.send(b"G");
    wait_for(
        ex,
        "the slow client's connection on a worker",
        &running,
        || stats.connections.total() == 1,
    );
    // Another client is served meanwhile, by another worker.
    let mut other = running.server.connect(ex);
    other.send(&request("/", "Connection: close\r\n"));
    let response = other.read_response();
    expect_status(ex, &other, &response, "HTTP/1.1 200 OK");
    // The slow client goes on sending one byte at a time, each byte well
    // within any read timeout, and checks for an answer between bytes.
    // Only a deadline for the whole request stops it.
    let trickle: Vec<u8> = b"ET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
        .iter()
        .copied()
        .chain(std::iter::repeat_n(b'a', 600))
        .collect();
    let mut answered = false;
    for byte in &trickle {
        // Once the server has given up on us, a write may fail; what
        // matters is what we read.
        if io::Write::write_all(slow.stream(), &[*byte]).is_err() {
            break;
        }
        if has_bytes_to_read(slow.stream(), Duration::from_millis(20)) {
            answered = true;
            break;
        }
    }
    if !answered && !has_bytes_to_read(slow.stream(), harness::TIMEOUT) {
        Failure::new(
            ex,
            "a client sending one byte every 20 ms was never answered; with a head deadline of 300 ms it should get 408",
        )
        .fail();
    }
    let response = slow.read_response();
    expect_status(ex, &slow, &response, "HTTP/1.1 408 Request Timeout");
    expect_header(ex, &slow, &response, "Connection", "close");
    running.server.assert_alive(ex);
}

#[test]
fn ex5_4_a_client_that_goes_quiet_mid_request_gets_408() {
    let ex = harness::exercise("5.4");
    // The deadline is long: only the read timeout can end this wait.
    let mut config = Config {
        read_timeout: Duration::from_millis(200),
        ..pool_config(1, 4)
    };
    config.http.request_timeout = Duration::from_secs(60);
    let running = start_with(config, site::route);
    let mut client = running.server.connect(ex);
    client.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 408 Request Timeout");
    expect_header(ex, &client, &response, "Connection", "close");
    // The worker is free again.
    let mut next = running.server.connect(ex);
    next.send(&request("/", "Connection: close\r\n"));
    let response = next.read_response();
    expect_status(ex, &next, &response, "HTTP/1.1 200 OK");
}

/// Whether `stream` has bytes (or an end of stream) to read within `wait`.
fn has_bytes_to_read(stream: &TcpStream, wait: Duration) -> bool {
    stream
        .set_read_timeout(Some(wait))
        .expect("set_read_timeout");
    let ready = !matches!(stream.peek(&mut [0; 1]), Err(e)
        if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut));
    stream
        .set_read_timeout(Some(harness::TIMEOUT))
        .expect("set_read_timeout");
    ready
}

// ---------------------------------------------------------------------------
// 5.5 Survive a panicking handler
// ---------------------------------------------------------------------------

#[test]
fn ex5_5_a_panicking_handler_gets_500_and_the_pool_stays_whole() {
    let ex = harness::exercise("5.5");
    let running = start_with(pool_config(2, 4), site::route);
    let stats = &running.stats;
    let mut client = running.server.connect(ex);
    client.send(&request("/", "Connection: close\r\n"));
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    wait_for(ex, "two live workers", &running, || {
        stats.live_workers.now() == 2
    });
    // More panics than workers: a pool that lost a worker per panic would
    // have none left.
    for _ in 0..3 {
        let mut client = running.server.connect(ex);
        client.send(&request("/panic", ""));
        let response = client.read_response();
        expect_status(ex, &client, &response, "HTTP/1.1 500 Internal Server Error");
        expect_header(ex, &client, &response, "Connection", "close");
        client.expect_closed("a 500 after a panic closes the connection");
    }
    let mut client = running.server.connect(ex);
    client.send(&request("/", "Connection: close\r\n"));
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    expect_count(ex, "panics counted", stats.panics.total(), 3, stats);
    expect_count(
        ex,
        "live workers after three panics",
        stats.live_workers.now(),
        2,
        stats,
    );
    running.server.assert_alive(ex);
}

// ---------------------------------------------------------------------------
// 5.6 Shut down gracefully
// ---------------------------------------------------------------------------

#[test]
fn ex5_6_shutdown_finishes_the_request_in_flight_and_refuses_new_ones() {
    let ex = harness::exercise("5.6");
    let gate = Arc::new(Gate::default());
    let running = start_gated(pool_config(2, 4), &gate);
    let stats = &running.stats;
    let mut client = running.server.connect(ex);
    client.send(&request("/wait", ""));
    wait_for(ex, "the request in progress", &running, || {
        stats.in_flight.now() == 1
    });
    running.shutdown.trigger();
    wait_for(ex, "stop accepting connections", &running, || {
        !stats.accepting.get()
    });
    expect_no_service(ex, running.server.addr());
    // The request in flight still gets its answer, and it is the last one
    // on this connection.
    gate.open();
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
fn ex5_6_shutdown_closes_idle_keep_alive_connections() {
    let ex = harness::exercise("5.6");
    // Far longer than the client's own timeout: only the shutdown can close
    // this connection in time.
    let mut config = pool_config(2, 4);
    config.http.idle_timeout = Duration::from_secs(60);
    let mut running = start_with(config, site::route);
    let mut client = running.server.connect(ex);
    client.send(&request("/", ""));
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    // The connection is kept alive and idle: its worker waits for a next
    // request that will not come.
    let outcome = running.server.stop();
    if outcome != Outcome::Returned {
        Failure::new(
            ex,
            "serve did not return while a kept-alive connection sat idle",
        )
        .line("outcome", format!("{outcome:?}"))
        .note("a worker waiting for the next request must notice the shutdown")
        .fail();
    }
    client.expect_closed("shutdown closes idle kept-alive connections");
}

/// The binary itself: SIGTERM while a slow request is in flight lets the
/// request finish, and the process exits with status 0.
#[cfg(unix)]
#[test]
fn ex5_6_the_binary_stops_gracefully_on_sigterm() {
    let ex = harness::exercise("5.6");
    let Some(binary) =
        option_env!("CARGO_BIN_EXE_chapter05-solution").or(option_env!("CARGO_BIN_EXE_chapter05"))
    else {
        panic!("cargo did not say where the chapter's binary is");
    };
    let mut server =
        harness::ChildProcess::start(ex, binary, &["--addr", "127.0.0.1:0", "--workers", "2"]);
    let addr = server.wait_until_listening(WAIT);
    let mut client = server.connect(addr);
    client.send(&request("/sleep?ms=2000", ""));
    server.wait_for_line("sleeping 2000 ms", WAIT);
    server.terminate();
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    server.expect_clean_exit(WAIT, "after SIGTERM the binary should exit with status 0");
}
