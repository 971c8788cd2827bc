//! INI inventories, read as Ansible's `ini` plugin reads them.
//!
//! Lines before the first section are hosts of `ungrouped`. `[group]` lists hosts (a name or
//! range, an optional `:port`, then `key=value` words typed as Python literals), `[group:vars]`
//! holds one `key=value` per line (also typed as Python literals, everything after the first `=`
//! being the value), `[group:children]` lists child groups. `#` and `;` start comment lines.
//! A group used in `:vars` or `:children` must be declared somewhere (`[group]` or
//! `[group:children]`), in this file or an earlier source.

use crate::data::Data;
use crate::range::expand_host_pattern;
use crate::{Error, span_at};
use drover_python::shlex::{self, Comments};
use drover_types::{Trust, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// An INI value as Ansible's `ini` plugin types it: the Python literal it spells (`2222`, `True`,
/// `"'0123'"`, `[1, 2]`), or else the text itself.
fn ini_value(text: &str) -> Value {
    drover_python::literal::literal_eval(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Hosts,
    Vars,
    Children,
}

/// A group named in `[x:vars]` or `[y:children]` before it was declared.
struct Pending {
    line: usize,
    offset: usize,
    vars: bool,
    parents: Vec<String>,
}

/// Adds the hosts and groups of INI `text` (from `file`) to `data`.
pub(crate) fn parse(data: &mut Data, text: &str, file: &Arc<PathBuf>) -> Result<(), Error> {
    let mut group = "ungrouped".to_owned();
    let mut state = State::Hosts;
    let mut pending: indexmap::IndexMap<String, Pending> = indexmap::IndexMap::new();
    let mut offset = 0;
    for (index, raw) in text.split('\n').enumerate() {
        let line_no = index + 1;
        let line_offset = offset;
        offset += raw.len() + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let column = raw.len() - raw.trim_start().len() + 1;
        let err = |message: String| Error::Invalid {
            span: span_at(file, line_no, column, line_offset + column - 1),
            message,
        };

        if let Some((name, kind)) = section(line) {
            state = match kind {
                None | Some("hosts") => State::Hosts,
                Some("vars") => State::Vars,
                Some("children") => State::Children,
                Some(other) => {
                    return Err(err(format!(
                        "section [{name}:{other}] has unknown type `{other}`; expected `vars` or `children`"
                    )));
                }
            };
            if !data.groups.contains_key(name) {
                if state == State::Vars && !pending.contains_key(name) {
                    pending.insert(
                        name.to_owned(),
                        Pending {
                            line: line_no,
                            offset: line_offset,
                            vars: true,
                            parents: Vec::new(),
                        },
                    );
                }
                data.add_group(name);
            }
            if state != State::Vars
                && let Some(p) = pending.shift_remove(name)
            {
                for parent in &p.parents {
                    data.add_child(parent, name).map_err(&err)?;
                }
            }
            group = name.to_owned();
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            return Err(err(format!(
                "invalid section entry `{line}`: expected `[group]`, `[group:vars]` or `[group:children]` with no spaces"
            )));
        }

        match state {
            State::Hosts => {
                let words = shlex::split(line, Comments::Stripped)
                    .map_err(|e| err(format!("cannot parse host line `{line}`: {e}")))?;
                let Some(first) = words.first() else {
                    continue;
                };
                if first.trim_end().ends_with(':') {
                    return Err(err(format!(
                        "invalid host pattern `{first}`: a trailing `:` is reserved for a port number"
                    )));
                }
                let (hosts, port) = expand_host_pattern(first).map_err(&err)?;
                if hosts.iter().any(|h| h.trim() == "---") {
                    return Err(err(format!(
                        "invalid host pattern `{first}`: `---` is normally a sign this is a YAML file"
                    )));
                }
                let mut vars = Vec::new();
                for word in &words[1..] {
                    let Some((k, v)) = word.split_once('=') else {
                        return Err(err(format!(
                            "expected key=value host variable assignment, got `{word}`"
                        )));
                    };
                    vars.push((k.to_owned(), ini_value(v)));
                }
                for host in &hosts {
                    data.add_host(host, &group, port);
                    for (k, v) in &vars {
                        data.set_host_var(host, k, v.clone(), Trust::Template);
                    }
                }
            }
            State::Vars => {
                let Some((k, v)) = line.split_once('=') else {
                    return Err(err(format!(
                        "expected key=value in [{group}:vars], got `{line}`"
                    )));
                };
                data.set_group_var(&group, k.trim(), ini_value(v.trim()), Trust::Template)
                    .map_err(&err)?;
            }
            State::Children => {
                let child = group_name(line).ok_or_else(|| {
                    err(format!(
                        "expected a group name in [{group}:children], got `{line}`"
                    ))
                })?;
                if data.groups.contains_key(child) {
                    data.add_child(&group, child).map_err(&err)?;
                } else {
                    pending
                        .entry(child.to_owned())
                        .or_insert(Pending {
                            line: line_no,
                            offset: line_offset,
                            vars: false,
                            parents: Vec::new(),
                        })
                        .parents
                        .push(group.clone());
                }
            }
        }
    }
    if let Some((name, p)) = pending.first() {
        let message = if p.vars {
            format!("section [{name}:vars] is not valid for undefined group `{name}`")
        } else {
            let parent = p.parents.last().map(String::as_str).unwrap_or("?");
            format!("section [{parent}:children] includes undefined group `{name}`")
        };
        return Err(Error::Invalid {
            span: span_at(file, p.line, 1, p.offset),
            message,
        });
    }
    Ok(())
}

/// `[name]` or `[name:kind]`, optionally followed by a `#` comment.
fn section(line: &str) -> Option<(&str, Option<&str>)> {
    let rest = line.strip_prefix('[')?;
    let close = rest.find(']')?;
    let inside = &rest[..close];
    let after = rest[close + 1..].trim_start();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    let (name, kind) = match inside.split_once(':') {
        Some((name, kind)) => (name, Some(kind)),
        None => (inside, None),
    };
    let name_ok = !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == ']');
    let kind_ok =
        kind.is_none_or(|k| !k.is_empty() && k.chars().all(|c| c == '_' || c.is_alphanumeric()));
    (name_ok && kind_ok).then_some((name, kind))
}

/// A child group line: one name with no spaces, `:` or `]`, then an optional `#` comment.
fn group_name(line: &str) -> Option<&str> {
    let end = line
        .find(|c: char| c.is_whitespace() || c == '#')
        .unwrap_or(line.len());
    let name = &line[..end];
    let rest = line[end..].trim_start();
    let ok = !name.is_empty()
        && !name.contains([':', ']'])
        && (rest.is_empty() || rest.starts_with('#'));
    ok.then_some(name)
}

/// Whether `text` has an unindented `[section]` line, which no YAML inventory can have: such a
/// file is INI whatever its name.
pub(crate) fn looks_like_ini(text: &str) -> bool {
    text.lines().any(|line| {
        let trimmed = line.trim_end();
        trimmed.starts_with('[') && section(trimmed).is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn load(text: &str) -> Result<Data, Error> {
        let mut data = Data::default();
        parse(&mut data, text, &Arc::new(PathBuf::from("hosts")))?;
        data.reconcile();
        Ok(data)
    }

    fn err(text: &str) -> String {
        load(text).unwrap_err().to_string()
    }

    #[test]
    fn hosts_groups_and_vars() {
        let d = load(
            "top1\n\
             [web]\n\
             web[01:02] http_port=80 name='x y' flag=True # comment\n\
             db:2222 ansible_host=10.0.0.1\n\
             ; a comment\n\
             [web:vars]\n\
             greeting = hello world # kept\n\
             count=3\n\
             [all:vars]\n\
             ntp=ntp.example.com\n",
        )
        .unwrap();
        assert_eq!(
            d.hosts.keys().collect::<Vec<_>>(),
            ["top1", "web01", "web02", "db"]
        );
        let w = &d.hosts["web01"].vars.map;
        assert_eq!(w["http_port"], json!(80));
        assert_eq!(w["name"], json!("x y"));
        assert_eq!(w["flag"], json!(true));
        assert_eq!(d.hosts["db"].vars.map["ansible_port"], json!(2222));
        assert_eq!(d.hosts["db"].vars.map["ansible_host"], json!("10.0.0.1"));
        assert_eq!(
            d.groups["web"].vars.map["greeting"],
            json!("hello world # kept")
        );
        assert_eq!(d.groups["web"].vars.map["count"], json!(3));
        assert_eq!(d.groups["all"].vars.map["ntp"], json!("ntp.example.com"));
        assert_eq!(d.groups["ungrouped"].hosts, ["top1"]);
    }

    #[test]
    fn children_may_be_declared_later() {
        let d =
            load("[prod:children]\nweb\ndb\n[web]\nw1\n[db]\nd1\n[prod:vars]\nenv=prod\n").unwrap();
        assert_eq!(d.groups["prod"].children, ["web", "db"]);
        assert_eq!(d.group_hosts("prod"), ["w1", "d1"]);
        assert_eq!(d.groups["db"].depth, 2);
    }

    #[test]
    fn undefined_groups_are_errors_with_lines() {
        let e = err("[web]\nw1\n[prod:children]\nweb\nghost\n");
        assert!(e.contains("hosts:5:1"), "{e}");
        assert!(
            e.contains("[prod:children] includes undefined group `ghost`"),
            "{e}"
        );
        let e = err("[ghost:vars]\nx=1\n");
        assert!(
            e.contains("hosts:1:1") && e.contains("undefined group `ghost`"),
            "{e}"
        );
        // Declared after its vars: fine.
        assert!(load("[late:vars]\nx=1\n[late]\nh\n").is_ok());
    }

    #[test]
    fn syntax_errors_say_what_was_expected() {
        assert!(err("[web]\nh1 novalue\n").contains("hosts:2:1: expected key=value host variable"));
        assert!(err("[web:bogus]\n").contains("unknown type"));
        assert!(err("[web servers]\n").contains("invalid section entry"));
        assert!(err("[g:vars]\n").contains("undefined group"));
        assert!(err("[all:vars]\njust words\n").contains("expected key=value"));
        assert!(err("[all:children]\na b\n").contains("expected a group name"));
        assert!(err("h1:\n").contains("reserved for a port"));
        assert!(err("---\n").contains("YAML"));
        assert!(err("h1 k='open\n").contains("No closing quotation"));
        assert!(err("web[1:x]\n").contains("host range"));
        assert!(err("[a:children]\nb\n[b:children]\na\n").contains("recursive"));
    }

    #[test]
    fn detects_ini_sections() {
        assert!(looks_like_ini("# c\n[web]\nh\n"));
        assert!(looks_like_ini("[all:vars] # x\n"));
        assert!(!looks_like_ini("all:\n  hosts:\n    [a]\n"));
        assert!(!looks_like_ini("h1\nh2\n"));
    }
}
