//! Site discovery after authorization. A grant on Atlassian reaches one or more Jira
//! sites, each with its own API base; the sites list (accessible-resources) names them,
//! and the chosen one gives the webhook URL of an integration whose URL was left empty.

use serde::Deserialize;

use super::error::OAuthError;
use super::wire::describe_reqwest;
use crate::http::HttpOptions;
use crate::model::{Authentication, Integration, OAuthSettings, Secret};
use crate::store::{IntegrationStore, StoreError, TokenStore};

/// One site the grant reaches, as the sites list gives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Site {
    /// Atlassian's cloud id: what `{id}` in the site URL pattern stands for.
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub url: String,
}

impl Site {
    /// `name (url)`, for lists.
    pub fn label(&self) -> String {
        match (self.name.is_empty(), self.url.is_empty()) {
            (false, false) => format!("{} ({})", self.name, self.url),
            (false, true) => self.name.clone(),
            (true, false) => self.url.clone(),
            (true, true) => self.id.clone(),
        }
    }
}

/// What the site step works with for one integration of a home, read afresh (an edit
/// or a settings change made meanwhile counts): the integration, its store, a token
/// provider and the integration's own HTTP client. `Home::site_context` makes one.
pub struct SiteContext {
    pub integration: Integration,
    pub store: IntegrationStore,
    pub tokens: super::TokenProvider,
    pub client: reqwest::Client,
}

impl SiteContext {
    /// The context of `integration` (as `store` holds it), its client built from
    /// `options`.
    pub fn new(
        integration: Integration,
        store: IntegrationStore,
        options: HttpOptions,
        tokens: TokenStore,
    ) -> Result<SiteContext, OAuthError> {
        let client = crate::http::build_client(&integration, &options)
            .map_err(|error| OAuthError::Configuration(error.to_string()))?
            .client;
        let tokens = super::TokenProvider::with_http_options(tokens, options);
        Ok(SiteContext {
            integration,
            store,
            tokens,
            client,
        })
    }

    /// [`choose_site`] for this integration.
    pub async fn choose(
        &self,
        wanted: Option<&str>,
        only_if_empty: bool,
    ) -> Result<SiteOutcome, OAuthError> {
        choose_site(
            &self.store,
            &self.tokens,
            &self.client,
            &self.integration,
            wanted,
            only_if_empty,
        )
        .await
    }

    /// The sites the integration's authorization reaches.
    pub async fn sites(&self) -> Result<Vec<Site>, OAuthError> {
        let Authentication::OAuth(oauth) = &self.integration.authentication else {
            return Err(OAuthError::Configuration(format!(
                "`{}` does not use OAuth",
                self.integration.name
            )));
        };
        let token = self.tokens.bearer_token(&self.integration).await?;
        list_sites(&self.client, oauth, &token).await
    }
}

/// The sites `token` reaches, from the integration's Sites URL. `client` is the
/// integration's own HTTP client (its trust and proxy settings).
pub async fn list_sites(
    client: &reqwest::Client,
    oauth: &OAuthSettings,
    token: &Secret,
) -> Result<Vec<Site>, OAuthError> {
    let answer = client
        .get(oauth.sites_url.trim())
        .bearer_auth(token.expose())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|error| OAuthError::Http(format!("sites list: {}", describe_reqwest(error))))?;
    let status = answer.status();
    // A sites list is a few hundred bytes; a body past the cap is not one.
    let mut answer = answer;
    let mut body = Vec::new();
    while let Some(chunk) = answer
        .chunk()
        .await
        .map_err(|error| OAuthError::Http(format!("sites list: {}", describe_reqwest(error))))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > SITES_BODY_LIMIT {
            return Err(OAuthError::Protocol(format!(
                "the sites list is larger than {} KiB",
                SITES_BODY_LIMIT / 1024
            )));
        }
    }
    if !status.is_success() {
        return Err(OAuthError::Http(format!(
            "the sites list answered HTTP {status}{}",
            if status == reqwest::StatusCode::UNAUTHORIZED {
                " (the access token was refused: authorize again)"
            } else {
                ""
            }
        )));
    }
    let sites = serde_json::from_slice::<Vec<Site>>(&body).map_err(|error| {
        OAuthError::Protocol(format!(
            "the sites list is not a JSON array of sites with an id: {error}"
        ))
    })?;
    // Names and URLs from the network reach the terminal: no control characters.
    Ok(sites
        .into_iter()
        .map(|site| Site {
            id: site.id,
            name: printable(&site.name),
            url: printable(&site.url),
        })
        .collect())
}

const SITES_BODY_LIMIT: usize = 1024 * 1024;

fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// The webhook URL for `site`: the pattern with `{id}` replaced, the id encoded as
/// one path segment.
pub fn site_webhook_url(oauth: &OAuthSettings, site: &Site) -> String {
    let id: String = url::form_urlencoded::byte_serialize(site.id.as_bytes()).collect();
    oauth
        .site_url
        .trim()
        .replace("{id}", &id.replace('+', "%20"))
}

/// The site a person named: by id, name (any case), URL or host.
pub fn find_site<'a>(sites: &'a [Site], wanted: &str) -> Option<&'a Site> {
    let wanted = wanted.trim();
    let host = |url: &str| {
        url::Url::parse(url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_string))
    };
    sites.iter().find(|site| {
        site.id == wanted
            || site.name.eq_ignore_ascii_case(wanted)
            || site.url.trim_end_matches('/') == wanted.trim_end_matches('/')
            || host(&site.url).is_some_and(|host| host.eq_ignore_ascii_case(wanted))
    })
}

/// What choosing a site did to the stored integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteChoice {
    /// The URL was set.
    Set { url: String },
    /// The integration had a URL by then (set by hand, or by another session): kept.
    Kept { url: String },
}

