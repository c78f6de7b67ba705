//! The items of a file, found by the lines that start them (rustfmt puts
//! every item on its own line): functions, types with their fields and
//! variants, constants, imports, and the blocks around them.

use std::ops::Range;

use super::StubbedFile;
use super::bindings::{closure_bindings, let_bindings, parameter_bindings};
use super::code::{
    blank, ends_with_word, find_words, is_identifier, item_end, matching, occurrences,
    split_top_level,
};

/// What kind of item a name belongs to, which decides what counts as a use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Function,
    /// A function in an inherent `impl`: only `.name(` or `::name` calls it.
    Method,
    Type,
    Constant,
    /// A named field: only a read (`.name`) is a use.
    Field,
    Variant,
    /// A `use` declaration; its `names` are what it brings in.
    Import,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Reach {
    /// Private: seen in its own file only.
    File,
    /// `pub(crate)` or `pub(super)`: seen in the whole crate.
    Crate,
    /// `pub`, or a member of a trait or trait impl: the lint never fires.
    Outside,
}

#[derive(Debug, Clone)]
pub(super) struct Item {
    pub(super) kind: Kind,
    pub(super) name: String,
    /// For an import, each name it brings in.
    pub(super) names: Vec<String>,
    pub(super) reach: Reach,
    /// The byte offset of the item's first line, where its mark goes.
    pub(super) line_start: usize,
    pub(super) indent: String,
    /// From the item's first line to its end.
    pub(super) extent: Range<usize>,
    /// For a function, its parameter list.
    pub(super) parameters: Range<usize>,
    /// For a field, its struct's name.
    pub(super) owner: String,
    /// The name occurs in a unit test module of its file.
    pub(super) seen_by_tests: bool,
}

/// One file, read.
pub(super) struct Source {
    /// The text with comments and literals blanked out, byte for byte.
    pub(super) code: String,
    pub(super) items: Vec<Item>,
    /// The `#[cfg(test)]` modules.
    pub(super) tests: Vec<Range<usize>>,
    /// The inherent `impl` blocks, with their types.
    pub(super) impls: Vec<(Range<usize>, String)>,
}

impl Source {
    pub(super) fn read(file: &StubbedFile) -> Source {
        let code = blank(&file.text);
        let tests = test_modules(&code);
        let items = find_items(&code)
            .into_iter()
            .filter(|item| !tests.iter().any(|t| t.contains(&item.line_start)))
            .map(|mut item| {
                item.seen_by_tests = tests.iter().any(|t| {
                    let names = if item.kind == Kind::Import {
                        item.names.clone()
                    } else {
                        vec![item.name.clone()]
                    };
                    names
                        .iter()
                        .any(|n| !occurrences(&code[t.clone()], n, item.kind).is_empty())
                });
                item
            })
            .collect();
        let impls = impl_blocks(&code);
        Source {
            code,
            items,
            tests,
            impls,
        }
    }

    /// Whether `name` at `at` is a variable of the function around it (a
    /// parameter, or a `let` before it), not an item of that name.
    pub(super) fn is_variable_there(&self, name: &str, at: usize) -> bool {
        let Some(function) = self
            .items
            .iter()
            .filter(|i| matches!(i.kind, Kind::Function | Kind::Method))
            .filter(|i| i.extent.contains(&at))
            .max_by_key(|i| i.extent.start)
        else {
            return false;
        };
        let body = function.parameters.end..function.extent.end;
        parameter_bindings(&self.code[function.parameters.clone()])
            .into_iter()
            .chain(let_bindings(&self.code, body))
            .chain(closure_bindings(&self.code, function.extent.clone()))
            .any(|b| b.name == name && b.from <= at)
    }

    /// Whether `.name` at `at` may read a field of `owner`: not when it is
    /// `self.name` in another type's `impl` (chapter 7's `Server` and
    /// `ConnectionLimit` both have a `stats`).
    pub(super) fn may_be_field_of(&self, owner: &str, at: usize) -> bool {
        let receiver = self.code[..at].trim_end().trim_end_matches('.').trim_end();
        if !ends_with_word(receiver, "self") {
            return true;
        }
        self.impls
            .iter()
            .filter(|(block, _)| block.contains(&at))
            .max_by_key(|(block, _)| block.start)
            .is_none_or(|(_, ty)| ty == owner)
    }

    /// Whether a name at `at` is a use in the library's build: not in an
    /// import (which uses nothing), not in a unit test.
    pub(super) fn is_used_there(&self, at: usize) -> bool {
        !self.tests.iter().any(|t| t.contains(&at))
            && !self
                .items
                .iter()
                .any(|i| i.kind == Kind::Import && i.extent.contains(&at))
    }
}

