//! The `stat` module.

use async_trait::async_trait;
use drover_types::{ArgSpec, Map, Module, ModuleContext, TaskResult};

static SPEC: ArgSpec = ArgSpec {
    args: &[],
    free_form: false,
    any_args: true,
};

/// `stat`.
pub(crate) struct Stat;

#[async_trait]
impl Module for Stat {
    fn name(&self) -> &'static str {
        "stat"
    }
    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }
    async fn run(&self, _ctx: &ModuleContext<'_>, _args: &Map) -> TaskResult {
        TaskResult::failed("not implemented")
    }
}
