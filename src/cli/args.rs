//! The command line, as clap parses it. `hookconsole` alone opens the TUI.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The exit statuses and the shape of a JSON error: `--help` ends with it and the
/// manual page's EXIT STATUS section is it, so scripts read one contract.
pub const EXIT_STATUS: &str = "Exit status: 0 success; 1 the operation failed (a \
     delivery, the network, a provider, a file that cannot be written); 2 bad input: a \
     flag, a value, a file, or a name no integration has, the same for every command.\n\n\
     With --json, an error is one JSON object on standard error: {\"error\": \"…\", \
     \"field\": \"…\" (when one field, key or flag is at fault), \"hint\": \"…\" (when \
     there is one), \"errors\": [every problem, each with its error, field and hint]}.";

#[derive(Debug, Parser)]
#[command(
    name = "hookconsole",
    version,
    after_long_help = EXIT_STATUS,
    about = "Set up and troubleshoot the appliance's webhook integrations",
    long_about = "Set up and troubleshoot the appliance's webhook integrations.\n\n\
                  Without a command, opens the full-screen console. The commands below do \
                  the same things without a screen, for scripts and plain output."
)]
pub struct Cli {
    /// Directory holding integrations, tokens, the delivery queue and logs
    /// [default: /var/lib/hookconsole when it exists, else the XDG data directory]
    #[arg(long, global = true, help_heading = GLOBAL_OPTIONS, env = "HOOKCONSOLE_HOME", value_name = "DIR", value_parser = home_dir)]
    pub home: Option<PathBuf>,

    /// Full-screen console: use only ASCII characters (serial lines, vt220)
    #[arg(long, global = true, help_heading = GLOBAL_OPTIONS, conflicts_with_all = ["rich", "console"])]
    pub ascii: bool,

    /// Full-screen console: use only what the Linux console's font has (tmux or
    /// screen started on the console, where TERM does not say so)
    #[arg(long, global = true, help_heading = GLOBAL_OPTIONS, conflicts_with = "rich")]
    pub console: bool,

    /// Full-screen console: use Unicode box drawing even where detection says not to
    #[arg(long, global = true, help_heading = GLOBAL_OPTIONS)]
    pub rich: bool,

    /// Full-screen console: no colours (as the NO_COLOR environment variable does)
    #[arg(long, global = true, help_heading = GLOBAL_OPTIONS)]
    pub no_color: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The command given: the full-screen console, which `main` starts, or an operation,
/// which `cli::run` carries out.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the full-screen console (the same as no command)
    Tui,
    #[command(flatten)]
    Operation(Operation),
}

