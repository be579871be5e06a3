//! The integration commands: list, show, add, set, remove, export, import.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::args::AddArgs;
use super::output::{Done, json_view, print_details, print_json, print_json_array, print_table};
use super::secrets::read_secret;
use super::{CliError, CliResult, Problem, leading_key, quoted_key, read_text};
use crate::home::Home;
use crate::model::{
    Authentication, DestinationPolicy, Field, FieldError, Grant, Header, Integration, Secret,
    SigningChange, change_signing, find_preset, name_key, names_match, new_signing_secret,
    parse_overlap, set_field, shell_command, validate_stored, validate_with,
};
use crate::store::{
    DOCUMENT_LIMIT, FIELD_LIMIT, StoreError, check_document, parse_document, to_document,
};

pub fn list(home: &Home, json: bool) -> CliResult {
    let catalog = home.catalog()?;
    let destinations = shown_destinations(home);
    if json {
        print_json_array(
            catalog
                .integrations
                .iter()
                .map(|integration| json_view(integration, destinations)),
        )?;
    } else {
        print_table(&catalog.integrations, destinations)?;
    }
    Ok(())
}

/// The destination policy `list` and `show` judge integrations by: a settings file
/// that cannot be read does not keep them from showing the integrations.
fn shown_destinations(home: &Home) -> DestinationPolicy {
    home.destinations().unwrap_or_default()
}

pub fn show(home: &Home, name: &str, json: bool) -> CliResult {
    let catalog = home.catalog()?;
    let integration = catalog
        .get(name)
        .ok_or_else(|| CliError::unknown_integration(name))?;
    let destinations = shown_destinations(home);
    if json {
        print_json(&json_view(integration, destinations))?;
    } else {
        print_details(integration)?;
        if let Some(reason) = integration.hold_reason(destinations) {
            say!("deliveries are held: {reason}")?;
        }
        for warning in validate_stored(integration, OffsetDateTime::now_utc()).warnings {
            say!("warning: {warning}")?;
        }
    }
    Ok(())
}

pub fn add(home: &Home, args: AddArgs) -> CliResult {
    let mut done = Done::new(args.json);
    let destinations = home.destinations()?;
    let (integrations, warnings) = match &args.from_file {
        Some(path) => read_document(path, destinations)?,
        None => {
            let integration = from_flags(&args, destinations)?;
            let report = validate_with(&integration, OffsetDateTime::now_utc(), destinations);
            if !report.errors.is_empty() {
                return Err(CliError::fields(&report.errors));
            }
            (vec![integration], vec![report.warnings])
        }
    };
    for warning in warnings.into_iter().flatten() {
        done.warn(warning.to_string());
    }
    let names: Vec<String> = integrations.iter().map(|i| i.name.clone()).collect();
    home.integrations_to_save()?.modify(|stored| {
        for integration in integrations {
            if let Some(existing) = stored
                .iter()
                .find(|s| names_match(&s.name, &integration.name))
            {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    Field::Name,
                    format!("an integration named `{}` already exists", existing.name),
                )]));
            }
            stored.push(integration);
        }
        Ok(())
    })?;
    for name in &names {
        done.line(format!("added {name}"));
    }
    done.set("added", names);
    done.print()?;
    Ok(())
}

