//! The site: chapter 2's page, picture and form, now over the parser.
//!
//! ```text
//! GET or HEAD /             200, the home page (HTML)
//! GET or HEAD /picture.jpg  200, the picture (JPEG)
//! POST /                    200, a page showing what the form sent
//! another method on those   405, with Allow: what the path takes
//! anything else             404
//! ```
//!
//! The page text, the picture bytes and the form decoding are chapter 2's,
//! used through the dependency on its solution: nothing here is copied.

use chapter02::site::{HOME_PAGE, PICTURE, form_result_page, page};

use crate::handler::Handler;
use crate::request::{Method, Request};
use crate::response::{Response, StatusCode};

// ANCHOR: route
/// The response to `request`, chosen by its method and its decoded path.
pub fn route(request: &Request) -> Response {
    match (request.method, request.path.as_str()) {
        // HEAD gets the GET response; the connection drops its body.
        (Method::Get | Method::Head, "/") => Response::html(StatusCode::Ok, HOME_PAGE),
        (Method::Post, "/") => form_result(&request.body),
        (Method::Get | Method::Head, "/picture.jpg") => {
            Response::bytes(StatusCode::Ok, "image/jpeg", PICTURE)
        }
        // The path exists, so 404 would be a lie; 405 says "not with this
        // method", and Allow says which (RFC 9110 section 15.5.6).
        (_, "/") => method_not_allowed("GET, HEAD, POST"),
        (_, "/picture.jpg") => method_not_allowed("GET, HEAD"),
        _ => not_found(),
    }
}

/// Whether [`route`] reads the body of a request with this head: only the
/// form's POST does. Everything else is answered from the method and the
/// path alone, so a client that asks `Expect: 100-continue` first gets its
/// 404 or 405 without sending a body for nothing.
pub fn reads_body(head: &Request) -> bool {
    head.method == Method::Post && head.path == "/"
}

/// The site as a [`Handler`]: [`route`] and [`reads_body`] together.
#[derive(Debug, Clone, Copy, Default)]
pub struct Site;

impl Handler for Site {
    fn respond(&self, request: &Request) -> Response {
        route(request)
    }

    fn reads_body(&self, head: &Request) -> bool {
        reads_body(head)
    }
}
// ANCHOR_END: route

/// The page that answers the form: every field it sent, escaped
/// (chapter 2's page).
pub fn form_result(body: &[u8]) -> Response {
    Response::html(StatusCode::Ok, form_result_page(body))
}

/// 404, with a small page for the person who mistyped a link.
pub fn not_found() -> Response {
    Response::html(
        StatusCode::NotFound,
        page(
            "Not found",
            "<p>There is nothing at this address.</p>\n<p><a href=\"/\">Home</a></p>",
        ),
    )
}

/// 405, with the `Allow` header that lists the methods the path accepts
/// (RFC 9110 section 15.5.6: a 405 MUST have one).
pub fn method_not_allowed(allow: &str) -> Response {
    Response::html(
        StatusCode::MethodNotAllowed,
        page(
            "Method not allowed",
            &format!("<p>This address only answers {allow}.</p>"),
        ),
    )
    .with_header("Allow", allow)
}
