//! Ansible inventories: who the hosts are, which groups they are in, and their variables.
//!
//! [`Inventory::load`] reads YAML and INI inventories (groups, `children`, `vars`, host ranges
//! such as `web[01:10]` and `db-[a:c]`), directories of them, and host lists (`-i 'a,b,'`), plus
//! the `group_vars/` and `host_vars/` directories beside them; [`Inventory::add_vars_dir`] adds
//! those beside the playbook. [`Inventory::select`] resolves host patterns (`all`, `*`, `a:b`,
//! `a:&b`, `a:!b`, wildcards, `~regex`, `group[0]`) with the implicit `localhost`;
//! [`Inventory::select_limit`] applies `--limit`. [`Inventory::host_vars`] merges a host's
//! variables in Ansible's precedence. This crate reads inventory files; it never contacts a host.
//!
//! Host order is Ansible's: a group's hosts are its own, then its children's (breadth first, in
//! the order children were added), so `all` lists hosts of `all` itself, then `ungrouped`, then
//! each top-level group. That is the order hosts were defined for most inventories.
//!
//! Where drover differs from Ansible, on purpose:
//! - a source that fails to parse is an error with a file, line and column (Ansible warns,
//!   keeps whatever it had parsed, and goes on);
//! - dynamic inventory scripts are skipped with a warning, and inventory plugin configurations
//!   (`plugin: ...`) are errors;
//! - the implicit localhost is named as the pattern that asked for it (Ansible reuses the first
//!   one it made under any localhost name);
//! - INI integers beyond 64 bits become floats.

#![forbid(unsafe_code)]

mod data;
mod ini;
mod pattern;
mod range;
mod source;
mod vars_dirs;
mod yaml;

