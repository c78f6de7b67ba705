//! Stage tests for chapter 1, echo: book/src/ch01-echo.md.
//!
//! The same file tests your crate (`cargo test -p chapter01`) and the
//! reference solution (`cargo test -p chapter01-solution`). Each test is named
//! after the exercise it checks: `ex1_2_...` belongs to exercise 1.2.
//!
//! The servers run in a thread of the test, on a port the OS picks
//! (127.0.0.1:0), and the tests talk to them over real TCP connections with
//! the harness's client (`tests/harness`), whose every read and write gives
//! up after a few seconds. Nothing here sleeps: a test waits for something
//! to happen, never for time to pass.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{SystemTime, UNIX_EPOCH};

use chapter01::client::exchange;
use chapter01::server::{echo, serve};
use chapter01::shutdown::Shutdown;
use chapter01::time::{MAX_LINE_BYTES, civil_from_days, rfc3339, serve_time};
use harness::server::Outcome;
use harness::{Exercise, Failure, TIMEOUT, TestServer};

/// One mebibyte: far more than a socket buffer holds on most systems, so a
/// program that only works while everything fits in the buffers fails.
const ONE_MIB: usize = 1024 * 1024;

// ---------------------------------------------------------------------------
// Exercise 1.1: Echo one connection
// ---------------------------------------------------------------------------

#[test]
fn ex1_1_echoes_hello() {
    let ex = harness::exercise("1.1");
    let mut one = start_one_echo();
    let mut client = one.server.connect(ex);
    client.send(b"hello\n");
    // The echo must come back while the connection is still open: an echo
    // server passes on the bytes it has, it does not wait for the end.
    let mut got = [0; 6];
    if let Err(e) = client.stream().read_exact(&mut got) {
        fail(
            &one.server,
            Failure::new(ex, "the echo of \"hello\\n\" did not come back")
                .sent(b"hello\n")
                .line("error", e.to_string())
                .note("write back each piece as soon as read returns it; do not wait for EOF"),
        );
    }
    if got != *b"hello\n" {
        fail(
            &one.server,
            Failure::new(ex, "the echo came back different")
                .sent(b"hello\n")
                .expected_got(b"hello\n", &got),
        );
    }
    client.finish_sending();
    let extra = client.read_to_end();
    if !extra.is_empty() {
        Failure::new(ex, "echo sent more than it received")
            .sent(b"hello\n")
            .expected_got(b"", &extra)
            .fail();
    }
    expect_echo_count(ex, one.returned(ex, b"hello\n"), 6, b"hello\n");
}

#[test]
fn ex1_1_echoes_a_message_sent_byte_by_byte() {
    let ex = harness::exercise("1.1");
    let message = b"TCP delivers bytes, not messages\n";
    let mut one = start_one_echo();
    let mut client = one.server.connect(ex);
    // One byte per write: echo's reads may now return any number of bytes,
    // and must pass each piece on, whatever its size.
    client.send_byte_by_byte(message).finish_sending();
    let got = client.read_to_end();
    if got != message {
        fail(
            &one.server,
            Failure::new(ex, "the echo came back different")
                .sent(message)
                .expected_got(message, &got)
                .note("echo only the bytes this read returned: &buffer[..n], not the whole buffer"),
        );
    }
    let count = one.returned(ex, message);
    expect_echo_count(ex, count, message.len() as u64, message);
}

#[test]
fn ex1_1_echoes_one_mebibyte_unchanged() {
    let ex = harness::exercise("1.1");
    let message = patterned(ONE_MIB);
    let mut one = start_one_echo();
    let mut client = one.server.connect(ex);
    // Write from a second thread and read here at the same time: the echo
    // comes back while we are still sending, and must go somewhere.
    let mut writer = client
        .stream()
        .try_clone()
        .expect("clone the test's socket");
    client.sent_elsewhere(&message);
    let got = thread::scope(|scope| {
        let sending = scope.spawn(|| {
            writer.write_all(&message)?;
            writer.shutdown(std::net::Shutdown::Write)
        });
        let got = client.read_to_end();
        if let Err(e) = sending.join().expect("the test's writer does not panic") {
            fail(
                &one.server,
                Failure::new(ex, "could not send the whole mebibyte")
                    .line("error", e.to_string())
                    .line("received", format!("{} bytes of echo", got.len())),
            );
        }
        got
    });
    if got != message {
        fail(
            &one.server,
            Failure::new(ex, "the 1 MiB echo came back different")
                .expected_got(&message, &got)
                .note("every byte must come back once, in order: write_all each piece you read"),
        );
    }
    let count = one.returned(ex, &message[..64]);
    expect_echo_count(ex, count, ONE_MIB as u64, &message);
}

