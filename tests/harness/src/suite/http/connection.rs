//! The checks of exercise 3.9: keep-alive, pipelining, `Connection`,
//! HTTP/1.0, `Expect: 100-continue`, and bad input in the middle of a
//! connection.

use super::*;

/// HTTP/1.1 connections are persistent by default (RFC 9112 section 9.3):
/// a second request on the same connection, sent after the first answer,
/// is answered too.
pub(super) fn keep_alive(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    for round in ["first", "second"] {
        client.try_send(&request("GET", "/", ""))?;
        let response = client.try_read_response().map_err(|f| {
            f.note(format!(
                "this was the {round} request on one connection; HTTP/1.1 keeps it open by default"
            ))
        })?;
        status_is(
            ex,
            client.sent(),
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
pub(super) fn pipelining(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
        status_is(ex, client.sent(), &response, expected, &why)?;
    }
    Ok(())
}

/// A request that arrives one byte per packet is answered: TCP is a stream,
/// and a read may return any piece of it (RFC 9293 section 3.1).
pub(super) fn one_byte_at_a_time(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    client.try_send_byte_by_byte(&request("GET", "/", ""))?;
    let response = client.try_read_response()?;
    status_is(
        ex,
        client.sent(),
        &response,
        200,
        "keep reading until the whole head has arrived",
    )
}

/// `Connection: close` is answered with `Connection: close`, and then the
/// server closes the connection (RFC 9112 section 9.6).
pub(super) fn connection_close(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (mut client, response) =
        exchange(target, ex, &request("GET", "/", "Connection: close\r\n"))?;
    status_is(
        ex,
        client.sent(),
        &response,
        200,
        "GET / with Connection: close",
    )?;
    expect_connection(ex, &client, &response, "close")?;
    client.try_expect_closed("after `Connection: close`, the server closes once it has answered")
}

/// An HTTP/1.0 request without `Connection: keep-alive` is the last on its
/// connection (RFC 9112 section 9.3): the server closes after answering.
/// (HTTP/1.0 has no Host requirement.)
pub(super) fn http10_closes(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (mut client, response) = exchange(target, ex, b"GET / HTTP/1.0\r\n\r\n")?;
    status_is(ex, client.sent(), &response, 200, "HTTP/1.0 is served too")?;
    client.try_expect_closed(
        "HTTP/1.0 connections close after one response unless the request asks for keep-alive",
    )
}

/// HTTP/1.0 with `Connection: keep-alive` gets `Connection: keep-alive`
/// back, and the connection stays open for a second request
/// (RFC 9112 section 9.3 and appendix C.2.2).
pub(super) fn http10_keep_alive(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    let sent = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    client.try_send(sent)?;
    let first = client.try_read_response()?;
    status_is(
        ex,
        client.sent(),
        &first,
        200,
        "HTTP/1.0 with Connection: keep-alive",
    )?;
    expect_connection(ex, &client, &first, "keep-alive")?;
    client.try_send(sent)?;
    let second = client.try_read_response()?;
    status_is(
        ex,
        client.sent(),
        &second,
        200,
        "the second HTTP/1.0 keep-alive request on the same connection",
    )
}

/// A client that sends `Expect: 100-continue` waits before it sends the
/// body, so the server MUST answer the head alone: `100 Continue` (then
/// read the body), or a final status at once (RFC 9110 section 10.1.1). A
/// server that waits for the body waits for a client that waits for it.
pub(super) fn expect_continue(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn expect_http10(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (client, response) = exchange(
        target,
        ex,
        b"GET / HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello",
    )?;
    status_is(
        ex,
        client.sent(),
        &response,
        200,
        "an HTTP/1.0 request's Expect is ignored: no 100 Continue, just the answer",
    )
}

/// After a bad request, requests already pipelined behind it are not
/// answered: the server cannot trust where the broken one ended, so it
/// answers the error with `Connection: close` and closes
/// (RFC 9112 section 9.6).
pub(super) fn pipelined_bad_request(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
    status_is(
        ex,
        client.sent(),
        &first,
        200,
        "the first, good, request is answered",
    )?;
    let second = client.try_read_response()?;
    status_is(
        ex,
        client.sent(),
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
pub(super) fn survives_bad_input(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
