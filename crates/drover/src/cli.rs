//! Defines drover's command line: the `run` command and its ansible-playbook compatible flags.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Agentless configuration management that runs Ansible playbooks, fast.
#[derive(Debug, Parser)]
#[command(name = "drover", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Runs playbooks against the hosts of an inventory (like `ansible-playbook`).
    Run(Box<RunArgs>),
    /// Encrypts and decrypts Ansible Vault files and strings (like `ansible-vault`).
    Vault(crate::vault::VaultCommand),
    /// Shows the settings drover reads from ansible.cfg and ANSIBLE_* variables (like
    /// `ansible-config`).
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Prints each setting drover knows, with its value and where it came from.
    Dump {
        /// Only the settings that something changed from their defaults.
        #[arg(long = "only-changed", alias = "changed-only")]
        only_changed: bool,
        /// `base` (the default), or `all` to add the ssh connection's options.
        #[arg(short = 't', long = "type", value_name = "TYPE", default_value = "base", value_parser = ["base", "all"])]
        kind: String,
    },
    /// Prints the text of the config file in use.
    View,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Playbook files, run in order.
    #[arg(required = true, value_name = "PLAYBOOK")]
    pub(crate) playbooks: Vec<PathBuf>,

    /// Inventory file, directory or comma-separated host list (repeatable).
    #[arg(short = 'i', long = "inventory", value_name = "INVENTORY")]
    pub(crate) inventory: Vec<String>,

    /// Extra variables: `key=value`, YAML/JSON, or `@file` (repeatable; later wins).
    #[arg(short = 'e', long = "extra-vars", value_name = "VARS")]
    pub(crate) extra_vars: Vec<String>,

    /// Limit the run to hosts matching this pattern.
    #[arg(short = 'l', long = "limit", value_name = "SUBSET")]
    pub(crate) limit: Option<String>,

    /// Only run tasks and plays tagged with these (comma-separated, repeatable).
    #[arg(short = 't', long = "tags", value_name = "TAGS")]
    pub(crate) tags: Vec<String>,

    /// Skip tasks and plays tagged with these (comma-separated, repeatable).
    #[arg(long = "skip-tags", value_name = "TAGS")]
    pub(crate) skip_tags: Vec<String>,

    /// Change nothing; report what would change.
    #[arg(short = 'C', long = "check")]
    pub(crate) check: bool,

    /// Show what changes (or would change) in files, as unified diffs.
    #[arg(short = 'D', long = "diff")]
    pub(crate) diff: bool,

    /// How many hosts to work on at once (default: `forks` in ansible.cfg, else 50).
    #[arg(short = 'f', long = "forks", value_name = "N")]
    pub(crate) forks: Option<usize>,

    /// More output (repeat for more).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,

    /// Check the playbook and stop, without running it.
    #[arg(long = "syntax-check")]
    pub(crate) syntax_check: bool,

    /// List the tasks that would run.
    #[arg(long = "list-tasks")]
    pub(crate) list_tasks: bool,

    /// List the hosts each play would run on.
    #[arg(long = "list-hosts")]
    pub(crate) list_hosts: bool,

    /// List the tags in the playbook.
    #[arg(long = "list-tags")]
    pub(crate) list_tags: bool,

    /// Start at the task with this name.
    #[arg(long = "start-at-task", value_name = "TASK")]
    pub(crate) start_at_task: Option<String>,

    /// Connect as this user (when a host has no `ansible_user`).
    #[arg(short = 'u', long = "user", value_name = "USER")]
    pub(crate) user: Option<String>,

    /// SSH private key file (when a host has no `ansible_ssh_private_key_file`).
    #[arg(long = "private-key", alias = "key-file", value_name = "FILE")]
    pub(crate) private_key: Option<PathBuf>,

    /// Connection type for hosts without `ansible_connection` (`ssh` or `local`).
    #[arg(short = 'c', long = "connection", value_name = "TYPE")]
    pub(crate) connection: Option<String>,

    /// SSH connect timeout in seconds.
    #[arg(short = 'T', long = "timeout", value_name = "SECONDS")]
    pub(crate) timeout: Option<u64>,

    /// Extra arguments for every ssh command line (`-o ProxyJump=bastion`...).
    #[arg(
        long = "ssh-common-args",
        value_name = "ARGS",
        allow_hyphen_values = true,
        value_parser = split_ssh_args
    )]
    pub(crate) ssh_common_args: Option<SshArgs>,

    /// What to do with unknown or changed host keys: `strict` (refuse), `accept-new`, `off`.
    #[arg(long = "host-key-checking", value_name = "POLICY", value_parser = ["strict", "accept-new", "off"])]
    pub(crate) host_key_checking: Option<String>,

    /// Keep SSH connections open this many seconds after the run, for the next run to reuse.
    #[arg(long = "ssh-persist", value_name = "SECONDS")]
    pub(crate) ssh_persist: Option<u64>,

    /// Run tasks with privilege escalation (`become`).
    #[arg(short = 'b', long = "become")]
    pub(crate) become_: bool,

    /// The user to become (default `root`).
    #[arg(long = "become-user", value_name = "USER")]
    pub(crate) become_user: Option<String>,

    /// How to become: `sudo` or `su`.
    #[arg(long = "become-method", value_name = "METHOD", value_parser = ["sudo", "su"])]
    pub(crate) become_method: Option<String>,

    /// Ask for the become password (read from the terminal, never echoed or logged).
    #[arg(short = 'K', long = "ask-become-pass")]
    pub(crate) ask_become_pass: bool,

    #[command(flatten)]
    pub(crate) vault: VaultArgs,
}

/// Where vault secrets come from (shared by `run` and `vault`); see `crate::secrets`.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct VaultArgs {
    /// A vault identity, `LABEL@SOURCE` or `SOURCE`: a password file, a script, or `prompt`
    /// (repeatable).
    #[arg(long = "vault-id", value_name = "ID")]
    pub(crate) vault_ids: Vec<String>,

    /// A vault password file, or a script printing the password (repeatable).
    #[arg(
        long = "vault-password-file",
        alias = "vault-pass-file",
        value_name = "FILE"
    )]
    pub(crate) vault_password_files: Vec<PathBuf>,

    /// Ask for the vault password (read from the terminal, never echoed).
    #[arg(short = 'J', long = "ask-vault-pass", alias = "ask-vault-password")]
    pub(crate) ask_vault_pass: bool,
}

impl RunArgs {
    pub(crate) fn split_tags(list: &[String]) -> Vec<String> {
        list.iter()
            .flat_map(|t| t.split(','))
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect()
    }
}

/// `--ssh-common-args`, split into words as Ansible splits them (Python's `shlex.split`).
#[derive(Debug, Clone)]
pub(crate) struct SshArgs(pub(crate) Vec<String>);

pub(crate) fn split_ssh_args(text: &str) -> Result<SshArgs, drover_python::shlex::SplitError> {
    drover_python::shlex::split(text, drover_python::shlex::Comments::Kept).map(SshArgs)
}
