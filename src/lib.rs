//! hookconsole: set up and troubleshoot an appliance's webhook integrations from a
//! terminal. `model` is pure; `store` owns the files; `cli` is one face over them.

pub mod accept;
pub mod cli;
pub mod core_dumps;
pub mod delivery;
pub mod home;
pub mod http;
pub mod logging;
pub mod model;
pub mod oauth;
pub mod qr;
pub mod store;
pub mod template;
pub mod tui;
