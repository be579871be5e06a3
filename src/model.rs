//! The integration model: types, field names and validation. No I/O.

mod certificate;
mod edit;
mod field;
mod integration;
mod preset;
mod secret;
mod validation;

pub use certificate::{CertificateSummary, fingerprint, parse_pem, summarise_der};
pub use edit::{field_text, set_field};
pub use field::Field;
pub use integration::{
    ApiType, AuthKind, Authentication, ClientAuthentication, DEFAULT_RETRY_INTERVAL, Header,
    HttpMethod, Integration, NAME_MAX_CHARS, OAuthSettings, RETRY_INTERVAL_RANGE,
    is_sensitive_header,
};
pub use preset::{Preset, PresetParameter, find_preset, preset_keys, presets};
pub use secret::{
    MASK, Secret, UrlSecret, UrlSecretSlot, mask_url, masked_url_secret, restore_masked_url,
    url_secret_values, url_secrets,
};
pub use validation::{FieldError, Validation, check_unique_name, names_match, validate};
