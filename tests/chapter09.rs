//! Stage tests of chapter 9, the web service.
//!
//! The same file tests the learner's crate (`cargo test -p chapter09`) and
//! the reference solution (`cargo test -p chapter09-solution`): both name
//! their library `chapter09`. Each test is named after the exercise it
//! checks (`ex9_4_...` checks exercise 9.4), in the chapter's order: the
//! parser's guard, the envelope reader and the fault writer are called
//! directly; from exercise 9.4 on, the whole server runs on `127.0.0.1:0`
//! with a fresh data folder and is spoken to over TCP, the raw bytes of
//! each request written here so every message can show what was sent.
//!
//! XML in answers is read with quick-xml's namespace-aware reader, so a
//! test checks names by their namespace, never by a prefix: `soap:Fault`
//! and `SOAP-ENV:Fault` are the same element when both prefixes are bound
//! to SOAP 1.1's namespace.

use std::collections::BTreeMap;

use chapter09::client::{self, Api, CallError, Operation, Outcome};
use chapter09::service::{FieldError, ServiceError};
use chapter09::soap::envelope::{Budget, MAX_DEPTH, MAX_ELEMENTS, resolve_reference};
use chapter09::soap::{Fault, FaultCode, NAMESPACE, Request, SOAP_ENV, read_request, write};
use harness::{Exercise, Failure, TempDir, TestServer};
use quick_xml::NsReader;
use quick_xml::events::{BytesEnd, BytesPI, BytesRef, BytesStart, BytesText, Event};
use quick_xml::name::ResolveResult;

// ---------------------------------------------------------------------------
// Helpers: envelopes, the server on a socket, XML read back
// ---------------------------------------------------------------------------

/// A SOAP 1.1 request envelope whose Body holds `body`.
fn envelope(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
         <soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Body>{body}</soap:Body></soap:Envelope>"
    )
}

/// A GetTime request whose Header holds one block (which the service may
/// ignore) with `inner` inside: the only thing wrong with it is `inner`.
fn with_header_block(inner: &str) -> String {
    format!(
        "<soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Header><t:Block xmlns:t=\"urn:example:block\">{inner}</t:Block></soap:Header><soap:Body>{}</soap:Body></soap:Envelope>",
        operation("GetTime", &[])
    )
}

/// `depth` elements, each inside the one before.
fn nested(depth: usize) -> String {
    format!("{}{}", "<t:a>".repeat(depth), "</t:a>".repeat(depth))
}

/// `<g:Operation xmlns:g="urn:...">parameters</g:Operation>`, each
/// parameter `(name, already escaped text)`.
fn operation(name: &str, parameters: &[(&str, &str)]) -> String {
    let inner: String = parameters
        .iter()
        .map(|(p, v)| format!("<g:{p}>{v}</g:{p}>"))
        .collect();
    format!("<g:{name} xmlns:g=\"{NAMESPACE}\">{inner}</g:{name}>")
}

#[track_caller]
fn read_ok(ex: Exercise, xml: &str) -> Request {
    read_request(xml).unwrap_or_else(|fault| {
        Failure::new(ex, "read_request refused a valid request")
            .line("sent", xml.to_string())
            .line("got", format!("{fault:?}"))
            .fail()
    })
}

#[track_caller]
fn read_fault(ex: Exercise, xml: &str, code: FaultCode, why: &str) -> Fault {
    match read_request(xml) {
        Err(fault) if fault.code == code => fault,
        other => Failure::new(
            ex,
            format!("read_request should refuse this with a {code:?} fault"),
        )
        .line("sent", xml.to_string())
        .line("got", format!("{other:?}"))
        .note(why)
        .fail(),
    }
}

fn parameters(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The server on a fresh data folder, stopped when dropped.
struct Service {
    server: TestServer,
    _data: TempDir,
}

fn start() -> Service {
    let data = TempDir::new("ch09");
    let path = data.path().to_path_buf();
    let listener = harness::bind_local();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = TestServer::spawn(
        listener,
        move |listener| {
            let shutdown = async {
                let _ = stopped.await;
            };
            chapter09::serve_blocking(listener, shutdown, &path)
        },
        move || {
            let _ = stop.send(());
        },
    );
    Service {
        server,
        _data: data,
    }
}

impl Service {
    /// One request on a new connection, read whole.
    #[track_caller]
    fn exchange(&self, ex: Exercise, request: &str) -> harness::Response {
        let mut client = self.server.connect(ex);
        client.send(request.as_bytes());
        client.read_response()
    }

    /// POSTs `xml` to /soap as SOAP 1.1 does.
    #[track_caller]
    fn soap(&self, ex: Exercise, xml: &str) -> Reply {
        let request = format!(
            "POST /soap HTTP/1.1\r\nHost: {}\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: \"\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
            self.server.addr(),
            xml.len()
        );
        Reply::of(request.clone(), self.exchange(ex, &request))
    }

    /// One JSON request: `body` is sent as `application/json`.
    #[track_caller]
    fn json(&self, ex: Exercise, method: &str, target: &str, body: Option<&str>) -> Reply {
        let body_part = match body {
            Some(body) => format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ),
            None => "\r\n".to_string(),
        };
        let request = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{body_part}",
            self.server.addr()
        );
        Reply::of(request.clone(), self.exchange(ex, &request))
    }

    fn addr(&self) -> String {
        self.server.addr().to_string()
    }
}

/// A response and the request that got it, for messages.
struct Reply {
    sent: String,
    response: harness::Response,
}

impl Reply {
    fn of(sent: String, response: harness::Response) -> Reply {
        Reply { sent, response }
    }

    fn body(&self) -> String {
        self.response.body_text()
    }

    #[track_caller]
    fn failure(&self, ex: Exercise, summary: impl Into<String>) -> Failure {
        Failure::new(ex, summary).sent(self.sent.as_bytes()).line(
            "got",
            format!("{}\n{}", self.response.status_line, shorten(&self.body())),
        )
    }

    #[track_caller]
    fn expect_status(&self, ex: Exercise, status: u16) -> &Reply {
        if self.response.status != status {
            self.failure(ex, format!("expected status {status}")).fail();
        }
        self
    }

    #[track_caller]
    fn expect_content_type(&self, ex: Exercise, expected: &str) -> &Reply {
        let got = self.response.header("content-type").unwrap_or("");
        if !got
            .to_ascii_lowercase()
            .starts_with(&expected.to_ascii_lowercase())
        {
            self.failure(ex, format!("expected Content-Type: {expected}"))
                .line("content-type", got.to_string())
                .fail();
        }
        self
    }

    /// The fault in a SOAP answer: HTTP 500, `text/xml`, and the code.
    #[track_caller]
    fn expect_fault(&self, ex: Exercise, code: &str) -> XmlDoc {
        let doc = XmlDoc::read(&self.body()).unwrap_or_else(|error| {
            self.failure(ex, "the answer is not XML")
                .line("error", error)
                .fail()
        });
        let got = doc.fault_code();
        if self.response.status != 500 || got.as_deref() != Some(code) {
            self.failure(
                ex,
                format!("expected HTTP 500 and a SOAP 1.1 fault with faultcode {code}"),
            )
            .line("faultcode", format!("{got:?}"))
            .fail();
        }
        doc
    }

