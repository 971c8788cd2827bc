//! `lookup()`, `query()`/`q()` and the lookup plugins drover supports: `env`, `file`,
//! `template`, `vars`, `fileglob`, `pipe`, `lines`, `first_found`, `items`, `list`,
//! `indexed_items`, `dict`, `sequence`, `random_choice`.
//!
//! `lookup` follows ansible-core's result rules: with `wantlist=False` an empty list stays a list,
//! a single item is returned alone, several strings are joined with commas, anything else is
//! returned as the list.

use crate::convert::py_str;
use crate::filters::core::fail;
use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error, State};
use std::path::{Path, PathBuf};

/// Registers `lookup`, `query` and `q`.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_function(
        "lookup",
        |state: &State, name: String, terms: Rest<Value>, kwargs: Kwargs| {
            let wantlist = kwargs.get::<Option<bool>>("wantlist")?.unwrap_or(false);
            let result = run(state, &name, &terms, &kwargs)?;
            Ok::<Value, Error>(if wantlist {
                Value::from(result)
            } else {
                collapse(result)
            })
        },
    );
    for name in ["query", "q"] {
        env.add_function(
            name,
            |state: &State, name: String, terms: Rest<Value>, kwargs: Kwargs| {
                let _ = kwargs.get::<Option<bool>>("wantlist")?;
                Ok::<Value, Error>(Value::from(run(state, &name, &terms, &kwargs)?))
            },
        );
    }
}

/// ansible-core's `LookupBase._flatten`: list items spliced in, one level.
fn flatten_once(items: impl IntoIterator<Item = Value>) -> Value {
    let mut out = Vec::new();
    for item in items {
        if item.kind() == ValueKind::Seq {
            out.extend(item.try_iter().into_iter().flatten());
        } else {
            out.push(item);
        }
    }
    Value::from(out)
}

