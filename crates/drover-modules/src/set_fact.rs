//! The `set_fact` module: sets host variables from its arguments (any names), already
//! templated by the engine. Values keep their types: `x=yes` stays the string `yes` (checked
//! against ansible-core 2.19, which no longer converts booleans). Names may be templates.

use async_trait::async_trait;
use drover_types::{ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult, Value};

/// `ansible.builtin.set_fact`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SetFact;

static SPEC: ArgSpec = ArgSpec {
    shared: &[],
    args: &[ArgSpecEntry::new("cacheable", ArgKind::Bool)],
    free_form: false,
    any_args: true,
};

/// Names Jinja gives a meaning of its own, which cannot be variables.
const JINJA_KEYWORDS: &[&str] = &["true", "false", "none", "True", "False", "None", "not"];

/// Ansible's rule for variable names: an ASCII identifier that is not a Jinja keyword.
pub(crate) fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && !JINJA_KEYWORDS.contains(&name)
}

#[async_trait]
impl Module for SetFact {
    fn name(&self) -> &'static str {
        "set_fact"
    }

    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        let cacheable = args
            .get("cacheable")
            .is_some_and(drover_python::boolean::truthy);
        let mut facts = Map::new();
        for (key, value) in args.iter().filter(|(k, _)| k.as_str() != "cacheable") {
            let name = if key.contains("{{") || key.contains("{%") {
                match ctx.templar.render(key, ctx.vars) {
                    Ok(Value::String(s)) => s,
                    Ok(other) => other.to_string(),
                    Err(e) => return TaskResult::failed(e),
                }
            } else {
                key.clone()
            };
            if !valid_name(&name) {
                return TaskResult::failed(format!("Task failed: Invalid variable name '{name}'."));
            }
            facts.insert(name, value.clone());
        }
        if facts.is_empty() {
            return TaskResult::failed(
                "No key/value pairs provided, at least one is required for this action to succeed",
            );
        }
        let mut result = TaskResult::ok().with("_ansible_facts_cacheable", cacheable);
        result.facts = facts;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn names() {
        assert!(valid_name("a_1") && valid_name("_x") && valid_name("class"));
        assert!(
            !valid_name("1a") && !valid_name("bad-name") && !valid_name("True") && !valid_name("")
        );
        assert!(!valid_name("é"));
    }
}
