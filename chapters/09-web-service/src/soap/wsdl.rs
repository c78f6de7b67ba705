//! The WSDL 1.1 document: the service's contract, which a SOAP toolkit
//! reads to generate a client without anyone writing one.
//!
//! ```text
//! types      the XML Schema: Entry, and one element per message
//! message    a request or a response: one part, one of those elements
//! portType   the operations, each an input and an output message (and a fault)
//! binding    how they travel: SOAP over HTTP, document/literal
//! service    where: http://HOST/soap
//! ```
//!
//! Document/literal *wrapped*, the style every toolkit handles: each
//! message is one element, named for its operation (`AddEntry`, and
//! `AddEntryResponse` back), whose children are the parameters.

#[expect(unused_imports, reason = "until you write exercise 9.5")]
use super::NAMESPACE;
#[expect(unused_imports, reason = "until you write exercise 9.5")]
use super::write::escape;

// ANCHOR: wsdl
/// The operations, in the port type's order. Each can answer with a fault
/// whose detail names the fields at fault (GetTime too: a parameter it
/// does not have is one).
pub const OPERATIONS: [&str; 4] = ["GetTime", "AddEntry", "ListEntries", "GetEntry"];

/// The WSDL, with the service at `http://{host}/soap`.
pub fn wsdl(host: &str) -> String {
    let location = format!("http://{host}/soap");
    format!(
        "{CONTRACT}{}</wsdl:definitions>\n",
        binding_and_service(&location)
    )
}

/// What the operations are, written once: the schema's types and elements,
/// the messages, and the port type. What is left is how and where.
const CONTRACT: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions name="Guestbook"
    targetNamespace="urn:socket-to-framework:guestbook"
    xmlns:tns="urn:socket-to-framework:guestbook"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <wsdl:types>
    <xsd:schema targetNamespace="urn:socket-to-framework:guestbook" elementFormDefault="qualified">
      <xsd:complexType name="Entry">
        <xsd:sequence>
          <xsd:element name="id" type="xsd:long"/>
          <xsd:element name="name" type="xsd:string"/>
          <xsd:element name="message" type="xsd:string"/>
          <xsd:element name="created" type="xsd:dateTime"/>
        </xsd:sequence>
      </xsd:complexType>
      <xsd:element name="GetTime">
        <xsd:complexType><xsd:sequence/></xsd:complexType>
      </xsd:element>
      <xsd:element name="GetTimeResponse">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="time" type="xsd:dateTime"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="AddEntry">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="name" type="xsd:string"/>
          <xsd:element name="message" type="xsd:string"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="AddEntryResponse">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="entry" type="tns:Entry"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="ListEntries">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="limit" type="xsd:int" minOccurs="0"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="ListEntriesResponse">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="entry" type="tns:Entry" minOccurs="0" maxOccurs="unbounded"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="GetEntry">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="id" type="xsd:long"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="GetEntryResponse">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="entry" type="tns:Entry"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:complexType name="Problem">
        <xsd:sequence>
          <xsd:element name="field" type="xsd:string"/>
          <xsd:element name="reason" type="xsd:string"/>
        </xsd:sequence>
      </xsd:complexType>
      <xsd:element name="Problems">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="Problem" type="tns:Problem" maxOccurs="unbounded"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
    </xsd:schema>
  </wsdl:types>

  <wsdl:message name="GetTimeRequest"><wsdl:part name="parameters" element="tns:GetTime"/></wsdl:message>
  <wsdl:message name="GetTimeResponse"><wsdl:part name="parameters" element="tns:GetTimeResponse"/></wsdl:message>
  <wsdl:message name="AddEntryRequest"><wsdl:part name="parameters" element="tns:AddEntry"/></wsdl:message>
  <wsdl:message name="AddEntryResponse"><wsdl:part name="parameters" element="tns:AddEntryResponse"/></wsdl:message>
  <wsdl:message name="ListEntriesRequest"><wsdl:part name="parameters" element="tns:ListEntries"/></wsdl:message>
  <wsdl:message name="ListEntriesResponse"><wsdl:part name="parameters" element="tns:ListEntriesResponse"/></wsdl:message>
  <wsdl:message name="GetEntryRequest"><wsdl:part name="parameters" element="tns:GetEntry"/></wsdl:message>
  <wsdl:message name="GetEntryResponse"><wsdl:part name="parameters" element="tns:GetEntryResponse"/></wsdl:message>
  <wsdl:message name="Problems"><wsdl:part name="detail" element="tns:Problems"/></wsdl:message>

  <wsdl:portType name="GuestbookPortType">
    <wsdl:operation name="GetTime">
      <wsdl:input message="tns:GetTimeRequest"/>
      <wsdl:output message="tns:GetTimeResponse"/>
      <wsdl:fault name="Problems" message="tns:Problems"/>
    </wsdl:operation>
    <wsdl:operation name="AddEntry">
      <wsdl:input message="tns:AddEntryRequest"/>
      <wsdl:output message="tns:AddEntryResponse"/>
      <wsdl:fault name="Problems" message="tns:Problems"/>
    </wsdl:operation>
    <wsdl:operation name="ListEntries">
      <wsdl:input message="tns:ListEntriesRequest"/>
      <wsdl:output message="tns:ListEntriesResponse"/>
      <wsdl:fault name="Problems" message="tns:Problems"/>
    </wsdl:operation>
    <wsdl:operation name="GetEntry">
      <wsdl:input message="tns:GetEntryRequest"/>
      <wsdl:output message="tns:GetEntryResponse"/>
      <wsdl:fault name="Problems" message="tns:Problems"/>
    </wsdl:operation>
  </wsdl:portType>

"#;

// ANCHOR_END: wsdl

// ANCHOR: binding
// ANCHOR: binding_signature
/// The binding (how each operation travels: SOAP 1.1 over HTTP,
/// document/literal, with its SOAPAction) and the service (where: the
/// port's `soap:address` is `location`, escaped for an attribute).
#[expect(unused_variables, reason = "until you write exercise 9.5")]
pub fn binding_and_service(location: &str) -> String {
    // ANCHOR_END: binding_signature
    todo!(
        "exercise 9.5: Publish the contract (read book/src/ch09-web-service.md#exercise-95-publish-the-contract)"
    )
}
// ANCHOR_END: binding
