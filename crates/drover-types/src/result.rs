use crate::{ConnectionError, Map, Value};

/// A before/after pair for `--diff`, as Ansible's `diff` return value holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileDiff {
    /// Names the old side (`before: /etc/motd`).
    pub before_header: String,
    /// Names the new side.
    pub after_header: String,
    /// The old text.
    pub before: String,
    /// The new text.
    pub after: String,
}

/// What a module did on one host (Ansible's result dict, with the common keys pulled out).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskResult {
    /// It changed (or in check mode would change) the host.
    pub changed: bool,
    /// It failed.
    pub failed: bool,
    /// It did nothing on purpose (`creates` already exists, check mode for command...).
    pub skipped: bool,
    /// The host could not be reached.
    pub unreachable: bool,
    /// A human message.
    pub msg: Option<String>,
    /// Every other return value (`rc`, `stdout`, `dest`, `mode`...), registered as given.
    pub data: Map,
    /// What changed, for `--diff`.
    pub diffs: Vec<FileDiff>,
    /// Variables to set on the host (`set_fact`'s `ansible_facts`).
    pub facts: Map,
    /// Variables to set on the host one level below `facts` (`include_vars`: they outrank task
    /// vars but not `set_fact` or registered results), with the parts written `!unsafe`.
    pub vars: crate::Layer,
    /// Warnings to show the user.
    pub warnings: Vec<String>,
    /// Where in the playbook some of the [`warnings`](Self::warnings) point, by their text
    /// (ansible-core prints an `Origin:` under a template error in an argument).
    pub warning_origins: std::collections::BTreeMap<String, crate::Span>,
    /// What made it, which decides the common keys it registers with.
    pub shape: Shape,
    /// Deprecated ways the task is written, for the user (never registered).
    pub deprecations: Vec<Deprecation>,
}

/// Something written in a way ansible-core still accepts but deprecates, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deprecation {
    /// What is deprecated, worded as ansible-core prints it.
    pub message: String,
    /// Where it is written.
    pub origin: crate::Span,
}

/// Where a result came from, as far as the keys it registers with differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shape {
    /// A module ran (or failed to): `failed` always, `exception` when failed.
    #[default]
    Module,
    /// The task's `when` was false: no `failed` key.
    SkippedByCondition,
    /// The summary of a looped task, whose `results` hold the items' results: `skipped`
    /// always, `failed` only when an item failed, never `exception`.
    Loop,
}

/// The key a module (`setup`) sets so that its result is never printed, not even with `-v`,
/// as ansible-core's callback honours it; never registered.
pub const VERBOSE_OVERRIDE: &str = "_ansible_verbose_override";

/// What ansible-core 2.19 puts in a failed result's `exception` when tracebacks are off.
pub const NO_TRACEBACK: &str = "(traceback unavailable)";

impl TaskResult {
    /// A successful, unchanged result.
    pub fn ok() -> Self {
        TaskResult::default()
    }

    /// A successful result, changed or not.
    pub fn changed(changed: bool) -> Self {
        TaskResult {
            changed,
            ..TaskResult::default()
        }
    }

    /// A failed result with a message.
    pub fn failed(msg: impl Into<String>) -> Self {
        TaskResult {
            failed: true,
            msg: Some(msg.into()),
            ..TaskResult::default()
        }
    }

    /// A skipped result with a message.
    pub fn skipped(msg: impl Into<String>) -> Self {
        TaskResult {
            skipped: true,
            msg: Some(msg.into()),
            ..TaskResult::default()
        }
    }

    /// Adds a return value.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.data.insert(key.to_owned(), value.into());
        self
    }

    /// Sets a return value.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.data.insert(key.to_owned(), value.into());
    }

    /// The result as Ansible registers it: every return value plus `changed`, `failed` (unless
    /// skipped), `exception` (when failed), `msg`, `skipped` (when skipped), `unreachable` (when
    /// unreachable) and `diff` (when any).
    pub fn to_value(&self) -> Value {
        let mut map = self.data.clone();
        map.insert("changed".into(), self.changed.into());
        if self.failed || self.shape == Shape::Module {
            map.insert("failed".into(), self.failed.into());
        }
        if self.failed
            && !self.unreachable
            && self.shape != Shape::Loop
            && !map.contains_key("exception")
        {
            map.insert("exception".into(), NO_TRACEBACK.into());
        }
        if self.skipped || self.shape == Shape::Loop {
            map.insert("skipped".into(), self.skipped.into());
        }
        if self.unreachable {
            map.insert("unreachable".into(), true.into());
        }
        if let Some(msg) = &self.msg {
            map.insert("msg".into(), msg.clone().into());
        }
        if !self.facts.is_empty() {
            map.insert("ansible_facts".into(), Value::Object(self.facts.clone()));
        }
        if !self.warnings.is_empty() {
            map.insert("warnings".into(), self.warnings.clone().into());
        }
        Value::Object(map)
    }
}

impl TaskResult {
    /// The value `register:` stores: [`TaskResult::to_value`] without `invocation`, which
    /// ansible-core keeps only in a loop's item results.
    pub fn registered(&self) -> Value {
        let mut value = self.to_value();
        if let Value::Object(map) = &mut value {
            map.shift_remove("invocation");
        }
        value
    }
}

impl From<ConnectionError> for TaskResult {
    fn from(err: ConnectionError) -> Self {
        match err {
            ConnectionError::Unreachable(msg) => TaskResult {
                unreachable: true,
                msg: Some(msg),
                ..TaskResult::default()
            },
            other => TaskResult::failed(other.to_string()),
        }
    }
}