#[derive(Debug, Subcommand)]
pub enum Operation {
    /// List the integrations
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one integration (secrets masked)
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Add an integration from flags or from a YAML file
    Add(Box<AddArgs>),
    /// Change fields: `set NAME url=https://… retry_interval=120 header='X-Team: ops'`.
    /// A secret field given without `=` (`set NAME password`) is read from a prompt or
    /// standard input; `certificate=@FILE` and `content_sample=@FILE` read a file.
    /// `signing=on|off` signs deliveries (Standard Webhooks) with a new secret, printed
    /// once; `signing=rotate [overlap=24h]` makes a new one while the old one signs too
    Set {
        name: String,
        #[arg(required = true, value_name = "FIELD=VALUE")]
        changes: Vec<String>,
        /// {"updated", "headers_removed", "signing_secret" (when one was made), "moved",
        /// "warnings"}
        #[arg(long)]
        json: bool,
    },
    /// Remove an integration
    Remove {
        name: String,
        /// {"removed", "authorization" (what became of its tokens), "warnings"}
        #[arg(long)]
        json: bool,
    },
    /// Print integrations as YAML (or JSON) to import elsewhere; secrets left out
    Export {
        name: Option<String>,
        /// Include passwords, client secrets, signing secrets and sensitive header values
        #[arg(long)]
        with_secrets: bool,
        #[arg(long)]
        json: bool,
    },
    /// Import integrations from a file written by `export` (all or nothing). An
    /// integration that exists is updated; secrets left out of the file are kept.
    Import {
        /// The file, or - for standard input
        file: PathBuf,
        /// Make the stored list exactly the file's: integrations not in it are removed
        #[arg(long)]
        replace: bool,
        /// {"added", "updated", "removed" (counts), "disabled", "warnings"}
        #[arg(long)]
        json: bool,
    },
    /// Send the content sample to the integration and report each stage: resolve,
    /// connect, TLS, HTTP. Exit 0 when delivered (2xx), 1 when not.
    Verify {
        name: String,
        #[arg(long)]
        json: bool,
        /// When VERIFY fails because the server's certificate is not trusted, pin that
        /// certificate (shown with its SHA-256 fingerprint: compare it with the
        /// receiver's first) as the integration's uploaded certificate
        #[arg(long)]
        trust_presented: bool,
    },
    /// Authorize an OAuth integration from another device: prints the link, a QR code
    /// and the full authorize URL, then waits for the provider's redirect (or for the
    /// redirected URL pasted here)
    Authorize {
        name: String,
        /// Do not start the callback listener; paste the redirected URL instead
        #[arg(long)]
        paste: bool,
        /// Seconds to wait for the redirect
        #[arg(long, default_value_t = 600, value_name = "SECONDS")]
        timeout: u64,
        /// Extra authorize parameter for this run, besides the integration's own (repeatable)
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// How to draw the QR code: half-blocks, two-columns, ascii, none
        #[arg(long, default_value = "auto", value_name = "STYLE")]
        qr: String,
        /// With site discovery (Jira Cloud): the site to deliver to when the grant
        /// reaches several (its name, URL, host or id)
        #[arg(long, value_name = "SITE")]
        site: Option<String>,
        /// Device code grant: print the code, the URL and the expiry as one JSON line
        /// (user_code, verification_uri, expires_in first), then wait
        #[arg(long)]
        json: bool,
    },
    /// The sites an OAuth integration's authorization reaches (Jira Cloud); with
    /// --choose, set the integration's URL from one of them
    Sites {
        name: String,
        /// The site's name, URL, host or id
        #[arg(long, value_name = "SITE")]
        choose: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show an OAuth integration's authorization status (never a token)
    Token {
        name: String,
        #[arg(long)]
        json: bool,
        /// Forget the stored tokens (authorize again afterwards)
        #[arg(long, conflicts_with = "refresh")]
        forget: bool,
        /// Refresh the access token now, or with client credentials fetch a new one (one
        /// request even when several processes ask)
        #[arg(long)]
        refresh: bool,
    },
    /// Queue an event for delivery: `send NAME --event TYPE [--fields FILE|-] [--file
    /// PAYLOAD|-]`, or `send --batch` with one JSON event per line on stdin:
    /// {"integration": "…", "type": "…", "fields": {…}, "payload": …, "id": "…"}. The
    /// payload (by default the content sample) is a template, rendered with the event's
    /// fields now. An id is unique per integration: the same event sent again is a
    /// duplicate, not queued twice; another event under that id is refused
    Send {
        /// The integration (with --batch: for lines that name none)
        name: Option<String>,
        /// The event type, e.g. scan.finished
        #[arg(long = "event", value_name = "TYPE", required_unless_present = "batch")]
        event: Option<String>,
        /// The payload template file, - for stdin [default: the integration's content
        /// sample]
        #[arg(long, value_name = "PAYLOAD", conflicts_with = "batch")]
        file: Option<PathBuf>,
        /// A JSON object file with the event's own fields (template variables such as
        /// finding.name), - for stdin
        #[arg(long, value_name = "FILE", conflicts_with = "batch")]
        fields: Option<PathBuf>,
        /// Read one JSON event per line from stdin; all are queued in one transaction,
        /// or none when a line is refused
        #[arg(long)]
        batch: bool,
        /// One JSON answer per event: {"ok", "id", "integration", "status"} with
        /// status queued or duplicate, or {"ok": false, "line", "error"}
        #[arg(long)]
        json: bool,
    },
    /// Run the delivery worker in the foreground (for systemd); stops on SIGTERM/SIGINT
    Worker,
    /// Is the worker running, what waits in the queue and why, each integration's last
    /// delivery; exit 0 when all is well, 1 when the worker is down or events are held
    /// or dead
    Status {
        /// The same as one JSON object (its shape is in the README)
        #[arg(long)]
        json: bool,
    },
    /// The delivery log, newest last: every attempt of every delivery
    Logs {
        /// Only this integration
        name: Option<String>,
        /// Only failed attempts (to be retried, or dead)
        #[arg(long)]
        failed: bool,
        /// Only attempts since: 15m, 2h, 3d, or an RFC 3339 time
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        /// Attempts whose event id, type, integration or summary contains this
        #[arg(long, value_name = "TEXT")]
        grep: Option<String>,
        /// How many attempts to show
        #[arg(long, default_value_t = 50, value_name = "N",
              value_parser = clap::value_parser!(u32).range(1..))]
        limit: u32,
        /// One JSON object per line (with the redacted request and response)
        #[arg(long)]
        json: bool,
        /// Keep printing new attempts as they are logged
        #[arg(long)]
        follow: bool,
    },
    /// Deliver an event again (a new job with the same event id and payload); ID is an
    /// event id (evt_…) or an attempt number (#123 or 123)
    Replay {
        id: String,
        /// The integration, for an event id queued for several
        #[arg(long, value_name = "NAME")]
        integration: Option<String>,
        /// {"event", "job", "replayed": queued|due_now|in_flight|held, "message"}
        #[arg(long)]
        json: bool,
    },
    /// Print the OAuth callback URL to register at the provider; with --check, start
    /// the listener and request the URL as the provider's redirect would, stage by stage
    CallbackUrl {
        /// Check the callback path (resolve, connect, TLS, HTTP): exit 0 when it works,
        /// 1 when a stage fails
        #[arg(long)]
        check: bool,
        /// The check's report as JSON
        #[arg(long, requires = "check")]
        json: bool,
    },
    /// Show the appliance settings, or change them: `settings hostname=hiab.example.com`
    Settings {
        #[arg(value_name = "KEY=VALUE")]
        changes: Vec<String>,
        /// The settings file, the values it holds, and those in effect, as JSON
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script: `hookconsole completions bash`
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `hookconsole man | man -l -`
    Man,
}

