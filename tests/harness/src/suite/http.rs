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
//! 3.1 the request line, 3.2 header fields, 3.3 body framing, 3.4 the
//! target's percent-encoding, 3.5 the response, 3.6 the connection, 3.7
//! chunked bodies.
//!
//! Every check of a bad request also checks the two things that make a
//! server robust rather than merely correct: the connection is closed after
//! the error response (the server cannot know where the broken request
//! ends, so it cannot read the next one), and a fresh connection is served
//! (the bad input did not take the server down).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use super::{Check, Suite, Target};
use crate::client::Client;
use crate::failure::Failure;
use crate::http::Response;
use crate::manifest::Exercise;

/// The suite, in the order `course probe` runs it.
// One check per line, so the list reads as a table.
#[rustfmt::skip]
pub const SUITE: Suite = Suite {
    name: "http",
    description: "HTTP/1.1 as chapter 3's server speaks it: parsing, errors, responses, keep-alive, chunked bodies",
    checks: &[
        // 3.5 first: if `GET /` does not work, nothing else can.
        check("get-root", "3.5", "GET / gets 200 with an exact Content-Length", get_root),
        check("not-found", "3.5", "an unknown path gets 404", not_found),
        check("date-header", "3.5", "responses carry a Date in IMF-fixdate form", date_header),
        check("head-root", "3.5", "HEAD / gets GET's headers and no body", head_root),
        check("error-response", "3.5", "a 400 has Content-Length and Date too", error_response),
        // 3.1: the request line.
        check("bare-lf", "3.1", "lines ending in a bare \\n are accepted", bare_lf),
        check("bad-request-line", "3.1", "malformed request lines get 400", bad_request_line),
        check("unknown-version", "3.1", "HTTP/3.0 and HTTP/2.0 get 505", unknown_version),
        check("unknown-method", "3.1", "unknown methods (BREW, lowercase get) and CONNECT get 501", unknown_method),
        check("known-methods", "3.1", "PUT / gets 405 with Allow, DELETE on an unknown path 404", known_methods),
        check("absolute-form", "3.1", "GET http://probe/ is GET /: 200", absolute_form),
        check("proxy-target-forms", "3.1", "GET * and GET probe:80 get 400", proxy_target_forms),
        check("long-target", "3.1", "a 64 KiB target gets 414", long_target),
        // 3.2: header fields.
        check("header-names-any-case", "3.2", "hOsT:x is a Host header", header_names_any_case),
        check("missing-host", "3.2", "HTTP/1.1 without Host gets 400", missing_host),
        check("two-hosts", "3.2", "two Host headers get 400", two_hosts),
        check("space-before-colon", "3.2", "`X-Test : 1` gets 400", space_before_colon),
        check("header-without-colon", "3.2", "a header line without a colon gets 400", header_without_colon),
        check("obs-fold", "3.2", "a header continued on the next line gets 400", obs_fold),
        check("huge-headers", "3.2", "64 KiB of header fields get 431", huge_headers),
        check("too-many-headers", "3.2", "500 header fields get 431", too_many_headers),
        // 3.3: the body.
        check("body-is-framed", "3.3", "a body is skipped by its Content-Length", body_is_framed),
        check("post-without-length", "3.3", "a POST without Content-Length has an empty body, not a 411", post_without_length),
        check("content-length-not-a-number", "3.3", "Content-Length: abc, -1, +5 ... get 400", content_length_not_a_number),
        check("duplicate-content-length", "3.3", "Content-Length twice gets 400", duplicate_content_length),
        check("smuggling", "3.3", "Transfer-Encoding with Content-Length gets 400, and the connection closes", smuggling),
        check("transfer-codings", "3.3", "codings not ending in chunked get 400; gzip under chunked 501; TE in HTTP/1.0 400", transfer_codings),
        check("body-too-large", "3.3", "Content-Length: 10 GiB gets 413 before any body", body_too_large),
        // 3.4: the target.
        check("query-string", "3.4", "GET /?q=%41+b is still the root: 200", query_string),
        check("bad-percent-encoding", "3.4", "GET /%zz and friends get 400", bad_percent_encoding),
        // 3.6: the connection.
        check("keep-alive", "3.6", "two requests on one connection", keep_alive),
        check("pipelining", "3.6", "three requests in one write, three answers in order", pipelining),
        check("one-byte-at-a-time", "3.6", "a request sent byte by byte is answered", one_byte_at_a_time),
        check("connection-close", "3.6", "Connection: close is answered in kind, then closed", connection_close),
        check("http10-closes", "3.6", "HTTP/1.0 is closed after the response", http10_closes),
        check("http10-keep-alive", "3.6", "HTTP/1.0 with keep-alive stays open", http10_keep_alive),
        check("expect-continue", "3.6", "Expect: 100-continue is answered before the body: 100 or a final status", expect_continue),
        check("expect-http10", "3.6", "an HTTP/1.0 Expect is ignored: no 100", expect_http10),
        check("pipelined-bad-request", "3.6", "after a pipelined bad request, nothing more", pipelined_bad_request),
        check("survives-bad-input", "3.6", "clients that vanish or send junk do not stop the server", survives_bad_input),
        // 3.7: chunked bodies.
        check("chunked-body-is-framed", "3.7", "a chunked body is skipped by its chunks", chunked_body_is_framed),
        check("chunked-in-pieces", "3.7", "a chunked body with extensions and trailers, byte by byte", chunked_in_pieces),
        check("bad-chunk-size", "3.7", "a chunk size that is not hex, or has a space, gets 400", bad_chunk_size),
        check("missing-chunk-crlf", "3.7", "chunk data not followed by CRLF, or a bare LF, gets 400", missing_chunk_crlf),
        check("chunked-too-large", "3.7", "a chunk of 10 GiB gets 413 before its data", chunked_too_large),
    ],
};

