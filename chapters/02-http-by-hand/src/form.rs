//! What a form sends, and how to show it back safely.
//!
//! A browser submits `<form method="post">` as a body in the format
//! `application/x-www-form-urlencoded`: `name=value` pairs joined by `&`,
//! with a space sent as `+` and any byte that could be confused with the
//! syntax sent as `%` and two hex digits. Typing `Hi & <bye>` sends:
//!
//! ```text
//! message=Hi+%26+%3Cbye%3E
//! ```
//!
//! We decode it the way the WHATWG URL standard (which browsers follow)
//! says, so decoding never fails: a `%` not followed by two hex digits stays
//! as it is, and bytes that are not UTF-8 become `�` (U+FFFD). A form that
//! sends odd bytes gets them shown back, odd but harmless, rather than an
//! error page.

// ANCHOR: parse_form
// ANCHOR: parse_form_signature
/// The `(name, value)` pairs of a form body, decoded, in the order sent.
///
/// `message=Hello+%3Cb%3E&x=1` gives `[("message", "Hello <b>"), ("x", "1")]`.
#[expect(unused_variables, reason = "until you write exercise 2.5")]
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    // ANCHOR_END: parse_form_signature
    todo!(
        "exercise 2.5: Handle the form POST (read book/src/ch02-http-by-hand.md#exercise-25-handle-the-form-post)"
    )
}
// ANCHOR_END: parse_form

/// Two hex digits (`3C` or `3c`) as the byte they spell, or `None` when
/// they are not two hex digits. Chapter 3's target decoder uses it too.
pub fn hex_byte(digits: &[u8]) -> Option<u8> {
    let [high, low] = digits else {
        return None;
    };
    let value = |digit: u8| char::from(digit).to_digit(16);
    // Two hex digits make at most 0xFF, so the result always fits a byte.
    Some((value(*high)? * 16 + value(*low)?) as u8)
}

// ANCHOR: escape_html
/// `text` made safe to put inside HTML, as element content or as a quoted
/// attribute value.
///
/// A browser reads `<` as the start of a tag and `&` as the start of an
/// entity, so text that came from a user must have them replaced by
/// entities: otherwise a visitor who types `<script>` runs their code in
/// the page of everyone who sees it. The quotes matter inside attribute
/// values (`value="..."`). One pass over the characters means an `&` we
/// write is never escaped a second time.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}
// ANCHOR_END: escape_html
