//! Typing a setting's text as ansible-core's `ensure_type` does: boolean words, integers
//! (also `10.0`), paths (`~`, `$VAR`, relative to the config file's directory), path lists split
//! on `:` (pathspec) or `,` (pathlist), lists split on `,` with quotes removed, and text with one
//! pair of surrounding quotes removed when it came from the file.
//!
//! One deliberate difference: ansible-core reads any word that is not a "true" word as `False`
//! (`host_key_checking = maybe` turns checking off); drover refuses such a value instead.

use std::path::{Component, Path, PathBuf};

/// A typed setting value, printed as Python prints it (`ansible-config dump`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// Text (also a resolved path).
    Text(String),
    /// A list of texts (also resolved paths).
    List(Vec<String>),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::None => f.write_str("None"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Text(s) => f.write_str(s),
            Value::List(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|s| drover_python::repr::str_repr(s))
                    .collect();
                write!(f, "[{}]", parts.join(", "))
            }
        }
    }
}

/// How a setting is typed (base.yml's `type:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `boolean`.
    Bool,
    /// `integer`.
    Int,
    /// No type or `string`: the text as written.
    Text,
    /// `path`.
    Path,
    /// `pathspec`: paths separated by `:`.
    PathSpec,
    /// `pathlist`: paths separated by `,`.
    PathList,
    /// `list`: texts separated by `,`.
    List,
}

impl Kind {
    /// What a value of this kind looks like, for error messages.
    pub(crate) fn expected(self) -> &'static str {
        match self {
            Kind::Bool => "a boolean (yes/no, true/false, on/off, 1/0)",
            Kind::Int => "an integer",
            Kind::Text => "text",
            Kind::Path => "a path",
            Kind::PathSpec => "paths separated by `:`",
            Kind::PathList => "paths separated by `,`",
            Kind::List => "a list separated by `,`",
        }
    }
}

/// What paths are resolved against: the directory relative paths start from, the home
/// directory for `~`, and the environment for `$VAR`.
pub(crate) struct Resolve<'a> {
    pub(crate) base: &'a Path,
    pub(crate) home: Option<&'a Path>,
    pub(crate) env: &'a dyn Fn(&str) -> Option<String>,
}

/// Types `text`; `from_file` removes one pair of quotes around text results, as ansible-core
/// does for values read from the INI file. `None` when the text is not of the kind.
pub(crate) fn convert(text: &str, kind: Kind, from_file: bool, at: &Resolve<'_>) -> Option<Value> {
    let value = match kind {
        Kind::Bool => Value::Bool(drover_python::boolean::parse(text)?),
        Kind::Int => Value::Int(integer(text)?),
        Kind::Text => Value::Text(text.to_owned()),
        Kind::Path => Value::Text(resolve_path(text, at)),
        Kind::PathSpec => Value::List(text.split(':').map(|p| resolve_path(p, at)).collect()),
        Kind::PathList => Value::List(
            text.split(',')
                .map(|p| resolve_path(p.trim(), at))
                .collect(),
        ),
        Kind::List => Value::List(
            text.split(',')
                .map(|x| unquote(x.trim()).to_owned())
                .collect(),
        ),
    };
    Some(match value {
        Value::Text(s) if from_file => Value::Text(unquote(&s).to_owned()),
        other => other,
    })
}

/// Ansible's `unquote`: one pair of matching `"` or `'` around the text, unless the closing
/// quote is escaped.
pub(crate) fn unquote(text: &str) -> &str {
    let b = text.as_bytes();
    let quoted = b.len() > 1
        && b[0] == b[b.len() - 1]
        && (b[0] == b'"' || b[0] == b'\'')
        && b[b.len() - 2] != b'\\';
    if quoted {
        &text[1..text.len() - 1]
    } else {
        text
    }
}

/// An integer as `int(Decimal(text))` accepts it when nothing is lost: `10`, ` 10 `, `+10`,
/// `1_000`, `10.0`, `1e3`.
fn integer(text: &str) -> Option<i64> {
    let t = text.trim();
    let plain = underscores(t)?;
    if let Ok(n) = plain.parse::<i64>() {
        return Some(n);
    }
    let ok = !plain.is_empty()
        && plain
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'))
        && plain.chars().any(|c| c.is_ascii_digit());
    if !ok {
        return None;
    }
    let f: f64 = plain.parse().ok()?;
    let in_range = f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15;
    #[allow(clippy::cast_possible_truncation)] // checked just above: a whole number in range
    in_range.then_some(f as i64)
}

