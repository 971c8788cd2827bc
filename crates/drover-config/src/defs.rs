//! The settings drover reads: for each, ansible-core's name (`DEFAULT_FORKS`), its type, its
//! default, the `ansible.cfg` keys and the `ANSIBLE_*` variables that set it, as listed in
//! ansible-core 2.19's `lib/ansible/config/base.yml` (and the `ssh` connection plugin's options).
//!
//! When a setting has several keys or variables, the last one present wins (ansible-core walks
//! the list and keeps overwriting).

use crate::types::Kind;

/// A setting's default.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Default {
    None,
    Bool(bool),
    Int(i64),
    Text(&'static str),
    /// Paths typed like a file value (relative to the current directory).
    Paths(&'static str),
    /// Texts.
    List(&'static [&'static str]),
    /// `ANSIBLE_HOME` followed by this text, then typed (`{{ ANSIBLE_HOME ~ "..." }}`).
    UnderHome(&'static str),
}

/// Which part of ansible-core a setting belongs to (`ansible-config dump` lists base settings,
/// plugin options only with `-t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// base.yml.
    Base,
    /// An option of the `ssh` connection plugin.
    Ssh,
}

/// One setting.
#[derive(Debug)]
pub(crate) struct Def {
    pub(crate) name: &'static str,
    pub(crate) scope: Scope,
    pub(crate) kind: Kind,
    pub(crate) default: Default,
    /// `(section, key)` pairs.
    pub(crate) ini: &'static [(&'static str, &'static str)],
    pub(crate) env: &'static [&'static str],
    /// Allowed values, when restricted.
    pub(crate) choices: &'static [&'static str],
}

const fn def(
    name: &'static str,
    kind: Kind,
    default: Default,
    ini: &'static [(&'static str, &'static str)],
    env: &'static [&'static str],
) -> Def {
    Def {
        name,
        scope: Scope::Base,
        kind,
        default,
        ini,
        env,
        choices: &[],
    }
}

const fn ssh(
    name: &'static str,
    kind: Kind,
    default: Default,
    ini: &'static [(&'static str, &'static str)],
    env: &'static [&'static str],
) -> Def {
    Def {
        scope: Scope::Ssh,
        ..def(name, kind, default, ini, env)
    }
}

const D: &str = "defaults";
const PE: &str = "privilege_escalation";
const SSH: &str = "ssh_connection";

