//! Stage tests of chapter 10, the mail server.
//!
//! The same file tests the learner's crate (`cargo test -p chapter10`) and
//! the reference solution (`cargo test -p chapter10-solution`). Exercises
//! 10.1 to 10.4 are called directly: the command parser, the session's
//! state machine, the data phase, delivery. From 10.5 on the server runs
//! in this process on `127.0.0.1:0` with a fresh Maildir folder, and each
//! test speaks SMTP to it byte for byte, so every message can show exactly
//! what was sent and what came back; the crash test runs the binary and
//! kills it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chapter10::command::{Address, BodyType, Command, parse_command};
use chapter10::data::{Data, DataReader};
use chapter10::maildir;
use chapter10::server::{self, Config};
use chapter10::session::{self, Action, Session};
use harness::{Client, Exercise, Failure, TempDir, TestServer};

/// The server on a fresh Maildir folder.
struct Mail {
    server: TestServer,
    maildir: TempDir,
}

fn start_with(idle_timeout: Duration, max_sessions: usize, max_size: usize) -> Mail {
    let maildir = TempDir::new("ch10");
    let config = Config {
        session: session::Config {
            name: "mail.test".into(),
            domains: vec!["localhost".into(), "example.test".into()],
            max_size,
        },
        maildir: maildir.path().to_path_buf(),
        idle_timeout,
        max_sessions,
    };
    let listener = harness::bind_local();
    let shutdown = chapter07::CancellationToken::new();
    let stop = shutdown.clone();
    let server = TestServer::spawn(
        listener,
        move |listener| {
            chapter08::on_a_runtime(listener, |listener| {
                server::serve(listener, config, shutdown)
            })
        },
        move || stop.cancel(),
    );
    Mail { server, maildir }
}

fn start() -> Mail {
    start_with(Duration::from_secs(30), 100, 10_000)
}

impl Mail {
    /// A connection that has read the greeting.
    #[track_caller]
    fn connect(&self, ex: Exercise) -> Client {
        let mut client = self.server.connect(ex);
        let greeting = client.read_line();
        if !greeting.starts_with(b"220 ") {
            Failure::new(ex, "the server must greet with 220")
                .expected_got(b"220 mail.test ESMTP\r\n", &greeting)
                .fail();
        }
        client
    }

    /// Every file in the `new/` folder of `mailbox`.
    fn delivered(&self, mailbox: &str) -> Vec<Vec<u8>> {
        files(&self.maildir.path().join(mailbox).join("new"))
    }
}

fn files(folder: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).expect("read a delivered message"))
        .collect()
}

/// Sends `command` and reads one whole reply (every `NNN-` line and the
/// `NNN ` one); returns its lines.
#[track_caller]
fn say(ex: Exercise, client: &mut Client, command: &[u8]) -> Vec<Vec<u8>> {
    client.send(command);
    read_reply(ex, client)
}

#[track_caller]
fn read_reply(ex: Exercise, client: &mut Client) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    loop {
        let line = client.read_line();
        let last = line.get(3) == Some(&b' ');
        if !line.ends_with(b"\r\n") || line.len() < 5 || !line[..3].iter().all(u8::is_ascii_digit) {
            Failure::new(
                ex,
                "every reply line is a code, a space or dash, text and CRLF",
            )
            .sent(client.sent())
            .got(&line)
            .fail();
        }
        lines.push(line);
        if last {
            return lines;
        }
    }
}

#[track_caller]
fn expect_code(ex: Exercise, client: &mut Client, command: &[u8], code: &str) -> Vec<Vec<u8>> {
    let reply = say(ex, client, command);
    if !reply.last().is_some_and(|l| l.starts_with(code.as_bytes())) {
        Failure::new(ex, format!("expected a {code} reply"))
            .sent(command)
            .got(&reply.concat())
            .fail();
    }
    reply
}

/// EHLO, a sender, `bob@localhost` as the recipient, and DATA, each
/// answered as it must be: the session is then in the data phase.
#[track_caller]
fn begin_data_to_bob(ex: Exercise, client: &mut Client) {
    for command in [
        "EHLO c\r\n",
        "MAIL FROM:<a@example.org>\r\n",
        "RCPT TO:<bob@localhost>\r\n",
    ] {
        expect_code(ex, client, command.as_bytes(), "250");
    }
    expect_code(ex, client, b"DATA\r\n", "354");
}

fn message_to(to: &str, body: &str) -> Vec<u8> {
    format!(
        "EHLO client.test\r\nMAIL FROM:<ada@example.org>\r\nRCPT TO:<{to}>\r\nDATA\r\n{body}\r\n.\r\nQUIT\r\n"
    )
    .into_bytes()
}

