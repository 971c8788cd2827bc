//! The `assert` module: evaluates each expression of `that` (passed untemplated by the engine)
//! and fails on the first false one, with Ansible's result (`assertion`, `evaluated_to`, `msg`).
//!
//! As in ansible-core 2.19, each result must be a boolean: text, numbers, lists and `None` are an
//! error (`drover_types::conditional_result`), not guessed at. An expression wrapped in `{{ }}` is
//! evaluated inside, with Ansible's deprecation warning.

use crate::fail::set_msg;
use async_trait::async_trait;
use drover_types::condition::{eval_embedded, has_delimiters, text_result, whole_template};
use drover_types::{ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult, Value};

/// `ansible.builtin.assert`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Assert;

static SPEC: ArgSpec = ArgSpec {
    shared: &[],
    args: &[
        ArgSpecEntry::new("that", ArgKind::Any).required().raw(),
        ArgSpecEntry::new("fail_msg", ArgKind::Any).aliases(&["msg"]),
        ArgSpecEntry::new("success_msg", ArgKind::Any),
        ArgSpecEntry::new("quiet", ArgKind::Bool),
    ],
    free_form: false,
    any_args: false,
};

/// Ansible's warning for `that: "{{ expr }}"`.
const DELIMITER_WARNING: &str = "Conditionals should not be surrounded by templating delimiters \
     such as {{ }} or {% %}. This feature will be removed from ansible-core version 2.23.";

/// The list of conditions: a list as it is; a string that is one template resolving to a list
/// is that list; any other string is one condition.
fn conditions(ctx: &ModuleContext<'_>, that: &Value) -> Vec<Value> {
    match that {
        Value::Array(items) => items.clone(),
        Value::String(s) => {
            let rendered = whole_template(s).map(|_| ctx.templar.render(s, ctx.vars));
            if let Some(Ok(Value::Array(items))) = rendered {
                return items;
            }
            vec![that.clone()]
        }
        other => vec![other.clone()],
    }
}

#[async_trait]
impl Module for Assert {
    fn name(&self) -> &'static str {
        "assert"
    }

    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        let Some(that) = args.get("that").filter(|v| !v.is_null()) else {
            return TaskResult::failed("missing required arguments: that");
        };
        let quiet = args
            .get("quiet")
            .is_some_and(drover_python::boolean::truthy);
        let mut warnings = Vec::new();
        for cond in conditions(ctx, that) {
            let ok = match &cond {
                Value::String(text) => {
                    // Never evaluates a template's text output as code (drover_types::condition).
                    let (expr, value) = match whole_template(text) {
                        Some(inner) => {
                            warnings.push(DELIMITER_WARNING.to_owned());
                            let value = ctx.templar.eval(inner, ctx.vars).and_then(|v| match v {
                                Value::String(s) => text_result(ctx.templar, inner, &s, ctx.vars),
                                v => Ok(v),
                            });
                            (inner, value)
                        }
                        None if has_delimiters(text) => {
                            (text.as_str(), eval_embedded(ctx.templar, text, ctx.vars))
                        }
                        None => (text.as_str(), ctx.templar.eval(text, ctx.vars)),
                    };
                    let evaluated = value.and_then(|v| drover_types::conditional_result(&v, expr));
                    match evaluated {
                        Ok(b) => b,
                        Err(e) => {
                            return TaskResult::failed(format!(
                                "Task failed: Error while evaluating conditional: {e}"
                            ));
                        }
                    }
                }
                other => match drover_types::conditional_result(other, &other.to_string()) {
                    Ok(b) => b,
                    Err(e) => return TaskResult::failed(format!("Task failed: {e}")),
                },
            };
            if !ok {
                let mut result = TaskResult::failed("")
                    .with("assertion", cond.clone())
                    .with("evaluated_to", false);
                let msg = args
                    .get("fail_msg")
                    .cloned()
                    .unwrap_or_else(|| "Assertion failed".into());
                set_msg(&mut result, msg);
                result.warnings = warnings;
                return verbose(result, quiet);
            }
        }
        let mut result = TaskResult::ok();
        let msg = args
            .get("success_msg")
            .cloned()
            .unwrap_or_else(|| "All assertions passed".into());
        set_msg(&mut result, msg);
        result.warnings = warnings;
        verbose(result, quiet)
    }
}

/// Marks a result to be shown in full unless `quiet`.
fn verbose(mut result: TaskResult, quiet: bool) -> TaskResult {
    if !quiet {
        result.set("_ansible_verbose_always", true);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::whole_template;

    #[test]
    fn delimiters() {
        assert_eq!(whole_template("{{ a == 1 }}"), Some("a == 1"));
        assert_eq!(whole_template("a == 1"), None);
        assert_eq!(whole_template("{{ a }} == {{ b }}"), None);
    }
}
