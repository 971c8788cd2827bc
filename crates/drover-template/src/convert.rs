//! Conversions between minijinja values and drover's plain JSON-shaped [`Value`]s, and Python's
//! `repr`/`str`, which Ansible uses when a value is printed inside a larger string.

use crate::lazy::{LazyList, LazyMap};
use drover_python::repr::{float_repr, push_str_repr};
use drover_types::{Map, Value as JValue};
use minijinja::value::{Enumerator, Object, ObjectRepr, Value, ValueKind};
use minijinja::{Error, ErrorKind};
use std::sync::Arc;

/// A Python tuple (from `splitext`, `zip_longest`, `product`, `items`, `dictsort`, the
/// `indexed_items` lookup...): a sequence like a list, but `str()` prints it in parentheses
/// (`('a', '.b')`). A template's own output prints a plain tuple as a list (Ansible's finalize
/// converts it); `groupby`'s named tuples stay tuples there too.
#[derive(Debug)]
pub(crate) struct Tuple {
    items: Vec<Value>,
    named: bool,
}

impl Tuple {
    /// A plain tuple.
    pub(crate) fn value(items: Vec<Value>) -> Value {
        Value::from_object(Tuple {
            items,
            named: false,
        })
    }

    /// `groupby`'s `(grouper, list)`, whose parts are also the attributes of those names.
    pub(crate) fn group(grouper: Value, list: Value) -> Value {
        Value::from_object(Tuple {
            items: vec![grouper, list],
            named: true,
        })
    }
}

impl Object for Tuple {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        if self.named {
            match key.as_str() {
                Some("grouper") => return self.items.first().cloned(),
                Some("list") => return self.items.get(1).cloned(),
                _ => {}
            }
        }
        let idx = key.as_i64()?;
        let idx = if idx < 0 {
            idx + self.items.len() as i64
        } else {
            idx
        };
        self.items.get(usize::try_from(idx).ok()?).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.items.len())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The error for using an undefined value; minijinja names the variable when it can.
pub(crate) fn undefined_error() -> Error {
    Error::new(ErrorKind::UndefinedError, "a value is undefined")
}

/// A template value as plain data: lazy objects are rendered deep, undefined is an error.
pub(crate) fn to_plain(value: &Value) -> Result<JValue, Error> {
    if let Some(map) = value.downcast_object_ref::<LazyMap>() {
        return map.to_plain();
    }
    if let Some(list) = value.downcast_object_ref::<LazyList>() {
        return list.to_plain();
    }
    if let Some(dt) = value.downcast_object_ref::<crate::pyops::DateTime>() {
        return Ok(JValue::String(dt.isoformat()));
    }
    if value.downcast_object_ref::<crate::pyops::Date>().is_some() {
        return Ok(JValue::String(value.to_string()));
    }
    Ok(match value.kind() {
        ValueKind::Undefined => return Err(undefined_error()),
        ValueKind::Invalid => {
            let text = value.to_string();
            let text = text
                .strip_prefix("<invalid value: ")
                .and_then(|t| t.strip_suffix('>'))
                .unwrap_or(&text);
            return Err(Error::new(ErrorKind::InvalidOperation, text.to_owned()));
        }
        ValueKind::None => JValue::Null,
        ValueKind::Bool => JValue::Bool(value.is_true()),
        ValueKind::Number => number_to_plain(value),
        ValueKind::String => JValue::String(value.as_str().unwrap_or_default().to_owned()),
        ValueKind::Bytes => JValue::String(
            String::from_utf8_lossy(value.as_bytes().unwrap_or_default()).into_owned(),
        ),
        ValueKind::Seq | ValueKind::Iterable => {
            let mut out = Vec::new();
            for item in value.try_iter()? {
                out.push(to_plain(&item)?);
            }
            JValue::Array(out)
        }
        ValueKind::Map => {
            let mut out = Map::new();
            for key in value.try_iter()? {
                let item = value.get_item(&key)?;
                out.insert(key_string(&key), to_plain(&item)?);
            }
            JValue::Object(out)
        }
        _ => JValue::String(value.to_string()),
    })
}

/// A mapping key as Ansible's JSON output has it.
pub(crate) fn key_string(key: &Value) -> String {
    match key.as_str() {
        Some(s) => s.to_owned(),
        None => py_str(key),
    }
}

fn number_to_plain(value: &Value) -> JValue {
    if value.is_integer() {
        if let Some(i) = value.as_i64() {
            return JValue::from(i);
        }
        if let Ok(u) = u64::try_from(value.clone()) {
            return JValue::from(u);
        }
    }
    let f = f64::try_from(value.clone()).unwrap_or(f64::NAN);
    serde_json::Number::from_f64(f).map_or(JValue::Null, JValue::Number)
}