#[test]
fn ex10_5_a_whole_session_stores_the_message_exactly() {
    let ex = harness::exercise("10.5");
    let mail = start();
    let mut client = mail.connect(ex);
    let ehlo = expect_code(ex, &mut client, b"EHLO client.test\r\n", "250");
    for extension in ["PIPELINING", "SIZE 10000", "8BITMIME", "HELP"] {
        if !ehlo
            .iter()
            .any(|l| l[4..].starts_with(extension.as_bytes()))
        {
            Failure::new(ex, format!("EHLO must list {extension}"))
                .sent(b"EHLO client.test\r\n")
                .got(&ehlo.concat())
                .fail();
        }
    }
    expect_code(ex, &mut client, b"MAIL FROM:<ada@example.org>\r\n", "250");
    expect_code(ex, &mut client, b"RCPT TO:<bob@localhost>\r\n", "250");
    expect_code(ex, &mut client, b"DATA\r\n", "354");
    expect_code(
        ex,
        &mut client,
        b"Subject: hi\r\n\r\n..one dot\r\ncaf\xc3\xa9\r\n.\r\n",
        "250",
    );
    expect_code(ex, &mut client, b"QUIT\r\n", "221");
    let stored = mail.delivered("bob@localhost");
    let ok = stored.len() == 1
        && stored[0].starts_with(b"Return-Path: <ada@example.org>\r\nReceived: from client.test")
        && stored[0].ends_with(b"\r\nSubject: hi\r\n\r\n.one dot\r\ncaf\xc3\xa9\r\n");
    if !ok {
        Failure::new(ex, "the message must be in bob@localhost/new/, once: Return-Path, Received, then the bytes un-stuffed")
            .got(&stored.concat())
            .fail();
    }
}

#[test]
fn ex10_5_pipelined_commands_get_one_reply_each_in_order() {
    let ex = harness::exercise("10.5");
    let mail = start();
    let mut client = mail.connect(ex);
    client.send(&message_to("bob@localhost", "pipelined"));
    let codes: Vec<String> = (0..6)
        .map(|_| {
            String::from_utf8_lossy(&read_reply(ex, &mut client).last().unwrap()[..3]).into_owned()
        })
        .collect();
    if codes != ["250", "250", "250", "354", "250", "221"] {
        Failure::new(
            ex,
            "commands sent in one write are answered in order, one reply each",
        )
        .sent(client.sent())
        .line("expected", "250 250 250 354 250 221")
        .line("got", codes.join(" "))
        .fail();
    }
}

#[test]
fn ex10_5_only_crlf_dot_crlf_ends_the_data() {
    let ex = harness::exercise("10.5");
    let mail = start();
    let mut client = mail.connect(ex);
    begin_data_to_bob(ex, &mut client);
    // The 2023 smuggling: a bare-LF "end" followed by a second transaction.
    let smuggled = b"Subject: one\r\n\r\ntext\n.\nMAIL FROM:<evil@example.org>\nRCPT TO:<carol@localhost>\nDATA\n\nsmuggled\r\n.\r\n";
    expect_code(ex, &mut client, smuggled, "250");
    expect_code(ex, &mut client, b"QUIT\r\n", "221");
    if !mail.delivered("carol@localhost").is_empty() || mail.delivered("bob@localhost").len() != 1 {
        Failure::new(
            ex,
            "a bare LF around the dot is message text: one message for bob, none for carol",
        )
        .sent(smuggled)
        .line(
            "bob's messages",
            mail.delivered("bob@localhost").len().to_string(),
        )
        .line(
            "carol's messages",
            mail.delivered("carol@localhost").len().to_string(),
        )
        .fail();
    }
}

#[test]
fn ex10_5_no_open_relay() {
    let ex = harness::exercise("10.5");
    let mail = start();
    let mut client = mail.connect(ex);
    expect_code(ex, &mut client, b"EHLO c\r\n", "250");
    expect_code(ex, &mut client, b"MAIL FROM:<a@example.org>\r\n", "250");
    expect_code(
        ex,
        &mut client,
        b"RCPT TO:<victim@elsewhere.example>\r\n",
        "550",
    );
    expect_code(ex, &mut client, b"DATA\r\n", "503");
    if std::fs::read_dir(mail.maildir.path())
        .map(|d| d.count())
        .unwrap_or(0)
        != 0
    {
        Failure::new(
            ex,
            "a recipient outside the server's domains is never stored",
        )
        .fail();
    }
}

#[test]
fn ex10_5_too_large_is_552_and_nothing_is_stored() {
    let ex = harness::exercise("10.5");
    let mail = start_with(Duration::from_secs(30), 100, 100);
    let mut client = mail.connect(ex);
    expect_code(ex, &mut client, b"EHLO c\r\n", "250");
    expect_code(
        ex,
        &mut client,
        b"MAIL FROM:<a@example.org> SIZE=5000\r\n",
        "552",
    );
    expect_code(ex, &mut client, b"MAIL FROM:<a@example.org>\r\n", "250");
    expect_code(ex, &mut client, b"RCPT TO:<bob@localhost>\r\n", "250");
    expect_code(ex, &mut client, b"DATA\r\n", "354");
    let big = format!("{}\r\n.\r\n", "x".repeat(500));
    expect_code(ex, &mut client, big.as_bytes(), "552");
    expect_code(ex, &mut client, b"NOOP\r\n", "250");
    if !mail.delivered("bob@localhost").is_empty() {
        Failure::new(ex, "a message over the limit is not stored").fail();
    }
}

