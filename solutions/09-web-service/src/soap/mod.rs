//! The SOAP front end: `POST /soap` for calls, `GET /soap?wsdl` for the
//! contract.
//!
//! ```text
//!  POST /soap ─▶ size ≤ MAX_BODY_BYTES? ─▶ XML type? ─▶ UTF-8? ─▶ read_request ─▶ call ─▶ answer (200)
//!                     │ no (unreadable: 400) │ no          │ no       │ fault     │ fault
//!                     ▼                      ▼             ▼          ▼           ▼
//!                 fault, 413             fault, 415      fault, 500 ◀──────────────┘
//! ```
//!
//! - [`envelope`]: reading a request, with the XML defences;
//! - [`fault`]: the four fault codes and what each error becomes;
//! - [`write`](mod@write): writing responses, faults and requests;
//! - [`wsdl`]: the contract;
//! - this file: the handlers, and [`call`], which checks each operation's
//!   parameters and calls the service.

pub mod envelope;
pub mod fault;
pub mod write;
pub mod wsdl;

use axum::body::{Body, to_bytes};
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chapter08::error::rfc9110_reason;
use http_body_util::LengthLimitError;
use serde::Deserialize;

use crate::MAX_BODY_BYTES;
use crate::service::Service;
pub use envelope::{Request, read_request};
pub use fault::{Fault, FaultCode};
pub use write::Answer;

/// The namespace of the guestbook's elements (the WSDL's target namespace).
pub const NAMESPACE: &str = "urn:socket-to-framework:guestbook";
/// SOAP 1.1's envelope namespace.
pub const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2's, which is a VersionMismatch here.
pub const SOAP12_ENV: &str = "http://www.w3.org/2003/05/soap-envelope";
/// The media type of SOAP 1.1 messages, requests and responses.
pub const CONTENT_TYPE_XML: &str = "text/xml; charset=utf-8";

// ANCHOR: call
// ANCHOR: call_signature
/// Runs one request: checks the operation's parameters against the
/// schema's types, and calls the service.
pub async fn call(service: &Service, request: Request) -> Result<Answer, Fault> {
    // ANCHOR_END: call_signature
    // exercise 9.4: Dispatch and answer
    let Request {
        operation,
        mut parameters,
    } = request;
    let mut take = |name: &str| parameters.remove(name);
    let answer = match operation.as_str() {
        "GetTime" => Answer::Time(service.time()),
        "AddEntry" => {
            let name = take("name").ok_or_else(|| missing("name"))?;
            let message = take("message").ok_or_else(|| missing("message"))?;
            Answer::Entry("AddEntry", service.add(&name, &message).await?)
        }
        "ListEntries" => {
            let limit = take("limit")
                .map(|text| integer("limit", &text))
                .transpose()?;
            Answer::Entries(service.list(limit).await?)
        }
        "GetEntry" => {
            let id = take("id").ok_or_else(|| missing("id"))?;
            Answer::Entry("GetEntry", service.get(integer("id", &id)?).await?)
        }
        other => {
            return Err(Fault::client(format!(
                "There is no operation {other}: the WSDL lists GetTime, AddEntry, ListEntries and GetEntry."
            )));
        }
    };
    // What is left was not in the schema: a typo the caller should hear of.
    if let Some(extra) = parameters.keys().next() {
        return Err(Fault::field(
            extra,
            format!("{operation} has no parameter {extra}."),
        ));
    }
    Ok(answer)
    // end exercise
}
// ANCHOR_END: call

fn missing(field: &str) -> Fault {
    Fault::field(field, format!("The {field} is missing."))
}

/// An `xsd:long` or `xsd:int`: optional sign, digits, surrounding spaces
/// allowed (XML Schema collapses them).
fn integer(field: &str, text: &str) -> Result<i64, Fault> {
    text.trim().parse().map_err(|_| {
        Fault::field(
            field,
            format!("The {field} must be a whole number, not {text:?}."),
        )
    })
}

