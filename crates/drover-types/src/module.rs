use crate::{Become, Connection, Map, TaskResult, Templar};
use async_trait::async_trait;
use std::path::PathBuf;
use std::time::Duration;

/// What a module argument holds; checked when the playbook is loaded (for literal values) and
/// again when the task runs (after templating).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// Any scalar, used as text (numbers and booleans are turned into their text form).
    Str,
    /// A path: text; `~` is expanded on the host where the module says so.
    Path,
    /// A boolean in any of Ansible's spellings (`yes`, `true`, `on`, `1`...).
    Bool,
    /// An integer, or text that parses as one.
    Int,
    /// A file mode: an integer (already octal from YAML, `0644`), an octal string or symbolic.
    Mode,
    /// A list; a comma-separated string is split as Ansible does.
    List,
    /// A mapping.
    Dict,
    /// Anything at all.
    Any,
}

/// The value an argument has when a task does not give it, as Ansible's module reports it in
/// `invocation.module_args`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgDefault {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A text.
    Str(&'static str),
}

/// One argument a module accepts.
#[derive(Debug, Clone, Copy)]
pub struct ArgSpecEntry {
    /// The canonical name.
    pub name: &'static str,
    /// Other accepted names (`dest` for `path`...).
    pub aliases: &'static [&'static str],
    /// What it holds.
    pub kind: ArgKind,
    /// Whether a task must give it.
    pub required: bool,
    /// The only accepted values, when limited (`state`).
    pub choices: &'static [&'static str],
    /// The engine passes it to the module untemplated (`assert`'s `that`, `debug`'s `var`).
    pub raw: bool,
    /// Its value when not given, for `invocation.module_args`.
    pub default: ArgDefault,
}

impl ArgSpecEntry {
    /// An optional argument of `kind`.
    pub const fn new(name: &'static str, kind: ArgKind) -> Self {
        ArgSpecEntry {
            name,
            aliases: &[],
            kind,
            required: false,
            choices: &[],
            raw: false,
            default: ArgDefault::Null,
        }
    }
    /// The same argument with a default value (only reported, in `invocation`).
    pub const fn default(mut self, default: ArgDefault) -> Self {
        self.default = default;
        self
    }
    /// The same argument, required.
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// The same argument with other accepted names.
    pub const fn aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }
    /// The same argument limited to `choices`.
    pub const fn choices(mut self, choices: &'static [&'static str]) -> Self {
        self.choices = choices;
        self
    }
    /// The same argument, passed untemplated.
    pub const fn raw(mut self) -> Self {
        self.raw = true;
        self
    }
}

/// Everything a module accepts.
#[derive(Debug, Clone, Copy)]
pub struct ArgSpec {
    /// The module's own arguments.
    pub args: &'static [ArgSpecEntry],
    /// Argument groups it shares with other modules (the file attributes every file-writing
    /// module takes, say), after its own.
    pub shared: &'static [&'static [ArgSpecEntry]],
    /// The module takes free-form text (`command: ls -l`), given to it as `_raw_params`.
    pub free_form: bool,
    /// The module accepts any argument name (`set_fact`).
    pub any_args: bool,
}

impl ArgSpec {
    /// Every argument: its own, then the shared groups.
    pub fn entries(&self) -> impl Iterator<Item = &ArgSpecEntry> {
        self.args
            .iter()
            .chain(self.shared.iter().flat_map(|g| g.iter()))
    }

    /// Finds an argument by its name or one of its aliases.
    pub fn find(&self, name: &str) -> Option<&ArgSpecEntry> {
        self.entries()
            .find(|a| a.name == name || a.aliases.contains(&name))
    }
}

/// What a module may use while it runs on one host.
pub struct ModuleContext<'a> {
    /// The host, and the only way to reach it.
    pub conn: &'a dyn Connection,
    /// Templating, for modules that render (template, debug, assert).
    pub templar: &'a dyn Templar,
    /// Every variable the task sees.
    pub vars: &'a crate::Vars,
    /// `--check`: change nothing, report what would change.
    pub check_mode: bool,
    /// `--diff`: fill [`TaskResult::diffs`].
    pub diff: bool,
    /// Run host commands as this user.
    pub become_: Option<&'a Become>,
    /// Controller directories searched for relative `src` (a role's dir, then the playbook's);
    /// `copy` looks in `files/` below each, `template` in `templates/`, then in the dir itself.
    pub search_paths: &'a [PathBuf],
    /// The task's `timeout:`.
    pub timeout: Option<Duration>,
    /// Where each argument's value is written in the playbook, by argument name.
    pub arg_spans: &'a [(String, crate::Span)],
}

/// A module: checks a host and, when needed, changes it, in as few round trips as it can.
#[async_trait]
pub trait Module: Send + Sync {
    /// The short name (`copy`); the engine also accepts `ansible.builtin.<name>`.
    fn name(&self) -> &'static str;
    /// The arguments it accepts.
    fn spec(&self) -> &'static ArgSpec;
    /// Runs on one host. `args` are templated and keyed by canonical names (aliases resolved),
    /// with `omit`ted ones removed. A failure is a result with `failed` set, never a panic.
    async fn run(&self, ctx: &ModuleContext<'_>, args: &Map) -> TaskResult;
    /// The `module_args` of the result's `invocation`, as ansible-core's module of the same
    /// name reports them (every parameter it has, defaults filled in), for `args` as
    /// [`Module::run`] got them and the `result` it gave; `None` for what ansible-core runs as
    /// an action without a module (`debug`, `set_fact`...), whose results have no `invocation`.
    fn invocation(&self, args: &Map, result: &TaskResult) -> Option<Map> {
        let _ = (args, result);
        None
    }
}