#[test]
fn ex1_1_returns_when_the_client_half_closes() {
    let ex = harness::exercise("1.1");
    let mut one = start_one_echo();
    let mut client = one.server.connect(ex);
    client.send(b"abc").finish_sending();
    // Wait for echo itself to return: it must see EOF and stop.
    let count = one.returned(ex, b"abc");
    expect_echo_count(ex, count, 3, b"abc");
    let got = client.read_to_end();
    if got != b"abc" {
        Failure::new(ex, "the echo came back different")
            .sent(b"abc")
            .expected_got(b"abc", &got)
            .fail();
    }
}

#[test]
fn ex1_1_returns_zero_when_the_client_sends_nothing() {
    let ex = harness::exercise("1.1");
    let mut one = start_one_echo();
    let mut client = one.server.connect(ex);
    client.finish_sending();
    let count = one.returned(ex, b"");
    expect_echo_count(ex, count, 0, b"");
    let got = client.read_to_end();
    if !got.is_empty() {
        Failure::new(ex, "echo sent bytes nobody sent")
            .expected_got(b"", &got)
            .fail();
    }
}

// ---------------------------------------------------------------------------
// Exercise 1.2: Accept clients one after another
// ---------------------------------------------------------------------------

#[test]
fn ex1_2_serves_clients_one_after_another() {
    let ex = harness::exercise("1.2");
    let server = start_echo_server();
    for message in [
        &b"first client\n"[..],
        b"second client\n",
        b"third client\n",
    ] {
        let mut client = server.connect(ex);
        client.send(message).finish_sending();
        let got = client.read_to_end();
        if got != message {
            fail(
                &server,
                Failure::new(ex, "a client did not get its echo")
                    .sent(message)
                    .expected_got(message, &got)
                    .note("when one client has finished, serve must accept the next one"),
            );
        }
    }
    server.assert_alive(ex);
}

#[test]
fn ex1_2_serves_a_client_that_waited_in_the_backlog() {
    let ex = harness::exercise("1.2");
    let server = start_echo_server();
    let mut first = server.connect(ex);
    first.send(b"I was here first\n");
    let got = first.read_exact(17);
    if got != b"I was here first\n" {
        fail(
            &server,
            Failure::new(ex, "the first client did not get its echo")
                .sent(b"I was here first\n")
                .expected_got(b"I was here first\n", &got),
        );
    }
    // The server is busy with `first`, so this connection waits in the
    // listener's backlog: connecting succeeds, but nobody reads yet.
    let mut second = server.connect(ex);
    second.send(b"I waited\n").finish_sending();
    first.finish_sending();
    first.read_to_end();
    let got = second.read_to_end();
    if got != b"I waited\n" {
        fail(
            &server,
            Failure::new(
                ex,
                "a client that connected while another was served got no echo",
            )
            .sent(b"I waited\n")
            .expected_got(b"I waited\n", &got)
            .note("after the first client, serve must accept the next one from the backlog"),
        );
    }
    server.assert_alive(ex);
}

#[test]
fn ex1_2_survives_a_client_that_vanishes_mid_message() {
    let ex = harness::exercise("1.2");
    let server = start_echo_server();
    let mut vanishing = server.connect(ex);
    vanishing.send(b"half a mess");
    // Wait until the echo has arrived, without reading it (peek leaves it
    // in the buffer). Closing a socket with unread data makes the OS reset
    // the connection, so the server's next read fails with an error instead
    // of a tidy EOF.
    if !matches!(vanishing.stream().peek(&mut [0; 1]), Ok(1)) {
        fail(
            &server,
            Failure::new(ex, "the server did not echo anything").sent(b"half a mess"),
        );
    }
    // The next client connects first and waits in the backlog, so that if
    // the server stops, this test sees how.
    let mut next = server.connect(ex);
    drop(vanishing);
    let (got, error) = match send_and_read_all(next.stream(), b"are you still there?\n") {
        Ok(got) => (got, "none".to_string()),
        Err(e) => (Vec::new(), e.to_string()),
    };
    if got != b"are you still there?\n" {
        fail(
            &server,
            Failure::new(
                ex,
                "the next client was not served after one vanished mid-message",
            )
            .sent(b"are you still there?\n")
            .expected_got(b"are you still there?\n", &got)
            .line("error", error)
            .note(
                "when echo returns an error, print it with eprintln! and go on to the \
                     next client; do not return it from serve with ?",
            ),
        );
    }
    server.assert_alive(ex);
}

