//! The authorize flow as a state machine without I/O: events in, effects out. The TUI
//! and the CLI drive the same machine; a wrong state, a late callback or a stale
//! timeout is decided here, and tested without sockets. Two grants start it: the
//! authorization code (wait for the redirect, exchange the code) and the device code
//! (RFC 8628: ask for a code, show it, poll at the interval until the person has
//! answered or the code expires). Both end by persisting the tokens.

use std::sync::Arc;
use std::time::Duration;

use super::authorize::{AuthorizeRequest, CallbackParams};
use super::device::{DeviceAuthorization, PollAnswer};
use super::error::OAuthError;
use crate::model::Secret;
use crate::store::TokenSet;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// RFC 8628 section 3.5: after `slow_down`, the interval grows by 5 seconds.
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

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
    /// The device authorization endpoint's answer (device grant).
    DeviceCodeIssued(Result<DeviceAuthorization, Arc<OAuthError>>),
    /// The token endpoint's answer to one poll (device grant).
    Polled(Result<PollAnswer, Arc<OAuthError>>),
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
    /// Ask the device authorization endpoint for a device code.
    RequestDeviceCode,
    /// Show the person the code and where to enter it (never the device code).
    ShowDeviceCode(DeviceCodeShown),
    /// Poll the token endpoint once with the device code.
    PollToken {
        device_code: Secret,
    },
}

/// What the person needs of a device code: the code to type and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodeShown {
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackReply {
    /// The code was taken. The listener's page waits for [`CallbackReply::Authorized`]
    /// or [`CallbackReply::Unfinished`] instead (the session holds it), so that it
    /// says how it ended; a paste is told at once.
    Accepted,
    /// The tokens are stored: the person can close the page.
    Authorized,
    /// The code came but the authorization did not complete; why, in words for a
    /// page anyone may read (no provider text: the console says that).
    Unfinished(String),
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
    /// Device grant: asking for a device code.
    RequestingDeviceCode,
    /// Device grant: the code is shown; the token endpoint is polled every
    /// `interval` until the person answers or the code expires.
    AwaitingDevice {
        interval: Duration,
        poll: Option<TimerId>,
        expiry: TimerId,
    },
    Saving,
    Authorized,
    Denied {
        error: String,
        description: Option<String>,
    },
    Failed(FlowFailure),
    Cancelled,
    TimedOut,
    /// Device grant: the code expired before the person answered.
    Expired,
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
                | FlowState::Expired
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
            FlowState::RequestingDeviceCode => "Asking the provider for a device code".into(),
            FlowState::AwaitingDevice { interval, .. } => format!(
                "Waiting for the code to be entered (asking every {} s)",
                interval.as_secs()
            ),
            FlowState::Saving => "Saving the tokens".into(),
            FlowState::Authorized => "Authorized".into(),
            FlowState::Denied { error, description } => match description {
                Some(description) => format!("Denied by the provider: {error}: {description}"),
                None => format!("Denied by the provider: {error}"),
            },
            FlowState::Failed(reason) => format!("Failed: {reason}"),
            FlowState::Cancelled => "Cancelled".into(),
            FlowState::TimedOut => "Timed out waiting for the redirect".into(),
            FlowState::Expired => "The code expired before it was entered".into(),
        }
    }
}

pub struct AuthorizeFlow {
    /// The redirect this flow waits for; `None` for the device grant, which has none.
    request: Option<AuthorizeRequest>,
    /// The device code being polled with (device grant).
    device_code: Option<Secret>,
    /// Poll answers handled so far: each starts a timer of its own id.
    polls: u64,
    state: FlowState,
    next_timer: u64,
}

