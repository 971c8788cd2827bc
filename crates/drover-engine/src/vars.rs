//! The variables a task sees, as a stack of shared layers in Ansible's precedence.
//!
//! Lowest first: defaults (`ansible_facts: {}`), role defaults (the play's public roles', then
//! the task's own roles'), inventory (group and host vars, `group_vars/`, `host_vars/`),
//! gathered facts (`ansible_facts` and the `ansible_*` names they inject), play `vars`,
//! `vars_files`, role vars (the play's public roles', then the task's own), block vars (outer to
//! inner), task vars, `include_vars`, facts and registered results, role and include
//! parameters, extra vars, then the magic variables Ansible always sets (the run's, the play's
//! and the host's own). Each rung is one more layer, not a new merge.
//!
//! Every layer is an `Arc` that many hosts and tasks share: the inventory layer of a host lives
//! as long as the run, play and block vars as long as the playbook, the run's magic for the run,
//! the play's magic for one task. A host's view for a task ([`Vars`]) is a list of about a dozen
//! pointers, so building it costs the same whatever the variables hold.
//!
//! `hostvars` is [`Hostvars`]: the table of every host's own layers, handed to each view as an
//! `Arc` and read only when a template asks for a host. It shows what ansible-core's `hostvars`
//! shows: inventory variables, `include_vars`, facts and registered results, extra vars and the
//! magic variables that do not depend on the play; not play vars or `vars_files`.

use drover_types::{HostVars, Layer, Map, Trust, Value, Vars};
use std::collections::HashMap;
use std::sync::Arc;

/// One host's own layers, kept for the whole run.
#[derive(Clone)]
pub(crate) struct HostLayers {
    /// Inventory variables, merged in Ansible's precedence.
    pub(crate) inventory: Arc<Layer>,
    /// Gathered facts (`setup`, or any module's `ansible_facts`), as ansible-core's fact
    /// cache holds them: see [`crate::facts`].
    pub(crate) gathered: crate::facts::Gathered,
    /// The play's `vars_files`, loaded for this host at play start (not in `hostvars`).
    pub(crate) vars_files: Arc<Layer>,
    /// `include_vars` results, between task vars and facts.
    pub(crate) included: Arc<Layer>,
    /// `set_fact` and `register` results, which outrank play and task vars. Data: like
    /// ansible-core 2.19, drover never renders a template's output again (a command's output or
    /// a file's content could hold `{{ }}`).
    pub(crate) facts: Arc<Layer>,
    /// `inventory_hostname`, `inventory_hostname_short`, `group_names`, `inventory_dir`.
    pub(crate) magic: Arc<Layer>,
}

impl HostLayers {
    pub(crate) fn new(name: &str, inventory: &drover_inventory::Inventory) -> Self {
        let mut magic = Map::new();
        let short = name.split('.').next().unwrap_or(name);
        magic.insert("inventory_hostname".into(), name.into());
        magic.insert("inventory_hostname_short".into(), short.into());
        magic.insert("group_names".into(), inventory.group_names(name).into());
        if let Some(dir) = inventory.inventory_dir(name) {
            magic.insert("inventory_dir".into(), dir.into());
        }
        HostLayers {
            inventory: Arc::new(inventory.host_vars(name)),
            gathered: Default::default(),
            vars_files: Arc::default(),
            included: Arc::default(),
            facts: Arc::new(Layer::data(Map::new())),
            magic: Arc::new(Layer::data(magic)),
        }
    }

    /// Keeps what a task's result sets on the host: `include_vars` variables, facts and the
    /// registered result.
    pub(crate) fn keep(&mut self, register: Option<&str>, result: &drover_types::TaskResult) {
        self.gathered.merge_from(result);
        if !result.vars.map.is_empty() {
            Arc::make_mut(&mut self.included).extend(&result.vars);
        }
        if !result.facts.is_empty() || register.is_some() {
            let facts = Arc::make_mut(&mut self.facts);
            for (k, v) in &result.facts {
                facts.insert(k.clone(), v.clone(), Trust::Data);
            }
            if let Some(name) = register {
                facts.insert(name.to_owned(), result.registered(), Trust::Data);
            }
        }
    }

    /// Sets one fact (`ansible_failed_task`...).
    pub(crate) fn set_fact(&mut self, name: &str, value: Value) {
        Arc::make_mut(&mut self.facts).insert(name.to_owned(), value, Trust::Data);
    }
}

/// Every host's own layers, by name.
pub(crate) type Table = HashMap<String, HostLayers>;

/// Layers every host shares for a whole playbook.
pub(crate) struct RunLayers {
    /// What is there unless something sets it: `ansible_facts: {}`.
    pub(crate) defaults: Arc<Layer>,
    /// `-e`.
    pub(crate) extra: Arc<Layer>,
    /// `groups`, `playbook_dir`, `ansible_check_mode`, `ansible_diff_mode`, `ansible_version`,
    /// `omit`.
    pub(crate) magic: Arc<Layer>,
}

