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
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| fail(format!("could not read {}: {e}", path.display())))?;
                let text = if rstrip { text.trim_end() } else { &text };
                let text = if lstrip { text.trim_start() } else { text };
                out.push(Value::from(text));
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
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| fail(format!("could not read {}: {e}", path.display())))?;
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
                    None => match &default {
                        Some(d) => out.push(d.clone()),
                        None => return Err(fail(format!("No variable named '{t}' was found"))),
                    },
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
                .map(|(i, v)| Value::from(vec![Value::from(i), v]))
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

/// The controller directories searched for relative lookup paths: the role's, then the play's.
fn search_dirs(state: &State) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
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

fn sequence(terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let k_start: Option<i64> = kwargs.get("start")?;
    let k_end: Option<i64> = kwargs.get("end")?;
    let k_count: Option<i64> = kwargs.get("count")?;
    let k_stride: Option<i64> = kwargs.get("stride")?;
    let k_format: Option<String> = kwargs.get("format")?;
    // Keywords alone still give one sequence, as if one empty term were given.
    let empty = [Value::from("")];
    let terms = if terms.is_empty() { &empty[..] } else { terms };
    let mut out = Vec::new();
    // Each term is a sequence of its own, starting from the keyword arguments.
    for t in terms {
        let mut start = k_start.unwrap_or(1);
        let mut end = k_end;
        let mut count = k_count;
        let mut stride = k_stride.unwrap_or(1);
        let mut format = k_format.clone().unwrap_or_else(|| "%d".into());
        for part in py_str(t).split_whitespace() {
            if let Some((k, v)) = part.split_once('=') {
                let n = || crate::filters::core::parse_int(v, 0);
                match k {
                    "start" => start = n().unwrap_or(start),
                    "end" => end = n(),
                    "count" => count = n(),
                    "stride" => stride = n().unwrap_or(stride),
                    "format" => format = v.to_owned(),
                    _ => {}
                }
            } else {
                // shortcut form: [start-]end[/stride][:format]
                let (main, fmt) = part
                    .split_once(':')
                    .map_or((part, None), |(a, b)| (a, Some(b)));
                let (main, st) = main
                    .split_once('/')
                    .map_or((main, None), |(a, b)| (a, Some(b)));
                match main.split_once('-') {
                    Some((a, b)) => {
                        start = crate::filters::core::parse_int(a, 0).unwrap_or(start);
                        end = crate::filters::core::parse_int(b, 0);
                    }
                    None => end = crate::filters::core::parse_int(main, 0),
                }
                if let Some(s) = st.and_then(|s| crate::filters::core::parse_int(s, 0)) {
                    stride = s;
                }
                if let Some(f) = fmt {
                    format = f.to_owned();
                }
            }
        }
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
        let mut i = start;
        while (stride > 0 && i <= end) || (stride < 0 && i >= end) {
            out.push(Value::from(crate::filters::core::percent_format(
                &format,
                &[Value::from(i)],
            )?));
            i += stride;
        }
    }
    Ok(out)
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