#[test]
fn ex1_2_returns_after_shutdown() {
    let ex = harness::exercise("1.2");
    let mut server = start_echo_server();
    let mut client = server.connect(ex);
    client.send(b"goodbye\n").finish_sending();
    let got = client.read_to_end();
    if got != b"goodbye\n" {
        fail(
            &server,
            Failure::new(ex, "the client did not get its echo")
                .sent(b"goodbye\n")
                .expected_got(b"goodbye\n", &got),
        );
    }
    drop(client);
    match server.stop() {
        Outcome::Returned => {}
        Outcome::Running => Failure::new(ex, "serve did not return after shutdown was triggered")
            .line("waited", format!("{TIMEOUT:?}"))
            .note(
                "Shutdown::trigger sets a flag, then connects to wake the blocked accept: \
                 check shutdown.is_requested() after every accept and return Ok(()) when it is set",
            )
            .fail(),
        Outcome::Failed(e) => Failure::new(ex, "serve returned an error when asked to stop")
            .line("error", e)
            .note("a shutdown is not an error: return Ok(())")
            .fail(),
        Outcome::Panicked(m) => Failure::new(ex, "serve panicked").line("panic", m).fail(),
    }
}

/// Out of file descriptors, the accept loop pauses, longer each time,
/// instead of spinning. The binary runs with 4 descriptors: stdin, stdout,
/// stderr and the listener take them all, so once a client waits in the
/// backlog every accept fails with "too many open files" (EMFILE).
#[cfg(unix)]
#[test]
fn ex1_2_backs_off_when_out_of_file_descriptors() {
    let ex = harness::exercise("1.2");
    let Some(binary) =
        option_env!("CARGO_BIN_EXE_chapter01-solution").or(option_env!("CARGO_BIN_EXE_chapter01"))
    else {
        panic!("cargo did not say where the chapter's binary is");
    };
    let server = harness::ChildProcess::start_with_fd_limit(
        ex,
        binary,
        &["server", "--addr", "127.0.0.1:0"],
        4,
    );
    let line = server.wait_for_line("listening on tcp://", TIMEOUT);
    let addr: SocketAddr = line["listening on tcp://".len()..]
        .trim()
        .parse()
        .unwrap_or_else(|_| {
            Failure::new(ex, "the listening line has no address")
                .line("got", line.clone())
                .fail()
        });
    // Connected as far as TCP goes: the kernel finished the handshake and
    // queued us in the backlog. The server cannot accept us: no descriptor.
    // A failure shows the binary's last lines: why it is not there.
    let _waiting = server.connect(addr);
    server.expect_accept_backoff(TIMEOUT);
}

// ---------------------------------------------------------------------------
// Exercise 1.3: The client: send, half-close, read to EOF
// ---------------------------------------------------------------------------

#[test]
fn ex1_3_gets_the_whole_echo_back() {
    let ex = harness::exercise("1.3");
    let peer = ReferencePeer::start();
    let message = b"hello from exchange\n";
    let reply = call_exchange(ex, &peer, message);
    if reply != message {
        Failure::new(ex, "exchange did not return the echo")
            .sent(message)
            .expected_got(message, &reply)
            .note("read until the server closes the connection: read_to_end")
            .fail();
    }
}

#[test]
fn ex1_3_half_closes_so_the_server_sees_eof() {
    let ex = harness::exercise("1.3");
    let peer = ReferencePeer::start();
    let message = b"that is all\n";
    call_exchange(ex, &peer, message);
    let report = peer.report(ex);
    if !report.saw_eof {
        let mut failure = Failure::new(ex, "the server never saw the end of the message")
            .sent(message)
            .note(
                "did you call shutdown(Shutdown::Write)? The server echoes until it reads EOF, \
                 and EOF only comes when the client half-closes its side",
            );
        if let Some(error) = report.error {
            failure = failure.line("server", error);
        }
        failure.fail();
    }
    if report.received != message {
        Failure::new(ex, "the server received something other than the message")
            .expected_got(message, &report.received)
            .fail();
    }
}

#[test]
fn ex1_3_round_trips_one_mebibyte() {
    let ex = harness::exercise("1.3");
    let peer = ReferencePeer::start();
    let message = patterned(ONE_MIB);
    let reply = call_exchange(ex, &peer, &message);
    if reply != message {
        Failure::new(ex, "the 1 MiB echo came back different")
            .expected_got(&message, &reply)
            .fail();
    }
}