impl RunLayers {
    pub(crate) fn new(
        extra_vars: &Layer,
        groups: Map,
        playbook_dir: &str,
        check: bool,
        diff: bool,
    ) -> Self {
        let mut defaults = Map::new();
        defaults.insert("ansible_facts".into(), Value::Object(Map::new()));
        let mut magic = Map::new();
        magic.insert("groups".into(), Value::Object(groups));
        magic.insert("playbook_dir".into(), playbook_dir.into());
        magic.insert("ansible_check_mode".into(), check.into());
        magic.insert("ansible_diff_mode".into(), diff.into());
        magic.insert("ansible_version".into(), ansible_version());
        magic.insert("omit".into(), drover_template::OMIT.into());
        RunLayers {
            defaults: Arc::new(Layer::data(defaults)),
            extra: Arc::new(extra_vars.clone()),
            magic: Arc::new(Layer::data(magic)),
        }
    }

    /// Adds `ansible_config_file`: the ansible.cfg in use, or `None`.
    pub(crate) fn with_config_file(mut self, path: Option<&str>) -> Self {
        let mut magic = self.magic.map.clone();
        magic.insert(
            "ansible_config_file".into(),
            path.map_or(Value::Null, Value::from),
        );
        self.magic = Arc::new(Layer::data(magic));
        self
    }
}

/// Magic variables of the play at one point in time: the same for every host.
pub(crate) fn play_magic(
    play_name: &str,
    play_hosts: &[String],
    play_hosts_all: &[String],
    play_batch: &[String],
) -> Arc<Layer> {
    let mut magic = Map::new();
    magic.insert("ansible_play_name".into(), play_name.into());
    magic.insert("play_hosts".into(), play_hosts.into());
    magic.insert("ansible_play_hosts".into(), play_hosts.into());
    magic.insert("ansible_play_batch".into(), play_batch.into());
    magic.insert("ansible_play_hosts_all".into(), play_hosts_all.into());
    Arc::new(Layer::data(magic))
}

/// What one task's views are made of, besides each host's own layers.
pub(crate) struct TaskLayers<'a> {
    pub(crate) run: &'a RunLayers,
    /// Play `vars` (both the play's own and those given as a keyword).
    pub(crate) play_vars: &'a [Arc<Layer>],
    /// The defaults and vars of the play's public roles (`roles:`, `import_role`).
    pub(crate) play_roles: &'a crate::play::PlayRoles,
    /// Role defaults around the task.
    pub(crate) low: &'a [Arc<Layer>],
    /// Role vars, block and task `vars`, outer to inner.
    pub(crate) scope: &'a [Arc<Layer>],
    /// Role and include parameters, the role's magic.
    pub(crate) high: &'a [Arc<Layer>],
    pub(crate) play_magic: &'a Arc<Layer>,
    pub(crate) hostvars: &'a Arc<Hostvars>,
}

impl TaskLayers<'_> {
    /// Every variable `host` sees for the task.
    pub(crate) fn view(&self, host: &HostLayers) -> Vars {
        let mut vars = Vars::new();
        vars.push(self.run.defaults.clone());
        for layer in self.play_roles.defaults.iter().chain(self.low) {
            vars.push(layer.clone());
        }
        vars.push(host.inventory.clone());
        vars.push(host.gathered.layer());
        for layer in self.play_vars.iter().filter(|l| !l.map.is_empty()) {
            vars.push(layer.clone());
        }
        vars.push(host.vars_files.clone());
        for layer in self.play_roles.vars.iter().chain(self.scope) {
            vars.push(layer.clone());
        }
        vars.push(host.included.clone());
        vars.push(host.facts.clone());
        for layer in self.high {
            vars.push(layer.clone());
        }
        vars.push(self.run.extra.clone());
        vars.push(self.run.magic.clone());
        vars.push(self.play_magic.clone());
        vars.push(self.play_roles.magic.clone());
        vars.push(host.magic.clone());
        vars.set_hostvars(self.hostvars.clone());
        vars
    }
}

impl RunLayers {
    /// The `playbook_dir` these layers were made for.
    pub(crate) fn playbook_dir(&self) -> std::path::PathBuf {
        match self.magic.map.get("playbook_dir") {
            Some(Value::String(dir)) => dir.into(),
            _ => std::path::PathBuf::new(),
        }
    }
}

/// `hostvars`: every host's own layers with the run's, read when a template asks.
pub(crate) struct Hostvars {
    /// The hosts this runner holds (under the `free` strategy, only its own host).
    pub(crate) own: Arc<Table>,
    /// The other hosts as they were when a `free` section began.
    pub(crate) peers: Option<Arc<Table>>,
    pub(crate) run: Arc<RunLayers>,
    /// Every host's name, in inventory order.
    pub(crate) names: Arc<Vec<String>>,
}

