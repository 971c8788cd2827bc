//! Filters on lists and mappings: `flatten`, `combine`, `dict2items`, `items2dict`, `unique`,
//! the set operations, `zip`, `min`/`max`/`sum`, `sort`, `random`/`shuffle`, `subelements`,
//! `extract`, `product`, `rekey_on_member`...

use super::core::fail;
use crate::convert::{Tuple, py_str};
use crate::filters::registry::Registry;
use drover_python::random::{Random, Seed};
use minijinja::value::{Kwargs, Rest, Value, ValueKind, ValueOrKwargs};
use minijinja::{Error, State};
use std::cmp::Ordering;

pub(crate) fn register(env: &mut Registry) {
    env.add_filter("flatten", flatten);
    env.add_filter("combine", combine);
    env.add_filter("dict2items", dict2items);
    env.add_filter("items2dict", items2dict);
    env.add_filter("unique", unique);
    super::sets::register(env);
    env.add_filter("zip", zip);
    env.add_filter("zip_longest", zip_longest);
    env.add_filter("min", min);
    env.add_filter("max", max);
    env.add_filter("sum", sum);
    env.add_filter("sort", sort);
    env.add_filter("dictsort", dictsort);
    env.add_filter("items", pairs);
    env.add_filter("batch", batch);
    env.add_filter("slice", slice);
    env.add_filter("random", random);
    env.add_filter("shuffle", shuffle);
    env.add_filter("subelements", subelements_filter);
    env.add_filter("extract", extract);
    env.add_filter("product", product);
    env.add_filter("rekey_on_member", rekey_on_member);
    env.add_filter("map", map);
    env.add_filter("first", |v: &Value| -> Result<Value, Error> {
        Ok(items(v)?.into_iter().next().unwrap_or(Value::UNDEFINED))
    });
    env.add_filter("last", |v: &Value| -> Result<Value, Error> {
        Ok(items(v)?.pop().unwrap_or(Value::UNDEFINED))
    });
    env.add_filter("list", |v: &Value| -> Result<Value, Error> {
        Ok(Value::from(items(v)?))
    });
    env.add_function("dict", dict_fn);
}

/// The items of any iterable (a mapping gives its keys, a string its characters).
pub(crate) fn items(value: &Value) -> Result<Vec<Value>, Error> {
    if value.is_undefined() {
        return Err(crate::convert::undefined_error());
    }
    if value.is_none() {
        return Err(super::core::fail("'NoneType' object is not iterable"));
    }
    if let Some(s) = value.as_str() {
        return Ok(s.chars().map(|c| Value::from(c.to_string())).collect());
    }
    Ok(value.try_iter()?.collect())
}

fn is_list(value: &Value) -> bool {
    matches!(value.kind(), ValueKind::Seq | ValueKind::Iterable)
}

/// ansible-core's `flatten(levels=None, skip_nulls=True)`: `skip_nulls` is read by its truth;
/// `levels` is only looked at when an item is a list (`levels >= 1`, then `int(levels) - 1`).
fn flatten(
    value: &Value,
    levels: Option<Value>,
    skip_nulls: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let levels = match levels {
        Some(l) => Some(l),
        None => kwargs.get::<Option<Value>>("levels")?,
    };
    let skip_nulls = match skip_nulls {
        Some(s) => Some(s.is_true()),
        None => super::core::flag(&kwargs, "skip_nulls")?,
    };
    kwargs.assert_all_used()?;
    let levels = levels.filter(|l| !l.is_none());
    let mut out = Vec::new();
    flatten_into(value, levels.as_ref(), skip_nulls.unwrap_or(true), &mut out)?;
    Ok(Value::from(out))
}

fn flatten_into(
    value: &Value,
    levels: Option<&Value>,
    skip_nulls: bool,
    out: &mut Vec<Value>,
) -> Result<(), Error> {
    for item in items(value)? {
        if skip_nulls && (item.is_none() || matches!(item.as_str(), Some("None" | "null"))) {
            continue;
        }
        if is_list(&item) {
            let Some(levels) = levels else {
                flatten_into(&item, None, skip_nulls, out)?;
                continue;
            };
            let l = match levels.kind() {
                ValueKind::Bool | ValueKind::Number => {
                    f64::try_from(levels.clone()).unwrap_or(f64::from(u8::from(levels.is_true())))
                }
                _ => {
                    return Err(fail(format!(
                        "'>=' not supported between instances of '{}' and 'int'",
                        super::core::type_name(levels)
                    )));
                }
            };
            if l >= 1.0 {
                let next = Value::from(l.trunc() as i64 - 1);
                flatten_into(&item, Some(&next), skip_nulls, out)?;
            } else {
                out.push(item);
            }
        } else {
            out.push(item);
        }
    }
    Ok(())
}

fn combine(terms: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let recursive = super::core::flag(&kwargs, "recursive")?;
    let list_merge: Option<String> = kwargs.get("list_merge")?;
    kwargs
        .assert_all_used()
        .map_err(|_| fail("'recursive' and 'list_merge' are the only valid keyword arguments"))?;
    let list_merge = list_merge.unwrap_or_else(|| "replace".into());
    if ![
        "replace",
        "keep",
        "append",
        "prepend",
        "append_rp",
        "prepend_rp",
    ]
    .contains(&list_merge.as_str())
    {
        return Err(fail(
            "merge_hash: 'list_merge' argument can only be equal to 'replace', 'keep', 'append', 'prepend', 'append_rp' or 'prepend_rp'",
        ));
    }
    // ansible-core flattens the terms one level, dropping None, 'None' and 'null' as its
    // `flatten` does; a single term is returned as it is.
    let null = |v: &Value| v.is_none() || matches!(v.as_str(), Some("None" | "null"));
    let mut dicts = Vec::new();
    for term in terms.iter().filter(|t| !null(t)) {
        if is_list(term) {
            dicts.extend(items(term)?.into_iter().filter(|t| !null(t)));
        } else {
            dicts.push(term.clone());
        }
    }
    if dicts.len() == 1 {
        return Ok(dicts.remove(0));
    }
    let mut result = crate::convert::map_value(Vec::<(Value, Value)>::new());
    for d in dicts {
        if d.kind() != ValueKind::Map {
            return Err(fail(format!(
                "failed to combine variables, expected dicts but got a '{}'",
                super::core::type_name(&d)
            )));
        }
        result = merge_values(&result, &d, recursive.unwrap_or(false), &list_merge)?;
    }
    Ok(result)
}

