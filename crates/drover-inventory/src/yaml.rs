//! YAML (and JSON) inventories, read as Ansible's `yaml` plugin reads them.
//!
//! The top level maps group names to groups; each group may have `hosts` (host names or ranges,
//! optionally `:port`, each mapped to its variables or nothing), `vars`, and `children` (groups
//! again, to any depth). A string where a mapping is expected is one entry (`hosts: web1`).
//! As in Ansible, a group whose value is not a mapping and unknown keys are skipped with a
//! warning, while `hosts`, `vars` or `children` of the wrong kind are errors.

use crate::data::Data;
use crate::range::expand_host_pattern;
use crate::{Error, span_at};
use drover_types::{Map, Span, Value};
use drover_yaml::{Node, NodeValue};
use std::path::PathBuf;
use std::sync::Arc;

/// Adds the groups and hosts of the YAML document `root` to `data`.
pub(crate) fn parse(data: &mut Data, root: &Node, warnings: &mut Vec<String>) -> Result<(), Error> {
    let entries = match &root.value {
        NodeValue::Map(entries) => entries,
        NodeValue::Null => {
            warnings.push(format!("{}: the YAML inventory is empty", root.span));
            return Ok(());
        }
        _ => {
            return Err(invalid(
                &root.span,
                format!(
                    "expected a mapping of group names at the top of a YAML inventory, found {}",
                    root.kind_name()
                ),
            ));
        }
    };
    if let Some(plugin) = root.get("plugin") {
        return Err(invalid(
            &plugin.span,
            format!(
                "this is an inventory plugin configuration (`plugin: {}`); drover reads only YAML and INI inventories",
                scalar_text(plugin).unwrap_or_default()
            ),
        ));
    }
    for (key, value) in entries {
        let name = group_name(key)?;
        parse_group(data, &name, key, value, warnings, 0)?;
    }
    Ok(())
}

/// Nesting deeper than this is refused (keeps recursion bounded on hostile input).
const MAX_DEPTH: usize = 200;

fn parse_group(
    data: &mut Data,
    name: &str,
    key: &Node,
    value: &Node,
    warnings: &mut Vec<String>,
    depth: usize,
) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(invalid(
            &key.span,
            "groups are nested too deeply".to_owned(),
        ));
    }
    let entries = match &value.value {
        NodeValue::Map(entries) => entries.as_slice(),
        NodeValue::Null => &[],
        _ => {
            warnings.push(format!(
                "{}: skipping `{name}` as it is not a valid group definition (expected a mapping, found {})",
                key.span,
                value.kind_name()
            ));
            return Ok(());
        }
    };
    data.add_group(name);
    for (section_key, section) in entries {
        let section_name = scalar_text(section_key).unwrap_or_default();
        let items = match section_items(section) {
            Some(items) => items,
            None if matches!(section_name.as_str(), "hosts" | "vars" | "children") => {
                let what = match section_name.as_str() {
                    "hosts" => "a mapping of host names",
                    "vars" => "a mapping of variables",
                    _ => "a mapping of group names",
                };
                return Err(invalid(
                    &section.span,
                    format!(
                        "expected {what} under `{section_name}` of group `{name}`, found {}",
                        section.kind_name()
                    ),
                ));
            }
            None => {
                warnings.push(format!(
                    "{}: skipping key `{section_name}` in group `{name}` as it is not a mapping",
                    section_key.span
                ));
                continue;
            }
        };
        match section_name.as_str() {
            "vars" => {
                for (k, v) in items {
                    let var = var_name(&k)?;
                    data.set_group_var(name, &var, value_of(&v)?, v.trust())
                        .map_err(|m| invalid(&k.span, m))?;
                }
            }
            "children" => {
                for (k, v) in items {
                    let child = group_name(&k)?;
                    parse_group(data, &child, &k, &v, warnings, depth + 1)?;
                    // As in Ansible, a child that is no valid group (and not defined elsewhere)
                    // is an error after the warning.
                    data.add_child(name, &child).map_err(|m| invalid(&k.span, m))?;
                }
            }
            "hosts" => {
                for (k, v) in items {
                    let Some(pattern) = k.as_str().map(str::to_owned) else {
                        let shown = scalar_text(&k).unwrap_or_else(|| k.kind_name().to_owned());
                        return Err(invalid(
                            &k.span,
                            format!(
                                "host pattern {shown} must be a string; enclose integers and floats in quotation marks"
                            ),
                        ));
                    };
                    let (hosts, port) = expand_host_pattern(&pattern).map_err(|m| invalid(&k.span, m))?;
                    let vars = match &v.value {
                        NodeValue::Null => Map::new(),
                        NodeValue::Map(_) => match value_of(&v)? {
                            Value::Object(map) => map,
                            _ => Map::new(),
                        },
                        _ => {
                            return Err(invalid(
                                &v.span,
                                format!(
                                    "expected a mapping of variables for host `{pattern}`, found {}",
                                    v.kind_name()
                                ),
                            ));
                        }
                    };
                    for host in &hosts {
                        data.add_host(host, name, port);
                        for (var, val) in &vars {
                            data.set_host_var(host, var, val.clone(), v.trust().part(var));
                        }
                    }
                }
            }
            other => warnings.push(format!(
                "{}: skipping unexpected key `{other}` in group `{name}`; only `vars`, `children` and `hosts` are valid",
                section_key.span
            )),
        }
    }
    Ok(())
}

