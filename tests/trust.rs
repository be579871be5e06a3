//! Trust, for real handshakes on 127.0.0.1: VERIFY's TLS stage (pinned, uploaded CA,
//! untrusted, expired, wrong name), a delivery's client trusting the same, and the
//! reqwest client (ordinary deliveries, OAuth
//! token requests, verify through a proxy) trusting exactly the same, not following
//! redirects, and going through the proxy the rules choose.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::time::Duration;

use base64::Engine;
use hookconsole::delivery::{
    Credential, DeliveryRequest, Failure, HttpStage, Outcome, SendFailure, Stage, report_lines,
};
use hookconsole::http::{HttpOptions, ProxyRules, TrustedBy, build_client};
use hookconsole::model::{Integration, fingerprint};
use support::*;

/// The message stamp of the requests built here (what VERIFY and deliveries add).
const STAMP: hookconsole::delivery::WebhookStamp = hookconsole::delivery::WebhookStamp {
    id: "evt_test",
    timestamp: 1_700_000_000,
};

// --- VERIFY's TLS stage ---------------------------------------------------------

#[tokio::test]
async fn an_unknown_self_signed_certificate_is_untrusted_with_its_fingerprint() {
    let presented = self_signed(&["127.0.0.1"]);
    let server = https_server(answer(200), vec![presented.der.clone()], presented.key()).await;
    let mut hook = integration(&server.url("/"));
    // Another certificate was uploaded: the presented one is still not trusted.
    hook.certificate = Some(self_signed(&["127.0.0.1"]).pem);
    let report = run(&hook).await;
    let (failure, stage, advice) = failure(&report);
    assert_eq!((failure, stage), (Failure::TlsUntrusted, Stage::Tls));
    let expected = fingerprint(presented.der.as_ref());
    assert!(advice.contains("CERTIFICATE tab"), "{advice}");
    assert!(advice.contains(&expected), "{advice}");
    let tls = report.tls.as_ref().unwrap();
    assert_eq!(
        tls.certificate.as_ref().unwrap().sha256_fingerprint,
        expected
    );
    assert_eq!(tls.trusted_by, None);
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn an_unknown_openssl_ca_certificate_is_untrusted_not_a_tls_error() {
    let dir = tempfile::tempdir().unwrap();
    let cert = openssl_self_signed(dir.path(), "receiver.example");
    let server = https_server(answer(200), vec![cert.der.clone()], cert.key()).await;
    let report = run(&integration(&server.url("/"))).await;
    let (failure, stage, advice) = failure(&report);
    assert_eq!((failure, stage), (Failure::TlsUntrusted, Stage::Tls));
    assert!(advice.contains(&fingerprint(cert.der.as_ref())), "{advice}");
    assert!(text(&report).contains("trust    NOT TRUSTED"));
}

#[tokio::test]
async fn the_pinned_openssl_certificate_is_trusted_on_an_ip_url_it_does_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let cert = openssl_self_signed(dir.path(), "receiver.example");
    let server = https_server(answer(201), vec![cert.der.clone()], cert.key()).await;
    let mut hook = integration(&server.url("/hook"));
    hook.certificate = Some(cert.pem.clone());
    let report = run(&hook).await;
    assert_delivered(&report);
    let tls = report.tls.as_ref().unwrap();
    assert_eq!(tls.trusted_by, Some(TrustedBy::Pinned));
    assert_eq!(tls.protocol.as_deref(), Some("TLS 1.3"));
    let certificate = tls.certificate.as_ref().unwrap();
    assert!(certificate.subject.contains("receiver.example"));
    assert_eq!(
        certificate.sha256_fingerprint,
        fingerprint(cert.der.as_ref())
    );
    assert!(text(&report).contains("trust    pinned"));
    assert_eq!(server.received()[0].body, SAMPLE.as_bytes());
}

#[tokio::test]
async fn a_server_issued_by_the_uploaded_ca_is_trusted() {
    let ca = certificate_authority();
    let leaf = issued_by(&ca, &["127.0.0.1"], false);
    let server = https_server(answer(200), vec![leaf.der.clone()], leaf.key()).await;
    let mut hook = integration(&server.url("/"));
    hook.certificate = Some(ca.pem.clone());
    let report = run(&hook).await;
    assert_delivered(&report);
    assert_eq!(
        report.tls.as_ref().unwrap().trusted_by,
        Some(TrustedBy::UploadedCa)
    );
}

