//! No module imports a module that imports it back, checked on the source itself.
//!
//! A file depends on the files whose items it names: `use` trees and paths written in
//! the code (`crate::…`, `super::…`, a child module, a module a `use` brought in),
//! comments, strings and `#[cfg(test)]` items left out. A name a module re-exports
//! (`pub use child::Item`) counts as the file that defines it.
//!
//! The check runs at every level of the module tree: the children of one module,
//! each counted with its own children, must not depend on each other in a circle.
//! A module and its children are one piece split in files (the parent declares them,
//! they use its types), so a parent and its child may use each other; but
//! `delivery/send` using `delivery/verify/exchange` while `delivery/verify/proxied`
//! used `delivery/send` is a circle between `send` and `verify`.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// `["delivery", "verify", "exchange"]` for src/delivery/verify/exchange.rs; empty for
/// lib.rs.
type Module = Vec<String>;

/// Circles found outside the modules this test was written for, each a sorted list
/// of siblings, left to the changes that own those modules. A circle not listed
/// here fails the test.
const KNOWN_CIRCLES: &[&[&str]] = &[
    &["cli/authorize", "cli/sites"],
    &[
        "model/destination",
        "model/header_rules",
        "model/plain_http",
        "model/validation",
    ],
    &["tui/app", "tui/editor"],
    &["tui/authorize", "tui/message"],
];

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let circles = Graph::read().sibling_circles();
    let new: Vec<String> = circles
        .iter()
        .filter(|circle| {
            let names: Vec<&str> = circle.iter().map(String::as_str).collect();
            !KNOWN_CIRCLES.contains(&names.as_slice())
        })
        .map(|circle| circle.join(" <-> "))
        .collect();
    assert!(new.is_empty(), "modules importing each other: {new:#?}");
}

#[test]
fn delivery_oauth_and_store_have_no_circle() {
    let circles = Graph::read().sibling_circles();
    let inside: Vec<String> = circles
        .iter()
        .filter(|circle| {
            ["delivery", "oauth", "store"]
                .iter()
                .any(|area| circle[0].starts_with(&format!("{area}/")))
        })
        .map(|circle| circle.join(" <-> "))
        .collect();
    assert!(inside.is_empty(), "{inside:#?}");
}

struct Graph {
    modules: BTreeSet<Module>,
    /// File to the files it depends on (itself left out).
    edges: BTreeMap<Module, BTreeSet<Module>>,
}

impl Graph {
    fn read() -> Graph {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut paths = Vec::new();
        collect_sources(&root, &mut paths);
        let code: Vec<(Module, String)> = paths
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).unwrap();
                (module_of(&root, path), without_tests(&code_only(&text)))
            })
            .collect();
        let modules: BTreeSet<Module> = code.iter().map(|(module, _)| module.clone()).collect();
        // What each `use` brought in, and which of those a module re-exports.
        let mut reexports: HashMap<(Module, String), Module> = HashMap::new();
        let mut bound: HashMap<(Module, String), Module> = HashMap::new();
        let mut named: Vec<(Module, Vec<Module>)> = Vec::new();
        for (module, text) in &code {
            let mut paths = Vec::new();
            for (public, tree) in use_statements(text) {
                for (path, alias) in use_leaves(&tree) {
                    let Some(absolute) = absolute(module, &path, &modules, &bound) else {
                        continue;
                    };
                    if let Some(name) = alias.or_else(|| path.last().cloned()) {
                        if public {
                            reexports.insert((module.clone(), name.clone()), absolute.clone());
                        }
                        bound.insert((module.clone(), name), absolute.clone());
                    }
                    paths.push(absolute);
                }
            }
            named.push((module.clone(), paths));
        }
        for ((module, text), (_, paths)) in code.iter().zip(named.iter_mut()) {
            for path in inline_paths(text) {
                if let Some(absolute) = absolute(module, &path, &modules, &bound) {
                    paths.push(absolute);
                }
            }
        }
        let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for (module, paths) in named {
            let targets = edges.entry(module.clone()).or_default();
            for path in paths {
                if let Some(to) = resolve(&path, &modules, &reexports, 0)
                    && to != module
                {
                    targets.insert(to);
                }
            }
        }
        Graph { modules, edges }
    }

    /// Every circle among the children of one module (each with its own children),
    /// as the sorted names of the children in it.
    fn sibling_circles(&self) -> Vec<Vec<String>> {
        let mut children: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for module in &self.modules {
            for depth in 0..module.len() {
                children
                    .entry(module[..depth].to_vec())
                    .or_default()
                    .insert(module[..=depth].to_vec());
            }
        }
        let mut circles = Vec::new();
        for siblings in children.values() {
            let mut depends: BTreeMap<&Module, BTreeSet<&Module>> = BTreeMap::new();
            for from in siblings {
                for (file, targets) in &self.edges {
                    if !file.starts_with(from) {
                        continue;
                    }
                    for to in siblings {
                        if to != from && targets.iter().any(|target| target.starts_with(to)) {
                            depends.entry(from).or_default().insert(to);
                        }
                    }
                }
            }
            for component in strongly_connected(siblings, &depends) {
                if component.len() > 1 {
                    let mut names: Vec<String> = component.iter().map(|m| m.join("/")).collect();
                    names.sort();
                    circles.push(names);
                }
            }
        }
        circles
    }
}

