//! Serialisation filters: `to_json`, `to_nice_json`, `from_json`, `to_yaml`, `to_nice_yaml`,
//! `from_yaml`, `from_yaml_all`, with Python's `json.dumps` and PyYAML's output formats.

use super::core::fail;
use super::yaml_emit::{Options, dump};
use crate::convert::{from_plain, to_plain};
use crate::filters::registry::Registry;
use drover_python::json;
use drover_types::Value as JValue;
use minijinja::Error;
use minijinja::value::{Kwargs, Value, ValueKind};
use std::path::PathBuf;
use std::sync::Arc;

pub(crate) fn register(env: &mut Registry) {
    env.add_filter("to_json", to_json);
    env.add_filter("to_nice_json", to_nice_json);
    env.add_filter("tojson", tojson);
    env.add_filter("from_json", from_json);
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("to_nice_yaml", to_nice_yaml);
    env.add_filter("from_yaml", from_yaml);
    env.add_filter("from_yaml_all", from_yaml_all);
}

/// `json.dumps`'s `indent`: an int is that many spaces (none when negative), a string is
/// written as it is; any other type fails unless the value is a plain string.
enum Indent {
    Text(String),
    Bad(String),
}

/// `json.dumps`'s arguments that change its output.
struct JsonOptions {
    ensure_ascii: bool,
    indent: Option<Indent>,
    item: String,
    key: String,
    sort_keys: bool,
}

/// `json.dumps`'s arguments from the filter's: `to_json` passes them on, `to_nice_json` sets
/// `indent`, `sort_keys` and `separators=(',', ': ')` first.
fn json_options(
    kwargs: &Kwargs,
    indent: Option<Value>,
    sort_keys: bool,
    nice: bool,
) -> Result<JsonOptions, Error> {
    let indent = match kwargs.get::<Option<Value>>("indent")?.or(indent) {
        None => None,
        Some(i) if i.is_none() => None,
        Some(i) => Some(match i.as_str() {
            Some(text) => Indent::Text(text.to_owned()),
            None if i.is_integer() || i.kind() == ValueKind::Bool => {
                match super::core::py_index(&i) {
                    Ok(n) => Indent::Text(
                        " ".repeat(super::core::within_limit(usize::try_from(n).unwrap_or(0))?),
                    ),
                    Err(_) => Indent::Bad("cannot fit 'int' into an index-sized integer".into()),
                }
            }
            None => Indent::Bad(format!(
                "can't multiply sequence by non-int of type '{}'",
                super::core::type_name(&i)
            )),
        }),
    };
    // Read by truth, as Python's `if sort_keys:` does.
    let sort_keys = super::core::flag(kwargs, "sort_keys")?.unwrap_or(sort_keys);
    let ensure_ascii = super::core::flag(kwargs, "ensure_ascii")?.unwrap_or(true);
    let (item, key) = match kwargs.get::<Option<Vec<String>>>("separators")? {
        Some(pair) => match <[String; 2]>::try_from(pair) {
            Ok([item, key]) => (item, key),
            Err(_) => return Err(fail("separators must be a pair of strings")),
        },
        None if nice || indent.is_some() => (",".into(), ": ".into()),
        None => (", ".into(), ": ".into()),
    };
    let _: Option<Value> = kwargs.get("vault_to_text")?;
    let _: Option<Value> = kwargs.get("preprocess_unsafe")?;
    kwargs.assert_all_used()?;
    Ok(JsonOptions {
        ensure_ascii,
        indent,
        item,
        key,
        sort_keys,
    })
}

/// `json.dumps` of a template value, walked as it is: integers of any size minijinja holds,
/// `NaN` and `Infinity` are written as Python writes them.
fn dumps(value: &Value, opts: &JsonOptions) -> Result<String, Error> {
    let mut out = String::new();
    // json.dumps writes a plain string without looking at the options.
    if let Some(s) = value.as_str() {
        return Ok(json::string(s, opts.ensure_ascii));
    }
    if let Some(Indent::Bad(msg)) = &opts.indent {
        return Err(fail(msg.clone()));
    }
    write_json(value, opts, 0, &mut out)?;
    Ok(out)
}

