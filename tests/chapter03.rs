//! Stage tests of chapter 3, an HTTP parser.
//!
//! The same file tests the learner's crate (`cargo test -p chapter03`) and
//! the reference solution (`cargo test -p chapter03-solution`): both name
//! their library `chapter03`. Each test is named after the exercise it
//! checks (`ex3_2_...` checks exercise 3.2).
//!
//! Three kinds of test, as the book describes:
//!
//! - a table of parser cases in the style of `httparse`: each row is its own
//!   test, run on the whole input and then on every prefix of it, as if the
//!   bytes arrived one at a time;
//! - a property test: arbitrary bytes never make the parser panic or claim
//!   more bytes than it was given;
//! - tests over real sockets: keep-alive, pipelining, closing, timeouts, bad
//!   requests, and the site itself.

use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chapter03::chunked::{ChunkedDecoder, MAX_CHUNK_LINE};
use chapter03::parse::{
    Limits, MAX_BODY, MAX_HEADER_BYTES, MAX_HEADERS, MAX_REQUEST_LINE, ParseError, Parsed,
    find_request_line, parse_field_line, parse_headers, parse_request, parse_request_line,
};
use chapter03::reader::{KEPT_BUFFER, RequestReader, Step};
use chapter03::response::{Body, Response as ServerResponse, StatusCode, WriteOptions, http_date};
use chapter03::server::{Config, serve_with};
use chapter03::target::decode_target;
use chapter03::{Method, Shutdown, Version};
use harness::{Client, Exercise, Failure, Response, TestServer, expect_header, expect_status};
use proptest::prelude::*;

/// The picture as it is on disk, read by the test itself: the server must
/// send exactly these bytes.
const PICTURE: &[u8] = include_bytes!("../solutions/02-http-by-hand/src/picture.jpg");

const GET_HOME: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

// ---------------------------------------------------------------------------
// The parser table
// ---------------------------------------------------------------------------

/// What a row expects [`parse_request`] to say about its whole input.
#[derive(Debug)]
enum Expect {
    /// A complete request with these parts, using this many bytes.
    Complete(Want),
    /// Not enough bytes yet, and nothing wrong so far.
    Partial,
    /// This error, answered with this status code.
    Error(ParseError, u16),
}

/// The parts of the request a row expects.
#[derive(Debug)]
struct Want {
    method: Method,
    target: &'static str,
    path: &'static str,
    query: Vec<(&'static str, &'static str)>,
    version: Version,
    headers: Vec<(&'static str, &'static str)>,
    body: Vec<u8>,
    /// `None`: the whole input.
    consumed: Option<usize>,
}

/// A complete request; the builder methods below fill in the rest.
fn complete(method: Method, target: &'static str, version: Version) -> Want {
    Want {
        method,
        target,
        path: target.split('?').next().unwrap_or(target),
        query: Vec::new(),
        version,
        headers: Vec::new(),
        body: Vec::new(),
        consumed: None,
    }
}

impl Want {
    fn path(mut self, path: &'static str) -> Want {
        self.path = path;
        self
    }
    fn query(mut self, query: &[(&'static str, &'static str)]) -> Want {
        self.query = query.to_vec();
        self
    }
    fn headers(mut self, headers: &[(&'static str, &'static str)]) -> Want {
        self.headers = headers.to_vec();
        self
    }
    fn body(mut self, body: &[u8]) -> Want {
        self.body = body.to_vec();
        self
    }
    fn consumed(mut self, consumed: usize) -> Want {
        self.consumed = Some(consumed);
        self
    }
    fn done(self) -> Expect {
        Expect::Complete(self)
    }
}

/// The exercise a test belongs to, from its name: `ex3_2_...` is 3.2.
fn exercise_of(test_name: &str) -> Exercise {
    let mut parts = test_name.trim_start_matches("ex").split('_');
    let chapter = parts.next().unwrap_or("3");
    let number = parts.next().unwrap_or("1");
    harness::exercise(&format!("{chapter}.{number}"))
}

impl Expect {
    /// The row's expectation in the form every stage's rows compare:
    /// `Complete` without a `consumed` means the whole `length` bytes.
    fn into_answer(self, length: usize) -> Answer {
        match self {
            Expect::Partial => Answer::Partial,
            Expect::Error(error, status) => Answer::Error(error, status),
            Expect::Complete(want) => Answer::Done {
                found: request_shown(
                    want.method,
                    want.target,
                    want.path,
                    &want.query,
                    want.version,
                    &want.headers,
                    &want.body,
                ),
                consumed: want.consumed.unwrap_or(length),
            },
        }
    }
}

/// Every part of a request the parser fills in, written out, so a row and
/// the parser's answer compare as text and a failure shows both.
fn request_shown(
    method: Method,
    target: &str,
    path: &str,
    query: &[(&str, &str)],
    version: Version,
    headers: &[(&str, &str)],
    body: &[u8],
) -> String {
    format!(
        "{method} {target} {version}, path {path:?}, query {query:?}, headers {headers:?}, body {}",
        harness::show::bytes(body)
    )
}

/// [`parse_request`], the whole parser, on `input`.
fn whole_answer(input: &[u8], limits: &Limits) -> Answer {
    match parse_request(input, limits) {
        Ok(Parsed::Partial) => Answer::Partial,
        Ok(Parsed::Complete { request, consumed }) => {
            let query: Vec<(&str, &str)> = request
                .query
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect();
            let headers: Vec<(&str, &str)> = request.headers.iter().collect();
            Answer::Done {
                found: request_shown(
                    request.method,
                    &request.target,
                    &request.path,
                    &query,
                    request.version,
                    &headers,
                    &request.body,
                ),
                consumed,
            }
        }
        Err(error) => {
            let status = error.status().code();
            Answer::Error(error, status)
        }
    }
}

/// Runs one row of the whole parser: the whole input, then every prefix
/// of it, as if the bytes arrived one at a time (see [`check_stage`]).
#[track_caller]
fn check_row(test_name: &str, input: &[u8], expected: Expect, limits: Limits) {
    let expected = expected.into_answer(input.len());
    check_stage(
        test_name,
        input,
        expected,
        &|bytes| whole_answer(bytes, &limits),
        true,
    );
}

/// The prefix lengths to try: all of them for a small input; for a large
/// one (the limit rows), the first and last KiB and a stride between, so
/// the table stays fast in a debug build.
fn prefix_lengths(total: usize) -> Vec<usize> {
    if total <= 4096 {
        return (0..total).collect();
    }
    (0..total)
        .filter(|&n| n < 1024 || n + 1024 >= total || n % 61 == 0)
        .collect()
}

/// One `#[test]` per row: `name: input => expected;`, with an optional
/// `limits` before the input.
macro_rules! parse_table {
    ($($name:ident: $input:expr => $expected:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let input: Vec<u8> = AsRef::<[u8]>::as_ref(&$input).to_vec();
                check_row(stringify!($name), &input, $expected, Limits::DEFAULT);
            }
        )*
    };
}

use Method::{Delete, Get, Head, Options, Patch, Post, Put};
use Version::{Http10, Http11};

/// A request line of exactly `length` bytes, CRLF included, then a Host.
fn request_line_of(length: usize) -> Vec<u8> {
    let padding = length - "GET / HTTP/1.1\r\n".len();
    format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(padding)).into_bytes()
}