/// A section's entries: a mapping's pairs, one entry for a plain string, none for null; `None`
/// for anything else.
fn section_items(node: &Node) -> Option<Vec<(Node, Node)>> {
    match &node.value {
        NodeValue::Map(entries) => Some(entries.clone()),
        NodeValue::Null => Some(Vec::new()),
        NodeValue::Str(_) => {
            let null = Node {
                value: NodeValue::Null,
                span: node.span.clone(),
                tag: None,
            };
            Some(vec![(node.clone(), null)])
        }
        _ => None,
    }
}

fn group_name(node: &Node) -> Result<String, Error> {
    match node.as_str() {
        Some(name) if !name.is_empty() => Ok(name.to_owned()),
        _ => Err(invalid(
            &node.span,
            format!(
                "expected a group name (a string), found {}",
                node.kind_name()
            ),
        )),
    }
}

fn var_name(node: &Node) -> Result<String, Error> {
    scalar_text(node).ok_or_else(|| {
        invalid(
            &node.span,
            format!("expected a variable name, found {}", node.kind_name()),
        )
    })
}

/// A scalar as text, the way Python's `str()` writes it (`True`, `1.5`, `None`).
pub(crate) fn scalar_text(node: &Node) -> Option<String> {
    Some(match &node.value {
        NodeValue::Str(s) => s.clone(),
        NodeValue::Int(i) => i.to_string(),
        NodeValue::Bool(true) => "True".to_owned(),
        NodeValue::Bool(false) => "False".to_owned(),
        NodeValue::Float(f) => drover_python::repr::float_repr(*f),
        NodeValue::Null => "None".to_owned(),
        NodeValue::Seq(_) | NodeValue::Map(_) => return None,
    })
}

/// A node as plain data. Trees without tags are converted here; tagged ones (`!unsafe`,
/// `!vault`) go through `drover_yaml`, which knows what the tags mean.
pub(crate) fn value_of(node: &Node) -> Result<Value, Error> {
    if has_tags(node, 0) {
        return Ok(node.to_value()?);
    }
    Ok(plain_value(node))
}

fn has_tags(node: &Node, depth: usize) -> bool {
    if node.tag.is_some() || depth > 256 {
        return true;
    }
    match &node.value {
        NodeValue::Seq(items) => items.iter().any(|n| has_tags(n, depth + 1)),
        NodeValue::Map(entries) => entries
            .iter()
            .any(|(k, v)| has_tags(k, depth + 1) || has_tags(v, depth + 1)),
        _ => false,
    }
}

fn plain_value(node: &Node) -> Value {
    match &node.value {
        NodeValue::Null => Value::Null,
        NodeValue::Bool(b) => Value::Bool(*b),
        NodeValue::Int(i) => Value::from(*i),
        NodeValue::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        NodeValue::Str(s) => Value::String(s.clone()),
        NodeValue::Seq(items) => Value::Array(items.iter().map(plain_value).collect()),
        NodeValue::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                let key = scalar_text(k).unwrap_or_else(|| plain_value(k).to_string());
                map.insert(key, plain_value(v));
            }
            Value::Object(map)
        }
    }
}

