//! Regular-expression filters with Python's `re` semantics (through `drover_python::re`):
//! `regex_replace`, `regex_search`, `regex_findall`, `regex_escape`; [`compile`] serves the
//! `match`/`search`/`regex` tests too.

use super::core::fail;
use crate::convert::py_str;
use crate::filters::registry::Registry;
use drover_python::re::{Flags, Kind, Mode, Regex, Template, escape};
use minijinja::Error;
use minijinja::value::{Kwargs, Rest, Value};

pub(crate) fn register(env: &mut Registry) {
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_search", regex_search);
    env.add_filter("regex_findall", regex_findall);
    env.add_filter("regex_escape", regex_escape);
}

/// Compiles a Python pattern as `re.compile(pattern, flags)` does, for `re.search`,
/// `re.match` or `re.fullmatch`.
pub(crate) fn compile(
    pattern: &str,
    ignorecase: bool,
    multiline: bool,
    mode: Mode,
) -> Result<Regex, Error> {
    let flags = Flags {
        ignorecase,
        multiline,
        ..Flags::default()
    };
    Regex::with_mode(pattern, Kind::Text, flags, mode).map_err(|e| fail(e.to_string()))
}

/// `regex_replace(value='', pattern='', replacement='', ignorecase=False, multiline=False,
/// count=0, mandatory_count=0)`, by position or keyword (a None given is a None, not "missing").
fn regex_replace(value: &Value, args: Rest<Value>, kwargs: Kwargs) -> Result<String, Error> {
    let names = [
        "pattern",
        "replacement",
        "ignorecase",
        "multiline",
        "count",
        "mandatory_count",
    ];
    if args.len() > names.len() {
        return Err(fail(format!(
            "regex_replace() takes from 0 to 7 positional arguments but {} were given",
            args.len() + 1
        )));
    }
    let mut given: Vec<Option<Value>> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let named = kwargs.get::<Option<Value>>(name)?;
        given.push(match args.get(i) {
            Some(a) => Some(a.clone()),
            None => named,
        });
    }
    kwargs.assert_all_used()?;
    let [
        pattern,
        replacement,
        ignorecase,
        multiline,
        count,
        mandatory,
    ] = <[Option<Value>; 6]>::try_from(given).map_err(|_| fail("regex_replace arguments"))?;
    let ignorecase = ignorecase.is_some_and(|v| v.is_true());
    let multiline = multiline.is_some_and(|v| v.is_true());
    let count = match count {
        Some(c) => super::core::py_index(&c)?,
        None => 0,
    };
    let mandatory = match mandatory {
        Some(c) => super::core::py_index(&c)?,
        None => 0,
    };
    // to_text(value, nonstring='simplerepr'): None is 'None'.
    let text = py_str(value);
    // re.compile and re.sub take strings only (no conversion).
    let pattern = match pattern {
        None => String::new(),
        Some(p) => super::pytypes::pattern(&p)?,
    };
    let replacement = match replacement {
        None => String::new(),
        Some(r) => {
            // re's cache key holds it first: a list or dict is unhashable before anything else.
            super::pytypes::hashable(&r)?;
            r.as_str()
                .ok_or_else(|| {
                    fail(format!(
                        "decoding to str: need a bytes-like object, {} found",
                        super::core::type_name(&r)
                    ))
                })?
                .to_owned()
        }
    };
    let re = compile(&pattern, ignorecase, multiline, Mode::Search)?;
    let template = Template::parse(&replacement, &re).map_err(|e| fail(e.to_string()))?;
    // A negative count replaces nothing; 0 replaces every match.
    let (replaced, subs) = if count < 0 {
        (text.clone().into_bytes(), 0)
    } else {
        re.subn(&template, text.as_bytes(), count as usize)
    };
    if mandatory != 0 && mandatory != subs as i64 {
        // ansible-core 2.19 writes the `count` argument where it means the matches.
        return Err(fail(format!(
            "'{pattern}' should match {mandatory} times, but matches {count} times in '{text}'"
        )));
    }
    Ok(String::from_utf8_lossy(&replaced).into_owned())
}

/// A group named by a `regex_search` argument: `\\g<name>` (always by name) or `\\N`.
enum GroupRef {
    Name(String),
    Number(String),
}

