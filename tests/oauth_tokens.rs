//! OAuth against two providers written here, on loopback: a standards provider (form
//! bodies, client_secret_basic) and a strict JSON provider like Atlassian's (JSON
//! bodies only, rotating refresh tokens, reuse of an old refresh token revokes the
//! grant). The "browser" is a plain HTTP client following the authorize redirect.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod oauth_support;
mod support;

use oauth_support::provider::{Provider, SECRET, Style, browse, plain_client};

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use hookconsole::model::{ApiType, Authentication, Integration, OAuthSettings, Secret};
use hookconsole::oauth::{
    AuthorizeFlow, AuthorizeRequest, CallbackParams, CallbackReply, CallbackSource, FlowEffect,
    FlowEvent, FlowState, OAuthError, TokenHttp, TokenProvider, exchange_code,
};
use hookconsole::store::{Authorization, TokenSet, TokenStore};

const REDIRECT: &str = "http://127.0.0.1:9/portal/oauth";

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
            FlowEffect::Exchange {
                code,
                pkce_verifier,
                redirect_uri,
            } => {
                let http = TokenHttp::new(plain_client(), settings.api_type);
                let result = exchange_code(&http, &settings, &code, &pkce_verifier, &redirect_uri)
                    .await
                    .map_err(Arc::new);
                effects.extend(flow.handle(FlowEvent::Exchanged(result)));
            }
            FlowEffect::PersistTokens(tokens) => {
                let result = store
                    .set(name, Authorization::Authorized { tokens })
                    .map_err(|e| Arc::new(OAuthError::Store(e)));
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
        FlowEffect::Reply(CallbackReply::Denied { .. })
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
        [FlowEffect::Reply(CallbackReply::Refused(_))]
    ));
    let right = CallbackParams::from_pasted_url(&browse(&url).await).unwrap();
    let effects = flow.handle(FlowEvent::Callback {
        params: right,
        source: CallbackSource::Paste,
    });
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, FlowEffect::Exchange { .. }))
    );
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

    // The provider forgets every grant: the next refresh gets invalid_grant, and so
    // does the one more try with the refresh token the last rotation replaced.
    provider.state.lock().unwrap().revoke_every_grant();
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
        4,
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

#[tokio::test]
async fn forgetting_revokes_the_refresh_token_at_the_provider() {
    for style in [Style::Standards, Style::StrictJson] {
        let provider = Provider::start(style, 3600).await;
        let home = tempfile::tempdir().unwrap();
        let store = TokenStore::new(home.path().join("tokens.yaml"));
        authorize_by_paste(&provider, style, &store, "jira").await;
        let refresh = store
            .get("jira")
            .unwrap()
            .unwrap()
            .tokens()
            .unwrap()
            .refresh_token
            .clone()
            .unwrap();
        let hook = integration("jira", provider.settings(style));
        let outcome = hookconsole::oauth::forget_authorization(&store, &hook, plain_client())
            .await
            .unwrap();
        assert_eq!(outcome, hookconsole::oauth::Revocation::Revoked);
        assert_eq!(
            provider.state.lock().unwrap().revoked,
            vec![refresh.expose().to_string()]
        );
        assert_eq!(store.get("jira").unwrap(), None);
        let again = hookconsole::oauth::forget_authorization(&store, &hook, plain_client())
            .await
            .unwrap();
        assert_eq!(again, hookconsole::oauth::Revocation::NothingStored);
    }
}

#[tokio::test]
async fn verify_refreshes_once_after_a_401_and_sends_again() {
    let provider = Provider::start(Style::StrictJson, 3600).await;
    let home = tempfile::tempdir().unwrap();
    let store = TokenStore::new(home.path().join("tokens.yaml"));
    authorize_by_paste(&provider, Style::StrictJson, &store, "jira").await;
    let first = store
        .get("jira")
        .unwrap()
        .unwrap()
        .tokens()
        .unwrap()
        .access_token
        .clone();
    // The receiver has revoked the first access token: it refuses it, accepts others.
    let refused = format!("Bearer {}", first.expose());
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let receiver = oauth_support::TestServer::start(move |request| {
        let bearer = request.header("authorization").unwrap_or("").to_string();
        record.lock().unwrap().push(bearer.clone());
        let status = if bearer == refused { 401 } else { 201 };
        oauth_support::Response::json(status, serde_json::json!({}))
    })
    .await;
    let mut hook = integration("jira", provider.settings(Style::StrictJson));
    hook.url = receiver.url("/rest/api/2/issue");
    let tokens = provider_for(store.clone());
    let report = hookconsole::delivery::verify(
        &hook,
        &hookconsole::http::HttpOptions::default(),
        &hookconsole::template::Appliance::new("hiab-test"),
        &tokens,
        tokio_util::sync::CancellationToken::new(),
    )
    .await;
    assert!(
        matches!(
            report.outcome,
            hookconsole::delivery::Outcome::Delivered { status: 201 }
        ),
        "{:?}",
        report.outcome
    );
    assert!(
        report
            .request
            .notes
            .iter()
            .any(|note| note.contains("refreshed once"))
    );
    assert_eq!(seen.lock().unwrap().len(), 2, "sent twice, no more");
    assert_eq!(provider.token_requests(), 2, "one exchange, one refresh");
}

