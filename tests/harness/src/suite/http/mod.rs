//! The `http` suite: what any HTTP/1.1 server of this course must do, checked
//! from the outside.
//!
//! It assumes only that `GET /` answers `200` and that a path nobody would
//! choose (`/no-such-path-` and a random number) answers `404`. Everything
//! else is the protocol, as RFC 9112 (the HTTP/1.1 message syntax) and
//! RFC 9110 (HTTP semantics) state it: the limits (8 KiB request line, 16 KiB or 100 header fields, 1 MiB
//! body) are below what the checks send, so any server with those limits
//! or tighter ones passes.
//!
//! Each check names the chapter 3 exercise that teaches the behaviour:
//! 3.1 and 3.2 the request line, 3.3 field lines, 3.4 the header
//! section, 3.5 the target's percent-encoding, 3.6 body framing, 3.7 the
//! response, 3.9 the connection, 3.10 chunked bodies.
//!
//! Every check of a bad request also checks the two things that make a
//! server robust rather than merely correct: the connection is closed after
//! the error response (the server cannot know where the broken request
//! ends, so it cannot read the next one), and a fresh connection is served
//! (the bad input did not take the server down).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use super::{Check, Suite, Target, exchange};
use crate::client::Client;
use crate::expect::status_is;
use crate::failure::Failure;
use crate::http::Response;
use crate::manifest::Exercise;

mod body;
mod chunked;
mod connection;
mod headers;
mod request_line;
/// The suite, in the order `course probe` runs it.
mod response;

use body::*;
use chunked::*;
use connection::*;
use headers::*;
use request_line::*;
use response::*;

