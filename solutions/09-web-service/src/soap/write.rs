//! Writing SOAP envelopes: the responses, the faults, and (for the client)
//! the requests. quick-xml's `Writer` escapes every text and attribute, so
//! a message holding `<`, `&` or `"` comes back exactly as it was sent.

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::fault::Fault;
use super::{NAMESPACE, SOAP_ENV};
use crate::service::Entry;

/// The namespace prefix of our elements in what we write.
const PREFIX: &str = "g";

/// What a successful call returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `GetTimeResponse`.
    Time(String),
    /// `AddEntryResponse` or `GetEntryResponse`: the operation's name.
    Entry(&'static str, Entry),
    /// `ListEntriesResponse`.
    Entries(Vec<Entry>),
}

/// `text` with XML's special characters written as references, so it can
/// go inside an element or an attribute: the five of `<>&"'`, and the
/// carriage return, which a reader would otherwise turn into a line feed
/// (XML normalises line ends).
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).replace('\r', "&#13;")
}

/// `text`, escaped, as a text event.
pub fn text(text: &str) -> BytesText<'static> {
    BytesText::from_escaped(escape(text))
}

// ANCHOR: write_answer
// ANCHOR: answer_signature
/// The response envelope of `answer`: its body holds one element named for
/// the operation plus `Response`, with the results inside.
pub fn answer(answer: &Answer) -> String {
    // ANCHOR_END: answer_signature
    // exercise 9.4: Dispatch and answer
    let name = match answer {
        Answer::Time(_) => "GetTimeResponse".to_string(),
        Answer::Entry(operation, _) => format!("{operation}Response"),
        Answer::Entries(_) => "ListEntriesResponse".to_string(),
    };
    envelope(|writer| {
        writer
            .create_element(format!("{PREFIX}:{name}"))
            .with_attribute((format!("xmlns:{PREFIX}").as_str(), NAMESPACE))
            .write_inner_content(|w| match answer {
                Answer::Time(time) => text_element(w, "time", time),
                Answer::Entry(_, entry) => entry_element(w, entry),
                Answer::Entries(entries) => entries.iter().try_for_each(|e| entry_element(w, e)),
            })?;
        Ok(())
    })
    // end exercise
}
// ANCHOR_END: write_answer

// ANCHOR: write_fault
// ANCHOR: write_fault_signature
/// The envelope of a fault.
pub fn fault(fault: &Fault) -> String {
    // ANCHOR_END: write_fault_signature
    // exercise 9.3: Write the faults
    envelope(|writer| {
        writer
            .create_element("soap:Fault")
            .write_inner_content(|w| {
                // faultcode and faultstring are unqualified: SOAP 1.1 says so.
                w.create_element("faultcode")
                    .write_text_content(text(fault.code.qualified()))?;
                w.create_element("faultstring")
                    .write_text_content(text(&fault.string))?;
                // One element in the detail, as the WSDL's fault part is
                // one element: Problems, with a Problem per field.
                if !fault.problems.is_empty() {
                    w.create_element("detail").write_inner_content(|w| {
                        w.create_element(format!("{PREFIX}:Problems"))
                            .with_attribute((format!("xmlns:{PREFIX}").as_str(), NAMESPACE))
                            .write_inner_content(|w| {
                                fault.problems.iter().try_for_each(|problem| {
                                    w.create_element(format!("{PREFIX}:Problem"))
                                        .write_inner_content(|w| {
                                            text_element(w, "field", &problem.field)?;
                                            text_element(w, "reason", &problem.reason)
                                        })?;
                                    Ok(())
                                })
                            })?;
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
        Ok(())
    })
    // end exercise
}
// ANCHOR_END: write_fault

/// A request envelope: `operation` with its parameters, in order.
pub fn request(operation: &str, parameters: &[(&str, String)]) -> String {
    envelope(|writer| {
        writer
            .create_element(format!("{PREFIX}:{operation}"))
            .with_attribute((format!("xmlns:{PREFIX}").as_str(), NAMESPACE))
            .write_inner_content(|w| {
                parameters
                    .iter()
                    .try_for_each(|(name, value)| text_element(w, name, value))
            })?;
        Ok(())
    })
}

type Xml = Writer<Vec<u8>>;

/// An XML declaration and a SOAP 1.1 envelope whose body `body` writes.
fn envelope(body: impl FnOnce(&mut Xml) -> io::Result<()>) -> String {
    let mut writer = Writer::new(Vec::new());
    let written: io::Result<()> = (|| {
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
        writer
            .create_element("soap:Envelope")
            .with_attribute(("xmlns:soap", SOAP_ENV))
            .write_inner_content(|w| {
                w.create_element("soap:Body")
                    .write_inner_content(|w| body(w))?;
                Ok(())
            })?;
        Ok(())
    })();
    // Writing into a Vec cannot fail.
    written.expect("writing XML into memory");
    String::from_utf8(writer.into_inner()).expect("quick-xml writes the UTF-8 it is given")
}

/// `<g:name>text</g:name>`, the text escaped.
fn text_element(writer: &mut Xml, name: &str, text: &str) -> io::Result<()> {
    writer
        .create_element(format!("{PREFIX}:{name}"))
        .write_text_content(self::text(text))?;
    Ok(())
}

/// An `Entry`, in the schema's order: id, name, message, created.
fn entry_element(writer: &mut Xml, entry: &Entry) -> io::Result<()> {
    writer
        .create_element(format!("{PREFIX}:entry"))
        .write_inner_content(|w| {
            text_element(w, "id", &entry.id.to_string())?;
            text_element(w, "name", &entry.name)?;
            text_element(w, "message", &entry.message)?;
            text_element(w, "created", &entry.created)
        })?;
    Ok(())
}
