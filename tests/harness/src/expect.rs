//! Assertions shared by the chapters' stage tests: on one HTTP response,
//! on a count the server reports, on a server that should be gone. Each
//! fails the test with what was sent, what was expected, what came back
//! and the book section to read.

use std::fmt::Debug;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use crate::TIMEOUT;
use crate::client::Client;
use crate::failure::Failure;
use crate::http::{Response, reason_phrase};
use crate::manifest::Exercise;
use crate::show;

/// The status check of the black-box suites, which collect failures
/// instead of panicking: `Ok` when `response` has the status code
/// `expected`, else a failure that shows what was sent (`sent`), the
/// status line expected, the head that came back, and `why` it matters.
pub fn status_is(
    ex: Exercise,
    sent: &[u8],
    response: &Response,
    expected: u16,
    why: &str,
) -> Result<(), Failure> {
    if response.status == expected {
        return Ok(());
    }
    Err(Failure::new(
        ex,
        format!("expected status {expected}, got {}", response.status),
    )
    .sent(sent)
    .line(
        "expected",
        format!(
            "a status line like \"HTTP/1.1 {expected} {}\"",
            reason_phrase(expected)
        ),
    )
    .got(&response.head)
    .note(why))
}

/// Fails unless `response`'s status line is exactly `expected`
/// (`"HTTP/1.1 200 OK"`, without the CRLF).
#[track_caller]
pub fn expect_status(ex: Exercise, client: &Client, response: &Response, expected: &str) {
    if response.status_line != expected {
        Failure::new(ex, "the status line is not the expected one")
            .sent(client.sent())
            .line("expected", format!("{expected:?}"))
            .line("got", format!("{:?}", response.status_line))
            .line("head", show::bytes(&response.head))
            .fail();
    }
}

/// Fails unless `response` has the header `name` (any case) with exactly
/// the value `expected`.
#[track_caller]
pub fn expect_header(
    ex: Exercise,
    client: &Client,
    response: &Response,
    name: &str,
    expected: &str,
) {
    let got = response.header(name);
    if got != Some(expected) {
        let summary = match got {
            None => format!("the response has no {name} header"),
            Some(_) => format!("the {name} header is not the expected one"),
        };
        Failure::new(ex, summary)
            .sent(client.sent())
            .line("expected", format!("{name}: {expected}"))
            .line("head", show::bytes(&response.head))
            .fail();
    }
}

/// Fails unless a count the server reports (`got`) is `expected`; shows
/// all of the server's counters (`counters`), which usually say why.
#[track_caller]
pub fn expect_count(ex: Exercise, what: &str, got: usize, expected: usize, counters: &impl Debug) {
    if got != expected {
        Failure::new(ex, format!("{what}: expected {expected}, counted {got}"))
            .line("counters", format!("{counters:?}"))
            .fail();
    }
}

/// After a shutdown: fails if a new connection to `addr` is served. A
/// refused connection passes, and so does one the OS accepts into a
/// listener's backlog that nobody serves (it sees its end of stream, or
/// nothing, within the timeout).
#[track_caller]
pub fn expect_no_service(ex: Exercise, addr: SocketAddr) {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, TIMEOUT) else {
        return;
    };
    let sent = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    stream
        .set_read_timeout(Some(TIMEOUT))
        .expect("set_read_timeout");
    stream
        .set_write_timeout(Some(TIMEOUT))
        .expect("set_write_timeout");
    // Errors are fine here: a reset or a timeout means nobody served us.
    let _ = stream.write_all(sent);
    let mut got = Vec::new();
    let _ = stream.read_to_end(&mut got);
    if !got.is_empty() {
        Failure::new(ex, "a connection made after shutdown was served")
            .sent(sent)
            .got(&got)
            .fail();
    }
}
