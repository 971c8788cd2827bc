//! Python's TypeErrors for arguments of the wrong type, for filters and tests whose Python code
//! hands its argument straight to a function that wants a string (`os.path`, `os.stat`, a `str`
//! method) or a hashable value (a set member, a dict key, a cache key).

use super::core::{fail, type_name};
use minijinja::Error;
use minijinja::value::{Value, ValueKind};

/// A string's text; bytes are read as UTF-8, as Ansible's filters decode them.
fn text(v: &Value) -> Option<String> {
    match v.kind() {
        ValueKind::String => v.as_str().map(str::to_owned),
        ValueKind::Bytes => v
            .as_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

/// A path for an `os.path` function: only a string will do.
pub(crate) fn path(v: &Value) -> Result<String, Error> {
    text(v).ok_or_else(|| {
        fail(format!(
            "expected str, bytes or os.PathLike object, not {}",
            type_name(v)
        ))
    })
}

/// What `os.stat` looks at: a path, or an int naming an open file descriptor.
pub(crate) enum StatTarget {
    Path(String),
    Fd(i64),
}

/// The argument of a test that calls `os.stat` (`file`, `directory`, `exists`, `same_file`).
pub(crate) fn stat_target(v: &Value) -> Result<StatTarget, Error> {
    if let Some(s) = text(v) {
        return Ok(StatTarget::Path(s));
    }
    match v.kind() {
        ValueKind::Bool => Ok(StatTarget::Fd(i64::from(v.is_true()))),
        ValueKind::Number if v.is_integer() => Ok(StatTarget::Fd(v.as_i64().unwrap_or(-1))),
        _ => Err(fail(format!(
            "stat: path should be string, bytes, os.PathLike or integer, not {}",
            type_name(v)
        ))),
    }
}

impl StatTarget {
    /// `os.stat` of it, following links; `None` where Python's test gives false.
    pub(crate) fn metadata(&self) -> Option<std::fs::Metadata> {
        match self {
            StatTarget::Path(p) => std::fs::metadata(p).ok(),
            StatTarget::Fd(fd) if *fd >= 0 => std::fs::metadata(format!("/proc/self/fd/{fd}")).ok(),
            StatTarget::Fd(_) => None,
        }
    }
}

/// The argument of a test that calls `os.lstat` (`link`, `link_exists`, `mount`).
pub(crate) fn lstat_path(v: &Value) -> Result<String, Error> {
    text(v).ok_or_else(|| {
        fail(format!(
            "lstat: path should be string, bytes or os.PathLike, not {}",
            type_name(v)
        ))
    })
}

/// A value a `str` method is called on (`value.replace(...)`): anything else has no such
/// attribute.
pub(crate) fn str_for_method(v: &Value, method: &str) -> Result<String, Error> {
    match v.kind() {
        ValueKind::String => Ok(v.as_str().unwrap_or_default().to_owned()),
        _ => Err(fail(format!(
            "'{}' object has no attribute '{method}'",
            type_name(v)
        ))),
    }
}

/// Whether Python could hash the value: lists and dicts cannot.
pub(crate) fn hashable(v: &Value) -> Result<(), Error> {
    match v.kind() {
        ValueKind::Seq | ValueKind::Iterable | ValueKind::Map => {
            Err(fail(format!("unhashable type: '{}'", type_name(v))))
        }
        _ => Ok(()),
    }
}

/// Python's `item in container`: a substring test in a string, a key test in a dict, an
/// equality test in a list; the TypeErrors Python raises for anything else.
pub(crate) fn contains(container: &Value, item: &Value) -> Result<bool, Error> {
    match container.kind() {
        ValueKind::String => match item.as_str() {
            Some(needle) if item.kind() == ValueKind::String => {
                Ok(container.as_str().unwrap_or_default().contains(needle))
            }
            _ => Err(fail(format!(
                "'in <string>' requires string as left operand, not {}",
                type_name(item)
            ))),
        },
        ValueKind::Map => {
            hashable(item)?;
            Ok(container.try_iter()?.any(|key| &key == item))
        }
        ValueKind::Seq | ValueKind::Iterable => Ok(container.try_iter()?.any(|x| &x == item)),
        _ => Err(fail(format!(
            "argument of type '{}' is not iterable",
            type_name(container)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use crate::Templates;
    use drover_types::{Map, Templar, Value, Vars};

    /// Expected values and errors from ansible-core 2.19.
    #[test]
    fn wrong_types_fail_as_in_python() {
        let t = Templates::new();
        let v = Vars::from(Map::new());
        let ok: &[(&str, Value)] = &[
            ("{{ '/a/b' | basename }}", Value::from("b")),
            ("{{ '/' is abs }}", Value::from(true)),
            ("{{ 'abc' is contains('ab') }}", Value::from(true)),
            ("{{ 1 is in([1.0]) }}", Value::from(true)),
            ("{{ [1] is in([[1]]) }}", Value::from(true)),
            ("{{ 'a' is in({'a': 1}) }}", Value::from(true)),
            ("{{ [1, 2] is subset([2, 1, 3]) }}", Value::from(true)),
            ("{{ '~' is exists }}", Value::from(false)),
            ("{{ '%41+b' | urldecode }}", Value::from("A b")),
            (
                "{{ '{\"a\": 1}' | from_json }}",
                serde_json::json!({"a": 1}),
            ),
        ];
        for (src, want) in ok {
            assert_eq!(&t.render(src, &v).unwrap(), want, "{src}");
        }
        for (src, msg) in [
            (
                "{{ 1 | basename }}",
                "expected str, bytes or os.PathLike object, not int",
            ),
            ("{{ [1] | map('dirname') | list }}", "not int"),
            ("{{ none | splitext }}", "not NoneType"),
            ("{{ 1.5 | win_dirname }}", "not float"),
            ("{{ true is abs }}", "not bool"),
            ("{{ 1.5 is file }}", "stat: path should be string"),
            ("{{ none is exists }}", "stat: path should be string"),
            ("{{ 1 is link }}", "lstat: path should be string"),
            (
                "{{ 1 | urldecode }}",
                "'int' object has no attribute 'replace'",
            ),
            (
                "{{ 1 | comment }}",
                "'int' object has no attribute 'replace'",
            ),
            (
                "{{ 'x' | comment(decoration=1) }}",
                "has no attribute 'rstrip'",
            ),
            ("{{ 1 | from_json }}", "the JSON object must be str"),
            ("{{ 1 | fileglob }}", "'int' object is not subscriptable"),
            (
                "{{ 1 | urlsplit }}",
                "'int' object has no attribute 'decode'",
            ),
            ("{{ [1] | urlsplit }}", "unhashable type: 'list'"),
            (
                "{{ 1 is in('abc') }}",
                "'in <string>' requires string as left operand, not int",
            ),
            ("{{ 1 is in(5) }}", "argument of type 'int' is not iterable"),
            ("{{ {'a': 1} is contains([1]) }}", "unhashable type: 'list'"),
            ("{{ [] is subset([[1]]) }}", "unhashable type: 'list'"),
            ("{{ [{}] is superset([]) }}", "unhashable type: 'dict'"),
        ] {
            let err = t.render(src, &v).unwrap_err();
            assert!(err.message().contains(msg), "{src}: {err}");
        }
    }
}
