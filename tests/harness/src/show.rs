//! Bytes shown the way a learner can read them: as an escaped Rust string,
//! so `\r\n`, a missing space or a stray NUL is visible in a failure message.

/// The longest excerpt [`bytes`] prints before it elides the middle.
const MAX_SHOWN: usize = 240;

/// `bytes` as a quoted, escaped string with its length, shortened in the
/// middle when it is long: `"HTTP/1.1 200 OK\r\n" (17 bytes)`.
pub fn bytes(bytes: &[u8]) -> String {
    let len = bytes.len();
    if len <= MAX_SHOWN {
        return format!("{} ({len} bytes)", quoted(bytes));
    }
    let head = &bytes[..MAX_SHOWN / 2];
    let tail = &bytes[len - MAX_SHOWN / 4..];
    format!(
        "{} ... {} ({len} bytes, middle elided)",
        quoted(head),
        quoted(tail)
    )
}

/// `bytes` escaped and in double quotes, with no length and no elision.
pub fn quoted(bytes: &[u8]) -> String {
    // `escape_ascii` writes `\r`, `\n`, `\"` and `\xNN` exactly as a Rust
    // byte-string literal would, so the learner can paste it into a test.
    format!("\"{}\"", bytes.escape_ascii())
}

/// Where two byte strings first differ, with a short excerpt of each around
/// that point. `None` when they are equal.
pub fn first_difference(expected: &[u8], got: &[u8]) -> Option<String> {
    let at = expected
        .iter()
        .zip(got)
        .position(|(e, g)| e != g)
        .or_else(|| (expected.len() != got.len()).then(|| expected.len().min(got.len())))?;
    let from = at.saturating_sub(16);
    let excerpt = |b: &[u8]| quoted(&b[from.min(b.len())..(at + 16).min(b.len())]);
    Some(format!(
        "first difference at byte {at}: expected {} but got {}",
        excerpt(expected),
        excerpt(got)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_bytes() {
        assert_eq!(bytes(b"OK\r\n"), r#""OK\r\n" (4 bytes)"#);
        assert_eq!(quoted(b"\0\xff\""), r#""\x00\xff\"""#);
    }

    #[test]
    fn elides_long_input() {
        let shown = bytes(&[b'a'; 1000]);
        assert!(shown.contains("middle elided"), "{shown}");
        assert!(shown.len() < 400, "{shown}");
    }

    #[test]
    fn finds_the_first_difference() {
        assert_eq!(first_difference(b"abc", b"abc"), None);
        let d = first_difference(b"abcdef", b"abXdef").unwrap();
        assert!(d.starts_with("first difference at byte 2"), "{d}");
        let short = first_difference(b"abcdef", b"abc").unwrap();
        assert!(short.starts_with("first difference at byte 3"), "{short}");
    }
}
