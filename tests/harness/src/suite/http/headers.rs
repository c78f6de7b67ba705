//! The checks of exercises 3.3 and 3.4: field lines and the header
//! section.

use super::*;

/// Field names are case-insensitive, and spaces around a value are not part
/// of it (RFC 9110 section 5.1, RFC 9112 section 5.1): `hOsT:x` and
/// `HOST:   x  ` are both the Host header.
pub(super) fn header_names_any_case(target: &Target, ex: Exercise) -> Result<(), Failure> {
    for request in [
        &b"GET / HTTP/1.1\r\nhOsT:x\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHOST:   x  \r\n\r\n",
    ] {
        let (client, response) = exchange(target, ex, request)?;
        status_is(
            ex,
            client.sent(),
            &response,
            200,
            "header names are compared without case; a value is trimmed of spaces and tabs",
        )?;
    }
    Ok(())
}

/// An HTTP/1.1 request without `Host` gets `400`: RFC 9112 section 3.2 says
/// a server MUST.
pub(super) fn missing_host(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn two_hosts(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn space_before_colon(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn header_without_colon(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn obs_fold(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn huge_headers(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn too_many_headers(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let fields: String = (0..500).map(|i| format!("X-N-{i}: {i}\r\n")).collect();
    reject(
        target,
        ex,
        &request("GET", "/", &fields),
        431,
        "more header fields than the server's limit (100 here) is 431",
    )
}
