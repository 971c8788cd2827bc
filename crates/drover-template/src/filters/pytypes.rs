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
        // The descriptor is a C int.
        ValueKind::Number if v.is_integer() => match v.as_i64().and_then(|n| i32::try_from(n).ok())
        {
            Some(fd) => Ok(StatTarget::Fd(i64::from(fd))),
            None if f64::try_from(v.clone()).is_ok_and(|f| f < 0.0) => {
                Err(fail("fd is less than minimum"))
            }
            None => Err(fail("fd is greater than maximum")),
        },
        _ => Err(fail(format!(
            "stat: path should be string, bytes, os.PathLike or integer, not {}",
            type_name(v)
        ))),
    }
}

impl StatTarget {
    /// `os.stat` of it, following links; `None` where Python's test gives false. Of the
    /// descriptors only the standard streams mean the same in drover as in ansible-core: any
    /// other is taken as not open.
    pub(crate) fn metadata(&self) -> Option<std::fs::Metadata> {
        match self {
            StatTarget::Path(p) => std::fs::metadata(p).ok(),
            StatTarget::Fd(fd @ 0..=2) => std::fs::metadata(format!("/proc/self/fd/{fd}")).ok(),
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

/// A pattern for Python's `re`: a string; `re` looks anything else up in its cache first.
pub(crate) fn pattern(v: &Value) -> Result<String, Error> {
    hashable(v)?;
    match v.kind() {
        ValueKind::String => Ok(v.as_str().unwrap_or_default().to_owned()),
        _ => Err(fail("first argument must be string or compiled pattern")),
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
            ("{{ 2147483648 is file }}", "fd is greater than maximum"),
            (
                "{{ -9223372036854775808 is directory }}",
                "fd is less than minimum",
            ),
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

    /// Expected values and errors from ansible-core 2.19.
    #[test]
    fn filter_arguments_are_checked_as_in_ansible() {
        let t = Templates::new();
        let v = Vars::from(Map::new());
        let ok: &[(&str, Value)] = &[
            ("{{ 0 | default(2, true) }}", Value::from(2)),
            ("{{ x | default(none) is none }}", Value::from(true)),
            ("{{ 10 is divisibleby 5 }}", Value::from(true)),
            ("{{ '%d' is divisibleby 2 }}", Value::from(false)),
            ("{{ [['a', 1], 'bc'] | urlencode }}", Value::from("a=1&b=c")),
            ("{{ none | map('upper') | list }}", serde_json::json!([])),
            ("{{ none | select | list }}", serde_json::json!([])),
            ("{{ 0 | rejectattr('a') | list }}", serde_json::json!([])),
            ("{{ ['a', 1] | difference('abc') }}", serde_json::json!([1])),
            (
                "{{ [{'a': 2}, {'a': 1}] | min(attribute='a') }}",
                serde_json::json!({"a": 1}),
            ),
        ];
        for (src, want) in ok {
            assert_eq!(&t.render(src, &v).unwrap(), want, "{src}");
        }
        for (src, msg) in [
            (
                "{{ 1 | default(2, 'yes') }}",
                "The 'boolean' argument must be of type 'bool'",
            ),
            ("{{ 1 | default(2, none) }}", "not 'NoneType'"),
            (
                "{{ 1 | default(2, nope) }}",
                "The 'boolean' argument must be of type 'bool'",
            ),
            (
                "{{ 10 is divisibleby '2' }}",
                "unsupported operand type(s) for %: 'int' and 'str'",
            ),
            (
                "{{ [1] is divisibleby 2 }}",
                "unsupported operand type(s) for %: 'list'",
            ),
            (
                "{{ 'abc' is divisibleby 2 }}",
                "not all arguments converted",
            ),
            ("{{ 10 is divisibleby 0 }}", "modulo by zero"),
            (
                "{{ 1 | indent }}",
                "unsupported operand type(s) for +=: 'int' and 'str'",
            ),
            (
                "{{ [1] | urlencode }}",
                "cannot unpack non-iterable int object",
            ),
            ("{{ ['abc'] | urlencode }}", "too many values to unpack"),
            ("{{ 1 | split }}", "descriptor 'split' for 'str' objects"),
            ("{{ 'a' | split(false) }}", "must be str or None, not bool"),
            (
                "{{ 1 | strftime }}",
                "strftime() argument 1 must be str, not int",
            ),
            ("{{ none | list }}", "'NoneType' object is not iterable"),
            (
                "{{ 'a' | regex_search(1) }}",
                "first argument must be string or compiled pattern",
            ),
            ("{{ 'a' | regex_replace([1]) }}", "unhashable type: 'list'"),
            ("{{ 'a' | regex_findall({}) }}", "unhashable type: 'dict'"),
            (
                "{{ 'a' | regex_replace('a', [1]) }}",
                "unhashable type: 'list'",
            ),
            (
                "{{ 'a' | regex_replace('a', 1) }}",
                "need a bytes-like object, int found",
            ),
            (
                "{{ 'a' | regex_search('a', 1) }}",
                "'int' object has no attribute 'startswith'",
            ),
            ("{{ 'a' is match(1) }}", "first argument must be string"),
            (
                "{{ 'a' is regex('a', false, false, 1) }}",
                "attribute name must be string",
            ),
            ("{{ [] | sum(start='a') }}", "can't sum strings"),
            (
                "{{ ['a', [1]] | intersect('abc') }}",
                "'in <string>' requires string",
            ),
            (
                "{{ [[1]] | union('ab') }}",
                "can only concatenate list (not \"str\") to list",
            ),
            (
                "{{ [{'a': 1}] | min(attribute='b') }}",
                "has no attribute 'b'",
            ),
            ("{{ [{}] | unique(attribute='b') }}", "has no attribute 'b'"),
            ("{{ {'a': 1} | attr('a') }}", "undefined"),
            ("{{ nope | ternary(1, 2) }}", "'nope' is undefined"),
            ("{{ ['a', 1] | path_join }}", "join() argument must be str"),
            (
                "{{ ['/a', 1] | commonpath }}",
                "expected str, bytes or os.PathLike object",
            ),
            (
                "{{ 'a b' | split(' ', '1') }}",
                "'str' object cannot be interpreted as an integer",
            ),
            (
                "{{ 1 | human_readable(unit=1) }}",
                "human_readable() can't interpret the input",
            ),
            (
                r"{{ 'tab' | regex_search('x', '\\') }}",
                "'NoneType' object has no attribute 'group'",
            ),
            ("{{ 'tab' | regex_search('x', 'q') }}", "Unknown argument"),
            (
                "{{ 'a b' | split(' ', none) }}",
                "'NoneType' object cannot be interpreted",
            ),
            (
                "{{ {'a': 1} | dictsort(reverse='x') }}",
                "'str' object cannot be interpreted",
            ),
            (
                "{{ [1, 2] | sum(start=none) }}",
                "unsupported operand type(s) for +: 'NoneType'",
            ),
        ] {
            let err = t.render(src, &v).unwrap_err();
            assert!(err.message().contains(msg), "{src}: {err}");
        }
    }
}