fn pairs_of(map: &Value) -> Result<Vec<(Value, Value)>, Error> {
    let mut out = Vec::new();
    for key in map.try_iter()? {
        let item = map.get_item(&key)?;
        out.push((key, item));
    }
    Ok(out)
}

/// ansible-core's `merge_hash(x, y, recursive, list_merge)` on template values (so integers
/// beyond 64 bits and nan stay as they are): y wins.
fn merge_values(x: &Value, y: &Value, recursive: bool, list_merge: &str) -> Result<Value, Error> {
    let (xs, ys) = (pairs_of(x)?, pairs_of(y)?);
    if xs.is_empty() || x == y {
        return Ok(crate::convert::map_value(ys));
    }
    if ys.is_empty() {
        return Ok(x.clone());
    }
    let mut out: indexmap::IndexMap<Value, Value> = xs.into_iter().collect();
    for (key, yv) in ys {
        let merged = match out.get(&key) {
            None => yv,
            Some(xv) if xv.kind() == ValueKind::Map && yv.kind() == ValueKind::Map => {
                if recursive {
                    merge_values(xv, &yv, recursive, list_merge)?
                } else {
                    yv
                }
            }
            Some(xv) if is_list(xv) && is_list(&yv) => {
                let (xl, yl) = (items(xv)?, items(&yv)?);
                let kept = || xl.iter().filter(|z| !yl.contains(z)).cloned();
                match list_merge {
                    "append" => Value::from(xl.iter().chain(&yl).cloned().collect::<Vec<_>>()),
                    "prepend" => Value::from(yl.iter().chain(&xl).cloned().collect::<Vec<_>>()),
                    "append_rp" => {
                        Value::from(kept().chain(yl.iter().cloned()).collect::<Vec<_>>())
                    }
                    "prepend_rp" => {
                        Value::from(yl.iter().cloned().chain(kept()).collect::<Vec<_>>())
                    }
                    "keep" => xv.clone(),
                    _ => yv,
                }
            }
            Some(_) => yv,
        };
        out.insert(key, merged);
    }
    Ok(Value::from_object(out))
}

fn dict2items(value: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    let key_name: Option<Value> = kwargs.get("key_name")?;
    let value_name: Option<Value> = kwargs.get("value_name")?;
    kwargs.assert_all_used()?;

    if value.kind() != ValueKind::Map {
        return Err(fail(format!(
            "dict2items requires a dictionary, got {} instead.",
            super::core::type_name(value)
        )));
    }
    let (k, v) = (
        key_name.unwrap_or_else(|| Value::from("key")),
        value_name.unwrap_or_else(|| Value::from("value")),
    );
    let mut out = Vec::new();
    for key in value.try_iter()? {
        // Each item is a dict built with the names as keys: only then must they be hashable.
        super::pytypes::hashable(&k)?;
        super::pytypes::hashable(&v)?;
        let item = value.get_item(&key)?;
        out.push(crate::convert::map_value([
            (k.clone(), key),
            (v.clone(), item),
        ]));
    }
    Ok(Value::from(out))
}

fn items2dict(value: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    let key_name: Option<String> = kwargs.get("key_name")?;
    let value_name: Option<String> = kwargs.get("value_name")?;
    kwargs.assert_all_used()?;
    let (k, v) = (
        key_name.unwrap_or_else(|| "key".into()),
        value_name.unwrap_or_else(|| "value".into()),
    );
    if !is_list(value) {
        return Err(fail(format!(
            "items2dict requires a list, got {} instead.",
            super::core::type_name(value)
        )));
    }
    let mut out = Vec::new();
    for item in items(value)? {
        let key = item.get_attr(&k).ok().filter(|x| !x.is_undefined());
        let val = item.get_attr(&v).ok().filter(|x| !x.is_undefined());
        match (key, val) {
            (Some(key), Some(val)) => out.push((key, val)),
            _ => {
                return Err(fail(format!(
                    "items2dict requires each dictionary in the list to contain the keys '{k}' and '{v}', got {} instead.",
                    py_str(value)
                )));
            }
        }
    }
    Ok(crate::convert::map_value(out))
}

pub(crate) fn dedup(
    values: Vec<Value>,
    case_sensitive: bool,
    attribute: Option<&str>,
) -> Result<Vec<Value>, Error> {
    let mut seen: Vec<Value> = Vec::new();
    let mut out = Vec::new();
    for v in values {
        let mut key = match attribute {
            Some(a) => present(&v, a, v.get_attr(a)?)?,
            None => v.clone(),
        };
        if !case_sensitive && let Some(s) = key.as_str() {
            key = Value::from(s.to_lowercase());
        }
        if !seen.contains(&key) {
            seen.push(key);
            out.push(v);
        }
    }
    Ok(out)
}

fn unique(value: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    let case_sensitive: Option<bool> = kwargs.get("case_sensitive")?;
    let attribute: Option<String> = kwargs.get("attribute")?;
    kwargs.assert_all_used()?;
    Ok(Value::from(dedup(
        items(value)?,
        case_sensitive.unwrap_or(false),
        attribute.as_deref(),
    )?))
}

fn zip(first: &Value, others: Rest<Value>) -> Result<Value, Error> {
    let mut lists = vec![items(first)?];
    for o in others.iter() {
        lists.push(items(o)?);
    }
    let n = lists.iter().map(Vec::len).min().unwrap_or(0);
    Ok(Value::from(
        (0..n)
            .map(|i| Tuple::value(lists.iter().map(|l| l[i].clone()).collect::<Vec<_>>()))
            .collect::<Vec<_>>(),
    ))
}