/// The strongly connected components of a small graph (Kosaraju, by reachability).
fn strongly_connected<'a>(
    nodes: &'a BTreeSet<Module>,
    edges: &BTreeMap<&'a Module, BTreeSet<&'a Module>>,
) -> Vec<Vec<&'a Module>> {
    let reach = |start: &'a Module| {
        let mut seen = BTreeSet::from([start]);
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            for next in edges.get(node).into_iter().flatten() {
                if seen.insert(*next) {
                    stack.push(next);
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&Module, BTreeSet<&Module>> =
        nodes.iter().map(|node| (node, reach(node))).collect();
    let mut placed = BTreeSet::new();
    let mut components = Vec::new();
    for node in nodes {
        if placed.contains(node) {
            continue;
        }
        let component: Vec<&Module> = reached[node]
            .iter()
            .filter(|other| reached[*other].contains(node))
            .copied()
            .collect();
        placed.extend(component.iter().copied());
        components.push(component);
    }
    components
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

fn module_of(root: &Path, path: &Path) -> Module {
    let relative = path.strip_prefix(root).unwrap().with_extension("");
    let mut parts: Module = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    match parts.last().map(String::as_str) {
        Some("lib") if parts.len() == 1 => parts.clear(),
        Some("mod") => {
            parts.pop();
        }
        _ => {}
    }
    parts
}

/// The text without comments, and with every string and character literal emptied.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let at = |i: usize, what: &str| {
        what.chars()
            .enumerate()
            .all(|(n, c)| chars.get(i + n) == Some(&c))
    };
    while i < chars.len() {
        if at(i, "//") {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if at(i, "/*") {
            let mut depth = 0;
            while i < chars.len() {
                if at(i, "/*") {
                    depth += 1;
                    i += 2;
                } else if at(i, "*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if chars[i] == 'r'
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
            && matches!(chars.get(i + 1), Some('"' | '#'))
        {
            // A raw string: r"…", r#"…"#.
            let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            i += 2 + hashes;
            while i < chars.len() && !at(i, &close) {
                i += 1;
            }
            i += close.len();
            out.push_str("\"\"");
        } else if chars[i] == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if chars[i] == '\'' && is_char_literal(&chars, i) {
            i += 1;
            while chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// `'a'`, `'\n'`, `'\u{1F600}'`, not a lifetime (`'a`, `'static`).
fn is_char_literal(chars: &[char], i: usize) -> bool {
    match chars.get(i + 1) {
        Some('\\') => true,
        Some(_) => chars.get(i + 2) == Some(&'\''),
        None => false,
    }
}

/// The code without its `#[cfg(test)]` items (the unit tests use whatever they like).
fn without_tests(code: &str) -> String {
    let mut code = code.to_string();
    while let Some(start) = code.find("#[cfg(test)]") {
        let rest = &code[start..];
        let Some(open) = rest.find(['{', ';']) else {
            break;
        };
        let mut end = start + open + 1;
        if rest.as_bytes()[open] == b'{' {
            let mut depth = 1;
            for (n, c) in code[end..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end += n + 1;
                    break;
                }
            }
        }
        code.replace_range(start..end, "");
    }
    code
}

/// Each `use` (whether it is `pub`) and its tree, `super::{a::B, c}`.
fn use_statements(code: &str) -> Vec<(bool, String)> {
    let mut statements = Vec::new();
    let mut from = 0;
    while let Some(found) = find_word(code, "use", from) {
        let before = code[..found].trim_end();
        // `pub use` or `pub(crate) use`.
        let public = before.ends_with("pub")
            || before.rfind("pub(").is_some_and(|at| {
                let tail = &before[at + 4..];
                tail.ends_with(')') && !tail.contains(['(', ';', '{', '}'])
            });
        let Some(end) = code[found..].find(';') else {
            break;
        };
        statements.push((public, code[found + 3..found + end].trim().to_string()));
        from = found + end;
    }
    statements
}

fn find_word(code: &str, word: &str, from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(found) = code[at..].find(word) {
        let start = at + found;
        let end = start + word.len();
        let before = code[..start].chars().next_back();
        let after = code[end..].chars().next();
        let boundary = |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        if boundary(before) && boundary(after) {
            return Some(start);
        }
        at = end;
    }
    None
}

/// The paths a use tree names, each with its alias: `a::{b, c::D as E}` gives `a::b`
/// and `a::c::D` (as `E`). `self` in a group names the group's module.
fn use_leaves(tree: &str) -> Vec<(Vec<String>, Option<String>)> {
    fn leaves(prefix: &[String], tree: &str, out: &mut Vec<(Vec<String>, Option<String>)>) {
        let tree = tree.trim();
        if let Some(open) = tree.find('{') {
            let mut path = prefix.to_vec();
            path.extend(segments(tree[..open].trim_end_matches("::")));
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            for part in split_top_level(inner) {
                leaves(&path, part, out);
            }
            return;
        }
        let (path, alias) = match tree.split_once(" as ") {
            Some((path, alias)) => (path, Some(alias.trim().to_string())),
            None => (tree, None),
        };
        let mut full = prefix.to_vec();
        full.extend(segments(path));
        if full.last().is_some_and(|last| last == "self") {
            full.pop();
        }
        if !full.is_empty() {
            out.push((full, alias));
        }
    }
    let mut out = Vec::new();
    leaves(&[], tree, &mut out);
    out
}

fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (n, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..n]);
                start = n + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
        .into_iter()
        .filter(|part| !part.trim().is_empty())
        .collect()
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .map(str::trim)
        .filter(|segment| !segment.is_empty())
        .map(String::from)
        .collect()
}

/// Paths written in the code: `a::b::C`, at least two segments.
fn inline_paths(code: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut paths = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = word(chars[i]) && (i == 0 || !(word(chars[i - 1]) || chars[i - 1] == ':'));
        if !starts {
            i += 1;
            continue;
        }
        let mut path = Vec::new();
        loop {
            let begin = i;
            while i < chars.len() && word(chars[i]) {
                i += 1;
            }
            path.push(chars[begin..i].iter().collect::<String>());
            if chars.get(i) == Some(&':')
                && chars.get(i + 1) == Some(&':')
                && chars.get(i + 2).is_some_and(|c| word(*c))
            {
                i += 2;
            } else {
                break;
            }
        }
        if path.len() > 1 {
            paths.push(path);
        }
    }
    paths
}

/// `path` as written in `module`, from the crate root; none for other crates.
fn absolute(
    module: &Module,
    path: &[String],
    modules: &BTreeSet<Module>,
    bound: &HashMap<(Module, String), Module>,
) -> Option<Module> {
    let head = path.first()?;
    let mut base = match head.as_str() {
        "crate" => return Some(path[1..].to_vec()),
        "self" => return Some(module.iter().chain(&path[1..]).cloned().collect()),
        "super" => module.clone(),
        _ => {
            let child: Module = module.iter().chain([head]).cloned().collect();
            if modules.contains(&child) {
                return Some(module.iter().chain(path).cloned().collect());
            }
            let brought = bound.get(&(module.clone(), head.clone()))?;
            return Some(brought.iter().chain(&path[1..]).cloned().collect());
        }
    };
    let mut rest = path;
    while rest.first().is_some_and(|segment| segment == "super") {
        base.pop();
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The file that defines what `path` names: its longest prefix that is a module,
/// through the re-exports of that module.
fn resolve(
    path: &[String],
    modules: &BTreeSet<Module>,
    reexports: &HashMap<(Module, String), Module>,
    depth: usize,
) -> Option<Module> {
    let known = (0..=path.len())
        .rev()
        .find(|&n| modules.contains(&path[..n].to_vec()))?;
    let module = path[..known].to_vec();
    if let Some(item) = path.get(known)
        && depth < 16
        && let Some(target) = reexports.get(&(module.clone(), item.clone()))
    {
        let followed: Vec<String> = target.iter().chain(&path[known + 1..]).cloned().collect();
        return resolve(&followed, modules, reexports, depth + 1);
    }
    Some(module)
}
