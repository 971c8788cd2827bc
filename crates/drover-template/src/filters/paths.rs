//! Path and shell filters with Python's `os.path` semantics: `basename`, `dirname`,
//! `expanduser`, `expandvars`, `realpath`, `relpath`, `splitext`, `path_join`, `normpath`,
//! `commonpath`, `win_basename`, `win_dirname`, `quote`, `fileglob`, `urldecode`, `urlsplit`.

use super::core::fail;
use crate::convert::py_str;
use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error, State};
use std::path::Path;

pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("basename", |v: &Value| basename(&py_str(v)).to_owned());
    env.add_filter("dirname", |v: &Value| dirname(&py_str(v)).to_owned());
    env.add_filter("expanduser", |state: &State, v: &Value| {
        expanduser(state, &py_str(v))
    });
    env.add_filter("expandvars", |state: &State, v: &Value| {
        expandvars(state, &py_str(v))
    });
    env.add_filter("realpath", |v: &Value| realpath(&py_str(v)));
    env.add_filter(
        "relpath",
        |v: &Value, start: Option<String>, kwargs: Kwargs| -> Result<String, Error> {
            let start = kwargs.get::<Option<String>>("start")?.or(start);
            kwargs.assert_all_used()?;
            Ok(relpath(&py_str(v), start.as_deref()))
        },
    );
    env.add_filter("splitext", |v: &Value| {
        let (a, b) = splitext(&py_str(v));
        crate::convert::Tuple::value(vec![Value::from(a), Value::from(b)])
    });
    env.add_filter("path_join", path_join);
    env.add_filter("normpath", |v: &Value| normpath(&py_str(v)));
    env.add_filter("commonpath", commonpath);
    env.add_filter("win_basename", |v: &Value| {
        let s = py_str(v);
        s.rsplit(['\\', '/']).next().unwrap_or_default().to_owned()
    });
    env.add_filter("win_dirname", |v: &Value| {
        let s = py_str(v);
        match s.rfind(['\\', '/']) {
            Some(i) => {
                let head = &s[..=i];
                let trimmed = head.trim_end_matches(['\\', '/']);
                if trimmed.is_empty() || trimmed.ends_with(':') {
                    head.to_owned()
                } else {
                    trimmed.to_owned()
                }
            }
            None => String::new(),
        }
    });
    env.add_filter("quote", |v: &Value| {
        drover_python::shlex::quote(&if v.is_none() {
            String::new()
        } else {
            py_str(v)
        })
    });
    env.add_filter("fileglob", |v: &Value| Value::from(fileglob(&py_str(v))));
    env.add_filter("urldecode", |v: &Value| urldecode(&py_str(v)));
    env.add_filter("urlsplit", urlsplit);
}

/// `os.path.basename`.
pub(crate) fn basename(p: &str) -> &str {
    match p.rfind('/') {
        Some(i) => &p[i + 1..],
        None => p,
    }
}

/// `os.path.dirname`.
pub(crate) fn dirname(p: &str) -> &str {
    match p.rfind('/') {
        Some(i) => {
            let head = &p[..i + 1];
            let trimmed = head.trim_end_matches('/');
            if trimmed.is_empty() { head } else { trimmed }
        }
        None => "",
    }
}

fn home_of(user: &str) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 5 && f[0] == user).then(|| f[5].to_owned())
    })
}

/// A controller environment variable, as the binary passed them in.
pub(crate) fn controller_var(state: &State, name: &str) -> Option<String> {
    crate::env::root(state)?.controller_env.get(name).cloned()
}

fn current_user_home() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_owned();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 5 && f[2] == uid).then(|| f[5].to_owned())
    })
}

/// `os.path.expanduser` on the controller.
pub(crate) fn expanduser(state: &State, p: &str) -> String {
    let Some(rest) = p.strip_prefix('~') else {
        return p.to_owned();
    };
    let (user, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let home = if user.is_empty() {
        controller_var(state, "HOME").or_else(current_user_home)
    } else {
        home_of(user)
    };
    match home {
        Some(h) => {
            let h = if h.len() > 1 {
                h.trim_end_matches('/')
            } else {
                &h
            };
            format!("{h}{tail}")
        }
        None => p.to_owned(),
    }
}

/// `os.path.expandvars`: `$NAME` and `${NAME}` from the controller's environment.
pub(crate) fn expandvars(state: &State, p: &str) -> String {
    let re = regex::Regex::new(r"\$(\w+|\{[^}]*\})").expect("valid regex");
    re.replace_all(p, |c: &regex::Captures<'_>| {
        let name = c[1].trim_start_matches('{').trim_end_matches('}');
        controller_var(state, name).unwrap_or_else(|| c[0].to_owned())
    })
    .into_owned()
}

