//! The `app` suite: the app of chapter 6 (on the course's own framework)
//! and of chapter 8 (the axum rewrite), checked from the outside.
//!
//! Both chapters must pass it unchanged, so it checks only HTTP, and only
//! what the book's chapter 6 promises: the home page, `/time`,
//! `/hello/{name}`, the guestbook, the static files, and the router's 404,
//! 405 and `HEAD`. It knows nothing of the server's language or insides.
//!
//! Two things make a black-box check of a guestbook trustworthy:
//!
//! - It never assumes the guestbook is empty (a learner's server keeps its
//!   entries across restarts). Every entry it posts carries a fresh random
//!   marker, and the check looks for that marker only.
//! - Entries are posted with `<`, `&`, `"` and `'` in them, so a page that
//!   forgets to escape shows it at once.
//!
//! Each check names the chapter 6 exercise that teaches the behaviour:
//! 6.1 path patterns (`/hello/{name}`), 6.2 dispatch (pages, 404, 405,
//! `HEAD`, static files), 6.4 the storage (entries come back, newest first),
//! 6.5 the guestbook pages (the form, 303, 422, escaping). Exercise 6.3,
//! the logging middleware, changes nothing a client can see.
//!
//! Every request says `Connection: close` and has a connection of its own,
//! closed before the next one opens: the server under test may serve only a
//! few connections at once.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{Check, Suite, Target};
use crate::failure::Failure;
use crate::http::Response;
use crate::manifest::Exercise;

