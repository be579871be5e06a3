//! The editor's panes (the portal's tabs) and the focusable slots of each.

use crate::model::{AuthKind, Field, Grant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Settings,
    Authentication,
    Certificate,
    ContentSample,
}

impl Pane {
    pub const ALL: [Pane; 4] = [
        Pane::Settings,
        Pane::Authentication,
        Pane::Certificate,
        Pane::ContentSample,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Settings => "SETTINGS",
            Pane::Authentication => "AUTHENTICATION",
            Pane::Certificate => "CERTIFICATE",
            Pane::ContentSample => "CONTENT SAMPLE",
        }
    }

    fn index(self) -> usize {
        Pane::ALL.iter().position(|&pane| pane == self).unwrap_or(0)
    }

    pub fn next(self) -> Pane {
        Pane::ALL[(self.index() + 1) % Pane::ALL.len()]
    }

    pub fn previous(self) -> Pane {
        Pane::ALL[(self.index() + Pane::ALL.len() - 1) % Pane::ALL.len()]
    }

    /// The pane a field is edited on.
    pub fn of(field: Field) -> Pane {
        match field {
            Field::Name
            | Field::Url
            | Field::RetryInterval
            | Field::HttpMethod
            | Field::HttpHeaders
            | Field::Enabled
            | Field::Signing => Pane::Settings,
            Field::Certificate => Pane::Certificate,
            Field::ContentSample => Pane::ContentSample,
            _ => Pane::Authentication,
        }
    }
}

/// Something on a pane that takes the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    /// A text or choice field, parsed through `model::set_field`.
    Field(Field),
    HeaderName(usize),
    HeaderValue(usize),
    AddHeader,
    CertificatePath,
    RemoveCertificate,
    Content,
    /// AUTHORIZE, on the AUTHENTICATION pane of an OAuth integration.
    Authorize,
    Save,
    Close,
}

impl Slot {
    /// The field whose error belongs to this slot.
    pub fn field(self) -> Option<Field> {
        match self {
            Slot::Field(field) => Some(field),
            Slot::HeaderName(_) | Slot::HeaderValue(_) | Slot::AddHeader => {
                Some(Field::HttpHeaders)
            }
            Slot::CertificatePath | Slot::RemoveCertificate => Some(Field::Certificate),
            Slot::Content => Some(Field::ContentSample),
            Slot::Authorize | Slot::Save | Slot::Close => None,
        }
    }

    pub fn is_text(self, field_is_choice: impl Fn(Field) -> bool) -> bool {
        match self {
            Slot::Field(field) => !field_is_choice(field),
            Slot::HeaderName(_) | Slot::HeaderValue(_) | Slot::CertificatePath | Slot::Content => {
                true
            }
            Slot::AddHeader
            | Slot::RemoveCertificate
            | Slot::Authorize
            | Slot::Save
            | Slot::Close => false,
        }
    }
}

pub const SETTINGS_FIELDS: [Field; 6] = [
    Field::Name,
    Field::Url,
    Field::RetryInterval,
    Field::HttpMethod,
    Field::Enabled,
    Field::Signing,
];

/// The Signing choices, in the order of [`choices`]: what the editor makes of each.
pub const SIGNING_OFF: usize = 0;
pub const SIGNING_ON: usize = 1;
pub const SIGNING_ROTATE: usize = 2;

pub const BASIC_FIELDS: [Field; 2] = [Field::Username, Field::Password];

/// The OAuth fields of the authorization-code grant, in screen order: a field added
/// here is on the pane (the form scrolls), parsed through `set_field` and checked like
/// the others.
pub const OAUTH_FIELDS: &[Field] = &[
    Field::Grant,
    Field::ClientId,
    Field::ClientSecret,
    Field::TokenUrl,
    Field::AuthorizeUrl,
    Field::Audience,
    Field::Scope,
    Field::AuthorizeParameters,
    Field::ApiType,
    Field::ClientAuthentication,
    Field::RevocationUrl,
    Field::SitesUrl,
    Field::SiteUrl,
];

