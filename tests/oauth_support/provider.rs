//! Two OAuth providers for tests: a standards one (form bodies, client_secret_basic,
//! refresh tokens kept) and a strict JSON one like Atlassian's (JSON bodies only,
//! credentials in the body, refresh tokens rotated with a reuse interval: the token a
//! rotation replaced is accepted again for a while, any older one revokes the grant).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use hookconsole::model::{ApiType, OAuthSettings, Secret};
use sha2::Digest;

use super::{Request, Response, TestServer};

pub const SECRET: &str = "s3cr+t/with=odd%chars";

/// How long Atlassian accepts a refresh token again after rotating it ("leeway
/// interval", 10 minutes), so that a client that lost the answer can retry.
pub const ATLASSIAN_REUSE_INTERVAL: Duration = Duration::from_secs(600);

#[derive(Clone, Copy, PartialEq)]
pub enum Style {
    /// Form bodies, HTTP Basic client authentication, refresh tokens not rotated.
    Standards,
    /// JSON bodies only, credentials in the body, refresh tokens rotated on each use.
    StrictJson,
}

/// One grant's refresh tokens, as a rotating provider keeps them (Auth0's refresh
/// token rotation, which Atlassian uses): only the latest is current. The one the
/// latest replaced may be used again within the reuse interval, and gets a new
/// latest; presenting it later, or any older token, is taken for a stolen token
/// (RFC 6749 section 10.4) and revokes the grant with its access tokens.
#[derive(Debug, Clone)]
pub struct Grant {
    pub latest: String,
    /// The token `latest` replaced, and when (on the provider's clock).
    pub previous: Option<(String, Instant)>,
    pub revoked: bool,
    /// Access tokens issued on this grant, oldest first.
    access: Vec<String>,
}

pub struct ProviderState {
    /// code -> (challenge, redirect_uri)
    pub codes: HashMap<String, (String, String)>,
    pub grants: Vec<Grant>,
    /// Every refresh token issued -> its grant (an index into `grants`).
    pub grant_of: HashMap<String, usize>,
    pub token_requests: usize,
    /// Refresh requests with a token that was no longer the latest of its grant
    /// (within the reuse interval or not).
    pub refresh_reuse: usize,
    /// Grants revoked because an old refresh token was presented.
    pub grants_revoked_by_reuse: usize,
    pub counter: usize,
    pub access_expires_in: i64,
    /// How long a replaced refresh token is accepted again (style StrictJson).
    pub reuse_interval: Duration,
    /// How long the token endpoint waits before answering, after it has acted.
    pub answer_delay: Duration,
    /// Added to the real clock: time that has passed for the provider in a test.
    pub clock_offset: Duration,
    /// Tokens revoked through the revocation endpoint (RFC 7009).
    pub revoked: Vec<String>,
    /// Access tokens issued, with when they expire: what a resource server checks.
    pub access: HashMap<String, Instant>,
}

impl Default for ProviderState {
    fn default() -> Self {
        ProviderState {
            codes: HashMap::new(),
            grants: Vec::new(),
            grant_of: HashMap::new(),
            token_requests: 0,
            refresh_reuse: 0,
            grants_revoked_by_reuse: 0,
            counter: 0,
            access_expires_in: 3600,
            reuse_interval: ATLASSIAN_REUSE_INTERVAL,
            answer_delay: Duration::ZERO,
            clock_offset: Duration::ZERO,
            revoked: Vec::new(),
            access: HashMap::new(),
        }
    }
}

impl ProviderState {
    /// The provider's clock: the real one, moved on by [`Self::let_time_pass`].
    pub fn now(&self) -> Instant {
        Instant::now() + self.clock_offset
    }

    /// `duration` passes for the provider (tokens expire, reuse intervals end).
    pub fn let_time_pass(&mut self, duration: Duration) {
        self.clock_offset += duration;
    }

