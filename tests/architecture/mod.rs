//! The crate's own structure, read from its sources for the architecture tests
//! (tests/layering.rs).

mod module_graph;
mod source_file;

pub use module_graph::{ModuleGraph, in_area};
