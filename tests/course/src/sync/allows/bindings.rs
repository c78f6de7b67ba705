//! The variables a function declares (its parameters, its `let`s, its
//! closures' parameters) and which of them a stub leaves unused.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::StubbedFile;
use super::code::{find_words, is_identifier, occurrences, split_top_level, statement_end};
use super::items::{Kind, Source};

/// The functions a stub is inside whose arguments or variables the stub
/// leaves unused, with the lints that will fire and the exercises.
pub(super) fn unused_bindings(
    source: &Source,
    file: &StubbedFile,
) -> Vec<(usize, Vec<&'static str>, BTreeSet<String>)> {
    let mut by_function: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let mut removed: BTreeMap<usize, String> = BTreeMap::new();
    for stub in &file.stubs {
        let innermost = source
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| matches!(i.kind, Kind::Function | Kind::Method))
            .filter(|(_, i)| i.extent.contains(&stub.at))
            .max_by_key(|(_, i)| i.extent.start);
        if let Some((index, _)) = innermost {
            by_function
                .entry(index)
                .or_default()
                .insert(stub.exercise.clone());
            removed.entry(index).or_default().push_str(&stub.removed);
        }
    }
    let mut found = Vec::new();
    for (index, why) in by_function {
        let function = &source.items[index];
        let code = &source.code;
        let body = function.parameters.end..function.extent.end;
        let mut lints = Vec::new();
        let mut bindings = parameter_bindings(&code[function.parameters.clone()]);
        for binding in &mut bindings {
            binding.from += function.parameters.start;
        }
        bindings.extend(let_bindings(code, body.clone()));
        bindings.extend(closure_bindings(code, body.clone()));
        // The solution compiles without warnings, so a binding only the
        // removed code named is one the stub leaves unused.
        let removed = &removed[&index];
        let text = &file.text[body.clone()];
        for binding in &bindings {
            let used = occurrences(code, &binding.name, Kind::Function)
                .into_iter()
                .any(|at| at >= binding.from && body.contains(&at))
                || text.contains(&format!("{{{}}}", binding.name))
                || text.contains(&format!("{{{}:", binding.name));
            if used || find_words(removed, &binding.name).is_empty() {
                continue;
            }
            if binding.name != "self" && !lints.contains(&"unused_variables") {
                lints.push("unused_variables");
            }
            if binding.mutable && !lints.contains(&"unused_mut") {
                lints.push("unused_mut");
            }
            if binding.vec_by_mut && !lints.contains(&"clippy::ptr_arg") {
                lints.push("clippy::ptr_arg");
            }
        }
        if !lints.is_empty() {
            found.push((index, lints, why));
        }
    }
    found
}

/// A variable a function declares.
pub(super) struct Binding {
    pub(super) name: String,
    /// Where a use may start: after the parameters, or after the `let`
    /// statement (`let log = Mutex::new(log);` uses the old `log`).
    pub(super) from: usize,
    pub(super) mutable: bool,
    /// A `&mut Vec<_>` parameter, which clippy would rather see as a slice
    /// when nothing grows it.
    pub(super) vec_by_mut: bool,
}

/// The simple bindings of a parameter list, `(a: A, mut b: B, &self)`.
pub(super) fn parameter_bindings(list: &str) -> Vec<Binding> {
    let inner = &list[1..list.len().saturating_sub(1)];
    let mut bindings = Vec::new();
    for part in split_top_level(inner, ',') {
        let pattern = part.split(':').next().unwrap_or("");
        let vec_by_mut = part
            .split_once(':')
            .is_some_and(|(_, ty)| ty.trim_start().starts_with("&mut Vec<"));
        let mut words = pattern.trim();
        if words.starts_with('&') {
            // `&self`, `&mut self`, `&'a self`: borrowed, never "mutable".
            continue;
        }
        let mutable = words.starts_with("mut ");
        if mutable {
            words = words["mut ".len()..].trim_start();
        }
        // An extractor's pattern, `Path(name)` or `State(state)`: the
        // binding is inside.
        if let Some(inner) = words
            .strip_suffix(')')
            .and_then(|w| w.split_once('('))
            .map(|(_, inner)| inner.trim())
        {
            words = inner.strip_prefix("mut ").unwrap_or(inner).trim();
        }
        if is_identifier(words) && !words.starts_with('_') {
            bindings.push(Binding {
                name: words.to_string(),
                from: list.len(),
                mutable,
                vec_by_mut,
            });
        }
    }
    bindings
}

/// The `let name` and `let mut name` bindings in `range` of `code`.
pub(super) fn let_bindings(code: &str, range: Range<usize>) -> Vec<Binding> {
    let mut bindings = Vec::new();
    for at in occurrences(&code[range.clone()], "let", Kind::Function) {
        let after = range.start + at + "let".len();
        let rest = &code[after..range.end];
        let trimmed = rest.trim_start();
        let mutable = trimmed.starts_with("mut ");
        let name_text = if mutable {
            trimmed["mut ".len()..].trim_start()
        } else {
            trimmed
        };
        let name: String = name_text
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let next = name_text[name.len()..].trim_start().chars().next();
        let simple = matches!(next, Some(':' | '=' | ';'));
        if name.is_empty() || name.starts_with('_') || !simple || !is_identifier(&name) {
            continue;
        }
        let name_at = after + (rest.len() - name_text.len());
        bindings.push(Binding {
            from: statement_end(code, name_at).min(range.end),
            name,
            mutable,
            vec_by_mut: false,
        });
    }
    bindings
}

/// The parameters of the closures in `range` of `code` that open a block:
/// `move |request, next| {`.
pub(super) fn closure_bindings(code: &str, range: Range<usize>) -> Vec<Binding> {
    let mut bindings = Vec::new();
    let text = &code[range.clone()];
    let mut search = 0;
    while let Some(open) = text[search..].find('|').map(|o| search + o) {
        let Some(close) = text[open + 1..].find('|').map(|c| open + 1 + c) else {
            break;
        };
        let before = text[..open].trim_end();
        let opens_block = text[close + 1..].trim_start().starts_with('{');
        let starts_closure = before.ends_with("move")
            || before.ends_with('(')
            || before.ends_with(',')
            || before.ends_with('=');
        if opens_block && starts_closure && !text[open + 1..close].contains('\n') {
            for part in text[open + 1..close].split(',') {
                let pattern = part.split(':').next().unwrap_or("").trim();
                let (mutable, name) = match pattern.strip_prefix("mut ") {
                    Some(name) => (true, name.trim()),
                    None => (false, pattern),
                };
                if is_identifier(name) && !name.starts_with('_') {
                    bindings.push(Binding {
                        name: name.to_string(),
                        from: range.start + close + 1,
                        mutable,
                        vec_by_mut: false,
                    });
                }
            }
            search = close + 1;
        } else {
            search = open + 1;
        }
    }
    bindings
}