/// A request with `count` fields after Host, each `X-N: v`.
fn request_with_fields(count: usize) -> Vec<u8> {
    let mut request = b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec();
    for n in 1..count {
        request.extend_from_slice(format!("X-{n}: v\r\n").as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    request
}

/// A request whose header section (fields and blank line) is `size` bytes.
fn header_section_of(size: usize) -> Vec<u8> {
    // "Host: a\r\n" (9) + "X: <padding>\r\n" (5 + padding) + "\r\n" (2)
    let padding = size - 9 - 5 - 2;
    format!(
        "GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n\r\n",
        "v".repeat(padding)
    )
    .into_bytes()
}

/// Two requests back to back: a POST with a body, then a GET.
const PIPELINED_POST: &[u8] = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc";
const PIPELINED_GET: &[u8] = b"GET /next HTTP/1.1\r\nHost: a\r\n\r\n";

// ---------------------------------------------------------------------------
// The stages of the parser, each on its own
// ---------------------------------------------------------------------------

/// What one stage of the parser gave, in a form a row can compare: the
/// stages return different types, and a failure shows this.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// Not all there yet: wait for more bytes.
    Partial,
    /// Done: what it found (written out), and how many bytes it took.
    Done { found: String, consumed: usize },
    /// This error, answered with this status code.
    Error(ParseError, u16),
}

/// A row's expected error, with the status it must be answered with.
fn error(error: ParseError, status: u16) -> Answer {
    Answer::Error(error, status)
}

/// What [`find_request_line`] should find: the line without its ending.
fn found_line(line: &[u8], consumed: usize) -> Answer {
    Answer::Done {
        found: harness::show::bytes(line),
        consumed,
    }
}

/// What [`parse_request_line`] should give.
fn line(method: Method, target: &str, version: Version, consumed: usize) -> Answer {
    Answer::Done {
        found: format!("{method} {target} {version}"),
        consumed,
    }
}

/// What [`parse_field_line`] should give for a whole line.
fn field(name: &str, value: &str) -> Answer {
    Answer::Done {
        found: format!("{name:?}: {value:?}"),
        consumed: 0,
    }
}

/// What [`parse_headers`] should give.
fn fields(fields: &[(&str, &str)], consumed: usize) -> Answer {
    Answer::Done {
        found: format!("{fields:?}"),
        consumed,
    }
}

/// What [`decode_target`] should give.
fn decoded(path: &str, query: &[(&str, &str)]) -> Answer {
    Answer::Done {
        found: format!("{path:?} {query:?}"),
        consumed: 0,
    }
}

fn answer_of<T>(got: Result<Option<T>, ParseError>, show: impl FnOnce(T) -> Answer) -> Answer {
    match got {
        Ok(None) => Answer::Partial,
        Ok(Some(found)) => show(found),
        Err(error) => {
            let status = error.status().code();
            Answer::Error(error, status)
        }
    }
}

/// Exercise 3.1's function, on `input`.
fn find_answer(input: &[u8]) -> Answer {
    answer_of(
        find_request_line(input, &Limits::DEFAULT),
        |(line, consumed)| found_line(line, consumed),
    )
}

/// Exercise 3.2's function, on `input`.
fn line_answer(input: &[u8]) -> Answer {
    answer_of(
        parse_request_line(input, &Limits::DEFAULT),
        |(found, consumed)| line(found.method, found.target, found.version, consumed),
    )
}

/// Exercise 3.3's function, on one whole line.
fn field_answer(input: &[u8]) -> Answer {
    answer_of(parse_field_line(input).map(Some), |(name, value)| {
        field(
            &String::from_utf8_lossy(name),
            &String::from_utf8_lossy(value),
        )
    })
}

/// Exercise 3.4's function, on the bytes after an HTTP/1.1 request line.
fn headers_answer(input: &[u8]) -> Answer {
    headers_answer_for(input, Version::Http11)
}

/// Exercise 3.4's function, on the bytes after an HTTP/1.0 request line.
fn http10_headers_answer(input: &[u8]) -> Answer {
    headers_answer_for(input, Version::Http10)
}

fn headers_answer_for(input: &[u8], version: Version) -> Answer {
    answer_of(
        parse_headers(input, version, &Limits::DEFAULT),
        |(headers, consumed)| {
            let found: Vec<(&str, &str)> = headers.iter().collect();
            fields(&found, consumed)
        },
    )
}

/// Exercise 3.5's function, on a target.
fn target_answer(input: &[u8]) -> Answer {
    let target = String::from_utf8_lossy(input);
    answer_of(decode_target(&target).map(Some), |target| {
        let query: Vec<(&str, &str)> = target
            .query
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        decoded(&target.path, &query)
    })
}

/// Runs one row of a stage: `parse` on the whole input, then, when the
/// stage reads a stream (`in_pieces`), on every prefix of it.
#[track_caller]
fn check_stage(
    test_name: &str,
    input: &[u8],
    expected: Answer,
    parse: &dyn Fn(&[u8]) -> Answer,
    in_pieces: bool,
) {
    let ex = exercise_of(test_name);
    if let Answer::Error(error, status) = &expected {
        assert_eq!(error.status().code(), *status, "row {test_name}");
    }
    let got = parse(input);
    if got != expected {
        Failure::new(ex, "the answer for these bytes is not the expected one")
            .sent(input)
            .line("expected", format!("{expected:?}"))
            .line("got", format!("{got:?}"))
            .fail();
    }
    if !in_pieces {
        return;
    }
    let complete_at = match &expected {
        Answer::Done { consumed, .. } => Some(*consumed),
        _ => None,
    };
    for length in prefix_lengths(input.len()) {
        let prefix = &input[..length];
        let got = parse(prefix);
        let fine = match complete_at {
            Some(at) if length >= at => got == expected,
            _ => {
                got == Answer::Partial || matches!(&expected, Answer::Error(..)) && got == expected
            }
        };
        if !fine {
            Failure::new(
                ex,
                format!(
                    "fed the first {length} of {} bytes, the answer was different",
                    input.len()
                ),
            )
            .sent(prefix)
            .line(
                "expected",
                "Partial (wait for more bytes), or the answer the whole input gets",
            )
            .line("whole input gets", format!("{expected:?}"))
            .line("got", format!("{got:?}"))
            .note(
                "Bytes arrive in any number of pieces. Until the last one this stage needs is \
                 in, the answer is Partial, unless the bytes so far already prove an error.",
            )
            .fail();
        }
    }
}

/// One `#[test]` per row of a stage: `name: input => expected;`.
macro_rules! stage_table {
    ($parse:expr, in_pieces: $in_pieces:expr; $($name:ident: $input:expr => $expected:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let input: Vec<u8> = AsRef::<[u8]>::as_ref(&$input).to_vec();
                check_stage(stringify!($name), &input, $expected, &$parse, $in_pieces);
            }
        )*
    };
}

/// `count` fields, `Host: a` first, then `X-N: v`, and the empty line.
fn header_fields(count: usize) -> Vec<u8> {
    let mut section = b"Host: a\r\n".to_vec();
    for n in 1..count {
        section.extend_from_slice(format!("X-{n}: v\r\n").as_bytes());
    }
    section.extend_from_slice(b"\r\n");
    section
}

/// What [`header_fields`] parses to.
fn header_fields_answer(count: usize) -> Answer {
    let names: Vec<String> = (1..count).map(|n| format!("X-{n}")).collect();
    let mut found = vec![("Host", "a")];
    found.extend(names.iter().map(|name| (name.as_str(), "v")));
    fields(&found, header_fields(count).len())
}

/// A header section (its fields and the empty line) of `size` bytes.
fn header_bytes(size: usize) -> Vec<u8> {
    // "Host: a\r\n" (9) + "X: <padding>\r\n" (5 + padding) + "\r\n" (2)
    let padding = size - 9 - 5 - 2;
    format!("Host: a\r\nX: {}\r\n\r\n", "v".repeat(padding)).into_bytes()
}

stage_table! {
    find_answer, in_pieces: true;
    ex3_1_finds_the_request_line:
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n" => found_line(b"GET / HTTP/1.1", 16);
    ex3_1_accepts_a_bare_lf_line_ending:
        b"GET /a HTTP/1.1\nHost: a\n\n" => found_line(b"GET /a HTTP/1.1", 16);
    ex3_1_ignores_empty_lines_before_the_request_line:
        b"\r\n\nGET / HTTP/1.1\r\n" => found_line(b"GET / HTTP/1.1", 19);
    ex3_1_waits_for_the_end_of_the_request_line:
        b"GET /index.html HTTP/1.1" => Answer::Partial;
    ex3_1_keeps_a_cr_that_does_not_end_the_line:
        b"GET / HTTP/1.1\r\r\n" => found_line(b"GET / HTTP/1.1\r", 17);
    ex3_1_accepts_a_request_line_at_the_limit:
        request_line_of(MAX_REQUEST_LINE)
        => found_line(&request_line_of(MAX_REQUEST_LINE)[..MAX_REQUEST_LINE - 2], MAX_REQUEST_LINE);
    ex3_1_answers_414_to_a_request_line_over_the_limit:
        request_line_of(MAX_REQUEST_LINE + 1) => error(ParseError::RequestLineTooLong, 414);
    ex3_1_answers_414_before_the_line_ending_arrives:
        format!("GET /{}", "a".repeat(MAX_REQUEST_LINE))
        => error(ParseError::RequestLineTooLong, 414);
}

stage_table! {
    line_answer, in_pieces: true;
    ex3_2_parses_a_simple_get:
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n" => line(Get, "/", Http11, 16);
    ex3_2_parses_head_over_http_1_0:
        b"HEAD /x HTTP/1.0\r\n\r\n" => line(Head, "/x", Http10, 18);
    ex3_2_parses_delete:
        b"DELETE /x HTTP/1.1\r\n" => line(Delete, "/x", Http11, 20);
    ex3_2_parses_put:
        b"PUT /x HTTP/1.1\r\n" => line(Put, "/x", Http11, 17);
    ex3_2_parses_patch:
        b"PATCH /x HTTP/1.1\r\n" => line(Patch, "/x", Http11, 19);
    ex3_2_parses_options_on_a_path:
        b"OPTIONS /y HTTP/1.1\r\n" => line(Options, "/y", Http11, 21);
    ex3_2_skips_empty_lines_before_it:
        b"\r\nPOST / HTTP/1.1\r\n" => line(Post, "/", Http11, 19);
    ex3_2_accepts_an_absolute_form_target:
        b"GET http://a/x?y=1 HTTP/1.1\r\n" => line(Get, "http://a/x?y=1", Http11, 29);
    ex3_2_accepts_an_absolute_form_target_in_any_case_and_without_a_path:
        b"GET HTTPS://Example.COM:8080 HTTP/1.1\r\n" => line(Get, "HTTPS://Example.COM:8080", Http11, 39);
    ex3_2_rejects_a_request_line_without_version:
        b"GET /\r\n" => error(ParseError::BadRequestLine, 400);
    ex3_2_rejects_two_spaces_between_parts:
        b"GET  / HTTP/1.1\r\n" => error(ParseError::BadRequestLine, 400);
    ex3_2_rejects_a_space_after_the_version:
        b"GET / HTTP/1.1 \r\n" => error(ParseError::BadRequestLine, 400);
    ex3_2_rejects_a_method_that_is_not_a_token:
        b"G(T / HTTP/1.1\r\n" => error(ParseError::BadMethod, 400);
    ex3_2_rejects_a_control_character_in_the_target:
        b"GET /a\x01b HTTP/1.1\r\n" => error(ParseError::BadTarget, 400);
    ex3_2_rejects_an_absolute_form_target_without_a_host:
        b"GET http:///x HTTP/1.1\r\n" => error(ParseError::BadTarget, 400);
    ex3_2_rejects_user_info_in_an_absolute_form_target:
        b"GET http://user:secret@a/ HTTP/1.1\r\n" => error(ParseError::BadTarget, 400);
    ex3_2_rejects_a_scheme_other_than_http:
        b"GET ftp://a/ HTTP/1.1\r\n" => error(ParseError::BadTarget, 400);
    ex3_2_rejects_an_authority_form_target:
        b"GET a:80 HTTP/1.1\r\n" => error(ParseError::BadTarget, 400);
    ex3_2_rejects_an_asterisk_target_on_get:
        b"GET * HTTP/1.1\r\n" => error(ParseError::BadTarget, 400);
    ex3_2_answers_501_to_options_asterisk:
        b"OPTIONS * HTTP/1.1\r\n" => error(ParseError::ServerWideOptionsNotImplemented, 501);
    ex3_2_answers_501_to_connect:
        b"CONNECT a:443 HTTP/1.1\r\n" => error(ParseError::ConnectNotImplemented, 501);
    ex3_2_answers_501_to_a_method_it_does_not_implement:
        b"BREW / HTTP/1.1\r\n" => error(ParseError::MethodNotImplemented, 501);
    ex3_2_answers_501_to_a_lowercase_get:
        b"get / HTTP/1.1\r\n" => error(ParseError::MethodNotImplemented, 501);
    ex3_2_rejects_a_malformed_version:
        b"GET / HTTP/1\r\n" => error(ParseError::BadVersion, 400);
    ex3_2_rejects_a_lowercase_version:
        b"GET / http/1.1\r\n" => error(ParseError::BadVersion, 400);
    ex3_2_rejects_a_cr_that_does_not_end_the_line:
        b"GET / HTTP/1.1\r\r\n" => error(ParseError::BadVersion, 400);
    ex3_2_answers_505_to_http_2:
        b"GET / HTTP/2.0\r\n" => error(ParseError::VersionNotSupported, 505);
    ex3_2_waits_for_the_line_ending:
        b"GET / HTTP/1.1" => Answer::Partial;
}

