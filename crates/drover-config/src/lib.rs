//! drover's view of `ansible.cfg` and the `ANSIBLE_*` environment: the file found as
//! ansible-core finds it (module `find`), parsed as Python's configparser parses it
//! ([`ini`]), each setting typed as ansible-core types it ([`types`]) and kept with where it came
//! from (`ansible-config dump` shows that).
//!
//! Precedence, lowest first: default < file < environment; command-line flags override all
//! and are applied by the `drover` binary, which also reads the environment (this crate gets it
//! as an [`Environment`] value, so it never reads process state itself besides the files).
//!
//! A crate of its own rather than a module of the binary: it has its own input language and
//! error cases worth unit-testing without a process, and other crates' owners (roles, vault,
//! facts) read its accessors.

mod defs;
mod find;
pub mod ini;
pub mod types;

pub use defs::Scope;
pub use types::Value;

use defs::{DEFS, Def, Default};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use types::Resolve;

/// What the configuration is read from besides files: environment variables, the current
/// directory and the home directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    vars: HashMap<String, String>,
    cwd: Option<PathBuf>,
    home: Option<PathBuf>,
}

impl Environment {
    /// From the process's variables and current directory (`HOME` gives the home directory).
    pub fn new(vars: impl IntoIterator<Item = (String, String)>, cwd: Option<PathBuf>) -> Self {
        let vars: HashMap<String, String> = vars.into_iter().collect();
        let home = vars
            .get("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        Environment { vars, cwd, home }
    }

    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Nothing set it.
    Default,
    /// The config file, at this line.
    File {
        /// 1-based line of the key.
        line: usize,
    },
    /// This environment variable.
    Env(&'static str),
}

/// One resolved setting.
#[derive(Debug, Clone)]
pub struct Setting {
    /// ansible-core's name (`DEFAULT_FORKS`, or the plugin option's name).
    pub name: &'static str,
    /// Base setting or plugin option.
    pub scope: Scope,
    /// The typed value.
    pub value: Value,
    /// Where it came from.
    pub origin: Origin,
}

/// A configuration that cannot be used: the message names the file, line, section and key, or
/// the environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The message, without an `error:` prefix.
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    file: Option<PathBuf>,
    settings: Vec<Setting>,
    warnings: Vec<String>,
}

impl Config {
    /// Finds, reads and types the configuration.
    pub fn load(env: &Environment) -> Result<Config, Error> {
        let found = find::find(env);
        let mut warnings = Vec::new();
        if let Some(dir) = &found.skipped_world_writable {
            warnings.push(format!(
                "not reading {}: the directory is writable by every user, so anyone could have \
                 put that file there (set ANSIBLE_CONFIG to use it anyway; see \
                 https://docs.ansible.com/ansible/devel/reference_appendices/config.html#cfg-in-world-writable-dir)",
                dir.join("ansible.cfg").display()
            ));
        }
        let ini = match &found.file {
            Some(path) => Some(read(path)?),
            None => None,
        };
        let source = Source {
            env,
            file: found.file.as_deref().zip(ini.as_ref()),
        };
        let mut settings: Vec<Setting> = Vec::with_capacity(DEFS.len());
        for def in DEFS {
            let home = settings
                .iter()
                .find(|s| s.name == "ANSIBLE_HOME")
                .map(|s| s.value.to_string());
            settings.push(source.resolve(def, home.as_deref())?);
        }
        Ok(Config {
            file: found.file,
            settings,
            warnings,
        })
    }

    /// The file read, if any (`ansible_config_file`, `CONFIG_FILE`).
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Warnings to print before the run (the skipped world-writable `./ansible.cfg`).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Every setting drover knows, base settings first, each sorted by name.
    pub fn settings(&self) -> &[Setting] {
        &self.settings
    }

    /// The setting `name` (a base setting such as `DEFAULT_FORKS`, or an `ssh` plugin option).
    pub fn setting(&self, scope: Scope, name: &str) -> Option<&Setting> {
        self.settings
            .iter()
            .find(|s| s.scope == scope && s.name == name)
    }

