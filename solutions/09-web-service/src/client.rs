//! The `client` subcommand: one call, over SOAP or JSON, printed for a
//! person. The same four operations, two wire formats; a fault or a
//! problem comes back as a [`CallError`] that shows its code and reasons.

use std::fmt;
use std::time::Duration;

use quick_xml::NsReader;
use quick_xml::events::Event;
use reqwest::header::CONTENT_TYPE;

use crate::json::{EntryList, Problem, Time};
use crate::service::{Entry, FieldError};
use crate::soap::envelope::resolve_reference;
use crate::soap::{CONTENT_TYPE_XML, Fault, FaultCode, write};

/// How long one call may take, answer included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Which front end to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Soap,
    Json,
}

/// One call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    Time,
    List { limit: Option<i64> },
    Get { id: i64 },
    Add { name: String, message: String },
}

/// What a call returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Time(String),
    Entry(Entry),
    Entries(Vec<Entry>),
}

/// Why a call failed.
#[derive(Debug)]
pub enum CallError {
    /// No answer: the server is not there, or the connection broke.
    Transport(reqwest::Error),
    /// The SOAP service answered with a fault.
    Fault(Fault),
    /// The JSON service answered with a problem.
    Problem(Problem),
    /// An answer that is neither a result nor an error we know.
    Unexpected(String),
}

impl From<reqwest::Error> for CallError {
    fn from(error: reqwest::Error) -> CallError {
        CallError::Transport(error)
    }
}

// ANCHOR: call
/// Calls `operation` on the server at `addr` (`HOST:PORT`) through `api`.
pub async fn call(addr: &str, api: Api, operation: &Operation) -> Result<Outcome, CallError> {
    // A server that accepts and never answers must not hang the client.
    let http = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(CallError::Transport)?;
    match api {
        Api::Soap => call_soap(&http, addr, operation).await,
        Api::Json => call_json(&http, addr, operation).await,
    }
}
// ANCHOR_END: call

// ANCHOR: call_soap
// ANCHOR: call_soap_signature
async fn call_soap(
    http: &reqwest::Client,
    addr: &str,
    operation: &Operation,
) -> Result<Outcome, CallError> {
    // ANCHOR_END: call_soap_signature
    // exercise 9.7: The client
    let (name, parameters) = match operation {
        Operation::Time => ("GetTime", vec![]),
        Operation::List { limit } => (
            "ListEntries",
            limit.iter().map(|l| ("limit", l.to_string())).collect(),
        ),
        Operation::Get { id } => ("GetEntry", vec![("id", id.to_string())]),
        Operation::Add { name, message } => (
            "AddEntry",
            vec![("name", name.clone()), ("message", message.clone())],
        ),
    };
    let response = http
        .post(format!("http://{addr}/soap"))
        .header(CONTENT_TYPE, CONTENT_TYPE_XML)
        .header(
            "SOAPAction",
            format!("\"urn:socket-to-framework:guestbook#{name}\""),
        )
        .body(write::request(name, &parameters))
        .send()
        .await?;
    let xml = response.text().await?;
    let leaves = leaves(&xml).map_err(CallError::Unexpected)?;
    if let Some(code) = leaf(&leaves, "faultcode") {
        return Err(CallError::Fault(fault_from(&leaves, code)));
    }
    let entries = entries_from(&leaves)?;
    Ok(match operation {
        Operation::Time => Outcome::Time(
            leaf(&leaves, "time")
                .ok_or_else(|| CallError::Unexpected(xml.clone()))?
                .to_string(),
        ),
        Operation::List { .. } => Outcome::Entries(entries),
        _ => Outcome::Entry(
            entries
                .into_iter()
                .next()
                .ok_or_else(|| CallError::Unexpected(xml.clone()))?,
        ),
    })
    // end exercise
}
// ANCHOR_END: call_soap

// ANCHOR: call_json
// ANCHOR: call_json_signature
async fn call_json(
    http: &reqwest::Client,
    addr: &str,
    operation: &Operation,
) -> Result<Outcome, CallError> {
    // ANCHOR_END: call_json_signature
    // exercise 9.7: The client
    let base = format!("http://{addr}/api");
    let request = match operation {
        Operation::Time => http.get(format!("{base}/time")),
        Operation::List { limit: None } => http.get(format!("{base}/entries")),
        Operation::List { limit: Some(n) } => http.get(format!("{base}/entries?limit={n}")),
        Operation::Get { id } => http.get(format!("{base}/entries/{id}")),
        Operation::Add { name, message } => http
            .post(format!("{base}/entries"))
            .json(&serde_json::json!({ "name": name, "message": message })),
    };
    let response = request.send().await?;
    let status = response.status();
    let body = response.text().await?;
    if !status.is_success() {
        return Err(match serde_json::from_str::<Problem>(&body) {
            Ok(problem) => CallError::Problem(problem),
            Err(_) => CallError::Unexpected(format!("{status}: {body}")),
        });
    }
    let unexpected = |_| CallError::Unexpected(body.clone());
    Ok(match operation {
        Operation::Time => Outcome::Time(
            serde_json::from_str::<Time>(&body)
                .map_err(unexpected)?
                .time,
        ),
        Operation::List { .. } => Outcome::Entries(
            serde_json::from_str::<EntryList>(&body)
                .map_err(unexpected)?
                .entries,
        ),
        _ => Outcome::Entry(serde_json::from_str(&body).map_err(unexpected)?),
    })
    // end exercise
}
// ANCHOR_END: call_json