fn collapse(mut items: Vec<Value>) -> Value {
    match items.len() {
        0 => Value::from(items),
        1 => items.pop().unwrap_or_default(),
        _ if items.iter().all(|v| v.kind() == ValueKind::String) => Value::from(
            items
                .iter()
                .map(|v| v.as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => Value::from(items),
    }
}

fn run(state: &State, name: &str, terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let errors = kwargs
        .get::<Option<String>>("errors")?
        .unwrap_or_else(|| "strict".into());
    let name = name.strip_prefix("ansible.builtin.").unwrap_or(name);
    let result = dispatch(state, name, terms, kwargs);
    match result {
        Ok(v) => {
            kwargs.assert_all_used()?;
            Ok(v)
        }
        Err(_) if errors == "ignore" || errors == "warn" => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

fn dispatch(
    state: &State,
    name: &str,
    terms: &[Value],
    kwargs: &Kwargs,
) -> Result<Vec<Value>, Error> {
    let strings = || terms.iter().map(py_str).collect::<Vec<_>>();
    Ok(match name {
        "env" => {
            let default: Option<String> = kwargs.get("default")?;
            strings()
                .iter()
                .map(|t| {
                    Value::from(
                        crate::filters::paths::controller_var(state, t)
                            .or_else(|| default.clone())
                            .unwrap_or_default(),
                    )
                })
                .collect()
        }
        "file" => {
            let rstrip = kwargs.get::<Option<bool>>("rstrip")?.unwrap_or(true);
            let lstrip = kwargs.get::<Option<bool>>("lstrip")?.unwrap_or(false);
            let mut out = Vec::new();
            for t in strings() {
                let path = find_file(state, Some("files"), &t).ok_or_else(|| {
                    fail(format!(
                        "The 'file' lookup had an issue accessing the file '{t}'"
                    ))
                })?;
                let text = read_text(&path)?;
                let text = if rstrip { text.trim_end() } else { &text };
                let text = if lstrip { text.trim_start() } else { text };
                out.push(Value::from(text));
            }
            out
        }
        // The file's text as it is (decrypted when vault-encrypted), no stripping.
        "unvault" => {
            let mut out = Vec::new();
            for t in strings() {
                let path = find_file(state, Some("files"), &t)
                    .ok_or_else(|| fail(format!("Unable to find file matching \"{t}\" ")))?;
                out.push(Value::from(read_text(&path)?));
            }
            out
        }
        "template" => {
            let _: Option<bool> = kwargs.get("convert_data")?;
            let template_vars: Option<Value> = kwargs.get("template_vars")?;
            let root = crate::env::root(state)
                .ok_or_else(|| fail("template lookup needs the variables"))?;
            let mut out = Vec::new();
            for t in strings() {
                let path = find_file(state, Some("templates"), &t).ok_or_else(|| {
                    fail(format!(
                        "the template file {t} could not be found for the lookup"
                    ))
                })?;
                let text = read_text(&path)?;
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                let env = crate::with_loader(&root.env, dir, "\n");
                let body = crate::render::with_line_breaks(&text, "\n");
                let body = crate::chain::rewrite_chains(&body);
                let ctx = Value::from_dyn_object(root.clone());
                let ctx = match &template_vars {
                    Some(extra) if extra.kind() == ValueKind::Map => {
                        minijinja::value::merge_maps([extra.clone(), ctx])
                    }
                    _ => ctx,
                };
                let name = path.display().to_string();
                let template = env.template_from_named_str(&name, &body)?;
                out.push(match crate::render::render_or_none(&template, ctx)? {
                    Some(rendered) => Value::from(crate::render::restore_trailing_newlines(
                        &text, &rendered, "\n",
                    )),
                    None => Value::from(()),
                });
            }
            out
        }
        "vars" => {
            let default: Option<Value> = kwargs.get("default")?;
            let mut out = Vec::new();
            for t in strings() {
                match state.lookup(&t).filter(|v| !v.is_undefined()) {
                    Some(v) => out.push(v),
                    // ansible-core 2.19 gives an undefined value: an error once it is used,
                    // but `is defined` and `default` see it as undefined.
                    None => out.push(default.clone().unwrap_or(Value::UNDEFINED)),
                }
            }
            out
        }
        "fileglob" => {
            let mut out = Vec::new();
            for t in strings() {
                let pattern = if t.starts_with('/') {
                    t.clone()
                } else {
                    let dir = search_dirs(state)
                        .into_iter()
                        .map(|d| d.join("files"))
                        .find(|d| d.is_dir())
                        .unwrap_or_else(|| PathBuf::from("."));
                    dir.join(&t).display().to_string()
                };
                out.extend(
                    crate::filters::paths::fileglob(&pattern)
                        .into_iter()
                        .map(Value::from),
                );
            }
            out
        }
        "pipe" | "lines" => {
            let mut out = Vec::new();
            for t in strings() {
                let output = std::process::Command::new("/bin/sh")
                    .arg("-c")
                    .arg(&t)
                    .current_dir(var_string(state, "playbook_dir").unwrap_or_else(|| ".".into()))
                    .output()
                    .map_err(|e| fail(format!("lookup_plugin.{name}({t}) failed: {e}")))?;
                if !output.status.success() {
                    return Err(fail(format!(
                        "lookup_plugin.{name}({t}) returned {}",
                        output.status.code().unwrap_or(-1)
                    )));
                }
                let text = String::from_utf8_lossy(&output.stdout).into_owned();
                if name == "pipe" {
                    out.push(Value::from(text.trim_end()));
                } else {
                    out.extend(text.lines().map(Value::from));
                }
            }
            out
        }
        "first_found" => first_found(state, terms, kwargs)?,
        "items" => {
            let mut out = Vec::new();
            for t in terms {
                if t.kind() == ValueKind::Seq {
                    out.extend(t.try_iter()?);
                } else {
                    out.push(t.clone());
                }
            }
            out
        }
        "list" => terms.to_vec(),
        "indexed_items" => {
            let items = flat(terms)?;
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| crate::convert::Tuple::value(vec![Value::from(i), v]))
                .collect()
        }
        "dict" => {
            let mut out = Vec::new();
            for t in terms {
                if t.kind() != ValueKind::Map {
                    return Err(fail("with_dict expects a dict"));
                }
                for k in t.try_iter()? {
                    let v = t.get_item(&k)?;
                    out.push(crate::convert::map_value([
                        (Value::from("key"), k),
                        (Value::from("value"), v),
                    ]));
                }
            }
            out
        }
        "sequence" => sequence(terms, kwargs)?,
        "together" => {
            if terms.is_empty() {
                return Err(fail(
                    "with_together requires at least one element in each list",
                ));
            }
            let lists: Vec<Vec<Value>> = terms
                .iter()
                .map(|t| t.try_iter().map(Iterator::collect))
                .collect::<Result<_, _>>()?;
            let n = lists.iter().map(Vec::len).max().unwrap_or(0);
            (0..n)
                .map(|i| {
                    flatten_once(
                        lists
                            .iter()
                            .map(|l| l.get(i).cloned().unwrap_or(Value::from(()))),
                    )
                })
                .collect()
        }
        "nested" | "cartesian" => {
            let Some((first, rest)) = terms.split_first() else {
                return Err(fail(
                    "with_nested requires at least one element in the nested list",
                ));
            };
            // ansible-core's `_combine`: each pair is flattened one level, so a list item of a
            // term is spliced into the combination, then each combination once more.
            let mut result: Vec<Value> = first.try_iter()?.collect();
            for t in rest {
                let pool: Vec<Value> = t.try_iter()?.collect();
                result = result
                    .iter()
                    .flat_map(|x| {
                        pool.iter()
                            .map(move |y| flatten_once([x.clone(), y.clone()]))
                    })
                    .collect();
            }
            result
                .iter()
                .map(|x| Ok(flatten_once(x.try_iter()?)))
                .collect::<Result<_, Error>>()?
        }
        "subelements" => {
            let data = terms.first().cloned().unwrap_or_default();
            let key = terms.get(1).cloned().unwrap_or_default();
            let skip = terms
                .get(2)
                .and_then(|f| f.get_attr("skip_missing").ok())
                .is_some_and(|v| v.is_true());
            let pairs = crate::filters::collections::subelements_of(&data, &key, skip)?;
            // The lookup (unlike the filter) takes the sub-list out of the parent it gives
            // as `item.0`, as ansible-core's `pop` does.
            let path: Vec<String> = match key.as_str() {
                Some(k) => k.split('.').map(str::to_owned).collect(),
                None => Vec::new(),
            };
            let mut out = Vec::new();
            for pair in pairs.try_iter()? {
                let parent = pair.get_item(&Value::from(0))?;
                let child = pair.get_item(&Value::from(1))?;
                let mut plain = crate::convert::to_plain(&parent)?;
                without_path(&mut plain, &path);
                out.push(Value::from(vec![crate::convert::from_plain(&plain), child]));
            }
            out
        }
        "random_choice" => {
            let items = flat(terms)?;
            if items.is_empty() {
                Vec::new()
            } else {
                let r = getrandom::u64().map_err(|e| fail(format!("random_choice: {e}")))?;
                vec![items[(r % items.len() as u64) as usize].clone()]
            }
        }
        other => return Err(fail(format!("lookup plugin ({other}) not found"))),
    })
}

fn flat(terms: &[Value]) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for t in terms {
        if t.kind() == ValueKind::Seq {
            out.extend(t.try_iter()?);
        } else {
            out.push(t.clone());
        }
    }
    Ok(out)
}

fn var_string(state: &State, name: &str) -> Option<String> {
    state
        .lookup(name)
        .filter(|v| v.kind() == ValueKind::String)
        .map(|v| py_str(&v))
}

/// The controller directories searched for relative lookup paths: `ansible_search_path` when
/// the task has one (the role's, the task file's, the play's), else the role's, then the play's.
fn search_dirs(state: &State) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(list) = state
        .lookup("ansible_search_path")
        .filter(|v| v.kind() == ValueKind::Seq)
        && let Ok(items) = list.try_iter()
    {
        dirs.extend(
            items
                .filter(|v| v.kind() == ValueKind::String)
                .map(|v| PathBuf::from(py_str(&v))),
        );
        if !dirs.is_empty() {
            return dirs;
        }
    }
    for var in ["role_path", "playbook_dir"] {
        if let Some(d) = var_string(state, var) {
            dirs.push(PathBuf::from(d));
        }
    }
    if let Ok(cwd) = std::env::current_dir() {
        dirs.push(cwd);
    }
    dirs
}

/// Finds `name` as Ansible's lookups do: absolute as given, else `<dir>/<subdir>/name` then
/// `<dir>/name` for each search directory (`first_found` called as a lookup has no subdir).
fn find_file(state: &State, subdir: Option<&str>, name: &str) -> Option<PathBuf> {
    let expanded = crate::filters::paths::expanduser(state, name);
    if expanded.starts_with('/') {
        let p = PathBuf::from(expanded);
        return p.exists().then_some(p);
    }
    for dir in search_dirs(state) {
        let with_subdir = subdir.map(|s| dir.join(s).join(&expanded));
        for candidate in with_subdir.into_iter().chain([dir.join(&expanded)]) {
            if candidate.exists() {
                return Some(candidate);
            }
        }
    }
    None
}

fn first_found(state: &State, terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let mut files: Vec<String> = Vec::new();
    let mut paths: Vec<String> = Vec::new();
    let mut skip = kwargs.get::<Option<bool>>("skip")?.unwrap_or(false);
    let split = |s: &str| {
        s.split([',', ';'])
            .map(|x| x.trim().to_owned())
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
    };
    let list_of = |v: &Value| -> Vec<String> {
        if v.kind() == ValueKind::Seq {
            v.try_iter()
                .map(|i| i.map(|x| py_str(&x)).collect())
                .unwrap_or_default()
        } else {
            split(&py_str(v))
        }
    };
    if let Some(f) = kwargs.get::<Option<Value>>("files")? {
        files.extend(list_of(&f));
    }
    if let Some(p) = kwargs.get::<Option<Value>>("paths")? {
        paths.extend(list_of(&p));
    }
    for term in flat(terms)? {
        if term.kind() == ValueKind::Map {
            if let Ok(f) = term.get_attr("files")
                && !f.is_undefined()
            {
                files.extend(list_of(&f));
            }
            if let Ok(p) = term.get_attr("paths")
                && !p.is_undefined()
            {
                paths.extend(list_of(&p));
            }
            if let Ok(s) = term.get_attr("skip")
                && !s.is_undefined()
            {
                skip = s.is_true();
            }
        } else {
            files.push(py_str(&term));
        }
    }
    for file in &files {
        let candidates: Vec<PathBuf> = if paths.is_empty() {
            find_file(state, None, file).into_iter().collect()
        } else {
            paths
                .iter()
                .map(|p| {
                    let base = PathBuf::from(crate::filters::paths::expanduser(state, p));
                    let base = if base.is_absolute() {
                        base
                    } else {
                        search_dirs(state)
                            .first()
                            .map_or(base.clone(), |d| d.join(&base))
                    };
                    base.join(file)
                })
                .collect()
        };
        if let Some(found) = candidates.into_iter().find(|c| c.exists()) {
            let abs = std::fs::canonicalize(&found).unwrap_or(found);
            return Ok(vec![Value::from(abs.display().to_string())]);
        }
    }
    if skip {
        return Ok(Vec::new());
    }
    Err(fail("No file was found when using first_found."))
}

/// An `integer` option as ansible-core's config reads it: an int or bool as it is, a float or
/// string only when it is a whole number (`'010'`, `' 3 '`, `'1e1'`, `'1.0'`; not `'0x10'`).
fn config_int(name: &str, value: &Value) -> Result<i64, Error> {
    let whole =
        |f: f64| (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18).then_some(f as i64);
    let n = match value.kind() {
        ValueKind::Bool => Some(i64::from(value.is_true())),
        ValueKind::Number if value.is_integer() => value.as_i64(),
        ValueKind::Number => f64::try_from(value.clone()).ok().and_then(whole),
        ValueKind::String => {
            let s = value.as_str().unwrap_or_default().trim();
            let digits_ok = s.split('_').all(|p| !p.is_empty()) || !s.contains('_');
            let s = s.replace('_', "");
            let decimal = s
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'));
            match s.parse::<i64>() {
                Ok(n) if digits_ok => Some(n),
                _ if digits_ok && decimal => s.parse::<f64>().ok().and_then(whole),
                _ => None,
            }
        }
        _ => None,
    };
    n.ok_or_else(|| {
        let mut shown = String::new();
        crate::convert::py_repr(value, &mut shown);
        fail(format!(
            "Config '{name}' for 'sequence' lookup plugin has an invalid value: Invalid value \
             provided for 'integer': {shown}"
        ))
    })
}

/// The shortcut form `[start-]end[/stride][:format]` (numbers of hex-like digits), as fields.
fn sequence_shortcut(term: &str) -> Option<Vec<(&'static str, String)>> {
    let re = regex::Regex::new(
        r"(?i)^(?:(0?x?[0-9a-f]+)-)?(0?x?[0-9a-f]+)(?:/(0?x?[0-9a-f]+))?(?::(.+))?$",
    )
    .expect("valid regex");
    let c = re.captures(term)?;
    let names = [(1, "start"), (2, "end"), (3, "stride"), (4, "format")];
    Some(
        names
            .iter()
            .filter_map(|(i, name)| c.get(*i).map(|m| (*name, m.as_str().to_owned())))
            .collect(),
    )
}

/// ansible-core's `sequence` lookup: each term (a string, in the shortcut or the `k=v` form)
/// starts over from the keyword arguments and the defaults.
fn sequence(terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    const FIELDS: [&str; 5] = ["start", "end", "count", "stride", "format"];
    let mut given = Vec::new();
    for name in FIELDS {
        if let Some(v) = kwargs.get::<Option<Value>>(name)?.filter(|v| !v.is_none()) {
            given.push((name, v));
        }
    }
    // Keywords alone still give one sequence, as if one empty term were given.
    let empty = [Value::from("")];
    let terms = if terms.is_empty() && !given.is_empty() {
        &empty[..]
    } else {
        terms
    };
    let mut out = Vec::new();
    for t in terms {
        let Some(term) = t.as_str() else {
            return Err(fail(format!(
                "unknown error parsing with_sequence arguments: {}. Error was: expected string \
                 or bytes-like object",
                py_str(t)
            )));
        };
        let mut fields: Vec<(&str, Value)> = given.clone();
        let parsed = match sequence_shortcut(term) {
            Some(parsed) => parsed,
            None => {
                let mut parsed = Vec::new();
                let mut unknown = Vec::new();
                for word in term.split_whitespace() {
                    match word.split_once('=') {
                        Some((k, v)) => match FIELDS.iter().find(|f| **f == k) {
                            Some(f) => parsed.push((*f, unquote(v).to_owned())),
                            None => unknown.push(format!("'{k}'")),
                        },
                        None if !unknown.contains(&"'_raw_params'".to_owned()) => {
                            unknown.push("'_raw_params'".into())
                        }
                        None => {}
                    }
                }
                if !unknown.is_empty() {
                    return Err(fail(format!(
                        "unrecognized arguments to with_sequence: [{}]",
                        unknown.join(", ")
                    )));
                }
                parsed
            }
        };
        for (name, v) in parsed {
            fields.retain(|(n, _)| *n != name);
            fields.push((name, Value::from(v)));
        }
        let field = |name: &str| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v);
        let int = |name: &str| field(name).map(|v| config_int(name, v)).transpose();
        let start = int("start")?.unwrap_or(1);
        let stride = int("stride")?.unwrap_or(1);
        let (end, count) = (int("end")?, int("count")?);
        let format = match field("format") {
            None => "%d".to_owned(),
            Some(f) => f
                .as_str()
                .ok_or_else(|| fail("unknown error generating sequence: format is not a string"))?
                .to_owned(),
        };
        // ansible-core's sanity_check: `count` becomes `end` (start + count * stride - 1, its
        // very formula); a zero count or stride is an empty sequence, not an error.
        let end = match (end, count) {
            (None, None) => return Err(fail("must specify count or end in with_sequence")),
            (Some(_), Some(_)) => {
                return Err(fail("can't specify both count and end in with_sequence"));
            }
            (Some(e), None) => e,
            (None, Some(0)) => continue,
            (None, Some(c)) => start + c * stride - 1,
        };
        if stride > 0 && end < start {
            return Err(fail("to count backwards make stride negative"));
        }
        if stride < 0 && end > start {
            return Err(fail("to count forward don't make stride negative"));
        }
        if stride == 0 {
            continue;
        }
        if format.matches('%').count() != 1 {
            return Err(fail(format!("bad formatting string: {format}")));
        }
        let mut i = start;
        while (stride > 0 && i <= end) || (stride < 0 && i >= end) {
            out.push(Value::from(crate::filters::core::percent_format(
                &format,
                &[Value::from(i)],
            )?));
            match i.checked_add(stride) {
                Some(next) => i = next,
                None => break,
            }
        }
    }
    Ok(out)
}

