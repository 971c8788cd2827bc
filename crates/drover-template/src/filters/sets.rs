//! The set filters `union`, `intersect`, `difference` and `symmetric_difference`.
//!
//! ansible-core returns `list(set(a) | set(b))` and the like, falling back to order-keeping
//! list operations when an item is unhashable. For numbers CPython's set order is fixed, so it
//! is reproduced ([`drover_python::set`]); with strings or None it depends on Python's hash
//! seed, so the first-seen order is kept; with lists or mappings the fallback's order is
//! ansible-core's own.

use super::collections::{dedup, items};
use super::core::{fail, type_name};
use super::pytypes::{contains, hashable};
use crate::filters::registry::Registry;
use drover_python::set::{Set, hash_float, hash_int};
use minijinja::Error;
use minijinja::value::{Value, ValueKind};

pub(crate) fn register(env: &mut Registry) {
    env.add_filter("union", union);
    env.add_filter("intersect", intersect);
    env.add_filter("difference", difference);
    env.add_filter("symmetric_difference", symmetric_difference);
}

/// A number as Python compares it in a set (`1 == 1.0 == True`).
#[derive(Clone)]
struct Num {
    value: Value,
    as_int: Option<i128>,
    as_float: f64,
}

fn num(v: &Value) -> Option<(i64, Num)> {
    let as_int = match v.kind() {
        ValueKind::Bool => Some(i128::from(v.is_true())),
        ValueKind::Number if v.is_integer() => i128::try_from(v.clone()).ok(),
        ValueKind::Number => None,
        _ => return None,
    };
    let hash = match as_int {
        Some(i) => hash_int(i),
        None => hash_float(f64::try_from(v.clone()).ok()?)?,
    };
    let as_float = match as_int {
        Some(i) => i as f64,
        None => f64::try_from(v.clone()).ok()?,
    };
    Some((
        hash,
        Num {
            value: v.clone(),
            as_int,
            as_float,
        },
    ))
}

fn num_eq(a: &Num, b: &Num) -> bool {
    match (a.as_int, b.as_int) {
        (Some(x), Some(y)) => x == y,
        _ => a.as_float == b.as_float,
    }
}

/// Both operands as CPython sets, when every item is a number (else `None`).
type SetPair = (Set<Num>, Set<Num>);

fn num_sets(a: &Value, b: &Value) -> Result<Option<SetPair>, Error> {
    let set = |v: &Value| -> Result<Option<Set<Num>>, Error> {
        let nums: Option<Vec<(i64, Num)>> = items(v)?.iter().map(num).collect();
        Ok(nums.map(|n| Set::from_items(n, &num_eq)))
    };
    Ok(match (set(a)?, set(b)?) {
        (Some(x), Some(y)) => Some((x, y)),
        _ => None,
    })
}

fn to_list(set: &Set<Num>) -> Value {
    Value::from(set.items().map(|n| n.value.clone()).collect::<Vec<_>>())
}

/// Python iterates both operands: None, a number or a bool fails (`set(None)`), and so does
/// the fallback `a + b` ansible-core tries then.
fn check_iterable(a: &Value, b: &Value) -> Result<(), Error> {
    use super::core::type_name;
    let scalar = |v: &Value| {
        matches!(
            v.kind(),
            ValueKind::None | ValueKind::Number | ValueKind::Bool
        )
    };
    if scalar(b) && matches!(a.kind(), ValueKind::Seq | ValueKind::Iterable) {
        return Err(super::core::fail(format!(
            "can only concatenate list (not \"{}\") to list",
            type_name(b)
        )));
    }
    if scalar(a) || scalar(b) {
        return Err(super::core::fail(format!(
            "unsupported operand type(s) for +: '{}' and '{}'",
            type_name(a),
            type_name(b)
        )));
    }
    Ok(())
}

/// With an unhashable item, `set()` fails and ansible-core falls back to `a + b`, which only
/// joins two lists.
fn check_concat(a: &Value, b: &Value) -> Result<(), Error> {
    use super::core::type_name;
    let unhashable = |v: &Value| -> Result<bool, Error> {
        Ok(items(v)?
            .iter()
            .any(|x| matches!(x.kind(), ValueKind::Seq | ValueKind::Map)))
    };
    let list = |v: &Value| matches!(v.kind(), ValueKind::Seq | ValueKind::Iterable);
    if (list(a) && list(b)) || !(unhashable(a)? || unhashable(b)?) {
        return Ok(());
    }
    Err(super::core::fail(match a.kind() {
        ValueKind::Seq | ValueKind::Iterable | ValueKind::String => format!(
            "can only concatenate {} (not \"{}\") to {0}",
            type_name(a),
            type_name(b)
        ),
        _ => format!(
            "unsupported operand type(s) for +: '{}' and '{}'",
            type_name(a),
            type_name(b)
        ),
    }))
}