/// A row of the table above.
const fn check(
    name: &'static str,
    exercise_id: &'static str,
    description: &'static str,
    function: fn(&Target, Exercise) -> Result<(), Failure>,
) -> Check {
    Check {
        name,
        exercise_id,
        description,
        function,
    }
}

// ---------------------------------------------------------------------------
// The checks of exercise 3.5: the response
// ---------------------------------------------------------------------------

/// `GET /` gets `HTTP/1.1 200`, and its body is exactly `Content-Length`
/// bytes: with `Connection: close` the server closes right after the body,
/// so any byte more is visible (RFC 9112 section 6.3, RFC 9110 section 8.6).
fn get_root(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (mut client, response) =
        exchange(target, ex, &request("GET", "/", "Connection: close\r\n"))?;
    expect_status(ex, &client, &response, 200, "GET / must be served")?;
    if response.version != "HTTP/1.1" {
        return Err(Failure::new(ex, "the status line does not start with HTTP/1.1")
            .sent(client.sent())
            .line("expected", "\"HTTP/1.1 200 OK\"")
            .got(&response.head)
            .note("a server answers with its own version, and this one speaks HTTP/1.1 (RFC 9110 section 2.5)"));
    }
    expect_content_length(ex, &client, &response)?;
    client.try_expect_closed(
        "the body must be exactly Content-Length bytes; after `Connection: close` nothing may follow it",
    )
}

/// A path nobody serves gets `404` (RFC 9110 section 15.5.5), with a
/// `Content-Length` like every response.
fn not_found(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (client, response) = exchange(target, ex, &request("GET", &unknown_path(), ""))?;
    expect_status(
        ex,
        &client,
        &response,
        404,
        "a path the server does not have is 404 Not Found",
    )?;
    expect_content_length(ex, &client, &response)
}

/// Every response carries `Date` in IMF-fixdate form,
/// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 sections 6.6.1 and 5.6.7: an
/// origin server with a clock MUST send it).
fn date_header(target: &Target, ex: Exercise) -> Result<(), Failure> {
    for path in ["/".to_string(), unknown_path()] {
        let (client, response) = exchange(target, ex, &request("GET", &path, ""))?;
        let date = response.header("date").unwrap_or("");
        if !is_imf_fixdate(date) {
            return Err(Failure::new(ex, "the Date header is missing or not an IMF-fixdate")
                .sent(client.sent())
                .line("expected", "a header like \"Date: Sun, 06 Nov 1994 08:49:37 GMT\" (always GMT, two-digit day)")
                .got(&response.head));
        }
    }
    Ok(())
}

/// `HEAD /` gets the same headers as `GET /` (the same `Content-Length`
/// included) and no body (RFC 9110 section 9.3.2). Sending `GET /` next on
/// the same connection proves it: a body after the HEAD response would be
/// read where the next status line should be.
fn head_root(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    client.try_send(&request("HEAD", "/", ""))?;
    let head = client.try_read_response_head()?;
    expect_status(ex, &client, &head, 200, "HEAD / is GET / without the body")?;
    client.try_send(&request("GET", "/", ""))?;
    let get = client.try_read_response().map_err(|f| {
        f.note(
            "the HEAD response is head only: any body bytes after it are read as the next response",
        )
    })?;
    expect_status(
        ex,
        &client,
        &get,
        200,
        "GET / after HEAD / on the same connection",
    )?;
    // Date may tick between the two responses; everything else must match.
    let without_date = |r: &Response| -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> = r
            .headers
            .iter()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("date"))
            .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
            .collect();
        headers.sort();
        headers
    };
    if without_date(&head) != without_date(&get) {
        return Err(Failure::new(ex, "HEAD / and GET / got different headers")
            .sent(client.sent())
            .line("HEAD got", crate::show::bytes(&head.head))
            .line("GET got", crate::show::bytes(&get.head))
            .note("a HEAD response has exactly the headers a GET would, Content-Length included"));
    }
    Ok(())
}

