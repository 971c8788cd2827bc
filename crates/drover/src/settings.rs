//! ansible.cfg and `ANSIBLE_*` variables in the binary: reads them (this is where the process
//! environment is read), fills the `run` flags the user did not give from them (flags win over
//! the environment, which wins over the file), and answers `drover config dump|view`.

use crate::cli::{ConfigCommand, RunArgs, SshArgs, split_ssh_args};
use drover_config::{Config, Environment, Origin, Scope};

/// Exit code for a configuration that cannot be used (ansible-core's, for the same errors).
const BAD_CONFIG: u8 = 5;

/// Loads the configuration, printing its warnings; on error prints it and gives the exit code.
pub(crate) fn load() -> Result<Config, u8> {
    // Variables that are not Unicode cannot be settings; they are left out, not a panic.
    let vars = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
    let env = Environment::new(vars, std::env::current_dir().ok());
    match Config::load(&env) {
        Ok(config) => {
            for warning in config.warnings() {
                eprintln!("[WARNING]: {warning}");
            }
            Ok(config)
        }
        Err(err) => {
            eprintln!("error: {err}");
            Err(BAD_CONFIG)
        }
    }
}

/// What ansible-playbook prints first from `-v` on: the config file in use.
pub(crate) fn say_config_file(config: &Config) {
    match config.file() {
        Some(path) => println!("Using {} as config file", path.display()),
        None => println!("No config file found; using defaults"),
    }
}

/// Fills what the command line left unset from the configuration.
pub(crate) fn apply(args: &mut RunArgs, config: &Config) -> Result<(), u8> {
    if let Err(err) = config.check_for_run(args.forks.is_some(), args.timeout.is_some()) {
        eprintln!("error: {err}");
        return Err(BAD_CONFIG);
    }
    if args.inventory.is_empty() {
        args.inventory = config
            .inventory()
            .iter()
            .map(|p| p.display().to_string())
            .collect();
    }
    args.forks.get_or_insert(config.forks());
    if args.user.is_none() {
        args.user = config.remote_user();
    }
    if args.private_key.is_none() {
        args.private_key = config.private_key_file();
    }
    if args.timeout.is_none() {
        args.timeout = config.timeout();
    }
    if args.host_key_checking.is_none() && !config.host_key_checking() {
        args.host_key_checking = Some("off".into());
    }
    if args.connection.is_none() {
        args.connection = config.transport();
    }
    args.become_ |= config.become_();
    args.ask_become_pass |= config.become_ask_pass();
    if args.become_user.is_none() {
        args.become_user = config.become_user();
    }
    if args.become_method.is_none() {
        args.become_method = config.become_method();
    }
    // ssh_args come first, then the common args (the flag replaces the configured ones), as
    // ansible-core's ssh connection orders them.
    let mut ssh = match config.ssh_args() {
        Some(text) => split(config, "ssh_args", &text)?,
        None => Vec::new(),
    };
    match args.ssh_common_args.take() {
        Some(flag) => ssh.extend(flag.0),
        None => ssh.extend(split(config, "ssh_common_args", &config.ssh_common_args())?),
    }
    if !ssh.is_empty() {
        args.ssh_common_args = Some(SshArgs(ssh));
    }
    for warning in config.accepted_only_warnings() {
        eprintln!("[WARNING]: {warning}");
    }
    Ok(())
}

/// Splits an ssh option's text into words, or says which setting could not be split.
fn split(config: &Config, option: &str, text: &str) -> Result<Vec<String>, u8> {
    split_ssh_args(text).map(|a| a.0).map_err(|err| {
        let from = match config.setting(Scope::Ssh, option).map(|s| &s.origin) {
            Some(Origin::Env(var)) => format!("{var} (in the environment)"),
            Some(Origin::File { line }) => format!(
                "{}:{line}: [ssh_connection] {option}",
                config
                    .file()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            ),
            _ => option.to_owned(),
        };
        eprintln!("error: {from}: {err}");
        BAD_CONFIG
    })
}

/// `drover config dump|view`.
pub(crate) fn command(cmd: &ConfigCommand) -> u8 {
    let config = match load() {
        Ok(c) => c,
        Err(code) => return code,
    };
    match cmd {
        ConfigCommand::Dump { only_changed, kind } => {
            print!("{}", config.dump(*only_changed, kind == "all"));
            0
        }
        ConfigCommand::View => {
            let Some(path) = config.file() else {
                eprintln!(
                    "error: no config file found (ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg)"
                );
                return 1;
            };
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    print!("{text}");
                    0
                }
                Err(err) => {
                    eprintln!("error: cannot read {}: {err}", path.display());
                    1
                }
            }
        }
    }
}

/// `retry_files_enabled`: after a run where hosts failed or were unreachable, writes their
/// names, sorted, one a line, to `<playbook name>.retry` beside each playbook (or in
/// `retry_files_save_path`) and says how to use it, as ansible-playbook does (it says so
/// just before the recap; drover after it). `base` is the directory relative playbook paths
/// were given from.
pub(crate) fn write_retry_files(
    config: &Config,
    playbooks: &[std::path::PathBuf],
    base: Option<&std::path::Path>,
    summary: &drover_engine::Summary,
) {
    if !config.retry_files_enabled() {
        return;
    }
    let mut hosts: Vec<&String> = summary.failed.iter().chain(&summary.unreachable).collect();
    hosts.sort();
    hosts.dedup();
    if hosts.is_empty() {
        return;
    }
    let text: String = hosts.iter().map(|h| format!("{h}\n")).collect();
    for playbook in playbooks {
        let path = match base {
            Some(dir) => dir.join(playbook),
            None => playbook.clone(),
        };
        let dir = match config.retry_files_save_path() {
            Some(dir) => dir,
            None => path
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default(),
        };
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file = dir.join(format!("{name}.retry"));
        let written = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, &text));
        match written {
            Ok(()) => println!("\tto retry, use: --limit @{}\n", file.display()),
            Err(err) => eprintln!(
                "[WARNING]: could not write the retry file {}: {err}",
                file.display()
            ),
        }
    }
}