#[test]
fn ex10_5_a_client_that_vanishes_mid_data_leaves_nothing() {
    let ex = harness::exercise("10.5");
    let mail = start();
    {
        let mut client = mail.connect(ex);
        begin_data_to_bob(ex, &mut client);
        client.send(b"Subject: half\r\n\r\nhalf a mess");
    }
    // A later session is served; by then the first has been read to its end.
    let mut client = mail.connect(ex);
    expect_code(ex, &mut client, b"NOOP\r\n", "250");
    expect_code(ex, &mut client, b"QUIT\r\n", "221");
    if !mail.delivered("bob@localhost").is_empty() {
        Failure::new(
            ex,
            "a message whose client vanished before CRLF.CRLF is never stored",
        )
        .fail();
    }
}

#[test]
fn ex10_5_twenty_clients_at_once_get_every_message_stored_once() {
    let ex = harness::exercise("10.5");
    let mail = start();
    let addr = mail.server.addr();
    let senders: Vec<_> = (0..20)
        .map(|i| {
            std::thread::spawn(move || {
                let mut client = Client::connect(addr, ex);
                client.send(&message_to(
                    "bob@localhost",
                    &format!("Subject: {i}\r\n\r\nmessage {i}"),
                ));
                client.read_to_end()
            })
        })
        .collect();
    for sender in senders {
        let transcript = sender.join().expect("a sender thread");
        if !transcript.ends_with(b"221 2.0.0 mail.test closing\r\n") {
            Failure::new(ex, "each of 20 clients at once must be served to QUIT")
                .got(&transcript)
                .fail();
        }
    }
    let stored = mail.delivered("bob@localhost");
    let mut numbers: Vec<usize> = stored
        .iter()
        .filter_map(|m| {
            let text = String::from_utf8_lossy(m);
            text.rsplit("message ")
                .next()
                .and_then(|n| n.trim().parse().ok())
        })
        .collect();
    numbers.sort_unstable();
    if numbers != (0..20).collect::<Vec<_>>() {
        Failure::new(ex, "every message stored exactly once")
            .line("expected", "messages 0 to 19, once each")
            .line("got", format!("{numbers:?}"))
            .fail();
    }
}

#[test]
fn ex10_5_an_idle_client_hears_421() {
    let ex = harness::exercise("10.5");
    let mail = start_with(Duration::from_millis(300), 100, 10_000);
    let mut client = mail.connect(ex);
    let reply = read_reply(ex, &mut client);
    if !reply[0].starts_with(b"421 ") {
        Failure::new(
            ex,
            "a client silent past the idle timeout is told 421 and closed",
        )
        .got(&reply.concat())
        .fail();
    }
    client.expect_closed("after the 421");
}

#[test]
fn ex10_5_a_line_too_long_is_500_and_the_session_goes_on() {
    let ex = harness::exercise("10.5");
    let mail = start();
    let mut client = mail.connect(ex);
    let long = format!("NOOP {}\r\n", "x".repeat(2000));
    expect_code(ex, &mut client, long.as_bytes(), "500");
    expect_code(ex, &mut client, b"NOOP\r\n", "250");
}

#[test]
fn ex10_5_one_session_too_many_hears_421() {
    let ex = harness::exercise("10.5");
    let mail = start_with(Duration::from_secs(30), 1, 10_000);
    let _first = mail.connect(ex);
    let mut second = mail.server.connect(ex);
    let reply = read_reply(ex, &mut second);
    if !reply[0].starts_with(b"421 ") {
        Failure::new(
            ex,
            "with max_sessions 1, a second session is told 421 at once",
        )
        .got(&reply.concat())
        .fail();
    }
}

#[test]
fn ex10_5_shutdown_tells_open_sessions_421_and_returns() {
    let ex = harness::exercise("10.5");
    let mut mail = start();
    let mut client = mail.connect(ex);
    expect_code(ex, &mut client, b"EHLO c\r\n", "250");
    let outcome = mail.server.stop();
    let reply = read_reply(ex, &mut client);
    if !reply[0].starts_with(b"421 ") || !matches!(outcome, harness::server::Outcome::Returned) {
        Failure::new(
            ex,
            "at shutdown an idle session is told 421, and serve returns",
        )
        .got(&reply.concat())
        .line("serve", format!("{outcome:?}"))
        .fail();
    }
}

// ---------------------------------------------------------------------------
// Exercise 10.1: Read a command
// ---------------------------------------------------------------------------

fn address(local: &str, domain: &str) -> Address {
    Address {
        local: local.into(),
        domain: domain.into(),
    }
}

#[test]
fn ex10_1_reads_every_command() {
    let ex = harness::exercise("10.1");
    let cases: Vec<(&[u8], Command)> = vec![
        (
            b"EHLO client.example",
            Command::Ehlo("client.example".into()),
        ),
        (b"helo [192.0.2.1]", Command::Helo("[192.0.2.1]".into())),
        (
            b"MAIL FROM:<Ada@Example.ORG> SIZE=1200 BODY=8bitmime",
            Command::Mail {
                from: Some(address("Ada", "example.org")),
                size: Some(1200),
                body: Some(BodyType::EightBitMime),
            },
        ),
        (
            b"mail from:<>",
            Command::Mail {
                from: None,
                size: None,
                body: None,
            },
        ),
        (
            b"RCPT TO:<bob@localhost>",
            Command::Rcpt(address("bob", "localhost")),
        ),
        (
            b"RCPT TO:<\"bob smith\"@localhost>",
            Command::Rcpt(address("\"bob smith\"", "localhost")),
        ),
        (
            b"RCPT TO:<@relay.example:bob@localhost>",
            Command::Rcpt(address("bob", "localhost")),
        ),
        (b"DATA", Command::Data),
        (b"RSET", Command::Rset),
        (b"NOOP", Command::Noop),
        (b"VRFY bob", Command::Vrfy("bob".into())),
        (b"HELP", Command::Help),
        (b"QUIT", Command::Quit),
    ];
    for (line, expected) in cases {
        let got = parse_command(line);
        if got.as_ref() != Ok(&expected) {
            Failure::new(ex, "parse_command read the line wrong")
                .sent(line)
                .line("expected", format!("Ok({expected:?})"))
                .line("got", format!("{got:?}"))
                .fail();
        }
    }
}

