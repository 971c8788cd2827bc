//! The inventory graph the parsers fill: groups (with vars, member hosts, parents and children)
//! and hosts (with vars and the source that defined them), in the order they were first seen.
//! It keeps Ansible's rules: `all` and `ungrouped` always exist, every group ends up below
//! `all`, a host in no other group is in `ungrouped`, and group links never form a loop.

use drover_types::{Layer, Trust, Value};
use indexmap::IndexMap;
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

/// The names a pattern may use for the controller itself (Ansible's `C.LOCALHOST`).
pub(crate) const LOCALHOST_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// A group of hosts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Group {
    /// Variables set on the group in inventory files (not `group_vars/`).
    pub(crate) vars: Layer,
    /// Hosts added to this group directly, in order.
    pub(crate) hosts: Vec<String>,
    /// Child groups, in order.
    pub(crate) children: Vec<String>,
    /// Parent groups, in order.
    pub(crate) parents: Vec<String>,
    /// `ansible_group_priority` (default 1): orders sibling groups' vars.
    pub(crate) priority: i64,
    /// Length of the longest path from `all` (which is 0).
    pub(crate) depth: usize,
}

/// A host.
#[derive(Debug, Clone, Default)]
pub(crate) struct Host {
    /// Variables set on the host in inventory files, `inventory_file`/`inventory_dir` first.
    pub(crate) vars: Layer,
    /// The inventory file that first defined it (absolute), if any.
    pub(crate) source: Option<PathBuf>,
    /// Groups this host was added to directly, in order.
    pub(crate) groups: Vec<String>,
}

/// Hosts and groups.
#[derive(Debug, Clone)]
pub(crate) struct Data {
    pub(crate) groups: IndexMap<String, Group>,
    pub(crate) hosts: IndexMap<String, Host>,
    /// The source being parsed, recorded on hosts it creates.
    pub(crate) current_source: Option<PathBuf>,
}

impl Default for Data {
    fn default() -> Self {
        let mut data = Data {
            groups: IndexMap::new(),
            hosts: IndexMap::new(),
            current_source: None,
        };
        data.add_group("all");
        data.add_group("ungrouped");
        // Cannot fail: two fresh groups.
        let _ = data.add_child("all", "ungrouped");
        data
    }
}

impl Data {
    /// Creates the group if it does not exist yet.
    pub(crate) fn add_group(&mut self, name: &str) {
        if !self.groups.contains_key(name) {
            self.groups.insert(
                name.to_owned(),
                Group {
                    priority: 1,
                    ..Group::default()
                },
            );
        }
    }

    /// Creates the host if new (recording the current source) and adds it to `group`, which must
    /// exist. A port sets `ansible_port`.
    pub(crate) fn add_host(&mut self, name: &str, group: &str, port: Option<u16>) {
        if !self.hosts.contains_key(name) {
            let mut host = Host::default();
            if let Some(source) = &self.current_source {
                let dir = source.parent().unwrap_or(Path::new("/"));
                host.vars.insert(
                    "inventory_file".into(),
                    Value::String(source.display().to_string()),
                    Trust::Data,
                );
                host.vars.insert(
                    "inventory_dir".into(),
                    Value::String(dir.display().to_string()),
                    Trust::Data,
                );
                host.source = Some(source.clone());
            } else {
                host.vars
                    .insert("inventory_file".into(), Value::Null, Trust::Data);
                host.vars
                    .insert("inventory_dir".into(), Value::Null, Trust::Data);
            }
            self.hosts.insert(name.to_owned(), host);
        }
        if let Some(port) = port {
            self.set_host_var(name, "ansible_port", Value::from(port), Trust::Data);
        }
        self.add_host_to_group(name, group);
    }

    fn add_host_to_group(&mut self, host: &str, group: &str) {
        let (Some(g), Some(h)) = (self.groups.get_mut(group), self.hosts.get_mut(host)) else {
            return;
        };
        // Membership is kept on both sides, so the host's (short) list answers for both.
        if !h.groups.iter().any(|x| x == group) {
            h.groups.push(group.to_owned());
            g.hosts.push(host.to_owned());
        }
    }