stage_table! {
    field_answer, in_pieces: false;
    ex3_3_reads_a_field:
        b"Host: a" => field("Host", "a");
    ex3_3_keeps_the_name_as_sent:
        b"hOsT: a" => field("hOsT", "a");
    ex3_3_trims_spaces_and_tabs_around_the_value:
        b"Accept:  text/html \t" => field("Accept", "text/html");
    ex3_3_accepts_an_empty_value:
        b"X-Empty:" => field("X-Empty", "");
    ex3_3_splits_at_the_first_colon:
        b"Referer: http://a/" => field("Referer", "http://a/");
    ex3_3_keeps_a_tab_inside_the_value:
        b"X: a\tb" => field("X", "a\tb");
    ex3_3_rejects_whitespace_before_the_colon:
        b"Host : a" => error(ParseError::SpaceBeforeColon, 400);
    ex3_3_rejects_a_tab_before_the_colon:
        b"Host\t: a" => error(ParseError::SpaceBeforeColon, 400);
    ex3_3_rejects_obsolete_line_folding:
        b" two" => error(ParseError::ObsoleteLineFolding, 400);
    ex3_3_rejects_obsolete_line_folding_with_a_tab:
        b"\ttwo" => error(ParseError::ObsoleteLineFolding, 400);
    ex3_3_rejects_a_field_line_without_colon:
        b"Host a" => error(ParseError::MissingColon, 400);
    ex3_3_rejects_an_empty_field_name:
        b": b" => error(ParseError::BadHeaderName, 400);
    ex3_3_rejects_a_field_name_that_is_not_a_token:
        b"X[1]: b" => error(ParseError::BadHeaderName, 400);
    ex3_3_rejects_a_control_character_in_a_value:
        b"X: a\x00b" => error(ParseError::BadHeaderValue, 400);
}

stage_table! {
    headers_answer, in_pieces: true;
    ex3_4_keeps_fields_in_order_and_trims_values:
        b"Host: a\r\nAccept:  text/html \t\r\nX-Empty:\r\naccept:b\r\n\r\n"
        => fields(&[("Host", "a"), ("Accept", "text/html"), ("X-Empty", ""), ("accept", "b")], 53);
    ex3_4_finds_host_in_any_case:
        b"hOsT: a\r\n\r\n" => fields(&[("hOsT", "a")], 11);
    ex3_4_accepts_bare_lf_line_endings:
        b"Host: a\n\n" => fields(&[("Host", "a")], 9);
    ex3_4_stops_at_the_empty_line:
        b"Host: a\r\n\r\nhello" => fields(&[("Host", "a")], 11);
    ex3_4_waits_for_the_empty_line:
        b"Host: a\r\nAccept: */*\r\n" => Answer::Partial;
    ex3_4_rejects_a_bad_field_line:
        b"Host: a\r\nX[1]: b\r\n\r\n" => error(ParseError::BadHeaderName, 400);
    ex3_4_rejects_http_1_1_without_host:
        b"Accept: */*\r\n\r\n" => error(ParseError::MissingHost, 400);
    ex3_4_rejects_two_host_fields:
        b"Host: a\r\nHost: b\r\n\r\n" => error(ParseError::DuplicateHost, 400);
    ex3_4_accepts_as_many_fields_as_the_limit:
        header_fields(MAX_HEADERS) => header_fields_answer(MAX_HEADERS);
    ex3_4_answers_431_to_one_field_too_many:
        header_fields(MAX_HEADERS + 1) => error(ParseError::TooManyHeaders, 431);
    ex3_4_accepts_a_header_section_at_the_limit:
        header_bytes(MAX_HEADER_BYTES)
        => fields(&[("Host", "a"), ("X", &"v".repeat(MAX_HEADER_BYTES - 16))], MAX_HEADER_BYTES);
    ex3_4_answers_431_to_a_header_section_over_the_limit:
        header_bytes(MAX_HEADER_BYTES + 1) => error(ParseError::HeaderSectionTooLarge, 431);
    ex3_4_answers_431_before_the_empty_line_arrives:
        format!("Host: a\r\nX: {}", "v".repeat(MAX_HEADER_BYTES))
        => error(ParseError::HeaderSectionTooLarge, 431);
}

stage_table! {
    http10_headers_answer, in_pieces: true;
    ex3_4_accepts_http_1_0_without_host:
        b"\r\n" => fields(&[], 2);
    ex3_4_rejects_two_host_fields_in_http_1_0_too:
        b"Host: a\r\nHost: b\r\n\r\n" => error(ParseError::DuplicateHost, 400);
}

stage_table! {
    target_answer, in_pieces: false;
    ex3_5_decodes_the_path:
        b"/caf%C3%A9/a%20b" => decoded("/café/a b", &[]);
    ex3_5_decodes_an_encoded_slash_into_the_path:
        b"/a%2fb" => decoded("/a/b", &[]);
    ex3_5_keeps_a_plus_in_the_path:
        b"/a+b" => decoded("/a+b", &[]);
    ex3_5_splits_and_decodes_the_query:
        b"/s?q=caf%C3%A9+au+lait&page=2&flag&&x=a%3Db"
        => decoded("/s", &[("q", "café au lait"), ("page", "2"), ("flag", ""), ("x", "a=b")]);
    ex3_5_splits_a_pair_at_its_first_equals_sign:
        b"/p?a==1" => decoded("/p", &[("a", "=1")]);
    ex3_5_gives_an_empty_query_no_pairs:
        b"/?" => decoded("/", &[]);
    ex3_5_rejects_a_percent_without_two_hex_digits:
        b"/a%zz" => error(ParseError::BadPercentEncoding, 400);
    ex3_5_rejects_a_percent_at_the_end:
        b"/a%4" => error(ParseError::BadPercentEncoding, 400);
    ex3_5_rejects_bad_percent_encoding_in_the_query:
        b"/?q=%G1" => error(ParseError::BadPercentEncoding, 400);
    ex3_5_rejects_a_path_that_decodes_to_invalid_utf8:
        b"/%FF" => error(ParseError::TargetNotUtf8, 400);
    ex3_5_rejects_half_a_character:
        b"/%C3" => error(ParseError::TargetNotUtf8, 400);
}