    /// The JSON body, parsed.
    #[track_caller]
    fn json_body(&self, ex: Exercise) -> serde_json::Value {
        serde_json::from_str(&self.body()).unwrap_or_else(|e| {
            self.failure(ex, "the body is not JSON")
                .line("error", e.to_string())
                .fail()
        })
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() > 400 {
        format!(
            "{}... ({} bytes)",
            text.chars().take(400).collect::<String>(),
            text.len()
        )
    } else {
        text.to_string()
    }
}

/// An XML answer as a list of elements: each with its namespace, local
/// name, the local names of its ancestors, its attributes (resolved names)
/// and its text.
struct XmlDoc {
    elements: Vec<Element>,
}

#[derive(Debug, Clone)]
struct Element {
    namespace: Option<String>,
    name: String,
    path: Vec<String>,
    attributes: Vec<(String, String)>,
    text: String,
    /// The namespace each prefix in scope is bound to, for QName values
    /// such as `soap:Client`.
    prefixes: Vec<(String, String)>,
}

impl XmlDoc {
    fn read(xml: &str) -> Result<XmlDoc, String> {
        let mut reader = NsReader::from_str(xml);
        let mut open: Vec<usize> = Vec::new();
        let mut elements: Vec<Element> = Vec::new();
        loop {
            let (namespace, event) = reader.read_resolved_event().map_err(|e| e.to_string())?;
            let namespace = match namespace {
                ResolveResult::Bound(ns) => Some(ns.0.to_string()),
                _ => None,
            };
            match event {
                Event::Start(ref start) | Event::Empty(ref start) => {
                    let mut prefixes = open
                        .last()
                        .map(|&i| elements[i].prefixes.clone())
                        .unwrap_or_default();
                    let mut attributes = Vec::new();
                    for attribute in start.attributes() {
                        let attribute = attribute.map_err(|e| e.to_string())?;
                        let key = attribute.key.as_ref().to_string();
                        let value = attribute
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|e| e.to_string())?
                            .into_owned();
                        if let Some(prefix) = key.strip_prefix("xmlns:") {
                            prefixes.push((prefix.to_string(), value.clone()));
                        }
                        let local = key.rsplit(':').next().unwrap_or(&key).to_string();
                        attributes.push((local, value));
                    }
                    elements.push(Element {
                        namespace,
                        name: start.local_name().as_ref().to_string(),
                        path: open.iter().map(|&i| elements[i].name.clone()).collect(),
                        attributes,
                        text: String::new(),
                        prefixes,
                    });
                    if matches!(event, Event::Start(_)) {
                        open.push(elements.len() - 1);
                    }
                }
                Event::End(_) => {
                    open.pop();
                }
                Event::Text(text) => {
                    if let Some(&i) = open.last() {
                        elements[i].text.push_str(&text.xml10_content());
                    }
                }
                Event::GeneralRef(reference) => {
                    if let Some(&i) = open.last() {
                        let c = match reference.resolve_char_ref().map_err(|e| e.to_string())? {
                            Some(c) => c,
                            None => match reference.xml10_content().as_ref() {
                                "lt" => '<',
                                "gt" => '>',
                                "amp" => '&',
                                "quot" => '"',
                                "apos" => '\'',
                                other => return Err(format!("unknown entity &{other};")),
                            },
                        };
                        elements[i].text.push(c);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(XmlDoc { elements })
    }

    /// Elements named `name` in `namespace`.
    fn all(&self, namespace: Option<&str>, name: &str) -> Vec<&Element> {
        self.elements
            .iter()
            .filter(|e| e.name == name && e.namespace.as_deref() == namespace)
            .collect()
    }

    fn first(&self, namespace: Option<&str>, name: &str) -> Option<&Element> {
        self.all(namespace, name).into_iter().next()
    }

    /// The fault code as `soap:Code` would be read: the QName's prefix
    /// resolved, so any prefix bound to SOAP 1.1's namespace will do; given
    /// back as `soap:Code`.
    fn fault_code(&self) -> Option<String> {
        self.first(Some(SOAP_ENV), "Envelope")?;
        self.first(Some(SOAP_ENV), "Fault")?;
        let code = self.first(None, "faultcode")?;
        let (prefix, local) = code.text.trim().split_once(':')?;
        let bound = code
            .prefixes
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, ns)| ns.as_str());
        (bound == Some(SOAP_ENV)).then(|| format!("soap:{local}"))
    }

    fn text_of(&self, namespace: Option<&str>, name: &str) -> Option<String> {
        self.first(namespace, name).map(|e| e.text.clone())
    }

    /// The `(field, reason)` of each `Problem` in a fault's detail.
    fn problems(&self) -> Vec<(String, String)> {
        let fields = self.all(Some(NAMESPACE), "field");
        let reasons = self.all(Some(NAMESPACE), "reason");
        fields
            .iter()
            .zip(reasons)
            .filter(|(f, _)| f.path.iter().any(|p| p == "Problem"))
            .map(|(f, r)| (f.text.clone(), r.text.clone()))
            .collect()
    }

    /// The entries in a response, each as `(id, name, message, created)`.
    fn entries(&self) -> Vec<(String, String, String, String)> {
        self.all(Some(NAMESPACE), "entry")
            .iter()
            .map(|entry| {
                let child = |name: &str| {
                    self.elements
                        .iter()
                        .skip_while(|e| !std::ptr::eq(*e, *entry))
                        .skip(1)
                        .find(|e| e.name == name && e.namespace.as_deref() == Some(NAMESPACE))
                        .map(|e| e.text.clone())
                        .unwrap_or_default()
                };
                (
                    child("id"),
                    child("name"),
                    child("message"),
                    child("created"),
                )
            })
            .collect()
    }
}

#[track_caller]
fn expect_fault_code(ex: Exercise, fault: &Fault, code: FaultCode, what: &str) {
    if fault.code != code {
        Failure::new(ex, format!("{what}: expected a {code:?} fault"))
            .line("got", format!("{fault:?}"))
            .fail();
    }
}

/// Runs `future` on a runtime of its own: the client is async.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build a tokio runtime")
        .block_on(future)
}

// ---------------------------------------------------------------------------
// Exercise 9.1: Guard the parser
// ---------------------------------------------------------------------------

#[test]
fn ex9_1_refuses_a_doctype_and_processing_instructions() {
    let ex = harness::exercise("9.1");
    let attacks = [
        (
            "a DOCTYPE with an internal entity (the billion laughs start so)",
            Event::DocType(BytesText::from_escaped("lolz [<!ENTITY lol \"lol\">]")),
        ),
        (
            "a DOCTYPE with an external entity (XXE)",
            Event::DocType(BytesText::from_escaped(
                "x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]",
            )),
        ),
        (
            "a processing instruction",
            Event::PI(BytesPI::new("xml-stylesheet href=\"a.xsl\"")),
        ),
    ];
    for (what, event) in attacks {
        let mut budget = Budget::default();
        match budget.admit(&event) {
            Err(fault) if fault.code == FaultCode::Client => {}
            other => Failure::new(ex, format!("Budget::admit let {what} through"))
                .line("sent", format!("{event:?}"))
                .line("expected", "Err(a Client fault)")
                .line("got", format!("{other:?}"))
                .fail(),
        }
    }
}

#[test]
fn ex9_1_counts_the_depth_and_refuses_one_level_too_deep() {
    let ex = harness::exercise("9.1");
    let mut budget = Budget::default();
    for level in 1..=MAX_DEPTH {
        if let Err(fault) = budget.admit(&Event::Start(BytesStart::new("a"))) {
            Failure::new(
                ex,
                format!("Budget::admit refused level {level} (the limit is {MAX_DEPTH})"),
            )
            .line(
                "sent",
                format!("{level} Start events, each inside the one before"),
            )
            .line("expected", "Ok(())")
            .line("got", format!("{fault:?}"))
            .fail();
        }
    }
    if budget.depth != MAX_DEPTH {
        Failure::new(ex, "Budget::admit does not count open elements in depth")
            .line("sent", format!("{MAX_DEPTH} Start events"))
            .line("expected", format!("depth {MAX_DEPTH}"))
            .line("got", format!("depth {}", budget.depth))
            .fail();
    }
    match budget.admit(&Event::Start(BytesStart::new("a"))) {
        Err(fault) if fault.code == FaultCode::Client => {}
        other => Failure::new(ex, format!("Budget::admit let level {} through", MAX_DEPTH + 1))
            .line("sent", format!("{} Start events, each inside the one before", MAX_DEPTH + 1))
            .line("expected", "Err(a Client fault): nesting is bounded, or a deep document costs the parser what it likes")
            .line("got", format!("{other:?}"))
            .fail(),
    }
    // An End closes a level; an Empty element opens none.
    let mut budget = Budget::default();
    for _ in 0..3 * MAX_DEPTH {
        let events = [
            Event::Start(BytesStart::new("a")),
            Event::Empty(BytesStart::new("b")),
            Event::End(BytesEnd::new("a")),
        ];
        for event in &events {
            if let Err(fault) = budget.admit(event) {
                Failure::new(ex, "Budget::admit refused siblings: depth must go down again on End, and an Empty element opens no level")
                    .line("sent", "<a><b/></a> again and again")
                    .line("got", format!("{fault:?}"))
                    .fail();
            }
        }
        if budget.elements > MAX_ELEMENTS - 2 {
            break;
        }
    }
}

#[test]
fn ex9_1_refuses_one_element_too_many() {
    let ex = harness::exercise("9.1");
    let mut budget = Budget::default();
    for n in 1..=MAX_ELEMENTS {
        if let Err(fault) = budget.admit(&Event::Empty(BytesStart::new("a"))) {
            Failure::new(
                ex,
                format!("Budget::admit refused element {n} (the limit is {MAX_ELEMENTS})"),
            )
            .line("sent", format!("{n} Empty events"))
            .line("expected", "Ok(())")
            .line("got", format!("{fault:?}"))
            .fail();
        }
    }
    match budget.admit(&Event::Empty(BytesStart::new("a"))) {
        Err(fault) if fault.code == FaultCode::Client => {}
        other => Failure::new(
            ex,
            format!("Budget::admit let element {} through", MAX_ELEMENTS + 1),
        )
        .line("sent", format!("{} Empty events", MAX_ELEMENTS + 1))
        .line("expected", "Err(a Client fault): Empty elements count too")
        .line("got", format!("{other:?}"))
        .fail(),
    }
}

#[test]
fn ex9_1_lets_ordinary_events_through() {
    let ex = harness::exercise("9.1");
    let mut budget = Budget::default();
    let events = [
        Event::Start(BytesStart::new("a")),
        Event::Text(BytesText::new("hello")),
        Event::Comment(BytesText::new(" a comment ")),
        Event::End(BytesEnd::new("a")),
        Event::Eof,
    ];
    for event in &events {
        if let Err(fault) = budget.admit(event) {
            Failure::new(ex, "Budget::admit refused an ordinary event")
                .line("sent", format!("{event:?}"))
                .line("got", format!("{fault:?}"))
                .fail();
        }
    }
    if budget.depth != 0 || budget.elements != 1 {
        Failure::new(ex, "Budget::admit counts wrong")
            .line("sent", "<a>hello<!-- a comment --></a>")
            .line("expected", "depth 0, elements 1")
            .line(
                "got",
                format!("depth {}, elements {}", budget.depth, budget.elements),
            )
            .fail();
    }
}

#[test]
fn ex9_1_resolves_character_references_and_the_five_entities() {
    let ex = harness::exercise("9.1");
    let cases = [
        ("lt", '<'),
        ("gt", '>'),
        ("amp", '&'),
        ("quot", '"'),
        ("apos", '\''),
        ("#60", '<'),
        ("#x1F600", '😀'),
        ("#xe9", 'é'),
    ];
    for (name, expected) in cases {
        match resolve_reference(&BytesRef::new(name)) {
            Ok(c) if c == expected => {}
            other => Failure::new(ex, format!("resolve_reference(&{name};) is wrong"))
                .line("expected", format!("Ok({expected:?})"))
                .line("got", format!("{other:?}"))
                .fail(),
        }
    }
    for name in ["lol", "xxe", "nbsp", "#1", "#x1F", "#xFFFE"] {
        match resolve_reference(&BytesRef::new(name)) {
            Err(fault) if fault.code == FaultCode::Client => {}
            other => Failure::new(
                ex,
                format!("resolve_reference(&{name};) should be a Client fault"),
            )
            .line("got", format!("{other:?}"))
            .note(
                "With no DOCTYPE no entity is defined but XML's five: any other name is an error; and a character reference must name a character XML 1.0 allows (not U+0001, U+001F or U+FFFE).",
            )
            .fail(),
        }
    }
}

// ---------------------------------------------------------------------------
// Exercise 9.2: Read the envelope
// ---------------------------------------------------------------------------

#[test]
fn ex9_2_reads_the_operation_and_its_parameters() {
    let ex = harness::exercise("9.2");
    let xml = envelope(&operation(
        "AddEntry",
        &[("name", "Ada"), ("message", "Hello")],
    ));
    let request = read_ok(ex, &xml);
    let expected = Request {
        operation: "AddEntry".into(),
        parameters: parameters(&[("name", "Ada"), ("message", "Hello")]),
    };
    if request != expected {
        Failure::new(ex, "read_request read the wrong operation or parameters")
            .line("sent", xml)
            .line("expected", format!("{expected:?}"))
            .line("got", format!("{request:?}"))
            .fail();
    }
    // An empty element, a default namespace, other prefixes, a header
    // block nobody must understand, whitespace between elements.
    let variants = [
        (
            format!(
                "<soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Body><GetTime xmlns=\"{NAMESPACE}\"/></soap:Body></soap:Envelope>"
            ),
            "GetTime",
            parameters(&[]),
        ),
        (
            format!(
                "<e:Envelope xmlns:e=\"{SOAP_ENV}\">\n  <e:Header><t:Trace xmlns:t=\"urn:x\" e:mustUnderstand=\"0\">7</t:Trace></e:Header>\n  <e:Body>\n    <ListEntries xmlns=\"{NAMESPACE}\"><limit>5</limit></ListEntries>\n  </e:Body>\n</e:Envelope>"
            ),
            "ListEntries",
            parameters(&[("limit", "5")]),
        ),
    ];
    for (xml, name, expected) in variants {
        let request = read_ok(ex, &xml);
        if request.operation != name || request.parameters != expected {
            Failure::new(ex, "read_request read the wrong operation or parameters")
                .line("sent", xml.clone())
                .line("expected", format!("{name} {expected:?}"))
                .line("got", format!("{request:?}"))
                .note("Names are matched by namespace and local name; the prefix is only a local abbreviation.")
                .fail();
        }
    }
}

#[test]
fn ex9_2_keeps_the_text_exactly() {
    let ex = harness::exercise("9.2");
    let xml = envelope(&operation(
        "AddEntry",
        &[
            ("name", "  Ada &amp; &lt;Grace&gt; &#x1F600; é "),
            ("message", "<![CDATA[<b>bold</b> & more]]>"),
        ],
    ));
    let request = read_ok(ex, &xml);
    let expected = parameters(&[
        ("name", "  Ada & <Grace> 😀 é "),
        ("message", "<b>bold</b> & more"),
    ]);
    if request.parameters != expected {
        Failure::new(ex, "read_request changed the parameters' text")
            .line("sent", xml)
            .line("expected", format!("{expected:?}"))
            .line("got", format!("{:?}", request.parameters))
            .note("References stand for their character, CDATA for itself, and the spaces stay: rules such as trimming are the service's business.")
            .fail();
    }
}

#[test]
fn ex9_2_another_envelope_version_is_a_version_mismatch() {
    let ex = harness::exercise("9.2");
    let soap12 = format!(
        "<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\"><env:Body>{}</env:Body></env:Envelope>",
        operation("GetTime", &[])
    );
    read_fault(
        ex,
        &soap12,
        FaultCode::VersionMismatch,
        "SOAP 1.1 answers an envelope of another namespace, SOAP 1.2's included, with VersionMismatch.",
    );
    let none = format!(
        "<Envelope><Body>{}</Body></Envelope>",
        operation("GetTime", &[])
    );
    read_fault(
        ex,
        &none,
        FaultCode::VersionMismatch,
        "An Envelope in no namespace is not SOAP 1.1's either.",
    );
}

#[test]
fn ex9_2_a_header_for_another_node_is_not_ours_to_refuse() {
    let ex = harness::exercise("9.2");
    let xml = format!(
        "<soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Header><t:Audit xmlns:t=\"urn:example:audit\" soap:actor=\"urn:example:auditor\" soap:mustUnderstand=\"1\"/></soap:Header><soap:Body>{}</soap:Body></soap:Envelope>",
        operation("GetTime", &[])
    );
    let request = read_ok(ex, &xml);
    if request.operation != "GetTime" {
        Failure::new(ex, "read_request read the wrong operation")
            .line("sent", xml)
            .line("expected", "GetTime")
            .line("got", format!("{request:?}"))
            .fail();
    }
    let next = format!(
        "<soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Header><t:Audit xmlns:t=\"urn:example:audit\" soap:actor=\"http://schemas.xmlsoap.org/soap/actor/next\" soap:mustUnderstand=\"1\"/></soap:Header><soap:Body>{}</soap:Body></soap:Envelope>",
        operation("GetTime", &[])
    );
    read_fault(
        ex,
        &next,
        FaultCode::MustUnderstand,
        "The actor .../actor/next is the next node: us.",
    );
}

#[test]
fn ex9_2_a_header_that_must_be_understood_is_refused() {
    let ex = harness::exercise("9.2");
    let xml = format!(
        "<soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Header><t:Transaction xmlns:t=\"urn:example:tx\" soap:mustUnderstand=\"1\">5</t:Transaction></soap:Header><soap:Body>{}</soap:Body></soap:Envelope>",
        operation("GetTime", &[])
    );
    read_fault(
        ex,
        &xml,
        FaultCode::MustUnderstand,
        "A header block marked mustUnderstand=\"1\" that the service does not understand must not be ignored.",
    );
}

#[test]
fn ex9_2_refuses_what_is_not_one_operation_in_a_body() {
    let ex = harness::exercise("9.2");
    let cases = [
        (
            "no Body",
            format!("<soap:Envelope xmlns:soap=\"{SOAP_ENV}\"/>"),
        ),
        ("an empty Body", envelope("")),
        (
            "two operations",
            envelope(&format!(
                "{}{}",
                operation("GetTime", &[]),
                operation("GetTime", &[])
            )),
        ),
        ("an operation in no namespace", envelope("<GetTime/>")),
        (
            "a parameter in no namespace",
            envelope(&format!(
                "<g:GetEntry xmlns:g=\"{NAMESPACE}\"><id>1</id></g:GetEntry>"
            )),
        ),
        (
            "an element inside a parameter",
            envelope(&operation("GetEntry", &[("id", "<g:x>1</g:x>")])),
        ),
        (
            "a parameter twice",
            envelope(&operation("GetEntry", &[("id", "1"), ("id", "2")])),
        ),
        ("text in the Body", envelope("hello")),
        ("not an Envelope", "<html><body/></html>".to_string()),
        (
            "malformed XML",
            envelope(&format!("<g:GetTime xmlns:g=\"{NAMESPACE}\">")),
        ),
        (
            "an undefined entity",
            envelope(&operation(
                "AddEntry",
                &[("name", "&lol;"), ("message", "x")],
            )),
        ),
        (
            "two Bodies",
            format!(
                "<soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Body>{}</soap:Body><soap:Body>{}</soap:Body></soap:Envelope>",
                operation("GetTime", &[]),
                operation("GetEntry", &[("id", "1")])
            ),
        ),
        (
            "two Headers",
            format!(
                "<soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Header/><soap:Header/><soap:Body>{}</soap:Body></soap:Envelope>",
                operation("GetTime", &[])
            ),
        ),
        (
            "an element after the Body",
            format!(
                "<soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Body>{}</soap:Body><x:More xmlns:x=\"urn:x\"/></soap:Envelope>",
                operation("GetTime", &[])
            ),
        ),
        (
            "an XML declaration inside the document",
            envelope(&format!(
                "<?xml version=\"1.0\"?>{}",
                operation("GetTime", &[])
            )),
        ),
        (
            "XML 1.1",
            format!(
                "<?xml version=\"1.1\"?>{}",
                envelope(&operation("GetTime", &[]))
            ),
        ),
        (
            "a mustUnderstand that is neither 0 nor 1",
            format!(
                "<soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Header><t:T xmlns:t=\"urn:x\" soap:mustUnderstand=\"true\"/></soap:Header><soap:Body>{}</soap:Body></soap:Envelope>",
                operation("GetTime", &[])
            ),
        ),
    ];
    for (what, xml) in cases {
        read_fault(
            ex,
            &xml,
            FaultCode::Client,
            &format!(
                "{what}: the caller must change the message, which is what a Client fault says."
            ),
        );
    }
}

#[test]
fn ex9_2_the_guard_stops_the_attacks_inside_a_real_document() {
    let ex = harness::exercise("9.2");
    let laughs = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>{}",
        envelope(&operation(
            "AddEntry",
            &[("name", "&lol1;"), ("message", "x")]
        ))
    );
    read_fault(
        ex,
        &laughs,
        FaultCode::Client,
        "A DOCTYPE is refused before any entity is defined: call Budget::admit on every event.",
    );
    // A DOCTYPE, and then nothing wrong at all: only the guard refuses it.
    let doctype = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]>{}",
        envelope(&operation("GetTime", &[]))
    );
    read_fault(
        ex,
        &doctype,
        FaultCode::Client,
        "A DOCTYPE is refused even when no entity is used: pass every event to Budget::admit.",
    );
    let deep = with_header_block(&nested(MAX_DEPTH * 2));
    read_fault(
        ex,
        &deep,
        FaultCode::Client,
        "Deep nesting is refused by the budget.",
    );
}

