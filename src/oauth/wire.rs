//! The HTTP client oauth2 talks through. It is where the OAuth API type lives: for
//! `application/json` the token and refresh parameters go as a JSON object, for
//! `application/x-www-form-urlencoded` as a form body (RFC 6749: parameters in the
//! body, never the URL). It also smooths the common deviations of providers' answers
//! so that oauth2's strict parser accepts them: `expires_in` as a string, `token_type`
//! missing or lower case, `scope` as a list, an error sent with HTTP 200, a 201.

use std::fmt;

use oauth2::http::{HeaderValue, StatusCode, header};
use oauth2::{HttpRequest, HttpResponse};
use serde_json::{Map, Value};

use crate::model::ApiType;

/// At most this much of a token response is read.
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

#[derive(Debug)]
pub struct WireError(pub String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WireError {}

#[derive(Clone)]
pub struct TokenHttp {
    client: reqwest::Client,
    api_type: ApiType,
}

impl TokenHttp {
    pub fn new(client: reqwest::Client, api_type: ApiType) -> Self {
        Self { client, api_type }
    }

    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, WireError> {
        let (parts, body) = request.into_parts();
        let (content_type, body) = match self.api_type {
            ApiType::Form => ("application/x-www-form-urlencoded", body),
            ApiType::Json => ("application/json", form_to_json(&body)),
        };
        let mut builder = self
            .client
            .request(parts.method, parts.uri.to_string())
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, content_type);
        for (name, value) in &parts.headers {
            if name != header::CONTENT_TYPE && name != header::ACCEPT {
                builder = builder.header(name, value);
            }
        }
        let response = builder
            .body(body)
            .send()
            .await
            .map_err(|error| WireError(describe_reqwest(error)))?;
        let status = response.status();
        let headers = response.headers().clone();
        let mut bytes = Vec::new();
        let mut response = response;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| WireError(describe_reqwest(error)))?
        {
            if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(WireError("the token endpoint's answer is too large".into()));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(normalize(status, &headers, bytes))
    }
}

impl<'c> oauth2::AsyncHttpClient<'c> for TokenHttp {
    type Error = WireError;
    type Future =
        std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse, WireError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

/// reqwest's Display of a URL error includes the URL; token URLs carry no secrets, but
/// the chain is what tells "connection refused" from "certificate unknown".
pub(super) fn describe_reqwest(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn form_to_json(body: &[u8]) -> Vec<u8> {
    let object: Map<String, Value> = url::form_urlencoded::parse(body)
        .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
        .collect();
    serde_json::to_vec(&Value::Object(object)).unwrap_or_default()
}

fn normalize(status: StatusCode, headers: &oauth2::http::HeaderMap, body: Vec<u8>) -> HttpResponse {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let parsed: Option<Map<String, Value>> = if is_form {
        Some(
            url::form_urlencoded::parse(&body)
                .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
                .collect(),
        )
    } else {
        serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|value| value.as_object().cloned())
    };
    let Some(mut object) = parsed else {
        // Not JSON: leave it to oauth2 to report (an HTML error page, say).
        let mut response = HttpResponse::new(body);
        *response.status_mut() = status;
        return response;
    };
    let status = if object.contains_key("error") {
        if status.is_success() {
            StatusCode::BAD_REQUEST
        } else {
            status
        }
    } else if status.is_success() {
        fix_token_fields(&mut object);
        StatusCode::OK
    } else {
        status
    };
    let mut response =
        HttpResponse::new(serde_json::to_vec(&Value::Object(object)).unwrap_or_default());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn fix_token_fields(object: &mut Map<String, Value>) {
    match object.get("token_type") {
        Some(Value::String(_)) => {}
        _ => {
            object.insert("token_type".into(), Value::String("Bearer".into()));
        }
    }
    if let Some(expires_in) = object.get("expires_in").cloned() {
        let seconds = match &expires_in {
            Value::String(text) => text.trim().parse::<f64>().ok(),
            Value::Number(number) => number.as_f64(),
            _ => None,
        };
        match seconds.filter(|s| s.is_finite() && *s >= 0.0) {
            Some(seconds) => {
                object.insert("expires_in".into(), Value::from(seconds.round() as u64));
            }
            None => {
                object.remove("expires_in");
            }
        }
    }
    if let Some(Value::Array(scopes)) = object.get("scope") {
        let joined = scopes
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        object.insert("scope".into(), Value::String(joined));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(response: &HttpResponse) -> Value {
        serde_json::from_slice(response.body()).unwrap()
    }

    #[test]
    fn form_body_becomes_a_json_object() {
        let json: Value = serde_json::from_slice(&form_to_json(
            b"grant_type=authorization_code&code=a%2Bb&client_secret=x%2F%3D%25",
        ))
        .unwrap();
        assert_eq!(json["grant_type"], "authorization_code");
        assert_eq!(json["code"], "a+b");
        assert_eq!(json["client_secret"], "x/=%");
    }

    #[test]
    fn provider_variations_are_smoothed() {
        let headers = oauth2::http::HeaderMap::new();
        let response = normalize(
            StatusCode::CREATED,
            &headers,
            br#"{"access_token":"a","expires_in":"3600","scope":["x","y"]}"#.to_vec(),
        );
        assert_eq!(response.status(), StatusCode::OK);
        let json = body(&response);
        assert_eq!(json["token_type"], "Bearer");
        assert_eq!(json["expires_in"], 3600);
        assert_eq!(json["scope"], "x y");
    }

    #[test]
    fn error_with_200_becomes_an_error() {
        let headers = oauth2::http::HeaderMap::new();
        let response = normalize(
            StatusCode::OK,
            &headers,
            br#"{"error":"invalid_grant","error_description":"expired"}"#.to_vec(),
        );
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn form_encoded_answers_are_read() {
        let mut headers = oauth2::http::HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let response = normalize(
            StatusCode::OK,
            &headers,
            b"access_token=a&token_type=bearer".to_vec(),
        );
        assert_eq!(body(&response)["access_token"], "a");
    }
}
