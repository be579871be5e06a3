//! The request a delivery (or a VERIFY) sends, built from an integration, a payload, a
//! credential and the message's stamp: method (empty means POST), URL, the configured
//! headers in order, then Content-Type (when none is configured), User-Agent, Accept,
//! Authorization, and the Standard Webhooks headers `Webhook-Id`, `Webhook-Timestamp`
//! and, when the integration signs, `Webhook-Signature`. It knows its secrets, so that
//! everything shown of it or of its answer can be redacted.

use std::borrow::Cow;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use http_body_util::Full;
use serde::Serialize;
use url::Url;

use super::signing::PayloadSigner;
use super::tokens::Credential;
use crate::http::user_agent;
use crate::model::{
    HttpMethod, Integration, MASK, client_owned_header, is_sensitive_header, mask_url,
    shell_command, url_secret_values,
};

/// How [`DeliveryRequest::to_http`] writes the request target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpTarget {
    /// `http://host:port/path?query`, for a client that makes its own connections.
    Absolute,
    /// `/path?query`, on a connection already made to the host.
    Origin,
}

fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// The URL as a request target without its userinfo, and its `Host` header: host, and
/// port when not the scheme's default.
fn wire_target(url: &Url) -> Result<(http::Uri, HeaderValue), http::Error> {
    let uri = http::Uri::try_from(format!(
        "{}://{}",
        url.scheme(),
        &url[url::Position::BeforeHost..url::Position::AfterQuery]
    ))?;
    let host = url.host_str().unwrap_or_default();
    let host = match url.port() {
        Some(port) => HeaderValue::try_from(format!("{host}:{port}"))?,
        None => HeaderValue::try_from(host)?,
    };
    Ok((uri, host))
}

/// `Debug` shows what a report shows: secrets masked.
#[derive(Clone)]
pub struct DeliveryRequest {
    pub method: HttpMethod,
    pub url: Url,
    /// In the order they are sent. Holds secrets: show
    /// [`DeliveryRequest::shown_headers`].
    headers: Vec<OutgoingHeader>,
    pub body: Bytes,
    secrets: Vec<String>,
    /// The URL with its password and secret query values masked.
    masked_url: Arc<str>,
    /// The URL as the pooling client's request target (userinfo left out: it goes
    /// as Authorization) and the `Host` header, worked out once per integration.
    absolute_uri: http::Uri,
    host: HeaderValue,
    /// Things the person should know about how the request was put together.
    pub notes: Vec<String>,
}

impl std::fmt::Debug for DeliveryRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryRequest")
            .field("method", &self.method)
            .field("url", &self.shown_url())
            .field("headers", &self.shown_headers())
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// A header as it goes on the wire, with its name as configured.
#[derive(Clone)]
struct OutgoingHeader {
    shown_name: Cow<'static, str>,
    name: HeaderName,
    value: HeaderValue,
    /// Shown as sent whatever its name says: the signature, which proves the body
    /// without revealing the secret, and which a person compares with the receiver's.
    public: bool,
}

/// What identifies one message to its receiver (Standard Webhooks): the id, which
/// stays the same across retries so that duplicates can be dropped, and the time of
/// the attempt in Unix seconds. Signed together with the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookStamp<'a> {
    pub id: &'a str,
    pub timestamp: i64,
}

const WEBHOOK_ID: HeaderName = HeaderName::from_static("webhook-id");
const WEBHOOK_TIMESTAMP: HeaderName = HeaderName::from_static("webhook-timestamp");
const WEBHOOK_SIGNATURE: HeaderName = HeaderName::from_static("webhook-signature");

/// A header as shown: the value masked when it is a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownHeader {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RequestError(pub String);

/// What every request to one integration shares, worked out once: the URL parsed and
/// checked, the configured headers parsed, the secrets they hold. The worker keeps one
/// per integration instead of parsing them again for every attempt. Holds secrets, so
/// it has no `Debug`.
#[derive(Clone)]
pub struct RequestBase {
    method: HttpMethod,
    url: Url,
    headers: Vec<ConfiguredHeader>,
    /// From the URL: its password, secret query values.
    secrets: Vec<String>,
    /// The URL as shown, worked out once: the worker logs it with every attempt.
    masked_url: Arc<str>,
    absolute_uri: http::Uri,
    host: HeaderValue,
    /// `user:password` of the URL's userinfo, percent-decoded and in Base64: sent as
    /// Basic credentials when nothing else authorizes the request.
    url_credentials: Option<String>,
    user_agent: HeaderValue,
    /// The keys, when the integration signs.
    signer: Option<PayloadSigner>,
}

