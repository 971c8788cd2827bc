//! `add_host` and `group_by`: they change the inventory of the run, which only the engine holds,
//! so like ansible-core's action plugins they only say what to change (`add_host`, `add_group`
//! in the result) and the engine does it, deciding `changed` by what was new.

use crate::args::Args;
use async_trait::async_trait;
use drover_types::{ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult, Value};

/// `ansible.builtin.add_host`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AddHost;

/// `ansible.builtin.group_by`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct GroupBy;

static ADD_HOST: ArgSpec = ArgSpec {
    shared: &[],
    args: &[
        ArgSpecEntry::new("name", ArgKind::Str)
            .required()
            .aliases(&["host", "hostname"]),
        ArgSpecEntry::new("groups", ArgKind::Any).aliases(&["group", "groupname"]),
    ],
    free_form: false,
    any_args: true,
};

static GROUP_BY: ArgSpec = ArgSpec {
    shared: &[],
    args: &[
        ArgSpecEntry::new("key", ArgKind::Str).required(),
        ArgSpecEntry::new("parents", ArgKind::List),
    ],
    free_form: false,
    any_args: false,
};

/// `name:port` (or `[v6]:port`) split as Ansible's `parse_address` does for a plain name.
fn split_port(name: &str) -> (String, Option<u16>) {
    if let Some(rest) = name.strip_prefix('[')
        && let Some((host, port)) = rest.split_once("]:")
        && let Ok(port) = port.parse()
    {
        return (host.to_owned(), Some(port));
    }
    match name.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(port) => (host.to_owned(), Some(port)),
            Err(_) => (name.to_owned(), None),
        },
        _ => (name.to_owned(), None),
    }
}

#[async_trait]
impl Module for AddHost {
    fn name(&self) -> &'static str {
        "add_host"
    }

    fn spec(&self) -> &'static ArgSpec {
        &ADD_HOST
    }

    async fn run(&self, _ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        let Some(Value::String(given)) = args.get("name") else {
            return TaskResult::failed("name, host or hostname needs to be provided");
        };
        let (name, port) = split_port(given);
        let groups: Vec<String> = match args.get("groups") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => s.split(',').map(|g| g.trim().to_owned()).collect(),
            Some(Value::Array(list)) => list
                .iter()
                .map(|g| match g {
                    Value::String(s) => s.trim().to_owned(),
                    other => other.to_string(),
                })
                .collect(),
            Some(_) => return TaskResult::failed("Groups must be specified as a list."),
        };
        let mut unique: Vec<String> = Vec::new();
        for group in groups.into_iter().filter(|g| !g.is_empty()) {
            if !unique.contains(&group) {
                unique.push(group);
            }
        }
        let mut host_vars: Map = args
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "name" | "groups"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(port) = port {
            host_vars.insert("ansible_ssh_port".into(), port.into());
        }
        let mut add = Map::new();
        add.insert("host_name".into(), name.into());
        add.insert("groups".into(), unique.into());
        add.insert("host_vars".into(), Value::Object(host_vars));
        let mut result = TaskResult::ok();
        result.set("add_host", Value::Object(add));
        result
    }
}

#[async_trait]
impl Module for GroupBy {
    fn name(&self) -> &'static str {
        "group_by"
    }

    fn spec(&self) -> &'static ArgSpec {
        &GROUP_BY
    }

    async fn run(&self, _ctx: &ModuleContext<'_>, map: &Map) -> TaskResult {
        let args = Args::new(map);
        let key = match args.str("key") {
            Ok(Some(key)) => key,
            Ok(None) => {
                return TaskResult::failed("the 'key' param is required when using group_by");
            }
            Err(failed) => return failed,
        };
        let parents = match args.list("parents") {
            Ok(Some(list)) if !list.is_empty() => list,
            Ok(_) => vec!["all".to_owned()],
            Err(failed) => return failed,
        };
        let parents: Vec<Value> = parents
            .into_iter()
            .map(|p| Value::String(p.replace(' ', "-")))
            .collect();
        let mut result = TaskResult::ok();
        result.set("add_group", key.replace(' ', "-"));
        result.set("parent_groups", Value::Array(parents));
        result
    }
}

#[cfg(test)]
mod tests {
    use super::split_port;

    #[test]
    fn ports_are_split_from_names() {
        assert_eq!(split_port("web1"), ("web1".into(), None));
        assert_eq!(split_port("web1:2222"), ("web1".into(), Some(2222)));
        assert_eq!(split_port("[::1]:22"), ("::1".into(), Some(22)));
        assert_eq!(split_port("fe80::1"), ("fe80::1".into(), None));
        assert_eq!(split_port("web1:http"), ("web1:http".into(), None));
    }
}
