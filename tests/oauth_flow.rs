//! The whole authorize flow with the real callback listener on loopback: the phone
//! (a plain HTTP client) opens the QR code's start link, is redirected to the
//! provider, which redirects to the listener; the session exchanges the code and
//! stores the tokens.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod oauth_support;
mod support;

use std::time::Duration;

use hookconsole::model::{Authentication, Integration};
use hookconsole::oauth::{
    CallbackReply, FlowFailure, FlowState, ListenerPlan, SessionInput, SessionSetup, SessionUpdate,
    run_session,
};
use hookconsole::store::{Authorization, TokenStore};
use oauth_support::provider::{Provider, Style, browse, phone, plain_client};
use support::unused_port;
use tokio::sync::mpsc;

struct Running {
    inputs: mpsc::Sender<SessionInput>,
    updates: mpsc::UnboundedReceiver<SessionUpdate>,
    task: tokio::task::JoinHandle<FlowState>,
    callback_url: String,
    _home: tempfile::TempDir,
    store: TokenStore,
}

async fn start(provider: &Provider, style: Style, listener: bool, timeout: Duration) -> Running {
    let home = tempfile::tempdir().unwrap();
    let store = TokenStore::new(home.path().join("tokens.yaml"));
    let port = unused_port().port();
    let callback_url = format!("http://127.0.0.1:{port}/portal/oauth");
    let mut integration = Integration::new("jira", "http://127.0.0.1:9/hook");
    integration.authentication = Authentication::OAuth(provider.settings(style));
    let setup = SessionSetup {
        integration,
        callback_url: callback_url.clone(),
        listener: listener.then(|| {
            ListenerPlan::for_callback(&callback_url, Some(&format!("127.0.0.1:{port}")), None)
                .unwrap()
        }),
        client: plain_client(),
        tokens: store.clone(),
        timeout,
        extra_parameters: vec![("prompt".into(), "consent".into())],
    };
    let (inputs, input_rx) = mpsc::channel(4);
    let (update_tx, updates) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move { run_session(setup, input_rx, update_tx).await.unwrap() });
    Running {
        inputs,
        updates,
        task,
        callback_url,
        _home: home,
        store,
    }
}

async fn started(running: &mut Running) -> (String, Option<String>) {
    match running.updates.recv().await.unwrap() {
        SessionUpdate::Started {
            authorize_url,
            start_link,
            ..
        } => (authorize_url, start_link),
        other => panic!("first update was {other:?}"),
    }
}

#[tokio::test]
async fn phone_follows_the_start_link_and_the_console_is_authorized() {
    for style in [Style::Standards, Style::StrictJson] {
        let provider = Provider::start(style, 3600).await;
        let mut running = start(&provider, style, true, Duration::from_secs(60)).await;
        let (authorize_url, start_link) = started(&mut running).await;
        let start_link = start_link.expect("a listener runs");
        assert!(start_link.starts_with("HTTP://127.0.0.1:"), "{start_link}");
        assert!(start_link.contains("/PORTAL/OAUTH/S/"));
        assert!(authorize_url.contains("prompt=consent"));

        // The phone: start link -> provider -> listener, following redirects.
        let phone = phone();
        let page = phone.get(&start_link).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("Authorized"));

        let end = running.task.await.unwrap();
        assert_eq!(end, FlowState::Authorized);
        assert!(matches!(
            running.store.get("jira").unwrap(),
            Some(Authorization::Authorized { .. })
        ));
        // The listener stopped with the flow.
        assert!(phone.get(&running.callback_url).send().await.is_err());
    }
}

/// The redirect a provider would make with a code it never issued, for the state of
/// `authorize_url`.
fn unknown_code_redirect(authorize_url: &str, callback_url: &str) -> String {
    let state = url::Url::parse(authorize_url)
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "state")
        .unwrap()
        .1
        .into_owned();
    format!("{callback_url}?code=never-issued&state={state}")
}

#[tokio::test]
async fn a_refused_code_ends_the_flow_with_the_providers_own_error() {
    // The exchange's error reaches the end state as the error it is (not its text), so
    // a caller can tell a refused grant from a network failure; the words are the same.
    let provider = Provider::start(Style::Standards, 3600).await;
    let mut running = start(&provider, Style::Standards, false, Duration::from_secs(60)).await;
    let (authorize_url, _) = started(&mut running).await;
    let forged = unknown_code_redirect(&authorize_url, &running.callback_url);
    running
        .inputs
        .send(SessionInput::Paste(forged))
        .await
        .unwrap();
    let end = running.task.await.unwrap();
    let FlowState::Failed(failure) = &end else {
        panic!("the flow ended {end:?}");
    };
    assert!(matches!(failure, FlowFailure::Exchange(_)), "{failure:?}");
    assert!(failure.error().is_invalid_grant(), "{failure}");
    assert_eq!(
        end.describe(),
        "Failed: the provider refused: invalid_grant: unknown or used code"
    );
    assert!(running.store.get("jira").unwrap().is_none());
}

