//! Path and shell filters with Python's `os.path` semantics: `basename`, `dirname`,
//! `expanduser`, `expandvars`, `realpath`, `relpath`, `splitext`, `path_join`, `normpath`,
//! `commonpath`, `win_basename`, `win_dirname`, `quote`, `fileglob`, `urldecode`, `urlsplit`.

use super::core::{fail, type_name};
use super::pytypes::{path, str_for_method};
use crate::convert::py_str;
use crate::filters::registry::Registry;
use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Error, State};
use std::path::Path;

pub(crate) fn register(env: &mut Registry) {
    env.add_filter("basename", |v: &Value| Ok(basename(&path(v)?).to_owned()));
    env.add_filter("dirname", |v: &Value| Ok(dirname(&path(v)?).to_owned()));
    env.add_filter("expanduser", |state: &State, v: &Value| {
        Ok(expanduser(state, &path(v)?))
    });
    env.add_filter("expandvars", |state: &State, v: &Value| {
        Ok(expandvars(state, &path(v)?))
    });
    env.add_filter("realpath", |v: &Value| Ok(realpath(&path(v)?)));
    env.add_filter(
        "relpath",
        |v: &Value, start: Option<String>, kwargs: Kwargs| -> Result<String, Error> {
            let start = kwargs.get::<Option<String>>("start")?.or(start);
            kwargs.assert_all_used()?;
            if v.is_none() {
                return Err(fail("no path specified"));
            }
            Ok(relpath(&path(v)?, start.as_deref()))
        },
    );
    env.add_filter("splitext", |v: &Value| {
        let (a, b) = splitext(&path(v)?);
        Ok::<_, Error>(crate::convert::Tuple::value(vec![
            Value::from(a),
            Value::from(b),
        ]))
    });
    env.add_filter("path_join", path_join);
    env.add_filter("normpath", |v: &Value| Ok(normpath(&path(v)?)));
    env.add_filter("commonpath", commonpath);
    env.add_filter("win_basename", |v: &Value| {
        let s = path(v)?;
        let (_, rest) = win_splitdrive(&s);
        Ok(rest
            .rsplit(['\\', '/'])
            .next()
            .unwrap_or_default()
            .to_owned())
    });
    env.add_filter("win_dirname", |v: &Value| -> Result<String, Error> {
        Ok(win_dirname(&path(v)?))
    });
    env.add_filter("quote", |v: &Value| {
        drover_python::shlex::quote(&if v.is_none() {
            String::new()
        } else {
            py_str(v)
        })
    });
    env.add_filter("fileglob", |v: &Value| -> Result<Value, Error> {
        // glob.glob indexes a value that is not a string before it asks for a path.
        match v.kind() {
            ValueKind::String | ValueKind::Bytes | ValueKind::Seq | ValueKind::Iterable => {
                Ok(Value::from(fileglob(&path(v)?)))
            }
            ValueKind::Map => Err(fail("unhashable type: 'slice'")),
            _ => Err(fail(format!(
                "'{}' object is not subscriptable",
                type_name(v)
            ))),
        }
    });
    env.add_filter("urldecode", |v: &Value| {
        Ok(urldecode(&str_for_method(v, "replace")?))
    });
    env.add_filter("urlsplit", urlsplit);
}

/// `ntpath.splitdrive` (Python 3.11): a drive letter (`C:`), or a UNC share (two slashes, a
/// server and a share, or the long `?\\UNC\\` form), with either slash.
fn win_splitdrive(p: &str) -> (&str, &str) {
    let norm = p.replace('/', "\\");
    if norm.starts_with("\\\\") {
        let start = if norm
            .get(..8)
            .is_some_and(|u| u.eq_ignore_ascii_case("\\\\?\\UNC\\"))
        {
            8
        } else {
            2
        };
        let Some(i) = norm[start..].find('\\').map(|i| i + start) else {
            return (p, "");
        };
        let Some(j) = norm[i + 1..].find('\\').map(|j| j + i + 1) else {
            return (p, "");
        };
        return p.split_at(j);
    }
    if norm.get(1..2) == Some(":") {
        return p.split_at(2);
    }
    ("", p)
}

/// `ntpath.dirname`: the drive, then the head without its trailing slashes (unless that is
/// all it is).
fn win_dirname(p: &str) -> String {
    let (drive, rest) = win_splitdrive(p);
    let i = rest.rfind(['\\', '/']).map_or(0, |i| i + 1);
    let head = &rest[..i];
    let trimmed = head.trim_end_matches(['\\', '/']);
    format!("{drive}{}", if trimmed.is_empty() { head } else { trimmed })
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
            // os.path.join names itself; commonpath fails in os.fspath first.
            None if func == "join" => {
                return Err(fail(format!(
                    "join() argument must be str, bytes, or os.PathLike object, not '{}'",
                    super::core::type_name(&p)
                )));
            }
            None => {
                return Err(fail(format!(
                    "expected str, bytes or os.PathLike object, not {}",
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

fn urlsplit(url: &Value, query: Option<String>) -> Result<Value, Error> {
    // Python's urlsplit decodes anything but a string as bytes: a number fails, and a falsy
    // value gives a bytes result that ansible-core cannot store.
    // urllib's urlsplit caches by its arguments: a list or dict is unhashable first.
    super::pytypes::hashable(url)?;
    let Some(url) = url.as_str() else {
        return Err(fail(if url.is_true() {
            format!(
                "'{}' object has no attribute 'decode'",
                super::core::type_name(url)
            )
        } else {
            "Type 'method' is unsupported for variable storage.".to_owned()
        }));
    };
    // Python strips leading C0 controls and spaces, and removes tabs and newlines anywhere.
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let (scheme, rest) = match url.find(':') {
        Some(i)
            if url[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && url.starts_with(|c: char| c.is_ascii_alphabetic()) =>
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
    match query.filter(|q| !q.is_empty()) {
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
    use drover_types::{Map, Templar, Value, Vars};

    /// Expected values from Python 3.11's ntpath and urllib.parse.
    #[test]
    fn windows_paths_and_urls_follow_python() {
        let t = Templates::new();
        let mut v = Map::new();
        for (name, path) in [
            ("unc", r"\\server\share\f"),
            ("root", r"\\server\share"),
            ("long", r"\\?\UNC\srv\sh\x"),
            ("drive", "C:f"),
        ] {
            v.insert(name.into(), Value::from(path));
        }
        let v = Vars::from(v);
        let cases: &[(&str, Value)] = &[
            ("{{ unc | win_dirname }}", Value::from(r"\\server\share\")),
            ("{{ root | win_dirname }}", Value::from(r"\\server\share")),
            ("{{ root | win_basename }}", Value::from("")),
            ("{{ long | win_dirname }}", Value::from(r"\\?\UNC\srv\sh\")),
            ("{{ drive | win_dirname }}", Value::from("C:")),
            ("{{ drive | win_basename }}", Value::from("f")),
            ("{{ '  a\tb' | urlsplit('path') }}", Value::from("ab")),
            ("{{ '1a:b' | urlsplit('scheme') }}", Value::from("")),
            ("{{ 'x' | urlsplit('') | length }}", Value::from(9)),
        ];
        for (src, want) in cases {
            assert_eq!(
                &t.render(src, &v).unwrap_or_else(|e| panic!("{src}: {e}")),
                want,
                "{src}"
            );
        }
        for src in ["{{ 0 | urlsplit }}", "{{ 5 | urlsplit('path') }}"] {
            assert!(t.render(src, &v).is_err(), "{src}");
        }
    }

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
