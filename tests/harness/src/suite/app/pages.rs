//! The checks of the pages: `/`, `/time`, `/hello/{name}`, 404, 405 and
//! HEAD.

use super::*;

/// `GET /` is the home page: `200`, HTML, with links to the app's pages
/// and the stylesheet, so a visitor can reach everything from it.
pub(super) fn home_page(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let x = get(target, ex, "/")?;
    x.expect_status(ex, 200, "GET / is the home page")?;
    x.expect_content_type(ex, HTML)?;
    for (link, what) in [
        ("href=\"/time", "a link to /time"),
        (
            "href=\"/hello/",
            "a link to a /hello/ page, such as /hello/world",
        ),
        ("href=\"/guestbook", "a link to /guestbook"),
        (
            "href=\"/static/style.css\"",
            "the stylesheet, <link rel=\"stylesheet\" href=\"/static/style.css\">",
        ),
    ] {
        x.expect_html_contains(ex, link, what)?;
    }
    Ok(())
}

/// `GET /time` is `text/plain; charset=utf-8` and exactly
/// `YYYY-MM-DDTHH:MM:SSZ\n` (RFC 3339, UTC, whole seconds), and the time is
/// now: between the suite's own clock readings just before the request and
/// just after the response, both truncated to seconds. (So the server and
/// the suite must share a clock, as they do on one machine.)
pub(super) fn time(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let before = now_seconds();
    let x = get(target, ex, "/time")?;
    let after = now_seconds();
    x.expect_status(ex, 200, "GET /time tells the time")?;
    x.expect_content_type(ex, PLAIN)?;
    check_time_body(&x.response.body, before, after).map_err(|why| {
        x.failure(ex, why)
            .line(
                "expected",
                format!(
                    "a time from {:?} to {:?}",
                    rfc3339(before) + "\n",
                    rfc3339(after) + "\n"
                ),
            )
            .got(&x.response.body)
            .note("the current time in UTC (not local time), whole seconds, then one \\n")
    })
}

/// `GET /hello/{name}` greets the path segment: percent-decoded (so
/// `J%C3%BCrgen%20M` is `Jürgen M`), then HTML-escaped, so that a name like
/// `<script>` is shown, never run. The escapes are the five of the
/// contract: `&amp; &lt; &gt; &quot; &#39;`.
pub(super) fn hello(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let cases = [
        (
            "/hello/world",
            "Hello, world!",
            None,
            "the name is the path segment after /hello/",
        ),
        (
            "/hello/J%C3%BCrgen%20M",
            "Hello, Jürgen M!",
            None,
            "the segment is percent-decoded: %C3%BC is ü, %20 a space",
        ),
        (
            "/hello/%3Cscript%3E",
            "Hello, &lt;script&gt;!",
            Some("<script>"),
            "a name is text, not markup: escape < and > as &lt; and &gt;",
        ),
        (
            "/hello/a%26b%22c%27d",
            "Hello, a&amp;b&quot;c&#39;d!",
            Some("a&b\"c'd"),
            "escape & \" ' as &amp; &quot; &#39;, or a name can end an attribute",
        ),
    ];
    for (path, greeting, raw, why) in cases {
        let x = get(target, ex, path)?;
        x.expect_status(ex, 200, why)?;
        x.expect_content_type(ex, HTML)?;
        if let Some(raw) = raw {
            x.expect_absent(ex, raw, "the name must never appear unescaped")?;
        }
        x.expect_contains(ex, greeting, why)?;
    }
    Ok(())
}

/// `{name}` matches exactly one non-empty path segment: `/hello/` (an empty
/// name) and `/hello/a/b` (two segments) are not greetings but `404`.
pub(super) fn hello_needs_one_segment(target: &Target, ex: Exercise) -> Result<(), Failure> {
    for (path, why) in [
        (
            "/hello/",
            "a {name} segment matches a non-empty segment only",
        ),
        (
            "/hello/a/b",
            "a pattern and a path must run out of segments together",
        ),
    ] {
        get(target, ex, path)?.expect_status(ex, 404, why)?;
    }
    Ok(())
}

/// A path no route matches gets `404` with an HTML page.
pub(super) fn not_found(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let x = get(target, ex, &format!("/no-such-page-{}", marker()))?;
    x.expect_status(ex, 404, "no route matches this path")?;
    x.expect_content_type(ex, HTML)
}

/// A path that exists, asked with a method it does not allow, gets `405
/// Method Not Allowed` with an `Allow` header listing what it does allow
/// (RFC 9110 section 15.5.6): for a GET route, `GET` and `HEAD`.
pub(super) fn method_not_allowed(target: &Target, ex: Exercise) -> Result<(), Failure> {
    // Several methods: a router decides 405 for any method it knows, as
    // axum's does (chapter 3's parser knows all of RFC 9110's).
    let requests = [("POST", "/"), ("POST", "/time"), ("DELETE", "/time"), ("PUT", "/time")].map(|(method, path)| {
        format!(
            "{method} {path} HTTP/1.1\r\nHost: probe\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .into_bytes()
    });
    for sent in requests {
        let x = exchange(target, ex, &sent)?;
        x.expect_status(
            ex,
            405,
            "the path has a route, only the method is wrong: the router answers 405 with Allow, whatever the method (not 404, and not 501: a framework's router decides this, as axum's does)",
        )?;
        let allowed: Vec<&str> = x
            .response
            .headers_named("allow")
            .into_iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        if !(allowed.contains(&"GET") && allowed.contains(&"HEAD")) {
            return Err(x
                .failure(ex, "the 405 does not list GET and HEAD in its Allow header")
                .line("expected", "a header like \"Allow: GET, HEAD\"")
                .got(&x.response.head)
                .note("a 405 MUST say which methods the path allows (RFC 9110 section 15.5.6); a GET route also answers HEAD"));
        }
    }
    Ok(())
}

/// `HEAD` on a GET route gets the same status and headers as `GET` (its
/// `Content-Length` included) and no body (RFC 9110 section 9.3.2). The
/// server closes after the head (the request said `Connection: close`), so
/// any body byte would arrive before that close and be seen.
pub(super) fn head(target: &Target, ex: Exercise) -> Result<(), Failure> {
    for path in ["/", "/time"] {
        let mut client = target.connect(ex)?;
        client.try_send(&request("HEAD", path))?;
        let head = client.try_read_response_head()?;
        client.try_expect_closed("a HEAD response is the head only: no body may follow it")?;
        let head = Exchange {
            sent: client.sent().to_vec(),
            response: head,
        };
        drop(client);
        head.expect_status(ex, 200, "HEAD is GET without the body")?;
        let get = get(target, ex, path)?;
        if headers_but_date(&head.response) != headers_but_date(&get.response) {
            return Err(head
                .failure(
                    ex,
                    format!("HEAD {path} and GET {path} got different headers"),
                )
                .line("HEAD got", crate::show::bytes(&head.response.head))
                .line("GET got", crate::show::bytes(&get.response.head))
                .note(
                    "a HEAD response has exactly the headers a GET would, Content-Length included",
                ));
        }
    }
    Ok(())
}
