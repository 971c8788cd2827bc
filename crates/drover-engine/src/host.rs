//! What the engine remembers about one host across the whole run.

use drover_types::{Connection, HostStats, Map};
use std::collections::BTreeSet;
use std::sync::Arc;

/// One host's state: its variables from the inventory, what tasks set, its connection, whether it
/// dropped out, and its recap counters.
pub(crate) struct HostState {
    /// Inventory variables, merged in Ansible's precedence.
    pub(crate) inventory_vars: Map,
    /// Play `vars_files`, loaded for this host at play start.
    pub(crate) vars_files: Map,
    /// `include_vars` results, between task vars and facts.
    pub(crate) included: Map,
    /// `set_fact` and `register` results, which outrank play and task vars.
    pub(crate) facts: Map,
    /// Opened on the first task that needs it.
    pub(crate) conn: Option<Arc<dyn Connection>>,
    /// A task failed and nothing rescued it: the host takes no further part in this play.
    pub(crate) failed: bool,
    /// The host failed and no `meta: clear_host_errors` cleared it: it sits out later plays and
    /// makes the run exit 2.
    pub(crate) failed_run: bool,
    /// The host could not be reached.
    pub(crate) unreachable: bool,
    /// `meta: end_host`, or `end_play` for everyone: done with this play.
    pub(crate) ended: bool,
    /// Handler names and `listen` topics this host notified and that have not run yet.
    pub(crate) notified: BTreeSet<String>,
    /// The PLAY RECAP counters.
    pub(crate) stats: HostStats,
}

impl HostState {
    pub(crate) fn new(inventory_vars: Map) -> Self {
        HostState {
            inventory_vars,
            vars_files: Map::new(),
            included: Map::new(),
            facts: Map::new(),
            conn: None,
            failed: false,
            failed_run: false,
            unreachable: false,
            ended: false,
            notified: BTreeSet::new(),
            stats: HostStats::default(),
        }
    }

    /// Keeps what a task's result sets on the host: `include_vars` variables, facts and the
    /// registered result. Facts were templated when they were set; like ansible-core 2.19, drover
    /// never templates a template's output again (a command's output or a file's content could
    /// hold `{{ }}`), so they are stored unsafe.
    pub(crate) fn keep(&mut self, task: &drover_playbook::Task, result: &drover_types::TaskResult) {
        for (k, v) in &result.vars {
            self.included.insert(k.clone(), v.clone());
        }
        for (k, v) in &result.facts {
            self.facts
                .insert(k.clone(), drover_types::mark_unsafe(v.clone()));
        }
        if let Some(name) = &task.register {
            self.facts
                .insert(name.clone(), drover_types::mark_unsafe(result.to_value()));
        }
    }

    /// Still taking part in the play.
    pub(crate) fn active(&self) -> bool {
        !self.failed && !self.unreachable && !self.ended
    }
}