fn newline(opts: &JsonOptions, level: usize, out: &mut String) -> Result<(), Error> {
    match &opts.indent {
        None => {}
        Some(Indent::Text(t)) => {
            out.push('\n');
            out.push_str(&t.repeat(level));
        }
        Some(Indent::Bad(msg)) => return Err(fail(msg.clone())),
    }
    Ok(())
}

/// A mapping key as json.dumps writes it: strings as they are, numbers, bools and None as
/// their JSON text.
fn json_key(key: &Value) -> Result<String, Error> {
    Ok(match key.kind() {
        ValueKind::String => key.as_str().unwrap_or_default().to_owned(),
        ValueKind::None => "null".into(),
        ValueKind::Bool => if key.is_true() { "true" } else { "false" }.into(),
        ValueKind::Number => {
            let mut s = String::new();
            write_json(key, &JsonOptions::flat(), 0, &mut s)?;
            s
        }
        _ => {
            return Err(fail(format!(
                "keys must be str, int, float, bool or None, not {}",
                super::core::type_name(key)
            )));
        }
    })
}

impl JsonOptions {
    fn flat() -> Self {
        JsonOptions {
            ensure_ascii: true,
            indent: None,
            item: ", ".into(),
            key: ": ".into(),
            sort_keys: false,
        }
    }
}

fn write_json(
    value: &Value,
    opts: &JsonOptions,
    level: usize,
    out: &mut String,
) -> Result<(), Error> {
    match value.kind() {
        ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number if value.is_integer() => match i128::try_from(value.clone()) {
            Ok(i) => out.push_str(&i.to_string()),
            Err(_) => out.push_str(&json::dumps(&to_plain(value)?, &json::Options::default())),
        },
        ValueKind::Number => out.push_str(&json::float(
            f64::try_from(value.clone()).unwrap_or(f64::NAN),
        )),
        ValueKind::String => out.push_str(&json::string(
            value.as_str().unwrap_or_default(),
            opts.ensure_ascii,
        )),
        ValueKind::Seq | ValueKind::Iterable
            if value
                .downcast_object_ref::<crate::pyops::DateTime>()
                .is_none() =>
        {
            let items: Vec<Value> = value.try_iter()?.collect();
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&opts.item);
                }
                newline(opts, level + 1, out)?;
                write_json(item, opts, level + 1, out)?;
            }
            newline(opts, level, out)?;
            out.push(']');
        }
        ValueKind::Map => {
            let keys: Vec<Value> = value.try_iter()?.collect();
            if keys.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            // ansible-core's encoder makes every key a string first, so they sort as strings.
            let mut entries = keys
                .iter()
                .map(|k| Ok((json_key(k)?, k)))
                .collect::<Result<Vec<_>, Error>>()?;
            if opts.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(&b.0));
            }
            out.push('{');
            for (i, (name, key)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(&opts.item);
                }
                newline(opts, level + 1, out)?;
                out.push_str(&json::string(name, opts.ensure_ascii));
                out.push_str(&opts.key);
                write_json(&value.get_item(key)?, opts, level + 1, out)?;
            }
            newline(opts, level, out)?;
            out.push('}');
        }
        // Undefined, failed renders, datetimes...: as the plain data conversion has them.
        _ => out.push_str(&json::dumps(
            &to_plain(value)?,
            &json::Options {
                ensure_ascii: opts.ensure_ascii,
                ..json::Options::default()
            },
        )),
    }
    Ok(())
}

fn to_json(value: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let opts = json_options(&kwargs, None, false, false)?;
    dumps(value, &opts)
}

/// Jinja's `tojson(value, indent=None)`: sorted keys, ASCII only, and `<>&'` escaped so it is
/// safe in HTML.
fn tojson(value: &Value, indent: Option<usize>, kwargs: Kwargs) -> Result<Value, Error> {
    let named: Option<usize> = kwargs.get("indent")?;
    kwargs.assert_all_used()?;
    let indent = named.or(indent);
    let opts = JsonOptions {
        indent: indent.map(|n| Indent::Text(" ".repeat(n))),
        item: if indent.is_some() { "," } else { ", " }.into(),
        sort_keys: true,
        ..JsonOptions::flat()
    };
    Ok(Value::from_safe_string(
        dumps(value, &opts)?
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
            .replace('\'', "\\u0027"),
    ))
}