/// Error responses are responses too: a `400` carries `Content-Length`
/// (so the client knows where the body ends) and `Date`
/// (RFC 9112 section 6.3, RFC 9110 section 6.6.1).
fn error_response(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    client.try_send(b"GET  / HTTP/1.1\r\nHost: probe\r\n\r\n")?;
    let response = client.try_read_response()?;
    expect_status(
        ex,
        &client,
        &response,
        400,
        "two spaces after the method make a bad request line",
    )?;
    expect_content_length(ex, &client, &response)?;
    if !is_imf_fixdate(response.header("date").unwrap_or("")) {
        return Err(
            Failure::new(ex, "the error response has no valid Date header")
                .sent(client.sent())
                .line(
                    "expected",
                    "a header like \"Date: Sun, 06 Nov 1994 08:49:37 GMT\"",
                )
                .got(&response.head),
        );
    }
    client.try_expect_closed("after an error response the server closes the connection")?;
    drop(client);
    lives_on(target, ex, "a 400")
}

// ---------------------------------------------------------------------------
// The checks of exercise 3.1: the request line
// ---------------------------------------------------------------------------

/// A request whose lines end in a bare `\n` is served: RFC 9112 section 2.2
/// lets a server accept it, and this course does, because people type
/// requests into `nc`.
fn bare_lf(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (client, response) = exchange(target, ex, b"GET / HTTP/1.1\nHost: probe\n\n")?;
    expect_status(
        ex,
        &client,
        &response,
        200,
        "a bare \\n ends a line as well as \\r\\n does (RFC 9112 section 2.2)",
    )
}

/// A request line that is not exactly `METHOD SP TARGET SP VERSION` gets
/// `400` (RFC 9112 section 3, and section 2.3: `HTTP` is case-sensitive).
fn bad_request_line(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let lines: [&[u8]; 9] = [
        b"GET  / HTTP/1.1",
        b"GET / HTTP/1.1 ",
        b" GET / HTTP/1.1",
        b"GET /",
        b"GET",
        b"GET\t/\tHTTP/1.1",
        b"G(T / HTTP/1.1",
        b"GET / http/1.1",
        b"GET / HTTP/one",
    ];
    for line in lines {
        let sent = [line, b"\r\nHost: probe\r\n\r\n"].concat();
        reject(
            target,
            ex,
            &sent,
            400,
            "a request line is exactly METHOD SP TARGET SP HTTP/x.y (RFC 9112 section 3)",
        )?;
    }
    Ok(())
}

/// A well-formed version this server does not speak gets `505 HTTP Version
/// Not Supported` (RFC 9110 section 15.6.6), not a guess.
fn unknown_version(target: &Target, ex: Exercise) -> Result<(), Failure> {
    for version in ["HTTP/3.0", "HTTP/2.0"] {
        let sent = format!("GET / {version}\r\nHost: probe\r\n\r\n");
        reject(
            target,
            ex,
            sent.as_bytes(),
            505,
            "HTTP/1.0 and HTTP/1.1 are served; another HTTP/x.y is 505",
        )?;
    }
    Ok(())
}

/// A well-formed method the server does not implement gets `501 Not
/// Implemented` (RFC 9110 section 9.1), and methods are case-sensitive, so
/// `get` is such a method.
fn unknown_method(target: &Target, ex: Exercise) -> Result<(), Failure> {
    for method in ["BREW", "get"] {
        reject(
            target,
            ex,
            &request(method, "/", ""),
            501,
            "a method is a case-sensitive token; one the server does not implement is 501 (RFC 9110 section 9.1)",
        )?;
    }
    reject(
        target,
        ex,
        b"CONNECT probe:443 HTTP/1.1\r\nHost: probe:443\r\n\r\n",
        501,
        "CONNECT asks for a tunnel, a proxy's job; a server that is not one answers 501",
    )
}

/// The methods of RFC 9110 are methods the server knows, so the path
/// decides: a path that exists without the method gets `405` with an
/// `Allow` header (RFC 9110 section 15.5.6), and a path that does not
/// exist gets `404`, never `501`.
fn known_methods(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (client, response) = exchange(target, ex, &request("PUT", "/", "Content-Length: 0\r\n"))?;
    expect_status(
        ex,
        &client,
        &response,
        405,
        "/ exists (GET / is 200), so a method it does not take is 405, not 501",
    )?;
    let allow = response.header("allow").unwrap_or("");
    if !allow.split(',').any(|method| method.trim() == "GET") {
        return Err(Failure::new(ex, "the 405 has no Allow header listing GET")
            .sent(client.sent())
            .line("expected", "a header like \"Allow: GET, HEAD\"")
            .got(&response.head)
            .note("a 405 MUST say which methods the path takes (RFC 9110 section 15.5.6)"));
    }
    drop(client);
    let (client, response) = exchange(target, ex, &request("DELETE", &unknown_path(), ""))?;
    expect_status(
        ex,
        &client,
        &response,
        404,
        "DELETE is a method the server knows; the path does not exist, so 404",
    )
}

/// A client talking to a proxy sends the whole URL as the target, and a
/// server MUST accept that absolute form too (RFC 9112 section 3.2.2).
fn absolute_form(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (client, response) = exchange(
        target,
        ex,
        b"GET http://probe/ HTTP/1.1\r\nHost: probe\r\n\r\n",
    )?;
    expect_status(
        ex,
        &client,
        &response,
        200,
        "http://probe/ is the path / on host probe: a server MUST accept the absolute form (RFC 9112 section 3.2.2)",
    )
}

