//! The client's own credentials as a token, revocation or device request sends them
//! with HTTP Basic (RFC 6749 section 2.3.1): the client id and secret each
//! form-encoded, joined by a colon, then Base64. One place, for the requests that
//! send them and for the masking of what a provider may quote back of them.

use base64::Engine;

use crate::model::OAuthSettings;

/// A text form-encoded as `application/x-www-form-urlencoded` encodes it.
pub(super) fn form_encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The Base64 credentials of an `Authorization: Basic …` header for `settings`.
pub(super) fn basic_credentials(settings: &OAuthSettings) -> String {
    base64_of(&format!(
        "{}:{}",
        form_encoded(&settings.client_id),
        form_encoded(settings.client_secret.expose())
    ))
}

/// The same without the form-encoding, as some clients send them: what a provider
/// quoting such a request would show.
pub(super) fn basic_credentials_unencoded(settings: &OAuthSettings) -> String {
    base64_of(&format!(
        "{}:{}",
        settings.client_id,
        settings.client_secret.expose()
    ))
}

fn base64_of(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Secret;

    #[test]
    fn each_part_is_form_encoded_before_base64() {
        let settings = OAuthSettings {
            client_id: "id:1".into(),
            client_secret: Secret::new("s e+c"),
            ..OAuthSettings::default()
        };
        // "id%3A1:s+e%2Bc"
        assert_eq!(basic_credentials(&settings), "aWQlM0ExOnMrZSUyQmM=");
        assert_eq!(basic_credentials_unencoded(&settings), "aWQ6MTpzIGUrYw==");
    }
}