/// ansible-core reads every argument before it searches: `\\g<...>` (the longest
/// non-blank text up to a `>`), `\\` and digits, or the error it raises.
fn group_ref(arg: &Value) -> Result<GroupRef, Error> {
    let Some(a) = arg.as_str() else {
        return Err(fail(format!(
            "'{}' object has no attribute 'startswith'",
            super::core::type_name(arg)
        )));
    };
    let no_match = || fail("'NoneType' object has no attribute 'group'");
    if let Some(rest) = a.strip_prefix("\\g") {
        let run = rest.strip_prefix('<').ok_or_else(no_match)?;
        let run = &run[..run.find(char::is_whitespace).unwrap_or(run.len())];
        match run.rfind('>') {
            Some(end) if end > 0 => Ok(GroupRef::Name(run[..end].to_owned())),
            _ => Err(no_match()),
        }
    } else if let Some(rest) = a.strip_prefix('\\') {
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if end == 0 {
            return Err(no_match());
        }
        Ok(GroupRef::Number(rest[..end].to_owned()))
    } else {
        Err(fail("Unknown argument"))
    }
}

fn regex_search(
    value: &Value,
    pattern: &Value,
    groups: Rest<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let groups = groups
        .iter()
        .map(group_ref)
        .collect::<Result<Vec<_>, _>>()?;
    let pattern = super::pytypes::pattern(pattern)?;
    let ignorecase = super::core::flag(&kwargs, "ignorecase")?.unwrap_or(false);
    let multiline = super::core::flag(&kwargs, "multiline")?.unwrap_or(false);
    kwargs.assert_all_used()?;
    let text = py_str(value);
    let re = compile(&pattern, ignorecase, multiline, Mode::Search)?;
    let Some(m) = re.search(text.as_bytes()) else {
        return Ok(Value::from(()));
    };
    if groups.is_empty() {
        return Ok(Value::from(m.text(0).unwrap_or_default()));
    }
    let mut out = Vec::new();
    for g in &groups {
        let index = match g {
            GroupRef::Name(name) => re.group_index(name),
            GroupRef::Number(n) => n.parse::<usize>().ok().filter(|&i| i <= re.groups()),
        }
        .ok_or_else(|| fail("no such group"))?;
        out.push(m.text(index).map_or(Value::from(()), Value::from));
    }
    Ok(Value::from(out))
}

fn regex_findall(
    value: &Value,
    pattern: &Value,
    multiline: Option<bool>,
    ignorecase: Option<bool>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let multiline = super::core::flag(&kwargs, "multiline")?
        .or(multiline)
        .unwrap_or(false);
    let ignorecase = super::core::flag(&kwargs, "ignorecase")?
        .or(ignorecase)
        .unwrap_or(false);
    kwargs.assert_all_used()?;
    let text = py_str(value);
    let re = compile(
        &super::pytypes::pattern(pattern)?,
        ignorecase,
        multiline,
        Mode::Search,
    )?;
    let ngroups = re.groups();
    let mut out = Vec::new();
    for m in re.finditer(text.as_bytes()) {
        let group = |i: usize| Value::from(m.text(i).unwrap_or_default());
        out.push(match ngroups {
            0 => group(0),
            1 => group(1),
            n => Value::from((1..=n).map(group).collect::<Vec<_>>()),
        });
    }
    Ok(Value::from(out))
}

fn regex_escape(value: &Value, re_type: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let re_type = kwargs.get::<Option<String>>("re_type")?.or(re_type);
    kwargs.assert_all_used()?;
    let s = py_str(value);
    match re_type.as_deref().unwrap_or("python") {
        "python" => Ok(escape(&s)),
        "posix_basic" => {
            let mut out = String::new();
            for c in s.chars() {
                if "].[^$*\\".contains(c) {
                    out.push('\\');
                }
                out.push(c);
            }
            Ok(out)
        }
        "posix_extended" => Err(fail("Regex type (posix_extended) not yet implemented")),
        other => Err(fail(format!("Invalid regex type ({other})"))),
    }
}

#[cfg(test)]
mod tests {
    use crate::Templates;
    use drover_types::{Map, Templar, Value};