#[test]
fn ex10_1_refuses_bad_commands_with_the_right_code() {
    let ex = harness::exercise("10.1");
    let long_local = format!("MAIL FROM:<{}@example.org>", "a".repeat(65));
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (b"HELLO there".to_vec(), 500, "an unknown verb"),
        (b"EHLO".to_vec(), 501, "EHLO without a domain"),
        (
            b"MAIL FROM:ada@example.org".to_vec(),
            501,
            "a path without angle brackets",
        ),
        (b"MAIL FROM:<ada@>".to_vec(), 501, "no domain"),
        (
            b"MAIL FROM:<ada..b@example.org>".to_vec(),
            501,
            "two dots in a row",
        ),
        (
            b"MAIL FROM:<a@-bad-.example>".to_vec(),
            501,
            "a label starting with a hyphen",
        ),
        (
            b"MAIL FROM:<a@b.example> SIZE=lots".to_vec(),
            501,
            "a SIZE that is not a number",
        ),
        (
            b"MAIL FROM:<a@b.example> SMTPUTF8".to_vec(),
            555,
            "a parameter this server does not offer",
        ),
        (
            b"RCPT TO:<a@b.example> NOTIFY=NEVER".to_vec(),
            555,
            "a RCPT parameter",
        ),
        (b"DATA now".to_vec(), 501, "DATA with an argument"),
        (long_local.into_bytes(), 501, "a local part over 64 octets"),
    ];
    for (line, code, what) in cases {
        match parse_command(&line) {
            Err(reply) if reply.code == code => {}
            other => Failure::new(ex, format!("{what}: expected a {code} reply"))
                .sent(&line)
                .line("got", format!("{other:?}"))
                .fail(),
        }
    }
}

// ---------------------------------------------------------------------------
// Exercise 10.2: The session's states
// ---------------------------------------------------------------------------

fn session_for_tests() -> Session {
    Session::new(session::Config {
        name: "mail.test".into(),
        domains: vec!["localhost".into()],
        max_size: 1000,
    })
}

#[track_caller]
fn step(ex: Exercise, session: &mut Session, line: &str, code: u16) -> Action {
    let action = session.command(line.as_bytes());
    let got = match &action {
        Action::Reply(r) | Action::Data(r) | Action::Close(r) => r.code,
    };
    if got != code {
        Failure::new(ex, format!("expected {code}"))
            .sent(line.as_bytes())
            .line("got", format!("{action:?}"))
            .fail();
    }
    action
}

#[test]
fn ex10_2_a_whole_transaction() {
    let ex = harness::exercise("10.2");
    let mut s = session_for_tests();
    step(ex, &mut s, "EHLO client.test", 250);
    step(ex, &mut s, "MAIL FROM:<ada@example.org>", 250);
    step(ex, &mut s, "RCPT TO:<bob@localhost>", 250);
    step(ex, &mut s, "RCPT TO:<BOB@localhost>", 250);
    if !matches!(step(ex, &mut s, "DATA", 354), Action::Data(_)) {
        Failure::new(
            ex,
            "DATA after a recipient must be Action::Data, so the server reads the message",
        )
        .fail();
    }
    let envelope = s.end_data();
    let expected_to = vec![address("bob", "localhost")];
    if envelope.as_ref().map(|e| &e.to) != Some(&expected_to) {
        Failure::new(
            ex,
            "the envelope holds each recipient once (the same mailbox in another case is the same)",
        )
        .line("expected", format!("{expected_to:?}"))
        .line("got", format!("{envelope:?}"))
        .fail();
    }
    step(ex, &mut s, "MAIL FROM:<>", 250);
    if !matches!(step(ex, &mut s, "QUIT", 221), Action::Close(_)) {
        Failure::new(ex, "QUIT closes the session").fail();
    }
}

#[test]
fn ex10_2_out_of_order_commands_are_503() {
    let ex = harness::exercise("10.2");
    let mut s = session_for_tests();
    step(ex, &mut s, "MAIL FROM:<a@b.example>", 503);
    step(ex, &mut s, "HELO c", 250);
    step(ex, &mut s, "RCPT TO:<bob@localhost>", 503);
    step(ex, &mut s, "DATA", 503);
    step(ex, &mut s, "MAIL FROM:<a@b.example>", 250);
    step(ex, &mut s, "DATA", 503);
    step(ex, &mut s, "MAIL FROM:<a@b.example>", 503);
    step(ex, &mut s, "RSET", 250);
    step(ex, &mut s, "MAIL FROM:<a@b.example>", 250);
}