/// JSON data as a YAML node tree (every node at the start of the file), so JSON inventories
/// and vars files take the same path as YAML ones.
pub(crate) fn node_from_json(value: &Value, file: &Arc<PathBuf>) -> Node {
    let span = span_at(file, 1, 1, 0);
    let value = match value {
        Value::Null => NodeValue::Null,
        Value::Bool(b) => NodeValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => NodeValue::Int(i),
            None => NodeValue::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => NodeValue::Str(s.clone()),
        Value::Array(items) => {
            NodeValue::Seq(items.iter().map(|v| node_from_json(v, file)).collect())
        }
        Value::Object(map) => NodeValue::Map(
            map.iter()
                .map(|(k, v)| {
                    let key = Node {
                        value: NodeValue::Str(k.clone()),
                        span: span.clone(),
                        tag: None,
                    };
                    (key, node_from_json(v, file))
                })
                .collect(),
        ),
    };
    Node {
        value,
        span,
        tag: None,
    }
}

fn invalid(span: &Span, message: String) -> Error {
    Error::Invalid {
        span: span.clone(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn load(value: Value) -> (Result<Data, Error>, Vec<String>) {
        let mut data = Data::default();
        let mut warnings = Vec::new();
        let node = node_from_json(&value, &Arc::new(PathBuf::from("inv.json")));
        let result = parse(&mut data, &node, &mut warnings).map(|()| {
            data.reconcile();
            data
        });
        (result, warnings)
    }

    #[test]
    fn groups_hosts_children_vars() {
        let (d, warnings) = load(json!({
            "all": {
                "hosts": {"solo": null, "web[1:2]:2200": {"role": "web"}},
                "vars": {"ntp": "pool", "ansible_group_priority": 3},
                "children": {
                    "prod": {"children": {"db": {"hosts": "db1"}}, "vars": {"env": "prod"}},
                    "empty": null
                }
            },
            "top": {"hosts": {"t1": {}}},
        }));
        let d = d.unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            d.hosts.keys().collect::<Vec<_>>(),
            ["solo", "web1", "web2", "db1", "t1"]
        );
        assert_eq!(d.hosts["web2"].vars.map["ansible_port"], json!(2200));
        assert_eq!(d.hosts["web2"].vars.map["role"], json!("web"));
        assert_eq!(d.groups["all"].vars.map["ntp"], json!("pool"));
        assert_eq!(d.groups["prod"].children, ["db"]);
        assert_eq!(d.groups["db"].depth, 2);
        assert_eq!(d.groups["ungrouped"].hosts, ["solo", "web1", "web2"]);
        assert!(d.groups.contains_key("empty"));
    }

    #[test]
    fn wrong_shapes() {
        let (r, _) = load(json!({"web": {"hosts": ["a", "b"]}}));
        let e = r.unwrap_err().to_string();
        assert!(
            e.contains(
                "expected a mapping of host names under `hosts` of group `web`, found a list"
            ),
            "{e}"
        );
        let (r, _) = load(json!({"web": {"hosts": {"a": [1]}}}));
        assert!(
            r.unwrap_err()
                .to_string()
                .contains("variables for host `a`, found a list")
        );
        let (r, _) = load(json!({"web": {"vars": 3}}));
        assert!(r.unwrap_err().to_string().contains("under `vars`"));
        let (r, _) = load(json!(["a"]));
        assert!(r.unwrap_err().to_string().contains("found a list"));
        let (r, _) = load(json!({"plugin": "aws_ec2"}));
        assert!(r.unwrap_err().to_string().contains("plugin"));
        let (r, w) = load(json!({"web": "oops", "db": {"hosts": {"d": null}, "extra": {"x": 1}}}));
        assert!(r.is_ok());
        assert_eq!(w.len(), 2, "{w:?}");
        let (r, _) = load(json!({"web": {"children": {"bad": [1]}}}));
        assert!(
            r.unwrap_err()
                .to_string()
                .contains("`bad` is not a known host nor group")
        );
        let (r, _) = load(json!({"a": {"children": {"b": {"children": {"a": null}}}}}));
        assert!(r.unwrap_err().to_string().contains("recursive"));
    }
}
