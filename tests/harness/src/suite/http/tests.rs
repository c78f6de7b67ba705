//! Unit tests of the http suite's own helpers.

use super::*;

#[test]
fn recognizes_imf_fixdates() {
    assert!(is_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT"));
    assert!(is_imf_fixdate("Thu, 01 Jan 1970 00:00:00 GMT"));
    for wrong in [
        "",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sun, +6 Nov 1994 08:49:37 GMT",
    ] {
        assert!(!is_imf_fixdate(wrong), "{wrong:?}");
    }
}

#[test]
fn finds_connection_tokens() {
    let response =
        Response::parse_head(b"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Upgrade\r\n\r\n")
            .unwrap();
    assert!(has_token(&response, "connection", "keep-alive"));
    assert!(has_token(&response, "connection", "upgrade"));
    assert!(!has_token(&response, "connection", "close"));
}

#[test]
fn unknown_paths_differ_and_are_plain() {
    let (a, b) = (unknown_path(), unknown_path());
    assert_ne!(a, b);
    assert!(
        a.starts_with("/no-such-path-")
            && a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'/' || c == b'-'),
        "{a}"
    );
}

#[test]
fn requests_are_well_formed() {
    assert_eq!(
        request("GET", "/", "A: b\r\n"),
        b"GET / HTTP/1.1\r\nHost: probe\r\nA: b\r\n\r\n"
    );
}

#[test]
fn the_suite_has_checks_for_every_chapter_3_exercise() {
    for id in [
        "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.9", "3.10",
    ] {
        assert!(!SUITE.checks_of(id).is_empty(), "no check for {id}");
    }
    assert!(SUITE.checks.len() >= 20);
}
