//! `validate_argument_spec`: checks variables against an argument spec, as a role's
//! `meta/argument_specs.yml` asks before the role's tasks run. The arguments are the role's
//! parameters and the variables named in the spec (templated); the checks and their messages are
//! those of ansible-core's `ArgumentSpecValidator` for what roles use: required arguments,
//! unknown parameters, types (`str`, `int`, `float`, `bool`, `list`, `dict`, `path`, `raw`), list
//! `elements` and `choices`.

use async_trait::async_trait;
use drover_types::{ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult, Value};

/// `ansible.builtin.validate_argument_spec`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ValidateArgumentSpec;

static SPEC: ArgSpec = ArgSpec {
    shared: &[],
    args: &[
        ArgSpecEntry::new("argument_spec", ArgKind::Dict)
            .required()
            .raw(),
        ArgSpecEntry::new("provided_arguments", ArgKind::Dict),
        ArgSpecEntry::new("validate_args_context", ArgKind::Dict).raw(),
    ],
    free_form: false,
    any_args: false,
};

/// Python's name for a value's type, as the messages print it.
fn type_name(value: &Value) -> &'static str {
    drover_types::python_type(value)
}

fn python_repr(value: &Value) -> String {
    drover_python::repr::repr(value)
}

/// Python's `str()` of a value.
fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

/// Converts `value` to `wanted` as ansible-core's `check_type_*` do, or says why not.
fn convert(wanted: &str, value: &Value) -> Result<Value, String> {
    match wanted {
        "str" | "path" => Ok(match value {
            Value::String(_) => value.clone(),
            Value::Null => Value::String(String::new()),
            other => Value::String(py_str(other)),
        }),
        "raw" => Ok(value.clone()),
        "int" => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(value.clone()),
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 => Ok(Value::from(f as i64)),
                _ => Err(format!("\"{}\" cannot be converted to an int", python_repr(value))),
            },
            Value::String(s) => match s.trim().parse::<i64>() {
                Ok(i) => Ok(Value::from(i)),
                Err(_) => match s.trim().parse::<f64>() {
                    Ok(f) if f.fract() == 0.0 && f.is_finite() => Ok(Value::from(f as i64)),
                    _ => Err(format!("\"{}\" cannot be converted to an int", python_repr(value))),
                },
            },
            Value::Bool(b) => Ok(Value::from(i64::from(*b))),
            _ => Err(format!("\"{}\" cannot be converted to an int", python_repr(value))),
        },
        "float" => match value {
            Value::Number(n) => Ok(Value::from(n.as_f64().unwrap_or_default())),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map(Value::from)
                .map_err(|_| format!("<class '{}'> cannot be converted to a float", type_name(value))),
            _ => Err(format!("<class '{}'> cannot be converted to a float", type_name(value))),
        },
        "bool" => match value {
            Value::Bool(_) => Ok(value.clone()),
            Value::String(s) => drover_python::boolean::parse(s)
                .map(Value::Bool)
                .ok_or_else(|| format!("The value '{s}' is not a valid boolean.  Valid booleans include: 'true', 'yes', 'on', '1', 't', 'y', 'false', 'no', 'off', '0', 'f', 'n'")),
            Value::Number(n) => match n.as_f64() {
                Some(1.0) => Ok(Value::Bool(true)),
                Some(0.0) => Ok(Value::Bool(false)),
                _ => Err(format!("The value '{}' is not a valid boolean.  Valid booleans include: 'true', 'yes', 'on', '1', 't', 'y', 'false', 'no', 'off', '0', 'f', 'n'", python_repr(value))),
            },
            _ => Err(format!("<class '{}'> cannot be converted to a bool", type_name(value))),
        },
        "list" => match value {
            Value::Array(_) => Ok(value.clone()),
            Value::String(s) => Ok(Value::Array(
                s.split(',').map(|p| Value::String(p.to_owned())).collect(),
            )),
            Value::Number(_) => Ok(Value::Array(vec![Value::String(value.to_string())])),
            _ => Err(format!("<class '{}'> cannot be converted to a list", type_name(value))),
        },
        "dict" => match value {
            Value::Object(_) => Ok(value.clone()),
            Value::String(s) if s.trim_start().starts_with('{') => serde_json::from_str(s)
                .map_err(|_| "unable to evaluate string as dictionary".to_owned()),
            _ => Err(format!("<class '{}'> cannot be converted to a dict", type_name(value))),
        },
        other => Err(format!("unknown type `{other}`")),
    }
}

