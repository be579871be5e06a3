//! OAuth 2.0 for a headless appliance: the authorize request (state + PKCE), the flow
//! as a state machine, token requests in JSON or form, and tokens handed to
//! deliveries with one refresh at a time per integration, across processes.

mod authorize;
mod error;
mod exchange;
mod flow;
mod provider;
mod wire;

pub use authorize::{AuthorizeRequest, CallbackParams};
pub use error::OAuthError;
pub use exchange::{exchange_code, refresh};
pub use flow::{
    AuthorizeFlow, CallbackReply, CallbackSource, DEFAULT_TIMEOUT, Effect, FlowEvent, FlowState,
    ListenerStatus, TimerId,
};
pub use provider::{ClientFactory, REFRESH_MARGIN, TokenProvider};
pub use wire::TokenHttp;
