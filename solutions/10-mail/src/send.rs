//! The `send` subcommand: one message through a server, with lettre's SMTP
//! transport, as a real program would send it (no TLS: this is a server on
//! your own machine).

use lettre::message::Mailbox;
use lettre::transport::smtp::response::Response;
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
pub fn send(host: &str, port: u16, outgoing: &Outgoing) -> Result<Response, SendError> {
    // ANCHOR_END: send_signature
    // exercise 10.6: Send with lettre
    let mailbox = |text: &str| {
        text.parse::<Mailbox>()
            .map_err(|e| SendError::Address(text.to_string(), e))
    };
    let mut message = Message::builder()
        .from(mailbox(&outgoing.from)?)
        .subject(outgoing.subject.clone());
    for to in &outgoing.to {
        message = message.to(mailbox(to)?);
    }
    let message = message
        .body(outgoing.body.clone())
        .map_err(SendError::Message)?;
    // builder_dangerous: plain SMTP, no TLS, no authentication. Right for
    // a server on 127.0.0.1; a mail server on the internet wants TLS.
    let transport = SmtpTransport::builder_dangerous(host)
        .port(port)
        .timeout(Some(std::time::Duration::from_secs(10)))
        .build();
    transport.send(&message).map_err(SendError::Smtp)
    // end exercise
}
// ANCHOR_END: send
