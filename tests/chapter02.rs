//! Stage tests of chapter 2, HTTP by hand.
//!
//! The same file tests the learner's crate (`cargo test -p chapter02`) and
//! the reference solution (`cargo test -p chapter02-solution`): both name
//! their library `chapter02`. Each test is named after the exercise it
//! checks (`ex2_4_...` checks exercise 2.4), so `cargo run -p course` can
//! report progress exercise by exercise.
//!
//! Most tests start the server on `127.0.0.1:0` and talk to it over a raw
//! socket, byte for byte, the way a browser would. A few call the library's
//! functions directly with a table of inputs. One runs a real browser.

use std::collections::BTreeSet;
use std::io::{self, ErrorKind, Read};

use chapter02::Shutdown;
use chapter02::form::parse_form;
use chapter02::request::{self, MAX_HEAD_BYTES, RequestError, RequestLine};
use chapter02::response::{Response as ServerResponse, Status};
use harness::browser::{self, BROWSER_LIMIT, RecordingProxy};
use harness::{Client, Exercise, Failure, Response, TestServer, expect_header, expect_status};

/// The picture as it is on disk, read by the test itself: the server must
/// send exactly these bytes, whatever constant it keeps them in.
const PICTURE: &[u8] = include_bytes!("../solutions/02-http-by-hand/src/picture.jpg");

const GET_HOME: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
const GET_PICTURE: &[u8] = b"GET /picture.jpg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Starts the chapter's server on `127.0.0.1:0`; dropping it stops it.
fn start() -> TestServer {
    let listener = harness::bind_local();
    let shutdown = Shutdown::new(&listener).expect("Shutdown::new on a bound listener");
    let stop = shutdown.clone();
    TestServer::spawn(
        listener,
        move |listener| chapter02::server::serve(listener, shutdown),
        move || stop.trigger(),
    )
}

/// Sends `request` on a new connection and reads one response.
#[track_caller]
fn exchange(server: &TestServer, ex: Exercise, request: &[u8]) -> (Client, Response) {
    let mut client = server.connect(ex);
    client.send(request);
    let response = client.read_response();
    (client, response)
}

/// Every response of this server: `Content-Length` present (so the test
/// read exactly that many body bytes), and `Connection: close`.
#[track_caller]
fn expect_framing(ex: Exercise, client: &Client, response: &Response) {
    if response.header("Content-Length").is_none() {
        Failure::new(ex, "the response has no Content-Length header")
            .sent(client.sent())
            .line("head", harness::show::bytes(&response.head))
            .note("without it the client cannot tell where the body ends; write body.len()")
            .fail();
    }
    expect_header(ex, client, response, "Connection", "close");
}

/// A 200 HTML page, framed correctly.
#[track_caller]
fn expect_page(ex: Exercise, client: &Client, response: &Response, status_line: &str) {
    expect_status(ex, client, response, status_line);
    expect_header(
        ex,
        client,
        response,
        "Content-Type",
        "text/html; charset=utf-8",
    );
    expect_framing(ex, client, response);
}

#[track_caller]
fn expect_body_contains(ex: Exercise, client: &Client, response: &Response, needle: &str) {
    if !response.body_text().contains(needle) {
        Failure::new(ex, "the body lacks something it must contain")
            .sent(client.sent())
            .line("expected", format!("a body containing {needle:?}"))
            .got(&response.body)
            .fail();
    }
}

/// The methods an `Allow` header lists, whatever their order and spacing.
fn methods(allow: &str) -> BTreeSet<String> {
    allow.split(',').map(|m| m.trim().to_string()).collect()
}

// ---------------------------------------------------------------------------
// 2.1 Read the request head
// ---------------------------------------------------------------------------

/// A reader that hands out the pieces it was given, one per `read` call,
/// the way a socket hands out whatever has arrived; then end of stream.
struct Pieces {
    pieces: Vec<Result<Vec<u8>, ErrorKind>>,
}

impl Pieces {
    fn new(pieces: &[&[u8]]) -> Pieces {
        Pieces {
            pieces: pieces.iter().rev().map(|p| Ok(p.to_vec())).collect(),
        }
    }

    fn then_fail(mut self, kind: ErrorKind) -> Pieces {
        self.pieces.insert(0, Err(kind));
        self
    }
}

