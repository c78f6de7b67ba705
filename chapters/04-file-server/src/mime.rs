//! Content types: what a file is, told by the end of its name.
//!
//! A browser does not look at a file's name to decide what it is; it reads
//! the `Content-Type` header. The same bytes shown as `text/html` are a
//! page, as `text/plain` they are the page's source, as
//! `application/octet-stream` they are a download. The file system has no
//! types, only names, so a file server guesses from the extension, with a
//! table like the one below (a tiny part of the list the IANA keeps).

use std::path::Path;

// ANCHOR: types
/// The type of everything we do not recognise: "some bytes". Browsers
/// offer to save it instead of trying to show it.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// Extensions (lowercase, without the dot) and their `Content-Type`.
///
/// Text types say their character set: without it a browser guesses, and
/// an old or unusual guess turns every `é` into `Ã©`. We assume UTF-8, which
/// nearly every text file written today is.
pub const CONTENT_TYPES: &[(&str, &str)] = &[
    // Text: pages, styles, scripts, data.
    ("html", "text/html; charset=utf-8"),
    ("htm", "text/html; charset=utf-8"),
    ("css", "text/css; charset=utf-8"),
    // RFC 9239 made text/javascript the one type for JavaScript.
    ("js", "text/javascript; charset=utf-8"),
    ("mjs", "text/javascript; charset=utf-8"),
    ("txt", "text/plain; charset=utf-8"),
    ("md", "text/markdown; charset=utf-8"),
    ("csv", "text/csv; charset=utf-8"),
    // JSON is UTF-8 by definition (RFC 8259) and has no charset parameter.
    ("json", "application/json"),
    // XML says its own encoding in its first line.
    ("xml", "application/xml"),
    ("svg", "image/svg+xml"),
    ("wasm", "application/wasm"),
    ("pdf", "application/pdf"),
    // Pictures.
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("avif", "image/avif"),
    ("ico", "image/x-icon"),
    // Sound and video.
    ("mp3", "audio/mpeg"),
    ("ogg", "audio/ogg"),
    ("wav", "audio/wav"),
    ("mp4", "video/mp4"),
    ("webm", "video/webm"),
    // Fonts.
    ("woff", "font/woff"),
    ("woff2", "font/woff2"),
    ("ttf", "font/ttf"),
    // Archives.
    ("zip", "application/zip"),
    ("gz", "application/gzip"),
];
// ANCHOR_END: types

// ANCHOR: content_type
// ANCHOR: content_type_signature
/// The `Content-Type` of the file at `path`, from its extension.
#[expect(unused_variables, reason = "until you write exercise 4.2")]
pub fn content_type(path: &Path) -> &'static str {
    // ANCHOR_END: content_type_signature
    todo!(
        "exercise 4.2: Content types (read book/src/ch04-file-server.md#exercise-42-content-types)"
    )
}
// ANCHOR_END: content_type
