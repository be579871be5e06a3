//! OAuth 2.0 for a headless appliance: the authorize request (state + PKCE), the flow
//! as a state machine, token requests in JSON or form, and tokens handed to
//! deliveries with one refresh at a time per integration, across processes.

mod authorize;
mod check;
mod client_auth;
mod device;
mod error;
mod exchange;
mod flow;
mod identity;
mod in_flight;
mod listener;
mod provider;
mod revoke;
mod session;
mod setup;
mod sites;
mod start_link;
mod status;
mod wire;

pub use authorize::{AuthorizeRequest, CallbackParams};
pub use check::{CHECK_HEADER, CHECK_STATE_PREFIX, check_url, is_check_state, new_check_state};
pub use device::{
    DeviceAuthorization, PollAnswer, code_groups, poll_device_token, request_device_code,
};
pub use error::{ListenerPlanError, OAuthError, SetupError};
pub use exchange::{exchange_code, refresh};
pub use flow::{
    AuthorizeFlow, CallbackReply, CallbackSource, DEFAULT_TIMEOUT, DeviceCodeShown, FlowEffect,
    FlowEvent, FlowFailure, FlowState, ListenerStatus, TimerId,
};
pub use identity::{
    IdentityError, IdentitySource, ListenerIdentity, check_certificate_file, check_key_file,
    load_or_create as listener_identity,
};
pub use in_flight::{defer_termination_signals, token_requests_in_flight, token_requests_settled};
pub use listener::{CallbackListener, ListenerConfig, ListenerError, ReceivedCallback};
pub use provider::{ClientFactory, REFRESH_MARGIN, ROTATION_REUSE_INTERVAL, TokenProvider};
pub use revoke::{Revocation, forget_authorization, forget_authorization_blocking};
pub use session::{
    ListenerPlan, SessionInput, SessionSetup, SessionUpdate, listener_address, run_session,
};
pub use setup::{
    CallbackCheckPlan, PreparedSession, SessionHome, callback_check_plan_in, prepare_session_in,
};
pub use sites::{
    Site, SiteChoice, SiteContext, SiteOutcome, choose_site, find_site, list_sites,
    site_webhook_url, store_site,
};
pub use start_link::{RandomSourceFailed, StartLink, StartVisit, new_start_id, start_link};
pub use status::{status_line, status_words};
pub use wire::TokenHttp;
