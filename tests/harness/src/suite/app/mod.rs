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
use crate::expect::status_is;
use crate::failure::Failure;
use crate::http::Response;
use crate::manifest::Exercise;

mod guestbook;
/// The suite, in the order `course probe` runs it.
mod pages;
mod static_files;
mod time;

use guestbook::*;
use pages::*;
use static_files::*;
use time::*;

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
    Check::new(name, exercise_id, description, function)
}

const HTML: &str = "text/html; charset=utf-8";
const PLAIN: &str = "text/plain; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

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
        status_is(ex, &self.sent, &self.response, expected, why)
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
    let (client, response) = super::exchange(target, ex, request)?;
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

#[cfg(test)]
mod tests;