/// The items of a file, found by the lines that start them.
fn find_items(code: &str) -> Vec<Item> {
    let mut items = Vec::new();
    // Trait definitions and trait impls: their members are never "unused".
    let mut trait_blocks: Vec<Range<usize>> = Vec::new();
    let impls = impl_blocks(code);
    let mut line_start = 0;
    for line in code.split_inclusive('\n') {
        let start = line_start;
        line_start += line.len();
        let indent = &line[..line.len() - line.trim_start().len()];
        let (reach, rest) = visibility(line.trim_start());
        let in_trait = trait_blocks.iter().any(|b| b.contains(&start));
        let reach = if in_trait { Reach::Outside } else { reach };
        let header = start + indent.len() + (line.trim_start().len() - rest.len());
        let (keyword, name) = leading_keyword(rest);
        let make = |kind, name: &str, extent: Range<usize>| Item {
            kind,
            name: name.to_string(),
            names: Vec::new(),
            reach,
            line_start: start,
            indent: indent.to_string(),
            extent,
            parameters: 0..0,
            owner: String::new(),
            seen_by_tests: false,
        };
        match keyword {
            "fn" => {
                let end = item_end(code, header);
                let open = code[header..end].find('(').map(|o| header + o);
                let kind = if impls.iter().any(|(b, _)| b.contains(&start)) {
                    Kind::Method
                } else {
                    Kind::Function
                };
                let mut item = make(kind, name, start..end);
                if let Some(open) = open {
                    item.parameters = open..matching(code, open);
                }
                items.push(item);
            }
            "struct" | "enum" | "union" => {
                let end = item_end(code, header);
                items.push(make(Kind::Type, name, start..end));
                let member = if keyword == "enum" {
                    Kind::Variant
                } else {
                    Kind::Field
                };
                // A derived `PartialEq` or `Hash` reads every field (the
                // compiler ignores only `Debug` and `Clone` here).
                let read = member == Kind::Field && derives_a_reader(code, start);
                if let Some(open) = code[header..end].find('{').map(|o| header + o) {
                    let mut found = members(code, open..end, member, reach, read);
                    for member in &mut found {
                        member.owner = name.to_string();
                    }
                    items.extend(found);
                }
            }
            "const" | "static" => {
                items.push(make(Kind::Constant, name, start..item_end(code, header)));
            }
            "use" if reach == Reach::File => {
                let end = item_end(code, header);
                let mut item = make(Kind::Import, name, start..end);
                item.names = imported_names(&code[header + "use".len()..end]);
                items.push(item);
            }
            "trait" => trait_blocks.push(start..item_end(code, header)),
            "impl" if is_trait_impl(&code[header..]) => {
                trait_blocks.push(start..item_end(code, header));
            }
            _ => {}
        }
    }
    items
}

/// The inherent `impl` blocks of a file, each with the type it is for.
fn impl_blocks(code: &str) -> Vec<(Range<usize>, String)> {
    let mut blocks = Vec::new();
    let mut line_start = 0;
    for line in code.split_inclusive('\n') {
        let start = line_start;
        line_start += line.len();
        let header = start + (line.len() - line.trim_start().len());
        if leading_keyword(line.trim_start()).0 == "impl" && !is_trait_impl(&code[header..]) {
            let block = start..item_end(code, header);
            blocks.push((block, impl_type(code, header).to_string()));
        }
    }
    blocks
}

/// The type an inherent `impl` starting at `start` is for:
/// `impl<H: Handler> Server<H> {` is for `Server`.
fn impl_type(code: &str, start: usize) -> &str {
    let header = code[start..].trim_start().trim_start_matches("impl");
    let after_generics = if header.starts_with('<') {
        let mut depth = 0;
        let end = header
            .char_indices()
            .find(|&(_, c)| {
                depth += match c {
                    '<' => 1,
                    '>' => -1,
                    _ => 0,
                };
                depth == 0
            })
            .map_or(header.len(), |(at, _)| at + 1);
        &header[end..]
    } else {
        header
    };
    let name = after_generics.trim_start();
    let len = name
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(name.len());
    &name[..len]
}

/// The visibility at the start of `text` and what follows it.
fn visibility(text: &str) -> (Reach, &str) {
    if let Some(rest) = text.strip_prefix("pub(") {
        let close = rest.find(')').map_or(0, |c| c + 1);
        return (Reach::Crate, rest[close..].trim_start());
    }
    if let Some(rest) = text.strip_prefix("pub ") {
        return (Reach::Outside, rest.trim_start());
    }
    (Reach::File, text)
}

/// The item keyword a line starts with (after qualifiers such as `async`)
/// and the name after it.
fn leading_keyword(text: &str) -> (&str, &str) {
    // `) -> impl Handler {` continues a signature; it starts nothing.
    if !text.starts_with(|c: char| c.is_alphabetic()) {
        return ("", "");
    }
    let mut words = text.split(|c: char| !(c.is_alphanumeric() || c == '_'));
    let mut keyword = words.next().unwrap_or("");
    while matches!(keyword, "async" | "unsafe" | "extern" | "default" | "")
        || (keyword == "const" && text.contains("const fn"))
    {
        match words.next() {
            Some(next) => keyword = next,
            None => return ("", ""),
        }
    }
    let name = words.find(|w| !w.is_empty()).unwrap_or("");
    match keyword {
        "fn" | "struct" | "enum" | "union" | "const" | "static" | "trait" | "impl" => {
            (keyword, name)
        }
        "use" => ("use", ""),
        _ => ("", ""),
    }
}

