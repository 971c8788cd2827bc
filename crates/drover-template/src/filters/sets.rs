//! The set filters `union`, `intersect`, `difference` and `symmetric_difference`.
//!
//! ansible-core returns `list(set(a) | set(b))` and the like, falling back to order-keeping
//! list operations when an item is unhashable. For numbers CPython's set order is fixed, so it
//! is reproduced ([`drover_python::set`]); with strings or None it depends on Python's hash
//! seed, so the first-seen order is kept; with lists or mappings the fallback's order is
//! ansible-core's own.

use super::collections::{dedup, items};
use drover_python::set::{Set, hash_float, hash_int};
use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error};

pub(crate) fn register(env: &mut Environment<'static>) {
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

fn union(a: &Value, b: &Value) -> Result<Value, Error> {
    if let Some((x, y)) = num_sets(a, b)? {
        return Ok(to_list(&x.union(&y, &num_eq)));
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
    let bs = items(b)?;
    Ok(Value::from(dedup(
        items(a)?.into_iter().filter(|x| bs.contains(x)).collect(),
        true,
        None,
    )?))
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
    let bs = items(b)?;
    Ok(Value::from(dedup(
        items(a)?.into_iter().filter(|x| !bs.contains(x)).collect(),
        true,
        None,
    )?))
}

fn symmetric_difference(a: &Value, b: &Value) -> Result<Value, Error> {
    if let Some((x, y)) = num_sets(a, b)? {
        return Ok(to_list(&x.symmetric_difference(&y, &num_eq)));
    }
    let (xs, ys) = (items(a)?, items(b)?);
    let mut out: Vec<Value> = xs.iter().filter(|x| !ys.contains(x)).cloned().collect();
    out.extend(ys.iter().filter(|y| !xs.contains(y)).cloned());
    Ok(Value::from(dedup(out, true, None)?))
}