/// Every element that holds only text, as (its parent's local name, its
/// own, the text), in document order: enough to read our responses.
fn leaves(xml: &str) -> Result<Vec<(String, String, String)>, String> {
    let mut reader = NsReader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut leaves = Vec::new();
    loop {
        match reader.read_event().map_err(|e| format!("not XML: {e}"))? {
            Event::Start(start) => {
                path.push(start.local_name().as_ref().to_string());
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(reference) => {
                let c = resolve_reference(&reference).map_err(|fault| fault.string)?;
                text.push(c);
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let parent = path.last().cloned().unwrap_or_default();
                leaves.push((parent, name, std::mem::take(&mut text)));
            }
            Event::Eof => return Ok(leaves),
            _ => {}
        }
    }
}

fn leaf<'a>(leaves: &'a [(String, String, String)], name: &str) -> Option<&'a str> {
    leaves
        .iter()
        .find(|(_, n, _)| n == name)
        .map(|(_, _, text)| text.as_str())
}

fn fault_from(leaves: &[(String, String, String)], code: &str) -> Fault {
    let code = match code.rsplit(':').next().unwrap_or(code) {
        "Client" => FaultCode::Client,
        "VersionMismatch" => FaultCode::VersionMismatch,
        "MustUnderstand" => FaultCode::MustUnderstand,
        _ => FaultCode::Server,
    };
    let of_problems = |name: &'static str| {
        leaves
            .iter()
            .filter(move |(parent, n, _)| parent == "Problem" && n == name)
            .map(|(_, _, text)| text.clone())
    };
    let problems = of_problems("field")
        .zip(of_problems("reason"))
        .map(|(field, reason)| FieldError { field, reason })
        .collect();
    Fault {
        code,
        string: leaf(leaves, "faultstring").unwrap_or("").to_string(),
        problems,
    }
}

/// The entries of a response, each from its four leaves.
fn entries_from(leaves: &[(String, String, String)]) -> Result<Vec<Entry>, CallError> {
    let fields: Vec<&(String, String, String)> = leaves
        .iter()
        .filter(|(parent, _, _)| parent == "entry")
        .collect();
    fields
        .chunks(4)
        .map(|chunk| {
            let get = |name: &str| {
                chunk
                    .iter()
                    .find(|(_, n, _)| n == name)
                    .map(|(_, _, text)| text.clone())
                    .ok_or_else(|| CallError::Unexpected(format!("an entry without {name}")))
            };
            Ok(Entry {
                id: get("id")?.trim().parse().map_err(|_| {
                    CallError::Unexpected("an entry id that is not a number".into())
                })?,
                name: get("name")?,
                message: get("message")?,
                created: get("created")?,
            })
        })
        .collect()
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Time(time) => writeln!(f, "{time}"),
            Outcome::Entry(entry) => write_entry(f, entry),
            Outcome::Entries(entries) if entries.is_empty() => writeln!(f, "(no entries)"),
            Outcome::Entries(entries) => entries.iter().try_for_each(|e| write_entry(f, e)),
        }
    }
}

fn write_entry(f: &mut fmt::Formatter<'_>, entry: &Entry) -> fmt::Result {
    writeln!(
        f,
        "#{}  {}  {}: {}",
        entry.id, entry.created, entry.name, entry.message
    )
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Transport(error) => write!(f, "no answer: {error}"),
            CallError::Fault(fault) => {
                write!(f, "fault {}: {}", fault.code.qualified(), fault.string)?;
                fault
                    .problems
                    .iter()
                    .try_for_each(|p| write!(f, "\n  {}: {}", p.field, p.reason))
            }
            CallError::Problem(problem) => {
                write!(
                    f,
                    "problem {} {}: {}",
                    problem.status, problem.title, problem.detail
                )?;
                problem
                    .errors
                    .iter()
                    .try_for_each(|p| write!(f, "\n  {}: {}", p.field, p.reason))
            }
            CallError::Unexpected(answer) => {
                write!(f, "an answer this client does not understand: {answer}")
            }
        }
    }
}
