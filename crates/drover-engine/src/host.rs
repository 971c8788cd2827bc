//! What the engine remembers about one host across the whole run.

use drover_types::{Connection, HostStats};
use std::collections::BTreeSet;
use std::sync::Arc;

/// One host's state: its connection, where it stands in the play and the run, and its recap
/// counters. Its variables are in the runner's table of [`crate::vars::HostLayers`].
pub(crate) struct HostState {
    /// Opened on the first task that needs it.
    pub(crate) conn: Option<Arc<dyn Connection>>,
    /// Whether it still takes part in the play, and whether it failed the run.
    pub(crate) standing: Standing,
    /// Handler names and `listen` topics this host notified and that have not run yet.
    pub(crate) notified: BTreeSet<String>,
    /// The PLAY RECAP counters.
    pub(crate) stats: HostStats,
}

impl HostState {
    pub(crate) fn new() -> Self {
        HostState {
            conn: None,
            standing: Standing::default(),
            notified: BTreeSet::new(),
            stats: HostStats::default(),
        }
    }
}

/// Where a host stands: in the play in progress (taking part, failed out of it, ended) or out of
/// the whole run (unreachable).
///
/// `failed_run`, in every variant, is the run-wide mark of a failure that nothing rescued: it
/// makes the run exit 2 and keeps the host out of later plays, until `meta: clear_host_errors`
/// clears it. It is not the same as [`Standing::Failed`]: a failure inside a block that has a
/// `rescue` puts the host out of the play (until the rescue) without marking the run, a cleared
/// host stays out of the play, and a host whose failure is not over (a block's `always` running
/// for it, a rescue after a failed handler) takes part with the mark still on.
///
/// An ended host that also failed is just [`Standing::Ended`]: ending takes it out of the play
/// until the next one, which is all a failure in the play would do, and a `rescue` does not bring
/// an ended host back. An unreachable host is out of everything: failed or ended no longer matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// Takes part in the play.
    Active {
        /// A failure nothing rescued counts against the run.
        failed_run: bool,
    },
    /// A task failed in this play: the host sits out the rest of it (unless a `rescue` or an
    /// `always` takes it back). `force_handlers` still runs its handlers.
    Failed {
        /// A failure nothing rescued counts against the run.
        failed_run: bool,
    },
    /// `meta: end_host`, `end_play`, or `any_errors_fatal`/`max_fail_percentage` stopping the
    /// play: done with this play, back for the next. `force_handlers` still runs its handlers.
    Ended {
        /// A failure nothing rescued counts against the run.
        failed_run: bool,
    },
    /// The host could not be reached: it takes no further part in the run, handlers included.
    Unreachable {
        /// It also failed before (exit code 4 either way, but it is listed as failed too).
        failed_run: bool,
    },
}

impl Default for Standing {
    fn default() -> Self {
        Standing::Active { failed_run: false }
    }
}

impl Standing {
    fn failed_run_mut(&mut self) -> &mut bool {
        match self {
            Standing::Active { failed_run }
            | Standing::Failed { failed_run }
            | Standing::Ended { failed_run }
            | Standing::Unreachable { failed_run } => failed_run,
        }
    }

    // Transitions.

    /// A task failed and nothing will rescue it: out of this play, and the run is failed.
    pub(crate) fn fail(&mut self) {
        self.fail_rescuable();
        *self.failed_run_mut() = true;
    }

    /// A task failed inside the `block` of a block that has a `rescue`: out of the play until
    /// the rescue takes the host back; the run is not failed for it.
    pub(crate) fn fail_rescuable(&mut self) {
        if let Standing::Active { failed_run } = *self {
            *self = Standing::Failed { failed_run };
        }
    }

    /// A block's `rescue` starts: a host that failed in its `block` takes part again (an ended
    /// or unreachable one does not).
    pub(crate) fn rescue(&mut self) {
        if let Standing::Failed { failed_run } = *self {
            *self = Standing::Active { failed_run };
        }
    }

    /// A block's `always` starts for a host that failed in the block: it takes part for the
    /// `always` section. Returns whether it had failed, for [`Standing::leave_always`].
    pub(crate) fn enter_always(&mut self) -> bool {
        let failed = matches!(self, Standing::Failed { .. });
        self.rescue();
        failed
    }

    /// The `always` section is over for a host that had failed in the block: it is failed
    /// again (unless it ended or became unreachable meanwhile).
    pub(crate) fn leave_always(&mut self) {
        self.fail_rescuable();
    }

    /// The host could not be reached: out of the run for good.
    pub(crate) fn unreachable(&mut self) {
        *self = Standing::Unreachable {
            failed_run: self.counts_as_failed(),
        };
    }

    /// `meta: end_host`, `end_play`, or a play stopped by `any_errors_fatal` or
    /// `max_fail_percentage`: done with this play.
    pub(crate) fn end(&mut self) {
        match *self {
            Standing::Active { failed_run } | Standing::Failed { failed_run } => {
                *self = Standing::Ended { failed_run };
            }
            Standing::Ended { .. } | Standing::Unreachable { .. } => {}
        }
    }

    /// `meta: clear_host_errors`: the failure no longer counts against the run (nor keeps the
    /// host out of later plays), but the host stays where it is in this play.
    pub(crate) fn clear_errors(&mut self) {
        *self.failed_run_mut() = false;
    }

    /// A new play starts for the host: failed in the last play or ended, it takes part again.
    pub(crate) fn new_play(&mut self) {
        match *self {
            Standing::Failed { failed_run } | Standing::Ended { failed_run } => {
                *self = Standing::Active { failed_run };
            }
            Standing::Active { .. } | Standing::Unreachable { .. } => {}
        }
    }

    // Queries.

    /// Still taking part in the play.
    pub(crate) fn active(&self) -> bool {
        matches!(self, Standing::Active { .. })
    }

    /// Runs the handlers it notified: while active, and with `force_handlers` also after it
    /// failed or ended, but never once unreachable.
    pub(crate) fn runs_handlers(&self, force_handlers: bool) -> bool {
        match self {
            Standing::Active { .. } => true,
            Standing::Failed { .. } | Standing::Ended { .. } => force_handlers,
            Standing::Unreachable { .. } => false,
        }
    }

    /// Failed out of this play (what a block's `rescue` and `always` look for).
    pub(crate) fn failed_in_play(&self) -> bool {
        matches!(self, Standing::Failed { .. })
    }

    /// A failure nothing rescued or cleared: the run exits 2 (see [`crate::Summary`]).
    pub(crate) fn counts_as_failed(&self) -> bool {
        match *self {
            Standing::Active { failed_run }
            | Standing::Failed { failed_run }
            | Standing::Ended { failed_run }
            | Standing::Unreachable { failed_run } => failed_run,
        }
    }

    /// Could not be reached.
    pub(crate) fn is_unreachable(&self) -> bool {
        matches!(self, Standing::Unreachable { .. })
    }

    /// Takes no part in later plays: it failed the run, or could not be reached.
    pub(crate) fn out_of_run(&self) -> bool {
        self.counts_as_failed() || self.is_unreachable()
    }
}
