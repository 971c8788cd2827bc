//! Plain data and the traits that let drover's crates talk without depending on each other.
//!
//! The engine runs tasks, the modules do the work and the connections reach hosts; none of those
//! crates knows the others. They meet here: [`Connection`] is how a module reaches a host (a POSIX
//! shell over a pipe), [`Module`] is how the engine calls a module, [`Templar`] is how a module asks
//! for templating without depending on the template crate, and [`Event`] is everything a reporter
//! may learn about a run. Values are JSON-shaped ([`Value`]) with insertion-ordered maps, the shape
//! Ansible's variables have. This crate holds no behaviour beyond small helpers on its own data.

#![forbid(unsafe_code)]

pub mod condition;
mod connection;
mod event;
mod module;
mod result;
mod span;
mod templar;
mod vars;

pub use connection::{
    Become, BecomeMethod, Connection, ConnectionError, Connector, Exec, ExecOutput,
};
pub use event::{Event, HostStats, Reporter, Status};
pub use module::{ArgDefault, ArgKind, ArgSpec, ArgSpecEntry, Module, ModuleContext};
pub use result::{Deprecation, FileDiff, NO_TRACEBACK, Shape, TaskResult, VERBOSE_OVERRIDE};
pub use span::Span;
pub use templar::{Templar, TemplateError};
pub use vars::{Found, HostVars, Layer, Trust, Vars};

/// A variable's value: the JSON data model, with maps that keep insertion order like Python dicts.
pub type Value = serde_json::Value;
/// A mapping of names to values, in insertion order.
pub type Map = serde_json::Map<String, Value>;

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

/// 128 random bits from the OS as 32 hex digits: for names and markers no one can guess or
/// meet by chance (temp files, output delimiters).
///
/// # Panics
///
/// When the OS has no random source to give (as the standard library's hash maps do).
pub fn random_hex() -> String {
    let mut bits = [0u8; 16];
    getrandom::fill(&mut bits).expect("the OS random source failed");
    bits.iter().map(|b| format!("{b:02x}")).collect()
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
pub fn conditional_result(value: &Value, condition: &str) -> Result<bool, TemplateError> {
    match value {
        Value::Bool(b) => Ok(*b),
        other => Err(TemplateError::NotBoolean(format!(
            "conditional result ({}) was derived from value of type `{}` in `{condition}`; \
             conditionals must have a boolean result\nhint: compare explicitly, or convert with `| bool`",
            if python_bool(other) { "True" } else { "False" },
            python_type(other),
        ))),
    }
}

/// Python's `bool()` of a value (`drover_python::boolean::python_bool`).
pub fn python_bool(value: &Value) -> bool {
    drover_python::boolean::python_bool(value)
}

/// The name Python gives the type of a value (`str`, `int`, `dict`...), for messages that users
/// compare with Ansible's.
pub fn python_type(value: &Value) -> &'static str {
    drover_python::boolean::python_type(value)
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
        assert!(matches!(err, TemplateError::NotBoolean(_)), "{err:?}");
        assert!(err.message().contains("type `str`"), "{err}");
        assert!(
            conditional_result(&Value::Null, "x")
                .unwrap_err()
                .message()
                .contains("NoneType")
        );
    }

    #[test]
    fn truthy_follows_ansible_bool() {
        assert!(truthy(&Value::from("Yes")));
        assert!(!truthy(&Value::from("no")));
        assert!(!truthy(&Value::from(0)));
        assert!(truthy(&Value::from(2)));
    }

    #[test]
    fn random_hex_is_128_fresh_bits() {
        let a = random_hex();
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_ne!(a, random_hex());
    }
}