impl Read for Pieces {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        match self.pieces.pop() {
            None => Ok(0),
            Some(Err(kind)) => Err(kind.into()),
            Some(Ok(mut piece)) => {
                let n = piece.len().min(buffer.len());
                buffer[..n].copy_from_slice(&piece[..n]);
                if n < piece.len() {
                    self.pieces.push(Ok(piece.split_off(n)));
                }
                Ok(n)
            }
        }
    }
}

#[test]
fn ex2_1_reads_a_head_that_arrives_in_pieces() {
    let ex = harness::exercise("2.1");
    let head: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    let post: &[u8] = b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd";
    let long_line = [b'a'; 1000];
    let too_long: Vec<&[u8]> = std::iter::once(&b"GET / HTTP/1.1\r\nX: "[..])
        .chain(std::iter::repeat_n(&long_line[..], 10))
        .collect();
    let bytes: Vec<&[u8]> = head.chunks(1).collect();

    enum Expect {
        /// The head (through the blank line) and what stays after it.
        Head(&'static [u8], &'static [u8]),
        TooLarge,
        TimedOut,
        Malformed,
        Closed,
    }
    let cases: Vec<(&str, Pieces, Expect)> = vec![
        (
            "all in one read",
            Pieces::new(&[head]),
            Expect::Head(head, b""),
        ),
        (
            "one byte per read",
            Pieces::new(&bytes),
            Expect::Head(head, b""),
        ),
        (
            "a read that ends inside the blank line",
            Pieces::new(&[b"GET / HTTP/1.1\r\nHost: x\r\n\r", b"\n"]),
            Expect::Head(head, b""),
        ),
        (
            "a read that ends between \\r\\n and \\r\\n",
            Pieces::new(&[b"GET / HTTP/1.1\r\nHost: x\r\n", b"\r\n"]),
            Expect::Head(head, b""),
        ),
        (
            "the start of the body in the same read",
            Pieces::new(&[post]),
            Expect::Head(b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\n", b"abcd"),
        ),
        (
            "a head over MAX_HEAD_BYTES with no blank line",
            Pieces::new(&too_long),
            Expect::TooLarge,
        ),
        (
            "a read timeout (WouldBlock, as on Unix)",
            Pieces::new(&[b"GET / HT"]).then_fail(ErrorKind::WouldBlock),
            Expect::TimedOut,
        ),
        (
            "a read timeout (TimedOut, as on Windows)",
            Pieces::new(&[]).then_fail(ErrorKind::TimedOut),
            Expect::TimedOut,
        ),
        (
            "end of stream in the middle of the head",
            Pieces::new(&[b"GET / HTTP/1.1\r\n"]),
            Expect::Malformed,
        ),
        (
            "end of stream before any byte",
            Pieces::new(&[]),
            Expect::Closed,
        ),
    ];
    for (what, mut reader, expected) in cases {
        let result = request::read_head(&mut reader);
        let ok = match (&result, &expected) {
            (Ok(raw), Expect::Head(head, rest)) => raw.head == *head && raw.rest == *rest,
            (Err(RequestError::HeadTooLarge), Expect::TooLarge) => true,
            (Err(RequestError::TimedOut), Expect::TimedOut) => true,
            (Err(RequestError::Malformed(_)), Expect::Malformed) => true,
            (Err(RequestError::Closed), Expect::Closed) => true,
            _ => false,
        };
        if !ok {
            let expected = match expected {
                Expect::Head(head, rest) => format!(
                    "Ok(RawHead {{ head: {}, rest: {} }})",
                    harness::show::quoted(head),
                    harness::show::quoted(rest)
                ),
                Expect::TooLarge => "Err(RequestError::HeadTooLarge)".to_string(),
                Expect::TimedOut => "Err(RequestError::TimedOut) (use ? on the read)".to_string(),
                Expect::Malformed => "Err(RequestError::Malformed(..))".to_string(),
                Expect::Closed => "Err(RequestError::Closed)".to_string(),
            };
            Failure::new(ex, format!("read_head got it wrong for {what}"))
                .line("expected", expected)
                .line("returned", format!("{result:?}"))
                .fail();
        }
    }
}

#[test]
fn ex2_1_a_request_sent_one_byte_at_a_time_gets_the_page() {
    let ex = harness::exercise("2.1");
    let server = start();
    let mut client = server.connect(ex);
    client.send_byte_by_byte(GET_HOME);
    let response = client.read_response();
    expect_page(ex, &client, &response, "HTTP/1.1 200 OK");
    expect_body_contains(ex, &client, &response, "<img src=\"/picture.jpg\"");
}

#[test]
fn ex2_1_a_head_just_under_the_limit_is_fine() {
    let ex = harness::exercise("2.1");
    let server = start();
    let mut request = b"GET / HTTP/1.1\r\nX-Padding: ".to_vec();
    request.resize(MAX_HEAD_BYTES - 4, b'a');
    request.extend_from_slice(b"\r\n\r\n");
    assert_eq!(request.len(), MAX_HEAD_BYTES);
    let (client, response) = exchange(&server, ex, &request);
    expect_page(ex, &client, &response, "HTTP/1.1 200 OK");
}

#[test]
fn ex2_1_a_head_over_the_limit_gets_431() {
    let ex = harness::exercise("2.1");
    let server = start();
    let mut request = b"GET / HTTP/1.1\r\nX-Padding: ".to_vec();
    request.resize(MAX_HEAD_BYTES + 1000, b'a');
    request.extend_from_slice(b"\r\n\r\n");
    let (mut client, response) = exchange(&server, ex, &request);
    expect_page(
        ex,
        &client,
        &response,
        "HTTP/1.1 431 Request Header Fields Too Large",
    );
    client.expect_closed("after an error the server closes the connection");
    drop(client);
    // And it goes on serving.
    let (client, response) = exchange(&server, ex, GET_HOME);
    expect_page(ex, &client, &response, "HTTP/1.1 200 OK");
}

#[test]
fn ex2_1_a_silent_client_does_not_block_the_next_one() {
    let ex = harness::exercise("2.1");
    let server = start();
    // A connects first and sends nothing, like a browser's spare connection.
    let mut silent = server.connect(ex);
    // B's request must still be answered, once the server gives up on A.
    let (client, response) = exchange(&server, ex, GET_HOME);
    expect_page(ex, &client, &response, "HTTP/1.1 200 OK");
    // By then A has had its answer: 408, or at least a closed connection.
    let got = silent.read_to_end();
    if !got.is_empty() && !got.starts_with(b"HTTP/1.1 408 Request Timeout\r\n") {
        Failure::new(
            ex,
            "a client that sent nothing got something other than a 408",
        )
        .line("sent", "nothing")
        .line(
            "expected",
            "\"HTTP/1.1 408 Request Timeout\\r\\n...\", or the connection closed",
        )
        .got(&got)
        .fail();
    }
    server.assert_alive(ex);
}

#[test]
fn ex2_1_a_post_without_content_length_gets_411() {
    let ex = harness::exercise("2.1");
    let server = start();
    let (mut client, response) = exchange(
        &server,
        ex,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nmessage=hi",
    );
    expect_page(ex, &client, &response, "HTTP/1.1 411 Length Required");
    client.expect_closed("after an error the server closes the connection");
}

#[test]
fn ex2_1_a_body_over_the_limit_gets_413() {
    let ex = harness::exercise("2.1");
    let server = start();
    let (mut client, response) = exchange(
        &server,
        ex,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nmessage=",
    );
    expect_page(ex, &client, &response, "HTTP/1.1 413 Content Too Large");
    client.expect_closed("after an error the server closes the connection");
}

// ---------------------------------------------------------------------------
// 2.2 Split the request line
// ---------------------------------------------------------------------------

#[test]
fn ex2_2_splits_request_lines() {
    let ex = harness::exercise("2.2");
    let good: &[(&str, [&str; 3])] = &[
        (
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            ["GET", "/", "HTTP/1.1"],
        ),
        (
            "POST /form?x=1 HTTP/1.0\r\n\r\n",
            ["POST", "/form?x=1", "HTTP/1.0"],
        ),
        (
            "DELETE /picture.jpg HTTP/1.1\r\n\r\n",
            ["DELETE", "/picture.jpg", "HTTP/1.1"],
        ),
        ("GET / HTTP/1.1", ["GET", "/", "HTTP/1.1"]),
    ];
    for (head, [method, target, version]) in good {
        let expected = RequestLine {
            method: method.to_string(),
            target: target.to_string(),
            version: version.to_string(),
        };
        match request::split_request_line(head) {
            Ok(line) if line == expected => {}
            other => Failure::new(ex, "split_request_line got a good request line wrong")
                .line("head", format!("{head:?}"))
                .line("expected", format!("Ok({expected:?})"))
                .line("returned", format!("{other:?}"))
                .fail(),
        }
    }
    let bad: &[(&str, &str)] = &[
        ("GET /\r\n\r\n", "two parts"),
        ("GET / HTTP/1.1 extra\r\n\r\n", "four parts"),
        ("GET  / HTTP/1.1\r\n\r\n", "two spaces in a row"),
        (" / HTTP/1.1\r\n\r\n", "an empty method"),
        ("GET / FTP/1.0\r\n\r\n", "a version that is not HTTP/"),
        (
            "GET / http/1.1\r\n\r\n",
            "a lower-case version (versions are case-sensitive)",
        ),
        ("hello\r\n\r\n", "one word"),
        ("\r\n\r\n", "an empty line"),
    ];
    for (head, why) in bad {
        match request::split_request_line(head) {
            Err(RequestError::Malformed(_)) => {}
            other => Failure::new(ex, format!("split_request_line accepted {why}"))
                .line("head", format!("{head:?}"))
                .line(
                    "expected",
                    "Err(RequestError::Malformed(..)), answered with 400",
                )
                .line("returned", format!("{other:?}"))
                .fail(),
        }
    }
}

#[test]
fn ex2_2_malformed_requests_get_400_and_the_server_lives_on() {
    let ex = harness::exercise("2.2");
    let server = start();
    let bad: &[&[u8]] = &[
        b"GARBAGE\r\n\r\n",
        b"GET /\r\n\r\n",
        b"GET  / HTTP/1.1\r\n\r\n",
        b"GET / FTP/1.0\r\n\r\n",
        b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nthis line has no colon\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello",
    ];
    for request in bad {
        let (mut client, response) = exchange(&server, ex, request);
        expect_page(ex, &client, &response, "HTTP/1.1 400 Bad Request");
        client.expect_closed("after an error the server closes the connection");
    }
    let (client, response) = exchange(&server, ex, GET_HOME);
    expect_page(ex, &client, &response, "HTTP/1.1 200 OK");
    server.assert_alive(ex);
}

// ---------------------------------------------------------------------------
// 2.3 Write a response
// ---------------------------------------------------------------------------

#[test]
fn ex2_3_writes_status_line_headers_and_body() {
    let ex = harness::exercise("2.3");
    let jpeg_like = vec![
        0xFF, 0xD8, 0xFF, 0x00, b'\r', b'\n', b'\r', b'\n', 0xFF, 0xD9,
    ];
    let cases = [
        (
            ServerResponse::html(Status::NotFound, "<p>gone</p>").with_header("X-Test", "yes"),
            "HTTP/1.1 404 Not Found",
            vec![
                "Content-Type: text/html; charset=utf-8",
                "X-Test: yes",
                "Content-Length: 11",
            ],
            b"<p>gone</p>".to_vec(),
        ),
        (
            ServerResponse::new(Status::Ok, "image/jpeg", jpeg_like.clone()),
            "HTTP/1.1 200 OK",
            vec!["Content-Type: image/jpeg", "Content-Length: 10"],
            jpeg_like,
        ),
    ];
    for (response, status_line, headers, body) in cases {
        let mut written = Vec::new();
        if let Err(e) = response.write_to(&mut written) {
            Failure::new(ex, "write_to into a Vec returned an error")
                .line("error", e.to_string())
                .fail();
        }
        let fail = |why: &str| -> ! { wrote_wrong(ex, &response, &written, why) };
        let Some(head_end) = harness::http::head_end(&written) else {
            fail("there is no blank line (\\r\\n\\r\\n) after the headers");
        };
        let head = String::from_utf8_lossy(&written[..head_end]).into_owned();
        if head.replace("\r\n", "").contains('\n') {
            fail("a line of the head ends in a bare \\n instead of \\r\\n");
        }
        let mut lines = head.trim_end_matches("\r\n").split("\r\n");
        if lines.next() != Some(status_line) {
            fail(&format!("the first line should be {status_line:?}"));
        }
        let got: BTreeSet<&str> = lines.collect();
        let mut expected: BTreeSet<&str> = headers.into_iter().collect();
        expected.insert("Connection: close");
        if got != expected {
            fail(&format!(
                "the header lines should be {expected:?} (in any order)"
            ));
        }
        if written[head_end..] != body[..] {
            fail("the body after the blank line is not the body, byte for byte");
        }
    }
}

#[track_caller]
fn wrote_wrong(ex: Exercise, response: &ServerResponse, written: &[u8], why: &str) -> ! {
    Failure::new(ex, format!("write_to wrote a wrong response: {why}"))
        .line("response", format!("{response:?}"))
        .got(written)
        .fail()
}

#[test]
fn ex2_3_the_server_closes_the_connection_after_each_response() {
    let ex = harness::exercise("2.3");
    let server = start();
    for request in [GET_HOME, GET_PICTURE, b"GET /nowhere HTTP/1.1\r\n\r\n"] {
        let (mut client, response) = exchange(&server, ex, request);
        expect_framing(ex, &client, &response);
        client
            .expect_closed("Connection: close promises that the server closes after the response");
    }
}

// ---------------------------------------------------------------------------
// 2.4 Route: the page, the picture, 404 and 405
// ---------------------------------------------------------------------------

#[test]
fn ex2_4_get_home_page_is_html_with_the_picture_and_the_form() {
    let ex = harness::exercise("2.4");
    let server = start();
    let (client, response) = exchange(&server, ex, GET_HOME);
    expect_page(ex, &client, &response, "HTTP/1.1 200 OK");
    if !response
        .body_text()
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("<!doctype html>")
    {
        Failure::new(ex, "the home page does not start with <!DOCTYPE html>")
            .sent(client.sent())
            .got(&response.body)
            .fail();
    }
    for needle in [
        "<title>",
        "<img src=\"/picture.jpg\"",
        "<form method=\"post\" action=\"/\"",
        "name=\"message\"",
    ] {
        expect_body_contains(ex, &client, &response, needle);
    }
}

#[test]
fn ex2_4_get_picture_is_the_jpeg_byte_for_byte() {
    let ex = harness::exercise("2.4");
    let server = start();
    let (client, response) = exchange(&server, ex, GET_PICTURE);
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    expect_header(ex, &client, &response, "Content-Type", "image/jpeg");
    expect_framing(ex, &client, &response);
    if response.body != PICTURE {
        Failure::new(ex, "the picture's bytes are not those of src/picture.jpg")
            .sent(client.sent())
            .line("expected", harness::show::bytes(PICTURE))
            .line("got", harness::show::bytes(&response.body))
            .note("send the bytes untouched: never through a String, which would change them")
            .fail();
    }
}

#[test]
fn ex2_4_unknown_paths_get_404() {
    let ex = harness::exercise("2.4");
    let server = start();
    for path in ["/nowhere", "/picture.png", "/index.html", "/picture.jpg/x"] {
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        let (client, response) = exchange(&server, ex, request.as_bytes());
        expect_page(ex, &client, &response, "HTTP/1.1 404 Not Found");
    }
}

#[test]
fn ex2_4_wrong_methods_get_405_with_allow() {
    let ex = harness::exercise("2.4");
    let server = start();
    let cases: &[(&[u8], &str)] = &[
        (b"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", "GET, POST"),
        (
            b"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            "GET, POST",
        ),
        (b"DELETE /picture.jpg HTTP/1.1\r\nHost: x\r\n\r\n", "GET"),
        (
            b"POST /picture.jpg HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi",
            "GET",
        ),
    ];
    for (request, allow) in cases {
        let (client, response) = exchange(&server, ex, request);
        expect_page(ex, &client, &response, "HTTP/1.1 405 Method Not Allowed");
        let got = response.header("Allow").unwrap_or_default();
        if methods(got) != methods(allow) {
            Failure::new(
                ex,
                "a 405 must list the methods that work in its Allow header",
            )
            .sent(client.sent())
            .line("expected", format!("Allow: {allow}"))
            .line("head", harness::show::bytes(&response.head))
            .fail();
        }
    }
}

#[test]
fn ex2_4_a_browser_shows_the_page_and_fetches_the_picture() {
    let ex = harness::exercise("2.4");
    let server = start();
    // Without a browser first, so this test fails on an unfinished server
    // on every machine, with or without Chromium.
    let (client, response) = exchange(&server, ex, GET_HOME);
    expect_page(ex, &client, &response, "HTTP/1.1 200 OK");
    let (client, response) = exchange(&server, ex, GET_PICTURE);
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    drop(client);

    let Some(chromium) =
        browser::chromium_or_skip("ex2_4_a_browser_shows_the_page_and_fetches_the_picture")
    else {
        return;
    };
    let proxy = RecordingProxy::start(server.addr()).expect("start the recording proxy");
    let url = proxy.url("/");
    let dom = match browser::dump_dom(&chromium, &url, BROWSER_LIMIT) {
        Ok(dom) => dom,
        Err(why) => Failure::new(ex, "headless Chromium could not show the page")
            .line("browser", chromium.display().to_string())
            .line("url", url)
            .line("error", why)
            .line("requests", format!("{:?}", proxy.request_lines()))
            .fail(),
    };
    if !dom.contains("<img src=\"/picture.jpg\"") {
        Failure::new(
            ex,
            "the page the browser shows has no <img src=\"/picture.jpg\">",
        )
        .line("dom", harness::show::bytes(dom.as_bytes()))
        .fail();
    }
    let seen = proxy.request_lines();
    for expected in ["GET / HTTP/1.1", "GET /picture.jpg HTTP/1.1"] {
        if !seen.iter().any(|line| line == expected) {
            Failure::new(ex, "the browser did not make a request it should have")
                .line("expected", format!("{expected:?} among the requests"))
                .line("requests", format!("{seen:?}"))
                .note("the browser asks for the picture itself, in a second request, when it reads the <img> tag")
                .fail();
        }
    }
    server.assert_alive(ex);
}

// ---------------------------------------------------------------------------
// 2.5 Handle the form POST
// ---------------------------------------------------------------------------

#[test]
fn ex2_5_decodes_form_bodies() {
    let ex = harness::exercise("2.5");
    // A form body, and the (name, value) pairs it holds.
    type Case = (&'static [u8], &'static [(&'static str, &'static str)]);
    let cases: &[Case] = &[
        (
            b"message=Hello+%3Cb%3Eworld%3C%2Fb%3E+%26+friends",
            &[("message", "Hello <b>world</b> & friends")],
        ),
        (b"a=1&b=2", &[("a", "1"), ("b", "2")]),
        (b"a=1&&b=", &[("a", "1"), ("b", "")]),
        (b"flag", &[("flag", "")]),
        (b"", &[]),
        (b"x=a%3Db=c", &[("x", "a=b=c")]),
        (b"a+b=c+d", &[("a b", "c d")]),
        (b"%2B=%2b", &[("+", "+")]),
        (b"e=%C3%A9t%C3%A9", &[("e", "\u{e9}t\u{e9}")]),
        (b"p=100%25", &[("p", "100%")]),
        (b"p=100%", &[("p", "100%")]),
        (b"p=%zz&q=%4", &[("p", "%zz"), ("q", "%4")]),
        (b"p=%+1", &[("p", "% 1")]),
        (b"bad=%FF", &[("bad", "\u{FFFD}")]),
    ];
    for (body, expected) in cases {
        let got = parse_form(body);
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        if got != expected {
            Failure::new(ex, "parse_form decoded a form body wrong")
                .line("body", harness::show::bytes(body))
                .line("expected", format!("{expected:?}"))
                .line("returned", format!("{got:?}"))
                .note("+ is a space, %XX is the byte 0xXX, a % without two hex digits stays as it is, and the bytes are decoded as UTF-8 with String::from_utf8_lossy")
                .fail();
        }
    }
}

#[test]
fn ex2_5_the_form_round_trip_escapes_what_was_sent() {
    let ex = harness::exercise("2.5");
    let server = start();
    let cases: &[(&[u8], &str, &str)] = &[
        (
            b"message=Hello+%3Cb%3Eworld%3C%2Fb%3E+%26+friends",
            "Hello &lt;b&gt;world&lt;/b&gt; &amp; friends",
            "<b>",
        ),
        (b"message=%22it%27s%22", "it", "\"it's\""),
    ];
    for (body, shown, never) in cases {
        let head = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let mut client = server.connect(ex);
        // Head and body in two writes, as a browser may send them.
        client.send(head.as_bytes());
        client.send(body);
        let response = client.read_response();
        expect_page(ex, &client, &response, "HTTP/1.1 200 OK");
        expect_body_contains(ex, &client, &response, shown);
        if response.body_text().contains(never) {
            Failure::new(ex, "the page shows what the form sent without escaping it")
                .sent(client.sent())
                .line(
                    "expected",
                    format!("no {never:?} in the page: escape & < > \" ' first"),
                )
                .got(&response.body)
                .note(
                    "unescaped, a visitor's <script> would run in the page (cross-site scripting)",
                )
                .fail();
        }
    }
}
