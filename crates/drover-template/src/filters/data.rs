//! Serialisation filters: `to_json`, `to_nice_json`, `from_json`, `to_yaml`, `to_nice_yaml`,
//! `from_yaml`, `from_yaml_all`, with Python's `json.dumps` and PyYAML's output formats.

use super::core::fail;
use super::yaml_emit::{Options, dump};
use crate::convert::{from_plain, py_float, to_plain};
use drover_types::Value as JValue;
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error};
use std::path::PathBuf;
use std::sync::Arc;

pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("to_json", to_json);
    env.add_filter("to_nice_json", to_nice_json);
    env.add_filter("from_json", from_json);
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("to_nice_yaml", to_nice_yaml);
    env.add_filter("from_yaml", from_yaml);
    env.add_filter("from_yaml_all", from_yaml_all);
}

/// Settings of Python's `json.dumps`.
pub(crate) struct JsonOptions {
    /// `indent=`: pretty-print with this many spaces.
    pub(crate) indent: Option<usize>,
    /// `sort_keys=`.
    pub(crate) sort_keys: bool,
    /// `ensure_ascii=` (Python's default is true).
    pub(crate) ensure_ascii: bool,
    /// `separators=` (item, key).
    pub(crate) separators: (String, String),
}

/// Python's `json.dumps`.
pub(crate) fn py_json(value: &JValue, opts: &JsonOptions) -> String {
    let mut out = String::new();
    write_json(value, opts, 0, &mut out);
    out
}

fn write_json_str(s: &str, ascii: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ascii && (c as u32) > 0x7e) => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_json(value: &JValue, opts: &JsonOptions, level: usize, out: &mut String) {
    let newline = |out: &mut String, level: usize| {
        if let Some(n) = opts.indent {
            out.push('\n');
            out.push_str(&" ".repeat(n * level));
        }
    };
    match value {
        JValue::Null => out.push_str("null"),
        JValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        JValue::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(0.0);
            out.push_str(&match py_float(f).as_str() {
                "inf" => "Infinity".to_owned(),
                "-inf" => "-Infinity".to_owned(),
                "nan" => "NaN".to_owned(),
                s => s.to_owned(),
            });
        }
        JValue::Number(n) => out.push_str(&n.to_string()),
        JValue::String(s) => write_json_str(s, opts.ensure_ascii, out),
        JValue::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&opts.separators.0);
                }
                newline(out, level + 1);
                write_json(item, opts, level + 1, out);
            }
            newline(out, level);
            out.push(']');
        }
        JValue::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            let mut entries: Vec<_> = map.iter().collect();
            if opts.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(&opts.separators.0);
                }
                newline(out, level + 1);
                write_json_str(k, opts.ensure_ascii, out);
                out.push_str(&opts.separators.1);
                write_json(v, opts, level + 1, out);
            }
            newline(out, level);
            out.push('}');
        }
    }
}

fn json_options(
    kwargs: &Kwargs,
    indent: Option<usize>,
    sort_keys: bool,
    nice: bool,
) -> Result<JsonOptions, Error> {
    let indent = kwargs.get::<Option<usize>>("indent")?.or(indent);
    let sort_keys = kwargs
        .get::<Option<bool>>("sort_keys")?
        .unwrap_or(sort_keys);
    let ensure_ascii = kwargs.get::<Option<bool>>("ensure_ascii")?.unwrap_or(true);
    let _: Option<Value> = kwargs.get("separators")?;
    let _: Option<Value> = kwargs.get("vault_to_text")?;
    let _: Option<Value> = kwargs.get("preprocess_unsafe")?;
    kwargs.assert_all_used()?;
    let separators = if nice || indent.is_some() {
        (",".into(), ": ".into())
    } else {
        (", ".into(), ": ".into())
    };
    Ok(JsonOptions {
        indent,
        sort_keys,
        ensure_ascii,
        separators,
    })
}

fn to_json(value: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let opts = json_options(&kwargs, None, false, false)?;
    Ok(py_json(&to_plain(value)?, &opts))
}

fn to_nice_json(value: &Value, indent: Option<usize>, kwargs: Kwargs) -> Result<String, Error> {
    let opts = json_options(&kwargs, Some(indent.unwrap_or(4)), true, true)?;
    Ok(py_json(&to_plain(value)?, &opts))
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
