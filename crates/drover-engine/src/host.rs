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
    /// host out of later plays), but a failed host stays out of this play; an unreachable one
    /// is tried again from the next task, as ansible-core forgets it was unreachable.
    pub(crate) fn clear_errors(&mut self) {
        if self.is_unreachable() {
            *self = Standing::Active { failed_run: false };
        } else {
            *self.failed_run_mut() = false;
        }
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

#[cfg(test)]
mod tests {
    use super::Standing::{self, Active, Ended, Failed, Unreachable};

    /// Every standing, in the order of the tables below.
    const ALL: [Standing; 8] = [
        Active { failed_run: false },
        Active { failed_run: true },
        Failed { failed_run: false },
        Failed { failed_run: true },
        Ended { failed_run: false },
        Ended { failed_run: true },
        Unreachable { failed_run: false },
        Unreachable { failed_run: true },
    ];
    const A0: Standing = ALL[0];
    const A1: Standing = ALL[1];
    const F0: Standing = ALL[2];
    const F1: Standing = ALL[3];
    const E0: Standing = ALL[4];
    const E1: Standing = ALL[5];
    const U0: Standing = ALL[6];
    const U1: Standing = ALL[7];

    /// Applies `step` to every standing and compares with `expected`, state by state.
    fn check(name: &str, step: impl Fn(&mut Standing), expected: [Standing; 8]) {
        for (from, want) in ALL.iter().zip(expected) {
            let mut s = *from;
            step(&mut s);
            assert_eq!(s, want, "{name} from {from:?}");
        }
    }

    fn check_query(name: &str, query: impl Fn(&Standing) -> bool, expected: [bool; 8]) {
        for (s, want) in ALL.iter().zip(expected) {
            assert_eq!(query(s), want, "{name} of {s:?}");
        }
    }

    #[test]
    fn a_new_host_takes_part_and_has_not_failed() {
        assert_eq!(Standing::default(), A0);
    }

    #[test]
    fn fail_takes_the_host_out_of_the_play_and_marks_the_run() {
        // An ended host stays ended (a handler failing under `force_handlers`); an unreachable
        // one stays unreachable but is marked failed too.
        check("fail", Standing::fail, [F1, F1, F1, F1, E1, E1, U1, U1]);
    }

    #[test]
    fn a_rescuable_failure_does_not_mark_the_run() {
        check(
            "fail_rescuable",
            Standing::fail_rescuable,
            [F0, F1, F0, F1, E0, E1, U0, U1],
        );
    }

    #[test]
    fn rescue_brings_back_failed_hosts_only() {
        check("rescue", Standing::rescue, [A0, A1, A0, A1, E0, E1, U0, U1]);
    }

    #[test]
    fn always_takes_failed_hosts_in_and_puts_them_back_out() {
        check(
            "enter_always",
            |s| {
                s.enter_always();
            },
            [A0, A1, A0, A1, E0, E1, U0, U1],
        );
        check_query(
            "enter_always",
            |s| {
                let mut s = *s;
                s.enter_always()
            },
            [false, false, true, true, false, false, false, false],
        );
        check(
            "leave_always",
            Standing::leave_always,
            [F0, F1, F0, F1, E0, E1, U0, U1],
        );
        // The round trip, for the hosts it is made for.
        for from in [F0, F1] {
            let mut s = from;
            assert!(s.enter_always());
            assert!(s.active());
            s.leave_always();
            assert_eq!(s, from);
        }
    }

    #[test]
    fn unreachable_is_final_and_keeps_the_failed_mark() {
        check(
            "unreachable",
            Standing::unreachable,
            [U0, U1, U0, U1, U0, U1, U0, U1],
        );
    }

    #[test]
    fn end_is_for_every_host_still_reachable() {
        check("end", Standing::end, [E0, E1, E0, E1, E0, E1, U0, U1]);
    }

    #[test]
    fn clear_errors_unmarks_the_run_and_forgets_unreachable() {
        check(
            "clear_errors",
            Standing::clear_errors,
            [A0, A0, F0, F0, E0, E0, A0, A0],
        );
    }

    #[test]
    fn a_new_play_takes_back_failed_and_ended_hosts() {
        check(
            "new_play",
            Standing::new_play,
            [A0, A1, A0, A1, A0, A1, U0, U1],
        );
    }

    #[test]
    fn queries() {
        let t = true;
        let f = false;
        check_query("active", Standing::active, [t, t, f, f, f, f, f, f]);
        check_query(
            "runs_handlers",
            |s| s.runs_handlers(false),
            [t, t, f, f, f, f, f, f],
        );
        check_query(
            "runs_handlers with force_handlers",
            |s| s.runs_handlers(true),
            [t, t, t, t, t, t, f, f],
        );
        check_query(
            "failed_in_play",
            Standing::failed_in_play,
            [f, f, t, t, f, f, f, f],
        );
        check_query(
            "counts_as_failed",
            Standing::counts_as_failed,
            [f, t, f, t, f, t, f, t],
        );
        check_query(
            "is_unreachable",
            Standing::is_unreachable,
            [f, f, f, f, f, f, t, t],
        );
        check_query("out_of_run", Standing::out_of_run, [f, t, f, t, f, t, t, t]);
    }

    #[test]
    fn stories() {
        // A failure inside a block with a rescue: out until the rescue, never failing the run.
        let mut s = Standing::default();
        s.fail_rescuable();
        assert!(!s.active() && !s.counts_as_failed());
        s.rescue();
        assert_eq!(s, A0);

        // A plain failure, cleared: out of this play, back in the next, not failing the run.
        let mut s = Standing::default();
        s.fail();
        s.clear_errors();
        assert!(!s.active() && !s.out_of_run());
        s.new_play();
        assert_eq!(s, A0);

        // A failed host ended by `end_play` is not rescued, and comes back for the next play
        // only if its failure was cleared.
        let mut s = Standing::default();
        s.fail();
        s.end();
        s.rescue();
        assert!(!s.active() && s.out_of_run());
        s.clear_errors();
        s.new_play();
        assert_eq!(s, A0);
    }

    /// The four booleans the standing replaced, with the assignments the engine made to them;
    /// every transition must give the standing that describes what the booleans gave.
    #[derive(Debug, Clone, Copy)]
    struct Flags {
        failed: bool,
        failed_run: bool,
        unreachable: bool,
        ended: bool,
    }

    impl Flags {
        fn standing(self) -> Standing {
            let failed_run = self.failed_run;
            if self.unreachable {
                Unreachable { failed_run }
            } else if self.ended {
                Ended { failed_run }
            } else if self.failed {
                Failed { failed_run }
            } else {
                Active { failed_run }
            }
        }
    }

    #[test]
    fn the_standing_does_what_the_four_flags_did() {
        type Step = (&'static str, fn(&mut Flags), fn(&mut Standing));
        let steps: [Step; 9] = [
            (
                "fail",
                |f| {
                    f.failed = true;
                    f.failed_run = true;
                },
                Standing::fail,
            ),
            (
                "fail_rescuable",
                |f| f.failed = true,
                Standing::fail_rescuable,
            ),
            ("rescue", |f| f.failed = false, Standing::rescue),
            (
                "enter_always",
                |f| f.failed = false,
                |s| {
                    s.enter_always();
                },
            ),
            ("leave_always", |f| f.failed = true, Standing::leave_always),
            (
                "unreachable",
                |f| f.unreachable = true,
                Standing::unreachable,
            ),
            ("end", |f| f.ended = true, Standing::end),
            (
                "clear_errors",
                |f| {
                    f.failed_run = false;
                    if f.unreachable {
                        f.unreachable = false;
                        f.failed = false;
                        f.ended = false;
                    }
                },
                Standing::clear_errors,
            ),
            (
                "new_play",
                |f| {
                    f.ended = false;
                    f.failed = false;
                },
                Standing::new_play,
            ),
        ];
        for bits in 0..16u8 {
            let flags = Flags {
                failed: bits & 1 != 0,
                failed_run: bits & 2 != 0,
                unreachable: bits & 4 != 0,
                ended: bits & 8 != 0,
            };
            let s = flags.standing();
            let active = !flags.failed && !flags.unreachable && !flags.ended;
            assert_eq!(s.active(), active, "active of {flags:?}");
            for force in [false, true] {
                assert_eq!(
                    s.runs_handlers(force),
                    active || (force && !flags.unreachable),
                    "runs_handlers({force}) of {flags:?}"
                );
            }
            assert_eq!(s.counts_as_failed(), flags.failed_run, "{flags:?}");
            assert_eq!(s.is_unreachable(), flags.unreachable, "{flags:?}");
            assert_eq!(
                s.out_of_run(),
                flags.failed_run || flags.unreachable,
                "{flags:?}"
            );
            // The blocks looked for `failed && !unreachable`; an ended host that had failed is
            // left out now, which changes nothing: a rescue or always could not run it anyway.
            assert_eq!(
                s.failed_in_play(),
                flags.failed && !flags.unreachable && !flags.ended,
                "{flags:?}"
            );
            for (name, old, new) in steps {
                let mut after = flags;
                old(&mut after);
                let mut standing = s;
                new(&mut standing);
                assert_eq!(standing, after.standing(), "{name} from {flags:?}");
            }
        }
    }
}
