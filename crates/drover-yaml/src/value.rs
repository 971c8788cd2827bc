//! Nodes as plain [`Value`]s, and scalars as Python's `str()` writes them, because Ansible's
//! mapping keys are Python objects that become text that way (`true: x` has the key `True`).

use crate::{Error, Node, NodeValue, Tag};
use drover_types::{Map, Trust, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The node as plain data (see [`Node::to_value`]).
pub(crate) fn to_value(node: &Node) -> Result<Value, Error> {
    match &node.tag {
        Some(Tag::Vault) => {
            return Err(Error::Unsupported {
                span: node.span.clone(),
                message: format!(
                    "vault-encrypted values are not supported yet (`!vault` at {})",
                    node.span
                ),
            });
        }
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
            None => Value::String(python_float(*f)),
        },
        NodeValue::Str(s) => Value::String(s.clone()),
        NodeValue::Seq(items) => {
            Value::Array(items.iter().map(to_value).collect::<Result<_, _>>()?)
        }
        NodeValue::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                if let Some(Tag::Vault) = k.tag {
                    return to_value(k);
                }
                map.insert(python_str(k), to_value(v)?);
            }
            Value::Object(map)
        }
    };
    Ok(value)
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
        NodeValue::Float(f) => python_float(*f),
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

/// Python's `repr(float)`: the shortest text that reads back the same, fixed notation for
/// exponents from -4 to 15 (always with a fraction, `1.0`), scientific beyond (`1e+16`).
pub fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "inf".to_owned()
        } else {
            "-inf".to_owned()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `-1.2345e-5`.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let (int_part, frac_part) = if point <= 0 {
            let zeros = "0".repeat(usize::try_from(-point).unwrap_or(0));
            ("0".to_owned(), format!("{zeros}{digits}"))
        } else {
            let point = usize::try_from(point).unwrap_or(0);
            if digits.len() <= point {
                (
                    format!("{digits}{}", "0".repeat(point - digits.len())),
                    String::new(),
                )
            } else {
                (digits[..point].to_owned(), digits[point..].to_owned())
            }
        };
        let frac_part = frac_part.trim_end_matches('0');
        let frac_part = if frac_part.is_empty() { "0" } else { frac_part };
        format!("{sign}{int_part}.{frac_part}")
    } else {
        let mantissa = match digits.split_at_checked(1) {
            Some((first, rest)) if !rest.is_empty() => format!("{first}.{rest}"),
            _ => digits.clone(),
        };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (1.5, "1.5"),
            (-1.5, "-1.5"),
            (0.0, "0.0"),
            (100.0, "100.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (1.234e20, "1.234e+20"),
            (123456789012345.6, "123456789012345.6"),
            (0.1, "0.1"),
            (685230.15, "685230.15"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (f, text) in cases {
            assert_eq!(python_float(*f), *text, "{f}");
        }
    }
}
