//! Drives one authorize flow: runs the state machine's effects (listener, timers,
//! token exchange, the device grant's requests and polls, persisting) and turns
//! listener callbacks, pasted URLs, answers and a cancel into its events. The CLI and the TUI both run this and talk to it by channels: it
//! never calls up into them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::authorize::{AuthorizeRequest, CallbackParams};
use super::device::{DeviceAuthorization, PollAnswer, poll_device_token, request_device_code};
use super::error::{ListenerPlanError, OAuthError};
use super::exchange::exchange_code;
use super::flow::{
    AuthorizeFlow, CallbackReply, CallbackSource, DeviceCodeShown, FlowEffect, FlowEvent,
    FlowFailure, FlowState, TimerId,
};
use super::listener::{CallbackListener, ListenerConfig, ReceivedCallback};
use super::start_link::{StartLink, new_start_id, start_link};
use super::wire::TokenHttp;
use crate::model::{Authentication, Grant, Integration, OAuthSettings};
use crate::store::{Authorization, TokenSet, TokenStore};

/// Where and how the callback listener runs.
pub struct ListenerPlan {
    pub bind: SocketAddr,
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl ListenerPlan {
    /// The callback URL's port (443 for https, 80 for http) on every address, or the
    /// configured bind address; TLS when the callback URL is https.
    pub fn for_callback(
        callback_url: &str,
        bind: Option<&str>,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Result<ListenerPlan, ListenerPlanError> {
        let url = url::Url::parse(callback_url).map_err(ListenerPlanError::CallbackUrl)?;
        let bind = match bind {
            Some(text) => text
                .parse()
                .map_err(|_| ListenerPlanError::Bind(text.to_string()))?,
            None => default_bind(&url),
        };
        let tls = if url.scheme() == "https" { tls } else { None };
        if url.scheme() == "https" && tls.is_none() {
            return Err(ListenerPlanError::NoIdentity);
        }
        Ok(ListenerPlan { bind, tls })
    }
}

/// The callback URL's port on every address: where the listener binds unless a bind
/// address is set.
fn default_bind(callback: &url::Url) -> SocketAddr {
    let port = callback.port_or_known_default().unwrap_or(443);
    SocketAddr::from(([0, 0, 0, 0], port))
}

/// Where the listener of `callback_url` binds (`bind`, the setting, when given), as
/// `status` shows it; none for a callback URL that does not parse.
pub fn listener_address(callback_url: &str, bind: Option<&str>) -> Option<String> {
    match bind {
        Some(bind) => Some(bind.to_string()),
        None => Some(default_bind(&url::Url::parse(callback_url).ok()?).to_string()),
    }
}

pub struct SessionSetup {
    pub integration: Integration,
    pub callback_url: String,
    /// `None`: paste only.
    pub listener: Option<ListenerPlan>,
    pub client: reqwest::Client,
    pub tokens: TokenStore,
    pub timeout: Duration,
    /// Authorize parameters beyond the integration's own (`authorize --param`).
    pub extra_parameters: Vec<(String, String)>,
}

#[derive(Debug)]
pub enum SessionInput {
    Paste(String),
    Cancel,
}

#[derive(Debug, Clone)]
pub enum SessionUpdate {
    /// The URLs to show, once, before anything else.
    Started {
        authorize_url: String,
        /// The short link for the QR code; `None` when no listener runs.
        start_link: Option<String>,
        listener: Option<SocketAddr>,
        timeout: Duration,
    },
    /// Device grant: the code to enter and where, once, in place of `Started`.
    DeviceCode(DeviceCodeShown),
    State(FlowState),
    /// The answer to a pasted URL.
    PasteAnswer(Result<CallbackReply, Arc<OAuthError>>),
}

/// Runs the flow to its end and returns the final state.
pub async fn run_session(
    setup: SessionSetup,
    inputs: mpsc::Receiver<SessionInput>,
    updates: mpsc::UnboundedSender<SessionUpdate>,
) -> Result<FlowState, OAuthError> {
    let Authentication::OAuth(settings) = &setup.integration.authentication else {
        return Err(OAuthError::Configuration(format!(
            "integration `{}` does not use OAuth",
            setup.integration.name
        )));
    };
    let settings = settings.clone();
    if settings.grant == Grant::DeviceCode {
        let (flow, effects) = AuthorizeFlow::start_device();
        let driver = Driver::new(&setup, &settings);
        let (_, callbacks) = mpsc::channel::<ReceivedCallback>(1);
        return drive(flow, effects, driver, callbacks, inputs, updates).await;
    }
    let mut parameters = settings.extra_authorize_parameters();
    parameters.extend(setup.extra_parameters.iter().cloned());
    let request = AuthorizeRequest::new(&settings, &setup.callback_url, &parameters)?;
    let authorize_url = request.url.clone();
    let start_id = new_start_id()?;
    let (mut flow, effects) = AuthorizeFlow::start(request, setup.timeout);

    let (callback_tx, callback_rx) = mpsc::channel::<ReceivedCallback>(8);
    let mut driver = Driver::new(&setup, &settings);
    let mut pending = effects;
    let mut listener_error = None;
    // Start the listener first so the start link is known before the screen shows it.
    if pending.contains(&FlowEffect::StartListener) {
        if let Some(plan) = &setup.listener {
            let config = ListenerConfig {
                bind: plan.bind,
                tls: plan.tls.clone(),
                callback_path: url::Url::parse(&setup.callback_url)
                    .map(|url| url.path().to_string())
                    .unwrap_or_else(|_| "/portal/oauth".into()),
                start: StartLink::new(
                    start_id.clone(),
                    authorize_url.clone(),
                    setup.integration.name.clone(),
                ),
            };
            match CallbackListener::start(config, callback_tx.clone()).await {
                Ok(listener) => driver.listener = Some(listener),
                Err(reason) => listener_error = Some(reason.to_string()),
            }
        } else {
            listener_error = Some("paste mode".into());
        }
        pending.retain(|effect| effect != &FlowEffect::StartListener);
    }
    let _ = updates.send(SessionUpdate::Started {
        authorize_url,
        start_link: driver
            .listener
            .as_ref()
            .map(|_| start_link(&setup.callback_url, &start_id)),
        listener: driver.listener.as_ref().map(CallbackListener::local_addr),
        timeout: setup.timeout,
    });
    let first = match listener_error {
        Some(reason) => FlowEvent::ListenerFailed(reason),
        None => FlowEvent::ListenerStarted,
    };
    pending.extend(flow.handle(first));
    drive(flow, pending, driver, callback_rx, inputs, updates).await
}

/// Runs `flow` from its first `pending` effects to its end.
async fn drive(
    mut flow: AuthorizeFlow,
    mut pending: Vec<FlowEffect>,
    mut driver: Driver<'_>,
    mut callback_rx: mpsc::Receiver<ReceivedCallback>,
    mut inputs: mpsc::Receiver<SessionInput>,
    updates: mpsc::UnboundedSender<SessionUpdate>,
) -> Result<FlowState, OAuthError> {
    let setup = driver.setup;
    // The page of a callback whose code was taken, answered when the flow ends, and
    // its connection's end, waited for before the session ends.
    let mut held_page: Option<oneshot::Sender<CallbackReply>> = None;
    let mut page_written: Option<oneshot::Receiver<()>> = None;
    loop {
        for effect in std::mem::take(&mut pending) {
            if let Some(update) = driver.apply(effect) {
                let _ = updates.send(update);
            }
        }
        let _ = updates.send(SessionUpdate::State(flow.state().clone()));
        if let Some(answer) = page_answer(flow.state())
            && let Some(page) = held_page.take()
        {
            let _ = page.send(answer);
        }
        if flow.state().is_finished() {
            // A cancelled exchange or poll is dropped; tokens being written are let
            // finish.
            driver.abort_requests();
            if driver.persist.is_none() {
                break;
            }
        }
        let event = tokio::select! {
            Some(callback) = callback_rx.recv() => {
                let effects = flow.handle(FlowEvent::Callback { params: callback.params, source: CallbackSource::Listener });
                let (mut reply, mut written) = (Some(callback.reply), Some(callback.written));
                for effect in effects {
                    match effect {
                        // Its page says how the exchange ends, not only that it began.
                        FlowEffect::Reply(CallbackReply::Accepted) => {
                            held_page = reply.take();
                            page_written = written.take();
                        }
                        FlowEffect::Reply(answer) => {
                            if let Some(reply) = reply.take() {
                                let _ = reply.send(answer);
                            }
                        }
                        other => pending.push(other),
                    }
                }
                continue;
            }
            input = inputs.recv() => match input {
                Some(SessionInput::Paste(text)) => match CallbackParams::from_pasted_url(&text) {
                    Ok(params) => FlowEvent::Callback { params, source: CallbackSource::Paste },
                    Err(error) => {
                        let _ = updates.send(SessionUpdate::PasteAnswer(Err(Arc::new(error))));
                        continue;
                    }
                },
                Some(SessionInput::Cancel) | None => FlowEvent::Cancel,
            },
            _ = sleep_until(driver.next_deadline()) => FlowEvent::TimerFired(driver.take_due_timer()),
            result = join(&mut driver.exchange) => {
                driver.exchange = None;
                FlowEvent::Exchanged(result.map_err(Arc::new))
            }
            result = join(&mut driver.device) => {
                driver.device = None;
                FlowEvent::DeviceCodeIssued(result.map_err(Arc::new))
            }
            result = join(&mut driver.poll) => {
                driver.poll = None;
                FlowEvent::Polled(result.map_err(Arc::new))
            }
            result = join(&mut driver.persist) => {
                driver.persist = None;
                FlowEvent::Persisted(result.map(|_: TokenSet| ()).map_err(Arc::new))
            }
        };
        let is_paste = matches!(
            event,
            FlowEvent::Callback {
                source: CallbackSource::Paste,
                ..
            }
        );
        for effect in flow.handle(event) {
            match effect {
                FlowEffect::Reply(answer) if is_paste => {
                    let _ = updates.send(SessionUpdate::PasteAnswer(Ok(answer)));
                }
                other => pending.push(other),
            }
        }
    }
    let end = flow.state().clone();
    if let Some(page) = held_page {
        let _ = page.send(page_answer(&end).unwrap_or(CallbackReply::Unfinished(
            "the authorization stopped".into(),
        )));
    }
    if let Some(written) = page_written {
        // `authorize` ends its runtime with the session, and the page's connection
        // with it: the person at the phone would see no page at all.
        let _ = tokio::time::timeout(Duration::from_secs(2), written).await;
    }
    if let FlowState::Denied { error, description } = &end {
        record_denial(setup, error, description.as_deref()).await;
    }
    Ok(end)
}

/// What the page of a callback whose code was taken says once the flow has got this
/// far; none while the code is still being exchanged or the tokens saved.
fn page_answer(state: &FlowState) -> Option<CallbackReply> {
    let unfinished = |why: &str| Some(CallbackReply::Unfinished(why.into()));
    match state {
        FlowState::Authorized => Some(CallbackReply::Authorized),
        FlowState::Failed(FlowFailure::Exchange(_)) => {
            unfinished("the provider did not give a token for the code")
        }
        FlowState::Failed(FlowFailure::Save(_)) => {
            unfinished("the token came but could not be stored on the appliance")
        }
        FlowState::Cancelled => unfinished("it was cancelled at the console"),
        FlowState::TimedOut | FlowState::Expired => unfinished("it timed out"),
        FlowState::Denied { .. } => unfinished("access was not granted"),
        FlowState::AwaitingCallback { .. }
        | FlowState::Exchanging
        | FlowState::RequestingDeviceCode
        | FlowState::AwaitingDevice { .. }
        | FlowState::Saving => None,
    }
}

/// Exchanging the code, or saving the tokens it got.
type TokenTask = JoinHandle<Result<TokenSet, OAuthError>>;

struct Driver<'a> {
    setup: &'a SessionSetup,
    settings: &'a OAuthSettings,
    listener: Option<CallbackListener>,
    /// Timers running: the redirect's timeout, or the device grant's poll and expiry.
    timers: Vec<(Instant, TimerId)>,
    exchange: Option<TokenTask>,
    device: Option<JoinHandle<Result<DeviceAuthorization, OAuthError>>>,
    poll: Option<JoinHandle<Result<PollAnswer, OAuthError>>>,
    persist: Option<TokenTask>,
}

impl<'a> Driver<'a> {
    fn new(setup: &'a SessionSetup, settings: &'a OAuthSettings) -> Driver<'a> {
        Driver {
            setup,
            settings,
            listener: None,
            timers: Vec::new(),
            exchange: None,
            device: None,
            poll: None,
            persist: None,
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.timers.iter().map(|(at, _)| *at).min()
    }

