//! Python methods on values (`x.split(',')`, `d.items()`, `s.startswith('a')`...), which Ansible
//! playbooks call because Jinja runs on Python objects. minijinja asks this callback for any
//! method it does not know.

use crate::convert::py_str;
use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind, State};

fn arg_str(args: &[Value], i: usize) -> Option<String> {
    args.get(i)
        .filter(|v| !v.is_none() && !v.is_undefined())
        .map(py_str)
}

fn bad(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// The unknown-method callback: Python's `str`, `dict` and `list` methods.
pub(crate) fn call_method(
    _state: &mut State<'_, '_>,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    match value.kind() {
        ValueKind::String => string_method(value.as_str().unwrap_or_default(), method, args),
        ValueKind::Map => map_method(value, method, args),
        ValueKind::Seq => list_method(value, method, args),
        _ => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}

/// Python's `str.split(sep=None, maxsplit=-1)`.
pub(crate) fn py_split(s: &str, sep: Option<&str>, maxsplit: i64) -> Vec<String> {
    let max = if maxsplit < 0 {
        usize::MAX
    } else {
        maxsplit as usize
    };
    match sep {
        None => {
            let mut out = Vec::new();
            let mut rest = s.trim_start();
            while !rest.is_empty() {
                if out.len() == max {
                    out.push(rest.to_owned());
                    return out;
                }
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                out.push(rest[..end].to_owned());
                rest = rest[end..].trim_start();
            }
            out
        }
        Some(sep) => {
            if max == usize::MAX {
                s.split(sep).map(str::to_owned).collect()
            } else {
                s.splitn(max.saturating_add(1), sep)
                    .map(str::to_owned)
                    .collect()
            }
        }
    }
}

/// Unicode's titlecase letters (category Lt), which Python counts as cased but neither lower
/// nor upper case.
fn is_titlecase(c: char) -> bool {
    matches!(c, '\u{1C5}' | '\u{1C8}' | '\u{1CB}' | '\u{1F2}' | '\u{1F88}'..='\u{1F8F}'
        | '\u{1F98}'..='\u{1F9F}' | '\u{1FA8}'..='\u{1FAF}' | '\u{1FBC}' | '\u{1FCC}' | '\u{1FFC}')
}

/// Python's cased characters: lower, upper or title case.
pub(crate) fn is_cased(c: char) -> bool {
    c.is_lowercase() || c.is_uppercase() || is_titlecase(c)
}

/// A character's title case as Python's `str.title()`/`capitalize()` give it: the upper case,
/// except for the 135 characters where Unicode's title case differs (digraphs, ligatures, `ß`,
/// Greek with ypogegrammeni, Georgian Mkhedruli, which is its own title case).
pub(crate) fn py_titlecase(c: char) -> String {
    let special: &[u32] = match c {
        '\u{DF}' => &[0x53, 0x73],
        '\u{1C4}' => &[0x1C5],
        '\u{1C6}' => &[0x1C5],
        '\u{1C7}' => &[0x1C8],
        '\u{1C9}' => &[0x1C8],
        '\u{1CA}' => &[0x1CB],
        '\u{1CC}' => &[0x1CB],
        '\u{1F1}' => &[0x1F2],
        '\u{1F3}' => &[0x1F2],
        '\u{587}' => &[0x535, 0x582],
        '\u{1FB2}' => &[0x1FBA, 0x345],
        '\u{1FB3}' => &[0x1FBC],
        '\u{1FB4}' => &[0x386, 0x345],
        '\u{1FB7}' => &[0x391, 0x342, 0x345],
        '\u{1FC2}' => &[0x1FCA, 0x345],
        '\u{1FC3}' => &[0x1FCC],
        '\u{1FC4}' => &[0x389, 0x345],
        '\u{1FC7}' => &[0x397, 0x342, 0x345],
        '\u{1FF2}' => &[0x1FFA, 0x345],
        '\u{1FF3}' => &[0x1FFC],
        '\u{1FF4}' => &[0x38F, 0x345],
        '\u{1FF7}' => &[0x3A9, 0x342, 0x345],
        '\u{FB00}' => &[0x46, 0x66],
        '\u{FB01}' => &[0x46, 0x69],
        '\u{FB02}' => &[0x46, 0x6C],
        '\u{FB03}' => &[0x46, 0x66, 0x69],
        '\u{FB04}' => &[0x46, 0x66, 0x6C],
        '\u{FB05}' => &[0x53, 0x74],
        '\u{FB06}' => &[0x53, 0x74],
        '\u{FB13}' => &[0x544, 0x576],
        '\u{FB14}' => &[0x544, 0x565],
        '\u{FB15}' => &[0x544, 0x56B],
        '\u{FB16}' => &[0x54E, 0x576],
        '\u{FB17}' => &[0x544, 0x56D],
        '\u{1C5}'
        | '\u{1C8}'
        | '\u{1CB}'
        | '\u{1F2}'
        | '\u{10D0}'..='\u{10FA}'
        | '\u{10FD}'..='\u{10FF}'
        | '\u{1F88}'..='\u{1F8F}'
        | '\u{1F98}'..='\u{1F9F}'
        | '\u{1FA8}'..='\u{1FAF}'
        | '\u{1FBC}'
        | '\u{1FCC}'
        | '\u{1FFC}' => return c.to_string(),
        '\u{1F80}'..='\u{1F87}' | '\u{1F90}'..='\u{1F97}' | '\u{1FA0}'..='\u{1FA7}' => {
            return char::from_u32(u32::from(c) + 8).map_or_else(String::new, String::from);
        }
        _ => return c.to_uppercase().collect(),
    };
    special.iter().filter_map(|&u| char::from_u32(u)).collect()
}

/// Python's `str.islower()`: some cased character, and none upper or title case.
pub(crate) fn py_islower(s: &str) -> bool {
    !s.chars().any(|c| c.is_uppercase() || is_titlecase(c)) && s.chars().any(char::is_lowercase)
}

/// Python's `str.isupper()`: some cased character, and none lower or title case.
pub(crate) fn py_isupper(s: &str) -> bool {
    !s.chars().any(|c| c.is_lowercase() || is_titlecase(c)) && s.chars().any(char::is_uppercase)
}

fn string_method(s: &str, method: &str, args: &[Value]) -> Result<Value, Error> {
    let chars = arg_str(args, 0);
    Ok(match method {
        "split" => {
            let max = args.get(1).and_then(Value::as_i64).unwrap_or(-1);
            Value::from(py_split(s, chars.as_deref(), max))
        }
        "rsplit" => {
            let max = args.get(1).and_then(Value::as_i64).unwrap_or(-1);
            match (chars.as_deref(), max) {
                (Some(sep), m) if m >= 0 => {
                    let mut parts: Vec<String> =
                        s.rsplitn(m as usize + 1, sep).map(str::to_owned).collect();
                    parts.reverse();
                    Value::from(parts)
                }
                (sep, _) => Value::from(py_split(s, sep, -1)),
            }
        }
        "splitlines" => Value::from(s.lines().map(str::to_owned).collect::<Vec<_>>()),
        "startswith" | "endswith" => {
            let prefixes: Vec<String> = match args.first() {
                Some(v) if v.kind() == ValueKind::Seq => {
                    v.try_iter()?.map(|x| py_str(&x)).collect()
                }
                Some(v) => vec![py_str(v)],
                None => return Err(bad(format!("{method}() takes at least 1 argument"))),
            };
            Value::from(prefixes.iter().any(|p| {
                if method == "startswith" {
                    s.starts_with(p.as_str())
                } else {
                    s.ends_with(p.as_str())
                }
            }))
        }
        "strip" => Value::from(match chars {
            Some(c) => s.trim_matches(|x| c.contains(x)).to_owned(),
            None => s.trim().to_owned(),
        }),
        "lstrip" => Value::from(match chars {
            Some(c) => s.trim_start_matches(|x| c.contains(x)).to_owned(),
            None => s.trim_start().to_owned(),
        }),
        "rstrip" => Value::from(match chars {
            Some(c) => s.trim_end_matches(|x| c.contains(x)).to_owned(),
            None => s.trim_end().to_owned(),
        }),
        "lower" => Value::from(s.to_lowercase()),
        "upper" => Value::from(s.to_uppercase()),
        "swapcase" => Value::from(
            s.chars()
                .flat_map(|c| -> Vec<char> {
                    if c.is_lowercase() {
                        c.to_uppercase().collect()
                    } else if c.is_uppercase() {
                        c.to_lowercase().collect()
                    } else {
                        vec![c]
                    }
                })
                .collect::<String>(),
        ),
        "title" => Value::from(crate::filters::core::py_title(s)),
        "capitalize" => Value::from(crate::filters::core::py_capitalize(s)),
        "replace" => {
            let old = arg_str(args, 0).unwrap_or_default();
            let new = arg_str(args, 1).unwrap_or_default();
            match args.get(2).and_then(Value::as_i64) {
                Some(n) if n >= 0 => Value::from(s.replacen(&old, &new, n as usize)),
                _ => Value::from(s.replace(&old, &new)),
            }
        }
        "find" => Value::from(
            chars
                .and_then(|c| s.find(&c).map(|i| s[..i].chars().count() as i64))
                .unwrap_or(-1),
        ),
        "count" => Value::from(chars.map_or(0, |c| {
            if c.is_empty() {
                s.chars().count() + 1
            } else {
                s.matches(&c).count()
            }
        })),
        "join" => {
            let items = args
                .first()
                .ok_or_else(|| bad("join() takes exactly one argument"))?;
            let parts: Vec<String> = items.try_iter()?.map(|x| py_str(&x)).collect();
            Value::from(parts.join(s))
        }
        "isdigit" => Value::from(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
        "isalpha" => Value::from(!s.is_empty() && s.chars().all(char::is_alphabetic)),
        "isalnum" => Value::from(!s.is_empty() && s.chars().all(char::is_alphanumeric)),
        "isspace" => Value::from(!s.is_empty() && s.chars().all(char::is_whitespace)),
        "islower" => Value::from(py_islower(s)),
        "isupper" => Value::from(py_isupper(s)),
        "format" => Value::from(crate::filters::strformat::str_format(s, args)?),
        "center" => {
            let width = match args.first() {
                Some(w) => crate::filters::core::py_index(w)?,
                None => return Err(bad("center expected at least 1 argument, got 0")),
            };
            let width = crate::filters::core::within_limit(usize::try_from(width).unwrap_or(0))?;
            let fill = match args.get(1) {
                Some(f) => match f.as_str() {
                    Some(f) if f.chars().count() == 1 => f.to_owned(),
                    Some(_) => {
                        return Err(bad("The fill character must be exactly one character long"));
                    }
                    None => {
                        return Err(bad(format!(
                            "The fill character must be a unicode character, not {}",
                            crate::filters::core::type_name(f)
                        )));
                    }
                },
                None => " ".to_owned(),
            };
            let len = s.chars().count();
            if len >= width {
                Value::from(s)
            } else {
                // Python puts the odd fill character on the left when the width is odd.
                let total = width - len;
                let left = total / 2 + (total & width & 1);
                Value::from(format!(
                    "{}{s}{}",
                    fill.repeat(left),
                    fill.repeat(total - left)
                ))
            }
        }
        "ljust" | "rjust" => {
            let width = args.first().and_then(Value::as_i64).unwrap_or(0).max(0) as usize;
            let width = crate::filters::core::within_limit(width)?;
            let fill = match args.get(1).and_then(Value::as_str) {
                Some(f) if f.chars().count() == 1 => f.to_owned(),
                Some(_) => {
                    return Err(bad("The fill character must be exactly one character long"));
                }
                None => " ".to_owned(),
            };
            let pad = fill.repeat(width.saturating_sub(s.chars().count()));
            Value::from(if method == "ljust" {
                format!("{s}{pad}")
            } else {
                format!("{pad}{s}")
            })
        }
        "zfill" => {
            let width = args.first().and_then(Value::as_i64).unwrap_or(0).max(0) as usize;
            let width = crate::filters::core::within_limit(width)?;
            let len = s.chars().count();
            if len >= width {
                Value::from(s)
            } else {
                let (sign, digits) = match s.strip_prefix(['-', '+']) {
                    Some(d) => (&s[..1], d),
                    None => ("", s),
                };
                Value::from(format!("{sign}{}{digits}", "0".repeat(width - len)))
            }
        }
        _ => return Err(Error::from(ErrorKind::UnknownMethod)),
    })
}

fn map_method(value: &Value, method: &str, args: &[Value]) -> Result<Value, Error> {
    Ok(match method {
        "items" => {
            let mut out = Vec::new();
            for key in value.try_iter()? {
                let v = value.get_item(&key)?;
                out.push(Value::from(vec![key, v]));
            }
            Value::from(out)
        }
        "keys" => Value::from(value.try_iter()?.collect::<Vec<_>>()),
        "values" => {
            let mut out = Vec::new();
            for key in value.try_iter()? {
                out.push(value.get_item(&key)?);
            }
            Value::from(out)
        }
        "get" => {
            let key = args
                .first()
                .ok_or_else(|| bad("get() takes at least 1 argument"))?;
            let v = value.get_item(key)?;
            if v.is_undefined() {
                args.get(1).cloned().unwrap_or(Value::from(()))
            } else {
                v
            }
        }
        "copy" => value.clone(),
        _ => return Err(Error::from(ErrorKind::UnknownMethod)),
    })
}

fn list_method(value: &Value, method: &str, args: &[Value]) -> Result<Value, Error> {
    let needle = args.first().cloned().unwrap_or_default();
    Ok(match method {
        "index" => {
            let pos = value.try_iter()?.position(|x| x == needle);
            match pos {
                Some(i) => Value::from(i),
                None => return Err(bad(format!("{} is not in list", py_str(&needle)))),
            }
        }
        "count" => Value::from(value.try_iter()?.filter(|x| *x == needle).count()),
        "copy" => value.clone(),
        _ => return Err(Error::from(ErrorKind::UnknownMethod)),
    })
}

#[cfg(test)]
mod tests {
    use crate::Templates;
    use drover_types::{Templar, Value, Vars};

    /// Python 3.11's `c.title()`.
    #[test]
    fn title_case_is_pythons() {
        for (c, want) in [
            ('a', "A"),
            ('ß', "Ss"),
            ('ǆ', "ǅ"),
            ('ǅ', "ǅ"),
            ('ﬃ', "Ffi"),
            ('ა', "ა"),
            ('ᾀ', "ᾈ"),
            ('ᾷ', "\u{391}\u{342}\u{345}"),
            ('և', "Եւ"),
            ('1', "1"),
        ] {
            assert_eq!(super::py_titlecase(c), want, "{c}");
        }
    }

    /// Expected values from CPython 3.11's str methods.
    #[test]
    fn string_methods_follow_python() {
        let t = Templates::new();
        let v = Vars::new();
        let cases: &[(&str, &str)] = &[
            ("{{ 'ab'.center(9, '*') }}", "****ab***"),
            ("{{ 'abc'.center(2) }}", "abc"),
            ("{{ 'ß ǆa ﬁx'.title() }}", "Ss ǅa Fix"),
            ("{{ '日本語abc'.title() }}", "日本語Abc"),
            (
                "{{ [1e+16, 1e-07] | map('replace', 'x', 'y') | join(',') }}",
                "1e+16,1e-07",
            ),
        ];
        for (src, want) in cases {
            assert_eq!(
                t.render(src, &v).unwrap_or_else(|e| panic!("{src}: {e}")),
                Value::from(*want),
                "{src}"
            );
        }
        let err = t.render("{{ 'a'.center(5, '**') }}", &v).unwrap_err();
        assert!(err.message().contains("exactly one character"), "{err}");
    }
}
