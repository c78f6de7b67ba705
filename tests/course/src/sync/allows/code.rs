//! Reading Rust as text: comments and literals blanked out, names found
//! as whole words, and the brackets that end an item or a statement.

use std::ops::Range;

use super::items::Kind;

/// `text` with every comment and literal replaced by spaces (newlines
/// kept), byte for byte, so offsets in it are offsets in `text`.
pub(super) fn blank(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    let blank_range = |out: &mut Vec<u8>, range: Range<usize>| {
        for b in &mut out[range] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    while i < bytes.len() {
        let rest = &bytes[i..];
        let after_ident = i > 0 && is_ident(bytes[i - 1]);
        let end = if rest.starts_with(b"//") {
            i + rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len())
        } else if rest.starts_with(b"/*") {
            block_comment_end(bytes, i)
        } else if !after_ident && (rest.starts_with(b"r\"") || rest.starts_with(b"r#")) {
            raw_string_end(bytes, i + 1).unwrap_or(i + 1)
        } else if !after_ident && (rest.starts_with(b"br\"") || rest.starts_with(b"br#")) {
            raw_string_end(bytes, i + 2).unwrap_or(i + 1)
        } else if rest[0] == b'"' || (!after_ident && rest.starts_with(b"b\"")) {
            let open = if rest[0] == b'"' { i } else { i + 1 };
            string_end(bytes, open)
        } else if rest[0] == b'\'' || (!after_ident && rest.starts_with(b"b'")) {
            let open = if rest[0] == b'\'' { i } else { i + 1 };
            char_end(bytes, open).unwrap_or(i + 1)
        } else {
            i + 1
        };
        if end > i + 1 || rest.starts_with(b"//") {
            blank_range(&mut out, i..end);
        }
        i = end.max(i + 1);
    }
    String::from_utf8(out).expect("only ASCII spaces replaced whole characters")
}

