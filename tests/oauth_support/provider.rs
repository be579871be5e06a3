//! Two OAuth providers for tests: a standards one (form bodies, client_secret_basic,
//! refresh tokens kept) and a strict JSON one like Atlassian's (JSON bodies only,
//! credentials in the body, refresh tokens rotated; reusing an old one revokes the
//! grant and is counted).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use base64::Engine;
use hookconsole::model::{ApiType, OAuthSettings, Secret};
use sha2::Digest;

use super::{Request, Response, TestServer};

pub const SECRET: &str = "s3cr+t/with=odd%chars";

#[derive(Clone, Copy, PartialEq)]
pub enum Style {
    /// Form bodies, HTTP Basic client authentication, refresh tokens not rotated.
    Standards,
    /// JSON bodies only, credentials in the body, refresh tokens rotated on each use.
    StrictJson,
}

#[derive(Default)]
pub struct ProviderState {
    /// code -> (challenge, redirect_uri)
    pub codes: HashMap<String, (String, String)>,
    pub live_refresh: HashSet<String>,
    pub used_refresh: HashSet<String>,
    pub token_requests: usize,
    pub refresh_reuse: usize,
    pub counter: usize,
    pub access_expires_in: i64,
    /// Tokens revoked through the revocation endpoint (RFC 7009).
    pub revoked: Vec<String>,
    /// Access tokens issued, with when they expire: what a resource server checks.
    pub access: HashMap<String, std::time::Instant>,
}

impl ProviderState {
    /// True when `authorization` is `Bearer <token>` with a token issued here and not
    /// expired yet.
    pub fn bearer_is_live(&self, authorization: Option<&str>) -> bool {
        authorization
            .and_then(|value| value.strip_prefix("Bearer "))
            .and_then(|token| self.access.get(token))
            .is_some_and(|expires| std::time::Instant::now() < *expires)
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
        }
    }

    pub fn token_requests(&self) -> usize {
        self.state.lock().unwrap().token_requests
    }
}

pub fn handle(style: Style, state: &Mutex<ProviderState>, request: Request) -> Response {
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
                    issue(style, &mut state, true)
                }
                "refresh_token" => {
                    let token = params["refresh_token"].clone();
                    if state.used_refresh.contains(&token) {
                        state.refresh_reuse += 1;
                        state.live_refresh.clear();
                        return Response::json(
                            400,
                            serde_json::json!({"error": "invalid_grant", "error_description": "refresh token reused: grant revoked"}),
                        );
                    }
                    if !state.live_refresh.contains(&token) {
                        return Response::json(
                            400,
                            serde_json::json!({"error": "invalid_grant", "error_description": "unknown refresh token"}),
                        );
                    }
                    let rotate = style == Style::StrictJson;
                    if rotate {
                        state.live_refresh.remove(&token);
                        state.used_refresh.insert(token);
                    }
                    issue(style, &mut state, rotate)
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
            state.live_refresh.remove(&token);
            state.revoked.push(token);
            Response::status(200)
        }
        _ => Response::status(404),
    }
}

fn issue(style: Style, state: &mut ProviderState, new_refresh: bool) -> Response {
    state.counter += 1;
    let access = format!("access-{}", state.counter);
    let lifetime = std::time::Duration::from_secs(state.access_expires_in.max(0) as u64);
    state
        .access
        .insert(access.clone(), std::time::Instant::now() + lifetime);
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
    if new_refresh {
        let refresh = format!("refresh-{}", state.counter);
        state.live_refresh.insert(refresh.clone());
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