#[tokio::test]
async fn an_expired_certificate_is_reported_as_expired() {
    let ca = certificate_authority();
    let leaf = issued_by(&ca, &["127.0.0.1"], true);
    let server = https_server(answer(200), vec![leaf.der.clone()], leaf.key()).await;
    let mut hook = integration(&server.url("/"));
    hook.certificate = Some(ca.pem.clone());
    let report = run(&hook).await;
    let (failure, stage, advice) = failure(&report);
    assert_eq!((failure, stage), (Failure::TlsExpired, Stage::Tls));
    assert!(advice.contains("2021-01-01"), "{advice}");
    assert!(
        report
            .tls
            .as_ref()
            .unwrap()
            .certificate
            .as_ref()
            .unwrap()
            .expired
    );
}

#[tokio::test]
async fn a_certificate_for_another_name_is_a_hostname_mismatch() {
    let ca = certificate_authority();
    let leaf = issued_by(&ca, &["other.example"], false);
    let server = https_server(answer(200), vec![leaf.der.clone()], leaf.key()).await;
    let mut hook = integration(&server.url("/"));
    hook.certificate = Some(ca.pem.clone());
    let report = run(&hook).await;
    let (failure, stage, advice) = failure(&report);
    assert_eq!((failure, stage), (Failure::TlsHostnameMismatch, Stage::Tls));
    assert!(advice.contains("other.example"), "{advice}");
}

#[tokio::test]
async fn the_wrong_scheme_for_the_port_is_explained() {
    let plain = blunt_http_server().await;
    let report = run(&integration(&format!("https://{}/", plain.addr))).await;
    let (failure, stage, advice) = failure(&report);
    assert_eq!((failure, stage), (Failure::TlsFailed, Stage::Tls));
    assert!(advice.contains("http://"), "{advice}");

    let cert = self_signed(&["127.0.0.1"]);
    let tls = https_server(answer(200), vec![cert.der.clone()], cert.key()).await;
    let report = run(&integration(&format!("http://{}/", tls.addr))).await;
    let (failure, stage, advice) = support::failure(&report);
    assert_eq!(stage, Stage::Http);
    assert!(
        matches!(failure, Failure::NotHttp | Failure::ConnectionReset),
        "{failure:?}"
    );
    if failure == Failure::NotHttp {
        assert!(advice.contains("https://"), "{advice}");
    }
}

// --- a delivery's client (hyper's, straight to the receiver) ------------------------

async fn deliver(integration: &Integration) -> Result<HttpStage, SendFailure> {
    let client = build_client(integration, &options()).unwrap();
    let request = DeliveryRequest::build(integration, "{}", &Credential::None, STAMP).unwrap();
    hookconsole::delivery::send(&client, &request).await
}

fn refusal(result: Result<HttpStage, SendFailure>) -> (Failure, Stage) {
    let failed = result.unwrap_err();
    (failed.failure, failed.stage)
}

/// A delivery trusts exactly what VERIFY trusts, and says why it did not.
#[tokio::test]
async fn a_delivery_trusts_the_pinned_certificate_or_the_uploaded_ca_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let cert = openssl_self_signed(dir.path(), "receiver.example");
    let server = https_server(answer(200), vec![cert.der.clone()], cert.key()).await;
    let mut hook = Integration::new("r", server.url("/"));
    assert_eq!(
        refusal(deliver(&hook).await),
        (Failure::TlsUntrusted, Stage::Tls)
    );
    hook.certificate = Some(cert.pem.clone());
    let client = build_client(&hook, &options()).unwrap();
    let request = DeliveryRequest::build(&hook, "{}", &Credential::None, STAMP).unwrap();
    let delivered = hookconsole::delivery::send(&client, &request)
        .await
        .unwrap();
    assert_eq!(delivered.status, 200);
    assert_eq!(
        client.trust.observation().trusted_by,
        Some(TrustedBy::Pinned)
    );

    let ca = certificate_authority();
    let leaf = issued_by(&ca, &["127.0.0.1"], false);
    let server = https_server(answer(200), vec![leaf.der.clone()], leaf.key()).await;
    let mut hook = Integration::new("r", server.url("/"));
    hook.certificate = Some(ca.pem.clone());
    assert_eq!(deliver(&hook).await.unwrap().status, 200);

    let elsewhere = issued_by(&ca, &["other.example"], false);
    let server = https_server(answer(200), vec![elsewhere.der.clone()], elsewhere.key()).await;
    let mut hook = Integration::new("r", server.url("/"));
    hook.certificate = Some(ca.pem.clone());
    assert_eq!(
        refusal(deliver(&hook).await),
        (Failure::TlsHostnameMismatch, Stage::Tls)
    );

    let plain = blunt_http_server().await;
    let hook = Integration::new("r", format!("https://{}/", plain.addr));
    assert_eq!(
        refusal(deliver(&hook).await),
        (Failure::TlsFailed, Stage::Tls)
    );
}

