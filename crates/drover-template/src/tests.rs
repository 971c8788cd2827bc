//! Ansible's Jinja tests: type tests with Python's meaning (`string`, `sequence`, `mapping`...),
//! task-result tests (`failed`, `changed`, `succeeded`, `skipped`...), regex tests (`match`,
//! `search`, `regex`), `version`, set tests (`subset`, `superset`, `contains`), `truthy`/`falsy`
//! and path tests on the controller (`file`, `directory`, `link`, `exists`, `abs`,
//! `vaulted_file`).

use crate::convert::py_str;
use crate::filters::core::{ansible_bool, fail};
use crate::filters::pytypes::{contains, hashable, lstat_path, path, stat_target};
use crate::filters::registry::Registry;
use drover_python::re::Mode;
use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Error, ErrorKind};
use std::path::Path;

mod version;

/// Registers every test.
pub(crate) fn register(env: &mut Registry) {
    env.add_test("defined", |v: &Value| !v.is_undefined());
    env.add_test("undefined", |v: &Value| v.is_undefined());
    env.add_test("none", |v: &Value| v.is_none());
    env.add_test("string", |v: &Value| v.kind() == ValueKind::String);
    env.add_test("number", |v: &Value| {
        matches!(v.kind(), ValueKind::Number | ValueKind::Bool)
    });
    env.add_test("integer", |v: &Value| {
        v.kind() == ValueKind::Number && v.is_integer()
    });
    env.add_test("float", |v: &Value| {
        v.kind() == ValueKind::Number && !v.is_integer()
    });
    env.add_test("boolean", |v: &Value| v.kind() == ValueKind::Bool);
    env.add_test("mapping", |v: &Value| v.kind() == ValueKind::Map);
    env.add_test("sequence", |v: &Value| {
        matches!(
            v.kind(),
            ValueKind::Seq | ValueKind::String | ValueKind::Map | ValueKind::Bytes
        )
    });
    env.add_test("iterable", |v: &Value| {
        matches!(
            v.kind(),
            ValueKind::Seq
                | ValueKind::Iterable
                | ValueKind::String
                | ValueKind::Map
                | ValueKind::Bytes
        )
    });
    env.add_test("callable", |v: &Value| v.kind() == ValueKind::Plain);
    for name in ["failed", "failure"] {
        env.add_test(name, |v: &Value| result_flag(v, "failed"));
    }
    for name in ["succeeded", "success", "successful"] {
        env.add_test(name, |v: &Value| result_flag(v, "failed").map(|f| !f));
    }
    for name in ["changed", "change"] {
        env.add_test(name, changed);
    }
    for name in ["skipped", "skip"] {
        env.add_test(name, |v: &Value| result_flag(v, "skipped"));
    }
    env.add_test("unreachable", |v: &Value| result_flag(v, "unreachable"));
    env.add_test("reachable", |v: &Value| {
        result_flag(v, "unreachable").map(|f| !f)
    });
    for name in ["finished", "started"] {
        let key = if name == "finished" {
            "finished"
        } else {
            "started"
        };
        env.add_test(name, move |v: &Value| -> Result<bool, Error> {
            if v.kind() != ValueKind::Map {
                return Err(fail(format!("The '{key}' test expects a dictionary")));
            }
            let x = v.get_attr(key)?;
            Ok(x.is_undefined() || x.is_true())
        });
    }
    // match(pattern, ignorecase=False, multiline=False); regex adds match_type='search'.
    env.add_test("match", |v: &Value, args: Rest<Value>, k: Kwargs| {
        regex_test(v, &args, k, Some("match"))
    });
    env.add_test("search", |v: &Value, args: Rest<Value>, k: Kwargs| {
        regex_test(v, &args, k, Some("search"))
    });
    env.add_test("regex", |v: &Value, args: Rest<Value>, k: Kwargs| {
        regex_test(v, &args, k, None)
    });
    env.add_test("odd", |v: &Value| parity(v, 1));
    env.add_test("divisibleby", divisibleby);
    // Jinja's `str(value).islower()` / `.isupper()`, for any value.
    env.add_test("lower", |v: &Value| crate::pycompat::py_islower(&py_str(v)));
    env.add_test("upper", |v: &Value| crate::pycompat::py_isupper(&py_str(v)));
    env.add_test("even", |v: &Value| parity(v, 0));
    for name in ["version", "version_compare"] {
        env.add_test(name, version::version_test);
    }
    env.add_test("contains", |seq: &Value, v: &Value| contains(seq, v));
    env.add_test("in", |v: &Value, seq: &Value| contains(seq, v));
    for name in ["subset", "issubset"] {
        env.add_test(name, |a: &Value, b: &Value| subset(a, b));
    }
    for name in ["superset", "issuperset"] {
        env.add_test(name, |a: &Value, b: &Value| subset(b, a));
    }
    for name in ["nan", "isnan"] {
        env.add_test(name, |v: &Value| {
            f64::try_from(v.clone()).is_ok_and(f64::is_nan)
        });
    }
    env.add_test("truthy", |v: &Value, k: Kwargs| -> Result<bool, Error> {
        truthy(v, k)
    });
    env.add_test("falsy", |v: &Value, k: Kwargs| -> Result<bool, Error> {
        truthy(v, k).map(|t| !t)
    });
    env.add_test("any", |v: &Value| -> Result<bool, Error> {
        Ok(v.try_iter()?.any(|x| x.is_true()))
    });
    env.add_test("all", |v: &Value| -> Result<bool, Error> {
        Ok(v.try_iter()?.all(|x| x.is_true()))
    });
    for name in ["file", "is_file"] {
        env.add_test(name, |v: &Value| {
            Ok(stat_target(v)?.metadata().is_some_and(|m| m.is_file()))
        });
    }
    for name in ["directory", "is_dir"] {
        env.add_test(name, |v: &Value| {
            Ok(stat_target(v)?.metadata().is_some_and(|m| m.is_dir()))
        });
    }
    for name in ["link", "is_link"] {
        env.add_test(
            name,
            |v: &Value| Ok(Path::new(&lstat_path(v)?).is_symlink()),
        );
    }
    env.add_test("vaulted_file", |v: &Value| -> Result<bool, Error> {
        use std::io::Read;
        let name = path(v)?;
        let mut head = Vec::new();
        std::fs::File::open(&name)
            .and_then(|f| {
                f.take(drover_vault::format::HEADER.len() as u64)
                    .read_to_end(&mut head)
            })
            .map_err(|_| fail(format!("Cannot test if the file '{name}' is a vault.")))?;
        Ok(drover_vault::is_encrypted(&head))
    });
    env.add_test("exists", |v: &Value| {
        Ok(stat_target(v)?.metadata().is_some())
    });
    env.add_test("link_exists", |v: &Value| {
        Ok(std::fs::symlink_metadata(lstat_path(v)?).is_ok())
    });
    for name in ["abs", "is_abs"] {
        env.add_test(name, |v: &Value| Ok(path(v)?.starts_with('/')));
    }
    for name in ["same_file", "is_same_file"] {
        env.add_test(name, |a: &Value, b: &Value| -> Result<bool, Error> {
            use std::os::unix::fs::MetadataExt;
            let (a, b) = (stat_target(a)?, stat_target(b)?);
            Ok(match (a.metadata(), b.metadata()) {
                (Some(x), Some(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
                _ => false,
            })
        });
    }
    for name in ["mount", "is_mount"] {
        env.add_test(name, |v: &Value| -> Result<bool, Error> {
            let p = lstat_path(v)?;
            Ok(std::fs::read_to_string("/proc/self/mounts").is_ok_and(|m| {
                m.lines().any(|l| {
                    l.split_whitespace().nth(1) == Some(p.trim_end_matches('/'))
                        || (p == "/" && l.split_whitespace().nth(1) == Some("/"))
                })
            }))
        });
    }
}

fn result_flag(v: &Value, key: &str) -> Result<bool, Error> {
    if v.kind() != ValueKind::Map {
        return Err(fail(format!("The '{key}' test expects a dictionary")));
    }
    Ok(v.get_attr(key)?.is_true())
}

fn changed(v: &Value) -> Result<bool, Error> {
    if v.kind() != ValueKind::Map {
        return Err(fail("The 'changed' test expects a dictionary"));
    }
    let c = v.get_attr("changed")?;
    if !c.is_undefined() {
        return Ok(c.is_true());
    }
    let results = v.get_attr("results")?;
    if results.kind() == ValueKind::Seq {
        for r in results.try_iter()? {
            if r.kind() == ValueKind::Map && r.get_attr("changed")?.is_true() {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Jinja's `odd`/`even`: `value % 2 == want` on numbers (floats too); anything else is
/// Python's error for `%` on it.
fn parity(v: &Value, want: i128) -> Result<bool, Error> {
    match v.kind() {
        ValueKind::Bool => Ok(i128::from(v.is_true()) == want),
        ValueKind::Number if v.is_integer() => Ok(i128::try_from(v.clone())
            .map(|n| n.rem_euclid(2) == want)
            .unwrap_or(false)),
        ValueKind::Number => {
            let f = f64::try_from(v.clone()).unwrap_or(f64::NAN);
            Ok(f.rem_euclid(2.0) == want as f64)
        }
        _ => Err(fail(format!(
            "unsupported operand type(s) for %: '{}' and 'int'",
            crate::filters::core::type_name(v)
        ))),
    }
}

/// Jinja's `divisibleby`: `value % num == 0` with Python's `%`, which formats a string.
fn divisibleby(v: &Value, num: &Value) -> Result<bool, Error> {
    use crate::filters::core::type_name;
    if let Some(s) = v.as_str() {
        // Python reads any operand but a tuple with __getitem__ (a dict, a list) as a mapping.
        let named = matches!(num.kind(), ValueKind::Map | ValueKind::Seq).then_some(num);
        return crate::filters::core::percent_format_with(s, std::slice::from_ref(num), named)
            .map(|_| false);
    }
    let numeric = |x: &Value| matches!(x.kind(), ValueKind::Number | ValueKind::Bool);
    if !numeric(v) || !numeric(num) {
        return Err(fail(format!(
            "unsupported operand type(s) for %: '{}' and '{}'",
            type_name(v),
            type_name(num)
        )));
    }
    let int = |x: &Value| match x.kind() {
        ValueKind::Bool => Some(i128::from(x.is_true())),
        _ if x.is_integer() => i128::try_from(x.clone()).ok(),
        _ => None,
    };
    if let (Some(a), Some(b)) = (int(v), int(num)) {
        if b == 0 {
            return Err(fail("integer modulo by zero"));
        }
        return Ok(a.checked_rem(b).unwrap_or(0) == 0);
    }
    let float = |x: &Value| match int(x) {
        Some(i) => i as f64,
        None => f64::try_from(x.clone()).unwrap_or(f64::NAN),
    };
    let (a, b) = (float(v), float(num));
    if b == 0.0 {
        return Err(fail("float modulo"));
    }
    Ok(a % b == 0.0)
}

fn regex_test(
    v: &Value,
    args: &[Value],
    kwargs: Kwargs,
    kind: Option<&str>,
) -> Result<bool, Error> {
    let names = ["pattern", "ignorecase", "multiline", "match_type"];
    if args.len() > if kind.is_some() { 3 } else { 4 } {
        return Err(Error::new(
            ErrorKind::TooManyArguments,
            "too many arguments",
        ));
    }
    let arg = |i: usize| -> Result<Option<Value>, Error> {
        match args.get(i) {
            Some(a) => Ok(Some(a.clone())),
            None => kwargs.get::<Option<Value>>(names[i]),
        }
    };
    let pattern = match arg(0)? {
        Some(p) => crate::filters::pytypes::pattern(&p)?,
        None => String::new(),
    };
    let ignorecase = arg(1)?.is_some_and(|b| b.is_true());
    let multiline = arg(2)?.is_some_and(|b| b.is_true());
    let match_type = match kind {
        Some(k) => Value::from(k),
        None => arg(3)?.unwrap_or_else(|| Value::from("search")),
    };
    kwargs.assert_all_used()?;
    let text = py_str(v);
    let mode = match match_type.as_str() {
        Some("match") => Mode::Match,
        Some("fullmatch") => Mode::FullMatch,
        _ => Mode::Search,
    };
    let re = crate::filters::regex::compile(&pattern, ignorecase, multiline, mode)?;
    // ansible-core calls `getattr(compiled, match_type, 'search')(value)`: a name that is not a
    // method of a compiled pattern gets the string 'search', which cannot be called.
    let Some(match_type) = match_type.as_str() else {
        return Err(fail(format!(
            "attribute name must be string, not '{}'",
            crate::filters::core::type_name(&match_type)
        )));
    };
    match match_type {
        "match" | "fullmatch" | "search" | "findall" => Ok(re.is_match(text.as_bytes())),
        // An iterator, a scanner or a non-empty list: always true.
        "finditer" | "scanner" | "split" => Ok(true),
        "sub" | "subn" => Err(fail(format!(
            "{match_type}() missing required argument 'string' (pos 2)"
        ))),
        "flags" | "groups" => Err(fail("'int' object is not callable")),
        "groupindex" => Err(fail("'mappingproxy' object is not callable")),
        _ => Err(fail("'str' object is not callable")),
    }
}

/// `set(a) <= set(b)`: every item of both must be hashable.
fn subset(a: &Value, b: &Value) -> Result<bool, Error> {
    let (xs, bs) = (
        crate::filters::collections::items(a)?,
        crate::filters::collections::items(b)?,
    );
    for x in xs.iter().chain(&bs) {
        hashable(x)?;
    }
    Ok(xs.iter().all(|x| bs.contains(x)))
}

fn truthy(v: &Value, kwargs: Kwargs) -> Result<bool, Error> {
    let convert: Option<bool> = kwargs.get("convert_bool")?;
    kwargs.assert_all_used()?;
    if convert.unwrap_or(false)
        && matches!(
            v.kind(),
            ValueKind::String | ValueKind::Bool | ValueKind::Number
        )
    {
        return Ok(ansible_bool(v));
    }
    Ok(v.is_true())
}

#[cfg(test)]
mod unit {
    use crate::Templates;
    use drover_types::{Templar, Value, Vars};

    fn render(src: &str) -> Result<Value, String> {
        Templates::new()
            .render(src, &Vars::new())
            .map_err(|e| e.message().to_owned())
    }

    /// Expected values from ansible-core 2.19's templar.
    #[test]
    fn tests_follow_ansible_core() {
        let cases: &[(&str, Value)] = &[
            ("{{ 'a' is regex('a', match_type='findall') }}", true.into()),
            ("{{ 'ba' is regex('a', match_type='match') }}", false.into()),
            ("{{ 6 is divisibleby 3 }}", true.into()),
            ("{{ 5.5 is divisibleby 0.5 }}", true.into()),
            ("{{ true is divisibleby 1 }}", true.into()),
            ("{{ '%s' is divisibleby 3 }}", false.into()),
            ("{{ 'ab' is divisibleby [1] }}", false.into()),
            ("{{ 1e-07 is lower }}", true.into()),
            ("{{ [255, 'x'] is lower }}", true.into()),
            ("{{ 'ǅa' is lower }}", false.into()),
            ("{{ 'AB1' is upper }}", true.into()),
            ("{{ -3 is exists }}", false.into()),
            ("{{ '~' is exists }}", false.into()),
            ("{{ '/etc' is directory }}", true.into()),
            ("{{ [] | select(0.0) | list }}", serde_json::json!([])),
            (
                "{{ false | reject('truthy') | list }}",
                serde_json::json!([]),
            ),
            (
                "{{ [] | rejectattr('a', 'nope') | list }}",
                serde_json::json!([]),
            ),
            ("{{ '1.2a1' is version('1.2', '<', true) }}", true.into()),
            (
                "{{ '1.0.0-1' is version('1.0.0-a', 'lt', version_type='semver') }}",
                true.into(),
            ),
            ("{{ '1.2Bc' is version('1.2B', '>') }}", true.into()),
        ];
        for (src, want) in cases {
            assert_eq!(
                &render(src).unwrap_or_else(|e| panic!("{src}: {e}")),
                want,
                "{src}"
            );
        }
    }

    #[test]
    fn tests_fail_where_ansible_core_fails() {
        let cases: &[(&str, &str)] = &[
            // ansible-core's regex test cannot take match_type by position.
            (
                "{{ 'a' is regex('a', false, false, 'x') }}",
                "'str' object is not callable",
            ),
            (
                "{{ 'a' is regex('a', match_type='sub') }}",
                "missing required argument",
            ),
            (
                "{{ 'a' is regex('a', match_type=1) }}",
                "attribute name must be string",
            ),
            (
                "{{ 'abc' is divisibleby 3 }}",
                "not all arguments converted",
            ),
            ("{{ 5 is divisibleby 0 }}", "integer modulo by zero"),
            (
                "{{ none is divisibleby 3 }}",
                "unsupported operand type(s) for %",
            ),
            ("{{ 2147483648 is exists }}", "fd is greater than maximum"),
            ("{{ -2147483649 is file }}", "fd is less than minimum"),
            ("{{ 1.5 is directory }}", "path should be string, bytes"),
            ("{{ 1 is link }}", "lstat: path should be string"),
            ("{{ 1 is abs }}", "expected str, bytes or os.PathLike"),
            (
                "{{ ['a', 'b'] | select('divisibleby', 2) | list }}",
                "not all arguments converted",
            ),
            (
                "{{ '3' is version('1.2', 'eq', true) }}",
                "invalid version number '3'",
            ),
            (
                "{{ '1.2' is version('1.2.0', version_type='semver') }}",
                "invalid semantic version",
            ),
            (
                "{{ 0 is version('1.2') }}",
                "Input version value cannot be empty",
            ),
            (
                "{{ '1' is version('1', strict=true, version_type='loose') }}",
                "Cannot specify both",
            ),
            (
                "{{ '1.2' is version_compare('1.2', none) }}",
                "Invalid operator type (None)",
            ),
            ("{{ [{}] | union(none) }}", "can only concatenate list"),
            (
                "{{ [[1], 2] | union('ab') }}",
                "can only concatenate list (not \"str\")",
            ),
            (
                "{{ [3, 1] | sort('x') }}",
                "cannot be interpreted as an integer",
            ),
            (
                "{{ [3, 1] | sort(-9223372036854775808) }}",
                "too large to convert to C int",
            ),
            (
                "{{ none | symmetric_difference([1]) }}",
                "unsupported operand type(s) for +",
            ),
        ];
        for (src, want) in cases {
            let err = render(src).expect_err(src);
            assert!(err.contains(want), "{src}: {err}");
        }
    }
}
