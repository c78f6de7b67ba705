//! The JSON front end: the same four operations as resources under
//! `/api`, errors as RFC 9457 problems, and the OpenAPI document generated
//! from these handlers.
//!
//! ```text
//! GET  /api/time              200 {"time": "..."}
//! GET  /api/entries?limit=N   200 {"entries": [...]}             422 a bad limit
//! POST /api/entries           201 the entry, Location: its URL   400 not JSON, 413, 415, 422
//! GET  /api/entries/{id}      200 the entry                      404
//! GET  /api/openapi.json      the contract of all the above
//! ```
//!
//! Each handler carries a `#[utoipa::path]` that says what it answers,
//! and utoipa-axum's `routes!` registers the handler and its description
//! together: the document cannot list a route the router lacks, or miss
//! one it has.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
#[expect(unused_imports, reason = "until you write exercise 9.6")]
use axum::http::header::{CONTENT_TYPE, LOCATION};
#[expect(unused_imports, reason = "until you write exercise 9.6")]
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use chapter08::error::rfc9110_reason;

use crate::MAX_BODY_BYTES;
#[expect(unused_imports, reason = "until you write exercise 9.6")]
use crate::service::{DEFAULT_LIMIT, Entry, FieldError, MAX_LIMIT, Service, ServiceError};

/// The media type of a problem (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The document's title and version, and the types it names.
#[derive(OpenApi)]
#[openapi(info(
    title = "Guestbook",
    version = "1.0.0",
    description = "The guestbook of chapters 6 and 8, as JSON."
))]
struct ApiDoc;

// ANCHOR: router
/// The JSON routes, and the OpenAPI document that describes them.
pub fn router() -> (axum::Router<Service>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(time))
        .routes(routes!(list, add))
        .routes(routes!(get))
        .split_for_parts()
}
// ANCHOR_END: router

/// `{"time": "..."}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Time {
    /// The server's time, RFC 3339, UTC.
    #[schema(format = DateTime)]
    pub time: String,
}

/// `{"entries": [...]}`, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EntryList {
    pub entries: Vec<Entry>,
}

/// A new entry. Both fields are trimmed, then must hold something other
/// than whitespace, and no control character but tab, line feed and
/// carriage return (which XML, and so the SOAP service, could not carry).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEntry {
    // The pattern: allowed characters, at least one of them not a space.
    #[serde(default)]
    #[schema(
        required,
        max_length = 100,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]*[^\s\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF][^\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]*$"
    )]
    pub name: String,
    #[serde(default)]
    #[schema(
        required,
        max_length = 1000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]*[^\s\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF][^\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]*$"
    )]
    pub message: String,
}

/// The query of `GET /api/entries`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// How many entries, newest first: 1 to 100, 20 when left out.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

// ANCHOR: problem
/// An error, as RFC 9457 writes one: a `type` that identifies the kind
/// of problem, a `title` for it, the HTTP `status`, a `detail` about this
/// occurrence, and for invalid input the fields at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// `about:blank` when the status says it all; a URN of ours otherwise.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Each field at fault and why (422 only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    /// A problem that its status names: `type` is `about:blank`, and the
    /// title is the status's reason phrase, as RFC 9457 asks.
    pub fn status(status: StatusCode, detail: impl Into<String>) -> Problem {
        let title = match rfc9110_reason(status) {
            Some(reason) => String::from_utf8_lossy(reason.as_bytes()).into_owned(),
            None => status.canonical_reason().unwrap_or("Error").to_string(),
        };
        Problem {
            kind: "about:blank".to_string(),
            title,
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// A 422 listing the fields at fault.
    pub fn invalid(errors: Vec<FieldError>) -> Problem {
        Problem {
            kind: "urn:socket-to-framework:problem:invalid-input".to_string(),
            title: "The input is not valid".to_string(),
            status: StatusCode::UNPROCESSABLE_ENTITY.as_u16(),
            detail: errors
                .iter()
                .map(|e| e.reason.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            errors,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&self).expect("a problem is plain data");
        let mut response = (status, [(CONTENT_TYPE, PROBLEM_JSON)], body).into_response();
        // The status line says what the title says: RFC 9110's name.
        if let Some(reason) = rfc9110_reason(status) {
            response.extensions_mut().insert(reason);
        }
        response
    }
}

impl From<ServiceError> for Problem {
    fn from(error: ServiceError) -> Problem {
        match error {
            ServiceError::Invalid(errors) => Problem::invalid(errors),
            ServiceError::NotFound(id) => {
                Problem::status(StatusCode::NOT_FOUND, format!("There is no entry {id}."))
            }
            ServiceError::Storage(error) => {
                tracing::error!(%error, "a JSON request failed");
                Problem::status(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The service failed; try again later.",
                )
            }
        }
    }
}

impl From<JsonRejection> for Problem {
    /// axum's reasons for not reading a JSON body, as problems.
    fn from(rejection: JsonRejection) -> Problem {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Problem::status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the entry as Content-Type: application/json.",
            ),
            JsonRejection::JsonSyntaxError(error) => Problem::status(
                StatusCode::BAD_REQUEST,
                format!("The body is not JSON: {}", error.body_text()),
            ),
            JsonRejection::JsonDataError(error) => {
                // serde names the field in its message: "name: invalid type: ...".
                let text = error.body_text();
                let detail = text.rsplit("target type: ").next().unwrap_or(&text);
                let field = match detail.split_once(": ") {
                    Some((field, _)) if !field.contains(' ') => field,
                    _ => "body",
                };
                Problem::invalid(vec![FieldError::new(field, detail)])
            }
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Problem::status(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("The body is larger than {MAX_BODY_BYTES} bytes."),
            ),
            other => Problem::status(other.status(), other.body_text()),
        }
    }
}
// ANCHOR_END: problem

