//! From flags to a validated run: reads the inventory, the playbooks and the extra vars, checks
//! every `notify`, then hands each playbook to the engine. Everything here happens before any host
//! is contacted, and every failure becomes a message with exit code 4 (invalid input) or 1.

use crate::cli::RunArgs;
use drover_connection::{ConnectOptions, HostConnector, HostKeyChecking};
use drover_engine::{BecomeDefaults, RunConfig, Runtime, TagFilter};
use drover_inventory::Inventory;
use drover_playbook::Playbook;
use drover_report::Human;
use drover_types::{ArgSpec, Module};
use std::collections::HashMap;
use std::path::PathBuf;

/// Everything loaded and checked.
pub(crate) struct Loaded {
    pub(crate) inventory: Inventory,
    pub(crate) playbooks: Vec<Playbook>,
    pub(crate) extra_vars: drover_types::Layer,
}

/// Why a run did not start.
pub(crate) struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    fn invalid(message: String) -> Self {
        Failure { message, code: 4 }
    }

    pub(crate) fn exit_code(&self) -> u8 {
        self.code
    }

    pub(crate) fn render(&self, _color: bool) -> String {
        let mut text = self.message.clone();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text
    }
}

pub(crate) fn modules() -> HashMap<&'static str, &'static dyn Module> {
    drover_modules::all()
        .into_iter()
        .map(|m| (m.name(), m))
        .collect()
}

fn render_diagnostic(diag: &dyn miette::Diagnostic, color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_context_lines(2);
    let mut out = String::new();
    if handler.render_report(&mut out, diag).is_err() {
        return format!("error: {diag}\n");
    }
    out
}

/// A source-pointing error for a `notify` that names no handler.
fn unknown_handler_error(unknown: drover_playbook::UnknownHandler) -> drover_playbook::Error {
    let name = &unknown.name;
    let text: std::sync::Arc<str> = std::fs::read_to_string(unknown.span.file.as_ref())
        .unwrap_or_default()
        .into();
    let source = miette::NamedSource::new(unknown.span.file.display().to_string(), text);
    let help = match &unknown.suggestion {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!(
            "add a handler with `name: {name}` or `listen: {name}` to the play's `handlers`"
        ),
    };
    drover_playbook::Error::Invalid(Box::new(drover_playbook::Details {
        span: unknown.span,
        message: format!(
            "the handler `{name}` is notified but no handler has that name or `listen` topic"
        ),
        label: "notifies an unknown handler".into(),
        help: Some(help),
        len: 1,
        source,
    }))
}

pub(crate) fn load(args: &RunArgs, settings: &drover_config::Config) -> Result<Loaded, Failure> {
    let load_options = drover_playbook::LoadOptions {
        roles_path: settings.roles_path(),
    };
    let sources: Vec<PathBuf> = args.inventory.iter().map(PathBuf::from).collect();
    let mut inventory = if sources.is_empty() {
        Inventory::default()
    } else {
        Inventory::load(&sources).map_err(|e| Failure::invalid(format!("error: {e}")))?
    };
    for warning in inventory.warnings() {
        eprintln!("[WARNING]: {warning}");
    }
    if let Some(limit) = &args.limit {
        let all = inventory.hosts();
        let kept = inventory
            .select_limit(all.clone(), limit)
            .map_err(|e| Failure::invalid(format!("error: {e}")))?;
        if !all.is_empty() && kept.is_empty() {
            eprintln!("[WARNING]: Could not match supplied host pattern, ignoring: {limit}");
            return Err(Failure {
                message: "error: specified inventory, host pattern and/or --limit leaves us with no hosts to target".into(),
                code: 1,
            });
        }
    }
    let table = modules();
    let lookup = |name: &str| -> Option<&'static ArgSpec> { table.get(name).map(|m| m.spec()) };
    let color = false;
    let mut playbooks = Vec::new();
    for path in &args.playbooks {
        if !path.exists() {
            return Err(Failure::invalid(format!(
                "error: the playbook `{}` could not be found\nhint: check the path, relative to the current directory",
                path.display()
            )));
        }
        let playbook = drover_playbook::load_with(path, &lookup, &load_options)
            .map_err(|e| Failure::invalid(render_diagnostic(&e, color)))?;
        for warning in &playbook.warnings {
            eprintln!("[WARNING]: {warning}");
        }
        for play in &playbook.plays {
            if let Some(unknown) = drover_playbook::unknown_handlers(play).into_iter().next() {
                return Err(Failure::invalid(render_diagnostic(
                    &unknown_handler_error(unknown),
                    color,
                )));
            }
        }
        inventory
            .add_vars_dir(&playbook.dir)
            .map_err(|e| Failure::invalid(format!("error: {e}")))?;
        playbooks.push(playbook);
    }
    let extra_vars = crate::extra_vars::parse_all(&args.extra_vars)
        .map_err(|e| Failure::invalid(format!("error: {e:#}")))?;
    Ok(Loaded {
        inventory,
        playbooks,
        extra_vars,
    })
}

