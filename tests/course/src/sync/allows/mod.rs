//! The `#[expect(...)]` lines sync writes into a starter. A `todo!()` stub
//! leaves names unused: a function's arguments, the imports and helpers
//! only the answer calls. A learner's build should warn about their own
//! code, not about ours, so each name the stubs leave unused gets an
//! expectation on its own item, with the exercise that will use it:
//!
//! ```text
//! #[expect(unused_variables, reason = "until you write exercise 3.2")]
//! pub fn split_request_line(line: &[u8]) -> Result<RequestLine<'_>, ParseError> {
//! ```
//!
//! `expect`, not `allow`: once the learner writes the exercise the lint no
//! longer fires, and the compiler says the expectation is unfulfilled, which
//! tells them to delete the line. It also keeps this module honest: a
//! needless expectation is a warning too, and CI's clippy run on the
//! starters denies warnings.
//!
//! The reading is textual, not a syntax tree: names are matched as words in
//! the code with comments and literals blanked out, and items are found by
//! the lines that start them, which is how rustfmt leaves every file here.
//! A guess that goes wrong either way is a warning in that clippy run.

mod bindings;
mod code;
mod items;

use std::collections::{BTreeMap, BTreeSet};

use bindings::unused_bindings;
use code::{blank, find_words, format_captures, occurrences};
use items::{Item, Kind, Reach, Source};

/// What every expectation sync writes says, so `course solution` can tell
/// them from the author's own attributes.
pub const REASON_START: &str = "until you write exercise";

/// rustfmt's line width and its `attr_fn_like_width`: an attribute longer
/// than the one, or whose arguments are longer than the other, is written
/// the way rustfmt breaks it, one argument per line.
const MAX_WIDTH: usize = 100;
const MAX_ARGUMENTS_WIDTH: usize = 70;

/// One region sync replaced by a `todo!()`.
#[derive(Debug, Clone)]
pub struct Stub {
    /// The exercise's id, such as `3.2`.
    pub exercise: String,
    /// The solution's code that was removed.
    pub removed: String,
    /// Where the `todo!()` is in the starter's text (a byte offset).
    pub at: usize,
}

/// A starter source file after stubbing, before its expectations.
#[derive(Debug, Clone)]
pub struct StubbedFile {
    /// The starter's text.
    pub text: String,
    /// Its stubs, in order.
    pub stubs: Vec<Stub>,
}

/// The texts of a crate's stubbed files with an expectation on each item a
/// stub left unused, in the order given. The crate is read as a whole: a
/// helper in one file may be used only by a stub in another.
pub fn with_expectations(files: &[StubbedFile]) -> Vec<String> {
    let sources: Vec<Source> = files.iter().map(Source::read).collect();
    let dead = dead_items(&sources, files);
    files
        .iter()
        .zip(&sources)
        .enumerate()
        .map(|(index, (file, source))| {
            let mut marks: BTreeMap<usize, Mark> = BTreeMap::new();
            for (item, why) in dead.iter().filter(|((f, _), _)| *f == index) {
                let item = &source.items[item.1];
                let lint = if item.kind == Kind::Import {
                    "unused_imports"
                } else {
                    "dead_code"
                };
                marks
                    .entry(item.line_start)
                    .or_insert_with(|| Mark::new(item))
                    .add(lint, why, item.seen_by_tests);
            }
            for (function, lints, why) in unused_bindings(source, file) {
                let item = &source.items[function];
                let mark = marks
                    .entry(item.line_start)
                    .or_insert_with(|| Mark::new(item));
                for lint in lints {
                    mark.add(lint, &why, false);
                }
            }
            insert_marks(&file.text, &marks)
        })
        .collect()
}