/// The two target forms that only a proxy takes: authority form
/// (`probe:80`, for CONNECT) and asterisk form (`*`, for OPTIONS) are `400`
/// with any other method (RFC 9112 sections 3.2.3 and 3.2.4).
fn proxy_target_forms(target: &Target, ex: Exercise) -> Result<(), Failure> {
    for form in ["*", "probe:80"] {
        reject(
            target,
            ex,
            &request("GET", form, ""),
            400,
            "a GET target is a path or a whole URL; `*` goes only with OPTIONS, `host:port` only with CONNECT",
        )?;
    }
    Ok(())
}

/// A 64 KiB target gets `414 URI Too Long` (RFC 9112 section 3, RFC 9110
/// section 15.5.15): a server must bound what it buffers, and say which
/// limit was hit.
fn long_target(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let path = format!("/{}", "a".repeat(64 * 1024));
    reject(
        target,
        ex,
        &request("GET", &path, ""),
        414,
        "a request line longer than the server's limit (8 KiB here) is 414",
    )
}

// ---------------------------------------------------------------------------
// The checks of exercise 3.2: header fields
// ---------------------------------------------------------------------------

/// Field names are case-insensitive, and spaces around a value are not part
/// of it (RFC 9110 section 5.1, RFC 9112 section 5.1): `hOsT:x` and
/// `HOST:   x  ` are both the Host header.
fn header_names_any_case(target: &Target, ex: Exercise) -> Result<(), Failure> {
    for request in [
        &b"GET / HTTP/1.1\r\nhOsT:x\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHOST:   x  \r\n\r\n",
    ] {
        let (client, response) = exchange(target, ex, request)?;
        expect_status(
            ex,
            &client,
            &response,
            200,
            "header names are compared without case; a value is trimmed of spaces and tabs",
        )?;
    }
    Ok(())
}

/// An HTTP/1.1 request without `Host` gets `400`: RFC 9112 section 3.2 says
/// a server MUST.
fn missing_host(target: &Target, ex: Exercise) -> Result<(), Failure> {
    reject(
        target,
        ex,
        b"GET / HTTP/1.1\r\n\r\n",
        400,
        "an HTTP/1.1 request without Host is a 400 (RFC 9112 section 3.2 MUST)",
    )
}

/// Two `Host` headers get `400` (RFC 9112 section 3.2 MUST): which one
/// would the server believe?
fn two_hosts(target: &Target, ex: Exercise) -> Result<(), Failure> {
    reject(
        target,
        ex,
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        400,
        "more than one Host is a 400 (RFC 9112 section 3.2 MUST)",
    )
}

/// Whitespace between a field name and its colon gets `400`: RFC 9112
/// section 5.1 says a server MUST reject it, because proxies have been
/// tricked by it.
fn space_before_colon(target: &Target, ex: Exercise) -> Result<(), Failure> {
    reject(
        target,
        ex,
        &request("GET", "/", "X-Test : 1\r\n"),
        400,
        "whitespace before the colon is a 400 (RFC 9112 section 5.1 MUST)",
    )
}

/// A header line without a colon is not a field (RFC 9112 section 5):
/// `400`.
fn header_without_colon(target: &Target, ex: Exercise) -> Result<(), Failure> {
    reject(
        target,
        ex,
        &request("GET", "/", "X-Test\r\n"),
        400,
        "a header line is name:value; one without a colon is a 400",
    )
}

/// A line starting with a space or tab (the obsolete "line folding") gets
/// `400` (RFC 9112 section 5.2 lets a server reject it; this course does).
fn obs_fold(target: &Target, ex: Exercise) -> Result<(), Failure> {
    reject(
        target,
        ex,
        &request("GET", "/", "X-Test: a\r\n  b\r\n"),
        400,
        "obsolete line folding (a line starting with SP or HTAB) is a 400 (RFC 9112 section 5.2)",
    )
}

/// 64 KiB of header fields (64 lines of 1 KiB: few enough lines that only
/// their size is over the limit) get `431 Request Header Fields Too Large`
/// (RFC 6585 section 5).
fn huge_headers(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let value = "v".repeat(1000);
    let fields: String = (0..64)
        .map(|i| format!("X-Fill-{i}: {value}\r\n"))
        .collect();
    reject(
        target,
        ex,
        &request("GET", "/", &fields),
        431,
        "a header section over the server's limit (16 KiB here) is 431",
    )
}

/// 500 small header fields (about 9 KiB, under the byte limit) get `431`:
/// a count limit bounds the work per request too.
fn too_many_headers(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let fields: String = (0..500).map(|i| format!("X-N-{i}: {i}\r\n")).collect();
    reject(
        target,
        ex,
        &request("GET", "/", &fields),
        431,
        "more header fields than the server's limit (100 here) is 431",
    )
}

// ---------------------------------------------------------------------------
// The checks of exercise 3.3: the body
// ---------------------------------------------------------------------------

