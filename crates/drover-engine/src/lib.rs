//! Runs playbooks. Owns variables and their precedence, templating of task keywords and
//! arguments, loops, conditions, handlers, blocks, strategies and the events that describe a run.
//!
//! The executor never knows what a module does: it templates a task's arguments, calls
//! [`drover_types::Module::run`] through a connection from a
//! [`drover_types::Connector`], and turns results into [`drover_types::Event`]s
//! for a [`drover_types::Reporter`]. Hosts of a play run a task concurrently (up to
//! `forks` at once); events are sent in inventory order once every host has finished the task, so
//! output never depends on timing. It never prints and never opens a connection itself.

#![forbid(unsafe_code)]

mod block;
#[cfg(test)]
mod condition_tests;
mod dynamic;
mod environment;
mod error;
mod facts;
mod free;
mod gather;
mod host;
mod include;
mod loops;
mod play;
mod repr;
mod serial;
mod tags;
mod task;
#[cfg(test)]
mod testkit;
mod vars;

pub use error::Error;
pub use tags::TagFilter;

use drover_inventory::Inventory;
use drover_playbook::Playbook;
use drover_types::{Connector, HostStats, Module, Reporter};
use std::collections::HashMap;

/// Everything a run needs to know, decided before any host is contacted.
pub struct RunConfig {
    /// The loaded, validated playbooks, run in order as one run.
    pub playbooks: Vec<Playbook>,
    /// The inventory (with the playbook's `group_vars/` and `host_vars/` added).
    pub inventory: Inventory,
    /// `-e`, highest precedence, with the parts written `!unsafe`.
    pub extra_vars: drover_types::Layer,
    /// `--limit`.
    pub limit: Option<String>,
    /// `--tags` and `--skip-tags`.
    pub tags: TagFilter,
    /// `--check`.
    pub check: bool,
    /// `--diff`.
    pub diff: bool,
    /// `--forks`: hosts worked on at once.
    pub forks: usize,
    /// `--start-at-task`.
    pub start_at_task: Option<String>,
    /// `-v` count.
    pub verbosity: u8,
    /// `-b`, `--become-user`, `--become-method` and `-K`: the lowest-precedence become settings,
    /// below playbook keywords and `ansible_become*` variables.
    pub become_defaults: BecomeDefaults,
    /// `-c`: the connection for hosts that set none (as a default `ansible_connection`).
    pub connection: Option<String>,
    /// The controller's environment, for `lookup('env')` (read by the binary, not here).
    pub controller_env: Vec<(String, String)>,
    /// Where roles are looked for, for `include_tasks`/`include_role` loaded at run time.
    pub load_options: drover_playbook::LoadOptions,
    /// ansible.cfg's `gathering`: `explicit` makes plays without `gather_facts` gather nothing
    /// (`implicit`, the default, and `smart` gather).
    pub gathering: String,
    /// The ansible.cfg in use: the `ansible_config_file` magic variable (`None` when there is
    /// none, as in ansible-core).
    pub config_file: Option<String>,
}

/// Become settings from the command line.
#[derive(Debug, Clone, Default)]
pub struct BecomeDefaults {
    /// `-b`.
    pub become_: bool,
    /// `--become-user`.
    pub user: Option<String>,
    /// `--become-method`.
    pub method: Option<String>,
    /// `-K`: the password, sent on stdin only.
    pub password: Option<String>,
}

/// The modules, connections and reporter a run uses, chosen by the caller.
pub struct Runtime<'a> {
    /// Modules by short name.
    pub modules: HashMap<&'static str, &'static dyn Module>,
    /// Opens a connection per host.
    pub connector: &'a dyn Connector,
    /// Receives every event.
    pub reporter: &'a mut dyn Reporter,
}

/// How a run ended.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// The recap counters, in inventory order.
    pub stats: Vec<(String, HostStats)>,
    /// Hosts that failed (and were not cleared by `meta: clear_host_errors`).
    pub failed: Vec<String>,
    /// Hosts that could not be reached.
    pub unreachable: Vec<String>,
}

impl Summary {
    /// ansible-playbook's exit code: 4 when a host was unreachable, 2 when one failed, else 0.
    pub fn exit_code(&self) -> i32 {
        if !self.unreachable.is_empty() {
            4
        } else if !self.failed.is_empty() {
            2
        } else {
            0
        }
    }
}

/// Runs every play of the playbook and reports the recap.
pub async fn run(config: RunConfig, runtime: Runtime<'_>) -> Result<Summary, Error> {
    play::run_playbook(&config, runtime).await
}