/// Undoes [`with_expectations`]: the text without the attributes it wrote.
pub fn without_expectations(text: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut kept = String::with_capacity(text.len());
    let mut index = 0;
    while index < lines.len() {
        let trimmed = lines[index].trim();
        if trimmed.starts_with("#[expect(") || trimmed.starts_with("#[allow(") {
            let end = (index..lines.len())
                .find(|&i| lines[i].trim_end().ends_with(")]"))
                .unwrap_or(index);
            let attribute = lines[index..=end].concat();
            if attribute.contains(&format!("reason = \"{REASON_START}")) {
                index = end + 1;
                continue;
            }
        }
        kept.push_str(lines[index]);
        index += 1;
    }
    kept
}

/// The attribute to write before one item.
struct Mark {
    indent: String,
    lints: Vec<&'static str>,
    exercises: BTreeSet<String>,
    /// `allow` instead of `expect`: the item is used by unit tests, so in
    /// the `cfg(test)` build the lint does not fire and an expectation
    /// would be a warning there.
    allow: bool,
}

impl Mark {
    fn new(item: &Item) -> Mark {
        Mark {
            indent: item.indent.clone(),
            lints: Vec::new(),
            exercises: BTreeSet::new(),
            allow: false,
        }
    }

    fn add(&mut self, lint: &'static str, why: &BTreeSet<String>, seen_by_tests: bool) {
        if !self.lints.contains(&lint) {
            self.lints.push(lint);
        }
        self.exercises.extend(why.iter().cloned());
        self.allow |= seen_by_tests;
    }

    /// The attribute's lines, formatted as rustfmt would.
    fn attribute(&self, newline: &str) -> String {
        let ids: Vec<&str> = self.exercises.iter().map(String::as_str).collect();
        let reason = match ids.as_slice() {
            [one] => format!("{REASON_START} {one}"),
            [rest @ .., last] => format!("{REASON_START}s {} and {last}", rest.join(", ")),
            [] => unreachable!("every mark has the exercise that causes it"),
        };
        let name = if self.allow { "allow" } else { "expect" };
        let mut arguments: Vec<String> = self.lints.iter().map(|l| l.to_string()).collect();
        arguments.push(format!("reason = \"{reason}\""));
        let indent = &self.indent;
        let joined = arguments.join(", ");
        let one_line = format!("{indent}#[{name}({joined})]");
        if one_line.len() <= MAX_WIDTH && joined.len() <= MAX_ARGUMENTS_WIDTH {
            return format!("{one_line}{newline}");
        }
        let mut lines = format!("{indent}#[{name}({newline}");
        for argument in &arguments {
            lines.push_str(&format!("{indent}    {argument},{newline}"));
        }
        // rustfmt puts no comma after the last argument of an attribute.
        lines.truncate(lines.len() - 1 - newline.len());
        lines.push_str(&format!("{newline}{indent})]{newline}"));
        lines
    }
}

/// `text` with each mark's attribute on the line before its item.
fn insert_marks(text: &str, marks: &BTreeMap<usize, Mark>) -> String {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut output = String::with_capacity(text.len() + 80 * marks.len());
    let mut from = 0;
    for (&at, mark) in marks {
        output.push_str(&text[from..at]);
        output.push_str(&mark.attribute(newline));
        from = at;
    }
    output.push_str(&text[from..]);
    output
}

/// The items only stubbed code used, each with the exercises whose answers
/// use it. `(file, item)` indexes `sources`.
///
/// Only these: an item with `#[expect(dead_code)]` counts as used for the
/// compiler, so whatever it calls is used too, and an import is used by any
/// code that names it, used or not.
fn dead_items(
    sources: &[Source],
    files: &[StubbedFile],
) -> BTreeMap<(usize, usize), BTreeSet<String>> {
    let mut dead = BTreeMap::new();
    for (f, source) in sources.iter().enumerate() {
        for (i, item) in source.items.iter().enumerate() {
            if item.reach == Reach::Outside {
                continue;
            }
            if let Some(why) = unused_because(sources, files, f, item) {
                dead.insert((f, i), why);
            }
        }
    }
    // A type with an expectation counts as used, but its fields and
    // variants are then never looked at: they need none of their own.
    let dead_types: BTreeSet<(usize, String)> = dead
        .keys()
        .map(|&(f, i)| (f, &sources[f].items[i]))
        .filter(|(_, item)| item.kind == Kind::Type)
        .map(|(f, item)| (f, item.name.clone()))
        .collect();
    dead.retain(|&(f, i), _| {
        let item = &sources[f].items[i];
        !(matches!(item.kind, Kind::Field | Kind::Variant)
            && dead_types.contains(&(f, item.owner.clone())))
    });
    dead
}

