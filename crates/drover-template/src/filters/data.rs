//! Serialisation filters: `to_json`, `to_nice_json`, `from_json`, `to_yaml`, `to_nice_yaml`,
//! `from_yaml`, `from_yaml_all`, with Python's `json.dumps` and PyYAML's output formats.

use super::core::fail;
use super::yaml_emit::{Options, dump};
use crate::convert::{from_plain, to_plain};
use drover_python::json;
use drover_types::Value as JValue;
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error};
use std::path::PathBuf;
use std::sync::Arc;

pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("to_json", to_json);
    env.add_filter("to_nice_json", to_nice_json);
    env.add_filter("tojson", tojson);
    env.add_filter("from_json", from_json);
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("to_nice_yaml", to_nice_yaml);
    env.add_filter("from_yaml", from_yaml);
    env.add_filter("from_yaml_all", from_yaml_all);
}

/// `json.dumps`'s arguments from the filter's: `to_json` passes them on, `to_nice_json` sets
/// `indent`, `sort_keys` and `separators=(',', ': ')` first.
fn json_options(
    kwargs: &Kwargs,
    indent: Option<usize>,
    sort_keys: bool,
    nice: bool,
) -> Result<json::Options, Error> {
    // Python: a negative indent is `' ' * n`, no indentation at all.
    let indent = match kwargs.get::<Option<i64>>("indent")? {
        Some(n) => Some(usize::try_from(n.max(0)).unwrap_or(0)),
        None => indent,
    };
    let sort_keys = kwargs
        .get::<Option<bool>>("sort_keys")?
        .unwrap_or(sort_keys);
    let ensure_ascii = kwargs.get::<Option<bool>>("ensure_ascii")?.unwrap_or(true);
    let separators = match kwargs.get::<Option<Vec<String>>>("separators")? {
        Some(pair) => match <[String; 2]>::try_from(pair) {
            Ok([item, key]) => Some((item, key)),
            Err(_) => return Err(fail("separators must be a pair of strings")),
        },
        None if nice => Some((",".into(), ": ".into())),
        None => None,
    };
    let _: Option<Value> = kwargs.get("vault_to_text")?;
    let _: Option<Value> = kwargs.get("preprocess_unsafe")?;
    kwargs.assert_all_used()?;
    Ok(json::Options {
        ensure_ascii,
        indent,
        separators,
        sort_keys,
    })
}

fn to_json(value: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let opts = json_options(&kwargs, None, false, false)?;
    Ok(json::dumps(&to_plain(value)?, &opts))
}

/// Jinja's `tojson`: sorted keys, ASCII only, and `<>&'` escaped so it is safe in HTML.
/// Jinja's `tojson(value, indent=None)`.
fn tojson(value: &Value, indent: Option<usize>, kwargs: Kwargs) -> Result<String, Error> {
    let named: Option<usize> = kwargs.get("indent")?;
    kwargs.assert_all_used()?;
    let indent = named.or(indent);
    let opts = json::Options {
        indent,
        sort_keys: true,
        ..json::Options::default()
    };
    Ok(json::dumps(&to_plain(value)?, &opts)
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\'', "\\u0027"))
}

fn to_nice_json(value: &Value, indent: Option<usize>, kwargs: Kwargs) -> Result<String, Error> {
    let opts = json_options(&kwargs, Some(indent.unwrap_or(4)), true, true)?;
    Ok(json::dumps(&to_plain(value)?, &opts))
}

fn from_json(value: String, kwargs: Kwargs) -> Result<Value, Error> {
    let _: Option<Value> = kwargs.get("profile")?;
    kwargs.assert_all_used()?;
    let parsed: JValue =
        serde_json::from_str(&value).map_err(|e| fail(format!("from_json: {e}")))?;
    Ok(from_plain(&parsed))
}