// ---------------------------------------------------------------------------
// Exercise 9.3: Write the faults
// ---------------------------------------------------------------------------

#[track_caller]
fn written_fault(ex: Exercise, fault: &Fault) -> XmlDoc {
    let xml = write::fault(fault);
    XmlDoc::read(&xml).unwrap_or_else(|error| {
        Failure::new(ex, "write::fault wrote something that is not XML")
            .line("sent", format!("{fault:?}"))
            .line("got", xml.clone())
            .line("error", error)
            .fail()
    })
}

#[test]
fn ex9_3_a_fault_is_an_envelope_with_its_code_and_string() {
    let ex = harness::exercise("9.3");
    for (fault, code) in [
        (Fault::client("The XML is not well-formed."), "soap:Client"),
        (
            Fault::version_mismatch("Not SOAP 1.1."),
            "soap:VersionMismatch",
        ),
        (
            Fault::must_understand("A header block."),
            "soap:MustUnderstand",
        ),
    ] {
        let doc = written_fault(ex, &fault);
        let in_body = doc
            .first(Some(SOAP_ENV), "Fault")
            .is_some_and(|f| f.path == ["Envelope", "Body"]);
        let string = doc.text_of(None, "faultstring");
        if !in_body
            || doc.fault_code().as_deref() != Some(code)
            || string.as_deref() != Some(fault.string.as_str())
        {
            Failure::new(ex, "write::fault did not write a SOAP 1.1 fault")
                .line("sent", format!("{fault:?}"))
                .line("expected", format!("Envelope/Body/Fault in {SOAP_ENV}, with unqualified faultcode {code} (its prefix bound to that namespace) and faultstring {:?}", fault.string))
                .line("got", write::fault(&fault))
                .fail();
        }
        if doc.first(None, "detail").is_some() {
            Failure::new(ex, "a fault with no problems has no detail element")
                .line("sent", format!("{fault:?}"))
                .line("expected", "no detail element")
                .line("got", write::fault(&fault))
                .fail();
        }
    }
}