/// A header of HTTP Headers, parsed (or why it cannot be sent: said only when it would
/// be sent, as an Authorization header the Authentication tab replaces is not).
#[derive(Clone)]
struct ConfiguredHeader {
    shown_name: String,
    parsed: Result<(HeaderName, HeaderValue), RequestError>,
    is_authorization: bool,
    /// Its value, when the header carries a credential.
    secret: Option<String>,
}

impl RequestBase {
    pub fn new(integration: &Integration) -> Result<RequestBase, RequestError> {
        if integration.waits_for_site() {
            return Err(RequestError(format!(
                "URL is not set yet: authorize, then choose the site ({})",
                shell_command(&[
                    "hookconsole",
                    "sites",
                    &integration.name,
                    "--choose",
                    "SITE"
                ])
            )));
        }
        // Only a disabled integration may lack its secrets (validation): sending
        // without them would only tell the receiver so.
        let missing = integration.missing_secrets();
        if !integration.enabled && !missing.is_empty() {
            let listed: Vec<String> = missing.iter().map(ToString::to_string).collect();
            return Err(RequestError(format!(
                "it lacks secrets an export left out: {}; set them (`{} KEY…`, a secret \
                 without =VALUE is asked for), then enable it",
                listed.join(", "),
                shell_command(&["hookconsole", "set", &integration.name])
            )));
        }
        let shown = || mask_url(&integration.url);
        let url = Url::parse(&integration.url)
            .map_err(|error| RequestError(format!("URL `{}`: {error}", shown())))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(RequestError(format!(
                "URL `{}` must be http:// or https:// with a host",
                shown()
            )));
        }
        // As written and as the parser wrote it back (it may encode differently).
        let mut secrets = url_secret_values(url.as_str());
        secrets.extend(url_secret_values(&integration.url));
        secrets.sort();
        secrets.dedup();
        let headers = integration
            .http_headers
            .iter()
            .map(|header| ConfiguredHeader {
                shown_name: header.name.trim().to_string(),
                parsed: parse_header(&header.name, &header.value),
                is_authorization: header.name.trim().eq_ignore_ascii_case("authorization"),
                secret: (header.is_sensitive() && !header.value.is_empty())
                    .then(|| header.value.clone()),
            })
            .collect();
        let masked_url: Arc<str> = mask_url(url.as_str()).into();
        let (absolute_uri, host) = wire_target(&url)
            .map_err(|error| RequestError(format!("URL `{}`: {error}", shown())))?;
        let url_credentials = (!url.username().is_empty() || url.password().is_some()).then(|| {
            let user = percent_decoded(url.username());
            let password = url.password().map(percent_decoded).unwrap_or_default();
            STANDARD.encode(format!("{user}:{password}"))
        });
        let user_agent = HeaderValue::from_str(&user_agent())
            .map_err(|_| RequestError("the User-Agent is not a valid header value".into()))?;
        let signer = match &integration.signing {
            Some(signing) => Some(PayloadSigner::new(signing).map_err(RequestError)?),
            None => None,
        };
        Ok(RequestBase {
            method: integration.effective_method(),
            url,
            headers,
            secrets,
            masked_url,
            absolute_uri,
            host,
            url_credentials,
            user_agent,
            signer,
        })
    }

    /// The request carrying `payload` with `credential` as the message `stamp`: the
    /// configured headers in order, then Content-Type (JSON or text, when none is
    /// configured), User-Agent, Accept, Authorization (the Authentication tab's, or
    /// Basic from the URL's userinfo), Webhook-Id, Webhook-Timestamp and
    /// Webhook-Signature (over the body exactly as sent). The one place both
    /// deliveries and VERIFY get these headers from, so that what a log or report lists
    /// is what was sent.
    pub fn request(
        &self,
        payload: &str,
        credential: &Credential,
        stamp: WebhookStamp<'_>,
    ) -> Result<DeliveryRequest, RequestError> {
        let mut request = DeliveryRequest {
            method: self.method,
            url: self.url.clone(),
            headers: Vec::with_capacity(self.headers.len() + 7),
            body: Bytes::copy_from_slice(payload.as_bytes()),
            secrets: self.secrets.clone(),
            masked_url: self.masked_url.clone(),
            absolute_uri: self.absolute_uri.clone(),
            host: self.host.clone(),
            notes: Vec::new(),
        };
        let authorizes = !matches!(credential, Credential::None);
        for header in &self.headers {
            if authorizes && header.is_authorization {
                request.notes.push(
                    "the Authorization header of HTTP headers is replaced by the \
                     Authentication tab's credential"
                        .into(),
                );
                continue;
            }
            request.secrets.extend(header.secret.clone());
            let (name, value) = header.parsed.clone()?;
            request.headers.push(OutgoingHeader {
                shown_name: Cow::Owned(header.shown_name.clone()),
                name,
                value,
                public: false,
            });
        }
        if !payload.is_empty() && !request.has("content-type") {
            // Only whether it is JSON: no value is built.
            let json = serde_json::from_str::<serde::de::IgnoredAny>(payload).is_ok();
            let kind = if json {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            request.push_known(
                "Content-Type",
                http::header::CONTENT_TYPE,
                HeaderValue::from_static(kind),
            );
        }
        if !request.has("user-agent") {
            request.push_known(
                "User-Agent",
                http::header::USER_AGENT,
                self.user_agent.clone(),
            );
        }
        if !request.has("accept") {
            request.push_known(
                "Accept",
                http::header::ACCEPT,
                HeaderValue::from_static("*/*"),
            );
        }
        match credential {
            Credential::None => {
                if let Some(encoded) = &self.url_credentials
                    && !request.has("authorization")
                {
                    request.push_secret_header(format!("Basic {encoded}"), encoded.clone())?;
                }
            }
            Credential::Basic { username, password } => {
                let encoded = STANDARD.encode(format!("{username}:{}", password.expose()));
                request.secrets.push(password.expose().to_string());
                request.push_secret_header(format!("Basic {encoded}"), encoded)?;
            }
            Credential::Bearer(token) => {
                let token = token.expose().to_string();
                request.push_secret_header(format!("Bearer {token}"), token)?;
            }
        }
        self.stamp(&mut request, stamp)?;
        request.secrets.retain(|secret| !secret.is_empty());
        Ok(request)
    }

    /// Webhook-Id, Webhook-Timestamp, and the signature of exactly the body `request`
    /// carries.
    fn stamp(
        &self,
        request: &mut DeliveryRequest,
        stamp: WebhookStamp<'_>,
    ) -> Result<(), RequestError> {
        let id = HeaderValue::from_str(stamp.id).map_err(|_| {
            RequestError("the event id cannot be sent in a header (Webhook-Id)".into())
        })?;
        request.push_known("Webhook-Id", WEBHOOK_ID, id);
        request.push_known(
            "Webhook-Timestamp",
            WEBHOOK_TIMESTAMP,
            HeaderValue::from(stamp.timestamp),
        );
        if let Some(signer) = &self.signer {
            let signature = signer
                .header(stamp.id, stamp.timestamp, &request.body)
                .map_err(RequestError)?;
            request.headers.push(OutgoingHeader {
                shown_name: Cow::Borrowed("Webhook-Signature"),
                name: WEBHOOK_SIGNATURE,
                value: signature,
                public: true,
            });
        }
        Ok(())
    }
}