fn yaml_options(kwargs: &Kwargs, indent: usize, flow: Option<bool>) -> Result<Options, Error> {
    let indent = kwargs.get::<Option<usize>>("indent")?.unwrap_or(indent);
    let flow = match kwargs.get::<Option<Value>>("default_flow_style")? {
        Some(v) if v.is_none() => None,
        Some(v) => Some(v.is_true()),
        None => flow,
    };
    let sort_keys = kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(true);
    let width = kwargs.get::<Option<usize>>("width")?.unwrap_or(80);
    let _: Option<bool> = kwargs.get("allow_unicode")?;
    let _: Option<Value> = kwargs.get("explicit_start")?;
    kwargs.assert_all_used()?;
    Ok(Options {
        default_flow_style: flow,
        indent: indent.clamp(2, 9),
        sort_keys,
        width,
    })
}

fn to_yaml(value: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let opts = yaml_options(&kwargs, 2, None)?;
    Ok(dump(&to_plain(value)?, &opts))
}

fn to_nice_yaml(value: &Value, indent: Option<usize>, kwargs: Kwargs) -> Result<String, Error> {
    let opts = yaml_options(&kwargs, indent.unwrap_or(4), Some(false))?;
    Ok(dump(&to_plain(value)?, &opts))
}

fn load_yaml(text: &str) -> Result<Vec<Value>, Error> {
    let docs = drover_yaml::load_str(text, Arc::new(PathBuf::from("<from_yaml>")))
        .map_err(|e| fail(format!("from_yaml: {e}")))?;
    docs.iter().map(|d| node_value(d, text)).collect()
}

/// A YAML node as PyYAML's loader builds it: floats as they are (inf, nan), and a plain
/// scalar that is a timestamp as a date or a naive datetime.
fn node_value(node: &drover_yaml::Node, text: &str) -> Result<Value, Error> {
    use drover_yaml::NodeValue;
    if matches!(
        node.tag,
        Some(drover_yaml::Tag::Vault | drover_yaml::Tag::Other(_))
    ) {
        let plain = node
            .to_value()
            .map_err(|e| fail(format!("from_yaml: {e}")))?;
        return Ok(from_plain(&plain));
    }
    Ok(match &node.value {
        NodeValue::Null => Value::from(()),
        NodeValue::Bool(b) => Value::from(*b),
        NodeValue::Int(i) => Value::from(*i),
        NodeValue::Float(f) => Value::from(*f),
        NodeValue::Str(s) => {
            // A plain scalar starts with its own text where the node starts (a quoted one with
            // its quote, a tagged one with its tag).
            let plain = text
                .get(node.span.offset..)
                .is_some_and(|rest| rest.starts_with(s.as_str()));
            match plain.then(|| timestamp(s)).flatten() {
                Some(t) => t?,
                None => Value::from(s.as_str()),
            }
        }
        NodeValue::Seq(items) => Value::from(
            items
                .iter()
                .map(|i| node_value(i, text))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        NodeValue::Map(entries) => {
            let mut pairs = Vec::new();
            for (k, v) in entries {
                pairs.push((
                    Value::from(drover_yaml::python_str(k)),
                    node_value(v, text)?,
                ));
            }
            crate::convert::map_value(pairs)
        }
    })
}

/// YAML 1.1's timestamp, as PyYAML constructs it: `2024-01-31` is a date,
/// `2024-01-31 12:34:56.5` a datetime. One with a time zone is left as text (drover's
/// datetimes are naive).
fn timestamp(s: &str) -> Option<Result<Value, Error>> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?)?$",
        )
        .unwrap_or_else(|_| unreachable!("constant regex"))
    });
    let c = re.captures(s)?;
    let num = |i: usize| {
        c.get(i)
            .map_or(0, |m| m.as_str().parse::<i64>().unwrap_or(0))
    };
    let (year, month, day) = (num(1), num(2), num(3));
    // A date alone must be written with two-digit month and day.
    if c.get(4).is_none() && s.len() != 10 {
        return None;
    }
    let invalid = || fail(format!("from_yaml: {s:?} is not a valid date"));
    let date = i16::try_from(year)
        .ok()
        .zip(i8::try_from(month).ok())
        .zip(i8::try_from(day).ok())
        .and_then(|((y, m), d)| jiff::civil::Date::new(y, m, d).ok());
    let Some(date) = date else {
        return Some(Err(invalid()));
    };
    if c.get(4).is_none() {
        return Some(Ok(Value::from_object(crate::pyops::Date(date))));
    }
    let fraction = c.get(7).map_or("", |m| m.as_str());
    let micros: u32 = format!("{:0<6}", &fraction[..fraction.len().min(6)])
        .parse()
        .unwrap_or(0);
    let time = i8::try_from(num(4))
        .ok()
        .zip(i8::try_from(num(5)).ok())
        .zip(i8::try_from(num(6)).ok())
        .and_then(|((h, m), sec)| jiff::civil::Time::new(h, m, sec, 0).ok());
    let Some(time) = time else {
        return Some(Err(invalid()));
    };
    let secs = jiff::tz::Offset::UTC
        .to_timestamp(date.to_datetime(time))
        .ok()?
        .as_second();
    Some(Ok(Value::from_object(crate::pyops::DateTime {
        secs,
        micros,
    })))
}

