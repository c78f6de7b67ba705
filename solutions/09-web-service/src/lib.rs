//! Chapter 9, a web service: chapter 8's guestbook offered to programs
//! rather than to people, twice. Once as a SOAP 1.1 service, with the
//! WSDL contract a toolkit turns into a client; once as a JSON API, with an
//! OpenAPI document generated from its handlers. Both sit on the same
//! [`Service`], so they agree on every rule and every row.
//!
//! ```text
//!                  ┌─ POST /soap, GET /soap?wsdl ─▶ soap ─┐
//!  TCP ─▶ hyper ─▶ │                                      ├─▶ Service ─▶ chapter 8's SQLite guestbook
//!   (chapter 8's   └─ /api/...  ─────────────────▶ json ─┘
//!    accept loop)
//! ```
//!
//! The map:
//!
//! - [`service`]: the four operations (time, add, list, get), chapter 6's
//!   rules, chapter 8's database, and the errors;
//! - [`soap`]: envelopes in (with the defences an XML parser needs), envelopes
//!   and faults out, the WSDL;
//! - [`json`]: the routes under `/api`, RFC 9457 problems, the OpenAPI
//!   document;
//! - [`client`]: the `client` subcommand, which calls either front end;
//! - this file: [`app`], both front ends in one router with the layers
//!   every request passes, and [`serve`].

pub mod client;
pub mod json;
pub mod service;
pub mod soap;

use std::future::Future;
use std::io;
use std::path::Path;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use chapter08::db::Guestbook;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

pub use service::Service;

/// The largest request body read, SOAP or JSON. The biggest good entry (a
/// 1000-character message, each character written as an XML character
/// reference of up to ten bytes) is about 10 KB; a larger body is
/// answered `413` before more of it is read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long one request may take, body included: chapter 8's limit.
pub const REQUEST_TIMEOUT: Duration = chapter08::REQUEST_TIMEOUT;

/// The page a browser gets at `/`: where the two contracts are.
const INDEX: &str = "<!doctype html>
<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Guestbook service</title></head>
<body><h1>Guestbook service</h1>
<p>This server answers programs, in two ways:</p>
<ul>
<li>SOAP 1.1: POST envelopes to <code>/soap</code>; the contract is the WSDL at <a href=\"/soap?wsdl\">/soap?wsdl</a>.</li>
<li>JSON: <a href=\"/api/time\">/api/time</a>, <a href=\"/api/entries\">/api/entries</a>; the contract is the OpenAPI document at <a href=\"/api/openapi.json\">/api/openapi.json</a>.</li>
</ul></body></html>
";

// ANCHOR: app
/// Both front ends on one router: `/soap` and `/api/...`, with 404 and 405
/// answered as problems, each request limited in size and time, and a
/// panicking handler answered with a 500.
pub fn app(service: Service) -> Router {
    let (api, openapi) = json::router();
    let openapi = serde_json::to_string_pretty(&openapi).expect("the document is plain data");
    Router::new()
        .route("/", get(|| async { Html(INDEX) }))
        .route("/soap", get(soap::get).post(soap::post))
        .route(
            "/api/openapi.json",
            get(move || async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    openapi,
                )
            }),
        )
        .merge(api)
        .fallback(json::not_found)
        .method_not_allowed_fallback(json::method_not_allowed)
        .with_state(service)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(CatchPanicLayer::new())
}
// ANCHOR_END: app

/// Serves the app on `listener` with the guestbook in `data/guestbook.db`
/// (chapter 8's file) until `shutdown` completes, then stops gracefully:
/// chapter 8's accept loop, head deadline and grace period.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()>,
    data: &Path,
) -> io::Result<()> {
    let guestbook = Guestbook::open(data).map_err(io::Error::other)?;
    let config = chapter08::Config::default();
    chapter08::server::run(listener, app(Service::new(guestbook)), shutdown, &config).await
}

/// [`serve`] for callers without a runtime: a std listener (the stage
/// tests' `127.0.0.1:0`), on chapter 8's runtime of two worker threads.
pub fn serve_blocking(
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    data: &Path,
) -> io::Result<()> {
    chapter08::on_a_runtime(listener, |listener| serve(listener, shutdown, data))
}
