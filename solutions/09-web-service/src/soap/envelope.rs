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
use quick_xml::XmlVersion;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};

use super::fault::Fault;
use super::{NAMESPACE, SOAP_ENV, SOAP12_ENV};
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
    pub fn admit(&mut self, event: &Event<'_>) -> Result<(), Fault> {
        // ANCHOR_END: admit_signature
        // exercise 9.1: Guard the parser
        match event {
            // No DOCTYPE, no entity definitions: nothing to expand and no
            // external file to fetch, whatever the rest says.
            Event::DocType(_) => Err(Fault::client(
                "A DOCTYPE is not allowed in a SOAP message: no entities are defined, internal or external.",
            )),
            // SOAP 1.1 forbids them (section 3), and no parser should act
            // on one from a stranger.
            Event::PI(_) => Err(Fault::client(
                "A processing instruction is not allowed in a SOAP message.",
            )),
            Event::Start(_) | Event::Empty(_) => {
                self.elements += 1;
                if self.elements > MAX_ELEMENTS {
                    return Err(Fault::client(format!(
                        "The message has more than {MAX_ELEMENTS} elements."
                    )));
                }
                if matches!(event, Event::Start(_)) {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(Fault::client(format!(
                            "The message nests elements more than {MAX_DEPTH} deep."
                        )));
                    }
                }
                Ok(())
            }
            Event::End(_) => {
                self.depth = self.depth.saturating_sub(1);
                Ok(())
            }
            _ => Ok(()),
        }
        // end exercise
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
pub fn read_request(xml: &str) -> Result<Request, Fault> {
    // ANCHOR_END: read_request_signature
    // exercise 9.2: Read the envelope
    let mut reader = NsReader::from_str(xml);
    let mut budget = Budget::default();
    let mut place = Place::Outside;
    let mut operation = String::new();
    let mut parameters = BTreeMap::new();
    let mut parameter: Option<(String, String)> = None;
    loop {
        let (namespace, event) = match reader.read_resolved_event() {
            Ok((namespace, event)) => (namespace_of(&namespace), event),
            Err(error) => {
                let at = reader.error_position();
                return Err(Fault::client(format!(
                    "The XML is not well-formed (at byte {at}): {error}"
                )));
            }
        };
        budget.admit(&event)?;
        match event {
            Event::Eof => break,
            Event::Decl(decl) => check_declaration(&decl, place == Place::Outside)?,
            // Refused by the budget already; nothing else to see in them.
            Event::DocType(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Start(ref start) | Event::Empty(ref start) => {
                let empty = matches!(event, Event::Empty(_));
                let local = start.local_name().as_ref().to_string();
                let soap = namespace.as_deref() == Some(SOAP_ENV);
                place = match place {
                    Place::Outside => {
                        enter_envelope(namespace.as_deref(), &local)?;
                        if empty { Place::Done } else { Place::Envelope }
                    }
                    Place::Envelope if soap && local == "Header" => {
                        if empty {
                            Place::AfterHeader
                        } else {
                            Place::Header
                        }
                    }
                    Place::Envelope | Place::AfterHeader if soap && local == "Body" => {
                        if empty {
                            return Err(Fault::client(
                                "The Body is empty: it must hold the operation's element.",
                            ));
                        }
                        Place::Body
                    }
                    Place::Envelope | Place::AfterHeader => {
                        return Err(Fault::client(format!(
                            "Unexpected element {local} in the Envelope: one Header may come, then one Body."
                        )));
                    }
                    Place::Header => {
                        check_header_block(&reader, start, &local)?;
                        if empty {
                            Place::Header
                        } else {
                            Place::HeaderBlock {
                                depth: budget.depth,
                            }
                        }
                    }
                    // What a header block holds is its own business.
                    Place::HeaderBlock { depth } => Place::HeaderBlock { depth },
                    Place::Body => {
                        if namespace.as_deref() != Some(NAMESPACE) {
                            return Err(Fault::client(format!(
                                "The operation {local} is not in the namespace {NAMESPACE}."
                            )));
                        }
                        operation = local;
                        if empty {
                            Place::AfterOperation
                        } else {
                            Place::Operation
                        }
                    }
                    Place::Operation => {
                        if namespace.as_deref() != Some(NAMESPACE) {
                            return Err(Fault::client(format!(
                                "The parameter {local} of {operation} is not in the namespace {NAMESPACE} (the schema's elements are qualified)."
                            )));
                        }
                        if parameters.contains_key(&local) {
                            return Err(Fault::client(format!(
                                "The parameter {local} is there twice."
                            )));
                        }
                        if empty {
                            parameters.insert(local, String::new());
                            Place::Operation
                        } else {
                            parameter = Some((local, String::new()));
                            Place::Parameter
                        }
                    }
                    Place::Parameter => {
                        let (name, _) = parameter.as_ref().expect("inside a parameter");
                        return Err(Fault::client(format!(
                            "The parameter {name} holds an element ({local}); it must hold text only."
                        )));
                    }
                    Place::AfterOperation => {
                        return Err(Fault::client(format!(
                            "A second element ({local}) in the Body: it must hold exactly one, the operation."
                        )));
                    }
                    // SOAP 1.1 would allow more elements here; the WS-I
                    // Basic Profile (R1011), which toolkits follow, does
                    // not, and a second Body must never be read.
                    Place::AfterBody => {
                        return Err(Fault::client(format!(
                            "An element ({local}) after the Body: the Body must be the Envelope's last child."
                        )));
                    }
                    Place::Done => {
                        return Err(Fault::client("Content after the Envelope."));
                    }
                };
            }
            Event::End(_) => {
                place = match place {
                    Place::Parameter => {
                        let (name, text) = parameter.take().expect("inside a parameter");
                        parameters.insert(name, text);
                        Place::Operation
                    }
                    Place::Operation => Place::AfterOperation,
                    Place::HeaderBlock { depth } if budget.depth < depth => Place::Header,
                    Place::HeaderBlock { depth } => Place::HeaderBlock { depth },
                    Place::Header => Place::AfterHeader,
                    Place::Body => {
                        return Err(Fault::client(
                            "The Body is empty: it must hold the operation's element.",
                        ));
                    }
                    Place::AfterOperation => Place::AfterBody,
                    Place::Envelope | Place::AfterHeader | Place::AfterBody => Place::Done,
                    // quick-xml checks that end tags match their start tags.
                    Place::Outside | Place::Done => place,
                };
            }
            Event::Text(text) => {
                let content = text.xml10_content();
                match (&mut parameter, place) {
                    (Some((_, value)), Place::Parameter) => value.push_str(&content),
                    (_, Place::HeaderBlock { .. }) => {}
                    _ if content.trim().is_empty() => {}
                    _ => {
                        return Err(Fault::client(format!(
                            "Text ({:?}) where only elements may be.",
                            content.trim()
                        )));
                    }
                }
            }
            Event::CData(data) => match (&mut parameter, place) {
                (Some((_, value)), Place::Parameter) => value.push_str(&data.xml10_content()),
                (_, Place::HeaderBlock { .. }) => {}
                _ => return Err(Fault::client("CDATA where only elements may be.")),
            },
            Event::GeneralRef(reference) => {
                let resolved = resolve_reference(&reference)?;
                match (&mut parameter, place) {
                    (Some((_, value)), Place::Parameter) => value.push(resolved),
                    (_, Place::HeaderBlock { .. }) => {}
                    _ => {
                        return Err(Fault::client(
                            "A reference (&...;) where only elements may be.",
                        ));
                    }
                }
            }
        }
    }
    match place {
        Place::Done if !operation.is_empty() => Ok(Request {
            operation,
            parameters,
        }),
        Place::Done => Err(Fault::client("The Envelope has no Body.")),
        Place::Outside => Err(Fault::client("The request holds no XML element.")),
        _ => Err(Fault::client("The XML ends before the Envelope does.")),
    }
    // end exercise
}
// ANCHOR_END: read_request

/// An XML declaration may only open the document, and say XML 1.0 in
/// UTF-8: the only version and encoding SOAP 1.1 over HTTP here speaks.
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
fn check_header_block<R>(
    reader: &NsReader<R>,
    start: &BytesStart<'_>,
    local: &str,
) -> Result<(), Fault> {
    // ANCHOR_END: check_header_block_signature
    // exercise 9.2: Read the envelope
    let mut must_understand = false;
    let mut for_us = true;
    for attribute in start.attributes() {
        let attribute =
            attribute.map_err(|e| Fault::client(format!("A bad attribute on {local}: {e}")))?;
        let (namespace, name) = reader.resolver().resolve_attribute(attribute.key);
        if namespace_of(&namespace).as_deref() != Some(SOAP_ENV) {
            continue;
        }
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| Fault::client(format!("A bad attribute on {local}: {e}")))?;
        match name.as_ref() {
            "mustUnderstand" => {
                must_understand = match value.trim() {
                    "1" => true,
                    "0" => false,
                    other => {
                        return Err(Fault::client(format!(
                            "mustUnderstand on {local} is {other:?}; SOAP 1.1 allows only \"0\" and \"1\"."
                        )));
                    }
                }
            }
            "actor" => for_us = value.trim() == ACTOR_NEXT,
            _ => {}
        }
    }
    if must_understand && for_us {
        return Err(Fault::must_understand(format!(
            "The header block {local} is marked mustUnderstand=\"1\", and this service understands no header blocks."
        )));
    }
    Ok(())
    // end exercise
}
// ANCHOR_END: check_header_block

