//! Unit tests of the app suite's own helpers.

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
            expects |=
                name.eq_ignore_ascii_case("expect") && value.eq_ignore_ascii_case("100-continue");
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
                    Some(v) if count(v) > max => problems.push(format!("The {label} is too long.")),
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
        ("GET" | "HEAD", ["static", ..]) if bug == Bug::ServesTraversal && path.contains("..") => (
            "200 OK",
            vec![("Content-Type", PLAIN.to_string())],
            "root:x:0:0".to_string(),
        ),
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
