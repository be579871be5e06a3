//! The dependencies `docs/architecture.md` describes, checked on the source itself:
//! `http` depends on `model` only; the faces do not reach into each other (`main`
//! starts the TUI, not `cli`); `home` calls none of the faces or the worker that call
//! it; the worker asks for tokens through `TokenSource`; and no file imports a file
//! that imports it back.
//!
//! A file's dependencies are the paths it names (`use` trees and paths written in
//! the code, tests left out), each taken to the file that defines the item: a name
//! a module re-exports (`pub use child::Item`) counts as the child's. A module and its
//! own children are one piece split in files (the parent declares them, they use its
//! types): pairs within one such family are not counted.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

/// Pairs that import each other outside the change that added this test, to be
/// untangled by their own changes; a pair not listed here fails the test.
const KNOWN_PAIRS: &[(&str, &str)] = &[
    ("model/destination", "model/validation"),
    ("model/header_rules", "model/validation"),
    ("model/plain_http", "model/validation"),
    ("store/error", "store/read"),
    ("tui/authorize", "tui/message"),
];

#[test]
fn http_depends_on_model_only() {
    let outside =
        Graph::read().reaching("http", |to| !in_area(to, "http") && !in_area(to, "model"));
    assert!(outside.is_empty(), "http reaches past model: {outside:#?}");
}

#[test]
fn the_faces_do_not_reach_into_each_other() {
    let graph = Graph::read();
    let mut crossing = graph.reaching("cli", |to| in_area(to, "tui"));
    crossing.extend(graph.reaching("tui", |to| in_area(to, "cli")));
    assert!(
        crossing.is_empty(),
        "one face uses the other: {crossing:#?}"
    );
    let main = graph.reaching("main", |to| in_area(to, "tui"));
    assert!(!main.is_empty(), "main starts the TUI itself");
}

#[test]
fn home_stays_below_the_faces_and_the_worker() {
    // The CLI, the TUI and the delivery worker call `home`; it calls none of them.
    let upward = Graph::read().reaching("home", |to| {
        ["cli", "tui", "delivery"]
            .iter()
            .any(|face| in_area(to, face))
    });
    assert!(upward.is_empty(), "home calls up: {upward:#?}");
}

#[test]
fn the_worker_asks_for_tokens_through_token_source() {
    // worker.rs builds the provider; everything below it holds a `dyn TokenSource`.
    let graph = Graph::read();
    let concrete: Vec<&str> = graph
        .files
        .iter()
        .filter(|(module, _)| in_area(module, "delivery/worker") && *module != "delivery/worker")
        .filter(|(_, code)| has_word(code, "TokenProvider"))
        .map(|(module, _)| module.as_str())
        .collect();
    assert!(
        concrete.is_empty(),
        "the worker names the concrete provider in {concrete:?}"
    );
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let graph = Graph::read();
    let mut pairs = Vec::new();
    for (from, targets) in &graph.edges {
        for to in targets {
            let family = in_area(to, from) || in_area(from, to);
            if from < to && !family && graph.edges.get(to).is_some_and(|back| back.contains(from)) {
                pairs.push((from.clone(), to.clone()));
            }
        }
    }
    let new: Vec<String> = pairs
        .iter()
        .filter(|(a, b)| !KNOWN_PAIRS.contains(&(a.as_str(), b.as_str())))
        .map(|(a, b)| format!("{a} <-> {b}"))
        .collect();
    assert!(new.is_empty(), "files importing each other: {new:#?}");
}

/// The source files of the crate, as code (no comments, strings or tests), and which
/// file each depends on.
struct Graph {
    /// `delivery/worker/scheduler` → its code.
    files: BTreeMap<String, String>,
    edges: BTreeMap<String, BTreeSet<String>>,
}

