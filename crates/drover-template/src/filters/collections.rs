//! Filters on lists and mappings: `flatten`, `combine`, `dict2items`, `items2dict`, `unique`,
//! the set operations, `zip`, `min`/`max`/`sum`, `sort`, `random`/`shuffle`, `subelements`,
//! `extract`, `product`, `rekey_on_member`...

use super::core::fail;
use crate::convert::{from_plain, py_str, to_plain};
use drover_types::{Map, Value as JValue};
use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error, State};
use std::cmp::Ordering;

pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("flatten", flatten);
    env.add_filter("combine", combine);
    env.add_filter("dict2items", dict2items);
    env.add_filter("items2dict", items2dict);
    env.add_filter("unique", unique);
    env.add_filter("union", union);
    env.add_filter("intersect", intersect);
    env.add_filter("difference", difference);
    env.add_filter("symmetric_difference", symmetric_difference);
    env.add_filter("zip", zip);
    env.add_filter("zip_longest", zip_longest);
    env.add_filter("min", min);
    env.add_filter("max", max);
    env.add_filter("sum", sum);
    env.add_filter("sort", sort);
    env.add_filter("random", random);
    env.add_filter("shuffle", shuffle);
    env.add_filter("subelements", subelements_filter);
    env.add_filter("extract", extract);
    env.add_filter("product", product);
    env.add_filter("rekey_on_member", rekey_on_member);
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
    if let Some(s) = value.as_str() {
        return Ok(s.chars().map(|c| Value::from(c.to_string())).collect());
    }
    Ok(value.try_iter()?.collect())
}

fn is_list(value: &Value) -> bool {
    matches!(value.kind(), ValueKind::Seq | ValueKind::Iterable)
}

fn flatten(value: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    let levels: Option<i64> = kwargs.get("levels")?;
    let skip_nulls: Option<bool> = kwargs.get("skip_nulls")?;
    kwargs.assert_all_used()?;
    let mut out = Vec::new();
    flatten_into(value, levels, skip_nulls.unwrap_or(true), &mut out)?;
    Ok(Value::from(out))
}

fn flatten_into(
    value: &Value,
    levels: Option<i64>,
    skip_nulls: bool,
    out: &mut Vec<Value>,
) -> Result<(), Error> {
    for item in items(value)? {
        if skip_nulls && (item.is_none() || matches!(item.as_str(), Some("None" | "null"))) {
            continue;
        }
        if is_list(&item) {
            match levels {
                None => flatten_into(&item, None, skip_nulls, out)?,
                Some(l) if l >= 1 => flatten_into(&item, Some(l - 1), skip_nulls, out)?,
                Some(_) => out.push(item),
            }
        } else {
            out.push(item);
        }
    }
    Ok(())
}

/// Ansible's `merge_hash(x, y, recursive, list_merge)`: y wins.
pub(crate) fn merge_hash(x: &Map, y: &Map, recursive: bool, list_merge: &str) -> Map {
    let mut out = x.clone();
    for (key, yv) in y {
        let Some(xv) = out.get(key) else {
            out.insert(key.clone(), yv.clone());
            continue;
        };
        let merged = match (xv, yv) {
            (JValue::Object(xm), JValue::Object(ym)) if recursive => {
                JValue::Object(merge_hash(xm, ym, recursive, list_merge))
            }
            (JValue::Array(xl), JValue::Array(yl)) => match list_merge {
                "append" => JValue::Array(xl.iter().chain(yl).cloned().collect()),
                "prepend" => JValue::Array(yl.iter().chain(xl).cloned().collect()),
                "append_rp" => JValue::Array(
                    xl.iter()
                        .filter(|z| !yl.contains(z))
                        .chain(yl)
                        .cloned()
                        .collect(),
                ),
                "prepend_rp" => JValue::Array(
                    yl.iter()
                        .cloned()
                        .chain(xl.iter().filter(|z| !yl.contains(z)).cloned())
                        .collect(),
                ),
                "keep" => xv.clone(),
                _ => yv.clone(),
            },
            _ => yv.clone(),
        };
        out.insert(key.clone(), merged);
    }
    out
}

