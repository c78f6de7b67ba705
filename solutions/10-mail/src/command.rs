//! Reading one SMTP command line (RFC 5321 section 4.1): the verb, and for
//! `MAIL` and `RCPT` the path in angle brackets and its parameters.
//!
//! ```text
//! MAIL FROM:<ada@example.org> SIZE=1200 BODY=8BITMIME
//! ^^^^ ^^^^^ ^^^^^^^^^^^^^^^^ ^^^^^^^^^^^^^^^^^^^^^^^
//! verb       the reverse path  parameters, each KEY=VALUE
//! ```
//!
//! The line arrives without its CRLF. Verbs and parameter names are case
//! insensitive; the local part of an address is kept as it came (only the
//! receiving domain may decide what its case means).

use std::fmt;

use crate::reply::Reply;

/// The longest local part (before the `@`), in octets (RFC 5321 4.5.3.1.1).
pub const MAX_LOCAL_PART: usize = 64;
/// The longest domain, in octets (4.5.3.1.2).
pub const MAX_DOMAIN: usize = 255;
/// The longest path, brackets included (4.5.3.1.3).
pub const MAX_PATH: usize = 256;

/// A mailbox: `local@domain`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    /// Before the `@`, as sent.
    pub local: String,
    /// After the `@`, lowercased: domains are case insensitive.
    pub domain: String,
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

/// What `BODY=` says the message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyType {
    SevenBit,
    EightBitMime,
}

/// One command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Helo(String),
    Ehlo(String),
    /// `MAIL FROM:<path>`; `from` is `None` for the null path `<>`, which
    /// bounces are sent from.
    Mail {
        from: Option<Address>,
        size: Option<u64>,
        body: Option<BodyType>,
    },
    Rcpt(Address),
    Data,
    Rset,
    Noop,
    Vrfy(String),
    Help,
    Quit,
}

// ANCHOR: parse_command
// ANCHOR: parse_command_signature
/// The command on `line` (without its CRLF), or the reply that says why it
/// is not one: 500 for an unknown verb, 501 for bad syntax, 555 for a
/// parameter this server does not know.
pub fn parse_command(line: &[u8]) -> Result<Command, Reply> {
    // ANCHOR_END: parse_command_signature
    // exercise 10.1: Read a command
    let Ok(line) = std::str::from_utf8(line) else {
        return Err(Reply::new(500, "5.5.2 Commands are ASCII"));
    };
    if !line.is_ascii() {
        return Err(Reply::new(500, "5.5.2 Commands are ASCII"));
    }
    let (verb, rest) = match line.split_once(' ') {
        Some((verb, rest)) => (verb, rest),
        None => (line, ""),
    };
    let verb = verb.to_ascii_uppercase();
    let no_argument = |command: Command| {
        if rest.trim().is_empty() {
            Ok(command)
        } else {
            Err(Reply::new(501, format!("5.5.4 {verb} takes no argument")))
        }
    };
    match verb.as_str() {
        "HELO" | "EHLO" => {
            let domain = rest.trim();
            if domain.is_empty()
                || domain.contains(' ')
                || !(is_domain(domain) || is_address_literal(domain))
            {
                return Err(Reply::new(501, format!("5.5.4 Syntax: {verb} your.domain")));
            }
            Ok(if verb == "HELO" {
                Command::Helo(domain.to_string())
            } else {
                Command::Ehlo(domain.to_string())
            })
        }
        "MAIL" => parse_mail(rest),
        "RCPT" => parse_rcpt(rest),
        "DATA" => no_argument(Command::Data),
        "RSET" => no_argument(Command::Rset),
        "QUIT" => no_argument(Command::Quit),
        // NOOP and HELP may carry an argument, which means nothing here.
        "NOOP" => Ok(Command::Noop),
        "HELP" => Ok(Command::Help),
        "VRFY" if !rest.trim().is_empty() => Ok(Command::Vrfy(rest.trim().to_string())),
        "VRFY" => Err(Reply::new(501, "5.5.4 Syntax: VRFY address")),
        _ => Err(Reply::new(500, "5.5.1 Unknown command")),
    }
    // end exercise
}
// ANCHOR_END: parse_command