parse_table! {
    // Exercise 3.6: the whole request, its body framed.
    ex3_6_parses_a_whole_request:
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => complete(Get, "/", Http11).headers(&[("Host", "a")]).done();
    ex3_6_parses_head_over_http_1_0_without_host:
        b"HEAD /x HTTP/1.0\r\n\r\n"
        => complete(Head, "/x", Http10).done();
    ex3_6_parses_an_absolute_form_target_into_its_path_and_query:
        b"GET http://a/x?y=1 HTTP/1.1\r\nHost: a\r\n\r\n"
        => complete(Get, "http://a/x?y=1", Http11).path("/x").query(&[("y", "1")])
            .headers(&[("Host", "a")]).done();
    ex3_6_gives_an_absolute_form_target_without_a_path_the_root:
        b"GET HTTPS://Example.COM:8080 HTTP/1.1\r\nHost: b\r\n\r\n"
        => complete(Get, "HTTPS://Example.COM:8080", Http11).path("/")
            .headers(&[("Host", "b")]).done();
    ex3_6_decodes_the_path_and_the_query:
        b"GET /caf%C3%A9?q=a+b HTTP/1.1\r\nHost: a\r\n\r\n"
        => complete(Get, "/caf%C3%A9?q=a+b", Http11).path("/café").query(&[("q", "a b")])
            .headers(&[("Host", "a")]).done();
    ex3_6_parses_put_with_its_body:
        b"PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"
        => complete(Put, "/x", Http11).headers(&[("Host", "a"), ("Content-Length", "2")])
            .body(b"hi").done();
    ex3_6_takes_one_request_of_two:
        b"PATCH /x HTTP/1.1\r\nHost: a\r\n\r\nOPTIONS /y HTTP/1.1\r\nHost: a\r\n\r\n"
        => complete(Patch, "/x", Http11).headers(&[("Host", "a")]).consumed(30).done();

    // Exercise 3.6: framing the body.
    ex3_6_reads_a_body_by_content_length:
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
        => complete(Post, "/", Http11)
            .headers(&[("Host", "a"), ("Content-Length", "5")]).body(b"hello").done();
    ex3_6_waits_for_the_whole_body:
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello"
        => Expect::Partial;
    ex3_6_reports_what_one_of_two_pipelined_requests_consumed:
        [PIPELINED_POST, PIPELINED_GET].concat()
        => complete(Post, "/", Http11)
            .headers(&[("Host", "a"), ("Content-Length", "3")]).body(b"abc")
            .consumed(PIPELINED_POST.len()).done();
    ex3_6_gives_a_get_no_body:
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET"
        => complete(Get, "/", Http11).headers(&[("Host", "a")]).consumed(27).done();
    ex3_6_accepts_a_zero_content_length:
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"
        => complete(Post, "/", Http11).headers(&[("Host", "a"), ("Content-Length", "0")]).done();
    ex3_6_gives_a_post_without_a_length_an_empty_body:
        b"POST / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n"
        => complete(Post, "/", Http11).headers(&[("Host", "a")]).consumed(28).done();
    ex3_6_waits_for_a_body_at_the_limit:
        format!("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {MAX_BODY}\r\n\r\nstart")
        => Expect::Partial;
    ex3_6_answers_413_to_a_body_over_the_limit_before_reading_it:
        format!("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n", MAX_BODY + 1)
        => Expect::Error(ParseError::BodyTooLarge, 413);
    ex3_6_answers_413_to_a_length_too_big_for_a_number:
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999999\r\n\r\n"
        => Expect::Error(ParseError::BodyTooLarge, 413);
    ex3_6_rejects_two_content_lengths_even_equal:
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"
        => Expect::Error(ParseError::DuplicateContentLength, 400);
    ex3_6_rejects_a_content_length_with_a_sign:
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc"
        => Expect::Error(ParseError::BadContentLength, 400);
    ex3_6_rejects_a_content_length_list:
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc"
        => Expect::Error(ParseError::BadContentLength, 400);
    ex3_6_rejects_transfer_encoding_with_content_length:
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
        => Expect::Error(ParseError::ContentLengthWithTransferEncoding, 400);
    ex3_6_rejects_content_length_with_transfer_encoding_in_either_order:
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
        => Expect::Error(ParseError::ContentLengthWithTransferEncoding, 400);
    ex3_6_rejects_chunked_that_is_not_the_last_coding:
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
        => Expect::Error(ParseError::ChunkedNotLast, 400);
    ex3_6_rejects_a_transfer_coding_without_chunked:
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"
        => Expect::Error(ParseError::ChunkedNotLast, 400);
    ex3_6_rejects_chunked_twice:
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
        => Expect::Error(ParseError::ChunkedNotLast, 400);
    ex3_6_rejects_an_empty_transfer_encoding:
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n"
        => Expect::Error(ParseError::ChunkedNotLast, 400);
    ex3_6_answers_501_to_a_coding_under_chunked:
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        => Expect::Error(ParseError::TransferCodingNotImplemented, 501);
    ex3_6_rejects_transfer_encoding_in_http_1_0:
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        => Expect::Error(ParseError::TransferEncodingInHttp10, 400);

    // Exercise 3.10: chunked bodies.
    ex3_10_decodes_a_chunked_body:
        [CHUNKED_HEAD, b"5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"].concat()
        => chunked_post().body(b"hello, world").done();
    ex3_10_accepts_chunked_in_any_case:
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
        => complete(Post, "/", Http11)
            .headers(&[("Host", "a"), ("Transfer-Encoding", "Chunked")]).body(b"hi").done();
    ex3_10_reads_hex_sizes_in_any_case_with_leading_zeros:
        [CHUNKED_HEAD, b"00A\r\n0123456789\r\nb\r\nabcdefghijk\r\n0000\r\n\r\n"].concat()
        => chunked_post().body(b"0123456789abcdefghijk").done();
    ex3_10_ignores_chunk_extensions:
        [CHUNKED_HEAD, b"5;name=value ; flag\r\nhello\r\n0 ;last\r\n\r\n"].concat()
        => chunked_post().body(b"hello").done();
    ex3_10_reads_and_drops_trailer_fields:
        [CHUNKED_HEAD, b"2\r\nhi\r\n0\r\nChecksum: 1234\r\nX-Note: done\r\n\r\n"].concat()
        => chunked_post().body(b"hi").done();
    ex3_10_decodes_an_empty_chunked_body:
        [CHUNKED_HEAD, b"0\r\n\r\n"].concat()
        => chunked_post().done();
    ex3_10_keeps_crlf_inside_chunk_data:
        [CHUNKED_HEAD, b"4\r\n\r\n\r\n\r\n0\r\n\r\n"].concat()
        => chunked_post().body(b"\r\n\r\n").done();
    ex3_10_waits_for_the_last_chunk:
        [CHUNKED_HEAD, b"5\r\nhello\r\n"].concat()
        => Expect::Partial;
    ex3_10_waits_for_the_end_of_the_trailer_section:
        [CHUNKED_HEAD, b"0\r\nChecksum: 1\r\n"].concat()
        => Expect::Partial;
    ex3_10_leaves_the_next_request_alone:
        [CHUNKED_HEAD, b"2\r\nhi\r\n0\r\n\r\n", PIPELINED_GET].concat()
        => chunked_post().body(b"hi").consumed(CHUNKED_HEAD.len() + 12).done();
    ex3_10_rejects_a_size_that_is_not_hex:
        [CHUNKED_HEAD, b"5x\r\nhello\r\n0\r\n\r\n"].concat()
        => Expect::Error(ParseError::BadChunkSize, 400);
    ex3_10_rejects_an_empty_size:
        [CHUNKED_HEAD, b"\r\nhello\r\n0\r\n\r\n"].concat()
        => Expect::Error(ParseError::BadChunkSize, 400);
    ex3_10_rejects_a_size_with_a_sign:
        [CHUNKED_HEAD, b"+5\r\nhello\r\n0\r\n\r\n"].concat()
        => Expect::Error(ParseError::BadChunkSize, 400);
    ex3_10_rejects_whitespace_after_a_size:
        [CHUNKED_HEAD, b"5 \r\nhello\r\n0\r\n\r\n"].concat()
        => Expect::Error(ParseError::BadChunkSize, 400);
    ex3_10_rejects_two_sizes:
        [CHUNKED_HEAD, b"5 5\r\nhello\r\n0\r\n\r\n"].concat()
        => Expect::Error(ParseError::BadChunkSize, 400);
    ex3_10_rejects_data_longer_than_its_size:
        [CHUNKED_HEAD, b"5\r\nhello!\r\n0\r\n\r\n"].concat()
        => Expect::Error(ParseError::MissingChunkCrlf, 400);
    ex3_10_rejects_a_bare_lf_after_the_size:
        [CHUNKED_HEAD, b"5\nhello\r\n0\r\n\r\n"].concat()
        => Expect::Error(ParseError::MissingChunkCrlf, 400);
    ex3_10_rejects_a_bare_lf_after_the_data:
        [CHUNKED_HEAD, b"5\r\nhello\n0\r\n\r\n"].concat()
        => Expect::Error(ParseError::MissingChunkCrlf, 400);
    ex3_10_rejects_a_bare_lf_at_the_end:
        [CHUNKED_HEAD, b"0\r\n\n"].concat()
        => Expect::Error(ParseError::MissingChunkCrlf, 400);
    ex3_10_rejects_a_trailer_that_is_not_a_field:
        [CHUNKED_HEAD, b"0\r\nno colon here\r\n\r\n"].concat()
        => Expect::Error(ParseError::MissingColon, 400);
    ex3_10_answers_413_to_a_chunk_over_the_limit_before_its_data:
        [CHUNKED_HEAD, format!("{:x}\r\nstart", MAX_BODY + 1).as_bytes()].concat()
        => Expect::Error(ParseError::BodyTooLarge, 413);
    ex3_10_answers_413_to_a_size_too_big_for_a_number:
        [CHUNKED_HEAD, b"fffffffffffffffffffffffff\r\n"].concat()
        => Expect::Error(ParseError::BodyTooLarge, 413);
    ex3_10_rejects_a_chunk_size_line_over_the_limit:
        [CHUNKED_HEAD, format!("5;{}\r\nhello\r\n0\r\n\r\n", "x".repeat(MAX_CHUNK_LINE)).as_bytes()].concat()
        => Expect::Error(ParseError::ChunkLineTooLong, 400);
    ex3_10_answers_431_to_trailers_over_the_limit:
        [CHUNKED_HEAD, format!("0\r\nX: {}\r\n\r\n", "v".repeat(MAX_HEADER_BYTES)).as_bytes()].concat()
        => Expect::Error(ParseError::TrailersTooLarge, 431);
}

/// The head of a chunked POST, for the rows of exercise 3.10.
const CHUNKED_HEAD: &[u8] = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

/// The request [`CHUNKED_HEAD`] starts; the rows add its body.
fn chunked_post() -> Want {
    complete(Post, "/", Http11).headers(&[("Host", "a"), ("Transfer-Encoding", "chunked")])
}

/// Exercise 3.5 on its own: `decode_target` with no parser around it.
#[test]
fn ex3_5_decode_target_splits_and_decodes() {
    let ex = harness::exercise("3.5");
    /// The target, then the decoded path and query, or the error.
    type Case = (
        &'static str,
        Result<(&'static str, &'static [(&'static str, &'static str)]), ParseError>,
    );
    let cases: &[Case] = &[
        ("/", Ok(("/", &[]))),
        ("/a%2fb", Ok(("/a/b", &[]))),
        ("/?", Ok(("/", &[]))),
        (
            "/p?a=1&b=%26&c",
            Ok(("/p", &[("a", "1"), ("b", "&"), ("c", "")])),
        ),
        ("/p?a==1", Ok(("/p", &[("a", "=1")]))),
        ("/%", Err(ParseError::BadPercentEncoding)),
        ("/%C3", Err(ParseError::TargetNotUtf8)),
    ];
    for (target, expected) in cases {
        let got = decode_target(target).map(|decoded| {
            let query: Vec<(String, String)> = decoded.query;
            (decoded.path, query)
        });
        let expected = expected.map(|(path, query)| {
            let query: Vec<(String, String)> = query
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            (path.to_string(), query)
        });
        if got != expected {
            Failure::new(
                ex,
                format!("decode_target({target:?}) is not the expected answer"),
            )
            .line("expected", format!("{expected:?}"))
            .line("got", format!("{got:?}"))
            .fail();
        }
    }
}

