//! Reading a SOAP 1.1 request: the envelope, its header blocks, and the one
//! element in its body that names the operation and holds its parameters.
//!
//! ```text
//! <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">  depth 1
//!   <soap:Header> ...header blocks, each may say mustUnderstand="1"   depth 2, 3
//!   <soap:Body>                                                          depth 2
//!     <g:AddEntry xmlns:g="urn:socket-to-framework:guestbook">           depth 3: the operation
//!       <g:name>Ada</g:name>                                             depth 4: a parameter
//!       <g:message>Hello</g:message>
//! ```
//!
//! The reader is quick-xml's `NsReader`: it hands over one event at a time
//! with each name resolved to its namespace, so the checks run while
//! reading, and nothing of the input is kept but the parameters' text.
//! XML parsers are an attack surface, and each defence is here:
//!
//! - a `<!DOCTYPE` is refused, so no entity is ever defined: no "billion
//!   laughs" (entities that expand to entities, a kilobyte becoming
//!   gigabytes) and no external entity (`SYSTEM "file:///etc/passwd"`,
//!   which a parser that resolves it reads and pastes into the document).
//!   quick-xml never expands entities anyway; refusing the DOCTYPE says so
//!   to the caller instead of failing on an undefined entity later;
//! - [`MAX_DEPTH`] and [`MAX_ELEMENTS`] bound the work one request can ask
//!   for, and the body's size is bounded before it is read
//!   (`crate::MAX_BODY_BYTES`).

use std::collections::BTreeMap;

use quick_xml::NsReader;
#[expect(unused_imports, reason = "until you write exercise 9.2")]
use quick_xml::XmlVersion;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};

use super::fault::Fault;
#[expect(unused_imports, reason = "until you write exercise 9.2")]
use super::{NAMESPACE, SOAP_ENV, SOAP12_ENV};
#[expect(unused_imports, reason = "until you write exercise 9.1")]
use crate::service::is_xml_char;

/// The deepest nesting read: a request needs four levels (envelope, body,
/// operation, parameter); a header block may have a few more.
pub const MAX_DEPTH: usize = 16;
/// The most elements read in one request: ours have at most six.
pub const MAX_ELEMENTS: usize = 256;

// ANCHOR: budget
/// What one request may cost the reader: its depth and its elements so
/// far. Every event passes [`Budget::admit`] before it is looked at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Budget {
    /// How many elements are open now.
    pub depth: usize,
    /// How many elements have started so far.
    pub elements: usize,
}

impl Budget {
    // ANCHOR: admit_signature
    /// Lets `event` through, or says with a Client fault why not: a
    /// DOCTYPE or a processing instruction, an element too many or too
    /// deep. Keeps count of the depth (an `End` closes one level).
    #[expect(unused_variables, reason = "until you write exercise 9.1")]
    pub fn admit(&mut self, event: &Event<'_>) -> Result<(), Fault> {
        // ANCHOR_END: admit_signature
        todo!(
            "exercise 9.1: Guard the parser (read book/src/ch09-web-service.md#exercise-91-guard-the-parser)"
        )
    }
}
// ANCHOR_END: budget

/// The actor that means "the next SOAP node": us.
pub const ACTOR_NEXT: &str = "http://schemas.xmlsoap.org/soap/actor/next";

/// A request, read: the operation's name and its parameters' text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The operation: the local name of the body's element (`AddEntry`).
    pub operation: String,
    /// Each parameter by its local name, with its text, entities resolved.
    pub parameters: BTreeMap<String, String>,
}

/// Where the reader is in the envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[expect(dead_code, reason = "until you write exercise 9.2")]
enum Place {
    /// Before the envelope's start tag.
    Outside,
    /// Inside `Envelope`, before its `Header` or `Body`.
    Envelope,
    /// Inside `Header`, between header blocks.
    Header,
    /// Inside a header block, which opened at this depth.
    HeaderBlock { depth: usize },
    /// Inside `Envelope`, after the `Header`: only the `Body` may come.
    AfterHeader,
    /// Inside `Body`, before its element.
    Body,
    /// Inside the operation's element.
    Operation,
    /// Inside a parameter's element.
    Parameter,
    /// Inside `Body`, after its element.
    AfterOperation,
    /// Inside `Envelope`, after the `Body`.
    AfterBody,
    /// After the envelope's end tag.
    Done,
}