/// The suite, in the order `course probe` runs it.
// One check per line, so the list reads as a table.
#[rustfmt::skip]
pub const SUITE: Suite = Suite {
    name: "app",
    description: "the app of chapters 6 and 8: pages, /time, /hello, the guestbook, static files",
    checks: &[
        check("home-page", "6.2", "GET / is an HTML page linking to /time, /hello/, /guestbook and the stylesheet", home_page),
        check("time", "6.2", "GET /time is the current UTC time, YYYY-MM-DDTHH:MM:SSZ and a newline", time),
        check("hello", "6.1", "GET /hello/{name} greets the percent-decoded name, HTML-escaped", hello),
        check("hello-needs-one-segment", "6.1", "/hello/ and /hello/a/b get 404", hello_needs_one_segment),
        check("not-found", "6.2", "an unknown path gets 404 text/html", not_found),
        check("method-not-allowed", "6.2", "POST /, DELETE /time, PUT /time get 405 with Allow: GET, HEAD", method_not_allowed),
        check("head", "6.2", "HEAD / and HEAD /time get GET's headers and no body", head),
        check("guestbook-form", "6.5", "GET /guestbook has a form posting name and message to /guestbook", guestbook_form),
        check("guestbook-post", "6.5", "a good POST gets 303 to /guestbook, which then shows it, escaped", guestbook_post),
        check("guestbook-chunked", "6.5", "a POST with a chunked body after 100 Continue, as curl -T - sends it, is stored", guestbook_chunked),
        check("expect-unknown-path", "6.2", "POST to an unknown path with Expect: 100-continue gets 404 or 100, never a wait", expect_unknown_path),
        check("guestbook-newest-first", "6.4", "of two entries posted, the newer is listed first", guestbook_newest_first),
        check("guestbook-422", "6.5", "empty, blank, too long or missing fields get 422 and store nothing", guestbook_422),
        check("guestbook-unicode-length", "6.5", "limits count characters, not bytes: 100 x 'é' is a good name", guestbook_unicode_length),
        check("static-css", "6.2", "GET /static/style.css is non-empty text/css", static_css),
        check("static-missing", "6.2", "a missing static file gets 404", static_missing),
        check("static-traversal", "6.2", "/static/../Cargo.toml and friends get 404 or 400, never 200", static_traversal),
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

const HTML: &str = "text/html; charset=utf-8";
const PLAIN: &str = "text/plain; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

// ---------------------------------------------------------------------------
// Pages, /time, /hello
// ---------------------------------------------------------------------------

/// `GET /` is the home page: `200`, HTML, with links to the app's pages
/// and the stylesheet, so a visitor can reach everything from it.
fn home_page(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
fn time(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
fn hello(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
fn hello_needs_one_segment(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
fn not_found(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let x = get(target, ex, &format!("/no-such-page-{}", marker()))?;
    x.expect_status(ex, 404, "no route matches this path")?;
    x.expect_content_type(ex, HTML)
}

/// A path that exists, asked with a method it does not allow, gets `405
/// Method Not Allowed` with an `Allow` header listing what it does allow
/// (RFC 9110 section 15.5.6): for a GET route, `GET` and `HEAD`.
fn method_not_allowed(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
fn head(target: &Target, ex: Exercise) -> Result<(), Failure> {
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

// ---------------------------------------------------------------------------
// The guestbook
// ---------------------------------------------------------------------------

/// `GET /guestbook` is an HTML page with the form that posts to it: `method`
/// `post`, `action` `/guestbook`, and fields named `name` and `message`.
fn guestbook_form(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let x = get(target, ex, "/guestbook")?;
    x.expect_status(ex, 200, "GET /guestbook is the guestbook page")?;
    x.expect_content_type(ex, HTML)?;
    for (attribute, what) in [
        (
            "method=\"post\"",
            "a <form method=\"post\" ...>: a form GETs by default",
        ),
        (
            "action=\"/guestbook\"",
            "a <form ... action=\"/guestbook\">",
        ),
        ("name=\"name\"", "an input named \"name\""),
        ("name=\"message\"", "a textarea or input named \"message\""),
    ] {
        x.expect_html_contains(ex, attribute, what)?;
    }
    Ok(())
}

/// A good entry is answered `303 See Other` with `Location: /guestbook`
/// (so a reload does not post it twice), and `GET /guestbook` then shows
/// its name and message, with `<b>&"'` escaped.
fn guestbook_post(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let name = format!("N{}<b>&\"'", marker());
    let message = format!("M{}<b>&\"' says hi", marker());
    post_entry(target, ex, &name, &message)?;
    let page = get(target, ex, "/guestbook")?;
    page.expect_status(ex, 200, "GET /guestbook after a good POST")?;
    for field in [&name, &message] {
        // The marker followed by `<b>`: the field as posted, unescaped.
        let raw = &field[..field.find('&').unwrap_or(field.len())];
        page.expect_absent(ex, raw, "an entry must never be shown unescaped")?;
        page.expect_contains(
            ex,
            &escape_html(field),
            "the entry just posted is shown, its < > & \" ' escaped as &lt; &gt; &amp; &quot; &#39;",
        )?;
    }
    Ok(())
}

/// A good entry sent the way `curl -T -` sends what it reads from a pipe:
/// `Transfer-Encoding: chunked` and `Expect: 100-continue`. The server says
/// `100 Continue` (or answers at once); the entry, in three chunks, is
/// stored and shown.
fn guestbook_chunked(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let name = format!("chunked-{}", marker());
    let body = form_encode(&[
        ("name", name.clone()),
        ("message", "sent in chunks".to_string()),
    ]);
    let mut client = target.connect(ex)?;
    client.try_send(
        b"POST /guestbook HTTP/1.1\r\nHost: probe\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Transfer-Encoding: chunked\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
    )?;
    let interim = client.try_read_response_head().map_err(|f| {
        f.note("the client sent Expect: 100-continue and waits for 100 Continue before it sends the body (RFC 9110 section 10.1.1)")
    })?;
    if interim.status != 100 {
        return Err(Failure::new(
            ex,
            format!(
                "POST /guestbook with Expect: 100-continue got {} instead of 100 Continue",
                interim.status
            ),
        )
        .sent(client.sent())
        .got(&interim.head)
        .note("the guestbook reads the body, so the server must ask for it with 100 Continue"));
    }
    let (first, rest) = body.split_at(body.len() / 3);
    let (second, third) = rest.split_at(rest.len() / 2);
    let mut chunked = String::new();
    for chunk in [first, second, third] {
        chunked.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    chunked.push_str("0\r\n\r\n");
    client.try_send(chunked.as_bytes())?;
    let response = client.try_read_response()?;
    let x = Exchange {
        sent: client.sent().to_vec(),
        response,
    };
    x.expect_status(
        ex,
        303,
        "a chunked body is the same form once its chunks are put together (RFC 9112 section 7.1)",
    )?;
    drop(client);
    let page = get(target, ex, "/guestbook")?;
    page.expect_contains(ex, &name, "the entry sent in chunks is stored and shown")
}

/// A client that asks `Expect: 100-continue` before posting to a path that
/// does not exist gets its `404` at once, or `100 Continue` (and the `404`
/// after the body): both are allowed, waiting for the body is not.
fn expect_unknown_path(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let mut client = target.connect(ex)?;
    client.try_send(
        format!(
            "POST /no-such-page-{} HTTP/1.1\r\nHost: probe\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
            marker()
        )
        .as_bytes(),
    )?;
    let first = client.try_read_response_head().map_err(|f| {
        f.note("the client waits for 100 Continue or a final answer before it sends the body")
    })?;
    let status = if first.status == 100 {
        client.try_send(b"hello")?;
        client.try_read_response()?.status
    } else {
        first.status
    };
    if status != 404 {
        return Err(
            Failure::new(ex, format!("POST to an unknown path got {status}"))
                .sent(client.sent())
                .line(
                    "expected",
                    "404, at once or after 100 Continue and the body",
                )
                .got(&first.head),
        );
    }
    Ok(())
}

/// Two entries, A then B: the page lists B (the newer) before A.
fn guestbook_newest_first(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let older = format!("older-{}", marker());
    let newer = format!("newer-{}", marker());
    post_entry(target, ex, &older, &format!("{older} message"))?;
    post_entry(target, ex, &newer, &format!("{newer} message"))?;
    let page = get(target, ex, "/guestbook")?;
    page.expect_status(ex, 200, "GET /guestbook after two good POSTs")?;
    let body = page.response.body_text();
    let (Some(at_older), Some(at_newer)) = (body.find(&older), body.find(&newer)) else {
        let missing = if body.contains(&older) {
            &newer
        } else {
            &older
        };
        return Err(page
            .failure(
                ex,
                format!("the entry {missing:?} was posted (303) but is not on the page"),
            )
            .got(&page.response.raw())
            .note("every stored entry is shown; was it written where the page reads from?"));
    };
    if at_newer > at_older {
        return Err(page
            .failure(ex, "the older entry is listed before the newer one")
            .line("posted", format!("{older:?}, then {newer:?}"))
            .line(
                "got",
                format!("{older:?} at byte {at_older}, {newer:?} at byte {at_newer}"),
            )
            .note("the guestbook lists its entries newest first"));
    }
    Ok(())
}

/// A form the guestbook must refuse, and what its 422 page must say.
struct BadEntry {
    /// The form's fields, in order.
    fields: Vec<(&'static str, String)>,
    /// The field at fault: the page must name it.
    field: &'static str,
    /// The page must say one of these: why the field is at fault.
    words: &'static [&'static str],
    /// What is wrong, for the failure message.
    why: &'static str,
}

/// Each bad entry gets `422 Unprocessable Content` (the reason phrase of
/// RFC 9110 section 15.5.21) with an HTML page naming the field at fault
/// and why (`empty` or `long`), and none of them is stored: afterwards the
/// guestbook shows none of their markers.
fn guestbook_422(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let id = marker();
    let long_name = format!("N{id}-{}", "x".repeat(100))
        .chars()
        .take(101)
        .collect::<String>();
    let long_message = format!("M{id}-{}", "x".repeat(1000))
        .chars()
        .take(1001)
        .collect::<String>();
    let cases = [
        BadEntry {
            fields: vec![("name", String::new()), ("message", format!("{id}-a"))],
            field: "name",
            words: &["empty"],
            why: "an empty name",
        },
        BadEntry {
            fields: vec![("name", format!("{id}-b")), ("message", String::new())],
            field: "message",
            words: &["empty"],
            why: "an empty message",
        },
        BadEntry {
            fields: vec![("name", " \t ".to_string()), ("message", format!("{id}-c"))],
            field: "name",
            words: &["empty"],
            why: "a name of whitespace only is empty once trimmed",
        },
        BadEntry {
            fields: vec![("name", long_name), ("message", format!("{id}-d"))],
            field: "name",
            words: &["long"],
            why: "a name of 101 characters (at most 100)",
        },
        BadEntry {
            fields: vec![("name", format!("{id}-e")), ("message", long_message)],
            field: "message",
            words: &["long"],
            why: "a message of 1001 characters (at most 1000)",
        },
        // The contract asks for `empty` or `long`; "missing" says it too.
        BadEntry {
            fields: vec![("message", format!("{id}-f"))],
            field: "name",
            words: &["empty", "missing"],
            why: "a form without a name field",
        },
    ];
    for BadEntry {
        fields,
        field,
        words,
        why,
    } in cases
    {
        let x = exchange(target, ex, &form_post(&fields))?;
        if x.response.status != 422 || x.response.reason != "Unprocessable Content" {
            return Err(x
                .failure(ex, format!("{why} did not get 422 Unprocessable Content"))
                .line("expected", "a status line \"HTTP/1.1 422 Unprocessable Content\"")
                .got(&x.response.head)
                .note("422 says the request was understood but its content is not acceptable; RFC 9110 section 15.5.21 names it \"Unprocessable Content\" (the older name was \"Unprocessable Entity\")"));
        }
        x.expect_content_type(ex, HTML)?;
        let text = x.response.body_text().to_lowercase();
        if !text.contains(field) || !words.iter().any(|word| text.contains(word)) {
            return Err(x
                .failure(
                    ex,
                    format!("the 422 page for {why} does not say what is wrong"),
                )
                .line(
                    "expected",
                    format!(
                        "a page naming the field \"{field}\" and saying it is {}",
                        words.join(" or ")
                    ),
                )
                .got(&x.response.body)
                .note("tell the visitor which field to fix and why, e.g. \"The name is empty.\""));
        }
    }
    let page = get(target, ex, "/guestbook")?;
    page.expect_status(ex, 200, "GET /guestbook after the rejected POSTs")?;
    page.expect_absent(
        ex,
        &id,
        "a rejected entry must not be stored: validate before you store",
    )
}

/// The limits count characters, not bytes: a name of exactly 100 `é` (200
/// bytes in UTF-8) and a message of exactly 1000 characters, mostly `é`, are
/// accepted and shown.
fn guestbook_unicode_length(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let name = "é".repeat(100);
    let id = marker();
    let message = format!("{id}{}", "é".repeat(1000 - id.len()));
    post_entry(target, ex, &name, &message).map_err(|f| {
        f.note("the name has 100 characters but 200 bytes: count with .chars().count(), not .len()")
    })?;
    let page = get(target, ex, "/guestbook")?;
    page.expect_status(ex, 200, "GET /guestbook after a good POST")?;
    page.expect_contains(
        ex,
        &message,
        "the entry just posted (100 x é, 1000 characters) is shown",
    )?;
    page.expect_contains(
        ex,
        &name,
        "the entry just posted (100 x é, 1000 characters) is shown",
    )
}

// ---------------------------------------------------------------------------
// Static files
// ---------------------------------------------------------------------------

/// `GET /static/style.css` is the stylesheet: `200`, `text/css; charset=utf-8`,
/// not empty.
fn static_css(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let x = get(target, ex, "/static/style.css")?;
    x.expect_status(ex, 200, "the pages use /static/style.css")?;
    x.expect_content_type(ex, CSS)?;
    if x.response.body.is_empty() {
        return Err(x
            .failure(ex, "the stylesheet is empty")
            .got(&x.response.raw())
            .note("serve the file's bytes, with a Content-Length that counts them"));
    }
    Ok(())
}

/// A file the static folder does not have gets `404`.
fn static_missing(target: &Target, ex: Exercise) -> Result<(), Failure> {
    get(
        target,
        ex,
        &format!("/static/no-such-file-{}.css", marker()),
    )?
    .expect_status(ex, 404, "the static folder has no such file")
}

/// No path under `/static/` reaches a file outside the static folder,
/// however it is spelled: `..` as is or percent-encoded, `\`, an absolute
/// path, a drive letter, a NUL. Each gets `404` or `400`, never `200`
/// (chapter 4's rules).
fn static_traversal(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let paths = [
        "/static/../Cargo.toml",
        "/static/../../../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%2fCargo.toml",
        "/static/%2e%2e%2f%2e%2e%2fCargo.toml",
        "/static/..%5cCargo.toml",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/C:%5cWindows%5cwin.ini",
        "/static/style.css%00.txt",
    ];
    for path in paths {
        let x = get(target, ex, path)?;
        if !matches!(x.response.status, 400 | 404) {
            return Err(x
                .failure(ex, format!("a path escaping the static folder got {}", x.response.status))
                .line("expected", "\"HTTP/1.1 404 Not Found\" (or 400 Bad Request)")
                .got(&x.response.head)
                .note("decode the path once, refuse any `..` segment (after decoding, split on / and \\), and check the resolved file is still inside the static folder (chapter 4)"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Requests and expectations
// ---------------------------------------------------------------------------

/// One request on a connection of its own, and the response to it. The
/// connection is closed by the time this exists.
struct Exchange {
    /// The bytes sent, shown in failures.
    sent: Vec<u8>,
    response: Response,
}

impl Exchange {
    /// A failure that shows what was sent.
    fn failure(&self, ex: Exercise, summary: impl Into<String>) -> Failure {
        Failure::new(ex, summary).sent(&self.sent)
    }

    fn expect_status(&self, ex: Exercise, expected: u16, why: &str) -> Result<(), Failure> {
        if self.response.status == expected {
            return Ok(());
        }
        Err(self
            .failure(
                ex,
                format!("expected status {expected}, got {}", self.response.status),
            )
            .line(
                "expected",
                format!(
                    "a status line like \"HTTP/1.1 {expected} {}\"",
                    reason(expected)
                ),
            )
            .got(&self.response.head)
            .note(why))
    }

    /// The media type must be `expected`. Type, subtype, parameter names and
    /// the charset are case-insensitive (RFC 9110 section 8.3.1), and the
    /// space after `;` is optional, so `text/html;charset=UTF-8` is fine.
    fn expect_content_type(&self, ex: Exercise, expected: &str) -> Result<(), Failure> {
        let got = self.response.header("content-type").unwrap_or("");
        if same_media_type(got, expected) {
            return Ok(());
        }
        Err(self
            .failure(ex, format!("the Content-Type is not {expected}"))
            .line("expected", format!("a header \"Content-Type: {expected}\""))
            .got(&self.response.head)
            .note("the browser decides how to show the body from its Content-Type; without the charset it may guess the encoding wrong"))
    }

    /// The body must contain `needle` exactly.
    fn expect_contains(&self, ex: Exercise, needle: &str, why: &str) -> Result<(), Failure> {
        if self.response.body_text().contains(needle) {
            return Ok(());
        }
        Err(self
            .failure(ex, format!("the page does not contain {needle:?}"))
            .line(
                "expected",
                format!(
                    "a body containing {}",
                    crate::show::bytes(needle.as_bytes())
                ),
            )
            .got(&self.response.raw())
            .note(why))
    }

    /// The body must contain `needle`, an HTML attribute or the start of
    /// one, written with double quotes or single ones, in any case.
    fn expect_html_contains(&self, ex: Exercise, needle: &str, what: &str) -> Result<(), Failure> {
        let body = self.response.body_text().to_lowercase();
        let needle = needle.to_lowercase();
        if body.contains(&needle) || body.contains(&needle.replace('"', "'")) {
            return Ok(());
        }
        Err(self
            .failure(ex, format!("the page has no {needle}"))
            .line("expected", what)
            .got(&self.response.raw()))
    }

    /// The body must not contain `needle`; a failure shows where it is.
    fn expect_absent(&self, ex: Exercise, needle: &str, why: &str) -> Result<(), Failure> {
        let Some(at) = find(&self.response.body, needle.as_bytes()) else {
            return Ok(());
        };
        let body = &self.response.body;
        let excerpt = &body[at.saturating_sub(60)..(at + needle.len() + 60).min(body.len())];
        Err(self
            .failure(ex, format!("the page contains {needle:?}"))
            .line(
                "found",
                format!("at byte {at} of the body: {}", crate::show::quoted(excerpt)),
            )
            .note(why))
    }
}

/// A request that says `Connection: close`, so the server frees the
/// connection as soon as it has answered.
fn request(method: &str, path: &str) -> Vec<u8> {
    format!("{method} {path} HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n").into_bytes()
}

/// `POST /guestbook` with `fields` form-encoded.
fn form_post(fields: &[(&str, String)]) -> Vec<u8> {
    let body = form_encode(fields);
    format!(
        "POST /guestbook HTTP/1.1\r\nHost: probe\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends `request` on a new connection and reads the response; the
/// connection is closed when this returns.
fn exchange(target: &Target, ex: Exercise, request: &[u8]) -> Result<Exchange, Failure> {
    let mut client = target.connect(ex)?;
    client.try_send(request)?;
    let response = client.try_read_response()?;
    Ok(Exchange {
        sent: client.sent().to_vec(),
        response,
    })
}

fn get(target: &Target, ex: Exercise, path: &str) -> Result<Exchange, Failure> {
    exchange(target, ex, &request("GET", path))
}

/// Posts a good entry and expects `303 See Other` to `/guestbook`.
fn post_entry(target: &Target, ex: Exercise, name: &str, message: &str) -> Result<(), Failure> {
    let x = exchange(
        target,
        ex,
        &form_post(&[("name", name.to_string()), ("message", message.to_string())]),
    )?;
    x.expect_status(
        ex,
        303,
        "a good entry is stored, then answered 303 See Other so a reload does not post it twice",
    )?;
    if x.response.header("location") != Some("/guestbook") {
        return Err(x
            .failure(ex, "the 303 does not send the browser to /guestbook")
            .line("expected", "a header \"Location: /guestbook\"")
            .got(&x.response.head));
    }
    Ok(())
}

/// `fields` as `application/x-www-form-urlencoded`: every byte but the
/// unreserved ones percent-encoded, spaces as `+`.
pub fn form_encode(fields: &[(&str, String)]) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    char::from(b).to_string()
                }
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    fields
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `text` with `& < > " '` escaped as the contract says.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// A fresh random marker, 16 hex digits: no two calls, in this process or
/// another, are likely ever to give the same one.
pub fn marker() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // std has no random numbers, but every RandomState has fresh random
    // keys; the time, a counter and the process id make sure of the rest.
    let mut hasher = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

/// Whether two Content-Type values name the same media type and parameters.
fn same_media_type(a: &str, b: &str) -> bool {
    let normal = |value: &str| -> Vec<String> {
        value
            .split(';')
            .map(|part| part.trim().to_ascii_lowercase())
            .collect()
    };
    normal(a) == normal(b)
}

/// The headers of `response` without `Date` (which may tick between two
/// responses), names lowercased, sorted.
fn headers_but_date(response: &Response) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = response
        .headers
        .iter()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("date"))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
        .collect();
    headers.sort();
    headers
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The reason phrase of the statuses the suite expects, for messages.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        303 => "See Other",
        404 => "Not Found",
        405 => "Method Not Allowed",
        422 => "Unprocessable Content",
        _ => "...",
    }
}

// ---------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------

/// Seconds since 1970-01-01T00:00:00Z by the suite's clock, truncated.
fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `Ok` when `body` is exactly `YYYY-MM-DDTHH:MM:SSZ\n` and names a second
/// from `before` to `after` (seconds since the Unix epoch); otherwise why
/// not. Fixed-width RFC 3339 text sorts like the times it names, so the
/// range is compared as text.
pub fn check_time_body(body: &[u8], before: u64, after: u64) -> Result<(), String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8 text".to_string())?;
    let shape = text.strip_suffix('\n').is_some_and(|time| {
        time.len() == 20
            && time.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                10 => b == b'T',
                13 | 16 => b == b':',
                19 => b == b'Z',
                _ => b.is_ascii_digit(),
            })
    });
    if !shape {
        return Err(
            "the body is not of the form YYYY-MM-DDTHH:MM:SSZ followed by one \\n".to_string(),
        );
    }
    let time = &text[..20];
    let (earliest, latest) = (rfc3339(before), rfc3339(after));
    if time < earliest.as_str() || time > latest.as_str() {
        return Err(format!(
            "the time {time} is not now: the suite's clock read {earliest} before the request and {latest} after the response"
        ));
    }
    Ok(())
}

/// `seconds` since the Unix epoch as RFC 3339 in UTC, whole seconds:
/// `2009-02-13T23:31:30Z`.
pub fn rfc3339(seconds: u64) -> String {
    let (year, month, day) = civil_from_days(seconds / 86_400);
    let second_of_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// The calendar date of day `days` after 1970-01-01: Howard Hinnant's
/// algorithm, counting in 400-year eras that start on 1 March, so the leap
/// day is the last day of its year.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Days since 0000-03-01, the start of an era.
    let since_era_start = days + 719_468;
    let era = since_era_start / 146_097;
    let day_of_era = since_era_start % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months counted from March: 0 is March, 11 is February.
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::time::Duration;

    #[test]
    fn formats_known_instants_as_rfc3339() {
        for (seconds, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_234_567_890, "2009-02-13T23:31:30Z"),
            (1_709_164_800, "2024-02-29T00:00:00Z"),
            (1_709_251_199, "2024-02-29T23:59:59Z"),
            (4_102_444_800, "2100-01-01T00:00:00Z"),
        ] {
            assert_eq!(rfc3339(seconds), text, "{seconds}");
        }
    }

    #[test]
    fn a_time_must_lie_between_the_clock_readings() {
        let before = 1_709_164_800; // 2024-02-29T00:00:00Z
        let after = before + 2;
        for good in [
            "2024-02-29T00:00:00Z\n",
            "2024-02-29T00:00:01Z\n",
            "2024-02-29T00:00:02Z\n",
        ] {
            assert_eq!(
                check_time_body(good.as_bytes(), before, after),
                Ok(()),
                "{good}"
            );
        }
        for (early_or_late, _) in [
            ("2024-02-28T23:59:59Z\n", ()),
            ("2024-02-29T00:00:03Z\n", ()),
        ] {
            let why = check_time_body(early_or_late.as_bytes(), before, after).unwrap_err();
            assert!(why.contains("is not now"), "{why}");
            assert!(why.contains("2024-02-29T00:00:00Z before"), "{why}");
        }
        for wrong_shape in [
            "2024-02-29T00:00:01Z",
            "2024-02-29T00:00:01Z\r\n",
            "2024-02-29 00:00:01Z\n",
            "2024-02-29T00:00:01.5Z\n",
            "2024-02-29T00:00:01+00:00\n",
            "Thu, 29 Feb 2024 00:00:01 GMT\n",
            "2024-02-29T00:00:01Z\n\n",
        ] {
            let why = check_time_body(wrong_shape.as_bytes(), before, after).unwrap_err();
            assert!(why.contains("not of the form"), "{wrong_shape:?}: {why}");
        }
    }

    #[test]
    fn markers_differ_and_forms_encode() {
        let (a, b) = (marker(), marker());
        assert_ne!(a, b);
        assert!(
            a.len() == 16 && a.bytes().all(|c| c.is_ascii_hexdigit()),
            "{a}"
        );
        assert_eq!(
            form_encode(&[("name", "a b&c=é".to_string()), ("message", String::new())]),
            "name=a+b%26c%3D%C3%A9&message="
        );
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert!(same_media_type("text/html;charset=UTF-8", HTML));
        assert!(!same_media_type("text/html", HTML));
    }

    /// The mistakes the mock app can make, one at a time.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Bug {
        None,
        NoEscaping,
        CountsBytes,
        OldestFirst,
        StoresBeforeValidating,
        OldReasonPhrase,
        LocalTimeFormat,
        HeadSendsBody,
        NotImplementedForPost,
        ServesTraversal,
        HelloTakesTheRest,
    }

    /// A tiny app that keeps the suite's contract, but for `bug`: one
    /// connection at a time, closed after each response. Returns its address;
    /// the thread ends with the test process.
    fn start_mock(bug: Bug) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut entries: Vec<(String, String)> = Vec::new();
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let _ = serve_one(stream, bug, &mut entries);
            }
        });
        addr
    }

    fn serve_one(
        mut stream: TcpStream,
        bug: Bug,
        entries: &mut Vec<(String, String)>,
    ) -> std::io::Result<()> {
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let mut parts = line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let (mut length, mut chunked, mut expects) = (0, false, false);
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            if header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse().unwrap_or(0);
                }
                chunked |= name.eq_ignore_ascii_case("transfer-encoding")
                    && value.eq_ignore_ascii_case("chunked");
                expects |= name.eq_ignore_ascii_case("expect")
                    && value.eq_ignore_ascii_case("100-continue");
            }
        }
        if expects {
            stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        let body = if chunked {
            read_chunked(&mut reader)?
        } else {
            let mut body = vec![0; length];
            reader.read_exact(&mut body)?;
            body
        };
        let (status, headers, page) = route(bug, method, path, &body, entries);
        let mut response = format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
            page.len()
        );
        for (name, value) in headers {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str("\r\n");
        let mut bytes = response.into_bytes();
        if method != "HEAD" || bug == Bug::HeadSendsBody {
            bytes.extend_from_slice(page.as_bytes());
        }
        stream.write_all(&bytes)
    }

    /// A chunked body, trusting the client: the mock only has to be right.
    fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if size == 0 {
                let mut end = String::new();
                reader.read_line(&mut end)?;
                return Ok(body);
            }
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk[..size]);
        }
    }

    /// The mock's home page: single quotes in one link, which HTML allows.
    const HOME_PAGE: &str = concat!(
        r#"<link rel="stylesheet" href="/static/style.css">"#,
        r#"<a href="/time">t</a> <a href="/hello/world">h</a> <a href='/guestbook'>g</a>"#,
    );

    /// The mock's form: `POST` in capitals, which HTML allows.
    const GUESTBOOK_FORM: &str = concat!(
        r#"<form method="POST" action="/guestbook">"#,
        r#"<input name="name"><textarea name="message"></textarea></form>"#,
    );

    type Answer = (&'static str, Vec<(&'static str, String)>, String);

    fn route(
        bug: Bug,
        method: &str,
        path: &str,
        body: &[u8],
        entries: &mut Vec<(String, String)>,
    ) -> Answer {
        let html = |status, page: String| (status, vec![("Content-Type", HTML.to_string())], page);
        let escape = |text: &str| {
            if bug == Bug::NoEscaping {
                text.to_string()
            } else {
                escape_html(text)
            }
        };
        let segments: Vec<String> = path.split('/').skip(1).map(percent_decode).collect();
        let get_only = ["/", "/time", "/guestbook"].contains(&path) || path.starts_with("/hello/");
        let not_found = || html("404 Not Found", "<p>Not found</p>".to_string());
        match (
            method,
            segments
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice(),
        ) {
            ("POST", ["time"]) if bug == Bug::NotImplementedForPost => {
                html("501 Not Implemented", String::new())
            }
            ("GET" | "HEAD", [""]) => html("200 OK", HOME_PAGE.to_string()),
            ("GET" | "HEAD", ["time"]) => {
                let now = rfc3339(now_seconds());
                let text = if bug == Bug::LocalTimeFormat {
                    now.replace('T', " ")
                } else {
                    now
                };
                (
                    "200 OK",
                    vec![("Content-Type", "text/plain;charset=UTF-8".to_string())],
                    text + "\n",
                )
            }
            ("GET" | "HEAD", ["hello", name]) if !name.is_empty() => {
                html("200 OK", format!("<h1>Hello, {}!</h1>", escape(name)))
            }
            ("GET" | "HEAD", ["hello", rest @ ..]) if bug == Bug::HelloTakesTheRest => html(
                "200 OK",
                format!("<h1>Hello, {}!</h1>", escape(&rest.join("/"))),
            ),
            ("GET" | "HEAD", ["guestbook"]) => {
                let mut page = String::from(GUESTBOOK_FORM);
                let list: Vec<&(String, String)> = if bug == Bug::OldestFirst {
                    entries.iter().collect()
                } else {
                    entries.iter().rev().collect()
                };
                for (name, message) in list {
                    page.push_str(&format!("<p>{}: {}</p>", escape(name), escape(message)));
                }
                html("200 OK", page)
            }
            ("POST", ["guestbook"]) => {
                let fields = parse_form(body);
                let field = |name: &str| {
                    fields
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.trim().to_string())
                };
                let (name, message) = (field("name"), field("message"));
                let count = |text: &str| {
                    if bug == Bug::CountsBytes {
                        text.len()
                    } else {
                        text.chars().count()
                    }
                };
                let mut problems = Vec::new();
                for (label, value, max) in [("name", &name, 100), ("message", &message, 1000)] {
                    match value.as_deref() {
                        None | Some("") => problems.push(format!("The {label} is empty.")),
                        Some(v) if count(v) > max => {
                            problems.push(format!("The {label} is too long."))
                        }
                        Some(_) => {}
                    }
                }
                if bug == Bug::StoresBeforeValidating || problems.is_empty() {
                    entries.push((name.unwrap_or_default(), message.unwrap_or_default()));
                }
                if problems.is_empty() {
                    (
                        "303 See Other",
                        vec![("Location", "/guestbook".to_string())],
                        String::new(),
                    )
                } else if bug == Bug::OldReasonPhrase {
                    html("422 Unprocessable Entity", problems.join(" "))
                } else {
                    html("422 Unprocessable Content", problems.join(" "))
                }
            }
            ("GET" | "HEAD", ["static", "style.css"]) => (
                "200 OK",
                vec![("Content-Type", CSS.to_string())],
                "body { margin: 0 }".to_string(),
            ),
            ("GET" | "HEAD", ["static", ..])
                if bug == Bug::ServesTraversal && path.contains("..") =>
            {
                (
                    "200 OK",
                    vec![("Content-Type", PLAIN.to_string())],
                    "root:x:0:0".to_string(),
                )
            }
            ("GET" | "HEAD", ["static", ..]) => not_found(),
            _ if get_only && !matches!(method, "GET" | "HEAD") => (
                "405 Method Not Allowed",
                vec![("Allow", "GET, HEAD".to_string())],
                String::new(),
            ),
            _ => not_found(),
        }
    }

    fn percent_decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut decoded = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
            match (bytes[i], hex) {
                (b'%', Some(byte)) => {
                    decoded.push(byte);
                    i += 3;
                }
                (byte, _) => {
                    decoded.push(byte);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&decoded).into_owned()
    }

    fn parse_form(body: &[u8]) -> Vec<(String, String)> {
        String::from_utf8_lossy(body)
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(n, v)| {
                (
                    percent_decode(&n.replace('+', " ")),
                    percent_decode(&v.replace('+', " ")),
                )
            })
            .collect()
    }

    /// Every check against the mock with `bug`: the names of those that
    /// failed, and their messages.
    fn failing_checks(bug: Bug) -> (Vec<&'static str>, String) {
        let target = Target::at(start_mock(bug));
        let mut names = Vec::new();
        let mut messages = String::new();
        for check in SUITE.checks {
            if let Err(failure) = check.run(&target) {
                names.push(check.name);
                messages.push_str(&format!("[{}] {}\n", check.name, failure.message()));
            }
        }
        (names, messages)
    }

    #[test]
    fn an_app_that_keeps_the_contract_passes_every_check() {
        let (failed, messages) = failing_checks(Bug::None);
        assert!(failed.is_empty(), "{messages}");
    }

    #[test]
    fn each_mistake_fails_the_check_that_teaches_it() {
        let cases: [(Bug, &[&str], &str); 10] = [
            (
                Bug::NoEscaping,
                &["hello", "guestbook-post"],
                "the name must never appear unescaped",
            ),
            (
                Bug::CountsBytes,
                &["guestbook-unicode-length"],
                "count with .chars().count()",
            ),
            (
                Bug::OldestFirst,
                &["guestbook-newest-first"],
                "the older entry is listed before the newer one",
            ),
            (
                Bug::StoresBeforeValidating,
                &["guestbook-422"],
                "validate before you store",
            ),
            (
                Bug::OldReasonPhrase,
                &["guestbook-422"],
                "the older name was \"Unprocessable Entity\"",
            ),
            (
                Bug::LocalTimeFormat,
                &["time"],
                "not of the form YYYY-MM-DDTHH:MM:SSZ",
            ),
            (Bug::HeadSendsBody, &["head"], "no body may follow it"),
            (
                Bug::NotImplementedForPost,
                &["method-not-allowed"],
                "expected status 405, got 501",
            ),
            (
                Bug::ServesTraversal,
                &["static-traversal"],
                "a path escaping the static folder got 200",
            ),
            (
                Bug::HelloTakesTheRest,
                &["hello-needs-one-segment"],
                "expected status 404, got 200",
            ),
        ];
        for (bug, expected, teaching) in cases {
            let (failed, messages) = failing_checks(bug);
            assert_eq!(failed, expected, "{bug:?}:\n{messages}");
            assert!(messages.contains(teaching), "{bug:?}:\n{messages}");
            // Every failure points at the book and shows what was sent.
            assert!(
                messages.contains("read:     book/src/ch06-framework.md#exercise-6"),
                "{messages}"
            );
            assert!(messages.contains("sent:     \""), "{messages}");
        }
    }

    #[test]
    fn the_suite_covers_the_observable_chapter_6_exercises() {
        for id in ["6.1", "6.2", "6.4", "6.5"] {
            assert!(!SUITE.checks_of(id).is_empty(), "no check for {id}");
        }
        // The logging middleware changes nothing a client sees.
        assert!(SUITE.checks_of("6.3").is_empty());
    }
}
