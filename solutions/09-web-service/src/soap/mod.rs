//! The SOAP front end: `POST /soap` for calls, `GET /soap?wsdl` for the
//! contract.
//!
//! ```text
//!  POST /soap ─▶ size ≤ MAX_BODY_BYTES? ─▶ text/xml? ─▶ UTF-8? ─▶ read_request ─▶ call ─▶ answer
//!                     │ no: 413              │ no: 415     │ no       │ fault     │ fault
//!                     ▼                      ▼             ▼          ▼           ▼
//!                   fault envelope ◀───────────────────────────────────────────── (HTTP 500)
//! ```
//!
//! - [`envelope`]: reading a request, with the XML defences;
//! - [`fault`]: the four fault codes and what each error becomes;
//! - [`write`]: writing responses, faults and requests;
//! - [`wsdl`]: the contract;
//! - this file: the handlers, and [`call`], which checks each operation's
//!   parameters and calls the service.

pub mod envelope;
pub mod fault;
pub mod write;
pub mod wsdl;

use axum::body::{Body, to_bytes};
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
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
    // The size first, before reading more than the limit.
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        let fault = Fault::client(format!(
            "The request is larger than {MAX_BODY_BYTES} bytes."
        ));
        return envelope_response(StatusCode::PAYLOAD_TOO_LARGE, write::fault(&fault));
    };
    if let Err(fault) = check_content_type(&headers) {
        return envelope_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, write::fault(&fault));
    }
    let Ok(xml) = std::str::from_utf8(&bytes) else {
        let fault = Fault::client("The request is not UTF-8, which its charset says it is.");
        return envelope_response(StatusCode::INTERNAL_SERVER_ERROR, write::fault(&fault));
    };
    let result = match read_request(xml) {
        Ok(request) => call(&service, request).await,
        Err(fault) => Err(fault),
    };
    match result {
        Ok(answer) => envelope_response(StatusCode::OK, write::answer(&answer)),
        // SOAP 1.1 over HTTP: every fault is a 500.
        Err(fault) => envelope_response(StatusCode::INTERNAL_SERVER_ERROR, write::fault(&fault)),
    }
}
// ANCHOR_END: handler

/// SOAP 1.1 messages are `text/xml`; a charset, if given, must be UTF-8.
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
    if media_type.eq_ignore_ascii_case("text/xml") && charset_ok {
        Ok(())
    } else {
        Err(Fault::client(format!(
            "A SOAP 1.1 request is sent as Content-Type: {CONTENT_TYPE_XML}, not {value:?}."
        )))
    }
}

fn envelope_response(status: StatusCode, xml: String) -> Response {
    (status, [(CONTENT_TYPE, CONTENT_TYPE_XML)], xml).into_response()
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
