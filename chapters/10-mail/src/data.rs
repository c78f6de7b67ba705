//! The data phase: after `354`, the message's lines until a line holding
//! only a dot.
//!
//! ```text
//! Subject: hi\r\n            lines end in CRLF, and only CRLF does
//! \r\n
//! ..and a dot\r\n            a line starting with a dot was sent with one more
//! .\r\n                      the end: CRLF . CRLF, nothing else
//! ```
//!
//! Only CRLF `.` CRLF ends the data. A bare LF, or a lone CR, is a byte
//! of the message like any other, and so is `\n.\n` or `\r\n.\n`: a server
//! that ended the data on those, while the next server on the message's
//! way did not, would read the rest as new commands that the sender never
//! sent through the front door ("SMTP smuggling", 2023). Dot-stuffing is
//! undone: the sender doubles a line's leading dot so that no line of the
//! message can look like the end, and we take one away.

// ANCHOR: data
/// How the data phase ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// The message, un-stuffed, every line ending in CRLF.
    Message(Vec<u8>),
    /// It passed the size limit: nothing of it is kept.
    TooLarge,
}

/// Reads the data phase from bytes as they arrive.
#[derive(Debug, Clone)]
pub struct DataReader {
    max: usize,
    message: Vec<u8>,
    line: Vec<u8>,
    /// The line so far is exactly the one dot that starts it.
    dot_only: bool,
    /// The last byte was a CR, not yet known to end the line.
    #[expect(dead_code, reason = "until you write exercise 10.3")]
    carriage_return: bool,
    too_large: bool,
}
// ANCHOR_END: data

impl DataReader {
    /// A reader that keeps at most `max` octets of message.
    pub fn new(max: usize) -> DataReader {
        DataReader {
            max,
            message: Vec::new(),
            line: Vec::new(),
            dot_only: false,
            carriage_return: false,
            too_large: false,
        }
    }

    // ANCHOR: feed
    // ANCHOR: feed_signature
    /// Reads from `bytes`: returns how many it used, and the outcome once
    /// the end of the data was among them. What comes after the end is
    /// not used: it is the next command.
    #[expect(unused_variables, reason = "until you write exercise 10.3")]
    pub fn feed(&mut self, bytes: &[u8]) -> (usize, Option<Data>) {
        // ANCHOR_END: feed_signature
        todo!(
            "exercise 10.3: The data phase (read book/src/ch10-mail.md#exercise-103-the-data-phase)"
        )
    }
    // ANCHOR_END: feed

    /// A byte of the current line (not a CRLF).
    #[expect(dead_code, reason = "until you write exercise 10.3")]
    fn push(&mut self, byte: u8) {
        self.dot_only = false;
        if self.message.len() + self.line.len() + 1 > self.max {
            self.too_large = true;
        }
        // Once too large, nothing more is kept: the rest is only read to
        // find the end, so a client cannot make us hold more than `max`.
        if !self.too_large {
            self.line.push(byte);
        }
    }

    #[expect(dead_code, reason = "until you write exercise 10.3")]
    fn keep(&mut self, bytes: &[u8]) {
        if self.message.len() + bytes.len() > self.max {
            self.too_large = true;
        }
        if self.too_large {
            self.message.clear();
            self.line.clear();
        } else {
            self.message.extend_from_slice(bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8], max: usize) -> (usize, Option<Data>) {
        DataReader::new(max).feed(input)
    }

    #[test]
    fn ends_at_crlf_dot_crlf_and_unstuffs() {
        let input = b"Subject: hi\r\n\r\n..a dot\r\n.hidden\r\nend\r\n.\r\nQUIT\r\n";
        let (used, data) = read(input, 1000);
        assert_eq!(
            data,
            Some(Data::Message(
                b"Subject: hi\r\n\r\n.a dot\r\nhidden\r\nend\r\n".to_vec()
            ))
        );
        assert_eq!(&input[used..], b"QUIT\r\n");
    }

    #[test]
    fn an_empty_message_and_one_in_pieces() {
        assert_eq!(read(b".\r\n", 10), (3, Some(Data::Message(Vec::new()))));
        let input = b"a\r\nb\r\n.\r\n";
        let mut reader = DataReader::new(100);
        for (i, byte) in input.iter().enumerate() {
            let (used, data) = reader.feed(std::slice::from_ref(byte));
            assert_eq!(used, 1);
            if i + 1 == input.len() {
                assert_eq!(data, Some(Data::Message(b"a\r\nb\r\n".to_vec())));
            } else {
                assert_eq!(data, None);
            }
        }
    }

    #[test]
    fn bare_lf_and_lone_cr_never_end_the_data() {
        for smuggled in [
            &b"x\n.\nMAIL FROM:<evil@x>\r\n"[..],
            b"x\r\n.\nRCPT\r\n",
            b"x\n.\r\nDATA\r\n",
            b"x\r.\r\nY\r\n",
        ] {
            let (used, data) = read(smuggled, 1000);
            assert_eq!(
                (used, data),
                (smuggled.len(), None),
                "{:?} ended the data",
                String::from_utf8_lossy(smuggled)
            );
        }
        let (_, data) = read(b"a\nb\rc\r\n.\r\n", 1000);
        assert_eq!(data, Some(Data::Message(b"a\nb\rc\r\n".to_vec())));
    }

    #[test]
    fn eight_bit_bytes_pass_untouched() {
        let (_, data) = read(b"caf\xc3\xa9 \xff\r\n.\r\n", 100);
        assert_eq!(data, Some(Data::Message(b"caf\xc3\xa9 \xff\r\n".to_vec())));
    }

    #[test]
    fn past_the_limit_nothing_is_kept_and_the_end_is_still_found() {
        let mut input = b"x".repeat(10_000);
        input.extend_from_slice(b"\r\n.\r\nNOOP\r\n");
        let mut reader = DataReader::new(100);
        let (used, data) = reader.feed(&input);
        assert_eq!(data, Some(Data::TooLarge));
        assert_eq!(&input[used..], b"NOOP\r\n");
        assert!(reader.line.capacity() <= 128 && reader.message.capacity() <= 128);
        assert_eq!(
            read(b"12345678\r\n.\r\n", 10),
            (13, Some(Data::Message(b"12345678\r\n".to_vec())))
        );
        assert_eq!(read(b"123456789\r\n.\r\n", 10).1, Some(Data::TooLarge));
    }
}