// ANCHOR: read_request
// ANCHOR: read_request_signature
/// Reads a SOAP 1.1 request from `xml`, or the fault that says why it is
/// not one.
#[expect(unused_variables, reason = "until you write exercise 9.2")]
pub fn read_request(xml: &str) -> Result<Request, Fault> {
    // ANCHOR_END: read_request_signature
    todo!(
        "exercise 9.2: Read the envelope (read book/src/ch09-web-service.md#exercise-92-read-the-envelope)"
    )
}
// ANCHOR_END: read_request

/// An XML declaration may only open the document, and say XML 1.0 in
/// UTF-8: the only version and encoding SOAP 1.1 over HTTP here speaks.
#[expect(dead_code, reason = "until you write exercise 9.2")]
fn check_declaration(decl: &BytesDecl<'_>, first: bool) -> Result<(), Fault> {
    if !first {
        return Err(Fault::client(
            "An XML declaration (<?xml ...?>) may only open the document.",
        ));
    }
    let version = decl
        .version()
        .map_err(|e| Fault::client(format!("A bad XML declaration: {e}")))?;
    if version != "1.0" {
        return Err(Fault::client(format!(
            "The document is XML {version}; this service reads XML 1.0."
        )));
    }
    if let Some(encoding) = decl.encoding() {
        let encoding =
            encoding.map_err(|e| Fault::client(format!("A bad XML declaration: {e}")))?;
        if !encoding.eq_ignore_ascii_case("utf-8") {
            return Err(Fault::client(format!(
                "The document says it is in {encoding}; send UTF-8."
            )));
        }
    }
    Ok(())
}

/// Checks the document's first element: a SOAP 1.1 `Envelope`. An envelope
/// of another version is a VersionMismatch fault, as SOAP 1.1 says.
#[expect(dead_code, reason = "until you write exercise 9.2")]
fn enter_envelope(namespace: Option<&str>, local: &str) -> Result<(), Fault> {
    match (namespace, local) {
        (Some(SOAP_ENV), "Envelope") => Ok(()),
        (Some(SOAP12_ENV), "Envelope") => Err(Fault::version_mismatch(
            "This is a SOAP 1.2 envelope; this service speaks SOAP 1.1 (namespace http://schemas.xmlsoap.org/soap/envelope/).",
        )),
        (_, "Envelope") => Err(Fault::version_mismatch(format!(
            "The Envelope is in the namespace {}; SOAP 1.1's is {SOAP_ENV}.",
            namespace.unwrap_or("(none)")
        ))),
        _ => Err(Fault::client(format!(
            "The document is a {local}, not a SOAP Envelope."
        ))),
    }
}

// ANCHOR: check_header_block
// ANCHOR: check_header_block_signature
/// A header block we are told we must understand is one we cannot obey:
/// we understand none, so it is a MustUnderstand fault. A block for
/// another node (its `actor` is not us, the next one) is not ours to
/// judge, and a block without the mark may be ignored, as SOAP allows.
#[expect(dead_code, unused_variables, reason = "until you write exercise 9.2")]
fn check_header_block<R>(
    reader: &NsReader<R>,
    start: &BytesStart<'_>,
    local: &str,
) -> Result<(), Fault> {
    // ANCHOR_END: check_header_block_signature
    todo!(
        "exercise 9.2: Read the envelope (read book/src/ch09-web-service.md#exercise-92-read-the-envelope)"
    )
}
// ANCHOR_END: check_header_block

// ANCHOR: resolve_reference
// ANCHOR: resolve_reference_signature
/// The character a reference in text stands for: a character reference
/// (`&#60;`, `&#x1F600;`) or one of XML's five predefined entities. With
/// no DOCTYPE, no other entity can exist.
#[expect(unused_variables, reason = "until you write exercise 9.1")]
pub fn resolve_reference(reference: &BytesRef<'_>) -> Result<char, Fault> {
    // ANCHOR_END: resolve_reference_signature
    todo!(
        "exercise 9.1: Guard the parser (read book/src/ch09-web-service.md#exercise-91-guard-the-parser)"
    )
}
// ANCHOR_END: resolve_reference

/// The namespace a name resolved to, as text; `None` when unbound.
#[expect(dead_code, reason = "until you write exercise 9.2")]
fn namespace_of(resolved: &ResolveResult<'_>) -> Option<String> {
    match resolved {
        ResolveResult::Bound(Namespace(namespace)) => Some(namespace.to_string()),
        _ => None,
    }
}
