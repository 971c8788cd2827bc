//! `add_host` and `group_by` results applied to the run's inventory, as ansible-core's strategy
//! applies them: a host or group membership that is new makes the result `changed`; the hosts'
//! variables, `group_names` and the `groups` magic variable follow at once.

use crate::play::Runner;
use crate::task::{HostRun, status_of};
use crate::vars::HostLayers;
use drover_types::{Map, TaskResult, Value};
use std::sync::Arc;

impl Runner<'_> {
    /// Applies what `run` asks of the inventory, item by item, and sets `changed` from it
    /// (unless the task's `changed_when` decided it: `judged`).
    pub(crate) fn change_inventory(&mut self, host: &str, run: &mut HostRun, judged: bool) {
        if judged {
            self.apply_change(host, &mut run.result);
            for item in &mut run.items {
                self.apply_change(host, &mut item.result);
            }
            return;
        }
        if run.items.is_empty() {
            if let Some(changed) = self.apply_change(host, &mut run.result) {
                run.result.changed = changed;
                run.status = status_of(&run.result);
            }
            return;
        }
        let mut touched = false;
        let mut any = false;
        for item in &mut run.items {
            if let Some(changed) = self.apply_change(host, &mut item.result) {
                item.result.changed = changed;
                item.status = status_of(&item.result);
                touched = true;
                any |= changed;
            }
        }
        if touched {
            run.result.changed = any;
            if let Some(Value::Array(results)) = run.result.data.get_mut("results") {
                for (value, item) in results.iter_mut().zip(&run.items) {
                    if let Value::Object(map) = value {
                        map.insert("changed".into(), item.result.changed.into());
                    }
                }
            }
            run.status = status_of(&run.result);
        }
    }

    /// `Some(changed)` when the result asked for a change; a change the inventory refuses
    /// fails the result.
    fn apply_change(&mut self, host: &str, result: &mut TaskResult) -> Option<bool> {
        if result.failed || result.skipped {
            return None;
        }
        let outcome = if let Some(Value::Object(add)) = result.data.get("add_host") {
            self.add_host(add)
        } else if let Some(Value::String(group)) = result.data.get("add_group") {
            let parents: Vec<String> = match result.data.get("parent_groups") {
                Some(Value::Array(list)) => list
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            };
            self.group_by(host, &group.clone(), &parents)
        } else {
            return None;
        };
        match outcome {
            Ok(changed) => Some(changed),
            Err(message) => {
                *result = TaskResult::failed(message);
                None
            }
        }
    }

    fn add_host(&mut self, add: &Map) -> Result<bool, String> {
        let Some(name) = add
            .get("host_name")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return Err("add_host: no host name".into());
        };
        let groups: Vec<String> = match add.get("groups") {
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        let vars = match add.get("host_vars") {
            Some(Value::Object(map)) => map.clone(),
            _ => Map::new(),
        };
        let new_host = !self.inventory.contains_host(&name);
        let groups_before = self.inventory.group_names(&name);
        let vars_before = self.inventory.host_vars(&name).map;
        self.inventory
            .add_host(&name, &groups, vars)
            .map_err(|e| e.to_string())?;
        let changed = new_host
            || self.inventory.group_names(&name) != groups_before
            || self.inventory.host_vars(&name).map != vars_before;
        self.refresh_inventory_views(&name);
        Ok(changed)
    }

    /// `changed` as ansible-core decides it: the host is new in the group, or a parent group
    /// is new, or the group is newly a direct child of a parent. ansible-core puts a group made
    /// with other parents below `all` only through them; drover links every group to `all`, so
    /// the links ansible-core would have are kept apart to judge `changed` the same way.
    fn group_by(&mut self, host: &str, group: &str, parents: &[String]) -> Result<bool, String> {
        let before = self.inventory.group_names(host);
        let had_group = self.inventory.has_group(group);
        if had_group && !self.group_links.contains_key(group) {
            self.group_links
                .insert(group.to_owned(), self.inventory.group_parents(group));
        }
        self.inventory
            .add_group_member(group, host)
            .map_err(|e| e.to_string())?;
        let mut changed = false;
        let links = self.group_links.entry(group.to_owned()).or_default();
        for parent in parents {
            if parent != "all" {
                changed |= !self.inventory.has_group(parent);
                self.inventory
                    .add_child_group(parent, group)
                    .map_err(|e| e.to_string())?;
            }
            if !links.contains(parent) {
                links.push(parent.clone());
                changed = true;
            }
        }
        changed |= self.inventory.group_names(host) != before;
        self.refresh_inventory_views(host);
        Ok(changed)
    }

    /// After the inventory changed for `host`: its variables and `group_names`, and `groups`.
    fn refresh_inventory_views(&mut self, host: &str) {
        self.run_layers = Arc::new(crate::play::run_layers(
            self.config,
            &self.inventory,
            &self.play_dir,
        ));
        let fresh = HostLayers::new(host, &self.inventory);
        let table = Arc::make_mut(&mut self.table);
        match table.get_mut(host) {
            Some(layers) => {
                layers.inventory = fresh.inventory;
                layers.magic = fresh.magic;
            }
            None => {
                table.insert(host.to_owned(), fresh);
                Arc::make_mut(&mut self.names).push(host.to_owned());
            }
        }
    }
}