#[test]
fn ex1_3_does_not_deadlock_when_the_echo_outgrows_the_socket_buffers() {
    let ex = harness::exercise("1.3");
    let peer = ReferencePeer::start();
    // Linux grows loopback socket buffers to several megabytes, enough to
    // hide the deadlock with 1 MiB; 32 MiB outgrows them everywhere.
    let message = patterned(32 * ONE_MIB);
    let reply = call_exchange(ex, &peer, &message);
    if reply != message {
        Failure::new(ex, "the 32 MiB echo came back different")
            .expected_got(&message, &reply)
            .fail();
    }
}

#[test]
fn ex1_3_returns_an_error_when_nobody_listens() {
    let ex = harness::exercise("1.3");
    // Bind a port, then close it: for a moment, nobody listens there.
    let nobody: SocketAddr = harness::bind_local()
        .local_addr()
        .expect("a bound listener has an address");
    match panic::catch_unwind(|| exchange(nobody, b"anyone there?\n")) {
        Ok(Err(_refused)) => {}
        Ok(Ok(reply)) => Failure::new(ex, "exchange returned Ok though nobody listens")
            .sent(b"anyone there?\n")
            .got(&reply)
            .fail(),
        Err(payload) => Failure::new(ex, "exchange panicked when the connection was refused")
            .line("panic", panic_text(payload.as_ref()))
            .note("return the error with ? instead of unwrap(): the caller decides what to do")
            .fail(),
    }
}

// ---------------------------------------------------------------------------
// Exercise 1.4: Days to a calendar date
// ---------------------------------------------------------------------------

#[test]
fn ex1_4_converts_days_to_dates() {
    let ex = harness::exercise("1.4");
    // (days since 1970-01-01, the date), checked against Python's datetime.
    let known: [(i64, (i64, u32, u32)); 18] = [
        (0, (1970, 1, 1)),
        (-1, (1969, 12, 31)),
        (11_016, (2000, 2, 29)), // 2000 is divisible by 400: a leap year
        (11_017, (2000, 3, 1)),
        (-25_509, (1900, 2, 28)), // 1900 is a century: not a leap year
        (-25_508, (1900, 3, 1)),
        (47_540, (2100, 2, 28)), // nor is 2100
        (47_541, (2100, 3, 1)),
        (19_782, (2024, 2, 29)),
        (20_088, (2024, 12, 31)),
        (24_855, (2038, 1, 19)), // where a signed 32-bit time_t ends
        (-135_081, (1600, 2, 29)),
        (-719_162, (1, 1, 1)),
        (-719_468, (0, 3, 1)), // where Hinnant's eras start
        (-719_469, (0, 2, 29)),
        (2_932_896, (9999, 12, 31)),
        (365, (1971, 1, 1)),
        (-365, (1969, 1, 1)),
    ];
    let mut failure = Failure::new(ex, "civil_from_days gave wrong dates");
    let mut wrong = 0;
    for (days, expected) in known {
        let got = civil_from_days(days);
        if got != expected {
            wrong += 1;
            failure = failure.line(
                "wrong",
                format!("civil_from_days({days}) should be {expected:?}, got {got:?}"),
            );
        }
    }
    if wrong > 0 {
        failure
            .note("count from 0000-03-01 (days + 719468) in eras of 146097 days")
            .fail();
    }
}

#[test]
fn ex1_4_every_day_follows_the_one_before() {
    let ex = harness::exercise("1.4");
    // Eight centuries, day by day: each date must be the day after the
    // previous one, by the leap-year rules written out in `days_in_month`.
    let first = -135_140; // 1600-01-01
    let last = 157_419; // 2400-12-31
    let mut previous = civil_from_days(first);
    if previous != (1600, 1, 1) {
        Failure::new(ex, "civil_from_days gave a wrong date")
            .line(
                "wrong",
                format!("civil_from_days({first}) should be (1600, 1, 1), got {previous:?}"),
            )
            .fail();
    }
    for days in first + 1..=last {
        let got = civil_from_days(days);
        let expected = day_after(previous);
        if got != expected {
            Failure::new(ex, "civil_from_days skipped or repeated a day")
                .line(
                    "wrong",
                    format!(
                        "civil_from_days({}) is {previous:?}, so civil_from_days({days}) \
                         should be {expected:?}, got {got:?}",
                        days - 1
                    ),
                )
                .fail();
        }
        previous = got;
    }
}