use data::{Data, LOCALHOST_NAMES};
use drover_types::{Layer, Map, Span, Trust, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vars_dirs::VarsRoot;

/// Why an inventory could not be read or a pattern resolved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("could not read `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// YAML that does not parse.
    #[error(transparent)]
    Yaml(#[from] drover_yaml::Error),
    /// A file that parses but is not a valid inventory.
    #[error("{span}: {message}")]
    Invalid {
        /// Where.
        span: Span,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A change to groups at run time that cannot be made (a loop of parent groups).
    #[error("cannot change group `{group}`: {message}")]
    Group {
        /// The group.
        group: String,
        /// Why.
        message: String,
    },
    /// A host pattern that cannot be understood (a bad `~regex`).
    #[error("invalid host pattern `{pattern}`: {message}")]
    Pattern {
        /// The pattern.
        pattern: String,
        /// Why.
        message: String,
    },
}

/// A span at a 1-based line and column of `file`, `offset` bytes in.
pub(crate) fn span_at(file: &Arc<PathBuf>, line: usize, column: usize, offset: usize) -> Span {
    Span {
        file: file.clone(),
        line,
        column,
        offset,
    }
}

/// Hosts, groups and their variables.
#[derive(Debug, Clone)]
pub struct Inventory {
    data: Data,
    /// `group_vars/`/`host_vars/` beside each inventory source, in source order.
    inventory_vars: Vec<(PathBuf, VarsRoot)>,
    /// `group_vars/`/`host_vars/` beside the playbook(s), in the order added.
    playbook_vars: Vec<(PathBuf, VarsRoot)>,
    warnings: Vec<String>,
}

impl Default for Inventory {
    fn default() -> Self {
        Inventory::empty()
    }
}

/// Reads one inventory text, as a fuzz target or a test would: `ini` picks the INI reader,
/// otherwise YAML (or JSON). `path` names the file in spans and in `inventory_file`. No
/// `group_vars/` are read. Never panics, whatever the text.
pub fn parse_str(text: &str, path: &Path, ini: bool) -> Result<Inventory, Error> {
    let mut inventory = Inventory::empty();
    let file = Arc::new(path.to_owned());
    inventory.data.current_source = Some(source::absolute(path));
    let format = if ini {
        source::Format::Ini
    } else {
        source::Format::Yaml
    };
    source::parse_text(
        &mut inventory.data,
        text,
        &file,
        format,
        &mut inventory.warnings,
    )?;
    inventory.data.current_source = None;
    inventory.data.reconcile();
    inventory.check_names();
    Ok(inventory)
}

impl Inventory {
    /// No inventory at all (no `-i`): only the implicit `localhost` can be selected.
    pub fn empty() -> Inventory {
        Inventory {
            data: Data::default(),
            inventory_vars: Vec::new(),
            playbook_vars: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Reads every inventory source given with `-i` (files, directories of them, or host lists
    /// such as `web1,web2,`), plus the `group_vars/` and `host_vars/` beside each. See the
    /// `source` module docs for how a file's format is chosen. A source that does not exist is
    /// skipped with a warning (see [`Inventory::warnings`]), as Ansible does.
    pub fn load(sources: &[PathBuf]) -> Result<Inventory, Error> {
        let mut inventory = Inventory::empty();
        let mut parsed = false;
        for src in sources {
            if src.as_os_str().is_empty() {
                continue;
            }
            parsed |= source::load_source(&mut inventory.data, src, &mut inventory.warnings)?;
        }
        inventory.data.reconcile();
        inventory.check_names();
        if !parsed && !sources.is_empty() {
            inventory
                .warnings
                .push("No inventory was parsed, only implicit localhost is available".to_owned());
        }
        for src in sources {
            if let Some(dir) = source::vars_dir_of(src) {
                let root = inventory.load_root(&dir)?;
                inventory.inventory_vars.push((dir, root));
            }
        }
        Ok(inventory)
    }

    /// Ansible's warnings about names: group names that are not valid variable names (it does
    /// not rename them by default, but says so), and a name used for both a host and a group.
    fn check_names(&mut self) {
        let invalid = |name: &str| {
            name.starts_with(|c: char| c.is_ascii_digit())
                || name.chars().any(|c| !(c == '_' || c.is_alphanumeric()))
        };
        if self.data.groups.keys().any(|g| invalid(g)) {
            self.warnings.push(
                "Invalid characters were found in group names but not replaced, use -vvvv to see details".to_owned(),
            );
        }
        for host in self.data.hosts.keys() {
            if self.data.groups.contains_key(host) {
                self.warnings
                    .push(format!("Found both group and host with same name: {host}"));
            }
        }
    }

    fn load_root(&self, dir: &Path) -> Result<VarsRoot, Error> {
        VarsRoot::load(
            dir,
            self.data.groups.keys().map(String::as_str),
            self.entity_host_names(),
        )
    }

    /// Host names whose `host_vars/` are read: every host plus the implicit localhost names.
    fn entity_host_names(&self) -> impl Iterator<Item = &str> {
        self.data
            .hosts
            .keys()
            .map(String::as_str)
            .chain(LOCALHOST_NAMES)
    }

    /// Adds `group_vars/` and `host_vars/` found in `dir` (the playbook's directory); these take
    /// precedence over the inventory's own. Adding the same directory twice does nothing.
    pub fn add_vars_dir(&mut self, dir: &Path) -> Result<(), Error> {
        if self.playbook_vars.iter().any(|(d, _)| d == dir) {
            return Ok(());
        }
        let root = self.load_root(dir)?;
        self.playbook_vars.push((dir.to_owned(), root));
        Ok(())
    }

    /// Warnings met while loading (skipped sources, skipped YAML keys...), for the caller to show.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The hosts matching `pattern`, in inventory order, without duplicates. `localhost` (and
    /// `127.0.0.1`, `::1`) match the implicit local host when the inventory does not define it.
    /// A pattern that matches nothing gives an empty list (the caller warns).
    pub fn select(&self, pattern: &str) -> Result<Vec<String>, Error> {
        pattern::evaluate(&self.data, &pattern::split(pattern))
    }

    /// The parts of `pattern` that match no group and no host, for the caller's warning
    /// ("Could not match supplied host pattern, ignoring: web"); `all` is never reported.
    pub fn unmatched_patterns(&self, pattern: &str) -> Result<Vec<String>, Error> {
        pattern::unmatched(&self.data, &pattern::split(pattern))
    }

    /// `--limit`: the hosts of `hosts` (in their order) that `limit` also selects. `limit` has
    /// the pattern syntax; a part `@file` stands for the host names listed in that file, one per
    /// line (as in a `.retry` file).
    pub fn select_limit(&self, hosts: Vec<String>, limit: &str) -> Result<Vec<String>, Error> {
        let mut parts = Vec::new();
        for part in pattern::split(limit) {
            if let Some(file) = part.strip_prefix('@') {
                let path = Path::new(file);
                if path.is_dir() {
                    return Err(Error::Pattern {
                        pattern: part.clone(),
                        message: "a limit starting with `@` must be a file, not a directory"
                            .to_owned(),
                    });
                }
                let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
                    path: path.to_owned(),
                    source,
                })?;
                parts.extend(
                    text.lines()
                        .map(|l| l.trim().to_owned())
                        .filter(|l| !l.is_empty()),
                );
            } else {
                parts.push(part);
            }
        }
        let allowed: std::collections::HashSet<String> =
            pattern::evaluate(&self.data, &parts)?.into_iter().collect();
        Ok(hosts.into_iter().filter(|h| allowed.contains(h)).collect())
    }

    /// A host's variables, lowest precedence first: the inventory's `all` vars, its other
    /// groups' vars (by depth, then `ansible_group_priority`, then name), `group_vars/all` beside
    /// the inventory then beside the playbook, `group_vars/<group>` likewise, the host's own
    /// inventory vars (with `inventory_file`, `inventory_dir` and any `ansible_port`), then
    /// `host_vars/<host>` beside the inventory and beside the playbook. A later value replaces an
    /// earlier one whole (Ansible's default `hash_behaviour`). The implicit localhost gets
    /// `ansible_connection: local`; an unknown host gets nothing.
    pub fn host_vars(&self, host: &str) -> Layer {
        let mut vars = Layer::default();
        let defined = self.data.hosts.get(host);
        if defined.is_none() && !self.is_implicit_localhost(host) {
            return vars;
        }
        let extend = |vars: &mut Layer, layer: Option<&Layer>| {
            if let Some(layer) = layer {
                vars.extend(layer);
            }
        };
        let groups = self.sorted_groups(host);
        extend(&mut vars, self.data.groups.get("all").map(|g| &g.vars));
        for g in &groups {
            extend(&mut vars, Some(&self.data.groups[g].vars));
        }
        for (_, root) in self.inventory_vars.iter().chain(&self.playbook_vars) {
            extend(&mut vars, root.group("all"));
        }
        for (_, root) in &self.inventory_vars {
            for g in &groups {
                extend(&mut vars, root.group(g));
            }
        }
        for (_, root) in &self.playbook_vars {
            for g in &groups {
                extend(&mut vars, root.group(g));
            }
        }
        match defined {
            Some(h) => extend(&mut vars, Some(&h.vars)),
            None => {
                vars.insert(
                    "ansible_connection".into(),
                    Value::from("local"),
                    Trust::Data,
                );
            }
        }
        for (_, root) in self.inventory_vars.iter().chain(&self.playbook_vars) {
            extend(&mut vars, root.host(host));
        }
        vars
    }

    /// The host's groups other than `all`, ordered as their vars apply.
    fn sorted_groups(&self, host: &str) -> Vec<String> {
        let mut groups: Vec<String> = self
            .data
            .host_groups(host)
            .into_iter()
            .filter(|g| g != "all")
            .collect();
        groups.sort_by(|a, b| {
            let (ga, gb) = (&self.data.groups[a], &self.data.groups[b]);
            (ga.depth, ga.priority, a).cmp(&(gb.depth, gb.priority, b))
        });
        groups
    }

    /// The groups a host is in, sorted, without `all` (`group_names`). As in Ansible, a host in
    /// no other group has `ungrouped`.
    pub fn group_names(&self, host: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .data
            .host_groups(host)
            .into_iter()
            .filter(|g| g != "all")
            .collect();
        names.sort();
        names
    }

    /// Every group with its hosts (children's included), `all` and `ungrouped` included, in the
    /// order groups were created (the `groups` variable).
    pub fn groups(&self) -> Map {
        self.data
            .groups
            .keys()
            .map(|g| (g.clone(), Value::from(self.data.group_hosts(g))))
            .collect()
    }

    /// The hosts of one group (children's included), or `None` when there is no such group.
    pub fn group_hosts(&self, group: &str) -> Option<Vec<String>> {
        self.data
            .groups
            .contains_key(group)
            .then(|| self.data.group_hosts(group))
    }

    /// Every group name, in the order the groups were created (`all`, `ungrouped` first).
    pub fn group_list(&self) -> Vec<String> {
        self.data.groups.keys().cloned().collect()
    }

    /// Whether the inventory has this group.
    pub fn has_group(&self, group: &str) -> bool {
        self.data.groups.contains_key(group)
    }

    /// Every host the inventory defines, in inventory order (`all`); never the implicit localhost.
    pub fn hosts(&self) -> Vec<String> {
        self.data.group_hosts("all")
    }

    /// Whether the inventory defines this host (the implicit localhost is not defined).
    pub fn contains_host(&self, host: &str) -> bool {
        self.data.hosts.contains_key(host)
    }

    /// Whether `host` is the implicit local host: a localhost name the inventory does not define.
    pub fn is_implicit_localhost(&self, host: &str) -> bool {
        LOCALHOST_NAMES.contains(&host) && !self.data.hosts.contains_key(host)
    }

    /// The inventory file that first defined `host` (absolute), for `inventory_file`; `None`
    /// for the implicit localhost, hosts from host lists and unknown hosts.
    pub fn inventory_file(&self, host: &str) -> Option<String> {
        Some(
            self.data
                .hosts
                .get(host)?
                .source
                .as_deref()?
                .display()
                .to_string(),
        )
    }

    /// The directory of that file, for `inventory_dir`.
    pub fn inventory_dir(&self, host: &str) -> Option<String> {
        Some(
            self.data
                .hosts
                .get(host)?
                .source
                .as_deref()?
                .parent()?
                .display()
                .to_string(),
        )
    }

    /// The magic variables the inventory knows for `host`: `inventory_hostname`,
    /// `inventory_hostname_short` (the name up to the first dot, an IP address whole) and
    /// `group_names`.
    pub fn magic_vars(&self, host: &str) -> Map {
        let short = if range::is_ip_address(host) {
            host
        } else {
            host.split('.').next().unwrap_or(host)
        };
        let mut vars = Map::new();
        vars.insert("inventory_hostname".into(), Value::from(host));
        vars.insert("inventory_hostname_short".into(), Value::from(short));
        vars.insert("group_names".into(), Value::from(self.group_names(host)));
        vars
    }

    /// Adds a host at run time (the `add_host` module): creates it in `all` if new, adds it to
    /// `groups` (creating them below `all`), and sets `vars` on it. Its `host_vars/` and the new
    /// groups' `group_vars/` are read.
    pub fn add_host(&mut self, host: &str, groups: &[String], vars: Map) -> Result<(), Error> {
        if !self.data.hosts.contains_key(host) {
            self.data.add_host(host, "all", None);
        }
        for group in groups {
            self.add_group_member(group, host)?;
        }
        for (k, v) in vars {
            self.data.set_host_var(host, &k, v, Trust::Template);
        }
        self.data.reconcile();
        self.refresh_vars_roots()
    }

    /// The groups `group` is a direct child of.
    pub fn group_parents(&self, group: &str) -> Vec<String> {
        self.data
            .groups
            .get(group)
            .map(|g| g.parents.clone())
            .unwrap_or_default()
    }

    /// Adds an existing host to a group, creating the group below `all` if needed (`group_by`).
    pub fn add_group_member(&mut self, group: &str, host: &str) -> Result<(), Error> {
        if !self.data.groups.contains_key(group) {
            self.data.add_group(group);
            let _ = self.data.add_child("all", group);
        }
        if self.data.hosts.contains_key(host) {
            self.data
                .add_child(group, host)
                .map_err(|message| Error::Group {
                    group: group.to_owned(),
                    message,
                })?;
        }
        self.data.reconcile();
        self.refresh_vars_roots()
    }

    /// Makes group `child` a child of group `parent`, creating either below `all` if needed
    /// (`group_by`'s `parents`). A link that would make a loop is an error.
    pub fn add_child_group(&mut self, parent: &str, child: &str) -> Result<(), Error> {
        for group in [parent, child] {
            if !self.data.groups.contains_key(group) {
                self.data.add_group(group);
                let _ = self.data.add_child("all", group);
            }
        }
        self.data
            .add_child(parent, child)
            .map_err(|message| Error::Group {
                group: child.to_owned(),
                message,
            })?;
        self.data.reconcile();
        self.refresh_vars_roots()
    }

    fn refresh_vars_roots(&mut self) -> Result<(), Error> {
        let groups: Vec<String> = self.data.groups.keys().cloned().collect();
        let hosts: Vec<String> = self.entity_host_names().map(str::to_owned).collect();
        for (dir, root) in self
            .inventory_vars
            .iter_mut()
            .chain(self.playbook_vars.iter_mut())
        {
            root.add(
                dir,
                groups.iter().map(String::as_str),
                hosts.iter().map(String::as_str),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::fs;

    fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }

    fn ini(text: &str) -> Inventory {
        parse_str(text, Path::new("/inv/hosts"), true).unwrap()
    }

    fn sel(inv: &Inventory, pattern: &str) -> Vec<String> {
        inv.select(pattern).unwrap()
    }

    const SAMPLE: &str = "\
solo
[web]
web[1:3]
[db]
db1 ansible_port=5432
db2
[prod:children]
web
db
[staging]
web3
";

    #[test]
    fn groups_hosts_and_order() {
        let inv = ini(SAMPLE);
        // Ansible's order: `all`'s own hosts, `ungrouped`, then top-level groups (`prod`,
        // `staging`), then their children (`web`, `db`), breadth first.
        assert_eq!(inv.hosts(), ["solo", "web3", "web1", "web2", "db1", "db2"]);
        let groups = inv.groups();
        assert_eq!(
            groups.keys().collect::<Vec<_>>(),
            ["all", "ungrouped", "web", "db", "prod", "staging"]
        );
        assert_eq!(groups["ungrouped"], json!(["solo"]));
        assert_eq!(
            groups["prod"],
            json!(["web1", "web2", "web3", "db1", "db2"])
        );
        assert_eq!(inv.group_names("web3"), ["prod", "staging", "web"]);
        assert_eq!(inv.group_names("solo"), ["ungrouped"]);
        assert!(inv.group_names("nobody").is_empty());
        assert_eq!(inv.group_hosts("staging"), Some(vec!["web3".to_owned()]));
        assert_eq!(inv.group_hosts("nope"), None);
        assert!(inv.has_group("prod") && !inv.has_group("web1"));
        assert!(inv.contains_host("db2") && !inv.contains_host("localhost"));
        assert_eq!(inv.inventory_file("db1").as_deref(), Some("/inv/hosts"));
        assert_eq!(inv.inventory_dir("db1").as_deref(), Some("/inv"));
        assert_eq!(inv.host_vars("db1").map["ansible_port"], json!(5432));
        assert_eq!(inv.host_vars("db1").map["inventory_dir"], json!("/inv"));
        let magic = inv.magic_vars("web1");
        assert_eq!(magic["group_names"], json!(["prod", "web"]));
        assert_eq!(
            inv.magic_vars("10.1.2.3")["inventory_hostname_short"],
            json!("10.1.2.3")
        );
        assert_eq!(
            inv.magic_vars("a.b.c")["inventory_hostname_short"],
            json!("a")
        );
    }

    #[test]
    fn patterns() {
        let inv = ini(SAMPLE);
        assert_eq!(sel(&inv, "all"), inv.hosts());
        assert_eq!(sel(&inv, "*"), inv.hosts());
        assert_eq!(sel(&inv, "db"), ["db1", "db2"]);
        assert_eq!(sel(&inv, "db2"), ["db2"]);
        assert_eq!(sel(&inv, "db:web1"), ["db1", "db2", "web1"]);
        assert_eq!(sel(&inv, "db, web1,db1"), ["db1", "db2", "web1"]);
        assert_eq!(sel(&inv, "prod:&staging"), ["web3"]);
        assert_eq!(sel(&inv, "prod:!web"), ["db1", "db2"]);
        assert_eq!(sel(&inv, "!web"), ["solo", "db1", "db2"]);
        assert_eq!(sel(&inv, "!web:prod"), ["db1", "db2"]);
        assert_eq!(sel(&inv, "web*"), ["web1", "web2", "web3"]);
        assert_eq!(sel(&inv, "*2"), ["web2", "db2"]);
        assert_eq!(sel(&inv, "~(web|db)[13]"), ["web1", "web3", "db1"]);
        assert_eq!(sel(&inv, "web[0]"), ["web1"]);
        assert_eq!(sel(&inv, "web[-1]"), ["web3"]);
        assert_eq!(sel(&inv, "prod[1:2]"), ["web2", "web3"]);
        assert_eq!(sel(&inv, "prod[3:]"), ["db1", "db2"]);
        assert!(sel(&inv, "nothing").is_empty());
        assert_eq!(
            inv.unmatched_patterns("web:nothing:!gone*:all:db1:localhost")
                .unwrap(),
            ["nothing", "gone*"]
        );
        assert!(sel(&inv, "nothing*").is_empty());
        assert!(matches!(
            inv.select("~web(").unwrap_err(),
            Error::Pattern { .. }
        ));
        assert!(inv.select("web[9]").is_err());
    }

    #[test]
    fn implicit_localhost() {
        let empty = Inventory::default();
        assert!(empty.hosts().is_empty());
        assert!(empty.select("all").unwrap().is_empty());
        assert_eq!(sel(&empty, "localhost"), ["localhost"]);
        assert_eq!(sel(&empty, "127.0.0.1"), ["127.0.0.1"]);
        assert_eq!(
            empty.host_vars("localhost").map["ansible_connection"],
            json!("local")
        );
        assert!(empty.is_implicit_localhost("localhost"));
        assert!(empty.group_names("localhost").is_empty());
        assert!(empty.host_vars("elsewhere").map.is_empty());

        let inv = ini("[all:vars]\nx=1\n[web]\nw1\n");
        assert_eq!(sel(&inv, "localhost"), ["localhost"]);
        assert_eq!(sel(&inv, "all"), ["w1"]);
        assert_eq!(sel(&inv, "localhost:web"), ["localhost", "w1"]);
        let vars = inv.host_vars("localhost").map;
        assert_eq!(vars["x"], json!(1));
        assert_eq!(vars["ansible_connection"], json!("local"));

        let defined = ini("localhost ansible_connection=ssh\n");
        assert_eq!(sel(&defined, "all"), ["localhost"]);
        assert!(!defined.is_implicit_localhost("localhost"));
        assert_eq!(
            defined.host_vars("localhost").map["ansible_connection"],
            json!("ssh")
        );
        let by_ip = ini("127.0.0.1\n");
        assert_eq!(sel(&by_ip, "localhost"), ["127.0.0.1"]);
    }

    #[test]
    fn limits() {
        let inv = ini(SAMPLE);
        let all = inv.hosts();
        assert_eq!(
            inv.select_limit(all.clone(), "db:web2").unwrap(),
            ["web2", "db1", "db2"]
        );
        assert_eq!(inv.select_limit(all.clone(), "!prod").unwrap(), ["solo"]);
        let tmp = tempfile::tempdir().unwrap();
        let retry = write(tmp.path(), "site.retry", "db2\n\nweb1\n");
        let limit = format!("@{}", retry.display());
        assert_eq!(
            inv.select_limit(all.clone(), &limit).unwrap(),
            ["web1", "db2"]
        );
        assert!(matches!(
            inv.select_limit(all.clone(), "@/no/such/file").unwrap_err(),
            Error::Io { .. }
        ));
        let limit = format!("@{}", tmp.path().display());
        assert!(inv.select_limit(all, &limit).is_err());
    }

    #[test]
    fn variable_precedence() {
        let tmp = tempfile::tempdir().unwrap();
        let inv_dir = tmp.path().join("inventory");
        let hosts = write(
            &inv_dir,
            "hosts.ini",
            "[web]\nw1 from_host_line=inline layer=host_line\n\
             [web:vars]\nlayer=web_file\nweb_only=1\n\
             [prod:children]\nweb\n\
             [prod:vars]\nlayer=prod_file\nprod_only=1\n\
             [all:vars]\nlayer=all_file\nall_only=1\n\
             [aaa]\nw1\n[aaa:vars]\nsibling=aaa\n\
             [zzz]\nw1\n[zzz:vars]\nsibling=zzz\n\
             [boss]\nw1\n[boss:vars]\nsibling=boss\nansible_group_priority=0\n",
        );
        write(
            &inv_dir,
            "group_vars/all.json",
            r#"{"layer": "inv_gv_all", "g_all": "inv", "nested": {"a": 1, "b": 2}}"#,
        );
        write(
            &inv_dir,
            "group_vars/web.json",
            r#"{"layer": "inv_gv_web", "g_web": "inv"}"#,
        );
        write(
            &inv_dir,
            "host_vars/w1.json",
            r#"{"layer": "inv_hv", "hv": "inv"}"#,
        );
        let pb_dir = tmp.path().join("play");
        write(
            &pb_dir,
            "group_vars/all.json",
            r#"{"g_all": "pb", "nested": {"a": 9}}"#,
        );
        write(&pb_dir, "group_vars/web.json", r#"{"g_web": "pb"}"#);
        write(&pb_dir, "host_vars/w1.json", r#"{"hv": "pb"}"#);

        let mut inv = Inventory::load(std::slice::from_ref(&hosts)).unwrap();
        let v = inv.host_vars("w1").map;
        assert_eq!(v["layer"], json!("inv_hv"));
        assert_eq!(v["from_host_line"], json!("inline"));
        assert_eq!(
            (
                v["all_only"].clone(),
                v["prod_only"].clone(),
                v["web_only"].clone()
            ),
            (json!(1), json!(1), json!(1))
        );
        // Siblings at the same depth: priority first, then name.
        assert_eq!(v["sibling"], json!("zzz"));
        assert_eq!(v["g_all"], json!("inv"));
        assert_eq!(v["g_web"], json!("inv"));
        assert_eq!(
            v["inventory_file"],
            json!(source::absolute(&hosts).display().to_string())
        );

        inv.add_vars_dir(&pb_dir).unwrap();
        let v = inv.host_vars("w1").map;
        assert_eq!(v["g_all"], json!("pb"));
        assert_eq!(v["g_web"], json!("pb"));
        assert_eq!(v["hv"], json!("pb"));
        // `replace` hash behaviour: the playbook's dict replaces the inventory's whole.
        assert_eq!(v["nested"], json!({"a": 9}));

        // Inventory-file group vars lose to group_vars/all; host-line vars beat group_vars/*.
        fs::remove_file(inv_dir.join("host_vars/w1.json")).unwrap();
        let inv = Inventory::load(&[hosts]).unwrap();
        let v = inv.host_vars("w1").map;
        assert_eq!(v["layer"], json!("host_line"));
        let order: Vec<&String> = v.keys().collect();
        assert!(order.contains(&&"inventory_dir".to_owned()));
    }

    #[test]
    fn group_vars_layers_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let hosts = write(
            tmp.path(),
            "inv.ini",
            "[parent:children]\nchild\n[child]\nh1\n[parent:vars]\nfile_var=parent\n",
        );
        write(
            tmp.path(),
            "group_vars/all.json",
            r#"{"x": "all", "file_var": "gv_all"}"#,
        );
        write(tmp.path(), "group_vars/parent.json", r#"{"x": "parent"}"#);
        write(
            tmp.path(),
            "group_vars/child/a.json",
            r#"{"x": "child-a", "y": "a"}"#,
        );
        write(tmp.path(), "group_vars/child/b.json", r#"{"y": "b"}"#);
        let inv = Inventory::load(&[hosts]).unwrap();
        let v = inv.host_vars("h1").map;
        assert_eq!(v["x"], json!("child-a"));
        assert_eq!(v["y"], json!("b"));
        assert_eq!(v["file_var"], json!("gv_all"));
    }

    #[test]
    fn yaml_files_and_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let path = write(
            tmp.path(),
            "inv.yml",
            "all:\n  hosts:\n    solo:\n  vars:\n    port: 22\n  children:\n    web:\n      hosts:\n        web[01:02]:\n          role: w\n        db-[a:b]:2200:\n",
        );
        let inv = Inventory::load(&[path]).unwrap();
        assert_eq!(inv.hosts(), ["solo", "web01", "web02", "db-a", "db-b"]);
        assert_eq!(inv.host_vars("web02").map["role"], json!("w"));
        assert_eq!(inv.host_vars("db-b").map["ansible_port"], json!(2200));
        assert_eq!(inv.host_vars("db-b").map["port"], json!(22));
        assert_eq!(inv.group_names("solo"), ["ungrouped"]);

        let numeric = write(tmp.path(), "numeric.yml", "web:\n  hosts:\n    1234:\n");
        let err = Inventory::load(&[numeric]).unwrap_err().to_string();
        assert!(
            err.contains("numeric.yml:3:5: host pattern 1234 must be a string"),
            "{err}"
        );
        let bad = write(tmp.path(), "bad.yaml", "web:\n  hosts:\n    - a\n    - b\n");
        let err = Inventory::load(&[bad]).unwrap_err().to_string();
        assert!(err.contains("bad.yaml:3:"), "{err}");
        assert!(
            err.contains(
                "expected a mapping of host names under `hosts` of group `web`, found a list"
            ),
            "{err}"
        );
    }

    #[test]
    fn format_guessing_without_extension() {
        let tmp = tempfile::tempdir().unwrap();
        let y = write(tmp.path(), "yaml_hosts", "web:\n  hosts:\n    y1:\n");
        let i = write(tmp.path(), "ini_hosts", "i1 x=1\ni2\n");
        let j = write(
            tmp.path(),
            "json_hosts",
            r#"{"db": {"hosts": {"j1": {"k": [1, 2]}}}}"#,
        );
        let s = write(tmp.path(), "sections", "[web]\ns1\n");
        let inv = Inventory::load(&[y, i, j, s]).unwrap();
        assert_eq!(inv.hosts(), ["i1", "i2", "y1", "s1", "j1"]);
        assert_eq!(inv.host_vars("i1").map["x"], json!(1));
        assert_eq!(inv.host_vars("j1").map["k"], json!([1, 2]));
    }

    #[test]
    fn directories_host_lists_and_missing_sources() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("inventory");
        write(&dir, "01-web.yml", "web:\n  hosts:\n    w1:\n");
        write(&dir, "02-db", "[db]\nd1\n");
        write(&dir, "sub/03-extra.ini", "[extra]\ne1\n");
        write(&dir, "site.retry", "junk [[[\n");
        write(&dir, ".hidden", "junk [[[\n");
        write(&dir, "02-db~", "junk [[[\n");
        write(&dir, "README.md", "junk [[[\n");
        write(&dir, "group_vars/db.json", r#"{"from_dir": true}"#);
        let inv = Inventory::load(&[dir.clone(), PathBuf::from("h1,h2:2201,")]).unwrap();
        assert_eq!(inv.hosts(), ["h1", "h2", "w1", "d1", "e1"]);
        assert_eq!(inv.host_vars("d1").map["from_dir"], json!(true));
        assert_eq!(inv.host_vars("h2").map["ansible_port"], json!(2201));
        assert_eq!(
            inv.inventory_dir("w1"),
            Some(source::absolute(&dir).display().to_string())
        );
        assert_eq!(inv.inventory_dir("h1"), None);
        assert!(inv.warnings().is_empty(), "{:?}", inv.warnings());

        let inv = Inventory::load(&[tmp.path().join("missing")]).unwrap();
        assert_eq!(inv.warnings().len(), 2);
        assert_eq!(sel(&inv, "localhost"), ["localhost"]);
    }

    #[test]
    fn run_time_hosts_and_groups() {
        let tmp = tempfile::tempdir().unwrap();
        let hosts = write(tmp.path(), "hosts.ini", "[web]\nw1\n");
        write(tmp.path(), "host_vars/new1.json", r#"{"found": true}"#);
        write(tmp.path(), "group_vars/fresh.json", r#"{"fresh": 1}"#);
        let mut inv = Inventory::load(&[hosts]).unwrap();
        inv.add_host(
            "new1",
            &["fresh".to_owned()],
            json!({"v": 2}).as_object().unwrap().clone(),
        )
        .unwrap();
        assert_eq!(sel(&inv, "fresh"), ["new1"]);
        let v = inv.host_vars("new1").map;
        assert_eq!(
            (v["found"].clone(), v["fresh"].clone(), v["v"].clone()),
            (json!(true), json!(1), json!(2))
        );
        inv.add_group_member("by_os", "w1").unwrap();
        assert_eq!(sel(&inv, "by_os"), ["w1"]);
        inv.add_child_group("linux", "by_os").unwrap();
        assert_eq!(sel(&inv, "linux"), ["w1"]);
        assert_eq!(inv.group_names("w1"), ["by_os", "linux", "web"]);
        assert!(inv.add_child_group("by_os", "linux").is_err());
        assert_eq!(inv.group_names("new1"), ["fresh"]);
    }

    #[test]
    fn yaml_vars_files_and_unsafe_values() {
        let tmp = tempfile::tempdir().unwrap();
        let hosts = write(
            tmp.path(),
            "hosts.yaml",
            "web:\n  hosts:\n    w1:\n      ansible_host: 10.0.0.5\n",
        );
        write(
            tmp.path(),
            "group_vars/all.yml",
            "---\nplain: yes\nraw: !unsafe '{{ not_templated }}'\n",
        );
        write(
            tmp.path(),
            "group_vars/web/main.yaml",
            "listed:\n  - 1\n  - two\n",
        );
        write(tmp.path(), "host_vars/w1", "mode: 0755\n");
        write(tmp.path(), "host_vars/localhost.yml", "local_only: true\n");
        let inv = Inventory::load(&[hosts]).unwrap();
        let layer = inv.host_vars("w1");
        assert!(layer.trust_of("raw").is_data());
        assert!(layer.trust_of("plain").is_template());
        let v = layer.map;
        assert_eq!(v["plain"], json!(true));
        assert_eq!(v["raw"], json!("{{ not_templated }}"));
        assert_eq!(v["listed"], json!([1, "two"]));
        assert_eq!(v["mode"], json!(493));
        assert_eq!(v["ansible_host"], json!("10.0.0.5"));
        let local = inv.host_vars("localhost").map;
        assert_eq!(local["local_only"], json!(true));
        assert_eq!(local["plain"], json!(true));

        let bad = tempfile::tempdir().unwrap();
        let hosts = write(bad.path(), "hosts.ini", "h1\n");
        write(bad.path(), "host_vars/h1.yml", "key: [unclosed\n");
        let err = Inventory::load(&[hosts]).unwrap_err().to_string();
        assert!(err.contains("h1.yml:"), "{err}");
    }

    #[test]
    fn host_and_group_with_the_same_name_warns() {
        let tmp = tempfile::tempdir().unwrap();
        let hosts = write(tmp.path(), "hosts.ini", "[db]\ndb\n");
        let inv = Inventory::load(&[hosts]).unwrap();
        assert_eq!(
            inv.warnings(),
            ["Found both group and host with same name: db"]
        );
        assert_eq!(sel(&inv, "db"), ["db"]);
        let inv = parse_str("[web-servers]\nw1\n", Path::new("h"), true).unwrap();
        assert_eq!(
            inv.warnings(),
            [
                "Invalid characters were found in group names but not replaced, use -vvvv to see details"
            ]
        );
    }

    #[test]
    fn deep_yaml_nesting_is_an_error_not_a_crash() {
        let mut text = String::new();
        for depth in 0..300 {
            let pad = "  ".repeat(depth * 2);
            text.push_str(&format!("{pad}g{depth}:\n{pad}  children:\n"));
        }
        let result = parse_str(&text, Path::new("deep.yml"), false);
        let err = result.unwrap_err().to_string();
        assert!(err.contains("deep"), "{err}");
    }

    #[test]
    fn parse_str_survives_garbage() {
        let mut seed: u64 = 0x9e3779b97f4a7c15;
        let alphabet: &[u8] = b"[]:=,#;'\"\\ \n\tabcxyz019-_.{}!&*~|%@`>-?hostsvarchildren";
        for round in 0..3000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 60) as usize;
            let text: String = (0..len)
                .map(|i| alphabet[((seed >> (i % 50)) as usize + i * 7) % alphabet.len()] as char)
                .collect();
            let _ = parse_str(&text, Path::new("fuzz"), round % 2 == 0);
            if let Ok(inv) = parse_str(&text, Path::new("fuzz"), true) {
                let _ = inv.select(&text);
                let _ = inv.hosts();
                let _ = inv.groups();
            }
        }
    }
}
