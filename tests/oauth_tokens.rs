//! OAuth against two providers written here, on loopback: a standards provider (form
//! bodies, client_secret_basic) and a strict JSON provider like Atlassian's (JSON
//! bodies only, rotating refresh tokens, reuse of an old refresh token revokes the
//! grant). The "browser" is a plain HTTP client following the authorize redirect.

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use hookconsole::model::{ApiType, Authentication, Integration, OAuthSettings, Secret};
use hookconsole::oauth::{
    AuthorizeFlow, AuthorizeRequest, CallbackParams, CallbackReply, CallbackSource, Effect,
    FlowEvent, FlowState, OAuthError, TokenHttp, TokenProvider, exchange_code,
};
use hookconsole::store::{Authorization, TokenSet, TokenStore};
use sha2::Digest;
use support::{Request, Response, TestServer};

const REDIRECT: &str = "http://127.0.0.1:9/portal/oauth";
const SECRET: &str = "s3cr+t/with=odd%chars";

#[derive(Clone, Copy, PartialEq)]
enum Style {
    /// Form bodies, HTTP Basic client authentication, refresh tokens not rotated.
    Standards,
    /// JSON bodies only, credentials in the body, refresh tokens rotated on each use.
    StrictJson,
}

#[derive(Default)]
struct ProviderState {
    /// code -> (challenge, redirect_uri)
    codes: HashMap<String, (String, String)>,
    live_refresh: HashSet<String>,
    used_refresh: HashSet<String>,
    token_requests: usize,
    refresh_reuse: usize,
    counter: usize,
    access_expires_in: i64,
}

struct Provider {
    server: TestServer,
    state: Arc<Mutex<ProviderState>>,
}

impl Provider {
    async fn start(style: Style, access_expires_in: i64) -> Provider {
        let state = Arc::new(Mutex::new(ProviderState {
            access_expires_in,
            ..ProviderState::default()
        }));
        let shared = state.clone();
        let server = TestServer::start(move |request| handle(style, &shared, request)).await;
        Provider { server, state }
    }

    fn settings(&self, style: Style) -> OAuthSettings {
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
            client_authentication: None,
        }
    }

    fn token_requests(&self) -> usize {
        self.state.lock().unwrap().token_requests
    }
}

fn handle(style: Style, state: &Mutex<ProviderState>, request: Request) -> Response {
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
        _ => Response::status(404),
    }
}

