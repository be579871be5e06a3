//! An Atlassian-like cloud for tests: the strict JSON provider (JSON-only token
//! endpoint, credentials in the body, rotating refresh tokens) behind Atlassian's paths,
//! the accessible-resources list with two sites, and Jira's REST API v2 issue endpoint,
//! which checks the Bearer token (issued here and not expired) and the issue's fields.

use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

use super::cli::run_with_input;
use super::provider::{self, ProviderState, SECRET, Style};
use super::{Request, Response, TestServer};

/// The two sites the grant reaches: (cloud id, name, site URL).
pub const SITES: [(&str, &str, &str); 2] = [
    (
        "11111111-aaaa-4bbb-8ccc-000000000001",
        "acme",
        "https://acme.atlassian.net",
    ),
    (
        "22222222-aaaa-4bbb-8ccc-000000000002",
        "beta-corp",
        "https://beta-corp.atlassian.net",
    ),
];

/// An issue the API created.
#[derive(Debug, Clone)]
pub struct CreatedIssue {
    pub cloud_id: String,
    pub key: String,
    pub bearer: String,
    pub fields: serde_json::Value,
}

pub struct AtlassianCloud {
    pub server: TestServer,
    pub provider: Arc<Mutex<ProviderState>>,
    pub issues: Arc<Mutex<Vec<CreatedIssue>>>,
    /// Authorize requests' query parameters, to check what was asked for.
    pub authorize_queries: Arc<Mutex<Vec<std::collections::HashMap<String, String>>>>,
}

impl AtlassianCloud {
    pub async fn start(access_expires_in: i64) -> AtlassianCloud {
        let provider = Arc::new(Mutex::new(ProviderState {
            access_expires_in,
            ..ProviderState::default()
        }));
        let issues = Arc::new(Mutex::new(Vec::new()));
        let authorize_queries = Arc::new(Mutex::new(Vec::new()));
        let (state, created, queries) =
            (provider.clone(), issues.clone(), authorize_queries.clone());
        let server = TestServer::start(move |request| {
            if request.path == "/authorize" {
                queries.lock().unwrap().push(request.query_map());
            }
            route(&state, &created, request)
        })
        .await;
        AtlassianCloud {
            server,
            provider,
            issues,
            authorize_queries,
        }
    }

    /// `hookconsole add --preset jira-cloud --name Jira` on `home`, the client secret
    /// typed in: every URL of the preset overridden to this cloud, the webhook URL left
    /// empty, so that it comes from the chosen site.
    pub fn add_preset(&self, home: &Path) -> Output {
        let url = |path: &str| self.server.url(path);
        run_with_input(
            home,
            &[
                "add",
                "--preset",
                "jira-cloud",
                "--name",
                "Jira",
                "--client-id",
                "hiab-client",
                "--token-url",
                &url("/oauth/token"),
                "--authorize-url",
                &url("/authorize"),
                "--sites-url",
                &url("/oauth/token/accessible-resources"),
                "--site-url",
                &url("/ex/jira/{id}/rest/api/2/issue"),
            ],
            &format!("{SECRET}\n"),
        )
    }

    pub fn token_requests(&self) -> usize {
        self.provider.lock().unwrap().token_requests
    }

    pub fn refresh_reuse(&self) -> usize {
        self.provider.lock().unwrap().refresh_reuse
    }

    pub fn grants_revoked_by_reuse(&self) -> usize {
        self.provider.lock().unwrap().grants_revoked_by_reuse
    }

    /// The token endpoint waits this long before it answers (after it has rotated).
    pub fn delay_token_answers(&self, delay: std::time::Duration) {
        self.provider.lock().unwrap().answer_delay = delay;
    }

    /// See [`ProviderState::let_reuse_intervals_pass`].
    pub fn let_reuse_intervals_pass(&self) {
        self.provider.lock().unwrap().let_reuse_intervals_pass();
    }

    pub fn issues(&self) -> Vec<CreatedIssue> {
        self.issues.lock().unwrap().clone()
    }
}

fn route(
    state: &Mutex<ProviderState>,
    issues: &Mutex<Vec<CreatedIssue>>,
    request: &Request,
) -> Response {
    match request.path.as_str() {
        "/authorize" | "/oauth/token" => provider::handle(Style::StrictJson, state, request),
        "/oauth/token/accessible-resources" => {
            if request.method != "GET" {
                return Response::status(405);
            }
            if !state
                .lock()
                .unwrap()
                .bearer_is_live(request.header("authorization"))
            {
                return unauthorized();
            }
            let sites: Vec<_> = SITES
                .iter()
                .map(|(id, name, url)| {
                    serde_json::json!({
                        "id": id,
                        "name": name,
                        "url": url,
                        "scopes": ["read:jira-work", "write:jira-work"],
                        "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png"
                    })
                })
                .collect();
            Response::json(200, serde_json::Value::Array(sites))
        }
        path => match issue_path(path) {
            Some(cloud_id) => create_issue(state, issues, cloud_id, request),
            None => Response::status(404),
        },
    }
}

/// `/ex/jira/<cloud id>/rest/api/2/issue` → the cloud id of a known site.
fn issue_path(path: &str) -> Option<String> {
    let cloud_id = path
        .strip_prefix("/ex/jira/")?
        .strip_suffix("/rest/api/2/issue")?;
    SITES
        .iter()
        .any(|(id, _, _)| *id == cloud_id)
        .then(|| cloud_id.to_string())
}

fn create_issue(
    state: &Mutex<ProviderState>,
    issues: &Mutex<Vec<CreatedIssue>>,
    cloud_id: String,
    request: &Request,
) -> Response {
    if request.method != "POST" {
        return Response::status(405);
    }
    let authorization = request.header("authorization");
    if !state.lock().unwrap().bearer_is_live(authorization) {
        return unauthorized();
    }
    if !request
        .header("content-type")
        .is_some_and(|value| value.starts_with("application/json"))
    {
        return errors(415, "Content-Type must be application/json");
    }
    let Some(body) = request.json() else {
        return errors(400, "the body is not JSON");
    };
    let fields = &body["fields"];
    if fields["project"]["key"] != "TEST" {
        return errors(400, "project: valid project is required");
    }
    if !fields["issuetype"]["name"].is_string() {
        return errors(400, "issuetype: valid issue type is required");
    }
    let Some(summary) = fields["summary"].as_str().filter(|s| !s.is_empty()) else {
        return errors(400, "summary: You must specify a summary of the issue.");
    };
    // Jira's own rules for the field.
    if summary.contains('\n') || summary.chars().count() > 255 {
        return errors(
            400,
            "summary: The summary must be less than 255 characters and on one line.",
        );
    }
    let mut issues = issues.lock().unwrap();
    let number = issues.len() + 1;
    let key = format!("TEST-{number}");
    issues.push(CreatedIssue {
        cloud_id: cloud_id.clone(),
        key: key.clone(),
        bearer: authorization.unwrap_or_default().to_string(),
        fields: fields.clone(),
    });
    Response::json(
        201,
        serde_json::json!({
            "id": format!("{}", 10000 + number),
            "key": key,
            "self": format!("https://api.atlassian.com/ex/jira/{cloud_id}/rest/api/2/issue/{}", 10000 + number),
        }),
    )
}

fn unauthorized() -> Response {
    Response::json(
        401,
        serde_json::json!({"code": 401, "message": "Unauthorized; scope does not match"}),
    )
}

/// Jira's error shape.
fn errors(status: u16, message: &str) -> Response {
    Response::json(
        status,
        serde_json::json!({"errorMessages": [], "errors": {"field": message}}),
    )
}