// One check per line, so the list reads as a table.
#[rustfmt::skip]
pub const SUITE: Suite = Suite {
    name: "http",
    description: "HTTP/1.1 as chapter 3's server speaks it: parsing, errors, responses, keep-alive, chunked bodies",
    checks: &[
        // 3.7 first: if `GET /` does not work, nothing else can.
        check("get-root", "3.7", "GET / gets 200 with an exact Content-Length", get_root),
        check("not-found", "3.7", "an unknown path gets 404", not_found),
        check("date-header", "3.7", "responses carry a Date in IMF-fixdate form", date_header),
        check("head-root", "3.7", "HEAD / gets GET's headers and no body", head_root),
        check("error-response", "3.7", "a 400 has Content-Length and Date too", error_response),
        // 3.1 and 3.2: the request line.
        check("bare-lf", "3.1", "lines ending in a bare \\n are accepted", bare_lf),
        check("bad-request-line", "3.2", "malformed request lines get 400", bad_request_line),
        check("unknown-version", "3.2", "HTTP/3.0 and HTTP/2.0 get 505", unknown_version),
        check("unknown-method", "3.2", "unknown methods (BREW, lowercase get) and CONNECT get 501", unknown_method),
        check("known-methods", "3.2", "PUT / gets 405 with Allow, DELETE on an unknown path 404", known_methods),
        check("absolute-form", "3.2", "GET http://probe/ is GET /: 200", absolute_form),
        check("proxy-target-forms", "3.2", "GET * and GET probe:80 get 400", proxy_target_forms),
        check("long-target", "3.1", "a 64 KiB target gets 414", long_target),
        // 3.3 and 3.4: field lines and the header section.
        check("header-names-any-case", "3.4", "hOsT:x is a Host header", header_names_any_case),
        check("missing-host", "3.4", "HTTP/1.1 without Host gets 400", missing_host),
        check("two-hosts", "3.4", "two Host headers get 400", two_hosts),
        check("space-before-colon", "3.3", "`X-Test : 1` gets 400", space_before_colon),
        check("header-without-colon", "3.3", "a header line without a colon gets 400", header_without_colon),
        check("obs-fold", "3.3", "a header continued on the next line gets 400", obs_fold),
        check("huge-headers", "3.4", "64 KiB of header fields get 431", huge_headers),
        check("too-many-headers", "3.4", "500 header fields get 431", too_many_headers),
        // 3.6: the body.
        check("body-is-framed", "3.6", "a body is skipped by its Content-Length", body_is_framed),
        check("post-without-length", "3.6", "a POST without Content-Length has an empty body, not a 411", post_without_length),
        check("content-length-not-a-number", "3.6", "Content-Length: abc, -1, +5 ... get 400", content_length_not_a_number),
        check("duplicate-content-length", "3.6", "Content-Length twice gets 400", duplicate_content_length),
        check("smuggling", "3.6", "Transfer-Encoding with Content-Length gets 400, and the connection closes", smuggling),
        check("transfer-codings", "3.6", "codings not ending in chunked get 400; gzip under chunked 501; TE in HTTP/1.0 400", transfer_codings),
        check("body-too-large", "3.6", "Content-Length: 10 GiB gets 413 before any body", body_too_large),
        // 3.5: the target.
        check("query-string", "3.5", "GET /?q=%41+b is still the root: 200", query_string),
        check("bad-percent-encoding", "3.5", "GET /%zz and friends get 400", bad_percent_encoding),
        // 3.9: the connection.
        check("keep-alive", "3.9", "two requests on one connection", keep_alive),
        check("pipelining", "3.9", "three requests in one write, three answers in order", pipelining),
        check("one-byte-at-a-time", "3.9", "a request sent byte by byte is answered", one_byte_at_a_time),
        check("connection-close", "3.9", "Connection: close is answered in kind, then closed", connection_close),
        check("http10-closes", "3.9", "HTTP/1.0 is closed after the response", http10_closes),
        check("http10-keep-alive", "3.9", "HTTP/1.0 with keep-alive stays open", http10_keep_alive),
        check("expect-continue", "3.9", "Expect: 100-continue is answered before the body: 100 or a final status", expect_continue),
        check("expect-http10", "3.9", "an HTTP/1.0 Expect is ignored: no 100", expect_http10),
        check("pipelined-bad-request", "3.9", "after a pipelined bad request, nothing more", pipelined_bad_request),
        check("survives-bad-input", "3.9", "clients that vanish or send junk do not stop the server", survives_bad_input),
        // 3.10: chunked bodies.
        check("chunked-body-is-framed", "3.10", "a chunked body is skipped by its chunks", chunked_body_is_framed),
        check("chunked-in-pieces", "3.10", "a chunked body with extensions and trailers, byte by byte", chunked_in_pieces),
        check("bad-chunk-size", "3.10", "a chunk size that is not hex, or has a space, gets 400", bad_chunk_size),
        check("missing-chunk-crlf", "3.10", "chunk data not followed by CRLF, or a bare LF, gets 400", missing_chunk_crlf),
        check("chunked-too-large", "3.10", "a chunk of 10 GiB gets 413 before its data", chunked_too_large),
    ],
};

/// A row of the table above.
const fn check(
    name: &'static str,
    exercise_id: &'static str,
    description: &'static str,
    function: fn(&Target, Exercise) -> Result<(), Failure>,
) -> Check {
    Check::new(name, exercise_id, description, function)
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A request with a Host header and `extra_headers` (each ending in `\r\n`).
fn request(method: &str, path: &str, extra_headers: &str) -> Vec<u8> {
    format!("{method} {path} HTTP/1.1\r\nHost: probe\r\n{extra_headers}\r\n").into_bytes()
}

/// A path no server has: `/no-such-path-` and a random number, so the check
/// does not depend on what the site happens to serve.
fn unknown_path() -> String {
    // std has no random numbers, but every RandomState has fresh random keys.
    let random = RandomState::new().build_hasher().finish();
    format!("/no-such-path-{random:016x}")
}

/// The standard check of a bad request: on a new connection, `request` gets
/// `status`, with `Connection: close`, and the server closes; then a new
/// connection is served.
fn reject(
    target: &Target,
    ex: Exercise,
    request: &[u8],
    status: u16,
    why: &str,
) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    // The server may answer and stop reading before a long request is all
    // sent: that is allowed, so a cut-short write is not a failure.
    let all_sent = client.send_until_closed(request)?;
    let response = client.try_read_response().map_err(|f| {
        if all_sent {
            f
        } else {
            f.note("the server closed the connection before reading the whole request; closing a socket with unread input makes the OS reset the connection, which can destroy the response: read (drain) what is left for a moment before closing")
        }
    })?;
    status_is(ex, client.sent(), &response, status, why)?;
    expect_connection(ex, &client, &response, "close")?;
    client.try_expect_closed("after an error response the server closes the connection: it cannot know where the bad request ends")?;
    drop(client);
    lives_on(
        target,
        ex,
        &format!("a {status} to {}", crate::show::bytes(request)),
    )
}

