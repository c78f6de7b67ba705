//! The `send` subcommand: one message through a server, with lettre's SMTP
//! transport, as a real program would send it (no TLS: this is a server on
//! your own machine).

#[expect(unused_imports, reason = "until you write exercise 10.6")]
use lettre::message::Mailbox;
use lettre::transport::smtp::response::Response;
#[expect(unused_imports, reason = "until you write exercise 10.6")]
use lettre::{Message, SmtpTransport, Transport};

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// Why a message was not sent.
#[derive(Debug)]
pub enum SendError {
    /// An address lettre cannot read.
    Address(String, lettre::address::AddressError),
    /// The message could not be built.
    Message(lettre::error::Error),
    /// The server refused it, or could not be reached.
    Smtp(lettre::transport::smtp::Error),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Address(text, error) => write!(f, "bad address {text:?}: {error}"),
            SendError::Message(error) => write!(f, "the message: {error}"),
            SendError::Smtp(error) => write!(f, "the server: {error}"),
        }
    }
}

// ANCHOR: send
// ANCHOR: send_signature
/// Sends `outgoing` through the SMTP server at `host:port`, and gives back
/// the server's last reply (the 250 after the data).
#[expect(unused_variables, reason = "until you write exercise 10.6")]
pub fn send(host: &str, port: u16, outgoing: &Outgoing) -> Result<Response, SendError> {
    // ANCHOR_END: send_signature
    todo!(
        "exercise 10.6: Send with lettre (read book/src/ch10-mail.md#exercise-106-send-with-lettre)"
    )
}
// ANCHOR_END: send
