//! Which vault secrets a command uses, in Ansible's order: the default identity list
//! (`ANSIBLE_VAULT_IDENTITY_LIST`), each `--vault-id`, each `--vault-password-file`, the default
//! password file (`ANSIBLE_VAULT_PASSWORD_FILE`), then a prompt for `--ask-vault-pass`.
//!
//! [`Defaults`] is what configuration supplies; the environment fills it today, and ansible.cfg's
//! `vault_identity_list` / `vault_password_file` can fill the same slots.

use crate::cli::VaultArgs;
use drover_vault::{Identity, Purpose, Secret};
use std::path::PathBuf;

/// Identities that come from configuration rather than flags.
#[derive(Debug, Clone, Default)]
pub(crate) struct Defaults {
    /// `vault_identity_list`: `LABEL@SOURCE` entries, tried before `--vault-id`s.
    pub(crate) identity_list: Vec<String>,
    /// `vault_password_file`: tried after `--vault-password-file`s.
    pub(crate) password_file: Option<PathBuf>,
}

impl Defaults {
    /// The defaults the environment gives (`ANSIBLE_VAULT_IDENTITY_LIST` is comma-separated).
    #[allow(clippy::disallowed_methods)] // the binary is where the environment is read
    pub(crate) fn from_env() -> Defaults {
        let identity_list = std::env::var("ANSIBLE_VAULT_IDENTITY_LIST")
            .map(|list| {
                list.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let password_file = std::env::var_os("ANSIBLE_VAULT_PASSWORD_FILE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        Defaults {
            identity_list,
            password_file,
        }
    }
}

/// The identities to read, in order. `auto_prompt`: with none given at all, ask on the terminal
/// (`ansible-vault` does; `ansible-playbook` does not).
pub(crate) fn identities(
    args: &VaultArgs,
    defaults: &Defaults,
    auto_prompt: bool,
) -> Result<Vec<Identity>, drover_vault::Error> {
    let mut out = Vec::new();
    for id in defaults.identity_list.iter().chain(&args.vault_ids) {
        out.push(Identity::parse(id)?);
    }
    let files = args
        .vault_password_files
        .iter()
        .chain(defaults.password_file.as_ref());
    out.extend(files.map(|f| Identity::password_file(f)));
    if args.ask_vault_pass || (out.is_empty() && auto_prompt) {
        out.push(Identity::ask());
    }
    Ok(out)
}

/// Reads the secrets of `identities`, printing a warning for each source that failed while
/// another worked (as Ansible does).
pub(crate) fn read(
    identities: &[Identity],
    purpose: Purpose,
) -> Result<Vec<Secret>, drover_vault::Error> {
    let (secrets, warnings) = drover_vault::secret::load_all(identities, purpose)?;
    for warning in warnings {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("[WARNING]: {warning}");
        }
    }
    Ok(secrets)
}

/// Reads the run's secrets and installs them as the process's keyring, before anything is
/// loaded. The config work calls this with its own [`Defaults`].
pub(crate) fn install_for_run(
    args: &VaultArgs,
    defaults: &Defaults,
) -> Result<(), drover_vault::Error> {
    let identities = identities(args, defaults, false)?;
    let secrets = read(&identities, Purpose::Open)?;
    drover_vault::keyring::install(secrets);
    Ok(())
}