#[test]
fn ex9_3_each_problem_goes_in_the_detail_escaped() {
    let ex = harness::exercise("9.3");
    let fault = Fault {
        code: FaultCode::Client,
        string: "Bad <input> & more".to_string(),
        problems: vec![
            FieldError::new("name", "The name is empty."),
            FieldError::new("message", "Too long: <1000> & \"more\"."),
        ],
    };
    let doc = written_fault(ex, &fault);
    let expected = vec![
        ("name".to_string(), "The name is empty.".to_string()),
        (
            "message".to_string(),
            "Too long: <1000> & \"more\".".to_string(),
        ),
    ];
    let one_problems = doc
        .all(Some(NAMESPACE), "Problems")
        .iter()
        .filter(|p| p.path.last().map(String::as_str) == Some("detail"))
        .count()
        == 1;
    if doc.problems() != expected
        || !one_problems
        || doc.text_of(None, "faultstring").as_deref() != Some("Bad <input> & more")
    {
        Failure::new(ex, "the fault's detail does not hold the problems, or the text was not escaped")
            .line("sent", format!("{fault:?}"))
            .line("expected", format!("detail holding one Problems element, with a Problem (field, reason; namespace {NAMESPACE}) per problem: {expected:?}"))
            .line("got", write::fault(&fault))
            .fail();
    }
}

#[test]
fn ex9_3_the_callers_mistakes_are_client_faults_and_ours_are_server_faults() {
    let ex = harness::exercise("9.3");
    let invalid = Fault::from(ServiceError::Invalid(vec![FieldError::new(
        "name",
        "The name is empty.",
    )]));
    expect_fault_code(ex, &invalid, FaultCode::Client, "ServiceError::Invalid");
    if invalid.problems != [FieldError::new("name", "The name is empty.")] {
        Failure::new(ex, "an invalid request's fault must list its problems")
            .line("sent", "ServiceError::Invalid([name: The name is empty.])")
            .line("expected", "problems: [name: The name is empty.]")
            .line("got", format!("{invalid:?}"))
            .fail();
    }
    let missing = Fault::from(ServiceError::NotFound(42));
    expect_fault_code(
        ex,
        &missing,
        FaultCode::Client,
        "ServiceError::NotFound(42)",
    );
    if !missing
        .problems
        .iter()
        .any(|p| p.field == "id" && p.reason.contains("42"))
    {
        Failure::new(
            ex,
            "an unknown id's fault must name the field id and the id",
        )
        .line("sent", "ServiceError::NotFound(42)")
        .line("expected", "a problem with field id whose reason names 42")
        .line("got", format!("{missing:?}"))
        .fail();
    }
    let secret = "disk /srv/secret/guestbook.db is on fire";
    let storage = Fault::from(ServiceError::Storage(chapter08::db::StorageError::Folder(
        std::io::Error::other(secret),
    )));
    expect_fault_code(ex, &storage, FaultCode::Server, "ServiceError::Storage");
    let written = format!("{storage:?}");
    if written.contains("secret") || written.contains("fire") {
        Failure::new(
            ex,
            "a Server fault must not tell the caller what failed inside",
        )
        .line("sent", format!("a storage error saying {secret:?}"))
        .line("got", written)
        .note("The log gets the details; the caller gets \"try again later\".")
        .fail();
    }
}