/// The exercises that would use `item` of file `f`, if nothing in the
/// starter does; `None` if something does, or nothing uses it at all (a
/// trait's import used through its methods, say).
fn unused_because(
    sources: &[Source],
    files: &[StubbedFile],
    f: usize,
    item: &Item,
) -> Option<BTreeSet<String>> {
    let visible: Vec<usize> = match (item.kind, item.reach) {
        (Kind::Import, _) | (_, Reach::File) => vec![f],
        _ => (0..sources.len()).collect(),
    };
    let names = if item.kind == Kind::Import {
        item.names.clone()
    } else {
        vec![item.name.clone()]
    };
    let mut why = BTreeSet::new();
    for name in &names {
        let mut used = false;
        let mut name_why = BTreeSet::new();
        for &g in &visible {
            let source = &sources[g];
            // `.name` is a member whatever variables are called.
            let member = matches!(item.kind, Kind::Field | Kind::Method);
            let in_code = occurrences(&source.code, name, item.kind);
            // `format!("{MAX_LIMIT}")` names a constant or a variable too.
            let in_formats = if member {
                Vec::new()
            } else {
                format_captures(&files[g].text, name)
            };
            used |= in_code
                .into_iter()
                .chain(in_formats)
                .filter(|at| g != f || item.kind == Kind::Import || !item.extent.contains(at))
                .any(|at| {
                    source.is_used_there(at)
                        && (member || !source.is_variable_there(name, at))
                        && (item.kind != Kind::Field || source.may_be_field_of(&item.owner, at))
                });
            for stub in &files[g].stubs {
                let in_formats = !member && !format_captures(&stub.removed, name).is_empty();
                if in_formats || !occurrences(&blank(&stub.removed), name, item.kind).is_empty() {
                    name_why.insert(stub.exercise.clone());
                }
            }
        }
        if item.kind == Kind::Import && !used && name_why.is_empty() {
            // A trait brought in for its methods is named nowhere else.
            if let Some(methods) = trait_methods(name) {
                let source = &sources[f];
                used = methods
                    .iter()
                    .flat_map(|m| method_calls(&source.code, m))
                    .any(|at| source.is_used_there(at));
                for stub in &files[f].stubs {
                    let removed = blank(&stub.removed);
                    if methods
                        .iter()
                        .any(|m| !method_calls(&removed, m).is_empty())
                    {
                        name_why.insert(stub.exercise.clone());
                    }
                }
            }
        }
        if !used {
            why.extend(name_why);
        }
    }
    (!why.is_empty()).then_some(why)
}

/// The method names of the std and tokio traits the chapters import, for
/// telling whether an import of one is used.
fn trait_methods(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "Read" => &[
            "read",
            "read_exact",
            "read_to_end",
            "read_to_string",
            "bytes",
            "take",
        ],
        "Write" => &["write", "write_all", "flush", "write_fmt", "write_str"],
        "BufRead" => &[
            "read_line",
            "lines",
            "fill_buf",
            "consume",
            "read_until",
            "split",
        ],
        "Seek" => &["seek", "rewind", "stream_position"],
        "AsyncReadExt" => &["read", "read_exact", "read_to_end", "read_buf", "read_u8"],
        "AsyncWriteExt" => &["write", "write_all", "flush", "shutdown"],
        "AsyncBufReadExt" => &["read_line", "lines", "read_until"],
        "Digest" => &["digest", "update", "finalize"],
        _ => return None,
    })
}