#[test]
fn ex1_4_formats_rfc3339() {
    let ex = harness::exercise("1.4");
    // rfc3339 is given; it is only right once civil_from_days is.
    let known = [
        (0, "1970-01-01T00:00:00Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (1_700_000_000, "2023-11-14T22:13:20Z"),
        (2_147_483_647, "2038-01-19T03:14:07Z"),
        (253_402_300_799, "9999-12-31T23:59:59Z"),
    ];
    for (unix_seconds, expected) in known {
        let got = rfc3339(unix_seconds);
        if got != expected {
            Failure::new(ex, format!("rfc3339({unix_seconds}) is wrong"))
                .expected_got(expected.as_bytes(), got.as_bytes())
                .fail();
        }
    }
}

// ---------------------------------------------------------------------------
// Exercise 1.5: A line-based time service
// ---------------------------------------------------------------------------

#[test]
fn ex1_5_answers_time_with_the_current_time() {
    let ex = harness::exercise("1.5");
    let server = start_time_server();
    let mut client = server.connect(ex);
    let before = unix_now();
    client.send(b"TIME\n");
    let answer = client.read_line();
    expect_current_time(ex, &server, b"TIME\n", &answer, before, unix_now());
}

#[test]
fn ex1_5_answers_two_commands_on_one_connection() {
    let ex = harness::exercise("1.5");
    let server = start_time_server();
    let mut client = server.connect(ex);
    let before = unix_now();
    client.send(b"TIME\n");
    let first = client.read_line();
    expect_current_time(ex, &server, b"TIME\n", &first, before, unix_now());
    // Two commands in one write: a single read may return both lines, and
    // each still gets its own answer.
    let before = unix_now();
    client.send(b"TIME\nTIME\n");
    let second = client.read_line();
    let third = client.read_line();
    let after = unix_now();
    expect_current_time(ex, &server, b"TIME\nTIME\n", &second, before, after);
    expect_current_time(ex, &server, b"TIME\nTIME\n", &third, before, after);
}

#[test]
fn ex1_5_accepts_crlf_line_endings() {
    let ex = harness::exercise("1.5");
    let server = start_time_server();
    let mut client = server.connect(ex);
    let before = unix_now();
    client.send(b"TIME\r\n");
    let answer = client.read_line();
    expect_current_time(ex, &server, b"TIME\r\n", &answer, before, unix_now());
}

#[test]
fn ex1_5_answers_an_unknown_command_and_carries_on() {
    let ex = harness::exercise("1.5");
    let server = start_time_server();
    let mut client = server.connect(ex);
    client.send(b"DATE\n");
    let answer = client.read_line();
    expect_answer(
        ex,
        &server,
        "an unknown command",
        b"DATE\n",
        &answer,
        b"ERROR unknown command \"DATE\": try TIME\n",
    );
    let before = unix_now();
    client.send(b"TIME\n");
    let answer = client.read_line();
    expect_current_time(ex, &server, b"DATE\nTIME\n", &answer, before, unix_now());
}

#[test]
fn ex1_5_answers_an_empty_line_with_an_error() {
    let ex = harness::exercise("1.5");
    let server = start_time_server();
    let mut client = server.connect(ex);
    // An empty line is a command like any other, just not a known one, so
    // every line gets exactly one answer.
    for empty in [&b"\n"[..], b"\r\n"] {
        client.send(empty);
        let answer = client.read_line();
        expect_answer(
            ex,
            &server,
            "an empty line",
            empty,
            &answer,
            b"ERROR unknown command \"\": try TIME\n",
        );
    }
    let before = unix_now();
    client.send(b"TIME\n");
    let answer = client.read_line();
    expect_current_time(ex, &server, b"TIME\n", &answer, before, unix_now());
}

#[test]
fn ex1_5_treats_a_line_that_is_not_utf8_as_unknown() {
    let ex = harness::exercise("1.5");
    let server = start_time_server();
    let mut client = server.connect(ex);
    let sent = b"TI\xffME\n";
    client.send(sent);
    let answer = client.read_line();
    // How the stray byte is shown is up to you; the shape of the line is not.
    if !(answer.starts_with(b"ERROR unknown command \"") && answer.ends_with(b"\": try TIME\n")) {
        fail(
            &server,
            Failure::new(ex, "a line that is not UTF-8 did not get the unknown-command answer")
                .sent(sent)
                .line("expected", "ERROR unknown command \"...\": try TIME\\n")
                .got(&answer)
                .note("read bytes with read_until, not a String with read_line, and decode with String::from_utf8_lossy"),
        );
    }
    let before = unix_now();
    client.send(b"TIME\n");
    let answer = client.read_line();
    expect_current_time(ex, &server, b"TIME\n", &answer, before, unix_now());
}

#[test]
fn ex1_5_refuses_a_line_that_is_too_long() {
    let ex = harness::exercise("1.5");
    let limit = MAX_LINE_BYTES as usize;
    let server = start_time_server();
    let mut client = server.connect(ex);
    // A line of exactly MAX_LINE_BYTES, newline included, is still allowed.
    let mut longest = vec![b'A'; limit - 1];
    longest.push(b'\n');
    client.send(&longest);
    let answer = client.read_line();
    if !answer.starts_with(b"ERROR unknown command \"AAAA") {
        fail(
            &server,
            Failure::new(ex, "a line of exactly MAX_LINE_BYTES did not get an answer")
                .sent(&longest)
                .line(
                    "expected",
                    "ERROR unknown command \"AAAA...AAAA\": try TIME\\n",
                )
                .got(&answer),
        );
    }
    // One byte more, and still no newline: the server must stop reading.
    let too_long = vec![b'A'; limit];
    client.send(&too_long);
    let answer = client.read_line();
    expect_answer(
        ex,
        &server,
        "a line longer than MAX_LINE_BYTES",
        &too_long,
        &answer,
        b"ERROR line too long\n",
    );
    client.expect_closed("after a line that is too long the server closes the connection");
}

// ---------------------------------------------------------------------------
// Helpers: starting servers
// ---------------------------------------------------------------------------

/// The echo server (`serve`) on 127.0.0.1:0, in a thread of this test.
fn start_echo_server() -> TestServer {
    let listener = harness::bind_local();
    let shutdown = Shutdown::new(&listener).expect("a shutdown handle for the listener");
    let stop = shutdown.clone();
    TestServer::spawn(
        listener,
        move |listener| serve(listener, shutdown),
        move || stop.trigger(),
    )
}

/// The time service (`serve_time`) on 127.0.0.1:0, in a thread of this test.
fn start_time_server() -> TestServer {
    let listener = harness::bind_local();
    let shutdown = Shutdown::new(&listener).expect("a shutdown handle for the listener");
    let stop = shutdown.clone();
    TestServer::spawn(
        listener,
        move |listener| serve_time(listener, shutdown),
        move || stop.trigger(),
    )
}

/// `echo` on a single connection: a thread of the test accepts one client
/// and calls `echo` on it, nothing else.
struct OneEcho {
    server: TestServer,
    /// What `echo` returned, once it has.
    echoed: Receiver<u64>,
}

fn start_one_echo() -> OneEcho {
    let listener = harness::bind_local();
    let (sender, echoed) = mpsc::channel();
    let server = TestServer::spawn(
        listener,
        move |listener| {
            let (mut stream, _) = listener.accept()?;
            // Timeouts on the server's end too, so an echo that waits for
            // bytes that never come ends instead of hanging. They are longer
            // than the client's, so the client's report comes first: it
            // says what the test was waiting for.
            stream.set_read_timeout(Some(2 * TIMEOUT))?;
            stream.set_write_timeout(Some(2 * TIMEOUT))?;
            let count = echo(&mut stream)?;
            // The test may have stopped listening already; that is fine.
            let _ = sender.send(count);
            Ok(())
        },
        // It stops by itself once echo returns.
        || {},
    );
    OneEcho { server, echoed }
}

impl OneEcho {
    /// Waits for `echo` to return and gives its count; fails the test if it
    /// panicked, returned an error or did not return.
    #[track_caller]
    fn returned(&mut self, ex: Exercise, sent: &[u8]) -> u64 {
        match self.server.stop() {
            Outcome::Returned => self
                .echoed
                .recv()
                .expect("echo's count is sent before the thread ends"),
            Outcome::Running => {
                Failure::new(ex, "echo did not return after the client half-closed")
                    .sent(sent)
                    .line("waited", format!("{TIMEOUT:?}"))
                    .note("read returns Ok(0) when the client has half-closed: return then")
                    .fail()
            }
            Outcome::Failed(e) => Failure::new(ex, "echo returned an error")
                .sent(sent)
                .line("error", e)
                .fail(),
            Outcome::Panicked(m) => Failure::new(ex, "echo panicked")
                .sent(sent)
                .line("panic", m)
                .fail(),
        }
    }
}

#[track_caller]
fn expect_echo_count(ex: Exercise, count: u64, expected: u64, sent: &[u8]) {
    if count != expected {
        Failure::new(ex, "echo returned the wrong number of bytes")
            .sent(sent)
            .line("expected", format!("Ok({expected})"))
            .line("got", format!("Ok({count})"))
            .note("add up the n of every Ok(n) that you echoed")
            .fail();
    }
}

/// Sends `message`, half-closes and reads until the server closes, like
/// the harness's client but returning an error instead of failing, so that
/// the caller can explain it.
fn send_and_read_all(stream: &mut TcpStream, message: &[u8]) -> io::Result<Vec<u8>> {
    stream.write_all(message)?;
    stream.shutdown(std::net::Shutdown::Write)?;
    let mut received = Vec::new();
    stream.read_to_end(&mut received)?;
    Ok(received)
}

/// Fails with `failure`, but first asks whether the server has died: if it
/// panicked (a `todo!()`, say), that is the news, and the wrong reply only
/// its consequence.
#[track_caller]
fn fail(server: &TestServer, failure: Failure) -> ! {
    match server.state().explain_end() {
        Some(why) => failure.caused_by(why).fail(),
        None => failure.fail(),
    }
}

// ---------------------------------------------------------------------------
// Helpers: a reference server for testing the client
// ---------------------------------------------------------------------------

/// A correct echo server for one connection, to test `exchange` against:
/// it echoes each piece as it arrives and reports what it saw.
struct ReferencePeer {
    addr: SocketAddr,
    report: Receiver<PeerReport>,
}

/// What the reference peer saw of its one client.
struct PeerReport {
    received: Vec<u8>,
    /// Whether the client half-closed (read returned Ok(0)) before the
    /// peer's read timed out.
    saw_eof: bool,
    /// Why the peer stopped, when it was not EOF.
    error: Option<String>,
}

impl ReferencePeer {
    fn start() -> ReferencePeer {
        let listener = harness::bind_local();
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let (sender, report) = mpsc::channel();
        thread::spawn(move || {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            drop(listener);
            let report = echo_until_eof(&mut stream);
            let _ = sender.send(report);
            // `stream` closes here: the client reads EOF.
        });
        ReferencePeer { addr, report }
    }

    /// What the peer saw, once it has finished.
    #[track_caller]
    fn report(&self, ex: Exercise) -> PeerReport {
        match self.report.recv_timeout(TIMEOUT) {
            Ok(report) => report,
            Err(_) => Failure::new(ex, "the server did not finish its connection")
                .line("waited", format!("{TIMEOUT:?}"))
                .fail(),
        }
    }
}

impl Drop for ReferencePeer {
    fn drop(&mut self) {
        // If the test ended before `exchange` connected, wake the peer's
        // accept so its thread ends too. Otherwise the listener is gone and
        // this connect is refused at once.
        let _ = TcpStream::connect_timeout(&self.addr, TIMEOUT);
    }
}

fn echo_until_eof(stream: &mut TcpStream) -> PeerReport {
    let mut received = Vec::new();
    let stopped = |received, error: io::Error, doing: &str| PeerReport {
        received,
        saw_eof: false,
        error: Some(format!("{doing}: {error}")),
    };
    if let Err(e) = stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
    {
        return stopped(received, e, "setting timeouts");
    }
    let mut buffer = [0; 16 * 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => {
                return PeerReport {
                    received,
                    saw_eof: true,
                    error: None,
                };
            }
            Ok(n) => {
                received.extend_from_slice(&buffer[..n]);
                if let Err(e) = stream.write_all(&buffer[..n]) {
                    return stopped(received, e, "writing the echo (is the client reading?)");
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return stopped(received, e, "waiting for more bytes or EOF"),
        }
    }
}

/// Calls `exchange` against `peer`, and fails the test with the peer's view
/// if it returns an error or panics.
#[track_caller]
fn call_exchange(ex: Exercise, peer: &ReferencePeer, message: &[u8]) -> Vec<u8> {
    let result = panic::catch_unwind(AssertUnwindSafe(|| exchange(peer.addr, message)));
    let mut problem = match result {
        Ok(Ok(reply)) => return reply,
        Ok(Err(e)) if message.len() > 64 * 1024 => {
            Failure::new(ex, "exchange returned an error for a large message")
                .line("error", e.to_string())
                .note(
                    "the echo fills the socket buffers while you are still writing: \
                     write from a second thread (try_clone) while this one reads",
                )
        }
        Ok(Err(e)) => Failure::new(ex, "exchange returned an error").line("error", e.to_string()),
        Err(payload) => {
            Failure::new(ex, "exchange panicked").line("panic", panic_text(payload.as_ref()))
        }
    }
    .sent(message);
    if let Ok(report) = peer.report.try_recv() {
        problem = problem.line(
            "server",
            format!(
                "received {} bytes, {}",
                report.received.len(),
                report.error.unwrap_or_else(|| "then EOF".to_string())
            ),
        );
    }
    problem.fail()
}

// ---------------------------------------------------------------------------
// Helpers: the test's own clock and calendar (so that it does not trust the
// code it is testing)
// ---------------------------------------------------------------------------

/// The test's own clock: whole seconds since 1970-01-01T00:00:00Z.
fn unix_now() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the test machine's clock is after 1970");
    since.as_secs() as i64
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 31,
    }
}