/// Plain data as a template value (no lazy rendering: the data is final).
pub(crate) fn from_plain(value: &JValue) -> Value {
    match value {
        JValue::Null => Value::from(()),
        JValue::Bool(b) => Value::from(*b),
        JValue::Number(n) => crate::lazy::number(n),
        JValue::String(s) => Value::from(s.as_str()),
        JValue::Array(items) => Value::from(items.iter().map(from_plain).collect::<Vec<_>>()),
        JValue::Object(map) => map_value(
            map.iter()
                .map(|(k, v)| (Value::from(k.as_str()), from_plain(v))),
        ),
    }
}

/// Whether `str()` of the value is not its `repr`: a date or datetime prints as `2024-01-31`.
fn has_own_str(value: &Value) -> bool {
    value
        .downcast_object_ref::<crate::pyops::DateTime>()
        .is_some()
        || value.downcast_object_ref::<crate::pyops::Date>().is_some()
}

/// Python's `str()` of a value: strings as they are, everything else as `repr`.
pub(crate) fn py_str(value: &Value) -> String {
    if has_own_str(value) {
        return value.to_string();
    }
    match value.kind() {
        ValueKind::String => value.as_str().unwrap_or_default().to_owned(),
        _ => {
            let mut out = String::new();
            py_repr(value, &mut out);
            out
        }
    }
}

/// A value as a template prints it: Ansible's finalize first turns plain tuples into lists.
pub(crate) fn printed(value: &Value) -> String {
    if has_own_str(value) {
        return value.to_string();
    }
    match value.kind() {
        ValueKind::String => value.as_str().unwrap_or_default().to_owned(),
        _ => {
            let mut out = String::new();
            repr_into(value, &mut out, true);
            out
        }
    }
}

/// Python's `repr()` of a value (`[1, 'a', True, None]`, `{'a': 1}`, `('a', 1)`).
pub(crate) fn py_repr(value: &Value, out: &mut String) {
    repr_into(value, out, false);
}

fn repr_into(value: &Value, out: &mut String, finalized: bool) {
    if let Some(tuple) = value.downcast_object_ref::<Tuple>()
        && (tuple.named || !finalized)
    {
        out.push('(');
        for (i, item) in tuple.items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            repr_into(item, out, finalized);
        }
        if tuple.items.len() == 1 {
            out.push(',');
        }
        out.push(')');
        return;
    }
    if let Some(dt) = value.downcast_object_ref::<crate::pyops::DateTime>() {
        let t = crate::filters::utc(dt.secs);
        out.push_str(&format!(
            "datetime.datetime({}, {}, {}, {}, {}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute()
        ));
        if t.second() != 0 || dt.micros != 0 {
            out.push_str(&format!(", {}", t.second()));
        }
        if dt.micros != 0 {
            out.push_str(&format!(", {}", dt.micros));
        }
        out.push(')');
        return;
    }
    if let Some(d) = value.downcast_object_ref::<crate::pyops::Date>() {
        out.push_str(&format!(
            "datetime.date({}, {}, {})",
            d.0.year(),
            d.0.month(),
            d.0.day()
        ));
        return;
    }
    match value.kind() {
        ValueKind::Undefined => out.push_str("AnsibleUndefined"),
        ValueKind::None => out.push_str("None"),
        ValueKind::Bool => out.push_str(if value.is_true() { "True" } else { "False" }),
        ValueKind::Number if value.is_integer() && i128::try_from(value.clone()).is_ok() => {
            out.push_str(
                &i128::try_from(value.clone())
                    .unwrap_or_default()
                    .to_string(),
            );
        }
        ValueKind::Number if !value.is_integer() => {
            out.push_str(&float_repr(
                f64::try_from(value.clone()).unwrap_or(f64::NAN),
            ));
        }
        ValueKind::Number => match number_to_plain(value) {
            JValue::Number(n) if n.is_f64() => out.push_str(&float_repr(n.as_f64().unwrap_or(0.0))),
            JValue::Number(n) => out.push_str(&n.to_string()),
            _ => out.push_str(&value.to_string()),
        },
        // A safe string is Jinja's Markup (what escape, safe and tojson return).
        ValueKind::String if value.is_safe() => {
            out.push_str("Markup(");
            push_str_repr(value.as_str().unwrap_or_default(), out);
            out.push(')');
        }
        ValueKind::String => push_str_repr(value.as_str().unwrap_or_default(), out),
        ValueKind::Seq | ValueKind::Iterable => {
            out.push('[');
            if let Ok(iter) = value.try_iter() {
                for (i, item) in iter.enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    repr_into(&item, out, finalized);
                }
            }
            out.push(']');
        }
        ValueKind::Map => {
            out.push('{');
            if let Ok(iter) = value.try_iter() {
                for (i, key) in iter.enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    repr_into(&key, out, finalized);
                    out.push_str(": ");
                    repr_into(&value.get_item(&key).unwrap_or_default(), out, finalized);
                }
            }
            out.push('}');
        }
        _ => out.push_str(&value.to_string()),
    }
}

/// A template mapping from key/value pairs, in order.
pub(crate) fn map_value<K: Into<Value>, V: Into<Value>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> Value {
    let map: indexmap::IndexMap<Value, Value> = pairs
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    Value::from_object(map)
}