/// The phone's page says how the authorization ended, not only that the code came:
/// a code the provider refuses gives "did not complete", without the provider's words
/// (the console has them).
#[tokio::test]
async fn the_callback_page_says_when_the_code_got_no_token() {
    let provider = Provider::start(Style::Standards, 3600).await;
    let mut running = start(&provider, Style::Standards, true, Duration::from_secs(60)).await;
    let (authorize_url, _) = started(&mut running).await;
    let forged = unknown_code_redirect(&authorize_url, &running.callback_url);
    let page = phone()
        .get(&forged)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("The authorization did not complete"),
        "{page}"
    );
    assert!(page.contains("did not give a token"), "{page}");
    assert!(!page.contains("unknown or used code"), "{page}");
    assert!(matches!(running.task.await.unwrap(), FlowState::Failed(_)));
}

#[tokio::test]
async fn wrong_state_at_the_listener_is_refused_and_the_flow_keeps_waiting() {
    let provider = Provider::start(Style::StrictJson, 3600).await;
    let mut running = start(&provider, Style::StrictJson, true, Duration::from_secs(60)).await;
    let (authorize_url, _) = started(&mut running).await;
    let forged = format!("{}?code=stolen&state=forged", running.callback_url);
    let answer = phone().get(&forged).send().await.unwrap();
    assert_eq!(answer.status(), 400);
    let other = phone()
        .get(format!("{}/elsewhere", running.callback_url))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    // The right redirect still works afterwards.
    let redirected = browse(&authorize_url).await;
    let page = phone().get(&redirected).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(running.task.await.unwrap(), FlowState::Authorized);
    assert_eq!(provider.token_requests(), 1);
}

#[tokio::test]
async fn paste_works_without_a_listener_and_a_second_paste_is_refused() {
    let provider = Provider::start(Style::Standards, 3600).await;
    let mut running = start(&provider, Style::Standards, false, Duration::from_secs(60)).await;
    let (authorize_url, start_link) = started(&mut running).await;
    assert_eq!(start_link, None);
    running
        .inputs
        .send(SessionInput::Paste("not a url".into()))
        .await
        .unwrap();
    let redirected = browse(&authorize_url).await;
    running
        .inputs
        .send(SessionInput::Paste(redirected.clone()))
        .await
        .unwrap();
    running
        .inputs
        .send(SessionInput::Paste(redirected))
        .await
        .unwrap();
    let mut answers = Vec::new();
    while let Some(update) = running.updates.recv().await {
        if let SessionUpdate::PasteAnswer(answer) = update {
            answers.push(answer);
        }
    }
    let refused = answers[0].as_ref().unwrap_err();
    assert!(refused.to_string().contains("not a URL"), "{refused}");
    assert!(matches!(answers[1], Ok(CallbackReply::Accepted)));
    assert_eq!(running.task.await.unwrap(), FlowState::Authorized);
    assert_eq!(provider.token_requests(), 1, "the code is exchanged once");
}

#[tokio::test]
async fn timeout_stops_the_listener() {
    let provider = Provider::start(Style::Standards, 3600).await;
    let mut running = start(
        &provider,
        Style::Standards,
        true,
        Duration::from_millis(300),
    )
    .await;
    let (_, start_link) = started(&mut running).await;
    assert_eq!(running.task.await.unwrap(), FlowState::TimedOut);
    assert!(
        phone().get(start_link.unwrap()).send().await.is_err(),
        "listener still answering"
    );
}

#[tokio::test]
async fn cancel_ends_the_flow() {
    let provider = Provider::start(Style::Standards, 3600).await;
    let mut running = start(&provider, Style::Standards, true, Duration::from_secs(60)).await;
    started(&mut running).await;
    running.inputs.send(SessionInput::Cancel).await.unwrap();
    assert_eq!(running.task.await.unwrap(), FlowState::Cancelled);
    assert_eq!(running.store.get("jira").unwrap(), None);
}

#[tokio::test]
async fn port_in_use_is_said_plainly_and_paste_still_works() {
    let provider = Provider::start(Style::Standards, 3600).await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let home = tempfile::tempdir().unwrap();
    let store = TokenStore::new(home.path().join("tokens.yaml"));
    let callback_url = format!("http://127.0.0.1:{port}/portal/oauth");
    let mut integration = Integration::new("jira", "http://127.0.0.1:9/hook");
    integration.authentication = Authentication::OAuth(provider.settings(Style::Standards));
    let setup = SessionSetup {
        integration,
        callback_url: callback_url.clone(),
        listener: Some(ListenerPlan::for_callback(&callback_url, None, None).unwrap()),
        client: plain_client(),
        tokens: store.clone(),
        timeout: Duration::from_secs(60),
        extra_parameters: vec![],
    };
    let (inputs, input_rx) = mpsc::channel(4);
    let (update_tx, mut updates) = mpsc::unbounded_channel();
    let task = tokio::spawn(run_session(setup, input_rx, update_tx));
    let SessionUpdate::Started { authorize_url, .. } = updates.recv().await.unwrap() else {
        panic!()
    };
    let SessionUpdate::State(state) = updates.recv().await.unwrap() else {
        panic!()
    };
    assert!(
        state
            .describe()
            .contains(&format!("port {port} is already in use")),
        "{}",
        state.describe()
    );
    inputs
        .send(SessionInput::Paste(browse(&authorize_url).await))
        .await
        .unwrap();
    assert_eq!(task.await.unwrap().unwrap(), FlowState::Authorized);
    drop(taken);
}

