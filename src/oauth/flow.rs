//! The authorize flow as a state machine without I/O: events in, effects out. The TUI
//! and the CLI drive the same machine; a wrong state, a late callback or a stale
//! timeout is decided here, and tested without sockets.

use std::sync::Arc;
use std::time::Duration;

use super::authorize::{AuthorizeRequest, CallbackParams};
use super::error::OAuthError;
use crate::model::Secret;
use crate::store::TokenSet;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// Names one timer, so that a timeout started by an earlier wait cannot end this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerId(pub u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackSource {
    Listener,
    Paste,
}

#[derive(Debug)]
pub enum FlowEvent {
    ListenerStarted,
    /// The listener could not start (port taken, not permitted): pasting still works.
    ListenerFailed(String),
    Callback {
        params: CallbackParams,
        source: CallbackSource,
    },
    Exchanged(Result<TokenSet, Arc<OAuthError>>),
    Persisted(Result<(), Arc<OAuthError>>),
    TimerFired(TimerId),
    Cancel,
}

/// What the driver must do.
#[derive(Debug, PartialEq, Eq)]
pub enum FlowEffect {
    StartListener,
    StopListener,
    StartTimer {
        id: TimerId,
        after: Duration,
    },
    /// The answer to one callback: the listener writes it as a page, the paste box as a
    /// message.
    Reply(CallbackReply),
    Exchange {
        code: Secret,
        pkce_verifier: Secret,
        redirect_uri: String,
    },
    PersistTokens(TokenSet),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackReply {
    /// The code was taken; the person can return to the console.
    Accepted,
    /// The person (or the provider) refused access.
    Denied {
        error: String,
        description: Option<String>,
    },
    /// Not for this flow: wrong or reused state, or no flow waiting. The flow goes on.
    Refused(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenerStatus {
    Starting,
    Listening,
    Unavailable(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowState {
    AwaitingCallback {
        timer: TimerId,
        listener: ListenerStatus,
    },
    Exchanging,
    Saving,
    Authorized,
    Denied {
        error: String,
        description: Option<String>,
    },
    Failed(FlowFailure),
    Cancelled,
    TimedOut,
}

/// Why a flow failed after the code came: the error itself, for whoever wants its
/// kind, and words for the person.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FlowFailure {
    /// The code was not exchanged for tokens.
    #[error("{0}")]
    Exchange(Arc<OAuthError>),
    /// The tokens came but could not be stored.
    #[error("the tokens could not be saved: {0}")]
    Save(Arc<OAuthError>),
}

impl FlowFailure {
    pub fn error(&self) -> &OAuthError {
        match self {
            FlowFailure::Exchange(error) | FlowFailure::Save(error) => error,
        }
    }
}

/// The same failure: one error, shared (errors have no equality of their own).
impl PartialEq for FlowFailure {
    fn eq(&self, other: &FlowFailure) -> bool {
        match (self, other) {
            (FlowFailure::Exchange(a), FlowFailure::Exchange(b))
            | (FlowFailure::Save(a), FlowFailure::Save(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for FlowFailure {}

impl FlowState {
    pub fn is_finished(&self) -> bool {
        matches!(
            self,
            FlowState::Authorized
                | FlowState::Denied { .. }
                | FlowState::Failed(_)
                | FlowState::Cancelled
                | FlowState::TimedOut
        )
    }

    /// One line for the status area: the words a person reads.
    pub fn describe(&self) -> String {
        match self {
            FlowState::AwaitingCallback { listener, .. } => match listener {
                ListenerStatus::Unavailable(reason) => format!(
                    "Waiting: callback listener unavailable ({reason}); paste the redirected URL"
                ),
                _ => "Waiting for the provider's redirect".into(),
            },
            FlowState::Exchanging => "Code received; exchanging it for tokens".into(),
            FlowState::Saving => "Saving the tokens".into(),
            FlowState::Authorized => "Authorized".into(),
            FlowState::Denied { error, description } => match description {
                Some(description) => format!("Denied by the provider: {error}: {description}"),
                None => format!("Denied by the provider: {error}"),
            },
            FlowState::Failed(reason) => format!("Failed: {reason}"),
            FlowState::Cancelled => "Cancelled".into(),
            FlowState::TimedOut => "Timed out waiting for the redirect".into(),
        }
    }
}

pub struct AuthorizeFlow {
    request: AuthorizeRequest,
    state: FlowState,
    next_timer: u64,
}

impl AuthorizeFlow {
    /// Starts waiting for the callback: the listener and the timeout.
    pub fn start(request: AuthorizeRequest, timeout: Duration) -> (AuthorizeFlow, Vec<FlowEffect>) {
        let timer = TimerId(1);
        let flow = AuthorizeFlow {
            request,
            state: FlowState::AwaitingCallback {
                timer,
                listener: ListenerStatus::Starting,
            },
            next_timer: 2,
        };
        let effects = vec![
            FlowEffect::StartListener,
            FlowEffect::StartTimer {
                id: timer,
                after: timeout,
            },
        ];
        (flow, effects)
    }

    pub fn state(&self) -> &FlowState {
        &self.state
    }

    pub fn request(&self) -> &AuthorizeRequest {
        &self.request
    }

    /// A fresh timer id, for a driver that restarts the wait (not used by the machine
    /// itself today, kept so ids stay unique when it is).
    pub fn next_timer_id(&mut self) -> TimerId {
        let id = TimerId(self.next_timer);
        self.next_timer += 1;
        id
    }

    pub fn handle(&mut self, event: FlowEvent) -> Vec<FlowEffect> {
        let transition = self.transition(event);
        if let Some(next) = transition.0 {
            tracing::info!(from = ?self.state_name(), to = ?state_name(&next), "authorize flow");
            self.state = next;
        }
        transition.1
    }

    fn state_name(&self) -> &'static str {
        state_name(&self.state)
    }

    fn transition(&self, event: FlowEvent) -> (Option<FlowState>, Vec<FlowEffect>) {
        use FlowEvent as E;
        match (&self.state, event) {
            (FlowState::AwaitingCallback { timer, .. }, E::ListenerStarted) => (
                Some(FlowState::AwaitingCallback {
                    timer: *timer,
                    listener: ListenerStatus::Listening,
                }),
                vec![],
            ),
            (FlowState::AwaitingCallback { timer, .. }, E::ListenerFailed(reason)) => (
                Some(FlowState::AwaitingCallback {
                    timer: *timer,
                    listener: ListenerStatus::Unavailable(reason),
                }),
                vec![],
            ),
            (FlowState::AwaitingCallback { .. }, E::Callback { params, .. }) => {
                self.on_callback(params)
            }
            (_, E::Callback { params, .. }) => {
                let reason = if params.state() == self.request.state.expose() {
                    "this authorization was already answered; the code is used only once"
                } else {
                    "no authorization is waiting for this redirect"
                };
                (
                    None,
                    vec![FlowEffect::Reply(CallbackReply::Refused(reason.into()))],
                )
            }
            (FlowState::AwaitingCallback { timer, .. }, E::TimerFired(id)) if *timer == id => {
                (Some(FlowState::TimedOut), vec![FlowEffect::StopListener])
            }
            (FlowState::Exchanging, E::Exchanged(Ok(tokens))) => (
                Some(FlowState::Saving),
                vec![FlowEffect::PersistTokens(tokens)],
            ),
            (FlowState::Exchanging, E::Exchanged(Err(error))) => (
                Some(FlowState::Failed(FlowFailure::Exchange(error))),
                vec![],
            ),
            (FlowState::Saving, E::Persisted(Ok(()))) => (Some(FlowState::Authorized), vec![]),
            (FlowState::Saving, E::Persisted(Err(error))) => {
                (Some(FlowState::Failed(FlowFailure::Save(error))), vec![])
            }
            (state, E::Cancel) if !state.is_finished() => {
                (Some(FlowState::Cancelled), vec![FlowEffect::StopListener])
            }
            // Late or stale: a timer of an earlier wait, an exchange that finishes after
            // a cancel, a second cancel. Nothing changes.
            _ => (None, vec![]),
        }
    }

    fn on_callback(&self, params: CallbackParams) -> (Option<FlowState>, Vec<FlowEffect>) {
        if params.state() != self.request.state.expose() {
            return (
                None,
                vec![FlowEffect::Reply(CallbackReply::Refused(
                    "the state does not match this authorization (an old or foreign link); still waiting"
                        .into(),
                ))],
            );
        }
        match params {
            CallbackParams::Code { code, .. } => (
                Some(FlowState::Exchanging),
                vec![
                    FlowEffect::Reply(CallbackReply::Accepted),
                    FlowEffect::StopListener,
                    FlowEffect::Exchange {
                        code,
                        pkce_verifier: self.request.pkce_verifier.clone(),
                        redirect_uri: self.request.redirect_uri.clone(),
                    },
                ],
            ),
            CallbackParams::Error {
                error, description, ..
            } => (
                Some(FlowState::Denied {
                    error: error.clone(),
                    description: description.clone(),
                }),
                vec![
                    FlowEffect::Reply(CallbackReply::Denied { error, description }),
                    FlowEffect::StopListener,
                ],
            ),
        }
    }
}

fn state_name(state: &FlowState) -> &'static str {
    match state {
        FlowState::AwaitingCallback { .. } => "awaiting-callback",
        FlowState::Exchanging => "exchanging",
        FlowState::Saving => "saving",
        FlowState::Authorized => "authorized",
        FlowState::Denied { .. } => "denied",
        FlowState::Failed(_) => "failed",
        FlowState::Cancelled => "cancelled",
        FlowState::TimedOut => "timed-out",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OAuthSettings;

    fn flow() -> (AuthorizeFlow, String) {
        let settings = OAuthSettings {
            client_id: "c".into(),
            authorize_url: "https://auth.example.com/authorize".into(),
            token_url: "https://auth.example.com/token".into(),
            ..OAuthSettings::default()
        };
        let request = AuthorizeRequest::new(&settings, "https://h/portal/oauth", &[]).unwrap();
        let state = request.state.expose().to_string();
        let (flow, effects) = AuthorizeFlow::start(request, DEFAULT_TIMEOUT);
        assert_eq!(effects[0], FlowEffect::StartListener);
        (flow, state)
    }

    fn callback(code: &str, state: &str) -> FlowEvent {
        FlowEvent::Callback {
            params: CallbackParams::Code {
                code: Secret::new(code),
                state: state.into(),
            },
            source: CallbackSource::Listener,
        }
    }

    fn tokens() -> TokenSet {
        TokenSet::bearer(Secret::new("at"), None, None, vec![])
    }

    #[test]
    fn success_exchanges_persists_then_authorized() {
        let (mut flow, state) = flow();
        let effects = flow.handle(callback("the-code", &state));
        assert_eq!(effects[0], FlowEffect::Reply(CallbackReply::Accepted));
        assert!(effects.contains(&FlowEffect::StopListener));
        assert!(
            matches!(&effects[2], FlowEffect::Exchange { code, redirect_uri, .. }
            if code.expose() == "the-code" && redirect_uri == "https://h/portal/oauth")
        );
        assert_eq!(flow.state(), &FlowState::Exchanging);
        let effects = flow.handle(FlowEvent::Exchanged(Ok(tokens())));
        assert!(matches!(effects[..], [FlowEffect::PersistTokens(_)]));
        flow.handle(FlowEvent::Persisted(Ok(())));
        assert_eq!(flow.state(), &FlowState::Authorized);
    }

    #[test]
    fn wrong_state_is_refused_and_the_flow_keeps_waiting() {
        let (mut flow, state) = flow();
        let effects = flow.handle(callback("code", "forged"));
        assert!(matches!(
            &effects[..],
            [FlowEffect::Reply(CallbackReply::Refused(_))]
        ));
        assert!(matches!(flow.state(), FlowState::AwaitingCallback { .. }));
        flow.handle(callback("code", &state));
        assert_eq!(flow.state(), &FlowState::Exchanging);
    }

    #[test]
    fn a_code_is_exchanged_once_even_when_pasted_too() {
        let (mut flow, state) = flow();
        flow.handle(callback("code", &state));
        let again = flow.handle(FlowEvent::Callback {
            params: CallbackParams::Code {
                code: Secret::new("code"),
                state: state.clone(),
            },
            source: CallbackSource::Paste,
        });
        assert!(matches!(
            &again[..],
            [FlowEffect::Reply(CallbackReply::Refused(_))]
        ));
        assert_eq!(flow.state(), &FlowState::Exchanging);
    }

    #[test]
    fn late_callback_after_cancel_is_refused() {
        let (mut flow, state) = flow();
        assert_eq!(
            flow.handle(FlowEvent::Cancel),
            vec![FlowEffect::StopListener]
        );
        let effects = flow.handle(callback("code", &state));
        assert!(matches!(
            &effects[..],
            [FlowEffect::Reply(CallbackReply::Refused(_))]
        ));
        assert_eq!(flow.state(), &FlowState::Cancelled);
    }

    #[test]
    fn exchange_finishing_after_cancel_is_not_persisted() {
        let (mut flow, state) = flow();
        flow.handle(callback("code", &state));
        flow.handle(FlowEvent::Cancel);
        assert!(flow.handle(FlowEvent::Exchanged(Ok(tokens()))).is_empty());
        assert_eq!(flow.state(), &FlowState::Cancelled);
    }

    #[test]
    fn timeout_ends_the_wait_but_a_stale_timer_does_not() {
        let (mut flow, _) = flow();
        assert!(flow.handle(FlowEvent::TimerFired(TimerId(99))).is_empty());
        assert!(matches!(flow.state(), FlowState::AwaitingCallback { .. }));
        assert_eq!(
            flow.handle(FlowEvent::TimerFired(TimerId(1))),
            vec![FlowEffect::StopListener]
        );
        assert_eq!(flow.state(), &FlowState::TimedOut);
    }

    #[test]
    fn stale_timer_after_success_changes_nothing() {
        let (mut flow, state) = flow();
        flow.handle(callback("code", &state));
        assert!(flow.handle(FlowEvent::TimerFired(TimerId(1))).is_empty());
        assert_eq!(flow.state(), &FlowState::Exchanging);
    }

    #[test]
    fn denied_shows_the_providers_words() {
        let (mut flow, state) = flow();
        let effects = flow.handle(FlowEvent::Callback {
            params: CallbackParams::Error {
                error: "access_denied".into(),
                description: Some("The user denied access".into()),
                state,
            },
            source: CallbackSource::Listener,
        });
        assert!(matches!(
            &effects[0],
            FlowEffect::Reply(CallbackReply::Denied { .. })
        ));
        assert_eq!(
            flow.state().describe(),
            "Denied by the provider: access_denied: The user denied access"
        );
    }

    #[test]
    fn exchange_failure_keeps_the_error_and_its_words() {
        let (mut flow, state) = flow();
        flow.handle(callback("code", &state));
        let refused = Arc::new(OAuthError::Provider {
            error: "invalid_grant".into(),
            description: Some("code expired".into()),
        });
        flow.handle(FlowEvent::Exchanged(Err(refused.clone())));
        assert_eq!(
            flow.state(),
            &FlowState::Failed(FlowFailure::Exchange(refused))
        );
        let FlowState::Failed(failure) = flow.state() else {
            panic!("{:?}", flow.state());
        };
        assert!(failure.error().is_invalid_grant());
        assert_eq!(
            flow.state().describe(),
            "Failed: the provider refused: invalid_grant: code expired"
        );
    }

    #[test]
    fn a_save_failure_says_the_tokens_were_not_saved() {
        let (mut flow, state) = flow();
        flow.handle(callback("code", &state));
        flow.handle(FlowEvent::Exchanged(Ok(tokens())));
        let unsaved = Arc::new(OAuthError::Store(crate::store::StoreError::NotFound(
            "tokens".into(),
        )));
        flow.handle(FlowEvent::Persisted(Err(unsaved.clone())));
        assert_eq!(
            flow.state().describe(),
            format!("Failed: the tokens could not be saved: {unsaved}")
        );
        assert!(matches!(
            flow.state(),
            FlowState::Failed(FlowFailure::Save(error)) if Arc::ptr_eq(error, &unsaved)
        ));
    }

    #[test]
    fn listener_failure_leaves_the_paste_path_open() {
        let (mut flow, state) = flow();
        flow.handle(FlowEvent::ListenerFailed("port 443 is in use".into()));
        assert!(flow.state().describe().contains("port 443 is in use"));
        flow.handle(FlowEvent::Callback {
            params: CallbackParams::Code {
                code: Secret::new("c"),
                state,
            },
            source: CallbackSource::Paste,
        });
        assert_eq!(flow.state(), &FlowState::Exchanging);
    }
}