/// A fresh connection still gets `200` for `GET /`: the server survived
/// whatever came before.
fn lives_on(target: &Target, ex: Exercise, after: &str) -> Result<(), Failure> {
    let lived = |f: Failure| {
        f.note(format!(
            "this was a new connection after {after}: the server must live on"
        ))
    };
    let (client, response) = exchange(target, ex, &request("GET", "/", "")).map_err(lived)?;
    status_is(
        ex,
        client.sent(),
        &response,
        200,
        &format!("the server must go on serving after {after}"),
    )
}

/// Fails unless `response` has exactly one `Content-Length`, equal to the
/// length of the body that was read with it.
fn expect_content_length(
    ex: Exercise,
    client: &Client,
    response: &Response,
) -> Result<(), Failure> {
    match response.content_length() {
        Ok(Some(length)) if length == response.body.len() => Ok(()),
        _ => Err(Failure::new(ex, "the response has no single, right Content-Length")
            .sent(client.sent())
            .line("expected", "one Content-Length header with the body's length in bytes")
            .got(&response.raw())
            .note("every response of this server says its length, so the client knows where it ends (RFC 9112 section 6.3)")),
    }
}

/// Fails unless the `Connection` header of `response` has `token`.
fn expect_connection(
    ex: Exercise,
    client: &Client,
    response: &Response,
    token: &str,
) -> Result<(), Failure> {
    if has_token(response, "connection", token) {
        return Ok(());
    }
    Err(Failure::new(ex, format!("the response has no `Connection: {token}`"))
        .sent(client.sent())
        .line("expected", format!("a header \"Connection: {token}\""))
        .got(&response.head)
        .note("the Connection header tells the client whether the connection stays open (RFC 9112 section 9.3)"))
}

/// True when one of the comma-separated values of the `name` headers is
/// `token`, compared without case (RFC 9110 section 7.6.1).
fn has_token(response: &Response, name: &str, token: &str) -> bool {
    response
        .headers_named(name)
        .iter()
        .flat_map(|value| value.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// True when `date` has the shape of an IMF-fixdate,
/// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 section 5.6.7), with each
/// number in range.
pub fn is_imf_fixdate(date: &str) -> bool {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let number = |text: &str, max: u32| {
        text.bytes().all(|b| b.is_ascii_digit()) && text.parse::<u32>().is_ok_and(|n| n <= max)
    };
    date.len() == 29
        && date.is_ascii()
        && DAYS.contains(&&date[0..3])
        && &date[3..5] == ", "
        && number(&date[5..7], 31)
        && &date[5..7] != "00"
        && &date[7..8] == " "
        && MONTHS.contains(&&date[8..11])
        && &date[11..12] == " "
        && number(&date[12..16], 9999)
        && &date[16..17] == " "
        && number(&date[17..19], 23)
        && &date[19..20] == ":"
        && number(&date[20..22], 59)
        && &date[22..23] == ":"
        && number(&date[23..25], 60)
        && &date[25..] == " GMT"
}

#[cfg(test)]
mod tests;
