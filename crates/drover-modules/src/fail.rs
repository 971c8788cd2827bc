//! The `fail` module: fails the task with a message (`msg`, any value; default
//! `Failed as requested from task`).

use async_trait::async_trait;
use drover_types::{ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult, Value};

/// `ansible.builtin.fail`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Fail;

static SPEC: ArgSpec = ArgSpec {
    shared: &[],
    args: &[ArgSpecEntry::new("msg", ArgKind::Any)],
    free_form: false,
    any_args: false,
};

/// Sets a result's message: text goes to `msg`, other values (a list...) to `data["msg"]`,
/// which is where Ansible's registered result shows them.
pub(crate) fn set_msg(result: &mut TaskResult, msg: Value) {
    match msg {
        Value::String(s) => result.msg = Some(s),
        other => {
            result.msg = None;
            result.set("msg", other);
        }
    }
}

#[async_trait]
impl Module for Fail {
    fn name(&self) -> &'static str {
        "fail"
    }

    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }

    async fn run(&self, _ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        let mut result = TaskResult::failed("Failed as requested from task");
        if let Some(msg) = args.get("msg") {
            set_msg(&mut result, msg.clone());
        }
        result
    }
}
