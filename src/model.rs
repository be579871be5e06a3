//! The integration model: types, field names and validation, and the appliance's
//! settings. No I/O.

mod certificate;
mod destination;
mod edit;
mod field;
mod grant;
mod header_rules;
mod hold;
mod integration;
mod missing_secrets;
mod plain_http;
mod preset;
mod secret;
mod settings;
mod shell;
mod signing;
mod validation;

pub use certificate::{CertificateSummary, certificate_pem, fingerprint, parse_pem, summarise_der};
pub use destination::{
    ALLOW_LINK_LOCAL_SETTING, DestinationPolicy, RefusedDestination, destination_problems,
    destination_urls, refused_address,
};
pub use edit::{field_text, set_field};
pub use field::Field;
pub use grant::Grant;
pub use header_rules::{client_owned_header, header_problems};
pub use hold::{AuthorizationWait, HoldReason};
pub use integration::{
    ApiType, AuthKind, Authentication, ClientAuthentication, DEFAULT_RETRY_INTERVAL, Header,
    HttpMethod, Integration, NAME_MAX_CHARS, OAuthSettings, RETRY_INTERVAL_RANGE,
    is_sensitive_header,
};
pub use missing_secrets::MissingSecret;
pub use plain_http::{PlainHttpCredentials, plain_http_credentials};
pub use preset::{Preset, PresetFieldError, PresetParameter, find_preset, preset_keys, presets};
pub use secret::{
    MASK, Secret, UrlSecret, UrlSecretSlot, mask_url, masked_url_secret, restore_masked_url,
    url_secret_values, url_secrets,
};
pub use settings::{
    DEFAULT_CONCURRENCY, DEFAULT_CONCURRENCY_PER_INTEGRATION, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_ATTEMPTS, DEFAULT_REQUEST_TIMEOUT, DEFAULT_RETENTION_DAYS, DEFAULT_RETENTION_ROWS,
    DEFAULT_SOCKET_IDLE_TIMEOUT, DEFAULT_SOCKET_MAX_CONNECTIONS, DEFAULT_SOCKET_MAX_LINE_BYTES,
    PROXY_NONE, ProxyCredentials, SettingError, Settings,
};
pub use shell::{shell_command, shell_word};
pub use signing::{
    DEFAULT_SIGNING_OVERLAP, NoRandomness, RetiringSecret, SIGNING_SECRET_PREFIX, Signing,
    SigningChange, change_signing, new_signing_secret, parse_overlap, signing_key,
    signing_problems,
};
pub use validation::{
    EMPTY_CONTENT_SAMPLE, FieldError, Validation, check_unique_name, name_key, names_match,
    validate, validate_stored, validate_with,
};
