//! `select`, `reject`, `selectattr`, `rejectattr` and `groupby` with ansible-core's strict undefined: an item that
//! lacks the attribute is an error (unless the test is `defined` or `undefined`) (`object of type 'dict' has no attribute 'x'`), where
//! minijinja's own versions quietly test or group an undefined value. The work is still
//! minijinja's once every item has it.

use super::collections::items;
use super::core::type_name;
use crate::filters::registry::Registry;
use minijinja::value::{Kwargs, Rest, Value, ValueOrKwargs};
use minijinja::{Error, ErrorKind, State};
use std::borrow::Cow;

pub(crate) fn register(env: &mut Registry) {
    env.add_filter("select", select);
    env.add_filter("reject", reject);
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

/// Jinja's select/reject look the test up, and iterate, only `if value:` (an empty or false
/// value gives nothing, whatever the test).
fn nothing_to_test(value: &Value) -> bool {
    !value.is_undefined() && !value.is_true()
}

fn select(
    state: &mut State,
    value: Value,
    test: Option<Cow<'_, str>>,
    args: Rest<ValueOrKwargs>,
) -> Result<Vec<Value>, Error> {
    if nothing_to_test(&value) {
        return Ok(Vec::new());
    }
    minijinja::filters::select(state, value, test, args)
}

fn reject(
    state: &mut State,
    value: Value,
    test: Option<Cow<'_, str>>,
    args: Rest<ValueOrKwargs>,
) -> Result<Vec<Value>, Error> {
    if nothing_to_test(&value) {
        return Ok(Vec::new());
    }
    minijinja::filters::reject(state, value, test, args)
}

/// selectattr/rejectattr(attr, test, *args): Jinja needs an attribute name only once there is
/// an item, and a None attribute tests the item itself.
fn select_or_reject_attr(
    state: &mut State,
    value: Value,
    args: Rest<ValueOrKwargs>,
    reject: bool,
) -> Result<Vec<Value>, Error> {
    if nothing_to_test(&value) {
        return Ok(Vec::new());
    }
    let mut args = args.0.into_iter();
    let Some(attr) = args.next().map(ValueOrKwargs::into_value) else {
        return Err(Error::new(
            ErrorKind::MissingArgument,
            "Missing parameter for attribute name",
        ));
    };
    let test = args.next().map(ValueOrKwargs::into_value);
    let test = test.as_ref().map(|t| Cow::Owned(crate::convert::py_str(t)));
    let rest = Rest(args.collect());
    if attr.is_none() {
        return if reject {
            minijinja::filters::reject(state, value, test, rest)
        } else {
            minijinja::filters::select(state, value, test, rest)
        };
    }
    let attr = crate::convert::py_str(&attr);
    check_attr(&value, &attr, test.as_deref())?;
    if reject {
        minijinja::filters::rejectattr(state, value, Cow::Owned(attr), test, rest)
    } else {
        minijinja::filters::selectattr(state, value, Cow::Owned(attr), test, rest)
    }
}

fn selectattr(
    state: &mut State,
    value: Value,
    args: Rest<ValueOrKwargs>,
) -> Result<Vec<Value>, Error> {
    select_or_reject_attr(state, value, args, false)
}

fn rejectattr(
    state: &mut State,
    value: Value,
    args: Rest<ValueOrKwargs>,
) -> Result<Vec<Value>, Error> {
    select_or_reject_attr(state, value, args, true)
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

#[cfg(test)]
mod tests {
    use crate::Templates;
    use drover_types::{Templar, Vars};

    /// Expected values and errors from ansible-core 2.19's templar.
    #[test]
    fn select_family_follows_jinja() {
        let t = Templates::new();
        let v = Vars::new();
        let cases: &[(&str, serde_json::Value)] = &[
            ("{{ [] | select(0.0) | list }}", serde_json::json!([])),
            (
                "{{ false | reject('truthy') | list }}",
                serde_json::json!([]),
            ),
            ("{{ [] | selectattr | list }}", serde_json::json!([])),
            (
                "{{ [] | rejectattr('a', 'nope') | list }}",
                serde_json::json!([]),
            ),
            (
                "{{ [{}, {'a': 0}] | rejectattr(none) | list }}",
                serde_json::json!([{}]),
            ),
            (
                "{{ [{'a': 1}, {'a': 2}] | selectattr('a', 'eq', 2) | list }}",
                serde_json::json!([{"a": 2}]),
            ),
        ];
        for (src, want) in cases {
            assert_eq!(
                &t.render(src, &v).unwrap_or_else(|e| panic!("{src}: {e}")),
                want,
                "{src}"
            );
        }
        let err = t.render("{{ [1] | selectattr | list }}", &v).unwrap_err();
        assert!(
            err.message()
                .contains("Missing parameter for attribute name"),
            "{err}"
        );
    }
}
