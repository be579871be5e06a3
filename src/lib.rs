//! hookconsole: set up and troubleshoot an appliance's webhook integrations from a
//! terminal. `model` is pure; `store` owns the files; `home` is what every face does
//! with a home (settings to HTTP options, save and rename, remove and revoke, the site
//! step); `cli` and `tui` are the faces, and the delivery worker uses `home` too.

pub mod accept;
pub mod cli;
pub mod core_dumps;
pub mod delivery;
pub mod home;
pub mod http;
pub mod huge_pages;
pub mod logging;
pub mod model;
pub mod oauth;
pub mod parallel;
pub mod qr;
pub mod store;
pub mod template;
pub mod tui;