#[test]
fn ex10_2_no_open_relay_and_at_most_100_recipients() {
    let ex = harness::exercise("10.2");
    let mut s = session_for_tests();
    step(ex, &mut s, "EHLO c", 250);
    step(ex, &mut s, "MAIL FROM:<a@b.example> SIZE=5000", 552);
    step(ex, &mut s, "MAIL FROM:<a@b.example>", 250);
    step(ex, &mut s, "RCPT TO:<victim@elsewhere.example>", 550);
    for i in 0..session::MAX_RECIPIENTS {
        step(ex, &mut s, &format!("RCPT TO:<user{i}@localhost>"), 250);
    }
    step(ex, &mut s, "RCPT TO:<one.more@localhost>", 452);
}

#[test]
fn ex10_2_too_many_errors_end_the_session() {
    let ex = harness::exercise("10.2");
    let mut s = session_for_tests();
    for _ in 0..session::MAX_ERRORS {
        step(ex, &mut s, "BOGUS", 500);
    }
    if !matches!(step(ex, &mut s, "BOGUS", 421), Action::Close(_)) {
        Failure::new(ex, "after MAX_ERRORS refusals the session closes with 421").fail();
    }
}

// ---------------------------------------------------------------------------
// Exercise 10.3: The data phase
// ---------------------------------------------------------------------------

#[track_caller]
fn expect_data(ex: Exercise, input: &[u8], max: usize, used: usize, expected: Option<Data>) {
    let got = DataReader::new(max).feed(input);
    if got != (used, expected.clone()) {
        Failure::new(ex, "DataReader::feed read the data phase wrong")
            .sent(input)
            .line("expected", format!("({used}, {expected:?})"))
            .line("got", format!("{got:?}"))
            .fail();
    }
}

#[test]
fn ex10_3_ends_only_at_crlf_dot_crlf() {
    let ex = harness::exercise("10.3");
    let input = b"Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n";
    expect_data(
        ex,
        input,
        1000,
        input.len() - 6,
        Some(Data::Message(b"Subject: hi\r\n\r\nbody\r\n".to_vec())),
    );
    expect_data(ex, b".\r\n", 1000, 3, Some(Data::Message(Vec::new())));
    for smuggled in [
        &b"x\n.\nMAIL FROM:<e@x>\r\n"[..],
        b"x\r\n.\nRCPT\r\n",
        b"x\n.\r\nDATA\r\n",
        b"x\r.\r\nY\r\n",
    ] {
        expect_data(ex, smuggled, 1000, smuggled.len(), None);
    }
    // Byte by byte, as a slow client sends it.
    let mut reader = DataReader::new(100);
    let whole = b"a\r\n.\r\n";
    for (i, byte) in whole.iter().enumerate() {
        let (used, data) = reader.feed(std::slice::from_ref(byte));
        let done = i + 1 == whole.len();
        if used != 1 || data.is_some() != done {
            Failure::new(
                ex,
                "fed one byte at a time, the reader must find the end at the last byte",
            )
            .sent(whole)
            .line("at byte", i.to_string())
            .line("got", format!("({used}, {data:?})"))
            .fail();
        }
    }
}

#[test]
fn ex10_3_undoes_dot_stuffing_and_keeps_8bit() {
    let ex = harness::exercise("10.3");
    expect_data(
        ex,
        b"..one dot\r\n.hidden\r\ncaf\xc3\xa9 \xff\r\na\nb\rc\r\n.\r\n",
        1000,
        39,
        Some(Data::Message(
            b".one dot\r\nhidden\r\ncaf\xc3\xa9 \xff\r\na\nb\rc\r\n".to_vec(),
        )),
    );
}

#[test]
fn ex10_3_past_the_limit_nothing_is_kept() {
    let ex = harness::exercise("10.3");
    let mut input = b"x".repeat(10_000);
    input.extend_from_slice(b"\r\n.\r\nNOOP\r\n");
    expect_data(ex, &input, 100, input.len() - 6, Some(Data::TooLarge));
    expect_data(
        ex,
        b"12345678\r\n.\r\n",
        10,
        13,
        Some(Data::Message(b"12345678\r\n".to_vec())),
    );
    expect_data(ex, b"123456789\r\n.\r\n", 10, 14, Some(Data::TooLarge));
}

// ---------------------------------------------------------------------------
// Exercise 10.4: Deliver durably
// ---------------------------------------------------------------------------

#[test]
fn ex10_4_one_file_in_new_per_recipient() {
    let ex = harness::exercise("10.4");
    let root = TempDir::new("ch10-deliver");
    let to = [address("Bob", "localhost"), address("carol", "localhost")];
    let delivered = maildir::deliver(
        root.path(),
        "mail.test",
        &to,
        b"Return-Path: <a@b>\r\n",
        b"Subject: hi\r\n\r\nhello\r\n",
    );
    let Ok(files) = delivered else {
        Failure::new(ex, "deliver failed")
            .line("got", format!("{delivered:?}"))
            .fail();
    };
    for mailbox in ["bob@localhost", "carol@localhost"] {
        let folder = root.path().join(mailbox);
        let new = self::files(&folder.join("new"));
        let tmp = self::files(&folder.join("tmp"));
        if new != [b"Return-Path: <a@b>\r\nSubject: hi\r\n\r\nhello\r\n".to_vec()]
            || !tmp.is_empty()
            || !folder.join("cur").is_dir()
        {
            Failure::new(ex, format!("{mailbox} must hold the message once in new/, nothing in tmp/, and a cur/ folder"))
                .line("files", format!("{files:?}"))
                .line("new", new.len().to_string())
                .line("tmp", tmp.len().to_string())
                .fail();
        }
    }
}