fn issue(style: Style, state: &mut ProviderState, new_refresh: bool) -> Response {
    state.counter += 1;
    let access = format!("access-{}", state.counter);
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

fn plain_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Plays the phone's browser: opens the authorize URL, returns where the provider
/// redirects to.
async fn browse(url: &str) -> String {
    let response = plain_client().get(url).send().await.unwrap();
    assert_eq!(response.status(), 302);
    response.headers()["location"].to_str().unwrap().to_string()
}

/// Runs the flow by paste, through the state machine, to stored tokens.
async fn authorize_by_paste(
    provider: &Provider,
    style: Style,
    store: &TokenStore,
    name: &str,
) -> FlowState {
    let settings = provider.settings(style);
    let request = AuthorizeRequest::new(&settings, REDIRECT, &[]).unwrap();
    let url = request.url.clone();
    let (mut flow, _) = AuthorizeFlow::start(request, Duration::from_secs(60));
    let redirected = browse(&url).await;
    let params = CallbackParams::from_pasted_url(&redirected).unwrap();
    let mut effects = flow.handle(FlowEvent::Callback {
        params,
        source: CallbackSource::Paste,
    });
    while let Some(effect) = effects.pop() {
        match effect {
            Effect::Exchange {
                code,
                pkce_verifier,
                redirect_uri,
            } => {
                let http = TokenHttp::new(plain_client(), settings.api_type);
                let result = exchange_code(&http, &settings, &code, &pkce_verifier, &redirect_uri)
                    .await
                    .map_err(|e| e.to_string());
                effects.extend(flow.handle(FlowEvent::Exchanged(result)));
            }
            Effect::PersistTokens(tokens) => {
                let result = store
                    .set(name, Authorization::Authorized { tokens })
                    .map_err(|e| e.to_string());
                effects.extend(flow.handle(FlowEvent::Persisted(result)));
            }
            _ => {}
        }
    }
    flow.state().clone()
}

fn integration(name: &str, settings: OAuthSettings) -> Integration {
    let mut integration = Integration::new(name, "http://127.0.0.1:9/hook");
    integration.authentication = Authentication::OAuth(settings);
    integration
}

fn provider_for(store: TokenStore) -> TokenProvider {
    TokenProvider::new(store, Arc::new(|_: &Integration| Ok(plain_client())))
}

#[tokio::test]
async fn paste_flow_through_both_providers() {
    for style in [Style::Standards, Style::StrictJson] {
        let provider = Provider::start(style, 3600).await;
        let home = tempfile::tempdir().unwrap();
        let store = TokenStore::new(home.path().join("tokens.yaml"));
        let state = authorize_by_paste(&provider, style, &store, "jira").await;
        assert_eq!(state, FlowState::Authorized);
        let stored = store.get("jira").unwrap().unwrap();
        let tokens = stored.tokens().unwrap();
        assert!(tokens.access_token.expose().starts_with("access-"));
        assert!(tokens.refresh_token.is_some());
        assert_eq!(tokens.scopes, vec!["write:jira-work", "offline_access"]);
        assert!(tokens.expires_at.is_some());
        assert_eq!(provider.token_requests(), 1);
    }
}

#[tokio::test]
async fn denied_grant_shows_the_providers_error() {
    let provider = Provider::start(Style::Standards, 3600).await;
    let settings = provider.settings(Style::Standards);
    let extra = [("login_hint".to_string(), "deny".to_string())];
    let request = AuthorizeRequest::new(&settings, REDIRECT, &extra).unwrap();
    let url = request.url.clone();
    let (mut flow, _) = AuthorizeFlow::start(request, Duration::from_secs(60));
    let params = CallbackParams::from_pasted_url(&browse(&url).await).unwrap();
    let effects = flow.handle(FlowEvent::Callback {
        params,
        source: CallbackSource::Paste,
    });
    assert!(matches!(
        &effects[0],
        Effect::Reply(CallbackReply::Denied { .. })
    ));
    assert_eq!(
        flow.state().describe(),
        "Denied by the provider: access_denied: The user did not allow access"
    );
    assert_eq!(provider.token_requests(), 0);
}

#[tokio::test]
async fn wrong_state_refused_then_right_state_accepted() {
    let provider = Provider::start(Style::StrictJson, 3600).await;
    let settings = provider.settings(Style::StrictJson);
    let old = AuthorizeRequest::new(&settings, REDIRECT, &[]).unwrap();
    let request = AuthorizeRequest::new(&settings, REDIRECT, &[]).unwrap();
    let (old_url, url) = (old.url.clone(), request.url.clone());
    let (mut flow, _) = AuthorizeFlow::start(request, Duration::from_secs(60));
    let stale = CallbackParams::from_pasted_url(&browse(&old_url).await).unwrap();
    let effects = flow.handle(FlowEvent::Callback {
        params: stale,
        source: CallbackSource::Paste,
    });
    assert!(matches!(
        &effects[..],
        [Effect::Reply(CallbackReply::Refused(_))]
    ));
    let right = CallbackParams::from_pasted_url(&browse(&url).await).unwrap();
    let effects = flow.handle(FlowEvent::Callback {
        params: right,
        source: CallbackSource::Paste,
    });
    assert!(effects.iter().any(|e| matches!(e, Effect::Exchange { .. })));
}

#[tokio::test]
async fn refresh_before_expiry_and_old_refresh_token_kept_when_not_rotated() {
    // A token living 1 s is refreshed once less than half its life is left.
    let provider = Provider::start(Style::Standards, 1).await;
    let home = tempfile::tempdir().unwrap();
    let store = TokenStore::new(home.path().join("tokens.yaml"));
    authorize_by_paste(&provider, Style::Standards, &store, "svc").await;
    let before = store.get("svc").unwrap().unwrap().tokens().unwrap().clone();
    let tokens = provider_for(store.clone());
    let hook = integration("svc", provider.settings(Style::Standards));
    assert_eq!(
        tokens.bearer_token(&hook).await.unwrap(),
        before.access_token
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    let token = tokens.bearer_token(&hook).await.unwrap();
    assert_ne!(&token, &before.access_token);
    let after = store.get("svc").unwrap().unwrap().tokens().unwrap().clone();
    assert_eq!(after.access_token, token);
    assert_eq!(
        after.refresh_token, before.refresh_token,
        "standards provider sent no new refresh token"
    );
    assert_eq!(provider.token_requests(), 2);
}

#[tokio::test]
async fn fifty_concurrent_deliveries_cause_one_refresh() {
    let provider = Provider::start(Style::StrictJson, 1).await;
    let home = tempfile::tempdir().unwrap();
    let store = TokenStore::new(home.path().join("tokens.yaml"));
    authorize_by_paste(&provider, Style::StrictJson, &store, "jira").await;
    let tokens = Arc::new(provider_for(store.clone()));
    let hook = integration("jira", provider.settings(Style::StrictJson));
    // Let the 1 s access token expire.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (tokens, hook) = (tokens.clone(), hook.clone());
        tasks.push(tokio::spawn(async move {
            tokens.bearer_token(&hook).await.unwrap()
        }));
    }
    let mut seen = HashSet::new();
    for task in tasks {
        seen.insert(task.await.unwrap().expose().to_string());
    }
    assert_eq!(seen.len(), 1, "every delivery got the same fresh token");
    assert_eq!(provider.token_requests(), 2, "one exchange, one refresh");
    assert_eq!(provider.state.lock().unwrap().refresh_reuse, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_refreshing_at_once_never_reuse_a_rotated_token() {
    let provider = Provider::start(Style::StrictJson, 1).await;
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("tokens.yaml");
    authorize_by_paste(
        &provider,
        Style::StrictJson,
        &TokenStore::new(&path),
        "jira",
    )
    .await;
    // Two providers over two store handles: separate gates and separate lock file
    // descriptions, as two processes have.
    let hook = integration("jira", provider.settings(Style::StrictJson));
    for round in 0..5 {
        // Let the current 1 s access token expire.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let a = provider_for(TokenStore::new(&path));
        let b = provider_for(TokenStore::new(&path));
        let (ta, tb) = tokio::join!(a.bearer_token(&hook), b.bearer_token(&hook));
        assert_eq!(ta.unwrap(), tb.unwrap(), "round {round}");
    }
    let state = provider.state.lock().unwrap();
    assert_eq!(state.refresh_reuse, 0);
    assert_eq!(
        state.token_requests, 6,
        "one exchange and one refresh per round"
    );
}

#[tokio::test]
async fn a_401_refreshes_once_and_invalid_grant_needs_reauthorization() {
    let provider = Provider::start(Style::StrictJson, 3600).await;
    let home = tempfile::tempdir().unwrap();
    let store = TokenStore::new(home.path().join("tokens.yaml"));
    authorize_by_paste(&provider, Style::StrictJson, &store, "jira").await;
    let tokens = provider_for(store.clone());
    let hook = integration("jira", provider.settings(Style::StrictJson));
    let first = tokens.bearer_token(&hook).await.unwrap();
    let second = tokens.after_unauthorized(&hook, &first).await.unwrap();
    assert_ne!(first, second);
    // A second 401 for the old token does not refresh again.
    assert_eq!(
        tokens.after_unauthorized(&hook, &first).await.unwrap(),
        second
    );
    assert_eq!(provider.token_requests(), 2);

    // The provider forgets every refresh token: the next refresh gets invalid_grant.
    provider.state.lock().unwrap().live_refresh.clear();
    let error = tokens.after_unauthorized(&hook, &second).await.unwrap_err();
    assert!(
        matches!(error, OAuthError::ReauthorizationNeeded(_)),
        "{error}"
    );
    assert!(matches!(
        store.get("jira").unwrap(),
        Some(Authorization::ReauthorizationNeeded { .. })
    ));
    let again = tokens.bearer_token(&hook).await.unwrap_err();
    assert!(matches!(again, OAuthError::ReauthorizationNeeded(_)));
    assert_eq!(
        provider.token_requests(),
        3,
        "no request once re-authorization is needed"
    );
}

#[tokio::test]
async fn json_provider_rejects_form_and_the_error_is_shown() {
    let provider = Provider::start(Style::StrictJson, 3600).await;
    let mut settings = provider.settings(Style::StrictJson);
    settings.api_type = ApiType::Form;
    settings.client_authentication = Some(hookconsole::model::ClientAuthentication::Body);
    let http = TokenHttp::new(plain_client(), ApiType::Form);
    let error = exchange_code(
        &http,
        &settings,
        &Secret::new("c"),
        &Secret::new("v"),
        REDIRECT,
    )
    .await
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the provider refused: invalid_request: JSON bodies only"
    );
    assert!(!error.to_string().contains(SECRET));
    let _unused: Option<TokenSet> = None;
}