/// Builds an integration from `add`'s flags. Every parse error is collected, so the
/// person sees all of them at once.
fn from_flags(args: &AddArgs, destinations: DestinationPolicy) -> Result<Integration, CliError> {
    let mut integration = match &args.preset {
        Some(key) => preset_integration(key, &args.preset_fields)?,
        None => Integration::new("", ""),
    };
    let mut errors: Vec<FieldError> = Vec::new();
    // Headers given on the command line replace the preset's.
    match parse_headers(&args.headers) {
        Ok(headers) if headers.is_empty() => {}
        Ok(headers) => integration.http_headers = headers,
        Err(error) => errors.push(error),
    }
    let mut apply = |integration: &mut Integration, field: Field, text: &str| {
        if let Err(error) = set_field(integration, field, text) {
            errors.push(error);
        }
    };
    apply(
        &mut integration,
        Field::Name,
        args.name.as_deref().unwrap_or(""),
    );
    if let Some(url) = &args.url {
        apply(&mut integration, Field::Url, url);
    }
    if let Some(seconds) = &args.retry_interval {
        apply(&mut integration, Field::RetryInterval, seconds);
    }
    if let Some(method) = &args.http_method {
        apply(&mut integration, Field::HttpMethod, method);
    }
    if let Some(path) = &args.certificate {
        apply(
            &mut integration,
            Field::Certificate,
            &read_text(path, Some("--certificate"), FIELD_LIMIT)?,
        );
    }
    if let Some(path) = &args.content_sample {
        apply(
            &mut integration,
            Field::ContentSample,
            &read_text(path, Some("--content-sample"), FIELD_LIMIT)?,
        );
    }
    integration.enabled = !args.disabled;

    let basic_flags = args.username.is_some() || args.password.is_some();
    let oauth_flags = [
        &args.grant,
        &args.client_id,
        &args.client_secret,
        &args.token_url,
        &args.authorize_url,
        &args.device_authorization_url,
        &args.audience,
        &args.scope,
        &args.authorize_parameters,
        &args.token_parameters,
        &args.revocation_url,
        &args.sites_url,
        &args.site_url,
        &args.api_type,
        &args.client_authentication,
    ]
    .iter()
    .any(|flag| flag.is_some());
    let kind = match (&args.authentication, basic_flags, oauth_flags) {
        (Some(kind), _, _) => kind.clone(),
        (None, true, false) => "basic".into(),
        (None, false, true) => "oauth".into(),
        (None, true, true) => {
            return Err(CliError::input(
                "Authentication: both Basic and OAuth flags given; choose one with --auth",
            ));
        }
        (None, false, false) => integration.authentication.kind().as_str().into(),
    };
    apply(&mut integration, Field::Authentication, &kind);
    let flags = [
        (Field::Username, &args.username),
        (Field::Grant, &args.grant),
        (Field::ClientId, &args.client_id),
        (Field::TokenUrl, &args.token_url),
        (Field::AuthorizeUrl, &args.authorize_url),
        (
            Field::DeviceAuthorizationUrl,
            &args.device_authorization_url,
        ),
        (Field::Audience, &args.audience),
        (Field::Scope, &args.scope),
        (Field::AuthorizeParameters, &args.authorize_parameters),
        (Field::TokenParameters, &args.token_parameters),
        (Field::RevocationUrl, &args.revocation_url),
        (Field::SitesUrl, &args.sites_url),
        (Field::SiteUrl, &args.site_url),
        (Field::ApiType, &args.api_type),
        (Field::ClientAuthentication, &args.client_authentication),
        (Field::Password, &args.password),
        (Field::ClientSecret, &args.client_secret),
    ];
    for (field, value) in flags {
        if let Some(value) = value {
            apply(&mut integration, field, value);
        }
    }
    match &integration.authentication {
        Authentication::Basic { password, .. } if password.is_empty() => {
            let secret = read_secret("Password")?;
            apply(&mut integration, Field::Password, &secret);
        }
        // A device-grant client may be public; its secret is asked for only when given.
        Authentication::OAuth(oauth)
            if oauth.client_secret.is_empty() && oauth.grant != Grant::DeviceCode =>
        {
            let secret = read_secret("Client Secret")?;
            apply(&mut integration, Field::ClientSecret, &secret);
        }
        _ => {}
    }
    if errors.is_empty() {
        Ok(integration)
    } else {
        // Every error at once: what validation finds in the fields that did parse.
        let invalid = validate_with(&integration, OffsetDateTime::now_utc(), destinations).errors;
        errors.extend(without_fields_of(invalid, &errors));
        Err(CliError::fields(&errors))
    }
}

