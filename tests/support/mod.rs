//! What the tests share: the one loopback HTTP server and the receivers and servers
//! built on it, certificates made in the test, the binary run on a home, the worker,
//! and helpers to run a verify and read its outcome.
#![allow(dead_code, unused_imports)]

mod certs;
mod cli;
mod fixtures;
mod http_message;
mod http_server;
mod receiver;
mod report;
mod servers;
mod webhook_signature;
mod worker_run;

pub use certs::*;
pub use cli::*;
pub use fixtures::*;
pub use http_message::*;
pub use http_server::*;
pub use receiver::*;
pub use report::*;
pub use servers::*;
pub use webhook_signature::*;
pub use worker_run::*;