// ---------------------------------------------------------------------------
// Exercise 9.4: Dispatch and answer
// ---------------------------------------------------------------------------

#[test]
fn ex9_4_every_operation_over_soap() {
    let ex = harness::exercise("9.4");
    let service = start();
    let reply = service.soap(ex, &envelope(&operation("GetTime", &[])));
    reply
        .expect_status(ex, 200)
        .expect_content_type(ex, "text/xml");
    let doc = XmlDoc::read(&reply.body())
        .unwrap_or_else(|e| reply.failure(ex, "not XML").line("error", e).fail());
    let time = doc.text_of(Some(NAMESPACE), "time").unwrap_or_default();
    if doc.first(Some(NAMESPACE), "GetTimeResponse").is_none()
        || time.len() != 20
        || !time.ends_with('Z')
    {
        reply.failure(ex, "GetTime must answer a GetTimeResponse holding time, an xsd:dateTime in UTC like 2026-12-02T17:00:00Z").fail();
    }
    for (name, message) in [("Ada", "First"), ("Grace", "Second")] {
        let reply = service.soap(
            ex,
            &envelope(&operation(
                "AddEntry",
                &[("name", name), ("message", message)],
            )),
        );
        reply.expect_status(ex, 200);
        let doc = XmlDoc::read(&reply.body())
            .unwrap_or_else(|e| reply.failure(ex, "not XML").line("error", e).fail());
        let entries = doc.entries();
        let ok = doc.first(Some(NAMESPACE), "AddEntryResponse").is_some()
            && entries.len() == 1
            && entries[0].1 == name
            && entries[0].2 == message
            && entries[0].3.ends_with('Z');
        if !ok {
            reply.failure(ex, "AddEntry must answer an AddEntryResponse with the stored entry (id, name, message, created)").fail();
        }
    }
    let reply = service.soap(ex, &envelope(&operation("ListEntries", &[])));
    let doc = XmlDoc::read(&reply.body())
        .unwrap_or_else(|e| reply.failure(ex, "not XML").line("error", e).fail());
    let names: Vec<String> = doc.entries().into_iter().map(|e| e.1).collect();
    if doc.first(Some(NAMESPACE), "ListEntriesResponse").is_none() || names != ["Grace", "Ada"] {
        reply
            .failure(
                ex,
                "ListEntries must answer a ListEntriesResponse with every entry, newest first",
            )
            .line("expected", "Grace, Ada")
            .line("names", format!("{names:?}"))
            .fail();
    }
    let reply = service.soap(ex, &envelope(&operation("ListEntries", &[("limit", "1")])));
    let doc = XmlDoc::read(&reply.body())
        .unwrap_or_else(|e| reply.failure(ex, "not XML").line("error", e).fail());
    let first = doc.entries();
    if first.len() != 1 || first[0].1 != "Grace" {
        reply
            .failure(
                ex,
                "ListEntries with limit 1 must answer the newest entry only",
            )
            .fail();
    }
    let id = first[0].0.clone();
    let reply = service.soap(ex, &envelope(&operation("GetEntry", &[("id", &id)])));
    let doc = XmlDoc::read(&reply.body())
        .unwrap_or_else(|e| reply.failure(ex, "not XML").line("error", e).fail());
    if doc.first(Some(NAMESPACE), "GetEntryResponse").is_none()
        || doc.entries().first().map(|e| e.1.as_str()) != Some("Grace")
    {
        reply
            .failure(
                ex,
                format!("GetEntry {id} must answer a GetEntryResponse with that entry"),
            )
            .fail();
    }
}

#[test]
fn ex9_4_markup_and_non_ascii_round_trip_exactly() {
    let ex = harness::exercise("9.4");
    let service = start();
    let message = "<script>alert(\"&\")</script> é 😀 'quoted'";
    let escaped = quick_xml::escape::escape(message);
    let reply = service.soap(
        ex,
        &envelope(&operation(
            "AddEntry",
            &[("name", "Ada &amp; Co"), ("message", &escaped)],
        )),
    );
    reply.expect_status(ex, 200);
    let doc = XmlDoc::read(&reply.body()).unwrap_or_else(|e| {
        reply
            .failure(ex, "the answer is not XML: was the text escaped?")
            .line("error", e)
            .fail()
    });
    let entries = doc.entries();
    if entries.first().map(|e| (e.1.as_str(), e.2.as_str())) != Some(("Ada & Co", message)) {
        reply
            .failure(ex, "the stored entry must come back exactly as sent")
            .line(
                "expected",
                format!("name \"Ada & Co\", message {message:?}"),
            )
            .line("entries", format!("{entries:?}"))
            .fail();
    }
}

#[test]
fn ex9_4_bad_parameters_are_client_faults_that_name_the_field() {
    let ex = harness::exercise("9.4");
    let service = start();
    let cases = [
        (operation("AddEntry", &[("message", "no name")]), "name"),
        (
            operation("AddEntry", &[("name", "   "), ("message", "blank name")]),
            "name",
        ),
        (operation("GetEntry", &[("id", "seven")]), "id"),
        (operation("GetEntry", &[("id", "424242")]), "id"),
        (operation("ListEntries", &[("limit", "500")]), "limit"),
        (operation("GetTime", &[("colour", "blue")]), "colour"),
    ];
    for (body, field) in cases {
        let reply = service.soap(ex, &envelope(&body));
        let doc = reply.expect_fault(ex, "soap:Client");
        if !doc.problems().iter().any(|(f, _)| f == field) {
            reply
                .failure(
                    ex,
                    format!("the fault's detail must name the field {field}"),
                )
                .line("problems", format!("{:?}", doc.problems()))
                .fail();
        }
    }
    let reply = service.soap(ex, &envelope(&operation("DeleteEverything", &[])));
    reply.expect_fault(ex, "soap:Client");
}

#[test]
fn ex9_4_each_bad_message_gets_its_fault_and_the_server_lives_on() {
    let ex = harness::exercise("9.4");
    let service = start();
    let billion_laughs = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>{}",
        envelope(&operation(
            "AddEntry",
            &[("name", "&lol3;"), ("message", "x")]
        ))
    );
    let xxe = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>{}",
        envelope(&operation(
            "AddEntry",
            &[("name", "&xxe;"), ("message", "x")]
        ))
    );
    let cases = [
        (
            "entity expansion (billion laughs)",
            billion_laughs,
            "soap:Client",
        ),
        ("an external entity (XXE)", xxe, "soap:Client"),
        (
            "a DOCTYPE before a request with nothing else wrong",
            format!(
                "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]>{}",
                envelope(&operation("GetTime", &[]))
            ),
            "soap:Client",
        ),
        (
            "nesting 2,000 deep in a header block",
            with_header_block(&nested(2_000)),
            "soap:Client",
        ),
        (
            "1,000 elements in a header block",
            with_header_block(&"<t:x/>".repeat(1_000)),
            "soap:Client",
        ),
        (
            "a SOAP 1.2 envelope",
            format!(
                "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"><e:Body>{}</e:Body></e:Envelope>",
                operation("GetTime", &[])
            ),
            "soap:VersionMismatch",
        ),
        (
            "a header block that must be understood",
            format!(
                "<s:Envelope xmlns:s=\"{SOAP_ENV}\"><s:Header><t:Tx xmlns:t=\"urn:x\" s:mustUnderstand=\"1\"/></s:Header><s:Body>{}</s:Body></s:Envelope>",
                operation("GetTime", &[])
            ),
            "soap:MustUnderstand",
        ),
        (
            "malformed XML",
            envelope("<g:GetTime xmlns:g=\"urn:socket-to-framework:guestbook\">"),
            "soap:Client",
        ),
    ];
    for (what, xml, code) in cases {
        let reply = service.soap(ex, &xml);
        reply.expect_fault(ex, code);
        let after = service.soap(ex, &envelope(&operation("GetTime", &[])));
        if after.response.status != 200 {
            after
                .failure(
                    ex,
                    format!("after {what}, the server must still answer GetTime"),
                )
                .fail();
        }
    }
}

