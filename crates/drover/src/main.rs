//! The `drover` command: parses flags, loads and validates everything before any host is
//! contacted, runs, reports, and exits with ansible-playbook's exit codes (0 ok, 1 other error,
//! 2 a host failed, 4 unreachable or invalid input, 5 bad usage, 99 interrupted).

#![allow(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

mod cli;
mod extra_vars;
mod listing;
mod load;
mod prompt;
mod secrets;
mod settings;
mod vault;

use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = match err.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => 5,
            };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let color = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("ANSIBLE_NOCOLOR").is_none();
    let code = match cli.command {
        cli::Command::Run(args) => run(*args, color),
        cli::Command::Vault(command) => vault::run(command),
        cli::Command::Config(cmd) => settings::command(&cmd),
    };
    ExitCode::from(code)
}

fn run(mut args: cli::RunArgs, color: bool) -> u8 {
    let config = match settings::load() {
        Ok(config) => config,
        Err(code) => return code,
    };
    if let Err(code) = settings::apply(&mut args, &config) {
        return code;
    }
    if args.verbose > 0 {
        settings::say_config_file(&config);
    }
    // ansible.cfg's vault settings (with ANSIBLE_VAULT_* over them) come after the flags.
    let vault_defaults = secrets::Defaults {
        identity_list: config.vault_identity_list(),
        password_file: config.vault_password_file(),
    };
    if let Err(err) = secrets::install_for_run(&args.vault, &vault_defaults) {
        eprintln!("[ERROR]: {err}");
        return 1;
    }
    let mut loaded = match load::load(&args, &config) {
        Ok(loaded) => loaded,
        Err(failure) => {
            eprint!("{}", failure.render(color));
            // Vault text no secret opens is exit 1 in ansible-playbook, not invalid input.
            return if drover_vault::keyring::failed() {
                1
            } else {
                failure.exit_code()
            };
        }
    };
    if args.syntax_check || args.list_hosts || args.list_tasks || args.list_tags {
        return listing::print(&args, &loaded);
    }
    if let Err(message) = prompt::ask(&mut loaded.playbooks, &loaded.extra_vars) {
        eprintln!("error: {message}");
        return 4;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: could not start the async runtime: {err}");
            return 1;
        }
    };
    runtime.block_on(load::execute(args, loaded, &config, color))
}
