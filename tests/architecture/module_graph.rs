//! The crate's module graph, read from every `.rs` file under `src/` (no list of files
//! to keep up), in two views: which file depends on which, and which module depends on
//! which when each is counted with its children.
//!
//! A file depends on the files whose items it names: its `use` trees and the paths
//! written in its code (`crate::…`, `super::…`, `hookconsole::…` from main.rs, a child
//! module, a name a `use` brought in). A name a module re-exports (`pub use
//! child::Item`) counts as the file that defines it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::source_file::{SourceFile, WrittenPath};

/// `["delivery", "worker", "scheduler"]` for src/delivery/worker/scheduler.rs; empty
/// for lib.rs, `["main"]` for main.rs.
type Module = Vec<String>;

pub struct ModuleGraph {
    /// Each file to the files it depends on, itself left out.
    edges: BTreeMap<Module, BTreeSet<Module>>,
    /// Each file's identifiers.
    words: BTreeMap<Module, BTreeSet<String>>,
}

impl ModuleGraph {
    pub fn read() -> ModuleGraph {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut paths = Vec::new();
        collect_sources(&root, &mut paths);
        let mut files: BTreeMap<Module, SourceFile> = paths
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).unwrap();
                let file = SourceFile::parse(&text).unwrap_or_else(|error| {
                    let at = error.span().start();
                    panic!("{}:{}:{}: {error}", path.display(), at.line, at.column + 1)
                });
                (module_of(&root, path), file)
            })
            .collect();
        let test_only: Vec<Module> = files
            .iter()
            .flat_map(|(module, file)| {
                let children = file.test_modules.iter();
                children.map(move |child| [module.clone(), child.clone()].concat())
            })
            .collect();
        files.retain(|module, _| !test_only.iter().any(|test| module.starts_with(test)));
        let modules: BTreeSet<Module> = files.keys().cloned().collect();

        // What each file's `use`s bring in (a name bound in a file counts in all of
        // it), and which of those names a module re-exports.
        let mut reexports: HashMap<(Module, String), Module> = HashMap::new();
        let mut named: Vec<(Module, Vec<Module>)> = Vec::new();
        for (module, file) in &files {
            let mut bound: HashMap<String, Module> = HashMap::new();
            let mut paths = Vec::new();
            for leaf in &file.uses {
                let Some(absolute) = absolute(module, &leaf.path, &modules, &bound) else {
                    continue;
                };
                if let Some(name) = leaf
                    .alias
                    .clone()
                    .or_else(|| leaf.path.segments.last().cloned())
                {
                    if leaf.public {
                        reexports.insert((module.clone(), name.clone()), absolute.clone());
                    }
                    bound.insert(name, absolute.clone());
                }
                paths.push(absolute);
            }
            let written = file.paths.iter();
            paths.extend(written.filter_map(|path| absolute(module, path, &modules, &bound)));
            named.push((module.clone(), paths));
        }
        let edges = named
            .into_iter()
            .map(|(module, paths)| {
                let targets = paths
                    .iter()
                    .filter_map(|path| resolve(path, &modules, &reexports, 0))
                    .filter(|to| *to != module)
                    .collect();
                (module, targets)
            })
            .collect();
        let words = files
            .into_iter()
            .map(|(module, file)| (module, file.words))
            .collect();
        ModuleGraph { edges, words }
    }

    /// The file view: `delivery/worker/scheduler` → the files it depends on (`lib` is
    /// lib.rs).
    pub fn file_edges(&self) -> BTreeMap<String, BTreeSet<String>> {
        self.edges
            .iter()
            .map(|(from, targets)| (name_of(from), targets.iter().map(name_of).collect()))
            .collect()
    }

    /// `from -> to` for each file of `area` (`http`: http.rs and http/…) and each file
    /// it depends on that `wanted` picks.
    pub fn reaching(&self, area: &str, wanted: impl Fn(&str) -> bool) -> Vec<String> {
        self.file_edges()
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

    /// The files whose code has the identifier `word`.
    pub fn files_naming(&self, word: &str) -> Vec<String> {
        self.words
            .iter()
            .filter(|(_, words)| words.contains(word))
            .map(|(module, _)| name_of(module))
            .collect()
    }

    /// The module view: every circle among the children of one module, each counted
    /// with its own children, as the sorted names of the children in it.
    pub fn sibling_circles(&self) -> Vec<Vec<String>> {
        let mut children: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for module in self.edges.keys() {
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
                    let mut names: Vec<String> = component.into_iter().map(name_of).collect();
                    names.sort();
                    circles.push(names);
                }
            }
        }
        circles
    }
}

/// Whether the file `name` is `area`'s module file or one of its children.
pub fn in_area(name: &str, area: &str) -> bool {
    name == area || name.starts_with(&format!("{area}/"))
}

/// The strongly connected components of a small graph, by reachability.
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

/// src/store/settings.rs and src/store/settings/mod.rs → `[store, settings]`.
fn module_of(root: &Path, path: &Path) -> Module {
    let relative = path.strip_prefix(root).unwrap().with_extension("");
    let mut parts: Module = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
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

fn name_of(module: &Module) -> String {
    if module.is_empty() {
        "lib".into()
    } else {
        module.join("/")
    }
}

/// `path` as written in `module`, from the crate root; none for other crates.
fn absolute(
    module: &Module,
    path: &WrittenPath,
    modules: &BTreeSet<Module>,
    bound: &HashMap<String, Module>,
) -> Option<Module> {
    let (head, rest) = path.segments.split_first()?;
    let here: Module = [module.as_slice(), &path.inline_modules].concat();
    match head.as_str() {
        // main.rs names the library by its crate name.
        "crate" | "hookconsole" => Some(rest.to_vec()),
        "self" => Some([here.as_slice(), rest].concat()),
        "super" => {
            let mut base = here;
            base.pop();
            let mut rest = rest;
            while let Some((_, after)) = rest.split_first().filter(|(s, _)| *s == "super") {
                base.pop();
                rest = after;
            }
            Some([base.as_slice(), rest].concat())
        }
        child if modules.contains(&[here.as_slice(), &[child.to_string()]].concat()) => {
            Some([here.as_slice(), &path.segments].concat())
        }
        _ => bound
            .get(head)
            .map(|brought| [brought.as_slice(), rest].concat()),
    }
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
        .find(|&length| modules.contains(&path[..length]))?;
    let module = path[..known].to_vec();
    if let Some(item) = path.get(known)
        && depth < 16
        && let Some(target) = reexports.get(&(module.clone(), item.clone()))
        && let Some(found) = resolve(
            &[target.as_slice(), &path[known + 1..]].concat(),
            modules,
            reexports,
            depth + 1,
        )
    {
        return Some(found);
    }
    Some(module)
}