// ---------------------------------------------------------------------------
// The property test
// ---------------------------------------------------------------------------

/// The answer with the request's bytes consumed, for comparison.
fn consumed_of(result: &Result<Parsed, ParseError>) -> Option<usize> {
    match result {
        Ok(Parsed::Complete { consumed, .. }) => Some(*consumed),
        _ => None,
    }
}

/// Runs a property over `cases` generated inputs. One plain call first: on
/// a starter it stops at the first `todo!()` with its message, instead of
/// letting proptest shrink hundreds of identical panics.
fn check_property<S: Strategy>(
    exercise_id: &str,
    warm_up: &[u8],
    strategy: S,
    property: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let _ = parse_request(warm_up, &Limits::DEFAULT);
    let config = ProptestConfig {
        cases: 256,
        // Failures are printed; nothing is written next to the test file.
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    if let Err(failure) = runner.run(&strategy, property) {
        Failure::new(harness::exercise(exercise_id), "the parser broke a property")
            .line("failure", failure.to_string())
            .note("The parser must never panic, never report consuming more bytes than it was given, and give the same answer however the bytes are split.")
            .fail();
    }
}

/// Whatever the bytes, the parser answers (no panic) and never claims more
/// bytes than it was given.
#[test]
fn ex3_6_parser_survives_arbitrary_bytes() {
    check_property(
        "3.6",
        GET_HOME,
        proptest::collection::vec(any::<u8>(), 0..600),
        |bytes| {
            let result = parse_request(&bytes, &Limits::DEFAULT);
            if let Some(consumed) = consumed_of(&result) {
                prop_assert!(consumed <= bytes.len() && consumed > 0);
            }
            Ok(())
        },
    );
}

/// Bytes that look almost like requests reach deeper into the parser.
#[test]
fn ex3_6_parser_survives_request_like_bytes() {
    let piece = prop_oneof![
        Just(b"GET ".to_vec()),
        Just(b"POST ".to_vec()),
        Just(b"/".to_vec()),
        Just(b" HTTP/1.1".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"Host: a".to_vec()),
        Just(b"Content-Length: 3".to_vec()),
        Just(b"Transfer-Encoding: chunked".to_vec()),
        Just(b"0".to_vec()),
        Just(b"a;x=y".to_vec()),
        Just(b":".to_vec()),
        Just(b" ".to_vec()),
        Just(b"%".to_vec()),
        proptest::collection::vec(any::<u8>(), 1..4),
    ];
    check_property(
        "3.6",
        GET_HOME,
        proptest::collection::vec(piece, 0..40),
        |pieces| {
            let bytes = pieces.concat();
            let result = parse_request(&bytes, &Limits::DEFAULT);
            if let Some(consumed) = consumed_of(&result) {
                prop_assert!(consumed <= bytes.len());
            }
            Ok(())
        },
    );
}

/// A valid request, cut in two anywhere: the first part is Partial, the
/// whole is Complete with every byte consumed, and a second request after
/// it is left alone.
#[test]
fn ex3_6_a_valid_request_split_anywhere_parses_the_same() {
    let path = "/[a-z0-9%]{0,12}".prop_filter("valid encoding", |p| decode_target(p).is_ok());
    let body = proptest::collection::vec(any::<u8>(), 0..50);
    check_property(
        "3.6",
        GET_HOME,
        (path, body, any::<prop::sample::Index>()),
        |(path, body, split)| {
            let mut request = format!(
                "POST {path} HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes();
            request.extend_from_slice(&body);
            let split = split.index(request.len());
            prop_assert_eq!(
                parse_request(&request[..split], &Limits::DEFAULT),
                Ok(Parsed::Partial)
            );
            let mut two = request.clone();
            two.extend_from_slice(GET_HOME);
            let result = parse_request(&two, &Limits::DEFAULT);
            prop_assert_eq!(consumed_of(&result), Some(request.len()));
            match result {
                Ok(Parsed::Complete { request, .. }) => prop_assert_eq!(request.body, body),
                other => prop_assert!(false, "expected Complete, got {:?}", other),
            }
            Ok(())
        },
    );
}

/// Chunks (sizes and data), with optional extensions and trailers, as a
/// client would send them: `(chunk data, extension)` pairs, trailer lines.
fn chunked_body_strategy() -> impl Strategy<Value = (Vec<(Vec<u8>, bool)>, Vec<String>)> {
    let chunk = (proptest::collection::vec(any::<u8>(), 1..40), any::<bool>());
    let trailer = "[A-Za-z-]{1,8}: [a-z0-9 ]{0,10}";
    (
        proptest::collection::vec(chunk, 0..8),
        proptest::collection::vec(trailer, 0..3),
    )
}

/// The wire form of [`chunked_body_strategy`]'s chunks and trailers.
fn encode_chunked(chunks: &[(Vec<u8>, bool)], trailers: &[String]) -> Vec<u8> {
    let mut wire = Vec::new();
    for (data, extension) in chunks {
        wire.extend_from_slice(format!("{:x}", data.len()).as_bytes());
        if *extension {
            wire.extend_from_slice(b";name=\"value\"");
        }
        wire.extend_from_slice(b"\r\n");
        wire.extend_from_slice(data);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"0\r\n");
    for trailer in trailers {
        wire.extend_from_slice(trailer.as_bytes());
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"\r\n");
    wire
}

/// A chunked body fed to one [`ChunkedDecoder`] in pieces of any sizes, the
/// way reads deliver it, decodes to the same bytes as fed whole, uses
/// exactly the body's bytes, and leaves what follows alone.
#[test]
fn ex3_10_a_chunked_body_fed_in_any_pieces_decodes_the_same() {
    let warm_up = [CHUNKED_HEAD, b"0\r\n\r\n"].concat();
    let cuts = proptest::collection::vec(any::<prop::sample::Index>(), 0..6);
    check_property(
        "3.10",
        &warm_up,
        (chunked_body_strategy(), cuts),
        |((chunks, trailers), cuts)| {
            let wire = encode_chunked(&chunks, &trailers);
            let expected: Vec<u8> = chunks.iter().flat_map(|(data, _)| data.clone()).collect();
            let mut input = wire.clone();
            input.extend_from_slice(PIPELINED_GET);
            // Cut the input at sorted points; each piece "arrives" after the
            // previous one, and the decoder is fed everything not yet used.
            let mut points: Vec<usize> = cuts.iter().map(|cut| cut.index(input.len())).collect();
            points.push(input.len());
            points.sort_unstable();
            let mut decoder = ChunkedDecoder::new();
            let mut buffer: Vec<u8> = Vec::new();
            let mut arrived = 0;
            let mut used_total = 0;
            for point in points {
                buffer.extend_from_slice(&input[arrived..point]);
                arrived = point;
                let used = decoder
                    .feed(&buffer, &Limits::DEFAULT)
                    .map_err(|error| TestCaseError::fail(format!("{error:?} at byte {point}")))?;
                prop_assert!(used <= buffer.len());
                buffer.drain(..used);
                used_total += used;
            }
            prop_assert!(
                decoder.is_done(),
                "the whole body arrived but the decoder is not done"
            );
            prop_assert_eq!(
                used_total,
                wire.len(),
                "the decoder used other bytes than the body's"
            );
            prop_assert_eq!(
                &buffer[..],
                PIPELINED_GET,
                "what follows the body must be left"
            );
            prop_assert_eq!(decoder.into_body(), expected);
            Ok(())
        },
    );
}

/// Decoded chunks count against the body limit together: two chunks of 6
/// bytes are over a 10-byte limit, found at the second size line.
#[test]
fn ex3_10_answers_413_when_the_chunks_together_pass_the_limit() {
    let limits = Limits {
        max_body: 10,
        ..Limits::DEFAULT
    };
    let input = [CHUNKED_HEAD, b"6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n"].concat();
    check_row(
        "ex3_10_answers_413_when_the_chunks_together_pass_the_limit",
        &input,
        Expect::Error(ParseError::BodyTooLarge, 413),
        limits,
    );
    let at_the_limit = [CHUNKED_HEAD, b"6\r\nabcdef\r\n4\r\nghij\r\n0\r\n\r\n"].concat();
    check_row(
        "ex3_10_answers_413_when_the_chunks_together_pass_the_limit",
        &at_the_limit,
        chunked_post().body(b"abcdefghij").done(),
        limits,
    );
}

// ---------------------------------------------------------------------------
// Exercise 3.8 without a socket: the request reader
// ---------------------------------------------------------------------------

/// Steps `reader` over `buffer` and fails unless it finds what `matches` accepts.
#[track_caller]
fn expect_step(
    reader: &mut RequestReader,
    buffer: &mut Vec<u8>,
    what: &str,
    matches: impl Fn(&Step) -> bool,
) -> Step {
    let sent = buffer.clone();
    match reader.step(buffer, &Limits::DEFAULT) {
        Ok(step) if matches(&step) => step,
        other => Failure::new(
            harness::exercise("3.8"),
            "RequestReader::step gave another answer",
        )
        .sent(&sent)
        .line("expected", what)
        .line("got", format!("{other:?}"))
        .fail(),
    }
}

#[test]
fn ex3_8_the_reader_asks_for_continue_then_reads_the_body() {
    let mut reader = RequestReader::new();
    let mut buffer =
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n".to_vec();
    expect_step(
        &mut reader,
        &mut buffer,
        "ContinueExpected: the client waits for 100",
        |step| matches!(step, Step::ContinueExpected),
    );
    let waiting = reader.head().map(|head| (head.method, head.path.clone()));
    if waiting != Some((Post, "/".to_string())) || !buffer.is_empty() {
        Failure::new(
            harness::exercise("3.8"),
            "after ContinueExpected, the head must be pending and gone from the buffer",
        )
        .line("head()", format!("{waiting:?}"))
        .line("buffer left", harness::show::bytes(&buffer))
        .fail();
    }
    expect_step(
        &mut reader,
        &mut buffer,
        "NeedMore: the body has not come",
        |step| matches!(step, Step::NeedMore),
    );
    buffer.extend_from_slice(b"hel");
    expect_step(
        &mut reader,
        &mut buffer,
        "NeedMore: 3 of 5 body bytes",
        |step| matches!(step, Step::NeedMore),
    );
    buffer.extend_from_slice(b"lo");
    buffer.extend_from_slice(GET_HOME);
    expect_step(
        &mut reader,
        &mut buffer,
        "Request: the POST with body \"hello\"",
        |step| matches!(step, Step::Request(request) if request.body == b"hello"),
    );
    expect_step(
        &mut reader,
        &mut buffer,
        "Request: the GET pipelined after it",
        |step| matches!(step, Step::Request(request) if request.method == Get),
    );
    assert!(buffer.is_empty(), "both requests were used whole");
}

#[test]
fn ex3_8_the_reader_does_not_ask_for_continue_when_nothing_waits() {
    let cases: [(&str, &[u8]); 3] = [
        (
            "HTTP/1.0 ignores Expect (RFC 9110 section 10.1.1)",
            b"POST / HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        ),
        (
            "a request without a body has nothing to wait for",
            b"GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
        ),
        (
            "the body already came with the head",
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nh",
        ),
    ];
    for (why, input) in cases {
        let mut reader = RequestReader::new();
        let mut buffer = input.to_vec();
        expect_step(
            &mut reader,
            &mut buffer,
            &format!("not ContinueExpected: {why}"),
            |step| !matches!(step, Step::ContinueExpected),
        );
    }
}

#[test]
fn ex3_8_the_buffer_shrinks_back_after_a_large_request() {
    let mut reader = RequestReader::new();
    let body = vec![b'x'; MAX_BODY];
    let mut buffer =
        format!("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {MAX_BODY}\r\n\r\n").into_bytes();
    buffer.extend_from_slice(&body);
    expect_step(
        &mut reader,
        &mut buffer,
        "Request: a 1 MiB POST",
        |step| matches!(step, Step::Request(request) if request.body.len() == MAX_BODY),
    );
    if buffer.capacity() > KEPT_BUFFER {
        Failure::new(harness::exercise("3.8"), "after a 1 MiB request the connection's buffer still holds its megabyte")
            .line("expected", format!("a capacity of at most KEPT_BUFFER, {KEPT_BUFFER} bytes"))
            .line("got", format!("{} bytes", buffer.capacity()))
            .note("A kept-alive connection may sit idle for seconds; ten thousand of them each keeping a megabyte is ten gigabytes. Shrink the buffer (Vec::shrink_to) once a request is out of it.")
            .fail();
    }
}

// ---------------------------------------------------------------------------
// Exercise 3.7 without a socket: write_to and the Date
// ---------------------------------------------------------------------------

/// 1994-11-06 08:49:37 UTC, the example date of RFC 9110.
fn rfc_example_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(784_111_777)
}

fn written(response: ServerResponse, head_only: bool) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    response.write_to(
        &mut out,
        WriteOptions {
            now: rfc_example_time(),
            server: "course-chapter03",
            head_only,
        },
    )?;
    Ok(out)
}

#[track_caller]
fn expect_written(ex: Exercise, what: &str, got: &[u8], expected: &[u8]) {
    if got != expected {
        Failure::new(ex, format!("{what}: write_to wrote other bytes"))
            .expected_got(expected, got)
            .fail();
    }
}

#[test]
fn ex3_7_formats_dates_as_imf_fixdate() {
    let ex = harness::exercise("3.7");
    let cases = [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_767_225_599, "Wed, 31 Dec 2025 23:59:59 GMT"),
    ];
    for (seconds, expected) in cases {
        let got = http_date(UNIX_EPOCH + Duration::from_secs(seconds));
        if got != expected {
            Failure::new(ex, format!("http_date of {seconds} s after 1970 is wrong"))
                .line("expected", expected)
                .line("got", got)
                .note("IMF-fixdate: day name, two-digit day, month name, year, time, GMT.")
                .fail();
        }
    }
}