impl Graph {
    fn read() -> Graph {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut paths = Vec::new();
        collect_sources(&root, &mut paths);
        let mut modules: HashMap<Module, String> = HashMap::new();
        let mut code: Vec<(Module, String)> = Vec::new();
        for path in paths {
            let module = module_of(&root, &path);
            let text = std::fs::read_to_string(&path).unwrap();
            modules.insert(module.clone(), name_of(&module));
            code.push((module, code_only(&text)));
        }
        let mut reexports: HashMap<(Module, String), Module> = HashMap::new();
        let mut named: Vec<(Module, Vec<Module>)> = Vec::new();
        for (module, text) in &code {
            let mut paths = Vec::new();
            for statement in use_statements(text) {
                for (path, alias) in use_tree(&statement.tree) {
                    let Some(absolute) = absolute(module, &path, &modules) else {
                        continue;
                    };
                    if statement.public
                        && let Some(name) = alias.or_else(|| path.last().cloned())
                    {
                        reexports.insert((module.clone(), name), absolute.clone());
                    }
                    paths.push(absolute);
                }
            }
            for path in inline_paths(text) {
                if let Some(absolute) = absolute(module, &path, &modules) {
                    paths.push(absolute);
                }
            }
            named.push((module.clone(), paths));
        }
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (module, paths) in named {
            let from = name_of(&module);
            let targets = edges.entry(from.clone()).or_default();
            for path in paths {
                if let Some(to) = resolve(&path, &modules, &reexports, 0)
                    && to != from
                {
                    targets.insert(to);
                }
            }
        }
        let files = code
            .into_iter()
            .map(|(module, text)| (name_of(&module), text))
            .collect();
        Graph { files, edges }
    }

    /// `from -> to` for each file of `area` (`http`: http.rs and http/…) and each file
    /// it depends on that `wanted` picks.
    fn reaching(&self, area: &str, wanted: impl Fn(&str) -> bool) -> Vec<String> {
        self.edges
            .iter()
            .filter(|(from, _)| in_area(from, area))
            .flat_map(|(from, targets)| {
                targets
                    .iter()
                    .filter(|to| wanted(to))
                    .map(move |to| format!("{from} -> {to}"))
            })
            .collect()
    }
}

/// Whether the file `name` is `area`'s module file or one of its children.
fn in_area(name: &str, area: &str) -> bool {
    name == area || name.starts_with(&format!("{area}/"))
}

fn collect_sources(dir: &Path, paths: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_sources(&path, paths);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            paths.push(path);
        }
    }
}

/// `src/store/settings.rs` → `[store, settings]`; lib.rs is the crate, main.rs `[main]`.
fn module_of(root: &Path, path: &Path) -> Module {
    let relative = path.strip_prefix(root).unwrap().with_extension("");
    let parts: Module = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if parts == ["lib"] { Vec::new() } else { parts }
}

fn name_of(module: &Module) -> String {
    if module.is_empty() {
        "lib".into()
    } else {
        module.join("/")
    }
}

