//! The reqwest client (ordinary deliveries, OAuth token requests, verify through a
//! proxy) trusts exactly what VERIFY trusts, does not follow redirects, and goes
//! through the proxy the rules choose.

mod support;

use std::time::Duration;

use hookconsole::delivery::{
    Credential, DeliveryRequest, Failure, NoTokens, Outcome, Stage, report_lines, verify,
};
use hookconsole::http::{HttpOptions, ProxyRules, TrustedBy, build_client};
use hookconsole::model::Integration;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

fn options() -> HttpOptions {
    HttpOptions {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(3),
        proxy: ProxyRules::direct(),
    }
}

async fn send(integration: &Integration) -> Result<reqwest::Response, reqwest::Error> {
    let client = build_client(integration, &options()).unwrap();
    let request = DeliveryRequest::build(integration, "{}", &Credential::None).unwrap();
    request.to_reqwest(&client.client).send().await
}

#[tokio::test]
async fn reqwest_accepts_the_pinned_certificate_on_an_ip_url_and_says_how() {
    let dir = tempfile::tempdir().unwrap();
    let cert = openssl_self_signed(dir.path(), "receiver.example");
    let server = https_server(answer(200), vec![cert.der.clone()], cert.key()).await;
    let mut hook = Integration::new("r", server.url("https", "/"));
    hook.certificate = Some(cert.pem.clone());
    let client = build_client(&hook, &options()).unwrap();
    let request = DeliveryRequest::build(&hook, "{}", &Credential::None).unwrap();
    let response = request.to_reqwest(&client.client).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        client.trust.observation().trusted_by,
        Some(TrustedBy::Pinned)
    );
    assert_eq!(
        server.received()[0].header("content-type"),
        Some("application/json")
    );
}

#[tokio::test]
async fn reqwest_refuses_an_unknown_certificate_and_trusts_the_uploaded_ca() {
    let stranger = self_signed(&["127.0.0.1"]);
    let server = https_server(answer(200), vec![stranger.der.clone()], stranger.key()).await;
    let hook = Integration::new("r", server.url("https", "/"));
    assert!(send(&hook).await.is_err());

    let ca = certificate_authority();
    let leaf = issued_by(&ca, &["127.0.0.1"], false);
    let server = https_server(answer(200), vec![leaf.der.clone()], leaf.key()).await;
    let mut hook = Integration::new("r", server.url("https", "/"));
    hook.certificate = Some(ca.pem.clone());
    assert_eq!(send(&hook).await.unwrap().status(), 200);
}

#[tokio::test]
async fn reqwest_does_not_follow_redirects() {
    let server = http_server(Behaviour::Answer(
        307,
        vec![("Location".into(), "http://127.0.0.1:1/elsewhere".into())],
        String::new(),
    ))
    .await;
    let response = send(&Integration::new("r", server.url("http", "/")))
        .await
        .unwrap();
    assert_eq!(response.status(), 307);
    assert_eq!(server.received().len(), 1);
}

/// A forward proxy that pipes every connection to `target`, answering a CONNECT first.
async fn relay(target: std::net::SocketAddr) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut first = vec![0u8; 8192];
                let read = client.read(&mut first).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&first[..read]).to_string();
                let mut upstream = TcpStream::connect(target).await.unwrap();
                if head.starts_with("CONNECT ") {
                    client
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .await
                        .unwrap();
                } else {
                    upstream.write_all(&first[..read]).await.unwrap();
                }
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    TestServer::from_parts(addr, task)
}

#[tokio::test]
async fn verify_goes_through_the_proxy_and_says_so() {
    let receiver = http_server(answer(200)).await;
    let via = relay(receiver.addr).await;
    let options = HttpOptions {
        proxy: ProxyRules::new(
            Some(&format!("http://user:pw-proxy@{}", via.addr)),
            None,
            None,
            None,
        ),
        ..options()
    };
    let hook = Integration::new("r", "http://receiver.example/hook");
    let report = verify(&hook, &options, &NoTokens, CancellationToken::new()).await;
    assert!(report.delivered(), "{}", report_lines(&report).join("\n"));
    let shown = report.proxy.clone().unwrap();
    assert!(
        shown.contains(&via.addr.to_string()) && !shown.contains("pw-proxy"),
        "{shown}"
    );
    assert!(report.resolve.is_none() && report.connect.is_none());
    let received = &receiver.received()[0];
    assert_eq!(received.target, "http://receiver.example/hook");
}

#[tokio::test]
async fn verify_through_a_proxy_tunnel_keeps_the_trust_rules() {
    let dir = tempfile::tempdir().unwrap();
    let cert = openssl_self_signed(dir.path(), "receiver.example");
    let receiver = https_server(answer(200), vec![cert.der.clone()], cert.key()).await;
    let via = relay(receiver.addr).await;
    let options = HttpOptions {
        proxy: ProxyRules::new(Some(&format!("http://{}", via.addr)), None, None, None),
        ..options()
    };
    let mut hook = Integration::new("r", "https://receiver.example/hook");
    let report = verify(&hook, &options, &NoTokens, CancellationToken::new()).await;
    match &report.outcome {
        Outcome::NotDelivered { failure, stage, .. } => {
            assert_eq!((failure, *stage), (&Failure::TlsUntrusted, Stage::Tls));
        }
        other => panic!("{other:?}"),
    }
    hook.certificate = Some(cert.pem.clone());
    let report = verify(&hook, &options, &NoTokens, CancellationToken::new()).await;
    assert!(report.delivered(), "{}", report_lines(&report).join("\n"));
    assert_eq!(report.tls.unwrap().trusted_by, Some(TrustedBy::Pinned));
}

#[tokio::test]
async fn a_proxy_that_cannot_be_reached_is_a_proxy_failure() {
    let closed = closed_port().await;
    let options = HttpOptions {
        proxy: ProxyRules::new(Some(&format!("http://{closed}")), None, None, None),
        ..options()
    };
    let hook = Integration::new("r", "http://receiver.example/hook");
    let report = verify(&hook, &options, &NoTokens, CancellationToken::new()).await;
    match &report.outcome {
        Outcome::NotDelivered {
            failure,
            stage,
            advice,
            ..
        } => {
            assert_eq!((failure, *stage), (&Failure::ProxyFailed, Stage::Proxy));
            assert!(advice.contains("proxy"), "{advice}");
        }
        other => panic!("{other:?}"),
    }
}
