//! `sites NAME [--choose SITE]`, and the site step that ends `authorize` for an
//! integration whose URL comes from the site the grant reaches (Jira Cloud).

use serde_json::json;

use super::output::print_json;
use super::{CliError, CliResult, Problem, oauth_integration};
use crate::home::Home;
use crate::model::{Authentication, shell_command};
use crate::oauth::{OAuthError, SiteOutcome};

/// After a successful authorization: an integration waiting for its site gets it now
/// (the only site, or `wanted`); with several sites and none named, they are listed
/// with the command that chooses one. The authorization stands either way.
pub fn after_authorization(home: &Home, name: &str, wanted: Option<&str>) -> CliResult {
    match block_on(home.finish_authorization(name, wanted))? {
        Some(outcome) => report(name, &outcome),
        None => Ok(()),
    }
}

pub fn sites(home: &Home, name: &str, choose: Option<&str>, json: bool) -> CliResult {
    let integration = oauth_integration(home, name)?;
    if let Some(wanted) = choose {
        let outcome = block_on(home.choose_site(&integration.name, wanted))?;
        return report(&integration.name, &outcome);
    }
    let Authentication::OAuth(oauth) = &integration.authentication else {
        unreachable!("oauth_integration checked the kind");
    };
    if !oauth.discovers_site() {
        return Err(CliError::input(format!(
            "Sites URL: `{}` has none (set sites_url and site_url, or use --preset jira-cloud)",
            integration.name
        )));
    }
    let at = home.site_context(&integration.name).map_err(failed)?;
    let sites = block_on(at.sites())?;
    if json {
        let rows: Vec<_> = sites
            .iter()
            .map(|site| json!({"id": site.id, "name": site.name, "url": site.url}))
            .collect();
        print_json(&rows)?;
    } else {
        for site in &sites {
            say!("{:<24} {:<40} {}", site.name, site.url, site.id)?;
        }
    }
    Ok(())
}

fn failed(error: OAuthError) -> CliError {
    CliError::Failed(error.into())
}

fn block_on<T>(
    work: impl std::future::Future<Output = Result<T, OAuthError>>,
) -> Result<T, CliError> {
    crate::home::single_thread_runtime()?
        .block_on(work)
        .map_err(failed)
}

/// Several sites and none named is a question, not a failure: the sites are listed
/// with the command that answers it. A site asked for that is not there is an error.
fn report(name: &str, outcome: &SiteOutcome) -> CliResult {
    say!("{}", outcome.describe(name))?;
    let sites = match outcome {
        SiteOutcome::Set { .. } | SiteOutcome::Kept { .. } => return Ok(()),
        SiteOutcome::Choose(sites) | SiteOutcome::NotFound { sites, .. } => sites,
    };
    for site in sites {
        say!("  {}", site.label())?;
    }
    let example = sites.first().map_or("NAME", |site| site.name.as_str());
    let command = shell_command(&["hookconsole", "sites", name, "--choose", example]);
    let how = format!("choose the site: {command}");
    match outcome {
        SiteOutcome::NotFound { wanted, .. } => Err(CliError::Input(vec![
            Problem::new(format!("no site matches `{wanted}`"))
                .with_field("--choose")
                .with_hint(how),
        ])),
        _ => {
            say!("{how}")?;
            Ok(())
        }
    }
}
