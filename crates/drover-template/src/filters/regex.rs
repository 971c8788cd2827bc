//! Regular-expression filters and tests with Python's `re` semantics: `regex_replace`,
//! `regex_search`, `regex_findall`, `regex_escape`, and the `match`/`search`/`regex` tests.

use super::core::fail;
use crate::convert::py_str;
use minijinja::value::{Kwargs, Rest, Value};
use minijinja::{Environment, Error};
use regex::{Regex, RegexBuilder};

pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_search", regex_search);
    env.add_filter("regex_findall", regex_findall);
    env.add_filter("regex_escape", regex_escape);
}

/// Compiles a Python pattern (`\Z` becomes `\z`), with `re.I`/`re.M` flags.
pub(crate) fn compile(pattern: &str, ignorecase: bool, multiline: bool) -> Result<Regex, Error> {
    let translated = pattern.replace("\\Z", "\\z");
    RegexBuilder::new(&translated)
        .case_insensitive(ignorecase)
        .multi_line(multiline)
        .build()
        .map_err(|e| fail(format!("invalid regular expression '{pattern}': {e}")))
}

/// A Python `re.sub` replacement (`\1`, `\g<1>`, `\g<name>`, `\n`) as a `regex` one.
fn translate_replacement(repl: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = repl.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '$' {
            out.push_str("$$");
        } else if c == '\\' && i + 1 < chars.len() {
            let n = chars[i + 1];
            if n.is_ascii_digit() {
                let mut digits = String::from(n);
                if i + 2 < chars.len() && chars[i + 2].is_ascii_digit() {
                    digits.push(chars[i + 2]);
                    i += 1;
                }
                out.push_str(&format!("${{{digits}}}"));
                i += 1;
            } else if n == 'g' && chars.get(i + 2) == Some(&'<') {
                let end = chars[i + 3..]
                    .iter()
                    .position(|c| *c == '>')
                    .map(|p| p + i + 3);
                if let Some(end) = end {
                    let name: String = chars[i + 3..end].iter().collect();
                    out.push_str(&format!("${{{name}}}"));
                    i = end;
                } else {
                    out.push_str("\\g");
                    i += 1;
                }
            } else {
                match n {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '\\' => out.push('\\'),
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
                i += 1;
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

fn regex_replace(
    value: &Value,
    pattern: Option<String>,
    replacement: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let pattern = kwargs
        .get::<Option<String>>("pattern")?
        .or(pattern)
        .unwrap_or_default();
    let replacement = kwargs
        .get::<Option<String>>("replacement")?
        .or(replacement)
        .unwrap_or_default();
    let ignorecase = kwargs.get::<Option<bool>>("ignorecase")?.unwrap_or(false);
    let multiline = kwargs.get::<Option<bool>>("multiline")?.unwrap_or(false);
    let count = kwargs.get::<Option<usize>>("count")?.unwrap_or(0);
    let mandatory = kwargs.get::<Option<usize>>("mandatory_count")?.unwrap_or(0);
    kwargs.assert_all_used()?;
    let text = if value.is_none() {
        String::new()
    } else {
        py_str(value)
    };
    let re = compile(&pattern, ignorecase, multiline)?;
    let subs = re.find_iter(&text).count();
    let subs = if count > 0 { subs.min(count) } else { subs };
    if mandatory > 0 && mandatory != subs {
        return Err(fail(format!(
            "'{pattern}' should match {mandatory} times, but matches {subs} times in '{text}'"
        )));
    }
    Ok(re
        .replacen(&text, count, translate_replacement(&replacement).as_str())
        .into_owned())
}

fn regex_search(
    value: &Value,
    pattern: String,
    groups: Rest<String>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let ignorecase = kwargs.get::<Option<bool>>("ignorecase")?.unwrap_or(false);
    let multiline = kwargs.get::<Option<bool>>("multiline")?.unwrap_or(false);
    kwargs.assert_all_used()?;
    let text = py_str(value);
    let re = compile(&pattern, ignorecase, multiline)?;
    let Some(caps) = re.captures(&text) else {
        return Ok(Value::from(()));
    };
    if groups.is_empty() {
        return Ok(Value::from(caps.get(0).map_or("", |m| m.as_str())));
    }
    let mut out = Vec::new();
    for g in groups.iter() {
        let m = if let Some(name) = g.strip_prefix("\\g<").and_then(|n| n.strip_suffix('>')) {
            match name.parse::<usize>() {
                Ok(i) => caps.get(i),
                Err(_) => caps.name(name),
            }
        } else if let Some(num) = g.strip_prefix('\\') {
            caps.get(num.parse::<usize>().map_err(|_| fail("Unknown argument"))?)
        } else {
            return Err(fail("Unknown argument"));
        };
        out.push(m.map_or(Value::from(()), |m| Value::from(m.as_str())));
    }
    Ok(Value::from(out))
}

fn regex_findall(
    value: &Value,
    pattern: String,
    multiline: Option<bool>,
    ignorecase: Option<bool>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let multiline = kwargs
        .get::<Option<bool>>("multiline")?
        .or(multiline)
        .unwrap_or(false);
    let ignorecase = kwargs
        .get::<Option<bool>>("ignorecase")?
        .or(ignorecase)
        .unwrap_or(false);
    kwargs.assert_all_used()?;
    let text = py_str(value);
    let re = compile(&pattern, ignorecase, multiline)?;
    let ngroups = re.captures_len() - 1;
    let mut out = Vec::new();
    for caps in re.captures_iter(&text) {
        let group = |i: usize| Value::from(caps.get(i).map_or("", |m| m.as_str()));
        out.push(match ngroups {
            0 => group(0),
            1 => group(1),
            n => Value::from((1..=n).map(group).collect::<Vec<_>>()),
        });
    }
    Ok(Value::from(out))
}

/// Python's `re.escape` (3.7+): escapes every character that is special in a pattern.
pub(crate) fn py_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "()[]{}?*+-|^$\\.&~# \t\n\r\x0b\x0c".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn regex_escape(value: &Value, re_type: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let re_type = kwargs.get::<Option<String>>("re_type")?.or(re_type);
    kwargs.assert_all_used()?;
    let s = py_str(value);
    match re_type.as_deref().unwrap_or("python") {
        "python" => Ok(py_escape(&s)),
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