fn zip_longest(first: &Value, others: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let fill: Option<Value> = kwargs.get("fillvalue")?;
    kwargs.assert_all_used()?;
    let fill = fill.unwrap_or(Value::from(()));
    let mut lists = vec![items(first)?];
    for o in others.iter() {
        lists.push(items(o)?);
    }
    let n = lists.iter().map(Vec::len).max().unwrap_or(0);
    Ok(Value::from(
        (0..n)
            .map(|i| {
                Tuple::value(
                    lists
                        .iter()
                        .map(|l| l.get(i).cloned().unwrap_or_else(|| fill.clone()))
                        .collect::<Vec<_>>(),
                )
            })
            .collect::<Vec<_>>(),
    ))
}

/// Python's `<` between two values: numbers (and bools) by value, strings by code point
/// (case-folded unless `case_sensitive`), lists item by item; anything else is Python's
/// `TypeError`.
pub(crate) fn py_order(a: &Value, b: &Value, case_sensitive: bool) -> Result<Ordering, Error> {
    use ValueKind::{Bool, Number, Seq, String};
    match (a.kind(), b.kind()) {
        (Number | Bool, Number | Bool) => {
            let int = |v: &Value| {
                if v.kind() == Bool {
                    Some(i128::from(v.is_true()))
                } else if v.is_integer() {
                    i128::try_from(v.clone()).ok()
                } else {
                    None
                }
            };
            Ok(match (int(a), int(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => {
                    let f = |v: &Value| match int(v) {
                        Some(i) => i as f64,
                        None => f64::try_from(v.clone()).unwrap_or(f64::NAN),
                    };
                    f(a).partial_cmp(&f(b)).unwrap_or(Ordering::Equal)
                }
            })
        }
        (String, String) => {
            let (x, y) = (
                a.as_str().unwrap_or_default(),
                b.as_str().unwrap_or_default(),
            );
            Ok(if case_sensitive {
                x.cmp(y)
            } else {
                x.to_lowercase().cmp(&y.to_lowercase())
            })
        }
        (Seq, Seq) => {
            let (xs, ys) = (items(a)?, items(b)?);
            for (x, y) in xs.iter().zip(&ys) {
                if x != y {
                    return py_order(x, y, case_sensitive);
                }
            }
            Ok(xs.len().cmp(&ys.len()))
        }
        _ => Err(fail(format!(
            "'<' not supported between instances of '{}' and '{}'",
            super::core::type_name(a),
            super::core::type_name(b)
        ))),
    }
}

fn sort_key(v: &Value, attribute: Option<&str>) -> Result<Value, Error> {
    let Some(attr) = attribute else {
        return Ok(v.clone());
    };
    let mut cur = v.clone();
    for part in attr.split('.') {
        let next = match part.parse::<usize>() {
            Ok(i) if cur.kind() == ValueKind::Seq => cur.get_item_by_index(i)?,
            _ => cur.get_attr(part)?,
        };
        cur = present(&cur, part, next)?;
    }
    Ok(cur)
}

/// `found`, the attribute `name` of `item`, unless it is missing: ansible-core's attribute
/// filters (`sort`, `min`, `max`, `sum`, `unique`) fail on an item without it.
fn present(item: &Value, name: &str, found: Value) -> Result<Value, Error> {
    if found.is_undefined() {
        return Err(Error::new(
            minijinja::ErrorKind::UndefinedError,
            format!(
                "object of type '{}' has no attribute '{name}'",
                super::core::type_name(item)
            ),
        ));
    }
    Ok(found)
}

fn extreme(value: &Value, kwargs: Kwargs, want: Ordering) -> Result<Value, Error> {
    let attribute: Option<String> = kwargs.get("attribute")?;
    let case_sensitive: Option<bool> = kwargs.get("case_sensitive")?;
    kwargs.assert_all_used()?;
    let mut best: Option<(Value, Value)> = None;
    for item in items(value)? {
        let key = sort_key(&item, attribute.as_deref())?;
        let better = match &best {
            None => true,
            Some((bk, _)) => py_order(&key, bk, case_sensitive.unwrap_or(false))? == want,
        };
        if better {
            best = Some((key, item));
        }
    }
    Ok(best.map_or(Value::UNDEFINED, |(_, v)| v))
}

fn min(value: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    extreme(value, kwargs, Ordering::Less)
}

fn max(value: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    extreme(value, kwargs, Ordering::Greater)
}

fn sum(value: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    let attribute: Option<String> = kwargs.get("attribute")?;
    // An explicit `start=none` is Python's None, not a missing start.
    let start: Option<Value> = if kwargs.args().any(|k| k == "start") {
        Some(kwargs.get::<Value>("start")?)
    } else {
        None
    };
    kwargs.assert_all_used()?;
    if start
        .as_ref()
        .is_some_and(|s| s.kind() == ValueKind::String)
    {
        return Err(fail("sum() can't sum strings [use ''.join(seq) instead]"));
    }
    let mut acc = start.unwrap_or(Value::from(0));
    for item in items(value)? {
        let item = sort_key(&item, attribute.as_deref())?;
        acc = if is_list(&acc) && is_list(&item) {
            let mut l = items(&acc)?;
            l.extend(items(&item)?);
            Value::from(l)
        } else {
            add_numbers(&acc, &item)?
        };
    }
    Ok(acc)
}

fn add_numbers(a: &Value, b: &Value) -> Result<Value, Error> {
    if a.is_integer()
        && b.is_integer()
        && let (Ok(x), Ok(y)) = (i128::try_from(a.clone()), i128::try_from(b.clone()))
        && let Some(total) = x.checked_add(y)
    {
        return Ok(Value::from(total));
    }
    let x = f64::try_from(a.clone()).map_err(|_| {
        fail(format!(
            "unsupported operand type(s) for +: '{}' and '{}'",
            super::core::type_name(a),
            super::core::type_name(b)
        ))
    })?;
    let y = f64::try_from(b.clone()).map_err(|_| {
        fail(format!(
            "unsupported operand type(s) for +: '{}' and '{}'",
            super::core::type_name(a),
            super::core::type_name(b)
        ))
    })?;
    Ok(Value::from(x + y))
}

fn sort(
    value: &Value,
    reverse: Option<Value>,
    case_sensitive: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    // sorted() takes `reverse` as a C int (any int or bool); Jinja reads `case_sensitive` by
    // its truth.
    let reverse = match kwargs.get::<Option<Value>>("reverse")?.or(reverse) {
        Some(r) => {
            let n = super::core::py_index(&r)?;
            if i32::try_from(n).is_err() {
                return Err(fail("Python int too large to convert to C int"));
            }
            n != 0
        }
        None => false,
    };
    let case_sensitive = super::core::flag(&kwargs, "case_sensitive")?
        .or(case_sensitive.map(|c| c.is_true()))
        .unwrap_or(false);
    let attribute: Option<String> = kwargs.get("attribute")?;
    kwargs.assert_all_used()?;
    let attrs: Vec<String> = attribute
        .map(|a| a.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();
    let mut keyed = Vec::new();
    for item in items(value)? {
        let keys = if attrs.is_empty() {
            vec![item.clone()]
        } else {
            attrs
                .iter()
                .map(|a| sort_key(&item, Some(a)))
                .collect::<Result<Vec<_>, _>>()?
        };
        keyed.push((keys, item));
    }
    let mut failed = None;
    keyed.sort_by(|(a, _), (b, _)| {
        let ord = a
            .iter()
            .zip(b)
            .map(|(x, y)| {
                py_order(x, y, case_sensitive).unwrap_or_else(|e| {
                    failed.get_or_insert(e);
                    Ordering::Equal
                })
            })
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal);
        if reverse { ord.reverse() } else { ord }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    Ok(Value::from(
        keyed.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
    ))
}

/// Jinja's `batch(linecount, fill_with=None)`: lists of `linecount` items, the last one filled.
/// Jinja's `batch(linecount, fill_with=None)`. Python compares the batch's length with
/// `linecount` by `==` (a string or a fraction never equals it: one batch) and only pads a short
/// last batch when `len < linecount`, where it must be a number.
fn batch(value: &Value, count: &Value, fill: Option<Value>) -> Result<Value, Error> {
    let (equal_to, below): (Option<i64>, Option<f64>) = match count.kind() {
        ValueKind::Bool => (
            Some(i64::from(count.is_true())),
            Some(f64::from(u8::from(count.is_true()))),
        ),
        ValueKind::Number => {
            let f = f64::try_from(count.clone()).unwrap_or(f64::NAN);
            let exact = if count.is_integer() {
                count.as_i64()
            } else {
                (f.fract() == 0.0 && f.abs() < 9.0e18).then_some(f as i64)
            };
            (exact, Some(f))
        }
        _ => (None, None),
    };
    let mut out = Vec::new();
    let mut cur: Vec<Value> = Vec::new();
    for item in items(value)? {
        if equal_to.is_some_and(|count| i64::try_from(cur.len()).is_ok_and(|n| n == count)) {
            out.push(Value::from(std::mem::take(&mut cur)));
        }
        cur.push(item);
    }
    if !cur.is_empty() {
        if let Some(fill) = fill.filter(|f| !f.is_none()) {
            let Some(below) = below else {
                return Err(fail(format!(
                    "'<' not supported between instances of 'int' and '{}'",
                    super::core::type_name(count)
                )));
            };
            if (cur.len() as f64) < below {
                let missing = super::core::py_index(count)?;
                let missing = usize::try_from(missing).unwrap_or(0) - cur.len();
                let missing = super::core::within_limit(missing)?;
                cur.extend(std::iter::repeat_n(fill, missing));
            }
        }
        out.push(Value::from(cur));
    }
    Ok(Value::from(out))
}

/// Jinja's `slice(slices, fill_with=None)`: `slices` columns, the longer ones first.
fn slice(value: &Value, slices: &Value, fill: Option<Value>) -> Result<Value, Error> {
    let slices = super::core::py_index(slices)?;
    let seq = items(value)?;
    if slices < 0 {
        return Ok(Value::from(Vec::<Value>::new()));
    }
    let slices = super::core::within_limit(usize::try_from(slices).unwrap_or(0))?;
    if slices == 0 {
        return Err(fail("integer division or modulo by zero"));
    }
    let (per, extra) = (seq.len() / slices, seq.len() % slices);
    let mut out = Vec::with_capacity(slices);
    let mut offset = 0;
    for n in 0..slices {
        let start = offset + n * per;
        if n < extra {
            offset += 1;
        }
        let end = offset + (n + 1) * per;
        let mut part: Vec<Value> = seq[start.min(seq.len())..end.min(seq.len())].to_vec();
        if let Some(fill) = fill.as_ref().filter(|f| !f.is_none())
            && n >= extra
        {
            part.push(fill.clone());
        }
        out.push(Value::from(part));
    }
    Ok(Value::from(out))
}

/// Jinja's `items`: a mapping's `(key, value)` pairs.
fn pairs(value: &Value) -> Result<Value, Error> {
    if value.is_undefined() {
        return Err(crate::convert::undefined_error());
    }
    if value.kind() != ValueKind::Map {
        return Err(fail("Can only get item pairs from a mapping."));
    }
    let mut out = Vec::new();
    for key in value.try_iter()? {
        let item = value.get_item(&key)?;
        out.push(Tuple::value(vec![key, item]));
    }
    Ok(Value::from(out))
}

/// Jinja's `dictsort(case_sensitive=False, by='key', reverse=False)`, arguments by position or
/// keyword: the mapping's `(key, value)` pairs, sorted.
fn dictsort(
    value: &Value,
    case_sensitive: Option<Value>,
    by: Option<Value>,
    reverse: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let arg = |given: Option<Value>, name: &str| -> Result<Option<Value>, Error> {
        Ok(match given {
            Some(v) => Some(v),
            None => kwargs.get::<Option<Value>>(name)?,
        })
    };
    let case_sensitive = arg(case_sensitive, "case_sensitive")?.is_some_and(|v| v.is_true());
    let by = arg(by, "by")?.map_or_else(|| "key".to_owned(), |v| py_str(&v));
    // sorted(reverse=) takes an int (a bool is one).
    let reverse = match arg(reverse, "reverse")? {
        Some(r) => super::core::py_index(&r)? != 0,
        None => false,
    };
    kwargs.assert_all_used()?;
    let pos = match by.as_str() {
        "key" => 0,
        "value" => 1,
        _ => return Err(fail("You can only sort by either \"key\" or \"value\"")),
    };
    if value.kind() != ValueKind::Map {
        return Err(fail("dictsort filter requires a mapping"));
    }
    let mut pairs = Vec::new();
    for key in value.try_iter()? {
        let item = value.get_item(&key)?;
        pairs.push([key, item]);
    }
    let mut failed = None;
    pairs.sort_by(|a, b| {
        let ord = py_order(&a[pos], &b[pos], case_sensitive).unwrap_or_else(|e| {
            failed.get_or_insert(e);
            Ordering::Equal
        });
        if reverse { ord.reverse() } else { ord }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    Ok(Value::from(
        pairs
            .into_iter()
            .map(|p| Tuple::value(p.to_vec()))
            .collect::<Vec<_>>(),
    ))
}

/// `random.Random(seed)` for a template value; `None` for a seed Python refuses (3.11+: only
/// `None`, numbers, text and bytes).
fn seeded(seed: &Value) -> Option<Random> {
    let seed = match seed.kind() {
        ValueKind::Bool => Seed::Int(i128::from(seed.is_true())),
        ValueKind::Number if seed.is_integer() => Seed::Int(i128::try_from(seed.clone()).ok()?),
        ValueKind::Number => Seed::Float(f64::try_from(seed.clone()).ok()?),
        ValueKind::String => return Some(Random::new(Seed::Str(seed.as_str()?))),
        ValueKind::Bytes => return Some(Random::new(Seed::Bytes(seed.as_bytes()?))),
        _ => return None,
    };
    Some(Random::new(seed))
}

/// Python's refusal of a seed of another type.
const SEED_TYPES: &str =
    "The only supported seed types are: None, int, float, str, bytes, and bytearray.";

fn random(
    state: &State,
    end: &Value,
    start: Option<i64>,
    step: Option<i64>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let _ = state;
    let seed: Option<Value> = kwargs.get("seed")?;
    let start = kwargs.get::<Option<i64>>("start")?.or(start);
    let step = kwargs.get::<Option<i64>>("step")?.or(step);
    kwargs.assert_all_used()?;
    let mut rng = match seed.filter(|s| !s.is_none()) {
        Some(seed) => seeded(&seed).ok_or_else(|| fail(SEED_TYPES))?,
        None => Random::from_entropy(),
    };
    if end.is_integer() {
        let end = end.as_i64().unwrap_or(0);
        let start = start.unwrap_or(0);
        let step = step.filter(|s| *s != 0).unwrap_or(1);
        let n = rng
            .randrange(start, end, step)
            .map_err(|e| fail(e.to_string()))?;
        return Ok(Value::from(n));
    }
    if start.is_some() || step.is_some() {
        return Err(fail("start and step can only be used with integer values"));
    }
    let list = items(end).map_err(|_| fail("random can only be used on sequences and integers"))?;
    if end.kind() == ValueKind::Map && !list.is_empty() {
        // Python's choice indexes the mapping with a number: a KeyError unless it is a key.
        let i = rng.randbelow(list.len() as u64);
        let picked = end.get_item(&Value::from(i))?;
        if picked.is_undefined() {
            return Err(fail(i.to_string()));
        }
        return Ok(picked);
    }
    rng.choice(&list).cloned().map_err(|e| fail(e.to_string()))
}

fn shuffle(value: &Value, seed: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let seed = kwargs.get::<Option<Value>>("seed")?.or(seed);
    kwargs.assert_all_used()?;
    if value.is_undefined() {
        return Err(crate::convert::undefined_error());
    }
    // ansible-core returns a value it cannot make a list of (a number, a bool) as it is.
    let Ok(mut list) = items(value) else {
        return Ok(value.clone());
    };
    // Ansible shuffles with Random(seed) for a true seed, and returns the list as it is when
    // that fails (a seed of a type Python refuses).
    let rng = match seed.filter(|s| s.is_true()) {
        Some(seed) => seeded(&seed),
        None => Some(Random::from_entropy()),
    };
    if let Some(mut rng) = rng {
        rng.shuffle(&mut list);
    }
    Ok(Value::from(list))
}

/// `subelements` for the lookup of the same name.
pub(crate) fn subelements_of(
    obj: &Value,
    path: &Value,
    skip_missing: bool,
) -> Result<Value, Error> {
    subelements(obj, path, Some(skip_missing))
}

fn subelements_filter(
    obj: &Value,
    path: &Value,
    skip_missing: Option<bool>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let skip_missing = super::core::flag(&kwargs, "skip_missing")?.or(skip_missing);
    kwargs.assert_all_used()?;
    subelements(obj, path, skip_missing)
}

fn subelements(obj: &Value, path: &Value, skip_missing: Option<bool>) -> Result<Value, Error> {
    let elements: Vec<Value> = match obj.kind() {
        ValueKind::Map => obj
            .try_iter()?
            .map(|k| obj.get_item(&k))
            .collect::<Result<_, _>>()?,
        ValueKind::Seq | ValueKind::Iterable => items(obj)?,
        _ => return Err(fail("obj must be a list of dicts or a nested dict")),
    };
    let keys: Vec<String> = match path.kind() {
        ValueKind::String => path
            .as_str()
            .unwrap_or_default()
            .split('.')
            .map(str::to_owned)
            .collect(),
        ValueKind::Seq => items(path)?.iter().map(py_str).collect(),
        _ => return Err(fail("subelements must be a list or a string")),
    };
    let mut out = Vec::new();
    for element in elements {
        let mut values = element.clone();
        let mut skip = false;
        for key in &keys {
            // Python's `values[key]`: anything but a mapping is a TypeError, skip_missing or not.
            if values.kind() != ValueKind::Map {
                let mut got = String::new();
                crate::convert::py_repr(&values, &mut got);
                return Err(fail(format!(
                    "the key {key} should point to a dictionary, got {got}"
                )));
            }
            let next = values.get_attr(key).ok().filter(|v| !v.is_undefined());
            match next {
                Some(v) => values = v,
                None if skip_missing.unwrap_or(false) => {
                    skip = true;
                    break;
                }
                None => {
                    return Err(fail(format!(
                        "could not find '{key}' key in iterated item {}",
                        py_str(&values)
                    )));
                }
            }
        }
        if skip {
            continue;
        }
        if values.kind() != ValueKind::Seq {
            return Err(fail(format!(
                "the key '{}' should point to a list, got {}",
                keys.join("."),
                py_str(&values)
            )));
        }
        for v in items(&values)? {
            out.push(Tuple::value(vec![element.clone(), v]));
        }
    }
    Ok(Value::from(out))
}

fn extract(
    item: &Value,
    container: &Value,
    morekeys: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let morekeys = kwargs.get::<Option<Value>>("morekeys")?.or(morekeys);
    kwargs.assert_all_used()?;
    let mut keys = vec![item.clone()];
    match morekeys {
        Some(m) if is_list(&m) => keys.extend(items(&m)?),
        Some(m) => keys.push(m),
        None => {}
    }
    let mut value = container.clone();
    for key in keys {
        value = value.get_item(&key)?;
    }
    Ok(value)
}

fn product(first: &Value, others: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let repeat: Option<usize> = kwargs.get("repeat")?;
    kwargs.assert_all_used()?;
    let mut pools = vec![items(first)?];
    for o in others.iter() {
        pools.push(items(o)?);
    }
    // Python builds every pool (times `repeat`) and every tuple; drover refuses what would not
    // fit instead of running out of memory.
    let repeat = repeat.unwrap_or(1);
    super::core::within_limit(repeat.saturating_mul(pools.len()))?;
    let mut size = 1usize;
    for _ in 0..repeat {
        for pool in &pools {
            size = size.saturating_mul(pool.len());
        }
        if size == 0 {
            break;
        }
    }
    super::core::within_limit(size.saturating_mul(repeat.saturating_mul(pools.len())))?;
    let pools: Vec<Vec<Value>> = (0..repeat).flat_map(|_| pools.clone()).collect();
    let mut result: Vec<Vec<Value>> = vec![Vec::new()];
    for pool in &pools {
        result = result
            .iter()
            .flat_map(|prefix| {
                pool.iter().map(move |x| {
                    let mut p = prefix.clone();
                    p.push(x.clone());
                    p
                })
            })
            .collect();
    }
    Ok(Value::from(
        result.into_iter().map(Tuple::value).collect::<Vec<_>>(),
    ))
}

fn rekey_on_member(data: &Value, key: &Value, duplicates: Option<String>) -> Result<Value, Error> {
    let duplicates = duplicates.unwrap_or_else(|| "error".into());
    if duplicates != "error" && duplicates != "overwrite" {
        let mut shown = String::new();
        crate::convert::py_repr(&Value::from(duplicates.as_str()), &mut shown);
        return Err(fail(format!(
            "duplicates parameter to rekey_on_member has unknown value {shown}"
        )));
    }
    let elements: Vec<Value> = match data.kind() {
        ValueKind::Map => data
            .try_iter()?
            .map(|k| data.get_item(&k))
            .collect::<Result<_, _>>()?,
        ValueKind::Seq | ValueKind::Iterable => items(data)?,
        _ => return Err(fail("Type is not a valid list, set, or dict")),
    };
    let repr = |v: &Value| {
        let mut s = String::new();
        crate::convert::py_repr(v, &mut s);
        s
    };
    let mut out: Vec<(Value, Value)> = Vec::new();
    for item in elements {
        if item.kind() != ValueKind::Map {
            return Err(fail("List item is not a valid dict"));
        }
        let k = item
            .get_item(key)
            .ok()
            .filter(|v| !v.is_undefined())
            .ok_or_else(|| fail(format!("Key {} was not found.", repr(key))))?;
        if let Some(pos) = out.iter().position(|(x, _)| *x == k) {
            if duplicates == "error" {
                return Err(fail(format!(
                    "Key {} is not unique, cannot convert to dict.",
                    repr(&k)
                )));
            }
            out[pos].1 = item;
        } else {
            out.push((k, item));
        }
    }
    Ok(crate::convert::map_value(out))
}

/// `dict(a=1, ...)` or `dict(pairs)`: Python's `dict()`.
fn dict_fn(arg: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let mut out: Vec<(Value, Value)> = Vec::new();
    let mut put = |k: Value, v: Value| {
        if let Some(p) = out.iter().position(|(x, _)| *x == k) {
            out[p].1 = v;
        } else {
            out.push((k, v));
        }
    };
    if let Some(arg) = arg {
        if arg.kind() == ValueKind::Map {
            for k in arg.try_iter()? {
                let v = arg.get_item(&k)?;
                put(k, v);
            }
        } else {
            for pair in items(&arg)? {
                let kv = items(&pair)?;
                if kv.len() != 2 {
                    return Err(fail(
                        "dictionary update sequence element has wrong length; 2 is required",
                    ));
                }
                put(kv[0].clone(), kv[1].clone());
            }
        }
    }
    for k in kwargs.args().map(str::to_owned).collect::<Vec<_>>() {
        let v: Value = kwargs.get(&k)?;
        put(Value::from(k), v);
    }
    Ok(crate::convert::map_value(out))
}

/// `map(filter, *args, **kwargs)` or `map(attribute=..., default=...)`. minijinja's own `map`
/// drops the keyword arguments of the filter form (`map('int', base=16)`), so that form is done
/// here; the attribute form is minijinja's.
fn map(state: &mut State, value: Value, args: Rest<ValueOrKwargs>) -> Result<Vec<Value>, Error> {
    // Jinja looks at the arguments only once there is an item to map (`if value:`).
    if value.is_none() || (!value.is_undefined() && !value.is_true()) {
        return Ok(Vec::new());
    }
    let attribute_form = args.len() == 1
        && args[0].is_kwargs()
        && args[0]
            .get_attr("attribute")
            .is_ok_and(|a| !a.is_undefined());
    if attribute_form {
        // Jinja's getter of attribute=None is the item itself.
        if args[0].get_attr("attribute")?.is_none() {
            return items(&value);
        }
        // Jinja's attribute getter takes a None default as no default.
        let no_default = args[0]
            .get_attr("default")
            .is_ok_and(|d| d.is_undefined() || d.is_none());
        if no_default && let Some(attr) = args[0].get_attr("attribute")?.as_str() {
            super::attrs::every_item_has(&value, attr)?;
        }
        return minijinja::filters::map(state, value, args);
    }
    let args = args.into_values();
    let Some((name, rest)) = args.split_first() else {
        return Err(fail("map requires a filter name or attribute="));
    };
    let Some(name) = name.as_str() else {
        return Err(fail("map's filter name must be a string"));
    };

    let mut out = Vec::new();
    for item in items(&value)? {
        let mut call = Vec::with_capacity(rest.len() + 1);
        call.push(item);
        call.extend(rest.iter().cloned());
        let mapped = state.apply_filter(name, &call).map_err(|e| {
            if e.kind() == minijinja::ErrorKind::UnknownFilter {
                fail(format!("No filter named '{name}'."))
            } else {
                e
            }
        })?;
        out.push(mapped);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::Templates;
    use drover_types::{Templar, Value};

    /// Expected values from CPython 3.11's `random.Random(seed)`, which the filters use.
    #[test]
    fn seeded_random_and_shuffle_follow_cpython() {
        let t = Templates::new();
        let v = drover_types::Vars::new();
        let cases: &[(&str, Value)] = &[
            ("{{ 100 | random(seed=42) }}", Value::from(81)),
            ("{{ 60 | random(seed='web01') }}", Value::from(22)),
            ("{{ 1000 | random(seed=true) }}", Value::from(137)),
            (
                "{{ ['a', 'b', 'c', 'd'] | random(seed=1.5) }}",
                Value::from("c"),
            ),
            (
                "{{ [1, 2, 3, 4, 5] | shuffle(seed='seed') }}",
                serde_json::json!([3, 5, 4, 1, 2]),
            ),
            (
                "{{ [1, 2, 3, 4, 5] | shuffle(seed=7) }}",
                serde_json::json!([5, 1, 4, 2, 3]),
            ),
            (
                "{{ [1, 2, 3] | shuffle(seed=[1]) }}",
                serde_json::json!([1, 2, 3]),
            ),
            // What list() refuses comes back as it is.
            ("{{ 0.5 | shuffle(seed=1) }}", Value::from(0.5)),
            ("{{ false | shuffle(seed=1) }}", Value::from(false)),
            // sort's reverse and case_sensitive are read by their truth.
            ("{{ [1, 3, 2] | sort(3) }}", serde_json::json!([3, 2, 1])),
        ];
        for (src, want) in cases {
            assert_eq!(
                &t.render(src, &v).unwrap_or_else(|e| panic!("{src}: {e}")),
                want,
                "{src}"
            );
        }
        let err = t.render("{{ 10 | random(seed=[1]) }}", &v).unwrap_err();
        assert!(err.message().contains("supported seed types"), "{err}");
        // random.choice indexes a mapping by number (KeyError 0 from ansible-core).
        let err = t
            .render("{{ {'name': 2} | random(seed=65536) }}", &v)
            .unwrap_err();
        assert!(err.message().starts_with("0."), "{err}");
        for (src, want) in [
            (
                "{{ '' | rekey_on_member('a') }}",
                "Type is not a valid list",
            ),
            (
                "{{ [1] | rekey_on_member('a') }}",
                "List item is not a valid dict",
            ),
            (
                "{{ [{'b': 1}] | rekey_on_member('a') }}",
                "Key 'a' was not found.",
            ),
            (
                "{{ [{'a': 1}, {'a': 1}] | rekey_on_member('a') }}",
                "Key 1 is not unique",
            ),
            ("{{ [] | rekey_on_member('a', 'x') }}", "unknown value 'x'"),
        ] {
            let err = t.render(src, &v).unwrap_err();
            assert!(err.message().contains(want), "{src}: {err}");
        }
    }

    /// Python's tuples print in parentheses under `string` and `~`; a template's own output
    /// prints them as lists, but for `groupby`'s named tuples (ansible-core 2.19).
    #[test]
    fn tuples_print_as_python_prints_them() {
        let t = Templates::new();
        let v = drover_types::Vars::new();
        let r = |s: &str| t.render(s, &v).unwrap_or_else(|e| panic!("{s}: {e}"));
        let cases = [
            (
                "{% set r = 'a.b' | splitext %}{{ r }}|{{ r | string }}",
                "['a', '.b']|('a', '.b')",
            ),
            ("x{{ ['a'] | zip([1]) | list }}", "x[['a', 1]]"),
            ("x{{ ['a'] | zip | list | string }}", "x[('a',)]"),
            ("{{ [1] | zip_longest([]) | string }}", "[(1, None)]"),
            ("{{ [1] | product([2]) | string }}", "[(1, 2)]"),
            ("{{ {'a': 1} | items | string }}", "[('a', 1)]"),
            (
                "{{ {'b': 1, 'a': 2} | dictsort | string }}",
                "[('a', 2), ('b', 1)]",
            ),
            ("{{ q('indexed_items', ['a']) | string }}", "[(0, 'a')]"),
            ("x{{ [{'k': 1}] | groupby('k') }}", "x[(1, [{'k': 1}])]"),
            ("{{ ([{'k': 1}] | groupby('k'))[0].grouper }}x", "1x"),
            ("{{ 'a.b' | splitext | type_debug }}", "tuple"),
            (
                "{% for k, v in {'b': 1, 'a': 2} | dictsort %}{{ k }}={{ v }};{% endfor %}",
                "a=2;b=1;",
            ),
            (
                "{% for k, v in {'a': 1} | items %}{{ k }}={{ v }}{% endfor %}",
                "a=1",
            ),
            ("{{ ('a.b' | splitext)[-1] }}x", ".bx"),
            ("{{ ('a.b' | splitext) | to_json }}", "[\"a\", \".b\"]"),
        ];
        for (src, want) in cases {
            assert_eq!(r(src), Value::from(want), "{src}");
        }
        assert_eq!(r("{{ 'a.b' | splitext }}"), serde_json::json!(["a", ".b"]));
        // Tuples work as sequences wherever playbooks use pairs.
        let json = [
            (
                "{{ dict(['a', 'b'] | zip([1, 2])) }}",
                serde_json::json!({"a": 1, "b": 2}),
            ),
            (
                "{{ dict({'b': 1} | dictsort) }}",
                serde_json::json!({"b": 1}),
            ),
            (
                "{{ ['a'] | zip([1]) | map('join', '=') | list }}",
                serde_json::json!(["a=1"]),
            ),
            (
                "{{ [2, 1] | zip([3, 4]) | sort | list }}",
                serde_json::json!([[1, 4], [2, 3]]),
            ),
            ("{{ ('a.b' | splitext)[1:] }}", serde_json::json!([".b"])),
            (
                "{{ 'a.b' | splitext | reverse | list }}",
                serde_json::json!([".b", "a"]),
            ),
            ("{{ 'a.b' | splitext | last }}", serde_json::json!(".b")),
            ("{{ 'a.b' | splitext | length }}", serde_json::json!(2)),
            (
                "{{ 'a.b' | splitext is sequence }}",
                serde_json::json!(true),
            ),
            (
                "{{ {'a': 1} | dictsort | to_json }}",
                serde_json::json!("[[\"a\", 1]]"),
            ),
        ];
        for (src, want) in json {
            assert_eq!(r(src), want, "{src}");
        }
        assert!(t.render("{{ [1] | items }}", &v).is_err());
    }

    /// ansible-core 2.19 reads these arguments as Python does: by `==`, `<` or truth.
    #[test]
    fn batch_flatten_and_combine_take_python_arguments() {
        let t = Templates::new();
        let v = drover_types::Vars::new();
        let r = |s: &str| t.render(s, &v).unwrap_or_else(|e| panic!("{s}: {e}"));
        let cases = [
            (
                "{{ [1, 2, 3] | batch('x') | list }}",
                serde_json::json!([[1, 2, 3]]),
            ),
            (
                "{{ [1, 2, 3] | batch(-2.5, 0) | list }}",
                serde_json::json!([[1, 2, 3]]),
            ),
            (
                "{{ [1, 2, 3] | batch(2.0) | list }}",
                serde_json::json!([[1, 2], [3]]),
            ),
            (
                "{{ [1, 2, 3] | batch(2, 0) | list }}",
                serde_json::json!([[1, 2], [3, 0]]),
            ),
            (
                "{{ [[1, [2]]] | flatten(1.5) }}",
                serde_json::json!([1, [2]]),
            ),
            (
                "{{ [{'a': 1}] | flatten([]) }}",
                serde_json::json!([{"a": 1}]),
            ),
            (
                "{{ 'ab' | flatten(skip_nulls=0.5) }}",
                serde_json::json!(["a", "b"]),
            ),
            (
                "{{ [none, [1]] | flatten(skip_nulls=0) }}",
                serde_json::json!([null, 1]),
            ),
            (
                "{{ {'a': {'x': 1}} | combine({'a': {'y': 2}}, recursive='yes') }}",
                serde_json::json!({"a": {"x": 1, "y": 2}}),
            ),
            (
                "{{ [1, 2] | map(attribute=none) | list }}",
                serde_json::json!([1, 2]),
            ),
            ("{{ [] | groupby(-0.0) | list }}", serde_json::json!([])),
            (
                "{{ none | combine({'a': 1}, 'null') }}",
                serde_json::json!({"a": 1}),
            ),
            (
                "{{ [none, {'b': 2}] | combine({'a': 1}) }}",
                serde_json::json!({"b": 2, "a": 1}),
            ),
            ("{{ 'None' | combine }}", serde_json::json!({})),
            ("{{ 5 | combine }}", serde_json::json!(5)),
            (
                "{{ {'a': [1], 'b': {'x': 1}} | combine({'a': [2], 'b': {'y': 2}}, recursive=true, list_merge='append') }}",
                serde_json::json!({"a": [1, 2], "b": {"x": 1, "y": 2}}),
            ),
            (
                "x{{ {'a': 1} | combine({'b': 100000000000000000000}) }}",
                serde_json::json!("x{'a': 1, 'b': 100000000000000000000}"),
            ),
            (
                "{{ [[1, 2], [1, 3]] | groupby(0) | string }}",
                serde_json::json!("[(1, [[1, 2], [1, 3]])]"),
            ),
            ("{{ [] | intersect(5) }}", serde_json::json!([])),
            ("{{ [] | difference(5) }}", serde_json::json!([])),
            // CPython: list({42, -1, 2} - set('-7')).
            (
                "{{ [42, -1, 2] | difference('-7') }}",
                serde_json::json!([42, 2, -1]),
            ),
        ];
        for (src, want) in cases {
            assert_eq!(r(src), want, "{src}");
        }
        for src in [
            "{{ [1, 2, 3] | batch('x', 0) | list }}",
            "{{ [1, 2, 3] | batch(4.5, 0) | list }}",
            "{{ [[1]] | flatten('x') }}",
            "{{ [1] | intersect(5) }}",
            "{{ [1] | difference(5) }}",
            // Python runs out of memory (MemoryError); drover refuses before it does.
            "{{ [3, 2, none] | product(repeat=2147483648) }}",
            "{{ range(100) | product(range(100), range(100), range(100)) | length }}",
        ] {
            assert!(t.render(src, &v).is_err(), "{src} should fail");
        }
    }
}
