//! The `copy` module.

use async_trait::async_trait;
use drover_types::{ArgSpec, Map, Module, ModuleContext, TaskResult};

static SPEC: ArgSpec = ArgSpec {
    args: &[],
    free_form: false,
    any_args: true,
};

/// `copy`.
pub(crate) struct Copy;

#[async_trait]
impl Module for Copy {
    fn name(&self) -> &'static str {
        "copy"
    }
    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }
    async fn run(&self, _ctx: &ModuleContext<'_>, _args: &Map) -> TaskResult {
        TaskResult::failed("not implemented")
    }
}