/// Whether the attributes above the line at `start` derive a trait that
/// reads fields: anything but `Debug`, `Clone`, `Copy` and `Default`.
fn derives_a_reader(code: &str, start: usize) -> bool {
    code[..start]
        .lines()
        .rev()
        .map(str::trim)
        .take_while(|line| line.is_empty() || line.starts_with("#["))
        .filter_map(|line| line.strip_prefix("#[derive("))
        .flat_map(|list| list.trim_end_matches(")]").split(','))
        .map(|name| name.trim().rsplit("::").next().unwrap_or(""))
        .any(|name| !matches!(name, "Debug" | "Clone" | "Copy" | "Default" | ""))
}

/// Whether the `impl` starting `text` implements a trait (`impl X for Y`).
fn is_trait_impl(text: &str) -> bool {
    let header = &text[..text.find('{').unwrap_or(text.len())];
    find_words(header, "for").into_iter().any(|at| {
        // `impl<F: for<'a> Fn(&'a str)>` is a bound, not a trait impl.
        !header[at + 3..].trim_start().starts_with('<')
    })
}

/// The fields or variants between the braces of `body`, of a type seen as
/// far as `reach`; `read` when a derived trait reads every field.
fn members(code: &str, body: Range<usize>, kind: Kind, reach: Reach, read: bool) -> Vec<Item> {
    let mut found = Vec::new();
    let mut depth = 0i32;
    let mut at = body.start;
    // `#[default]` on a variant: `derive(Default)` constructs it.
    let mut default = false;
    for line in code[body.clone()].split_inclusive('\n') {
        let start = at;
        at += line.len();
        if depth == 1 && line.trim() == "#[default]" {
            default = true;
        } else if depth == 1 {
            let indent = &line[..line.len() - line.trim_start().len()];
            let (field_reach, rest) = visibility(line.trim_start());
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let after = rest[name.len()..].trim_start();
            let is_member = match kind {
                Kind::Field => after.starts_with(':') && !after.starts_with("::"),
                _ => after.is_empty() || after.starts_with([',', '{', '(', '=']),
            };
            let constructed_by_default = is_member && std::mem::take(&mut default);
            let member_reach = match kind {
                _ if constructed_by_default || read => Reach::Outside,
                Kind::Variant => reach,
                // A field is seen as far as both it and its struct are.
                _ => field_reach.min(reach),
            };
            if is_member && is_identifier(&name) && !rest.starts_with('#') {
                found.push(Item {
                    kind,
                    name,
                    names: Vec::new(),
                    reach: member_reach,
                    line_start: start,
                    indent: indent.to_string(),
                    extent: start..at,
                    parameters: 0..0,
                    owner: String::new(),
                    seen_by_tests: false,
                });
            }
        }
        for c in line.chars() {
            match c {
                '{' | '(' | '[' => depth += 1,
                '}' | ')' | ']' => depth -= 1,
                _ => {}
            }
        }
    }
    found
}

/// The names a `use` tree brings in: `a::{b, c as d, e::{self}}` → `b`,
/// `d`, `e`. Globs bring nothing we can name.
pub(super) fn imported_names(tree: &str) -> Vec<String> {
    let tree = tree.trim().trim_end_matches(';').trim();
    let mut names = Vec::new();
    collect_names(tree, "", &mut names);
    names
}

fn collect_names(tree: &str, parent: &str, names: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let prefix = tree[..open].trim_end_matches("::");
        let last = prefix.rsplit("::").next().unwrap_or(parent);
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        for part in split_top_level(inner, ',') {
            if !part.trim().is_empty() {
                collect_names(part, last, names);
            }
        }
        return;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((path, alias)) => (path, Some(alias.trim())),
        None => (tree, None),
    };
    let last = path.rsplit("::").next().unwrap_or("").trim();
    let name = match (alias, last) {
        (Some(alias), _) => alias,
        (None, "self") => parent,
        (None, last) => last,
    };
    if is_identifier(name) && name != "_" {
        names.push(name.to_string());
    }
}

/// The `#[cfg(test)] mod name { ... }` blocks of a file.
fn test_modules(code: &str) -> Vec<Range<usize>> {
    code.match_indices("#[cfg(test)]")
        .filter_map(|(at, _)| {
            let rest = &code[at + "#[cfg(test)]".len()..];
            let module = rest.trim_start();
            let header = at + "#[cfg(test)]".len() + (rest.len() - module.len());
            (module.starts_with("mod ") && !module.trim_end().starts_with("mod tests;"))
                .then(|| at..item_end(code, header))
        })
        .collect()
}