/// `os.path.normpath`.
pub(crate) fn normpath(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let initial = if p.starts_with("//") && !p.starts_with("///") {
        2
    } else if p.starts_with('/') {
        1
    } else {
        0
    };
    let mut parts: Vec<&str> = Vec::new();
    for comp in p.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if initial == 0 && (parts.is_empty() || parts.last() == Some(&"..")) {
                    parts.push("..");
                } else if !parts.is_empty() {
                    parts.pop();
                }
            }
            c => parts.push(c),
        }
    }
    let joined = parts.join("/");
    let out = format!("{}{}", "/".repeat(initial), joined);
    if out.is_empty() { ".".into() } else { out }
}

/// `os.path.realpath` on the controller (falls back to the normalised absolute path).
pub(crate) fn realpath(p: &str) -> String {
    match std::fs::canonicalize(p) {
        Ok(c) => c.display().to_string(),
        Err(_) => {
            let abs = if p.starts_with('/') {
                p.to_owned()
            } else {
                format!(
                    "{}/{p}",
                    std::env::current_dir()
                        .map(|d| d.display().to_string())
                        .unwrap_or_default()
                )
            };
            normpath(&abs)
        }
    }
}

fn abspath(p: &str) -> String {
    if p.starts_with('/') {
        normpath(p)
    } else {
        normpath(&format!(
            "{}/{p}",
            std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        ))
    }
}

/// `os.path.relpath(path, start='.')`.
pub(crate) fn relpath(p: &str, start: Option<&str>) -> String {
    let target = abspath(p);
    let base = abspath(start.unwrap_or("."));
    let t: Vec<&str> = target.split('/').filter(|s| !s.is_empty()).collect();
    let b: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<&str> = vec![".."; b.len() - common];
    parts.extend(&t[common..]);
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// `os.path.splitext`.
pub(crate) fn splitext(p: &str) -> (String, String) {
    let base_start = p.rfind('/').map_or(0, |i| i + 1);
    let base = &p[base_start..];
    let leading = base.len() - base.trim_start_matches('.').len();
    match base.rfind('.') {
        Some(i) if i >= leading => (p[..base_start + i].to_owned(), base[i..].to_owned()),
        _ => (p.to_owned(), String::new()),
    }
}

/// `path_join`: a string as it is, a list as `os.path.join(*paths)` (of strings only, at
/// least one); anything else is an error.
fn path_join(paths: &Value) -> Result<String, Error> {
    if let Some(s) = paths.as_str() {
        return Ok(s.to_owned());
    }
    let parts = path_strings(paths, "path_join", "join")?;
    if parts.is_empty() {
        return Err(fail("join() missing 1 required positional argument: 'a'"));
    }
    let mut out = String::new();
    for part in parts {
        if part.starts_with('/') || out.is_empty() {
            out = part;
        } else if out.ends_with('/') {
            out.push_str(&part);
        } else {
            out.push('/');
            out.push_str(&part);
        }
    }
    Ok(out)
}

/// The strings of a list (ansible-core's `is_sequence`: not a string, not a mapping) given to
/// the path filter `filter`, which hands them to Python's `os.path.<func>`.
fn path_strings(paths: &Value, filter: &str, func: &str) -> Result<Vec<String>, Error> {
    if paths.kind() != ValueKind::Seq {
        return Err(fail(format!(
            "|{filter} expects sequence, got <class '{}'> instead.",
            super::core::type_name(paths)
        )));
    }
    let mut out = Vec::new();
    for p in paths.try_iter()? {
        match p.as_str() {
            Some(s) => out.push(s.to_owned()),
            None => {
                return Err(fail(format!(
                    "{func}() argument must be str, bytes, or os.PathLike object, not '{}'",
                    super::core::type_name(&p)
                )));
            }
        }
    }
    Ok(out)
}

fn commonpath(paths: &Value) -> Result<String, Error> {
    let list = path_strings(paths, "commonpath", "commonpath")?;
    if list.is_empty() {
        return Err(fail("commonpath() arg is an empty sequence"));
    }
    let abs = list[0].starts_with('/');
    if list.iter().any(|p| p.starts_with('/') != abs) {
        return Err(fail("Can't mix absolute and relative paths"));
    }
    let split: Vec<Vec<&str>> = list
        .iter()
        .map(|p| {
            p.split('/')
                .filter(|s| !s.is_empty() && *s != ".")
                .collect()
        })
        .collect();
    let mut common: Vec<&str> = split[0].clone();
    for s in &split[1..] {
        let n = common.iter().zip(s).take_while(|(a, b)| a == b).count();
        common.truncate(n);
    }
    Ok(format!(
        "{}{}",
        if abs { "/" } else { "" },
        common.join("/")
    ))
}

/// Files (not directories) matching a glob pattern on the controller, sorted as Python's glob
/// lists them (directory order is not stable, so sorted here).
pub(crate) fn fileglob(pattern: &str) -> Vec<String> {
    let mut out = Vec::new();
    glob_into(
        Path::new(if pattern.starts_with('/') { "/" } else { "" }),
        &pattern
            .split('/')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>(),
        &mut out,
    );
    out.retain(|p| Path::new(p).is_file());
    out.sort();
    out
}

fn glob_into(base: &Path, parts: &[&str], out: &mut Vec<String>) {
    let Some((first, rest)) = parts.split_first() else {
        out.push(base.display().to_string());
        return;
    };
    if !first.contains(['*', '?', '[']) {
        let next = base.join(first);
        if rest.is_empty() {
            if next.exists() {
                out.push(next.display().to_string());
            }
        } else if next.is_dir() {
            glob_into(&next, rest, out);
        }
        return;
    }
    let dir = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        if name.starts_with('.') && !first.starts_with('.') {
            continue;
        }
        if glob_match(first, &name) {
            glob_into(&base.join(&name), rest, out);
        }
    }
}

