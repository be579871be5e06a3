//! The dependencies `docs/architecture.md` describes, checked on the source itself:
//! `http` depends on `model` only; the faces do not reach into each other (`main`
//! starts the TUI, not `cli`); `home` calls none of the faces or the worker that call
//! it; the worker asks for tokens through `TokenSource`; no file imports a file that
//! imports it back; and no module, counted with its children, imports a sibling that
//! imports it back, through however many others.
//!
//! A module and its own children are one piece split in files (the parent declares
//! them, they use its types), so a parent and its child may use each other; but
//! `delivery/send` using `delivery/verify/exchange` while `delivery/verify/proxied`
//! used `delivery/send` is a circle between `send` and `verify`. How the graph is
//! read: tests/architecture/module_graph.rs.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod architecture;

use std::sync::OnceLock;

use architecture::{ModuleGraph, in_area};

/// The graph, read once for all the checks (a source that does not parse fails each
/// check with its own message, rather than poisoning the others).
fn graph() -> &'static ModuleGraph {
    static GRAPH: OnceLock<ModuleGraph> = OnceLock::new();
    GRAPH.get_or_init(ModuleGraph::read)
}

/// Pairs that import each other outside the change that added this test, to be
/// untangled by their own changes; a pair not listed here fails the test.
const KNOWN_PAIRS: &[(&str, &str)] = &[
    ("model/destination", "model/validation"),
    ("model/header_rules", "model/validation"),
    ("model/plain_http", "model/validation"),
    ("store/error", "store/read"),
    ("tui/authorize", "tui/message"),
];

/// Circles found outside the modules the circle check was written for, each a sorted
/// list of siblings, left to the changes that own those modules. A circle not listed
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
fn http_depends_on_model_only() {
    let outside = graph().reaching("http", |to| !in_area(to, "http") && !in_area(to, "model"));
    assert!(outside.is_empty(), "http reaches past model: {outside:#?}");
}

#[test]
fn the_faces_do_not_reach_into_each_other() {
    let mut crossing = graph().reaching("cli", |to| in_area(to, "tui"));
    crossing.extend(graph().reaching("tui", |to| in_area(to, "cli")));
    assert!(
        crossing.is_empty(),
        "one face uses the other: {crossing:#?}"
    );
    let main = graph().reaching("main", |to| in_area(to, "tui"));
    assert!(!main.is_empty(), "main starts the TUI itself");
}

#[test]
fn home_stays_below_the_faces_and_the_worker() {
    // The CLI, the TUI and the delivery worker call `home`; it calls none of them.
    let upward = graph().reaching("home", |to| {
        ["cli", "tui", "delivery"]
            .iter()
            .any(|face| in_area(to, face))
    });
    assert!(upward.is_empty(), "home calls up: {upward:#?}");
}

#[test]
fn the_worker_asks_for_tokens_through_token_source() {
    // worker.rs builds the provider; everything below it holds a `dyn TokenSource`.
    let concrete: Vec<String> = graph()
        .files_naming("TokenProvider")
        .into_iter()
        .filter(|file| in_area(file, "delivery/worker") && file != "delivery/worker")
        .collect();
    assert!(
        concrete.is_empty(),
        "the worker names the concrete provider in {concrete:?}"
    );
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let edges = graph().file_edges();
    let mut pairs = Vec::new();
    for (from, targets) in &edges {
        for to in targets {
            let family = in_area(to, from) || in_area(from, to);
            if from < to && !family && edges.get(to).is_some_and(|back| back.contains(from)) {
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

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let new = circles_where(|names| !KNOWN_CIRCLES.contains(&names));
    assert!(new.is_empty(), "modules importing each other: {new:#?}");
}

#[test]
fn delivery_oauth_and_store_have_no_circle() {
    let inside = circles_where(|names| {
        ["delivery", "oauth", "store"]
            .iter()
            .any(|area| names[0].starts_with(&format!("{area}/")))
    });
    assert!(inside.is_empty(), "{inside:#?}");
}

/// The sibling circles `keep` picks (from their sorted names), as `a <-> b`.
fn circles_where(keep: impl Fn(&[&str]) -> bool) -> Vec<String> {
    graph()
        .sibling_circles()
        .iter()
        .filter(|circle| keep(&circle.iter().map(String::as_str).collect::<Vec<_>>()))
        .map(|circle| circle.join(" <-> "))
        .collect()
}
