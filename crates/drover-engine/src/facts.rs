//! Gathered facts: ansible-core's fact cache for one host. Any module result that carries an
//! `ansible_facts` mapping (the `setup` module's, a loop item's) is merged into it, key by key,
//! later values winning. Tasks see it as one layer just above the inventory's variables (the
//! "host facts" rung of Ansible's precedence): `ansible_facts` holds every fact without its
//! `ansible_` prefix (`ansible_local` keeps its name, as in ansible-core), and each fact is also
//! a variable of its own name (ansible-core's `INJECT_FACTS_AS_VARS` default), except names that
//! would set how the host is reached (`ansible_host`, `ansible_user`, `ansible_*_interpreter`...):
//! those stay under `ansible_facts` only, as ansible-core's `clean_facts` does.

use drover_types::{Layer, Map, TaskResult, Value};
use std::sync::Arc;

/// One host's fact cache and the layer tasks see.
#[derive(Clone, Default)]
pub(crate) struct Gathered {
    /// The facts as modules returned them (`ansible_hostname`, `gather_subset`...).
    cache: Arc<Map>,
    /// `ansible_facts` and the injected names, rebuilt when the cache changes.
    layer: Arc<Layer>,
}

impl Gathered {
    /// The layer a task's variables include.
    pub(crate) fn layer(&self) -> Arc<Layer> {
        self.layer.clone()
    }

    /// Merges the `ansible_facts` of a result (and of a loop's item results) into the cache.
    pub(crate) fn merge_from(&mut self, result: &TaskResult) {
        let mut found: Vec<&Map> = Vec::new();
        if let Some(Value::Object(facts)) = result.data.get("ansible_facts") {
            found.push(facts);
        }
        if let Some(Value::Array(items)) = result.data.get("results") {
            for item in items {
                if let Some(Value::Object(facts)) = item.get("ansible_facts") {
                    found.push(facts);
                }
            }
        }
        if found.is_empty() {
            return;
        }
        let cache = Arc::make_mut(&mut self.cache);
        for facts in found {
            for (k, v) in facts {
                if !k.starts_with("_ansible_") {
                    cache.insert(k.clone(), v.clone());
                }
            }
        }
        self.layer = Arc::new(Layer::data(layer_of(cache)));
    }
}

/// `ansible_facts` plus the injected names, for `cache`.
fn layer_of(cache: &Map) -> Map {
    let mut namespaced = Map::new();
    for (k, v) in cache {
        let name = match k.strip_prefix("ansible_") {
            Some(rest) if k != "ansible_local" => rest,
            _ => k.as_str(),
        };
        namespaced.insert(name.to_owned(), v.clone());
    }
    let mut layer = Map::new();
    layer.insert("ansible_facts".into(), Value::Object(namespaced));
    for (k, v) in cache {
        if injectable(k) {
            layer.insert(k.clone(), v.clone());
        }
    }
    layer
}

/// Whether a fact may become a variable of its own name: not one that says how to reach or
/// run things on the host.
fn injectable(name: &str) -> bool {
    const CONNECTION: &[&str] = &[
        "ansible_connection",
        "ansible_host",
        "ansible_port",
        "ansible_user",
        "ansible_password",
        "ansible_pass",
        "ansible_shell_type",
        "ansible_shell_executable",
        "ansible_private_key_file",
        "ansible_timeout",
        "ansible_pipelining",
        "ansible_module_compression",
        "ansible_remote_tmp",
        "ansible_facts",
        "ansible_playbook_python",
        "ansible_rsync_path",
        "add_host",
        "add_group",
    ];
    if name.starts_with("ansible_ssh_host_key_") {
        return true;
    }
    !(CONNECTION.contains(&name)
        || name.starts_with("ansible_become")
        || name.starts_with("ansible_ssh_")
        || name.starts_with("ansible_sudo")
        || name.starts_with("ansible_local_")
        || (name.starts_with("ansible_") && name.ends_with("_interpreter")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merges_namespaces_and_injects_safely() {
        let mut g = Gathered::default();
        let mut r = TaskResult::ok();
        r.set(
            "ansible_facts",
            json!({"ansible_hostname": "h", "ansible_local": {}, "module_setup": true,
                   "ansible_host": "evil", "ansible_python_interpreter": "/x"}),
        );
        g.merge_from(&r);
        let mut r2 = TaskResult::ok();
        r2.set("ansible_facts", json!({"ansible_hostname": "h2"}));
        g.merge_from(&r2);
        let layer = g.layer();
        let facts = &layer.map["ansible_facts"];
        assert_eq!(facts["hostname"], "h2");
        assert_eq!(facts["ansible_local"], json!({}));
        assert_eq!(facts["host"], "evil");
        assert_eq!(layer.map["ansible_hostname"], "h2");
        assert_eq!(layer.map["module_setup"], true);
        assert!(!layer.map.contains_key("ansible_host"));
        assert!(!layer.map.contains_key("ansible_python_interpreter"));
    }
}
