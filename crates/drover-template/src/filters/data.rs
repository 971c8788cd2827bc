//! Serialisation filters: `to_json`, `to_nice_json`, `from_json`, `to_yaml`, `to_nice_yaml`,
//! `from_yaml`, `from_yaml_all`, with Python's `json.dumps` and PyYAML's output formats.

use super::core::fail;
use super::yaml_emit::{Options, dump};
use crate::convert::{from_plain, to_plain};
use crate::filters::registry::Registry;
use drover_python::json;
use drover_types::Value as JValue;
use minijinja::Error;
use minijinja::value::{Kwargs, Value};
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

fn load_yaml(text: &str) -> Result<Vec<JValue>, Error> {
    let docs = drover_yaml::load_str(text, Arc::new(PathBuf::from("<from_yaml>")))
        .map_err(|e| fail(format!("from_yaml: {e}")))?;
    docs.iter()
        .map(|d| d.to_value().map_err(|e| fail(format!("from_yaml: {e}"))))
        .collect()
}

fn from_yaml(value: &Value) -> Result<Value, Error> {
    if value.is_none() {
        return Ok(Value::from(()));
    }
    let Some(text) = value.as_str() else {
        return Ok(value.clone());
    };
    let docs = load_yaml(text)?;
    Ok(docs.first().map_or(Value::from(()), from_plain))
}

fn from_yaml_all(value: &Value) -> Result<Value, Error> {
    if value.is_none() {
        return Ok(Value::from(Vec::<Value>::new()));
    }
    let Some(text) = value.as_str() else {
        return Ok(value.clone());
    };
    Ok(Value::from(
        load_yaml(text)?.iter().map(from_plain).collect::<Vec<_>>(),
    ))
}
