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

fn regex_replace(
    value: &Value,
    pattern: Option<Value>,
    replacement: Option<Value>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let pattern = match kwargs.get::<Option<Value>>("pattern")?.or(pattern) {
        Some(p) => super::pytypes::pattern(&p)?,
        None => String::new(),
    };
    let replacement = match kwargs.get::<Option<Value>>("replacement")?.or(replacement) {
        Some(r) if r.kind() == minijinja::value::ValueKind::String => py_str(&r),
        Some(r) => {
            super::pytypes::hashable(&r)?;
            return Err(fail(format!(
                "decoding to str: need a bytes-like object, {} found",
                super::core::type_name(&r)
            )));
        }
        None => String::new(),
    };
    let ignorecase = super::core::flag(&kwargs, "ignorecase")?.unwrap_or(false);
    let multiline = super::core::flag(&kwargs, "multiline")?.unwrap_or(false);
    let count = kwargs.get::<Option<usize>>("count")?.unwrap_or(0);
    let mandatory = kwargs.get::<Option<usize>>("mandatory_count")?.unwrap_or(0);
    kwargs.assert_all_used()?;
    let text = if value.is_none() {
        String::new()
    } else {
        py_str(value)
    };
    let re = compile(&pattern, ignorecase, multiline, Mode::Search)?;
    let template = Template::parse(&replacement, &re).map_err(|e| fail(e.to_string()))?;
    let (replaced, subs) = re.subn(&template, text.as_bytes(), count);
    if mandatory > 0 && mandatory != subs {
        // ansible-core 2.19 writes the `count` argument where it means the matches.
        return Err(fail(format!(
            "'{pattern}' should match {mandatory} times, but matches {count} times in '{text}'"
        )));
    }
    Ok(String::from_utf8_lossy(&replaced).into_owned())
}

fn regex_search(
    value: &Value,
    pattern: &Value,
    groups: Rest<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    // ansible-core reads the group references before it searches.
    let groups = groups
        .iter()
        .map(|g| group_ref(&super::pytypes::str_for_method(g, "startswith")?))
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
    for g in groups {
        let index = match g {
            GroupRef::Index(i) => Some(i),
            GroupRef::Name(name) => re.group_index(&name),
        };
        let group = index.and_then(|i| m.text(i));
        out.push(group.map_or(Value::from(()), Value::from));
    }
    Ok(Value::from(out))
}

enum GroupRef {
    Index(usize),
    Name(String),
}

/// A group argument of `regex_search`: `\\g<name>` (`re.match(r'\\g<(\S+)>')`) or `\\N`
/// (`re.match(r'\\(\d+)')`); Python fails on `.group` of a pattern that does not match.
fn group_ref(g: &str) -> Result<GroupRef, Error> {
    let no_match = || fail("'NoneType' object has no attribute 'group'");
    if let Some(rest) = g.strip_prefix("\\g") {
        let run = rest
            .strip_prefix('<')
            .and_then(|r| r.split(char::is_whitespace).next())
            .unwrap_or_default();
        let name = match run.rfind('>') {
            Some(end) if end > 0 => &run[..end],
            _ => return Err(no_match()),
        };
        Ok(match name.parse::<usize>() {
            Ok(i) => GroupRef::Index(i),
            Err(_) => GroupRef::Name(name.to_owned()),
        })
    } else if let Some(rest) = g.strip_prefix('\\') {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Err(no_match());
        }
        digits
            .parse::<usize>()
            .map(GroupRef::Index)
            .map_err(|_| fail("no such group"))
    } else {
        Err(fail("Unknown argument"))
    }
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
        ];
        for (src, want) in cases {
            assert_eq!(
                &t.render(src, &v).unwrap_or_else(|e| panic!("{src}: {e}")),
                want,
                "{src}"
            );
        }
        let err = t
            .render("{{ 'a' | regex_replace('(?<=a)b', '') }}", &v)
            .unwrap_err();
        assert!(
            err.message().contains("look-behind is not supported"),
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
}
