//! The checks of exercises 3.5 and 3.6: the target and the body's
//! framing.

use super::*;

/// A request's body is exactly `Content-Length` bytes and is consumed with
/// it (RFC 9112 section 6.3), even on a GET that does not use it: the next
/// request on the connection starts right after it.
pub(super) fn body_is_framed(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
    status_is(
        ex,
        client.sent(),
        &response,
        200,
        "GET / with a 5-byte body is still GET /",
    )?;
    let second = client.try_read_response()?;
    status_is(
        ex,
        client.sent(),
        &second,
        404,
        "the second request starts right after the 5 body bytes; if the body was not skipped, `helloGET ...` is read as a request line",
    )
}

/// A `POST` with neither `Content-Length` nor `Transfer-Encoding` has no
/// body (RFC 9112 section 6.3), so it is answered at once (not with `411`),
/// and a request pipelined right after its head is the next request.
pub(super) fn post_without_length(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
    status_is(
        ex,
        client.sent(),
        &second,
        200,
        "the GET / right after the POST's head is the next request",
    )
}

/// A `Content-Length` that is not all digits gets `400` (RFC 9112 section
/// 6.3: an invalid length is an unrecoverable framing error). Rust's
/// `parse::<u64>()` accepts `+5`: the server must not.
pub(super) fn content_length_not_a_number(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn duplicate_content_length(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn smuggling(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn transfer_codings(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn body_too_large(target: &Target, ex: Exercise) -> Result<(), Failure> {
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

/// The query is not part of the path (RFC 3986 section 3.4), so `/?q=%41+b`
/// is the root and gets `200`.
pub(super) fn query_string(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (client, response) = exchange(target, ex, &request("GET", "/?q=%41+b&empty", ""))?;
    status_is(
        ex,
        client.sent(),
        &response,
        200,
        "the path ends at the first `?`: /?q=... is the path /",
    )
}

/// A `%` not followed by two hex digits gets `400` (RFC 3986 section 2.1):
/// guessing what it meant is how decoders disagree.
pub(super) fn bad_percent_encoding(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