#[test]
fn ex10_4_a_failure_leaves_nothing_in_new() {
    let ex = harness::exercise("10.4");
    let root = TempDir::new("ch10-fail");
    std::fs::write(
        root.path().join("carol@localhost"),
        b"a file where a folder must go",
    )
    .expect("write a file");
    let to = [address("bob", "localhost"), address("carol", "localhost")];
    let result = maildir::deliver(root.path(), "mail.test", &to, b"", b"x\r\n");
    let left = self::files(&root.path().join("bob@localhost").join("new")).len()
        + self::files(&root.path().join("bob@localhost").join("tmp")).len();
    if result.is_ok() || left != 0 {
        Failure::new(
            ex,
            "when one recipient cannot be stored, deliver fails and leaves no file for any",
        )
        .line("result", format!("{result:?}"))
        .line("files left for bob", left.to_string())
        .fail();
    }
}

#[test]
fn ex10_4_every_mailbox_stays_inside_the_maildir() {
    let ex = harness::exercise("10.4");
    let temp = TempDir::new("ch10-escape");
    let root = temp.path().join("maildir");
    std::fs::create_dir(&root).expect("make the Maildir folder");
    // Both are valid addresses: a slash is an atext character, and a quoted
    // local part may hold any printable character.
    let to = [
        address("a/b", "localhost"),
        address("\"/../../x\"", "localhost"),
    ];
    let result = maildir::deliver(&root, "mail.test", &to, b"", b"x\r\n");
    let outside: Vec<String> = std::fs::read_dir(temp.path())
        .expect("read the temporary folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "maildir")
        .collect();
    let inside = ["a%2Fb@localhost", "%22%2F..%2F..%2Fx%22@localhost"]
        .map(|name| self::files(&root.join(name).join("new")).len());
    if result.is_err() || !outside.is_empty() || inside != [1, 1] {
        Failure::new(
            ex,
            "each recipient's mailbox is one folder inside the Maildir, named by maildir::mailbox",
        )
        .line("sent to", "<a/b@localhost> and <\"/../../x\"@localhost>")
        .line("result", format!("{result:?}"))
        .line(
            "expected",
            "one file in each of a%2Fb@localhost/new and %22%2F..%2F..%2Fx%22@localhost/new",
        )
        .line("files there", format!("{inside:?}"))
        .line("written outside the Maildir", format!("{outside:?}"))
        .fail();
    }
}

// ---------------------------------------------------------------------------
// Exercise 10.5: the crash test
// ---------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn ex10_5_a_message_answered_250_is_whole_after_kill_9() {
    let ex = harness::exercise("10.5");
    let Some(binary) =
        option_env!("CARGO_BIN_EXE_chapter10-solution").or(option_env!("CARGO_BIN_EXE_chapter10"))
    else {
        panic!("cargo did not say where the chapter's binary is");
    };
    let maildir = TempDir::new("ch10-kill");
    let dir = maildir.path().display().to_string();
    let server = harness::ChildProcess::start(
        ex,
        binary,
        &["server", "--addr", "127.0.0.1:0", "--maildir", &dir],
    );
    let line = server.wait_for_line("listening on smtp://", harness::TIMEOUT);
    let addr: std::net::SocketAddr = line["listening on smtp://".len()..]
        .trim()
        .parse()
        .expect("an address");
    let mut client = Client::connect(addr, ex);
    read_reply(ex, &mut client);
    begin_data_to_bob(ex, &mut client);
    let body = format!("Subject: durable\r\n\r\n{}.\r\n", "line\r\n".repeat(2000));
    expect_code(ex, &mut client, body.as_bytes(), "250");
    // The power cut, as near as a test can come: SIGKILL, no chance to flush.
    std::process::Command::new("kill")
        .args(["-KILL", &server.id().to_string()])
        .status()
        .expect("run kill");
    let stored = files(&maildir.path().join("bob@localhost").join("new"));
    let whole = stored.len() == 1
        && stored[0].ends_with(
            format!("\r\nSubject: durable\r\n\r\n{}", "line\r\n".repeat(2000)).as_bytes(),
        );
    if !whole {
        Failure::new(
            ex,
            "a message answered 250 must be whole in new/ even if the server dies at once",
        )
        .line("files in new/", stored.len().to_string())
        .fail();
    }
}

// ---------------------------------------------------------------------------
// Exercise 10.6: Send with lettre
// ---------------------------------------------------------------------------