/// The text with comments, string and character literals and `#[cfg(test)]` items
/// taken out: what is left names only what the code uses.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let starts = |i: usize, pattern: &str| {
        pattern
            .chars()
            .enumerate()
            .all(|(k, c)| chars.get(i + k) == Some(&c))
    };
    while i < chars.len() {
        let c = chars[i];
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if starts(i, "//") {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if starts(i, "/*") {
            i += 2;
            while i < chars.len() && !starts(i, "*/") {
                i += 1;
            }
            i += 2;
        } else if c == 'r' && !after_word && (starts(i, "r\"") || starts(i, "r#")) {
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            let closing: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            i += 2 + hashes;
            while i < chars.len() && !starts(i, &closing) {
                i += 1;
            }
            i += closing.len();
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && is_char_literal(&chars, i) {
            i += 1;
            while chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    without_test_items(&out)
}

/// A quote that opens a character literal (`'a'`, `'\n'`, `'\u{1F600}'`), not a
/// lifetime (`'a`).
fn is_char_literal(chars: &[char], i: usize) -> bool {
    match chars.get(i + 1) {
        Some('\\') => true,
        Some(_) => chars.get(i + 2) == Some(&'\''),
        None => false,
    }
}

/// The code less every item marked `#[cfg(test)]` (up to its `;` or its braces).
fn without_test_items(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        let end = match (item.find('{'), item.find(';')) {
            (Some(brace), Some(semicolon)) if semicolon < brace => semicolon + 1,
            (Some(brace), _) => {
                let mut depth = 0;
                let mut end = item.len();
                for (offset, c) in item[brace..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = brace + offset + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, Some(semicolon)) => semicolon + 1,
            (None, None) => item.len(),
        };
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

struct UseStatement {
    public: bool,
    tree: String,
}

fn use_statements(code: &str) -> Vec<UseStatement> {
    let mut statements = Vec::new();
    let mut from = 0;
    while let Some(found) = code[from..].find("use ") {
        let at = from + found;
        from = at + 4;
        let word_start =
            at == 0 || !code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        if !word_start {
            continue;
        }
        let Some(end) = code[at..].find(';') else {
            break;
        };
        let before = code[..at].trim_end();
        let public = before.ends_with("pub")
            || (before.ends_with(')')
                && before.rfind("pub(").is_some_and(|p| before.len() - p < 20));
        statements.push(UseStatement {
            public,
            tree: code[at + 4..at + end].to_string(),
        });
        from = at + end;
    }
    statements
}

/// The leaves of a use tree: `a::{b, c::{D, E as F}}` → `a::b`, `a::c::D`, `a::c::E`
/// (named F).
fn use_tree(tree: &str) -> Vec<(Vec<String>, Option<String>)> {
    fn leaves(prefix: &[String], tree: &str, out: &mut Vec<(Vec<String>, Option<String>)>) {
        for part in split_top_level(tree) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            if let Some(open) = part.find('{') {
                let close = part.rfind('}').unwrap_or(part.len());
                let mut inner = prefix.to_vec();
                inner.extend(segments(part[..open].trim_end_matches(':')));
                leaves(&inner, &part[open + 1..close], out);
            } else {
                let (path, alias) = match part.split_once(" as ") {
                    Some((path, alias)) => (path, Some(alias.trim().to_string())),
                    None => (part, None),
                };
                let mut full = prefix.to_vec();
                full.extend(segments(path));
                out.push((full, alias));
            }
        }
    }
    let mut out = Vec::new();
    leaves(&[], tree, &mut out);
    out
}

fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .map(str::trim)
        .filter(|segment| !segment.is_empty())
        .map(str::to_string)
        .collect()
}

/// Paths written in the code outside `use`: `crate::a::b(…)`, `super::c::D`.
fn inline_paths(code: &str) -> Vec<Vec<String>> {
    let mut code = code.to_string();
    for statement in use_statements(&code.clone()) {
        code = code.replacen(&statement.tree, "", 1);
    }
    let chars: Vec<char> = code.chars().collect();
    let mut paths = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        let word: String = chars[i..]
            .iter()
            .take_while(|c| c.is_alphanumeric() || **c == '_')
            .collect();
        if word.is_empty() || after_word {
            i += 1;
            continue;
        }
        i += word.chars().count();
        if !matches!(word.as_str(), "crate" | "super" | "hookconsole") {
            continue;
        }
        let mut path = vec![word];
        while chars.get(i) == Some(&':') && chars.get(i + 1) == Some(&':') {
            let next: String = chars[i + 2..]
                .iter()
                .take_while(|c| c.is_alphanumeric() || **c == '_')
                .collect();
            if next.is_empty() {
                break;
            }
            i += 2 + next.chars().count();
            path.push(next);
        }
        if path.len() > 1 {
            paths.push(path);
        }
    }
    paths
}

/// A path as seen from `module`, from the crate's root; `None` for other crates.
fn absolute(module: &Module, path: &[String], modules: &HashMap<Module, String>) -> Option<Module> {
    let (first, rest) = path.split_first()?;
    let here = if module.first().is_some_and(|m| m == "main") {
        Vec::new()
    } else {
        module.clone()
    };
    match first.as_str() {
        "crate" | "hookconsole" => Some(rest.to_vec()),
        "self" => Some([here, rest.to_vec()].concat()),
        "super" => {
            let mut base = here;
            base.pop();
            let mut rest = rest;
            while rest.first().is_some_and(|segment| segment == "super") {
                base.pop();
                rest = &rest[1..];
            }
            Some([base, rest.to_vec()].concat())
        }
        // A child module named without `self::`.
        child if modules.contains_key(&[here.clone(), vec![child.to_string()]].concat()) => {
            Some([here, path.to_vec()].concat())
        }
        _ => None,
    }
}

/// The file that defines what `path` names: the deepest module on it, or the module
/// a re-export there points to.
fn resolve(
    path: &[String],
    modules: &HashMap<Module, String>,
    reexports: &HashMap<(Module, String), Module>,
    depth: usize,
) -> Option<String> {
    let length = (0..=path.len())
        .rev()
        .find(|length| modules.contains_key(&path[..*length]))?;
    let module = path[..length].to_vec();
    if let Some(name) = path.get(length)
        && depth < 8
        && let Some(target) = reexports.get(&(module.clone(), name.clone()))
    {
        let followed = [target.clone(), path[length + 1..].to_vec()].concat();
        if let Some(found) = resolve(&followed, modules, reexports, depth + 1) {
            return Some(found);
        }
    }
    modules.get(&module).cloned()
}

fn has_word(code: &str, word: &str) -> bool {
    code.match_indices(word).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + word.len()..].chars().next();
        let boundary = |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        boundary(before) && boundary(after)
    })
}
