//! The `ping` module.

use async_trait::async_trait;
use drover_types::{ArgSpec, Map, Module, ModuleContext, TaskResult};

static SPEC: ArgSpec = ArgSpec {
    args: &[],
    free_form: false,
    any_args: true,
};

/// `ping`.
pub(crate) struct Ping;

#[async_trait]
impl Module for Ping {
    fn name(&self) -> &'static str {
        "ping"
    }
    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }
    async fn run(&self, _ctx: &ModuleContext<'_>, _args: &Map) -> TaskResult {
        TaskResult::failed("not implemented")
    }
}
