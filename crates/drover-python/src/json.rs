//! Python's `json.dumps`, byte for byte: the separators it picks, `indent`, `sort_keys`,
//! `ensure_ascii` (`\uXXXX`, with surrogate pairs beyond the BMP) and floats written by
//! `float.__repr__` (`1e+16`, `NaN`, `Infinity`).

use crate::repr::float_repr;
use serde_json::Value;

/// The arguments of `json.dumps` that change its output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `ensure_ascii`: escape every non-ASCII character (Python's default: true).
    pub ensure_ascii: bool,
    /// `indent`: one item per line, indented by this many spaces per level (0: new lines
    /// without indentation); `None` writes everything on one line.
    pub indent: Option<usize>,
    /// `separators` (item, key); `None` for Python's default: `(", ", ": ")`, or `(",", ": ")`
    /// with an indent.
    pub separators: Option<(String, String)>,
    /// `sort_keys`.
    pub sort_keys: bool,
}

impl Default for Options {
    /// `json.dumps`'s defaults.
    fn default() -> Self {
        Options {
            ensure_ascii: true,
            indent: None,
            separators: None,
            sort_keys: false,
        }
    }
}

/// `json.dumps(value, **options)`.
pub fn dumps(value: &Value, options: &Options) -> String {
    let (item, key) = match &options.separators {
        Some((item, key)) => (item.as_str(), key.as_str()),
        None if options.indent.is_some() => (",", ": "),
        None => (", ", ": "),
    };
    let mut w = Writer {
        options,
        item,
        key,
        out: String::new(),
    };
    w.value(value, 0);
    w.out
}

/// A float as `json.dumps` writes it: `float.__repr__`, and `NaN`, `Infinity`, `-Infinity`.
pub fn float(f: f64) -> String {
    if f.is_nan() {
        "NaN".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        float_repr(f)
    }
}

/// A string as `json.dumps` writes it, quotes included.
pub fn string(s: &str, ensure_ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_string(s, ensure_ascii, &mut out);
    out
}

fn push_string(s: &str, ensure_ascii: bool, out: &mut String) {
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
            c if c < ' ' || (ensure_ascii && c > '~') => {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Writer<'a> {
    options: &'a Options,
    item: &'a str,
    key: &'a str,
    out: String,
}

impl Writer<'_> {
    fn newline(&mut self, level: usize) {
        if let Some(n) = self.options.indent {
            self.out.push('\n');
            self.out.push_str(&" ".repeat(n * level));
        }
    }

    fn value(&mut self, value: &Value, level: usize) {
        match value {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() => self.out.push_str(&float(f)),
                _ => self.out.push_str(&n.to_string()),
            },
            Value::String(s) => push_string(s, self.options.ensure_ascii, &mut self.out),
            Value::Array(items) => {
                if items.is_empty() {
                    self.out.push_str("[]");
                    return;
                }
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(self.item);
                    }
                    self.newline(level + 1);
                    self.value(item, level + 1);
                }
                self.newline(level);
                self.out.push(']');
            }
            Value::Object(map) => {
                if map.is_empty() {
                    self.out.push_str("{}");
                    return;
                }
                let mut entries: Vec<_> = map.iter().collect();
                if self.options.sort_keys {
                    entries.sort_by(|a, b| a.0.cmp(b.0));
                }
                self.out.push('{');
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(self.item);
                    }
                    self.newline(level + 1);
                    push_string(k, self.options.ensure_ascii, &mut self.out);
                    self.out.push_str(self.key);
                    self.value(v, level + 1);
                }
                self.newline(level);
                self.out.push('}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn like_python() {
        let v = json!({"a": [1, "x\"y", null, true], "é": {"k": 1.5}, "e": []});
        assert_eq!(
            dumps(&v, &Options::default()),
            r#"{"a": [1, "x\"y", null, true], "\u00e9": {"k": 1.5}, "e": []}"#
        );
        let nice = Options {
            indent: Some(2),
            sort_keys: true,
            ensure_ascii: false,
            ..Options::default()
        };
        assert_eq!(
            dumps(&json!({"b": 1, "a": [1e16]}), &nice),
            "{\n  \"a\": [\n    1e+16\n  ],\n  \"b\": 1\n}"
        );
        assert_eq!(string("\u{1F600}\u{7f}", true), r#""\ud83d\ude00\u007f""#);
        assert_eq!(float(f64::NEG_INFINITY), "-Infinity");
    }
}
