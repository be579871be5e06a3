//! What a check of the callback path needs from the OAuth side: a `state` no session
//! ever makes (so the listener answers it itself and no waiting flow sees it), and
//! the header the listener answers it with (so the check knows the answer came from
//! a hookconsole listener and not from a reverse proxy's own page). The listener the
//! check starts is planned in `setup`; the check itself, stage by stage, is
//! `delivery::check_callback`, which reuses VERIFY's stages.

use super::start_link::{RandomSourceFailed, new_start_id};

/// Real states are random base64url (`AuthorizeRequest`): none starts with this.
pub const CHECK_STATE_PREFIX: &str = "hookconsole-check-";

/// The header of the listener's answer to a check, carrying the check's state back.
pub const CHECK_HEADER: &str = "hookconsole-check";

/// A new state for one check.
pub fn new_check_state() -> Result<String, RandomSourceFailed> {
    Ok(format!("{CHECK_STATE_PREFIX}{}", new_start_id()?))
}

pub fn is_check_state(state: &str) -> bool {
    state.starts_with(CHECK_STATE_PREFIX)
}

/// The callback URL as a provider's redirect would reach it, for the check `state`.
pub fn check_url(callback_url: &str, state: &str) -> String {
    let separator = if callback_url.contains('?') { '&' } else { '?' };
    format!("{callback_url}{separator}state={state}")
}
