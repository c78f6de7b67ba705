//! The yardstick of `course bench`: a bare axum server that answers
//! `GET /` with exactly the bytes chapter 3's server sends for it.
//!
//! ```text
//! baseline [--addr HOST:PORT] [--body FILE --content-type VALUE]
//! ```
//!
//! By default the page and its `Content-Type` come from chapter 3's own
//! route (which serves chapter 2's home page), asked once at start-up, so
//! the bench compares servers doing the same work. For a server with
//! another home page (chapter 8 serves chapter 6's app), the bench saves
//! that page to a file and passes it with `--body` and `--content-type`. `Date` and `Server` differ, as
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
usage: baseline [--addr HOST:PORT] [--body FILE --content-type VALUE]

A bare axum server that answers GET / with chapter 3's home page (or the
given one), for `cargo run -p course -- bench` to measure the chapters'
servers against.

options:
  --addr HOST:PORT        where to listen [default: 127.0.0.1:7878]
  --body FILE             answer GET / with this file's bytes instead
  --content-type VALUE    and this Content-Type (required with --body)
  -h, --help              print this help";

const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// What the command line asks for.
#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    addr: String,
    /// The page to serve instead of chapter 3's: a file and a content type.
    page: Option<(String, String)>,
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("error: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match serve(&options) {
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
async fn serve(options: &Options) -> Result<(), String> {
    let addr = &options.addr;
    let (content_type, body) = match &options.page {
        None => home_page()?,
        Some((file, content_type)) => {
            let body = std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))?;
            let content_type = HeaderValue::from_str(content_type).map_err(|e| e.to_string())?;
            (content_type, Bytes::from(body))
        }
    };
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

/// The options, `None` for `--help`, or what is wrong.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut args = args.into_iter();
    let mut addr = DEFAULT_ADDR.to_string();
    let mut body = None;
    let mut content_type = None;
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{name} needs a value"))
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--addr" => addr = value()?,
            "--body" => body = Some(value()?),
            "--content-type" => content_type = Some(value()?),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    let page = match (body, content_type) {
        (Some(body), Some(content_type)) => Some((body, content_type)),
        (None, None) => None,
        _ => return Err("--body and --content-type go together".to_string()),
    };
    Ok(Some(Options { addr, page }))
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

    #[test]
    fn reads_the_options() {
        let parse = |args: &[&str]| parse_args(args.iter().map(|a| a.to_string()));
        assert_eq!(
            parse(&[]).unwrap(),
            Some(Options {
                addr: DEFAULT_ADDR.into(),
                page: None
            })
        );
        assert_eq!(
            parse(&[
                "--addr=127.0.0.1:0",
                "--body",
                "p.html",
                "--content-type",
                "text/html"
            ])
            .unwrap(),
            Some(Options {
                addr: "127.0.0.1:0".into(),
                page: Some(("p.html".into(), "text/html".into()))
            })
        );
        assert_eq!(parse(&["--help"]).unwrap(), None);
        assert!(
            parse(&["--body", "p.html"])
                .unwrap_err()
                .contains("go together")
        );
        assert!(parse(&["--port", "1"]).unwrap_err().contains("--port"));
    }
}