#[test]
fn ex10_6_lettre_sends_through_the_server() {
    let ex = harness::exercise("10.6");
    let mail = start();
    let outgoing = chapter10::send::Outgoing {
        from: "ada@example.org".into(),
        to: vec!["bob@localhost".into(), "carol@example.test".into()],
        subject: "Hello from lettre".into(),
        body: "Hi there, é".into(),
    };
    let addr = mail.server.addr();
    let sent = chapter10::send::send(&addr.ip().to_string(), addr.port(), &outgoing);
    if !sent.as_ref().is_ok_and(|r| r.code().to_string() == "250") {
        Failure::new(
            ex,
            "send must deliver through the server and give back its 250",
        )
        .line("sent", format!("{outgoing:?}"))
        .line("got", format!("{sent:?}"))
        .fail();
    }
    for mailbox in ["bob@localhost", "carol@example.test"] {
        let stored = mail.delivered(mailbox);
        if stored.len() != 1
            || !String::from_utf8_lossy(&stored[0]).contains("Subject: Hello from lettre")
        {
            Failure::new(ex, format!("{mailbox} must have the message, once"))
                .line("messages", stored.len().to_string())
                .fail();
        }
    }
}

#[test]
fn ex10_6_the_send_subcommand_prints_the_reply_and_exits_1_when_refused() {
    let ex = harness::exercise("10.6");
    let Some(binary) =
        option_env!("CARGO_BIN_EXE_chapter10-solution").or(option_env!("CARGO_BIN_EXE_chapter10"))
    else {
        panic!("cargo did not say where the chapter's binary is");
    };
    let mail = start();
    let addr = mail.server.addr().to_string();
    let mut ok = harness::ChildProcess::start(
        ex,
        binary,
        &[
            "send",
            "--addr",
            &addr,
            "--from",
            "ada@example.org",
            "--to",
            "bob@localhost",
            "--subject",
            "Hi",
            "--body",
            "Hello",
        ],
    );
    ok.wait_for_line("250", harness::TIMEOUT);
    ok.expect_clean_exit(harness::TIMEOUT, "a message the server took exits 0");
    let mut refused = harness::ChildProcess::start(
        ex,
        binary,
        &[
            "send",
            "--addr",
            &addr,
            "--from",
            "ada@example.org",
            "--to",
            "someone@elsewhere.example",
            "--subject",
            "Hi",
            "--body",
            "Hello",
        ],
    );
    refused.wait_for_line("error: ", harness::TIMEOUT);
    refused.expect_exit(
        1,
        harness::TIMEOUT,
        "a message the server refused (550, no relay) exits 1",
    );
}

// ---------------------------------------------------------------------------
// Exercise 10.7: the page
// ---------------------------------------------------------------------------

/// The page alone, on a Maildir folder the test fills by hand.
fn start_page(root: &Path) -> TestServer {
    let root = root.to_path_buf();
    let shutdown = chapter07::CancellationToken::new();
    let stop = shutdown.clone();
    TestServer::spawn(
        harness::bind_local(),
        move |listener| {
            chapter08::on_a_runtime(listener, |listener| {
                chapter10::web::serve(listener, root, shutdown.cancelled_owned())
            })
        },
        move || stop.cancel(),
    )
}

/// Stores `message` as `root/mailbox/folder/name`, written at `seconds`
/// after 1970 (the list sorts by that).
fn store_by_hand(
    root: &Path,
    mailbox: &str,
    folder: &str,
    name: &str,
    seconds: u64,
    message: &[u8],
) {
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(root.join(mailbox).join(sub)).expect("make a Maildir");
    }
    let path = root.join(mailbox).join(folder).join(name);
    std::fs::write(&path, message).expect("store a message");
    let file = std::fs::File::options()
        .write(true)
        .open(&path)
        .expect("open a stored message");
    file.set_modified(std::time::UNIX_EPOCH + Duration::from_secs(seconds))
        .expect("set when it was written");
}

