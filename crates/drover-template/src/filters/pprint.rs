//! Jinja's `pprint`: Python's `pprint.pformat` (width 80, mappings sorted by key), which lays a
//! value out on one line when it fits and otherwise one item per line.

use crate::convert::py_repr;
use minijinja::Environment;
use minijinja::value::{Value, ValueKind};

const WIDTH: usize = 80;

pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("pprint", |v: &Value| {
        let mut out = String::new();
        format(v, 0, 0, &mut out);
        out
    });
}

/// The `(key, value)` pairs of a mapping, sorted as `sorted(d.items())` sorts string keys.
fn sorted_items(v: &Value) -> Vec<(Value, Value)> {
    let mut pairs: Vec<(Value, Value)> = v
        .try_iter()
        .map(|keys| {
            keys.map(|k| {
                let item = v.get_item(&k).unwrap_or_default();
                (k, item)
            })
            .collect()
        })
        .unwrap_or_default();
    pairs.sort_by(|(a, _), (b, _)| match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => x.cmp(y),
        _ => a.cmp(b),
    });
    pairs
}

/// `repr` with mappings in key order, as `pprint`'s `safe_repr` writes them.
fn repr(v: &Value, out: &mut String) {
    match v.kind() {
        ValueKind::Map => {
            out.push('{');
            for (i, (k, item)) in sorted_items(v).iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                repr(k, out);
                out.push_str(": ");
                repr(item, out);
            }
            out.push('}');
        }
        ValueKind::Seq | ValueKind::Iterable => {
            out.push('[');
            for (i, item) in v.try_iter().into_iter().flatten().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                repr(&item, out);
            }
            out.push(']');
        }
        _ => py_repr(v, out),
    }
}

/// `PrettyPrinter._format`: the one-line repr when it fits in what is left of the line.
fn format(v: &Value, indent: usize, allowance: usize, out: &mut String) {
    let mut rep = String::new();
    repr(v, &mut rep);
    let fits = rep.chars().count() <= WIDTH.saturating_sub(indent + allowance);
    match v.kind() {
        ValueKind::Map if !fits => {
            out.push('{');
            let items = sorted_items(v);
            let indent = indent + 1;
            for (i, (k, item)) in items.iter().enumerate() {
                let last = i + 1 == items.len();
                let mut key = String::new();
                repr(k, &mut key);
                out.push_str(&key);
                out.push_str(": ");
                let allowance = if last { allowance + 1 } else { 1 };
                format(item, indent + key.chars().count() + 2, allowance, out);
                if !last {
                    out.push_str(",\n");
                    out.push_str(&" ".repeat(indent));
                }
            }
            out.push('}');
        }
        ValueKind::Seq | ValueKind::Iterable if !fits => {
            out.push('[');
            let items: Vec<Value> = v.try_iter().into_iter().flatten().collect();
            let indent = indent + 1;
            for (i, item) in items.iter().enumerate() {
                let last = i + 1 == items.len();
                if i > 0 {
                    out.push_str(",\n");
                    out.push_str(&" ".repeat(indent));
                }
                format(item, indent, if last { allowance + 1 } else { 1 }, out);
            }
            out.push(']');
        }
        _ => out.push_str(&rep),
    }
}