    /// Sets a host variable (a later value replaces an earlier one).
    pub(crate) fn set_host_var(&mut self, host: &str, key: &str, value: Value, trust: Trust) {
        if let Some(h) = self.hosts.get_mut(host) {
            h.vars.insert(key.to_owned(), value, trust);
        }
    }

    /// Sets a group variable; `ansible_group_priority` sets the group's priority instead.
    pub(crate) fn set_group_var(
        &mut self,
        group: &str,
        key: &str,
        value: Value,
        trust: Trust,
    ) -> Result<(), String> {
        let Some(g) = self.groups.get_mut(group) else {
            return Ok(());
        };
        if key == "ansible_group_priority" {
            g.priority = python_int(&value).ok_or_else(|| {
                format!(
                    "`ansible_group_priority` of group `{group}` must be an integer, found {value}"
                )
            })?;
        } else {
            g.vars.insert(key.to_owned(), value, trust);
        }
        Ok(())
    }

    /// Makes `child` (a group, or else a host) a member of group `parent`.
    pub(crate) fn add_child(&mut self, parent: &str, child: &str) -> Result<(), String> {
        if !self.groups.contains_key(parent) {
            return Err(format!("`{parent}` is not a known group"));
        }
        if self.groups.contains_key(child) {
            if child == "all" {
                return Err("group `all` cannot be the child of another group".to_owned());
            }
            if self.groups[parent].children.iter().any(|c| c == child) {
                return Ok(());
            }
            if parent == child || self.descendants(child).iter().any(|d| d == parent) {
                return Err(format!(
                    "adding group `{child}` as child to `{parent}` creates a recursive dependency loop"
                ));
            }
            if let Some(p) = self.groups.get_mut(parent) {
                p.children.push(child.to_owned());
            }
            if let Some(c) = self.groups.get_mut(child) {
                c.parents.push(parent.to_owned());
            }
            Ok(())
        } else if self.hosts.contains_key(child) {
            self.add_host_to_group(child, parent);
            Ok(())
        } else {
            Err(format!("`{child}` is not a known host nor group"))
        }
    }

    /// After all sources: top-level groups go below `all`, hosts in no other group go into
    /// `ungrouped` (and out of it when they are in another group), depths are computed.
    pub(crate) fn reconcile(&mut self) {
        let orphans: Vec<String> = self
            .groups
            .iter()
            .filter(|(name, g)| name.as_str() != "all" && g.parents.is_empty())
            .map(|(name, _)| name.clone())
            .collect();
        for name in orphans {
            // Cannot loop: `all` is never anyone's child.
            let _ = self.add_child("all", &name);
        }
        let names: Vec<String> = self.hosts.keys().cloned().collect();
        let mut leave_ungrouped = HashSet::new();
        for name in names {
            let groups = self.host_groups(&name);
            let in_other = groups.iter().any(|g| g != "all" && g != "ungrouped");
            if in_other {
                if groups.iter().any(|g| g == "ungrouped") {
                    if let Some(h) = self.hosts.get_mut(&name) {
                        h.groups.retain(|g| g != "ungrouped");
                    }
                    leave_ungrouped.insert(name);
                }
            } else {
                self.add_host_to_group(&name, "ungrouped");
            }
        }
        if let Some(g) = self.groups.get_mut("ungrouped") {
            g.hosts.retain(|h| !leave_ungrouped.contains(h));
        }
        self.compute_depths();
    }