#[test]
fn ex3_7_writes_status_line_headers_date_server_and_length() {
    let ex = harness::exercise("3.7");
    let response =
        ServerResponse::html(StatusCode::NotFound, "<p>no</p>").with_header("X-Test", "1");
    let expected = b"HTTP/1.1 404 Not Found\r\n\
        Content-Type: text/html; charset=utf-8\r\n\
        X-Test: 1\r\n\
        Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
        Server: course-chapter03\r\n\
        Content-Length: 9\r\n\
        \r\n\
        <p>no</p>";
    let got = written(response, false).expect("writing into a Vec cannot fail");
    expect_written(ex, "a 404 page", &got, expected);
}

#[test]
fn ex3_7_writes_the_same_head_and_no_body_for_head() {
    let ex = harness::exercise("3.7");
    let response = ServerResponse::bytes(StatusCode::Ok, "image/jpeg", PICTURE);
    let got = written(response, true).expect("writing into a Vec cannot fail");
    let expected = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
         Server: course-chapter03\r\nContent-Length: {}\r\n\r\n",
        PICTURE.len()
    );
    expect_written(ex, "the answer to HEAD", &got, expected.as_bytes());
}

#[test]
fn ex3_7_streams_a_reader_body_and_owns_content_length() {
    let ex = harness::exercise("3.7");
    // A handler's own Content-Length (here a wrong one) must not go out:
    // write_to is the one writer of it.
    let response = ServerResponse::new(StatusCode::Ok)
        .with_header("Content-Length", "999")
        .with_reader(&b"streamed body"[..], 8);
    let got = written(response, false).expect("writing into a Vec cannot fail");
    let expected = b"HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
        Server: course-chapter03\r\nContent-Length: 8\r\n\r\nstreamed";
    expect_written(ex, "a reader body of 8 bytes", &got, expected);

    let omitted =
        ServerResponse::new(StatusCode::NotModified).with_body(Body::Omitted { length: 42 });
    let got = written(omitted, false).expect("writing into a Vec cannot fail");
    let expected = b"HTTP/1.1 304 Not Modified\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
        Server: course-chapter03\r\nContent-Length: 42\r\n\r\n";
    expect_written(ex, "a 304 with an omitted body", &got, expected);

    // A reader that gives less than it promised: the error must surface,
    // so the connection is closed instead of leaving the client waiting.
    let short = ServerResponse::new(StatusCode::Ok).with_reader(&b"abc"[..], 10);
    if written(short, false).is_ok() {
        Failure::new(
            ex,
            "a reader body shorter than its length was written without an error",
        )
        .note("Content-Length promised 10 bytes and only 3 went out: return an error.")
        .fail();
    }
}

// ---------------------------------------------------------------------------
// Over real sockets
// ---------------------------------------------------------------------------

/// Starts the chapter's site with `config`; dropping it stops it.
fn start_with(config: Config) -> TestServer {
    let listener = harness::bind_local();
    let shutdown = Shutdown::new(&listener).expect("Shutdown::new on a bound listener");
    let stop = shutdown.clone();
    TestServer::spawn(
        listener,
        move |listener| serve_with(listener, shutdown, &config, chapter03::site::Site),
        move || stop.trigger(),
    )
}

/// Starts the chapter's site as `serve` does.
fn start() -> TestServer {
    let listener = harness::bind_local();
    let shutdown = Shutdown::new(&listener).expect("Shutdown::new on a bound listener");
    let stop = shutdown.clone();
    TestServer::spawn(
        listener,
        move |listener| chapter03::serve(listener, shutdown),
        move || stop.trigger(),
    )
}

/// A configuration with short timeouts, for the timeout tests.
fn quick_config() -> Config {
    Config {
        idle_timeout: Duration::from_millis(300),
        request_timeout: Duration::from_millis(300),
        ..Config::default()
    }
}

/// Checks the headers every response must carry: a Date that looks like
/// an IMF-fixdate, the Server, and a Content-Length equal to the body's.
#[track_caller]
fn expect_standard_headers(ex: Exercise, client: &Client, response: &Response) {
    let date = response.header("Date").unwrap_or("");
    let looks_right = date.len() == 29
        && date.ends_with(" GMT")
        && date.as_bytes()[3] == b','
        && ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].contains(&&date[..3]);
    if !looks_right {
        Failure::new(ex, "the Date header is missing or not an IMF-fixdate")
            .sent(client.sent())
            .line(
                "expected",
                "Date: Sun, 06 Nov 1994 08:49:37 GMT (that shape, today's date)",
            )
            .line("head", harness::show::bytes(&response.head))
            .fail();
    }
    expect_header(ex, client, response, "Server", "course-chapter03");
    let length = response.body.len().to_string();
    expect_header(ex, client, response, "Content-Length", &length);
}

#[test]
fn ex3_9_serves_the_home_page_with_date_server_and_length() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    client.send(GET_HOME);
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    expect_header(
        ex,
        &client,
        &response,
        "Content-Type",
        "text/html; charset=utf-8",
    );
    expect_standard_headers(ex, &client, &response);
    if response.body != chapter02::site::HOME_PAGE.as_bytes() {
        Failure::new(ex, "the home page is not chapter 2's page")
            .sent(client.sent())
            .expected_got(chapter02::site::HOME_PAGE.as_bytes(), &response.body)
            .fail();
    }
}