#[tokio::test]
async fn a_delivery_follows_no_redirect_and_times_out_on_silence() {
    let server = http_server(Behaviour::Answer(
        307,
        vec![("Location".into(), "http://127.0.0.1:1/elsewhere".into())],
        String::new(),
    ))
    .await;
    let redirected = deliver(&Integration::new("r", server.url("/")))
        .await
        .unwrap();
    assert_eq!(redirected.status, 307);
    assert_eq!(server.received().len(), 1);

    // options(): a request has 3 s in all.
    for behaviour in [Behaviour::Stall, Behaviour::HeadThenStall] {
        let server = http_server(behaviour).await;
        let started = std::time::Instant::now();
        let failed = deliver(&Integration::new("r", server.url("/")))
            .await
            .unwrap_err();
        assert_eq!(
            (failed.failure, failed.stage),
            (Failure::Timeout, Stage::Http)
        );
        assert!(
            failed.summary.contains("request timeout"),
            "{}",
            failed.summary
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }
}

/// An IPv6 literal is connected to as written (brackets off), and named in Host with
/// them, as RFC 9110 writes it.
#[tokio::test]
async fn a_delivery_reaches_an_ipv6_literal() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(listener) = tokio::net::TcpListener::bind("[::1]:0").await else {
        println!("no IPv6 loopback on this machine: skipped");
        return;
    };
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buffer = [0u8; 4096];
        while !String::from_utf8_lossy(&head).contains("}") {
            let read = stream.read(&mut buffer).await.unwrap();
            assert!(read > 0, "the request was cut");
            head.extend_from_slice(&buffer[..read]);
        }
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        String::from_utf8_lossy(&head).into_owned()
    });
    let answer = deliver(&Integration::new("r", format!("http://[::1]:{port}/hook")))
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    let request = server.await.unwrap();
    assert!(
        request.contains(&format!("Host: [::1]:{port}\r\n")),
        "{request}"
    );
}

/// An answer whose head is larger than the client reads is HTTP all the same: neither
/// a delivery nor VERIFY calls it "not HTTP" (whose advice is to use https://), and
/// both say the head was too large.
#[tokio::test]
async fn an_answer_with_a_huge_head_is_not_called_not_http() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        // One connection for the delivery, one for VERIFY.
        for _ in 0..2 {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer).await;
            let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
            for n in 0..20_000 {
                head.extend_from_slice(format!("X-Filler-{n}: {}\r\n", "y".repeat(40)).as_bytes());
            }
            // The client stops reading once the head is too large: a write may fail.
            let _ = stream.write_all(&head).await;
        }
    });
    let hook = Integration::new("r", format!("http://{address}/hook"));
    let failed = deliver(&hook).await.unwrap_err();
    assert_eq!(
        (failed.failure, failed.stage),
        (Failure::Other, Stage::Http),
        "{}",
        failed.summary
    );
    assert!(failed.summary.contains("too large"), "{}", failed.summary);
    let report = run(&hook).await;
    let (failure, stage, _) = failure(&report);
    assert_eq!((failure, stage), (Failure::Other, Stage::Http));
    let shown = text(&report);
    assert!(shown.contains("too large to read"), "{shown}");
    assert!(!shown.contains("https://"), "{shown}");
    server.abort();
}

/// A receiver whose accept queue is full never completes the handshake: the connect
/// timeout ends the wait, at the connect stage, well before the request timeout.
#[tokio::test]
async fn a_delivery_gives_up_connecting_after_the_connect_timeout() {
    use std::os::fd::AsRawFd;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    // SAFETY: listen on a socket we own; only its backlog changes.
    assert_eq!(unsafe { libc::listen(listener.as_raw_fd(), 0) }, 0);
    let address = listener.local_addr().unwrap();
    // Never accepted: they fill the queue, and SYNs after them are dropped.
    let held: Vec<_> = (0..3)
        .filter_map(|_| {
            std::net::TcpStream::connect_timeout(&address, Duration::from_millis(200)).ok()
        })
        .collect();
    assert!(!held.is_empty());
    let hook = Integration::new("r", format!("http://{address}/hook"));
    let options = HttpOptions {
        connect_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_secs(20),
        ..options()
    };
    let client = build_client(&hook, &options).unwrap();
    let request = DeliveryRequest::build(&hook, "{}", &Credential::None, STAMP).unwrap();
    let started = std::time::Instant::now();
    let failed = hookconsole::delivery::send(&client, &request)
        .await
        .unwrap_err();
    assert_eq!(
        (failed.failure, failed.stage),
        (Failure::Timeout, Stage::Connect),
        "{}",
        failed.summary
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(held);
}

/// Credentials in the URL go as Basic, as reqwest sent them, and never into the log.
#[tokio::test]
async fn a_delivery_sends_the_urls_userinfo_as_basic_credentials() {
    let server = http_server(answer(200)).await;
    let url = server
        .url("/hook")
        .replace("http://", "http://ops%40hiab:pa%3Ass+w@");
    let hook = Integration::new("r", url);
    let client = build_client(&hook, &options()).unwrap();
    let request = DeliveryRequest::build(&hook, "{}", &Credential::None, STAMP).unwrap();
    hookconsole::delivery::send(&client, &request)
        .await
        .unwrap();
    let received = &server.received()[0];
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("ops@hiab:pa:ss+w")
    );
    assert_eq!(received.header("authorization"), Some(expected.as_str()));
    assert_eq!(received.target, "/hook");
    assert!(
        !request.shown_url().contains("ss+w"),
        "{}",
        request.shown_url()
    );
}