/// An id for a VERIFY's message: new each time, so that a receiver that drops
/// duplicate ids still takes the next VERIFY; free of `.`, so that it can be signed.
pub fn verify_message_id() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis());
    format!("verify_{millis:012x}{:016x}", fastrand::u64(..))
}

/// A configured header as it goes on the wire. Validation refuses the headers the HTTP
/// client owns; they are refused here too, so that an integration that got past it
/// (a file written by hand, a caller that did not validate) never sends one.
fn parse_header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), RequestError> {
    if let Some(why) = client_owned_header(name) {
        return Err(RequestError(format!(
            "HTTP header `{}` is set by the HTTP client, not by the integration: {why}; remove it",
            name.trim().escape_debug()
        )));
    }
    let header_name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
        RequestError(format!(
            "HTTP header name `{}` is not valid",
            name.escape_debug()
        ))
    })?;
    let header_value = HeaderValue::from_str(value).map_err(|_| {
        RequestError(format!(
            "HTTP header `{}` has a value that is not valid",
            name.escape_debug()
        ))
    })?;
    Ok((header_name, header_value))
}

impl DeliveryRequest {
    /// The request for one delivery of `payload` to `integration` as the message
    /// `stamp`.
    pub fn build(
        integration: &Integration,
        payload: &str,
        credential: &Credential,
        stamp: WebhookStamp<'_>,
    ) -> Result<DeliveryRequest, RequestError> {
        RequestBase::new(integration)?.request(payload, credential, stamp)
    }

