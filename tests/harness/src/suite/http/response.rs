//! The checks of exercise 3.7: the response, its status line, Date,
//! HEAD and error pages.

use super::*;

/// `GET /` gets `HTTP/1.1 200`, and its body is exactly `Content-Length`
/// bytes: with `Connection: close` the server closes right after the body,
/// so any byte more is visible (RFC 9112 section 6.3, RFC 9110 section 8.6).
pub(super) fn get_root(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (mut client, response) =
        exchange(target, ex, &request("GET", "/", "Connection: close\r\n"))?;
    status_is(ex, client.sent(), &response, 200, "GET / must be served")?;
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
pub(super) fn not_found(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let (client, response) = exchange(target, ex, &request("GET", &unknown_path(), ""))?;
    status_is(
        ex,
        client.sent(),
        &response,
        404,
        "a path the server does not have is 404 Not Found",
    )?;
    expect_content_length(ex, &client, &response)
}

/// Every response carries `Date` in IMF-fixdate form,
/// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 sections 6.6.1 and 5.6.7: an
/// origin server with a clock MUST send it).
pub(super) fn date_header(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn head_root(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    client.try_send(&request("HEAD", "/", ""))?;
    let head = client.try_read_response_head()?;
    status_is(
        ex,
        client.sent(),
        &head,
        200,
        "HEAD / is GET / without the body",
    )?;
    client.try_send(&request("GET", "/", ""))?;
    let get = client.try_read_response().map_err(|f| {
        f.note(
            "the HEAD response is head only: any body bytes after it are read as the next response",
        )
    })?;
    status_is(
        ex,
        client.sent(),
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
pub(super) fn error_response(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    client.try_send(b"GET  / HTTP/1.1\r\nHost: probe\r\n\r\n")?;
    let response = client.try_read_response()?;
    status_is(
        ex,
        client.sent(),
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