fn from_yaml(value: &Value) -> Result<Value, Error> {
    if value.is_none() {
        return Ok(Value::from(()));
    }
    let Some(text) = value.as_str() else {
        return Ok(value.clone());
    };
    let docs = load_yaml(text)?;
    Ok(docs.into_iter().next().unwrap_or(Value::from(())))
}

fn from_yaml_all(value: &Value) -> Result<Value, Error> {
    if value.is_none() {
        return Ok(Value::from(Vec::<Value>::new()));
    }
    let Some(text) = value.as_str() else {
        return Ok(value.clone());
    };
    Ok(Value::from(load_yaml(text)?))
}

#[cfg(test)]
mod tests {
    use crate::Templates;
    use drover_types::{Templar, Value, Vars};

    /// PyYAML's timestamps (ansible-core 2.19's `from_yaml`): dates and naive datetimes.
    #[test]
    fn from_yaml_builds_dates_and_datetimes() {
        let t = Templates::new();
        let v = Vars::new();
        let r = |s: &str| t.render(s, &v).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(
            r(
                r#"x{{ '[2024-01-31, "2024-01-31", 2024-1-3 1:02:03, 2024-01-31 12:34:56.5, 2024-01-31t00:00:00]' | from_yaml }}"#
            ),
            Value::from(
                "x[datetime.date(2024, 1, 31), '2024-01-31', datetime.datetime(2024, 1, 3, 1, 2, 3), \
                 datetime.datetime(2024, 1, 31, 12, 34, 56, 500000), datetime.datetime(2024, 1, 31, 0, 0)]"
            )
        );
        assert_eq!(
            r("{{ '2024-01-31' | from_yaml }}"),
            Value::from("2024-01-31")
        );
        assert_eq!(
            r("{{ '2024-01-31 12:34:56' | from_yaml_all }}"),
            serde_json::json!(["2024-01-31T12:34:56"])
        );
        assert_eq!(
            r("{{ ('2024-01-31' | from_yaml).year }}"),
            Value::from(2024)
        );
        assert_eq!(r("{{ '2024-1-3' | from_yaml }}"), Value::from("2024-1-3"));
        assert_eq!(
            r("{{ 'a: !!str 2024-01-31' | from_yaml }}"),
            serde_json::json!({"a": "2024-01-31"})
        );
        assert!(t.render("{{ '2024-02-30' | from_yaml }}", &v).is_err());
        // str() of a date or datetime is not its repr.
        assert_eq!(
            r("{{ '2024-01-31 10:00:00' | from_yaml | string }}|{{ '2024-01-31' | from_yaml }}"),
            Value::from("2024-01-31 10:00:00|2024-01-31")
        );
    }
}
