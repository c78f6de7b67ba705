//! The app's HTML: the page every route wraps its content in, and the
//! guestbook. Chapter 8's axum app serves these same pages.

use chapter01::time::rfc3339;
use chapter02::form::escape_html;

use crate::form::{Form, MAX_MESSAGE_CHARS, MAX_NAME_CHARS, Problem};
use crate::guestbook::Entry;

// ANCHOR: pages
/// An HTML page with the site's stylesheet and navigation around `body`.
/// `title` and `body` are HTML already: the caller escapes what came from
/// a visitor.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n\
         </head>\n<body>\n<nav><a href=\"/\">Home</a> <a href=\"/time\">Time</a> \
         <a href=\"/hello/world\">Hello</a> <a href=\"/guestbook\">Guestbook</a></nav>\n\
         <main>\n{body}\n</main>\n</body>\n</html>\n"
    )
}

/// The guestbook: what is wrong with the form (if anything), the form
/// (filled with `form`), and the entries. Every visitor's text is escaped,
/// in element content and in the attribute value alike.
pub fn guestbook_page(entries: &[Entry], form: &Form, problems: &[Problem]) -> String {
    let mut body = String::from("<h1>Guestbook</h1>\n");
    if !problems.is_empty() {
        body.push_str("<div class=\"problems\">\n<p>Please fix this and send again:</p>\n<ul>\n");
        for problem in problems {
            body.push_str(&format!("<li>{problem}</li>\n"));
        }
        body.push_str("</ul>\n</div>\n");
    }
    // maxlength and required let the browser catch most mistakes before
    // sending; the server checks again, because anyone can send anything
    // (curl does not read our HTML).
    body.push_str(&format!(
        "<form method=\"post\" action=\"/guestbook\">\n\
         <p><label>Name<br><input name=\"name\" maxlength=\"{MAX_NAME_CHARS}\" required value=\"{}\"></label></p>\n\
         <p><label>Message<br><textarea name=\"message\" maxlength=\"{MAX_MESSAGE_CHARS}\" rows=\"4\" required>{}</textarea></label></p>\n\
         <p><button type=\"submit\">Sign the guestbook</button></p>\n</form>\n",
        escape_html(&form.name),
        escape_html(&form.message)
    ));
    if !problems.is_empty() {
        body.push_str("<p><a href=\"/guestbook\">Back to the guestbook</a></p>");
    } else if entries.is_empty() {
        body.push_str("<p class=\"empty\">No entries yet: be the first to sign.</p>");
    } else {
        body.push_str("<ol class=\"entries\">\n");
        for entry in entries {
            body.push_str(&format!(
                "<li><p class=\"meta\"><strong>{}</strong> <time>{}</time></p>\n<p>{}</p></li>\n",
                escape_html(&entry.name),
                rfc3339(entry.posted),
                escape_html(&entry.message)
            ));
        }
        body.push_str("</ol>");
    }
    page("Guestbook", &body)
}
// ANCHOR_END: pages
