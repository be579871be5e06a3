//! A device authorization provider for tests (RFC 8628): `/device` issues a device
//! code and the user code `WDJBMJHT`; `/token` answers polls with what the test has
//! scripted (pending, slow_down, access_denied, expired_token) until the person
//! "approves", then with tokens; a poll sooner than the interval allows is answered
//! `slow_down`, as section 3.5 lets a provider do. `/hook` takes a delivery with a
//! token it issued. Bodies may be forms or JSON.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Request, Response, TestServer};

pub const CLIENT_ID: &str = "hiab-device";
pub const USER_CODE: &str = "WDJBMJHT";
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What one poll is answered with, before the person approves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poll {
    Pending,
    SlowDown,
    Denied,
    Expired,
    Approve,
}

pub struct DeviceState {
    /// Seconds between polls the provider asks for.
    pub interval: u64,
    pub expires_in: u64,
    /// Answers to the next polls, in order; once used up, `then`.
    pub script: VecDeque<Poll>,
    pub then: Poll,
    /// When each poll came, on the test's clock.
    pub polls: Vec<Instant>,
    /// The interval the client must keep now (grows by 5 s with each slow_down).
    pub required: Duration,
    /// Polls that came sooner than `required` after the one before.
    pub too_soon: usize,
    pub device_requests: usize,
    /// The parameters of the last device authorization request.
    pub device_parameters: HashMap<String, String>,
    pub live: Vec<String>,
    pub counter: usize,
    /// Refresh requests answered with a new access token.
    pub refreshes: usize,
}

pub struct DeviceProvider {
    pub server: TestServer,
    pub state: Arc<Mutex<DeviceState>>,
}

impl DeviceProvider {
    pub async fn start(interval: u64, script: &[Poll], then: Poll) -> DeviceProvider {
        let state = Arc::new(Mutex::new(DeviceState {
            interval,
            expires_in: 900,
            script: script.iter().copied().collect(),
            then,
            polls: Vec::new(),
            required: Duration::from_secs(interval),
            too_soon: 0,
            device_requests: 0,
            device_parameters: HashMap::new(),
            live: Vec::new(),
            counter: 0,
            refreshes: 0,
        }));
        let shared = state.clone();
        let server = TestServer::start(move |request| handle(&shared, request)).await;
        DeviceProvider { server, state }
    }

    pub fn verification_uri(&self) -> String {
        self.server.url("/activate")
    }

    pub fn polls(&self) -> Vec<Instant> {
        self.state.lock().unwrap().polls.clone()
    }
}

fn oauth_error(error: &str) -> Response {
    Response::json(
        400,
        serde_json::json!({"error": error, "error_description": format!("test provider: {error}")}),
    )
}

fn handle(state: &Mutex<DeviceState>, request: &Request) -> Response {
    let mut state = state.lock().unwrap();
    // Form bodies, or JSON ones (OAuth API type application/json): the same names.
    let parameters: HashMap<String, String> =
        if request.header("content-type") == Some("application/json") {
            match request.json() {
                Some(serde_json::Value::Object(object)) => object
                    .into_iter()
                    .map(|(name, value)| (name, value.as_str().unwrap_or_default().to_string()))
                    .collect(),
                _ => return oauth_error("invalid_request"),
            }
        } else {
            request.form()
        };
    match request.path.as_str() {
        "/device" => {
            state.device_requests += 1;
            if parameters.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
                return Response::json(401, serde_json::json!({"error": "invalid_client"}));
            }
            state.device_parameters = parameters;
            state.counter += 1;
            let host = request.header("host").unwrap_or_default().to_string();
            Response::json(
                200,
                serde_json::json!({
                    "device_code": format!("device-code-{}", state.counter),
                    "user_code": USER_CODE,
                    "verification_uri": format!("http://{host}/activate"),
                    "verification_uri_complete": format!("http://{host}/activate?user_code={USER_CODE}"),
                    "expires_in": state.expires_in,
                    "interval": state.interval,
                }),
            )
        }
        "/token" if parameters.get("grant_type").map(String::as_str) == Some("refresh_token") => {
            // A public client: its id, and no secret at all.
            if parameters.get("client_id").map(String::as_str) != Some(CLIENT_ID)
                || parameters.contains_key("client_secret")
                || request.header("authorization").is_some()
                || !parameters
                    .get("refresh_token")
                    .is_some_and(|token| token.starts_with("device-refresh-"))
            {
                return oauth_error("invalid_grant");
            }
            state.refreshes += 1;
            state.counter += 1;
            let access = format!("device-access-{}", state.counter);
            state.live.push(access.clone());
            Response::json(
                200,
                serde_json::json!({"access_token": access, "token_type": "Bearer", "expires_in": 3600}),
            )
        }
        "/token" => {
            if parameters.get("grant_type").map(String::as_str) != Some(GRANT_TYPE)
                || parameters.get("client_id").map(String::as_str) != Some(CLIENT_ID)
                || !parameters
                    .get("device_code")
                    .is_some_and(|code| code.starts_with("device-code-"))
            {
                return oauth_error("invalid_request");
            }
            let now = Instant::now();
            if let Some(last) = state.polls.last()
                && now.duration_since(*last) < state.required
            {
                state.too_soon += 1;
            }
            state.polls.push(now);
            let next = state.script.pop_front().unwrap_or(state.then);
            match next {
                Poll::Pending => oauth_error("authorization_pending"),
                Poll::SlowDown => {
                    state.required += Duration::from_secs(5);
                    oauth_error("slow_down")
                }
                Poll::Denied => oauth_error("access_denied"),
                Poll::Expired => oauth_error("expired_token"),
                Poll::Approve => {
                    state.counter += 1;
                    let access = format!("device-access-{}", state.counter);
                    state.live.push(access.clone());
                    Response::json(
                        200,
                        serde_json::json!({
                            "access_token": access,
                            "token_type": "Bearer",
                            "expires_in": 3600,
                            "refresh_token": format!("device-refresh-{}", state.counter),
                            "scope": "hooks.write offline_access",
                        }),
                    )
                }
            }
        }
        "/hook" => {
            let live = request
                .header("authorization")
                .and_then(|value| value.strip_prefix("Bearer "))
                .is_some_and(|token| state.live.iter().any(|live| live == token));
            Response::json(if live { 200 } else { 401 }, serde_json::json!({}))
        }
        _ => Response::status(404),
    }
}