fn combine(terms: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let recursive: Option<bool> = kwargs.get("recursive")?;
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
    let mut dicts = Vec::new();
    for term in terms.iter() {
        if is_list(term) {
            dicts.extend(items(term)?);
        } else {
            dicts.push(term.clone());
        }
    }
    let mut result = Map::new();
    for d in dicts {
        match to_plain(&d)? {
            JValue::Object(m) => {
                result = merge_hash(&result, &m, recursive.unwrap_or(false), &list_merge)
            }
            other => {
                return Err(fail(format!(
                    "failed to combine variables, expected dicts but got a '{}'",
                    json_type(&other)
                )));
            }
        }
    }
    Ok(from_plain(&JValue::Object(result)))
}

fn json_type(v: &JValue) -> &'static str {
    match v {
        JValue::Null => "NoneType",
        JValue::Bool(_) => "bool",
        JValue::Number(n) if n.is_f64() => "float",
        JValue::Number(_) => "int",
        JValue::String(_) => "str",
        JValue::Array(_) => "list",
        JValue::Object(_) => "dict",
    }
}

fn dict2items(value: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    let key_name: Option<String> = kwargs.get("key_name")?;
    let value_name: Option<String> = kwargs.get("value_name")?;
    kwargs.assert_all_used()?;
    if value.kind() != ValueKind::Map {
        return Err(fail(format!(
            "dict2items requires a dictionary, got {} instead.",
            super::core::type_name(value)
        )));
    }
    let (k, v) = (
        key_name.unwrap_or_else(|| "key".into()),
        value_name.unwrap_or_else(|| "value".into()),
    );
    let mut out = Vec::new();
    for key in value.try_iter()? {
        let item = value.get_item(&key)?;
        out.push(crate::convert::map_value([
            (Value::from(k.as_str()), key),
            (Value::from(v.as_str()), item),
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

fn dedup(
    values: Vec<Value>,
    case_sensitive: bool,
    attribute: Option<&str>,
) -> Result<Vec<Value>, Error> {
    let mut seen: Vec<Value> = Vec::new();
    let mut out = Vec::new();
    for v in values {
        let mut key = match attribute {
            Some(a) => v.get_attr(a)?,
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

fn union(a: &Value, b: &Value) -> Result<Value, Error> {
    let mut all = items(a)?;
    all.extend(items(b)?);
    Ok(Value::from(dedup(all, true, None)?))
}

fn intersect(a: &Value, b: &Value) -> Result<Value, Error> {
    let bs = items(b)?;
    Ok(Value::from(dedup(
        items(a)?.into_iter().filter(|x| bs.contains(x)).collect(),
        true,
        None,
    )?))
}

fn difference(a: &Value, b: &Value) -> Result<Value, Error> {
    let bs = items(b)?;
    Ok(Value::from(dedup(
        items(a)?.into_iter().filter(|x| !bs.contains(x)).collect(),
        true,
        None,
    )?))
}

fn symmetric_difference(a: &Value, b: &Value) -> Result<Value, Error> {
    let (xs, ys) = (items(a)?, items(b)?);
    let mut out: Vec<Value> = xs.iter().filter(|x| !ys.contains(x)).cloned().collect();
    out.extend(ys.iter().filter(|y| !xs.contains(y)).cloned());
    Ok(Value::from(dedup(out, true, None)?))
}

fn zip(first: &Value, others: Rest<Value>) -> Result<Value, Error> {
    let mut lists = vec![items(first)?];
    for o in others.iter() {
        lists.push(items(o)?);
    }
    let n = lists.iter().map(Vec::len).min().unwrap_or(0);
    Ok(Value::from(
        (0..n)
            .map(|i| Value::from(lists.iter().map(|l| l[i].clone()).collect::<Vec<_>>()))
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
                Value::from(
                    lists
                        .iter()
                        .map(|l| l.get(i).cloned().unwrap_or_else(|| fill.clone()))
                        .collect::<Vec<_>>(),
                )
            })
            .collect::<Vec<_>>(),
    ))
}

/// Python-like ordering: numbers by value, strings (optionally case-folded), then by kind.
pub(crate) fn py_cmp(a: &Value, b: &Value, case_sensitive: bool) -> Ordering {
    if !case_sensitive && let (Some(x), Some(y)) = (a.as_str(), b.as_str()) {
        return x.to_lowercase().cmp(&y.to_lowercase());
    }
    a.cmp(b)
}

fn sort_key(v: &Value, attribute: Option<&str>) -> Result<Value, Error> {
    let Some(attr) = attribute else {
        return Ok(v.clone());
    };
    let mut cur = v.clone();
    for part in attr.split('.') {
        cur = match part.parse::<usize>() {
            Ok(i) if cur.kind() == ValueKind::Seq => cur.get_item_by_index(i)?,
            _ => cur.get_attr(part)?,
        };
    }
    Ok(cur)
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
            Some((bk, _)) => py_cmp(&key, bk, case_sensitive.unwrap_or(false)) == want,
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
    let start: Option<Value> = kwargs.get("start")?;
    kwargs.assert_all_used()?;
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
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64())
        && a.is_integer()
        && b.is_integer()
    {
        return Ok(Value::from(x + y));
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
    reverse: Option<bool>,
    case_sensitive: Option<bool>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let reverse = kwargs
        .get::<Option<bool>>("reverse")?
        .or(reverse)
        .unwrap_or(false);
    let case_sensitive = kwargs
        .get::<Option<bool>>("case_sensitive")?
        .or(case_sensitive)
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
    keyed.sort_by(|(a, _), (b, _)| {
        let ord = a
            .iter()
            .zip(b)
            .map(|(x, y)| py_cmp(x, y, case_sensitive))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal);
        if reverse { ord.reverse() } else { ord }
    });
    Ok(Value::from(
        keyed.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
    ))
}

/// Python's Mersenne Twister, for `random(seed=...)` and `shuffle(seed=...)` giving the same
/// results as Ansible.
pub(crate) struct Mt {
    state: [u32; 624],
    index: usize,
}

impl Mt {
    fn init_genrand(s: u32) -> Mt {
        let mut state = [0u32; 624];
        state[0] = s;
        for i in 1..624 {
            state[i] = 1_812_433_253u32
                .wrapping_mul(state[i - 1] ^ (state[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        Mt { state, index: 624 }
    }

    /// Seeded like Python's `random.seed(int)` (string seeds are hashed with SHA-512 first, as
    /// Python 3 does for version 2 seeding).
    pub(crate) fn new(seed: &Value) -> Mt {
        let key: Vec<u32> = if let Some(i) = seed.as_i64() {
            let mut n = i.unsigned_abs();
            let mut k = Vec::new();
            while n > 0 {
                k.push(n as u32);
                n >>= 32;
            }
            if k.is_empty() {
                k.push(0);
            }
            k
        } else {
            use sha2::Digest;
            let s = py_str(seed);
            let mut bytes = s.as_bytes().to_vec();
            bytes.extend_from_slice(&sha2::Sha512::digest(s.as_bytes()));
            // int.from_bytes(big endian) split into 32-bit words, least significant first.
            let mut words = Vec::new();
            let mut chunk_end = bytes.len();
            while chunk_end > 0 {
                let start = chunk_end.saturating_sub(4);
                let mut w = 0u32;
                for b in &bytes[start..chunk_end] {
                    w = (w << 8) | u32::from(*b);
                }
                words.push(w);
                chunk_end = start;
            }
            while words.len() > 1 && words.last() == Some(&0) {
                words.pop();
            }
            words
        };
        let mut mt = Mt::init_genrand(19_650_218);
        let (mut i, mut j) = (1usize, 0usize);
        let n = 624;
        for _ in 0..n.max(key.len()) {
            mt.state[i] = (mt.state[i]
                ^ (mt.state[i - 1] ^ (mt.state[i - 1] >> 30)).wrapping_mul(1_664_525))
            .wrapping_add(key[j])
            .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= n {
                mt.state[0] = mt.state[n - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..n - 1 {
            mt.state[i] = (mt.state[i]
                ^ (mt.state[i - 1] ^ (mt.state[i - 1] >> 30)).wrapping_mul(1_566_083_941))
            .wrapping_sub(i as u32);
            i += 1;
            if i >= n {
                mt.state[0] = mt.state[n - 1];
                i = 1;
            }
        }
        mt.state[0] = 0x8000_0000;
        mt
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            for k in 0..624 {
                let y = (self.state[k] & 0x8000_0000) | (self.state[(k + 1) % 624] & 0x7fff_ffff);
                let mut v = self.state[(k + 397) % 624] ^ (y >> 1);
                if y & 1 != 0 {
                    v ^= 0x9908_b0df;
                }
                self.state[k] = v;
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// Python's `getrandbits(k)` for k <= 32.
    fn bits(&mut self, k: u32) -> u64 {
        u64::from(self.next_u32() >> (32 - k))
    }

    /// Python's `_randbelow(n)`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        let k = 64 - n.leading_zeros();
        loop {
            let r = if k <= 32 {
                self.bits(k)
            } else {
                let lo = u64::from(self.next_u32());
                let hi = self.bits(k - 32);
                (hi << 32) | lo
            };
            if r < n {
                return r;
            }
        }
    }
}

fn os_seed() -> Value {
    Value::from(getrandom::u64().unwrap_or_default() as i64 & i64::MAX)
}

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
    let mut mt = Mt::new(&seed.filter(|s| !s.is_none()).unwrap_or_else(os_seed));
    if end.is_integer() {
        let end = end.as_i64().unwrap_or(0);
        let start = start.unwrap_or(0);
        let step = step.filter(|s| *s != 0).unwrap_or(1);
        let n = if step > 0 {
            (end - start + step - 1) / step
        } else {
            (end - start + step + 1) / step
        };
        if n <= 0 {
            return Err(fail(format!(
                "empty range in randrange({start}, {end}, {step})"
            )));
        }
        return Ok(Value::from(start + step * mt.below(n as u64) as i64));
    }
    if start.is_some() || step.is_some() {
        return Err(fail("start and step can only be used with integer values"));
    }
    let list = items(end).map_err(|_| fail("random can only be used on sequences and integers"))?;
    if list.is_empty() {
        return Err(fail("Cannot choose from an empty sequence"));
    }
    Ok(list[mt.below(list.len() as u64) as usize].clone())
}

fn shuffle(value: &Value, seed: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let seed = kwargs.get::<Option<Value>>("seed")?.or(seed);
    kwargs.assert_all_used()?;
    let mut list = items(value)?;
    let mut mt = Mt::new(&seed.filter(|s| s.is_true()).unwrap_or_else(os_seed));
    for i in (1..list.len()).rev() {
        let j = mt.below(i as u64 + 1) as usize;
        list.swap(i, j);
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
    let skip_missing = kwargs.get::<Option<bool>>("skip_missing")?.or(skip_missing);
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
    let keys: Vec<String> = match path.as_str() {
        Some(s) => s.split('.').map(str::to_owned).collect(),
        None => items(path)?.iter().map(py_str).collect(),
    };
    let mut out = Vec::new();
    for element in elements {
        let mut values = element.clone();
        let mut skip = false;
        for key in &keys {
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
            out.push(Value::from(vec![element.clone(), v]));
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
    let pools: Vec<Vec<Value>> = (0..repeat.unwrap_or(1))
        .flat_map(|_| pools.clone())
        .collect();
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
        result.into_iter().map(Value::from).collect::<Vec<_>>(),
    ))
}

fn rekey_on_member(data: &Value, key: String, duplicates: Option<String>) -> Result<Value, Error> {
    let duplicates = duplicates.unwrap_or_else(|| "error".into());
    let elements: Vec<Value> = match data.kind() {
        ValueKind::Map => data
            .try_iter()?
            .map(|k| data.get_item(&k))
            .collect::<Result<_, _>>()?,
        _ => items(data)?,
    };
    let mut out: Vec<(Value, Value)> = Vec::new();
    for item in elements {
        let k = item
            .get_attr(&key)
            .ok()
            .filter(|v| !v.is_undefined())
            .ok_or_else(|| fail(format!("Key {key} was not found")))?;
        if let Some(pos) = out.iter().position(|(x, _)| *x == k) {
            if duplicates == "error" {
                return Err(fail(format!(
                    "Key {} is not unique, cannot correctly turn into dict",
                    py_str(&k)
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