/// The client-credentials grant's fields: no authorize step, so no Authorize URL or
/// parameters, no callback; the token request's own parameters instead. (Revocation
/// and site discovery stay with the grants a person authorizes.)
pub const CLIENT_CREDENTIALS_FIELDS: &[Field] = &[
    Field::Grant,
    Field::ClientId,
    Field::ClientSecret,
    Field::TokenUrl,
    Field::Audience,
    Field::Scope,
    Field::TokenParameters,
    Field::ApiType,
    Field::ClientAuthentication,
];

/// The device grant's fields: where a device code is asked for instead of the
/// Authorize URL, no callback URL; its tokens are refreshed and revoked as the
/// authorization code's are.
pub const DEVICE_CODE_FIELDS: &[Field] = &[
    Field::Grant,
    Field::ClientId,
    Field::ClientSecret,
    Field::TokenUrl,
    Field::DeviceAuthorizationUrl,
    Field::Audience,
    Field::Scope,
    Field::ApiType,
    Field::ClientAuthentication,
    Field::RevocationUrl,
];

/// What the Authentication choices make of the pane: the kind, and for OAuth the grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthChoice {
    pub kind: AuthKind,
    pub grant: Grant,
}

impl AuthChoice {
    /// Whether the pane has AUTHORIZE.
    pub fn authorizes(self) -> bool {
        self.kind == AuthKind::OAuth && self.grant.needs_authorize()
    }

    /// Whether the pane shows the callback URL to register.
    pub fn uses_callback(self) -> bool {
        self.kind == AuthKind::OAuth && self.grant.uses_callback()
    }
}

/// The fields of an authentication choice, in screen order.
pub fn auth_fields(choice: AuthChoice) -> &'static [Field] {
    match (choice.kind, choice.grant) {
        (AuthKind::None, _) => &[],
        (AuthKind::Basic, _) => &BASIC_FIELDS,
        (AuthKind::OAuth, Grant::AuthorizationCode) => OAUTH_FIELDS,
        (AuthKind::OAuth, Grant::ClientCredentials) => CLIENT_CREDENTIALS_FIELDS,
        (AuthKind::OAuth, Grant::DeviceCode) => DEVICE_CODE_FIELDS,
    }
}

/// The slots of a pane, in focus order. The Save and Close buttons end every pane.
pub fn slots(pane: Pane, auth: AuthChoice, headers: usize, has_certificate: bool) -> Vec<Slot> {
    let mut slots = Vec::new();
    match pane {
        Pane::Settings => {
            slots.extend(SETTINGS_FIELDS.map(Slot::Field));
            for row in 0..headers {
                slots.push(Slot::HeaderName(row));
                slots.push(Slot::HeaderValue(row));
            }
            slots.push(Slot::AddHeader);
        }
        Pane::Authentication => {
            slots.push(Slot::Field(Field::Authentication));
            slots.extend(auth_fields(auth).iter().copied().map(Slot::Field));
            if auth.authorizes() {
                slots.push(Slot::Authorize);
            }
        }
        Pane::Certificate => {
            slots.push(Slot::CertificatePath);
            if has_certificate {
                slots.push(Slot::RemoveCertificate);
            }
        }
        Pane::ContentSample => slots.push(Slot::Content),
    }
    slots.push(Slot::Save);
    slots.push(Slot::Close);
    slots
}

