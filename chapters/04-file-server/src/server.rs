//! The file server: one handler on chapter 3's connection loop.
//!
//! Chapter 3 reads requests, keeps connections alive and writes responses;
//! all this chapter adds is the function from a [`Request`] to a
//! [`Response`]. Its order is the order of the checks a request goes
//! through:
//!
//! ```text
//! resolve the path           refused or missing: 404 (and a log line for an attack)
//! method GET or HEAD?        no: 405, Allow: GET, HEAD
//! a folder?                  301 to the URL with a slash, index.html, or a listing
//! a file:                    If-Modified-Since -> 304; Range -> 206 or 416; else 200
//! ```

use std::fs::File;
use std::io;
use std::path::Path;

use chapter03::Handler;
use chapter03::request::{Method, Request};
use chapter03::response::{Response, StatusCode, http_date};

use crate::body::file_body;
use crate::conditional::not_modified;
use crate::listing::{DirectoryAnswer, directory_answer};
use crate::mime::content_type;
use crate::range::{RangeAnswer, parse_range};
use crate::resolve::{Refusal, Root, resolve};

// ANCHOR: file_server
/// A handler that serves the files under one folder.
#[derive(Debug, Clone)]
pub struct FileServer {
    root: Root,
}

impl FileServer {
    /// A file server for the folder `root`, which must exist.
    pub fn new(root: impl AsRef<Path>) -> io::Result<FileServer> {
        Ok(FileServer {
            root: Root::new(root)?,
        })
    }

    /// The folder served, canonical.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// The response to `request`.
    pub fn handle(&self, request: &Request) -> Response {
        // `request.path` was percent-decoded once, by chapter 3's parser.
        let path = match resolve(&self.root, &request.path) {
            Ok(path) => path,
            Err(refusal) => return refused(request, refusal),
        };
        // Something lives here, so a method we do not serve gets 405, not
        // 404 (and a missing path stays 404 whatever the method). A file
        // server only reads: HEAD is GET without the body, and chapter 3's
        // connection already leaves the body out for HEAD.
        if !matches!(request.method, Method::Get | Method::Head) {
            return Response::error_page(
                StatusCode::MethodNotAllowed,
                "This server only reads files: use GET or HEAD.",
            )
            .with_header("Allow", "GET, HEAD");
        }
        if path.is_dir() {
            return match directory_answer(&self.root, &path, &request.path) {
                Ok(DirectoryAnswer::Redirect(location)) => Response::error_page(
                    StatusCode::MovedPermanently,
                    "This folder lives at the address with a slash at the end.",
                )
                .with_header("Location", location),
                Ok(DirectoryAnswer::Index(index)) => serve_file(request, &index),
                Ok(DirectoryAnswer::Listing(page)) => Response::html(StatusCode::Ok, page),
                Err(error) => cannot_read(request, &error),
            };
        }
        serve_file(request, &path)
    }
}

/// The file server is what chapter 3's connection calls for each request.
/// It never reads a body, so a client that asks `Expect: 100-continue`
/// before uploading gets its 405 (or 404) at once.
impl Handler for FileServer {
    fn respond(&self, request: &Request) -> Response {
        self.handle(request)
    }

    fn reads_body(&self, _head: &Request) -> bool {
        false
    }
}
// ANCHOR_END: file_server

// ANCHOR: refused
/// The answer to a path we will not serve: always the same 404, whatever
/// the reason, so the answer tells an attacker nothing (403 would confirm
/// that something is there). The reason goes to the log for the owner.
fn refused(request: &Request, refusal: Refusal) -> Response {
    if refusal.is_attack() {
        eprintln!("refused {:?}: {refusal}", request.target);
    }
    not_found()
}

fn not_found() -> Response {
    Response::error_page(StatusCode::NotFound, "There is no file at this address.")
}
// ANCHOR_END: refused

/// A file or folder that exists but cannot be read (no permission, or an
/// I/O error): logged, and answered like a missing file.
fn cannot_read(request: &Request, error: &io::Error) -> Response {
    eprintln!("cannot read {:?}: {error}", request.target);
    not_found()
}

// ANCHOR: serve_file
/// The response for the file at `path` (canonical, inside the root):
/// 200, 206, 304 or 416, with the headers a browser needs to cache it and
/// to ask for parts of it.
fn serve_file(request: &Request, path: &Path) -> Response {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) => return cannot_read(request, &error),
    };
    // The metadata of the file we opened, not of the name: if the file is
    // replaced between the two calls, length and contents still agree.
    let metadata = match file.metadata() {
        Ok(metadata) => metadata,
        Err(error) => return cannot_read(request, &error),
    };
    let length = metadata.len();
    let modified = metadata.modified().ok();
    let last_modified = modified.map(http_date);
    let headers = |response: Response| {
        let response = response
            .with_header("Content-Type", content_type(path))
            // "You may ask for parts of this": players and download
            // managers look for it before they send a Range.
            .with_header("Accept-Ranges", "bytes")
            // Use the type we sent, do not guess from the contents: a .txt
            // file full of HTML must not run as a page.
            .with_header("X-Content-Type-Options", "nosniff")
            // Keep a copy, but ask us (If-Modified-Since) each time before
            // using it, so an edited file shows up on the next reload.
            .with_header("Cache-Control", "no-cache");
        match &last_modified {
            Some(date) => response.with_header("Last-Modified", date.clone()),
            None => response,
        }
    };

    if let Some(modified) = modified {
        if not_modified(request.headers.get("If-Modified-Since"), modified) {
            return headers(Response::new(StatusCode::NotModified))
                .with_body(chapter03::response::Body::Omitted { length });
        }
    }

    // If-Range says "only if the file is still the one I have half of";
    // when its date is not our Last-Modified, the client gets it all.
    let range_header = match request.headers.get("If-Range") {
        Some(if_range) if Some(if_range) != last_modified.as_deref() => None,
        _ => request.headers.get("Range"),
    };
    let range = parse_range(range_header, length);
    let (status, start, end) = match range {
        RangeAnswer::Full => (StatusCode::Ok, 0, length),
        RangeAnswer::Partial { start, end } => (StatusCode::PartialContent, start, end + 1),
        RangeAnswer::Unsatisfiable => {
            let response = Response::error_page(
                StatusCode::RangeNotSatisfiable,
                "The range asked for is not inside this file.",
            );
            return match range.content_range(length) {
                Some(content_range) => response.with_header("Content-Range", content_range),
                None => response,
            };
        }
    };
    let body = match file_body(file, start, end - start) {
        Ok(body) => body,
        Err(error) => return cannot_read(request, &error),
    };
    let response = headers(Response::new(status)).with_body(body);
    match range.content_range(length) {
        Some(content_range) => response.with_header("Content-Range", content_range),
        None => response,
    }
}
// ANCHOR_END: serve_file
