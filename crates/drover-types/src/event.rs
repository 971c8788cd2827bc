use crate::{Span, TaskResult};

/// How one task ended on one host (or for one loop item).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Ran, changed nothing.
    Ok,
    /// Ran and changed the host.
    Changed,
    /// Failed (see `ignored`).
    Failed,
    /// Skipped: `when` was false, or the module chose to.
    Skipped,
    /// The host could not be reached.
    Unreachable,
}

/// The PLAY RECAP counters for one host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostStats {
    /// Tasks that ran (changed ones included, as Ansible counts them).
    pub ok: u32,
    /// Tasks that changed the host.
    pub changed: u32,
    /// 1 when the host became unreachable.
    pub unreachable: u32,
    /// Failed tasks that were not ignored or rescued.
    pub failed: u32,
    /// Skipped tasks.
    pub skipped: u32,
    /// Blocks whose rescue ran.
    pub rescued: u32,
    /// Failures that `ignore_errors` let through.
    pub ignored: u32,
}

/// Everything a reporter may learn about a run, in a deterministic order: by play, by task,
/// then by host in inventory order, never by completion time.
#[derive(Debug, Clone)]
#[non_exhaustive]
// `HostResult`, the large one, is most of the events: boxing it would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Event {
    /// A play begins.
    PlayStart {
        /// The play's name, or its host pattern when it has none.
        name: String,
        /// `--check`.
        check_mode: bool,
    },
    /// A play matched no host.
    NoHostsMatched,
    /// A task (or handler) begins.
    TaskStart {
        /// The task's name, or `module` when it has none.
        name: String,
        /// It is a handler run.
        handler: bool,
        /// Where it was written.
        span: Option<Span>,
    },
    /// One host's result for a task, or for one loop item of it.
    HostResult {
        /// The inventory hostname.
        host: String,
        /// Where the task ran, when delegated (`host -> other`).
        delegated_to: Option<String>,
        /// The loop item's label, when this is one item of a loop.
        item_label: Option<String>,
        /// How it ended.
        status: Status,
        /// `ignore_errors` let a failure through.
        ignored: bool,
        /// The result; reporters must not show its data for `no_log` tasks.
        result: TaskResult,
        /// The task hides its values (`no_log`).
        no_log: bool,
        /// The result asks to be shown in full (`debug`, a passing `assert`).
        verbose_always: bool,
        /// The module's short name (`debug` output is trimmed as Ansible trims it).
        module: String,
    },
    /// An `until` attempt failed and the task will run again on this host.
    Retrying {
        /// The inventory hostname.
        host: String,
        /// The task's name as shown in its banner.
        task: String,
        /// Attempts still to come.
        retries_left: u32,
    },
    /// A loop failed on `host` and `ignore_errors` let it through; its items were already
    /// shown one by one (ansible-playbook then says `...ignoring` once, for the whole loop).
    LoopFailureIgnored {
        /// The inventory hostname.
        host: String,
    },
    /// Too many hosts failed (`max_fail_percentage`): the play stops for all of them.
    NoHostsLeft,
    /// `include_tasks`/`include_role` brought in a file (or role) for a host.
    Included {
        /// The inventory hostnames that include it together.
        hosts: Vec<String>,
        /// The task file's absolute path, or the role's name.
        target: String,
        /// The loop item's label, when the include loops.
        item_label: Option<String>,
    },
    /// A warning for the user.
    Warning(String),
    /// A note for the user that is not a problem.
    Info(String),
    /// The end of the run, with the counters of every host in inventory order.
    Recap(Vec<(String, HostStats)>),
}

/// Reads events and shows them somewhere (terminal, JSON, JUnit). Reporters only read events.
pub trait Reporter: Send {
    /// Called once per event, in order.
    fn event(&mut self, event: &Event);
}