/// Where `.method(` is called, and for `write_fmt` where `write!` or
/// `writeln!` is, which call it. An `OpenOptions` flag such as
/// `.write(true)` is not a call of the trait's method.
fn method_calls(code: &str, method: &str) -> Vec<usize> {
    let mut found: Vec<usize> = find_words(code, method)
        .into_iter()
        .filter(|&at| {
            let after = &code[at + method.len()..];
            code[..at].trim_end().ends_with('.')
                && after.starts_with('(')
                && !after.starts_with("(true)")
                && !after.starts_with("(false)")
        })
        .collect();
    if method == "write_fmt" {
        for mac in ["write", "writeln"] {
            found.extend(
                find_words(code, mac)
                    .into_iter()
                    .filter(|&at| code[at + mac.len()..].starts_with("!(")),
            );
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::items::imported_names;
    use super::*;

    fn expect(files: &[(&str, &[(&str, &str)])]) -> Vec<String> {
        let files: Vec<StubbedFile> = files
            .iter()
            .map(|(text, stubs)| StubbedFile {
                text: text.to_string(),
                stubs: stubs
                    .iter()
                    .map(|(exercise, removed)| Stub {
                        exercise: exercise.to_string(),
                        removed: removed.to_string(),
                        at: text.find("todo!").expect("a stub in the test file"),
                    })
                    .collect(),
            })
            .collect();
        with_expectations(&files)
    }

    #[test]
    fn arguments_the_stub_leaves_unused() {
        let text = "impl S {\n    pub fn f(a: u8, mut b: Vec<u8>, c: &mut Vec<u8>) -> u8 {\n        let d = a;\n        todo!()\n    }\n}\n";
        let out = expect(&[(text, &[("1.1", "b.push(d); c.push(1);")])]);
        // Too long for one line, so written as rustfmt writes it.
        assert_eq!(
            out[0],
            "impl S {\n    #[expect(\n        unused_variables,\n        unused_mut,\n        clippy::ptr_arg,\n        reason = \"until you write exercise 1.1\"\n    )]\n    pub fn f(a: u8, mut b: Vec<u8>, c: &mut Vec<u8>) -> u8 {\n        let d = a;\n        todo!()\n    }\n}\n"
        );
    }

    #[test]
    fn imports_and_helpers_only_the_answer_uses() {
        let text = "use std::io::{self, Write};\nuse std::fmt;\n\nfn helper() -> u8 { inner() }\nfn inner() -> u8 { 1 }\n\npub fn f(x: &mut File) -> io::Result<u8> {\n    // helper() in a comment is not a use\n    todo!()\n}\n\nimpl fmt::Display for S { fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { Ok(()) } }\n";
        let out = expect(&[(text, &[("2.3", "x.write_all(b\"!\")?; Ok(helper())")])]);
        let out = &out[0];
        assert!(
            out.contains("#[expect(unused_imports, reason = \"until you write exercise 2.3\")]\nuse std::io::{self, Write};"),
            "{out}"
        );
        assert!(
            out.contains(
                "#[expect(dead_code, reason = \"until you write exercise 2.3\")]\nfn helper()"
            ),
            "{out}"
        );
        // An expectation makes `helper` count as used, and so what it calls.
        assert!(
            out.contains(")]\nfn helper()") && out.contains("}\nfn inner()"),
            "{out}"
        );
        assert!(out.contains("\nuse std::fmt;"), "{out}");
        assert!(
            out.contains(
                "#[expect(unused_variables, reason = \"until you write exercise 2.3\")]\npub fn f("
            ),
            "{out}"
        );
    }

    #[test]
    fn a_name_in_a_format_string_is_a_use() {
        let text = "use crate::limits::{MAX, MIN};\n\npub fn f() -> String {\n    let _ = MIN;\n    todo!()\n}\n";
        let out = expect(&[(text, &[("2.1", "format!(\"at most {MAX}\")")])]);
        assert!(
            out[0].contains("#[expect(unused_imports, reason = \"until you write exercise 2.1\")]\nuse crate::limits"),
            "MAX is used only inside the stub's format string: {}",
            out[0]
        );
        let kept = "use crate::limits::MAX;\n\npub fn f() -> String {\n    let s = format!(\"{MAX:>4}\");\n    todo!()\n}\n";
        let out = expect(&[(kept, &[("2.1", "s + &MAX.to_string()")])]);
        assert!(!out[0].contains("unused_imports"), "{}", out[0]);
    }

    #[test]
    fn a_variable_or_a_field_of_the_same_name_is_not_a_use_of_a_function() {
        let text = "fn guestbook() -> u8 { 1 }\n\npub struct S { guestbook: u8 }\n\npub fn open() -> S {\n    let guestbook = 2;\n    S { guestbook }\n}\n\npub fn page(s: &S) -> u8 {\n    let _ = s.guestbook;\n    todo!()\n}\n";
        let out = expect(&[(text, &[("3.1", "guestbook()")])]);
        assert!(
            out[0].contains(
                "#[expect(dead_code, reason = \"until you write exercise 3.1\")]\nfn guestbook()"
            ),
            "{}",
            out[0]
        );
    }

    #[test]
    fn the_members_of_an_unused_type_need_nothing_of_their_own() {
        let text = "enum Place {\n    Outside,\n    Inside,\n}\n\npub fn f() {\n    todo!()\n}\n";
        let out = expect(&[(
            text,
            &[("4.1", "let p = Place::Outside; let q = Place::Inside;")],
        )]);
        assert_eq!(out[0].matches("#[expect(").count(), 1, "{}", out[0]);
        assert!(out[0].contains(")]\nenum Place"), "{}", out[0]);
    }

    #[test]
    fn a_variant_only_matched_is_not_constructed() {
        let text = "enum State {\n    Fresh,\n    Done(u8),\n}\n\npub fn f(s: State) -> u8 {\n    let _ = State::Fresh;\n    match s {\n        State::Done(n) => n,\n        State::Fresh => 0,\n    }\n}\n\npub fn g() -> u8 {\n    todo!()\n}\n";
        let out = expect(&[(text, &[("6.1", "f(State::Done(1))")])]);
        assert!(
            out[0].contains(
                "#[expect(dead_code, reason = \"until you write exercise 6.1\")]\n    Done(u8)"
            ),
            "Done is only constructed by the stub: {}",
            out[0]
        );
    }

    #[test]
    fn an_item_a_unit_test_uses_gets_allow_not_expect() {
        let text = "fn helper() -> u8 { 1 }\n\npub fn f() -> u8 {\n    todo!()\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {\n        assert_eq!(super::helper(), 1);\n    }\n}\n";
        let out = expect(&[(text, &[("5.1", "helper()")])]);
        assert!(
            out[0].contains(
                "#[allow(dead_code, reason = \"until you write exercise 5.1\")]\nfn helper()"
            ),
            "in the test build the helper is used, so an expectation would be unfulfilled there: {}",
            out[0]
        );
    }

    #[test]
    fn the_attributes_come_out_again() {
        let text = "use std::io::Write;\n\npub fn f(a: u8) {\n    todo!()\n}\n";
        let out = expect(&[(text, &[("1.2", "a; w.write_all(b\"\")")])]);
        assert_ne!(out[0], text);
        assert_eq!(without_expectations(&out[0]), text);
    }

    #[test]
    fn blanking_keeps_offsets_and_hides_comments_and_literals() {
        let text =
            "let s = \"a // b\"; // c\nlet r = r#\"x\"#; let c = '\\''; let l: &'a str = x;\n";
        let code = blank(text);
        assert_eq!(code.len(), text.len());
        assert!(!code.contains("//") && !code.contains('#') && code.contains("'a str"));
        assert_eq!(
            imported_names(" a::{b, c as d, e::{self, f}, g::*};"),
            ["b", "d", "e", "f"]
        );
    }
}
