//! The site: which response each request gets, and the pages themselves.
//!
//! ```text
//! GET  /             200, the home page (HTML)
//! GET  /picture.jpg  200, the picture (JPEG)
//! POST /             200, a page showing what the form sent
//! other method on /  405, Allow: GET, POST
//! other method on /picture.jpg  405, Allow: GET
//! anything else      404
//! ```

use crate::form::{escape_html, parse_form};
use crate::request::{MAX_BODY_BYTES, MAX_HEAD_BYTES, Request, RequestError};
use crate::response::{Response, Status};

// ANCHOR: picture
/// The picture, compiled into the program: `include_bytes!` reads the file
/// when the crate is built, so the server needs no files at run time.
pub const PICTURE: &[u8] = include_bytes!("picture.jpg");
// ANCHOR_END: picture

// ANCHOR: home_page
/// The home page. The browser asks for the picture on its own, with a
/// second request, when it reads the `<img>` tag; and the form sends what
/// you type back to `/` as a POST.
pub const HOME_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>HTTP by hand</title>
</head>
<body>
<h1>HTTP by hand</h1>
<p>A Rust server wrote this page to a socket, one line at a time.
The picture below is a second request, on a second connection.</p>
<img src="/picture.jpg" alt="Two computers joined by a cable: a browser sends a request, a server sends a response" width="480" height="270">
<form method="post" action="/">
<label for="message">Say something:</label>
<input type="text" id="message" name="message">
<button type="submit">Send</button>
</form>
</body>
</html>
"#;
// ANCHOR_END: home_page

// ANCHOR: route
// ANCHOR: route_signature
/// The response to `request`, chosen by its method and its path.
#[expect(unused_variables, reason = "until you write exercise 2.4")]
pub fn route(request: &Request) -> Response {
    // ANCHOR_END: route_signature
    todo!(
        "exercise 2.4: Route: the page, the picture, 404 and 405 (read book/src/ch02-http-by-hand.md#exercise-24-route-the-page-the-picture-404-and-405)"
    )
}
// ANCHOR_END: route

// ANCHOR: form_result
/// The page that answers the form: every field it sent, escaped, because
/// whatever a visitor types ends up inside our HTML.
pub fn form_result(body: &[u8]) -> Response {
    Response::html(Status::Ok, form_result_page(body))
}

/// The HTML of [`form_result`], which chapter 3's site sends too.
pub fn form_result_page(body: &[u8]) -> String {
    let mut fields = String::new();
    for (name, value) in parse_form(body) {
        fields.push_str(&format!(
            "<dt>{}</dt>\n<dd>{}</dd>\n",
            escape_html(&name),
            escape_html(&value)
        ));
    }
    if fields.is_empty() {
        fields.push_str("<dt>(nothing)</dt>\n<dd>The form sent no fields.</dd>\n");
    }
    page(
        "You said",
        &format!("<p>The form sent:</p>\n<dl>\n{fields}</dl>\n<p><a href=\"/\">Back</a></p>"),
    )
}
// ANCHOR_END: form_result

// ANCHOR: errors
/// 404, with a small page for the person who mistyped a link.
pub fn not_found() -> Response {
    Response::html(
        Status::NotFound,
        page(
            "Not found",
            "<p>There is nothing at this address.</p>\n<p><a href=\"/\">Home</a></p>",
        ),
    )
}

/// 405, with the `Allow` header that lists the methods the path accepts.
pub fn method_not_allowed(allow: &'static str) -> Response {
    Response::html(
        Status::MethodNotAllowed,
        page(
            "Method not allowed",
            &format!("<p>This address only answers {allow}.</p>"),
        ),
    )
    .with_header("Allow", allow)
}

/// The answer to a request we could not read, or `None` when nobody is
/// there to read an answer (the client closed, or its connection broke).
/// This is the one place where a reading error becomes a status code.
pub fn error_response(error: &RequestError) -> Option<Response> {
    let (status, explanation) = match error {
        RequestError::Malformed(why) => (
            Status::BadRequest,
            format!("This is not a request we can read: {why}."),
        ),
        RequestError::TimedOut => (
            Status::RequestTimeout,
            "The request did not arrive in time.".to_string(),
        ),
        RequestError::HeadTooLarge => (
            Status::RequestHeaderFieldsTooLarge,
            format!("The request head is over {MAX_HEAD_BYTES} bytes."),
        ),
        RequestError::LengthRequired => (
            Status::LengthRequired,
            "A POST needs a Content-Length header.".to_string(),
        ),
        RequestError::BodyTooLarge => (
            Status::ContentTooLarge,
            format!("The body is over {MAX_BODY_BYTES} bytes."),
        ),
        RequestError::Closed | RequestError::Io(_) => return None,
    };
    let title = status.reason();
    Some(Response::html(
        status,
        page(title, &format!("<p>{explanation}</p>")),
    ))
}
// ANCHOR_END: errors

/// A whole HTML page around `body`, which must already be safe HTML.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n{body}\n</body>\n</html>\n"
    )
}