/// A request's body is exactly `Content-Length` bytes and is consumed with
/// it (RFC 9112 section 6.3), even on a GET that does not use it: the next
/// request on the connection starts right after it.
fn body_is_framed(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    let first = request("GET", "/", "Content-Length: 5\r\n");
    client.try_send(
        &[
            first.as_slice(),
            b"hello",
            &request("GET", &unknown_path(), ""),
        ]
        .concat(),
    )?;
    let response = client.try_read_response()?;
    expect_status(
        ex,
        &client,
        &response,
        200,
        "GET / with a 5-byte body is still GET /",
    )?;
    let second = client.try_read_response()?;
    expect_status(
        ex,
        &client,
        &second,
        404,
        "the second request starts right after the 5 body bytes; if the body was not skipped, `helloGET ...` is read as a request line",
    )
}

/// A `POST` with neither `Content-Length` nor `Transfer-Encoding` has no
/// body (RFC 9112 section 6.3), so it is answered at once (not with `411`),
/// and a request pipelined right after its head is the next request.
fn post_without_length(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    client.try_send(&[request("POST", "/", ""), request("GET", "/", "")].concat())?;
    let first = client.try_read_response().map_err(|f| {
        f.note("a request without Content-Length or Transfer-Encoding has a body of length zero: answer it without waiting")
    })?;
    if matches!(first.status, 400 | 408 | 411) {
        return Err(Failure::new(ex, format!("a POST without a length got {}", first.status))
            .sent(client.sent())
            .line("expected", "the answer POST / gets with an empty body")
            .got(&first.head)
            .note("RFC 9112 section 6.3: neither Content-Length nor Transfer-Encoding means the body is empty; 411 is for servers that cannot read chunked bodies"));
    }
    let second = client.try_read_response()?;
    expect_status(
        ex,
        &client,
        &second,
        200,
        "the GET / right after the POST's head is the next request",
    )
}

/// A `Content-Length` that is not all digits gets `400` (RFC 9112 section
/// 6.3: an invalid length is an unrecoverable framing error). Rust's
/// `parse::<u64>()` accepts `+5`: the server must not.
fn content_length_not_a_number(target: &Target, ex: Exercise) -> Result<(), Failure> {
    for value in ["abc", "-1", "+5", "1.5", "0x10", "5 5", ""] {
        let headers = format!("Content-Length: {value}\r\n");
        reject(
            target,
            ex,
            &request("POST", "/", &headers),
            400,
            "Content-Length is one or more digits and nothing else (RFC 9112 section 6.3)",
        )?;
    }
    Ok(())
}

/// `Content-Length` twice gets `400`, even with equal values (RFC 9112
/// section 6.3; this course rejects the duplicate the RFC lets a server
/// tolerate, because request smuggling lives in such differences).
fn duplicate_content_length(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let sent = [
        request("POST", "/", "Content-Length: 5\r\nContent-Length: 5\r\n"),
        b"hello".to_vec(),
    ]
    .concat();
    reject(
        target,
        ex,
        &sent,
        400,
        "two Content-Length headers are a 400, even when they agree",
    )
}

/// `Transfer-Encoding` and `Content-Length` together get `400`, and the
/// connection closes: two answers to "where does the body end" is how
/// requests are smuggled past a proxy (RFC 9112 section 6.1: a server MAY
/// reject it and MUST close the connection).
fn smuggling(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let sent = [
        request(
            "POST",
            "/",
            "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n",
        ),
        b"0\r\n\r\nG".to_vec(),
    ]
    .concat();
    reject(
        target,
        ex,
        &sent,
        400,
        "Transfer-Encoding with Content-Length is refused: a proxy in front may have believed the other one",
    )
}

/// Transfer codings: unless `chunked` is the last, nothing says where the
/// body ends (`400`, RFC 9112 section 6.3 MUST); a coding under `chunked`
/// that the server cannot undo is `501` (section 6.1); and an HTTP/1.0
/// request has no codings at all, so its framing is faulty (`400`,
/// section 6.1 MUST).
fn transfer_codings(target: &Target, ex: Exercise) -> Result<(), Failure> {
    for coding in ["chunked, gzip", "gzip", "chunked, chunked"] {
        let headers = format!("Transfer-Encoding: {coding}\r\n");
        reject(
            target,
            ex,
            &request("POST", "/", &headers),
            400,
            "when chunked is not the last transfer coding, the body's end cannot be found: 400",
        )?;
    }
    reject(
        target,
        ex,
        &request("POST", "/", "Transfer-Encoding: gzip, chunked\r\n"),
        501,
        "chunked last with gzip under it: the end can be found, but gzip is not implemented: 501",
    )?;
    reject(
        target,
        ex,
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
        "HTTP/1.0 has no Transfer-Encoding; one in a 1.0 request means faulty framing (RFC 9112 section 6.1)",
    )
}