/// `FROM:<path> [parameters]`.
fn parse_mail(rest: &str) -> Result<Command, Reply> {
    let Some(after) = strip_prefix_ignore_case(rest, "FROM:") else {
        return Err(Reply::new(501, "5.5.4 Syntax: MAIL FROM:<address>"));
    };
    let (path, parameters) = split_path(after)?;
    let from = if path == "<>" {
        None
    } else {
        Some(parse_path(path)?)
    };
    let mut size = None;
    let mut body = None;
    for parameter in parameters.split(' ').filter(|p| !p.is_empty()) {
        let (key, value) = parameter.split_once('=').unwrap_or((parameter, ""));
        match key.to_ascii_uppercase().as_str() {
            "SIZE" => {
                let parsed = value.parse::<u64>().ok().filter(|_| {
                    !value.is_empty()
                        && value.len() <= 20
                        && value.bytes().all(|b| b.is_ascii_digit())
                });
                let Some(parsed) = parsed else {
                    return Err(Reply::new(501, "5.5.4 SIZE must be a number of octets"));
                };
                size = Some(parsed);
            }
            "BODY" => {
                body = Some(match value.to_ascii_uppercase().as_str() {
                    "7BIT" => BodyType::SevenBit,
                    "8BITMIME" => BodyType::EightBitMime,
                    _ => return Err(Reply::new(501, "5.5.4 BODY is 7BIT or 8BITMIME")),
                });
            }
            _ => {
                return Err(Reply::new(
                    555,
                    format!("5.5.4 MAIL parameter {key} is not recognized"),
                ));
            }
        }
    }
    Ok(Command::Mail { from, size, body })
}

/// `TO:<path>`, with no parameters (this server offers none for RCPT).
fn parse_rcpt(rest: &str) -> Result<Command, Reply> {
    let Some(after) = strip_prefix_ignore_case(rest, "TO:") else {
        return Err(Reply::new(501, "5.5.4 Syntax: RCPT TO:<address>"));
    };
    let (path, parameters) = split_path(after)?;
    if !parameters.trim().is_empty() {
        return Err(Reply::new(555, "5.5.4 RCPT parameters are not recognized"));
    }
    Ok(Command::Rcpt(parse_path(path)?))
}

/// The `<...>` path at the start of `text`, and what follows it.
fn split_path(text: &str) -> Result<(&str, &str), Reply> {
    // Some clients write a space after the colon; RFC 5321 does not, but
    // refusing them would help nobody.
    let text = text.trim_start();
    if !text.starts_with('<') {
        return Err(Reply::new(
            501,
            "5.1.7 The address must be in angle brackets: <ada@example.org>",
        ));
    }
    let Some(end) = text.find('>') else {
        return Err(Reply::new(501, "5.1.7 The address has no closing >"));
    };
    let (path, rest) = text.split_at(end + 1);
    if path.len() > MAX_PATH {
        return Err(Reply::new(
            501,
            format!("5.1.7 The path is longer than {MAX_PATH} octets"),
        ));
    }
    Ok((path, rest.trim_start()))
}

// ANCHOR: parse_path
// ANCHOR: parse_path_signature
/// A path `<local@domain>` (a source route `<@relay:local@domain>`, which
/// RFC 5321 says to accept and ignore, is accepted and ignored).
pub fn parse_path(path: &str) -> Result<Address, Reply> {
    // ANCHOR_END: parse_path_signature
    // exercise 10.1: Read a command
    let bad = |why: &str| Reply::new(501, format!("5.1.7 Bad address {path}: {why}"));
    let inner = path
        .strip_prefix('<')
        .and_then(|p| p.strip_suffix('>'))
        .ok_or_else(|| bad("it must be in angle brackets"))?;
    let mailbox = match inner.strip_prefix('@') {
        Some(route) => route
            .split_once(':')
            .map(|(_, m)| m)
            .ok_or_else(|| bad("a source route without its colon"))?,
        None => inner,
    };
    let (local, domain) = mailbox.rsplit_once('@').ok_or_else(|| bad("no @"))?;
    if local.is_empty() || local.len() > MAX_LOCAL_PART {
        return Err(bad(&format!(
            "the part before @ must be 1 to {MAX_LOCAL_PART} octets"
        )));
    }
    if !(is_dot_string(local) || is_quoted_string(local)) {
        return Err(bad(
            "the part before @ has characters an address cannot have",
        ));
    }
    if domain.len() > MAX_DOMAIN || !(is_domain(domain) || is_address_literal(domain)) {
        return Err(bad("the domain is not a domain name"));
    }
    Ok(Address {
        local: local.to_string(),
        domain: domain.to_ascii_lowercase(),
    })
    // end exercise
}
// ANCHOR_END: parse_path

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// RFC 5321's `atext`: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b)
}