    /// As when the next refresh comes an hour later (an access token's life): every
    /// reuse interval running now is over, and so are the access tokens rotations
    /// replaced.
    pub fn let_reuse_intervals_pass(&mut self) {
        self.let_time_pass(self.reuse_interval + Duration::from_secs(1));
        let superseded: Vec<String> = self
            .grants
            .iter()
            .flat_map(|grant| grant.access.iter().rev().skip(1).cloned())
            .collect();
        for token in superseded {
            self.access.remove(&token);
        }
    }

    /// True when `authorization` is `Bearer <token>` with a token issued here and not
    /// expired yet.
    pub fn bearer_is_live(&self, authorization: Option<&str>) -> bool {
        authorization
            .and_then(|value| value.strip_prefix("Bearer "))
            .and_then(|token| self.access.get(token))
            .is_some_and(|expires| self.now() < *expires)
    }

    /// A grant whose current refresh token is `token`, as if authorized earlier.
    pub fn seed_refresh_token(&mut self, token: &str) {
        self.new_grant(token.to_string());
    }

    /// The provider forgets every grant: each refresh token gets `invalid_grant`.
    pub fn revoke_every_grant(&mut self) {
        for index in 0..self.grants.len() {
            self.revoke_grant(index);
        }
    }

    /// The grant `refresh_token` belongs to.
    pub fn grant(&self, refresh_token: &str) -> Option<&Grant> {
        self.grant_of
            .get(refresh_token)
            .map(|&index| &self.grants[index])
    }

    /// The provider loses its last rotation of the grant of `refresh_token` (a replica
    /// that has not seen it, a rollback): the token it issued is unknown, and the one it
    /// replaced is current again.
    pub fn lose_last_rotation(&mut self, refresh_token: &str) {
        let index = self.grant_of[refresh_token];
        let grant = &mut self.grants[index];
        let (previous, _) = grant.previous.take().expect("a rotation to lose");
        let lost = std::mem::replace(&mut grant.latest, previous);
        self.grant_of.remove(&lost);
    }

    fn new_grant(&mut self, refresh: String) -> usize {
        self.grants.push(Grant {
            latest: refresh.clone(),
            previous: None,
            revoked: false,
            access: Vec::new(),
        });
        let index = self.grants.len() - 1;
        self.grant_of.insert(refresh, index);
        index
    }

    fn revoke_grant(&mut self, index: usize) {
        let grant = &mut self.grants[index];
        grant.revoked = true;
        for token in std::mem::take(&mut grant.access) {
            self.access.remove(&token);
        }
    }

    fn next_refresh_token(&mut self, grant: usize) -> String {
        self.counter += 1;
        let refresh = format!("refresh-{}", self.counter);
        self.grant_of.insert(refresh.clone(), grant);
        refresh
    }
}

pub struct Provider {
    pub server: TestServer,
    pub state: Arc<Mutex<ProviderState>>,
}

impl Provider {
    pub async fn start(style: Style, access_expires_in: i64) -> Provider {
        let state = Arc::new(Mutex::new(ProviderState {
            access_expires_in,
            ..ProviderState::default()
        }));
        let shared = state.clone();
        let server = TestServer::start(move |request| handle(style, &shared, request)).await;
        Provider { server, state }
    }

    pub fn settings(&self, style: Style) -> OAuthSettings {
        OAuthSettings {
            client_id: "hiab-client".into(),
            client_secret: Secret::new(SECRET),
            token_url: self.server.url("/oauth/token"),
            authorize_url: self.server.url("/authorize"),
            audience: "api.example.com".into(),
            scope: "write:jira-work offline_access".into(),
            api_type: match style {
                Style::Standards => ApiType::Form,
                Style::StrictJson => ApiType::Json,
            },
            authorize_parameters: String::new(),
            revocation_url: self.server.url("/oauth/revoke"),
            client_authentication: None,
            sites_url: String::new(),
            site_url: String::new(),
            ..OAuthSettings::default()
        }
    }

    pub fn token_requests(&self) -> usize {
        self.state.lock().unwrap().token_requests
    }
}

