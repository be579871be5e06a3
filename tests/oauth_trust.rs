//! Token requests trust what the integration trusts: an HTTPS token URL whose server
//! presents the uploaded self-signed certificate is accepted (pinned), on an IP
//! address the certificate does not even name; without the upload it is refused.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use hookconsole::http::{HttpOptions, build_client};
use hookconsole::model::{ApiType, Authentication, Integration, OAuthSettings, Secret};
use hookconsole::oauth::{OAuthError, TokenHttp, exchange_code};
use support::{Behaviour, https_server, self_signed};

fn integration(token_url: String, certificate: Option<String>) -> Integration {
    let mut hook = Integration::new("jira", "https://127.0.0.1:9/hook");
    hook.certificate = certificate;
    hook.authentication = Authentication::OAuth(OAuthSettings {
        client_id: "client".into(),
        client_secret: Secret::new("secret"),
        token_url,
        authorize_url: "https://127.0.0.1:9/authorize".into(),
        api_type: ApiType::Json,
        ..OAuthSettings::default()
    });
    hook
}

async fn exchange(hook: &Integration) -> Result<hookconsole::store::TokenSet, OAuthError> {
    let Authentication::OAuth(settings) = &hook.authentication else {
        unreachable!()
    };
    let client = build_client(hook, &HttpOptions::default()).unwrap().client;
    let http = TokenHttp::new(client, settings.api_type);
    exchange_code(
        &http,
        settings,
        &Secret::new("code"),
        &Secret::new("verifier"),
        "https://hiab/portal/oauth",
    )
    .await
}

#[tokio::test]
async fn https_token_url_with_the_uploaded_self_signed_certificate() {
    // The certificate names a host, not the IP the token URL uses: pinning accepts it.
    let cert = self_signed(&["auth.example.test"]);
    let body =
        r#"{"access_token":"at-1","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-1"}"#;
    let server = https_server(
        Behaviour::Answer(
            200,
            vec![("Content-Type".into(), "application/json".into())],
            body.into(),
        ),
        vec![cert.der.clone()],
        cert.key(),
    )
    .await;
    let token_url = server.url("/oauth/token");

    let trusted = integration(token_url.clone(), Some(cert.pem.clone()));
    let tokens = exchange(&trusted).await.unwrap();
    assert_eq!(tokens.access_token.expose(), "at-1");
    let request = server.received().pop().unwrap();
    assert_eq!(request.header("content-type"), Some("application/json"));

    let untrusted = integration(token_url, None);
    let error = exchange(&untrusted).await.unwrap_err().to_string();
    assert!(error.starts_with("token request failed"), "{error}");
    assert!(!error.contains("secret"), "{error}");
}