impl Operation {
    /// Whether `--json` was given: errors are then JSON too.
    pub fn json(&self) -> bool {
        match self {
            Operation::List { json }
            | Operation::Show { json, .. }
            | Operation::Export { json, .. }
            | Operation::Verify { json, .. }
            | Operation::Sites { json, .. }
            | Operation::Token { json, .. }
            | Operation::Send { json, .. }
            | Operation::Logs { json, .. }
            | Operation::Authorize { json, .. }
            | Operation::Status { json }
            | Operation::Replay { json, .. }
            | Operation::Settings { json, .. }
            | Operation::Set { json, .. }
            | Operation::Remove { json, .. }
            | Operation::Import { json, .. }
            | Operation::CallbackUrl { json, .. } => *json,
            Operation::Add(args) => args.json,
            Operation::Worker | Operation::Completions { .. } | Operation::Man => false,
        }
    }
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Read the integration (or an `export` document) from this YAML file, - for stdin
    #[arg(long, value_name = "FILE.yaml", conflicts_with_all = ["name", "url"])]
    pub from_file: Option<PathBuf>,
    /// Start from a preset: generic, jira-cloud, microsoft-teams,
    /// entra-client-credentials or device-code; the other flags override its values
    #[arg(long, value_name = "PRESET", conflicts_with = "from_file")]
    pub preset: Option<String>,
    /// A field the preset asks for, e.g. project=OPS or issue_type=Bug (repeatable)
    #[arg(long = "preset-field", value_name = "KEY=VALUE", requires = "preset")]
    pub preset_fields: Vec<String>,
    /// Name (unique, 1-100 characters)
    #[arg(long, required_unless_present = "from_file")]
    pub name: Option<String>,
    /// URL the webhook data is sent to (a preset with site discovery may leave it empty)
    #[arg(long, required_unless_present_any = ["from_file", "preset"])]
    pub url: Option<String>,
    /// Seconds between retries [default: 60]
    #[arg(long, value_name = "SECONDS")]
    pub retry_interval: Option<String>,
    /// GET, POST, PUT, PATCH or DELETE; empty means POST
    #[arg(long = "http-method", alias = "method", value_name = "METHOD")]
    pub http_method: Option<String>,
    /// A header, `Name: value`; repeat for more
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// PEM file with the third party's (self-signed) certificate
    #[arg(long, value_name = "FILE.pem")]
    pub certificate: Option<PathBuf>,
    /// File with the content sample, - for stdin
    #[arg(long, value_name = "FILE")]
    pub content_sample: Option<PathBuf>,
    /// Add it disabled
    #[arg(long)]
    pub disabled: bool,
    /// none, basic or oauth [default: none, or the kind the other flags imply]
    #[arg(long = "auth", alias = "authentication", value_name = "KIND")]
    pub authentication: Option<String>,
    #[arg(long)]
    pub username: Option<String>,
    /// Prefer the prompt or stdin: a password on the command line is visible to `ps`
    #[arg(long)]
    pub password: Option<String>,
    /// authorization-code (the default: AUTHORIZE in a browser), client-credentials
    /// (the client's own credentials at the token URL; no AUTHORIZE) or device-code
    /// (AUTHORIZE shows a code to enter at the provider; needs
    /// --device-authorization-url)
    #[arg(long, value_name = "GRANT")]
    pub grant: Option<String>,
    #[arg(long)]
    pub client_id: Option<String>,
    /// Prefer the prompt or stdin: a secret on the command line is visible to `ps`
    #[arg(long)]
    pub client_secret: Option<String>,
    #[arg(long)]
    pub token_url: Option<String>,
    #[arg(long)]
    pub authorize_url: Option<String>,
    /// Where the device grant asks for a device code (RFC 8628)
    #[arg(long, value_name = "URL")]
    pub device_authorization_url: Option<String>,
    #[arg(long)]
    pub audience: Option<String>,
    #[arg(long)]
    pub scope: Option<String>,
    /// Extra authorize parameters the provider needs, e.g. prompt=consent
    #[arg(long, value_name = "QUERY")]
    pub authorize_parameters: Option<String>,
    /// Extra client-credentials token parameters, e.g. resource=https://service.example/
    #[arg(long, value_name = "QUERY")]
    pub token_parameters: Option<String>,
    /// Where forgetting the authorization revokes it at the provider (RFC 7009)
    #[arg(long, value_name = "URL")]
    pub revocation_url: Option<String>,
    /// Where the sites an authorization reaches are listed (Atlassian's
    /// accessible-resources); an empty URL is then set from the chosen site
    #[arg(long, value_name = "URL")]
    pub sites_url: Option<String>,
    /// The webhook URL of a chosen site, `{id}` standing for the site's id
    #[arg(long, value_name = "URL")]
    pub site_url: Option<String>,
    /// application/json or application/x-www-form-urlencoded [default: form]
    #[arg(long, value_name = "TYPE")]
    pub api_type: Option<String>,
    /// body or basic [default: body for JSON, basic for form]
    #[arg(long, value_name = "HOW")]
    pub client_authentication: Option<String>,
    /// {"added": [names], "warnings"}; errors as JSON too
    #[arg(long)]
    pub json: bool,
}

/// `--home`: a directory, or a path where one can be made. A file there is refused as
/// the flag's fault (exit 2), not met later as "integrations.yaml: Not a directory".
fn home_dir(value: &str) -> Result<PathBuf, String> {
    if value.trim().is_empty() {
        // An unset variable in a script (`--home "$HOME_DIR"`): the current directory
        // would have been taken, and files written there.
        return Err("is empty: give the home directory (or unset HOOKCONSOLE_HOME)".into());
    }
    let path = PathBuf::from(value);
    match std::fs::metadata(&path) {
        Ok(meta) if !meta.is_dir() => Err(format!("{value} is not a directory")),
        _ => Ok(path),
    }
}

/// Where `--help` lists the options every command takes, after the command's own: mixed
/// in, they split `add --help`'s fields (`--name` came after `--console`).
const GLOBAL_OPTIONS: &str = "Global options";
