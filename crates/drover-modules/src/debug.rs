//! The `debug` module: shows a message (`msg`, any value) or the value of an expression (`var`,
//! evaluated here because the engine passes it untemplated). Never changes anything.
//!
//! `verbosity` is the engine's business (only it knows `-v`): the result carries it as
//! `_verbosity` (0 when not given) next to `_ansible_verbose_always: true`; the engine turns a
//! result whose `_verbosity` is above the run's verbosity into Ansible's skip
//! (`skipped_reason: Verbosity threshold not met.`) and strips `_`-prefixed keys before
//! registering.

use crate::args::Args;
use async_trait::async_trait;
use drover_types::{ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult, Value};

/// `ansible.builtin.debug`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Debug;

static SPEC: ArgSpec = ArgSpec {
    shared: &[],
    args: &[
        ArgSpecEntry::new("msg", ArgKind::Any),
        ArgSpecEntry::new("var", ArgKind::Str).raw(),
        ArgSpecEntry::new("verbosity", ArgKind::Int),
    ],
    free_form: false,
    any_args: false,
};

#[async_trait]
impl Module for Debug {
    fn name(&self) -> &'static str {
        "debug"
    }

    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext<'_>, map: &Map) -> TaskResult {
        let args = Args::new(map);
        if args.has("msg") && args.has("var") {
            return TaskResult::failed("parameters are mutually exclusive: msg|var");
        }
        let verbosity = match args.int("verbosity") {
            Ok(v) => v.unwrap_or(0),
            Err(failed) => return failed,
        };
        let mut result = TaskResult::ok()
            .with("_ansible_verbose_always", true)
            .with("_verbosity", verbosity);
        match args.value("var") {
            Some(var) => {
                let expr = match var {
                    // ansible-core 2.19 templates `var` like any argument first, then shows the
                    // expression it names; a template giving anything but text is refused.
                    Value::String(s) if s.contains("{{") || s.contains("{%") => {
                        match ctx.templar.render(s, ctx.vars) {
                            Ok(Value::String(named)) => named,
                            Ok(other) => {
                                return TaskResult::failed(format!(
                                    "argument `var` must name an expression: its template `{s}` gave {}, not text",
                                    kind_of(&other)
                                ));
                            }
                            Err(e) => {
                                return TaskResult::failed(format!(
                                    "Error while resolving `var` template `{s}`: {e}"
                                ));
                            }
                        }
                    }
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                match ctx.templar.eval(&expr, ctx.vars) {
                    Ok(value) => result.set(&expr, value),
                    Err(drover_types::TemplateError::Undefined(reason)) => {
                        // ansible-core 2.19 shows the error in place of the value and warns,
                        // pointing at the argument; the expression is already its key.
                        let suffix = format!(". String: {}", expr.trim());
                        let reason = reason.strip_suffix(&suffix).unwrap_or(&reason);
                        result.set(&expr, format!("<< error 1 - {reason} >>"));
                        let warning = format!("Encountered 1 template error.\nerror 1 - {reason}");
                        if let Some((_, span)) =
                            ctx.arg_spans.iter().find(|(name, _)| name == "var")
                        {
                            result.warning_origins.insert(warning.clone(), span.clone());
                        }
                        result.warnings.push(warning);
                    }
                    Err(e) => {
                        return TaskResult::failed(format!(
                            "Error while resolving `var` expression: {e}"
                        ));
                    }
                }
            }
            None => {
                // A `msg` that is there but null (`msg: "{{ item }}"` over a null item) is shown
                // as null, as Ansible does; only a missing one says hello.
                let msg = map
                    .get("msg")
                    .cloned()
                    .unwrap_or_else(|| "Hello world!".into());
                result.set("msg", msg);
            }
        }
        result
    }
}

/// How a value's kind reads in a message (`a list`, `a number`...).
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}