impl HostVars for Hostvars {
    fn host(&self, name: &str) -> Option<Vars> {
        let host = self
            .own
            .get(name)
            .or_else(|| self.peers.as_ref()?.get(name))?;
        let mut vars = Vars::new();
        vars.push(self.run.defaults.clone());
        vars.push(host.inventory.clone());
        vars.push(host.gathered.layer());
        vars.push(host.included.clone());
        vars.push(host.facts.clone());
        vars.push(self.run.extra.clone());
        vars.push(self.run.magic.clone());
        vars.push(host.magic.clone());
        Some(vars)
    }

    fn names(&self) -> Vec<String> {
        self.names.as_ref().clone()
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn layer(v: Value) -> Arc<Layer> {
        let Value::Object(map) = v else {
            unreachable!("a mapping")
        };
        Arc::new(Layer::template(map))
    }

    fn host(name: &str, inventory: Value, facts: Value) -> HostLayers {
        let Value::Object(facts) = facts else {
            unreachable!("a mapping")
        };
        HostLayers {
            inventory: layer(inventory),
            gathered: Default::default(),
            vars_files: layer(json!({"vf": "files", "x": "vars_files"})),
            included: layer(json!({})),
            facts: Arc::new(Layer::data(facts)),
            magic: layer(json!({"inventory_hostname": name})),
        }
    }

    /// Precedence, lowest first, as in ansible-core: inventory < play vars < vars_files < block
    /// vars < task vars < facts < extra vars < magic.
    #[test]
    fn layers_stack_in_ansible_precedence() {
        let run = RunLayers::new(
            &layer(json!({"extra": "e", "x": "extra"})),
            Map::new(),
            "/p",
            false,
            false,
        );
        let a = host("a", json!({"x": "inventory", "inv": 1}), json!({}));
        let b = host("b", json!({"x": "inventory"}), json!({"x": "fact"}));
        let own: Table = [("a".to_owned(), a.clone()), ("b".to_owned(), b.clone())].into();
        let run = Arc::new(run);
        let hostvars = Arc::new(Hostvars {
            own: Arc::new(own),
            peers: None,
            run: run.clone(),
            names: Arc::new(vec!["a".into(), "b".into()]),
        });
        let play_vars = [layer(json!({"x": "play", "pv": 1}))];
        let scope = [layer(json!({"x": "block"})), layer(json!({"x": "task"}))];
        let magic = play_magic("p", &[], &[], &[]);
        let roles = crate::play::PlayRoles {
            defaults: vec![layer(json!({"x": "role default", "rd": 1}))],
            vars: vec![layer(json!({"rv": 1}))],
            magic: Arc::default(),
        };
        let task = TaskLayers {
            run: &run,
            play_vars: &play_vars,
            play_roles: &roles,
            low: &[],
            scope: &scope,
            high: &[],
            play_magic: &magic,
            hostvars: &hostvars,
        };
        let va = task.view(&a);
        assert_eq!(va.get("x"), Some(&json!("extra")));
        assert_eq!(va.get("inv"), Some(&json!(1)));
        assert_eq!(va.get("ansible_facts"), Some(&json!({})));
        let no_extra = TaskLayers {
            run: &RunLayers::new(&Layer::default(), Map::new(), "/p", false, false),
            ..task
        };
        assert_eq!(no_extra.view(&a).get("x"), Some(&json!("task")));
        assert_eq!(no_extra.view(&b).get("x"), Some(&json!("fact")));
        assert_eq!(no_extra.view(&a).get("rd"), Some(&json!(1)));
        assert_eq!(no_extra.view(&a).get("rv"), Some(&json!(1)));
        // Role and include parameters outrank facts; extra vars outrank them.
        let params = [layer(json!({"x": "param"}))];
        let with_params = TaskLayers {
            high: &params,
            ..no_extra
        };
        assert_eq!(with_params.view(&b).get("x"), Some(&json!("param")));
        assert_eq!(
            TaskLayers {
                high: &params,
                ..task
            }
            .view(&b)
            .get("x"),
            Some(&json!("extra"))
        );
        // hostvars: no play vars, no vars_files, no task vars.
        let hb = va.hostvars().and_then(|h| h.host("b")).expect("b");
        assert_eq!(hb.get("x"), Some(&json!("extra")));
        assert_eq!(hb.get("pv"), None);
        assert_eq!(hb.get("vf"), None);
        assert_eq!(hb.get("inventory_hostname"), Some(&json!("b")));
        assert!(va.hostvars().and_then(|h| h.host("zz")).is_none());
    }

    #[test]
    fn keep_writes_the_hosts_own_layers_only() {
        let mut a = host("a", json!({}), json!({}));
        let before = a.facts.clone();
        let mut result = drover_types::TaskResult::default();
        result.facts.insert("f".into(), json!("{{ not rendered }}"));
        a.keep(Some("r"), &result);
        assert!(before.map.is_empty(), "a shared snapshot is never written");
        assert_eq!(a.facts.map.get("f"), Some(&json!("{{ not rendered }}")));
        assert!(a.facts.trust_of("f").is_data());
        assert!(a.facts.trust_of("r").is_data());
    }
}