/// Whether ansible-core's `set(a)`/`set(b)` fails on an unhashable item, so that it falls
/// back to list operations (where `x in b` and `a + b` are Python's own).
fn falls_back(a: &Value, b: &Value) -> Result<bool, Error> {
    Ok(items(a)?
        .iter()
        .chain(items(b)?.iter())
        .any(|x| hashable(x).is_err()))
}

/// `x in b`: Python's membership when falling back, else set membership (the same for
/// hashable items).
fn member(b: &Value, bs: &[Value], x: &Value, fallback: bool) -> Result<bool, Error> {
    if fallback {
        contains(b, x)
    } else {
        Ok(bs.contains(x))
    }
}

fn union(a: &Value, b: &Value) -> Result<Value, Error> {
    check_iterable(a, b)?;
    check_concat(a, b)?;
    if let Some((x, y)) = num_sets(a, b)? {
        return Ok(to_list(&x.union(&y, &num_eq)));
    }
    if falls_back(a, b)? {
        // `a + b`
        let list = |v: &Value| matches!(v.kind(), ValueKind::Seq | ValueKind::Iterable);
        if !(list(a) && list(b)) {
            let (ta, tb) = (type_name(a), type_name(b));
            return Err(fail(if ta == tb || !matches!(ta, "list" | "str") {
                format!("unsupported operand type(s) for +: '{ta}' and '{tb}'")
            } else {
                format!("can only concatenate {ta} (not \"{tb}\") to {ta}")
            }));
        }
    }
    let mut all = items(a)?;
    all.extend(items(b)?);
    Ok(Value::from(dedup(all, true, None)?))
}

/// `x in b` of Python's fallback for a `b` that is not iterable: an error, unless `a` has no
/// item to ask about.
fn not_iterable(a: &Value, b: &Value) -> Result<Option<Value>, Error> {
    if b.try_iter().is_ok() {
        return Ok(None);
    }
    if items(a)?.is_empty() {
        return Ok(Some(Value::from(Vec::<Value>::new())));
    }
    Err(crate::filters::core::fail(format!(
        "argument of type '{}' is not iterable",
        crate::filters::core::type_name(b)
    )))
}

fn intersect(a: &Value, b: &Value) -> Result<Value, Error> {
    if let Some(empty) = not_iterable(a, b)? {
        return Ok(empty);
    }
    if let Some((x, y)) = num_sets(a, b)? {
        return Ok(to_list(&x.intersection(&y, &num_eq)));
    }
    let (bs, fallback) = (items(b)?, falls_back(a, b)?);
    let mut kept = Vec::new();
    for x in items(a)? {
        if member(b, &bs, &x, fallback)? {
            kept.push(x);
        }
    }
    Ok(Value::from(dedup(kept, true, None)?))
}

fn difference(a: &Value, b: &Value) -> Result<Value, Error> {
    if let Some(empty) = not_iterable(a, b)? {
        return Ok(empty);
    }
    if let Some((x, y)) = num_sets(a, b)? {
        return Ok(to_list(&x.difference(&y, &num_eq)));
    }
    // Numbers less other hashable items (strings, None): the result is in the order of the
    // numbers' set, the others only count in the size of `set(b)`.
    let nums: Option<Vec<(i64, Num)>> = items(a)?.iter().map(num).collect();
    let others = items(b)?;
    let hashable = |v: &Value| !matches!(v.kind(), ValueKind::Seq | ValueKind::Map);
    if let Some(nums) = nums
        && others.iter().all(hashable)
    {
        let x = Set::from_items(nums, &num_eq);
        let (b_nums, rest): (Vec<Value>, Vec<Value>) =
            others.into_iter().partition(|v| num(v).is_some());
        let y = Set::from_items(b_nums.iter().filter_map(num), &num_eq);
        let distinct_rest = dedup(rest, true, None)?.len();
        return Ok(to_list(&x.difference_sized(
            &y,
            y.len() + distinct_rest,
            &num_eq,
        )));
    }
    let (bs, fallback) = (items(b)?, falls_back(a, b)?);
    let mut kept = Vec::new();
    for x in items(a)? {
        if !member(b, &bs, &x, fallback)? {
            kept.push(x);
        }
    }
    Ok(Value::from(dedup(kept, true, None)?))
}

fn symmetric_difference(a: &Value, b: &Value) -> Result<Value, Error> {
    check_iterable(a, b)?;
    if let Some((x, y)) = num_sets(a, b)? {
        return Ok(to_list(&x.symmetric_difference(&y, &num_eq)));
    }
    if falls_back(a, b)? {
        // The fallback computes intersect(a, b) and union(a, b) first, with their errors.
        intersect(a, b)?;
        union(a, b)?;
    }
    let (xs, ys) = (items(a)?, items(b)?);
    let mut out: Vec<Value> = xs.iter().filter(|x| !ys.contains(x)).cloned().collect();
    out.extend(ys.iter().filter(|y| !xs.contains(y)).cloned());
    Ok(Value::from(dedup(out, true, None)?))
}