    /// Longest distance from a root, in topological order (the graph has no loops).
    fn compute_depths(&mut self) {
        let mut pending: HashMap<String, usize> = self
            .groups
            .iter()
            .map(|(name, g)| (name.clone(), g.parents.len()))
            .collect();
        let mut depth: HashMap<String, usize> = HashMap::new();
        let mut queue: VecDeque<String> = pending
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(name, _)| name.clone())
            .collect();
        while let Some(name) = queue.pop_front() {
            let d = *depth.entry(name.clone()).or_insert(0);
            for child in &self.groups[&name].children {
                let cd = depth.entry(child.clone()).or_insert(0);
                *cd = (*cd).max(d + 1);
                if let Some(n) = pending.get_mut(child) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        queue.push_back(child.clone());
                    }
                }
            }
        }
        for (name, g) in self.groups.iter_mut() {
            g.depth = depth.get(name).copied().unwrap_or(0);
        }
    }

    /// `group` and its descendants, breadth first, children in order (Ansible's ordering).
    pub(crate) fn descendants_with_self(&self, group: &str) -> Vec<String> {
        let mut out = vec![group.to_owned()];
        let mut seen: HashSet<&str> = HashSet::from([group]);
        let mut i = 0;
        while i < out.len() {
            let current = out[i].clone();
            if let Some(g) = self.groups.get(&current) {
                for child in &g.children {
                    if seen.insert(child.as_str()) {
                        out.push(child.clone());
                    }
                }
            }
            i += 1;
        }
        out
    }

    fn descendants(&self, group: &str) -> Vec<String> {
        let mut all = self.descendants_with_self(group);
        all.remove(0);
        all
    }

    /// Every host in `group` or below it, without duplicates, in Ansible's order.
    pub(crate) fn group_hosts(&self, group: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for g in self.descendants_with_self(group) {
            for h in &self.groups[&g].hosts {
                if seen.insert(h.as_str()) {
                    out.push(h.clone());
                }
            }
        }
        out
    }

    /// Every group `host` is in, directly or through a child group, ancestors first.
    pub(crate) fn host_groups(&self, host: &str) -> Vec<String> {
        let Some(h) = self.hosts.get(host) else {
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        for direct in &h.groups {
            for ancestor in self.ancestors(direct) {
                if !out.contains(&ancestor) {
                    out.push(ancestor);
                }
            }
            if !out.contains(direct) {
                out.push(direct.clone());
            }
        }
        out
    }

    fn ancestors(&self, group: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut queue: VecDeque<&str> = VecDeque::from([group]);
        while let Some(g) = queue.pop_front() {
            if let Some(g) = self.groups.get(g) {
                for p in &g.parents {
                    if !out.contains(p) {
                        out.push(p.clone());
                        queue.push_back(p);
                    }
                }
            }
        }
        out
    }

    /// The host the inventory defines under a localhost name, if any (the first one).
    pub(crate) fn defined_localhost(&self) -> Option<&str> {
        self.hosts
            .keys()
            .find(|h| LOCALHOST_NAMES.contains(&h.as_str()))
            .map(String::as_str)
    }
}

/// Python's `int()` of a value, for `ansible_group_priority`.
fn python_int(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f.trunc() as i64)
        }),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::String(s) => s.trim().replace('_', "").parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ungrouped_and_depths() {
        let mut d = Data::default();
        d.add_group("web");
        d.add_group("nginx");
        d.add_child("web", "nginx").unwrap();
        d.add_host("n1", "nginx", Some(2222));
        d.add_host("lonely", "all", None);
        d.add_host("stray", "ungrouped", None);
        d.add_host("stray", "web", None);
        d.reconcile();
        assert_eq!(d.groups["nginx"].depth, 2);
        assert_eq!(d.groups["web"].depth, 1);
        assert_eq!(d.groups["ungrouped"].hosts, ["lonely"]);
        assert_eq!(d.host_groups("n1"), ["web", "all", "nginx"]);
        assert_eq!(d.hosts["n1"].vars.map["ansible_port"], Value::from(2222));
        assert_eq!(d.group_hosts("all"), ["lonely", "stray", "n1"]);
    }

    #[test]
    fn loops_are_refused() {
        let mut d = Data::default();
        d.add_group("a");
        d.add_group("b");
        d.add_child("a", "b").unwrap();
        assert!(d.add_child("b", "a").unwrap_err().contains("recursive"));
        assert!(d.add_child("a", "a").is_err());
        assert!(d.add_child("a", "all").is_err());
        assert!(d.add_child("a", "nobody").is_err());
    }

    #[test]
    fn group_priority_is_not_a_var() {
        let mut d = Data::default();
        d.add_group("g");
        d.set_group_var(
            "g",
            "ansible_group_priority",
            Value::from("10"),
            Trust::Template,
        )
        .unwrap();
        assert_eq!(d.groups["g"].priority, 10);
        assert!(d.groups["g"].vars.map.is_empty());
        assert!(
            d.set_group_var(
                "g",
                "ansible_group_priority",
                Value::from("high"),
                Trust::Template
            )
            .is_err()
        );
    }
}