#[test]
fn ex9_4_too_large_or_not_xml_is_a_fault_before_any_xml_is_read() {
    let ex = harness::exercise("9.4");
    let service = start();
    // A Content-Length of 10 MB and only the first kilobyte sent: a server
    // that reads the body before judging its size waits for the rest, and
    // this client's read times out.
    let head = format!(
        "POST /soap HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: 10000000\r\nConnection: close\r\n\r\n{}",
        "x".repeat(1024)
    );
    let reply = Reply::of(head.clone(), service.exchange(ex, &head));
    reply.expect_status(ex, 413);
    reply.expect_content_type(ex, "text/xml");
    if XmlDoc::read(&reply.body())
        .map(|d| d.fault_code())
        .ok()
        .flatten()
        .as_deref()
        != Some("soap:Client")
    {
        reply
            .failure(ex, "a body too large gets 413 and a Client fault envelope")
            .fail();
    }
    // Without a Content-Length (chunked), the limit stops the reading.
    let big = envelope(&operation(
        "AddEntry",
        &[
            ("name", "Ada"),
            ("message", &"x".repeat(chapter09::MAX_BODY_BYTES)),
        ],
    ));
    let chunked = format!(
        "POST /soap HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml; charset=utf-8\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        big.len()
    );
    let reply = Reply::of(chunked.clone(), service.exchange(ex, &chunked));
    reply.expect_status(ex, 413);
    let request = "POST /soap HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}".to_string();
    let reply = Reply::of(request.clone(), service.exchange(ex, &request));
    reply.expect_status(ex, 415);
    if XmlDoc::read(&reply.body())
        .map(|d| d.fault_code())
        .ok()
        .flatten()
        .as_deref()
        != Some("soap:Client")
    {
        reply
            .failure(
                ex,
                "a body that is not XML gets 415 and a Client fault envelope",
            )
            .fail();
    }
}

#[test]
fn ex9_4_a_soap_1_2_client_hears_version_mismatch() {
    let ex = harness::exercise("9.4");
    let service = start();
    // What a SOAP 1.2 client really sends: its own media type, its own
    // envelope namespace.
    let xml = format!(
        "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"><e:Body>{}</e:Body></e:Envelope>",
        operation("GetTime", &[])
    );
    let request = format!(
        "POST /soap HTTP/1.1\r\nHost: x\r\nContent-Type: application/soap+xml; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
        xml.len()
    );
    let reply = Reply::of(request.clone(), service.exchange(ex, &request));
    reply.expect_fault(ex, "soap:VersionMismatch");
}

#[test]
fn ex9_4_text_that_xml_cannot_carry_is_refused_and_a_carriage_return_survives() {
    let ex = harness::exercise("9.4");
    let service = start();
    let reply = service.soap(
        ex,
        &envelope(&operation(
            "AddEntry",
            &[("name", "Ada"), ("message", "line one&#13;\nline two")],
        )),
    );
    reply.expect_status(ex, 200);
    let doc = XmlDoc::read(&reply.body())
        .unwrap_or_else(|e| reply.failure(ex, "not XML").line("error", e).fail());
    let message = doc
        .entries()
        .first()
        .map(|e| e.2.clone())
        .unwrap_or_default();
    if message != "line one\r\nline two" {
        reply
            .failure(ex, "a carriage return must come back as one: write it as &#13;, or the reader turns it into a line feed")
            .line("expected", format!("{:?}", "line one\r\nline two"))
            .line("message", format!("{message:?}"))
            .fail();
    }
    let raw = envelope(&operation(
        "AddEntry",
        &[("name", "Ada\u{1}"), ("message", "x")],
    ));
    let reply = service.soap(ex, &raw);
    let doc = reply.expect_fault(ex, "soap:Client");
    if !doc.problems().iter().any(|(field, _)| field == "name") {
        reply.failure(ex, "a name holding U+0001 is refused, naming the field: XML has no way to give it back").fail();
    }
}

// ---------------------------------------------------------------------------
// Exercise 9.5: Publish the contract
// ---------------------------------------------------------------------------

const WSDL_NS: &str = "http://schemas.xmlsoap.org/wsdl/";
const WSDL_SOAP_NS: &str = "http://schemas.xmlsoap.org/wsdl/soap/";

#[track_caller]
fn fetch_wsdl(ex: Exercise, service: &Service, host: &str) -> (Reply, XmlDoc) {
    let request = format!("GET /soap?wsdl HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    let reply = Reply::of(request.clone(), service.exchange(ex, &request));
    reply
        .expect_status(ex, 200)
        .expect_content_type(ex, "text/xml");
    let doc = XmlDoc::read(&reply.body()).unwrap_or_else(|e| {
        reply
            .failure(ex, "the WSDL is not XML")
            .line("error", e)
            .fail()
    });
    (reply, doc)
}

fn attribute<'e>(element: &'e Element, name: &str) -> Option<&'e str> {
    element
        .attributes
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn ex9_5_the_binding_is_document_literal_for_every_operation() {
    let ex = harness::exercise("9.5");
    let service = start();
    let (reply, doc) = fetch_wsdl(ex, &service, "127.0.0.1");
    let binding = doc.first(Some(WSDL_SOAP_NS), "binding");
    let style_ok = binding.is_some_and(|b| {
        attribute(b, "style") == Some("document")
            && attribute(b, "transport") == Some("http://schemas.xmlsoap.org/soap/http")
    });
    if !style_ok {
        reply.failure(ex, "the binding must be soap:binding style=\"document\" over http://schemas.xmlsoap.org/soap/http")
            .fail();
    }
    let actions: Vec<String> = doc
        .all(Some(WSDL_SOAP_NS), "operation")
        .iter()
        .filter_map(|o| attribute(o, "soapAction").map(String::from))
        .collect();
    let expected: Vec<String> = ["GetTime", "AddEntry", "ListEntries", "GetEntry"]
        .iter()
        .map(|o| format!("{NAMESPACE}#{o}"))
        .collect();
    if actions != expected {
        reply
            .failure(
                ex,
                "each operation of the binding needs a soap:operation with its soapAction",
            )
            .line("expected", format!("{expected:?}"))
            .line("soapActions", format!("{actions:?}"))
            .fail();
    }
    let bodies = doc.all(Some(WSDL_SOAP_NS), "body");
    if bodies.len() != 8
        || bodies
            .iter()
            .any(|b| attribute(b, "use") != Some("literal"))
    {
        reply
            .failure(
                ex,
                "each operation's input and output must be soap:body use=\"literal\" (8 in all)",
            )
            .line("soap:body elements", bodies.len().to_string())
            .fail();
    }
    let faults = doc.all(Some(WSDL_SOAP_NS), "fault");
    if faults.len() != 4
        || faults.iter().any(|f| {
            attribute(f, "name") != Some("Problems") || attribute(f, "use") != Some("literal")
        })
    {
        reply.failure(ex, "each operation binds its fault: soap:fault name=\"Problems\" use=\"literal\" (4 in all)")
            .line("soap:fault elements", faults.len().to_string())
            .fail();
    }
    let port = doc.first(Some(WSDL_NS), "port");
    if port.is_none_or(|p| attribute(p, "binding") != Some("tns:GuestbookBinding")) {
        reply
            .failure(
                ex,
                "the service's port must use the binding tns:GuestbookBinding",
            )
            .fail();
    }
}

#[test]
fn ex9_5_the_address_is_the_host_the_client_used() {
    let ex = harness::exercise("9.5");
    let service = start();
    for host in ["example.org:8080", "127.0.0.1:1234"] {
        let (reply, doc) = fetch_wsdl(ex, &service, host);
        let location = doc
            .first(Some(WSDL_SOAP_NS), "address")
            .and_then(|a| attribute(a, "location"))
            .map(String::from);
        if location.as_deref() != Some(&format!("http://{host}/soap")) {
            reply
                .failure(
                    ex,
                    "the soap:address location must be http://<the request's Host>/soap",
                )
                .line("expected", format!("http://{host}/soap"))
                .line("location", format!("{location:?}"))
                .fail();
        }
    }
}

