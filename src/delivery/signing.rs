//! The `webhook-signature` header (Standard Webhooks): `v1,<base64 HMAC-SHA256 of
//! "{id}.{timestamp}.{body}">` for each secret that signs at the attempt's time, the
//! current one first, space-separated. The keys are decoded once per integration.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderValue;
use ring::hmac;

use crate::model::{Signing, signing_key};

/// The keys of an integration that signs. Holds secrets: no `Debug` of its own beyond
/// ring's, which shows the algorithm only.
#[derive(Clone)]
pub struct PayloadSigner {
    current: hmac::Key,
    /// The replaced key, and the first Unix second it no longer signs.
    previous: Option<(hmac::Key, i64)>,
}

impl PayloadSigner {
    /// The signer of `signing`, or what is wrong with its secrets (never their value).
    pub fn new(signing: &Signing) -> Result<PayloadSigner, String> {
        let key =
            |secret| signing_key(secret).map(|bytes| hmac::Key::new(hmac::HMAC_SHA256, &bytes));
        let current = key(&signing.secret).map_err(|message| format!("Signing: {message}"))?;
        let previous = match &signing.previous {
            Some(previous) => Some((
                key(&previous.secret)
                    .map_err(|message| format!("Signing: previous secret: {message}"))?,
                previous.until.unix_timestamp(),
            )),
            None => None,
        };
        Ok(PayloadSigner { current, previous })
    }

    /// The header value for the message `id` sent at `timestamp` (Unix seconds) with
    /// `body`, the exact bytes sent. An id holding `.` is refused: the signed text
    /// joins the parts with dots, so such an id could be read as another message
    /// (the specification's warning).
    pub fn header(&self, id: &str, timestamp: i64, body: &[u8]) -> Result<HeaderValue, String> {
        if id.contains('.') {
            return Err(format!(
                "the event id `{}` holds a `.`, which a signed delivery cannot carry \
                 (Standard Webhooks signs \"id.timestamp.body\")",
                id.escape_debug()
            ));
        }
        let mut signatures = signature(&self.current, id, timestamp, body);
        if let Some((key, until)) = &self.previous
            && timestamp < *until
        {
            signatures.push(' ');
            signatures.push_str(&signature(key, id, timestamp, body));
        }
        HeaderValue::from_str(&signatures)
            .map_err(|_| "the signature is not a valid header value".to_string())
    }
}

/// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, the body as bytes.
fn signature(key: &hmac::Key, id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut context = hmac::Context::with_key(key);
    context.update(id.as_bytes());
    context.update(b".");
    context.update(timestamp.to_string().as_bytes());
    context.update(b".");
    context.update(body);
    format!("v1,{}", STANDARD.encode(context.sign().as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RetiringSecret, Secret};

    fn signer(secret: &str) -> PayloadSigner {
        PayloadSigner::new(&Signing {
            secret: Secret::new(secret),
            previous: None,
        })
        .unwrap()
    }

    fn header(signer: &PayloadSigner, id: &str, timestamp: i64, body: &[u8]) -> String {
        signer
            .header(id, timestamp, body)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    }

    /// The vectors the specification's libraries publish in their tests (Python, Go,
    /// JavaScript, PHP, Ruby, C#, Java: the first; Rust: the second).
    #[test]
    fn the_published_test_vectors() {
        let first = signer("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assert_eq!(
            header(
                &first,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let second = signer("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
        assert_eq!(
            header(
                &second,
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                1649367553,
                br#"{"email":"test@example.com","username":"test_user"}"#
            ),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }

    #[test]
    fn a_changed_byte_id_or_timestamp_changes_the_signature() {
        let signer = signer("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = br#"{"test": 2432232314}"#;
        let signed = header(&signer, id, 1614265330, body);
        let mut altered = body.to_vec();
        altered[10] ^= 0x01;
        assert_ne!(header(&signer, id, 1614265330, &altered), signed);
        assert_ne!(header(&signer, id, 1614265331, body), signed);
        assert_ne!(
            header(&signer, "msg_p5jXN8AQM9LWM0D4loKWxJeK", 1614265330, body),
            signed
        );
    }

    #[test]
    fn during_a_rotation_both_secrets_sign_the_current_one_first() {
        let until = time::macros::datetime!(2021-02-25 16:00 UTC);
        let rotated = PayloadSigner::new(&Signing {
            secret: Secret::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
            previous: Some(RetiringSecret {
                secret: Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
                until,
            }),
        })
        .unwrap();
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = br#"{"test": 2432232314}"#;
        let current = header(
            &signer("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
            id,
            1614265330,
            body,
        );
        let both = header(&rotated, id, 1614265330, body);
        assert_eq!(
            both,
            format!("{current} v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        // From the end of the overlap on, only the current one.
        assert_eq!(
            header(&rotated, id, until.unix_timestamp(), body)
                .split(' ')
                .count(),
            1
        );
    }

    #[test]
    fn an_id_with_a_dot_is_refused_and_a_bad_secret_is_named_not_shown() {
        let signer = signer("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let error = signer.header("evt.1", 1, b"{}").unwrap_err();
        assert!(error.contains("`evt.1` holds a `.`"), "{error}");
        let error = PayloadSigner::new(&Signing {
            secret: Secret::new("whsec_c2hvcnQ="),
            previous: None,
        })
        .err()
        .unwrap();
        assert!(
            error.starts_with("Signing: the secret's key must be"),
            "{error}"
        );
        assert!(!error.contains("c2hvcnQ"), "{error}");
    }
}