/// The preset's integration with its creation-time fields (`--preset-field KEY=VALUE`).
fn preset_integration(key: &str, fields: &[String]) -> Result<Integration, CliError> {
    let preset =
        find_preset(key).map_err(|message| CliError::input(format!("--preset: {message}")))?;
    let values = fields
        .iter()
        .map(|field| {
            field
                .split_once('=')
                .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
                .ok_or_else(|| {
                    CliError::input(format!("--preset-field `{field}` is not KEY=VALUE"))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    preset
        .instantiate(&values)
        .map_err(|message| CliError::input(format!("--preset-field: {message}")))
}

/// One header per flag: a value with a line break stays in its header, where
/// validation refuses it, instead of becoming a second header.
fn parse_headers(rows: &[String]) -> Result<Vec<Header>, FieldError> {
    rows.iter()
        .filter(|row| !row.trim().is_empty())
        .map(|row| {
            Header::parse(row).map_err(|message| FieldError::new(Field::HttpHeaders, message))
        })
        .collect()
}

/// `errors` less those about a field that already has one in `reported`.
fn without_fields_of(errors: Vec<FieldError>, reported: &[FieldError]) -> Vec<FieldError> {
    errors
        .into_iter()
        .filter(|error| !reported.iter().any(|seen| seen.field == error.field))
        .collect()
}

pub fn set(home: &Home, name: &str, changes: &[String], json: bool) -> CliResult {
    let mut done = Done::new(json);
    let destinations = home.destinations()?;
    let original = home.integration(name)?;
    let mut integration = original.clone();
    let mut errors = Vec::new();
    let mut failed: Vec<FieldError> = Vec::new();
    let mut headers: Option<Vec<String>> = None;
    let (mut signing, mut overlap): (Option<&str>, Option<&str>) = (None, None);
    let mut given: Vec<&str> = Vec::new();
    for change in changes {
        let (key, value) = match change.split_once('=') {
            Some((key, value)) => (key.trim(), Some(value)),
            None => (change.trim(), None),
        };
        // `header=` rows and `http_headers=` are the same field given twice: one
        // would replace the other unseen.
        let header_field = key == "header" || Field::from_key(key) == Some(Field::HttpHeaders);
        if header_field
            && (given.contains(&"http_headers") || (key != "header" && headers.is_some()))
        {
            errors.push(
                Problem::new(
                    "`header` and `http_headers` both give the HTTP Headers: give header= once \
                     per row",
                )
                .with_field("http_headers"),
            );
            continue;
        }
        if key == "header" {
            let value = value.unwrap_or("");
            let rows = headers.get_or_insert_with(Vec::new);
            if !value.trim().is_empty() {
                rows.push(value.to_string());
            }
            continue;
        }
        // `header` adds a row each time; any other key given twice would keep the
        // last value unseen (`url=a url=b`).
        let once = match key {
            "overlap" => Some("overlap"),
            other => Field::from_key(other).map(Field::key),
        };
        if let Some(once) = once
            && given.contains(&once)
        {
            errors.push(
                Problem::new(format!("`{once}` is given twice: give each field once"))
                    .with_field(once),
            );
            continue;
        }
        given.extend(once);
        if key == "overlap" {
            overlap = Some(value.unwrap_or(""));
            continue;
        }
        let Some(field) = Field::from_key(key) else {
            // Quoted by its leading key: `password:hunter2` (`:` typed for `=`) must
            // not print the password.
            errors.push(
                Problem::new(format!("{} is not a field", quoted_key(key)))
                    .with_field(leading_key(key))
                    .with_hint(format!(
                        "fields are {}, header, and overlap (with signing=rotate)",
                        Field::ALL.map(Field::key).join(", ")
                    )),
            );
            continue;
        };
        if field == Field::Signing {
            signing = Some(value.unwrap_or(""));
            continue;
        }
        let text = match (value, field) {
            (None, field) if field.is_secret() => read_secret(field.label())?,
            (None, _) => {
                errors.push(
                    Problem::new(format!(
                        "{}: give a value, as in {key}=VALUE",
                        field.label()
                    ))
                    .with_field(field.key()),
                );
                continue;
            }
            (Some(value), Field::Certificate | Field::ContentSample) => {
                match value.strip_prefix('@') {
                    Some(rest) if !rest.starts_with('@') => {
                        read_text(Path::new(rest), Some(field.key()), FIELD_LIMIT)?
                    }
                    Some(rest) => rest.to_string(),
                    None => value.to_string(),
                }
            }
            (Some(value), _) => value.to_string(),
        };
        if let Err(error) = set_field(&mut integration, field, &text) {
            errors.push(Problem::from(&error));
            failed.push(error);
        }
    }
    if let Some(rows) = headers {
        match parse_headers(&rows) {
            Ok(parsed) => integration.http_headers = parsed,
            Err(error) => {
                errors.push(Problem::from(&error));
                failed.push(error);
            }
        }
    }
    let mut new_secret = None;
    match signing_change(signing, overlap) {
        Ok(None) => {}
        Ok(Some(change)) => new_secret = apply_signing(&mut integration, change)?,
        Err(message) => {
            errors.push(Problem::new(message).with_field(Field::Signing.key()));
            failed.push(FieldError::new(Field::Signing, ""));
        }
    }
    if !errors.is_empty() {
        // Every error at once: what validation finds in the changes that did parse.
        let invalid = validate_with(&integration, OffsetDateTime::now_utc(), destinations).errors;
        errors.extend(
            without_fields_of(invalid, &failed)
                .iter()
                .map(Problem::from),
        );
        return Err(CliError::Input(errors));
    }
    for warning in validate_with(&integration, OffsetDateTime::now_utc(), destinations).warnings {
        done.warn(warning.to_string());
    }
    let new_name = integration.name.clone();
    let previous_until = integration
        .signing
        .as_ref()
        .and_then(|signing| signing.previous.as_ref())
        .map(|previous| previous.until);
    // header= gives the whole list: what it leaves out is gone, a secret header too,
    // so it is named (never its value).
    let removed_headers: Vec<&str> = original
        .http_headers
        .iter()
        .filter(|old| {
            !integration
                .http_headers
                .iter()
                .any(|new| new.name.eq_ignore_ascii_case(&old.name))
        })
        .map(|old| old.name.as_str())
        .collect();
    let saved = home.save(Some(&original), integration)?;
    done.line(format!("updated {new_name}"));
    done.set("updated", &new_name);
    if !removed_headers.is_empty() {
        done.line(format!(
            "headers removed: {} (header= gives the whole list; name one again to keep it)",
            removed_headers.join(", ")
        ));
    }
    done.set("headers_removed", &removed_headers);
    if let Some(secret) = new_secret {
        // Shown this once, for the receiver; `export --with-secrets` shows it again.
        done.line(format!(
            "signing secret: {}\n(give it to the receiver; `{}` shows it again)",
            secret.expose(),
            shell_command(&["hookconsole", "export", &new_name, "--with-secrets"])
        ));
        done.set("signing_secret", secret.expose());
        if let Some(until) = previous_until {
            let until = until.format(&Rfc3339).unwrap_or_else(|_| until.to_string());
            done.line(format!("the previous secret signs too until {until}"));
            done.set("previous_secret_until", until);
        }
    }
    match saved.renamed {
        Some(Ok(moved)) => {
            if let Some(moved) = moved.describe() {
                done.line(moved.clone());
                done.set("moved", moved);
            }
        }
        Some(Err(error)) => return Err(CliError::Failed(anyhow::anyhow!(error))),
        None => {}
    }
    done.print()?;
    Ok(())
}

/// `signing=on|off|rotate` and `overlap=DURATION` as one change (`None`: signing was
/// not named); an error names the key it is about.
fn signing_change(
    signing: Option<&str>,
    overlap: Option<&str>,
) -> Result<Option<SigningChange>, String> {
    let Some(text) = signing else {
        return match overlap {
            Some(_) => Err("overlap: only with signing=rotate".into()),
            None => Ok(None),
        };
    };
    let field_error = |message: String| FieldError::new(Field::Signing, message).to_string();
    let change = SigningChange::parse(text).map_err(field_error)?;
    match (change, overlap) {
        (change, None) => Ok(Some(change)),
        (SigningChange::Rotate { .. }, Some(overlap)) => {
            let overlap =
                parse_overlap(overlap).map_err(|message| format!("overlap: {message}"))?;
            Ok(Some(SigningChange::Rotate { overlap }))
        }
        (_, Some(_)) => Err("overlap: only with signing=rotate".into()),
    }
}

/// Applies `change` with a secret from the system's CSPRNG; the secret when a new one
/// was made, to be shown once.
fn apply_signing(
    integration: &mut Integration,
    change: SigningChange,
) -> Result<Option<Secret>, CliError> {
    let fresh = match change {
        SigningChange::Off => Secret::default(),
        SigningChange::On | SigningChange::Rotate { .. } => {
            new_signing_secret(&ring::rand::SystemRandom::new())
                .map_err(|error| CliError::Failed(error.into()))?
        }
    };
    let (signing, made) = change_signing(
        integration.signing.as_ref(),
        change,
        &fresh,
        OffsetDateTime::now_utc(),
    );
    integration.signing = signing;
    Ok(made.then_some(fresh))
}

pub fn remove(home: &Home, name: &str, json: bool) -> CliResult {
    let mut done = Done::new(json);
    let removed = home.remove(name, None)?;
    done.line(format!("removed {}", removed.integration.name));
    done.set("removed", &removed.integration.name);
    if let Some(forgot) = removed.forgot {
        let forgot = forgot?.describe(&removed.integration.name);
        done.line(forgot.clone());
        done.set("authorization", forgot);
    }
    done.print()?;
    Ok(())
}

pub fn export(home: &Home, name: Option<&str>, with_secrets: bool, json: bool) -> CliResult {
    let catalog = home.catalog()?;
    let chosen: Vec<Integration> = match name {
        Some(name) => vec![
            catalog
                .get(name)
                .ok_or_else(|| CliError::unknown_integration(name))?
                .clone(),
        ],
        None => catalog.integrations.clone(),
    };
    let chosen: Vec<Integration> = if with_secrets {
        chosen
    } else {
        chosen.iter().map(Integration::without_secrets).collect()
    };
    if json {
        print_json(&serde_json::json!({
            "schema": crate::store::SCHEMA_VERSION,
            "integrations": chosen,
        }))?;
    } else {
        let document = to_document(&chosen).map_err(anyhow::Error::msg)?;
        std::io::stdout()
            .lock()
            .write_all(document.as_bytes())
            .map_err(super::output_error)?;
    }
    Ok(())
}

pub fn import(home: &Home, file: &Path, replace: bool, json: bool) -> CliResult {
    let mut done = Done::new(json);
    let text = read_text(file, None, DOCUMENT_LIMIT)?;
    let shown_path = display_path(file);
    if holds_nothing(&text) {
        // A truncated copy or an empty pipe, not an export: with --replace it would
        // have removed every integration.
        return Err(CliError::input(format!(
            "{}: is empty (no `schema:`, no `integrations:`): nothing imported. An \
             export of no integrations reads `integrations: []`",
            shown_path.display()
        )));
    }
    let mut incoming = parse_document(&shown_path, &text).map_err(input_error)?;
    let destinations = home.destinations()?;
    let store = home.integrations_to_save()?;
    let catalog = store.load()?;
    // By name, once: a file of thousands compared every pair.
    let stored: HashMap<String, &Integration> = catalog
        .integrations
        .iter()
        .map(|integration| (name_key(&integration.name), integration))
        .collect();
    for integration in &mut incoming {
        if let Some(stored) = stored.get(&name_key(&integration.name)) {
            integration.keep_secrets_from(stored);
        }
    }
    let disabled = disable_lacking_secrets(&mut incoming);
    let warnings =
        check_document(&shown_path, &text, &incoming, destinations).map_err(input_errors)?;
    for (integration, warnings) in incoming.iter().zip(warnings) {
        for warning in warnings {
            done.warn(format!("(integration `{}`) {warning}", integration.name));
        }
    }
    let mut result = if replace {
        Vec::new()
    } else {
        catalog.integrations.clone()
    };
    let mut at: HashMap<String, usize> = result
        .iter()
        .enumerate()
        .map(|(index, integration)| (name_key(&integration.name), index))
        .collect();
    let (mut added, mut updated) = (0, 0);
    for integration in incoming {
        match at.get(&name_key(&integration.name)) {
            Some(&index) => {
                result[index] = integration;
                updated += 1;
            }
            None => {
                at.insert(name_key(&integration.name), result.len());
                result.push(integration);
                added += 1;
            }
        }
    }
    if replace {
        updated = result
            .iter()
            .filter(|integration| stored.contains_key(&name_key(&integration.name)))
            .count();
        added = result.len() - updated;
    }
    let removed = catalog.integrations.len() + added - result.len();
    store.replace_all(catalog.revision, result)?;
    done.line(format!(
        "imported: {added} added, {updated} updated, {removed} removed"
    ));
    done.set("added", added);
    done.set("updated", updated);
    done.set("removed", removed);
    for line in &disabled {
        done.line(line.clone());
    }
    done.set("disabled", disabled);
    done.print()?;
    Ok(())
}

/// Text with no YAML in it: nothing, blank lines, comments.
fn holds_nothing(text: &str) -> bool {
    text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#') || line == "---" || line == "..."
    })
}

/// An export made without secrets, imported where nothing stored fills them in: such
/// an integration is imported disabled (it could send nothing useful), and what it
/// lacks is said, with how to give it. The lines to print once the import is saved.
fn disable_lacking_secrets(incoming: &mut [Integration]) -> Vec<String> {
    incoming
        .iter_mut()
        .filter_map(|integration| {
            let missing = integration.missing_secrets();
            if missing.is_empty() {
                return None;
            }
            integration.enabled = false;
            let listed: Vec<String> = missing.iter().map(ToString::to_string).collect();
            let name = &integration.name;
            Some(format!(
                "`{name}` is disabled: the export left out {}. Set them (`{} KEY…`; a secret \
                 without =VALUE is asked for), then `{}`; or import an export made with \
                 --with-secrets",
                listed.join(", "),
                shell_command(&["hookconsole", "set", name]),
                shell_command(&["hookconsole", "set", name, "enabled=yes"]),
            ))
        })
        .collect()
}

/// Errors in a file the person gave are input errors (exit 2), with file and line.
fn input_error(error: StoreError) -> CliError {
    CliError::input(error.to_string())
}

/// Every invalid integration of a file, one problem each.
fn input_errors(errors: Vec<StoreError>) -> CliError {
    CliError::Input(
        errors
            .iter()
            .map(|error| Problem::new(error.to_string()))
            .collect(),
    )
}

/// The integrations of a file given to `add --from-file`, checked as a save would
/// check them, with each one's warnings.
fn read_document(
    path: &Path,
    destinations: DestinationPolicy,
) -> Result<(Vec<Integration>, Vec<Vec<FieldError>>), CliError> {
    let text = read_text(path, None, DOCUMENT_LIMIT)?;
    let shown_path = display_path(path);
    let integrations = parse_document(&shown_path, &text).map_err(input_error)?;
    if integrations.is_empty() {
        return Err(CliError::input(format!(
            "{}: holds no integration",
            shown_path.display()
        )));
    }
    let warnings =
        check_document(&shown_path, &text, &integrations, destinations).map_err(input_errors)?;
    Ok((integrations, warnings))
}

fn display_path(path: &Path) -> std::path::PathBuf {
    if path == Path::new("-") {
        "<stdin>".into()
    } else {
        path.to_path_buf()
    }
}
