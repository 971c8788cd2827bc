//! Plain data and the traits that let drover's crates talk without depending on each other.
//!
//! The engine runs tasks, the modules do the work and the connections reach hosts; none of those
//! crates knows the others. They meet here: [`Connection`] is how a module reaches a host (a POSIX
//! shell over a pipe), [`Module`] is how the engine calls a module, [`Templar`] is how a module asks
//! for templating without depending on the template crate, and [`Event`] is everything a reporter
//! may learn about a run. Values are JSON-shaped ([`Value`]) with insertion-ordered maps, the shape
//! Ansible's variables have. This crate holds no behaviour beyond small helpers on its own data.

mod connection;
mod event;
mod module;
mod result;
mod span;
mod templar;

pub use connection::{
    Become, BecomeMethod, Connection, ConnectionError, Connector, Exec, ExecOutput,
};
pub use event::{Event, HostStats, Reporter, Status};
pub use module::{ArgKind, ArgSpec, ArgSpecEntry, Module, ModuleContext};
pub use result::{FileDiff, TaskResult};
pub use span::Span;
pub use templar::Templar;

/// A variable's value: the JSON data model, with maps that keep insertion order like Python dicts.
pub type Value = serde_json::Value;
/// A mapping of names to values, in insertion order.
pub type Map = serde_json::Map<String, Value>;

/// The key of a one-entry map that marks its value as never to be templated: `!unsafe` strings
/// and registered results (Ansible's `AnsibleUnsafe`). The template crate unwraps it.
pub const UNSAFE_KEY: &str = "__drover_unsafe__";

/// Wraps a value so that templating leaves it exactly as it is.
pub fn mark_unsafe(value: Value) -> Value {
    let mut map = Map::new();
    map.insert(UNSAFE_KEY.to_owned(), value);
    Value::Object(map)
}

/// The value inside an [`mark_unsafe`] wrapper, or `None` when `value` is not one.
pub fn as_unsafe(value: &Value) -> Option<&Value> {
    match value {
        Value::Object(map) if map.len() == 1 => map.get(UNSAFE_KEY),
        _ => None,
    }
}

/// Removes every unsafe wrapper, deep: the plain data, for output and for modules.
pub fn strip_unsafe(value: Value) -> Value {
    match value {
        Value::Object(mut map) => {
            if map.len() == 1 && map.contains_key(UNSAFE_KEY) {
                return strip_unsafe(map.remove(UNSAFE_KEY).unwrap_or(Value::Null));
            }
            Value::Object(map.into_iter().map(|(k, v)| (k, strip_unsafe(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(strip_unsafe).collect()),
        other => other,
    }
}

/// The variable through which the `template` module passes its Jinja options (`trim_blocks`,
/// `lstrip_blocks`, the delimiters) to [`Templar::render_file`].
pub const TEMPLATE_OPTIONS_VAR: &str = "__drover_template_options";

/// Shell-quotes one word for a POSIX shell: the result is always a single argument, whatever bytes
/// it holds. Every value a module puts in a script goes through this (or is sent on stdin).
pub fn shell_quote(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    out.push('\'');
    for ch in word.chars() {
        if ch == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(ch);
        }
    }
    out.push('\'');
    out
}

/// 128 random bits as 32 hex digits, from the standard library's randomly keyed hasher: for
/// names and markers no one can guess or meet by chance (temp files, output delimiters), not
/// for keys.
pub fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher};
    let half = || {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    format!("{:016x}{:016x}", half(), half())
}

/// Shell-quotes raw bytes (a path that is not valid UTF-8); see [`shell_quote`].
pub fn shell_quote_bytes(word: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(word.len() + 2);
    out.push(b'\'');
    for &b in word {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    out
}

/// Ansible's truthiness for a templated keyword value (`ignore_errors`, `check_mode`...); see
/// `drover_python::boolean::truthy`, which callers outside the engine use directly.
pub fn truthy(value: &Value) -> bool {
    drover_python::boolean::truthy(value)
}

/// The boolean a conditional (`when`, `assert`'s `that`...) evaluated to, as ansible-core 2.19
/// requires: text, numbers, lists and `None` are refused, with a message naming the condition.
pub fn conditional_result(value: &Value, condition: &str) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        other => Err(format!(
            "conditional result ({}) was derived from value of type `{}` in `{condition}`; \
             conditionals must have a boolean result\nhint: compare explicitly, or convert with `| bool`",
            if python_bool(other) { "True" } else { "False" },
            python_type(other),
        )),
    }
}

/// Python's `bool()` of a value (`drover_python::boolean::python_bool`).
pub fn python_bool(value: &Value) -> bool {
    drover_python::boolean::python_bool(value)
}

/// The name Python gives the type of a value (`str`, `int`, `dict`...), for messages that users
/// compare with Ansible's; an unsafe wrapper counts as the value inside.
pub fn python_type(value: &Value) -> &'static str {
    match as_unsafe(value) {
        Some(inner) => python_type(inner),
        None => drover_python::boolean::python_type(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_survives_single_quotes() {
        assert_eq!(shell_quote("a'b"), "'a'\\''b'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn conditionals_must_be_booleans() {
        assert_eq!(conditional_result(&Value::Bool(true), "x"), Ok(true));
        let err = conditional_result(&Value::from("yes"), "x").unwrap_err();
        assert!(err.contains("type `str`"), "{err}");
        assert!(
            conditional_result(&Value::Null, "x")
                .unwrap_err()
                .contains("NoneType")
        );
    }

    #[test]
    fn truthy_follows_ansible_bool() {
        assert!(truthy(&Value::from("Yes")));
        assert!(!truthy(&Value::from("no")));
        assert!(!truthy(&Value::from(0)));
        assert!(truthy(&Value::from(2)));
        assert_eq!(python_type(&mark_unsafe(Value::from("x"))), "str");
    }
}