/// GETs `target`; returns the response.
#[track_caller]
fn get(ex: Exercise, page: &TestServer, target: &str, status: &str) -> harness::Response {
    let mut client = page.connect(ex);
    client.send(
        format!("GET {target} HTTP/1.1\r\nHost: mail.test\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    let response = client.read_response();
    harness::expect_status(ex, &client, &response, status);
    response
}

/// Fails unless `body` holds each of `wanted`, in that order, and none of
/// `unwanted`.
#[track_caller]
fn expect_in_order(ex: Exercise, target: &str, body: &str, wanted: &[&str], unwanted: &[&str]) {
    let mut from = 0;
    for text in wanted {
        match body[from..].find(text) {
            Some(at) => from += at + text.len(),
            None => Failure::new(ex, format!("the page of {target} must show {text:?}"))
                .sent(format!("GET {target}").as_bytes())
                .line("expected, in this order", format!("{wanted:?}"))
                .got(body.as_bytes())
                .fail(),
        }
    }
    for text in unwanted {
        if body.contains(text) {
            Failure::new(
                ex,
                format!("the page of {target} must not contain {text:?}"),
            )
            .sent(format!("GET {target}").as_bytes())
            .got(body.as_bytes())
            .note("what a message holds came from a stranger: escape it all")
            .fail();
        }
    }
}

const FIRST: &[u8] = b"Return-Path: <ada@example.org>\r\n\
From: Ada <ada@example.org>\r\nTo: bob@localhost\r\nSubject: First\r\n\
Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nhello\r\n";

const SECOND: &[u8] = b"Return-Path: <grace@example.org>\r\n\
From: =?utf-8?q?Gr=C3=A2ce?= <grace@example.org>\r\nTo: bob@localhost\r\n\
Subject: =?utf-8?q?Caf=C3=A9_<b>?=\r\nDate: Tue, 2 Jan 2024 10:00:00 +0000\r\n\r\nhi\r\n";

#[test]
fn ex10_7_lists_mailboxes_and_messages_newest_first() {
    let ex = harness::exercise("10.7");
    let root = TempDir::new("ch10-page");
    store_by_hand(
        root.path(),
        "bob@localhost",
        "new",
        "1000.M000001P1Q0.mail.test",
        1_000,
        FIRST,
    );
    store_by_hand(
        root.path(),
        "bob@localhost",
        "cur",
        "2000.M000001P1Q1.mail.test:2,S",
        2_000,
        SECOND,
    );
    store_by_hand(
        root.path(),
        "carol@localhost",
        "new",
        "3000.M000001P1Q2.mail.test",
        3_000,
        FIRST,
    );
    std::fs::create_dir(root.path().join("not-a-mailbox")).expect("make a folder");
    let page = start_page(root.path());

    let home = get(ex, &page, "/", "HTTP/1.1 200 OK");
    expect_in_order(
        ex,
        "/",
        &home.body_text(),
        &[
            "href=\"/bob%40localhost\"",
            "bob@localhost",
            "href=\"/carol%40localhost\"",
        ],
        &["not-a-mailbox"],
    );

    let list = get(ex, &page, "/bob%40localhost", "HTTP/1.1 200 OK");
    expect_in_order(
        ex,
        "/bob%40localhost",
        &list.body_text(),
        &[
            "Gr\u{e2}ce &lt;grace@example.org&gt;",
            "href=\"/bob%40localhost/2000.M000001P1Q1.mail.test%3A2%2CS\"",
            "Caf\u{e9} &lt;b&gt;",
            "Tue, 2 Jan 2024 10:00:00 +0000",
            "Ada &lt;ada@example.org&gt;",
            "href=\"/bob%40localhost/1000.M000001P1Q0.mail.test\"",
            "First",
            "Mon, 1 Jan 2024 10:00:00 +0000",
        ],
        &["<b>", "=?utf-8?"],
    );
}

#[test]
fn ex10_7_shows_a_message_decoded_and_escaped() {
    let ex = harness::exercise("10.7");
    let root = TempDir::new("ch10-show");
    let message = b"Return-Path: <ada@example.org>\r\n\
From: Ada <ada@example.org>\r\nTo: bob@localhost\r\n\
Subject: =?utf-8?b?Q2Fmw6k=?=\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"sep\"\r\n\r\n\
--sep\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\n\
<script>alert(1)</script> caf=C3=A9 =\r\nau lait\r\n\
--sep\r\nContent-Type: text/html\r\n\r\n<p>the HTML part</p>\r\n--sep--\r\n";
    store_by_hand(
        root.path(),
        "bob@localhost",
        "new",
        "1000.M000001P1Q0.mail.test",
        1_000,
        message,
    );
    let page = start_page(root.path());
    let target = "/bob%40localhost/1000.M000001P1Q0.mail.test";
    let shown = get(ex, &page, target, "HTTP/1.1 200 OK");
    expect_in_order(
        ex,
        target,
        &shown.body_text(),
        &[
            "Caf\u{e9}",
            "Ada &lt;ada@example.org&gt;",
            "bob@localhost",
            "Mon, 1 Jan 2024 10:00:00 +0000",
            "&lt;script&gt;alert(1)&lt;/script&gt; caf\u{e9} au lait",
        ],
        &["<script>", "the HTML part", "=C3=A9", "Q2Fmw6k="],
    );
}

#[test]
fn ex10_7_a_name_outside_the_maildir_is_404() {
    let ex = harness::exercise("10.7");
    let temp = TempDir::new("ch10-outside");
    let root = temp.path().join("maildir");
    store_by_hand(
        &root,
        "bob@localhost",
        "new",
        "1000.M000001P1Q0.mail.test",
        1_000,
        FIRST,
    );
    std::fs::write(
        temp.path().join("secret.txt"),
        b"Subject: SECRET\r\n\r\nSECRET\r\n",
    )
    .expect("write a file outside the Maildir");
    let page = start_page(&root);
    for target in [
        "/nobody%40localhost",
        "/bob%40localhost/missing",
        "/bob%40localhost/new",
        "/..%2Fsecret.txt",
        "/bob%40localhost/..%2F..%2F..%2Fsecret.txt",
        "/bob%40localhost/%2E%2E%2F%2E%2E%2F%2E%2E%2Fsecret.txt",
        "/..",
    ] {
        let response = get(ex, &page, target, "HTTP/1.1 404 Not Found");
        if response.body_text().contains("SECRET") {
            Failure::new(
                ex,
                format!("{target} must find nothing outside the Maildir"),
            )
            .sent(format!("GET {target}").as_bytes())
            .got(&response.body)
            .fail();
        }
    }
    get(
        ex,
        &page,
        "/bob%40localhost/1000.M000001P1Q0.mail.test",
        "HTTP/1.1 200 OK",
    );
}
