//! The `meta` module: `flush_handlers`, `end_play` and the other meta tasks change how the
//! engine runs the play, so the engine carries them out itself and never calls [`Meta::run`].
//! The module exists for its argument spec (the list of actions, checked at load time).

use async_trait::async_trait;
use drover_types::{ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult};

/// `ansible.builtin.meta`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Meta;

/// The meta actions Ansible has.
pub(crate) const ACTIONS: &[&str] = &[
    "flush_handlers",
    "noop",
    "end_play",
    "end_host",
    "clear_host_errors",
    "refresh_inventory",
    "clear_facts",
    "reset_connection",
    "end_batch",
    "role_complete",
];

static SPEC: ArgSpec = ArgSpec {
    shared: &[],
    args: &[ArgSpecEntry::new("_raw_params", ArgKind::Str)
        .required()
        .choices(ACTIONS)],
    free_form: true,
    any_args: false,
};

#[async_trait]
impl Module for Meta {
    fn name(&self) -> &'static str {
        "meta"
    }

    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }

    async fn run(&self, _ctx: &ModuleContext<'_>, _args: &Map) -> TaskResult {
        TaskResult::failed(
            "meta is handled by the engine; this is a bug in drover; please report it",
        )
    }
}