#[tokio::test]
async fn https_listener_with_its_self_signed_identity() {
    use hookconsole::oauth::{IdentitySource, listener_identity};
    let provider = Provider::start(Style::Standards, 3600).await;
    let home = tempfile::tempdir().unwrap();
    let identity = listener_identity(&IdentitySource {
        configured: None,
        dir: home.path(),
        names: vec!["127.0.0.1".into()],
    })
    .unwrap();
    let pem = std::fs::read_to_string(home.path().join("listener-certificate.pem")).unwrap();
    assert_eq!(
        hookconsole::model::parse_pem(&pem).unwrap()[0].sha256_fingerprint,
        identity.fingerprint,
        "the screen's fingerprint is the served certificate's"
    );
    let port = unused_port().port();
    let callback_url = format!("https://127.0.0.1:{port}/portal/oauth");
    let store = TokenStore::new(home.path().join("tokens.yaml"));
    let mut integration = Integration::new("jira", "http://127.0.0.1:9/hook");
    integration.authentication = Authentication::OAuth(provider.settings(Style::Standards));
    let setup = SessionSetup {
        integration,
        callback_url: callback_url.clone(),
        listener: Some(
            ListenerPlan::for_callback(
                &callback_url,
                Some(&format!("127.0.0.1:{port}")),
                Some(identity.config),
            )
            .unwrap(),
        ),
        client: plain_client(),
        tokens: store.clone(),
        timeout: Duration::from_secs(60),
        extra_parameters: vec![],
    };
    let (_inputs, input_rx) = mpsc::channel(4);
    let (update_tx, mut updates) = mpsc::unbounded_channel();
    let task = tokio::spawn(run_session(setup, input_rx, update_tx));
    let SessionUpdate::Started { start_link, .. } = updates.recv().await.unwrap() else {
        panic!()
    };
    let start_link = start_link.unwrap();
    assert!(start_link.starts_with("HTTPS://127.0.0.1:"));
    // The phone trusts the listener's certificate (the person accepted it after
    // comparing the fingerprint): here, by pinning it.
    let mut trusted = Integration::new("phone", "https://127.0.0.1/");
    trusted.certificate = Some(pem);
    let phone =
        hookconsole::http::build_client(&trusted, &hookconsole::http::HttpOptions::default())
            .unwrap()
            .client;
    let mut url = start_link;
    let mut last = None;
    for _ in 0..4 {
        let response = phone.get(&url).send().await.unwrap();
        if response.status().is_redirection() {
            url = response.headers()["location"].to_str().unwrap().to_string();
            continue;
        }
        last = Some((response.status(), response.text().await.unwrap()));
        break;
    }
    let (status, page) = last.expect("the redirects end");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Authorized"));
    assert_eq!(task.await.unwrap().unwrap(), FlowState::Authorized);
}

#[test]
fn a_configured_listener_certificate_is_used_and_half_a_pair_is_refused() {
    use hookconsole::oauth::{IdentitySource, listener_identity};
    let dir = tempfile::tempdir().unwrap();
    let cert = support::self_signed(&["hiab.example.com"]);
    let (cert_path, key_path) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
    std::fs::write(&cert_path, &cert.pem).unwrap();
    std::fs::write(&key_path, &cert.key_pem).unwrap();
    let identity = listener_identity(&IdentitySource {
        configured: Some((&cert_path, &key_path)),
        dir: dir.path(),
        names: vec!["hiab.example.com".into()],
    })
    .unwrap();
    assert_eq!(
        identity.fingerprint,
        hookconsole::model::fingerprint(&cert.der)
    );
    assert!(
        !dir.path().join("listener-certificate.pem").exists(),
        "nothing generated"
    );

    let home = tempfile::tempdir().unwrap();
    let locations = hookconsole::store::Locations::in_home(home.path());
    let settings = hookconsole::store::SettingsStore::new(&locations);
    settings
        .update(|s| {
            s.set("callback_url", "https://hiab.example.com/portal/oauth")?;
            s.set("callback_certificate", cert_path.to_str().unwrap())
        })
        .unwrap();
    let mut integration = Integration::new("jira", "https://127.0.0.1:9/hook");
    integration.authentication = Authentication::OAuth(hookconsole::model::OAuthSettings {
        client_id: "c".into(),
        client_secret: "s".into(),
        token_url: "https://auth.example.com/token".into(),
        authorize_url: "https://auth.example.com/authorize".into(),
        ..Default::default()
    });
    let refused = hookconsole::home::Home::new(&locations).prepare_session(
        &integration,
        false,
        Duration::from_secs(1),
        vec![],
    );
    let refused = refused.err().unwrap();
    assert!(matches!(
        refused,
        hookconsole::oauth::SetupError::HalfIdentity
    ));
    assert!(refused.to_string().contains("go together"), "{refused}");
}
