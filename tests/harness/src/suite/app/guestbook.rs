//! The checks of the guestbook: its form, its posts (form-encoded and
//! chunked), its order, and what it refuses.

use super::*;

/// `GET /guestbook` is an HTML page with the form that posts to it: `method`
/// `post`, `action` `/guestbook`, and fields named `name` and `message`.
pub(super) fn guestbook_form(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn guestbook_post(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn guestbook_chunked(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn expect_unknown_path(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn guestbook_newest_first(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) struct BadEntry {
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
pub(super) fn guestbook_422(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
pub(super) fn guestbook_unicode_length(target: &Target, ex: Exercise) -> Result<(), Failure> {
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
