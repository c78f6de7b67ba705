//! SOAP 1.1 faults: the one way a SOAP service says "no".
//!
//! ```text
//! <soap:Fault>
//!   <faultcode>soap:Client</faultcode>          who must change something: Client (the
//!                                               caller), Server (us), VersionMismatch,
//!                                               MustUnderstand
//!   <faultstring>The entry is not valid.</faultstring>   for a person
//!   <detail>                                    for a program: one Problem per field
//!     <g:Problem><g:field>name</g:field><g:reason>The name is empty.</g:reason></g:Problem>
//!   </detail>
//! </soap:Fault>
//! ```
//!
//! Every fault about a message goes with HTTP status 500, as SOAP 1.1's
//! HTTP binding says. Three come before there is any XML to read, with the
//! status that says why: 413 for a body too large, 415 for one that is not
//! XML, 400 for one that could not be read.

use crate::service::{FieldError, ServiceError};

/// The four fault codes of SOAP 1.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultCode {
    /// The caller's message was wrong: do not send it again unchanged.
    Client,
    /// We failed: the same message may work later.
    Server,
    /// The envelope is not SOAP 1.1's.
    VersionMismatch,
    /// A header block marked `mustUnderstand="1"` that we do not.
    MustUnderstand,
}

impl FaultCode {
    /// The code as the `faultcode` element holds it, in the envelope's
    /// namespace (prefix `soap`).
    pub fn qualified(self) -> &'static str {
        match self {
            FaultCode::Client => "soap:Client",
            FaultCode::Server => "soap:Server",
            FaultCode::VersionMismatch => "soap:VersionMismatch",
            FaultCode::MustUnderstand => "soap:MustUnderstand",
        }
    }
}

/// A fault, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub code: FaultCode,
    /// For a person reading it.
    pub string: String,
    /// For a program: what was wrong with which field.
    pub problems: Vec<FieldError>,
}

impl Fault {
    /// A Client fault with no detail.
    pub fn client(string: impl Into<String>) -> Fault {
        Fault::new(FaultCode::Client, string)
    }

    /// A VersionMismatch fault.
    pub fn version_mismatch(string: impl Into<String>) -> Fault {
        Fault::new(FaultCode::VersionMismatch, string)
    }

    /// A MustUnderstand fault.
    pub fn must_understand(string: impl Into<String>) -> Fault {
        Fault::new(FaultCode::MustUnderstand, string)
    }

    /// A Client fault about one field: the detail names it.
    pub fn field(field: &str, reason: impl Into<String>) -> Fault {
        let reason = reason.into();
        Fault {
            code: FaultCode::Client,
            string: reason.clone(),
            problems: vec![FieldError::new(field, reason)],
        }
    }

    fn new(code: FaultCode, string: impl Into<String>) -> Fault {
        Fault {
            code,
            string: string.into(),
            problems: Vec::new(),
        }
    }
}

// ANCHOR: from_service_error
// ANCHOR: from_service_error_signature
impl From<ServiceError> for Fault {
    /// The caller's mistakes are Client faults with the fields named; our
    /// own failures are a Server fault that says nothing of what failed
    /// inside (that goes to the log).
    fn from(error: ServiceError) -> Fault {
        // ANCHOR_END: from_service_error_signature
        // exercise 9.3: Write the faults
        match error {
            ServiceError::Invalid(problems) => Fault {
                code: FaultCode::Client,
                string: "The request is not valid.".to_string(),
                problems,
            },
            ServiceError::NotFound(id) => Fault::field("id", format!("There is no entry {id}.")),
            ServiceError::Storage(error) => {
                tracing::error!(%error, "a SOAP call failed");
                Fault::new(FaultCode::Server, "The service failed; try again later.")
            }
        }
        // end exercise
    }
}
// ANCHOR_END: from_service_error