// ANCHOR: handlers
/// The server's time.
#[utoipa::path(get, path = "/api/time", responses(
    (status = 200, description = "The time", body = Time),
))]
async fn time(State(service): State<Service>) -> Json<Time> {
    Json(Time {
        time: service.time(),
    })
}

// ANCHOR: list_signature
/// The newest entries first.
#[utoipa::path(get, path = "/api/entries", params(ListQuery), responses(
    (status = 200, description = "The entries, newest first", body = EntryList),
    (status = 422, description = "The limit is not 1 to 100", body = Problem, content_type = PROBLEM_JSON),
    (status = 500, description = "The service failed", body = Problem, content_type = PROBLEM_JSON),
))]
#[expect(unused_variables, reason = "until you write exercise 9.6")]
async fn list(
    State(service): State<Service>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<EntryList>, Problem> {
    // ANCHOR_END: list_signature
    todo!("exercise 9.6: The JSON API (read book/src/ch09-web-service.md#exercise-96-the-json-api)")
}

// ANCHOR: add_signature
/// Stores an entry.
#[utoipa::path(post, path = "/api/entries", request_body = NewEntry, responses(
    (status = 201, description = "Stored", body = Entry,
        headers(("Location" = String, description = "The new entry's URL"))),
    (status = 400, description = "The body is not JSON", body = Problem, content_type = PROBLEM_JSON),
    (status = 413, description = "The body is too large", body = Problem, content_type = PROBLEM_JSON),
    (status = 415, description = "The body is not application/json", body = Problem, content_type = PROBLEM_JSON),
    (status = 422, description = "A field breaks the rules", body = Problem, content_type = PROBLEM_JSON),
    (status = 500, description = "The service failed", body = Problem, content_type = PROBLEM_JSON),
))]
#[expect(unused_variables, reason = "until you write exercise 9.6")]
async fn add(
    State(service): State<Service>,
    body: Result<Json<NewEntry>, JsonRejection>,
) -> Result<Response, Problem> {
    // ANCHOR_END: add_signature
    todo!("exercise 9.6: The JSON API (read book/src/ch09-web-service.md#exercise-96-the-json-api)")
}

// ANCHOR: get_signature
/// One entry.
#[utoipa::path(get, path = "/api/entries/{id}", params(("id" = i64, Path, description = "The entry's id")), responses(
    (status = 200, description = "The entry", body = Entry),
    (status = 404, description = "No entry has this id", body = Problem, content_type = PROBLEM_JSON),
    (status = 500, description = "The service failed", body = Problem, content_type = PROBLEM_JSON),
))]
#[expect(unused_variables, reason = "until you write exercise 9.6")]
async fn get(
    State(service): State<Service>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Entry>, Problem> {
    // ANCHOR_END: get_signature
    todo!("exercise 9.6: The JSON API (read book/src/ch09-web-service.md#exercise-96-the-json-api)")
}
// ANCHOR_END: handlers

/// Any path no route has: a 404 problem.
pub async fn not_found() -> Problem {
    Problem::status(StatusCode::NOT_FOUND, "There is nothing at this path.")
}

/// A method the path's route does not take: a 405 problem. axum adds
/// the `Allow` header with the methods it does take.
pub async fn method_not_allowed() -> Problem {
    Problem::status(
        StatusCode::METHOD_NOT_ALLOWED,
        "This path does not take that method; Allow lists those it does.",
    )
}
