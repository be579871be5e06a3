//! OAuth providers for tests (a standards one, a strict JSON one, Atlassian's cloud)
//! on the shared test server, and the binary as a person runs it to authorize.
//! A test binary that uses this module declares `mod support;` too.

#![allow(dead_code)]

pub mod atlassian;
pub mod cli;
pub mod client_credentials;
pub mod device;
pub mod provider;

pub use crate::support::{Request, Response, TestServer};