// --- the reqwest client ------------------------------------------------------------

async fn send_raw(integration: &Integration) -> Result<reqwest::Response, reqwest::Error> {
    let client = build_client(integration, &options()).unwrap();
    let request = DeliveryRequest::build(integration, "{}", &Credential::None, STAMP).unwrap();
    request.to_reqwest(&client.client).send().await
}

#[tokio::test]
async fn reqwest_accepts_the_pinned_certificate_on_an_ip_url_and_says_how() {
    let dir = tempfile::tempdir().unwrap();
    let cert = openssl_self_signed(dir.path(), "receiver.example");
    let server = https_server(answer(200), vec![cert.der.clone()], cert.key()).await;
    let mut hook = Integration::new("r", server.url("/"));
    hook.certificate = Some(cert.pem.clone());
    let client = build_client(&hook, &options()).unwrap();
    let request = DeliveryRequest::build(&hook, "{}", &Credential::None, STAMP).unwrap();
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
    let hook = Integration::new("r", server.url("/"));
    assert!(send_raw(&hook).await.is_err());

    let ca = certificate_authority();
    let leaf = issued_by(&ca, &["127.0.0.1"], false);
    let server = https_server(answer(200), vec![leaf.der.clone()], leaf.key()).await;
    let mut hook = Integration::new("r", server.url("/"));
    hook.certificate = Some(ca.pem.clone());
    assert_eq!(send_raw(&hook).await.unwrap().status(), 200);
}

#[tokio::test]
async fn reqwest_does_not_follow_redirects() {
    let server = http_server(Behaviour::Answer(
        307,
        vec![("Location".into(), "http://127.0.0.1:1/elsewhere".into())],
        String::new(),
    ))
    .await;
    let response = send_raw(&Integration::new("r", server.url("/")))
        .await
        .unwrap();
    assert_eq!(response.status(), 307);
    assert_eq!(server.received().len(), 1);
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
    let report = run_with(&hook, &options).await;
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
    let report = run_with(&hook, &options).await;
    match &report.outcome {
        Outcome::NotDelivered { failure, stage, .. } => {
            assert_eq!((failure, *stage), (&Failure::TlsUntrusted, Stage::Tls));
        }
        other => panic!("{other:?}"),
    }
    hook.certificate = Some(cert.pem.clone());
    let report = run_with(&hook, &options).await;
    assert!(report.delivered(), "{}", report_lines(&report).join("\n"));
    assert_eq!(report.tls.unwrap().trusted_by, Some(TrustedBy::Pinned));
}

#[tokio::test]
async fn a_proxy_that_cannot_be_reached_is_a_proxy_failure() {
    let closed = unused_port();
    let options = HttpOptions {
        proxy: ProxyRules::new(Some(&format!("http://{closed}")), None, None, None),
        ..options()
    };
    let hook = Integration::new("r", "http://receiver.example/hook");
    let report = run_with(&hook, &options).await;
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

#[tokio::test]
async fn send_reads_any_answer_and_classifies_a_missing_one() {
    let server = http_server(answer(404)).await;
    let hook = Integration::new("r", server.url("/"));
    let client = build_client(&hook, &options()).unwrap();
    let request = DeliveryRequest::build(&hook, "{}", &Credential::None, STAMP).unwrap();
    let answer = hookconsole::delivery::send(&client, &request)
        .await
        .unwrap();
    assert_eq!(answer.status, 404);
    assert_eq!(
        Failure::from_status(answer.status, None),
        Some(Failure::NotFound)
    );
    assert_eq!(Failure::from_status(204, None), None);

    let closed = unused_port();
    let hook = Integration::new("r", format!("http://{closed}/"));
    let request = DeliveryRequest::build(&hook, "{}", &Credential::None, STAMP).unwrap();
    let failed = hookconsole::delivery::send(&client, &request)
        .await
        .unwrap_err();
    assert_eq!(
        (failed.failure, failed.stage),
        (Failure::ConnectionRefused, Stage::Connect)
    );
}