pub fn handle(style: Style, state: &Mutex<ProviderState>, request: &Request) -> Response {
    let mut state = state.lock().unwrap();
    match request.path.as_str() {
        "/authorize" => {
            let query = request.query_map();
            let redirect = &query["redirect_uri"];
            let mut location = url::Url::parse(redirect).unwrap();
            if query.get("login_hint").map(String::as_str) == Some("deny") {
                location
                    .query_pairs_mut()
                    .append_pair("error", "access_denied")
                    .append_pair("error_description", "The user did not allow access")
                    .append_pair("state", &query["state"]);
                return Response::redirect(location.as_str());
            }
            assert_eq!(query["response_type"], "code");
            assert_eq!(query["code_challenge_method"], "S256");
            state.counter += 1;
            let code = format!("code-{}", state.counter);
            state.codes.insert(
                code.clone(),
                (query["code_challenge"].clone(), redirect.clone()),
            );
            location
                .query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", &query["state"]);
            Response::redirect(location.as_str())
        }
        "/oauth/token" => {
            state.token_requests += 1;
            let params: HashMap<String, String> = match style {
                Style::StrictJson => {
                    if request.header("content-type") != Some("application/json") {
                        return Response::json(
                            400,
                            serde_json::json!({"error": "invalid_request", "error_description": "JSON bodies only"}),
                        );
                    }
                    assert!(
                        request.header("authorization").is_none(),
                        "JSON provider got an Authorization header"
                    );
                    let json = request.json().expect("JSON body");
                    json.as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                        .collect()
                }
                Style::Standards => {
                    assert!(
                        request
                            .header("content-type")
                            .unwrap()
                            .starts_with("application/x-www-form-urlencoded")
                    );
                    assert!(request.query.is_empty(), "parameters belong in the body");
                    request.form()
                }
            };
            let (client_id, client_secret) = match style {
                Style::StrictJson => (params["client_id"].clone(), params["client_secret"].clone()),
                Style::Standards => {
                    let header = request
                        .header("authorization")
                        .expect("Basic client authentication");
                    let encoded = header.strip_prefix("Basic ").unwrap();
                    let decoded = String::from_utf8(
                        base64::engine::general_purpose::STANDARD
                            .decode(encoded)
                            .unwrap(),
                    )
                    .unwrap();
                    let (id, secret) = decoded.split_once(':').unwrap();
                    let unform = |s: &str| {
                        url::form_urlencoded::parse(format!("x={s}").as_bytes())
                            .next()
                            .unwrap()
                            .1
                            .into_owned()
                    };
                    (unform(id), unform(secret))
                }
            };
            if client_id != "hiab-client" || client_secret != SECRET {
                return Response::json(401, serde_json::json!({"error": "invalid_client"}));
            }
            match params["grant_type"].as_str() {
                "authorization_code" => {
                    let Some((challenge, redirect)) = state.codes.remove(&params["code"]) else {
                        return Response::json(
                            400,
                            serde_json::json!({"error": "invalid_grant", "error_description": "unknown or used code"}),
                        );
                    };
                    assert_eq!(
                        params["redirect_uri"], redirect,
                        "redirect_uri must repeat the authorize one"
                    );
                    let digest = sha2::Sha256::digest(params["code_verifier"].as_bytes());
                    let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
                    if expected != challenge {
                        return Response::json(
                            400,
                            serde_json::json!({"error": "invalid_grant", "error_description": "PKCE mismatch"}),
                        );
                    }
                    state.counter += 1;
                    let first = format!("refresh-{}", state.counter);
                    let grant = state.new_grant(first);
                    let refresh = state.grants[grant].latest.clone();
                    issue(style, &mut state, grant, Some(refresh))
                }
                "refresh_token" => {
                    let token = params["refresh_token"].clone();
                    let mut answer = refresh(style, &mut state, &token);
                    answer.delay = state.answer_delay;
                    answer
                }
                other => Response::json(
                    400,
                    serde_json::json!({"error": "unsupported_grant_type", "error_description": other}),
                ),
            }
        }
        "/oauth/revoke" => {
            let params: HashMap<String, String> = match style {
                Style::StrictJson => request
                    .json()
                    .and_then(|json| json.as_object().cloned())
                    .map(|object| {
                        object
                            .into_iter()
                            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
                            .collect()
                    })
                    .unwrap_or_default(),
                Style::Standards => request.form(),
            };
            let authenticated = match style {
                Style::StrictJson => {
                    params.get("client_secret").map(String::as_str) == Some(SECRET)
                }
                Style::Standards => request
                    .header("authorization")
                    .is_some_and(|h| h.starts_with("Basic ")),
            };
            if !authenticated {
                return Response::json(401, serde_json::json!({"error": "invalid_client"}));
            }
            let token = params.get("token").cloned().unwrap_or_default();
            if let Some(&grant) = state.grant_of.get(&token) {
                state.revoke_grant(grant);
            }
            state.revoked.push(token);
            Response::status(200)
        }
        _ => Response::status(404),
    }
}