// ANCHOR: resolve_reference
// ANCHOR: resolve_reference_signature
/// The character a reference in text stands for: a character reference
/// (`&#60;`, `&#x1F600;`) or one of XML's five predefined entities. With
/// no DOCTYPE, no other entity can exist.
pub fn resolve_reference(reference: &BytesRef<'_>) -> Result<char, Fault> {
    // ANCHOR_END: resolve_reference_signature
    // exercise 9.1: Guard the parser
    if let Some(c) = reference
        .resolve_char_ref()
        .map_err(|e| Fault::client(format!("A bad character reference: {e}")))?
    {
        // `&#1;` is as ill-formed as a raw U+0001: XML 1.0 has no way to
        // carry it.
        if !is_xml_char(c) {
            return Err(Fault::client(format!(
                "&{}; is U+{:04X}, a character XML 1.0 cannot hold.",
                reference.xml10_content(),
                u32::from(c)
            )));
        }
        return Ok(c);
    }
    let name = reference.xml10_content();
    match name.as_ref() {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        other => Err(Fault::client(format!(
            "The entity &{other}; is not defined (and no DOCTYPE may define one)."
        ))),
    }
    // end exercise
}
// ANCHOR_END: resolve_reference

/// The namespace a name resolved to, as text; `None` when unbound.
fn namespace_of(resolved: &ResolveResult<'_>) -> Option<String> {
    match resolved {
        ResolveResult::Bound(Namespace(namespace)) => Some(namespace.to_string()),
        _ => None,
    }
}