/// Every error for `params` against `spec`, in ansible-core's order and words.
fn validate(spec: &Map, params: &Map) -> Vec<String> {
    let mut errors = Vec::new();
    let unknown: Vec<&String> = {
        let mut names: Vec<&String> = params.keys().filter(|k| !spec.contains_key(*k)).collect();
        names.sort();
        names
    };
    if !unknown.is_empty() {
        let mut supported: Vec<&String> = spec.keys().collect();
        supported.sort();
        errors.push(format!(
            "{}. Supported parameters include: {}.",
            unknown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            supported
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut missing: Vec<&String> = spec
        .iter()
        .filter(|(name, option)| {
            option
                .get("required")
                .is_some_and(drover_python::boolean::truthy)
                && !params.contains_key(*name)
        })
        .map(|(name, _)| name)
        .collect();
    missing.sort();
    if !missing.is_empty() {
        errors.push(format!(
            "missing required arguments: {}",
            missing
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut converted = Map::new();
    for (name, option) in spec {
        let Some(value) = params.get(name) else {
            continue;
        };
        let wanted = option.get("type").and_then(Value::as_str).unwrap_or("str");
        match convert(wanted, value) {
            Ok(mut value) => {
                if let (Some(elements), Value::Array(items)) =
                    (option.get("elements").and_then(Value::as_str), &mut value)
                {
                    for item in items.iter_mut() {
                        match convert(elements, item) {
                            Ok(v) => *item = v,
                            Err(e) => errors.push(format!(
                                "Elements value for option '{name}' is of type {} and we were unable to convert to {elements}: {e}",
                                type_name(item)
                            )),
                        }
                    }
                }
                converted.insert(name.clone(), value);
            }
            Err(e) => errors.push(format!(
                "argument '{name}' is of type {} and we were unable to convert to {wanted}: {e}",
                type_name(value)
            )),
        }
    }
    for (name, option) in spec {
        let (Some(Value::Array(choices)), Some(value)) =
            (option.get("choices"), converted.get(name))
        else {
            continue;
        };
        let text = py_str;
        let listed = choices.iter().map(text).collect::<Vec<_>>().join(", ");
        match value {
            Value::Array(items) => {
                let bad: Vec<String> = items
                    .iter()
                    .filter(|i| !choices.contains(i))
                    .map(text)
                    .collect();
                if !bad.is_empty() {
                    errors.push(format!(
                        "value of {name} must be one or more of: {listed}. Got no match for: {}",
                        bad.join(", ")
                    ));
                }
            }
            other if !choices.contains(other) => errors.push(format!(
                "value of {name} must be one of: {listed}, got: {}",
                text(other)
            )),
            _ => {}
        }
    }
    errors
}

#[async_trait]
impl Module for ValidateArgumentSpec {
    fn name(&self) -> &'static str {
        "validate_argument_spec"
    }

    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        let Some(Value::Object(spec)) = args.get("argument_spec") else {
            return TaskResult::failed("Incorrect type for argument_spec, expected dict");
        };
        let mut params = Map::new();
        for name in spec.keys() {
            if ctx.vars.get(name).is_some() {
                match ctx.templar.eval(name, ctx.vars) {
                    Ok(value) => {
                        params.insert(name.clone(), value);
                    }
                    Err(e) => return TaskResult::failed(e.to_string()),
                }
            }
        }
        match args.get("provided_arguments") {
            Some(Value::Object(given)) => params.extend(given.clone()),
            None | Some(Value::Null) => {}
            Some(_) => {
                return TaskResult::failed("Incorrect type for provided_arguments, expected dict");
            }
        }
        let context = args
            .get("validate_args_context")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new()));
        let errors = validate(spec, &params);
        let mut result = if errors.is_empty() {
            let mut ok = TaskResult::ok();
            ok.set("msg", "The arg spec validation passed");
            ok
        } else {
            let mut failed = TaskResult::failed(format!(
                "Validation of arguments failed:\n{}",
                errors.join("\n")
            ));
            failed.set("argument_spec_data", Value::Object(spec.clone()));
            failed.set(
                "argument_errors",
                Value::Array(errors.into_iter().map(Value::String).collect()),
            );
            failed
        };
        result.set("validate_args_context", context);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::validate;
    use serde_json::json;

    fn run(spec: serde_json::Value, params: serde_json::Value) -> Vec<String> {
        let (serde_json::Value::Object(spec), serde_json::Value::Object(params)) = (spec, params)
        else {
            panic!("mappings");
        };
        validate(&spec, &params)
    }

    #[test]
    fn messages_are_ansible_cores() {
        let spec = json!({
            "port": {"type": "int", "required": true},
            "state": {"choices": ["present", "absent"]},
            "names": {"type": "list", "elements": "str"},
            "enabled": {"type": "bool"},
        });
        assert!(run(spec.clone(), json!({"port": "80"})).is_empty());
        assert_eq!(
            run(spec.clone(), json!({})),
            vec!["missing required arguments: port"]
        );
        assert_eq!(
            run(spec.clone(), json!({"port": "eighty"})),
            vec![
                "argument 'port' is of type str and we were unable to convert to int: \"'eighty'\" cannot be converted to an int"
            ]
        );
        assert_eq!(
            run(spec.clone(), json!({"port": 1, "state": "gone"})),
            vec!["value of state must be one of: present, absent, got: gone"]
        );
        assert_eq!(
            run(spec, json!({"port": 1, "extra": 1})),
            vec!["extra. Supported parameters include: enabled, names, port, state."]
        );
    }
}