/// The stored refresh token after a rotation, and the one it replaced.
fn stored_refresh(store: &TokenStore, name: &str) -> (Secret, Option<Secret>) {
    let tokens = store.get(name).unwrap().unwrap().tokens().unwrap().clone();
    (
        tokens.refresh_token.unwrap(),
        tokens.previous_refresh.map(|previous| previous.token),
    )
}

#[tokio::test]
async fn a_refused_refresh_token_falls_back_once_to_the_one_it_replaced() {
    let provider = Provider::start(Style::StrictJson, 3600).await;
    let home = tempfile::tempdir().unwrap();
    let store = TokenStore::new(home.path().join("tokens.yaml"));
    authorize_by_paste(&provider, Style::StrictJson, &store, "jira").await;
    let tokens = provider_for(store.clone());
    let hook = integration("jira", provider.settings(Style::StrictJson));
    let first = tokens.bearer_token(&hook).await.unwrap();
    let (replaced, _) = stored_refresh(&store, "jira");
    let second = tokens.after_unauthorized(&hook, &first).await.unwrap();
    let (current, previous) = stored_refresh(&store, "jira");
    assert_eq!(
        previous.as_ref(),
        Some(&replaced),
        "the replaced token is kept"
    );

    // The provider lost that rotation: the current token is unknown to it, the one it
    // replaced is the grant's again. One more request, with that one, recovers.
    provider
        .state
        .lock()
        .unwrap()
        .lose_last_rotation(current.expose());
    let third = tokens.after_unauthorized(&hook, &second).await.unwrap();
    assert_ne!(third, second);
    assert_eq!(
        provider.token_requests(),
        4,
        "exchange, refresh, refused, fallback"
    );
    let (now_current, _) = stored_refresh(&store, "jira");
    let grant = provider
        .state
        .lock()
        .unwrap()
        .grant(replaced.expose())
        .unwrap()
        .clone();
    assert_eq!(now_current.expose(), grant.latest);
    assert!(!grant.revoked);
    let file = std::fs::read_to_string(store.path()).unwrap();
    assert!(file.contains(replaced.expose()), "kept in the 0600 file");
}

#[tokio::test]
async fn a_refresh_token_replaced_longer_ago_than_the_reuse_interval_is_never_sent() {
    let provider = Provider::start(Style::StrictJson, 3600).await;
    let home = tempfile::tempdir().unwrap();
    let store = TokenStore::new(home.path().join("tokens.yaml"));
    authorize_by_paste(&provider, Style::StrictJson, &store, "jira").await;
    let tokens = provider_for(store.clone());
    let hook = integration("jira", provider.settings(Style::StrictJson));
    let first = tokens.bearer_token(&hook).await.unwrap();
    let second = tokens.after_unauthorized(&hook, &first).await.unwrap();
    // The rotation was 11 minutes ago: Atlassian would take the replaced token for a
    // stolen one now and revoke the grant.
    let Some(Authorization::Authorized { tokens: mut set }) = store.get("jira").unwrap() else {
        panic!("authorized");
    };
    let previous = set.previous_refresh.as_mut().unwrap();
    previous.replaced_at -= time::Duration::minutes(11);
    store
        .set("jira", Authorization::Authorized { tokens: set })
        .unwrap();
    let (current, _) = stored_refresh(&store, "jira");
    provider
        .state
        .lock()
        .unwrap()
        .lose_last_rotation(current.expose());
    let error = tokens.after_unauthorized(&hook, &second).await.unwrap_err();
    assert!(
        matches!(error, OAuthError::ReauthorizationNeeded(_)),
        "{error}"
    );
    assert_eq!(
        provider.token_requests(),
        3,
        "no request with the replaced token"
    );
}
