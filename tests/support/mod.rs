//! What the verify, trust and CLI tests share: loopback receivers, certificates made
//! in the test, and helpers to run a verify and read its outcome.
#![allow(dead_code, unused_imports)]

mod certs;
mod cli_home;
mod receiver;
mod report;
mod servers;
mod worker_run;

pub use certs::*;
pub use cli_home::*;
pub use receiver::*;
pub use report::*;
pub use servers::*;
pub use worker_run::*;