#[test]
fn ex3_9_serves_the_picture_byte_for_byte() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    client.send(b"GET /picture.jpg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    expect_header(ex, &client, &response, "Content-Type", "image/jpeg");
    expect_standard_headers(ex, &client, &response);
    if response.body != PICTURE {
        Failure::new(ex, "the picture's bytes are not the file's bytes")
            .line("expected", format!("{} bytes", PICTURE.len()))
            .line("got", format!("{} bytes", response.body.len()))
            .fail();
    }
}

#[test]
fn ex3_9_answers_the_form_with_the_message_escaped() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    let body = b"message=Hi+%26+%3Cscript%3E";
    client.send(
        format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    client.send(body);
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    expect_standard_headers(ex, &client, &response);
    let text = response.body_text();
    if !text.contains("<dd>Hi &amp; &lt;script&gt;</dd>") || text.contains("<script>") {
        Failure::new(ex, "the form's message is not in the page, escaped")
            .sent(client.sent())
            .line("expected", "<dd>Hi &amp; &lt;script&gt;</dd> in the page")
            .line("got", text)
            .fail();
    }
}

#[test]
fn ex3_9_answers_head_with_the_get_head_and_no_body() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    client.send(b"HEAD /picture.jpg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    let head = client.read_response_head();
    expect_status(ex, &client, &head, "HTTP/1.1 200 OK");
    let length = PICTURE.len().to_string();
    expect_header(ex, &client, &head, "Content-Length", &length);
    expect_header(ex, &client, &head, "Server", "course-chapter03");
    // If a body had followed the head, it would be read now as the start of
    // the next response.
    client.send(GET_HOME);
    let next = client.read_response();
    if next.status_line != "HTTP/1.1 200 OK" {
        Failure::new(ex, "after the answer to HEAD, the next response is garbled")
            .sent(client.sent())
            .line("got", harness::show::bytes(&next.head))
            .note("HEAD gets the same head as GET, with Content-Length, and no body at all.")
            .fail();
    }
}

#[test]
fn ex3_9_answers_404_and_405_with_allow() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    client.send(b"GET /no-such-page HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 404 Not Found");
    expect_standard_headers(ex, &client, &response);
    client.send(b"POST /picture.jpg HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 405 Method Not Allowed");
    expect_header(ex, &client, &response, "Allow", "GET, HEAD");
}

#[test]
fn ex3_9_answers_several_requests_on_one_connection() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    for round in 1..=3 {
        client.send(GET_HOME);
        let response = client.read_response();
        expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
        if response.header("Connection").is_some() {
            Failure::new(ex, format!("response {round} on a kept-alive connection has a Connection header"))
                .line("head", harness::show::bytes(&response.head))
                .note("HTTP/1.1 connections stay open by default: say nothing, or say keep-alive, never close.")
                .fail();
        }
    }
}

#[test]
fn ex3_9_answers_a_request_sent_byte_by_byte() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    client.send_byte_by_byte(
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nmessage=hi",
    );
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
}

#[test]
fn ex3_9_answers_pipelined_requests_in_order() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    // Three requests in one write: they arrive together, most likely in
    // one read, and must be answered one after another.
    client.send(
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n\
          GET /picture.jpg HTTP/1.1\r\nHost: a\r\n\r\n\
          GET /missing HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    let expected = [
        "HTTP/1.1 200 OK",
        "HTTP/1.1 200 OK",
        "HTTP/1.1 404 Not Found",
    ];
    let mut lengths = Vec::new();
    for (n, status) in expected.into_iter().enumerate() {
        let response = client.read_response();
        if response.status_line != status {
            Failure::new(
                ex,
                format!("pipelined response {} is not the expected one", n + 1),
            )
            .sent(client.sent())
            .line("expected", status)
            .line("got", harness::show::bytes(&response.head))
            .note("Answer every request already in the buffer before reading the socket again.")
            .fail();
        }
        lengths.push(response.body.len());
    }
    if lengths[1] != PICTURE.len() {
        Failure::new(ex, "the second pipelined response is not the picture")
            .line("got", format!("a body of {} bytes", lengths[1]))
            .fail();
    }
}

#[test]
fn ex3_9_closes_after_connection_close() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    client.send(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    expect_header(ex, &client, &response, "Connection", "close");
    client.expect_closed("the request said Connection: close");
}

#[test]
fn ex3_9_closes_after_an_http_1_0_request() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    client.send(b"GET / HTTP/1.0\r\n\r\n");
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    expect_header(ex, &client, &response, "Connection", "close");
    client.expect_closed("an HTTP/1.0 request without keep-alive closes the connection");
}

#[test]
fn ex3_9_keeps_an_http_1_0_connection_that_asks_for_keep_alive() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    for _ in 0..2 {
        client.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        let response = client.read_response();
        expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
        expect_header(ex, &client, &response, "Connection", "keep-alive");
    }
}

#[test]
fn ex3_9_closes_an_idle_connection() {
    let ex = harness::exercise("3.9");
    let server = start_with(quick_config());
    let mut client = server.connect(ex);
    client.send(GET_HOME);
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    // Nothing more: after the idle timeout (300 ms here) the server closes,
    // well within the client's 5 s read timeout.
    client.expect_closed("the connection sat idle longer than the idle timeout");
    // And the server, no longer held, serves the next client.
    let mut next = server.connect(ex);
    next.send(GET_HOME);
    let response = next.read_response();
    expect_status(ex, &next, &response, "HTTP/1.1 200 OK");
}

#[test]
fn ex3_9_answers_408_to_a_request_that_stalls() {
    let ex = harness::exercise("3.9");
    let server = start_with(quick_config());
    let mut client = server.connect(ex);
    client.send(b"GET / HTTP/1.1\r\nHo");
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 408 Request Timeout");
    expect_header(ex, &client, &response, "Connection", "close");
    client.expect_closed("the request did not arrive in time");
}

/// Sends a bad request, expects `status` with Connection: close and a
/// closed connection, then checks that the server serves the next client.
#[track_caller]
fn expect_rejected(ex: Exercise, request: &[u8], status: &str) {
    let server = start();
    let mut client = server.connect(ex);
    // A server may answer and close before it has read everything.
    if let Err(failure) = client.send_until_closed(request) {
        failure.fail();
    }
    let response = client.read_response();
    expect_status(ex, &client, &response, status);
    expect_header(ex, &client, &response, "Connection", "close");
    expect_standard_headers(ex, &client, &response);
    client.expect_closed("after an error response the server closes the connection");
    drop(client);
    server.assert_alive(ex);
    let mut next = server.connect(ex);
    next.send(GET_HOME);
    let response = next.read_response();
    if response.status_line != "HTTP/1.1 200 OK" {
        Failure::new(ex, "after a bad request, the next client was not served")
            .line("bad request", harness::show::bytes(request))
            .line("then got", harness::show::bytes(&response.head))
            .fail();
    }
}

#[test]
fn ex3_9_answers_bad_request_lines_over_the_socket() {
    let ex = harness::exercise("3.9");
    expect_rejected(
        ex,
        b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
        "HTTP/1.1 400 Bad Request",
    );
    expect_rejected(
        ex,
        b"BREW / HTTP/1.1\r\nHost: a\r\n\r\n",
        "HTTP/1.1 501 Not Implemented",
    );
    expect_rejected(
        ex,
        b"GET / HTTP/3.0\r\nHost: a\r\n\r\n",
        "HTTP/1.1 505 HTTP Version Not Supported",
    );
    let long = format!(
        "GET /{} HTTP/1.1\r\nHost: a\r\n\r\n",
        "a".repeat(MAX_REQUEST_LINE)
    );
    expect_rejected(ex, long.as_bytes(), "HTTP/1.1 414 URI Too Long");
}

#[test]
fn ex3_9_answers_bad_headers_over_the_socket() {
    let ex = harness::exercise("3.9");
    expect_rejected(
        ex,
        b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
        "HTTP/1.1 400 Bad Request",
    );
    expect_rejected(ex, b"GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request");
    let many = request_with_fields(MAX_HEADERS + 1);
    expect_rejected(ex, &many, "HTTP/1.1 431 Request Header Fields Too Large");
    let large = header_section_of(MAX_HEADER_BYTES + 100);
    expect_rejected(ex, &large, "HTTP/1.1 431 Request Header Fields Too Large");
}

#[test]
fn ex3_9_answers_bad_bodies_over_the_socket() {
    let ex = harness::exercise("3.9");
    let huge = format!(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\nabc",
        MAX_BODY + 1
    );
    expect_rejected(ex, huge.as_bytes(), "HTTP/1.1 413 Content Too Large");
    expect_rejected(
        ex,
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
        "HTTP/1.1 400 Bad Request",
    );
    // Request smuggling: which of the two says where the body ends?
    expect_rejected(
        ex,
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 400 Bad Request",
    );
    expect_rejected(
        ex,
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 501 Not Implemented",
    );
}

#[test]
fn ex3_9_serves_a_post_without_a_length_as_an_empty_form() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    // RFC 9112 section 6.3: neither Content-Length nor Transfer-Encoding
    // means no body. The next request follows right after the head.
    client.send(b"POST / HTTP/1.1\r\nHost: a\r\n\r\nGET /picture.jpg HTTP/1.1\r\nHost: a\r\n\r\n");
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    if !response.body_text().contains("The form sent no fields.") {
        Failure::new(
            ex,
            "a POST without a length is not answered as an empty form",
        )
        .sent(client.sent())
        .line(
            "expected",
            "the form page saying \"The form sent no fields.\"",
        )
        .line("got", response.body_text())
        .fail();
    }
    let next = client.read_response();
    expect_status(ex, &client, &next, "HTTP/1.1 200 OK");
    expect_header(ex, &client, &next, "Content-Type", "image/jpeg");
}

/// A form, as `curl -T -` sends a body it reads from a pipe: chunked, in
/// pieces, with CRLF after each.
const CHUNKED_FORM: &[u8] = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\
    Content-Type: application/x-www-form-urlencoded\r\n\r\n\
    8\r\nmessage=\r\n5;piece=2\r\nHello\r\n6\r\n+again\r\n0\r\nX-Trailer: ignored\r\n\r\n";

