//! The checks of exercises 3.1 and 3.2: the request line.

use super::*;

/// A request whose lines end in a bare `\n` is served: RFC 9112 section 2.2
/// lets a server accept it, and this course does, because people type
/// requests into `nc`.
pub(super) fn bare_lf(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (client, response) = exchange(target, ex, b"GET / HTTP/1.1\nHost: probe\n\n")?;
    status_is(
        ex,
        client.sent(),
        &response,
        200,
        "a bare \\n ends a line as well as \\r\\n does (RFC 9112 section 2.2)",
    )
}

/// A request line that is not exactly `METHOD SP TARGET SP VERSION` gets
/// `400` (RFC 9112 section 3, and section 2.3: `HTTP` is case-sensitive).
pub(super) fn bad_request_line(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn unknown_version(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn unknown_method(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn known_methods(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (client, response) = exchange(target, ex, &request("PUT", "/", "Content-Length: 0\r\n"))?;
    status_is(
        ex,
        client.sent(),
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
    status_is(
        ex,
        client.sent(),
        &response,
        404,
        "DELETE is a method the server knows; the path does not exist, so 404",
    )
}

/// A client talking to a proxy sends the whole URL as the target, and a
/// server MUST accept that absolute form too (RFC 9112 section 3.2.2).
pub(super) fn absolute_form(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (client, response) = exchange(
        target,
        ex,
        b"GET http://probe/ HTTP/1.1\r\nHost: probe\r\n\r\n",
    )?;
    status_is(
        ex,
        client.sent(),
        &response,
        200,
        "http://probe/ is the path / on host probe: a server MUST accept the absolute form (RFC 9112 section 3.2.2)",
    )
}

/// The two target forms that only a proxy takes: authority form
/// (`probe:80`, for CONNECT) and asterisk form (`*`, for OPTIONS) are `400`
/// with any other method (RFC 9112 sections 3.2.3 and 3.2.4).
pub(super) fn proxy_target_forms(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn long_target(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let path = format!("/{}", "a".repeat(64 * 1024));
    reject(
        target,
        ex,
        &request("GET", &path, ""),
        414,
        "a request line longer than the server's limit (8 KiB here) is 414",
    )
}
