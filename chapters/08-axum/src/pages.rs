//! The app's HTML: the same pages as chapter 6, as plain functions that
//! return a `String`. The frame around every page ([`page`]) and the
//! guestbook ([`guestbook`]) are chapter 6's own functions: the rewrite
//! changes what serves the pages, not the pages.
//!
//! axum has no templates and needs none: a handler returns `Html(page)`,
//! and axum adds `Content-Type: text/html; charset=utf-8`. Every piece of
//! text that came from a visitor goes through chapter 2's `escape_html`
//! before it is put in a page; the callers of [`page`] escape what they
//! pass in.

use chapter02::form::escape_html;

pub use chapter06::pages::{guestbook_page as guestbook, page};

/// The home page.
pub fn home() -> String {
    page(
        "The axum rewrite",
        "<h1>The axum rewrite</h1>\n\
         <p>The same site as chapter 6, now on axum, tower-http and hyper, with the\n\
         guestbook in an SQLite database.</p>\n\
         <ul>\n\
         <li><a href=\"/time\">What time is it?</a> (as text, in UTC)</li>\n\
         <li><a href=\"/hello/world\">Say hello</a> (try your own name in the address)</li>\n\
         <li><a href=\"/guestbook\">Sign the guestbook</a></li>\n\
         </ul>",
    )
}

/// The greeting of `/hello/{name}`; `name` is as the visitor sent it
/// (decoded), and is escaped here.
pub fn hello(name: &str) -> String {
    let name = escape_html(name);
    page(
        &format!("Hello, {name}!"),
        &format!(
            "<h1>Hello, {name}!</h1>\n\
             <p>Change the end of the address to greet someone else.</p>"
        ),
    )
}

/// A page for an error: a heading and one sentence, both HTML already.
pub fn error(heading: &str, sentence: &str) -> String {
    page(heading, &format!("<h1>{heading}</h1>\n<p>{sentence}</p>"))
}
