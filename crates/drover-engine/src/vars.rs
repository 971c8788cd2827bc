//! The variables a task sees, merged in Ansible's precedence (lowest first): inventory group and
//! host vars, play `vars`, `vars_files`, block vars (outer to inner), task vars, `set_fact` and
//! registered results, extra vars; then the magic variables Ansible always sets.

use crate::host::HostState;
use drover_types::{Map, Value};

/// Magic variables that are the same for every host of a play at one point in time.
#[derive(Clone)]
pub(crate) struct PlayMagic {
    pub(crate) play_name: String,
    pub(crate) play_hosts: Vec<String>,
    pub(crate) play_hosts_all: Vec<String>,
    pub(crate) play_batch: Vec<String>,
    pub(crate) groups: Value,
    pub(crate) hostvars: Option<Value>,
    pub(crate) playbook_dir: String,
    pub(crate) check_mode: bool,
    pub(crate) diff_mode: bool,
}

fn extend(target: &mut Map, layer: &Map) {
    for (k, v) in layer {
        target.insert(k.clone(), v.clone());
    }
}

/// Every variable `host` sees for a task inside the given scopes.
#[allow(clippy::too_many_arguments)] // one argument per precedence layer, in Ansible's order
pub(crate) fn task_vars(
    host: &str,
    state: &HostState,
    play_vars: &[&Map],
    scope_vars: &[&Map],
    extra_vars: &Map,
    magic: &PlayMagic,
    group_names: &[String],
    inventory_dir: Option<&str>,
) -> Map {
    let mut vars =
        Map::with_capacity(state.inventory_vars.len() + state.facts.len() + extra_vars.len() + 32);
    extend(&mut vars, &state.inventory_vars);
    for layer in play_vars {
        extend(&mut vars, layer);
    }
    extend(&mut vars, &state.vars_files);
    for layer in scope_vars {
        extend(&mut vars, layer);
    }
    extend(&mut vars, &state.included);
    extend(&mut vars, &state.facts);
    extend(&mut vars, extra_vars);

    let short = host.split('.').next().unwrap_or(host);
    vars.insert("inventory_hostname".into(), host.into());
    vars.insert("inventory_hostname_short".into(), short.into());
    vars.insert("group_names".into(), group_names.to_vec().into());
    vars.insert("groups".into(), magic.groups.clone());
    if let Some(hostvars) = &magic.hostvars {
        vars.insert("hostvars".into(), hostvars.clone());
    }
    vars.insert("play_hosts".into(), magic.play_hosts.clone().into());
    vars.insert("ansible_play_hosts".into(), magic.play_hosts.clone().into());
    vars.insert("ansible_play_batch".into(), magic.play_batch.clone().into());
    vars.insert(
        "ansible_play_hosts_all".into(),
        magic.play_hosts_all.clone().into(),
    );
    vars.insert("ansible_play_name".into(), magic.play_name.clone().into());
    vars.insert("ansible_check_mode".into(), magic.check_mode.into());
    vars.insert("ansible_diff_mode".into(), magic.diff_mode.into());
    vars.insert("playbook_dir".into(), magic.playbook_dir.clone().into());
    if let Some(dir) = inventory_dir {
        vars.insert("inventory_dir".into(), dir.into());
    }
    vars.insert("omit".into(), drover_template::OMIT.into());
    vars.insert("ansible_version".into(), ansible_version());
    if !vars.contains_key("ansible_facts") {
        vars.insert("ansible_facts".into(), Value::Object(Map::new()));
    }
    vars
}

fn ansible_version() -> Value {
    serde_json::json!({
        "full": "2.19.0",
        "major": 2,
        "minor": 19,
        "revision": 0,
        "string": "2.19.0",
    })
}

/// `peers` (a `hostvars` mapping) with the entries of `own` put in their place.
pub(crate) fn overlay(peers: &Value, own: Value) -> Value {
    let (Value::Object(peers), Value::Object(mut own)) = (peers, own) else {
        return peers.clone();
    };
    let mut all = Map::with_capacity(peers.len());
    for (name, vars) in peers {
        let vars = own.remove(name).unwrap_or_else(|| vars.clone());
        all.insert(name.clone(), vars);
    }
    all.extend(own);
    Value::Object(all)
}

/// `hostvars`: every host's inventory variables and facts. Built only when the playbook uses it.
pub(crate) fn hostvars<'a>(hosts: impl Iterator<Item = (&'a String, &'a HostState)>) -> Value {
    let mut all = Map::new();
    for (name, state) in hosts {
        let mut vars = state.inventory_vars.clone();
        extend(&mut vars, &state.vars_files);
        extend(&mut vars, &state.included);
        extend(&mut vars, &state.facts);
        vars.insert("inventory_hostname".into(), name.clone().into());
        all.insert(name.clone(), Value::Object(vars));
    }
    Value::Object(all)
}