/// `Atom *("." Atom)`: no empty atom, so no leading, trailing or double dot.
fn is_dot_string(text: &str) -> bool {
    text.split('.')
        .all(|atom| !atom.is_empty() && atom.bytes().all(is_atext))
}

/// `"..."` with printable ASCII inside, `\` escaping one character.
fn is_quoted_string(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return false;
    };
    let mut bytes = inner.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'\\' => {
                if !bytes.next().is_some_and(|e| (32..=126).contains(&e)) {
                    return false;
                }
            }
            b'"' => return false,
            32..=126 => {}
            _ => return false,
        }
    }
    true
}

/// Labels of letters, digits and hyphens, not starting or ending with a
/// hyphen, separated by dots.
fn is_domain(text: &str) -> bool {
    !text.is_empty()
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// `[192.0.2.1]` or `[IPv6:...]`.
fn is_address_literal(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) else {
        return false;
    };
    match inner.strip_prefix("IPv6:") {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => inner.parse::<std::net::Ipv4Addr>().is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(local: &str, domain: &str) -> Address {
        Address {
            local: local.into(),
            domain: domain.into(),
        }
    }

    #[test]
    fn reads_each_command() {
        assert_eq!(
            parse_command(b"EHLO client.example"),
            Ok(Command::Ehlo("client.example".into()))
        );
        assert_eq!(
            parse_command(b"helo [192.0.2.1]"),
            Ok(Command::Helo("[192.0.2.1]".into()))
        );
        assert_eq!(
            parse_command(b"MAIL FROM:<Ada@Example.ORG> SIZE=1200 BODY=8bitmime"),
            Ok(Command::Mail {
                from: Some(address("Ada", "example.org")),
                size: Some(1200),
                body: Some(BodyType::EightBitMime)
            })
        );
        assert_eq!(
            parse_command(b"MAIL FROM:<>"),
            Ok(Command::Mail {
                from: None,
                size: None,
                body: None
            })
        );
        assert_eq!(
            parse_command(b"rcpt to:<bob@localhost>"),
            Ok(Command::Rcpt(address("bob", "localhost")))
        );
        assert_eq!(
            parse_command(b"RCPT TO: <\"a b\"@localhost>"),
            Ok(Command::Rcpt(address("\"a b\"", "localhost")))
        );
        assert_eq!(
            parse_command(b"RCPT TO:<@relay.example:bob@localhost>"),
            Ok(Command::Rcpt(address("bob", "localhost")))
        );
        for (line, command) in [
            (&b"DATA"[..], Command::Data),
            (b"RSET", Command::Rset),
            (b"NOOP anything", Command::Noop),
            (b"HELP", Command::Help),
            (b"QUIT", Command::Quit),
        ] {
            assert_eq!(parse_command(line), Ok(command));
        }
        assert_eq!(parse_command(b"VRFY bob"), Ok(Command::Vrfy("bob".into())));
    }

    #[test]
    fn refuses_with_the_right_code() {
        let code = |line: &[u8]| parse_command(line).map_err(|r| r.code).err();
        assert_eq!(code(b"HELLO there"), Some(500));
        assert_eq!(code(b"EHLO"), Some(501));
        assert_eq!(code(b"MAIL FROM:ada@example.org"), Some(501));
        assert_eq!(code(b"MAIL FROM:<ada@>"), Some(501));
        assert_eq!(code(b"MAIL FROM:<ada..b@example.org>"), Some(501));
        assert_eq!(code(b"MAIL FROM:<a@-bad-.org>"), Some(501));
        assert_eq!(code(b"MAIL FROM:<a@b.org> SIZE=lots"), Some(501));
        assert_eq!(code(b"MAIL FROM:<a@b.org> SIZE="), Some(501));
        assert_eq!(code(b"MAIL FROM:<a@b.org> SMTPUTF8"), Some(555));
        assert_eq!(code(b"RCPT TO:<a@b.org> NOTIFY=NEVER"), Some(555));
        assert_eq!(code(b"DATA now"), Some(501));
        let long = format!("MAIL FROM:<{}@b.org>", "a".repeat(65));
        assert_eq!(code(long.as_bytes()), Some(501));
        assert_eq!(code("MAIL FROM:<é@b.org>".as_bytes()), Some(500));
    }
}
