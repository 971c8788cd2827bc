//! Nodes as plain [`Value`]s, and scalars as Python's `str()` writes them, because Ansible's
//! mapping keys are Python objects that become text that way (`true: x` has the key `True`).

use crate::{Error, Node, NodeValue, Tag};
use drover_python::repr::float_repr;
use drover_types::{Map, Trust, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The node as plain data (see [`Node::to_value`]).
pub(crate) fn to_value(node: &Node) -> Result<Value, Error> {
    match &node.tag {
        Some(Tag::Vault) => return open_vault(node),
        Some(Tag::Other(tag)) => {
            return Err(Error::Unsupported {
                span: node.span.clone(),
                message: format!("the YAML tag `{tag}` is not supported"),
            });
        }
        _ => {}
    }
    let value = match &node.value {
        NodeValue::Null => Value::Null,
        NodeValue::Bool(b) => Value::Bool(*b),
        NodeValue::Int(i) => Value::from(*i),
        NodeValue::Float(f) => match serde_json::Number::from_f64(*f) {
            Some(n) => Value::Number(n),
            // JSON has no infinities or NaN: keep Python's text for them.
            None => Value::String(float_repr(*f)),
        },
        NodeValue::Str(s) => Value::String(s.clone()),
        NodeValue::Seq(items) => {
            Value::Array(items.iter().map(to_value).collect::<Result<_, _>>()?)
        }
        NodeValue::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                if let Some(Tag::Vault) = k.tag {
                    return Err(Error::Unsupported {
                        span: k.span.clone(),
                        message: "a `!vault` value cannot be a mapping key".to_owned(),
                    });
                }
                map.insert(python_str(k), to_value(v)?);
            }
            Value::Object(map)
        }
    };
    Ok(value)
}

/// A `!vault` scalar decrypted with the run's keyring (see `drover_vault::keyring`).
fn open_vault(node: &Node) -> Result<Value, Error> {
    let unsupported = |message: String| Error::Unsupported {
        span: node.span.clone(),
        message,
    };
    let NodeValue::Str(text) = &node.value else {
        return Err(unsupported(
            "`!vault` must tag a string of vault text (as `ansible-vault encrypt_string` writes it)"
                .to_owned(),
        ));
    };
    match drover_vault::open(text.trim_start().as_bytes()) {
        Ok(plain) => {
            let plain = String::from_utf8_lossy(&plain).into_owned();
            drover_vault::keyring::reveal(&plain);
            Ok(Value::String(plain))
        }
        Err(e) => Err(unsupported(format!(
            "could not decrypt this `!vault` value: {e}"
        ))),
    }
}

/// Which parts of the node are tagged `!unsafe` (see [`Node::trust`]).
pub(crate) fn trust(node: &Node) -> Trust {
    if node.tag == Some(Tag::Unsafe) {
        return Trust::Data;
    }
    let parts: BTreeMap<String, Trust> = match &node.value {
        NodeValue::Seq(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| (i.to_string(), trust(item)))
            .filter(|(_, t)| !t.is_template())
            .collect(),
        NodeValue::Map(entries) => entries
            .iter()
            .map(|(k, v)| (python_str(k), trust(v)))
            .filter(|(_, t)| !t.is_template())
            .collect(),
        _ => BTreeMap::new(),
    };
    if parts.is_empty() {
        Trust::Template
    } else {
        Trust::Parts(Arc::new(parts))
    }
}

/// A scalar as Python's `str()` writes it: `None`, `True`, `1`, `1.5`, `inf`. Collections (never
/// valid keys) are written in a Python-like form.
pub fn python_str(node: &Node) -> String {
    match &node.value {
        NodeValue::Null => "None".to_owned(),
        NodeValue::Bool(true) => "True".to_owned(),
        NodeValue::Bool(false) => "False".to_owned(),
        NodeValue::Int(i) => i.to_string(),
        NodeValue::Float(f) => float_repr(*f),
        NodeValue::Str(s) => s.clone(),
        NodeValue::Seq(items) => {
            let inner: Vec<String> = items.iter().map(python_str).collect();
            format!("[{}]", inner.join(", "))
        }
        NodeValue::Map(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", python_str(k), python_str(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}