/// Sets the stored integration's URL from `site`. With `only_if_empty`, a URL that is
/// there by now is kept: a URL given explicitly (a proxy, a test server) wins.
pub fn store_site(
    store: &IntegrationStore,
    name: &str,
    site: &Site,
    only_if_empty: bool,
) -> Result<SiteChoice, StoreError> {
    let mut choice = None;
    store.modify(|stored| {
        let integration = stored
            .iter_mut()
            .find(|integration| crate::model::names_match(&integration.name, name))
            .ok_or_else(|| StoreError::NotFound(name.into()))?;
        let Authentication::OAuth(oauth) = &integration.authentication else {
            return Err(StoreError::NotFound(name.into()));
        };
        if only_if_empty && !integration.url.trim().is_empty() {
            choice = Some(SiteChoice::Kept {
                url: integration.url.clone(),
            });
            return Ok(());
        }
        let url = site_webhook_url(oauth, site);
        integration.url = url.clone();
        choice = Some(SiteChoice::Set { url });
        Ok(())
    })?;
    Ok(choice.expect("modify ran the change"))
}

/// What looking for the site after an authorization came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteOutcome {
    /// The sites list gave the URL (the only site, or the one asked for).
    Set { site: Site, url: String },
    /// The integration has a URL by now; it is kept.
    Kept { url: String },
    /// Several sites and none named: the person chooses.
    Choose(Vec<Site>),
    /// `wanted` names none of these sites.
    NotFound { wanted: String, sites: Vec<Site> },
}

impl SiteOutcome {
    /// One line for the CLI and the TUI's status line.
    pub fn describe(&self, name: &str) -> String {
        match self {
            SiteOutcome::Set { site, url } => {
                format!(
                    "`{name}` delivers to site {}: URL set to {url}",
                    site.label()
                )
            }
            SiteOutcome::Kept { url } => format!("`{name}` keeps its URL {url}"),
            SiteOutcome::Choose(sites) => format!(
                "the authorization reaches {} sites: choose one for `{name}`",
                sites.len()
            ),
            SiteOutcome::NotFound { wanted, sites } => format!(
                "no site `{wanted}` among {}",
                sites.iter().map(Site::label).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

/// Lists the sites with the integration's token and sets its URL from the one
/// `wanted` names, or from the only one. With `only_if_empty` (right after an
/// authorization) a URL present by then is kept.
pub async fn choose_site(
    store: &IntegrationStore,
    tokens: &super::TokenProvider,
    client: &reqwest::Client,
    integration: &Integration,
    wanted: Option<&str>,
    only_if_empty: bool,
) -> Result<SiteOutcome, OAuthError> {
    let Authentication::OAuth(oauth) = &integration.authentication else {
        return Err(OAuthError::Configuration(format!(
            "`{}` does not use OAuth",
            integration.name
        )));
    };
    if !oauth.discovers_site() {
        return Err(OAuthError::Configuration(format!(
            "`{}` has no Sites URL and Site URL pattern to choose a site with",
            integration.name
        )));
    }
    let token = tokens.bearer_token(integration).await?;
    let sites = list_sites(client, oauth, &token).await?;
    let site = match (wanted, sites.as_slice()) {
        (_, []) => {
            return Err(OAuthError::Protocol(
                "the authorization reaches no site: grant access to a site at the provider".into(),
            ));
        }
        (Some(wanted), _) => match find_site(&sites, wanted) {
            Some(site) => site.clone(),
            None => {
                return Ok(SiteOutcome::NotFound {
                    wanted: wanted.to_string(),
                    sites,
                });
            }
        },
        (None, [only]) => only.clone(),
        (None, _) => return Ok(SiteOutcome::Choose(sites)),
    };
    let store = store.clone();
    let name = integration.name.clone();
    let chosen = site.clone();
    let choice =
        tokio::task::spawn_blocking(move || store_site(&store, &name, &chosen, only_if_empty))
            .await
            .map_err(|error| OAuthError::Protocol(error.to_string()))??;
    Ok(match choice {
        SiteChoice::Set { url } => SiteOutcome::Set { site, url },
        SiteChoice::Kept { url } => SiteOutcome::Kept { url },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites() -> Vec<Site> {
        serde_json::from_str(
            r#"[{"id":"1324a887-45db-1bf4-1e99-ef0ff456d421","name":"acme","url":"https://acme.atlassian.net","scopes":["write:jira-work"],"avatarUrl":"https://x/y.png"},
                {"id":"a b","name":"Other","url":"https://other.atlassian.net"}]"#,
        )
        .unwrap()
    }

    #[test]
    fn a_site_is_found_by_id_name_url_or_host() {
        let sites = sites();
        for wanted in [
            "1324a887-45db-1bf4-1e99-ef0ff456d421",
            "ACME",
            "https://acme.atlassian.net/",
            "acme.atlassian.net",
        ] {
            assert_eq!(find_site(&sites, wanted).unwrap().name, "acme", "{wanted}");
        }
        assert!(find_site(&sites, "nowhere").is_none());
    }

    #[test]
    fn the_pattern_takes_the_id_as_one_path_segment() {
        let oauth = OAuthSettings {
            site_url: "https://api.atlassian.com/ex/jira/{id}/rest/api/2/issue".into(),
            ..OAuthSettings::default()
        };
        let sites = sites();
        assert_eq!(
            site_webhook_url(&oauth, &sites[0]),
            "https://api.atlassian.com/ex/jira/1324a887-45db-1bf4-1e99-ef0ff456d421/rest/api/2/issue"
        );
        assert_eq!(
            site_webhook_url(&oauth, &sites[1]),
            "https://api.atlassian.com/ex/jira/a%20b/rest/api/2/issue"
        );
    }
}