/// Connection defaults from the command line (already merged with ansible.cfg and the
/// environment by `settings::apply`).
fn connect_options(args: &RunArgs) -> ConnectOptions {
    let mut options = ConnectOptions {
        user: args.user.clone(),
        private_key: args.private_key.clone(),
        ..ConnectOptions::default()
    };
    if let Some(secs) = args.timeout {
        options.connect_timeout = std::time::Duration::from_secs(secs);
    }
    if let Some(common) = &args.ssh_common_args {
        options.ssh_args = common.0.clone();
    }
    options.control_persist = args.ssh_persist.map(std::time::Duration::from_secs);
    options.host_key_checking = match args.host_key_checking.as_deref() {
        Some("accept-new") => HostKeyChecking::AcceptNew,
        Some("off") => HostKeyChecking::Off,
        _ => HostKeyChecking::Strict,
    };
    options
}

pub(crate) async fn execute(
    args: RunArgs,
    loaded: Loaded,
    settings: &drover_config::Config,
    color: bool,
) -> u8 {
    let connector = HostConnector::new(connect_options(&args));
    let password = if args.ask_become_pass {
        match rpassword::prompt_password("BECOME password: ") {
            Ok(p) => Some(p),
            Err(err) => {
                eprintln!("error: could not read the become password: {err}");
                return 1;
            }
        }
    } else {
        None
    };
    let started_in = std::env::current_dir().ok();
    let mut reporter = Human::new(
        Box::new(std::io::stdout()),
        Box::new(std::io::stderr()),
        color,
        args.verbose,
    );
    if let Some(dir) = &started_in {
        reporter = reporter.with_base_dir(dir.clone());
    }
    // Commands on the local connection run from the (first) playbook's directory, as they do
    // under ansible-playbook; everything given by relative path has been read already.
    if let Some(dir) = loaded.playbooks.first().map(|p| p.dir.clone())
        && let Err(err) = std::env::set_current_dir(&dir)
    {
        eprintln!(
            "[WARNING]: could not change to the playbook directory `{}`: {err}",
            dir.display()
        );
    }
    let config = RunConfig {
        playbooks: loaded.playbooks,
        inventory: loaded.inventory,
        extra_vars: loaded.extra_vars,
        limit: args.limit.clone(),
        tags: TagFilter {
            only: RunArgs::split_tags(&args.tags),
            skip: RunArgs::split_tags(&args.skip_tags),
        },
        check: args.check,
        diff: args.diff,
        forks: args.forks.unwrap_or_else(|| settings.forks()),
        start_at_task: args.start_at_task.clone(),
        verbosity: args.verbose,
        become_defaults: BecomeDefaults {
            become_: args.become_,
            user: args.become_user.clone(),
            method: args.become_method.clone(),
            password,
        },
        connection: args.connection.clone(),
        controller_env: std::env::vars().collect(),
        load_options: drover_playbook::LoadOptions {
            roles_path: settings.roles_path(),
        },
        gathering: settings.gathering(),
        config_file: settings.file().map(|p| p.display().to_string()),
    };
    let runtime = Runtime {
        modules: modules(),
        connector: &connector,
        reporter: &mut reporter,
    };
    let run = drover_engine::run(config, runtime);
    let outcome = tokio::select! {
        outcome = run => outcome,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("\n[ERROR]: interrupted by the user");
            connector.close_all().await;
            return 99;
        }
    };
    connector.close_all().await;
    match outcome {
        Ok(summary) => {
            crate::settings::write_retry_files(
                settings,
                &args.playbooks,
                started_in.as_deref(),
                &summary,
            );
            summary.exit_code() as u8
        }
        Err(err) => {
            eprintln!("error: {err}");
            // Vault text no secret opens is exit 1 in ansible-playbook, not invalid input.
            if drover_vault::keyring::failed() {
                1
            } else {
                4
            }
        }
    }
}
