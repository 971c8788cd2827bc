//! The `ping` module: proves the host runs a shell for us, returns `ping: <data>`.

use crate::args::Args;
use crate::files::run;
use async_trait::async_trait;
use drover_types::{ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult};

static SPEC: ArgSpec = ArgSpec {
    shared: &[],
    args: &[ArgSpecEntry::new("data", ArgKind::Str)],
    free_form: false,
    any_args: false,
};

/// `ping`: one round trip to the host; `data: crash` fails on purpose, as in Ansible.
pub(crate) struct Ping;

#[async_trait]
impl Module for Ping {
    fn name(&self) -> &'static str {
        "ping"
    }
    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }
    async fn run(&self, ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        let data = match Args::new(args).str_or("data", "pong") {
            Ok(d) => d,
            Err(e) => return e,
        };
        let out = match run(ctx, "echo pong", None).await {
            Ok(out) => out,
            Err(e) => return e,
        };
        if out.rc != 0 || out.stdout != b"pong\n" {
            return TaskResult::failed(format!("ping failed: {}", out.stderr_text().trim()));
        }
        if data == "crash" {
            return TaskResult::failed("boom");
        }
        TaskResult::ok().with("ping", data)
    }
    fn invocation(&self, args: &Map, _result: &TaskResult) -> Option<Map> {
        Some(crate::invocation::module_args(
            self.spec(),
            &[crate::invocation::PING],
            args,
        ))
    }
}
