//! Folders: a redirect to the URL with a slash, `index.html`, or a listing.
//!
//! A listing is an HTML page made of file names, and a file name is text
//! that somebody else chose: `<script>alert(1)</script>.txt` is a perfectly
//! good name on Linux and macOS. Each name goes into the page twice, and
//! each place needs its own protection: HTML-escaped where it is shown,
//! percent-encoded where it is a link.

#[expect(unused_imports, reason = "until you write exercise 4.3")]
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[expect(unused_imports, reason = "until you write exercise 4.3")]
use crate::resolve::{Root, clean_url_path, resolve};
#[expect(unused_imports, reason = "until you write exercise 4.3")]
use chapter01::time::unix_seconds;

// ANCHOR: directory_answer
/// What a request for a folder gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryAnswer {
    /// `301 Moved Permanently` to this URL: the folder's URL with its
    /// trailing slash.
    Redirect(String),
    /// The folder's `index.html`, to be served as a file (canonical path).
    Index(PathBuf),
    /// A listing of the folder: a whole HTML page.
    Listing(String),
}
// ANCHOR_END: directory_answer

// ANCHOR: entry
/// One line of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file name, as it is on disk.
    pub name: String,
    /// Whether it is a folder (its link gets a trailing slash).
    pub is_dir: bool,
    /// Its size in bytes (0 for a folder).
    pub size: u64,
    /// When it last changed, in seconds since 1970, if the system says.
    pub modified: Option<i64>,
}
// ANCHOR_END: entry

// ANCHOR: directory
// ANCHOR: directory_signature
/// The answer to a request for the folder `dir` (a canonical path inside
/// `root`), which the client asked for as `url_path` (decoded).
#[expect(unused_variables, reason = "until you write exercise 4.3")]
pub fn directory_answer(root: &Root, dir: &Path, url_path: &str) -> io::Result<DirectoryAnswer> {
    // ANCHOR_END: directory_signature
    todo!(
        "exercise 4.3: Directories: index.html and listings (read book/src/ch04-file-server.md#exercise-43-directories-indexhtml-and-listings)"
    )
}
// ANCHOR_END: directory

// ANCHOR: listing_page
/// The HTML page listing `entries` of the folder at `url_path`.
pub fn listing_page(url_path: &str, entries: &[Entry]) -> String {
    let title = format!("Index of {}", escape_html(url_path));
    let mut rows = String::new();
    if url_path != "/" {
        rows.push_str("<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n");
    }
    for entry in entries {
        let slash = if entry.is_dir { "/" } else { "" };
        // Two different escapes for two different places. In the href the
        // name is part of a URL: `%` `#` `?` and spaces would change what it
        // points at, and a name like `javascript:alert(1)` would be a URL
        // scheme. In the text it is HTML: `<` and `&` would become markup.
        let href = encode_segment(&entry.name);
        let text = escape_html(&entry.name);
        let size = if entry.is_dir {
            "-".to_string()
        } else {
            entry.size.to_string()
        };
        let modified = entry
            .modified
            .map(chapter01::time::rfc3339)
            .unwrap_or_default();
        rows.push_str(&format!(
            "<tr><td><a href=\"{href}{slash}\">{text}{slash}</a></td><td>{size}</td><td>{modified}</td></tr>\n"
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n</head>\n\
         <body>\n<h1>{title}</h1>\n<table>\n<tr><th>Name</th><th>Size (bytes)</th><th>Modified (UTC)</th></tr>\n\
         {rows}</table>\n</body>\n</html>\n"
    )
}
// ANCHOR_END: listing_page

// ANCHOR: escapes
/// `text` made safe to put in HTML, as text or in a quoted attribute:
/// chapter 2's, which the guestbook page used first.
pub use chapter02::form::escape_html;

/// `segment` (one name, no slashes meant) percent-encoded for a URL path:
/// every byte but the unreserved ones of RFC 3986 (letters, digits, `-`,
/// `.`, `_`, `~`) becomes `%XX`. Encoding more than strictly needed is
/// always allowed, and it is the safe side: `/`, `%`, `?`, `#`, `:` and
/// spaces all lose their meaning in a URL. Chapter 6's guestbook stores
/// its fields encoded the same way.
pub fn encode_segment(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len());
    for &byte in segment.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}
// ANCHOR_END: escapes

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_for_html_and_for_urls() {
        assert_eq!(
            escape_html("<script>alert(1)</script> & 'x' \"y\""),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;x&#39; &quot;y&quot;"
        );
        assert_eq!(encode_segment("100%.txt"), "100%25.txt");
        assert_eq!(encode_segment("space name.txt"), "space%20name.txt");
        assert_eq!(encode_segment("a&b?#:/é"), "a%26b%3F%23%3A%2F%C3%A9");
        assert_eq!(encode_segment("Plain-name_1.~"), "Plain-name_1.~");
    }
}
