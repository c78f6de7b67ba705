//! One SMTP session as a state machine: which command may come when, and
//! what each is answered. No sockets here (as chapter 3's parser had none):
//! the server feeds it lines and writes what it answers, so every rule can
//! be tested by calling a function.
//!
//! ```text
//!            EHLO/HELO            MAIL FROM           RCPT TO (1 to 100)
//!  Fresh ─────────────▶ Greeted ─────────────▶ Mail ─────────────▶ Recipients ─┐
//!                          ▲  ▲                  │ RSET                 │ RCPT  │
//!                          │  └──────────────────┘                      ◀───────┘
//!                          │              DATA: 354, the message, CRLF.CRLF
//!                          └────────────────────────────────────────────┘
//!  QUIT anywhere: 221 and close.  RSET: back to Greeted.  EHLO: a new start.
//! ```

#[expect(unused_imports, reason = "until you write exercise 10.2")]
use crate::command::{Address, Command, parse_command};
use crate::reply::Reply;

/// The most recipients of one message (RFC 5321 4.5.3.1.8 asks servers to
/// take at least 100).
pub const MAX_RECIPIENTS: usize = 100;
/// How many refused commands a session may send before it is closed: a
/// client that only errs is a script probing, or a bug looping.
pub const MAX_ERRORS: usize = 10;
/// The longest command line, CRLF included. RFC 5321 lets a server refuse
/// a command line over 512 octets (4.5.3.1.4) and a text line over 1,000
/// (4.5.3.1.6), and asks it to take more where it can (4.5.3.1): we take
/// 1,000 for both.
pub const MAX_LINE: usize = 1000;

/// What the server is: its name and the domains it takes mail for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The name in the greeting and the `Received:` line.
    pub name: String,
    /// The domains whose mail is delivered here, lowercased. Mail for any
    /// other is refused: taking it would make us an open relay.
    pub domains: Vec<String>,
    /// The largest message, in octets.
    pub max_size: usize,
}

/// Who sent a message, and to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// What the client called itself in EHLO or HELO.
    pub helo: String,
    /// The reverse path; `None` for `<>`.
    pub from: Option<Address>,
    /// The accepted recipients, each once.
    pub to: Vec<Address>,
}

/// What the server does after a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write this reply and read the next command.
    Reply(Reply),
    /// Write this reply (354), then read the data phase.
    Data(Reply),
    /// Write this reply and close the connection.
    Close(Reply),
}

// ANCHOR: state
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Fresh,
    Greeted {
        helo: String,
    },
    #[expect(dead_code, reason = "until you write exercise 10.2")]
    Mail {
        helo: String,
        from: Option<Address>,
    },
    #[expect(dead_code, reason = "until you write exercise 10.2")]
    Recipients(Envelope),
}

/// One session.
#[derive(Debug, Clone)]
pub struct Session {
    config: Config,
    state: State,
    errors: usize,
}
// ANCHOR_END: state

impl Session {
    /// A session that has not been greeted yet.
    pub fn new(config: Config) -> Session {
        Session {
            config,
            state: State::Fresh,
            errors: 0,
        }
    }

    /// The first thing the server says.
    pub fn greeting(&self) -> Reply {
        Reply::new(220, format!("{} ESMTP", self.config.name))
    }

    // ANCHOR: command
    // ANCHOR: command_signature
    /// Answers one command line (without its CRLF).
    #[expect(unused_variables, reason = "until you write exercise 10.2")]
    pub fn command(&mut self, line: &[u8]) -> Action {
        // ANCHOR_END: command_signature
        todo!(
            "exercise 10.2: The session's states (read book/src/ch10-mail.md#exercise-102-the-sessions-states)"
        )
    }
    // ANCHOR_END: command

    /// A command line longer than [`MAX_LINE`]: refused, and counted.
    pub fn line_too_long(&mut self) -> Action {
        self.refuse(Reply::new(
            500,
            format!("5.5.2 Line longer than {MAX_LINE} octets"),
        ))
    }

    /// After the data phase: the envelope of the message just read, and the
    /// session back to where a new message may begin.
    pub fn end_data(&mut self) -> Option<Envelope> {
        match std::mem::replace(&mut self.state, State::Fresh) {
            State::Recipients(envelope) => {
                self.state = State::Greeted {
                    helo: envelope.helo.clone(),
                };
                Some(envelope)
            }
            other => {
                self.state = other;
                None
            }
        }
    }