fn to_nice_json(value: &Value, indent: Option<Value>, kwargs: Kwargs) -> Result<String, Error> {
    let opts = json_options(&kwargs, Some(indent.unwrap_or(Value::from(4))), true, true)?;
    dumps(value, &opts)
}

fn from_json(value: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    let _: Option<Value> = kwargs.get("profile")?;
    kwargs.assert_all_used()?;
    let Some(value) = value.as_str() else {
        return Err(fail(format!(
            "the JSON object must be str, bytes or bytearray, not {}",
            super::core::type_name(value)
        )));
    };
    let parsed: JValue =
        serde_json::from_str(value).map_err(|e| fail(format!("from_json: {e}")))?;
    Ok(from_plain(&parsed))
}

fn yaml_options(
    kwargs: &Kwargs,
    indent: Option<Value>,
    flow: Option<bool>,
) -> Result<Options, Error> {
    let indent = match kwargs.get::<Option<Value>>("indent")?.or(indent) {
        Some(i) if !i.is_none() => super::core::py_index(&i)?,
        _ => 2,
    };
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
        // libyaml keeps an indent of 2 to 9 and uses 2 for any other.
        indent: usize::try_from(indent)
            .ok()
            .filter(|i| (2..=9).contains(i))
            .unwrap_or(2),
        sort_keys,
        width,
    })
}

fn to_yaml(value: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let opts = yaml_options(&kwargs, None, None)?;
    Ok(dump(&to_plain(value)?, &opts))
}

fn to_nice_yaml(value: &Value, indent: Option<Value>, kwargs: Kwargs) -> Result<String, Error> {
    let opts = yaml_options(&kwargs, Some(indent.unwrap_or(Value::from(4))), Some(false))?;
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

    /// Expected values from ansible-core 2.19's templar (json.dumps, libyaml's emitter).
    #[test]
    fn dumps_follow_python() {
        let t = Templates::new();
        let v = Vars::new();
        let cases: &[(&str, &str)] = &[
            (
                "{{ ['a', ('inf' | float), 18446744073709551616] | to_json(indent=2) }}",
                "[\n  \"a\",\n  Infinity,\n  18446744073709551616\n]",
            ),
            (
                "{{ {'Z': 1.5} | to_json(indent='ABC') }}",
                "{\nABC\"Z\": 1.5\n}",
            ),
            ("{{ [1, 2] | to_json(indent=-3) }}", "[\n1,\n2\n]"),
            ("{{ 'x' | to_nice_json(indent={'a': 1}) }}", "\"x\""),
            ("{{ 'x' | to_json(sort_keys=[1]) }}", "\"x\""),
            (
                "{{ {10: 'a', 9: 'b', true: 1, none: 2} | to_json(sort_keys=true) }}",
                "{\"10\": \"a\", \"9\": \"b\", \"null\": 2, \"true\": 1}",
            ),
            (
                "{{ [1, 'x'] | map('tojson') | list | string }}",
                "[Markup('1'), Markup('\"x\"')]",
            ),
            ("{{ 'emoji 😀' | to_yaml }}", "\"emoji \\U0001F600\"\n"),
            (
                "{{ {'a': {'b': 1}} | to_nice_yaml(indent=10) }}",
                "a:\n  b: 1\n",
            ),
            ("{{ [] | to_nice_yaml(indent=-1) }}", "[]\n"),
        ];
        for (src, want) in cases {
            assert_eq!(
                t.render(src, &v).unwrap_or_else(|e| panic!("{src}: {e}")),
                Value::from(*want),
                "{src}"
            );
        }
        let err = t
            .render("{{ 1 | to_nice_json(indent={'a': 1}) }}", &v)
            .unwrap_err();
        assert!(err.message().contains("can't multiply sequence"), "{err}");
    }
}