fn block_comment_end(bytes: &[u8], from: usize) -> usize {
    let mut depth = 0;
    let mut i = from;
    while i + 1 < bytes.len() {
        if bytes[i] == b'/' && bytes[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// The end of a raw string whose `#`s or quote start at `from`.
fn raw_string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let hashes = bytes[from..].iter().take_while(|&&b| b == b'#').count();
    if bytes.get(from + hashes) != Some(&b'"') {
        return None;
    }
    let mut closing = vec![b'"'];
    closing.extend(std::iter::repeat_n(b'#', hashes));
    let body = from + hashes + 1;
    bytes[body..]
        .windows(closing.len())
        .position(|w| w == closing.as_slice())
        .map(|p| body + p + closing.len())
        .or(Some(bytes.len()))
}

fn string_end(bytes: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The end of a character literal at `open`, or `None` for a lifetime.
fn char_end(bytes: &[u8], open: usize) -> Option<usize> {
    let rest = &bytes[open + 1..];
    if rest.first() == Some(&b'\\') {
        // `'\n'`, `'\''`, `'\u{1F600}'`: the escaped character is not the end.
        let close = rest.iter().skip(2).position(|&b| b == b'\'')?;
        return Some(open + 1 + 2 + close + 1);
    }
    // One character (of up to four bytes) and the closing quote.
    let width = match rest.first()? {
        b if *b < 0x80 => 1,
        b if *b >= 0xF0 => 4,
        b if *b >= 0xE0 => 3,
        _ => 2,
    };
    (rest.get(width) == Some(&b'\'')).then_some(open + 1 + width + 1)
}

/// Where `name` is used as a `kind` would be. A field is read as `.name`,
/// a method called as `.name` or `::name`; anything else is not used by
/// `.name` or `name:` (a field of the same name), and an import not by
/// `other::name` either. A macro call `name!` uses an imported macro,
/// but never `std::panic` by `panic!`: the prelude's macros need no import.
pub(super) fn occurrences(code: &str, name: &str, kind: Kind) -> Vec<usize> {
    find_words(code, name)
        .into_iter()
        .filter(|&at| {
            let before = code[..at].trim_end();
            let after = &code[at + name.len()..];
            let by_dot = before.ends_with('.');
            let in_path = before.ends_with("::");
            let macro_call = after.starts_with('!') && !after.starts_with("!=");
            // `static_files: PathBuf` or `static_files: folder.clone()`
            // names a field, not the function `static_files`.
            let label =
                after.trim_start().starts_with(':') && !after.trim_start().starts_with("::");
            // `let guestbook = …` declares a variable of that name.
            let declared = ends_with_word(before, "let") || ends_with_word(before, "let mut");
            match kind {
                Kind::Field => by_dot,
                Kind::Method => by_dot || in_path,
                // `State::Recipients(envelope) =>` matches a variant; only an
                // expression constructs one, and only that makes it used.
                Kind::Variant => !by_dot && !is_match_arm(after),
                Kind::Import if macro_call => !PRELUDE_MACROS.contains(&name),
                Kind::Import => !by_dot && !in_path && !label && !declared,
                _ => !by_dot && !macro_call && !label && !declared,
            }
        })
        .collect()
}

/// Where `name` is captured by a format string, `"{name}"` or
/// `"{name:>8}"`, in the raw text (literals not blanked): a use that the
/// blanked code cannot show.
pub(super) fn format_captures(text: &str, name: &str) -> Vec<usize> {
    let mut found = Vec::new();
    for closing in ["}", ":"] {
        let pattern = format!("{{{name}{closing}");
        found.extend(
            text.match_indices(&pattern)
                .filter(|(at, _)| !text[..*at].ends_with('{'))
                .map(|(at, _)| at + 1),
        );
    }
    found
}

/// Whether `after` (the code after a variant's name) is the rest of a
/// match arm's pattern: an optional `(...)` or `{...}`, then `=>` or `|`.
fn is_match_arm(after: &str) -> bool {
    let rest = match after.chars().next() {
        Some('(' | '{') => &after[matching(after, 0)..],
        _ => after,
    };
    let rest = rest.trim_start();
    rest.starts_with("=>") || (rest.starts_with('|') && !rest.starts_with("||"))
}

/// Whether `text` ends with `word`, not with a longer identifier.
pub(super) fn ends_with_word(text: &str, word: &str) -> bool {
    text.strip_suffix(word)
        .is_some_and(|rest| !rest.ends_with(|c: char| c.is_alphanumeric() || c == '_'))
}

/// The macros every module has without an import.
const PRELUDE_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "dbg",
    "debug_assert",
    "env",
    "eprint",
    "eprintln",
    "format",
    "matches",
    "panic",
    "print",
    "println",
    "todo",
    "unimplemented",
    "unreachable",
    "vec",
    "write",
    "writeln",
];

/// The offsets where `word` occurs as a whole identifier.
pub(super) fn find_words(code: &str, word: &str) -> Vec<usize> {
    let bytes = code.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    code.match_indices(word)
        .map(|(at, _)| at)
        .filter(|&at| {
            let before = at.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(at + word.len()).copied();
            !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
        })
        .collect()
}

pub(super) fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// The parts of `text` between `separator`s outside any brackets.
pub(super) fn split_top_level(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (at, c) in text.char_indices() {
        match c {
            '(' | '[' | '{' | '<' => depth += 1,
            ')' | ']' | '}' | '>' => depth -= 1,
            c if c == separator && depth == 0 => {
                parts.push(&text[start..at]);
                start = at + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Where the item whose header starts at `from` ends: after the block that
/// closes its first `{`, or after the first `;` outside brackets.
pub(super) fn item_end(code: &str, from: usize) -> usize {
    let mut depth = 0i32;
    for (offset, c) in code[from..].char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ';' if depth == 0 => return from + offset + 1,
            '{' if depth == 0 => return matching(code, from + offset),
            _ => {}
        }
    }
    code.len()
}

/// The offset just after the bracket that closes the one at `open`.
pub(super) fn matching(code: &str, open: usize) -> usize {
    let mut depth = 0i32;
    for (offset, c) in code[open..].char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return open + offset + 1;
                }
            }
            _ => {}
        }
    }
    code.len()
}

/// The offset after the `;` that ends the statement around `from`.
pub(super) fn statement_end(code: &str, from: usize) -> usize {
    let mut depth = 0i32;
    for (offset, c) in code[from..].char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ';' if depth <= 0 => return from + offset + 1,
            _ => {}
        }
        if depth < 0 {
            return from + offset;
        }
    }
    code.len()
}