/// Removes `_` that sit between two digits (Python's numeric literal rule); `None` for any
/// other `_`.
fn underscores(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            let between = i > 0
                && chars[i - 1].is_ascii_digit()
                && chars.get(i + 1).is_some_and(char::is_ascii_digit);
            if !between {
                return None;
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// `unfrackpath(path, follow=False, basedir=...)`: `$VAR` and `${VAR}` expanded (unknown ones
/// left), `~` expanded, joined to the base when relative, `.`/`..` folded without touching the
/// filesystem.
pub(crate) fn resolve_path(text: &str, at: &Resolve<'_>) -> String {
    let expanded = expand_user(&expand_vars(text, at.env), at.home);
    let joined = at.base.join(&expanded);
    normalize(&joined).display().to_string()
}

/// Python's `os.path.expandvars` for POSIX.
fn expand_vars(text: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, used) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..len], len)
        };
        match (name.is_empty(), env(name)) {
            (false, Some(v)) => {
                out.push_str(&v);
                rest = &after[used..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `os.path.expanduser` for `~` and `~/...` (other users' `~name` are left as written).
fn expand_user(text: &str, home: Option<&Path>) -> String {
    match (text.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            format!("{}{rest}", home.display().to_string().trim_end_matches('/'))
        }
        _ => text.to_owned(),
    }
}

/// `os.path.normpath` on an absolute path.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(env: &'a dyn Fn(&str) -> Option<String>) -> Resolve<'a> {
        Resolve {
            base: Path::new("/etc/proj"),
            home: Some(Path::new("/home/me")),
            env,
        }
    }

    #[test]
    fn integers_as_decimal_reads_them() {
        for (text, n) in [
            ("10", 10),
            (" 7 ", 7),
            ("+3", 3),
            ("1_000", 1000),
            ("10.0", 10),
            ("1e3", 1000),
            ("-2", -2),
        ] {
            assert_eq!(integer(text), Some(n), "{text}");
        }
        for text in ["ten", "1.5", "", "1__0", "_1", "inf", "nan", "0x10"] {
            assert_eq!(integer(text), None, "{text}");
        }
    }

    #[test]
    fn paths_resolve_against_the_base_home_and_environment() {
        let env = |k: &str| (k == "DIR").then(|| "/srv".to_owned());
        let at = at(&env);
        assert_eq!(resolve_path("keys/id", &at), "/etc/proj/keys/id");
        assert_eq!(resolve_path("~/id", &at), "/home/me/id");
        assert_eq!(resolve_path("$DIR/a/../b", &at), "/srv/b");
        assert_eq!(resolve_path("${DIR}/x", &at), "/srv/x");
        assert_eq!(resolve_path("$NOPE/x", &at), "/etc/proj/$NOPE/x");
        assert_eq!(resolve_path("/abs/./p", &at), "/abs/p");
        assert_eq!(
            convert("roles:~/r", Kind::PathSpec, true, &at),
            Some(Value::List(vec![
                "/etc/proj/roles".into(),
                "/home/me/r".into()
            ]))
        );
        assert_eq!(
            convert("a, b", Kind::PathList, true, &at),
            Some(Value::List(vec![
                "/etc/proj/a".into(),
                "/etc/proj/b".into()
            ]))
        );
    }

    #[test]
    fn lists_text_and_quotes() {
        let env = |_: &str| None;
        let at = at(&env);
        assert_eq!(
            convert(" ini , 'yaml' ", Kind::List, true, &at),
            Some(Value::List(vec!["ini".into(), "yaml".into()]))
        );
        assert_eq!(
            convert("\"deploy\"", Kind::Text, true, &at),
            Some(Value::Text("deploy".into()))
        );
        assert_eq!(
            convert("\"deploy\"", Kind::Text, false, &at),
            Some(Value::Text("\"deploy\"".into()))
        );
        assert_eq!(convert("maybe", Kind::Bool, true, &at), None);
        assert_eq!(
            convert("No", Kind::Bool, true, &at),
            Some(Value::Bool(false))
        );
        assert_eq!(
            Value::List(vec!["a".into(), "it's".into()]).to_string(),
            "['a', \"it's\"]"
        );
    }
}