    /// The configuration, for the server around the session.
    pub fn config(&self) -> &Config {
        &self.config
    }

    // ANCHOR: recipient
    // ANCHOR: recipient_signature
    #[expect(dead_code, unused_variables, reason = "until you write exercise 10.2")]
    fn recipient(&mut self, to: Address) -> Action {
        // ANCHOR_END: recipient_signature
        todo!(
            "exercise 10.2: The session's states (read book/src/ch10-mail.md#exercise-102-the-sessions-states)"
        )
    }
    // ANCHOR_END: recipient

    /// Answers `reply`, counting it; after [`MAX_ERRORS`] the session ends.
    fn refuse(&mut self, reply: Reply) -> Action {
        self.errors += 1;
        if self.errors > MAX_ERRORS {
            return Action::Close(Reply::new(421, "4.7.0 Too many errors; closing"));
        }
        Action::Reply(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session::new(Config {
            name: "mail.test".into(),
            domains: vec!["localhost".into()],
            max_size: 1000,
        })
    }

    fn code(action: Action) -> u16 {
        match action {
            Action::Reply(r) | Action::Data(r) | Action::Close(r) => r.code,
        }
    }

    #[test]
    fn a_whole_transaction() {
        let mut s = session();
        assert_eq!(s.greeting().to_bytes(), b"220 mail.test ESMTP\r\n");
        assert_eq!(code(s.command(b"EHLO client")), 250);
        assert_eq!(code(s.command(b"MAIL FROM:<a@example.org>")), 250);
        assert_eq!(code(s.command(b"RCPT TO:<bob@localhost>")), 250);
        assert_eq!(code(s.command(b"RCPT TO:<BOB@LOCALHOST>")), 250);
        assert!(matches!(s.command(b"DATA"), Action::Data(r) if r.code == 354));
        let envelope = s.end_data().expect("an envelope");
        assert_eq!(
            envelope.to.len(),
            1,
            "the same mailbox twice is one recipient"
        );
        assert_eq!(
            code(s.command(b"MAIL FROM:<>")),
            250,
            "a second message after the first"
        );
        assert!(matches!(s.command(b"QUIT"), Action::Close(r) if r.code == 221));
    }

    #[test]
    fn bad_sequences_are_503() {
        let mut s = session();
        assert_eq!(code(s.command(b"MAIL FROM:<a@b.org>")), 503);
        s.command(b"HELO c");
        assert_eq!(code(s.command(b"RCPT TO:<bob@localhost>")), 503);
        assert_eq!(code(s.command(b"DATA")), 503);
        s.command(b"MAIL FROM:<a@b.org>");
        assert_eq!(code(s.command(b"DATA")), 503, "DATA before any RCPT");
        assert_eq!(code(s.command(b"MAIL FROM:<a@b.org>")), 503, "nested MAIL");
        assert_eq!(code(s.command(b"RSET")), 250);
        assert_eq!(code(s.command(b"MAIL FROM:<a@b.org>")), 250);
    }

    #[test]
    fn no_open_relay_and_limits() {
        let mut s = session();
        s.command(b"EHLO c");
        assert_eq!(code(s.command(b"MAIL FROM:<a@b.org> SIZE=5000")), 552);
        s.command(b"MAIL FROM:<a@b.org>");
        assert_eq!(code(s.command(b"RCPT TO:<victim@elsewhere.example>")), 550);
        for i in 0..MAX_RECIPIENTS {
            assert_eq!(
                code(s.command(format!("RCPT TO:<u{i}@localhost>").as_bytes())),
                250
            );
        }
        assert_eq!(code(s.command(b"RCPT TO:<one.more@localhost>")), 452);
    }

    #[test]
    fn too_many_errors_close_the_session() {
        let mut s = session();
        for _ in 0..MAX_ERRORS {
            assert_eq!(code(s.command(b"BOGUS")), 500);
        }
        assert!(matches!(s.command(b"BOGUS"), Action::Close(r) if r.code == 421));
    }

    #[test]
    fn ehlo_lists_the_extensions() {
        let mut s = session();
        let Action::Reply(reply) = s.command(b"EHLO client.example") else {
            panic!("EHLO is answered");
        };
        assert_eq!(
            reply.to_bytes(),
            b"250-mail.test greets client.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250 HELP\r\n"
        );
        assert_eq!(code(s.command(b"VRFY bob")), 252);
        assert_eq!(code(s.command(b"HELP")), 214);
    }
}