// ANCHOR: handler
/// `POST /soap`: one call, answered with its response or a fault.
pub async fn post(State(service): State<Service>, headers: HeaderMap, body: Body) -> Response {
    // The size first: a Content-Length over the limit is refused before a
    // byte of the body is read, and a body without one stops at the limit.
    let too_large = || {
        let fault = Fault::client(format!(
            "The request is larger than {MAX_BODY_BYTES} bytes."
        ));
        envelope_response(StatusCode::PAYLOAD_TOO_LARGE, write::fault(&fault))
    };
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
        return too_large();
    }
    let bytes = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) if is_length_limit(&error) => return too_large(),
        // The client went away, or sent a broken chunked body.
        Err(error) => {
            let fault = Fault::client(format!("The request's body could not be read: {error}"));
            return envelope_response(StatusCode::BAD_REQUEST, write::fault(&fault));
        }
    };
    if let Err(fault) = check_content_type(&headers) {
        return envelope_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, write::fault(&fault));
    }
    let result = match std::str::from_utf8(&bytes) {
        Ok(xml) => match read_request(xml) {
            Ok(request) => call(&service, request).await,
            Err(fault) => Err(fault),
        },
        Err(_) => Err(Fault::client(
            "The request is not UTF-8, which its charset says it is.",
        )),
    };
    match result {
        Ok(answer) => envelope_response(StatusCode::OK, write::answer(&answer)),
        // SOAP 1.1 over HTTP: every fault about a message is a 500.
        Err(fault) => envelope_response(StatusCode::INTERNAL_SERVER_ERROR, write::fault(&fault)),
    }
}
// ANCHOR_END: handler

/// Whether reading the body stopped at `MAX_BODY_BYTES`.
fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = source {
        if error.is::<LengthLimitError>() {
            return true;
        }
        source = error.source();
    }
    false
}

/// SOAP 1.1 messages are `text/xml`; a charset, if given, must be UTF-8.
/// SOAP 1.2's `application/soap+xml` is let through, so its sender gets
/// the fault that says what is wrong: a VersionMismatch.
fn check_content_type(headers: &HeaderMap) -> Result<(), Fault> {
    let value = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut parts = value.split(';').map(str::trim);
    let media_type = parts.next().unwrap_or("");
    let charset_ok = parts
        .filter_map(|p| p.split_once('='))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("charset"))
        .all(|(_, v)| v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8"));
    let xml = ["text/xml", "application/soap+xml"]
        .iter()
        .any(|t| media_type.eq_ignore_ascii_case(t));
    if xml && charset_ok {
        Ok(())
    } else {
        Err(Fault::client(format!(
            "A SOAP 1.1 request is sent as Content-Type: {CONTENT_TYPE_XML}, not {value:?}."
        )))
    }
}

fn envelope_response(status: StatusCode, xml: String) -> Response {
    let mut response = (status, [(CONTENT_TYPE, CONTENT_TYPE_XML)], xml).into_response();
    // 413's name in RFC 9110, as chapter 8 does.
    if let Some(reason) = rfc9110_reason(status) {
        response.extensions_mut().insert(reason);
    }
    response
}

/// The query of `GET /soap`: `?wsdl` asks for the contract.
#[derive(Debug, Deserialize)]
pub struct WsdlQuery {
    wsdl: Option<String>,
}

/// `GET /soap?wsdl`: the WSDL, pointing at the host the client used, so it
/// works from any address the server is reached by.
pub async fn get(headers: HeaderMap, Query(query): Query<WsdlQuery>) -> Response {
    if query.wsdl.is_none() {
        return (
            StatusCode::NOT_FOUND,
            "Calls are POSTed to /soap; the contract is at GET /soap?wsdl\n",
        )
            .into_response();
    }
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    ([(CONTENT_TYPE, CONTENT_TYPE_XML)], wsdl::wsdl(host)).into_response()
}