/// A `k=v` value without its quotes.
fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return &v[1..v.len() - 1];
        }
    }
    v
}

/// Removes the last key of `path` from the mapping the rest of it leads to.
fn without_path(value: &mut drover_types::Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = value;
    for key in parents {
        match at.get_mut(key.as_str()) {
            Some(next) => at = next,
            None => return,
        }
    }
    if let drover_types::Value::Object(map) = at {
        map.shift_remove(last.as_str());
    }
}

/// A controller file's text for the `file` and `template` lookups, decrypted when it is
/// vault-encrypted (as Ansible's loader does); what it held is masked in output.
fn read_text(path: &Path) -> Result<String, Error> {
    let bytes =
        std::fs::read(path).map_err(|e| fail(format!("could not read {}: {e}", path.display())))?;
    let encrypted = drover_vault::is_encrypted(&bytes);
    let bytes = drover_vault::open_if_encrypted(bytes)
        .map_err(|e| fail(format!("could not decrypt {}: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| fail(format!("could not read {}: {e}", path.display())))?;
    if encrypted {
        // The whole text (what the lookup gives) and, through `reveal`, its lines.
        drover_vault::keyring::reveal(text.trim_end());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use crate::Templates;
    use drover_types::{Templar, Value, Vars};

    fn render(src: &str) -> Result<Value, String> {
        Templates::new()
            .render(src, &Vars::new())
            .map_err(|e| e.to_string())
    }

    /// ansible-core 2.19 reads the numbers as `integer` options: decimal only, whole numbers.
    #[test]
    fn sequence_numbers_are_integer_options() {
        let ok: &[(&str, Value)] = &[
            (
                "{{ q('sequence', '010-012') }}",
                serde_json::json!(["10", "11", "12"]),
            ),
            ("{{ q('sequence', '1e1') | length }}", Value::from(10)),
            ("{{ q('sequence', 'end=1_0') | length }}", Value::from(10)),
            (
                "{{ q('sequence', end=3.0) }}",
                serde_json::json!(["1", "2", "3"]),
            ),
            (
                "{{ q('sequence', end=' 3 ') }}",
                serde_json::json!(["1", "2", "3"]),
            ),
            (
                "{{ q('sequence', '3', start=2) }}",
                serde_json::json!(["2", "3"]),
            ),
            ("{{ q('sequence', '4:%s') | last }}", Value::from("4")),
            ("{{ lookup('sequence', '1-3') }}", Value::from("1,2,3")),
        ];
        for (src, want) in ok {
            assert_eq!(&render(src).unwrap_or_else(|e| panic!("{src}: {e}")), want);
        }
        for src in [
            "{{ q('sequence', '0x10-0x12') }}",
            "{{ q('sequence', 'start=0x10 end=0x12') }}",
            "{{ q('sequence', 'ff') }}",
            "{{ q('sequence', end=3.5) }}",
            "{{ q('sequence', 'end=nan') }}",
            "{{ q('sequence', 'foo') }}",
            "{{ q('sequence', '2 3') }}",
            "{{ q('sequence', 'end=3 foo=1') }}",
            "{{ q('sequence', 3) }}",
            "{{ q('sequence', '4:x') }}",
            "{{ q('sequence', '4:%s%s') }}",
            "{{ q('sequence', '5', format=3) }}",
        ] {
            assert!(render(src).is_err(), "{src} should fail: {:?}", render(src));
        }
    }

    /// ansible-core 2.19's `vars` lookup gives an undefined value for a missing variable.
    #[test]
    fn vars_lookup_of_a_missing_variable_is_undefined() {
        let ok: &[(&str, Value)] = &[
            (
                "{{ lookup('vars', 'nope') is defined }}",
                Value::from(false),
            ),
            ("{{ q('vars', 'nope') | length }}", Value::from(1)),
            (
                "{% if q('vars', 'nope') %}yes{% endif %}",
                Value::from("yes"),
            ),
            (
                "{{ q('vars', 'nope') | first | default('d') }}",
                Value::from("d"),
            ),
            (
                "{{ lookup('vars', 'nope', default='d') }}",
                Value::from("d"),
            ),
        ];
        for (src, want) in ok {
            assert_eq!(&render(src).unwrap_or_else(|e| panic!("{src}: {e}")), want);
        }
        for src in [
            "{{ lookup('vars', 'nope') }}",
            "x{{ lookup('vars', 'nope') }}",
            "{{ q('vars', 'nope') }}",
            "x{{ q('vars', 'nope') }}",
            "{% if lookup('vars', 'nope') %}y{% endif %}",
        ] {
            assert!(render(src).is_err(), "{src} should fail: {:?}", render(src));
        }
    }
}