#[test]
fn ex9_5_a_toolkit_finds_every_operation_and_type() {
    let ex = harness::exercise("9.5");
    let service = start();
    let (reply, doc) = fetch_wsdl(ex, &service, "127.0.0.1");
    let port_type_ops: Vec<&str> = doc
        .all(Some(WSDL_NS), "operation")
        .iter()
        .filter(|o| o.path.last().map(String::as_str) == Some("portType"))
        .filter_map(|o| attribute(o, "name"))
        .collect();
    let binding_ops: Vec<&str> = doc
        .all(Some(WSDL_NS), "operation")
        .iter()
        .filter(|o| o.path.last().map(String::as_str) == Some("binding"))
        .filter_map(|o| attribute(o, "name"))
        .collect();
    if port_type_ops != binding_ops || binding_ops.len() != 4 {
        reply
            .failure(
                ex,
                "the binding must bind exactly the port type's four operations, in order",
            )
            .line("portType", format!("{port_type_ops:?}"))
            .line("binding", format!("{binding_ops:?}"))
            .fail();
    }
    // Document/literal wrapped: each operation's request is the element
    // named for it, its response the element named for it plus Response,
    // both declared in the schema, as is the fault's Problems.
    const XSD: &str = "http://www.w3.org/2001/XMLSchema";
    let declared: Vec<&str> = doc
        .all(Some(XSD), "element")
        .into_iter()
        .filter(|e| e.path.last().map(String::as_str) == Some("schema"))
        .filter_map(|e| attribute(e, "name"))
        .collect();
    let parts: Vec<(String, String)> = doc
        .all(Some(WSDL_NS), "part")
        .into_iter()
        .filter_map(|p| attribute(p, "element").map(|e| (p.path.join("/"), e.to_string())))
        .collect();
    for operation in binding_ops {
        for element in [
            operation.to_string(),
            format!("{operation}Response"),
            "Problems".to_string(),
        ] {
            let in_schema = declared.contains(&element.as_str());
            let in_a_message = parts.iter().any(|(_, e)| *e == format!("tns:{element}"));
            if !in_schema || !in_a_message {
                reply
                    .failure(ex, format!("the schema must declare the element {element}, and a message's part must be it"))
                    .line("expected", format!("<xsd:element name=\"{element}\"> in the schema, and <wsdl:part element=\"tns:{element}\"/> in a message"))
                    .line("declared", format!("{declared:?}"))
                    .fail();
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Exercise 9.6: The JSON API
// ---------------------------------------------------------------------------

#[track_caller]
fn expect_problem(ex: Exercise, reply: &Reply, status: u16) -> serde_json::Value {
    reply.expect_status(ex, status);
    reply.expect_content_type(ex, "application/problem+json");
    let problem = reply.json_body(ex);
    let ok = problem["status"] == status
        && problem["type"].is_string()
        && problem["title"].is_string()
        && problem["detail"].is_string();
    if !ok {
        reply.failure(ex, "an error is an RFC 9457 problem: type, title, status (the same as the response's) and detail").fail();
    }
    // RFC 9457: with type about:blank, the title is the status's phrase,
    // and RFC 9110's phrases are the ones to use (413 Content Too Large).
    let phrase = harness::http::reason_phrase(status);
    if problem["type"] == "about:blank" && problem["title"] != phrase {
        reply
            .failure(
                ex,
                format!(
                    "a problem of type about:blank has the status's phrase as its title: {phrase:?}"
                ),
            )
            .fail();
    }
    if reply.response.reason != phrase {
        reply
            .failure(ex, format!("the status line's reason phrase is RFC 9110's: {status} {phrase}"))
            .note("The http crate still has older names for 413 and 422; chapter 8's rfc9110_reason gives the new ones.")
            .fail();
    }
    problem
}

#[test]
fn ex9_6_time_add_list_and_get() {
    let ex = harness::exercise("9.6");
    let service = start();
    let reply = service.json(ex, "GET", "/api/time", None);
    reply
        .expect_status(ex, 200)
        .expect_content_type(ex, "application/json");
    if !reply.json_body(ex)["time"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z'))
    {
        reply
            .failure(ex, "GET /api/time must answer {\"time\": \"...Z\"}")
            .fail();
    }
    let mut ids = Vec::new();
    for name in ["Ada", "Grace"] {
        let body = format!("{{\"name\": \"{name}\", \"message\": \"Hi <there> & é\"}}");
        let reply = service.json(ex, "POST", "/api/entries", Some(&body));
        reply.expect_status(ex, 201);
        let entry = reply.json_body(ex);
        let id = entry["id"].as_i64().unwrap_or(-1);
        if entry["name"] != name
            || entry["message"] != "Hi <there> & é"
            || reply.response.header("location") != Some(&format!("/api/entries/{id}"))
        {
            reply.failure(ex, "POST /api/entries must answer 201, the stored entry, and Location: /api/entries/{id}")
                .line("location", format!("{:?}", reply.response.header("location")))
                .fail();
        }
        ids.push(id);
    }
    let reply = service.json(ex, "GET", "/api/entries", None);
    reply.expect_status(ex, 200);
    let names: Vec<String> = reply.json_body(ex)["entries"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["name"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    if names != ["Grace", "Ada"] {
        reply
            .failure(ex, "GET /api/entries must list every entry, newest first")
            .line("names", format!("{names:?}"))
            .fail();
    }
    let reply = service.json(ex, "GET", "/api/entries?limit=1", None);
    if reply.json_body(ex)["entries"].as_array().map(Vec::len) != Some(1) {
        reply
            .failure(ex, "GET /api/entries?limit=1 must list one entry")
            .fail();
    }
    let reply = service.json(ex, "GET", &format!("/api/entries/{}", ids[0]), None);
    reply.expect_status(ex, 200);
    if reply.json_body(ex)["name"] != "Ada" {
        reply
            .failure(ex, "GET /api/entries/{id} must answer that entry")
            .fail();
    }
}

#[test]
fn ex9_6_every_error_is_a_problem() {
    let ex = harness::exercise("9.6");
    let service = start();
    // JSON can carry U+0001; XML, and so the SOAP service, could not give
    // it back: the service refuses it from both.
    let problem = expect_problem(
        ex,
        &service.json(
            ex,
            "POST",
            "/api/entries",
            Some("{\"name\": \"Ada\\u0001\", \"message\": \"x\"}"),
        ),
        422,
    );
    if !problem["errors"]
        .as_array()
        .is_some_and(|a| a.iter().any(|e| e["field"] == "name"))
    {
        Failure::new(ex, "a name holding U+0001 is a 422 naming the field name")
            .line(
                "sent",
                "POST /api/entries {\"name\": \"Ada\\u0001\", \"message\": \"x\"}",
            )
            .line("expected", "errors: [{\"field\": \"name\", ...}]")
            .line("got", problem.to_string())
            .fail();
    }
    expect_problem(
        ex,
        &service.json(ex, "POST", "/api/entries", Some("{\"name\": ")),
        400,
    );
    let problem = expect_problem(
        ex,
        &service.json(
            ex,
            "POST",
            "/api/entries",
            Some("{\"name\": \" \", \"message\": \"\"}"),
        ),
        422,
    );
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    if fields != ["name", "message"] {
        Failure::new(ex, "a 422 problem lists every field at fault in errors")
            .line("expected", "[\"name\", \"message\"]")
            .line("got", format!("{problem}"))
            .fail();
    }
    expect_problem(
        ex,
        &service.json(ex, "GET", "/api/entries?limit=0", None),
        422,
    );
    expect_problem(
        ex,
        &service.json(ex, "GET", "/api/entries/987654", None),
        404,
    );
    let big = format!(
        "{{\"name\": \"Ada\", \"message\": \"{}\"}}",
        "x".repeat(chapter09::MAX_BODY_BYTES)
    );
    expect_problem(
        ex,
        &service.json(ex, "POST", "/api/entries", Some(&big)),
        413,
    );
    let form = "POST /api/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 6\r\nConnection: close\r\n\r\nname=x".to_string();
    expect_problem(
        ex,
        &Reply::of(form.clone(), service.exchange(ex, &form)),
        415,
    );
    expect_problem(ex, &service.json(ex, "GET", "/api/nothing-here", None), 404);
    let reply = service.json(ex, "DELETE", "/api/time", None);
    expect_problem(ex, &reply, 405);
    if reply
        .response
        .header("allow")
        .is_none_or(|a| !a.contains("GET"))
    {
        reply
            .failure(ex, "a 405 says which methods the path takes, in Allow")
            .fail();
    }
}

#[test]
fn ex9_6_an_entry_added_over_soap_is_read_over_json() {
    let ex = harness::exercise("9.6");
    let service = start();
    let reply = service.soap(
        ex,
        &envelope(&operation(
            "AddEntry",
            &[("name", "Soap"), ("message", "written in XML")],
        )),
    );
    reply.expect_status(ex, 200);
    let doc = XmlDoc::read(&reply.body())
        .unwrap_or_else(|e| reply.failure(ex, "not XML").line("error", e).fail());
    let id = doc
        .entries()
        .first()
        .map(|e| e.0.clone())
        .unwrap_or_default();
    let reply = service.json(ex, "GET", &format!("/api/entries/{id}"), None);
    reply.expect_status(ex, 200);
    let entry = reply.json_body(ex);
    if entry["name"] != "Soap" || entry["message"] != "written in XML" {
        reply
            .failure(
                ex,
                "the JSON API must read the same guestbook as the SOAP service",
            )
            .fail();
    }
    let reply = service.json(
        ex,
        "POST",
        "/api/entries",
        Some("{\"name\": \"Json\", \"message\": \"written in JSON\"}"),
    );
    reply.expect_status(ex, 201);
    let id = reply.json_body(ex)["id"].as_i64().unwrap_or(-1).to_string();
    let reply = service.soap(ex, &envelope(&operation("GetEntry", &[("id", &id)])));
    let doc = XmlDoc::read(&reply.body())
        .unwrap_or_else(|e| reply.failure(ex, "not XML").line("error", e).fail());
    if doc.entries().first().map(|e| e.1.as_str()) != Some("Json") {
        reply
            .failure(ex, "the SOAP service must read an entry added over JSON")
            .fail();
    }
}

#[test]
fn ex9_6_the_openapi_document_describes_every_route_and_response() {
    let ex = harness::exercise("9.6");
    let service = start();
    let reply = service.json(ex, "GET", "/api/openapi.json", None);
    reply.expect_status(ex, 200);
    let doc = reply.json_body(ex);
    if !doc["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.1"))
    {
        reply.failure(ex, "the document must be OpenAPI 3.1").fail();
    }
    let expected = [
        ("/api/time", "get", vec!["200"]),
        ("/api/entries", "get", vec!["200", "422", "500"]),
        (
            "/api/entries",
            "post",
            vec!["201", "400", "413", "415", "422", "500"],
        ),
        ("/api/entries/{id}", "get", vec!["200", "404", "500"]),
    ];
    let paths: Vec<&String> = doc["paths"]
        .as_object()
        .map(|p| p.keys().collect())
        .unwrap_or_default();
    if paths.len() != 3 {
        reply
            .failure(ex, "the document must describe exactly the three API paths")
            .line("paths", format!("{paths:?}"))
            .fail();
    }
    for (path, method, statuses) in expected {
        let responses: Vec<&String> = doc["paths"][path][method]["responses"]
            .as_object()
            .map(|r| r.keys().collect())
            .unwrap_or_default();
        if responses != statuses.iter().collect::<Vec<_>>() {
            reply
                .failure(
                    ex,
                    format!(
                        "{} {path} must document its responses",
                        method.to_uppercase()
                    ),
                )
                .line("expected", format!("{statuses:?}"))
                .line("documented", format!("{responses:?}"))
                .fail();
        }
        // Every error is documented as the problem it is.
        for status in statuses.iter().filter(|s| !s.starts_with('2')) {
            let content = &doc["paths"][path][method]["responses"][status]["content"];
            if content.get("application/problem+json").is_none() {
                reply
                    .failure(ex, format!("{} {path}: the {status} must be documented as application/problem+json", method.to_uppercase()))
                    .line("documented", content.to_string())
                    .fail();
            }
        }
    }
    // A browser that comes to / learns where both contracts are.
    let index = service.json(ex, "GET", "/", None);
    index
        .expect_status(ex, 200)
        .expect_content_type(ex, "text/html");
    if !index.body().contains("/soap?wsdl") || !index.body().contains("/api/openapi.json") {
        index
            .failure(ex, "the page at / must link to both contracts")
            .fail();
    }
    // And the documented answers are the real ones.
    let created = service.json(
        ex,
        "POST",
        "/api/entries",
        Some("{\"name\": \"Doc\", \"message\": \"checked\"}"),
    );
    created.expect_status(ex, 201);
    let id = created.json_body(ex)["id"].as_i64().unwrap_or(-1);
    service
        .json(ex, "GET", &format!("/api/entries/{id}"), None)
        .expect_status(ex, 200);
}

// ---------------------------------------------------------------------------
// Exercise 9.7: The client
// ---------------------------------------------------------------------------

#[track_caller]
fn call_ok(ex: Exercise, addr: &str, api: Api, operation: &Operation) -> Outcome {
    block_on(client::call(addr, api, operation)).unwrap_or_else(|error| {
        Failure::new(ex, format!("client::call({api:?}, {operation:?}) failed"))
            .line("sent", format!("{operation:?} over {api:?} to {addr}"))
            .line("expected", "Ok(the outcome)")
            .line("got", error.to_string())
            .fail()
    })
}

#[test]
fn ex9_7_the_client_calls_every_operation_both_ways() {
    let ex = harness::exercise("9.7");
    let service = start();
    let addr = service.addr();
    for api in [Api::Soap, Api::Json] {
        let name = format!("{api:?} <&>");
        let added = call_ok(
            ex,
            &addr,
            api,
            &Operation::Add {
                name: name.clone(),
                message: "é 😀".into(),
            },
        );
        let Outcome::Entry(entry) = added else {
            Failure::new(ex, "an add must come back as Outcome::Entry")
                .line("sent", format!("Add {name:?} over {api:?}"))
                .line("got", format!("{added:?}"))
                .fail();
        };
        if entry.name != name || entry.message != "é 😀" {
            Failure::new(ex, "the client must give back the entry as stored")
                .line("sent", format!("Add {name:?}, \"é 😀\" over {api:?}"))
                .line(
                    "expected",
                    format!("an entry with name {name:?} and message \"é 😀\""),
                )
                .line("got", format!("{entry:?}"))
                .fail();
        }
        let got = call_ok(ex, &addr, api, &Operation::Get { id: entry.id });
        if got != Outcome::Entry(entry.clone()) {
            Failure::new(ex, "get must give back the same entry")
                .line("sent", format!("Get {} over {api:?}", entry.id))
                .line("expected", format!("{entry:?}"))
                .line("got", format!("{got:?}"))
                .fail();
        }
        let listed = call_ok(ex, &addr, api, &Operation::List { limit: Some(1) });
        if listed != Outcome::Entries(vec![entry.clone()]) {
            Failure::new(ex, "list with limit 1 must give back the newest entry")
                .line("sent", format!("List {{ limit: Some(1) }} over {api:?}"))
                .line("expected", format!("Entries([{entry:?}])"))
                .line("got", format!("{listed:?}"))
                .fail();
        }
        let time = call_ok(ex, &addr, api, &Operation::Time);
        if !matches!(&time, Outcome::Time(t) if t.ends_with('Z')) {
            Failure::new(ex, "time must give back the server's time")
                .line("sent", format!("Time over {api:?}"))
                .line("expected", "Time(\"...Z\")")
                .line("got", format!("{time:?}"))
                .fail();
        }
    }
}

#[test]
fn ex9_7_faults_and_problems_come_back_as_errors() {
    let ex = harness::exercise("9.7");
    let service = start();
    let addr = service.addr();
    match block_on(client::call(&addr, Api::Soap, &Operation::Get { id: 4040 })) {
        Err(CallError::Fault(fault))
            if fault.code == FaultCode::Client
                && fault.problems.iter().any(|p| p.field == "id") => {}
        other => Failure::new(
            ex,
            "an unknown id over SOAP must come back as CallError::Fault naming the field id",
        )
        .line("got", format!("{other:?}"))
        .fail(),
    }
    match block_on(client::call(
        &addr,
        Api::Json,
        &Operation::Add {
            name: String::new(),
            message: "x".into(),
        },
    )) {
        Err(CallError::Problem(problem))
            if problem.status == 422 && problem.errors.iter().any(|p| p.field == "name") => {}
        other => Failure::new(
            ex,
            "an empty name over JSON must come back as CallError::Problem (422, field name)",
        )
        .line("got", format!("{other:?}"))
        .fail(),
    }
}

#[test]
fn ex9_7_the_binary_prints_the_result_and_exits_1_on_a_fault() {
    let ex = harness::exercise("9.7");
    let Some(binary) =
        option_env!("CARGO_BIN_EXE_chapter09-solution").or(option_env!("CARGO_BIN_EXE_chapter09"))
    else {
        panic!("cargo did not say where the chapter's binary is");
    };
    let service = start();
    let addr = service.addr();
    let mut add = harness::ChildProcess::start(
        ex,
        binary,
        &[
            "client",
            "--addr",
            &addr,
            "soap",
            "add",
            "--name",
            "Ada",
            "--message",
            "From the command line",
        ],
    );
    add.wait_for_line("#1", harness::TIMEOUT);
    add.expect_clean_exit(harness::TIMEOUT, "a successful call exits 0");
    let mut get = harness::ChildProcess::start(
        ex,
        binary,
        &["client", "--addr", &addr, "json", "get", "99"],
    );
    get.wait_for_line("problem 404", harness::TIMEOUT);
    get.expect_exit(
        1,
        harness::TIMEOUT,
        "a call answered with a problem prints it and exits 1",
    );
}
