//! The checks of exercise 3.10: chunked request bodies.

use super::*;

/// A chunked body (RFC 9112 section 7.1) is consumed with its request, by
/// its chunks, even on a GET that does not use it: the next request starts
/// right after the empty line that ends it.
pub(super) fn chunked_body_is_framed(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
    status_is(
        ex,
        client.sent(),
        &response,
        200,
        "GET / with a chunked body is still GET / (a recipient MUST be able to parse chunked, RFC 9112 section 7.1)",
    )?;
    let second = client.try_read_response()?;
    status_is(
        ex,
        client.sent(),
        &second,
        404,
        "the second request starts right after the chunked body's last chunk and empty line",
    )
}

/// Chunk extensions (`;name=value`) are ignored and trailer fields are read
/// and dropped (RFC 9112 sections 7.1.1 and 7.1.2), and every piece may
/// arrive on its own.
pub(super) fn chunked_in_pieces(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
    status_is(
        ex,
        client.sent(),
        &response,
        200,
        "extensions after a size are ignored, sizes are hex in any case, trailers are dropped",
    )
}

/// A chunk-size line is hex digits, then perhaps `;extensions`: anything
/// else is `400`, and parsers that tolerate a stray space or sign are how
/// requests are smuggled.
pub(super) fn bad_chunk_size(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn missing_chunk_crlf(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn chunked_too_large(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