    /// Adds a header whose name is known in advance: nothing to parse but the value.
    fn push_known(&mut self, shown: &'static str, name: HeaderName, value: HeaderValue) {
        self.headers.push(OutgoingHeader {
            shown_name: Cow::Borrowed(shown),
            name,
            value,
            public: false,
        });
    }

    fn push_secret_header(&mut self, value: String, secret: String) -> Result<(), RequestError> {
        self.secrets.push(secret);
        let mut header_value = HeaderValue::from_str(&value).map_err(|_| {
            RequestError("the credential holds characters a header cannot carry".into())
        })?;
        header_value.set_sensitive(true);
        self.headers.push(OutgoingHeader {
            shown_name: Cow::Borrowed("Authorization"),
            name: http::header::AUTHORIZATION,
            value: header_value,
            public: false,
        });
        Ok(())
    }

    fn has(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|header| header.name.as_str() == name)
    }

    /// The headers to send, in order. Secrets included: for the wire only.
    pub fn headers(&self) -> impl Iterator<Item = (&HeaderName, &HeaderValue)> {
        self.headers
            .iter()
            .map(|header| (&header.name, &header.value))
    }

    /// The headers as a report or log may show them.
    pub fn shown_headers(&self) -> Vec<ShownHeader> {
        self.headers
            .iter()
            .map(|header| {
                let sensitive = !header.public
                    && (header.value.is_sensitive() || is_sensitive_header(header.name.as_str()));
                ShownHeader {
                    name: header.shown_name.to_string(),
                    value: if sensitive {
                        MASK.to_string()
                    } else {
                        self.redact(&String::from_utf8_lossy(header.value.as_bytes()))
                    },
                }
            })
            .collect()
    }

    /// The URL as a report may show it: a password in it, and the values of secret
    /// query parameters (a Teams workflow's `sig`), masked.
    pub fn shown_url(&self) -> String {
        self.redact(&self.masked_url)
    }

    /// `text` with every secret of this request replaced by the mask: for answers
    /// that echo the request, and for error messages.
    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), MASK);
            }
        }
        text
    }

    pub fn http_method(&self) -> http::Method {
        match self.method {
            HttpMethod::Get => http::Method::GET,
            HttpMethod::Post => http::Method::POST,
            HttpMethod::Put => http::Method::PUT,
            HttpMethod::Patch => http::Method::PATCH,
            HttpMethod::Delete => http::Method::DELETE,
        }
    }

    /// The request as hyper writes it, with `target` as its request target: the
    /// absolute URL for the pooling client (which writes the path and query), or the
    /// path and query for a connection of our own. `Host` is added here: reqwest adds
    /// its own.
    pub fn to_http(&self, target: HttpTarget) -> Result<http::Request<Full<Bytes>>, http::Error> {
        let uri = match target {
            HttpTarget::Absolute => self.absolute_uri.clone(),
            HttpTarget::Origin => http::Uri::try_from(
                &self.url[url::Position::BeforePath..url::Position::AfterQuery],
            )?,
        };
        let mut outgoing = http::Request::new(Full::new(self.body.clone()));
        *outgoing.method_mut() = self.http_method();
        *outgoing.uri_mut() = uri;
        let headers = outgoing.headers_mut();
        headers.reserve(self.headers.len() + 1);
        headers.insert(http::header::HOST, self.host.clone());
        for (name, value) in self.headers() {
            headers.append(name.clone(), value.clone());
        }
        Ok(outgoing)
    }

    /// The request on a reqwest client (deliveries and VERIFY through a proxy).
    pub fn to_reqwest(&self, client: &reqwest::Client) -> reqwest::RequestBuilder {
        let mut headers = http::HeaderMap::with_capacity(self.headers.len());
        for (name, value) in self.headers() {
            headers.append(name.clone(), value.clone());
        }
        client
            .request(self.http_method(), self.url.clone())
            .headers(headers)
            .body(self.body.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Header, Secret, Signing};

    const STAMP: WebhookStamp = WebhookStamp {
        id: "evt_1",
        timestamp: 1_700_000_000,
    };

    fn names(request: &DeliveryRequest) -> Vec<String> {
        request
            .shown_headers()
            .into_iter()
            .map(|h| h.name)
            .collect()
    }

    #[test]
    fn a_secret_in_the_query_is_masked_wherever_the_url_is_shown() {
        let url = "https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Zx9%2Bq7secretVALUE";
        let integration = Integration::new("teams", url);
        let request = DeliveryRequest::build(&integration, "{}", &Credential::None, STAMP).unwrap();
        let shown = request.shown_url();
        assert!(!shown.contains("Zx9"), "{shown}");
        assert!(shown.contains("api-version=2016-06-01"), "{shown}");
        assert!(shown.contains(&format!("sig={MASK}")), "{shown}");
        let error = request.redact("error sending request for url (…sig=Zx9+q7secretVALUE)");
        assert!(!error.contains("Zx9"), "{error}");
    }

    #[test]
    fn a_configured_content_type_is_kept_and_not_doubled() {
        let mut integration = Integration::new("a", "https://r.example/x");
        integration.http_headers = vec![Header::new("content-type", "application/vnd.x+json")];
        let request = DeliveryRequest::build(&integration, "{}", &Credential::None, STAMP).unwrap();
        assert_eq!(
            names(&request),
            [
                "content-type",
                "User-Agent",
                "Accept",
                "Webhook-Id",
                "Webhook-Timestamp"
            ]
        );
    }

    #[test]
    fn the_authentication_tab_replaces_an_authorization_header() {
        let mut integration = Integration::new("a", "https://r.example/x");
        integration.http_headers = vec![Header::new("Authorization", "Bearer old-token")];
        let credential = Credential::Bearer(Secret::new("new-token"));
        let request = DeliveryRequest::build(&integration, "", &credential, STAMP).unwrap();
        assert_eq!(
            names(&request),
            [
                "User-Agent",
                "Accept",
                "Authorization",
                "Webhook-Id",
                "Webhook-Timestamp"
            ]
        );
        assert_eq!(request.notes.len(), 1);
        let sent: Vec<_> = request.headers().map(|(_, v)| v.clone()).collect();
        assert_eq!(sent[2], "Bearer new-token");
        assert_eq!(
            request.redact("echo: Bearer new-token"),
            format!("echo: Bearer {MASK}")
        );
    }

    #[test]
    fn secrets_in_the_url_and_sensitive_headers_are_masked() {
        let mut integration = Integration::new("a", "https://u:url-pass@r.example/x");
        integration.http_headers = vec![Header::new("X-Auth-Token", "tok-1")];
        let request = DeliveryRequest::build(&integration, "", &Credential::None, STAMP).unwrap();
        assert_eq!(request.shown_url(), format!("https://u:{MASK}@r.example/x"));
        assert_eq!(request.shown_headers()[0].value, MASK);
        assert_eq!(request.redact("tok-1 url-pass"), format!("{MASK} {MASK}"));
        let debug = format!("{request:?}");
        assert!(
            !debug.contains("tok-1") && !debug.contains("url-pass"),
            "{debug}"
        );
    }

    #[test]
    fn the_url_userinfo_is_listed_as_the_basic_credentials_it_is_sent_as() {
        // Percent-encoded in the URL, decoded in the credentials (RFC 3986 userinfo).
        let integration = Integration::new("a", "https://jira%40x.test:p%3Ass@r.example/x");
        let request = DeliveryRequest::build(&integration, "", &Credential::None, STAMP).unwrap();
        let shown = request.shown_headers();
        let authorization = shown.iter().find(|h| h.name == "Authorization").unwrap();
        assert_eq!(authorization.value, MASK);
        let encoded = STANDARD.encode("jira@x.test:p:ss");
        let sent: Vec<_> = request.headers().map(|(_, v)| v.clone()).collect();
        assert!(sent.contains(&HeaderValue::from_str(&format!("Basic {encoded}")).unwrap()));
        assert_eq!(request.redact(&encoded), MASK);
        // The request target leaves the userinfo out.
        let wire = request.to_http(HttpTarget::Absolute).unwrap();
        assert_eq!(wire.uri(), "https://r.example/x");
        assert_eq!(wire.headers()["host"], "r.example");

        // A configured Authorization header, or the Authentication tab, wins.
        let mut integration = integration.clone();
        integration.http_headers = vec![Header::new("Authorization", "Token t")];
        let request = DeliveryRequest::build(&integration, "", &Credential::None, STAMP).unwrap();
        let sent: Vec<_> = request
            .headers()
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        let authorizations: Vec<_> = sent
            .iter()
            .filter(|(name, _)| name == http::header::AUTHORIZATION)
            .collect();
        assert_eq!(authorizations.len(), 1);
        assert_eq!(authorizations[0].1, "Token t");
        let bearer = Credential::Bearer(Secret::new("tok"));
        let request = DeliveryRequest::build(&integration, "", &bearer, STAMP).unwrap();
        let values: Vec<_> = request.headers().map(|(_, v)| v.clone()).collect();
        assert!(values.contains(&HeaderValue::from_static("Bearer tok")));
        assert!(!values.iter().any(|v| v.as_bytes().starts_with(b"Basic")));
    }

    #[test]
    fn a_header_the_http_client_owns_is_never_sent() {
        for name in [
            "Content-Length",
            "transfer-encoding",
            "Host",
            "Proxy-Authorization",
        ] {
            let mut integration = Integration::new("a", "https://r.example/x");
            integration.http_headers = vec![Header::new(name, "5")];
            let error =
                DeliveryRequest::build(&integration, "{}", &Credential::None, STAMP).unwrap_err();
            assert!(
                error
                    .0
                    .starts_with(&format!("HTTP header `{name}` is set by the HTTP client")),
                "{error}"
            );
        }
    }

    #[test]
    fn a_header_that_cannot_be_sent_is_an_error() {
        let mut integration = Integration::new("a", "https://r.example/x");
        integration.http_headers = vec![Header::new("Bad Name", "x")];
        let error = DeliveryRequest::build(&integration, "", &Credential::None, STAMP).unwrap_err();
        assert!(error.0.contains("Bad Name"));
    }

    #[test]
    fn a_signing_integration_signs_the_body_as_sent_and_shows_the_signature() {
        let mut integration = Integration::new("a", "https://r.example/x");
        integration.signing = Some(Signing {
            secret: Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            previous: None,
        });
        let stamp = WebhookStamp {
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp: 1614265330,
        };
        let request = DeliveryRequest::build(
            &integration,
            r#"{"test": 2432232314}"#,
            &Credential::None,
            stamp,
        )
        .unwrap();
        let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        let sent: Vec<(String, String)> = request
            .headers()
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_string()))
            .collect();
        assert_eq!(
            sent[sent.len() - 3..],
            [
                ("webhook-id".into(), stamp.id.into()),
                ("webhook-timestamp".into(), "1614265330".into()),
                ("webhook-signature".into(), expected.into()),
            ]
        );
        // A name with `signature` in it is masked, but not the signature computed here:
        // it proves the body without revealing the secret.
        let shown = request.shown_headers();
        assert_eq!(
            shown.last(),
            Some(&ShownHeader {
                name: "Webhook-Signature".into(),
                value: expected.into()
            })
        );
        let debug = format!("{request:?}");
        assert!(!debug.contains("MfKQ9r8G"), "{debug}");
    }

    #[test]
    fn without_signing_there_is_no_signature_and_a_bad_id_is_an_error() {
        let integration = Integration::new("a", "https://r.example/x");
        let request = DeliveryRequest::build(&integration, "{}", &Credential::None, STAMP).unwrap();
        assert!(!names(&request).contains(&"Webhook-Signature".to_string()));
        let bad = WebhookStamp {
            id: "evt\n1",
            timestamp: 1,
        };
        let error = DeliveryRequest::build(&integration, "{}", &Credential::None, bad).unwrap_err();
        assert!(error.0.contains("(Webhook-Id)"), "{error}");
    }
}