/// Every setting, base settings sorted by name (the order `ansible-config dump` prints).
pub(crate) const DEFS: &[Def] = &[
    def(
        "ANSIBLE_HOME",
        Kind::Path,
        Default::Paths("~/.ansible"),
        &[(D, "home")],
        &["ANSIBLE_HOME"],
    ),
    def(
        "CACHE_PLUGIN",
        Kind::Text,
        Default::Text("memory"),
        &[(D, "fact_caching")],
        &["ANSIBLE_CACHE_PLUGIN"],
    ),
    def(
        "CACHE_PLUGIN_CONNECTION",
        Kind::Text,
        Default::None,
        &[(D, "fact_caching_connection")],
        &["ANSIBLE_CACHE_PLUGIN_CONNECTION"],
    ),
    def(
        "CACHE_PLUGIN_TIMEOUT",
        Kind::Int,
        Default::Int(86400),
        &[(D, "fact_caching_timeout")],
        &["ANSIBLE_CACHE_PLUGIN_TIMEOUT"],
    ),
    def(
        "DEFAULT_BECOME",
        Kind::Bool,
        Default::Bool(false),
        &[(PE, "become")],
        &["ANSIBLE_BECOME"],
    ),
    def(
        "DEFAULT_BECOME_ASK_PASS",
        Kind::Bool,
        Default::Bool(false),
        &[(PE, "become_ask_pass")],
        &["ANSIBLE_BECOME_ASK_PASS"],
    ),
    def(
        "DEFAULT_BECOME_METHOD",
        Kind::Text,
        Default::Text("sudo"),
        &[(PE, "become_method")],
        &["ANSIBLE_BECOME_METHOD"],
    ),
    def(
        "DEFAULT_BECOME_USER",
        Kind::Text,
        Default::Text("root"),
        &[(PE, "become_user")],
        &["ANSIBLE_BECOME_USER"],
    ),
    // drover's own default: 50 hosts at once (ansible-core's is 5).
    def(
        "DEFAULT_FORKS",
        Kind::Int,
        Default::Int(50),
        &[(D, "forks")],
        &["ANSIBLE_FORKS"],
    ),
    Def {
        choices: &["implicit", "explicit", "smart"],
        ..def(
            "DEFAULT_GATHERING",
            Kind::Text,
            Default::Text("implicit"),
            &[(D, "gathering")],
            &["ANSIBLE_GATHERING"],
        )
    },
    def(
        "DEFAULT_HOST_LIST",
        Kind::PathList,
        Default::Paths("/etc/ansible/hosts"),
        &[(D, "inventory")],
        &["ANSIBLE_INVENTORY"],
    ),
    def(
        "DEFAULT_PRIVATE_KEY_FILE",
        Kind::Path,
        Default::None,
        &[(D, "private_key_file")],
        &["ANSIBLE_PRIVATE_KEY_FILE"],
    ),
    def(
        "DEFAULT_REMOTE_USER",
        Kind::Text,
        Default::None,
        &[(D, "remote_user")],
        &["ANSIBLE_REMOTE_USER"],
    ),
    def(
        "DEFAULT_ROLES_PATH",
        Kind::PathSpec,
        Default::UnderHome("/roles:/usr/share/ansible/roles:/etc/ansible/roles"),
        &[(D, "roles_path")],
        &["ANSIBLE_ROLES_PATH"],
    ),
    def(
        "DEFAULT_STDOUT_CALLBACK",
        Kind::Text,
        Default::Text("default"),
        &[(D, "stdout_callback")],
        &["ANSIBLE_STDOUT_CALLBACK"],
    ),
    def(
        "DEFAULT_TIMEOUT",
        Kind::Int,
        Default::Int(10),
        &[(D, "timeout")],
        &["ANSIBLE_TIMEOUT"],
    ),
    def(
        "DEFAULT_TRANSPORT",
        Kind::Text,
        Default::Text("ssh"),
        &[(D, "transport")],
        &["ANSIBLE_TRANSPORT"],
    ),
    def(
        "DEFAULT_VAULT_IDENTITY_LIST",
        Kind::List,
        Default::List(&[]),
        &[(D, "vault_identity_list")],
        &["ANSIBLE_VAULT_IDENTITY_LIST"],
    ),
    def(
        "DEFAULT_VAULT_PASSWORD_FILE",
        Kind::Path,
        Default::None,
        &[(D, "vault_password_file")],
        &["ANSIBLE_VAULT_PASSWORD_FILE"],
    ),
    def(
        "HOST_KEY_CHECKING",
        Kind::Bool,
        Default::Bool(true),
        &[(D, "host_key_checking")],
        &["ANSIBLE_HOST_KEY_CHECKING"],
    ),
    def(
        "INVENTORY_ENABLED",
        Kind::List,
        Default::List(&["host_list", "script", "auto", "yaml", "ini", "toml"]),
        &[("inventory", "enable_plugins")],
        &["ANSIBLE_INVENTORY_ENABLED"],
    ),
    def(
        "RETRY_FILES_ENABLED",
        Kind::Bool,
        Default::Bool(false),
        &[(D, "retry_files_enabled")],
        &["ANSIBLE_RETRY_FILES_ENABLED"],
    ),
    def(
        "RETRY_FILES_SAVE_PATH",
        Kind::Path,
        Default::None,
        &[(D, "retry_files_save_path")],
        &["ANSIBLE_RETRY_FILES_SAVE_PATH"],
    ),
    // The ssh connection plugin's own options (its `remote_user`, `timeout` and
    // `private_key_file` come from the base settings through the command line's defaults).
    ssh(
        "control_path_dir",
        Kind::Text,
        Default::Text("~/.ansible/cp"),
        &[(SSH, "control_path_dir")],
        &["ANSIBLE_SSH_CONTROL_PATH_DIR"],
    ),
    ssh(
        "host_key_checking",
        Kind::Bool,
        Default::Bool(true),
        &[(D, "host_key_checking"), (SSH, "host_key_checking")],
        &["ANSIBLE_HOST_KEY_CHECKING", "ANSIBLE_SSH_HOST_KEY_CHECKING"],
    ),
    ssh(
        "pipelining",
        Kind::Text,
        Default::None,
        &[
            (D, "pipelining"),
            ("connection", "pipelining"),
            (SSH, "pipelining"),
        ],
        &["ANSIBLE_PIPELINING", "ANSIBLE_SSH_PIPELINING"],
    ),
    ssh(
        "ssh_args",
        Kind::Text,
        Default::Text("-C -o ControlMaster=auto -o ControlPersist=60s"),
        &[(SSH, "ssh_args")],
        &["ANSIBLE_SSH_ARGS"],
    ),
    ssh(
        "ssh_common_args",
        Kind::Text,
        Default::Text(""),
        &[(SSH, "ssh_common_args")],
        &["ANSIBLE_SSH_COMMON_ARGS"],
    ),
];

/// The definition named `name` in `scope`.
pub(crate) fn find(scope: Scope, name: &str) -> Option<&'static Def> {
    DEFS.iter().find(|d| d.scope == scope && d.name == name)
}
