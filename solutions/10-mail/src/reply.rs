//! SMTP replies: a three-digit code and one or more lines of text.
//!
//! ```text
//! 250-mail.example greets you        a multi-line reply: every line but the
//! 250-PIPELINING                     last has a dash after the code,
//! 250-SIZE 10485760                  the last a space, and each ends in CRLF
//! 250 HELP
//! ```
//!
//! The first digit says how it went (2 done, 3 go on, 4 try again later, 5
//! do not try again); a client acts on the code alone, the text is for the
//! person reading a log.

/// One reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The code: 250, 354, 550, ...
    pub code: u16,
    /// The text, one entry per line, without CRLF.
    pub lines: Vec<String>,
}

impl Reply {
    /// A reply of one line.
    pub fn new(code: u16, text: impl Into<String>) -> Reply {
        Reply {
            code,
            lines: vec![text.into()],
        }
    }

    /// A reply of several lines (at least one).
    pub fn lines(code: u16, lines: Vec<String>) -> Reply {
        assert!(!lines.is_empty(), "a reply has at least one line");
        Reply { code, lines }
    }

    // ANCHOR: to_bytes
    /// The reply as it goes on the wire: `250-...` continuation lines, the
    /// last with a space, every one ending in CRLF.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let last = self.lines.len() - 1;
        for (i, line) in self.lines.iter().enumerate() {
            let separator = if i == last { ' ' } else { '-' };
            out.extend_from_slice(format!("{}{separator}{line}\r\n", self.code).as_bytes());
        }
        out
    }
    // ANCHOR_END: to_bytes

    /// Whether the client may go on (2xx and 3xx).
    pub fn is_positive(&self) -> bool {
        self.code < 400
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_and_many() {
        assert_eq!(Reply::new(250, "OK").to_bytes(), b"250 OK\r\n");
        let ehlo = Reply::lines(
            250,
            vec!["mail.example".into(), "PIPELINING".into(), "HELP".into()],
        );
        assert_eq!(
            ehlo.to_bytes(),
            b"250-mail.example\r\n250-PIPELINING\r\n250 HELP\r\n"
        );
    }
}
