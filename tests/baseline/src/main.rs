//! The yardstick of `course bench`: a bare axum server that answers
//! `GET /` with exactly the bytes chapter 3's server sends for it.
//!
//! ```text
//! baseline [--addr HOST:PORT]
//! ```
//!
//! The page and its `Content-Type` come from chapter 3's own route (which
//! serves chapter 2's home page), asked once at start-up, so the bench
//! compares servers doing the same work. `Date` and `Server` differ, as
//! they do between any two servers; the bench checks only the status and
//! the body.
//!
//! Run with `cargo run --release -p baseline -- --addr 127.0.0.1:7878`; it
//! prints `listening on http://ADDR` once bound, like the chapters' servers.

use std::process::ExitCode;

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use chapter03::{Body, Headers, Method, Request, Version};

const USAGE: &str = "\
usage: baseline [--addr HOST:PORT]

A bare axum server that answers GET / with chapter 3's home page, for
`cargo run -p course -- bench` to measure the chapters' servers against.

options:
  --addr HOST:PORT  where to listen [default: 127.0.0.1:7878]
  -h, --help        print this help";

const DEFAULT_ADDR: &str = "127.0.0.1:7878";

fn main() -> ExitCode {
    let addr = match parse_args(std::env::args().skip(1)) {
        Ok(Some(addr)) => addr,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("error: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match serve(&addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::FAILURE
        }
    }
}

/// Binds `addr`, says where, and answers `GET /` until the process is
/// killed (the bench kills it when it is done).
#[tokio::main]
async fn serve(addr: &str) -> Result<(), String> {
    let (content_type, body) = home_page()?;
    // `Bytes` and `HeaderValue` clone by bumping a reference count, so each
    // request costs no copy of the page.
    let app = Router::new().route(
        "/",
        get(move || async move { ([(CONTENT_TYPE, content_type)], body) }),
    );
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on http://{bound}");
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}

/// The `Content-Type` and body chapter 3's site answers `GET /` with.
fn home_page() -> Result<(HeaderValue, Bytes), String> {
    let request = Request {
        method: Method::Get,
        target: "/".to_string(),
        path: "/".to_string(),
        query: Vec::new(),
        version: Version::Http11,
        headers: Headers::new(),
        body: Vec::new(),
    };
    let response = chapter03::site::route(&request);
    let content_type = response
        .header("Content-Type")
        .ok_or("chapter 3's GET / has no Content-Type")?;
    let content_type = HeaderValue::from_str(content_type).map_err(|e| e.to_string())?;
    match response.body {
        Body::Bytes(bytes) => Ok((content_type, Bytes::from(bytes))),
        other => Err(format!("chapter 3's GET / body is {other:?}, not bytes")),
    }
}

/// The address to listen on, `None` for `--help`, or what is wrong.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<String>, String> {
    let mut args = args.into_iter();
    let mut addr = DEFAULT_ADDR.to_string();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--addr" => {
                addr = args
                    .next()
                    .ok_or("--addr needs a value, like --addr 127.0.0.1:7878")?
            }
            _ => match arg.strip_prefix("--addr=") {
                Some(value) => addr = value.to_string(),
                None => return Err(format!("unexpected argument {arg:?}")),
            },
        }
    }
    Ok(Some(addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_chapter_2s_home_page_as_html() {
        let (content_type, body) = home_page().unwrap();
        assert_eq!(content_type, "text/html; charset=utf-8");
        assert_eq!(&body[..], chapter02::site::HOME_PAGE.as_bytes());
    }
}