    fn base(&self, name: &str) -> &Setting {
        match self.setting(Scope::Base, name) {
            Some(s) => s,
            None => unreachable_setting(name),
        }
    }

    /// A base setting's value when something set it (`None` for the default).
    fn changed(&self, name: &str) -> Option<&Value> {
        let s = self.base(name);
        (s.origin != Origin::Default).then_some(&s.value)
    }

    fn text_of(value: &Value) -> Option<String> {
        match value {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }

    fn list_of(value: &Value) -> Vec<String> {
        match value {
            Value::List(items) => items.clone(),
            _ => Vec::new(),
        }
    }

    fn bool_of(value: &Value) -> bool {
        matches!(value, Value::Bool(true))
    }

    fn int_of(value: &Value) -> i64 {
        match value {
            Value::Int(n) => *n,
            _ => 0,
        }
    }

    /// `[defaults] inventory` when set; else the default (`/etc/ansible/hosts`) only if it
    /// exists (ansible-core says nothing about a missing default).
    pub fn inventory(&self) -> Vec<PathBuf> {
        let s = self.base("DEFAULT_HOST_LIST");
        let paths = Self::list_of(&s.value).into_iter().map(PathBuf::from);
        match s.origin {
            Origin::Default => paths.filter(|p| p.exists()).collect(),
            _ => paths.collect(),
        }
    }

    /// `[defaults] forks` when set (drover's own default otherwise: 50).
    pub fn forks(&self) -> usize {
        usize::try_from(Self::int_of(&self.base("DEFAULT_FORKS").value)).unwrap_or(1)
    }

    /// `[defaults] remote_user`.
    pub fn remote_user(&self) -> Option<String> {
        Self::text_of(&self.base("DEFAULT_REMOTE_USER").value)
    }

    /// `[defaults] private_key_file`, resolved against the file's directory.
    pub fn private_key_file(&self) -> Option<PathBuf> {
        Self::text_of(&self.base("DEFAULT_PRIVATE_KEY_FILE").value).map(PathBuf::from)
    }

    /// `[defaults]` or `[ssh_connection] host_key_checking` (the ssh plugin reads both).
    pub fn host_key_checking(&self) -> bool {
        self.setting(Scope::Ssh, "host_key_checking")
            .is_none_or(|s| Self::bool_of(&s.value))
    }

    /// `[defaults] timeout` in seconds, when set.
    pub fn timeout(&self) -> Option<u64> {
        self.changed("DEFAULT_TIMEOUT")
            .and_then(|v| u64::try_from(Self::int_of(v)).ok())
    }

    /// `[defaults] roles_path`: where roles are looked for, in order (for the roles loader).
    pub fn roles_path(&self) -> Vec<PathBuf> {
        Self::list_of(&self.base("DEFAULT_ROLES_PATH").value)
            .into_iter()
            .map(PathBuf::from)
            .collect()
    }

    /// `[defaults] vault_password_file` (for the vault flags).
    pub fn vault_password_file(&self) -> Option<PathBuf> {
        Self::text_of(&self.base("DEFAULT_VAULT_PASSWORD_FILE").value).map(PathBuf::from)
    }

    /// `[defaults] vault_identity_list`: `label@source` entries, as `--vault-id` takes them.
    pub fn vault_identity_list(&self) -> Vec<String> {
        Self::list_of(&self.base("DEFAULT_VAULT_IDENTITY_LIST").value)
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// `[defaults] gathering`: `implicit`, `explicit` or `smart` (checked).
    pub fn gathering(&self) -> String {
        Self::text_of(&self.base("DEFAULT_GATHERING").value).unwrap_or_default()
    }

    /// `[defaults] fact_caching`: the cache plugin's name (`memory` by default).
    pub fn fact_caching(&self) -> String {
        Self::text_of(&self.base("CACHE_PLUGIN").value).unwrap_or_default()
    }

    /// `[defaults] fact_caching_connection` (the plugin's location, e.g. a directory).
    pub fn fact_caching_connection(&self) -> Option<String> {
        Self::text_of(&self.base("CACHE_PLUGIN_CONNECTION").value)
    }

    /// `[defaults] fact_caching_timeout` in seconds (0: never expires).
    pub fn fact_caching_timeout(&self) -> i64 {
        Self::int_of(&self.base("CACHE_PLUGIN_TIMEOUT").value)
    }

    /// `[defaults] stdout_callback` (checked: `default`, or `yaml` with a warning).
    pub fn stdout_callback(&self) -> String {
        Self::text_of(&self.base("DEFAULT_STDOUT_CALLBACK").value).unwrap_or_default()
    }

    /// `[defaults] retry_files_enabled`.
    pub fn retry_files_enabled(&self) -> bool {
        Self::bool_of(&self.base("RETRY_FILES_ENABLED").value)
    }

    /// `[defaults] retry_files_save_path`: where retry files go (else beside each playbook).
    pub fn retry_files_save_path(&self) -> Option<PathBuf> {
        Self::text_of(&self.base("RETRY_FILES_SAVE_PATH").value).map(PathBuf::from)
    }

    /// `[defaults] transport` when set (the connection for hosts that set none).
    pub fn transport(&self) -> Option<String> {
        self.changed("DEFAULT_TRANSPORT").and_then(Self::text_of)
    }

    /// `[privilege_escalation] become`.
    pub fn become_(&self) -> bool {
        Self::bool_of(&self.base("DEFAULT_BECOME").value)
    }

    /// `[privilege_escalation] become_user` when set.
    pub fn become_user(&self) -> Option<String> {
        self.changed("DEFAULT_BECOME_USER").and_then(Self::text_of)
    }

    /// `[privilege_escalation] become_method` when set.
    pub fn become_method(&self) -> Option<String> {
        self.changed("DEFAULT_BECOME_METHOD")
            .and_then(Self::text_of)
    }

    /// `[privilege_escalation] become_ask_pass`.
    pub fn become_ask_pass(&self) -> bool {
        Self::bool_of(&self.base("DEFAULT_BECOME_ASK_PASS").value)
    }

    /// `[ssh_connection] ssh_args` when set (ansible-core's default, `-C -o ControlMaster=auto
    /// -o ControlPersist=60s`, is about its own connection sharing, which drover does itself).
    pub fn ssh_args(&self) -> Option<String> {
        let s = self.setting(Scope::Ssh, "ssh_args")?;
        (s.origin != Origin::Default)
            .then(|| Self::text_of(&s.value))
            .flatten()
    }

    /// `[ssh_connection] ssh_common_args`.
    pub fn ssh_common_args(&self) -> String {
        self.setting(Scope::Ssh, "ssh_common_args")
            .and_then(|s| Self::text_of(&s.value))
            .unwrap_or_default()
    }

    /// `[inventory] enable_plugins`.
    pub fn enable_plugins(&self) -> Vec<String> {
        Self::list_of(&self.base("INVENTORY_ENABLED").value)
    }

    /// What `ansible-config dump` prints for the base settings drover knows:
    /// `CONFIG_FILE() = path`, then `NAME(origin) = value` per setting, by name; with
    /// `only_changed`, only those something set. With `ssh`, also the `ssh` connection
    /// plugin's options drover knows, as `dump -t connection` prints them.
    pub fn dump(&self, only_changed: bool, ssh: bool) -> String {
        let config_file = format!(
            "CONFIG_FILE() = {}\n",
            self.file
                .as_ref()
                .map_or("None".to_owned(), |p| p.display().to_string())
        );
        let line = |s: &Setting| {
            let origin = match &s.origin {
                Origin::Default => "default".to_owned(),
                Origin::File { .. } => self
                    .file
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                Origin::Env(name) => format!("env: {name}"),
            };
            format!("{}({origin}) = {}\n", s.name, s.value)
        };
        let shown = |s: &&Setting| !only_changed || s.origin != Origin::Default;
        // Sorted by name, `CONFIG_FILE` among the others.
        let mut base: Vec<(&str, String)> = vec![("CONFIG_FILE", config_file)];
        base.extend(
            self.settings
                .iter()
                .filter(|s| s.scope == Scope::Base)
                .filter(shown)
                .map(|s| (s.name, line(s))),
        );
        base.sort();
        let mut out: String = base.into_iter().map(|(_, l)| l).collect();
        if ssh {
            let options: Vec<&Setting> = self
                .settings
                .iter()
                .filter(|s| s.scope == Scope::Ssh)
                .filter(shown)
                .collect();
            if !only_changed || !options.is_empty() {
                out.push_str("\nCONNECTION:\n==========\n\nssh:\n___\n");
                for s in options {
                    out.push_str(&line(s));
                }
            }
        }
        out
    }

    /// Values ansible-core reads but a run cannot use: another stdout callback, `forks` below
    /// 1 (ansible-playbook refuses it too), a negative timeout. Checked before a run, not for
    /// `config dump`, which shows them as `ansible-config` does. `forks_given` and
    /// `timeout_given`: the command line sets them, so the configured ones do not matter.
    pub fn check_for_run(&self, forks_given: bool, timeout_given: bool) -> Result<(), Error> {
        let callback = self.stdout_callback();
        if !matches!(
            callback.as_str(),
            "default" | "ansible.builtin.default" | "yaml" | "community.general.yaml"
        ) {
            return Err(self.refused(
                "DEFAULT_STDOUT_CALLBACK",
                &format!(
                    "drover prints results only as the `default` callback does (`yaml` is \
                     accepted and printed that way); it cannot load the `{callback}` callback"
                ),
            ));
        }
        if !forks_given && Self::int_of(&self.base("DEFAULT_FORKS").value) < 1 {
            return Err(self.refused("DEFAULT_FORKS", "forks must be 1 or more"));
        }
        if !timeout_given && Self::int_of(&self.base("DEFAULT_TIMEOUT").value) < 0 {
            return Err(self.refused("DEFAULT_TIMEOUT", "the timeout must be 0 or more seconds"));
        }
        Ok(())
    }

    /// An error about a base setting's value, naming where it was set.
    fn refused(&self, name: &str, why: &str) -> Error {
        let s = self.base(name);
        let def = defs::find(Scope::Base, name);
        Error {
            message: format!("{}: {why}", self.describe_origin(s, def)),
        }
    }

    fn describe_origin(&self, s: &Setting, def: Option<&Def>) -> String {
        match &s.origin {
            Origin::Env(var) => format!("{var} (in the environment)"),
            Origin::File { line } => {
                let key = def
                    .and_then(|d| d.ini.last())
                    .map(|(sec, key)| format!(" [{sec}] {key}"))
                    .unwrap_or_default();
                format!(
                    "{}:{line}:{key}",
                    self.file
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                )
            }
            Origin::Default => format!("{} (default)", s.name),
        }
    }

    /// A run's suggested warnings about accepted settings that change nothing in drover.
    pub fn accepted_only_warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let callback = self.stdout_callback();
        if callback.ends_with("yaml") {
            out.push(format!(
                "stdout_callback = {callback}: drover prints results as the `default` callback does"
            ));
        }
        out
    }
}

/// The table and the accessors are written together; a name missing from one is a bug caught
/// by the unit tests, never by users.
#[allow(clippy::panic)]
fn unreachable_setting(name: &str) -> ! {
    panic!("drover-config: no setting named {name}")
}

/// Reads and parses the file, with errors naming it.
fn read(path: &Path) -> Result<ini::Ini, Error> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext != "cfg" && ext != "ini" {
        return Err(Error {
            message: format!(
                "{}: a config file must end in `.cfg` or `.ini` (ansible-core reads no other kind)",
                path.display()
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| Error {
        message: format!("{}: cannot read the config file: {e}", path.display()),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| Error {
        message: format!("{}: the config file is not UTF-8 text", path.display()),
    })?;
    ini::parse(&text).map_err(|e| Error {
        message: format!(
            "{}:{}: {}{}",
            path.display(),
            e.line,
            e.message,
            e.hint.map(|h| format!("\nhint: {h}")).unwrap_or_default()
        ),
    })
}

/// Where values are looked up.
struct Source<'a> {
    env: &'a Environment,
    file: Option<(&'a Path, &'a ini::Ini)>,
}

impl Source<'_> {
    fn resolve(&self, def: &'static Def, home: Option<&str>) -> Result<Setting, Error> {
        let lookup = |name: &str| self.env.var(name);
        let cwd = self.env.cwd.clone().unwrap_or_else(|| PathBuf::from("/"));
        let from_cwd = Resolve {
            base: &cwd,
            home: self.env.home.as_deref(),
            env: &lookup,
        };
        let setting = |value: Value, origin: Origin| Setting {
            name: def.name,
            scope: def.scope,
            value,
            origin,
        };
        // The environment: the last variable of the list that is set wins.
        if let Some((var, text)) = def
            .env
            .iter()
            .rev()
            .find_map(|v| self.env.var(v).map(|t| (*v, t)))
        {
            match types::convert(&text, def.kind, false, &from_cwd) {
                Some(value) => {
                    check_choice(def, &value, || format!("{var} (in the environment)"))?;
                    return Ok(setting(value, Origin::Env(var)));
                }
                // An empty variable of a typed setting means "unset" (as in ansible-core).
                None if text.is_empty() => {}
                None => {
                    return Err(Error {
                        message: format!(
                            "{var} (in the environment): expected {}, got {}",
                            def.kind.expected(),
                            drover_python::repr::str_repr(&text)
                        ),
                    });
                }
            }
        } else if let Some((path, ini)) = self.file
            && let Some(((section, key), entry)) = def
                .ini
                .iter()
                .rev()
                .find_map(|sk| ini.get(sk.0, sk.1).map(|e| (sk, e)))
        {
            let dir = path.parent().unwrap_or(Path::new("/"));
            let from_file = Resolve {
                base: dir,
                ..from_cwd
            };
            let place = || {
                format!(
                    "{}:{}:{}: [{section}] {key}",
                    path.display(),
                    entry.line,
                    entry.column
                )
            };
            let Some(value) = types::convert(&entry.value, def.kind, true, &from_file) else {
                return Err(Error {
                    message: format!(
                        "{}: expected {}, got {}",
                        place(),
                        def.kind.expected(),
                        drover_python::repr::str_repr(&entry.value)
                    ),
                });
            };
            check_choice(def, &value, place)?;
            return Ok(setting(value, Origin::File { line: entry.line }));
        }
        Ok(setting(
            default_value(def, home, &from_cwd),
            Origin::Default,
        ))
    }
}

fn check_choice(def: &Def, value: &Value, place: impl Fn() -> String) -> Result<(), Error> {
    if def.choices.is_empty() {
        return Ok(());
    }
    match value {
        Value::Text(t) if !def.choices.contains(&t.as_str()) => Err(Error {
            message: format!(
                "{}: expected one of {}, got {}",
                place(),
                def.choices.join(", "),
                drover_python::repr::str_repr(t)
            ),
        }),
        _ => Ok(()),
    }
}

fn default_value(def: &Def, home: Option<&str>, at: &Resolve<'_>) -> Value {
    match def.default {
        Default::None => Value::None,
        Default::Bool(b) => Value::Bool(b),
        Default::Int(n) => Value::Int(n),
        Default::Text(t) => Value::Text(t.to_owned()),
        Default::List(items) => Value::List(items.iter().map(|s| (*s).to_owned()).collect()),
        Default::Paths(text) => types::convert(text, def.kind, false, at).unwrap_or(Value::None),
        Default::UnderHome(rest) => {
            let text = format!("{}{rest}", home.unwrap_or("~/.ansible"));
            types::convert(&text, def.kind, false, at).unwrap_or(Value::None)
        }
    }
}

#[cfg(test)]
mod tests;