/// A `Content-Length` over the limit gets `413 Content Too Large` at once,
/// decided from the header before any body arrives (RFC 9110 section
/// 15.5.14). The check sends no body: a server that waits for it fails by
/// timing out. A length too big for any integer type is over the limit too,
/// not a parse error (RFC 9110 section 8.6: a recipient MUST anticipate
/// large numerals).
fn body_too_large(target: &Target, ex: Exercise) -> Result<(), Failure> {
    for length in ["10737418240", "99999999999999999999999999"] {
        let headers = format!("Content-Length: {length}\r\n");
        reject(
            target,
            ex,
            &request("POST", "/", &headers),
            413,
            "a body over the limit (1 MiB here) is refused from Content-Length alone, without reading it",
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The checks of exercise 3.4: the target
// ---------------------------------------------------------------------------

/// The query is not part of the path (RFC 3986 section 3.4), so `/?q=%41+b`
/// is the root and gets `200`.
fn query_string(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (client, response) = exchange(target, ex, &request("GET", "/?q=%41+b&empty", ""))?;
    expect_status(
        ex,
        &client,
        &response,
        200,
        "the path ends at the first `?`: /?q=... is the path /",
    )
}

/// A `%` not followed by two hex digits gets `400` (RFC 3986 section 2.1):
/// guessing what it meant is how decoders disagree.
fn bad_percent_encoding(target: &Target, ex: Exercise) -> Result<(), Failure> {
    for path in ["/%zz", "/%", "/%4", "/a%g1"] {
        reject(
            target,
            ex,
            &request("GET", path, ""),
            400,
            "a % must be followed by two hex digits (RFC 3986 section 2.1)",
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The checks of exercise 3.6: the connection
// ---------------------------------------------------------------------------

/// HTTP/1.1 connections are persistent by default (RFC 9112 section 9.3):
/// a second request on the same connection, sent after the first answer,
/// is answered too.
fn keep_alive(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    for round in ["first", "second"] {
        client.try_send(&request("GET", "/", ""))?;
        let response = client.try_read_response().map_err(|f| {
            f.note(format!(
                "this was the {round} request on one connection; HTTP/1.1 keeps it open by default"
            ))
        })?;
        expect_status(
            ex,
            &client,
            &response,
            200,
            "GET / on a kept-alive connection",
        )?;
        if has_token(&response, "connection", "close") {
            return Err(Failure::new(
                ex,
                "the server ended a persistent connection it was not asked to end",
            )
            .sent(client.sent())
            .line(
                "expected",
                "no `Connection: close` in the response to a plain HTTP/1.1 request",
            )
            .got(&response.head));
        }
    }
    Ok(())
}

/// Requests that arrive back to back, in one write, are answered in order,
/// each complete (RFC 9112 section 9.3.2). A server that reads from the
/// socket before looking at what it has already buffered hangs here.
fn pipelining(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    let requests = [
        request("GET", "/", ""),
        request("GET", &unknown_path(), ""),
        request("GET", "/", ""),
    ];
    client.try_send(&requests.concat())?;
    for (i, expected) in [200, 404, 200].into_iter().enumerate() {
        let response = client.try_read_response().map_err(|f| {
            f.note(format!("waiting for response {} of 3: answer what is already buffered before reading the socket again", i + 1))
        })?;
        let why = format!("response {} of 3 answers request {}", i + 1, i + 1);
        expect_status(ex, &client, &response, expected, &why)?;
    }
    Ok(())
}

/// A request that arrives one byte per packet is answered: TCP is a stream,
/// and a read may return any piece of it (RFC 9293 section 3.1).
fn one_byte_at_a_time(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    client.try_send_byte_by_byte(&request("GET", "/", ""))?;
    let response = client.try_read_response()?;
    expect_status(
        ex,
        &client,
        &response,
        200,
        "keep reading until the whole head has arrived",
    )
}

/// `Connection: close` is answered with `Connection: close`, and then the
/// server closes the connection (RFC 9112 section 9.6).
fn connection_close(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (mut client, response) =
        exchange(target, ex, &request("GET", "/", "Connection: close\r\n"))?;
    expect_status(ex, &client, &response, 200, "GET / with Connection: close")?;
    expect_connection(ex, &client, &response, "close")?;
    client.try_expect_closed("after `Connection: close`, the server closes once it has answered")
}

/// An HTTP/1.0 request without `Connection: keep-alive` is the last on its
/// connection (RFC 9112 section 9.3): the server closes after answering.
/// (HTTP/1.0 has no Host requirement.)
fn http10_closes(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (mut client, response) = exchange(target, ex, b"GET / HTTP/1.0\r\n\r\n")?;
    expect_status(ex, &client, &response, 200, "HTTP/1.0 is served too")?;
    client.try_expect_closed(
        "HTTP/1.0 connections close after one response unless the request asks for keep-alive",
    )
}

/// HTTP/1.0 with `Connection: keep-alive` gets `Connection: keep-alive`
/// back, and the connection stays open for a second request
/// (RFC 9112 section 9.3 and appendix C.2.2).
fn http10_keep_alive(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    let sent = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    client.try_send(sent)?;
    let first = client.try_read_response()?;
    expect_status(
        ex,
        &client,
        &first,
        200,
        "HTTP/1.0 with Connection: keep-alive",
    )?;
    expect_connection(ex, &client, &first, "keep-alive")?;
    client.try_send(sent)?;
    let second = client.try_read_response()?;
    expect_status(
        ex,
        &client,
        &second,
        200,
        "the second HTTP/1.0 keep-alive request on the same connection",
    )
}

/// A client that sends `Expect: 100-continue` waits before it sends the
/// body, so the server MUST answer the head alone: `100 Continue` (then
/// read the body), or a final status at once (RFC 9110 section 10.1.1). A
/// server that waits for the body waits for a client that waits for it.
fn expect_continue(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    client.try_send(&request(
        "POST",
        "/",
        "Content-Length: 5\r\nExpect: 100-continue\r\n",
    ))?;
    let first = client.try_read_response_head().map_err(|f| {
        f.note("the client sent Expect: 100-continue and waits for 100 Continue (or a final answer) before it sends the body")
    })?;
    if first.status != 100 {
        // A final answer without reading the body is allowed; its body
        // follows its head as usual.
        return Ok(());
    }
    if first
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-length"))
    {
        return Err(Failure::new(ex, "the 100 Continue has a Content-Length")
            .sent(client.sent())
            .got(&first.head)
            .note("a 1xx response is a status line and an empty line; it MUST NOT carry Content-Length (RFC 9110 section 8.6)"));
    }
    client.try_send(b"hello")?;
    let last = client
        .try_read_response()
        .map_err(|f| f.note("after 100 Continue and the body, the final response must follow"))?;
    if last.status < 200 {
        return Err(
            Failure::new(ex, "after 100 Continue and the body, no final response")
                .sent(client.sent())
                .got(&last.head),
        );
    }
    Ok(())
}

/// An HTTP/1.0 client does not know `100 Continue`, so a server MUST ignore
/// its `Expect` (RFC 9110 section 10.1.1): the answer is the final one.
fn expect_http10(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (client, response) = exchange(
        target,
        ex,
        b"GET / HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello",
    )?;
    expect_status(
        ex,
        &client,
        &response,
        200,
        "an HTTP/1.0 request's Expect is ignored: no 100 Continue, just the answer",
    )
}

/// A chunked body (RFC 9112 section 7.1) is consumed with its request, by
/// its chunks, even on a GET that does not use it: the next request starts
/// right after the empty line that ends it.
fn chunked_body_is_framed(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    client.try_send(
        &[
            request("GET", "/", "Transfer-Encoding: chunked\r\n").as_slice(),
            b"5\r\nhello\r\n0\r\n\r\n",
            &request("GET", &unknown_path(), ""),
        ]
        .concat(),
    )?;
    let response = client.try_read_response()?;
    expect_status(
        ex,
        &client,
        &response,
        200,
        "GET / with a chunked body is still GET / (a recipient MUST be able to parse chunked, RFC 9112 section 7.1)",
    )?;
    let second = client.try_read_response()?;
    expect_status(
        ex,
        &client,
        &second,
        404,
        "the second request starts right after the chunked body's last chunk and empty line",
    )
}

/// Chunk extensions (`;name=value`) are ignored and trailer fields are read
/// and dropped (RFC 9112 sections 7.1.1 and 7.1.2), and every piece may
/// arrive on its own.
fn chunked_in_pieces(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    // A server may answer GET / before it reads the body, and close: then
    // the rest of the body cannot be sent, and the answer is what counts.
    let all_sent = client.send_byte_by_byte_until_closed(
        &[
            request("GET", "/", "Transfer-Encoding: chunked\r\n").as_slice(),
            b"3;name=value\r\nabc\r\n00A\r\n0123456789\r\n0\r\nX-Checksum: 1\r\n\r\n",
        ]
        .concat(),
    )?;
    let response = client.try_read_response().map_err(|f| {
        if all_sent {
            f
        } else {
            f.note("the server closed the connection before the body was all sent")
        }
    })?;
    expect_status(
        ex,
        &client,
        &response,
        200,
        "extensions after a size are ignored, sizes are hex in any case, trailers are dropped",
    )
}

/// A chunk-size line is hex digits, then perhaps `;extensions`: anything
/// else is `400`, and parsers that tolerate a stray space or sign are how
/// requests are smuggled.
fn bad_chunk_size(target: &Target, ex: Exercise) -> Result<(), Failure> {
    for size in ["zz", "+5", "5 5", "0x5", ""] {
        let sent = [
            request("POST", "/", "Transfer-Encoding: chunked\r\n"),
            format!("{size}\r\nhello\r\n0\r\n\r\n").into_bytes(),
        ]
        .concat();
        reject(
            target,
            ex,
            &sent,
            400,
            "a chunk size is hex digits only, optionally followed by ;extensions (RFC 9112 section 7.1)",
        )?;
    }
    Ok(())
}

/// Chunk data is followed by exactly CRLF, and the lines of a chunked body
/// end in CRLF: a chunk longer than its size, or a bare LF, is `400`.
fn missing_chunk_crlf(target: &Target, ex: Exercise) -> Result<(), Failure> {
    for body in ["5\r\nhello!!\r\n0\r\n\r\n", "5\nhello\r\n0\r\n\r\n"] {
        let sent = [
            request("POST", "/", "Transfer-Encoding: chunked\r\n"),
            body.as_bytes().to_vec(),
        ]
        .concat();
        reject(
            target,
            ex,
            &sent,
            400,
            "after a chunk's data comes CRLF, and every line of a chunked body ends in CRLF",
        )?;
    }
    Ok(())
}

/// A chunk whose size takes the body over the limit gets `413` from its
/// size line, before its data: the check sends none.
fn chunked_too_large(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let sent = [
        request("POST", "/", "Transfer-Encoding: chunked\r\n"),
        b"280000000\r\n".to_vec(),
    ]
    .concat();
    reject(
        target,
        ex,
        &sent,
        413,
        "a chunk of 10 GiB is over the body limit (1 MiB here): refused from its size, without reading it",
    )
}

/// After a bad request, requests already pipelined behind it are not
/// answered: the server cannot trust where the broken one ended, so it
/// answers the error with `Connection: close` and closes
/// (RFC 9112 section 9.6).
fn pipelined_bad_request(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    let good = request("GET", "/", "");
    client.try_send(
        &[
            good.as_slice(),
            b"GET  / HTTP/1.1\r\nHost: probe\r\n\r\n",
            &good,
        ]
        .concat(),
    )?;
    let first = client.try_read_response()?;
    expect_status(
        ex,
        &client,
        &first,
        200,
        "the first, good, request is answered",
    )?;
    let second = client.try_read_response()?;
    expect_status(
        ex,
        &client,
        &second,
        400,
        "the second request line has two spaces after the method",
    )?;
    expect_connection(ex, &client, &second, "close")?;
    client.try_expect_closed("nothing after a bad request is answered: the server closes")?;
    drop(client);
    lives_on(target, ex, "a pipelined bad request")
}

/// Clients that vanish halfway through a request, or send binary junk, do
/// not stop the server: the next connection is served.
fn survives_bad_input(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut vanishing = target.connect(ex)?;
    vanishing.try_send(b"GET / HTTP/1.1\r\nHo")?;
    drop(vanishing);
    lives_on(
        target,
        ex,
        "a client that closed halfway through its request",
    )?;
    reject(
        target,
        ex,
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n",
        400,
        "binary junk (here, the start of a TLS handshake) is a bad request line",
    )
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

/// Sends `request` on a new connection and reads one response.
fn exchange(target: &Target, ex: Exercise, request: &[u8]) -> Result<(Client, Response), Failure> {
    let mut client = target.connect(ex)?;
    client.try_send(request)?;
    let response = client.try_read_response()?;
    Ok((client, response))
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
    expect_status(ex, &client, &response, status, why)?;
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
    expect_status(
        ex,
        &client,
        &response,
        200,
        &format!("the server must go on serving after {after}"),
    )
}

/// Fails unless `response` has status `expected`.
fn expect_status(
    ex: Exercise,
    client: &Client,
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
    .sent(client.sent())
    .line(
        "expected",
        format!(
            "a status line like \"HTTP/1.1 {expected} {}\"",
            reason(expected)
        ),
    )
    .got(&response.head)
    .note(why))
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

/// The reason phrase of the statuses the suite expects, for messages.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "...",
    }
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
mod tests {
    use super::*;

    #[test]
    fn recognizes_imf_fixdates() {
        assert!(is_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT"));
        assert!(is_imf_fixdate("Thu, 01 Jan 1970 00:00:00 GMT"));
        for wrong in [
            "",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT ",
            "Sun, +6 Nov 1994 08:49:37 GMT",
        ] {
            assert!(!is_imf_fixdate(wrong), "{wrong:?}");
        }
    }

    #[test]
    fn finds_connection_tokens() {
        let response =
            Response::parse_head(b"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Upgrade\r\n\r\n")
                .unwrap();
        assert!(has_token(&response, "connection", "keep-alive"));
        assert!(has_token(&response, "connection", "upgrade"));
        assert!(!has_token(&response, "connection", "close"));
    }

    #[test]
    fn unknown_paths_differ_and_are_plain() {
        let (a, b) = (unknown_path(), unknown_path());
        assert_ne!(a, b);
        assert!(
            a.starts_with("/no-such-path-")
                && a.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'/' || c == b'-'),
            "{a}"
        );
    }

    #[test]
    fn requests_are_well_formed() {
        assert_eq!(
            request("GET", "/", "A: b\r\n"),
            b"GET / HTTP/1.1\r\nHost: probe\r\nA: b\r\n\r\n"
        );
    }

    #[test]
    fn the_suite_has_checks_for_every_chapter_3_exercise() {
        for id in ["3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7"] {
            assert!(!SUITE.checks_of(id).is_empty(), "no check for {id}");
        }
        assert!(SUITE.checks.len() >= 20);
    }
}