/// fnmatch-style matching of one path component: `*`, `?`, `[abc]`, `[!abc]`, `[a-z]`.
pub(crate) fn glob_match(pattern: &str, name: &str) -> bool {
    fn m(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| m(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && m(&p[1..], &n[1..]),
            Some('[') => {
                let Some(end) = p.iter().skip(1).position(|c| *c == ']').map(|i| i + 1) else {
                    return n.first() == Some(&'[') && m(&p[1..], &n[1..]);
                };
                let Some(c) = n.first() else { return false };
                let set = &p[1..end];
                let (neg, set) = match set.first() {
                    Some('!') => (true, &set[1..]),
                    _ => (false, set),
                };
                let mut hit = false;
                let mut i = 0;
                while i < set.len() {
                    if i + 2 < set.len() && set[i + 1] == '-' {
                        hit |= set[i] <= *c && *c <= set[i + 2];
                        i += 3;
                    } else {
                        hit |= set[i] == *c;
                        i += 1;
                    }
                }
                hit != neg && m(&p[end + 1..], &n[1..])
            }
            Some(pc) => n.first() == Some(pc) && m(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    m(&p, &n)
}

/// `urllib.parse.unquote_plus`-like decoding of `%XX` and `+`.
pub(crate) fn urldecode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hexval = |c: u8| (c as char).to_digit(16);
                match (hexval(bytes[i + 1]), hexval(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn urlsplit(url: String, query: Option<String>) -> Result<Value, Error> {
    let (scheme, rest) = match url.find(':') {
        Some(i)
            if url[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && i > 0 =>
        {
            (url[..i].to_lowercase(), &url[i + 1..])
        }
        _ => (String::new(), url.as_str()),
    };
    let (netloc, rest) = match rest.strip_prefix("//") {
        Some(r) => {
            let end = r.find(['/', '?', '#']).unwrap_or(r.len());
            (&r[..end], &r[end..])
        }
        None => ("", rest),
    };
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (path, q) = rest.split_once('?').unwrap_or((rest, ""));
    let userinfo = netloc.rsplit_once('@').map(|(u, _)| u);
    let hostport = netloc.rsplit_once('@').map_or(netloc, |(_, h)| h);
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h, p.parse::<i64>().ok()),
        _ => (hostport, None),
    };
    let (username, password) = match userinfo {
        Some(u) => match u.split_once(':') {
            Some((a, b)) => (Value::from(a), Value::from(b)),
            None => (Value::from(u), Value::from(())),
        },
        None => (Value::from(()), Value::from(())),
    };
    let fields: Vec<(&str, Value)> = vec![
        ("fragment", Value::from(fragment)),
        (
            "hostname",
            if host.is_empty() {
                Value::from(())
            } else {
                Value::from(host.to_lowercase())
            },
        ),
        ("netloc", Value::from(netloc)),
        ("password", password),
        ("path", Value::from(path)),
        ("port", port.map_or(Value::from(()), Value::from)),
        ("query", Value::from(q)),
        ("scheme", Value::from(scheme)),
        ("username", username),
    ];
    match query {
        None => Ok(crate::convert::map_value(
            fields.into_iter().map(|(k, v)| (Value::from(k), v)),
        )),
        Some(q) => fields
            .into_iter()
            .find(|(k, _)| *k == q)
            .map(|(_, v)| v)
            .ok_or_else(|| fail(format!("urlsplit: unknown URL component: {q}"))),
    }
}

#[cfg(test)]
mod tests {
    use crate::Templates;
    use drover_types::{Templar, Vars};

    /// ansible-core 2.19 hands `path_join` and `commonpath` lists of strings to os.path.
    #[test]
    fn path_join_and_commonpath_take_lists_of_strings() {
        let t = Templates::new();
        let v = Vars::new();
        let r = |s: &str| t.render(s, &v);
        assert_eq!(r("{{ ['a', '/b', 'c'] | path_join }}"), Ok("/b/c".into()));
        assert_eq!(r("{{ 'a/b' | path_join }}"), Ok("a/b".into()));
        assert_eq!(
            r("{{ ['a/./b/', 'a/b/c'] | commonpath }}"),
            Ok("a/b".into())
        );
        for src in [
            "{{ [] | path_join }}",
            "{{ ['a', 1] | path_join }}",
            "{{ 5 | path_join }}",
            "{{ {'a': 1} | path_join }}",
            "{{ 'a/b' | commonpath }}",
            "{{ ['a', 1] | commonpath }}",
        ] {
            assert!(r(src).is_err(), "{src} should fail: {:?}", r(src));
        }
    }
}
