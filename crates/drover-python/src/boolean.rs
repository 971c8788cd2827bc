//! Truth in one place: the spellings Ansible reads as booleans (`boolean()` of
//! `module_utils.parsing.convert_bool`, and the narrower `bool` filter), Python's `bool()` of a
//! value, and the names Python gives types (for messages users compare with Ansible's).

use serde_json::Value;

/// The texts `boolean()` reads as true (after `lower().strip()`).
pub const TRUE_WORDS: [&str; 6] = ["y", "yes", "on", "1", "true", "t"];

/// The texts `boolean()` reads as false (after `lower().strip()`).
pub const FALSE_WORDS: [&str; 6] = ["n", "no", "off", "0", "false", "f"];

/// The texts the `bool` filter reads as true (after `lower()`); any other text is false.
pub const FILTER_TRUE_WORDS: [&str; 4] = ["yes", "on", "true", "1"];

/// Ansible's `boolean(text)`: `Some` for one of [`TRUE_WORDS`] or [`FALSE_WORDS`] in any case
/// and with surrounding whitespace, `None` for anything else.
pub fn parse(text: &str) -> Option<bool> {
    let word = strip(text).to_lowercase();
    if TRUE_WORDS.contains(&word.as_str()) {
        Some(true)
    } else if FALSE_WORDS.contains(&word.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// Python's `str.strip()`: Unicode whitespace and the separators `\x1c`-`\x1f`.
fn strip(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c))
}

/// Whether `text` is one of `boolean()`'s spellings, true or false.
pub fn is_boolean_text(text: &str) -> bool {
    parse(text).is_some()
}

/// The `bool` filter on text: one of [`FILTER_TRUE_WORDS`] in any case.
pub fn filter_text(text: &str) -> bool {
    FILTER_TRUE_WORDS.contains(&text.to_lowercase().as_str())
}

/// Ansible's truth of a templated keyword value (`when`'s older form, `ignore_errors`,
/// `check_mode`, `quiet`...): booleans as they are, text by `boolean()` (unknown text is
/// false), numbers when not zero, collections when not empty.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::String(s) => parse(s) == Some(true),
        other => python_bool(other),
    }
}

/// Python's `bool()`: `None`, `False`, zero and empty values are false, everything else true.
pub fn python_bool(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// The name Python gives the type of a value: `NoneType`, `bool`, `int`, `float`, `str`,
/// `list`, `dict`.
pub fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert_eq!(parse(" Yes "), Some(true));
        assert_eq!(parse("OFF"), Some(false));
        assert_eq!(parse("maybe"), None);
        assert!(filter_text("ON") && !filter_text("y"));
        assert!(truthy(&Value::from("t")) && !truthy(&Value::from("no")));
        assert!(!truthy(&Value::from(0)) && truthy(&Value::from(2)));
        assert!(python_bool(&Value::from("no")) && !python_bool(&Value::from("")));
        assert_eq!(python_type(&Value::from(1.5)), "float");
    }
}