fn day_after((year, month, day): (i64, u32, u32)) -> (i64, u32, u32) {
    if day < days_in_month(year, month) {
        (year, month, day + 1)
    } else if month < 12 {
        (year, month + 1, 1)
    } else {
        (year + 1, 1, 1)
    }
}

/// Days from 1970-01-01 to a later date, counted the slow, obvious way.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let whole_years: i64 = (1970..year)
        .map(|y| if is_leap_year(y) { 366 } else { 365 })
        .sum();
    let whole_months: i64 = (1..month).map(|m| i64::from(days_in_month(year, m))).sum();
    whole_years + whole_months + i64::from(day) - 1
}

/// `YYYY-MM-DDTHH:MM:SSZ` as seconds since 1970, or `None` if the text does
/// not have exactly that shape or names a date that does not exist.
fn parse_rfc3339(text: &[u8]) -> Option<i64> {
    let separators = [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'Z'),
    ];
    if text.len() != 20 || separators.iter().any(|&(at, byte)| text[at] != byte) {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<i64> {
        text[from..to].iter().try_fold(0, |n, &digit| {
            digit
                .is_ascii_digit()
                .then(|| n * 10 + i64::from(digit - b'0'))
        })
    };
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
    let month = u32::try_from(month).ok().filter(|m| (1..=12).contains(m))?;
    let day = u32::try_from(day).ok()?;
    if year < 1970 || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Checks that `answer` is `YYYY-MM-DDTHH:MM:SSZ\n` and names a second
/// between the test's clock readings `before` and `after`.
#[track_caller]
fn expect_current_time(
    ex: Exercise,
    server: &TestServer,
    sent: &[u8],
    answer: &[u8],
    before: i64,
    after: i64,
) {
    let expected_shape = "a line like \"2026-11-23T18:42:31Z\\n\" (RFC 3339, UTC)";
    let Some(timestamp) = answer.strip_suffix(b"\n") else {
        fail(
            server,
            Failure::new(ex, "the answer to TIME is not a whole line")
                .sent(sent)
                .line("expected", expected_shape)
                .got(answer),
        );
    };
    let Some(seconds) = parse_rfc3339(timestamp) else {
        fail(
            server,
            Failure::new(ex, "the answer to TIME is not an RFC 3339 time")
                .sent(sent)
                .line("expected", expected_shape)
                .got(answer),
        );
    };
    if seconds < before || seconds > after {
        Failure::new(ex, "the answer to TIME is not the current time")
            .sent(sent)
            .line(
                "expected",
                format!(
                    "a time between {before} and {after} seconds since 1970 (the test's clock)"
                ),
            )
            .line(
                "got",
                format!(
                    "{} = {seconds} seconds since 1970",
                    harness::show::bytes(answer)
                ),
            )
            .note("answer with now_rfc3339(), which reads the system clock")
            .fail();
    }
}

#[track_caller]
fn expect_answer(
    ex: Exercise,
    server: &TestServer,
    what: &str,
    sent: &[u8],
    answer: &[u8],
    expected: &[u8],
) {
    if answer != expected {
        fail(
            server,
            Failure::new(ex, format!("{what} got the wrong answer"))
                .sent(sent)
                .expected_got(expected, answer),
        );
    }
}

// ---------------------------------------------------------------------------
// Helpers: data
// ---------------------------------------------------------------------------

/// `len` bytes that repeat every 251 bytes. 251 is prime, so the pattern
/// never lines up with buffer sizes: a lost, repeated or reordered chunk
/// changes the bytes and shows up in the comparison.
fn patterned(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// The text of a panic payload (`panic!` and `todo!` give a `&str` or a
/// `String`).
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_string()
    }
}
