//! Assertions on one HTTP response, shared by the chapters' stage tests:
//! each fails the test with what was sent, what was expected, what came
//! back and the book section to read.

use crate::client::Client;
use crate::failure::Failure;
use crate::http::Response;
use crate::manifest::Exercise;
use crate::show;

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
