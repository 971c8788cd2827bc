//! The `template` module.

use async_trait::async_trait;
use drover_types::{ArgSpec, Map, Module, ModuleContext, TaskResult};

static SPEC: ArgSpec = ArgSpec {
    args: &[],
    free_form: false,
    any_args: true,
};

/// `template`.
pub(crate) struct Template;

#[async_trait]
impl Module for Template {
    fn name(&self) -> &'static str {
        "template"
    }
    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }
    async fn run(&self, _ctx: &ModuleContext<'_>, _args: &Map) -> TaskResult {
        TaskResult::failed("not implemented")
    }
}