    /// The earliest timer, taken off the list (its deadline has passed).
    fn take_due_timer(&mut self) -> TimerId {
        let earliest = (0..self.timers.len())
            .min_by_key(|&index| self.timers[index].0)
            .expect("the branch runs only with a timer");
        self.timers.swap_remove(earliest).1
    }

    fn abort_requests(&mut self) {
        if let Some(exchange) = self.exchange.take() {
            exchange.abort();
        }
        if let Some(device) = self.device.take() {
            device.abort();
        }
        if let Some(poll) = self.poll.take() {
            poll.abort();
        }
    }

    fn token_http(&self) -> TokenHttp {
        TokenHttp::new(self.setup.client.clone(), self.settings.api_type)
    }

    /// Carries out one effect; what it has to tell the face (a reply outside a
    /// listener callback, the device code to show) is returned.
    fn apply(&mut self, effect: FlowEffect) -> Option<SessionUpdate> {
        match effect {
            FlowEffect::StartListener => {}
            FlowEffect::StopListener => self.listener = None,
            FlowEffect::StartTimer { id, after } => self.timers.push((Instant::now() + after, id)),
            FlowEffect::Reply(reply) => return Some(SessionUpdate::PasteAnswer(Ok(reply))),
            FlowEffect::ShowDeviceCode(shown) => return Some(SessionUpdate::DeviceCode(shown)),
            FlowEffect::RequestDeviceCode => {
                let http = self.token_http();
                let settings = self.settings.clone();
                self.device = Some(tokio::spawn(async move {
                    request_device_code(&http, &settings).await
                }));
            }
            FlowEffect::PollToken { device_code } => {
                let http = self.token_http();
                let settings = self.settings.clone();
                self.poll = Some(tokio::spawn(async move {
                    poll_device_token(&http, &settings, &device_code).await
                }));
            }
            FlowEffect::Exchange {
                code,
                pkce_verifier,
                redirect_uri,
            } => {
                let http = self.token_http();
                let settings = self.settings.clone();
                self.exchange = Some(tokio::spawn(async move {
                    exchange_code(&http, &settings, &code, &pkce_verifier, &redirect_uri).await
                }));
            }
            FlowEffect::PersistTokens(tokens) => {
                let store = self.setup.tokens.clone();
                let name = self.setup.integration.name.clone();
                self.persist = Some(tokio::task::spawn_blocking(move || {
                    store
                        .set(
                            &name,
                            Authorization::Authorized {
                                tokens: tokens.clone(),
                            },
                        )
                        .map(|()| tokens)
                        .map_err(OAuthError::Store)
                }));
            }
        }
        None
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn join<T>(task: &mut Option<JoinHandle<Result<T, OAuthError>>>) -> Result<T, OAuthError> {
    match task {
        Some(handle) => handle.await.unwrap_or_else(|error| Err(error.into())),
        None => std::future::pending().await,
    }
}

/// A denial is recorded only where nothing better is stored: denying a second
/// authorization does not throw away tokens that work.
async fn record_denial(setup: &SessionSetup, error: &str, description: Option<&str>) {
    let store = setup.tokens.clone();
    let name = setup.integration.name.clone();
    let reason = match description {
        Some(description) => format!("{error}: {description}"),
        None => error.to_string(),
    };
    let _ = tokio::task::spawn_blocking(move || -> Result<(), crate::store::StoreError> {
        let guard = store.lock()?;
        if guard.get(&name)?.is_none() {
            guard.set(
                &name,
                Authorization::Denied {
                    at: time::OffsetDateTime::now_utc(),
                    reason,
                },
            )?;
        }
        Ok(())
    })
    .await;
}