impl AuthorizeFlow {
    /// Starts waiting for the callback: the listener and the timeout.
    pub fn start(request: AuthorizeRequest, timeout: Duration) -> (AuthorizeFlow, Vec<FlowEffect>) {
        let timer = TimerId(1);
        let flow = AuthorizeFlow {
            request: Some(request),
            device_code: None,
            polls: 0,
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

    /// Starts the device grant: asks for a device code. Its expiry, not a timeout of
    /// ours, ends the wait.
    pub fn start_device() -> (AuthorizeFlow, Vec<FlowEffect>) {
        let flow = AuthorizeFlow {
            request: None,
            device_code: None,
            polls: 0,
            state: FlowState::RequestingDeviceCode,
            next_timer: 1,
        };
        (flow, vec![FlowEffect::RequestDeviceCode])
    }

    pub fn state(&self) -> &FlowState {
        &self.state
    }

    pub fn request(&self) -> Option<&AuthorizeRequest> {
        self.request.as_ref()
    }

    /// A fresh timer id, for a driver that restarts the wait (not used by the machine
    /// itself today, kept so ids stay unique when it is).
    pub fn next_timer_id(&mut self) -> TimerId {
        let id = TimerId(self.next_timer);
        self.next_timer += 1;
        id
    }

    pub fn handle(&mut self, event: FlowEvent) -> Vec<FlowEffect> {
        if let FlowEvent::DeviceCodeIssued(Ok(issued)) = &event
            && self.state == FlowState::RequestingDeviceCode
        {
            self.device_code = Some(issued.device_code.clone());
        }
        if matches!(event, FlowEvent::Polled(_)) {
            self.polls += 1;
        }
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
                let answered = self
                    .request
                    .as_ref()
                    .is_some_and(|request| params.state() == request.state.expose());
                let reason = if answered {
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
            (FlowState::RequestingDeviceCode, E::DeviceCodeIssued(result)) => {
                self.on_device_code(result)
            }
            (
                FlowState::AwaitingDevice {
                    poll: Some(poll),
                    interval,
                    expiry,
                },
                E::TimerFired(id),
            ) if *poll == id => (
                Some(FlowState::AwaitingDevice {
                    interval: *interval,
                    poll: None,
                    expiry: *expiry,
                }),
                self.device_code
                    .clone()
                    .map(|device_code| FlowEffect::PollToken { device_code })
                    .into_iter()
                    .collect(),
            ),
            (FlowState::AwaitingDevice { expiry, .. }, E::TimerFired(id)) if *expiry == id => {
                (Some(FlowState::Expired), vec![])
            }
            (
                FlowState::AwaitingDevice {
                    interval,
                    poll: None,
                    expiry,
                },
                E::Polled(answer),
            ) => self.on_poll(answer, *interval, *expiry),
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

    /// The device code came: show it, poll after the interval, end at its expiry.
    fn on_device_code(
        &self,
        result: Result<DeviceAuthorization, Arc<OAuthError>>,
    ) -> (Option<FlowState>, Vec<FlowEffect>) {
        let issued = match result {
            Ok(issued) => issued,
            Err(error) => {
                return (
                    Some(FlowState::Failed(FlowFailure::Exchange(error))),
                    vec![],
                );
            }
        };
        let (poll, expiry) = (TimerId(self.next_timer), TimerId(self.next_timer + 1));
        let shown = DeviceCodeShown {
            user_code: issued.user_code,
            verification_uri: issued.verification_uri,
            verification_uri_complete: issued.verification_uri_complete,
            expires_in: issued.expires_in,
        };
        (
            Some(FlowState::AwaitingDevice {
                interval: issued.interval,
                poll: Some(poll),
                expiry,
            }),
            vec![
                FlowEffect::ShowDeviceCode(shown),
                FlowEffect::StartTimer {
                    id: poll,
                    after: issued.interval,
                },
                FlowEffect::StartTimer {
                    id: expiry,
                    after: issued.expires_in,
                },
            ],
        )
    }

    /// One poll's answer: wait and poll again (5 s more after `slow_down`), or end.
    fn on_poll(
        &self,
        answer: Result<PollAnswer, Arc<OAuthError>>,
        interval: Duration,
        expiry: TimerId,
    ) -> (Option<FlowState>, Vec<FlowEffect>) {
        let again = |interval: Duration| {
            // Timer ids only grow: each later poll's after the expiry's.
            let poll = TimerId(self.next_timer + 1 + self.polls);
            (
                Some(FlowState::AwaitingDevice {
                    interval,
                    poll: Some(poll),
                    expiry,
                }),
                vec![FlowEffect::StartTimer {
                    id: poll,
                    after: interval,
                }],
            )
        };
        match answer {
            Ok(PollAnswer::Pending) => again(interval),
            Ok(PollAnswer::SlowDown) => again(interval + SLOW_DOWN_STEP),
            Ok(PollAnswer::Denied { description }) => (
                Some(FlowState::Denied {
                    error: "access_denied".into(),
                    description,
                }),
                vec![],
            ),
            Ok(PollAnswer::Expired) => (Some(FlowState::Expired), vec![]),
            Ok(PollAnswer::Tokens(tokens)) => (
                Some(FlowState::Saving),
                vec![FlowEffect::PersistTokens(tokens)],
            ),
            Err(error) => (
                Some(FlowState::Failed(FlowFailure::Exchange(error))),
                vec![],
            ),
        }
    }

    fn on_callback(&self, params: CallbackParams) -> (Option<FlowState>, Vec<FlowEffect>) {
        let Some(request) = &self.request else {
            return (
                None,
                vec![FlowEffect::Reply(CallbackReply::Refused(
                    "no authorization is waiting for this redirect".into(),
                ))],
            );
        };
        if params.state() != request.state.expose() {
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
                        pkce_verifier: request.pkce_verifier.clone(),
                        redirect_uri: request.redirect_uri.clone(),
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
        FlowState::RequestingDeviceCode => "requesting-device-code",
        FlowState::AwaitingDevice { .. } => "awaiting-device",
        FlowState::Saving => "saving",
        FlowState::Authorized => "authorized",
        FlowState::Denied { .. } => "denied",
        FlowState::Failed(_) => "failed",
        FlowState::Cancelled => "cancelled",
        FlowState::TimedOut => "timed-out",
        FlowState::Expired => "expired",
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

    fn issued() -> DeviceAuthorization {
        DeviceAuthorization {
            device_code: Secret::new("device-secret"),
            user_code: "WDJBMJHT".into(),
            verification_uri: "https://example.com/device".into(),
            verification_uri_complete: None,
            expires_in: Duration::from_secs(600),
            interval: Duration::from_secs(5),
        }
    }

    /// The device flow with its code shown and the first poll timer running.
    fn device_flow() -> AuthorizeFlow {
        let (mut flow, effects) = AuthorizeFlow::start_device();
        assert_eq!(effects, vec![FlowEffect::RequestDeviceCode]);
        let effects = flow.handle(FlowEvent::DeviceCodeIssued(Ok(issued())));
        assert!(matches!(&effects[0], FlowEffect::ShowDeviceCode(shown)
            if shown.user_code == "WDJBMJHT" && shown.expires_in == Duration::from_secs(600)));
        assert_eq!(
            effects[1..],
            [
                FlowEffect::StartTimer {
                    id: TimerId(1),
                    after: Duration::from_secs(5)
                },
                FlowEffect::StartTimer {
                    id: TimerId(2),
                    after: Duration::from_secs(600)
                },
            ]
        );
        flow
    }

    fn polls(effects: &[FlowEffect]) -> bool {
        matches!(effects, [FlowEffect::PollToken { device_code }] if device_code.expose() == "device-secret")
    }

    #[test]
    fn device_polls_at_the_interval_slows_down_by_five_then_saves() {
        let mut flow = device_flow();
        assert!(polls(&flow.handle(FlowEvent::TimerFired(TimerId(1)))));
        let again = flow.handle(FlowEvent::Polled(Ok(PollAnswer::Pending)));
        assert_eq!(
            again,
            vec![FlowEffect::StartTimer {
                id: TimerId(3),
                after: Duration::from_secs(5)
            }]
        );
        // The timer of the poll already made is stale.
        assert!(flow.handle(FlowEvent::TimerFired(TimerId(1))).is_empty());
        assert!(polls(&flow.handle(FlowEvent::TimerFired(TimerId(3)))));
        let slower = flow.handle(FlowEvent::Polled(Ok(PollAnswer::SlowDown)));
        assert_eq!(
            slower,
            vec![FlowEffect::StartTimer {
                id: TimerId(4),
                after: Duration::from_secs(10)
            }]
        );
        assert_eq!(
            flow.state().describe(),
            "Waiting for the code to be entered (asking every 10 s)"
        );
        assert!(polls(&flow.handle(FlowEvent::TimerFired(TimerId(4)))));
        let saved = flow.handle(FlowEvent::Polled(Ok(PollAnswer::Tokens(tokens()))));
        assert!(matches!(saved[..], [FlowEffect::PersistTokens(_)]));
        flow.handle(FlowEvent::Persisted(Ok(())));
        assert_eq!(flow.state(), &FlowState::Authorized);
    }

    #[test]
    fn device_denied_expired_and_the_expiry_timer_end_the_flow() {
        let mut flow = device_flow();
        flow.handle(FlowEvent::TimerFired(TimerId(1)));
        flow.handle(FlowEvent::Polled(Ok(PollAnswer::Denied {
            description: Some("The user declined".into()),
        })));
        assert_eq!(
            flow.state().describe(),
            "Denied by the provider: access_denied: The user declined"
        );

        let mut flow = device_flow();
        flow.handle(FlowEvent::TimerFired(TimerId(1)));
        flow.handle(FlowEvent::Polled(Ok(PollAnswer::Expired)));
        assert_eq!(flow.state(), &FlowState::Expired);

        // The code's lifetime ends the wait even between polls; a late answer changes
        // nothing.
        let mut flow = device_flow();
        flow.handle(FlowEvent::TimerFired(TimerId(1)));
        assert!(flow.handle(FlowEvent::TimerFired(TimerId(2))).is_empty());
        assert_eq!(flow.state(), &FlowState::Expired);
        assert!(
            flow.handle(FlowEvent::Polled(Ok(PollAnswer::Tokens(tokens()))))
                .is_empty()
        );
        assert_eq!(flow.state(), &FlowState::Expired);
    }

    #[test]
    fn device_flow_refuses_redirects_and_a_refused_request_fails() {
        let mut flow = device_flow();
        let effects = flow.handle(callback("code", "any"));
        assert!(matches!(
            &effects[..],
            [FlowEffect::Reply(CallbackReply::Refused(_))]
        ));
        let (mut flow, _) = AuthorizeFlow::start_device();
        let refused = Arc::new(OAuthError::Provider {
            error: "invalid_client".into(),
            description: None,
        });
        flow.handle(FlowEvent::DeviceCodeIssued(Err(refused)));
        assert_eq!(
            flow.state().describe(),
            "Failed: the provider refused: invalid_client"
        );
        assert_eq!(
            flow.handle(FlowEvent::Cancel),
            Vec::<FlowEffect>::new(),
            "a finished flow stays finished"
        );
    }
}