/// The choices of a choice field: the text `set_field` takes, and what the screen
/// shows. `None` for text fields.
pub fn choices(field: Field) -> Option<&'static [(&'static str, &'static str)]> {
    const METHODS: &[(&str, &str)] = &[
        ("", "(empty: POST)"),
        ("GET", "GET"),
        ("POST", "POST"),
        ("PUT", "PUT"),
        ("PATCH", "PATCH"),
        ("DELETE", "DELETE"),
    ];
    const ENABLED: &[(&str, &str)] = &[("yes", "yes"), ("no", "no")];
    // `set_field` reads these words (off and on); rotate is the editor's own.
    const SIGNING: &[(&str, &str)] = &[
        ("off", "off"),
        ("on", "on"),
        ("rotate", "rotate: new secret, the old one signs 24 h more"),
    ];
    const AUTH: &[(&str, &str)] = &[("none", "None"), ("basic", "Basic"), ("oauth", "OAuth")];
    const GRANTS: &[(&str, &str)] = &[
        ("authorization_code", "Authorization code"),
        ("client_credentials", "Client credentials"),
        ("device_code", "Device code"),
    ];
    const API_TYPES: &[(&str, &str)] = &[
        (
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded",
        ),
        ("application/json", "application/json"),
    ];
    const CLIENT_AUTH: &[(&str, &str)] = &[
        ("", "(default: follows the API type)"),
        ("body", "secret in body"),
        ("basic", "HTTP Basic"),
    ];
    match field {
        Field::HttpMethod => Some(METHODS),
        Field::Enabled => Some(ENABLED),
        Field::Signing => Some(SIGNING),
        Field::Authentication => Some(AUTH),
        Field::Grant => Some(GRANTS),
        Field::ApiType => Some(API_TYPES),
        Field::ClientAuthentication => Some(CLIENT_AUTH),
        _ => None,
    }
}

/// The one-line help under a focused slot.
pub fn help(slot: Slot) -> &'static str {
    match slot {
        Slot::Field(field) => match field {
            Field::Name => "Descriptive name of the integration (required, unique).",
            Field::Url => {
                "Where webhook data is sent, http:// or https://; Ctrl-R shows its secrets."
            }
            Field::RetryInterval => "Seconds between delivery retries, 1-86400 (empty: 60).",
            Field::HttpMethod => "Left/Right or Space to choose; empty means POST.",
            Field::Enabled => "Left/Right or Space: a disabled integration gets no events.",
            Field::Signing => "Standard Webhooks signature: Left/Right or Space.",
            Field::Authentication => "Left/Right or Space: None, Basic or OAuth 2.0.",
            Field::Username => "HTTP Basic user name (no `:`).",
            Field::Password => "Required for Basic. Ctrl-R shows or masks it.",
            Field::Grant => {
                "Left/Right or Space: authorization code, client credentials or device code."
            }
            Field::TokenParameters => {
                "Optional extra token parameters, e.g. resource=https://... (Entra ID v1)."
            }
            Field::ClientId => "Client ID of the OAuth app at the third party.",
            Field::ClientSecret => "Client secret of the OAuth app. Ctrl-R shows or masks it.",
            Field::TokenUrl => "The third party's OAuth token URL (https://).",
            Field::AuthorizeUrl => "The third party's OAuth authorize URL (https://).",
            Field::DeviceAuthorizationUrl => {
                "Where a device code is asked for (RFC 8628), e.g. .../oauth2/v2.0/devicecode."
            }
            Field::Audience => "Optional: check whether the third party requires it.",
            Field::Scope => "Optional, space separated: check the third party's docs.",
            Field::AuthorizeParameters => {
                "Optional extra authorize parameters, e.g. prompt=consent."
            }
            Field::ApiType => "How token requests carry their parameters: form or JSON body.",
            Field::ClientAuthentication => "Where the client secret goes in token requests.",
            Field::RevocationUrl => "Optional: x on the list then revokes the grant here too.",
            Field::SitesUrl => {
                "Optional: lists the sites a grant reaches (Jira: accessible-resources)."
            }
            Field::SiteUrl => {
                "With Sites URL: the URL to deliver to, {id} being the chosen site's id."
            }
            _ => "",
        },
        Slot::HeaderName(_) | Slot::HeaderValue(_) => {
            "Extra HTTP header sent with every delivery. Ctrl-D removes the row."
        }
        Slot::AddHeader => "Enter adds an HTTP header row.",
        Slot::CertificatePath => {
            "Path of a PEM file (Enter loads it), or paste or type the PEM text here."
        }
        Slot::RemoveCertificate => "Enter (or Ctrl-D) removes the uploaded certificate.",
        Slot::Content => "e: $EDITOR.  Enter: type here (Esc stops).  Ctrl-O: preview.",
        Slot::Authorize => {
            "Enter (or F8) saves the edits when valid, then authorizes on a phone or laptop."
        }
        Slot::Save => "Enter saves (Ctrl-S or F2 do the same).",
        Slot::Close => "Enter closes the editor (asks first when there are unsaved edits).",
    }
}
