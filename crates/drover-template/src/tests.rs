//! Ansible's Jinja tests: type tests with Python's meaning (`string`, `sequence`, `mapping`...),
//! task-result tests (`failed`, `changed`, `succeeded`, `skipped`...), regex tests (`match`,
//! `search`, `regex`), `version`, set tests (`subset`, `superset`, `contains`), `truthy`/`falsy`
//! and path tests on the controller (`file`, `directory`, `link`, `exists`, `abs`).

use crate::convert::py_str;
use crate::filters::core::{ansible_bool, fail};
use crate::filters::pytypes::{contains, hashable, lstat_path, path, stat_target};
use crate::filters::registry::Registry;
use drover_python::re::Mode;
use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Error, ErrorKind};
use std::cmp::Ordering;
use std::path::Path;

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
    env.add_test("divisibleby", divisibleby);
    env.add_test("odd", |v: &Value| parity(v, 1));
    env.add_test("even", |v: &Value| parity(v, 0));
    for name in ["version", "version_compare"] {
        env.add_test(name, version_test);
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
        env.add_test(name, |a: &Value, b: &Value| {
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

/// Jinja's `divisibleby`: `value % num == 0` with Python's `%` (a string is formatted).
fn divisibleby(v: &Value, n: &Value) -> Result<bool, Error> {
    let numeric = |x: &Value| matches!(x.kind(), ValueKind::Number | ValueKind::Bool);
    if numeric(v) && numeric(n) {
        if !n.is_true() {
            return Err(fail("integer modulo by zero"));
        }
        return Ok(minijinja::tests::is_divisibleby(v, n));
    }
    if v.kind() == ValueKind::String {
        return crate::pyops::pct(py_str(v), n.clone()).map(|_| false);
    }
    Err(fail(format!(
        "unsupported operand type(s) for %: '{}' and '{}'",
        crate::filters::core::type_name(v),
        crate::filters::core::type_name(n)
    )))
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
    let kind = match kind {
        Some(k) => k.to_owned(),
        None => match arg(3)? {
            None => "search".to_owned(),
            Some(k) if k.kind() == ValueKind::String => py_str(&k),
            Some(k) => {
                return Err(fail(format!(
                    "attribute name must be string, not '{}'",
                    crate::filters::core::type_name(&k)
                )));
            }
        },
    };
    let kind = kind.as_str();
    let text = py_str(v);
    let mode = match kind {
        "match" => Mode::Match,
        "fullmatch" => Mode::FullMatch,
        _ => Mode::Search,
    };
    let re = crate::filters::regex::compile(&pattern, ignorecase, multiline, mode)?;
    kwargs.assert_all_used()?;
    Ok(re.is_match(text.as_bytes()))
}

#[derive(Debug, PartialEq, Eq)]
enum Part {
    Num(u64),
    Str(String),
}

/// distutils' LooseVersion components: runs of digits (numbers) and of letters.
fn loose_parts(v: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut digits = false;
    let flush = |cur: &mut String, digits: bool, parts: &mut Vec<Part>| {
        if !cur.is_empty() {
            parts.push(if digits {
                Part::Num(cur.parse().unwrap_or(0))
            } else {
                Part::Str(std::mem::take(cur))
            });
            cur.clear();
        }
    };
    for c in v.chars() {
        if c.is_ascii_digit() {
            if !digits {
                flush(&mut cur, digits, &mut parts);
            }
            digits = true;
            cur.push(c);
        } else if c == '.' {
            flush(&mut cur, digits, &mut parts);
        } else {
            if digits {
                flush(&mut cur, digits, &mut parts);
            }
            digits = false;
            cur.push(c);
        }
    }
    flush(&mut cur, digits, &mut parts);
    parts
}

fn cmp_loose(a: &str, b: &str) -> Result<Ordering, Error> {
    let (x, y) = (loose_parts(a), loose_parts(b));
    for (p, q) in x.iter().zip(&y) {
        let o = match (p, q) {
            (Part::Num(m), Part::Num(n)) => m.cmp(n),
            (Part::Str(m), Part::Str(n)) => m.cmp(n),
            _ => {
                return Err(fail(
                    "Version comparison failed: '<' not supported between instances of 'str' and 'int'",
                ));
            }
        };
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(x.len().cmp(&y.len()))
}

/// Semantic versions: numeric core, then a pre-release sorts before the release.
fn cmp_semver(a: &str, b: &str) -> Result<Ordering, Error> {
    let split = |v: &str| -> (Vec<u64>, Option<String>) {
        let v = v.split('+').next().unwrap_or(v);
        let (core, pre) = match v.split_once('-') {
            Some((c, p)) => (c, Some(p.to_owned())),
            None => (v, None),
        };
        (
            core.split('.').map(|n| n.parse().unwrap_or(0)).collect(),
            pre,
        )
    };
    let (ca, pa) = split(a);
    let (cb, pb) = split(b);
    Ok(ca.cmp(&cb).then_with(|| match (pa, pb) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => cmp_loose(&x, &y).unwrap_or_else(|_| x.cmp(&y)),
    }))
}

fn version_test(
    value: &Value,
    version: &Value,
    args: Rest<Value>,
    kwargs: Kwargs,
) -> Result<bool, Error> {
    // version(version, operator='eq', strict=None, version_type=None)
    if args.len() > 3 {
        return Err(Error::new(
            ErrorKind::TooManyArguments,
            "too many arguments",
        ));
    }
    let operator = match args.first() {
        Some(v) => Some(py_str(v)),
        None => kwargs.get::<Option<String>>("operator")?,
    }
    .unwrap_or_else(|| "eq".into());
    let strict: Option<bool> = match args.get(1) {
        Some(v) if v.is_none() => None,
        Some(v) => Some(v.is_true()),
        None => kwargs.get("strict")?,
    };
    let version_type: Option<String> = match args.get(2) {
        Some(v) if v.is_none() => None,
        Some(v) => Some(py_str(v)),
        None => kwargs.get("version_type")?,
    };
    kwargs.assert_all_used()?;
    let (a, b) = (py_str(value), py_str(version));
    if a.is_empty() {
        return Err(fail("Input version value cannot be empty"));
    }
    if b.is_empty() {
        return Err(fail("Version parameter to compare against cannot be empty"));
    }
    let ord = match (strict, version_type.as_deref()) {
        (_, Some("semver" | "semantic")) => cmp_semver(&a, &b)?,
        (_, Some("loose" | "strict" | "pep440") | None) => cmp_loose(&a, &b)?,
        (_, Some(other)) => {
            return Err(fail(format!(
                "Invalid version type ({other}). Must be one of 'loose', 'strict', 'semver', 'semantic', 'pep440'"
            )));
        }
    };
    Ok(match operator.as_str() {
        "==" | "=" | "eq" => ord == Ordering::Equal,
        "<" | "lt" => ord == Ordering::Less,
        "<=" | "le" => ord != Ordering::Greater,
        ">" | "gt" => ord == Ordering::Greater,
        ">=" | "ge" => ord != Ordering::Less,
        "!=" | "<>" | "ne" => ord != Ordering::Equal,
        other => {
            return Err(fail(format!(
                "Invalid operator type ({other}). Must be one of '==', '=', 'eq', '<', 'lt', '<=', 'le', '>', 'gt', '>=', 'ge', '!=', '<>', 'ne'"
            )));
        }
    })
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