#[test]
fn ex3_10_serves_a_chunked_form_sent_in_pieces() {
    let ex = harness::exercise("3.10");
    let server = start();
    let mut client = server.connect(ex);
    // Byte by byte: every piece of the framing arrives on its own.
    client.send_byte_by_byte(CHUNKED_FORM);
    client.send(GET_HOME);
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    if !response.body_text().contains("<dd>Hello again</dd>") {
        Failure::new(ex, "the chunked form's message is not in the page")
            .sent(client.sent())
            .line(
                "expected",
                "<dd>Hello again</dd>: the chunks message=, Hello and +again put together",
            )
            .line("got", response.body_text())
            .fail();
    }
    // The connection goes on: the GET after the body is answered too.
    let next = client.read_response();
    expect_status(ex, &client, &next, "HTTP/1.1 200 OK");
}

#[test]
fn ex3_10_answers_bad_chunked_bodies_over_the_socket() {
    let ex = harness::exercise("3.10");
    let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    for body in ["zz\r\nhello\r\n0\r\n\r\n", "5\r\nhelloXX0\r\n\r\n"] {
        expect_rejected(
            ex,
            format!("{head}{body}").as_bytes(),
            "HTTP/1.1 400 Bad Request",
        );
    }
    let huge = format!("{head}{:x}\r\nabc", MAX_BODY + 1);
    expect_rejected(ex, huge.as_bytes(), "HTTP/1.1 413 Content Too Large");
}

/// The interim response a client waiting with `Expect: 100-continue` must
/// get before it sends the body.
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// Reads the next response head and fails unless it is exactly `100 Continue`.
#[track_caller]
fn expect_continue(ex: Exercise, client: &mut Client, why: &str) {
    let head = client.read_response_head();
    if head.head != CONTINUE {
        Failure::new(
            ex,
            "the client waited for 100 Continue and got something else",
        )
        .sent(client.sent())
        .expected_got(CONTINUE, &head.head)
        .note(why)
        .fail();
    }
}

#[test]
fn ex3_9_sends_100_continue_before_reading_the_body() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    // curl's upload of a form over 1 KiB: the head, then it waits.
    client
        .send(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
    expect_continue(
        ex,
        &mut client,
        "POST / reads its body, so the server must say 100 Continue and then wait for it (RFC 9110 section 10.1.1)",
    );
    client.send(b"message=hi");
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    if !response.body_text().contains("<dd>hi</dd>") {
        Failure::new(
            ex,
            "the body sent after 100 Continue did not reach the form",
        )
        .sent(client.sent())
        .line("got", response.body_text())
        .fail();
    }
}

/// A chunked upload waits for `100 Continue` the same way (`curl -T -`
/// does), and its chunks are read once it has it.
#[test]
fn ex3_10_says_100_continue_to_a_chunked_upload() {
    let ex = harness::exercise("3.10");
    let server = start();
    let mut client = server.connect(ex);
    client.send(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
    );
    expect_continue(ex, &mut client, "a chunked upload announces a body too");
    client.send(b"a\r\nmessage=ok\r\n0\r\n\r\n");
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
}

#[test]
fn ex3_9_answers_at_once_when_the_body_cannot_change_the_answer() {
    let ex = harness::exercise("3.9");
    let cases = [
        ("/missing", "HTTP/1.1 404 Not Found"),
        ("/picture.jpg", "HTTP/1.1 405 Method Not Allowed"),
    ];
    for (path, status) in cases {
        let server = start();
        let mut client = server.connect(ex);
        client.send(
            format!(
                "POST {path} HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n"
            )
            .as_bytes(),
        );
        let response = client.read_response();
        if response.status_line != status {
            Failure::new(ex, format!("POST {path} with Expect: 100-continue did not get its final answer at once"))
                .sent(client.sent())
                .line("expected", status)
                .line("got", harness::show::bytes(&response.head))
                .note("the site answers this path and method without reading a body (site::reads_body is false), so the answer comes now, instead of 100 Continue and an upload for nothing")
                .fail();
        }
        expect_header(ex, &client, &response, "Connection", "close");
        client.expect_closed("the client may still send the body it announced, so after an early answer the connection ends");
    }
}

#[test]
fn ex3_9_answers_413_at_once_to_an_announced_body_over_the_limit() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    client.send(
        format!(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
            MAX_BODY + 1
        )
        .as_bytes(),
    );
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 413 Content Too Large");
    client.expect_closed("after an error response the server closes the connection");
}

#[test]
fn ex3_9_ignores_expect_from_an_http_1_0_client() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    client.send(b"POST / HTTP/1.0\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
    client.send(b"message=hi");
    let response = client.read_response();
    if response.status_line != "HTTP/1.1 200 OK" {
        Failure::new(ex, "an HTTP/1.0 request with Expect did not get its answer first")
            .sent(client.sent())
            .line("expected", "HTTP/1.1 200 OK, with no 100 Continue before it")
            .line("got", harness::show::bytes(&response.head))
            .note("an HTTP/1.0 client does not know 100 Continue: a server MUST ignore its Expect (RFC 9110 section 10.1.1)")
            .fail();
    }
}

#[test]
fn ex3_9_serves_an_absolute_form_target() {
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    // What `curl --request-target http://127.0.0.1/picture.jpg` sends.
    client.send(b"GET http://127.0.0.1/picture.jpg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
    expect_header(ex, &client, &response, "Content-Type", "image/jpeg");
}

#[test]
fn ex3_9_answers_other_methods_with_405_and_allow() {
    let ex = harness::exercise("3.9");
    let server = start();
    let cases = [
        (
            "DELETE",
            "/",
            "HTTP/1.1 405 Method Not Allowed",
            Some("GET, HEAD, POST"),
        ),
        (
            "PUT",
            "/picture.jpg",
            "HTTP/1.1 405 Method Not Allowed",
            Some("GET, HEAD"),
        ),
        (
            "OPTIONS",
            "/",
            "HTTP/1.1 405 Method Not Allowed",
            Some("GET, HEAD, POST"),
        ),
        ("PATCH", "/missing", "HTTP/1.1 404 Not Found", None),
    ];
    let mut client = server.connect(ex);
    for (method, path, status, allow) in cases {
        client.send(
            format!("{method} {path} HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n").as_bytes(),
        );
        let response = client.read_response();
        expect_status(ex, &client, &response, status);
        if let Some(allow) = allow {
            expect_header(ex, &client, &response, "Allow", allow);
        }
    }
    drop(client);
    expect_rejected(
        ex,
        b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
        "HTTP/1.1 501 Not Implemented",
    );
    expect_rejected(
        ex,
        b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
        "HTTP/1.1 501 Not Implemented",
    );
}

#[test]
fn ex3_9_answers_bad_percent_encoding_over_the_socket() {
    let ex = harness::exercise("3.9");
    expect_rejected(
        ex,
        b"GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n",
        "HTTP/1.1 400 Bad Request",
    );
    // And a good encoding reaches the site decoded: `/%70icture.jpg` is
    // `/picture.jpg`.
    let server = start();
    let mut client = server.connect(ex);
    client.send(b"GET /%70icture.jpg HTTP/1.1\r\nHost: a\r\n\r\n");
    let response = client.read_response();
    expect_status(ex, &client, &response, "HTTP/1.1 200 OK");
}

#[test]
fn ex3_9_sends_exactly_the_response_then_closes() {
    // The raw bytes of one exchange, read to the end: the head, exactly
    // Content-Length bytes of body, then the close.
    let ex = harness::exercise("3.9");
    let server = start();
    let mut client = server.connect(ex);
    client.send(b"GET /missing HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    let bytes = client.read_to_end();
    let head_end = harness::http::head_end(&bytes).unwrap_or(bytes.len());
    let head = harness::http::Response::parse_head(&bytes[..head_end]).unwrap_or_else(|problem| {
        Failure::new(ex, "the response head is not readable")
            .got(&bytes)
            .line("problem", problem)
            .fail()
    });
    let length: usize = head
        .header("Content-Length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if bytes.len() != head_end + length {
        Failure::new(
            ex,
            "the bytes after the head are not exactly Content-Length long",
        )
        .got(&bytes)
        .fail();
    }
}

// ---------------------------------------------------------------------------
// The black-box `http` suite (the checks `course probe` runs), by exercise
// ---------------------------------------------------------------------------

#[test]
fn ex3_9_passes_the_http_suite_checks_of_3_1() {
    harness::suite::check_exercise(&start(), "http", "3.1");
}

#[test]
fn ex3_9_passes_the_http_suite_checks_of_3_2() {
    harness::suite::check_exercise(&start(), "http", "3.2");
}

#[test]
fn ex3_9_passes_the_http_suite_checks_of_3_3() {
    harness::suite::check_exercise(&start(), "http", "3.3");
}

#[test]
fn ex3_9_passes_the_http_suite_checks_of_3_4() {
    harness::suite::check_exercise(&start(), "http", "3.4");
}

#[test]
fn ex3_9_passes_the_http_suite_checks_of_3_6() {
    harness::suite::check_exercise(&start(), "http", "3.6");
}

#[test]
fn ex3_9_passes_the_http_suite_checks_of_3_5() {
    harness::suite::check_exercise(&start(), "http", "3.5");
}

#[test]
fn ex3_9_passes_the_http_suite_checks_of_3_7() {
    harness::suite::check_exercise(&start(), "http", "3.7");
}

#[test]
fn ex3_9_passes_the_http_suite_checks_of_3_9() {
    harness::suite::check_exercise(&start(), "http", "3.9");
}

#[test]
fn ex3_10_passes_the_http_suite_checks_of_3_10() {
    harness::suite::check_exercise(&start(), "http", "3.10");
}
