//! A client-credentials provider for tests (RFC 6749 section 4.4), with the resource it
//! guards on the same server: `/token` issues access tokens to the one client, in a
//! form or JSON body as configured, with the client authenticated by HTTP Basic or in
//! the body as configured (the other way is refused, as a strict provider does);
//! `/hook` takes a delivery only with a live token of its own, else 401.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;

use super::{Request, Response, TestServer};

pub const CLIENT_ID: &str = "hiab-machine";
pub const CLIENT_SECRET: &str = "cc+secret/with=odd%chars";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Body {
    Form,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ClientAuth {
    Basic,
    InBody,
}

pub struct TokenEndpointState {
    pub body: Body,
    pub client_auth: ClientAuth,
    /// Token requests that reached the endpoint, refused ones too.
    pub token_requests: usize,
    /// The parameters of the last token request (client credentials left out).
    pub last_parameters: HashMap<String, String>,
    /// An OAuth error code every token request is answered with (`invalid_scope`…).
    pub refuse_with: Option<&'static str>,
    /// A failed client authentication quotes the request's Authorization header and
    /// body in its `error_description`, as careless providers do.
    pub echo_request: bool,
    pub expires_in: u64,
    /// The scope the answer states; `None` leaves it out.
    pub granted_scope: Option<String>,
    /// How long the endpoint takes to answer, so that concurrent callers overlap.
    pub answer_delay: Duration,
    /// Live access tokens and when they expire.
    pub live: HashMap<String, Instant>,
    pub counter: usize,
    /// Deliveries `/hook` took.
    pub delivered: usize,
}

pub struct TokenEndpoint {
    pub server: TestServer,
    pub state: Arc<Mutex<TokenEndpointState>>,
}

impl TokenEndpoint {
    pub async fn start(body: Body, client_auth: ClientAuth) -> TokenEndpoint {
        let state = Arc::new(Mutex::new(TokenEndpointState {
            body,
            client_auth,
            token_requests: 0,
            last_parameters: HashMap::new(),
            refuse_with: None,
            echo_request: false,
            expires_in: 3600,
            granted_scope: Some("hooks.write".into()),
            answer_delay: Duration::ZERO,
            live: HashMap::new(),
            counter: 0,
            delivered: 0,
        }));
        let shared = state.clone();
        let server = TestServer::start(move |request| handle(&shared, request)).await;
        TokenEndpoint { server, state }
    }

    pub fn token_url(&self) -> String {
        self.server.url("/token")
    }

    pub fn hook_url(&self) -> String {
        self.server.url("/hook")
    }

    pub fn token_requests(&self) -> usize {
        self.state.lock().unwrap().token_requests
    }

    pub fn delivered(&self) -> usize {
        self.state.lock().unwrap().delivered
    }

    pub fn last_parameters(&self) -> HashMap<String, String> {
        self.state.lock().unwrap().last_parameters.clone()
    }

    /// Every token issued so far stops working (the receiver answers 401).
    pub fn expire_every_token(&self) {
        self.state.lock().unwrap().live.clear();
    }
}

fn handle(state: &Mutex<TokenEndpointState>, request: &Request) -> Response {
    let mut state = state.lock().unwrap();
    match request.path.as_str() {
        "/token" => token(&mut state, request),
        "/hook" => {
            let live = request
                .header("authorization")
                .and_then(|value| value.strip_prefix("Bearer "))
                .and_then(|token| state.live.get(token))
                .is_some_and(|expires| Instant::now() < *expires);
            if live {
                state.delivered += 1;
                Response::json(202, serde_json::json!({"accepted": true}))
            } else {
                Response::json(401, serde_json::json!({"error": "invalid_token"}))
            }
        }
        _ => Response::status(404),
    }
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    Response::json(
        status,
        serde_json::json!({"error": error, "error_description": description}),
    )
}

fn token(state: &mut TokenEndpointState, request: &Request) -> Response {
    state.token_requests += 1;
    if request.method != "POST" {
        return oauth_error(400, "invalid_request", "POST only");
    }
    let content_type = request.header("content-type").unwrap_or_default();
    let mut parameters: HashMap<String, String> = match state.body {
        Body::Form if content_type.starts_with("application/x-www-form-urlencoded") => {
            request.form()
        }
        Body::Json if content_type.starts_with("application/json") => {
            let Some(serde_json::Value::Object(object)) = request.json() else {
                return oauth_error(400, "invalid_request", "not a JSON object");
            };
            object
                .into_iter()
                .map(|(name, value)| (name, value.as_str().unwrap_or_default().to_string()))
                .collect()
        }
        _ => return oauth_error(400, "invalid_request", "unexpected content type"),
    };
    if !request.query.is_empty() {
        return oauth_error(400, "invalid_request", "parameters belong in the body");
    }
    let echoed = format!(
        "client authentication failed for Authorization: {} and body {}",
        request.header("authorization").unwrap_or("(none)"),
        String::from_utf8_lossy(&request.body)
    );
    let basic = request.header("authorization").and_then(basic_credentials);
    let in_body = (
        parameters.remove("client_id"),
        parameters.remove("client_secret"),
    );
    let credentials = match (state.client_auth, basic, in_body) {
        (ClientAuth::Basic, Some(credentials), (None, None)) => Some(credentials),
        (ClientAuth::InBody, None, (Some(id), Some(secret))) => Some((id, secret)),
        _ => None,
    };
    if credentials != Some((CLIENT_ID.to_string(), CLIENT_SECRET.to_string())) {
        if state.echo_request {
            return oauth_error(401, "invalid_client", &echoed);
        }
        return oauth_error(401, "invalid_client", "client authentication failed");
    }
    state.last_parameters = parameters.clone();
    if parameters.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return oauth_error(400, "unsupported_grant_type", "client_credentials only");
    }
    if let Some(error) = state.refuse_with {
        let status = if error == "invalid_client" { 401 } else { 400 };
        return oauth_error(status, error, "refused by the test provider");
    }
    state.counter += 1;
    let access = format!("cc-access-{}", state.counter);
    state.live.insert(
        access.clone(),
        Instant::now() + Duration::from_secs(state.expires_in),
    );
    let mut body = serde_json::json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": state.expires_in,
    });
    if let Some(scope) = &state.granted_scope {
        body["scope"] = serde_json::json!(scope);
    }
    let mut answer = Response::json(200, body);
    answer.delay = state.answer_delay;
    answer
}

/// `Basic base64(id:secret)`, each form-encoded as RFC 6749 section 2.3.1 says.
fn basic_credentials(header: &str) -> Option<(String, String)> {
    let encoded = header.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unform = |text: &str| {
        url::form_urlencoded::parse(format!("x={text}").as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
    };
    Some((unform(id)?, unform(secret)?))
}