    /// The filters read patterns as the line modules do (one translator); expected values from
    /// CPython 3.11's `re`, which Ansible's filters call.
    #[test]
    fn filters_follow_python_re() {
        let t = Templates::new();
        let mut v = Map::new();
        v.insert("line".into(), Value::from("foo\n"));
        let v = drover_types::Vars::from(v);
        let cases: &[(&str, Value)] = &[
            (
                "{{ line | regex_replace('foo$', 'bar') }}",
                Value::from("bar\n"),
            ),
            (
                "{{ 'abxd' | regex_replace('x*', '-') }}",
                Value::from("-a-b--d-"),
            ),
            ("{{ 'a{b' | regex_replace('a{', 'x') }}", Value::from("xb")),
            (
                r"{{ 'a' | regex_replace('(a)', '<\g<1>\n>') }}",
                Value::from("<a\n>"),
            ),
            (
                r"{{ 'x٣4²' | regex_replace('\d', 'D') }}",
                Value::from("xDD²"),
            ),
            (
                "{{ 'abxd' | regex_findall('x*') }}",
                serde_json::json!(["", "", "x", "", ""]),
            ),
            ("{{ 'a[b' | regex_search('[[]') }}", Value::from("[")),
            ("{{ 'ab' is match('b') }}", Value::from(false)),
            ("{{ 'ab' is search('b$') }}", Value::from(true)),
            (
                "{{ 'ab cb' | regex_replace('(?<=a)b', 'X') }}",
                Value::from("aX cb"),
            ),
            (
                r"{{ 'k=v' | regex_replace('(?P<k>\w)=(?P<v>\w)', '\g<v>=\g<k>') }}",
                Value::from("v=k"),
            ),
            (
                r"{{ 'aa ab' | regex_findall('(\w)\1') }}",
                serde_json::json!(["a"]),
            ),
        ];
        for (src, want) in cases {
            assert_eq!(
                &t.render(src, &v).unwrap_or_else(|e| panic!("{src}: {e}")),
                want,
                "{src}"
            );
        }
        let err = t
            .render("{{ 'a' | regex_replace('(?<=a|bc)b', '') }}", &v)
            .unwrap_err();
        assert!(
            err.message()
                .contains("look-behind requires fixed-width pattern"),
            "{err}"
        );
        // As ansible-core 2.19 words it (with the `count` argument, 0 here).
        let err = t
            .render(
                "{{ 'aaa' | regex_replace('a', 'b', mandatory_count=2) }}",
                &v,
            )
            .unwrap_err();
        assert!(
            err.message()
                .contains("'a' should match 2 times, but matches 0 times in 'aaa'"),
            "{err}"
        );
    }

    /// ansible-core reads every group argument of regex_search before it searches, and
    /// re.sub takes a string replacement only; messages from CPython 3.11.
    #[test]
    fn search_arguments_and_replacement_types_as_python_checks_them() {
        let t = Templates::new();
        let mut v = Map::new();
        v.insert("g0".into(), Value::from("\\g<0>"));
        v.insert("gn".into(), Value::from("\\g<n>"));
        v.insert("one".into(), Value::from("\\1x"));
        let v = drover_types::Vars::from(v);
        let fails: &[(&str, &str)] = &[
            ("{{ 'abc' | regex_search('x', '-') }}", "Unknown argument"),
            (
                "{{ 'foo' | regex_search('(?P<n>o+)', g0) }}",
                "no such group",
            ),
            (
                "{{ 'foo' | regex_search('o', 1) }}",
                "has no attribute 'startswith'",
            ),
            (
                "{{ 'x' | regex_replace('x', true) }}",
                "need a bytes-like object, bool found",
            ),
            (
                "{{ 'x' | regex_replace(1, 'y') }}",
                "first argument must be string",
            ),
            ("{{ 'x' | regex_replace('x', none) }}", "NoneType found"),
        ];
        for (src, want) in fails {
            let err = t.render(src, &v).expect_err(src);
            assert!(err.message().contains(want), "{src}: {err}");
        }
        let cases: &[(&str, Value)] = &[
            ("{{ 'abc' | regex_search('x', gn) }}", Value::from(())),
            (
                "{{ 'foo' | regex_search('(?P<n>o+)', gn, one) }}",
                serde_json::json!(["oo", "oo"]),
            ),
            (
                "{{ 'aa' | regex_replace('a', 'b', count=-1) }}",
                Value::from("aa"),
            ),
            (
                "{{ 'aa' | regex_replace('a', 'b', count=true) }}",
                Value::from("ba"),
            ),
            ("{{ none | regex_replace('o', '0') }}", Value::from("N0ne")),
            (
                "{{ 'Ab' | regex_replace('a', 'z', true) }}",
                Value::from("zb"),
            ),
        ];
        for (src, want) in cases {
            assert_eq!(
                &t.render(src, &v).unwrap_or_else(|e| panic!("{src}: {e}")),
                want,
                "{src}"
            );
        }
    }
}