/// A refresh with `token`: with the latest refresh token of a live grant, or (style
/// StrictJson) with the one it replaced within the reuse interval.
fn refresh(style: Style, state: &mut ProviderState, token: &str) -> Response {
    let refused = |description: &str| {
        Response::json(
            400,
            serde_json::json!({"error": "invalid_grant", "error_description": description}),
        )
    };
    let Some(&index) = state.grant_of.get(token) else {
        return refused("unknown refresh token");
    };
    if state.grants[index].revoked {
        return refused("the grant was revoked");
    }
    if style == Style::Standards {
        return if state.grants[index].latest == token {
            issue(style, state, index, None)
        } else {
            refused("unknown refresh token")
        };
    }
    let now = state.now();
    let grant = &state.grants[index];
    if grant.latest == token {
        let replaced = grant.latest.clone();
        let refresh = state.next_refresh_token(index);
        let grant = &mut state.grants[index];
        grant.previous = Some((replaced, now));
        grant.latest = refresh.clone();
        return issue(style, state, index, Some(refresh));
    }
    state.refresh_reuse += 1;
    let within_interval = grant.previous.as_ref().is_some_and(|(previous, at)| {
        previous == token && now.duration_since(*at) < state.reuse_interval
    });
    if within_interval {
        // The client lost the answer: it gets a new latest; the lost one is history.
        let refresh = state.next_refresh_token(index);
        state.grants[index].latest = refresh.clone();
        return issue(style, state, index, Some(refresh));
    }
    state.grants_revoked_by_reuse += 1;
    state.revoke_grant(index);
    refused("refresh token reused: grant revoked")
}

fn issue(
    style: Style,
    state: &mut ProviderState,
    grant: usize,
    refresh: Option<String>,
) -> Response {
    state.counter += 1;
    let access = format!("access-{}", state.counter);
    let lifetime = std::time::Duration::from_secs(state.access_expires_in.max(0) as u64);
    let expires = state.now() + lifetime;
    state.access.insert(access.clone(), expires);
    state.grants[grant].access.push(access.clone());
    let mut body = serde_json::json!({
        "access_token": access,
        "scope": "write:jira-work offline_access",
    });
    match style {
        // Variations seen in the wild: string expiry, lower-case token type.
        Style::Standards => {
            body["expires_in"] = serde_json::json!(state.access_expires_in.to_string());
            body["token_type"] = serde_json::json!("bearer");
        }
        Style::StrictJson => {
            body["expires_in"] = serde_json::json!(state.access_expires_in);
            body["token_type"] = serde_json::json!("Bearer");
        }
    }
    if let Some(refresh) = refresh {
        body["refresh_token"] = serde_json::json!(refresh);
    }
    Response::json(200, body)
}

pub fn plain_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Plays the phone's browser: opens the authorize URL, returns where the provider
/// redirects to.
pub async fn browse(url: &str) -> String {
    let response = plain_client().get(url).send().await.unwrap();
    assert_eq!(response.status(), 302);
    response.headers()["location"].to_str().unwrap().to_string()
}

/// The phone's browser: follows redirects, as a person tapping the link does.
pub fn phone() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
