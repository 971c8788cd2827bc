//! What the engine remembers about one host across the whole run.

use drover_types::{Connection, HostStats};
use std::collections::BTreeSet;
use std::sync::Arc;

/// One host's state: its connection, whether it dropped out, and its recap counters. Its
/// variables are in the runner's table of [`crate::vars::HostLayers`].
pub(crate) struct HostState {
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
    pub(crate) fn new() -> Self {
        HostState {
            conn: None,
            failed: false,
            failed_run: false,
            unreachable: false,
            ended: false,
            notified: BTreeSet::new(),
            stats: HostStats::default(),
        }
    }

    /// Still taking part in the play.
    pub(crate) fn active(&self) -> bool {
        !self.failed && !self.unreachable && !self.ended
    }
}
