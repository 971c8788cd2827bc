//! `selectattr`, `rejectattr` and `groupby` with ansible-core's strict undefined: an item that
//! lacks the attribute is an error (unless the test is `defined` or `undefined`) (`object of type 'dict' has no attribute 'x'`), where
//! minijinja's own versions quietly test or group an undefined value. The work is still
//! minijinja's once every item has it.

use super::collections::items;
use super::core::type_name;
use minijinja::value::{Kwargs, Rest, Value, ValueOrKwargs};
use minijinja::{Environment, Error, ErrorKind, State};
use std::borrow::Cow;

pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("selectattr", selectattr);
    env.add_filter("rejectattr", rejectattr);
    env.add_filter("groupby", groupby);
}

/// Fails unless every item of `value` has the attribute (a dotted path) `attr`.
pub(crate) fn every_item_has(value: &Value, attr: &str) -> Result<(), Error> {
    for item in items(value)? {
        attr_of(&item, attr)?;
    }
    Ok(())
}

/// Jinja's attribute getter: the item at the dotted path `attr` (a number part is an index),
/// an error when it is missing.
pub(crate) fn attr_of(item: &Value, attr: &str) -> Result<Value, Error> {
    let mut at = item.clone();
    for part in attr.split('.') {
        let next = match part.parse::<i64>() {
            Ok(i) => match at.get_item(&Value::from(i)) {
                Ok(v) if !v.is_undefined() => Ok(v),
                _ => at.get_attr(part),
            },
            _ => at.get_attr(part),
        };
        match next {
            Ok(v) if !v.is_undefined() => at = v,
            _ => {
                return Err(Error::new(
                    ErrorKind::UndefinedError,
                    format!(
                        "object of type '{}' has no attribute '{part}'",
                        type_name(&at)
                    ),
                ));
            }
        }
    }
    Ok(at)
}

/// Only `defined` and `undefined` accept an undefined attribute.
fn check_attr(value: &Value, attr: &str, test: Option<&str>) -> Result<(), Error> {
    match test {
        Some("defined" | "undefined") => Ok(()),
        _ => every_item_has(value, attr),
    }
}

fn selectattr(
    state: &mut State,
    value: Value,
    attr: Cow<'_, str>,
    test: Option<Cow<'_, str>>,
    args: Rest<ValueOrKwargs>,
) -> Result<Vec<Value>, Error> {
    check_attr(&value, &attr, test.as_deref())?;
    minijinja::filters::selectattr(state, value, attr, test, args)
}

fn rejectattr(
    state: &mut State,
    value: Value,
    attr: Cow<'_, str>,
    test: Option<Cow<'_, str>>,
    args: Rest<ValueOrKwargs>,
) -> Result<Vec<Value>, Error> {
    check_attr(&value, &attr, test.as_deref())?;
    minijinja::filters::rejectattr(state, value, attr, test, args)
}

/// `groupby(attribute, default=None, case_sensitive=False)`: ansible-core refuses an item
/// without the attribute even with a `default`.
fn groupby(value: Value, attribute: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let named: Option<String> = kwargs.get("attribute")?;
    // Jinja looks an attribute that is not a string up as one key; no item, no lookup.
    let attribute = match attribute {
        Some(a) if a.is_integer() => Some(a.to_string()),
        Some(a) if a.as_str().is_none() && !a.is_none() => {
            if items(&value)?.is_empty() {
                return Ok(Value::from(Vec::<Value>::new()));
            }
            return Err(Error::new(
                ErrorKind::UndefinedError,
                format!("no item has the attribute {}", crate::convert::py_str(&a)),
            ));
        }
        Some(a) => a.as_str().map(str::to_owned),
        None => None,
    };
    let attribute = attribute.as_deref();
    if let Some(attr) = attribute.map(str::to_owned).or(named.clone()) {
        every_item_has(&value, &attr)?;
    }
    let groups = if named.is_some() {
        minijinja::filters::groupby(value, None, kwargs)?
    } else {
        minijinja::filters::groupby(value, attribute, kwargs)?
    };
    // Python's groups are named tuples, printed as tuples even in a template's output.
    let mut out = Vec::new();
    for g in groups.try_iter()? {
        out.push(crate::convert::Tuple::group(
            g.get_attr("grouper")?,
            g.get_attr("list")?,
        ));
    }
    Ok(Value::from(out))
}
